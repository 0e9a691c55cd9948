"""benchmarks/demo_settings.py: settings parse, and a tiny run trains and scores each setting per seed."""

from __future__ import annotations

import argparse
import json

import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("demo_settings")


def test_setting_is_steps_by_batch(bench):
    assert bench.parse_setting("52x4") == (52, 4)
    with pytest.raises(argparse.ArgumentTypeError, match="STEPSxBATCH"):
        bench.parse_setting("52-4")


def test_a_tiny_run_scores_every_setting_and_seed(bench, tiny_model_dir, tmp_path, capsys):
    rc = bench.main(["--model", tiny_model_dir, "--setting", "2x2", "--setting", "1x4", "--seeds", "0", "1",
                     "--rows", "2", "--max-new-tokens", "4", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith('{"')]
    assert rc == 0 and [(r["steps"], r["batch_size"], r["seed"]) for r in lines] == [
        (2, 2, 0), (2, 2, 1), (1, 4, 0), (1, 4, 1)]
    assert all(r["rows_trained"] == 4 and sum(r["test_labels"].values()) == 2 for r in lines)
    assert "| 2 x 2 |" in out and "| 1 x 4 |" in out
    assert (tmp_path / "1x4-seed1" / "adapter" / "course_meta.json").is_file()
    assert (tmp_path / "1x4-seed1" / "predictions_after_unseen.jsonl").is_file()
