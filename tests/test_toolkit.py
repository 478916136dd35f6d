"""The nine tools on missions/demo.yaml, checked against independent computations.

Authorities: skyfield (positions, elevations, the Sun), the catalog's own ages, the
space-weather report itself, a 3-D Monte Carlo of the straight-line encounter for Pc,
and brute-force SGP4 for the post-maneuver miss distance.
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sgp4.api import Satrec
from skyfield.api import EarthSatellite, wgs84

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.covariance import default_covariance_rtn_km2
from cosmo_agent.orbital.elements import ElementRecord
from cosmo_agent.orbital.maneuver import closest_approach, fit_satrec
from cosmo_agent.orbital.timescales import ephemeris, timescale
from cosmo_agent.tools import spaceweather as sw
from cosmo_agent.tools.mission import Mission, MissionError, load_mission, parse_mission
from cosmo_agent.tools.registry import ToolContext, call_tool, merge_catalogs
from cosmo_agent.tools.toolkit import (
    DEFAULT_SECONDARY_HARD_BODY_RADIUS_M,
    ConjunctionAssessment,
    ConjunctionEvent,
    FleetStatusResult,
    ManeuverProposal,
    ObjectRef,
    PassesResult,
    PropagateResult,
    ProposeCommandsResult,
    ScheduleResult,
    ScreeningResult,
    SpaceWeatherResult,
)

REPO = Path(__file__).resolve().parents[1]
EPOCH = datetime(2026, 6, 10, 12, tzinfo=UTC)
DEBRIS_ID = 99001


@pytest.fixture(scope="module")
def demo() -> Mission:
    return load_mission(REPO / "missions" / "demo.yaml")


@pytest.fixture
def ctx(demo: Mission) -> ToolContext:
    return ToolContext.from_mission(demo)


def _ok(ctx: ToolContext, name: str, arguments: dict[str, object]) -> object:
    out = call_tool(ctx, name, arguments)
    assert out.ok, out.error
    return out.result


def _skyfield_sat(catalog: Catalog, norad_id: int) -> EarthSatellite:
    row = int(catalog.index_of([norad_id])[0])
    return EarthSatellite.from_satrec(catalog.satrecs[row], timescale())


def _metres(
    lat1: float, lon1: float, h1_km: float, lat2: float, lon2: float, h2_km: float
) -> float:
    """Distance between two geodetic points (ECEF through skyfield's WGS84)."""
    a = wgs84.latlon(lat1, lon1, elevation_m=h1_km * 1e3).itrs_xyz.km
    b = wgs84.latlon(lat2, lon2, elevation_m=h2_km * 1e3).itrs_xyz.km
    return float(np.linalg.norm(a - b) * 1e3)


# -- fleet_status ---------------------------------------------------------------------------------


def test_fleet_status_ages_and_positions(ctx: ToolContext, demo: Mission) -> None:
    result = _ok(ctx, "fleet_status", {})
    assert isinstance(result, FleetStatusResult)
    assert [s.norad_id for s in result.satellites] == [s.norad_id for s in demo.fleet]
    catalog = ctx.catalog
    ages = catalog.age_days(EPOCH)
    t = timescale().from_datetime(EPOCH)
    for s in result.satellites:
        row = int(catalog.index_of([s.norad_id])[0])
        assert s.age_days == pytest.approx(ages[row], abs=1e-4)
        assert s.staleness == "fresh" and s.sgp4_error is None
        assert s.perigee_km == pytest.approx(catalog.perigee_km[row], abs=0.05)
        assert s.apogee_km == pytest.approx(catalog.apogee_km[row], abs=0.05)
        epoch = catalog.epochs[row].astype(datetime).replace(tzinfo=UTC)
        assert s.element_epoch_utc == epoch
        geo = _skyfield_sat(catalog, s.norad_id).at(t)
        lat, lon = wgs84.latlon_of(geo)
        h = wgs84.height_of(geo).km
        assert s.lat_deg is not None and s.lon_deg is not None and s.altitude_km is not None
        # rounded to 1e-4 deg (11 m) and 1 m in the result
        assert _metres(s.lat_deg, s.lon_deg, s.altitude_km, lat.degrees, lon.degrees, h) < 15.0
    assert "7 satellites (7 fresh); no SGP4 errors" in result.summary()


def test_fleet_status_staleness_follows_the_mission_policy(demo: Mission) -> None:
    policies = demo.policies.model_copy(update={"stale_warn_days": 0.62, "stale_refuse_days": 0.7})
    mission = demo.model_copy(update={"policies": policies})
    ctx = ToolContext.from_mission(mission, now=EPOCH + timedelta(hours=18))
    result = _ok(ctx, "fleet_status", {})
    assert isinstance(result, FleetStatusResult)
    ages = ctx.catalog.age_days(ctx.now)
    for s in result.satellites:
        age = abs(ages[int(ctx.catalog.index_of([s.norad_id])[0])])
        expected = "refuse" if age > 0.7 else "warn" if age > 0.62 else "fresh"
        assert s.staleness == expected, (s.name, age)
    assert {s.staleness for s in result.satellites} == {"fresh", "warn", "refuse"}


# -- propagate ------------------------------------------------------------------------------------


def test_propagate_matches_skyfield_within_a_metre(ctx: ToolContext) -> None:
    result = _ok(ctx, "propagate", {"satellites": ["K3", "S2A"], "duration_h": 3, "step_s": 300})
    assert isinstance(result, PropagateResult)
    assert len(result.times_utc) == 37 and result.times_utc[0] == EPOCH
    assert result.times_utc[-1] == EPOCH + timedelta(hours=3) and not result.warnings
    t = timescale().from_datetimes(result.times_utc)
    for track in result.tracks:
        geo = _skyfield_sat(ctx.catalog, track.norad_id).at(t)
        lat, lon = wgs84.latlon_of(geo)
        h = wgs84.height_of(geo).km
        for i in range(len(result.times_utc)):
            d = _metres(track.lat_deg[i], track.lon_deg[i], track.altitude_km[i],
                        lat.degrees[i], lon.degrees[i], h[i])  # fmt: skip
            assert d < 1.0, (track.name, i, d)


def test_propagate_start_and_sample_cap(ctx: ToolContext) -> None:
    start = EPOCH + timedelta(hours=2)
    result = _ok(ctx, "propagate", {"satellites": "all", "start": "2026-06-10T14:00:00+00:00",
                                    "duration_h": 48, "step_s": 10})  # fmt: skip
    assert isinstance(result, PropagateResult)
    assert result.start_utc == start and result.times_utc[0] == start
    n = len(result.times_utc)
    assert n * len(result.tracks) <= 10_000 and n <= 1441
    assert result.step_s == math.ceil(48 * 3600 / (10_000 // 7 - 1))
    assert "step_s raised from 10" in result.warnings[0]
    assert all(len(t.lat_deg) == n for t in result.tracks)


# -- find_passes ----------------------------------------------------------------------------------


def test_find_passes_against_skyfield_elevations(ctx: ToolContext, demo: Mission) -> None:
    result = _ok(ctx, "find_passes", {"satellites": "all", "stations": "all", "duration_h": 24})
    assert isinstance(result, PassesResult)
    assert result.stations == ["DAEJEON", "JEJU", "SVALBARD", "FAIRBANKS"]
    assert len(result.passes) > 100 and ctx.store.passes == result.passes
    assert [p.aos_utc for p in result.passes] == sorted(p.aos_utc for p in result.passes)
    stations = {st.id: st for st in demo.stations}
    ts = timescale()
    checked = 0
    for p in result.passes[::15]:
        st = stations[p.station_id]
        where = wgs84.latlon(st.lat_deg, st.lon_deg, elevation_m=st.alt_m)
        sat = _skyfield_sat(ctx.catalog, p.satellite.norad_id)
        times = [p.aos_utc, p.tca_utc, p.tca_utc - timedelta(seconds=5),
                 p.tca_utc + timedelta(seconds=5)]  # fmt: skip
        alt, az, _ = (sat - where).at(ts.from_datetimes(times)).altaz()
        assert alt.degrees[1] == pytest.approx(p.max_elevation_deg, abs=0.01)
        assert alt.degrees[1] >= alt.degrees[2] and alt.degrees[1] >= alt.degrees[3]
        if not p.starts_in_progress:
            mask = st.horizon_mask
            limit = st.min_elevation_deg
            if mask:
                az_deg, el_deg = [m[0] for m in mask], [m[1] for m in mask]
                limit = max(limit, float(np.interp(az.degrees[0], az_deg, el_deg, period=360.0)))
            assert alt.degrees[0] == pytest.approx(limit, abs=0.01)
        assert p.duration_s == pytest.approx((p.los_utc - p.aos_utc).total_seconds(), abs=0.06)
        checked += 1
    assert checked >= 7


def test_find_passes_elevation_override(ctx: ToolContext) -> None:
    low = _ok(ctx, "find_passes", {"satellites": ["K3"], "stations": ["대전"], "duration_h": 24})
    high = _ok(ctx, "find_passes", {"satellites": ["K3"], "stations": ["대전"], "duration_h": 24,
                                    "min_elevation_deg": 40})  # fmt: skip
    assert isinstance(low, PassesResult) and isinstance(high, PassesResult)
    assert 0 < len(high.passes) < len(low.passes)
    assert all(p.max_elevation_deg >= 40 for p in high.passes)
    assert all(p.satellite.name == "KOMPSAT 3" and p.station_id == "DAEJEON" for p in low.passes)


# -- space_weather --------------------------------------------------------------------------------


def _sun_altitude_deg(lat: float, lon: float, alt_m: float, when: datetime) -> float:
    eph = ephemeris()
    where = eph["earth"] + wgs84.latlon(lat, lon, elevation_m=alt_m)
    alt, _, _ = where.at(timescale().from_datetime(when)).observe(eph["sun"]).apparent().altaz()
    return float(alt.degrees)


def test_space_weather_levels_and_mission_alerts(ctx: ToolContext, demo: Mission) -> None:
    result = _ok(ctx, "space_weather", {})
    assert isinstance(result, SpaceWeatherResult)
    report = sw.space_weather_report(str(ctx.space_weather), EPOCH)
    for letter in "GSR":
        assert result.scales[letter].level == report.scales[letter].level == 3
    assert result.kp_forecast_max_24h == report.kp_forecast_max_24h
    assert [a.product_id for a in result.swpc_alerts] == [
        a.product_id for a in report.active_alerts
    ]
    assert not result.stale and result.stale_products == []
    # expected targets, derived from the mission file and the catalog directly
    radiation = {str(s.norad_id) for s in demo.fleet if "radiation" in s.sensitivities}
    catalog = ctx.catalog
    low = {str(s.norad_id) for s in demo.fleet
           if catalog.perigee_km[int(catalog.index_of([s.norad_id])[0])] < 450.0}  # fmt: skip
    sunlit = {st.id for st in demo.stations
              if _sun_altitude_deg(st.lat_deg, st.lon_deg, st.alt_m, EPOCH) > -0.833}  # fmt: skip
    assert radiation == {"38338", "40536", "33591"} and low == {"40536"}
    assert "SVALBARD" in sunlit and "DAEJEON" not in sunlit
    by_action: dict[str, set[str]] = {}
    for alert in result.alerts:
        by_action.setdefault(alert.action, set()).add(alert.target_id)
    assert by_action == {
        "safe_mode_recommended": radiation,
        "drag_warning": low,
        "link_degradation": sunlit,
    }
    assert set(result.sunlit_stations) == sunlit
    assert result.summary().startswith("space weather at 2026-06-10T12:00:00Z: G3 S3 R3; 6")


def test_space_weather_alert_rules_come_from_the_mission() -> None:
    """A mission's own rules replace the defaults: a drag warning at G1 for drag-sensitive
    satellites (KOMPSAT 5 only) instead of the three shipped rules."""
    text = (REPO / "missions" / "demo.yaml").read_text(encoding="utf-8")
    old = "  command_margin_min: 10\n"
    assert old in text
    rules = """\
  alert_rules:
    - {id: drag-g1, scale: G, min_level: 1, applies_to: sensitivity, sensitivity: drag,
       action: drag_warning, severity: warning, recommendation: "{label}: drag on {target}"}
"""
    mission = parse_mission(text.replace(old, old + rules), "custom.yaml", REPO / "missions")
    result = _ok(ToolContext.from_mission(mission), "space_weather", {})
    assert isinstance(result, SpaceWeatherResult)
    assert [(a.rule_id, a.action, a.target_id, a.level, a.message) for a in result.alerts] == [
        ("drag-g1", "drag_warning", "39227", 3, "G3: drag on KOMPSAT 5 (39227)")
    ]
    bad = text.replace(old, old + rules.replace("min_level: 1", "min_level: 6"))
    with pytest.raises(MissionError, match=r"line 7\d: policies.alert_rules\[0\].min_level"):
        parse_mission(bad, "custom.yaml", REPO / "missions")


def test_space_weather_goes_stale(demo: Mission) -> None:
    ctx = ToolContext.from_mission(demo, now=EPOCH + timedelta(hours=7))  # policy: 6 h
    result = _ok(ctx, "space_weather", {})
    assert isinstance(result, SpaceWeatherResult)
    assert result.stale and {"kp", "xrays", "protons"} <= set(result.stale_products)
    assert all(result.scales[k].level is None for k in "GSR")
    assert result.scales["S"].last_known_level == 3
    assert result.alerts == []  # no alert from stale levels
    assert "G? (stale)" in result.summary()


def test_space_weather_data_from_the_future_is_flagged(demo: Mission) -> None:
    ctx = ToolContext.from_mission(demo, now=EPOCH - timedelta(hours=5))
    result = _ok(ctx, "space_weather", {})
    assert isinstance(result, SpaceWeatherResult)
    assert any("newer than the planning clock" in w for w in result.warnings)


# -- conjunctions: a synthetic close approach with K3 ---------------------------------------------


@pytest.fixture(scope="module")
def conjunction(demo: Mission) -> tuple[Mission, Catalog, ConjunctionEvent]:
    """A made-up object crossing KOMPSAT 3's path 150 m below it at 18:00 UTC."""
    sample = ToolContext.from_mission(demo).catalog
    k3 = sample.satrecs[int(sample.index_of([38338])[0])]
    t = datetime(2026, 6, 10, 18, tzinfo=UTC)
    sat_k3 = Satrec.twoline2rv(*_tle(k3))
    jd, fr = _jd(t)
    _, r, v = sat_k3.sgp4(jd, fr)
    r, v = np.array(r), np.array(v)
    r_hat = r / np.linalg.norm(r)
    angle = math.radians(60.0)  # velocity rotated about the radial: a crossing at ~7.5 km/s
    v2 = (v * math.cos(angle) + np.cross(r_hat, v) * math.sin(angle)
          + r_hat * (r_hat @ v) * (1 - math.cos(angle)))  # fmt: skip
    fit = fit_satrec(r - 0.150 * r_hat, v2, t, k3)
    assert fit.status == 0
    debris = Catalog.from_records(
        [ElementRecord(DEBRIS_ID, "TEST DEBRIS", "", t, fit.satrec, "test", 0)], source="test"
    )
    catalog = merge_catalogs([sample, debris])
    approach = closest_approach(k3, fit.satrec, t)
    event = ConjunctionEvent(
        event_id="CONJ-0001",
        primary=ObjectRef(norad_id=38338, name="KOMPSAT 3", in_fleet=True),
        secondary=ObjectRef(norad_id=DEBRIS_ID, name="TEST DEBRIS", in_fleet=False),
        tca_utc=approach.tca,
        miss_km=approach.miss_km,
        relative_speed_km_s=approach.relative_speed_km_s,
        threshold_km=5.0,
    )
    return demo, catalog, event


def _tle(sat: Satrec) -> tuple[str, str]:
    from sgp4.exporter import export_tle

    line1, line2 = export_tle(sat)
    return line1, line2


def _jd(t: datetime) -> tuple[float, float]:
    from sgp4.api import jday

    jd, fr = jday(t.year, t.month, t.day, t.hour, t.minute, t.second + t.microsecond * 1e-6)
    return float(jd), float(fr)


def _conjunction_ctx(conjunction: tuple[Mission, Catalog, ConjunctionEvent]) -> ToolContext:
    mission, catalog, event = conjunction
    ctx = ToolContext.from_mission(mission, catalog=catalog)
    ctx.store.events[event.event_id] = event
    return ctx


def test_assess_conjunction_against_monte_carlo(
    conjunction: tuple[Mission, Catalog, ConjunctionEvent],
) -> None:
    ctx = _conjunction_ctx(conjunction)
    _, catalog, event = conjunction
    result = _ok(ctx, "assess_conjunction", {"event_id": "CONJ-0001", "hard_body_radius_m": 60})
    assert isinstance(result, ConjunctionAssessment)
    assert result.covariance_assumed and all(c.assumed for c in result.covariances)
    assert {c.source for c in result.covariances} == {"assumed-tle-default"}
    assert result.miss_km == pytest.approx(event.miss_km, abs=1e-4)
    assert abs(result.miss_rtn_km[0]) == pytest.approx(0.150, abs=0.01)  # mostly radial
    # independent: SGP4 states at TCA, our own RTN rotation, 3-D Monte Carlo of the straight line
    states, covs = [], []
    jd, fr = _jd(event.tca_utc)
    for norad_id in (38338, DEBRIS_ID):
        row = int(catalog.index_of([norad_id])[0])
        _, r, v = catalog.satrecs[row].sgp4(jd, fr)
        r, v = np.array(r), np.array(v)
        age = (event.tca_utc - catalog.epochs[row].astype(datetime).replace(tzinfo=UTC))
        sigma = default_covariance_rtn_km2(
            catalog.perigee_km[row], catalog.apogee_km[row], age.total_seconds() / 86400.0
        ).sigma_position_rtn_km
        rr = r / np.linalg.norm(r)
        nn = np.cross(r, v) / np.linalg.norm(np.cross(r, v))
        basis = np.stack([rr, np.cross(nn, rr), nn])  # rows R, T, N
        covs.append(basis.T @ np.diag(sigma**2) @ basis)
        states.append((r, v))
    rel = states[1][0] - states[0][0]
    u = (states[1][1] - states[0][1]) / np.linalg.norm(states[1][1] - states[0][1])
    n = 1_000_000
    e = np.random.default_rng(7).standard_normal((n, 3)) @ np.linalg.cholesky(covs[0] + covs[1]).T
    d = rel + e
    perp = d - np.outer(d @ u, u)  # miss vector of the straight relative line
    hits = int(np.count_nonzero(np.einsum("ij,ij->i", perp, perp) < 0.060**2))
    assert result.pc_foster is not None and result.pc_chan is not None
    assert hits > 5000  # statistical error of the Monte Carlo below 1.4 %
    assert result.pc_foster == pytest.approx(hits / n, rel=5.0 / math.sqrt(hits))
    assert result.pc_chan == pytest.approx(result.pc_foster, rel=0.05)
    assert result.pc_max is not None and result.pc_max >= result.pc_foster


def test_assess_conjunction_default_radius_and_verdict(
    conjunction: tuple[Mission, Catalog, ConjunctionEvent],
) -> None:
    ctx = _conjunction_ctx(conjunction)
    result = _ok(ctx, "assess_conjunction", {"event_id": "conj-0001"})
    assert isinstance(result, ConjunctionAssessment)
    assert result.hard_body_radius_m == 5.0 + DEFAULT_SECONDARY_HARD_BODY_RADIUS_M
    assert "KOMPSAT 3 5 m (mission)" in result.hard_body_radius_basis
    assert result.miss_km < ctx.mission.policies.min_miss_km and result.action == "plan_avoidance"
    assert result.pc_foster is not None and result.pc_foster > ctx.mission.policies.max_pc
    assert "assumed covariance" in result.summary()
    # 7.5 km/s through a 150 m miss: the 2-D checks pass, so the 2-D value is the reported
    # Pc; Hall's 3-D value from the same 6x6 covariances agrees with it; no Monte Carlo.
    assert result.usage_violations.violated == [] and result.usage_violations.curvilinear
    assert (result.pc_method, result.pc) == ("foster_2d", pytest.approx(result.pc_foster, rel=1e-5))
    assert result.pc3d == pytest.approx(result.pc_foster, rel=2e-3)
    assert result.pc3d_status == "ok" and result.monte_carlo is None


def test_plan_avoidance_clears_the_conjunction(
    conjunction: tuple[Mission, Catalog, ConjunctionEvent],
) -> None:
    ctx = _conjunction_ctx(conjunction)
    _, catalog, event = conjunction
    result = _ok(ctx, "plan_avoidance", {"event_id": "CONJ-0001", "target_miss_km": 2.0})
    assert isinstance(result, ManeuverProposal)
    assert result.status == "proposed" and result.proposal_id == "MNV-0001"
    assert ctx.store.proposals["MNV-0001"] is result
    assert result.miss_km is not None and result.miss_km >= 2.0
    assert result.pc is not None and result.pc <= ctx.mission.policies.max_pc
    assert result.miss_before_km == pytest.approx(event.miss_km, abs=1e-3)
    assert result.direction in ("prograde", "retrograde")
    assert result.delta_v_m_s == pytest.approx(float(np.linalg.norm(result.delta_v_rtn_m_s)),
                                               abs=1e-6)  # fmt: skip
    assert 0 < result.delta_v_m_s <= 1.0 and result.delta_v_rtn_m_s[0] == 0.0
    lead = ctx.now + timedelta(hours=ctx.mission.policies.avoidance_lead_h)
    assert lead <= result.burn_epoch_utc < event.tca_utc
    assert result.covariance_source == "assumed-tle-default"
    assert result.approvals_required == ["flight_director", "fdo"]
    command = result.command
    assert command is not None and command.command == "ORBIT_MANEUVER"
    assert command.parameters["dv_along_m_s"] == result.delta_v_rtn_m_s[1]
    # independent: the new element set, propagated by SGP4, misses the debris by the stated amount
    assert result.new_elements_tle is not None
    moved = Satrec.twoline2rv(*result.new_elements_tle)
    debris = catalog.satrecs[int(catalog.index_of([DEBRIS_ID])[0])]
    jd, fr = _jd(event.tca_utc)

    def ranges_km(offsets_s: np.ndarray) -> np.ndarray:
        e1, r1, _ = moved.sgp4_array(np.full(offsets_s.size, jd), fr + offsets_s / 86400.0)
        e2, r2, _ = debris.sgp4_array(np.full(offsets_s.size, jd), fr + offsets_s / 86400.0)
        assert not e1.any() and not e2.any()
        return np.asarray(np.linalg.norm(r1 - r2, axis=1))

    coarse = np.arange(-600.0, 600.0, 0.5)
    best = coarse[int(np.argmin(ranges_km(coarse)))]
    fine = np.arange(best - 1.0, best + 1.0, 1e-4)  # 0.1 ms: under a metre at 7.5 km/s
    brute_miss = float(np.min(ranges_km(fine)))
    assert brute_miss == pytest.approx(result.miss_km, abs=0.02)  # TLE rounding: metres
    # the command the proposal carries passes the dictionary (prerequisite still open or met)
    check = _ok(ctx, "propose_commands", {"commands": [command.model_dump(mode="json")]})
    assert isinstance(check, ProposeCommandsResult)
    item = check.items[0]
    assert item.accepted, item.issues
    assert item.hazardous is not None and "fdo" in item.approvals_required
    screening = result.post_maneuver_screening
    assert screening is not None and screening.screening_id == "SCR-0001"
    assert (screening.satellite_id, screening.burn_epoch_utc) == (38338, result.burn_epoch_utc)
    assert screening.dv_rtn_m_s == result.delta_v_rtn_m_s
    assert screening.start_utc == result.burn_epoch_utc
    assert screening.stop_utc == event.tca_utc + timedelta(hours=24)
    assert screening.new_conjunctions == sum(a.new for a in screening.approaches)
    assert screening.clear == (screening.new_conjunctions == 0)
    # the avoided event is still there, now at the planned miss, and is not counted as new
    avoided = [a for a in screening.approaches if a.secondary.norad_id == DEBRIS_ID
               and abs((a.tca_utc - event.tca_utc).total_seconds()) < 60]  # fmt: skip
    if avoided:  # present when the new miss is still under the screening threshold
        assert not avoided[0].new
        assert avoided[0].miss_km == pytest.approx(result.miss_km, abs=0.01)
    # a proposed burn is one whose post-maneuver screening is clear: here the first candidate
    assert screening.clear and item.prerequisites_unmet == []
    assert not [w for w in result.warnings if w.startswith("candidate ")]


def _min_range_km(a: Satrec, b: Satrec, t: datetime) -> float:
    """Brute-force SGP4 minimum range (km) of ``a`` to ``b`` within 10 min of ``t``."""
    jd, fr = _jd(t)

    def ranges_km(offsets_s: np.ndarray) -> np.ndarray:
        jds = np.full(offsets_s.size, jd)
        e1, r1, _ = a.sgp4_array(jds, fr + offsets_s / 86400.0)
        e2, r2, _ = b.sgp4_array(jds, fr + offsets_s / 86400.0)
        assert not e1.any() and not e2.any()
        return np.asarray(np.linalg.norm(r1 - r2, axis=1))

    coarse = np.arange(-600.0, 600.0, 0.5)
    best = coarse[int(np.argmin(ranges_km(coarse)))]
    return float(np.min(ranges_km(np.arange(best - 1.0, best + 1.0, 1e-4))))


def _span_min_range_km(a: Satrec, b: Satrec, start: datetime, stop: datetime) -> float:
    """Brute-force SGP4 minimum range (km) over [start, stop]: 1 s samples, then 0.1 ms
    around every sampled local minimum under 50 km."""
    jd, fr = _jd(start)

    def ranges_km(offsets_s: np.ndarray) -> np.ndarray:
        jds = np.full(offsets_s.size, jd)
        e1, r1, _ = a.sgp4_array(jds, fr + offsets_s / 86400.0)
        e2, r2, _ = b.sgp4_array(jds, fr + offsets_s / 86400.0)
        assert not e1.any() and not e2.any()
        return np.asarray(np.linalg.norm(r1 - r2, axis=1))

    coarse = np.arange(0.0, (stop - start).total_seconds() + 0.5, 1.0)
    rng = ranges_km(coarse)
    interior = np.flatnonzero((rng[1:-1] <= rng[:-2]) & (rng[1:-1] <= rng[2:])) + 1
    best = float(min(rng[0], rng[-1]))
    for k in interior[rng[interior] < 50.0]:
        fine = np.arange(coarse[k] - 1.0, coarse[k] + 1.0, 1e-4)
        best = min(best, float(np.min(ranges_km(fine))))
    return best


def _intruder(moved: Satrec, meet: datetime, template: Satrec) -> Satrec:
    """An object that passes 200 m above ``moved`` at ``meet``, crossing at 60 degrees."""
    jd, fr = _jd(meet)
    _, r, v = moved.sgp4(jd, fr)
    r, v = np.array(r), np.array(v)
    r_hat = r / np.linalg.norm(r)
    angle = math.radians(-60.0)
    v2 = (v * math.cos(angle) + np.cross(r_hat, v) * math.sin(angle)
          + r_hat * (r_hat @ v) * (1 - math.cos(angle)))  # fmt: skip
    fit = fit_satrec(r + 0.200 * r_hat, v2, meet, template)
    assert fit.status == 0
    return fit.satrec


def _with_intruders(
    conjunction: tuple[Mission, Catalog, ConjunctionEvent], intruders: dict[int, Satrec],
    meet: datetime,
) -> ToolContext:
    mission, catalog, event = conjunction
    if intruders:
        extra = Catalog.from_records(
            [ElementRecord(k, f"TEST INTRUDER {k}", "", meet, sat, "test", 0)
             for k, sat in intruders.items()],
            source="test",
        )  # fmt: skip
        catalog = merge_catalogs([catalog, extra])
    ctx = ToolContext.from_mission(mission, catalog=catalog)
    ctx.store.events[event.event_id] = event
    return ctx


def _candidate_lines(result: ManeuverProposal) -> list[str]:
    return [w for w in result.warnings if w.startswith("candidate ")]


def test_plan_avoidance_picks_another_burn_when_the_first_creates_a_conjunction(
    conjunction: tuple[Mission, Catalog, ConjunctionEvent],
) -> None:
    _, catalog, event = conjunction
    args = {"event_id": "CONJ-0001", "target_miss_km": 2.0}
    first = _ok(_conjunction_ctx(conjunction), "plan_avoidance", args)
    assert isinstance(first, ManeuverProposal) and first.new_elements_tle is not None
    moved = Satrec.twoline2rv(*first.new_elements_tle)
    k3 = catalog.satrecs[int(catalog.index_of([38338])[0])]
    debris = catalog.satrecs[int(catalog.index_of([DEBRIS_ID])[0])]
    # An intruder the first burn's orbit meets 200 m away late in the screening span,
    # where the unmaneuvered orbit (drifted along track) passes far outside the threshold.
    meet = event.tca_utc + timedelta(hours=20)
    intruder_id = 99002
    intruder = _intruder(moved, meet, k3)
    assert _min_range_km(moved, intruder, meet) == pytest.approx(0.200, abs=0.01)
    assert _min_range_km(k3, intruder, meet) > event.threshold_km  # not there without the burn
    ctx = _with_intruders(conjunction, {intruder_id: intruder}, meet)
    result = _ok(ctx, "plan_avoidance", args)
    assert isinstance(result, ManeuverProposal)
    assert result.status == "proposed", result.message
    assert result.delta_v_rtn_m_s != first.delta_v_rtn_m_s
    # every candidate tried is reported: the first one hit the intruder, the last is clear
    lines = _candidate_lines(result)
    assert len(lines) >= 2 and lines[0].startswith("candidate 1: first: ")
    assert "not clear (" in lines[0] and str(intruder_id) in lines[0]
    assert lines[-1].endswith("post-maneuver screening clear")
    assert f"candidate {len(lines)}" in result.message
    for line in lines:
        assert "mm/s at 20" in line and "orbits before TCA" in line
    screening = result.post_maneuver_screening
    assert screening is not None and screening.clear and screening.new_conjunctions == 0
    assert (screening.burn_epoch_utc, screening.dv_rtn_m_s) == (
        result.burn_epoch_utc, result.delta_v_rtn_m_s
    )
    # independent: the chosen burn's elements, flown by SGP4, clear the debris by the target
    # and stay outside the threshold of the intruder over the whole screened span
    assert result.new_elements_tle is not None
    chosen = Satrec.twoline2rv(*result.new_elements_tle)
    assert _min_range_km(chosen, debris, event.tca_utc) >= 2.0 - 0.02
    assert result.miss_km == pytest.approx(_min_range_km(chosen, debris, event.tca_utc), abs=0.02)
    span = _span_min_range_km(chosen, intruder, screening.start_utc, screening.stop_utc)
    assert span > event.threshold_km
    # ... while the first burn, over the same span, does meet it
    assert _span_min_range_km(moved, intruder, screening.start_utc, screening.stop_utc) < 0.25
    assert result.command is not None
    check = _ok(ctx, "propose_commands", {"commands": [result.command.model_dump(mode="json")]})
    assert isinstance(check, ProposeCommandsResult)
    assert check.items[0].accepted and check.items[0].prerequisites_unmet == []


def test_plan_avoidance_with_no_clear_candidate_is_not_proposed(
    conjunction: tuple[Mission, Catalog, ConjunctionEvent],
) -> None:
    from cosmo_agent.agent.compose import compose_plan
    from cosmo_agent.agent.plan import (
        PlannedCommand,
        Rationale,
        SatelliteRef,
        ScreeningRecord,
        ToolReference,
    )
    from cosmo_agent.agent.trace import ToolRecord
    from cosmo_agent.agent.validator import validate_plan

    mission, catalog, event = conjunction
    k3 = catalog.satrecs[int(catalog.index_of([38338])[0])]
    # The burn time fixed and along-track only: four candidates (first, opposite, 2x, 4x).
    args = {"event_id": "CONJ-0001", "target_miss_km": 2.0, "burn_lead_orbits": 1.5,
            "directions": ["along_track"]}  # fmt: skip
    meet = event.tca_utc + timedelta(hours=20)
    intruders: dict[int, Satrec] = {}
    chosen: list[tuple[float, float, float]] = []
    for _ in range(6):  # block the proposed burn with an intruder until none is left
        ctx = _with_intruders(conjunction, intruders, meet)
        result = _ok(ctx, "plan_avoidance", args)
        assert isinstance(result, ManeuverProposal)
        if result.status != "proposed":
            break
        assert result.delta_v_rtn_m_s not in chosen
        chosen.append(result.delta_v_rtn_m_s)
        assert result.new_elements_tle is not None
        moved = Satrec.twoline2rv(*result.new_elements_tle)
        intruders[99100 + len(intruders)] = _intruder(moved, meet, k3)
    assert result.status == "no_clear_candidate", result.message
    assert 1 <= len(chosen) <= 4  # an intruder may block more than the burn it was made for
    lines = _candidate_lines(result)
    steps = [line.split(": ")[1] for line in lines]
    assert steps == ["first", "opposite", "larger", "larger"]
    assert all("not clear (" in line for line in lines)
    assert result.message.startswith("every candidate burn that meets the targets creates")
    # nothing ready to fly: no command, no elements, no approvals, a screening that is not clear
    assert result.command is None and result.new_elements_tle is None
    assert result.approvals_required == []
    screening = result.post_maneuver_screening
    assert screening is not None and not screening.clear and screening.new_conjunctions >= 1
    assert "no_clear_candidate" in result.summary()
    assert result.delta_v_rtn_m_s in chosen  # the one with the fewest new approaches
    # the command plan does not carry it: an alert for the operator instead
    record = ToolRecord("call-1", "plan_avoidance", args, True, result.model_dump(mode="json"))
    plan = compose_plan(mission, ctx.now, [record], catalog=ctx.catalog)
    assert not [c for c in plan.commands if c.command == "ORBIT_MANEUVER"]
    assert any("no_clear_candidate" in a.message for a in plan.alerts)
    # a hand-made ORBIT_MANEUVER of that burn: propose_commands leaves its prerequisite open
    parameters = {
        "dv_radial_m_s": result.delta_v_rtn_m_s[0],
        "dv_along_m_s": result.delta_v_rtn_m_s[1],
        "dv_cross_m_s": result.delta_v_rtn_m_s[2],
        "burn_epoch": result.burn_epoch_utc.isoformat().replace("+00:00", "Z"),
    }
    request = {"satellite": "38338", "command": "ORBIT_MANEUVER",
               "time": parameters["burn_epoch"], "parameters": parameters}  # fmt: skip
    check = _ok(ctx, "propose_commands", {"commands": [request]})
    assert isinstance(check, ProposeCommandsResult)
    assert check.items[0].prerequisites_unmet == ["post_maneuver_screening"]
    # ... and the validator rejects a plan that carries it with its (not clear) screening
    source = ToolReference(tool="plan_avoidance", call_id="call-1")
    record_screening = ScreeningRecord(
        id=screening.screening_id, kind="post_maneuver", satellite_id=38338, source=source,
        performed_at=screening.performed_at_utc, threshold_km=screening.threshold_km,
        new_conjunctions=screening.new_conjunctions, min_miss_km=screening.min_miss_km,
        dv_rtn_m_s=screening.dv_rtn_m_s, burn_epoch=screening.burn_epoch_utc,
    )  # fmt: skip
    burn = PlannedCommand(
        time=result.burn_epoch_utc - timedelta(minutes=30),
        satellite=SatelliteRef(norad_id=38338, name="KOMPSAT 3"),
        command="ORBIT_MANEUVER",
        parameters=parameters,
        rationale=Rationale(text="avoid CONJ-0001", references=[source]),
        post_maneuver_screening=screening.screening_id,
    )
    carried = plan.model_copy(update={"commands": [burn], "screenings": [record_screening]})
    report = validate_plan(carried, mission, now=ctx.now)
    assert not report.ok and "policy.maneuver_new_conjunction" in report.rule_ids()


def test_plan_avoidance_honours_the_burn_epoch(
    conjunction: tuple[Mission, Catalog, ConjunctionEvent],
) -> None:
    _, catalog, event = conjunction
    ctx = _conjunction_ctx(conjunction)
    burn = datetime(2026, 6, 10, 15, 10, 30, 500000, tzinfo=UTC)
    args = {"event_id": "CONJ-0001", "target_miss_km": 2.0, "burn_epoch": "2026-06-10T15:10:30.5Z"}
    result = _ok(ctx, "plan_avoidance", args)
    assert isinstance(result, ManeuverProposal) and result.status == "proposed"
    assert result.burn_epoch_utc == burn
    assert result.command is not None and result.command.time == burn
    assert result.command.parameters["burn_epoch"] == "2026-06-10T15:10:30.500000Z"
    assert result.post_maneuver_screening is not None
    assert result.post_maneuver_screening.burn_epoch_utc == burn
    # independent: the new elements are epoch-ed at the burn and clear the debris by 2 km
    assert result.new_elements_tle is not None
    moved = Satrec.twoline2rv(*result.new_elements_tle)
    epoch = datetime(1949, 12, 31, tzinfo=UTC) + timedelta(
        days=(moved.jdsatepoch - 2433281.5) + moved.jdsatepochF
    )
    assert abs((epoch - burn).total_seconds()) < 1e-3
    debris = catalog.satrecs[int(catalog.index_of([DEBRIS_ID])[0])]
    assert _min_range_km(moved, debris, event.tca_utc) >= 2.0 - 0.02
    # burn_lead_orbits: that many periods of the primary before the TCA
    k3 = catalog.satrecs[int(catalog.index_of([38338])[0])]
    period_s = 2 * math.pi / k3.no_kozai * 60.0
    lead = _ok(ctx, "plan_avoidance", {"event_id": "CONJ-0001", "burn_lead_orbits": 2.5})
    assert isinstance(lead, ManeuverProposal) and lead.status == "proposed"
    assert (event.tca_utc - lead.burn_epoch_utc).total_seconds() == pytest.approx(
        2.5 * period_s, abs=1.0
    )
    # radial only
    radial = _ok(ctx, "plan_avoidance", {"event_id": "CONJ-0001", "directions": ["radial"],
                                         "burn_epoch": "2026-06-10T15:10:30.5Z"})  # fmt: skip
    assert isinstance(radial, ManeuverProposal) and radial.status == "proposed", radial.message
    assert radial.direction in ("radial-out", "radial-in") and radial.burn_epoch_utc == burn
    assert radial.delta_v_rtn_m_s[1] == 0.0 and radial.delta_v_rtn_m_s[0] != 0.0


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"burn_epoch": "2026-06-10T18:30:00Z"}, "is not before the TCA"),
        ({"burn_epoch": "2026-06-10T12:05:00Z"}, "command margin (10 min)"),
        ({"burn_lead_orbits": 4.0}, "command margin"),
        ({"burn_epoch": "2026-06-10T15:00:00Z", "burn_lead_orbits": 1.0}, "both given"),
    ],
)
def test_plan_avoidance_refuses_a_bad_burn_time_as_data(
    conjunction: tuple[Mission, Catalog, ConjunctionEvent], extra: dict[str, object], words: str
) -> None:
    ctx = _conjunction_ctx(conjunction)
    out = call_tool(ctx, "plan_avoidance", {"event_id": "CONJ-0001", **extra})
    assert not out.ok and out.result is None and out.error is not None
    assert out.error.code == "invalid_arguments"
    assert words in out.error.message and "call plan_avoidance again" in out.error.message
    assert not ctx.store.proposals


