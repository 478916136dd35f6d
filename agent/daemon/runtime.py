"""The fleet-monitoring daemon: wiring, the scheduler, signals, health and readiness.

``Daemon(settings).run()`` starts everything and blocks until SIGTERM or SIGINT, then lets
the running job finish or checkpoint (a screening cycle stops between shards and commits
nothing), shuts the scheduler down, and returns 0.  Jobs run one at a time (one worker
thread), so state changes never interleave.  On start:

- runs left ``running`` by a crash become ``interrupted``; an interrupted screening runs again
  at once; the scheduler's persistent job store keeps every other job's next run time, and
  jobs that came due while the daemon was down run once (coalesced);
- the last good catalog is reloaded from its snapshot; JSONL deliveries already written
  before a crash are recognised (no duplicates), the rest are delivered.

Health of the work itself: each job's last completed run (``ok``, ``degraded`` or ``failed``;
a skipped or interrupted run leaves the last one standing) is kept with its reasons.  A degraded
or failed run is logged at WARNING with what it left out, counted in
``cosmo_daemon_degraded_cycles_total{job}`` and shown by ``cosmo_daemon_degraded{job}`` (1 until
the job's next clean run) and by ``/readyz`` (:meth:`Daemon.ready`).

Leadership (:mod:`.leadership`): on SQLite a second daemon on the same state directory
refuses to start (:class:`~.leadership.StateInUse`).  On PostgreSQL (``--database
postgresql://...``) daemons on one database elect a leader by an advisory lock; the others
stand by (``/readyz`` 503 ``standby``, nothing written) and the first to take the lock after
the leader dies recovers as a restart does (the interrupted cycle runs again at once, pending
deliveries go out) and schedules the jobs from the shared job store.  Every store transaction
is fenced by the lock; a leader that loses it (its lock connection is gone: a database restart,
a network cut) stops its scheduler and stands by again.

Readiness survives a restart or a takeover: each job's health is stored with its run, and a
daemon that reloads the last good catalog starts from the stored health instead of
``starting``.

Tests and soaks drive it without the scheduler: ``Daemon(settings, clock=ManualClock(...))``
then ``daemon.run_job("screening")``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from cosmo_agent.agent.daemon import jobs
from cosmo_agent.agent.daemon.catalogs import CatalogRefresher, CatalogSnapshot
from cosmo_agent.agent.daemon.clock import Clock, RealClock, parse_clock
from cosmo_agent.agent.daemon.jobs import JOBS, JobReport, archive_plans
from cosmo_agent.agent.daemon.leadership import (
    AdvisoryLeadership,
    Leadership,
    LostLeadership,
    StateDirLock,
    libpq_url,
    require_postgres,
)
from cosmo_agent.agent.daemon.metrics import DaemonMetrics
from cosmo_agent.agent.daemon.scaleout import DaskRunner, InlineRunner, ProcessRunner, ShardRunner
from cosmo_agent.agent.daemon.screening import prime_snapshot
from cosmo_agent.agent.daemon.settings import DaemonSettings
from cosmo_agent.agent.daemon.sinks import Dispatcher, JsonlSink, Sink, StdoutSink, WebhookSink
from cosmo_agent.agent.daemon.store import SEVERITIES, AlertRow, PcThresholds, Severity, Store
from cosmo_agent.agent.jsontypes import JsonObject, JsonValue
from cosmo_agent.tools.mission import Mission, load_mission

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from cosmo_agent.agent.daemon.server import HealthServer
    from cosmo_agent.tools.spaceweather import SpaceWeatherSource

__all__ = ["JOB_ORDER", "Daemon", "Replanner", "agent_replanner", "configure_logging", "sink_names"]

log = logging.getLogger("cosmo_agent.daemon")

JOB_ORDER = ("catalog", "space_weather", "staleness", "screening", "contacts", "replan",
             "delivery", "maintenance")  # fmt: skip
"""The order jobs first run in (and ``run_once`` runs them)."""

Replanner = Callable[["Daemon", datetime, Sequence[str]], tuple[str, str, str | None]]
"""``(daemon, now, trigger details) -> (status, summary, plan JSON or None)``."""


@dataclass(frozen=True)
class JobHealth:
    """A job's last completed run: ``ok``, ``degraded`` or ``failed``, when, and why not ok."""

    status: str
    at_utc: datetime
    reasons: tuple[str, ...] = ()

    @property
    def degraded(self) -> bool:
        return self.status != "ok"


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "at_utc": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update(getattr(record, "fields", {}))
        if record.exc_info:
            out["traceback"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    """JSON log lines on stderr for the daemon's logger (alerts go to stdout)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter())
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


def agent_replanner(daemon: Daemon, now: datetime, details: Sequence[str]) -> tuple[str, str,
                                                                                     str | None]:
    """Plan through :class:`cosmo_agent.agent.runner.Agent` with the daemon's catalog and clock.

    Hazardous commands pause the plan (``awaiting_approval``); the run is checkpointed (in
    ``state_dir/agent-checkpoints.sqlite``, or in the PostgreSQL state database through
    LangGraph's ``PostgresSaver``) so an operator can resume it by its thread id.
    """
    try:
        from cosmo_agent.agent.runner import Agent
    except ImportError as exc:
        return "unavailable", f"the agent planner is not installed ({exc})", None
    from cosmo_agent.tools.registry import ResultStore

    assert daemon.snapshot is not None
    results = ResultStore()  # the open events, so the plan keeps their ids and Pc history
    with daemon.store.session() as s:
        daemon.store.seed(s, results)
    thread = f"daemon-{now:%Y%m%dT%H%M%SZ}-{os.getpid()}"
    with contextlib.ExitStack() as stack:
        checkpoint: Path | BaseCheckpointSaver[str]
        if daemon.settings.postgres():
            from langgraph.checkpoint.postgres import PostgresSaver

            saver = stack.enter_context(
                PostgresSaver.from_conn_string(libpq_url(daemon.settings.state_url())))
            saver.setup()  # its tables, made once (idempotent)
            checkpoint = saver
        else:
            checkpoint = daemon.settings.state_dir / "agent-checkpoints.sqlite"
        agent = stack.enter_context(Agent(
            daemon.mission, planner=daemon.settings.planner, now=now,
            catalog=daemon.snapshot.catalog, space_weather=daemon.space_weather_spec(),
            checkpoint=checkpoint, approver="cosmo-daemon",
        ))  # fmt: skip
        result = agent.plan(approval="interrupt", thread_id=thread, store=results)
    summary = f"{result.briefing.strip()[:1500]} (thread {result.thread_id})"
    return str(result.status), summary, json.dumps(result.to_jsonable(), default=str)


def _default_sinks(settings: DaemonSettings, stop: threading.Event) -> list[Sink]:
    sinks: list[Sink] = []
    if settings.stdout_alerts:
        sinks.append(StdoutSink())
    sinks.append(JsonlSink(settings.alerts_jsonl()))
    if settings.webhook is not None:
        w = settings.webhook
        sinks.append(WebhookSink(w.url, retries=w.retries, backoff_s=w.backoff_s,
                                 timeout_s=w.timeout_s, sleep=stop.wait))  # fmt: skip
    return sinks


def sink_names(settings: DaemonSettings) -> list[str]:
    """The sinks the daemon delivers alerts to: a process that writes to its store (``cosmo-agent
    events --ingest``) gives its alerts the same deliveries, and the running daemon sends them."""
    return [s.name for s in _default_sinks(settings, threading.Event())]


def _default_runner(settings: DaemonSettings) -> ShardRunner:
    kind = settings.resolved_scaleout()
    if kind == "dask":
        return DaskRunner(settings.dask_scheduler)
    if kind == "process":
        return ProcessRunner(settings.workers)
    return InlineRunner()


class Daemon:
    """The running daemon. Everything but ``settings`` is a seam for tests and soaks."""

    def __init__(
        self,
        settings: DaemonSettings,
        *,
        mission: Mission | None = None,
        clock: Clock | None = None,
        runner: ShardRunner | None = None,
        sinks: Sequence[Sink] | None = None,
        replanner: Replanner | None = None,
    ) -> None:
        if mission is None:
            if settings.mission is None:
                raise ValueError("no mission: pass --mission FLEET.yaml (or set mission)")
            mission = load_mission(settings.mission)
        self.settings = settings
        self.mission = mission
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        self._lead: Leadership
        if settings.postgres():
            require_postgres(checkpointer=settings.replan)
            self._lead = AdvisoryLeadership(settings.state_url())
        else:  # refuses at once (StateInUse) when another daemon has this state directory
            self._lead = StateDirLock(settings.state_dir)
            self._lead.try_acquire()
        try:
            self._build(settings, mission, clock, runner, sinks, replanner)
        except BaseException:
            self._lead.release()
            raise

    def _build(
        self,
        settings: DaemonSettings,
        mission: Mission,
        clock: Clock | None,
        runner: ShardRunner | None,
        sinks: Sequence[Sink] | None,
        replanner: Replanner | None,
    ) -> None:
        self.key = hashlib.sha256(settings.state_url().encode()).hexdigest()[:16]
        self.stop_event = threading.Event()
        self.metrics = DaemonMetrics()
        sink_list = list(sinks) if sinks is not None else _default_sinks(settings,
                                                                          self.stop_event)
        for severity in SEVERITIES:  # every severity in /metrics from the start, zeros too
            self.metrics.alerts.labels(severity=severity)
        for job in JOBS:
            self.metrics.degraded.labels(job=job).set(0.0)
            self.metrics.degraded_cycles.labels(job=job)
        self.store = Store(settings.state_url(), sinks=[s.name for s in sink_list],
                           mission=mission.name, on_alert=self._alert_raised,
                           fence=self._lead.fence if settings.postgres() else None)
        redeliver = settings.webhook.redeliver_after_s if settings.webhook else 60.0
        self.dispatcher = Dispatcher(
            self.store, sink_list, dead_letter_path=settings.dead_letters(),
            redeliver_after_s=redeliver, on_result=self._delivery_result,
        )  # fmt: skip
        self.clock = clock or self._clock_from_settings()
        self.runner = runner or _default_runner(settings)
        self.replanner: Replanner = replanner or agent_replanner
        self.refresher = CatalogRefresher(mission, settings.state_dir)
        p = mission.policies
        self.thresholds = PcThresholds.from_policy(
            p.max_pc, p.min_miss_km, watch=settings.pc_watch, alert=settings.pc_alert,
            emergency=settings.pc_emergency,
        )  # fmt: skip
        self.snapshot: CatalogSnapshot | None = None
        self.catalog_ok_at: datetime | None = None
        self.cycle_ok_at: datetime | None = None
        self.feed_ages: dict[str, float | None] = {}
        self.job_health: dict[str, JobHealth] = {}
        self._sw_source: SpaceWeatherSource | None = None
        self._job_lock = threading.RLock()
        self._scheduler: BackgroundScheduler | None = None
        self._http: HealthServer | None = None
        self._started_unix_s = time.time()
        self._closed = False
        self._deposed = threading.Event()
        self._resume_screening = False
        jobs.register(self.key, self)
        if self._lead.try_acquire():
            self._recover()
        else:
            log.info("standby: another daemon leads (%s); taking over when it stops",
                     self._lead.describe(), extra={"fields": {"role": "standby"}})  # fmt: skip

    @property
    def leading(self) -> bool:
        """Whether this daemon runs the jobs (always, on SQLite; the lock holder on
        PostgreSQL, until it finds the lock lost)."""
        return self._lead.held and not self._deposed.is_set()

    # -- start-up ----------------------------------------------------------------------------

    def _clock_from_settings(self) -> Clock:
        spec = self.settings.clock
        if spec == "real":
            return RealClock()
        with self.store.session(fenced=False) as s:  # a standby reads the leader's anchor
            stored = self.store.get(s, "clock")
            kept = stored.get("anchor_unix_s") if isinstance(stored, dict) else None
            if isinstance(stored, dict) and stored.get("spec") == spec and isinstance(kept, float):
                anchor = kept
            else:
                anchor = time.time()
                self.store.put(s, "clock", {"spec": spec, "anchor_unix_s": anchor})
        return parse_clock(spec, anchor)

    def _recover(self) -> None:
        interrupted = self.store.recover()
        self._resume_screening = "screening" in interrupted
        with self.store.session() as s:
            last = self.store.last_run(s, "screening")
            manifest = self.store.get(s, "catalog")
        if last is not None and last.status == "interrupted":
            self._resume_screening = True
        if self._resume_screening:  # logged before the HTTP port: the scheduler runs it first
            log.info("resuming the screening cycle a stop interrupted",
                     extra={"fields": {"job": "screening", "resumed": True}})  # fmt: skip
        if isinstance(manifest, dict):
            try:
                self.snapshot = CatalogSnapshot.from_manifest(manifest)
            except (OSError, KeyError, ValueError) as exc:
                log.warning("the last good catalog snapshot cannot be reloaded: %s", exc)
            else:
                prime_snapshot(self.snapshot.digest, self.snapshot.catalog)
        self._restore_health()
        found = self.dispatcher.recover()
        if found:
            log.info("%d JSONL deliveries written before a crash were recognised", found)
        try:
            written = archive_plans(self)
        except OSError as exc:
            log.warning("accepted plans cannot be written to %s: %s", self.settings.plans(), exc)
        else:
            if written:
                log.info("%d accepted plans written to %s", len(written), self.settings.plans())

    def _restore_health(self) -> None:
        """Each job's last completed run as stored (readiness survives a restart); the catalog
        counts as loaded only when its snapshot was reloaded."""
        with self.store.session() as s:
            stored = self.store.get(s, "health")
        if not isinstance(stored, dict):
            return
        job_rows = stored.get("jobs")
        for job, h in (job_rows if isinstance(job_rows, dict) else {}).items():
            if job not in JOBS or not isinstance(h, dict):
                continue
            reasons = h.get("reasons")
            self.job_health[job] = JobHealth(
                str(h.get("status")), datetime.fromisoformat(str(h.get("at_utc"))),
                tuple(str(r) for r in reasons) if isinstance(reasons, list) else ())
            self.metrics.degraded.labels(job=job).set(float(self.job_health[job].degraded))
        if self.snapshot is not None:
            for name in ("catalog_ok_at", "cycle_ok_at"):
                at = stored.get(f"{name}_utc")
                if isinstance(at, str):
                    setattr(self, name, datetime.fromisoformat(at))

    def _store_health(self) -> None:
        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat()

        with self.store.session() as s:
            self.store.put(s, "health", {
                "jobs": {job: {"status": h.status, "at_utc": h.at_utc.isoformat(),
                               "reasons": list(h.reasons)} for job, h in self.job_health.items()},
                "catalog_ok_at_utc": iso(self.catalog_ok_at),
                "cycle_ok_at_utc": iso(self.cycle_ok_at),
            })  # fmt: skip

    def space_weather_spec(self) -> str | None:
        ref = self.mission.sources.space_weather
        return None if ref is None else self.mission.resolve_path(ref)

    def space_weather_source(self) -> SpaceWeatherSource:
        """The space-weather source, opened once (an HTTP source keeps its ETags)."""
        if self._sw_source is None:
            from cosmo_agent.tools.spaceweather import open_source

            self._sw_source = open_source(self.space_weather_spec())
        return self._sw_source

    # -- jobs --------------------------------------------------------------------------------

    def run_job(self, name: str) -> JobReport:
        """Run one job now, with its bookkeeping; never raises for the job's own failures.
        A standby runs nothing (``skipped``); a leader that lost its lock stops."""
        if not self.leading:
            return JobReport("skipped", "standby: another daemon leads")
        try:
            return self._run_job(name)
        except LostLeadership as exc:
            self._lost(str(exc))
            return JobReport("interrupted", str(exc))

    def _lost(self, why: str) -> None:
        """The lock is gone: run nothing more (the main loop stands down)."""
        if not self._deposed.is_set():
            self._deposed.set()
            log.error("lost the leadership, standing down: %s", why,
                      extra={"fields": {"role": "deposed"}})  # fmt: skip

    def _stand_down(self) -> None:
        """Stop the scheduler (the running job ends; its commits are refused), let the lock go
        and stand by."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            with contextlib.suppress(Exception):
                scheduler.pause()
                scheduler.shutdown(wait=True)
        with self._job_lock:  # a job run directly finishes first
            pass
        self._lead.release()
        self._deposed.clear()
        log.warning("standby: waiting to lead again (%s)", self._lead.describe(),
                    extra={"fields": {"role": "standby"}})  # fmt: skip

    def _run_job(self, name: str) -> JobReport:
        _, body = JOBS[name]
        with self._job_lock:
            now = self.clock.now()
            run_id = self.store.start_run(name, now)
            log.debug("job %s started", name, extra={"fields": {"job": name, "run": run_id}})
            t0 = time.perf_counter()
            try:
                report = body(self, run_id, now)
            except Exception as exc:
                report = JobReport("failed", f"{type(exc).__name__}: {exc}")
                log.error("job %s failed", name, exc_info=True,
                          extra={"fields": {"job": name, "run": run_id}})  # fmt: skip
                self.metrics.job_failures.labels(job=name).inc()
                self._issue(f"job-failed:{name}", "warning", "job",
                            f"job {name} failed: {type(exc).__name__}: {exc}",
                            now, {"traceback": traceback.format_exc()[-2000:]})  # fmt: skip
            else:
                if report.status != "interrupted":
                    self._resolve(f"job-failed:{name}", "job", f"job {name} works again", now)
            duration = time.perf_counter() - t0
            budget = getattr(self.settings.budgets, f"{name}_s", None)
            over = budget is not None and duration > budget
            if over:
                self.metrics.over_budget.labels(job=name).inc()
                self._issue(f"over-budget:{name}", "warning", "job",
                            f"job {name} took {duration:.1f} s, over its {budget:g} s budget",
                            now)  # fmt: skip
            elif budget is not None and report.status in ("ok", "degraded"):
                self._resolve(f"over-budget:{name}", "job", f"job {name} is within budget", now)
            self.store.finish_run(run_id, report.status, report.detail, duration, over)
            self.metrics.cycle_duration.labels(job=name).observe(duration)
            self._note_health(name, report, now)
            fields: dict[str, object] = {"job": name, "run": run_id, "status": report.status,
                                      "duration_s": round(duration, 3)}
            if report.status in ("degraded", "failed"):
                reasons = list(report.reasons) or [report.detail]
                fields["reasons"] = reasons
                log.warning("job %s %s in %.2f s: %s", name, report.status, duration,
                            "; ".join(reasons), extra={"fields": fields})  # fmt: skip
            else:
                log.info("job %s %s in %.2f s: %s", name, report.status, duration,
                         report.detail, extra={"fields": fields})  # fmt: skip
            if name != "delivery":
                with contextlib.suppress(Exception):
                    self.dispatcher.dispatch()
            with contextlib.suppress(Exception):
                self._refresh_gauges()
            return report

    def _note_health(self, name: str, report: JobReport, now: datetime) -> None:
        if report.status in ("skipped", "interrupted"):
            return  # no new evidence: the last completed run stands
        reasons = report.reasons or ((report.detail,) if report.status != "ok" else ())
        self.job_health[name] = JobHealth(report.status, now, tuple(reasons))
        self.metrics.degraded.labels(job=name).set(0.0 if report.status == "ok" else 1.0)
        if report.status == "degraded":
            self.metrics.degraded_cycles.labels(job=name).inc()
        self._store_health()

    def run_once(self, names: Sequence[str] = JOB_ORDER) -> dict[str, JobReport]:
        """Run each job once in order (``cosmo-agent daemon --once``)."""
        return {n: self.run_job(n) for n in names if not self.stop_event.is_set()}

    def _issue(self, key: str, severity: Severity, kind: str, message: str, now: datetime,
               data: Mapping[str, object] | None = None) -> None:  # fmt: skip
        try:
            with self.store.session() as s:
                self.store.raise_issue(s, key, severity=severity, kind=kind, message=message,
                                       now=now, data=data)  # fmt: skip
        except Exception:  # the database itself failing: log, keep running
            log.error("cannot record issue %s", key, exc_info=True)

    def _resolve(self, key: str, kind: str, message: str, now: datetime) -> None:
        try:
            with self.store.session() as s:
                self.store.resolve_issue(s, key, kind=kind, message=message, now=now)
        except Exception:
            log.error("cannot resolve issue %s", key, exc_info=True)

    def _alert_raised(self, alert: AlertRow) -> None:
        self.metrics.alerts.labels(severity=alert.severity).inc()

    def _delivery_result(self, sink: str, ok: bool) -> None:
        self.metrics.deliveries.labels(sink=sink, outcome="ok" if ok else "failed").inc()

    def _refresh_gauges(self) -> None:
        now = self.clock.now()
        with self.store.session() as s:
            for level, n in self.store.events_by_level(s).items():
                self.metrics.events.labels(level=level).set(n)
        for sink, n in self.dispatcher.backlog().items():
            self.metrics.backlog.labels(sink=sink).set(n)
        if self.catalog_ok_at is not None:
            self.feed_ages["catalog"] = (now - self.catalog_ok_at).total_seconds()
        for feed, age in self.feed_ages.items():
            if age is not None:
                self.metrics.feed_age.labels(feed=feed).set(age)
        self.metrics.ready.set(1.0 if self.ready()[0] else 0.0)

    # -- health ------------------------------------------------------------------------------

    def health(self) -> tuple[bool, JsonObject]:
        """Alive while not stopping (and, when scheduled, while the scheduler runs)."""
        running = self._scheduler is None or bool(self._scheduler.running)
        ok = running and not self.stop_event.is_set()
        with self.store.session(fenced=False) as s:
            issues: list[JsonValue] = [{"key": i.key, "severity": i.severity, "message": i.message}
                      for i in self.store.open_issues(s)]  # fmt: skip
        return ok, {"uptime_s": round(time.time() - self._started_unix_s, 1), "role": self.role,
                    "clock_utc": self.clock.now().isoformat(), "open_issues": issues}

    @property
    def role(self) -> str:
        """``leader`` or ``standby``."""
        return "leader" if self.leading else "standby"

    def ready(self) -> tuple[bool, JsonObject]:
        """Ready while the last screening cycle screened the whole fleet on usable elements
        (after a good catalog load of this process, or the stored state of a reloaded one);
        ``status`` ``degraded`` (ready or not) lists in ``reasons`` what each degraded or
        failed job left out, ``starting`` means no screening cycle has completed yet,
        ``standby`` that another daemon leads."""
        if not self.leading:
            return False, {"status": "standby", "role": "standby", "reasons": [
                f"another daemon leads ({self._lead.describe()})"]}  # fmt: skip
        screening = self.job_health.get("screening")
        ok = (self.catalog_ok_at is not None and screening is not None
              and screening.status == "ok")  # fmt: skip
        degraded = {job: list(h.reasons) for job, h in self.job_health.items() if h.degraded}
        reasons: list[JsonValue] = [f"{job}: {r}" for job in JOBS for r in degraded.get(job, ())]
        status = "degraded" if reasons else "ok" if ok else "starting"
        info: JsonObject = {
            "status": status,
            "reasons": reasons,
            "degraded_jobs": {job: list(r) for job, r in degraded.items()},
            "catalog_ok_at_utc": self.catalog_ok_at.isoformat() if self.catalog_ok_at else None,
            "cycle_ok_at_utc": self.cycle_ok_at.isoformat() if self.cycle_ok_at else None,
            "catalog": self.snapshot.digest if self.snapshot else None,
            "role": "leader",
        }
        return ok, info

    def dashboard(self) -> JsonObject:
        """What the live dashboard (``GET /``) shows now (:func:`~cosmo_agent.agent.dashboard.
        dashboard_data`): the store's state, this daemon's readiness and job health."""
        from cosmo_agent.agent.dashboard import dashboard_data

        jobs = {job: (h.status, h.at_utc, h.reasons) for job, h in list(self.job_health.items())}
        return dashboard_data(self.store, self.mission, now=self.clock.now(), ready=self.ready(),
                              role=self.role, jobs=jobs, thresholds=self.thresholds,
                              catalog=self.snapshot.catalog if self.snapshot else None)

    # -- running -----------------------------------------------------------------------------

    def start(self, *, schedule: bool = True) -> None:
        """Start the HTTP server (when configured) and the scheduler; returns at once."""
        address = self.settings.http_address()
        if address is not None and self._http is None:
            from cosmo_agent.agent.daemon.server import HealthServer  # the web stack, if served

            token = self.settings.http_token.get_secret_value() if self.settings.http_token \
                else None  # fmt: skip
            self._http = HealthServer(address[0], address[1], health=self.health,
                                      ready=self.ready, metrics=self.metrics.render,
                                      token=token,
                                      max_body_bytes=self.settings.http_max_body_bytes,
                                      dashboard=(self.mission.name, self.settings.http_refresh_s,
                                                 self.dashboard),
                                      ).start()  # fmt: skip
            log.info("http on %s:%d", self._http.host, self._http.port,
                     extra={"fields": {"http_port": self._http.port}})  # fmt: skip
        if schedule and self._scheduler is None and self.leading:
            self._scheduler = self._make_scheduler()

    @property
    def http_port(self) -> int | None:
        return None if self._http is None else self._http.port

    def _make_scheduler(self) -> BackgroundScheduler:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=self.settings.jobs_url())},
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        scheduler.start(paused=True)
        wall = datetime.now(UTC)
        for i, name in enumerate(JOB_ORDER):
            fn, _ = JOBS[name]
            interval = timedelta(seconds=getattr(self.settings.intervals, f"{name}_s"))
            trigger = IntervalTrigger(seconds=interval.total_seconds(), timezone=UTC)
            job = scheduler.get_job(name)
            first = wall + timedelta(milliseconds=100 * i)  # the JOB_ORDER on a first start
            if job is None:
                scheduler.add_job(fn, trigger, args=[self.key], id=name, name=name,
                                  next_run_time=first)  # fmt: skip
                continue
            if getattr(job.trigger, "interval", None) != interval or tuple(job.args) != (
                self.key,
            ):
                scheduler.modify_job(name, args=[self.key])
                scheduler.reschedule_job(name, trigger=trigger)
                scheduler.modify_job(name, next_run_time=first)
        if self._resume_screening:  # first, before the jobs that came due while none ran
            due = [j.next_run_time for j in scheduler.get_jobs() if j.next_run_time is not None]
            scheduler.modify_job("screening",
                                 next_run_time=min([wall, *due]) - timedelta(milliseconds=1))
        scheduler.resume()
        return scheduler

    def request_stop(self, *_: object) -> None:
        """Ask the daemon to stop (signal handlers call this)."""
        if self.stop_event.is_set():
            return
        self.stop_event.set()  # before the log line, so that a reader of the log can rely on it
        log.info("stopping: the running job finishes or checkpoints")

    def run(self) -> int:
        """Start, block until SIGTERM/SIGINT (or :meth:`request_stop`), shut down; exit code."""
        previous: dict[signal.Signals, Callable[[int, FrameType | None], object] | int | None] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, self._on_signal)
        poll_s = self.settings.leader_poll_s
        try:
            self.start(schedule=False)
            while not self.stop_event.is_set():
                if not self._lead.held:
                    waited = time.monotonic()
                    while not self._lead.try_acquire():
                        if self.stop_event.wait(poll_s):
                            return 0
                    log.info("leading: took over %s after %.1f s on standby",
                             self._lead.describe(), time.monotonic() - waited,
                             extra={"fields": {"role": "leader"}})  # fmt: skip
                    self._recover()
                self.start()
                while not self.stop_event.wait(min(0.5, poll_s)):
                    if not self._lead.alive():
                        self._lost(f"{self._lead.describe()} is gone (its connection was lost)")
                    if self._deposed.is_set():
                        self._stand_down()
                        break
        finally:
            self.shutdown()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.request_stop()

    def shutdown(self) -> None:
        """Stop the scheduler (waiting for the running job), the server and the workers."""
        if self._closed:
            return
        self._closed = True
        self.stop_event.set()
        if self._scheduler is not None:
            with contextlib.suppress(Exception):
                self._scheduler.pause()  # submit nothing new while the running job ends
                self._scheduler.shutdown(wait=True)
        with self._job_lock:  # a job run directly (not by the scheduler) finishes first
            pass
        if self._http is not None:
            self._http.stop()
        with contextlib.suppress(Exception):
            self.runner.close()
        if self._sw_source is not None and hasattr(self._sw_source, "close"):
            with contextlib.suppress(Exception):
                self._sw_source.close()
        jobs.unregister(self.key)
        self.store.close()
        self._lead.release()
        log.info("stopped")

    def __enter__(self) -> Daemon:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


