"""Collision avoidance for one conjunction: the smallest impulsive burn that clears it.

The primary's orbit is known only as an SGP4 element set, so a burn is
modelled the way an operator would publish it: propagate the element set to
the burn epoch, add the impulsive Δv (given in the primary's RTN frame) to the
SGP4 velocity, and fit a new element set whose SGP4 state at the burn epoch
reproduces the post-burn state (:func:`~cosmo_agent.orbital.fitting.fit_satrec`, a
differential correction of the mean elements, "state vector to TLE").  The new
closest approach is then found with direct SGP4 of both objects
(:func:`closest_approach`) and its Pc with :mod:`cosmo_agent.orbital.collision`.

:func:`plan_avoidance` searches, for each allowed direction (prograde and
retrograde along-track by default, optionally radial), the smallest ``|Δv|``
up to a bound that makes the miss distance reach ``target_miss_km`` and/or
Pc fall to ``max_pc``, and returns an :class:`AvoidanceSolution`.  Outcomes that
are not a solution (no Δv within the bound suffices, SGP4 fails, no closest
approach near the TCA) are status codes with a sentence in ``AVOIDANCE_STATUS``,
never exceptions.

A burn that clears one conjunction may create another.  :func:`rescreen_after_maneuver`
screens the maneuvered orbit against a catalog, and :func:`plan_clear_avoidance` tries
candidate burns in a fixed, bounded order (the other direction, larger Δv, another axis,
other lead times) until one's post-maneuver screening is clear.

>>> from datetime import datetime, timezone
>>> from sgp4.api import Satrec
>>> iss = Satrec.twoline2rv(
...     "1 25544U 98067A   26161.50000000  .00010000  00000-0  18000-3 0  9994",
...     "2 25544  51.6400 100.0000 0003000  90.0000 270.0000 15.50000000    01")
>>> burn = datetime(2026, 6, 10, 13, 0, tzinfo=timezone.utc)
>>> fit = apply_impulse(iss, burn, [0.0, 0.1, 0.0])   # 10 cm/s prograde
>>> fit.status, fit.position_residual_km < 1e-6, fit.velocity_residual_km_s < 1e-9
(0, True, True)
>>> round(fit.elements.mean_motion_rev_per_day - 15.5, 4)   # -3 Δv/v of n: higher, slower
-0.0006

Limits: the burn is impulsive and exact (no execution error, no finite-burn
loss); the post-burn covariance of the primary is taken to be the pre-burn
one; SGP4 drag and every other force model are SGP4's own; the fitted element
set is epoch-ed at the burn, with B*, ṅ/2 and n̈/6 of the original.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.collision import (
    PcMethod,
    PcStatus,
    collision_probability,
    covariance_rtn_to_inertial,
    encounter_plane,
    rtn_basis,
)
from cosmo_agent.orbital.constants import WGS72_RADIUS_KM
from cosmo_agent.orbital.covariance import CovarianceSource, default_covariance_rtn_km2
from cosmo_agent.orbital.elements import ElementRecord
from cosmo_agent.orbital.fitting import FitStatus, MeanElements, SatrecFit, fit_satrec
from cosmo_agent.orbital.fitting import satrec_epoch as _satrec_epoch
from cosmo_agent.orbital.fitting import satrec_state as _state
from cosmo_agent.orbital.fitting import utc_jd_fr as _jd_fr
from cosmo_agent.orbital.timescales import DAY_S, iso_utc, require_utc

if TYPE_CHECKING:  # imported where used, so the planner works without the screener
    from cosmo_agent.orbital.screening import Conjunctions

__all__ = [
    "AVOIDANCE_STATUS",
    "DEFAULT_OTHER_LEAD_ORBITS",
    "Approach",
    "AvoidanceCandidate",
    "AvoidanceSolution",
    "AvoidanceStatus",
    "BurnAxis",
    "BurnDirection",
    "CandidateResult",
    "CandidateStep",
    "ClearAvoidance",
    "MeanElements",
    "Rescreen",
    "Rescreener",
    "SatrecFit",
    "apply_impulse",
    "catalog_rescreener",
    "closest_approach",
    "fit_satrec",
    "plan_avoidance",
    "plan_clear_avoidance",
    "rescreen_after_maneuver",
]

FloatArray = NDArray[np.float64]

BurnDirection = Literal["prograde", "retrograde", "radial-out", "radial-in"]
"""Direction of an avoidance burn in the primary's RTN frame at the burn epoch.

``"prograde"`` / ``"retrograde"``
    Along +T / -T (the transverse axis, along the velocity for a circular
    orbit): raises / lowers the orbit and makes the primary arrive late / early,
    the cheapest way to move the miss when the burn is early enough.
``"radial-out"`` / ``"radial-in"``
    Along +R / -R: shifts the orbit without changing its period.
