"""The rules planner: a deterministic playbook that needs no model (and teaches the Cosmo one).

``plan`` runs follow the mission's objectives in the playbook order: fleet_status and
space_weather (always: every plan records data ages and the space weather) → screen_conjunctions
(objectives ``screen_conjunctions`` / ``avoid_conjunctions``) → assess_conjunction for the closest
events → plan_avoidance where the assessment calls for it and the satellite can maneuver →
find_passes / schedule_contacts (objectives, or a schedule whenever commands need uplinks) →
propose_commands (objective ``commands``, commands in the operator requests, safe mode where
the space-weather rules recommend it, the avoidance burns) → the briefing.

``ask`` runs read the operator's text with :func:`cosmo_agent.agent.intents.parse_request`
(plus exact command mnemonics of the fleet's dictionaries and their times), fill conjunction
event ids from the screening results when the request needs one, and answer in the request's
language (English or Korean) from the tool results.

Nothing in a request can reach a satellite except through propose_commands, which checks it
against the command dictionary; a mnemonic that no dictionary has is not even proposed.

>>> from cosmo_agent.tools.mission import load_mission
>>> mission = load_mission("bundled:demo.yaml")
>>> task = PlannerTask("ask", mission, "Queue a NOOP command for K3 in 2 hours")
>>> RulesPlanner().next_turn(task, []).tool_calls[0]["args"]
{'commands': [{'satellite': 'K3', 'command': 'NOOP', 'time': '2026-06-10T14:00:00Z'}]}
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from cosmo_agent.agent.briefing import answer_text, describe_results, json_time
from cosmo_agent.agent.intents import (
    IntendedCall,
    Vocabulary,
    detect_language,
    general_question,
    out_of_scope,
    parse_request,
)
from cosmo_agent.agent.jsontypes import JsonObject, JsonValue
from cosmo_agent.agent.planning import PlannerTask, RequestReader
from cosmo_agent.agent.trace import ToolRecord, tool_records
from cosmo_agent.tools.commands import CommandDictionaryError, dictionary_for
from cosmo_agent.tools.events import normal_event_id
from cosmo_agent.tools.mission import Mission, Objective
from cosmo_agent.tools.toolkit import (
    ConjunctionAssessment,
    ConjunctionEvent,
    ManeuverProposal,
    ScreeningResult,
    SpaceWeatherResult,
)

__all__ = [
    "MAX_ASSESSED_EVENTS",
    "RequestReader",
    "RulesPlanner",
    "command_mnemonics",
    "describe_results",
    "vocabulary_for",
]

MAX_ASSESSED_EVENTS: Final = 8
"""At most this many screened events (closest first) are assessed in one run."""
_MAX_COMMANDS_PER_CALL: Final = 50  # propose_commands takes at most 50 commands


def vocabulary_for(mission: Mission, now: datetime | None = None) -> Vocabulary:
    """Every satellite and station name, alias and id of ``mission``, its screening threshold,
    the command names of its satellites' dictionaries, and the clock ``now`` (default: the
    mission horizon's start) for relative times.

    >>> from cosmo_agent.tools.mission import parse_mission
    >>> m = parse_mission('''
    ... name: v
    ... fleet: [{norad_id: 38338, name: KOMPSAT 3, aliases: [K3], class: eo-imager}]
    ... sources: {catalog: ["bundled:sample-leo.3le"]}
    ... policies: {screening_threshold_km: 2}
    ... ''')
    >>> v = vocabulary_for(m)
    >>> v.satellites["K3"], v.default_threshold_km, "SAR_ACQUIRE" in v.commands
    ('38338', 2.0, False)
    """
    sats = {
        n: str(s.norad_id) for s in mission.fleet for n in (str(s.norad_id), s.name, *s.aliases)
    }
    stations = {n: s.id for s in mission.stations for n in (s.id, s.name, *s.aliases)}
    return Vocabulary(
        satellites=sats,
        stations=stations,
        default_threshold_km=mission.policies.screening_threshold_km,
        default_duration_h=24.0,
        now=now if now is not None else mission.horizon.start(),
        commands=frozenset(_known_commands(mission)),
    )


# -- commands named in free text -------------------------------------------------------------

_MNEMONIC = re.compile(r"(?<![A-Za-z0-9_])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*(?![A-Za-z0-9_])")


def _known_commands(mission: Mission) -> set[str]:
    known: set[str] = set()
    for sat_class in dict.fromkeys(s.sat_class for s in mission.fleet):
        try:
            known.update(dictionary_for(mission, sat_class).names())
        except CommandDictionaryError:
            continue
    return known


def command_mnemonics(text: str, mission: Mission) -> list[str]:
    """Command names written in ``text`` that some fleet satellite's dictionary has.

    Only exact mnemonics count (``FORMAT_STORAGE`` is ignored unless a dictionary has it).
    """
    known = _known_commands(mission)
    return list(dict.fromkeys(m for m in _MNEMONIC.findall(text) if m in known))


def _mentioned(text: str, names: Mapping[str, str]) -> list[str]:
    """Names in ``text`` (longest first, one per id, in text order)."""
    found: list[tuple[int, str]] = []
    taken: set[str] = set()
    spans: list[tuple[int, int]] = []
    for name in sorted(names, key=len, reverse=True):
        pattern = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
        if re.search(r"[\uac00-\ud7a3]", name):
            pattern = re.escape(name)
        for m in re.finditer(pattern, text, re.I):
            if names[name] in taken or any(a < m.end() and m.start() < b for a, b in spans):
                continue
            taken.add(names[name])
            spans.append((m.start(), m.end()))
            found.append((m.start(), name))
            break
    return [n for _, n in sorted(found)]


# -- the planner ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    name: str
    args: JsonObject


@dataclass
class RulesPlanner:
    """The deterministic playbook planner (see the module docstring).

    ``read_requests`` reads the mission's free-text requests in ``plan`` runs (default: the
    rules' own reader); the objectives, the follow-ups (assessments, avoidance, safe mode) and
    the briefing are the playbook's whoever reads the requests.
    """

    name: str = "rules"
    max_events: int = MAX_ASSESSED_EVENTS
    read_requests: RequestReader | None = None
    _asked: dict[tuple[int, datetime], list[_Call]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def next_turn(self, task: PlannerTask, messages: Sequence[BaseMessage]) -> AIMessage:
        """The next tool calls of the playbook, or the answer when it is done."""
        records = tool_records(messages)
        turn = _tool_turns_since_user(messages)
        if task.mode == "plan":
            calls = self._plan_calls(task, records)
        else:
            calls = self._ask_calls(task, records, turn)
        if calls:
            first = sum(len(m.tool_calls) for m in messages if isinstance(m, AIMessage))
            return AIMessage(
                content="",
                tool_calls=[
                    {
                        "name": c.name,
                        "args": c.args,
                        "id": f"call_{first + i + 1:03d}",
                        "type": "tool_call",
                    }
                    for i, c in enumerate(calls)
                ],
            )
        lang = task.mission.language if task.mode == "plan" else detect_language(task.request)
        return AIMessage(content=self.answer(task, records, lang))

    def reads(self, task: PlannerTask, text: str) -> list[IntendedCall]:
        """The calls the rules' own reader makes of ``text``, one of ``task``'s mission's
        requests, at the task's clock (whatever ``read_requests`` is): ``[]`` when it reads
        nothing to act on. :class:`~cosmo_agent.agent.planners.HybridPlanner` asks this first.
        """
        return parse_request(text, vocabulary_for(task.mission, task.clock()))

    def declines(self, task: PlannerTask, text: str) -> bool:
        """Whether the rules' reader reads ``text`` as a general question the tools do not
        answer (:func:`~cosmo_agent.agent.intents.general_question`) or as a request outside
        satellite operations (:func:`~cosmo_agent.agent.intents.out_of_scope`): no call, on
        purpose."""
        vocabulary = vocabulary_for(task.mission, task.clock())
        return general_question(text, vocabulary) or out_of_scope(text, vocabulary)

    # -- plan ------------------------------------------------------------------------------

    def _plan_calls(self, task: PlannerTask, records: list[ToolRecord]) -> list[_Call]:
        m = task.mission
        now = task.clock()
        if not records:
            return [_Call("fleet_status", {}), _Call("space_weather", {})]
        done = {r.name for r in records}
        key = (id(m), now)  # the requests are read once per run, not once per turn
        if key not in self._asked:
            if self.read_requests is None:
                self._asked = {key: _requested_calls(m, now)}
            else:
                read = self.read_requests(task)
                self._asked = {key: [_Call(c.name, dict(c.arguments)) for c in read]}
        asked = self._asked[key]
        screen = _screen_args(m, asked)
        if screen is not None and "screen_conjunctions" not in done:
            return [_Call("screen_conjunctions", screen)]
        event = _event_names(records)
        assessed = {
            event(r.args.get("event_id")) for r in records if r.name == "assess_conjunction"
        }
        events = sorted(_events(records), key=lambda e: e.miss_km)
        todo = [e.event_id for e in events[: self.max_events]]
        todo += [str(c.args["event_id"]) for c in asked if c.name == "assess_conjunction"]
        todo = [e for e in _distinct(todo, event) if event(e) not in assessed]
        if todo:
            return [_Call("assess_conjunction", {"event_id": e}) for e in todo]
        avoid = _avoid_params(m)
        planned = {event(r.args.get("event_id")) for r in records if r.name == "plan_avoidance"}
        wanted = [
            x.event_id
            for x in (
                r.output(ConjunctionAssessment)
                for r in records
                if r.name == "assess_conjunction" and r.ok
            )
            if x.action == "plan_avoidance" and _maneuverable(m, x.primary.norad_id)
        ]
        wanted += [str(c.args["event_id"]) for c in asked if c.name == "plan_avoidance"]
        wanted = [e for e in _distinct(wanted, event) if event(e) not in planned]
        if wanted:
            return [_Call("plan_avoidance", {"event_id": e, **avoid}) for e in wanted]
        commands = _plan_commands(m, records, asked)
        stage = _survey_calls(m, asked, need_schedule=bool(commands))
        pending = [c for c in stage if c.name not in done]
        if pending:
            return pending
        if commands and "propose_commands" not in done:
            return [
                _Call("propose_commands", {"commands": commands[i : i + _MAX_COMMANDS_PER_CALL]})
                for i in range(0, len(commands), _MAX_COMMANDS_PER_CALL)
            ]
        return []

    # -- ask -------------------------------------------------------------------------------

    def _ask_calls(self, task: PlannerTask, records: list[ToolRecord], turn: int) -> list[_Call]:
        m = task.mission
        vocab = vocabulary_for(m, task.clock())
        text = task.request
        if turn == 0:
            return _limited([_Call(c.name, dict(c.arguments)) for c in parse_request(text, vocab)])
        if turn == 1:
            first = {c.name for c in parse_request(text, vocab)}
            if first & {"assess_conjunction", "plan_avoidance"}:
                return []  # the request named its event
            probe = [
                c
                for c in parse_request(f"{text} CONJ-0001", vocab)
                if c.name in ("assess_conjunction", "plan_avoidance")
            ]
            if not probe:
                return []
            events = sorted(_events(records), key=lambda e: e.miss_km)
            out: list[_Call] = []
            for c in probe:
                for e in events[: self.max_events]:
                    primary = e.primary.norad_id
                    if c.name == "plan_avoidance" and not _maneuverable(m, primary):
                        continue
                    out.append(_Call(c.name, {**c.arguments, "event_id": e.event_id}))
            return out
        return []

    # -- answer ----------------------------------------------------------------------------

    def answer(self, task: PlannerTask, records: Sequence[ToolRecord], lang: str) -> str:
        """The briefing (plan) or answer (ask) from the tool results, in ``lang``."""
        notes = _unanswered(task, records, lang)
        return answer_text(records, task.mission, lang, briefing=task.mode == "plan", notes=notes)


def _tool_turns_since_user(messages: Sequence[BaseMessage]) -> int:
    count = 0
    for msg in reversed(messages):
        if isinstance(msg, HumanMessage):
            break
        if isinstance(msg, AIMessage) and msg.tool_calls:
            count += 1
    return count


def _limited(calls: list[_Call]) -> list[_Call]:
    """propose_commands takes at most 50 commands per call: split longer lists."""
    out: list[_Call] = []
    for c in calls:
        commands = c.args.get("commands") if c.name == "propose_commands" else None
        items = commands if isinstance(commands, list) else []
        if len(items) <= _MAX_COMMANDS_PER_CALL:
            out.append(c)
            continue
        for k in range(0, len(items), _MAX_COMMANDS_PER_CALL):
            out.append(_Call(c.name, {**c.args, "commands": items[k : k + _MAX_COMMANDS_PER_CALL]}))
    return out


def _requested_calls(m: Mission, now: datetime) -> list[_Call]:
    """Tool calls the mission's free-text requests ask for."""
    vocab = vocabulary_for(m, now)
    return [_Call(c.name, dict(c.arguments)) for t in m.requests for c in parse_request(t, vocab)]


