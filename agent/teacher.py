"""The rules planner as the teacher of the Cosmo corpus (``cosmo_agent.model.corpus.Teacher``).

:meth:`RulesTeacher.world` builds a randomized mission from the bundled sample catalog: a
random subset of its satellites under their catalog names with random aliases (Latin codes and
Korean names), random command-dictionary classes, random real ground stations (with Korean
aliases), a random planning clock on 10 June 2026 and the bundled space-weather snapshot. A
wide screening (50 km) is run once so that the world has conjunction ids the requests can name.
:meth:`RulesTeacher.answer` runs the real tools through the planner graph with the rules
planner and returns the turns after the user message in the contract's chat format.

Use it as ``python -m cosmo_agent.model.corpus --teacher cosmo_agent.agent.teacher:RulesTeacher``.

>>> teacher = RulesTeacher()
>>> world = teacher.world(7)
>>> world == teacher.world(7), sorted(world)[:4]
(True, ['commands', 'event_ids', 'mission', 'now'])
>>> turns = teacher.answer(world, "space weather")
>>> [m["role"] for m in turns], turns[0]["tool_calls"][0]["function"]["name"]
(['assistant', 'tool', 'assistant'], 'space_weather')
"""

from __future__ import annotations

import math
import random
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from importlib.resources import files
from typing import Final, NotRequired, TypedDict

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from cosmo_agent.agent.intents import detect_language
from cosmo_agent.agent.jsontypes import JsonObject, JsonValue
from cosmo_agent.agent.planners import (
    HybridPlanner,
    PlannerTask,
    ScriptedPlanner,
    prompt_clock,
    system_prompt,
)
from cosmo_agent.agent.planning import PlannerBackend
from cosmo_agent.agent.rules import RulesPlanner
from cosmo_agent.agent.runner import Agent
from cosmo_agent.agent.trace import chat_messages, tool_records
from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.timescales import iso_utc
from cosmo_agent.tools.mentions import unknown_names
from cosmo_agent.tools.mission import Mission
from cosmo_agent.tools.quantities import (
    QuantityError,
    QuantityKind,
    find_quantity,
    find_times,
    parse_quantity,
    parse_time,
)
from cosmo_agent.tools.registry import (
    ToolContext,
    call_tool,
    openai_tools,
    resolve_arguments,
    spelled_values,
)

__all__ = [
    "HELD_OUT_WORLD_SEEDS",
    "WORLD_COMMANDS",
    "CorpusCall",
    "EvalRecordSeed",
    "GuidedPlanner",
    "Predict",
    "RulesTeacher",
]

WORLD_COMMANDS: Final = (
    "NOOP",
    "TIME_SYNC",
    "SAFE_MODE_ENTER",
    "SAFE_MODE_EXIT",
    "STOP_DOWNLINK",
    "OBC_RESET",
)
"""Commands the requests may name: every bundled class has them, none needs a parameter."""


class CorpusCall(TypedDict):
    """One tool call as the corpus writes it (``model.call_validation.Call``); a missing
    ``arguments`` reads as ``{}``."""

    name: str
    arguments: NotRequired[JsonObject]


class EvalRecordSeed(TypedDict):
    """What the teacher reads of an evaluation record (``model.evaluate.EvalRecord``): the
    world it was written in and its conversation."""

    world_seed: int
    messages: list[JsonObject]


Predict = Callable[[Sequence[Mapping[str, JsonValue]], Sequence[JsonObject]], list[JsonValue]]
"""``(messages up to the last user turn, OpenAI tools) -> tool calls``: an evaluation
predictor (``model.evaluate.Predictor``)."""

