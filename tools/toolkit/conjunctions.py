"""The nine tools of the public contract: pydantic arguments in, pydantic results out.

Each tool is ``fn(ctx, args) -> Result`` over a :class:`~cosmo_agent.tools.registry.ToolContext`
and is listed in :data:`TOOLKIT`; :func:`cosmo_agent.tools.registry.call_tool` validates the
arguments, runs the tool and turns every :class:`~cosmo_agent.tools.registry.ToolError` into
data.  The tools compute nothing themselves: they resolve mission names, check element
ages against the mission policy, call the orbital core and the scheduling, space-weather
and command modules, and shape the answer for an LLM and a briefing.

Conventions: times are UTC (``..._utc``, ISO 8601 with ``Z`` in JSON), units are in the
field names, and numbers are rounded to what the models behind them can support.
A capability that is not installed makes its tool answer ``not_available``.

>>> from cosmo_agent.tools.mission import parse_mission
>>> from cosmo_agent.tools.registry import ToolContext
>>> mission = parse_mission('''
... name: doc
... fleet: [{norad_id: 25544, name: ISS (ZARYA), aliases: [ISS], class: weather}]
... sources: {catalog: ["bundled:sample-leo.3le"]}
... horizon: {epoch: 2026-06-10T12:00:00Z}
... ''')
>>> status = fleet_status(ToolContext.from_mission(mission), FleetStatusArgs())
>>> status.satellites[0].staleness, round(status.satellites[0].age_days, 2)
('fresh', 0.08)
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, NamedTuple
from warnings import catch_warnings, simplefilter

import numpy as np
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
)

from cosmo_agent.orbital.assessment import assess_encounter
from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.collision import (
    PC_STATUS,
    collision_probability,
    covariance_rtn_to_inertial,
    encounter_plane,
    max_collision_probability,
    rtn_basis,
)
from cosmo_agent.orbital.frames import itrs_to_geodetic, teme_to_itrs
from cosmo_agent.orbital.montecarlo import MonteCarloResult
from cosmo_agent.orbital.pc3d import UsageViolations
from cosmo_agent.orbital.propagation import propagate as propagate_catalog
from cosmo_agent.orbital.timescales import utc_times
from cosmo_agent.tools import ephemerides
from cosmo_agent.tools.mission import GroundStation, Satellite
from cosmo_agent.tools.quantities import QuantityError, QuantityKind, parse_quantity, parse_time
from cosmo_agent.tools.registry import (
    EVENT_MATCH_S,
    NAMES_KEY,
    ToolContext,
    ToolError,
    ToolSpec,
)
from cosmo_agent.tools.spaceweather import Alert, ScaleLetter, ScaleStatus, SwpcAlert

if TYPE_CHECKING:
    from cosmo_agent.tools.commands import CommandDefinition

__all__ = [
    "DEFAULT_SECONDARY_HARD_BODY_RADIUS_M",
    "MAX_AVOIDANCE_DV_M_S",
    "MAX_TRACK_SAMPLES",
    "MAX_TRACK_SAMPLES_PER_SATELLITE",
    "TOOLKIT",
    "AssessConjunctionArgs",
    "CommandCheck",
    "CommandRequest",
    "ConjunctionAssessment",
    "ConjunctionEvent",
    "EventSighting",
    "ExcludedSatellite",
    "FindPassesArgs",
    "FleetStatusArgs",
    "FleetStatusResult",
    "ManeuverProposal",
    "MonteCarloPc",
    "ObjectRef",
    "PassInfo",
    "PassesResult",
    "PlanAvoidanceArgs",
    "PropagateArgs",
    "PropagateResult",
    "ProposeCommandsArgs",
    "ProposeCommandsResult",
    "ScheduleContactsArgs",
    "ScheduleResult",
    "ScreenConjunctionsArgs",
    "ScreeningResult",
    "SpaceWeatherArgs",
    "SpaceWeatherResult",
    "ToolArgs",
    "ToolResult",
    "UsageViolationReport",
    "assess_conjunction",
    "downlink_rate_mbps",
    "find_passes",
    "fleet_status",
    "plan_avoidance",
    "propagate",
    "propose_commands",
    "schedule_contacts",
    "screen_conjunctions",
    "space_weather",
]

DEFAULT_SECONDARY_HARD_BODY_RADIUS_M: Final = 5.0
"""Hard-body radius assumed for a secondary that is not in the mission fleet (m).

The catalog says nothing about size; 5 m covers an intact satellite or upper stage (2-10 m)
and overstates a debris fragment, so Pc errs high.  Pass ``hard_body_radius_m`` to override
the combined radius."""

MAX_TRACK_SAMPLES_PER_SATELLITE: Final = 1441
"""propagate returns at most this many samples per satellite (24 h at 60 s)."""
MAX_TRACK_SAMPLES: Final = 10_000
"""... and at most this many in all; beyond either, ``step_s`` is raised (and said so)."""
MAX_AVOIDANCE_DV_M_S: Final = 1.0
"""The largest avoidance burn plan_avoidance searches (m/s)."""
SCHEDULE_TIME_LIMIT_S: Final = 10.0
"""Wall-time budget of the contact scheduler inside schedule_contacts (s)."""
POST_MANEUVER_SCREEN_AFTER_TCA_H: Final = 24.0
"""The post-maneuver screening runs from the burn to this long after the original TCA (h)."""
_FUTURE_DATA_TOLERANCE_S: Final = 3600.0  # space-weather data newer than the clock by more: warn

# -- shared argument types ---------------------------------------------------------------------

Name = Annotated[str, Field(min_length=1, max_length=128)]


QUANTITY_TEXT_MAX_CHARS: Final = 64
"""The longest value with units a quantity argument accepts as text ("within the next 3 days")."""


def _quantity_reader(kind: QuantityKind) -> BeforeValidator:
    """Read a text value ("3 days", "90분", "within 2 km") into the argument's unit."""

    def read(value: object) -> object:
        if isinstance(value, str):
            try:
                return parse_quantity(kind, value)
            except QuantityError as exc:
                raise ValueError(str(exc)) from None
        return value

    return BeforeValidator(read)


def _number_or_text(**bounds: float) -> WithJsonSchema:
    """The schema of a quantity argument: a number within ``bounds`` in the argument's unit,
    or the value written with its unit (read by
    :func:`~cosmo_agent.tools.quantities.parse_quantity`)."""
    keys = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}
    number: dict[str, Any] = {"type": "number", **{keys[k]: v for k, v in bounds.items()}}
    text = {"type": "string", "minLength": 1, "maxLength": QUANTITY_TEXT_MAX_CHARS}
    return WithJsonSchema({"anyOf": [number, text]})


def _read_time(value: object, info: ValidationInfo) -> object:
    """A time as ISO 8601 UTC or relative to the planning clock ("in 2 hours", "2시간 후")."""
    if not isinstance(value, str):
        return value
    now = (info.context or {}).get("now") if isinstance(info.context, dict) else None
    try:
        return parse_time(value, now)
    except QuantityError as exc:
        raise ValueError(str(exc)) from None


_TIME_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "string", "format": "date-time"},
            {"type": "string", "minLength": 1, "maxLength": QUANTITY_TEXT_MAX_CHARS},
        ]
    }
)
When = Annotated[AwareDatetime, BeforeValidator(_read_time), _TIME_SCHEMA]
"""A time: ISO 8601 UTC, or a phrase relative to the planning clock ("in 2 hours")."""
StepSeconds = Annotated[
    float, _quantity_reader("step_s"), Field(ge=1.0, le=3600.0), _number_or_text(ge=1.0, le=3600.0)
]
ElevationDeg = Annotated[
    float,
    _quantity_reader("elevation_deg"),
    Field(ge=0.0, le=90.0),
    _number_or_text(ge=0.0, le=90.0),
]
DistanceKm = Annotated[
    float,
    _quantity_reader("distance_km"),
    Field(gt=0.0, le=100.0),
    _number_or_text(gt=0.0, le=100.0),
]
RadiusM = Annotated[
    float,
    _quantity_reader("radius_m"),
    Field(gt=0.0, le=1000.0),
    _number_or_text(gt=0.0, le=1000.0),
]
Probability = Annotated[
    float, _quantity_reader("probability"), Field(gt=0.0, lt=1.0), _number_or_text(gt=0.0, lt=1.0)
]


# A repeated name means nothing (the tools resolve each satellite or station once), so the
# schema asks for distinct items; constrained decoding enforces it (model/unique_items.py).
_NameList = Annotated[
    list[Name], Field(min_length=1, max_length=100, json_schema_extra={"uniqueItems": True})
]


def _selection(value: object) -> object:
    """Accept a lone name for a one-item list, and "ALL" in any case."""
    if isinstance(value, str):
        return "all" if value.strip().casefold() == "all" else [value]
    return value


