"""Collision avoidance: element-set fitting, CW drift, and burns checked by brute-force SGP4.

Everything here is verified outside the code under test: target states are built with
``sgp4.api.jday`` and a hand-made RTN frame, closest approaches by dense SGP4 sampling
(1 s over ±10 min, then 1 ms and 10 µs grids around the best sample), and Pc by
``collision.py`` from those brute-force states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Any, cast

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec, jday
from sgp4.earth_gravity import wgs72

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.collision import (
    collision_probability,
    covariance_rtn_to_inertial,
    encounter_plane,
)
from cosmo_agent.orbital.covariance import default_covariance_rtn_km2
from cosmo_agent.orbital.elements import ElementRecord, parse_tle_lines, tle_checksum
from cosmo_agent.orbital.maneuver import (
    AVOIDANCE_STATUS,
    AvoidanceStatus,
    Rescreen,
    apply_impulse,
    catalog_rescreener,
    closest_approach,
    fit_satrec,
    plan_avoidance,
    plan_clear_avoidance,
    rescreen_after_maneuver,
)
from cosmo_agent.orbital.timescales import NaiveDatetimeError

CATALOG = Catalog.from_tle_file(str(files("cosmo_agent.tools") / "data" / "sample-leo.3le"))
RE_KM = wgs72.radiusearthkm  # Catalog heights are above the WGS72 equatorial radius


def _sat(name: str) -> Any:
    return CATALOG.satrecs[list(CATALOG.names).index(name)]


def _jd(t: datetime) -> tuple[float, float]:
    jd, fr = jday(t.year, t.month, t.day, t.hour, t.minute, t.second + t.microsecond * 1e-6)
    return float(jd), float(fr)


def _state(sat: Any, t: datetime) -> tuple[np.ndarray, np.ndarray]:
    err, r, v = sat.sgp4(*_jd(t))
    assert err == 0
    return np.array(r), np.array(v)


def _rtn_rows(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    r_hat = r / np.linalg.norm(r)
    n_hat = np.cross(r, v) / np.linalg.norm(np.cross(r, v))
    return np.array([r_hat, np.cross(n_hat, r_hat), n_hat])


def _tle(line1: str, line2: str) -> Any:
    line1, line2 = line1[:68], line2[:68]
    return Satrec.twoline2rv(line1 + str(tle_checksum(line1)), line2 + str(tle_checksum(line2)))


@dataclass
class BruteApproach:
    tca: datetime
    miss_km: float
    r1: np.ndarray
    v1: np.ndarray
    r2: np.ndarray
    v2: np.ndarray


def _brute_force_approach(sat1: Any, sat2: Any, center: datetime) -> BruteApproach:
    """Minimum range by sampling: 1 s over ±10 min, then 1 ms and 10 µs around the best."""
    jd0, fr0 = _jd(center)

    def ranges(offsets_s: np.ndarray) -> np.ndarray:
        jd = np.full(offsets_s.shape, jd0)
        fr = fr0 + offsets_s / 86400.0
        e1, r1, _ = sat1.sgp4_array(jd, fr)
        e2, r2, _ = sat2.sgp4_array(jd, fr)
        assert not e1.any() and not e2.any()
        return np.asarray(np.linalg.norm(r2 - r1, axis=-1))

    grid = np.arange(-600.0, 600.5, 1.0)
    best = grid[np.argmin(ranges(grid))]
    assert abs(best) < 600.0, "the minimum is at the edge of the window"
    for half, step in ((1.0, 1e-3), (2e-3, 1e-5)):
        grid = best + np.arange(-half, half + step / 2, step)
        best = grid[np.argmin(ranges(grid))]
    tca = center + timedelta(seconds=float(best))
    r1, v1 = _state(sat1, tca)
    r2, v2 = _state(sat2, tca)
    return BruteApproach(tca, float(np.linalg.norm(r2 - r1)), r1, v1, r2, v2)


def _age_days(sat: Any, t: datetime) -> float:
    jd, fr = _jd(t)
    return float((jd - sat.jdsatepoch) + (fr - sat.jdsatepochF))


def _pc_default(primary: Any, secondary: Any, a: BruteApproach, hbr_km: float = 0.020) -> float:
    """Foster Pc at brute-force states with the assumed default covariances."""
    covs = []
    for sat, r, v in ((primary, a.r1, a.v1), (secondary, a.r2, a.v2)):
        cov = default_covariance_rtn_km2(
            sat.altp * RE_KM, sat.alta * RE_KM, _age_days(sat, a.tca)
        ).position_rtn_km2
        covs.append(covariance_rtn_to_inertial(cov, r, v))
    plane = encounter_plane(a.r1, a.v1, covs[0], a.r2, a.v2, covs[1])
    return float(collision_probability(plane, hbr_km).pc)


# --- fitting ---------------------------------------------------------------------------------

BURN = datetime(2026, 6, 11, 0, 0, 0, 250000, tzinfo=UTC)


@pytest.mark.parametrize("name", ["ISS (ZARYA)", "SENTINEL 2A", "STARLINK-5114", "VANGUARD 2"])
@pytest.mark.parametrize("dv_rtn_m_s", [(0.0, 0.1, 0.0), (0.0, -1.0, 0.0), (0.3, 0.5, -0.2)])
def test_fitted_satrec_reproduces_the_post_burn_state(
    name: str, dv_rtn_m_s: tuple[float, float, float]
) -> None:
    sat = _sat(name)
    r, v = _state(sat, BURN)
    target_v = v + _rtn_rows(r, v).T @ (np.array(dv_rtn_m_s) / 1000.0)
    fit = apply_impulse(sat, BURN, dv_rtn_m_s)
    assert fit.status == AvoidanceStatus.OK
    r_fit, v_fit = _state(fit.satrec, BURN)
    assert np.linalg.norm(r_fit - r) < 1e-3  # < 1 m
    assert np.linalg.norm(v_fit - target_v) < 1e-6  # < 1 mm/s
    # In practice far tighter, and the reported residuals are the true ones.
    assert np.linalg.norm(r_fit - r) < 1e-6 and np.linalg.norm(v_fit - target_v) < 1e-9
    assert fit.position_residual_km == pytest.approx(np.linalg.norm(r_fit - r), abs=1e-9)
    # The new set is epoch-ed at the burn and keeps the drag term and identity.
    assert abs((fit.elements.epoch - BURN).total_seconds()) < 1e-5
    assert fit.satrec.bstar == sat.bstar and fit.satrec.satnum == sat.satnum
    assert fit.satrec.intldesg == sat.intldesg


def test_fit_converges_for_the_whole_sample_catalog() -> None:
    worst_km = 0.0
    for sat in CATALOG.satrecs:
        r, v = _state(sat, BURN)
        fit = fit_satrec(r, v, BURN, sat)
        assert fit.status == AvoidanceStatus.OK and fit.iterations <= 6
        r_fit, v_fit = _state(fit.satrec, BURN)
        worst_km = max(worst_km, float(np.linalg.norm(r_fit - r)))
        assert np.linalg.norm(v_fit - v) < 1e-9
    assert worst_km < 1e-6


@pytest.mark.parametrize(
    "line2",
    [
        "2 99991   0.0500  80.0000 0002000 120.0000 200.0000  1.00270000    0",  # GEO
        "2 99991  63.4000 300.0000 7200000 270.0000  10.0000  2.00600000    0",  # Molniya
        "2 99991  55.0000  30.0000 0050000  10.0000  60.0000  2.00560000    0",  # GPS-like
        "2 99991   0.0000   0.0000 0000000   0.0000  60.0000 15.00000000    0",  # e = i = 0
        "2 99991 179.9000  10.0000 0010000  10.0000  60.0000 14.00000000    0",  # retrograde
    ],
)
def test_fit_deep_space_and_singular_orbits(line2: str) -> None:
    sat = _tle("1 99991U 20001A   26161.50000000  .00000000  00000-0  10000-3 0  999", line2)
    r, v = _state(sat, BURN)
    target_v = v + _rtn_rows(r, v).T @ np.array([0.0002, 0.0005, 0.0001])
    fit = fit_satrec(r, target_v, BURN, sat)
    assert fit.status == AvoidanceStatus.OK
    r_fit, v_fit = _state(fit.satrec, BURN)
    assert np.linalg.norm(r_fit - r) < 1e-5 and np.linalg.norm(v_fit - target_v) < 1e-8


def test_unbound_state_is_a_status_not_an_exception() -> None:
    sat = _sat("SENTINEL 2A")
    r, v = _state(sat, BURN)
    fit = fit_satrec(r, 1.5 * v, BURN, sat)  # hyperbolic
    assert fit.status == AvoidanceStatus.FIT_FAILED and fit.satrec is None
    fit = fit_satrec(r * np.nan, v, BURN, sat)
    assert fit.status == AvoidanceStatus.FIT_FAILED


# --- Clohessy-Wiltshire ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ISS (ZARYA)", "SENTINEL 2A", "STARLINK-5114"])
def test_along_track_burn_drifts_as_clohessy_wiltshire_predicts(name: str) -> None:
    """A tangential Δv at t=0 gives along-track drift y = (4 sin nt / n - 3t) Δv (CW)."""
    sat = _sat(name)
    dv_m_s = 0.05
    burned = apply_impulse(sat, BURN, [0.0, dv_m_s, 0.0]).satrec
    unburned = apply_impulse(sat, BURN, [0.0, 0.0, 0.0]).satrec
    n_rad_s = unburned.no_kozai / 60.0
    for orbits in (1, 2, 3):
        dt_s = orbits * 2 * np.pi / n_rad_s  # sin(nt) = 0: the drift alone
        t = BURN + timedelta(seconds=dt_s)
        expected_km = -3.0 * dv_m_s * dt_s / 1000.0
        r1, _ = _state(burned, t)
        for reference in (unburned, sat):  # the refitted and the original element set
            r0, v0 = _state(reference, t)
            along_km = float((r1 - r0) @ _rtn_rows(r0, v0)[1])
            assert along_km == pytest.approx(expected_km, rel=0.01)
    # Radial offset half an orbit later: 4 Δv / n (CW), to 2 %.
    t = BURN + timedelta(seconds=np.pi / n_rad_s)
    r1, _ = _state(burned, t)
    r0, v0 = _state(unburned, t)
    radial_km = float((r1 - r0) @ _rtn_rows(r0, v0)[0])
    assert radial_km == pytest.approx(4 * dv_m_s / n_rad_s / 1000.0, rel=0.02)


# --- a synthetic close approach ------------------------------------------------------------------

TCA = datetime(2026, 6, 11, 6, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def conjunction() -> tuple[Any, Any]:
    """SENTINEL 2A and a crossing object 100 m above it at TCA, 60° out of its plane."""
    primary = _sat("SENTINEL 2A")
    r, v = _state(primary, TCA)
    r_hat = r / np.linalg.norm(r)
    angle = np.radians(60.0)
    v2 = (  # Rodrigues: v rotated about the radial axis
        v * np.cos(angle)
        + np.cross(r_hat, v) * np.sin(angle)
        + r_hat * (r_hat @ v) * (1 - np.cos(angle))
    )
    fit = fit_satrec(r + 0.100 * r_hat, v2, TCA, _sat("COSMOS 2548"))
    assert fit.status == AvoidanceStatus.OK
    return primary, fit.satrec


def test_synthetic_conjunction_is_what_we_built(conjunction: tuple[Any, Any]) -> None:
    primary, secondary = conjunction
    brute = _brute_force_approach(primary, secondary, TCA)
    assert abs((brute.tca - TCA).total_seconds()) < 1e-3
    assert brute.miss_km == pytest.approx(0.100, abs=1e-3)
    found = closest_approach(primary, secondary, TCA + timedelta(seconds=40))
    assert found.status == AvoidanceStatus.OK
    assert abs((found.tca - brute.tca).total_seconds()) < 1e-3
    assert found.miss_km == pytest.approx(brute.miss_km, abs=1e-5)
    assert found.relative_speed_km_s == pytest.approx(np.linalg.norm(brute.v2 - brute.v1), rel=1e-6)


def test_burn_raises_the_miss_above_the_target(conjunction: tuple[Any, Any]) -> None:
    primary, secondary = conjunction
    sol = plan_avoidance(primary, secondary, TCA, target_miss_km=2.0, max_pc=None)
    assert sol.status == AvoidanceStatus.OK and sol.ok, sol.message
    assert sol.maneuvered is not None and sol.direction in ("prograde", "retrograde")
    assert sol.dv_rtn_m_s[0] == 0.0 and sol.dv_rtn_m_s[2] == 0.0
    assert 0.0 < sol.dv_m_s <= sol.max_dv_m_s
    assert sol.burn_epoch < sol.tca_original
    assert sol.miss_original_km == pytest.approx(0.1, abs=1e-3)
    # Default burn epoch: 1.5 periods before TCA.
    period_s = 2 * np.pi / primary.no_kozai * 60.0
    assert (TCA - sol.burn_epoch).total_seconds() == pytest.approx(1.5 * period_s, abs=1.0)

    brute = _brute_force_approach(sol.maneuvered.satrec, secondary, TCA)
    assert brute.miss_km >= 2.0 - 1e-6
    assert brute.miss_km == pytest.approx(sol.miss_km, abs=1e-3)
    assert abs((brute.tca - sol.tca).total_seconds()) < 1e-3

    # Smallest: 1 % less Δv in the same direction misses the target (brute force again).
    weaker = apply_impulse(primary, sol.burn_epoch, 0.99 * sol.dv_rtn_m_s)
    assert _brute_force_approach(weaker.satrec, secondary, TCA).miss_km < 2.0
    # And no cheaper in the other direction.
    other = "prograde" if sol.direction == "retrograde" else "retrograde"
    alone = plan_avoidance(
        primary, secondary, TCA, target_miss_km=2.0, max_pc=None, directions=(other,)
    )
    assert alone.status == AvoidanceStatus.OK and alone.dv_m_s >= sol.dv_m_s
    # Brute force: the same Δv the other way round falls short of the target.
    reversed_burn = apply_impulse(primary, sol.burn_epoch, -sol.dv_rtn_m_s)
    assert _brute_force_approach(reversed_burn.satrec, secondary, TCA).miss_km < 2.0


def test_burn_brings_pc_below_the_threshold(conjunction: tuple[Any, Any]) -> None:
    primary, secondary = conjunction
    sol = plan_avoidance(primary, secondary, TCA)  # max_pc = 1e-4, assumed covariances
    assert sol.status == AvoidanceStatus.OK, sol.message
    assert sol.covariance_source == "assumed-tle-default" and sol.pc_method == "foster"
    original = _brute_force_approach(primary, secondary, TCA)
    pc_before = _pc_default(primary, secondary, original)
    assert pc_before > 1e-4
    assert sol.pc_original == pytest.approx(pc_before, rel=1e-3)
    assert sol.maneuvered is not None
    after = _brute_force_approach(sol.maneuvered.satrec, secondary, TCA)
    pc_after = _pc_default(primary, secondary, after)  # the primary keeps its covariance
    assert pc_after <= 1e-4 * 1.001
    assert sol.pc == pytest.approx(pc_after, rel=1e-3)
    assert after.miss_km > original.miss_km


def test_given_covariances_are_used_and_labelled(conjunction: tuple[Any, Any]) -> None:
    primary, secondary = conjunction
    cov = np.diag([0.05, 0.2, 0.05]) ** 2
    sol = plan_avoidance(
        primary,
        secondary,
        TCA,
        primary_covariance_rtn_km2=cov,
        secondary_covariance_rtn_km2=cov,
        covariance_source="cdm",
    )
    assert sol.status == AvoidanceStatus.OK and sol.covariance_source == "cdm"
    assert sol.pc <= 1e-4 < sol.pc_original
    # Smaller covariances than the default: a smaller burn suffices.
    assumed = plan_avoidance(primary, secondary, TCA)
    assert sol.dv_m_s < assumed.dv_m_s


def test_radial_burns_when_allowed(conjunction: tuple[Any, Any]) -> None:
    primary, secondary = conjunction
    sol = plan_avoidance(
        primary, secondary, TCA, target_miss_km=0.5, max_pc=None,
        directions=("radial-out", "radial-in"), max_dv_m_s=5.0,
    )
    assert sol.status == AvoidanceStatus.OK, sol.message
    assert sol.direction in ("radial-out", "radial-in")
    assert sol.dv_rtn_m_s[1] == 0.0 and sol.dv_rtn_m_s[0] != 0.0
    assert sol.maneuvered is not None
    brute = _brute_force_approach(sol.maneuvered.satrec, secondary, TCA)
    assert brute.miss_km >= 0.5 - 1e-6


def test_no_solution_within_the_bound_is_a_status(conjunction: tuple[Any, Any]) -> None:
    primary, secondary = conjunction
    sol = plan_avoidance(primary, secondary, TCA, target_miss_km=50.0, max_dv_m_s=0.001)
    assert sol.status == AvoidanceStatus.NO_SOLUTION and not sol.ok
    assert sol.message.startswith(AVOIDANCE_STATUS[AvoidanceStatus.NO_SOLUTION])
    assert "best at 0.001 m/s" in sol.message
    assert sol.maneuvered is None
    assert sol.dv_m_s == pytest.approx(0.001)  # the best burn at the bound, for information
    assert sol.miss_km < 50.0


def test_other_statuses(conjunction: tuple[Any, Any]) -> None:
    primary, secondary = conjunction
    safe = plan_avoidance(primary, secondary, TCA, target_miss_km=0.05, max_pc=None)
    assert safe.status == AvoidanceStatus.ALREADY_SAFE and safe.dv_m_s == 0.0
    assert safe.direction is None and safe.maneuvered is None

    late = plan_avoidance(primary, secondary, TCA, burn_epoch=TCA + timedelta(minutes=1))
    assert late.status == AvoidanceStatus.BAD_BURN_EPOCH

    # A secondary that never comes close within the window has no local minimum there.
    far = plan_avoidance(primary, _sat("ISS (ZARYA)"), TCA, window_s=30.0)
    assert far.status == AvoidanceStatus.TCA_NOT_FOUND
    assert far.message.startswith(AVOIDANCE_STATUS[AvoidanceStatus.TCA_NOT_FOUND])

    # A decayed object: SGP4 errors become a status.
    decaying = Satrec()
    decaying.sgp4init(WGS72, "i", 99990, 27920.0, 0.5, 0.0, 0.0, 0.001, 0.0, 0.9, 0.0, 0.0680, 0.0)
    assert decaying.sgp4(*_jd(TCA))[0] != 0
    dead = plan_avoidance(primary, decaying, TCA)
    assert dead.status == AvoidanceStatus.PROPAGATION_ERROR
    assert all(code in AVOIDANCE_STATUS for code in range(8))


def test_bad_arguments_raise(conjunction: tuple[Any, Any]) -> None:
    primary, secondary = conjunction
    with pytest.raises(ValueError, match="nothing to achieve"):
        plan_avoidance(primary, secondary, TCA, target_miss_km=None, max_pc=None)
    with pytest.raises(ValueError, match="directions"):
        plan_avoidance(primary, secondary, TCA, directions=cast(Any, ("sideways",)))
    with pytest.raises(NaiveDatetimeError):
        plan_avoidance(primary, secondary, datetime(2026, 6, 11, 6))


# --- post-maneuver screening ---------------------------------------------------------------------

SENTINEL_2A = 40697


def _records_with(*extra: tuple[int, Any]) -> list[ElementRecord]:
    text = (files("cosmo_agent.tools") / "data" / "sample-leo.3le").read_text()
    records, _ = parse_tle_lines(text.splitlines(), "sample-leo.3le")
    for norad_id, sat in extra:
        epoch = datetime(1949, 12, 31, tzinfo=UTC) + timedelta(
            days=(sat.jdsatepoch - 2433281.5) + sat.jdsatepochF
        )
        records.append(ElementRecord(norad_id, f"SYNTHETIC {norad_id}", "", epoch, sat, "test", 0))
    return list(records)


def _crossing(sat: Any, t: datetime, offset_km: float, template: Any) -> Any:
    """An element set passing ``offset_km`` above ``sat`` at ``t``, 60° out of its plane."""
    r, v = _state(sat, t)
    r_hat = r / np.linalg.norm(r)
    angle = np.radians(60.0)
    v2 = v * np.cos(angle) + np.cross(r_hat, v) * np.sin(angle) + r_hat * (r_hat @ v) * (
        1 - np.cos(angle)
    )
    fit = fit_satrec(r + offset_km * r_hat, v2, t, template)
    assert fit.status == AvoidanceStatus.OK
    return fit.satrec


def test_rescreen_flags_a_conjunction_the_burn_creates() -> None:
    primary = _sat("SENTINEL 2A")
    burn = datetime(2026, 6, 10, 18, 0, tzinfo=UTC)
    fit = apply_impulse(primary, burn, [0.0, 0.5, 0.0])
    meet = burn + timedelta(hours=2)
    # An object the *maneuvered* orbit meets 200 m away; the original passes ~10 km off.
    intruder = _crossing(fit.satrec, meet, 0.200, _sat("COSMOS 2548"))
    brute_after = _brute_force_approach(fit.satrec, intruder, meet)
    brute_before = _brute_force_approach(primary, intruder, meet)
    assert brute_after.miss_km == pytest.approx(0.200, abs=1e-3)
    assert brute_before.miss_km > 5.0

    catalog = Catalog.from_records(_records_with((99001, intruder)))
    check = rescreen_after_maneuver(
        fit, SENTINEL_2A, catalog, meet + timedelta(minutes=30), workers=1
    )
    assert check.before is not None and not check.clear
    assert SENTINEL_2A not in check.after.secondary_id  # its own catalog row is skipped
    assert 99001 not in check.before.secondary_id
    # Same period, crossing planes: the two meet at both nodes every orbit, all of it new.
    rows = np.flatnonzero(check.after.secondary_id == 99001)
    assert rows.size >= 1 and check.new[rows].all()
    assert set(check.new_secondary_ids) == {99001}
    tcas = [check.after.tca_datetimes()[k] for k in rows]
    k = rows[int(np.argmin([abs((t - meet).total_seconds()) for t in tcas]))]
    assert abs((check.after.tca_datetimes()[k] - brute_after.tca).total_seconds()) < 1e-3
    assert check.after.miss_km[k] == pytest.approx(brute_after.miss_km, abs=1e-5)
    assert check.after.start == burn  # screened from the burn by default
    # Approaches the unmaneuvered orbit also has are not new.
    assert not check.new[check.after.secondary_id != 99001].any()


def test_rescreen_of_the_avoided_conjunction(conjunction: tuple[Any, Any]) -> None:
    primary, secondary = conjunction
    sol = plan_avoidance(primary, secondary, TCA, target_miss_km=2.0, max_pc=None)
    assert sol.maneuvered is not None
    records = [r for r in _records_with((99002, secondary)) if r.norad_id != SENTINEL_2A]
    catalog = Catalog.from_records(records)  # the primary is not in it: nothing to compare
    # The synthetic pair meets at both nodes every orbit: screen only around the TCA.
    start, stop = TCA - timedelta(minutes=10), TCA + timedelta(minutes=10)
    plain = rescreen_after_maneuver(
        sol.maneuvered, SENTINEL_2A, catalog, stop, start=start, workers=1
    )
    assert plain.before is None
    rows = np.flatnonzero(plain.after.secondary_id == 99002)
    assert rows.size == 1 and plain.new[rows[0]]  # still under the 5 km threshold
    assert plain.after.miss_km[rows[0]] == pytest.approx(sol.miss_km, abs=1e-5)
    told = rescreen_after_maneuver(
        sol.maneuvered, SENTINEL_2A, catalog, stop, start=start, avoided=(99002, TCA), workers=1
    )
    assert told.clear and not told.new.any()
    # With the unmaneuvered orbit given, the avoided event is known without being told.
    compared = rescreen_after_maneuver(
        sol.maneuvered, SENTINEL_2A, catalog, stop, start=start, original=primary, workers=1
    )
    assert compared.before is not None and 99002 in compared.before.secondary_id
    assert not compared.new[compared.after.secondary_id == 99002].any()


def test_rescreen_refuses_a_failed_fit(conjunction: tuple[Any, Any]) -> None:
    primary, _ = conjunction
    r, v = _state(primary, BURN)
    failed = fit_satrec(r, 1.5 * v, BURN, primary)
    with pytest.raises(ValueError, match="no maneuvered element set"):
        rescreen_after_maneuver(failed, SENTINEL_2A, CATALOG, BURN + timedelta(hours=1))


# --- candidates until the post-maneuver screening is clear -------------------------------------


def _brute_span_min_km(sat1: Any, sat2: Any, start: datetime, stop: datetime) -> float:
    """Minimum range over [start, stop] by sampling: 1 s, then 0.1 ms around local minima."""
    jd0, fr0 = _jd(start)

    def ranges(offsets_s: np.ndarray) -> np.ndarray:
        jd = np.full(offsets_s.shape, jd0)
        e1, r1, _ = sat1.sgp4_array(jd, fr0 + offsets_s / 86400.0)
        e2, r2, _ = sat2.sgp4_array(jd, fr0 + offsets_s / 86400.0)
        assert not e1.any() and not e2.any()
        return np.asarray(np.linalg.norm(r2 - r1, axis=-1))

    grid = np.arange(0.0, (stop - start).total_seconds() + 0.5, 1.0)
    rng = ranges(grid)
    minima = np.flatnonzero((rng[1:-1] <= rng[:-2]) & (rng[1:-1] <= rng[2:])) + 1
    best = float(min(rng[0], rng[-1]))
    for k in minima[rng[minima] < 50.0]:
        best = min(best, float(ranges(np.arange(grid[k] - 1.0, grid[k] + 1.0, 1e-4)).min()))
    return best


class _Stub:
    """The two attributes of a screening that ``Rescreen.clear`` reads."""

    excluded: dict[int, str] = {}  # noqa: RUF012 - read only
    secondary_id = np.array([99999])


def _never_clear(calls: list[Any]) -> Any:
    """A rescreener (the test seam) that finds one new approach for every burn."""

    def rescreen(solution: Any) -> Rescreen:
        calls.append(solution)
        return Rescreen(cast(Any, _Stub()), None, np.array([True]), SENTINEL_2A)

    return rescreen


def test_clear_avoidance_skips_a_burn_that_creates_a_conjunction(
    conjunction: tuple[Any, Any],
) -> None:
    primary, secondary = conjunction
    plain = plan_avoidance(primary, secondary, TCA, target_miss_km=2.0, max_pc=None)
    assert plain.maneuvered is not None
    # An object the smallest burn's orbit meets 200 m away 6 h after the TCA, where the
    # unmaneuvered orbit passes > 5 km away.  The secondary itself is left out of the
    # catalog: the synthetic pair meets at both nodes every orbit (see above).
    meet = TCA + timedelta(hours=6)
    intruder = _crossing(plain.maneuvered.satrec, meet, 0.200, _sat("COSMOS 2548"))
    assert _brute_force_approach(primary, intruder, meet).miss_km > 5.0
    catalog = Catalog.from_records(_records_with((99003, intruder)))
    stop = TCA + timedelta(hours=8)
    rescreen = catalog_rescreener(SENTINEL_2A, catalog, stop, avoided=(99002, TCA), workers=1)
    found = plan_clear_avoidance(primary, secondary, TCA, rescreen, target_miss_km=2.0,
                                 max_pc=None)  # fmt: skip
    assert found.status == AvoidanceStatus.OK and found.ok, found.message
    first, *_, chosen = found.candidates
    assert first.step == "first" and first.result == "not-clear"
    assert first.solution.dv_m_s == pytest.approx(plain.dv_m_s)  # the plain search's burn
    assert first.rescreen is not None and 99003 in first.rescreen.new_secondary_ids
    assert "not clear" in first.describe() and "99003" in first.describe()
    assert chosen.result == "clear" and chosen.step != "first"
    assert found.solution is chosen.solution and found.rescreen is chosen.rescreen
    assert found.rescreen is not None and found.rescreen.clear
    assert f"candidate {len(found.candidates)}" in found.message
    # Same burn epoch: the unmaneuvered orbit was screened once and reused.
    assert chosen.rescreen is not None and chosen.rescreen.before is first.rescreen.before
    # Brute force: the chosen burn clears the secondary by the target and stays more than
    # the 5 km threshold from the intruder from the burn to the end of the screened span.
    sol = found.solution
    assert sol.maneuvered is not None
    assert _brute_force_approach(sol.maneuvered.satrec, secondary, TCA).miss_km >= 2.0 - 1e-6
    assert _brute_span_min_km(sol.maneuvered.satrec, intruder, sol.burn_epoch, stop) > 5.0
    assert _brute_span_min_km(plain.maneuvered.satrec, intruder, sol.burn_epoch, stop) < 0.21


def test_clear_avoidance_order_and_bounds(conjunction: tuple[Any, Any]) -> None:
    primary, secondary = conjunction
    calls: list[Any] = []
    found = plan_clear_avoidance(primary, secondary, TCA, _never_clear(calls),
                                 target_miss_km=2.0, max_pc=None)  # fmt: skip
    assert found.status == AvoidanceStatus.NO_CLEAR_BURN and not found.ok
    assert found.message.startswith(AVOIDANCE_STATUS[AvoidanceStatus.NO_CLEAR_BURN])
    steps = [c.step for c in found.candidates]
    assert steps == ["first", "opposite", "larger", "larger", "other-axis"] + ["other-lead"] * 3
    assert len(calls) == 8 and "the limit of 8 screenings" in found.message
    assert all(c.result == "not-clear" and c.new_conjunctions == 1 for c in found.candidates)
    first, opposite, twice, four, radial, *leads = found.candidates
    assert {first.solution.direction, opposite.solution.direction} == {"prograde", "retrograde"}
    assert twice.solution.direction == four.solution.direction == first.solution.direction
    assert twice.solution.dv_m_s == pytest.approx(2 * first.solution.dv_m_s)
    assert four.solution.dv_m_s == pytest.approx(4 * first.solution.dv_m_s)
    assert radial.solution.direction in ("radial-out", "radial-in")
    period_s = 2 * np.pi / primary.no_kozai * 60.0
    for c in (first, opposite, twice, four, radial):
        assert c.lead_orbits == pytest.approx(1.5, abs=1e-3)
    assert [c.lead_orbits for c in leads] == pytest.approx([2.0, 1.0, 0.5], abs=1e-3)
    for c in leads:
        assert (TCA - c.solution.burn_epoch).total_seconds() == pytest.approx(
            c.lead_orbits * period_s, abs=1e-6
        )
    assert found.solution is first.solution  # fewest new approaches: the first of equals
    # Fewer screenings allowed; the burn epoch fixed; an earliest burn; along-track only.
    calls.clear()
    capped = plan_clear_avoidance(
        primary, secondary, TCA, _never_clear(calls), target_miss_km=2.0, max_pc=None,
        max_rescreens=2, axes=("along-track",), other_lead_orbits=(),
    )  # fmt: skip
    assert [c.result for c in capped.candidates] == ["not-clear"] * 2 + ["unscreened"] * 2
    assert len(calls) == 2 and capped.status == AvoidanceStatus.NO_CLEAR_BURN
    assert len({c.solution.burn_epoch for c in capped.candidates}) == 1
    calls.clear()
    late = plan_clear_avoidance(
        primary, secondary, TCA, _never_clear(calls), target_miss_km=2.0, max_pc=None,
        axes=("along-track",), earliest_burn=TCA - timedelta(seconds=1.7 * period_s),
        max_rescreens=5,
    )  # fmt: skip
    assert [c.lead_orbits for c in late.candidates][4:] == pytest.approx([1.0, 0.5], abs=1e-3)
    assert len(late.notes) == 1 and late.notes[0].startswith("lead 2 orbits")
    assert "before the earliest burn" in late.notes[0]


def test_clear_avoidance_without_a_screener_and_when_no_burn_is_needed(
    conjunction: tuple[Any, Any],
) -> None:
    primary, secondary = conjunction
    plain = plan_avoidance(primary, secondary, TCA, target_miss_km=2.0, max_pc=None)
    unscreened = plan_clear_avoidance(primary, secondary, TCA, None, target_miss_km=2.0,
                                      max_pc=None)  # fmt: skip
    assert unscreened.ok and unscreened.rescreen is None
    assert [c.result for c in unscreened.candidates] == ["unscreened"]
    assert np.array_equal(unscreened.solution.dv_rtn_m_s, plain.dv_rtn_m_s)
    calls: list[Any] = []
    safe = plan_clear_avoidance(primary, secondary, TCA, _never_clear(calls),
                                target_miss_km=0.05, max_pc=None)  # fmt: skip
    assert safe.status == AvoidanceStatus.ALREADY_SAFE and safe.candidates == () and not calls
    # Short on every axis at every lead time: NO_SOLUTION, nothing screened.
    short = plan_clear_avoidance(primary, secondary, TCA, _never_clear(calls),
                                 target_miss_km=50.0, max_dv_m_s=0.001)  # fmt: skip
    assert short.status == AvoidanceStatus.NO_SOLUTION and not calls
    assert {c.result for c in short.candidates} == {"short"}
    assert [c.step for c in short.candidates] == ["first", "other-axis"] + ["other-lead"] * 6
    assert short.message.startswith(AVOIDANCE_STATUS[AvoidanceStatus.NO_SOLUTION])
    with pytest.raises(ValueError, match="axes"):
        plan_clear_avoidance(primary, secondary, TCA, None, axes=cast(Any, ("sideways",)))
    with pytest.raises(ValueError, match="max_rescreens"):
        plan_clear_avoidance(primary, secondary, TCA, None, max_rescreens=0)


def test_a_minimum_dv_starts_the_search_there(conjunction: tuple[Any, Any]) -> None:
    primary, secondary = conjunction
    plain = plan_avoidance(primary, secondary, TCA, target_miss_km=2.0, max_pc=None)
    assert plain.direction is not None
    larger = plan_avoidance(primary, secondary, TCA, target_miss_km=2.0, max_pc=None,
                            directions=(plain.direction,), min_dv_m_s=3 * plain.dv_m_s)  # fmt: skip
    assert larger.ok and larger.dv_m_s == pytest.approx(3 * plain.dv_m_s, rel=1e-12)
    assert larger.maneuvered is not None
    brute = _brute_force_approach(larger.maneuvered.satrec, secondary, TCA)
    assert brute.miss_km == pytest.approx(larger.miss_km, abs=1e-3) and brute.miss_km > 2.0
    with pytest.raises(ValueError, match="min_dv_m_s"):
        plan_avoidance(primary, secondary, TCA, min_dv_m_s=2.0, max_dv_m_s=1.0)
