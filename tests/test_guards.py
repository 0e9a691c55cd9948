"""The NaN/inf guard: a real float16 overflow stops SFT and DPO at the step it happens, with a message
that names the profile to switch to, and nothing half-trained is saved as the adapter.

The overflow is real: the tiny model's final norm weight is 30,000 (finite in float16), so its
output passes float16's 65,504 and the loss is NaN when it computes in float16; in float32 the same
model trains with a large, finite loss. `cpu-fp16` is the `cpu` profile loading the weights in
float16, the part of `t4` that a CPU can run (4-bit loading and fp16's GradScaler need a GPU).
"""

import json
import math
from dataclasses import replace

import pytest
import torch
from conftest import write_jsonl

from helpers.guards import MAX_SCALER_SKIPS, NonFiniteGuard, NonFiniteLoss
from helpers.profiles import PROFILES
from helpers.training import TrainConfig, build_peft_model, load_base, save_adapter, train

CPU = PROFILES["cpu"]


@pytest.fixture
def fp16_profile(monkeypatch):
    monkeypatch.setitem(PROFILES, "cpu-fp16", replace(CPU, name="cpu-fp16", dtype="float16"))
    return "cpu-fp16"


@pytest.fixture(scope="module")
def overflow_model_dir(tiny_model_dir, tmp_path_factory):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    with torch.no_grad():
        model.model.norm.weight.fill_(30_000.0)
    path = tmp_path_factory.mktemp("overflow-llama")
    model.save_pretrained(path)
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(path)
    return str(path)


@pytest.fixture(scope="module")
def data(shipped_rows, tmp_path_factory):
    rows = [r for r in shipped_rows["train"] if len(r["messages"]) <= 3][:16]
    return write_jsonl(tmp_path_factory.mktemp("data") / "train.jsonl",
                       [{"id": r["id"], "conversations": r["messages"]} for r in rows])


def _tree(path):
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def _earlier_adapter(out):
    adapter = out / "adapter"
    adapter.mkdir(parents=True)
    (adapter / "adapter_model.safetensors").write_bytes(b"an earlier run's weights")
    (adapter / "course_meta.json").write_text(json.dumps({"base_model": "earlier"}))
    return _tree(adapter)


