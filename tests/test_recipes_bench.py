"""benchmarks/recipes.py: the public recipe is the one the issue names, and a tiny run measures both."""

from __future__ import annotations

import dataclasses
import json

import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("recipes")


def test_public_recipe_is_the_notebooks_under_todays_names(bench, tmp_path):
    from peft import LoraConfig
    from trl import SFTConfig

    lora = LoraConfig(**bench.PUBLIC_LORA)
    assert (lora.r, lora.lora_alpha, lora.lora_dropout) == (16, 64, 0.05)
    assert lora.target_modules == "all-linear" and "embed_tokens" in lora.modules_to_save
    sft = SFTConfig(output_dir=str(tmp_path), use_cpu=True, **bench.PUBLIC_SFT)
    assert sft.packing and not sft.assistant_only_loss and sft.max_length == 1500
    assert (sft.per_device_train_batch_size, sft.gradient_accumulation_steps) == (1, 4)
    assert sft.learning_rate == 1e-4 and sft.lr_scheduler_type == "cosine" and sft.warmup_steps == 0.1
    assert set(bench.PUBLIC_SFT) <= {f.name for f in dataclasses.fields(SFTConfig)}


def test_a_tiny_run_measures_both_recipes(bench, tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "out"
    rc = bench.main(["--model", tiny_model_dir, "--steps-public", "2", "--steps-course", "2", "--evals", "2",
                     "--eval-rows", "2", "--max-new-tokens", "4", "--out", str(out)])
    assert rc == 0
    public, course = (json.loads((out / f"{name}.json").read_text()) for name in ("public", "course"))
    for result in (public, course):
        assert result["steps"] == 2
        assert [p["step"] for p in result["curve"]] == [1, 2]
        assert result["curve"][0]["tokens"] < result["curve"][1]["tokens"]
        assert 0 < result["train_seconds"] and 0 < result["tokens_per_second"]
        assert set(result["final_exact_match"]) == {"test", "unseen"} and result["peak_rss_mb"] > 0
    # the whole embedding travels with the public adapter; the course one keeps 8 token rows
    assert public["adapter_mb"] > 5 * course["adapter_mb"]
    table = capsys.readouterr().out
    assert "| | (a) public | (b) course |" in table and "adapter on disk" in table