def test_plan_avoidance_argument_schema_only_grows() -> None:
    from cosmo_agent.tools.registry import tool_specs

    params = tool_specs()["plan_avoidance"].parameters()
    props = params["properties"]
    assert params["required"] == ["event_id"]
    assert {"event_id", "max_pc", "target_miss_km"} <= set(props)  # the contract's arguments
    assert {"type": "string", "format": "date-time"} in props["burn_epoch"]["anyOf"]
    lead = props["burn_lead_orbits"]
    assert (lead["exclusiveMinimum"], lead["maximum"]) == (0, 15)
    axes = props["directions"]
    assert axes["items"]["enum"] == ["along_track", "radial"]
    assert (axes["minItems"], axes["maxItems"]) == (1, 2)
    bad = call_tool(ToolContext.from_mission(load_mission(REPO / "missions" / "demo.yaml")),
                    "plan_avoidance", {"event_id": "CONJ-0001", "directions": ["sideways"]})
    assert not bad.ok and bad.error is not None and bad.error.code == "invalid_arguments"


def test_plan_avoidance_already_safe(
    conjunction: tuple[Mission, Catalog, ConjunctionEvent],
) -> None:
    ctx = _conjunction_ctx(conjunction)
    result = _ok(ctx, "plan_avoidance", {"event_id": "CONJ-0001", "target_miss_km": 0.01,
                                         "max_pc": 0.5})  # fmt: skip
    assert isinstance(result, ManeuverProposal)
    assert result.status == "already_safe" and result.command is None
    assert result.delta_v_m_s == 0.0 and result.approvals_required == []


