import pytest
import torch

from helpers.chat import (
    CHATML_TEMPLATE,
    GEMMA_TEMPLATE,
    add_tool_tokens,
    end_of_turn_ids,
    set_chat_template,
    single_token_ids,
    template_family,
)
from helpers.formats import TOOL_TAGS, format_think, format_tool_call, format_tool_response, system_prompt

TOOLS = [{"name": "get_weather", "description": "Weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
CONVERSATION = [
    {"role": "system", "content": system_prompt(TOOLS)},
    {"role": "human", "content": "Weather in Oslo?"},
    {"role": "model", "content": format_think("I'll call get_weather.") + format_tool_call("get_weather", {"city": "Oslo"})},
    {"role": "tool", "content": format_tool_response("get_weather", {"temp_c": 3})},
    {"role": "model", "content": "It is 3 degrees C in Oslo."},
]


def test_tags_split_before_and_are_single_tokens_after(tokenizer):
    before = single_token_ids(tokenizer)
    assert all(len(ids) > 1 for ids in before.values()), before
    ids = add_tool_tokens(tokenizer)
    after = single_token_ids(tokenizer)
    assert [after[t] for t in TOOL_TAGS] == [[i] for i in ids]
    assert len(set(ids)) == len(TOOL_TAGS)
    assert tokenizer.pad_token is not None
    # a second call adds nothing
    n = len(tokenizer)
    assert add_tool_tokens(tokenizer) == ids and len(tokenizer) == n


def test_misspelled_tag_leaves_the_real_tag_split(tokenizer):
    """The public notebook registered `<tool_reponse>`: the check below is how a learner catches it."""
    add_tool_tokens(tokenizer, tags=("<tool_reponse>",))
    assert len(single_token_ids(tokenizer)["<tool_response>"]) > 1


def test_new_rows_start_at_subtoken_mean(tokenizer, tiny_model_dir):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    old = model.get_input_embeddings().weight.detach().clone()
    pieces = single_token_ids(tokenizer)
    ids = add_tool_tokens(tokenizer, model)
    emb = model.get_input_embeddings().weight
    assert emb.shape[0] == len(tokenizer)
    for tag, new_id in zip(TOOL_TAGS, ids):
        torch.testing.assert_close(emb[new_id], old[pieces[tag]].mean(0))
    assert torch.equal(emb[: old.shape[0]], old)
    assert model.get_output_embeddings().weight is emb  # still tied


def _render(tokenizer, family, messages, **kw):
    set_chat_template(tokenizer, family)
    return tokenizer.apply_chat_template(messages, tokenize=False, **kw)


def test_chatml_maps_dataset_roles_to_the_models_own(tokenizer):
    text = _render(tokenizer, "chatml", CONVERSATION)
    assert "<|im_start|>human" not in text and "<|im_start|>model" not in text and "<|im_start|>tool" not in text
    assert text.count("<|im_start|>assistant\n") == 2
    assert text.count("<|im_start|>user\n") == 2  # the question and the tool response
    assert text.startswith("<|im_start|>system\n" + system_prompt(TOOLS))


def test_gemma_merges_system_into_first_user_turn(tokenizer):
    text = _render(tokenizer, "gemma", CONVERSATION)
    assert text.startswith(tokenizer.bos_token + "<start_of_turn>user\n" + system_prompt(TOOLS) + "\n\nWeather in Oslo?")
    assert "<start_of_turn>system" not in text and "<start_of_turn>human" not in text
    assert "<start_of_turn>tool" not in text
    assert text.count("<start_of_turn>model\n") == 2 and text.count("<end_of_turn>") == 4


@pytest.mark.parametrize("family", ["chatml", "gemma"])
def test_inference_prompt_is_a_prefix_of_the_training_text(tokenizer, family):
    prompt = _render(tokenizer, family, CONVERSATION[:2], add_generation_prompt=True)
    full = _render(tokenizer, family, CONVERSATION)
    assert full.startswith(prompt)
    assert full[len(prompt):].startswith(CONVERSATION[2]["content"])


@pytest.mark.parametrize("family", ["chatml", "gemma"])
def test_assistant_mask_covers_exactly_the_model_turns(tokenizer, family):
    add_tool_tokens(tokenizer)
    set_chat_template(tokenizer, family)
    enc = tokenizer.apply_chat_template(CONVERSATION, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    ids, mask = enc["input_ids"], enc["assistant_masks"]
    masked = [i for i, m in zip(ids, mask) if m]
    eot = {"chatml": "<|im_end|>", "gemma": "<end_of_turn>"}[family]
    expected = CONVERSATION[2]["content"] + eot + CONVERSATION[4]["content"] + eot
    assert tokenizer.decode(masked) == expected
    if family == "chatml":  # one end-of-turn token per assistant turn carries loss
        eot_id = tokenizer.convert_tokens_to_ids(eot)
        assert sum(1 for i, m in zip(ids, mask) if m and i == eot_id) == 2
    else:  # the template writes BOS; tokenizing must not add a second one
        assert ids.count(tokenizer.bos_token_id) == 1 and ids[0] == tokenizer.bos_token_id


def test_assistant_mask_never_empty_on_shipped_rows(tokenizer, shipped_rows):
    from helpers.data import canonical_messages

    add_tool_tokens(tokenizer)
    set_chat_template(tokenizer, "chatml")
    for row in shipped_rows["train"][:300]:
        enc = tokenizer.apply_chat_template(canonical_messages(row), tokenize=True, return_dict=True,
                                            return_assistant_tokens_mask=True)
        assert 1 in enc["assistant_masks"], row["id"]


def test_family_and_end_of_turn(tokenizer):
    assert template_family("gemma2") == "gemma" and template_family("llama") == "chatml"
    assert end_of_turn_ids(tokenizer, "chatml") == [tokenizer.convert_tokens_to_ids("<|im_end|>")]
    assert "{% generation %}" in CHATML_TEMPLATE.replace("{%- generation -%}", "{% generation %}")
    assert "generation" in GEMMA_TEMPLATE
