"""Read tool calls and tool lists out of model text, and check call arguments against a schema.

Everything here treats its input as untrusted model output: bodies are parsed with `json.loads`
or `ast.literal_eval` (never `eval`), sizes and nesting depth are capped before parsing, and
every failure is a `ToolCallError` with a short label that evaluation can count.
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass
from typing import Any

MAX_CALL_CHARS = 20_000
MAX_TOOLS_CHARS = 200_000
MAX_DEPTH = 20
MAX_CALLS = 64

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,127}")
_OPEN, _CLOSE = "<tool_call>", "</tool_call>"
_JSON_TYPES = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict


class ToolCallError(ValueError):
    """Malformed model output; `.label` says which kind ("unparseable", "bad_call", "bad_tools")."""

    def __init__(self, label: str, message: str):
        super().__init__(message)
        self.label = label


def parse_tool_calls(text: str) -> list[ToolCall]:
    """The calls written in one assistant turn, in order; `[]` when the turn has none."""
    text = _drop_thinking(text)
    calls = []
    start = text.find(_OPEN)
    while start != -1:
        body_start = start + len(_OPEN)
        end = text.find(_CLOSE, body_start)
        next_open = text.find(_OPEN, body_start)
        if next_open != -1 and (end == -1 or next_open < end):
            raise ToolCallError("unparseable", f"{_OPEN} at {start} is not closed before the next {_OPEN}")
        if len(calls) == MAX_CALLS:
            raise ToolCallError("unparseable", f"more than {MAX_CALLS} tool calls in one turn")
        body = text[body_start:] if end == -1 else text[body_start:end]
        calls.append(_call_from_body(body))
        start = -1 if end == -1 else text.find(_OPEN, end + len(_CLOSE))
    return calls


def parse_tools(system_text: str) -> list[dict]:
    """The tool schemas offered in a system prompt, each as `{"name", "description", "parameters"}`.

    Takes the first `<tools>...</tools>` block that holds a non-empty list of tools, so a prose
    mention such as "within <tools></tools> XML tags" before the real block is skipped.
    """
    found_empty = False
    for block in _blocks(system_text, "<tools>", "</tools>"):
        if not block.strip():
            continue
        tools = _tools_from_block(block)
        if tools is None:
            continue
        if not tools:
            found_empty = True
            continue
        return [normalize_tool(tool) for tool in tools]
    if found_empty:
        return []
    raise ToolCallError("bad_tools", "no <tools>...</tools> block holds a JSON or Python list of tools")


def normalize_tool(tool: dict) -> dict:
    """`{"name", "description", "parameters"}` of a tool given bare or as `{"type": "function", "function": {...}}`."""
    if isinstance(tool.get("function"), dict):
        tool = tool["function"]
    name = tool.get("name")
    if not isinstance(name, str) or not name:
        raise ToolCallError("bad_tools", f"tool without a string name: {_excerpt(tool)}")
    description = tool.get("description")
    parameters = tool.get("parameters")
    if parameters is None:
        parameters = {"type": "object", "properties": {}}
    if not isinstance(parameters, dict):
        raise ToolCallError("bad_tools", f"tool {name!r} has parameters that are not an object")
    return {
        "name": name,
        "description": description if isinstance(description, str) else "",
        "parameters": parameters,
    }


def validate_arguments(arguments: dict, schema: dict) -> list[tuple[str, str]]:
    """Problems of `arguments` against a tool's `parameters` schema, as (label, message); `[]` if valid.

    Labels come in this order: missing_required, unexpected_param, type_error, value_error.
    """
    problems: dict[str, list[str]] = {
        "missing_required": [],
        "unexpected_param": [],
        "type_error": [],
        "value_error": [],
    }
    if not isinstance(arguments, dict):
        return [("type_error", f"arguments must be an object, got {_json_type(arguments)}")]
    _check_object(arguments, schema if isinstance(schema, dict) else {}, "", problems)
    return [(label, message) for label, messages in problems.items() for message in messages]


def _check_object(value: dict, schema: dict, path: str, problems: dict[str, list[str]]) -> None:
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    required = schema.get("required")
    for key in required if isinstance(required, list) else []:
        if key not in value:
            problems["missing_required"].append(f"missing required parameter {path + str(key)!r}")
    extras_allowed = schema.get("additionalProperties") not in (None, False)
    for key, item in value.items():
        if key in properties:
            prop = properties[key]
            _check_value(item, prop if isinstance(prop, dict) else {}, f"{path}{key}", problems)
        elif not extras_allowed:
            problems["unexpected_param"].append(f"unexpected parameter {path + str(key)!r}")


def _check_value(value: Any, schema: dict, path: str, problems: dict[str, list[str]]) -> None:
    expected = schema.get("type")
    expected = [expected] if isinstance(expected, str) else expected if isinstance(expected, list) else []
    if value is None and schema.get("nullable"):
        return
    known = [t for t in expected if t in _JSON_TYPES]
    if known and not any(_has_type(value, t) for t in known):
        wanted = " or ".join(known)
        problems["type_error"].append(f"parameter {path!r} must be {wanted}, got {_json_type(value)}")
        return
    enum = schema.get("enum")
    if isinstance(enum, list) and not any(_same(value, option) for option in enum):
        problems["value_error"].append(f"parameter {path!r} must be one of {_excerpt(enum)}, got {_excerpt(value)}")
        return
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _check_value(item, schema["items"], f"{path}[{index}]", problems)
    elif isinstance(value, dict) and ("properties" in schema or "required" in schema):
        _check_object(value, schema, f"{path}.", problems)


def _has_type(value: Any, json_type: str) -> bool:
    if isinstance(value, bool):
        return json_type == "boolean"
    if json_type == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _JSON_TYPES[json_type])


def _same(a: Any, b: Any) -> bool:
    """Equality that keeps booleans apart from numbers (`True == 1` in Python, not in JSON)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    for name in ("null", "string", "integer", "number", "array", "object"):
        if isinstance(value, _JSON_TYPES[name]):
            return name
    return type(value).__name__


