"""benchmarks/gpu_profiles.py: the toy run on CPU prints sane figures; the full config is gemma-2-2b's."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_profiles.py"
RUN_KEYS = {
    "run", "profile", "dtype", "load_in_4bit", "activation_checkpointing", "batch_size", "grad_accum", "seq_len",
    "steps", "warmup_steps", "memory_cap_gib", "device", "n_params", "trainable_params", "tokens_per_step",
    "seconds", "tokens_per_s", "peak_memory_gib", "peak_reserved_gib", "memory_kind", "flops_per_token",
    "flops_factor", "peak_tflops", "peak_source", "flop_bound_tokens_per_s", "ratio_to_flop_bound",
    "achieved_tflops", "losses",
}


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("gpu_profiles")


def gemma2_params(c: dict, extra_tokens: int) -> int:
    """Parameter count from the config by hand: tied embedding, 4 norms per layer (Gemma-2), final norm."""
    d, hd = c["hidden_size"], c["head_dim"]
    attn = d * c["num_attention_heads"] * hd * 2 + d * c["num_key_value_heads"] * hd * 2
    layer = attn + 3 * d * c["intermediate_size"] + 4 * d
    return (c["vocab_size"] + extra_tokens) * d + c["num_hidden_layers"] * layer + d


def test_toy_run_on_cpu_prints_the_figures_as_json(tmp_path):
    out = tmp_path / "bench.json"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, str(SCRIPT), "--toy", "--out", str(out)], capture_output=True,
                          text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)  # stdout is the JSON document only
    assert json.loads(out.read_text()) == report
    assert report["toy"] is True and report["weights"] == "random" and report["added_tokens"] == 8
    assert "6" in report["formula"] and "peak_flops" in report["formula"]
    [run] = report["runs"]
    assert RUN_KEYS <= set(run), RUN_KEYS - set(run)
    assert run["run"] == "cpu-fp32" and run["profile"] == "cpu" and run["activation_checkpointing"] is False
    assert run["steps"] == 2 and len(run["losses"]) == 2
    # random weights: the loss is about ln(vocabulary)
    assert all(abs(loss - math.log(report["config"]["vocab_size"] + 8)) < 0.5 for loss in run["losses"])
    assert run["n_params"] == gemma2_params(report["config"], 8)
    assert 0 < run["trainable_params"] < run["n_params"]
    assert run["tokens_per_step"] == run["batch_size"] * run["seq_len"] * run["grad_accum"] == 2 * 32
    assert run["seconds"] > 0
    assert run["tokens_per_s"] == pytest.approx(run["steps"] * run["tokens_per_step"] / run["seconds"])
    assert 0.01 < run["peak_memory_gib"] < 64
    assert run["flops_factor"] == 4 and run["flops_per_token"] == 4 * run["n_params"]  # no checkpointing on cpu
    assert run["peak_tflops"] > 0 and run["peak_source"].startswith("measured")
    assert run["flop_bound_tokens_per_s"] == pytest.approx(run["peak_tflops"] * 1e12 / run["flops_per_token"])
    assert 0 < run["ratio_to_flop_bound"] < 1
    assert run["ratio_to_flop_bound"] == pytest.approx(run["tokens_per_s"] / run["flop_bound_tokens_per_s"])


def test_full_config_is_gemma_2_2b(bench):
    config = bench.gemma2_config()
    published = dict(vocab_size=256000, hidden_size=2304, intermediate_size=9216, num_hidden_layers=26,
                     num_attention_heads=8, num_key_value_heads=4, head_dim=256, sliding_window=4096,
                     final_logit_softcapping=30.0, attn_logit_softcapping=50.0, tie_word_embeddings=True,
                     query_pre_attn_scalar=256, hidden_activation="gelu_pytorch_tanh", model_type="gemma2")
    assert {k: getattr(config, k) for k in published} == published
    # gemma-2-2b has 2,614,341,888 parameters; the 8 tool tokens add 8 rows of 2304
    assert bench.count_params(config, extra_tokens=0) == 2_614_341_888
    assert bench.count_params(config) == 2_614_341_888 + 8 * 2304 == gemma2_params(published, 8)


def test_runs_use_the_package_profiles(bench):
    from helpers.profiles import PROFILES

    t4_fp16, cap = bench.run_profile("t4-fp16")
    assert cap == 15 and t4_fp16.fp16 and not t4_fp16.load_in_4bit and t4_fp16.batch_size == PROFILES["t4"].batch_size
    assert bench.run_profile("t4-4bit") == (PROFILES["t4"], 15)
    assert bench.run_profile("a100-bf16") == (PROFILES["a100"], None)
    with pytest.raises(ValueError, match="unknown run"):
        bench.run_profile("v100")
