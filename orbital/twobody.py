"""Two-body motion in equinoctial elements, vectorised: shared math of the 3-D and Monte Carlo Pc.

The element set is the one NASA CARA's 3-D Pc uses (Vallado & Alfano 2015, AAS 15-537,
prograde form): ``E = (n, af, ag, chi, psi, lM)`` with mean motion ``n`` (rad/s), the
eccentricity vector's components ``af``/``ag`` in the equinoctial frame, the inclination
vector ``chi = tan(i/2) sin Ω``, ``psi = tan(i/2) cos Ω`` and mean longitude ``lM`` (rad).
Under two-body motion only ``lM`` changes, by ``n·t``, which makes propagation one Kepler
solve and the Jacobian of a propagated state with respect to the initial elements one
complex-step derivative.  The set is singular for retrograde equatorial orbits (i = 180°):
:func:`prograde_rotation` gives a frame in which neither of two orbits is near that.

Units: km, s, rad.  Arrays take any leading axes.

>>> import numpy as np
>>> r, v = np.array([7000.0, 0.0, 0.0]), np.array([0.0, 7.5, 1.0])
>>> e = cartesian_to_equinoctial(r, v)
>>> r2, v2 = equinoctial_to_cartesian(e)
>>> bool(np.allclose(r2, r, atol=1e-9) and np.allclose(v2, v, atol=1e-12))
True
>>> period = orbit_period_s(r, v)
>>> r3, _ = equinoctial_to_cartesian(propagate_elements(e, period))
>>> bool(np.allclose(r3, r, atol=1e-6))
True
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosmo_agent.orbital.constants import WGS84_MU_KM3_S2

__all__ = [
    "MU_EARTH_KM3_S2",
    "cartesian_to_equinoctial",
    "equinoctial_to_cartesian",
    "orbit_period_s",
    "prograde_rotation",
    "propagate_elements",
    "state_jacobian",
]

FloatArray = NDArray[np.float64]
AnyArray = NDArray[Any]  # float64 or, for complex-step derivatives, complex128

MU_EARTH_KM3_S2: Final = WGS84_MU_KM3_S2
"""Earth's gravitational parameter (EGM-96), km³/s², as NASA CARA's 3-D Pc uses."""

# Kepler's equation is solved by Newton's method from F = lM; it converges
# quadratically for e < 0.99 within this many steps (tested up to e = 0.95).
_KEPLER_STEPS: Final = 30
_KEPLER_TOL: Final = 1e-15
# Complex-step size: the derivative is exact to rounding for any step this small.
_COMPLEX_STEP: Final = 1e-30
# An orbit whose unit angular momentum has z below -1 + this counts as retrograde
# equatorial, where (chi, psi) are singular.
_RETROGRADE_EPS: Final = 1e-6


def _as_float(a: ArrayLike) -> FloatArray:
    return np.asarray(a, dtype=np.float64)


def orbit_period_s(r_km: ArrayLike, v_km_s: ArrayLike) -> FloatArray:
    """Two-body period (s) of each state; ``inf`` for an unbound one."""
    r = np.linalg.norm(_as_float(r_km), axis=-1)
    v2 = np.sum(_as_float(v_km_s) ** 2, axis=-1)
    beta = 2.0 * MU_EARTH_KM3_S2 / r - v2  # = mu / a
    with np.errstate(divide="ignore", invalid="ignore"):
        period = 2.0 * np.pi * MU_EARTH_KM3_S2 * np.where(beta > 0, beta, np.nan) ** -1.5
    return np.asarray(np.where(beta > 0, period, np.inf))


def cartesian_to_equinoctial(r_km: ArrayLike, v_km_s: ArrayLike) -> FloatArray:
    """Elements ``(..., 6)`` = (n, af, ag, chi, psi, lM) of Cartesian states; NaN where unbound.

    A state with non-negative energy, eccentricity 1 or more, or a retrograde
    equatorial orbit gives a row of NaN (rotate the frame first, see
    :func:`prograde_rotation`).  ``lM`` is in [0, 2π).
    """
    r = _as_float(r_km)
    v = _as_float(v_km_s)
    # Component arithmetic: these run on a few dozen states per call inside Pc3D's
    # peak-overlap iteration, where each array call's overhead is most of the cost.
    rx, ry, rz = r[..., 0], r[..., 1], r[..., 2]
    vx, vy, vz = v[..., 0], v[..., 1], v[..., 2]
    rn = np.sqrt(rx * rx + ry * ry + rz * rz)
    v2 = vx * vx + vy * vy + vz * vz
    with np.errstate(divide="ignore", invalid="ignore"):
        a = MU_EARTH_KM3_S2 * rn / (2.0 * MU_EARTH_KM3_S2 - v2 * rn)
        n = np.sqrt(MU_EARTH_KM3_S2 / a**3)
        rdv = rx * vx + ry * vy + rz * vz
        k = (v2 - MU_EARTH_KM3_S2 / rn) / MU_EARTH_KM3_S2
        kv = rdv / MU_EARTH_KM3_S2
        ex, ey, ez = k * rx - kv * vx, k * ry - kv * vy, k * rz - kv * vz
        hx, hy, hz = ry * vz - rz * vy, rz * vx - rx * vz, rx * vy - ry * vx
        hn = np.sqrt(hx * hx + hy * hy + hz * hz)
        den = 1.0 + hz / hn
        chi = hx / hn / den
        psi = -hy / hn / den
        c = 1.0 + chi**2 + psi**2
        # f̂ and ĝ, the equinoctial frame's in-plane axes, times c.
        fx, fy, fz = 1.0 - chi**2 + psi**2, 2.0 * chi * psi, -2.0 * chi
        gx, gy, gz = 2.0 * chi * psi, 1.0 + chi**2 - psi**2, 2.0 * psi
        af = (fx * ex + fy * ey + fz * ez) / c
        ag = (gx * ex + gy * ey + gz * ez) / c
        x = (fx * rx + fy * ry + fz * rz) / c
        y = (gx * rx + gy * ry + gz * rz) / c
        root = np.sqrt(1.0 - af**2 - ag**2)
        b = 1.0 / (1.0 + root)
        sin_f = ag + ((1.0 - ag**2 * b) * y - b * ag * af * x) / (a * root)
        cos_f = af + ((1.0 - af**2 * b) * x - b * ag * af * y) / (a * root)
        big_f = np.arctan2(sin_f, cos_f)
        lm = np.mod(big_f + ag * cos_f - af * sin_f, 2.0 * np.pi)
    out = np.stack([n, af, ag, chi, psi, lm], axis=-1)
    bad = ~(
        (a > 0)
        & np.isfinite(a)
        & (af**2 + ag**2 < 1.0)
        & (den > 1e-10)
        & np.isfinite(out).all(axis=-1)
    )
    return np.asarray(np.where(bad[..., None], np.nan, out))


def _kepler(lm: AnyArray, af: AnyArray, ag: AnyArray) -> AnyArray:
    """F with lM = F + ag cos F − af sin F (real or complex arrays), by Newton's method."""
    big_f = lm.copy()
    converged_at = -1
    for step in range(_KEPLER_STEPS):
        sin_f, cos_f = np.sin(big_f), np.cos(big_f)
        delta = (big_f + ag * cos_f - af * sin_f - lm) / (1.0 - ag * sin_f - af * cos_f)
        big_f = big_f - delta
        if converged_at < 0 and not np.any(np.abs(np.real(delta)) > _KEPLER_TOL):
            converged_at = step
        if converged_at >= 0 and step >= converged_at + 1:
            break  # one more step settles the imaginary (complex-step) part
    return big_f