_Station = tuple[str, str, list[str], list[str], float, float, float]
_STATIONS: Final[tuple[_Station, ...]] = (
    # id, name, English aliases, Korean aliases, lat, lon, alt m
    ("DAEJEON", "Daejeon", ["KARI"], ["대전", "대전 지상국"], 36.372, 127.358, 80.0),
    ("JEJU", "Jeju", [], ["제주", "제주 지상국"], 33.43, 126.53, 100.0),
    ("SVALBARD", "Svalbard", ["SvalSat"], ["스발바르"], 78.23, 15.39, 500.0),
    ("FAIRBANKS", "Fairbanks", ["Alaska"], ["페어뱅크스"], 64.86, -147.85, 180.0),
    ("KIRUNA", "Kiruna", ["Esrange"], ["키루나"], 67.86, 20.96, 400.0),
    ("INUVIK", "Inuvik", [], ["이누빅"], 68.32, -133.55, 100.0),
    ("TROLL", "Troll", ["TrollSat"], ["트롤"], -72.01, 2.53, 1300.0),
    ("HBK", "Hartebeesthoek", ["HartRAO"], ["하트비스툭"], -25.89, 27.69, 1400.0),
    ("MALARGUE", "Malargue", [], ["말라르구에"], -35.78, -69.40, 1500.0),
    ("ALICE", "Alice Springs", ["ASA"], ["앨리스스프링스"], -23.76, 133.88, 600.0),
    ("MCMURDO", "McMurdo", ["MGS"], ["맥머도"], -77.84, 166.67, 50.0),
    ("WALLOPS", "Wallops", ["WFF"], ["월롭스"], 37.94, -75.46, 10.0),
)
# Stations only the held-out worlds (HELD_OUT_WORLD_SEEDS) use: the test and development
# missions name ground sites no training world has.
_HELD_OUT_STATIONS: Final[tuple[_Station, ...]] = (
    ("PUNTA", "Punta Arenas", ["PA-GS"], ["푼타아레나스", "푼타 아레나스"], -52.94, -70.85, 30.0),
    ("SGP", "Singapore", ["SG-1"], ["싱가포르", "싱가포르 지상국"], 1.35, 103.82, 20.0),
    ("AWARUA", "Awarua", ["AWR"], ["아와루아"], -46.53, 168.38, 10.0),
    ("GOONHILLY", "Goonhilly", ["GHY"], ["구닐리"], 50.05, -5.18, 100.0),
    ("YKNIFE", "Yellowknife", ["YK"], ["옐로나이프"], 62.45, -114.37, 200.0),
    ("MAURITIUS", "Mauritius", ["MRU"], ["모리셔스"], -20.16, 57.50, 300.0),
)
_KO_NAMES: Final = ("아리랑", "천리안", "누리샛", "한빛", "별빛", "다누리", "새누리", "초롱")
_CODES: Final = ("SAT", "EO", "OPS", "KX", "LEO", "CUBE", "OBS", "RS")
# ... and satellite aliases from their own stems and codes
_HELD_OUT_KO_NAMES: Final = ("무궁화", "미리내", "온누리", "해오름", "샛별")
_HELD_OUT_CODES: Final = ("GEOX", "SCAN", "TERRA", "VX", "HAWK")
_NICKNAMES: Final = ("Falcon", "Magpie", "Kestrel", "Bluebird", "Heron", "Osprey", "Wren")
_HELD_OUT_NICKNAMES: Final = ("Albatross", "Puffin", "Condor", "Swift")
HELD_OUT_WORLD_SEEDS: Final = frozenset(range(3000, 3010)) | frozenset(range(4000, 4010))
"""The worlds of the unseen-mission test (3000–3009) and development (4000–4009) sets: their
stations, alias stems, codes and nicknames come from pools no training world uses."""
_FROZEN_WORLD_SEEDS: Final = frozenset(range(1000, 1010)) | frozenset(range(2000, 2010))
# The published test (1000–1009) and development (2000–2009) worlds, kept as they were
# generated before alias styles varied, so that their frozen splits still resolve.
_CLASSES: Final = ("eo-imager", "eo-imager", "sar", "weather")
_EPOCH: Final = datetime(2026, 6, 10, tzinfo=UTC)
_SCREEN_KM: Final = 50.0  # wide, so that most worlds have events to talk about


def _sample_records() -> list[tuple[int, str]]:
    text = (files("cosmo_agent.tools") / "data" / "sample-leo.3le").read_text(encoding="utf-8")
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    out = []
    for i in range(0, len(lines) - 2, 3):
        name = lines[i].removeprefix("0 ").strip()
        norad = int(lines[i + 1][2:7])
        out.append((norad, name))
    return out


