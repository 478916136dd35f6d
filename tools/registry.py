"""The tool registry: the tools by name, their OpenAI schemas, and a call that never raises.

Each tool is a :class:`~cosmo_agent.tools.context.ToolSpec`: a name, a description an LLM can
act on, a pydantic ``Args`` model (every number bounded, unknown fields refused), a function
``fn(ctx, args) -> Result`` and its result model.  The nine tools of the public contract live
in :mod:`cosmo_agent.tools.toolkit`, and what they share with this module (the run context,
tool errors, the spec) in :mod:`cosmo_agent.tools.context`, re-exported here.  This module
holds:

- :func:`tool_specs`, the nine by name, and :func:`openai_tools`, the OpenAI ``tools`` list,
  with per-mission ``enum`` name lists;
- :func:`call_tool`, which turns every model or user mistake into data
  (``{"ok": false, "error": {"code", "message"}}``, messages from :data:`ERROR_TEMPLATES`)
  and records a one-line summary and the duration of each call;
- :func:`resolve_arguments`, a call as the tool would execute it, without running it;
- :func:`spelled_values`, the quantities and times a request writes for the tools' arguments,
  in the tools' units (what a constrained decoder lets a model quote,
  :func:`cosmo_agent.model.spans.narrow_values`).

>>> from cosmo_agent.tools.mission import parse_mission
>>> mission = parse_mission('''
... name: doc
... fleet: [{norad_id: 25544, name: ISS (ZARYA), aliases: [ISS], class: weather}]
... sources: {catalog: ["bundled:sample-leo.3le"]}
... horizon: {epoch: 2026-06-10T12:00:00Z}
... ''')
>>> ctx = ToolContext.from_mission(mission)
>>> [t["function"]["name"] for t in openai_tools(mission)][:3]
['fleet_status', 'propagate', 'find_passes']
>>> out = call_tool(ctx, "propagate", '{"satellites": ["ISS"], "duration_h": 0.5, "step_s": 600}')
>>> out.ok, out.summary
(True, 'propagated 1 satellite x 4 samples from 2026-06-10T12:00:00Z every 600 s')
>>> bad = call_tool(ctx, "propagate", {"satellites": "all", "duration_h": 500})
>>> bad.as_dict()["error"]["code"], bad.error.message
('invalid_arguments', 'invalid arguments for propagate: duration_h: Input should be less than \
or equal to 168 (allowed: 0 < duration_h <= 168; got 500). Fix them and call propagate again.')
>>> call_tool(ctx, "propagate", {"satellites": ["Hubble"]}).error.code
'unknown_satellite'
"""

from __future__ import annotations

import json
import os
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from types import MappingProxyType
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError

from cosmo_agent.tools.context import (
    ERROR_TEMPLATES,
    ResultStore,
    ToolContext,
    ToolError,
    ToolErrorCode,
    ToolErrorInfo,
    ToolResult,
    ToolSpec,
    merge_catalogs,
)
from cosmo_agent.tools.events import EVENT_MATCH_S as EVENT_MATCH_S  # the agent's import
from cosmo_agent.tools.mission import Mission, load_mission
from cosmo_agent.tools.quantities import QuantityKind, find_quantities, find_times
from cosmo_agent.tools.schemas import NAMES_KEY as NAMES_KEY  # its import before the split
from cosmo_agent.tools.toolkit import TOOLKIT
from cosmo_agent.tools.toolkit.arguments import quantity_arguments

__all__ = [
    "ERROR_TEMPLATES",
    "ResultStore",
    "ToolContext",
    "ToolError",
    "ToolErrorCode",
    "ToolErrorInfo",
    "ToolOutcome",
    "ToolSpec",
    "call_tool",
    "merge_catalogs",
    "mission_passes",
    "mission_schedule",
    "openai_tools",
    "resolve_arguments",
    "spelled_values",
    "tool_specs",
]