# -- schedule_contacts ----------------------------------------------------------------------------


def test_schedule_contacts_respects_the_station_limits(ctx: ToolContext, demo: Mission) -> None:
    result = _ok(ctx, "schedule_contacts", {"satellites": "all", "stations": "all",
                                            "duration_h": 24})  # fmt: skip
    assert isinstance(result, ScheduleResult)
    assert result.contacts and ctx.store.schedule is result
    assert result.solver_status in ("OPTIMAL", "FEASIBLE")
    # max_volume: the solver's objective is the volume in whole Mbit; the bound is above it
    assert result.objective_value == pytest.approx(result.total_volume_mbit,
                                                   abs=len(result.contacts))  # fmt: skip
    assert result.solver == "cpsat" and result.best_bound is not None
    assert result.best_bound >= result.objective_value
    assert result.optimality_gap == pytest.approx(
        (result.best_bound - result.objective_value) / max(1.0, result.best_bound)
    )
    stations = {st.id: st for st in demo.stations}
    passes = ctx.store.passes
    for c in result.contacts:
        st = stations[c.station_id]
        assert c.antenna in {a.id for a in st.antennas}
        assert EPOCH <= c.aos_utc < c.los_utc <= EPOCH + timedelta(hours=24)
        assert c.duration_s >= st.min_contact_s - 1e-6
        # the rate the START_DOWNLINK will carry: the class dictionary's, capped by the antenna's
        sat_class = demo.satellite(c.satellite.norad_id).sat_class
        wanted = ctx.command_dictionary(sat_class).command("START_DOWNLINK")
        param = wanted.parameter("rate_mbps") if wanted is not None else None
        assert param is not None and isinstance(param.default, int | float)
        antenna = next(a for a in st.antennas if a.id == c.antenna)
        rate = min(float(param.default), antenna.downlink_rate_mbps)
        assert c.volume_mbit == pytest.approx(rate * c.duration_s, rel=1e-3)
        for w in st.blackouts:  # SVALBARD maintenance 20:00-23:00
            assert c.los_utc <= w.start or c.aos_utc >= w.end
        assert any(p.satellite.norad_id == c.satellite.norad_id and p.station_id == c.station_id
                   and p.aos_utc <= c.aos_utc and c.los_utc <= p.los_utc
                   for p in passes)  # fmt: skip
    for a, b in itertools.combinations(result.contacts, 2):
        if (a.station_id, a.antenna) == (b.station_id, b.antenna):
            gap = max((b.aos_utc - a.los_utc), (a.aos_utc - b.los_utc)).total_seconds()
            assert gap >= stations[a.station_id].turnaround_s - 1.0
        if a.satellite.norad_id == b.satellite.norad_id:
            assert a.los_utc <= b.aos_utc or b.los_utc <= a.aos_utc
    assert result.total_volume_mbit == pytest.approx(sum(c.volume_mbit for c in result.contacts),
                                                     rel=1e-6)  # fmt: skip