SatelliteSelection = Annotated[
    _NameList | Literal["all"],
    BeforeValidator(_selection),
    Field(
        description='Fleet satellites by name, alias or NORAD id, or "all".',
        json_schema_extra={NAMES_KEY: "satellite"},
    ),
]
StationSelection = Annotated[
    _NameList | Literal["all"],
    BeforeValidator(_selection),
    Field(
        description='Ground stations by id, name or alias, or "all".',
        json_schema_extra={NAMES_KEY: "station"},
    ),
]
Hours = Annotated[
    float,
    _quantity_reader("duration_h"),
    Field(
        gt=0.0,
        le=168.0,
        description="Hours to cover from the planning clock (default 24), or a duration such"
        ' as "3 days".',
    ),
    _number_or_text(gt=0.0, le=168.0),
]
EventId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=48,
        description="A conjunction id from screen_conjunctions: its event_id"
        ' ("CONJ-25544-48274-20260610T1510Z") or its alias ("CONJ-0001").',
    ),
]


class ToolArgs(BaseModel):
    """Base of every tool's arguments: frozen, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolResult(BaseModel):
    """Base of every tool's result; :meth:`summary` is one line for traces and briefings."""

    model_config = ConfigDict(frozen=True)

    def summary(self) -> str:
        """One line saying what the result holds."""
        return type(self).__name__


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ObjectRef(_Out):
    """A catalog object: NORAD id, name, and whether it belongs to the mission fleet."""

    norad_id: int
    name: str
    in_fleet: bool


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _ms(t: datetime) -> datetime:
    """``t`` rounded to the millisecond (the pass predictor's accuracy)."""
    t = t + timedelta(microseconds=500)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def _vec3(x: Any, digits: int) -> tuple[float, float, float]:
    a, b, c = (round(float(v), digits) for v in x)
    return a, b, c


def _num(x: Any, digits: int) -> float | None:
    value = float(x)
    return None if not math.isfinite(value) else round(value, digits)


