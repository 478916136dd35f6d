"""What of a conversation enters the model's context: tool results summarised, old turns left out.

A small model has a small window (cosmo-tiny: 1,024 tokens, its ``max_position_embeddings``),
and one tool result can be far larger (a day of passes over four stations is ~80 kB of JSON,
~40,000 tokens).  :func:`fit_prompt` makes the *prompt view* of a conversation fit; the
conversation itself (the graph state, the plan, the trace) keeps every full result.

1. Each tool result is summarised to ``ContextBudget.tool_result_chars`` by
   :func:`summarize_result`: the JSON keeps its shape, ``ok``/``error`` and scalars, lists keep
   their first items and say how many were left out, long strings are cut with their length.
2. If the prompt still leaves less than ``min_new_tokens`` of the window for the reply, it is
   trimmed, in this order, only as far as needed: turns before the latest user request (oldest
   first); the current request's tool results summarised smaller (oldest first, halving down
   to a floor); the current request's own turns (oldest first; a call is left out together with
   its results).  System messages, the tool schemas and the latest user request are never
   trimmed.
3. If even those do not fit, :class:`ContextTooLong` is raised before any forward pass.

The reply gets ``min(max_new_tokens, window - prompt)`` tokens, so prompt plus reply never
pass the window.  Tokens are counted with the caller's own tokenizer and chat template
(``render`` gives the prompt's token ids, ``count`` a text's token count); the estimates that
choose what to trim (a message's text alone, without the template around it, so they err
low) are checked against an exact render before the prompt is used.

>>> budget = ContextBudget(window_tokens=24, max_new_tokens=8, min_new_tokens=4)
>>> words = lambda messages: [len(w) for m in messages for w in str(m["content"]).split()]
>>> count = lambda text: len(text.split())
>>> fitted = fit_prompt(
...     [{"role": "system", "content": "be brief"},
...      {"role": "user", "content": "old question " * 8},
...      {"role": "assistant", "content": "old answer"},
...      {"role": "user", "content": "passes over Daejeon today?"}],
...     budget, render=words, count=count)
>>> [m["role"] for m in fitted.messages], len(fitted.prompt), fitted.max_new_tokens
(['system', 'assistant', 'user'], 8, 8)
>>> fit_prompt([{"role": "user", "content": "word " * 30}], budget, render=words, count=count)
Traceback (most recent call last):
...
cosmo_agent.model.context.ContextTooLong: the prompt needs 30 tokens ...: shorten the request ...
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

__all__ = ["ContextBudget", "ContextTooLong", "FittedPrompt", "fit_prompt", "summarize_result"]

Render = Callable[[list[dict[str, Any]]], Sequence[int]]
"""The prompt's token ids for chat-template messages (tools and generation prompt included)."""
Count = Callable[[str], int]
"""How many tokens a text is on its own."""


class _Level(NamedTuple):
    """How much of a JSON value a summary keeps."""

    items: int
    """List items."""
    chars: int
    """Characters of a string."""
    keys: int
    """Keys of an object (``ok`` and ``error`` are kept besides)."""
    depth: int
    """Nesting levels; deeper containers are replaced by their size."""


_LEVELS: Final = (
    _Level(8, 160, 24, 8),
    _Level(4, 96, 24, 8),
    _Level(2, 64, 16, 8),
    _Level(1, 48, 12, 8),
    _Level(1, 24, 8, 8),
    _Level(1, 24, 4, 8),
    _Level(0, 24, 24, 3),
    _Level(0, 16, 12, 2),
    _Level(0, 16, 8, 1),
)
"""Tried in turn, most detail first, until a summary fits."""
_KEEP_KEYS: Final = ("ok", "error")
"""Keys a summary never leaves out."""


