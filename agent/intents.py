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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime  # noqa: F401 (UTC: the doctests)
from typing import Any, Final, NotRequired, TypeAlias, TypedDict

from cosmo_agent.orbital.timescales import iso_utc
from cosmo_agent.tools.events import ALIAS_PATTERN, EVENT_ID_PATTERN
from cosmo_agent.tools.mentions import unknown_names
from cosmo_agent.tools.quantities import (
    Quantity,
    QuantityKind,
    find_quantity,
    find_times,
)

__all__ = [
    "BUNDLED_COMMANDS",
    "PLAYBOOK_ORDER",
    "IntendedCall",
    "Vocabulary",
    "detect_language",
    "general_question",
    "out_of_scope",
    "parse_request",
]

_Param: TypeAlias = bool | int | float | str
"""A command parameter value as a request spells it."""

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


# -- values: read by the tools layer's parser (one reading for tools and rules alike) --------


def _take(text: _Text, q: Quantity | None) -> Quantity | None:
    """Blank what was read."""
    if q is not None:
        text.blank(q.start, q.end)
    return q


def _read_time(text: _Text, now: datetime | None) -> str | None:
    """The first time the request gives (ISO 8601 UTC); every time phrase is taken."""
    moments = find_times(text.text, now)
    for m in moments:
        text.blank(m.start, m.end)
    times = [m.when for m in moments if m.when is not None]
    if not times:
        return None
    return iso_utc(times[0].replace(microsecond=0))


# -- commands -----------------------------------------------------------------------------------

