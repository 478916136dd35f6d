"""Operator requests in English or Korean → the tool calls the rules planner makes.

This is the rules planner's reading of free text: keyword intents plus slots (satellites,
stations, durations, distances, probabilities, event ids, times, commands) written several
ways — ``24 h``, ``a day``, ``이틀``, ``5 km``, ``5,000 m``, ``5킬로``, ``1e-4``,
``1 in 10,000``, ``10만분의 1``, ``tomorrow at 03:00 UTC``, ``2시간 후``. It is deterministic,
so it can also teach the Cosmo model (``cosmo-agent model corpus``).

How a request is read, in order: names of satellites and stations, conjunction event ids,
times, and commands (dictionary mnemonics such as ``SAFE_MODE_ENTER``, or phrasings such as
"safe mode" / "payload off" / "start a 5-minute downlink" with a command verb) are found and
blanked out; the rest of the text decides the intents (``_INTENTS``); then steps, elevations,
radii, probabilities, distances and durations are read, each blanked once read, so that
"every 5 minutes" is never also a 5-minute duration. A question asking what something *is*
(``What does the Kp index measure?``) names no tool; neither do out-of-scope asks.

>>> names = Vocabulary(satellites={"K3": "38338", "아리랑3호": "38338", "KOMPSAT 3": "38338"},
...                    stations={"대전": "DAEJEON", "Daejeon": "DAEJEON"})
>>> def show(text):
...     return [(c.name, c.arguments) for c in parse_request(text, names)]
>>> show("Any conjunctions for K3 in the next 2 days?")
[('screen_conjunctions', {'satellites': ['K3'], 'duration_h': 48.0, 'threshold_km': 5.0})]
>>> show("아리랑3호가 대전 상공 지나가는 시간, 12시간")
[('find_passes', {'satellites': ['아리랑3호'], 'stations': ['대전'], 'duration_h': 12.0})]
>>> [call] = parse_request("Put K3 in safe mode at 2026-06-11 03:00 UTC", names)
>>> call.name
'propose_commands'
>>> call.arguments["commands"]
[{'satellite': 'K3', 'command': 'SAFE_MODE_ENTER', 'time': '2026-06-11T03:00:00Z'}]
>>> show("hello, who are you?"), show("What does the Kp index measure?")
([], [])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "BUNDLED_COMMANDS",
    "PLAYBOOK_ORDER",
    "IntendedCall",
    "Vocabulary",
    "detect_language",
    "parse_request",
]

_HANGUL = re.compile(r"[\uac00-\ud7a3]")

BUNDLED_COMMANDS = frozenset({
    "ADCS_SET_ATTITUDE_MODE", "CAPTURE_IMAGE", "DRAG_CONFIG", "HEATER_SET", "NOOP", "OBC_RESET",
    "ORBIT_MANEUVER", "PAYLOAD_POWER", "SAFE_MODE_ENTER", "SAFE_MODE_EXIT", "SAR_ACQUIRE",
    "SET_MODE", "START_DOWNLINK", "STOP_DOWNLINK", "TIME_SYNC",
})  # fmt: skip
"""Every command name of the bundled dictionaries (tools/data/commands/*.yaml)."""


def detect_language(text: str) -> str:
    """``"ko"`` when the text contains Hangul syllables, else ``"en"``.

    >>> detect_language("K3 위치"), detect_language("where is K3")
    ('ko', 'en')
    """
    return "ko" if _HANGUL.search(text) else "en"


@dataclass(frozen=True)
class Vocabulary:
    """What a request may name: spoken name → canonical id, command names, the mission clock.

    ``now`` (timezone-aware UTC) resolves relative times such as "in 2 hours" or "내일 03:00";
    without it those times are recognised but left out of the calls.
    """

    satellites: dict[str, str] = field(default_factory=dict)
    stations: dict[str, str] = field(default_factory=dict)
    default_threshold_km: float = 5.0
    default_duration_h: float = 24.0
    now: datetime | None = None
    commands: frozenset[str] = BUNDLED_COMMANDS


@dataclass(frozen=True)
class IntendedCall:
    """One tool call the request asks for (arguments as the tool contract spells them)."""

    name: str
    arguments: dict[str, Any]


# -- the request text, blanked as it is read ---------------------------------------------------


class _Text:
    """The request; what a reader has taken is blanked (same length, so positions hold)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def blank(self, start: int, end: int) -> None:
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        if m := pattern.search(self.text):
            self.blank(m.start(), m.end())
        return m

    def take_first(self, patterns: list[re.Pattern[str]]) -> re.Match[str] | None:
        """The earliest match of any of ``patterns`` (taken), or None."""
        found = [m for p in patterns if (m := p.search(self.text))]
        if not found:
            return None
        m = min(found, key=lambda m: (m.start(), -m.end()))
        self.blank(m.start(), m.end())
        return m


# -- numbers ------------------------------------------------------------------------------------

_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "half": 0.5,
    "next": 1,
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
_NOT_LATIN = r"(?![A-Za-z])"  # an ASCII unit may be followed by a Korean particle


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


def _quantity(m: re.Match[str], units: Mapping[str, float]) -> float | None:
    """``m``'s number (first non-empty unnamed group, else 1) times its ``unit`` group's scale."""
    named = set(m.re.groupindex.values())
    number = next((g for i, g in enumerate(m.groups(), 1) if g and i not in named), None)
    value = _number(number) if number else 1.0
    unit = (m.groupdict().get("unit") or "").lower()
    scale = next((s for prefix, s in units.items() if unit.startswith(prefix)), None)
    if value is None or scale is None:
        return None
    return value * scale


# -- times (absolute and relative to the mission clock) -----------------------------------------

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")  # fmt: skip
_MONTH_RE = "|".join([*_MONTHS, *(m[:3] for m in _MONTHS)])
_UTC = r"(?:\s*(?:Z|UTC|GMT|\(UTC\)|\+00:?00))?"
_CLOCK = r"(\d{1,2}):(\d{2})(?::(\d{2}))?"


def _at(y: int, mo: int, d: int, h: int, mi: int, s: int = 0) -> datetime | None:
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=UTC)
    except ValueError:
        return None


def _iso(m: re.Match[str], now: datetime | None) -> datetime | None:
    when = _at(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0))
    if when is not None and m["offset"] and m["offset"][0] in "+-":
        sign = 1 if m["offset"][0] == "+" else -1
        hours, minutes = int(m["offset"][1:3]), int(m["offset"][-2:])
        when -= sign * timedelta(hours=hours, minutes=minutes)
    return when


def _ko_date(m: re.Match[str], now: datetime | None) -> datetime | None:
    return _at(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5] or 0))


def _month_day(m: re.Match[str], now: datetime | None) -> datetime | None:
    month = next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(m[1].lower()[:3]))
    clock = (int(m[4]), int(m[5]), int(m[6] or 0))
    if m[3]:
        return _at(int(m[3]), month, int(m[2]), *clock)
    if now is None:
        return None
    # no year written: the one that puts the date closest to the mission clock
    years = (now.year - 1, now.year, now.year + 1)
    dates = [d for y in years if (d := _at(y, month, int(m[2]), *clock)) is not None]
    return min(dates, key=lambda d: abs(d - now), default=None)


def _tomorrow(m: re.Match[str], now: datetime | None) -> datetime | None:
    if now is None:
        return None
    day = now + timedelta(days=1)
    return _at(day.year, day.month, day.day, int(m[1]), int(m[2]), int(m[3] or 0))


def _next_clock(m: re.Match[str], now: datetime | None) -> datetime | None:
    """A clock time without a date: its next occurrence after the mission clock."""
    if now is None:
        return None
    h, mi, sec = (int(g) for g in (m[1] or m[4], m[2] or m[5], m[3] or m[6] or 0))
    when = _at(now.year, now.month, now.day, h, mi, sec)
    return when + timedelta(days=1) if when is not None and when < now else when


def _later(unit_s: float) -> Callable[[re.Match[str], datetime | None], datetime | None]:
    def resolve(m: re.Match[str], now: datetime | None) -> datetime | None:
        value = _number(next(g for g in m.groups() if g))
        return None if now is None or value is None else now + timedelta(seconds=value * unit_s)

    return resolve


def _unresolved(m: re.Match[str], now: datetime | None) -> datetime | None:
    return None  # a date without a clock time: recognised so it is no duration, not used


_TIMES: list[tuple[re.Pattern[str], Callable[[re.Match[str], datetime | None], datetime | None]]]
_TIMES = [
    (re.compile(rf"(\d{{4}})-(\d{{2}})-(\d{{2}})[T ]{_CLOCK}(?:\.\d+)?"
                r"(?P<offset>\s*(?:Z|UTC|GMT|\(UTC\))|[+-]\d{2}:?\d{2})?", re.I), _iso),
    (re.compile(r"(\d{4})년\s*(\d{1,2})월\s*(\d{1,2})일\s*(\d{1,2})시(?:\s*(\d{1,2})분)?"
                rf"{_UTC}", re.I), _ko_date),
    (re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s*(\d{{4}}))?,?\s*"
                rf"(?:at\s+)?{_CLOCK}{_UTC}", re.I), _month_day),
    (re.compile(rf"(?:\btomorrow\b|내일)\s*(?:at\s+|오전\s*|)?{_CLOCK}{_UTC}", re.I), _tomorrow),
    (re.compile(rf"\bat\s+{_CLOCK}\s*(?:Z|UTC|GMT)\b|(?:오늘\s*)?{_CLOCK}\s*(?:\(UTC\)|UTC)",
                re.I), _next_clock),
    (re.compile(rf"\bin\s+({_NUM[1:-1]}|{_WORDNUM})\s*(?:hours?|hrs?|h)\b"
                rf"|\b{_NUM}\s*(?:hours?|hrs?|h)\s+from\s+now\b"
                r"|(?:지금부터\s*)?(\d+(?:\.\d+)?)\s*시간\s*(?:후|뒤)", re.I), _later(3600.0)),
    (re.compile(r"\bin\s+(\d+)\s*(?:minutes?|mins?)\b|\b(\d+)\s*(?:minutes?|mins?)\s+from\s+now\b"
                r"|(?:지금부터\s*)?(\d+)\s*분\s*(?:후|뒤)", re.I), _later(60.0)),
    (re.compile(r"(?:(\d{4})년\s*)?(\d{1,2})월\s*(\d{1,2})일|\d{4}-\d{2}-\d{2}"), _unresolved),
]  # fmt: skip


def _read_time(text: _Text, now: datetime | None) -> str | None:
    """The first time the request gives (ISO 8601 UTC); every time phrase is taken."""
    found: list[tuple[int, datetime | None]] = []
    for pattern, resolve in _TIMES:
        while m := text.take(pattern):
            found.append((m.start(), resolve(m, now.astimezone(UTC) if now else None)))
    times = [t for _, t in sorted(found, key=lambda f: f[0]) if t is not None]
    if not times:
        return None
    return times[0].replace(microsecond=0).isoformat().replace("+00:00", "Z")


# -- commands -----------------------------------------------------------------------------------

_MNEMONIC = re.compile(r"(?<![A-Za-z0-9_])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![A-Za-z0-9_])|\bNOOP\b")
_COMMAND_VERB = re.compile(
    r"\b(?:put|send|command|switch|turn|enter|exit|leave|start|stop|begin|halt|reboot|reset"
    r"|restart|sync|synchroni[sz]e|queue|prepare|propose|draft|set|power|activate|deactivate"
    r"|uplink|issue|execute|go)\b"
    r"|명령|커맨드|전환|보내|켜|끄|꺼|넣어|진입|해제|시작|중지|중단|멈춰|재부팅|리셋|동기화|실행"
    r"|준비|제안|바꿔|변경|설정|시켜",
    re.I,
)
_REPORT_QUESTION = re.compile(  # asks whether something happened; orders nothing
    r"^\s*(?:did|has|have|had|was|were|is|are|does|do)\b"
    r"|(?:됐|했|었|였|되었)(?:어|나|니|는지|습니까|어요|나요)\s*\??\s*$",
    re.I,
)
_HEATERS = r"(battery|propulsion|payload|radar|배터리|추진계?|탑재체|레이더)"
_HEATER_NAMES = {"배터리": "BATTERY", "추진": "PROPULSION", "추진계": "PROPULSION",
                 "탑재체": "PAYLOAD", "레이더": "RADAR"}  # fmt: skip
_ON = r"(?:on|켜|켬|온)"
_OFF = r"(?:off|꺼|끄|끔|오프)"
_PAYLOAD = r"(?:payload|instruments?|imager|camera|radar|탑재체|페이로드|레이더)"
_DOWNLINK = r"(?:downlink|playback|transmitter|transmission|다운링크|송신)"

# phrasing → (command, fixed parameters, whether it needs a command verb elsewhere in the
# request: "safe mode" alone is no order, "take K3 out of safe mode" is); tried in order, and
# each match is taken from the text
_COMMAND_PHRASES: list[tuple[re.Pattern[str], str, dict[str, Any], bool]] = [
    (re.compile(r"(?:reboot|reset|restart)\s+(?:the\s+)?(?:obc|on-?board\s+computer|flight\s+"
                r"computer)|\bobc\s+(?:reset|reboot)|(?:obc|탑재\s*컴퓨터|온보드\s*컴퓨터)\s*"
                r"(?:를\s*)?(?:리셋|재부팅|재시작)", re.I), "OBC_RESET", {}, True),
    (re.compile(r"\btime[- ]?sync|\bsync(?:hroni[sz]e)?\s+(?:the\s+)?(?:on-?board\s+)?clock"
                r"|\bclock\s+sync|(?:시각|시간|시계)\s*동기화", re.I), "TIME_SYNC", {}, True),
    (re.compile(rf"{_HEATERS}\s+heaters?\s+{_ON}\b|(?:turn|switch|power)\s+{_ON}\s+(?:the\s+)?"
                rf"{_HEATERS}\s+heaters?|{_HEATERS}\s*히터\s*(?:를\s*)?{_ON}", re.I),
     "HEATER_SET", {"state": "ON"}, True),
    (re.compile(rf"{_HEATERS}\s+heaters?\s+{_OFF}\b|(?:turn|switch|power)\s+{_OFF}\s+(?:the\s+)?"
                rf"{_HEATERS}\s+heaters?|{_HEATERS}\s*히터\s*(?:를\s*)?{_OFF}", re.I),
     "HEATER_SET", {"state": "OFF"}, True),
    (re.compile(r"(?:\bexit|\bleave|\bcome\s+out\s+of|\brecover\s+from|\b(?:take|bring|get)\s+"
                r"(?:\S+\s+){0,4}?out\s+of)\s+(?:the\s+)?safe[- ]?mode|(?:세이프|안전)\s*모드\s*"
                r"(?:를\s*|에서\s*)?(?:해제|종료|탈출|빠져|나와|복귀)", re.I),
     "SAFE_MODE_EXIT", {}, False),
    (re.compile(r"safe[- ]?mode|(?:세이프|안전)\s*모드", re.I), "SAFE_MODE_ENTER", {}, True),
    (re.compile(rf"{_PAYLOAD}\s+(?:power\s+)?off\b|(?:turn|switch|power)\s+off\s+(?:the\s+)?"
                rf"{_PAYLOAD}|(?:turn|switch|power)\s+(?:the\s+)?{_PAYLOAD}\s+off\b|{_PAYLOAD}\s*"
                r"(?:전원\s*)?(?:을\s*|를\s*)?(?:끄|꺼|끔|오프|off)", re.I),
     "PAYLOAD_POWER", {"state": "OFF"}, True),
    (re.compile(rf"{_PAYLOAD}\s+(?:power\s+)?on\b|(?:turn|switch|power)\s+on\s+(?:the\s+)?"
                rf"{_PAYLOAD}|(?:turn|switch|power)\s+(?:the\s+)?{_PAYLOAD}\s+on\b|{_PAYLOAD}\s*"
                r"(?:전원\s*)?(?:을\s*|를\s*)?(?:켜|켬|온|on)", re.I),
     "PAYLOAD_POWER", {"state": "ON"}, True),
    (re.compile(rf"\b(?:stop|end|halt|terminate|abort)\s+(?:the\s+)?(?:current\s+)?{_DOWNLINK}"
                rf"|{_DOWNLINK}\s+(?:stop|off)\b|{_DOWNLINK}\s*(?:를\s*|을\s*)?"
                r"(?:중지|중단|종료|멈춰|멈추|정지)", re.I), "STOP_DOWNLINK", {}, True),
    (re.compile(rf"\b(?:start|begin|initiate|kick\s+off)\s+(?:an?\s+|the\s+)?"
                rf"(?:(?:\d[\w.,-]*|[SXL][- ]?band|\w+-(?:second|minute|sec|min))\s+){{0,3}}"
                rf"{_DOWNLINK}|{_DOWNLINK}\s*(?:를\s*|을\s*)?(?:[\d.]+\s*(?:초|분)\s*(?:동안|간)?\s*)?"
                r"(?:시작|개시)",
                re.I), "START_DOWNLINK", {}, True),
    (re.compile(r"\b(?P<mode>imaging|nominal|standby|downlink)\s+mode\b"
                r"|(?P<ko>촬영|정상|노미널|대기|다운링크)\s*모드", re.I), "SET_MODE", {}, True),
    (re.compile(r"\b(?P<mode>sun|nadir|inertial|target)[- ]pointing\b|\bdetumbl\w*"
                r"|(?P<ko>태양|천저|관성)\s*지향|디텀블", re.I),
     "ADCS_SET_ATTITUDE_MODE", {}, True),
    (re.compile(r"\b(?P<profile>min(?:imum)?|max(?:imum)?|nominal)[- ]drag\b"
                r"|(?P<ko>최소|최대)\s*항력", re.I), "DRAG_CONFIG", {}, True),
    (re.compile(r"\bno[- ]?op\b|\blink\s+check\b|링크\s*점검", re.I), "NOOP", {}, True),
]  # fmt: skip

# words that choose an enum state, per command and parameter (states of the bundled dictionaries)
_STATE_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "SET_MODE": {"mode": {
        "imaging": "IMAGING", "촬영": "IMAGING", "nominal": "NOMINAL", "standby": "NOMINAL",
        "정상": "NOMINAL", "노미널": "NOMINAL", "대기": "NOMINAL", "downlink": "DOWNLINK",
        "다운링크": "DOWNLINK", "SAFE": "SAFE"}},
    "ADCS_SET_ATTITUDE_MODE": {"mode": {
        "sun": "SUN_POINTING", "태양": "SUN_POINTING", "nadir": "NADIR", "천저": "NADIR",
        "inertial": "INERTIAL", "관성": "INERTIAL", "target": "TARGET", "detumbl": "DETUMBLE",
        "디텀블": "DETUMBLE"}},
    "DRAG_CONFIG": {"profile": {
        "min": "MIN_DRAG", "최소": "MIN_DRAG", "max": "MAX_DRAG", "최대": "MAX_DRAG",
        "nominal": "NOMINAL"}},
    "HEATER_SET": {"heater": {
        "battery": "BATTERY", "propulsion": "PROPULSION", "payload": "PAYLOAD",
        "radar": "RADAR", **_HEATER_NAMES}},
}  # fmt: skip
# states written after a mnemonic ("PAYLOAD_POWER OFF", "SET_MODE mode=IMAGING")
_MNEMONIC_STATES: dict[str, dict[str, tuple[str, ...]]] = {
    "PAYLOAD_POWER": {"state": ("ON", "OFF")},
    "SET_MODE": {"mode": ("SAFE", "NOMINAL", "IMAGING", "DOWNLINK")},
    "SAFE_MODE_EXIT": {"target_mode": ("NOMINAL", "IMAGING")},
    "TIME_SYNC": {"source": ("GPS", "GROUND")},
    "OBC_RESET": {"unit": ("PRIMARY", "REDUNDANT")},
    "DRAG_CONFIG": {"profile": ("NOMINAL", "MIN_DRAG", "MAX_DRAG")},
    "ADCS_SET_ATTITUDE_MODE": {"mode": ("SUN_POINTING", "NADIR", "TARGET", "INERTIAL",
                                        "RIGHT_LOOKING", "LEFT_LOOKING", "DETUMBLE")},
    "HEATER_SET": {"heater": ("BATTERY", "PROPULSION", "PAYLOAD", "RADAR"),
                   "state": ("ON", "OFF")},
}  # fmt: skip
_DOWNLINK_S = re.compile(
    rf"(?:for\s+)?{_NUM}\s*[- ]?(?P<unit>seconds?|secs?|s|minutes?|mins?|초|분){_NOT_LATIN}", re.I
)
_BAND = re.compile(r"\b([SXL])[- ]?band\b|\b([SXL])\s*밴드")
_RATE = re.compile(rf"{_NUM}\s*(?:mbps|mbit/s|Mb/s)", re.I)


def _downlink_parameters(segment: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if (m := _DOWNLINK_S.search(segment)) and (s := _quantity(m, _STEP_UNITS)) is not None:
        params["duration_s"] = round(s)
    if m := _BAND.search(segment):
        params["band"] = (m[1] or m[2]).upper()
    if (m := _RATE.search(segment)) and (rate := _number(m[1])) is not None:
        params["rate_mbps"] = rate
    return params


def _phrase_parameters(command: str, m: re.Match[str]) -> dict[str, Any]:
    """Enum states named inside the phrase itself ("imaging mode", "battery heater")."""
    params: dict[str, Any] = {}
    words = [g.lower() for g in m.groups() if g] + [m.group(0).lower()]
    for param, states in _STATE_WORDS.get(command, {}).items():
        for word in words:
            state = next((s for w, s in states.items() if word.startswith(w.lower())), None)
            if state is not None:
                params[param] = state
                break
    return params


def _mnemonic_parameters(command: str, segment: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for param, states in _MNEMONIC_STATES.get(command, {}).items():
        alternatives = "|".join(sorted(states, key=len, reverse=True))
        pattern = rf"(?:\b{param}\s*[=:]\s*)?(?<![A-Za-z0-9_])({alternatives})(?![A-Za-z0-9_])"
        if m := re.search(pattern, segment):
            params[param] = m[1]
    return params


def _read_commands(text: _Text, known: frozenset[str]) -> list[tuple[str, dict[str, Any]]]:
    """Commands the request orders: exact mnemonics, or phrasings (most next to a verb).

    A question about what happened (``Did K3 exit safe mode?``) orders nothing.
    """
    if _REPORT_QUESTION.search(text.text):
        return []
    found: list[tuple[int, str, dict[str, Any]]] = []
    mnemonics = [m for m in _MNEMONIC.finditer(text.text) if m.group(0) in known]
    for i, m in enumerate(mnemonics):
        end = mnemonics[i + 1].start() if i + 1 < len(mnemonics) else len(text.text)
        segment = text.text[m.end() : end]
        params = _mnemonic_parameters(m.group(0), segment)
        if m.group(0) == "START_DOWNLINK":
            params = {**_downlink_parameters(segment), **params}
        found.append((m.start(), m.group(0), params))
        text.blank(m.start(), m.end())
    has_verb = _COMMAND_VERB.search(text.text) is not None
    for pattern, command, fixed, needs_verb in _COMMAND_PHRASES:
        if command not in known or (needs_verb and not has_verb):
            continue
        while phrase := text.take(pattern):
            params = {**_phrase_parameters(command, phrase), **fixed}
            if command == "START_DOWNLINK":  # its numbers may sit inside the phrase
                a, b = phrase.span()
                rest = text.text[:a] + phrase.group(0) + text.text[b:]
                params = {**_downlink_parameters(rest), **params}
            found.append((phrase.start(), command, params))
    unique: dict[str, tuple[str, dict[str, Any]]] = {}
    for _, command, params in sorted(found, key=lambda f: f[0]):
        unique.setdefault(f"{command}{sorted(params.items())}", (command, params))
    return list(unique.values())


# -- names --------------------------------------------------------------------------------------


def _find_names(text: _Text, names: dict[str, str]) -> list[str]:
    """Names mentioned in the text (longest first, one per canonical id, in text order).

    ASCII names end at an ASCII letter, digit, ``_`` or ``-`` but not at Hangul, so Korean
    particles may follow them (``KOMPSAT 3이``, ``Jeju에서``). Found names are taken.
    """
    found: list[tuple[int, str]] = []
    taken: set[str] = set()
    for name in sorted(names, key=len, reverse=True):
        if names[name] in taken:
            continue
        if _HANGUL.search(name):
            pattern = re.escape(name)
        else:
            pattern = rf"(?<![A-Za-z0-9_-]){re.escape(name)}(?![A-Za-z0-9_-])"
        if m := re.search(pattern, text.text, re.I):
            taken.add(names[name])
            written = m.group(0)
            found.append((m.start(), written if written in names else name))
            text.blank(m.start(), m.end())
    return [name for _, name in sorted(found)]


# -- quantities ---------------------------------------------------------------------------------

_STEP_UNITS = {"초": 1.0, "분": 60.0, "시간": 3600.0, "sec": 1.0, "s": 1.0, "min": 60.0,
               "hour": 3600.0, "hr": 3600.0, "h": 3600.0}  # fmt: skip
_STEP_UNIT = rf"(?P<unit>seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h){_NOT_LATIN}"
_STEPS = [
    re.compile(rf"\bevery\s+(?:{_NUM}|({_WORDNUM})\s+)?\s*{_STEP_UNIT}", re.I),
    re.compile(rf"{_NUM}\s*[- ]?{_STEP_UNIT}\s*(?:intervals?|steps?|spacing|cadence|resolution)",
               re.I),
    re.compile(rf"\b(?:steps?|intervals?|cadence|spacing)\s*(?:size\s*)?(?:of|=|:)?\s*{_NUM}\s*"
               rf"{_STEP_UNIT}", re.I),
    re.compile(r"\bonce\s+(?:a|an|per|every)\s+(?P<unit>second|minute|hour)\b"
               r"|\b(?P<unit2>hourly)\b", re.I),
    re.compile(rf"(?:{_NUM}|(?<![가-힣])({_KONUM}))\s*(?P<unit>초|분|시간)\s*"
               r"(?:간격|단위|마다|주기|스텝)"),
    re.compile(rf"(?:간격|스텝|주기)\s*(?:은|는|을|를)?\s*{_NUM}\s*(?P<unit>초|분|시간)"),
]  # fmt: skip


def _read_step_s(text: _Text) -> float | None:
    m = text.take_first(_STEPS)
    if m is None:
        return None
    if m.groupdict().get("unit2"):
        return 3600.0
    return _quantity(m, _STEP_UNITS)


_ELEVATION = re.compile(rf"{_NUM}\s*(?:°|deg{_NOT_LATIN}|degrees?\b|도)", re.I)
_LENGTH_UNIT = (r"(?P<unit>km|kilomet(?:er|re)s?|킬로(?:미터)?|m|met(?:er|re)s?|미터)"
                rf"{_NOT_LATIN}")  # fmt: skip
_LENGTH_UNITS = {"km": 1.0, "kilo": 1.0, "킬로": 1.0, "m": 1e-3, "미터": 1e-3}
_HBR = [
    re.compile(rf"(?:\bhbr\b|hard[- ]body(?:\s+radius)?|(?:combined\s+|결합\s*|충돌\s*)?"
               rf"(?:radius|반경|반지름))\s*(?:=|:|of|is|to|를|을)?\s*(?:about\s+)?{_NUM}\s*"
               rf"{_LENGTH_UNIT}", re.I),
    re.compile(rf"{_NUM}\s*[- ]?{_LENGTH_UNIT}[- ]?\s*(?:combined\s+|hard[- ]body\s+)?"
               rf"(?:hard[- ]body|radius|\bhbr\b)", re.I),
]  # fmt: skip
_DISTANCES = [
    re.compile(rf"{_NUM}\s*[- ]?{_LENGTH_UNIT}", re.I),
    re.compile(rf"\b({_WORDNUM})\s+(?P<unit>km|kilomet(?:er|re)s?)\b", re.I),
]


def _read_hbr_m(text: _Text) -> float | None:
    m = text.take_first(_HBR)
    km = None if m is None else _quantity(m, _LENGTH_UNITS)
    return None if km is None else round(km * 1000.0, 9)


def _read_distance_km(text: _Text) -> float | None:
    m = text.take_first(_DISTANCES)
    return None if m is None else _quantity(m, _LENGTH_UNITS)


_KO_POWERS = {"십": 1e1, "백": 1e2, "천": 1e3, "만": 1e4, "억": 1e8}
_PC_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], float | None]]] = [
    (re.compile(r"\b(?:1|one)\s+(?:in|out\s+of)\s+(?:a\s+)?(million|billion|[\d,]{2,})\b"
                r"|\b1\s*/\s*([\d,]{3,})\b", re.I),
     lambda m: 1.0 / ({"million": 1e6, "billion": 1e9}.get((m[1] or "").lower())
                      or float((m[1] or m[2]).replace(",", "")))),
    (re.compile(r"(\d+)?\s*([십백천]?[만억])\s*분의\s*(?:1|일)(?!\d)"),
     lambda m: 1.0 / (float(m[1] or 1) * _KO_POWERS[m[2][-1]]
                      * (_KO_POWERS[m[2][0]] if len(m[2]) > 1 else 1.0))),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:x|×|\*)\s*10\s*\^?\s*(-\d+)", re.I),
     lambda m: float(m[1]) * 10.0 ** int(m[2])),
    (re.compile(r"(?<![\d.])10\s*\^\s*(-\d+)"), lambda m: 10.0 ** int(m[1])),
    (re.compile(r"(\d+(?:\.\d+)?\s*[eE]\s*-\s*\d+)"), lambda m: float(m[1].replace(" ", ""))),
    (re.compile(r"(?:(?<![A-Za-z])pc(?![A-Za-z])|probability|확률)\D{0,24}?(0\.\d+)", re.I),
     lambda m: float(m[1])),
]  # fmt: skip


