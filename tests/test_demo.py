"""The main job end to end on a tiny model: before/after evaluation, training, metrics and adapter."""

from __future__ import annotations

import json

from helpers.data import load_conversations
from helpers.demo import format_table, run_demo
from helpers.training import SHIPPED


def test_demo_writes_metrics_predictions_and_an_adapter(tiny_model_dir, tmp_path):
    lines = []
    metrics = run_demo(out=str(tmp_path), model=tiny_model_dir, steps=2, limit=3, max_new_tokens=6,
                       base_max_new_tokens=4, log=lines.append, batch_size=2)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    # both splits are generated together; each file gets its own split's rows, in order
    first_ids = {s: [r["id"] for r in load_conversations(SHIPPED / f"{s}.jsonl")[0][:3]] for s in ("test", "unseen")}
    assert saved["train"]["steps"] == 2 == len(saved["train"]["losses"])
    assert saved["train"]["batch_size"] == 2 and saved["train"]["rows"] == 2 * 2  # the rows 2 steps of 2 reach
    for when in ("before", "after"):
        assert set(saved[when]) == {"test", "unseen"}
        for split in ("test", "unseen"):
            assert saved[when][split]["n"] == 3
            records = [json.loads(line) for line in (tmp_path / f"predictions_{when}_{split}.jsonl").open()]
            assert [r["id"] for r in records] == first_ids[split]
            assert all({"id", "expected", "predicted", "label", "raw"} <= set(r) for r in records)
    for split in ("test", "unseen"):
        guided = [json.loads(line) for line in (tmp_path / f"predictions_guided_{split}.jsonl").open()]
        assert [r["id"] for r in guided] == first_ids[split]
        assert all(isinstance(r["guided_tokens"], int) for r in guided)
        assert saved["after_guided"][split]["changed_rows"] == sum(r["guided_tokens"] > 0 for r in guided)
        assert "sample" not in saved["after_guided"][split]
        unguided = {r["id"]: r for r in map(json.loads, (tmp_path / f"predictions_after_{split}.jsonl").open())}
        # an answer guidance never changed is the model's own greedy answer
        assert all(r["raw"] == unguided[r["id"]]["raw"] for r in guided if not r["guided_tokens"])
    assert saved["adapter_bytes"] > 0 and (tmp_path / "adapter" / "course_meta.json").is_file()
    assert set(saved["seconds"]) == {"prepare", "evaluate_before", "train", "evaluate_after", "total"}
    assert metrics["after"] == saved["after"]
    text = "\n".join(lines)
    assert format_table(saved["before"], saved["after"], saved["after_guided"]) in text and "Sample prompt" in text


def test_demo_command_uses_the_demo_defaults(monkeypatch):
    import helpers.demo
    from helpers.cli import main

    seen = {}
    monkeypatch.setattr(helpers.demo, "run_demo", lambda **kw: seen.update(kw))
    assert main(["demo"]) in (0, None)
    assert "steps" not in seen and "limit" not in seen  # run_demo's own defaults apply
    main(["demo", "--steps", "5", "--limit", "7"])
    assert (seen["steps"], seen["limit"]) == (5, 7)


def test_demo_steps_follow_the_cpu_profile(monkeypatch, tmp_path):
    import helpers.demo
    from helpers.profiles import PROFILES

    class Trained(Exception):
        pass

    def stop_at_training(cfg, log):
        raise Trained(cfg.max_steps)

    monkeypatch.setattr(helpers.demo, "resolve_model", lambda model: None)
    monkeypatch.setattr(helpers.demo, "load_base", lambda *a, **k: (None, None, None))
    monkeypatch.setattr(helpers.demo, "evaluate_splits", lambda *a, **k: {})
    monkeypatch.setattr(helpers.demo, "train", stop_at_training)
    steps = {}
    for name in ("cpu", "cpu-bf16"):
        monkeypatch.setattr(helpers.demo, "get_profile", lambda _, name=name: PROFILES[name])
        try:
            run_demo(out=str(tmp_path), log=lambda *_: None)
        except Trained as reached:
            steps[name] = reached.args[0]
    assert steps == {"cpu": 64, "cpu-bf16": 112}


def test_sample_shows_the_guided_answer_only_where_guidance_changed_it():
    from helpers.demo import describe_sample

    rows = [{"id": "u-1", "tools": [{"name": "get_weather"}],
             "messages": [{"role": "user", "content": "Weather in Oslo?"}]}]
    expected = [{"name": "get_weather", "arguments": {"city": "Oslo"}}]
    before = {"raw": "It is sunny.", "label": "no_call"}
    after = {"id": "u-1", "expected": expected, "raw": '<tool_call>{"name": "get_wether"', "label": "unparseable"}
    guided = dict(after, raw='<tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}</tool_call>',
                  label="correct")
    text = describe_sample(rows, before, after, guided)
    assert "Weather in Oslo?" in text and "-> no_call" in text and "-> unparseable" in text
    assert "  guided:" in text and "-> correct" in text
    assert "guided:" not in describe_sample(rows, before, after, dict(guided, raw=after["raw"]))
    assert "guided:" not in describe_sample(rows, before, after)
