"""Operator requests in English or Korean → the tool calls the rules planner makes.

This is the rules planner's reading of free text: keyword intents plus slots (satellites,
stations, durations, distances, probabilities, event ids) written several ways — ``24 h``,
``a day``, ``이틀``, ``5 km``, ``5,000 m``, ``5킬로``, ``1e-4``, ``1 in 10,000``. It is
deterministic, so it can also teach the Cosmo model (``cosmo-agent model corpus``).

>>> names = Vocabulary(satellites={"K3": "38338", "아리랑3호": "38338", "KOMPSAT 3": "38338"},
...                    stations={"대전": "DAEJEON", "Daejeon": "DAEJEON"})
>>> calls = parse_request("Any conjunctions for K3 in the next 2 days?", names)
>>> [(c.name, c.arguments) for c in calls]
[('screen_conjunctions', {'satellites': ['K3'], 'duration_h': 48.0, 'threshold_km': 5.0})]
>>> [(c.name, c.arguments) for c in parse_request("아리랑3호 대전 패스 알려줘, 12시간", names)]
[('find_passes', {'satellites': ['아리랑3호'], 'stations': ['대전'], 'duration_h': 12.0})]
>>> parse_request("hello, who are you?", names)
[]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PLAYBOOK_ORDER", "IntendedCall", "Vocabulary", "detect_language", "parse_request"]

_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def detect_language(text: str) -> str:
    """``"ko"`` when the text contains Hangul syllables, else ``"en"``."""
    return "ko" if _HANGUL.search(text) else "en"


@dataclass(frozen=True)
class Vocabulary:
    """Names the request may use: spoken name → canonical id (satellites and stations)."""

    satellites: dict[str, str] = field(default_factory=dict)
    stations: dict[str, str] = field(default_factory=dict)
    default_threshold_km: float = 5.0
    default_duration_h: float = 24.0


@dataclass(frozen=True)
class IntendedCall:
    """One tool call the request asks for (arguments as the tool contract spells them)."""

    name: str
    arguments: dict[str, Any]


# -- numbers and quantities ---------------------------------------------------------------------

_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "half": 0.5,
}  # fmt: skip
_KO_NUMBERS = {
    "한": 1, "하나": 1, "두": 2, "둘": 2, "세": 3, "셋": 3, "네": 4, "넷": 4, "다섯": 5,
    "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10, "열두": 12, "스무": 20,
    "일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9, "십": 10,
}  # fmt: skip
_KO_DAYS = {
    "하루": 1, "이틀": 2, "사흘": 3, "나흘": 4, "닷새": 5, "엿새": 6, "이레": 7, "일주일": 7,
}  # fmt: skip

_NUM = r"(\d+(?:[.,]\d+)*(?:\s*[eE]\s*-?\d+)?)"
_WORDNUM = "|".join(sorted(_EN_NUMBERS, key=len, reverse=True))
_KONUM = "|".join(sorted(_KO_NUMBERS, key=len, reverse=True))


def _number(text: str) -> float | None:
    t = text.strip().lower()
    if t in _EN_NUMBERS:
        return float(_EN_NUMBERS[t])
    if t in _KO_NUMBERS:
        return float(_KO_NUMBERS[t])
    t = t.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", t):
        t = t.replace(",", "")
    t = t.replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return None


_DURATION_PATTERNS: list[tuple[re.Pattern[str], float]] = [
    (re.compile(rf"{_NUM}\s*(?:h\b|hr\b|hrs\b|hours?\b|시간)", re.I), 1.0),
    (re.compile(rf"\b({_WORDNUM})\s+hours?\b", re.I), 1.0),
    (re.compile(rf"({_KONUM})\s*시간"), 1.0),
    (re.compile(rf"{_NUM}\s*(?:d\b|days?\b|일(?!주))", re.I), 24.0),
    (re.compile(rf"\b({_WORDNUM})\s+days?\b", re.I), 24.0),
    (re.compile(rf"{_NUM}\s*(?:min\b|mins\b|minutes?\b|분)", re.I), 1.0 / 60.0),
    (re.compile(rf"{_NUM}\s*(?:weeks?\b|주(?:일|간)?)", re.I), 168.0),
]
_DURATION_WORDS: list[tuple[re.Pattern[str], float]] = [
    (re.compile(r"\b(?:a|one|this|next|the coming)\s+week\b|일주일|한\s*주|이번\s*주", re.I),
     168.0),
    (re.compile(r"\bhalf\s+a\s+day\b|반나절", re.I), 12.0),
    (re.compile(r"\btoday\b|\btonight\b|오늘", re.I), 24.0),
    (re.compile(r"\btomorrow\b|내일", re.I), 48.0),
]


def _duration_h(text: str) -> float | None:
    for pattern, scale in _DURATION_PATTERNS:
        m = pattern.search(text)
        if m and (value := _number(m.group(1))) is not None and value > 0:
            return value * scale
    for word, days in _KO_DAYS.items():
        if word in text:
            return 24.0 * days
    for pattern, hours in _DURATION_WORDS:
        if pattern.search(text):
            return hours
    return None


_KM = re.compile(rf"{_NUM}\s*(?:km\b|kilomet(?:er|re)s?\b|킬로(?:미터)?)", re.I)
_KM_WORD = re.compile(rf"\b({_WORDNUM})\s+(?:km|kilomet(?:er|re)s?)\b", re.I)
_M = re.compile(rf"{_NUM}\s*(?:m\b|met(?:er|re)s?\b|미터)", re.I)


def _distance_km(text: str) -> float | None:
    if m := _KM.search(text) or _KM_WORD.search(text):
        return _number(m.group(1))
    if m := _M.search(text):
        value = _number(m.group(1))
        return None if value is None else value / 1000.0
    return None


_HBR = re.compile(
    rf"(?:hbr|hard[- ]body(?:\s+radius)?|radius|반경|반지름)\D{{0,12}}?{_NUM}\s*(?:m\b|met|미터)",
    re.I,
)
_PC = re.compile(
    rf"(?:pc|probability|확률)\D{{0,20}}?(?:{_NUM}|1\s*in\s*([\d,]+)|10\^\s*(-\d+))", re.I
)
_ONE_IN = re.compile(r"\b1\s*(?:in|/)\s*([\d,]{3,})")
_SCI = re.compile(r"(\d(?:\.\d+)?\s*[eE]\s*-\d+|10\^\s*-\d+)")
_EVENT = re.compile(r"\b(CONJ-\d{1,6})\b", re.I)
_ELEV = re.compile(rf"{_NUM}\s*(?:°|deg\b|degrees?\b|도)", re.I)
_STEP = re.compile(
    rf"(?:every|step|steps of|간격)\s*{_NUM}?\s*(s\b|sec\b|seconds?\b|min\b|minutes?\b|초|분)|"
    rf"{_NUM}\s*(s\b|sec\b|seconds?\b|min\b|minutes?\b|초|분)\s*(?:steps?|간격|마다)",
    re.I,
)
_ISO = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))"
)


def _max_pc(text: str) -> float | None:
    if m := _ONE_IN.search(text):
        return 1.0 / float(m.group(1).replace(",", ""))
    if m := _SCI.search(text):
        s = m.group(1).replace(" ", "")
        return 10.0 ** float(s.split("^")[1]) if "^" in s else float(s)
    return None


def _step_s(text: str) -> float | None:
    m = _STEP.search(text)
    if not m:
        return None
    number = m.group(1) or m.group(3)
    unit = (m.group(2) or m.group(4) or "s").lower()
    value = _number(number) if number else 1.0
    if value is None:
        return None
    return value * (60.0 if unit.startswith("min") or unit == "분" else 1.0)


# -- intents ------------------------------------------------------------------------------------

_INTENTS: list[tuple[str, re.Pattern[str]]] = [
    ("plan_avoidance", re.compile(
        r"\bavoid|\bavoidance|\bmaneuv|\bmanoeuv|\bdodge|\bburn\b|회피|기동", re.I)),
    ("assess_conjunction", re.compile(
        r"\bassess|\bprobability\b|\bpc\b|\brisk\b|충돌\s*확률|확률|위험도|평가", re.I)),
    ("screen_conjunctions", re.compile(
        r"conjunction|close approach|\bcollision|\bcollide|\bhit\b|debris|\bscreen|\bclose calls?"
        r"|근접|충돌|접근|잔해|스크리닝", re.I)),
    ("space_weather", re.compile(
        r"space[- ]weather|\bsolar\b|geomagnetic|\bstorm|\bkp\b|\bflare|radiation storm|\bswpc"
        r"|우주\s*기상|태양|지자기|폭풍|플레어|방사선", re.I)),
    ("schedule_contacts", re.compile(
        r"\bschedul|\bdownlinks?\b|\bbook\b|contact plan|스케줄|다운링크|일정|배정", re.I)),
    ("find_passes", re.compile(
        r"\bpass(?:es)?\b|\bvisib|\baos\b|\blos\b|over(?:head|flies| fly)|\bwhen can\b.*\bsee"
        r"|패스|가시|통과|지나가", re.I)),
    ("propagate", re.compile(
        r"\bwhere\b|\bposition|\bpropagat|\bephemer|\bground ?track|\blocation|\bcoordinates"
        r"|위치|어디|전파|궤적|좌표", re.I)),
    ("fleet_status", re.compile(
        r"\bstatus\b|\bhealth|\bhow is the fleet|\bfleet (?:overview|report|summary)"
        r"|\belement ages?|\bstale|상태|현황|요약|신선", re.I)),
]

PLAYBOOK_ORDER = (
    "fleet_status", "space_weather", "screen_conjunctions", "assess_conjunction",
    "plan_avoidance", "propagate", "find_passes", "schedule_contacts", "propose_commands",
)  # fmt: skip
"""The rules planner's playbook: the order in which tools are called."""

