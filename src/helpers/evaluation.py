"""Tool-call evaluation in the style of the Berkeley Function Calling Leaderboard's AST checker.

Each example gets one label: `correct`, or the first error found: `unparseable`, `no_call`,
`spurious_call` (a call where no tool fits), `wrong_count`, `wrong_func_name`,
`missing_required`, `unexpected_param`, `type_error`, `value_error`. Arguments must match
exactly, except that an int equals the same float; parallel calls match in any order.
Generation is greedy; `guided=True` keeps tool calls inside the offered tools' schemas
(`helpers.guided`) and records how many tokens that changed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from .chat import end_of_turn_ids, family_of
from .formats import model_system_prompt
from .toolcalls import ToolCall, ToolCallError, parse_tool_calls, validate_arguments

LABELS = (
    "correct",
    "unparseable",
    "no_call",
    "spurious_call",
    "wrong_count",
    "wrong_func_name",
    "missing_required",
    "unexpected_param",
    "type_error",
    "value_error",
)


def same_value(a, b) -> bool:
    """JSON equality where 1 == 1.0 but True != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _json_kind(v) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    return type(v).__name__


def check_call(predicted: ToolCall, expected: ToolCall, tool: dict | None) -> tuple[str, str]:
    """`("correct", "")` or the first error label and a message, comparing one call to another."""
    if predicted.name != expected.name:
        return "wrong_func_name", f"called {predicted.name!r}, expected {expected.name!r}"
    schema = (tool or {}).get("parameters") or {}
    required = set(schema.get("required") or [])
    for key in expected.arguments:
        if key not in predicted.arguments:
            label = "missing_required" if key in required else "value_error"
            return label, f"{predicted.name}: argument {key!r} missing"
    for label, message in validate_arguments(predicted.arguments, schema) if tool else []:
        return label, f"{predicted.name}: {message}"
    for key, value in predicted.arguments.items():
        if key not in expected.arguments:
            return "unexpected_param", f"{predicted.name}: unexpected argument {key!r}"
        want = expected.arguments[key]
        if not same_value(value, want):
            label = "type_error" if _json_kind(value) != _json_kind(want) else "value_error"
            return label, f"{predicted.name}.{key}: got {value!r}, expected {want!r}"
    return "correct", ""


def score(expected: list[ToolCall], raw: str, tools: list[dict]) -> tuple[str, list[ToolCall], str]:
    """Label one model turn `raw` against the expected calls: `(label, predicted, detail)`."""
    try:
        predicted = parse_tool_calls(raw)
    except ToolCallError as e:
        return "unparseable", [], str(e)
    if not expected:
        return ("correct", predicted, "") if not predicted else ("spurious_call", predicted, "no call expected")
    if not predicted:
        return "no_call", [], "no tool call in the answer"
    if len(predicted) != len(expected):
        return "wrong_count", predicted, f"{len(predicted)} calls, expected {len(expected)}"
    by_name = {t["name"]: t for t in tools}
    remaining = list(expected)
    for call in predicted:
        exact = [e for e in remaining if check_call(call, e, by_name.get(e.name))[0] == "correct"]
        if exact:
            remaining.remove(exact[0])
            continue
        candidates = [e for e in remaining if e.name == call.name] or remaining
        label, detail = check_call(call, candidates[0], by_name.get(candidates[0].name))
        return label, predicted, detail
    return "correct", predicted, ""


def example_from_row(row: dict) -> dict:
    """Prompt (system with the row's tools + first user turn), the reference first answer and its
    expected calls, of a loaded row."""
    messages = row["messages"]
    query = next(m["content"] for m in messages if m["role"] == "user")
    answer = next(m["content"] for m in messages if m["role"] == "assistant")
    return {
        "id": row["id"],
        "tools": row["tools"],
        "prompt": [{"role": "system", "content": model_system_prompt(row["tools"])}, {"role": "user", "content": query}],
        "answer": answer,
        "expected": parse_tool_calls(answer),
    }


def generate(model, tokenizer, conversations: list[list[dict]], max_new_tokens: int = 128,
             batch_size: int = 8, progress: bool = True, tools: list[list[dict]] | None = None) -> list[str]:
    """Greedy assistant turns for each conversation, stopping at end of turn (batched, left-padded).

    With `tools` (the tools offered in each conversation) the calls are schema-guided (`helpers.guided`).
    """
    return generate_with_changes(model, tokenizer, conversations, max_new_tokens, batch_size, progress, tools)[0]


