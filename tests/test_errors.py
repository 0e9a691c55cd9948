"""Every command refuses bad input before it loads a model: one line, an exit status, no traceback.

`CASES` is the source of docs/errors.md: `python tests/test_errors.py` rewrites the table there, and
`test_the_doc_lists_every_case` fails when the two differ.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "errors.md"
TEST_DATA = str(ROOT / "src" / "helpers" / "data" / "test.jsonl")


@dataclass(frozen=True)
class Case:
    bad: str  # the mistake, for the doc
    argv: str  # the command; {NAME} is a path from the `inputs` fixture
    status: int
    says: tuple[str, ...]  # fragments of the one line on stderr, in order
    before: str  # what the code did before issue 30


CASES = [
    Case("an adapter directory that does not exist", "evaluate --adapter /nonexistent --dataset {test} --output {out}/p.jsonl",
         2, ("--adapter /nonexistent", "no such directory"), "traceback (FileNotFoundError from read_meta)"),
    Case("a hub model that is not cached, offline", "evaluate --model no-such/model --dataset {test} --output {out}/p.jsonl",
         2, ("--model no-such/model", "not in the local Hugging Face cache", "hf download no-such/model"),
         "traceback (OSError from transformers)"),
    Case("an output directory that cannot be created", "demo --out {file}/demo",
         2, ("--out", "cannot be created"), "traceback (FileNotFoundError from mkdir)"),
    Case("`--limit 0`", "evaluate --dataset {test} --output {out}/p.jsonl --limit 0",
         2, ("argument --limit", "must be >= 1"), "evaluated all 60 rows"),
    Case("`--limit -3`", "evaluate --dataset {test} --output {out}/p.jsonl --limit -3",
         2, ("argument --limit", "must be >= 1"), "evaluated 57 rows (a Python slice)"),
    Case("an empty data file (validate-data)", "validate-data {empty}",
         1, ("empty.jsonl", "no rows"), "\"0 valid, 0 invalid\", exit 0"),
    Case("an empty data file (evaluate)", "evaluate --dataset {empty} --output {out}/p.jsonl",
         1, ("--dataset", "no rows"), "\"no valid rows to evaluate\", exit 2"),
    Case("a missing training file", "train --data {out}/missing.jsonl",
         2, ("--data", "missing.jsonl", "no such file"), "loaded the model, then \"[Errno 2] No such file or directory\", exit 2"),
    Case("a directory where a data file is expected", "train --data {dir}",
         2, ("--data", "a directory"), "loaded the model, then \"expected a .json or .jsonl file\", exit 2"),
    Case("a directory given to validate-data", "validate-data {dir}",
         2, ("a directory",), "\"expected a .json or .jsonl file\", exit 1"),
    Case("a JSON array in a .jsonl file", "train --data {array}",
         1, ("--data", "none of its 1 rows is valid", "not a JSON array"),
         "loaded the model, then \"every row is longer than max_length\", exit 2"),
    Case("a data file whose rows are all invalid", "evaluate --dataset {allbad} --output {out}/p.jsonl",
         1, ("--dataset", "none of its 2 rows is valid", "line 1"), "skipped each row, then \"no valid rows\", exit 2"),
    Case("a .json file that is not JSON", "train --data {notjson}",
         1, ("--data", "not JSON"), "loaded the model, then the same message, exit 2"),
    Case("a hub dataset that is not cached, offline", "train --data someone/no-such-dataset",
         2, ("--data someone/no-such-dataset", "not in the local Hugging Face cache"),
         "loaded the model, then a traceback (ConnectionError from datasets)"),
    Case("a model directory without config.json", "train --model {dir}",
         2, ("--model", "not a model directory (no config.json)"), "\"Unrecognized model in …\", exit 2"),
    Case("a predictions path that is a directory", "evaluate --dataset {test} --output {dir}",
         2, ("--output", "a directory, expected a file name"), "evaluated every row, then a traceback (IsADirectoryError)"),
    Case("a training output that is a file", "train --out {file}",
         2, ("--out", "a file is in the way"), "loaded the model, then a traceback (NotADirectoryError)"),
    Case("a data output directory that cannot be created", "generate-data --out {file}/data",
         2, ("--out", "cannot be created"), "traceback (NotADirectoryError)"),
    Case("`--max-steps 0`", "train --max-steps 0", 2, ("argument --max-steps", "must be >= 1"),
         "loaded the model, then a traceback (StopIteration from the Trainer)"),
    Case("`--batch-size 0` (train)", "train --batch-size 0", 2, ("argument --batch-size", "must be >= 1"),
         "trained at the profile's batch size, silently"),
    Case("`--learning-rate 0`", "train --learning-rate 0", 2, ("argument --learning-rate", "must be a number > 0"),
         "trained with a zero learning rate, silently"),
    Case("`--learning-rate nan`", "train --learning-rate nan", 2, ("argument --learning-rate", "must be a number > 0"),
         "trained 60 steps and saved the adapter, silently"),
    Case("`--seed -1`", "train --seed -1", 2, ("argument --seed", "between 0 and 2**32 - 1"),
         "\"error: Seed must be between 0 and 2**32 - 1\", exit 2 (already clear)"),
    Case("`--batch-size 0` (evaluate)", "evaluate --dataset {test} --output {out}/p.jsonl --batch-size 0",
         2, ("argument --batch-size", "must be >= 1"), "loaded the model, then a traceback (ValueError from range)"),
    Case("`--max-new-tokens 0`", "evaluate --dataset {test} --output {out}/p.jsonl --max-new-tokens 0",
         2, ("argument --max-new-tokens", "must be >= 1"), "loaded the model, then a traceback (ValueError from generate)"),
    Case("`--steps 0` (demo)", "demo --steps 0", 2, ("argument --steps", "must be >= 1"),
         "ran the demo at its default steps (0 read as unset)"),
    Case("`--max-turns 0` (chat)", "chat --max-turns 0", 2, ("argument --max-turns", "must be >= 1"),
         "loaded the model; each request got 0 model turns"),
    Case("`--pairs 0 --mine 0` (align)", "align --adapter {adapter} --pairs 0 --mine 0",
         2, ("--pairs 0 with --mine 0", "no preference pairs"), "loaded the adapter, then \"no preference pairs to train on\", exit 2"),
    Case("a folder that is not an adapter", "align --adapter {dir}",
         2, ("--adapter", "not an adapter directory", "course_meta.json"), "the same line, exit 2 (already clear)"),
    Case("an incomplete adapter (no weights)", "chat --adapter {incomplete}",
         1, ("--adapter", "incomplete adapter, missing adapter_model.safetensors"), "loaded the base model, then a traceback (HFValidationError from peft)"),
    Case("an adapter whose meta is not JSON", "evaluate --adapter {badmeta} --dataset {test} --output {out}/p.jsonl",
         1, ("--adapter", "course_meta.json: unreadable"), "traceback (JSONDecodeError)"),
    Case("an adapter whose tokenizer and meta disagree", "evaluate --adapter {mixed} --dataset {test} --output {out}/p.jsonl",
         1, ("--adapter", "its tokenizer has", "vocab_size"), "loaded it and evaluated, without complaint"),
    Case("an adapter saved for another base model", "evaluate --adapter {otherbase} --dataset {test} --output {out}/p.jsonl",
         1, ("--adapter", "saved for a model of hidden size 32", "another base model"),
         "loaded the base model, then a traceback (size mismatch from peft)"),
    Case("`--model` naming another base than the adapter's", "evaluate --adapter {adapter} --model {smol} --dataset {test} --output {out}/p.jsonl",
         2, ("--adapter", "was trained on", "not --model"), "ignored --model and evaluated, silently"),
    Case("an adapter path that is neither a directory nor owner/name", "chat --adapter runs/no/such/adapter",
         2, ("--adapter runs/no/such/adapter", "no such directory"), "\"not an adapter directory\", exit 2"),
]
# Run as real processes: nothing but the line reaches the terminal.
SUBPROCESS = {"an adapter directory that does not exist", "a missing training file"}
UNREADABLE = Case("a data file without read permission", "validate-data {unreadable}",
                  2, ("unreadable.jsonl", "cannot be read", "Permission denied"), "\"[Errno 13] Permission denied\", exit 1 (already clear)")


def _row(case: Case) -> str:
    return (f"| {case.bad} | `python -m helpers {case.argv}` | {' … '.join(case.says)} | {case.status} "
            f"| {case.before} |")


def doc_table() -> str:
    head = ["| bad input | command | the one line on stderr says | exit | before |", "|---|---|---|---|---|"]
    return "\n".join(head + [_row(c) for c in [*CASES, UNREADABLE]])


@pytest.fixture(scope="module")
def inputs(tiny_model_dir, smol_path, tmp_path_factory):
    """Paths for the placeholders of `CASES`: bad files and damaged copies of a real tiny adapter."""
    from helpers.profiles import PROFILES
    from helpers.training import META_FILE, TrainConfig, build_peft_model, load_base, save_adapter

    root = tmp_path_factory.mktemp("bad-inputs")
    paths = {"test": TEST_DATA, "out": str(root / "out"), "smol": smol_path}
    (root / "empty.jsonl").write_text("")
    (root / "dir").mkdir()
    (root / "file").write_text("not a directory\n")
    (root / "array.jsonl").write_text(json.dumps([json.loads(Path(TEST_DATA).read_text().splitlines()[0])]) + "\n")
    (root / "allbad.jsonl").write_text('{"messages": []}\n{"conversations": [{"role": "user"}]}\n')
    (root / "notjson.json").write_text("{not json")
    (root / "unreadable.jsonl").write_text(Path(TEST_DATA).read_text())
    (root / "unreadable.jsonl").chmod(0)
    for name in ("empty.jsonl", "dir", "file", "array.jsonl", "allbad.jsonl", "notjson.json", "unreadable.jsonl"):
        paths[name.split(".")[0]] = str(root / name)

    model, tokenizer, ids = load_base(tiny_model_dir, PROFILES["cpu"])
    save_adapter(build_peft_model(model, ids, TrainConfig(lora_r=4, lora_alpha=8)), tokenizer, root / "adapter",
                 base_model=tiny_model_dir)
    paths["adapter"] = str(root / "adapter")

    def damaged(name, change):
        shutil.copytree(root / "adapter", root / name)
        change(root / name)
        paths[name] = str(root / name)

    def edit_meta(**fields):
        def change(folder):
            meta = json.loads((folder / META_FILE).read_text())
            (folder / META_FILE).write_text(json.dumps({**meta, **fields}))
        return change

    damaged("incomplete", lambda f: (f / "adapter_model.safetensors").unlink())
    damaged("badmeta", lambda f: (f / META_FILE).write_text('{"base_model": '))
    damaged("mixed", edit_meta(vocab_size=len(tokenizer) + 1))
    damaged("otherbase", edit_meta(base_model=smol_path))
    return paths


@pytest.fixture
def no_model_loads(monkeypatch):
    """A model load fails the test: every case must be refused before that."""
    import transformers

    def refuse(*args, **kwargs):
        raise AssertionError("a model was loaded before the arguments were checked")

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", refuse)


def _assert_one_line(case: Case, status, err: str) -> None:
    assert "Traceback" not in err, err[-2000:]
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "nothing on stderr"
    # argparse puts its usage line before the error; every other mistake is the line alone
    if case.says[0].startswith("argument "):
        assert lines[0].startswith("usage: "), err
    else:
        assert len(lines) == 1, err
    assert re.search(".*".join(map(re.escape, case.says)), lines[-1]), lines[-1]
    assert status == case.status, (status, lines[-1])


@pytest.mark.parametrize("case", [c for c in CASES if c.bad not in SUBPROCESS], ids=lambda c: c.bad)
def test_bad_input_is_one_line_and_a_status(case, inputs, no_model_loads, capsys):
    from helpers.cli import main

    argv = case.argv.format(**inputs).split()
    try:
        status = main(argv)
    except SystemExit as e:  # argparse
        status = e.code
    _assert_one_line(case, status, capsys.readouterr().err)


def _run(argv: list[str], prefix: tuple[str, ...] = ()):
    env = {**os.environ, "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([*prefix, sys.executable, "-m", "helpers", *argv], capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.mark.parametrize("case", [c for c in CASES if c.bad in SUBPROCESS], ids=lambda c: c.bad)
def test_bad_input_in_a_real_process(case, inputs):
    done = _run(case.argv.format(**inputs).split())
    assert done.stdout == ""
    _assert_one_line(case, done.returncode, done.stderr)


def test_a_file_without_read_permission(inputs):
    # root reads a chmod-000 file; without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH it cannot
    prefix = ()
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: root reads any file whatever its mode")
        prefix = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search")
    done = _run(UNREADABLE.argv.format(**inputs).split(), prefix)
    if "setpriv" in done.stderr.split(":")[0]:
        pytest.skip(f"setpriv cannot drop capabilities here: {done.stderr.strip()}")
    _assert_one_line(UNREADABLE, done.returncode, done.stderr)


def test_the_doc_lists_every_case():
    assert doc_table() in DOC.read_text(), "docs/errors.md is out of date: run `python tests/test_errors.py`"


if __name__ == "__main__":  # rewrite the table in docs/errors.md from CASES
    text = DOC.read_text()
    start = text.index("| bad input |")
    end = text.index("\n\n", start) if "\n\n" in text[start:] else len(text)
    DOC.write_text(text[:start] + doc_table() + text[end:])
