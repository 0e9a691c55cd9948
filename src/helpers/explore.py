"""Views a learner plays with: the chat template as code, a training row's loss mask, a request to the agent.

Each view is a plain function (tested, usable anywhere). `pick` and `ask` wrap a view in ipywidgets
controls; the displayed object also carries the view of one fixed choice as HTML and text, which
is what a viewer without widgets shows (a saved notebook, nbval, GitHub) and what is shown when
ipywidgets is not installed.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from typing import Callable

from .formats import TOOL_TAGS

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

# --- the chat template, one Jinja tag per line ------------------------------------------------------

_JINJA_TAG = re.compile(r"(\{%-?.*?-?%\}|\{\{-?.*?-?\}\}|\{#.*?#\})", re.S)
_OPENS = ("for ", "if ", "generation", "macro ")
_CLOSES = ("endfor", "endif", "endgeneration", "endmacro")
LOSS_NOTES = {"generation": "<== loss mask on: what is rendered from here carries the loss",
              "endgeneration": "<== loss mask off"}


def _statement(tag: str) -> str:
    return tag.strip("{}%#-").strip()


def template_view(template: str) -> str:
    """A Jinja chat template with one tag per line, indented by nesting, newlines shown as `\\n`.

    The `{% generation %}` and `{% endgeneration %}` lines are pointed at: the tokens rendered
    between them are the ones `return_assistant_tokens_mask` marks, so the ones trl trains on.
    """
    if not template:
        raise ValueError("template_view: the tokenizer has no chat_template; install one with chat.set_chat_template")
    lines, depth = [], 0
    for piece in _JINJA_TAG.split(template):
        if not piece:
            continue
        shown = piece.replace("\n", "\\n")
        if not _JINJA_TAG.fullmatch(piece):  # literal text between tags is output as is
            lines.append("  " * depth + repr(piece))
            continue
        word = _statement(piece)
        if piece.startswith("{%") and word.startswith(_CLOSES + ("elif", "else")):
            depth = max(0, depth - 1)
        note = f"   {LOSS_NOTES[word]}" if piece.startswith("{%") and word in LOSS_NOTES else ""
        lines.append("  " * depth + shown + note)
        if piece.startswith("{%") and word.startswith(_OPENS + ("elif", "else")):
            depth += 1
    return "\n".join(lines)


# --- a training row: its turns, its tags, its loss mask -------------------------------------------------


class View:
    """Something a notebook shows as HTML, and as `text` wherever HTML is not rendered."""

    def __init__(self, text: str, markup: str | None = None):
        self.text = text
        self.markup = markup if markup is not None else f"<pre>{html.escape(text)}</pre>"

    def _repr_html_(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return self.text


def tag_counts(tokenizer, ids: list[int], tags=TOOL_TAGS) -> dict[str, tuple[int, int]]:
    """`{tag: (its id, how often it occurs in ids)}` for the tags that are single tokens."""
    counts = Counter(ids)
    single = {tag: tokenizer.encode(tag, add_special_tokens=False) for tag in tags}
    return {tag: (p[0], counts[p[0]]) for tag, p in single.items() if len(p) == 1}


def row_view(tokenizer, row: dict) -> View:
    """A training row as training sees it: its turns, the tool tags' ids and counts, and its tokens
    coloured by the loss mask (green: carries loss)."""
    from . import lesson
    from .data import canonical_messages

    messages = canonical_messages(row)
    ids, mask = lesson.loss_mask(tokenizer, messages)
    tags = tag_counts(tokenizer, ids)
    tag_line = ", ".join(f"{tag}={token_id} x{n}" for tag, (token_id, n) in tags.items() if n) or "none"
    text = "\n".join([
        lesson.describe_row(row),
        f"{len(ids)} tokens, {sum(mask)} carry loss; tool tags (id x count): {tag_line}",
    ])
    if len(tags) < len(TOOL_TAGS):
        text += "\n(some tags are not single tokens yet: run chat.add_tool_tokens first)"
    markup = f"<pre style='white-space:pre-wrap'>{html.escape(text)}</pre>{lesson.loss_mask_html(tokenizer, messages).markup}"
    return View(text, markup)


# --- a request to the agent ------------------------------------------------------------------------------


def request_view(generate: Callable[[list[dict]], str], toolbox, request: str, max_turns: int = 4) -> View:
    """Run one request through the agent loop; the transcript: think, call, the tool's result, answer."""
    from .agent import format_transcript, run_agent

    if not request or not request.strip():
        return View("type a request first, e.g. 'How many kilometers are 26.2 miles?'")
    transcript = run_agent(generate, toolbox, request.strip(), max_turns=max_turns)
    return View(format_transcript(transcript[1:]))


# --- widgets around a view --------------------------------------------------------------------------------


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets


class Interactive:
    """A widget (when ipywidgets is installed) plus the view of one fixed choice, in one display.

    A front end with widgets draws the widget; anything else shows the fixed view's HTML or text.
    """

    def __init__(self, fallback: View, widget=None, note: str = ""):
        self.fallback, self.widget, self.note = fallback, widget, note

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": f"{self.note}\n{self.fallback.text}" if self.note else self.fallback.text,
                  "text/html": (f"<p><i>{html.escape(self.note)}</i></p>" if self.note else "") + self.fallback.markup}
        if self.widget is not None:
            bundle[WIDGET_MIME] = {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}
        return bundle


def _show(output, view) -> None:
    output.outputs = ()
    output.append_display_data(view)


def pick(view: Callable[[object], View], options: dict, description: str = "show") -> Interactive:
    """A dropdown over `options` (label -> value) and the view of the chosen value, first one shown."""
    if not options:
        raise ValueError("pick: options is empty; give at least one label -> value")
    first = view(next(iter(options.values())))
    widgets = _ipywidgets()
    if widgets is None:
        return Interactive(first, note="(install ipywidgets to pick another one)")
    choice = widgets.Dropdown(options=list(options.items()), description=description)
    output = widgets.Output()
    _show(output, first)
    choice.observe(lambda change: _show(output, view(change["new"])), names="value")
    return Interactive(first, widgets.VBox([choice, output]), note=f"{description}: {next(iter(options))}")


def ask(view: Callable[[str], View], example: str, placeholder: str = "type a request") -> Interactive:
    """A text box and a button; the view of what was typed appears below, `example` pre-filled and shown."""
    first = view(example)
    widgets = _ipywidgets()
    if widgets is None:
        return Interactive(first, note=f"request: {example}   (install ipywidgets to type your own)")
    box = widgets.Text(value=example, placeholder=placeholder, layout=widgets.Layout(width="70%"))
    button = widgets.Button(description="ask")
    output = widgets.Output()
    _show(output, first)

    def run(_):
        _show(output, View("thinking ..."))
        _show(output, view(box.value))

    button.on_click(run)
    return Interactive(first, widgets.VBox([widgets.HBox([box, button]), output]), note=f"request: {example}")