class RulesTeacher:
    """Randomized worlds and rules-planner answers for ``model.corpus.build_corpus``.

    ``cache_worlds``: how many worlds keep their agent (catalog, tool results) in memory.
    """

    @staticmethod
    def request_values(request: str) -> dict[str, list[float | str]]:
        """What ``request`` writes for the tools' quantity and time arguments (the tools'
        parser, without a planning clock): what evaluation lets Cosmo quote."""
        return spelled_values(request)

    @staticmethod
    def unknown_names(request: str) -> dict[str, list[str]]:
        """The satellites and stations ``request`` (the mission's names blanked) still names,
        read as the rules planner reads them: what evaluation lets Cosmo pass on as written."""
        return unknown_names(request)

    @staticmethod
    def request_reader(
        messages: Sequence[Mapping[str, JsonValue]],
    ) -> Callable[[str], dict[str, list[float | str]]]:
        """:meth:`request_values` with the planning clock the conversation's system prompt
        states, as the planners read a request ("in 6 hours", "June 12 at 15:00 UTC"):
        what evaluation lets Cosmo quote for one record."""
        system = next((str(m["content"]) for m in messages if m["role"] == "system"), "")
        return partial(spelled_values, now=prompt_clock(system))

    @staticmethod
    def learned_names() -> dict[str, list[str]]:
        """The satellite aliases and station names training worlds use (never the held-out
        worlds' pools), for a model's ``cosmo_name_surrogates``
        (:mod:`cosmo_agent.model.surrogates`): codes and Korean aliases as the shipped model's
        corpus wrote them, then the sample catalog's names; each station's id, name and
        aliases."""
        codes = [f"{code}-{n}" for n in range(1, 100) for code in _CODES]
        korean = [f"{stem}{n}호" for n in range(1, 13) for stem in _KO_NAMES]
        catalog = [name for _, name in _sample_records()]
        stations = [n for s in _STATIONS for n in (s[0], s[1], *s[2], *s[3])]
        return {"satellites": [*codes, *korean, *catalog], "stations": stations}

    def __init__(self, cache_worlds: int = 4) -> None:
        self._agents: OrderedDict[str, Agent] = OrderedDict()
        self._cache = cache_worlds
        self._records = _sample_records()
        self._catalog: Catalog | None = None
        self._contexts: dict[int, ToolContext] = {}

    # -- worlds ------------------------------------------------------------------------------

    def mission(self, seed: int) -> Mission:
        """The randomized mission of world ``seed``."""
        rng = random.Random(f"cosmo-world:{seed}")
        # how aliases are written varies per world, on a stream of its own: "KX-7", "KX-7B",
        # "아리랑3호", "아리랑 3호", a nickname ("Falcon", "참매")
        style = random.Random(f"cosmo-world-style:{seed}")
        held_out = seed in HELD_OUT_WORLD_SEEDS
        stems = _HELD_OUT_KO_NAMES if held_out else _KO_NAMES
        codes = _HELD_OUT_CODES if held_out else _CODES
        nicknames = _HELD_OUT_NICKNAMES if held_out else _NICKNAMES
        letter_codes = style.random() < 0.3
        spaced_korean = style.random() < 0.4
        nickname_share = style.choice((0.0, 0.0, 0.3))
        if seed in _FROZEN_WORLD_SEEDS:
            letter_codes = spaced_korean = False
            nickname_share = 0.0
        taken: set[str] = set()

        def unique(name: str) -> str | None:
            key = name.casefold()
            if key in taken:
                return None
            taken.add(key)
            return name

        fleet = []
        for norad, name in rng.sample(self._records, rng.randint(2, 6)):
            unique(name)
            unique(str(norad))
            aliases = []
            letter = style.choice("ABC") if letter_codes else ""
            code = unique(f"{rng.choice(codes)}-{rng.randint(1, 99)}{letter}")
            if code:
                aliases.append(code)
            if rng.random() < 0.8:
                stem, number = rng.choice(stems), rng.randint(1, 12)
                ko = unique(f"{stem}{' ' if spaced_korean else ''}{number}호")
                if ko:
                    aliases.append(ko)
            if style.random() < nickname_share:
                nick = unique(style.choice(nicknames))
                if nick:
                    aliases.append(nick)
            sat_class = rng.choice(_CLASSES)
            fleet.append(
                {
                    "norad_id": norad,
                    "name": name,
                    "aliases": aliases,
                    "class": sat_class,
                    "maneuverable": sat_class != "weather" and rng.random() < 0.7,
                    "priority": rng.randint(1, 5),
                    "contacts_per_day": rng.randint(1, 4),
                    "sensitivities": rng.sample(
                        ["radiation", "drag", "thermal"], rng.randint(0, 2)
                    ),
                }
            )
        stations = []
        for sid, name, en_aliases, ko_aliases, lat, lon, alt in rng.sample(
            _HELD_OUT_STATIONS if held_out else _STATIONS, rng.randint(1, 4)
        ):
            unique(sid)
            unique(name)
            aliases = [
                a
                for a in (*en_aliases, *rng.sample(ko_aliases, rng.randint(1, len(ko_aliases))))
                if unique(a)
            ]
            stations.append(
                {
                    "id": sid,
                    "name": name,
                    "aliases": aliases,
                    "lat_deg": lat,
                    "lon_deg": lon,
                    "alt_m": alt,
                    "min_elevation_deg": float(rng.choice((0, 5, 5, 10))),
                    "antennas": [
                        {"id": f"{sid}-{k + 1}", "downlink_rate_mbps": rng.choice((150, 320, 800))}
                        for k in range(rng.randint(1, 2))
                    ],
                }
            )
        now = _EPOCH + timedelta(hours=rng.randrange(0, 24), minutes=rng.choice((0, 15, 30, 45)))
        return Mission.model_validate(
            {
                "name": f"world-{seed}",
                "language": rng.choice(("en", "ko")),
                "fleet": fleet,
                "stations": stations,
                "sources": {
                    "catalog": ["bundled:sample-leo.3le"],
                    "space_weather": "bundled:swpc-2026-06-10",
                },
                "horizon": {"epoch": now, "duration_h": 24},
                "policies": {"space_weather_stale_h": 48},
            }
        )

    def _agent(self, mission: Mission) -> Agent:
        agent = self._agents.get(mission.name)
        if agent is not None:
            self._agents.move_to_end(mission.name)
            return agent
        agent = Agent(mission, catalog=self._catalog)
        ctx = agent.tool_context()
        if self._catalog is None:
            self._catalog = ctx.catalog
        call_tool(
            ctx,
            "screen_conjunctions",
            {"satellites": "all", "duration_h": 24, "threshold_km": _SCREEN_KM},
        )
        self._agents[mission.name] = agent
        while len(self._agents) > self._cache:
            _, old = self._agents.popitem(last=False)
            old.close()
        return agent

    def world(self, seed: int) -> JsonObject:
        """The randomized world ``seed`` (see ``model.corpus.Teacher.world``)."""
        mission = self.mission(seed)
        agent = self._agent(mission)
        now = mission.horizon.start()
        tools: list[JsonValue] = list(openai_tools(mission))
        event_ids: list[JsonValue] = [*sorted(agent.store.events)]
        return {
            "satellites": [
                {"id": str(s.norad_id), "name": s.name, "aliases": list(s.aliases)}
                for s in mission.fleet
            ],
            "stations": [
                {"id": s.id, "name": s.name, "aliases": list(s.aliases)} for s in mission.stations
            ],
            "tools": tools,
            "system": system_prompt(mission, now),
            "now": iso_utc(now),
            "commands": list(WORLD_COMMANDS),
            "event_ids": event_ids,
            "mission": mission.model_dump(mode="json", by_alias=True, exclude={"base_dir"}),
        }

    def quote(
        self, world: Mapping[str, JsonValue], request: str, calls: Sequence[CorpusCall]
    ) -> list[CorpusCall]:
        """``calls`` (``[{"name", "arguments"}]``) with each value the request spells out
        written as the request spells it: ``"duration_h": "2 days"`` for 48 when the request
        says "2 days", ``"start": "2시간 후"`` for the time two hours after the clock. The
        tools read both the same way (:mod:`~cosmo_agent.tools.quantities`), so the model
        learns to quote spans of the request instead of computing numbers. A value the request
        does not spell (a default, a unit conversion the parser would not read back) is kept.

        >>> teacher = RulesTeacher()
        >>> world = {"now": "2026-06-10T12:00:00Z"}
        >>> [call] = teacher.quote(world, "K3 passes over the next 2 days above 10°",
        ...     [{"name": "find_passes", "arguments": {"satellites": ["K3"], "stations": "all",
        ...       "duration_h": 48.0, "min_elevation_deg": 10.0}}])
        >>> call["arguments"]["duration_h"], call["arguments"]["min_elevation_deg"]
        ('2 days', '10°')
        """
        now = datetime.fromisoformat(str(world["now"]).replace("Z", "+00:00"))
        return [
            {**c, "arguments": _quoted(dict(c.get("arguments") or {}), request, now)} for c in calls
        ]

    def resolve(self, record: EvalRecordSeed, call: CorpusCall) -> JsonObject:
        """``call`` as the tools would execute it in the world of ``record`` (its
        ``world_seed``): the evaluation's resolver (``model.evaluate.Resolver``). Raises
        :class:`~cosmo_agent.tools.registry.ToolError` where the tool would refuse the call.
        """
        ctx = self._context(int(record["world_seed"]))
        arguments = call.get("arguments") or {}
        return {"name": call["name"], "arguments": resolve_arguments(ctx, call["name"], arguments)}

    def _context(self, seed: int) -> ToolContext:
        ctx = self._contexts.get(seed)
        if ctx is None:
            mission = self.mission(seed)
            ctx = ToolContext.from_mission(mission, catalog=self._catalog)
            self._contexts[seed] = ctx
        return ctx

    def rules_predictor(self, records: Sequence[EvalRecordSeed]) -> Predict:
        """The rules planner's first tool calls on ``records`` as an evaluation predictor
        (``model.evaluate.Predictor``), so the report can put it beside Cosmo's.

        A predictor sees only the messages; the record is found by its last user message and
        system prompt.
        """
        worlds = {_record_key(r["messages"]): int(r["world_seed"]) for r in records}

        def predict(
            messages: Sequence[Mapping[str, JsonValue]], tools: Sequence[JsonObject]
        ) -> list[JsonValue]:
            key = _record_key(messages)  # (system prompt, request)
            turns = self.answer(self.world(worlds[key]), key[1])
            calls = next((t["tool_calls"] for t in turns if t.get("tool_calls")), None)
            return list(calls) if isinstance(calls, list) else []

        return predict

    def hybrid_predictor(
        self, records: Sequence[EvalRecordSeed], cosmo: Predict, rules: Predict | None = None
    ) -> Predict:
        """The hybrid planner's first calls on ``records`` (``model.evaluate.Predictor``): the
        rules planner's (``rules``, default :meth:`rules_predictor`) for a request
        :meth:`HybridPlanner.reader <cosmo_agent.agent.planners.HybridPlanner.reader>` gives
        the rules, ``cosmo``'s for the others, at the world's clock."""
        worlds = {_record_key(r["messages"]): int(r["world_seed"]) for r in records}
        rules = rules or self.rules_predictor(records)
        hybrid = HybridPlanner()  # only its reader: the model is never loaded here

        def predict(
            messages: Sequence[Mapping[str, JsonValue]], tools: Sequence[JsonObject]
        ) -> list[JsonValue]:
            key = _record_key(messages)  # (system prompt, request)
            mission = self.mission(worlds[key])
            task = PlannerTask("ask", mission, key[1], now=mission.horizon.start())
            reader = rules if hybrid.reader(task, key[1]) == "rules" else cosmo
            return reader(messages, tools)

        return predict

    def answer(self, world: Mapping[str, JsonValue], request: str) -> list[JsonObject]:
        """The assistant and tool turns that answer ``request`` in ``world``."""
        mission = Mission.model_validate(world["mission"])
        return self._agent(mission).ask(request).messages

    def first_turn(self, world: Mapping[str, JsonValue], request: str) -> list[JsonObject]:
        """The first assistant turn of :meth:`answer` (its tool calls, or a no-tool request's
        answer) without running a tool: the corpus's ``first_turns`` mode, several times
        faster, for teaching the choice of call. Equal to the first message ``answer``
        returns (a test holds them equal)."""
        mission = Mission.model_validate(world["mission"])
        return _first_turn(mission, request, self._agent(mission).planner)

    def first_turn_calls(
        self, world: Mapping[str, JsonValue], request: str, calls: Sequence[CorpusCall]
    ) -> list[JsonObject]:
        """The first turn of :meth:`answer_calls` (``calls``, or the answer when there are
        none), without running a tool."""
        mission = Mission.model_validate(world["mission"])
        rules = self._agent(mission).planner
        if not isinstance(rules, RulesPlanner):
            raise TypeError(f"the teacher's agent plans with {rules.name!r}, not the rules")
        return _first_turn(mission, request, GuidedPlanner(tuple(calls), rules))

    def answer_calls(
        self, world: Mapping[str, JsonValue], request: str, calls: Sequence[CorpusCall]
    ) -> list[JsonObject]:
        """The turns that answer ``request`` with the given first tool calls.

        ``calls`` (``[{"name", "arguments"}]``, ``[]`` for a direct answer) run through the
        real tools in the planner graph, and the rules planner writes the briefing from their
        results: the corpus uses this where the rules planner misreads a phrasing whose
        intended calls are known.
        """
        mission = Mission.model_validate(world["mission"])
        agent = self._agent(mission)
        rules = agent.planner
        if not isinstance(rules, RulesPlanner):  # the teacher's agents plan with the rules
            raise TypeError(f"the teacher's agent plans with {rules.name!r}, not the rules")
        agent.planner = GuidedPlanner(tuple(calls), rules)
        try:
            return agent.ask(request).messages
        finally:
            agent.planner = rules


