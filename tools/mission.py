r"""Mission files: the fleet, its ground stations, data sources, horizon, policies and objectives.

A mission is YAML validated into pydantic models; :func:`load_mission` reports every
mistake with the YAML path and line so that an operator can fix the file directly.
``Mission.model_json_schema()`` is the published JSON Schema (``cosmo-agent mission-schema``).

>>> text = '''
... name: doc
... fleet:
...   - {norad_id: 33591, name: NOAA 19, aliases: [N19, 노아19], class: weather}
... stations:
...   - {id: DAEJEON, name: Daejeon, aliases: [대전], lat_deg: 36.37, lon_deg: 127.36,
...      antennas: [{id: DJ-1}]}
... sources: {catalog: ["bundled:sample-leo.3le"]}
... '''
>>> m = parse_mission(text)
>>> m.satellite("노아19").norad_id, m.station("daejeon").id
(33591, 'DAEJEON')
>>> parse_mission("name: x\nfleet: []\nsources: {catalog: [a.tle]}\n")
Traceback (most recent call last):
...
cosmo_agent.tools.mission.MissionError: <mission>: 1 problem(s) in the mission file:
  line 2: fleet: List should have at least 1 item after validation, not 0

A mission that cannot mean one thing is refused, every problem with its line:

>>> parse_mission(text.replace("N19,", "N19, 대전,").replace("weather", "warp-drive"))
Traceback (most recent call last):
...
cosmo_agent.tools.mission.MissionError: <mission>: 2 problem(s) in the mission file:
  line 6: stations[0].aliases[0]: alias '대전' is already used by satellite 33591 'NOAA 19' ...
  line 4: fleet[0].class: class 'warp-drive' has no command dictionary; use one of eo-imager, ...
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from cosmo_agent.tools.spaceweather import DEFAULT_ALERT_RULES, AlertRule
from cosmo_agent.tools.storage import is_object_url, join_url, read_bytes

__all__ = [
    "AmbiguousName",
    "Antenna",
    "ApprovalPolicy",
    "DataSources",
    "GroundStation",
    "Horizon",
    "Mission",
    "MissionError",
    "Objective",
    "Policies",
    "Satellite",
    "Window",
    "bundled_missions",
    "load_mission",
    "parse_mission",
]

_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")

Sensitivity = Literal["radiation", "drag", "thermal", "power", "optics"]
"""What a satellite is sensitive to; space-weather alert rules select on these."""

ObjectiveKind = Literal[
    "fleet_status",
    "screen_conjunctions",
    "avoid_conjunctions",
    "space_weather_watch",
    "find_passes",
    "schedule_downlinks",
    "commands",
]
"""Structured objective kinds: each maps to steps of the rules planner's playbook."""


def _aware(value: datetime, where: str) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{where} has no timezone; write it as e.g. 2026-06-10T12:00:00Z")
    return value.astimezone(UTC)


_INVISIBLE = {
    0x061C: "an Arabic letter mark",
    0x200B: "a zero-width space",
    0x200E: "a left-to-right mark",
    0x200F: "a right-to-left mark",
    0x2028: "a line separator",
    0x2029: "a paragraph separator",
    **dict.fromkeys(range(0x202A, 0x202F), "a bidirectional embedding or override"),
    0x2060: "a word joiner",
    **dict.fromkeys(range(0x2066, 0x206A), "a bidirectional isolate"),
    0xFEFF: "a zero-width no-break space",
}
"""Invisible characters that move or hide text when a name is printed (besides C0/C1 controls)."""

_CONTROL_NAMES = {0x09: "tab", 0x0A: "line feed", 0x0D: "carriage return", 0x00: "NUL"}


def _unsafe_character(text: str) -> str | None:
    """What the first character of ``text`` that must not be printed raw is, or None."""
    for ch in text:
        cp = ord(ch)
        if unicodedata.category(ch) == "Cc":
            name = _CONTROL_NAMES.get(cp)
            return f"a control character (U+{cp:04X}{', ' + name if name else ''})"
        if cp in _INVISIBLE:
            return f"{_INVISIBLE[cp]} (U+{cp:04X})"
    return None