def _capability(module: str, tool: str, capability: str) -> ModuleType:
    """Import ``module``; its absence is the tool's ``not_available`` error."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            raise ToolError.make(
                "not_available", tool=tool, capability=capability, module=module
            ) from None
        raise


def _ref(ctx: ToolContext, norad_id: int, catalog: Catalog | None = None) -> ObjectRef:
    for sat in ctx.mission.fleet:
        if sat.norad_id == norad_id:
            return ObjectRef(norad_id=norad_id, name=sat.name, in_fleet=True)
    name = str(norad_id)
    if catalog is not None:
        rows = np.flatnonzero(catalog.ids == norad_id)
        if rows.size:
            name = str(catalog.names[rows[0]]) or name
    return ObjectRef(norad_id=norad_id, name=name, in_fleet=False)


class ExcludedSatellite(_Out):
    """A selected fleet satellite a tool left out, and why; the others were computed.

    ``reason``: ``not_in_catalog`` (no element set), ``stale_data`` (elements too far from
    their epoch in the window, beyond ``policies.stale_refuse_days``) or ``sgp4_failed``.
    """

    satellite: ObjectRef
    reason: Literal["not_in_catalog", "stale_data", "sgp4_failed"]
    message: str


class _Usable(NamedTuple):
    """The part of a selection a tool can compute: element sets, satellites, notes."""

    catalog: Catalog
    satellites: list[Satellite]
    warnings: list[str]
    excluded: list[ExcludedSatellite]


def _planning_catalog(
    ctx: ToolContext, sats: Sequence[Satellite], start: datetime, stop: datetime
) -> _Usable:
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
            satellite=_ref(ctx, s.norad_id),
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
        ExcludedSatellite(satellite=_ref(ctx, s.norad_id), reason="stale_data",
                          message=f"{s.name} ({s.norad_id}): {uncovered[s.norad_id]}")
        for s in present if s.norad_id in uncovered
    ]  # fmt: skip
    excluded += [
        ExcludedSatellite(
            satellite=_ref(ctx, s.norad_id),
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
    return _Usable(sub, kept, warnings, excluded)


# == fleet_status ===============================================================================


class FleetStatusArgs(ToolArgs):
    """No arguments: the whole fleet at the planning clock."""


class SatelliteStatus(_Out):
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
            f"fleet at {_iso(self.at_utc)}: {len(self.satellites)} satellites ({parts});"
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
                age_days=_num(age[i], 4),
                staleness=_STALENESS[str(verdict[i])],
                lat_deg=_num(lat[i], 4),
                lon_deg=_num(lon[i], 4),
                altitude_km=_num(height[i], 3),
                perigee_km=_num(sub.perigee_km[i], 1),
                apogee_km=_num(sub.apogee_km[i], 1),
                inclination_deg=_num(sub.inclination_deg[i], 3),
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


class Track(_Out):
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
            f" from {_iso(self.start_utc)} every {self.step_s:g} s" + _left_out(self.excluded)
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
    usable = _planning_catalog(ctx, sats, start, stop)
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
            lat_deg=[_num(x, 6) for x in lat[i]],
            lon_deg=[_num(x, 6) for x in lon[i]],
            altitude_km=[_num(x, 4) for x in height[i]],
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


# == find_passes ================================================================================


class FindPassesArgs(ToolArgs):
    """Passes of fleet satellites over mission ground stations."""

    satellites: SatelliteSelection
    stations: StationSelection
    duration_h: Hours = 24.0
    min_elevation_deg: ElevationDeg | None = Field(
        default=None,
        description="Elevation threshold in degrees (default: each station's own minimum).",
    )


class PassInfo(_Out):
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
            f" in {hours:g} h from {_iso(self.start_utc)}" + _left_out(self.excluded)
        )


def _left_out(excluded: Sequence[ExcludedSatellite]) -> str:
    """``; N left out (names)`` for a summary, or nothing."""
    if not excluded:
        return ""
    names = ", ".join(dict.fromkeys(e.satellite.name for e in excluded))
    return f"; {len(excluded)} satellite(s) left out ({names})"


class _PassSearch(NamedTuple):
    passes: list[PassInfo]
    warnings: list[str]
    excluded: list[ExcludedSatellite]
    satellites: list[Satellite]


def _pass_search(
    ctx: ToolContext,
    sats: Sequence[Satellite],
    stations: Sequence[GroundStation],
    start: datetime,
    stop: datetime,
    min_elevation_deg: float | None,
    tool: str,
) -> _PassSearch:
    passes_mod = _capability("cosmo_agent.orbital.passes", tool, "the pass predictor")
    usable = _planning_catalog(ctx, sats, start, stop)
    sub, warnings, excluded = usable.catalog, usable.warnings, usable.excluded
    if not stations:
        return _PassSearch(
            [], [*warnings, "the mission has no ground stations"], excluded, usable.satellites
        )
    lowest = [st.min_elevation_deg if min_elevation_deg is None else min_elevation_deg
              for st in stations]  # fmt: skip
    masks = [
        passes_mod.HorizonMask([az for az, _ in st.horizon_mask], [el for _, el in st.horizon_mask])
        if st.horizon_mask
        else None
        for st in stations
    ]
    ground = passes_mod.GroundStations.from_tuples(
        [(st.lat_deg, st.lon_deg, st.alt_m / 1000.0, min(el, 89.9))
         for st, el in zip(stations, lowest, strict=True)],
        horizon_masks=masks,
        names=[st.id for st in stations],
    )  # fmt: skip
    found = passes_mod.find_passes(sub, ground, start, stop)
    aos, tca, los = found.datetimes("aos"), found.datetimes("tca"), found.datetimes("los")
    refs = {s.norad_id: _ref(ctx, s.norad_id) for s in sats}
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
    return _PassSearch(out, warnings, excluded, usable.satellites)


def find_passes(ctx: ToolContext, args: FindPassesArgs) -> PassesResult:
    """AOS / culmination / LOS of every pass (horizon masks applied), kept for scheduling."""
    sats = ctx.satellites(args.satellites)
    stations = ctx.stations(args.stations)
    start = ctx.now
    stop = start + timedelta(hours=args.duration_h)
    found = _pass_search(ctx, sats, stations, start, stop, args.min_elevation_deg, "find_passes")
    ctx.store.passes = found.passes
    return PassesResult(
        start_utc=start,
        stop_utc=stop,
        stations=[st.id for st in stations],
        passes=found.passes,
        warnings=found.warnings,
        excluded=found.excluded,
    )


# == screen_conjunctions ========================================================================


class ScreenConjunctionsArgs(ToolArgs):
    """Close approaches between fleet satellites and every catalog object."""

    satellites: SatelliteSelection
    duration_h: Hours = 24.0
    threshold_km: DistanceKm | None = Field(
        default=None,
        description="Report approaches closer than this, km (default: the mission policy, 5).",
    )


class EventSighting(_Out):
    """One update of an event in this run: by a screening (``SCR-0001``, no Pc) or by
    ``assess_conjunction`` (with its reported Pc)."""

    source: str
    tca_utc: datetime
    miss_km: float
    pc: float | None = None


class ConjunctionEvent(_Out):
    """A close approach found by a screening; ``event_id`` names it for later tools.

    ``event_id`` is canonical (pair and TCA, stable across screenings and runs, see
    :mod:`cosmo_agent.tools.events`); ``alias`` is the short run-local name, which lookups
    accept too.  ``pc_history``: the event's updates in this run, when it was seen before.
    """

    event_id: str
    alias: str | None = None
    primary: ObjectRef
    secondary: ObjectRef
    tca_utc: datetime
    miss_km: float
    relative_speed_km_s: float | None
    threshold_km: float
    pc_history: list[EventSighting] = Field(default_factory=list)


class ScreeningResult(ToolResult):
    """Every approach under the threshold in the window, sorted by TCA."""

    screening_id: str
    start_utc: datetime
    stop_utc: datetime
    threshold_km: float
    satellites: list[ObjectRef]
    catalog_objects: int
    events: list[ConjunctionEvent]
    warnings: list[str]
    excluded: list[ExcludedSatellite] = Field(default_factory=list)

    def summary(self) -> str:
        if not self.events:
            return (
                f"no approach under {self.threshold_km:g} km for {len(self.satellites)}"
                f" satellites in {self._hours():g} h" + _left_out(self.excluded)
            )
        closest = min(self.events, key=lambda e: e.miss_km)
        return (
            f"{len(self.events)} conjunctions under {self.threshold_km:g} km in"
            f" {self._hours():g} h; closest {closest.event_id} {closest.primary.name} -"
            f" {closest.secondary.name} {closest.miss_km:.3f} km at {_iso(closest.tca_utc)}"
            + _left_out(self.excluded)
        )

    def _hours(self) -> float:
        return (self.stop_utc - self.start_utc).total_seconds() / 3600.0


_Approach = tuple[int, int, datetime, float, float]
"""(primary id, secondary id, TCA, miss km, relative speed km/s) of one close approach."""


def _screen(
    catalog: Catalog,
    primaries: Catalog,
    start: datetime,
    stop: datetime,
    threshold_km: float,
    tool: str,
) -> tuple[list[_Approach], list[str]]:
    """Every approach of ``primaries`` to ``catalog`` objects, and one warning per object
    the screener left out (SGP4 failed)."""
    screening = _capability("cosmo_agent.orbital.screening", tool, "the conjunction screener")
    found = screening.screen(catalog, start, stop, threshold_km, primaries=primaries)
    columns = (
        found.primary_id,
        found.secondary_id,
        found.tca_datetimes(),
        found.miss_km,
        found.relative_speed_km_s,
    )
    rows = [
        (int(p), int(s), tca, float(miss), float(speed))
        for p, s, tca, miss, speed in zip(*columns, strict=True)
    ]
    excluded = [
        f"object {norad_id} left out of the screening: SGP4 failed ({message})"
        for norad_id, message in sorted(found.excluded.items())
    ]
    return rows, excluded


def _sighted(ctx: ToolContext, event_id: str, sighting: EventSighting) -> list[EventSighting]:
    """Record an update of ``event_id``; its history when it was seen before, else []."""
    history = ctx.store.history.setdefault(event_id, [])
    history.append(sighting)
    return list(history) if len(history) > 1 else []


def screen_conjunctions(ctx: ToolContext, args: ScreenConjunctionsArgs) -> ScreeningResult:
    """Screen the selected satellites against the whole catalog; events get stable ids."""
    sats = ctx.satellites(args.satellites)
    threshold = args.threshold_km or ctx.mission.policies.screening_threshold_km
    start = ctx.now
    stop = start + timedelta(hours=args.duration_h)
    usable = _planning_catalog(ctx, sats, start, stop)
    primaries, warnings, sats = usable.catalog, usable.warnings, usable.satellites
    # Fleet satellites with an ephemeris are met by their OEM as secondaries too; one whose
    # OEM does not cover the window is met by its element set, and the result says so.
    oems = ephemerides.fleet_ephemerides(ctx.mission, ctx.mission.fleet)
    catalog, uncovered = ephemerides.apply_ephemerides(ctx.catalog, oems, start, stop)
    warnings = [*warnings, *(
        f"{ctx.mission.satellite(str(k)).name} ({k}) is screened against by its element set:"
        f" {why}" for k, why in sorted(uncovered.items()) if k not in primaries.ids
    )]  # fmt: skip
    rows, excluded = _screen(catalog, primaries, start, stop, threshold, "screen_conjunctions")
    screening_id = ctx.store.new_id("SCR")
    events: list[ConjunctionEvent] = []
    for p, s, tca, miss, speed in sorted(rows, key=lambda r: (r[2], r[0], r[1])):
        event_id = ctx.store.event_id_for(p, s, tca)
        if any(e.event_id == event_id for e in events):
            continue  # two fleet satellites: each one's screening sees the other
        sighting = EventSighting(source=screening_id, tca_utc=tca, miss_km=round(miss, 4))
        event = ConjunctionEvent(
            event_id=event_id,
            alias=ctx.store.alias_for(event_id),
            primary=_ref(ctx, p, catalog),
            secondary=_ref(ctx, s, catalog),
            tca_utc=tca,
            miss_km=round(miss, 4),
            relative_speed_km_s=round(speed, 4),
            threshold_km=threshold,
            pc_history=_sighted(ctx, event_id, sighting),
        )
        ctx.store.events[event_id] = event
        events.append(event)
    warnings += excluded
    return ScreeningResult(
        screening_id=screening_id,
        start_utc=start,
        stop_utc=stop,
        threshold_km=threshold,
        satellites=[_ref(ctx, s.norad_id) for s in sats],
        catalog_objects=len(catalog),
        events=events,
        warnings=warnings,
        excluded=usable.excluded,
    )


# == assess_conjunction =========================================================================


class AssessConjunctionArgs(ToolArgs):
    """Collision probability of one screened conjunction."""

    event_id: EventId
    hard_body_radius_m: RadiusM | None = Field(
        default=None,
        description=(
            "Combined hard-body radius, m (default: the fleet satellite's radius from the mission"
            f" plus {DEFAULT_SECONDARY_HARD_BODY_RADIUS_M:g} m for a non-fleet secondary)."
        ),
    )


class CovarianceInfo(_Out):
    """The position covariance used for one object; ``assumed`` is always stated."""

    norad_id: int
    source: str
    assumed: bool
    regime: str
    element_age_days: float
    sigma_rtn_km: tuple[float, float, float]


class MonteCarloPc(_Out):
    """A Monte Carlo Pc (two-body, from the TCA distributions): ``hits`` of ``samples`` trials
    and the Clopper-Pearson interval [``low``, ``high``] at ``confidence``.  ``target_met``:
    the interval reached the requested relative accuracy within the sample budget."""

    pc: float
    low: float
    high: float
    confidence: float
    samples: int
    hits: int
    seed: int
    window_s: tuple[float, float]
    target_met: bool


class UsageViolationReport(_Out):
    """NASA CARA's checks of the 2-D Pc's assumptions; ``violated`` names those that fired
    (``npd``, ``extended``, ``offset``, ``inaccurate``, ``blended``).  ``extended``/``offset``
    are the encounter's duration / distance from TCA over the shorter orbital period (cutoffs
    0.02 / 0.01), ``inaccurate`` 1 − exp(−|ln(curvilinear/rectilinear 2-D)|) (cutoff 0.02)."""

    violated: list[str]
    extended: float
    offset: float
    inaccurate: float | None
    npd: tuple[bool, bool, bool]
    blended: bool
    curvilinear: bool


class ConjunctionAssessment(ToolResult):
    """Pc (Foster, Chan, 3-D, Monte Carlo), the worst case over covariance scale, the verdict.

    ``pc`` is the reported Pc and ``pc_method`` where it comes from: Foster's 2-D value
    unless ``usage_violations`` says the 2-D assumptions fail, then Hall's 3-D value
    (``pc3d``).  ``monte_carlo`` checks it when the 2-D value is not trusted.
    ``event_id`` is canonical and ``alias`` the run-local name (see :class:`ConjunctionEvent`);
    ``pc_history`` the event's updates in this run, this assessment last.
    ``miss_rtn_km`` is the secondary relative to the primary in the primary's radial /
    transverse / normal frame at TCA.  ``action``: ``plan_avoidance`` when the reported Pc
    reaches the mission's ``max_pc`` or the miss is under ``min_miss_km``; ``monitor``
    when only the worst case (``pc_max``) reaches it; ``none`` otherwise.
    """

    event_id: str
    alias: str | None = None
    primary: ObjectRef
    secondary: ObjectRef
    tca_utc: datetime
    miss_km: float
    miss_rtn_km: tuple[float, float, float]
    relative_speed_km_s: float
    hard_body_radius_m: float
    hard_body_radius_basis: str
    pc: float | None
    pc_method: Literal["foster_2d", "pc3d_hall", "monte_carlo"]
    pc_method_reason: str
    pc_foster: float | None
    pc_chan: float | None
    pc3d: float | None
    pc3d_status: str
    monte_carlo: MonteCarloPc | None
    usage_violations: UsageViolationReport
    pc_max: float | None
    pc_max_covariance_scale: float | None
    covariance_assumed: bool
    covariances: list[CovarianceInfo]
    pc_status: str
    max_pc: float
    min_miss_km: float
    action: Literal["plan_avoidance", "monitor", "none"]
    notes: list[str]
    pc_history: list[EventSighting] = Field(default_factory=list)

    def summary(self) -> str:
        pc = "n/a" if self.pc is None else f"{self.pc:.2e}"
        pmax = "n/a" if self.pc_max is None else f"{self.pc_max:.2e}"
        label = " (assumed covariance)" if self.covariance_assumed else ""
        method = "" if self.pc_method == "foster_2d" else f" [{self.pc_method}]"
        return (
            f"{self.event_id} {self.primary.name} - {self.secondary.name}: miss"
            f" {self.miss_km:.3f} km, Pc {pc}{method}{label}, max Pc {pmax}; action {self.action}"
        )


def _hbr_m(ctx: ToolContext, primary: int, secondary: int) -> tuple[float, str]:
    fleet = {s.norad_id: s for s in ctx.mission.fleet}
    parts, basis = [], []
    for role, norad_id in (("primary", primary), ("secondary", secondary)):
        sat = fleet.get(norad_id)
        if sat is not None:
            parts.append(sat.hard_body_radius_m)
            basis.append(f"{sat.name} {sat.hard_body_radius_m:g} m (mission)")
        else:
            parts.append(DEFAULT_SECONDARY_HARD_BODY_RADIUS_M)
            radius = DEFAULT_SECONDARY_HARD_BODY_RADIUS_M
            basis.append(f"{role} {radius:g} m (default, size unknown)")
    return float(sum(parts)), " + ".join(basis)


def assess_conjunction(ctx: ToolContext, args: AssessConjunctionArgs) -> ConjunctionAssessment:
    """Encounter-plane Pc at the screened TCA from SGP4 states and assumed TLE covariances."""
    covariance = _capability(
        "cosmo_agent.orbital.covariance", "assess_conjunction", "the default TLE covariance model"
    )
    event = ctx.store.event(args.event_id)
    catalog = ctx.catalog
    ids = [event.primary.norad_id, event.secondary.norad_id]
    try:
        pair = catalog.select(ids)
    except KeyError:
        raise ToolError.make(
            "not_in_catalog", satellites=", ".join(map(str, ids)), source=catalog.source
        ) from None
    tca = event.tca_utc
    fleet = [s for s in ctx.mission.fleet if s.norad_id in ids]
    pair, uncovered = ephemerides.apply_ephemerides(
        pair, ephemerides.fleet_ephemerides(ctx.mission, fleet), tca, tca
    )
    if uncovered:
        raise ToolError.make(
            "data_unavailable",
            what=f"the ephemeris at the TCA {_iso(tca)} (fleet[].ephemeris)",
            problem="; ".join(uncovered.values()),
            fix="Give an OEM covering the TCA, or remove the fleet entry's ephemeris.",
        )
    t = utc_times(tca, tca, 1.0)
    eph = propagate_catalog(pair, t, workers=1)
    r, v = eph.position_teme_km[:, 0], eph.velocity_teme_km_s[:, 0]
    cov = covariance.catalog_default_covariance(pair, tca)
    cov_inertial = covariance_rtn_to_inertial(cov.state_rtn, r, v)  # 6×6, TEME
    plane = encounter_plane(r[0], v[0], cov_inertial[0], r[1], v[1], cov_inertial[1])
    if args.hard_body_radius_m is not None:
        hbr_m, basis = args.hard_body_radius_m, "given in the call"
    else:
        hbr_m, basis = _hbr_m(ctx, *ids)
    assessed = assess_encounter(
        r[0], v[0], cov_inertial[0], r[1], v[1], cov_inertial[1], hbr_m / 1000.0
    )
    foster = assessed.pc2d
    chan = collision_probability(plane, hbr_m / 1000.0, "chan")
    worst = max_collision_probability(plane, hbr_m / 1000.0)
    rel = r[1] - r[0]
    miss_rtn = rtn_basis(r[0], v[0]) @ rel
    miss_km = float(np.linalg.norm(rel))
    policy = ctx.mission.policies
    pc_2d = _num(foster.pc, 12) if bool(foster.valid) else None
    pc = _significant(assessed.pc)
    pc_max = _num(worst.pc_max, 12) if bool(np.isfinite(worst.pc_max)) else None
    notes = [
        "covariances are the assumed TLE default (no CDM): treat Pc as indicative and"
        " compare with max Pc"
    ]
    if eph.error.any():
        notes.append(f"SGP4 failed at TCA: {eph.messages()}")
    if assessed.method != "foster_2d" or assessed.violations.any:
        notes.append(assessed.reason)
    if bool(worst.diluted):
        notes.append(
            "the covariance is larger than the worst case: better tracking could raise Pc"
            " towards max Pc (dilution region)"
        )
    if (pc is not None and pc >= policy.max_pc) or miss_km < policy.min_miss_km:
        action: Literal["plan_avoidance", "monitor", "none"] = "plan_avoidance"
    elif pc_max is not None and pc_max >= policy.max_pc:
        action = "monitor"
    else:
        action = "none"
    sighting = EventSighting(
        source="assess_conjunction", tca_utc=tca, miss_km=round(miss_km, 4), pc=pc
    )
    return ConjunctionAssessment(
        event_id=event.event_id,
        alias=event.alias,
        pc_history=list(_sighted(ctx, event.event_id, sighting)),
        primary=event.primary,
        secondary=event.secondary,
        tca_utc=tca,
        miss_km=round(miss_km, 4),
        miss_rtn_km=_vec3(miss_rtn, 4),
        relative_speed_km_s=round(float(plane.relative_speed_km_s), 4),
        hard_body_radius_m=hbr_m,
        hard_body_radius_basis=basis,
        pc=pc,
        pc_method=assessed.method,
        pc_method_reason=assessed.reason,
        pc_foster=pc_2d,
        pc_chan=_num(chan.pc, 12) if bool(chan.valid) else None,
        pc3d=_significant(assessed.pc3d.pc),
        pc3d_status=assessed.pc3d_message,
        monte_carlo=_monte_carlo_out(assessed.monte_carlo),
        usage_violations=_violations_out(assessed.violations),
        pc_max=pc_max,
        pc_max_covariance_scale=_num(worst.covariance_scale, 4),
        covariance_assumed=True,
        covariances=[
            CovarianceInfo(
                norad_id=ids[i],
                source=str(cov.source),
                assumed=True,
                regime=str(cov.regime[i]),
                element_age_days=round(float(cov.age_days[i]), 3),
                sigma_rtn_km=_vec3(cov.sigma_position_rtn_km[i], 4),
            )
            for i in range(2)
        ],
        pc_status=PC_STATUS[int(foster.status)],
        max_pc=policy.max_pc,
        min_miss_km=policy.min_miss_km,
        action=action,
        notes=notes,
    )


def _significant(x: float, digits: int = 6) -> float | None:
    """``x`` to ``digits`` significant digits (a Pc of 1e-20 stays 1e-20), or None if not finite."""
    return float(f"{x:.{digits}g}") if math.isfinite(x) else None


def _monte_carlo_out(mc: MonteCarloResult | None) -> MonteCarloPc | None:
    if mc is None or mc.samples == 0:
        return None
    return MonteCarloPc(
        pc=float(f"{mc.pc:.6g}"),
        low=float(f"{mc.low:.6g}"),
        high=float(f"{mc.high:.6g}"),
        confidence=mc.confidence,
        samples=mc.samples,
        hits=mc.hits,
        seed=mc.seed,
        window_s=(round(mc.window_s[0], 3), round(mc.window_s[1], 3)),
        target_met=mc.target_met,
    )


def _violations_out(uv: UsageViolations) -> UsageViolationReport:
    return UsageViolationReport(
        violated=list(uv.violated),
        extended=round(float(uv.extended), 6),
        offset=round(float(uv.offset), 6),
        inaccurate=_num(uv.inaccurate, 6),
        npd=uv.npd,
        blended=uv.blended,
        curvilinear=uv.curvilinear,
    )


# == plan_avoidance =============================================================================


AvoidanceAxis = Literal["along_track", "radial"]
"""A burn axis plan_avoidance may use (both signs of each are tried).