def _objectives(m: Mission, kind: str) -> list[Objective]:
    return [o for o in m.objectives if o.kind == kind]


def _selection(value: list[str] | str) -> JsonValue:
    return value if isinstance(value, str) else [*value]


def _number(params: Mapping[str, object], key: str, default: float) -> float:
    value = params.get(key, default)
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default
    )


def _screen_args(m: Mission, asked: Sequence[_Call]) -> JsonObject | None:
    objs = _objectives(m, "screen_conjunctions") + _objectives(m, "avoid_conjunctions")
    if objs:
        o = objs[0]
        return {
            "satellites": _selection(o.satellites),
            "duration_h": min(_number(o.parameters, "duration_h", m.horizon.duration_h), 168.0),
            "threshold_km": _number(
                o.parameters, "threshold_km", m.policies.screening_threshold_km
            ),
        }
    screens = [c.args for c in asked if c.name == "screen_conjunctions"]
    if screens:
        return screens[0]
    if any(c.name in ("assess_conjunction", "plan_avoidance") for c in asked):
        return {
            "satellites": "all",
            "duration_h": min(m.horizon.duration_h, 168.0),
            "threshold_km": m.policies.screening_threshold_km,
        }
    return None


def _avoid_params(m: Mission) -> dict[str, float]:
    out: dict[str, float] = {}
    for o in _objectives(m, "avoid_conjunctions")[:1]:
        for key in ("max_pc", "target_miss_km"):
            value = o.parameters.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[key] = float(value)
    return out


