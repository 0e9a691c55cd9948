"""What every `python -m helpers` command checks before it loads a model.

A mistake is an `InputError`: one line naming the argument or file and the reason, and an exit
status, 2 for a wrong argument (usage) or 1 for a file whose contents are bad. Ranges of numbers are
argparse `type=` functions (argparse exits 2 with a usage line); files, directories, models and
adapters are checked by one function per command, `check_arguments(args)` picking it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

from .models import EMBEDDED_DEFAULT, cache_dir, embedded_gguf_path

USAGE, BAD_DATA = 2, 1


class InputError(Exception):
    """A mistake in a command's arguments (`status` 2) or in the data they name (`status` 1)."""

    def __init__(self, message: str, status: int = USAGE):
        super().__init__(message)
        self.status = status


# --- argparse types: ranges of numbers -------------------------------------------------------------


def _number(kind, text: str, ok, rule: str):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
    if not ok(value):
        raise argparse.ArgumentTypeError(f"must be {rule}, got {text}")
    return value


def positive_int(text: str) -> int:
    return _number(int, text, lambda v: v >= 1, ">= 1")


def non_negative_int(text: str) -> int:
    return _number(int, text, lambda v: v >= 0, ">= 0")


def seed_int(text: str) -> int:
    return _number(int, text, lambda v: 0 <= v < 2**32, "between 0 and 2**32 - 1")


def positive_float(text: str) -> float:
    return _number(float, text, lambda v: math.isfinite(v) and v > 0, "a number > 0")


def non_negative_float(text: str) -> float:
    return _number(float, text, lambda v: math.isfinite(v) and v >= 0, "a number >= 0")


# --- files, directories, models, adapters ----------------------------------------------------------


def looks_like_repo_id(spec: str) -> bool:
    """`owner/name` that is not a local path (hub ids have one slash and no .json/.jsonl suffix)."""
    from .adapter_source import looks_like_repo_id as repo_id_shaped

    return repo_id_shaped(spec) and not spec.endswith((".json", ".jsonl")) and not Path(spec).exists()


def _offline() -> bool:
    from huggingface_hub import constants

    flags = (os.environ.get(v, "").upper() for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))
    return constants.HF_HUB_OFFLINE or any(f in {"1", "ON", "YES", "TRUE"} for f in flags)


def check_hub_repo(repo_id: str, what: str, repo_type: str = "model") -> None:
    """A hub id is usable: in the local Hugging Face cache, or (online) on the Hub and not refused to us."""
    from huggingface_hub import auth_check, snapshot_download, try_to_load_from_cache
    from huggingface_hub.errors import GatedRepoError, LocalEntryNotFoundError, RepositoryNotFoundError

    if repo_type == "model":
        cached = isinstance(try_to_load_from_cache(repo_id, "config.json"), str)
    else:
        try:
            snapshot_download(repo_id, repo_type=repo_type, local_files_only=True)
            cached = True
        except (LocalEntryNotFoundError, OSError, ValueError):
            cached = False
    if cached:
        return
    download = f"hf download {'--repo-type dataset ' if repo_type == 'dataset' else ''}{repo_id}"
    if _offline():
        raise InputError(f"{what} {repo_id}: not a local path, and not in the local Hugging Face cache while "
                         f"HF_HUB_OFFLINE is set; download it first (`{download}` with network access)")
    try:
        auth_check(repo_id, repo_type=repo_type)
    except GatedRepoError:
        raise InputError(f"{what} {repo_id}: gated; accept its licence at https://huggingface.co/"
                         f"{'datasets/' if repo_type == 'dataset' else ''}{repo_id} and set HF_TOKEN") from None
    except RepositoryNotFoundError:
        raise InputError(f"{what} {repo_id}: no such {repo_type} on the Hugging Face Hub "
                         "(or a private one: set HF_TOKEN)") from None
    except OSError as e:
        raise InputError(f"{what} {repo_id}: not cached, and the Hub cannot be reached ({type(e).__name__})") from None


