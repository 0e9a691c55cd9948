import os
import sys
import types

import pytest

from helpers import lesson
from helpers.chat import add_tool_tokens
from helpers.formats import TOOL_TAGS


def _hub_error(cls, message):
    """An instance of a huggingface_hub error without its (version-dependent) HTTP response argument."""
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    return err


# --- scale ---------------------------------------------------------------------------------------


def test_auto_scale_follows_the_hardware(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert lesson.get_scale("auto").name == "smoke"
    assert lesson.get_scale(None).name == "smoke"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert lesson.get_scale("auto").name == "gpu"
    with pytest.raises(ValueError, match="unknown COURSE_SCALE 'huge'"):
        lesson.get_scale("huge")


def test_ci_scale_trains_a_few_steps_offline_on_the_embedded_model():
    smoke = lesson.SCALES["smoke"]
    assert (smoke.max_steps, smoke.batch_size, smoke.limit) == (3, 2, 16)
    assert not smoke.online and smoke.model == "smollm2-135m-instruct"
    assert smoke.data_path().endswith(os.path.join("data", "train.jsonl"))
    gpu = lesson.SCALES["gpu"]
    assert gpu.online and gpu.model == "google/gemma-2-2b-it" and gpu.data_path() == lesson.HUB_DATASET
    assert "why:" in smoke.describe()


def test_start_goes_offline_on_cpu_scales(monkeypatch):
    import huggingface_hub.constants

    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_DISABLE_PROGRESS_BARS"):  # restored after the test
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    assert lesson.start("smoke").name == "smoke"
    assert os.environ["HF_HUB_OFFLINE"] == "1" and huggingface_hub.constants.HF_HUB_OFFLINE is True


def test_start_silences_only_the_named_library_chatter(monkeypatch):
    import warnings

    import huggingface_hub.constants

    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_DISABLE_PROGRESS_BARS"):  # restored after the test
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()  # without the test session's filters (conftest ignores every UserWarning)
        lesson.start("smoke")
        warnings.warn("Merge lora module to 4-bit linear may get different generations due to rounding errors.")
        warnings.warn("`is_gradient_checkpointing` is deprecated and will be removed in v6.", FutureWarning)
        warnings.warn("IProgress not found. Please update jupyter and ipywidgets.", UserWarning)
    assert [(w.category, str(w.message)[:26]) for w in caught] == [(UserWarning, "Merge lora module to 4-bit")]


# --- Hub token and gated models --------------------------------------------------------------------


def test_token_comes_from_the_colab_secret_first_and_is_never_in_the_message(monkeypatch):
    secret = "hf_" + "x" * 34
    colab = types.ModuleType("google.colab")
    colab.userdata = types.SimpleNamespace(get=lambda name: secret if name == "HF_TOKEN" else None)
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setenv("HF_TOKEN", "env-token")
    assert lesson.find_hf_token() == (secret, "the Colab secret HF_TOKEN")
    message = lesson.hub_login()
    assert secret not in message and "Colab secret" in message
    assert os.environ["HF_TOKEN"] == secret


def test_token_falls_back_to_the_environment_and_then_says_how_to_add_one(monkeypatch):
    import huggingface_hub

    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setenv("HF_TOKEN", "env-token")
    assert lesson.find_hf_token() == ("env-token", "the HF_TOKEN environment variable or a saved login")
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    assert lesson.find_hf_token() == (None, "")
    assert "add a Colab secret named HF_TOKEN" in lesson.hub_login()


def test_a_gated_model_gets_instructions_before_any_download(monkeypatch):
    import huggingface_hub
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    asked = []

    def fake_auth_check(repo_id, **kw):
        asked.append(repo_id)
        if repo_id == "google/gemma-2-2b-it":
            raise _hub_error(GatedRepoError, "403 gated")
        if repo_id == "nobody/nothing":
            raise _hub_error(RepositoryNotFoundError, "404")

    monkeypatch.setattr(huggingface_hub, "auth_check", fake_auth_check)
    gated = lesson.model_access_problem("google/gemma-2-2b-it")
    assert "gated" in gated and "accept the licence" in gated
    assert "https://huggingface.co/google/gemma-2-2b-it" in gated
    assert "not found" in lesson.model_access_problem("nobody/nothing")
    assert lesson.model_access_problem("HuggingFaceTB/SmolLM2-135M-Instruct") is None
    with pytest.raises(PermissionError, match="gemma-2-2b-it is gated"):
        lesson.require_model_access("HuggingFaceTB/SmolLM2-135M-Instruct", "google/gemma-2-2b-it")
    monkeypatch.setenv("HF_TOKEN", "t")
    with pytest.raises(PermissionError):
        lesson.prepare_hub(lesson.SCALES["gpu"])
    assert asked[-2:] == ["google/gemma-2-2b-it", "google/gemma-2-2b"]


def test_offline_scale_never_asks_the_hub(monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "auth_check", lambda *a, **k: pytest.fail("asked the Hub"))
    assert "offline" in lesson.prepare_hub(lesson.SCALES["smoke"])


def test_push_is_skipped_without_a_repo_name_or_a_token(monkeypatch, tmp_path):
    import helpers.training as training

    monkeypatch.setattr(training, "push_adapter", lambda *a: pytest.fail("pushed"))
    assert "set HUB_REPO" in lesson.push_if_configured(tmp_path, "")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert "offline" in lesson.push_if_configured(tmp_path, "me/adapter")
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(training, "hub_token", lambda: None)
    assert "no Hugging Face token" in lesson.push_if_configured(tmp_path, "me/adapter")
    pushed = []
    monkeypatch.setattr(training, "hub_token", lambda: "t")
    monkeypatch.setattr(training, "push_adapter", lambda d, r: pushed.append((d, r)))
    assert "pushed" in lesson.push_if_configured(tmp_path, "me/adapter") and pushed == [(tmp_path, "me/adapter")]


# --- LoRA size -------------------------------------------------------------------------------------


def test_lora_count_is_r_times_fan_in_plus_fan_out():
    shapes = [("q", 64, 64), ("up", 64, 256)]
    assert lesson.lora_parameter_count(shapes, 1) == 64 + 64 + 64 + 256
    rows = lesson.lora_rank_table(shapes, total=10_000, ranks=(2, 4))
    assert [r["params"] for r in rows] == [2 * 448, 4 * 448]
    assert rows[0]["percent"] == pytest.approx(100 * 896 / 10_000)
    assert "LoRA params" in lesson.format_rank_table(rows)


def test_lora_count_matches_peft_on_a_real_model(tiny_model_dir):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    shapes = lesson.linear_shapes(model)
    assert shapes and not any(name == "lm_head" for name, _, _ in shapes)
    expected = lesson.lora_parameter_count(shapes, 8)
    peft_model = get_peft_model(model, LoraConfig(r=8, target_modules="all-linear", task_type="CAUSAL_LM"))
    assert peft_model.get_nb_trainable_parameters()[0] == expected
    adapted = lesson.linear_shapes(peft_model)  # the wrapped layers, not LoRA's own A and B
    assert [(i, o) for _, i, o in adapted] == [(i, o) for _, i, o in shapes]
    assert all(a.endswith(name) for (a, _, _), (name, _, _) in zip(adapted, shapes))


def test_plots_are_figures_with_the_data():
    fig = lesson.lora_rank_plot(lesson.lora_rank_table([("a", 8, 8)], total=1000), "tiny")
    assert fig.axes[0].get_xlabel() == "LoRA rank r"
    fig = lesson.length_histogram([100, 200, 300, 900], max_length=512)
    assert "3 of 4 conversations fit" in fig.axes[0].get_title()
    fig = lesson.loss_curve([2.0, 1.5, 1.2])
    assert list(fig.axes[0].lines[0].get_ydata()) == [2.0, 1.5, 1.2]
    assert "would be dropped" in lesson.length_summary([100, 200, 300, 900], 512)


# --- tokens and the loss mask ------------------------------------------------------------------------


def test_tag_table_shows_pieces_before_and_one_id_after(tokenizer):
    from helpers.chat import set_chat_template

    set_chat_template(tokenizer, "chatml")
    assert all(len(p) > 1 for p in lesson.tag_pieces(tokenizer).values())
    ids = add_tool_tokens(tokenizer)
    after = lesson.tag_pieces(tokenizer)
    assert [after[t] for t in TOOL_TAGS] == [[t] for t in TOOL_TAGS]
    assert f"ids=[{ids[0]}]" in lesson.format_tag_table(tokenizer)


def test_loss_mask_covers_assistant_turns_only(tokenizer):
    from helpers.chat import set_chat_template

    set_chat_template(tokenizer, "chatml")
    add_tool_tokens(tokenizer)
    ids, mask = lesson.loss_mask(tokenizer, lesson.EXAMPLE_CONVERSATION)
    masked_text = tokenizer.decode([i for i, m in zip(ids, mask) if m])
    assert "<tool_call>" in masked_text and "-3 °C" in masked_text
    assert "Is it cold in Oslo?" not in masked_text and "<tool_response>" not in masked_text
    assert masked_text.endswith("<|im_end|>")
    counts = lesson.loss_mask_counts(tokenizer, lesson.EXAMPLE_CONVERSATION)
    assert counts["tokens"] == len(ids) and counts["with_loss"] == sum(mask) > 0
    view = lesson.loss_mask_html(tokenizer, lesson.EXAMPLE_CONVERSATION)
    assert view._repr_html_().count("<span title=") == len(ids)
    assert f"{sum(mask)} tokens carry loss" in str(view) and "&lt;tool_call&gt;" in str(view)
    assert len(repr(view)) < 100


def test_eval_sample_prefers_rows_that_expect_a_call():
    from helpers.formats import format_tool_call

    def row(i, call):
        answer = format_tool_call("f", {}) if call else "No tool fits."
        return {"id": i, "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": answer}]}

    rows = [row(0, False), row(1, True), row(2, False), row(3, True), row(4, True), row(5, True)]
    assert [r["id"] for r in lesson.eval_sample(rows, 2)] == [1, 3]
    assert [r["id"] for r in lesson.eval_sample(rows, 4)] == [1, 3, 4, 0]
    assert [r["id"] for r in lesson.eval_sample(rows, 8)] == [1, 3, 4, 5, 0, 2]


