"""The fleet tools: ``fleet_status`` (element ages, staleness, positions now) and
``propagate`` (ground tracks)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

import numpy as np
from pydantic import Field

from cosmo_agent.orbital.frames import itrs_to_geodetic, teme_to_itrs
from cosmo_agent.orbital.propagation import propagate as propagate_catalog
from cosmo_agent.orbital.timescales import utc_times
from cosmo_agent.tools.context import ToolArgs, ToolContext, ToolResult
from cosmo_agent.tools.mission import Satellite
from cosmo_agent.tools.toolkit.arguments import Hours, SatelliteSelection, StepSeconds, When
from cosmo_agent.tools.toolkit.elements import planning_catalog
from cosmo_agent.tools.toolkit.outputs import (
    ExcludedSatellite,
    ResultPart,
    iso_utc,
    left_out,
    rounded,
)

__all__ = [
    "MAX_TRACK_SAMPLES",
    "MAX_TRACK_SAMPLES_PER_SATELLITE",
    "FleetStatusArgs",
    "FleetStatusResult",
    "PropagateArgs",
    "PropagateResult",
    "SatelliteStatus",
    "Track",
    "fleet_status",
    "propagate",
]

MAX_TRACK_SAMPLES_PER_SATELLITE: Final = 1441
"""propagate returns at most this many samples per satellite (24 h at 60 s)."""
MAX_TRACK_SAMPLES: Final = 10_000
"""... and at most this many in all; beyond either, ``step_s`` is raised (and said so)."""


# == fleet_status ===============================================================================


class FleetStatusArgs(ToolArgs):
    """No arguments: the whole fleet at the planning clock."""


class SatelliteStatus(ResultPart):
    """One fleet satellite at the planning clock (None where unknown)."""

    norad_id: int
    name: str
    in_catalog: bool
    element_epoch_utc: datetime | None
    age_days: float | None
    staleness: Literal["fresh", "warn", "refuse", "missing"]
    lat_deg: float | None
    lon_deg: float | None
    altitude_km: float | None
    perigee_km: float | None
    apogee_km: float | None
    inclination_deg: float | None
    sgp4_error: str | None


class FleetStatusResult(ToolResult):
    """Element ages, staleness verdicts (mission policy) and positions of the fleet."""

    at_utc: datetime
    catalog_source: str
    catalog_objects: int
    stale_warn_days: float
    stale_refuse_days: float
    satellites: list[SatelliteStatus]

    def summary(self) -> str:
        counts = {k: 0 for k in ("fresh", "warn", "refuse", "missing")}
        for s in self.satellites:
            counts[s.staleness] += 1
        errors = sum(s.sgp4_error is not None for s in self.satellites)
        parts = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        return (
            f"fleet at {iso_utc(self.at_utc)}: {len(self.satellites)} satellites ({parts});"
            f" {errors or 'no'} SGP4 error{'s' if errors != 1 else ''}"
        )


def fleet_status(ctx: ToolContext, args: FleetStatusArgs) -> FleetStatusResult:
    """Per satellite: element epoch and age, staleness, position now, perigee/apogee."""
    catalog = ctx.catalog
    at = ctx.now
    known = set(catalog.ids.tolist())
    present = [s for s in ctx.mission.fleet if s.norad_id in known]
    rows: dict[int, SatelliteStatus] = {}
    if present:
        sub = catalog.select([s.norad_id for s in present])
        t = utc_times(at, at, 60.0)
        eph = propagate_catalog(sub, t, workers=1)
        r_itrs, _ = teme_to_itrs(eph.position_teme_km, eph.velocity_teme_km_s, t)
        lat, lon, height = itrs_to_geodetic(r_itrs[:, 0])
        age = sub.age_days(at)
        verdict = sub.staleness(at, ctx.staleness_policy)
        errors = eph.messages()
        epochs = sub.epochs
        for i, sat in enumerate(present):
            rows[sat.norad_id] = SatelliteStatus(
                norad_id=sat.norad_id,
                name=sat.name,
                in_catalog=True,
                element_epoch_utc=_utc(epochs[i]),
                age_days=rounded(age[i], 4),
                staleness=_STALENESS[str(verdict[i])],
                lat_deg=rounded(lat[i], 4),
                lon_deg=rounded(lon[i], 4),
                altitude_km=rounded(height[i], 3),
                perigee_km=rounded(sub.perigee_km[i], 1),
                apogee_km=rounded(sub.apogee_km[i], 1),
                inclination_deg=rounded(sub.inclination_deg[i], 3),
                sgp4_error=errors.get(sat.norad_id),
            )
    out = [rows.get(sat.norad_id) or _missing_status(sat) for sat in ctx.mission.fleet]
    policy = ctx.staleness_policy
    return FleetStatusResult(
        at_utc=at,
        catalog_source=catalog.source,
        catalog_objects=len(catalog),
        stale_warn_days=policy.warn_after_days,
        stale_refuse_days=policy.refuse_after_days,
        satellites=out,
    )


def _missing_status(sat: Satellite) -> SatelliteStatus:
    return SatelliteStatus(
        norad_id=sat.norad_id, name=sat.name, in_catalog=False, element_epoch_utc=None,
        age_days=None, staleness="missing", lat_deg=None, lon_deg=None, altitude_km=None,
        perigee_km=None, apogee_km=None, inclination_deg=None, sgp4_error=None,
    )  # fmt: skip


_STALENESS: Final[dict[str, Literal["fresh", "warn", "refuse"]]] = {
    "fresh": "fresh",
    "warn": "warn",
    "refuse": "refuse",
}


def _utc(t: np.datetime64) -> datetime:
    value: datetime = t.astype("datetime64[us]").astype(datetime)
    return value.replace(tzinfo=UTC)


# == propagate ==================================================================================


class PropagateArgs(ToolArgs):
    """Ground tracks of fleet satellites."""

    satellites: SatelliteSelection
    start: When | None = Field(
        default=None,
        description=(
            "ISO 8601 UTC start, e.g. 2026-06-10T12:00:00Z, or relative to the planning clock"
            ' ("in 2 hours") (default: the planning clock).'
        ),
    )
    duration_h: Hours = 24.0
    step_s: StepSeconds = Field(
        default=60.0, description='Seconds between samples, or e.g. "5 minutes".'
    )


class Track(ResultPart):
    """One satellite's geodetic track (WGS84); None where SGP4 failed."""

    norad_id: int
    name: str
    lat_deg: list[float | None]
    lon_deg: list[float | None]
    altitude_km: list[float | None]
    sgp4_error: str | None