"""

_DIRECTION_RTN: Final[Mapping[BurnDirection, tuple[float, float, float]]] = MappingProxyType(
    {
        "prograde": (0.0, 1.0, 0.0),
        "retrograde": (0.0, -1.0, 0.0),
        "radial-out": (1.0, 0.0, 0.0),
        "radial-in": (-1.0, 0.0, 0.0),
    }
)


class AvoidanceStatus:
    """Status codes of :class:`AvoidanceSolution`, :class:`SatrecFit` and :class:`Approach`."""

    OK: Final[int] = FitStatus.OK
    ALREADY_SAFE: Final = 1
    NO_SOLUTION: Final = 2
    PROPAGATION_ERROR: Final[int] = FitStatus.PROPAGATION_ERROR
    FIT_FAILED: Final[int] = FitStatus.FIT_FAILED
    TCA_NOT_FOUND: Final = 5
    BAD_BURN_EPOCH: Final = 6
    NO_CLEAR_BURN: Final = 7


AVOIDANCE_STATUS: Final[Mapping[int, str]] = MappingProxyType(
    {
        AvoidanceStatus.OK: "ok",
        AvoidanceStatus.ALREADY_SAFE: (
            "the conjunction already meets the miss-distance and Pc targets; no burn is needed"
        ),
        AvoidanceStatus.NO_SOLUTION: (
            "no burn up to the Δv bound in the allowed directions meets the targets; the"
            " fields show the best burn at the bound; raise max_dv_m_s, allow radial burns,"
            " burn earlier, or relax target_miss_km / max_pc"
        ),
        AvoidanceStatus.PROPAGATION_ERROR: (
            "SGP4 failed for one of the objects at the burn epoch or near the TCA (decayed or"
            " invalid elements); update the element sets and retry"
        ),
        AvoidanceStatus.FIT_FAILED: (
            "no SGP4 element set reproduces the post-burn state to 1 cm / 0.01 mm/s (the"
            " differential correction did not converge); check the state and Δv for sanity"
        ),
        AvoidanceStatus.TCA_NOT_FOUND: (
            "the range between the objects has no local minimum within the search window"
            " around the TCA (a slow or co-orbital encounter, or a wrong TCA); pass the TCA"
            " of a screening result, or widen window_s"
        ),
        AvoidanceStatus.BAD_BURN_EPOCH: (
            "the burn epoch is not before the TCA; pass a burn_epoch earlier than the TCA"
        ),
        AvoidanceStatus.NO_CLEAR_BURN: (
            "every candidate burn that meets the targets creates a new close approach in its"
            " post-maneuver screening (or could not be screened); the fields show the one with"
            " the fewest; burn at another time, allow radial burns, raise max_dv_m_s, or ask"
            " the operator to weigh the new approaches"
        ),
    }
)
"""Status code → sentence saying what happened and what to do."""

_TWO_PI: Final = 2.0 * math.pi

# Closest approach: sample every 5 s (a LEO crossing sweeps < 80 km in that time, and the
# range has one minimum per encounter), then solve range-rate = 0 to 1 µs.
_TCA_STEP_S: Final = 5.0
_TCA_XTOL_S: Final = 1e-6

# Δv search: the grid halves from the bound down 12 times (1 m/s bound: 0.24 mm/s first
# step); the first grid point that works is then bisected to 0.1 % or 10 µm/s.
_GRID_HALVINGS: Final = 12
_BISECT_RTOL: Final = 1e-3
_BISECT_ATOL_M_S: Final = 1e-5


# --- time ------------------------------------------------------------------------------------


def _states(
    sat: Any, ref: datetime, offsets_s: FloatArray
) -> tuple[NDArray[np.uint8], FloatArray, FloatArray]:
    jd, fr = _jd_fr(ref)
    n = offsets_s.shape[0]
    err, r, v = sat.sgp4_array(np.full(n, jd), fr + offsets_s / DAY_S)
    return np.asarray(err), np.asarray(r, dtype=np.float64), np.asarray(v, dtype=np.float64)


def apply_impulse(satrec: Any, burn_epoch: datetime, dv_rtn_m_s: ArrayLike) -> SatrecFit:
    """The element set after an impulsive burn of ``dv_rtn_m_s`` (R, T, N in m/s) at ``burn_epoch``.

    The Δv is added to the SGP4 velocity in the RTN frame of the SGP4 state at
    the burn (see :func:`~cosmo_agent.orbital.collision.rtn_basis`), and
    :func:`fit_satrec` turns the new state into an element set.
    """
    burn_epoch = require_utc(burn_epoch, "burn_epoch")
    err, r, v = _state(satrec, burn_epoch)
    if err != 0:
        return SatrecFit(None, burn_epoch, math.nan, math.nan, 0, AvoidanceStatus.PROPAGATION_ERROR)
    dv_km_s = rtn_basis(r, v).T @ (np.asarray(dv_rtn_m_s, dtype=np.float64) / 1000.0)
    return fit_satrec(r, v + dv_km_s, burn_epoch, satrec)


# --- closest approach ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Approach:
    """The closest approach of two element sets near a given time (TEME states at TCA).

    ``status`` is 0, ``PROPAGATION_ERROR`` or ``TCA_NOT_FOUND``; the numbers are
    NaN unless it is 0.
    """

    tca: datetime
    miss_km: float
    relative_speed_km_s: float
    r1_km: FloatArray
    v1_km_s: FloatArray
    r2_km: FloatArray
    v2_km_s: FloatArray
    status: int


def _failed_approach(near: datetime, status: int) -> Approach:
    nan3 = np.full(3, np.nan)
    return Approach(near, math.nan, math.nan, nan3, nan3, nan3, nan3, status)


def closest_approach(
    primary: Any,
    secondary: Any,
    near: datetime,
    *,
    window_s: float = 600.0,
) -> Approach:
    """The local minimum of the range between two element sets nearest to ``near``.

    Both are propagated with SGP4 every 5 s over ``near ± window_s``; the
    sampled local minimum nearest to ``near`` is refined by solving
    range-rate = 0 (Brent) to 1 µs, so the TCA is accurate to well below 1 ms.
    """
    near = require_utc(near, "near")
    offsets = np.arange(-window_s, window_s + 0.5 * _TCA_STEP_S, _TCA_STEP_S)
    e1, r1, _ = _states(primary, near, offsets)
    e2, r2, _ = _states(secondary, near, offsets)
    if (e1 != 0).any() or (e2 != 0).any():
        return _failed_approach(near, AvoidanceStatus.PROPAGATION_ERROR)
    rng = np.linalg.norm(r2 - r1, axis=-1)
    interior = np.flatnonzero((rng[1:-1] <= rng[:-2]) & (rng[1:-1] <= rng[2:])) + 1
    if interior.size == 0:
        return _failed_approach(near, AvoidanceStatus.TCA_NOT_FOUND)
    i = int(interior[np.argmin(np.abs(offsets[interior]))])

    def state_pair(dt_s: float) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, int]:
        t_off = np.array([dt_s])
        ea, ra, va = _states(primary, near, t_off)
        eb, rb, vb = _states(secondary, near, t_off)
        return ra[0], va[0], rb[0], vb[0], int(ea[0]) | int(eb[0])

    def range_rate(dt_s: float) -> float:
        ra, va, rb, vb, _ = state_pair(dt_s)
        return float((rb - ra) @ (vb - va))

    def distance(dt_s: float) -> float:
        ra, _, rb, _, _ = state_pair(dt_s)
        return float(np.linalg.norm(rb - ra))

    lo, hi = float(offsets[i - 1]), float(offsets[i + 1])
    f_lo, f_hi = range_rate(lo), range_rate(hi)
    if f_lo <= 0.0 <= f_hi and f_lo < f_hi:
        best = float(
            optimize.brentq(range_rate, lo, hi, xtol=_TCA_XTOL_S, rtol=4 * np.finfo(float).eps)
        )
    else:  # flat or wiggly range: fall back to a bounded minimisation of the range itself
        found = optimize.minimize_scalar(
            distance,
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": _TCA_XTOL_S},
        )
        best = float(found.x)
    ra, va, rb, vb, err = state_pair(best)
    if err != 0:
        return _failed_approach(near, AvoidanceStatus.PROPAGATION_ERROR)
    tca = near + timedelta(microseconds=round(best * 1e6))
    # Re-evaluate at the rounded instant so the states belong to the reported TCA.
    ea, ra, va = _state(primary, tca)
    eb, rb, vb = _state(secondary, tca)
    return Approach(
        tca=tca,
        miss_km=float(np.linalg.norm(rb - ra)),
        relative_speed_km_s=float(np.linalg.norm(vb - va)),
        r1_km=ra,
        v1_km_s=va,
        r2_km=rb,
        v2_km_s=vb,
        status=AvoidanceStatus.OK if ea == 0 and eb == 0 else AvoidanceStatus.PROPAGATION_ERROR,
    )


# --- avoidance search ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AvoidanceSolution:
    """The smallest burn found for one conjunction, or a status saying why there is none.

    ``dv_rtn_m_s`` is the burn (R, T, N, m/s) at ``burn_epoch``; ``direction``
    its label (None when no burn is proposed).  ``tca``, ``miss_km`` and ``pc``
    describe the closest approach after the burn, ``*_original`` before it; Pc
    is computed with ``pc_method`` from covariances of ``covariance_source``
    and hard-body radius ``hbr_km``.  ``maneuvered`` is the fitted post-burn
    element set when ``status`` is 0; with ``NO_SOLUTION`` the fields describe
    the best burn at the bound (largest miss) and ``maneuvered`` is None.
    """

    status: int
    message: str
    direction: BurnDirection | None
    dv_rtn_m_s: FloatArray
    burn_epoch: datetime
    tca: datetime
    miss_km: float
    pc: float
    tca_original: datetime
    miss_original_km: float
    pc_original: float
    pc_method: PcMethod
    covariance_source: CovarianceSource
    hbr_km: float
    target_miss_km: float | None
    max_pc: float | None
    max_dv_m_s: float
    maneuvered: SatrecFit | None

    @property
    def dv_m_s(self) -> float:
        """Magnitude of the burn, m/s."""
        return float(np.linalg.norm(self.dv_rtn_m_s))

    @property
    def ok(self) -> bool:
        """True when a burn meeting the targets was found (status 0)."""
        return self.status == AvoidanceStatus.OK


@dataclass(frozen=True)
class _Trial:
    dv_m_s: float
    fit: SatrecFit
    approach: Approach
    pc: float

    def score(self) -> tuple[float, float]:
        """Larger is better: miss first, then low Pc."""
        pc = self.pc if math.isfinite(self.pc) else 1.0
        miss = self.approach.miss_km if math.isfinite(self.approach.miss_km) else -1.0
        return miss, -pc


@dataclass(frozen=True)
class _Problem:
    primary: Any
    secondary: Any
    tca: datetime
    burn_epoch: datetime
    cov1_rtn_km2: FloatArray
    cov2_rtn_km2: FloatArray
    hbr_km: float
    method: PcMethod
    target_miss_km: float | None
    max_pc: float | None
    window_s: float

    def pc(self, a: Approach) -> float:
        if a.status != AvoidanceStatus.OK:
            return math.nan
        c1 = covariance_rtn_to_inertial(self.cov1_rtn_km2, a.r1_km, a.v1_km_s)
        c2 = covariance_rtn_to_inertial(self.cov2_rtn_km2, a.r2_km, a.v2_km_s)
        plane = encounter_plane(a.r1_km, a.v1_km_s, c1, a.r2_km, a.v2_km_s, c2)
        result = collision_probability(plane, self.hbr_km, self.method)
        if int(result.status) > PcStatus.COVARIANCE_REMEDIATED:
            return math.nan
        return float(result.pc)

    def meets(self, a: Approach, pc: float) -> bool:
        if a.status != AvoidanceStatus.OK:
            return False
        if self.target_miss_km is not None and not a.miss_km >= self.target_miss_km:
            return False
        return self.max_pc is None or pc <= self.max_pc  # NaN Pc fails

    def trial(self, direction: BurnDirection, dv_m_s: float) -> _Trial:
        dv = np.array(_DIRECTION_RTN[direction]) * dv_m_s
        fit = apply_impulse(self.primary, self.burn_epoch, dv)
        if fit.status != AvoidanceStatus.OK:
            return _Trial(dv_m_s, fit, _failed_approach(self.tca, fit.status), math.nan)
        approach = closest_approach(fit.satrec, self.secondary, self.tca, window_s=self.window_s)
        return _Trial(dv_m_s, fit, approach, self.pc(approach))

    def ok(self, t: _Trial) -> bool:
        return self.meets(t.approach, t.pc)


def _search(
    problem: _Problem, direction: BurnDirection, max_dv_m_s: float, min_dv_m_s: float = 0.0
) -> tuple[_Trial | None, _Trial | None]:
    """(smallest working trial of at least ``min_dv_m_s`` or None, trial at the bound)."""
    grid = max_dv_m_s * 2.0 ** -np.arange(_GRID_HALVINGS, -1, -1)
    if min_dv_m_s > 0.0:
        grid = np.concatenate([[min_dv_m_s], grid[grid > min_dv_m_s]])
    lo = min_dv_m_s
    hi_trial: _Trial | None = None
    last: _Trial | None = None
    for dv in grid:
        last = problem.trial(direction, float(dv))
        if last.approach.status != AvoidanceStatus.OK:
            continue
        if problem.ok(last):
            hi_trial = last
            break
        lo = float(dv)
    if hi_trial is None:
        return None, last
    while hi_trial.dv_m_s - lo > max(_BISECT_ATOL_M_S, _BISECT_RTOL * hi_trial.dv_m_s):
        mid = 0.5 * (lo + hi_trial.dv_m_s)
        t = problem.trial(direction, mid)
        if problem.ok(t):
            hi_trial = t
        else:
            lo = mid
    return hi_trial, last


def _default_covariance(sat: Any, at: datetime) -> FloatArray:
    age_days = (_jd_fr(at)[0] - float(sat.jdsatepoch)) + (_jd_fr(at)[1] - float(sat.jdsatepochF))
    perigee_km, apogee_km = float(sat.altp) * WGS72_RADIUS_KM, float(sat.alta) * WGS72_RADIUS_KM
    cov = default_covariance_rtn_km2(perigee_km, apogee_km, age_days)
    return np.asarray(cov.position_rtn_km2, dtype=np.float64)


def plan_avoidance(
    primary: Any,
    secondary: Any,
    tca: datetime,
    *,
    burn_epoch: datetime | None = None,
    target_miss_km: float | None = None,
    max_pc: float | None = 1e-4,
    hbr_km: float = 0.020,
    primary_covariance_rtn_km2: ArrayLike | None = None,
    secondary_covariance_rtn_km2: ArrayLike | None = None,
    covariance_source: CovarianceSource = "given",
    directions: Sequence[BurnDirection] = ("prograde", "retrograde"),
    max_dv_m_s: float = 1.0,
    pc_method: PcMethod = "foster",
    window_s: float = 600.0,
    min_dv_m_s: float = 0.0,
) -> AvoidanceSolution:
    """The smallest impulsive burn of ``primary`` that clears its conjunction with ``secondary``.

    ``primary`` and ``secondary`` are :class:`sgp4.api.Satrec` element sets and
    ``tca`` the (approximate) UTC time of closest approach, e.g. from a
    screening; it is refined first.  The burn happens at ``burn_epoch``
    (default: 1.5 orbital periods of the primary before the TCA, rounded to
    the second, where an along-track burn also moves the primary radially by
    its largest amount).  The targets are ``miss_km >= target_miss_km`` and
    ``pc <= max_pc`` (either may be None, not both).  Covariances are RTN
    position covariances (3×3, km²) of each object at the TCA; a missing one
    is the assumed TLE default of :mod:`cosmo_agent.orbital.covariance` for
    the element set's regime and age, and then ``covariance_source`` of the
    result is ``"assumed-tle-default"``.  The primary keeps its pre-burn
    covariance after the burn.

    For each of ``directions`` the burn grows geometrically from
    ``max_dv_m_s / 4096`` to ``max_dv_m_s`` until it meets the targets and is
    then bisected to 0.1 %; the smallest over the directions is returned.  With
    ``min_dv_m_s`` the search starts there instead (a burn of at least that size: the
    "larger Δv" candidates of :func:`plan_clear_avoidance`).
    """
    if target_miss_km is None and max_pc is None:
        raise ValueError("give target_miss_km, max_pc, or both: there is nothing to achieve")
    if not max_dv_m_s > 0:
        raise ValueError(f"max_dv_m_s must be positive, got {max_dv_m_s}")
    if not 0.0 <= min_dv_m_s <= max_dv_m_s:
        raise ValueError(
            f"min_dv_m_s must be between 0 and max_dv_m_s ({max_dv_m_s}), got {min_dv_m_s}"
        )
    unknown = [d for d in directions if d not in _DIRECTION_RTN]
    if unknown or not directions:
        raise ValueError(
            f"directions must be a non-empty subset of {list(_DIRECTION_RTN)},"
            f" got {list(directions)}"
        )
    tca = require_utc(tca, "tca")
    if burn_epoch is None:
        period_s = _TWO_PI / float(primary.no_kozai) * 60.0
        burn_epoch = tca - timedelta(seconds=round(1.5 * period_s))
    burn_epoch = require_utc(burn_epoch, "burn_epoch")

    source: CovarianceSource = covariance_source
    if primary_covariance_rtn_km2 is None or secondary_covariance_rtn_km2 is None:
        source = "assumed-tle-default"
    cov1 = (
        _default_covariance(primary, tca)
        if primary_covariance_rtn_km2 is None
        else np.asarray(primary_covariance_rtn_km2, dtype=np.float64)[:3, :3]
    )
    cov2 = (
        _default_covariance(secondary, tca)
        if secondary_covariance_rtn_km2 is None
        else np.asarray(secondary_covariance_rtn_km2, dtype=np.float64)[:3, :3]
    )
    problem = _Problem(
        primary,
        secondary,
        tca,
        burn_epoch,
        cov1,
        cov2,
        float(hbr_km),
        pc_method,
        target_miss_km,
        max_pc,
        window_s,
    )

    def solution(
        status: int,
        detail: str,
        original: Approach,
        pc_original: float,
        trial: _Trial | None = None,
        direction: BurnDirection | None = None,
    ) -> AvoidanceSolution:
        after = trial.approach if trial is not None else original
        dv = (
            np.array(_DIRECTION_RTN[direction]) * trial.dv_m_s
            if trial is not None and direction is not None
            else np.zeros(3)
        )
        message = AVOIDANCE_STATUS[status] + (f" ({detail})" if detail else "")
        return AvoidanceSolution(
            status=status,
            message=message,
            direction=direction,
            dv_rtn_m_s=dv,
            burn_epoch=burn_epoch,
            tca=after.tca,
            miss_km=after.miss_km,
            pc=trial.pc if trial is not None else pc_original,
            tca_original=original.tca,
            miss_original_km=original.miss_km,
            pc_original=pc_original,
            pc_method=pc_method,
            covariance_source=source,
            hbr_km=float(hbr_km),
            target_miss_km=target_miss_km,
            max_pc=max_pc,
            max_dv_m_s=float(max_dv_m_s),
            maneuvered=trial.fit if trial is not None and status == AvoidanceStatus.OK else None,
        )

    original = closest_approach(primary, secondary, tca, window_s=window_s)
    if original.status != AvoidanceStatus.OK:
        return solution(original.status, "before the burn", original, math.nan)
    pc_original = problem.pc(original)
    if burn_epoch >= original.tca:
        return solution(
            AvoidanceStatus.BAD_BURN_EPOCH,
            f"burn {burn_epoch.isoformat()}, TCA {original.tca.isoformat()}",
            original,
            pc_original,
        )
    if problem.meets(original, pc_original):
        return solution(AvoidanceStatus.ALREADY_SAFE, "", original, pc_original)
    err, _, _ = _state(primary, burn_epoch)
    if err != 0:
        return solution(
            AvoidanceStatus.PROPAGATION_ERROR, "primary at the burn epoch", original, pc_original
        )

    best: tuple[_Trial, BurnDirection] | None = None
    fallback: tuple[_Trial, BurnDirection] | None = None
    for direction in directions:
        found, at_bound = _search(problem, direction, float(max_dv_m_s), float(min_dv_m_s))
        if found is not None and (best is None or found.dv_m_s < best[0].dv_m_s):
            best = (found, direction)
        if at_bound is not None and (fallback is None or at_bound.score() > fallback[0].score()):
            fallback = (at_bound, direction)
    if best is not None:
        return solution(AvoidanceStatus.OK, "", original, pc_original, best[0], best[1])
    if fallback is not None and fallback[0].approach.status == AvoidanceStatus.OK:
        trial, direction = fallback
        detail = (
            f"best at {trial.dv_m_s:g} m/s {direction}: miss {trial.approach.miss_km:.3f} km,"
            f" Pc {trial.pc:.2e}"
        )
        return solution(
            AvoidanceStatus.NO_SOLUTION, detail, original, pc_original, trial, direction
        )
    status = fallback[0].approach.status if fallback is not None else AvoidanceStatus.NO_SOLUTION
    return solution(status, "after the burn", original, pc_original)


# --- post-maneuver screening -----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Rescreen:
    """The maneuvered orbit screened against a catalog, beside the unmaneuvered one.

    ``after`` and ``before`` are the screenings of the maneuvered and the
    unmaneuvered primary over the same span and threshold (``before`` is None
    when there was no unmaneuvered element set to screen).  ``new`` has one
    entry per row of ``after``: True for an approach the unmaneuvered orbit did
    not have (same secondary, TCA within ``match_s``) and that is not the
    conjunction being avoided.
    """

    after: Conjunctions
    before: Conjunctions | None
    new: NDArray[np.bool_]
    primary_id: int

    @property
    def clear(self) -> bool:
        """No new approach, and SGP4 worked for the maneuvered orbit over the whole span."""
        return not bool(self.new.any()) and self.primary_id not in self.after.excluded

    @property
    def new_secondary_ids(self) -> NDArray[np.int64]:
        """Catalog numbers of the objects in new approaches (in TCA order, repeats kept)."""
        return np.asarray(self.after.secondary_id[self.new], dtype=np.int64)


def _tca_us(tca: NDArray[np.datetime64]) -> NDArray[np.int64]:
    return np.asarray(tca.astype("datetime64[us]").astype(np.int64))


def rescreen_after_maneuver(
    maneuvered: SatrecFit,
    primary_id: int,
    catalog: Catalog,
    stop: datetime,
    *,
    start: datetime | None = None,
    threshold_km: float = 5.0,
    avoided: tuple[int, datetime] | None = None,
    original: Any | None = None,
    match_s: float = 300.0,
    workers: int | None = None,
    before: Conjunctions | None = None,
) -> Rescreen:
    """Screen the post-maneuver orbit against ``catalog``: does the burn create a conjunction?

    ``maneuvered`` is the fitted element set (``AvoidanceSolution.maneuvered``)
    flown under catalog number ``primary_id``.  It is screened with
    :func:`~cosmo_agent.orbital.screening.screen` from ``start`` (default: the
    burn epoch) to ``stop`` below ``threshold_km``, and so is the unmaneuvered
    orbit (``original``; default: the catalog's element set of ``primary_id``,
    if any).  The catalog's own row for ``primary_id`` is never paired with
    either.  ``avoided`` is the ``(secondary id, original TCA)`` of the
    conjunction the burn avoids: it may stay under the threshold (a target
    miss below it) without counting as new.  ``before``, a screening of the unmaneuvered
    orbit already made at the same threshold up to ``stop`` from ``start`` or earlier, is
    used instead of screening ``original`` again (approaches before ``start`` match
    nothing, so the longer span changes no verdict).

    Typical use: ``rescreen_after_maneuver(solution.maneuvered, primary_id,
    catalog, tca + timedelta(hours=24), avoided=(secondary_id, tca)).clear``
    (tested in ``tests/test_maneuver.py`` against brute-force SGP4; needs
    :mod:`cosmo_agent.orbital.screening`).
    """
    if maneuvered.satrec is None or maneuvered.status != AvoidanceStatus.OK:
        raise ValueError(
            f"no maneuvered element set to screen (status {maneuvered.status}:"
            f" {AVOIDANCE_STATUS[maneuvered.status]}); screen only a solution with status 0"
        )
    from cosmo_agent.orbital.screening import screen
    start = maneuvered.epoch if start is None else require_utc(start, "start")
    stop = require_utc(stop, "stop")
    in_catalog = catalog.ids == primary_id
    if original is None and in_catalog.any():
        original = catalog.satrecs[int(np.flatnonzero(in_catalog)[0])]
    name = str(catalog.names[in_catalog][0]) if in_catalog.any() else ""

    def alone(sat: Any, source: str) -> Catalog:
        record = ElementRecord(
            norad_id=int(primary_id),
            name=name,
            intl_designator="",
            epoch=_satrec_epoch(sat),
            satrec=sat,
            source=source,
            line=0,
        )
        return Catalog.from_records([record], source=source)

    def run(sat: Any, source: str) -> Conjunctions:
        return screen(
            catalog, start, stop, threshold_km, primaries=alone(sat, source), workers=workers
        )

    after = run(maneuvered.satrec, "maneuvered")
    if before is None and original is not None:
        before = run(original, "unmaneuvered")
    known_ids = [] if before is None else before.secondary_id.tolist()
    known_us = [] if before is None else _tca_us(before.tca).tolist()
    if avoided is not None:
        avoided_tca = require_utc(avoided[1], "avoided TCA").replace(tzinfo=None)
        known_ids.append(int(avoided[0]))
        known_us.append(int(np.datetime64(avoided_tca, "us").astype(np.int64)))
    ids = np.asarray(known_ids, dtype=np.int64)
    times = np.asarray(known_us, dtype=np.int64)
    same = after.secondary_id[:, np.newaxis] == ids[np.newaxis, :]
    near = np.abs(_tca_us(after.tca)[:, np.newaxis] - times[np.newaxis, :]) <= match_s * 1e6
    new = ~(same & near).any(axis=1)
    return Rescreen(after=after, before=before, new=np.asarray(new), primary_id=int(primary_id))


# --- a burn whose post-maneuver screening is clear -------------------------------------------

BurnAxis = Literal["along-track", "radial"]
"""A pair of opposite burn directions that :func:`plan_clear_avoidance` searches together.

