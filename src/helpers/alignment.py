"""Stage 3, preference alignment: DPO on tool calls, on top of the SFT adapter.

Pretraining teaches a model language, instruction tuning (our LoRA SFT) teaches it to answer in the
format we want; alignment teaches it which of two plausible answers is *better*. DPO (Direct
Preference Optimization) needs pairs: a prompt, a `chosen` answer and a `rejected` one. It raises the
likelihood of the chosen answer relative to the rejected one, measured against a frozen reference
model (here the SFT model itself), so the policy cannot drift far from what SFT taught.

The pairs come from the hermes-format data in trl's conversational preference format
(`{"prompt": [system, user], "chosen": [assistant], "rejected": [assistant]}`):

- `chosen` is the data's own first assistant turn (it passes `evaluation.score`);
- `rejected` is a realistic failure of a kind the evaluation labels: the wrong tool, a missing or
  wrong argument, an extra argument, a dropped parallel call, no call where one was needed, a call
  where no offered tool fits, a call cut off mid-JSON (`synthetic_pairs`);
- and the SFT model's own mistakes: it answers train prompts greedily and every answer the scorer
  does not label `correct` becomes a rejected turn (`mine_pairs`).

Training is trl's `DPOTrainer` on the SFT adapter itself (loaded trainable), so the aligned adapter
is saved in exactly the SFT adapter's format and `training.load_adapter`, `helpers.evaluation` and
`python -m helpers evaluate --adapter` work on it unchanged.

The reference model. Given a `PeftModel` that already carries an adapter (and no `ref_model`), trl
1.16 adds a second adapter named `ref`, copies the LoRA weights of `default` into it and runs the
reference forward with `ref` active: the reference is the SFT model, with no second copy of the
base weights. Its copy loop only matches parameter names containing `.default.`; peft names the
trainable token rows `...trainable_tokens_delta.default` (no trailing dot), so the reference kept
freshly initialised rows for the new tag tokens and disagreed with the SFT model on every
`<tool_call>`. `sync_reference_adapter` copies what trl missed; after it the first reward margin is
exactly 0 and plain DPO's first loss exactly log 2 (policy == reference).

The loss is DPO's plus, by default, the NLL of the chosen turn (`sft_weight`, trl's
`loss_type=["sigmoid", "sft"]`, RPO), so the chosen turns stay likely while the rejected ones fall.
docs/alignment.md has the measured before/after and what a badly designed pair does to the policy.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .data import canonical_messages, load_conversations
from .evaluation import LABELS, score
from .formats import format_think, format_tool_call
from .guards import NonFiniteGuard, NonFiniteLoss
from .profiles import PROFILES, Profile, get_profile
from .toolcalls import ToolCall, parse_tool_calls
from .training import (
    SHIPPED,
    cpu_lm_head,
    float32_trainable,
    load_adapter,
    logged,
    make_optimizer,
    read_meta,
)

REJECTION_KINDS = (
    "wrong_func_name",
    "missing_required",
    "value_error",
    "type_error",
    "unexpected_param",
    "wrong_count",
    "no_call",
    "spurious_call",
    "unparseable",
)
"""The synthetic failures, named after the evaluation label each one is meant to draw."""

IRRELEVANCE_KINDS = ("spurious_call",)
NO_CALL_ANSWER = "None of the offered tools can do that, so I can't help with this request."
NO_CALL_THINK = "The offered tools don't cover this request, so I'll reply directly."


@dataclass
class AlignConfig:
    """The DPO recipe; every field is a `python -m helpers align` flag."""

    adapter: str = "runs/demo/adapter"
    data: str = str(SHIPPED / "train.jsonl")
    out: str = "runs/align"
    profile: str = "auto"
    max_steps: int = 30
    batch_size: int | None = 4
    learning_rate: float = 1e-4
    token_learning_rate: float = 1e-4
    beta: float = 0.1
    pairs: int = 192
    mine: int = 32
    mine_max_new_tokens: int = 128
    max_length: int = 512
    warmup: float = 0.1
    limit: int | None = None
    sft_weight: float = 1.0
    seed: int = 0
    max_seconds: float | None = None
    extra: dict = field(default_factory=dict)


ALIGN_SCALES = {
    "smoke": dict(max_steps=3, batch_size=2, pairs=9, mine=4, mine_max_new_tokens=64),
    "cpu": dict(max_steps=30, batch_size=4, pairs=192, mine=32, mine_max_new_tokens=96),
    "gpu": dict(max_steps=150, batch_size=None, pairs=1200, mine=200, mine_max_new_tokens=256),
}


def align_config(scale, adapter: str, out: str, **overrides) -> AlignConfig:
    """The `AlignConfig` of a notebook scale (`lesson.Scale`): its data and the DPO sizes above."""
    settings = dict(adapter=str(adapter), data=scale.data_path(), out=out, max_length=scale.max_length,
                    **ALIGN_SCALES[scale.name])
    return AlignConfig(**{**settings, **overrides})


# --- preference pairs ----------------------------------------------------------------------------


def _split_row(row: dict) -> tuple[list[dict], str] | None:
    """The prompt (every turn before the first assistant turn) and that turn's content."""
    messages = canonical_messages(row)
    first = next((i for i, m in enumerate(messages) if m["role"] == "assistant"), None)
    if first is None or not any(m["role"] == "user" for m in messages[:first]):
        return None
    return messages[:first], messages[first]["content"]


