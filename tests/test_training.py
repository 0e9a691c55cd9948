import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import write_jsonl

from helpers.profiles import PROFILES
from helpers.training import (
    TrainConfig,
    adapter_size_bytes,
    build_peft_model,
    cpu_lm_head,
    expose_wrapped_bias,
    load_adapter,
    load_base,
    make_optimizer,
    prepare_dataset,
    push_adapter,
    rows_reached,
    save_adapter,
    token_logprobs,
    train,
)

CPU = PROFILES["cpu"]


@pytest.fixture
def tiny_peft(tiny_model_dir):
    model, tokenizer, new_ids = load_base(tiny_model_dir, CPU)
    return build_peft_model(model, new_ids, TrainConfig(lora_r=4, lora_alpha=8)), tokenizer, new_ids


def test_training_load_takes_the_profiles_attention(tiny_model_dir):
    trained, _, _ = load_base(tiny_model_dir, PROFILES["cpu-bf16"], training=True)
    served, _, _ = load_base(tiny_model_dir, PROFILES["cpu-bf16"])
    assert trained.config._attn_implementation == "eager"
    assert served.config._attn_implementation == "sdpa"


def _batch(tokenizer, rows):
    from helpers.data import canonical_messages

    enc = tokenizer.apply_chat_template(canonical_messages(rows[0]), tokenize=True, return_dict=True,
                                        return_assistant_tokens_mask=True, return_tensors="pt")
    labels = enc["input_ids"].clone()
    labels[enc["assistant_masks"] == 0] = -100
    return enc["input_ids"], labels


def _perturb(model):
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p) * 0.5)


def test_trainable_rows_are_only_the_new_tokens(tiny_peft):
    model, tokenizer, new_ids = tiny_peft
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert any("lora_A" in n for n in names) and any("trainable_tokens_delta" in n for n in names)
    assert not any("embed_tokens.weight" in n or "lm_head.weight" in n for n in names)
    deltas = [p for n, p in model.named_parameters() if "trainable_tokens_delta" in n]
    assert [tuple(d.shape) for d in deltas] == [(len(new_ids), model.config.hidden_size)]
    groups = make_optimizer(model, 1e-4, 1e-3).param_groups
    assert [g["lr"] for g in groups] == [1e-4, 1e-3] and groups[1]["params"] == deltas


def test_fused_lm_head_on_tied_trainable_tokens(tiny_peft, shipped_rows):
    """trl's fused head reads `lm_head.bias`; peft's wrapper lacked it. Losses must match the plain head."""
    from trl.trainer.utils import add_fused_lm_head

    model, tokenizer, _ = tiny_peft
    _perturb(model)
    input_ids, labels = _batch(tokenizer, shipped_rows["train"])
    plain = model(input_ids=input_ids, labels=labels).loss
    add_fused_lm_head(model.get_base_model())
    fused = model(input_ids=input_ids, labels=labels, fused_lm_head=True).loss
    with cpu_lm_head():
        compact = model(input_ids=input_ids, labels=labels, fused_lm_head=True)
    torch.testing.assert_close(fused, plain, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(compact.loss, plain, rtol=1e-4, atol=1e-4)
    compact.loss.backward()  # gradients reach the new token rows through the tied head
    delta = next(p for n, p in model.named_parameters() if "trainable_tokens_delta" in n)
    assert delta.grad is not None and delta.grad.abs().sum() > 0


@pytest.mark.parametrize("transform", [{}, {"temperature": 0.7, "final_logit_softcapping": 3.0, "logit_scale": 0.5}])
def test_plain_cpu_head_matches_trl_kernel(transform):
    """`token_logprobs` returns what trl's chunked kernel does, and the same gradients."""
    import trl.trainer.utils as trl_utils
    from trl.kernels import ChunkedLogProbFunction

    torch.manual_seed(0)
    hidden = torch.randn(7, 16, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(50, 16, dtype=torch.float64, requires_grad=True)
    targets = torch.tensor([0, 3, 49, 7, 7, 20, 11])
    outputs = ("log_probs", "entropy", "log_sum_sq_probs", "mean_logits", "is_top1")
    args = (transform.get("temperature", 1.0), 32, transform.get("final_logit_softcapping"),
            transform.get("logit_scale", 1.0), outputs)
    ours = token_logprobs(hidden, weight, None, targets, *args)
    theirs = ChunkedLogProbFunction.apply(hidden, weight, None, targets, *args)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b.to(a.dtype) if b.dtype != torch.bool else b)
    grads = [torch.autograd.grad(out[0].sum(), (hidden, weight)) for out in (ours, theirs)]
    for a, b in zip(*grads):  # trl accumulates its gradients in float32
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)

    kernel = trl_utils._ChunkedLogProbFunction
    with cpu_lm_head():
        inside = trl_utils._ChunkedLogProbFunction.apply(hidden, weight, None, targets, *args)
        assert trl_utils._ChunkedLogProbFunction is not kernel
    torch.testing.assert_close(inside[0], ours[0])
    assert trl_utils._ChunkedLogProbFunction is kernel


