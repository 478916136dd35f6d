"""The daemon's state: conjunction events across cycles, alerts with their deliveries, plans,
job runs and a small key-value table, in one SQLAlchemy 2 database (SQLite by default, or
PostgreSQL through psycopg 3, where several daemons share it and one leads: ``fence``, the
leadership check, runs last in every transaction of the leader and refuses a commit once it no
longer leads; see :mod:`.leadership`).

Every state change and the alerts it causes are written in one transaction (an outbox):
a crash either keeps both or neither, so a restart never loses an alert and never raises
one twice.  An alert is unique per ``(dedup_key, level)``; each configured sink gets one
delivery row per alert, which :mod:`.sinks` works off.

Event tracking (``Store.track``): a sighting of the same pair (fleet satellite, object) with
a TCA within ``match_s`` (:data:`~cosmo_agent.tools.events.EVENT_MATCH_S`, 20 minutes) of
an open event is that event; each sighting adds a Pc history row (the newest
``history_per_event`` are kept, each naming its source: a screening cycle or a CDM).  An event
is keyed by its canonical id (``EventRow.key``, :func:`~cosmo_agent.tools.events.derive_event_id`
of the pair and the first sighting's TCA), the id the tools and ``cosmo-agent events`` show.
``Store.ingest`` folds in one sighting from elsewhere (a CDM) by the same rule.  The level
comes from Pc:

    none < watch (Pc >= watch) < alert (Pc >= alert, or miss < min_miss_km) < emergency

and an alert goes out when an event reaches a level it never had (new events included).
An event closes when its TCA is ``close_after_s`` in the past (``past``) or when a later
screening covering its TCA no longer finds it under the threshold (``cleared``: a manoeuvre
or new elements moved it away).  A cleared event sighted again reopens under its id, as a new
episode that alerts afresh.

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
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal, Protocol

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
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
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from cosmo_agent.agent.jsontypes import JsonValue
from cosmo_agent.orbital.conjunction import Pair
from cosmo_agent.orbital.timescales import iso_utc
from cosmo_agent.tools.events import (
    EVENT_MATCH_S,
    derive_event_id,
    event_pair,
    match_event,
    normal_event_id,
    parse_event_id,
)

if TYPE_CHECKING:
    from cosmo_agent.tools.registry import ResultStore

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
    """One conjunction event tracked across screening cycles; ``key`` is its canonical id,
    ``episode`` counts its openings (a cleared event sighted again opens a new one)."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    episode: Mapped[int] = mapped_column(Integer, default=1)
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
        """The event's public id: its canonical id, ``CONJ-25544-48274-20260610T1510Z``."""
        return self.key

    @property
    def alert_key(self) -> str:
        """The dedup key of the event's alerts: one set of levels per episode."""
        return f"conjunction:{self.key}" + (f"#{self.episode}" if self.episode > 1 else "")


class PcHistoryRow(_Base):
    """One sighting of an event: when, from where (``source``: ``screening`` with its cycle,
    or ``cdm:<MESSAGE_ID>``, cycle 0), TCA, miss and Pc."""

    __tablename__ = "pc_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    cycle: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(_UtcDateTime)
    tca: Mapped[datetime] = mapped_column(_UtcDateTime)
    miss_km: Mapped[float] = mapped_column(Float)
    pc: Mapped[float | None] = mapped_column(Float, nullable=True)
    level: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(200), default="screening")


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


