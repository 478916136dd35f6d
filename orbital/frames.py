"""Vectorised frame conversions: TEME to GCRS, ITRS and WGS84 geodetic, and station views.

Rotations come from skyfield's frame definitions evaluated once per time and
applied to whole satellite × time arrays, so results agree with skyfield's own
``EarthSatellite`` to rounding.  TEME → ITRS is ``W(t) · Rz(−θ_GMST82(UT1))``
(AIAA 2006-6753 Appendix C), with polar motion ``W`` from the shipped IERS table.

Vectors have shape ``(..., T, 3)``: any leading axes (usually satellites), then time.

>>> import numpy as np
>>> lat, lon, h = itrs_to_geodetic(geodetic_to_itrs(np.array(37.5), np.array(127.0),
...                                                  np.array(0.1)))
>>> float(np.round(lat, 9)), float(np.round(lon, 9)), float(np.round(h, 9))
(37.5, 127.0, 0.1)
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray
from skyfield.sgp4lib import TEME, theta_GMST1982
from skyfield.timelib import Time

from cosmo_agent.orbital.constants import WGS84_FLATTENING, WGS84_RADIUS_KM
from cosmo_agent.orbital.timescales import DAY_S

__all__ = [
    "WGS84_A_KM",
    "WGS84_F",
    "enu_matrix",
    "geodetic_to_itrs",
    "itrs_to_geodetic",
    "rotate",
    "teme_to_gcrs",
    "teme_to_gcrs_matrix",
    "teme_to_itrs",
    "teme_to_itrs_matrix",
    "topocentric",
]

WGS84_A_KM: Final = WGS84_RADIUS_KM
"""Alias of :data:`~cosmo_agent.orbital.constants.WGS84_RADIUS_KM`."""
WGS84_F: Final = WGS84_FLATTENING
"""Alias of :data:`~cosmo_agent.orbital.constants.WGS84_FLATTENING`."""
_E2 = WGS84_F * (2.0 - WGS84_F)

FloatArray = NDArray[np.float64]


def _as_time_stack(matrix: FloatArray) -> FloatArray:
    """skyfield returns (3, 3) or (3, 3, T); we use (T, 3, 3)."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim == 2:
        return m[np.newaxis]
    return np.ascontiguousarray(np.moveaxis(m, -1, 0))


def _times(t: Time) -> Time:
    if np.ndim(t.tt) == 0:
        return t.ts.tt_jd(np.atleast_1d(t.whole), np.atleast_1d(t.tt_fraction))
    return t


def teme_to_gcrs_matrix(t: Time) -> FloatArray:
    """Rotation matrices (T, 3, 3) taking TEME vectors to GCRS."""
    t = _times(t)
    return np.ascontiguousarray(np.swapaxes(_as_time_stack(TEME.rotation_at(t)), -1, -2))


def _gmst82(t: Time) -> tuple[FloatArray, FloatArray]:
    theta, theta_dot = theta_GMST1982(t.whole, t.ut1_fraction)
    return np.atleast_1d(theta), np.atleast_1d(theta_dot) / DAY_S


def teme_to_itrs_matrix(t: Time) -> FloatArray:
    """Rotation matrices (T, 3, 3) taking TEME vectors to ITRS."""
    t = _times(t)
    theta, _ = _gmst82(t)
    c, s = np.cos(theta), np.sin(theta)
    rz = np.zeros((len(theta), 3, 3))
    rz[:, 0, 0] = c
    rz[:, 0, 1] = s
    rz[:, 1, 0] = -s
    rz[:, 1, 1] = c
    rz[:, 2, 2] = 1.0
    w = _as_time_stack(t.polar_motion_matrix())
    if w.shape[0] == 1 and len(theta) > 1:
        w = np.broadcast_to(w, rz.shape)
    return np.asarray(np.einsum("tij,tjk->tik", w, rz))


def rotate(matrix: FloatArray, vectors: FloatArray) -> FloatArray:
    """Apply per-time matrices (T, 3, 3) to vectors (..., T, 3)."""
    return np.asarray(np.einsum("tij,...tj->...ti", matrix, vectors))


