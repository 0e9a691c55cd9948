"""LoRA training speed and memory of the GPU profiles on google/gemma-2-2b-it's architecture.

The model is built from a hand-written `Gemma2Config` with gemma-2-2b's published sizes and random
weights (nothing is downloaded), saved once, and loaded back through the package's own path:
`Profile.model_kwargs("gemma2")` (dtype, eager attention, 4-bit quantization), the 8 tool tokens
added to the vocabulary, `build_peft_model` with the default `TrainConfig` (LoRA r=16 on every
linear layer + the new tokens' rows), float32 trainable weights under fp16, activation
checkpointing, batch size and gradient accumulation from the profile, trl's fused LM head, and
`make_optimizer`. Speed does not depend on the weights' values, so random weights measure it.

Runs:
  t4-fp16    the t4 profile without quantization: float16 weights, fp16 autocast, 15 GiB cap
  t4-4bit    the t4 profile as shipped: 4-bit NF4 weights (bitsandbytes), fp16 compute, 15 GiB cap
  a100-bf16  the a100 profile: bfloat16 weights and autocast, no cap
  cpu-fp32   the cpu profile (float32, no checkpointing): what `--toy` runs without a GPU

The 15 GiB cap is `torch.cuda.set_per_process_memory_fraction` (a T4 has 15 GiB usable). It limits
PyTorch's allocator only; a real T4 also loses some memory to the CUDA context.

Each timed optimizer step processes batch x seq_len x grad_accum tokens, every position labelled.
FLOP bound: a LoRA step with activation checkpointing costs about 6 x N FLOPs per token (N = the
model's parameters, the tied embedding counted once for the LM head): 2N forward, 2N forward again
(recomputed by checkpointing), 2N backward to the activations (the frozen weights get no weight
gradients); 4N without checkpointing. Attention scores and the LoRA matrices are not counted.
  flop_bound_tokens_per_s = peak_flops / (factor x N);  ratio = tokens_per_s / flop_bound_tokens_per_s
peak_flops: the GPU's dense datasheet figure for the compute dtype (or --peak-tflops); on a CPU,
a float32 matmul timed on the spot.

    .venv/bin/python benchmarks/gpu_profiles.py --toy                 # CPU, tiny config, 2 steps
    python benchmarks/gpu_profiles.py --out runs/gpu_profiles.json     # on a GPU: the three runs

Prints one JSON document on stdout (progress goes to stderr).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import math
import platform
import resource
import sys
import tempfile
import time
import traceback
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpers.formats import TOOL_TAGS  # noqa: E402
from helpers.profiles import PROFILES, Profile  # noqa: E402
from helpers.training import (  # noqa: E402
    TrainConfig,
    build_peft_model,
    cpu_lm_head,
    float32_trainable,
    make_optimizer,
)

GIB = 1024**3
T4_CAP_GIB = 15.0
GPU_RUNS = ("t4-fp16", "t4-4bit", "a100-bf16")
CPU_RUNS = ("cpu-fp32",)
FORMULA = (
    "flop_bound_tokens_per_s = peak_flops / (factor * n_params); ratio_to_flop_bound = tokens_per_s / "
    "flop_bound_tokens_per_s; factor = 6 with activation checkpointing (2 forward + 2 recomputed forward + "
    "2 backward to activations; frozen weights get no weight gradients), 4 without; n_params counts the tied "
    "embedding once (the LM head matmul); attention-score and LoRA FLOPs are not counted"
)
# Dense (no sparsity) tensor-core peaks from NVIDIA's datasheets, TFLOPS, for fp16/bf16 inputs.
# Matched on the device name in order (the first substring that matches wins).
DATASHEET_TFLOPS = (
    ("H100 PCIe", {"float16": 756.0, "bfloat16": 756.0}),
    ("H100", {"float16": 989.0, "bfloat16": 989.0}),
    ("H200", {"float16": 989.0, "bfloat16": 989.0}),
    ("A100", {"float16": 312.0, "bfloat16": 312.0}),
    ("L4", {"float16": 121.0, "bfloat16": 121.0}),
    ("T4", {"float16": 65.0}),
)


def gemma2_config(toy: bool = False):
    """google/gemma-2-2b-it's architecture (its published config.json), or a tiny one for `--toy`."""
    from transformers import Gemma2Config

    common = dict(
        hidden_activation="gelu_pytorch_tanh",
        rms_norm_eps=1e-6,
        final_logit_softcapping=30.0,
        attn_logit_softcapping=50.0,
        tie_word_embeddings=True,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=2,
    )
    if toy:
        return Gemma2Config(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                            num_attention_heads=4, num_key_value_heads=2, head_dim=16, query_pre_attn_scalar=16,
                            sliding_window=16, max_position_embeddings=256, **common)
    return Gemma2Config(vocab_size=256000, hidden_size=2304, intermediate_size=9216, num_hidden_layers=26,
                        num_attention_heads=8, num_key_value_heads=4, head_dim=256, query_pre_attn_scalar=256,
                        sliding_window=4096, max_position_embeddings=8192, **common)


