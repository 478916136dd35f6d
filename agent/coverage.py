"""What a plan does not cover: mission objectives that did not run for a satellite, and
safety policies the commands do not satisfy.

A plan is complete only when every objective of the mission ran, for every satellite it
covers, and the safety policies hold; otherwise each shortfall is a
:class:`~cosmo_agent.agent.plan.PlanGap` and the plan is ``incomplete`` (never ``accepted``).

Objectives and the tools that fulfil them (:data:`OBJECTIVE_TOOLS`): an objective is covered
for a satellite when a call of its tool succeeded with that satellite selected and did not
leave it out (``excluded``: no element set, elements too old, SGP4 failed). Beyond them:

- ``space_weather_watch`` needs every NOAA scale known (a stale, empty or corrupt feed leaves
  a level unknown, and unknown is not quiet);
- ``avoid_conjunctions`` needs a planned maneuver for every event whose assessment asks for
  one;
- each free-text request counts as objectives of its own: the tool calls the rules
  planner's reading gives it (:func:`~cosmo_agent.agent.intents.parse_request` with the
  mission's :func:`~cosmo_agent.agent.rules.vocabulary_for`) must have run for the satellites
  it names (``propose_commands``: each named command checked and accepted for each named
  satellite; ``assess_conjunction`` / ``plan_avoidance``: a call for each named event). Their
  gaps are named ``request:<n>`` (n counts the mission's ``requests`` from 1) and quote the
  request; a request the reading maps to no tool (chit-chat, out of scope) is no gap, and a
  (tool, satellite) that a structured objective already reports is not reported twice;
- a tool of the registry that failed and never succeeded afterwards is a gap of its own;
- safety (:func:`safety_gaps`, checked again after every repair): each ``safe_mode_recommended``
  alert has its satellite's ``SAFE_MODE_ENTER`` in the plan, and no downlink of that satellite
  starts after it;
- a command the mission asks for by name (:func:`requested_commands`: an objective of kind
  ``commands``, or a free-text request's ``propose_commands`` items) that the graph's repair
  step drops is a gap of that objective or request (:func:`dropped_request_gaps`), naming the
  rule that removed it; a command the planner added on its own may be dropped with a note.

>>> from cosmo_agent.tools.mission import load_mission
>>> mission = load_mission("bundled:demo.yaml")
>>> for gap in objective_gaps(mission, [])[:2]:  # no tool ran
...     print(gap.describe())
fleet_status for fleet: fleet_status did not run
space_weather_watch for fleet: space_weather did not run
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final

from cosmo_agent.agent.intents import IntendedCall, parse_request
from cosmo_agent.agent.jsontypes import JsonValue
from cosmo_agent.agent.plan import CommandPlan, PlanGap, PlannedCommand, SatelliteRef
from cosmo_agent.agent.rules import vocabulary_for
from cosmo_agent.agent.trace import ToolRecord
from cosmo_agent.orbital.timescales import iso_utc
from cosmo_agent.tools.events import same_event
from cosmo_agent.tools.mission import Mission, Satellite

__all__ = [
    "OBJECTIVE_TOOLS",
    "REQUEST_OBJECTIVE",
    "SAFETY_OBJECTIVE",
    "dropped_request_gaps",
    "objective_gaps",
    "requested_commands",
    "safety_gaps",
    "with_safety_gaps",
]

OBJECTIVE_TOOLS: Final[Mapping[str, str]] = {
    "fleet_status": "fleet_status",
    "space_weather_watch": "space_weather",
    "screen_conjunctions": "screen_conjunctions",
    "avoid_conjunctions": "screen_conjunctions",
    "find_passes": "find_passes",
    "schedule_downlinks": "schedule_contacts",
    "commands": "propose_commands",
}
"""Objective kind -> the tool whose successful call fulfils it."""
SAFETY_OBJECTIVE: Final = "safety"
"""The ``objective`` of gaps that safety policies raise (recomputed after repairs)."""
REQUEST_OBJECTIVE: Final = "request:{n}"
"""The ``objective`` of gaps of the mission's n-th free-text request (counted from 1)."""
_QUOTE_CHARS: Final = 60  # a request is quoted in its gaps up to this many characters
_PER_SATELLITE: Final = frozenset(
    {"space_weather", "screen_conjunctions", "find_passes", "schedule_contacts", "propagate"}
)


