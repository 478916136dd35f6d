"""Batched SGP4 propagation of a catalog over a time grid.

The work is cut into satellite chunks so memory stays bounded, and spread over
worker processes when the batch is large enough to pay for them (the SGP4
extension holds the GIL, so threads would not help).  Failures are per element:
``Ephemeris.error`` holds the SGP4 error code of each satellite and time, and
the positions there are NaN.

>>> from datetime import datetime, timezone
>>> from importlib.resources import files
>>> from cosmo_agent.orbital import Catalog, utc_times
>>> catalog = Catalog.from_tle_file(files("cosmo_agent.tools") / "data" / "sample-leo.3le")
>>> t = utc_times(datetime(2026, 6, 10, tzinfo=timezone.utc),
...               datetime(2026, 6, 10, 1, tzinfo=timezone.utc), step_s=600.0)
>>> eph = propagate(catalog, t)
>>> eph.position_teme_km.shape == (len(catalog), 7, 3)
True
"""

from __future__ import annotations

import mmap
import multiprocessing as mp
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sgp4.api import SGP4_ERRORS as _SGP4_ONLY_ERRORS
from sgp4.api import Satrec, SatrecArray
from skyfield.timelib import Time

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.oem import OUTSIDE_EPHEMERIS
from cosmo_agent.orbital.timescales import sgp4_epoch

__all__ = ["SGP4_ERRORS", "Ephemeris", "iter_propagate", "propagate", "satrec_array"]

SGP4_ERRORS: dict[int, str] = {
    **_SGP4_ONLY_ERRORS,
    OUTSIDE_EPHEMERIS: "the time is outside the span of the object's ephemeris file (OEM);"
    " it is not extrapolated",
}
"""SGP4's error codes and sentences, and :data:`~cosmo_agent.orbital.oem.OUTSIDE_EPHEMERIS`
for rows whose states come from an OEM (``Catalog.with_ephemerides``)."""

# Below this many satellite-times a worker pool costs more than it saves.
_PARALLEL_MIN_WORK = 2_000_000
# Satellites per chunk: ~2 MB of positions per thousand times per thousand satellites.
_DEFAULT_CHUNK = 1024


@dataclass(frozen=True)
class Ephemeris:
    """Positions and velocities in TEME for ``ids`` × ``times``.

    ``error`` is the SGP4 error code (0 = ok; see ``SGP4_ERRORS``); rows with
    an error have NaN states.
    """

    ids: NDArray[np.int64]
    times: Time
    position_teme_km: NDArray[np.float64]
    velocity_teme_km_s: NDArray[np.float64]
    error: NDArray[np.uint8]

    @property
    def valid(self) -> NDArray[np.bool_]:
        """True where SGP4 succeeded."""
        return np.asarray(self.error == 0)

    def messages(self) -> dict[int, str]:
        """First SGP4 error message of each failing satellite, by catalog number."""
        out: dict[int, str] = {}
        for row in np.flatnonzero(self.error.any(axis=1)):
            code = int(self.error[row][self.error[row] != 0][0])
            out[int(self.ids[row])] = SGP4_ERRORS.get(code, f"SGP4 error {code}")
        return out


class _MixedArray:
    """SGP4 records in one ``SatrecArray``, other state sources row by row (``sgp4_array``)."""

    def __init__(self, satrecs: Sequence[Any]) -> None:
        self.satrecs = list(satrecs)
        self.plain = [i for i, s in enumerate(self.satrecs) if isinstance(s, Satrec)]
        self.array = SatrecArray([self.satrecs[i] for i in self.plain]) if self.plain else None

    def sgp4(
        self, jd: NDArray[np.float64], fr: NDArray[np.float64]
    ) -> tuple[NDArray[np.uint8], NDArray[np.float64], NDArray[np.float64]]:
        n, t = len(self.satrecs), len(np.atleast_1d(jd))
        err = np.zeros((n, t), np.uint8)
        r = np.empty((n, t, 3))
        v = np.empty((n, t, 3))
        if self.array is not None:
            err[self.plain], r[self.plain], v[self.plain] = self.array.sgp4(jd, fr)
        for i, sat in enumerate(self.satrecs):
            if not isinstance(sat, Satrec):
                err[i], r[i], v[i] = sat.sgp4_array(jd, fr)
        return err, r, v


