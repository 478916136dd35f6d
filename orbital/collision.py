"""Probability of collision (Pc) for short-duration conjunctions, vectorised.

The model is the standard one of conjunction assessment (Foster & Estes 1992,
Chan 2008, Alfano 2005): at the time of closest approach (TCA) each object's
position error is Gaussian and independent of the other's, and relative motion
is a straight line through the encounter.  Pc is then the integral of the
combined 2-D Gaussian over the hard-body disc (radius HBR, the two objects'
radii summed) in the *encounter plane*, the plane normal to the relative velocity.

Arrays in, arrays out: every function takes any leading axes (one per
conjunction), and a bad conjunction yields a status code in ``status`` (see
``PC_STATUS``) and NaN, never an exception for the whole batch.

>>> import numpy as np
>>> r1 = np.array([7000.0, 0.0, 0.0]); v1 = np.array([0.0, 7.5, 0.0])
>>> r2 = np.array([7000.02, 0.0, 0.0]); v2 = np.array([0.0, 0.0, 7.5])
>>> cov = np.diag([0.05, 0.2, 0.05]) ** 2   # km², 50 m / 200 m / 50 m
>>> plane = encounter_plane(r1, v1, cov, r2, v2, cov)
>>> round(float(plane.miss_km[0]), 6), round(float(plane.relative_speed_km_s), 4)
(0.02, 10.6066)
>>> result = collision_probability(plane, hbr_km=0.010)
>>> f"{float(result.pc):.4e}", int(result.status)
('3.2870e-03', 0)

Units: positions km, velocities km/s, covariances km², HBR km; the encounter
plane is two-dimensional with axes ``x`` (toward the miss vector at TCA) and
``z`` (along ``r × v`` of the relative motion).

The 2-D model is wrong for long, slow or curved encounters (relative speed of metres
per second, co-located GEO objects, formation flying, and some LEO encounters at tens of
m/s): :func:`cosmo_agent.orbital.pc3d.usage_violations` says when, and
:mod:`~cosmo_agent.orbital.pc3d` and :mod:`~cosmo_agent.orbital.montecarlo` give the 3-D
and Monte Carlo Pc (:func:`cosmo_agent.orbital.assessment.assess_encounter` does all three).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = [
    "EARTH_ROTATION_RAD_S",
    "PC_STATUS",
    "EncounterPlane",
    "HbrType",
    "MaxPcResult",
    "NonPositiveDefinite",
    "PcMethod",
    "PcResult",
    "PcStatus",
    "StatusCodes",
    "collision_probability",
    "covariance_inertial_to_rtn",
    "covariance_rtn_to_inertial",
    "encounter_plane",
    "max_collision_probability",
    "rtn_basis",
]

FloatArray = NDArray[np.float64]
StatusArray = NDArray[np.int8]

EARTH_ROTATION_RAD_S: Final = 7.292115e-5
"""Nominal mean angular velocity of the Earth (IERS Conventions 2010, table 1.1)."""

PcMethod = Literal["foster", "chan"]
"""How the 2-D integral is evaluated.

``"foster"``
    Numerical integration of the Gaussian over the disc (Foster & Estes 1992;
    CDM ``COLLISION_PROBABILITY_METHOD = FOSTER-1992``).  The reference method:
    relative error below 1e-9 against adaptive quadrature for standard
    deviations above 1 % of the HBR, and below 2e-6 down to the remediation
    floor of 1e-4 HBR (measured in ``tests/test_collision.py``).
``"chan"``
    Chan's series (``CHAN-1997``): the disc is replaced by the equal-area
    ellipse similar to the covariance, which makes the integral a non-central
    chi-square CDF.  Exact when the covariance is isotropic in the encounter
    plane; otherwise within 2 % of ``"foster"`` while the HBR is under a tenth
    of the smaller standard deviation, at any aspect ratio, but off by tens of
    percent when the HBR is comparable to it (measured in the tests).
"""

HbrType = Literal["circle", "square", "square_equal_area"]
"""Shape of the hard-body region for the ``"foster"`` method (NASA CARA ``Pc2D_Foster`` HBRType).

