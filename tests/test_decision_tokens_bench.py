"""benchmarks/decision_tokens.py reads the probability at the right positions."""

from __future__ import annotations


import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("decision_tokens")


def _next_token_probability(model, tokenizer, prompt_ids, answer_ids, k, token=None):
    """P(answer_ids[k], or `token`) given the prompt and answer_ids[:k], from a forward pass that ends there."""
    import torch

    with torch.no_grad():
        logits = model(torch.tensor([prompt_ids + answer_ids[:k]])).logits[0, -1].float()
    return float(torch.softmax(logits, -1)[answer_ids[k] if token is None else token])


def _prompt_and_answer(tokenizer, row):
    from helpers.evaluation import example_from_row

    prompt = tokenizer.apply_chat_template(example_from_row(row)["prompt"], add_generation_prompt=True,
                                           tokenize=True, return_dict=True)["input_ids"]
    answer = next(m["content"] for m in row["messages"] if m["role"] == "assistant")
    return prompt, tokenizer(answer, add_special_tokens=False)["input_ids"]


def test_probabilities_are_those_of_the_reference_tokens(bench, tiny_model_dir, shipped_rows):
    from helpers.evaluation import example_from_row
    from helpers.profiles import get_profile
    from helpers.training import load_base

    model, tokenizer, _ = load_base(tiny_model_dir, get_profile("cpu"))
    row = next(r for r in shipped_rows["test"] if len(example_from_row(r)["expected"]) == 2)
    got = bench.decision_probabilities(model, tokenizer, row)

    prompt, ids = _prompt_and_answer(tokenizer, row)
    after_call = ids.index(tokenizer.convert_tokens_to_ids("</tool_call>")) + 1
    word = next(k for k in range(2, after_call) if tokenizer.decode(ids[:k + 1]).endswith(". Two"))
    neighbours = {_next_token_probability(model, tokenizer, prompt, ids, k) for k in (word + 1, after_call + 1)}
    assert got["p_decision"] not in neighbours and got["p_another_call"] not in neighbours
    assert got["calls"] == 2 and got["decision_word"] == "Two"
    assert got["p_decision"] == pytest.approx(_next_token_probability(model, tokenizer, prompt, ids, word), rel=1e-3)
    assert got["p_another_call"] == pytest.approx(
        _next_token_probability(model, tokenizer, prompt, ids, after_call), rel=1e-3)


def test_one_call_rows_get_the_probability_of_a_wrong_second_call(bench, tiny_model_dir, shipped_rows):
    from helpers.evaluation import example_from_row
    from helpers.profiles import get_profile
    from helpers.training import load_base

    model, tokenizer, _ = load_base(tiny_model_dir, get_profile("cpu"))
    one = next(r for r in shipped_rows["test"] if len(example_from_row(r)["expected"]) == 1)
    none = next(r for r in shipped_rows["test"] if not example_from_row(r)["expected"])
    got = bench.decision_probabilities(model, tokenizer, one)

    prompt, ids = _prompt_and_answer(tokenizer, one)
    after_call = ids.index(tokenizer.convert_tokens_to_ids("</tool_call>")) + 1
    newline = tokenizer("\n", add_special_tokens=False)["input_ids"][0]
    assert got["calls"] == 1 and newline not in ids[after_call:after_call + 1]
    assert got["p_another_call"] == pytest.approx(
        _next_token_probability(model, tokenizer, prompt, ids, after_call, token=newline), rel=1e-3)
    assert "p_another_call" not in bench.decision_probabilities(model, tokenizer, none)
    assert got["decision_word"] == "One" and bench.decision_probabilities(model, tokenizer, none)["decision_word"] == "No"


def test_a_think_without_a_stated_decision_is_read_at_its_first_word(bench):
    from transformers import AutoTokenizer

    from helpers.models import EMBEDDED_DEFAULT, resolve_model

    tokenizer = AutoTokenizer.from_pretrained(resolve_model(EMBEDDED_DEFAULT))
    assert bench.decision_word_index(tokenizer, "<think>I'll call f. Then g.</think><tool_call>") == 1
    answer = "<think>The user wants to go. Two calls: f and g.</think>"
    ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode([ids[bench.decision_word_index(tokenizer, answer)]]).strip() == "Two"
