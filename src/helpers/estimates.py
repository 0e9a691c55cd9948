"""How long a notebook takes on a T4, an A100 and a 2-core CPU: GPU estimates, CPU measurements.

GPU figures are estimates until measured (docs/gpu_profiles.md has no GPU measurement yet). A LoRA
step with activation checkpointing costs about 6 x N FLOPs per token, N the model's parameters (the
arithmetic of benchmarks/gpu_profiles.py), so

    training seconds = steps x rows per step x tokens per row x 6 x N / (peak FLOPS x utilisation)

with the datasheet peak (T4 65 TFLOPS fp16, A100 312 TFLOPS bf16) and an assumed utilisation. DPO
trains on a chosen and a rejected answer and runs the frozen reference over both (2 x N each):
2 x (6 + 2) x N per token. Generation decodes one token per step for a whole batch, and on a GPU
that step is bound by per-step overhead, not FLOPs: an assumed time per step. A batch stops when
its longest answer ends: in the demo's measured evaluations, after about 70% of its token limit.

CPU figures come from measured runs (docs/measured.md, SmolLM2-135M, float32, 2 cores): 4.1-6.2 s
per SFT step of 4 rows of the shipped data (about 186 tokens each), and about 0.2 s per decoding
step of a batch. The course model (Gemma-2-2B) is not run on a CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .lesson import HUB_DATASET
from .models import COURSE_MODEL, EMBEDDED_DEFAULT

# Parameters: gemma-2-2b-it with the 8 tool tokens (docs/gpu_profiles.md); SmolLM2-135M-Instruct.
MODEL_PARAMS = {COURSE_MODEL: 2.614e9, EMBEDDED_DEFAULT: 1.35e8}

# Mean tokens per training row: the shipped files measured with SmolLM2's tokenizer and the course
# template; the hermes dataset's rows are an assumption (its rows were never tokenized here).
TOKENS_PER_ROW = {"train.jsonl": 186, "agent.jsonl": 767, HUB_DATASET: 900}
ASSUMED_TOKENS_PER_ROW = HUB_DATASET

CPU_SECONDS_PER_STEP = 5.0  # float32 SFT step of 4 shipped rows, measured 4.1-6.2 s
CPU_STEP_ROWS, CPU_STEP_TOKENS = 4, 186
BATCH_FILL = 0.7  # decoding steps a batch runs, as a share of its token limit
SMALL_MODEL_LOAD_S = 5.0  # the embedded model, already on disk


@dataclass(frozen=True)
class Hardware:
    name: str
    profile: str  # the course profile it runs: batch size and gradient accumulation
    peak_tflops: float | None  # dense fp16/bf16 datasheet peak; None for the CPU (measured steps)
    utilisation: float  # assumed share of the peak a training step reaches
    min_step_s: float  # assumed floor per optimizer step: a small model is overhead-bound
    decode_step_s: float  # one decoding step of a batch (GPU: assumed; CPU: measured)
    load_s: float  # loading the course model once (on Colab with its download)


HARDWARE = {
    "t4": Hardware("T4", "t4", 65.0, 0.20, 0.5, 0.08, 90.0),
    "a100": Hardware("A100", "a100", 312.0, 0.30, 0.25, 0.035, 60.0),
    "cpu": Hardware("2-core CPU", "cpu", None, 0.0, 0.0, 0.2, 5.0),
}


def tokens_per_row(data: str) -> int:
    """The mean row length of a training source (a shipped file name or path, or the hub dataset)."""
    for key, n in TOKENS_PER_ROW.items():
        if str(data).endswith(key):
            return n
    return TOKENS_PER_ROW["train.jsonl"]


def rows_per_step(batch_size: int | None, hardware: Hardware) -> int:
    """Rows in one optimizer step: the run's batch (else the profile's) times the profile's accumulation."""
    from .profiles import PROFILES

    profile = PROFILES[hardware.profile]
    return (batch_size or profile.batch_size) * profile.grad_accum


def train_seconds(model: str, steps: int, batch_size: int | None, row_tokens: int, hardware: Hardware,
                  dpo: bool = False) -> float | None:
    """Seconds of training; None where it is not practical (the course model on a CPU)."""
    rows = rows_per_step(batch_size, hardware)
    tokens = steps * rows * row_tokens
    if hardware.peak_tflops is None:
        if model != EMBEDDED_DEFAULT:
            return None
        seconds = tokens * CPU_SECONDS_PER_STEP / (CPU_STEP_ROWS * CPU_STEP_TOKENS)
        return seconds * (3 if dpo else 1)  # no checkpointing on a CPU: 2 x (4 + 2) N against 4 N
    flops = tokens * (16 if dpo else 6) * MODEL_PARAMS[model]
    return max(flops / (hardware.peak_tflops * 1e12 * hardware.utilisation), steps * hardware.min_step_s)


def generate_seconds(model: str, rows: int, max_new_tokens: int, batch_size: int, hardware: Hardware) -> float | None:
    """About this long to answer `rows` prompts in batches of `batch_size`."""
    if hardware.peak_tflops is None and model != EMBEDDED_DEFAULT:
        return None
    return math.ceil(rows / batch_size) * max_new_tokens * BATCH_FILL * hardware.decode_step_s


def load_seconds(model: str, hardware: Hardware) -> float | None:
    if model == EMBEDDED_DEFAULT:
        return SMALL_MODEL_LOAD_S
    return None if hardware.peak_tflops is None else hardware.load_s