``"circle"`` the disc of radius HBR; ``"square"`` the square of side 2·HBR
(CARA ``'square'``); ``"square_equal_area"`` the square of side √π·HBR, the
disc's area (CARA ``'squareEquArea'``).  Squares are centred on the hard-body
centre with sides along the encounter plane's ``x`` and ``z`` axes, as CARA
aligns them.
"""

NonPositiveDefinite = Literal["zero", "remediate"]
"""What to do with a combined encounter-plane covariance that has a negative eigenvalue.

``"zero"`` (default): Pc 0 with status ``NOT_POSITIVE_DEFINITE``.  ``"remediate"``:
clip the eigenvalues to (1e-4 HBR)² as NASA CARA does (status
``COVARIANCE_REMEDIATED``).  Either way, a covariance whose eigenvalues are
all non-negative but one or both standard deviations lie below the floor of
1e-4 HBR (e.g. a zero or rank-deficient covariance) is floor-clipped and
gets status ``COVARIANCE_REMEDIATED``: it is valid, just sharper than the
integration can resolve.  An eigenvalue counts as negative when it is below
-1e-10 times the largest one (rounding of a singular covariance stays above).
"""


class StatusCodes:
    """Integer status constants named in capitals; :meth:`name_of` reads a code back.

    >>> PcStatus.name_of(3)
    'NO_RELATIVE_MOTION'
    """

    @classmethod
    def name_of(cls, code: int) -> str:
        """The constant's name for ``code`` (``KeyError`` for a code the class does not have)."""
        for klass in cls.__mro__:
            for name, value in vars(klass).items():
                if name.isupper() and value == code:
                    return name
        raise KeyError(f"{cls.__name__} has no status code {code}")


class PcStatus(StatusCodes):
    """Status codes of :class:`EncounterPlane` and :class:`PcResult` (``PC_STATUS``)."""

    OK: Final = 0
    COVARIANCE_REMEDIATED: Final = 1
    NONFINITE_INPUT: Final = 2
    NO_RELATIVE_MOTION: Final = 3
    BAD_HBR: Final = 4
    NOT_POSITIVE_DEFINITE: Final = 5
    NEGATIVE_VARIANCE: Final = 6


PC_STATUS: Final[Mapping[int, str]] = MappingProxyType(
    {
        PcStatus.OK: "ok",
        PcStatus.COVARIANCE_REMEDIATED: (
            "the combined covariance in the encounter plane had a standard deviation below"
            " 1e-4 HBR (or was not positive definite, with non_positive_definite='remediate');"
            " its eigenvalues were clipped to (1e-4 HBR)²"
            " as NASA CARA does, and Pc was computed from the clipped covariance; check the"
            " input covariances (a CDM with COVARIANCE_METHOD = DEFAULT often causes this)"
        ),
        PcStatus.NONFINITE_INPUT: (
            "a position, velocity or covariance element is NaN or infinite; Pc is NaN; check"
            " the propagation error codes or the CDM values for this conjunction"
        ),
        PcStatus.NO_RELATIVE_MOTION: (
            "the relative velocity is zero, so there is no encounter plane; Pc is NaN; the"
            " objects are co-moving: use a 3-D or Monte Carlo Pc method"
        ),
        PcStatus.BAD_HBR: (
            "the hard-body radius is not a positive finite number of km; Pc is NaN; pass"
            " hbr_km > 0 (the sum of the two objects' radii; 0.020 is 20 m)"
        ),
        PcStatus.NOT_POSITIVE_DEFINITE: (
            "warning: the combined covariance in the encounter plane is not positive definite"
            " (it has a negative eigenvalue), so Pc was not computed and is reported as 0;"
            " review the input covariances (CDM quality, COVARIANCE_METHOD), or pass"
            " non_positive_definite='remediate' to clip its eigenvalues as NASA CARA does"
        ),
        PcStatus.NEGATIVE_VARIANCE: (
            "a variance (a diagonal element of an object's covariance, e.g. CR_R) is negative,"
            " which no covariance can have; Pc is not computed (null, never 0, which would read"
            " as safe); the covariance is corrupt: ask its originator for a corrected one"
        ),
    }
)
"""Status code → sentence saying what happened and what to do.

Codes 0 and 1 carry a Pc; code 5 carries Pc 0 (not computed); codes 2 to 4 and 6 NaN.
"""

