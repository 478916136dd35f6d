"""3-D collision probability (Hall's 3D-Nc) and the checks that say when the 2-D Pc is not enough.

The 2-D Pc of :mod:`cosmo_agent.orbital.collision` assumes straight-line relative
motion through a short encounter.  Hall's method (D. T. Hall, "Expected Collision Rates
for Tracked Satellites", JSR 58(3), 2021; NASA CARA's ``Pc3D_Hall``) drops that
assumption: each object's TCA state and 6×6 covariance define a Gaussian in equinoctial
elements, carried through the encounter by two-body motion, and Pc is the expected number
of collisions

    Nc = ∫ Ṅc(t) dt,   Ṅc(t) = R² ∮ ν(r̂, t) N₃(R r̂; μ_r(t), A(t)) dΩ

— the rate at which the relative position enters the hard-body sphere of radius R,
integrated over its surface (Coppola 2012a) and over the encounter.  At each instant the
relative distribution is linearised about the *peak overlap point* of the two position
densities (found iteratively, Hall 2021) rather than about the mean states, which is what
keeps the method accurate for slow, curved encounters.  The sphere integral uses the
product rule split where the flux changes sign (see ``_sphere_rule``; CARA uses a
Lebedev rule); the time integral is trapezoidal on an ephemeris refined until the rate
curve is resolved, as CARA refines it.

``usage_violations`` implements CARA's 2-D usage-violation indicators (``UsageViolationPc2D``,
thresholds of ``PcMultiStep``): non-positive-definite position covariances, an encounter
too long (``extended``) or too far from TCA (``offset``) for the rectilinear model, a 2-D
value made inaccurate by curvature (``inaccurate``), and several distinct peaks of the
collision rate (``blended``).

Units: km, km/s, km² (covariances 6×6 in one inertial frame), HBR km, times in s from TCA.
One conjunction per call (each has its own adaptive time grid); bad input yields a status,
never an exception.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from cosmo_agent.orbital.collision import StatusCodes
from cosmo_agent.orbital.twobody import (
    MU_EARTH_KM3_S2,
    cartesian_to_equinoctial,
    equinoctial_to_cartesian,
    orbit_period_s,
    prograde_rotation,
    propagate_elements,
    state_jacobian,
)

__all__ = [
    "PC3D_STATUS",
    "EncounterModel",
    "Pc3DResult",
    "Pc3DStatus",
    "UsageViolations",
    "coppola_bounds_s",
    "encounter_model",
    "pc3d_hall",
    "usage_violations",
]

FloatArray = NDArray[np.float64]


class Pc3DStatus(StatusCodes):
    """Status codes of :class:`Pc3DResult` (``PC3D_STATUS``)."""

    OK: Final = 0
    NONFINITE_INPUT: Final = 1
    BAD_HBR: Final = 2
    UNBOUND_ORBIT: Final = 3
    NOT_CONVERGED: Final = 4
    BAD_COVARIANCE: Final = 5


PC3D_STATUS: Final[Mapping[int, str]] = MappingProxyType(
    {
        Pc3DStatus.OK: "ok",
        Pc3DStatus.NONFINITE_INPUT: (
            "a position, velocity or covariance element is NaN or infinite; the 3-D Pc is NaN;"
            " check the CDM values or the propagation error codes"
        ),
        Pc3DStatus.BAD_HBR: (
            "the hard-body radius is not a positive finite number of km; the 3-D Pc is NaN;"
            " pass hbr_km > 0 (0.020 is 20 m)"
        ),
        Pc3DStatus.UNBOUND_ORBIT: (
            "an object's state at TCA is not a bound Earth orbit (energy >= 0 or e >= 1), so"
            " it has no equinoctial elements; the 3-D Pc is NaN; check the state's units"
            " (km and km/s) and frame"
        ),
        Pc3DStatus.NOT_CONVERGED: (
            "the peak-overlap iteration or the time refinement did not converge where the"
            " collision rate matters; the 3-D Pc is NaN; use the Monte Carlo Pc"
        ),
        Pc3DStatus.BAD_COVARIANCE: (
            "a covariance is not 6x6 (position and velocity) or not symmetric; the 3-D Pc"
            " needs both objects' full 6x6 covariances at TCA"
        ),
    }
)
"""Status code → what happened and what to do.  Only code 0 carries a Pc."""

# --- constants (each value as in NASA CARA's Pc3D_Hall defaults, with its meaning)
_GAMMA: Final = 1e-16  # tail probability outside the Coppola (2012b) conjunction bounds
_FCLIP: Final = 1e-4  # covariance eigenvalue floor, as a fraction of the HBR
_MD2_CUT: Final = 1491.0  # exp(-MD2/2) is 0 in double precision beyond this
_NCDOT_TINY: Final = 1e-300
_SLAB_SIGMAS: Final = 8.0  # HBR over the thinnest sigma above this: the slab rule
_SLAB_NODES: Final = 48
_SLAB_LONGITUDES: Final = 256
# exp(−x²) − √π x erfc(x) is exactly −2√π x in double precision for x ≤ _INFLOW_LINEAR
# (erfc rounds to 2, exp(−x²) to under half an ulp) and 0 for x ≥ _INFLOW_ZERO (both terms
# underflow); only the span between needs erfc.
_INFLOW_LINEAR: Final = -6.0
_INFLOW_ZERO: Final = 27.3
_SKIP: Final = 1e-14  # rates bounded below this fraction of the peak are not integrated
_NEPH: Final = 101  # initial ephemeris points across the conjunction bounds
_MAX_ROUNDS: Final = 250  # refinement rounds before giving up
# Halvings toward a rate peak computed ahead in one call, in refinement rounds that add
# at most _SPECULATE_BELOW times: one array call costs about what one time does.
_SPECULATE: Final = 10
_SPECULATE_BELOW: Final = 2
_NCDOT_PEAK_TOL: Final = 0.2  # a peak's neighbour differing by more is bisected
_NCSUM_TOL: Final = 0.02  # a trapezoid panel holding more of Nc is bisected
_NCDOT_GAMMA: Final = 1e-6  # the collision-rate span that defines the effective duration
_POP_MAXITER: Final = 100
_POP_TOL: Final = (1e-6, 1e-3)  # peak-overlap convergence in Mahalanobis distance squared
# A time still iterating after _POP_FAINT_ITER iterations whose relative mode lies more than
# _POP_FAINT_MD2 beyond the nearest time's (Gaussian factor below e^-200 of it), and moves by
# under 1 in Mahalanobis distance squared a step, has a rate far below the _SKIP cut whatever
# its fixed point: it stops there with rate 0 instead of iterating on (not a CARA setting).
_POP_FAINT_ITER: Final = 10
_POP_FAINT_MD2: Final = 400.0
# Sphere-rule sizes (Gauss-Legendre nodes per hemisphere) and the largest log-variation
# κ of the Gaussian over the sphere each resolves (features ~1/√κ rad wide).
_SPHERE_RULES: Final = ((16, 16.0), (32, 64.0), (64, 256.0), (128, np.inf))
# (time, direction) pairs per array call of the sphere integral: the arrays stay in cache,
# and its one BLAS product stays below the sizes at which OpenBLAS starts threads (whose
# spinning, on a loaded machine, slows everything after them).
_SPHERE_CHUNK: Final = 32768
# 2-D usage-violation cutoffs (CARA PcMultiStep defaults).
EXTENDED_CUTOFF: Final = 0.02
OFFSET_CUTOFF: Final = 0.01
INACCURATE_CUTOFF: Final = 0.02


def _as_float(a: ArrayLike) -> FloatArray:
    return np.asarray(a, dtype=np.float64)


@functools.cache
def _sphere_rule(n_u: int) -> tuple[FloatArray, FloatArray]:
    """A product rule on the unit sphere split at its equator, pole along +z.

    Gauss-Legendre in u = cos θ with ``n_u`` nodes on each of [-1, 0] and [0, 1], and
    ``2 n_u`` equally spaced longitudes (the trapezoid rule, spectrally accurate for a
    periodic integrand).  The flux factor ν(r̂) has a kink where the relative velocity is
    tangent to the sphere; with the pole along that velocity the kink lies on the
    equator, between panels, so the rule converges fast where a rule blind to it (CARA's
    Lebedev rule of degree 131, 5810 directions) stalls near 1e-5: 1024 directions
    reach 1e-5 of the converged integral on the cases of ``tests/test_pc3d.py``.
    Returns the basis (10, L) and the weights (L,) summing to 4π.  The basis stacks the
    products (6, L) that turn a symmetric matrix's ``_sym6`` coefficients into r̂ᵀ M r̂,
    the directions r̂ (3, L) and a row of ones: one matrix product with coefficients
    (…, 10) evaluates a quadratic form, a linear and a constant term at every direction.
    """
    x, w = np.polynomial.legendre.leggauss(n_u)
    u = np.concatenate([0.5 * (x - 1.0), 0.5 * (x + 1.0)])
    wu = np.concatenate([0.5 * w, 0.5 * w])
    n_phi = 2 * n_u
    phi = 2.0 * np.pi * np.arange(n_phi) / n_phi
    uu, pp = np.meshgrid(u, phi, indexing="ij")
    s = np.sqrt(1.0 - uu**2)
    r = np.stack([s * np.cos(pp), s * np.sin(pp), uu]).reshape(3, -1)
    weights = np.outer(wu, np.full(n_phi, 2.0 * np.pi / n_phi)).ravel()
    products = np.stack(
        [r[0] ** 2, r[1] ** 2, r[2] ** 2, 2 * r[0] * r[1], 2 * r[0] * r[2], 2 * r[1] * r[2]]
    )
    return np.concatenate([products, r, np.ones((1, r.shape[1]))]), weights


def _sym6(m: FloatArray) -> FloatArray:
    """Symmetric part of (..., 3, 3) matrices: the 6 coefficients matching ``_sphere_rule``'s."""
    s = 0.5 * (m + np.swapaxes(m, -1, -2))
    return np.stack(
        [s[..., 0, 0], s[..., 1, 1], s[..., 2, 2], s[..., 0, 1], s[..., 0, 2], s[..., 1, 2]],
        axis=-1,
    )


