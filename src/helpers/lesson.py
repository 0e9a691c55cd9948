"""Small helpers for the notebooks: the run's scale, Hub access, and the views each lesson shows.

The notebooks stay thin: a cell calls one function from here (or from the rest of `helpers`) and
shows the result. Everything below runs on a CPU; the heavy lifting (loading, training,
evaluation) lives in `training`, `evaluation` and `chat`.
"""

from __future__ import annotations

import html
import os
import sys
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from .formats import format_think, format_tool_call, format_tool_response, model_system_prompt
from .models import COURSE_MODEL, EMBEDDED_DEFAULT

HUB_DATASET = "Jofthomas/hermes-function-calling-thinking-V1"
COURSE_BASE_MODEL = "google/gemma-2-2b"


# --- the scale of a run -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """What one run of the notebooks uses: model, data, and how much training and generation.

    `data` and `eval_data` are a local file (a name in the shipped data folder) or a hub dataset id.
    """

    name: str
    model: str
    data: str
    eval_data: str
    stage_models: tuple[str, ...]
    max_steps: int
    batch_size: int | None
    limit: int | None
    max_length: int
    eval_rows: int
    max_new_tokens: int
    online: bool
    why: str
    agent_steps: int  # training steps of the agent adapter (`agent_train_config`)

    def data_path(self, which: str = "data") -> str:
        from .training import SHIPPED

        value = getattr(self, which)
        return str(SHIPPED / value) if value.endswith(".jsonl") else value

    def describe(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in asdict(self).items() if k not in ("name", "why"))
        return f"scale {self.name}: {fields}\n  why: {self.why}"

    def train_config(self, out: str, **overrides):
        """The `TrainConfig` of this scale (the rest of the recipe keeps its defaults)."""
        from .training import TrainConfig

        steps = overrides.get("max_steps", self.max_steps)
        settings = dict(model=self.model, data=self.data_path(), out=out, max_steps=steps,
                        batch_size=self.batch_size, limit=self.limit, max_length=self.max_length,
                        save_steps=max(10, steps // 4))
        return TrainConfig(**{**settings, **overrides})

    def agent_train_config(self, out: str):
        """The recipe for an adapter that knows the agent's own tools (`helpers.agent_data` episodes)."""
        from .agent_data import AGENT_FILE

        return self.train_config(out, data=str(AGENT_FILE), max_steps=self.agent_steps,
                                 max_length=max(self.max_length, 1280), limit=16 if self.name == "smoke" else None)


SCALES = {
    "smoke": Scale(
        "smoke", EMBEDDED_DEFAULT, "train.jsonl", "unseen.jsonl", (EMBEDDED_DEFAULT,),
        max_steps=3, batch_size=2, limit=16, max_length=512, eval_rows=2, max_new_tokens=64, online=False,
        why="no GPU (CI): the embedded SmolLM2-135M-Instruct, shipped data, a few steps; offline", agent_steps=3,
    ),
    "cpu": Scale(
        "cpu", EMBEDDED_DEFAULT, "train.jsonl", "unseen.jsonl", (EMBEDDED_DEFAULT,),
        max_steps=30, batch_size=4, limit=120, max_length=512, eval_rows=8, max_new_tokens=160, online=False,
        why="no GPU, more patience: the same model and data, enough steps to see the loss fall (minutes)",
        agent_steps=80,
    ),
    "gpu": Scale(
        "gpu", COURSE_MODEL, HUB_DATASET, "unseen.jsonl", (COURSE_BASE_MODEL, COURSE_MODEL),
        max_steps=200, batch_size=None, limit=None, max_length=1536, eval_rows=16, max_new_tokens=256, online=True,
        why="GPU: the course workload, Gemma-2-2B-it on the hermes thinking dataset (T4 or A100 profile)",
        agent_steps=120,
    ),
}


def get_scale(name: str | None = "auto") -> Scale:
    """A named scale; `auto` (or None/empty) is `gpu` with a CUDA device and `smoke` without."""
    if name in (None, "", "auto"):
        import torch

        name = "gpu" if torch.cuda.is_available() else "smoke"
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown COURSE_SCALE {name!r}; choose from auto, {', '.join(SCALES)}") from None


