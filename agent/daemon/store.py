"""The daemon's state: conjunction events across cycles, alerts with their deliveries, plans,
job runs and a small key-value table, in one SQLAlchemy 2 database (SQLite by default).

Every state change and the alerts it causes are written in one transaction (an outbox):
a crash either keeps both or neither, so a restart never loses an alert and never raises
one twice.  An alert is unique per ``(dedup_key, level)``; each configured sink gets one
delivery row per alert, which :mod:`.sinks` works off.

Event tracking (``Store.track``): a sighting of the same pair (fleet satellite, object) with
a TCA within ``match_s`` (20 minutes) of an open event is that event; each sighting adds a
Pc history row (the newest ``history_per_event`` are kept).  The level comes from Pc:

    none < watch (Pc >= watch) < alert (Pc >= alert, or miss < min_miss_km) < emergency

and an alert goes out when an event reaches a level it never had (new events included).
An event closes when its TCA is ``close_after_s`` in the past (``past``) or when a later
screening covering its TCA no longer finds it under the threshold (``cleared``: a manoeuvre
or new elements moved it away).

>>> from datetime import UTC, datetime
>>> store = Store("sqlite://", sinks=["jsonl"])
>>> now = datetime(2026, 6, 10, 12, tzinfo=UTC)
>>> with store.session() as s:
...     first = store.emit(s, key="demo", level="warning", severity="warning",
...                        kind="daemon", message="hello", now=now)
...     again = store.emit(s, key="demo", level="warning", severity="warning",
...                        kind="daemon", message="hello", now=now)
>>> first is not None, again is None
(True, True)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, Protocol

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

__all__ = [
    "LEVELS",
    "SEVERITIES",
    "AlertRow",
    "DeliveryRow",
    "EventRow",
    "IssueRow",
    "JobRunRow",
    "PcHistoryRow",
    "PcThresholds",
    "PlanRow",
    "Severity",
    "Store",
    "Tracking",
    "TriggerRow",
    "conjunction_level",
]

Severity = Literal["info", "watch", "warning", "alert", "emergency"]
"""Alert severities, in rising order: ``info`` (closures, recoveries, plans), ``watch``,
``warning`` (a job or feed problem), ``alert``, ``emergency``."""
SEVERITIES: Final[tuple[Severity, ...]] = ("info", "watch", "warning", "alert", "emergency")

EventLevel = Literal["none", "watch", "alert", "emergency"]
LEVELS: Final[tuple[EventLevel, ...]] = ("none", "watch", "alert", "emergency")


class _UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes stored as naive UTC (SQLite and PostgreSQL alike)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}; the store keeps UTC-aware times only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class _Base(DeclarativeBase):
    pass


class KeyValueRow(_Base):
    """Small named state: the last good catalog, the space-weather level, the clock anchor."""

    __tablename__ = "kv"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class EventRow(_Base):
    """One conjunction event tracked across screening cycles."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    primary_id: Mapped[int] = mapped_column(BigInteger)
    secondary_id: Mapped[int] = mapped_column(BigInteger)
    tca: Mapped[datetime] = mapped_column(_UtcDateTime)
    miss_km: Mapped[float] = mapped_column(Float)
    relative_speed_km_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    pc: Mapped[float | None] = mapped_column(Float, nullable=True)
    level: Mapped[str] = mapped_column(String(16))
    peak_level: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8), default="open")
    closed_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(_UtcDateTime, nullable=True)
    first_seen: Mapped[datetime] = mapped_column(_UtcDateTime)
    last_seen: Mapped[datetime] = mapped_column(_UtcDateTime)
    sightings: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (Index("ix_events_pair", "primary_id", "secondary_id", "status"),)

    @property
    def uid(self) -> str:
        """The event's public id, ``EVT-000001``."""
        return f"EVT-{self.id:06d}"


class PcHistoryRow(_Base):
    """One sighting of an event: when, which cycle, TCA, miss and Pc."""

    __tablename__ = "pc_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    cycle: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(_UtcDateTime)
    tca: Mapped[datetime] = mapped_column(_UtcDateTime)
    miss_km: Mapped[float] = mapped_column(Float)
    pc: Mapped[float | None] = mapped_column(Float, nullable=True)
    level: Mapped[str] = mapped_column(String(16))


