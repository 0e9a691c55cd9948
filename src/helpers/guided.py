"""Schema-guided decoding: inside `<tool_call>` the model may only write a call the tools allow.

Greedy decoding as usual, except between `<tool_call>` and `</tool_call>`: there the most likely
token is taken only if the text so far can still become `{"name": N, "arguments": {...}}` with N
an offered tool and arguments that fit its schema (known keys, each once, the right JSON type, an
enum value, every required key before the object closes); otherwise the next most likely token
that can. The think, the decision to call, how many calls and every value stay the model's own:
guidance only rules out what the schema forbids, as structured-output modes in serving engines do.
"""

from __future__ import annotations

_WS = " \t\n\r"
_DIGITS = "0123456789"


class _Incomplete(Exception):
    """The text ended where more could follow: a valid prefix."""


class _Invalid(Exception):
    """No continuation of the text fits the schema."""


def call_prefix_state(text: str, tools: dict[str, dict]) -> str:
    """`"complete"`, `"partial"` (a prefix of a valid call) or `"invalid"` for a call body `text`.

    `tools` maps each offered tool's name to its `parameters` schema.
    """
    reader = _Reader(text)
    try:
        reader.ws()
        reader.word("{")
        reader.ws()
        reader.word('"name"')
        reader.ws()
        reader.word(":")
        reader.ws()
        name = reader.string(options=list(tools))
        reader.ws()
        reader.word(",")
        reader.ws()
        reader.word('"arguments"')
        reader.ws()
        reader.word(":")
        reader.ws()
        reader.object(tools[name])
        reader.ws()
        reader.word("}")
        reader.ws()
    except _Incomplete:
        return "partial"
    except _Invalid:
        return "invalid"
    return "complete" if reader.i == len(text) else "invalid"


class _Reader:
    def __init__(self, text: str):
        self.s, self.i = text, 0

    def peek(self) -> str:
        if self.i >= len(self.s):
            raise _Incomplete
        return self.s[self.i]

    def take(self) -> str:
        char = self.peek()
        self.i += 1
        return char

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in _WS:
            self.i += 1

    def word(self, word: str) -> None:
        for char in word:
            if self.take() != char:
                raise _Invalid

    def string(self, options: list[str] | None = None) -> str:
        """A JSON string; with `options`, one of them (a prefix of one while unfinished)."""
        self.word('"')
        chars: list[str] = []
        while True:
            if self.i >= len(self.s):
                if options is not None and not any(o.startswith("".join(chars)) for o in options):
                    raise _Invalid
                raise _Incomplete
            char = self.take()
            if char == '"':
                value = "".join(chars)
                if options is not None and value not in options:
                    raise _Invalid
                return value
            if char == "\\":
                chars.append(self._escape())
            elif ord(char) < 0x20:
                raise _Invalid
            else:
                chars.append(char)
            if options is not None and not any(o.startswith("".join(chars)) for o in options):
                raise _Invalid

    def _escape(self) -> str:
        char = self.take()
        simple = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
        if char in simple:
            return simple[char]
        if char != "u":
            raise _Invalid
        digits = "".join(self.take() for _ in range(4))
        if any(d not in "0123456789abcdefABCDEF" for d in digits):
            raise _Invalid
        return chr(int(digits, 16))

    def number(self, integer: bool) -> None:
        if self.peek() == "-":
            self.i += 1
        if self.peek() == "0":
            self.i += 1
        else:
            self._digits()
        if self.i < len(self.s) and self.s[self.i] in ".eE":
            if integer:
                raise _Invalid
            if self.s[self.i] == ".":
                self.i += 1
                self._digits()
            if self.i < len(self.s) and self.s[self.i] in "eE":
                self.i += 1
                if self.peek() in "+-":
                    self.i += 1
                self._digits()
        # a number ends at the first character that cannot continue it
        self.peek()

    def _digits(self) -> None:
        if self.take() not in _DIGITS:
            raise _Invalid
        while self.i < len(self.s) and self.s[self.i] in _DIGITS:
            self.i += 1

    def value(self, schema: dict) -> None:
        kind = schema.get("type")
        if self.peek() == "n" and (schema.get("nullable") or kind == "null" or kind is None):
            return self.word("null")
        if kind == "string":
            enum = schema.get("enum")
            strings = [e for e in enum if isinstance(e, str)] if isinstance(enum, list) else None
            self.string(options=strings or None)
        elif kind in ("integer", "number"):
            self.number(integer=kind == "integer")
        elif kind == "boolean":
            self.word("true" if self.peek() == "t" else "false")
        elif kind == "array":
            self.array(schema.get("items") if isinstance(schema.get("items"), dict) else {})
        elif kind == "object":
            self.object(schema)
        else:  # no type, several types, or one we do not know: any JSON value
            self.any_value()

    def any_value(self) -> None:
        char = self.peek()
        if char == '"':
            self.string()
        elif char == "{":
            self.object({"additionalProperties": True})
        elif char == "[":
            self.array({})
        elif char in "-" + _DIGITS:
            self.number(integer=False)
        else:
            self.word({"t": "true", "f": "false", "n": "null"}.get(char, "\0"))

    def array(self, items: dict) -> None:
        self.word("[")
        self.ws()
        if self.peek() == "]":
            self.i += 1
            return
        while True:
            self.value(items)
            self.ws()
            if self.take() == "]":
                return
            if self.s[self.i - 1] != ",":
                raise _Invalid
            self.ws()

    def object(self, schema: dict) -> None:
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = [k for k in schema.get("required") or [] if isinstance(k, str)]
        open_ended = schema.get("additionalProperties") not in (None, False) or not properties and "properties" not in schema
        seen: set[str] = set()
        self.word("{")
        self.ws()
        if self.peek() == "}":
            if required:
                raise _Invalid
            self.i += 1
            return
        while True:
            key = self.string(options=None if open_ended else [k for k in properties if k not in seen])
            if key in seen:
                raise _Invalid
            seen.add(key)
            self.ws()
            self.word(":")
            self.ws()
            prop = properties.get(key)
            self.value(prop if isinstance(prop, dict) else {})
            self.ws()
            char = self.take()
            if char == "}":
                if any(k not in seen for k in required):
                    raise _Invalid
                return
            if char != "," or not open_ended and all(k in seen for k in properties):
                raise _Invalid
            self.ws()