def _read_max_pc(text: _Text) -> float | None:
    for pattern, value in _PC_PATTERNS:
        if (m := text.take(pattern)) and 0.0 < (pc := value(m) or 0.0) < 1.0:
            return pc
    return None


_DURATION_UNITS = {"시간": 1.0, "h": 1.0, "hr": 1.0, "hour": 1.0, "day": 24.0, "d": 24.0,
                   "일": 24.0, "min": 1 / 60, "분": 1 / 60, "week": 168.0, "wk": 168.0,
                   "주": 168.0}  # fmt: skip
_DURATION_UNIT = (r"(?P<unit>hours?|hrs?|h|days?|d|minutes?|mins?|weeks?|wks?)"
                  rf"{_NOT_LATIN}")  # fmt: skip
_DURATIONS = [
    re.compile(rf"{_NUM}\s*[- ]?{_DURATION_UNIT}", re.I),
    re.compile(rf"{_NUM}\s*(?P<unit>시간|일(?!주)|분|주(?:일|간)?)"),
    re.compile(rf"\b(half)\s+(?:an?\s+)?{_DURATION_UNIT}", re.I),
    re.compile(rf"\b({_WORDNUM})\s+(?:more\s+)?{_DURATION_UNIT}", re.I),
    re.compile(rf"(?<![가-힣])({_KONUM})\s*(?P<unit>시간|주(?:일|간)?)"),
]
_DURATION_WORDS: list[tuple[re.Pattern[str], float]] = [
    (re.compile(r"\b(?:this|the\s+coming)\s+week\b|일주일|이번\s*주", re.I), 168.0),
    (re.compile(r"반나절"), 12.0),
    (re.compile(r"\btoday\b|\btonight\b|오늘", re.I), 24.0),
    (re.compile(r"\btomorrow\b|내일", re.I), 48.0),
]