# Quadrature: Gauss-Legendre nodes per panel (three panels per conjunction), and
# the half-width of the integration window in standard deviations (the Gaussian
# mass outside ±12 sigma is 3.6e-33, so Pc below ~1e-32 reads as 0).  When both
# standard deviations exceed half the HBR the integrand is smooth over the disc
# and 24 nodes reach 2e-10; otherwise 64 nodes are needed (see _foster).
_GL_SMOOTH = np.polynomial.legendre.leggauss(24)
_GL_SHARP = np.polynomial.legendre.leggauss(64)
_GL_SQUARE = np.polynomial.legendre.leggauss(32)
_SMOOTH_SIGMA_OVER_HBR = 0.5
_WINDOW_SIGMA = 12.0
# Covariance eigenvalue floor as a fraction of the HBR, squared (NASA CARA Pc2D_Foster).
_CLIP_FRACTION = 1e-4
# Smallest eigenvalue below -this × the largest: a negative eigenvalue, not rounding.
_NEGATIVE_EIGENVALUE_FRACTION = 1e-10
# Half-side of the square hard-body regions in HBR (NASA CARA Pc2D_Foster).
_SQUARE_HALF_SIDE: Final[Mapping[str, float]] = MappingProxyType(
    {"square": 1.0, "square_equal_area": float(np.sqrt(np.pi)) / 2.0}
)
# Relative speeds at or below this (1 nm/s) have no usable encounter plane.
_MIN_RELATIVE_SPEED_KM_S = 1e-12
# Conjunctions integrated together; bounds temporary memory to ~50 MB.
_CHUNK = 8192


def _as_float(a: ArrayLike) -> FloatArray:
    return np.asarray(a, dtype=np.float64)


def _unit(v: FloatArray) -> FloatArray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(v / n)


def rtn_basis(r_km: ArrayLike, v_km_s: ArrayLike) -> FloatArray:
    """Rows R, T, N of the radial / transverse / normal frame, shape (..., 3, 3).

    R points along the position, N along the angular momentum ``r × v`` and T
    completes the right-handed triad (CCSDS 508.0-B-1 annex E).  The matrix
    takes inertial vectors to RTN: ``rtn = rtn_basis(r, v) @ x``.

    >>> rtn_basis([7000.0, 0.0, 0.0], [0.0, 7.5, 0.0])
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    """
    r = _as_float(r_km)
    v = _as_float(v_km_s)
    r_hat = _unit(r)
    n_hat = _unit(np.cross(r, v))
    t_hat = np.cross(n_hat, r_hat)
    return np.stack(np.broadcast_arrays(r_hat, t_hat, n_hat), axis=-2)


def _rotation_for(cov: FloatArray, basis: FloatArray) -> FloatArray:
    """Block-diagonal rotation matching the covariance size (3, 6 or more)."""
    n = cov.shape[-1]
    if n == 3:
        return basis
    if n < 6:
        raise ValueError(f"covariance must be 3×3 or at least 6×6, got {n}×{n}")
    rot = np.zeros((*basis.shape[:-2], n, n))
    rot[..., :3, :3] = basis
    rot[..., 3:6, 3:6] = basis
    idx = np.arange(6, n)
    rot[..., idx, idx] = 1.0  # drag / SRP / thrust terms are scalars
    return rot


def covariance_rtn_to_inertial(
    cov_rtn: ArrayLike, r_km: ArrayLike, v_km_s: ArrayLike
) -> FloatArray:
    """Rotate covariances (..., n, n) from the object's RTN frame to the inertial frame.

    ``n`` is 3 (position), 6 (position and velocity) or up to 9 (the CDM's
    drag, SRP and thrust rows, which are scalars and stay as they are).  The
    rotation is applied to position and velocity blocks alike; the frame's
    rotation rate is not coupled into the velocity terms.  Units are kept.
    """
    cov = _as_float(cov_rtn)
    rot = _rotation_for(cov, rtn_basis(r_km, v_km_s))
    return np.asarray(np.swapaxes(rot, -1, -2) @ cov @ rot)


