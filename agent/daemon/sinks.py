"""Alert sinks and the dispatcher that works off the delivery rows in the state database.

Accepted plans go to a :class:`PlanArchive` (a folder or an ``s3://`` URL).

Sinks: ``stdout`` (one JSON line per alert), ``jsonl`` (appended and fsync-ed to a file) and
``webhook`` (an HTTP POST of the JSON with an ``Idempotency-Key`` header, retried with
exponential backoff).  A webhook delivery that exhausts its retries is appended to the
dead-letter JSONL file and retried ``redeliver_after_s`` later until it succeeds.

Bookkeeping: a delivery is marked ``delivered`` in the database right after the sink accepts
it.  A crash between the two would repeat it, so at start-up :meth:`Dispatcher.recover`
looks for pending JSONL deliveries already in the file's tail and marks them delivered:
the JSONL file gets every alert exactly once.  The webhook gets each alert at least once,
with a stable ``Idempotency-Key`` for the receiver to drop a repeat.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     sink = JsonlSink(pathlib.Path(tmp) / "alerts.jsonl")
...     sink.deliver({"delivery_key": "k|watch", "message": "hi"})
...     sink.delivered_keys(["k|watch", "other|alert"])
{'k|watch'}
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol, TextIO

import httpx
from sqlalchemy import or_, select

from cosmo_agent.agent.daemon.store import AlertRow, DeliveryRow, Store
from cosmo_agent.agent.jsontypes import JsonObject
from cosmo_agent.tools.storage import is_object_url, join_url, list_files, write_bytes

__all__ = [
    "Dispatcher",
    "JsonlSink",
    "PlanArchive",
    "Sink",
    "SinkError",
    "StdoutSink",
    "WebhookSink",
]

_TAIL_BYTES = 4 << 20  # recover() reads this much of the JSONL file's end


class SinkError(Exception):
    """A sink could not take an alert; the dispatcher retries later."""


class Sink(Protocol):
    """Where alerts go. ``deliver`` raises :class:`SinkError` when it fails."""

    name: str

    def deliver(self, payload: JsonObject) -> None: ...


def _line(payload: JsonObject) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class StdoutSink:
    """One JSON object per line on a stream (stdout by default)."""

    name = "stdout"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def deliver(self, payload: JsonObject) -> None:
        stream = self._stream or sys.stdout
        try:
            stream.write(_line({"event": "alert", **payload}) + "\n")
            stream.flush()
        except (OSError, ValueError) as exc:
            raise SinkError(f"stdout: {exc}") from None


class JsonlSink:
    """Appends one JSON object per line to ``path`` and fsyncs it."""

    name = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def deliver(self, payload: JsonObject) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(_line(payload) + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise SinkError(f"{self.path}: {exc.strerror or exc}") from None

    def delivered_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` are in the file's last few MB (the crash window is the tail)."""
        wanted = set(keys)
        if not wanted or not self.path.exists():
            return set()
        with self.path.open("rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - _TAIL_BYTES))
            tail = f.read().decode("utf-8", errors="replace")
        found: set[str] = set()
        for line in tail.splitlines():
            try:
                key = json.loads(line).get("delivery_key")
            except (json.JSONDecodeError, AttributeError):
                continue
            if key in wanted:
                found.add(key)
        return found


class PlanArchive:
    """Accepted plans as JSON files in a folder or under an object-storage URL (``s3://``).

    A file appears whole or not at all (:func:`cosmo_agent.tools.storage.atomic_writer`:
    renamed into place, or an upload completed only after its last byte), so a file in the
    archive is always a complete plan; ``OSError`` names what could not be written.

    >>> import tempfile
    >>> archive = PlanArchive(tempfile.mkdtemp())
    >>> name = archive.name(7, datetime(2026, 6, 10, 12, tzinfo=UTC))
    >>> archive.write(name, '{"plan": {}}').endswith("plan-000007-20260610T120000Z.json")
    True
    >>> archive.names()
    {'plan-000007-20260610T120000Z.json'}
    """

    def __init__(self, where: str | os.PathLike[str]) -> None:
        self.where = os.fspath(where)

    @staticmethod
    def name(plan_id: int, created: datetime) -> str:
        """The file name of accepted plan ``plan_id`` made at ``created`` (UTC; a naive time,
        as SQLite gives it back, is read as UTC)."""
        utc = created.replace(tzinfo=UTC) if created.tzinfo is None else created.astimezone(UTC)
        return f"plan-{plan_id:06d}-{utc:%Y%m%dT%H%M%SZ}.json"

    def location(self, name: str) -> str:
        """The path or URL of file ``name``."""
        return join_url(self.where, name)

    def names(self) -> set[str]:
        """The plan files the archive holds."""
        found = list_files(self.where, (".json",)) or []
        return {f.replace(os.sep, "/").rsplit("/", 1)[-1] for f in found}

    def write(self, name: str, body: str) -> str:
        """Write plan JSON ``body`` as ``name``, all or nothing; returns its location."""
        if not is_object_url(self.where):
            os.makedirs(self.where, exist_ok=True)
        where = self.location(name)
        write_bytes(where, body.encode())
        return where


class WebhookSink:
    """POSTs each alert as JSON; ``retries`` more tries after a failure, backoff doubling.

    Any answer but 2xx is a failure (the dispatcher dead-letters it after the last retry).
    ``sleep`` waits between tries and returns early (True) when the daemon stops.
    """

    name = "webhook"

    def __init__(
        self,
        url: str,
        *,
        retries: int = 3,
        backoff_s: float = 1.0,
        timeout_s: float = 5.0,
        client: httpx.Client | None = None,
        sleep: Callable[[float], bool] | None = None,
    ) -> None:
        self.url = url
        self.retries = retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self._client = client
        self._sleep: Callable[[float], bool] = sleep or threading.Event().wait

    def deliver(self, payload: JsonObject) -> None:
        client = self._client or httpx.Client(timeout=self.timeout_s)
        problem = "no attempt"
        try:
            for attempt in range(self.retries + 1):
                if attempt and self._sleep(self.backoff_s * 2 ** (attempt - 1)):
                    break  # stopping: leave it for the next start
                try:
                    r = client.post(
                        self.url,
                        content=_line(payload).encode(),
                        headers={
                            "Content-Type": "application/json",
                            "Idempotency-Key": str(payload.get("delivery_key", "")),
                            "User-Agent": "cosmo-agent-daemon",
                        },
                    )
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                    continue
                if 200 <= r.status_code < 300:
                    return
                problem = f"HTTP {r.status_code} {r.reason_phrase}"
        finally:
            if self._client is None:
                client.close()
        raise SinkError(f"{self.url}: {problem} after {self.retries + 1} attempt(s)")


class Dispatcher:
    """Delivers pending alerts to their sinks and records the outcome in the store."""

    def __init__(
        self,
        store: Store,
        sinks: Sequence[Sink],
        *,
        dead_letter_path: Path,
        redeliver_after_s: float = 60.0,
        on_result: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.store = store
        self.sinks = {s.name: s for s in sinks}
        self.dead_letter_path = Path(dead_letter_path)
        self.redeliver_after_s = redeliver_after_s
        self._on_result = on_result
        self._lock = threading.Lock()

    def recover(self) -> int:
        """Mark pending JSONL deliveries found in the file as delivered; how many."""
        sink = self.sinks.get("jsonl")
        if not isinstance(sink, JsonlSink):
            return 0
        with self.store.session() as s:
            rows = s.execute(
                select(DeliveryRow, AlertRow)
                .join(AlertRow, AlertRow.id == DeliveryRow.alert_id)
                .where(DeliveryRow.sink == "jsonl", DeliveryRow.status != "delivered")
            ).all()
            done = sink.delivered_keys(a.delivery_key for _, a in rows)
            now = datetime.now(UTC)
            for d, a in rows:
                if a.delivery_key in done:
                    d.status, d.delivered_at = "delivered", now
            return len(done)

    def dispatch(self, *, limit: int = 500) -> dict[str, int]:
        """Deliver what is due; returns counts of ``delivered``, ``failed``, ``dead_lettered``."""
        counts = {"delivered": 0, "failed": 0, "dead_lettered": 0}
        with self._lock:
            now = datetime.now(UTC)
            with self.store.session() as s:
                due = s.execute(
                    select(DeliveryRow.id, DeliveryRow.sink, AlertRow.payload)
                    .join(AlertRow, AlertRow.id == DeliveryRow.alert_id)
                    .where(
                        DeliveryRow.status != "delivered",
                        DeliveryRow.sink.in_(list(self.sinks)),
                        or_(DeliveryRow.next_attempt_at.is_(None),
                            DeliveryRow.next_attempt_at <= now),
                    )
                    .order_by(DeliveryRow.id)
                    .limit(limit)
                ).all()  # fmt: skip
            blocked: set[str] = set()  # a sink that failed now is not tried again this round
            for delivery_id, sink_name, text in due:
                if sink_name in blocked:
                    continue
                payload = json.loads(text)
                try:
                    self.sinks[sink_name].deliver(payload)
                except SinkError as exc:
                    blocked.add(sink_name)
                    counts["failed"] += 1
                    if self._failed(delivery_id, payload, str(exc)):
                        counts["dead_lettered"] += 1
                    if self._on_result:
                        self._on_result(sink_name, False)
                    continue
                with self.store.session() as s:
                    d = s.get(DeliveryRow, delivery_id)
                    if d is not None:
                        d.status, d.delivered_at = "delivered", datetime.now(UTC)
                        d.attempts += 1
                counts["delivered"] += 1
                if self._on_result:
                    self._on_result(sink_name, True)
        return counts

    def _failed(self, delivery_id: int, payload: JsonObject, problem: str) -> bool:
        """Record a failure; the first one of a delivery goes to the dead-letter file."""
        with self.store.session() as s:
            d = s.get(DeliveryRow, delivery_id)
            if d is None:
                return False
            first = bool(d.status == "pending")
            d.attempts += 1
            d.last_error = problem[:2000]
            d.status = "dead_letter"
            d.next_attempt_at = datetime.now(UTC) + timedelta(seconds=self.redeliver_after_s)
            if first:
                record: JsonObject = {"sink": d.sink,
                                      "failed_at_utc": datetime.now(UTC).isoformat(),
                                      "error": problem, "alert": payload}  # fmt: skip
                try:
                    self.dead_letter_path.parent.mkdir(parents=True, exist_ok=True)
                    with self.dead_letter_path.open("a", encoding="utf-8") as f:
                        f.write(_line(record) + "\n")
                except OSError:
                    pass  # the database row is the record; the file is for the operator
            return first

    def backlog(self) -> dict[str, int]:
        """Undelivered deliveries per sink."""
        from sqlalchemy import func

        with self.store.session() as s:
            rows = s.execute(
                select(DeliveryRow.sink, func.count())
                .where(DeliveryRow.status != "delivered")
                .group_by(DeliveryRow.sink)
            ).all()
        out = dict.fromkeys(self.sinks, 0)
        out.update({str(k): int(n) for k, n in rows})
        return out