def _select(mission: Mission, selection: JsonValue | Sequence[JsonValue]) -> list[Satellite]:
    """The fleet satellites a selection (``"all"``, names, aliases or ids) names."""
    if selection is None or (isinstance(selection, str) and selection.casefold() == "all"):
        return list(mission.fleet)
    items = [selection] if isinstance(selection, str | int | float) else list(selection)
    if any(isinstance(i, str) and i.casefold() == "all" for i in items):
        return list(mission.fleet)
    out: list[Satellite] = []
    for item in items:
        if not isinstance(item, str | int):
            continue  # not a name or an id
        try:
            sat = mission.satellite(item)
        except (KeyError, ValueError):
            continue
        if sat not in out:
            out.append(sat)
    return out


def _covered(mission: Mission, records: Iterable[ToolRecord]) -> tuple[set[int], dict[int, str]]:
    """Satellites computed by these successful calls, and why others were left out."""
    done: set[int] = set()
    left: dict[int, str] = {}
    for r in records:
        gone = {
            int(e["satellite"]["norad_id"]): str(e.get("message", e.get("reason", "")))
            for e in r.result.get("excluded", [])
        }
        for sat in _select(mission, r.args.get("satellites", "all")):
            if sat.norad_id in gone:
                left.setdefault(sat.norad_id, gone[sat.norad_id])
            else:
                done.add(sat.norad_id)
    return done, left


def objective_gaps(mission: Mission, records: Sequence[ToolRecord]) -> list[PlanGap]:
    """Every objective of ``mission`` (structured, and each free-text request) that the tool
    calls in ``records`` did not fulfil, per satellite where the objective is per satellite
    (see the module docstring)."""
    ok: dict[str, list[ToolRecord]] = {}
    failed: dict[str, list[ToolRecord]] = {}
    for r in records:
        (ok if r.ok else failed).setdefault(r.name, []).append(r)
    gaps: list[PlanGap] = []
    reported: set[tuple[str, int | None]] = set()  # (what, satellite or None: every one)

    def why_not(tool: str) -> str:
        errors = failed.get(tool, [])
        if not errors:
            return f"{tool} did not run"
        last = errors[-1]
        return f"{tool} failed ({last.error_code}): {last.error.get('message', '')}"[:2000]

    for objective in mission.objectives:
        kind = objective.kind
        tool = OBJECTIVE_TOOLS[kind]
        wanted = _select(mission, objective.satellites)
        if not ok.get(tool):
            gaps.append(PlanGap(objective=kind, reason=why_not(tool)))
            reported.add((tool, None))
            continue
        if tool in _PER_SATELLITE:
            done, reasons = _covered(mission, ok[tool])
            for sat in wanted:
                if sat.norad_id not in done:
                    reason = reasons.get(sat.norad_id) or f"{tool} did not include it"
                    gaps.append(
                        PlanGap(objective=kind, satellite=SatelliteRef.of(sat), reason=reason)
                    )
                    reported.add((tool, sat.norad_id))
        if kind == "space_weather_watch":
            gaps += _space_weather_gaps(ok[tool][-1])
        if kind == "avoid_conjunctions":
            gaps += _avoidance_gaps(mission, ok)
    asked = _requested(mission)
    for n, calls in enumerate(asked, 1):
        gaps += _request_gaps(mission, n, calls, ok, why_not, reported)
    objective_tools = {OBJECTIVE_TOOLS[o.kind] for o in mission.objectives}
    objective_tools |= {c.name for calls in asked for c in calls}
    for name, errors in failed.items():
        unknown = all(e.error_code == "unknown_tool" for e in errors)  # no tool, no objective
        if name not in ok and name not in objective_tools and not unknown:
            gaps.append(PlanGap(objective=name, reason=why_not(name)))
    return gaps