class IssueRow(_Base):
    """An operational problem (feed down, corrupt file, failing job) and its episode count."""

    __tablename__ = "issues"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    open: Mapped[bool] = mapped_column(Boolean)
    episode: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(_UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(_UtcDateTime, nullable=True)
    message: Mapped[str] = mapped_column(Text)


class AlertRow(_Base):
    """An alert; unique per (dedup_key, level). ``payload`` is the JSON the sinks receive."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedup_key: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(_UtcDateTime)
    payload: Mapped[str] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("dedup_key", "level", name="uq_alert_key_level"),)

    @property
    def delivery_key(self) -> str:
        """The alert's idempotency key: ``dedup_key`` and ``level``."""
        return f"{self.dedup_key}|{self.level}"


class DeliveryRow(_Base):
    """The delivery of one alert to one sink: ``pending``, ``delivered`` or ``dead_letter``."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    sink: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(_UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(_UtcDateTime, nullable=True)
    __table_args__ = (
        UniqueConstraint("alert_id", "sink", name="uq_delivery"),
        Index("ix_deliveries_due", "status", "sink"),
    )


class TriggerRow(_Base):
    """Something that calls for a new plan; consumed by the re-plan job."""

    __tablename__ = "replan_triggers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(_UtcDateTime)
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class PlanRow(_Base):
    """A plan made through the agent (or why none could be made)."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(_UtcDateTime)
    triggers: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text)
    plan_json: Mapped[str | None] = mapped_column(Text, nullable=True)


class JobRunRow(_Base):
    """One run of one job: clock and wall start, duration, outcome."""

    __tablename__ = "job_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(32), index=True)
    started_at: Mapped[datetime] = mapped_column(_UtcDateTime)
    wall_started_at: Mapped[datetime] = mapped_column(_UtcDateTime)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    over_budget: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass(frozen=True)
class PcThresholds:
    """Pc levels and the miss distance that alone makes an ``alert``.

    ``from_policy(max_pc, min_miss_km)``: watch = max_pc / 10, alert = max_pc,
    emergency = max_pc * 10 (capped below 1).
    """

    watch: float
    alert: float
    emergency: float
    min_miss_km: float = 0.0

    @classmethod
    def from_policy(
        cls,
        max_pc: float,
        min_miss_km: float,
        *,
        watch: float | None = None,
        alert: float | None = None,
        emergency: float | None = None,
    ) -> PcThresholds:
        return cls(
            watch if watch is not None else max_pc / 10.0,
            alert if alert is not None else max_pc,
            emergency if emergency is not None else min(max_pc * 10.0, 0.5),
            min_miss_km,
        )


def conjunction_level(pc: float | None, miss_km: float, t: PcThresholds) -> EventLevel:
    """The level of a sighting; an unknown Pc counts as ``watch`` (the screen found it).

    >>> t = PcThresholds(1e-5, 1e-4, 1e-3, min_miss_km=1.0)
    >>> [conjunction_level(pc, 3.0, t) for pc in (1e-7, 2e-5, 1e-4, 5e-3, None)]
    ['none', 'watch', 'alert', 'emergency', 'watch']
    >>> conjunction_level(1e-9, 0.5, t)
    'alert'
    """
    if pc is None:
        level: EventLevel = "watch"
    elif pc >= t.emergency:
        level = "emergency"
    elif pc >= t.alert:
        level = "alert"
    elif pc >= t.watch:
        level = "watch"
    else:
        level = "none"
    if miss_km < t.min_miss_km and LEVELS.index(level) < LEVELS.index("alert"):
        level = "alert"
    return level


class Sighting(Protocol):
    """What tracking needs of a screened approach (see ``screening.Approach``)."""

    @property
    def primary_id(self) -> int: ...
    @property
    def secondary_id(self) -> int: ...
    @property
    def tca(self) -> datetime: ...
    @property
    def miss_km(self) -> float: ...
    @property
    def relative_speed_km_s(self) -> float | None: ...
    @property
    def pc(self) -> float | None: ...