def _to_cartesian(e: AnyArray) -> tuple[AnyArray, AnyArray]:
    n, af, ag, chi, psi, lm = (e[..., k] for k in range(6))
    a = (MU_EARTH_KM3_S2 / n**2) ** (1.0 / 3.0)
    big_f = _kepler(lm, af, ag)
    sin_f, cos_f = np.sin(big_f), np.cos(big_f)
    b = 1.0 / (1.0 + np.sqrt(1.0 - af**2 - ag**2))
    x = a * ((1.0 - ag**2 * b) * cos_f + af * ag * b * sin_f - af)
    y = a * ((1.0 - af**2 * b) * sin_f + af * ag * b * cos_f - ag)
    rn = a * (1.0 - af * cos_f - ag * sin_f)
    scale = n * a**2 / rn
    xd = scale * (af * ag * b * cos_f - (1.0 - ag**2 * b) * sin_f)
    yd = scale * ((1.0 - af**2 * b) * cos_f - af * ag * b * sin_f)
    c = 1.0 + chi**2 + psi**2
    f_hat = np.stack([1.0 - chi**2 + psi**2, 2.0 * chi * psi, -2.0 * chi], axis=-1) / c[..., None]
    g_hat = np.stack([2.0 * chi * psi, 1.0 + chi**2 - psi**2, 2.0 * psi], axis=-1) / c[..., None]
    r = x[..., None] * f_hat + y[..., None] * g_hat
    v = xd[..., None] * f_hat + yd[..., None] * g_hat
    return r, v


