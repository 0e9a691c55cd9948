"""Schema-guided decoding: which call prefixes stay valid, and how the logits processor picks tokens."""

from __future__ import annotations

import json

import pytest

from helpers.guided import GuidedCalls, call_prefix_state

TOOLS = {
    "book_table": {
        "type": "object",
        "properties": {
            "restaurant": {"type": "string"},
            "people": {"type": "integer"},
            "time": {"type": "string", "enum": ["18:00", "19:30"]},
            "budget": {"type": "number"},
            "outdoor": {"type": "boolean"},
            "dishes": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["restaurant", "people"],
    },
    "get_time": {"type": "object", "properties": {}},
}


def call(name, arguments):
    return json.dumps({"name": name, "arguments": arguments})


VALID = [
    call("book_table", {"restaurant": "Sole \"Nuevo\"", "people": 4}),
    call("book_table", {"people": -2, "restaurant": "a", "time": "19:30", "budget": 12.5e1, "outdoor": False,
                        "dishes": ["soup", "tea"]}),
    call("get_time", {}),
    '\n{ "name":"book_table" , "arguments" : {"restaurant":"x","people":0,"dishes":[]} }\n',
]


@pytest.mark.parametrize("text", VALID)
def test_a_valid_call_is_complete_and_every_prefix_partial(text):
    assert call_prefix_state(text, TOOLS) == "complete"
    for end in range(len(text.rstrip())):
        assert call_prefix_state(text[:end], TOOLS) == "partial", text[:end]


@pytest.mark.parametrize("text, why", [
    ('{"name": "book_tables"', "no such tool"),
    ('{"name": "get_weather", ', "no such tool"),
    ('{"arguments": {}', "name comes first"),
    ('Sure: {"name"', "text before the object"),
    ('{"name": "get_time", "arguments": {"x', "get_time takes no argument"),
    ('{"name": "book_table", "arguments": {"city', "unknown key"),
    ('{"name": "book_table", "arguments": {"people": 2, "people"', "a key twice"),
    ('{"name": "book_table", "arguments": {"people": "2', "string for an integer"),
    ('{"name": "book_table", "arguments": {"people": 2.5', "float for an integer"),
    ('{"name": "book_table", "arguments": {"people": 02', "leading zero"),
    ('{"name": "book_table", "arguments": {"time": "20', "not an enum value"),
    ('{"name": "book_table", "arguments": {"outdoor": yes', "not a boolean"),
    ('{"name": "book_table", "arguments": {"dishes": ["soup", 3', "wrong item type"),
    ('{"name": "book_table", "arguments": {"dishes": "soup', "string for an array"),
    ('{"name": "book_table", "arguments": {"people": 2}', "closed before the required restaurant"),
    ('{"name": "book_table", "arguments": {"restaurant": "a\nb', "raw newline inside a string"),
    ('{"name": "book_table", "arguments": {"restaurant": "a", "people": 2}} extra', "text after the call"),
    ('{"name": "book_table", "arguments": {"restaurant": "a", "people": 2, "time": "18:00", "budget": 1, '
     '"outdoor": true, "dishes": [],', "a comma after the last possible key"),
])
def test_invalid_prefixes(text, why):
    assert call_prefix_state(text, TOOLS) == "invalid", why


def test_open_ended_schemas_accept_any_json_value():
    tools = {"run": {"type": "object", "properties": {"options": {"type": "object"}, "anything": {}}}}
    text = call("run", {"options": {"a": [1, {"b": None}], "c": "d"}, "anything": [True, "x", 1.5]})
    assert call_prefix_state(text, tools) == "complete"
    assert call_prefix_state('{"name": "run", "arguments": {"anything": nul', tools) == "partial"


# --- the logits processor, on the real SmolLM2 tokenizer with the tag tokens --------------------------


@pytest.fixture
def tagged(tokenizer):
    from helpers.chat import add_tool_tokens

    add_tool_tokens(tokenizer)
    return tokenizer


def _scores(tokenizer, ranked: list[str]):
    """Scores over the vocabulary where `ranked` texts (one token each) come first, in that order."""
    import torch

    scores = torch.zeros(1, len(tokenizer))
    for rank, text in enumerate(ranked):
        (token,) = tokenizer.encode(text, add_special_tokens=False)
        scores[0, token] = 100.0 - rank
    return scores


def _ids(tokenizer, prompt: str, generated: str):
    import torch

    prompt_ids = tokenizer.encode(prompt, add_special_tokens=False)
    return torch.tensor([prompt_ids + tokenizer.encode(generated, add_special_tokens=False)]), len(prompt_ids)


def test_guidance_skips_a_token_the_schema_forbids_and_counts_it(tagged):
    ids, prompt_length = _ids(tagged, "Book it.", '<think>ok</think><tool_call>\n{"name": "book_table", "arguments": {"')
    guide = GuidedCalls(tagged, [[{"name": "book_table", "parameters": TOOLS["book_table"]}]], prompt_length)
    scores = guide(ids, _scores(tagged, ["city", "people"]))
    assert tagged.decode([int(scores[0].argmax())]) == "people"
    assert guide.changed == [1]


def test_guidance_keeps_the_model_choice_when_it_is_valid(tagged):
    ids, prompt_length = _ids(tagged, "Book it.", '<tool_call>\n{"name": "book_table", "arguments": {"')
    guide = GuidedCalls(tagged, [[{"name": "book_table", "parameters": TOOLS["book_table"]}]], prompt_length)
    scores = guide(ids, _scores(tagged, ["people", "city"]))
    assert tagged.decode([int(scores[0].argmax())]) == "people" and guide.changed == [0]


def test_the_closing_tag_waits_for_a_complete_call(tagged):
    tools = [[{"name": "book_table", "parameters": TOOLS["book_table"]}]]
    ids, n = _ids(tagged, "Book it.", '<tool_call>\n{"name": "book_table", "arguments": {"people": 2')
    scores = GuidedCalls(tagged, tools, n)(ids, _scores(tagged, ["</tool_call>", "}}", ","]))
    assert tagged.decode([int(scores[0].argmax())]) == ","  # the required restaurant is still missing
    ids, n = _ids(tagged, "Book it.", '<tool_call>\n{"name": "book_table", "arguments": {"people": 2, "restaurant": "a"}}\n')
    scores = GuidedCalls(tagged, tools, n)(ids, _scores(tagged, ["</tool_call>", ","]))
    assert tagged.decode([int(scores[0].argmax())]) == "</tool_call>"


def test_text_outside_calls_is_left_alone(tagged):
    tools = [[{"name": "book_table", "parameters": TOOLS["book_table"]}]]
    for generated in ("<think>I'll book", '<tool_call>\n{"name": "book_table", "arguments": {}}\n</tool_call>\n'):
        ids, n = _ids(tagged, "Book it.", generated)
        before = _scores(tagged, ["city", "people"])
        assert GuidedCalls(tagged, tools, n)(ids, before.clone()).equal(before)
    # a `<tool_call>` in the prompt does not count: only generated tokens open a call
    ids, n = _ids(tagged, 'Write <tool_call>\n{"name": "', "")
    assert GuidedCalls(tagged, tools, n)(ids, _scores(tagged, ["city"])).argmax() == _scores(tagged, ["city"]).argmax()


def test_without_the_tag_tokens_guidance_does_nothing(tokenizer):
    ids, n = _ids(tokenizer, "Book it.", '<tool_call>\n{"name": "')
    guide = GuidedCalls(tokenizer, [[{"name": "book_table", "parameters": TOOLS["book_table"]}]], n)
    before = _scores(tokenizer, ["city"])
    assert not guide.active and guide(ids, before.clone()).equal(before)


def test_unguided_records_regenerate_only_the_rows_guidance_changed(monkeypatch):
    import helpers.evaluation as evaluation

    asked = []

    def fake_evaluate_rows(model, tokenizer, rows, **kwargs):
        asked.append(([r["id"] for r in rows], kwargs))
        return [{"id": r["id"], "label": "fresh"} for r in rows]

    monkeypatch.setattr(evaluation, "evaluate_rows", fake_evaluate_rows)
    rows = [{"id": i} for i in range(3)]
    guided = [{"id": i, "label": "correct", "guided_tokens": n} for i, n in enumerate([0, 2, 0])]
    records = evaluation.unguided_records(None, None, rows, guided, max_new_tokens=5)
    assert evaluation.summarize([{**r, "expected": [], "predicted": []} for r in guided])["changed_rows"] == 1
    assert "changed_rows" not in evaluation.summarize([{**r, "expected": [], "predicted": []} for r in records])
    assert asked == [([1], {"max_new_tokens": 5})]
    assert records == [{"id": 0, "label": "correct"}, {"id": 1, "label": "fresh"}, {"id": 2, "label": "correct"}]


# --- inside a real `generate` loop -------------------------------------------------------------------


class _Prefers:
    """A stand-in for a model's preferences: +50 for the next token of `first`, +40 for that of `second`."""

    def __init__(self, prompt_length: int, first: list[int], second: list[int]):
        self.prompt_length, self.targets = prompt_length, ((first, 50.0), (second, 40.0))

    def __call__(self, input_ids, scores):
        done = input_ids[0, self.prompt_length:].tolist()
        for target, bonus in self.targets:
            if target[: len(done)] == done and len(done) < len(target):
                scores[0, target[len(done)]] += bonus
        return scores


def test_guided_generation_writes_the_valid_call_the_model_ranks_next(tiny_model_dir):
    import torch
    from transformers import LogitsProcessorList

    from helpers.chat import end_of_turn_ids
    from helpers.profiles import get_profile
    from helpers.training import load_base

    model, tokenizer, _ = load_base(tiny_model_dir, get_profile("cpu"))
    tools = [{"name": "book_table", "parameters": TOOLS["book_table"]}]
    stop = end_of_turn_ids(tokenizer, "chatml")
    prompt = tokenizer("<|im_start|>assistant\n", return_tensors="pt", add_special_tokens=False)["input_ids"]
    text = lambda arguments: "<tool_call>\n" + call("book_table", arguments) + "\n</tool_call><|im_end|>"  # noqa: E731
    invalid = text({"city": "Paris", "people": 2})  # book_table has no `city`
    valid = text({"restaurant": "Paris", "people": 2})
    ids = lambda s: tokenizer.encode(s, add_special_tokens=False)  # noqa: E731

    def run(guided: bool):
        guide = GuidedCalls(tokenizer, [tools], prompt.shape[1], stop)
        processors = [_Prefers(prompt.shape[1], ids(invalid), ids(valid))] + ([guide] if guided else [])
        with torch.inference_mode():
            out = model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=40, do_sample=False,
                                 eos_token_id=stop, pad_token_id=tokenizer.pad_token_id,
                                 logits_processor=LogitsProcessorList(processors))
        return tokenizer.decode(out[0, prompt.shape[1]:]), guide.changed[0]

    assert run(guided=False) == (invalid, 0)
    assert run(guided=True) == (valid, 1)  # one token changed, then the model's own next choice all the way
