import json
import os
import subprocess
import time

import pytest

from helpers import formats
from helpers.toolcalls import (
    MAX_CALL_CHARS,
    ToolCall,
    ToolCallError,
    parse_tool_calls,
    parse_tools,
    validate_arguments,
)

WEATHER = {
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city"],
    },
}


@pytest.fixture
def no_shell(monkeypatch):
    """Fail the test if anything tries to run a command."""

    def forbidden(*args, **kwargs):
        raise AssertionError(f"a command was run: {args!r}")

    monkeypatch.setattr(os, "system", forbidden)
    monkeypatch.setattr(os, "popen", forbidden)
    monkeypatch.setattr(subprocess, "Popen", forbidden)


def assert_raises_label(text, label):
    with pytest.raises(ToolCallError) as info:
        parse_tool_calls(text)
    assert info.value.label == label
    assert str(info.value)
    return info.value


# --- parse_tool_calls: accepted forms -------------------------------------------------------


def test_round_trips_the_project_format():
    text = formats.format_think("need weather") + formats.format_tool_call("get_weather", {"city": "Paris", "days": 2})
    assert parse_tool_calls(text) == [ToolCall("get_weather", {"city": "Paris", "days": 2})]


def test_plain_answer_has_no_calls():
    assert parse_tool_calls("It is sunny in Paris today.") == []
    assert parse_tool_calls("") == []


def test_python_literal_body_like_the_public_dataset():
    text = "<tool_call>\n{'name': 'f', 'arguments': {'x': 1, 'ok': True, 'v': None, 's': 'it\\'s'}}\n</tool_call>"
    assert parse_tool_calls(text) == [ToolCall("f", {"x": 1, "ok": True, "v": None, "s": "it's"})]


def test_python_tuple_becomes_list():
    assert parse_tool_calls("<tool_call>{'name': 'f', 'arguments': {'p': (1, 2)}}</tool_call>")[0].arguments == {"p": [1, 2]}


def test_two_calls_in_one_turn_keep_their_order():
    text = (
        formats.format_tool_call("a", {"n": 1})
        + "\nand then\n"
        + "<tool_call>{'name': 'b', 'arguments': {}}</tool_call>"
    )
    assert parse_tool_calls(text) == [ToolCall("a", {"n": 1}), ToolCall("b", {})]


def test_missing_closing_tag_is_accepted_for_the_last_call():
    text = formats.format_tool_call("a", {}) + '\n<tool_call>\n{"name": "b", "arguments": {"q": "x"}}\n'
    assert parse_tool_calls(text) == [ToolCall("a", {}), ToolCall("b", {"q": "x"})]


def test_unclosed_tag_followed_by_another_is_unparseable():
    assert_raises_label('<tool_call>{"name": "a", "arguments": {}}\n<tool_call>{"name": "b", "arguments": {}}</tool_call>', "unparseable")


def test_think_block_mentioning_tags_is_ignored():
    text = (
        "<think>I could write <tool_call>{'name': 'rm_rf', 'arguments': {}}</tool_call> but I will not.</think>"
        + formats.format_tool_call("get_weather", {"city": "Oslo"})
    )
    assert parse_tool_calls(text) == [ToolCall("get_weather", {"city": "Oslo"})]


def test_think_opened_in_the_prompt_is_ignored():
    text = "maybe <tool_call>{broken</think>" + formats.format_tool_call("f", {})
    assert parse_tool_calls(text) == [ToolCall("f", {})]


def test_generation_stopped_inside_think_has_no_calls():
    assert parse_tool_calls("<think>first I call <tool_call>{'name': 'f', 'arguments': {}}") == []


def test_arguments_given_as_a_json_string_are_decoded():
    text = '<tool_call>{"name": "f", "arguments": "{\\"city\\": \\"Rome\\", \\"days\\": 3}"}</tool_call>'
    assert parse_tool_calls(text) == [ToolCall("f", {"city": "Rome", "days": 3})]


def test_dotted_and_dashed_names_are_valid():
    assert parse_tool_calls(formats.format_tool_call("weather.get-now", {}))[0].name == "weather.get-now"


# --- parse_tool_calls: rejected forms -------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        '{"name": "f", "arguments": {}',  # truncated
        '["f", {}]',  # not an object
        '"just a string"',
        "{'name': 'f', 'arguments': {1, 2}}",  # a set is not JSON
        "{'name': 'f', 'arguments': {'b': b'bytes'}}",
        "{'name': 'f', 'arguments': {'z': 1+2j}}",
        "{'name': 'f', 'arguments': {1: 'x'}}",  # non-string key
        '{"name": "f", "arguments": {"x": NaN}}',
        '{"name": "f", "arguments": {"x": 1e999}}',
        '{"name": "f", "arguments": {}} {"name": "g", "arguments": {}}',
        "",
    ],
)
def test_malformed_bodies_are_unparseable(body):
    assert_raises_label(f"<tool_call>{body}</tool_call>", "unparseable")


