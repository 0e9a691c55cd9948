"""Runtime profiles: how to load and train on this hardware, chosen automatically and printed.

- `cpu`: float32 everywhere, no gradient checkpointing (memory is plentiful, time is not).
- `cpu-bf16`: the same float32 weights, trained under bfloat16 autocast; chosen on a CPU that
  computes bfloat16 natively (AVX512-BF16 or AMX), where training is 1.2x faster (1.6x on the
  longest rows). Elsewhere autocast would emulate bfloat16, slower than float32. Generation stays
  float32 on both.
- `t4`: a T4 has no bfloat16 (compute capability 7.5): 4-bit QLoRA through bitsandbytes with
  float16 compute and fp16 mixed precision; trainable weights are kept in float32.
- `t4-fp32`: the `t4` recipe computing in float32, for a model whose activations overflow float16
  (the NaN/inf guard in `guards.py` names it when a `t4` run overflows); never chosen automatically.
- `a100`: bfloat16 weights and mixed precision.
Gemma-2 always gets eager attention: SDPA skips its attention logit soft-capping.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    dtype: str
    fp16: bool = False
    bf16: bool = False
    load_in_4bit: bool = False
    activation_checkpointing: bool = False
    batch_size: int = 8
    grad_accum: int = 1
    train_attention: str = ""  # attention implementation while training ("": the model's default)
    why: str = ""
    device: str = ""  # where every model is loaded: "cpu", "cuda" (this process's GPU), "meta"; "" from the name

    def __post_init__(self):
        if not self.device:  # a profile that names no device: cpu for a cpu* profile, else the GPU
            object.__setattr__(self, "device", "cpu" if self.name.startswith("cpu") else "cuda")

    def device_map(self) -> dict | None:
        """`device_map` for `from_pretrained`: the whole model on the profile's device (None: the CPU default)."""
        if self.device == "cuda":
            # each process of an `accelerate launch` holds its whole copy on its own GPU
            return {"": int(os.environ.get("LOCAL_RANK", 0))}
        if self.device == "cpu" and not self.load_in_4bit:
            return None
        return {"": self.device}

    def model_kwargs(self, model_type: str = "", training: bool = False) -> dict:
        """Keyword arguments for `AutoModelForCausalLM.from_pretrained` (`training`: a model to train)."""
        import torch

        kwargs: dict = {"dtype": getattr(torch, self.dtype)}
        if training and self.train_attention:
            kwargs["attn_implementation"] = self.train_attention
        if model_type.startswith("gemma2") or model_type == "gemma2":
            kwargs["attn_implementation"] = "eager"
        if self.load_in_4bit:
            from transformers import BitsAndBytesConfig

            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=getattr(torch, self.dtype),
            )
        if self.device_map() is not None:
            kwargs["device_map"] = self.device_map()
        return kwargs

    def trainer_kwargs(self) -> dict:
        """Keyword arguments for `SFTConfig` / `DPOConfig` (set both precisions explicitly)."""
        return {
            "fp16": self.fp16,
            "bf16": self.bf16,
            "activation_checkpointing": self.activation_checkpointing,  # was gradient_checkpointing
            "per_device_train_batch_size": self.batch_size,
            "gradient_accumulation_steps": self.grad_accum,
            "use_cpu": self.device == "cpu",
        }

    def describe(self) -> str:
        fields = ", ".join(f"{k}={v if v != '' else 'default'}" for k, v in asdict(self).items()
                           if k not in ("name", "why"))
        return f"profile {self.name}: {fields}\n  why: {self.why}"


PROFILES = {
    "cpu": Profile("cpu", "float32", batch_size=4,
                   why="no GPU, no native bfloat16 (autocast would emulate it, slower): float32, no "
                       "activation checkpointing; batches of 4 (the same rows in smaller steps trained "
                       "faster and scored higher, docs/measured.md 'Small steps')"),
    "cpu-bf16": Profile("cpu-bf16", "float32", bf16=True, batch_size=4, train_attention="eager",
                        why="no GPU, a CPU with native bfloat16: float32 weights, bfloat16 autocast in "
                            "training (1.2x faster over a run, the loss within 1%); batches of 4; eager "
                            "attention in training (under autocast 3-9% faster per step than SDPA, which "
                            "stays for float32 generation, where eager is slower)"),
    "t4": Profile(
        "t4",
        "float16",
        fp16=True,
        load_in_4bit=True,
        activation_checkpointing=True,
        batch_size=4,
        grad_accum=4,
        why="GPU without bfloat16 (compute capability < 8): 4-bit QLoRA, fp16 compute",
    ),
    "t4-fp32": Profile(
        "t4-fp32",
        "float32",
        load_in_4bit=True,
        activation_checkpointing=True,
        batch_size=4,
        grad_accum=4,
        why="a T4 where float16 overflows (a NaN/inf loss under t4; Gemma's activations pass 65,504): the "
            "same 4-bit QLoRA computing in float32, no fp16; slower, more memory",
    ),
    "a100": Profile(
        "a100",
        "bfloat16",
        bf16=True,
        activation_checkpointing=True,
        batch_size=8,
        grad_accum=2,
        why="GPU with bfloat16 (compute capability >= 8): bf16 weights and autocast",
    ),
}


def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (AVX512-BF16 or AMX tiles)."""
    import torch

    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # private, hence the fallback
    return any(getattr(torch.cpu, probe, lambda: False)() for probe in probes)


def detect_profile() -> Profile:
    """`a100` on a bfloat16-capable GPU, `t4` on an older GPU, else `cpu-bf16` or `cpu`."""
    import torch

    if not torch.cuda.is_available():
        return PROFILES["cpu-bf16" if cpu_has_native_bf16() else "cpu"]
    major, _ = torch.cuda.get_device_capability()
    return PROFILES["a100" if major >= 8 else "t4"]


def get_profile(name: str | None) -> Profile:
    """A named profile, or the detected one for `None`/`"auto"`."""
    if name in (None, "auto"):
        return detect_profile()
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose from auto, {', '.join(PROFILES)}") from None