def _think(content: str) -> str:
    """What comes before the first call: the `<think>` block and the whitespace after it."""
    start = content.find("<tool_call>")
    return content[:start] if start != -1 else ""


def _render(think: str, calls: list[ToolCall], like: str = "") -> str:
    """`think` and the calls, separated and followed as in the turn `like` (one call per block)."""
    first_end, second = like.find("</tool_call>"), like.find("<tool_call>", like.find("<tool_call>") + 1)
    sep = like[first_end + len("</tool_call>"):second] if first_end != -1 and second > first_end else "\n"
    tail = like[like.rfind("</tool_call>") + len("</tool_call>"):] if "</tool_call>" in like else ""
    return think + sep.join(format_tool_call(c.name, c.arguments) for c in calls) + tail


def _schema(tools: list[dict], name: str) -> dict:
    return next((t.get("parameters") or {} for t in tools if t["name"] == name), {})


def _other_value(value, prop: dict, rng: random.Random, pool: list):
    """A plausible but different value for an argument: another enum option, a nearby number, a
    value the same parameter name takes elsewhere in the data, or a shortened string."""
    from .evaluation import same_value

    enum = [v for v in prop.get("enum") or [] if not same_value(v, value)]
    if enum:
        return rng.choice(enum)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + rng.choice([1, 2, 10]) if value else rng.choice([1, 2])
    if isinstance(value, float):
        return round(value * rng.choice([0.5, 2.0, 10.0]) + 1.0, 2)
    if isinstance(value, str):
        others = sorted({v for v in pool if isinstance(v, str) and v != value})
        if others and rng.random() < 0.5:
            return rng.choice(others)
        words = value.split()
        if len(words) > 1:
            return " ".join(words[:-1])
        return value[: max(1, len(value) // 2)] if len(value) > 1 else value + value
    if isinstance(value, list):
        return value[:-1] if value else ["?"]
    return None


def _changeable(value, prop: dict) -> bool:
    return _other_value(value, prop, random.Random(0), []) is not None


def _placeholder(prop: dict, query: str, rng: random.Random):
    """A value a model might invent for a required parameter when it calls an unfitting tool."""
    kind = prop.get("type")
    if prop.get("enum"):
        return rng.choice(prop["enum"])
    if kind == "integer":
        return rng.choice([1, 2, 5])
    if kind == "number":
        return rng.choice([1.0, 10.0])
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    words = re.findall(r"[A-Za-z0-9@.'-]+", query)
    return " ".join(words[-3:]) if words else "it"


def _string_pool(rows: list[dict]) -> dict[str, list]:
    """Every value each parameter name takes in the rows' expected calls (for wrong-value rejections)."""
    pool: dict[str, set] = {}
    for row in rows:
        split = _split_row(row)
        if split is None:
            continue
        for call in parse_tool_calls(split[1]):
            for key, value in call.arguments.items():
                if isinstance(value, (str, int, float, bool)):
                    pool.setdefault(key, set()).add(value)
    return {k: sorted(v, key=repr) for k, v in pool.items()}


def corrupt(kind: str, prompt: list[dict], chosen: str, tools: list[dict], rng: random.Random,
            pool: dict | None = None) -> str | None:
    """A rejected assistant turn of `kind` for this prompt, or None where `kind` does not apply.

    `chosen` is the correct turn (a `<think>` and the calls, or a plain answer when no tool fits).
    Errors in the arguments keep the chosen turn's thinking: the model knew what to do and wrote the
    call wrong; a wrong tool or a spurious call gets thinking that matches the call it makes.
    """
    if kind not in REJECTION_KINDS:
        raise ValueError(f"unknown rejection kind {kind!r}; choose from {', '.join(REJECTION_KINDS)}")
    pool = pool or {}
    calls = parse_tool_calls(chosen)
    think = _think(chosen)
    query = next((m["content"] for m in reversed(prompt) if m["role"] == "user"), "")
    names = [t["name"] for t in tools]
    if kind == "spurious_call":
        if calls or not tools:
            return None
        tool = rng.choice(tools)
        params = tool.get("parameters") or {}
        props = params.get("properties") or {}
        args = {k: _placeholder(props.get(k) or {}, query, rng) for k in params.get("required") or []}
        think = format_think(f"The user wants this done, so I'll call {tool['name']}.")
        return think + format_tool_call(tool["name"], args)
    if not calls:
        return None
    i = rng.randrange(len(calls))
    call = calls[i]
    schema = _schema(tools, call.name)
    props = schema.get("properties") or {}
    if kind == "wrong_func_name":
        # another offered tool the turn does not call anyway, else a made-up near-miss of the right name
        others = [n for n in names if n not in {c.name for c in calls}]
        if not others and len(names) < 2:
            return None
        parts = call.name.split("_")
        wrong = rng.choice(others) if others else "_".join(parts[1:]) if len(parts) > 1 else f"get_{call.name}"
        new = [*calls[:i], ToolCall(wrong, call.arguments), *calls[i + 1:]]
        return _render(format_think(f"I'll call {wrong}."), new, chosen)
    if kind == "missing_required":
        required = [k for k in schema.get("required") or [] if k in call.arguments]
        if not required:
            return None
        drop = rng.choice(required)
        args = {k: v for k, v in call.arguments.items() if k != drop}
        return _render(think, [*calls[:i], ToolCall(call.name, args), *calls[i + 1:]], chosen)
    if kind == "value_error":
        keys = [k for k, v in call.arguments.items() if _changeable(v, props.get(k) or {})]
        if not keys:
            return None
        key = rng.choice(keys)
        args = dict(call.arguments)
        args[key] = _other_value(args[key], props.get(key) or {}, rng, pool.get(key, []))
        return _render(think, [*calls[:i], ToolCall(call.name, args), *calls[i + 1:]], chosen)
    if kind == "type_error":
        keys = [k for k, v in call.arguments.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if not keys:
            return None
        key = rng.choice(keys)
        args = {**call.arguments, key: str(call.arguments[key])}
        return _render(think, [*calls[:i], ToolCall(call.name, args), *calls[i + 1:]], chosen)
    if kind == "unexpected_param":
        foreign = sorted({k for t in tools for k in ((t.get("parameters") or {}).get("properties") or {})} - set(props))
        extra = rng.choice(foreign) if foreign else rng.choice(["note", "confirm", "user_id"])
        if schema.get("additionalProperties") not in (None, False):
            return None
        args = {**call.arguments, extra: _placeholder({}, query, rng)}
        return _render(think, [*calls[:i], ToolCall(call.name, args), *calls[i + 1:]], chosen)
    if kind == "wrong_count":
        if len(calls) > 1 and rng.random() < 0.5:  # one of the parallel calls left out
            return _render(think, [c for j, c in enumerate(calls) if j != i], chosen)
        # one call too many: the same tool again with another value (or the same arguments)
        keys = [k for k, v in call.arguments.items() if _changeable(v, props.get(k) or {})]
        args = dict(call.arguments)
        if keys:
            key = rng.choice(keys)
            args[key] = _other_value(args[key], props.get(key) or {}, rng, pool.get(key, []))
        return _render(think, [*calls, ToolCall(call.name, args)], chosen)
    if kind == "no_call":
        return format_think(NO_CALL_THINK) + NO_CALL_ANSWER
    if kind == "unparseable":
        # the turn ends inside the last call's JSON, as when generation stops mid-call; never just
        # short of the closing braces: a pair that differs only in the number of `}` teaches the
        # policy to write extra braces everywhere (measured, see docs/alignment.md)
        text = _render(think, calls, chosen)
        body = text.rfind("<tool_call>\n") + len("<tool_call>\n")
        start, end = body + len('{"name": "') + 1, text.rfind("}}\n</tool_call>")
        return text[: rng.randrange(start, end)] if end > start else None
    raise AssertionError(kind)


def pair_record(row: dict, rejected: str, kind: str, source: str) -> dict:
    """One pair in trl's conversational preference format, with where it came from."""
    prompt, chosen = _split_row(row)
    return {
        "id": row["id"],
        "kind": kind,
        "source": source,
        "tools": row["tools"],
        "prompt": prompt,
        "chosen": [{"role": "assistant", "content": chosen}],
        "rejected": [{"role": "assistant", "content": rejected}],
    }


def check_pair(pair: dict) -> str | None:
    """None for a sound pair, else why not: the chosen turn must pass the scorer, the rejected fail it."""
    chosen, rejected = pair["chosen"][0]["content"], pair["rejected"][0]["content"]
    if chosen == rejected:
        return "rejected equals chosen"
    expected = parse_tool_calls(chosen)
    if score(expected, chosen, pair["tools"])[0] != "correct":
        return "chosen turn is not scored correct"
    if score(expected, rejected, pair["tools"])[0] == "correct":
        return "rejected turn is scored correct"
    return None


def rejected_label(pair: dict) -> str:
    """The evaluation label the rejected turn gets."""
    expected = parse_tool_calls(pair["chosen"][0]["content"])
    return score(expected, pair["rejected"][0]["content"], pair["tools"])[0]


def synthetic_pairs(rows: list[dict], n: int, seed: int = 0, kinds=REJECTION_KINDS) -> list[dict]:
    """`n` pairs, the kinds taking turns so each failure is about equally common (deterministic).

    Each kind draws rows in its own seeded order and takes the next one it applies to (a spurious call
    needs a row where no tool fits, a wrong count a row with parallel calls, ...). A pair whose
    rejected turn would pass the scorer is skipped.
    """
    usable = [r for r in rows if _split_row(r) is not None]
    orders = {k: random.Random(f"{seed}-{k}").sample(range(len(usable)), len(usable)) for k in kinds}
    pool = _string_pool(usable)
    cursors = {k: 0 for k in kinds}
    pairs: list[dict] = []
    exhausted: set[str] = set()
    turn = 0
    while len(pairs) < n and len(exhausted) < len(kinds):
        kind = kinds[turn % len(kinds)]
        turn += 1
        if kind in exhausted:
            continue
        while cursors[kind] < len(usable):
            row = usable[orders[kind][cursors[kind]]]
            cursors[kind] += 1
            prompt, chosen = _split_row(row)
            rejected = corrupt(kind, prompt, chosen, row["tools"], random.Random(f"{seed}-{row['id']}-{kind}"), pool)
            if rejected is None:
                continue
            pair = pair_record(row, rejected, kind, "synthetic")
            if check_pair(pair) is None:
                pairs.append(pair)
                break
        else:
            exhausted.add(kind)
    return pairs


def mine_pairs(model, tokenizer, rows: list[dict], n: int, seed: int = 0, max_new_tokens: int = 128,
               batch_size: int = 8, progress: bool = False) -> tuple[list[dict], dict]:
    """Pairs from the model's own mistakes: greedy answers to `n` seeded train prompts, each one the
    scorer does not label `correct` becomes the rejected turn against the data's answer.

    Returns the pairs and the label counts of all `n` answers (how often the model was already right).
    """
    from .evaluation import generate

    rng = random.Random(f"mine-{seed}")
    usable = [r for r in rows if _split_row(r) is not None]
    chosen_rows = rng.sample(usable, min(n, len(usable)))
    if not chosen_rows:
        return [], {}
    prompts = [_split_row(r)[0] for r in chosen_rows]
    was_training = model.training
    model.eval()
    raws = generate(model, tokenizer, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size, progress=progress)
    model.train(was_training)
    pairs, labels = [], Counter()
    for row, raw in zip(chosen_rows, raws):
        pair = pair_record(row, raw, "", "mined")
        label = rejected_label(pair)
        labels[label] += 1
        pair["kind"] = label
        if check_pair(pair) is None:
            pairs.append(pair)
    return pairs, dict(labels)


def drop_long_pairs(pairs: list[dict], tokenizer, max_length: int) -> tuple[list[dict], list]:
    """Pairs whose prompt + longer answer fit in `max_length` tokens, and `(id, reason)` for the rest.

    trl would truncate the answers; a cut answer teaches nothing about which call is right.
    """
    from .training import conversation_length

    kept, dropped = [], []
    for p in pairs:
        n = max(conversation_length(tokenizer, p["prompt"] + p["chosen"]),
                conversation_length(tokenizer, p["prompt"] + p["rejected"]))
        (kept if n <= max_length else dropped).append(p if n <= max_length else (p["id"], f"{n} tokens"))
    return kept, dropped


def to_dataset(pairs: list[dict]):
    """A `datasets.Dataset` with only trl's columns (`tools` would be passed to the chat template)."""
    from datasets import Dataset

    return Dataset.from_list([{k: p[k] for k in ("prompt", "chosen", "rejected")} for p in pairs])


def describe_pair(pair: dict, width: int = 220) -> str:
    """A pair as a lesson shows it: the request, the chosen turn, the rejected turn and its label."""
    cut = lambda s: (s if len(s) <= width else s[:width] + " ...").replace("\n", "\\n")  # noqa: E731
    user = next(m["content"] for m in reversed(pair["prompt"]) if m["role"] == "user")
    tools = ", ".join(t["name"] for t in pair["tools"])
    return "\n".join([
        f"[{pair['source']}: {pair['kind']}] row {pair['id']}; tools offered: {tools}",
        f"  user:     {cut(user)}",
        f"  chosen:   {cut(pair['chosen'][0]['content'])}",
        f"  rejected: {cut(pair['rejected'][0]['content'])}  -> scored {rejected_label(pair)}",
    ])


# --- training ------------------------------------------------------------------------------------


def load_trainable_adapter(adapter_dir: str | Path, profile: Profile):
    """`load_adapter(..., trainable=True)`, plus the adapter's meta."""
    model, tokenizer = load_adapter(adapter_dir, profile, trainable=True)
    return model, tokenizer, read_meta(adapter_dir)


def sync_reference_adapter(model, source: str = "default", target: str = "ref") -> list[str]:
    """Make adapter `target` an exact copy of `source`; return the names of the tensors that differed.

    trl copies only parameters named `*.default.*`, which misses peft's `trainable_tokens_delta.default`.
    """
    import torch

    params = dict(model.named_parameters())
    pattern = re.compile(rf"\.{source}(\.|$)")
    fixed = []
    with torch.no_grad():
        for name, param in params.items():
            if not pattern.search(name):
                continue
            twin = params.get(pattern.sub(rf".{target}\1", name))
            if twin is not None and not torch.equal(twin, param):
                twin.copy_(param)
                fixed.append(name)
    return fixed


def time_limit_callback(max_seconds: float):
    """A `TrainerCallback` that ends training after the step during which `max_seconds` ran out."""
    from transformers import TrainerCallback

    class TimeLimit(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.start = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            if time.perf_counter() - self.start > max_seconds:
                control.should_training_stop = True

    return TimeLimit()


def dpo_kwargs(cfg: AlignConfig, profile: Profile) -> dict:
    """Keyword arguments for trl's `DPOConfig` (a dict so tests can check every name)."""
    kwargs = dict(
        output_dir=str(Path(cfg.out) / "checkpoints"),
        max_length=cfg.max_length,
        beta=cfg.beta,
        loss_type=["sigmoid", "sft"] if cfg.sft_weight else ["sigmoid"],
        loss_weights=[1.0, cfg.sft_weight] if cfg.sft_weight else None,
        max_steps=cfg.max_steps,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=cfg.warmup,
        logging_steps=1,
        save_strategy="no",
        seed=cfg.seed,
        report_to="none",
        dataloader_num_workers=0,
        **profile.trainer_kwargs(),
    )
    if cfg.batch_size:
        kwargs["per_device_train_batch_size"] = cfg.batch_size
    return {**kwargs, **cfg.extra}


def build_pairs(cfg: AlignConfig, model, tokenizer, rows: list[dict], log=print) -> tuple[list[dict], dict]:
    """Synthetic pairs plus, if `cfg.mine`, pairs mined from `model`'s answers; over-long pairs dropped."""
    pairs = synthetic_pairs(rows, cfg.pairs, cfg.seed)
    mined_labels: dict = {}
    if cfg.mine:
        mined, mined_labels = mine_pairs(model, tokenizer, rows, cfg.mine, cfg.seed, cfg.mine_max_new_tokens)
        log(f"mined: the SFT model answered {cfg.mine} train prompts: {mined_labels}; {len(mined)} mistakes kept")
        pairs += mined
    pairs, dropped = drop_long_pairs(pairs, tokenizer, cfg.max_length)
    stats = {
        "pairs": len(pairs),
        "by_kind": dict(Counter(f"{p['source']}:{p['kind']}" for p in pairs)),
        "mined_answer_labels": mined_labels,
        "dropped_over_max_length": len(dropped),
    }
    return pairs, stats


def prepare_policy(cfg: AlignConfig, log=print):
    """The profile and the SFT adapter `cfg.adapter` loaded trainable (the policy), with its tokenizer and meta.

    Seeds first, as `training.prepare` does.
    """
    from transformers import set_seed

    from .adapter_source import resolve_adapter

    adapter_dir = resolve_adapter(cfg.adapter)  # a directory, a Drive path or a Hub repo id
    profile = get_profile(cfg.profile)
    log(profile.describe())
    set_seed(cfg.seed)
    model, tokenizer, meta = load_trainable_adapter(adapter_dir, profile)
    return profile, model, tokenizer, meta


def finish_dpo_trainer(trainer, cfg: AlignConfig, profile: Profile, log=print):
    """What the DPO trainer needs after it is built: the NaN guard, the whole SFT model as the
    reference (`sync_reference_adapter`) and float32 trainable weights."""
    model = trainer.model
    NonFiniteGuard(profile, cfg.out, cfg.learning_rate).install(trainer)
    if "ref" in model.peft_config:
        fixed = sync_reference_adapter(model)
        if fixed:
            kinds = ", ".join(sorted({n.split(".")[-2] for n in fixed}))
            log(f"reference adapter: copied {len(fixed)} tensor(s) trl left out ({kinds})")
    float32_trainable(model)  # after the trainer: trl recasts a quantized model's to bfloat16
    return trainer


def save_policy(trainer, cfg: AlignConfig, meta: dict) -> Path:
    """Drop trl's `ref` adapter and save the policy as `OUT/adapter`, in the SFT adapter's format."""
    from .training import save_adapter

    model = trainer.model
    if "ref" in model.peft_config:
        model.delete_adapter("ref")
    adapter_dir = Path(cfg.out) / "adapter"
    recipe = {**asdict(cfg), "stage": "dpo", "sft_recipe": meta.get("recipe", {})}
    if trainer.is_world_process_zero():
        save_adapter(model, trainer.processing_class, adapter_dir, base_model=meta["base_model"], recipe=recipe)
    return adapter_dir


def dpo_logs(trainer) -> dict:
    """The logged loss, reward accuracy, margin and rewards of every step (what `dpo_curves` plots)."""
    return {
        "steps": trainer.state.global_step,
        "losses": logged(trainer, "loss"),
        "reward_accuracies": logged(trainer, "rewards/accuracies"),
        "reward_margins": logged(trainer, "rewards/margins"),
        "rewards_chosen": logged(trainer, "rewards/chosen"),
        "rewards_rejected": logged(trainer, "rewards/rejected"),
    }


def align(cfg: AlignConfig, log=print, pairs: list[dict] | None = None) -> dict:
    """DPO on top of the SFT adapter `cfg.adapter`; saves `OUT/adapter` and returns a summary.

    `pairs` (from `build_pairs`/`synthetic_pairs`) skips building them here. Notebook 5 makes the
    same calls in the same order, in view.
    """
    from trl import DPOConfig, DPOTrainer

    profile, model, tokenizer, meta = prepare_policy(cfg, log)
    stats: dict = {}
    if pairs is None:
        rows, problems = load_conversations(cfg.data)
        for p in problems[:10]:
            log(f"skipped invalid row: {p}")
        if cfg.limit:
            rows = rows[: cfg.limit]
        pairs, stats = build_pairs(cfg, model, tokenizer, rows, log=log)
    if not pairs:
        raise ValueError("no preference pairs to train on")
    kinds = Counter(f"{p['source']}:{p['kind']}" for p in pairs)
    log(f"pairs: {len(pairs)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
    optimizer = make_optimizer(model, cfg.learning_rate, cfg.token_learning_rate)
    trainer = DPOTrainer(
        model=model,
        args=DPOConfig(**dpo_kwargs(cfg, profile)),
        train_dataset=to_dataset(pairs),
        processing_class=tokenizer,
        optimizers=(optimizer, None),
        callbacks=[time_limit_callback(cfg.max_seconds)] if cfg.max_seconds else None,
    )
    finish_dpo_trainer(trainer, cfg, profile, log)
    start = time.perf_counter()
    with cpu_lm_head():
        trainer.train()
    seconds = time.perf_counter() - start
    adapter_dir = save_policy(trainer, cfg, meta)
    return {
        "adapter_dir": str(adapter_dir),
        "train_seconds": seconds,
        **dpo_logs(trainer),
        "pairs": len(pairs),
        "pair_stats": stats,
        "profile": profile.name,
        "base_model": meta["base_model"],
    }


# --- before/after by error label --------------------------------------------------------------------


def split_by_relevance(records: list[dict]) -> dict[str, list[dict]]:
    """Evaluation records of rows that need a call (`calls`) and rows where no tool fits (`irrelevance`)."""
    return {"calls": [r for r in records if r["expected"]], "irrelevance": [r for r in records if not r["expected"]]}


def compare_labels(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> dict:
    """Label counts before and after, per split and per subset (`calls`, `irrelevance`)."""
    out = {}
    for split in before:
        parts_b, parts_a = split_by_relevance(before[split]), split_by_relevance(after[split])
        out[split] = {}
        for part in ("calls", "irrelevance"):
            b, a = Counter(r["label"] for r in parts_b[part]), Counter(r["label"] for r in parts_a[part])
            out[split][part] = {
                "n": len(parts_b[part]),
                "before": {k: b[k] for k in LABELS if b[k]},
                "after": {k: a[k] for k in LABELS if a[k]},
            }
    return out


def format_label_table(comparison: dict) -> str:
    """`compare_labels` as text: one line per split, subset and label that occurs."""
    lines = [f"{'split':8} {'rows':18} {'label':18} {'before':>6} {'after':>6} {'change':>7}"]
    for split, parts in comparison.items():
        for part, c in parts.items():
            labels = [k for k in LABELS if k in c["before"] or k in c["after"]]
            for k in labels:
                b, a = c["before"].get(k, 0), c["after"].get(k, 0)
                lines.append(f"{split:8} {part + ' (' + str(c['n']) + ')':18} {k:18} {b:>6} {a:>6} {a - b:>+7}")
    return "\n".join(lines)


def dpo_curves(result: dict, title: str = "DPO"):
    """The logged loss, and how the policy tells chosen from rejected: reward accuracy and margin."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.3))
    steps = list(range(1, len(result["losses"]) + 1))
    style = "o-" if len(steps) < 30 else "-"
    left.plot(steps, result["losses"], style)
    left.set_title("training loss", fontsize=10)
    right.plot(steps, result["reward_accuracies"], style, label="reward accuracy")
    right.plot(steps, result["reward_margins"], style, label="reward margin")
    right.set_title("chosen vs rejected", fontsize=10)
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.set_xlabel("optimizer step")
        ax.grid(True, alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


# --- the CLI command -----------------------------------------------------------------------------------


def add_arguments(p) -> None:
    """The `align` subcommand's flags (one per `AlignConfig` field)."""
    from .checks import non_negative_float, non_negative_int, positive_float, positive_int, seed_int

    d = AlignConfig()
    p.add_argument("--adapter", required=True,
                   help="the SFT adapter (from `python -m helpers train`): a directory, Drive path or Hub repo id")
    p.add_argument("--data", default=d.data, help="hermes-format JSON/JSONL file or hub dataset id for the pairs")
    p.add_argument("--out", default=d.out)
    p.add_argument("--profile", default=d.profile, choices=["auto", *PROFILES])
    p.add_argument("--max-steps", dest="max_steps", type=positive_int, default=d.max_steps)
    p.add_argument("--batch-size", dest="batch_size", type=positive_int, default=d.batch_size)
    p.add_argument("--learning-rate", dest="learning_rate", type=positive_float, default=d.learning_rate)
    p.add_argument("--token-learning-rate", dest="token_learning_rate", type=positive_float, default=d.token_learning_rate)
    p.add_argument("--beta", type=positive_float, default=d.beta,
                   help="DPO's beta: higher keeps the policy nearer the SFT model")
    p.add_argument("--sft-weight", dest="sft_weight", type=non_negative_float, default=d.sft_weight,
                   help="weight of the NLL loss on the chosen turns next to DPO's (RPO); 0: plain DPO")
    p.add_argument("--pairs", type=non_negative_int, default=d.pairs, help="synthetic preference pairs")
    p.add_argument("--mine", type=non_negative_int, default=d.mine,
                   help="train prompts the SFT model answers to mine its mistakes (0: none)")
    p.add_argument("--max-length", dest="max_length", type=positive_int, default=d.max_length)
    p.add_argument("--limit", type=positive_int, default=None, help="use the first N rows of the data only")
    p.add_argument("--seed", type=seed_int, default=d.seed)
    p.add_argument("--max-seconds", dest="max_seconds", type=positive_float, default=None,
                   help="stop after the step during which this many seconds of training ran out")


def run_align_command(args) -> int:
    import sys
    import warnings

    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    names = {f for f in AlignConfig.__dataclass_fields__ if f != "extra"}
    cfg = AlignConfig(**{k: v for k, v in vars(args).items() if k in names})
    try:
        result = align(cfg)
    except (ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except NonFiniteLoss as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    acc = [a for a in result["reward_accuracies"] if a is not None]
    print(f"adapter saved to {result['adapter_dir']} after {result['steps']} DPO steps on {result['pairs']} pairs "
          f"({result['train_seconds']:.0f} s); last loss {result['losses'][-1]:.3f}"
          + (f", reward accuracy {acc[-1]:.2f}" if acc else ""))
    print(json.dumps({k: result[k] for k in ("pair_stats",)}, default=str))
    return 0
