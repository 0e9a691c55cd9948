"""Checks for the notebooks' exercises: each says what is right and what is not, and why.

A check never raises on a learner's answer, whatever it is: it returns a `Verdict`, shown in the
notebook as its lines (`✓` right, `✗` not yet, with a hint).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

RIGHT, WRONG = "✓", "✗"


@dataclass
class Verdict:
    lines: list[tuple[bool, str]] = field(default_factory=list)

    def add(self, ok: bool, message: str) -> bool:
        self.lines.append((bool(ok), message))
        return bool(ok)

    @property
    def ok(self) -> bool:
        return bool(self.lines) and all(ok for ok, _ in self.lines)

    def __repr__(self) -> str:
        body = "\n".join(f"{RIGHT if ok else WRONG} {message}" for ok, message in self.lines)
        return f"{body}\n{'All right.' if self.ok else 'Not yet: see the lines marked ✗.'}"


def _number(answer) -> float | None:
    if isinstance(answer, bool):
        return None
    try:
        return float(str(answer).replace(",", "").replace("_", ""))
    except ValueError:
        return None


# --- notebook 1 ---------------------------------------------------------------------------------------


def check_lora_count(in_features: int, out_features: int, rank: int, answer) -> Verdict:
    """Is `answer` the number of LoRA parameters of one `in_features` x `out_features` layer at `rank`?"""
    verdict = Verdict()
    value = _number(answer)
    right = rank * (in_features + out_features)
    if value is None:
        verdict.add(False, f"answer {answer!r} is not a number")
    elif value == right:
        verdict.add(True, f"{rank} x ({in_features} + {out_features}) = {right:,}: A is {rank} x {in_features}, "
                          f"B is {out_features} x {rank}")
    elif value == rank * in_features or value == rank * out_features:
        verdict.add(False, f"{value:,.0f} counts one of the two matrices: LoRA trains A (r x in) and B (out x r)")
    elif value == in_features * out_features:
        verdict.add(False, f"{value:,.0f} is the frozen weight W itself (in x out); LoRA trains two thin matrices")
    else:
        verdict.add(False, f"{value:,.0f} is not it: count A (r x in) plus B (out x r)")
    return verdict


PREDICTIONS = ("higher", "lower", "same")


def check_prediction(prediction: str, before: float, after: float, what: str, tolerance: float = 0.02) -> Verdict:
    """Did `what` go `higher`, `lower` or stay the `same` (within `tolerance`, relative) from `before` to `after`?"""
    verdict = Verdict()
    word = str(prediction).strip().lower()
    if word not in PREDICTIONS:
        verdict.add(False, f"prediction {prediction!r}: write one of {', '.join(PREDICTIONS)}")
        return verdict
    if abs(after - before) <= tolerance * max(abs(before), 1e-12):
        actual = "same"
    else:
        actual = "higher" if after > before else "lower"
    verdict.add(word == actual, f"{what}: {before:.4g} -> {after:.4g}, {actual}; you predicted {word}")
    return verdict


# --- notebook 2 ---------------------------------------------------------------------------------------


def check_conversation(tokenizer, messages) -> Verdict:
    """A tool-calling conversation: valid roles and order, a parseable call, its tool response, a final
    answer, and a loss mask on the assistant turns only."""
    from . import lesson
    from .toolcalls import ToolCallError, parse_tool_calls

    verdict = Verdict()
    roles = ("system", "user", "assistant", "tool")
    if not isinstance(messages, list) or not all(isinstance(m, dict) and {"role", "content"} <= set(m) for m in messages):
        verdict.add(False, "messages must be a list of {'role': ..., 'content': ...} dicts")
        return verdict
    bad = [m["role"] for m in messages if m["role"] not in roles]
    if not verdict.add(not bad, f"roles are among {roles}" if not bad else f"unknown roles {bad}: use {roles}"):
        return verdict
    turns = [m for m in messages if m["role"] != "system"]
    verdict.add(bool(turns) and turns[0]["role"] == "user", "the conversation starts with the user's request")
    calls_at = []
    for i, m in enumerate(messages):
        if m["role"] == "assistant":
            try:
                if parse_tool_calls(m["content"]):
                    calls_at.append(i)
            except ToolCallError as exc:
                verdict.add(False, f"turn {i}: the call does not parse: {exc}")
    verdict.add(bool(calls_at), "an assistant turn calls a tool (<tool_call>{\"name\": ..., \"arguments\": {...}}</tool_call>)")
    answered = [i for i in calls_at if i + 1 < len(messages) and messages[i + 1]["role"] == "tool"
                and "<tool_response>" in messages[i + 1]["content"]]
    verdict.add(bool(answered), "a tool turn with a <tool_response> follows the call")
    last = messages[-1] if messages else {}
    final = last.get("role") == "assistant" and "<tool_call>" not in last.get("content", "")
    verdict.add(final, "the last turn is the assistant's answer in words (no call)")
    if verdict.ok:
        ids, mask = lesson.loss_mask(tokenizer, messages)
        graded = tokenizer.decode([t for t, m in zip(ids, mask) if m])
        context = [m["content"] for m in messages if m["role"] != "assistant" and m["content"].strip()]
        verdict.add(all(m["content"].strip() in graded for m in messages if m["role"] == "assistant"),
                    f"every assistant turn carries loss ({sum(mask)} of {len(ids)} tokens)")
        verdict.add(not any(c.strip() in graded for c in context), "no user, system or tool text carries loss")
    return verdict


# --- notebook 3 ---------------------------------------------------------------------------------------


def check_epoch_steps(rows: int, batch_size: int, answer) -> Verdict:
    """Is `answer` the number of optimizer steps one pass over `rows` takes at `batch_size` rows a step?"""
    verdict = Verdict()
    value = _number(answer)
    right = math.ceil(rows / batch_size)
    if value is None:
        verdict.add(False, f"answer {answer!r} is not a number")
    elif value == right:
        verdict.add(True, f"ceil({rows} / {batch_size}) = {right} steps: the last step takes the {rows - (right - 1) * batch_size} rows left")
    elif value == rows // batch_size:
        verdict.add(False, f"{value:.0f} leaves the last, partial batch out: it is a step too")
    elif value == rows * batch_size:
        verdict.add(False, f"{value:.0f}: a step takes batch_size rows, so divide")
    else:
        verdict.add(False, f"{value:.0f} is not it: each step takes {batch_size} rows")
    return verdict


# --- notebook 4 ---------------------------------------------------------------------------------------


def check_tool(function, **example_arguments) -> Verdict:
    """Can `function` be a tool? Its schema (type hints, a docstring with a description of every
    argument) and, given example arguments, one call through a `Toolbox`."""
    import inspect

    from .agent import Toolbox
    from .toolcalls import ToolCall

    verdict = Verdict()
    if not callable(function):
        verdict.add(False, f"{function!r} is not a function")
        return verdict
    from transformers.utils import get_json_schema

    try:
        schema = get_json_schema(function)["function"]
    except Exception as exc:  # noqa: BLE001 - its message is what the learner needs
        verdict.add(False, f"no schema: {exc}")
        hints = inspect.signature(function).parameters
        untyped = [n for n, p in hints.items() if p.annotation is inspect.Parameter.empty]
        if untyped:
            verdict.add(False, f"give every argument a type hint: {untyped}")
        if not inspect.getdoc(function):
            verdict.add(False, "add a docstring: a first line saying what it does, then `Args:` with each argument")
        return verdict
    verdict.add(bool(schema.get("description")), f"description: {schema.get('description')!r}")
    for name, prop in schema["parameters"].get("properties", {}).items():
        verdict.add("type" in prop or "anyOf" in prop, f"argument {name}: type {prop.get('type', prop.get('anyOf'))}")
        verdict.add(bool(prop.get("description")), f"argument {name}: described as {prop.get('description')!r}"
                    if prop.get("description") else f"argument {name}: describe it under `Args:` in the docstring")
    if example_arguments:
        toolbox = Toolbox([function])
        result = toolbox.execute(ToolCall(schema["name"], example_arguments))
        verdict.add(result.ok, f"{schema['name']}({example_arguments}) -> {result.content!r}" if result.ok
                    else f"{schema['name']}({example_arguments}) failed: {result.content}")
    return verdict


# --- notebook 5 ---------------------------------------------------------------------------------------


def check_rejected(pair: dict, rejected: str, kind: str) -> Verdict:
    """Is `rejected` a sound rejected turn for `pair`'s prompt, failing the scorer with label `kind`?"""
    from .alignment import check_pair, rejected_label

    verdict = Verdict()
    if not isinstance(rejected, str) or not rejected.strip():
        verdict.add(False, "write the rejected assistant turn as a string")
        return verdict
    mine = {**pair, "rejected": [{"role": "assistant", "content": rejected}]}
    problem = check_pair(mine)
    verdict.add(problem is None, "the chosen turn passes the scorer and yours fails it" if problem is None
                else f"not a usable pair: {problem}")
    label = rejected_label(mine)
    verdict.add(label == kind, f"the scorer labels it {label!r}" + ("" if label == kind else f", not {kind!r}"))
    return verdict