# Library chatter a learner cannot act on, silenced by name: every other warning (peft's, bitsandbytes') shows.
NOISY_WARNINGS = (
    (FutureWarning, r"`\w+` is deprecated and will be removed in v6"),  # trl calls transformers' renamed methods
    (Warning, "IProgress not found"),  # no ipywidgets: tqdm falls back to text
)


def start(name: str | None = "auto") -> Scale:
    """Pick the scale and prepare the process for it; call before anything loads a model.

    Offline scales set `HF_HUB_OFFLINE=1`, so nothing on a CPU run touches the network. Library
    chatter (the warnings in `NOISY_WARNINGS`, per-weight loading bars) is turned off; the training
    bar and every other warning stay.
    """
    scale = get_scale(name)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not scale.online:
        os.environ["HF_HUB_OFFLINE"] = "1"
        if "huggingface_hub" in sys.modules:  # read at import time: also switch the live constant
            import huggingface_hub.constants

            huggingface_hub.constants.HF_HUB_OFFLINE = True
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")  # per-map bars; the trainer keeps its own
    for category, message in NOISY_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)
    from transformers.utils import logging

    # Per-weight loading bars off; the verbosity stays at warnings, because the Trainer turns its own
    # progress bar off when the transformers logger is quieter than that.
    logging.disable_progress_bar()
    import torch

    torch.manual_seed(0)
    return scale


ADAPTER_CANDIDATES = ("runs/03_lora_sft/adapter", "../runs/demo/adapter", "runs/demo/adapter")
AGENT_ADAPTER_CANDIDATES = ("../runs/agent/adapter", "runs/agent/adapter")


def find_or_train_adapter(scale: Scale, adapter: str = "", out: str = "runs/adapter",
                          agent: bool = False) -> tuple[Path, dict]:
    """`adapter` if given, else notebook 3's or `make demo`'s, else one trained here at `scale`.

    `adapter` is a directory, a Google Drive path or a Hub repo id (`adapter_source.resolve_adapter`).
    With `agent=True`: the adapter trained on the agent's own tools (`runs/agent/adapter`, see the
    README), else one trained here on `helpers.agent_data`'s episodes. Returns the directory and its
    `course_meta.json`, and prints which one and how it was trained; before training it says what it
    trains and about how long that takes on this hardware.
    """
    from .adapter_source import resolve_adapter
    from .training import META_FILE, read_meta, train

    candidates = AGENT_ADAPTER_CANDIDATES if agent else ADAPTER_CANDIDATES
    found = resolve_adapter(adapter) if adapter else next(
        (Path(c) for c in candidates if (Path(c) / META_FILE).is_file()), None)
    if found is None:
        cfg = scale.agent_train_config(out) if agent else scale.train_config(out=out)
        print(about_to_train(cfg, candidates, "AGENT_ADAPTER" if agent else "ADAPTER"))
        found = Path(train(cfg)["adapter_dir"])
    meta = read_meta(found)
    print(f"adapter: {found} (base model {meta['base_model']}, {meta['recipe'].get('max_steps')} training steps)")
    return found, meta


def about_to_train(cfg, looked_in=ADAPTER_CANDIDATES, parameter: str = "ADAPTER") -> str:
    """What `find_or_train_adapter` is about to train when it found no adapter, and how long it takes here."""
    from .estimates import training_estimate

    data = shown_path(cfg.data)
    rows = f"the first {cfg.limit} rows of {data}" if cfg.limit else data
    return (f"no adapter found (looked in {', '.join(looked_in)}), so one is trained now: {cfg.model} on {rows}, "
            f"{cfg.max_steps} steps. {training_estimate(cfg)}\nTo skip this, stop here and set {parameter} to a "
            "saved adapter: a directory, a Hub repo id (user/name) or a Google Drive path (see notebook 3, "
            "'Keep the adapter').")


def shown_path(path: str) -> str:
    """A file shipped in the package as the package names it (`helpers/data/train.jsonl`); any other path as given.

    Saved notebook outputs must not show the directories of the machine that ran them.
    """
    from .training import SHIPPED

    package = SHIPPED.parent
    if not Path(path).is_absolute():
        return path
    try:
        return Path(path).resolve().relative_to(package.parent.resolve()).as_posix()
    except ValueError:
        return path