def _requested(mission: Mission) -> list[list[IntendedCall]]:
    """The tool calls each free-text request asks for, as the rules planner reads it."""
    if not mission.requests:
        return []
    vocab = vocabulary_for(mission)
    return [parse_request(text, vocab) for text in mission.requests]


def _request_gaps(
    mission: Mission,
    n: int,
    calls: Sequence[IntendedCall],
    ok: Mapping[str, list[ToolRecord]],
    why_not: Callable[[str], str],
    reported: set[tuple[str, int | None]],
) -> list[PlanGap]:
    """Gaps of request ``n``: its intended ``calls`` that did not run for what it names
    (``reported``: what (a tool, a command, an event) for which satellite (None: all) has a
    gap already, updated)."""
    quote = _quote(mission.requests[n - 1])
    objective = REQUEST_OBJECTIVE.format(n=n)
    gaps: list[PlanGap] = []

    def gap(tool: str, sat: Satellite | None, what: str, why: str) -> None:
        key = (what, None if sat is None else sat.norad_id)
        if key in reported or (what, None) in reported or (tool, None) in reported:
            return  # an objective (or an earlier request) says it already
        reported.add(key)
        ref = None if sat is None else SatelliteRef.of(sat)
        reason = f'"{quote}" asks for {what}; {why}'
        gaps.append(PlanGap(objective=objective, satellite=ref, reason=reason[:2000]))

    for call in calls:
        tool, args = call.name, call.arguments
        done = ok.get(tool, [])
        for name in _unknown_names(mission, args):
            gap(tool, None, f"{tool} for {name!r}", f"{name!r} is not a satellite of this mission")
        if tool == "propose_commands":
            for item in args.get("commands", []):
                command = str(item.get("command"))
                for sat in _select(mission, item.get("satellite") or []):
                    why = _command_unmet(sat, command, done, why_not)
                    if why is not None:
                        gap(tool, sat, f"{command} (propose_commands)", why)
        elif tool in ("assess_conjunction", "plan_avoidance"):
            event = str(args.get("event_id") or "")
            if not any(_names_event(r.result, event) for r in done):
                gap(tool, None, f"{tool} of {args.get('event_id')}", why_not(tool))
        elif not done:
            gap(tool, None, tool, why_not(tool))
        elif tool in _PER_SATELLITE:
            covered, reasons = _covered(mission, done)
            for sat in _select(mission, args.get("satellites", "all")):
                if sat.norad_id not in covered:
                    why = reasons.get(sat.norad_id) or f"{tool} did not include it"
                    gap(tool, sat, tool, why)
    return gaps


def requested_commands(mission: Mission) -> list[tuple[str, Satellite, str, str]]:
    """The commands ``mission`` asks for by name, ``(objective, satellite, command, asked)``:
    each objective of kind ``commands`` (its ``command`` parameter for each satellite it
    selects; objective ``commands``, asked ``the commands objective``), then each free-text
    request's ``propose_commands`` items as the rules planner reads it (objective
    ``request:<n>``, asked: the request quoted)."""
    out: list[tuple[str, Satellite, str, str]] = []
    for o in mission.objectives:
        command = o.parameters.get("command")
        if o.kind == "commands" and isinstance(command, str):
            out += [
                (o.kind, sat, command, "the commands objective")
                for sat in _select(mission, o.satellites)
            ]
    for n, calls in enumerate(_requested(mission), 1):
        asked = f'"{_quote(mission.requests[n - 1])}"'
        for call in calls:
            if call.name != "propose_commands":
                continue
            for item in call.arguments.get("commands", []):
                command = str(item.get("command"))
                for sat in _select(mission, item.get("satellite") or []):
                    out.append((REQUEST_OBJECTIVE.format(n=n), sat, command, asked))
    return out


