"""benchmarks/answer_loss.py puts each answer token's loss into the right part."""

from __future__ import annotations

import math

import pytest

TWO_CALLS = (
    "<think>Two requests, so I'll call book_table twice.</think><tool_call>\n"
    '{"name": "book_table", "arguments": {"restaurant_name": "Trattoria Sole", "people": 6, '
    '"tags": ["a, b", "c"], "options": {"quiet": true}}}\n</tool_call>\n<tool_call>\n'
    '{"name": "ping", "arguments": {}}\n</tool_call>'
)


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("answer_loss")


def _text_of(answer, parts, part):
    return [answer[i] for i in range(len(answer)) if parts[i] == part]


def _runs(answer, parts, part):
    """The maximal runs of characters labelled `part`."""
    runs, current = [], ""
    for ch, p in zip(answer, parts):
        if p == part:
            current += ch
        elif current:
            runs.append(current)
            current = ""
    return runs + ([current] if current else [])


def test_every_character_of_a_call_gets_its_part(bench):
    parts = bench.char_parts(TWO_CALLS)
    assert len(parts) == len(TWO_CALLS) and set(parts) <= set(bench.PARTS)
    assert _runs(TWO_CALLS, parts, "decision_word") == ["Two"]
    assert _runs(TWO_CALLS, parts, "name") == ['"book_table"', '"ping"']
    assert _runs(TWO_CALLS, parts, "key") == ['"restaurant_name"', '"people"', '"tags"', '"options"']
    # a list or object argument is value throughout, its commas and colons included
    assert _runs(TWO_CALLS, parts, "value") == ['"Trattoria Sole"', "6", '["a, b", "c"]', '{"quiet": true}']
    # the newline between the calls (where the model decides on a second call) is a tag position
    between = TWO_CALLS.index("</tool_call>\n<tool_call>") + len("</tool_call>")
    assert parts[between] == "tags"
    assert "".join(_text_of(TWO_CALLS, parts, "think")) == " requests, so I'll call book_table twice."


def test_a_stated_decision_is_the_decision_word_wherever_it_stands(bench):
    answer = ('<think>The user wants to book two tables. Two calls: book_table twice.</think>'
              '<tool_call>\n{"name": "book_table", "arguments": {}}\n</tool_call>')
    parts = bench.char_parts(answer)
    assert _runs(answer, parts, "decision_word") == ["Two"]
    assert "".join(_text_of(answer, parts, "think")) == "The user wants to book two tables.  calls: book_table twice."
    declined = "<think>The user wants to fly. No offered tool can do that.</think>Sorry, I can't."
    assert _runs(declined, bench.char_parts(declined), "decision_word") == ["No"]


def test_a_python_literal_call_gets_the_same_parts(bench):
    answer = TWO_CALLS.replace('"', "'")
    assert bench.char_parts(answer) == bench.char_parts(TWO_CALLS)


def test_a_reply_without_a_call_is_reply(bench):
    answer = "<think>No offered tool fits.</think>I can't book flights, sorry."
    parts = bench.char_parts(answer)
    assert _runs(answer, parts, "decision_word") == ["No"]
    assert "".join(_text_of(answer, parts, "reply")).replace(" ", "") == "Ican'tbookflights,sorry."
    assert not {"name", "key", "value"} & set(parts)


def test_tokens_take_the_part_of_their_first_visible_character(bench, tokenizer):
    from helpers.chat import add_tool_tokens

    add_tool_tokens(tokenizer)
    ids, parts = bench.token_parts(tokenizer, TWO_CALLS)
    assert ids == tokenizer(TWO_CALLS, add_special_tokens=False)["input_ids"] and len(parts) == len(ids)
    pieces = lambda part: "".join(tokenizer.decode([i]) for i, p in zip(ids, parts) if p == part)  # noqa: E731
    assert pieces("decision_word") == "Two"
    assert "book_table" in pieces("name") and "Trattoria Sole" in pieces("value")
    assert "restaurant_name" in pieces("key") and "restaurant_name" not in pieces("value")
    assert parts[0] == "tags" and tokenizer.decode([ids[0]]) == "<think>"


def test_losses_are_those_of_the_reference_tokens(bench, tiny_model_dir, shipped_rows):
    import torch

    from helpers.chat import END_OF_TURN
    from helpers.evaluation import example_from_row
    from helpers.profiles import get_profile
    from helpers.training import load_base

    model, tokenizer, _ = load_base(tiny_model_dir, get_profile("cpu"))
    row = next(r for r in shipped_rows["test"] if len(example_from_row(r)["expected"]) == 1)
    end_id = tokenizer.convert_tokens_to_ids(END_OF_TURN["chatml"])
    got = bench.answer_loss(model, tokenizer, row, end_id)

    prompt = tokenizer.apply_chat_template(example_from_row(row)["prompt"], add_generation_prompt=True,
                                           tokenize=True, return_dict=True)["input_ids"]
    answer = next(m["content"] for m in row["messages"] if m["role"] == "assistant")
    ids, parts = bench.token_parts(tokenizer, answer)
    ids = ids + [end_id]
    with torch.no_grad():
        nll = [-float(torch.log_softmax(model(torch.tensor([prompt + ids[:k]])).logits[0, -1].float(), -1)[ids[k]])
               for k in range(len(ids))]
    assert "decision_word" in parts and len(set(parts)) >= 6
    for part in bench.PARTS:  # the last token, the end of turn, is a tag position
        want = sum(n for n, p in zip(nll, parts + ["tags"]) if p == part)
        assert got["loss"][part] == pytest.approx(want, rel=1e-3, abs=1e-3), part
    assert got["calls"] == 1 and not got["calls_top1"]  # a random model

    s = bench.summary([got, got])
    assert s["rows"] == 2 and s["nats_per_row"]["value"] == pytest.approx(got["loss"]["value"], abs=1e-3)
    assert math.isclose(sum(s["share"].values()), 1.0, abs_tol=0.01)


def test_an_answer_without_a_decision_word_is_scored_too(bench, tiny_model_dir, shipped_rows):
    """An empty think or none at all (other data) has no decision word: decision_top1 is False."""
    import copy
    import re

    from helpers.chat import END_OF_TURN
    from helpers.evaluation import example_from_row
    from helpers.profiles import get_profile
    from helpers.training import load_base

    model, tokenizer, _ = load_base(tiny_model_dir, get_profile("cpu"))
    end_id = tokenizer.convert_tokens_to_ids(END_OF_TURN["chatml"])
    row = next(r for r in shipped_rows["test"] if len(example_from_row(r)["expected"]) == 1)
    for think in ("<think></think>", ""):
        bare = copy.deepcopy(row)
        turn = next(m for m in bare["messages"] if m["role"] == "assistant")
        turn["content"] = re.sub(r"<think>.*?</think>", think, turn["content"], flags=re.S)
        got = bench.answer_loss(model, tokenizer, bare, end_id)
        assert got["decision_top1"] is False and got["loss"]["decision_word"] == 0 and got["loss"]["name"] > 0