def count_params(config, extra_tokens: int = len(TOOL_TAGS)) -> int:
    """Parameters of the model (tied embedding counted once), with `extra_tokens` rows added; no memory used."""
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    return sum(p.numel() for p in model.parameters()) + extra_tokens * config.hidden_size


def run_profile(name: str) -> tuple[Profile, float | None]:
    """The package profile behind a run name, and its memory cap in GiB."""
    if name == "t4-fp16":
        return dataclasses.replace(PROFILES["t4"], load_in_4bit=False), T4_CAP_GIB
    if name == "t4-4bit":
        return PROFILES["t4"], T4_CAP_GIB
    if name == "a100-bf16":
        return PROFILES["a100"], None
    if name == "cpu-fp32":
        return PROFILES["cpu"], None
    raise ValueError(f"unknown run {name!r}; choose from {', '.join(GPU_RUNS + CPU_RUNS)}")


def peak_tflops(device: torch.device, dtype: str, override: float | None) -> tuple[float | None, str]:
    if override:
        return override, "--peak-tflops"
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        for key, table in DATASHEET_TFLOPS:
            if key in name:
                return table.get(dtype), f"datasheet, dense {dtype}, {key}"
        return None, f"unknown GPU {name!r}: pass --peak-tflops"
    n, reps = 512, 20
    a, b = torch.randn(n, n), torch.randn(n, n)
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(reps):
            a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 * reps / best / 1e12, f"measured float32 {n}x{n} matmul, {torch.get_num_threads()} threads"