def generate_with_changes(model, tokenizer, conversations: list[list[dict]], max_new_tokens: int = 128,
                          batch_size: int = 8, progress: bool = True, tools: list[list[dict]] | None = None):
    """`generate`, plus per conversation how many tokens schema guidance changed (all 0 without `tools`)."""
    import torch
    from tqdm.auto import tqdm
    from transformers import LogitsProcessorList

    from .guided import GuidedCalls

    stop = end_of_turn_ids(tokenizer, family_of(tokenizer))
    texts = [tokenizer.apply_chat_template(c, add_generation_prompt=True, tokenize=False) for c in conversations]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    outputs: list[str] = [""] * len(texts)
    changes = [0] * len(texts)
    padding_side, tokenizer.padding_side = tokenizer.padding_side, "left"
    device = next(model.parameters()).device
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    for batch in tqdm(batches, desc="generating", disable=not progress, unit="batch"):
        enc = tokenizer([texts[i] for i in batch], return_tensors="pt", padding=True, add_special_tokens=False)
        enc = {k: v.to(device) for k, v in enc.items()}
        guide = None if tools is None else GuidedCalls(tokenizer, [tools[i] for i in batch], enc["input_ids"].shape[1], stop)
        with torch.inference_mode():
            out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=stop,
                                 pad_token_id=tokenizer.pad_token_id,
                                 logits_processor=LogitsProcessorList([guide] if guide else []))
        for k, (i, ids) in enumerate(zip(batch, out[:, enc["input_ids"].shape[1]:].tolist())):
            cut = next((j for j, t in enumerate(ids) if t in stop), len(ids))
            outputs[i] = tokenizer.decode(ids[:cut], skip_special_tokens=False)
            changes[i] = guide.changed[k] if guide else 0
    tokenizer.padding_side = padding_side
    return outputs, changes


def evaluate_rows(model, tokenizer, rows: list[dict], guided: bool = False, **generate_kwargs) -> list[dict]:
    """One record per row: id, expected, predicted, label, detail, raw.

    `guided=True` guides the calls by the row's tool schemas and adds `guided_tokens`, the number
    of tokens guidance changed (0: the answer is the model's own greedy answer).
    """
    examples = [example_from_row(r) for r in rows]
    raws, changes = generate_with_changes(model, tokenizer, [e["prompt"] for e in examples],
                                          tools=[e["tools"] for e in examples] if guided else None, **generate_kwargs)
    records = []
    for ex, raw, changed in zip(examples, raws, changes):
        label, predicted, detail = score(ex["expected"], raw, ex["tools"])
        records.append({
            "id": ex["id"],
            "expected": [vars(c) for c in ex["expected"]],
            "predicted": [vars(c) for c in predicted],
            "label": label,
            "detail": detail,
            "raw": raw,
            **({"guided_tokens": changed} if guided else {}),
        })
    return records


def unguided_records(model, tokenizer, rows: list[dict], guided_records: list[dict], **generate_kwargs) -> list[dict]:
    """The records unguided decoding gives, from guided ones: only rows guidance changed are generated again."""
    redo = [i for i, r in enumerate(guided_records) if r["guided_tokens"]]
    fresh = evaluate_rows(model, tokenizer, [rows[i] for i in redo], **generate_kwargs) if redo else []
    records = [{k: v for k, v in r.items() if k != "guided_tokens"} for r in guided_records]
    for i, record in zip(redo, fresh):
        records[i] = record
    return records


def summarize(records: list[dict]) -> dict:
    """Exact match, format validity, tool-name accuracy, irrelevance accuracy and label counts.

    Guided records (with `guided_tokens`) also get `changed_rows`: the answers guidance changed.
    """
    n = len(records)
    with_calls = [r for r in records if r["expected"]]
    without = [r for r in records if not r["expected"]]
    names = lambda calls: sorted(c["name"] for c in calls)  # noqa: E731
    labels = Counter(r["label"] for r in records)
    return {
        "n": n,
        "exact_match": labels["correct"] / n if n else 0.0,
        "format_valid": 1 - labels["unparseable"] / n if n else 0.0,
        "name_accuracy": sum(names(r["predicted"]) == names(r["expected"]) for r in with_calls) / len(with_calls)
        if with_calls else None,
        "irrelevance_accuracy": sum(r["label"] == "correct" for r in without) / len(without) if without else None,
        "labels": {k: labels[k] for k in LABELS if labels[k]},
        **({"changed_rows": sum(r["guided_tokens"] > 0 for r in records)}
           if records and "guided_tokens" in records[0] else {}),
    }


def write_predictions(records: list[dict], path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
