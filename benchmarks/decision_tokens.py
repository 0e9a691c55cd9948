"""How much probability a model gives the tokens where it decides how many calls to make.

Two decisions are taken at single tokens: the first word of the think (a call, two calls, or no
call: "Two requests...", "No offered tool...") and the token right after the first `</tool_call>`
(a newline for another call, or the end of the turn). For every row of `--dataset` (the first
`--rows`), the reference answer is fed to the model and two probabilities are read: the reference
first word of the think, and a newline after the first call (right for two calls, wrong for one:
if the two ranges overlap, no threshold tells them apart). Prints one JSON line per row and the
ranges per kind of row.

    .venv/bin/python benchmarks/decision_tokens.py --adapter runs/demo/adapter [--dataset FILE] [--rows 48]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpers.data import load_conversations  # noqa: E402
from helpers.evaluation import example_from_row  # noqa: E402
from helpers.training import SHIPPED  # noqa: E402


def decision_probabilities(model, tokenizer, row: dict) -> dict:
    """`p_first_word`: the probability of the think's reference first word; for a row with calls,
    `p_another_call`: the probability of a newline right after the first `</tool_call>`."""
    import torch

    ex = example_from_row(row)
    prompt = tokenizer.apply_chat_template(ex["prompt"], add_generation_prompt=True, tokenize=True,
                                           return_dict=True)["input_ids"]
    ids = tokenizer(ex["answer"], add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        probs = torch.softmax(model(torch.tensor([prompt + ids])).logits[0].float(), -1)
    # the logits at position len(prompt) + k predict ids[k + 1]; ids[0] is <think>
    at = lambda k: float(probs[len(prompt) + k, ids[k + 1]])  # noqa: E731
    out = {"id": row["id"], "calls": len(ex["expected"]), "first_word": tokenizer.decode([ids[1]]).strip(),
           "p_first_word": at(0)}
    if ex["expected"]:
        # the newline that starts another call: the reference token after two calls' first one,
        # the wrong one after a single call
        after = len(prompt) + ids.index(tokenizer.convert_tokens_to_ids("</tool_call>"))
        out["p_another_call"] = float(probs[after, tokenizer("\n", add_special_tokens=False)["input_ids"][0]])
    return out


def main(argv: list[str] | None = None) -> int:
    from helpers.profiles import get_profile
    from helpers.training import load_adapter

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--adapter", required=True)
    parser.add_argument("--dataset", default=str(SHIPPED / "test.jsonl"))
    parser.add_argument("--rows", type=int, default=48)
    args = parser.parse_args(argv)

    model, tokenizer = load_adapter(args.adapter, get_profile("auto"), merge=True)
    rows = load_conversations(args.dataset)[0][: args.rows]
    lines = [decision_probabilities(model, tokenizer, r) for r in rows]
    for line in lines:
        print(json.dumps(line))
    span = lambda ps: f"{min(ps):.2f}-{max(ps):.2f}"  # noqa: E731
    for calls, what in ((0, "no call"), (1, "one call"), (2, "two calls")):
        kind = [r for r in lines if min(r["calls"], 2) == calls]
        if not kind:
            continue
        words = {w: [r["p_first_word"] for r in kind if r["first_word"] == w] for w in {r["first_word"] for r in kind}}
        text = f"{what} ({len(kind)} rows): first word of the think " + ", ".join(
            f"{w!r} {span(ps)} ({len(ps)})" for w, ps in sorted(words.items()))
        if calls:
            text += f"; another call after the first {span([r['p_another_call'] for r in kind])}"
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
