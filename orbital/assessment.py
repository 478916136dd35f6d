"""One conjunction assessed as an analyst would: 2-D Pc, its usage checks, 3-D Pc, Monte Carlo.

The 2-D (Foster) Pc is the standard and the fastest; it is the reported Pc unless NASA
CARA's usage-violation checks (:func:`cosmo_agent.orbital.pc3d.usage_violations`) say its
assumptions fail for this encounter, in which case Hall's 3-D Pc is reported.  A Monte
Carlo run (two-body, from the same TCA Gaussians) checks the 3-D value when the 2-D one is
not trusted, or on request, within a sample budget; its interval is reported beside it.

>>> import numpy as np
>>> r1, v1 = np.array([7000.0, 0, 0]), np.array([0, 7.5, 0])
>>> r2, v2 = np.array([7000.02, 0, 0]), np.array([0, 0, 7.5])
>>> cov = np.diag([0.05, 0.2, 0.05, 1e-4, 1e-4, 1e-4]) ** 2
>>> a = assess_encounter(r1, v1, cov, r2, v2, cov, 0.010)
>>> a.method, f"{a.pc:.3e}", a.violations.violated, a.monte_carlo is None
('foster_2d', '3.287e-03', (), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike

from cosmo_agent.orbital.collision import (
    PC_STATUS,
    PcResult,
    collision_probability,
    encounter_plane,
)
from cosmo_agent.orbital.montecarlo import MonteCarloResult, monte_carlo_pc
from cosmo_agent.orbital.pc3d import (
    PC3D_STATUS,
    Pc3DResult,
    Pc3DStatus,
    UsageViolations,
    pc3d_hall,
    usage_violations,
)

__all__ = ["EncounterAssessment", "MonteCarloMode", "PcMethodUsed", "assess_encounter"]

PcMethodUsed = Literal["foster_2d", "pc3d_hall", "monte_carlo"]
"""Where the reported Pc comes from.

``"foster_2d"``
    Foster's 2-D integral: no usage violation, the rectilinear model holds.
``"pc3d_hall"``
    Hall's 3-D Nc: a usage check fired and the 3-D method converged.
``"monte_carlo"``
    A usage check fired, the 3-D method did not converge, and a Monte Carlo run gave a hit.
"""

MonteCarloMode = Literal["auto", "always", "never"]
"""When to run the Monte Carlo check: ``"auto"`` only when a 2-D usage check fires."""

# Monte Carlo defaults for an interactive assessment: a run stops at this many trials even
# when the interval is wider than asked (the result says so with ``target_met``).
MC_MAX_SAMPLES: Final = 100_000
MC_RELATIVE_ACCURACY: Final = 0.1


@dataclass(frozen=True)
class EncounterAssessment:
    """Every Pc of one conjunction and which one is reported (``pc``, ``method``, ``reason``)."""

    pc: float
    method: PcMethodUsed
    reason: str
    pc2d: PcResult
    pc3d: Pc3DResult
    violations: UsageViolations
    monte_carlo: MonteCarloResult | None

    @property
    def pc2d_message(self) -> str:
        return PC_STATUS[int(self.pc2d.status)]

    @property
    def pc3d_message(self) -> str:
        return PC3D_STATUS[self.pc3d.status]


def assess_encounter(
    r1_km: ArrayLike,
    v1_km_s: ArrayLike,
    cov1_km2: ArrayLike,
    r2_km: ArrayLike,
    v2_km_s: ArrayLike,
    cov2_km2: ArrayLike,
    hbr_km: float,
    *,
    monte_carlo: MonteCarloMode = "auto",
    mc_max_samples: int = MC_MAX_SAMPLES,
    mc_relative_accuracy: float = MC_RELATIVE_ACCURACY,
    seed: int = 0,
) -> EncounterAssessment:
    """Assess one conjunction from both objects' TCA states and 6×6 covariances (km units)."""
    r1, v1, c1 = np.asarray(r1_km, float), np.asarray(v1_km_s, float), np.asarray(cov1_km2, float)
    r2, v2, c2 = np.asarray(r2_km, float), np.asarray(v2_km_s, float), np.asarray(cov2_km2, float)
    pc2d = collision_probability(encounter_plane(r1, v1, c1, r2, v2, c2), hbr_km)
    pc3d = pc3d_hall(r1, v1, c1, r2, v2, c2, hbr_km)
    violations = usage_violations(r1, v1, c1, r2, v2, c2, hbr_km, pc3d)
    mc: MonteCarloResult | None = None
    if monte_carlo == "always" or (monte_carlo == "auto" and violations.any):
        window = pc3d.window_s if pc3d.status == Pc3DStatus.OK else _half_orbit(r1, v1, r2, v2)
        estimate = pc3d.pc if pc3d.status == Pc3DStatus.OK and 0 < pc3d.pc < 1 else None
        mc = monte_carlo_pc(
            r1, v1, c1, r2, v2, c2, hbr_km,
            window_s=window, relative_accuracy=mc_relative_accuracy, pc_estimate=estimate,
            seed=seed, max_samples=mc_max_samples, min_samples=min(1000, mc_max_samples),
        )  # fmt: skip
    pc2d_value = float(pc2d.pc)
    method: PcMethodUsed
    if not violations.any:
        pc, method, reason = pc2d_value, "foster_2d", "no 2-D usage violation"
    elif pc3d.status == Pc3DStatus.OK:
        names = ", ".join(violations.violated)
        pc, method = pc3d.pc, "pc3d_hall"
        reason = f"2-D usage violated ({names}): the 3-D Pc is reported"
    elif mc is not None and mc.hits > 0:
        pc, method = mc.pc, "monte_carlo"
        reason = (
            "2-D usage violated and the 3-D Pc did not converge: the Monte Carlo Pc is reported"
        )
    else:
        pc, method = pc2d_value, "foster_2d"
        reason = (
            "2-D usage violated but neither the 3-D Pc nor a Monte Carlo hit is available:"
            " the 2-D Pc is reported and should not be trusted"
        )
    return EncounterAssessment(pc, method, reason, pc2d, pc3d, violations, mc)


def _half_orbit(
    r1: np.ndarray, v1: np.ndarray, r2: np.ndarray, v2: np.ndarray
) -> tuple[float, float]:
    from cosmo_agent.orbital.twobody import orbit_period_s

    half = 0.5 * float(min(orbit_period_s(r1, v1), orbit_period_s(r2, v2)))
    return (-half, half) if np.isfinite(half) else (-3000.0, 3000.0)
