"""Multi-process training through `accelerate launch` (2 CPU processes over gloo), and the shipped configs.

Run by hand like the test does:
    accelerate launch --config_file configs/cpu_ddp.yaml -m helpers train --profile cpu ...
(`accelerate launch --cpu --num_processes 2` starts ONE process in accelerate 1.15: see docs/distributed.md.)
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import write_jsonl

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
LOSS_TOL = 1e-4  # absolute, on a loss of about 10.8: see test_two_cpu_processes_match_one_process

# Runs the CLI with save_adapter/push_adapter wrapped to record which rank calls them (push never uploads).
SPY = """
import os, sys
import helpers.training as t
from helpers.cli import main

def record(what):
    with open(os.environ["SPY_LOG"], "a") as fh:
        fh.write(f"{what} rank={os.environ.get('RANK', 'none')}\\n")

real_save = t.save_adapter

def save_adapter(*args, **kwargs):
    record("save")
    return real_save(*args, **kwargs)

def push_adapter(adapter_dir, repo_id):
    record("push")

t.save_adapter, t.push_adapter = save_adapter, push_adapter
raise SystemExit(main(sys.argv[1:]))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _train(cmd: list[str], out: Path, spy_log: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1",
           "SPY_LOG": str(spy_log), "HF_TOKEN": "test-token-not-real"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=420, env=env, cwd=out.parent)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def _history(out: Path, step: int) -> list[dict]:
    state = json.loads((out / "checkpoints" / f"checkpoint-{step}" / "trainer_state.json").read_text())
    return [h for h in state["log_history"] if "loss" in h]


def test_two_cpu_processes_match_one_process(tiny_model_dir, shipped_rows, tmp_path):
    """2 processes x batch 2 train like 1 process x batch 4, and only rank 0 saves and pushes the adapter.

    Same seed, same data, global batch 4, 3 optimizer steps, lora dropout 0 (the default). Both runs
    see the same 4 rows at each step: accelerate gives rank r the per-device batches r, r + 2, ... of
    the same seeded permutation, which the single process takes 4 at a time. The Trainer divides the
    loss by the labelled tokens of the whole global batch on every rank (`average_tokens_across_devices`)
    and DDP averages the gradients, so both runs compute the same sum over the same tokens; only the
    float32 summation order differs (each rank sums its own tokens, then gloo adds the two). On a loss of
    about 10.8 that moves the logged loss by one float32 ulp, about 1e-6 (measured on the shipped rows:
    9.5e-7, 0, 0 at steps 1-3), so the tolerance is LOSS_TOL = 1e-4 absolute: 100 times the rounding, yet
    well below the change between consecutive steps of this very run (another batch, or one more update,
    moved the loss by 4e-3 and 2e-2; asserted to exceed LOSS_TOL), so a wrong batch or a missed update
    cannot pass. The gradient norm (a doubled or halved gradient shows up by the factor) and the saved
    adapter (step 1 trains nothing at warmup lr 0; steps 2-3 update LoRA A/B and the token rows from the
    seeded init) must agree too.
    """
    data = write_jsonl(tmp_path / "train.jsonl", [
        {"id": r["id"], "conversations": r["messages"]} for r in shipped_rows["train"][:24]])
    spy = tmp_path / "spy_train.py"
    spy.write_text(SPY)
    common = ["train", "--model", tiny_model_dir, "--data", data, "--max-steps", "3", "--save-steps", "3",
              "--lora-r", "4", "--profile", "cpu", "--seed", "0", "--push-to-hub", "someone/tool-adapter",
              # length grouping forms its megabatches per process, so only random order gives both runs the same rows
              "--sampling", "random"]

    one, one_log = tmp_path / "one", tmp_path / "one.spy"
    _train([sys.executable, str(spy), *common, "--out", str(one), "--batch-size", "4"], one, one_log)
    two, two_log = tmp_path / "two", tmp_path / "two.spy"
    _train([sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(CONFIGS / "cpu_ddp.yaml"),
            "--num_processes", "2", "--main_process_port", str(_free_port()),
            str(spy), *common, "--out", str(two), "--batch-size", "2"], two, two_log)

    # it really ran 2 processes (one RNG state per rank in the checkpoint), and 1 in the reference
    ckpt_files = {p.name for p in (two / "checkpoints" / "checkpoint-3").iterdir()}
    assert {"rng_state_0.pth", "rng_state_1.pth"} <= ckpt_files, ckpt_files
    assert (one / "checkpoints" / "checkpoint-3" / "rng_state.pth").is_file()
    # exactly one adapter, written and pushed by rank 0 only
    assert two_log.read_text().splitlines() == ["save rank=0", "push rank=0"]
    assert one_log.read_text().splitlines() == ["save rank=none", "push rank=none"]
    assert sorted(p.name for p in two.iterdir()) == ["adapter", "checkpoints"]
    assert {"adapter_model.safetensors", "adapter_config.json", "course_meta.json"} <= {
        p.name for p in (two / "adapter").iterdir()}

    h1, h2 = _history(one, 3), _history(two, 3)
    assert [h["step"] for h in h1] == [h["step"] for h in h2] == [1, 2, 3]
    diffs = [abs(a["loss"] - b["loss"]) for a, b in zip(h1, h2)]
    print(f"losses 1 process: {[h['loss'] for h in h1]}\nlosses 2 processes: {[h['loss'] for h in h2]}\n"
          f"abs differences: {diffs}")
    assert all(math.isfinite(h["loss"]) and h["loss"] > 0 for h in h1 + h2)
    assert max(diffs) <= LOSS_TOL, diffs
    for a, b in zip(h1, h2):
        assert b["grad_norm"] == pytest.approx(a["grad_norm"], rel=1e-4)
        assert b["num_tokens"] == a["num_tokens"]  # the same rows, counted over both ranks
    step_changes = [abs(a["loss"] - b["loss"]) for a, b in zip(h1, h1[1:])]
    assert min(step_changes) > LOSS_TOL, step_changes  # the tolerance can tell batches and updates apart

    from safetensors.torch import load_file

    w1 = load_file(one / "adapter" / "adapter_model.safetensors")
    w2 = load_file(two / "adapter" / "adapter_model.safetensors")
    assert w1.keys() == w2.keys()
    for key in w1:
        torch.testing.assert_close(w2[key], w1[key], rtol=1e-4, atol=1e-6, msg=key)


