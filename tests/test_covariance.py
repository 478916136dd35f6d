"""Default TLE covariance: labels, regimes, monotone growth, positive definiteness."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sgp4.earth_gravity import wgs72

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.collision import (
    collision_probability,
    covariance_rtn_to_inertial,
    encounter_plane,
)
from cosmo_agent.orbital.covariance import (
    REGIME_COEFFICIENTS,
    OrbitRegime,
    catalog_default_covariance,
    default_covariance_rtn_km2,
    orbit_regime,
)

# One representative orbit per regime: (perigee_km, apogee_km).
ORBITS: dict[OrbitRegime, tuple[float, float]] = {
    "leo-low": (410.0, 420.0),
    "leo-mid": (540.0, 560.0),
    "leo-high": (1200.0, 1220.0),
    "meo": (20180.0, 20200.0),
    "geo": (35780.0, 35790.0),
    "heo": (500.0, 39000.0),
}


def test_every_result_is_labelled_assumed() -> None:
    cov = default_covariance_rtn_km2(550.0, 560.0, 1.0)
    assert cov.source == "assumed-tle-default"
    sample = files("cosmo_agent.tools") / "data" / "sample-leo.3le"
    catalog = Catalog.from_tle_file(str(sample))
    cat_cov = catalog_default_covariance(catalog, datetime(2026, 6, 11, tzinfo=UTC))
    assert cat_cov.source == "assumed-tle-default"
    assert cat_cov.position_rtn_km2.shape == (len(catalog), 3, 3)
    assert np.isfinite(cat_cov.position_rtn_km2).all()
    np.testing.assert_allclose(cat_cov.age_days, np.abs(catalog.age_days(
        datetime(2026, 6, 11, tzinfo=UTC))))


def test_regimes_follow_their_definitions() -> None:
    perigee = np.array([p for p, _ in ORBITS.values()])
    apogee = np.array([a for _, a in ORBITS.values()])
    assert list(orbit_regime(perigee, apogee)) == list(ORBITS)
    # Band edges: 500 and 800 km perigee start the next band; e = 0.1 is HEO.
    assert list(orbit_regime([499.9, 500.0, 799.9, 800.0, 1999.0, 2000.0, 24999.0, 25000.0],
                             [510.0, 510.0, 810.0, 810.0, 2010.0, 2010.0, 25010.0, 25010.0])) == [
        "leo-low", "leo-mid", "leo-mid", "leo-high", "leo-high", "meo", "meo", "geo"]
    assert list(orbit_regime([600.0, 600.0], [700.0, 700.0], eccentricity=[0.0999, 0.1])) == [
        "leo-mid", "heo"]
    # The derived eccentricity is the geometric one of the heights.
    rp, ra = 500.0 + wgs72.radiusearthkm, 39000.0 + wgs72.radiusearthkm
    assert (ra - rp) / (ra + rp) > 0.1
    assert orbit_regime(500.0, 39000.0) == "heo"


def test_matches_the_documented_table() -> None:
    for regime, (perigee, apogee) in ORBITS.items():
        coeff = REGIME_COEFFICIENTS[regime]
        for age in (0.0, 0.5, 3.0, -3.0):
            cov = default_covariance_rtn_km2(perigee, apogee, age)
            expected = np.hypot(coeff.sigma0_rtn_km, np.array(coeff.rate_rtn_km_per_day) * abs(age))
            np.testing.assert_allclose(cov.sigma_position_rtn_km, expected, rtol=1e-12)
            np.testing.assert_allclose(np.sqrt(np.diag(cov.position_rtn_km2)), expected, rtol=1e-12)


@pytest.mark.parametrize("regime", list(ORBITS))
def test_monotone_in_age(regime: str) -> None:
    perigee, apogee = ORBITS[regime]
    ages = np.linspace(0.0, 30.0, 301)
    cov = default_covariance_rtn_km2(perigee, apogee, ages)
    sig = cov.sigma_position_rtn_km
    assert (np.diff(sig, axis=0) > 0).all()  # every component strictly grows with age
    assert (np.diff(cov.sigma_velocity_rtn_km_s, axis=0) >= 0).all()
    # Along-track dominates after a day and grows by at least its rate per day.
    assert (sig[10:, 1] > sig[10:, 0]).all() and (sig[10:, 1] > sig[10:, 2]).all()
    # Symmetric in the sign of the age (a future epoch is as uncertain).
    back = default_covariance_rtn_km2(perigee, apogee, -ages)
    np.testing.assert_array_equal(back.sigma_position_rtn_km, sig)


def test_documented_regime_ordering() -> None:
    ages = np.array([0.0, 0.5, 1.0, 3.0, 7.0, 14.0])
    sig = {
        regime: default_covariance_rtn_km2(p, a, ages).sigma_position_rtn_km
        for regime, (p, a) in ORBITS.items()
    }
    # LEO bands: lower perigee, more drag, larger errors (each component, every age).
    assert (sig["leo-low"] >= sig["leo-mid"]).all() and (sig["leo-mid"] >= sig["leo-high"]).all()
    assert (sig["leo-low"][:, 1] > sig["leo-mid"][:, 1]).all()
    assert (sig["leo-mid"][:, 1] > sig["leo-high"][:, 1]).all()
    # At epoch: LEO < MEO < GEO < HEO in total position uncertainty.
    total0 = {r: float(np.linalg.norm(s[0])) for r, s in sig.items()}
    order = ["leo-high", "leo-mid", "leo-low", "meo", "geo", "heo"]
    assert [total0[r] for r in order] == sorted(total0.values())


@settings(max_examples=200, deadline=None)
@given(
    perigee=st.floats(100.0, 60000.0),
    span=st.floats(0.0, 80000.0),
    age=st.floats(-60.0, 60.0),
)
def test_positive_definite(perigee: float, span: float, age: float) -> None:
    cov = default_covariance_rtn_km2(perigee, perigee + span, age)
    for matrix in (cov.position_rtn_km2, cov.state_rtn):
        np.testing.assert_array_equal(matrix, matrix.T)
        assert np.linalg.eigvalsh(matrix).min() > 0
    assert np.linalg.cholesky(cov.state_rtn).shape == (6, 6)


def test_velocity_block_uses_mean_motion() -> None:
    cov = default_covariance_rtn_km2(550.0, 550.0, 2.0)
    a_km = 550.0 + wgs72.radiusearthkm
    n = np.sqrt(wgs72.mu / a_km**3)
    s_r, s_t, s_n = cov.sigma_position_rtn_km
    np.testing.assert_allclose(cov.sigma_velocity_rtn_km_s, [n * s_t / 2, 2 * n * s_r, n * s_n])
    assert cov.state_rtn.shape == (6, 6)
    np.testing.assert_allclose(cov.state_rtn[:3, :3], cov.position_rtn_km2)


def test_broadcasting_and_bad_inputs() -> None:
    cov = default_covariance_rtn_km2(np.array([[400.0], [600.0]]), 650.0, np.array([0.0, 1.0, 2.0]))
    assert cov.position_rtn_km2.shape == (2, 3, 3, 3)
    assert cov.regime.shape == (2, 3)
    bad = default_covariance_rtn_km2([np.nan, 500.0], [510.0, 510.0], [1.0, np.inf])
    assert np.isnan(bad.sigma_position_rtn_km).all()  # NaN, not an exception


def test_usable_for_pc() -> None:
    """A default covariance feeds collision_probability through the RTN rotation."""
    r1, v1 = np.array([6928.0, 0.0, 0.0]), np.array([0.0, 7.58, 0.0])
    r2, v2 = np.array([6928.1, 0.0, 0.0]), np.array([0.0, 0.0, 7.58])
    c = default_covariance_rtn_km2(550.0, 550.0, 1.0).position_rtn_km2
    plane = encounter_plane(
        r1, v1, covariance_rtn_to_inertial(c, r1, v1), r2, v2, covariance_rtn_to_inertial(c, r2, v2)
    )
    pc = collision_probability(plane, 0.02)
    assert int(pc.status) == 0 and 1e-5 < float(pc.pc) < 1e-2
