"""Stage 1 in miniature: pretrain a tiny causal LM from random weights on a short text, on a CPU.

Notebook 1 shows what pretraining *is*: next-token prediction on raw text, with nothing about
turns, questions or answers. The model is an ordinary transformers Llama, only small; the
tokenizer is one id per character of the text, so nothing is downloaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

TINY_TEXT = """\
The weather in the city was cold this morning. The wind came from the north and the sky was grey.
People walked to work with their hands in their pockets, and the cafes were full of warm voices.

A tool is a thing that helps you do a job. A hammer helps you drive a nail, a map helps you find
the way, and a calculator helps you add numbers. A good tool does one job and does it well.

The train left the station at nine. It went along the river, past the old mill and the green
fields, and it stopped in every small town on the way. The people on the train read, talked and
looked out of the window at the fields and the river.

When you ask a question, you want an answer. When you ask for the weather, you want to know if it
is cold or warm, if it will rain, and if you need a coat. When you ask for the time, you want the
hour and the minute.

The shop on the corner sold bread, milk and apples. The owner knew every customer by name. In the
morning the bread was warm, and the smell of it came out into the street and along the road.

In the evening the town was quiet. The lights came on in the windows, one by one, and the last bus
went down the road to the river. A dog barked, a door closed, and then there was only the wind.

The library opened at ten. Children came to read about animals and ships, and old men came to read
the news. The woman at the desk helped them find the books they wanted, and she knew where every
book was kept.

To make tea, you boil the water, put the tea in the pot and wait for three minutes. Then you pour it
into a cup. Some people add milk and some add sugar, but the water must be hot and the pot must be
warm.

The river was wide and slow. In the summer the children swam in it, and in the winter it was cold
and dark. Boats went up and down the river, and the people on the boats waved to the people on the
road.
"""
"""The course's own pretraining corpus: a few plain paragraphs, small enough to learn in a minute."""


class CharTokenizer:
    """One token per distinct character of `text`: the smallest tokenizer that can encode it."""

    def __init__(self, text: str):
        if not text:
            raise ValueError("CharTokenizer: text is empty; give it the corpus to build its vocabulary from")
        self.chars = sorted(set(text))
        self._ids = {c: i for i, c in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        unknown = sorted(set(text) - set(self._ids))
        if unknown:
            raise ValueError(f"CharTokenizer.encode: characters not in the vocabulary: {unknown!r}")
        return [self._ids[c] for c in text]

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


def tiny_config(vocab_size: int, **overrides):
    """A `LlamaConfig` of under a hundred thousand parameters: the architecture of a real LLM, shrunk."""
    from transformers import LlamaConfig

    settings = dict(vocab_size=vocab_size, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                    num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=128,
                    bos_token_id=None, eos_token_id=None, pad_token_id=None, tie_word_embeddings=True)
    return LlamaConfig(**{**settings, **overrides})


@dataclass
class PretrainResult:
    model: object
    losses: list[float] = field(default_factory=list)  # one per optimizer step
    samples: list[tuple[int, str]] = field(default_factory=list)  # (steps done, greedy continuation)

    def describe_samples(self, prompt: str) -> str:
        return "\n".join(f"after {step:4} steps: {prompt}{text!r}" for step, text in self.samples)


def greedy(model, tokenizer: CharTokenizer, prompt: str, n: int = 60) -> str:
    """The `n` characters the model finds most likely after `prompt`, one at a time."""
    import torch

    ids = torch.tensor([tokenizer.encode(prompt)])
    window = model.config.max_position_embeddings
    model.eval()
    with torch.inference_mode():
        for _ in range(n):
            logits = model(input_ids=ids[:, -window:]).logits
            ids = torch.cat([ids, logits[:, -1:].argmax(-1)], dim=1)
    model.train()
    return tokenizer.decode(ids[0, len(prompt):].tolist())


def pretrain_tiny(config, tokenizer: CharTokenizer, text: str, steps: int = 600, batch_size: int = 16,
                  block: int = 64, learning_rate: float = 3e-3, seed: int = 0, prompt: str = "The ",
                  sample_at=(0, 50, 150, 300), sample_chars: int = 60) -> PretrainResult:
    """Train a model built from `config` on random windows of `text`; return its losses and samples.

    Each step takes `batch_size` windows of `block + 1` characters and teaches the model to predict
    every next character (the loss is the cross-entropy of those predictions). Greedy samples from
    `prompt` are taken before the steps in `sample_at` and after the last one. The same `seed` gives
    the same weights, windows, losses and samples.
    """
    import torch
    from transformers import AutoModelForCausalLM

    if steps < 1:
        raise ValueError(f"pretrain_tiny: steps must be at least 1, got {steps}")
    data = torch.tensor(tokenizer.encode(text))
    if len(data) <= block + 1:
        raise ValueError(f"pretrain_tiny: text has {len(data)} characters; it needs more than block+1 = {block + 1}")
    if block > config.max_position_embeddings:
        raise ValueError(f"pretrain_tiny: block={block} exceeds the model's max_position_embeddings="
                         f"{config.max_position_embeddings}")
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(  # linear warmup, then cosine decay to a tenth
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * s / steps))))
    windows = torch.Generator().manual_seed(seed)
    result = PretrainResult(model)
    model.train()
    for step in range(steps):
        if step in sample_at:
            result.samples.append((step, greedy(model, tokenizer, prompt, sample_chars)))
        starts = torch.randint(0, len(data) - block - 1, (batch_size,), generator=windows)
        batch = torch.stack([data[s:s + block + 1] for s in starts.tolist()])
        loss = model(input_ids=batch[:, :-1], labels=batch[:, :-1].clone()).loss
        # labels are the inputs: the model shifts them by one, so each position predicts the next character
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        result.losses.append(loss.item())
    result.samples.append((steps, greedy(model, tokenizer, prompt, sample_chars)))
    return result


def pretraining_plot(result: PretrainResult, vocab_size: int | None = None, title: str = "pretraining loss"):
    """The loss per step, with the steps where samples were taken marked; `vocab_size` adds the
    loss of a uniform guess (log of the vocabulary size), where random weights start."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    ax.plot(range(1, len(result.losses) + 1), result.losses, lw=1)
    if vocab_size:
        ax.axhline(math.log(vocab_size), color="#999", ls=":", label=f"uniform guess: ln {vocab_size}")
    for step, _ in result.samples:
        ax.axvline(max(step, 1), color="#c44e52", alpha=0.3, lw=1)
    ax.set_xlabel("optimizer step (red lines: samples taken)")
    ax.set_ylabel("loss (next character)")
    ax.set_title(title)
    if vocab_size:
        ax.legend()
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    plt.close(fig)
    return fig
