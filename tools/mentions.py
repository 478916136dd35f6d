"""Satellites and ground stations a request names that the mission may not have.

A planner that meets a name it does not know passes it on as written, so that the tool
refuses it by name (``unknown satellite 'SENTINEL-9'``) and nothing else is substituted for
it (never "all"). :func:`unknown_names` finds such names in the text a reader has left after
taking every name it knows: the rules planner (:mod:`cosmo_agent.agent.intents`) calls it on
the request with its names, values and ids blanked, and Cosmo's decoder receives it from the
agent (``CosmoChatModel(unknown_names=...)``) and calls it on the request with the tools'
names blanked. One reading for both.

What is found:

- a satellite designator: Latin letters then a number ("SENTINEL-9", "KOMPSAT 9", "K9A",
  "NORAD 99999", "#99999"), or a Korean name with a number and 호 ("아리랑 9호"); not a NOAA
  scale (G3, S2, R3), a flare class (M5, X1.2), F10.7, J2, "Kp 5", a propagator (SGP4), nor
  an operations acronym or a time word before a number ("LOS 120", "HBR 20", "Tuesday 06");
- a ground station named where a station goes: a capitalised name after "over", "above",
  "at", "via", "through", "from" or "using", or before "station"; a Korean word before
  지상국, 기지국 or 상공. Words that name no station (all, time words, scales, a request's own
  verbs, demonstratives, a Korean word with a verb's or a particle's ending or the
  distributive 별, "per": 위성별 "per satellite") are never taken for one.

Times and values the tools' parser reads (:mod:`~cosmo_agent.tools.quantities`: "June 13",
"HBR 50 m") and event ids are left out first, so "on June 13" names no satellite.

>>> unknown_names("passes of SENTINEL-9 over Kourou on June 13 at 12:00 UTC")
{'satellite': ['SENTINEL-9'], 'station': ['Kourou']}
>>> unknown_names("아리랑 9호 쿠루 지상국 패스, 위성별 지상국 배정도, G3 폭풍 때")
{'satellite': ['아리랑 9호'], 'station': ['쿠루']}
>>> unknown_names("assess CONJ-0007 with HBR 20 m, AOS/LOS 3시간치")
{'satellite': [], 'station': []}
"""

from __future__ import annotations

import re
from typing import Final, get_args

from cosmo_agent.tools.events import ALIAS_PATTERN, EVENT_ID_PATTERN
from cosmo_agent.tools.quantities import QuantityKind, find_quantities, find_times

__all__ = ["unknown_names"]

# -- satellites ---------------------------------------------------------------------------------

_DESIGNATOR: Final = re.compile(
    r"(?<![A-Za-z0-9_-])(?!(?:[GSR][1-5]|[ABCMX]\d(?:\.\d)?|F10(?:\.7)?|J[2-6]|Kp\s*\d|SGP4|SDP4)(?![A-Za-z0-9]))"
    r"((?:NORAD\s*(?:ID\s*)?|#)\d{3,6}"
    r"|(?:[A-Z][A-Za-z]*|[A-Z][A-Z0-9]*(?:[- ][A-Z][A-Z0-9]*)+)[- ]?\d{1,6}[A-Z]?)"
    r"(?![A-Za-z0-9_-])"
    r"|([가-힣]+\s?\d{1,3}[A-Z]?호)"
)
# operations acronyms and time words a number follows ("LOS 120 시간", "HBR 20", "Tuesday
# 06:00"): not a designator's stem
_NOT_STEMS: Final = frozenset(
    {"AOS", "LOS", "TCA", "UTC", "KST", "TLE", "HBR", "CDM", "OMM", "OEM", "GPS", "ISO", "PT",
     "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY", "JANUARY",
     "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER",
     "NOVEMBER", "DECEMBER", "DAY", "WEEK", "STEP", "ORBIT", "REV"}
)  # fmt: skip

# -- stations -----------------------------------------------------------------------------------