def _read_duration_h(text: _Text) -> float | None:
    if m := text.take_first(_DURATIONS):
        value = _quantity(m, _DURATION_UNITS)
        if value is not None and value > 0:
            return value
    for word, days in sorted(_KO_DAYS.items(), key=lambda kv: -len(kv[0])):
        if word in text.text:
            return 24.0 * days
    for pattern, hours in _DURATION_WORDS:
        if text.take(pattern):
            return hours
    return None


# -- intents ------------------------------------------------------------------------------------

_INTENTS: list[tuple[str, re.Pattern[str]]] = [
    ("plan_avoidance", re.compile(
        r"\bavoid|\bavoidance|\bmaneuv|\bmanoeuv|\bdodge|\bburn\b|회피|기동", re.I)),
    ("assess_conjunction", re.compile(
        r"\bassess|\bprobability\b|(?<![A-Za-z])pc(?![A-Za-z])|\brisk(?:y|iness)?\b|\bdanger"
        r"|충돌\s*확률|확률|위험도|평가", re.I)),
    ("screen_conjunctions", re.compile(
        r"conjunction|close approach|\bcollision|\bcollide|\bhit\b|debris|\bscreen|\bclose calls?"
        r"|근접|충돌|접근|잔해|파편|스크리닝|다가오", re.I)),
    ("space_weather", re.compile(
        r"space[- ]?weather|\bsolar\b|geomagnetic|\bstorms?\b|\bkp\b|\bflares?\b|radiation"
        r"|\bswpc\b|우주\s*(?:기상|날씨)|태양(?!\s*동기)|지자기|폭풍|플레어|방사선", re.I)),
    ("schedule_contacts", re.compile(
        r"\bschedul|\bdownlinks?\b|\bbook\s+(?:a\s+|the\s+|some\s+)?(?:contacts?|pass(?:es)?"
        r"|antenna|ground[- ]station|downlinks?)|contact plan|스케줄|다운링크|(?:교신|접속)\s*"
        r"(?:계획|일정)|배정", re.I)),
    ("find_passes", re.compile(
        r"\bpass(?:es)?\b|\bvisib|\baos\b|\blos\b|over(?:head|flies| fly)|contact windows?"
        r"|\bwhen can\b.*\bsee|패스|가시|통과|지나(?:가|는|갈)|상공|언제\s*보(?:여|이)", re.I)),
    ("propagate", re.compile(
        r"\bwhere\b|\bpositions?\b|\bpropagat|\bephemer|\bground ?track|\blocation|\bcoordinates"
        r"|\btrajector|위치|어디|전파|궤적|좌표|궤도\s*(?:예측|력)", re.I)),
    ("fleet_status", re.compile(
        r"\bstatus\b|\bhealth|\bhow\s+(?:are|is)\s+(?:all\s+)?(?:of\s+)?(?:our|the|my)?\s*"
        r"(?:satellites|spacecraft|birds|fleet|constellation)|\bfleet (?:overview|report|summary)"
        r"|\bstate of (?:the |our )?(?:fleet|constellation|satellites|spacecraft)|\bin trouble\b"
        r"|\belement ages?|\bstale|상태(?!\s*벡터)|위성\S*\s*현황|신선", re.I)),
]  # fmt: skip