@dataclass(frozen=True)
class ToolOutcome:
    """What one call produced: ``result`` or ``error``, a one-line summary and the duration.

    :meth:`as_dict` is the contract's JSON object and :meth:`to_json` the string that goes
    into the tool message.
    """

    name: str
    arguments: Mapping[str, Any]
    result: ToolResult | None
    error: ToolErrorInfo | None
    summary: str
    duration_s: float
    resolved: Mapping[str, Any] | None = None
    """The arguments as the tool executed them: defaults filled in, values in the tool's units
    ("3 days" → 72.0), times in UTC, satellites and stations by canonical name; None when the
    arguments were not valid. ``arguments`` is what the caller wrote."""

    @property
    def ok(self) -> bool:
        """True when the tool returned a result."""
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        """``{"ok": true, "result": {...}}`` or ``{"ok": false, "error": {...}}``."""
        if self.error is not None:
            return {"ok": False, "error": self.error.model_dump(mode="json")}
        assert self.result is not None
        return {"ok": True, "result": self.result.model_dump(mode="json")}

    def to_json(self) -> str:
        """:meth:`as_dict` as compact JSON (UTF-8 text kept, for Korean names)."""
        return json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":"))


@cache
def _specs() -> Mapping[str, ToolSpec]:
    return MappingProxyType({spec.name: spec for spec in TOOLKIT})


def tool_specs() -> Mapping[str, ToolSpec]:
    """Every tool by name, in the contract's order."""
    return _specs()


_CONTEXTUAL: frozenset[QuantityKind] = frozenset({"step_s", "radius_m", "probability"})


@cache
def _argument_kinds() -> Mapping[str, QuantityKind | Literal["time"]]:
    """Every quantity and time argument of the contract by name (one kind per name),
    including the fields of a list argument's items (a command's ``time``)."""
    kinds: dict[str, QuantityKind | Literal["time"]] = {}
    for spec in tool_specs().values():
        models: list[type[BaseModel]] = [spec.args]
        for field in spec.args.model_fields.values():
            (item, *_) = get_args(field.annotation) or (None,)
            if get_origin(field.annotation) is list and isinstance(item, type) and issubclass(
                item, BaseModel
            ):
                models.append(item)
        for model in models:
            for name, kind in quantity_arguments(model).items():
                if kinds.setdefault(name, kind) != kind:
                    raise AssertionError(f"argument {name} is a {kinds[name]} and a {kind}")
    return MappingProxyType(kinds)


def spelled_values(request: str, now: datetime | None = None) -> dict[str, list[float | str]]:
    """What ``request`` writes for the tools' quantity and time arguments, by argument name,
    in the order written (the one parser, :mod:`~cosmo_agent.tools.quantities`); the fields
    of a list argument's items count as arguments (a command's ``time``).

    - A quantity argument gets the values of its kind, in its unit; absent when none is
      written (the tool's default, or the mission's policy, is then the model's to keep).
    - A time argument gets ``[]`` when the request writes no time at all (nothing to quote:
      the tool starts at the planning clock), the instants as ISO 8601 UTC when every time
      phrase resolves against ``now``, and is absent otherwise.

    >>> spelled_values("screen K3 within 2 km over the next 3 days")
    {'start': [], 'duration_h': [72.0], 'threshold_km': [2.0], 'target_miss_km': [2.0], \
'burn_epoch': [], 'time': []}
    """
    by_kind: dict[QuantityKind, list[float]] = {}
    kinds = _argument_kinds()
    moments = find_times(request, now)
    rest = request  # a time phrase is not also a duration ("in 2 hours")
    for m in moments:
        rest = rest[: m.start] + " " * (m.end - m.start) + rest[m.end :]
    # the kinds read in context first ("every 10 minutes" is a step, "HBR 20 m" a radius),
    # and their text is not read again as a plain duration or distance
    for kind in sorted({k for k in kinds.values() if k != "time"},
                       key=lambda k: k not in _CONTEXTUAL):  # fmt: skip
        quantities = find_quantities(kind, rest)
        by_kind[kind] = list(dict.fromkeys(q.value for q in quantities))
        if kind in _CONTEXTUAL:
            for q in quantities:
                rest = rest[: q.start] + " " * (q.end - q.start) + rest[q.end :]
    times: list[float | str] | None = [] if not moments else None
    if moments and all(m.when is not None for m in moments):
        times = list(dict.fromkeys(
            m.when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for m in moments if m.when
        ))  # fmt: skip
    found: dict[str, list[float | str]] = {}
    for name, written in kinds.items():
        if written == "time":
            if times is not None:
                found[name] = list(times)
        elif by_kind[written]:
            found[name] = list(by_kind[written])
    return found


