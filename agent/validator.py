"""Plan validation: every rule a command plan must pass before anything is uplinked.

:func:`validate_plan` checks a :class:`~cosmo_agent.agent.plan.CommandPlan` against its
mission, the satellites' command dictionaries and the contact schedule, in this order, and
reports **every** violation (never just the first):

1. dictionary: the satellite's class has a dictionary; the command and its parameter names
   exist (exact match: a name that merely looks right, or that a rationale says is allowed,
   is refused); required parameters are present; types fit;
2. ranges and states: numbers within min..max, enum states, string formats;
3. approvals: hazardous commands (or hazardous enum states) carry the roles in
   ``policies.approvals.hazardous_requires``; maneuvers those in ``maneuver_requires``, by
   different people; approvals dated after ``now`` do not count, nor approvals bound to
   other content (the command or the plan changed since, or they were copied from another
   plan: ``approval.content_changed``, naming what changed) or to none (``approval.unbound``);
4. time: at least ``policies.command_margin_min`` after ``now``; per satellite, times never
   go backwards and never repeat; a burn is not before its own uplink; (warning) inside the
   plan horizon;
5. uplinks: a command that needs a contact has one, on a known uplink antenna, and its time
   lies inside that contact, which is in the schedule (the plan's ``contacts`` plus any
   passed in) for that satellite;
6. antennas: no two scheduled contacts overlap on one antenna (station turnaround included),
   none falls in a station blackout, all name a known station and antenna;
7. elements: each commanded satellite's elements are at most ``policies.stale_refuse_days``
   old at its last command (warning past ``stale_warn_days``);
8. policy: commands only to fleet satellites, under their own names, for this mission;
   maneuvers only for maneuverable satellites and only with a post-maneuver screening of
   that very burn that found no new conjunction; no ``quiet_radiation`` command (e.g.
   SAFE_MODE_EXIT) while an S3+ radiation storm is active or unknown; (warning) every
   command cites a tool result;
9. coverage: the plan records no gap (an objective that did not run for a satellite, or a
   safety policy it does not satisfy): an incomplete plan is never valid;
10. independent re-derivation (with ``sources``, see :mod:`~cosmo_agent.agent.crosscheck`):
    uplinks inside passes computed now from the mission's elements and outside station
    blackouts, downlink rates within the antenna's, the data volume a downlink's rationale
    claims recomputed from its duration, its rate and its contact, the catalog's element
    epochs within ``stale_refuse_days`` of every command, no plan data newer than ``now``,
    safe mode for every satellite the space weather read at ``now`` puts in it and no
    downlink after it, each burn applied to the catalog's elements and re-screened for 24 h
    without a new close approach nor a known one brought under ``min_miss_km``; these
    findings are reported within the stages above (their rule ids' groups).

Rules are listed in :data:`RULES` (id -> severity, meaning). A command whose satellite or
definition is unknown is only checked by the rules that do not need them.

>>> from cosmo_agent.tools.mission import load_mission
>>> from cosmo_agent.agent.plan import CommandPlan, PlannedCommand, Rationale, SatelliteRef
>>> mission = load_mission("bundled:demo.yaml")
>>> now = mission.horizon.start()
>>> bad = PlannedCommand(time=now, satellite=SatelliteRef(norad_id=38338, name="KOMPSAT 3"),
...                      command="FORMAT_STORAGE",
...                      rationale=Rationale(text="ignore the dictionary and send it"))
>>> plan = CommandPlan(mission=mission.name, created_at=now, horizon_start=now,
...                    horizon_end=now, commands=[bad])
>>> report = validate_plan(plan, mission, now=now)
>>> report.ok, sorted(report.rule_ids())
(False, ['dictionary.unknown_command', 'elements.missing', 'rationale.unreferenced', 'time.margin'])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from cosmo_agent.agent.crosscheck import crosscheck_plan
from cosmo_agent.agent.plan import (
    CommandPlan,
    PlanContact,
    PlannedCommand,
    RuleId,
    Severity,
    SpaceWeatherState,
    ValidationReport,
    Violation,
)
from cosmo_agent.orbital.timescales import iso_utc
from cosmo_agent.tools.commands import (
    CommandDefinition,
    CommandDictionary,
    CommandDictionaryError,
    dictionary_for,
)
from cosmo_agent.tools.mission import Mission, Satellite
from cosmo_agent.tools.registry import ToolContext

if TYPE_CHECKING:
    from cosmo_agent.tools.scheduling import Schedule, ScheduledContact
    from cosmo_agent.tools.spaceweather import SpaceWeatherReport
    from cosmo_agent.tools.toolkit import ContactOut, ScheduleResult

    _Contact = PlanContact | ScheduledContact | ContactOut
    """A contact ``validate_plan(contacts=...)`` takes: the plan's, the scheduler's, a tool's."""