def test_wrapper_without_bias_fails_in_fused_head(tiny_model_dir, shipped_rows):
    from peft.utils.other import TrainableTokensWrapper
    from trl.trainer.utils import add_fused_lm_head

    model, tokenizer, new_ids = load_base(tiny_model_dir, CPU)
    peft_model = build_peft_model(model, new_ids, TrainConfig(lora_r=4))
    for m in peft_model.modules():
        if isinstance(m, TrainableTokensWrapper):
            m.__dict__.pop("bias", None)
    add_fused_lm_head(peft_model.get_base_model())
    input_ids, labels = _batch(tokenizer, shipped_rows["train"])
    with pytest.raises(AttributeError, match="bias"):
        peft_model(input_ids=input_ids, labels=labels, fused_lm_head=True)
    expose_wrapped_bias(peft_model)
    assert torch.isfinite(peft_model(input_ids=input_ids, labels=labels, fused_lm_head=True).loss)


def _greedy(model, tokenizer, n=12):
    from helpers.evaluation import generate

    prompts = [[{"role": "user", "content": "Weather in Oslo?"}], [{"role": "user", "content": "Convert 5 USD"}]]
    return generate(model, tokenizer, prompts, max_new_tokens=n, batch_size=2, progress=False)


def test_adapter_reloads_on_a_fresh_base_and_merged(tiny_peft, tiny_model_dir, tmp_path):
    model, tokenizer, _ = tiny_peft
    _perturb(model)
    model.eval()
    want = _greedy(model, tokenizer)
    save_adapter(model, tokenizer, tmp_path / "adapter", base_model=tiny_model_dir)
    files = {p.name for p in (tmp_path / "adapter").iterdir()}
    assert {"adapter_model.safetensors", "adapter_config.json", "course_meta.json", "tokenizer.json"} <= files
    from safetensors import safe_open

    with safe_open(str(tmp_path / "adapter" / "adapter_model.safetensors"), "pt") as f:
        shapes = {k: f.get_slice(k).get_shape() for k in f.keys()}
    assert not any(s[0] >= len(tokenizer) for s in shapes.values()), "a whole embedding matrix was saved"
    assert json.loads((tmp_path / "adapter" / "course_meta.json").read_text())["vocab_size"] == len(tokenizer)

    fresh, fresh_tok = load_adapter(tmp_path / "adapter", CPU)
    assert _greedy(fresh, fresh_tok) == want
    merged, merged_tok = load_adapter(tmp_path / "adapter", CPU, merge=True)
    assert not any("lora" in n for n, _ in merged.named_parameters())
    assert _greedy(merged, merged_tok) == want


def test_rows_over_max_length_are_dropped_not_truncated(tokenizer, shipped_rows):
    rows = shipped_rows["train"][:20]
    dataset, dropped = prepare_dataset(rows, tokenizer, max_length=200)
    assert len(dataset) + len(dropped) == 20 and dropped
    assert all("tokens > max_length 200" in reason for _, reason in dropped)
    with pytest.raises(ValueError, match="longer than max_length"):
        prepare_dataset(rows, tokenizer, max_length=10)


