"""The system prompt the model reads: one signature line per tool, every parameter's name, type and notes kept."""

import json
from pathlib import Path

import pytest

from helpers.data import load_conversations
from helpers.formats import model_system_prompt, system_prompt, tool_signature

DATA = Path(__file__).resolve().parents[1] / "src" / "helpers" / "data"
PROBE = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "hermes_probe.jsonl"

BOOKING = {
    "name": "book_table",
    "description": "Book a table at a restaurant.",
    "parameters": {
        "type": "object",
        "properties": {
            "venue": {"type": "object", "description": "Where to eat",
                      "properties": {"city": {"type": "string", "description": "City name"},
                                     "zip": {"type": "integer", "minimum": 0}},
                      "required": ["city"]},
            "guests": {"type": "integer", "description": "How many people", "default": 2},
            "seating": {"type": "string", "enum": ["inside", "terrace"]},
            "diets": {"type": "array", "items": {"type": "string", "enum": ["vegan", "halal"], "description": "A diet"}},
            "note": {"type": ["string", "null"]},
            "when": {"anyOf": [{"type": "string"}, {"type": "number"}], "title": "When"},
        },
        "required": ["venue", "seating"],
    },
}


def test_signature_writes_types_required_enums_lists_objects_and_notes():
    assert tool_signature(BOOKING) == (
        'book_table(venue: {city: string, zip?: integer}, guests?: integer = 2, seating: "inside"|"terrace", '
        'diets?: list["vegan"|"halal"], note?: string|null, when?: string|number): Book a table at a restaurant. '
        "(venue: Where to eat; venue.city: City name; venue.zip: minimum 0; guests: How many people; diets[]: A diet)"
    )


def test_signature_of_a_tool_without_parameters_or_description():
    assert tool_signature({"name": "ping", "description": "", "parameters": {"type": "object", "properties": {}}}) == "ping()"
    assert tool_signature({"name": "ping", "description": "Check."}) == "ping(): Check."


def test_a_malformed_schema_still_renders():
    odd = {"type": "object", "properties": {"a": {"type": "array", "items": "string"}, "b": "text",
                                            "c": {"enum": "x"}, "d": {"type": "object", "properties": []}},
           "required": "a"}
    assert tool_signature({"name": "odd", "description": "", "parameters": odd}) == (
        'odd(a?: list[any], b?: any, c?: any, d?: object) (c: enum "x")')
    assert tool_signature({"name": "odd", "parameters": {"properties": ["a"]}}) == "odd()"


def test_model_prompt_has_one_line_per_tool_between_the_tool_tags():
    other = {"name": "ping", "description": "Check.", "parameters": {}}
    text = model_system_prompt([BOOKING, other])
    block = text.split("<tools>\n", 1)[1]
    assert block.endswith("\n</tools>")
    assert block[: -len("\n</tools>")].split("\n") == [tool_signature(BOOKING), tool_signature(other)]


def _words(schema, out):
    """Every parameter name, enum value and description in a schema, nested ones included."""
    for key, sub in (schema.get("properties") or {}).items():
        out += [key, *(json.dumps(v) for v in sub.get("enum", [])), *([sub["description"]] if sub.get("description") else [])]
        _words(sub, out)
        if isinstance(sub.get("items"), dict):
            out += [json.dumps(v) for v in sub["items"].get("enum", [])]
            _words(sub["items"], out)
    return out


@pytest.mark.parametrize("path", [DATA / "train.jsonl", DATA / "unseen.jsonl", PROBE], ids=lambda p: p.name)
def test_every_name_value_and_description_of_the_data_reaches_the_model_in_fewer_characters(path):
    rows = load_conversations(path)[0]
    tools = {t["name"]: t for r in rows for t in r["tools"]}
    for tool in tools.values():
        line = tool_signature(tool)
        assert line.startswith(tool["name"] + "(") and tool["description"] in line
        for word in _words(tool["parameters"], []):
            assert word in line, (tool["name"], word)
    offered = [r["tools"] for r in rows if r["tools"]]
    compact = sum(len(model_system_prompt(t)) for t in offered)
    assert compact < 0.6 * sum(len(system_prompt(t)) for t in offered)
