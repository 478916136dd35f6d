"""Assumed position/velocity covariances for objects that have only a TLE.

A TLE carries no covariance, yet a probability of collision needs one.  When a
conjunction data message (CDM) is not available, this module supplies a
*default* 1-sigma uncertainty in the object's radial / transverse / normal
(RTN) frame from two things the TLE does tell us: the orbit regime and the age
of the element set.  Every result is labelled ``"assumed-tle-default"`` so that
a Pc computed from it is never mistaken for one computed from a CDM.

>>> cov = default_covariance_rtn_km2(perigee_km=550.0, apogee_km=560.0, age_days=1.0)
>>> cov.source, str(cov.regime)
('assumed-tle-default', 'leo-mid')
>>> [round(float(s), 3) for s in cov.sigma_position_rtn_km]  # R, T, N in km
[0.141, 1.166, 0.255]

The model
---------
Each RTN component grows with the age ``t`` of the element set (days, either
side of the epoch) as a root sum of squares of an at-epoch error and a linear
growth::

    sigma_i(t) = sqrt(sigma0_i**2 + (rate_i * |t|)**2)      i = R, T, N

so along-track (T) errors dominate and grow fastest, as every study of TLE
accuracy finds.  Coefficients per regime (km and km/day):

============  =============================  ==============  ==============  ==============
regime        definition                     R: s0 / rate    T: s0 / rate    N: s0 / rate
============  =============================  ==============  ==============  ==============
``leo-low``   e < 0.1, perigee < 500 km      0.15 / 0.20     0.80 / 2.00     0.30 / 0.10
``leo-mid``   e < 0.1, perigee 500-800 km    0.10 / 0.10     0.60 / 1.00     0.25 / 0.05
``leo-high``  e < 0.1, perigee 800-2000 km   0.10 / 0.05     0.50 / 0.50     0.25 / 0.05
``meo``       e < 0.1, perigee 2000-25000    0.50 / 0.10     2.00 / 0.50     1.00 / 0.10
``geo``       e < 0.1, perigee >= 25000 km   1.00 / 0.20     5.00 / 1.00     2.00 / 0.20
``heo``       e >= 0.1 (GTO, Molniya, ...)   2.00 / 0.50     10.0 / 3.00     2.00 / 0.30
============  =============================  ==============  ==============  ==============

Documented orderings (tested): at the same age, the along-track and total
position uncertainty of the three LEO bands decrease with perigee height
(drag falls off); at epoch, LEO < MEO < GEO < HEO; and every sigma is
non-decreasing in ``|age|``.

Where the numbers come from, and how far to trust them
-------------------------------------------------------
This is an **assumed, approximate** engineering model, not a calibrated one.
The values are rounded figures chosen within the ranges reported in the
literature on TLE accuracy; they do not reproduce any single published table:

* Flohrer, Krag & Klinkrad (2008), "Assessment and categorization of TLE orbit
  errors for the US SSN catalogue", AMOS Conference: at-epoch TLE errors
  categorised, as here, by eccentricity (split at 0.1), perigee height and
  inclination; LEO errors of the order of 0.1 km radial, several hundred
  metres to about a kilometre along-track and a few hundred metres
  cross-track, and much larger errors for high and eccentric orbits.  ESA's
  CRASS uses look-up tables of this kind as the initial TLE covariance.
* Kelso (2007), "Validation of SGP4 and IS-GPS-200D against GPS precision
  ephemerides", AAS 07-127: TLE/SGP4 accuracy of the order of 1 km near
  epoch, degrading with age.
* Vallado & Cefola (2012), "Two-line element sets - practice and use", IAC-12
  C1.6.3: along-track errors of LEO TLEs growing by roughly 1 to 3 km per day,
  fastest at low altitude.

Inclination is ignored (Flohrer et al. also split by it); drag and solar
activity, object type and tracking quality are not modelled, and components
are uncorrelated.  Replace these defaults with covariances from a CDM, or
calibrate them against precise ephemerides or consecutive TLEs, before using
the resulting Pc for a decision.  The 6x6 velocity block is derived from the
position sigmas with Clohessy-Wiltshire amplitude ratios for bounded relative
motion (``sigma_vR = n sigma_T / 2``, ``sigma_vT = 2 n sigma_R``,
``sigma_vN = n sigma_N``, ``n`` the mean motion); it is for completeness, the
2-D Pc of :mod:`cosmo_agent.orbital.collision` uses positions only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.constants import WGS72_MU_KM3_S2, WGS72_RADIUS_KM

__all__ = [
    "REGIME_COEFFICIENTS",
    "AssumedCovariance",
    "CovarianceSource",
    "OrbitRegime",
    "RegimeCoefficients",
    "catalog_default_covariance",
    "default_covariance_rtn_km2",
    "orbit_regime",
]

FloatArray = NDArray[np.float64]

CovarianceSource = Literal["cdm", "given", "assumed-tle-default"]
"""Where a covariance came from.