def save_random_checkpoint(config, path: Path, dtype: torch.dtype) -> None:
    """Random weights (the model's own init) saved like a hub checkpoint; built on the GPU when there is one."""
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    model.save_pretrained(path)
    del model
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def bench(name: str, checkpoint: Path, config, n_params: int, steps: int, warmup: int, seq_len: int,
          batch_size: int | None, grad_accum: int | None, peak_override: float | None) -> dict:
    from transformers import AutoModelForCausalLM
    from trl.trainer.utils import add_fused_lm_head

    profile, cap_gib = run_profile(name)
    cuda = name in GPU_RUNS
    if cuda and not torch.cuda.is_available():
        raise RuntimeError(f"run {name} needs a CUDA GPU")
    device = torch.device("cuda", 0) if cuda else torch.device("cpu")
    batch = batch_size or profile.batch_size
    accum = grad_accum or profile.grad_accum
    result = {"run": name, "profile": profile.name, "dtype": profile.dtype, "load_in_4bit": profile.load_in_4bit,
              "activation_checkpointing": profile.activation_checkpointing, "batch_size": batch,
              "grad_accum": accum, "seq_len": seq_len, "steps": steps, "warmup_steps": warmup,
              "memory_cap_gib": cap_gib, "device": torch.cuda.get_device_name(device) if cuda else platform.processor()
              or platform.machine()}
    if cuda:
        gc.collect()
        torch.cuda.empty_cache()
        total = torch.cuda.get_device_properties(device).total_memory
        torch.cuda.set_per_process_memory_fraction(min(1.0, cap_gib * GIB / total) if cap_gib else 1.0, device)
        torch.cuda.reset_peak_memory_stats(device)

    kwargs = profile.model_kwargs("gemma2")
    model = AutoModelForCausalLM.from_pretrained(checkpoint, **kwargs)
    if "device_map" not in kwargs:
        model.to(device)
    vocab = config.vocab_size
    model.resize_token_embeddings(vocab + len(TOOL_TAGS), mean_resizing=False)
    new_ids = list(range(vocab, vocab + len(TOOL_TAGS)))
    cfg = TrainConfig()
    peft_model = build_peft_model(model, new_ids, cfg)
    float32_trainable(peft_model)  # as helpers.training.build_trainer
    if profile.activation_checkpointing:  # what the Trainer does for `activation_checkpointing=True`
        peft_model.activation_checkpointing_enable()
    add_fused_lm_head(peft_model.get_base_model(), outputs=("log_probs", "entropy", "is_top1"))  # as SFTTrainer
    peft_model.train()
    trainable, _ = peft_model.get_nb_trainable_parameters()
    optimizer = make_optimizer(peft_model, cfg.learning_rate, cfg.token_learning_rate)
    autocast_dtype = {"float16": torch.float16, "bfloat16": torch.bfloat16}.get(profile.dtype) if cuda else None
    scaler = torch.amp.GradScaler("cuda") if profile.fp16 and cuda else None
    params = [p for p in peft_model.parameters() if p.requires_grad]
    gen = torch.Generator().manual_seed(0)

    def step() -> float:
        total_loss = 0.0
        for _ in range(accum):
            ids = torch.randint(0, vocab + len(TOOL_TAGS), (batch, seq_len), generator=gen).to(device)
            with torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
                loss = peft_model(input_ids=ids, labels=ids, fused_lm_head=True).loss / accum
            (scaler.scale(loss) if scaler else loss).backward()
            total_loss += loss.item()
        if scaler:
            scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(params, 1.0)  # the Trainer's max_grad_norm
        if scaler:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return total_loss

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize(device)

    losses = []
    with cpu_lm_head():
        for i in range(warmup):
            losses.append(step())
            _log(f"{name}: warmup step {i + 1}/{warmup} loss {losses[-1]:.4f}")
        sync()
        start = time.perf_counter()
        for i in range(steps):
            losses.append(step())
            _log(f"{name}: step {i + 1}/{steps} loss {losses[-1]:.4f}")
        sync()
        seconds = time.perf_counter() - start

    tokens = steps * accum * batch * seq_len
    tokens_per_s = tokens / seconds
    factor = 6 if profile.activation_checkpointing else 4
    peak, peak_source = peak_tflops(device, profile.dtype if cuda else "float32", peak_override)
    bound = peak * 1e12 / (factor * n_params) if peak else None
    if cuda:
        memory = {"peak_memory_gib": torch.cuda.max_memory_allocated(device) / GIB,
                  "peak_reserved_gib": torch.cuda.max_memory_reserved(device) / GIB,
                  "memory_kind": "torch.cuda.max_memory_allocated over load + training"}
    else:
        memory = {"peak_memory_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB,
                  "peak_reserved_gib": None, "memory_kind": "process peak RSS (ru_maxrss), whole process"}
    result.update(
        n_params=n_params,
        trainable_params=trainable,
        tokens_per_step=accum * batch * seq_len,
        seconds=seconds,
        tokens_per_s=tokens_per_s,
        **memory,
        flops_per_token=factor * n_params,
        flops_factor=factor,
        peak_tflops=peak,
        peak_source=peak_source,
        flop_bound_tokens_per_s=bound,
        ratio_to_flop_bound=tokens_per_s / bound if bound else None,
        achieved_tflops=tokens_per_s * factor * n_params / 1e12,
        losses=losses,
    )
    if cuda and profile.name == "t4" and "T4" not in result["device"]:
        result["note"] = (f"t4 profile on {result['device']}: memory under the {cap_gib:g} GiB cap is what a T4 "
                          "would need; speed and the FLOP bound are this GPU's, not a T4's")
    return result