``"along-track"``
    ``"prograde"`` and ``"retrograde"``: the cheapest burns when made early enough.
``"radial"``
    ``"radial-out"`` and ``"radial-in"``: more Δv for the same miss, period unchanged.
"""

_AXIS_DIRECTIONS: Final[Mapping[BurnAxis, tuple[BurnDirection, ...]]] = MappingProxyType(
    {"along-track": ("prograde", "retrograde"), "radial": ("radial-out", "radial-in")}
)

CandidateStep = Literal["first", "opposite", "larger", "other-axis", "other-lead"]
"""Why :func:`plan_clear_avoidance` tried a burn (its steps, in order).

``"first"``
    The smallest burn on the first axis (both directions) at the burn epoch.
``"opposite"``
    The smallest in the other direction of that axis, at the burn epoch.
``"larger"``
    The first burn's direction with at least 2× and 4× its Δv (capped at the bound).
``"other-axis"``
    The smallest on each further axis (e.g. radial), at the burn epoch.
``"other-lead"``
    The smallest at another lead time before the TCA, on the first axis that meets the
    targets there.
"""

CandidateResult = Literal["clear", "not-clear", "short", "failed", "unscreened"]
"""What came of a candidate burn.

``"clear"``
    It meets the targets and its post-maneuver screening finds no new approach.
