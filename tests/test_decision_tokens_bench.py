"""benchmarks/decision_tokens.py reads the probability at the right positions."""

from __future__ import annotations


import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("decision_tokens")


def _next_token_probability(model, tokenizer, prompt_ids, answer_ids, k):
    """P(answer_ids[k]) given the prompt and answer_ids[:k], from a forward pass that ends there."""
    import torch

    with torch.no_grad():
        logits = model(torch.tensor([prompt_ids + answer_ids[:k]])).logits[0, -1].float()
    return float(torch.softmax(logits, -1)[answer_ids[k]])


def test_probabilities_are_those_of_the_reference_tokens(bench, tiny_model_dir, shipped_rows):
    from helpers.evaluation import example_from_row
    from helpers.profiles import get_profile
    from helpers.training import load_base

    model, tokenizer, _ = load_base(tiny_model_dir, get_profile("cpu"))
    row = next(r for r in shipped_rows["test"] if len(example_from_row(r)["expected"]) == 2)
    got = bench.decision_probabilities(model, tokenizer, row)

    prompt = tokenizer.apply_chat_template(example_from_row(row)["prompt"], add_generation_prompt=True,
                                           tokenize=True, return_dict=True)["input_ids"]
    answer = next(m["content"] for m in row["messages"] if m["role"] == "assistant")
    ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
    after_call = ids.index(tokenizer.convert_tokens_to_ids("</tool_call>")) + 1
    neighbours = {_next_token_probability(model, tokenizer, prompt, ids, k) for k in (2, after_call + 1)}
    assert got["p_first_word"] not in neighbours and got["p_another_call"] not in neighbours
    assert got["calls"] == 2 and got["first_word"] == tokenizer.decode([ids[1]]).strip()
    assert got["p_first_word"] == pytest.approx(_next_token_probability(model, tokenizer, prompt, ids, 1), rel=1e-3)
    assert got["p_another_call"] == pytest.approx(
        _next_token_probability(model, tokenizer, prompt, ids, after_call), rel=1e-3)