def call_tool(
    ctx: ToolContext, name: str, arguments: Mapping[str, Any] | str | None = None
) -> ToolOutcome:
    """Validate ``arguments`` (a dict or a JSON string) and run tool ``name``; never raises.

    Mistakes come back as an outcome with ``error`` set (see :data:`ToolErrorCode`).
    """
    t0 = time.perf_counter()
    raw: Any = {} if arguments is None else arguments
    try:
        specs = tool_specs()
        spec = specs.get(name)
        if spec is None:
            raise ToolError.make("unknown_tool", name=name, choices=", ".join(specs))
        if isinstance(raw, str):
            raw = _parse_json(spec, raw)
        if not isinstance(raw, Mapping):
            raise ToolError.make(
                "invalid_json",
                name=name,
                problem=f"got a JSON {type(raw).__name__}",
                example=_example(spec),
            )
        raw = dict(raw)
        args = _validated(ctx, spec, raw)
        resolved = _canonical(ctx, args.model_dump(mode="json"))
        result = spec.fn(ctx, args)
    except ToolError as err:
        return _failure(name, raw, err.code, err.message, t0)
    except Exception as exc:  # a bug: report it as data, keep the agent running
        where = traceback.extract_tb(exc.__traceback__)[-1]
        at = f"{os.path.basename(where.filename)}:{where.lineno}"
        problem = f"{type(exc).__name__}: {exc} at {at}"
        message = ERROR_TEMPLATES["internal_error"].format(name=name, problem=problem)
        return _failure(name, raw, "internal_error", message, t0)
    return ToolOutcome(
        name=name,
        arguments=raw,
        result=result,
        error=None,
        summary=result.summary(),
        duration_s=time.perf_counter() - t0,
        resolved=resolved,
    )


def _validated(ctx: ToolContext, spec: ToolSpec, raw: Mapping[str, Any]) -> BaseModel:
    try:
        return spec.args.model_validate(raw, context={"now": ctx.now})
    except ValidationError as err:
        problems = "; ".join(_describe(e, spec) for e in err.errors())
        raise ToolError.make("invalid_arguments", name=spec.name, problems=problems) from None