def _printable_name(value: object) -> object:
    """Names are printed into briefings, plans and prompts: one visible line, no padding.

    It runs before the field's own checks (an id's pattern), which do not say what to do.
    """
    if not isinstance(value, str):
        return value  # the str validation that follows explains what is wrong
    bad = _unsafe_character(value)
    if bad is not None:
        raise ValueError(
            f"{value!r} contains {bad}; names are printed into briefings and plans, so remove it"
        )
    if value != value.strip():
        raise ValueError(f"{value!r} starts or ends with whitespace; write it as {value.strip()!r}")
    return value


Name = Annotated[str, BeforeValidator(_printable_name)]
"""A satellite, station or antenna name, alias or id: no control or invisible characters
(line breaks, bidirectional overrides, zero-width spaces) and no leading or trailing whitespace."""


def _name_key(name: str) -> str:
    """How names are compared for uniqueness: case-insensitive, runs of whitespace as one space."""
    return " ".join(name.split()).casefold()


class AmbiguousName(KeyError):
    """A loosely written name that fits more than one satellite or station; ``candidates``
    are their names."""

    def __init__(self, key: str, candidates: Sequence[str]) -> None:
        super().__init__(f"{key!r} could be any of {', '.join(candidates)}; name one of them")
        self.key = key
        self.candidates = tuple(candidates)


def _loose_key(name: str) -> str:
    """A name as people may write it: case, whitespace, ``-``, ``_`` and ``.`` ignored, and a
    ``NORAD``/``#`` prefix before an id dropped."""
    key = re.sub(r"[\s_.\-]+", "", name).casefold()
    bare = re.sub(r"^(?:norad(?:id)?|#)", "", key)
    return bare if bare.isdigit() else key


def _lookup(key: str | int, entries: Sequence[tuple[_T, Sequence[str]]]) -> _T | None:
    """The entry one of whose names is ``key``: exactly (case aside) first, then loosely."""
    exact = str(key).strip().casefold()
    for entry, names in entries:
        if exact in {n.casefold() for n in names}:
            return entry
    loose = _loose_key(str(key))
    if not loose:
        return None
    hits = [(entry, names) for entry, names in entries if loose in {_loose_key(n) for n in names}]
    if len(hits) > 1:
        raise AmbiguousName(str(key), [names[1] for _, names in hits])
    return hits[0][0] if hits else None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Window(_Model):
    """A UTC time window (e.g. a station maintenance blackout)."""

    start: datetime
    end: datetime
    reason: str = ""

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return _aware(v, "window time")

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("end must be after start; swap them")
        return self


class Antenna(_Model):
    """One antenna of a ground station."""

    id: Name = Field(min_length=1, max_length=64)
    downlink_rate_mbps: float = Field(default=100.0, gt=0.0, le=100_000.0)
    uplink: bool = True