``"along_track"``
    Prograde or retrograde: the cheapest burn when made early enough.
``"radial"``
    Radial out or in: more Δv for the same miss, the period unchanged.
"""


class PlanAvoidanceArgs(ToolArgs):
    """An avoidance burn for one screened conjunction."""

    event_id: EventId
    max_pc: Probability | None = Field(
        default=None,
        description="Pc to get below (default: the mission policy, e.g. 1e-4).",
    )
    target_miss_km: DistanceKm | None = Field(
        default=None,
        description="Miss distance to reach, km (default: the mission policy).",
    )
    burn_epoch: When | None = Field(
        default=None,
        description=(
            "ISO 8601 UTC burn time, e.g. 2026-06-10T15:30:00Z, before the TCA and after the"
            " planning clock plus the command margin (default: 1.5 orbits before the TCA,"
            " other lead times tried if that burn is not clear)."
        ),
    )
    burn_lead_orbits: Annotated[float, Field(gt=0.0, le=15.0)] | None = Field(
        default=None,
        description="Burn this many orbits before the TCA (instead of burn_epoch, not both).",
    )
    directions: Annotated[list[AvoidanceAxis], Field(min_length=1, max_length=2)] | None = Field(
        default=None,
        description=(
            'Burn axes to try, in order (default ["along_track", "radial"]: radial only when'
            " no along-track burn is clear)."
        ),
    )


class ScreenedApproach(_Out):
    """One approach found by the post-maneuver screening."""

    secondary: ObjectRef
    tca_utc: datetime
    miss_km: float
    new: bool


class PostManeuverScreening(_Out):
    """The maneuvered orbit screened against the catalog; ``clear`` when nothing new is close.

    ``new_conjunctions`` counts approaches under the threshold that the unmaneuvered orbit
    did not have (the plan's ``ScreeningRecord``); ``burn_epoch_utc``/``dv_rtn_m_s`` name the
    burn that was screened.  ``clear`` also needs SGP4 to have flown the maneuvered orbit over
    the whole span (``orbital.maneuver.rescreen_after_maneuver`` does the screening).
    """

    screening_id: str
    satellite_id: int
    performed_at_utc: datetime
    burn_epoch_utc: datetime
    dv_rtn_m_s: tuple[float, float, float]
    start_utc: datetime
    stop_utc: datetime
    threshold_km: float
    approaches: list[ScreenedApproach]
    new_conjunctions: int
    min_miss_km: float | None
    clear: bool


class ManeuverCommand(_Out):
    """The command that executes the burn, as propose_commands takes it."""

    satellite: str
    command: str
    time: datetime
    parameters: dict[str, float | str]


class ManeuverProposal(ToolResult):
    """A typed avoidance maneuver the command plan can carry.

    ``status``: ``proposed`` (a burn meets the targets), ``already_safe`` (no burn needed),
    ``no_solution`` (the best burn up to the Δv bound falls short: fields describe it),
    ``no_clear_candidate`` (burns meet the targets but every one tried creates a new close
    approach: fields and screening describe the one with the fewest; no command) or
    ``failed`` (propagation, fit or TCA problems; see ``message``).  Δv is R, T, N in m/s
    at ``burn_epoch_utc``; ``miss_km``/``pc`` are after the burn, ``*_before`` before it.
    """

    proposal_id: str
    event_id: str
    status: ProposalStatus
    message: str
    satellite: ObjectRef
    secondary: ObjectRef
    burn_epoch_utc: datetime
    delta_v_rtn_m_s: tuple[float, float, float]
    delta_v_m_s: float
    direction: str | None
    tca_utc: datetime
    miss_km: float | None
    pc: float | None
    miss_before_km: float | None
    pc_before: float | None
    target_miss_km: float
    max_pc: float
    hard_body_radius_m: float
    covariance_source: str
    post_maneuver_screening: PostManeuverScreening | None
    new_elements_tle: tuple[str, str] | None
    command: ManeuverCommand | None
    approvals_required: list[str]
    warnings: list[str]

    def summary(self) -> str:
        if self.status != "proposed":
            return f"{self.proposal_id} for {self.event_id}: {self.status} ({self.message[:90]})"
        clear = (
            "post-maneuver screening not run"
            if self.post_maneuver_screening is None
            else "post-maneuver screening clear"
            if self.post_maneuver_screening.clear
            else "post-maneuver screening found new approaches"
        )
        return (
            f"{self.proposal_id}: {self.satellite.name} {self.delta_v_m_s * 1000:.1f} mm/s"
            f" {self.direction} at {_iso(self.burn_epoch_utc)} -> miss {self.miss_km} km,"
            f" Pc {self.pc:.1e}; {clear}"
        )


ProposalStatus = Literal["proposed", "already_safe", "no_solution", "no_clear_candidate", "failed"]
_AVOIDANCE_STATUS_NAMES: Final[dict[int, ProposalStatus]] = {
    0: "proposed",
    1: "already_safe",
    2: "no_solution",
    7: "no_clear_candidate",
}


def plan_avoidance(ctx: ToolContext, args: PlanAvoidanceArgs) -> ManeuverProposal:
    """The smallest burn meeting the Pc and miss targets whose post-maneuver screening is
    clear, from the candidates of ``orbital.maneuver.plan_clear_avoidance`` in its order:
    the other along-track direction, 2x and 4x the Δv (up to the cap), radial, then burns
    2, 1 and 0.5 orbits before the TCA (only when the call does not fix the burn time).
    At most 8 screenings; every candidate tried is listed in ``warnings``."""
    maneuver = _capability(
        "cosmo_agent.orbital.maneuver", "plan_avoidance", "the avoidance planner"
    )
    event = ctx.store.event(args.event_id)
    event_id = event.event_id
    sat = ctx.mission.satellite(event.primary.norad_id)
    if not sat.maneuverable:
        raise ToolError.make("not_maneuverable", satellite=f"{sat.name} ({sat.norad_id})")
    if args.burn_epoch is not None and args.burn_lead_orbits is not None:
        raise ToolError.make(
            "invalid_arguments",
            name="plan_avoidance",
            problems="burn_epoch and burn_lead_orbits are both given; give one of them, or"
            " neither for the default (1.5 orbits before the TCA)",
        )
    policy = ctx.mission.policies
    max_pc = args.max_pc if args.max_pc is not None else policy.max_pc
    target_km = args.target_miss_km if args.target_miss_km is not None else policy.min_miss_km
    tca = event.tca_utc
    earliest = ctx.now + timedelta(hours=policy.avoidance_lead_h)
    warnings = _planning_catalog(ctx, [sat], ctx.now, tca).warnings
    catalog = ctx.catalog
    rows = catalog.index_of([event.primary.norad_id, event.secondary.norad_id])
    primary: Any = catalog.satrecs[int(rows[0])]
    secondary: Any = catalog.satrecs[int(rows[1])]
    period_s = 2.0 * math.pi / float(primary.no_kozai) * 60.0
    pinned = args.burn_epoch is not None or args.burn_lead_orbits is not None
    if args.burn_epoch is not None:
        burn = args.burn_epoch.astimezone(UTC)
        asked = f"burn_epoch {_iso(burn)}"
    elif args.burn_lead_orbits is not None:
        burn = tca - timedelta(seconds=round(args.burn_lead_orbits * period_s))
        asked = f"burn_lead_orbits {args.burn_lead_orbits:g} (a burn at {_iso(burn)})"
    else:
        burn = tca - timedelta(seconds=round(1.5 * period_s))
        if burn < earliest:
            burn = earliest.replace(microsecond=0) + timedelta(seconds=1)
            warnings.append(
                f"burn moved to {_iso(burn)}, the mission's avoidance lead time"
                f" ({policy.avoidance_lead_h:g} h) after the planning clock; a later burn needs"
                " more Δv"
            )
    if pinned:
        margin = ctx.now + timedelta(minutes=policy.command_margin_min)
        problem = None
        if burn >= tca:
            problem = f"{asked} is not before the TCA {_iso(tca)} of {event_id}"
        elif burn < margin:
            problem = (
                f"{asked} is before {_iso(margin)}, the planning clock plus the mission's"
                f" command margin ({policy.command_margin_min:g} min)"
            )
        if problem is not None:
            longest = (tca - margin).total_seconds() / period_s
            raise ToolError.make(
                "invalid_arguments",
                name="plan_avoidance",
                problems=f"{problem}; pass a burn_epoch after {_iso(margin)} and before"
                f" {_iso(tca)}, or a burn_lead_orbits up to {max(longest, 0.0):.2f}",
            )
        if burn < earliest:
            warnings.append(
                f"the burn at {_iso(burn)} is inside the mission's avoidance lead time"
                f" ({policy.avoidance_lead_h:g} h after the planning clock): less time to"
                " approve and uplink it"
            )
    axes = {"along_track": "along-track", "radial": "radial"}
    hbr_m, _ = _hbr_m(ctx, event.primary.norad_id, event.secondary.norad_id)
    stop = tca + timedelta(hours=POST_MANEUVER_SCREEN_AFTER_TCA_H)
    rescreen = None
    try:
        _capability("cosmo_agent.orbital.screening", "plan_avoidance", "the conjunction screener")
        rescreen = maneuver.catalog_rescreener(
            event.primary.norad_id,
            catalog,
            stop,
            threshold_km=event.threshold_km,
            avoided=(event.secondary.norad_id, tca),
            original=primary,
            match_s=EVENT_MATCH_S,
        )
    except ToolError as err:
        if err.code != "not_available":
            raise
        warnings.append(
            "post-maneuver screening not run (the conjunction screener is not installed);"
            " the burn cannot be approved until it is"
        )
    found = maneuver.plan_clear_avoidance(
        primary,
        secondary,
        tca,
        rescreen,
        burn_epoch=burn,
        axes=list(dict.fromkeys(axes[a] for a in args.directions or ("along_track", "radial"))),
        other_lead_orbits=() if pinned else maneuver.DEFAULT_OTHER_LEAD_ORBITS,
        earliest_burn=earliest,
        target_miss_km=target_km,
        max_pc=max_pc,
        hbr_km=hbr_m / 1000.0,
        max_dv_m_s=MAX_AVOIDANCE_DV_M_S,
    )
    solution = found.solution
    status = _AVOIDANCE_STATUS_NAMES.get(int(found.status), "failed")
    proposal_id = ctx.store.new_id("MNV")
    screening: PostManeuverScreening | None = None
    if found.rescreen is not None:
        screening = _screening_out(
            ctx, catalog, found.rescreen, solution.burn_epoch, _vec3(solution.dv_rtn_m_s, 6),
            stop, event.threshold_km,
        )  # fmt: skip
        failed = found.rescreen.after.excluded.get(event.primary.norad_id)
        if failed is not None:
            warnings.append(
                f"post-maneuver screening incomplete: SGP4 failed for the maneuvered orbit"
                f" ({failed}); it is not clear"
            )
    if len(found.candidates) > 1:
        warnings += [f"candidate {k}: {c.describe()}" for k, c in enumerate(found.candidates, 1)]
    warnings += list(found.notes)
    tle: tuple[str, str] | None = None
    command: ManeuverCommand | None = None
    if status == "proposed" and solution.maneuvered is not None:
        from sgp4.exporter import export_tle

        line1, line2 = export_tle(solution.maneuvered.satrec)
        tle = (str(line1), str(line2))
        dv = solution.dv_rtn_m_s
        command = ManeuverCommand(
            satellite=str(sat.norad_id),
            command="ORBIT_MANEUVER",
            time=solution.burn_epoch,
            parameters={
                "dv_radial_m_s": round(float(dv[0]), 6),
                "dv_along_m_s": round(float(dv[1]), 6),
                "dv_cross_m_s": round(float(dv[2]), 6),
                "burn_epoch": _iso(solution.burn_epoch),
            },
        )
    proposal = ManeuverProposal(
        proposal_id=proposal_id,
        event_id=event_id,
        status=status,
        message=found.message,
        satellite=event.primary,
        secondary=event.secondary,
        burn_epoch_utc=solution.burn_epoch,
        delta_v_rtn_m_s=_vec3(solution.dv_rtn_m_s, 6),
        delta_v_m_s=round(solution.dv_m_s, 6),
        direction=solution.direction,
        tca_utc=solution.tca,
        miss_km=_num(solution.miss_km, 4),
        pc=_num(solution.pc, 12),
        miss_before_km=_num(solution.miss_original_km, 4),
        pc_before=_num(solution.pc_original, 12),
        target_miss_km=target_km,
        max_pc=max_pc,
        hard_body_radius_m=hbr_m,
        covariance_source=str(solution.covariance_source),
        post_maneuver_screening=screening,
        new_elements_tle=tle,
        command=command,
        approvals_required=list(policy.approvals.maneuver_requires) if command else [],
        warnings=warnings,
    )
    ctx.store.proposals[proposal_id] = proposal
    return proposal


def _screening_out(
    ctx: ToolContext,
    catalog: Catalog,
    check: Any,
    burn: datetime,
    dv_rtn_m_s: tuple[float, float, float],
    stop: datetime,
    threshold_km: float,
) -> PostManeuverScreening:
    """The tool's view of an ``orbital.maneuver.Rescreen`` (approaches in TCA order)."""
    after = check.after
    order = np.argsort(after.tca, kind="stable")
    tcas = after.tca_datetimes()
    approaches = [
        ScreenedApproach(
            secondary=_ref(ctx, int(after.secondary_id[i]), catalog),
            tca_utc=tcas[i],
            miss_km=round(float(after.miss_km[i]), 4),
            new=bool(check.new[i]),
        )
        for i in order.tolist()
    ]
    return PostManeuverScreening(
        screening_id=ctx.store.new_id("SCR"),
        satellite_id=int(check.primary_id),
        performed_at_utc=ctx.now,
        burn_epoch_utc=burn,
        dv_rtn_m_s=dv_rtn_m_s,
        start_utc=burn,
        stop_utc=stop,
        threshold_km=threshold_km,
        approaches=approaches,
        new_conjunctions=int(np.count_nonzero(check.new)),
        min_miss_km=min((a.miss_km for a in approaches), default=None),
        clear=bool(check.clear),
    )


# == space_weather ==============================================================================


class SpaceWeatherArgs(ToolArgs):
    """No arguments: current conditions and the mission's alerts."""


class SwpcAlertOut(_Out):
    """An active SWPC alert, warning or watch: its headline and the NOAA scale it announces."""

    product_id: str
    issue_time_utc: datetime
    headline: str
    scale: ScaleLetter | None
    level: int | None


_NOAA_SCALE = re.compile(r"NOAA Scale:\s*([GSR])([1-5])")


def _swpc_alert(alert: SwpcAlert) -> SwpcAlertOut:
    m = _NOAA_SCALE.search(alert.message)
    scale: ScaleLetter | None = None
    if m is not None:
        scale = "G" if m[1] == "G" else "S" if m[1] == "S" else "R"
    return SwpcAlertOut(
        product_id=alert.product_id,
        issue_time_utc=alert.issue_time_utc,
        headline=alert.headline,
        scale=scale,
        level=int(m[2]) if m else None,
    )


class SpaceWeatherResult(ToolResult):
    """NOAA G/S/R levels (None when stale), SWPC alerts, and the mission alert rules' output."""

    at_utc: datetime
    source: str
    data_time_utc: datetime | None
    scales: dict[ScaleLetter, ScaleStatus]
    kp_forecast_max_24h: float | None
    swpc_alerts: list[SwpcAlertOut]
    alerts: list[Alert]
    stale: bool
    stale_products: list[str]
    sunlit_stations: list[str]
    problems: list[str]
    warnings: list[str]
    excluded: list[ExcludedSatellite] = Field(default_factory=list)

    def summary(self) -> str:
        levels = " ".join(
            f"{k}{s.level}" if s.level is not None else f"{k}? (stale)"
            for k, s in sorted(self.scales.items(), key=lambda kv: "GSR".index(kv[0]))
        )
        stale = f"; stale: {', '.join(self.stale_products)}" if self.stale_products else ""
        actions = sorted({a.action for a in self.alerts})
        alerts = f"{len(self.alerts)} mission alerts"
        alerts += f" ({', '.join(actions)})" if actions else ""
        return f"space weather at {_iso(self.at_utc)}: {levels}; {alerts}{stale}"


def _sunlit_station_ids(stations: Sequence[GroundStation], when: datetime) -> set[str]:
    """Stations where the Sun's centre is above the horizon (refraction-free, -0.833 deg)."""
    if not stations:
        return set()
    from skyfield.api import wgs84

    from cosmo_agent.orbital.timescales import ephemeris, timescale

    with catch_warnings():  # skyfield-data warns that its own EOP file aged; we use only DE421
        simplefilter("ignore", RuntimeWarning)
        eph = ephemeris()
    t = timescale().from_datetime(when)
    out = set()
    for st in stations:
        observer = eph["earth"] + wgs84.latlon(st.lat_deg, st.lon_deg, elevation_m=st.alt_m)
        alt, _, _ = observer.at(t).observe(eph["sun"]).apparent().altaz()
        if alt.degrees > -0.833:
            out.add(st.id)
    return out


def space_weather(ctx: ToolContext, args: SpaceWeatherArgs) -> SpaceWeatherResult:
    """space_weather_report at the planning clock + the mission's alert rules over the fleet."""
    from cosmo_agent.tools import spaceweather as sw

    stale_s = ctx.mission.policies.space_weather_stale_h * 3600.0
    try:
        source = ctx.space_weather_source()
        report = sw.space_weather_report(
            source,
            ctx.now,
            max_age_s={"kp": stale_s, "xrays": stale_s, "protons": stale_s, "scales": stale_s},
        )
    except sw.SpaceWeatherSourceError as exc:
        raise ToolError.make(
            "data_unavailable",
            what="the space-weather source",
            problem=str(exc),
            fix="Fix sources.space_weather in the mission (a file, directory or URL).",
        ) from None
    warnings: list[str] = []
    excluded: list[ExcludedSatellite] = []
    profiles = []
    catalog = ctx.catalog
    for sat in ctx.mission.fleet:
        rows = np.flatnonzero(catalog.ids == sat.norad_id)
        perigee = float(catalog.perigee_km[rows[0]]) if rows.size else math.nan
        if not perigee > 0:
            warnings.append(f"{sat.name} ({sat.norad_id}) has no usable perigee: not checked")
            excluded.append(
                ExcludedSatellite(
                    satellite=_ref(ctx, sat.norad_id),
                    reason="sgp4_failed" if rows.size else "not_in_catalog",
                    message=f"{sat.name} ({sat.norad_id}) not checked against the alert rules:"
                    + (" no usable perigee" if rows.size else " no element set"),
                )
            )
            continue
        profiles.append(
            sw.SatelliteProfile(
                id=str(sat.norad_id),
                name=sat.name,
                perigee_km=perigee,
                sensitivities=frozenset(sat.sensitivities),
                ballistic_coefficient_m2_kg=sat.ballistic_coefficient_m2_kg,
            )
        )
    sunlit = _sunlit_station_ids(ctx.mission.stations, ctx.now)
    rules = ctx.mission.policies.alert_rules
    alerts = sw.evaluate_alerts(report, profiles, rules, now=ctx.now, sunlit_stations=sunlit)
    ctx.store.space_weather = report
    times = [f.data_time_utc for f in report.feeds if f.data_time_utc is not None]
    for feed in report.feeds:
        if feed.age_s is not None and feed.age_s < -_FUTURE_DATA_TOLERANCE_S:
            warnings.append(
                f"{feed.product} data is {-feed.age_s / 3600:.1f} h newer than the planning"
                " clock: the clock or the source is wrong"
            )
    return SpaceWeatherResult(
        at_utc=ctx.now,
        source=report.source,
        scales=dict(report.scales),
        kp_forecast_max_24h=report.kp_forecast_max_24h,
        data_time_utc=max(times) if times else None,
        swpc_alerts=[_swpc_alert(a) for a in report.active_alerts],
        alerts=alerts,
        stale=bool(report.stale_products),
        stale_products=list(report.stale_products),
        sunlit_stations=sorted(sunlit),
        problems=report.problems,
        warnings=warnings,
        excluded=excluded,
    )


# == schedule_contacts ==========================================================================


class ScheduleContactsArgs(ToolArgs):
    """A downlink contact schedule over the mission's stations."""

    satellites: SatelliteSelection
    stations: StationSelection
    duration_h: Hours = 24.0
    objective: Literal["max_volume", "max_priority"] = Field(
        default="max_volume",
        description=(
            "max_volume: most data; max_priority: meet high-priority satellites' needs first."
        ),
    )


class ContactOut(_Out):
    """One scheduled contact (``satellite_id``/``aos``/``los`` read like a ScheduledContact)."""

    satellite: ObjectRef
    station_id: str
    antenna: str
    aos_utc: datetime
    los_utc: datetime
    duration_s: float
    max_elevation_deg: float
    volume_mbit: float

    @property
    def satellite_id(self) -> int:
        """The satellite's NORAD id."""
        return self.satellite.norad_id

    @property
    def aos(self) -> datetime:
        """Start of the contact (UTC)."""
        return self.aos_utc

    @property
    def los(self) -> datetime:
        """End of the contact (UTC)."""
        return self.los_utc


class UnmetOut(_Out):
    """A satellite that got fewer contacts than the mission asks (contacts_per_day) in one
    24 h window of the schedule, counted from ``start_utc`` (the last window may be shorter;
    one entry per short window)."""

    satellite: ObjectRef
    required_contacts: int
    scheduled_contacts: int
    reason: str
    detail: str
    window_start_utc: datetime | None = None
    window_end_utc: datetime | None = None


class ScheduleResult(ToolResult):
    """The chosen contacts, unmet demand, totals and how the solver did.

    ``objective_value`` and ``best_bound`` are in the solver's integer units (Mbit for
    ``max_volume``; priority score x (usable volume + 1) + Mbit for ``max_priority``);
    ``optimality_gap`` is (bound - value) / bound. The bound is None when greedy ran alone.
    """

    objective: Literal["max_volume", "max_priority"]
    start_utc: datetime
    stop_utc: datetime
    contacts: list[ContactOut]
    unmet: list[UnmetOut]
    total_volume_mbit: float
    priority_score: int
    passes_considered: int
    solver: str
    solver_status: str
    objective_value: float
    best_bound: float | None
    optimality_gap: float | None
    warnings: list[str]
    excluded: list[ExcludedSatellite] = Field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.contacts)} contacts, {self.total_volume_mbit / 8000:.1f} GB"
            f" ({self.objective}, {self.solver} {self.solver_status});"
            f" {len({u.satellite.norad_id for u in self.unmet})} satellites short of their"
            f" contacts" + _left_out(self.excluded)
        )


