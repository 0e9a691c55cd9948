"""Re-run the notebooks from their jupytext sources and save them with their outputs.

    make notebooks                      # every notebook at COURSE_SCALE=smoke (what CI re-runs)
    make notebooks SCALE=cpu            # the course's CPU scale
    .venv/bin/python scripts/refresh_notebooks.py --scale smoke notebooks/03_lora_sft.py

Each `notebooks/NN_*.py` (the source of truth) is executed in a fresh kernel with `notebooks/` as
the working directory, as nbval runs it, and written to its paired `.ipynb`. A notebook that fails
is reported with the failing cell and left as it was.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def refresh(py: Path, timeout: int) -> float:
    """Execute `py` and write its `.ipynb`; returns the seconds it took."""
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(py)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(py.parent)}}).execute()
    jupytext.write(notebook, py.with_suffix(".ipynb"))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="smoke", choices=["smoke", "cpu", "gpu"], help="COURSE_SCALE to run at")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds one cell may run")
    parser.add_argument("notebooks", nargs="*", help="notebook sources (default: every notebooks/NN_*.py)")
    args = parser.parse_args(argv)
    paths = [Path(p).with_suffix(".py") for p in args.notebooks] or sorted((ROOT / "notebooks").glob("[0-9]*.py"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"no such notebook source: {', '.join(missing)}", file=sys.stderr)
        return 2
    os.environ["COURSE_SCALE"] = args.scale
    failed = 0
    for py in paths:
        try:
            seconds = refresh(py.resolve(), args.timeout)
        except Exception as e:  # nbclient's CellExecutionError carries the failing cell and its traceback
            failed += 1
            print(f"{py.name}: failed at COURSE_SCALE={args.scale}; its .ipynb is unchanged\n{e}", file=sys.stderr)
            continue
        print(f"{py.name}: ran at COURSE_SCALE={args.scale} in {seconds:.0f} s; outputs saved to {py.with_suffix('.ipynb').name}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