class GroundStation(_Model):
    """A ground station: position, visibility limits, antennas and maintenance blackouts."""

    id: Name = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: Name = Field(min_length=1, max_length=128)
    aliases: list[Name] = Field(default_factory=list)
    lat_deg: float = Field(ge=-90.0, le=90.0)
    lon_deg: float = Field(ge=-180.0, le=360.0)
    alt_m: float = Field(default=0.0, ge=-500.0, le=9000.0)
    min_elevation_deg: float = Field(default=10.0, ge=0.0, le=90.0)
    horizon_mask: list[tuple[float, float]] = Field(
        default_factory=list,
        description="(azimuth_deg, min_elevation_deg) points, interpolated in azimuth",
    )
    antennas: list[Antenna] = Field(min_length=1)
    turnaround_s: float = Field(default=120.0, ge=0.0, le=3600.0)
    min_contact_s: float = Field(default=120.0, ge=0.0, le=3600.0)
    blackouts: list[Window] = Field(default_factory=list)

    @field_validator("antennas")
    @classmethod
    def _unique_antennas(cls, v: list[Antenna]) -> list[Antenna]:
        first: dict[str, int] = {}
        problems: list[_Problem] = []
        for j, antenna in enumerate(v):
            k = first.setdefault(_name_key(antenna.id), j)
            if k != j:
                msg = (
                    f"antenna id {antenna.id!r} is already used by antennas[{k}] of this station,"
                    " ignoring case and spacing; give each antenna of the station its own id"
                )
                problems.append(((j, "id"), msg))
        if problems:
            raise _located(problems)
        return v

    @field_validator("horizon_mask")
    @classmethod
    def _mask(cls, v: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for az, el in v:
            if not (0.0 <= az <= 360.0 and 0.0 <= el <= 90.0):
                raise ValueError(f"horizon_mask point ({az}, {el}) needs 0<=az<=360, 0<=el<=90")
        return sorted(v)


class Satellite(_Model):
    """A satellite of the fleet. ``sat_class`` names its command dictionary; ``ephemeris``,
    an OEM file, replaces its element set's propagation (it must cover the tools' windows)."""

    norad_id: int = Field(ge=1, le=999_999_999)
    name: Name = Field(min_length=1, max_length=128)
    aliases: list[Name] = Field(default_factory=list)
    sat_class: Name = Field(alias="class", min_length=1, max_length=64)
    maneuverable: bool = False
    hard_body_radius_m: float = Field(default=5.0, gt=0.0, le=1000.0)
    sensitivities: list[Sensitivity] = Field(default_factory=list)
    priority: int = Field(default=1, ge=1, le=10)
    contacts_per_day: int = Field(default=2, ge=0, le=48)
    ballistic_coefficient_m2_kg: float = Field(default=0.01, gt=0.0, le=1.0)
    ephemeris: str | None = Field(
        default=None,
        min_length=1,
        description="a CCSDS OEM file (KVN or XML; relative to the mission file) that the"
        " tools interpolate for this satellite instead of propagating its element set",
    )


class DataSources(_Model):
    """Where data comes from. Relative paths are relative to the mission file.

    ``catalog``: element files (TLE/3LE or OMM), directories of them (every file with an element
    suffix, in name order) or ``http(s)://`` URLs;
    ``space_weather``: a file, directory of snapshots or URL (default: the bundled sample);
    ``command_dictionaries``: satellite class -> YAML file (default: the bundled dictionaries).
    """

    catalog: list[str] = Field(min_length=1)
    space_weather: str | None = None
    command_dictionaries: dict[str, str] = Field(default_factory=dict)


class Horizon(_Model):
    """The planning horizon: ``epoch`` (UTC, or ``now``) and its length."""

    epoch: datetime | Literal["now"] = "now"
    duration_h: float = Field(default=24.0, gt=0.0, le=168.0)

    @field_validator("epoch")
    @classmethod
    def _utc(cls, v: datetime | str) -> datetime | str:
        return _aware(v, "horizon.epoch") if isinstance(v, datetime) else v

    def start(self, now: datetime | None = None) -> datetime:
        """The horizon start as an aware UTC datetime."""
        if isinstance(self.epoch, datetime):
            return self.epoch
        return _aware(now, "now") if now is not None else datetime.now(UTC)


class ApprovalPolicy(_Model):
    """Who must approve what: hazardous commands always need an approval."""

    hazardous_requires: list[str] = Field(default_factory=lambda: ["flight_director"])
    maneuver_requires: list[str] = Field(default_factory=lambda: ["flight_director", "fdo"])


def _known_sensitivity(rule: AlertRule) -> AlertRule:
    if rule.sensitivity is not None and rule.sensitivity not in get_args(Sensitivity):
        msg = (
            f"rule {rule.id!r}: no satellite can declare sensitivity {rule.sensitivity!r};"
            f" use one of {', '.join(get_args(Sensitivity))}"
        )
        raise PydanticCustomError(  # yaml_loc: where _problems points the operator
            "unknown_sensitivity",
            msg.replace("{", "{{").replace("}", "}}"),
            {"yaml_loc": ("sensitivity",)},
        )
    return rule


MissionAlertRule = Annotated[AlertRule, AfterValidator(_known_sensitivity)]
"""A space-weather alert rule whose ``sensitivity`` is one of :data:`Sensitivity`."""


class Policies(_Model):
    """Mission policy: thresholds the physics is judged against, and the space-weather rules.

    ``alert_rules`` replaces the default rules as a whole (list them all to keep some):
    each says which NOAA scale and level (``scale``, ``min_level``) makes which targets
    (``applies_to``: all_satellites, sensitivity, low_perigee, sunlit_stations) get which
    ``action`` and ``recommendation``; see ``cosmo_agent.tools.spaceweather.AlertRule``.
    """

    max_pc: float = Field(default=1e-4, gt=0.0, lt=1.0)
    min_miss_km: float = Field(default=1.0, ge=0.0, le=100.0)
    screening_threshold_km: float = Field(default=5.0, gt=0.0, le=100.0)
    stale_warn_days: float = Field(default=3.0, gt=0.0, le=365.0)
    stale_refuse_days: float = Field(default=14.0, gt=0.0, le=365.0)
    space_weather_stale_h: float = Field(default=6.0, gt=0.0, le=720.0)
    command_margin_min: float = Field(default=10.0, ge=0.0, le=1440.0)
    avoidance_lead_h: float = Field(default=2.0, gt=0.0, le=72.0)
    approvals: ApprovalPolicy = Field(default_factory=ApprovalPolicy)
    alert_rules: list[MissionAlertRule] = Field(
        default_factory=lambda: list(DEFAULT_ALERT_RULES),
        description="space-weather alert rules (default: safe mode at S3 for radiation-"
        "sensitive payloads, drag warning at G3 below 450 km perigee, link degradation at R3"
        " for sunlit stations)",
    )

    @field_validator("alert_rules")
    @classmethod
    def _unique_rule_ids(cls, v: list[AlertRule]) -> list[AlertRule]:
        ids = [r.id for r in v]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"alert rule ids {repeated} repeat; give each rule a unique id")
        return v

    @model_validator(mode="after")
    def _ordered(self) -> Policies:
        if self.stale_refuse_days < self.stale_warn_days:
            raise ValueError("stale_refuse_days must be >= stale_warn_days")
        return self


