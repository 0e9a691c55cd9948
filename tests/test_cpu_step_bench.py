"""benchmarks/cpu_step.py: three code paths train the same rows, in an order that shares drift."""

from __future__ import annotations

import json
from contextlib import ExitStack

from conftest import write_jsonl

from helpers import training
from helpers.profiles import PROFILES


def test_order_runs_each_variant_early_and_late(load_benchmark):
    bench, shared = load_benchmark("cpu_step"), load_benchmark("cpu_precision")
    assert shared.run_order(2, bench.VARIANTS) == ["trl-head", "plain-head", "shipped", "shipped", "plain-head", "trl-head"]


def test_patches_restore_the_shipped_path(load_benchmark):
    from trl.kernels import ChunkedLogProbFunction

    bench = load_benchmark("cpu_step")
    shipped_head, shipped_profile = training.token_logprobs, PROFILES["cpu-bf16"]
    with ExitStack() as stack:
        for patch in bench.variant_patches("trl-head"):
            stack.enter_context(patch)
        assert training.token_logprobs == ChunkedLogProbFunction.apply
        assert PROFILES["cpu-bf16"].train_attention == ""
    assert training.token_logprobs is shipped_head and PROFILES["cpu-bf16"] is shipped_profile
    assert bench.variant_patches("shipped") == [] and shipped_profile.train_attention == "eager"


def test_a_tiny_run_times_all_three(load_benchmark, tiny_model_dir, shipped_rows, tmp_path):
    bench = load_benchmark("cpu_step")
    data = write_jsonl(tmp_path / "train.jsonl", [
        {"id": r["id"], "conversations": r["messages"]} for r in shipped_rows["train"][:8]])
    assert bench.main(["--model", tiny_model_dir, "--data", data, "--steps", "2", "--repeats", "1",
                       "--out", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    first = report["trl-head"]["first_losses"][0]
    for variant in bench.VARIANTS:
        assert len(report[variant]["seconds_per_step"]) == 1 and report[variant]["seconds_per_step"][0] > 0
        # the same rows and seed: the code paths change the loss only in its last digits
        assert abs(report[variant]["first_losses"][0] - first) < 0.01 * first