def covariance_inertial_to_rtn(
    cov_inertial: ArrayLike, r_km: ArrayLike, v_km_s: ArrayLike
) -> FloatArray:
    """Inverse of :func:`covariance_rtn_to_inertial`."""
    cov = _as_float(cov_inertial)
    rot = _rotation_for(cov, rtn_basis(r_km, v_km_s))
    return np.asarray(rot @ cov @ np.swapaxes(rot, -1, -2))


@dataclass(frozen=True, eq=False)
class EncounterPlane:
    """The 2-D conjunction geometry at TCA, one entry per conjunction.

    ``miss_km`` (..., 2) is object 2's position relative to object 1 projected
    on the plane's ``x`` and ``z`` axes, ``covariance_km2`` (..., 2, 2) the sum
    of both position covariances projected the same way, ``relative_speed_km_s``
    (...) the norm of the relative velocity, and ``status`` (...) a
    ``PC_STATUS`` code (0; 2, 3 or 6 for unusable input: see ``PC_STATUS``).
    """

    miss_km: FloatArray
    covariance_km2: FloatArray
    relative_speed_km_s: FloatArray
    status: StatusArray

    @property
    def miss_distance_km(self) -> FloatArray:
        """Norm of the projected miss vector (the miss distance when the states are at TCA)."""
        return np.asarray(np.linalg.norm(self.miss_km, axis=-1))

    @property
    def shape(self) -> tuple[int, ...]:
        """The conjunction axes."""
        return tuple(self.status.shape)


def encounter_plane(
    r1_km: ArrayLike,
    v1_km_s: ArrayLike,
    cov1_km2: ArrayLike,
    r2_km: ArrayLike,
    v2_km_s: ArrayLike,
    cov2_km2: ArrayLike,
) -> EncounterPlane:
    """Project two objects' states and covariances at TCA onto the encounter plane.

    States are (..., 3) in one inertial frame (GCRS, EME2000 or TEME all do:
    Pc does not change under a rotation common to both objects); covariances
    are (..., 3, 3) position covariances in that frame, or (..., 6, 6) and
    larger, whose position block is used.  The plane's axes are ``y`` along the
    relative velocity ``v2 - v1``, ``z`` along ``r × v`` of the relative motion
    and ``x = y × z``; at exactly TCA the miss vector lies on ``+x``.
    """
    r = _as_float(r2_km) - _as_float(r1_km)
    v = _as_float(v2_km_s) - _as_float(v1_km_s)
    cov = _as_float(cov1_km2)[..., :3, :3] + _as_float(cov2_km2)[..., :3, :3]
    shape = np.broadcast_shapes(r.shape[:-1], v.shape[:-1], cov.shape[:-2])
    r = np.broadcast_to(r, (*shape, 3))
    v = np.broadcast_to(v, (*shape, 3))
    cov = np.broadcast_to(cov, (*shape, 3, 3))

    status = np.zeros(shape, dtype=np.int8)
    finite = (
        np.isfinite(r).all(axis=-1)
        & np.isfinite(v).all(axis=-1)
        & np.isfinite(cov).all(axis=(-2, -1))
    )
    speed = np.linalg.norm(v, axis=-1)
    status[~finite] = PcStatus.NONFINITE_INPUT
    diagonal = np.minimum(
        np.diagonal(_as_float(cov1_km2)[..., :3, :3], axis1=-2, axis2=-1).min(axis=-1),
        np.diagonal(_as_float(cov2_km2)[..., :3, :3], axis1=-2, axis2=-1).min(axis=-1),
    )
    negative = np.broadcast_to(diagonal < 0, shape)
    status[finite & negative] = PcStatus.NEGATIVE_VARIANCE
    status[finite & ~negative & (speed <= _MIN_RELATIVE_SPEED_KM_S)] = PcStatus.NO_RELATIVE_MOTION
    good = status == 0

    y_hat = _unit(v)
    h = np.cross(r, v)
    h_norm = np.linalg.norm(h, axis=-1)
    # Direct hit (r = 0) or r parallel to v: any normal to v serves as z.
    degenerate = h_norm <= 1e-12 * np.linalg.norm(r, axis=-1) * speed
    if np.any(degenerate & good):
        axis = np.argmin(np.abs(y_hat), axis=-1)
        e = np.zeros((*shape, 3))
        np.put_along_axis(e, axis[..., np.newaxis], 1.0, axis=-1)
        h = np.where(degenerate[..., np.newaxis], np.cross(y_hat, e), h)
    z_hat = _unit(h)
    x_hat = np.cross(y_hat, z_hat)
    basis = np.stack([x_hat, z_hat], axis=-2)  # (..., 2, 3)

    miss = np.einsum("...ij,...j->...i", basis, r)
    plane_cov = basis @ cov @ np.swapaxes(basis, -1, -2)
    miss = np.where(good[..., np.newaxis], miss, np.nan)
    plane_cov = np.where(good[..., np.newaxis, np.newaxis], plane_cov, np.nan)
    return EncounterPlane(
        miss_km=np.asarray(miss),
        covariance_km2=np.asarray(0.5 * (plane_cov + np.swapaxes(plane_cov, -1, -2))),
        relative_speed_km_s=np.asarray(speed),
        status=status,
    )