_COMMANDS: list[tuple[re.Pattern[str], str, dict[str, Any]]] = [
    (re.compile(r"safe[- ]?mode|세이프\s*모드|안전\s*모드", re.I), "SAFE_MODE_ENTER", {}),
    (re.compile(r"payload (?:power )?off|turn off (?:the )?payload"
                r"|탑재체\s*(?:전원\s*)?(?:끄|꺼|오프)", re.I),
     "PAYLOAD_POWER", {"state": "OFF"}),
    (re.compile(r"payload (?:power )?on|turn on (?:the )?payload"
                r"|탑재체\s*(?:전원\s*)?(?:켜|온)", re.I),
     "PAYLOAD_POWER", {"state": "ON"}),
]
_COMMAND_VERB = re.compile(
    r"\b(?:put|send|command|switch|turn|enter)\b|명령|전환|보내|켜|끄|꺼", re.I
)
_ALL = re.compile(r"\ball\b|\bevery\b|\bwhole fleet\b|\bentire fleet\b|전체|모든|전부", re.I)


def _find_names(text: str, names: dict[str, str]) -> list[str]:
    """Names mentioned in ``text`` (longest first, one per canonical id, in text order)."""
    found: list[tuple[int, str]] = []
    taken: set[str] = set()
    spans: list[tuple[int, int]] = []
    for name in sorted(names, key=len, reverse=True):
        if _HANGUL.search(name):
            pattern = re.escape(name)
        else:
            pattern = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
        for m in re.finditer(pattern, text, re.I):
            if names[name] in taken or any(a < m.end() and m.start() < b for a, b in spans):
                continue
            taken.add(names[name])
            spans.append((m.start(), m.end()))
            found.append((m.start(), name))
            break
    return [name for _, name in sorted(found)]


