"""Names the model knows, standing in for names it has never seen (delexicalisation).

A small model learns the satellites and stations of its training worlds as tokens, not as
"whatever the mission calls them": shown a mission whose stations, alias stems, codes and
nicknames it never saw, it mostly answers with text instead of a call. So, for one turn,
every satellite or station name of the tools that the model did not learn is replaced by
an unused name it did learn, of the same shape, everywhere the model reads it: the tools'
name enums, the system prompt, the request, earlier calls and tool results. The calls it
decodes are mapped back, so the tools receive the mission's own names; so is its text.

The learned names (:class:`NamePools`) ship with the model, in its directory's
``generation_config.json`` under ``cosmo_name_surrogates``; a name enum is a satellite or
station enum when the argument holding it says so in its name. Shapes: Hangul; Latin with
digits (codes such as ``KX-7``); Latin in capitals (station ids); other Latin words. Numbers
(catalog ids) are left as they are.

>>> pools = NamePools(satellites=("KX-1", "KX-2", "아리랑1호"),
...                   stations=("DAEJEON", "Jeju", "대전"))
>>> tools = [{"type": "function", "function": {"name": "find_passes", "parameters": {
...     "type": "object", "properties": {
...         "satellites": {"type": "array", "items": {"type": "string",
...                        "enum": ["KX-1", "TERRA-5", "미리내 2호"]}},
...         "stations": {"type": "array", "items": {"type": "string",
...                      "enum": ["PUNTA", "Punta Arenas", "푼타 아레나스"]}}}}}}]
>>> names = Surrogates.for_tools(tools, pools)
>>> for name, stand_in in names.forward.items():
...     print(name, "->", stand_in)
TERRA-5 -> KX-2
미리내 2호 -> 아리랑1호
PUNTA -> DAEJEON
Punta Arenas -> Jeju
푼타 아레나스 -> 대전
>>> names.text("미리내2호가 푼타 아레나스 위로 언제 지나가?")
'아리랑1호가 대전 위로 언제 지나가?'
>>> names.restore_call({"name": "find_passes", "arguments": {"satellites": ["아리랑1호"],
...                                                          "stations": ["대전"]}})
{'name': 'find_passes', 'arguments': {'satellites': ['미리내 2호'], 'stations': ['푼타 아레나스']}}
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cosmo_agent.model.spans import respell, rewrite_enums, spelled

__all__ = ["NamePools", "Surrogates"]

Kind = Literal["satellites", "stations"]
_KINDS: tuple[Kind, ...] = ("satellites", "stations")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_DIGIT = re.compile(r"\d")
_LOWER = re.compile(r"[a-z]")
_SEPARATORS = re.compile(r"[\s\-_]+")


def _shape(name: str) -> str | None:
    """The shape class of a name; None for a name left as it is (a number)."""
    stripped = name.strip()
    if not stripped or stripped.isdigit():
        return None
    if _HANGUL.search(stripped):
        return "hangul"
    if _DIGIT.search(stripped):
        return "code"
    if not _LOWER.search(stripped):
        return "capitals"
    return "word"


# A shape the pools lack takes the next one's names (a nickname reads as a code).
_FALLBACK: dict[str, tuple[str, ...]] = {
    "hangul": ("hangul",),
    "code": ("code",),
    "capitals": ("capitals", "code"),
    "word": ("word", "capitals", "code"),
}


def _key(name: str) -> str:
    """Names the request reader cannot tell apart (case, spaces, hyphens aside) share a key."""
    return _SEPARATORS.sub("", name).casefold()


@dataclass(frozen=True)
class NamePools:
    """The satellite and station names a model learned, in the order surrogates are taken."""

    satellites: tuple[str, ...] = ()
    stations: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, value: Any) -> NamePools | None:
        """Pools from a generation config's ``cosmo_name_surrogates`` (None: none set)."""
        if not isinstance(value, Mapping):
            return None
        pools = {
            kind: tuple(str(n) for n in value.get(kind, ()) if isinstance(n, str | int))
            for kind in _KINDS
        }
        if not any(pools.values()):
            return None
        return cls(**pools)

    def known(self, kind: Kind) -> set[str]:
        """The ``kind``'s learned names, case, spaces and hyphens aside."""
        return {_key(n) for n in getattr(self, kind)}


_KIND_WORDS: dict[str, Kind] = {"station": "stations", "satellite": "satellites"}