def check_model(spec: str | None, what: str = "--model") -> dict | None:
    """A model spec resolves: a local directory with config.json, the embedded default, or a hub id.

    Returns the model's config.json as a dict when it is on this machine, else None.
    """
    spec = spec or EMBEDDED_DEFAULT
    if spec == EMBEDDED_DEFAULT:
        converted = cache_dir() / EMBEDDED_DEFAULT / "config.json"
        if converted.is_file():
            return json.loads(converted.read_text())
        try:
            embedded_gguf_path()
        except FileNotFoundError as e:
            raise InputError(f"{what} {spec}: {e}") from None
        return None
    path = Path(spec).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise InputError(f"{what} {spec}: not a model directory (no config.json)")
        return _json_or_none(path / "config.json")
    if not looks_like_repo_id(spec):
        raise InputError(f"{what} {spec}: no such directory, and not a hub id (owner/name) or {EMBEDDED_DEFAULT}")
    check_hub_repo(spec, what)
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(spec, "config.json")
    return _json_or_none(cached) if isinstance(cached, str) else None


def _json_or_none(path) -> dict | None:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def check_adapter(spec: str, what: str = "--adapter", model: str | None = None) -> None:
    """A local adapter is complete, fits its base model, and that model resolves.

    `model` is an explicitly given base model: it must be the adapter's own. A spec that is not a
    local path but reads as `owner/name` is left to whatever fetches hub adapters.
    """
    from .training import META_FILE, adapter_problem

    path = Path(spec).expanduser()
    if not path.exists() and looks_like_repo_id(spec):
        return
    problem = adapter_problem(path)
    if problem:
        broken = path.is_dir() and (path / META_FILE).is_file()  # an adapter, but damaged
        raise InputError(f"{what} {problem}", BAD_DATA if broken else USAGE)
    meta = json.loads((path / META_FILE).read_text())
    if model and model != meta["base_model"]:
        raise InputError(f"{what} {spec} was trained on {meta['base_model']}, not --model {model} "
                         "(leave --model out to use the adapter's own base)")
    config = check_model(meta["base_model"], f"{what} {spec}: its base model")
    _check_adapter_fits(path, meta, config, what)


def _check_adapter_fits(path: Path, meta: dict, config: dict | None, what: str) -> None:
    """The tokenizer matches the meta's vocabulary, and the weights fit the base model's hidden size."""
    from transformers import AutoTokenizer

    try:
        size = len(AutoTokenizer.from_pretrained(path))
    except (OSError, ValueError) as e:
        raise InputError(f"{what} {path}: its tokenizer does not load ({str(e).splitlines()[0]})", BAD_DATA) from None
    if size != meta["vocab_size"]:
        raise InputError(f"{what} {path}: its tokenizer has {size} tokens but course_meta.json says vocab_size "
                         f"{meta['vocab_size']}: the files come from different saves", BAD_DATA)
    config = (config or {}).get("text_config", config) or {}
    hidden = config.get("hidden_size")
    weights = path / "adapter_model.safetensors"
    if not hidden or not weights.is_file():
        return
    from safetensors import safe_open

    try:
        with safe_open(str(weights), "pt") as f:
            rows = [f.get_slice(k).get_shape() for k in f.keys() if "trainable_tokens_delta" in k]
    except (OSError, ValueError, RuntimeError) as e:
        raise InputError(f"{what} {weights}: unreadable weights ({str(e).splitlines()[0]})", BAD_DATA) from None
    if any(shape[-1] != hidden for shape in rows):
        raise InputError(f"{what} {path}: saved for a model of hidden size {rows[0][-1]}, but its base model "
                         f"{meta['base_model']} has {hidden}: an adapter of another base model", BAD_DATA)