def test_push_to_hub_without_token_fails_before_loading(monkeypatch, tmp_path):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    import helpers.training as t

    monkeypatch.setattr(t, "load_base", lambda *a, **k: pytest.fail("loaded a model before checking the token"))
    with pytest.raises(PermissionError, match="HF_TOKEN"):
        train(TrainConfig(push_to_hub="someone/adapter", out=str(tmp_path)))


def test_push_uses_the_repo_id_not_a_commit_message(monkeypatch, tmp_path):
    calls = []

    class FakeApi:
        def __init__(self, token=None):
            calls.append(("token", token))

        def create_repo(self, repo_id, **kw):
            calls.append(("create_repo", repo_id))

        def upload_folder(self, repo_id, folder_path, commit_message):
            calls.append(("upload_folder", repo_id, folder_path))

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    monkeypatch.setenv("HF_TOKEN", "test-token-not-real")
    push_adapter(tmp_path, "someone/tool-adapter")
    assert ("create_repo", "someone/tool-adapter") in calls
    assert ("upload_folder", "someone/tool-adapter", str(tmp_path)) in calls


def test_train_end_to_end_on_tiny_model(tiny_model_dir, tmp_path, shipped_rows):
    data = write_jsonl(tmp_path / "train.jsonl", [
        {"id": r["id"], "conversations": r["messages"]} for r in shipped_rows["train"][:24]])
    result = train(TrainConfig(model=tiny_model_dir, data=data, out=str(tmp_path / "run"), max_steps=3,
                               batch_size=4, save_steps=2), log=lambda *_: None)
    assert result["steps"] == 3 and len(result["losses"]) == 3 and all(l > 0 for l in result["losses"])
    assert result["rows"] == 12  # 3 steps of 4 reach 12 of the 24 rows: only those are drawn
    assert 0 < adapter_size_bytes(result["adapter_dir"]) < 2_000_000
    assert (Path(tmp_path / "run" / "checkpoints" / "checkpoint-2")).is_dir()
    # checkpoints carry LoRA and token rows, not the resized embedding matrix (6.3 MB on this model)
    assert 0 < adapter_size_bytes(tmp_path / "run" / "checkpoints" / "checkpoint-2") < 2_000_000


def test_bf16_autocast_trains_like_float32(tiny_model_dir, tmp_path, shipped_rows):
    data = write_jsonl(tmp_path / "train.jsonl", [
        {"id": r["id"], "conversations": r["messages"]} for r in shipped_rows["train"][:8]])
    losses = {}
    for profile in ("cpu", "cpu-bf16"):
        result = train(TrainConfig(model=tiny_model_dir, data=data, out=str(tmp_path / profile), profile=profile,
                                   max_steps=2, batch_size=4, save_steps=10), log=lambda *_: None)
        losses[profile] = result["losses"]
    assert losses["cpu"] != losses["cpu-bf16"]  # autocast really ran in bfloat16
    assert losses["cpu-bf16"] == pytest.approx(losses["cpu"], rel=0.02)