``"not-clear"``
    It meets the targets, but the screening found new approaches (or SGP4 failed for the
    maneuvered orbit during the screened span).
``"short"``
    No burn up to the Δv bound meets the targets (``NO_SOLUTION``).
``"failed"``
    SGP4, the element-set fit or the TCA search failed for this burn.
``"unscreened"``
    It meets the targets but was not screened (no screener, or the budget was spent).
"""

Rescreener = Callable[[AvoidanceSolution], Rescreen]
"""Screens the maneuvered orbit of a solution with status 0 against a catalog.

The seam between the burn search and the screener: :func:`catalog_rescreener` is the real
one (over :func:`rescreen_after_maneuver`); tests may pass their own.
"""

_LARGER_DV_FACTORS: Final = (2.0, 4.0)
DEFAULT_OTHER_LEAD_ORBITS: Final[tuple[float, ...]] = (2.0, 1.0, 0.5)
"""Lead times (orbital periods before the TCA) :func:`plan_clear_avoidance` falls back to;
earlier first, as an earlier burn needs less Δv."""
_MAX_RESCREENS: Final = 8
_SAME_EPOCH_S: Final = 1.0



@dataclass(frozen=True, eq=False)
class AvoidanceCandidate:
    """One burn :func:`plan_clear_avoidance` tried, and what its post-maneuver screening found.

    ``lead_orbits`` is the time from the burn to the TCA in orbital periods of the primary;
    ``rescreen`` is None unless the burn met the targets and was screened.
    """

    step: CandidateStep
    solution: AvoidanceSolution
    lead_orbits: float
    result: CandidateResult
    rescreen: Rescreen | None

    @property
    def new_conjunctions(self) -> int:
        """Number of new approaches in the screening (0 when not screened)."""
        return 0 if self.rescreen is None else int(np.count_nonzero(self.rescreen.new))

    def describe(self) -> str:
        """One line: step, direction, Δv, burn epoch and lead time, the miss and the result."""
        s = self.solution
        burn = (
            f"{s.direction} {s.dv_m_s * 1000.0:.1f} mm/s" if s.direction is not None else "no burn"
        )
        head = (
            f"{self.step}: {burn} at {iso_utc(s.burn_epoch)}"
            f" ({self.lead_orbits:.2f} orbits before TCA)"
        )
        if math.isfinite(s.miss_km):
            head += f", miss {s.miss_km:.3f} km"
        if math.isfinite(s.pc):
            head += f", Pc {s.pc:.1e}"
        if self.result == "clear":
            return f"{head}: post-maneuver screening clear"
        if self.result == "not-clear" and self.rescreen is not None:
            ids = sorted(set(self.rescreen.new_secondary_ids.tolist()))
            text = f"{self.new_conjunctions} new approach(es) with {', '.join(map(str, ids))}"
            if self.rescreen.primary_id in self.rescreen.after.excluded:
                text = "SGP4 failed for the maneuvered orbit" + (f"; {text}" if ids else "")
            return f"{head}: not clear ({text})"
        if self.result == "short":
            return f"{head}: short of the targets at the Δv bound {s.max_dv_m_s:g} m/s"
        if self.result == "unscreened":
            return f"{head}: meets the targets, not screened"
        return f"{head}: failed ({s.message})"


@dataclass(frozen=True, eq=False)
class ClearAvoidance:
    """What :func:`plan_clear_avoidance` found: a burn, the candidates tried, and why.

    ``status`` (an ``AVOIDANCE_STATUS`` code) and ``solution``/``rescreen``:

    - 0: the first candidate whose screening is clear (with no screener: the first that
      meets the targets, ``rescreen`` None; it must be screened before it is flown);
    - ``NO_CLEAR_BURN``: candidates met the targets but none screened clear; the screened
      one with the fewest new approaches;
    - ``NO_SOLUTION``: no candidate meets the targets; the first one (its best burn at the
      bound);
    - ``ALREADY_SAFE`` or a failure: as :func:`plan_avoidance` returned it for the first
      candidate, and nothing else was tried.

    ``candidates`` lists every burn tried, in order; ``notes`` the lead times left out.
    """

    status: int
    message: str
    solution: AvoidanceSolution
    rescreen: Rescreen | None
    candidates: tuple[AvoidanceCandidate, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when a burn meets the targets and (if screened) its screening is clear."""
        return self.status == AvoidanceStatus.OK


