"""What the tools' results share: catalog objects, satellites left out, numbers and times.

Times are UTC (``..._utc``, ISO 8601 with ``Z`` in JSON), units are in the field names, and
numbers are rounded to what the models behind them can support.

>>> from datetime import UTC, datetime
>>> iso_utc(datetime(2026, 6, 10, 12, tzinfo=UTC)), rounded(float("nan"), 3), vec3([1, 2.25, 3], 1)
('2026-06-10T12:00:00Z', None, (1.0, 2.2, 3.0))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, SupportsFloat

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.timescales import iso_utc as iso_utc  # the one time writer
from cosmo_agent.tools.context import ToolContext

__all__ = [
    "ExcludedSatellite",
    "ObjectRef",
    "ResultPart",
    "iso_utc",
    "left_out",
    "object_ref",
    "rounded",
    "vec3",
]


class ResultPart(BaseModel):
    """Base of the frozen models nested in tool results."""

    model_config = ConfigDict(frozen=True)


class ObjectRef(ResultPart):
    """A catalog object: NORAD id, name, and whether it belongs to the mission fleet."""

    norad_id: int
    name: str
    in_fleet: bool


class ExcludedSatellite(ResultPart):
    """A selected fleet satellite a tool left out, and why; the others were computed.

    ``reason``: ``not_in_catalog`` (no element set), ``stale_data`` (elements too far from
    their epoch in the window, beyond ``policies.stale_refuse_days``) or ``sgp4_failed``.
    """

    satellite: ObjectRef
    reason: Literal["not_in_catalog", "stale_data", "sgp4_failed"]
    message: str



def vec3(x: ArrayLike, digits: int) -> tuple[float, float, float]:
    """A 3-vector as a tuple of floats rounded to ``digits`` decimals."""
    a, b, c = (round(float(v), digits) for v in np.asarray(x, dtype=float))
    return a, b, c


def rounded(x: SupportsFloat, digits: int) -> float | None:
    """``x`` rounded to ``digits`` decimals, or None where it is not finite."""
    value = float(x)
    return None if not math.isfinite(value) else round(value, digits)


def object_ref(ctx: ToolContext, norad_id: int, catalog: Catalog | None = None) -> ObjectRef:
    """Object ``norad_id`` by its fleet name, else its name in ``catalog``, else the id."""
    for sat in ctx.mission.fleet:
        if sat.norad_id == norad_id:
            return ObjectRef(norad_id=norad_id, name=sat.name, in_fleet=True)
    name = str(norad_id)
    if catalog is not None:
        rows = np.flatnonzero(catalog.ids == norad_id)
        if rows.size:
            name = str(catalog.names[rows[0]]) or name
    return ObjectRef(norad_id=norad_id, name=name, in_fleet=False)


def left_out(excluded: Sequence[ExcludedSatellite]) -> str:
    """``; N left out (names)`` for a summary, or nothing."""
    if not excluded:
        return ""
    names = ", ".join(dict.fromkeys(e.satellite.name for e in excluded))
    return f"; {len(excluded)} satellite(s) left out ({names})"