def test_before_after_shows_both_answers():
    def rec(label, raw):
        return {"id": 7, "expected": [{"name": "f", "arguments": {}}], "label": label, "raw": raw}

    text = lesson.before_after(rec("no_call", "I can't"), rec("correct", "<tool_call>x</tool_call>"))
    assert "before (no_call)" in text and "after (correct)" in text and "row 7" in text


def test_find_or_train_adapter_prefers_the_given_directory_and_rejects_a_wrong_one(tmp_path, monkeypatch):
    import json

    from helpers.training import META_FILE

    adapter = tmp_path / "mine"
    adapter.mkdir()
    (adapter / META_FILE).write_text(json.dumps({"base_model": "m", "vocab_size": 3, "recipe": {"max_steps": 7}}))
    monkeypatch.setattr("helpers.training.train", lambda cfg: pytest.fail("trained although an adapter was given"))
    found, meta = lesson.find_or_train_adapter(lesson.get_scale("smoke"), str(adapter))
    assert found == adapter and meta["recipe"]["max_steps"] == 7
    with pytest.raises(FileNotFoundError, match="no such directory"):
        lesson.find_or_train_adapter(lesson.get_scale("smoke"), str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no course_meta.json"):
        lesson.find_or_train_adapter(lesson.get_scale("smoke"), str(tmp_path / "empty"))


def _fake_train(out, seen: list):
    """A stand-in for `training.train` that records the config and writes only `course_meta.json`."""
    import json

    from helpers.training import META_FILE

    def fake_train(cfg):
        seen.append(cfg)
        out.mkdir()
        (out / META_FILE).write_text(json.dumps({"base_model": cfg.model, "vocab_size": 3, "recipe": {}}))
        return {"adapter_dir": str(out)}

    return fake_train


def test_find_or_train_adapter_trains_when_none_is_found(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("helpers.training.train", _fake_train(tmp_path / "trained", []))
    found, meta = lesson.find_or_train_adapter(lesson.get_scale("smoke"))
    assert found == tmp_path / "trained" and meta["base_model"] == lesson.get_scale("smoke").model


def test_agent_adapter_is_trained_on_the_agent_episodes_with_room_for_them(tmp_path, monkeypatch, tokenizer):
    from helpers.agent_data import AGENT_FILE
    from helpers.chat import add_tool_tokens, set_chat_template
    from helpers.data import load_conversations
    from helpers.training import TrainConfig, prepare_dataset

    seen = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("helpers.training.train", _fake_train(tmp_path / "agent", seen))
    found, _ = lesson.find_or_train_adapter(lesson.get_scale("smoke"), out="runs/x", agent=True)
    (cfg,) = seen
    assert found == tmp_path / "agent" and cfg.data == str(AGENT_FILE) and cfg.out == "runs/x"
    assert cfg.max_steps == lesson.get_scale("smoke").agent_steps
    for name in ("cpu", "gpu"):
        agent_cfg = lesson.get_scale(name).agent_train_config("o")
        assert agent_cfg.limit is None and agent_cfg.max_steps >= 80 and isinstance(agent_cfg, TrainConfig)
        assert agent_cfg.save_steps == max(10, agent_cfg.max_steps // 4)  # checkpoints follow the agent's steps
    set_chat_template(tokenizer, "chatml")
    add_tool_tokens(tokenizer)
    rows, problems = load_conversations(AGENT_FILE)
    assert not problems and not prepare_dataset(rows, tokenizer, cfg.max_length)[1]  # no episode dropped


def test_printed_recipes_show_shipped_files_from_the_package_not_this_machine(capsys, tmp_path):
    from helpers.alignment import align_config
    from helpers.training import SHIPPED

    scale = lesson.get_scale("smoke")
    cfg = scale.train_config(out="runs/03_lora_sft")
    assert cfg.data == str(SHIPPED / "train.jsonl")  # the recipe itself keeps the real path
    shown = lesson.shown(cfg)
    assert shown.data == "helpers/data/train.jsonl" and shown.out == "runs/03_lora_sft"
    assert str(SHIPPED.parent) not in repr(shown) and shown.max_steps == cfg.max_steps
    aligned = lesson.shown(align_config(scale, str(tmp_path / "adapter"), out="runs/05"))
    assert aligned.data == "helpers/data/train.jsonl" and aligned.adapter == str(tmp_path / "adapter")
    assert lesson.shown_path("Jofthomas/hermes-function-calling-thinking-V1") == "Jofthomas/hermes-function-calling-thinking-V1"
    assert "helpers/data/train.jsonl" in lesson.about_to_train(cfg)


def test_settings_print_as_the_call_a_learner_writes():
    text = lesson.as_call("LoraConfig", {"r": 16, "target_modules": "all-linear", "trainable_token_indices": [5, 6]})
    assert text == "LoraConfig(\n    r=16,\n    target_modules='all-linear',\n    trainable_token_indices=[5, 6],\n)"
