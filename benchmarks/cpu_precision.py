"""Seconds per training step on a CPU: float32 (`cpu`) against bfloat16 autocast (`cpu-bf16`).

The same rows and seed for both; the runs alternate (cpu, cpu-bf16, cpu-bf16, cpu, ...) so that
this machine's drift in speed falls on both alike. Where the CPU has no native bfloat16
(`profiles.cpu_has_native_bf16()` is False) autocast is emulated and `cpu-bf16` is slower.

    .venv/bin/python benchmarks/cpu_precision.py [--steps 24] [--repeats 2] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpers.models import EMBEDDED_DEFAULT  # noqa: E402
from helpers.profiles import cpu_has_native_bf16  # noqa: E402
from helpers.training import TrainConfig, train  # noqa: E402

COMPARED = ("cpu", "cpu-bf16")  # names in helpers.profiles.PROFILES


def run_order(repeats: int, names: tuple[str, ...] = COMPARED) -> list[str]:
    """AB BA ... (ABC CBA ... for three): each one runs early and late alike."""
    return [n for i in range(repeats) for n in (names if i % 2 == 0 else names[::-1])]


def parse_args(argv: list[str] | None, description: str, steps: int):
    """The options every step-timing benchmark here takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", default=EMBEDDED_DEFAULT)
    parser.add_argument("--data", default=None, help="training file (default: the shipped train.jsonl)")
    parser.add_argument("--steps", type=int, default=steps)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", default=None, help="write report.json here")
    return parser.parse_args(argv)


def timed_run(args, profile: str) -> dict:
    """Train `args.steps` steps in a scratch folder: seconds per step and the losses."""
    extra = {"data": args.data} if args.data else {}
    with tempfile.TemporaryDirectory() as tmp:
        r = train(TrainConfig(model=args.model, out=tmp, profile=profile, max_steps=args.steps,
                              batch_size=args.batch_size, save_steps=10_000, **extra), log=lambda *_: None)
    return {"seconds_per_step": r["train_seconds"] / r["steps"], "losses": r["losses"]}


def alternating_runs(args, names: tuple[str, ...], run) -> dict:
    """`run(name)` for each name in `run_order`, printed as it goes; per name its sorted seconds per
    step, the first run's first losses and the mean loss over runs."""
    runs = {n: [] for n in names}
    for name in run_order(args.repeats, names):
        runs[name].append(run(name))
        print(name, f"{runs[name][-1]['seconds_per_step']:.2f} s/step", flush=True)
    return {name: {
        "seconds_per_step": sorted(r["seconds_per_step"] for r in rs),
        "first_losses": rs[0]["losses"][:3],
        "mean_loss": sum(sum(r["losses"]) / len(r["losses"]) for r in rs) / len(rs),
    } for name, rs in runs.items()}


def write_report(report: dict, out: str | None) -> None:
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "report.json").write_text(json.dumps(report, indent=2))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, __doc__.splitlines()[0], steps=24)
    report = {"native_bf16": cpu_has_native_bf16(), "steps": args.steps, "batch_size": args.batch_size,
              **alternating_runs(args, COMPARED, lambda profile: timed_run(args, profile))}
    fp32, bf16 = (min(report[p]["seconds_per_step"]) for p in COMPARED)
    report["speedup"] = fp32 / bf16
    print(json.dumps(report, indent=2))
    print(f"bfloat16 autocast: {report['speedup']:.2f}x the float32 step rate (best of {args.repeats} each); "
          f"mean loss {report['cpu']['mean_loss']:.4f} (float32) vs {report['cpu-bf16']['mean_loss']:.4f}")
    write_report(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