def shown(cfg):
    """A recipe (`TrainConfig`, `AlignConfig`) to print: shipped files by `shown_path`, the rest as is."""
    from dataclasses import replace

    return replace(cfg, **{k: shown_path(v) for k, v in asdict(cfg).items() if isinstance(v, str)})


def as_call(name: str, kwargs: dict) -> str:
    """`kwargs` as the call a learner would write: `Name(` and one `key=value,` line each."""
    return name + "(\n" + "".join(f"    {k}={v!r},\n" for k, v in kwargs.items()) + ")"


# --- Hugging Face Hub: token and gated models -----------------------------------------------------


def find_hf_token() -> tuple[str | None, str]:
    """The token and where it came from: the Colab secret `HF_TOKEN`, the env var, or a saved login."""
    if "google.colab" in sys.modules:
        try:
            from google.colab import userdata

            token = userdata.get("HF_TOKEN")
            if token:
                return token, "the Colab secret HF_TOKEN"
        except Exception:  # secret missing or notebook access not granted: fall through
            pass
    from .training import hub_token

    token = hub_token()  # the HF_TOKEN environment variable, else a saved `hf auth login`
    return (token, "the HF_TOKEN environment variable or a saved login") if token else (None, "")


def hub_login() -> str:
    """Make the token visible to the Hub libraries (via `HF_TOKEN`); a message that never contains it."""
    token, source = find_hf_token()
    if not token:
        return ("no Hugging Face token: add a Colab secret named HF_TOKEN (key icon, left bar; allow notebook "
                "access) or set the HF_TOKEN environment variable. Gated models such as Gemma need one.")
    os.environ["HF_TOKEN"] = token
    return f"Hugging Face token found in {source} (not shown)"


def model_access_problem(repo_id: str) -> str | None:
    """None if the current token can download `repo_id`, else a message saying what to do.

    Asks the Hub before any download, so a gated model whose licence was not accepted fails with
    instructions instead of a 403 halfway through `from_pretrained`.
    """
    from huggingface_hub import auth_check
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    page = f"https://huggingface.co/{repo_id}"
    try:
        auth_check(repo_id)
    except GatedRepoError:  # a subclass of RepositoryNotFoundError: test it first
        return (f"{repo_id} is gated and this token has no access yet: open {page}, log in with the account "
                "of your token, accept the licence, wait for the approval, then run this cell again.")
    except RepositoryNotFoundError:
        return (f"{repo_id}: not found, or it is private/gated and no token was found. Check the name, "
                f"add the HF_TOKEN secret, and accept the licence on {page}.")
    return None


def require_model_access(*repo_ids: str) -> None:
    """Stop with a clear `PermissionError` when any of `repo_ids` cannot be downloaded."""
    problems = [p for p in map(model_access_problem, repo_ids) if p]
    if problems:
        raise PermissionError("\n".join(problems))


def prepare_hub(scale: Scale) -> str:
    """On an online scale: log in and check access to the scale's models; else say we stay offline."""
    if not scale.online:
        return "offline run (HF_HUB_OFFLINE=1): the embedded model and shipped data, no Hub access needed"
    message = hub_login()
    repos = list(dict.fromkeys((scale.model, *scale.stage_models)))
    require_model_access(*repos)
    return f"{message}; access to {', '.join(repos)} confirmed"


def push_if_configured(adapter_dir, repo_id: str | None) -> str:
    """Push the adapter when a repo name is set and a token exists; otherwise say why not."""
    from .training import hub_token, push_adapter

    if not repo_id:
        return "push skipped: set HUB_REPO (e.g. 'your-name/gemma-2-2b-it-tool-calling') to upload the adapter"
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        return f"push to {repo_id} skipped: this run is offline (HF_HUB_OFFLINE=1)"
    if not hub_token():
        return f"push to {repo_id} skipped: no Hugging Face token (add the HF_TOKEN secret)"
    push_adapter(adapter_dir, repo_id)
    return f"pushed {adapter_dir} to https://huggingface.co/{repo_id} (private)"


