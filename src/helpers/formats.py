"""The hermes tool-calling format: tags, the system prompt, and how calls and responses are written.

One place defines how a tool list, a call and a tool response look as text, so that the data
generator, training, evaluation and the agent loop all render them identically. Files and
transcripts offer tools as JSON schemas (`system_prompt`, the hermes layout); the model reads them as
one signature line per tool (`model_system_prompt`), about half the tokens.
"""

from __future__ import annotations

import json
from typing import Any

TOOL_TAGS = (
    "<tools>",
    "</tools>",
    "<think>",
    "</think>",
    "<tool_call>",
    "</tool_call>",
    "<tool_response>",
    "</tool_response>",
)

SYSTEM_PROMPT = (
    "You are a function calling AI model. Think briefly in <think></think>, then call the tools "
    'below as <tool_call>{{"name": ..., "arguments": {{...}}}}</tool_call>, or answer directly '
    "if none fits.\n<tools>\n{tools}\n</tools>"
)


def dumps(value: Any) -> str:
    """Compact, stable JSON used everywhere a tool list, call or response is written."""
    return json.dumps(value, ensure_ascii=False)


def system_prompt(tools: list[dict]) -> str:
    """The hermes system prompt of data files and agent transcripts: `tools` as JSON schemas.

    The model reads `model_system_prompt` instead (`canonical_messages`, `agent.model_view`)."""
    return SYSTEM_PROMPT.format(tools=dumps(tools))


MODEL_SYSTEM_PROMPT = "Tools you can call (or answer directly if none fits):\n<tools>\n{tools}\n</tools>"
_SHOWN = {"type", "description", "enum", "items", "properties", "required", "default", "title", "anyOf", "oneOf"}


def model_system_prompt(tools: list[dict]) -> str:
    """The system prompt the model reads: a short instruction and one `tool_signature` line per tool."""
    return MODEL_SYSTEM_PROMPT.format(tools="\n".join(tool_signature(t) for t in tools))


def tool_signature(tool: dict) -> str:
    """One line per tool: `name(a: type, b?: type = default): description (a: what a is; ...)`.

    `?` marks an optional parameter; enums are written as `"x"|"y"`, arrays as `list[...]`, objects as
    `{key: type}`; descriptions and constraints (`minimum 0`, ...) of every parameter, nested ones
    with a dotted path, go in the parentheses.
    """
    params = tool.get("parameters") or {}
    notes: list[str] = []
    head = f"{tool['name']}({_fields(params, '', notes)})"
    if tool.get("description"):
        head += f": {tool['description']}"
    return head + (f" ({'; '.join(notes)})" if notes else "")


def _fields(schema: dict, path: str, notes: list[str]) -> str:
    required = schema.get("required")
    required = set(required) if isinstance(required, list) else set()
    properties = schema.get("properties")
    parts = []
    for key, sub in (properties if isinstance(properties, dict) else {}).items():
        sub = sub if isinstance(sub, dict) else {}
        _note(sub, path + key, notes)
        part = f"{key}{'' if key in required else '?'}: {_type(sub, path + key, notes)}"
        if "default" in sub:
            part += f" = {dumps(sub['default'])}"
        parts.append(part)
    return ", ".join(parts)


def _note(schema: dict, path: str, notes: list[str]) -> None:
    shown = _SHOWN if isinstance(schema.get("enum"), list) else _SHOWN - {"enum"}
    extra = [f"{k} {dumps(v)}" for k, v in schema.items() if k not in shown]
    note = "; ".join(filter(None, [str(schema.get("description") or ""), ", ".join(extra)]))
    if note:
        notes.append(f"{path}: {note}")


def _type(schema: dict, path: str, notes: list[str]) -> str:
    if isinstance(schema.get("enum"), list):
        return "|".join(dumps(v) for v in schema["enum"])
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list):
        return "|".join(_type(s, path, notes) for s in options if isinstance(s, dict))
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        return "|".join(map(str, kind))
    if kind == "array":
        items = schema.get("items")
        if not isinstance(items, dict):
            return "list[any]"
        _note(items, path + "[]", notes)
        return f"list[{_type(items, path + '[]', notes)}]"
    if kind == "object" and isinstance(schema.get("properties"), dict) and schema["properties"]:
        return "{" + _fields(schema, path + ".", notes) + "}"
    return str(kind)


def format_tool_call(name: str, arguments: dict) -> str:
    return f"<tool_call>\n{dumps({'name': name, 'arguments': arguments})}\n</tool_call>"


def format_tool_response(name: str, content: Any) -> str:
    return f"<tool_response>\n{dumps({'name': name, 'content': content})}\n</tool_response>"


def format_think(text: str) -> str:
    return f"<think>{text}</think>"
