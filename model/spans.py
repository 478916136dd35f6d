"""Quote, don't guess: the names a request spells out narrow what the grammar offers.

A tool schema lists every name of the mission (satellites and stations, with their ids and
aliases) as a string ``enum``. When the request spells some of them, the decoder is offered
only those: choosing among the three names a request wrote is a far easier task for a small
model than choosing among sixty, and it can no longer substitute a name the operator did not
write. An enum none of whose members the request spells is left whole ("all satellites",
"the fleet", a pronoun), and so is every other part of the schema.

Names are found as people write them: case, spaces, hyphens and underscores aside, also
between letters and digits (``kompsat-3`` spells ``KOMPSAT 3``, ``아리랑 3호`` spells
``아리랑3호``), longest first, each stretch of text used once (``K3A`` is not also ``K3``),
Latin names not inside a longer Latin word (``K3`` is not in ``K35``), Korean names followed
by any particle (``아리랑3호가``).

>>> names = ["KOMPSAT 3", "K3", "KOMPSAT 3A", "K3A", "아리랑3호", "DAEJEON", "대전"]
>>> spelled(names, "kompsat-3a 대전 패스, K3도")
['KOMPSAT 3A', '대전', 'K3']
>>> tool = {"type": "function", "function": {"name": "find_passes", "parameters": {
...     "type": "object", "properties": {"satellites": {"anyOf": [
...         {"type": "array", "items": {"type": "string", "enum": names}},
...         {"const": "all", "type": "string"}]}}}}}
>>> [narrowed] = narrow_tools([tool], "K3A passes please")
>>> narrowed["function"]["parameters"]["properties"]["satellites"]["anyOf"][0]["items"]["enum"]
['K3A']
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "admit_unknown", "all_when_unnamed", "blank_names", "narrow_tools", "narrow_values",
    "quote_ids", "quote_items", "respell", "spelled", "spells_a_name", "tool_names",
    "tools_for_named",
]  # fmt: skip

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_SEPARATORS = re.compile(r"[\s\-_]+")
# letters and digits apart: "아리랑3호" is also written "아리랑 3호", "KOMPSAT3" "KOMPSAT 3"
_CHUNKS = re.compile(r"\d+|[^\d]+")


def _source(name: str) -> str:
    parts = [re.escape(p) for chunk in _SEPARATORS.split(name.strip())
             for p in _CHUNKS.findall(chunk)]  # fmt: skip
    body = r"[\s\-_]*".join(parts)
    tail = "" if _HANGUL.search(name[-1:]) else r"(?![A-Za-z0-9])"
    head = "" if _HANGUL.search(name[:1]) else r"(?<![A-Za-z0-9])"
    return head + body + tail


@functools.lru_cache(maxsize=64)
def _alternation(names: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for ``names`` (longest first): a scan finds, at each place, the longest
    name spelled there, and every stretch of text once."""
    return re.compile(
        "|".join(f"(?P<n{i}>{_source(n)})" for i, n in enumerate(names)), re.IGNORECASE
    )


def _spans(names: Iterable[str], text: str, every: bool) -> list[tuple[int, int, str]]:
    """(start, end, name) of the stretches of ``text`` spelling ``names``, the longest name
    where several start at one place, each stretch used once; the first occurrence of each
    name, or ``every`` one. One scan of the text, whatever its length."""
    # a name is spelled only where its letters and digits appear in a row, case and
    # separators aside: a substring test narrows a large list to the few worth a pattern
    folded = _SEPARATORS.sub("", text).casefold()
    ordered = tuple(
        sorted(
            (n for n in dict.fromkeys(names) if n.strip()
             and _SEPARATORS.sub("", n).casefold() in folded),
            key=lambda n: (-len(n), n),
        )
    )  # fmt: skip
    if not ordered:
        return []
    found: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    for m in _alternation(ordered).finditer(text):
        name = ordered[int(str(m.lastgroup)[1:])]
        if every or name not in seen:
            found.append((m.start(), m.end(), name))
            seen.add(name)
    return found


def spelled(names: Sequence[str], text: str) -> list[str]:
    """The ``names`` that ``text`` spells, in the order they appear in it (see the module)."""
    return [name for _, _, name in _spans(names, text, every=False)]


