"""Template slots of the Cosmo corpus: surface text for each slot and the argument it stands for.

:func:`fill` writes a phrasing template (:mod:`cosmo_agent.model.phrasings`,
:mod:`cosmo_agent.model.phrasebook`) for a teacher's world: satellite and station names, aliases
and NORAD ids, durations, thresholds, elevations, steps, times relative to the world's clock,
event ids, hard-body radii, target Pc and miss distances, objectives and commands, each in one
of several spellings per language, with the value an intended call carries.

>>> import random
>>> world = {"satellites": [{"id": "25544", "name": "ISS (ZARYA)", "aliases": ["ISS"]}]}
>>> text, args = fill("Propagate {sat} {dur}", world, random.Random(0), "en")
>>> sorted(args), args["satellites"] in (["ISS (ZARYA)"], ["ISS"], ["25544"])
(['duration_h', 'satellites'], True)
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cosmo_agent.model.phrasings import Lang

__all__ = ["DEFAULT_COMMANDS", "DEFAULT_NOW_UTC", "fill", "iso_utc"]

DEFAULT_NOW_UTC = datetime(2026, 6, 10, 0, 0, tzinfo=UTC)
"""The clock relative times are written against when the world has no ``"now"``."""
# Commands every bundled dictionary (tools/data/commands) has, with no required parameter.
DEFAULT_COMMANDS = ("NOOP", "TIME_SYNC", "SAFE_MODE_ENTER", "SAFE_MODE_EXIT", "STOP_DOWNLINK")

_SLOT_RE = re.compile(r"\{(\w+)\}")


# --------------------------------------------------------------------------------------------
# Slot surfaces: each returns (surface text, argument value).

_EN_NUM = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    10: "ten",
    12: "twelve",
    20: "twenty",
}
_KO_NATIVE_COUNT = {1: "한", 2: "두", 3: "세", 4: "네", 5: "다섯", 6: "여섯", 12: "열두"}
_KO_DAYS = {1: "하루", 2: "이틀", 3: "사흘", 4: "나흘", 5: "닷새", 7: "일주일"}


def _num(x: float) -> str:
    """Shortest plain decimal: 5.0 -> '5', 0.5 -> '0.5'."""
    return f"{x:g}" if abs(x) < 1e6 else f"{x:.0f}"


def _grouped(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else _num(x)


def _duration(rng: random.Random, lang: Lang) -> tuple[str, float]:
    hours = rng.choice((1, 2, 3, 6, 12, 24, 24, 24, 36, 48, 48, 72, 96, 120, 168))
    days = hours // 24 if hours % 24 == 0 else 0
    if lang == "en":
        if hours == 1:
            return rng.choice(("for an hour", "for 1 hour", "over the next hour", "for 1 h")), 1.0
        if days == 1 and rng.random() < 0.4:
            forms = ("for a day", "over the next day", "for one day", "within a day")
            return rng.choice(forms), 24.0
        if days == 7 and rng.random() < 0.4:
            return rng.choice(("for a week", "over the next week", "for one week")), 168.0
        nouns = [f"{hours} h", f"{hours} hours", f"{hours}h", f"{hours} hrs"]
        if hours in _EN_NUM:
            nouns.append(f"{_EN_NUM[hours]} hours")
        if days > 1:
            nouns.append(f"{days} days")
            if days in _EN_NUM:
                nouns.append(f"{_EN_NUM[days]} days")
        lead = rng.choice(("for ", "over the next ", "for the next ", "in the next ", "for "))
        return lead + rng.choice(nouns), float(hours)
    nouns = [f"{hours}시간", f"{hours} 시간"]
    if hours in _KO_NATIVE_COUNT:
        nouns.append(f"{_KO_NATIVE_COUNT[hours]} 시간")
    if days:
        nouns.append(f"{days}일")
        if days in _KO_DAYS:
            nouns += [_KO_DAYS[days]] * 2
    noun = rng.choice(nouns)
    form = rng.choice(("{} 동안", "앞으로 {} 동안", "향후 {}", "{}치", "앞으로 {}"))
    return form.format(noun), float(hours)


def _threshold(rng: random.Random, lang: Lang) -> tuple[str, float]:
    km = rng.choice((0.5, 1.0, 2.0, 2.5, 5.0, 5.0, 10.0, 20.0, 25.0, 50.0))
    m = km * 1000
    if lang == "en":
        amount = rng.choice(
            [f"{_num(km)} km", f"{_num(km)} kilometers", f"{_num(km)}km", f"{_grouped(m)} m"]
            + [f"{_grouped(m)} meters"]
            + ([f"{_EN_NUM[int(km)]} kilometres"] if km in _EN_NUM else [])
        )
        lead = rng.choice(("within ", "inside ", "closer than ", "under ", "within "))
        return lead + amount, km
    amount = rng.choice(
        (
            f"{_num(km)}km",
            f"{_num(km)}킬로",
            f"{_num(km)}킬로미터",
            f"{_grouped(m)}m",
            f"{_num(m)}미터",
        )
    )
    return amount + rng.choice((" 이내", " 이내", " 안쪽")), km


def _elevation(rng: random.Random, lang: Lang) -> tuple[str, float]:
    deg = float(rng.choice((5, 10, 10, 15, 20, 25, 30, 45)))
    d = _num(deg)
    if lang == "en":
        return rng.choice(
            (
                f"above {d}°",
                f"above {d} degrees elevation",
                f"with at least {d} deg elevation",
                f"with a {d}° elevation mask",
                f"higher than {d} degrees",
            )
        ), deg
    forms = (f"앙각 {d}도 이상", f"고도각 {d}° 이상", f"{d}도 이상", f"앙각 {d}° 넘는 것")
    return rng.choice(forms), deg


def _step(rng: random.Random, lang: Lang) -> tuple[str, float]:
    seconds = rng.choice((10, 30, 60, 60, 120, 300, 600, 900, 1800, 3600))
    minutes = seconds // 60 if seconds % 60 == 0 else 0
    if lang == "en":
        forms = [f"every {seconds} s", f"at {seconds}-second intervals", f"with a {seconds} s step"]
        if minutes:
            unit = "minute" if minutes == 1 else "minutes"
            forms += [f"every {minutes} {unit}", f"with a {minutes}-minute step"]
        if seconds == 60:
            forms.append("once a minute")
        if seconds == 3600:
            forms.append("hourly")
        return rng.choice(forms), float(seconds)
    forms = [f"{seconds}초 간격으로", f"{seconds}초 단위로"]
    if minutes:
        forms += [f"{minutes}분 간격으로", f"{minutes}분 단위로"]
    if seconds == 3600:
        forms.append("한 시간 간격으로")
    return rng.choice(forms), float(seconds)


def iso_utc(t: datetime) -> str:
    """``t`` in UTC as ``YYYY-MM-DDTHH:MM:SSZ``, the form intended calls carry."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _time_core(rng: random.Random, lang: Lang, now: datetime) -> tuple[str, str, bool]:
    """(surface, ISO value, relative?) for a time in the next few days."""
    kind = rng.choice(("iso", "iso_t", "words", "tomorrow", "in_hours"))
    if kind == "in_hours":
        hours = rng.choice((1, 2, 3, 6, 12))
        t = now + timedelta(hours=hours)
        if lang == "en":
            return rng.choice((f"in {hours} hours", f"{hours} h from now")).replace(
                "in 1 hours", "in 1 hour"
            ), iso_utc(t), True
        return rng.choice((f"{hours}시간 후", f"지금부터 {hours}시간 뒤")), iso_utc(t), True
    hour = rng.choice((0, 3, 6, 9, 12, 15, 18, 21))
    if kind == "tomorrow":
        t = (now + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
        if lang == "en":
            return f"tomorrow at {hour:02d}:00 UTC", iso_utc(t), True
        return f"내일 {hour:02d}:00(UTC)", iso_utc(t), True
    day = rng.choice((1, 2, 3))
    t = (now + timedelta(days=day)).replace(hour=hour, minute=0, second=0, microsecond=0)
    if kind == "iso":
        return t.strftime("%Y-%m-%d %H:%M UTC"), iso_utc(t), False
    if kind == "iso_t":
        return t.strftime("%Y-%m-%dT%H:%MZ"), iso_utc(t), False
    if lang == "en":
        return f"{_EN_MONTHS[t.month - 1]} {t.day} at {t.hour:02d}:00 UTC", iso_utc(t), False
    return f"{t.year}년 {t.month}월 {t.day}일 {t.hour:02d}시(UTC)", iso_utc(t), False


def _start(rng: random.Random, lang: Lang, now: datetime) -> tuple[str, str]:
    core, value, relative = _time_core(rng, lang, now)
    if lang == "en":
        if relative:
            return f"starting {core}", value
        return rng.choice(("starting ", "from ", "beginning ")) + core, value
    return core + "부터", value


def _when(rng: random.Random, lang: Lang, now: datetime) -> tuple[str, str]:
    core, value, relative = _time_core(rng, lang, now)
    if lang == "en":
        if relative or core.startswith(tuple(_EN_MONTHS)):
            return (core if relative else "on " + core), value
        return "at " + core, value
    return core + "에", value


def _hbr(rng: random.Random, lang: Lang) -> tuple[str, float]:
    m = float(rng.choice((5, 10, 15, 20, 20, 30, 50)))
    if lang == "en":
        return rng.choice(
            (
                f"with a {_num(m)} m hard-body radius",
                f"using HBR = {_num(m)} m",
                f"assuming a {_num(m / 1000)} km combined radius",
                f"with a {_num(m)}-meter hard body",
            )
        ), m
    v = _num(m)
    forms = (f"충돌 반경 {v}m로", f"HBR {v}미터 기준으로", f"결합 반경 {v} m 가정하고")
    return rng.choice(forms), m


_PC_WORDS_EN = {1e-4: "1 in 10,000", 1e-5: "1 in 100,000", 1e-6: "one in a million"}
_PC_WORDS_KO = {1e-4: "만분의 1", 1e-5: "10만분의 1", 1e-6: "100만분의 1", 1e-7: "1000만분의 1"}


def _maxpc(rng: random.Random, lang: Lang) -> tuple[str, float]:
    exp = rng.choice((4, 5, 5, 6, 7))
    pc = 10.0**-exp
    numerals = [f"1e-{exp}", f"1e-{exp:02d}", f"10^-{exp}", f"1x10^-{exp}", f"{pc:.{exp}f}"]
    if lang == "en":
        if pc in _PC_WORDS_EN:
            numerals.append(_PC_WORDS_EN[pc])
        amount = rng.choice(numerals)
        return rng.choice(
            (f"to get Pc below {amount}", f"so that Pc < {amount}", f"keeping Pc under {amount}")
        ), pc
    amount = rng.choice(numerals + [_PC_WORDS_KO[pc]] * 2)
    return rng.choice(
        (f"Pc를 {amount} 이하로", f"충돌 확률을 {amount} 이하로", f"Pc를 {amount} 미만으로")
    ), pc


def _miss(rng: random.Random, lang: Lang) -> tuple[str, float]:
    km = float(rng.choice((0.5, 1, 2, 2, 5, 10)))
    m = km * 1000
    if lang == "en":
        amount = rng.choice((f"{_num(km)} km", f"{_grouped(m)} m", f"{_num(km)} kilometers"))
        return rng.choice(
            (
                f"for a {amount} miss distance",
                f"to open the miss distance to {amount}",
                f"targeting {amount} of separation",
            )
        ), km
    amount = rng.choice((f"{_num(km)}km", f"{_num(km)}킬로", f"{_grouped(m)}m"))
    forms = (
        f"최근접 거리 {amount} 확보하도록",
        f"{amount} 이상 벌어지게",
        f"이격 거리 {amount} 목표로",
    )
    return rng.choice(forms), km


def _objective(rng: random.Random, lang: Lang) -> tuple[str, str]:
    objective = rng.choice(("max_volume", "max_priority"))
    surfaces = {
        ("en", "max_volume"): ("to maximize downlink volume", "maximizing data volume"),
        ("en", "max_priority"): ("by priority", "favoring high-priority satellites"),
        ("ko", "max_volume"): ("다운링크 용량 최대로", "데이터량 최대화 기준으로"),
        ("ko", "max_priority"): ("우선순위 기준으로", "우선순위 높은 위성 위주로"),
    }
    return rng.choice(surfaces[(lang, objective)]), objective


_HANGUL_RE = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")


def _aliases(obj: Mapping[str, Any], lang: Lang) -> list[str]:
    """The object's aliases usable in ``lang`` (English requests skip Hangul aliases)."""
    names = [str(a) for a in obj.get("aliases", ())]
    return names if lang == "ko" else [a for a in names if not _HANGUL_RE.search(a)]


def _ref_surfaces(obj: Mapping[str, Any], kind: str, lang: Lang) -> list[tuple[str, str]]:
    """(surface, enum value) pairs naming one satellite or station."""
    pairs = [(str(obj["name"]), str(obj["name"]))]
    pairs += [(a, a) for a in _aliases(obj, lang)]
    ident = str(obj["id"])
    if kind == "satellite" and ident.isdigit():
        pairs.append((ident, ident))
        pairs.append((f"NORAD {ident}", ident))
        if lang == "en":
            pairs.append((f"#{ident}", ident))
    elif ident != obj["name"]:
        pairs.append((ident, ident))
    return pairs


def _pick_refs(
    rng: random.Random, items: Sequence[Mapping[str, Any]], count: int, kind: str, lang: Lang
) -> tuple[list[str], list[str]]:
    """Surfaces and enum values for ``count`` distinct objects: mostly names and aliases."""
    chosen = rng.sample(list(items), k=min(count, len(items)))
    surfaces, values = [], []
    for obj in chosen:
        pairs = _ref_surfaces(obj, kind, lang)
        aliases = [(a, a) for a in _aliases(obj, lang)]
        u = rng.random()
        if u < 0.45 or (u < 0.8 and not aliases):
            surface, value = pairs[0]
        elif u < 0.8:
            surface, value = rng.choice(aliases)
        else:
            surface, value = rng.choice(pairs)
        surfaces.append(surface)
        values.append(value)
    return surfaces, values


def _join(rng: random.Random, words: Sequence[str], lang: Lang) -> str:
    if len(words) == 1:
        return words[0]
    if lang == "en":
        if rng.random() < 0.3:
            return ", ".join(words)
        return ", ".join(words[:-1]) + " and " + words[-1]
    if rng.random() < 0.4:
        return ", ".join(words)
    head = ", ".join(words[:-1])
    return head + rng.choice(("[과/와] ", "[이랑/랑] ", " 그리고 ")) + words[-1]


_ALL_SATS = {
    "en": ("all satellites", "the whole fleet", "every satellite", "the fleet", "all our birds"),
    "ko": ("전체 위성", "모든 위성", "우리 위성 전부", "위성 전체"),
}
_ALL_STATIONS = {
    "en": ("all stations", "every ground station", "all our ground stations"),
    "ko": ("모든 지상국", "전체 지상국", "지상국 전부"),
}


# --------------------------------------------------------------------------------------------
# The world's commands, event ids and clock.


def _commands(world: Mapping[str, Any]) -> list[str]:
    if world.get("commands"):
        return [str(c) for c in world["commands"]]
    for tool in world.get("tools", ()):
        fn = tool.get("function", tool)
        if fn.get("name") != "propose_commands":
            continue
        try:
            prop = fn["parameters"]["properties"]["commands"]["items"]["properties"]["command"]
        except (KeyError, TypeError):
            break
        if prop.get("enum"):
            return [str(c) for c in prop["enum"]]
    return list(DEFAULT_COMMANDS)


def _event_ids(world: Mapping[str, Any], rng: random.Random) -> str:
    if world.get("event_ids"):
        return str(rng.choice(list(world["event_ids"])))
    return f"CONJ-{rng.randrange(1, 100):04d}"  # the registry's event id format


def _now(world: Mapping[str, Any]) -> datetime:
    if world.get("now"):
        return datetime.fromisoformat(str(world["now"]).replace("Z", "+00:00")).astimezone(UTC)
    return DEFAULT_NOW_UTC


def fill(
    template: str, world: Mapping[str, Any], rng: random.Random, lang: Lang
) -> tuple[str, dict[str, Any]]:
    """``template`` with its slots written for ``world`` and the argument values they stand for
    (``{"satellites": [...], "duration_h": 48.0, ...}``); Korean particles are left unresolved."""
    values: dict[str, str] = {}
    args: dict[str, Any] = {}
    sats = list(world.get("satellites", ()))
    stations = list(world.get("stations", ()))
    now = _now(world)
    for slot in _SLOT_RE.findall(template):
        if slot in values:
            continue
        if slot in ("sat", "sats"):
            count = 1 if slot == "sat" else rng.choice((2, 2, 3))
            surfaces, refs = _pick_refs(rng, sats, count, "satellite", lang)
            values[slot] = _join(rng, surfaces, lang)
            args["satellites"] = refs
        elif slot == "fleet":
            values[slot] = rng.choice(_ALL_SATS[lang])
            args["satellites"] = "all"
        elif slot in ("station", "stations"):
            count = 1 if slot == "station" else rng.choice((2, 2, 3))
            surfaces, refs = _pick_refs(rng, stations, count, "station", lang)
            values[slot] = _join(rng, surfaces, lang)
            args["stations"] = refs
        elif slot == "allst":
            values[slot] = rng.choice(_ALL_STATIONS[lang])
            args["stations"] = "all"
        elif slot == "dur":
            values[slot], args["duration_h"] = _duration(rng, lang)
        elif slot == "thr":
            values[slot], args["threshold_km"] = _threshold(rng, lang)
        elif slot == "elev":
            values[slot], args["min_elevation_deg"] = _elevation(rng, lang)
        elif slot == "step":
            values[slot], args["step_s"] = _step(rng, lang)
        elif slot == "start":
            values[slot], args["start"] = _start(rng, lang, now)
        elif slot == "time":
            values[slot], args["time"] = _when(rng, lang, now)
        elif slot == "event":
            values[slot] = args["event_id"] = _event_ids(world, rng)
        elif slot == "hbr":
            values[slot], args["hard_body_radius_m"] = _hbr(rng, lang)
        elif slot == "maxpc":
            values[slot], args["max_pc"] = _maxpc(rng, lang)
        elif slot == "miss":
            values[slot], args["target_miss_km"] = _miss(rng, lang)
        elif slot == "obj":
            values[slot], args["objective"] = _objective(rng, lang)
        elif slot == "cmd":
            values[slot] = args["command"] = rng.choice(_commands(world))
        else:  # pragma: no cover - guarded by test_templates_use_known_slots
            raise KeyError(f"unknown template slot {{{slot}}}")
    return template.format(**values), args