def test_sft_stops_at_the_overflowing_step_and_keeps_the_earlier_adapter(overflow_model_dir, data, fp16_profile,
                                                                         tmp_path, capsys):
    from helpers.cli import main

    out = tmp_path / "run"
    before = _earlier_adapter(out)
    code = main(["train", "--model", overflow_model_dir, "--data", data, "--out", str(out), "--profile", fp16_profile,
                 "--max-steps", "4", "--save-steps", "1", "--batch-size", "2", "--lora-r", "4"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1].startswith("error: training stopped at step 1 of 4: the loss is nan under profile cpu-fp16 "
                              "(float16 weights, float16 compute)"), err[-1]
    assert "t4-fp32" in err[-1] and f"{out / 'adapter'} was not written" in err[-1]
    assert not any("Traceback" in line for line in err)
    assert not (out / "checkpoints" / "checkpoint-1").exists(), "the run went on past the overflowing step"
    assert _tree(out / "adapter") == before


def test_resume_from_the_last_finite_checkpoint_under_float32(overflow_model_dir, data, fp16_profile, tmp_path):
    """Steps 1-2 in float32 save checkpoint-2; resumed in float16, step 3 overflows and the message names
    checkpoint-2; resumed from it in float32 (past a t4 checkpoint's GradScaler state), the run finishes."""
    out = tmp_path / "run"
    cfg = TrainConfig(model=overflow_model_dir, data=data, out=str(out), profile="cpu", max_steps=2, save_steps=2,
                      batch_size=2, lora_r=4, lora_alpha=8)
    quiet = lambda *_: None  # noqa: E731
    first = train(cfg, log=quiet)
    assert all(math.isfinite(loss) for loss in first["losses"])
    (out / "adapter").rename(tmp_path / "first-adapter")
    with pytest.raises(NonFiniteLoss) as caught:
        train(replace(cfg, profile=fp16_profile, max_steps=4, resume=True), log=quiet)
    checkpoint = out / "checkpoints" / "checkpoint-2"
    assert caught.value.step == 3 and caught.value.what == "loss"
    assert str(caught.value).startswith("training stopped at step 3 of 4: the loss is nan")
    assert str(caught.value).endswith(f"{checkpoint} is from before step 3: with that profile, --resume "
                                      "(resume=True in TrainConfig) continues from it.")
    assert not (out / "adapter").exists() and not (out / "checkpoints" / "checkpoint-3").exists()

    torch.save(torch.amp.GradScaler("cpu").state_dict(), checkpoint / "scaler.pt")  # as a t4 run saves it
    resumed = train(replace(cfg, max_steps=4, resume=True), log=quiet)
    assert resumed["steps"] == 4 and (out / "adapter" / "adapter_model.safetensors").is_file()


@pytest.fixture(scope="module")
def overflow_sft_adapter(overflow_model_dir, tmp_path_factory):
    model, tokenizer, new_ids = load_base(overflow_model_dir, CPU)
    peft_model = build_peft_model(model, new_ids, TrainConfig(lora_r=4, lora_alpha=8))
    out = tmp_path_factory.mktemp("sft") / "adapter"
    save_adapter(peft_model, tokenizer, out, base_model=overflow_model_dir, recipe={"max_steps": 1})
    return out


def test_dpo_stops_at_the_overflowing_step(overflow_sft_adapter, data, fp16_profile, tmp_path, capsys):
    from helpers.cli import main

    out = tmp_path / "dpo"
    before = _earlier_adapter(out)
    code = main(["align", "--adapter", str(overflow_sft_adapter), "--data", data, "--out", str(out),
                 "--profile", fp16_profile, "--max-steps", "3", "--batch-size", "2", "--pairs", "4", "--mine", "0"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1].startswith("error: training stopped at step 1 of 3: the loss is nan under profile cpu-fp16"), err[-1]
    assert "t4-fp32" in err[-1] and not any("Traceback" in line for line in err)
    assert _tree(out / "adapter") == before


def test_grad_scaler_skips_are_tolerated_only_a_few_in_a_row():
    """Under fp16's GradScaler an inf gradient norm is a skipped step while the scale falls; without a
    scaler it is fatal at once. A non-finite loss is fatal either way."""
    t4 = PROFILES["t4"]
    guard = NonFiniteGuard(t4, "runs/t4", scaler=True)
    guard.check_grad_norm(1, math.inf)
    guard.check_grad_norm(2, math.nan)
    guard.check_grad_norm(3, 0.8)  # the scale is low enough: the streak ends
    for step in range(4, 4 + MAX_SCALER_SKIPS - 1):
        guard.check_grad_norm(step, math.inf)
    with pytest.raises(NonFiniteLoss) as caught:
        guard.check_grad_norm(4 + MAX_SCALER_SKIPS - 1, math.inf)
    assert caught.value.step == 4 + MAX_SCALER_SKIPS - 1 and caught.value.what == "gradient norm"
    assert f"for the {MAX_SCALER_SKIPS}th optimizer step in a row" in str(caught.value)
    assert "profile t4 (4-bit NF4 weights, float16 compute, fp16 mixed precision)" in str(caught.value)
    assert "t4-fp32" in str(caught.value)

    with pytest.raises(NonFiniteLoss, match="the loss is inf"):
        NonFiniteGuard(t4, "runs/t4", scaler=True).check_loss(1, torch.tensor(math.inf))
    unscaled = NonFiniteGuard(PROFILES["a100"], "runs/a100", learning_rate=2e-4)
    unscaled.check_grad_norm(1, 3.5)
    with pytest.raises(NonFiniteLoss) as caught:
        unscaled.check_grad_norm(2, math.inf)
    assert "at step 2: the gradient norm is inf under profile a100" in str(caught.value)
    assert "lower the learning rate (now 0.0002)" in str(caught.value) and "t4-fp32" not in str(caught.value)


DISTRIBUTED = """
import math, os, sys, torch, torch.distributed as dist, torch.multiprocessing as mp
from helpers.guards import NonFiniteGuard, NonFiniteLoss
from helpers.profiles import PROFILES

def run(rank, store):
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=2)
    guard = NonFiniteGuard(PROFILES["t4"], "runs/t4")
    guard.check_loss(1, torch.tensor(2.5))  # finite everywhere: every process goes on
    try:
        guard.check_loss(2, torch.tensor(math.inf if rank == 1 else 2.5))
        line = f"{rank} went on"
    except NonFiniteLoss as e:
        line = f"{rank} stopped: {e}"
    os.write(1, (line + "\\n").encode())  # one write: the two processes share the pipe
    dist.destroy_process_group()

if __name__ == "__main__":
    mp.spawn(run, args=(sys.argv[1],), nprocs=2)
"""


def test_a_loss_overflowing_on_one_process_stops_every_process(tmp_path):
    """Under `accelerate launch` a process that stopped alone would leave the others waiting in their
    next collective; the guard stops them all at the same step."""
    import subprocess
    import sys

    script = tmp_path / "two_processes.py"
    script.write_text(DISTRIBUTED)
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "store")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = sorted(line for line in done.stdout.splitlines() if line[:2] in ("0 ", "1 "))  # one per process
    assert len(lines) == 2, done.stdout + done.stderr[-2000:]
    assert lines[0].startswith("0 stopped: training stopped at step 2: another process's loss is not finite")
    assert lines[1].startswith("1 stopped: training stopped at step 2: the loss is inf under profile t4")