@dataclass(frozen=True, eq=False)
class PcResult:
    """Pc per conjunction, with a ``PC_STATUS`` code each.

    NaN where the status is 2 to 4; 0 where it is ``NOT_POSITIVE_DEFINITE`` (5).
    """

    pc: FloatArray
    status: StatusArray
    method: PcMethod

    @property
    def valid(self) -> NDArray[np.bool_]:
        """Where a Pc was computed (status 0, or 1 with a remediated covariance)."""
        return np.asarray(self.status <= PcStatus.COVARIANCE_REMEDIATED)

    def messages(self) -> list[str]:
        """One sentence per conjunction (flattened), from ``PC_STATUS``."""
        return [PC_STATUS[int(code)] for code in self.status.ravel()]


@dataclass(frozen=True)
class _Principal:
    """Encounter-plane geometry in the covariance's principal axes, flattened.

    Axis 0 has the smaller standard deviation ``s0``; ``m0``/``m1`` are the miss
    components; ``status`` is the combined status so far; ``axes`` (n, 2, 2)
    holds the principal axes as columns, in encounter-plane ``x``/``z`` coordinates.
    """

    s0: FloatArray
    s1: FloatArray
    m0: FloatArray
    m1: FloatArray
    hbr: FloatArray
    status: StatusArray
    axes: FloatArray


def _principal(
    plane: EncounterPlane,
    hbr_km: ArrayLike,
    scale: float = 1.0,
    non_positive_definite: NonPositiveDefinite = "remediate",
) -> _Principal:
    shape = plane.shape
    hbr = np.broadcast_to(_as_float(hbr_km), shape).ravel()
    status = plane.status.ravel().copy()
    bad_hbr = ~(np.isfinite(hbr) & (hbr > 0))
    status[(status == 0) & bad_hbr] = PcStatus.BAD_HBR
    good = status == 0

    cov = plane.covariance_km2.reshape(-1, 2, 2) * scale
    miss = plane.miss_km.reshape(-1, 2)
    safe_cov = np.where(good[:, np.newaxis, np.newaxis], cov, np.eye(2))
    eigval, eigvec = np.linalg.eigh(safe_cov)  # ascending eigenvalues, vectors in columns
    floor = (_CLIP_FRACTION * np.where(good, hbr, 1.0)) ** 2
    if non_positive_definite == "zero":
        negative = eigval[:, 0] < -_NEGATIVE_EIGENVALUE_FRACTION * np.abs(eigval[:, 1])
        status[good & negative] = PcStatus.NOT_POSITIVE_DEFINITE
        good &= ~negative
    elif non_positive_definite != "remediate":
        raise ValueError(
            f"non_positive_definite must be 'zero' or 'remediate', got {non_positive_definite!r}"
        )
    clipped = eigval < floor[:, np.newaxis]
    status[good & clipped.any(axis=-1)] = PcStatus.COVARIANCE_REMEDIATED
    eigval = np.maximum(eigval, floor[:, np.newaxis])
    m = np.einsum("nji,nj->ni", eigvec, np.where(good[:, np.newaxis], miss, 0.0))
    return _Principal(
        s0=np.sqrt(eigval[:, 0]),
        s1=np.sqrt(eigval[:, 1]),
        m0=m[:, 0],
        m1=m[:, 1],
        hbr=np.where(good | (status == PcStatus.COVARIANCE_REMEDIATED), hbr, 1.0),
        status=status,
        axes=eigvec,
    )


