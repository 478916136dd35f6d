"""Ground-station passes for a whole catalog: a vectorised grid search refined to milliseconds.

:func:`find_passes` takes a :class:`~cosmo_agent.orbital.catalog.Catalog`, a set of
:class:`GroundStations` and a UTC window, and returns every pass as a
:class:`Passes` struct of arrays: satellite, station, AOS / culmination / LOS
times (UTC ``datetime64[us]``), maximum elevation and the azimuths at the three
events.  Elevation is geometric (no refraction) above the WGS84 ellipsoid
normal, as skyfield's ``altaz()``; AOS and LOS are where it crosses the
station's threshold ``max(min_elevation_deg, horizon_mask(azimuth))``.

How it works, per chunk of satellites (memory stays bounded by ``chunk_cells``):

1. *Grid.*  The chunk is propagated with SGP4 on a regular grid (``step_s``)
   that reaches one step beyond each end of the window, rotated TEME → ITRS once
   per time, and the smooth *clearance* ``g = up − sin(E) · range`` (km; positive
   exactly when the elevation exceeds ``E``) is formed for every station at once.
   For a station with a horizon mask ``E`` is the mask's lowest threshold, so
   this stage finds a superset of the masked passes.
2. *Roots.*  Each sign change of ``g`` brackets an AOS or LOS; a bracketed
   Newton iteration (bisection whenever Newton leaves the bracket) on ``g`` and
   its analytic rate, from SGP4 evaluated directly at the trial times, brings it
   to ``tol_s`` (1 ms by default).
3. *Short passes between grid points.*  A pass can be shorter than the step.
   Every grid-local maximum of ``g`` that is below zero but within the margin
   ``m = C·h²/8`` is refined (maximum elevation by an Illinois search on the
   elevation rate); if the true maximum clears the threshold, the pass is added.
   ``C`` bounds ``|g''|``: with the station fixed in ITRS,
   ``g'' = n·a − sin(E)·ρ''`` and ``|ρ''| ≤ |v|²/ρ + |a|``, so
   ``|g''| ≤ |a|·(1 + |sin E|) + |sin E|·|v|²/ρ``, evaluated per satellite with
   the Earth-fixed acceleration (gravity, Coriolis, centrifugal) and speed at
   perigee and ``ρ ≥ perigee radius − station radius`` (times a 1.5 safety
   factor).  The nearest grid point lies within ``h/2`` of a pass's peak, so it
   sits at most ``C·h²/8`` below it.
   **Guarantee:** a pass is found whenever ``g`` has no other turning point
   within one step either side of its peak.  For LEO ``g`` turns about twice an
   orbit (a maximum near closest approach, a minimum on the far side of the
   Earth), tens of minutes apart, so at the default 120 s step no pass is
   missed however short; the tests check the bound on ``|g''|`` and that steps of
   30 s and 600 s give the same passes.  Not split: a dip below the threshold
   that falls between two grid points of one pass (it is at most ``C·h²/8`` deep);
   a pass with two culminations is reported once, with one of them.
4. *Culmination.*  The time of maximum elevation is the root of the elevation
   rate between AOS and LOS (Illinois method, to 10 ms: the elevation error is
   second order, far below 0.01 deg).  Passes under way at ``start`` or ``stop``
   are clipped there and flagged; their culmination is the highest point inside
   the window.
5. *Horizon masks.*  Inside each superset pass of a masked station, the
   elevation above the mask is sampled every ``mask_step_s`` and its sign
   changes are bisected to ``tol_s``; mask notches narrower than that step may
   be missed.

Between grid points the TEME → ITRS rotation is the grid's
:func:`~cosmo_agent.orbital.frames.teme_to_itrs_matrix` followed by the Earth
rotation ``Rz(θ̇·Δt)`` for the remaining seconds: exact for GMST, and polar
motion changes by less than a microarcsecond in a step.

Satellites whose SGP4 propagation fails anywhere in the window are left out and
listed in ``Passes.failed_ids`` with their error codes (see ``Passes.messages``).
Times inside the search count UTC seconds from ``start``; a window spanning a leap
second (none is announced) would report the times after it one second early.

>>> from datetime import datetime, timezone
>>> from importlib.resources import files
>>> from cosmo_agent.orbital.catalog import Catalog
>>> catalog = Catalog.from_tle_file(files("cosmo_agent.tools") / "data" / "sample-leo.3le")
>>> iss = catalog.select([25544])
>>> stations = GroundStations.from_tuples([(48.85, 2.35, 0.035, 10.0)], names=["Paris"])
>>> passes = find_passes(iss, stations, datetime(2026, 6, 10, tzinfo=timezone.utc),
...                      datetime(2026, 6, 11, tzinfo=timezone.utc))
>>> len(passes), passes.datetimes("aos")[0].isoformat(timespec="seconds")
(5, '2026-06-10T07:06:21+00:00')
>>> passes.max_elevation_deg.round(1).tolist()
[14.7, 67.7, 52.3, 66.5, 35.2]
>>> row = passes.records(stations.names)[1]
>>> row["station_name"], row["aos"], row["max_elevation_deg"], row["starts_in_progress"]
('Paris', '2026-06-10T08:41:16.511Z', 67.7045, False)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from skyfield.sgp4lib import theta_GMST1982
from skyfield.timelib import Time

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.constants import WGS72_MU_KM3_S2, WGS72_RADIUS_KM
from cosmo_agent.orbital.frames import enu_matrix, geodetic_to_itrs, teme_to_itrs_matrix
from cosmo_agent.orbital.propagation import SGP4_ERRORS, iter_propagate
from cosmo_agent.orbital.timescales import DAY_S, require_utc, sgp4_epoch, timescale

__all__ = ["GroundStations", "HorizonMask", "PassEvent", "Passes", "find_passes"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

PassEvent = Literal["aos", "tca", "los"]
"""The three events of a pass: ``aos`` acquisition of signal (rise above the
threshold), ``tca`` culmination (maximum elevation), ``los`` loss of signal."""

# Earth rotation rate for the near-miss curvature bound (IERS value).
_OMEGA_RAD_S = 7.292115e-5
_CURVATURE_SAFETY = 1.5
_MIN_RANGE_KM = 20.0

# Default grid step.  Larger steps cost fewer SGP4 calls on the grid but widen the
# near-miss margin (∝ step²) and the Newton starting brackets; 120 s is the measured
# sweet spot for LEO and keeps every LEO pass's peak isolated (passes of one satellite
# over one station are about an orbit, >= 87 min, apart).
_DEFAULT_STEP_S = 120.0
# Sat-station-time cells per chunk: about 32 MB per float array of the grid.
_DEFAULT_CHUNK_CELLS = 4_000_000
# Culmination time accuracy: the elevation error is second order, < 1e-4 deg at 10 ms.
_TCA_TOL_S = 0.01


# --- stations -------------------------------------------------------------------------------

_STATION_FIELDS = ("lat_deg", "lon_deg", "alt_km", "min_elevation_deg")


@dataclass(frozen=True, eq=False)
class HorizonMask:
    """Azimuth-dependent minimum elevation, interpolated linearly and periodically in azimuth.

    >>> mask = HorizonMask([0.0, 90.0, 180.0, 270.0], [5.0, 20.0, 5.0, 5.0])
    >>> mask.elevation_at(np.array([45.0, 315.0, 405.0])).tolist()
    [12.5, 5.0, 12.5]
    """

    azimuth_deg: FloatArray
    elevation_deg: FloatArray

    def __init__(self, azimuth_deg: ArrayLike, elevation_deg: ArrayLike) -> None:
        az = np.atleast_1d(np.asarray(azimuth_deg, dtype=np.float64)) % 360.0
        el = np.atleast_1d(np.asarray(elevation_deg, dtype=np.float64))
        if az.ndim != 1 or az.shape != el.shape or len(az) == 0:
            raise ValueError(
                "HorizonMask needs matching 1-D azimuth_deg and elevation_deg arrays with at"
                f" least one point, got shapes {az.shape} and {el.shape}"
            )
        if not (np.all(np.isfinite(az)) and np.all(np.isfinite(el))):
            raise ValueError("HorizonMask points must be finite numbers of degrees")
        if np.any(np.abs(el) > 90.0):
            raise ValueError(f"HorizonMask elevations must lie in [-90, 90] deg, got {el}")
        order = np.argsort(az, kind="stable")
        object.__setattr__(self, "azimuth_deg", az[order])
        object.__setattr__(self, "elevation_deg", el[order])

    def elevation_at(self, azimuth_deg: FloatArray) -> FloatArray:
        """Mask elevation (deg) at each azimuth (deg from north through east)."""
        return np.asarray(
            np.interp(azimuth_deg, self.azimuth_deg, self.elevation_deg, period=360.0),
            dtype=np.float64,
        )


@dataclass(frozen=True, eq=False)
class GroundStations:
    """Ground stations as parallel arrays (WGS84 latitude, longitude, height; thresholds).

    ``horizon_mask`` is None or one :class:`HorizonMask` (or None) per station; the
    effective threshold is ``max(min_elevation_deg, mask(azimuth))``.

    >>> stations = GroundStations.from_tuples([(78.23, 15.39, 0.5, 5.0), (-33.9, 18.4, 0.0, 10.0)])
    >>> len(stations), stations.min_elevation_deg.tolist()
    (2, [5.0, 10.0])
    """

    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_km: FloatArray
    min_elevation_deg: FloatArray
    horizon_mask: tuple[HorizonMask | None, ...] | None = None
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        arrays = [
            np.atleast_1d(np.asarray(getattr(self, f), dtype=np.float64)) for f in _STATION_FIELDS
        ]
        n = len(arrays[0])
        if any(a.ndim != 1 or len(a) != n for a in arrays):
            raise ValueError(
                "GroundStations needs 1-D arrays of one length; got shapes "
                + ", ".join(str(a.shape) for a in arrays)
            )
        for name, a in zip(_STATION_FIELDS, arrays, strict=True):
            object.__setattr__(self, name, a)
        lat, _, alt, min_el = arrays
        if np.any(~np.isfinite(np.concatenate(arrays))):
            raise ValueError("GroundStations values must be finite")
        if np.any(np.abs(lat) > 90.0):
            raise ValueError(f"latitudes must lie in [-90, 90] deg, got {lat}")
        if np.any(np.abs(min_el) >= 90.0):
            raise ValueError(f"min_elevation_deg must lie in (-90, 90), got {min_el}")
        if np.any(alt < -0.5) or np.any(alt > 10.0):
            raise ValueError(f"alt_km is the height above the WGS84 ellipsoid in km, got {alt}")
        if self.horizon_mask is not None:
            masks = tuple(self.horizon_mask)
            if len(masks) != n:
                raise ValueError(
                    f"horizon_mask needs one entry per station ({n}), got {len(masks)}"
                )
            object.__setattr__(self, "horizon_mask", masks)
        if self.names and len(self.names) != n:
            raise ValueError(f"names needs one entry per station ({n}), got {len(self.names)}")
        object.__setattr__(self, "names", tuple(self.names))

    @classmethod
    def from_tuples(
        cls,
        rows: Iterable[tuple[float, float, float, float]],
        *,
        horizon_masks: Sequence[HorizonMask | None] | None = None,
        names: Sequence[str] = (),
    ) -> GroundStations:
        """Stations from ``(lat_deg, lon_deg, alt_km, min_elevation_deg)`` tuples."""
        table = np.asarray(list(rows), dtype=np.float64).reshape(-1, 4)
        masks = None if horizon_masks is None else tuple(horizon_masks)
        return cls(table[:, 0], table[:, 1], table[:, 2], table[:, 3], masks, tuple(names))

    def __len__(self) -> int:
        return int(self.lat_deg.shape[0])

    def threshold_deg(self, station: IntArray, azimuth_deg: FloatArray) -> FloatArray:
        """Effective elevation threshold (deg) of ``station`` rows looking at ``azimuth_deg``."""
        out = self.min_elevation_deg[station].copy()
        if self.horizon_mask is not None:
            for s, mask in enumerate(self.horizon_mask):
                if mask is None:
                    continue
                rows = station == s
                if rows.any():
                    out[rows] = np.maximum(out[rows], mask.elevation_at(azimuth_deg[rows]))
        return out

    def _masked(self) -> BoolArray:
        if self.horizon_mask is None:
            return np.zeros(len(self), dtype=bool)
        return np.array([m is not None for m in self.horizon_mask], dtype=bool)

    def _lowest_threshold_deg(self) -> FloatArray:
        """Per station, the lowest threshold over all azimuths (the superset search's)."""
        out = self.min_elevation_deg.copy()
        if self.horizon_mask is not None:
            for s, mask in enumerate(self.horizon_mask):
                if mask is not None:
                    out[s] = max(out[s], float(mask.elevation_deg.min()))
        return out


# --- result ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Passes:
    """Passes as a struct of arrays, sorted by AOS; times are UTC ``datetime64[us]``.

    ``starts_in_progress`` marks passes already under way at the window's start
    (their ``aos`` is the start), ``ends_in_progress`` those still under way at its
    stop (their ``los`` is the stop).  ``failed_ids`` lists satellites left out
    because SGP4 failed for them, with the first ``failed_errors`` code each.
    """

    satellite_id: IntArray
    station: IntArray
    aos: NDArray[np.datetime64]
    tca: NDArray[np.datetime64]
    los: NDArray[np.datetime64]
    max_elevation_deg: FloatArray
    aos_azimuth_deg: FloatArray
    tca_azimuth_deg: FloatArray
    los_azimuth_deg: FloatArray
    starts_in_progress: BoolArray
    ends_in_progress: BoolArray
    start: datetime
    stop: datetime
    failed_ids: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    failed_errors: NDArray[np.uint8] = field(default_factory=lambda: np.zeros(0, np.uint8))

    def __len__(self) -> int:
        return int(self.satellite_id.shape[0])

    @property
    def duration_s(self) -> FloatArray:
        """LOS − AOS in seconds (clipped passes count only their part inside the window)."""
        return np.asarray((self.los - self.aos) / np.timedelta64(1, "us") * 1e-6, np.float64)

    def datetimes(self, event: PassEvent) -> list[datetime]:
        """The ``aos``, ``tca`` or ``los`` times as timezone-aware UTC datetimes."""
        times = {"aos": self.aos, "tca": self.tca, "los": self.los}[event]
        return [t.astype(datetime).replace(tzinfo=UTC) for t in times]

    def records(self, station_names: Sequence[str] = ()) -> list[dict[str, Any]]:
        """One JSON-ready dict per pass (times as ISO 8601 UTC strings ending in ``Z``).

        ``station_names`` (e.g. ``GroundStations.names``) adds a ``station_name`` field.
        """
        iso = {
            e: np.datetime_as_string(getattr(self, e), unit="ms", timezone="UTC")
            for e in ("aos", "tca", "los")
        }
        out: list[dict[str, Any]] = []
        for i in range(len(self)):
            row: dict[str, Any] = {
                "satellite_id": int(self.satellite_id[i]),
                "station": int(self.station[i]),
            }
            if station_names:
                row["station_name"] = station_names[int(self.station[i])]
            row.update(
                aos=str(iso["aos"][i]),
                tca=str(iso["tca"][i]),
                los=str(iso["los"][i]),
                duration_s=round(float(self.duration_s[i]), 3),
                max_elevation_deg=round(float(self.max_elevation_deg[i]), 4),
                aos_azimuth_deg=round(float(self.aos_azimuth_deg[i]), 4),
                tca_azimuth_deg=round(float(self.tca_azimuth_deg[i]), 4),
                los_azimuth_deg=round(float(self.los_azimuth_deg[i]), 4),
                starts_in_progress=bool(self.starts_in_progress[i]),
                ends_in_progress=bool(self.ends_in_progress[i]),
            )
            out.append(row)
        return out

    def subset(self, selector: ArrayLike) -> Passes:
        """The passes picked by a boolean mask or an index array (failures are kept)."""
        index = np.asarray(selector)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        return Passes(
            satellite_id=self.satellite_id[index],
            station=self.station[index],
            aos=self.aos[index],
            tca=self.tca[index],
            los=self.los[index],
            max_elevation_deg=self.max_elevation_deg[index],
            aos_azimuth_deg=self.aos_azimuth_deg[index],
            tca_azimuth_deg=self.tca_azimuth_deg[index],
            los_azimuth_deg=self.los_azimuth_deg[index],
            starts_in_progress=self.starts_in_progress[index],
            ends_in_progress=self.ends_in_progress[index],
            start=self.start,
            stop=self.stop,
            failed_ids=self.failed_ids,
            failed_errors=self.failed_errors,
        )

    def messages(self) -> dict[int, str]:
        """SGP4 error message of each left-out satellite, by catalog number."""
        return {
            int(i): SGP4_ERRORS.get(int(e), f"SGP4 error {int(e)}")
            for i, e in zip(self.failed_ids, self.failed_errors, strict=True)
        }


# --- time and frames ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    """Seconds ``tau`` from the window start on the UTC Julian-date scale SGP4 uses."""

    jd0: float
    fr0: float
    step_s: float
    tau_grid: FloatArray  # (T,), from -step to span + step
    time: Time
    rotation: FloatArray  # (T, 3, 3) TEME -> ITRS on the grid
    theta_dot: FloatArray  # (T,) GMST rate, rad/s

    @classmethod
    def build(cls, start: datetime, span_s: float, step_s: float) -> _Clock:
        n_steps = max(1, math.ceil(span_s / step_s - 1e-9))
        h = span_s / n_steps
        tau = (np.arange(n_steps + 3, dtype=np.float64) - 1.0) * h
        ts = timescale()
        base = ts.from_datetime(start)
        time = ts.tt_jd(base.whole, base.tt_fraction + tau / DAY_S)
        jd, fr = sgp4_epoch(base)
        _, theta_dot = theta_GMST1982(time.whole, time.ut1_fraction)
        return cls(
            jd0=float(jd[0]),
            fr0=float(fr[0]),
            step_s=h,
            tau_grid=tau,
            time=time,
            rotation=teme_to_itrs_matrix(time),
            theta_dot=np.atleast_1d(np.asarray(theta_dot, np.float64)) / DAY_S,
        )

    def to_itrs(
        self, tau: FloatArray, r_teme: FloatArray, v_teme: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """TEME states at arbitrary ``tau`` to ITRS (velocity relative to the Earth)."""
        k = np.clip(np.rint(tau / self.step_s) + 1, 0, len(self.tau_grid) - 1).astype(np.intp)
        w = self.theta_dot[k]
        dtheta = w * (tau - self.tau_grid[k])
        c, s = np.cos(dtheta), np.sin(dtheta)
        # M(t) = W · Rz(θ_k + Δθ) = M_k · Rz(Δθ), as z rotations commute.
        m = self.rotation[k]
        r1 = np.empty_like(r_teme)
        r1[:, 0] = c * r_teme[:, 0] + s * r_teme[:, 1]
        r1[:, 1] = c * r_teme[:, 1] - s * r_teme[:, 0]
        r1[:, 2] = r_teme[:, 2]
        v1 = np.empty_like(v_teme)
        v1[:, 0] = c * v_teme[:, 0] + s * v_teme[:, 1]
        v1[:, 1] = c * v_teme[:, 1] - s * v_teme[:, 0]
        v1[:, 2] = v_teme[:, 2]
        r: FloatArray = np.einsum("mij,mj->mi", m, r1)
        v: FloatArray = np.einsum("mij,mj->mi", m, v1)
        v[:, 0] += w * r[:, 1]
        v[:, 1] -= w * r[:, 0]
        return r, v

    def datetime64(self, start: datetime, tau: FloatArray) -> NDArray[np.datetime64]:
        base = np.datetime64(start.replace(tzinfo=None), "us")
        out: NDArray[np.datetime64] = base + np.rint(tau * 1e6).astype(np.int64).astype(
            "timedelta64[us]"
        )
        return out


@dataclass
class _Sample:
    g_km: FloatArray
    g_dot_km_s: FloatArray
    el_deg: FloatArray
    el_dot_deg_s: FloatArray
    az_deg: FloatArray


class _Sky:
    """Direct SGP4 + topocentric evaluation for (satellite, station, time) triples of a chunk."""

    def __init__(
        self, satrecs: Sequence[Any], clock: _Clock, stations: GroundStations, geometry: _Geometry
    ) -> None:
        self.satrecs = satrecs
        self.clock = clock
        self.stations = stations
        self.geometry = geometry
        self.error = np.zeros(len(satrecs), np.uint8)

    def sample(self, sat: IntArray, sta: IntArray, tau: FloatArray) -> _Sample:
        m = len(tau)
        order = np.argsort(sat, kind="stable")
        s_sorted = sat[order]
        cuts = np.flatnonzero(np.diff(s_sorted)) + 1
        jd = np.full(m, self.clock.jd0)
        fr = self.clock.fr0 + tau[order] / DAY_S
        r_sorted = np.empty((m, 3))
        v_sorted = np.empty((m, 3))
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, m], strict=True):
            if a == b:
                continue
            row = int(s_sorted[a])
            e, r, v = self.satrecs[row].sgp4_array(jd[a:b], fr[a:b])
            r_sorted[a:b] = r
            v_sorted[a:b] = v
            if np.any(e) and not self.error[row]:
                self.error[row] = e[e != 0][0]
        r_teme = np.empty_like(r_sorted)
        v_teme = np.empty_like(v_sorted)
        r_teme[order] = r_sorted
        v_teme[order] = v_sorted
        r_itrs, v_itrs = self.clock.to_itrs(tau, r_teme, v_teme)
        enu = self.geometry.enu[sta]
        loc = np.einsum("mij,mj->mi", enu, r_itrs - self.geometry.station_itrs[sta])
        locv = np.einsum("mij,mj->mi", enu, v_itrs)
        rho = np.sqrt(np.einsum("ij,ij->i", loc, loc))
        rho_dot = np.einsum("ij,ij->i", loc, locv) / rho
        up, up_dot = loc[:, 2], locv[:, 2]
        sin_el = np.clip(up / rho, -1.0, 1.0)
        cos_el = np.sqrt(1.0 - sin_el * sin_el)
        el_dot = (up_dot - sin_el * rho_dot) / (rho * np.maximum(cos_el, 1e-12))
        s = self.geometry.sin_lo[sta]
        return _Sample(
            g_km=up - s * rho,
            g_dot_km_s=up_dot - s * rho_dot,
            el_deg=np.degrees(np.arcsin(sin_el)),
            el_dot_deg_s=np.degrees(el_dot),
            az_deg=np.degrees(np.arctan2(loc[:, 0], loc[:, 1])) % 360.0,
        )

    def above_mask_deg(self, sat: IntArray, sta: IntArray, tau: FloatArray) -> FloatArray:
        """Elevation above the station's full threshold (mask included), deg."""
        x = self.sample(sat, sta, tau)
        return x.el_deg - self.stations.threshold_deg(sta, x.az_deg)


