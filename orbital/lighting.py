"""Sunlight on satellites: illumination fraction, sunlit/penumbra/umbra intervals, beta angle.

The Sun is DE421's geometric Earth→Sun vector (the one skyfield's
``is_sunlit`` uses); light-time and aberration move the shadow by about 20″,
a tenth of a second of LEO timing.  The shadow is conical (Montenbruck & Gill,
*Satellite Orbits*, §3.4): from the satellite, the Sun's disc (apparent radius
``a``) and the Earth's (``b``), ``c`` apart, overlap by the area ``A`` and the
illumination fraction is ``1 − A / (π a²)``.

The Earth is a sphere of the WGS84 equatorial radius (6378.137 km).  The real
limb is up to 21 km lower towards the poles and the atmosphere dims sunlight
tens of km above the surface, so observed eclipses can begin or end a few
seconds away from these times; pass a larger ``earth_radius_km`` to model an
opaque atmosphere layer.

>>> from datetime import datetime, timezone
>>> from importlib.resources import files
>>> from cosmo_agent.orbital.catalog import Catalog
>>> sample = files("cosmo_agent.tools") / "data" / "sample-leo.3le"
>>> iss = Catalog.from_tle_file(sample).select([25544])
>>> spans = lighting_intervals(iss, datetime(2026, 6, 10, tzinfo=timezone.utc),
...                            datetime(2026, 6, 10, 3, tzinfo=timezone.utc))
>>> sorted(set(spans.state_names.tolist()))
['penumbra', 'sunlit', 'umbra']
>>> penumbra = spans.duration_s[spans.state == LightingState.PENUMBRA]
>>> bool(penumbra.min() > 5.0 and penumbra.max() < 15.0)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray
from skyfield.timelib import Time

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.constants import WGS84_RADIUS_KM
from cosmo_agent.orbital.frames import teme_to_gcrs_matrix
from cosmo_agent.orbital.propagation import SGP4_ERRORS, iter_propagate, propagate
from cosmo_agent.orbital.timescales import DAY_S, ephemeris, require_utc, sgp4_epoch, timescale

__all__ = [
    "SUN_RADIUS_KM",
    "LightingIntervals",
    "LightingState",
    "beta_angle_deg",
    "illumination_fraction",
    "lighting_intervals",
    "sun_position_gcrs_km",
]

SUN_RADIUS_KM = 695700.0  # IAU 2015 Resolution B3 nominal solar radius

FloatArray = NDArray[np.float64]
TimesLike: TypeAlias = "Time | datetime | Sequence[datetime]"
"""A skyfield Time, or timezone-aware datetimes (naive ones are refused)."""

# The Sun's direction in TEME is interpolated linearly between nodes this far
# apart: its curvature over an hour is < 1e-7 rad (< 1 ms of LEO shadow timing),
# and it spares a precession-nutation evaluation per sample.
_SUN_NODE_S = 3600.0
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


class LightingState(IntEnum):
    """Lighting state codes used in :class:`LightingIntervals` (``int8`` arrays)."""

    UMBRA = 0
    """The Earth hides the whole solar disc: illumination fraction 0."""
    PENUMBRA = 1
    """The Earth hides part of the solar disc: fraction strictly between 0 and 1
    (also the annular case, Earth's disc inside the Sun's, far beyond the Moon)."""
    SUNLIT = 2
    """The whole solar disc is visible: illumination fraction 1."""


_STATE_NAMES = np.array([s.name.lower() for s in LightingState])


@dataclass(frozen=True)
class LightingIntervals:
    """Lighting intervals as parallel arrays, sorted by catalog order then start.

    Each satellite's intervals tile ``[span_start, span_stop]``; its first
    interval has ``start_clipped`` (it may have begun earlier) and its last
    ``stop_clipped``.  Satellites whose SGP4 propagation failed anywhere in the
    span are absent and listed in ``excluded`` with the SGP4 message.
    """

    ids: NDArray[np.int64]
    state: NDArray[np.int8]
    start: Time
    stop: Time
    start_clipped: NDArray[np.bool_]
    stop_clipped: NDArray[np.bool_]
    span_start: datetime
    span_stop: datetime
    excluded: dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def state_names(self) -> NDArray[np.str_]:
        """``'umbra'``, ``'penumbra'`` or ``'sunlit'`` per interval."""
        names: NDArray[np.str_] = _STATE_NAMES[self.state]
        return names

    @property
    def duration_s(self) -> FloatArray:
        """Interval lengths in SI seconds."""
        stop, start = self.stop, self.start
        days = (stop.whole - start.whole) + (stop.tt_fraction - start.tt_fraction)
        out: FloatArray = np.asarray(days, dtype=np.float64) * DAY_S
        return out

    def rows(self) -> list[dict[str, Any]]:
        """JSON-ready rows: id, state, ISO-8601 UTC start/stop (ms), duration and clip flags."""
        starts = self.start.utc_iso(places=3) if len(self) else []
        stops = self.stop.utc_iso(places=3) if len(self) else []
        return [
            {
                "id": int(i),
                "state": str(s),
                "start": a,
                "stop": b,
                "duration_s": round(float(d), 3),
                "start_clipped": bool(c0),
                "stop_clipped": bool(c1),
            }
            for i, s, a, b, d, c0, c1 in zip(
                self.ids, self.state_names, starts, stops, self.duration_s,
                self.start_clipped, self.stop_clipped, strict=True,
            )
        ]


# --- times and the Sun ---------------------------------------------------------------------


def _as_time(times: TimesLike, name: str = "times") -> Time:
    """A 1-D skyfield Time from a Time or timezone-aware datetimes (naive ones refused)."""
    ts = timescale()
    if isinstance(times, Time):
        t = times
    elif isinstance(times, datetime):
        t = ts.from_datetimes([require_utc(times, name)])
    else:
        t = ts.from_datetimes([require_utc(x, name) for x in times])
    if np.ndim(t.tt) == 0:
        t = ts.tt_jd(np.atleast_1d(t.whole), np.atleast_1d(t.tt_fraction))
    return t


def _offsets_s(t: Time, whole0: float, fraction0: float) -> FloatArray:
    days = (np.asarray(t.whole) - whole0) + (np.asarray(t.tt_fraction) - fraction0)
    return np.atleast_1d(np.asarray(days, dtype=np.float64) * DAY_S)


def _at_offsets(whole0: float, fraction0: float, offsets_s: FloatArray) -> Time:
    return timescale().tt_jd(np.full(offsets_s.shape, whole0), fraction0 + offsets_s / DAY_S)


def sun_position_gcrs_km(times: TimesLike) -> FloatArray:
    """Geocentric Sun positions (T, 3) in GCRS, km, from the shipped DE421.

    >>> from datetime import datetime, timezone
    >>> r = sun_position_gcrs_km(datetime(2026, 6, 21, tzinfo=timezone.utc))
    >>> round(float(np.linalg.norm(r) / 149597870.7), 3)  # near aphelion, AU
    1.016
    """
    t = _as_time(times)
    eph = ephemeris()
    xyz = (eph["sun"] - eph["earth"]).at(t).position.km
    return np.ascontiguousarray(np.asarray(xyz, dtype=np.float64).reshape(3, -1).T)


class _SunTeme:
    """The Sun in TEME at TT offsets from a base time, interpolated between hourly nodes."""

    def __init__(self, whole0: float, fraction0: float, lo_s: float, hi_s: float) -> None:
        n = max(2, math.ceil((hi_s - lo_s) / _SUN_NODE_S) + 1)
        self.nodes_s = np.linspace(lo_s, max(hi_s, lo_s + 1.0), n)
        t = _at_offsets(whole0, fraction0, self.nodes_s)
        sun_gcrs = sun_position_gcrs_km(t)
        # TEME→GCRS matrices are orthonormal: their transpose takes GCRS back to TEME.
        self.nodes_km = np.einsum("tji,tj->ti", teme_to_gcrs_matrix(t), sun_gcrs)

    def __call__(self, offsets_s: FloatArray) -> FloatArray:
        return np.stack(
            [np.interp(offsets_s, self.nodes_s, self.nodes_km[:, k]) for k in range(3)], axis=-1
        )

    @classmethod
    def for_times(cls, t: Time) -> FloatArray:
        whole0 = float(np.min(t.whole))
        offsets = _offsets_s(t, whole0, 0.0)
        sun = cls(whole0, 0.0, float(offsets.min()), float(offsets.max()))
        return sun(offsets)


# --- shadow geometry (Montenbruck & Gill 3.4) -----------------------------------------------


def _angles(
    r_km: FloatArray, sun_km: FloatArray, earth_radius_km: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Apparent Sun radius a, Earth radius b and their separation c (rad), seen from r."""
    d = sun_km - r_km
    d_norm = np.linalg.norm(d, axis=-1)
    r_norm = np.linalg.norm(r_km, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.arcsin(np.minimum(SUN_RADIUS_KM / d_norm, 1.0))
        b = np.arcsin(np.minimum(earth_radius_km / r_norm, 1.0))
    # atan2 of |cross| and dot keeps full precision near 0 and pi, unlike acos.
    c = np.arctan2(np.linalg.norm(np.cross(-r_km, d), axis=-1), np.sum(-r_km * d, axis=-1))
    return a, b, c


def _fraction(a: FloatArray, b: FloatArray, c: FloatArray) -> FloatArray:
    """Visible fraction of the solar disc from the two discs' radii a, b and separation c."""
    a, b, c = np.broadcast_arrays(a, b, c)
    nu = np.ones(a.shape)
    umbra = c <= b - a
    annular = (c < a - b) & ~umbra
    partial = (c < a + b) & ~umbra & ~annular
    ap, bp, cp = a[partial], b[partial], c[partial]
    x = (cp * cp + ap * ap - bp * bp) / (2.0 * cp)
    y = np.sqrt(np.maximum(ap * ap - x * x, 0.0))
    area = (
        ap * ap * np.arccos(np.clip(x / ap, -1.0, 1.0))
        + bp * bp * np.arccos(np.clip((cp - x) / bp, -1.0, 1.0))
        - cp * y
    )
    nu[partial] = np.clip(1.0 - area / (np.pi * ap * ap), 0.0, 1.0)
    nu[umbra] = 0.0
    nu[annular] = 1.0 - (b[annular] / a[annular]) ** 2
    nu[np.isnan(a) | np.isnan(b) | np.isnan(c)] = np.nan
    return nu


def illumination_fraction(
    source: Catalog | FloatArray,
    times: TimesLike,
    *,
    earth_radius_km: float = WGS84_RADIUS_KM,
) -> FloatArray:
    """Visible fraction of the solar disc: 0 in umbra, 1 in sunlight, between in penumbra.

    ``source`` is a :class:`Catalog` (propagated with SGP4; result (N, T), NaN
    where SGP4 fails) or GCRS positions in km of shape (..., T, 3) (result (..., T)).

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 6, 10, tzinfo=timezone.utc)
    >>> s = sun_position_gcrs_km(t)
    >>> u = s / np.linalg.norm(s)
    >>> illumination_fraction(np.stack([7000.0 * u, -7000.0 * u]), t).ravel().tolist()
    [1.0, 0.0]
    """
    t = _as_time(times)
    if isinstance(source, Catalog):
        r = propagate(source, t).position_teme_km
        sun = _SunTeme.for_times(t)
    else:
        r = np.asarray(source, dtype=np.float64)
        if r.shape[-1:] != (3,) or r.ndim < 2 or r.shape[-2] != len(t.tt):
            raise ValueError(f"positions must have shape (..., {len(t.tt)}, 3), got {r.shape}")
        sun = sun_position_gcrs_km(t)
    return _fraction(*_angles(r, sun, earth_radius_km))


def beta_angle_deg(catalog: Catalog, times: TimesLike) -> FloatArray:
    """Solar beta angle (N, T) in degrees: the Sun's elevation above the orbit plane.

    Positive when the Sun lies on the side of the orbit normal ``h = r × v``;
    NaN where SGP4 fails.
    """
    t = _as_time(times)
    eph = propagate(catalog, t)
    h = np.cross(eph.position_teme_km, eph.velocity_teme_km_s)
    sun = _SunTeme.for_times(t)
    with np.errstate(invalid="ignore"):
        h_unit = h / np.linalg.norm(h, axis=-1, keepdims=True)
        s_unit = sun / np.linalg.norm(sun, axis=-1, keepdims=True)
        sin_beta = np.clip(np.sum(h_unit * s_unit, axis=-1), -1.0, 1.0)
    beta: FloatArray = np.degrees(np.arcsin(sin_beta))
    return beta


# --- interval search --------------------------------------------------------------------------

_LIT, _DARK = 0, 1  # indicator kinds: lit = "c >= a + b" (sunlit), dark = "c <= b - a" (umbra)


def _margins(
    r_km: FloatArray, sun_km: FloatArray, earth_radius_km: float
) -> tuple[FloatArray, FloatArray]:
    """Continuous margins (rad): sunlit iff ``lit >= 0``, umbra iff ``dark <= 0``."""
    a, b, c = _angles(r_km, sun_km, earth_radius_km)
    return c - (a + b), c - (b - a)


def _indicator(kind: NDArray[np.intp] | int, margin: FloatArray) -> NDArray[np.bool_]:
    return np.where(np.equal(kind, _LIT), margin >= 0.0, margin <= 0.0)


@dataclass
class _Refiner:
    """Evaluates the margins of (satellite row, TT offset) pairs with direct SGP4 calls."""

    satrecs: tuple[Any, ...]
    whole0: float
    fraction0: float
    sun: _SunTeme
    earth_radius_km: float
    span_s: float
    failed: dict[int, str] = field(default_factory=dict)

    def margins(self, rows: NDArray[np.intp], offsets_s: FloatArray) -> FloatArray:
        """(P, 2) lit and dark margins, NaN on SGP4 errors (noted in ``failed`` within the span)."""
        out = np.full((len(rows), 2), np.nan)
        if not len(rows):
            return out
        jd, fr = sgp4_epoch(_at_offsets(self.whole0, self.fraction0, offsets_s))
        r = np.full((len(rows), 3), np.nan)
        order = np.argsort(rows, kind="stable")
        unique, first = np.unique(rows[order], return_index=True)
        for row, idx in zip(unique, np.split(order, first[1:]), strict=True):
            e, pos, _ = self.satrecs[row].sgp4_array(jd[idx], fr[idx])
            pos[e != 0] = np.nan
            r[idx] = pos
            in_span = (offsets_s[idx] >= 0.0) & (offsets_s[idx] <= self.span_s)
            if np.any((e != 0) & in_span):
                code = int(e[(e != 0) & in_span][0])
                self.failed.setdefault(int(row), SGP4_ERRORS.get(code, f"SGP4 error {code}"))
        lit, dark = _margins(r, self.sun(offsets_s), self.earth_radius_km)
        out[:, _LIT], out[:, _DARK] = lit, dark
        return out


def _grazes(
    margin: FloatArray, ind: NDArray[np.bool_], grid_s: FloatArray
) -> tuple[NDArray[np.intp], NDArray[np.intp], FloatArray]:
    """Sampled local extrema that might hide a double crossing between grid points.

    Returns (row, centre index, sign) of each triple of samples on one side
    whose parabolic extremum comes within the samples' spread of zero; the sign
    turns the margin so that the search is for a minimum that dips below zero.
    """
    if margin.shape[1] < 3:
        empty = np.empty(0, np.intp)
        return empty, empty, np.empty(0)
    same = (ind[:, :-2] == ind[:, 1:-1]) & (ind[:, 1:-1] == ind[:, 2:])
    side = np.where(margin[:, 1:-1] > 0.0, 1.0, -1.0)
    left, mid, right = side * margin[:, :-2], side * margin[:, 1:-1], side * margin[:, 2:]
    h_left = grid_s[1:-1] - grid_s[:-2]
    h_right = grid_s[2:] - grid_s[1:-1]
    # Parabola through the three samples (uneven spacing at the span's end).
    slope_l = (mid - left) / h_left
    slope_r = (right - mid) / h_right
    curvature = 2.0 * (slope_r - slope_l) / (h_left + h_right)
    slope_mid = (slope_l * h_right + slope_r * h_left) / (h_left + h_right)
    with np.errstate(divide="ignore", invalid="ignore"):
        vertex = np.where(curvature > 0, mid - slope_mid**2 / (2.0 * curvature), mid)
    spread = np.maximum(left, right) - mid
    candidate = same & (mid <= left) & (mid <= right) & (vertex < spread)
    rows, idx = np.nonzero(candidate)
    return rows.astype(np.intp), (idx + 1).astype(np.intp), side[rows, idx]


def _golden_minimum(
    refiner: _Refiner,
    rows: NDArray[np.intp],
    kind: NDArray[np.intp],
    sign: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    tol_s: float,
) -> tuple[FloatArray, FloatArray]:
    """Vectorized golden-section search: (time, value) of the least ``sign × margin``."""
    pick = np.arange(len(rows))

    def f(x: FloatArray) -> FloatArray:
        values: FloatArray = sign * refiner.margins(rows, x)[pick, kind]
        return values

    a, b = lo.copy(), hi.copy()
    c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
    fc, fd = f(c), f(d)
    best_x, best_f = np.where(fc < fd, c, d), np.fmin(fc, fd)
    while len(rows) and np.max(b - a) > tol_s:
        left = fc < fd
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        c, d, fc, fd = (
            np.where(left, b - _GOLDEN * (b - a), d),
            np.where(left, c, a + _GOLDEN * (b - a)),
            np.where(left, np.nan, fd),
            np.where(left, fc, np.nan),
        )
        x = np.where(left, c, d)
        fx = f(x)
        fc, fd = np.where(left, fx, fc), np.where(left, fd, fx)
        better = fx < best_f
        best_x, best_f = np.where(better, x, best_x), np.where(better, fx, best_f)
    return best_x, best_f


def _bisect(
    refiner: _Refiner,
    rows: NDArray[np.intp],
    kind: NDArray[np.intp],
    after: NDArray[np.bool_],
    lo: FloatArray,
    hi: FloatArray,
    tol_s: float,
) -> FloatArray:
    """Midpoint of the final bracket where the indicator turns to ``after``."""
    lo, hi = lo.copy(), hi.copy()
    pick = np.arange(len(rows))
    while len(rows) and np.max(hi - lo) > tol_s:
        mid = 0.5 * (lo + hi)
        now = _indicator(kind, refiner.margins(rows, mid)[pick, kind])
        hi = np.where(now == after, mid, hi)
        lo = np.where(now == after, lo, mid)
    out: FloatArray = 0.5 * (lo + hi)
    return out


def lighting_intervals(
    catalog: Catalog,
    start: datetime,
    stop: datetime,
    *,
    step_s: float = 30.0,
    tolerance_s: float = 0.01,
    earth_radius_km: float = WGS84_RADIUS_KM,
    chunk_size: int = 256,
) -> LightingIntervals:
    """Sunlit, penumbra and umbra intervals of every satellite from ``start`` to ``stop``.

    States are sampled every ``step_s`` seconds; each change is then bracketed
    and bisected with direct SGP4 calls to ``tolerance_s``.  A sampled minimum
    of a shadow margin that comes close to zero is searched (golden section)
    for a brief graze between samples, so short penumbra or umbra spells are
    found even when no sample lands in them; events that start and end within
    one step without such a sign are missed, so keep ``step_s`` well below the
    orbital period (30 s suits LEO).  Satellites whose SGP4 propagation fails
    are left out and listed in ``excluded``.
    """
    start, stop = require_utc(start, "start"), require_utc(stop, "stop")
    if not stop > start:
        raise ValueError(f"stop {stop.isoformat()} must be after start {start.isoformat()}")
    if not (step_s > 0 and tolerance_s > 0):
        raise ValueError(f"step_s and tolerance_s must be positive, got {step_s}, {tolerance_s}")
    ts = timescale()
    t0, t1 = ts.from_datetime(start), ts.from_datetime(stop)
    whole0, fraction0 = float(t0.whole), float(t0.tt_fraction)
    span_s = float(_offsets_s(t1, whole0, fraction0)[0])
    grid_s = np.arange(0.0, span_s, step_s)
    if span_s - grid_s[-1] > 1e-6:
        grid_s = np.append(grid_s, span_s)
    # One sample beyond each end, so a graze in the first or last step is seen too.
    grid_s = np.concatenate([[-step_s], grid_s, [span_s + step_s]])
    sun = _SunTeme(whole0, fraction0, -step_s, span_s + step_s)
    refiner = _Refiner(catalog.satrecs, whole0, fraction0, sun, earth_radius_km, span_s)
    excluded: dict[int, str] = {}
    parts: list[tuple[NDArray[Any], ...]] = []
    grid = _at_offsets(whole0, fraction0, grid_s)
    for rows, err, r, _ in iter_propagate(catalog, grid, chunk_size):
        row_ids = np.arange(rows.start, rows.stop, dtype=np.intp)
        bad = err[:, 1:-1].any(axis=1)
        for k in np.flatnonzero(bad):
            code = int(err[k, 1:-1][err[k, 1:-1] != 0][0])
            excluded[int(catalog.ids[row_ids[k]])] = SGP4_ERRORS.get(code, f"SGP4 error {code}")
        # An SGP4 error just outside the span borrows its neighbour's sample.
        r[err[:, 0] != 0, 0] = r[err[:, 0] != 0, 1]
        r[err[:, -1] != 0, -1] = r[err[:, -1] != 0, -2]
        parts.append(_chunk_events(refiner, row_ids[~bad], r[~bad], grid_s, tolerance_s))
    for row, message in refiner.failed.items():
        excluded[int(catalog.ids[row])] = f"{message} (during boundary refinement)"
    return _assemble(catalog, parts, refiner.failed, whole0, fraction0, span_s, start, stop,
                     excluded)


def _chunk_events(
    refiner: _Refiner,
    row_ids: NDArray[np.intp],
    r_km: FloatArray,
    grid_s: FloatArray,
    tolerance_s: float,
) -> tuple[NDArray[Any], ...]:
    """Initial indicators at offset 0 and refined indicator changes inside the span."""
    lit_m, dark_m = _margins(r_km, refiner.sun(grid_s), refiner.earth_radius_km)
    inds = (lit_m >= 0.0, dark_m <= 0.0)
    b_rows: list[NDArray[np.intp]] = []
    b_kind: list[NDArray[np.intp]] = []
    b_after: list[NDArray[np.bool_]] = []
    b_lo: list[FloatArray] = []
    b_hi: list[FloatArray] = []
    for kind, margin, ind in ((_LIT, lit_m, inds[0]), (_DARK, dark_m, inds[1])):
        # Sign changes between samples.
        k_row, k_idx = np.nonzero(ind[:, 1:] != ind[:, :-1])
        b_rows.append(row_ids[k_row])
        b_kind.append(np.full(len(k_row), kind, np.intp))
        b_after.append(ind[k_row, k_idx + 1])
        b_lo.append(grid_s[k_idx])
        b_hi.append(grid_s[k_idx + 1])
        # Grazes: two crossings between the samples around a local extremum.
        g_row, g_idx, g_sign = _grazes(margin, ind, grid_s)
        kinds = np.full(len(g_row), kind, np.intp)
        lo, hi = grid_s[g_idx - 1], grid_s[g_idx + 1]
        x, fx = _golden_minimum(refiner, row_ids[g_row], kinds, g_sign, lo, hi, tolerance_s)
        dips = fx < 0.0
        g_rows, inside = row_ids[g_row][dips], ind[g_row, g_idx][dips]
        b_rows += [g_rows, g_rows]
        b_kind += [kinds[dips], kinds[dips]]
        b_after += [~inside, inside]
        b_lo += [lo[dips], x[dips]]
        b_hi += [x[dips], hi[dips]]
    e_rows, e_kind = np.concatenate(b_rows), np.concatenate(b_kind)
    e_after = np.concatenate(b_after)
    e_time = _bisect(
        refiner, e_rows, e_kind, e_after, np.concatenate(b_lo), np.concatenate(b_hi), tolerance_s
    )
    inside_span = (e_time > 0.0) & (e_time < refiner.span_s)
    return (
        row_ids,
        inds[0][:, 1],
        inds[1][:, 1],
        e_rows[inside_span],
        e_kind[inside_span],
        e_after[inside_span],
        e_time[inside_span],
    )


def _assemble(
    catalog: Catalog,
    parts: list[tuple[NDArray[Any], ...]],
    failed: dict[int, str],
    whole0: float,
    fraction0: float,
    span_s: float,
    start: datetime,
    stop: datetime,
    excluded: dict[int, str],
) -> LightingIntervals:
    """Merge initial states and indicator changes into per-satellite state intervals."""
    cat = [np.concatenate([p[k] for p in parts]) if parts else np.empty(0) for k in range(7)]
    init_rows, init_lit, init_dark = (x for x in cat[:3])
    e_rows, e_kind, e_after, e_time = (x for x in cat[3:])
    n0 = len(init_rows)
    rows = np.concatenate([init_rows, e_rows]).astype(np.intp)
    time = np.concatenate([np.zeros(n0), e_time]).astype(np.float64)
    first = np.concatenate([np.ones(n0, bool), np.zeros(len(e_rows), bool)])
    kind = np.concatenate([np.full(n0, -1), e_kind]).astype(np.intp)
    after = np.concatenate([np.zeros(n0, bool), e_after]).astype(bool)
    lit_value = np.where(first, np.concatenate([init_lit, np.zeros(len(e_rows))]) > 0, after)
    dark_value = np.where(first, np.concatenate([init_dark, np.zeros(len(e_rows))]) > 0, after)
    keep_rows = ~np.isin(rows, np.fromiter(failed, np.intp, len(failed)))
    rows, time, first, kind = rows[keep_rows], time[keep_rows], first[keep_rows], kind[keep_rows]
    lit_value, dark_value = lit_value[keep_rows], dark_value[keep_rows]
    order = np.lexsort((~first, time, rows))
    rows, time, first, kind = rows[order], time[order], first[order], kind[order]
    lit_value, dark_value = lit_value[order], dark_value[order]
    # Forward-fill each indicator from its latest setting event; every row starts with one.
    index = np.arange(len(rows))
    lit = lit_value[np.maximum.accumulate(np.where(first | (kind == _LIT), index, 0))]
    dark = dark_value[np.maximum.accumulate(np.where(first | (kind == _DARK), index, 0))]
    state = np.where(lit, LightingState.SUNLIT, np.where(dark, LightingState.UMBRA,
                                                          LightingState.PENUMBRA))
    changed = np.ones(len(rows), bool)
    changed[1:] = state[1:] != state[:-1]
    keep = first | changed
    rows, time, first, state = rows[keep], time[keep], first[keep], state[keep]
    last = np.ones(len(rows), bool)
    last[:-1] = first[1:]
    stop_s = np.append(time[1:], span_s)
    stop_s[last] = span_s
    return LightingIntervals(
        ids=catalog.ids[rows].astype(np.int64),
        state=state.astype(np.int8),
        start=_at_offsets(whole0, fraction0, time),
        stop=_at_offsets(whole0, fraction0, stop_s),
        start_clipped=first,
        stop_clipped=last,
        span_start=start,
        span_stop=stop,
        excluded=excluded,
    )
