"""How much probability a model gives the tokens where it decides how many calls to make.

Two decisions are taken at single tokens: the think's decision word (a call, two calls, or no call)
and the token right after the first `</tool_call>` (a newline for another call, or the end of the
turn). The decision word is the first word of "One call: ..." / "Two calls: ..." / "No offered
tool ..." after the restated request in the shipped thinks, and the think's first word in any other
think. For every row of `--dataset` (the first `--rows`), the reference answer is fed to the model
and two probabilities are read: the reference decision word, and a newline after the first call
(right for two calls, wrong for one: if the two ranges overlap, no threshold tells them apart).
Prints one JSON line per row and the ranges per kind of row.

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
from helpers.generator import stated_decision  # noqa: E402
from helpers.training import SHIPPED  # noqa: E402


def decision_word_index(tokenizer, answer: str) -> int:
    """Index, in the answer's tokens, of the think's decision word (see the module docstring)."""
    stated = stated_decision(answer)
    if stated is None:
        return 1  # ids[0] is <think>
    offsets = tokenizer(answer, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    return next(k for k, (_, end) in enumerate(offsets) if end > stated.start())


def decision_probabilities(model, tokenizer, row: dict) -> dict:
    """`p_decision`: the probability of the think's reference decision word; for a row with calls,
    `p_another_call`: the probability of a newline right after the first `</tool_call>`."""
    import torch

    ex = example_from_row(row)
    prompt = tokenizer.apply_chat_template(ex["prompt"], add_generation_prompt=True, tokenize=True,
                                           return_dict=True)["input_ids"]
    ids = tokenizer(ex["answer"], add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        probs = torch.softmax(model(torch.tensor([prompt + ids])).logits[0].float(), -1)
    # the logits at position len(prompt) + k - 1 predict ids[k]
    k = decision_word_index(tokenizer, ex["answer"])
    out = {"id": row["id"], "calls": len(ex["expected"]), "decision_word": tokenizer.decode([ids[k]]).strip(),
           "p_decision": float(probs[len(prompt) + k - 1, ids[k]])}
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
        words = {w: [r["p_decision"] for r in kind if r["decision_word"] == w] for w in {r["decision_word"] for r in kind}}
        text = f"{what} ({len(kind)} rows): decision word of the think " + ", ".join(
            f"{w!r} {span(ps)} ({len(ps)})" for w, ps in sorted(words.items()))
        if calls:
            text += f"; another call after the first {span([r['p_another_call'] for r in kind])}"
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
