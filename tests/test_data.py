import json
import subprocess
import sys

import pytest
from conftest import write_jsonl

from helpers.data import canonical_messages, load_conversations
from helpers.formats import model_system_prompt

PUBLIC_SYSTEM = (
    "You are a function calling AI model. You are provided with function signatures within <tools></tools> "
    "XML tags.You may call one or more functions to assist with the user query. Here are the available tools:"
    "<tools> [{'type': 'function', 'function': {'name': 'get_stock_price', 'description': 'Get a stock price', "
    "'parameters': {'type': 'object', 'properties': {'symbol': {'type': 'string', 'description': 'Ticker'}}, "
    "'required': ['symbol']}}}] </tools>For each function call return a json object with function name and "
    "arguments within <tool_call></tool_call> XML tags."
)


def public_row(**overrides):
    """A row in the public dataset's shape: Python-literal tools, calls and responses."""
    turns = [
        {"role": "system", "content": PUBLIC_SYSTEM},
        {"role": "human", "content": "What's Apple trading at?"},
        {"role": "model", "content": "<think>The user wants a price; I'll use get_stock_price "
                                     "inside <tool_call> tags.</think><tool_call>\n{'name': 'get_stock_price', "
                                     "'arguments': {'symbol': 'AAPL'}}\n</tool_call>"},
        {"role": "tool", "content": "<tool_response>\n{'name': 'get_stock_price', 'content': {'price': 1.5}}\n"
                                    "</tool_response>"},
        {"role": "model", "content": "Apple trades at $1.50."},
    ]
    row = {"conversations": turns}
    row.update(overrides)
    return row


def with_turn(i, **change):
    row = public_row()
    row["conversations"][i] = {**row["conversations"][i], **change}
    return row


MALFORMED = {
    "not JSON": "{'conversations': oops",
    "row is not a JSON object": "[1, 2]",
    "missing 'conversations' or 'messages'": {"text": "hi"},
    "must be a non-empty list": {"conversations": []},
    "unknown role 'robot'": with_turn(1, role="robot"),
    "has no 'role'": {"conversations": [{"content": "x"}]},
    "content must be a string": with_turn(1, content=["x"]),
    "no model turn": {"conversations": public_row()["conversations"][:2]},
    "before any user turn": {"conversations": [{"role": "model", "content": "hi"}, {"role": "human", "content": "x"}]},
    "unclosed <tool_call>": with_turn(2, content="<tool_call>\n{'name': 'get_stock_price', 'arguments': {'symbol': 'A'}}"),
    "unparseable tool call": with_turn(2, content="<tool_call>\n{'name': 'get_stock_price', 'arguments': \n</tool_call>"),
    "malformed tool call": with_turn(2, content="<tool_call>\n{'arguments': {'symbol': 'A'}}\n</tool_call>"),
    "not an object": with_turn(2, content="<tool_call>\n{'name': 'get_stock_price', 'arguments': [1]}\n</tool_call>"),
    "which is not in <tools>": with_turn(2, content="<tool_call>\n{'name': 'get_news', 'arguments': {}}\n</tool_call>"),
    "misses required argument(s) symbol": with_turn(2, content="<tool_call>\n{'name': 'get_stock_price', "
                                                               "'arguments': {}}\n</tool_call>"),
    "unparseable <tools> block": with_turn(0, content="Tools: <tools> [{'name': 'f', </tools>"),
    "2 system messages": {"conversations": [{"role": "system", "content": "a"}] + public_row()["conversations"]},
}


@pytest.fixture
def mixed_file(tmp_path):
    lines = [public_row(id="ok-0")]
    for bad in MALFORMED.values():
        lines += [bad, public_row()]
    return write_jsonl(tmp_path / "mixed.jsonl", lines)


def test_every_malformed_row_is_reported_and_no_valid_one(mixed_file):
    rows, problems = load_conversations(mixed_file)
    assert len(rows) == 1 + len(MALFORMED)
    assert [p.where for p in problems] == [f"line {2 * k + 2}" for k in range(len(MALFORMED))]
    for (needle, _), problem in zip(MALFORMED.items(), problems):
        assert needle in problem.reason, (needle, problem.reason)
    assert rows[0]["id"] == "ok-0" and rows[1]["id"] == 2  # own id, else index


def test_public_format_is_parsed(tmp_path):
    rows, problems = load_conversations(write_jsonl(tmp_path / "p.jsonl", [public_row()]))
    assert not problems
    (row,) = rows
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant", "tool", "assistant"]
    assert row["tools"][0]["name"] == "get_stock_price"
    assert row["tools"][0]["parameters"]["required"] == ["symbol"]


def test_sharegpt_keys_and_json_array_file(tmp_path):
    data = [{"messages": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]}, {"messages": 3}]
    path = tmp_path / "a.json"
    path.write_text(json.dumps(data))
    rows, problems = load_conversations(path)
    assert [m["role"] for m in rows[0]["messages"]] == ["user", "assistant"]
    assert [str(p) for p in problems] == ["row 1: 'messages' must be a non-empty list of turns"]


def test_canonical_messages_rewrite_prompt_and_calls_as_json():
    from helpers.data import normalize_conversation

    row, reason = normalize_conversation(public_row())
    assert reason is None
    messages = canonical_messages({"id": 0, **row})
    assert messages[0]["content"] == model_system_prompt(row["tools"])
    call = messages[2]["content"]
    assert call.startswith("<think>The user wants a price; I'll use get_stock_price inside <tool_call> tags.</think>")
    assert '{"name": "get_stock_price", "arguments": {"symbol": "AAPL"}}' in call
    assert messages[3]["role"] == "tool" and messages[4]["content"] == "Apple trades at $1.50."


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "helpers", *args], capture_output=True, text=True, timeout=120)


def test_validate_data_cli(mixed_file, tmp_path):
    bad = run_cli("validate-data", mixed_file)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr + bad.stdout
    out = bad.stdout.splitlines()
    assert len(out) == len(MALFORMED) + 1
    assert out[0].startswith("line 2: ") and out[-1].endswith(f"{1 + len(MALFORMED)} valid, {len(MALFORMED)} invalid")

    good = run_cli("validate-data", write_jsonl(tmp_path / "good.jsonl", [public_row()] * 3))
    assert good.returncode == 0 and good.stdout.strip().endswith("3 valid, 0 invalid")

    missing = run_cli("validate-data", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and "nope.jsonl" in missing.stderr
