"""``cosmo-agent events``: the conjunction events the daemon tracks, with their Pc history.

``cosmo-agent events`` lists every event in the daemon's state database (the one
``cosmo-agent daemon`` writes: ``--state-dir``, ``--config`` or ``COSMO_DAEMON_*``, as the
daemon reads them): canonical id, pair, TCA, latest miss and Pc, level, and the Pc history.
``cosmo-agent events ID`` shows one event and each of its updates; the id is the canonical one
(``CONJ-25544-48274-20260610T1510Z``, any case) or another spelling of the same pair and TCA.
``--ingest FILE.cdm`` first folds CCSDS CDMs into the store (each updates the event it
describes or creates one; needs the mission for its Pc policy and fleet).
Exit codes: 0 shown, 2 bad input (an unknown id, listing the known ones; an unreadable CDM;
bad settings).

Only argparse is imported here; SQLAlchemy, the store and the CDM reader load in :func:`run`.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="cosmo-agent")
>>> add_parser(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["events", "conj-1-2-20260610t1510z", "--state-dir", "st"])
>>> args.event_id, args.state_dir, args.ingest, args.json
('conj-1-2-20260610t1510z', 'st', None, False)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NotRequired, TypedDict

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from cosmo_agent.agent.daemon.settings import DaemonSettings
    from cosmo_agent.agent.daemon.store import EventRow, Store
    from cosmo_agent.tools.mission import Mission

__all__ = ["add_parser", "run"]


class _InputError(Exception):
    """Bad input: one line on stderr, exit code 2."""


class _Object(TypedDict):
    norad_id: int
    name: str | None


class _PcEntry(TypedDict):
    """One Pc of an event's history: a screening cycle's or a CDM's."""

    at_utc: str
    source: str
    tca_utc: str
    miss_km: float
    pc: float | None
    level: str


class _Event(TypedDict):
    """One event as ``events --json`` prints it."""

    event_id: str
    primary: _Object
    secondary: _Object
    tca_utc: str
    miss_km: float
    pc: float | None
    level: str
    peak_level: str
    status: str
    pc_history: list[_PcEntry]


class _Ingested(TypedDict):
    """One ``--ingest`` CDM: the event it went to, and whether that event is new."""

    file: str
    event_id: str
    new: bool


