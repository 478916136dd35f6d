"""Monte Carlo collision probability from TCA states and covariances, with two-body motion.

Each trial draws both objects' states at TCA from their Gaussians in equinoctial elements
(the distribution :mod:`cosmo_agent.orbital.pc3d` integrates, and the one NASA CARA's
Monte Carlo from TCA samples), flies them through the encounter window on two-body orbits
and counts a hit when they *enter* the hard-body sphere during the window: a trial that
starts the window already inside it collided before the window and is not counted, as
in Hall's expected number of collisions (the flux of entries) and CARA's Monte Carlo
(Alfano case 11, 0.084 m/s: 0.0024 counting entries, as CARA does, but 0.0043 counting
every trial within the HBR at some time, 44 % of which start inside).  Pc is the fraction of hits,
with a Clopper-Pearson interval; the number of trials is chosen for a requested relative
accuracy of that interval.

Finding each trial's closest approach: both orbits are evaluated on a time grid whose
step is at most 1/64 of the shorter period; the relative motion in each step is a cubic
Hermite curve (exact positions and velocities at both ends; its error is ~(n·h)⁴/384 of
the separation, below 1e-7 here), scanned at 16 points; every trial whose scanned minimum
could lie under the HBR (the scan can overshoot by half a sub-step times the relative
speed) is refined by Newton's method on d(r·v)/dt with exact two-body states.

Units: km, km/s, km², s.  Seeded: the same arguments and seed give the same result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from cosmo_agent.orbital.pc3d import Pc3DStatus, encounter_model
from cosmo_agent.orbital.twobody import (
    MU_EARTH_KM3_S2,
    equinoctial_to_cartesian,
    propagate_elements,
)

__all__ = ["MonteCarloResult", "monte_carlo_pc", "samples_for_accuracy"]

FloatArray = NDArray[np.float64]

_STEPS_PER_PERIOD: Final = 64
_SCAN_POINTS: Final = 16
_NEWTON_STEPS: Final = 8
_BATCH: Final = 20_000


def samples_for_accuracy(pc: float, relative_accuracy: float, confidence: float = 0.95) -> int:
    """Trials for a ``confidence`` interval of half-width ``relative_accuracy``·Pc (normal approx.).

    >>> samples_for_accuracy(1e-3, 0.05)
    1535047
    """
    if not (0 < pc < 1 and relative_accuracy > 0 and 0 < confidence < 1):
        raise ValueError(
            "need 0 < pc < 1, relative_accuracy > 0 and 0 < confidence < 1, got"
            f" {pc}, {relative_accuracy}, {confidence}"
        )
    z = float(special.ndtri(0.5 + confidence / 2))
    return math.ceil(z**2 * (1 - pc) / (pc * relative_accuracy**2))


def _clopper_pearson(hits: int, n: int, confidence: float) -> tuple[float, float]:
    alpha = 1 - confidence
    low = 0.0 if hits == 0 else float(stats.beta.ppf(alpha / 2, hits, n - hits + 1))
    high = 1.0 if hits == n else float(stats.beta.ppf(1 - alpha / 2, hits + 1, n - hits))
    return low, high


@dataclass(frozen=True)
class MonteCarloResult:
    """Monte Carlo Pc: ``hits`` of ``samples`` trials, and the Clopper-Pearson interval.

    ``relative_half_width`` is (high − low) / 2 / pc (inf without a hit);
    ``target_met`` whether it reached the requested accuracy.  ``unbound`` counts
    trials whose drawn elements were not a bound orbit (counted as misses);
    ``covariance_clipped`` says a negative eigenvalue of an element covariance was set
    to 0 to draw from it.  ``status`` is a ``PC3D_STATUS`` code (0, or why nothing ran).
    """

    pc: float
    low: float
    high: float
    confidence: float
    samples: int
    hits: int
    window_s: tuple[float, float]
    seed: int
    relative_half_width: float
    target_met: bool
    unbound: int
    covariance_clipped: bool
    status: int


def _sampler(mean: FloatArray, cov: FloatArray) -> tuple[FloatArray, bool]:
    val, vec = np.linalg.eigh(0.5 * (cov + cov.T))
    clipped = bool(val.min() < -1e-12 * max(val.max(), 0.0))
    return np.asarray(vec * np.sqrt(np.maximum(val, 0.0))), clipped


def _states(elements: FloatArray, t: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    return equinoctial_to_cartesian(propagate_elements(elements, t))


def _closest(
    e1: FloatArray, e2: FloatArray, grid: FloatArray, hbr: float, period_s: float
) -> tuple[NDArray[np.bool_], FloatArray]:
    """Whether each trial enters the ``hbr`` sphere during ``grid``'s span; its closest distance."""
    n = e1.shape[0]
    best = np.full(n, np.inf)
    best_t = np.full(n, grid[0])
    slack = np.zeros(n)
    r1, v1 = _states(e1, grid[0])
    r2, v2 = _states(e2, grid[0])
    dr0, dv0 = r2 - r1, v2 - v1
    s = np.linspace(0.0, 1.0, _SCAN_POINTS + 1)[1:]
    h00, h10 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s
    h01, h11 = -2 * s**3 + 3 * s**2, s**3 - s**2
    d0 = np.linalg.norm(dr0, axis=-1)
    inside_at_start = d0 < hbr
    best, best_t = np.where(d0 < best, d0, best), np.where(d0 < best, grid[0], best_t)
    n2 = (2 * np.pi / period_s) ** 2  # relative acceleration ≲ n²·separation (gravity gradient)
    for k in range(grid.size - 1):
        step = grid[k + 1] - grid[k]
        r1, v1 = _states(e1, grid[k + 1])
        r2, v2 = _states(e2, grid[k + 1])
        dr1, dv1 = r2 - r1, v2 - v1
        # Only trials that could come within the HBR in this step are scanned: from either
        # end the separation changes by at most the step times the fastest relative speed.
        d_a, d_b = np.linalg.norm(dr0, axis=-1), np.linalg.norm(dr1, axis=-1)
        speed = np.maximum(np.linalg.norm(dv0, axis=-1), np.linalg.norm(dv1, axis=-1))
        v_max = 1.25 * (speed + 3 * n2 * np.maximum(d_a, d_b) * step)
        near = np.flatnonzero(0.5 * (d_a + d_b - step * v_max) < hbr)
        if near.size:
            curve = (
                h00[None, :, None] * dr0[near, None]
                + (h10 * step)[None, :, None] * dv0[near, None]
                + h01[None, :, None] * dr1[near, None]
                + (h11 * step)[None, :, None] * dv1[near, None]
            )
            dist = np.sqrt(np.einsum("nsi,nsi->ns", curve, curve))
            j = np.argmin(dist, axis=-1)
            dmin = dist[np.arange(near.size), j]
            better = dmin < best[near]
            sel = near[better]
            best[sel] = dmin[better]
            best_t[sel] = grid[k] + s[j[better]] * step
            slack[sel] = v_max[sel] * step / _SCAN_POINTS
        dr0, dv0 = dr1, dv1
    candidates = np.flatnonzero(best - slack < hbr)
    if candidates.size:
        best[candidates] = _refine(
            e1[candidates], e2[candidates], best_t[candidates], grid, best[candidates]
        )
    return (best < hbr) & ~inside_at_start, best