def _enums(tools: Sequence[Mapping[str, Any]]) -> list[tuple[Kind, list[str]]]:
    """(kind, members) of every satellite or station name enum of ``tools``."""
    found: list[tuple[Kind, list[str]]] = []

    def note(word: str, members: list[str]) -> list[str]:
        found.append((_KIND_WORDS[word], members))
        return members

    rewrite_enums(tools, list(_KIND_WORDS), note)
    return found


def _map_strings(value: Any, fn: Any) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [_map_strings(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: _map_strings(v, fn) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Surrogates:
    """One turn's mapping from the mission's unlearned names to learned ones, and back."""

    forward: dict[str, str] = field(default_factory=dict)
    """Mission name -> the learned name standing in for it."""

    @property
    def backward(self) -> dict[str, str]:
        """Surrogate -> the mission name it stands for (the first of names read alike, which
        the tools resolve alike)."""
        out: dict[str, str] = {}
        for name, stand_in in self.forward.items():
            out.setdefault(stand_in, name)
        return out

    @classmethod
    def for_tools(
        cls, tools: Sequence[Mapping[str, Any]], pools: NamePools, texts: Sequence[str] = ()
    ) -> Surrogates:
        """Surrogates for every name of ``tools``' satellite and station enums that
        ``pools`` lacks; a learned name already in the tools or spelled in ``texts`` is not
        used as a surrogate."""
        found: dict[Kind, list[str]] = {k: [] for k in _KINDS}
        for kind, members in _enums(tools):
            found[kind].extend(m for m in members if m not in found[kind])
        taken = {_key(n) for names in found.values() for n in names}
        blob = "\n".join(texts)
        forward: dict[str, str] = {}
        for kind in _KINDS:
            known = pools.known(kind)
            pool = list(dict.fromkeys(getattr(pools, kind)))
            said = set(spelled(pool, blob))  # one scan for the whole pool
            free = [n for n in pool if _key(n) not in taken and n not in said]
            lent: dict[str, str] = {}  # names read alike share one surrogate
            for name in found[kind]:
                shape = _shape(name)
                if shape is None or _key(name) in known or name in forward:
                    continue
                pick = lent.get(_key(name)) or next(
                    (n for want in _FALLBACK[shape] for n in free if _shape(n) == want), None
                )
                if pick is not None:
                    free = [n for n in free if _key(n) != _key(pick)]
                    forward[name] = lent[_key(name)] = pick
        return cls(forward)

    def __bool__(self) -> bool:
        return bool(self.forward)

    def text(self, text: str) -> str:
        """``text`` with every mission name that has a surrogate, as people write it, replaced."""
        return respell(text, self.forward)

    def restore_text(self, text: str) -> str:
        """The model's ``text`` with the mission's own names back."""
        return respell(text, self.backward)

    def tools(self, tools: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """``tools`` with their satellite and station enums' members replaced."""
        forward = self.forward
        return rewrite_enums(
            tools, list(_KIND_WORDS),
            lambda _, enum: list(dict.fromkeys(forward.get(e, e) for e in enum)),
        )  # fmt: skip

    def messages(self, messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """``messages`` as the model reads them: contents and earlier calls' arguments."""
        out: list[dict[str, Any]] = []
        for m in messages:
            m2 = dict(m)
            if isinstance(m2.get("content"), str):
                m2["content"] = self.text(m2["content"])
            if isinstance(m2.get("tool_calls"), list):
                m2["tool_calls"] = [_map_call(c, self.text) for c in m2["tool_calls"]]
            out.append(m2)
        return out

    def restore_call(self, call: Mapping[str, Any]) -> dict[str, Any]:
        """A decoded call ``{"name", "arguments"}`` with the mission's own names back."""
        backward = self.backward
        folded = {k.casefold(): v for k, v in backward.items()}

        def back(s: str) -> str:
            return backward.get(s) or folded.get(s.casefold()) or respell(s, backward)

        out = dict(call)
        out["arguments"] = _map_strings(call.get("arguments"), back)
        return out


def _map_call(call: Any, fn: Any) -> Any:
    """An OpenAI-style call (``{"function": {"arguments": ...}}`` or flat) with its argument
    strings mapped; arguments given as a JSON string are mapped as text."""
    if not isinstance(call, dict):
        return call
    out = dict(call)
    fn_part = out.get("function")
    if isinstance(fn_part, dict):
        fn_part = dict(fn_part)
        fn_part["arguments"] = _map_strings(fn_part.get("arguments"), fn)
        out["function"] = fn_part
    elif "arguments" in out:
        out["arguments"] = _map_strings(out["arguments"], fn)
    return out
