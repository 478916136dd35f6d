"""The daemon's jobs: module-level callables APScheduler persists by name, and their bodies.

APScheduler stores each job as ``"cosmo_agent.agent.daemon.jobs:screening_cycle"`` with one
string argument, the daemon's key (stable for a state database), and calls it in its worker
thread; the function finds the running :class:`~cosmo_agent.agent.daemon.runtime.Daemon` by
that key and runs the body under its bookkeeping (job-run rows, failure alerts, metrics).

Jobs:

- ``catalog``: refresh the catalog; a failed refresh keeps the last good one and alerts;
- ``screening``: the fleet against the catalog in shards, events tracked, Pc escalation;
- ``space_weather``: NOAA scales and the mission's alert rules; feed outages alert;
- ``contacts``: the contact schedule over the next ``contacts_span_h``;
- ``staleness``: element ages of the fleet against the mission policy;
- ``replan``: a new plan through the agent when something changed since the last one;
- ``delivery``: (re-)deliver pending and dead-lettered alerts;
- ``maintenance``: prune old rows so the database stays bounded.

A run that is partial or works on data that cannot be trusted ends ``degraded`` and names what
it left out in :attr:`JobReport.reasons` (which satellites, why): a catalog without usable
elements for a fleet satellite, a screening cycle that could not screen every fleet satellite
(not in the catalog, elements older than ``policies.stale_refuse_days`` over the window, an
OEM (``fleet[].ephemeris``) that cannot be read or does not cover the window, a failed shard),
stale space weather, a contact schedule that left satellites out, elements the staleness policy
refuses, and a plan that is not complete (``incomplete``, ``rejected``,
``failed``, ``unavailable``).  A plan the planner calls ``accepted`` while fleet satellites
have no usable elements is recorded as ``incomplete``: it was made without them.  Every
accepted plan is also written to ``plan_dir`` (a folder, default ``state_dir/plans``, or an
``s3://`` URL) as ``plan-<id>-<created>.json`` (the plan run's JSON, whole or not at all:
:class:`~.sinks.PlanArchive`); one the daemon could not write (it died first, the disk was
full, the bucket was away) is written at the next start or re-plan.

What counts as a change (a re-plan trigger): a new catalog; a new conjunction event at watch
or above, or an escalation; new space-weather levels; a satellite whose element verdict
(fresh, warn, refuse, missing) changed; a contact schedule whose contacts changed where it
overlaps the last one (passes matched by satellite, station and AOS within a minute, so the
window rolling forward is no change), or whose satellites short of contacts changed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, NotRequired, TypedDict, cast

from sqlalchemy import select

from cosmo_agent.agent.daemon.catalogs import CatalogRefreshError
from cosmo_agent.agent.daemon.scaleout import plan_shards
from cosmo_agent.agent.daemon.screening import (
    Approach,
    Shard,
    ShardEphemeris,
    ShardResult,
    ephemeris_source,
    prime_snapshot,
    read_ephemeris,
    unusable_primaries,
)
from cosmo_agent.agent.daemon.sinks import PlanArchive
from cosmo_agent.agent.daemon.store import PlanRow, Severity
from cosmo_agent.agent.jsontypes import JsonValue
from cosmo_agent.orbital.oem import OemError
from cosmo_agent.tools.ephemerides import apply_ephemerides

if TYPE_CHECKING:
    from cosmo_agent.agent.daemon.runtime import Daemon

__all__ = [
    "JOBS",
    "JobReport",
    "archive_plans",
    "check_staleness",
    "deliver_alerts",
    "maintenance",
    "poll_space_weather",
    "refresh_catalog",
    "refresh_contacts",
    "replan",
    "screening_cycle",
]

JobStatus = Literal["ok", "degraded", "skipped", "interrupted", "failed"]
"""``degraded``: ran, but part of the input was missing (alerted); ``interrupted``: stopped
by shutdown before committing anything."""

log = logging.getLogger("cosmo_agent.daemon")

_RUNTIMES: dict[str, Daemon] = {}


@dataclass(frozen=True)
class JobReport:
    """What a job body returns: its status, one line for the job-run row and the log, and for
    a ``degraded`` run what it could not do (one sentence each, naming satellites and why)."""

    status: JobStatus
    detail: str = ""
    reasons: tuple[str, ...] = ()


def _degraded_if(reasons: Sequence[str], detail: str) -> JobReport:
    """``degraded`` with ``reasons`` when there are any, else ``ok``."""
    if not reasons:
        return JobReport("ok", detail)
    return JobReport("degraded", f"{detail}; degraded: {'; '.join(reasons)}"[:4000],
                     tuple(reasons))  # fmt: skip


def _who(d: Daemon, norad_id: int) -> str:
    name = next((s.name for s in d.mission.fleet if s.norad_id == norad_id), str(norad_id))
    return f"{name} ({norad_id})"


def _fleet_oems(d: Daemon) -> tuple[list[ShardEphemeris], dict[int, str]]:
    """The fleet's OEMs (``fleet[].ephemeris``) read for this cycle, and why each one that
    cannot be read is not usable (the file, and the reader's line and keyword), by NORAD id."""
    refs, unreadable = [], {}
    for sat in d.mission.fleet:
        if sat.ephemeris is None:
            continue
        path = d.mission.resolve_path(sat.ephemeris)
        try:
            refs.append(read_ephemeris(sat.norad_id, path))
        except OSError as exc:
            why = exc.strerror or str(exc)
            unreadable[sat.norad_id] = f"its ephemeris {path} cannot be read ({why})"
        except OemError as exc:
            unreadable[sat.norad_id] = f"its ephemeris is malformed: {exc}"
    return refs, unreadable


def fleet_gaps(d: Daemon, start: datetime, stop: datetime) -> list[str]:
    """Why fleet satellites have no usable elements in the daemon's catalog over
    ``[start, stop]`` (not in it, or older than the mission's ``stale_refuse_days`` and not
    flown by an OEM covering the window), one sentence per satellite; empty when every one
    is usable (or there is no catalog yet)."""
    if d.snapshot is None:
        return []
    limit = d.mission.policies.stale_refuse_days
    missing, stale = unusable_primaries(
        d.snapshot.catalog, [s.norad_id for s in d.mission.fleet], start, stop, limit
    )
    if stale:
        refs, _ = _fleet_oems(d)
        sources = {r.norad_id: ephemeris_source(r) for r in refs}
        _, uncovered = apply_ephemerides(d.snapshot.catalog, sources, start, stop)
        stale = tuple((i, age) for i, age in stale if i not in sources or i in uncovered)
    out = [f"{_who(d, i)} is not in the catalog ({d.snapshot.digest})" for i in missing]
    out += [f"elements of {_who(d, i)} are {age:.1f} days from their epoch (the mission refuses"
            f" elements older than {limit:g} days)" for i, age in stale]  # fmt: skip
    return out


def register(key: str, daemon: Daemon) -> None:
    _RUNTIMES[key] = daemon


def unregister(key: str) -> None:
    _RUNTIMES.pop(key, None)


def _run(key: str, job: str) -> None:
    daemon = _RUNTIMES.get(key)
    if daemon is not None:
        daemon.run_job(job)


# -- the callables APScheduler stores ---------------------------------------------------------


def refresh_catalog(key: str) -> None:
    """Job ``catalog``."""
    _run(key, "catalog")


def screening_cycle(key: str) -> None:
    """Job ``screening``."""
    _run(key, "screening")


def poll_space_weather(key: str) -> None:
    """Job ``space_weather``."""
    _run(key, "space_weather")


def refresh_contacts(key: str) -> None:
    """Job ``contacts``."""
    _run(key, "contacts")


def check_staleness(key: str) -> None:
    """Job ``staleness``."""
    _run(key, "staleness")


def replan(key: str) -> None:
    """Job ``replan``."""
    _run(key, "replan")


def deliver_alerts(key: str) -> None:
    """Job ``delivery``."""
    _run(key, "delivery")


def maintenance(key: str) -> None:
    """Job ``maintenance``."""
    _run(key, "maintenance")


# -- bodies ------------------------------------------------------------------------------------


def _catalog(d: Daemon, run_id: int, now: datetime) -> JobReport:
    previous = d.snapshot
    fleet = [s.norad_id for s in d.mission.fleet]
    try:
        snap = d.refresher.refresh(previous, fleet_ids=fleet)
    except CatalogRefreshError as exc:
        kept = (
            "no catalog yet: screening waits for a good one"
            if previous is None
            else f"keeping the last good catalog ({previous.digest}, loaded"
            f" {previous.loaded_at_utc:%Y-%m-%dT%H:%MZ})"
        )
        with d.store.session() as s:
            d.store.raise_issue(
                s, "catalog-refresh", severity="alert" if previous is None else "warning",
                kind="catalog", message=f"catalog refresh failed, {kept}: {exc}", now=now,
                data={"problems": exc.problems},
            )  # fmt: skip
        return JobReport("degraded", f"refresh failed ({'; '.join(exc.problems)[:500]}); {kept}")
    with d.store.session() as s:
        d.store.resolve_issue(s, "catalog-refresh", kind="catalog", now=now,
                              message="catalog refresh works again")  # fmt: skip
        d.store.put(s, "catalog_refreshed_at", now.isoformat())
        if snap is previous:
            d.catalog_ok_at = now
            return _degraded_if(fleet_gaps(d, now, now), f"unchanged ({snap.digest})")
        d.store.put(s, "catalog", snap.manifest())
        d.store.add_trigger(s, "catalog", f"new catalog {snap.digest}: {len(snap.catalog)}"
                            f" objects from {', '.join(snap.sources)}", now)  # fmt: skip
        if snap.skipped_records:  # one info alert while catalogs keep having bad records
            d.store.raise_issue(
                s, "catalog-skipped", severity="info", kind="catalog",
                message=f"{snap.skipped_records} element records skipped in catalog"
                f" {snap.digest} ({'; '.join(str(i) for i in snap.catalog.issues[:3])})",
                now=now,
            )  # fmt: skip
        else:
            d.store.resolve_issue(s, "catalog-skipped", kind="catalog", now=now,
                                  message="the new catalog has no bad records")
    d.snapshot = snap
    d.catalog_ok_at = now
    prime_snapshot(snap.digest, snap.catalog)
    return _degraded_if(fleet_gaps(d, now, now), f"new catalog {snap.digest}:"
                        f" {len(snap.catalog)} objects, {snap.skipped_records} records skipped")


def _screening(d: Daemon, run_id: int, now: datetime) -> JobReport:
    if d.snapshot is None:
        d.run_job("catalog")
    snap = d.snapshot
    if snap is None:
        return JobReport("skipped", "no good catalog yet")
    settings, mission = d.settings, d.mission
    start = now
    stop = now + timedelta(hours=settings.screening_span_h)
    threshold = settings.screening_threshold_km or mission.policies.screening_threshold_km
    hbr = {s.norad_id: s.hard_body_radius_m for s in mission.fleet}
    fleet = tuple(hbr)
    oems, unreadable = _fleet_oems(d)  # a satellite whose OEM is unreadable is not screened
    shards = [
        Shard(
            index=i, primaries=ids, primary_hbr_m=tuple(hbr[x] for x in ids), fleet=fleet,
            start=start, stop=stop, threshold_km=threshold, step_s=settings.screening_step_s,
            catalog_files=snap.files, catalog_digest=snap.digest, screener=settings.screener,
            stale_refuse_days=mission.policies.stale_refuse_days, ephemerides=tuple(oems),
        )
        for i, ids in enumerate(plan_shards([x for x in fleet if x not in unreadable],
                                            settings.shard_size))
    ]  # fmt: skip
    results: list[ShardResult] = []
    errors: list[str] = []
    for out in d.runner.run(shards, d.stop_event):
        if isinstance(out, BaseException):
            errors.append(f"{type(out).__name__}: {out}")
        else:
            results.append(out)
    if d.stop_event.is_set() and len(results) + len(errors) < len(shards):
        return JobReport(
            "interrupted",
            f"stopped after {len(results) + len(errors)}/{len(shards)} shards; nothing committed",
        )
    sightings: list[Approach] = [a for r in results for a in r.approaches]
    missing = sorted({m for r in results for m in r.missing})
    stale = dict(sorted({(p, age) for r in results for p, age in r.stale}))
    screened = {p for r in results for p in r.screened}
    limit = mission.policies.stale_refuse_days
    why_not = {p: f"its elements are {age:.1f} days from their epoch in the screening window"
               f" (the mission refuses elements older than {limit:g} days)"
               for p, age in stale.items()}  # fmt: skip
    why_not |= {p: f"{why}; other satellites are screened against its element set"
                for r in results for p, why in r.uncovered}  # fmt: skip
    why_not |= unreadable
    flown = sorted({p for r in results for p in r.by_ephemeris})
    names = {s.norad_id: s.name for s in mission.fleet}
    cat = snap.catalog
    for a in sightings:
        if a.secondary_id not in names:
            rows = (cat.ids == a.secondary_id).nonzero()[0]
            names[a.secondary_id] = str(cat.names[rows[0]]) if rows.size else str(a.secondary_id)
    with d.store.session() as s:
        tracking = d.store.track(
            s, sightings, screened=screened, window=(start, stop), now=now, cycle=run_id,
            thresholds=d.thresholds,
            close_after_s=settings.event_close_after_s,
            history_per_event=settings.history_per_event, names=names,
        )  # fmt: skip
        for sat in mission.fleet:
            key = f"not-in-catalog:{sat.norad_id}"
            if sat.norad_id in missing:
                d.store.raise_issue(s, key, severity="alert", kind="catalog", now=now,
                                    message=f"{sat.name} ({sat.norad_id}) is not in the catalog:"
                                    " it is not screened")  # fmt: skip
            elif sat.norad_id in screened:
                d.store.resolve_issue(s, key, kind="catalog", now=now,
                                      message=f"{sat.name} ({sat.norad_id}) is screened again")
            key = f"not-screened:{sat.norad_id}"
            if sat.norad_id in why_not:
                d.store.raise_issue(s, key, severity="alert", kind="screening", now=now,
                                    message=f"{sat.name} ({sat.norad_id}) is not screened:"
                                    f" {why_not[sat.norad_id]}")  # fmt: skip
            elif sat.norad_id in screened:
                d.store.resolve_issue(s, key, kind="screening", now=now,
                                      message=f"{sat.name} ({sat.norad_id}) is screened again")
        if errors:
            d.store.raise_issue(s, "screening-shards", severity="warning", kind="screening",
                                now=now, message=f"{len(errors)} of {len(shards)} screening shards"
                                f" failed (their events are kept as they were): {errors[0]}")
        else:
            d.store.resolve_issue(s, "screening-shards", kind="screening", now=now,
                                  message="every screening shard succeeded again")
        if tracking.notable:
            d.store.add_trigger(
                s, "conjunctions",
                f"new {tracking.new_alerted}, escalated {tracking.escalated}", now,
            )  # fmt: skip
        d.store.put(s, "last_screening", {
            "run": run_id, "at_utc": now.isoformat(), "window_h": settings.screening_span_h,
            "approaches": len(sightings), "screener": sorted({r.screener for r in results}),
            "by_ephemeris": flown,
        })  # fmt: skip
    reasons = [f"{_who(d, i)} not screened: not in the catalog ({snap.digest})" for i in missing]
    reasons += [f"{_who(d, i)} not screened: elements {age:.1f} days from their epoch in the"
                f" window (limit {limit:g} days)" for i, age in stale.items()]  # fmt: skip
    reasons += [f"{_who(d, i)} not screened: {why_not[i]}" for i in fleet
                if i in why_not and i not in stale]  # fmt: skip
    if errors:
        failed = sorted({p for sh in shards for p in sh.primaries}
                        - {p for r in results for p in r.primaries})  # fmt: skip
        reasons.append(f"{len(errors)} of {len(shards)} shards failed, not screened:"
                       f" {', '.join(_who(d, i) for i in failed)} ({errors[0][:300]})")
    if not reasons:
        d.cycle_ok_at = now  # every fleet satellite screened on usable elements
    detail = (
        f"{len(sightings)} approaches under {threshold:g} km in {settings.screening_span_h:g} h;"
        f" events new {len(tracking.new)}, escalated {len(tracking.escalated)}, closed"
        f" {len(tracking.closed)}; {len(results)}/{len(shards)} shards on {d.runner.name}"
        f" ({', '.join(sorted({r.screener for r in results})) or '-'})"
        + (f"; flown by their OEM: {', '.join(_who(d, i) for i in flown)}" if flown else "")
    )
    return _degraded_if(reasons, detail)


_SCALE_SEVERITY: dict[int, Severity] = {1: "watch", 2: "watch", 3: "alert", 4: "emergency",
                                        5: "emergency"}  # fmt: skip
_RULE_SEVERITY: dict[str, Severity] = {"info": "info", "warning": "warning", "critical": "alert"}


def _space_weather(d: Daemon, run_id: int, now: datetime) -> JobReport:
    from cosmo_agent.tools.registry import ToolContext, call_tool
    from cosmo_agent.tools.toolkit import SpaceWeatherResult

    ctx = ToolContext.from_mission(
        d.mission, now=now, catalog=d.snapshot.catalog if d.snapshot else None,
        space_weather=d.space_weather_source(),
    )  # fmt: skip
    out = call_tool(ctx, "space_weather", {})
    with d.store.session() as s:
        if not out.ok or out.result is None:
            message = out.error.message if out.error else "no result"
            d.store.raise_issue(s, "space-weather", severity="warning", kind="space_weather",
                                message=f"space weather unavailable: {message}", now=now)
            return JobReport("degraded", message, (f"space weather unavailable: {message}",))
        result = SpaceWeatherResult.model_validate(out.result)
        report = ctx.store.space_weather
        feeds = report.feeds if report is not None else []
        for feed in feeds:
            d.feed_ages[f"space_weather:{feed.product}"] = feed.age_s
            key = f"space-weather-feed:{feed.product}"
            if feed.problem:
                d.store.raise_issue(s, key, severity="warning", kind="space_weather", now=now,
                                    message=f"space-weather product {feed.product} unavailable:"
                                    f" {feed.problem}")  # fmt: skip
            else:
                d.store.resolve_issue(s, key, kind="space_weather", now=now,
                                      message=f"space-weather product {feed.product} is back")
        if feeds and all(f.problem for f in feeds):
            d.store.raise_issue(s, "space-weather", severity="warning", kind="space_weather",
                                now=now, message="every space-weather product failed")
        else:
            d.store.resolve_issue(s, "space-weather", kind="space_weather", now=now,
                                  message="space-weather data available again")
        levels = {k: v.level for k, v in sorted(result.scales.items())}
        episodes: dict[str, int] = {}
        for letter, level in levels.items():
            key = f"space-weather:{letter}"
            if level is None:
                continue  # stale: keep the state we had
            if level >= 1:
                d.store.raise_issue(
                    s, key, severity=_SCALE_SEVERITY[min(level, 5)], kind="space_weather",
                    level=f"{letter}{level}", now=now,
                    message=f"NOAA {letter}{level} in progress (source {result.source})",
                )  # fmt: skip
            else:
                d.store.resolve_issue(s, key, kind="space_weather", now=now,
                                      message=f"NOAA {letter} scale back to 0")
            episodes[letter] = d.store.issue_episode(s, key)
        for alert in result.alerts:
            d.store.emit(
                s, key=f"space-weather-rule:{alert.rule_id}:{alert.target_kind}:"
                f"{alert.target_id}:{alert.scale}-episode-{episodes.get(alert.scale, 0)}",
                level=f"{alert.scale}{alert.level}", severity=_RULE_SEVERITY[alert.severity],
                kind="space_weather", message=alert.message, now=now,
                data={"action": alert.action, "target": alert.target_id},
            )  # fmt: skip
        known = {k: v for k, v in levels.items() if v is not None}
        previous = d.store.get(s, "space_weather_levels")
        if known and known != previous:
            d.store.add_trigger(s, "space_weather", f"levels {previous} -> {known}", now)
            d.store.put(s, "space_weather_levels", known)
    stale_products = list(getattr(result, "stale_products", None) or [])
    reasons = [f"space weather stale or missing: {', '.join(stale_products) or 'every product'}"
               " (NOAA levels unknown)"] if result.stale else []  # fmt: skip
    return _degraded_if(reasons, result.summary())


def _contacts(d: Daemon, run_id: int, now: datetime) -> JobReport:
    from cosmo_agent.tools.registry import ToolContext, call_tool
    from cosmo_agent.tools.toolkit import ScheduleResult

    if not d.mission.stations:
        return JobReport("skipped", "the mission has no ground stations")
    if d.snapshot is None:
        return JobReport("skipped", "no good catalog yet")
    ctx = ToolContext.from_mission(d.mission, now=now, catalog=d.snapshot.catalog)
    out = call_tool(ctx, "schedule_contacts", {
        "satellites": "all", "stations": "all", "duration_h": d.settings.contacts_span_h,
        "objective": "max_volume"})  # fmt: skip
    with d.store.session() as s:
        if not out.ok or out.result is None:
            message = out.error.message if out.error else "no result"
            d.store.raise_issue(s, "contacts", severity="warning", kind="contacts", now=now,
                                message=f"contact scheduling failed: {message}")
            return JobReport("degraded", message, (f"contact scheduling failed: {message}",))
        d.store.resolve_issue(s, "contacts", kind="contacts", now=now,
                              message="contact scheduling works again")
        result = ScheduleResult.model_validate(out.result)
        summary = result.summary()
        left_out = [
            f"{e.satellite.name} ({e.satellite.norad_id}) has no contacts scheduled: {e.message}"
            for e in getattr(result, "excluded", None) or ()
        ]  # the tool leaves out a satellite without usable elements and schedules the others
        if left_out:
            d.store.raise_issue(s, "contacts-left-out", severity="warning", kind="contacts",
                                now=now, message="contact schedule incomplete: "
                                + "; ".join(left_out))  # fmt: skip
        else:
            d.store.resolve_issue(s, "contacts-left-out", kind="contacts", now=now,
                                  message="the contact schedule covers every satellite again")
        contacts = [(c.satellite.norad_id, c.station_id, c.aos_utc) for c in result.contacts]
        unmet = sorted({u.satellite.norad_id for u in result.unmet})  # one per satellite
        change = _contact_change(d.store.get(s, "contacts"), contacts, unmet, now,
                                 {x.norad_id: x.name for x in d.mission.fleet})  # fmt: skip
        if change:
            d.store.add_trigger(s, "contacts", f"{change}; now {summary}", now)
        d.store.put(s, "contacts", {
            "at_utc": now.isoformat(), "stop_utc": result.stop_utc.isoformat(),
            "summary": summary, "unmet": unmet,
            "contacts": [[sat, station, aos.isoformat()] for sat, station, aos in contacts],
        })  # fmt: skip
    return _degraded_if(left_out, summary + (f"; {change}" if change else ""))


_SAME_CONTACT_S = 60.0
"""Two schedules name the same contact when satellite and station agree and the AOS differ by
at most this (a pass search on another time grid moves an AOS by seconds, a new one by more)."""
_OVERLAP_MARGIN_S = 1800.0
"""Contacts this close to the end of the last schedule are not compared: a pass cut short by
the old window's end (too short to be usable then) is whole in the new one."""

_Contact = tuple[int, str, datetime]


def _unmatched(these: list[_Contact], others: list[_Contact]) -> list[_Contact]:
    by_link: dict[tuple[int, str], list[datetime]] = {}
    for sat, station, aos in others:
        by_link.setdefault((sat, station), []).append(aos)
    return [
        (sat, station, aos) for sat, station, aos in these
        if not any(abs((aos - x).total_seconds()) <= _SAME_CONTACT_S
                   for x in by_link.get((sat, station), ()))
    ]  # fmt: skip


class _ContactRecord(TypedDict):
    """The ``contacts`` key of the store: the last schedule, its contacts as
    ``[norad_id, station_id, aos_utc]``."""

    at_utc: str
    stop_utc: str
    summary: str
    unmet: NotRequired[list[int]]
    contacts: list[tuple[int, str, str]]


def _contact_change(
    previous: JsonValue, contacts: list[_Contact], unmet: list[int], now: datetime,
    names: dict[int, str],
) -> str | None:  # fmt: skip
    """What changed from the last schedule (kept by the ``contacts`` job), or None.

    Only the span both schedules cover is compared, from ``now`` (contacts in progress are
    left out: a new search starts them at ``now``) to the old end less a margin.
    """
    if not isinstance(previous, dict) or "contacts" not in previous:
        return f"first contact schedule: {len(contacts)} contacts"
    record = cast(_ContactRecord, previous)  # written by the ``contacts`` job
    old_stop = datetime.fromisoformat(record["stop_utc"])
    end = old_stop - timedelta(seconds=_OVERLAP_MARGIN_S)
    old = [(int(sat), str(station), datetime.fromisoformat(aos))
           for sat, station, aos in record["contacts"]]  # fmt: skip
    old = [c for c in old if now < c[2] < end]
    new = [c for c in contacts if now < c[2] < end]
    dropped, added = _unmatched(old, new), _unmatched(new, old)
    short_before = set(record.get("unmet", []))
    parts = []
    if dropped or added:
        first = min(dropped + added, key=lambda c: c[2])
        parts.append(
            f"contact schedule changed before {end:%Y-%m-%dT%H:%MZ}: {len(dropped)} contacts"
            f" dropped, {len(added)} added (first: {names.get(first[0], first[0])} at"
            f" {first[1]} {first[2]:%Y-%m-%dT%H:%M:%SZ})"
        )
    if set(unmet) != short_before:
        parts.append(f"satellites short of contacts {sorted(short_before)} -> {unmet}")
    return "; ".join(parts) or None


def _staleness(d: Daemon, run_id: int, now: datetime) -> JobReport:
    if d.snapshot is None:
        return JobReport("skipped", "no good catalog yet")
    cat = d.snapshot.catalog
    policy = d.mission.policies
    present = set(cat.ids.tolist())
    oldest_s = 0.0
    counts = {"fresh": 0, "warn": 0, "refuse": 0, "missing": 0}
    verdicts: dict[str, str] = {}  # NORAD id (a JSON key) -> verdict
    unusable: list[str] = []
    with d.store.session() as s:
        for sat in d.mission.fleet:
            key = f"stale:{sat.norad_id}"
            if sat.norad_id not in present:
                counts["missing"] += 1
                verdicts[str(sat.norad_id)] = "missing"
                unusable.append(f"{sat.name} ({sat.norad_id}) is not in the catalog")
                d.store.raise_issue(s, f"not-in-catalog:{sat.norad_id}", severity="alert",
                                    kind="catalog", now=now, message=f"{sat.name}"
                                    f" ({sat.norad_id}) is not in the catalog: it is not"
                                    " screened")  # fmt: skip
                continue
            age = abs(float(cat.age_days(now)[int(cat.index_of([sat.norad_id])[0])]))
            oldest_s = max(oldest_s, age * 86400.0)
            severity: Severity | None = None
            if age > policy.stale_refuse_days:
                verdict, severity = "refuse", "alert"
                unusable.append(f"elements of {sat.name} ({sat.norad_id}) are {age:.1f} days"
                                f" old (refused after {policy.stale_refuse_days:g})")
            elif age > policy.stale_warn_days:
                verdict, severity = "warn", "watch"
            else:
                verdict = "fresh"
            counts[verdict] += 1
            verdicts[str(sat.norad_id)] = verdict
            if severity:
                d.store.raise_issue(
                    s, key, severity=severity, kind="staleness", now=now,
                    message=f"elements of {sat.name} ({sat.norad_id}) are {age:.1f} days old"
                    f" (policy: warn after {policy.stale_warn_days:g}, refuse after"
                    f" {policy.stale_refuse_days:g})",
                )  # fmt: skip
            else:
                d.store.resolve_issue(s, key, kind="staleness", now=now,
                                      message=f"elements of {sat.name} are fresh again")
        stored = d.store.get(s, "staleness")
        previous = stored if isinstance(stored, dict) else {}  # none yet: every one was fresh
        names = {str(x.norad_id): x.name for x in d.mission.fleet}
        changed = [f"{names[k]} ({k}) {previous.get(k, 'fresh')} -> {v}"
                   for k, v in verdicts.items() if v != previous.get(k, "fresh")]  # fmt: skip
        if changed:
            d.store.add_trigger(s, "staleness", "element verdicts: " + "; ".join(changed), now)
        if verdicts != previous:
            d.store.put(s, "staleness", verdicts)
    d.feed_ages["elements"] = oldest_s
    detail = ", ".join(f"{k} {v}" for k, v in counts.items())
    return _degraded_if(unusable, detail + (f"; changed: {len(changed)}" if changed else ""))


def _replan(d: Daemon, run_id: int, now: datetime) -> JobReport:
    with d.store.session() as s:
        triggers = [(t.id, t.reason, t.detail) for t in d.store.pending_triggers(s)]
    if not triggers:
        return JobReport("skipped", "nothing changed since the last plan")
    reasons = sorted({r for _, r, _ in triggers})
    if not d.settings.replan or d.snapshot is None:
        status, summary, plan_json = (
            "disabled" if not d.settings.replan else "skipped",
            "re-planning is off" if not d.settings.replan else "no good catalog yet", None,
        )  # fmt: skip
    else:
        try:
            status, summary, plan_json = d.replanner(d, now, [t[2] for t in triggers])
        except Exception as exc:  # recorded with the plan; the triggers are not retried forever
            status, summary, plan_json = "failed", f"{type(exc).__name__}: {exc}", None
    gaps: list[str] = []
    if status == "incomplete":
        gaps = _plan_gaps(plan_json) or [summary[:500] or "the planner reported gaps"]
    elif status == "accepted":  # the planner's word, checked against what the daemon knows
        gaps = fleet_gaps(d, now, now)
        if gaps:
            status = "incomplete"
            summary = ("accepted by the planner, but made without usable elements for "
                       f"{len(gaps)} fleet satellite(s); {summary}")  # fmt: skip
    with d.store.session() as s:
        row = PlanRow(created_at=now, status=status, summary=summary[:4000], plan_json=plan_json,
                      triggers=json.dumps([{"reason": r, "detail": x} for _, r, x in triggers]))
        s.add(row)
        s.flush()
        d.store.consume_triggers(s, [tid for tid, _, _ in triggers], row.id)
        if status not in ("disabled", "skipped"):
            bad = status in _PLAN_NOT_USABLE
            because = f": {'; '.join(gaps)[:1500]}" if gaps else ""
            d.store.emit(
                s, key=f"plan:{row.id}", level=status,
                severity="warning" if bad else "info", kind="plan", now=now,
                message=f"plan {row.id} ({', '.join(reasons)}): {status}{because};"
                f" {summary[:300]}",
                data={"plan_id": row.id, "status": status, "reasons": reasons, "gaps": gaps},
            )  # fmt: skip
    detail = f"plan {row.id}: {status}"
    if status == "accepted":
        try:
            archive_plans(d)
        except OSError as exc:
            problem = f"plan {row.id} accepted but not written to {d.settings.plans()}: {exc}"
            with d.store.session() as s:
                d.store.raise_issue(s, "plan-archive", severity="warning", kind="plan",
                                    message=problem, now=now)  # fmt: skip
            return JobReport("degraded", f"{detail}; {problem}", (problem,))
        with d.store.session() as s:
            d.store.resolve_issue(s, "plan-archive", kind="plan", now=now,
                                  message=f"accepted plans are written to {d.settings.plans()}")
    if status == "incomplete":
        log.warning("plan incomplete: %s", "; ".join(gaps),
                    extra={"fields": {"job": "replan", "plan_id": row.id, "gaps": gaps}})
        return JobReport("degraded", f"{detail}: {'; '.join(gaps)}"[:4000],
                         tuple(f"plan {row.id} incomplete: {g}" for g in gaps))  # fmt: skip
    if status in _PLAN_NOT_USABLE:
        return JobReport("degraded", f"{detail}; {summary[:500]}",
                         (f"plan {row.id} {status}: {summary[:500]}",))  # fmt: skip
    return JobReport("ok", detail)


def archive_plans(d: Daemon) -> list[str]:
    """Write each accepted plan the store keeps that the plan archive (``plan_dir``: a folder
    or an ``s3://`` URL, :class:`~.sinks.PlanArchive`) does not hold yet; the locations
    written.  A file appears whole or not at all."""
    archive = PlanArchive(d.settings.plans())
    held = archive.names()
    with d.store.session(fenced=False) as s:
        rows = s.execute(select(PlanRow.id, PlanRow.created_at).where(
            PlanRow.status == "accepted", PlanRow.plan_json.is_not(None))).all()  # fmt: skip
        missing = {i: archive.name(i, at) for i, at in rows}
        missing = {i: name for i, name in missing.items() if name not in held}
        bodies: dict[int, str | None] = {
            i: body for i, body in s.execute(select(PlanRow.id, PlanRow.plan_json)
                                             .where(PlanRow.id.in_(list(missing))))
        }  # fmt: skip
    return [archive.write(name, body) for i, name in missing.items()
            if (body := bodies.get(i)) is not None]  # fmt: skip


_PLAN_NOT_USABLE = ("incomplete", "failed", "rejected", "unavailable")
"""Plan statuses that leave the daemon without a complete, valid plan (a degraded run)."""


def _plan_gaps(plan_json: str | None) -> list[str]:
    """One line per ``CommandPlan.gaps`` entry of a plan run's JSON (empty if it has none)."""
    try:
        data = json.loads(plan_json) if plan_json else {}
        gaps = (data.get("plan") or {}).get("gaps") or []
    except (ValueError, AttributeError):
        return []
    out = []
    for g in gaps if isinstance(gaps, list) else ():
        if not isinstance(g, dict):
            continue
        sat = g.get("satellite")
        who = f"{sat.get('name')} ({sat.get('norad_id')})" if isinstance(sat, dict) else "fleet"
        out.append(f"{g.get('objective', '?')} for {who}: {g.get('reason', '?')}")
    return out


def _delivery(d: Daemon, run_id: int, now: datetime) -> JobReport:
    counts = d.dispatcher.dispatch()
    return JobReport("ok" if not counts["failed"] else "degraded",
                     ", ".join(f"{k} {v}" for k, v in counts.items()))  # fmt: skip


def _maintenance(d: Daemon, run_id: int, now: datetime) -> JobReport:
    removed = d.store.prune(
        now, retention_days=d.settings.retention_days, job_runs_kept=d.settings.job_runs_kept,
        plans_kept=d.settings.plans_kept,
    )  # fmt: skip
    return JobReport("ok", ", ".join(f"{k} {v}" for k, v in removed.items()))


Body = Callable[["Daemon", int, datetime], JobReport]

JOBS: dict[str, tuple[Callable[[str], None], Body]] = {
    "catalog": (refresh_catalog, _catalog),
    "screening": (screening_cycle, _screening),
    "space_weather": (poll_space_weather, _space_weather),
    "contacts": (refresh_contacts, _contacts),
    "staleness": (check_staleness, _staleness),
    "replan": (replan, _replan),
    "delivery": (deliver_alerts, _delivery),
    "maintenance": (maintenance, _maintenance),
}
"""Job name -> (the callable APScheduler stores, the body the daemon runs)."""