def _clipped_eigh(a: FloatArray, floor: float) -> tuple[FloatArray, FloatArray]:
    """Eigenvalues (ascending, clipped at ``floor``) and eigenvectors, symmetric (..., 3, 3)."""
    val, vec = np.linalg.eigh(0.5 * (a + np.swapaxes(a, -1, -2)))
    return np.maximum(val, floor), vec


def _eigen_inverse(val: FloatArray, vec: FloatArray) -> FloatArray:
    """The matrices (..., 3, 3) with eigenvalues 1 / ``val`` and eigenvectors ``vec``."""
    return np.asarray(np.einsum("...ik,...k,...jk->...ij", vec, 1.0 / val, vec))


def _clipped_inverse(a: FloatArray, floor: float) -> tuple[FloatArray, FloatArray]:
    """Inverse and determinant, symmetric (..., 3, 3) matrices, eigenvalues clipped at ``floor``."""
    val, vec = _clipped_eigh(a, floor)
    return _eigen_inverse(val, vec), np.prod(val, axis=-1)


def coppola_bounds_s(
    r_km: ArrayLike, v_km_s: ArrayLike, cov_km2: ArrayLike, hbr_km: float, gamma: float = _GAMMA
) -> tuple[float, float]:
    """Linear-motion conjunction bounds (τ0, τ1), s from TCA (Coppola 2012b, eqs 12-16).

    Outside them the rectilinear encounter holds less than ``gamma`` of its probability.
    ``r``/``v`` are the relative state (secondary minus primary), ``cov`` the relative
    position covariance (3×3 or the 6×6's position block).  (−inf, inf) without relative motion.
    """
    r, v = _as_float(r_km), _as_float(v_km_s)
    a = _as_float(cov_km2)[:3, :3]
    speed = float(np.linalg.norm(v))
    if speed < 1e-12:
        return -np.inf, np.inf
    x = v / speed
    y = r - x * float(x @ r)
    if np.linalg.norm(y) < 1e-12 * max(1.0, float(np.linalg.norm(r))):
        y = np.cross(x, np.eye(3)[int(np.argmin(np.abs(x)))])
    y = y / np.linalg.norm(y)
    rot = np.stack([x, y, np.cross(x, y)])
    a_e = rot @ a @ rot.T
    r_e = rot @ r
    b = np.linalg.solve(a_e[1:, 1:], a_e[1:, 0])
    sv2 = np.sqrt(max(0.0, 2.0 * (a_e[0, 0] - float(b @ a_e[1:, 0]))))
    q0 = float(b @ r_e[1:])
    dmin = -hbr_km * float(np.sqrt(b @ b))
    dmax = hbr_km * float(np.sqrt(1.0 + b @ b))
    spread = float(special.erfcinv(gamma)) * sv2
    return (q0 - dmax - spread) / speed, (q0 - dmin + spread) / speed


@dataclass(frozen=True)
class EncounterModel:
    """Both objects at TCA as Gaussians in equinoctial elements, in a frame without retrograde.

    ``rotation`` takes the caller's frame to the one used (identity unless an orbit is
    retrograde equatorial).  ``elements1``/``elements2`` are the mean elements at TCA,
    ``covariance1``/``covariance2`` their 6×6 covariances ``K P Kᵀ`` (``K = dE/dX``).
    """

    r1_km: FloatArray
    v1_km_s: FloatArray
    cov1: FloatArray
    r2_km: FloatArray
    v2_km_s: FloatArray
    cov2: FloatArray
    hbr_km: float
    rotation: FloatArray
    elements1: FloatArray
    elements2: FloatArray
    covariance1: FloatArray
    covariance2: FloatArray
    period_min_s: float
    status: int

    @property
    def relative_position_km(self) -> FloatArray:
        return np.asarray(self.r2_km - self.r1_km)

    @property
    def relative_velocity_km_s(self) -> FloatArray:
        return np.asarray(self.v2_km_s - self.v1_km_s)


def _symmetric(c: FloatArray) -> bool:
    """Symmetric to rounding: asymmetry below 1e-9 of the largest element."""
    return bool(np.max(np.abs(c - c.T)) <= 1e-9 * np.max(np.abs(c)))


