"""The all-vs-all (or fleet-vs-catalog) screen sharded over a Dask ``distributed`` cluster.

``screen_on_cluster`` cuts ``[start, stop]`` into windows of whole knot intervals
(:func:`plan_windows`), screens each window on a worker with the one screener,
:func:`cosmo_agent.orbital.screening.screen`, and joins the windows' conjunctions
(:func:`merge_windows`).  Windows start on the local screen's knot grid, so every window
interpolates between the same SGP4 knots and refines the same fine intervals as the local
screen; a minimum belongs to the one window holding its fine interval.  The result therefore
has the same events and excluded objects as ``screen`` over the whole span; a TCA differs by
at most the screener's 1 µs convergence tolerance (each window counts its times from its own
start, so the secant iteration stops at a point within that tolerance, not at the same bits),
and a miss by far less than a millimetre.  An object whose SGP4 fails in any window is
excluded from every window, as the local screen excludes an object that fails anywhere.

The catalog file's bytes travel with the work (a task on the scheduler, so a worker that dies takes
no data with it: the scheduler recomputes what it held), so workers need no shared filesystem;
each worker process parses it once per digest.  A worker lost mid-screen costs only the
windows it was running: the scheduler gives them to another worker.  A window that fails
(or whose worker dies three times) fails the whole screen: a partial screen is never returned.

>>> from datetime import UTC, datetime, timedelta
>>> t = datetime(2026, 6, 10, tzinfo=UTC)
>>> [(a.strftime("%H:%M:%S"), b.strftime("%H:%M:%S"))
...  for a, b in plan_windows(t, t + timedelta(hours=3), window_s=3600.0)]
[('00:00:00', '01:02:20'), ('01:02:20', '02:04:40'), ('02:04:40', '03:00:00')]
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import itertools
import socket
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

import numpy as np

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.screening import Conjunctions, screen
from cosmo_agent.orbital.timescales import iso_utc, require_utc
from cosmo_agent.tools.storage import read_bytes

__all__ = [
    "DEFAULT_WINDOW_H",
    "ClusterScreenError",
    "ClusterUnavailable",
    "DaskClient",
    "DaskFuture",
    "connect_scheduler",
    "merge_windows",
    "plan_windows",
    "screen_on_cluster",
]

DEFAULT_WINDOW_H = 6.0
"""Hours per window: 28 windows for a 7-day screen, enough to keep a few dozen workers busy
and to lose little when a worker dies, few enough that each window's set-up (shells, SGP4
records) stays a small share of its work."""

_SUMMED_STATS = ("points", "grid_pairs", "flagged", "intervals_refined", "brackets", "events",
                 "tasks")  # fmt: skip


class ClusterUnavailable(Exception):
    """The scheduler address is malformed or nothing answers there."""


class ClusterScreenError(RuntimeError):
    """Windows of a cluster screen failed or did not finish; nothing is returned."""


_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)


class DaskFuture(Protocol[_T_co]):
    """What the cluster screen and the daemon's Dask runner use of a ``distributed.Future``
    (which has no type annotations) whose task returns a ``_T_co``."""

    status: str

    def exception(self) -> BaseException | None: ...
    def result(self) -> _T_co: ...
    def cancel(self) -> object: ...
    def done(self) -> bool: ...


class DaskClient(Protocol):
    """What the cluster screen and the daemon's Dask runner use of a ``distributed.Client``."""

    status: str

    def submit(self, fn: Callable[..., _T], *args: object, **kwargs: object) -> DaskFuture[_T]: ...
    def nthreads(self) -> dict[str, int]: ...
    def close(self) -> object: ...


# -- windows -----------------------------------------------------------------------------------


def plan_windows(
    start: datetime,
    stop: datetime,
    window_s: float = DEFAULT_WINDOW_H * 3600.0,
    *,
    fine_step_s: float = 20.0,
    knot_step_s: float = 340.0,
) -> list[tuple[datetime, datetime]]:
    """``[start, stop]`` in consecutive windows of whole knot intervals (``knot_step_s``
    rounded to a multiple of ``fine_step_s``, as ``screen`` rounds it), about ``window_s``
    long; the last one ends at ``stop``."""
    start, stop = require_utc(start, "start"), require_utc(stop, "stop")
    if not stop > start:
        raise ValueError(f"stop {iso_utc(stop)} must be after start {iso_utc(start)}")
    if not 0 < fine_step_s <= knot_step_s or not window_s > 0:
        raise ValueError("need 0 < fine_step_s <= knot_step_s and window_s > 0")
    knot_s = max(1, round(knot_step_s / fine_step_s)) * fine_step_s
    step = timedelta(seconds=max(1, round(window_s / knot_s)) * knot_s)
    edges = [start]
    while edges[-1] + step < stop:
        edges.append(edges[-1] + step)
    edges.append(stop)
    return list(itertools.pairwise(edges))