def teme_to_gcrs(
    r_km: FloatArray, v_km_s: FloatArray, t: Time
) -> tuple[FloatArray, FloatArray]:
    """TEME position and velocity to GCRS (the slow frame rotation's rate is neglected)."""
    m = teme_to_gcrs_matrix(t)
    return rotate(m, r_km), rotate(m, v_km_s)


def teme_to_itrs(
    r_km: FloatArray, v_km_s: FloatArray, t: Time
) -> tuple[FloatArray, FloatArray]:
    """TEME position and velocity to Earth-fixed ITRS, including Earth's rotation in velocity."""
    t = _times(t)
    m = teme_to_itrs_matrix(t)
    _, theta_dot = _gmst82(t)
    r_itrs = rotate(m, r_km)
    # v_ITRS = M v_TEME - ω × r_ITRS with ω along +z (polar motion's effect on ω is negligible).
    v_itrs = rotate(m, v_km_s)
    w = theta_dot[:, np.newaxis]
    v_itrs[..., 0] += w[..., 0] * r_itrs[..., 1]
    v_itrs[..., 1] -= w[..., 0] * r_itrs[..., 0]
    return r_itrs, v_itrs


def itrs_to_geodetic(r_km: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """WGS84 latitude (deg), longitude (deg) and height (km) of ITRS positions (..., 3)."""
    r = np.asarray(r_km, dtype=np.float64)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    p = np.hypot(x, y)
    lon = np.arctan2(y, x)
    lat = np.arctan2(z, p * (1.0 - _E2))
    for _ in range(6):  # converges to < 1e-12 rad for LEO heights within 4 passes
        sin_lat = np.sin(lat)
        n = WGS84_A_KM / np.sqrt(1.0 - _E2 * sin_lat * sin_lat)
        lat = np.arctan2(z + _E2 * n * sin_lat, p)
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - _E2 * sin_lat * sin_lat)
    with np.errstate(invalid="ignore", divide="ignore"):
        height = np.where(
            np.abs(cos_lat) > 1e-10,
            p / cos_lat - n,
            np.abs(z) / np.abs(sin_lat) - n * (1.0 - _E2),
        )
    return np.degrees(lat), np.degrees(lon), height


def geodetic_to_itrs(
    lat_deg: FloatArray, lon_deg: FloatArray, height_km: FloatArray
) -> FloatArray:
    """ITRS position (..., 3) in km of WGS84 geodetic coordinates."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    sin_lat = np.sin(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - _E2 * sin_lat * sin_lat)
    h = np.asarray(height_km, dtype=np.float64)
    return np.stack(
        [
            (n + h) * np.cos(lat) * np.cos(lon),
            (n + h) * np.cos(lat) * np.sin(lon),
            (n * (1.0 - _E2) + h) * sin_lat,
        ],
        axis=-1,
    )


def enu_matrix(lat_deg: FloatArray, lon_deg: FloatArray) -> FloatArray:
    """Rotation matrices (S, 3, 3) from ITRS to local east-north-up at each station."""
    lat = np.radians(np.atleast_1d(lat_deg))
    lon = np.radians(np.atleast_1d(lon_deg))
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    return np.stack(
        [
            np.stack([-so, co, np.zeros_like(so)], axis=-1),
            np.stack([-sl * co, -sl * so, cl], axis=-1),
            np.stack([cl * co, cl * so, sl], axis=-1),
        ],
        axis=-2,
    )


def topocentric(
    r_itrs_km: FloatArray, station_itrs_km: FloatArray, enu: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Azimuth (deg, from north through east), elevation (deg) and range (km).

    ``r_itrs_km`` is (..., 3) for one station whose ITRS position is
    ``station_itrs_km`` (3,) and whose :func:`enu_matrix` is ``enu`` (3, 3).
    Elevation is geometric (no refraction), as skyfield's ``altaz()`` without
    weather arguments.
    """
    d = np.asarray(r_itrs_km) - station_itrs_km
    local = d @ enu.T
    rng = np.linalg.norm(local, axis=-1)
    el = np.degrees(np.arcsin(np.clip(local[..., 2] / rng, -1.0, 1.0)))
    az = np.degrees(np.arctan2(local[..., 0], local[..., 1])) % 360.0
    return az, el, rng
