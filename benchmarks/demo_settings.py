"""The demo's recipe at other batch sizes, step counts and seeds: train, then score exact match.

Each setting trains `TrainConfig`'s recipe on the shipped `train.jsonl` (the demo's data) for
`--steps` steps of `--batch-size` rows, once per `--seeds` value, then scores the first `--rows`
rows of `test` and `unseen` with the merged adapter. A single run is noisy (other rows, other
init), so compare settings over the same seeds. Prints one JSON line per run and a Markdown table.

    .venv/bin/python benchmarks/demo_settings.py --setting 52x4 --setting 26x8 --seeds 0 1 [--rows 48]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpers.data import load_conversations  # noqa: E402
from helpers.training import SHIPPED  # noqa: E402


def parse_setting(text: str) -> tuple[int, int]:
    """`"52x4"` -> (52 steps, batch 4)."""
    steps, _, batch = text.partition("x")
    if not (steps.isdigit() and batch.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r}: write STEPSxBATCH, e.g. 52x4")
    return int(steps), int(batch)


def run_one(model: str, steps: int, batch: int, seed: int, rows: dict, out: Path, max_new_tokens: int) -> dict:
    """Train one setting, then score it the way the demo does (its batching, its predictions files)."""
    from helpers.demo import evaluate_splits
    from helpers.profiles import get_profile
    from helpers.training import TrainConfig, load_adapter, train

    result = train(TrainConfig(model=model, data=str(SHIPPED / "train.jsonl"), out=str(out), max_steps=steps,
                               batch_size=batch, seed=seed, save_steps=steps), log=lambda *_: None)
    tuned, tokenizer = load_adapter(result["adapter_dir"], get_profile("auto"), merge=True)
    t = time.perf_counter()
    summaries = evaluate_splits(tuned, tokenizer, rows, out, "after", max_new_tokens)
    line = {"steps": steps, "batch_size": batch, "seed": seed, "rows_trained": result["rows"],
            "train_seconds": round(result["train_seconds"], 1), "eval_seconds": round(time.perf_counter() - t, 1)}
    for split, summary in summaries.items():
        line[split] = summary["exact_match"]
        line[f"{split}_labels"] = summary["labels"]
    return line


def table(lines: list[dict]) -> str:
    """Mean exact match per setting over its seeds."""
    out = ["| steps x batch | seeds | train s (mean) | test | unseen |", "|---|---|---|---|---|"]
    for key in dict.fromkeys((r["steps"], r["batch_size"]) for r in lines):
        runs = [r for r in lines if (r["steps"], r["batch_size"]) == key]
        mean = lambda k: sum(r[k] for r in runs) / len(runs)  # noqa: E731
        seeds = ", ".join(f"{100 * r['test']:.1f}/{100 * r['unseen']:.1f}" for r in runs)
        out.append(f"| {key[0]} x {key[1]} | {seeds} | {mean('train_seconds'):.0f} | "
                   f"{100 * mean('test'):.1f}% | {100 * mean('unseen'):.1f}% |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--setting", type=parse_setting, action="append", required=True, help="STEPSxBATCH")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--rows", type=int, default=48, help="rows of test and of unseen to score")
    parser.add_argument("--max-new-tokens", dest="max_new_tokens", type=int, default=128)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--out", default="runs/demo_settings")
    args = parser.parse_args(argv)

    rows = {s: load_conversations(SHIPPED / f"{s}.jsonl")[0][: args.rows] for s in ("test", "unseen")}
    lines = []
    for steps, batch in args.setting:
        for seed in args.seeds:
            line = run_one(args.model, steps, batch, seed, rows, Path(args.out) / f"{steps}x{batch}-seed{seed}",
                           args.max_new_tokens)
            print(json.dumps(line), flush=True)
            lines.append(line)
    print(table(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