# asking what something is or why, rather than for current data or an action
_EXPLANATION = re.compile(
    r"^\s*(?:what(?:'s|\s+is|\s+are)\s+(?!the\b|our\b|my\b|your\b|its\b|their\b|this\b|that\b"
    r"|these\b|those\b|happening\b|going\b|up\b|new\b|wrong\b|left\b|next\b)"
    r"|what\s+does\b.*\b(?:mean|measure"
    r"|stand\s+for|tell\s+us|indicate)\b|what(?:'s|\s+is)\s+the\s+difference\b|explain\b"
    r"|define\b|why\b|how\s+does\b.*\bwork\b)"
    r"|뭐야|뭔지|뭐예요|뭔가요|무엇인가|설명해|(?<![가-힣])왜(?![가-힣])|차이가|뭘\s*(?:나타내|의미)"
    r"|무슨\s*뜻",
    re.I,
)
_CURRENT = re.compile(
    r"\b(?:current(?:ly)?|right\s+now|now|today|latest|like)\b|지금|현재|오늘|최신|어때", re.I
)

PLAYBOOK_ORDER = (
    "fleet_status", "space_weather", "screen_conjunctions", "assess_conjunction",
    "plan_avoidance", "propagate", "find_passes", "schedule_contacts", "propose_commands",
)  # fmt: skip
"""The rules planner's playbook: the order in which tools are called."""

