"""Conjunction screening: every close approach below a miss-distance threshold.

``screen`` finds each local minimum of the range between two SGP4 objects that
falls below ``threshold_km`` inside ``[start, stop]``, all-vs-all within a
catalog or for a fleet of primaries against it.  The method follows CelesTrak
SOCRATES and the SIMPLETON screener, in four stages:

1. **Altitude shells.**  Each object's mean perigee and apogee radii
   ``a(1 ∓ e)`` are read from SGP4's secularly updated mean elements at
   samples every 12 h across the span, then widened by ``_SHELL_PAD_KM``
   (20 km: SGP4's short- and long-period radial terms reached 10.7 km over the
   16k-object catalog in 7 days, measured every 20 s).  Two objects whose shells
   are more than ``threshold_km`` apart cannot meet and are never compared;
   objects that can meet nobody are not propagated at all.
2. **Knots.**  SGP4 positions and velocities every ``knot_step_s`` (340 s);
   positions in between come from cubic Hermite interpolation, whose error is
   bounded per object by ``2 · h⁴/384 · ω_p⁴ · r_p`` (twice the circular-orbit
   fourth-derivative bound, with the perigee rate ``ω_p``; the measured worst
   case over the real catalog is 1.18 times the unpadded bound).
3. **Grid.**  Time is cut into fine intervals of ``fine_step_s`` (20 s) and each
   object is interpolated at every interval centre ``t_k``.  Each point goes to
   the cube face of its largest coordinate (and, within ``√2 R`` of an edge,
   also to the neighbouring face), into columns of side ``R`` along the face
   axis, which is close to radial, so a column crosses the LEO shell once.
   Only entries in the same or adjacent columns with ``|Δw| ≤ R`` and then
   ``|Δp| ≤ R`` are paired (coordinates in float32, ``R`` + 10 m).  A fleet
   screen first keeps only catalog points in a cube cell next to a primary's.
   Pairs must then pass a linear test: ``min_|τ|≤w |Δp̃ + Δṽτ| ≤ D + pad``.
4. **Refinement.**  Flagged pairs get direct SGP4 states at the bounds of the
   flagged interval and its neighbours; each interval where the range rate
   ``Δr·Δv`` turns from negative to non-negative holds one local minimum,
   solved by a safeguarded secant iteration (regula falsi start, bisection
   fallback) until a step or the bracket is below 1 µs.  The miss, the
   relative speed and the states are SGP4's at that instant.

Why no pair slips through: let ``d(t*) ≤ D`` at a minimum inside the interval
of half-width ``w`` around ``t_k``.  With interpolation errors ``ε_i``, every
speed below ``V`` (vis-viva at the lowest sampled mean perigee, +1 % and
+40 m/s for SGP4's velocity and the interpolant's derivative), and the
interpolant's acceleration and jerk bounded by ``A_i`` and ``J_i`` (exact for
the cubic in each knot interval),
``|Δp̃(t_k)| ≤ D + ε_i + ε_j + 2Vw + (A_i + A_j)w²/2 + (J_i + J_j)w³/6 ≤ R``.
Two points within ``R`` are on a common face (one is within ``R`` of the
other's face region, hence copied there), differ by at most one column
across it (columns are ``R`` wide, and clipping the outermost columns is
1-Lipschitz) and by at most ``R`` along it, so the pair is seen; each pair
counts once, on the lower-numbered point's own face.  Because the
interpolant is a cubic, the linear prediction is within
``(A_i + A_j)w²/2 + (J_i + J_j)w³/6`` of the interpolated range, so the pair
passes the test with ``pad = ε_i + ε_j + (A_i + A_j)w²/2 + (J_i + J_j)w³/6``.
The flagged interval and its two neighbours are refined, so a range-rate root
a hair away from the geometric minimum is still bracketed.  Two minima closer
together than one fine step are reported as one.  Objects with identical
element sets (docked vehicles carry the station's) have a constant zero range
and no minimum; they are never paired.

Objects whose SGP4 fails anywhere (at a knot, a shell sample or a refinement
step) are left out of the result and listed in ``Conjunctions.excluded``.

>>> from datetime import datetime, timezone
>>> from importlib.resources import files
>>> from cosmo_agent.orbital import Catalog
>>> catalog = Catalog.from_tle_file(files("cosmo_agent.tools") / "data" / "sample-leo.3le")
>>> start = datetime(2026, 6, 10, tzinfo=timezone.utc)
>>> found = screen(catalog, start, datetime(2026, 6, 10, 3, tzinfo=timezone.utc), 5.0)
>>> bool((found.miss_km <= 5.0).all()), found.to_dict()["events"] == found.to_records()
(True, True)
"""

from __future__ import annotations

import math
import multiprocessing as mp
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.collision import rtn_basis
from cosmo_agent.orbital.conjunction import CloseApproach
from cosmo_agent.orbital.constants import WGS72_MU_KM3_S2, WGS72_RADIUS_KM
from cosmo_agent.orbital.propagation import SGP4_ERRORS, _default_workers, satrec_array
from cosmo_agent.orbital.timescales import DAY_S, require_utc, sgp4_epoch, timescale