class _Events(TypedDict):
    """What ``events --json`` prints (no ``ingested`` when there is no database yet)."""

    database: str
    ingested: NotRequired[list[_Ingested]]
    events: list[_Event]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``events`` to an ``argparse`` subparsers object."""
    p = sub.add_parser(
        "events", help="conjunction events the daemon tracks, with their Pc history; --ingest CDMs"
    )
    p.add_argument("event_id", nargs="?", help="show this event (default: list them all)")
    p.add_argument("--state-dir", help="the daemon's state directory (default as the daemon)")
    p.add_argument("--config", dest="config_file", help="the daemon's settings file")
    p.add_argument("--mission", help="mission YAML: names, Pc policy and fleet for --ingest")
    p.add_argument("--ingest", action="append", metavar="CDM",
                   help="a CCSDS CDM file (KVN or XML) to fold into the events first;"
                   " repeat for more")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print JSON (default: text)")


def run(args: argparse.Namespace) -> int:
    """Ingest, then show; returns the exit code (0, or 2 with one line on stderr)."""
    try:
        out = _events(args)
    except _InputError as exc:
        print(f"cosmo-agent events: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out, indent=2) if args.json else _text(out))
    return 0


def _settings(args: argparse.Namespace) -> DaemonSettings:
    from pydantic import ValidationError

    from cosmo_agent.agent.daemon.settings import DaemonSettings, SettingsFileError

    given = {
        k: getattr(args, k)
        for k in ("state_dir", "config_file", "mission")
        if getattr(args, k, None) is not None
    }
    try:
        return DaemonSettings(**given)
    except SettingsFileError as exc:
        raise _InputError(str(exc)) from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise _InputError(f"bad settings: {problems}") from None


def _events(args: argparse.Namespace) -> _Events:
    from cosmo_agent.agent.daemon.runtime import sink_names
    from cosmo_agent.agent.daemon.store import Store

    settings = _settings(args)
    url = settings.state_url()
    names: dict[int, str] = {}
    mission: Mission | None = None
    if settings.mission is not None:
        from cosmo_agent.tools.mission import MissionError, load_mission

        try:
            mission = load_mission(settings.mission)
        except (MissionError, OSError) as exc:
            raise _InputError(str(exc).replace("\n", " ")) from None
        names = {s.norad_id: s.name for s in mission.fleet}
    sqlite_file = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if args.ingest and mission is None:
        raise _InputError(
            f"--ingest {args.ingest[0]}: the mission is needed (its Pc policy and fleet); pass"
            " --mission FLEET.yaml or set it in the daemon's settings"
        )
    if not args.ingest and sqlite_file is not None and not sqlite_file.exists():
        if args.event_id:
            raise _InputError(f"no event {args.event_id!r}: no state database at {sqlite_file}")
        return {"database": url, "events": []}
    from sqlalchemy.exc import SQLAlchemyError

    try:
        if sqlite_file is not None:
            sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        store = Store(url, sinks=sink_names(settings) if args.ingest else ())
        try:
            return _query(store, args, settings, mission, names)
        finally:
            store.close()
    except (SQLAlchemyError, OSError) as exc:
        problem = getattr(exc, "orig", None) or getattr(exc, "strerror", None) or exc
        raise _InputError(f"the state database {url} cannot be used: {problem}") from None


def _query(
    store: Store,
    args: argparse.Namespace,
    settings: DaemonSettings,
    mission: Mission | None,
    names: dict[int, str],
) -> _Events:
    ingested = []
    for path in args.ingest or ():  # one transaction each: a bad CDM keeps the others
        with store.session() as s:
            ingested.append(_ingest(store, s, settings, mission, names, path))
    with store.session() as s:
        rows = store.events(s)
        if args.event_id:
            ev = store.event(s, args.event_id)
            if ev is None:
                known = ", ".join(e.uid for e in rows) or "none yet"
                raise _InputError(f"no event {args.event_id!r}{_alias_hint(args.event_id)};"
                                  f" known events: {known}")  # fmt: skip
            rows = [ev]
        events = [_row(store, s, ev, names) for ev in rows]
    return {"database": store.url, "ingested": ingested, "events": events}


def _alias_hint(written: str) -> str:
    from cosmo_agent.tools.events import ALIAS_PATTERN

    if re.fullmatch(ALIAS_PATTERN, written.strip(), re.IGNORECASE) is None:
        return ""
    return " (an alias like CONJ-0001 names an event within one tools run only)"


def _ingest(
    store: Store,
    s: Session,
    settings: DaemonSettings,
    mission: Mission | None,
    names: dict[int, str],
    path: str,
) -> _Ingested:
    from cosmo_agent.agent.daemon.ingest import ingest_cdm
    from cosmo_agent.agent.daemon.store import PcThresholds
    from cosmo_agent.orbital.cdm import Cdm, CdmError

    assert mission is not None  # checked before the database is opened
    from cosmo_agent.tools.storage import read_bytes

    try:  # a path or an object URL (s3://); CDMs are ASCII / ISO 8859-1 (508.0-B-1 6.2.2)
        cdm = Cdm.from_text(read_bytes(path).decode("latin-1"), source=path)
    except OSError as exc:
        raise _InputError(f"--ingest {path}: cannot read ({exc.strerror or exc})") from None
    except (CdmError, ValueError) as exc:
        raise _InputError(f"--ingest {path}: not a CDM this reader accepts: {exc}") from None
    p = mission.policies
    thresholds = PcThresholds.from_policy(
        p.max_pc, p.min_miss_km, watch=settings.pc_watch, alert=settings.pc_alert,
        emergency=settings.pc_emergency,
    )  # fmt: skip
    try:
        ev, changed = ingest_cdm(store, s, cdm, thresholds=thresholds, names=names,
                                 fleet={sat.norad_id for sat in mission.fleet},
                                 history_per_event=settings.history_per_event)  # fmt: skip
    except ValueError as exc:
        raise _InputError(f"--ingest {path}: {exc}") from None
    return {"file": path, "event_id": ev.uid, "new": ev.uid in changed.new}


def _row(store: Store, s: Session, ev: EventRow, names: dict[int, str]) -> _Event:
    from cosmo_agent.orbital.timescales import iso_utc  # `events --help` stays light

    return {
        "event_id": ev.uid,
        "primary": {"norad_id": ev.primary_id, "name": names.get(ev.primary_id)},
        "secondary": {"norad_id": ev.secondary_id, "name": names.get(ev.secondary_id)},
        "tca_utc": iso_utc(ev.tca),
        "miss_km": round(ev.miss_km, 4),
        "pc": ev.pc,
        "level": ev.level,
        "peak_level": ev.peak_level,
        "status": ev.status if ev.closed_reason is None else f"closed ({ev.closed_reason})",
        "pc_history": [
            {
                "at_utc": iso_utc(h.at),
                "source": h.source if h.cycle == 0 else f"{h.source} {h.cycle}",
                "tca_utc": iso_utc(h.tca),
                "miss_km": round(h.miss_km, 4),
                "pc": h.pc,
                "level": h.level,
            }
            for h in store.pc_history(s, ev)
        ],
    }


def _pc(pc: float | None) -> str:
    return "n/a" if pc is None else f"{pc:.2e}"


def _text(out: _Events) -> str:
    events = out["events"]
    if not events:
        return f"no conjunction events in {out['database']}"
    lines = [f"{x['file']}: {'new event' if x['new'] else 'updated'} {x['event_id']}"
             for x in out.get("ingested", [])]  # fmt: skip
    detail = len(events) == 1 and not out.get("ingested")
    for e in events:
        who = " - ".join(
            f"{o['name']} ({o['norad_id']})" if o["name"] else str(o["norad_id"])
            for o in (e["primary"], e["secondary"])
        )
        lines.append(
            f"{e['event_id']}  {who}  TCA {e['tca_utc']}  miss {e['miss_km']:.3f} km"
            f"  Pc {_pc(e['pc'])}  {e['level']}  {e['status']}"
        )
        if detail:
            lines += [
                f"  {h['at_utc']}  {h['source']:<24}  TCA {h['tca_utc']}  miss"
                f" {h['miss_km']:.3f} km  Pc {_pc(h['pc'])}  {h['level']}"
                for h in e["pc_history"]
            ]
        else:
            lines.append("  Pc history: " + " -> ".join(_pc(h["pc"]) for h in e["pc_history"]))
    return "\n".join(lines)