def encounter_model(
    r1_km: ArrayLike,
    v1_km_s: ArrayLike,
    cov1_km2: ArrayLike,
    r2_km: ArrayLike,
    v2_km_s: ArrayLike,
    cov2_km2: ArrayLike,
    hbr_km: float,
) -> EncounterModel:
    """Validate one conjunction and map both objects' states and covariances to elements."""
    r1, v1, c1 = _as_float(r1_km), _as_float(v1_km_s), _as_float(cov1_km2)
    r2, v2, c2 = _as_float(r2_km), _as_float(v2_km_s), _as_float(cov2_km2)
    nan6 = np.full(6, np.nan)
    status = Pc3DStatus.OK
    if c1.shape != (6, 6) or c2.shape != (6, 6):
        status = Pc3DStatus.BAD_COVARIANCE
    elif not all(np.isfinite(x).all() for x in (r1, v1, c1, r2, v2, c2)):
        status = Pc3DStatus.NONFINITE_INPUT
    elif not (np.isfinite(hbr_km) and hbr_km > 0):
        status = Pc3DStatus.BAD_HBR
    elif not all(_symmetric(c) for c in (c1, c2)):
        status = Pc3DStatus.BAD_COVARIANCE
    if status != Pc3DStatus.OK:
        eye = np.eye(3)
        return EncounterModel(
            r1, v1, c1, r2, v2, c2, float(hbr_km), eye, nan6, nan6,
            np.full((6, 6), np.nan), np.full((6, 6), np.nan), np.nan, status,
        )  # fmt: skip
    rot = prograde_rotation(np.cross(r1, v1), np.cross(r2, v2))
    rot6 = np.zeros((6, 6))
    rot6[:3, :3] = rot6[3:, 3:] = rot
    r1, v1, r2, v2 = rot @ r1, rot @ v1, rot @ r2, rot @ v2
    c1, c2 = rot6 @ c1 @ rot6.T, rot6 @ c2 @ rot6.T
    elements, covariances = [], []
    for r, v, c in ((r1, v1, c1), (r2, v2, c2)):
        e = cartesian_to_equinoctial(r, v)
        if not np.isfinite(e).all():
            status = Pc3DStatus.UNBOUND_ORBIT
            elements.append(nan6)
            covariances.append(np.full((6, 6), np.nan))
            continue
        _, jac = state_jacobian(e, 0.0)
        k = np.linalg.inv(jac)
        q = k @ (0.5 * (c + c.T)) @ k.T
        elements.append(e)
        covariances.append(0.5 * (q + q.T))
    period = float(min(orbit_period_s(r1, v1), orbit_period_s(r2, v2)))
    return EncounterModel(
        r1, v1, c1, r2, v2, c2, float(hbr_km), rot, elements[0], elements[1],
        covariances[0], covariances[1], period, status,
    )  # fmt: skip


# ----------------------------------------------------------------------------- peak overlap


def _element_offset(mean: FloatArray, centre: FloatArray) -> FloatArray:
    """Mean minus expansion-centre elements, the mean-longitude difference wrapped by asin(sin)."""
    d = mean - centre
    d[..., 5] = np.arcsin(
        np.clip(
            np.sin(mean[..., 5]) * np.cos(centre[..., 5])
            - np.cos(mean[..., 5]) * np.sin(centre[..., 5]),
            -1,
            1,
        )
    )
    return d


@dataclass
class _Rates:
    """Collision rate and the quantities the usage checks need, per ephemeris time."""

    t: FloatArray
    ncdot: FloatArray  # NaN where the peak-overlap iteration failed
    md2: FloatArray  # Mahalanobis distance² of the relative mode
    log_det: FloatArray  # log det of the relative position covariance (km⁶)
    speed: FloatArray  # relative speed of the mode, km/s
    converged: NDArray[np.bool_]
    expansion: FloatArray  # (n, 2, 6) the converged expansion elements (epoch), warm starts

    def taken(self, mask: NDArray[np.bool_]) -> _Rates:
        return _Rates(*(getattr(self, f)[mask] for f in _RATE_FIELDS))

    def merged(self, other: _Rates) -> _Rates:
        order = np.argsort(np.concatenate([self.t, other.t]), kind="stable")
        return _Rates(
            *(np.concatenate([getattr(self, f), getattr(other, f)])[order] for f in _RATE_FIELDS)
        )


_RATE_FIELDS: Final = ("t", "ncdot", "md2", "log_det", "speed", "converged", "expansion")


def _relative_md2(xu: FloatArray, p: FloatArray, floor: float) -> FloatArray:
    """Mahalanobis distance² of the relative position; states (2, n, 6), covariances (2, n, 6, 6)"""
    rel = xu[1, :, :3] - xu[0, :, :3]
    ainv, _ = _clipped_inverse(p[0, :, :3, :3] + p[1, :, :3, :3], floor)
    return np.asarray(np.einsum("ni,nij,nj->n", rel, ainv, rel))


def _peak_overlap(
    model: EncounterModel, t: FloatArray, start: FloatArray | None = None, md2_floor: float = np.inf
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_], NDArray[np.bool_]]:
    """Expansion states and Jacobians at the peak overlap point, for every time in ``t``.

    Returns (xu, js, es, converged, faint): the states (2, n, 6) about which each object's
    distribution is linearised, the Jacobians dX(t)/dE0 (2, n, 6, 6) there (object 1,
    object 2 on the first axis: both go through each step in one array call), the
    expansion elements (epoch form, (2, n, 6)), a convergence mask and the times stopped
    as faint (``_POP_FAINT_MD2`` beyond the nearest time, ``md2_floor`` or this call's;
    counted as converged, their rate is 0).  Every time
    iterates on its own, from the mean elements or from ``start`` (the expansion
    converged at a nearby time: one iteration fewer, the same fixed point to the
    convergence tolerance; Pc moves by under 1e-8 of itself on the CARA cases).
    """
    h = model.hbr_km
    floor = (_FCLIP * h) ** 2
    n = t.size
    e0 = np.stack([np.broadcast_to(e, (n, 6)) for e in (model.elements1, model.elements2)])
    q = np.stack([model.covariance1, model.covariance2])[:, None]
    es = e0.copy() if start is None else np.array(start)
    xs, js = state_jacobian(es, t)
    active = np.ones(n, dtype=bool)
    converged = np.zeros(n, dtype=bool)
    faint = np.zeros(n, dtype=bool)
    mup_old = np.full((n, 3), np.nan)
    mup_old2 = np.full((n, 3), np.nan)
    avg_iter, acc_iter, osc_iter = 35, 25, 15
    eye = np.eye(3)
    for iteration in range(_POP_MAXITER + 1):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        j = js[:, idx]
        xu = xs[:, idx]
        if iteration > 0 or start is not None:
            xu = xu + np.einsum("knij,knj->kni", j, _element_offset(e0[:, idx], es[:, idx]))
        p = j @ q @ np.swapaxes(j, -1, -2)
        ainv, _ = _clipped_inverse(p[..., :3, :3], floor)
        sigp = np.linalg.inv(ainv[0] + ainv[1])
        mup = np.einsum("nij,nj->ni", sigp, np.einsum("knij,knj->ni", ainv, xu[..., :3]))
        if iteration > avg_iter:
            mup = 0.5 * (mup + mup_old[idx])
        vp = xu[..., 3:] + np.einsum("knij,knj->kni", p[..., 3:, :3] @ ainv, mup - xu[..., :3])
        potential = -MU_EARTH_KM3_S2 / np.linalg.norm(mup, axis=-1)
        bound = (0.5 * np.sum(vp**2, -1) + potential < 0).all(axis=0)
        done = np.zeros(idx.size, dtype=bool)
        good = np.zeros(idx.size, dtype=bool)
        if iteration > 0:
            rem_inv = np.linalg.inv(sigp + h**2 * eye)
            d = mup_old[idx] - mup
            dmd2 = np.einsum("ni,nij,nj->n", d, rem_inv, d)
            good = dmd2 <= _POP_TOL[0]
            if iteration >= _POP_MAXITER:
                done[:] = True
            elif iteration > osc_iter:
                d2 = mup_old2[idx] - mup
                good |= np.einsum("ni,nij,nj->n", d2, rem_inv, d2) <= _POP_TOL[0]
                if iteration > avg_iter:
                    cut = _POP_TOL[1]
                elif iteration <= acc_iter:
                    cut = _POP_TOL[0]
                else:
                    frac = (iteration - acc_iter) / (avg_iter - acc_iter)
                    cut = float(
                        np.exp((1 - frac) * np.log(_POP_TOL[0]) + frac * np.log(_POP_TOL[1]))
                    )
                good |= dmd2 <= cut
        mup2 = np.broadcast_to(mup, vp.shape)
        el = cartesian_to_equinoctial(mup2, vp)
        ok = bound & np.isfinite(el).all(-1).all(0)
        tt = t[idx]
        el[..., 5] = np.mod(el[..., 5] - el[..., 0] * tt, 2 * np.pi)
        if iteration >= _POP_FAINT_ITER:
            if iteration == _POP_FAINT_ITER:
                q_all = js @ q @ np.swapaxes(js, -1, -2)
                x_all = xs + np.einsum("knij,knj->kni", js, _element_offset(e0.copy(), es))
                md2_all = _relative_md2(x_all, q_all, floor)
                if np.isfinite(md2_all).any():
                    md2_floor = min(md2_floor, float(np.nanmin(md2_all)))
            far = _relative_md2(xu, p, floor) - md2_floor > _POP_FAINT_MD2
            stop = ok & ~good & far & (dmd2 <= 1.0)
            faint[idx[stop]] = True
            good = good | stop
        finished = ~ok | good | done
        # A time that stops here keeps the expansion that gave this mode (the same point
        # to the convergence tolerance): its Jacobian is not recomputed for nothing.
        go_on = ok & ~finished
        upd = idx[go_on]
        if upd.size:
            es[:, upd] = el[:, go_on]
            xs[:, upd] = np.concatenate([mup2, vp], axis=-1)[:, go_on]
            _, js[:, upd] = state_jacobian(el[:, go_on], tt[go_on])
        converged[idx[ok & good]] = True
        mup_old2[idx] = mup_old[idx]
        mup_old[idx] = mup
        active[idx[finished]] = False
    xu = xs + np.einsum("knij,knj->kni", js, _element_offset(e0.copy(), es))
    return xu, js, es, converged, faint