_MNEMONIC = re.compile(r"(?<![A-Za-z0-9_])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![A-Za-z0-9_])|\bNOOP\b")
_COMMAND_VERB = re.compile(
    r"\b(?:put|send|command|switch|turn|enter|exit|leave|start|stop|begin|halt|reboot|reset|flip"
    r"|restart|sync|synchroni[sz]e|queue|prepare|propose|draft|set|power|activate|deactivate"
    r"|uplink|issue|execute|go|configure)\b"
    r"|명령|커맨드|전환|보내|켜|끄|꺼|넣어|진입|해제|시작|중지|중단|멈춰|재부팅|리셋|동기화|실행"
    r"|준비|제안|바꿔|변경|설정|시켜|세팅|\b(?:on|off)\s*해",
    re.I,
)
_REPORT_QUESTION = re.compile(  # asks whether something happened; orders nothing
    r"^\s*(?:did|has|have|had|was|were|is(?!\s+it\s+possible)|are(?!\s+you\s+able)|does|do)\b"
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
_COMMAND_PHRASES: list[tuple[re.Pattern[str], str, dict[str, _Param], bool]] = [
    (re.compile(r"(?:reboot|reset|restart)\s+(?:(?:the|its|'s)\s+)?(?:obc|on-?board\s+computer|flight\s+"
                r"computer)|\bobc\s+(?:reset|reboot)|(?:obc|탑재\s*컴퓨터|온보드\s*컴퓨터)\s*"
                r"(?:를\s*)?(?:리셋|재부팅|재시작)", re.I), "OBC_RESET", {}, True),
    (re.compile(r"\btime[- ]?sync|\bsync(?:hroni[sz]e)?\s+(?:the\s+)?(?:on-?board\s+)?clock"
                r"|\bback\s+in\s+sync\b|시간\s*맞춰|시계\s*맞춰"
                r"|\bclock\s+sync|(?:시각|시간|시계)\s*동기화", re.I), "TIME_SYNC", {}, True),
    (re.compile(r"\btime[- ]?sync\s+(?:on|for)\b", re.I), "TIME_SYNC", {}, False),
    (re.compile(rf"{_HEATERS}\s+heaters?\s+(?:switched\s+|turned\s+)?{_ON}\b"
                rf"|(?:turn|switch|power)\s+{_ON}\s+(?:the\s+)?"
                rf"{_HEATERS}\s+heaters?|{_HEATERS}\s*히터\s*(?:를\s*)?{_ON}", re.I),
     "HEATER_SET", {"state": "ON"}, True),
    (re.compile(rf"{_HEATERS}\s+heaters?\s+{_OFF}\b|(?:turn|switch|power)\s+{_OFF}\s+(?:the\s+)?"
                rf"{_HEATERS}\s+heaters?|{_HEATERS}\s*히터\s*(?:를\s*)?{_OFF}", re.I),
     "HEATER_SET", {"state": "OFF"}, True),
    (re.compile(r"(?:\bexit|\bleave|\bcome\s+out\s+of|\brecover\s+from"
                r"|\b(?:take|taking|bring|bringing|get|getting)\s+"
                r"(?:\S+\s+){0,4}?out\s+of)\s+(?:the\s+)?safe[- ]?mode|(?:세이프|안전)\s*모드\s*"
                r"(?:를\s*|에서\s*)?(?:해제|종료|탈출|빠져|나와|복귀)", re.I),
     "SAFE_MODE_EXIT", {}, False),
    (re.compile(r"safe[- ]?mode|(?:세이프|안전)\s*모드", re.I), "SAFE_MODE_ENTER", {}, True),
    (re.compile(rf"{_PAYLOAD}\s+(?:power\s+)?off\b|(?:turn|switch|power)\s+off\s+(?:(?:the|its|'s)\s+)?"
                rf"{_PAYLOAD}|(?:turn|switch|power)\s+(?:the\s+)?{_PAYLOAD}\s+off\b|{_PAYLOAD}\s*"
                r"(?:전원\s*)?(?:을\s*|를\s*)?(?:끄|꺼|끔|오프|off)", re.I),
     "PAYLOAD_POWER", {"state": "OFF"}, True),
    (re.compile(rf"{_PAYLOAD}\s+(?:power\s+)?on\b|(?:turn|switch|power)\s+on\s+(?:the\s+)?"
                rf"{_PAYLOAD}|(?:turn|switch|power)\s+(?:the\s+)?{_PAYLOAD}\s+on\b|{_PAYLOAD}\s*"
                r"(?:전원\s*)?(?:을\s*|를\s*)?(?:켜|켬|온|on)", re.I),
     "PAYLOAD_POWER", {"state": "ON"}, True),
    (re.compile(rf"\b(?:stop|end|halt|terminate|abort)\s+(?:the\s+)?(?:current\s+)?{_DOWNLINK}"
                rf"|{_DOWNLINK}\s+(?:stop|off)\b|{_DOWNLINK}\s*(?:를\s*|을\s*)?"
                r"(?:(?:이제|지금|바로|당장|즉시)\s*){0,2}"
                r"(?:중지|중단|종료|멈춰|멈추|정지)", re.I), "STOP_DOWNLINK", {}, True),
    (re.compile(rf"\b(?:start|begin|initiate|kick\s+off)\s+(?:an?\s+|the\s+)?"
                rf"(?:(?:\d[\w.,-]*|[SXL][- ]?band|\w+-(?:second|minute|sec|min))\s+){{0,3}}"
                rf"{_DOWNLINK}|{_DOWNLINK}\s*(?:를\s*|을\s*)?(?:지금\s*|바로\s*|당장\s*)?"
                rf"(?:[\d.]+\s*(?:초|분)\s*(?:동안|간)?\s*)?"
                r"(?:시작|개시)|\bdump(?:ing)?\s+(?:the\s+)?recorder|레코더\s*데이터\s*내리",
                re.I), "START_DOWNLINK", {}, True),
    (re.compile(r"\b(?P<mode>imaging|nominal|standby|downlink)\s+mode\b"
                r"|(?P<ko>촬영|정상|노미널|대기|다운링크)\s*모드"
                r"|(?P<mode2>imaging|nominal|standby|downlink)\s*모드", re.I),
     "SET_MODE", {}, True),
    (re.compile(r"\b(?P<mode>sun|nadir|inertial|target)[- ]pointing(?![A-Za-z])|\bdetumbl\w*"
                r"|(?P<ko>태양|천저|관성)\s*지향|디텀블"
                r"|(?P<mode2>sun|nadir|inertial)\s*포인팅", re.I),
     "ADCS_SET_ATTITUDE_MODE", {}, True),
    (re.compile(r"\b(?P<profile>min(?:imum)?|max(?:imum)?|nominal)[- ]drag\b"
                r"|\bdrag\s+(?:config(?:uration)?|setting|profile)\s+to\s+"
                r"(?P<profile2>min(?:imum)?|max(?:imum)?|nominal)\b"
                r"|(?P<ko>최소|최대)\s*항력|드래그\s*(?:설정\s*)?(?:을\s*|를\s*)?(?P<ko2>max|min|최대|최소)",
                re.I), "DRAG_CONFIG", {}, True),
    (re.compile(r"\bno[- ]?op\b|\blink\s+check\b|링크\s*점검", re.I), "NOOP", {}, True),
    (re.compile(r"\bping\b(?=\s+(?:it|them|all)\b|\s{3,})|링크\s*살아\s*있는지", re.I), "NOOP", {},
     False),
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
_BAND = re.compile(r"\b([SXL])[- ]?band\b|\b([SXL])\s*밴드")


def _downlink_parameters(segment: str) -> dict[str, _Param]:
    params: dict[str, _Param] = {}
    if (seconds := find_quantity("duration_s", segment)) is not None:
        params["duration_s"] = round(seconds.value)
    if m := _BAND.search(segment):
        params["band"] = (m[1] or m[2]).upper()
    if (rate := find_quantity("rate_mbps", segment)) is not None:
        params["rate_mbps"] = rate.value
    return params


def _phrase_parameters(command: str, m: re.Match[str]) -> dict[str, _Param]:
    """Enum states named inside the phrase itself ("imaging mode", "battery heater")."""
    params: dict[str, _Param] = {}
    words = [g.lower() for g in m.groups() if g] + [m.group(0).lower()]
    for param, states in _STATE_WORDS.get(command, {}).items():
        for word in words:
            state = next((s for w, s in states.items() if word.startswith(w.lower())), None)
            if state is not None:
                params[param] = state
                break
    return params


def _mnemonic_parameters(command: str, segment: str) -> dict[str, _Param]:
    params: dict[str, _Param] = {}
    for param, states in _MNEMONIC_STATES.get(command, {}).items():
        alternatives = "|".join(sorted(states, key=len, reverse=True))
        pattern = rf"(?:\b{param}\s*[=:]\s*)?(?<![A-Za-z0-9_])({alternatives})(?![A-Za-z0-9_])"
        if m := re.search(pattern, segment):
            params[param] = m[1]
    return params


def _read_commands(text: _Text, known: frozenset[str]) -> list[tuple[str, dict[str, _Param]]]:
    """Commands the request orders: exact mnemonics, or phrasings (most next to a verb).

    A question about what happened (``Did K3 exit safe mode?``) orders nothing.
    """
    if _REPORT_QUESTION.search(text.text):
        return []
    found: list[tuple[int, str, dict[str, _Param]]] = []
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
    unique: dict[str, tuple[str, dict[str, _Param]]] = {}
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


# -- quantities -------------------------------------------------------------------------------


def _read(text: _Text, kind: QuantityKind) -> float | None:
    q = _take(text, find_quantity(kind, text.text))
    return None if q is None else q.value


# -- intents ------------------------------------------------------------------------------------

# questions about the age of the element sets, in the words the other patterns miss
# ("which satellite has the oldest TLE", "오래된 TLE 있어?", "궤도 데이터 얼마나 최신이야?")
_AGE = re.compile(
    r"\b(?:oldest|stalest|freshest)\b.{0,30}?\b(?:tles?|element\s*sets?|elements|orbits?"
    r"|orbit(?:al)?\s+data)\b|\b(?:tles?|element\s*sets?|orbits?|orbit(?:al)?\s+data)\b"
    r".{0,30}?\b(?:out\s+of\s+date|stale|oldest|how\s+old)\b|\bhow\s+fresh\b"
    r"|(?:TLE|궤도\s*(?:요소|데이터|정보)|요소).{0,20}?(?:오래|나이|최신|낡|며칠|신선|에포크|갱신)"
    r"|(?:오래된|낡은)\s*(?:TLE|궤도)|\belement(?:\s*set)?\s*ages?\b",
    re.I,
)
# asking for a propagation itself, not naming a track or trajectory as a constraint
_PROPAGATION_ASK = re.compile(
    r"\bpropagat|\bephem|\bpositions?\b|\bpredict|\bstate\s+vectors?\b|위치|전파(?!\s*두절)|예측"
    r"|상태\s*벡터",
    re.I,
)
_PROPAGATION_WORDS = re.compile(
    r"\bpositions?\b|\bpropagat|\bephemer|\bground ?track|\bcoordinates|\btrajector"
    r"|위치|전파|궤적|좌표",
    re.I,
)

# asking for the windows themselves ("work out the contact windows", "find tonight's windows"):
# a pass cue, and a pass list beside a schedule
_WINDOWS_ASK = r"\b(?:find|get|list|compute|work\s+out)\b[^.?!]{0,30}?\bwindows\b"

_INTENTS: list[tuple[str, re.Pattern[str]]] = [
    ("plan_avoidance", re.compile(
        r"\bavoid|\bavoidance|(?<!post-)(?<!pre-)(?<!last\s)(?<!since\sthe\s)\bmaneuv(?!er\s+(?:team|threshold))"
        r"|(?<!pre-)(?<!since\sthe\s)\bmanoeuv(?!re\s+(?:team|threshold))|\bdodge|\bevasion\b"
        r"|\bget\s+out\s+of\s+the\s+way\b"
        r"|(?<!post-)(?<!pre-)(?<!'s\s)(?<!after\sthe\s)(?<!after\s)\bburn\b(?!\s+window)|\bcams?\b|어보이던스"
        r"|\bgets?\s+us\s+out\b|\bout\s+of\s+the\s+way\s+of\b|빼낼|비켜|분사"
        r"|\bdelta[- ]?v\b"
        r"|\bsteer\s+clear\b|\bstep\s+aside\s+from\b|\bmove\b[^.?!]{0,30}?\baway\s+from\b|\bmitigat"
        r"|\b(?:widen|increase|raise)\s+(?:the\s+)?miss\s+distance|\bevasive\b"
        r"|\bhow\s+do\s+we\s+move\b|\bmove\s+the\s+satellite\b"
        r"|\bget\s+(?:us\s+)?clear\s+of\b|\bway\s+out\s+of\b|피해\s*가|궤도\s*조정"
        r"|회피|기동(?!\s*(?:후|이후|뒤|명령|했|예정|팀|전))|피하|피할|델타\s*v", re.I)),
    ("assess_conjunction", re.compile(
        r"\b(?:re-?)?assess|\bprobability\b"
        r"|\bevaluat\w*\s+(?:the\s+)?(?:conjunction|event|risk|close\s+approach)|(?<![A-Za-z])pc(?![A-Za-z])|\brisk(?:y|iness)?\b|\bdanger"
        r"|충돌\s*확률|확률|위험도|평가|리스크", re.I)),
    ("screen_conjunctions", re.compile(
        r"conjunction|close approach|\bcollision|(?<!nothing\s)\bcollide|\bhit\b|debris|\bscreen"
        r"|\bclose calls?"
        r"|miss\s+distances?\s+of\s+(?:objects|anything|debris)|\bgetting\s+close|\bcomes?\s+near\b"
        r"|\bcoming\s+close|\bpass(?:es)?\s+(?:near|close)|\bobjects?\s+(?:close|approaching|near)"
        r"|\bsecondar(?:y|ies)\b|close-approach|\bcross(?:es|ing)?\s+paths\b"
        r"|\btraffic\s+(?:report\s+)?around\b"
        r"|\bproximity\s+(?:check|report|screening)|\bin\s+(?:the\s+)?way\s+of\b"
        r"|\bpath\s+of\b[^.?!]{0,60}?\bclear\b|근처\s*(?:물체|잔해|파편)|교통\s*상황"
        r"|\bnear[- ]miss(?:es)?\b|\bencounters?\s+(?:with\b|w/|of\b)|\bthreats?\s+to\b"
        r"|\bflying\s+near\b|\bcome\s+close\b|위험\s*물체|위협|\brescreen|\bconj\b|스크린(?!샷)"
        r"|\b(?:coming|come|comes|get|gets|getting|passing|pass)\s+within\b|\bca\s+(?:check|screen)"
        r"|\bagainst\s+the\s+catalog(?:ue)?\b|\bcoming\s+near\b|\bclose\s+pass(?:es)?\b|부딪|스쳐"
        r"|\bapproaching\b|\bclose\s+encounters?\b|\bthreatening\b|\bco[sz]y\s+with\b"
        r"|(?:들어오|가까이\s*오|다가오)\S*\s*(?:물체|것|거)|\bobjects?\s+passing\b"
        r"|근접|충돌(?!\s*(?:없게|없이|없는|안\s*나게))|접근|잔해|파편|스크리닝|컨정션|다가오"
        r"|우주\s*쓰레기|가까워지|가까이\s*(?:지나|스치)"
        r"|\bhow\s+close\s+do\b[^.?!]{0,30}?\bget\b|\bobjects?\s+get\s+clos"
        r"|근처\S{0,2}\s*(?:오는|지나가?는|다가오는|접근하는)\s*(?:물체|것|거)"
        r"|카탈로그\s*전체(?:랑|와|과)[^?!]{0,30}?(?:비교|대조)", re.I)),
    ("space_weather", re.compile(
        r"space[- ]?weather|\bsolar\b|geomagnetic|\bstorms?\b|\bkp(?![A-Za-z0-9])|\bflares?\b"
        r"|radiation"
        r"|\bswpc\b|\bthe\s+sun\s+(?:is\s+|being\s+)?(?:quiet|active)\b|\bsun'?s?\s+(?:been\s+)?acting\s+up|\bis\s+the\s+sun\s+active\b"
        r"|\bproton\s+events?\b|\bcmes?\b|\bcoronal\s+mass|양성자|코로나\s*질량\s*방출|우주\s*(?:기상|날씨)|태양(?!\s*(?:동기|전지|지향))|지자기|폭풍|플레어|방사선"
        r"|NOAA\s*경보|우주\s*환경|\bwhat\s+is\s+the\s+sun\s+doing\b|\bhow\s+active\s+the\s+sun\s+is\b|\bf10\.?7\b"
        r"|\bnoaa\s+(?:alerts?|warnings?|scales?)\b|\bmagnetospher|\bplanetary\s+k\b"
        r"|\bthe\s+sun\s+up\s+to\b|\bgeomag\b|\bhow'?s\s+the\s+sun\b|전파\s*두절|radio\s+blackouts?"
        r"|\bhow\s+(?:active|quiet)\s+is\s+the\s+sun\b|\bg-?scale|G\s*등급"
        r"|스페이스\s*웨더|\bwx\b|\bwith\s+the\s+sun\b|\bstormy\b|\bg[1-5]\b|\b10\.7\s*cm"
        r"|\bap\s+index\b|\bon\s+the\s+sun\b", re.I)),
    ("schedule_contacts", re.compile(
        r"(?<!pass )(?<!imaging )(?<!\bon\s)(?<!\bbehind\s)(?<!\bahead\sof\s)\b(?:re-?)?schedul"
        r"|\bdownlinks?\b|\bwho[- ]uses[- ]which[- ]station|\bsked\b|\brota\b"
        r"|\bdumps?\s+(?:its|their)\s+data\b|\boptimi[sz]e\b[^.?!]{0,30}?\btimeline\b"
        r"|\b(?:allocate|assign|distribute)\s+(?:them|those|these)\b|contact\s*(?:계획|일정|플랜)"
        r"|\bbook\s+(?:a\s+|the\s+|some\s+)?(?:contacts?"
        r"|pass(?:es)?|antenna|ground[- ]station|downlinks?)|contact (?:plan|schedule)"
        r"|\ballocat\w*\s+(?:the\s+)?(?:station|antenna|ground[- ]station)\s+time"
        r"|\bplan\s+(?:the\s+)?contacts|\bstation\s+time\s+allocation"
        r"|\b(?:optimi[sz]e|conflict-free|deconflicted)\b[^.?!]{0,20}?\bpass\s+sched(?:ule)?\b"
        r"|\bplan\s+(?:the\s+)?(?:ground[- ]?)?station\s+time|\bhow\s+do\s+we\s+(?:fit|split)\b"
        r"|\b(?:antenna|pass)\s+allocation|\bantenna\s+conflicts?|\bassign\s+(?:the\s+)?antenna"
        r"|\ballocate\s+passes|\barrange\s+contacts|\bcontact\s+timeline|\bstation\s+booking"
        r"|\bbooking\s+of\b|\bdeconflict|\bwhich\s+passes\s+should\b|\bground[- ]station\s+plan"
        r"|(?<!촬영\s)(?<!촬영)스케줄|다운링크|(?:교신|접속)\s*"
        r"(?:계획|일정)|배정|배분|할당|수신\s*일정|지상국\s*시간을|교신\s*순서|사용\s*시간[을를]"
        r"|지상국\s*예약|패스\s*중\s*쓸|수신\s*계획|\b(?:contact|antenna|station)\s+(?:roster|rota)\b"
        r"|\bdownlink\s+rota\b|\bwho\s+gets\b|(?<!pass )\bsched\b"
        r"|\bsplit\s+(?:the\s+)?(?:antenna|station)\s+time"
        r"|\bslot\b[^.?!]{0,40}?\binto\s+(?:the\s+)?passes|\bpick\s+which\s+passes"
        r"|\bwhich\s+contacts\s+should\b|\bshare\b[^.?!]{0,60}?\bamong\b"
        r"|\bplan\s+(?:the\s+)?ground\s+contacts|\bline\s+up\b[^.?!]{0,30}?\bcontacts\b"
        r"|\bdivide\b[^.?!]{0,30}?\bpasses\b|\bcontact\s+timetable\b"
        r"|교신\s*(?:편성|시간표|배치|타임라인)|(?:안테나|지상국)\s*운용\s*계획"
        r"|컨택\s*(?:계획|플랜|일정|스케줄)|언제\s*쓸지|어느\s*위성이\s*쓸지|\bstation\s+allocation"
        r"|\bbookings\b|\bwhich\s+satellite\s+should\s+take\b|부킹|중복\s*해소|누구\s*줄지"
        r"|\ballocat\w*\b[^.?!]{0,30}?\bbetween\b|\bstation\s+assignment|\bwhich\s+one\s+gets\b"
        r"|겹치지\s*않게|\boptimi[sz]\w*\s+(?:the\s+)?contacts\b|\breshuffle|\bbooking\s+plan"
        r"|\ballocat\w*\b[^.?!]{0,30}?\bstation\s+time|\bwho\s+should\b[^.?!]{0,30}?\bwhich\s+station"
        r"|누가\s*(?:언제\s*)?쓸지|지상국\s*(?:시간|쓸지)|예약\s*계획|\bcontact\s+allocation"
        r"|\b(?:ground[- ]station|station)\s+(?:timetable|usage)|\bpass\s+assignment"
        r"|\bsplit\b[^.?!]{0,20}?\bbetween\b|\bassign\s+them\b|\bcontact\s+slots\b"
        r"|예약\S*\s*(?:전체\s*위성\s*대상으로\s*)?최적화", re.I)),
    ("find_passes", re.compile(
        r"(?<!last\s)(?<!previous\s)(?<!close\s)(?<!pre-)\bpass(?:es)?\b(?!\s+(?:near|close|within))"
        r"(?!\s+(?:our|the|its)\s+(?:\w+\s+)?(?:threshold|limit|criteri))"
        r"|\bvisib|\baos\b"
        r"|\blos\b"
        r"|over(?:head|flies| fly)"
        r"|contact windows?"
        r"|\bwhen can\b.*\bsee|\bwhen\b[^?.!]*\bcan\s+see\b|contact\s+opportunit"
        r"|(?:access|link)\s+windows?|\brise\s*(?:/|and|&)\s*set\b|acquisition\s+(?:and|&)\s+loss"
        r"|\bnext\s+contacts?\b|\bwhen\s+do\s+we\s+have\s+contact|\bcomes?\s+over\b"
        r"|\brises?\s+(?:over|above)\b|\bclears?\s+(?:the\s+)?horizon|\boverflights?\b"
        r"|\bwhen\s+can\s+we\s+talk\b|\bwhen\s+(?:does|do|will)\b[^?.!]*\bacquire\b"
        r"|\bpass\s+sched(?:ule)?\b"
        r"|(?<!지난\s)패스(?!\s*전\s*점검)|(?:접속|가시)\s*창|보(?:여|이나|일까|이니)\s*\?|보이는\s*지상국"
        r"|\bnext\s+(?:contact\s+)?window\b|\s{3,}over\s{3,}"
        r"|\bwhen\b[^.?!]{0,40}?\breach\b|\bwhen\s+we\s+can\s+(?:talk|reach|see)\b"
        r"|\bwhen\b[^.?!]{0,40}?\b(?:is|are)\s+over\b"
        r"|" + _WINDOWS_ASK +
        r"|가시|(?<!근접 )(?<!근접)통과|상공"
        r"|(?<!어디로\s)(?<!어디를\s)(?<!어디어디\s)(?<!스쳐\s)(?<!어떻게\s)(?<!가까이\s)(?<!가까이)"
        r"지나(?:가|는|갈)|\b(?:does|do|can|will|stations?)\b[^.?!]{0,30}?\bsees?\s{3,}\S|\b(?:longest|shortest)\s+(?:\S+\s+){0,3}?(?:contact|pass)"
        r"|언제[^.?!]{0,30}?잡혀"
        r"|신호\s*획득"
        r"|접속\s*가능\s*구간|교신\s*창|언제[^?.!]{0,30}?\s?떠(?:[?.,]|\s|$)"
        r"|언제[^.?!]{0,30}?보(?:여|이)|보이는\s*시간|교신\s*가능\s*시간|다음\s*교신|잡히는\s*시간"
        r"|접촉\s*시간|추적\s*가능|수신\s*가능\s*구간|\b(?:viewing|tracking)\s+windows?\b|\bcan\s+track\b"
        r"|\bsightings?\b|\bnext\s+above\b|\b(?:comes?|coming)\s+into\s+view\b|\bin\s+view\b"
        r"|\bcomms?\s+windows?\b|\buplink\s+opportunit|\bstation\s+contacts\b"
        r"|\bhorizon\s+crossings?\b|\bwhen\s+can\b[^.?!]{0,60}?\bhear\b|\breachable\s+from\b"
        r"|\bwhen\s+do\s+we\s+get\b[^.?!]{0,40}?\bover\b"
        r"|(?:관측|통신|링크|접속)\s*가능\s*(?:시간|구간)|언제[^.?!]{0,30}?들어(?:와|오)"
        r"|보이는\s*위성|\brises?\s+above\b|(?:접속|컨택)\s*윈도우|올라오는\s*시간|잡히는\s*거\s*언제"
        r"|컨택\s*가능|접속\s*가능한|\bnext\s+up\s+over\b|\b(?:gets?|climbs?)\s+above\b|\bswings?\s+by\b|보일지"
        r"|교신\s*가능한|\bi'?ll\s+(?:actually\s+)?see\b|\bhave\s+eyes\s+on\b|잡히는\s*게\s*언제"
        r"|\bfl(?:y|ies)\s+over\s+(?:the\s+station\b|\s{3,})|\boverpass|\babove\s+the\s+horizon|\bline\s+of\s+sight\b"
        r"|\bin\s+range\s+of\b|\bwhich\s+station\s+sees\b|\bfirst\s+window\b"
        r"|\bwhen\s+can\b[^.?!]{0,40}?\btalk\s+to\b|\b(?:does|do)\b[^.?!]{0,30}?\bgo\s+over\s{3,}",
        re.I)),
    ("propagate", re.compile(
        r"\bwhere\b|\bpositions?\b|\bpropagat|(?<!updated\s)(?<!latest\s)(?<!new\s)\bephemer"
        r"|\bground ?track|\blocation|\bcoordinates"
        r"|\bprop\b|\btrajector|위치|(?<!지상국\s)어디(?!든|라도|\s*쓸)|전파(?!\s*두절)|궤적|좌표|(?<!업데이트된\s)(?<!새\s)궤도\s*(?:예측|력)"
        r"|상태\s*벡터"
        r"|궤도(?:를|을)?\s?[^.?!]{0,80}?(?:계산|예측|돌려)|\bpredicted\s+orbit(?:al)?\s+data\b"
        r"|궤도\s*시뮬레이션|추적\s*데이터|에피메리스|\bchart\b[^.?!]{0,30}?\borbit\b"
        r"|\btrack\s+of\b[^.?!]{0,40}?\bahead\b|\bforecast\s+where\b"
        r"|\borbit\s+predict|\b(?:advance|extrapolate|predict|project|roll)\b[^.?!]{0,40}?\borbits?\b"
        r"|\bstate\s+vectors?\s+(?:for|of)\b|\bwhat\s+will\s+(?:the\s+)?(?:state\s+vector|orbit)\b"
        r"|\bfuture\s+(?:track|state)|\brun\s+sgp4\b|\bstep\b[^.?!]{0,40}?\bahead\b"
        r"|\btrack\b[^.?!]{0,40}?\bahead\s+in\s+time|\bintegrate\b[^.?!]{0,40}?\bforward\b"
        r"|\bephem\b|\bpredict\b[^.?!]{0,30}?\bstates?\b|\beci\s+states?\b|\bwhat\s+path\s+will\b"
        r"|\bpredicted\s+track\b|궤도\s*(?:예보|산출)|\bstate\s+vectors?\b|\beph\b|프로파게이[션트]"
        r"|에페메리스|\baltitude\s+profile|고도\s*(?:변화|프로파일)|\blat(?:itude)?\s*/?\s*lon|위경도"
        r"|\borbit\b[^.?!]{0,40}?\bpredict|그라운드\s*트랙|\borbit\s+evolv|\bpredicted\s+altitude"
        r"|\brun\b[^.?!]{0,30}?\b(?:orbits?|it)\s+out\b|\baltitude\s+evolv"
        r"|\bforecast\b[^.?!]{0,30}?\baltitude|\bsub-?satellite\s+points?|\bhow\s+high\s+will\b"
        r"|\borbit\s+(?:fwd|forward)\b"
        r"|고도가?\s*(?:어떻게\s*변|얼마나\s*될)"
        r"|\bpredicted\s+orbit\b", re.I)),
    ("fleet_status", re.compile(
        r"(?<!activity\s)(?<!weather\s)(?<!event\s)(?<!watch\s)\bstatus\b|\bhealth|\bhow\s+(?:are|is)\s+(?:all\s+)?(?:of\s+)?(?:our|the|my)?\s*"
        r"(?:satellites|spacecraft|birds|fleet|constellation)|\bfleet (?:overview|report|summary)"
        r"|(?<!future\s)(?<!predict\s)(?<!predict\sthe\s)"
        r"\bstate of (?:the |our )?(?:fleet|constellation|satellites|spacecraft)"
        r"|\bin trouble\b"
        r"|\belement ages?|\bstale|(?<!지자기\s)(?<!지자기)상태(?!\s*벡터)|위성\S*\s*현황|신선"
        r"|위성\S*\s*(?:건전성|점검)"
        # the fleet beside the space weather: "check the fleet and the solar activity",
        # "how's the fleet and ...", "are the satellites healthy", "fleet and space weather"
        r"|\b(?:check|how'?s|how\s+is)\s+(?:the\s+|our\s+|all\s+)?(?:fleet|satellites|spacecraft"
        r"|constellation)\s+and\b|\b(?:satellites|spacecraft|fleet)\s+(?:are\s+)?healthy\b"
        r"|\bfleet\s+and\s+(?:the\s+)?space\s+weather\b"
        r"|\bsummari[sz]e\s+the\s+(?:fleet|constellation)|\bfleet\s+looking\s+like"
        r"|\bhow'?s\s+the\s+(?:fleet|constellation)\b|\bproblems?\s+with\s+the\s+(?:fleet|satellites)"
        r"|(?<!future\s)(?<!predict\s)(?<!predict\sthe\s)\bstate\s+of\s+every\s+satellite|\bany\s+satellites?\s+in\s+safe\s+mode"
        r"|\beverything\s+nominal|\banomal\w*\s+(?:across|in|with)\s+the\s+fleet"
        r"|위성들?\s*(?:지금\s*)?(?:괜찮|어때|문제\s*없|이상\s*없)"
        r"|\bhow\s+(?:are\s+)?the\s+birds\b|\broll\s+call\b|\boff-?nominal\b|\bcheck\s+in\s+on\b"
        r"|\b(?:wrong|issues?)\s+(?:with|on)\s+(?:the\s+|our\s+)?(?:satellites|spacecraft|fleet|birds)"
        r"|\brundown\s+of\s+(?:the|every|our|all)\b|\b(?:satellites|spacecraft|birds)\s+behaving"
        r"|\bred\s+flags\b|\bsitrep\b|\bwhat\s+condition\b|\bbig\s+picture\b|\ball\s+good\s+with\b"
        r"|\banything\s+i\s+should\s+know\s+about\s+the\s+(?:fleet|satellites|spacecraft)"
        r"|운용\s*현황|(?:잘|이상\s*없이)\s*돌고\s*있|(?<!\ba\s)(?<!\bthe\s)\bdashboard\b|대시보드|헬스(?!장)|함대"
        r"|\bwhat\s+mode\b|무슨\s*모드|\bin\s+safe[- ]?mode\s+(?:right\s+now|now|currently)"
        r"|\b(?:which|any)\b[^.?!]{0,20}?\bin\s+safe[- ]?mode|(?:세이프|안전)\s*모드\s*위성"
        r"|\b(?:open|any|active|had|have|has)\s+(?:an?\s+)?anomal(?:y|ies)\b|\banomal(?:y|ies)\s+(?:on|at)\b|\bhave\s+warnings?\b|워닝|알람|이상\s*건"
        r"|\bcurrent\s+state\s+of\b(?!\s+the\s+(?:sun|space))|건전성|스테이터스|노미널(?!\s*모드)"
        r"|\b(?:all|every)\s+\w+\s+nominal\b|(?:^|\s\s)괜찮아\?|\bis\s+ok(?:ay)?\b"
        r"|\boverview\s+of\s+(?:all|every|the)\s+(?:satellites|spacecraft|fleet)"
        r"|\bbattery\s+(?:state|status|soc|levels?)\b|\bred\s+or\s+amber\b|\bstate\s+of\s+play\b"
        r"|\bbatter(?:y|ies)\b[^.?!]{0,20}?\bholding\s+up|배터리\s*(?:요즘\s*|상태\s*)?(?:어때|괜찮)"
        r"|경(?:고|보)\s*뜬|\bhow\s+(?:all\s+)?(?:(?:two|three|four|five|six|\d+)\s+)?(?:the\s+|our\s+)?"
        r"(?:satellites|sats|birds|spacecraft)\s+are\s+doing|\bworking\s+normally\b"
        r"|\bstat\b|\bepoch\s+(?:check|on|of)\b|\b(?:element\s*sets?|tles?)\s+currency\b"
        r"|\bhow\s+many\s+(?:hours|days)\s+old\b"
        r"|\b(?:satellites|sats|birds|spacecraft)\s+(?:ok|okay|fine|alright)\b|\b(?:battery|thermal|mode)\s*(?:,|and)\s*(?:thermal|mode|battery)\b"
        r"|위성들?\s*버티|(?:TLE|궤도\s*요소)\S*\s*[^.?!]{0,10}?몇\s*(?:시간|일)"
        r"|(?:TLE|궤도\s*요소)\S*\s*\d+\s*(?:일|시간)\s*(?:넘은|지난|초과)|\b(?:everything|all)\s+(?:ok|okay|fine|good|alright)\s+with\b"
        r"|\bhousekeeping\b|\bhk\s*(?:요약|데이터|summary|data|status)|하우스키핑"
        r"|\bsafe\s*mode\s*(?:에\s*)?(?:들어가\s*있는|들어간|인)\s*위성|위성들?\s*(?:다|모두|전부)\s*괜찮"
        r"|\bcheck\s+(?:all\s+)?(?:the\s+|our\s+)?(?:satellites|sats|spacecraft|fleet|birds)\s+for\s+"
        r"(?:alarms?|warnings?|anomal\w*|faults?|errors?|problems?|issues?)\b|\bin\s+(?:a\s+)?good\s+state\b"
        r"|\bsanity\s+check\b[^.?!]{0,20}?\b(?:sats|satellites|spacecraft|fleet|birds|all)\b"
        r"|\bhow\s+are\s+all\s+(?:two|three|four|five|six|\d+)\s+(?:satellites|sats|spacecraft|birds)"
        r"|\bhow'?s\s+doing\b|\bon\s+(?:recent|current|fresh|old|stale)\s+(?:tles?|elements)\b"
        r"|넘은\s*궤도\s*요소|세이프\s*모드(?:예요|야|인가)|\bflagging\b|\bwhat'?s\s+the\s+state\s+of\s{2,}"
        r"|\bhow\s+(?:\s|and\b|,)*(?:is|are)\s+doing\b|플릿\s*(?:현황|상태)|문제\s*있는\s*위성"
        r"|\bfresh\s+tle|TLE\S*\s*[^.?!]{0,20}?지났|\bthermal\s+state|\bin\s+good\s+shape\b"
        r"|\bhow'?s\s+it\s+doing\b|\bwhat\s+state\s+(?:are|is)\b|\b(?:is|are)\s+(?:[^.?!\s]+\s+){0,2}"
        r"operational\b|\boperational\?\s*is\s+it|(?:지금\s)괜찮아\?|이상\s*상황|안전\s*모드(?:예요|야|인가)"
        r"|위성별로?\s*모드|정상\s*운영|운용\s*중이냐|\bholding\s+up\b|\boperational\s+state"
        r"|\brundown\s+on\b|\bresponding\b|\bflagged\b|\boutdated\s+(?:orbit|orbital|tle|element)"
        r"|\bfresh\s+elements\b"
        r"|\b(?:tles?|elements)\s+current\b"
        r"|\b(?:tles?|elements?|element\s*sets?)\b[^.?!]{0,30}?\b(?:refreshed|up[- ]to[- ]date)"
        r"|\bnewest\s+tle|(?:TLE|궤도\s*요소|element\s*set)\S*\s*[^.?!]{0,20}?"
        r"(?:경과|얼마나\s*됐|epoch|age|fresh|언제|업데이트|받았|이내|옛날|초과)"
        r"|(?:구|옛날)\s*궤도\s*요소|초과\s*TLE"
        r"|\b(?:anything|any\s+\w+|is\s+\w+|are\s+\w+)\s+(?:currently\s+)?in\s+safe[- ]?mode\b"
        r"|(?:세이프|안전)\s*모드\s*(?:에\s*)?(?:들어가\s*있는|들어간|인)\s*위성"
        r"|\b(?:is|are)\s+(?:[^.?!\s]+\s+){0,2}nominal\b|정상\s*이(?:야|지|에요|니|죠)|정상인지|정상인가"
        r"|\bred\s+limits?\b|\blimit\s+violations?\b|리밋|텔레메트리|\bsoc\b"
        r"|\b(?:current|what'?s\s+the)\s+mode\b|(?:현재|어떤|지금)\s*모드|모드가\s*뭐"
        r"|\bhow'?s\s+looking\b|\bhow\s+the\s+(?:fleet|constellation|satellites)\s+(?:is|are)\s+doing"
        r"|\bhow\s+(?:is|are)\s+(?:(?:and\b|,)\s*)*(?:(?:the|our|all)\s+)?"
        r"(?:(?:fleet|satellites|spacecraft|birds|constellation)\s+)?(?:doing|looking)\b"
        r"|\bwarnings?\s+or\s+anomal|\breporting\s+(?:warnings?|anomal)|경고나\s*이상|이상\s*(?:있는|보고)"
        r"|이상\s*없(?:지|어|나|는지)"
        r"|\bolder\s+than\b|\bhow\s+current\b|\bup[- ]to[- ]date\s+(?:orbital\s+)?elements"
        r"|\bfreshness\b|\blast\s+element|(?<!after\sthe\s)\bnew\s+(?:tle|element\s*set)s?\b|\bpublished\b"
        r"|넘은\s*TLE|TLE\S*\s*새로|묵었|묵은|몇\s*시간이나\s*지난|얼마나\s*최신"
        r"|위성\S*\s*(?:다\s*)?정상|별일\s*없|이상\s*(?:징후|여부)|컨디션|헬스\s*체크"
        r"|점검\s*(?:보고|결과)|위성\S*\s*문제\s*있"
        # the age of the element sets: "how old are the TLEs", "last orbit update", "epoch"
        r"|\b(?:tles?|element\s*sets?|elements|orbit(?:al)?\s+(?:data|elements|updates?)"
        r"|catalog)\b[^.?!]{0,60}?\b(?:old|age|fresh|out\s+of\s+date|outdated|epochs?|updated?)\b"
        r"|\bold\s+(?:tles?|elements|element\s+sets?)\b|\b(?:how\s+(?:old|fresh)|epochs?\s+of|age\s+of|last\s+(?:orbit\s+)?update|tle\s+age"
        r"|out\s+of\s+date\s+(?:tles?|elements))\b"
        r"|(?:궤도\s*요소|TLE|요소|카탈로그).{0,20}?(?:오래|나이|최신|기준\s*시각|에포크|업데이트|갱신)"
        r"|" + _AGE.pattern, re.I)),
]  # fmt: skip

# asking what something is or why, rather than for current data or an action; after an
# opener ("Quick one: ", "Cosmo - ", "Alright, can you ...")
_EXPLANATION = re.compile(
    r"^\s*(?:[A-Za-z][\w' ]{0,24}?(?:[:,.]|\s-)\s+)?(?:please\s+|kindly\s+"
    r"|(?:could|can|would)\s+you\s+)?"
    r"(?:what(?:'s|\s+is|\s+are)\s+(?!the\b|our\b|my\b|your\b|its\b|their\b|this\b|that\b"
    r"|these\b|those\b|happening\b|going\b|coming\b|up\b|new\b|wrong\b|left\b|next\b|best\b)"
    r"|what\s+does\b.*\b(?:mean|measure"
    r"|stand\s+for|tell\s+us|indicate)\b|what(?:'s|\s+is)\s+the\s+difference\b|explain\b"
    r"|define\b|why\b|how\s+does\b.*\bwork\b|describe\b|teach\s+me\s+about\b"
    r"|tell\s+me\s+about\b(?!\s+(?:the|our|my|any|all|every)\b)"
    r"|give\s+me\s+(?:a\s+short\s+explanation|the\s+basics)\s+of\b|i\s+don'?t\s+understand\b)"
    r"|\bwhat'?s\s+(?:the\s+idea\s+behind|meant\s+by)\b|\bin\s+simple\s+terms\b"
    r"|\bwhy\s+does\b.*\bmatter\b|\bhow\s+is\b[^.?!]*\b(?:computed|calculated|derived|defined)\b"
    r"|\bin\s+a\s+nutshell\b|\bwhat\s+does\b[^.?!]*\brefer\s+to\b|\bwhat\s+means\b"
    r"|\bhow\s+does\b[^.?!]*\b(?:affect|influence|impact)\b|\bwhat\s+does\b[^.?!]*\bcontain\b"
    r"|^\s*in\s+general\b|\bdo\s+operators\s+(?:typically\s+|usually\s+)?use\b|미치는\s*영향|영향\s*설명"
    r"|정의\s*설명|설명\s*(?:바람|할\s*것)|차이\s*(?:설명|\.?\s*$)|뭘\s*재"
    r"|\busually\s+(?:calculated|computed|used|done|measured|estimated|worked\s+out)\b"
    r"|뭐가\s*달라|차이가\s*뭐|\bwhat\s+does\s+it\s+(?:actually\s+)?(?:mean|measure)\b"
    r"|\bhow\s+is\b[^.?!]*\bdifferent\s+from\b|\bin\s+general\s+terms\b|어떻게\s*다른|뭘\s*말하는"
    r"|어떤\s*영향"
    r"|일반적으로|보통\s|뜻이|차이[를가]\s[^.?!]*설명"
    r"|개념|원리|모르겠|에\s*대해\s*(?:간단히\s*)?알려|설명하듯이|왜\s*중요"
    r"|뭐야|뭔지|뭐예요|뭔가요|무엇인가|설명해|(?<![가-힣])왜(?![가-힣])|차이가|뭘\s*(?:나타내|의미|측정)"
    r"|^\s*(?:the\s+)?difference\s+between\b|의미하는\s*(?:게|것|바)"
    r"|어떻게[^.?!]{0,40}?(?:는\s*거예요|는\s*건가요|는\s*거야|는\s*걸까요?)\s*\??\s*$"
    r"|무슨\s*뜻|(?:뭐의|무슨|뭘\s*줄인)\s*약자|약자(?:예요|야|인가요|입니까)",
    re.I,
)
_CURRENT = re.compile(
    r"\b(?:current(?:ly)?|right\s+now|now|today|latest)\b|\blike\b(?!\s+(?:what|i'?m|i\s+am|a|an)\b)|지금|현재|오늘(?!\s*근무)|최신|어때",
    re.I,
)

PLAYBOOK_ORDER = (
    "fleet_status", "space_weather", "screen_conjunctions", "assess_conjunction",
    "plan_avoidance", "propagate", "find_passes", "schedule_contacts", "propose_commands",
)  # fmt: skip
"""The rules planner's playbook: the order in which tools are called."""

_ALL = re.compile(
    r"\ball\b|\bevery\b|\bwhole fleet\b|\bentire fleet\b|\bthe fleet\b|전체|모든|전부"
    r"|(?<![가-힣])전\s*위성",
    re.I,
)
_EVENT = re.compile(rf"(?<![A-Za-z0-9])({EVENT_ID_PATTERN}|{ALIAS_PATTERN})(?![\d-])", re.I)
"""An event id: canonical (pair and TCA) or a run-local alias (``CONJ-0007``)."""
_PRIORITY = re.compile(r"priorit|우선", re.I)
# what a contact schedule books; "schedule NOOP for K3" schedules a command, not contacts
_CONTACT_WORDS = re.compile(
    r"contact|pass|station|antenna|downlink|교신|지상국|패스|다운링크|안테나", re.I
)
_WHERE = re.compile(r"\bwhere\b|어디", re.I)
# "schedule a TIME_SYNC for the next contact": the command's mnemonic was blanked after "a"
_SCHEDULED_COMMAND = re.compile(r"\bschedul\w*\s+(?:(?:a|an|the)\s+)?\s{3,}", re.I)
_SCHEDULE_WORDS = re.compile(r"schedul|\bplan\b|allocat|스케줄|일정|계획|배정", re.I)
# a status asked for beside a command ("... and give me the fleet status")
_STATUS_ASK = re.compile(r"\bstatus\b|\bhealth|상태|현황|건전성|\bstate\b", re.I)
_ELEMENTS = re.compile(
    r"\btles?\b|\belement\s*sets?\b|\belements\b|궤도\s*요소|\bepoch|에포크", re.I
)
# what a command is sent for ("so we can confirm the link is healthy", "링크 상태 확인용")
_COMMAND_PURPOSE = re.compile(r"\blink\b[^.?!]{0,20}?\bhealth|링크\s*상태", re.I)
# a pass list asked for in its own right, beside a schedule ("find the passes ... and schedule
# the contacts"), rather than passes named as what a schedule books
_PASS_LIST = re.compile(
    r"\b(?:find|list|show|get|give|pull|pulling|grab|look\s+up|calculate|compute|determine"
    r"|predict)\b"
    r"(?:(?!book|allocat|sched)[^.?!]){0,40}?"
    r"\b(?:pass(?:es)?(?!\s+(?:sched|allocation|booking|plan|assignment))|visibility(?:\s+windows?)?"
    r"|overpass(?:es)?|overpass\s+list|overflights?|aos\s*/\s*los|windows)\b"
    r"|\bpasses\s*(?:->|→|\+)|\bwhen\b[^.?!]{0,40}?\b(?:is|are)\s+over\b"
    r"|\bpass\s+(?:list|table)s?\b|\bvisibility\s+windows\b"
    r"|패스.{0,15}?(?:목록|찾|알려|뽑|조회|계산|예측)|통과\s*(?:시간|예측)|가시\s*(?:구간|시간)"
    r"|보이는\s*시간|교신\s*가능\s*시간|지나가는\s*시간"
    r"|\bwhen\b[^.?!]{0,40}?\b(?:visible|overhead|in\s+view)\b|\baos\s*/\s*los\s+list"
    r"|\blist\b[^.?!]{0,40}?\bpasses\b|\b(?:check|see)\s+(?:which|what)\s+passes\b"
    r"|(?:패스|AOS\s*/\s*LOS|윈도우|contact\s*windows?|구간|시간)[^.?!,]{0,15}?"
    r"(?:리스트\s*|목록\s*)?(?:먼저|확인해서|확인하시고|확인하고|구하고|구한\s*다음|뽑고|뽑아서|보고\s"
    r"|뽑아\s*주시고|찾아\s*주시고|찾고|찾아서|산출|검색\s*후|보여주고|계산한\s*다음|정리하고"
    r"|정리해서|구해서)"
    r"|어떻게\s*되는지\s*보고"
    r"|\b(?:get|pull|need|find|look\s+up|list|compute|calculate|work\s+out)\b[^.?!]{0,40}?"
    r"\b(?:contact\s+(?:windows?|opportunit\w*)"
    r"|aos\s*/\s*los|visibility\s+windows?)\b|\bpass\s+search\b|\bpasses\s*\+"
    r"|목록\s*뽑고|\bpasses\s+first\b|패스[^.?!]{0,20}?구해서"
    r"|\bwhen\s+we\s+can\s+(?:talk|reach)\b"
    r"|\bwhen\s+can\s+we\s+reach\b"
    r"|(?:접속|가시|교신)\s*창[^.?!]{0,10}?(?:계산|구하|뽑)"
    r"|" + _WINDOWS_ASK + r"|(?:언제\s*보이는지|보이는지)\s*확인",
    re.I,
)


_PATTERN: Final = dict(_INTENTS)  # each tool's pattern by name
_CLAUSES = re.compile(
    r"(?<=[.?!])\s+|;\s*|,\s*and\s+(?=(?:a|an|the|then)\b)|,?\s+(?:then|and then|plus)\s+", re.I
)


# a Korean schedule asked after the passes: "그걸로 ...", "그 패스들로 ...", "일정도", "배정까지"
_THEN_KO = re.compile(r"그걸로|그\s*패스들?로|(?:일정|스케줄|배정|계획)(?:도|까지)")


def _passes_then_schedule(text: str) -> bool:
    """Passes asked for in one clause and a schedule in another ("tabulate the passes of K3
    over Daejeon. Then allocate the station time by priority.", "... 교신 창 찾아 줘, 그걸로
    교신 일정도 잡아줘")."""
    passes, schedule = _PATTERN["find_passes"], _PATTERN["schedule_contacts"]
    then = _THEN_KO.search(text)
    if then and passes.search(text[: then.start()]) and schedule.search(text[then.start() :]):
        return True
    clauses = [c for c in _CLAUSES.split(text) if c and c.strip()]
    return any(passes.search(c) and not schedule.search(c) for c in clauses) and any(
        schedule.search(c) for c in clauses
    )


# context written before the ask ("Hand-over note: CY7 got new elements this morning. Please
# re-screen CY7 ...", "Customer's propagation looked off — when were AQ1's elements last
# updated?", "… 판단해야 하는데, TLE가 얼마나 최신인가요?"): sentences, dash-separated parts and
# Korean "…는데," clauses
_CONTEXT_SPLIT = re.compile(
    r"(?<=[.?!…])\s+|;\s*|\s[—–-]\s|(?<=[는은인한]데),?\s+|(?<=테니)\s+|(?<=때문에)\s+"
)
# a part that reports or frames rather than asks: a hand-over or status label, a statement in
# the past ("was cut short", "had its elements updated", "갱신됐어요", "끊김"), or the decision
# the ask serves ("we need to decide whether …", "판단해야 하는데"); never a question
_CONTEXT = re.compile(
    r"^\s*(?:hand-?over(?:\s+(?:note|summary))?|status|fyi|context|background|note|update"
    r"|인수인계(?:\s*메모)?|참고|상황|배경)\s*:"
    r"|\b(?:was|were|had|got|looked|went|came|has\s+been|have\s+been|'s\s+been)\b"
    # the situation now or what may follow ("Storm's building, drag will be up", "Storm may
    # kill some passes", "Anomaly on AQ1", "After the storm the orbits shifted")
    r"|\b(?:may|might|will\s+be|is\s+building|'s\s+building|ramping\s+up)\b"
    r"|^\s*(?:anomaly|alert|alarm|storm|outage)\s+(?:on|at|with|for)\b|^\s*after\s+the\b"
    r"|^\s*before\s+(?:i|we)\b|\b(?:shifted|changed|dropped|failed|tripped|lost|stopped)\s*$"
    r"|(?:듯|중|있음|없음|예정|테니|때문에)\.?\s*$"
    r"|\b(?:need|have)\s+to\s+decide\b|\bdeciding\s+whether\b|(?:정|판단|결정)해야"
    r"|(?:었|았|였|됐|했|났|겼)(?:어요|습니다|음|다)?\.?\s*$|(?:끊김|됨|했음)\.?\s*$"
    r"|[는은인한]데,?\s*$",
    re.I,
)

# ...unless the part asks after all ("Once you've got that, plan its downlinks")
_ASKING = re.compile(
    r"\?|\bplease\b|\bpls\b|\b(?:can|could|would|will)\s+you\b|\bmay\s+i\b|\bonce\b|\bthen\b"
    r"|\bwondering\b|\bif\s+you\s+(?:could|can)\b|\b(?:i'?d|would)\s+like\b"
    # a part that opens with a question word asks, "?" or not ("when will K3 be reachable ...")
    r"|^\s*(?:[\w ]{0,20}:\s*)?(?:when|where|how|what|which|who|is|are|can|could|will|would"
    r"|do|does)\b"
    r"|\blet\s+me\s+know\b|주세요|해\s*줘|부탁|바랍니다|요망",
    re.I,
)


def _context_only(text: str, has_command: bool = False) -> set[str]:
    """Tools named only in parts of the request that report or frame (:data:`_CONTEXT`), when
    another part asks for a tool (or orders a command the request names: ``has_command``):
    those parts are context, not what is asked."""
    parts = [p for p in _CONTEXT_SPLIT.split(text) if p and p.strip()]
    if len(parts) < 2:
        return set()
    context = [p for p in parts if _CONTEXT.search(p) and not _ASKING.search(p)]
    asks = [p for p in parts if p not in context]
    if not context or not asks:
        return set()
    asked = {name for name, pattern in _INTENTS if any(pattern.search(p) for p in asks)}
    if has_command and any(_COMMAND_VERB.search(p) for p in asks):
        asked.add("propose_commands")
    framed = {name for name, pattern in _INTENTS if any(pattern.search(p) for p in context)}
    return framed - asked if asked else set()


def _general(text: str, has_refs: bool) -> bool:
    """A general question, answered without tools: it names nothing of the mission (names
    already taken) and asks what something is or why, not for current data."""
    return not has_refs and bool(_EXPLANATION.search(text)) and not _CURRENT.search(text)


def _intents(
    text: str, has_refs: bool, has_event: bool, has_command: bool = False
) -> list[str]:
    """The tools a request asks for, in playbook order (names and slots already taken)."""
    if _general(text, has_refs):
        return []
    matched = {name for name, pattern in _INTENTS if pattern.search(text)}
    matched -= _context_only(text, has_command)
    intents = set(matched)
    pass_list = _PASS_LIST.search(text) is not None
    # an avoidance plan assesses its event itself; an assessment needs no new screening
    if "plan_avoidance" in intents:
        intents -= {"screen_conjunctions", "assess_conjunction"}
    if "assess_conjunction" in intents:
        intents -= {"screen_conjunctions"}
    if "schedule_contacts" in intents and not (pass_list or _passes_then_schedule(text)):
        intents -= {"find_passes"}
    if "fleet_status" in intents and _ELEMENTS.search(text) and not pass_list:
        intents -= {"find_passes"}  # "are our pass predictions off because of old TLEs?"
    if _AGE.search(text) and not _PROPAGATION_WORDS.search(text):
        intents -= {"propagate"}  # "TLE가 제일 오래된 위성이 어디야?" asks which, not where
    if has_event and intents <= {"screen_conjunctions"}:
        # a named event to analyse ("analyze the close approach CONJ-0053"): assess it
        intents = {"assess_conjunction"}
    if (
        "plan_avoidance" in intents
        and not has_event
        and intents & {"schedule_contacts", "find_passes", "space_weather"}
        and "screen_conjunctions" not in matched
    ):
        intents -= {"plan_avoidance"}  # "avoid back-to-back handovers": a schedule's constraint
    if "plan_avoidance" in intents and not _PROPAGATION_ASK.search(text):
        intents -= {"propagate"}  # "a CAM that keeps the ground track": a constraint
    if "plan_avoidance" in intents and not pass_list:
        intents -= {"find_passes"}  # "a burn executable within the next two passes"
    if intents == {"propagate"} and not (has_refs or _DOMAIN.search(text) or _ALL.search(text)):
        return []  # "where's the nearest pharmacy?"
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
    commands: list[tuple[str, dict[str, _Param]]]
    step_s: float
    elevation_deg: float | None
    hbr_m: float | None
    max_pc: float | None
    distance_km: float | None
    threshold_km: float
    duration_h: float
    objective: str


class _CommandItem(TypedDict):
    """One ``propose_commands`` item as the tool contract spells it."""

    satellite: str
    command: str
    parameters: NotRequired[dict[str, _Param]]
    time: NotRequired[str]


def _command_items(s: _Slots) -> list[_CommandItem]:
    items: list[_CommandItem] = []
    for sat in s.command_targets:
        for command, params in s.commands:
            item: _CommandItem = {"satellite": sat, "command": command}
            if params:
                item["parameters"] = params
            if s.time:
                item["time"] = s.time
            items.append(item)
    return items


def _optional(**values: float | str | None) -> dict[str, float | str]:
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


def _references(
    text: str, vocabulary: Vocabulary
) -> tuple[_Text, list[str], list[str], list[str], str | None, list[tuple[str, dict[str, _Param]]]]:
    """What a request names (satellites, stations, events), its time and its commands, each
    taken from the text, which is returned blanked where they were."""
    req = _Text(text)
    sats = _find_names(req, vocabulary.satellites)
    stations = _find_names(req, vocabulary.stations)
    events: list[str] = []
    while event := req.take(_EVENT):
        events.append(event.group(1).upper())
    when = _read_time(req, vocabulary.now)
    commands = _read_commands(req, vocabulary.commands)
    return req, sats, stations, events, when, commands


def general_question(text: str, vocabulary: Vocabulary) -> bool:
    """Whether the request is a general question the tools do not answer, which
    :func:`parse_request` reads as needing no call on purpose (not for want of a reading).

    >>> v = Vocabulary(satellites={"K5": "39227"}, now=datetime(2026, 6, 10, tzinfo=UTC))
    >>> general_question("What is a TLE?", v), general_question("Why is K5 in safe mode?", v)
    (True, False)
    >>> general_question("Translate my speech into French", v)  # not read at all
    False
    """
    req, sats, stations, events, _, commands = _references(text, vocabulary)
    return _general(req.text, bool(sats or stations or events or commands))


# Words of the domain: a request with none of them (and no name, event or command of the
# mission, and nothing any tool's pattern reads) asks for something else altogether.
_DOMAIN = re.compile(
    r"satellit|spacecraft|\borbit|station|antenna|\bground\b|\bpass|contact|downlink|uplink"
    r"|telemetr|command|\btles?\b|element|norad|debris|conjunction|collision|\bspace\b|solar"
    r"|\bsun\b|\bkp\b|storm|flare|geomagnetic|fleet|constellation|\bbirds?\b|mission|maneuv"
    r"|\bburn|delta|epoch|ephemer|propagat|sgp4|\baos\b|\blos\b|elevation|horizon|safe\s*mode"
    r"|payload|battery|heater|위성|궤도|지상국|안테나|교신|패스|명령|커맨드|텔레메트리|우주|태양"
    r"|지자기|충돌|잔해|파편|기동|임무|군집|함대|앙각|고도각|상공|에포크|전파|배터리|탑재체|안전\s*모드",
    re.I,
)


def out_of_scope(text: str, vocabulary: Vocabulary) -> bool:
    """Whether the request is outside satellite operations altogether: it names nothing of the
    mission, no tool's pattern reads it, and it has no word of the domain. The rules answer it
    without a call, and no model is asked.

    >>> v = Vocabulary(satellites={"K5": "39227"}, now=datetime(2026, 6, 10, tzinfo=UTC))
    >>> out_of_scope("Translate my speech into French", v), out_of_scope("생일 케이크 주문해 줘", v)
    (True, True)
    >>> out_of_scope("Anything odd with K5?", v), out_of_scope("Is the sky falling?", v)
    (False, True)
    >>> out_of_scope("Any news on the uplink?", v)  # a word of the domain: for the model
    False
    """
    req, sats, stations, events, _, commands = _references(text, vocabulary)
    if sats or stations or events or commands:
        return False
    if any(pattern.search(req.text) for _, pattern in _INTENTS):
        return False
    return not _DOMAIN.search(req.text)


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
    >>> [c.arguments for c in parse_request("assess conj-39227-48274-20260610t1510z", v)]
    [{'event_id': 'CONJ-39227-48274-20260610T1510Z'}]
    """
    req, sats, stations, events, when, commands = _references(text, vocabulary)
    has_refs = bool(sats or stations or events or commands)
    intents = _intents(req.text, has_refs, bool(events), bool(commands))
    if commands:
        if "schedule_contacts" in intents and (
            not _CONTACT_WORDS.search(req.text)
            or _SCHEDULED_COMMAND.search(req.text)
            or (
                {c for c, _ in commands} & {"START_DOWNLINK", "STOP_DOWNLINK"}
                and not _SCHEDULE_WORDS.search(req.text)
            )
        ):
            intents.remove("schedule_contacts")
        if "find_passes" in intents and not _PASS_LIST.search(req.text):
            intents.remove("find_passes")  # "a NOOP on the next pass": the pass times it
        if "fleet_status" in intents and (
            _COMMAND_PURPOSE.search(req.text) or not _STATUS_ASK.search(req.text)
        ):
            intents.remove("fleet_status")  # "a NOOP to confirm the link is healthy"
        intents.append("propose_commands")
    step_s = _read(req, "step_s")
    elevation_deg = _read(req, "elevation_deg")
    hbr_m = _read(req, "radius_m")
    max_pc = _read(req, "probability") if "plan_avoidance" in intents else None
    distance_km = _read(req, "distance_km")
    duration = _read(req, "duration_h")
    if (
        intents == ["propagate"]
        and not sats
        and not (when or step_s)
        and duration in (None, vocabulary.default_duration_h)
        and _ALL.search(text)
        and _WHERE.search(text)
        and _CURRENT.search(text)
    ):
        intents = ["fleet_status"]  # "where are all our satellites right now": the fleet's state
    by_station = bool({"find_passes", "schedule_contacts"} & set(intents))
    lacking = unknown_names(req.text) if not sats or by_station else {}
    if not sats:
        # a satellite the mission does not know is named as written (the tool reports it),
        # never replaced by the whole fleet
        sats = lacking["satellite"]
    if by_station:
        # a station the mission does not know is named as written, beside the known ones
        stations = stations + [s for s in lacking["station"] if s not in stations]
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
