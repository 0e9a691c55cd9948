"""The hermes tool-calling format: tags, the system prompt, and how calls and responses are written.

One place defines how a tool list, a call and a tool response look as text, so that the data
generator, training, evaluation and the agent loop all render them identically.
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
    """The system prompt that offers `tools` (a list of JSON schemas) to the model."""
    return SYSTEM_PROMPT.format(tools=dumps(tools))


def format_tool_call(name: str, arguments: dict) -> str:
    return f"<tool_call>\n{dumps({'name': name, 'arguments': arguments})}\n</tool_call>"


def format_tool_response(name: str, content: Any) -> str:
    return f"<tool_response>\n{dumps({'name': name, 'content': content})}\n</tool_response>"


def format_think(text: str) -> str:
    return f"<think>{text}</think>"