def _pole_frames(axis: FloatArray) -> FloatArray:
    """Rotations (n, 3, 3) whose rows are an orthonormal frame with its third row along ``axis``."""
    norm = np.linalg.norm(axis, axis=-1, keepdims=True)
    e3 = np.where(norm > 0, axis / np.where(norm > 0, norm, 1.0), np.array([0.0, 0.0, 1.0]))
    helper = np.eye(3)[np.argmin(np.abs(e3), axis=-1)]
    e1 = _cross(e3, helper)
    e1 /= np.linalg.norm(e1, axis=-1, keepdims=True)
    return np.stack([e1, _cross(e3, e1), e3], axis=-2)


def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    """Cross products of (n, 3) rows (``np.cross`` costs several times more on small arrays)."""
    out = np.empty_like(a)
    out[:, 0] = a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1]
    out[:, 1] = a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2]
    out[:, 2] = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return out


@dataclass(frozen=True)
class _Linearised:
    """The relative distribution at each time, linearised about the peak overlap point."""

    ainv: FloatArray  # inverse relative position covariance (n, 3, 3), eigenvalues clipped
    bs: FloatArray  # velocity-position regression B A⁻¹ (n, 3, 3)
    csp: FloatArray  # velocity covariance given position (n, 3, 3)
    ru: FloatArray  # relative position of the mode (n, 3)
    vu: FloatArray  # relative velocity of the mode (n, 3)
    md2: FloatArray  # its Mahalanobis distance squared
    log_n0: FloatArray  # log of the Gaussian's normalisation
    flux_axis: FloatArray  # mean relative velocity at the sphere's centre, vu − bs ru
    ainv_ru: FloatArray  # A⁻¹ ru (n, 3)
    lam: FloatArray  # largest eigenvalue of ainv: 1 / the thinnest variance