def respell(text: str, names: Mapping[str, str]) -> str:
    """``text`` with every stretch that spells a key of ``names`` (as :func:`spelled` finds
    names) replaced by its value.

    >>> respell("kompsat-3 and K3A over 대전 (K3)", {"KOMPSAT 3": "KX-1", "K3": "KX-2"})
    'KX-1 and K3A over 대전 (KX-2)'
    """
    out, pos = [], 0
    for start, end, name in _spans(names, text, every=True):
        out.append(text[pos:start] + names[name])
        pos = end
    return "".join(out) + text[pos:]


Unknown = Mapping[str, Sequence[str]]
"""Names a request writes that the mission lacks, by the kind of argument that would take
them (a word in the argument's name: ``"satellite"``, ``"station"``)."""


def _kind_of(key: str, kinds: Iterable[str]) -> str | None:
    return next((k for k in kinds if k in key.casefold()), None)


def rewrite_enums(
    tools: Sequence[Mapping[str, Any]],
    kinds: Sequence[str],
    fn: Callable[[str, list[str]], list[str]],
) -> list[dict[str, Any]]:
    """Copies of ``tools`` with each string enum under an argument whose name holds one of
    ``kinds`` (the nearest such argument decides: ``satellite`` in ``commands[].satellite``)
    replaced by ``fn(kind, members)``; the input is not changed. The walk this module and
    :mod:`.surrogates` share, not public API.

    >>> tool = {"type": "function", "function": {"name": "passes", "parameters": {
    ...     "type": "object", "properties": {"stations": {"type": "array", "items": {
    ...         "type": "string", "enum": ["DAEJEON"]}}}}}}
    >>> [t] = rewrite_enums([tool], ["station"], lambda kind, names: [*names, "Kourou"])
    >>> t["function"]["parameters"]["properties"]["stations"]["items"]["enum"]
    ['DAEJEON', 'Kourou']
    """

    def walk(node: Any, kind: str | None) -> Any:
        if isinstance(node, list):
            return [walk(n, kind) for n in node]
        if not isinstance(node, dict):
            return node
        out = {
            k: {p: walk(v, _kind_of(p, kinds) or kind) for p, v in value.items()}
            if k == "properties" and isinstance(value, dict)
            else walk(value, kind)
            for k, value in node.items()
        }
        enum = node.get("enum")
        if kind is not None and node.get("type") == "string" and isinstance(enum, list):
            out["enum"] = fn(kind, [str(e) for e in enum])
        return out

    return [walk(dict(t), None) for t in tools]


def _blank(text: str, names: Sequence[str]) -> str:
    """``text`` with every stretch spelling one of ``names`` overwritten by NULs (positions
    kept), in one pass."""
    out, pos = [], 0
    for start, end, _ in _spans(names, text, every=True):
        out.append(text[pos:start] + "\0" * (end - start))
        pos = end
    return "".join(out) + text[pos:]


