"""`python -m helpers COMMAND`: validate-data, generate-data, train, evaluate, demo, chat."""

from __future__ import annotations

import argparse
import os
import sys


def _validate_data(args) -> int:
    from .data import validate_file

    try:
        valid, problems = validate_file(args.file)
    except (OSError, ValueError) as e:
        print(f"{args.file}: {e}", file=sys.stderr)
        return 1
    if not valid and not problems:
        print(f"error: {args.file}: no rows (the file is empty)", file=sys.stderr)
        return 1
    for p in problems:
        print(p)
    print(f"{args.file}: {valid} valid, {len(problems)} invalid")
    return 1 if problems else 0


def _generate_data(args) -> int:
    from . import generator

    return generator.main(["--out", args.out, "--seed", str(args.seed)])


def _quiet() -> None:
    import warnings

    from transformers.utils import logging

    logging.set_verbosity_error()
    try:
        import datasets

        datasets.disable_progress_bars()  # per-row map bars; training and generation keep theirs
    except ImportError:
        pass
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)


def _train(args) -> int:
    from dataclasses import fields

    from .guards import NonFiniteLoss
    from .training import TrainConfig, train

    _quiet()
    cfg = TrainConfig(**{f.name: getattr(args, f.name) for f in fields(TrainConfig) if hasattr(args, f.name)})
    try:
        result = train(cfg)
    except (PermissionError, ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except NonFiniteLoss as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if os.environ.get("RANK", "0") == "0":  # one line per launch, not one per process
        print(f"adapter saved to {result['adapter_dir']} after {result['steps']} steps ({result['train_seconds']:.0f} s)")
    return 0


def _evaluate(args) -> int:
    import json

    from .data import load_conversations
    from .evaluation import evaluate_rows, summarize, unguided_records, write_predictions
    from .profiles import get_profile
    from .training import load_adapter, load_base

    _quiet()
    try:
        rows, problems = load_conversations(args.dataset)
    except (OSError, ValueError) as e:
        print(f"{args.dataset}: {e}", file=sys.stderr)
        return 2
    for p in problems:
        print(f"{args.dataset}: skipped {p}", file=sys.stderr)
    rows = rows[: args.limit] if args.limit else rows
    if not rows:
        print(f"{args.dataset}: no valid rows to evaluate", file=sys.stderr)
        return 2
    profile = get_profile(args.profile)
    if args.adapter:
        from .adapter_source import AdapterNotFoundError, resolve_adapter

        try:
            adapter_dir = resolve_adapter(args.adapter)
        except AdapterNotFoundError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        model, tokenizer = load_adapter(adapter_dir, profile, merge=True)
    else:
        model, tokenizer, _ = load_base(args.model, profile, add_tokens=False)
    kwargs = dict(batch_size=args.batch_size, max_new_tokens=args.max_new_tokens)
    records = evaluate_rows(model, tokenizer, rows, guided=not args.unguided, **kwargs)
    write_predictions(records, args.output)
    if args.unguided:
        print(json.dumps(summarize(records), indent=2))
    else:
        guided = summarize(records)
        own = summarize(unguided_records(model, tokenizer, rows, records, **kwargs))
        print(json.dumps({"guided": guided, "unguided": own}, indent=2))
        print(f"schema guidance changed {guided['changed_rows']} of {len(records)} answers; "
              "the predictions are the guided ones (--unguided writes the model's own)")
    print(f"predictions: {args.output}")
    return 0


def _demo(args) -> int:
    from .demo import run_demo

    _quiet()
    given = {k: v for k, v in (("steps", args.steps), ("limit", args.limit)) if v is not None}
    run_demo(out=args.out, model=args.model, **given)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .checks import positive_float, positive_int, seed_int

    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate-data", help="report every invalid row of a JSON/JSONL file")
    p.add_argument("file")
    p.set_defaults(run=_validate_data)

    p = sub.add_parser("generate-data", help="write the generated train/test/unseen JSONL files")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=seed_int, default=0)
    p.set_defaults(run=_generate_data)

    from .models import EMBEDDED_DEFAULT
    from .profiles import PROFILES
    from .training import TrainConfig

    d = TrainConfig()
    p = sub.add_parser("train", help="LoRA fine-tuning with trl's SFTTrainer")
    p.add_argument("--model", default=d.model, help="hub id, local path, or the embedded default name")
    p.add_argument("--data", default=d.data, help="hermes-format JSON/JSONL file or hub dataset id")
    p.add_argument("--out", default=d.out)
    p.add_argument("--profile", default=d.profile, choices=["auto", *PROFILES])
    p.add_argument("--max-steps", dest="max_steps", type=positive_int, default=d.max_steps)
    p.add_argument("--batch-size", dest="batch_size", type=positive_int, default=None)
    p.add_argument("--learning-rate", dest="learning_rate", type=positive_float, default=d.learning_rate)
    p.add_argument("--token-learning-rate", dest="token_learning_rate", type=positive_float, default=d.token_learning_rate)
    p.add_argument("--lora-r", dest="lora_r", type=positive_int, default=d.lora_r)
    p.add_argument("--lora-alpha", dest="lora_alpha", type=positive_int, default=d.lora_alpha)
    p.add_argument("--max-length", dest="max_length", type=positive_int, default=d.max_length)
    p.add_argument("--sampling", default=d.sampling, choices=["group_by_length", "random"],
                   help="batch rows of similar length (less padding) or in random order")
    p.add_argument("--save-steps", dest="save_steps", type=positive_int, default=d.save_steps)
    p.add_argument("--limit", type=positive_int, default=None, help="train on the first N rows only")
    p.add_argument("--seed", type=seed_int, default=d.seed)
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in OUT")
    p.add_argument("--push-to-hub", dest="push_to_hub", metavar="REPO", default=None)
    p.set_defaults(run=_train)

    p = sub.add_parser("evaluate", help="score tool calls on a hermes-format file")
    p.add_argument("--model", default=None, help=f"base model when no --adapter is given (default {EMBEDDED_DEFAULT})")
    p.add_argument("--adapter", default=None,
                   help="adapter directory, Google Drive path or Hub repo id user/name (its base model is used)")
    p.add_argument("--dataset", required=True)
    p.add_argument("--limit", type=positive_int, default=None)
    p.add_argument("--output", required=True, help="predictions JSONL")
    p.add_argument("--profile", default="auto", choices=["auto", *PROFILES])
    p.add_argument("--batch-size", dest="batch_size", type=positive_int, default=16)
    p.add_argument("--max-new-tokens", dest="max_new_tokens", type=positive_int, default=192)
    p.add_argument("--unguided", action="store_true",
                   help="plain greedy decoding; by default tool calls are kept to the offered tools' schemas")
    p.set_defaults(run=_evaluate)

    p = sub.add_parser("demo", help="the main job: evaluate, fine-tune, evaluate again (CPU, offline)")
    p.add_argument("--out", default="runs/demo")
    p.add_argument("--model", default=EMBEDDED_DEFAULT)
    p.add_argument("--steps", type=positive_int, default=None, help="training steps (default: sized for 10 CPU minutes)")
    p.add_argument("--limit", type=positive_int, default=None, help="rows per evaluation split (default 32: both splits in two batches)")
    p.set_defaults(run=_demo)

    from .alignment import add_arguments as add_align_arguments
    from .alignment import run_align_command

    p = sub.add_parser("align", help="preference alignment: DPO on tool-call pairs, on top of an SFT adapter")
    add_align_arguments(p)
    p.set_defaults(run=run_align_command)

    from .agent import run_chat_command

    p = sub.add_parser("chat", help="ask a model to use the course's example tools, one request per line of stdin")
    p.add_argument("--adapter", default=None,
                   help="adapter directory, Google Drive path or Hub repo id user/name (merged into its base model)")
    p.add_argument("--model", default=None, help=f"base model to use when no --adapter is given (default {EMBEDDED_DEFAULT})")
    p.add_argument("--max-turns", dest="max_turns", type=positive_int, default=5, help="model turns per request")
    p.add_argument("--max-new-tokens", dest="max_new_tokens", type=positive_int, default=160)
    p.add_argument("--profile", default="auto", choices=["auto", *PROFILES])
    p.add_argument("--unguided", action="store_true", help="plain greedy decoding (default: schema-guided calls)")
    p.set_defaults(run=run_chat_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .checks import InputError, check_arguments

    args = build_parser().parse_args(argv)
    try:
        check_arguments(args)  # before any model loads
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.status
    return args.run(args)