def check_data(spec: str, what: str) -> None:
    """Each local file (comma-separated) exists, parses and has at least one valid row; hub ids resolve."""
    from .data import load_conversations

    for source in [s.strip() for s in str(spec).split(",") if s.strip()]:
        path = Path(source).expanduser()
        if not path.exists():
            if looks_like_repo_id(source):
                check_hub_repo(source, what, "dataset")
                continue
            raise InputError(f"{what} {source}: no such file")
        check_readable_file(path, what)
        try:
            rows, problems = load_conversations(path)
        except (OSError, ValueError, UnicodeDecodeError) as e:
            raise InputError(f"{what} {_reason(source, e)}", BAD_DATA) from None
        if rows:
            continue
        if not problems:
            raise InputError(f"{what} {source}: no rows (the file is empty)", BAD_DATA)
        hint = ("; a .jsonl file holds one JSON object per line, not a JSON array"
                if path.suffix == ".jsonl" and path.read_text(encoding="utf-8").lstrip().startswith("[") else "")
        raise InputError(f"{what} {source}: none of its {len(problems)} rows is valid (first: {problems[0]}){hint}",
                         BAD_DATA)


def _reason(source: str, e: Exception) -> str:
    text = str(e.strerror if isinstance(e, OSError) and e.strerror else e)
    return text if text.startswith(source) else f"{source}: {text}"


def check_readable_file(path: Path, what: str = "") -> None:
    name = f"{what} {path}".strip()
    if path.is_dir():
        raise InputError(f"{name}: a directory, expected a .json or .jsonl file")
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as e:
        raise InputError(f"{name}: cannot be read ({e.strerror})") from None


def check_out_dir(path: str, what: str) -> None:
    """`path` is a directory or can be created as one (it is created now)."""
    target = Path(path).expanduser()
    if target.exists() and not target.is_dir():
        raise InputError(f"{what} {path}: a file is in the way, expected a directory")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"{what} {path}: the directory cannot be created ({e.strerror})") from None
    if not os.access(target, os.W_OK | os.X_OK):
        raise InputError(f"{what} {path}: the directory is not writable")


def check_out_file(path: str, what: str) -> None:
    """`path` can be written as a file: not a directory, in a directory that exists or can be created."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise InputError(f"{what} {path}: a directory, expected a file name")
    check_out_dir(str(target.parent), what.rstrip() + " (its directory)")
    if target.exists() and not os.access(target, os.W_OK):
        raise InputError(f"{what} {path}: not writable")


# --- one check per command -------------------------------------------------------------------------


def _validate_data(args) -> None:
    path = Path(args.file).expanduser()
    if not path.exists():
        raise InputError(f"{args.file}: no such file")
    check_readable_file(path)


def _generate_data(args) -> None:
    check_out_dir(args.out, "--out")


def _train(args) -> None:
    check_data(args.data, "--data")
    check_model(args.model, "--model")
    check_out_dir(args.out, "--out")


def _evaluate(args) -> None:
    check_data(args.dataset, "--dataset")
    if args.adapter:
        check_adapter(args.adapter, "--adapter", model=args.model)
    else:
        check_model(args.model, "--model")
    check_out_file(args.output, "--output")


def _demo(args) -> None:
    check_model(args.model, "--model")
    check_out_dir(args.out, "--out")


def _align(args) -> None:
    if not args.pairs and not args.mine:
        raise InputError("--pairs 0 with --mine 0: no preference pairs to train on")
    check_data(args.data, "--data")
    check_adapter(args.adapter, "--adapter")
    check_out_dir(args.out, "--out")


def _chat(args) -> None:
    if args.adapter:
        check_adapter(args.adapter, "--adapter", model=args.model)
    else:
        check_model(args.model, "--model")


CHECKS = {"validate-data": _validate_data, "generate-data": _generate_data, "train": _train,
          "evaluate": _evaluate, "demo": _demo, "align": _align, "chat": _chat}


def check_arguments(args) -> None:
    """Run the check of `args.command`; raises `InputError` on the first mistake."""
    check = CHECKS.get(args.command)
    if check:
        check(args)
