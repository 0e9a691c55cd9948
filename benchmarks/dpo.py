"""Error labels before and after DPO on top of an SFT adapter, on `test` and `unseen`, as JSON + a table.

    nice -n 19 .venv/bin/python benchmarks/dpo.py --adapter runs/demo/adapter [--out runs/dpo]

1. loads the SFT adapter (merged), evaluates it on both splits and answers `--mine` train prompts;
   its wrong answers become mined preference pairs next to the synthetic ones;
2. trains DPO on the SFT adapter (`helpers.alignment.align`, the SFT model as reference);
3. evaluates the aligned adapter on the same rows.

With `--budget-minutes` (default 10) DPO stops early, after a whole step, when the time left would not
cover the second evaluation: the whole run then fits the budget, and the JSON says how many steps ran.

Rows that need a call and rows where no offered tool fits (irrelevance) are reported separately:
the irrelevance rows are a tenth of each split, and a change there would drown in the total.
Writes `OUT/dpo_metrics.json` and the predictions of both evaluations.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

SPLITS = ("test", "unseen")


def main(argv: list[str] | None = None) -> int:
    from helpers.alignment import AlignConfig
    from helpers.profiles import PROFILES

    d = AlignConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", default="runs/demo/adapter", help="the SFT adapter (from `make demo` or `train`)")
    parser.add_argument("--out", default="runs/dpo")
    parser.add_argument("--max-steps", dest="max_steps", type=int, default=d.max_steps)
    parser.add_argument("--batch-size", dest="batch_size", type=int, default=2)
    parser.add_argument("--learning-rate", dest="learning_rate", type=float, default=d.learning_rate)
    parser.add_argument("--beta", type=float, default=d.beta)
    parser.add_argument("--sft-weight", dest="sft_weight", type=float, default=d.sft_weight,
                        help="weight of the NLL of the chosen turns next to DPO's loss; 0: plain DPO")
    parser.add_argument("--pairs", type=int, default=d.pairs)
    parser.add_argument("--mine", type=int, default=24)
    parser.add_argument("--limit", type=int, default=24,
                        help="rows per split, a quarter of them irrelevance rows (24: every irrelevance row of "
                             "the shipped splits); 0: every row")
    parser.add_argument("--max-new-tokens", dest="max_new_tokens", type=int, default=96)
    parser.add_argument("--eval-batch-size", dest="eval_batch_size", type=int, default=16)
    parser.add_argument("--profile", default="auto", choices=["auto", *PROFILES])
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--budget-minutes", dest="budget_minutes", type=float, default=10.0,
                        help="wall-clock budget of the whole run: DPO stops early (after a whole step) when the "
                             "time left would not cover the second evaluation, as long as the first took; 0: none")
    args = parser.parse_args(argv)

    from helpers.alignment import align, build_pairs, compare_labels, format_label_table, split_by_relevance
    from helpers.cli import _quiet
    from helpers.data import load_conversations
    from helpers.evaluation import evaluate_rows, summarize, write_predictions
    from helpers.lesson import eval_sample
    from helpers.profiles import get_profile
    from helpers.training import META_FILE, SHIPPED, load_adapter

    if not (Path(args.adapter) / META_FILE).is_file():
        print(f"error: {args.adapter} is not an adapter directory (no {META_FILE}); run `make demo` or "
              "`python -m helpers train --max-steps 30 --out runs/sft` first", file=sys.stderr)
        return 2
    _quiet()
    start = time.perf_counter()
    seconds = {}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    profile = get_profile(args.profile)
    rows = {s: load_conversations(SHIPPED / f"{s}.jsonl")[0] for s in SPLITS}
    if args.limit:
        rows = {s: eval_sample(r, args.limit) for s, r in rows.items()}
    cfg = AlignConfig(adapter=args.adapter, out=str(out), profile=args.profile, max_steps=args.max_steps,
                      batch_size=args.batch_size, learning_rate=args.learning_rate,
                      token_learning_rate=args.learning_rate, beta=args.beta, sft_weight=args.sft_weight,
                      pairs=args.pairs, mine=args.mine, mine_max_new_tokens=args.max_new_tokens, seed=args.seed)
    log = lambda line: print(line, file=sys.stderr)  # noqa: E731

    def evaluate(model, tokenizer, tag):
        t = time.perf_counter()
        records = {}
        for split, split_rows in rows.items():
            records[split] = evaluate_rows(model, tokenizer, split_rows, max_new_tokens=args.max_new_tokens,
                                           batch_size=args.eval_batch_size, progress=False)
            write_predictions(records[split], out / f"predictions_{tag}_{split}.jsonl")
        seconds[f"evaluate_{tag}"] = round(time.perf_counter() - t, 1)
        log(f"evaluated {tag}: {seconds[f'evaluate_{tag}']} s")
        return records

    log(f"[1/3] SFT adapter {args.adapter}: evaluating {', '.join(f'{len(r)} {s}' for s, r in rows.items())} rows, "
        f"mining {args.mine} train prompts")
    sft, tokenizer = load_adapter(args.adapter, profile, merge=True)
    before = evaluate(sft, tokenizer, "sft")
    t = time.perf_counter()
    train_rows = load_conversations(cfg.data)[0]
    pairs, pair_stats = build_pairs(cfg, sft, tokenizer, train_rows, log=log)
    seconds["pairs"] = round(time.perf_counter() - t, 1)
    del sft
    gc.collect()

    if args.budget_minutes:
        # what is left, less the second evaluation (as long as the first), loading and saving (~30 s)
        elapsed = time.perf_counter() - start
        cfg.max_seconds = max(60.0, 60 * args.budget_minutes - elapsed - seconds["evaluate_sft"] - 30)
    log(f"[2/3] DPO: {cfg.max_steps} steps, batch {cfg.batch_size}, beta {cfg.beta}, {len(pairs)} pairs"
        + (f", at most {cfg.max_seconds:.0f} s" if cfg.max_seconds else ""))
    t = time.perf_counter()
    result = align(cfg, log=log, pairs=pairs)
    seconds["align"] = round(time.perf_counter() - t, 1)

    log("[3/3] evaluating the aligned adapter")
    aligned, tokenizer = load_adapter(result["adapter_dir"], profile, merge=True)
    after = evaluate(aligned, tokenizer, "dpo")
    seconds["total"] = round(time.perf_counter() - start, 1)

    comparison = compare_labels(before, after)
    summary = lambda records: {  # noqa: E731
        part: {k: v for k, v in summarize(rs).items() if k in ("n", "exact_match", "labels")}
        for part, rs in split_by_relevance(records).items()}
    metrics = {
        "sft_adapter": args.adapter,
        "dpo_adapter": result["adapter_dir"],
        "profile": result["profile"],
        "labels": comparison,
        "exact_match": {s: {"sft": summarize(before[s])["exact_match"], "dpo": summarize(after[s])["exact_match"]}
                        for s in SPLITS},
        "by_subset": {s: {"sft": summary(before[s]), "dpo": summary(after[s])} for s in SPLITS},
        "changed_answers": {s: sum(b["raw"] != a["raw"] for b, a in zip(before[s], after[s])) for s in SPLITS},
        "train": {"steps": result["steps"], "max_seconds": cfg.max_seconds,
                  "train_seconds": round(result["train_seconds"], 1), "losses": result["losses"],
                  "reward_accuracies": result["reward_accuracies"],
                  "reward_margins": result["reward_margins"], "rewards_chosen": result["rewards_chosen"],
                  "rewards_rejected": result["rewards_rejected"], "pairs": pair_stats, "config": vars(args)},
        "seconds": seconds,
    }
    (out / "dpo_metrics.json").write_text(json.dumps(metrics, indent=2, default=str))
    print(json.dumps(metrics, indent=2, default=str))
    print()
    print(format_label_table(comparison))
    print("\nexact match: " + "; ".join(
        f"{s} {100 * m['sft']:.1f}% -> {100 * m['dpo']:.1f}%" for s, m in metrics["exact_match"].items())
        + f"; answers that changed: {metrics['changed_answers']}; total {seconds['total']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
