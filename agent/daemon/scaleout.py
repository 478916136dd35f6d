"""Where screening shards run: in-line, a local process pool, or a Dask cluster.

The fleet is cut into shards of ``shard_size`` satellites (:func:`plan_shards`); each runner
maps :func:`~cosmo_agent.agent.daemon.screening.screen_shard` over them and yields results as
they finish.  A shard that raises yields its exception (the cycle reports it and leaves that
shard's events untouched).  When ``stop`` is set, shards not yet started are cancelled and the
runner returns early: the cycle is then not committed (a checkpoint at a clean boundary).

The process pool uses the ``forkserver`` start method (workers never inherit the daemon's
threads, sockets or database connections) and lives as long as the daemon, so each worker
loads a catalog snapshot once per digest.

>>> plan_shards([1, 2, 3, 4, 5], 2)
[(1, 2), (3, 4), (5,)]
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol, TypeAlias, TypeVar

from cosmo_agent.agent.cluster import DaskClient, DaskFuture, connect_scheduler
from cosmo_agent.agent.daemon.screening import (
    Shard,
    ShardResult,
    screen_shard,
    screen_shipped_shard,
)
from cosmo_agent.tools.storage import read_bytes

__all__ = ["DaskRunner", "InlineRunner", "ProcessRunner", "ShardRunner", "plan_shards"]

ShardOutcome: TypeAlias = ShardResult | BaseException


def plan_shards(ids: Sequence[int], shard_size: int) -> list[tuple[int, ...]]:
    """``ids`` in consecutive groups of at most ``shard_size``."""
    size = max(1, shard_size)
    return [tuple(ids[i : i + size]) for i in range(0, len(ids), size)]


class ShardRunner(Protocol):
    """Runs shards; ``name`` says where (for metrics and logs)."""

    name: str

    def run(self, shards: Sequence[Shard], stop: threading.Event) -> Iterator[ShardOutcome]: ...

    def close(self) -> None: ...


class InlineRunner:
    """Shards one after the other in the calling thread (``fn``: this module's
    ``screen_shard`` when the runner is made)."""

    name = "inline"

    def __init__(self, fn: Callable[[Shard], ShardResult] | None = None) -> None:
        self._fn = fn if fn is not None else screen_shard

    def run(self, shards: Sequence[Shard], stop: threading.Event) -> Iterator[ShardOutcome]:
        for shard in shards:
            if stop.is_set():
                return
            try:
                yield self._fn(shard)
            except Exception as exc:  # one shard's failure is data for the cycle
                yield exc

    def close(self) -> None:
        pass


_F = TypeVar("_F")


def _drain(futures: list[_F], stop: threading.Event, cancel: Callable[[_F], object],
           done_of: Callable[[_F], bool], result_of: Callable[[_F], ShardOutcome],
           ) -> Iterator[ShardOutcome]:  # fmt: skip
    pending = list(futures)
    while pending:
        if stop.is_set():
            for f in pending:
                cancel(f)
            return
        finished = [f for f in pending if done_of(f)]
        if not finished:
            stop.wait(0.05)
            continue
        for f in finished:
            pending.remove(f)
            yield result_of(f)


class ProcessRunner:
    """A persistent local process pool of ``workers`` processes."""

    name = "process"

    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
            self._pool = ProcessPoolExecutor(self.workers, mp_context=mp.get_context(method))
        return self._pool

    def run(self, shards: Sequence[Shard], stop: threading.Event) -> Iterator[ShardOutcome]:
        pool = self._executor()
        futures = [pool.submit(screen_shard, s) for s in shards]

        def result(f: Future[ShardResult]) -> ShardOutcome:
            exc = f.exception()
            return exc if exc is not None else f.result()

        try:
            yield from _drain(futures, stop, lambda f: f.cancel(), lambda f: f.done(), result)
        except GeneratorExit:
            for f in futures:
                f.cancel()
            raise
        if any(isinstance(f.exception(), BrokenProcessPool) for f in futures
               if f.done() and not f.cancelled()):  # fmt: skip
            self.close()  # a dead worker broke the pool: start a fresh one next time

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_Files: TypeAlias = tuple[tuple[str, bytes], ...]
"""Files as ``(name, bytes)``, the way they travel to a worker."""


def _snapshot_files(files: _Files) -> _Files:
    """A snapshot's files (or a cycle's OEMs) as a task result: the scheduler can compute it
    again if lost."""
    return files


def _read_files(names: Sequence[str]) -> _Files:
    return tuple((name, read_bytes(name)) for name in names)


def _digest_of(digests: Iterable[str]) -> str:
    """One key for a set of files' digests."""
    return hashlib.sha256(" ".join(sorted(digests)).encode()).hexdigest()[:32]


class DaskRunner:
    """Shards on a Dask distributed cluster (``address``, or an existing ``client``).

    The connection is made at the first cycle, and made again after it is lost, so a
    scheduler that is down fails that cycle (an alert) instead of the daemon's start.
    Workers are separate processes, on this host or others: the snapshot's files and the
    fleet's OEMs travel with the cycle's shards (read here once per cycle, held by the
    scheduler as tasks, so a worker that dies takes no data with it), and workers need no
    shared filesystem.  A worker lost mid-cycle costs no shard: the scheduler runs its shards
    again on another worker; a shard whose workers keep dying (three by default) comes back
    as the scheduler's ``KilledWorker`` error, that shard's failure.
    """

    name = "dask"

    def __init__(self, address: str | None = None, *, client: DaskClient | None = None) -> None:
        self.address = address
        self.client = client
        self._owned = client is None

    def _client(self) -> DaskClient:
        if self.client is not None and self.client.status in ("closed", "closing"):
            self.client = None
        if self.client is None:
            self.client = connect_scheduler(self.address or "", timeout_s=30.0)
        return self.client

    def run(self, shards: Sequence[Shard], stop: threading.Event) -> Iterator[ShardOutcome]:
        client = self._client()
        held: dict[str, DaskFuture[_Files]] = {}  # one copy per cycle, however many shards

        def hold(kind: str, key: str, names: Sequence[str]) -> DaskFuture[_Files]:
            if key not in held:
                held[key] = client.submit(_snapshot_files, _read_files(names),
                                          key=f"cosmo-{kind}-{key}")  # fmt: skip
            return held[key]

        futures = []
        for shard in shards:
            snapshot = hold("snapshot", shard.catalog_digest, shard.catalog_files)
            oems = shard.ephemerides
            ephemerides = hold("ephemerides", _digest_of(r.digest for r in oems),
                               [r.source for r in oems])  # fmt: skip
            futures.append(client.submit(screen_shipped_shard, shard, snapshot, ephemerides,
                                         pure=False))  # fmt: skip

        def result(f: DaskFuture[ShardResult]) -> ShardOutcome:
            exc = f.exception() if f.status == "error" else None
            return exc if exc is not None else f.result()

        yield from _drain(futures, stop, lambda f: f.cancel(), lambda f: f.done(), result)

    def close(self) -> None:
        if self._owned and self.client is not None:
            self.client.close()
            self.client = None
