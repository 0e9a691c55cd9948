"""A minimal tool-using agent: a registry of Python functions and the call/execute loop around a model.

The model's text is untrusted: only registered functions run, by exact name, with arguments
that passed schema validation; every failure becomes a tool message the model can read, and
results and errors are cut to a bounded size before they go back to the model.

`run_agent` is the Think -> Act -> Observe loop; `model_generator` turns a loaded model into the
`generate` function it needs; `format_transcript` shows a transcript as text; `run_chat_command`
is `python -m helpers chat` (the tools of `helpers.tasks`, one request per line of stdin).
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from helpers import formats
from helpers.toolcalls import ToolCall, ToolCallError, normalize_tool, parse_tool_calls, parse_tools, validate_arguments

MAX_ERROR_CHARS = 500
MAX_RESULT_CHARS = 4000


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
            text = formats.dumps(value)
        except (TypeError, ValueError):
            value = text = str(value)
        if len(text) > MAX_RESULT_CHARS:  # a result is read back into the model's context: keep it bounded
            value = _clip(text, MAX_RESULT_CHARS) + f" [result cut: {len(text):,} characters]"
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
        forged = _forged_observation(text)
        if forged != -1:  # observations come from the toolbox only: drop any the model wrote itself
            text = text[:forged].rstrip()
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


def _forged_observation(text: str) -> int:
    """Where the model starts writing a `<tool_response>` of its own (outside thinking), or -1."""
    thinking = [m.span() for m in _THINK.finditer(text)]
    start = text.find("<tool_response>")
    while start != -1:
        if not any(a <= start < b for a, b in thinking):
            return start
        start = text.find("<tool_response>", start + 1)
    return -1


# --- showing a transcript, and a model as a `generate` function --------------------------------------

_THINK = re.compile(r"<think>(.*?)(?:</think>|$)", re.S)
_CALL_BLOCK = re.compile(r"<tool_call>.*?(?:</tool_call>|$)", re.S)


def format_transcript(messages: list[dict], width: int = 300) -> str:
    """The turns of a transcript as lines: `user`, `think`, `call`, `tool`, `answer` (system prompt left out).

    A turn whose calls cannot be parsed shows as `call?` with its raw text; the tool message after
    it says what was wrong.
    """
    cut = lambda s: (s if len(s) <= width else s[:width] + " ...").replace("\n", " ").strip()  # noqa: E731
    lines = []
    for message in messages:
        role, content = message["role"], message["content"]
        if role == "user":
            lines.append(f"user:   {cut(content)}")
        elif role == "tool":
            body = content.strip().removeprefix("<tool_response>").removesuffix("</tool_response>")
            try:
                response = json.loads(body)
                shown = f"{response.get('name')} -> {formats.dumps(response.get('content'))}"
            except (ValueError, AttributeError):
                shown = body
            lines.append(f"tool:   {cut(shown)}")
        elif role == "assistant":
            if not content.strip():
                lines.append("answer: (an empty turn)")
            for thought in _THINK.findall(content):
                lines.append(f"think:  {cut(thought)}")
            try:
                calls = parse_tool_calls(content)
            except ToolCallError:
                lines.append(f"call?:  {cut(' '.join(_CALL_BLOCK.findall(_THINK.sub('', content))) or content)}")
                continue
            for call in calls:
                lines.append(f"call:   {call.name}({cut(formats.dumps(call.arguments))})")
            said = _CALL_BLOCK.sub("", _THINK.sub("", content)).strip()
            if said:
                lines.append(f"{'answer:' if not calls else 'says:  '} {cut(said)}")
    return "\n".join(lines)


def model_generator(model, tokenizer, max_new_tokens: int = 160,
                    tools: list[dict] | None = None) -> Callable[[list[dict]], str]:
    """`generate(messages) -> next assistant turn` for a loaded model (greedy, stops at end of turn).

    The transcript's system prompt (JSON schemas) reaches the model as training rendered it
    (`model_view`). With `tools` (the toolbox's schemas), calls are schema-guided (`helpers.guided`).
    """
    from .evaluation import generate

    def next_turn(messages: list[dict]) -> str:
        return generate(model, tokenizer, [model_view(messages)], max_new_tokens=max_new_tokens, batch_size=1,
                        progress=False, tools=None if tools is None else [tools])[0]

    return next_turn


def model_view(messages: list[dict]) -> list[dict]:
    """The messages as the model reads them: a system prompt offering tools becomes `model_system_prompt`,
    as `helpers.data.canonical_messages` renders training rows."""
    if messages and messages[0]["role"] == "system":
        try:
            tools = parse_tools(messages[0]["content"])
        except ToolCallError:
            tools = []
        if tools:
            return [{"role": "system", "content": formats.model_system_prompt(tools)}, *messages[1:]]
    return list(messages)


# --- `python -m helpers chat` ---------------------------------------------------------------------

EXIT_WORDS = ("exit", "quit")


def chat_loop(generate: Callable[[list[dict]], str], toolbox: Toolbox, lines: Iterable[str],
              write: Callable[[str], None] = print, max_turns: int = 5,
              prompt: Callable[[], None] | None = None) -> int:
    """One `run_agent` per non-empty line of `lines` until they end or one says exit; the number run.

    Each request starts a fresh conversation; `write` receives each transcript as text.
    """
    count = 0
    if prompt:
        prompt()
    for line in lines:
        request = line.strip()
        if request.lower() in EXIT_WORDS:
            break
        if request:
            transcript = run_agent(generate, toolbox, request, max_turns=max_turns)
            write(format_transcript(transcript[1:]))
            if transcript[-1]["role"] != "assistant" or _calls_or_none(transcript[-1]["content"]) != []:
                write(f"(stopped after {max_turns} model turns without a final answer)")
            write("")
            count += 1
        if prompt:
            prompt()
    return count


def _calls_or_none(text: str) -> list[ToolCall] | None:
    """The calls of a turn, or None when it holds a malformed call."""
    try:
        return parse_tool_calls(text)
    except ToolCallError:
        return None


def run_chat_command(args, generate: Callable[[list[dict]], str] | None = None, stdin=None) -> int:
    """The `chat` subcommand: load the model (adapter merged, or a base model), then `chat_loop` on stdin.

    `generate` replaces the model (tests pass a scripted one); the tools are `helpers.tasks.TOOLS`.
    """
    from .tasks import make_toolbox

    stdin = stdin if stdin is not None else sys.stdin
    if generate is None:
        from .adapter_source import AdapterNotFoundError, resolve_adapter
        from .cli import _quiet
        from .profiles import get_profile
        from .training import load_adapter, load_base

        try:
            adapter_dir = resolve_adapter(args.adapter) if args.adapter else None
        except AdapterNotFoundError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        _quiet()
        profile = get_profile(args.profile)
        if adapter_dir:
            model, tokenizer = load_adapter(adapter_dir, profile, merge=True)
        else:
            model, tokenizer, _ = load_base(args.model, profile, add_tokens=False)
    toolbox = make_toolbox()
    if generate is None:
        guide = None if args.unguided else toolbox.schemas
        generate = model_generator(model, tokenizer, max_new_tokens=args.max_new_tokens, tools=guide)
    interactive = hasattr(stdin, "isatty") and stdin.isatty()
    if interactive:
        print(f"tools: {', '.join(s['name'] for s in toolbox.schemas)}. One request per line; 'exit' or Ctrl-D ends.")
    prompt = (lambda: print("> ", end="", flush=True)) if interactive else None
    chat_loop(generate, toolbox, stdin, max_turns=args.max_turns, prompt=prompt)
    return 0


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
    return float(f"{result:.12g}")  # 42.16 * 3 is 126.48, not 126.48000000000002


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
