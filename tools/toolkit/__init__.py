"""The nine tools of the public contract: pydantic arguments in, pydantic results out.

Each tool is ``fn(ctx, args) -> Result`` over a :class:`~cosmo_agent.tools.context.ToolContext`
and is listed in :data:`TOOLKIT` with its argument and result models;
:func:`cosmo_agent.tools.registry.call_tool` validates the arguments, runs the tool and turns
every :class:`~cosmo_agent.tools.context.ToolError` into data.  The tools compute nothing
themselves: they resolve mission names, check element ages against the mission policy, call
the orbital core and the scheduling, space-weather and command modules, and shape the answer
for an LLM and a briefing.  One module per family: :mod:`.fleet` (``fleet_status``,
``propagate``), :mod:`.passes`, :mod:`.conjunctions` (``screen_conjunctions``,
``assess_conjunction``), :mod:`.avoidance` (``plan_avoidance``), :mod:`.weather`
(``space_weather``), :mod:`.contacts` (``schedule_contacts``) and :mod:`.commands`
(``propose_commands``); :mod:`.arguments` and :mod:`.outputs` hold the argument types and
result parts they share, :mod:`.elements` the element sets they may plan with.

Conventions: times are UTC (``..._utc``, ISO 8601 with ``Z`` in JSON), units are in the
field names, and numbers are rounded to what the models behind them can support.

>>> from cosmo_agent.tools.context import ToolContext
>>> from cosmo_agent.tools.mission import parse_mission
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

from typing import Final

from cosmo_agent.tools.context import ToolArgs, ToolResult, ToolSpec
from cosmo_agent.tools.toolkit.arguments import (
    QUANTITY_TEXT_MAX_CHARS,
    DistanceKm,
    ElevationDeg,
    EventId,
    Hours,
    Name,
    Probability,
    RadiusM,
    SatelliteSelection,
    StationSelection,
    StepSeconds,
    When,
)
from cosmo_agent.tools.toolkit.avoidance import (
    MAX_AVOIDANCE_DV_M_S,
    POST_MANEUVER_SCREEN_AFTER_TCA_H,
    AvoidanceAxis,
    ManeuverCommand,
    ManeuverProposal,
    PlanAvoidanceArgs,
    PostManeuverScreening,
    ProposalStatus,
    ScreenedApproach,
    plan_avoidance,
)
from cosmo_agent.tools.toolkit.commands import (
    CommandCheck,
    CommandIssueOut,
    CommandRequest,
    ParameterValue,
    ProposeCommandsArgs,
    ProposeCommandsResult,
    propose_commands,
)
from cosmo_agent.tools.toolkit.conjunctions import (
    DEFAULT_SECONDARY_HARD_BODY_RADIUS_M,
    AssessConjunctionArgs,
    ConjunctionAssessment,
    ConjunctionEvent,
    CovarianceInfo,
    EventSighting,
    MonteCarloPc,
    ScreenConjunctionsArgs,
    ScreeningResult,
    UsageViolationReport,
    assess_conjunction,
    screen_conjunctions,
)
from cosmo_agent.tools.toolkit.contacts import (
    SCHEDULE_TIME_LIMIT_S,
    ContactOut,
    ScheduleContactsArgs,
    ScheduleResult,
    UnmetOut,
    downlink_rate_mbps,
    schedule_contacts,
)
from cosmo_agent.tools.toolkit.fleet import (
    MAX_TRACK_SAMPLES,
    MAX_TRACK_SAMPLES_PER_SATELLITE,
    FleetStatusArgs,
    FleetStatusResult,
    PropagateArgs,
    PropagateResult,
    SatelliteStatus,
    Track,
    fleet_status,
    propagate,
)
from cosmo_agent.tools.toolkit.outputs import ExcludedSatellite, ObjectRef
from cosmo_agent.tools.toolkit.passes import FindPassesArgs, PassesResult, PassInfo, find_passes
from cosmo_agent.tools.toolkit.weather import (
    SpaceWeatherArgs,
    SpaceWeatherResult,
    SwpcAlertOut,
    space_weather,
)

__all__ = [
    "DEFAULT_SECONDARY_HARD_BODY_RADIUS_M",
    "MAX_AVOIDANCE_DV_M_S",
    "MAX_TRACK_SAMPLES",
    "MAX_TRACK_SAMPLES_PER_SATELLITE",
    "POST_MANEUVER_SCREEN_AFTER_TCA_H",
    "QUANTITY_TEXT_MAX_CHARS",
    "SCHEDULE_TIME_LIMIT_S",
    "TOOLKIT",
    "AssessConjunctionArgs",
    "AvoidanceAxis",
    "CommandCheck",
    "CommandIssueOut",
    "CommandRequest",
    "ConjunctionAssessment",
    "ConjunctionEvent",
    "ContactOut",
    "CovarianceInfo",
    "DistanceKm",
    "ElevationDeg",
    "EventId",
    "EventSighting",
    "ExcludedSatellite",
    "FindPassesArgs",
    "FleetStatusArgs",
    "FleetStatusResult",
    "Hours",
    "ManeuverCommand",
    "ManeuverProposal",
    "MonteCarloPc",
    "Name",
    "ObjectRef",
    "ParameterValue",
    "PassInfo",
    "PassesResult",
    "PlanAvoidanceArgs",
    "PostManeuverScreening",
    "Probability",
    "PropagateArgs",
    "PropagateResult",
    "ProposalStatus",
    "ProposeCommandsArgs",
    "ProposeCommandsResult",
    "RadiusM",
    "SatelliteSelection",
    "SatelliteStatus",
    "ScheduleContactsArgs",
    "ScheduleResult",
    "ScreenConjunctionsArgs",
    "ScreenedApproach",
    "ScreeningResult",
    "SpaceWeatherArgs",
    "SpaceWeatherResult",
    "StationSelection",
    "StepSeconds",
    "SwpcAlertOut",
    "ToolArgs",
    "ToolResult",
    "Track",
    "UnmetOut",
    "UsageViolationReport",
    "When",
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

TOOLKIT: Final[tuple[ToolSpec, ...]] = (
    ToolSpec(
        "fleet_status",
        "Status of every fleet satellite at the planning clock: element-set epoch and age,"
        " staleness against mission policy, current latitude/longitude/altitude, perigee and"
        " apogee, and SGP4 errors. Call it first to know whether the data can be trusted.",
        FleetStatusArgs,
        fleet_status,
        result=FleetStatusResult,
    ),
    ToolSpec(
        "propagate",
        "Ground track (latitude, longitude, altitude) of fleet satellites over a time window,"
        " sampled every step_s seconds (sample count is capped).",
        PropagateArgs,
        propagate,
        result=PropagateResult,
    ),
    ToolSpec(
        "find_passes",
        "Passes of fleet satellites over ground stations from the planning clock: AOS,"
        " culmination and LOS times, maximum elevation and azimuths, with horizon masks applied.",
        FindPassesArgs,
        find_passes,
        result=PassesResult,
    ),
    ToolSpec(
        "screen_conjunctions",
        "Screen fleet satellites against the whole catalog for close approaches under"
        " threshold_km; each event gets an event_id (pair and TCA) and an alias (CONJ-0001,"
        " ...), either of which assess_conjunction and plan_avoidance take.",
        ScreenConjunctionsArgs,
        screen_conjunctions,
        result=ScreeningResult,
    ),
    ToolSpec(
        "assess_conjunction",
        "Collision probability of a screened conjunction (Foster and Chan Pc, worst-case max Pc)"
        " with the miss in radial/along-track/cross-track, using assumed TLE covariances, and"
        " whether mission policy calls for avoidance.",
        AssessConjunctionArgs,
        assess_conjunction,
        result=ConjunctionAssessment,
    ),
    ToolSpec(
        "plan_avoidance",
        "Plan the smallest avoidance burn for a screened conjunction that meets the Pc and miss"
        " targets, screen the post-maneuver orbit, and return the ORBIT_MANEUVER command.",
        PlanAvoidanceArgs,
        plan_avoidance,
        result=ManeuverProposal,
    ),
    ToolSpec(
        "space_weather",
        "Current NOAA geomagnetic (G), radiation (S) and radio-blackout (R) levels, active SWPC"
        " alerts, and the mission's alerts for each satellite and station; stale data is flagged.",
        SpaceWeatherArgs,
        space_weather,
        result=SpaceWeatherResult,
    ),
    ToolSpec(
        "schedule_contacts",
        "Schedule downlink contacts of fleet satellites on ground-station antennas from the"
        " predicted passes, respecting turnaround, minimum contact, blackouts, priorities and"
        " contacts per day.",
        ScheduleContactsArgs,
        schedule_contacts,
        result=ScheduleResult,
    ),
    ToolSpec(
        "propose_commands",
        "Check commands against each satellite's command dictionary and the mission's command"
        " margin; returns accepted and rejected commands with reasons, hazards and required"
        " approvals (it does not send anything).",
        ProposeCommandsArgs,
        propose_commands,
        result=ProposeCommandsResult,
    ),
)
"""The nine tools, in the contract's order."""
