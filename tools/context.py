"""What every tool and the registry share: the run context, tool errors, the tool spec.

- :class:`ToolContext`, the immutable run context (mission, planning clock, data sources,
  the lazily loaded catalog) with a mutable :class:`ResultStore` so that later tools can
  refer to earlier results (conjunction events by id, the last schedule...);
- :class:`ToolError` (a :data:`ToolErrorCode` and its :data:`ERROR_TEMPLATES` message), which
  :func:`~cosmo_agent.tools.registry.call_tool` turns into data;
- :class:`ToolArgs` and :class:`ToolResult`, the bases of every tool's arguments and result,
  and :class:`ToolSpec`, one tool of the contract (its name, description, argument and result
  models, and function); the nine are :data:`cosmo_agent.tools.toolkit.TOOLKIT`;
- the catalog loading behind :attr:`ToolContext.catalog` (:func:`merge_catalogs`).

>>> ctx = ToolContext.from_mission(load_mission("bundled:demo.yaml"))
>>> [s.name for s in ctx.satellites(["k3", "아리랑5호"])], len(ctx.catalog), ctx.now.isoformat()
(['KOMPSAT 3', 'KOMPSAT 5'], 58, '2026-06-10T12:00:00+00:00')
>>> try:
...     ctx.satellites(["Hubble"])
... except ToolError as err:
...     print(err.code)
unknown_satellite
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from cosmo_agent.orbital.catalog import Catalog, StalenessPolicy
from cosmo_agent.orbital.elements import OmmFormat
from cosmo_agent.orbital.timescales import require_utc
from cosmo_agent.tools.commands import CommandDictionary, CommandDictionaryError, dictionary_for
from cosmo_agent.tools.events import (
    EventKey,
    event_id_for,
    event_pair,
    match_event,
    normal_event_id,
    parse_event_id,
)
from cosmo_agent.tools.feeds import FeedError, FeedPoller
from cosmo_agent.tools.mission import (
    AmbiguousName,
    GroundStation,
    Mission,
    Satellite,
    load_mission,
)
from cosmo_agent.tools.schemas import parameters_schema
from cosmo_agent.tools.spaceweather import SpaceWeatherReport, SpaceWeatherSource, open_source
from cosmo_agent.tools.storage import is_object_url, list_files, read_bytes

if TYPE_CHECKING:  # the results the store keeps; the toolkit's modules import this one
    from cosmo_agent.tools.toolkit.avoidance import ManeuverProposal
    from cosmo_agent.tools.toolkit.commands import CommandCheck
    from cosmo_agent.tools.toolkit.conjunctions import ConjunctionEvent, EventSighting
    from cosmo_agent.tools.toolkit.contacts import ScheduleResult
    from cosmo_agent.tools.toolkit.passes import PassInfo

__all__ = [
    "ERROR_TEMPLATES",
    "ResultStore",
    "ToolArgs",
    "ToolContext",
    "ToolError",
    "ToolErrorCode",
    "ToolErrorInfo",
    "ToolResult",
    "ToolSpec",
    "merge_catalogs",
    "read_catalog",
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


class ToolArgs(BaseModel):
    """Base of every tool's arguments: frozen, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolResult(BaseModel):
    """Base of every tool's result; :meth:`summary` is one line for traces and briefings."""

    model_config = ConfigDict(frozen=True)

    def summary(self) -> str:
        """One line saying what the result holds."""
        return type(self).__name__


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its contract name, description, argument model, implementation and the
    model it returns (``fn`` returns a ``result``)."""

    name: str
    description: str
    args: type[ToolArgs]
    fn: Callable[[ToolContext, Any], ToolResult]
    result: type[ToolResult] = ToolResult

    def parameters(self, mission: Mission | None = None) -> dict[str, Any]:
        """The compact JSON Schema of the arguments (name enums when ``mission`` is given)."""
        return parameters_schema(self.args, mission)

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


# -- result store and context ----------------------------------------------------------------------


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
                self._cache[key] = dictionary_for(self.mission, sat_class)
            except CommandDictionaryError as exc:
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
    :data:`_ELEMENT_SUFFIXES`, in name order), either of them in object storage (``s3://``,
    :mod:`cosmo_agent.tools.storage`), or an ``http(s)://`` URL.
    """
    parts: list[Catalog] = []
    for i, ref in enumerate(mission.sources.catalog):
        path = mission.resolve_path(ref)
        where = f"sources.catalog[{i}]"
        if "://" in path and not is_object_url(path):
            parts.append(_fetch_catalog(path, where))
            continue
        parts += [_read_catalog_file(f, where) for f in _element_files(path, where)]
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


def _element_files(path: str, where: str) -> list[str]:
    """``[path]`` for a file; the element files of a directory (none: ``data_unavailable``)."""
    try:
        found = list_files(path, _ELEMENT_SUFFIXES)
    except OSError as exc:
        raise ToolError.make(
            "data_unavailable",
            what=f"the catalog directory {path} ({where})",
            problem=exc.strerror or type(exc).__name__,
            fix="Fix the directory's permissions or the path in the mission's sources.catalog.",
        ) from None
    if found is None:
        return [path]  # a missing file is reported when it is read
    if not found:
        raise ToolError.make(
            "data_unavailable",
            what=f"the catalog directory {path} ({where})",
            problem=f"it holds no element files ({', '.join(_ELEMENT_SUFFIXES)})",
            fix="Put TLE/3LE or OMM files in it, or fix the path in the mission's sources.catalog.",
        )
    return found


def _read_catalog_file(path: str, where: str) -> Catalog:
    try:
        return read_catalog(path)
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


def read_catalog(ref: str) -> Catalog:
    """The element sets of a file or of an object (``s3://...``, :mod:`.storage`), read as
    ``Catalog.from_file`` reads a file of that name (OMM by suffix, else TLE/3LE).

    Raises ``OSError`` (the object store's naming the URL and what to check) or ValueError.
    """
    if not is_object_url(ref):
        return Catalog.from_file(ref)
    data, suffix = read_bytes(ref), os.path.splitext(ref)[1].lower()
    if suffix in _OMM_SUFFIXES:
        return Catalog.from_omm_text(data.decode("utf-8"), ref, _OMM_SUFFIXES[suffix])
    return Catalog.from_tle_text(data.decode("ascii", errors="replace"), ref)


_OMM_SUFFIXES: Final[dict[str, OmmFormat | None]] = {
    ".json": "json", ".csv": "csv", ".xml": "xml", ".kvn": "kvn", ".omm": None,
}  # fmt: skip
"""The OMM encodings by suffix, as ``Catalog.from_file`` reads them (``.omm``: guessed)."""


def _fetch_catalog(url: str, where: str) -> Catalog:
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