def test_resume_after_killing_a_real_run(tiny_model_dir, tmp_path, shipped_rows):
    data = write_jsonl(tmp_path / "train.jsonl", [
        {"id": r["id"], "conversations": r["messages"]} for r in shipped_rows["train"][:64]])
    out = tmp_path / "run"
    args = [sys.executable, "-m", "helpers", "train", "--model", tiny_model_dir, "--data", data, "--out", str(out),
            "--max-steps", "150", "--save-steps", "10", "--batch-size", "2", "--lora-r", "4"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 240
    while not (out / "checkpoints" / "checkpoint-20" / "trainer_state.json").is_file():
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.time() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    saved = sorted(int(p.parent.name.split("-")[1]) for p in (out / "checkpoints").glob("checkpoint-*/trainer_state.json"))
    assert saved and saved[-1] >= 20 and not (out / "adapter").exists()
    # a checkpoint the kill interrupted is skipped by `--resume`; none may be newer than the one resumed

    resumed = subprocess.run(args + ["--resume"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resuming from {out / 'checkpoints' / f'checkpoint-{saved[-1]}'}" in resumed.stdout
    state = json.loads((out / "checkpoints" / "checkpoint-150" / "trainer_state.json").read_text())
    steps = [h["step"] for h in state["log_history"] if "loss" in h]
    assert steps[-1] == 150 and (out / "adapter" / "adapter_model.safetensors").is_file()


def test_rows_reached_keep_the_mix_that_length_grouping_alone_loses():
    """Over all rows, the first 26 batches of 4 are the longest of a random 200 (long rows: the ones
    with tool results, over-represented); drawn rows are not."""
    from datasets import Dataset
    from transformers.trainer_pt_utils import get_length_grouped_indices

    from helpers.training import SHIPPED

    rows = [json.loads(line) for line in (SHIPPED / "train.jsonl").read_text().splitlines()]
    lengths = [len(json.dumps(r)) for r in rows]
    no_call = [all("<tool_call>" not in m["content"] for m in r["conversations"] if m["role"] == "model") for r in rows]
    results = [any(m["role"] == "tool" for m in r["conversations"]) for r in rows]
    mean, share = sum(lengths) / len(rows), sum(no_call) / len(rows)
    results_share = sum(results) / len(rows)
    first = get_length_grouped_indices(lengths, 4, generator=torch.Generator().manual_seed(0))[:104]
    assert sum(lengths[i] for i in first) / 104 > 1.15 * mean
    assert sum(results[i] for i in first) / 104 > 1.4 * results_share
    drawn = rows_reached(Dataset.from_dict({"n": lengths, "no_call": no_call, "results": results}), 104, seed=0)
    assert abs(sum(drawn["n"]) / 104 - mean) < 0.1 * mean
    assert abs(sum(drawn["no_call"]) / 104 - share) < 0.05
    assert abs(sum(drawn["results"]) / 104 - results_share) < 0.08
    assert len(set(zip(drawn["n"], drawn["no_call"]))) > 90


def test_notebook_steps_build_the_trainer_build_trainer_builds(tiny_model_dir, tmp_path, shipped_rows):
    """Notebook 3 writes out `build_trainer`'s steps; both paths give the same trainer, seeded alike."""
    from peft import LoraConfig, get_peft_model
    from trl import SFTConfig, SFTTrainer

    from helpers.training import (build_trainer, finish_trainer, lora_kwargs, peft_workarounds, prepare,
                                  sft_kwargs, token_indices)

    data = write_jsonl(tmp_path / "train.jsonl", [
        {"id": r["id"], "conversations": r["messages"]} for r in shipped_rows["train"][:12]])
    cfg = TrainConfig(model=tiny_model_dir, data=data, out=str(tmp_path / "run"), max_steps=2, batch_size=2)
    packaged, _ = build_trainer(cfg, log=lambda *_: None)

    run = prepare(cfg, log=lambda *_: None)
    model = get_peft_model(run.model, LoraConfig(**lora_kwargs(cfg, token_indices(run.model, run.new_ids))))
    peft_workarounds(model)
    trainer = SFTTrainer(model=model, args=SFTConfig(**sft_kwargs(cfg, run.profile)), train_dataset=run.dataset,
                         processing_class=run.tokenizer,
                         optimizers=(make_optimizer(model, cfg.learning_rate, cfg.token_learning_rate), None))
    finish_trainer(trainer, cfg, run.profile)

    assert trainer.args.to_dict() == packaged.args.to_dict()
    assert trainer.train_dataset["input_ids"] == packaged.train_dataset["input_ids"]
    ours = {n: p for n, p in trainer.model.named_parameters() if p.requires_grad}
    theirs = {n: p for n, p in packaged.model.named_parameters() if p.requires_grad}
    assert sorted(ours) == sorted(theirs) and any("trainable_tokens_delta" in n for n in ours)
    for name, p in ours.items():
        assert p.dtype == theirs[name].dtype == torch.float32 and torch.equal(p, theirs[name]), name
    groups = lambda t: [(g["lr"], [tuple(p.shape) for p in g["params"]]) for g in t.optimizer.param_groups]  # noqa: E731
    assert groups(trainer) == groups(packaged) and len(groups(trainer)) == 2
    callbacks = lambda t: sorted(type(c).__name__ for c in t.callback_handler.callbacks)  # noqa: E731
    assert callbacks(trainer) == callbacks(packaged) and "Callback" in callbacks(trainer)  # the NaN guard's
    assert "training_step" in vars(trainer)  # the guard wraps the step
