"""Quantities and times as operators write them, in English and Korean: one typed parser.

Tool arguments and the rules planner read values through this module, so "3 days",
"이틀", "PT90M", "90분", "within 2 km", "5킬로", "1e-4", "1 in 10,000", "10만분의 1",
"tomorrow at 03:00 UTC" or "2시간 후" mean the same everywhere.

Two ways in:

- :func:`parse_quantity` / :func:`parse_time` read a whole argument value ("3 days",
  "within 2 km"): the quantity plus filler words ("next", "within", "이내", "동안"); anything
  else left over is a :class:`QuantityError` saying what was expected.
- :func:`find_quantity` / :func:`find_times` find values inside a longer request, with their
  character spans (the rules planner blanks what it has read).

Values come back in each kind's unit (:data:`UNITS`): hours, seconds, km, m, degrees,
a probability, Mbit/s; times as timezone-aware UTC datetimes.

>>> parse_quantity("duration_h", "3 days"), parse_quantity("duration_h", "90분")
(72.0, 1.5)
>>> parse_quantity("duration_h", "PT90M"), parse_quantity("distance_km", "within 2 km")
(1.5, 2.0)
>>> parse_quantity("probability", "10만분의 1"), parse_quantity("radius_m", "0.02 km")
(1e-05, 20.0)
>>> now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
>>> parse_time("tomorrow at 03:00 UTC", now).isoformat()
'2026-06-11T03:00:00+00:00'
>>> parse_time("2시간 후", now).isoformat()
'2026-06-10T14:00:00+00:00'
>>> find_quantity("duration_h", "screen K3 over the next 2 days, 5 km").text
'2 days'
>>> try:
...     parse_quantity("duration_h", "5 km")
... except QuantityError as exc:
...     print(str(exc)[:32])
cannot read '5 km' as a duration
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

__all__ = [
    "UNITS",
    "Moment",
    "Quantity",
    "QuantityError",
    "QuantityKind",
    "find_quantities",
    "find_quantity",
    "find_times",
    "parse_quantity",
    "parse_time",
    "read_number",
]

QuantityKind = Literal[
    "duration_h",
    "duration_s",
    "step_s",
    "distance_km",
    "radius_m",
    "elevation_deg",
    "probability",
    "rate_mbps",
]
UNITS: Final[Mapping[QuantityKind, str]] = {
    "duration_h": "h",
    "duration_s": "s",
    "step_s": "s",
    "distance_km": "km",
    "radius_m": "m",
    "elevation_deg": "deg",
    "probability": "",
    "rate_mbps": "Mbit/s",
}
"""Each kind's unit: the unit its values come back in."""

_WHAT: Final[Mapping[QuantityKind, str]] = {
    "duration_h": 'a duration ("24 h", "3 days", "이틀", "PT90M", "next week")',
    "duration_s": 'a duration ("300 s", "5 minutes", "5분", "PT5M")',
    "step_s": 'a step ("60 s", "every 5 minutes", "5분 간격", "PT1M")',
    "distance_km": 'a distance ("5 km", "within 2 km", "500 m", "5킬로")',
    "radius_m": 'a radius ("15 m", "0.02 km", "HBR 20 m")',
    "elevation_deg": 'an elevation ("10°", "10 deg", "10도")',
    "probability": 'a probability ("1e-4", "1 in 10,000", "10만분의 1", "0.0001")',
    "rate_mbps": 'a data rate ("150 Mbps")',
}


class QuantityError(ValueError):
    """A value that cannot be read as the quantity or time asked for; says what would do."""


@dataclass(frozen=True)
class Quantity:
    """A value read from text: ``value`` in :data:`UNITS` ``[kind]``, where it was written."""

    kind: QuantityKind
    value: float
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Moment:
    """A time phrase found in text; ``when`` is None when it names no clock time or the
    planning clock it is relative to is unknown."""

    when: datetime | None
    start: int
    end: int
    text: str


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