def adapter_hand_over(adapter_dir, hub_repo: str | None, drive_dir: str = "/content/drive/MyDrive/fc-course/03_adapter") -> str:
    """How to give notebooks 4 and 5 this adapter: the exact `ADAPTER` values to paste there."""
    from .adapter_source import MOUNT_COMMAND

    hub = (f'ADAPTER = "{hub_repo}"   (pushed above)' if hub_repo else
           'ADAPTER = "your-name/your-repo"   after setting HUB_REPO above and running the push cell')
    return "\n".join([
        "Notebooks 4 and 5 run in their own Colab runtime and do not see this one's files. Keep the adapter",
        "and paste one of these into their parameter cell:",
        f"  1. the Hugging Face Hub: {hub}",
        f'  2. Google Drive: ADAPTER = "{drive_dir}"   after running, here:',
        f"       {MOUNT_COMMAND}",
        f'       import shutil; shutil.copytree("{adapter_dir}", "{drive_dir}", dirs_exist_ok=True)',
        f"In this same runtime (or after `make demo`) leave ADAPTER empty: {adapter_dir} is found.",
    ])


# --- a row of data -----------------------------------------------------------------------------------


def describe_row(row: dict, width: int = 160) -> str:
    """A loaded row as a lesson shows it: its id, the offered tools, then each turn's role and text."""
    cut = lambda s: (s if len(s) <= width else s[:width] + " ...").replace("\n", "\\n")  # noqa: E731
    lines = [f"row {row['id']}: {len(row['messages'])} turns, {len(row['tools'])} tool(s) offered"]
    for tool in row["tools"]:
        params = ", ".join((tool.get("parameters") or {}).get("properties") or {})
        lines.append(f"  tool {tool['name']}({params}): {cut(tool.get('description', ''))}")
    for m in row["messages"]:
        lines.append(f"  [{m['role']:9}] {cut(m['content'])}")
    return "\n".join(lines)


# --- notebook 01: training stages and LoRA's size ------------------------------------------------


def complete(model, tokenizer, text: str, max_new_tokens: int = 48) -> str:
    """Greedy continuation of `text` exactly as given (no template, no special tokens added)."""
    import torch

    from .chat import end_of_turn_ids, family_of

    enc = tokenizer(text, return_tensors="pt", add_special_tokens=False).to(next(model.parameters()).device)
    stop = end_of_turn_ids(tokenizer, family_of(tokenizer))
    with torch.inference_mode():
        out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=stop,
                             pad_token_id=stop[0] if tokenizer.pad_token_id is None else tokenizer.pad_token_id)
    return tokenizer.decode(out[0, enc["input_ids"].shape[1]:], skip_special_tokens=False)


def raw_vs_chat(model, tokenizer, request: str, max_new_tokens: int = 48) -> str:
    """The same request as raw text to continue, and rendered through the chat template."""
    chat = tokenizer.apply_chat_template([{"role": "user", "content": request}], add_generation_prompt=True,
                                         tokenize=False)
    lines = []
    for label, text in (("raw text", request), ("chat template", chat)):
        answer = complete(model, tokenizer, text, max_new_tokens)
        lines += [f"--- {label}: the model sees", text, "--- and continues", answer, ""]
    return "\n".join(lines)


def linear_shapes(model) -> list[tuple[str, int, int]]:
    """`(name, in_features, out_features)` of every linear layer LoRA's `all-linear` targets.

    That is every `nn.Linear` (4-bit ones included) except the output head; on a model with LoRA
    applied, the layers it wraps (not its own A and B matrices).
    """
    import torch

    head = model.get_output_embeddings()
    return [(name.removesuffix(".base_layer"), m.in_features, m.out_features) for name, m in model.named_modules()
            if isinstance(m, torch.nn.Linear) and m is not head and ".lora_" not in name]


def lora_parameter_count(shapes, rank: int) -> int:
    """Trainable LoRA parameters at `rank`: A (r x in) plus B (out x r) for each layer."""
    return sum(rank * (fan_in + fan_out) for _, fan_in, fan_out in shapes)


def lora_rank_table(shapes, total: int, ranks=(1, 2, 4, 8, 16, 32, 64, 128)) -> list[dict]:
    """One row per rank: LoRA parameters, their share of the model's `total`, fp32 adapter MB."""
    rows = []
    for r in ranks:
        n = lora_parameter_count(shapes, r)
        rows.append({"rank": r, "params": n, "percent": 100 * n / total, "mb_fp32": 4 * n / 1e6})
    return rows


