"""One screening shard: fleet satellites against the whole catalog, with Pc at each TCA.

A shard is plain data (:class:`Shard`: ids, window, threshold, the catalog snapshot's files)
so that it can be pickled to a worker process or a Dask worker; :func:`screen_shard` is the
module-level function they run.  Workers load the snapshot once per catalog digest.

A primary the shard cannot screen is left out and named, never silently passed over:
``missing`` (no element set in the catalog) and ``stale`` (elements further from their epoch,
anywhere in the window, than ``stale_refuse_days``: an SGP4 state that old is no basis for a
miss distance, and "0 approaches" on it would be false reassurance).  The caller reports such a
cycle as degraded (:func:`unusable_primaries` is the check).

A fleet satellite whose mission entry names an OEM (``fleet[].ephemeris``) is flown by it, as
the tools fly it (:func:`cosmo_agent.tools.ephemerides.apply_ephemerides`): as a primary and as
every other shard's secondary, Pc with the OEM's covariance near the TCA.  The shard carries
each OEM as a :class:`ShardEphemeris` (whose, where the daemon read it, the SHA-256 of what it
read); a worker reads it once per content, or receives the bytes (a Dask worker on another
machine, :func:`screen_shipped_shard`).  A primary whose OEM does not cover the window (and
10 minutes either side) is left out and named (``ShardResult.uncovered``), never screened on
its element set instead; other satellites then meet it by its element set.  A primary flown by
its OEM is not refused for the age of its element set.

The screener is ``cosmo_agent.orbital.screening.screen``, as for the ``screen_conjunctions``
tool (``step_s`` is its fine sampling step).  Pc is
``cosmo_agent.orbital.conjunction.catalog_pcs`` at each TCA; hard-body radius = the fleet
satellite's plus ``DEFAULT_SECONDARY_HBR_M`` for a non-fleet object, as the
``assess_conjunction`` tool does.  This module keeps only the orchestration: shards,
snapshots, rows.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import numpy as np

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.conjunction import CloseApproach
from cosmo_agent.orbital.conjunction import catalog_pcs as collision_probabilities
from cosmo_agent.orbital.constants import DEFAULT_SECONDARY_HBR_M
from cosmo_agent.orbital.oem import Oem
from cosmo_agent.orbital.screening import screen
from cosmo_agent.tools.ephemerides import EphemerisSource, apply_ephemerides, parse_ephemeris
from cosmo_agent.tools.storage import read_bytes

__all__ = [
    "DEFAULT_SECONDARY_HBR_M",
    "Approach",
    "EphemerisChanged",
    "Shard",
    "ShardEphemeris",
    "ShardResult",
    "collision_probabilities",
    "ephemeris_source",
    "load_snapshot",
    "prime_snapshot",
    "read_ephemeris",
    "screen_shard",
    "screen_shipped_shard",
    "unusable_primaries",
]

Screener = Literal["auto", "orbital"]


@dataclass(frozen=True)
class Approach:
    """A local minimum of the range under the threshold, with its Pc (None if it failed)."""

    primary_id: int
    secondary_id: int
    tca: datetime
    miss_km: float
    relative_speed_km_s: float | None
    pc: float | None = None
    hbr_m: float | None = None


@dataclass(frozen=True)
class ShardEphemeris:
    """A fleet satellite's OEM as a shard carries it: whose, where the daemon read it (a
    path or an object URL), and the SHA-256 of the bytes it read (the workers' cache key)."""

    norad_id: int
    source: str
    digest: str


class EphemerisChanged(RuntimeError):
    """An OEM's bytes are no longer those the cycle read (it was replaced meanwhile)."""

    def __init__(self, ref: ShardEphemeris) -> None:
        super().__init__(f"the ephemeris {ref.source} of {ref.norad_id} changed after the"
                         " cycle read it: the next cycle screens with the new one")  # fmt: skip


@dataclass(frozen=True)
class Shard:
    """Plain-data work order for :func:`screen_shard` (picklable)."""

    index: int
    primaries: tuple[int, ...]
    primary_hbr_m: tuple[float, ...]
    fleet: tuple[int, ...]
    start: datetime
    stop: datetime
    threshold_km: float
    step_s: float
    catalog_files: tuple[str, ...]
    catalog_digest: str
    screener: Screener = "auto"
    stale_refuse_days: float | None = None
    """Primaries whose elements are older than this anywhere in the window are not screened
    (``ShardResult.stale``); None screens every primary in the catalog, however old."""
    ephemerides: tuple[ShardEphemeris, ...] = ()
    """The fleet's OEMs (:func:`read_ephemeris`), each in place of its satellite's element set
    where it covers the window, for the primaries and the secondaries alike."""


@dataclass(frozen=True)
class ShardResult:
    """What one shard found; ``missing``: primaries absent from the catalog; ``stale``:
    ``(primary, age in days)`` of primaries left out for elements too old over the window;
    ``uncovered``: ``(primary, why)`` of primaries left out because their OEM does not cover
    the window (the file and its span); ``by_ephemeris``: primaries flown by their OEM."""

    index: int
    primaries: tuple[int, ...]
    approaches: tuple[Approach, ...]
    missing: tuple[int, ...]
    seconds: float
    screener: str
    stale: tuple[tuple[int, float], ...] = ()
    uncovered: tuple[tuple[int, str], ...] = ()
    by_ephemeris: tuple[int, ...] = ()

    @property
    def screened(self) -> tuple[int, ...]:
        """The primaries this shard actually screened."""
        left_out = set(self.missing) | {p for p, _ in self.stale} | {p for p, _ in self.uncovered}
        return tuple(p for p in self.primaries if p not in left_out)


# -- snapshot cache (one catalog per process) ---------------------------------------------------

_SNAPSHOT: dict[str, Catalog] = {}


def prime_snapshot(digest: str, catalog: Catalog) -> None:
    """Tell this process's cache that ``digest`` is ``catalog`` (avoids a reload in-process)."""
    _SNAPSHOT.clear()
    _SNAPSHOT[digest] = catalog


def load_snapshot(files: Sequence[str], digest: str) -> Catalog:
    """The catalog of a snapshot's files (newest set per id), cached for ``digest``."""
    cached = _SNAPSHOT.get(digest)
    if cached is not None:
        return cached
    from cosmo_agent.tools.registry import merge_catalogs

    catalog = merge_catalogs([Catalog.from_file(f) for f in files])
    prime_snapshot(digest, catalog)
    return catalog


def _load_shipped(files: tuple[tuple[str, bytes], ...], digest: str) -> Catalog:
    """The catalog of a snapshot whose files came as ``(name, bytes)`` (a worker on another
    machine), read as :func:`load_snapshot` reads the files, cached for ``digest``."""
    cached = _SNAPSHOT.get(digest)
    if cached is not None:
        return cached
    with tempfile.TemporaryDirectory(prefix="cosmo-snapshot-") as tmp:
        paths = []
        for i, (name, data) in enumerate(files):
            path = Path(tmp) / f"{i}-{Path(name).name}"  # the suffix picks the format
            path.write_bytes(data)
            paths.append(str(path))
        return load_snapshot(paths, digest)


# -- OEM cache (parsed once per content and process) -----------------------------------------------

_EPHEMERIS: dict[str, Oem] = {}
_EPHEMERIS_KEPT = 32
"""OEMs a process keeps parsed: a fleet's files, and their previous versions for a while."""


def _keep_ephemeris(digest: str, oem: Oem) -> Oem:
    _EPHEMERIS.pop(digest, None)
    _EPHEMERIS[digest] = oem
    while len(_EPHEMERIS) > _EPHEMERIS_KEPT:
        del _EPHEMERIS[next(iter(_EPHEMERIS))]
    return oem


def _parsed(data: bytes, source: str) -> tuple[str, Oem]:
    digest = hashlib.sha256(data).hexdigest()
    cached = _EPHEMERIS.get(digest)
    return digest, cached if cached is not None else _keep_ephemeris(
        digest, parse_ephemeris(data, source)
    )


def read_ephemeris(norad_id: int, source: str) -> ShardEphemeris:
    """What a shard carries for the OEM of ``norad_id`` at ``source`` (a path or an object
    URL), read and checked here (and kept parsed for an in-process shard).  Raises OSError
    for a file that cannot be read and :class:`~cosmo_agent.orbital.oem.OemError` (line
    and keyword) for a malformed one."""
    digest, _ = _parsed(read_bytes(source), source)
    return ShardEphemeris(norad_id, source, digest)


def _shipped_ephemerides(files: tuple[tuple[str, bytes], ...]) -> None:
    """Keep the OEMs of ``(source, bytes)`` pairs parsed (a worker on another machine)."""
    for source, data in files:
        _parsed(data, source)


def ephemeris_source(ref: ShardEphemeris) -> EphemerisSource:
    """The OEM ``ref`` names, read from its source unless this process keeps it parsed;
    :class:`EphemerisChanged` if the source no longer holds those bytes."""
    oem = _EPHEMERIS.get(ref.digest)
    if oem is None:
        digest, oem = _parsed(read_bytes(ref.source), ref.source)
        if digest != ref.digest:
            raise EphemerisChanged(ref)
    return EphemerisSource.of(ref.norad_id, ref.source, oem)


# -- the shard -------------------------------------------------------------------------------------


def unusable_primaries(
    catalog: Catalog,
    primaries: Sequence[int],
    start: datetime,
    stop: datetime,
    stale_refuse_days: float | None,
) -> tuple[tuple[int, ...], tuple[tuple[int, float], ...]]:
    """``(missing, stale)``: the ``primaries`` without an element set in ``catalog``, and
    ``(id, age_days)`` of those whose elements are further than ``stale_refuse_days`` from
    their epoch at ``start`` or ``stop`` (the age is largest at an end of the window; a future
    epoch counts by its distance too, as the tools judge it).

    >>> from importlib.resources import files
    >>> from datetime import UTC, datetime, timedelta
    >>> cat = Catalog.from_file(files("cosmo_agent.tools") / "data" / "sample-leo.3le")
    >>> t = datetime(2026, 6, 10, 12, tzinfo=UTC)
    >>> unusable_primaries(cat, [25544, 99999], t, t + timedelta(hours=24), 14.0)
    ((99999,), ())
    >>> missing, stale = unusable_primaries(cat, [25544], t + timedelta(days=178),
    ...                                     t + timedelta(days=179), 14.0)
    >>> missing, [(i, round(a)) for i, a in stale]
    ((), [(25544, 179)])
    """
    present = set(catalog.ids.tolist())
    missing = tuple(p for p in primaries if p not in present)
    here = [p for p in primaries if p in present]
    if stale_refuse_days is None or not here:
        return missing, ()
    rows = catalog.index_of(here)
    age = np.maximum(np.abs(catalog.age_days(start)[rows]), np.abs(catalog.age_days(stop)[rows]))
    stale = tuple(
        (p, float(a)) for p, a in zip(here, age.tolist(), strict=True) if a > stale_refuse_days
    )
    return missing, stale


def screen_shard(shard: Shard) -> ShardResult:
    """Screen the shard's primaries against the snapshot's catalog and compute Pc, with the
    fleet's OEMs in place of their element sets where they cover the window; primaries
    missing from the catalog, with elements too old or an OEM short of the window are left
    out and named."""
    t0 = time.perf_counter()
    catalog = load_snapshot(shard.catalog_files, shard.catalog_digest)
    sources = {ref.norad_id: ephemeris_source(ref) for ref in shard.ephemerides}
    flown, uncovered = apply_ephemerides(catalog, sources, shard.start, shard.stop)
    present = set(catalog.ids.tolist())
    by_ephemeris = {k for k in sources if k in present and k not in uncovered}
    missing, stale = unusable_primaries(
        catalog, shard.primaries, shard.start, shard.stop, shard.stale_refuse_days
    )
    stale = tuple((p, age) for p, age in stale if p not in by_ephemeris)  # its OEM flies it
    short = tuple((p, uncovered[p]) for p in shard.primaries if p in uncovered)
    left_out = set(missing) | {p for p, _ in stale} | {p for p, _ in short}
    primaries = [p for p in shard.primaries if p not in left_out]
    fleet = set(shard.fleet)
    rows, used = _run_screener(shard, flown, primaries)
    # a pair of two fleet satellites is reported once, by the smaller id
    rows = [r for r in rows if not (r.secondary_id in fleet and r.secondary_id < r.primary_id)]
    hbr = dict(zip(shard.primaries, shard.primary_hbr_m, strict=True))
    radii = [
        hbr[r.primary_id] + (hbr.get(r.secondary_id) or DEFAULT_SECONDARY_HBR_M) for r in rows
    ]
    pcs = collision_probabilities(flown, rows, radii)
    approaches = tuple(
        Approach(r.primary_id, r.secondary_id, r.tca, r.miss_km, r.relative_speed_km_s, pc, h)
        for r, pc, h in zip(rows, pcs, radii, strict=True)
    )
    return ShardResult(
        shard.index, shard.primaries, approaches, missing, time.perf_counter() - t0, used, stale,
        short, tuple(p for p in primaries if p in by_ephemeris),
    )


def screen_shipped_shard(
    shard: Shard,
    files: tuple[tuple[str, bytes], ...],
    ephemerides: tuple[tuple[str, bytes], ...] = (),
) -> ShardResult:
    """:func:`screen_shard` on a worker that receives the snapshot's files and the shard's
    OEMs as ``(name, bytes)`` instead of reading ``shard.catalog_files`` and each
    ``ShardEphemeris.source`` (a Dask worker on another machine)."""
    _load_shipped(files, shard.catalog_digest)
    _shipped_ephemerides(ephemerides)
    for ref in shard.ephemerides:
        if ref.digest not in _EPHEMERIS:
            raise EphemerisChanged(ref)
    return screen_shard(shard)


def _run_screener(
    shard: Shard, catalog: Catalog, primaries: list[int]
) -> tuple[list[Approach], str]:
    if not primaries:
        return [], "none"
    found = screen(
        catalog,
        shard.start,
        shard.stop,
        shard.threshold_km,
        primaries=catalog.select(primaries),
        workers=1,  # the shards are the parallelism
        fine_step_s=shard.step_s,
    )
    return _fleet_rows(_approaches_from(found.approaches()), set(primaries)), "orbital"


# -- adapter for cosmo_agent.orbital.screening ---------------------------------------------------


def _fleet_rows(rows: list[Approach], primaries: set[int]) -> list[Approach]:
    """Rows that involve a primary, primary first; any other pair is not this shard's."""
    out = []
    for a in rows:
        if a.primary_id in primaries:
            out.append(a)
        elif a.secondary_id in primaries:
            out.append(Approach(a.secondary_id, a.primary_id, a.tca, a.miss_km,
                                a.relative_speed_km_s))  # fmt: skip
    return out


def _approaches_from(found: Iterable[CloseApproach]) -> list[Approach]:
    """The screeners' close approaches as this module's rows (``pc`` None until assessed)."""
    return [
        Approach(a.primary_id, a.secondary_id, a.tca, a.miss_km, a.relative_speed_km_s)
        for a in found
    ]
