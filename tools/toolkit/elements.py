"""The element sets a tool may plan with: the selected satellites' that are fresh enough.

A satellite without an element set, or whose elements are too far from their epoch over the
window (the mission's ``stale_refuse_days``), is left out with its reason; a fleet satellite
with an ephemeris (``fleet[].ephemeris``) is flown by its OEM where it covers the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import numpy as np

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.tools import ephemerides
from cosmo_agent.tools.context import ToolContext, ToolError
from cosmo_agent.tools.mission import Satellite
from cosmo_agent.tools.toolkit.outputs import ExcludedSatellite, object_ref

__all__ = ["UsableElements", "planning_catalog"]


class UsableElements(NamedTuple):
    """The part of a selection a tool can compute: element sets, satellites, notes."""

    catalog: Catalog
    satellites: list[Satellite]
    warnings: list[str]
    excluded: list[ExcludedSatellite]


def planning_catalog(
    ctx: ToolContext, sats: Sequence[Satellite], start: datetime, stop: datetime
) -> UsableElements:
    """The selected satellites' element sets; a satellite with none, or with elements too
    old over the window, is left out (``excluded``, with the reason) and the others are kept.
    Only when no satellite is left is it the tool's error (``not_in_catalog`` or
    ``stale_data``). Warnings for aging elements.

    The age is judged over the whole window: its largest absolute value is at an end.
    """
    catalog = ctx.catalog
    known = set(catalog.ids.tolist())
    missing = [s for s in sats if s.norad_id not in known]
    present = [s for s in sats if s.norad_id in known]
    policy = ctx.staleness_policy
    excluded = [
        ExcludedSatellite(
            satellite=object_ref(ctx, s.norad_id),
            reason="not_in_catalog",
            message=f"no element set for {s.name} ({s.norad_id}) in {catalog.source}",
        )
        for s in missing
    ]
    age = np.zeros(0)
    oems = ephemerides.fleet_ephemerides(ctx.mission, present)  # these ages do not matter
    if present:
        full = catalog.select([s.norad_id for s in present])
        age = np.maximum(np.abs(full.age_days(start)), np.abs(full.age_days(stop)))
        age[[k for k, s in enumerate(present) if s.norad_id in oems]] = 0.0
    refused = [
        (s, float(a)) for s, a in zip(present, age, strict=True) if a > policy.refuse_after_days
    ]
    _, uncovered = ephemerides.apply_ephemerides(catalog, oems, start, stop)
    excluded += [
        ExcludedSatellite(satellite=object_ref(ctx, s.norad_id), reason="stale_data",
                          message=f"{s.name} ({s.norad_id}): {uncovered[s.norad_id]}")
        for s in present if s.norad_id in uncovered
    ]  # fmt: skip
    excluded += [
        ExcludedSatellite(
            satellite=object_ref(ctx, s.norad_id),
            reason="stale_data",
            message=f"elements of {s.name} ({s.norad_id}) are {a:.1f} days from their epoch in"
            f" this window (limit {policy.refuse_after_days:g} days)",
        )
        for s, a in refused
    ]
    gone = {s.norad_id for s, _ in refused} | set(uncovered)
    kept = [s for s in present if s.norad_id not in gone]
    if not kept and uncovered:
        raise ToolError.make(
            "data_unavailable",
            what="the fleet's ephemeris files (fleet[].ephemeris)",
            problem="; ".join(uncovered.values()),
            fix="Give an OEM covering the window, or a shorter window.",
        )
    if not kept:
        if refused:
            raise ToolError.make(
                "stale_data",
                limit_days=policy.refuse_after_days,
                details="; ".join(f"{s.name} ({s.norad_id}) {a:.1f} days" for s, a in refused),
            )
        raise ToolError.make(
            "not_in_catalog",
            satellites=", ".join(f"{s.name} ({s.norad_id})" for s in missing),
            source=catalog.source,
        )
    sub, _ = ephemerides.apply_ephemerides(
        catalog.select([s.norad_id for s in kept]), oems, start, stop
    )
    warnings = [
        f"elements of {s.name} ({s.norad_id}) are up to {a:.1f} days from their epoch in this"
        f" window (warn after {policy.warn_after_days:g} days): results degrade with age"
        for s, a in zip(present, age, strict=True)
        if policy.warn_after_days < a <= policy.refuse_after_days
    ]
    warnings += [f"{e.satellite.name} ({e.satellite.norad_id}) left out: {e.message}"
                 for e in excluded]  # fmt: skip
    return UsableElements(sub, kept, warnings, excluded)
