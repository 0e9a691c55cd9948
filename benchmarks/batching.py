"""Seconds per optimizer step for three ways of batching the shipped rows (CPU, embedded default).

- `padded`: random batches padded to their longest row (trl's default without packing)
- `grouped`: batches of similar length (`train_sampling_strategy="group_by_length"`, the course's choice)
- `padding_free`: rows flattened into one sequence with position ids (trl's `padding_free=True`);
  on SDPA transformers builds a block-diagonal mask over the whole flattened batch

    .venv/bin/python benchmarks/batching.py [--steps 6]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpers.training import TrainConfig, train  # noqa: E402

MODES = {
    "padded": {"sampling": "random"},
    "grouped": {"sampling": "group_by_length"},
    # trl refuses padding_free with max_length unless packing; rows are already filtered to max_length
    "padding_free": {"sampling": "random", "extra": {"padding_free": True, "max_length": None}},
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()
    report = {}
    for mode, extra in MODES.items():
        with tempfile.TemporaryDirectory() as tmp:
            r = train(TrainConfig(out=tmp, max_steps=args.steps, save_steps=10_000, **extra), log=lambda *_: None)
        # the first step carries one-off costs; time the rest
        report[mode] = {"seconds_per_step": r["train_seconds"] / args.steps, "first_losses": r["losses"][:3]}
        print(mode, json.dumps(report[mode]), flush=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