class GuidedCalls:
    """A transformers `LogitsProcessor` that keeps each row's tool calls inside its tools' schemas.

    `tools_per_row[b]` lists the tools offered to batch row `b`; `prompt_length` is the padded
    prompt width (generated tokens start there); `stop_ids` end a row. `changed[b]` counts the
    tokens where guidance overrode the model's own first choice: where it stays 0, the answer is
    exactly what unguided greedy decoding writes. A tokenizer without the tag tokens is left alone.
    """

    def __init__(self, tokenizer, tools_per_row: list[list[dict]], prompt_length: int, stop_ids=(), top_k: int = 64):
        from .chat import single_token_ids

        self.tokenizer = tokenizer
        self.tools = [{t["name"]: t.get("parameters") or {} for t in tools} for tools in tools_per_row]
        self.prompt_length = prompt_length
        self.stop_ids = set(stop_ids)
        self.top_k = top_k
        self.changed = [0] * len(tools_per_row)
        tags = single_token_ids(tokenizer, ("<tool_call>", "</tool_call>"))
        self.active = all(len(ids) == 1 for ids in tags.values())
        self.open_id, self.close_id = (ids[0] for ids in tags.values())
        self.special = set(tokenizer.all_special_ids) | {
            i for i, token in tokenizer.added_tokens_decoder.items() if token.special
        }

    def __call__(self, input_ids, scores):
        if not self.active:
            return scores
        for row, ids in enumerate(input_ids[:, self.prompt_length:].tolist()):
            if self.open_id not in ids or self.stop_ids.intersection(ids) or not self.tools[row]:
                continue
            start = len(ids) - ids[::-1].index(self.open_id)
            if self.close_id in ids[start:]:
                continue
            choice = self._choose(ids[start:], scores[row], self.tools[row])
            if choice is None:
                continue
            if choice != int(scores[row].argmax()):
                self.changed[row] += 1
            best = scores[row, choice].clone()
            scores[row] = float("-inf")
            scores[row, choice] = best
        return scores

    def _choose(self, body_ids: list[int], row_scores, tools: dict) -> int | None:
        """The most likely of the top-k tokens that keeps the call valid (None: leave the row alone)."""
        import torch

        for candidate in torch.topk(row_scores, min(self.top_k, row_scores.shape[-1])).indices.tolist():
            if candidate == self.close_id:
                if call_prefix_state(self.tokenizer.decode(body_ids), tools) == "complete":
                    return candidate
            elif candidate not in self.special:
                if call_prefix_state(self.tokenizer.decode(body_ids + [candidate]), tools) != "invalid":
                    return candidate
        return None
