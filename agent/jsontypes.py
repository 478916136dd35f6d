"""JSON-shaped data as types: the values ``json.loads`` returns and ``json.dumps`` accepts."""

from __future__ import annotations

from typing import TypeAlias

__all__ = ["JsonObject", "JsonScalar", "JsonValue"]

JsonScalar: TypeAlias = str | int | float | bool | None
"""A JSON leaf: string, number, boolean or null."""

JsonValue: TypeAlias = JsonScalar | list["JsonValue"] | dict[str, "JsonValue"]
"""Any JSON document or part of one."""

JsonObject: TypeAlias = dict[str, JsonValue]
"""A JSON object (the shape of most documents the CLI and daemon write)."""