def _survey_calls(m: Mission, asked: Sequence[_Call], *, need_schedule: bool) -> list[_Call]:
    """find_passes / schedule_contacts / propagate from objectives, then from requests."""
    out: list[_Call] = []
    for o in _objectives(m, "find_passes")[:1]:
        args: JsonObject = {
            "satellites": _selection(o.satellites),
            "stations": _selection(o.stations),
            "duration_h": min(_number(o.parameters, "duration_h", m.horizon.duration_h), 168.0),
        }
        if "min_elevation_deg" in o.parameters:
            args["min_elevation_deg"] = _number(o.parameters, "min_elevation_deg", 0.0)
        out.append(_Call("find_passes", args))
    for o in _objectives(m, "schedule_downlinks")[:1]:
        objective = o.parameters.get("objective", "max_volume")
        out.append(
            _Call(
                "schedule_contacts",
                {
                    "satellites": _selection(o.satellites),
                    "stations": _selection(o.stations),
                    "duration_h": min(
                        _number(o.parameters, "duration_h", m.horizon.duration_h), 168.0
                    ),
                    "objective": objective
                    if objective in ("max_volume", "max_priority")
                    else "max_volume",
                },
            )
        )
    for c in asked:
        if c.name in ("propagate", "find_passes", "schedule_contacts") and all(
            c.name != o.name for o in out
        ):
            out.append(c)
    if need_schedule and all(c.name != "schedule_contacts" for c in out) and m.stations:
        out.append(
            _Call(
                "schedule_contacts",
                {
                    "satellites": "all",
                    "stations": "all",
                    "duration_h": min(m.horizon.duration_h, 168.0),
                    "objective": "max_volume",
                },
            )
        )
    return out