def test_schedule_priority_objective(ctx: ToolContext) -> None:
    result = _ok(ctx, "schedule_contacts", {"satellites": ["K3", "K5", "N19"],
                                            "stations": ["DAEJEON", "JEJU"], "duration_h": 12,
                                            "objective": "max_priority"})  # fmt: skip
    assert isinstance(result, ScheduleResult)
    assert result.objective == "max_priority"
    assert {c.satellite.norad_id for c in result.contacts} <= {38338, 39227, 33591}
    assert {c.station_id for c in result.contacts} <= {"DAEJEON", "JEJU"}
    assert result.priority_score > 0
    # contacts read like the scheduler's own, so the plan can take them as they are
    from cosmo_agent.agent.plan import PlanContact

    contact = PlanContact.from_scheduled(result.contacts[0])
    assert (contact.satellite_id, contact.aos) == (
        result.contacts[0].satellite.norad_id, result.contacts[0].aos_utc)  # fmt: skip


# -- propose_commands -----------------------------------------------------------------------------


def test_propose_commands_checks_the_dictionaries(ctx: ToolContext) -> None:
    result = _ok(ctx, "propose_commands", {"commands": [
        {"satellite": "K3", "command": "SET_MODE", "parameters": {"mode": "IMAGING"}},
        {"satellite": "아리랑5호", "command": "OBC_RESET", "time": "2026-06-10T13:00:00Z"},
        {"satellite": "K3A", "command": "START_DOWNLINK",
         "parameters": {"duration_s": -5, "band": "Q"}},
        {"satellite": "S2A", "command": "SAFE_MODE_ENTER", "time": "2026-06-10T12:05:00Z"},
        {"satellite": "N19", "command": "ORBIT_MANEUVER"},
        {"satellite": "Hubble", "command": "NOOP"},
        {"satellite": "K3", "command": "SET_M\u041eDE", "parameters": {"mode": "SAFE"}},
    ]})  # fmt: skip
    assert isinstance(result, ProposeCommandsResult)
    items = result.items
    assert [i.accepted for i in items] == [True, True, False, False, False, False, False]
    assert items[0].parameters == {"mode": "IMAGING"} and items[0].approvals_required == []
    assert items[1].hazardous is not None and items[1].approvals_required == ["flight_director"]
    assert items[1].satellite is not None and items[1].satellite.norad_id == 39227
    assert [(i.code, i.parameter) for i in items[2].issues] == [
        ("out_of_range", "duration_s"), ("bad_state", "band")]  # fmt: skip
    assert [i.code for i in items[3].issues] == ["too_soon"]  # margin 10 min after 12:00
    assert [i.code for i in items[4].issues] == ["unknown_command"]  # weather class
    assert [i.code for i in items[5].issues] == ["unknown_satellite"]
    assert "KOMPSAT 3" in items[5].issues[0].message
    assert [i.code for i in items[6].issues] == ["unknown_command"]  # Cyrillic look-alike
    assert ctx.store.commands == items
    assert result.summary().startswith("2 of 7 commands accepted (1 hazardous")


