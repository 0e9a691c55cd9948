import json
import os
import subprocess
from typing import Literal

import pytest

from helpers import formats
from helpers.agent import MAX_ERROR_CHARS, Toolbox, calculate, run_agent
from helpers.toolcalls import ToolCall, parse_tools

CALLS: list[tuple] = []

FACTORS = {"km": 1000.0, "m": 1.0, "mi": 1609.344}


def convert_length(value: float, from_unit: Literal["km", "m", "mi"], to_unit: Literal["km", "m", "mi"]) -> float:
    """Convert a length between units.

    Args:
        value: The length to convert.
        from_unit: Unit of `value`.
        to_unit: Unit of the result.
    """
    CALLS.append(("convert_length", value, from_unit, to_unit))
    return value * FACTORS[from_unit] / FACTORS[to_unit]


def repeat(text: str, times: int = 2) -> str:
    """Repeat a text.

    Args:
        text: The text to repeat.
        times: How many times.
    """
    CALLS.append(("repeat", text, times))
    return text * times


def explode(reason: str) -> str:
    """Always fail.

    Args:
        reason: Why it fails.
    """
    raise RuntimeError(reason)


def odd_result() -> object:
    """Return something JSON cannot hold."""
    return {1, 2}


@pytest.fixture
def toolbox():
    CALLS.clear()
    return Toolbox([convert_length, repeat, explode, odd_result, calculate])


@pytest.fixture
def no_shell(monkeypatch):
    """Fail the test if anything tries to run a command."""

    def forbidden(*args, **kwargs):
        raise AssertionError(f"a command was run: {args!r}")

    monkeypatch.setattr(os, "system", forbidden)
    monkeypatch.setattr(os, "popen", forbidden)
    monkeypatch.setattr(subprocess, "Popen", forbidden)


# --- Toolbox -------------------------------------------------------------------------------


def test_schemas_are_inner_function_dicts(toolbox):
    schemas = {schema["name"]: schema for schema in toolbox.schemas}
    assert list(schemas) == ["convert_length", "repeat", "explode", "odd_result", "calculate"]
    assert all(set(schema) == {"name", "description", "parameters"} for schema in schemas.values())
    convert = schemas["convert_length"]
    assert convert["description"] == "Convert a length between units."
    assert convert["parameters"]["required"] == ["value", "from_unit", "to_unit"]
    assert convert["parameters"]["properties"]["from_unit"]["enum"] == ["km", "m", "mi"]
    assert schemas["repeat"]["parameters"]["required"] == ["text"]


def test_schemas_survive_the_system_prompt(toolbox):
    assert parse_tools(formats.system_prompt(toolbox.schemas)) == toolbox.schemas


def test_duplicate_tool_names_are_refused():
    with pytest.raises(ValueError):
        Toolbox([repeat, repeat])


def test_execute_runs_a_valid_call(toolbox):
    result = toolbox.execute(ToolCall("convert_length", {"value": 5, "from_unit": "km", "to_unit": "m"}))
    assert (result.ok, result.content, result.error) == (True, 5000.0, None)
    assert CALLS == [("convert_length", 5, "km", "m")]


def test_integral_float_reaches_the_tool_as_int(toolbox):
    result = toolbox.execute(ToolCall("repeat", {"text": "ab", "times": 3.0}))
    assert result.ok and result.content == "ababab"
    assert type(CALLS[0][2]) is int


@pytest.mark.parametrize(
    "name",
    [
        "os.system",
        "__import__",
        "eval",
        "exec",
        "__init__",
        "execute",
        "_functions",
        "schemas",
        "calculate.__globals__",
        "repeat.__code__",
        "Repeat",
        " repeat",
        "",
    ],
)
def test_unregistered_names_are_unknown_tools(toolbox, no_shell, name):
    result = toolbox.execute(ToolCall(name, {}))
    assert not result.ok
    assert result.error == "unknown_tool"
    assert "repeat" in result.content  # the model is told which tools exist
    assert CALLS == []


@pytest.mark.parametrize(
    "arguments, label",
    [
        ({"value": 1, "from_unit": "km"}, "missing_required"),
        ({"value": 1, "from_unit": "km", "to_unit": "m", "__class__": "x"}, "unexpected_param"),
        ({"value": "1", "from_unit": "km", "to_unit": "m"}, "type_error"),
        ({"value": True, "from_unit": "km", "to_unit": "m"}, "type_error"),
        ({"value": 1, "from_unit": "km", "to_unit": "parsec"}, "value_error"),
    ],
)
def test_invalid_arguments_never_reach_the_tool(toolbox, arguments, label):
    result = toolbox.execute(ToolCall("convert_length", arguments))
    assert (result.ok, result.error) == (False, label)
    assert result.content.startswith("Error:")
    assert CALLS == []


def test_a_raising_tool_becomes_a_tool_error(toolbox):
    result = toolbox.execute(ToolCall("explode", {"reason": "disk on fire"}))
    assert (result.ok, result.error) == (False, "tool_error")
    assert "RuntimeError" in result.content and "disk on fire" in result.content


def test_tool_error_text_is_truncated(toolbox):
    result = toolbox.execute(ToolCall("explode", {"reason": "x" * 100_000}))
    assert result.error == "tool_error"
    assert len(result.content) <= MAX_ERROR_CHARS + 20


