"""Profiles are tested configuration objects even where their hardware is absent, and every
keyword the package hands to trl / peft / transformers must exist in the installed versions
(the public notebook broke on `max_seq_length`, `warmup_ratio` and `tokenizer=`)."""

import dataclasses
import inspect

import pytest

from helpers.profiles import PROFILES, detect_profile, get_profile
from helpers.training import TrainConfig, lora_kwargs, sft_kwargs


def test_profiles_encode_the_hardware_rules():
    cpu, t4, a100 = PROFILES["cpu"], PROFILES["t4"], PROFILES["a100"]
    assert (cpu.dtype, cpu.fp16, cpu.bf16, cpu.activation_checkpointing) == ("float32", False, False, False)
    assert t4.dtype == "float16" and t4.fp16 and not t4.bf16 and t4.load_in_4bit  # no bf16 anywhere on a T4
    assert a100.dtype == "bfloat16" and a100.bf16 and not a100.fp16
    t4_fp32 = PROFILES["t4-fp32"]  # a T4 that overflows float16: the same recipe computing in float32
    assert (t4_fp32.dtype, t4_fp32.fp16, t4_fp32.bf16, t4_fp32.load_in_4bit) == ("float32", False, False, True)
    assert (t4_fp32.batch_size, t4_fp32.grad_accum, t4_fp32.activation_checkpointing) == (t4.batch_size, t4.grad_accum, True)
    assert detect_profile().name in ("cpu", "cpu-bf16")  # no GPU on this machine or in CI
    assert get_profile("t4") is t4
    with pytest.raises(ValueError, match="unknown profile"):
        get_profile("tpu")


def test_bf16_autocast_only_where_the_cpu_computes_bfloat16(monkeypatch):
    import torch

    cpu, cpu_bf16 = PROFILES["cpu"], PROFILES["cpu-bf16"]
    assert cpu_bf16.dtype == "float32" and cpu_bf16.bf16 and not cpu_bf16.fp16  # weights stay float32
    assert cpu_bf16.trainer_kwargs()["use_cpu"] and cpu_bf16.batch_size == cpu.batch_size
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for avx512_bf16, amx, expected in ((False, False, "cpu"), (True, False, "cpu-bf16"), (False, True, "cpu-bf16")):
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda v=avx512_bf16: v, raising=False)
        monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda v=amx: v, raising=False)
        assert detect_profile().name == expected
    monkeypatch.delattr(torch.cpu, "_is_avx512_bf16_supported")
    monkeypatch.delattr(torch.cpu, "_is_amx_tile_supported")
    assert detect_profile().name == "cpu"  # a torch without the probes: the safe choice


@pytest.mark.parametrize("name", list(PROFILES))
def test_model_kwargs(name):
    import torch

    profile = PROFILES[name]
    kwargs = profile.model_kwargs("gemma2")
    assert kwargs["attn_implementation"] == "eager"  # Gemma-2 soft-capping needs eager attention
    assert "attn_implementation" not in profile.model_kwargs("llama")
    assert kwargs["dtype"] == getattr(torch, profile.dtype)
    if profile.load_in_4bit:
        q = kwargs["quantization_config"]
        assert q.load_in_4bit and q.bnb_4bit_compute_dtype == getattr(torch, profile.dtype)


def test_eager_attention_only_for_training_under_cpu_autocast():
    bf16, fp32 = PROFILES["cpu-bf16"], PROFILES["cpu"]
    assert bf16.model_kwargs("llama", training=True)["attn_implementation"] == "eager"
    assert "attn_implementation" not in bf16.model_kwargs("llama")  # generation keeps SDPA
    assert "attn_implementation" not in fp32.model_kwargs("llama", training=True)
    assert "train_attention=eager" in bf16.describe() and "train_attention=default" in fp32.describe()


@pytest.mark.parametrize("name", list(PROFILES))
def test_every_trainer_keyword_exists(name):
    from trl import SFTConfig

    fields = {f.name for f in dataclasses.fields(SFTConfig)}
    kwargs = sft_kwargs(TrainConfig(out="unused"), PROFILES[name])
    assert set(kwargs) <= fields, set(kwargs) - fields
    assert kwargs["fp16"] is PROFILES[name].fp16 and kwargs["bf16"] is PROFILES[name].bf16  # both explicit
    if name != "a100":  # bf16 cannot be validated without a bf16 device
        SFTConfig(**kwargs)


def test_every_peft_and_trainer_keyword_exists():
    from peft import LoraConfig
    from trl import SFTTrainer

    fields = {f.name for f in dataclasses.fields(LoraConfig)}
    assert set(lora_kwargs(TrainConfig(), [1, 2])) <= fields
    LoraConfig(**lora_kwargs(TrainConfig(), [1, 2]))
    params = inspect.signature(SFTTrainer.__init__).parameters
    for used in ("model", "args", "train_dataset", "processing_class", "optimizers"):
        assert used in params
    for gone in ("tokenizer", "max_seq_length"):
        assert gone not in params


def test_from_pretrained_keywords_exist():
    from transformers import BitsAndBytesConfig, PreTrainedModel

    doc = inspect.getdoc(PreTrainedModel.from_pretrained)
    for key in ("dtype", "attn_implementation", "quantization_config", "device_map"):
        assert key in doc, key
    params = inspect.signature(BitsAndBytesConfig.__init__).parameters
    for key in ("load_in_4bit", "bnb_4bit_quant_type", "bnb_4bit_use_double_quant", "bnb_4bit_compute_dtype"):
        assert key in params


@pytest.mark.parametrize("name", ["t4", "a100"])
def test_every_model_of_a_gpu_profile_lands_on_the_process_gpu(name, monkeypatch):
    profile = PROFILES[name]
    assert profile.device == "cuda" and not profile.trainer_kwargs()["use_cpu"]
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    assert profile.model_kwargs("gemma2")["device_map"] == {"": 0}  # for inference, quantized or not
    monkeypatch.setenv("LOCAL_RANK", "1")  # second process of `accelerate launch`
    assert profile.model_kwargs("gemma2", training=True)["device_map"] == {"": 1}


def test_cpu_profiles_load_on_the_cpu():
    for name in ("cpu", "cpu-bf16"):
        assert PROFILES[name].device == "cpu" and PROFILES[name].trainer_kwargs()["use_cpu"]
        assert "device_map" not in PROFILES[name].model_kwargs("gemma2")  # from_pretrained's default
    on_cpu = dataclasses.replace(PROFILES["t4"], device="cpu")  # bitsandbytes' CPU backend quantizes there
    assert on_cpu.model_kwargs("gemma2")["device_map"] == {"": "cpu"} and on_cpu.trainer_kwargs()["use_cpu"]