EXPECTED = {
    "cpu_ddp.yaml": ("MULTI_GPU", True),  # torchrun launcher; the cpu profile keeps it on the CPU (gloo)
    "ddp.yaml": ("MULTI_GPU", False),
    "fsdp.yaml": ("FSDP", False),
    "deepspeed_zero2.yaml": ("DEEPSPEED", False),
    "deepspeed_zero3.yaml": ("DEEPSPEED", False),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shipped_accelerate_configs_load(name):
    """Every config parses with accelerate's own loader (unknown keys are an error there)."""
    from accelerate.commands.config.config_args import load_config_from_file

    config = load_config_from_file(str(CONFIGS / name))
    kind, use_cpu = EXPECTED[name]
    assert config.distributed_type.value == kind
    assert config.use_cpu is use_cpu and config.num_processes == 2 and config.mixed_precision == "no"
    if kind == "FSDP":
        assert config.fsdp_config["fsdp_version"] == 2
        assert config.fsdp_config["fsdp_cpu_ram_efficient_loading"] is False  # tool tokens resize after loading
        assert config.fsdp_config["fsdp_activation_checkpointing"] is False  # the profile checkpoints
    if kind == "DEEPSPEED":
        ds = config.deepspeed_config
        assert ds["zero_stage"] == (3 if "zero3" in name else 2) and ds["zero3_init_flag"] is False
        assert "gradient_accumulation_steps" not in ds and "gradient_clipping" not in ds  # "auto": from the profile
        if ds["zero_stage"] == 3:
            assert ds["zero3_save_16bit_model"] is True  # needed to gather the adapter on rank 0
    assert sorted(p.name for p in CONFIGS.glob("*.yaml")) == sorted(EXPECTED)