class PropagateResult(ToolResult):
    """Geodetic tracks on a common time grid ``times_utc``."""

    start_utc: datetime
    step_s: float
    times_utc: list[datetime]
    tracks: list[Track]
    warnings: list[str]
    excluded: list[ExcludedSatellite] = Field(default_factory=list)

    def summary(self) -> str:
        n = len(self.tracks)
        return (
            f"propagated {n} satellite{'s' if n != 1 else ''} x {len(self.times_utc)} samples"
            f" from {iso_utc(self.start_utc)} every {self.step_s:g} s" + left_out(self.excluded)
        )


def propagate(ctx: ToolContext, args: PropagateArgs) -> PropagateResult:
    """SGP4 → ITRS → WGS84 latitude, longitude and altitude on a bounded time grid."""
    sats = ctx.satellites(args.satellites)
    start = args.start.astimezone(UTC) if args.start is not None else ctx.now
    span_s = args.duration_h * 3600.0
    step_s = args.step_s
    limit = max(2, min(MAX_TRACK_SAMPLES_PER_SATELLITE, MAX_TRACK_SAMPLES // len(sats)))
    warnings: list[str] = []
    if math.floor(span_s / step_s + 1e-9) + 1 > limit:
        step_s = float(math.ceil(span_s / (limit - 1)))
        warnings.append(
            f"step_s raised from {args.step_s:g} to {step_s:g} s to keep at most {limit}"
            " samples per satellite; shorten duration_h for a finer track"
        )
    stop = start + timedelta(seconds=span_s)
    usable = planning_catalog(ctx, sats, start, stop)
    sub, sats = usable.catalog, usable.satellites
    t = utc_times(start, stop, step_s)
    eph = propagate_catalog(sub, t, workers=1)
    r_itrs, _ = teme_to_itrs(eph.position_teme_km, eph.velocity_teme_km_s, t)
    lat, lon, height = itrs_to_geodetic(r_itrs)
    errors = eph.messages()
    tracks = [
        Track(
            norad_id=sat.norad_id,
            name=sat.name,
            lat_deg=[rounded(x, 6) for x in lat[i]],
            lon_deg=[rounded(x, 6) for x in lon[i]],
            altitude_km=[rounded(x, 4) for x in height[i]],
            sgp4_error=errors.get(sat.norad_id),
        )
        for i, sat in enumerate(sats)
    ]
    times = [start + timedelta(seconds=k * step_s) for k in range(eph.error.shape[1])]
    return PropagateResult(
        start_utc=start,
        step_s=step_s,
        times_utc=times,
        tracks=tracks,
        warnings=warnings + usable.warnings,
        excluded=usable.excluded,
    )