def _sphere_flux(lin: _Linearised, h: float, idx: NDArray[np.intp]) -> FloatArray:
    """Ṅc = R² ∮ ν N₃ dΩ at the times ``idx``, with a sphere rule sized to each integrand."""
    out = np.zeros(idx.size)
    lam = lin.lam[idx]
    # Log-variation of the Gaussian factor over the sphere: sets the rule's resolution.
    kappa = 2 * h * np.linalg.norm(lin.ainv_ru[idx], axis=-1) + h**2 * lam
    slab = h * np.sqrt(lam) > _SLAB_SIGMAS
    if slab.any():
        loc = np.flatnonzero(slab)
        eigval, eigvec = np.linalg.eigh(lin.ainv[idx[loc]])
        out[loc] = _slab_flux(lin, h, idx[loc], eigvec[:, :, -1], eigval[:, -1])
    rot = _pole_frames(lin.flux_axis[idx])
    coef = _flux_coefficients(lin, h, idx, rot)
    vu = np.einsum("nij,nj->ni", rot, lin.vu[idx])
    lower = -np.inf
    for n_u, kappa_max in _SPHERE_RULES:
        group = np.flatnonzero(~slab & (kappa > lower) & (kappa <= kappa_max))
        lower = kappa_max
        if group.size == 0:
            continue
        basis, weights = _sphere_rule(n_u)
        step = max(1, _SPHERE_CHUNK // weights.size)
        cols = [slice(c, c + _SPHERE_CHUNK) for c in range(0, weights.size, _SPHERE_CHUNK)]
        for start in range(0, group.size, step):
            loc = group[start : start + step]
            out[loc] = sum(
                _flux_integral(coef[:, loc], vu[loc], basis[:, c], weights[c], h) for c in cols
            )
    return out


def _flux_coefficients(
    lin: _Linearised, h: float, idx: NDArray[np.intp], rot: FloatArray
) -> FloatArray:
    """Coefficients (3, n, 10) over ``_sphere_rule``'s basis, in the frames ``rot`` (z: flux axis).

    Rows: log N₃(R r̂) = log n0 − (R r̂ − ru)ᵀ A⁻¹ (R r̂ − ru) / 2; the mean radial
    velocity ν0 = r̂ᵀ (vu − bs ru) + R r̂ᵀ bs r̂ over √2; its variance r̂ᵀ csp r̂.
    """
    blocks = np.stack([lin.ainv[idx], lin.bs[idx], lin.csp[idx]])
    quadratic = _sym6(rot @ blocks @ np.swapaxes(rot, -1, -2))
    coef = np.zeros((3, idx.size, 10))
    coef[:, :, :6] = quadratic * np.array([-0.5 * h**2, h / np.sqrt(2.0), 1.0])[:, None, None]
    coef[0, :, 6:9] = h * np.einsum("nij,nj->ni", rot, lin.ainv_ru[idx])
    coef[0, :, 9] = lin.log_n0[idx] - 0.5 * lin.md2[idx]
    coef[1, :, 6:9] = np.einsum("nij,nj->ni", rot, lin.flux_axis[idx]) / np.sqrt(2.0)
    return coef


def _flux_integral(
    coef: FloatArray, vu: FloatArray, basis: FloatArray, weights: FloatArray, h: float
) -> FloatArray:
    """R² ∮ ν N₃ dΩ for coefficients (3, n, 10) (``_flux_coefficients``), ``vu`` in their frames.

    ν is the expected inward radial speed of a Gaussian velocity, ν √(2π) = σ (exp(−x²) −
    √π x erfc x) with x = ν0 / (σ √2); where σ² ≤ 0 it is the mean's, max(0, −r̂ᵀ vu).
    """
    n = coef.shape[1]
    log_gauss, nu0, sig2 = (coef.reshape(3 * n, 10) @ basis).reshape(3, n, -1)
    positive = None if sig2.min() > 0 else sig2 > 0
    sig = np.sqrt(sig2, out=sig2) if positive is None else np.sqrt(np.where(positive, sig2, 1.0))
    nu = _inflow(np.divide(nu0, sig, out=nu0))
    nu *= sig
    if positive is not None:
        nu = np.where(positive, nu, np.sqrt(2 * np.pi) * np.maximum(0.0, -(vu @ basis[6:9])))
    nu *= np.exp(log_gauss, out=log_gauss)
    # Not nu @ weights: for one time that is a BLAS dot, threaded beyond 10,000 directions.
    return np.asarray((h**2 / np.sqrt(2 * np.pi)) * np.einsum("nl,l->n", nu, weights))


def _inflow(x: FloatArray) -> FloatArray:
    """exp(−x²) − √π x erfc(x), elementwise: erfc, the costly part, only where it matters.

    Outside (``_INFLOW_LINEAR``, ``_INFLOW_ZERO``) the value is −2√π x or 0 to the last
    bit; on a fast encounter nearly every direction lies there.
    """
    mid = (x > _INFLOW_LINEAR) & (x < _INFLOW_ZERO)
    count = np.count_nonzero(mid)
    if count > 0.9 * x.size:  # nearly all inside: gathering them costs more than it saves
        return _inflow_formula(x)
    out: FloatArray = np.maximum(x * (-2.0 * np.sqrt(np.pi)), 0.0)
    if count:
        out[mid] = _inflow_formula(x[mid])
    return out


def _inflow_formula(x: FloatArray) -> FloatArray:
    """exp(−x²) − √π x erfc(x) as written, for every element."""
    out: FloatArray = special.erfc(x)
    out *= x
    out *= -np.sqrt(np.pi)
    out += np.exp(-(x * x))
    return out


def _slab_flux(
    lin: _Linearised, h: float, idx: NDArray[np.intp], normal: FloatArray, lam: FloatArray
) -> FloatArray:
    """Ṅc where the hard-body sphere is much larger than the thinnest standard deviation.

    The Gaussian then lives in a thin slab that crosses the sphere in a latitude band
    about the slab's normal; the rule puts ``_SLAB_NODES`` Gauss-Legendre latitudes
    across that band (±9 σ, the rest is below exp(-40)) and ``_SLAB_LONGITUDES`` equally
    spaced longitudes, instead of refining a whole-sphere rule until it sees the band.
    """
    out = np.zeros(idx.size)
    x, w = np.polynomial.legendre.leggauss(_SLAB_NODES)
    n_phi = _SLAB_LONGITUDES
    phi = 2.0 * np.pi * np.arange(n_phi) / n_phi
    frames = _pole_frames(normal)
    sigma = 1.0 / np.sqrt(lam)
    centre = np.einsum("ni,ni->n", normal, lin.ru[idx]) / h
    lo = np.clip(centre - 9.0 * sigma / h, -1.0, 1.0)
    hi = np.clip(centre + 9.0 * sigma / h, -1.0, 1.0)
    for k in np.flatnonzero(hi > lo):
        n = idx[k]
        u = 0.5 * (hi[k] + lo[k]) + 0.5 * (hi[k] - lo[k]) * x
        wu = 0.5 * (hi[k] - lo[k]) * w
        ring = np.sqrt(1.0 - u**2)
        local = np.stack(
            [np.outer(ring, np.cos(phi)), np.outer(ring, np.sin(phi)), np.outer(u, np.ones(n_phi))]
        ).reshape(3, -1)
        rhat = frames[k].T @ local
        weights = np.outer(wu, np.full(n_phi, 2.0 * np.pi / n_phi)).ravel()
        dr = h * rhat - lin.ru[n][:, None]
        md2_s = np.einsum("il,ij,jl->l", dr, lin.ainv[n], dr)
        nu0 = lin.vu[n] @ rhat + np.einsum("il,ij,jl->l", rhat, lin.bs[n], dr)
        sig2 = np.einsum("il,ij,jl->l", rhat, lin.csp[n], rhat)
        positive = sig2 > 0
        sig = np.sqrt(np.where(positive, sig2, 1.0))
        z = nu0 / (sig * np.sqrt(2.0))
        nu = sig * (np.exp(-(z**2)) - np.sqrt(np.pi) * z * special.erfc(z)) / np.sqrt(2 * np.pi)
        nu = np.where(positive, nu, np.maximum(0.0, -(lin.vu[n] @ rhat)))
        out[k] = h**2 * float(np.sum(weights * nu * np.exp(lin.log_n0[n] - 0.5 * md2_s)))
    return out


def _rates(
    model: EncounterModel, t: FloatArray, reference: float = 0.0, known: _Rates | None = None
) -> _Rates:
    """Ṅc at each time: the flux of relative probability into the hard-body sphere.

    A time whose upper bound on Ṅc (the whole sphere at its smallest Mahalanobis
    distance, with the largest possible flux) is below ``_SKIP`` times the largest
    rate known (``reference``, or the largest of the first few times computed) is set to 0
    without integrating: far below the 1e-6 cutoff that shapes the refinement.  ``known``
    (the times computed so far) gives each time its peak-overlap start.
    """
    t = np.asarray(t, dtype=np.float64)
    h = model.hbr_km
    floor = np.inf
    if known is not None and known.converged.any():
        floor = float(np.min(known.md2[known.converged]))
    xu, js, es, conv, faint = _peak_overlap(model, t, _warm_start(known, t), floor)
    q = np.stack([model.covariance1, model.covariance2])[:, None]
    ps = (js @ q @ np.swapaxes(js, -1, -2)).sum(axis=0)
    a, b, c = ps[:, :3, :3], ps[:, 3:, :3], ps[:, 3:, 3:]
    val, vec = _clipped_eigh(a, (_FCLIP * h) ** 2)
    ainv, det = _eigen_inverse(val, vec), np.prod(val, axis=-1)
    bs = b @ ainv
    csp = c - bs @ np.swapaxes(b, -1, -2)
    ru = xu[1, :, :3] - xu[0, :, :3]
    vu = xu[1, :, 3:] - xu[0, :, 3:]
    ainv_ru = np.einsum("nij,nj->ni", ainv, ru)
    md2 = np.einsum("ni,ni->n", ru, ainv_ru)
    log_n0 = -1.5 * np.log(2 * np.pi) - 0.5 * np.log(det)
    ms2 = md2 - 2 * h * np.linalg.norm(ainv_ru, axis=-1)
    flux_axis = vu - np.einsum("nij,nj->ni", bs, ru)
    lin = _Linearised(ainv, bs, csp, ru, vu, md2, log_n0, flux_axis, ainv_ru, 1.0 / val[:, 0])
    ncdot = np.zeros(t.size)
    need = np.flatnonzero(conv & ~faint & (ms2 <= _MD2_CUT))
    # Largest eigenvalues of bsᵀ bs (its 2-norm squared) and of csp, in one call.
    top = np.linalg.eigvalsh(np.stack([np.swapaxes(bs, -1, -2) @ bs, csp]))[..., -1]
    with np.errstate(over="ignore"):
        flux_max = np.linalg.norm(flux_axis, axis=-1) + h * np.sqrt(np.maximum(top[0], 0.0))
        flux_max = flux_max + np.sqrt(np.maximum(top[1], 0.0))
        bound = 4 * np.pi * h**2 * flux_max * np.exp(log_n0 - 0.5 * np.maximum(ms2, 0.0))
    order = need[np.argsort(-bound[need])]
    if reference <= 0 and order.size:
        first = order[:4]
        ncdot[first] = _sphere_flux(lin, h, first)
        reference = float(ncdot[first].max())
        order = order[4:]
    keep = order[~(bound[order] < _SKIP * reference)]
    if keep.size:
        ncdot[keep] = _sphere_flux(lin, h, keep)
    ncdot[ncdot <= _NCDOT_TINY] = 0.0
    ncdot[~conv] = np.nan
    expansion = np.swapaxes(es, 0, 1)
    return _Rates(t, ncdot, md2, np.log(det), np.linalg.norm(vu, axis=-1), conv, expansion)


def _warm_start(known: _Rates | None, t: FloatArray) -> FloatArray | None:
    """Each time's peak-overlap start: the converged expansion of the nearest known time."""
    if known is None or not known.converged.any():
        return None
    ok = np.flatnonzero(known.converged)
    near = np.argmin(np.abs(t[:, None] - known.t[ok][None, :]), axis=1)
    return np.asarray(np.swapaxes(known.expansion[ok[near]], 0, 1))


# ----------------------------------------------------------------------------- time refinement


def _separation_maxima(model: EncounterModel, around: float) -> tuple[float, float] | None:
    """The maxima of the mean separation that bracket TCA (and ``around``), two-body."""
    p1 = float(orbit_period_s(model.r1_km, model.v1_km_s))
    p2 = float(orbit_period_s(model.r2_km, model.v2_km_s))
    span = min(1.10 * max(p1, p2), 2.20 * min(p1, p2))
    ts = np.linspace(-span, span, 51)
    elements = np.stack([model.elements1, model.elements2])

    def sep2(t: FloatArray) -> FloatArray:
        """Squared separations at times ``t`` (any shape): both objects in one Kepler solve."""
        e = elements.reshape(2, *([1] * t.ndim), 6)
        r, _ = equinoctial_to_cartesian(propagate_elements(e, t))
        return np.asarray(np.sum((r[1] - r[0]) ** 2, axis=-1))

    d2 = sep2(ts)
    interior = np.flatnonzero((d2[1:-1] >= d2[:-2]) & (d2[1:-1] >= d2[2:])) + 1
    lo = interior[ts[interior] < min(0.0, around)]
    hi = interior[ts[interior] > max(0.0, around)]
    if lo.size == 0 or hi.size == 0:
        return None
    # Resample both brackets twice, 41 points each: the maximum to 1/400 of the
    # 51-point step, finer than the hundredth of a period CARA asks.
    bracket = np.array([lo.max(), hi.min()])
    a, b = ts[bracket - 1], ts[bracket + 1]
    rows = np.arange(2)
    for _ in range(2):
        fine = np.linspace(a, b, 41, axis=-1)
        k = np.clip(np.argmax(sep2(fine), axis=-1), 1, 39)
        a, b = fine[rows, k - 1], fine[rows, k + 1]
    return float(0.5 * (a[0] + b[0])), float(0.5 * (a[1] + b[1]))


def _refine(
    model: EncounterModel, lo: float, hi: float, lim_lo: float, lim_hi: float, neph: int
) -> tuple[_Rates, bool]:
    """Ephemeris times over which Ṅc is resolved, with the rates; False when refinement ran out.

    A peak with a wide gap beside it is approached one halving a round; a round that
    adds few times computes the next ``_SPECULATE`` halvings too (one array call costs
    about what one time does) and keeps them aside, merged only when a later round asks
    for exactly those times.  Times after the first round start their peak-overlap
    iteration from the nearest converged time's expansion.
    """
    rates = _rates(model, np.linspace(lo, hi, neph))
    step0 = max((hi - lo) / 2, abs(lim_lo) / (_MAX_ROUNDS / 3), abs(lim_hi) / (_MAX_ROUNDS / 3))
    x = np.sqrt(2.0) * special.erfcinv(max(_NCDOT_GAMMA, _GAMMA))
    reduction = float(np.exp(-(x**2) / 2) / np.sqrt(2 * np.pi))
    span_points = max(51, round((neph - 1) / 2))
    expanded = False
    spare: _Rates | None = None
    for _ in range(_MAX_ROUNDS):
        t, nc = rates.t, rates.ncdot
        new: list[float] = []
        ahead: list[float] = []
        if not rates.converged.any():
            if expanded or (t[0] <= lim_lo and t[-1] >= lim_hi):
                return rates, False
            expanded = True
            rates, spare = _rates(model, np.linspace(lim_lo, lim_hi, 2 * neph)), None
            continue
        ncv = np.where(np.isnan(nc), 0.0, nc)
        peak = float(ncv.max())
        if peak == 0.0:
            md2 = np.where(rates.converged, rates.md2, np.inf)
            i = int(np.clip(np.argmin(md2), 1, t.size - 2))
            near, far = (i - 1, i + 1) if md2[i - 1] <= md2[i + 1] else (i + 1, i - 1)
            if abs(t[i] - t[far]) > 3 * abs(t[i] - t[near]):
                new.append(0.5 * (t[i] + t[far]))
            elif not (
                (abs(md2[near] - md2[i]) < 1e-2 or abs(md2[near] - md2[i]) < 1e-2 * md2[i])
                and abs(t[i] - t[near]) < 0.1 * (t[-1] - t[0])
            ):
                new.append(0.5 * (t[i] + t[near]))
        else:
            cut = peak * reduction
            imax = int(np.argmax(ncv))
            if (imax == 0 or ncv[0] > cut) and t[0] > lim_lo:
                new.append(max(t[0] - step0, lim_lo))
            elif (imax == t.size - 1 or ncv[-1] > cut) and t[-1] < lim_hi:
                new.append(min(t[-1] + step0, lim_hi))
            else:
                new = _bisections(t, ncv, cut, span_points)
                if len(new) <= _SPECULATE_BELOW:
                    ahead = _toward_peaks(t, ncv, new)
        # Set operations on a few floats: Python's sets cost less than numpy's here.
        fresh = set(new).difference(t.tolist())
        if not fresh:
            return rates, True
        if spare is None or not fresh.issubset(spare.t.tolist()):
            known = float(np.nanmax(rates.ncdot)) if rates.converged.any() else 0.0
            spare = _rates(model, np.array(sorted(fresh.union(ahead))), known, rates)
        take = np.array([x in fresh for x in spare.t.tolist()], dtype=bool)
        rates = rates.merged(spare.taken(take))
        spare = spare.taken(~take)
    return rates, False


def _toward_peaks(t: FloatArray, nc: FloatArray, new: list[float]) -> list[float]:
    """Bisections that would follow ``new``: each halving again toward its higher neighbour.

    A rate peak at an ephemeris point with a wide gap on one side is approached one
    halving a round; these are the next ``_SPECULATE`` halvings of each such chain.
    """
    out: list[float] = []
    for m in new:
        k = int(np.searchsorted(t, m))
        if not 0 < k < t.size:
            continue
        target = float(t[k] if nc[k] >= nc[k - 1] else t[k - 1])
        for _ in range(_SPECULATE):
            m = 0.5 * (target + m)
            out.append(m)
    return out


def _bisections(t: FloatArray, nc: FloatArray, cut: float, span_points: int) -> list[float]:
    """New times: near unresolved peaks, then in heavy trapezoid panels, then over the cut span."""
    new: list[float] = []
    n = t.size
    step = np.diff(nc)
    left = np.concatenate([[np.inf], step])
    right = np.concatenate([-step, [np.inf]])
    peaks = np.flatnonzero((nc > 0) & (left > 0) & (right > 0))
    peaks = peaks[np.argsort(-nc[peaks])][:4]
    for k in peaks:
        tol = _NCDOT_PEAK_TOL * nc[k]
        if k > 0 and (
            nc[k] - nc[k - 1] > tol or (k < n - 1 and t[k] - t[k - 1] >= 2 * (t[k + 1] - t[k]))
        ):
            new.append(0.5 * (t[k] + t[k - 1]))
        if k < n - 1 and (
            nc[k] - nc[k + 1] > tol or (k > 0 and t[k + 1] - t[k] >= 2 * (t[k] - t[k - 1]))
        ):
            new.append(0.5 * (t[k] + t[k + 1]))
    if new:
        return new
    dt = np.diff(t)
    width = np.concatenate([dt[:1], dt[:-1] + dt[1:], dt[-1:]]) / 2
    share = width * nc
    total = share.sum()
    for k in np.flatnonzero(share > _NCSUM_TOL * total):
        if k > 0:
            new.append(0.5 * (t[k - 1] + t[k]))
        if k < n - 1:
            new.append(0.5 * (t[k + 1] + t[k]))
    if new:
        return new
    above = np.flatnonzero(nc > cut)
    lo, hi = max(int(above[0]) - 1, 0), min(int(above[-1]) + 1, n - 1)
    dtmax = (t[hi] - t[lo]) / span_points
    wide = lo + np.flatnonzero(np.diff(t[lo : hi + 1]) > dtmax)
    new.extend(0.5 * (t[wide] + t[wide + 1]))
    return new


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class Pc3DResult:
    """Hall's 3-D Pc for one conjunction.

    ``pc`` is ``min(1, nc)`` when ``status`` is 0 and NaN otherwise; ``t_s`` and
    ``ncdot_per_s`` are the refined ephemeris times (s from TCA) and the collision rate
    there; ``window_s`` the span integrated, ``duration_s`` the effective conjunction
    duration (where the rate or its running integral lies inside the 1e-6 tails) and
    ``peak_s`` the time of the largest rate.  ``rotated`` says the frame was turned to
    avoid a retrograde equatorial orbit.
    """

    pc: float
    nc: float
    status: int
    t_s: FloatArray
    ncdot_per_s: FloatArray
    window_s: tuple[float, float]
    duration_s: tuple[float, float]
    peak_s: float
    rate_peaks: int
    rotated: bool
    _rates: _Rates | None = None

    @property
    def message(self) -> str:
        return PC3D_STATUS[self.status]


def _failed(status: int, rotated: bool = False) -> Pc3DResult:
    nan2 = (np.nan, np.nan)
    empty = np.zeros(0)
    return Pc3DResult(np.nan, np.nan, status, empty, empty, nan2, nan2, np.nan, 0, rotated)


def pc3d_hall(
    r1_km: ArrayLike,
    v1_km_s: ArrayLike,
    cov1_km2: ArrayLike,
    r2_km: ArrayLike,
    v2_km_s: ArrayLike,
    cov2_km2: ArrayLike,
    hbr_km: float,
    *,
    window_s: tuple[float, float] | None = None,
    ephemeris_points: int = _NEPH,
) -> Pc3DResult:
    """Hall's 3D-Nc collision probability of one conjunction from both objects' TCA states.

    States (3,) in one inertial frame, covariances (6, 6) of position and velocity in
    that frame (km², km²/s, km²/s²).  ``window_s`` bounds the encounter (s from TCA);
    by default it runs between the maxima of the mean separation that bracket TCA (or
    ±half the shorter period), and integration starts on the Coppola bounds and grows
    as the collision rate requires.  Pass a window (with more ``ephemeris_points``) to
    integrate over a fixed span, as CARA's tests of the Alfano cases do.
    """
    model = encounter_model(r1_km, v1_km_s, cov1_km2, r2_km, v2_km_s, cov2_km2, hbr_km)
    rotated = not np.array_equal(model.rotation, np.eye(3))
    if model.status != Pc3DStatus.OK:
        return _failed(model.status, rotated)
    r, v = model.relative_position_km, model.relative_velocity_km_s
    tau0, tau1 = coppola_bounds_s(r, v, model.cov1 + model.cov2, model.hbr_km)
    half = 0.5 * model.period_min_s
    if window_s is not None:
        lim_lo, lim_hi = float(min(window_s)), float(max(window_s))
        lo, hi = lim_lo, lim_hi
    else:
        mid = 0.5 * (tau0 + tau1) if np.isfinite(tau0 + tau1) else 0.0
        limits = _separation_maxima(model, mid)
        lim_lo, lim_hi = limits if limits is not None else (-half, half)
        lo, hi = tau0, tau1
        if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lim_lo or lo >= lim_hi:
            lo, hi = lim_lo, lim_hi
        else:
            lo, hi = max(lo, lim_lo), min(hi, lim_hi)
    rates, finished = _refine(model, lo, hi, lim_lo, lim_hi, ephemeris_points)
    return _result(rates, finished, rotated)


def _result(rates: _Rates, finished: bool, rotated: bool) -> Pc3DResult:
    t, nc = rates.t, rates.ncdot
    ncv = np.where(np.isnan(nc), 0.0, nc)
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (ncv[1:] + ncv[:-1]) * np.diff(t))])
    total = float(cum[-1])
    x = np.sqrt(2.0) * special.erfcinv(_NCDOT_GAMMA)
    cut = float(ncv.max()) * float(np.exp(-(x**2) / 2) / np.sqrt(2 * np.pi))
    converged = finished and bool(np.isfinite(ncv.max()))
    failed = ~rates.converged
    if failed.any() and converged:
        if failed.all():
            converged = False
        elif ncv.max() > 0:
            above = np.flatnonzero(ncv >= cut)
            near = np.unique(np.clip(np.concatenate([above - 1, above + 1]), 0, t.size - 1))
            converged = not failed[near].any()
    status = Pc3DStatus.OK if converged else Pc3DStatus.NOT_CONVERGED
    above = np.flatnonzero(ncv >= cut) if ncv.max() > 0 else np.arange(0)
    if above.size and total > 0:
        frac = cum / total
        tails = np.flatnonzero(np.minimum(frac, 1 - frac) > _NCDOT_GAMMA)
        first = min(above[0], max(tails[0] - 1, 0) if tails.size else above[0])
        last = max(above[-1], min(tails[-1] + 1, t.size - 1) if tails.size else above[-1])
        duration = (float(t[first]), float(t[last]))
        left = np.r_[True, ncv[1:] > ncv[:-1]]
        right = np.r_[ncv[:-1] >= ncv[1:], True]
        maxima = np.flatnonzero(left & right & (ncv >= cut) & (ncv > 0))
        peaks = int(_distinct_peaks(ncv, maxima))
        peak_t = float(t[int(np.argmax(ncv))])
    else:
        duration, peaks, peak_t = (np.nan, np.nan), 0, np.nan
    pc = min(1.0, total) if converged else np.nan
    return Pc3DResult(
        pc=pc,
        nc=total if converged else np.nan,
        status=status,
        t_s=t,
        ncdot_per_s=nc,
        window_s=(float(t[0]), float(t[-1])),
        duration_s=duration,
        peak_s=peak_t,
        rate_peaks=peaks,
        rotated=rotated,
        _rates=rates,
    )