def satrec_array(satrecs: Sequence[Any]) -> Any:
    """A batch with ``sgp4(jd, fr) -> (error, r, v)`` over ``satrecs``: a ``SatrecArray``
    when all are SGP4 records, else one that also asks the others (an
    :class:`~cosmo_agent.orbital.oem.OemSatrec`) for their states."""
    if all(isinstance(s, Satrec) for s in satrecs):
        return SatrecArray(list(satrecs))
    return _MixedArray(satrecs)


def iter_propagate(
    catalog: Catalog, times: Time, chunk_size: int = _DEFAULT_CHUNK
) -> Iterator[tuple[slice, NDArray[np.uint8], NDArray[np.float64], NDArray[np.float64]]]:
    """Yield ``(rows, error, r_km, v_km_s)`` chunk by chunk, for streaming consumers.

    Memory is bounded by ``chunk_size × len(times)``: screening and pass finding
    consume one chunk and drop it.
    """
    jd, fr = sgp4_epoch(times)
    for start in range(0, len(catalog), chunk_size):
        rows = slice(start, min(start + chunk_size, len(catalog)))
        e, r, v = satrec_array(catalog.satrecs[rows]).sgp4(jd, fr)
        yield rows, e, r, v


# Worker-side state: set in the parent before forking, inherited by the children.
_FORK_STATE: dict[str, Any] = {}


def _worker(rows: tuple[int, int]) -> None:
    state = _FORK_STATE
    start, stop = rows
    e, r, v = satrec_array(state["satrecs"][start:stop]).sgp4(state["jd"], state["fr"])
    state["err"][start:stop] = e
    state["pos"][start:stop] = r
    state["vel"][start:stop] = v


def _default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def propagate(
    catalog: Catalog,
    times: Time,
    *,
    chunk_size: int = _DEFAULT_CHUNK,
    workers: int | None = None,
) -> Ephemeris:
    """Propagate every element set in ``catalog`` to every time in ``times``.

    ``workers`` sets the number of processes (default: the CPU count; 1 keeps
    everything in this process).  Small batches always run in-process.
    """
    jd, fr = sgp4_epoch(times)
    n, t = len(catalog), len(jd)
    workers = _default_workers() if workers is None else max(1, workers)
    parallel = workers > 1 and n * t >= _PARALLEL_MIN_WORK and "fork" in mp.get_all_start_methods()
    if not parallel:
        err = np.empty((n, t), np.uint8)
        pos = np.empty((n, t, 3), np.float64)
        vel = np.empty((n, t, 3), np.float64)
        for rows, e, r, v in iter_propagate(catalog, times, chunk_size):
            err[rows], pos[rows], vel[rows] = e, r, v
    else:
        err, pos, vel = _propagate_forked(catalog, jd, fr, chunk_size, workers)
    nan = err != 0
    if nan.any():
        pos[nan] = np.nan
        vel[nan] = np.nan
    return Ephemeris(catalog.ids, times, pos, vel, err)


def _shared_array(shape: tuple[int, ...], dtype: type) -> NDArray[Any]:
    """An array in anonymous shared memory: forked children write, the parent reads."""
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    buffer = mmap.mmap(-1, max(nbytes, 1))
    return np.frombuffer(buffer, dtype=dtype, count=int(np.prod(shape))).reshape(shape)


def _propagate_forked(
    catalog: Catalog,
    jd: NDArray[np.float64],
    fr: NDArray[np.float64],
    chunk_size: int,
    workers: int,
) -> tuple[NDArray[np.uint8], NDArray[np.float64], NDArray[np.float64]]:
    n, t = len(catalog), len(jd)
    err = _shared_array((n, t), np.uint8)
    pos = _shared_array((n, t, 3), np.float64)
    vel = _shared_array((n, t, 3), np.float64)
    chunk = max(1, min(chunk_size, -(-n // (workers * 4))))
    ranges = [(s, min(s + chunk, n)) for s in range(0, n, chunk)]
    _FORK_STATE.update(satrecs=catalog.satrecs, jd=jd, fr=fr, err=err, pos=pos, vel=vel)
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            pool.map(_worker, ranges, chunksize=1)
    finally:
        _FORK_STATE.clear()
    return err, pos, vel
