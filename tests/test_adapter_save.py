"""Adapters are saved beside their target and renamed into place; incomplete adapters are refused."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from helpers.profiles import PROFILES
from helpers.training import META_FILE, TrainConfig, build_peft_model, load_adapter, load_base, read_meta, save_adapter

CPU = PROFILES["cpu"]

# The child saves a new adapter (other weights) over `target` and dies by SIGKILL at `point`:
# "weights" kills it when the tokenizer is about to be written (the weights are on disk),
# "tokenizer" once the tokenizer is written (only the meta is left).
CHILD = """
import os, signal, sys, torch
from helpers.profiles import PROFILES
from helpers.training import TrainConfig, build_peft_model, load_base, save_adapter
base, target, point = sys.argv[1:4]
model, tokenizer, ids = load_base(base, PROFILES["cpu"])
peft = build_peft_model(model, ids, TrainConfig(lora_r=4, lora_alpha=8))
with torch.no_grad():
    for p in peft.parameters():
        if p.requires_grad:
            p.add_(0.25)
save_tokenizer = tokenizer.save_pretrained
def die(*args, **kwargs):
    if point == "tokenizer":
        save_tokenizer(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
tokenizer.save_pretrained = die
save_adapter(peft, tokenizer, target, base_model=base)
"""


def _tiny_adapter(base: str, target: Path, shift: float):
    model, tokenizer, ids = load_base(base, CPU)
    peft = build_peft_model(model, ids, TrainConfig(lora_r=4, lora_alpha=8))
    with torch.no_grad():
        for p in peft.parameters():
            if p.requires_grad:
                p.add_(shift)
    save_adapter(peft, tokenizer, target, base_model=base)
    return tokenizer


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _logits(adapter: Path):
    model, tokenizer = load_adapter(adapter, CPU)
    ids = tokenizer("Weather in Oslo? <tool_call>", return_tensors="pt").input_ids
    with torch.no_grad():
        return model(ids).logits


@pytest.mark.parametrize("point", ["weights", "tokenizer"])
def test_a_save_killed_midway_leaves_the_earlier_adapter_intact(tiny_model_dir, tmp_path, point):
    target = tmp_path / "adapter"
    _tiny_adapter(tiny_model_dir, target, 0.1)
    before = _files(target)
    want = _logits(target)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1] / "src"), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run([sys.executable, "-c", CHILD, tiny_model_dir, str(target), point], env=env,
                           capture_output=True, text=True, timeout=300)
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    assert _files(target) == before, "the killed save changed the earlier adapter"
    assert torch.equal(_logits(target), want)


def test_the_next_save_replaces_the_adapter_and_clears_what_a_kill_left(tiny_model_dir, tmp_path):
    target = tmp_path / "adapter"
    _tiny_adapter(tiny_model_dir, target, 0.1)
    (tmp_path / ".adapter.staging-killed").mkdir()  # what a killed save leaves beside it
    old = _files(target)
    _tiny_adapter(tiny_model_dir, target, 0.2)
    assert _files(target)["adapter_model.safetensors"] != old["adapter_model.safetensors"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter"]
    read_meta(target)


def test_a_swap_cut_between_its_renames_is_undone_by_the_next_save(tiny_model_dir, tmp_path):
    target = tmp_path / "adapter"
    _tiny_adapter(tiny_model_dir, target, 0.1)
    old = _files(target)
    target.rename(tmp_path / ".adapter.previous")  # killed after moving the earlier adapter aside
    model, tokenizer, ids = load_base(tiny_model_dir, CPU)
    peft = build_peft_model(model, ids, TrainConfig(lora_r=4, lora_alpha=8))
    tokenizer.save_pretrained = lambda *a, **k: (_ for _ in ()).throw(OSError("disk full"))
    with pytest.raises(OSError, match="disk full"):
        save_adapter(peft, tokenizer, target, base_model=tiny_model_dir)
    assert _files(target) == old and sorted(p.name for p in tmp_path.iterdir()) == ["adapter"]


@pytest.mark.parametrize("damage, says", [
    (lambda d: (d / "adapter_model.safetensors").unlink(), "incomplete adapter, missing adapter_model.safetensors"),
    (lambda d: (d / "adapter_config.json").unlink(), "incomplete adapter, missing adapter_config.json"),
    (lambda d: (d / "tokenizer.json").unlink(), "incomplete adapter, missing tokenizer.json"),
    (lambda d: (d / META_FILE).unlink(), "not an adapter directory"),
    (lambda d: (d / META_FILE).write_text('{"base_model": "x"}'), "needs 'base_model' (a string) and 'vocab_size'"),
])
def test_an_incomplete_adapter_is_refused(tiny_model_dir, tmp_path, damage, says):
    from helpers.training import AdapterError

    _tiny_adapter(tiny_model_dir, tmp_path / "adapter", 0.1)
    damage(tmp_path / "adapter")
    with pytest.raises(AdapterError, match=re.escape(says)):
        load_adapter(tmp_path / "adapter", CPU)


def test_a_tokenizer_that_is_not_the_metas_is_refused(tiny_model_dir, tmp_path):
    from helpers.training import AdapterError

    tokenizer = _tiny_adapter(tiny_model_dir, tmp_path / "adapter", 0.1)
    meta = json.loads((tmp_path / "adapter" / META_FILE).read_text())
    (tmp_path / "adapter" / META_FILE).write_text(json.dumps({**meta, "vocab_size": len(tokenizer) - 3}))
    with pytest.raises(AdapterError, match=f"its tokenizer has {len(tokenizer)} tokens but {META_FILE} says vocab_size"):
        load_adapter(tmp_path / "adapter", CPU)