``"cdm"``
    Read from a conjunction data message (the owner/operator's or the 18th
    SDS's orbit determination).
``"given"``
    Supplied by the caller, provenance unknown to this library.
``"assumed-tle-default"``
    The default model of this module: an assumption, not a measurement.
"""

OrbitRegime = Literal["leo-low", "leo-mid", "leo-high", "meo", "geo", "heo"]
"""Orbit regime used to pick default coefficients (see the module table)."""

_HEO_ECCENTRICITY: Final = 0.1
_LEO_LOW_MAX_KM: Final = 500.0
_LEO_MID_MAX_KM: Final = 800.0
_LEO_MAX_KM: Final = 2000.0
_MEO_MAX_KM: Final = 25000.0


@dataclass(frozen=True)
class RegimeCoefficients:
    """At-epoch 1-sigma (km) and its growth rate (km/day) for R, T and N."""

    sigma0_rtn_km: tuple[float, float, float]
    rate_rtn_km_per_day: tuple[float, float, float]


REGIME_COEFFICIENTS: Final[Mapping[OrbitRegime, RegimeCoefficients]] = MappingProxyType(
    {
        "leo-low": RegimeCoefficients((0.15, 0.80, 0.30), (0.20, 2.00, 0.10)),
        "leo-mid": RegimeCoefficients((0.10, 0.60, 0.25), (0.10, 1.00, 0.05)),
        "leo-high": RegimeCoefficients((0.10, 0.50, 0.25), (0.05, 0.50, 0.05)),
        "meo": RegimeCoefficients((0.50, 2.00, 1.00), (0.10, 0.50, 0.10)),
        "geo": RegimeCoefficients((1.00, 5.00, 2.00), (0.20, 1.00, 0.20)),
        "heo": RegimeCoefficients((2.00, 10.0, 2.00), (0.50, 3.00, 0.30)),
    }
)
"""The assumed coefficients of every regime (see the module docstring for sources)."""

_REGIMES: Final[tuple[OrbitRegime, ...]] = tuple(REGIME_COEFFICIENTS)
_SIGMA0: Final = np.array([REGIME_COEFFICIENTS[r].sigma0_rtn_km for r in _REGIMES])
_RATE: Final = np.array([REGIME_COEFFICIENTS[r].rate_rtn_km_per_day for r in _REGIMES])


@dataclass(frozen=True, eq=False)
class AssumedCovariance:
    """Default RTN covariances, one per object (leading axes as the inputs broadcast).

    ``position_rtn_km2`` (..., 3, 3) is diagonal in R, T, N; ``state_rtn``
    (..., 6, 6) adds the velocity block in km²/s² (position block in km²).
    ``source`` is always ``"assumed-tle-default"``: carry it along with any Pc
    computed from these matrices.
    """

    sigma_position_rtn_km: FloatArray
    sigma_velocity_rtn_km_s: FloatArray
    regime: NDArray[np.str_]
    age_days: FloatArray
    source: CovarianceSource = "assumed-tle-default"

    @property
    def position_rtn_km2(self) -> FloatArray:
        """Position covariance (..., 3, 3) in RTN, km²."""
        s2 = self.sigma_position_rtn_km**2
        out: FloatArray = s2[..., :, np.newaxis] * np.eye(3)
        return out

    @property
    def state_rtn(self) -> FloatArray:
        """Position-velocity covariance (..., 6, 6) in RTN (km², km²/s²)."""
        s = np.concatenate([self.sigma_position_rtn_km, self.sigma_velocity_rtn_km_s], axis=-1)
        out: FloatArray = (s**2)[..., :, np.newaxis] * np.eye(6)
        return out


def _eccentricity(perigee: FloatArray, apogee: FloatArray) -> FloatArray:
    rp = perigee + WGS72_RADIUS_KM
    ra = apogee + WGS72_RADIUS_KM
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((ra - rp) / (ra + rp))


def orbit_regime(
    perigee_km: ArrayLike, apogee_km: ArrayLike, eccentricity: ArrayLike | None = None
) -> NDArray[np.str_]:
    """Regime label of each orbit (heights above the WGS72 equatorial radius).

    The eccentricity is derived from the perigee and apogee heights when not given.

    >>> orbit_regime([420.0, 20180.0, 35780.0, 300.0], [425.0, 20200.0, 35790.0, 35800.0])
    array(['leo-low', 'meo', 'geo', 'heo'], dtype='<U8')
    """
    perigee = np.asarray(perigee_km, dtype=np.float64)
    apogee = np.asarray(apogee_km, dtype=np.float64)
    ecc = (
        _eccentricity(perigee, apogee)
        if eccentricity is None
        else np.asarray(eccentricity, dtype=np.float64)
    )
    index = _regime_index(perigee, ecc)
    return np.asarray(np.array(_REGIMES, dtype="<U8")[index])


def _regime_index(perigee: FloatArray, ecc: FloatArray) -> NDArray[np.intp]:
    perigee, ecc = np.broadcast_arrays(perigee, ecc)
    bands = np.array([_LEO_LOW_MAX_KM, _LEO_MID_MAX_KM, _LEO_MAX_KM, _MEO_MAX_KM])
    index = np.searchsorted(bands, perigee, side="right")  # 0..4: leo-low .. geo
    index = np.where(ecc >= _HEO_ECCENTRICITY, _REGIMES.index("heo"), index)
    return np.asarray(index, dtype=np.intp)


def default_covariance_rtn_km2(
    perigee_km: ArrayLike,
    apogee_km: ArrayLike,
    age_days: ArrayLike,
    *,
    eccentricity: ArrayLike | None = None,
) -> AssumedCovariance:
    """Assumed RTN covariance of TLE-only objects from regime and element age.

    Inputs broadcast together; heights are above the WGS72 equatorial radius
    (as :class:`~cosmo_agent.orbital.catalog.Catalog` stores them) and the age
    is in days since the element epoch (negative ages count like positive
    ones).  Non-finite inputs give NaN sigmas.  See the module docstring for
    the model, its sources and its limits.

    >>> cov = default_covariance_rtn_km2([400.0, 400.0], [410.0, 410.0], [0.0, 2.0])
    >>> cov.position_rtn_km2.shape, bool(cov.sigma_position_rtn_km[1, 1] > 4.0)
    ((2, 3, 3), True)
    """
    perigee = np.asarray(perigee_km, dtype=np.float64)
    apogee = np.asarray(apogee_km, dtype=np.float64)
    age = np.abs(np.asarray(age_days, dtype=np.float64))
    ecc = (
        _eccentricity(perigee, apogee)
        if eccentricity is None
        else np.asarray(eccentricity, dtype=np.float64)
    )
    perigee, apogee, age, ecc = np.broadcast_arrays(perigee, apogee, age, ecc)
    index = _regime_index(perigee, ecc)
    sigma = np.hypot(_SIGMA0[index], _RATE[index] * age[..., np.newaxis])
    a_km = 0.5 * (perigee + apogee) + WGS72_RADIUS_KM
    with np.errstate(invalid="ignore", divide="ignore"):
        n_rad_s = np.sqrt(WGS72_MU_KM3_S2 / a_km**3)
        sigma_v = np.stack(
            [
                n_rad_s * sigma[..., 1] / 2.0,  # along-track oscillation -> radial rate
                2.0 * n_rad_s * sigma[..., 0],  # radial oscillation -> along-track rate
                n_rad_s * sigma[..., 2],
            ],
            axis=-1,
        )
    bad = ~(np.isfinite(perigee) & np.isfinite(apogee) & np.isfinite(age) & np.isfinite(ecc))
    bad |= ~(a_km > 0)
    sigma = np.where(bad[..., np.newaxis], np.nan, sigma)
    sigma_v = np.where(bad[..., np.newaxis], np.nan, sigma_v)
    return AssumedCovariance(
        sigma_position_rtn_km=np.asarray(sigma, dtype=np.float64),
        sigma_velocity_rtn_km_s=np.asarray(sigma_v, dtype=np.float64),
        regime=np.asarray(np.array(_REGIMES, dtype="<U8")[index]),
        age_days=np.asarray(age, dtype=np.float64),
    )


def catalog_default_covariance(catalog: Catalog, at: datetime) -> AssumedCovariance:
    """Assumed covariance of every element set in ``catalog`` at the UTC instant ``at``.

    >>> from datetime import datetime, timezone
    >>> from importlib.resources import files
    >>> catalog = Catalog.from_tle_file(files("cosmo_agent.tools") / "data" / "sample-leo.3le")
    >>> cov = catalog_default_covariance(catalog, datetime(2026, 6, 11, tzinfo=timezone.utc))
    >>> cov.position_rtn_km2.shape == (len(catalog), 3, 3), cov.source
    (True, 'assumed-tle-default')
    """
    return default_covariance_rtn_km2(
        catalog.perigee_km, catalog.apogee_km, catalog.age_days(at)
    )