def _interval_probability(lo: FloatArray, hi: FloatArray) -> FloatArray:
    """P(lo < Z < hi) for a standard normal Z, without cancellation in the tails."""
    upper_tail = lo > 0
    return np.asarray(
        np.where(
            upper_tail,
            special.ndtr(-lo) - special.ndtr(-hi),
            special.ndtr(hi) - special.ndtr(lo),
        )
    )


def _foster(p: _Principal) -> FloatArray:
    """Disc integral, integrating numerically along the narrower principal axis.

    Pc = ∫ N(x; m0, s0²) · P(|y| < h(x)) dx over |x| < R, with h = √(R² − x²)
    and y ~ N(m1, s1²).  Substituting x = R sin θ removes the square-root
    singularities at the disc's edge; the x range is cut to m0 ± 12 s0; and the
    θ range is split where h(x) = |m1|, the only place the inner probability can
    change abruptly, so each panel is smooth for Gauss-Legendre quadrature.
    """
    out = np.zeros(p.s0.shape)
    smooth = p.s0 >= _SMOOTH_SIGMA_OVER_HBR * p.hbr
    for mask, rule in ((smooth, _GL_SMOOTH), (~smooth, _GL_SHARP)):
        index = np.flatnonzero(mask)
        for start in range(0, index.size, _CHUNK):
            sel = index[start : start + _CHUNK]
            out[sel] = _foster_panels(p.s0[sel], p.s1[sel], p.m0[sel], p.m1[sel], p.hbr[sel], rule)
    return np.clip(out, 0.0, 1.0)


def _foster_panels(
    s0: FloatArray,
    s1: FloatArray,
    m0: FloatArray,
    m1: FloatArray,
    big_r: FloatArray,
    rule: tuple[FloatArray, FloatArray],
) -> FloatArray:
    lo = np.maximum(-big_r, m0 - _WINDOW_SIGMA * s0)
    hi = np.minimum(big_r, m0 + _WINDOW_SIGMA * s0)
    theta_lo = np.arcsin(np.clip(lo / big_r, -1.0, 1.0))
    theta_hi = np.where(lo >= hi, theta_lo, np.arcsin(np.clip(hi / big_r, -1.0, 1.0)))
    theta_step = np.arccos(np.clip(np.abs(m1) / big_r, 0.0, 1.0))
    edges = np.stack([theta_lo, -theta_step, theta_step, theta_hi], axis=-1)
    edges = np.clip(edges, theta_lo[:, np.newaxis], theta_hi[:, np.newaxis])
    a, b = edges[:, :-1, np.newaxis], edges[:, 1:, np.newaxis]  # (n, 3 panels, 1)
    nodes, weights = rule
    theta = 0.5 * (a + b) + 0.5 * (b - a) * nodes
    weight = 0.5 * (b - a) * weights
    col = (slice(None), np.newaxis, np.newaxis)
    x = big_r[col] * np.sin(theta)
    h = big_r[col] * np.cos(theta)
    inner = _interval_probability((-h - m1[col]) / s1[col], (h - m1[col]) / s1[col])
    gauss = np.exp(-0.5 * ((x - m0[col]) / s0[col]) ** 2) / (np.sqrt(2.0 * np.pi) * s0[col])
    return np.asarray(np.sum(weight * gauss * inner * h, axis=(-2, -1)))


