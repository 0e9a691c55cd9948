"""This course's recipe against the public notebook's recipe: same model, data and machine, one run.

(a) `public`: the public notebook's recipe as far as current libraries allow: loss on every token,
    LoRA r=16 alpha=64 dropout 0.05 on all linear layers, the whole embedding trained (peft's
    `modules_to_save`, kept tied to the LM head), new tokens initialised by `resize_token_embeddings`,
    lr 1e-4, cosine, warmup 0.1, packing, max_length 1500, batch 1 x gradient accumulation 4.
(b) `course`: `helpers.training.TrainConfig`'s defaults (the demo's recipe).

Both use the course's chat template (the public one emitted roles literally and doubled BOS/EOS,
which is a bug, not a recipe). Each recipe trains in its own process (so peak RSS is its own);
`--evals` times during training the clock stops while exact match is measured on the first
`--eval-rows` rows of `test`; at the end `test` and `unseen` are scored and the adapter is saved
the way the recipe saves it. Prints one JSON line per recipe and a Markdown table.

    .venv/bin/python benchmarks/recipes.py [--steps-public 8] [--steps-course 140] [--evals 4]
                                           [--eval-rows 16] [--target 0.25] [--out runs/recipes]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpers.data import load_conversations  # noqa: E402
from helpers.evaluation import evaluate_rows, summarize  # noqa: E402
from helpers.training import SHIPPED  # noqa: E402

RECIPES = ("public", "course")
# (a): the public notebook's settings, under today's names (max_seq_length -> max_length, warmup_ratio -> warmup_steps)
PUBLIC_LORA = dict(r=16, lora_alpha=64, lora_dropout=0.05, target_modules="all-linear",
                   modules_to_save=["embed_tokens"], ensure_weight_tying=True, task_type="CAUSAL_LM")
PUBLIC_SFT = dict(max_length=1500, packing=True, assistant_only_loss=False, learning_rate=1e-4,
                  lr_scheduler_type="cosine", warmup_steps=0.1, per_device_train_batch_size=1,
                  gradient_accumulation_steps=4)


def exact_match_callback(rows: list[dict], every: int, max_new_tokens: int):
    """A `TrainerCallback` that scores `rows` every `every` steps and at the last one, on a clock that
    excludes scoring; `.last` is the summary at the last step."""
    from transformers import TrainerCallback

    class ExactMatchClock(TrainerCallback):
        def __init__(self):
            self.points, self.paused, self.start, self.last = [], 0.0, None, None

        def train_seconds(self) -> float:
            return time.perf_counter() - self.start - self.paused

        def on_train_begin(self, args, state, control, **kwargs):
            self.start = time.perf_counter()

        def on_step_end(self, args, state, control, model=None, processing_class=None, **kwargs):
            if state.global_step % every and state.global_step != state.max_steps:
                return
            seconds, t = self.train_seconds(), time.perf_counter()
            model.eval()
            self.last = summarize(evaluate_rows(model, processing_class, rows, max_new_tokens=max_new_tokens,
                                                batch_size=16, progress=False))
            em = self.last["exact_match"]
            model.train()
            self.points.append({"step": state.global_step, "train_seconds": round(seconds, 1), "exact_match": em,
                                "tokens": int(state.num_input_tokens_seen)})
            print(f"  step {state.global_step}: exact match {em:.3f} after {seconds:.0f} s of training", flush=True)
            self.paused += time.perf_counter() - t

    return ExactMatchClock()


def public_trainer(model_spec: str, data: str, out: Path, steps: int, callback):
    """The public notebook's recipe on current trl / peft / transformers."""
    from datasets import Dataset
    from peft import LoraConfig, get_peft_model
    from transformers import set_seed
    from trl import SFTConfig, SFTTrainer

    from helpers.chat import add_tool_tokens
    from helpers.data import canonical_messages
    from helpers.profiles import get_profile
    from helpers.training import expose_wrapped_bias, load_base

    set_seed(0)
    profile = get_profile("auto")  # the machine's precision and checkpointing, as for the course recipe
    model, tokenizer, _ = load_base(model_spec, profile, add_tokens=False)
    add_tool_tokens(tokenizer)  # the tags (one id each) and a pad token, without the course's row init
    model.resize_token_embeddings(len(tokenizer))  # transformers' own init, as the public notebook had
    dataset = Dataset.from_list([{"messages": canonical_messages(r)} for r in load_conversations(data)[0]])
    peft_model = get_peft_model(model, LoraConfig(**PUBLIC_LORA))
    expose_wrapped_bias(peft_model)
    args = SFTConfig(output_dir=str(out / "checkpoints"), max_steps=steps, logging_steps=1, save_strategy="no",
                     report_to="none", seed=0, include_num_input_tokens_seen="non_padding",
                     **{**profile.trainer_kwargs(), **PUBLIC_SFT})
    trainer = SFTTrainer(model=peft_model, args=args, train_dataset=dataset, processing_class=tokenizer,
                         callbacks=[callback])
    return trainer, tokenizer


def course_trainer(model_spec: str, data: str, out: Path, steps: int, callback):
    from helpers.training import TrainConfig, build_trainer

    cfg = TrainConfig(model=model_spec, data=data, out=str(out), max_steps=steps, save_steps=10**6,
                      extra={"save_strategy": "no", "include_num_input_tokens_seen": "non_padding"})
    trainer, _ = build_trainer(cfg, log=lambda *_: None, callbacks=(callback,))
    return trainer, trainer.processing_class