def plan_clear_avoidance(
    primary: Any,
    secondary: Any,
    tca: datetime,
    rescreen: Rescreener | None,
    *,
    burn_epoch: datetime | None = None,
    axes: Sequence[BurnAxis] = ("along-track", "radial"),
    other_lead_orbits: Sequence[float] = DEFAULT_OTHER_LEAD_ORBITS,
    earliest_burn: datetime | None = None,
    max_rescreens: int = _MAX_RESCREENS,
    target_miss_km: float | None = None,
    max_pc: float | None = 1e-4,
    hbr_km: float = 0.020,
    primary_covariance_rtn_km2: ArrayLike | None = None,
    secondary_covariance_rtn_km2: ArrayLike | None = None,
    covariance_source: CovarianceSource = "given",
    max_dv_m_s: float = 1.0,
    pc_method: PcMethod = "foster",
    window_s: float = 600.0,
) -> ClearAvoidance:
    """The first of a fixed list of candidate burns whose post-maneuver screening is clear.

    Each candidate is a :func:`plan_avoidance` search (same targets, covariances and Δv
    bound); one that meets the targets is screened with ``rescreen`` (at most
    ``max_rescreens`` times in all) and the first clear one is returned.  The order
    escalates from the smallest change:

    1. ``first``: the smallest burn on ``axes[0]`` (both directions) at ``burn_epoch``
       (default: 1.5 orbital periods before the TCA);
    2. ``opposite``: the smallest in the other direction of that axis;
    3. ``larger``: the first burn's direction with at least 2× and 4× its Δv, capped at
       ``max_dv_m_s`` (steps 2 and 3 only when step 1 met the targets);
    4. ``other-axis``: the smallest on each further axis, at ``burn_epoch``;
    5. ``other-lead``: for each of ``other_lead_orbits`` (periods before the TCA, default
       2, 1, 0.5: earlier first, as an earlier burn needs less Δv), the smallest on the
       first axis that meets the targets there; lead times whose burn is before
       ``earliest_burn`` or at the burn epoch are left out (``notes``).  Pass ``()`` to
       keep the burn epoch fixed.

    With the defaults that is at most 11 searches and 8 screenings.  ``rescreen`` None
    means no screener: the first candidate that meets the targets is returned unscreened.
    """
    axes = list(dict.fromkeys(axes))
    unknown = [a for a in axes if a not in _AXIS_DIRECTIONS]
    if unknown or not axes:
        raise ValueError(
            f"axes must be a non-empty subset of {list(_AXIS_DIRECTIONS)}, got {list(axes)}"
        )
    if max_rescreens < 1:
        raise ValueError(f"max_rescreens must be at least 1, got {max_rescreens}")
    if any(not lead > 0 for lead in other_lead_orbits):
        raise ValueError(f"other_lead_orbits must be positive, got {list(other_lead_orbits)}")
    tca = require_utc(tca, "tca")
    period_s = _TWO_PI / float(primary.no_kozai) * 60.0
    if burn_epoch is None:
        burn_epoch = tca - timedelta(seconds=round(1.5 * period_s))
    burn_epoch = require_utc(burn_epoch, "burn_epoch")
    earliest = None if earliest_burn is None else require_utc(earliest_burn, "earliest_burn")

    candidates: list[AvoidanceCandidate] = []
    screened = 0

    def attempt(
        step: CandidateStep,
        epoch: datetime,
        directions: Sequence[BurnDirection],
        min_dv_m_s: float = 0.0,
    ) -> AvoidanceCandidate:
        nonlocal screened
        solution = plan_avoidance(
            primary,
            secondary,
            tca,
            burn_epoch=epoch,
            target_miss_km=target_miss_km,
            max_pc=max_pc,
            hbr_km=hbr_km,
            primary_covariance_rtn_km2=primary_covariance_rtn_km2,
            secondary_covariance_rtn_km2=secondary_covariance_rtn_km2,
            covariance_source=covariance_source,
            directions=directions,
            max_dv_m_s=max_dv_m_s,
            pc_method=pc_method,
            window_s=window_s,
            min_dv_m_s=min_dv_m_s,
        )
        result: CandidateResult
        check: Rescreen | None = None
        if solution.status == AvoidanceStatus.OK:
            if rescreen is None or screened >= max_rescreens:
                result = "unscreened"
            else:
                check = rescreen(solution)
                screened += 1
                result = "clear" if check.clear else "not-clear"
        elif solution.status == AvoidanceStatus.NO_SOLUTION:
            result = "short"
        else:
            result = "failed"
        lead = (tca - epoch).total_seconds() / period_s
        candidate = AvoidanceCandidate(step, solution, lead, result, check)
        candidates.append(candidate)
        return candidate

    def done(chosen: AvoidanceCandidate) -> ClearAvoidance:
        message = chosen.solution.message
        if len(candidates) > 1:
            message += (
                f" (candidate {len(candidates)}, {chosen.step}: the first whose post-maneuver"
                " screening is clear)"
            )
        return ClearAvoidance(
            AvoidanceStatus.OK, message, chosen.solution, chosen.rescreen,
            tuple(candidates), tuple(notes),
        )  # fmt: skip

    def finished(c: AvoidanceCandidate) -> bool:
        return c.result == "clear" or (c.result == "unscreened" and rescreen is None)

    notes: list[str] = []
    first = attempt("first", burn_epoch, _AXIS_DIRECTIONS[axes[0]])
    if first.solution.status not in (AvoidanceStatus.OK, AvoidanceStatus.NO_SOLUTION):
        return ClearAvoidance(
            first.solution.status, first.solution.message, first.solution, None, (), ()
        )
    if finished(first):
        return done(first)

    plan: list[tuple[CandidateStep, datetime, tuple[BurnDirection, ...], float]] = []
    if first.solution.status == AvoidanceStatus.OK and first.solution.direction is not None:
        d1, dv1 = first.solution.direction, first.solution.dv_m_s
        opposite = tuple(d for d in _AXIS_DIRECTIONS[axes[0]] if d != d1)
        plan.append(("opposite", burn_epoch, opposite, 0.0))
        steps = sorted({min(f * dv1, float(max_dv_m_s)) for f in _LARGER_DV_FACTORS})
        plan += [("larger", burn_epoch, (d1,), dv) for dv in steps if dv > dv1 * 1.001]
    plan += [("other-axis", burn_epoch, _AXIS_DIRECTIONS[a], 0.0) for a in axes[1:]]
    for step, epoch, directions, min_dv in plan:
        c = attempt(step, epoch, directions, min_dv)
        if finished(c):
            return done(c)

    used = [burn_epoch]
    for lead in other_lead_orbits:
        epoch = tca - timedelta(seconds=round(lead * period_s))
        where = f"lead {lead:g} orbits ({iso_utc(epoch)})"
        if any(abs((epoch - u).total_seconds()) < _SAME_EPOCH_S for u in used):
            continue
        if earliest is not None and epoch < earliest:
            notes.append(f"{where} left out: before the earliest burn {iso_utc(earliest)}")
            continue
        used.append(epoch)
        for axis in axes:
            c = attempt("other-lead", epoch, _AXIS_DIRECTIONS[axis])
            if finished(c):
                return done(c)
            if c.result != "short":
                break

    def badness(c: AvoidanceCandidate) -> tuple[bool, int]:
        # An incomplete screening (SGP4 failed for the maneuvered orbit) is worst.
        failed = c.rescreen is not None and c.rescreen.primary_id in c.rescreen.after.excluded
        return failed, c.new_conjunctions

    not_clear = [c for c in candidates if c.result == "not-clear"]
    if not_clear:  # (with no screener the first burn meeting the targets was returned)
        best = min(not_clear, key=badness)  # the first of equals
        detail = f"{len(candidates)} candidates tried, {screened} screened"
        if screened >= max_rescreens:
            detail += f" (the limit of {max_rescreens} screenings)"
        return ClearAvoidance(
            AvoidanceStatus.NO_CLEAR_BURN,
            AVOIDANCE_STATUS[AvoidanceStatus.NO_CLEAR_BURN] + f" ({detail})",
            best.solution,
            best.rescreen,
            tuple(candidates),
            tuple(notes),
        )
    message = first.solution.message + f" ({len(candidates)} candidates tried)"
    return ClearAvoidance(
        AvoidanceStatus.NO_SOLUTION, message, first.solution, None, tuple(candidates),
        tuple(notes),
    )  # fmt: skip


