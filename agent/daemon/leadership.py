"""One daemon at a time runs the jobs of a state database.

- SQLite (the embedded default): :class:`StateDirLock`, an exclusive ``flock`` on
  ``state_dir/daemon.lock``.  A second daemon on the same state directory refuses at once
  (:class:`StateInUse`, naming the directory and the process holding it).  The kernel
  releases the lock when its process dies, SIGKILL included.
- PostgreSQL (``--database postgresql://...``): :class:`AdvisoryLeadership`, a session-level
  advisory lock (``pg_try_advisory_lock``) on a connection of its own.  The daemon holding it
  leads; another daemon on the same database waits as a standby and tries again every
  ``poll_s``.  When the leader dies its connection closes and PostgreSQL releases the lock,
  so the standby takes over within ``poll_s`` (a leader whose host vanished is noticed by
  TCP keepalives, both ways, after about :data:`KEEPALIVE_S`).  The leader checks its lock
  connection every ``poll_s`` and stops when it is gone; every transaction of its store is
  fenced (:meth:`AdvisoryLeadership.fence`): it commits only while the lock's backend still
  holds the lock, so a deposed leader cannot write over the new one.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     first = StateDirLock(pathlib.Path(tmp))
...     first.try_acquire()
...     try:
...         StateDirLock(pathlib.Path(tmp)).try_acquire()
...     except StateInUse as exc:
...         print(str(exc).split(":")[0])
...     first.release()
True
another daemon uses this state directory
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.orm import Session

__all__ = [
    "KEEPALIVE_S",
    "AdvisoryLeadership",
    "Leadership",
    "LostLeadership",
    "MissingPostgresDriver",
    "StateDirLock",
    "StateInUse",
    "libpq_url",
    "require_postgres",
]

_LOCK_KEYS: Final = (0x636F736D, 0x646D6F6E)
"""The advisory lock's two int4 keys ("cosm", "dmon"): one leader per database."""
_KEEPALIVE: Final[dict[str, Any]] = {
    "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3,
    "connect_timeout": 10,
}  # fmt: skip
KEEPALIVE_S: Final = 11.0
"""How long a vanished peer holds the lock at most: keepalive idle 5 s + 3 probes 2 s apart."""


class StateInUse(RuntimeError):
    """Another daemon holds the state directory; the message names it and what to do."""


class LostLeadership(RuntimeError):
    """This daemon no longer holds the leadership: its write is refused."""


class MissingPostgresDriver(ImportError):
    """``--database postgresql://`` without the ``postgres`` extra; the message says which
    package is missing and how to install it."""


class Leadership(Protocol):
    """Who runs the jobs: :meth:`try_acquire` once or repeatedly, :meth:`alive` while leading,
    :meth:`fence` in each write transaction, :meth:`release` at shutdown."""

    kind: str

    @property
    def held(self) -> bool: ...
    def try_acquire(self) -> bool: ...
    def alive(self) -> bool: ...
    def fence(self, s: Session) -> None: ...
    def release(self) -> None: ...
    def describe(self) -> str: ...


def libpq_url(url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL (driver suffix dropped)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def require_postgres(*, checkpointer: bool) -> None:
    """Raise :class:`MissingPostgresDriver` unless psycopg (and, with ``checkpointer``,
    LangGraph's PostgreSQL checkpointer) can be imported."""
    needed = [("psycopg", "psycopg[binary]")]
    if checkpointer:
        needed.append(("langgraph.checkpoint.postgres", "langgraph-checkpoint-postgres"))
    for module, package in needed:
        try:
            __import__(module)
        except ImportError:
            raise MissingPostgresDriver(
                f"--database postgresql://... needs the package {package!r}, which is not"
                " installed: pip install 'cosmo-agent[postgres]'"
            ) from None


class StateDirLock:
    """An exclusive ``flock`` on ``state_dir/daemon.lock`` (the file names its holder)."""

    kind = "state-dir"

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / "daemon.lock"
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def try_acquire(self) -> bool:
        """Take the lock; :class:`StateInUse` when another process holds it."""
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        f = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            f.close()
            raise StateInUse(
                f"another daemon uses this state directory: {self.path.parent.absolute()} is"
                f" locked by {holder}; stop that daemon or pass another --state-dir (two daemons"
                " on one state would both run every job)"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()} on {socket.gethostname()} since"
                f" {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}\n")  # fmt: skip
        f.flush()
        self._file = f
        return True

    def alive(self) -> bool:
        return self._file is not None

    def fence(self, s: Session) -> None:
        """Nothing to check: the lock lives as long as this process."""

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.truncate(0)
            self._file.close()  # closing the descriptor releases the flock
            self._file = None

    def describe(self) -> str:
        return f"the lock on {self.path}"


class AdvisoryLeadership:
    """A PostgreSQL session-level advisory lock held on a dedicated connection."""

    kind = "postgres-advisory-lock"

    def __init__(self, url: str) -> None:
        self.url = libpq_url(url)
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None  # made on first use
        self.backend_pid: int | None = None
        self._backend_start: datetime | None = None  # with the pid: a reused pid is not us

    @property
    def held(self) -> bool:
        return self.backend_pid is not None

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        import psycopg

        conn = psycopg.connect(self.url, autocommit=True, application_name="cosmo-daemon-leader",
                               **_KEEPALIVE)  # fmt: skip
        with contextlib.suppress(psycopg.Error):  # the server's side of the keepalives
            conn.execute("SET tcp_keepalives_idle = 5")
            conn.execute("SET tcp_keepalives_interval = 2")
            conn.execute("SET tcp_keepalives_count = 3")
        return conn

    def try_acquire(self) -> bool:
        """One try; True once this daemon leads.  A database that cannot be reached is a
        failed try (the standby keeps trying), not an error."""
        import psycopg

        if self.backend_pid is not None:
            return True
        try:
            if self._conn is None:
                self._conn = self._connect()
            row = self._conn.execute(
                "SELECT pg_try_advisory_lock(%s, %s), pid, backend_start FROM pg_stat_activity"
                " WHERE pid = pg_backend_pid()", _LOCK_KEYS).fetchone()  # fmt: skip
        except psycopg.Error:
            self._drop()
            return False
        if row is None or not row[0]:
            return False
        self.backend_pid, self._backend_start = int(row[1]), row[2]
        return True

    def alive(self) -> bool:
        """Whether the lock's connection still answers (the lock is then still held)."""
        import psycopg

        if self._conn is None or self.backend_pid is None:
            return False
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error:
            self._drop()
            return False
        return True

    def fence(self, s: Session) -> None:
        """Refuse (:class:`LostLeadership`) unless the lock's backend still holds the lock."""
        if self.backend_pid is None:
            raise LostLeadership("this daemon is a standby: it does not write to the store")
        held = s.execute(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.pid = :pid"
            " AND a.backend_start = :started AND l.classid = :k1 AND l.objid = :k2"
            " AND l.objsubid = 2"
        ), {"pid": self.backend_pid, "started": self._backend_start, "k1": _LOCK_KEYS[0],
            "k2": _LOCK_KEYS[1]}).scalar()  # fmt: skip
        if not held:
            raise LostLeadership("this daemon lost the leadership (its lock connection is gone):"
                                 " the transaction is rolled back")  # fmt: skip

    def _drop(self) -> None:
        conn, self._conn, self.backend_pid, self._backend_start = self._conn, None, None, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def release(self) -> None:
        """Close the lock's connection: the lock goes with it."""
        self._drop()

    def describe(self) -> str:
        u = make_url(self.url)
        return f"the advisory lock on {u.host or u.query.get('host')}:{u.port or 5432}/{u.database}"
