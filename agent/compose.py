"""From tool results to a command plan, and the repairs and approvals the validator asks for.

:func:`compose_plan` turns the tool results of a run (:class:`~cosmo_agent.agent.trace.ToolRecord`,
as the planner saw them) into a :class:`~cosmo_agent.agent.plan.CommandPlan`:

- the contact schedule (last ``schedule_contacts``) becomes the plan's ``contacts``, and, when
  the mission asks for downlinks, each contact gets ``START_DOWNLINK``/``STOP_DOWNLINK``
  uplinked in that contact;
- a space-weather ``safe_mode_recommended`` alert puts its satellite in ``SAFE_MODE_ENTER`` at
  its first usable contact (later downlinks of that satellite are withheld: safe mode turns the
  transmitters off);
- a ``proposed`` avoidance maneuver becomes ``ORBIT_MANEUVER`` (hazardous) uplinked in a
  contact before the burn, pointing at the post-maneuver screening recorded in ``screenings``;
- commands accepted by ``propose_commands`` go in at their requested time (inside a contact when
  they need one);
- every command's rationale cites the tool call ids behind it; alerts, failed tools and
  withheld commands are recorded; data ages come from fleet_status and space_weather.
- what the results do not cover is recorded as the plan's ``gaps``
  (:mod:`~cosmo_agent.agent.coverage`): objectives that did not run for a satellite, requested
  commands that could not be planned, safety policies the commands do not satisfy.

Times: no command before the planning clock plus ``policies.command_margin_min`` (+1 s); one
satellite's commands are at least a second apart.

:func:`repair_plan` drops or re-times the commands a validation report blames (approvals
excepted: :func:`required_roles` and :func:`apply_approvals` serve the approval step).

>>> from cosmo_agent.tools.mission import load_mission
>>> mission = load_mission("bundled:demo.yaml")
>>> now = mission.horizon.start()
>>> plan = compose_plan(mission, now, [])  # no tool results: nothing to command
>>> plan.commands, plan.horizon_end - plan.horizon_start
([], datetime.timedelta(days=1))
>>> burn = PlannedCommand(time=now, satellite=SatelliteRef(norad_id=39227, name="KOMPSAT 5"),
...                       command="ORBIT_MANEUVER", rationale=Rationale(text="avoid CONJ-0001"))
>>> required_roles(mission, burn)
['flight_director', 'fdo']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final, Literal, TypedDict

from cosmo_agent.agent.briefing import json_time
from cosmo_agent.agent.coverage import objective_gaps, safety_gaps
from cosmo_agent.agent.intents import parse_request
from cosmo_agent.agent.plan import (
    Approval,
    CommandPlan,
    DataAges,
    ElementAge,
    PlanAlert,
    PlanContact,
    PlanGap,
    PlannedCommand,
    Rationale,
    SatelliteRef,
    ScreeningRecord,
    SpaceWeatherState,
    SwpcAlertRef,
    ToolReference,
    UplinkContact,
    data_ages,
)
from cosmo_agent.agent.rules import vocabulary_for
from cosmo_agent.agent.trace import ToolRecord
from cosmo_agent.agent.validator import ValidationReport
from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.timescales import iso_utc
from cosmo_agent.tools.commands import CommandDefinition, CommandDictionaryError, dictionary_for
from cosmo_agent.tools.mission import Mission, Satellite
from cosmo_agent.tools.toolkit import (
    CommandCheck,
    ConjunctionAssessment,
    FleetStatusResult,
    ManeuverProposal,
    ObjectRef,
    ProposeCommandsResult,
    ScheduleResult,
    ScreeningResult,
    SpaceWeatherResult,
    downlink_rate_mbps,
)

__all__ = [
    "APPROVAL_RULES",
    "DroppedCommand",
    "RepairRound",
    "RetimedCommand",
    "apply_approvals",
    "command_hazard",
    "compose_plan",
    "hazardous_commands",
    "repair_plan",
    "required_roles",
    "wants_downlinks",
]

_SECOND: Final = timedelta(seconds=1)
_DOWNLINK_GUARD: Final = timedelta(seconds=5)  # start after AOS / stop before LOS by this much
APPROVAL_RULES: Final = frozenset(
    {
        "approval.missing",
        "approval.invalid",
        "approval.same_person",
        "approval.unbound",
        "approval.content_changed",
    }
)
"""Violations the approval step answers, not the repair loop."""


def _utc(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)



def wants_downlinks(mission: Mission) -> bool:
    """True when the mission asks for downlinks (objective or a free-text request)."""
    if any(o.kind == "schedule_downlinks" for o in mission.objectives):
        return True
    vocab = vocabulary_for(mission)
    return any(
        c.name == "schedule_contacts"
        for text in mission.requests
        for c in parse_request(text, vocab)
    )


def _definition(mission: Mission, sat: Satellite, command: str) -> CommandDefinition | None:
    try:
        return dictionary_for(mission, sat.sat_class).command(command)
    except CommandDictionaryError:
        return None


@dataclass
class _Builder:
    """Contacts, per-satellite time slots and the commands composed so far."""

    mission: Mission
    now: datetime
    earliest: datetime
    contacts: list[PlanContact]
    summaries: Mapping[str, str]
    commands: list[PlannedCommand] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    gaps: list[PlanGap] = field(default_factory=list)
    used: dict[int, set[datetime]] = field(default_factory=dict)

    def request_gap(self, key: str | int, reason: str) -> None:
        """A requested command that is not in the plan (the ``commands`` objective)."""
        try:
            ref: SatelliteRef | None = SatelliteRef.of(self.mission.satellite(str(key)))
        except (KeyError, ValueError):
            ref = None
        self.gaps.append(PlanGap(objective="commands", satellite=ref, reason=reason[:2000]))

    def __post_init__(self) -> None:
        self.uplinks = {(s.id, a.id) for s in self.mission.stations for a in s.antennas if a.uplink}

    def ref(self, r: ToolRecord) -> ToolReference:
        return ToolReference(
            tool=r.name, call_id=r.call_id, summary=self.summaries.get(r.call_id, "")[:2000]
        )

    def _free(self, sat_id: int, t: datetime, hi: datetime) -> datetime | None:
        used = self.used.setdefault(sat_id, set())
        t = t.replace(microsecond=0) + (_SECOND if t.microsecond else timedelta(0))
        while t <= hi:
            if t not in used:
                return t
            t += _SECOND
        return None

    def slot(
        self, sat_id: int, after: datetime, before: datetime | None = None
    ) -> tuple[datetime, UplinkContact] | None:
        """The first free second from ``after`` in an uplink contact (and before ``before``)."""
        after = max(after, self.earliest)
        for c in sorted(self.contacts, key=lambda c: (c.aos, c.station_id, c.antenna_id)):
            if c.satellite_id != sat_id or (c.station_id, c.antenna_id) not in self.uplinks:
                continue
            hi = c.los if before is None else min(c.los, before)
            if hi < after:
                continue
            t = self._free(sat_id, max(c.aos, after), hi)
            if t is not None:
                return t, UplinkContact(
                    station_id=c.station_id, antenna_id=c.antenna_id, aos=c.aos, los=c.los
                )
        return None

    def add(
        self,
        sat: Satellite,
        t: datetime,
        command: str,
        parameters: Mapping[str, bool | int | float | str],
        uplink: UplinkContact | None,
        why: str,
        refs: Sequence[ToolReference],
        screening: str | None = None,
    ) -> None:
        self.used.setdefault(sat.norad_id, set()).add(t)
        self.commands.append(
            PlannedCommand(
                time=t,
                satellite=SatelliteRef.of(sat),
                command=command,
                parameters=dict(parameters),
                uplink=uplink,
                rationale=Rationale(text=why[:4000], references=list(refs)),
                post_maneuver_screening=screening,
            )
        )


def compose_plan(
    mission: Mission,
    now: datetime,
    records: Sequence[ToolRecord],
    *,
    summaries: Mapping[str, str] | None = None,
    catalog: Callable[[], Catalog] | Catalog | None = None,
    downlinks: bool | None = None,
) -> CommandPlan:
    """The command plan the tool results support (see the module docstring).

    ``summaries``: call id -> one-line result summary (the trace) for the references;
    ``catalog``: a Catalog (or a function returning one) for element ages when no fleet_status
    result is there; ``downlinks``: compose downlink commands (default :func:`wants_downlinks`).
    """
    now = now.astimezone(UTC)
    policy = mission.policies
    earliest = now + timedelta(minutes=policy.command_margin_min) + _SECOND
    by_name: dict[str, list[ToolRecord]] = {}
    for r in records:
        by_name.setdefault(r.name, []).append(r)
    ok = {name: [r for r in rs if r.ok] for name, rs in by_name.items()}
    schedule = _last(ok, "schedule_contacts")
    schedule_result = None if schedule is None else schedule.output(ScheduleResult)
    contacts = [] if schedule_result is None else _contacts(schedule_result)
    b = _Builder(mission, now, earliest, contacts, summaries or {})
    for r in records:
        if not r.ok:
            b.notes.append(
                f"{r.name} ({r.call_id}) failed ({r.error_code}): {r.error.get('message', '')}"
            )
    sw = _last(ok, "space_weather")
    weather = None if sw is None else sw.output(SpaceWeatherResult)
    alerts = [] if weather is None else [PlanAlert.from_alert(a) for a in weather.alerts]
    accepted: list[tuple[ToolRecord, CommandCheck]] = []
    for r in ok.get("propose_commands", []):
        for item in r.output(ProposeCommandsResult).items:
            if item.accepted:
                accepted.append((r, item))
            else:
                issues = "; ".join(f"{i.code}: {i.message}" for i in item.issues)
                why = (
                    f"not planned: {item.command} for {item.satellite_key}"
                    f" was rejected by propose_commands ({r.call_id}): {issues}"
                )
                b.notes.append(why)  # the dictionary guard answered: not a gap
    consumed: set[int] = set()

    def claim(
        sat: Satellite, command: str, match: Callable[[CommandCheck], bool]
    ) -> list[tuple[ToolRecord, CommandCheck]]:
        out = []
        for k, (r, item) in enumerate(accepted):
            if (
                k in consumed
                or item.satellite is None
                or item.satellite.norad_id != sat.norad_id
                or item.command != command
            ):
                continue
            if match(item):
                consumed.add(k)
                out.append((r, item))
        return out

    # 1. safe mode where the space-weather rules recommend it
    safe_from: dict[int, datetime] = {}
    for alert in [] if weather is None else weather.alerts:
        if alert.action != "safe_mode_recommended" or alert.target_kind != "satellite":
            continue
        try:
            sat = mission.satellite(str(alert.target_id))
        except KeyError:
            continue
        if sat.norad_id in safe_from:
            continue
        assert sw is not None
        claimed = claim(sat, "SAFE_MODE_ENTER", lambda item: True)
        params: dict[str, bool | int | float | str] = (
            dict(claimed[0][1].parameters or {})
            if claimed
            else {"reason": f"{alert.rule_id}: {alert.scale}{alert.level} storm"[:120]}
        )
        found = b.slot(sat.norad_id, earliest)
        if found is None:
            b.notes.append(
                f"SAFE_MODE_ENTER for {sat.name} not planned: no scheduled uplink contact"
                " after the command margin (run schedule_contacts)"
            )
            continue
        t, uplink = found
        refs = [b.ref(sw), *(b.ref(r) for r, _ in claimed)]
        b.add(sat, t, "SAFE_MODE_ENTER", params, uplink, str(alert.message), refs)
        safe_from[sat.norad_id] = t

    # 2. avoidance maneuvers
    screenings: list[ScreeningRecord] = []
    maneuvered: set[str] = set()
    for r in ok.get("plan_avoidance", []):
        x = r.output(ManeuverProposal)
        event_id = x.event_id
        primary = x.satellite
        cmd = x.command
        if x.status != "proposed" or cmd is None:
            alerts.append(
                _conjunction_alert(
                    primary,
                    f"avoidance for {event_id}: {x.status}"
                    f" ({x.message}); the risk stays, tell the operator",
                )
            )
            continue
        try:
            sat = mission.satellite(str(cmd.satellite))
        except KeyError:
            continue
        burn_text = str(cmd.parameters.get("burn_epoch", json_time(cmd.time)))
        burn = _utc(burn_text)

        def same_burn(item: CommandCheck, epoch: str = burn_text) -> bool:
            return (item.parameters or {}).get("burn_epoch") == epoch

        claimed = claim(sat, str(cmd.command), same_burn)
        screening_id = None
        pms = x.post_maneuver_screening
        if pms is not None:
            screening_id = str(pms.screening_id)
            screenings.append(
                ScreeningRecord(
                    id=screening_id,
                    kind="post_maneuver",
                    satellite_id=int(pms.satellite_id),
                    source=b.ref(r),
                    performed_at=_utc(pms.performed_at_utc),
                    threshold_km=float(pms.threshold_km),
                    new_conjunctions=int(pms.new_conjunctions),
                    min_miss_km=pms.min_miss_km,
                    max_pc=None,
                    dv_rtn_m_s=pms.dv_rtn_m_s,
                    burn_epoch=_utc(pms.burn_epoch_utc),
                )
            )
        found = b.slot(sat.norad_id, earliest, before=burn)
        if found is None:
            alerts.append(
                _conjunction_alert(
                    primary,
                    f"avoidance burn for {event_id} at {burn_text}"
                    " has no uplink contact before it; tell the operator",
                )
            )
            continue
        t, uplink = found
        refs = [b.ref(r)] + [
            b.ref(a)
            for a in ok.get("assess_conjunction", [])
            if a.output(ConjunctionAssessment).event_id == event_id
        ]
        refs += [
            b.ref(s)
            for s in ok.get("screen_conjunctions", [])
            if any(e.event_id == event_id for e in s.output(ScreeningResult).events)
        ]
        refs += [b.ref(rr) for rr, _ in claimed]
        why = (
            f"avoid {event_id} ({primary.name} – {x.secondary.name}"
            f" at {json_time(x.tca_utc)}): miss {x.miss_before_km} → {x.miss_km} km,"
            f" Pc {x.pc_before} → {x.pc} with {x.delta_v_m_s} m/s"
            f" {x.direction} at {burn_text}"
        )
        b.add(sat, t, str(cmd.command), cmd.parameters, uplink, why, refs, screening_id)
        maneuvered.add(event_id)
    for a in ok.get("assess_conjunction", []):
        assessed = a.output(ConjunctionAssessment)
        if assessed.action == "plan_avoidance" and assessed.event_id not in maneuvered:
            alerts.append(
                _conjunction_alert(
                    assessed.primary,
                    f"{assessed.event_id} breaks the"
                    f" policy (miss {assessed.miss_km} km, Pc {assessed.pc})"
                    " and no avoidance maneuver is planned",
                )
            )

    # 3. the other accepted commands, at their requested time
    for k, (r, item) in enumerate(accepted):
        if k in consumed:
            continue
        try:
            sat = mission.satellite(
                str(None if item.satellite is None else item.satellite.norad_id)
            )
        except KeyError:
            continue
        command = str(item.command)
        params = dict(item.parameters or {})
        requested = _utc(item.time_utc) if item.time_utc else None
        definition = _definition(mission, sat, command)
        why = f"operator request: {command} for {sat.name}"
        link: UplinkContact | None = None
        if definition is not None and not definition.requires_contact:
            t0 = max(requested or earliest, earliest)
            t1 = b._free(sat.norad_id, t0, t0 + timedelta(minutes=10))
            if t1 is None:
                b.request_gap(sat.norad_id, f"{command} for {sat.name}: no free second near"
                              f" {iso_utc(t0)}")  # fmt: skip
                continue
            t = t1
        else:
            found = b.slot(sat.norad_id, requested or earliest)
            if found is None:
                why = (
                    f"{command} for {sat.name} not planned: no scheduled uplink contact"
                    f" at or after {iso_utc(requested or earliest)}"
                )
                b.notes.append(why)
                b.request_gap(sat.norad_id, why)
                continue
            t, link = found
        if requested is not None and abs((t - requested).total_seconds()) >= 1:
            why += f" (requested {iso_utc(requested)}; moved to the next uplink contact)"
        b.add(sat, t, command, params, link, why, [b.ref(r)])

    # 4. downlinks in every scheduled contact
    if (
        schedule is not None
        and schedule_result is not None
        and (downlinks if downlinks is not None else wants_downlinks(mission))
    ):
        _downlinks(b, schedule, schedule_result, safe_from)

    commands = sorted(b.commands, key=lambda c: (c.time, c.satellite.norad_id, c.command))
    plan = CommandPlan(
        mission=mission.name,
        created_at=now,
        horizon_start=now,
        horizon_end=now + timedelta(hours=mission.horizon.duration_h),
        commands=commands,
        contacts=contacts,
        screenings=screenings,
        alerts=alerts,
        space_weather=None if weather is None else _space_weather_state(weather),
        data_ages=_ages(mission, now, ok, catalog),
        notes=b.notes,
    )
    gaps = [*objective_gaps(mission, records), *b.gaps]
    return plan.model_copy(update={"gaps": gaps + safety_gaps(plan, mission)})


def _last(ok: Mapping[str, list[ToolRecord]], name: str) -> ToolRecord | None:
    records = ok.get(name) or []
    return records[-1] if records else None


def _contacts(x: ScheduleResult) -> list[PlanContact]:
    return [
        PlanContact(
            satellite_id=c.satellite.norad_id,
            station_id=c.station_id,
            antenna_id=c.antenna,
            aos=_utc(c.aos_utc),
            los=_utc(c.los_utc),
        )
        for c in x.contacts
    ]


def _downlinks(
    b: _Builder, schedule: ToolRecord, result: ScheduleResult, safe_from: Mapping[int, datetime]
) -> None:
    withheld: dict[str, int] = {}
    short = 0
    rates = {(s.id, a.id): a.downlink_rate_mbps for s in b.mission.stations for a in s.antennas}
    for c in sorted(result.contacts, key=lambda c: json_time(c.aos_utc)):
        try:
            sat = b.mission.satellite(str(c.satellite.norad_id))
        except KeyError:
            continue
        aos, los = _utc(c.aos_utc), _utc(c.los_utc)
        if sat.norad_id in safe_from and los >= safe_from[sat.norad_id]:
            withheld[sat.name] = withheld.get(sat.name, 0) + 1
            continue
        if (c.station_id, c.antenna) not in b.uplinks:
            short += 1
            continue
        start = b._free(sat.norad_id, max(aos + _DOWNLINK_GUARD, b.earliest), los - _DOWNLINK_GUARD)
        definition = _definition(b.mission, sat, "START_DOWNLINK")
        if start is None or definition is None:
            short += 1
            continue
        duration_s = int(min(900.0, (los - _DOWNLINK_GUARD - start).total_seconds()))
        stop = b._free(sat.norad_id, start + timedelta(seconds=duration_s), los)
        if duration_s < 10 or stop is None:
            short += 1
            continue
        params: dict[str, bool | int | float | str] = {"duration_s": duration_s}
        antenna_rate = rates.get((c.station_id, c.antenna))
        if definition.parameter("rate_mbps") is not None and antenna_rate is not None:
            params["rate_mbps"] = downlink_rate_mbps(definition, antenna_rate)
        uplink = UplinkContact(station_id=c.station_id, antenna_id=c.antenna, aos=aos, los=los)
        why = (
            f"downlink {c.volume_mbit} Mbit scheduled on {c.station_id}/{c.antenna}"
            f" {iso_utc(aos)}..{iso_utc(los)}"
        )
        b.add(sat, start, "START_DOWNLINK", params, uplink, why, [b.ref(schedule)])
        b.add(
            sat,
            stop,
            "STOP_DOWNLINK",
            {},
            uplink,
            f"end of the {c.station_id} downlink",
            [b.ref(schedule)],
        )
    for name, count in withheld.items():
        b.notes.append(
            f"{count} downlink(s) of {name} withheld: the satellite enters safe mode"
            " (transmitters off) for the space-weather alert"
        )
    if short:
        b.notes.append(
            f"{short} scheduled contact(s) got no downlink command: too short after the"
            " command margin, or no uplink-capable antenna"
        )


def _conjunction_alert(primary: ObjectRef, message: str) -> PlanAlert:
    return PlanAlert(
        rule_id="conjunction-risk",
        severity="critical",
        action="notify_operator",
        target_kind="satellite",
        target_id=str(primary.norad_id),
        message=message,
    )


def _space_weather_state(x: SpaceWeatherResult) -> SpaceWeatherState:
    def level(k: Literal["G", "S", "R"], last_known: bool = False) -> int | None:
        status = x.scales.get(k)
        if status is None:
            return None
        value = status.last_known_level if last_known else status.level
        return value if isinstance(value, int) else None

    alerts = [
        SwpcAlertRef(
            product_id=str(a.product_id),
            issue_time=_utc(a.issue_time_utc),
            headline=str(a.headline),
            scale=a.scale if a.scale in ("G", "S", "R") else None,
            level=a.level if isinstance(a.level, int) and 1 <= a.level <= 5 else None,
        )
        for a in x.swpc_alerts
    ]
    return SpaceWeatherState(
        data_time=_utc(x.data_time_utc) if x.data_time_utc else None,
        source=str(x.source),
        g_level=level("G"),
        s_level=level("S"),
        r_level=level("R"),
        g_last_known=level("G", last_known=True),
        s_last_known=level("S", last_known=True),
        r_last_known=level("R", last_known=True),
        active_alerts=alerts,
    )


def _ages(
    mission: Mission,
    now: datetime,
    ok: Mapping[str, list[ToolRecord]],
    catalog: Callable[[], Catalog] | Catalog | None,
) -> DataAges:
    fleet = _last(ok, "fleet_status")
    if fleet is None and catalog is not None:
        try:
            cat = catalog() if callable(catalog) else catalog
            base = data_ages(now, mission.fleet, catalog=cat)
        except Exception:  # an unreadable catalog: the validator reports missing elements
            base = data_ages(now, [])
    else:
        base = data_ages(now, [])
    update: dict[str, object] = {}
    if fleet is not None:
        status = fleet.output(FleetStatusResult)
        source = str(status.catalog_source)
        update["elements"] = [
            ElementAge(
                norad_id=s.norad_id,
                name=s.name,
                epoch=_utc(s.element_epoch_utc) if s.element_epoch_utc else None,
                age_days=s.age_days,
                source=source if s.element_epoch_utc else "",
            )
            for s in status.satellites
        ]
    sw = _last(ok, "space_weather")
    weather = None if sw is None else sw.output(SpaceWeatherResult)
    if weather is not None and weather.data_time_utc:
        t = _utc(weather.data_time_utc)
        update["space_weather_time"] = t
        update["space_weather_age_h"] = (now - t).total_seconds() / 3600.0
        update["space_weather_source"] = str(weather.source)
    return base.model_copy(update=update)


# -- approvals -----------------------------------------------------------------------------------


def required_roles(mission: Mission, command: PlannedCommand) -> list[str]:
    """The approval roles ``command`` needs under the mission policy ([] when none)."""
    try:
        sat = mission.satellite(command.satellite.norad_id)
    except KeyError:
        return []
    d = _definition(mission, sat, command.command)
    if d is None:
        return []
    rules = mission.policies.approvals
    roles: list[str] = []
    if d.hazard(command.parameters) or "approval" in d.prerequisites:
        roles += rules.hazardous_requires
    if d.category == "maneuver":
        roles += rules.maneuver_requires
    return list(dict.fromkeys(roles))


def command_hazard(mission: Mission, command: PlannedCommand) -> str | None:
    """Why ``command`` is hazardous (its dictionary's reason), or None."""
    try:
        sat = mission.satellite(command.satellite.norad_id)
    except KeyError:
        return None
    d = _definition(mission, sat, command.command)
    return None if d is None else d.hazard(command.parameters)


def hazardous_commands(plan: CommandPlan, mission: Mission) -> list[tuple[int, list[str]]]:
    """``(index, roles)`` of every command that needs an approval it does not have yet.

    Only approvals bound to the plan as it is count (:meth:`Approval.changes`): an unbound one,
    or one given for other content, is asked for again.
    """
    out = []
    digest: str | None = None
    for i, cmd in enumerate(plan.commands):
        roles = required_roles(mission, cmd)
        if not roles:
            continue
        if digest is None:
            digest = plan.content_digest()
        have = {
            a.role for a in cmd.approvals if a.bound and not a.changes(plan, i, plan_digest=digest)
        }
        if not set(roles) <= have:
            out.append((i, roles))
    return out


def apply_approvals(
    plan: CommandPlan,
    approvals: Mapping[int, Iterable[Approval]],
    *,
    recorded_at: datetime | None = None,
) -> CommandPlan:
    """A copy of ``plan`` with ``approvals`` (command index -> approvals) added, each bound to
    the plan's content as it is now (:meth:`Approval.bind`; ``recorded_at``, the wall clock
    of the record, defaults to ``datetime.now(UTC)``). An approval that is already bound is
    added as it is: bound to other content, it stays void.
    """
    digest = plan.content_digest()
    stamp = recorded_at if recorded_at is not None else datetime.now(UTC)

    def bound(i: int, a: Approval) -> Approval:
        return a if a.bound else a.bind(plan, i, recorded_at=stamp, plan_digest=digest)

    commands = [
        cmd.model_copy(
            update={"approvals": [*cmd.approvals, *(bound(i, a) for a in approvals.get(i, ()))]}
        )
        if i in approvals
        else cmd
        for i, cmd in enumerate(plan.commands)
    ]
    return plan.with_commands(commands)


# -- repairs -------------------------------------------------------------------------------------


class DroppedCommand(TypedDict):
    """A command a repair round dropped, with the rules that dropped it."""

    index: int
    command: str
    satellite: str
    time: str
    rules: list[str]


RetimedCommand = TypedDict(
    "RetimedCommand",
    {"index": int, "command": str, "satellite": str, "from": str, "to": str, "rules": list[str]},
)
"""A command a repair round moved (``from`` and ``to``: ISO times), with the rules."""


class RepairRound(TypedDict):
    """What one repair round changed: commands dropped (with the rules) and re-timed."""

    round: int
    dropped: list[DroppedCommand]
    retimed: list[RetimedCommand]
    unrepairable: list[str]


_RETIME_RULES: Final = frozenset(
    {"time.margin", "uplink.outside_window", "time.simultaneous", "time.order"}
)


def repair_plan(
    plan: CommandPlan, report: ValidationReport, mission: Mission, now: datetime, round_no: int
) -> tuple[CommandPlan, RepairRound]:
    """Re-time commands whose only errors are about their time (inside their uplink
    contact, after the command margin), drop every other command with an error, and
    drop a START_DOWNLINK's STOP_DOWNLINK with it. Approval rules are left to the approval
    step; plan-level errors are listed as ``unrepairable``."""
    errors: dict[int, set[str]] = {}
    unrepairable: list[str] = []
    for v in report.errors():
        if v.rule in APPROVAL_RULES:
            continue
        if v.command_index is None:
            unrepairable.append(f"{v.rule}: {v.message}")
        else:
            errors.setdefault(v.command_index, set()).add(v.rule)
    earliest = (
        now.astimezone(UTC) + timedelta(minutes=mission.policies.command_margin_min) + _SECOND
    )
    used: dict[int, set[datetime]] = {}
    for i, cmd in enumerate(plan.commands):
        if i not in errors:
            used.setdefault(cmd.satellite.norad_id, set()).add(cmd.time)
    keep: dict[int, PlannedCommand] = {}
    dropped: list[DroppedCommand] = []
    retimed: list[RetimedCommand] = []
    for i, cmd in enumerate(plan.commands):
        rules = errors.get(i)
        if not rules:
            keep[i] = cmd
            continue
        new_time = None
        if rules <= _RETIME_RULES and cmd.uplink is not None:
            taken = used.setdefault(cmd.satellite.norad_id, set())
            t = max(cmd.uplink.aos, earliest).replace(microsecond=0) + _SECOND
            while t <= cmd.uplink.los and t in taken:
                t += _SECOND
            if t <= cmd.uplink.los and not (rules == {"time.order"} and t == cmd.time):
                new_time = t
        if new_time is not None:
            used[cmd.satellite.norad_id].add(new_time)
            keep[i] = cmd.model_copy(update={"time": new_time})
            retimed.append(
                {
                    "index": i,
                    "command": cmd.command,
                    "satellite": cmd.satellite.name,
                    "from": iso_utc(cmd.time),
                    "to": iso_utc(new_time),
                    "rules": sorted(rules),
                }
            )
        else:
            dropped.append(
                {
                    "index": i,
                    "command": cmd.command,
                    "satellite": cmd.satellite.name,
                    "time": iso_utc(cmd.time),
                    "rules": sorted(rules),
                }
            )
    gone = {(d["satellite"], d["index"]) for d in dropped if d["command"] == "START_DOWNLINK"}
    for _, i in gone:
        start = plan.commands[i]
        for j, other in list(keep.items()):
            if (
                other.command == "STOP_DOWNLINK"
                and other.satellite == start.satellite
                and other.uplink == start.uplink
            ):
                del keep[j]
                dropped.append(
                    {
                        "index": j,
                        "command": other.command,
                        "satellite": other.satellite.name,
                        "time": iso_utc(other.time),
                        "rules": ["paired START_DOWNLINK dropped"],
                    }
                )
    commands = sorted(keep.values(), key=lambda c: (c.time, c.satellite.norad_id, c.command))
    notes = [
        f"repair round {round_no}: dropped {d['command']} for {d['satellite']} at {d['time']}"
        f" ({', '.join(d['rules'])})"
        for d in dropped
    ]
    notes += [
        f"repair round {round_no}: moved {r['command']} for {r['satellite']} from {r['from']}"
        f" to {r['to']} ({', '.join(r['rules'])})"
        for r in retimed
    ]
    repaired = plan.model_copy(update={"commands": commands, "notes": [*plan.notes, *notes]})
    record: RepairRound = {
        "round": round_no,
        "dropped": dropped,
        "retimed": retimed,
        "unrepairable": unrepairable,
    }
    return repaired, record