def _foster_square(p: _Principal, half_side_over_hbr: float) -> FloatArray:
    """Square integral, sides along the plane's ``x``/``z`` axes, half-side ``a``.

    Pc = ∫ N(x; mx, Cxx) · P(|z| < a | x) dx over |x| < a, where z given x is
    Gaussian with mean mz + Cxz/Cxx (x − mx) and variance det C / Cxx.  The x
    range is cut to mx ± 12 σx and split where the conditional mean crosses
    ±a, then each of those three panels into eight Gauss-Legendre panels.
    """
    out = np.zeros(p.s0.shape)
    chunk = _CHUNK // 8
    for start in range(0, p.s0.size, chunk):
        sel = slice(start, start + chunk)
        axes = p.axes[sel]
        var = np.stack([p.s0[sel] ** 2, p.s1[sel] ** 2], axis=-1)
        cov = np.einsum("nik,nk,njk->nij", axes, var, axes)
        miss = np.einsum("nik,nk->ni", axes, np.stack([p.m0[sel], p.m1[sel]], axis=-1))
        out[sel] = _square_panels(cov, miss, half_side_over_hbr * p.hbr[sel])
    return np.clip(out, 0.0, 1.0)


def _square_panels(cov: FloatArray, miss: FloatArray, a: FloatArray) -> FloatArray:
    cxx, cxz, czz = cov[:, 0, 0], cov[:, 0, 1], cov[:, 1, 1]
    mx, mz = miss[:, 0], miss[:, 1]
    sx = np.sqrt(cxx)
    slope = cxz / cxx
    sz = np.sqrt(np.maximum(czz - cxz * slope, 0.0))
    sz = np.maximum(sz, 1e-300)
    lo = np.maximum(-a, mx - _WINDOW_SIGMA * sx)
    hi = np.maximum(lo, np.minimum(a, mx + _WINDOW_SIGMA * sx))
    with np.errstate(divide="ignore", invalid="ignore"):
        cross_lo = np.where(slope != 0.0, mx + (-a - mz) / slope, lo)
        cross_hi = np.where(slope != 0.0, mx + (a - mz) / slope, lo)
    edges = np.sort(np.stack([lo, cross_lo, cross_hi, hi], axis=-1), axis=-1)
    edges = np.clip(edges, lo[:, np.newaxis], hi[:, np.newaxis])
    fractions = np.linspace(0.0, 1.0, 9)
    fine = edges[:, :-1, np.newaxis] + (edges[:, 1:] - edges[:, :-1])[..., np.newaxis] * fractions
    a_pan = fine[..., :-1].reshape(len(a), -1, 1)
    b_pan = fine[..., 1:].reshape(len(a), -1, 1)
    nodes, weights = _GL_SQUARE
    x = 0.5 * (a_pan + b_pan) + 0.5 * (b_pan - a_pan) * nodes
    weight = 0.5 * (b_pan - a_pan) * weights
    col = (slice(None), np.newaxis, np.newaxis)
    mean_z = mz[col] + slope[col] * (x - mx[col])
    inner = _interval_probability((-a[col] - mean_z) / sz[col], (a[col] - mean_z) / sz[col])
    gauss = np.exp(-0.5 * ((x - mx[col]) / sx[col]) ** 2) / (np.sqrt(2.0 * np.pi) * sx[col])
    return np.asarray(np.sum(weight * gauss * inner, axis=(-2, -1)))


def _chan(p: _Principal) -> FloatArray:
    u = p.hbr**2 / (p.s0 * p.s1)
    v = (p.m0 / p.s0) ** 2 + (p.m1 / p.s1) ** 2
    return np.asarray(special.chndtr(u, 2.0, v), dtype=np.float64)


def _evaluate(p: _Principal, method: PcMethod, hbr_type: HbrType = "circle") -> FloatArray:
    if hbr_type != "circle":
        if hbr_type not in _SQUARE_HALF_SIDE:
            raise ValueError(
                "hbr_type must be 'circle', 'square' or 'square_equal_area',"
                f" got {hbr_type!r}"
            )
        if method != "foster":
            raise ValueError(f"hbr_type {hbr_type!r} needs method 'foster', got {method!r}")
        return _foster_square(p, _SQUARE_HALF_SIDE[hbr_type])
    if method == "foster":
        return _foster(p)
    if method == "chan":
        return _chan(p)
    raise ValueError(f"method must be 'foster' or 'chan', got {method!r}")


