"""Stop a training run at the first NaN/inf, before anything half-trained is saved as the adapter.

A float16 run can overflow: float16's largest value is 65,504 and Gemma's activations (the model was
trained in bfloat16) come near it or past it. The Trainer does not stop for it; with
`logging_nan_inf_filter` (on by default) it even logs the average of the earlier losses in place of
a NaN one. The guard checks the loss every micro-batch (wrapping `trainer.training_step`, so it
does not depend on logging) and the gradient norm before every optimizer step (a callback's
`on_pre_optimizer_step`, after clipping has unscaled the gradients).

The rule:
- a non-finite loss is always fatal: the forward pass overflowed;
- without a grad scaler (bf16, float32) a non-finite gradient norm is fatal at once;
- under fp16 mixed precision the GradScaler multiplies the loss by its scale (2**16 at first), gets
  inf gradients, skips that optimizer step and halves the scale; a few such skips at the start are
  normal. `MAX_SCALER_SKIPS` of them in a row are fatal: by then the scale has fallen 32x and the
  gradients still overflow.
"""

from __future__ import annotations

import math
from pathlib import Path

MAX_SCALER_SKIPS = 5


class NonFiniteLoss(RuntimeError):
    """The loss or gradient norm became NaN/inf; the message says at which step and what to do."""

    def __init__(self, message: str, step: int, value: float, what: str):
        super().__init__(message)
        self.step, self.value, self.what = step, value, what


def compute_of(profile) -> str:
    """How a profile computes, in words: `4-bit NF4 weights, float16 compute, fp16 mixed precision`."""
    weights = "4-bit NF4" if profile.load_in_4bit else profile.dtype
    if profile.fp16:
        return f"{weights} weights, float16 compute, fp16 mixed precision"
    if profile.bf16:
        return f"{weights} weights, bfloat16 autocast"
    return f"{weights} weights, {profile.dtype} compute"


def computes_in_float16(profile) -> bool:
    return profile.fp16 or profile.dtype == "float16"


def what_to_do(profile, learning_rate: float | None = None) -> str:
    """The recourse: a profile without float16 where float16 is the cause, else a lower learning rate."""
    if computes_in_float16(profile):
        return ("Float16 overflows past 65,504, and Gemma's activations come near it: train with profile "
                "t4-fp32 on a T4 (the same 4-bit QLoRA computing in float32: slower, more memory), or a100 "
                "on a GPU with bfloat16 (--profile t4-fp32 on the command line, profile=\"t4-fp32\" in "
                "TrainConfig/AlignConfig)")
    lr = f" (now {learning_rate:g})" if learning_rate else ""
    also = "; or profile cpu (float32 throughout)" if profile.bf16 and profile.name.startswith("cpu") else ""
    return (f"This profile does not compute in float16, so this is not float16's overflow but a diverging run: "
            f"lower the learning rate{lr} and check the data{also}")


class NonFiniteGuard:
    """Raises `NonFiniteLoss` at the first non-finite loss, or gradient norm under the rule above.

    `install(trainer)` wraps its `training_step` and adds the callback. The message names the last
    checkpoint this run saved or resumed from (all before the bad step, so finite) and, after it,
    `resume_hint`: how to continue from it.
    """

    def __init__(self, profile, out: str, learning_rate: float | None = None, scaler: bool = False,
                 resume_hint: str = ""):
        self.profile, self.out, self.learning_rate, self.scaler = profile, out, learning_rate, scaler
        self.resume_hint = resume_hint
        self.skipped, self.max_steps, self.checkpoint = 0, None, None

    def install(self, trainer) -> NonFiniteGuard:
        from transformers import TrainerCallback

        guard = self
        self.scaler = getattr(trainer.accelerator, "scaler", None) is not None
        step_fn = trainer.training_step

        def training_step(*args, **kwargs):
            loss = step_fn(*args, **kwargs)
            guard.check_loss(trainer.state.global_step + 1, loss)
            return loss

        class Callback(TrainerCallback):
            def on_train_begin(self, args, state, control, **kwargs):
                guard.max_steps = state.max_steps
                if state.global_step:  # resumed: the checkpoint it started from
                    guard.checkpoint = str(Path(args.output_dir) / f"checkpoint-{state.global_step}")

            def on_save(self, args, state, control, **kwargs):
                guard.checkpoint = str(Path(args.output_dir) / f"checkpoint-{state.global_step}")

            def on_pre_optimizer_step(self, args, state, control, model=None, **kwargs):
                guard.check_grad_norm(state.global_step + 1, gradient_norm(model))

        trainer.training_step = training_step
        trainer.add_callback(Callback())
        return self

    def check_loss(self, step: int, loss) -> None:
        value = float(loss.detach().float().mean()) if hasattr(loss, "detach") else float(loss)
        if any_process(not math.isfinite(value), loss):
            self.fail(step, value, "loss" if not math.isfinite(value) else "loss of another process")

    def check_grad_norm(self, step: int, norm: float | None) -> None:
        if norm is None or math.isfinite(norm):
            self.skipped = 0
            return
        self.skipped += 1
        if not self.scaler or self.skipped >= MAX_SCALER_SKIPS:
            self.fail(step, norm, "gradient norm")

    def fail(self, step: int, value: float, what: str):
        p = self.profile
        where = f"the {what} is {value}" if what != "loss of another process" else "another process's loss is not finite"
        if what == "gradient norm" and self.scaler:
            where += (f" for the {self.skipped}th optimizer step in a row (fp16's grad scaler skips such steps "
                      f"and lowers its scale; {MAX_SCALER_SKIPS} in a row means it is not the scale)")
        of = f" of {self.max_steps}" if self.max_steps else ""
        message = (f"training stopped at step {step}{of}: {where} under profile {p.name} ({compute_of(p)}); "
                   f"{Path(self.out) / 'adapter'} was not written. {what_to_do(p, self.learning_rate)}.")
        if self.checkpoint and Path(self.checkpoint).is_dir():
            message += f" {self.checkpoint} is from before step {step}{self.resume_hint}."
        raise NonFiniteLoss(message, step, value, what)


def gradient_norm(model) -> float | None:
    """The L2 norm of the trainable parameters' gradients (None where there are none)."""
    import torch

    grads = [p.grad for p in model.parameters() if p.requires_grad and p.grad is not None] if model else []
    if not grads:
        return None
    return float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.float()) for g in grads])))


def any_process(flag: bool, like) -> bool:
    """`flag` on any process of a distributed run (every process must call this), else `flag`.

    A non-finite loss on one process only would stop that one and leave the others waiting for it
    in their next collective.
    """
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
        return flag
    import torch

    device = like.device if hasattr(like, "device") else "cpu"
    t = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())