def _plan_commands(
    m: Mission, records: Sequence[ToolRecord], asked: Sequence[_Call]
) -> list[JsonValue]:
    """Commands to check: objectives, requests, safe mode for alerts, avoidance burns."""
    out: list[JsonValue] = []
    for o in _objectives(m, "commands"):
        params: JsonObject = dict(o.parameters)
        command = params.pop("command", None)
        when = params.pop("time", None)
        if not isinstance(command, str):
            continue
        sats = [s.name for s in m.fleet] if o.satellites == "all" else list(o.satellites)
        for sat in sats:
            item: JsonObject = {"satellite": sat, "command": command}
            if isinstance(when, str):
                item["time"] = when
            if params:
                item["parameters"] = params
            out.append(item)
    for c in asked:
        items = c.args.get("commands", [])
        if c.name == "propose_commands" and isinstance(items, list):
            out += items
    for r in records:
        if r.name == "space_weather" and r.ok:
            for alert in r.output(SpaceWeatherResult).alerts:
                if alert.action != "safe_mode_recommended":
                    continue
                if alert.target_kind != "satellite":
                    continue
                try:
                    target = m.satellite(str(alert.target_id))
                except KeyError:
                    continue
                reason = f"{alert.rule_id}: {alert.scale}{alert.level} storm"
                out.append(
                    {
                        "satellite": target.name,
                        "command": "SAFE_MODE_ENTER",
                        "parameters": {"reason": reason[:120]},
                    }
                )
        if r.name == "plan_avoidance" and r.ok:
            proposal = r.output(ManeuverProposal)
            cmd = proposal.command
            if proposal.status == "proposed" and cmd is not None:
                out.append(
                    {
                        "satellite": cmd.satellite,
                        "command": cmd.command,
                        "time": json_time(cmd.time),
                        "parameters": dict(cmd.parameters),
                    }
                )
    return list({json.dumps(c, sort_keys=True): c for c in out}.values())