_ALL = re.compile(
    r"\ball\b|\bevery\b|\bwhole fleet\b|\bentire fleet\b|\bthe fleet\b|전체|모든|전부", re.I
)
_EVENT = re.compile(r"(?<![A-Za-z0-9])(CONJ-\d{1,6})(?!\d)", re.I)
_PRIORITY = re.compile(r"priorit|우선", re.I)


def _intents(text: str, has_refs: bool, has_event: bool) -> list[str]:
    """The tools a request asks for, in playbook order (names and slots already taken)."""
    if not has_refs and _EXPLANATION.search(text) and not _CURRENT.search(text):
        return []  # a general question: answered without tools
    intents = {name for name, pattern in _INTENTS if pattern.search(text)}
    # an avoidance plan assesses its event itself; an assessment needs no new screening
    if "plan_avoidance" in intents:
        intents -= {"screen_conjunctions", "assess_conjunction"}
    if "assess_conjunction" in intents:
        intents -= {"screen_conjunctions"}
    if "schedule_contacts" in intents:
        intents -= {"find_passes"}
    if not has_event and intents & {"assess_conjunction", "plan_avoidance"}:
        # no event id yet: screen first, the planner picks events from the result
        intents = (intents - {"assess_conjunction", "plan_avoidance"}) | {"screen_conjunctions"}
    return sorted(intents, key=PLAYBOOK_ORDER.index)