def _first_turn(mission: Mission, request: str, planner: PlannerBackend) -> list[JsonObject]:
    """``planner``'s first turn for ``request`` in an ask run, as the graph would plan it."""
    now = mission.horizon.start()  # the clock of the teacher's agents and system prompt
    task = PlannerTask("ask", mission, request, tools=tuple(openai_tools(mission)), now=now)
    history = [SystemMessage(system_prompt(mission, now)), HumanMessage(request)]
    return chat_messages([planner.next_turn(task, history)])


# argument -> the kind of quantity it holds (times are quoted through find_times)
_QUOTED: Final[Mapping[str, QuantityKind]] = {
    "duration_h": "duration_h",
    "step_s": "step_s",
    "threshold_km": "distance_km",
    "target_miss_km": "distance_km",
    "min_elevation_deg": "elevation_deg",
    "hard_body_radius_m": "radius_m",
    "max_pc": "probability",
}
_TIMES: Final = ("start", "burn_epoch", "time")


def _quoted(arguments: JsonObject, request: str, now: datetime) -> JsonObject:
    out = dict(arguments)
    for key, value in arguments.items():
        kind = _QUOTED.get(key)
        if kind is not None and isinstance(value, int | float):
            span = _span_of(kind, float(value), request)
            if span is not None:
                out[key] = span
        elif key in _TIMES and isinstance(value, str):
            out[key] = _time_span(value, request, now) or value
        elif key == "commands" and isinstance(value, list):
            out[key] = [_quoted_command(c, request, now) for c in value]
    return out