class Objective(_Model):
    """A structured objective; ``satellites``/``stations`` use names, aliases, ids or ``all``."""

    kind: ObjectiveKind
    satellites: list[str] | Literal["all"] = "all"
    stations: list[str] | Literal["all"] = "all"
    parameters: dict[str, float | int | str | bool] = Field(default_factory=dict)


class Mission(_Model):
    """A whole mission file. Build it with :func:`load_mission` or :func:`parse_mission`.

    Besides each field's own checks, the fleet and station lists must make sense together:
    every satellite and station listed once, every name, alias and id naming one thing
    (ignoring case and spacing, across fleet and stations, since requests may name either),
    and every satellite class with a command dictionary (bundled, or named in
    ``sources.command_dictionaries``).
    """

    name: Name = Field(min_length=1, max_length=128)
    description: str = ""
    fleet: list[Satellite] = Field(min_length=1)
    stations: list[GroundStation] = Field(default_factory=list)
    sources: DataSources
    horizon: Horizon = Field(default_factory=Horizon)
    policies: Policies = Field(default_factory=Policies)
    objectives: list[Objective] = Field(default_factory=list)
    requests: list[Annotated[str, Field(max_length=4000)]] = Field(
        default_factory=list, description="free-text operator objectives (English or Korean)"
    )
    language: Literal["en", "ko"] = "en"
    time_zone: str | None = Field(
        default=None,
        max_length=64,
        description="IANA time zone (e.g. Asia/Seoul) for times shown to people in tables;"
        " files, JSON and plans stay in UTC",
    )
    base_dir: SkipJsonSchema[Path | str | None] = Field(
        default=None, exclude=True,
        description="the mission file's folder: a Path, or an object-storage URL (s3://...)",
    )  # fmt: skip

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise PydanticCustomError(
                "unknown_time_zone",
                "unknown IANA time zone '{zone}'; write one such as Asia/Seoul or UTC",
                {"zone": value},
            ) from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Mission:
        problems = [*_clashing_names(self), *_classes_without_dictionary(self)]
        if problems:
            raise _located(problems)
        return self

    # -- lookups ---------------------------------------------------------------------------

    def satellite(self, key: str | int) -> Satellite:
        """The satellite named ``key``: its NORAD id, name or an alias, as people write them.

        Case, spaces, hyphens and underscores do not matter (``kompsat-3``, ``KOMPSAT 3``,
        ``아리랑 3호``), nor does a ``NORAD`` or ``#`` before an id. Raises :class:`KeyError`
        for an unknown name and :class:`AmbiguousName` (a ``KeyError``) when a loosely
        written name fits more than one satellite.
        """
        found = _lookup(key, [(s, (str(s.norad_id), s.name, *s.aliases)) for s in self.fleet])
        if found is None:
            known = self.fleet_names()
            raise KeyError(f"no satellite {key!r} in mission {self.name!r}; known: {known}")
        return found

    def station(self, key: str) -> GroundStation:
        """The ground station named ``key`` (id, name or alias; as loosely as :meth:`satellite`)."""
        found = _lookup(key, [(st, (st.id, st.name, *st.aliases)) for st in self.stations])
        if found is None:
            known = self.station_names()
            raise KeyError(f"no station {key!r} in mission {self.name!r}; known: {known}")
        return found

    def select_satellites(self, keys: list[str] | str) -> list[Satellite]:
        """Resolve ``"all"`` or a list of names/aliases/ids (duplicates removed, order kept)."""
        if isinstance(keys, str):
            return list(self.fleet) if keys == "all" else [self.satellite(keys)]
        out: dict[int, Satellite] = {}
        for key in keys:
            sat = self.satellite(key)
            out.setdefault(sat.norad_id, sat)
        return list(out.values())

    def select_stations(self, keys: list[str] | str) -> list[GroundStation]:
        """Resolve ``"all"`` or a list of station names/aliases/ids."""
        if isinstance(keys, str):
            return list(self.stations) if keys == "all" else [self.station(keys)]
        out: dict[str, GroundStation] = {}
        for key in keys:
            st = self.station(key)
            out.setdefault(st.id, st)
        return list(out.values())

    def fleet_names(self) -> list[str]:
        """Every name, alias and id a satellite may be called by."""
        return [n for s in self.fleet for n in (str(s.norad_id), s.name, *s.aliases)]

    def station_names(self) -> list[str]:
        """Every name, alias and id a station may be called by."""
        return [n for s in self.stations for n in (s.id, s.name, *s.aliases)]

    def resolve_path(self, ref: str) -> str:
        """A data-source reference as a usable path.

        ``bundled:NAME`` is a file shipped in ``cosmo_agent.tools/data``; URLs and absolute
        paths are unchanged; other paths are relative to the mission file's folder.
        """
        if ref.startswith("bundled:"):
            return str(files("cosmo_agent.tools") / "data" / ref.removeprefix("bundled:"))
        if "://" in ref or self.base_dir is None or os.path.isabs(ref):
            return ref
        if isinstance(self.base_dir, str):  # a mission read from object storage
            return join_url(self.base_dir, ref)
        return str(self.base_dir / ref)