def hardware_here() -> Hardware:
    """The `HARDWARE` entry for this machine's profile (`t4`, `a100`, else the CPU)."""
    from .profiles import detect_profile

    return HARDWARE.get(detect_profile().name, HARDWARE["cpu"])


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "not practical"
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def training_estimate(cfg, hardware: Hardware | None = None, dpo: bool = False) -> str:
    """How long `cfg` (a `TrainConfig` or `AlignConfig`) trains on `hardware` (default: this machine), with the arithmetic."""
    hw = hardware or hardware_here()
    model = getattr(cfg, "model", None) or EMBEDDED_DEFAULT
    row_tokens = tokens_per_row(cfg.data)
    rows = rows_per_step(cfg.batch_size, hw)
    seconds = train_seconds(model, cfg.max_steps, cfg.batch_size, row_tokens, hw, dpo=dpo)
    assumed = " (assumed)" if str(cfg.data).endswith(ASSUMED_TOKENS_PER_ROW) else ""
    tokens = cfg.max_steps * rows * row_tokens
    head = f"{cfg.max_steps} steps x {rows} rows x ~{row_tokens} tokens{assumed} = {tokens:,} tokens"
    if seconds is None:
        return f"On this {hw.name}: not practical ({model} needs a GPU)."
    if hw.peak_tflops is None:
        return (f"On this {hw.name} (from measured float32 steps, {CPU_SECONDS_PER_STEP:.0f} s per step of "
                f"{CPU_STEP_ROWS} x {CPU_STEP_TOKENS} tokens{', x3 for DPO' if dpo else ''}): {head}, "
                f"about {format_duration(seconds)}.")
    factor = 16 if dpo else 6
    return (f"On this {hw.name} (an estimate, not a measurement): {head}; x {factor} x {MODEL_PARAMS[model]:.3g} "
            f"FLOPs per token = {tokens * factor * MODEL_PARAMS[model]:.2g} FLOPs; at {hw.peak_tflops:.0f} TFLOPS x "
            f"{hw.utilisation:.0%} assumed utilisation: about {format_duration(seconds)}.")


# --- what each notebook runs, per scale ------------------------------------------------------------


def _evaluations(scale, rows: int, passes: int, hw: Hardware) -> float | None:
    return _total([generate_seconds(scale.model, rows, scale.max_new_tokens, 8, hw)] * passes)


def _total(parts) -> float | None:
    parts = list(parts)
    return None if any(p is None for p in parts) else sum(parts)


def notebook_seconds(notebook: str, scale, hw: Hardware) -> tuple[float | None, float | None]:
    """(seconds of the notebook with an adapter found, extra seconds when it must train one first)."""
    from .alignment import align_config

    sft = train_seconds(scale.model, scale.max_steps, scale.batch_size, tokens_per_row(scale.data), hw)
    load = load_seconds(scale.model, hw)
    if notebook == "03":
        return _total([load, load, _evaluations(scale, scale.eval_rows, 2, hw), sft]), 0.0
    if notebook == "04":
        rows = {"smoke": 8, "cpu": 24, "gpu": 60}[scale.name]
        # agent requests, turns each (an assumed average; the limit is 4, else 6), new tokens per turn
        tasks, turns, tokens = (3, 3, 96) if scale.name == "smoke" else (10, 4, 160)
        agent = generate_seconds(scale.model, tasks * turns, tokens, 1, hw)
        agent_cfg = scale.agent_train_config("x")
        agent_train = train_seconds(scale.model, agent_cfg.max_steps, agent_cfg.batch_size,
                                    tokens_per_row(agent_cfg.data), hw)
        # two splits before, after and guided; the agent with the general and the agent adapter
        return _total([load, load, load, _evaluations(scale, 2 * rows, 3, hw), agent, agent, agent_train]), sft
    if notebook == "05":
        cfg = align_config(scale, "x", "x")
        rows = {"smoke": 4, "cpu": 24, "gpu": 60}[scale.name]
        dpo = train_seconds(scale.model, cfg.max_steps, cfg.batch_size, tokens_per_row(cfg.data), hw, dpo=True)
        mine = generate_seconds(scale.model, cfg.mine, cfg.mine_max_new_tokens, 8, hw)
        return _total([load, load, load, _evaluations(scale, 2 * rows, 2, hw), mine, dpo]), sft
    raise ValueError(f"unknown notebook {notebook!r}; choose from 03, 04, 05")


def time_table(notebook: str) -> str:
    """Each scale's time on each hardware (GPU: estimates), and the arithmetic behind the GPU training."""
    from .lesson import SCALES

    names = list(HARDWARE)
    lines = [f"{'scale':6} " + " ".join(f"{HARDWARE[h].name:>22}" for h in names)]
    for scale in SCALES.values():
        cells = []
        for h in names:
            run, extra = notebook_seconds(notebook, scale, HARDWARE[h])
            cell = format_duration(run)
            if run is not None and extra:
                cell += f" (+{format_duration(extra)})"
            cells.append(f"{cell:>22}")
        lines.append(f"{scale.name:6} " + " ".join(cells))
    if notebook != "03":
        lines.append("(+...): training the SFT adapter first, when ADAPTER is empty and none is found")
    gpu = SCALES["gpu"]
    lines.append("GPU figures are estimates, not measurements; the training part of the gpu scale:")
    lines += [f"  {training_estimate(gpu.train_config('x'), HARDWARE[h])}" for h in ("t4", "a100")]
    lines.append(f"Generation: (rows / 8) batches x new tokens x {BATCH_FILL} decoding steps, each about "
                 + ", ".join(f"{HARDWARE[h].decode_step_s} s on the {HARDWARE[h].name}" for h in names)
                 + " (GPU assumed, CPU measured); loading Gemma-2-2B about "
                 + ", ".join(f"{HARDWARE[h].load_s:.0f} s on the {HARDWARE[h].name}" for h in names[:2])
                 + " (assumed, with its download).")
    return "\n".join(lines)
