"""Stage 3 (DPO): preference pairs that mean what they say, and a tiny-model DPO run that saves an
adapter `load_adapter` and `python -m helpers evaluate` can use."""

import json
import math
from collections import Counter

import pytest
import torch
from conftest import write_jsonl

from helpers import alignment
from helpers.alignment import (
    REJECTION_KINDS,
    AlignConfig,
    align,
    check_pair,
    compare_labels,
    corrupt,
    dpo_kwargs,
    format_label_table,
    load_trainable_adapter,
    mine_pairs,
    rejected_label,
    sync_reference_adapter,
    synthetic_pairs,
    to_dataset,
)
from helpers.evaluation import score
from helpers.profiles import PROFILES
from helpers.toolcalls import parse_tool_calls
from helpers.training import TrainConfig, build_peft_model, load_adapter, load_base, save_adapter

CPU = PROFILES["cpu"]


@pytest.fixture(scope="module")
def pairs(shipped_rows):
    return synthetic_pairs(shipped_rows["train"], 180, seed=0)


def _expected(pair):
    return parse_tool_calls(pair["chosen"][0]["content"])


def test_every_pair_is_in_trl_conversational_format(pairs):
    assert len(pairs) == 180
    for p in pairs:
        assert [m["role"] for m in p["prompt"]] == ["system", "user"]
        assert [m["role"] for m in p["chosen"]] == [m["role"] for m in p["rejected"]] == ["assistant"]
    from trl.data_utils import is_conversational

    dataset = to_dataset(pairs)
    assert dataset.column_names == ["prompt", "chosen", "rejected"]  # no `tools`: trl would pass it to the template
    assert is_conversational(dataset[0])


def test_chosen_passes_the_scorer_and_rejected_fails_it(pairs):
    for p in pairs:
        chosen, rejected = p["chosen"][0]["content"], p["rejected"][0]["content"]
        assert rejected != chosen
        assert score(_expected(p), chosen, p["tools"])[0] == "correct"
        assert score(_expected(p), rejected, p["tools"])[0] != "correct", (p["kind"], rejected)
        assert check_pair(p) is None


def test_every_failure_kind_is_there_and_draws_its_own_label(pairs):
    kinds = Counter(p["kind"] for p in pairs)
    assert set(kinds) == set(REJECTION_KINDS)
    assert max(kinds.values()) - min(kinds.values()) <= 1, "the kinds take turns"
    for kind in REJECTION_KINDS:
        labels = Counter(rejected_label(p) for p in pairs if p["kind"] == kind)
        assert labels.most_common(1)[0][0] == kind, (kind, labels)


def test_argument_errors_keep_the_rest_of_the_turn(pairs):
    """Only the call differs: same thinking, same layout, so the pair is about the call."""
    for p in pairs:
        chosen, rejected = p["chosen"][0]["content"], p["rejected"][0]["content"]
        head = chosen[: chosen.find("<tool_call>")]
        if p["kind"] in ("missing_required", "value_error", "type_error", "unexpected_param", "wrong_count"):
            assert rejected.startswith(head + "<tool_call>\n{") and rejected.endswith("}\n</tool_call>")
        if p["kind"] == "unparseable":  # the turn ends inside the last call, before its closing braces
            assert chosen.startswith(rejected) and rejected.rfind("<tool_call>") > rejected.rfind("</tool_call>")
            assert len(rejected) < chosen.rfind("}}\n</tool_call>")


def test_spurious_calls_only_where_no_tool_fits(pairs):
    for p in pairs:
        assert (p["kind"] == "spurious_call") == (not _expected(p))
    spurious = [p for p in pairs if p["kind"] == "spurious_call"]
    names = {t["name"] for p in spurious for t in p["tools"]}
    assert all(parse_tool_calls(p["rejected"][0]["content"])[0].name in names for p in spurious)


def test_pairs_are_deterministic(shipped_rows):
    rows = shipped_rows["train"]
    assert synthetic_pairs(rows, 40, seed=3) == synthetic_pairs(rows, 40, seed=3)
    assert synthetic_pairs(rows, 40, seed=3) != synthetic_pairs(rows, 40, seed=4)


def test_a_kind_that_does_not_apply_gives_none(shipped_rows):
    import random

    row = next(r for r in shipped_rows["train"] if len(r["tools"]) == 1 and len(r["messages"]) == 3
               and len(parse_tool_calls(r["messages"][2]["content"])) == 1)
    prompt, chosen = alignment._split_row(row)
    rng = random.Random(0)
    extra = corrupt("wrong_count", prompt, chosen, row["tools"], rng)  # one call: one too many, never none
    assert len(parse_tool_calls(extra)) == 2 and extra.startswith(chosen)
    assert corrupt("wrong_func_name", prompt, chosen, row["tools"], rng) is None  # one tool: no other to pick
    assert corrupt("spurious_call", prompt, chosen, row["tools"], rng) is None  # a call is expected
    with pytest.raises(ValueError, match="unknown rejection kind"):
        corrupt("rude", prompt, chosen, row["tools"], rng)