def equinoctial_to_cartesian(elements: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Position (km) and velocity (km/s), each ``(..., 3)``, of elements ``(..., 6)``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r, v = _to_cartesian(_as_float(elements))
    return np.asarray(r, dtype=np.float64), np.asarray(v, dtype=np.float64)


def propagate_elements(elements: ArrayLike, dt_s: ArrayLike) -> FloatArray:
    """Elements after ``dt_s`` s of two-body motion (``lM`` advanced by ``n·dt``, not wrapped)."""
    e = _as_float(elements)
    dt = _as_float(dt_s)
    shape = np.broadcast_shapes(e.shape[:-1], dt.shape)
    out = np.array(np.broadcast_to(e, (*shape, 6)))
    out[..., 5] = out[..., 5] + out[..., 0] * dt
    return out


def state_jacobian(elements0: ArrayLike, dt_s: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """State ``X(t)`` (..., 6) and Jacobian ``dX(t)/dE0`` (..., 6, 6) after ``dt_s`` s of two-body.

    ``E0`` are the elements at t = 0; the derivative includes the change of the
    mean-longitude drift with ``n``.  Computed by complex-step differentiation,
    exact to rounding.
    """
    e0 = _as_float(elements0)
    dt = _as_float(dt_s)
    shape = np.broadcast_shapes(e0.shape[:-1], dt.shape)
    e0 = np.broadcast_to(e0, (*shape, 6))
    dt = np.broadcast_to(dt, shape)
    # Six perturbed copies on a new axis: (..., 6 perturbations, 6 elements).
    pert = np.broadcast_to(e0[..., None, :], (*shape, 6, 6)).astype(np.complex128)
    pert = pert + 1j * _COMPLEX_STEP * np.eye(6)
    pert[..., 5] = pert[..., 5] + pert[..., 0] * dt[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        r, v = _to_cartesian(pert)
    x = np.concatenate([r, v], axis=-1)  # (..., perturbation j, state i)
    jac = np.swapaxes(np.imag(x), -1, -2) / _COMPLEX_STEP
    state = np.real(x[..., 0, :])
    return np.asarray(state, dtype=np.float64), np.asarray(jac, dtype=np.float64)


def prograde_rotation(*angular_momenta: ArrayLike) -> FloatArray:
    """A rotation matrix (3, 3) taking vectors to a frame where no orbit is retrograde equatorial.

    The identity when every orbit's unit angular momentum has z above −1 + 1e-6
    (NASA CARA's test); otherwise the cyclic permutation of axes (x, y, z) → (y, z, x),
    or failing that the one after it.  Pc is unchanged by a rotation applied to both
    objects' states and covariances.
    """
    hs = [_as_float(h) / np.linalg.norm(_as_float(h)) for h in angular_momenta]
    for rot in (np.eye(3), np.array([[0.0, 1, 0], [0, 0, 1], [1, 0, 0]])):
        if all(1.0 + float((rot @ h)[2]) >= _RETROGRADE_EPS for h in hs):
            return rot
    return np.array([[0.0, 0, 1], [1, 0, 0], [0, 1, 0]])