def _refine(
    e1: FloatArray, e2: FloatArray, t: FloatArray, grid: FloatArray, best: FloatArray
) -> FloatArray:
    """Newton's method on f(t) = r·v of the relative motion, from the scanned minimum."""
    lo, hi = grid[0], grid[-1]
    max_step = float(np.max(np.diff(grid))) / 2
    for _ in range(_NEWTON_STEPS):
        r1, v1 = _states(e1, t)
        r2, v2 = _states(e2, t)
        dr, dv = r2 - r1, v2 - v1
        a1 = -MU_EARTH_KM3_S2 * r1 / np.linalg.norm(r1, axis=-1, keepdims=True) ** 3
        a2 = -MU_EARTH_KM3_S2 * r2 / np.linalg.norm(r2, axis=-1, keepdims=True) ** 3
        f = np.einsum("ni,ni->n", dr, dv)
        fp = np.einsum("ni,ni->n", dv, dv) + np.einsum("ni,ni->n", dr, a2 - a1)
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = np.where(fp > 0, f / fp, 0.0)
        t = np.clip(t - np.clip(delta, -max_step, max_step), lo, hi)
    r1, _ = _states(e1, t)
    r2, _ = _states(e2, t)
    return np.asarray(np.minimum(best, np.linalg.norm(r2 - r1, axis=-1)))


