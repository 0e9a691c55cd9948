"""Adapter size on disk, for the embedded default and for google/gemma-2-2b-it's architecture.

The gemma model is built from its config with random weights (nothing is downloaded): the size
of a LoRA adapter depends only on the shapes. Each model is saved twice through the package's
own code path: as the course saves it (LoRA + the new tokens' rows) and with peft's default
`save_embedding_layers="auto"`, which writes the whole resized embedding matrix, as the public
notebook's 2.48 GB adapter did.

    .venv/bin/python benchmarks/adapter_size.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpers.formats import TOOL_TAGS  # noqa: E402
from helpers.profiles import PROFILES  # noqa: E402
from helpers.training import TrainConfig, adapter_size_bytes, build_peft_model, load_base  # noqa: E402

PUBLIC_NOTEBOOK_BYTES = 2.48e9


def sizes(peft_model) -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        # "auto" saves the embeddings only when peft can tell the vocabulary was resized, which for a
        # model built from a config (no hub name) it cannot: True forces the public notebook's behaviour
        for mode, embed in (("course", False), ("peft_default", "auto"), ("with_embeddings", True)):
            path = Path(tmp) / mode
            peft_model.save_pretrained(path, save_embedding_layers=embed)
            out[f"{mode}_bytes"] = adapter_size_bytes(path)
    trainable, _ = peft_model.get_nb_trainable_parameters()
    out["trainable_parameters"] = trainable
    return out


def smollm2() -> dict:
    model, _, new_ids = load_base("smollm2-135m-instruct", PROFILES["cpu"])
    return sizes(build_peft_model(model, new_ids, TrainConfig()))


def gemma2_2b() -> dict:
    from transformers import AutoModelForCausalLM, Gemma2Config

    config = Gemma2Config()  # its defaults are gemma-2-2b's published sizes
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    vocab = config.vocab_size
    model.resize_token_embeddings(vocab + len(TOOL_TAGS), mean_resizing=False)
    return sizes(build_peft_model(model, list(range(vocab, vocab + len(TOOL_TAGS))), TrainConfig()))


if __name__ == "__main__":
    report = {"smollm2-135m-instruct": smollm2(), "google/gemma-2-2b-it (random init, bf16)": gemma2_2b(),
              "public_notebook_bytes": PUBLIC_NOTEBOOK_BYTES}
    print(json.dumps(report, indent=2))
    for name, r in report.items():
        if isinstance(r, dict):
            print(f"{name:42} course {r['course_bytes'] / 1e6:8.1f} MB   peft default {r['peft_default_bytes'] / 1e6:8.1f} MB"
                  f"   with embeddings {r['with_embeddings_bytes'] / 1e6:8.1f} MB"
                  f"   (public notebook {PUBLIC_NOTEBOOK_BYTES / 1e9:.2f} GB)")