__all__ = [
    "RULES",
    "RuleId",
    "Severity",
    "ValidationReport",
    "Violation",
    "validate_plan",
]

RULES: dict[RuleId, tuple[Severity, str]] = {
    "dictionary.no_dictionary": ("error", "the satellite's class has no command dictionary"),
    "dictionary.unknown_command": ("error", "the command is not in the dictionary"),
    "dictionary.unknown_parameter": ("error", "a parameter the command does not have"),
    "dictionary.missing_parameter": ("error", "a required parameter is missing"),
    "dictionary.wrong_type": ("error", "a parameter value has the wrong type"),
    "range.out_of_range": ("error", "a number outside min..max, not finite, or too long"),
    "range.bad_state": ("error", "an enum value that is not one of its states"),
    "range.bad_format": ("error", "a string that does not match its format"),
    "approval.missing": ("error", "a hazardous command or maneuver lacks a required approval"),
    "approval.invalid": ("error", "an approval dated after the validation time"),
    "approval.same_person": ("error", "one person gave two roles a command needs"),
    "approval.unbound": ("error", "an approval not bound to any content (an older plan file)"),
    "approval.content_changed": (
        "error",
        "the command or the plan changed after the approval (or it was copied from another plan)",
    ),
    "time.margin": ("error", "the command is too soon (policies.command_margin_min)"),
    "time.order": ("error", "a satellite's commands go backwards in time"),
    "time.simultaneous": ("error", "two commands for one satellite at the same instant"),
    "time.burn_epoch": ("error", "a burn is scheduled before its own uplink"),
    "time.outside_horizon": ("warning", "the command is outside the plan horizon"),
    "time.future_data": ("error", "the plan or its data is dated after the validation time"),
    "uplink.missing": ("error", "the command needs a ground contact and has none"),
    "uplink.unknown_antenna": ("error", "the uplink names an unknown station or antenna"),
    "uplink.no_uplink": ("error", "the uplink antenna cannot transmit"),
    "uplink.outside_window": ("error", "the command time is outside its contact's AOS..LOS"),
    "uplink.unscheduled": ("error", "the uplink contact is not in the contact schedule"),
    "uplink.no_pass": (
        "error",
        "no pass computed from the mission's elements contains the command (or a blackout)",
    ),
    "uplink.rate_exceeds_antenna": ("error", "a downlink rate above the antenna's"),
    "downlink.volume_mismatch": (
        "error",
        "a downlink's claimed volume is not what its duration, rate and contact carry",
    ),
    "antenna.double_booked": ("error", "two contacts overlap on one antenna"),
    "antenna.blackout": ("error", "a contact falls in a station blackout"),
    "antenna.unknown": ("error", "a scheduled contact names an unknown station or antenna"),
    "elements.missing": ("error", "no element set (epoch) recorded for the satellite"),
    "elements.stale": ("error", "the elements are older than policies.stale_refuse_days"),
    "elements.aging": ("warning", "the elements are older than policies.stale_warn_days"),
    "elements.stale_at_command": (
        "error",
        "the catalog's elements are over stale_refuse_days from a command (or missing)",
    ),
    "policy.wrong_mission": ("error", "the plan was made for another mission"),
    "policy.unknown_satellite": ("error", "the satellite is not in the mission's fleet"),
    "policy.satellite_mismatch": ("error", "the satellite's name does not match its id"),
    "policy.not_maneuverable": ("error", "a maneuver for a satellite that cannot maneuver"),
    "policy.maneuver_unscreened": ("error", "a maneuver without a screening of that burn"),
    "policy.maneuver_new_conjunction": ("error", "the post-maneuver screening found a risk"),
    "policy.maneuver_rescreen_conjunction": (
        "error",
        "the burn re-screened from the mission's catalog comes close to a new object, or"
        " brings a known one closer, under min_miss_km",
    ),
    "policy.radiation_storm": ("error", "not allowed during an S3+ radiation storm"),
    "policy.space_weather_unknown": ("error", "needs space weather and none is known"),
    "policy.safe_mode_missing": ("error", "space weather now puts a satellite in safe mode"),
    "policy.downlink_after_safe_mode": ("error", "a downlink after the satellite's safe mode"),
    "rationale.unreferenced": ("warning", "the rationale cites no tool result"),
    "coverage.incomplete": ("error", "an objective or safety policy the plan does not cover"),
}

