import pytest

from helpers.evaluation import example_from_row, same_value, score, summarize
from helpers.formats import format_think, format_tool_call
from helpers.toolcalls import ToolCall

TOOLS = [
    {"name": "convert_currency", "description": "Convert money.",
     "parameters": {"type": "object", "properties": {
         "amount": {"type": "number"}, "from_currency": {"type": "string"}, "to_currency": {"type": "string"},
         "round": {"type": "boolean"}, "unit": {"type": "string", "enum": ["cents", "units"]}},
         "required": ["amount", "from_currency", "to_currency"]}},
    {"name": "get_weather", "description": "Weather.",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                    "required": ["city"]}},
]
EXPECTED = [ToolCall("convert_currency", {"amount": 100, "from_currency": "USD", "to_currency": "EUR"})]


def turn(*calls):
    return format_think("thinking") + "\n".join(format_tool_call(n, a) for n, a in calls)


@pytest.mark.parametrize("raw, label", [
    (turn(("convert_currency", {"amount": 100.0, "from_currency": "USD", "to_currency": "EUR"})), "correct"),
    (turn(("convert_currency", {"to_currency": "EUR", "amount": 100, "from_currency": "USD"})), "correct"),
    ("I cannot do that.", "no_call"),
    ("<tool_call>\n{'name': 'convert_currency', 'arguments': {'amount': 100, 'from_currency': 'USD', "
     "'to_currency': 'EUR'}}", "correct"),  # Python literal, closing tag cut at the stop
    ("<tool_call>\n{\"name\": \"convert_currency\", \"arguments\": {\"amount\": 1\n</tool_call>", "unparseable"),
    (turn(("get_weather", {"city": "Paris"})), "wrong_func_name"),
    (turn(("convert_currency", {"amount": 100, "from_currency": "USD"})), "missing_required"),
    (turn(("convert_currency", {"amount": 100, "from_currency": "USD", "to_currency": "EUR", "fee": 1})),
     "unexpected_param"),
    (turn(("convert_currency", {"amount": 100, "from_currency": "USD", "to_currency": "EUR", "round": True})),
     "unexpected_param"),
    (turn(("convert_currency", {"amount": "100", "from_currency": "USD", "to_currency": "EUR"})), "type_error"),
    (turn(("convert_currency", {"amount": 100, "from_currency": "USD", "to_currency": "GBP"})), "value_error"),
    (turn(("convert_currency", {"amount": 100, "from_currency": "USD", "to_currency": "EUR", "unit": "yen"})),
     "value_error"),
    (turn(("convert_currency", {"amount": 100, "from_currency": "USD", "to_currency": "EUR"}),
          ("get_weather", {"city": "Paris"})), "wrong_count"),
])
def test_labels(raw, label):
    assert score(EXPECTED, raw, TOOLS)[0] == label


def test_parallel_calls_match_in_any_order():
    expected = [ToolCall("get_weather", {"city": "Oslo"}), ToolCall("get_weather", {"city": "Lima"})]
    assert score(expected, turn(("get_weather", {"city": "Lima"}), ("get_weather", {"city": "Oslo"})), TOOLS)[0] == "correct"
    assert score(expected, turn(("get_weather", {"city": "Lima"}), ("get_weather", {"city": "Lima"})), TOOLS)[0] == "value_error"


def test_irrelevance():
    assert score([], "Sorry, none of my tools can book flights.", TOOLS)[0] == "correct"
    assert score([], turn(("get_weather", {"city": "Paris"})), TOOLS)[0] == "spurious_call"


def test_same_value_rules():
    assert same_value(1, 1.0) and same_value({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not same_value(True, 1) and not same_value("1", 1) and not same_value([1], [1, 2])


def test_example_and_summary():
    row = {"id": "r1", "tools": TOOLS, "messages": [
        {"role": "system", "content": "ignored: re-rendered"},
        {"role": "user", "content": "100 USD in EUR?"},
        {"role": "assistant", "content": turn(("convert_currency", EXPECTED[0].arguments))},
    ]}
    ex = example_from_row(row)
    assert ex["expected"] == EXPECTED and ex["prompt"][1] == {"role": "user", "content": "100 USD in EUR?"}
    assert "<tools>" in ex["prompt"][0]["content"] and "convert_currency" in ex["prompt"][0]["content"]
    assert ex["answer"] == row["messages"][2]["content"]
    records = [
        {"expected": [vars(EXPECTED[0])], "predicted": [vars(EXPECTED[0])], "label": "correct"},
        {"expected": [vars(EXPECTED[0])], "predicted": [], "label": "no_call"},
        {"expected": [], "predicted": [], "label": "correct"},
        {"expected": [vars(EXPECTED[0])], "predicted": [], "label": "unparseable"},
    ]
    s = summarize(records)
    assert s["exact_match"] == 0.5 and s["format_valid"] == 0.75
    assert s["name_accuracy"] == pytest.approx(1 / 3) and s["irrelevance_accuracy"] == 1.0
    assert s["labels"] == {"correct": 2, "unparseable": 1, "no_call": 1}