def format_rank_table(rows: list[dict]) -> str:
    lines = [f"{'rank':>5} {'LoRA params':>14} {'% of model':>11} {'MB (fp32)':>10}"]
    lines += [f"{r['rank']:>5} {r['params']:>14,} {r['percent']:>10.3f}% {r['mb_fp32']:>10.1f}" for r in rows]
    return "\n".join(lines)


def lora_rank_plot(rows: list[dict], model_name: str = ""):
    """LoRA's trainable parameters against rank (log-log), with the share of the model on the right."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ranks = [r["rank"] for r in rows]
    ax.plot(ranks, [r["params"] for r in rows], "o-")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(ranks, [str(r) for r in ranks])
    ax.set_xlabel("LoRA rank r")
    ax.set_ylabel("trainable parameters")
    ax.set_title(f"LoRA on every linear layer{': ' + model_name if model_name else ''}")
    for r in rows:
        ax.annotate(f"{r['percent']:.2g}%", (r["rank"], r["params"]), textcoords="offset points", xytext=(4, -12),
                    fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    plt.close(fig)  # the notebook shows the returned figure once
    return fig


# --- notebook 02: tokens, template, loss mask, lengths --------------------------------------------

_WEATHER = {"name": "get_weather", "description": "Current weather for a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}

EXAMPLE_CONVERSATION = [
    {"role": "system", "content": model_system_prompt([_WEATHER])},
    {"role": "user", "content": "Is it cold in Oslo?"},
    {"role": "assistant", "content": format_think("The user wants Oslo's weather: call get_weather.")
        + format_tool_call("get_weather", {"city": "Oslo"})},
    {"role": "tool", "content": format_tool_response("get_weather", {"temp_c": -3})},
    {"role": "assistant", "content": "Yes: it is -3 °C in Oslo."},
]
"""A fixed conversation for the checked outputs: one call, one tool response, one answer."""


def tag_pieces(tokenizer) -> dict[str, list[str]]:
    """How each tool tag is tokenized now: its token strings."""
    from .chat import single_token_ids

    return {tag: tokenizer.convert_ids_to_tokens(ids) for tag, ids in single_token_ids(tokenizer).items()}


def format_tag_table(tokenizer) -> str:
    from .chat import single_token_ids

    ids = single_token_ids(tokenizer)
    pieces = tag_pieces(tokenizer)
    return "\n".join(f"{tag:18} {len(ids[tag])} token(s)  ids={ids[tag]}  {pieces[tag]}" for tag in ids)


def loss_mask(tokenizer, messages: list[dict]) -> tuple[list[int], list[int]]:
    """Token ids and the assistant mask (1 = carries loss) as trl's SFTTrainer computes them.

    trl tokenizes a conversation with `apply_chat_template(..., return_assistant_tokens_mask=True)`
    when `assistant_only_loss=True`; the mask comes from the template's `{% generation %}` blocks.
    """
    enc = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    return list(enc["input_ids"]), list(enc["assistant_masks"])


def loss_mask_counts(tokenizer, messages: list[dict]) -> dict:
    ids, mask = loss_mask(tokenizer, messages)
    return {"tokens": len(ids), "with_loss": sum(mask), "without_loss": len(ids) - sum(mask)}


class Html:
    """HTML that a notebook renders (its plain-text form stays short)."""

    def __init__(self, markup: str):
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return f"<HTML view, {len(self.markup):,} characters: shown as colours in a notebook>"


def loss_mask_html(tokenizer, messages: list[dict]) -> Html:
    """Each token as a chip: green where it carries loss (assistant turns), grey where it is context."""
    ids, mask = loss_mask(tokenizer, messages)
    chips = []
    for token_id, on in zip(ids, mask):
        text = tokenizer.decode([token_id])
        shown = html.escape(text).replace("\n", "↵<br>") or "&nbsp;"
        style = "background:#b7f0c0;color:#063" if on else "background:#eee;color:#777"
        chips.append(f'<span title="id {token_id}" style="{style};border-radius:3px;padding:0 1px;'
                     f'margin:0 1px 0 0;font-family:monospace;font-size:12px">{shown}</span>')
    legend = (f'<div style="margin-bottom:6px;font-family:sans-serif;font-size:13px">'
              f'<span style="background:#b7f0c0;padding:0 4px">{sum(mask)} tokens carry loss</span> '
              f'<span style="background:#eee;padding:0 4px">{len(ids) - sum(mask)} tokens are context only</span>'
              f'</div>')
    return Html(f'<div style="line-height:1.9;white-space:normal">{legend}{"".join(chips)}</div>')


def length_histogram(lengths: list[int], max_length: int, title: str = ""):
    """Histogram of conversation lengths in tokens with the `max_length` cut marked."""
    import matplotlib.pyplot as plt

    kept = sum(n <= max_length for n in lengths)
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    ax.hist(lengths, bins=40, color="#4c72b0")
    ax.axvline(max_length, color="#c44e52", linestyle="--", label=f"max_length={max_length}")
    ax.set_xlabel("tokens per conversation (template applied)")
    ax.set_ylabel("conversations")
    share = 100 * kept / len(lengths) if lengths else 0.0
    ax.set_title(title or f"{kept} of {len(lengths)} conversations fit ({share:.1f}%)")
    ax.legend()
    fig.tight_layout()
    plt.close(fig)
    return fig


def length_summary(lengths: list[int], max_length: int) -> str:
    import statistics

    if not lengths:
        return "no conversations"
    ordered = sorted(lengths)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    kept = sum(n <= max_length for n in lengths)
    return (f"{len(lengths)} conversations: median {statistics.median(ordered):.0f} tokens, 95th percentile {p95}, "
            f"longest {ordered[-1]}; {kept} fit in max_length={max_length}, {len(lengths) - kept} would be dropped")


# --- notebook 03: the loss curve and a before/after sample ----------------------------------------


def loss_curve(losses: list[float], title: str = "training loss"):
    """The logged training loss per optimizer step."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    steps = list(range(1, len(losses) + 1))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.plot(steps, losses, "o-" if len(losses) < 30 else "-")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (assistant tokens)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    plt.close(fig)
    return fig


