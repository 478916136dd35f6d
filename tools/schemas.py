"""JSON schemas of tool arguments: compact, with the mission's names as ``enum`` lists.

A field that takes mission names carries :data:`NAMES_KEY` in its pydantic schema
(``"satellite"`` or ``"station"``); :func:`parameters_schema` inlines ``$defs``, drops titles
and the ``null`` branch of optional fields, and turns each marker into the mission's names.

>>> from pydantic import BaseModel, Field
>>> class Args(BaseModel):
...     satellite: str = Field(json_schema_extra={NAMES_KEY: "satellite"})
...     hours: float | None = None
>>> parameters_schema(Args)["properties"]
{'satellite': {'type': 'string'}, 'hours': {'type': 'number'}}
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel

from cosmo_agent.tools.mission import Mission

__all__ = ["NAMES_KEY", "parameters_schema"]

NAMES_KEY: Final = "x-cosmo-names"
"""Schema marker on fields that take mission names: ``"satellite"`` or ``"station"``."""


def parameters_schema(model: type[BaseModel], mission: Mission | None = None) -> dict[str, Any]:
    """The compact JSON Schema of ``model`` (name enums when ``mission`` is given)."""
    schema = _compact(model.model_json_schema())
    names: dict[str, list[str]] = {}
    if mission is not None:
        names["satellite"] = list(dict.fromkeys(mission.fleet_names()))
        names["station"] = list(dict.fromkeys(mission.station_names()))
    _apply_names(schema, names)
    return schema


def _compact(schema: dict[str, Any]) -> dict[str, Any]:
    """Inline ``$defs``, drop titles and the ``null`` branch of optional fields."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(x) for x in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]])
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return walk({**target, **rest})
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("title", "$defs"):
                continue
            if key == "properties":
                out[key] = {name: walk(sub) for name, sub in value.items()}
            else:
                out[key] = walk(value)
        branches = out.get("anyOf")
        if branches is not None and {"type": "null"} in branches and out.get("default") is None:
            kept = [b for b in branches if b != {"type": "null"}]
            del out["anyOf"]
            out.pop("default", None)
            out = {**kept[0], **out} if len(kept) == 1 else {"anyOf": kept, **out}
        return out

    result: dict[str, Any] = walk(schema)
    return result


def _apply_names(node: Any, names: Mapping[str, list[str]]) -> None:
    if isinstance(node, list):
        for item in node:
            _apply_names(item, names)
        return
    if not isinstance(node, dict):
        return
    kind = node.pop(NAMES_KEY, None)
    if kind is not None and names.get(kind):
        _set_enum(node, names[kind])
    for value in node.values():
        _apply_names(value, names)


def _set_enum(node: dict[str, Any], values: list[str]) -> None:
    if "anyOf" in node:
        for branch in node["anyOf"]:
            _set_enum(branch, values)
    elif node.get("type") == "array":
        _set_enum(node["items"], values)
    elif node.get("type") == "string" and "const" not in node:
        node["enum"] = values
        for key in ("minLength", "maxLength", "pattern"):
            node.pop(key, None)
