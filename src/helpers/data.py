"""Load and validate hermes-format tool-calling conversations.

A row is a conversation: a list of turns under `conversations` or `messages`, each turn
`{"role", "content"}` or ShareGPT's `{"from", "value"}`, with roles `system human model tool`
or `system user assistant tool`. The offered tools sit in the system prompt's `<tools>` block
(JSON or Python literals) or in a top-level `tools` field. Invalid rows are reported with the
reason, never dropped silently, and never stop the valid ones from loading.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .formats import dumps, model_system_prompt
from .toolcalls import ToolCallError, parse_tool_calls, parse_tools

ROLES = {
    "system": "system",
    "human": "user",
    "user": "user",
    "model": "assistant",
    "assistant": "assistant",
    "gpt": "assistant",
    "tool": "tool",
}
_THINK = re.compile(r"<think>.*?(</think>|$)", re.S)
_CALL_BODY = re.compile(r"<tool_call>.*?</tool_call>", re.S)


@dataclass(frozen=True)
class Problem:
    """Why a row was rejected; `where` is `line N` (1-based) for JSONL, else `row N`."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def read_records(source: str | Path, split: str = "train") -> list[tuple[str, Any]]:
    """Raw records with their location: JSONL lines, a JSON list, or a hub dataset on Colab.

    A line that is not JSON comes back as a `Problem` in place of the record.
    """
    path = Path(source)
    if path.suffix == ".jsonl" or (path.is_file() and path.suffix != ".json"):
        out = []
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    out.append((f"line {n}", json.loads(line)))
                except json.JSONDecodeError as e:
                    out.append((f"line {n}", Problem(f"line {n}", f"not JSON ({e.msg} at column {e.colno})")))
        return out
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not JSON ({e.msg} at line {e.lineno})") from None
        if isinstance(data, dict):
            data = data.get("data", data.get("rows", [data]))
        if not isinstance(data, list):
            raise ValueError(f"{path}: expected a list of conversations")
        return [(f"row {i}", r) for i, r in enumerate(data)]
    if path.exists():
        raise ValueError(f"{path}: expected a .json or .jsonl file")
    from datasets import load_dataset  # the real hub path, used on Colab

    return [(f"row {i}", r) for i, r in enumerate(load_dataset(str(source), split=split))]


def _turns(record: Any) -> list | str:
    if not isinstance(record, dict):
        return "row is not a JSON object"
    for key in ("conversations", "messages"):
        if key in record:
            turns = record[key]
            if isinstance(turns, str):
                try:
                    turns = json.loads(turns)
                except json.JSONDecodeError:
                    return f"'{key}' is a string that is not JSON"
            if not isinstance(turns, list) or not turns:
                return f"'{key}' must be a non-empty list of turns"
            return turns
    return "missing 'conversations' or 'messages'"


def _normalize_turn(i: int, turn: Any) -> dict | str:
    if not isinstance(turn, dict):
        return f"turn {i} is not an object"
    role = turn.get("role", turn.get("from"))
    content = turn.get("content", turn.get("value"))
    if role is None:
        return f"turn {i} has no 'role' (or 'from')"
    if not isinstance(role, str) or role not in ROLES:
        return f"turn {i} has unknown role {role!r} (expected one of {', '.join(sorted(ROLES))})"
    if content is None:
        return f"turn {i} has no 'content' (or 'value')"
    if not isinstance(content, str):
        return f"turn {i} content must be a string, got {type(content).__name__}"
    return {"role": ROLES[role], "content": content}


def _offered_tools(record: dict, messages: list[dict]) -> list[dict] | None | str:
    system = [m["content"] for m in messages if m["role"] == "system"]
    if system and "<tools>" in system[0]:
        try:
            return parse_tools(system[0])
        except ToolCallError as e:
            return f"unparseable <tools> block in the system prompt ({e})"
    tools = record.get("tools")
    if tools is None:
        return None
    try:
        return parse_tools(f"<tools>{tools if isinstance(tools, str) else dumps(tools)}</tools>")
    except ToolCallError as e:
        return f"unparseable 'tools' field ({e})"


