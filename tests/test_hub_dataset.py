"""A rehearsal of the gpu scale's data path: `load_conversations(HUB_DATASET)` -> `datasets.load_dataset`.

The stand-in is a local dataset with the hub dataset's schema (one `conversations` column: a list of
`{role, content}` turns, roles system/human/model/tool; tools and calls written as Python literals;
a system prompt that names `<tools></tools>` before the real `<tools> [...] </tools>` block).

How `datasets` 5.2 resolves a hub id offline (datasets/load.py, `dataset_module_factory`): with
`HF_HUB_OFFLINE=1` it raises before any Hub request, so a hub-cache (HF_HUB_CACHE) copy of the repo is
never read; it falls back to `CachedDatasetModuleFactory`, which loads the Arrow files an earlier
online `load_dataset` left in `HF_DATASETS_CACHE/<namespace>___<name>/<config>/<version>/<hash>/`.
So the stand-in is that Arrow cache, written by the same `parquet` builder a hub load of this
parquet repo uses, and the call below is the notebooks' own, unchanged: it runs the hub-id branch of
`dataset_module_factory`, the cached-module fallback, and `as_dataset`. Not rehearsed: the network
part (repo info, README configs, parquet download), which needs the Hub.
"""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers.data import canonical_messages, load_conversations
from helpers.formats import model_system_prompt
from helpers.lesson import HUB_DATASET, SCALES

TOOLS = {
    "get_stock_price": "{'type': 'function', 'function': {'name': 'get_stock_price', 'description': 'Get the "
                       "current price of a stock', 'parameters': {'type': 'object', 'properties': {'symbol': "
                       "{'type': 'string', 'description': 'The stock ticker, e.g. AAPL'}}, 'required': ['symbol']}}}",
    "convert_currency": "{'type': 'function', 'function': {'name': 'convert_currency', 'description': 'Convert an "
                        "amount between currencies', 'parameters': {'type': 'object', 'properties': {'amount': "
                        "{'type': 'number'}, 'from_currency': {'type': 'string'}, 'to_currency': {'type': "
                        "'string'}}, 'required': ['amount', 'from_currency', 'to_currency']}}}",
}


def system(*names):
    tools = ", ".join(TOOLS[n] for n in names)
    return ("You are a function calling AI model. You are provided with function signatures within <tools></tools> "
            "XML tags.You may call one or more functions to assist with the user query. Don't make assumptions "
            f"about what values to plug into functions.Here are the available tools:<tools> [{tools}] </tools>Use "
            "the following pydantic model json schema for each tool call you will make: {'title': 'FunctionCall', "
            "'type': 'object', 'properties': {'arguments': {'title': 'Arguments', 'type': 'object'}, 'name': "
            "{'title': 'Name', 'type': 'string'}}, 'required': ['arguments', 'name']}For each function call return "
            "a json object with function name and arguments within <tool_call></tool_call> XML tags as follows:\n"
            "<tool_call>\n{tool_call}\n</tool_call>")


def turn(role, content):
    return {"role": role, "content": content}


def call(name, args):
    return f"<tool_call>\n{{'name': '{name}', 'arguments': {args}}}\n</tool_call>"


ROWS = [
    [turn("system", system("get_stock_price")), turn("human", "What is Apple's stock price right now?"),
     turn("model", "<think>The user wants AAPL's price: get_stock_price with symbol AAPL.</think>"
                   + call("get_stock_price", "{'symbol': 'AAPL'}")),
     turn("tool", "<tool_response>\n{'name': 'get_stock_price', 'content': {'price': 150.75}}\n</tool_response>"),
     turn("model", "Apple (AAPL) trades at $150.75.")],
    [turn("system", system("get_stock_price", "convert_currency")),
     turn("human", "Convert 100 USD to EUR, please."),
     turn("model", "<think>convert_currency fits: 100, USD, EUR.</think>"
                   + call("convert_currency", "{'amount': 100, 'from_currency': 'USD', 'to_currency': 'EUR'}")),
     turn("tool", "<tool_response>\n{'name': 'convert_currency', 'content': {'converted_amount': 92.4}}\n"
                  "</tool_response>"),
     turn("model", "100 USD is about 92.40 EUR.")],
    [turn("system", system("convert_currency")), turn("human", "Tell me a joke about databases."),
     turn("model", "I can only convert currencies here, but: a SQL query walks into a bar and asks two tables...")],
    # invalid: calls a tool the system prompt does not offer
    [turn("system", system("convert_currency")), turn("human", "Price of MSFT?"),
     turn("model", "<think>Use get_stock_price.</think>" + call("get_stock_price", "{'symbol': 'MSFT'}"))],
    # invalid: a required argument is missing
    [turn("system", system("convert_currency")), turn("human", "Convert 5 dollars."),
     turn("model", call("convert_currency", "{'amount': 5, 'from_currency': 'USD'}"))],
]


@pytest.fixture
def hub_dataset_standin(tmp_path, monkeypatch):
    """The hub dataset's rows in `HF_DATASETS_CACHE` as an earlier online `load_dataset` leaves them."""
    import datasets.config
    from datasets.naming import camelcase_to_snakecase
    from datasets.packaged_modules.parquet.parquet import Parquet

    cache = tmp_path / "datasets-cache"
    parquet = tmp_path / "train-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist([{"conversations": r} for r in ROWS]), parquet)
    namespace, name = HUB_DATASET.split("/")
    builder = Parquet(cache_dir=str(tmp_path / "builder"), dataset_name=camelcase_to_snakecase(name),
                      data_files={"train": [str(parquet)]})
    builder.download_and_prepare(output_dir=str(cache / f"{namespace}___{camelcase_to_snakecase(name)}"
                                                / "default" / "0.0.0" / "standin"))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", cache)  # read at import: set the live value
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.chdir(tmp_path)  # no local file named like the hub id
    return cache


def test_the_gpu_scale_loads_the_hub_dataset_by_its_id():
    assert SCALES["gpu"].data == HUB_DATASET and SCALES["gpu"].data_path() == HUB_DATASET


def test_hub_dataset_rows_load_parse_and_render(hub_dataset_standin, tokenizer):
    from helpers.chat import add_tool_tokens, set_chat_template

    rows, problems = load_conversations(HUB_DATASET)  # -> datasets.load_dataset(HUB_DATASET, split="train")
    assert [r["id"] for r in rows] == [0, 1, 2]
    assert [str(p) for p in problems] == [
        "row 3: turn 2: calls 'get_stock_price', which is not in <tools> (offered: convert_currency)",
        "row 4: turn 2: call to 'convert_currency' misses required argument(s) to_currency",
    ]
    first, second, no_call = rows
    assert [t["name"] for t in first["tools"]] == ["get_stock_price"]  # the real block, not `<tools></tools>`
    assert [t["name"] for t in second["tools"]] == ["get_stock_price", "convert_currency"]
    assert [m["role"] for m in first["messages"]] == ["system", "user", "assistant", "tool", "assistant"]
    set_chat_template(tokenizer, "chatml")
    add_tool_tokens(tokenizer)
    for row in rows:
        messages = canonical_messages(row)
        assert messages[0] == {"role": "system", "content": model_system_prompt(row["tools"])}
        text = tokenizer.apply_chat_template(messages, tokenize=False)
        assert all(m["content"].strip()[:20] in text for m in messages[1:])
    call_turn = canonical_messages(second)[2]["content"]
    assert '"arguments": {"amount": 100, "from_currency": "USD", "to_currency": "EUR"}' in call_turn  # JSON now
    assert "<tool_call>" not in canonical_messages(no_call)[2]["content"]