def collision_probability(
    plane: EncounterPlane,
    hbr_km: ArrayLike,
    method: PcMethod = "foster",
    *,
    hbr_type: HbrType = "circle",
    non_positive_definite: NonPositiveDefinite = "zero",
) -> PcResult:
    """Pc of each conjunction in ``plane`` for hard-body radius ``hbr_km`` (broadcast).

    See :data:`PcMethod` for the methods and their accuracy, :data:`HbrType`
    for the hard-body shapes (squares need ``method="foster"``), and
    ``PC_STATUS`` for the status codes.  A covariance with a negative
    eigenvalue gives Pc 0 and status ``NOT_POSITIVE_DEFINITE`` by default, or
    is remediated (status 1) with ``non_positive_definite="remediate"``; see
    :data:`NonPositiveDefinite`.

    >>> plane = EncounterPlane(
    ...     np.array([0.0, 0.0]), np.eye(2), np.array(1.0), np.array(0, dtype=np.int8))
    >>> f"{float(collision_probability(plane, 0.5, hbr_type='square').pc):.6f}"
    '0.146631'
    """
    p = _principal(plane, hbr_km, non_positive_definite=non_positive_definite)
    pc = _evaluate(p, method, hbr_type)
    pc = np.where(p.status <= PcStatus.COVARIANCE_REMEDIATED, pc, np.nan)
    pc = np.where(p.status == PcStatus.NOT_POSITIVE_DEFINITE, 0.0, pc)
    return PcResult(pc=pc.reshape(plane.shape), status=p.status.reshape(plane.shape), method=method)


@dataclass(frozen=True, eq=False)
class MaxPcResult:
    """Largest Pc over all scalings of the combined covariance (Alfano 2005).

    ``covariance_scale`` is the factor on the covariance (σ scales by its square
    root) that attains ``pc_max``; it is clamped to [1e-8, 1e8].
    """

    pc_max: FloatArray
    covariance_scale: FloatArray
    status: StatusArray

    @property
    def diluted(self) -> NDArray[np.bool_]:
        """True where the covariance is larger than the worst case (scale < 1).

        There, a low Pc comes from large uncertainty rather than a safe
        geometry: better tracking could *raise* Pc, up to ``pc_max``.
        """
        return np.asarray(self.covariance_scale < 1.0)


def max_collision_probability(plane: EncounterPlane, hbr_km: ArrayLike) -> MaxPcResult:
    """Maximum Pc over a common scale factor on the covariance, by golden-section search.

    Pc as a function of the covariance scale rises from 0 (or from 1, when the
    miss vector lies inside the disc) and then falls, so the search over the
    logarithm of the scale is unimodal.  Uses the ``"foster"`` integral.
    """
    base = _principal(plane, hbr_km)
    valid = base.status <= PcStatus.COVARIANCE_REMEDIATED

    def pc_at(log_scale: FloatArray) -> FloatArray:
        s = np.exp(0.5 * log_scale)
        scaled = _Principal(
            s0=base.s0 * s,
            s1=base.s1 * s,
            m0=base.m0,
            m1=base.m1,
            hbr=base.hbr,
            status=base.status,
            axes=base.axes,
        )
        return _foster(scaled)

    lo = np.full(base.s0.shape, np.log(1e-8))
    hi = np.full(base.s0.shape, np.log(1e8))
    golden = (np.sqrt(5.0) - 1.0) / 2.0
    c = hi - golden * (hi - lo)
    d = lo + golden * (hi - lo)
    fc, fd = pc_at(c), pc_at(d)
    for _ in range(80):  # shrinks the bracket by 0.618^80 ≈ 2e-17 of its width
        left = fc >= fd
        hi = np.where(left, d, hi)
        lo = np.where(left, lo, c)
        new_c = hi - golden * (hi - lo)
        new_d = lo + golden * (hi - lo)
        c_next = np.where(left, new_c, d)
        d_next = np.where(left, c, new_d)
        f_new = pc_at(np.where(left, c_next, d_next))
        fc, fd = np.where(left, f_new, fd), np.where(left, fc, f_new)
        c, d = c_next, d_next
    best = 0.5 * (lo + hi)
    pc_max = pc_at(best)
    shape = plane.shape
    return MaxPcResult(
        pc_max=np.where(valid, pc_max, np.nan).reshape(shape),
        covariance_scale=np.where(valid, np.exp(best), np.nan).reshape(shape),
        status=base.status.reshape(shape),
    )