# --- searches -------------------------------------------------------------------------------


def _refine_roots(
    sky: _Sky,
    sat: IntArray,
    sta: IntArray,
    lo: FloatArray,
    hi: FloatArray,
    g_lo: FloatArray,
    g_hi: FloatArray,
    tol_s: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Roots of the clearance ``g`` in brackets whose ends differ in sign.

    Newton on ``g`` with its analytic rate, falling back to bisection whenever a
    step would leave the bracket.  Returns the roots and the elevation rate and
    azimuth at the last time evaluated (within ``tol_s`` of the root).
    """
    lo, hi = lo.copy(), hi.copy()
    up_lo = g_lo > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        x = lo + (hi - lo) * g_lo / (g_lo - g_hi)  # the chord's root as first guess
    x = np.where((x > lo) & (x < hi), x, 0.5 * (lo + hi))
    root = x.copy()
    el_dot = np.full(len(x), np.nan)
    az = np.full(len(x), np.nan)
    active = np.arange(len(x))
    for _ in range(60):
        if len(active) == 0:
            break
        xa = x[active]
        p = sky.sample(sat[active], sta[active], xa)
        to_lo = (p.g_km > 0) == up_lo[active]
        lo[active] = la = np.where(to_lo, xa, lo[active])
        hi[active] = ha = np.where(to_lo, hi[active], xa)
        with np.errstate(invalid="ignore", divide="ignore"):
            nxt = xa - p.g_km / p.g_dot_km_s
        nxt = np.where((nxt > la) & (nxt < ha), nxt, 0.5 * (la + ha))
        root[active] = np.where(p.g_km == 0, xa, nxt)
        el_dot[active] = p.el_dot_deg_s
        az[active] = p.az_deg
        x[active] = nxt
        done = (np.abs(nxt - xa) < tol_s) | (ha - la < tol_s) | (p.g_km == 0) | ~np.isfinite(nxt)
        active = active[~done]
    return root, el_dot, az


def _maximize_elevation(
    sky: _Sky,
    sat: IntArray,
    sta: IntArray,
    a: FloatArray,
    b: FloatArray,
    fa: FloatArray,
    fb: FloatArray,
    tol_s: float,
) -> FloatArray:
    """Time of maximum elevation in ``[a, b]``, given elevation rates ``fa > 0 > fb`` there.

    The Illinois method (regula falsi that halves the value kept at an end which
    survives twice) on the elevation rate, to ``tol_s``.
    """
    a, b, fa, fb = a.copy(), b.copy(), fa.copy(), fb.copy()
    side = np.zeros(len(a), np.int8)
    x_prev, f_prev = a.copy(), fa.copy()
    out = 0.5 * (a + b)
    active = np.arange(len(a))
    for _ in range(80):
        if len(active) == 0:
            break
        aa, bb, ffa, ffb = a[active], b[active], fa[active], fb[active]
        with np.errstate(invalid="ignore", divide="ignore"):
            x = bb - ffb * (bb - aa) / (ffb - ffa)
        x = np.where((x > aa) & (x < bb), x, 0.5 * (aa + bb))
        f = sky.sample(sat[active], sta[active], x).el_dot_deg_s
        right = f < 0  # x replaces b
        sd = side[active]
        fa[active] = np.where(right, np.where(sd == -1, 0.5 * ffa, ffa), f)
        fb[active] = np.where(right, f, np.where(sd == 1, 0.5 * ffb, ffb))
        a[active] = na = np.where(right, aa, x)
        b[active] = nb = np.where(right, x, bb)
        side[active] = np.where(right, -1, 1)
        # Stop when the secant through the last two points moves less than tol_s.
        xp, fp = x_prev[active], f_prev[active]
        with np.errstate(invalid="ignore", divide="ignore"):
            step = -f * (x - xp) / (f - fp)
        done = (np.abs(step) < tol_s) | (nb - na < tol_s) | (f == 0) | ~np.isfinite(f)
        out[active] = np.where(np.abs(step) < tol_s, np.clip(x + step, na, nb), x)
        x_prev[active], f_prev[active] = x, f
        active = active[~done]
    return out


def _margins_km(
    catalog: Catalog, station_itrs: FloatArray, sin_lo: FloatArray, step_s: float
) -> FloatArray:
    """Near-miss margin ``C·h²/8`` (km) per satellite and station; see the module docstring."""
    r_p = WGS72_RADIUS_KM + catalog.perigee_km
    r_a = WGS72_RADIUS_KM + np.maximum(catalog.apogee_km, catalog.perigee_km)
    semi_major = 0.5 * (r_p + r_a)
    with np.errstate(invalid="ignore", divide="ignore"):
        v_inertial = np.sqrt(WGS72_MU_KM3_S2 * np.maximum(2.0 / r_p - 1.0 / semi_major, 0.0))
        v_max = v_inertial + _OMEGA_RAD_S * r_a  # Earth-fixed speed at most
        # Gravity (J2 adds < 0.2 %), Coriolis and centrifugal acceleration in ITRS.
        a_max = (
            WGS72_MU_KM3_S2 / r_p**2 * 1.002 + 2.0 * _OMEGA_RAD_S * v_max + _OMEGA_RAD_S**2 * r_a
        )
    station_r = np.linalg.norm(station_itrs, axis=-1)
    rho_min = np.maximum(r_p[:, None] - station_r[None, :], _MIN_RANGE_KM)
    s = np.abs(sin_lo)[None, :]
    curvature = a_max[:, None] * (1.0 + s) + s * v_max[:, None] ** 2 / rho_min
    margins: FloatArray = np.nan_to_num(
        _CURVATURE_SAFETY * curvature * step_s * step_s / 8.0, nan=np.inf, posinf=np.inf
    )
    return margins


# --- the search -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Geometry:
    """Station vectors in ITRS for the grid stage."""

    station_itrs: FloatArray  # (S, 3)
    enu: FloatArray  # (S, 3, 3)
    sin_lo: FloatArray  # (S,) sine of the superset threshold
    masked: BoolArray  # (S,)

    def clearance_km(self, clock: _Clock, r_teme: FloatArray) -> FloatArray:
        """``g = up − sin(E)·range`` (km) on the grid, shape (n, S, T)."""
        r: FloatArray = np.einsum("tij,ntj->nit", clock.rotation, r_teme)  # (n, 3, T) ITRS
        normals = self.enu[:, 2, :]
        g: FloatArray = np.matmul(normals, r)
        g -= np.einsum("sj,sj->s", normals, self.station_itrs)[:, None]
        ranged = np.flatnonzero(self.sin_lo != 0.0)
        if len(ranged):
            st = self.station_itrs[ranged]
            rho2 = np.matmul(st, r)
            rho2 *= -2.0
            rho2 += np.einsum("nit,nit->nt", r, r)[:, None, :]
            rho2 += np.einsum("sj,sj->s", st, st)[:, None]
            rho = np.sqrt(np.maximum(rho2, 0.0, out=rho2), out=rho2)
            rho *= self.sin_lo[ranged][:, None]
            g[:, ranged] -= rho
        return g


def find_passes(
    catalog: Catalog,
    stations: GroundStations,
    start: datetime,
    stop: datetime,
    *,
    step_s: float = _DEFAULT_STEP_S,
    tol_s: float = 1e-3,
    mask_step_s: float = 5.0,
    chunk_cells: int = _DEFAULT_CHUNK_CELLS,
) -> Passes:
    """Every pass of every satellite in ``catalog`` over every station from ``start`` to ``stop``.

    ``step_s`` is the coarse grid step (the module docstring says what it
    guarantees), ``tol_s`` the accuracy of AOS and LOS, ``mask_step_s`` the
    sampling of horizon masks inside a pass, and ``chunk_cells`` how many
    satellite × station × grid-time cells are held at once (about 40 bytes each).
    """
    start = require_utc(start, "start")
    stop = require_utc(stop, "stop")
    if not stop > start:
        raise ValueError(f"stop {stop.isoformat()} must be after start {start.isoformat()}")
    if not (step_s > 0 and tol_s > 0 and mask_step_s > 0):
        raise ValueError(
            f"step_s, tol_s and mask_step_s must be positive, got {step_s}, {tol_s}, {mask_step_s}"
        )
    span_s = (stop - start).total_seconds()
    clock = _Clock.build(start, span_s, step_s)
    station_itrs = geodetic_to_itrs(stations.lat_deg, stations.lon_deg, stations.alt_km)
    geometry = _Geometry(
        station_itrs=station_itrs,
        enu=enu_matrix(stations.lat_deg, stations.lon_deg),
        sin_lo=np.sin(np.radians(stations._lowest_threshold_deg())),
        masked=stations._masked(),
    )
    margins = _margins_km(catalog, station_itrs, geometry.sin_lo, clock.step_s)

    cells_per_sat = max(1, len(clock.tau_grid) * len(stations))
    chunk = max(1, chunk_cells // cells_per_sat)
    parts: list[dict[str, NDArray[Any]]] = []
    failed_ids: list[int] = []
    failed_errors: list[int] = []
    for rows, err, r_teme, _v in iter_propagate(catalog, clock.time, chunk):
        ids = catalog.ids[rows]
        sky = _Sky(catalog.satrecs[rows], clock, stations, geometry)
        bad = err.any(axis=1)
        sky.error[bad] = [e[e != 0][0] for e in err[bad]]
        if len(stations) and not bad.all():
            g = geometry.clearance_km(clock, r_teme)
            g[bad] = -np.inf
            part = _chunk_passes(sky, g, margins[rows], span_s, tol_s, mask_step_s)
            keep = sky.error[part["sat"]] == 0  # failures found while refining, too
            part = {k: v[keep] for k, v in part.items()}
            part["sat"] = ids[part["sat"]]
            parts.append(part)
        for row in np.flatnonzero(sky.error):
            failed_ids.append(int(ids[row]))
            failed_errors.append(int(sky.error[row]))

    if not parts:
        parts.append(_empty_part())
    merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((merged["sta"], merged["sat"], merged["aos"]))
    m = {k: v[order] for k, v in merged.items()}
    return Passes(
        satellite_id=m["sat"].astype(np.int64),
        station=m["sta"].astype(np.int64),
        aos=clock.datetime64(start, m["aos"]),
        tca=clock.datetime64(start, m["tca"]),
        los=clock.datetime64(start, m["los"]),
        max_elevation_deg=m["el_tca"],
        aos_azimuth_deg=m["az_aos"],
        tca_azimuth_deg=m["az_tca"],
        los_azimuth_deg=m["az_los"],
        starts_in_progress=m["clip_aos"],
        ends_in_progress=m["clip_los"],
        start=start,
        stop=stop,
        failed_ids=np.array(failed_ids, dtype=np.int64),
        failed_errors=np.array(failed_errors, dtype=np.uint8),
    )


def _empty_part() -> dict[str, NDArray[Any]]:
    f, i, b = np.zeros(0), np.zeros(0, np.int64), np.zeros(0, bool)
    return {
        "sat": i, "sta": i, "aos": f, "tca": f, "los": f, "el_tca": f, "az_aos": f,
        "az_tca": f, "az_los": f, "clip_aos": b, "clip_los": b,
    }


def _near_misses(
    sky: _Sky, g: FloatArray, margins: FloatArray
) -> tuple[IntArray, IntArray, IntArray, FloatArray, FloatArray]:
    """Passes hiding between grid points: ``(sat, sta, grid index, peak time, peak g)``."""
    tau = sky.clock.tau_grid
    mid = g[..., 1:-1]
    cand = (mid <= 0) & (mid > g[..., :-2]) & (mid >= g[..., 2:]) & (mid > -margins[..., None])
    hits = np.argwhere(cand)
    sat, sta, j = hits[:, 0], hits[:, 1], hits[:, 2] + 1
    lo, hi = tau[j - 1], tau[j + 1]
    n = len(j)
    rate = sky.sample(np.r_[sat, sat], np.r_[sta, sta], np.r_[lo, hi]).el_dot_deg_s
    fa, fb = rate[:n], rate[n:]
    peaked = np.flatnonzero((fa > 0) & (fb < 0))
    sat, sta, j = sat[peaked], sta[peaked], j[peaked]
    t_peak = _maximize_elevation(
        sky, sat, sta, lo[peaked], hi[peaked], fa[peaked], fb[peaked], _TCA_TOL_S
    )
    g_peak = sky.sample(sat, sta, t_peak).g_km
    up = g_peak > 0
    return sat[up], sta[up], j[up], t_peak[up], g_peak[up]


def _chunk_passes(
    sky: _Sky,
    g: FloatArray,
    margins: FloatArray,
    span_s: float,
    tol_s: float,
    mask_step_s: float,
) -> dict[str, NDArray[Any]]:
    """Passes of one satellite chunk from its grid clearance ``g`` (n, S, T)."""
    tau = sky.clock.tau_grid
    n_sta, n_times = g.shape[1], g.shape[2]
    g_rows = g.reshape(-1, n_times)

    # Runs of grid points above the threshold (starts and ends pair up in C order): the
    # AOS lies in [k_on - 1, k_on] and the LOS in [k_off - 1, k_off], except where a run
    # touches the grid's ends (the pass is under way there, one step outside the window).
    edges = np.diff((g > 0).view(np.int8), axis=-1, prepend=0, append=0)
    rise = np.argwhere(edges == 1)
    run_sat, run_sta, k_on = rise[:, 0], rise[:, 1], rise[:, 2]
    k_off = np.argwhere(edges == -1)[:, 2]
    run_row = run_sat * n_sta + run_sta
    ka, kl = np.maximum(k_on, 1), np.minimum(k_off, n_times - 1)
    # Passes between grid points: AOS in [j - 1, peak], LOS in [peak, j + 1].
    near_sat, near_sta, j, peak, g_peak = _near_misses(sky, g, margins)
    near_row = near_sat * n_sta + near_sta

    sat, sta = np.r_[run_sat, near_sat], np.r_[run_sta, near_sta]
    peak_all = np.r_[np.full(len(rise), np.nan), peak]
    ia = np.flatnonzero(np.r_[k_on > 0, np.ones(len(j), bool)])
    il = np.flatnonzero(np.r_[k_off < n_times, np.ones(len(j), bool)])
    aos_lo, aos_hi = np.r_[tau[ka - 1], tau[j - 1]], np.r_[tau[ka], peak]
    aos_glo = np.r_[g_rows[run_row, ka - 1], g_rows[near_row, j - 1]]
    aos_ghi = np.r_[g_rows[run_row, ka], g_peak]
    los_lo, los_hi = np.r_[tau[kl - 1], peak], np.r_[tau[kl], tau[j + 1]]
    los_glo = np.r_[g_rows[run_row, kl - 1], g_peak]
    los_ghi = np.r_[g_rows[run_row, kl], g_rows[near_row, j + 1]]
    roots, rates, azimuths = _refine_roots(
        sky,
        np.r_[sat[ia], sat[il]],
        np.r_[sta[ia], sta[il]],
        np.r_[aos_lo[ia], los_lo[il]],
        np.r_[aos_hi[ia], los_hi[il]],
        np.r_[aos_glo[ia], los_glo[il]],
        np.r_[aos_ghi[ia], los_ghi[il]],
        tol_s,
    )
    n, na = len(sat), len(ia)
    aos, los = np.full(n, -np.inf), np.full(n, np.inf)
    rate_a, rate_b, az_a, az_b = (np.full(n, np.nan) for _ in range(4))
    aos[ia], rate_a[ia], az_a[ia] = roots[:na], rates[:na], azimuths[:na]
    los[il], rate_b[il], az_b[il] = roots[na:], rates[na:], azimuths[na:]

    # Clip to the window; evaluate the clipped ends.
    inside = np.flatnonzero((los > 0.0) & (aos < span_s))
    sat, sta, aos, los, peak_all = (x[inside] for x in (sat, sta, aos, los, peak_all))
    rate_a, rate_b, az_a, az_b = (x[inside] for x in (rate_a, rate_b, az_a, az_b))
    clip_a, clip_b = aos < 0.0, los > span_s
    a, b = np.maximum(aos, 0.0), np.minimum(los, span_s)
    ca, cb = np.flatnonzero(clip_a), np.flatnonzero(clip_b)
    if len(ca) + len(cb):
        e = sky.sample(np.r_[sat[ca], sat[cb]], np.r_[sta[ca], sta[cb]], np.r_[a[ca], b[cb]])
        rate_a[ca], az_a[ca] = e.el_dot_deg_s[: len(ca)], e.az_deg[: len(ca)]
        rate_b[cb], az_b[cb] = e.el_dot_deg_s[len(ca) :], e.az_deg[len(ca) :]

    # Culmination: known for near misses, else where the elevation rate changes sign.
    tca = np.where(rate_a <= 0, a, b)
    near = np.isfinite(peak_all)
    tca[near] = np.clip(peak_all[near], a[near], b[near])
    todo = np.flatnonzero(~near & (rate_a > 0) & (rate_b < 0))
    tca[todo] = _maximize_elevation(
        sky, sat[todo], sta[todo], a[todo], b[todo], rate_a[todo], rate_b[todo], _TCA_TOL_S
    )

    # Horizon masks: keep the parts of each superset pass that clear the mask.
    on_mask = sky.geometry.masked[sta]
    plain = np.flatnonzero(~on_mask)
    sub = _mask_passes(
        sky, sat[on_mask], sta[on_mask], a[on_mask], b[on_mask], tca[on_mask],
        clip_a[on_mask], clip_b[on_mask], tol_s, mask_step_s,
    )
    m_sat, m_sta, m_a, m_tca, m_b, m_clip_a, m_clip_b = sub
    n_plain, n_mask = len(plain), len(m_sat)
    final = sky.sample(
        np.r_[sat[plain], m_sat, m_sat, m_sat],
        np.r_[sta[plain], m_sta, m_sta, m_sta],
        np.r_[tca[plain], m_tca, m_a, m_b],
    )
    n_tca = n_plain + n_mask
    return {
        "sat": np.r_[sat[plain], m_sat],
        "sta": np.r_[sta[plain], m_sta],
        "aos": np.r_[a[plain], m_a],
        "tca": np.r_[tca[plain], m_tca],
        "los": np.r_[b[plain], m_b],
        "el_tca": final.el_deg[:n_tca],
        "az_aos": np.r_[az_a[plain], final.az_deg[n_tca : n_tca + n_mask]],
        "az_tca": final.az_deg[:n_tca],
        "az_los": np.r_[az_b[plain], final.az_deg[n_tca + n_mask :]],
        "clip_aos": np.r_[clip_a[plain], m_clip_a],
        "clip_los": np.r_[clip_b[plain], m_clip_b],
    }


def _mask_passes(
    sky: _Sky,
    sat: IntArray,
    sta: IntArray,
    a: FloatArray,
    b: FloatArray,
    tca: FloatArray,
    clip_a: BoolArray,
    clip_b: BoolArray,
    tol_s: float,
    mask_step_s: float,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray, BoolArray, BoolArray]:
    """Parts of superset passes ``[a, b]`` where the elevation clears the horizon mask.

    Each pass is sampled every ``mask_step_s`` at most; sign changes are bisected
    (a mask's corners make Newton unsafe).  The culmination of a part is the
    superset's culmination clamped into it: elevation rises then falls.
    """
    counts = np.maximum(np.ceil((b - a) / mask_step_s), 1).astype(np.int64) + 1
    owner = np.repeat(np.arange(len(a)), counts)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    last = counts[owner] - 1
    t = a[owner] + (b - a)[owner] * (k / np.maximum(last, 1))
    up = sky.above_mask_deg(sat[owner], sta[owner], t) > 0
    first_k, last_k = k == 0, k == last
    prev_up = np.r_[False, up[:-1]] & ~first_k
    next_up = np.r_[up[1:], False] & ~last_k
    on = np.flatnonzero(up & ~prev_up)
    off = np.flatnonzero(up & ~next_up)
    p = owner[on]
    bis_a, bis_b = np.flatnonzero(~first_k[on]), np.flatnonzero(~last_k[off])
    lo = np.r_[t[on[bis_a] - 1], t[off[bis_b]]]
    hi = np.r_[t[on[bis_a]], t[off[bis_b] + 1]]
    rising = np.r_[np.ones(len(bis_a), bool), np.zeros(len(bis_b), bool)]
    q_sat = np.r_[sat[p[bis_a]], sat[p[bis_b]]]
    q_sta = np.r_[sta[p[bis_a]], sta[p[bis_b]]]
    width = float(np.max(hi - lo, initial=0.0))
    for _ in range(max(0, math.ceil(math.log2(max(width, tol_s) / tol_s)))):
        mid = 0.5 * (lo + hi)
        move_hi = (sky.above_mask_deg(q_sat, q_sta, mid) > 0) == rising
        hi = np.where(move_hi, mid, hi)
        lo = np.where(move_hi, lo, mid)
    root = 0.5 * (lo + hi)
    sub_a, sub_b = t[on], t[off]
    sub_a[bis_a] = root[: len(bis_a)]
    sub_b[bis_b] = root[len(bis_a) :]
    return (
        sat[p],
        sta[p],
        sub_a,
        np.clip(tca[p], sub_a, sub_b),
        sub_b,
        clip_a[p] & first_k[on],
        clip_b[p] & last_k[off],
    )
