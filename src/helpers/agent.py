"""A minimal tool-using agent: a registry of Python functions and the call/execute loop around a model.

The model's text is untrusted: only registered functions run, by exact name, with arguments
that passed schema validation; every failure becomes a tool message the model can read.
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass
from typing import Any, Callable

from helpers import formats
from helpers.toolcalls import ToolCall, ToolCallError, normalize_tool, parse_tool_calls, validate_arguments

MAX_ERROR_CHARS = 500


@dataclass
class ToolResult:
    ok: bool
    content: Any
    error: str | None = None


class Toolbox:
    """Registered tools: typed Python functions with Google-style docstrings (see `get_json_schema`)."""

    def __init__(self, functions: list[Callable]):
        from transformers.utils import get_json_schema

        self._functions: dict[str, Callable] = {}
        self._schemas: dict[str, dict] = {}
        for function in functions:
            schema = normalize_tool(get_json_schema(function))
            if schema["name"] in self._functions:
                raise ValueError(f"two tools are named {schema['name']!r}")
            self._functions[schema["name"]] = function
            self._schemas[schema["name"]] = schema

    @property
    def schemas(self) -> list[dict]:
        """The tool schemas to put in the system prompt."""
        return list(self._schemas.values())

    def execute(self, call: ToolCall) -> ToolResult:
        """Run `call` if it names a registered tool with valid arguments; never raises for bad calls."""
        function = self._functions.get(call.name) if isinstance(call.name, str) else None
        if function is None:
            known = ", ".join(self._functions)
            return _failure("unknown_tool", f"unknown tool {_clip(repr(call.name), 100)}; available tools: {known}")
        schema = self._schemas[call.name]["parameters"]
        problems = validate_arguments(call.arguments, schema)
        if problems:
            details = "; ".join(message for _, message in problems)
            return _failure(problems[0][0], f"invalid arguments for {call.name}: {details}")
        try:
            value = function(**_integers_as_int(call.arguments, schema))
        except Exception as exc:
            return _failure("tool_error", f"{call.name} raised {type(exc).__name__}: {exc}")
        try:
            formats.dumps(value)
        except (TypeError, ValueError):
            value = str(value)
        return ToolResult(ok=True, content=value)

    def response_text(self, call: ToolCall, result: ToolResult) -> str:
        """The `<tool_response>` block that reports `result` back to the model."""
        return formats.format_tool_response(call.name, result.content)


def run_agent(
    generate: Callable[[list[dict]], str],
    toolbox: Toolbox,
    user_message: str,
    max_turns: int = 5,
) -> list[dict]:
    """Alternate model turns and tool executions until the model answers without a call.

    `generate(messages)` returns the next assistant turn as text; at most `max_turns` turns are
    generated. Returns the whole transcript, system prompt included.
    """
    messages = [
        {"role": "system", "content": formats.system_prompt(toolbox.schemas)},
        {"role": "user", "content": user_message},
    ]
    for _ in range(max_turns):
        text = generate(list(messages))
        messages.append({"role": "assistant", "content": text})
        try:
            calls = parse_tool_calls(text)
        except ToolCallError as exc:
            error = f"Error ({exc.label}): your tool call was malformed: {exc}"
            messages.append({"role": "tool", "content": formats.format_tool_response(None, error)})
            continue
        if not calls:
            break
        for call in calls:
            result = toolbox.execute(call)
            messages.append({"role": "tool", "content": toolbox.response_text(call, result)})
    return messages


def calculate(expression: str) -> float:
    """Evaluate an arithmetic expression of numbers, parentheses and + - * / ** (no names, no calls).

    Args:
        expression: The expression to evaluate, for example "(2 + 3) * 4.5".
    """
    if len(expression) > _MAX_EXPRESSION_CHARS:
        raise ValueError(f"expression longer than {_MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(expression, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ValueError(f"not an arithmetic expression: {expression!r}") from exc
    result = _arithmetic(tree.body)
    if not math.isfinite(result):
        raise ValueError("result is not a finite number")
    return result


_MAX_EXPRESSION_CHARS = 200
_MAX_EXPONENT = 1000
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv, ast.Pow: operator.pow}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}


def _arithmetic(node: ast.AST) -> float:
    """Value of an expression node, in float arithmetic so no result can grow without bound."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_arithmetic(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _arithmetic(node.left), _arithmetic(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT:
            raise ValueError(f"exponent {right} is too large")
        value = _BINARY[type(node.op)](left, right)
        if isinstance(value, complex):
            raise ValueError("result is not a real number")
        return value
    raise ValueError(f"unsupported element in expression: {type(node).__name__}")


def _failure(label: str, message: str) -> ToolResult:
    return ToolResult(ok=False, content=f"Error: {_clip(message, MAX_ERROR_CHARS)}", error=label)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _integers_as_int(arguments: dict, schema: dict) -> dict:
    """`arguments` with integral floats (3.0) turned into ints where the schema asks for an integer."""
    properties = schema.get("properties") or {}
    return {
        key: int(value)
        if isinstance(value, float) and isinstance(properties.get(key), dict) and properties[key].get("type") == "integer"
        else value
        for key, value in arguments.items()
    }