def _narrow(node: Any, text: str, require: bool, unknown: Unknown, kind: str | None) -> Any:
    if isinstance(node, list):
        return [_narrow(n, text, require, unknown, kind) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {
                k: _narrow(v, text, require, unknown, _kind_of(k, unknown) or kind)
                for k, v in value.items()
            }
        else:
            out[key] = _narrow(value, text, require, unknown, kind)
    enum = node.get("enum")
    if node.get("type") == "string" and isinstance(enum, list) and len(enum) > 1:
        keep = spelled([str(e) for e in enum], text) + list(unknown.get(kind or "", ()))
        if keep:
            out["enum"] = keep
    if not require:
        return out
    items = out.get("items")
    if (
        out.get("type") == "array"
        and isinstance(items, dict)
        and items.get("enum") != (node.get("items") or {}).get("enum")
    ):
        # every name the request spells, once each ("K3 and K5" is both of them)
        out["minItems"] = out["maxItems"] = len(items["enum"])
    branches = out.get("anyOf")
    originals = node.get("anyOf")
    if isinstance(branches, list) and isinstance(originals, list):
        spelled_names = any(
            isinstance(b, dict) and isinstance(o, dict) and b.get("items") != o.get("items")
            for b, o in zip(branches, originals, strict=True)
        )
        if spelled_names:  # the request spelled names: it does not mean "all"
            out["anyOf"] = [b for b in branches if not (isinstance(b, dict) and "const" in b)]
    return out


def narrow_tools(
    tools: Sequence[Mapping[str, Any]],
    request: str,
    *,
    require_spelled: bool = False,
    unknown: Unknown | None = None,
) -> list[dict[str, Any]]:
    """``tools`` (OpenAI tool schemas) with each string enum narrowed to the members
    ``request`` spells, where it spells any; the input is not changed.

    ``require_spelled``: a list of names must then hold every name the request spelled
    (once each) and cannot be ``"all"``: for requests that name what they mean, which most
    do; a request asking two tools about different satellites is the case it gets wrong.
    ``unknown``: satellites and stations the request writes that are not the mission's
    (the agent's reader on :func:`blank_names`' text), offered in the enums of their
    kind as written, so that the tool refuses them by name instead of the model putting one
    of the mission's in their place.
    """
    return [
        _narrow(copy.deepcopy(dict(t)), request, require_spelled, unknown or {}, None)
        for t in tools
    ]


def all_when_unnamed(
    tools: Sequence[Mapping[str, Any]], text: str, unknown: Unknown | None = None
) -> list[dict[str, Any]]:
    """``tools`` whose arguments taking either a list of names or a constant (``"all"``) take
    only the constant when ``text`` spells none of the names and ``unknown`` holds none of
    their kind: a request that names no satellite means the fleet, and the model does not pick
    one for it.  The input is not changed.

    >>> tool = {"type": "function", "function": {"name": "passes", "parameters": {
    ...     "type": "object", "properties": {"satellites": {"anyOf": [
    ...         {"type": "array", "items": {"type": "string", "enum": ["K3", "K5"]}},
    ...         {"const": "all"}]}}}}}
    >>> def arg(t): return t["function"]["parameters"]["properties"]["satellites"]["anyOf"]
    >>> arg(all_when_unnamed([tool], "Passes over Jeju?")[0])
    [{'const': 'all'}]
    >>> len(arg(all_when_unnamed([tool], "Passes of K5 over Jeju?")[0]))
    2
    >>> unknown = {"satellite": ["Sentinel-9"]}
    >>> len(arg(all_when_unnamed([tool], "Passes of Sentinel-9?", unknown)[0]))
    2
    """
    out: list[dict[str, Any]] = []
    for tool in tools:
        t = copy.deepcopy(dict(tool))
        params = t.get("function", t).get("parameters") or {}
        for key, prop in (params.get("properties") or {}).items():
            branches = prop.get("anyOf") if isinstance(prop, dict) else None
            if not isinstance(branches, list):
                continue
            consts = [b for b in branches if isinstance(b, dict) and "const" in b]
            names = [
                str(n)
                for b in branches
                if isinstance(b, dict) and b.get("type") == "array"
                for n in (b.get("items") or {}).get("enum") or ()
            ]
            kind = _kind_of(key, ("satellite", "station"))
            if (consts and names and not spelled(names, text)
                    and not (unknown or {}).get(kind or "")):  # fmt: skip
                prop["anyOf"] = consts
        out.append(t)
    return out


def admit_unknown(tools: Sequence[Mapping[str, Any]], unknown: Unknown) -> list[dict[str, Any]]:
    """``tools`` whose satellite and station enums also admit the ``unknown`` names of their
    kind: the schema a call quoting one is checked against before the tool, which knows the
    mission, refuses it by name (``unknown satellite 'SENTINEL-9' (did you mean 'SENTINEL
    2A'?)``)."""
    return rewrite_enums(
        tools,
        list(unknown),
        lambda kind, enum: [*enum, *(u for u in unknown[kind] if u not in enum)],
    )


def blank_names(text: str, names: Sequence[str], ids: Mapping[str, str] | None = None) -> str:
    """``text`` with every stretch spelling one of ``names``, or matching one of the id
    patterns ``ids``, overwritten by NULs (positions kept): what is left to read for names
    the mission lacks (the agent's reader, ``CosmoChatModel(unknown_names=...)``).

    >>> ids = {"event_id": r"CONJ-\\d+"}
    >>> blank_names("KOMPSAT-3 and SENTINEL-9, CONJ-0074", ["KOMPSAT 3"], ids).replace("\\0", "_")
    '_________ and SENTINEL-9, _________'
    """
    rest = _blank(text, names)
    for pattern in (ids or {}).values():
        rest = re.sub(pattern, lambda m: "\0" * len(m.group(0)), rest)
    return rest


def quote_items(
    tools: Sequence[Mapping[str, Any]], text: str, patterns: Mapping[str, str]
) -> list[dict[str, Any]]:
    """``tools`` with each string field of an array argument's objects named in ``patterns``
    as ``"argument.field"`` (-> regular expression) narrowed to what ``text`` spells, in
    order: the command a request names ("SAFE_MODE_ENTER") is the one proposed, quoted, not
    recalled. Where ``text`` spells none the field stays free (the tool checks it against
    the satellite's command dictionary). Other keys are ignored. The input is not changed.

    >>> tool = {"type": "function", "function": {"name": "propose", "parameters": {
    ...     "type": "object", "properties": {"commands": {"type": "array", "items": {
    ...     "type": "object", "properties": {"command": {"type": "string"}}}}}}}}
    >>> pattern = {"commands.command": r"\\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\\b"}
    >>> [t] = quote_items([tool], "uplink SAFE_MODE_ENTER to K3 at 21:00", pattern)
    >>> t["function"]["parameters"]["properties"]["commands"]["items"]["properties"]["command"]
    {'type': 'string', 'enum': ['SAFE_MODE_ENTER']}
    """
    nested = {tuple(k.split(".", 1)): re.compile(v) for k, v in patterns.items() if "." in k}
    out: list[dict[str, Any]] = []
    for tool in tools:
        t = copy.deepcopy(dict(tool))
        params = t.get("function", {}).get("parameters", {})
        props = params.get("properties", {}) if isinstance(params, dict) else {}
        for (argument, key), rx in nested.items():
            node = props.get(argument) if isinstance(props, dict) else None
            item = node.get("items") if isinstance(node, dict) else None
            fields = item.get("properties") if isinstance(item, dict) else None
            field = fields.get(key) if isinstance(fields, dict) else None
            if not isinstance(fields, dict) or not isinstance(field, dict):
                continue
            found = list(dict.fromkeys(m.group(0) for m in rx.finditer(text)))
            if found and field.get("type") == "string":
                fields[key] = {"type": "string", "enum": found,
                               **({"description": field["description"]}
                                  if "description" in field else {})}  # fmt: skip
        out.append(t)
    return out


def quote_ids(
    tools: Sequence[Mapping[str, Any]], text: str, patterns: Mapping[str, str]
) -> list[dict[str, Any]]:
    """``tools`` with each id argument named in ``patterns`` (argument name -> regular
    expression of such an id) narrowed to the ids ``text`` spells, in order; a tool that
    requires an id ``text`` does not spell is left out: an id is quoted from the request or a
    tool result, never made up. The input is not changed.

    >>> tool = {"type": "function", "function": {"name": "assess", "parameters": {
    ...     "type": "object", "properties": {"event_id": {"type": "string"}},
    ...     "required": ["event_id"]}}}
    >>> pattern = {"event_id": r"CONJ-\\d+"}
    >>> [t["function"]["parameters"]["properties"]["event_id"]["enum"]
    ...  for t in quote_ids([tool], "assess CONJ-0007 and CONJ-0002", pattern)]
    [['CONJ-0007', 'CONJ-0002']]
    >>> quote_ids([tool], "assess the closest approach", pattern)
    []
    """
    compiled = {k: re.compile(v) for k, v in patterns.items()}
    out: list[dict[str, Any]] = []
    for tool in tools:
        t = copy.deepcopy(dict(tool))
        params = t.get("function", {}).get("parameters", {})
        props = params.get("properties", {}) if isinstance(params, dict) else {}
        keep = True
        for key, rx in compiled.items():
            node = props.get(key)
            if not isinstance(node, dict) or node.get("type") != "string":
                continue
            found = list(dict.fromkeys(m.group(0) for m in rx.finditer(text)))
            if found:
                node["enum"] = found
            elif key in params.get("required", ()):
                keep = False
            else:
                del props[key]
        if keep:
            out.append(t)
    return out


def _within(value: float, number: Mapping[str, Any]) -> bool:
    """Whether ``value`` meets a number schema's bounds."""
    return (
        value >= number.get("minimum", value)
        and value <= number.get("maximum", value)
        and ("exclusiveMinimum" not in number or value > number["exclusiveMinimum"])
        and ("exclusiveMaximum" not in number or value < number["exclusiveMaximum"])
    )


def _exactly(value: float) -> list[dict[str, Any]]:
    """Schemas accepting ``value`` as JSON may write it (``12`` and ``12.0``, ``1e-05`` and
    ``0.00001``): a range of one number (xgrammar writes ranges with at most 6 decimals, and
    an ``enum`` member only in one spelling, ``12`` for 12.0), and the ``enum`` spelling."""
    out: list[dict[str, Any]] = []
    if round(value, 6) == value:
        out.append({"type": "number", "minimum": value, "maximum": value})
    if not value.is_integer():
        out.append({"enum": [value]})
    return out


def narrow_values(
    tools: Sequence[Mapping[str, Any]],
    values: Mapping[str, Sequence[float | str]],
    *,
    require_written: bool = False,
    items: bool = True,
) -> list[dict[str, Any]]:
    """``tools`` with each argument named in ``values`` (argument name -> what the request
    writes for it: numbers in the argument's unit, or times as ISO 8601 strings) narrowed to
    those values: quoted, not computed.  An empty list means the request writes none, and an
    optional argument is then not offered at all (a start time nobody asked for).  A value
    outside the argument's bounds is still the one offered when no written value is within
    them, so that the call is refused with the bound ("for 10 days" where 168 h is the most)
    rather than made with another number; arguments not named are left as they are (a
    default, or the model's reading of "the usual").
    ``require_written``: a number argument the request writes a value for must be in the call
    ("for 12 hours" is not the 24 h default); times stay optional (a time written for
    something else, such as a conjunction's TCA, is not forced into a burn time).  The input
    is not changed.
    ``items``: the objects of array arguments are narrowed too (a command's ``time``, then
    required when written); pass False on a turn that follows tool results, whose calls
    carry what the results say (an avoidance burn's epoch), not what the request wrote.

    >>> tool = {"type": "function", "function": {"name": "screen", "parameters": {
    ...     "type": "object", "properties": {"duration_h": {"anyOf": [
    ...         {"type": "number", "exclusiveMinimum": 0, "maximum": 168},
    ...         {"type": "string"}], "default": 24.0}, "start": {"type": "string"}}}}}
    >>> [narrowed] = narrow_values([tool], {"duration_h": [72.0, 500.0], "start": []})
    >>> props = narrowed["function"]["parameters"]["properties"]
    >>> list(props), props["duration_h"]["anyOf"]
    (['duration_h'], [{'type': 'number', 'minimum': 72.0, 'maximum': 72.0}])
    """
    out: list[dict[str, Any]] = []
    for tool in tools:
        t = copy.deepcopy(dict(tool))
        params = t.get("function", {}).get("parameters", {})
        if isinstance(params, dict):
            _narrow_object(params, values, require_written, nested=False, items=items)
        out.append(t)
    return out


def _narrow_object(
    params: dict[str, Any],
    values: Mapping[str, Sequence[float | str]],
    require_written: bool,
    nested: bool,
    items: bool = True,
) -> None:
    """:func:`narrow_values` on one object schema, in place, and on the objects of its array
    properties (a command's ``time``); there a written time is required too: a command
    request's time is the command's."""
    props = params.get("properties", {})
    if not isinstance(props, dict):
        return
    for node in props.values() if items else ():
        item = node.get("items") if isinstance(node, dict) else None
        if isinstance(item, dict) and isinstance(item.get("properties"), dict):
            _narrow_object(item, values, require_written, nested=True)
    for key, written in values.items():
        node = props.get(key)
        if not isinstance(node, dict):
            continue
        if not written:
            if key not in params.get("required", ()):
                del props[key]
            continue
        branches = [node, *(b for b in node.get("anyOf", []) if isinstance(b, dict))]
        numbers = [b for b in branches if b.get("type") in ("number", "integer")]
        strings = [b for b in branches if b.get("type") == "string"]
        texts = [v for v in written if isinstance(v, str)]
        if texts and strings:
            allowed: list[dict[str, Any]] = [{"type": "string", "enum": texts}]
        elif numbers:
            given = [float(v) for v in written if not isinstance(v, str)]
            keep = [v for v in given if any(_within(v, n) for n in numbers)]
            if any(n.get("type") == "integer" for n in numbers):
                keep = [v for v in keep if v.is_integer()]
            # none allowed ("for 10 days" where 168 h is the most): the call still carries
            # what was written, and the contract refuses it, instead of a silent default
            allowed = [b for v in dict.fromkeys(keep or given) for b in _exactly(v)]
        else:
            allowed = []
        if not allowed:
            continue
        props[key] = {k: v for k, v in node.items()
                      if k not in ("anyOf", "type", "minimum", "maximum", "exclusiveMinimum",
                                   "exclusiveMaximum", "multipleOf", "format", "pattern",
                                   "minLength", "maxLength", "enum")}  # fmt: skip
        props[key]["anyOf"] = allowed
        required = require_written and (nested or not texts)
        if required and key not in params.get("required", ()):
            params["required"] = [*params.get("required", ()), key]


def _takes(tool: Mapping[str, Any], request: str, kinds: Sequence[str],
           ids: Mapping[str, re.Pattern[str]], unknown: Unknown) -> bool:  # fmt: skip
    params = tool.get("function", tool).get("parameters", {})
    props = params.get("properties", {}) if isinstance(params, Mapping) else {}
    for key, node in props.items():
        held = json.dumps({key: node}).casefold()
        if any(names and kind in held for kind, names in unknown.items()):
            return True
        if any(k in str(key).casefold() for k in kinds) and any(
            spelled(e, request) for e in _name_enums(node)
        ):
            return True
        if any(k.split(".")[0] == key and rx.search(request) for k, rx in ids.items()):
            return True  # an id of this argument, or of a field of its items ("commands.command")
    return False


def tools_for_named(
    tools: Sequence[Mapping[str, Any]],
    request: str,
    *,
    kinds: Sequence[str] = ("station",),
    ids: Mapping[str, str] | None = None,
    unknown: Unknown | None = None,
) -> list[dict[str, Any]]:
    """The tools that take what ``request`` names, where it names something only some take: a
    ground station (a name enum under an argument whose name holds one of ``kinds``) or an
    id (argument name -> regular expression, as for :func:`quote_ids`), or a satellite or
    station the mission lacks (``unknown``, by kind: the tools that take one of that kind,
    which refuse it by name). A request naming none of these, or naming one no
    tool takes, keeps every tool. The input is not changed.

    >>> def tool(name, **props):
    ...     return {"type": "function", "function": {"name": name, "parameters": {
    ...         "type": "object", "properties": props}}}
    >>> tools = [tool("space_weather"), tool("passes", stations={"type": "array", "items": {
    ...     "type": "string", "enum": ["PUNTA", "Punta Arenas"]}}),
    ...     tool("assess", event_id={"type": "string"})]
    >>> [t["function"]["name"] for t in tools_for_named(tools, "Punta Arenas passes?")]
    ['passes']
    >>> ids = {"event_id": r"CONJ-\\d+"}
    >>> [t["function"]["name"] for t in tools_for_named(tools, "CONJ-0074 Pc?", ids=ids)]
    ['assess']
    >>> len(tools_for_named(tools, "any flares today?", ids=ids))
    3
    """
    compiled = {k: re.compile(v) for k, v in (ids or {}).items()}
    keep = [
        copy.deepcopy(dict(t)) for t in tools if _takes(t, request, kinds, compiled, unknown or {})
    ]
    return keep or [copy.deepcopy(dict(t)) for t in tools]


def _name_enums(node: Any) -> list[list[str]]:
    if isinstance(node, list):
        return [e for n in node for e in _name_enums(n)]
    if not isinstance(node, dict):
        return []
    found = [e for v in node.values() for e in _name_enums(v)]
    enum = node.get("enum")
    if node.get("type") == "string" and isinstance(enum, list) and len(enum) > 1:
        found.append([str(e) for e in enum])
    return found


def tool_names(tools: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every member of the name enums of ``tools`` (satellites and stations, ids, aliases)."""
    return sorted({n for t in tools for e in _name_enums(t) for n in e})


def spells_a_name(tools: Sequence[Mapping[str, Any]], request: str) -> bool:
    """Whether ``request`` spells a member of any name enum of ``tools`` (a satellite or
    station of the mission, as :func:`spelled` finds it).

    >>> tool = {"type": "function", "function": {"name": "passes", "parameters": {
    ...     "type": "object", "properties": {"satellites": {"type": "array", "items": {
    ...         "type": "string", "enum": ["KOMPSAT 3", "K3"]}}}}}}
    >>> spells_a_name([tool], "when does kompsat-3 pass?"), spells_a_name([tool], "hi there")
    (True, False)
    """
    names = tool_names(tools)
    return bool(names) and bool(spelled(names, request))