def _events(records: Iterable[ToolRecord]) -> list[ConjunctionEvent]:
    seen: dict[str, ConjunctionEvent] = {}
    for r in records:
        if r.name == "screen_conjunctions" and r.ok:
            for e in r.output(ScreeningResult).events:
                seen.setdefault(e.event_id, e)
    return list(seen.values())


def _event_names(records: Iterable[ToolRecord]) -> Callable[[object], str]:
    """A written event id -> the canonical id of the screened event it names (its id or its
    alias, ``CONJ-7`` is ``CONJ-0007``), so that a request's alias and a result's id match."""
    names: dict[str, str] = {}
    for e in _events(records):
        for name in (e.event_id, e.alias):
            if name:
                names[normal_event_id(name)] = normal_event_id(e.event_id)

    def canonical(written: object) -> str:
        key = normal_event_id(str(written or ""))
        return names.get(key, key)

    return canonical


def _distinct(ids: Iterable[str], key: Callable[[object], str]) -> list[str]:
    """``ids`` without a second name of an event already listed, in order."""
    first: dict[str, str] = {}
    for e in ids:
        first.setdefault(key(e), e)
    return list(first.values())


def _maneuverable(m: Mission, norad_id: int | str | None) -> bool:
    try:
        return bool(m.satellite(str(norad_id)).maneuverable)
    except KeyError:
        return False


def _unanswered(task: PlannerTask, records: Sequence[ToolRecord], lang: str) -> list[str]:
    """Notes for what the tools could not serve: commands no dictionary has, or a command
    without a satellite."""
    if task.mode != "ask":
        return []
    notes = []
    names = command_mnemonics(task.request, task.mission)
    unknown = [
        t for t in dict.fromkeys(_MNEMONIC.findall(task.request)) if "_" in t and t not in names
    ]
    if unknown:
        notes.append(
            f"{', '.join(unknown)}: 명령 사전에 없는 명령이라 제안할 수 없습니다."
            if lang == "ko"
            else f"{', '.join(unknown)}: not in the fleet's command dictionaries, so I"
            " will not propose it."
        )
    sats = _mentioned(task.request, vocabulary_for(task.mission).satellites)
    if names and not sats:
        notes.append(
            f"명령 {', '.join(names)}을(를) 보낼 위성을 지정해 주세요."
            if lang == "ko"
            else f"Name the satellite for {', '.join(names)} and I will check the command."
        )
    return notes
