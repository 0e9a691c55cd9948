"""Shared fixtures: the real SmolLM2 tokenizer (from the embedded GGUF) and a tiny random model.

The tiny model has SmolLM2's vocabulary and architecture family but 2 small layers, so tests that
need weights (training, saving, loading) run in seconds; its outputs mean nothing.
"""

from __future__ import annotations

import json
import os
import warnings

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
warnings.filterwarnings("ignore", category=UserWarning)
warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="session")
def load_benchmark():
    """`load_benchmark("recipes")` imports `benchmarks/recipes.py` (the scripts are not a package)."""
    import importlib.util
    from pathlib import Path

    def load(name: str):
        path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(f"{name}_benchmark", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope="session")
def smol_path():
    from helpers.models import EMBEDDED_DEFAULT, resolve_model

    return resolve_model(EMBEDDED_DEFAULT)


@pytest.fixture
def tokenizer(smol_path):
    """A fresh SmolLM2 tokenizer (tests mutate it)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(smol_path)


@pytest.fixture(scope="session")
def tiny_model_dir(smol_path, tmp_path_factory):
    """A 2-layer random Llama with SmolLM2's tokenizer, saved like a hub checkpoint."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    config = AutoConfig.from_pretrained(smol_path)
    config.update(dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=2, head_dim=8))
    model = AutoModelForCausalLM.from_config(config)
    path = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(path)
    AutoTokenizer.from_pretrained(smol_path).save_pretrained(path)
    return str(path)


@pytest.fixture(scope="session")
def shipped_rows():
    from helpers.data import load_conversations
    from helpers.training import SHIPPED

    return {s: load_conversations(SHIPPED / f"{s}.jsonl")[0] for s in ("train", "test", "unseen")}


def write_jsonl(path, rows) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    return str(path)


@pytest.fixture(scope="session")
def tiny_gemma2_dir(smol_path, tmp_path_factory, load_benchmark):
    """A tiny random Gemma-2 (its real config class: eager attention, attention and final logit
    soft-capping, tied embeddings) with a tokenizer of Gemma's shape, saved like a hub checkpoint.

    The tokenizer is SmolLM2's plus Gemma's specials as bos/eos/pad and turn markers, so the package
    picks the Gemma template (model_type gemma2) and the vocabulary matches the config.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(smol_path)
    tokenizer.add_special_tokens({"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>",
                                  "additional_special_tokens": ["<start_of_turn>", "<end_of_turn>"]})
    config = load_benchmark("gpu_profiles").gemma2_config(toy=True)
    config.update(dict(vocab_size=len(tokenizer), max_position_embeddings=1024, bos_token_id=tokenizer.bos_token_id,
                       eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id))
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager")
    path = tmp_path_factory.mktemp("tiny-gemma2")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)