@pytest.mark.parametrize(
    "call",
    [
        {"arguments": {}},
        {"name": "", "arguments": {}},
        {"name": 42, "arguments": {}},
        {"name": "f"},
        {"name": "f", "arguments": [1, 2]},
        {"name": "f", "arguments": "not an object"},
        {"name": "f", "arguments": "[1, 2]"},
        {"name": "1starts_with_digit", "arguments": {}},
        {"name": "has space", "arguments": {}},
        {"name": "f\n", "arguments": {}},
        {"name": "x" * 200, "arguments": {}},
    ],
)
def test_bad_calls(call):
    assert_raises_label(f"<tool_call>{json.dumps(call)}</tool_call>", "bad_call")


# --- parse_tool_calls: hostile output --------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "__import__('os').system('echo pwned')",
        "{'name': 'f', 'arguments': {'x': __import__('os').system('echo pwned')}}",
        "{'name': 'f', 'arguments': {'x': (lambda: __import__('subprocess').Popen('x'))()}}",
        "[c for c in ().__class__.__bases__[0].__subclasses__()]",
        "open('/etc/passwd').read()",
    ],
)
def test_code_in_a_body_is_never_run(no_shell, body):
    assert_raises_label(f"<tool_call>{body}</tool_call>", "unparseable")


def test_code_as_a_name_is_a_bad_call_and_never_run(no_shell):
    text = "<tool_call>{\"name\": \"__import__('os').system('echo pwned')\", \"arguments\": {}}</tool_call>"
    error = assert_raises_label(text, "bad_call")
    assert "invalid tool name" in str(error)


@pytest.mark.parametrize("body", ["[" * 100_000, "{'a': " * 3_000 + "1" + "}" * 3_000, "(" * 20_000])
def test_deep_nesting_is_rejected_quickly(body):
    started = time.perf_counter()
    assert_raises_label(f"<tool_call>{body}</tool_call>", "unparseable")
    assert time.perf_counter() - started < 2


def test_nesting_within_the_limit_is_accepted():
    value = 1
    for _ in range(15):
        value = [value]
    call = parse_tool_calls(formats.format_tool_call("f", {"v": value}))[0]
    assert call.arguments == {"v": value}


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = formats.format_tool_call("f", {"s": "(" * 500 + "[{" * 100})
    assert parse_tool_calls(text)[0].arguments["s"] == "(" * 500 + "[{" * 100


def test_huge_body_returns_quickly_with_an_error():
    body = '{"name": "f", "arguments": {"s": "' + "a" * 10_000_000 + '"}}'
    started = time.perf_counter()
    error = assert_raises_label(f"<tool_call>{body}</tool_call>", "unparseable")
    assert time.perf_counter() - started < 2
    assert str(MAX_CALL_CHARS) in str(error)


def test_many_think_tags_do_not_take_quadratic_time():
    started = time.perf_counter()
    assert parse_tool_calls("<think>" * 1_000_000) == []
    assert parse_tool_calls("</think><think>" * 500_000) == []
    assert time.perf_counter() - started < 2


def test_too_many_calls_in_one_turn_are_rejected():
    assert_raises_label(formats.format_tool_call("f", {}) * 10_000, "unparseable")


# --- parse_tools ---------------------------------------------------------------------------


def test_parse_tools_reads_the_project_system_prompt():
    assert parse_tools(formats.system_prompt([WEATHER])) == [WEATHER]


def test_parse_tools_public_dataset_pattern():
    wrapped = [{"type": "function", "function": WEATHER}, {"type": "function", "function": {**WEATHER, "name": "other"}}]
    system = (
        "You are a function calling AI model. You are provided with function signatures within <tools></tools> "
        f"XML tags. Here are the available tools:<tools> {wrapped!r} </tools>Use this schema for each call: "
        "{'title': 'FunctionCall', 'type': 'object'} and write each call within <tool_call></tool_call> XML tags."
    )
    assert parse_tools(system) == [WEATHER, {**WEATHER, "name": "other"}]


def test_parse_tools_single_dict_and_one_object_per_line():
    assert parse_tools(f"<tools>{json.dumps(WEATHER)}</tools>") == [WEATHER]
    other = {**WEATHER, "name": "other"}
    assert parse_tools(f"<tools>\n{json.dumps(WEATHER)}\n{json.dumps(other)}\n</tools>") == [WEATHER, other]


def test_parse_tools_normalizes_to_name_description_parameters():
    tools = parse_tools('<tools>[{"name": "ping", "return": {"type": "string"}}]</tools>')
    assert tools == [{"name": "ping", "description": "", "parameters": {"type": "object", "properties": {}}}]