def downlink_rate_mbps(definition: CommandDefinition | None, antenna_rate_mbps: float) -> float:
    """The rate (Mbit/s) a satellite's ``START_DOWNLINK`` carries on an antenna.

    ``definition`` is the command in the satellite's class dictionary: its ``rate_mbps``
    default (else its max) capped at the antenna's ``downlink_rate_mbps``, and never below the
    parameter's min; without such a parameter the antenna's rate. The downlink commands of a
    plan and the volumes of ``schedule_contacts`` both use it, so they agree.
    """
    param = None if definition is None else definition.parameter("rate_mbps")
    if param is None:
        return antenna_rate_mbps
    wanted = param.default if isinstance(param.default, int | float) else param.max
    value = antenna_rate_mbps if wanted is None else min(float(wanted), antenna_rate_mbps)
    if param.min is not None:
        value = max(value, float(param.min))
    return round(value, 3)


def _downlink_rates(
    ctx: ToolContext, sats: Sequence[Satellite], stations: Sequence[GroundStation]
) -> dict[tuple[int, str, str], float]:
    """(NORAD id, station id, antenna id) -> :func:`downlink_rate_mbps` of that satellite."""
    out: dict[tuple[int, str, str], float] = {}
    for sat in sats:
        try:
            definition = ctx.command_dictionary(sat.sat_class).command("START_DOWNLINK")
        except ToolError:  # no dictionary for the class: the antenna's rate
            definition = None
        for st in stations:
            for a in st.antennas:
                out[(sat.norad_id, st.id, a.id)] = downlink_rate_mbps(
                    definition, a.downlink_rate_mbps
                )
    return out


