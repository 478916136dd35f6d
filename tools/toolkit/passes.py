"""The ``find_passes`` tool: passes of fleet satellites over the mission's ground stations,
and the pass search ``schedule_contacts`` plans its contacts from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from pydantic import Field

from cosmo_agent.orbital.passes import GroundStations, HorizonMask
from cosmo_agent.orbital.passes import find_passes as find_station_passes
from cosmo_agent.tools.context import ToolArgs, ToolContext, ToolResult
from cosmo_agent.tools.mission import GroundStation, Satellite
from cosmo_agent.tools.toolkit.arguments import (
    ElevationDeg,
    Hours,
    SatelliteSelection,
    StationSelection,
)
from cosmo_agent.tools.toolkit.elements import planning_catalog
from cosmo_agent.tools.toolkit.outputs import (
    ExcludedSatellite,
    ObjectRef,
    ResultPart,
    iso_utc,
    left_out,
    object_ref,
)

__all__ = [
    "FindPassesArgs",
    "PassInfo",
    "PassSearch",
    "PassesResult",
    "find_passes",
    "pass_search",
]


class FindPassesArgs(ToolArgs):
    """Passes of fleet satellites over mission ground stations."""

    satellites: SatelliteSelection
    stations: StationSelection
    duration_h: Hours = 24.0
    min_elevation_deg: ElevationDeg | None = Field(
        default=None,
        description="Elevation threshold in degrees (default: each station's own minimum).",
    )


class PassInfo(ResultPart):
    """One pass: AOS, culmination (TCA) and LOS at one station."""

    satellite: ObjectRef
    station_id: str
    aos_utc: datetime
    tca_utc: datetime
    los_utc: datetime
    duration_s: float
    max_elevation_deg: float
    aos_azimuth_deg: float
    los_azimuth_deg: float
    starts_in_progress: bool
    ends_in_progress: bool


class PassesResult(ToolResult):
    """Every pass in the window, sorted by AOS."""

    start_utc: datetime
    stop_utc: datetime
    stations: list[str]
    passes: list[PassInfo]
    warnings: list[str]
    excluded: list[ExcludedSatellite] = Field(default_factory=list)

    def summary(self) -> str:
        sats = len({p.satellite.norad_id for p in self.passes})
        hours = (self.stop_utc - self.start_utc).total_seconds() / 3600.0
        return (
            f"{len(self.passes)} passes of {sats} satellites over {len(self.stations)} stations"
            f" in {hours:g} h from {iso_utc(self.start_utc)}" + left_out(self.excluded)
        )


def _ms(t: datetime) -> datetime:
    """``t`` rounded to the millisecond (the pass predictor's accuracy)."""
    t = t + timedelta(microseconds=500)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


class PassSearch(NamedTuple):
    """The passes found, notes, the satellites left out and the satellites searched."""

    passes: list[PassInfo]
    warnings: list[str]
    excluded: list[ExcludedSatellite]
    satellites: list[Satellite]


def pass_search(
    ctx: ToolContext,
    sats: Sequence[Satellite],
    stations: Sequence[GroundStation],
    start: datetime,
    stop: datetime,
    min_elevation_deg: float | None,
) -> PassSearch:
    """The passes of ``sats`` over ``stations`` from ``start`` to ``stop``, with the
    satellites left out (no usable elements, SGP4 failed) and why."""
    usable = planning_catalog(ctx, sats, start, stop)
    sub, warnings, excluded = usable.catalog, usable.warnings, usable.excluded
    if not stations:
        return PassSearch(
            [], [*warnings, "the mission has no ground stations"], excluded, usable.satellites
        )
    lowest = [st.min_elevation_deg if min_elevation_deg is None else min_elevation_deg
              for st in stations]  # fmt: skip
    masks = [
        HorizonMask([az for az, _ in st.horizon_mask], [el for _, el in st.horizon_mask])
        if st.horizon_mask
        else None
        for st in stations
    ]
    ground = GroundStations.from_tuples(
        [(st.lat_deg, st.lon_deg, st.alt_m / 1000.0, min(el, 89.9))
         for st, el in zip(stations, lowest, strict=True)],
        horizon_masks=masks,
        names=[st.id for st in stations],
    )  # fmt: skip
    found = find_station_passes(sub, ground, start, stop)
    aos, tca, los = found.datetimes("aos"), found.datetimes("tca"), found.datetimes("los")
    refs = {s.norad_id: object_ref(ctx, s.norad_id) for s in sats}
    out = [
        PassInfo(
            satellite=refs[int(found.satellite_id[i])],
            station_id=stations[int(found.station[i])].id,
            aos_utc=_ms(aos[i]),
            tca_utc=_ms(tca[i]),
            los_utc=_ms(los[i]),
            duration_s=round(float(found.duration_s[i]), 1),
            max_elevation_deg=round(float(found.max_elevation_deg[i]), 2),
            aos_azimuth_deg=round(float(found.aos_azimuth_deg[i]), 1),
            los_azimuth_deg=round(float(found.los_azimuth_deg[i]), 1),
            starts_in_progress=bool(found.starts_in_progress[i]),
            ends_in_progress=bool(found.ends_in_progress[i]),
        )
        for i in range(len(found))
    ]
    for norad_id, message in found.messages().items():
        warnings.append(f"{refs[norad_id].name} ({norad_id}) left out: SGP4 failed ({message})")
        excluded.append(
            ExcludedSatellite(
                satellite=refs[norad_id],
                reason="sgp4_failed",
                message=f"SGP4 failed for {refs[norad_id].name} ({norad_id}): {message}",
            )
        )
    return PassSearch(out, warnings, excluded, usable.satellites)


def find_passes(ctx: ToolContext, args: FindPassesArgs) -> PassesResult:
    """AOS / culmination / LOS of every pass (horizon masks applied), kept for scheduling."""
    sats = ctx.satellites(args.satellites)
    stations = ctx.stations(args.stations)
    start = ctx.now
    stop = start + timedelta(hours=args.duration_h)
    found = pass_search(ctx, sats, stations, start, stop, args.min_elevation_deg)
    ctx.store.passes = found.passes
    return PassesResult(
        start_utc=start,
        stop_utc=stop,
        stations=[st.id for st in stations],
        passes=found.passes,
        warnings=found.warnings,
        excluded=found.excluded,
    )