class ContextTooLong(ValueError):
    """The part of a prompt that is never trimmed (system prompt, tool schemas and the latest
    user request) leaves less than ``reply_tokens`` of the model's window; raised before any
    forward pass.  The message says what to shorten and to how many tokens."""

    def __init__(
        self,
        prompt_tokens: int,
        window_tokens: int,
        reply_tokens: int,
        request_tokens: int | None = None,
        request_chars: int | None = None,
    ) -> None:
        self.prompt_tokens = prompt_tokens
        """Tokens of the smallest prompt: system, tools and the latest request."""
        self.window_tokens = window_tokens
        """The model's context window."""
        self.reply_tokens = reply_tokens
        """Tokens the reply needed at least."""
        self.request_tokens = request_tokens
        """Tokens of the latest user request on its own (None without one)."""
        self.request_chars = request_chars
        """Characters of the latest user request (None without one)."""
        super().__init__(self._message())

    @property
    def request_room_tokens(self) -> int | None:
        """Tokens the latest request could have, everything else unchanged (None when no
        length of it fits)."""
        if not self.request_tokens:
            return None
        rest = self.prompt_tokens - self.request_tokens
        room = self.window_tokens - self.reply_tokens - rest
        return room if room > 0 else None

    def _message(self) -> str:
        alone = self.request_tokens
        request = "" if alone is None else f"; the request alone about {alone:,}"
        head = (
            f"the prompt needs {self.prompt_tokens:,} tokens (system prompt, tool schemas and the"
            f" latest request{request}), and the reply at least {self.reply_tokens:,} more, over"
            f" this model's context window of {self.window_tokens:,} tokens"
        )
        room = self.request_room_tokens
        if room is None or not alone:
            return f"{head}: send fewer or shorter tools, or use a model with a longer context"
        chars = (
            ""
            if not self.request_chars
            else (f" (about {self.request_chars * room // alone:,} characters)")
        )
        return f"{head}: shorten the request to about {room:,} tokens{chars} or fewer"

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.prompt_tokens, self.window_tokens, self.reply_tokens)
        return (type(self), (*args, self.request_tokens, self.request_chars))


@dataclass(frozen=True)
class ContextBudget:
    """How a prompt is fitted: the window, the reply's room, each tool result's size.

    ``window_tokens`` None means an unbounded model (results are still summarised).
    ``min_new_tokens`` is the least room the reply must keep (capped at ``max_new_tokens``);
    the conversation is trimmed to leave it, and refused if it cannot be.
    ``tool_result_chars`` None means the window's size in characters (about half the window
    in tokens for JSON with cosmo-tiny's tokenizer), or 4,096 without a window.
    """

    window_tokens: int | None
    max_new_tokens: int
    min_new_tokens: int = 64
    tool_result_chars: int | None = None

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1 or self.min_new_tokens < 1:
            raise ValueError("max_new_tokens and min_new_tokens must be at least 1")
        if self.window_tokens is not None and self.window_tokens < 1:
            raise ValueError(f"window_tokens must be at least 1, not {self.window_tokens}")
        if self.tool_result_chars is not None and self.tool_result_chars < 1:
            raise ValueError(f"tool_result_chars must be at least 1, not {self.tool_result_chars}")

    @property
    def result_chars(self) -> int:
        """Characters a tool result keeps at first."""
        if self.tool_result_chars is not None:
            return self.tool_result_chars
        return self.window_tokens if self.window_tokens is not None else 4096

    @property
    def reply_tokens(self) -> int:
        """The least room the reply keeps."""
        return min(self.min_new_tokens, self.max_new_tokens)


@dataclass(frozen=True)
class FittedPrompt:
    """A prompt that fits: what goes to the model and how long the reply may be."""

    messages: list[dict[str, Any]]
    """The messages as rendered (summarised results, trimmed turns)."""
    prompt: Sequence[int]
    """Their token ids (``render(messages)``)."""
    max_new_tokens: int
    """Tokens the reply may take: ``prompt + max_new_tokens`` is within the window."""
    summarised: int = 0
    """Tool results shortened."""
    left_out: int = 0
    """Messages left out."""


# ----------------------------------------------------------------------------------------------
# Summaries of one result


def _cut(text: str, chars: int) -> str:
    """``text`` cut to ``chars`` characters, saying how many more there were."""
    if len(text) <= chars:
        return text
    keep = chars - len(f"… (+{len(text):,} chars)")  # the count is at most this long
    if keep < 1:
        return text[:chars]
    return f"{text[:keep]}… (+{len(text) - keep:,} chars)"