def dropped_request_gaps(
    mission: Mission, plan: CommandPlan, dropped: Iterable[tuple[PlannedCommand, str]]
) -> list[PlanGap]:
    """Gaps for the commands ``mission`` asked for (:func:`requested_commands`) that a repair
    dropped: ``dropped`` holds each command as it was and why it was dropped (the rules and the
    validator's message); ``plan`` is the repaired plan. A dropped command the mission did not
    ask for (the planner's own: a downlink, say) is no gap, and neither is one whose satellite
    still has that command in ``plan``. One gap per satellite and command, for the first
    objective that asks for it.

    >>> from cosmo_agent.agent.plan import Rationale
    >>> from cosmo_agent.tools.mission import load_mission
    >>> mission = load_mission("bundled:demo.yaml")
    >>> mission = mission.model_copy(update={"requests": ["Send SAFE_MODE_EXIT to K3"]})
    >>> now = mission.horizon.start()
    >>> exit = PlannedCommand(time=now, satellite=SatelliteRef.of(mission.satellite("K3")),
    ...                       command="SAFE_MODE_EXIT", rationale=Rationale(text="asked"))
    >>> empty = CommandPlan(mission=mission.name, created_at=now, horizon_start=now,
    ...                     horizon_end=now)
    >>> [gap] = dropped_request_gaps(mission, empty, [(exit, "policy.radiation_storm")])
    >>> print(gap.describe())  # doctest: +ELLIPSIS
    request:1 for KOMPSAT 3 (38338): "Send SAFE_MODE_EXIT to K3" asks for SAFE_MODE_EXIT...
    """
    gone = list(dropped)
    if not gone:
        return []
    asked = requested_commands(mission)
    kept = {(c.satellite.norad_id, c.command) for c in plan.commands}
    gaps: list[PlanGap] = []
    done: set[tuple[int, str]] = set()
    for cmd, why in gone:
        key = (cmd.satellite.norad_id, cmd.command)
        if key in kept or key in done:
            continue
        source = next(
            ((objective, sat, text) for objective, sat, command, text in asked
             if sat.norad_id == key[0] and command == cmd.command),
            None,
        )  # fmt: skip
        if source is None:
            continue  # the planner's own command: the repair note says why it went
        done.add(key)
        objective, sat, text = source
        reason = (
            f"{text} asks for {cmd.command} (propose_commands); the repair step dropped it"
            f" at {iso_utc(cmd.time)} for {why}"
        )
        gaps.append(
            PlanGap(objective=objective, satellite=SatelliteRef.of(sat), reason=reason[:2000])
        )
    return gaps


def _quote(request: str) -> str:
    """A request as its gaps quote it: on one line, at most ``_QUOTE_CHARS`` characters."""
    text = " ".join(request.split())
    return text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 1] + "…"


def _unknown_names(mission: Mission, args: Mapping[str, JsonValue]) -> list[str]:
    """Satellites a request names that the mission does not know (or cannot tell apart)."""
    selection = args.get("satellites", "all")
    names = [str(x) for x in selection] if isinstance(selection, list) else []
    items = args.get("commands", [])
    if isinstance(items, list):
        names += [str(c["satellite"]) for c in items if isinstance(c, dict) and c.get("satellite")]
    unknown: list[str] = []
    for name in names:
        try:
            mission.satellite(name)
        except KeyError:
            unknown.append(name)
    return unknown


def _command_unmet(
    sat: Satellite,
    command: str,
    done: Sequence[ToolRecord],
    why_not: Callable[[str], str],
) -> str | None:
    """Why ``command`` for ``sat`` was not checked and accepted by propose_commands (None:
    it was)."""
    refused = ""
    for r in done:
        for item in r.result.get("items", []):
            ref = item.get("satellite") or {}
            if item.get("command") != command or ref.get("norad_id") != sat.norad_id:
                continue
            if item.get("accepted"):
                return None
            issues = item.get("issues") or []
            refused = str(issues[0].get("message", "")) if issues else "no reason given"
    if refused:
        return f"propose_commands refused it ({refused})"[:1500]
    if done:
        return f"propose_commands was not asked for {command} for {sat.name}"
    return why_not("propose_commands")