@dataclass
class Tracking:
    """What one screening changed: event uids new (``new_alerted``: those at watch or above),
    escalated ``(uid, old, new)``, closed ``(uid, reason)``."""

    new: list[str] = field(default_factory=list)
    escalated: list[tuple[str, str, str]] = field(default_factory=list)
    closed: list[tuple[str, str]] = field(default_factory=list)
    new_alerted: list[str] = field(default_factory=list)
    updated: int = 0
    alerts: int = 0

    @property
    def notable(self) -> bool:
        """True when a new event at watch or above appeared or an event escalated."""
        return bool(self.escalated or self.new_alerted)


_RAISED: Final = "cosmo_raised_alerts"
"""``Session.info`` key of the alerts a transaction raised (for ``Store.on_alert``)."""


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Store:
    """The state database. ``sinks`` names the sinks every new alert is delivered to;
    ``on_alert`` is called with each alert after its transaction commits (metrics)."""

    def __init__(
        self,
        url: str,
        *,
        sinks: Sequence[str] = (),
        mission: str = "",
        on_alert: Callable[[AlertRow], None] | None = None,
    ) -> None:
        self.url = url
        self.sinks = tuple(sinks)
        self.mission = mission
        self.on_alert = on_alert
        self.engine = _engine(url)
        _Base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on an exception.

        ``on_alert`` sees each alert of the transaction once it is committed (a rolled-back
        alert was never raised)."""
        with self._sessions.begin() as s:
            yield s
            raised: list[AlertRow] = s.info.pop(_RAISED, [])
        if self.on_alert is not None:
            for row in raised:
                self.on_alert(row)

    def close(self) -> None:
        self.engine.dispose()

    # -- key-value ---------------------------------------------------------------------------

    def get(self, s: Session, key: str, default: Any = None) -> Any:
        row = s.get(KeyValueRow, key)
        return default if row is None else json.loads(row.value)

    def put(self, s: Session, key: str, value: Any) -> None:
        row = s.get(KeyValueRow, key)
        text = json.dumps(value, sort_keys=True, default=str)
        if row is None:
            s.add(KeyValueRow(key=key, value=text))
        else:
            row.value = text

    # -- alerts ------------------------------------------------------------------------------

    def emit(
        self,
        s: Session,
        *,
        key: str,
        level: str,
        severity: Severity,
        kind: str,
        message: str,
        now: datetime,
        data: dict[str, Any] | None = None,
    ) -> AlertRow | None:
        """Record an alert and its deliveries, unless ``(key, level)`` was alerted already."""
        exists = s.scalar(
            select(AlertRow.id).where(AlertRow.dedup_key == key, AlertRow.level == level)
        )
        if exists is not None:
            return None
        payload = {
            "delivery_key": f"{key}|{level}",
            "dedup_key": key,
            "level": level,
            "severity": severity,
            "kind": kind,
            "message": message,
            "at_utc": _iso(now),
            "mission": self.mission,
            "data": data or {},
        }
        row = AlertRow(
            dedup_key=key,
            level=level,
            severity=severity,
            kind=kind,
            created_at=now,
            payload=json.dumps(payload, sort_keys=True, default=str),
        )
        s.add(row)
        s.flush()
        for sink in self.sinks:
            s.add(DeliveryRow(alert_id=row.id, sink=sink, status="pending", attempts=0))
        s.info.setdefault(_RAISED, []).append(row)
        return row

    def raise_issue(
        self,
        s: Session,
        key: str,
        *,
        severity: Severity,
        kind: str,
        message: str,
        now: datetime,
        data: dict[str, Any] | None = None,
        level: str | None = None,
    ) -> AlertRow | None:
        """Open (or keep open) a problem; alert once per episode and ``level`` (default: the
        severity), so a worsening problem alerts again and a lasting one does not."""
        row = s.get(IssueRow, key)
        if row is None:
            row = IssueRow(key=key, open=False, episode=0, severity=severity, opened_at=now,
                           message=message)  # fmt: skip
            s.add(row)
        if not row.open:
            row.open, row.episode, row.opened_at, row.closed_at = True, row.episode + 1, now, None
        row.severity, row.message = severity, message
        return self.emit(s, key=f"{key}#{row.episode}", level=level or severity,
                         severity=severity, kind=kind, message=message, now=now,
                         data=data)  # fmt: skip

    def issue_episode(self, s: Session, key: str) -> int:
        """The episode number of a problem (0 if it never happened)."""
        row = s.get(IssueRow, key)
        return 0 if row is None else row.episode

    def resolve_issue(
        self, s: Session, key: str, *, kind: str, message: str, now: datetime
    ) -> AlertRow | None:
        """Close an open problem with an ``info`` alert; nothing when it was not open."""
        row = s.get(IssueRow, key)
        if row is None or not row.open:
            return None
        row.open, row.closed_at = False, now
        return self.emit(s, key=f"{key}#{row.episode}", level="resolved", severity="info",
                         kind=kind, message=message, now=now)  # fmt: skip

    def open_issues(self, s: Session) -> list[IssueRow]:
        return list(s.scalars(select(IssueRow).where(IssueRow.open).order_by(IssueRow.key)))

    # -- conjunction events ------------------------------------------------------------------

    def track(
        self,
        s: Session,
        sightings: Sequence[Sighting],
        *,
        screened: set[int],
        window: tuple[datetime, datetime],
        now: datetime,
        cycle: int,
        thresholds: PcThresholds,
        match_s: float = 1200.0,
        close_after_s: float = 600.0,
        history_per_event: int = 200,
        names: dict[int, str] | None = None,
    ) -> Tracking:
        """Fold one screening's sightings into the events (see the module docstring).

        ``screened``: the fleet satellites this screening covered (events of the others are
        neither updated nor cleared); ``window``: the screened TCA span.
        """
        names = names or {}
        out = Tracking()
        match = timedelta(seconds=match_s)
        seen: set[int] = set()
        for sight in sorted(sightings, key=lambda x: (x.tca, x.primary_id, x.secondary_id)):
            p, q = sight.primary_id, sight.secondary_id
            candidates = s.scalars(
                select(EventRow).where(
                    EventRow.status == "open",
                    ((EventRow.primary_id == p) & (EventRow.secondary_id == q))
                    | ((EventRow.primary_id == q) & (EventRow.secondary_id == p)),
                    EventRow.tca >= sight.tca - match,
                    EventRow.tca <= sight.tca + match,
                )
            ).all()
            level = conjunction_level(sight.pc, sight.miss_km, thresholds)
            if candidates:
                ev = min(candidates, key=lambda e: abs((e.tca - sight.tca).total_seconds()))
                old_peak = ev.peak_level
                ev.tca, ev.miss_km, ev.pc = sight.tca, sight.miss_km, sight.pc
                ev.relative_speed_km_s = sight.relative_speed_km_s
                ev.level, ev.last_seen, ev.sightings = level, now, ev.sightings + 1
                if LEVELS.index(level) > LEVELS.index(old_peak):
                    ev.peak_level = level
                    out.escalated.append((ev.uid, old_peak, level))
                    out.alerts += self._event_alert(s, ev, now, names, "escalated", old_peak)
                out.updated += 1
            else:
                ev = EventRow(
                    primary_id=p, secondary_id=q, tca=sight.tca, miss_km=sight.miss_km,
                    relative_speed_km_s=sight.relative_speed_km_s, pc=sight.pc, level=level,
                    peak_level=level, status="open", first_seen=now, last_seen=now, sightings=1,
                )  # fmt: skip
                s.add(ev)
                s.flush()
                out.new.append(ev.uid)
                if level != "none":
                    out.new_alerted.append(ev.uid)
                    out.alerts += self._event_alert(s, ev, now, names, "new", None)
            seen.add(ev.id)
            s.add(PcHistoryRow(event_id=ev.id, cycle=cycle, at=now, tca=sight.tca,
                               miss_km=sight.miss_km, pc=sight.pc, level=level))  # fmt: skip
            self._trim_history(s, ev.id, history_per_event)
        start, stop = window
        for ev in s.scalars(select(EventRow).where(EventRow.status == "open")).all():
            if ev.id in seen:
                continue
            if ev.tca < now - timedelta(seconds=close_after_s):
                reason = "past"
            elif start <= ev.tca <= stop and (ev.primary_id in screened):
                reason = "cleared"
            else:
                continue
            ev.status, ev.closed_reason, ev.closed_at = "closed", reason, now
            out.closed.append((ev.uid, reason))
            if ev.peak_level != "none":
                out.alerts += self._event_alert(s, ev, now, names, "closed", None)
        return out

    def _event_alert(
        self,
        s: Session,
        ev: EventRow,
        now: datetime,
        names: dict[int, str],
        change: Literal["new", "escalated", "closed"],
        previous: str | None,
    ) -> int:
        who = (
            f"{names.get(ev.primary_id, ev.primary_id)} - "
            f"{names.get(ev.secondary_id, ev.secondary_id)}"
        )
        pc = "n/a" if ev.pc is None else f"{ev.pc:.2e}"
        if change == "closed":
            level, severity = "closed", "info"
            text = f"{ev.uid} {who} closed ({ev.closed_reason}); peak level {ev.peak_level}"
        else:
            level, severity = ev.level, ev.level
            verb = "new conjunction" if change == "new" else f"escalated from {previous}"
            text = (
                f"{ev.uid} {who}: {verb}, level {ev.level}, Pc {pc}, miss {ev.miss_km:.3f} km"
                f" at {_iso(ev.tca)}"
            )
        data = {
            "event_id": ev.uid,
            "change": change,
            "primary_id": ev.primary_id,
            "secondary_id": ev.secondary_id,
            "tca_utc": _iso(ev.tca),
            "miss_km": round(ev.miss_km, 4),
            "pc": ev.pc,
            "level": ev.level,
            "peak_level": ev.peak_level,
            "closed_reason": ev.closed_reason,
        }
        row = self.emit(s, key=f"conjunction:{ev.uid}", level=level,
                        severity=severity,  # type: ignore[arg-type]  # a conjunction level
                        kind="conjunction", message=text, now=now, data=data)  # fmt: skip
        return 0 if row is None else 1

    def _trim_history(self, s: Session, event_id: int, keep: int) -> None:
        count = s.scalar(select(func.count()).where(PcHistoryRow.event_id == event_id)) or 0
        if count <= keep:
            return
        cutoff = s.scalar(
            select(PcHistoryRow.id)
            .where(PcHistoryRow.event_id == event_id)
            .order_by(PcHistoryRow.id.desc())
            .offset(keep - 1)
            .limit(1)
        )
        s.execute(
            delete(PcHistoryRow).where(PcHistoryRow.event_id == event_id, PcHistoryRow.id < cutoff)
        )

    def open_events(self, s: Session) -> list[EventRow]:
        return list(s.scalars(select(EventRow).where(EventRow.status == "open")
                              .order_by(EventRow.tca)))  # fmt: skip

    def events_by_level(self, s: Session) -> dict[str, int]:
        """Open events counted by current level (every level present, zeros included)."""
        rows = s.execute(
            select(EventRow.level, func.count()).where(EventRow.status == "open")
            .group_by(EventRow.level)
        ).all()  # fmt: skip
        out: dict[str, int] = dict.fromkeys(LEVELS, 0)
        out.update({str(level): int(n) for level, n in rows})
        return out

    # -- re-planning -------------------------------------------------------------------------

    def add_trigger(self, s: Session, reason: str, detail: str, now: datetime) -> None:
        s.add(TriggerRow(created_at=now, reason=reason, detail=detail[:2000]))

    def pending_triggers(self, s: Session) -> list[TriggerRow]:
        return list(s.scalars(select(TriggerRow).where(TriggerRow.plan_id.is_(None))
                              .order_by(TriggerRow.id)))  # fmt: skip

    def consume_triggers(self, s: Session, ids: Sequence[int], plan_id: int) -> None:
        s.execute(update(TriggerRow).where(TriggerRow.id.in_(list(ids))).values(plan_id=plan_id))

    # -- job runs ----------------------------------------------------------------------------

    def start_run(self, job: str, now: datetime) -> int:
        with self.session() as s:
            row = JobRunRow(job=job, started_at=now, wall_started_at=datetime.now(UTC),
                            status="running", detail="")  # fmt: skip
            s.add(row)
            s.flush()
            return row.id

    def finish_run(
        self, run_id: int, status: str, detail: str, duration_s: float, over_budget: bool
    ) -> None:
        with self.session() as s:
            s.execute(
                update(JobRunRow).where(JobRunRow.id == run_id).values(
                    status=status, detail=detail[:4000], duration_s=duration_s,
                    over_budget=over_budget)
            )  # fmt: skip

    def last_run(self, s: Session, job: str, status: str | None = None) -> JobRunRow | None:
        q = select(JobRunRow).where(JobRunRow.job == job)
        if status is not None:
            q = q.where(JobRunRow.status == status)
        return s.scalars(q.order_by(JobRunRow.id.desc()).limit(1)).first()

    def recover(self) -> list[str]:
        """Mark runs left ``running`` by a crash as ``interrupted``; return their job names."""
        with self.session() as s:
            rows = s.scalars(select(JobRunRow).where(JobRunRow.status == "running")).all()
            for row in rows:
                row.status, row.detail = "interrupted", (row.detail + " (found at restart)")
            return [r.job for r in rows]

    # -- bounds ------------------------------------------------------------------------------

    def prune(
        self, now: datetime, *, retention_days: float, job_runs_kept: int, plans_kept: int
    ) -> dict[str, int]:
        """Drop what is older than the retention or beyond the kept counts; counts removed."""
        cutoff = now - timedelta(days=retention_days)
        removed: dict[str, int] = {}
        with self.session() as s:
            old_events = select(EventRow.id).where(
                EventRow.status == "closed", EventRow.closed_at < cutoff
            )
            s.execute(delete(PcHistoryRow).where(PcHistoryRow.event_id.in_(old_events)))
            removed["events"] = _count(s.execute(
                delete(EventRow).where(EventRow.status == "closed", EventRow.closed_at < cutoff)
            ))  # fmt: skip
            undelivered = select(DeliveryRow.alert_id).where(DeliveryRow.status != "delivered")
            old_alerts = select(AlertRow.id).where(
                AlertRow.created_at < cutoff, AlertRow.id.not_in(undelivered)
            )
            ids = list(s.scalars(old_alerts))
            if ids:
                s.execute(delete(DeliveryRow).where(DeliveryRow.alert_id.in_(ids)))
                s.execute(delete(AlertRow).where(AlertRow.id.in_(ids)))
            removed["alerts"] = len(ids)
            removed["job_runs"] = 0
            for job in list(s.scalars(select(JobRunRow.job).distinct())):
                keep_from = s.scalar(
                    select(JobRunRow.id).where(JobRunRow.job == job)
                    .order_by(JobRunRow.id.desc()).offset(job_runs_kept - 1).limit(1)
                )  # fmt: skip
                if keep_from is not None:
                    removed["job_runs"] += _count(s.execute(
                        delete(JobRunRow).where(JobRunRow.job == job, JobRunRow.id < keep_from)
                    ))  # fmt: skip
            keep_plan = s.scalar(
                select(PlanRow.id).order_by(PlanRow.id.desc()).offset(plans_kept - 1).limit(1)
            )
            removed["plans"] = 0
            if keep_plan is not None:
                removed["plans"] = _count(s.execute(delete(PlanRow).where(PlanRow.id < keep_plan)))
            removed["triggers"] = _count(s.execute(
                delete(TriggerRow).where(TriggerRow.plan_id.is_not(None),
                                         TriggerRow.created_at < cutoff)
            ))  # fmt: skip
        return removed


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            poolclass=StaticPool if in_memory else None,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if not in_memory:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)