def test_check_pair_catches_bad_pairs(pairs):
    p = json.loads(json.dumps(pairs[0]))
    p["rejected"] = p["chosen"]
    assert check_pair(p) == "rejected equals chosen"
    p = json.loads(json.dumps(next(q for q in pairs if _expected(q))))
    p["rejected"] = [{"role": "assistant", "content": "<think>Same call, new words.</think>" +
                      p["chosen"][0]["content"].split("</think>", 1)[1]}]
    assert check_pair(p) == "rejected turn is scored correct"


def test_mining_keeps_only_the_answers_the_scorer_rejects(shipped_rows, monkeypatch):
    rows = shipped_rows["train"][:40]
    answers = {}

    def fake_generate(model, tokenizer, prompts, **kwargs):
        out = []
        for i, prompt in enumerate(prompts):
            row = next(r for r in rows if alignment._split_row(r)[0] == prompt)
            gold = alignment._split_row(row)[1]
            out.append(gold if i % 2 == 0 else "<think>Hmm.</think>I am not sure.")
            answers[row["id"]] = out[-1]
        return out

    monkeypatch.setattr("helpers.evaluation.generate", fake_generate)
    model = torch.nn.Linear(1, 1)
    mined, labels = mine_pairs(model, None, rows, 10, seed=0)
    assert sum(labels.values()) == 10 and labels["correct"] >= 5
    assert mined and all(p["source"] == "mined" and check_pair(p) is None for p in mined)
    assert all(p["rejected"][0]["content"] == answers[p["id"]] for p in mined)
    assert len(mined) == 10 - labels["correct"]
    assert mine_pairs(model, None, rows, 10, seed=0)[1] == labels  # same rows for the same seed


def test_dpo_kwargs_are_accepted_by_trl(tmp_path):
    from trl import DPOConfig

    args = DPOConfig(**dpo_kwargs(AlignConfig(out=str(tmp_path), beta=0.25, max_steps=7, batch_size=3), CPU))
    assert (args.beta, args.max_steps, args.per_device_train_batch_size) == (0.25, 7, 3)
    assert args.loss_type == ["sigmoid", "sft"] and args.loss_weights == [1.0, 1.0]
    assert args.bf16 is False and args.fp16 is False
    assert args.gradient_checkpointing is False  # trl defaults it to True; the cpu profile turns it off
    plain = DPOConfig(**dpo_kwargs(AlignConfig(out=str(tmp_path), sft_weight=0), CPU))
    assert plain.loss_type == ["sigmoid"] and plain.loss_weights is None


def test_compare_labels_reports_irrelevance_separately():
    rec = lambda label, expected: {"label": label, "expected": expected}  # noqa: E731
    call = [{"name": "f", "arguments": {}}]
    before = {"test": [rec("correct", call), rec("no_call", call), rec("spurious_call", [])]}
    after = {"test": [rec("correct", call), rec("correct", call), rec("correct", [])]}
    c = compare_labels(before, after)
    assert c["test"]["calls"] == {"n": 2, "before": {"correct": 1, "no_call": 1}, "after": {"correct": 2}}
    assert c["test"]["irrelevance"] == {"n": 1, "before": {"spurious_call": 1}, "after": {"correct": 1}}
    table = format_label_table(c)
    assert "irrelevance (1)" in table and "+1" in table


@pytest.fixture(scope="module")
def sft_adapter(tiny_model_dir, tmp_path_factory):
    """A tiny "SFT" adapter: LoRA and token rows moved off their initial values, saved as `train` does."""
    model, tokenizer, new_ids = load_base(tiny_model_dir, CPU)
    peft_model = build_peft_model(model, new_ids, TrainConfig(lora_r=4, lora_alpha=8))
    torch.manual_seed(1)
    with torch.no_grad():
        for p in peft_model.parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p) * 0.5)
    out = tmp_path_factory.mktemp("sft") / "adapter"
    save_adapter(peft_model, tokenizer, out, base_model=tiny_model_dir, recipe={"max_steps": 1})
    return out