def adapter_contents(adapter_dir) -> str:
    """What the saved adapter holds, by kind of tensor: counts, parameters and shapes.

    LoRA's A and B matrices for every targeted layer, and the rows of the new tokens; never whole
    embedding matrices.
    """
    import re
    from pathlib import Path

    from safetensors import safe_open

    kinds: dict[str, list] = {}
    with safe_open(str(Path(adapter_dir) / "adapter_model.safetensors"), "pt") as f:
        for key in f.keys():
            shape = tuple(f.get_slice(key).get_shape())
            kind = re.sub(r"^.*?\.layers\.\d+\.", "layers.N.", key)
            kinds.setdefault(kind, []).append(shape)
    lines, total = [], 0
    for kind, shapes in sorted(kinds.items()):
        n = sum(_numel(s) for s in shapes)
        total += n
        lines.append(f"{len(shapes):4} x {kind:60} {sorted(set(shapes))}  {n:>12,} params")
    lines.append(f"total: {sum(map(len, kinds.values()))} tensors, {total:,} parameters")
    return "\n".join(lines)


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def eval_sample(rows: list[dict], n: int) -> list[dict]:
    """`n` evaluation rows, mostly ones that expect a call: a quarter (rounded down) expect none.

    Rows keep their file order within each kind, so a run always evaluates the same rows.
    """
    from .toolcalls import parse_tool_calls

    def expects_call(row: dict) -> bool:
        return bool(parse_tool_calls(next(m["content"] for m in row["messages"] if m["role"] == "assistant")))

    with_calls = [r for r in rows if expects_call(r)]
    without = [r for r in rows if not expects_call(r)]
    n_without = min(n // 4, len(without))
    return with_calls[: n - n_without] + without[:n_without]


def before_after(before: dict, after: dict, width: int = 400) -> str:
    """One evaluation record before and after fine-tuning, side by side as text."""
    import json

    cut = lambda s: s if len(s) <= width else s[:width] + " ..."  # noqa: E731
    return "\n".join([
        f"row {after['id']}; expected calls: {json.dumps(after['expected'], ensure_ascii=False)}",
        f"\nbefore ({before['label']}):", cut(before["raw"]),
        f"\nafter ({after['label']}):", cut(after["raw"]),
    ])
