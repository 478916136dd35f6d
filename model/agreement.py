"""Whether a teacher's answer makes the calls a request intended (the corpus's agreement check).

Satellites and stations compare as objects (a name, an alias and a NORAD id are the same one),
the contract's defaults fill missing arguments, numbers compare as floats, ISO times as instants,
and call order does not matter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from cosmo_agent.model.operator_requests import TOOL_DEFAULTS
from cosmo_agent.model.slots import iso_utc

__all__ = ["calls_agree", "first_tool_calls"]


def _resolver(world: Mapping[str, Any], key: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for obj in world.get(key, ()):
        ident = str(obj["id"])
        for name in [ident, obj.get("name", ident), *obj.get("aliases", ())]:
            table[str(name).casefold()] = ident
    return table


def _canon_refs(value: Any, table: Mapping[str, str]) -> Any:
    if value == "all" or value == ["all"]:
        return ("all", tuple(sorted(set(table.values()))))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ("?", repr(value))
    ids = sorted({table.get(str(v).casefold(), f"?{v}") for v in value})
    if ids == sorted(set(table.values())):
        return ("all", tuple(ids))
    return ("list", tuple(ids))


def _canon_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return round(float(value), 9)
    if isinstance(value, str):
        stripped = value.strip()
        try:  # ISO times compare as instants
            t = datetime.fromisoformat(stripped.replace("Z", "+00:00"))
        except ValueError:
            return stripped
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        return iso_utc(t)
    if isinstance(value, list):
        return tuple(_canon_value(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _canon_value(v)) for k, v in value.items()))
    return repr(value)


def _canon_call(call: Mapping[str, Any], world: Mapping[str, Any]) -> tuple[str, Any]:
    fn = call.get("function", call)
    name = str(fn.get("name"))
    args = fn.get("arguments") or {}
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError:
            return name, ("unparseable", args)
    if not isinstance(args, dict):
        return name, ("not-an-object", repr(args))
    full = {**TOOL_DEFAULTS.get(name, {}), **args}
    sats, stations = _resolver(world, "satellites"), _resolver(world, "stations")
    canon: dict[str, Any] = {}
    for key, value in full.items():
        if key == "satellites":
            canon[key] = _canon_refs(value, sats)
        elif key == "stations":
            canon[key] = _canon_refs(value, stations)
        elif key == "commands" and isinstance(value, list):
            cmds = []
            for cmd in value:
                if not isinstance(cmd, dict):
                    cmds.append(repr(cmd))
                    continue
                c = dict(cmd)
                if "satellite" in c:
                    c["satellite"] = sats.get(str(c["satellite"]).casefold(), c["satellite"])
                cmds.append(_canon_value(c))
            canon[key] = tuple(sorted(cmds, key=repr))
        else:
            canon[key] = _canon_value(value)
    return name, tuple(sorted(canon.items()))


def first_tool_calls(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The tool calls of the first assistant turn that makes any (``[]`` if none does)."""
    for message in messages:
        if message.get("role") == "assistant" and message.get("tool_calls"):
            return [dict(c) for c in message["tool_calls"]]
    return []


def calls_agree(
    world: Mapping[str, Any],
    intended: Sequence[Mapping[str, Any]],
    answer: Sequence[Mapping[str, Any]],
) -> bool:
    """Whether the teacher's first tool-calling turn makes exactly the intended calls.

    Names, aliases and ids of the world's satellites and stations are the same object, the
    contract's defaults fill missing arguments, numbers compare as floats, ISO times as
    instants, and call order does not matter. No intended call means no call at all.

    >>> world = {"satellites": [{"id": "25544", "name": "ISS (ZARYA)", "aliases": ["ISS"]}]}
    >>> intended = [{"name": "propagate", "arguments": {"satellites": ["ISS"], "duration_h": 48}}]
    >>> call = {"type": "function", "id": "c0", "function": {"name": "propagate",
    ...         "arguments": {"satellites": ["25544"], "duration_h": 48.0, "step_s": 60}}}
    >>> calls_agree(world, intended, [{"role": "assistant", "content": None, "tool_calls": [call]}])
    True
    """
    actual = first_tool_calls(answer)
    if not intended:
        return not actual
    want = sorted((_canon_call(c, world) for c in intended), key=repr)
    got = sorted((_canon_call(c, world) for c in actual), key=repr)
    return want == got