def schedule_contacts(ctx: ToolContext, args: ScheduleContactsArgs) -> ScheduleResult:
    """Passes → ContactOpportunity → the CP-SAT scheduler with the mission's station limits.

    Volumes use the rate the satellite's downlink command will carry
    (:func:`downlink_rate_mbps`: its dictionary's ``START_DOWNLINK`` rate capped by the
    antenna's). A station's antennas are interchangeable to the scheduler, so it weighs each
    pass at the station's slowest such rate; each chosen contact then reports the volume at
    its own antenna's rate. Priorities and contacts_per_day come from the fleet entries.
    """
    from cosmo_agent.tools import scheduling

    sats = ctx.satellites(args.satellites)
    stations = ctx.stations(args.stations)
    start = ctx.now
    stop = start + timedelta(hours=args.duration_h)
    found = _pass_search(ctx, sats, stations, start, stop, None, "schedule_contacts")
    passes, warnings, sats = found.passes, found.warnings, found.satellites
    ctx.store.passes = passes
    rates = _downlink_rates(ctx, sats, stations)
    slowest = {
        (s.norad_id, st.id): min(rates[(s.norad_id, st.id, a.id)] for a in st.antennas)
        for s in sats
        for st in stations
    }
    opportunities = [
        scheduling.ContactOpportunity(
            satellite_id=p.satellite.norad_id,
            station_id=p.station_id,
            aos=p.aos_utc,
            los=p.los_utc,
            max_elevation_deg=p.max_elevation_deg,
            downlink_rate_mbps=slowest[(p.satellite.norad_id, p.station_id)],
        )
        for p in passes
        if p.los_utc > p.aos_utc
    ]
    configs = [
        scheduling.StationConfig(
            id=st.id,
            antennas=[a.id for a in st.antennas],
            min_elevation_deg=st.min_elevation_deg,
            min_contact_s=st.min_contact_s,
            turnaround_s=st.turnaround_s,
            downlink_rate_mbps=min(a.downlink_rate_mbps for a in st.antennas),
            blackouts=[(w.start, w.end) for w in st.blackouts],
        )
        for st in stations
    ]
    demands = [
        scheduling.SatelliteDemand(
            satellite_id=s.norad_id,
            priority=s.priority,
            required_contacts_per_day=s.contacts_per_day,
        )
        for s in sats
    ]
    result = scheduling.schedule_contacts(
        opportunities,
        configs,
        demands,
        args.objective,
        time_limit_s=SCHEDULE_TIME_LIMIT_S,
        horizon_start=start,
        horizon_end=stop,
    )
    refs = {s.norad_id: _ref(ctx, s.norad_id) for s in sats}
    contacts = [
        ContactOut(
            satellite=refs[c.satellite_id],
            station_id=c.station_id,
            antenna=c.antenna,
            aos_utc=c.aos,
            los_utc=c.los,
            duration_s=round((c.los - c.aos).total_seconds(), 1),
            max_elevation_deg=c.max_elevation_deg,
            volume_mbit=round(
                rates[(c.satellite_id, c.station_id, c.antenna)] * (c.los - c.aos).total_seconds(),
                1,
            ),
        )
        for c in result.contacts
    ]
    out = ScheduleResult(
        objective=args.objective,
        start_utc=start,
        stop_utc=stop,
        contacts=contacts,
        unmet=[
            UnmetOut(
                satellite=refs[u.satellite_id],
                required_contacts=u.required_contacts,
                scheduled_contacts=u.scheduled_contacts,
                reason=u.reason,
                detail=u.detail,
                window_start_utc=u.window_start,
                window_end_utc=u.window_end,
            )
            for u in result.unmet
        ],
        total_volume_mbit=round(sum(c.volume_mbit for c in contacts), 1),
        priority_score=result.priority_score,
        passes_considered=len(opportunities),
        solver=result.solver.method,
        solver_status=result.solver.status,
        objective_value=result.solver.objective,
        best_bound=result.solver.best_bound,
        optimality_gap=result.solver.gap,
        warnings=warnings
        + ([result.solver.fallback_reason] if result.solver.fallback_reason else []),
        excluded=found.excluded,
    )
    ctx.store.schedule = out
    return out


