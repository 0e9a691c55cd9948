import pytest

from helpers import exercises, lesson
from helpers.chat import add_tool_tokens, set_chat_template


def test_lora_count_check_names_the_usual_mistakes():
    assert exercises.check_lora_count(576, 1536, 4, "8,448").ok
    assert "one of the two matrices" in repr(exercises.check_lora_count(576, 1536, 4, 4 * 576))
    assert "frozen weight W" in repr(exercises.check_lora_count(576, 1536, 4, 576 * 1536))
    assert "not a number" in repr(exercises.check_lora_count(576, 1536, 4, "lots"))
    verdict = exercises.check_lora_count(576, 1536, 4, 9000)
    assert not verdict.ok and repr(verdict).startswith("✗") and "Not yet" in repr(verdict)


def test_prediction_check_compares_with_what_happened():
    assert exercises.check_prediction("Higher", 1.0, 1.5, "loss").ok
    assert not exercises.check_prediction("lower", 1.0, 1.5, "loss").ok
    assert exercises.check_prediction("same", 1.0, 1.01, "loss").ok
    assert "write one of higher, lower, same" in repr(exercises.check_prediction("up", 1.0, 2.0, "loss"))


def _conversation():
    return [dict(m) for m in lesson.EXAMPLE_CONVERSATION]


def test_conversation_check_accepts_the_example_and_says_what_is_missing(tokenizer):
    set_chat_template(tokenizer, "chatml")
    add_tool_tokens(tokenizer)
    good = exercises.check_conversation(tokenizer, _conversation())
    assert good.ok, repr(good)
    assert "every assistant turn carries loss" in repr(good)
    no_response = _conversation()[:3] + [{"role": "assistant", "content": "It is cold."}]
    assert "✗ a tool turn with a <tool_response> follows the call" in repr(exercises.check_conversation(tokenizer, no_response))
    broken = _conversation()
    broken[2]["content"] = '<tool_call>{"name": "get_weather", "arguments": </tool_call>'
    assert "does not parse" in repr(exercises.check_conversation(tokenizer, broken))
    assert "unknown roles ['human']" in repr(exercises.check_conversation(tokenizer, [{"role": "human", "content": "x"}]))
    assert not exercises.check_conversation(tokenizer, "hello").ok


def test_epoch_steps_check_counts_the_partial_batch():
    assert exercises.check_epoch_steps(16, 2, 8).ok and exercises.check_epoch_steps(17, 4, "5").ok
    assert "partial batch" in repr(exercises.check_epoch_steps(17, 4, 4))
    assert "divide" in repr(exercises.check_epoch_steps(16, 2, 32))


def test_tool_check_needs_types_descriptions_and_a_working_call():
    def word_count(text: str) -> int:
        """Count the words in a text.

        Args:
            text: The text whose words to count.
        """
        return len(text.split())

    verdict = exercises.check_tool(word_count, text="two words")
    assert verdict.ok and "-> 2" in repr(verdict)

    def untyped(text):
        """Count words.

        Args:
            text: The text.
        """
        return 0

    assert "type hint: ['text']" in repr(exercises.check_tool(untyped))

    def undocumented(text: str) -> int:
        return 0

    assert "add a docstring" in repr(exercises.check_tool(undocumented))
    failing = exercises.check_tool(word_count, words="x")
    assert not failing.ok and "missing required parameter" in repr(failing)
    assert not exercises.check_tool(42).ok


def test_rejected_check_uses_the_scorer(shipped_rows):
    from helpers.alignment import REJECTION_KINDS, synthetic_pairs

    pair = next(p for p in synthetic_pairs(shipped_rows["train"], len(REJECTION_KINDS)) if p["kind"] == "missing_required")
    assert exercises.check_rejected(pair, pair["rejected"][0]["content"], "missing_required").ok
    chosen = pair["chosen"][0]["content"]
    same = exercises.check_rejected(pair, chosen, "missing_required")
    assert not same.ok and "rejected equals chosen" in repr(same)
    words = exercises.check_rejected(pair, "I cannot help with that.", "missing_required")
    assert "labels it 'no_call', not 'missing_required'" in repr(words)
    assert not exercises.check_rejected(pair, "", "no_call").ok