def test_parse_tools_empty_list_means_no_tools():
    assert parse_tools(formats.system_prompt([])) == []


@pytest.mark.parametrize(
    "system",
    [
        "no tools here",
        "only a mention of <tools></tools> in prose",
        "<tools>not a list</tools>",
        "<tools>[1, 2]</tools>",
        '<tools>[{"description": "no name"}]</tools>',
        '<tools>[{"type": "function", "function": {"name": 7}}]</tools>',
        '<tools>[{"name": "f", "parameters": "oops"}]</tools>',
        "<tools>" + "[" * 100_000 + "</tools>",
        "<tools>[" + '{"name": "f"},' * 50_000 + "]</tools>",  # over the size limit
        "<tools>__import__('os').system('echo pwned')</tools>",
    ],
)
def test_parse_tools_rejects(no_shell, system):
    with pytest.raises(ToolCallError) as info:
        parse_tools(system)
    assert info.value.label == "bad_tools"


# --- validate_arguments --------------------------------------------------------------------


def test_valid_arguments_have_no_problems():
    assert validate_arguments({"city": "Paris", "days": 3, "unit": "celsius"}, WEATHER["parameters"]) == []
    assert validate_arguments({"city": "Paris", "days": 3.0}, WEATHER["parameters"]) == []


@pytest.mark.parametrize(
    "arguments, label",
    [
        ({}, "missing_required"),
        ({"city": "Paris", "color": "red"}, "unexpected_param"),
        ({"city": 3}, "type_error"),
        ({"city": "Paris", "days": "3"}, "type_error"),
        ({"city": "Paris", "days": 2.5}, "type_error"),
        ({"city": "Paris", "days": True}, "type_error"),
        ({"city": "Paris", "unit": "kelvin"}, "value_error"),
    ],
)
def test_each_problem_has_its_label(arguments, label):
    problems = validate_arguments(arguments, WEATHER["parameters"])
    assert [found for found, _ in problems] == [label]


def test_problems_come_in_a_stable_order():
    arguments = {"unit": "kelvin", "days": "x", "extra": 1}
    problems = validate_arguments(arguments, WEATHER["parameters"])
    assert [label for label, _ in problems] == ["missing_required", "unexpected_param", "type_error", "value_error"]
    assert "city" in problems[0][1] and "extra" in problems[1][1] and "days" in problems[2][1] and "unit" in problems[3][1]
    assert validate_arguments(arguments, WEATHER["parameters"]) == problems


@pytest.mark.parametrize(
    "json_type, good, bad",
    [
        ("string", "s", 1),
        ("integer", 3, 3.5),
        ("integer", -2, False),
        ("number", 3, "3"),
        ("number", 2.5, True),
        ("boolean", False, 0),
        ("array", [1], "[1]"),
        ("object", {"a": 1}, [("a", 1)]),
        ("null", None, 0),
    ],
)
def test_json_schema_types(json_type, good, bad):
    schema = {"type": "object", "properties": {"p": {"type": json_type}}}
    assert validate_arguments({"p": good}, schema) == []
    assert [label for label, _ in validate_arguments({"p": bad}, schema)] == ["type_error"]


def test_type_lists_nullable_and_enum_without_bool_confusion():
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": ["string", "null"]},
            "b": {"type": "integer", "nullable": True},
            "c": {"enum": [1, 2]},
        },
    }
    assert validate_arguments({"a": None, "b": None, "c": 2}, schema) == []
    assert [label for label, _ in validate_arguments({"a": 1, "b": "x", "c": True}, schema)] == [
        "type_error",
        "type_error",
        "value_error",
    ]


def test_array_items_and_nested_objects_are_checked():
    schema = {
        "type": "object",
        "properties": {
            "ids": {"type": "array", "items": {"type": "integer"}},
            "where": {"type": "object", "properties": {"lat": {"type": "number"}}, "required": ["lat"]},
        },
    }
    assert validate_arguments({"ids": [1, 2], "where": {"lat": 1.5}}, schema) == []
    problems = validate_arguments({"ids": [1, "two"], "where": {"lon": 3}}, schema)
    assert [label for label, _ in problems] == ["missing_required", "unexpected_param", "type_error"]
    assert "where.lat" in problems[0][1] and "where.lon" in problems[1][1] and "ids[1]" in problems[2][1]


def test_additional_properties_allow_extra_keys():
    schema = {"type": "object", "properties": {}, "additionalProperties": True}
    assert validate_arguments({"anything": 1}, schema) == []


def test_non_object_arguments_are_a_type_error():
    assert [label for label, _ in validate_arguments([1], WEATHER["parameters"])] == ["type_error"]
