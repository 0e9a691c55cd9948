import sys

import pytest

from helpers import explore, lesson
from helpers.chat import CHATML_TEMPLATE, GEMMA_TEMPLATE, add_tool_tokens, set_chat_template
from helpers.formats import TOOL_TAGS


@pytest.fixture
def chat_tokenizer(tokenizer):
    set_chat_template(tokenizer, "chatml")
    add_tool_tokens(tokenizer)
    return tokenizer


@pytest.mark.parametrize("template", [CHATML_TEMPLATE, GEMMA_TEMPLATE], ids=["chatml", "gemma"])
def test_template_view_puts_one_tag_a_line_and_points_at_the_generation_blocks(template):
    view = explore.template_view(template)
    lines = view.splitlines()
    assert len(lines) == template.count("{%") + template.count("{{")  # no literal text between tags
    marked = [line for line in lines if "<== loss mask" in line]
    assert [line.split()[0] for line in marked] == ["{%-", "{%-"]
    assert "generation" in marked[0] and "endgeneration" in marked[1] and "on:" in marked[0]
    inner = lines[lines.index(marked[0]) + 1]
    assert "message['content']" in inner and inner.startswith(" " * (len(marked[0]) - len(marked[0].lstrip()) + 2))
    assert "\\n" in view and all(line.strip() for line in lines)
    with pytest.raises(ValueError, match="no chat_template"):
        explore.template_view(None)


def test_row_view_shows_turns_tag_ids_and_the_loss_mask(chat_tokenizer, shipped_rows):
    row = next(r for r in shipped_rows["train"] if any(m["role"] == "tool" for m in r["messages"]))
    view = explore.row_view(chat_tokenizer, row)
    call_id = chat_tokenizer.convert_tokens_to_ids("<tool_call>")
    assert f"row {row['id']}" in view.text and f"<tool_call>={call_id} x" in view.text
    assert "<tool_response>=" in view.text and "carry loss" in view.text
    assert view._repr_html_().count("<span title=") > 50 and repr(view) == view.text
    counts = explore.tag_counts(chat_tokenizer, [call_id, call_id, 5])
    assert counts["<tool_call>"] == (call_id, 2) and counts["</tool_call>"][1] == 0 and len(counts) == len(TOOL_TAGS)


def test_request_view_runs_the_agent_loop_on_the_toolbox():
    from helpers import tasks

    task = next(t for t in tasks.TASKS if t.id == "discounted-total")
    view = explore.request_view(tasks.reference_generate(task), tasks.make_toolbox(), task.request, max_turns=6)
    assert view.text.startswith(f"user:   {task.request}")
    assert "call:   lookup_order(" in view.text and "tool:   lookup_order ->" in view.text
    assert view.text.splitlines()[-1].startswith("answer:")
    assert "type a request" in explore.request_view(lambda m: pytest.fail("ran"), tasks.make_toolbox(), "  ").text


def test_pick_updates_its_output_and_carries_a_text_fallback():
    pytest.importorskip("ipywidgets")
    seen = []
    shown = explore.pick(lambda v: (seen.append(v), explore.View(f"value {v}"))[1], {"one": 1, "two": 2})
    bundle = shown._repr_mimebundle_()
    assert bundle[explore.WIDGET_MIME]["model_id"] == shown.widget.model_id
    assert "value 1" in bundle["text/plain"] and "value 1" in bundle["text/html"]
    dropdown, output = shown.widget.children
    dropdown.value = 2
    assert seen == [1, 2] and [o["data"]["text/plain"] for o in output.outputs] == ["value 2"]
    with pytest.raises(ValueError, match="options is empty"):
        explore.pick(explore.View, {})


def test_ask_runs_the_view_on_click():
    pytest.importorskip("ipywidgets")
    shown = explore.ask(lambda text: explore.View(f"asked {text}"), "hello")
    (box, button), output = shown.widget.children[0].children, shown.widget.children[1]
    assert "asked hello" in shown._repr_mimebundle_()["text/plain"]
    box.value = "other"
    button.click()
    assert [o["data"]["text/plain"] for o in output.outputs] == ["asked other"]


def test_without_ipywidgets_the_fixed_view_is_shown(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    shown = explore.pick(lambda v: explore.View(f"value {v}"), {"one": 1})
    bundle = shown._repr_mimebundle_()
    assert shown.widget is None and explore.WIDGET_MIME not in bundle and "value 1" in bundle["text/plain"]
    assert "install ipywidgets" in bundle["text/plain"]
    asked = explore.ask(lambda text: explore.View(f"asked {text}"), "hello")._repr_mimebundle_()
    assert "asked hello" in asked["text/plain"] and explore.WIDGET_MIME not in asked


def test_lesson_start_still_hides_tqdm_s_no_widgets_warning():
    import warnings

    from tqdm import TqdmWarning

    with warnings.catch_warnings():
        lesson.start("smoke")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            lesson.start("smoke")
            warnings.warn("IProgress not found. Please update jupyter and ipywidgets.", TqdmWarning)
    assert not caught