class Sighting(Pair, Protocol):
    """What tracking needs of a screened approach (see ``screening.Approach``): the pair and
    its TCA (:class:`~cosmo_agent.orbital.conjunction.Pair`), the miss and the speed."""

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
_SCHEMA_LOCK: Final = 0x636F736D7363  # transaction advisory lock of the schema set-up



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
        fence: Callable[[Session], None] | None = None,
    ) -> None:
        self.url = url
        self.sinks = tuple(sinks)
        self.mission = mission
        self.on_alert = on_alert
        self.fence = fence
        self.engine = _engine(url)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # two daemons starting at once: one creates
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
            _Base.metadata.create_all(conn)
            _migrate(conn)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self, *, fenced: bool = True) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on an exception.

        ``fence`` (the daemon's leadership) runs last in each transaction and refuses the
        commit of a daemon that no longer leads; ``fenced=False`` for reads.
        ``on_alert`` sees each alert of the transaction once it is committed (a rolled-back
        alert was never raised)."""
        with self._sessions.begin() as s:
            yield s
            if fenced and self.fence is not None:
                self.fence(s)
            raised: list[AlertRow] = s.info.pop(_RAISED, [])
        if self.on_alert is not None:
            for row in raised:
                self.on_alert(row)

    def close(self) -> None:
        self.engine.dispose()

    # -- key-value ---------------------------------------------------------------------------

    def get(self, s: Session, key: str, default: JsonValue = None) -> JsonValue:
        row = s.get(KeyValueRow, key)
        return default if row is None else json.loads(row.value)

    def put(self, s: Session, key: str, value: object) -> None:
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
        data: Mapping[str, object] | None = None,
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
            "at_utc": iso_utc(now),
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
        data: Mapping[str, object] | None = None,
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
        seen: set[int] = set()
        for sight in sorted(sightings, key=lambda x: (x.tca, x.primary_id, x.secondary_id)):
            ev = self._fold(s, sight, out, now=now, cycle=cycle, source="screening",
                            thresholds=thresholds, history_per_event=history_per_event,
                            names=names)  # fmt: skip
            seen.add(ev.id)
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

    def ingest(
        self,
        s: Session,
        sight: Sighting,
        *,
        source: str,
        now: datetime,
        thresholds: PcThresholds,
        history_per_event: int = 200,
        names: dict[int, str] | None = None,
    ) -> tuple[EventRow, Tracking]:
        """Fold one sighting from outside the screening (``source``, e.g. ``cdm:<id>``) into
        the event it describes (the pair within EVENT_MATCH_S of an open event's TCA), or a new
        one; nothing is closed.  Returns the event and what changed."""
        out = Tracking()
        ev = self._fold(s, sight, out, now=now, cycle=0, source=source, thresholds=thresholds,
                        history_per_event=history_per_event, names=names or {})  # fmt: skip
        return ev, out

    def _fold(
        self,
        s: Session,
        sight: Sighting,
        out: Tracking,
        *,
        now: datetime,
        cycle: int,
        source: str,
        thresholds: PcThresholds,
        history_per_event: int,
        names: dict[int, str],
    ) -> EventRow:
        """One sighting into its event: the nearest open event of the pair within
        EVENT_MATCH_S (``tools.events.match_event``), else the event its derived id names
        (reopened if closed), else a new event."""
        p, q = sight.primary_id, sight.secondary_id
        match = timedelta(seconds=EVENT_MATCH_S)
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
        known = {e.key: (*event_pair(e.primary_id, e.secondary_id), e.tca) for e in candidates}
        found = match_event(known, p, q, sight.tca)
        if found is not None:
            ev: EventRow | None = next(e for e in candidates if e.key == found)
        else:
            key = derive_event_id(p, q, sight.tca)
            ev = s.scalar(select(EventRow).where(EventRow.key == key))
            if ev is not None and ev.status == "closed":  # sighted again: a new episode
                ev.status, ev.closed_reason, ev.closed_at = "open", None, None
                ev.episode, ev.peak_level, ev.first_seen = ev.episode + 1, "none", now
                out.new.append(ev.uid)
        if ev is not None:
            old_peak = ev.peak_level
            ev.tca, ev.miss_km, ev.pc = sight.tca, sight.miss_km, sight.pc
            ev.relative_speed_km_s = sight.relative_speed_km_s
            ev.level, ev.last_seen, ev.sightings = level, now, ev.sightings + 1
            if LEVELS.index(level) > LEVELS.index(old_peak):
                ev.peak_level = level
                if ev.uid in out.new:
                    out.new_alerted.append(ev.uid)
                    out.alerts += self._event_alert(s, ev, now, names, "new", None)
                else:
                    out.escalated.append((ev.uid, old_peak, level))
                    out.alerts += self._event_alert(s, ev, now, names, "escalated", old_peak)
            out.updated += 1
        else:
            ev = EventRow(
                key=key, episode=1, primary_id=p, secondary_id=q, tca=sight.tca,
                miss_km=sight.miss_km, relative_speed_km_s=sight.relative_speed_km_s,
                pc=sight.pc, level=level, peak_level=level, status="open", first_seen=now,
                last_seen=now, sightings=1,
            )  # fmt: skip
            s.add(ev)
            s.flush()
            out.new.append(ev.uid)
            if level != "none":
                out.new_alerted.append(ev.uid)
                out.alerts += self._event_alert(s, ev, now, names, "new", None)
        s.add(PcHistoryRow(event_id=ev.id, cycle=cycle, at=now, tca=sight.tca,
                           miss_km=sight.miss_km, pc=sight.pc, level=level,
                           source=source))  # fmt: skip
        self._trim_history(s, ev.id, history_per_event)
        return ev

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
                f" at {iso_utc(ev.tca)}"
            )
        data = {
            "event_id": ev.uid,
            "change": change,
            "primary_id": ev.primary_id,
            "secondary_id": ev.secondary_id,
            "tca_utc": iso_utc(ev.tca),
            "miss_km": round(ev.miss_km, 4),
            "pc": ev.pc,
            "level": ev.level,
            "peak_level": ev.peak_level,
            "closed_reason": ev.closed_reason,
        }
        row = self.emit(s, key=ev.alert_key, level=level,
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

    def event(self, s: Session, written: str) -> EventRow | None:
        """The event ``written`` names: its canonical id (any case), or an id from elsewhere
        (a tools run, a CDM) whose pair and TCA match one within EVENT_MATCH_S."""
        wanted = normal_event_id(written)
        row = s.scalar(select(EventRow).where(EventRow.key == wanted))
        parsed = parse_event_id(wanted)
        if row is not None or parsed is None:
            return row
        lo, hi, tca = parsed
        rows = s.scalars(select(EventRow).where(EventRow.primary_id.in_((lo, hi)),
                                                EventRow.secondary_id.in_((lo, hi))))  # fmt: skip
        known = {e.key: (*event_pair(e.primary_id, e.secondary_id), e.tca) for e in rows}
        found = match_event(known, lo, hi, tca, slack_s=60.0)  # the id's TCA is to the minute
        return None if found is None else s.scalar(select(EventRow).where(EventRow.key == found))

    def events(self, s: Session) -> list[EventRow]:
        """Every event kept, open and closed, by TCA."""
        return list(s.scalars(select(EventRow).order_by(EventRow.tca, EventRow.key)))

    def pc_history(self, s: Session, ev: EventRow) -> list[PcHistoryRow]:
        """The event's sightings, oldest first (the newest ``history_per_event`` are kept)."""
        return list(s.scalars(select(PcHistoryRow).where(PcHistoryRow.event_id == ev.id)
                              .order_by(PcHistoryRow.id)))  # fmt: skip

    def pc_histories(self, s: Session, events: Sequence[EventRow]) -> dict[int, list[PcHistoryRow]]:
        """:meth:`pc_history` of several events in one query, by event row id."""
        out: dict[int, list[PcHistoryRow]] = {ev.id: [] for ev in events}
        if out:
            rows = s.scalars(select(PcHistoryRow).where(PcHistoryRow.event_id.in_(list(out)))
                             .order_by(PcHistoryRow.id))  # fmt: skip
            for row in rows:
                out[row.event_id].append(row)
        return out

    def recent_alerts(self, s: Session, limit: int) -> list[AlertRow]:
        """The newest ``limit`` alerts, newest first."""
        return list(s.scalars(select(AlertRow).order_by(AlertRow.id.desc()).limit(limit)))

    def alert_count(self, s: Session) -> int:
        """How many alerts the store holds."""
        return int(s.scalar(select(func.count()).select_from(AlertRow)) or 0)

    def last_plan(self, s: Session) -> PlanRow | None:
        """The newest plan row (a plan, or why none could be made), or None."""
        return s.scalars(select(PlanRow).order_by(PlanRow.id.desc()).limit(1)).first()

    def seed(self, s: Session, results: ResultStore) -> int:
        """Make the open events known to a tools run (``ResultStore.seed``): a screening of
        that run that finds one keeps its id and shows its Pc history.  Returns how many."""
        from cosmo_agent.tools.toolkit import EventSighting

        rows = self.open_events(s)
        for ev in rows:
            history = [
                EventSighting(source=h.source if h.cycle == 0 else f"daemon {h.source} {h.cycle}",
                              tca_utc=h.tca, miss_km=round(h.miss_km, 4), pc=h.pc)
                for h in self.pc_history(s, ev)
            ]  # fmt: skip
            results.seed(ev.uid, (*event_pair(ev.primary_id, ev.secondary_id), ev.tca), history)
        return len(rows)

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


def _migrate(conn: Connection) -> None:
    """Bring a state database written before canonical event ids up to date: ``events``
    gains ``key`` (derived from the pair and the stored TCA) and ``episode``, ``pc_history``
    gains ``source``."""
    columns = {c["name"] for c in inspect(conn).get_columns("events")}
    if "key" not in columns:
        conn.execute(text("ALTER TABLE events ADD COLUMN key VARCHAR(64)"))
        conn.execute(text("ALTER TABLE events ADD COLUMN episode INTEGER DEFAULT 1 NOT NULL"))
        rows = conn.execute(text("SELECT id, primary_id, secondary_id, tca FROM events"))
        taken: set[str] = set()
        for row_id, p, q, tca in rows.all():
            when = tca if isinstance(tca, datetime) else datetime.fromisoformat(str(tca))
            key = derive_event_id(int(p), int(q), when.replace(tzinfo=UTC))
            key = key if key not in taken else f"{key}-{row_id}"  # two old rows, one minute
            taken.add(key)
            conn.execute(text("UPDATE events SET key = :k WHERE id = :i"), {"k": key, "i": row_id})
        conn.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS ix_events_key ON events (key)"))
    if "source" not in {c["name"] for c in inspect(conn).get_columns("pc_history")}:
        conn.execute(text("ALTER TABLE pc_history ADD COLUMN source VARCHAR(200)"
                          " DEFAULT 'screening' NOT NULL"))  # fmt: skip


def _count(result: object) -> int:
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
        def _pragmas(dbapi_conn: DBAPIConnection, _record: object) -> None:
            cur = dbapi_conn.cursor()
            if not in_memory:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    if url.startswith("postgres"):
        return create_engine(url, pool_pre_ping=True, connect_args={
            "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
            "keepalives_count": 3, "connect_timeout": 10})  # fmt: skip
    return create_engine(url, pool_pre_ping=True)
