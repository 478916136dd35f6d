"""The tool registry: typed tools, their OpenAI schemas, and a call that never raises.

Each tool is a :class:`ToolSpec`: a name, a description an LLM can act on, a pydantic
``Args`` model (every number bounded, unknown fields refused) and a function
``fn(ctx, args) -> Result``.  The nine tools of the public contract live in
:mod:`cosmo_agent.tools.toolkit`; this module holds what they share:

- :class:`ToolContext`, the immutable run context (mission, planning clock, data
  sources, the lazily loaded catalog) with a mutable :class:`ResultStore` so that later
  tools can refer to earlier results (conjunction events by id, the last schedule...);
- :func:`openai_tools`, the OpenAI ``tools`` list, with per-mission ``enum`` name lists;
- :func:`call_tool`, which turns every model or user mistake into data
  (``{"ok": false, "error": {"code", "message"}}``, messages from :data:`ERROR_TEMPLATES`)
  and records a one-line summary and the duration of each call.

>>> from cosmo_agent.tools.mission import parse_mission
>>> mission = parse_mission('''
... name: doc
... fleet: [{norad_id: 25544, name: ISS (ZARYA), aliases: [ISS], class: weather}]
... sources: {catalog: ["bundled:sample-leo.3le"]}
... horizon: {epoch: 2026-06-10T12:00:00Z}
... ''')
>>> ctx = ToolContext.from_mission(mission)
>>> [t["function"]["name"] for t in openai_tools(mission)][:3]
['fleet_status', 'propagate', 'find_passes']
>>> out = call_tool(ctx, "propagate", '{"satellites": ["ISS"], "duration_h": 0.5, "step_s": 600}')
>>> out.ok, out.summary
(True, 'propagated 1 satellite x 4 samples from 2026-06-10T12:00:00Z every 600 s')
>>> bad = call_tool(ctx, "propagate", {"satellites": "all", "duration_h": 500})
>>> bad.as_dict()["error"]["code"], bad.error.message
('invalid_arguments', 'invalid arguments for propagate: duration_h: Input should be less than \
or equal to 168 (allowed: 0 < duration_h <= 168; got 500). Fix them and call propagate again.')
>>> call_tool(ctx, "propagate", {"satellites": ["Hubble"]}).error.code
'unknown_satellite'
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from cosmo_agent.orbital.catalog import Catalog, StalenessPolicy
from cosmo_agent.orbital.timescales import require_utc
from cosmo_agent.tools.events import EVENT_MATCH_S as EVENT_MATCH_S  # the agent's import
from cosmo_agent.tools.events import (
    EventKey,
    event_id_for,
    event_pair,
    match_event,
    normal_event_id,
    parse_event_id,
)
from cosmo_agent.tools.mission import (
    AmbiguousName,
    GroundStation,
    Mission,
    Satellite,
    load_mission,
)

if TYPE_CHECKING:
    from cosmo_agent.tools.commands import CommandDictionary
    from cosmo_agent.tools.spaceweather import SpaceWeatherReport, SpaceWeatherSource
    from cosmo_agent.tools.toolkit import (
        CommandCheck,
        ConjunctionEvent,
        EventSighting,
        ManeuverProposal,
        PassInfo,
        ScheduleResult,
        ToolResult,
    )

__all__ = [
    "ERROR_TEMPLATES",
    "ResultStore",
    "ToolContext",
    "ToolError",
    "ToolErrorCode",
    "ToolErrorInfo",
    "ToolOutcome",
    "ToolSpec",
    "call_tool",
    "merge_catalogs",
    "mission_passes",
    "mission_schedule",
    "openai_tools",
    "resolve_arguments",
    "tool_specs",
]

ToolErrorCode = Literal[
    "unknown_tool",
    "invalid_json",
    "invalid_arguments",
    "unknown_satellite",
    "unknown_station",
    "ambiguous_name",
    "unknown_event",
    "not_in_catalog",
    "stale_data",
    "data_unavailable",
    "not_available",
    "not_maneuverable",
    "internal_error",
]
"""Why a tool call failed.