def test_reference_is_exactly_the_sft_model(sft_adapter, shipped_rows, tmp_path):
    """trl's `ref` adapter misses the token rows; after `sync_reference_adapter` the reference's log
    probabilities equal the policy's (so DPO starts from the SFT model, loss log 2)."""
    from trl import DPOConfig, DPOTrainer

    model, tokenizer, _ = load_trainable_adapter(sft_adapter, CPU)
    pairs = synthetic_pairs(shipped_rows["train"][:60], 4, seed=0)
    cfg = AlignConfig(out=str(tmp_path), batch_size=2, max_steps=1)
    trainer = DPOTrainer(model=model, args=DPOConfig(**dpo_kwargs(cfg, CPU)), train_dataset=to_dataset(pairs),
                         processing_class=tokenizer)
    assert "ref" in model.peft_config
    sync_reference_adapter(model)
    assert sync_reference_adapter(model) == []
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(2)])
    labels = batch["input_ids"].masked_fill(batch["completion_mask"] == 0, -100)
    with torch.no_grad():
        ref = torch.cat(trainer.compute_ref_log_probs(trainer.model, batch))
        out = trainer.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels,
                            fused_lm_head=True, use_cache=False)
    torch.testing.assert_close(ref, out.log_probs.sum(1))


def test_align_on_tiny_model_saves_a_loadable_adapter(sft_adapter, tiny_model_dir, shipped_rows, tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [
        {"id": r["id"], "conversations": r["messages"]} for r in shipped_rows["train"][:60]])
    cfg = AlignConfig(adapter=str(sft_adapter), data=data, out=str(tmp_path / "dpo"), profile="cpu", max_steps=2,
                      batch_size=2, pairs=6, mine=2, mine_max_new_tokens=8, learning_rate=1e-2,
                      token_learning_rate=1e-2, sft_weight=0)
    logs = []
    result = align(cfg, log=logs.append)
    assert result["steps"] == 2 and len(result["losses"]) == 2
    assert math.isclose(result["losses"][0], math.log(2), abs_tol=1e-4), "policy == reference at the first step"
    assert result["reward_margins"][0] == 0 and result["rewards_chosen"][0] == 0
    assert result["pair_stats"]["pairs"] >= 6 and sum(result["pair_stats"]["mined_answer_labels"].values()) == 2

    adapter_dir = tmp_path / "dpo" / "adapter"
    files = {p.name for p in adapter_dir.iterdir()}
    assert {"adapter_model.safetensors", "adapter_config.json", "course_meta.json", "tokenizer.json"} <= files
    assert "ref" not in files, "only the policy adapter is saved"
    meta = json.loads((adapter_dir / "course_meta.json").read_text())
    assert meta["base_model"] == tiny_model_dir and meta["recipe"]["stage"] == "dpo"
    assert meta["recipe"]["sft_recipe"] == {"max_steps": 1}

    from safetensors.torch import load_file

    before = load_file(str(sft_adapter / "adapter_model.safetensors"))
    after = load_file(str(adapter_dir / "adapter_model.safetensors"))
    assert before.keys() == after.keys(), "same tensors as the SFT adapter: one LoRA plus the token rows"
    assert any(not torch.equal(before[k], after[k]) for k in before), "DPO changed the adapter"

    model, tokenizer = load_adapter(adapter_dir, CPU, merge=True)
    assert not any("lora" in n for n, _ in model.named_parameters())


def test_evaluate_command_reads_the_aligned_adapter(sft_adapter, shipped_rows, tmp_path):
    from helpers.cli import main

    data = write_jsonl(tmp_path / "train.jsonl", [
        {"id": r["id"], "conversations": r["messages"]} for r in shipped_rows["train"][:40]])
    assert main(["align", "--adapter", str(sft_adapter), "--data", data, "--out", str(tmp_path / "dpo"),
                 "--profile", "cpu", "--max-steps", "1", "--batch-size", "2", "--pairs", "2", "--mine", "0"]) == 0
    test = write_jsonl(tmp_path / "test.jsonl", [
        {"id": r["id"], "conversations": r["messages"]} for r in shipped_rows["test"][:2]])
    assert main(["evaluate", "--adapter", str(tmp_path / "dpo" / "adapter"), "--dataset", test, "--profile", "cpu",
                 "--output", str(tmp_path / "pred.jsonl"), "--max-new-tokens", "4"]) == 0
    assert len((tmp_path / "pred.jsonl").read_text().splitlines()) == 2


def test_align_without_an_adapter_says_what_is_missing(tmp_path, capsys):
    from helpers.cli import main

    assert main(["align", "--adapter", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 2
    assert "--adapter " in (err := capsys.readouterr().err) and "nowhere: no such directory" in err
    assert main(["align", "--adapter", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert "not an adapter directory (no course_meta.json" in capsys.readouterr().err


def test_time_limit_stops_after_a_whole_step():
    from transformers import TrainerControl, TrainerState

    from helpers.alignment import time_limit_callback

    control = TrainerControl()
    callback = time_limit_callback(3600)
    callback.on_train_begin(None, TrainerState(), control)
    callback.on_step_end(None, TrainerState(), control)
    assert not control.should_training_stop
    callback = time_limit_callback(0)
    callback.on_train_begin(None, TrainerState(), control)
    callback.on_step_end(None, TrainerState(), control)
    assert control.should_training_stop
