"""The conjunction tools: ``screen_conjunctions`` (close approaches of fleet satellites to the
whole catalog, events with stable ids) and ``assess_conjunction`` (the collision probability
of one event and what the mission policy says to do about it)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from cosmo_agent.orbital.assessment import assess_encounter
from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.collision import (
    PC_STATUS,
    collision_probability,
    max_collision_probability,
    rtn_basis,
)
from cosmo_agent.orbital.conjunction import catalog_encounter
from cosmo_agent.orbital.constants import DEFAULT_SECONDARY_HBR_M
from cosmo_agent.orbital.montecarlo import MonteCarloResult
from cosmo_agent.orbital.pc3d import UsageViolations
from cosmo_agent.orbital.screening import screen
from cosmo_agent.tools import ephemerides
from cosmo_agent.tools.context import ToolArgs, ToolContext, ToolError, ToolResult
from cosmo_agent.tools.toolkit.arguments import (
    DistanceKm,
    EventId,
    Hours,
    RadiusM,
    SatelliteSelection,
)
from cosmo_agent.tools.toolkit.elements import planning_catalog
from cosmo_agent.tools.toolkit.outputs import (
    ExcludedSatellite,
    ObjectRef,
    ResultPart,
    iso_utc,
    left_out,
    object_ref,
    rounded,
    vec3,
)

__all__ = [
    "DEFAULT_SECONDARY_HARD_BODY_RADIUS_M",
    "AssessConjunctionArgs",
    "ConjunctionAssessment",
    "ConjunctionEvent",
    "CovarianceInfo",
    "EventSighting",
    "MonteCarloPc",
    "ScreenConjunctionsArgs",
    "ScreeningResult",
    "UsageViolationReport",
    "assess_conjunction",
    "hard_body_radius",
    "screen_conjunctions",
]

DEFAULT_SECONDARY_HARD_BODY_RADIUS_M: Final = DEFAULT_SECONDARY_HBR_M
"""Hard-body radius assumed for a secondary that is not in the mission fleet (m): the orbital
core's :data:`~cosmo_agent.orbital.constants.DEFAULT_SECONDARY_HBR_M`, under the name the
tools used first.  Pass ``hard_body_radius_m`` to override the combined radius."""


# == screen_conjunctions ========================================================================


class ScreenConjunctionsArgs(ToolArgs):
    """Close approaches between fleet satellites and every catalog object."""

    satellites: SatelliteSelection
    duration_h: Hours = 24.0
    threshold_km: DistanceKm | None = Field(
        default=None,
        description="Report approaches closer than this, km (default: the mission policy, 5).",
    )


class EventSighting(ResultPart):
    """One update of an event in this run: by a screening (``SCR-0001``, no Pc) or by
    ``assess_conjunction`` (with its reported Pc)."""

    source: str
    tca_utc: datetime
    miss_km: float
    pc: float | None = None


class ConjunctionEvent(ResultPart):
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
                f" satellites in {self._hours():g} h" + left_out(self.excluded)
            )
        closest = min(self.events, key=lambda e: e.miss_km)
        return (
            f"{len(self.events)} conjunctions under {self.threshold_km:g} km in"
            f" {self._hours():g} h; closest {closest.event_id} {closest.primary.name} -"
            f" {closest.secondary.name} {closest.miss_km:.3f} km at {iso_utc(closest.tca_utc)}"
            + left_out(self.excluded)
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
) -> tuple[list[_Approach], list[str]]:
    """Every approach of ``primaries`` to ``catalog`` objects, and one warning per object
    the screener left out (SGP4 failed)."""
    found = screen(catalog, start, stop, threshold_km, primaries=primaries)
    rows = [
        (a.primary_id, a.secondary_id, a.tca, a.miss_km, a.relative_speed_km_s)
        for a in found.approaches()
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
    usable = planning_catalog(ctx, sats, start, stop)
    primaries, warnings, sats = usable.catalog, usable.warnings, usable.satellites
    # Fleet satellites with an ephemeris are met by their OEM as secondaries too; one whose
    # OEM does not cover the window is met by its element set, and the result says so.
    oems = ephemerides.fleet_ephemerides(ctx.mission, ctx.mission.fleet)
    catalog, uncovered = ephemerides.apply_ephemerides(ctx.catalog, oems, start, stop)
    warnings = [*warnings, *(
        f"{ctx.mission.satellite(str(k)).name} ({k}) is screened against by its element set:"
        f" {why}" for k, why in sorted(uncovered.items()) if k not in primaries.ids
    )]  # fmt: skip
    rows, excluded = _screen(catalog, primaries, start, stop, threshold)
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
            primary=object_ref(ctx, p, catalog),
            secondary=object_ref(ctx, s, catalog),
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
        satellites=[object_ref(ctx, s.norad_id) for s in sats],
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
            f" plus {DEFAULT_SECONDARY_HBR_M:g} m for a non-fleet secondary)."
        ),
    )


class CovarianceInfo(ResultPart):
    """The position covariance used for one object; ``assumed`` is always stated.

    ``source``: ``oem`` (the object's ephemeris file's own covariance block near the TCA) or
    ``assumed-tle-default``; ``regime`` and ``element_age_days`` describe the element set."""

    norad_id: int
    source: str
    assumed: bool
    regime: str
    element_age_days: float
    sigma_rtn_km: tuple[float, float, float]


class MonteCarloPc(ResultPart):
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


class UsageViolationReport(ResultPart):
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


def hard_body_radius(ctx: ToolContext, primary: int, secondary: int) -> tuple[float, str]:
    """The pair's combined hard-body radius (m) and how it was made up: a fleet satellite's
    radius from the mission, :data:`DEFAULT_SECONDARY_HBR_M` for any other object."""
    fleet = {s.norad_id: s for s in ctx.mission.fleet}
    parts: list[float] = []
    basis: list[str] = []
    for role, norad_id in (("primary", primary), ("secondary", secondary)):
        sat = fleet.get(norad_id)
        if sat is not None:
            parts.append(sat.hard_body_radius_m)
            basis.append(f"{sat.name} {sat.hard_body_radius_m:g} m (mission)")
        else:
            parts.append(DEFAULT_SECONDARY_HBR_M)
            basis.append(f"{role} {DEFAULT_SECONDARY_HBR_M:g} m (default, size unknown)")
    return float(sum(parts)), " + ".join(basis)


def assess_conjunction(ctx: ToolContext, args: AssessConjunctionArgs) -> ConjunctionAssessment:
    """Encounter-plane Pc at the screened TCA from SGP4 states and assumed TLE covariances."""
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
            what=f"the ephemeris at the TCA {iso_utc(tca)} (fleet[].ephemeris)",
            problem="; ".join(uncovered.values()),
            fix="Give an OEM covering the TCA, or remove the fleet entry's ephemeris.",
        )
    enc = catalog_encounter(pair, tca)
    r, v, plane, cov = enc.r_km, enc.v_km_s, enc.plane, enc.assumed
    cov_inertial = enc.covariance_teme
    if args.hard_body_radius_m is not None:
        hbr_m, basis = args.hard_body_radius_m, "given in the call"
    else:
        hbr_m, basis = hard_body_radius(ctx, *ids)
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
    pc_2d = rounded(foster.pc, 12) if bool(foster.valid) else None
    pc = _significant(assessed.pc)
    pc_max = rounded(worst.pc_max, 12) if bool(np.isfinite(worst.pc_max)) else None
    from_oem = [bool(x) for x in enc.covariance_from_oem]
    oem_notes = [n for n in enc.covariance_notes() if n]
    if all(from_oem):
        notes = ["both covariances are the objects' own OEM covariances"]
    elif any(from_oem):
        notes = [
            "one covariance is an OEM's own, the other the assumed TLE default: treat Pc as"
            " indicative and compare with max Pc"
        ]
    else:
        notes = [
            "covariances are the assumed TLE default (no CDM): treat Pc as indicative and"
            " compare with max Pc"
        ]
    notes += oem_notes
    if enc.sgp4_error.any():
        notes.append(f"SGP4 failed at TCA: {enc.messages()}")
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
        miss_rtn_km=vec3(miss_rtn, 4),
        relative_speed_km_s=round(float(plane.relative_speed_km_s), 4),
        hard_body_radius_m=hbr_m,
        hard_body_radius_basis=basis,
        pc=pc,
        pc_method=assessed.method,
        pc_method_reason=assessed.reason,
        pc_foster=pc_2d,
        pc_chan=rounded(chan.pc, 12) if bool(chan.valid) else None,
        pc3d=_significant(assessed.pc3d.pc),
        pc3d_status=assessed.pc3d_message,
        monte_carlo=_monte_carlo_out(assessed.monte_carlo),
        usage_violations=_violations_out(assessed.violations),
        pc_max=pc_max,
        pc_max_covariance_scale=rounded(worst.covariance_scale, 4),
        covariance_assumed=not all(from_oem),
        covariances=[
            CovarianceInfo(
                norad_id=ids[i],
                source="oem" if from_oem[i] else str(cov.source),
                assumed=not from_oem[i],
                regime=str(cov.regime[i]),
                element_age_days=round(float(cov.age_days[i]), 3),
                sigma_rtn_km=vec3(
                    _position_sigma_rtn(cov_inertial[i], r[i], v[i])
                    if from_oem[i]
                    else cov.sigma_position_rtn_km[i],
                    4,
                ),
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
        inaccurate=rounded(uv.inaccurate, 6),
        npd=uv.npd,
        blended=uv.blended,
        curvilinear=uv.curvilinear,
    )


def _position_sigma_rtn(
    cov_teme: NDArray[np.float64], r: NDArray[np.float64], v: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The R, T, N position sigmas (km) of a 6×6 inertial covariance."""
    b = rtn_basis(r, v)
    return np.sqrt(np.clip(np.diag(b @ cov_teme[:3, :3] @ b.T), 0.0, None))