def resolve_arguments(ctx: ToolContext, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The call as tool ``name`` would execute it, without running it: defaults filled in,
    values with units in the tool's units, times in UTC, satellites by name and stations by
    id as the mission spells them. Raises :class:`ToolError` as :func:`call_tool` reports it
    (``unknown_tool``, ``invalid_arguments``, ``unknown_satellite``, ``ambiguous_name``, ...).

    >>> mission = load_mission("bundled:demo-ko.yaml")
    >>> ctx = ToolContext.from_mission(mission)
    >>> resolve_arguments(ctx, "screen_conjunctions", {"satellites": ["아리랑 3호"],
    ...                                                "duration_h": "이틀"})
    {'satellites': ['KOMPSAT 3'], 'duration_h': 48.0, 'threshold_km': None}
    """
    spec = tool_specs().get(name)
    if spec is None:
        raise ToolError.make("unknown_tool", name=name, choices=", ".join(tool_specs()))
    args = _validated(ctx, spec, arguments).model_dump(mode="json")
    return _canonical(ctx, args, strict=True)  # an unknown or ambiguous name raises


def _canonical(ctx: ToolContext, args: dict[str, Any], *, strict: bool = False) -> dict[str, Any]:
    """``args`` with satellites by name and stations by id, as the mission spells them. A name
    the mission does not know is kept as written (the tool reports it), or with ``strict``
    raises :class:`ToolError`."""

    def sats(keys: Sequence[str] | str) -> list[str]:
        return [s.name for s in ctx.satellites(keys)]

    def stations(keys: Sequence[str] | str) -> list[str]:
        return [st.id for st in ctx.stations(keys)]

    def names(keys: Any, lookup: Callable[[Any], list[str]]) -> Any:
        if keys == "all" or not isinstance(keys, list | str):
            return keys
        try:
            found = lookup(keys)
        except ToolError:
            if strict:
                raise
            return keys
        return found if isinstance(keys, list) else found[0]

    out = dict(args)
    if "satellites" in out:
        out["satellites"] = names(out["satellites"], sats)
    if "stations" in out:
        out["stations"] = names(out["stations"], stations)
    if isinstance(out.get("commands"), list):
        out["commands"] = [
            {**c, "satellite": names(c["satellite"], sats)}
            if isinstance(c, dict) and "satellite" in c
            else c
            for c in out["commands"]
        ]
    return out


def _failure(name: str, raw: Any, code: ToolErrorCode, message: str, t0: float) -> ToolOutcome:
    arguments = dict(raw) if isinstance(raw, Mapping) else {"_raw": raw}
    first = message if len(message) <= 160 else message[:157] + "..."
    return ToolOutcome(
        name=name,
        arguments=arguments,
        result=None,
        error=ToolErrorInfo(code=code, message=message),
        summary=f"{name} failed ({code}): {first}",
        duration_s=time.perf_counter() - t0,
    )


def _parse_json(spec: ToolSpec, text: str) -> Any:
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolError.make(
            "invalid_json",
            name=spec.name,
            problem=f"{exc.msg} at character {exc.pos}",
            example=_example(spec),
        ) from None


def _example(spec: ToolSpec) -> str:
    schema = spec.parameters()
    required = schema.get("required", [])
    example = {k: _example_value(schema["properties"][k]) for k in required}
    return json.dumps(example, ensure_ascii=False)


def _example_value(node: Mapping[str, Any]) -> Any:
    if "anyOf" in node:
        return _example_value(node["anyOf"][-1])
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "array":
        return [_example_value(node.get("items", {}))]
    if kind == "object":
        props = node.get("properties", {})
        return {k: _example_value(props[k]) for k in node.get("required", [])}
    if kind in ("number", "integer"):
        return node.get("default", node.get("maximum", 1))
    return "..."


def _describe(error: Mapping[str, Any], spec: ToolSpec) -> str:
    """``field: message (allowed: range; got value)`` for one pydantic error."""
    loc = tuple(
        p for p in error["loc"] if not (isinstance(p, str) and ("[" in p or p in _BRANCHES))
    )
    where = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    where = where or "(arguments)"
    msg = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        known = ", ".join(_node_at(spec.parameters(), loc[:-1]).get("properties", {}))
        return f"{where}: unknown field; the fields are {known}"
    if error["type"] == "missing":
        return f"{where}: required field missing"
    node = _node_at(spec.parameters(), loc)
    allowed = _range_text(node, str(loc[-1]) if loc else "value")
    got = error.get("input")
    extra = []
    if allowed:
        extra.append(f"allowed: {allowed}")
    if isinstance(got, int | float | str) and not isinstance(got, bool) and len(str(got)) < 60:
        extra.append(f"got {got!r}" if isinstance(got, str) else f"got {got}")
    if error["type"] in ("timezone_aware", "datetime_from_date_parsing", "datetime_parsing"):
        extra.append("write UTC times like 2026-06-10T12:00:00Z")
    return f"{where}: {msg}" + (f" ({'; '.join(extra)})" if extra else "")


_BRANCHES = {"str", "int", "float", "bool", "list", "function-before", "function-after"}


def _node_at(schema: Mapping[str, Any], loc: Sequence[int | str]) -> Mapping[str, Any]:
    node: Mapping[str, Any] = schema
    for part in loc:
        if "anyOf" in node:
            node = next((b for b in node["anyOf"] if b.get("type") in ("array", "object")), node)
        if isinstance(part, int):
            node = node.get("items", {})
        elif "properties" in node and part in node["properties"]:
            node = node["properties"][part]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return {}
    return node


def _range_text(node: Mapping[str, Any], name: str) -> str:
    if "anyOf" in node:
        texts = [_range_text(b, name) for b in node["anyOf"]]
        return " or ".join(t for t in texts if t)
    if "const" in node:
        return json.dumps(node["const"], ensure_ascii=False)
    if "enum" in node:
        values = [json.dumps(v, ensure_ascii=False) for v in node["enum"]]
        shown = ", ".join(values[:12]) + (", ..." if len(values) > 12 else "")
        return f"one of {shown}"
    lo = (
        f"{_num(node['exclusiveMinimum'])} < "
        if "exclusiveMinimum" in node
        else f"{_num(node['minimum'])} <= "
        if "minimum" in node
        else ""
    )
    hi = (
        f" < {_num(node['exclusiveMaximum'])}"
        if "exclusiveMaximum" in node
        else f" <= {_num(node['maximum'])}"
        if "maximum" in node
        else ""
    )
    if lo or hi:
        return f"{lo}{name}{hi}"
    if node.get("type") == "array":
        inner = _range_text(node.get("items", {}), "item")
        return f"a list of {inner}" if inner else "a list"
    if node.get("format") == "date-time":
        return "an ISO 8601 UTC time"
    return ""


def _num(value: float) -> str:
    return f"{value:g}"


def openai_tools(mission: Mission | None = None) -> list[dict[str, Any]]:
    """Every tool in OpenAI format; with ``mission``, name fields list the mission's names.

    >>> tools = openai_tools()
    >>> len(tools), tools[0]["type"], sorted(tools[1]["function"]["parameters"]["properties"])
    (9, 'function', ['duration_h', 'satellites', 'start', 'step_s'])
    """
    return [spec.openai(mission) for spec in tool_specs().values()]


# -- thin library calls for the CLI --------------------------------------------------------------


def _context(mission: Mission | str | os.PathLike[str], now: datetime | None) -> ToolContext:
    m = mission if isinstance(mission, Mission) else load_mission(mission)
    return ToolContext.from_mission(m, now=now)


def mission_passes(
    mission: Mission | str | os.PathLike[str],
    *,
    satellites: Sequence[str] | str = "all",
    stations: Sequence[str] | str = "all",
    duration_h: float | None = None,
    now: datetime | None = None,
) -> ToolOutcome:
    """``cosmo-agent passes``: the find_passes tool over the mission (``MissionError`` if the
    file is bad). ``duration_h`` defaults to the mission horizon; print ``outcome.as_dict()``."""
    ctx = _context(mission, now)
    hours = duration_h if duration_h is not None else ctx.mission.horizon.duration_h
    args = {"satellites": _selection(satellites), "stations": _selection(stations),
            "duration_h": hours}  # fmt: skip
    return call_tool(ctx, "find_passes", args)


def mission_schedule(
    mission: Mission | str | os.PathLike[str],
    *,
    satellites: Sequence[str] | str = "all",
    stations: Sequence[str] | str = "all",
    duration_h: float | None = None,
    objective: Literal["max_volume", "max_priority"] = "max_volume",
    now: datetime | None = None,
) -> ToolOutcome:
    """``cosmo-agent schedule``: the schedule_contacts tool over the mission's horizon."""
    ctx = _context(mission, now)
    hours = duration_h if duration_h is not None else ctx.mission.horizon.duration_h
    args = {"satellites": _selection(satellites), "stations": _selection(stations),
            "duration_h": hours, "objective": objective}  # fmt: skip
    return call_tool(ctx, "schedule_contacts", args)


def _selection(keys: Sequence[str] | str) -> list[str] | str:
    return keys if isinstance(keys, str) else list(keys)