def parse_request(text: str, vocabulary: Vocabulary) -> list[IntendedCall]:
    """The tool calls a request asks for, in the order the playbook would make them.

    An empty list means no tool is needed (a greeting, a general question).
    """
    intents = [name for name, pattern in _INTENTS if pattern.search(text)]
    commands = [(c, p) for pattern, c, p in _COMMANDS if pattern.search(text)]
    if commands and _COMMAND_VERB.search(text):
        intents = [i for i in intents if i not in ("space_weather", "fleet_status")]
        intents.append("propose_commands")
    # an avoidance or a Pc question implies the screening that finds the event
    if "plan_avoidance" in intents:
        intents = [i for i in intents if i not in ("screen_conjunctions", "assess_conjunction")]
    if "assess_conjunction" in intents:
        intents = [i for i in intents if i != "screen_conjunctions"]
    intents.sort(key=PLAYBOOK_ORDER.index)
    if "schedule_contacts" in intents:
        intents = [i for i in intents if i != "find_passes"]
    sats = _find_names(text, vocabulary.satellites)
    stations = _find_names(text, vocabulary.stations)
    sat_arg: list[str] | str = sats if sats and not (_ALL.search(text) and not sats) else "all"
    station_arg: list[str] | str = stations or "all"
    duration = _duration_h(text)
    duration_h = min(duration if duration is not None else vocabulary.default_duration_h, 168.0)
    event = _EVENT.search(text)
    calls: list[IntendedCall] = []
    for intent in intents:
        args: dict[str, Any] = {}
        if intent == "propagate":
            args = {"satellites": sat_arg, "duration_h": duration if duration else 1.0,
                    "step_s": _step_s(text) or 60.0}
            if m := _ISO.search(text):
                args = {"satellites": sat_arg, "start": m.group(1).replace(" ", "T"),
                        "duration_h": args["duration_h"], "step_s": args["step_s"]}
        elif intent == "find_passes":
            args = {"satellites": sat_arg, "stations": station_arg, "duration_h": duration_h}
            if m := _ELEV.search(text):
                args["min_elevation_deg"] = _number(m.group(1))
        elif intent == "screen_conjunctions":
            km = _distance_km(text)
            args = {"satellites": sat_arg, "duration_h": duration_h,
                    "threshold_km": km if km else vocabulary.default_threshold_km}
        elif intent == "assess_conjunction":
            if event is None:
                calls.append(IntendedCall("screen_conjunctions", {
                    "satellites": sat_arg, "duration_h": duration_h,
                    "threshold_km": vocabulary.default_threshold_km}))
                continue  # the event id comes from the screening result
            args = {"event_id": event.group(1).upper()}
            if m := _HBR.search(text):
                args["hard_body_radius_m"] = _number(m.group(1))
        elif intent == "plan_avoidance":
            if event is None:
                calls.append(IntendedCall("screen_conjunctions", {
                    "satellites": sat_arg, "duration_h": duration_h,
                    "threshold_km": vocabulary.default_threshold_km}))
                continue
            args = {"event_id": event.group(1).upper()}
            if (pc := _max_pc(text)) is not None:
                args["max_pc"] = pc
            elif (km := _distance_km(text)) is not None:
                args["target_miss_km"] = km
        elif intent == "schedule_contacts":
            objective = "max_priority" if re.search(r"priorit|우선", text, re.I) else "max_volume"
            args = {"satellites": sat_arg, "stations": station_arg, "duration_h": duration_h,
                    "objective": objective}
        elif intent == "propose_commands":
            args = {"commands": [
                {"satellite": s, "command": c, **({"parameters": p} if p else {})}
                for s in sats for c, p in commands
            ]}
            if not args["commands"]:
                continue
        calls.append(IntendedCall(intent, args))
    return calls
