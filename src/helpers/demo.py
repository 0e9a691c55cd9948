"""The main job: evaluate the base model, fine-tune it with LoRA, evaluate again, report.

Runs offline on the embedded default (SmolLM2-135M-Instruct) and the shipped data on a CPU.
"""

from __future__ import annotations

import gc
import json
import time
from pathlib import Path

from .data import load_conversations
from .evaluation import evaluate_rows, summarize, unguided_records, write_predictions
from .models import EMBEDDED_DEFAULT, resolve_model
from .profiles import get_profile
from .training import SHIPPED, TrainConfig, adapter_size_bytes, load_adapter, load_base, train

SPLITS = ("test", "unseen")
# Steps of 4 rows (less padding and more exact matches than the same rows in steps of 8), sized
# so that the whole demo stays under 10 minutes on a 2-core machine with room for its drift:
# 112 under bfloat16 autocast (`cpu-bf16`, about 300 s of training), 64 in float32 (`cpu`, a CPU
# without native bfloat16: 4.1-6.2 s per step on a Zen 3 VM). How each was chosen: docs/measured.md.
STEPS = {"cpu": 64, "cpu-bf16": 112}
BATCH_SIZE = 4


def evaluate_splits(model, tokenizer, rows_by_split, out: Path, tag: str, max_new_tokens: int,
                    guided: bool = False) -> dict | tuple[dict, dict]:
    """Summary per split (with a `sample` record); predictions written to `OUT/predictions_TAG_SPLIT.jsonl`.

    `guided=True` returns `(unguided, guided)` summaries; the schema-guided predictions go to
    `OUT/predictions_guided_SPLIT.jsonl`, and only the rows guidance changed are generated twice.
    The splits are generated together: batches of similar prompt length across both, and one
    batch for the rows generated twice (the demo's evaluation after training: 85 s against 117 s
    split by split, the same answers).
    """
    rows = [row for split_rows in rows_by_split.values() for row in split_rows]
    # even batches of up to 32 rows: on this CPU a larger batch costs little more per token (24 rows
    # in one batch took 35 s against 46 s in batches of 16 and 8), up to a point (64 rows took
    # 108 s in one batch against 85 s in two)
    batches = -(-len(rows) // 32)
    kwargs = dict(max_new_tokens=max_new_tokens, batch_size=-(-len(rows) // batches))
    if guided:
        guided_records = evaluate_rows(model, tokenizer, rows, guided=True, **kwargs)
        records = unguided_records(model, tokenizer, rows, guided_records, **kwargs)
    else:
        records = evaluate_rows(model, tokenizer, rows, **kwargs)
    summaries, guided_summaries, start = {}, {}, 0
    for split, split_rows in rows_by_split.items():
        part = slice(start, start + len(split_rows))
        start = part.stop
        own = records[part]
        sample = next((i for i, r in enumerate(own) if r["expected"]), 0)
        write_predictions(own, out / f"predictions_{tag}_{split}.jsonl")
        summaries[split] = {**summarize(own), "sample": own[sample]}
        if guided:
            own_guided = guided_records[part]
            write_predictions(own_guided, out / f"predictions_guided_{split}.jsonl")
            guided_summaries[split] = {**summarize(own_guided), "sample": own_guided[sample]}
    return (summaries, guided_summaries) if guided else summaries


def without_samples(summaries: dict) -> dict:
    """Per-split summaries without their `sample` records, as metrics.json keeps them."""
    return {split: {k: v for k, v in m.items() if k != "sample"} for split, m in summaries.items()}


def format_table(before: dict, after: dict, guided: dict | None = None) -> str:
    """Before/after table of exact match, tool-name accuracy, irrelevance accuracy and format validity.

    With `guided`, a third column: the same fine-tuned model with schema-guided tool calls.
    """
    pct = lambda v: "  -  " if v is None else f"{100 * v:5.1f}%"  # noqa: E731
    lines = [f"{'split':8} {'metric':22} {'before':>8} {'after':>8}" + (f" {'guided':>8}" if guided else "")]
    for split in before:
        for key in ("exact_match", "name_accuracy", "irrelevance_accuracy", "format_valid"):
            lines.append(f"{split:8} {key:22} {pct(before[split][key]):>8} {pct(after[split][key]):>8}"
                         + (f" {pct(guided[split][key]):>8}" if guided else ""))
    return "\n".join(lines)


def describe_sample(rows: list[dict], before: dict, after: dict, guided: dict | None = None) -> str:
    """A prompt with its offered tools, and what the base and fine-tuned models answered.

    With `guided` (the same row's schema-guided record), its answer too where guidance changed it.
    """
    row = next(r for r in rows if r["id"] == after["id"])
    query = next(m["content"] for m in row["messages"] if m["role"] == "user")
    lines = [
        f"\nSample prompt (tools never seen in training), row {row['id']}:",
        f"  tools offered: {', '.join(t['name'] for t in row['tools'])}",
        f"  user: {query}",
        f"  expected:   {json.dumps(after['expected'])}",
        f"  base model: {before['raw'][:240]!r} -> {before['label']}",
        f"  fine-tuned: {after['raw'][:240]!r} -> {after['label']}",
    ]
    if guided and guided["raw"] != after["raw"]:
        lines.append(f"  guided:     {guided['raw'][:240]!r} -> {guided['label']}")
    return "\n".join(lines)


def run_demo(out: str = "runs/demo", model: str = EMBEDDED_DEFAULT, steps: int | None = None, batch_size: int = BATCH_SIZE,
             limit: int | None = 32, max_new_tokens: int = 192, base_max_new_tokens: int = 24,
             data_dir: str | Path = SHIPPED, log=print, **train_overrides) -> dict:
    """Base eval -> LoRA SFT -> eval; writes `OUT/metrics.json` and `OUT/adapter/`.

    `max_new_tokens` leaves room for two calls after a think that restates the request (128 cut
    such answers off before their second call closed). The untouched model gets
    `base_max_new_tokens`: it has no tag tokens and answers in prose or code from its first token,
    so a longer answer changes no label, only the time it takes (its 24-token answers are the
    first tokens of its 40-token ones, with every label the same on both splits: 42 s against 55 s).
    """
    start = time.perf_counter()
    timings = {}
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = get_profile("auto")
    steps = steps or STEPS.get(profile.name, STEPS["cpu"])

    log("[1/4] preparing the model and data")
    resolve_model(model)
    rows = {s: load_conversations(Path(data_dir) / f"{s}.jsonl")[0][:limit] for s in SPLITS}
    timings["prepare"] = time.perf_counter() - start

    log(f"[2/4] evaluating the base model on {', '.join(f'{len(r)} {s}' for s, r in rows.items())} rows")
    t = time.perf_counter()
    base, tokenizer, _ = load_base(model, profile, add_tokens=False)
    before = evaluate_splits(base, tokenizer, rows, out_dir, "before", base_max_new_tokens)
    del base
    gc.collect()
    timings["evaluate_before"] = time.perf_counter() - t

    log(f"[3/4] LoRA fine-tuning for {steps} steps of {batch_size} rows")
    t = time.perf_counter()
    cfg = TrainConfig(model=model, data=str(Path(data_dir) / "train.jsonl"), out=str(out_dir), max_steps=steps,
                      batch_size=batch_size, save_steps=max(steps // 3, 1), **train_overrides)
    result = train(cfg, log=log)
    timings["train"] = time.perf_counter() - t

    log("[4/4] evaluating the fine-tuned model (adapter merged), on its own and with schema-guided calls")
    t = time.perf_counter()
    tuned, tokenizer = load_adapter(result["adapter_dir"], profile, merge=True)
    after, guided = evaluate_splits(tuned, tokenizer, rows, out_dir, "after", max_new_tokens, guided=True)
    timings["evaluate_after"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - start

    metrics = {
        "model": model,
        "profile": profile.name,
        "before": without_samples(before),
        "after": without_samples(after),
        "after_guided": without_samples(guided),
        "train": {"batch_size": batch_size, **{k: result[k] for k in ("steps", "rows", "train_seconds", "losses")}},
        "dropped_rows": len(result["dropped"]),
        "adapter_dir": result["adapter_dir"],
        "adapter_bytes": adapter_size_bytes(result["adapter_dir"]),
        "seconds": timings,
    }
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))

    log("\n" + format_table(before, after, guided))
    log("(after: the fine-tuned model's own greedy answers; guided: the same model, its tool calls kept "
        "to the offered tools' schemas)")
    log(describe_sample(rows["unseen"], *(m["unseen"]["sample"] for m in (before, after, guided))))
    log(f"\nadapter: {result['adapter_dir']} ({metrics['adapter_bytes'] / 1e6:.1f} MB); "
        f"metrics: {out_dir / 'metrics.json'}; total {timings['total']:.0f} s")
    return metrics