# -- checks across the whole mission ---------------------------------------------------------

_Problem = tuple[tuple[int | str, ...], str]
"""A problem found by a check across entries: its location (as pydantic's) and message."""


def _located(problems: list[_Problem]) -> PydanticCustomError:
    """One pydantic error carrying every problem; :func:`_problems` gives each its YAML line."""
    text = "; ".join(f"{_path(loc)}: {msg}" for loc, msg in problems)
    return PydanticCustomError(
        "mission_conflict",
        text.replace("{", "{{").replace("}", "}}"),
        {"yaml_problems": tuple(problems)},
    )


def _clashing_names(m: Mission) -> Iterator[_Problem]:
    """Ids, names and aliases that two satellites or stations share (once per pair)."""
    owners: dict[str, tuple[tuple[int | str, ...], str, str]] = {}  # key -> loc, owner, label
    reported: set[tuple[str, str]] = set()
    entries: list[tuple[str, int, str, str, str, list[str], str]] = []
    for i, sat in enumerate(m.fleet):
        label = f"satellite {sat.norad_id} {sat.name!r}"
        entries.append(("fleet", i, "norad_id", str(sat.norad_id), sat.name, sat.aliases, label))
    for i, st in enumerate(m.stations):
        label = f"station {st.id} {st.name!r}"
        entries.append(("stations", i, "id", st.id, st.name, st.aliases, label))
    for field, i, id_field, ident, name, aliases, label in entries:
        owner = f"{field}[{i}]"
        keys: list[tuple[str, tuple[int | str, ...], str]] = [
            (ident, (field, i, id_field), id_field),
            (name, (field, i, "name"), "name"),
            *((a, (field, i, "aliases", j), "alias") for j, a in enumerate(aliases)),
        ]
        for text, loc, what in keys:
            first_loc, first_owner, first_label = owners.setdefault(
                _name_key(text), (loc, owner, label)
            )
            if first_owner == owner or (first_owner, owner) in reported:
                continue  # an entry may repeat its own name; one problem per pair of entries
            reported.add((first_owner, owner))
            where = f"{first_label} (at {_path(first_loc)})"
            if what == id_field and first_loc[0] == field and first_loc[-1] == id_field:
                kind, fix = (
                    ("satellite", "correct its norad_id")
                    if field == "fleet"
                    else ("station", "give it its own id")
                )
                shown = text if field == "fleet" else repr(text)
                yield (
                    loc,
                    (
                        f"{what} {shown} is already listed as {where}; list each {kind} once:"
                        f" remove the repeated entry or {fix}"
                    ),
                )
            else:
                yield (
                    loc,
                    (
                        f"{what} {text!r} is already used by {where}, ignoring case and spacing;"
                        " names, aliases and ids must be unique across fleet and stations:"
                        " rename one of them"
                    ),
                )