@dataclass(frozen=True)
class _Slots:
    """Everything read from one request, with the vocabulary's defaults applied."""

    satellites: list[str] | str
    stations: list[str] | str
    command_targets: list[str]
    events: list[str]
    time: str | None
    commands: list[tuple[str, dict[str, Any]]]
    step_s: float
    elevation_deg: float | None
    hbr_m: float | None
    max_pc: float | None
    distance_km: float | None
    threshold_km: float
    duration_h: float
    objective: str


def _command_items(s: _Slots) -> list[dict[str, Any]]:
    return [
        {"satellite": sat, "command": command, **({"parameters": params} if params else {}),
         **({"time": s.time} if s.time else {})}
        for sat in s.command_targets for command, params in s.commands
    ]  # fmt: skip


def _optional(**values: float | str | None) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


# tool → the argument objects of its calls (none: the tool is not called)
_ARGUMENTS: dict[str, Callable[[_Slots], list[dict[str, Any]]]] = {
    "fleet_status": lambda s: [{}],
    "space_weather": lambda s: [{}],
    "propagate": lambda s: [{"satellites": s.satellites, **_optional(start=s.time),
                             "duration_h": s.duration_h, "step_s": s.step_s}],
    "find_passes": lambda s: [{"satellites": s.satellites, "stations": s.stations,
                               "duration_h": s.duration_h,
                               **_optional(min_elevation_deg=s.elevation_deg)}],
    "screen_conjunctions": lambda s: [{"satellites": s.satellites, "duration_h": s.duration_h,
                                       "threshold_km": s.distance_km or s.threshold_km}],
    "assess_conjunction": lambda s: [{"event_id": e, **_optional(hard_body_radius_m=s.hbr_m)}
                                     for e in s.events],
    "plan_avoidance": lambda s: [
        {"event_id": e, **(_optional(max_pc=s.max_pc) if s.max_pc is not None
                           else _optional(target_miss_km=s.distance_km))}
        for e in s.events],
    "schedule_contacts": lambda s: [{"satellites": s.satellites, "stations": s.stations,
                                     "duration_h": s.duration_h, "objective": s.objective}],
    "propose_commands": lambda s: [{"commands": items}] if (items := _command_items(s)) else [],
}  # fmt: skip