def merge_windows(
    parts: Sequence[Conjunctions], start: datetime, stop: datetime, threshold_km: float
) -> Conjunctions:
    """The windows' conjunctions as one screen of ``[start, stop]``: in TCA order, without any
    event of an object that one of the windows excluded; diagnostic counts summed."""
    excluded: dict[int, str] = {}
    for part in parts:
        for ident, message in sorted(part.excluded.items()):
            excluded.setdefault(ident, message)
    columns: dict[str, Any] = {}
    for f in dataclasses.fields(Conjunctions):
        values = [getattr(p, f.name) for p in parts]
        if values and isinstance(values[0], np.ndarray):
            columns[f.name] = np.concatenate(values)
    dead = np.array(sorted(excluded), dtype=np.int64)
    keep = ~(np.isin(columns["primary_id"], dead) | np.isin(columns["secondary_id"], dead))
    order = np.flatnonzero(keep)[np.argsort(columns["tca"][keep], kind="stable")]
    stats: dict[str, float] = dict(parts[0].stats) if parts else {}
    for name in _SUMMED_STATS:
        stats[name] = float(sum(p.stats.get(name, 0.0) for p in parts))
    stats["objects_screened"] = float(max((p.stats.get("objects_screened", 0.0) for p in parts),
                                          default=0.0))  # fmt: skip
    stats["windows"] = float(len(parts))
    return Conjunctions(
        **{name: column[order] for name, column in columns.items()},
        excluded=dict(sorted(excluded.items())),
        start=start,
        stop=stop,
        threshold_km=float(threshold_km),
        stats=stats,
    )


# -- worker side -------------------------------------------------------------------------------

_CATALOG: dict[str, Catalog] = {}


def _catalog_bytes(data: bytes) -> bytes:
    """The catalog file as a task result: the scheduler can compute it again if lost."""
    return data


def _worker_catalog(data: bytes, name: str, digest: str) -> Catalog:
    """The catalog of ``data`` (a file called ``name``), parsed once per process and digest."""
    cached = _CATALOG.get(digest)
    if cached is None:
        with tempfile.TemporaryDirectory(prefix="cosmo-catalog-") as tmp:
            path = Path(tmp) / Path(name).name  # the suffix picks the format, as for the file
            path.write_bytes(data)
            cached = Catalog.from_file(path)
        _CATALOG.clear()
        _CATALOG[digest] = cached
    return cached


def _screen_window(
    data: bytes,
    name: str,
    digest: str,
    start: datetime,
    stop: datetime,
    threshold_km: float,
    satellites: tuple[int, ...] | None,
    fine_step_s: float,
    knot_step_s: float,
) -> Conjunctions:
    """One window, screened in this worker process (the windows are the parallelism)."""
    catalog = _worker_catalog(data, name, digest)
    primaries = catalog.select(list(satellites)) if satellites is not None else None
    return screen(catalog, start, stop, threshold_km, primaries=primaries, workers=1,
                  fine_step_s=fine_step_s, knot_step_s=knot_step_s)  # fmt: skip


# -- client side -------------------------------------------------------------------------------


async def _identity(address: str, timeout_s: float) -> str:
    """The ``type`` a Dask server at ``address`` says it is (``Scheduler``, ``Worker``)."""
    from distributed.comm.core import connect

    comm = await connect(address, timeout=timeout_s)  # type: ignore[no-untyped-call]
    try:
        await comm.write({"op": "identity", "reply": True})
        reply = await comm.read()
    finally:
        comm.abort()
    return str(reply.get("type", "")) if isinstance(reply, dict) else ""