``unknown_tool``: no tool of that name. ``invalid_json``: the arguments string is not JSON.
``invalid_arguments``: a field is missing, unknown, of the wrong type or out of range.
``unknown_satellite`` / ``unknown_station``: a name that is not in the mission.
``ambiguous_name``: a loosely written name (case, spaces, hyphens aside) that fits more
than one satellite or station; the error lists them.
``unknown_event``: a conjunction id no screening produced. ``not_in_catalog``: a fleet
satellite without an element set. ``stale_data``: element sets too old to plan with
(the mission's ``stale_refuse_days``). ``data_unavailable``: a data source (catalog,
space weather, command dictionary) cannot be read. ``not_available``: the capability the
tool needs is not installed yet. ``not_maneuverable``: avoidance asked of a satellite the
mission marks as not maneuverable. ``internal_error``: a bug; not the caller's mistake.
"""

ERROR_TEMPLATES: Final[Mapping[ToolErrorCode, str]] = MappingProxyType(
    {
        "unknown_tool": "{name!r} is not a tool; call one of: {choices}.",
        "invalid_json": (
            "the arguments of {name} are not a JSON object ({problem}); send one JSON object,"
            " e.g. {example}."
        ),
        "invalid_arguments": (
            "invalid arguments for {name}: {problems}. Fix them and call {name} again."
        ),
        "unknown_satellite": (
            "unknown satellite {key!r}{hint}; the mission's satellites are {choices}"
            ' (name, alias or NORAD id), or use "all".'
        ),
        "unknown_station": (
            "unknown ground station {key!r}{hint}; the mission's stations are {choices}"
            ' (id, name or alias), or use "all".'
        ),
        "ambiguous_name": (
            "{what} {key!r} could be any of {candidates}; call again naming one of them"
            " exactly (name, alias or id)."
        ),
        "unknown_event": (
            "no conjunction event {key!r}{hint}; known events: {choices}. Call"
            " screen_conjunctions first and use an event_id from its result."
        ),
        "not_in_catalog": (
            "no element set for {satellites} in the catalog ({source}); add them to the"
            " mission's sources.catalog or leave them out of `satellites`."
        ),
        "stale_data": (
            "element sets too old to plan with (mission limit {limit_days:g} days): {details}."
            " Refresh the catalog (sources.catalog) or leave these satellites out; call"
            " fleet_status to see every element age."
        ),
        "data_unavailable": "{what} cannot be read: {problem}. {fix}",
        "not_available": (
            "{tool} is not available in this installation yet: it needs {capability}"
            " ({module}), which is not installed. Tell the operator; retrying will not help."
        ),
        "not_maneuverable": (
            "{satellite} is not maneuverable (mission fleet entry maneuverable: false), so no"
            " avoidance maneuver can be planned for it; assess the risk and notify the operator."
        ),
        "internal_error": (
            "{name} failed unexpectedly ({problem}); this is a bug in the tool, not a mistake"
            " in the call. Report it to the operator and carry on with other tools."
        ),
    }
)
"""Message template of every :data:`ToolErrorCode` (``str.format`` fields in braces)."""


class ToolError(Exception):
    """A tool failure the caller can act on; :func:`call_tool` turns it into data.

    >>> ToolError.make("unknown_tool", name="fly", choices="propagate").message
    "'fly' is not a tool; call one of: propagate."
    """

    def __init__(self, code: ToolErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code: ToolErrorCode = code
        self.message = message

    @classmethod
    def make(cls, code: ToolErrorCode, **fields: Any) -> ToolError:
        """The error ``code`` with its :data:`ERROR_TEMPLATES` message filled in."""
        return cls(code, ERROR_TEMPLATES[code].format(**fields))


class ToolErrorInfo(BaseModel):
    """The ``error`` object of a failed call."""

    model_config = ConfigDict(frozen=True)

    code: ToolErrorCode
    message: str


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its contract name, description, argument model and implementation."""

    name: str
    description: str
    args: type[BaseModel]
    fn: Callable[[ToolContext, Any], ToolResult]

    def parameters(self, mission: Mission | None = None) -> dict[str, Any]:
        """The compact JSON Schema of the arguments (name enums when ``mission`` is given)."""
        return _parameters(self.args, mission)

    def openai(self, mission: Mission | None = None) -> dict[str, Any]:
        """The tool in OpenAI format."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters(mission),
            },
        }


# -- context -------------------------------------------------------------------------------------


@dataclass
class ResultStore:
    """Results later tools refer to: events by id, the last passes and schedule, proposals.

    ``space_weather`` is the last full :class:`SpaceWeatherReport` (for the plan's data ages).

    Conjunction events are keyed by their canonical id (:mod:`cosmo_agent.tools.events`:
    ``CONJ-25544-48274-20260610T1510Z``, pair and TCA); a later screening that finds the
    same pair within :data:`EVENT_MATCH_S` of a known TCA keeps the id.  ``aliases`` gives
    each event a short run-local name too, ``CONJ-0001``, ``CONJ-0002``, ... in order of
    first sighting; lookups accept either.  ``history`` keeps every sighting of an event
    (screenings, assessments) in order.  :meth:`seed` makes events known from elsewhere (the
    daemon's store): a screening that finds one of them takes its id and continues its history.
    """

    events: dict[str, ConjunctionEvent] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    history: dict[str, list[EventSighting]] = field(default_factory=dict)
    elsewhere: dict[str, EventKey] = field(default_factory=dict)
    passes: list[PassInfo] = field(default_factory=list)
    schedule: ScheduleResult | None = None
    proposals: dict[str, ManeuverProposal] = field(default_factory=dict)
    commands: list[CommandCheck] = field(default_factory=list)
    space_weather: SpaceWeatherReport | None = None
    counters: dict[str, int] = field(default_factory=dict)

    def new_id(self, prefix: str) -> str:
        """The next id of a kind: ``SCR-0001`` (screenings), ``MNV-0001`` (maneuvers), ..."""
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}-{self.counters[prefix]:04d}"

    def event_id_for(self, primary_id: int, secondary_id: int, tca: datetime) -> str:
        """The canonical id of this pair's event at ``tca``: a known one (this run's or a
        seeded one), or a derived one."""
        return event_id_for({**self.elsewhere, **self._known()}, primary_id, secondary_id, tca)

    def seed(self, event_id: str, key: EventKey, history: Sequence[EventSighting] = ()) -> None:
        """Know event ``event_id`` (pair and latest TCA ``key``) and its ``history`` from
        elsewhere, before any screening of this run finds it."""
        self.elsewhere[event_id] = key
        self.history[event_id] = list(history)

    def alias_for(self, event_id: str) -> str:
        """The run-local alias of ``event_id`` (``CONJ-0001``...), given on first call."""
        for alias, canonical in self.aliases.items():
            if canonical == event_id:
                return alias
        alias = f"CONJ-{len(self.aliases) + 1:04d}"
        self.aliases[alias] = event_id
        return alias

    def event(self, key: str) -> ConjunctionEvent:
        """The event called ``key``: its canonical id or alias (case-insensitive, ``CONJ-1``
        is ``CONJ-0001``), or a canonical id from elsewhere (the daemon, a CDM) whose pair
        and TCA match a known event within :data:`EVENT_MATCH_S`."""
        wanted = normal_event_id(key)
        event_id = self.aliases.get(wanted, wanted)
        if event_id in self.events:
            return self.events[event_id]
        parsed = parse_event_id(wanted)
        if parsed is not None:  # the id keeps its TCA to the minute: allow that much more
            found = match_event(self._known(), *parsed, slack_s=60.0)
            if found is not None:
                return self.events[found]
        names = [*self.events, *self.aliases]
        raise ToolError.make(
            "unknown_event", key=key, hint=_hint(key, names), choices=self.event_choices()
        )

    def event_choices(self) -> str:
        """The known events for a message: ``canonical (alias)``, ... or ``none yet``."""
        alias_of = {canonical: alias for alias, canonical in self.aliases.items()}
        return (
            ", ".join(f"{e} ({alias_of[e]})" if e in alias_of else e for e in self.events)
            or "none yet"
        )

    def _known(self) -> dict[str, EventKey]:
        return {
            event_id: (*event_pair(e.primary.norad_id, e.secondary.norad_id), e.tca_utc)
            for event_id, e in self.events.items()
        }


@dataclass(frozen=True, eq=False)
class ToolContext:
    """The immutable run context every tool receives, plus the mutable :class:`ResultStore`.

    ``now`` is the planning clock (the mission horizon's start unless given).
    ``space_weather`` is a source spec for :func:`~cosmo_agent.tools.spaceweather.open_source`
    (None: the mission's ``sources.space_weather``, else the bundled sample).
    The catalog and command dictionaries are loaded on first use, once; a source that
    cannot be read raises :class:`ToolError` (``data_unavailable``) in the tool that needs it.
    """

    mission: Mission
    now: datetime
    space_weather: str | os.PathLike[str] | SpaceWeatherSource | None = None
    store: ResultStore = field(default_factory=ResultStore)
    preloaded_catalog: Catalog | None = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_mission(
        cls,
        mission: Mission,
        *,
        now: datetime | None = None,
        catalog: Catalog | None = None,
        space_weather: str | os.PathLike[str] | SpaceWeatherSource | None = None,
    ) -> ToolContext:
        """The context of ``mission``; ``now``, ``catalog`` and ``space_weather`` override it."""
        clock = require_utc(now, "now") if now is not None else mission.horizon.start()
        if space_weather is None and mission.sources.space_weather is not None:
            space_weather = mission.resolve_path(mission.sources.space_weather)
        return cls(mission, clock, space_weather, preloaded_catalog=catalog)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **overrides: Any) -> ToolContext:
        """Load a mission file (raises ``MissionError``) and build its context."""
        return cls.from_mission(load_mission(path), **overrides)

    @property
    def catalog(self) -> Catalog:
        """The mission's element sets (newest per NORAD id across ``sources.catalog``)."""
        if self.preloaded_catalog is not None:
            return self.preloaded_catalog
        if "catalog" not in self._cache:
            try:
                self._cache["catalog"] = _load_catalog(self.mission)
            except ToolError as err:
                self._cache["catalog"] = err
        cached = self._cache["catalog"]
        if isinstance(cached, ToolError):
            raise cached
        assert isinstance(cached, Catalog)
        return cached

    def space_weather_source(self) -> SpaceWeatherSource:
        """The space-weather source, opened once (an HTTP source keeps its ETags between calls).

        Raises ``SpaceWeatherSourceError`` when the spec names nothing usable.
        """
        if "space_weather" not in self._cache:
            from cosmo_agent.tools.spaceweather import open_source

            self._cache["space_weather"] = open_source(self.space_weather)
        source: SpaceWeatherSource = self._cache["space_weather"]
        return source

    @property
    def staleness_policy(self) -> StalenessPolicy:
        """Element-age thresholds from the mission policies."""
        p = self.mission.policies
        return StalenessPolicy(p.stale_warn_days, p.stale_refuse_days)

    def command_dictionary(self, sat_class: str) -> CommandDictionary:
        """The command dictionary of ``sat_class`` (mission override or bundled), cached."""
        key = f"commands:{sat_class}"
        if key not in self._cache:
            try:
                from cosmo_agent.tools import commands
            except ImportError:
                raise ToolError.make(
                    "not_available",
                    tool="propose_commands",
                    capability="command dictionaries",
                    module="cosmo_agent.tools.commands",
                ) from None
            try:
                self._cache[key] = commands.dictionary_for(self.mission, sat_class)
            except commands.CommandDictionaryError as exc:
                self._cache[key] = ToolError.make(
                    "data_unavailable",
                    what=f"the command dictionary of class {sat_class!r}",
                    problem=str(exc).replace("\n", " "),
                    fix="Fix the file or the mission's sources.command_dictionaries.",
                )
        cached = self._cache[key]
        if isinstance(cached, ToolError):
            raise cached
        dictionary: CommandDictionary = cached
        return dictionary

    # -- name resolution ---------------------------------------------------------------------

    def satellites(self, keys: Sequence[str] | str) -> list[Satellite]:
        """Resolve ``"all"`` or names/aliases/ids; unknown names raise ``unknown_satellite``."""
        if isinstance(keys, str):
            if keys == "all":
                return list(self.mission.fleet)
            keys = [keys]
        out: dict[int, Satellite] = {}
        for key in keys:
            try:
                sat = self.mission.satellite(key)
            except AmbiguousName as exc:
                raise _ambiguous("satellite", exc) from None
            except KeyError:
                names = self.mission.fleet_names()
                raise ToolError.make(
                    "unknown_satellite", key=key, hint=_hint(key, names), choices=_choices(names)
                ) from None
            out.setdefault(sat.norad_id, sat)
        return list(out.values())

    def stations(self, keys: Sequence[str] | str) -> list[GroundStation]:
        """Resolve ``"all"`` or station names/aliases/ids (else ``unknown_station``)."""
        if isinstance(keys, str):
            if keys == "all":
                return list(self.mission.stations)
            keys = [keys]
        out: dict[str, GroundStation] = {}
        for key in keys:
            try:
                st = self.mission.station(key)
            except AmbiguousName as exc:
                raise _ambiguous("ground station", exc) from None
            except KeyError:
                names = self.mission.station_names()
                raise ToolError.make(
                    "unknown_station",
                    key=key,
                    hint=_hint(key, names),
                    choices=_choices(names) or "none (the mission has no stations)",
                ) from None
            out.setdefault(st.id, st)
        return list(out.values())


def _ambiguous(what: str, exc: AmbiguousName) -> ToolError:
    return ToolError.make(
        "ambiguous_name", what=what, key=exc.key, candidates=", ".join(exc.candidates)
    )


def _hint(key: str, names: Iterable[str]) -> str:
    by_fold = {n.casefold(): n for n in names}
    close = difflib.get_close_matches(key.casefold(), list(by_fold), n=2, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(by_fold[c]) for c in close) + "?)"


def _choices(names: Sequence[str]) -> str:
    return ", ".join(dict.fromkeys(names))


# -- catalog loading -----------------------------------------------------------------------------

_ELEMENT_SUFFIXES: Final = (".tle", ".3le", ".2le", ".txt", ".json", ".csv", ".xml", ".kvn", ".omm")
"""Files of a catalog directory that are read (others are ignored); the same list as the
daemon's ``agent.daemon.catalogs.ELEMENT_SUFFIXES`` (a test pins the two together).
``Catalog.from_file`` reads .json/.csv/.xml/.kvn/.omm as OMM and the rest as TLE/3LE."""


def _load_catalog(mission: Mission) -> Catalog:
    """Every ``sources.catalog`` entry merged, keeping the newest element set of each id.

    An entry is a TLE/3LE or OMM file, a directory (every element file directly in it, by
    :data:`_ELEMENT_SUFFIXES`, in name order) or an ``http(s)://`` URL.
    """
    parts: list[Catalog] = []
    for i, ref in enumerate(mission.sources.catalog):
        path = mission.resolve_path(ref)
        where = f"sources.catalog[{i}]"
        if "://" in path:
            parts.append(_fetch_catalog(path, where))
            continue
        parts += [_read_catalog_file(f, where) for f in _element_files(Path(path), where)]
    catalog = merge_catalogs(parts)
    if len(catalog) == 0:
        issues = "; ".join(str(i) for i in catalog.issues[:3]) or "the files are empty"
        raise ToolError.make(
            "data_unavailable",
            what=f"the catalog {catalog.source} (sources.catalog)",
            problem=f"no usable element sets ({issues})",
            fix="Check the files named in sources.catalog.",
        )
    return catalog


def _element_files(path: Path, where: str) -> list[Path]:
    """``[path]`` for a file; the element files of a directory (none: ``data_unavailable``)."""
    if not path.is_dir():
        return [path]  # a missing file is reported when it is read
    try:
        found = sorted(
            f for f in path.iterdir() if f.suffix.lower() in _ELEMENT_SUFFIXES and f.is_file()
        )
    except OSError as exc:
        raise ToolError.make(
            "data_unavailable",
            what=f"the catalog directory {path} ({where})",
            problem=exc.strerror or type(exc).__name__,
            fix="Fix the directory's permissions or the path in the mission's sources.catalog.",
        ) from None
    if not found:
        raise ToolError.make(
            "data_unavailable",
            what=f"the catalog directory {path} ({where})",
            problem=f"it holds no element files ({', '.join(_ELEMENT_SUFFIXES)})",
            fix="Put TLE/3LE or OMM files in it, or fix the path in the mission's sources.catalog.",
        )
    return found


def _read_catalog_file(path: Path, where: str) -> Catalog:
    try:
        return Catalog.from_file(path)
    except OSError as exc:
        raise ToolError.make(
            "data_unavailable",
            what=f"the catalog {path} ({where})",
            problem=exc.strerror or type(exc).__name__,
            fix="Fix the path in the mission's sources.catalog.",
        ) from None
    except ValueError as exc:  # an OMM file that is not OMM at all, or not UTF-8
        raise ToolError.make(
            "data_unavailable",
            what=f"the catalog {path} ({where})",
            problem=str(exc),
            fix="Give a TLE/3LE or CCSDS OMM file in sources.catalog.",
        ) from None


def _fetch_catalog(url: str, where: str) -> Catalog:
    from cosmo_agent.tools.feeds import FeedError, FeedPoller

    try:
        body = FeedPoller(url, max_attempts=2, backoff_s=0.5).poll().body
    except FeedError as exc:
        raise ToolError.make(
            "data_unavailable",
            what=f"the catalog {url} ({where})",
            problem=str(exc),
            fix="Use a local copy of the file in sources.catalog.",
        ) from None
    text = body.decode("utf-8", errors="replace")
    if text.lstrip()[:1] in ("[", "{", "<") or text.lstrip().startswith("CCSDS_OMM"):
        return Catalog.from_omm_text(text, url)
    return Catalog.from_tle_text(text, url)


def merge_catalogs(parts: Sequence[Catalog]) -> Catalog:
    """One catalog of ``parts``, keeping the newest element set of each NORAD id."""
    if len(parts) == 1:
        return parts[0]
    merged = Catalog(
        ids=np.concatenate([c.ids for c in parts]),
        names=np.concatenate([c.names for c in parts]),
        intl_designators=np.concatenate([c.intl_designators for c in parts]),
        epoch_jd=np.concatenate([c.epoch_jd for c in parts]),
        perigee_km=np.concatenate([c.perigee_km for c in parts]),
        apogee_km=np.concatenate([c.apogee_km for c in parts]),
        inclination_deg=np.concatenate([c.inclination_deg for c in parts]),
        mean_motion_rev_per_day=np.concatenate([c.mean_motion_rev_per_day for c in parts]),
        satrecs=tuple(s for c in parts for s in c.satrecs),
        issues=tuple(i for c in parts for i in c.issues),
        source="; ".join(c.source for c in parts),
    )
    order = np.lexsort((-merged.epoch_jd, merged.ids))  # by id, newest epoch first
    _, first = np.unique(merged.ids[order], return_index=True)
    return merged.subset(np.sort(order[first]))


# -- outcomes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolOutcome:
    """What one call produced: ``result`` or ``error``, a one-line summary and the duration.

    :meth:`as_dict` is the contract's JSON object and :meth:`to_json` the string that goes
    into the tool message.
    """

    name: str
    arguments: Mapping[str, Any]
    result: ToolResult | None
    error: ToolErrorInfo | None
    summary: str
    duration_s: float
    resolved: Mapping[str, Any] | None = None
    """The arguments as the tool executed them: defaults filled in, values in the tool's units
    ("3 days" → 72.0), times in UTC, satellites and stations by canonical name; None when the
    arguments were not valid. ``arguments`` is what the caller wrote."""

    @property
    def ok(self) -> bool:
        """True when the tool returned a result."""
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        """``{"ok": true, "result": {...}}`` or ``{"ok": false, "error": {...}}``."""
        if self.error is not None:
            return {"ok": False, "error": self.error.model_dump(mode="json")}
        assert self.result is not None
        return {"ok": True, "result": self.result.model_dump(mode="json")}

    def to_json(self) -> str:
        """:meth:`as_dict` as compact JSON (UTF-8 text kept, for Korean names)."""
        return json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":"))


@cache
def _specs() -> Mapping[str, ToolSpec]:
    from cosmo_agent.tools.toolkit import TOOLKIT

    return MappingProxyType({spec.name: spec for spec in TOOLKIT})


def tool_specs() -> Mapping[str, ToolSpec]:
    """Every tool by name, in the contract's order."""
    return _specs()


def call_tool(
    ctx: ToolContext, name: str, arguments: Mapping[str, Any] | str | None = None
) -> ToolOutcome:
    """Validate ``arguments`` (a dict or a JSON string) and run tool ``name``; never raises.

    Mistakes come back as an outcome with ``error`` set (see :data:`ToolErrorCode`).
    """
    t0 = time.perf_counter()
    raw: Any = {} if arguments is None else arguments
    try:
        specs = tool_specs()
        spec = specs.get(name)
        if spec is None:
            raise ToolError.make("unknown_tool", name=name, choices=", ".join(specs))
        if isinstance(raw, str):
            raw = _parse_json(spec, raw)
        if not isinstance(raw, Mapping):
            raise ToolError.make(
                "invalid_json",
                name=name,
                problem=f"got a JSON {type(raw).__name__}",
                example=_example(spec),
            )
        raw = dict(raw)
        args = _validated(ctx, spec, raw)
        resolved = _canonical(ctx, args.model_dump(mode="json"))
        result = spec.fn(ctx, args)
    except ToolError as err:
        return _failure(name, raw, err.code, err.message, t0)
    except Exception as exc:  # a bug: report it as data, keep the agent running
        where = traceback.extract_tb(exc.__traceback__)[-1]
        at = f"{os.path.basename(where.filename)}:{where.lineno}"
        problem = f"{type(exc).__name__}: {exc} at {at}"
        message = ERROR_TEMPLATES["internal_error"].format(name=name, problem=problem)
        return _failure(name, raw, "internal_error", message, t0)
    return ToolOutcome(
        name=name,
        arguments=raw,
        result=result,
        error=None,
        summary=result.summary(),
        duration_s=time.perf_counter() - t0,
        resolved=resolved,
    )


def _validated(ctx: ToolContext, spec: ToolSpec, raw: Mapping[str, Any]) -> BaseModel:
    try:
        return spec.args.model_validate(raw, context={"now": ctx.now})
    except ValidationError as err:
        problems = "; ".join(_describe(e, spec) for e in err.errors())
        raise ToolError.make("invalid_arguments", name=spec.name, problems=problems) from None


def resolve_arguments(ctx: ToolContext, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The call as tool ``name`` would execute it, without running it: defaults filled in,
    values with units in the tool's units, times in UTC, satellites by name and stations by
    id as the mission spells them. Raises :class:`ToolError` as :func:`call_tool` reports it
    (``unknown_tool``, ``invalid_arguments``, ``unknown_satellite``, ``ambiguous_name``, ...).

    >>> mission = load_mission("bundled:demo-ko.yaml")
    >>> ctx = ToolContext.from_mission(mission)
    >>> resolve_arguments(ctx, "screen_conjunctions", {"satellites": ["아리랑 3호"],
    ...                                                "duration_h": "이틀"})
    {'satellites': ['KOMPSAT 3'], 'duration_h': 48.0, 'threshold_km': None}
    """
    spec = tool_specs().get(name)
    if spec is None:
        raise ToolError.make("unknown_tool", name=name, choices=", ".join(tool_specs()))
    args = _validated(ctx, spec, arguments).model_dump(mode="json")
    return _canonical(ctx, args, strict=True)  # an unknown or ambiguous name raises


def _canonical(ctx: ToolContext, args: dict[str, Any], *, strict: bool = False) -> dict[str, Any]:
    """``args`` with satellites by name and stations by id, as the mission spells them. A name
    the mission does not know is kept as written (the tool reports it), or with ``strict``
    raises :class:`ToolError`."""

    def sats(keys: Sequence[str] | str) -> list[str]:
        return [s.name for s in ctx.satellites(keys)]

    def stations(keys: Sequence[str] | str) -> list[str]:
        return [st.id for st in ctx.stations(keys)]

    def names(keys: Any, lookup: Callable[[Any], list[str]]) -> Any:
        if keys == "all" or not isinstance(keys, list | str):
            return keys
        try:
            found = lookup(keys)
        except ToolError:
            if strict:
                raise
            return keys
        return found if isinstance(keys, list) else found[0]

    out = dict(args)
    if "satellites" in out:
        out["satellites"] = names(out["satellites"], sats)
    if "stations" in out:
        out["stations"] = names(out["stations"], stations)
    if isinstance(out.get("commands"), list):
        out["commands"] = [
            {**c, "satellite": names(c["satellite"], sats)}
            if isinstance(c, dict) and "satellite" in c
            else c
            for c in out["commands"]
        ]
    return out


def _failure(name: str, raw: Any, code: ToolErrorCode, message: str, t0: float) -> ToolOutcome:
    arguments = dict(raw) if isinstance(raw, Mapping) else {"_raw": raw}
    first = message if len(message) <= 160 else message[:157] + "..."
    return ToolOutcome(
        name=name,
        arguments=arguments,
        result=None,
        error=ToolErrorInfo(code=code, message=message),
        summary=f"{name} failed ({code}): {first}",
        duration_s=time.perf_counter() - t0,
    )


def _parse_json(spec: ToolSpec, text: str) -> Any:
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolError.make(
            "invalid_json",
            name=spec.name,
            problem=f"{exc.msg} at character {exc.pos}",
            example=_example(spec),
        ) from None


def _example(spec: ToolSpec) -> str:
    schema = spec.parameters()
    required = schema.get("required", [])
    example = {k: _example_value(schema["properties"][k]) for k in required}
    return json.dumps(example, ensure_ascii=False)


def _example_value(node: Mapping[str, Any]) -> Any:
    if "anyOf" in node:
        return _example_value(node["anyOf"][-1])
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "array":
        return [_example_value(node.get("items", {}))]
    if kind == "object":
        props = node.get("properties", {})
        return {k: _example_value(props[k]) for k in node.get("required", [])}
    if kind in ("number", "integer"):
        return node.get("default", node.get("maximum", 1))
    return "..."


def _describe(error: Mapping[str, Any], spec: ToolSpec) -> str:
    """``field: message (allowed: range; got value)`` for one pydantic error."""
    loc = tuple(
        p for p in error["loc"] if not (isinstance(p, str) and ("[" in p or p in _BRANCHES))
    )
    where = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    where = where or "(arguments)"
    msg = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        known = ", ".join(_node_at(spec.parameters(), loc[:-1]).get("properties", {}))
        return f"{where}: unknown field; the fields are {known}"
    if error["type"] == "missing":
        return f"{where}: required field missing"
    node = _node_at(spec.parameters(), loc)
    allowed = _range_text(node, str(loc[-1]) if loc else "value")
    got = error.get("input")
    extra = []
    if allowed:
        extra.append(f"allowed: {allowed}")
    if isinstance(got, int | float | str) and not isinstance(got, bool) and len(str(got)) < 60:
        extra.append(f"got {got!r}" if isinstance(got, str) else f"got {got}")
    if error["type"] in ("timezone_aware", "datetime_from_date_parsing", "datetime_parsing"):
        extra.append("write UTC times like 2026-06-10T12:00:00Z")
    return f"{where}: {msg}" + (f" ({'; '.join(extra)})" if extra else "")


_BRANCHES = {"str", "int", "float", "bool", "list", "function-before", "function-after"}


def _node_at(schema: Mapping[str, Any], loc: Sequence[int | str]) -> Mapping[str, Any]:
    node: Mapping[str, Any] = schema
    for part in loc:
        if "anyOf" in node:
            node = next((b for b in node["anyOf"] if b.get("type") in ("array", "object")), node)
        if isinstance(part, int):
            node = node.get("items", {})
        elif "properties" in node and part in node["properties"]:
            node = node["properties"][part]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return {}
    return node


def _range_text(node: Mapping[str, Any], name: str) -> str:
    if "anyOf" in node:
        texts = [_range_text(b, name) for b in node["anyOf"]]
        return " or ".join(t for t in texts if t)
    if "const" in node:
        return json.dumps(node["const"], ensure_ascii=False)
    if "enum" in node:
        values = [json.dumps(v, ensure_ascii=False) for v in node["enum"]]
        shown = ", ".join(values[:12]) + (", ..." if len(values) > 12 else "")
        return f"one of {shown}"
    lo = (
        f"{_num(node['exclusiveMinimum'])} < "
        if "exclusiveMinimum" in node
        else f"{_num(node['minimum'])} <= "
        if "minimum" in node
        else ""
    )
    hi = (
        f" < {_num(node['exclusiveMaximum'])}"
        if "exclusiveMaximum" in node
        else f" <= {_num(node['maximum'])}"
        if "maximum" in node
        else ""
    )
    if lo or hi:
        return f"{lo}{name}{hi}"
    if node.get("type") == "array":
        inner = _range_text(node.get("items", {}), "item")
        return f"a list of {inner}" if inner else "a list"
    if node.get("format") == "date-time":
        return "an ISO 8601 UTC time"
    return ""


def _num(value: float) -> str:
    return f"{value:g}"


# -- schemas -------------------------------------------------------------------------------------

NAMES_KEY: Final = "x-cosmo-names"
"""Schema marker on fields that take mission names: ``"satellite"`` or ``"station"``."""


def _parameters(model: type[BaseModel], mission: Mission | None) -> dict[str, Any]:
    schema = _compact(model.model_json_schema())
    names: dict[str, list[str]] = {}
    if mission is not None:
        names["satellite"] = list(dict.fromkeys(mission.fleet_names()))
        names["station"] = list(dict.fromkeys(mission.station_names()))
    _apply_names(schema, names)
    return schema


def _compact(schema: dict[str, Any]) -> dict[str, Any]:
    """Inline ``$defs``, drop titles and the ``null`` branch of optional fields."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(x) for x in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]])
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return walk({**target, **rest})
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("title", "$defs"):
                continue
            if key == "properties":
                out[key] = {name: walk(sub) for name, sub in value.items()}
            else:
                out[key] = walk(value)
        branches = out.get("anyOf")
        if branches is not None and {"type": "null"} in branches and out.get("default") is None:
            kept = [b for b in branches if b != {"type": "null"}]
            del out["anyOf"]
            out.pop("default", None)
            out = {**kept[0], **out} if len(kept) == 1 else {"anyOf": kept, **out}
        return out

    result: dict[str, Any] = walk(schema)
    return result


def _apply_names(node: Any, names: Mapping[str, list[str]]) -> None:
    if isinstance(node, list):
        for item in node:
            _apply_names(item, names)
        return
    if not isinstance(node, dict):
        return
    kind = node.pop(NAMES_KEY, None)
    if kind is not None and names.get(kind):
        _set_enum(node, names[kind])
    for value in node.values():
        _apply_names(value, names)


def _set_enum(node: dict[str, Any], values: list[str]) -> None:
    if "anyOf" in node:
        for branch in node["anyOf"]:
            _set_enum(branch, values)
    elif node.get("type") == "array":
        _set_enum(node["items"], values)
    elif node.get("type") == "string" and "const" not in node:
        node["enum"] = values
        for key in ("minLength", "maxLength", "pattern"):
            node.pop(key, None)


def openai_tools(mission: Mission | None = None) -> list[dict[str, Any]]:
    """Every tool in OpenAI format; with ``mission``, name fields list the mission's names.

    >>> tools = openai_tools()
    >>> len(tools), tools[0]["type"], sorted(tools[1]["function"]["parameters"]["properties"])
    (9, 'function', ['duration_h', 'satellites', 'start', 'step_s'])
    """
    return [spec.openai(mission) for spec in tool_specs().values()]


# -- thin library calls for the CLI --------------------------------------------------------------


def _context(mission: Mission | str | os.PathLike[str], now: datetime | None) -> ToolContext:
    m = mission if isinstance(mission, Mission) else load_mission(mission)
    return ToolContext.from_mission(m, now=now)


def mission_passes(
    mission: Mission | str | os.PathLike[str],
    *,
    satellites: Sequence[str] | str = "all",
    stations: Sequence[str] | str = "all",
    duration_h: float | None = None,
    now: datetime | None = None,
) -> ToolOutcome:
    """``cosmo-agent passes``: the find_passes tool over the mission (``MissionError`` if the
    file is bad). ``duration_h`` defaults to the mission horizon; print ``outcome.as_dict()``."""
    ctx = _context(mission, now)
    hours = duration_h if duration_h is not None else ctx.mission.horizon.duration_h
    args = {"satellites": _selection(satellites), "stations": _selection(stations),
            "duration_h": hours}  # fmt: skip
    return call_tool(ctx, "find_passes", args)


def mission_schedule(
    mission: Mission | str | os.PathLike[str],
    *,
    satellites: Sequence[str] | str = "all",
    stations: Sequence[str] | str = "all",
    duration_h: float | None = None,
    objective: Literal["max_volume", "max_priority"] = "max_volume",
    now: datetime | None = None,
) -> ToolOutcome:
    """``cosmo-agent schedule``: the schedule_contacts tool over the mission's horizon."""
    ctx = _context(mission, now)
    hours = duration_h if duration_h is not None else ctx.mission.horizon.duration_h
    args = {"satellites": _selection(satellites), "stations": _selection(stations),
            "duration_h": hours, "objective": objective}  # fmt: skip
    return call_tool(ctx, "schedule_contacts", args)


def _selection(keys: Sequence[str] | str) -> list[str] | str:
    return keys if isinstance(keys, str) else list(keys)
