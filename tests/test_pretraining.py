import pytest

from helpers import pretraining


def _run(**kw):
    text = pretraining.TINY_TEXT
    tokenizer = pretraining.CharTokenizer(text)
    config = pretraining.tiny_config(tokenizer.vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                     max_position_embeddings=32)
    settings = dict(steps=40, batch_size=8, block=32, learning_rate=1e-2, sample_at=(0, 20), sample_chars=12)
    return tokenizer, pretraining.pretrain_tiny(config, tokenizer, text, **{**settings, **kw})


def test_char_tokenizer_round_trips_and_names_unknown_characters():
    tokenizer = pretraining.CharTokenizer("abca ")
    assert tokenizer.vocab_size == 4 and tokenizer.decode(tokenizer.encode("cab a")) == "cab a"
    with pytest.raises(ValueError, match=r"not in the vocabulary: \['z'\]"):
        tokenizer.encode("az")
    with pytest.raises(ValueError, match="text is empty"):
        pretraining.CharTokenizer("")


def test_tiny_pretraining_lowers_the_loss_and_is_deterministic():
    import math

    tokenizer, run = _run()
    assert len(run.losses) == 40
    assert run.losses[0] == pytest.approx(math.log(tokenizer.vocab_size), rel=0.15)  # random weights: a uniform guess
    first, last = sum(run.losses[:5]) / 5, sum(run.losses[-5:]) / 5
    assert last < 0.8 * first, (first, last)
    assert [step for step, _ in run.samples] == [0, 20, 40]
    assert all(len(text) == 12 and set(text) <= set(tokenizer.chars) for _, text in run.samples)
    _, again = _run()
    assert again.losses == run.losses and again.samples == run.samples
    _, other = _run(seed=1)
    assert other.losses != run.losses
    assert "after   40 steps: The " in run.describe_samples("The ")
    fig = pretraining.pretraining_plot(run, tokenizer.vocab_size)
    assert list(fig.axes[0].lines[0].get_ydata()) == run.losses


def test_pretraining_rejects_settings_that_cannot_run():
    with pytest.raises(ValueError, match="exceeds the model's max_position_embeddings=32"):
        _run(block=64)
    with pytest.raises(ValueError, match="steps must be at least 1"):
        _run(steps=0)
    tokenizer = pretraining.CharTokenizer("short text")
    with pytest.raises(ValueError, match="needs more than block"):
        pretraining.pretrain_tiny(pretraining.tiny_config(tokenizer.vocab_size), tokenizer, "short text", block=16)