def parse_request(text: str, vocabulary: Vocabulary) -> list[IntendedCall]:
    """The tool calls a request asks for, in the order the playbook would make them.

    An empty list means no tool is needed (a greeting, a general question, an out-of-scope
    ask). Conjunction assessments and avoidance plans that name no event id become the
    screening that finds the events.

    >>> v = Vocabulary(satellites={"K5": "39227"}, now=datetime(2026, 6, 10, tzinfo=UTC))
    >>> parse_request("K5 SAFE_MODE_EXIT 2시간 후", v)[0].arguments["commands"]
    [{'satellite': 'K5', 'command': 'SAFE_MODE_EXIT', 'time': '2026-06-10T02:00:00Z'}]
    >>> parse_request("CONJ-0007 Pc를 10만분의 1 이하로 회피 기동", v)
    [IntendedCall(name='plan_avoidance', arguments={'event_id': 'CONJ-0007', 'max_pc': 1e-05})]
    """
    req = _Text(text)
    sats = _find_names(req, vocabulary.satellites)
    stations = _find_names(req, vocabulary.stations)
    events: list[str] = []
    while event := req.take(_EVENT):
        events.append(event.group(1).upper())
    when = _read_time(req, vocabulary.now)
    commands = _read_commands(req, vocabulary.commands)
    has_refs = bool(sats or stations or events or commands)
    intents = _intents(req.text, has_refs, bool(events))
    if commands:
        intents.append("propose_commands")
    step_s = _read_step_s(req)
    elevation = req.take(_ELEVATION)
    hbr_m = _read_hbr_m(req)
    max_pc = _read_max_pc(req) if "plan_avoidance" in intents else None
    distance_km = _read_distance_km(req)
    duration = _read_duration_h(req)
    elevation_deg = _number(elevation.group(1)) if elevation else None
    everyone = sorted(set(vocabulary.satellites.values())) if _ALL.search(text) else []
    slots = _Slots(
        satellites=sats or "all",
        stations=stations or "all",
        command_targets=sats or everyone,
        events=list(dict.fromkeys(events)),
        time=when,
        commands=commands,
        step_s=step_s or 60.0,
        elevation_deg=elevation_deg if elevation_deg is not None and elevation_deg <= 90 else None,
        hbr_m=hbr_m,
        max_pc=max_pc,
        distance_km=distance_km,
        threshold_km=vocabulary.default_threshold_km,
        duration_h=min(duration or vocabulary.default_duration_h, 168.0),
        objective="max_priority" if _PRIORITY.search(text) else "max_volume",
    )
    return [IntendedCall(intent, args) for intent in intents for args in _ARGUMENTS[intent](slots)]
