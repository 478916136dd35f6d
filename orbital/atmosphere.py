"""Thermospheric density for drag estimates: an exponential atmosphere and storm-time drift.

Density follows the exponential atmosphere of Vallado (*Fundamentals of Astrodynamics and
Applications*, table 8-4): piecewise ``rho0 * exp(-(h - h0) / H)`` from 150 to 1000 km and
beyond, heights above the WGS-84 equatorial radius.  Geomagnetic storms heat the thermosphere;
:data:`DENSITY_ENHANCEMENT_BY_G_LEVEL` scales the quiet density per NOAA G level.  Both are
estimates for sizing a warning, not an orbit-determination model.

>>> exponential_density_kg_m3(np.array([400.0, 500.0]))
array([3.725e-12, 6.967e-13])
>>> round(estimate_storm_drift_km(400.0, 3), 1)
27.0
"""

from __future__ import annotations

from typing import overload

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from cosmo_agent.orbital.constants import WGS84_MU_KM3_S2, WGS84_RADIUS_KM

__all__ = [
    "DEFAULT_BALLISTIC_COEFFICIENT_M2_KG",
    "DENSITY_ENHANCEMENT_BY_G_LEVEL",
    "estimate_storm_drift_km",
    "exponential_density_kg_m3",
]

DEFAULT_BALLISTIC_COEFFICIENT_M2_KG = 2.2 * 0.01  # Cd 2.2 x area/mass 0.01 m^2/kg (smallsat)
DENSITY_ENHANCEMENT_BY_G_LEVEL: dict[int, float] = {0: 1.0, 1: 1.2, 2: 1.5, 3: 2.0, 4: 3.0, 5: 5.0}
"""Rough storm/quiet thermospheric density ratio near 400 km per G level (order of magnitude;
e.g. the G5 storm of May 2024 raised LEO densities several-fold). An estimate, not a model."""

# Exponential atmosphere (Vallado, *Fundamentals of Astrodynamics*, table 8-4):
# (base altitude km, nominal density kg/m^3, scale height km).
_EXPONENTIAL_ATMOSPHERE: tuple[tuple[float, float, float], ...] = (
    (150, 2.070e-9, 22.523),
    (180, 5.464e-10, 29.740),
    (200, 2.789e-10, 37.105),
    (250, 7.248e-11, 45.546),
    (300, 2.418e-11, 53.628),
    (350, 9.518e-12, 53.298),
    (400, 3.725e-12, 58.515),
    (450, 1.585e-12, 60.828),
    (500, 6.967e-13, 63.822),
    (600, 1.454e-13, 71.835),
    (700, 3.614e-14, 88.667),
    (800, 1.170e-14, 124.64),
    (900, 5.245e-15, 181.05),
    (1000, 3.019e-15, 268.00),
)
_BASE_KM, _RHO0_KG_M3, _SCALE_HEIGHT_KM = np.array(_EXPONENTIAL_ATMOSPHERE, dtype=np.float64).T


def exponential_density_kg_m3(altitude_km: npt.ArrayLike) -> NDArray[np.float64]:
    """Quiet-time density (kg/m^3) at each altitude: the table row with the highest base not
    above it (below 150 km, the 150 km row extrapolated downward).

    >>> float(exponential_density_kg_m3(400.0)) == 3.725e-12
    True
    """
    height_km = np.asarray(altitude_km, dtype=np.float64)
    row = np.maximum(np.searchsorted(_BASE_KM, height_km, side="right") - 1, 0)
    density: NDArray[np.float64] = _RHO0_KG_M3[row] * np.exp(
        -(height_km - _BASE_KM[row]) / _SCALE_HEIGHT_KM[row]
    )
    return density


@overload
def estimate_storm_drift_km(
    perigee_km: float,
    g: int,
    *,
    ballistic_coefficient_m2_kg: float = ...,
    duration_s: float = ...,
) -> float: ...
@overload
def estimate_storm_drift_km(
    perigee_km: NDArray[np.float64],
    g: int,
    *,
    ballistic_coefficient_m2_kg: float = ...,
    duration_s: float = ...,
) -> NDArray[np.float64]: ...
def estimate_storm_drift_km(
    perigee_km: float | NDArray[np.float64],
    g: int,
    *,
    ballistic_coefficient_m2_kg: float = DEFAULT_BALLISTIC_COEFFICIENT_M2_KG,
    duration_s: float = 86400.0,
) -> float | NDArray[np.float64]:
    """ESTIMATE of the extra along-track drift (km) a G-level storm causes over ``duration_s``.

    Model: circular orbit at perigee, exponential atmosphere density rho (Vallado table 8-4),
    storm adds (f - 1) * rho with f from :data:`DENSITY_ENHANCEMENT_BY_G_LEVEL`. Extra decay
    da/dt = -B * drho * v * a gives a quadratic along-track lag ds = 3/4 * B * drho * v^2 * t^2
    (B = Cd * A / m). Overstates eccentric orbits (perigee density applied all around);
    good to a factor of a few: use it to size a warning, not to plan a manoeuvre.
    A float perigee gives a float, an array of perigees an array.

    >>> round(estimate_storm_drift_km(400.0, 3), 1)
    27.0
    >>> estimate_storm_drift_km(np.array([300.0, 500.0]), 3).round(1)
    array([177.8,   5. ])
    """
    if not 0 <= g <= 5:
        raise ValueError(f"G level must be 0..5, got {g}")
    perigee = np.asarray(perigee_km, dtype=np.float64)
    extra_density = (DENSITY_ENHANCEMENT_BY_G_LEVEL[g] - 1.0) * exponential_density_kg_m3(perigee)
    v2_m2_s2 = WGS84_MU_KM3_S2 / (WGS84_RADIUS_KM + perigee) * 1e6
    drift_km = (
        0.75 * ballistic_coefficient_m2_kg * extra_density * v2_m2_s2 * duration_s**2 / 1000.0
    )
    return float(drift_km) if drift_km.ndim == 0 else drift_km