def bundled_classes() -> list[str]:
    """The satellite classes with a dictionary shipped in ``tools/data/commands/``, sorted."""
    folder = files("cosmo_agent.tools") / "data" / "commands"
    return sorted(
        f.name.removesuffix(".yaml") for f in folder.iterdir() if f.name.endswith(".yaml")
    )


def bundled_dictionary_path(sat_class: str) -> str:
    """The path of the dictionary shipped for ``sat_class`` (it may not exist)."""
    return str(files("cosmo_agent.tools") / "data" / "commands" / f"{sat_class}.yaml")


def _classes_without_dictionary(m: Mission) -> Iterator[_Problem]:
    """Fleet classes with neither a bundled command dictionary nor one named by the mission."""
    known = sorted({*bundled_classes(), *m.sources.command_dictionaries})
    for i, sat in enumerate(m.fleet):
        if sat.sat_class not in known:
            yield (
                ("fleet", i, "class"),
                (
                    f"class {sat.sat_class!r} has no command dictionary; use one of"
                    f" {', '.join(known)}, or name its dictionary in sources.command_dictionaries"
                    f" ({{{sat.sat_class}: path/to/{sat.sat_class}.yaml}})"
                ),
            )


class MissionError(ValueError):
    """A mission file that cannot be used; ``problems`` lists every mistake found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the mission file:\n{lines}")


# -- loading ---------------------------------------------------------------------------------


def _node_at(node: yaml.Node | None, loc: tuple[int | str, ...]) -> yaml.Node | None:
    """The deepest YAML node along ``loc`` (a pydantic error location)."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    nxt = value
                    break
            if nxt is None:
                return node
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    node = _node_at(root, loc)
    return node.start_mark.line + 1 if node is not None else None


def _problems(err: ValidationError, root: yaml.Node | None) -> Iterator[str]:
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        # pydantic puts union branch names (e.g. 'list[str]', 'literal['all']') into locations
        loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in _TYPES)))
        ctx = e.get("ctx") or {}
        # checks across entries say where each problem is (see _located) ...
        found: list[_Problem] = list(ctx.get("yaml_problems", ()))
        # ... and single model-level checks where in the file it is (see _known_sensitivity)
        if not found:
            found = [(tuple(ctx.get("yaml_loc", ())), e["msg"].removeprefix("Value error, "))]
        for sub, msg in found:
            at = (*loc, *sub)
            line = _line(root, at)
            for other in _MENTIONED.findall(msg):  # "(at fleet[0].norad_id)": add its line
                other_line = _line(root, _loc(other))
                if other_line is not None:
                    msg = msg.replace(f"(at {other})", f"(at {other}, line {other_line})")
            yield f"{'' if line is None else f'line {line}: '}{_path(at)}: {msg}"


_MENTIONED = re.compile(r"\(at ([A-Za-z_][\w.\[\]]*)\)")