def _shrink(value: Any, level: _Level, depth: int = 0) -> Any:
    if isinstance(value, str):
        cut = len(value) - level.chars
        return value if cut <= 0 else f"{value[: level.chars]}… (+{cut:,} chars)"
    if isinstance(value, Mapping):
        if depth >= level.depth and value:
            return f"{{… {len(value):,} keys}}"
        keys = [k for k in value if k in _KEEP_KEYS]
        keys += [k for k in value if k not in _KEEP_KEYS][: level.keys]
        out = {k: _shrink(value[k], level, depth + 1) for k in keys}
        if len(value) > len(keys):
            out["…"] = f"{len(value) - len(keys):,} more keys"
        return out
    if isinstance(value, list):
        if depth >= level.depth and value:
            return f"[… {len(value):,} items]"
        if not level.items and value:
            return [f"… {len(value):,} items"]
        kept = [_shrink(v, level, depth + 1) for v in value[: level.items]]
        if len(value) > level.items:
            kept.append(f"… {len(value) - level.items:,} more items ({len(value):,} in all)")
        return kept
    return value


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _summarize_parsed(value: Any, text: str, max_chars: int) -> str:
    for level in _LEVELS:
        out = _dump(_shrink(value, level))
        if len(out) <= max_chars:
            return out
    if isinstance(value, Mapping):  # the kept keys' scalars, and the size of the rest
        skeleton = {k: _shrink(v, _LEVELS[-1], 1) for k, v in value.items() if k in _KEEP_KEYS}
        skeleton["…"] = f"{len(text):,} chars left out"
        out = _dump(skeleton)
        if len(out) <= max_chars:
            return out
    return _cut(text, max_chars)


_NOT_JSON: Final = object()


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _NOT_JSON