def _check_calls(i: int, content: str, tools: list[dict] | None) -> str | None:
    visible = _THINK.sub("", content)
    opened, closed = visible.count("<tool_call>"), visible.count("</tool_call>")
    if opened != closed:
        return f"turn {i}: unclosed <tool_call> ({opened} opened, {closed} closed)"
    try:
        calls = parse_tool_calls(content)
    except ToolCallError as e:
        kind = "malformed" if e.label == "bad_call" else "unparseable"
        return f"turn {i}: {kind} tool call ({e})"
    by_name = {t["name"]: t for t in tools or []}
    for call in calls:
        if call.name not in by_name:
            offered = ", ".join(by_name) or "none"
            return f"turn {i}: calls {call.name!r}, which is not in <tools> (offered: {offered})"
        required = (by_name[call.name].get("parameters") or {}).get("required") or []
        missing = [r for r in required if r not in call.arguments]
        if missing:
            return f"turn {i}: call to {call.name!r} misses required argument(s) {', '.join(missing)}"
    return None


def normalize_conversation(record: Any) -> tuple[dict | None, str | None]:
    """`({"messages", "tools"}, None)` for a valid record, else `(None, reason)`."""
    turns = _turns(record)
    if isinstance(turns, str):
        return None, turns
    messages = []
    for i, turn in enumerate(turns):
        msg = _normalize_turn(i, turn)
        if isinstance(msg, str):
            return None, msg
        messages.append(msg)
    roles = [m["role"] for m in messages]
    if roles.count("system") > 1:
        return None, f"{roles.count('system')} system messages (at most one allowed)"
    if "system" in roles and roles[0] != "system":
        return None, f"system message at turn {roles.index('system')} (it must come first)"
    if "assistant" not in roles:
        return None, "no model turn"
    first_user = roles.index("user") if "user" in roles else len(roles)
    if roles.index("assistant") < first_user:
        return None, f"the model speaks at turn {roles.index('assistant')} before any user turn"
    tools = _offered_tools(record, messages)
    if isinstance(tools, str):
        return None, tools
    for i, m in enumerate(messages):
        if m["role"] == "assistant":
            reason = _check_calls(i, m["content"], tools)
            if reason:
                return None, reason
    return {"messages": messages, "tools": tools or []}, None


def load_conversations(source: str | Path, split: str = "train") -> tuple[list[dict], list[Problem]]:
    """Valid rows as `{"id", "messages", "tools"}` and a `Problem` for each invalid one.

    `source` is a local `.json`/`.jsonl` file or, on Colab, a hub dataset id such as
    `Jofthomas/hermes-function-calling-thinking-V1`; several, joined by commas, load one after
    the other (each problem then names its file). `id` is the row's own `id` or its index.
    """
    sources = [s.strip() for s in str(source).split(",") if s.strip()]
    rows, problems = [], []
    for src in sources:
        prefix = f"{src}: " if len(sources) > 1 else ""
        for index, (where, record) in enumerate(read_records(src, split)):
            if isinstance(record, Problem):
                problems.append(Problem(prefix + record.where, record.reason))
                continue
            row, reason = normalize_conversation(record)
            if reason:
                problems.append(Problem(prefix + where, reason))
                continue
            rid = record.get("id") if isinstance(record.get("id"), (str, int)) else index
            rows.append({"id": rid, **row})
    return rows, problems


def canonical_messages(row: dict) -> list[dict]:
    """The row's turns in the course's own format: our system prompt (`model_system_prompt`), JSON calls.

    Public data writes a long system prompt and Python-literal calls; rendering every source the
    same way keeps training and evaluation prompts identical.
    """
    out = []
    if row["tools"]:
        out.append({"role": "system", "content": model_system_prompt(row["tools"])})
    for m in row["messages"]:
        if m["role"] == "system":
            if not row["tools"]:
                out.append(m)
            continue
        if m["role"] == "assistant" and "<tool_call>" in m["content"]:
            m = {"role": "assistant", "content": _canonical_calls(m["content"])}
        out.append(m)
    return out


def _canonical_calls(content: str) -> str:
    think = re.match(r"\s*<think>.*?</think>", content, re.S)
    head = think.group(0) if think else ""

    def render(match: re.Match) -> str:
        (call,) = parse_tool_calls(match.group(0))
        return f"<tool_call>\n{dumps({'name': call.name, 'arguments': call.arguments})}\n</tool_call>"

    return head + _CALL_BODY.sub(render, content[len(head):])


def validate_file(path: str | Path) -> tuple[int, list[Problem]]:
    """Count of valid rows and the problems of a local file (for `validate-data`)."""
    rows, problems = load_conversations(path)
    return len(rows), problems