def _distinct_peaks(nc: FloatArray, maxima: NDArray[np.intp]) -> int:
    """Maxima separated by a dip below half the smaller of the two peaks count as distinct."""
    count = 0
    last = -1
    for k in maxima:
        if last < 0 or nc[last:k].min() < 0.5 * min(nc[last], nc[k]):
            count += 1
            last = int(k)
        elif nc[k] > nc[last]:
            last = int(k)
    return count


# ----------------------------------------------------------------------------- usage violations


@dataclass(frozen=True)
class UsageViolations:
    """CARA's 2-D Pc usage-violation indicators for one conjunction, as data.

    ``npd`` (primary, secondary, relative): a position covariance at TCA with an
    eigenvalue ≤ 0.  ``extended`` = min(1, duration / shorter period) and ``offset`` =
    min(1, farthest duration bound from TCA / shorter period), the duration being the
    γ = 1e-16 span of the encounter's Mahalanobis-distance curve (curvilinear when the
    3-D analysis converged, rectilinear otherwise).  ``inaccurate`` = 1 − exp(−|ln
    (Nc2D/Pc2D)|), the small-HBR ratio of the curvilinear to the rectilinear 2-D value
    (NaN without a converged 3-D analysis).  ``blended``: the collision rate has more
    than one distinct peak above its 1e-6 cutoff.  ``violated`` names the indicators
    over their cutoffs (0.02, 0.01, 0.02; CARA PcMultiStep).
    """

    npd: tuple[bool, bool, bool]
    extended: float
    offset: float
    inaccurate: float
    blended: bool
    relative_speed_km_s: float
    sigma_t_s: float
    log_pc_correction: float
    curvilinear: bool

    @property
    def violated(self) -> tuple[str, ...]:
        out = []
        if any(self.npd):
            out.append("npd")
        if self.extended > EXTENDED_CUTOFF:
            out.append("extended")
        if self.offset > OFFSET_CUTOFF:
            out.append("offset")
        if np.isfinite(self.inaccurate) and self.inaccurate > INACCURATE_CUTOFF:
            out.append("inaccurate")
        if self.blended:
            out.append("blended")
        return tuple(out)

    @property
    def any(self) -> bool:
        return bool(self.violated)