# == propose_commands ===========================================================================

ParameterValue = (
    bool
    | Annotated[int, Field(ge=-(10**12), le=10**12)]
    | Annotated[float, Field(ge=-1e12, le=1e12)]
    | Annotated[str, Field(max_length=256)]
)


class CommandRequest(BaseModel):
    """One command the agent wants to send."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    satellite: Annotated[
        str,
        Field(
            min_length=1,
            max_length=128,
            description="Fleet satellite by name, alias or NORAD id.",
            json_schema_extra={NAMES_KEY: "satellite"},
        ),
    ]
    command: str = Field(min_length=1, max_length=64, description="Command name, e.g. SET_MODE.")
    time: When | None = Field(
        default=None,
        description=(
            "ISO 8601 UTC execution time, or relative to the planning clock"
            ' ("tomorrow at 03:00 UTC") (default: next contact).'
        ),
    )
    parameters: dict[Annotated[str, Field(max_length=64)], ParameterValue] = Field(
        default_factory=dict, max_length=32, description="Command parameters by name."
    )


class ProposeCommandsArgs(ToolArgs):
    """Commands to check against the satellites' command dictionaries."""

    commands: list[CommandRequest] = Field(min_length=1, max_length=50)


class CommandIssueOut(_Out):
    """Why a command is rejected (dictionary issue codes, or the tool's own)."""

    code: str
    parameter: str | None
    message: str


