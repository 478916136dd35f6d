"""Lighting against authorities: skyfield's point-Sun ``is_sunlit``, skyfield's vectors for
the beta angle, a 1-second brute-force grid, disc-overlap integration and the cylindrical shadow."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.resources import files

import numpy as np
import pytest
from skyfield.api import EarthSatellite
from skyfield.timelib import Time

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.elements import parse_omm, parse_tle_lines
from cosmo_agent.orbital.frames import WGS84_A_KM
from cosmo_agent.orbital.lighting import (
    SUN_RADIUS_KM,
    LightingIntervals,
    LightingState,
    beta_angle_deg,
    illumination_fraction,
    lighting_intervals,
    sun_position_gcrs_km,
)
from cosmo_agent.orbital.propagation import SGP4_ERRORS, propagate
from cosmo_agent.orbital.timescales import NaiveDatetimeError, ephemeris, timescale, utc_times

SAMPLE = files("cosmo_agent.tools") / "data" / "sample-leo.3le"
START = datetime(2026, 6, 10, tzinfo=UTC)
UMBRA, PENUMBRA, SUNLIT = LightingState.UMBRA, LightingState.PENUMBRA, LightingState.SUNLIT

# IRIDIUM 33 from ../shared/data/catalog-leo-2026-06-10.3le (Space-Track, epoch 2026-06-10):
# at beta ~70 deg in June it only grazes the penumbra, for 160-240 s per orbit, never the umbra.
IRIDIUM_33 = (
    "0 IRIDIUM 33",
    "1 24946U 97051C   26161.59880472  .00000217  00000-0  68978-4 0  9998",
    "2 24946  86.3872 352.7238 0007743   3.9867 356.1389 14.35146710504146",
)
# VANGUARD 2 (e = 0.14), ISS, COSMOS 2147 and TERRA (SSO 10:30), then three by name below.
PICKED = [11, 25544, 21303, 25994]
PICKED_NAMES = ["STARLINK-6178", "ONEWEB-0205", "KUIPER-00104"]  # beta -8, -29 and 38 deg


@cache
def _lines() -> tuple[str, ...]:
    return (*SAMPLE.read_text().splitlines(), *IRIDIUM_33)


@cache
def _catalog() -> Catalog:
    return Catalog.from_tle_text("\n".join(_lines()), "sample+iridium33")


def _picked() -> list[int]:
    names = list(_catalog().names)
    return [*PICKED, *(int(_catalog().ids[names.index(n)]) for n in PICKED_NAMES), 24946]


def _earth_satellite(norad_id: int) -> EarthSatellite:
    lines = _lines()
    for k in range(0, len(lines) - 2):
        if lines[k + 1].startswith("1 ") and int(lines[k + 1][2:7]) == norad_id:
            return EarthSatellite(lines[k + 1], lines[k + 2], lines[k], timescale())
    raise KeyError(norad_id)


def _offsets_s(t: Time, base: Time) -> np.ndarray:
    return np.asarray(((t.whole - base.whole) + (t.tt_fraction - base.tt_fraction)) * 86400.0)


def _check_tiling(spans: LightingIntervals, ids: list[int]) -> None:
    span_s = (spans.span_stop - spans.span_start).total_seconds()
    for norad_id in ids:
        m = spans.ids == norad_id
        assert m.any(), norad_id
        start = _offsets_s(spans.start[m], timescale().from_datetime(spans.span_start))
        stop = _offsets_s(spans.stop[m], timescale().from_datetime(spans.span_start))
        assert abs(start[0]) < 1e-3 and abs(stop[-1] - span_s) < 1e-3
        assert np.allclose(start[1:], stop[:-1], atol=1e-6)
        assert np.all(stop > start)
        state = spans.state[m]
        assert np.all(state[1:] != state[:-1])
        # In LEO the Earth's disc dwarfs the Sun's: sunlit and umbra always meet through penumbra.
        assert not np.any(np.abs(np.diff(state.astype(int))) == 2)
        assert spans.start_clipped[m].tolist() == [True] + [False] * (m.sum() - 1)
        assert spans.stop_clipped[m].tolist() == [False] * (m.sum() - 1) + [True]


@pytest.mark.slow
def test_skyfield_point_sun_switches_inside_our_penumbra() -> None:
    """skyfield's ``is_sunlit`` treats the Sun as a point: it must flip within each penumbra,
    near its middle, and agree with our sunlit and umbra states everywhere else."""
    ids = _picked()
    stop = START + timedelta(hours=12)
    spans = lighting_intervals(_catalog().select(ids), START, stop)
    assert spans.excluded == {}
    _check_tiling(spans, ids)
    eph = ephemeris()
    ts = timescale()
    base = ts.from_datetime(START)
    for norad_id in ids:
        sat = _earth_satellite(norad_id)
        m = spans.ids == norad_id
        state = spans.state[m]
        start_s = _offsets_s(spans.start[m], base)
        stop_s = _offsets_s(spans.stop[m], base)
        full = (state == PENUMBRA) & ~spans.start_clipped[m] & ~spans.stop_clipped[m]
        assert full.sum() >= (2 if norad_id != 24946 else 6)
        # One skyfield call: a 60 s grid over the span, then 141 samples across each penumbra.
        grid_s = np.arange(0.0, 12 * 3600.0, 60.0)
        u = np.linspace(-0.2, 1.2, 141)
        scans_s = start_s[full, None] + u * (stop_s[full] - start_s[full])[:, None]
        every_s = np.concatenate([grid_s, scans_s.ravel()])
        lit = sat.at(ts.tt_jd(base.whole, base.tt_fraction + every_s / 86400.0)).is_sunlit(eph)
        # Everywhere on the grid: sunlit -> lit, umbra -> dark.
        at = state[np.searchsorted(start_s, grid_s, side="right") - 1]
        on_grid = lit[: len(grid_s)]
        assert np.all(on_grid[at == SUNLIT]) and not np.any(on_grid[at == UMBRA])
        # Across each complete penumbra: exactly one flip, in its middle part.
        for scan in lit[len(grid_s) :].reshape(-1, len(u)).astype(int):
            flips = np.flatnonzero(np.diff(scan))
            if norad_id == 24946:  # a graze: in and out of the point-Sun shadow, or not at all
                assert len(flips) in (0, 2) and np.all((u[flips] > 0) & (u[flips] < 1))
                continue
            assert len(flips) == 1
            assert 0.3 < u[flips[0]] < 0.7, (norad_id, u[flips[0]])


def test_penumbra_durations_are_physical() -> None:
    """LEO penumbra lasts 2a / (orbital rate) ~ 8 s head-on, longer at high beta."""
    ids = [25544, 25994, *_picked()[4:7]]
    spans = lighting_intervals(_catalog().select(ids), START, START + timedelta(hours=12))
    full = (spans.state == PENUMBRA) & ~spans.start_clipped & ~spans.stop_clipped
    d = spans.duration_s[full]
    assert len(d) >= 4 * len(ids)
    assert np.all((d > 5.0) & (d < 15.0)), d
    # Head-on lower bound: apparent solar diameter over the circular orbital rate.
    catalog = _catalog().select(ids)
    rate = catalog.mean_motion_rev_per_day * 2 * np.pi / 86400.0
    diameter = 2 * np.arcsin(SUN_RADIUS_KM / (1.0152 * 149597870.7))  # Sun distance in June
    for norad_id, w in zip(ids, rate, strict=True):
        assert np.all(d[spans.ids[full] == norad_id] > 0.98 * diameter / w)


def test_boundaries_match_a_one_second_brute_force_grid() -> None:
    """Every boundary lies between the two 1 s samples where our illumination fraction
    changes class, with the same sequence of states: sampled at 30 s and at 300 s (grazes)."""
    ids = _picked()
    hours = 8
    catalog = _catalog().select(ids)
    t = utc_times(START, START + timedelta(hours=hours), 1.0)
    nu = illumination_fraction(catalog, t)
    assert nu.shape == (len(ids), hours * 3600 + 1) and np.all(np.isfinite(nu))
    assert np.all((nu >= 0) & (nu <= 1))
    brute = np.where(nu == 0.0, UMBRA, np.where(nu == 1.0, SUNLIT, PENUMBRA))
    base = timescale().from_datetime(START)
    for step_s in (30.0, 300.0):
        spans = lighting_intervals(catalog, START, START + timedelta(hours=hours), step_s=step_s)
        for row, norad_id in enumerate(ids):
            m = spans.ids == norad_id
            change = np.flatnonzero(np.diff(brute[row]))
            assert spans.state[m].tolist() == [brute[row, 0], *brute[row, change + 1]]
            ours = _offsets_s(spans.start[m], base)[1:]
            assert np.all(ours >= change - 1e-3) and np.all(ours <= change + 1 + 1e-3)
            umbra = spans.state[m] == UMBRA
            brute_umbra = np.bincount(brute[row] == UMBRA, minlength=2)[1]
            assert abs(spans.duration_s[m][umbra].sum() - brute_umbra) <= umbra.sum() + 1


def test_illumination_fraction_matches_disc_overlap_integration() -> None:
    """The Montenbruck & Gill occulted area against a direct count over the solar disc."""
    t = START + timedelta(days=3)
    sun = sun_position_gcrs_km(t)[0]
    u = sun / np.linalg.norm(sun)
    w = np.cross(u, [0.0, 0.0, 1.0])
    w /= np.linalg.norm(w)
    radius = 7000.0
    b0 = np.arcsin(WGS84_A_KM / radius)
    # Sweep the separation across the penumbra (c from b - a to b + a) and a little beyond.
    theta = np.pi - np.linspace(b0 - 0.006, b0 + 0.006, 41)  # angle of r from the Sun direction
    r = radius * (np.cos(theta)[:, None] * u + np.sin(theta)[:, None] * w)
    nu = illumination_fraction(r[:, None, :], t)[:, 0]
    # Independent angles and a polar-grid count of solar-disc points outside the Earth's disc.
    d = sun - r
    a = np.arcsin(SUN_RADIUS_KM / np.linalg.norm(d, axis=1))
    b = np.arcsin(WGS84_A_KM / np.linalg.norm(r, axis=1))
    cos_c = np.sum(-r * d, axis=1) / (np.linalg.norm(r, axis=1) * np.linalg.norm(d, axis=1))
    c = np.arccos(np.clip(cos_c, -1, 1))
    rho = (np.arange(400) + 0.5) / 400
    phi = (np.arange(720) + 0.5) / 720 * 2 * np.pi
    rr, pp = np.meshgrid(rho, phi)
    for k in range(len(theta)):
        x = a[k] * rr * np.cos(pp) + c[k]  # Earth centre at the origin, Sun centre at (c, 0)
        y = a[k] * rr * np.sin(pp)
        visible = np.hypot(x, y) > b[k]
        expected = np.sum(visible * rr) / np.sum(rr)
        assert abs(nu[k] - expected) < 2e-3, (k, nu[k], expected)
    assert nu[0] == 0.0 and nu[-1] == 1.0 and np.all(np.diff(nu) >= 0)
    # Far beyond the Moon the Earth's disc fits inside the Sun's: annular, 1 - (b/a)^2.
    far = -u * 3.0e6
    a_far = np.arcsin(SUN_RADIUS_KM / np.linalg.norm(sun - far))
    b_far = np.arcsin(WGS84_A_KM / 3.0e6)
    annular = illumination_fraction(far[None, None, :], t)[0, 0]
    assert annular == pytest.approx(1 - (b_far / a_far) ** 2, abs=1e-12)


def test_beta_angle_matches_skyfield_vectors() -> None:
    catalog = _catalog()
    t = utc_times(START, START + timedelta(days=1), 3600.0)
    beta = beta_angle_deg(catalog, t)
    assert beta.shape == (len(catalog), len(t.tt))
    eph = ephemeris()
    s = (eph["sun"] - eph["earth"]).at(t).position.km.T
    s_unit = s / np.linalg.norm(s, axis=1, keepdims=True)
    for row, norad_id in enumerate(catalog.ids):
        geo = _earth_satellite(int(norad_id)).at(t)
        h = np.cross(geo.position.km.T, geo.velocity.km_per_s.T)
        h_unit = h / np.linalg.norm(h, axis=1, keepdims=True)
        ref = np.degrees(np.arcsin(np.sum(h_unit * s_unit, axis=1)))
        assert np.max(np.abs(beta[row] - ref)) < 0.01, norad_id


@pytest.mark.parametrize(
    "name",
    [
        "ISS (ZARYA)",
        "TERRA",  # sun-synchronous, 10:30 descending node
        "STARLINK-6178",
        "ONEWEB-0205",
        "SENTINEL 1C",  # beta 59 deg: short eclipses
        "STARLINK-5114",  # beta 72-74 deg: above the eclipse limit, never in shadow
        "KOMPSAT 5",  # dawn-dusk sun-synchronous, beta -75 deg at the solstice
    ],
)
def test_eclipse_fraction_matches_the_cylindrical_shadow(name: str) -> None:
    """Time in shadow (umbra plus half the penumbra) over whole orbits against the cylindrical
    formula acos(sqrt(h^2 + 2Rh) / ((R + h) cos beta)) / pi averaged over the same orbits."""
    catalog = _catalog()
    catalog = catalog.subset(np.flatnonzero(catalog.names == name))
    stop = START + timedelta(days=1)
    spans = lighting_intervals(catalog, START, stop)
    base = timescale().from_datetime(START)
    start_s = _offsets_s(spans.start, base)
    stop_s = _offsets_s(spans.stop, base)
    # Whole orbits: from the first shadow entry (sunlit -> penumbra) to the last.
    entries = start_s[1:][(spans.state[1:] == PENUMBRA) & (spans.state[:-1] == SUNLIT)]
    lo, hi = (entries[0], entries[-1]) if len(entries) > 1 else (0.0, 86400.0)
    inside = np.clip(stop_s, lo, hi) - np.clip(start_s, lo, hi)
    weight = np.select([spans.state == UMBRA, spans.state == PENUMBRA], [1.0, 0.5], 0.0)
    fraction = np.sum(weight * inside) / (hi - lo)
    t = utc_times(START, stop, 30.0)
    grid_s = _offsets_s(t, base)
    window = (grid_s >= lo) & (grid_s <= hi)
    beta = np.radians(beta_angle_deg(catalog, t)[0])[window]
    r = np.linalg.norm(propagate(catalog, t).position_teme_km[0], axis=1)
    h = r.mean() - WGS84_A_KM
    ratio = np.sqrt(h * h + 2 * WGS84_A_KM * h) / ((WGS84_A_KM + h) * np.cos(beta))
    cylinder = np.where(ratio < 1, np.arccos(np.minimum(ratio, 1.0)) / np.pi, 0.0).mean()
    assert abs(fraction - cylinder) < 0.02 * max(cylinder, 0.1), (fraction, cylinder)
    if name in ("STARLINK-5114", "KOMPSAT 5"):
        assert cylinder == 0.0 and spans.state.tolist() == [SUNLIT]
    else:
        assert len(entries) >= 10 and fraction > 0.15


def test_times_are_aware_utc_and_naive_ones_refused() -> None:
    catalog = _catalog().select([25544])
    with pytest.raises(NaiveDatetimeError):
        lighting_intervals(catalog, datetime(2026, 6, 10), datetime(2026, 6, 10, 1))
    with pytest.raises(NaiveDatetimeError):
        illumination_fraction(catalog, datetime(2026, 6, 10))
    with pytest.raises(NaiveDatetimeError):
        beta_angle_deg(catalog, [START, datetime(2026, 6, 10, 1)])
    with pytest.raises(ValueError, match="after start"):
        lighting_intervals(catalog, START, START)
    spans = lighting_intervals(catalog, START, START + timedelta(hours=2))
    first = spans.start.utc_datetime()[0]
    assert first.tzinfo is not None and first.utcoffset() == timedelta(0) and first == START
    rows = json.loads(json.dumps(spans.rows()))
    assert rows[0]["start"] == "2026-06-10T00:00:00.000Z" and rows[0]["start_clipped"]
    assert rows[-1]["stop"] == "2026-06-10T02:00:00.000Z" and rows[-1]["stop_clipped"]
    assert {r["state"] for r in rows} == {"sunlit", "penumbra", "umbra"}
    # A short span inside one state is one clipped interval; a Time input works as well.
    inside = spans.stop.utc_datetime()[0] - timedelta(seconds=20)
    short = lighting_intervals(catalog, inside, inside + timedelta(seconds=10))
    assert short.state.tolist() == [spans.state[0]]
    assert short.start_clipped.tolist() == short.stop_clipped.tolist() == [True]
    t = timescale().from_datetime(START)
    assert illumination_fraction(catalog, t).shape == (1, 1)


def test_sgp4_failures_are_excluded_and_reported() -> None:
    good, _ = parse_tle_lines(_lines())
    good = [r for r in good if r.norad_id in (25544, 25994)]
    # A re-entering object: 16.3 rev/day with a huge drag term decays within hours.
    row = {
        "OBJECT_NAME": "FALLING", "OBJECT_ID": "2026-999A", "EPOCH": "2026-06-09T12:00:00",
        "MEAN_MOTION": "16.3", "ECCENTRICITY": "0.001", "INCLINATION": "51.6",
        "RA_OF_ASC_NODE": "10", "ARG_OF_PERICENTER": "20", "MEAN_ANOMALY": "30",
        "NORAD_CAT_ID": "299999", "BSTAR": "0.9",
    }
    falling, issues = parse_omm(json.dumps([row]))
    assert len(falling) == 1 and issues == []
    both = Catalog.from_records([*good, *falling])
    spans = lighting_intervals(both, START, START + timedelta(hours=3))
    assert set(spans.excluded) == {299999}
    assert spans.excluded[299999] in SGP4_ERRORS.values()
    assert set(spans.ids.tolist()) == {25544, 25994}
    _check_tiling(spans, [25544, 25994])
    nu = illumination_fraction(both, utc_times(START, START + timedelta(hours=1), 600.0))
    assert np.all(np.isnan(nu[2])) and np.all(np.isfinite(nu[:2]))
    assert np.all(np.isnan(beta_angle_deg(both, START)[2]))