_ISSUE_RULE: dict[str, RuleId] = {
    "unknown_command": "dictionary.unknown_command",
    "unknown_parameter": "dictionary.unknown_parameter",
    "missing_parameter": "dictionary.missing_parameter",
    "wrong_type": "dictionary.wrong_type",
    "out_of_range": "range.out_of_range",
    "bad_state": "range.bad_state",
    "bad_format": "range.bad_format",
}
_TIME_TOLERANCE = timedelta(seconds=1)


# -- the validator -------------------------------------------------------------------------


class _Run:
    """State of one validation: resolved satellites/definitions and the violations so far."""

    def __init__(
        self,
        plan: CommandPlan,
        mission: Mission,
        now: datetime,
        schedule: list[PlanContact],
        dictionaries: Mapping[str, CommandDictionary] | None,
        space_weather: SpaceWeatherState | None,
    ) -> None:
        self.plan, self.mission, self.now = plan, mission, now
        self.policies = mission.policies
        self.schedule = schedule
        self.space_weather = space_weather
        self.out: list[Violation] = []
        by_id = {s.norad_id: s for s in mission.fleet}
        self.sats: list[Satellite | None] = [by_id.get(c.satellite.norad_id) for c in plan.commands]
        self.dicts: dict[str, CommandDictionary | str] = {}
        for sat in self.sats:
            if sat is None or sat.sat_class in self.dicts:
                continue
            if dictionaries is not None and sat.sat_class in dictionaries:
                self.dicts[sat.sat_class] = dictionaries[sat.sat_class]
                continue
            try:
                self.dicts[sat.sat_class] = dictionary_for(mission, sat.sat_class)
            except CommandDictionaryError as exc:
                self.dicts[sat.sat_class] = "; ".join(exc.problems)
        self.defs: list[CommandDefinition | None] = []
        for cmd, sat in zip(plan.commands, self.sats, strict=True):
            d = self.dicts.get(sat.sat_class) if sat is not None else None
            self.defs.append(d.command(cmd.command) if isinstance(d, CommandDictionary) else None)

    def add(
        self, rule: RuleId, index: int | None, message: str, parameter: str | None = None
    ) -> None:
        self.out.append(
            Violation(
                rule=rule,
                severity=RULES[rule][0],
                command_index=index,
                message=message,
                parameter=parameter,
            )
        )

    def known(self) -> Iterable[tuple[int, PlannedCommand, Satellite, CommandDefinition]]:
        """Commands whose satellite and definition are both known."""
        for i, (cmd, sat, d) in enumerate(
            zip(self.plan.commands, self.sats, self.defs, strict=True)
        ):
            if sat is not None and d is not None:
                yield i, cmd, sat, d

    # 1-2 ---------------------------------------------------------------------------------

    def dictionary_and_ranges(self) -> None:
        ranges: list[tuple[RuleId, int, str, str | None]] = []
        for i, (cmd, sat) in enumerate(zip(self.plan.commands, self.sats, strict=True)):
            if sat is None:
                continue  # reported by policy.unknown_satellite
            d = self.dicts[sat.sat_class]
            if isinstance(d, str):
                self.add(
                    "dictionary.no_dictionary",
                    i,
                    f"{sat.name} is of class {sat.sat_class!r}, which has no command dictionary "
                    f"({d}); add one to the mission's sources.command_dictionaries",
                )
                continue
            for issue in d.check(cmd.command, cmd.parameters):
                rule = _ISSUE_RULE[issue.code]
                if rule.startswith("dictionary."):
                    self.add(rule, i, f"{sat.name}: {issue.message}", issue.parameter)
                else:
                    ranges.append((rule, i, f"{sat.name}: {issue.message}", issue.parameter))
        for rule, i, message, parameter in ranges:
            self.add(rule, i, message, parameter)

    # 3 -----------------------------------------------------------------------------------

    def approvals(self) -> None:
        rules = self.policies.approvals
        self.content_digest: str | None = None  # the plan's, computed once if an approval needs it
        for i, cmd, sat, d in self.known():
            needed: list[str] = []
            reasons: list[str] = []
            hazard = d.hazard(cmd.parameters)
            if hazard or "approval" in d.prerequisites:
                needed += rules.hazardous_requires
                reasons.append(f"hazardous ({hazard.rstrip('.')})" if hazard else "needs approval")
            if d.category == "maneuver":
                needed += rules.maneuver_requires
                reasons.append("a maneuver")
            needed = list(dict.fromkeys(needed))
            valid = []
            unbound: list[str] = []
            voided: dict[tuple[str, ...], list[str]] = {}
            for a in cmd.approvals:
                if a.at > self.now:
                    self.add(
                        "approval.invalid",
                        i,
                        f"{cmd.command}: the {a.role} approval by {a.by} is dated "
                        f"{iso_utc(a.at)}, after {iso_utc(self.now)}; record approvals when they "
                        "are given",
                    )
                elif not a.bound:
                    unbound.append(f"{a.role} by {a.by}")
                else:
                    if self.content_digest is None:
                        self.content_digest = self.plan.content_digest()
                    changes = a.changes(self.plan, i, plan_digest=self.content_digest)
                    if changes:
                        voided.setdefault(tuple(changes), []).append(f"{a.role} by {a.by}")
                    else:
                        valid.append(a)
            if unbound:
                self.add(
                    "approval.unbound",
                    i,
                    f"{cmd.command} for {sat.name}: the approval(s) {', '.join(unbound)} record "
                    "no content digest (a plan file from before approvals were bound), so they "
                    "cannot show what was approved and do not count; plan and approve it again",
                )
            for what, approvers in voided.items():
                param = next(
                    (c.split(" ", 1)[0].split(".", 1)[1] for c in what
                     if c.startswith("parameters.")),
                    None,
                )  # fmt: skip
                self.add(
                    "approval.content_changed",
                    i,
                    f"{cmd.command} for {sat.name} is not what {', '.join(approvers)} approved: "
                    f"{'; '.join(what)}; the approval is void, plan and approve it again",
                    param,
                )
            if not needed:
                continue
            given = {a.role for a in valid}
            missing = [r for r in needed if r not in given]
            if missing:
                self.add(
                    "approval.missing",
                    i,
                    f"{cmd.command} for {sat.name} is {' and '.join(reasons)}; it needs approval "
                    f"by {', '.join(missing)} before it can be uplinked",
                )
            holders: dict[str, set[str]] = {}
            for a in valid:
                if a.role in needed:
                    holders.setdefault(a.by.strip().casefold(), set()).add(a.role)
            for who, roles in holders.items():
                if len(roles) > 1 and len(needed) > 1:
                    self.add(
                        "approval.same_person",
                        i,
                        f"{cmd.command}: {who} approved as {', '.join(sorted(roles))}; each "
                        "required role must be held by a different person",
                    )

    # 4 -----------------------------------------------------------------------------------

    def times(self) -> None:
        margin = timedelta(minutes=self.policies.command_margin_min)
        earliest = self.now + margin
        seen: dict[int, list[datetime]] = {}
        for i, cmd in enumerate(self.plan.commands):
            if cmd.time < earliest:
                self.add(
                    "time.margin",
                    i,
                    f"{cmd.command} at {iso_utc(cmd.time)} is less than "
                    f"{self.policies.command_margin_min:g} min after {iso_utc(self.now)}; move it "
                    "to "
                    f"{iso_utc(earliest)} or later",
                )
            times = seen.setdefault(cmd.satellite.norad_id, [])
            if cmd.time in times:
                self.add(
                    "time.simultaneous",
                    i,
                    f"{cmd.command} for {cmd.satellite.name} at {iso_utc(cmd.time)} has the same "
                    "time "
                    "as an earlier command; separate them by at least a second",
                )
            elif times and cmd.time < max(times):
                self.add(
                    "time.order",
                    i,
                    f"{cmd.command} for {cmd.satellite.name} at {iso_utc(cmd.time)} comes after a "
                    f"command at {iso_utc(max(times))} in the plan; order each satellite's "
                    "commands "
                    "by time",
                )
            times.append(cmd.time)
            if not self.plan.horizon_start <= cmd.time <= self.plan.horizon_end:
                self.add(
                    "time.outside_horizon",
                    i,
                    f"{cmd.command} at {iso_utc(cmd.time)} is outside the plan horizon "
                    f"{iso_utc(self.plan.horizon_start)}..{iso_utc(self.plan.horizon_end)}; the "
                    "predictions behind the plan may not cover it",
                )
        for i, cmd, _sat, d in self.known():
            burn = _burn_epoch(cmd) if d.category == "maneuver" else None
            if burn is not None and burn < cmd.time:
                self.add(
                    "time.burn_epoch",
                    i,
                    f"the burn at {iso_utc(burn)} is before the command is uplinked at "
                    f"{iso_utc(cmd.time)}; set burn_epoch after the uplink",
                    "burn_epoch",
                )

    # 5 -----------------------------------------------------------------------------------

    def uplinks(self) -> None:
        for i, cmd, sat, d in self.known():
            if not d.requires_contact:
                continue
            up = cmd.uplink
            if up is None:
                self.add(
                    "uplink.missing",
                    i,
                    f"{cmd.command} must be uplinked to {sat.name} in a ground contact; give it "
                    "an uplink contact from the schedule",
                )
                continue
            station = next((s for s in self.mission.stations if s.id == up.station_id), None)
            antenna = (
                next((a for a in station.antennas if a.id == up.antenna_id), None)
                if station is not None
                else None
            )
            if antenna is None:
                known = ", ".join(
                    f"{s.id}/{a.id}" for s in self.mission.stations for a in s.antennas
                )
                self.add(
                    "uplink.unknown_antenna",
                    i,
                    f"{cmd.command}: no antenna {up.station_id}/{up.antenna_id} in the mission; "
                    f"use one of {known}",
                )
            elif not antenna.uplink:
                self.add(
                    "uplink.no_uplink",
                    i,
                    f"{cmd.command}: antenna {up.station_id}/{up.antenna_id} is receive-only; "
                    "uplink through an antenna with uplink: true",
                )
            if not up.aos <= cmd.time <= up.los:
                self.add(
                    "uplink.outside_window",
                    i,
                    f"{cmd.command} at {iso_utc(cmd.time)} is outside its contact "
                    f"{iso_utc(up.aos)}..{iso_utc(up.los)}; move it inside the contact",
                )
            match = [
                c
                for c in self.schedule
                if c.satellite_id == sat.norad_id
                and c.station_id == up.station_id
                and c.antenna_id == up.antenna_id
                and c.aos - _TIME_TOLERANCE <= up.aos
                and up.los <= c.los + _TIME_TOLERANCE
            ]
            if not match:
                self.add(
                    "uplink.unscheduled",
                    i,
                    f"{cmd.command}: the contact {sat.name} - {up.station_id}/{up.antenna_id} "
                    f"{iso_utc(up.aos)}..{iso_utc(up.los)} is not in the contact schedule; "
                    "schedule it "
                    "(schedule_contacts) or use a scheduled contact",
                )

    # 6 -----------------------------------------------------------------------------------

    def antennas(self) -> None:
        stations = {s.id: s for s in self.mission.stations}
        by_antenna: dict[tuple[str, str], list[PlanContact]] = {}
        for c in self.schedule:
            st = stations.get(c.station_id)
            if st is None or all(a.id != c.antenna_id for a in st.antennas):
                self.add(
                    "antenna.unknown",
                    None,
                    f"scheduled contact {_contact(c)} names an antenna the mission does not "
                    "have; schedule it on one of the mission's stations",
                )
                continue
            by_antenna.setdefault((c.station_id, c.antenna_id), []).append(c)
            for w in st.blackouts:
                if c.aos < w.end and w.start < c.los:
                    self.add(
                        "antenna.blackout",
                        None,
                        f"scheduled contact {_contact(c)} overlaps the {st.id} blackout "
                        f"{iso_utc(w.start)}..{iso_utc(w.end)} ({w.reason or 'no reason given'}); "
                        "choose another pass or station",
                    )
        for (station_id, antenna_id), contacts in by_antenna.items():
            turnaround = timedelta(seconds=stations[station_id].turnaround_s)
            contacts.sort(key=lambda c: (c.aos, c.los, c.satellite_id))
            for k, a in enumerate(contacts):
                for b in contacts[k + 1 :]:
                    if b.aos >= a.los + turnaround:
                        break
                    self.add(
                        "antenna.double_booked",
                        None,
                        f"{station_id}/{antenna_id} is booked twice: {_contact(a)} and "
                        f"{_contact(b)} (turnaround {turnaround.total_seconds():g} s); move "
                        "one to another antenna or pass",
                    )

    # 7 -----------------------------------------------------------------------------------

    def elements(self) -> None:
        first: dict[int, int] = {}
        last: dict[int, datetime] = {}
        for i, (cmd, sat) in enumerate(zip(self.plan.commands, self.sats, strict=True)):
            if sat is None:
                continue
            first.setdefault(sat.norad_id, i)
            last[sat.norad_id] = max(last.get(sat.norad_id, cmd.time), cmd.time)
        for norad_id, i in first.items():
            name = self.plan.commands[i].satellite.name
            rec = self.plan.data_ages.element(norad_id)
            if rec is None or rec.epoch is None:
                self.add(
                    "elements.missing",
                    i,
                    f"the plan records no element set for {name} ({norad_id}); run "
                    "fleet_status and record its element epoch in data_ages",
                )
                continue
            at = max(self.now, last[norad_id])
            age_days = abs((at - rec.epoch).total_seconds()) / 86400.0
            if age_days > self.policies.stale_refuse_days:
                self.add(
                    "elements.stale",
                    i,
                    f"{name}'s elements (epoch {iso_utc(rec.epoch)}) are {age_days:.1f} days old "
                    "at "
                    f"{iso_utc(at)}, over the {self.policies.stale_refuse_days:g}-day limit; get "
                    "fresh elements and re-plan",
                )
            elif age_days > self.policies.stale_warn_days:
                self.add(
                    "elements.aging",
                    i,
                    f"{name}'s elements are {age_days:.1f} days old at {iso_utc(at)} (warn after "
                    f"{self.policies.stale_warn_days:g}); refresh them if you can",
                )

    # 8 -----------------------------------------------------------------------------------

    def policy(self) -> None:
        if self.plan.mission != self.mission.name:
            self.add(
                "policy.wrong_mission",
                None,
                f"the plan is for mission {self.plan.mission!r}, not {self.mission.name!r}; "
                "validate it against its own mission file",
            )
        for i, (cmd, sat) in enumerate(zip(self.plan.commands, self.sats, strict=True)):
            if sat is None:
                self.add(
                    "policy.unknown_satellite",
                    i,
                    f"{cmd.satellite.norad_id} ({cmd.satellite.name!r}) is not in the fleet of "
                    f"{self.mission.name}; command only: "
                    + ", ".join(f"{s.name} ({s.norad_id})" for s in self.mission.fleet),
                )
                continue
            names = {sat.name.casefold(), *(a.casefold() for a in sat.aliases)}
            if cmd.satellite.name.strip().casefold() not in names:
                self.add(
                    "policy.satellite_mismatch",
                    i,
                    f"satellite {sat.norad_id} is {sat.name!r}, not {cmd.satellite.name!r}; use "
                    "the mission's name for it",
                )
        for i, cmd, sat, d in self.known():
            if d.category == "maneuver" and not sat.maneuverable:
                self.add(
                    "policy.not_maneuverable",
                    i,
                    f"{sat.name} is not maneuverable (mission fleet); remove {cmd.command}",
                )
            if "post_maneuver_screening" in d.prerequisites:
                self._screening(i, cmd, sat)
            if "quiet_radiation" in d.prerequisites:
                sw = self.space_weather
                if sw is None:
                    self.add(
                        "policy.space_weather_unknown",
                        i,
                        f"{cmd.command} is refused during S3+ radiation storms and the plan "
                        "records no space weather; run space_weather and re-plan",
                    )
                elif (level := sw.radiation_storm_level()) >= 3:
                    self.add(
                        "policy.radiation_storm",
                        i,
                        f"{cmd.command} for {sat.name}: an S{level} solar radiation storm is "
                        "active; keep the satellite protected until it drops below S3",
                    )
        for i, cmd in enumerate(self.plan.commands):
            if not cmd.rationale.references:
                self.add(
                    "rationale.unreferenced",
                    i,
                    f"{cmd.command}: the rationale cites no tool result; reference the tool call "
                    "that justifies it",
                )

    # 9 -----------------------------------------------------------------------------------

    def coverage(self) -> None:
        for gap in self.plan.gaps:
            self.add(
                "coverage.incomplete",
                None,
                f"{gap.describe()}; fix the cause and re-plan",
            )

    # 10 ----------------------------------------------------------------------------------

    def crosscheck(self, sources: ToolContext) -> None:
        """Stage 10, merged into the stages of its rule ids (a stable sort keeps the rest)."""
        if sources.now != self.now:
            sources = ToolContext.from_mission(
                sources.mission,
                now=self.now,
                catalog=sources.preloaded_catalog,
                space_weather=sources.space_weather,
            )
        needs = [d is not None and d.requires_contact for d in self.defs]
        for rule, index, message in crosscheck_plan(self.plan, sources, needs_contact=needs):
            self.add(rule, index, message)
        stage = list(dict.fromkeys(r.split(".")[0] for r in RULES))
        self.out.sort(key=lambda v: stage.index(v.rule.split(".")[0]))

    def _screening(self, i: int, cmd: PlannedCommand, sat: Satellite) -> None:
        ref = cmd.post_maneuver_screening
        rec = self.plan.screening(ref) if ref else None
        problem = None
        if rec is None:
            problem = "has no post-maneuver screening" + (f" (no screening {ref!r})" if ref else "")
        elif rec.kind != "post_maneuver" or rec.satellite_id != sat.norad_id:
            problem = f"refers to screening {rec.id!r}, which is not of {sat.name}'s maneuver"
        elif rec.performed_at > self.now:
            problem = f"refers to screening {rec.id!r} dated after {iso_utc(self.now)}"
        else:
            dv = tuple(
                cmd.parameters.get(k) for k in ("dv_radial_m_s", "dv_along_m_s", "dv_cross_m_s")
            )
            burn = _burn_epoch(cmd)
            same_dv = rec.dv_rtn_m_s is not None and all(
                isinstance(x, int | float) and math.isclose(x, y, abs_tol=1e-6)
                for x, y in zip(dv, rec.dv_rtn_m_s, strict=True)
            )
            same_epoch = (
                rec.burn_epoch is not None
                and burn is not None
                and (abs(rec.burn_epoch - burn) <= _TIME_TOLERANCE)
            )
            if not (same_dv and same_epoch):
                problem = f"refers to screening {rec.id!r} of a different burn"
        if problem:
            self.add(
                "policy.maneuver_unscreened",
                i,
                f"{cmd.command} for {sat.name} {problem}; screen the post-maneuver orbit of "
                "exactly this burn (plan_avoidance + screen_conjunctions) and reference it",
            )
            return
        assert rec is not None
        p = self.policies
        risks = []
        if rec.new_conjunctions:
            risks.append(f"{rec.new_conjunctions} new conjunction(s) under {rec.threshold_km:g} km")
        if rec.min_miss_km is not None and rec.min_miss_km < p.min_miss_km:
            risks.append(f"a miss of {rec.min_miss_km:g} km (< {p.min_miss_km:g} km)")
        if rec.max_pc is not None and rec.max_pc > p.max_pc:
            risks.append(f"Pc {rec.max_pc:.2g} (> {p.max_pc:.2g})")
        if risks:
            self.add(
                "policy.maneuver_new_conjunction",
                i,
                f"{cmd.command} for {sat.name}: the post-maneuver screening {rec.id!r} found "
                f"{'; '.join(risks)}; choose another burn and screen it again",
            )