class CommandCheck(_Out):
    """One checked command: accepted or rejected with reasons, and what it will need."""

    satellite: ObjectRef | None
    satellite_key: str
    command: str
    time_utc: datetime | None
    parameters: dict[str, bool | int | float | str]
    accepted: bool
    issues: list[CommandIssueOut]
    description: str | None
    category: str | None
    hazardous: str | None
    requires_contact: bool | None
    prerequisites: list[str]
    prerequisites_unmet: list[str]
    approvals_required: list[str]


class ProposeCommandsResult(ToolResult):
    """The checked commands; only accepted ones may go into a plan."""

    items: list[CommandCheck]

    def summary(self) -> str:
        ok = sum(c.accepted for c in self.items)
        bad = [f"{c.command} ({c.issues[0].code})" for c in self.items if not c.accepted]
        rejected = f"; rejected: {', '.join(bad[:4])}" if bad else ""
        hazardous = sum(c.hazardous is not None for c in self.items if c.accepted)
        return (
            f"{ok} of {len(self.items)} commands accepted ({hazardous} hazardous, need"
            f" approval){rejected}"
        )


def _issue(code: str, message: str, parameter: str | None = None) -> CommandIssueOut:
    return CommandIssueOut(code=code, parameter=parameter, message=message)


def propose_commands(ctx: ToolContext, args: ProposeCommandsArgs) -> ProposeCommandsResult:
    """Check each command against its satellite's dictionary and the mission's time margin."""
    _capability("cosmo_agent.tools.commands", "propose_commands", "command dictionaries")
    policy = ctx.mission.policies
    earliest = ctx.now + timedelta(minutes=policy.command_margin_min)
    items: list[CommandCheck] = []
    for req in args.commands:
        issues: list[CommandIssueOut] = []
        ref: ObjectRef | None = None
        definition = None
        try:
            sat = ctx.satellites([req.satellite])[0]
        except ToolError as err:
            issues.append(_issue(err.code, err.message))
        else:
            ref = _ref(ctx, sat.norad_id)
            try:
                dictionary = ctx.command_dictionary(sat.sat_class)
            except ToolError as err:
                issues.append(_issue("no_dictionary", err.message))
            else:
                issues += [
                    _issue(i.code, i.message, i.parameter)
                    for i in dictionary.check(req.command, dict(req.parameters))
                ]
                definition = dictionary.command(req.command)
            maneuver = definition is not None and definition.category == "maneuver"
            if maneuver and not sat.maneuverable:
                message = f"{sat.name} is not maneuverable (mission fleet entry)"
                issues.append(_issue("not_maneuverable", message))
        time_utc = req.time.astimezone(UTC) if req.time is not None else None
        if time_utc is not None and time_utc < earliest:
            issues.append(
                _issue(
                    "too_soon",
                    f"time {_iso(time_utc)} is before {_iso(earliest)}, the planning clock plus"
                    f" the mission's command margin of {policy.command_margin_min:g} min",
                )
            )
        params: dict[str, bool | int | float | str] = dict(req.parameters)
        hazard = None
        approvals: list[str] = []
        prerequisites: list[str] = []
        unmet: list[str] = []
        if definition is not None:
            given = dict(req.parameters)
            params = {p.name: v for p, v in definition.arguments(given) if v is not None}
            hazard = definition.hazard(dict(req.parameters))
            prerequisites = list(definition.prerequisites)
            if hazard or "approval" in prerequisites:
                approvals += policy.approvals.hazardous_requires
            if definition.category == "maneuver":
                approvals += policy.approvals.maneuver_requires
            if "post_maneuver_screening" in prerequisites and not _screened_burn(ctx, ref, params):
                unmet.append("post_maneuver_screening")
        items.append(
            CommandCheck(
                satellite=ref,
                satellite_key=req.satellite,
                command=req.command,
                time_utc=time_utc,
                parameters=params,
                accepted=not issues,
                issues=issues,
                description=definition.description if definition else None,
                category=definition.category if definition else None,
                hazardous=hazard,
                requires_contact=definition.requires_contact if definition else None,
                prerequisites=prerequisites,
                prerequisites_unmet=unmet,
                approvals_required=list(dict.fromkeys(approvals)),
            )
        )
    ctx.store.commands.extend(items)
    return ProposeCommandsResult(items=items)


def _screened_burn(
    ctx: ToolContext, sat: ObjectRef | None, params: dict[str, bool | int | float | str]
) -> bool:
    """True when a stored proposal for this satellite and burn epoch has a clear screening."""
    if sat is None:
        return False
    for proposal in ctx.store.proposals.values():
        screening = proposal.post_maneuver_screening
        if (
            proposal.satellite.norad_id == sat.norad_id
            and proposal.command is not None
            and proposal.command.parameters.get("burn_epoch") == params.get("burn_epoch")
            and screening is not None
            and screening.clear
        ):
            return True
    return False


# == the registry table =========================================================================

TOOLKIT: Final[tuple[ToolSpec, ...]] = (
    ToolSpec(
        "fleet_status",
        "Status of every fleet satellite at the planning clock: element-set epoch and age,"
        " staleness against mission policy, current latitude/longitude/altitude, perigee and"
        " apogee, and SGP4 errors. Call it first to know whether the data can be trusted.",
        FleetStatusArgs,
        fleet_status,
    ),
    ToolSpec(
        "propagate",
        "Ground track (latitude, longitude, altitude) of fleet satellites over a time window,"
        " sampled every step_s seconds (sample count is capped).",
        PropagateArgs,
        propagate,
    ),
    ToolSpec(
        "find_passes",
        "Passes of fleet satellites over ground stations from the planning clock: AOS,"
        " culmination and LOS times, maximum elevation and azimuths, with horizon masks applied.",
        FindPassesArgs,
        find_passes,
    ),
    ToolSpec(
        "screen_conjunctions",
        "Screen fleet satellites against the whole catalog for close approaches under"
        " threshold_km; each event gets an event_id (pair and TCA) and an alias (CONJ-0001,"
        " ...), either of which assess_conjunction and plan_avoidance take.",
        ScreenConjunctionsArgs,
        screen_conjunctions,
    ),
    ToolSpec(
        "assess_conjunction",
        "Collision probability of a screened conjunction (Foster and Chan Pc, worst-case max Pc)"
        " with the miss in radial/along-track/cross-track, using assumed TLE covariances, and"
        " whether mission policy calls for avoidance.",
        AssessConjunctionArgs,
        assess_conjunction,
    ),
    ToolSpec(
        "plan_avoidance",
        "Plan the smallest avoidance burn for a screened conjunction that meets the Pc and miss"
        " targets, screen the post-maneuver orbit, and return the ORBIT_MANEUVER command.",
        PlanAvoidanceArgs,
        plan_avoidance,
    ),
    ToolSpec(
        "space_weather",
        "Current NOAA geomagnetic (G), radiation (S) and radio-blackout (R) levels, active SWPC"
        " alerts, and the mission's alerts for each satellite and station; stale data is flagged.",
        SpaceWeatherArgs,
        space_weather,
    ),
    ToolSpec(
        "schedule_contacts",
        "Schedule downlink contacts of fleet satellites on ground-station antennas from the"
        " predicted passes, respecting turnaround, minimum contact, blackouts, priorities and"
        " contacts per day.",
        ScheduleContactsArgs,
        schedule_contacts,
    ),
    ToolSpec(
        "propose_commands",
        "Check commands against each satellite's command dictionary and the mission's command"
        " margin; returns accepted and rejected commands with reasons, hazards and required"
        " approvals (it does not send anything).",
        ProposeCommandsArgs,
        propose_commands,
    ),
)
"""The nine tools, in the contract's order."""
