"""The ``schedule_contacts`` tool: downlink contacts chosen from the predicted passes by the
CP-SAT scheduler, and the downlink rate a satellite's ``START_DOWNLINK`` carries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final, Literal

from pydantic import Field

from cosmo_agent.tools.commands import CommandDefinition
from cosmo_agent.tools.context import ToolArgs, ToolContext, ToolError, ToolResult
from cosmo_agent.tools.mission import GroundStation, Satellite
from cosmo_agent.tools.scheduling import (
    ContactOpportunity,
    SatelliteDemand,
    StationConfig,
)
from cosmo_agent.tools.scheduling import schedule_contacts as schedule_contact_opportunities
from cosmo_agent.tools.toolkit.arguments import Hours, SatelliteSelection, StationSelection
from cosmo_agent.tools.toolkit.outputs import (
    ExcludedSatellite,
    ObjectRef,
    ResultPart,
    left_out,
    object_ref,
)
from cosmo_agent.tools.toolkit.passes import pass_search

__all__ = [
    "SCHEDULE_TIME_LIMIT_S",
    "ContactOut",
    "ScheduleContactsArgs",
    "ScheduleResult",
    "UnmetOut",
    "downlink_rate_mbps",
    "schedule_contacts",
]

SCHEDULE_TIME_LIMIT_S: Final = 10.0
"""Wall-time budget of the contact scheduler inside schedule_contacts (s)."""


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


class ContactOut(ResultPart):
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


class UnmetOut(ResultPart):
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
            f" contacts" + left_out(self.excluded)
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
    sats = ctx.satellites(args.satellites)
    stations = ctx.stations(args.stations)
    start = ctx.now
    stop = start + timedelta(hours=args.duration_h)
    found = pass_search(ctx, sats, stations, start, stop, None)
    passes, warnings, sats = found.passes, found.warnings, found.satellites
    ctx.store.passes = passes
    rates = _downlink_rates(ctx, sats, stations)
    slowest = {
        (s.norad_id, st.id): min(rates[(s.norad_id, st.id, a.id)] for a in st.antennas)
        for s in sats
        for st in stations
    }
    opportunities = [
        ContactOpportunity(
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
        StationConfig(
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
        SatelliteDemand(
            satellite_id=s.norad_id,
            priority=s.priority,
            required_contacts_per_day=s.contacts_per_day,
        )
        for s in sats
    ]
    result = schedule_contact_opportunities(
        opportunities,
        configs,
        demands,
        args.objective,
        time_limit_s=SCHEDULE_TIME_LIMIT_S,
        horizon_start=start,
        horizon_end=stop,
    )
    refs = {s.norad_id: object_ref(ctx, s.norad_id) for s in sats}
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
