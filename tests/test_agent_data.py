"""The agent episodes: recorded exactly as the loop writes them, over shops that are not the lesson's."""

import json
import random

import pytest

from helpers import agent_data, formats, tasks
from helpers.agent import Toolbox, calculate, model_view, run_agent
from helpers.data import canonical_messages, load_conversations
from helpers.toolcalls import parse_tool_calls


@pytest.fixture(scope="module")
def rows():
    return agent_data.generate_episodes(200, seed=3)


def test_every_kind_is_there_in_its_share(rows):
    kinds = [r["kind"] for r in rows]
    for kind, share in agent_data.KINDS.items():
        assert abs(kinds.count(kind) - share * len(rows)) <= 1, kind


@pytest.mark.parametrize("kind", sorted(agent_data.KINDS))
def test_an_episode_replays_through_run_agent_unchanged(kind):
    """Scripted with the episode's own assistant turns, run_agent writes the same conversation."""
    for seed in range(3):
        messages = agent_data.episode(kind, random.Random(seed))
        orders, customers = agent_data.random_shop(random.Random(seed))
        toolbox = Toolbox([*tasks.shop_tools(orders, customers), tasks.convert_currency, tasks.convert_units,
                           calculate])
        turns = iter(m["content"] for m in messages if m["role"] == "assistant")
        replay = run_agent(lambda _: next(turns), toolbox, messages[1]["content"], max_turns=6)
        assert replay == messages
        assert messages[0]["content"] == formats.system_prompt(tasks.make_toolbox().schemas)


def test_episodes_end_in_an_answer_that_states_the_last_result(rows):
    for row in rows:
        conv = row["conversations"]
        assert conv[-1]["role"] == "model" and parse_tool_calls(conv[-1]["content"]) == [], row["id"]
        tool_turns = [m for m in conv if m["role"] == "tool"]
        if row["kind"] in ("no_tool",):
            assert not tool_turns
            continue
        content = json.loads(tool_turns[-1]["content"].split("\n")[1])["content"]
        if row["kind"] == "not_found":
            assert content.startswith("Error") and "couldn't find" in conv[-1]["content"]
            continue
        if isinstance(content, dict):
            content = next(iter(content.values())) if len(content) == 1 else None
        if isinstance(content, (int, float)):
            assert tasks.numbers_in(conv[-1]["content"]), row["id"]
            assert any(abs(x - content) <= 0.01 for x in tasks.numbers_in(conv[-1]["content"])), row["id"]


def test_no_episode_touches_the_lesson_shop_or_the_fixed_tasks(rows):
    text = "\n".join(m["content"] for r in rows for m in r["conversations"] if m["role"] in ("human", "model"))
    for key in (*tasks.ORDERS, *tasks.CUSTOMERS, *(c["city"] for c in tasks.CUSTOMERS.values())):
        assert key not in text
    for task in tasks.TASKS:
        assert task.request not in text
    assert not any(agent_data.touches_lesson_tasks(r["conversations"]) for r in rows)
    leak = [{"role": "assistant", "content": formats.format_tool_call("lookup_order", {"order_id": "A-1002"})}]
    assert agent_data.touches_lesson_tasks(leak)


def test_episodes_load_as_valid_rows_with_every_call_checked(rows, tmp_path):
    path = tmp_path / "agent.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    loaded, problems = load_conversations(path)
    assert problems == [] and len(loaded) == len(rows)
    # training renders the system prompt exactly as the agent loop shows it to the model
    shown = model_view([{"role": "system", "content": rows[0]["conversations"][0]["content"]}])[0]["content"]
    assert shown == formats.model_system_prompt(tasks.make_toolbox().schemas)
    assert all(canonical_messages(r)[0]["content"] == shown for r in loaded)


def test_several_files_load_together_and_problems_name_their_file(rows, tmp_path):
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_text("".join(json.dumps(r) + "\n" for r in rows[:3]))
    bad.write_text(json.dumps(rows[3]) + "\n{not json\n")
    loaded, problems = load_conversations(f"{good},{bad}")
    assert [r["id"] for r in loaded] == [r["id"] for r in rows[:4]]
    assert [str(p) for p in problems] == [f"{bad}: line 2: not JSON (Expecting property name enclosed in double "
                                          "quotes at column 2)"]


def test_shipped_agent_file_equals_a_fresh_generation(tmp_path):
    out = tmp_path / "agent.jsonl"
    assert agent_data.main(["--out", str(out)]) == 0
    assert agent_data.AGENT_FILE.read_bytes() == out.read_bytes(), (
        "stale: run python -m helpers.agent_data")