def _quoted_command(command: JsonValue, request: str, now: datetime) -> JsonValue:
    """A ``propose_commands`` item with its ``time`` as the request spells it."""
    if isinstance(command, dict):
        time = command.get("time")
        if isinstance(time, str):
            return {**command, "time": _time_span(time, request, now) or time}
    return command


def _span_of(kind: QuantityKind, value: float, request: str) -> str | None:
    """The text of the request that reads as ``value`` of ``kind``, or None."""
    rest = request
    while (q := find_quantity(kind, rest)) is not None:
        text = q.text.strip()
        try:
            same = math.isclose(parse_quantity(kind, text), value, rel_tol=1e-9)
        except QuantityError:
            same = False
        if same:
            return text
        rest = rest[: q.start] + " " * (q.end - q.start) + rest[q.end :]
    return None


def _time_span(iso: str, request: str, now: datetime) -> str | None:
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    for moment in find_times(request, now):
        text = moment.text.strip()
        try:
            if parse_time(text, now) == when:
                return text
        except QuantityError:
            continue
    return None


def _record_key(messages: Sequence[Mapping[str, JsonValue]]) -> tuple[str, str]:
    system = next((str(m["content"]) for m in messages if m["role"] == "system"), "")
    user = next((str(m["content"]) for m in reversed(messages) if m["role"] == "user"), "")
    return system, user


@dataclass
class GuidedPlanner:
    """First turn: ``calls``; then the ``briefer``'s answer from the tool results (no more calls).

    ``briefer``'s ``answer`` writes the briefing in the request's language.
    """

    calls: tuple[CorpusCall, ...]
    briefer: RulesPlanner
    name: str = "guided"

    def next_turn(self, task: PlannerTask, messages: Sequence[BaseMessage]) -> AIMessage:
        """The guided calls once, then the briefing."""
        records = tool_records(messages)
        if self.calls and not records:
            script = [{"name": c["name"], "args": c.get("arguments", {})} for c in self.calls]
            turn = ScriptedPlanner([script]).next_turn(task, messages)
            if turn.tool_calls:
                return turn
        lang = detect_language(task.request)
        return AIMessage(content=self.briefer.answer(task, records, lang))