# -- screen_conjunctions --------------------------------------------------------------------------


def test_screen_conjunctions_finds_the_synthetic_event(
    conjunction: tuple[Mission, Catalog, ConjunctionEvent],
) -> None:
    mission, catalog, event = conjunction
    ctx = ToolContext.from_mission(mission, catalog=catalog)
    out = call_tool(ctx, "screen_conjunctions", {"satellites": ["K3"], "duration_h": 12})
    assert out.ok, out.error
    result = out.result
    assert isinstance(result, ScreeningResult)
    found = [e for e in result.events if e.secondary.norad_id == DEBRIS_ID]
    # the orbits cross twice per revolution: an approach every half orbit, ours at 18:00
    assert len(found) >= 2 and all(e.event_id.startswith("CONJ-") for e in found)
    ours = [e for e in found if abs((e.tca_utc - event.tca_utc).total_seconds()) < 1.0]
    assert len(ours) == 1 and ours[0].miss_km == pytest.approx(event.miss_km, abs=0.001)
    assert result.events == sorted(result.events, key=lambda e: e.tca_utc)
    assert all(e.miss_km <= 5.0 and e.primary.norad_id == 38338 for e in result.events)
    again = call_tool(ctx, "screen_conjunctions", {"satellites": ["K3"], "duration_h": 12})
    assert [e.event_id for e in again.result.events] == [e.event_id for e in result.events]


def test_space_weather_alert_scales_and_report_kept(ctx: ToolContext) -> None:
    result = _ok(ctx, "space_weather", {})
    assert isinstance(result, SpaceWeatherResult)
    assert [(a.product_id, a.scale, a.level) for a in result.swpc_alerts] == [
        ("K07A", "G", 3), ("XM5A", "R", 2), ("PX3A", "S", 3)]  # fmt: skip
    report = ctx.store.space_weather
    assert report is not None and report.scales["S"].level == 3
    assert result.data_time_utc == max(f.data_time_utc for f in report.feeds if f.data_time_utc)