def monte_carlo_pc(
    r1_km: ArrayLike,
    v1_km_s: ArrayLike,
    cov1_km2: ArrayLike,
    r2_km: ArrayLike,
    v2_km_s: ArrayLike,
    cov2_km2: ArrayLike,
    hbr_km: float,
    *,
    window_s: tuple[float, float],
    relative_accuracy: float = 0.1,
    confidence: float = 0.95,
    pc_estimate: float | None = None,
    seed: int = 0,
    min_samples: int = 1000,
    max_samples: int = 2_000_000,
) -> MonteCarloResult:
    """Monte Carlo Pc of one conjunction over ``window_s`` (s from TCA), seeded.

    Trials are drawn in batches until the Clopper-Pearson interval's half-width is within
    ``relative_accuracy`` of the estimate (at least ``min_samples``; at most
    ``max_samples``).  ``pc_estimate`` (e.g. the 3-D Pc) sizes the run up front with
    :func:`samples_for_accuracy`, so a run that finds no hit early is not cut short.
    """
    model = encounter_model(r1_km, v1_km_s, cov1_km2, r2_km, v2_km_s, cov2_km2, hbr_km)
    lo, hi = float(min(window_s)), float(max(window_s))
    status = model.status
    if status == Pc3DStatus.OK and not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        status = Pc3DStatus.NONFINITE_INPUT
    if status != Pc3DStatus.OK:
        nan = float("nan")
        return MonteCarloResult(
            nan, nan, nan, confidence, 0, 0, (lo, hi), seed, nan, False, 0, False, status
        )
    step = min(model.period_min_s / _STEPS_PER_PERIOD, hi - lo)
    grid = np.linspace(lo, hi, max(2, math.ceil((hi - lo) / step) + 1))
    l1, clip1 = _sampler(model.elements1, model.covariance1)
    l2, clip2 = _sampler(model.elements2, model.covariance2)
    rng = np.random.default_rng(seed)
    target = min_samples
    if pc_estimate is not None and 0 < pc_estimate < 1:
        target = max(target, samples_for_accuracy(pc_estimate, relative_accuracy, confidence))
    target = min(target, max_samples)
    n = hits = unbound = 0
    while n < max_samples:
        size = min(_BATCH, max_samples - n, max(target - n, 1))
        e1 = model.elements1 + rng.standard_normal((size, 6)) @ l1.T
        e2 = model.elements2 + rng.standard_normal((size, 6)) @ l2.T
        bound = _bound(e1) & _bound(e2)
        unbound += int(size - bound.sum())
        if bound.any():
            hit, _ = _closest(e1[bound], e2[bound], grid, model.hbr_km, model.period_min_s)
            hits += int(hit.sum())
        n += size
        if n >= target:
            if not hits:
                target = min(max_samples, 2 * n)
                continue
            low, high = _clopper_pearson(hits, n, confidence)
            half = (high - low) / 2 / (hits / n)
            if half <= relative_accuracy:
                break
            # The half-width falls as 1/√n: grow the run to where it would meet the target.
            target = min(max_samples, math.ceil(n * 1.02 * (half / relative_accuracy) ** 2) + 1)
    low, high = _clopper_pearson(hits, n, confidence)
    pc = hits / n
    half = (high - low) / 2 / pc if hits else np.inf
    return MonteCarloResult(
        pc=pc,
        low=low,
        high=high,
        confidence=confidence,
        samples=n,
        hits=hits,
        window_s=(lo, hi),
        seed=seed,
        relative_half_width=float(half),
        target_met=bool(half <= relative_accuracy),
        unbound=unbound,
        covariance_clipped=clip1 or clip2,
        status=Pc3DStatus.OK,
    )


def _bound(e: FloatArray) -> NDArray[np.bool_]:
    return np.asarray((e[:, 0] > 0) & (e[:, 1] ** 2 + e[:, 2] ** 2 < 1))