def _npd(c: FloatArray) -> bool:
    return bool(np.linalg.eigvalsh(0.5 * (c + c.T)).min() <= 0)


def usage_violations(
    r1_km: ArrayLike,
    v1_km_s: ArrayLike,
    cov1_km2: ArrayLike,
    r2_km: ArrayLike,
    v2_km_s: ArrayLike,
    cov2_km2: ArrayLike,
    hbr_km: float,
    pc3d: Pc3DResult | None = None,
) -> UsageViolations:
    """Whether the 2-D Pc's assumptions hold for this conjunction (see :class:`UsageViolations`).

    ``pc3d`` (the same conjunction's :func:`pc3d_hall`) supplies the curvilinear
    encounter; without it, or when it did not converge, the rectilinear indicators are given.
    """
    r1, v1, c1 = _as_float(r1_km), _as_float(v1_km_s), _as_float(cov1_km2)
    r2, v2, c2 = _as_float(r2_km), _as_float(v2_km_s), _as_float(cov2_km2)
    npd = (_npd(c1[:3, :3]), _npd(c2[:3, :3]), _npd(c1[:3, :3] + c2[:3, :3]))
    r, v = r2 - r1, v2 - v1
    ainv, det = _clipped_inverse((c1 + c2)[:3, :3], (_FCLIP * hbr_km) ** 2)
    speed = float(np.linalg.norm(v))
    v_a_v = float(v @ ainv @ v)
    period = float(min(orbit_period_s(r1, v1), orbit_period_s(r2, v2)))
    nan = float("nan")
    if not (v_a_v > 0 and np.isfinite(period)):
        return UsageViolations(npd, 1.0, 1.0, nan, False, speed, np.inf, nan, False)
    t_rl = -float(r @ ainv @ v) / v_a_v
    s_rl = 1.0 / np.sqrt(v_a_v)
    q_rl = float((r + t_rl * v) @ ainv @ (r + t_rl * v)) + float(np.log(det))
    t_peak, sigma, correction, curvilinear = t_rl, s_rl, nan, False
    rates = pc3d._rates if pc3d is not None and pc3d.status == Pc3DStatus.OK else None
    blended = bool(pc3d is not None and pc3d.rate_peaks > 1)
    if rates is not None:
        fit = _q_minimum(rates)
        if fit is not None:
            t_cl, q_cl, s_cl, v_cl = fit
            if not np.isfinite(s_cl):
                return UsageViolations(npd, 1.0, 1.0, nan, blended, speed, np.inf, nan, True)
            correction = float(np.log(s_cl / s_rl) + np.log(v_cl / speed) + 0.5 * (q_rl - q_cl))
            t_peak, sigma, curvilinear = t_cl, s_cl, True
    half = sigma * np.sqrt(2.0) * float(special.erfcinv(_GAMMA))
    extended = min(1.0, 2 * half / period)
    offset = min(1.0, max(abs(t_peak - half), abs(t_peak + half)) / period)
    inaccurate = 1.0 - float(np.exp(-abs(correction))) if np.isfinite(correction) else nan
    return UsageViolations(
        npd, extended, offset, inaccurate, blended, speed, float(sigma), correction, curvilinear
    )


def _q_minimum(rates: _Rates) -> tuple[float, float, float, float] | None:
    """Time, value and time-sigma of the minimum of Q(t) = MD²(t) + ln det A(t), by a parabola."""
    ok = np.flatnonzero(rates.converged & np.isfinite(rates.md2))
    if ok.size < 3:
        return None
    q = rates.md2[ok] + rates.log_det[ok]
    k = int(np.clip(np.argmin(q), 1, ok.size - 2))
    tt, qq = rates.t[ok][k - 1 : k + 2], q[k - 1 : k + 2]
    a, b, c = np.polyfit(tt - tt[1], qq, 2)
    speed = float(rates.speed[ok][k])
    if a <= 0:
        return float(tt[1]), float(qq[1]), np.inf, speed
    t0 = -b / (2 * a)
    return float(tt[1] + t0), float(c - b**2 / (4 * a)), float(np.sqrt(1.0 / a)), speed