def catalog_rescreener(
    primary_id: int,
    catalog: Catalog,
    stop: datetime,
    *,
    threshold_km: float = 5.0,
    avoided: tuple[int, datetime] | None = None,
    original: Any | None = None,
    match_s: float = 300.0,
    workers: int | None = None,
) -> Rescreener:
    """A :data:`Rescreener`: :func:`rescreen_after_maneuver` from each burn epoch to ``stop``.

    The arguments are those of :func:`rescreen_after_maneuver`.  The unmaneuvered orbit is
    screened only for a burn earlier than every one screened so far; later burns reuse
    that screening (``before``), so a search over several candidates at one or two burn
    epochs screens the unmaneuvered orbit once or twice.
    """
    befores: list[tuple[datetime, Conjunctions]] = []

    def rescreen(solution: AvoidanceSolution) -> Rescreen:
        if solution.maneuvered is None:
            raise ValueError(
                f"no maneuvered element set to screen (status {solution.status}:"
                f" {AVOIDANCE_STATUS[solution.status]}); screen only a solution with status 0"
            )
        start = solution.burn_epoch
        reuse = next((c for t, c in befores if t <= start), None)
        check = rescreen_after_maneuver(
            solution.maneuvered,
            primary_id,
            catalog,
            stop,
            start=start,
            threshold_km=threshold_km,
            avoided=avoided,
            original=original,
            match_s=match_s,
            workers=workers,
            before=reuse,
        )
        if reuse is None and check.before is not None:
            befores.append((start, check.before))
        return check

    return rescreen
