"""The ``plan_avoidance`` tool: the smallest avoidance burn for a screened conjunction that
meets the Pc and miss targets, its post-maneuver screening, and the ORBIT_MANEUVER command."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final, Literal

import numpy as np
from pydantic import Field
from sgp4.exporter import export_tle

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.maneuver import (
    DEFAULT_OTHER_LEAD_ORBITS,
    BurnAxis,
    Rescreen,
    catalog_rescreener,
    plan_clear_avoidance,
)
from cosmo_agent.tools import ephemerides
from cosmo_agent.tools.context import ToolArgs, ToolContext, ToolError, ToolResult
from cosmo_agent.tools.events import EVENT_MATCH_S
from cosmo_agent.tools.toolkit.arguments import DistanceKm, EventId, Probability, When
from cosmo_agent.tools.toolkit.conjunctions import hard_body_radius
from cosmo_agent.tools.toolkit.elements import planning_catalog
from cosmo_agent.tools.toolkit.outputs import (
    ObjectRef,
    ResultPart,
    iso_utc,
    object_ref,
    rounded,
    vec3,
)

__all__ = [
    "MAX_AVOIDANCE_DV_M_S",
    "POST_MANEUVER_SCREEN_AFTER_TCA_H",
    "AvoidanceAxis",
    "ManeuverCommand",
    "ManeuverProposal",
    "PlanAvoidanceArgs",
    "PostManeuverScreening",
    "ProposalStatus",
    "ScreenedApproach",
    "plan_avoidance",
]

MAX_AVOIDANCE_DV_M_S: Final = 1.0
"""The largest avoidance burn plan_avoidance searches (m/s)."""
POST_MANEUVER_SCREEN_AFTER_TCA_H: Final = 24.0
"""The post-maneuver screening runs from the burn to this long after the original TCA (h)."""


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


class ScreenedApproach(ResultPart):
    """One approach found by the post-maneuver screening."""

    secondary: ObjectRef
    tca_utc: datetime
    miss_km: float
    new: bool


class PostManeuverScreening(ResultPart):
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


class ManeuverCommand(ResultPart):
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
            f" {self.direction} at {iso_utc(self.burn_epoch_utc)} -> miss {self.miss_km} km,"
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
    warnings = planning_catalog(ctx, [sat], ctx.now, tca).warnings
    catalog = ctx.catalog
    stop = tca + timedelta(hours=POST_MANEUVER_SCREEN_AFTER_TCA_H)
    # the primary's own OEM, where the mission names one covering the run, is where the burn
    # starts from (and what the re-screening moves), not its TLE
    catalog, uncovered = ephemerides.apply_ephemerides(
        catalog, ephemerides.fleet_ephemerides(ctx.mission, [sat]), ctx.now, stop
    )
    if uncovered:
        raise ToolError.make(
            "data_unavailable",
            what=f"the ephemeris of {sat.name} from {iso_utc(ctx.now)} to {iso_utc(stop)}"
            " (fleet[].ephemeris)",
            problem="; ".join(uncovered.values()),
            fix="Give an OEM covering the burn, the TCA and the re-screening after it, or"
            " remove the fleet entry's ephemeris.",
        )
    rows = catalog.index_of([event.primary.norad_id, event.secondary.norad_id])
    primary: Any = catalog.satrecs[int(rows[0])]
    secondary: Any = catalog.satrecs[int(rows[1])]
    period_s = 2.0 * math.pi / float(primary.no_kozai) * 60.0
    pinned = args.burn_epoch is not None or args.burn_lead_orbits is not None
    if args.burn_epoch is not None:
        burn = args.burn_epoch.astimezone(UTC)
        asked = f"burn_epoch {iso_utc(burn)}"
    elif args.burn_lead_orbits is not None:
        burn = tca - timedelta(seconds=round(args.burn_lead_orbits * period_s))
        asked = f"burn_lead_orbits {args.burn_lead_orbits:g} (a burn at {iso_utc(burn)})"
    else:
        burn = tca - timedelta(seconds=round(1.5 * period_s))
        if burn < earliest:
            burn = earliest.replace(microsecond=0) + timedelta(seconds=1)
            warnings.append(
                f"burn moved to {iso_utc(burn)}, the mission's avoidance lead time"
                f" ({policy.avoidance_lead_h:g} h) after the planning clock; a later burn needs"
                " more Δv"
            )
    if pinned:
        margin = ctx.now + timedelta(minutes=policy.command_margin_min)
        problem = None
        if burn >= tca:
            problem = f"{asked} is not before the TCA {iso_utc(tca)} of {event_id}"
        elif burn < margin:
            problem = (
                f"{asked} is before {iso_utc(margin)}, the planning clock plus the mission's"
                f" command margin ({policy.command_margin_min:g} min)"
            )
        if problem is not None:
            longest = (tca - margin).total_seconds() / period_s
            raise ToolError.make(
                "invalid_arguments",
                name="plan_avoidance",
                problems=f"{problem}; pass a burn_epoch after {iso_utc(margin)} and before"
                f" {iso_utc(tca)}, or a burn_lead_orbits up to {max(longest, 0.0):.2f}",
            )
        if burn < earliest:
            warnings.append(
                f"the burn at {iso_utc(burn)} is inside the mission's avoidance lead time"
                f" ({policy.avoidance_lead_h:g} h after the planning clock): less time to"
                " approve and uplink it"
            )
    axes: dict[AvoidanceAxis, BurnAxis] = {"along_track": "along-track", "radial": "radial"}
    hbr_m, _ = hard_body_radius(ctx, event.primary.norad_id, event.secondary.norad_id)
    rescreen = catalog_rescreener(
        event.primary.norad_id,
        catalog,
        stop,
        threshold_km=event.threshold_km,
        avoided=(event.secondary.norad_id, tca),
        original=primary,
        match_s=EVENT_MATCH_S,
    )
    found = plan_clear_avoidance(
        primary,
        secondary,
        tca,
        rescreen,
        burn_epoch=burn,
        axes=list(dict.fromkeys(axes[a] for a in args.directions or ("along_track", "radial"))),
        other_lead_orbits=() if pinned else DEFAULT_OTHER_LEAD_ORBITS,
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
            ctx, catalog, found.rescreen, solution.burn_epoch, vec3(solution.dv_rtn_m_s, 6),
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
                "burn_epoch": iso_utc(solution.burn_epoch),
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
        delta_v_rtn_m_s=vec3(solution.dv_rtn_m_s, 6),
        delta_v_m_s=round(solution.dv_m_s, 6),
        direction=solution.direction,
        tca_utc=solution.tca,
        miss_km=rounded(solution.miss_km, 4),
        pc=rounded(solution.pc, 12),
        miss_before_km=rounded(solution.miss_original_km, 4),
        pc_before=rounded(solution.pc_original, 12),
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
    check: Rescreen,
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
            secondary=object_ref(ctx, int(after.secondary_id[i]), catalog),
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