def run_recipe(name: str, args) -> dict:
    """Train one recipe in this process and measure it."""
    from helpers.training import adapter_size_bytes, cpu_lm_head, save_adapter

    out = Path(args.out) / name
    data = str(Path(args.data_dir) / "train.jsonl")
    test = load_conversations(Path(args.data_dir) / "test.jsonl")[0][: args.eval_rows]
    unseen = load_conversations(Path(args.data_dir) / "unseen.jsonl")[0][: args.eval_rows]
    build, steps = (public_trainer, args.steps_public) if name == "public" else (course_trainer, args.steps_course)
    clock = exact_match_callback(test, -(-steps // args.evals), args.max_new_tokens)
    trainer, tokenizer = build(args.model, data, out, steps, clock)
    with cpu_lm_head():
        trainer.train()
    train_seconds = clock.train_seconds()
    model = trainer.model
    model.eval()
    final = {"test": clock.last,  # scored by the clock at the last step
             "unseen": summarize(evaluate_rows(model, tokenizer, unseen, max_new_tokens=args.max_new_tokens,
                                               batch_size=16, progress=False))}
    adapter = out / "adapter"
    if name == "public":
        model.save_pretrained(adapter)  # what the public notebook saved: the embedding travels with it
    else:
        save_adapter(model, tokenizer, adapter, base_model=args.model)
    reached = next((p for p in clock.points if p["exact_match"] >= args.target), None)
    tokens = trainer.state.num_input_tokens_seen
    return {
        "recipe": name,
        "steps": trainer.state.global_step,
        "train_seconds": round(train_seconds, 1),
        "seconds_per_step": round(train_seconds / max(trainer.state.global_step, 1), 2),
        "tokens_per_second": round(tokens / train_seconds, 1),
        "target": args.target,
        "reached_at": reached,
        "curve": clock.points,
        "final_exact_match": {s: final[s]["exact_match"] for s in final},
        "final_labels": {s: final[s]["labels"] for s in final},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "adapter_mb": round(adapter_size_bytes(adapter) / 1e6, 1),
    }


def table(results: list[dict]) -> str:
    def reach(r):
        p = r["reached_at"]
        return f"{p['train_seconds']:.0f} s / {p['step']} steps" if p else f"not within {r['train_seconds']:.0f} s"

    rows = [
        ("steps trained", lambda r: str(r["steps"])),
        ("training seconds (scoring excluded)", lambda r: f"{r['train_seconds']:.0f}"),
        ("seconds per step", lambda r: f"{r['seconds_per_step']:.1f}"),
        ("tokens per second (non-padding)", lambda r: f"{r['tokens_per_second']:.0f}"),
        (f"time to exact match >= {results[0]['target']:.2f} on test", reach),
        ("final exact match, test", lambda r: f"{100 * r['final_exact_match']['test']:.1f}%"),
        ("final exact match, unseen", lambda r: f"{100 * r['final_exact_match']['unseen']:.1f}%"),
        ("peak RSS", lambda r: f"{r['peak_rss_mb']:.0f} MB"),
        ("adapter on disk", lambda r: f"{r['adapter_mb']:.1f} MB"),
    ]
    lines = ["| | " + " | ".join(f"({'ab'[i]}) {r['recipe']}" for i, r in enumerate(results)) + " |",
             "|---|" + "---|" * len(results)]
    lines += [f"| {label} | " + " | ".join(f(r) for r in results) + " |" for label, f in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # about 390-430 s of training each on a 2-core CPU under cpu-bf16: 48 s and 3.1 s per step
    parser.add_argument("--steps-public", dest="steps_public", type=int, default=8)
    parser.add_argument("--steps-course", dest="steps_course", type=int, default=140)
    parser.add_argument("--evals", type=int, default=4, help="times to score test during training")
    parser.add_argument("--eval-rows", dest="eval_rows", type=int, default=16)
    parser.add_argument("--max-new-tokens", dest="max_new_tokens", type=int, default=192)
    parser.add_argument("--target", type=float, default=0.25, help="exact match on test to time")
    parser.add_argument("--data-dir", dest="data_dir", default=str(SHIPPED))
    parser.add_argument("--model", default="smollm2-135m-instruct", help="model spec (hub id, path, embedded name)")
    parser.add_argument("--out", default="runs/recipes")
    parser.add_argument("--only", choices=RECIPES, default=None, help="run one recipe in this process")
    args = parser.parse_args(argv)

    if args.only:
        result = run_recipe(args.only, args)
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / f"{args.only}.json").write_text(json.dumps(result, indent=2))
        print(json.dumps(result), flush=True)
        return 0
    results = []
    for name in RECIPES:
        print(f"--- recipe {name}", flush=True)
        cmd = [sys.executable, __file__, *(argv if argv is not None else sys.argv[1:]), "--only", name]
        if subprocess.run(cmd).returncode:
            print(f"error: recipe {name} failed", file=sys.stderr)
            return 1
        results.append(json.loads((Path(args.out) / f"{name}.json").read_text()))
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
