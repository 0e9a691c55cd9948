"""LoRA supervised fine-tuning for tool calling with trl's SFTTrainer.

LoRA adapters go on every linear layer of the decoder; the new tag tokens' embedding rows are
trained through peft's `trainable_token_indices` (never LoRA on `embed_tokens`/`lm_head`), with
a higher learning rate than the adapters. The loss covers assistant turns only. The adapter is
saved without whole embedding matrices, together with the tokenizer and what is needed to
rebuild the vocabulary on a fresh base model.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .chat import add_tool_tokens, set_chat_template, template_family
from .data import canonical_messages, load_conversations
from .guards import NonFiniteGuard, computes_in_float16
from .models import resolve_model
from .profiles import Profile, get_profile

META_FILE = "course_meta.json"
SHIPPED = Path(__file__).parent / "data"


@dataclass
class TrainConfig:
    """The recipe; every field is a `python -m helpers train` flag."""

    model: str = "smollm2-135m-instruct"
    data: str = str(SHIPPED / "train.jsonl")
    out: str = "runs/train"
    profile: str = "auto"
    max_steps: int = 60
    batch_size: int | None = None
    learning_rate: float = 1e-3
    token_learning_rate: float = 3e-3
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.0
    max_length: int = 512
    sampling: str = "group_by_length"  # or "random" (the same rows per step whatever the process count)
    warmup: float = 0.1
    save_steps: int = 10
    limit: int | None = None
    seed: int = 0
    resume: bool = False
    push_to_hub: str | None = None
    extra: dict = field(default_factory=dict)


def load_base(model_spec: str, profile: Profile, add_tokens: bool = True, training: bool = False):
    """Tokenizer and model with the course template and (unless `add_tokens=False`) the tool tokens.

    New token rows start as the mean of their tag's sub-token rows. Without the tokens the model
    sees the tags as plain text: the fair way to evaluate an untouched base model. `training=True`
    loads it with the profile's attention for training.
    """
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    path = resolve_model(model_spec)
    model_type = AutoConfig.from_pretrained(path).model_type
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, **profile.model_kwargs(model_type, training))
    vocab_before = model.get_input_embeddings().weight.shape[0]
    set_chat_template(tokenizer, template_family(model_type))
    if add_tokens:
        add_tool_tokens(tokenizer, model)
    new_ids = list(range(vocab_before, len(tokenizer)))
    return model, tokenizer, new_ids


def conversation_length(tokenizer, messages: list[dict]) -> int:
    return len(tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"])


def prepare_dataset(rows: list[dict], tokenizer, max_length: int):
    """A `datasets.Dataset` of `messages`; rows over `max_length` tokens are dropped, not truncated.

    Truncation could cut through a tool call and teach the model to stop mid-JSON. Returns the
    dataset and `(row id, reason)` for each dropped row.
    """
    from datasets import Dataset

    kept, dropped = [], []
    for row in rows:
        messages = canonical_messages(row)
        n = conversation_length(tokenizer, messages)
        if n > max_length:
            dropped.append((row["id"], f"{n} tokens > max_length {max_length}"))
        else:
            kept.append({"messages": messages})
    if not kept:
        raise ValueError(f"every row is longer than max_length={max_length}")
    return Dataset.from_list(kept), dropped


def rows_reached(dataset, n: int, seed: int):
    """`n` rows drawn at random: the rows a run of `max_steps` reaches, when that is fewer than all.

    Length grouping sorts each window of 50 batches longest first, so a run that ends inside the
    first window (26 steps of 8 reach 208 rows of a 400-row window) would train on that window's
    longest rows: more chained and multi-turn rows, fewer short no-tool replies. Drawing the rows
    first and grouping only them keeps the data's mix and still batches similar lengths.
    """
    return dataset.shuffle(seed=seed).select(range(n))


def build_peft_model(model, new_token_ids: list[int], cfg: TrainConfig):
    """LoRA on all decoder linear layers plus trainable rows for the new tokens."""
    from peft import LoraConfig, get_peft_model

    peft_model = get_peft_model(model, LoraConfig(**lora_kwargs(cfg, token_indices(model, new_token_ids))))
    return peft_workarounds(peft_model)


def token_indices(model, new_token_ids: list[int]):
    """`trainable_token_indices` for peft: the ids alone on a tied head, else for both matrices."""
    tied = model.get_output_embeddings().weight is model.get_input_embeddings().weight
    return new_token_ids if tied else {"embed_tokens": new_token_ids, "lm_head": new_token_ids}


def peft_workarounds(peft_model):
    """`expose_wrapped_bias` and `save_checkpoints_without_embeddings`; returns the same model."""
    expose_wrapped_bias(peft_model)
    save_checkpoints_without_embeddings(peft_model)
    return peft_model


def save_checkpoints_without_embeddings(peft_model) -> None:
    """Make the Trainer's checkpoints as small as the final adapter.

    The Trainer saves a checkpoint with `model.save_pretrained(dir)`, and peft then writes the whole
    embedding matrix because the vocabulary was resized (246 MB per checkpoint for SmolLM2, about
    1.2 GB for Gemma-2-2B). The base rows are rebuilt by `load_base`; the trained rows are in the
    token adapter, so the matrix adds nothing a resume needs.
    """
    import functools

    peft_model.save_pretrained = functools.partial(peft_model.save_pretrained, save_embedding_layers=False)


def expose_wrapped_bias(model) -> None:
    """Let `module.bias` work on peft's trainable-token wrappers.

    trl's fused LM head reads `lm_head.weight` and `lm_head.bias`; peft's `TrainableTokensWrapper`
    forwards `weight` (merged with the trained rows) but not `bias`, so on a tied head the read
    fails. The wrapped layer's own bias (None for a bias-free head) is the right answer.
    """
    from peft.utils.other import TrainableTokensWrapper

    for module in model.modules():
        if isinstance(module, TrainableTokensWrapper) and "bias" not in module.__dict__:
            module.__dict__["bias"] = getattr(module.token_adapter.base_layer, "bias", None)


@contextmanager
def cpu_lm_head():
    """On CPU, make trl's fused LM head project only the labelled positions, in one plain GEMM.

    Two changes, for the CPU only (Triton devices keep trl's kernel):
    - trl scores just the labelled positions on Triton devices and every position elsewhere (to keep
      tile shapes fixed for compilers like Neuron's). Eager CPU has no such constraint, and with the
      loss on assistant turns only, most positions are prompt: projecting them onto the 49k-token
      vocabulary roughly doubled the time of a CPU step for the same loss.
    - trl's CPU fallback for its Triton kernel folds 32k-column tiles with float32 GEMMs for both
      gradients, the full-vocabulary weight gradient included. `token_logprobs` (one projection in
      the autocast dtype, a float32 log-softmax) gives the same loss; a bfloat16 step of SmolLM2 at
      batch 4 took 2.69-2.79 s against 3.20-3.93 s (benchmarks/cpu_step.py; docs/measured.md,
      "CPU steps 1.3x faster").
    """
    import trl.trainer.utils as trl_utils

    original = getattr(trl_utils, "_use_triton", None)
    kernel = getattr(trl_utils, "_ChunkedLogProbFunction", None)
    if original is None or kernel is None:
        yield
        return

    class OnCpuPlain:
        @staticmethod
        def apply(hidden, *args):
            return (token_logprobs if hidden.device.type == "cpu" else kernel.apply)(hidden, *args)

    trl_utils._use_triton = lambda device: device.type == "cpu" or original(device)
    trl_utils._ChunkedLogProbFunction = OnCpuPlain
    try:
        yield
    finally:
        trl_utils._use_triton = original
        trl_utils._ChunkedLogProbFunction = kernel


def token_logprobs(hidden, weight, bias, targets, temperature=1.0, chunk_size=None,
                   final_logit_softcapping=None, logit_scale=1.0, outputs=("log_probs",)):
    """What trl's `ChunkedLogProbFunction.apply` returns, from one projection and a log-softmax.

    `(log_probs, entropy, log_sum_sq_probs, mean_logits, is_top1)` per row of `hidden` [N, H], each
    `None` unless named in `outputs`; `chunk_size` is accepted and ignored. Only `log_probs` carries
    a gradient: trl's SFT and DPO trainers log the others detached.
    """
    import torch
    import torch.nn.functional as F

    z = F.linear(hidden, weight, bias).float()
    if logit_scale != 1.0:
        z = z * logit_scale
    if final_logit_softcapping is not None:
        z = final_logit_softcapping * torch.tanh(z / final_logit_softcapping)
    if temperature != 1.0:
        z = z / temperature
    log_p = z.log_softmax(-1)
    log_probs = log_p.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    with torch.no_grad():
        entropy = -torch.linalg.vecdot(log_p.exp(), log_p) if "entropy" in outputs else None
        log_sum_sq = torch.logsumexp(2 * log_p, -1) if "log_sum_sq_probs" in outputs else None
        mean_logits = z.mean(-1) if "mean_logits" in outputs else None
        is_top1 = z.argmax(-1) == targets if "is_top1" in outputs else None
    return log_probs, entropy, log_sum_sq, mean_logits, is_top1


def make_optimizer(model, learning_rate: float, token_learning_rate: float):
    """AdamW with the token rows in their own, faster group."""
    import torch

    token_params, lora_params = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (token_params if "trainable_tokens_delta" in name else lora_params).append(p)
    groups = [{"params": lora_params, "lr": learning_rate}]
    if token_params:
        groups.append({"params": token_params, "lr": token_learning_rate})
    return torch.optim.AdamW(groups, weight_decay=0.0)


def float32_trainable(model) -> None:
    """Make every trainable weight float32 in place (the same Parameter objects the optimizer holds).

    Mixed precision keeps its master weights in float32; trl's trainers cast the trainable weights of
    a 4-bit model to bfloat16, which a T4 does not have, and small updates vanish in 16 bits.
    """
    import torch

    for p in model.parameters():
        if p.requires_grad and p.dtype != torch.float32:
            p.data = p.data.float()


def sft_kwargs(cfg: TrainConfig, profile: Profile) -> dict:
    """Keyword arguments for trl's `SFTConfig` (kept as a dict so tests can check every name)."""
    kwargs = dict(
        output_dir=str(Path(cfg.out) / "checkpoints"),
        max_length=cfg.max_length,
        assistant_only_loss=True,
        packing=False,  # see README "Why no packing": rows are short; length grouping removes the padding
        train_sampling_strategy=cfg.sampling,
        max_steps=cfg.max_steps,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=cfg.warmup,
        logging_steps=1,
        save_steps=cfg.save_steps,
        save_total_limit=2,
        seed=cfg.seed,
        report_to="none",
        dataloader_num_workers=0,
        **profile.trainer_kwargs(),
    )
    if cfg.batch_size:
        kwargs["per_device_train_batch_size"] = cfg.batch_size
    return {**kwargs, **cfg.extra}


def lora_kwargs(cfg: TrainConfig, token_indices) -> dict:
    """Keyword arguments for peft's `LoraConfig`."""
    return dict(
        r=cfg.lora_r,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules="all-linear",
        trainable_token_indices=token_indices,
        task_type="CAUSAL_LM",
    )


def last_checkpoint(out: str | Path) -> str | None:
    """The newest complete checkpoint under `OUT/checkpoints`.

    A run killed while writing a checkpoint leaves a folder without `trainer_state.json` (the
    Trainer writes it last); resuming skips such a folder and loses at most one save interval.
    """
    folders = Path(out, "checkpoints").glob("checkpoint-*")
    complete = [f for f in folders if f.name.split("-")[-1].isdigit() and (f / "trainer_state.json").is_file()]
    return str(max(complete, key=lambda f: int(f.name.split("-")[-1]))) if complete else None


def hub_token() -> str | None:
    from huggingface_hub import get_token

    return os.environ.get("HF_TOKEN") or get_token()


RESUME_HINT = ": with that profile, --resume (resume=True in TrainConfig) continues from it"


@dataclass
class Prepared:
    """What `prepare` returns: the run's profile, the base model with the tag tokens, and the data."""

    profile: Profile
    model: object
    tokenizer: object
    new_ids: list[int]
    dataset: object
    dropped: list
    problems: list


def prepare(cfg: TrainConfig, log=print) -> Prepared:
    """The profile, the base model and tokenizer with the tool tokens, and the rows to train on.

    Rows are rendered as `messages`, invalid ones skipped, over-long ones dropped (`prepare_dataset`),
    and, when `max_steps` reaches fewer than all, drawn at random first (`rows_reached`).
    """
    from transformers import set_seed

    profile = get_profile(cfg.profile)
    if cfg.batch_size:
        profile = replace(profile, batch_size=cfg.batch_size)
    log(profile.describe())
    # Seed before any random init (new token rows, LoRA A matrices): the Trainer seeds only after
    # the model exists, so without this every run, and every process of a launch, started differently.
    set_seed(cfg.seed)
    rows, problems = load_conversations(cfg.data)  # before the model: a bad file fails in a second
    if not rows:
        raise ValueError(f"{cfg.data}: no valid rows to train on ({len(problems)} invalid)")
    model, tokenizer, new_ids = load_base(cfg.model, profile, training=True)
    for p in problems[:10]:
        log(f"skipped invalid row: {p}")
    if cfg.limit:
        rows = rows[: cfg.limit]
    dataset, dropped = prepare_dataset(rows, tokenizer, cfg.max_length)
    log(f"data: {len(dataset)} rows kept, {len(problems)} invalid, {len(dropped)} over max_length={cfg.max_length}")
    if cfg.sampling == "group_by_length":
        world = int(os.environ.get("WORLD_SIZE", "1"))
        reached = cfg.max_steps * profile.batch_size * profile.grad_accum * world
        if reached < len(dataset):
            dataset = rows_reached(dataset, reached, cfg.seed)
            log(f"data: {reached} of them drawn at random for {cfg.max_steps} steps, then grouped by length")
    return Prepared(profile, model, tokenizer, new_ids, dataset, dropped, problems)


def finish_trainer(trainer, cfg: TrainConfig, profile: Profile):
    """What the SFT trainer needs after it is built: float32 trainable weights and the NaN guard."""
    float32_trainable(trainer.model)  # after the trainer: trl recasts a quantized model's to bfloat16
    NonFiniteGuard(profile, cfg.out, cfg.learning_rate,
                   resume_hint=RESUME_HINT if computes_in_float16(profile) else "").install(trainer)
    return trainer


def logged(trainer, key: str = "loss") -> list:
    """`key` from every logged training step (None where a step lacks it)."""
    return [h.get(key) for h in trainer.state.log_history if "loss" in h]


def build_trainer(cfg: TrainConfig, log=print, callbacks: tuple = ()):
    """The `SFTTrainer` for `cfg`, ready to train, and a summary of its data and profile.

    Notebook 3 makes the same calls in the same order, in view.
    """
    from trl import SFTConfig, SFTTrainer

    run = prepare(cfg, log)
    peft_model = build_peft_model(run.model, run.new_ids, cfg)
    trainable, total = peft_model.get_nb_trainable_parameters()
    log(f"trainable parameters: {trainable:,} of {total:,} ({100 * trainable / total:.2f}%)")
    trainer = SFTTrainer(
        model=peft_model,
        args=SFTConfig(**sft_kwargs(cfg, run.profile)),
        train_dataset=run.dataset,
        processing_class=run.tokenizer,
        optimizers=(make_optimizer(peft_model, cfg.learning_rate, cfg.token_learning_rate), None),
        callbacks=list(callbacks),
    )
    finish_trainer(trainer, cfg, run.profile)
    return trainer, {"rows": len(run.dataset), "dropped": run.dropped, "profile": run.profile.name}


def train(cfg: TrainConfig, log=print) -> dict:
    """Run one LoRA SFT job; returns a summary with the adapter directory and loss history."""
    if cfg.push_to_hub and not hub_token():
        raise PermissionError(
            f"--push-to-hub {cfg.push_to_hub}: no Hugging Face token found. Set HF_TOKEN (or run "
            "`huggingface-cli login`, or add the HF_TOKEN secret on Colab) before training."
        )
    trainer, info = build_trainer(cfg, log)
    resume_from = last_checkpoint(cfg.out) if cfg.resume else None
    if cfg.resume:
        log(f"resuming from {resume_from}" if resume_from else "no checkpoint to resume from: starting fresh")
    if resume_from and trainer.accelerator.scaler is None:
        trainer._load_scaler = lambda checkpoint: None  # a t4 checkpoint's fp16 loss scale, resumed without fp16
    start = time.perf_counter()
    with cpu_lm_head():
        trainer.train(resume_from_checkpoint=resume_from)
    seconds = time.perf_counter() - start
    adapter_dir = Path(cfg.out) / "adapter"
    state_dict = gathered_state_dict(trainer)  # on every process: a collective under FSDP / ZeRO-3
    if trainer.is_world_process_zero():  # one writer (and one push) under `accelerate launch`
        save_adapter(trainer.accelerator.unwrap_model(trainer.model), trainer.processing_class, adapter_dir, base_model=cfg.model, recipe=asdict(cfg),
                     state_dict=state_dict)
        if cfg.push_to_hub:
            push_adapter(adapter_dir, cfg.push_to_hub)
            log(f"pushed {adapter_dir} to https://huggingface.co/{cfg.push_to_hub}")
    trainer.accelerator.wait_for_everyone()
    losses = logged(trainer, "loss")
    return {
        "adapter_dir": str(adapter_dir),
        "train_seconds": seconds,
        "steps": trainer.state.global_step,
        "losses": losses,
        **info,
    }


def gathered_state_dict(trainer) -> dict | None:
    """Whole weights where the processes hold shards (FSDP, DeepSpeed), else None (use the model's).

    A collective under FSDP and DeepSpeed ZeRO-3: every process must call it.
    """
    if getattr(trainer, "is_fsdp_enabled", False):
        return trainer.accelerator.get_state_dict(trainer.model)
    if getattr(trainer, "is_deepspeed_enabled", False):
        return trainer.accelerator.get_state_dict(trainer.deepspeed)
    return None


def save_adapter(peft_model, tokenizer, adapter_dir: Path, base_model: str, recipe: dict | None = None,
                 state_dict: dict | None = None) -> None:
    """Save LoRA weights and token rows (no embedding matrices), the tokenizer and a meta file.

    Everything is written to a staging directory beside `adapter_dir` and renamed into place once
    complete, so a run killed while saving leaves an earlier adapter there as it was.
    """
    import shutil
    import tempfile

    adapter_dir = Path(adapter_dir)
    adapter_dir.parent.mkdir(parents=True, exist_ok=True)
    previous = _previous_dir(adapter_dir)
    if previous.is_dir() and not adapter_dir.exists():  # a swap was interrupted between its two renames
        os.rename(previous, adapter_dir)
    for stale in adapter_dir.parent.glob(f".{adapter_dir.name}.staging-*"):  # left by a killed save
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{adapter_dir.name}.staging-", dir=adapter_dir.parent))
    try:
        peft_model.save_pretrained(staging, save_embedding_layers=False, state_dict=state_dict)
        tokenizer.save_pretrained(staging)
        meta = {"base_model": base_model, "vocab_size": len(tokenizer), "recipe": recipe or {}}
        (staging / META_FILE).write_text(json.dumps(meta, indent=2, default=str))
        staging.chmod(0o755)
        if adapter_dir.exists():
            shutil.rmtree(previous, ignore_errors=True)
            os.rename(adapter_dir, previous)
        try:
            os.rename(staging, adapter_dir)
        except OSError:
            if previous.is_dir():
                os.rename(previous, adapter_dir)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(previous, ignore_errors=True)


def _previous_dir(adapter_dir: Path) -> Path:
    """Where `save_adapter` keeps the earlier adapter during the swap."""
    return adapter_dir.parent / f".{adapter_dir.name}.previous"


class AdapterError(ValueError):
    """A directory that is not a complete adapter saved by `save_adapter`."""


ADAPTER_FILES = ("adapter_config.json", "tokenizer_config.json", META_FILE)


def adapter_problem(adapter_dir: str | Path, files: bool = True) -> str | None:
    """Why `adapter_dir` is not a complete adapter saved by `save_adapter`, or None.

    Checks the meta and (unless `files=False`) the other files, not the tokenizer's length
    (`load_adapter` checks that).
    """
    adapter_dir = Path(adapter_dir)
    hint = "expected an adapter saved by `python -m helpers train`"
    if not adapter_dir.exists():
        return f"{adapter_dir}: no such directory ({hint}, with {META_FILE})"
    if not adapter_dir.is_dir():
        return f"{adapter_dir}: not a directory ({hint})"
    if not (adapter_dir / META_FILE).is_file():
        return f"{adapter_dir}: not an adapter directory (no {META_FILE}; {hint})"
    missing = [f for f in ADAPTER_FILES if files and not (adapter_dir / f).is_file()]
    if files and not any((adapter_dir / f).is_file() for f in ("adapter_model.safetensors", "adapter_model.bin")):
        missing.insert(0, "adapter_model.safetensors")
    if files and not any((adapter_dir / f).is_file() for f in ("tokenizer.json", "tokenizer.model")):
        missing.append("tokenizer.json")
    if missing:
        return f"{adapter_dir}: incomplete adapter, missing {', '.join(missing)}"
    try:
        meta = json.loads((adapter_dir / META_FILE).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return f"{adapter_dir / META_FILE}: unreadable ({e})"
    if not isinstance(meta, dict) or not isinstance(meta.get("base_model"), str) or not isinstance(meta.get("vocab_size"), int):
        return f"{adapter_dir / META_FILE}: needs 'base_model' (a string) and 'vocab_size' (an integer)"
    return None


def adapter_size_bytes(adapter_dir: str | Path) -> int:
    return sum(p.stat().st_size for p in Path(adapter_dir).glob("adapter_model.*"))


def read_meta(adapter_dir: str | Path) -> dict:
    """The `course_meta.json` of an adapter saved by `save_adapter`; `AdapterError` if it is missing or bad."""
    problem = adapter_problem(adapter_dir, files=False)
    if problem:
        raise AdapterError(problem)
    return json.loads((Path(adapter_dir) / META_FILE).read_text())


def load_adapter(adapter_dir: str | Path, profile: Profile | None = None, merge: bool = False,
                 trainable: bool = False):
    """Base model from the adapter's meta, resized to its vocabulary, with the adapter applied.

    For inference by default (eval mode, optionally merged, never into 4-bit weights); `trainable=True`
    keeps the adapter's weights trainable, for further training such as DPO. The model lands on the
    profile's device.
    """
    from peft import PeftModel
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    adapter_dir = Path(adapter_dir)
    problem = adapter_problem(adapter_dir)
    if problem:
        raise AdapterError(problem)
    meta = read_meta(adapter_dir)
    profile = profile or get_profile("auto")
    path = resolve_model(meta["base_model"])
    model_type = AutoConfig.from_pretrained(path).model_type
    tokenizer = AutoTokenizer.from_pretrained(adapter_dir)
    if len(tokenizer) != meta["vocab_size"]:
        raise AdapterError(f"{adapter_dir}: its tokenizer has {len(tokenizer)} tokens but {META_FILE} says "
                         f"vocab_size {meta['vocab_size']}: the files come from different saves")
    model = AutoModelForCausalLM.from_pretrained(path, **profile.model_kwargs(model_type, trainable))
    model.resize_token_embeddings(meta["vocab_size"], mean_resizing=False)
    model = PeftModel.from_pretrained(model, adapter_dir, is_trainable=trainable)
    if trainable:
        expose_wrapped_bias(model)
        return model, tokenizer
    if merge and profile.load_in_4bit:  # merging re-quantizes the sum: generations would differ from training's
        print("adapter not merged: the base weights are 4-bit, so it is applied on top of them unmerged")
    elif merge:
        model = model.merge_and_unload()
    model.eval()
    return model, tokenizer


def push_adapter(adapter_dir: Path, repo_id: str) -> None:
    """Upload the adapter folder to `repo_id` (a repo id, never a commit message)."""
    from huggingface_hub import HfApi

    api = HfApi(token=hub_token())
    api.create_repo(repo_id, exist_ok=True, private=True)
    api.upload_folder(repo_id=repo_id, folder_path=str(adapter_dir), commit_message="Upload tool-calling LoRA adapter")