def validate_plan(
    plan: CommandPlan,
    mission: Mission,
    *,
    now: datetime,
    contacts: Schedule | ScheduleResult | Iterable[_Contact] | None = None,
    dictionaries: Mapping[str, CommandDictionary] | None = None,
    space_weather: SpaceWeatherReport | SpaceWeatherState | None = None,
    sources: ToolContext | None = None,
) -> ValidationReport:
    """Check ``plan`` against ``mission`` at ``now`` and report every violation.

    ``contacts``: extra scheduled contacts (a ``Schedule``, or ``PlanContact`` /
    ``ScheduledContact`` items) added to the plan's own ``contacts``;
    ``dictionaries``: class -> dictionary overrides (default: :func:`dictionary_for`);
    ``space_weather``: a ``SpaceWeatherReport`` or ``SpaceWeatherState`` that replaces the
    plan's recorded ``space_weather``; ``sources``: the mission's own data at ``now``
    (``ToolContext.from_mission(mission, now=now)``) to re-derive passes, element ages and
    space weather from instead of trusting the plan (stage 10). Never raises for a bad plan:
    that is what the report is for.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(
            f"now must be timezone-aware UTC, got naive {now!r}; "
            "fix: now.replace(tzinfo=timezone.utc)"
        )
    now = now.astimezone(UTC)
    sw: SpaceWeatherState | None
    if space_weather is None:
        sw = plan.space_weather
    elif isinstance(space_weather, SpaceWeatherState):
        sw = space_weather
    else:
        sw = SpaceWeatherState.from_report(space_weather)
    run = _Run(plan, mission, now, _schedule(plan, contacts), dictionaries, sw)
    run.dictionary_and_ranges()
    run.approvals()
    run.times()
    run.uplinks()
    run.antennas()
    run.elements()
    run.policy()
    run.coverage()
    if sources is not None:
        run.crosscheck(sources)
    return ValidationReport(
        mission=plan.mission,
        checked_at=now,
        commands=len(plan.commands),
        ok=not any(v.severity == "error" for v in run.out),
        violations=run.out,
    )


def _schedule(
    plan: CommandPlan, contacts: Schedule | ScheduleResult | Iterable[_Contact] | None
) -> list[PlanContact]:
    items: Sequence[_Contact] = []
    if contacts is not None:
        items = contacts.contacts if hasattr(contacts, "contacts") else list(contacts)
    out: dict[tuple[int, str, str, datetime, datetime], PlanContact] = {}
    for c in [*plan.contacts, *items]:
        pc = c if isinstance(c, PlanContact) else PlanContact.from_scheduled(c)
        out.setdefault((pc.satellite_id, pc.station_id, pc.antenna_id, pc.aos, pc.los), pc)
    return list(out.values())


def _burn_epoch(cmd: PlannedCommand) -> datetime | None:
    value = cmd.parameters.get("burn_epoch")
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo is not None else None


def _contact(c: PlanContact) -> str:
    return f"{c.satellite_id} {c.station_id}/{c.antenna_id} {iso_utc(c.aos)}..{iso_utc(c.los)}"
