"""The embedded default's one-time conversion from GGUF."""

from __future__ import annotations


def test_gguf_is_parsed_once_for_tokenizer_and_config_and_the_patch_is_undone():
    import gguf
    from transformers import AutoConfig, AutoTokenizer

    from helpers.models import embedded_gguf_path, gguf_parsed_once

    path = embedded_gguf_path()
    original = gguf.GGUFReader
    opened = []

    def counting_reader(*args, **kwargs):
        opened.append(args)
        return original(*args, **kwargs)

    gguf.GGUFReader = counting_reader
    try:
        config_outside = AutoConfig.from_pretrained(path.parent, gguf_file=path.name).to_dict()
        assert len(opened) == 1
        opened.clear()
        with gguf_parsed_once():
            tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
            config_inside = AutoConfig.from_pretrained(path.parent, gguf_file=path.name).to_dict()
        assert len(opened) == 1
        assert gguf.GGUFReader is counting_reader
    finally:
        gguf.GGUFReader = original
    assert config_inside == config_outside
    assert len(tokenizer) == config_inside["vocab_size"]
