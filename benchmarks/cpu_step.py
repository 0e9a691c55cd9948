"""Seconds per training step under `cpu-bf16`: trl's LM-head kernel and SDPA against what ships.

Three ways to run the same steps (the same rows, seed and recipe; only the code path differs):
- `trl-head`: trl's own CPU fallback for its fused LM head, SDPA attention (the course until
  2026-12-01);
- `plain-head`: `training.token_logprobs`, one projection and a float32 log-softmax, SDPA;
- `shipped`: the plain head and eager attention in training (`cpu-bf16`'s `train_attention`).
The runs go ABC CBA ... so that this machine's drift in speed falls on all three alike.

    .venv/bin/python benchmarks/cpu_step.py [--steps 20] [--repeats 2] [--out DIR]
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cpu_precision import alternating_runs, parse_args, timed_run, write_report  # noqa: E402

from helpers import training  # noqa: E402
from helpers.profiles import PROFILES  # noqa: E402

VARIANTS = ("trl-head", "plain-head", "shipped")
PROFILE = "cpu-bf16"


def variant_patches(variant: str) -> list:
    """The patches that turn the shipped code path into `variant`'s."""
    from trl.kernels import ChunkedLogProbFunction

    patches = []
    if variant == "trl-head":
        patches.append(mock.patch.object(training, "token_logprobs", ChunkedLogProbFunction.apply))
    if variant in ("trl-head", "plain-head"):
        patches.append(mock.patch.dict(PROFILES, {PROFILE: replace(PROFILES[PROFILE], train_attention="")}))
    return patches


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, __doc__.splitlines()[0], steps=20)

    def run(variant: str) -> dict:
        with ExitStack() as stack:
            for patch in variant_patches(variant):
                stack.enter_context(patch)
            return timed_run(args, PROFILE)

    report = {"profile": PROFILE, "steps": args.steps, "batch_size": args.batch_size,
              **alternating_runs(args, VARIANTS, run)}
    base = min(report["trl-head"]["seconds_per_step"])
    print(json.dumps(report, indent=2))
    for variant in VARIANTS[1:]:
        best = min(report[variant]["seconds_per_step"])
        print(f"{variant}: {base / best:.2f}x the trl-head step rate (best of {args.repeats} each); "
              f"mean loss {report[variant]['mean_loss']:.4f} vs {report['trl-head']['mean_loss']:.4f}")
    write_report(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
