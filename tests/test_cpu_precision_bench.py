"""benchmarks/cpu_precision.py: both CPU profiles train the same rows, in an order that shares drift."""

from __future__ import annotations

import json

from conftest import write_jsonl


def test_order_alternates_which_profile_runs_first(load_benchmark):
    bench = load_benchmark("cpu_precision")
    assert bench.run_order(2) == ["cpu", "cpu-bf16", "cpu-bf16", "cpu"]
    assert bench.run_order(1) == ["cpu", "cpu-bf16"]


def test_a_tiny_run_times_both_profiles(load_benchmark, tiny_model_dir, shipped_rows, tmp_path):
    bench = load_benchmark("cpu_precision")
    data = write_jsonl(tmp_path / "train.jsonl", [
        {"id": r["id"], "conversations": r["messages"]} for r in shipped_rows["train"][:8]])
    assert bench.main(["--model", tiny_model_dir, "--data", data, "--steps", "2", "--repeats", "2",
                       "--out", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    for profile in ("cpu", "cpu-bf16"):
        assert len(report[profile]["seconds_per_step"]) == 2 and min(report[profile]["seconds_per_step"]) > 0
    # the same rows and seed: bfloat16 autocast changes the loss only in its last digits
    assert abs(report["cpu"]["mean_loss"] - report["cpu-bf16"]["mean_loss"]) < 0.02 * report["cpu"]["mean_loss"]
