"""Solve rate of the agent loop on the fixed multi-step tasks (`helpers.tasks.TASKS`), as JSON.

Each task needs two or more dependent tool calls on the course's local tools (look up an order,
then convert its total, ...); a task counts as solved when the final answer states the right
number or name and every tool it needs was called successfully (`helpers.tasks.check_task`).

    .venv/bin/python benchmarks/agent_tasks.py --adapter runs/agent/adapter [--base] [--guided] [--transcripts FILE]

`runs/agent/adapter` is the adapter trained on the agent's own tools (`helpers.agent_data`):
`python -m helpers train --data src/helpers/data/agent.jsonl --max-steps 80 --max-length 1280 --batch-size 4 --out runs/agent`
(the README gives the measured 140-step run).
Any adapter works, `make demo`'s (`runs/demo/adapter`) included.

`--base` also measures the adapter's base model (without the tag tokens, as the evaluation does).
`--guided` keeps the calls to the tools' schemas (`helpers.guided`, as `python -m helpers chat` does).
`--transcripts FILE` writes every transcript as JSONL.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpers.agent import model_generator  # noqa: E402
from helpers.profiles import PROFILES  # noqa: E402
from helpers.tasks import TASKS, make_toolbox, solve_rate  # noqa: E402


def measure(model, tokenizer, args) -> dict:
    start = time.perf_counter()
    tools = make_toolbox().schemas if args.guided else None
    generate = model_generator(model, tokenizer, max_new_tokens=args.max_new_tokens, tools=tools)
    report = solve_rate(generate, TASKS[: args.limit],
                        max_turns=args.max_turns, progress=lambda line: print(line, file=sys.stderr))
    return {
        "solve_rate": report["solve_rate"],
        "solved": report["solved"],
        "total": report["total"],
        "per_task": {r["id"]: r["reason"] for r in report["results"]},
        "seconds": round(time.perf_counter() - start, 1),
        "_results": report["results"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", required=True, help="adapter directory (see `python -m helpers train`)")
    parser.add_argument("--base", action="store_true", help="also measure the untouched base model")
    parser.add_argument("--guided", action="store_true", help="schema-guided tool calls")
    parser.add_argument("--max-turns", dest="max_turns", type=int, default=6)
    parser.add_argument("--max-new-tokens", dest="max_new_tokens", type=int, default=160)
    parser.add_argument("--limit", type=int, default=None, help="the first N tasks only")
    parser.add_argument("--profile", default="auto", choices=["auto", *PROFILES])
    parser.add_argument("--transcripts", default=None, help="write every transcript to this JSONL file")
    args = parser.parse_args(argv)

    from helpers.cli import _quiet
    from helpers.profiles import get_profile
    from helpers.training import META_FILE, load_adapter, load_base

    meta_path = Path(args.adapter) / META_FILE
    if not meta_path.is_file():
        print(f"error: {args.adapter} is not an adapter directory (no {META_FILE})", file=sys.stderr)
        return 2
    _quiet()
    profile = get_profile(args.profile)
    base_model = json.loads(meta_path.read_text())["base_model"]
    report = {"tasks": len(TASKS[: args.limit]), "max_turns": args.max_turns, "max_new_tokens": args.max_new_tokens,
              "guided": args.guided, "adapter": str(args.adapter), "base_model": base_model}

    model, tokenizer = load_adapter(args.adapter, profile, merge=True)
    report["fine_tuned"] = measure(model, tokenizer, args)
    del model
    gc.collect()
    if args.base:
        model, tokenizer, _ = load_base(base_model, profile, add_tokens=False)
        report["base"] = measure(model, tokenizer, args)
        del model
        gc.collect()

    if args.transcripts:
        with open(args.transcripts, "w", encoding="utf-8") as fh:
            for which in ("fine_tuned", "base"):
                for result in report.get(which, {}).get("_results", []):
                    fh.write(json.dumps({"model": which, **result}, ensure_ascii=False) + "\n")
    for which in ("fine_tuned", "base"):
        report.get(which, {}).pop("_results", None)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