def connect_scheduler(address: str, timeout_s: float = 10.0) -> DaskClient:
    """A ``distributed.Client`` of the scheduler at ``address``; :class:`ClusterUnavailable`
    (within about ``timeout_s``) if the address is malformed or no scheduler answers there."""
    try:
        from distributed import Client
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError:
        raise ClusterUnavailable(
            "dask.distributed is not installed: pip install 'cosmo-agent[dask]'"
        ) from None
    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location) if scheme in ("tcp", "tls") else ("", 0)
    except ValueError as exc:
        raise ClusterUnavailable(
            f"{address!r} is not a scheduler address ({exc}); give tcp://HOST:PORT"
        ) from None
    if host:  # a refused connection fails at once, before dask retries it for the timeout
        try:
            socket.create_connection((host, port), timeout=timeout_s).close()
        except OSError as exc:
            raise ClusterUnavailable(
                f"no Dask scheduler answers at {address} ({exc.strerror or exc}); start one"
                " (`dask scheduler`) or give the address it prints"
            ) from None
    try:  # a Client would wait forever on a listener that never answers the handshake
        kind = asyncio.run(asyncio.wait_for(_identity(address, timeout_s), timeout_s))
    except (OSError, TimeoutError, ValueError) as exc:
        why = f"no answer in {timeout_s:g} s" if isinstance(exc, TimeoutError) else str(exc)
        raise ClusterUnavailable(
            f"no Dask scheduler answers at {address} ({why}); start one (`dask scheduler`)"
            " or give the address it prints"
        ) from None
    if kind != "Scheduler":
        raise ClusterUnavailable(f"{address} is a Dask {kind or 'peer'}, not a scheduler:"
                                 " give the scheduler's address")  # fmt: skip
    try:
        client = Client(address, timeout=f"{timeout_s}s", set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise ClusterUnavailable(
            f"cannot connect to the Dask scheduler at {address}: {exc}"
        ) from None
    return cast(DaskClient, client)  # distributed has no annotations to check


def _wait(
    futures: Sequence[DaskFuture[object]],
    timeout_s: float | None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Until every future is done, one has failed (the screen fails), or ``timeout_s``;
    ``progress(done, total)`` each time more of them are done."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    reported = -1
    while True:
        done = sum(f.done() for f in futures)
        if progress is not None and done != reported:
            progress(done, len(futures))
            reported = done
        if done == len(futures):
            return
        if any(f.status == "error" for f in futures):
            return
        if deadline is not None and time.monotonic() > deadline:
            return
        time.sleep(0.05)


def screen_on_cluster(
    cluster: str | Any,
    catalog_path: str | Path,
    start: datetime,
    stop: datetime,
    threshold_km: float = 5.0,
    *,
    satellites: Sequence[int] | None = None,
    window_h: float = DEFAULT_WINDOW_H,
    fine_step_s: float = 20.0,
    knot_step_s: float = 340.0,
    connect_timeout_s: float = 10.0,
    timeout_s: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Conjunctions:
    """``screen(Catalog.from_file(catalog_path), start, stop, threshold_km, primaries=...)``
    computed on the Dask cluster at ``cluster`` (a scheduler address, or a
    ``distributed.Client``), one task per window of about ``window_h`` hours.

    ``catalog_path``: a file or an object URL (``s3://``), read here; the workers receive its
    bytes and need no access to it.  ``satellites``: primary catalog numbers
    (fleet-vs-catalog), None for all-vs-all.
    Raises :class:`ClusterUnavailable` when the scheduler cannot be reached and
    :class:`ClusterScreenError` when a window fails or ``timeout_s`` passes first; never
    returns part of a screen.  ``progress(done, total)`` counts the windows finished.
    """
    windows = plan_windows(start, stop, window_h * 3600.0, fine_step_s=fine_step_s,
                           knot_step_s=knot_step_s)  # fmt: skip
    path = Path(catalog_path)
    data = read_bytes(str(catalog_path))
    digest = hashlib.sha256(data).hexdigest()
    owned = isinstance(cluster, str)
    client = connect_scheduler(cluster, connect_timeout_s) if owned else cast(DaskClient, cluster)
    primaries = tuple(int(s) for s in satellites) if satellites is not None else None
    futures: list[DaskFuture[Conjunctions]] = []
    try:
        held = client.submit(_catalog_bytes, data, key=f"cosmo-catalog-{digest}")
        work = (held, path.name, digest)
        steps = (fine_step_s, knot_step_s)
        futures = [
            client.submit(
                _screen_window, *work, a, b, float(threshold_km), primaries, *steps, pure=False
            )
            for a, b in windows
        ]
        _wait(futures, timeout_s, progress)
        failed = [(w, f) for w, f in zip(windows, futures, strict=True) if f.status != "finished"]
        if failed:
            (a, b), first = failed[0]
            cause = first.exception() if first.status == "error" else None
            why = f"{type(cause).__name__}: {cause}" if cause is not None else first.status
            raise ClusterScreenError(
                f"{len(failed)} of {len(windows)} screening windows did not finish on the"
                f" cluster (first: {iso_utc(a)} to {iso_utc(b)}, {why}); no result is reported"
            )
        parts = [f.result() for f in futures]
        workers = len(client.nthreads())
    finally:
        for f in futures:
            f.cancel()  # finished or not: the cluster may forget them now
        if owned:
            client.close()
    merged = merge_windows(parts, start, stop, threshold_km)
    merged.stats["workers"] = float(workers)  # the cluster's, at the end of the screen
    return merged