def release_memory() -> None:
    """Between runs: free what the last run left and lift its memory cap."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.set_per_process_memory_fraction(1.0, 0)


def versions() -> dict:
    import importlib.metadata as md

    out = {}
    for pkg in ("torch", "transformers", "peft", "trl", "accelerate", "bitsandbytes"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--toy", action="store_true", help="tiny Gemma-2 config, 2 steps, batch 2 x 32 tokens")
    parser.add_argument("--runs", default=None,
                        help=f"comma-separated, from {', '.join(GPU_RUNS + CPU_RUNS)} (default: the GPU runs "
                             "with a GPU, else cpu-fp32)")
    parser.add_argument("--steps", type=int, default=None, help="timed optimizer steps (default 10; toy 2)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 1; toy 0)")
    parser.add_argument("--seq-len", type=int, default=None, help="tokens per row (default 512 = max_length; toy 32)")
    parser.add_argument("--batch-size", type=int, default=None, help="override the profile's (toy: 2)")
    parser.add_argument("--grad-accum", type=int, default=None, help="override the profile's (toy: 1)")
    parser.add_argument("--peak-tflops", type=float, default=None, help="device peak for the FLOP bound")
    parser.add_argument("--out", default=None, help="also write the JSON here")
    args = parser.parse_args(argv)

    toy = args.toy
    steps = args.steps or (2 if toy else 10)
    warmup = args.warmup if args.warmup is not None else (0 if toy else 1)
    seq_len = args.seq_len or (32 if toy else 512)
    batch_size = args.batch_size or (2 if toy else None)
    grad_accum = args.grad_accum or (1 if toy else None)
    runs = args.runs.split(",") if args.runs else list(GPU_RUNS if torch.cuda.is_available() else CPU_RUNS)
    for name in runs:
        run_profile(name)  # fail on a bad name before building anything

    config = gemma2_config(toy)
    n_params = count_params(config)
    report = {"model": "google/gemma-2-2b-it architecture" + (" (toy size)" if toy else ""), "weights": "random",
              "toy": toy, "config": {k: getattr(config, k) for k in (
                  "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                  "num_key_value_heads", "head_dim", "sliding_window", "final_logit_softcapping",
                  "attn_logit_softcapping", "tie_word_embeddings")},
              "added_tokens": len(TOOL_TAGS), "formula": FORMULA, "versions": versions(), "runs": []}
    # fp16 on disk for the GPU runs (bf16 runs cast on load); float32 for the CPU run
    save_dtype = torch.float16 if any(r in GPU_RUNS for r in runs) else torch.float32
    with tempfile.TemporaryDirectory(prefix="gemma2-random-") as tmp:
        _log(f"building random {report['model']} ({n_params:,} parameters) in {tmp}")
        save_random_checkpoint(config, Path(tmp), save_dtype)
        for name in runs:
            try:
                report["runs"].append(bench(name, Path(tmp), config, n_params, steps, warmup, seq_len, batch_size,
                                            grad_accum, args.peak_tflops))
            except Exception as e:  # out of memory is a result too: the profile does not fit under its cap
                traceback.print_exc(file=sys.stderr)
                first = str(e).splitlines()[0] if str(e) else ""
                report["runs"].append({"run": name, "error": f"{type(e).__name__}: {first}",
                                       "out_of_memory": isinstance(e, torch.OutOfMemoryError)})
            release_memory()
    text = json.dumps(report, indent=2)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    print(text)
    return 0 if all("error" not in r for r in report["runs"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