def read_number(text: str) -> float | None:
    """A number as written: ``"5"``, ``"1,500"``, ``"2,5"``, ``"1e-4"``, ``"two"``, ``"세"``.

    >>> read_number("1,500"), read_number("two"), read_number("1e-4"), read_number("x")
    (1500.0, 2.0, 0.0001, None)
    """
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


def _scaled(m: re.Match[str], units: Mapping[str, float]) -> float | None:
    """``m``'s number (first non-empty unnamed group, else 1) times its ``unit`` group's scale."""
    named = set(m.re.groupindex.values())
    number = next((g for i, g in enumerate(m.groups(), 1) if g and i not in named), None)
    value = read_number(number) if number else 1.0
    unit = (m.groupdict().get("unit") or "").lower()
    scale = next((s for prefix, s in units.items() if unit.startswith(prefix)), None)
    if value is None or scale is None:
        return None
    return value * scale


# -- the patterns of each kind -------------------------------------------------------------------

_Reader = Callable[[re.Match[str]], float | None]

_SECOND_UNITS = {"초": 1.0, "분": 60.0, "시간": 3600.0, "sec": 1.0, "s": 1.0, "min": 60.0,
                 "hour": 3600.0, "hr": 3600.0, "h": 3600.0}  # fmt: skip
_STEP_UNIT = rf"(?P<unit>seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h){_NOT_LATIN}"
_STEPS = [
    re.compile(rf"\bevery\s+(?:{_NUM}|({_WORDNUM})\s+)?\s*{_STEP_UNIT}", re.I),
    re.compile(rf"{_NUM}\s*[- ]?{_STEP_UNIT}\s*(?:intervals?|steps?|spacing|cadence|resolution)",
               re.I),
    re.compile(rf"\b(?:steps?|intervals?|cadence|spacing)\s*(?:size\s*)?(?:of|=|:)?\s*{_NUM}\s*"
               rf"{_STEP_UNIT}", re.I),
    re.compile(r"\bonce\s+(?:a|an|per|every)\s+(?P<unit>second|minute|hour)\b", re.I),
    re.compile(rf"(?:{_NUM}|(?<![가-힣])({_KONUM}))\s*(?P<unit>초|분|시간)\s*"
               r"(?:간격|단위|마다|주기|스텝)"),
    re.compile(rf"(?:간격|스텝|주기)\s*(?:은|는|을|를)?\s*{_NUM}\s*(?P<unit>초|분|시간)"),
]  # fmt: skip
_HOURLY = re.compile(r"\bhourly\b", re.I)
_SECONDS = re.compile(
    rf"{_NUM}\s*[- ]?(?P<unit>seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h|초|분|시간)"
    rf"{_NOT_LATIN}",
    re.I,
)
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
_KO_POWERS = {"십": 1e1, "백": 1e2, "천": 1e3, "만": 1e4, "억": 1e8}
_PROBABILITIES: list[tuple[re.Pattern[str], _Reader]] = [
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
_HOUR_UNITS = {"시간": 1.0, "h": 1.0, "hr": 1.0, "hour": 1.0, "day": 24.0, "d": 24.0,
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
    (re.compile(r"\b(?:this|the\s+coming|next)\s+week\b|일주일|이번\s*주|다음\s*주", re.I), 168.0),
    (re.compile(r"반나절"), 12.0),
    (re.compile(r"\btoday\b|\btonight\b|오늘", re.I), 24.0),
    (re.compile(r"\btomorrow\b|내일", re.I), 48.0),
]
_RATE = re.compile(rf"{_NUM}\s*(?:mbps|mbit/s|Mb/s)", re.I)
_ISO_DURATION = re.compile(
    r"(?<![A-Za-z0-9])P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?(?![A-Za-z0-9])",
    re.I,
)


def _earliest(patterns: list[re.Pattern[str]], text: str) -> re.Match[str] | None:
    found = [m for p in patterns if (m := p.search(text))]
    return min(found, key=lambda m: (m.start(), -m.end()), default=None)


def _quantity(kind: QuantityKind, m: re.Match[str], value: float | None) -> Quantity | None:
    if value is None:
        return None
    return Quantity(kind, value, m.start(), m.end(), m.group(0))


def _iso_seconds(m: re.Match[str]) -> float | None:
    parts = [float(g) if g else 0.0 for g in m.groups()]
    if not any(m.groups()) or m.group(0).upper().endswith("T"):
        return None
    weeks, days, hours, minutes, seconds = parts
    return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds


def _find_seconds(kind: QuantityKind, text: str, steps: bool) -> Quantity | None:
    if steps:
        if m := _earliest(_STEPS, text):
            return _quantity(kind, m, _scaled(m, _SECOND_UNITS))
        if m := _HOURLY.search(text):
            return _quantity(kind, m, 3600.0)
        return None
    m = _earliest([_SECONDS], text)
    return None if m is None else _quantity(kind, m, _scaled(m, _SECOND_UNITS))


def _find_duration_h(text: str) -> Quantity | None:
    if m := _earliest(_DURATIONS, text):
        hours = _scaled(m, _HOUR_UNITS)
        if hours is not None and hours > 0:
            return _quantity("duration_h", m, hours)
    for word, days in sorted(_KO_DAYS.items(), key=lambda kv: -len(kv[0])):
        if (at := text.find(word)) >= 0:
            return Quantity("duration_h", 24.0 * days, at, at + len(word), word)
    for pattern, hours in _DURATION_WORDS:
        if m := pattern.search(text):
            return _quantity("duration_h", m, hours)
    return None


def _find_probability(text: str) -> Quantity | None:
    for pattern, reader in _PROBABILITIES:
        if (m := pattern.search(text)) and 0.0 < (p := reader(m) or 0.0) < 1.0:
            return _quantity("probability", m, p)
    return None


def find_quantity(kind: QuantityKind, text: str) -> Quantity | None:
    """The first value of ``kind`` written in ``text`` (a whole request), or None.

    Contextual kinds need their context: ``step_s`` a cadence ("every 5 minutes"),
    ``radius_m`` a hard-body radius ("HBR 20 m"), ``probability`` a form that cannot be
    another number ("1e-4", "1 in 10,000", "Pc 0.001").

    >>> find_quantity("step_s", "positions every 5 minutes for 2 hours").value
    300.0
    >>> find_quantity("radius_m", "assess CONJ-0001 with a 20 m hard-body radius").value
    20.0
    >>> find_quantity("probability", "keep Pc below 1 in 10,000").value
    0.0001
    """
    if kind == "duration_h":
        return _find_duration_h(text)
    if kind in ("duration_s", "step_s"):
        return _find_seconds(kind, text, steps=kind == "step_s")
    if kind == "distance_km":
        m = _earliest(_DISTANCES, text)
        return None if m is None else _quantity(kind, m, _scaled(m, _LENGTH_UNITS))
    if kind == "radius_m":
        m = _earliest(_HBR, text)
        km = None if m is None else _scaled(m, _LENGTH_UNITS)
        return None if m is None or km is None else _quantity(kind, m, round(km * 1000.0, 9))
    if kind == "elevation_deg":
        m = _ELEVATION.search(text)
        return None if m is None else _quantity(kind, m, read_number(m[1]))
    if kind == "probability":
        return _find_probability(text)
    m = _RATE.search(text)
    return None if m is None else _quantity(kind, m, read_number(m[1]))


def find_quantities(kind: QuantityKind, text: str) -> list[Quantity]:
    """Every value of ``kind`` written in ``text``, in the order written (each stretch of text
    read once; see :func:`find_quantity`).

    >>> [q.value for q in find_quantities("distance_km", "within 2 km, or 500 m if you can")]
    [2.0, 0.5]
    """
    rest, found = text, []
    while (q := find_quantity(kind, rest)) is not None and q.end > q.start:
        found.append(Quantity(kind, q.value, q.start, q.end, text[q.start : q.end]))
        rest = rest[: q.start] + " " * (q.end - q.start) + rest[q.end :]
    return sorted(found, key=lambda q: q.start)


# -- whole values -------------------------------------------------------------------------------

# Words around a value that say nothing more about it ("over the next 3 days", "2 km 이내").
_FILLER = re.compile(
    r"^(?:\s|[,.;:~≈()]|\b(?:the|next|coming|within|in|for|over|about|around|approx(?:imately)?"
    r"|roughly|up|to|under|below|less|than|at|most|of|every|each|a|an|per|max(?:imum)?"
    r"|min(?:imum)?|only|just|threshold|radius|hbr|pc|probability|elevation|above|step"
    r"|interval|duration|window|horizon|distance|miss|combined|hard[- ]body|from|now|later"
    r"|mask)\b|다음|향후|앞으로|이내|안에|안|동안|간|약|대략|정도|이하|미만|까지|마다|간격|기준"
    r"|의|로|으로|은|는|을|를|이|가|에|에서|확률|반경|고도각|앙각)*$",
    re.I,
)


def _only_filler(text: str, q_start: int, q_end: int) -> bool:
    return bool(_FILLER.match(text[:q_start]) and _FILLER.match(text[q_end:]))


def _rescaled(kind: QuantityKind, q: Quantity | None, factor: float) -> Quantity | None:
    return None if q is None else Quantity(kind, q.value * factor, q.start, q.end, q.text)


def _whole(kind: QuantityKind, text: str) -> float | None:
    """The value when ``text`` is one quantity of ``kind`` (a bare number in the kind's unit)."""
    if (number := read_number(text)) is not None and text.strip():
        return number
    if kind in ("duration_h", "duration_s", "step_s") and (m := _ISO_DURATION.search(text)):
        seconds = _iso_seconds(m)
        if seconds is not None and _only_filler(text, m.start(), m.end()):
            return seconds / 3600.0 if kind == "duration_h" else seconds
    candidates: list[Quantity | None] = [find_quantity(kind, text)]
    if kind == "step_s":
        candidates.append(_find_seconds(kind, text, steps=False))
    if kind == "duration_s":
        candidates.append(_rescaled(kind, _find_duration_h(text), 3600.0))
    if kind == "duration_h":
        candidates.append(_rescaled(kind, _find_seconds("duration_s", text, False), 1 / 3600))
    if kind == "radius_m":
        m = _earliest(_DISTANCES, text)
        km = None if m is None else _scaled(m, _LENGTH_UNITS)
        candidates.append(None if m is None or km is None else _quantity(kind, m, km * 1e3))
    if kind == "probability":
        for pattern, reader in _PROBABILITIES:
            if (m := pattern.search(text)) and (p := reader(m)) is not None:
                candidates.append(_quantity(kind, m, p))
    for q in candidates:
        if q is not None and _only_filler(text, q.start, q.end):
            return q.value
    return None


def parse_quantity(kind: QuantityKind, text: str | float) -> float:
    """``text`` read as one value of ``kind``, in :data:`UNITS` ``[kind]``; a number is taken
    as already in that unit. Raises :class:`QuantityError` naming what was expected.

    >>> parse_quantity("step_s", "every 5 minutes"), parse_quantity("step_s", 30)
    (300.0, 30.0)
    >>> parse_quantity("elevation_deg", "10도"), parse_quantity("duration_h", "next week")
    (10.0, 168.0)
    """
    if isinstance(text, bool):
        raise QuantityError(f"cannot read {text!r} as {_WHAT[kind]}")
    if isinstance(text, int | float):
        return float(text)
    value = _whole(kind, text)
    if value is None:
        raise QuantityError(
            f"cannot read {text!r} as {_WHAT[kind]}: write a number in {UNITS[kind] or 'units'}"
            " or a value with its unit"
        )
    return value


# -- times (absolute and relative to the planning clock) ----------------------------------------

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
    # no year written: the one that puts the date closest to the planning clock
    years = (now.year - 1, now.year, now.year + 1)
    dates = [d for y in years if (d := _at(y, month, int(m[2]), *clock)) is not None]
    return min(dates, key=lambda d: abs(d - now), default=None)


def _tomorrow(m: re.Match[str], now: datetime | None) -> datetime | None:
    if now is None:
        return None
    day = now + timedelta(days=1)
    return _at(day.year, day.month, day.day, int(m[1]), int(m[2]), int(m[3] or 0))


def _next_clock(m: re.Match[str], now: datetime | None) -> datetime | None:
    """A clock time without a date: its next occurrence after the planning clock."""
    if now is None:
        return None
    h, mi, sec = (int(g) for g in (m[1] or m[4], m[2] or m[5], m[3] or m[6] or 0))
    when = _at(now.year, now.month, now.day, h, mi, sec)
    return when + timedelta(days=1) if when is not None and when < now else when


def _later(unit_s: float) -> Callable[[re.Match[str], datetime | None], datetime | None]:
    def resolve(m: re.Match[str], now: datetime | None) -> datetime | None:
        value = read_number(next(g for g in m.groups() if g))
        return None if now is None or value is None else now + timedelta(seconds=value * unit_s)

    return resolve


def _unresolved(m: re.Match[str], now: datetime | None) -> datetime | None:
    return None  # a date without a clock time: recognised (so it is no duration), not used


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


def find_times(text: str, now: datetime | None) -> list[Moment]:
    """Every time phrase in ``text``, in text order, each resolved against ``now`` (UTC).

    Phrases do not overlap: each pattern is tried on the text left by the ones before it.

    >>> now = datetime(2026, 6, 10, tzinfo=UTC)
    >>> [m.when.isoformat() for m in find_times("K5 safe mode in 2 hours", now)]
    ['2026-06-10T02:00:00+00:00']
    """
    clock = now.astimezone(UTC) if now is not None else None
    rest = text
    found: list[Moment] = []
    for pattern, resolve in _TIMES:
        while m := pattern.search(rest):
            found.append(Moment(resolve(m, clock), m.start(), m.end(), m.group(0)))
            rest = rest[: m.start()] + " " * (m.end() - m.start()) + rest[m.end() :]
    return sorted(found, key=lambda f: f.start)


def parse_time(text: str | datetime, now: datetime | None) -> datetime:
    """``text`` read as one time (UTC): ISO 8601 with a zone, or a phrase relative to
    ``now`` ("in 2 hours", "tomorrow at 03:00 UTC", "2시간 후", "now").

    >>> parse_time("2026-06-11T03:00:00Z", None).isoformat()
    '2026-06-11T03:00:00+00:00'
    """
    if isinstance(text, datetime):
        if text.tzinfo is None:
            raise QuantityError(f"time {text.isoformat()} has no time zone; give it in UTC")
        return text.astimezone(UTC)
    stripped = text.strip()
    if re.fullmatch(r"now|지금|현재", stripped, re.I):
        if now is None:
            raise QuantityError(f"{text!r} needs the planning clock, which is not known here")
        return now.astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(stripped.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is not None:
        if parsed.tzinfo is None:
            raise QuantityError(
                f"time {text!r} has no time zone; write it in UTC, e.g. {stripped}Z"
            )
        return parsed.astimezone(UTC)
    moments = find_times(stripped, now)
    if len(moments) == 1 and _only_filler(stripped, moments[0].start, moments[0].end):
        if moments[0].when is not None:
            return moments[0].when
        if now is None:
            raise QuantityError(f"{text!r} needs the planning clock, which is not known here")
    raise QuantityError(
        f"cannot read {text!r} as a time: write ISO 8601 UTC (2026-06-11T03:00:00Z) or a phrase"
        ' such as "in 2 hours", "tomorrow at 03:00 UTC", "2시간 후"'
    )