_STATION_AFTER: Final = re.compile(
    r"\b(?:over|above|at|via|through|from|using)\s+"
    r"([A-Z][A-Za-z'-]+(?:\s+[A-Z][A-Za-z'-]+){0,2})(?=\s+(?:ground\s+)?station\b|[\s,.?!;]|$)"
)  # not after "the": "at the Korean barbecue place" ("over the Kiruna station": _STATION_BEFORE)
_STATION_BEFORE: Final = re.compile(
    r"\b([A-Z][A-Za-z'-]+(?:\s+[A-Z][A-Za-z'-]+){0,2})\s+(?:ground\s+)?station\b"
)
# a Korean word on its own (not "19하고") before 지상국/기지국/상공, unless the stations are all
# of them ("지상국 전부")
_STATION_KO: Final = re.compile(
    r"(?<![가-힣A-Za-z0-9])([가-힣A-Za-z]{2,})\s?(?:지상국|기지국|상공)(?!\s*(?:전부|전체|모두))"
)
# a verb's or a particle's ending, or the distributive 별 ("위성별": per satellite)
_NOT_A_STATION_KO: Final = re.compile(r"[요줘워데까니해봐고서며면로도만게가다여야어라혀려쳐래별]$")
_NOT_A_STATION: Final = re.compile(
    r"^(?:all|any|every|each|our|the|this|that|its|their|max|maximum|min|minimum|utc|kst|tca|"
    r"pc|norad|kp|noaa|swpc|today|tomorrow|tonight|now|noon|midnight|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|january|february|march|april|may|june|july|august|"
    r"september|october|november|december|least|most|once|priority|high|low|"
    r"모든|전체|전부|모두|각|우리|어느|어떤|가까운|모든지|전|해당|각각|위성|지상국|빨리|혹시|좀"
    r"|동안|시간|스케줄|일정|이상|이하|미만|초과|다른|예비"
    # a request's own verbs, written as nouns ("계산 부탁 지상국 배정도": assign stations too)
    r"|부탁|요망|바람|요청|계산|확인|예측|정리|보고|배정|예약|분석|점검|들어와"
    # demonstratives ("그걸로 지상국 배정": with those, assign stations)
    r"|그걸로|이걸로|그것으로|이것으로|그걸|이걸|그것|이것|거기|여기|그|이|저|그런|이런)$",
    re.I,
)

_EVENT: Final = re.compile(rf"(?<![A-Za-z0-9])(?:{EVENT_ID_PATTERN}|{ALIAS_PATTERN})", re.I)


def _without_values(text: str) -> str:
    """``text`` with its times, quantities and event ids blanked (positions kept)."""
    spans = [(m.start, m.end) for m in find_times(text, None)]
    for kind in get_args(QuantityKind):
        spans += [(q.start, q.end) for q in find_quantities(kind, text)]
    spans += [m.span() for m in _EVENT.finditer(text)]
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _satellites(text: str) -> list[str]:
    found = (m.group(1) or m.group(2) for m in _DESIGNATOR.finditer(text))
    return [d for d in found if re.sub(r"[\s\-]*\d+[A-Z]?$", "", d).upper() not in _NOT_STEMS]


def _stations(text: str) -> list[str]:
    found: list[tuple[int, str]] = []
    for pattern in (_STATION_AFTER, _STATION_BEFORE, _STATION_KO):
        for m in pattern.finditer(text):
            words = m.group(1).split()
            before = text[: m.start(1)].rstrip()
            if pattern is _STATION_BEFORE and (not before or before[-1] in ".!?:;"):
                continue  # a capital at a sentence's start is a verb ("Allocate station time")
            if pattern is _STATION_KO and _NOT_A_STATION_KO.search(words[0]):
                continue
            if words and not _NOT_A_STATION.match(words[0]):
                found.append((m.start(1), m.group(1)))
    return [name for _, name in sorted(found)]


def unknown_names(text: str) -> dict[str, list[str]]:
    """The satellite designators and ground stations ``text`` names, each once, in order
    (see the module), under ``"satellite"`` and ``"station"``; the caller blanks the names
    it knows first."""
    rest = _without_values(text)
    return {
        "satellite": list(dict.fromkeys(_satellites(rest))),
        "station": list(dict.fromkeys(_stations(rest))),
    }