def summarize_result(text: str, max_chars: int) -> str:
    """``text`` (a tool result, usually JSON) in at most ``max_chars`` characters.

    A result that fits is returned unchanged.  JSON keeps its shape: ``ok`` and ``error``
    always, scalars, the first items of each list followed by a note of how many were left
    out, long strings cut with their length; the most detail that fits wins.  Other text is
    cut, saying how many characters were left out.

    >>> result = {"ok": True, "passes": [{"aos_utc": f"T{i}"} for i in range(300)]}
    >>> print(summarize_result(json.dumps(result), 100))
    {"ok":true,"passes":[{"aos_utc":"T0"},{"aos_utc":"T1"},"… 298 more items (300 in all)"]}
    >>> summarize_result("x" * 50, 30)
    'xxxxxxxxxxxxxxxxx… (+33 chars)'
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, not {max_chars}")
    if len(text) <= max_chars:
        return text
    value = _parse(text)
    if value is _NOT_JSON:
        return _cut(text, max_chars)
    return _summarize_parsed(value, text, max_chars)


# ----------------------------------------------------------------------------------------------
# Fitting a conversation


def _text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if content is None or isinstance(content, str):
        return content or ""
    return _dump(content)


def _units(indices: Sequence[int], messages: Sequence[Mapping[str, Any]]) -> list[list[int]]:
    """``indices`` grouped into what is left out together: a call with its results."""
    units: list[list[int]] = []
    for i in indices:
        last = units[-1] if units else []
        follows = (
            bool(last)
            and last[-1] == i - 1
            and (
                bool(messages[last[0]].get("tool_calls"))
                or messages[last[-1]].get("role") == "tool"
            )
        )
        if messages[i].get("role") == "tool" and follows:
            last.append(i)
        else:
            units.append([i])
    return units


class _Fitting:
    """The mutable state of one :func:`fit_prompt` call."""

    def __init__(
        self, messages: Sequence[Mapping[str, Any]], budget: ContextBudget, count: Count
    ) -> None:
        self.messages = [dict(m) for m in messages]
        self.originals = {
            i: _text(m) for i, m in enumerate(self.messages) if m.get("role") == "tool"
        }
        self.parsed: dict[int, Any] = {}
        self.budget = budget
        self.count = count
        self.dropped: set[int] = set()
        self.chars: dict[int, int] = {}  # tool message -> the budget its content has now
        self._costs: dict[int, int] = {}
        for i in self.originals:
            self.summarise(i, budget.result_chars)
        users = [i for i, m in enumerate(self.messages) if m.get("role") == "user"]
        self.latest_user = users[-1] if users else None
        self.protected = {i for i, m in enumerate(self.messages) if m.get("role") == "system"}
        if self.latest_user is not None:
            self.protected.add(self.latest_user)
        free = [i for i in range(len(self.messages)) if i not in self.protected]
        cut = -1 if self.latest_user is None else self.latest_user
        self.before = _units([i for i in free if i < cut], self.messages)
        self.after = _units([i for i in free if i > cut], self.messages)
        self.estimate = sum(self.cost(i) for i in free)
        """Tokens of the kept messages that may be trimmed, without the template around them
        (so it errs low)."""

    def summarise(self, i: int, chars: int) -> None:
        """Tool message ``i``'s content: its original summarised to ``chars``."""
        original = self.originals[i]
        self.chars[i] = chars
        if len(original) <= chars:
            self.messages[i]["content"] = original
            return
        if i not in self.parsed:
            self.parsed[i] = _parse(original)
        value = self.parsed[i]
        before = self._costs.pop(i, None)
        self.messages[i]["content"] = (
            _cut(original, chars)
            if value is _NOT_JSON
            else _summarize_parsed(value, original, chars)
        )
        if before is not None:  # counted in the estimate already
            self.estimate += self.cost(i) - before

    def drop(self, unit: Sequence[int]) -> None:
        """Leave the messages of ``unit`` out."""
        self.dropped.update(unit)
        self.estimate -= sum(self.cost(i) for i in unit)

    def cost(self, i: int) -> int:
        """Tokens of message ``i``'s text and calls, without the template around them."""
        if i not in self._costs:
            m = self.messages[i]
            calls = m.get("tool_calls")
            self._costs[i] = self.count(_text(m)) + (self.count(_dump(calls)) if calls else 0)
        return self._costs[i]

    def kept(self) -> list[dict[str, Any]]:
        return [m for i, m in enumerate(self.messages) if i not in self.dropped]

    def core(self) -> list[dict[str, Any]]:
        return [m for i, m in enumerate(self.messages) if i in self.protected]

    def steps(self) -> Iterator[None]:
        """Trim one step at a time, least loss first (see the module notes)."""
        for unit in self.before:
            self.drop(unit)
            yield None
        floor = max(64, self.budget.result_chars // 8)
        level = self.budget.result_chars // 2
        tools = [i for unit in self.after for i in unit if i in self.originals]
        while tools and level >= floor:
            for i in tools:
                if self.chars[i] > level and len(self.messages[i]["content"]) > level:
                    self.summarise(i, level)
                    yield None
            level //= 2
        for unit in self.after:
            self.drop(unit)
            yield None

    def summarised(self) -> int:
        return sum(
            1
            for i, text in self.originals.items()
            if i not in self.dropped and self.messages[i]["content"] != text
        )


def fit_prompt(
    messages: Sequence[Mapping[str, Any]], budget: ContextBudget, *, render: Render, count: Count
) -> FittedPrompt:
    """The prompt view of chat-template ``messages`` that fits ``budget`` (see the module
    notes); :class:`ContextTooLong` when the system prompt, tool schemas and latest request
    alone leave less than ``budget.reply_tokens`` of the window.  ``messages`` is not changed.
    """
    fitting = _Fitting(messages, budget, count)
    window = budget.window_tokens
    if window is None:
        kept = fitting.kept()
        return FittedPrompt(kept, render(kept), budget.max_new_tokens, fitting.summarised())
    target = window - budget.reply_tokens
    core = len(render(fitting.core()))
    if core > target:
        latest = fitting.latest_user
        text = None if latest is None else _text(fitting.messages[latest])
        request = None if text is None else fitting.count(text)
        chars = None if text is None else len(text)
        raise ContextTooLong(core, window, budget.reply_tokens, request, chars)
    steps = fitting.steps()
    while True:
        if fitting.estimate <= target - core:  # it may fit: render to know
            kept = fitting.kept()
            prompt = render(kept)
            if len(prompt) <= target:
                break
        if next(steps, True) is not None:  # nothing left to trim: the core alone, which fits
            kept = fitting.kept()
            prompt = render(kept)
            break
    return FittedPrompt(
        kept,
        prompt,
        min(budget.max_new_tokens, window - len(prompt)),
        fitting.summarised(),
        len(fitting.dropped),
    )