def test_non_json_results_are_sent_as_text(toolbox):
    result = toolbox.execute(ToolCall("odd_result", {}))
    assert result.ok and result.content == str({1, 2})
    assert json.loads(_response_body(toolbox.response_text(ToolCall("odd_result", {}), result)))["content"] == str({1, 2})


def test_response_text_is_a_tool_response_block(toolbox):
    call = ToolCall("repeat", {"text": "hi"})
    text = toolbox.response_text(call, toolbox.execute(call))
    assert text.startswith("<tool_response>") and text.endswith("</tool_response>")
    assert json.loads(_response_body(text)) == {"name": "repeat", "content": "hihi"}


def _response_body(text: str) -> str:
    return text.removeprefix("<tool_response>").removesuffix("</tool_response>")


# --- calculate -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression, value",
    [("1 + 2 * 3", 7.0), ("(1 + 2) * 3", 9.0), ("-2 ** 2", -4.0), ("7 / 2", 3.5), ("2 ** -1", 0.5), ("+1.5e3 - 500", 1000.0)],
)
def test_calculate(expression, value):
    assert calculate(expression) == pytest.approx(value)


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('echo pwned')",
        "os.system('echo pwned')",
        "().__class__.__bases__[0].__subclasses__()",
        "(lambda: 1)()",
        "x + 1",
        "'a' * 3",
        "[1] * 3",
        "True + 1",
        "1 if 1 else 2",
        "2 // 3",
        "5 % 3",
        "1 < 2",
        "9 ** 9 ** 9",
        "10 ** 400",
        "1e308 * 10",
        "(-8) ** 0.5",
        "1 / 0",
        "(" * 300 + "1" + ")" * 300,
        "1 +",
        "",
        "1" * 10_000,
    ],
)
def test_calculate_refuses_anything_but_bounded_arithmetic(no_shell, expression):
    with pytest.raises((ValueError, ArithmeticError)):
        calculate(expression)


def test_hostile_expression_through_the_toolbox_is_a_tool_error(toolbox, no_shell):
    result = toolbox.execute(ToolCall("calculate", {"expression": "__import__('os').system('echo pwned')"}))
    assert (result.ok, result.error) == (False, "tool_error")


# --- run_agent -----------------------------------------------------------------------------


class Scripted:
    """A stand-in model that answers with fixed turns and records what it was shown."""

    def __init__(self, *turns: str):
        self.turns = list(turns)
        self.seen: list[list[dict]] = []

    def __call__(self, messages: list[dict]) -> str:
        self.seen.append(messages)
        return self.turns.pop(0)


def test_run_agent_executes_calls_and_stops_at_the_answer(toolbox):
    model = Scripted(
        formats.format_think("convert") + formats.format_tool_call("convert_length", {"value": 2, "from_unit": "km", "to_unit": "m"}),
        "2 km is 2000 m.",
    )
    transcript = run_agent(model, toolbox, "How many metres in 2 km?")
    assert [m["role"] for m in transcript] == ["system", "user", "assistant", "tool", "assistant"]
    assert transcript[0]["content"] == formats.system_prompt(toolbox.schemas)
    assert transcript[1]["content"] == "How many metres in 2 km?"
    assert json.loads(_response_body(transcript[3]["content"])) == {"name": "convert_length", "content": 2000.0}
    assert transcript[-1]["content"] == "2 km is 2000 m."
    assert model.seen[1] == transcript[:4]
    assert model.turns == []


def test_run_agent_answers_each_of_several_calls(toolbox):
    turn = formats.format_tool_call("repeat", {"text": "a"}) + formats.format_tool_call("nope", {})
    transcript = run_agent(Scripted(turn, "done"), toolbox, "go")
    tool_messages = [json.loads(_response_body(m["content"])) for m in transcript if m["role"] == "tool"]
    assert tool_messages[0] == {"name": "repeat", "content": "aa"}
    assert tool_messages[1]["name"] == "nope" and "unknown tool" in tool_messages[1]["content"]


def test_run_agent_reports_malformed_calls_and_continues(toolbox, no_shell):
    model = Scripted("<tool_call>__import__('os').system('echo pwned')</tool_call>", "Sorry.")
    transcript = run_agent(model, toolbox, "go")
    assert [m["role"] for m in transcript] == ["system", "user", "assistant", "tool", "assistant"]
    assert "malformed" in transcript[3]["content"] and "unparseable" in transcript[3]["content"]
    assert CALLS == []


def test_run_agent_stops_after_max_turns(toolbox):
    call = formats.format_tool_call("repeat", {"text": "x"})
    model = Scripted(*[call] * 10)
    transcript = run_agent(model, toolbox, "loop forever", max_turns=3)
    assert len(model.seen) == 3
    assert [m["role"] for m in transcript].count("assistant") == 3
    assert len(CALLS) == 3


def test_run_agent_without_a_call_returns_after_one_turn(toolbox):
    transcript = run_agent(Scripted("Hello!"), toolbox, "hi")
    assert transcript[-1] == {"role": "assistant", "content": "Hello!"}
    assert len(transcript) == 3