__all__ = ["Conjunctions", "screen"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_SHELL_PAD_KM = 20.0  # 1.9 x the largest radius excursion outside the mean-element shell
_SHELL_SAMPLE_S = 12 * 3600.0  # mean elements are sampled this often across the span
_INTERP_SAFETY = 2.0  # x the circular-orbit Hermite error bound (measured worst: 1.18)
# Any object above the surface accelerates by less than this (9.80e-3 at the surface + J2).
_ACCEL_MAX_KM_S2 = 0.0105
# SGP4 velocities differ from the derivative of SGP4 positions by up to ~10 m/s.
_VELOCITY_SLOP_KM_S = 0.02
_GRID_EXTENT_KM = 6000.0  # columns beyond are clipped into the edge columns (still exact)
_GRID_EXTENT_3D_KM = 8000.0  # the same for the fleet sieve's cube cells
_MAX_CUBE_CELLS = 2**21  # the fleet sieve's bit table stays within 16 MB
_TCA_TOL_S = 1e-6
_BLAS_SINGLE_THREAD_MNK = 65536  # OpenBLAS gemm runs single-threaded below 4 x 65536
_MAX_ITERATIONS = 80
_KNOTS_PER_TASK = 12  # knot intervals per worker task (~68 min): bounds memory per task
_PARALLEL_MIN_POINTS = 3_000_000  # object-intervals below which one process is faster


@dataclass(frozen=True, eq=False)
class Conjunctions:
    """Close approaches as parallel arrays, sorted by time of closest approach.

    ``primary_id`` / ``secondary_id`` are catalog numbers (in all-vs-all
    screens the primary is the lower number; with ``primaries`` it is the fleet
    object).  ``tca`` is UTC ``datetime64[us]``; ``miss_rtn_km`` is the
    secondary's position minus the primary's, in the primary's radial /
    transverse / normal frame; states are TEME at TCA.  ``excluded`` maps the
    catalog number of each object dropped for an SGP4 error to the message
    (prefixed ``(primary)`` for a fleet object).  ``stats`` holds diagnostic
    counts: objects screened, object-steps, grid pairs, flagged intervals,
    refined minima, workers.
    """

    primary_id: IntArray
    secondary_id: IntArray
    tca: NDArray[np.datetime64]
    miss_km: FloatArray
    relative_speed_km_s: FloatArray
    miss_rtn_km: FloatArray
    primary_r_teme_km: FloatArray
    primary_v_teme_km_s: FloatArray
    secondary_r_teme_km: FloatArray
    secondary_v_teme_km_s: FloatArray
    excluded: dict[int, str]
    start: datetime
    stop: datetime
    threshold_km: float
    stats: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.primary_id.shape[0])

    def tca_datetimes(self) -> list[datetime]:
        """TCAs as timezone-aware UTC datetimes."""
        offsets = (self.tca - np.datetime64(self.start.replace(tzinfo=None), "us")).astype(int)
        return [self.start + timedelta(microseconds=int(us)) for us in offsets]

    def approaches(self) -> list[CloseApproach]:
        """One :class:`~cosmo_agent.orbital.conjunction.CloseApproach` per event, in order."""
        columns = (self.primary_id, self.secondary_id, self.tca_datetimes(), self.miss_km,
                   self.relative_speed_km_s)  # fmt: skip
        return [
            CloseApproach(int(p), int(q), tca, float(miss), float(speed))
            for p, q, tca, miss, speed in zip(*columns, strict=True)
        ]

    def tca_iso(self) -> list[str]:
        """TCAs as ISO 8601 strings with microseconds and a ``Z`` suffix."""
        return [f"{s}Z" for s in np.datetime_as_string(self.tca, unit="us")]

    def to_records(self) -> list[dict[str, Any]]:
        """One plain dict per event (JSON-ready: ints, floats, strings, lists)."""
        out: list[dict[str, Any]] = []
        for k, iso in enumerate(self.tca_iso()):
            out.append(
                {
                    "primary": int(self.primary_id[k]),
                    "secondary": int(self.secondary_id[k]),
                    "tca": iso,
                    "miss_km": float(self.miss_km[k]),
                    "relative_speed_km_s": float(self.relative_speed_km_s[k]),
                    "miss_rtn_km": [float(x) for x in self.miss_rtn_km[k]],
                    "primary_r_teme_km": [float(x) for x in self.primary_r_teme_km[k]],
                    "primary_v_teme_km_s": [float(x) for x in self.primary_v_teme_km_s[k]],
                    "secondary_r_teme_km": [float(x) for x in self.secondary_r_teme_km[k]],
                    "secondary_v_teme_km_s": [float(x) for x in self.secondary_v_teme_km_s[k]],
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """``{"events": [...], "excluded": [{"id", "message"}, ...]}`` for JSON output."""
        return {
            "events": self.to_records(),
            "excluded": [{"id": i, "message": m} for i, m in sorted(self.excluded.items())],
        }


# --------------------------------------------------------------------------------------------
# Set-up: the rows screened, their shells and interpolation error bounds.


@dataclass(frozen=True)
class _Rows:
    """The objects screened: catalog rows, plus the primaries in fleet mode."""

    satrecs: tuple[Any, ...]
    ids: IntArray
    primary: NDArray[np.bool_]  # fleet mode: True for primaries; all-vs-all: all False
    twin: IntArray  # equal for identical element sets (docked vehicles): never paired
    fleet: bool
    shell_lo_km: FloatArray  # padded radius bounds over the span
    shell_hi_km: FloatArray
    eps_km: FloatArray  # Hermite error bound for a full knot interval
    vmax_km_s: FloatArray  # speed bound: vis-viva at the lowest mean perigee, +1 % + 40 m/s


def _mean_shells(
    satrecs: tuple[Any, ...], jd0: float, fr0: float, span_s: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, dict[int, str]]:
    """Padded radius bounds, lowest mean perigee radius and its speed; failures by row."""
    n = len(satrecs)
    samples = np.linspace(0.0, span_s, max(2, math.ceil(span_s / _SHELL_SAMPLE_S) + 1))
    fractions = [fr0 + t / DAY_S for t in samples]
    values: list[tuple[float, ...]] = []
    for sat in satrecs:
        sgp4 = sat.sgp4
        for fr in fractions:
            err, r, _ = sgp4(jd0, fr)
            values.append((err, sat.am, sat.em, r[0], r[1], r[2]))
    table = np.array(values, dtype=np.float64).reshape(n, len(samples), 6)
    err = table[:, :, 0].astype(np.int64)
    a_km = table[:, :, 1] * WGS72_RADIUS_KM
    e = np.clip(table[:, :, 2], 0.0, 0.999)
    radius = np.linalg.norm(table[:, :, 3:], axis=2)
    perigee = a_km * (1.0 - e)
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = np.sqrt(WGS72_MU_KM3_S2 / a_km * (1.0 + e) / (1.0 - e))
    lo = np.minimum(perigee, radius).min(axis=1)
    hi = np.maximum(a_km * (1.0 + e), radius).max(axis=1)
    failed: dict[int, str] = {}
    for row in np.flatnonzero((err != 0).any(axis=1)):
        code = int(err[row][err[row] != 0][0])
        failed[int(row)] = SGP4_ERRORS.get(code, f"SGP4 error {code}")
        lo[row], hi[row] = np.inf, -np.inf
    ok = err == 0
    rp = np.where(ok, perigee, np.inf).min(axis=1)
    vp = np.where(ok, speed, 0.0).max(axis=1)
    rp[~np.isfinite(rp)] = 0.0
    return lo - _SHELL_PAD_KM, hi + _SHELL_PAD_KM, rp, vp, failed


def _twins(satrecs: tuple[Any, ...]) -> IntArray:
    """Group number per element set; identical sets (docked vehicles) share one."""
    seen: dict[tuple[float, ...], int] = {}
    out = np.empty(len(satrecs), dtype=np.int64)
    for row, s in enumerate(satrecs):
        key = (
            s.jdsatepoch, s.jdsatepochF, s.no_kozai, s.ecco, s.inclo, s.nodeo, s.argpo, s.mo,
            s.bstar, s.ndot, s.nddot,
        )
        out[row] = seen.setdefault(key, len(seen))
    return out


def _overlap_count(
    lo: FloatArray, hi: FloatArray, other_lo: FloatArray, other_hi: FloatArray, gap_km: float
) -> IntArray:
    """For each interval ``[lo, hi]``, how many ``other`` intervals come within ``gap_km``."""
    start_sorted = np.sort(other_lo)
    end_sorted = np.sort(other_hi)
    began = np.searchsorted(start_sorted, hi + gap_km, side="right")
    ended = np.searchsorted(end_sorted, lo - gap_km, side="left")
    return np.asarray(began - ended, dtype=np.int64)


# --------------------------------------------------------------------------------------------
# Cubic Hermite interpolation on a knot interval.


def _small_matmul(a: FloatArray, b: FloatArray) -> FloatArray:
    """``a @ b`` in row blocks small enough that OpenBLAS stays single-threaded.

    A threaded BLAS call leaves its threads spinning for a while afterwards,
    which on a small machine steals the core from this (or a sibling) worker.
    """
    b = np.ascontiguousarray(b)
    out = np.empty((a.shape[0], b.shape[1]))
    rows = max(1, _BLAS_SINGLE_THREAD_MNK // max(1, a.shape[1] * b.shape[1]))
    for lo in range(0, a.shape[0], rows):
        np.matmul(a[lo : lo + rows], b, out=out[lo : lo + rows])
    return out


def _pair_velocity(
    coeff: FloatArray, basis: FloatArray, n: int, n_sub: int, pa: IntArray, pb: IntArray
) -> FloatArray:
    """Interpolated velocity of point ``pb`` minus that of ``pa``, (3, pairs).

    Few pairs (fleet screens): from the gathered coefficients; many: from the
    velocities of every point, which one small matrix product gives.
    """
    if len(pa) * 8 < n * n_sub:
        cf = coeff.reshape(3, n, 4)
        sa, sb = basis[pa % n_sub], basis[pb % n_sub]
        return np.asarray(
            np.einsum("cpk,pk->cp", cf[:, pb // n_sub, :], sb)
            - np.einsum("cpk,pk->cp", cf[:, pa // n_sub, :], sa)
        )
    vel = _small_matmul(coeff, basis.T).reshape(3, n * n_sub)
    return np.stack([vel[c][pb] - vel[c][pa] for c in range(3)])


def _hermite(s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Basis rows (len(s), 4) for position and for d/ds, on ``[r0, h v0, r1, h v1]``."""
    s2, s3 = s * s, s * s * s
    pos = np.stack([2 * s3 - 3 * s2 + 1, s3 - 2 * s2 + s, -2 * s3 + 3 * s2, s3 - s2], axis=1)
    vel = np.stack([6 * s2 - 6 * s, 3 * s2 - 4 * s + 1, -6 * s2 + 6 * s, 3 * s2 - 2 * s], axis=1)
    return pos, vel


# --------------------------------------------------------------------------------------------
# The grid: x-y columns of side R, z kept continuous.


def _expand(lo: IntArray, counts: IntArray) -> tuple[IntArray, IntArray]:
    """Ragged ranges ``[lo, lo + counts)`` flattened: (owner of each element, element)."""
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(lo), dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    return owner, np.arange(total, dtype=np.int64) + (lo - first)[owner]


def _radix_order(key: NDArray[np.int32] | IntArray) -> IntArray:
    """Stable argsort of non-negative int keys below 2**32, by 16-bit radix passes."""
    order = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")
    high = key >> 16
    if len(key) and int(high.max()) > 0:
        order = order[np.argsort(high[order].astype(np.uint16), kind="stable")]
    return order


@dataclass(frozen=True)
class _Faces:
    """Points hashed on the six faces of a cube, into columns along each face's axis.

    Entry ``e`` is point ``point[e]`` on its own (dominant-axis) face or, when
    ``dup[e]``, a copy on a neighbouring face that the point is within ``R``
    of.  Entries are sorted by column; ``starts`` indexes the columns.
    """

    point: IntArray
    dup: NDArray[np.bool_]
    u: NDArray[np.float32]  # coordinates across the face and along its axis (a permutation
    v: NDArray[np.float32]  # of x, y, z, so distances are unchanged), sorted like the columns
    w: NDArray[np.float32]
    col: IntArray  # sorted column ids
    starts: IntArray
    nb: int


def _faces(
    xyz: FloatArray,
    sub: IntArray,
    n_sub: int,
    radius_km: float,
    cell_km: float,
    points: IntArray | None,
    copies: bool,
) -> _Faces:
    """Hash ``points`` (columns of ``xyz``; None: all) at sub-steps ``sub`` into face columns.

    Any point within ``R`` of another point's dominant-axis face region is also
    entered there when ``copies`` (|coordinate| within ``√2 R`` of the largest).
    """
    # Hashing works in float32 (0.5 m resolution at LEO radii; ``_within`` pads R for it).
    if points is None:
        points = np.arange(xyz.shape[1], dtype=np.int64)
        x, y, z = (xyz[c].astype(np.float32) for c in range(3))
        s = sub.astype(np.int32)
    else:
        x, y, z = (xyz[c][points].astype(np.float32) for c in range(3))
        s = sub[points].astype(np.int32)
    ax, ay, az = np.abs(x), np.abs(y), np.abs(z)
    x_top = (ax >= ay) & (ax >= az)
    y_top = ~x_top & (ay >= az)
    z_top = ~x_top & ~y_top
    # Face coordinates: u, v across the face, w along its axis (cyclic: x -> (y, z, x)).
    u = np.where(x_top, y, np.where(y_top, z, x))
    v = np.where(x_top, z, np.where(y_top, x, y))
    w = np.where(x_top, x, np.where(y_top, y, z))
    face = np.where(x_top, 0, np.where(y_top, 2, 4)).astype(np.int32) + (w < 0)
    n = len(points)
    entry = points
    dup = np.zeros(n, bool)
    if copies:
        top = np.abs(w)
        reach = np.float32(math.sqrt(2.0) * radius_km + 0.01)
        parts_e, parts_f, parts_u, parts_v, parts_w, parts_s = [entry], [face], [u], [v], [w], [s]
        axes = ((x, ax, y, z, x_top), (y, ay, z, x, y_top), (z, az, x, y, z_top))
        for k, (c, ac, cu, cv, mask) in enumerate(axes):
            near = np.flatnonzero(~mask & (top - ac <= reach))
            parts_e.append(points[near])
            parts_f.append(2 * k + (c[near] < 0))
            parts_u.append(cu[near])
            parts_v.append(cv[near])
            parts_w.append(c[near])
            parts_s.append(s[near])
        entry = np.concatenate(parts_e)
        face = np.concatenate(parts_f)
        u, v, w, s = (np.concatenate(p) for p in (parts_u, parts_v, parts_w, parts_s))
        dup = np.r_[dup, np.ones(len(entry) - n, bool)]
    half = math.ceil(_GRID_EXTENT_KM / cell_km) + 1
    nb = 2 * half + 1
    inv = np.float32(1.0 / cell_km)
    qu = np.clip(np.floor(u * inv + np.float32(half)), 1, nb - 2).astype(np.int32)
    qv = np.clip(np.floor(v * inv + np.float32(half)), 1, nb - 2).astype(np.int32)
    n_col = 6 * n_sub * nb * nb
    col = ((face * n_sub + s) * nb + qu) * nb + qv
    order = _radix_order(col)
    starts = np.zeros(n_col + 1, dtype=np.int64)
    np.cumsum(np.bincount(col, minlength=n_col), out=starts[1:])
    col = col[order].astype(np.int64)
    return _Faces(entry[order], dup[order], u[order], v[order], w[order], col, starts, nb)


def _cell_km(radius_km: float, n_points: int, n_sub: int) -> float:
    """Column side: at least ``R``, and coarse enough for at most ~2 columns per point."""
    per_face = max(1.0, n_points / n_sub / 6.0)
    return max(radius_km, 2.0 * _GRID_EXTENT_KM / max(1.0, math.sqrt(2.0 * per_face) - 3.0))


def _within(
    a: _Faces, ia: IntArray, b: _Faces, ib: IntArray, radius_km: float
) -> tuple[IntArray, IntArray]:
    """The entry pairs ``(ia, ib)`` closer than ``R``: |Δw| first (cheap), then the sphere.

    ``R`` grows by 10 m for the float32 coordinates (each within 0.5 m).
    """
    r = np.float32(radius_km + 0.01)
    dw = b.w[ib] - a.w[ia]
    near = np.flatnonzero(np.abs(dw) <= r)
    ia, ib, dw = ia[near], ib[near], dw[near]
    du = b.u[ib] - a.u[ia]
    dv = b.v[ib] - a.v[ia]
    near = np.flatnonzero(du * du + dv * dv + dw * dw <= r * r)
    return ia[near], ib[near]


def _grid_pairs_all(
    xyz: FloatArray, sub: IntArray, n_sub: int, radius_km: float
) -> tuple[IntArray, IntArray]:
    """Each unordered pair of points of one sub-step within ``R`` of each other, once."""
    cell = _cell_km(radius_km, xyz.shape[1], n_sub)
    g = _faces(xyz, sub, n_sub, radius_km, cell, None, True)
    pos = np.arange(len(g.col), dtype=np.int64)
    nb, col, starts = g.nb, g.col, g.starts
    # Forward half of the 3x3 column neighbourhood in two contiguous ranges:
    # own column after this entry + (u, v+1); then (u+1, v-1 .. v+1).
    ranges = (
        (pos + 1, starts[col + 2] - pos - 1),
        (starts[col + nb - 1], starts[col + nb + 2] - starts[col + nb - 1]),
    )
    out_a: list[IntArray] = []
    out_b: list[IntArray] = []
    for lo, counts in ranges:
        owner, other = _expand(lo, counts)
        owner, other = _within(g, owner, g, other, radius_km)
        p1, p2 = g.point[owner], g.point[other]
        # A pair seen on several faces counts on the lower-numbered point's own face.
        canonical = np.flatnonzero(~np.where(p1 < p2, g.dup[owner], g.dup[other]))
        out_a.append(p1[canonical])
        out_b.append(p2[canonical])
    return np.concatenate(out_a), np.concatenate(out_b)


def _grid_pairs_between(
    xyz: FloatArray,
    sub: IntArray,
    n_sub: int,
    targets: IntArray,
    queries: IntArray,
    radius_km: float,
) -> tuple[IntArray, IntArray]:
    """Pairs (target, query) of one sub-step within ``R`` of each other."""
    cell = _cell_km(radius_km, len(targets) + len(queries), n_sub)
    g = _faces(xyz, sub, n_sub, radius_km, cell, targets, True)
    q = _faces(xyz, sub, n_sub, radius_km, cell, queries, False)
    nb, col, starts = g.nb, q.col, g.starts
    out_a: list[IntArray] = []
    out_b: list[IntArray] = []
    for shift in (-nb, 0, nb):  # rows u-1, u, u+1; each spans v-1 .. v+1
        lo = starts[col + shift - 1]
        counts = starts[col + shift + 2] - lo
        hit = np.flatnonzero(counts)
        owner, other = _expand(lo[hit], counts[hit])
        other, owner = _within(g, other, q, hit[owner], radius_km)
        out_a.append(g.point[other])
        out_b.append(q.point[owner])
    return np.concatenate(out_a), np.concatenate(out_b)


def _near_targets(
    xyz: FloatArray, sub: IntArray, n_sub: int, targets: IntArray, radius_km: float
) -> IntArray:
    """Points in a cube cell next to (or in) a target's cell at the same sub-step.

    A cheap sieve for fleet screens: cells are ``>= R`` on a side, so any point
    within ``R`` of a target is in one of the 27 cells around it (clipping to
    the grid is 1-Lipschitz).  Each cell holds a bit per sub-step (64 a word).
    """
    nb = 2 * math.ceil(_GRID_EXTENT_3D_KM / radius_km) + 3
    nb = max(4, min(nb, round(_MAX_CUBE_CELLS ** (1.0 / 3.0))))
    cell = max(radius_km, 2.0 * _GRID_EXTENT_3D_KM / (nb - 3))
    half = (nb - 1) // 2
    key = (sub // 64).astype(np.float32)
    for c in range(3):
        q = np.floor(xyz[c].astype(np.float32) * np.float32(1.0 / cell) + np.float32(half))
        key = key * np.float32(nb) + np.clip(q, 1, nb - 2)
    keys = key.astype(np.int32)
    step = np.arange(-1, 2)
    around = (step[:, None, None] * nb * nb + step[:, None] * nb + step).reshape(-1)
    marks = np.zeros((int(sub.max(initial=0)) // 64 + 1) * nb**3, dtype=np.uint64)
    bits = np.left_shift(np.uint64(1), (sub % 64).astype(np.uint64))
    cells = (keys[targets][:, None] + around).reshape(-1)
    np.bitwise_or.at(marks, cells, np.repeat(bits[targets], len(around)))
    return np.flatnonzero(marks[keys] & bits)


# --------------------------------------------------------------------------------------------
# Worker-side task: one block of knot intervals.

_STATE: dict[str, Any] = {}


@dataclass
class _TaskResult:
    rows_a: IntArray
    rows_b: IntArray
    interval: IntArray
    t_s: FloatArray
    state_a: FloatArray  # (n, 6) r, v
    state_b: FloatArray
    failed: dict[int, str]
    stats: dict[str, float]


def _task(knots: tuple[int, int]) -> _TaskResult:
    """Screen knot intervals ``[j0, j1)``: grid, then refinement of flagged intervals."""
    st = _STATE
    rows: _Rows = st["rows"]
    j0, j1 = knots
    span_s: float = st["span_s"]
    dt: float = st["fine_step_s"]
    m: int = st["per_knot"]
    n_fine: int = st["n_fine"]
    threshold: float = st["threshold_km"]
    knot_t = np.minimum(np.arange(j0, j1 + 1) * dt * m, span_s)
    active = np.asarray(st["active"], dtype=np.int64)
    err, r, v = st["array"].sgp4(np.full(len(knot_t), st["jd0"]), st["fr0"] + knot_t / DAY_S)
    failed: dict[int, str] = {}
    bad = (err != 0).any(axis=1)
    for k in np.flatnonzero(bad):
        code = int(err[k][err[k] != 0][0])
        failed[int(active[k])] = SGP4_ERRORS.get(code, f"SGP4 error {code}")
    ok = np.flatnonzero(~bad)
    rows_ok = active[ok]
    r_t = np.ascontiguousarray(r[ok].transpose(1, 2, 0))  # (knots, 3, n)
    v_t = np.ascontiguousarray(v[ok].transpose(1, 2, 0))
    n = len(ok)
    ids = rows.ids[rows_ok]
    twin = rows.twin[rows_ok]
    lo_shell = rows.shell_lo_km[rows_ok]
    hi_shell = rows.shell_hi_km[rows_ok]
    primary = rows.primary[rows_ok]
    speed_max = float(rows.vmax_km_s[rows_ok].max(initial=0.0))
    stats = {"points": 0.0, "grid_pairs": 0.0, "flagged": 0.0}
    flag_a: list[IntArray] = []
    flag_b: list[IntArray] = []
    flag_k: list[IntArray] = []
    for j in range(j0, j1 if n else j0):
        jj = j - j0
        t_a, t_b = knot_t[jj], knot_t[jj + 1]
        h = t_b - t_a
        if h <= 0:
            continue
        ka = np.arange(j * m, min((j + 1) * m, n_fine))
        bounds_a = ka * dt
        bounds_b = np.minimum((ka + 1) * dt, span_s)
        centre = 0.5 * (bounds_a + bounds_b)
        w = 0.5 * (bounds_b - bounds_a)
        n_sub = len(ka)
        bp, bv = _hermite((centre - t_a) / h)
        r0, r1, hv0, hv1 = r_t[jj], r_t[jj + 1], h * v_t[jj], h * v_t[jj + 1]
        coeff = np.stack([r0, hv0, r1, hv1], axis=-1).reshape(3 * n, 4)
        # Point index = object * n_sub + sub-step.
        xyz = _small_matmul(coeff, bp.T).reshape(3, n * n_sub)
        # Bounds on the cubic's acceleration (linear in s: extreme at an end) and jerk.
        acc = np.maximum(
            np.linalg.norm(6 * (r1 - r0) - 4 * hv0 - 2 * hv1, axis=0),
            np.linalg.norm(6 * (r0 - r1) + 2 * hv0 + 4 * hv1, axis=0),
        ) / h**2
        jerk = np.linalg.norm(12 * (r0 - r1) + 6 * (hv0 + hv1), axis=0) / h**3
        eps = rows.eps_km[rows_ok] * (h / st["knot_step_s"]) ** 4
        wmax = float(w.max())
        radius = (
            threshold
            + 2 * float(eps.max(initial=0.0))
            + 2 * wmax * speed_max
            + float(acc.max(initial=0.0)) * wmax**2
            + float(jerk.max(initial=0.0)) * wmax**3 / 3
        )
        sub = np.tile(np.arange(n_sub, dtype=np.int64), n)
        if rows.fleet:
            is_target = np.repeat(primary, n_sub)
            targets = np.flatnonzero(is_target)
            near = _near_targets(xyz, sub, n_sub, targets, radius)
            queries = near[~is_target[near]]
            pa, pb = _grid_pairs_between(xyz, sub, n_sub, targets, queries, radius)
        else:
            pa, pb = _grid_pairs_all(xyz, sub, n_sub, radius)
        stats["points"] += float(n * n_sub)
        stats["grid_pairs"] += float(len(pa))
        ia, ib = pa // n_sub, pb // n_sub
        keep = (ids[ia] != ids[ib]) & (twin[ia] != twin[ib]) & (
            np.maximum(lo_shell[ia], lo_shell[ib]) - np.minimum(hi_shell[ia], hi_shell[ib])
            <= threshold
        )
        pa, pb, ia, ib = pa[keep], pb[keep], ia[keep], ib[keep]
        s_idx = pa % n_sub
        dp = np.stack([xyz[c][pb] - xyz[c][pa] for c in range(3)])
        dv = _pair_velocity(coeff, bv / h, n, n_sub, pa, pb)
        ws = w[s_idx]
        vv = (dv * dv).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            tau = np.where(vv > 0, -(dp * dv).sum(axis=0) / vv, 0.0)
        tau = np.clip(tau, -ws, ws)
        closest = np.sqrt(((dp + dv * tau) ** 2).sum(axis=0))
        pad = (
            eps[ia]
            + eps[ib]
            + 0.5 * (acc[ia] + acc[ib]) * ws**2
            + (jerk[ia] + jerk[ib]) * ws**3 / 6
        )
        hit = closest <= threshold + pad
        flag_a.append(rows_ok[ia[hit]])
        flag_b.append(rows_ok[ib[hit]])
        flag_k.append(ka[s_idx[hit]])
    stats["flagged"] = float(sum(len(f) for f in flag_a))
    empty = np.zeros(0, np.int64)
    result = _refine(
        np.concatenate(flag_a) if flag_a else empty,
        np.concatenate(flag_b) if flag_b else empty,
        np.concatenate(flag_k) if flag_k else empty,
        failed,
    )
    result.stats.update(stats)
    return result


# --------------------------------------------------------------------------------------------
# Refinement with direct SGP4.


def _sgp4_rows(
    rows: IntArray, t_s: FloatArray
) -> tuple[NDArray[np.uint8], FloatArray, FloatArray]:
    """Direct SGP4 for row ``rows[i]`` at ``t_s[i]`` (grouped: one call per object)."""
    satrecs = _STATE["rows"].satrecs
    jd0, fr0 = _STATE["jd0"], _STATE["fr0"]
    n = len(rows)
    err = np.zeros(n, np.uint8)
    r = np.empty((n, 3))
    v = np.empty((n, 3))
    if n == 0:
        return err, r, v
    order = np.argsort(rows, kind="stable")
    rows_s = rows[order]
    cut = np.flatnonzero(np.diff(rows_s)) + 1
    jd = np.full(n, jd0)
    fr = fr0 + t_s / DAY_S
    for lo, hi in zip(np.r_[0, cut], np.r_[cut, n], strict=True):
        idx = order[lo:hi]
        e, rr, vv = satrecs[int(rows_s[lo])].sgp4_array(jd[idx], fr[idx])
        err[idx], r[idx], v[idx] = e, rr, vv
    return err, r, v


def _record_failures(
    failed: dict[int, str], rows: IntArray, err: NDArray[np.uint8]
) -> NDArray[np.bool_]:
    bad = err != 0
    for row, code in zip(rows[bad], err[bad], strict=True):
        failed.setdefault(int(row), SGP4_ERRORS.get(int(code), f"SGP4 error {int(code)}"))
    return np.asarray(~bad)


def _linear_min(dr: FloatArray, dv: FloatArray, lo: FloatArray, hi: FloatArray) -> FloatArray:
    """``min |dr + dv τ|`` over ``τ ∈ [lo, hi]`` per row."""
    vv = np.einsum("ij,ij->i", dv, dv)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.where(vv > 0, -np.einsum("ij,ij->i", dr, dv) / vv, 0.0)
    tau = np.clip(tau, lo, hi)
    return np.asarray(np.linalg.norm(dr + dv * tau[:, None], axis=1))


def _refine(
    rows_a: IntArray, rows_b: IntArray, k: IntArray, failed: dict[int, str]
) -> _TaskResult:
    """Local minima below threshold in the flagged intervals and their neighbours."""
    st = _STATE
    dt, span_s, n_fine = st["fine_step_s"], st["span_s"], st["n_fine"]
    threshold: float = st["threshold_km"]
    ids: IntArray = st["rows"].ids
    primary: NDArray[np.bool_] = st["rows"].primary
    # Orientation: the fleet object first, else the lower catalog number first.
    swap = primary[rows_b] | (~primary[rows_a] & ~primary[rows_b] & (ids[rows_b] < ids[rows_a]))
    a = np.where(swap, rows_b, rows_a)
    b = np.where(swap, rows_a, rows_b)
    a, b, k = (np.concatenate([x, x, x]) for x in (a, b, k))
    k = k + np.repeat(np.array([-1, 0, 1]), len(k) // 3)
    inside = (k >= 0) & (k < n_fine)
    n_rows, n_k = len(ids), n_fine + 1
    key = np.unique((a[inside] * n_rows + b[inside]) * n_k + k[inside])
    a, b, k = key // (n_rows * n_k), key // n_k % n_rows, key % n_k
    stats = {"intervals_refined": float(len(k))}
    # States at the interval bounds (shared bounds evaluated once per object).
    bound = np.concatenate([k, k + 1, k, k + 1])
    obj = np.concatenate([a, a, b, b])
    uniq, inverse = np.unique(obj * (n_fine + 2) + bound, return_inverse=True)
    inverse = inverse.reshape(-1)
    u_obj, u_bound = uniq // (n_fine + 2), uniq % (n_fine + 2)
    err, r, v = _sgp4_rows(u_obj, np.minimum(u_bound * float(dt), span_s))
    good = _record_failures(failed, u_obj, err)
    n = len(k)
    ok = good[inverse].reshape(4, n).all(axis=0)
    ra0, ra1, rb0, rb1 = (r[inverse[i * n : (i + 1) * n]] for i in range(4))
    va0, va1, vb0, vb1 = (v[inverse[i * n : (i + 1) * n]] for i in range(4))
    t0 = k * float(dt)
    t1 = np.minimum((k + 1) * float(dt), span_s)
    dr0, dv0, dr1, dv1 = rb0 - ra0, vb0 - va0, rb1 - ra1, vb1 - va1
    f0 = np.einsum("ij,ij->i", dr0, dv0)
    f1 = np.einsum("ij,ij->i", dr1, dv1)
    half = 0.5 * (t1 - t0)
    slack = _ACCEL_MAX_KM_S2 * half**2 + 2 * _VELOCITY_SLOP_KM_S * half
    near = np.minimum(
        _linear_min(dr0, dv0, np.zeros(n), half), _linear_min(dr1, dv1, -half, np.zeros(n))
    )
    bracket = ok & (f0 < 0) & (f1 >= 0) & (near - slack <= threshold)
    a, b, k = a[bracket], b[bracket], k[bracket]
    lo, hi, f_lo, f_hi = t0[bracket], t1[bracket], f0[bracket], f1[bracket]
    stats["brackets"] = float(len(k))
    # Safeguarded secant on the range rate: starts as regula falsi on the bracket,
    # bisects whenever a step leaves it, stops when a step or the bracket is < 1 µs.
    x0, f0, x1, f1 = lo.copy(), f_lo.copy(), hi.copy(), f_hi.copy()
    t = lo - f_lo * (hi - lo) / (f_hi - f_lo)
    live = np.ones(len(t), bool)
    for _ in range(_MAX_ITERATIONS):
        idx = np.flatnonzero(live)
        if len(idx) == 0:
            break
        ti = t[idx]
        ea, rai, vai = _sgp4_rows(a[idx], ti)
        eb, rbi, vbi = _sgp4_rows(b[idx], ti)
        fine = _record_failures(failed, a[idx], ea) & _record_failures(failed, b[idx], eb)
        f = np.einsum("ij,ij->i", rbi - rai, vbi - vai)
        neg = f < 0
        lo[idx] = np.where(neg, ti, lo[idx])
        hi[idx] = np.where(neg, hi[idx], ti)
        x0[idx], f0[idx] = x1[idx], f1[idx]
        x1[idx], f1[idx] = ti, f
        with np.errstate(invalid="ignore", divide="ignore"):
            step = f * (ti - x0[idx]) / (f - f0[idx])
        secant = ti - step
        inside = (secant > lo[idx]) & (secant < hi[idx])
        new = np.where(inside, secant, 0.5 * (lo[idx] + hi[idx]))
        done = (inside & (np.abs(step) < _TCA_TOL_S)) | (hi[idx] - lo[idx] < _TCA_TOL_S) | (f == 0)
        t[idx] = np.where(f == 0, ti, new)
        live[idx] = ~done & fine
        t[idx[~fine]] = np.nan
    # Final states exactly at the reported TCA.
    keep = np.isfinite(t)
    a, b, k, t = a[keep], b[keep], k[keep], t[keep]
    ea, ra, va = _sgp4_rows(a, t)
    eb, rb, vb = _sgp4_rows(b, t)
    fine = _record_failures(failed, a, ea) & _record_failures(failed, b, eb)
    miss = np.linalg.norm(rb - ra, axis=1)
    event = fine & (miss <= threshold)
    stats["events"] = float(event.sum())
    return _TaskResult(
        rows_a=a[event],
        rows_b=b[event],
        interval=k[event],
        t_s=t[event],
        state_a=np.concatenate([ra, va], axis=1)[event],
        state_b=np.concatenate([rb, vb], axis=1)[event],
        failed=failed,
        stats=stats,
    )


# --------------------------------------------------------------------------------------------
# Public entry point.


def _concat_rows(
    catalog: Catalog, primaries: Catalog | None
) -> tuple[tuple[Any, ...], IntArray, NDArray[np.bool_]]:
    if primaries is None:
        return catalog.satrecs, catalog.ids, np.zeros(len(catalog), bool)
    return (
        tuple(primaries.satrecs) + tuple(catalog.satrecs),
        np.concatenate([primaries.ids, catalog.ids]),
        np.r_[np.ones(len(primaries), bool), np.zeros(len(catalog), bool)],
    )


def _run_tasks(tasks: list[tuple[int, int]], workers: int) -> Iterator[_TaskResult]:
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield _task(task)
        return
    with mp.get_context("fork").Pool(workers) as pool:
        yield from pool.imap_unordered(_task, tasks, chunksize=1)


def screen(
    catalog: Catalog,
    start: datetime,
    stop: datetime,
    threshold_km: float = 5.0,
    *,
    primaries: Catalog | None = None,
    workers: int | None = None,
    fine_step_s: float = 20.0,
    knot_step_s: float = 340.0,
    progress: Callable[[int, int], None] | None = None,
) -> Conjunctions:
    """Every local minimum of range below ``threshold_km`` in ``[start, stop]``.

    A minimum is where the range rate (from SGP4's positions and velocities)
    turns from negative to non-negative, inside ``(start, stop]``; an approach
    still closing at ``stop`` or opening at ``start`` is not one.

    ``primaries=None`` screens ``catalog`` all-vs-all; otherwise each primary
    (which need not be in ``catalog``: e.g. a planned post-manoeuvre orbit under
    a catalog number) against every catalog object, skipping pairs that share a
    catalog number.  ``workers`` processes share the work (default: the CPU
    count, at most 8, for screens big enough to pay for the processes; an
    explicit number is always used).  ``fine_step_s`` and
    ``knot_step_s`` set the grid and knot spacing (rounded to a multiple of the
    fine step); they trade speed only, never completeness.  ``progress``, if
    given, is called in this process as ``progress(done, total)``: the span's
    windows of knots screened so far (the units the workers share) out of all of
    them, once with ``done`` 0 before the first and after each window.
    """
    start = require_utc(start, "start")
    stop = require_utc(stop, "stop")
    if not stop > start:
        raise ValueError(f"stop {stop.isoformat()} must be after start {start.isoformat()}")
    if not threshold_km > 0:
        raise ValueError(f"threshold_km must be positive, got {threshold_km}")
    if not fine_step_s > 0 or not knot_step_s >= fine_step_s:
        raise ValueError("need 0 < fine_step_s <= knot_step_s")
    fine_step_s, threshold_km = float(fine_step_s), float(threshold_km)
    span_s = (stop - start).total_seconds()
    per_knot = max(1, round(knot_step_s / fine_step_s))
    knot_step_s = per_knot * fine_step_s
    n_fine = math.ceil(span_s / fine_step_s - 1e-9)
    n_knot = math.ceil(n_fine / per_knot)
    jd_start, fr_start = sgp4_epoch(timescale().from_datetime(start))
    jd0, fr0 = float(jd_start[0]), float(fr_start[0])

    satrecs, ids, is_primary = _concat_rows(catalog, primaries)
    fleet = primaries is not None
    lo, hi, rp, vp, failed = _mean_shells(satrecs, jd0, fr0, span_s)
    alive = np.ones(len(satrecs), bool)
    alive[list(failed)] = False
    # Objects that can meet nobody are dropped before propagation.
    if fleet:
        prim = alive & is_primary
        other = alive & ~is_primary
        useful = np.zeros(len(satrecs), bool)
        useful[other] = _overlap_count(lo[other], hi[other], lo[prim], hi[prim], threshold_km) > 0
        useful[prim] = _overlap_count(lo[prim], hi[prim], lo[other], hi[other], threshold_km) > 0
    else:
        useful = alive.copy()
        useful[alive] = _overlap_count(lo[alive], hi[alive], lo[alive], hi[alive], threshold_km) > 1
    active = np.flatnonzero(useful)

    omega_p = np.where(rp > 0, vp / np.where(rp > 0, rp, 1.0), 0.0)
    eps = _INTERP_SAFETY * knot_step_s**4 / 384.0 * omega_p**4 * rp
    rows = _Rows(
        satrecs=satrecs,
        ids=ids,
        primary=is_primary if fleet else np.zeros(len(satrecs), bool),
        fleet=fleet,
        shell_lo_km=lo,
        shell_hi_km=hi,
        eps_km=eps,
        vmax_km_s=1.01 * vp + 2 * _VELOCITY_SLOP_KM_S,
        twin=_twins(satrecs),
    )
    tasks = [(j, min(j + _KNOTS_PER_TASK, n_knot)) for j in range(0, n_knot, _KNOTS_PER_TASK)]
    if workers is None:
        small = len(active) * n_fine < _PARALLEL_MIN_POINTS
        workers = 1 if small else _default_workers()
    workers = min(max(1, workers), len(tasks))
    if "fork" not in mp.get_all_start_methods():
        workers = 1
    stats: dict[str, float] = {
        "objects": float(len(satrecs)),
        "objects_screened": float(len(active)),
        "fine_step_s": fine_step_s,
        "knot_step_s": knot_step_s,
        "workers": float(workers),
        "tasks": float(len(tasks)),
    }
    results: list[_TaskResult] = []
    _STATE.update(
        rows=rows,
        active=active,
        array=satrec_array([satrecs[i] for i in active]),
        span_s=span_s,
        fine_step_s=fine_step_s,
        knot_step_s=knot_step_s,
        per_knot=per_knot,
        n_fine=n_fine,
        threshold_km=threshold_km,
        jd0=jd0,
        fr0=fr0,
    )
    try:
        if progress is not None:
            progress(0, len(tasks))
        for res in _run_tasks(tasks, workers):
            results.append(res)
            if progress is not None:
                progress(len(results), len(tasks))
            failed.update({row: msg for row, msg in res.failed.items() if row not in failed})
            for name, value in res.stats.items():
                stats[name] = stats.get(name, 0.0) + value
    finally:
        _STATE.clear()
    return _assemble(results, rows, failed, start, stop, threshold_km, stats)


def _assemble(
    results: list[_TaskResult],
    rows: _Rows,
    failed: dict[int, str],
    start: datetime,
    stop: datetime,
    threshold_km: float,
    stats: dict[str, float],
) -> Conjunctions:
    def cat(name: str, width: int = 0) -> NDArray[Any]:
        parts = [getattr(res, name) for res in results]
        if parts:
            return np.concatenate(parts)
        return np.zeros((0, width) if width else 0)

    a = cat("rows_a").astype(np.int64)
    b = cat("rows_b").astype(np.int64)
    k = cat("interval").astype(np.int64)
    t = cat("t_s").astype(np.float64)
    sa = cat("state_a", 6).astype(np.float64)
    sb = cat("state_b", 6).astype(np.float64)
    dead = np.zeros(len(rows.ids), bool)
    dead[np.array(sorted(failed), dtype=np.int64)] = True
    keep = ~(dead[a] | dead[b])
    n_rows = len(rows.ids)
    interval_key = (a[keep] * n_rows + b[keep]) * (int(k.max(initial=0)) + 1) + k[keep]
    _, first = np.unique(interval_key, return_index=True)
    sel = np.flatnonzero(keep)[first]
    sel = sel[np.argsort(t[sel], kind="stable")]
    a, b, t, sa, sb = a[sel], b[sel], t[sel], sa[sel], sb[sel]
    dr = sb[:, :3] - sa[:, :3]
    basis = rtn_basis(sa[:, :3], sa[:, 3:]) if len(sel) else np.zeros((0, 3, 3))
    epoch = np.datetime64(start.replace(tzinfo=None), "us")
    excluded: dict[int, str] = {}
    for row, message in sorted(failed.items()):
        ident = int(rows.ids[row])
        if rows.fleet and rows.primary[row]:
            message = f"(primary) {message}"
        excluded.setdefault(ident, message)
    return Conjunctions(
        primary_id=rows.ids[a],
        secondary_id=rows.ids[b],
        tca=epoch + np.round(t * 1e6).astype(np.int64).astype("timedelta64[us]"),
        miss_km=np.linalg.norm(dr, axis=1),
        relative_speed_km_s=np.linalg.norm(sb[:, 3:] - sa[:, 3:], axis=1),
        miss_rtn_km=np.einsum("nij,nj->ni", basis, dr),
        primary_r_teme_km=sa[:, :3],
        primary_v_teme_km_s=sa[:, 3:],
        secondary_r_teme_km=sb[:, :3],
        secondary_v_teme_km_s=sb[:, 3:],
        excluded=excluded,
        start=start,
        stop=stop,
        threshold_km=threshold_km,
        stats=stats,
    )