def _loc(path: str) -> tuple[int | str, ...]:
    """The location written by :func:`_path` (``fleet[0].norad_id``) as a tuple."""
    return tuple(int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path))


_TYPES = {"str", "int", "float", "bool", "datetime"}


def _parse_yaml_model(
    model: type[_M],
    text: str,
    source: str,
    error: Callable[[str, list[str]], Exception],
    *,
    shape: str,
    extra: dict[str, Any] | None = None,
) -> _M:
    """Validate YAML ``text`` into ``model``; raise ``error`` listing every problem with its line.

    Shared by every YAML file of a mission (the mission itself, command dictionaries).
    ``shape`` tells the operator what the top level should look like.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(source, [f"{where}not valid YAML ({problem})"]) from None
    if not isinstance(data, dict):
        raise error(source, [f"the file must be a YAML mapping with {shape}"])
    try:
        return model.model_validate({**data, **(extra or {})})
    except ValidationError as err:
        raise error(source, list(_problems(err, root))) from None


def _read_yaml_file(
    path: str | os.PathLike[str] | Any, error: Callable[[str, list[str]], Exception]
) -> tuple[str, Path | str]:
    """The UTF-8 text of ``path`` (also an importlib.resources path or an object URL, see
    :mod:`cosmo_agent.tools.storage`) and the path itself (the URL as a ``str``)."""
    ref = str(path)
    p: Path | str = ref if is_object_url(ref) else Path(ref)
    try:
        return read_bytes(str(p)).decode("utf-8"), p
    except OSError as exc:
        raise error(str(p), [f"cannot read the file ({exc.strerror})"]) from None
    except UnicodeDecodeError:
        raise error(str(p), ["the file is not UTF-8 text"]) from None


def parse_mission(
    text: str, source: str = "<mission>", base_dir: Path | str | None = None
) -> Mission:
    """Validate mission YAML ``text``; raise :class:`MissionError` listing every problem."""
    return _parse_yaml_model(
        Mission,
        text,
        source,
        MissionError,
        shape="'name', 'fleet', 'sources', ...",
        extra={"base_dir": base_dir},
    )


_BUNDLED = "bundled:"


def bundled_missions() -> list[str]:
    """The demo missions shipped in the package, each loadable as ``bundled:NAME``.

    >>> bundled_missions()
    ['conjunction.yaml', 'demo-ko.yaml', 'demo.yaml']
    """
    folder = files("cosmo_agent.missions")
    return sorted(f.name for f in folder.iterdir() if f.name.endswith(".yaml"))


def _mission_file(path: str | os.PathLike[str] | Any) -> str | os.PathLike[str] | Any:
    """``path`` itself, or the installed file that ``bundled:NAME`` names."""
    ref = str(path) if isinstance(path, str | os.PathLike) else ""
    if not ref.startswith(_BUNDLED):
        return path
    name, known = ref.removeprefix(_BUNDLED), bundled_missions()
    if name not in known:
        listed = ", ".join(f"{_BUNDLED}{n}" for n in known)
        raise MissionError(ref, [f"no bundled mission {name!r}; the bundled missions: {listed}"])
    return files("cosmo_agent.missions") / name


def load_mission(path: str | os.PathLike[str] | Any) -> Mission:
    """Load and validate a mission YAML file (also accepts an importlib.resources path).

    ``bundled:NAME`` is a demo mission shipped in the package (:func:`bundled_missions`).
    Relative data-source paths resolve against the file's folder (its URL prefix for a mission
    read from object storage, ``s3://bucket/missions/demo.yaml``).

    >>> load_mission("bundled:demo.yaml").name
    'demo-eo-fleet'
    >>> load_mission("bundled:nope.yaml")
    Traceback (most recent call last):
    ...
    cosmo_agent.tools.mission.MissionError: bundled:nope.yaml: 1 problem(s) in the mission file:
      no bundled mission 'nope.yaml'; the bundled missions: bundled:conjunction.yaml, ...
    """
    text, p = _read_yaml_file(_mission_file(path), MissionError)
    return parse_mission(text, str(p), p.rsplit("/", 1)[0] if isinstance(p, str) else p.parent)