def _names_event(result: Mapping[str, object], event: str) -> bool:
    """Whether a tool result is about the event a request names: by its canonical id or its
    alias, as the tools look events up (``CONJ-7`` is ``CONJ-0007``)."""
    names = (result.get("event_id"), result.get("alias"))
    return any(name and same_event(str(name), event) for name in names)


def _space_weather_gaps(record: ToolRecord) -> list[PlanGap]:
    scales = record.result.get("scales") or {}
    unknown = [k for k in "GSR" if (scales.get(k) or {}).get("level") is None]
    if not unknown:
        return []
    stale = ", ".join(record.result.get("stale_products") or []) or "none readable"
    problems = "; ".join(str(p) for p in record.result.get("problems") or [])[:600]
    return [
        PlanGap(
            objective="space_weather_watch",
            reason=f"NOAA scale(s) {', '.join(unknown)} unknown: stale or missing products"
            f" ({stale}){'; ' + problems if problems else ''}; unknown is not quiet, get"
            " current space weather and re-plan",
        )
    ]


def _avoidance_gaps(mission: Mission, ok: Mapping[str, list[ToolRecord]]) -> list[PlanGap]:
    planned = {
        str(r.result.get("event_id"))
        for r in ok.get("plan_avoidance", [])
        if r.result.get("status") == "proposed"
    }
    gaps = []
    for a in ok.get("assess_conjunction", []):
        x = a.result
        event = str(x.get("event_id"))
        if x.get("action") != "plan_avoidance" or event in planned:
            continue
        primary = x.get("primary") or {}
        try:
            ref: SatelliteRef | None = SatelliteRef.of(mission.satellite(int(primary["norad_id"])))
        except (KeyError, TypeError, ValueError):
            ref = None
        gaps.append(
            PlanGap(
                objective="avoid_conjunctions",
                satellite=ref,
                reason=f"{event} breaks the policy (miss {x.get('miss_km')} km, Pc"
                f" {x.get('pc', x.get('pc_foster'))}) and no avoidance maneuver is planned",
            )
        )
    return gaps


def safety_gaps(plan: CommandPlan, mission: Mission) -> list[PlanGap]:
    """Safety policies ``plan``'s own commands do not satisfy: a satellite the space-weather
    rules put in safe mode has ``SAFE_MODE_ENTER``, and no downlink starts after it."""
    gaps: list[PlanGap] = []
    safe_at: dict[int, datetime] = {}
    for c in plan.commands:
        if c.command == "SAFE_MODE_ENTER":
            safe_at.setdefault(c.satellite.norad_id, c.time)
    for alert in plan.alerts:
        if alert.action != "safe_mode_recommended" or alert.target_kind != "satellite":
            continue
        try:
            sat: SatelliteRef | None = SatelliteRef.of(mission.satellite(alert.target_id))
        except (KeyError, ValueError):
            sat = None
        if sat is None or sat.norad_id not in safe_at:
            gaps.append(
                PlanGap(
                    objective=SAFETY_OBJECTIVE,
                    satellite=sat,
                    reason=f"{alert.rule_id} puts {alert.target_id} in safe mode and"
                    " the plan has no SAFE_MODE_ENTER for it (no uplink contact after the"
                    " command margin, or it was dropped); protect it by hand",
                )
            )
    for c in plan.commands:
        t = safe_at.get(c.satellite.norad_id)
        if c.command == "START_DOWNLINK" and t is not None and c.time > t:
            gaps.append(
                PlanGap(
                    objective=SAFETY_OBJECTIVE,
                    satellite=c.satellite,
                    reason=f"START_DOWNLINK at {c.time.isoformat()} is after the satellite's"
                    f" SAFE_MODE_ENTER at {t.isoformat()} (transmitters off)",
                )
            )
    return gaps


def with_safety_gaps(plan: CommandPlan, mission: Mission) -> CommandPlan:
    """``plan`` with its safety gaps recomputed from its current commands."""
    kept = [g for g in plan.gaps if g.objective != SAFETY_OBJECTIVE]
    return plan.model_copy(update={"gaps": kept + safety_gaps(plan, mission)})
