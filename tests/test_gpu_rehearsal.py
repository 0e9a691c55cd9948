"""CI rehearsal of the GPU profiles on the CPU, on a tiny random Gemma-2 (`tiny_gemma2_dir`).

Each rehearsal runs the real `t4` / `a100` profile with only its device switched to the CPU, through
the functions the notebooks call: `train` (load, LoRA + token rows, a few optimizer steps, save),
`load_adapter`, `evaluate_rows`. The `t4` one loads the base in 4-bit NF4 through bitsandbytes'
CPU backend. Device placement is checked on a simulated accelerator (the `meta` device).
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch.optim.optimizer import register_optimizer_step_pre_hook
from conftest import write_jsonl

from helpers.evaluation import LABELS, evaluate_rows
from helpers.lesson import complete
from helpers.profiles import PROFILES
from helpers.training import TrainConfig, build_peft_model, load_adapter, load_base, save_adapter, train

QUIET = dict(log=lambda *_: None)


def rehearsed(monkeypatch, name: str):
    """Put the real profile `name`, its device switched to the CPU, where `--profile name` finds it."""
    real = PROFILES[name]
    profile = dataclasses.replace(real, device="cpu")
    differs = {f.name for f in dataclasses.fields(real) if getattr(real, f.name) != getattr(profile, f.name)}
    assert differs == {"device"} and real.device == "cuda"
    monkeypatch.setitem(PROFILES, name, profile)
    return profile


def is_4bit(model) -> bool:
    import bitsandbytes as bnb

    return any(isinstance(m, bnb.nn.Linear4bit) for m in model.modules())


@pytest.fixture
def train_file(tmp_path, shipped_rows):
    """The 8 rows with the shortest answers, for 2 steps of t4's 4 accumulated batches of 1 (a CPU
    multiplies 16-bit matrices slowly: the fewer tokens, the faster)."""
    answer = lambda r: sum(len(m["content"]) for m in r["messages"] if m["role"] == "assistant")  # noqa: E731
    rows = sorted(shipped_rows["train"], key=answer)[:8]
    return write_jsonl(tmp_path / "train.jsonl", [{"id": r["id"], "conversations": r["messages"]} for r in rows])


@pytest.mark.parametrize("name, compute", [("t4", torch.float16), ("a100", torch.bfloat16)])
def test_gpu_profile_trains_saves_reloads_and_evaluates_on_the_cpu(name, compute, monkeypatch, tiny_gemma2_dir,
                                                                    train_file, tmp_path, shipped_rows):
    profile = rehearsed(monkeypatch, name)
    steps, kinds, autocast = [], set(), set()

    def before_step(optimizer, args, kwargs):
        steps.append({p.dtype for group in optimizer.param_groups for p in group["params"]})

    def before_forward(module, args):
        kinds.add(type(module).__name__)
        if type(module).__name__ == "Gemma2DecoderLayer":  # inside the wrappers that turn autocast on
            autocast.add(torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu"))

    step_hook = register_optimizer_step_pre_hook(before_step)
    forward_hook = torch.nn.modules.module.register_module_forward_pre_hook(before_forward)
    try:
        result = train(TrainConfig(model=tiny_gemma2_dir, data=train_file, out=str(tmp_path / "run"), profile=name,
                                   max_steps=2, batch_size=1, max_length=512, save_steps=10), **QUIET)
    finally:
        step_hook.remove()
        forward_hook.remove()
    assert result["profile"] == name and result["steps"] == 2
    assert len(result["losses"]) == 2 and all(math.isfinite(x) and x > 0 for x in result["losses"])
    # every trainable weight is float32 when the optimizer steps (a T4 has no bfloat16)
    assert steps == [{torch.float32}] * 2
    assert ("Linear4bit" in kinds) is profile.load_in_4bit and "Gemma2DecoderLayer" in kinds
    if profile.fp16:
        # The one CUDA-only piece: fp16 autocast and its GradScaler. accelerate runs fp16=True on the CPU
        # without either, so the rehearsal computes in the weights' own dtypes (float16 4-bit compute).
        assert autocast == {False}
    else:
        assert autocast == {torch.bfloat16}

    tuned, tokenizer = load_adapter(result["adapter_dir"], PROFILES[name], merge=True)  # as notebooks 04 and 05
    assert is_4bit(tuned) is profile.load_in_4bit
    assert {p.dtype for p in tuned.parameters() if p.dtype.is_floating_point} >= {compute}
    rows = shipped_rows["unseen"][:2]
    records = evaluate_rows(tuned, tokenizer, rows, max_new_tokens=8, batch_size=2, progress=False)
    assert [r["id"] for r in records] == [r["id"] for r in rows] and all(r["label"] in LABELS for r in records)
    assert isinstance(complete(tuned, tokenizer, "<start_of_turn>user\nhi", max_new_tokens=4), str)


def test_a_quantized_model_is_not_merged_into_its_4bit_weights(monkeypatch, tiny_gemma2_dir, tmp_path, capsys):
    from peft import PeftModel

    profile = rehearsed(monkeypatch, "t4")
    model, tokenizer, new_ids = load_base(tiny_gemma2_dir, profile)
    save_adapter(build_peft_model(model, new_ids, TrainConfig(lora_r=4, lora_alpha=8)), tokenizer, tmp_path / "a",
                 base_model=tiny_gemma2_dir)
    capsys.readouterr()
    tuned, _ = load_adapter(tmp_path / "a", profile, merge=True)
    # merging re-quantizes the sum: generations would differ from the trained adapter's
    assert isinstance(tuned, PeftModel) and is_4bit(tuned)
    assert any("lora_A" in name for name, _ in tuned.named_parameters())
    assert "not merged" in capsys.readouterr().out
    merged, _ = load_adapter(tmp_path / "a", PROFILES["cpu"], merge=True)
    assert not isinstance(merged, PeftModel)  # full-precision weights still merge


@pytest.mark.filterwarnings("ignore:for .* copying from a non-meta parameter")  # meta holds no values: expected
def test_every_model_a_notebook_loads_lands_on_the_profiles_device(tiny_gemma2_dir, tmp_path):
    meta = dataclasses.replace(PROFILES["a100"], device="meta")  # a simulated accelerator
    model, tokenizer, new_ids = load_base(tiny_gemma2_dir, PROFILES["cpu"])
    save_adapter(build_peft_model(model, new_ids, TrainConfig(lora_r=4, lora_alpha=8)), tokenizer, tmp_path / "a",
                 base_model=tiny_gemma2_dir)
    loaded = {
        "base": load_base(tiny_gemma2_dir, meta, add_tokens=False)[0],
        "base for training": load_base(tiny_gemma2_dir, meta, training=True)[0],
        "tuned": load_adapter(tmp_path / "a", meta)[0],
        "tuned, merged": load_adapter(tmp_path / "a", meta, merge=True)[0],
    }
    for what, model in loaded.items():
        assert {p.device.type for p in model.parameters()} == {"meta"}, what