def _drop_thinking(text: str) -> str:
    """`text` without its <think>...</think> spans (linear time, whatever the tags)."""
    pos = 0
    first_close = text.find("</think>")
    if first_close != -1 and not 0 <= text.find("<think>") < first_close:
        pos = first_close + len("</think>")  # the opening <think> was part of the prompt
    kept = []
    while True:
        open_ = text.find("<think>", pos)
        if open_ == -1:
            kept.append(text[pos:])
            break
        kept.append(text[pos:open_])
        close = text.find("</think>", open_)
        if close == -1:  # generation stopped while thinking
            break
        pos = close + len("</think>")
    return "".join(kept)


def _blocks(text: str, open_tag: str, close_tag: str):
    start = text.find(open_tag)
    while start != -1:
        end = text.find(close_tag, start + len(open_tag))
        if end == -1:
            return
        block = text[start + len(open_tag):end]
        inner_open = block.rfind(open_tag)
        yield block if inner_open == -1 else block[inner_open + len(open_tag):]
        start = text.find(open_tag, end + len(close_tag))


def _call_from_body(body: str) -> ToolCall:
    obj = _parse_literal(body, MAX_CALL_CHARS)
    if not isinstance(obj, dict):
        raise ToolCallError("unparseable", f"tool call body is {_json_type(obj)}, not an object")
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        raise ToolCallError("bad_call", f"tool call needs a non-empty string 'name': {_excerpt(obj)}")
    if not _NAME.fullmatch(name):
        raise ToolCallError("bad_call", f"invalid tool name {_excerpt(name)}")
    if "arguments" not in obj:
        raise ToolCallError("bad_call", f"tool call {name!r} has no 'arguments'")
    arguments = obj["arguments"]
    if isinstance(arguments, str):  # OpenAI style: the arguments object encoded as a JSON string
        try:
            arguments = _parse_literal(arguments, MAX_CALL_CHARS)
        except ToolCallError:
            raise ToolCallError("bad_call", f"tool call {name!r} has string arguments that are not an object") from None
    if not isinstance(arguments, dict):
        raise ToolCallError("bad_call", f"tool call {name!r} has arguments that are {_json_type(arguments)}, not an object")
    return ToolCall(name=name, arguments=arguments)


def _tools_from_block(block: str) -> list[dict] | None:
    """The list of tool dicts in a block, or None when the block does not hold one."""
    try:
        obj = _parse_literal(block, MAX_TOOLS_CHARS)
    except ToolCallError:
        obj = _objects_per_line(block)
    if isinstance(obj, dict):
        obj = [obj]
    if isinstance(obj, list) and all(isinstance(tool, dict) for tool in obj):
        return obj
    return None


def _objects_per_line(block: str) -> list | None:
    if len(block) > MAX_TOOLS_CHARS:
        return None
    try:
        return [_parse_literal(line, MAX_TOOLS_CHARS) for line in block.splitlines() if line.strip()]
    except ToolCallError:
        return None


def _parse_literal(text: str, max_chars: int) -> Any:
    """A JSON value from JSON or Python-literal text, within size and depth limits."""
    if len(text) > max_chars:
        raise ToolCallError("unparseable", f"body of {len(text)} characters exceeds the limit of {max_chars}")
    text = text.strip()
    if _nesting_depth(text) > MAX_DEPTH:
        raise ToolCallError("unparseable", f"body nests deeper than {MAX_DEPTH} levels")
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError, MemoryError):
        try:
            obj = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
            raise ToolCallError("unparseable", f"body is neither JSON nor a Python literal: {_excerpt(text)}") from None
    return _as_json_value(obj, 0)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a finite number")


def _as_json_value(obj: Any, depth: int) -> Any:
    """`obj` with tuples turned into lists; rejects anything JSON cannot hold."""
    if depth > MAX_DEPTH:
        raise ToolCallError("unparseable", f"body nests deeper than {MAX_DEPTH} levels")
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ToolCallError("unparseable", f"non-finite number {obj!r}")
        return obj
    if isinstance(obj, (list, tuple)):
        return [_as_json_value(item, depth + 1) for item in obj]
    if isinstance(obj, dict):
        if not all(isinstance(key, str) for key in obj):
            raise ToolCallError("unparseable", "object keys must be strings")
        return {key: _as_json_value(value, depth + 1) for key, value in obj.items()}
    raise ToolCallError("unparseable", f"{type(obj).__name__} is not a JSON value")


def _nesting_depth(text: str) -> int:
    """Deepest bracket nesting outside quoted strings; stops counting once past MAX_DEPTH."""
    depth = deepest = 0
    quote = None
    escaped = False
    for char in text:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in "[{(":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
        elif char in "]})":
            depth = max(depth - 1, 0)
    return deepest


def _excerpt(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else repr(value)
    return repr(text[:limit] + ("..." if len(text) > limit else ""))
