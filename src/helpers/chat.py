"""Chat templates and special tokens for tool-calling conversations.

Two templates, both with `{% generation %}` blocks so that trl's `assistant_only_loss` puts the
loss on assistant turns only: ChatML (SmolLM2 and other `<|im_start|>` models) and Gemma-2 (no
system role: the system prompt is merged into the first user turn). Dataset roles (`human`,
`model`, `tool`) are mapped to the model's own; a tool response is a user turn holding a
`<tool_response>` block. Training and inference render through the same template.
"""

from __future__ import annotations

from .formats import TOOL_TAGS

_ROLE_MAP = (
    "{%- set roles = {'system': 'system', 'human': 'user', 'user': 'user', 'tool': 'user', "
    "'model': 'assistant', 'assistant': 'assistant', 'gpt': 'assistant'} -%}"
)

CHATML_TEMPLATE = _ROLE_MAP + (
    "{%- for message in messages -%}"
    "{%- set role = roles.get(message['role'], message['role']) -%}"
    "{%- if role == 'assistant' -%}"
    "{{- '<|im_start|>assistant\n' -}}"
    "{%- generation -%}{{- message['content'] + '<|im_end|>' -}}{%- endgeneration -%}"
    "{{- '\n' -}}"
    "{%- else -%}"
    "{{- '<|im_start|>' + role + '\n' + message['content'] + '<|im_end|>\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\n' -}}{%- endif -%}"
)

GEMMA_TEMPLATE = _ROLE_MAP + (
    "{{- bos_token -}}"
    "{%- set ns = namespace(system='') -%}"
    "{%- for message in messages -%}"
    "{%- set role = roles.get(message['role'], message['role']) -%}"
    "{%- if role == 'system' -%}"
    "{%- set ns.system = message['content'] + '\n\n' -%}"
    "{%- elif role == 'assistant' -%}"
    "{{- '<start_of_turn>model\n' -}}"
    "{%- generation -%}{{- message['content'] + '<end_of_turn>' -}}{%- endgeneration -%}"
    "{{- '\n' -}}"
    "{%- else -%}"
    "{{- '<start_of_turn>user\n' + ns.system + message['content'] + '<end_of_turn>\n' -}}"
    "{%- set ns.system = '' -%}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<start_of_turn>model\n' -}}{%- endif -%}"
)

END_OF_TURN = {"chatml": "<|im_end|>", "gemma": "<end_of_turn>"}


def template_family(model_type: str) -> str:
    """`gemma` for Gemma models, `chatml` for everything else."""
    return "gemma" if model_type.startswith("gemma") else "chatml"


def set_chat_template(tokenizer, family: str) -> None:
    """Install the course's template for `family` on `tokenizer`."""
    tokenizer.chat_template = {"chatml": CHATML_TEMPLATE, "gemma": GEMMA_TEMPLATE}[family]


def end_of_turn_ids(tokenizer, family: str) -> list[int]:
    """Token ids that end an assistant turn (generation stops at any of them)."""
    ids = {tokenizer.convert_tokens_to_ids(END_OF_TURN[family]), tokenizer.eos_token_id}
    return sorted(i for i in ids if i is not None and i != tokenizer.unk_token_id)


def single_token_ids(tokenizer, tags=TOOL_TAGS) -> dict[str, list[int]]:
    """How each tag encodes; after `add_tool_tokens` every list has exactly one id."""
    return {tag: tokenizer.encode(tag, add_special_tokens=False) for tag in tags}


def add_tool_tokens(tokenizer, model=None, tags=TOOL_TAGS) -> list[int]:
    """Add the tool tags as special tokens (and a pad token if missing); return their ids.

    With a model, its embeddings are resized and each new row starts as the mean of the rows of
    the sub-tokens the tag used to split into (input and, if untied, output embeddings), so the
    new tokens begin near what the model already associates with the tag's text.
    """
    missing = [t for t in tags if len(tokenizer.encode(t, add_special_tokens=False)) != 1]
    pieces = {t: tokenizer.encode(t, add_special_tokens=False) for t in missing}
    if missing:
        tokenizer.add_special_tokens({"additional_special_tokens": missing}, replace_extra_special_tokens=False)
    if tokenizer.pad_token is None:
        tokenizer.add_special_tokens({"pad_token": "<pad>"})
    ids = [tokenizer.convert_tokens_to_ids(t) for t in tags]
    bad = {t: p for t, p in single_token_ids(tokenizer, tags).items() if len(p) != 1}
    if bad:
        raise ValueError(f"tags that do not encode to exactly one id: {bad}")
    if model is not None:
        _resize_with_subtoken_mean(model, len(tokenizer), {tokenizer.convert_tokens_to_ids(t): p for t, p in pieces.items()})
    return ids


def _resize_with_subtoken_mean(model, vocab_size: int, pieces: dict[int, list[int]]) -> None:
    import torch

    if model.get_input_embeddings().weight.shape[0] == vocab_size and not pieces:
        return
    old_in = model.get_input_embeddings().weight.detach().clone()
    out = model.get_output_embeddings()
    tied = out is None or out.weight is model.get_input_embeddings().weight
    old_out = None if tied else out.weight.detach().clone()
    model.resize_token_embeddings(vocab_size, mean_resizing=False)
    with torch.no_grad():
        for new_id, sub_ids in pieces.items():
            model.get_input_embeddings().weight[new_id] = old_in[sub_ids].mean(0)
            if old_out is not None:
                model.get_output_embeddings().weight[new_id] = old_out[sub_ids].mean(0)


def family_of(tokenizer) -> str:
    """The template family installed on `tokenizer`."""
    return "gemma" if "<start_of_turn>" in (tokenizer.chat_template or "") else "chatml"
