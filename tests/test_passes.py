"""Pass finding against skyfield's ``find_events``, a brute-force horizon-mask search, and edges."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.resources import files

import numpy as np
import pytest
from numpy.typing import NDArray
from skyfield.api import EarthSatellite, wgs84
from skyfield.searchlib import find_maxima
from skyfield.timelib import Time

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.elements import tle_checksum
from cosmo_agent.orbital.frames import enu_matrix, geodetic_to_itrs, teme_to_itrs
from cosmo_agent.orbital.passes import (
    _CURVATURE_SAFETY,
    GroundStations,
    HorizonMask,
    Passes,
    _Clock,
    _Geometry,
    _margins_km,
    _Sky,
    find_passes,
)
from cosmo_agent.orbital.propagation import propagate
from cosmo_agent.orbital.timescales import (
    DAY_S,
    NaiveDatetimeError,
    sgp4_epoch,
    timescale,
    utc_times,
)

SAMPLE = files("cosmo_agent.tools") / "data" / "sample-leo.3le"
START = datetime(2026, 6, 10, 3, 17, 29, tzinfo=UTC)  # off the hour, so passes straddle it
STOP = START + timedelta(days=1)
STATIONS = GroundStations.from_tuples(
    [
        (78.23, 15.39, 0.5, 5.0),  # Svalbard: polar orbiters every orbit
        (-33.9, 18.4, 0.0, 10.0),  # Cape Town
        (37.5, 127.0, 0.1, 0.0),  # Seoul, down to the geometric horizon
        (1.3, 103.8, 0.02, 30.0),  # Singapore, high threshold: short passes
    ],
    names=["svalbard", "cape-town", "seoul", "singapore"],
)
US = np.timedelta64(1, "us")


def _lines() -> list[str]:
    return SAMPLE.read_text().splitlines()


def _utc64(t: Time) -> NDArray[np.datetime64]:
    """Skyfield times as UTC datetime64[us], through the same UTC Julian dates SGP4 uses."""
    jd, fr = sgp4_epoch(t)
    us = np.rint(((jd - 2440587.5) + fr) * DAY_S * 1e6).astype(np.int64)
    out: NDArray[np.datetime64] = us.astype("datetime64[us]")
    return out


@dataclass
class RefPass:
    aos: np.datetime64 | None = None
    tca: np.datetime64 | None = None
    los: np.datetime64 | None = None
    max_el_deg: float | None = None


def _skyfield_passes(
    sat: EarthSatellite, top: object, t0: Time, t1: Time, alt: float
) -> list[RefPass]:
    """Group skyfield's rise / culminate / set events into passes (open at the window edges)."""
    t, events = sat.find_events(top, t0, t1, altitude_degrees=alt)
    if len(events) == 0:
        return []
    times = _utc64(t)
    alts = (sat - top).at(t).altaz()[0].degrees
    out: list[RefPass] = []
    current: RefPass | None = None
    for event, when, el in zip(events, times, alts, strict=True):
        if event == 0 or current is None:
            current = RefPass()
            out.append(current)
        if event == 0:
            current.aos = when
        elif event == 1 and (current.max_el_deg is None or el > current.max_el_deg):
            current.tca, current.max_el_deg = when, float(el)
        elif event == 2:
            current.los = when
            current = None
    return out


def _seconds(a: np.datetime64, b: np.datetime64) -> float:
    return abs(float((a - b) / US)) * 1e-6


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_tle_file(SAMPLE)


@pytest.fixture(scope="module")
def passes(catalog: Catalog) -> Passes:
    return find_passes(catalog, STATIONS, START, STOP)


@pytest.mark.slow
def test_matches_skyfield_find_events(catalog: Catalog, passes: Passes) -> None:
    ts = timescale()
    t0, t1 = ts.from_datetime(START), ts.from_datetime(STOP)
    lines = _lines()
    pairs = compared = clipped = 0
    worst = {"aos_s": 0.0, "los_s": 0.0, "el_deg": 0.0, "az_deg": 0.0}
    for k in range(len(catalog)):
        sat = EarthSatellite(lines[3 * k + 1], lines[3 * k + 2], lines[3 * k], ts)
        assert int(lines[3 * k + 1][2:7]) == catalog.ids[k]
        for s in range(len(STATIONS)):
            top = wgs84.latlon(STATIONS.lat_deg[s], STATIONS.lon_deg[s], STATIONS.alt_km[s] * 1e3)
            ref = _skyfield_passes(sat, top, t0, t1, float(STATIONS.min_elevation_deg[s]))
            ours = passes.subset((passes.satellite_id == catalog.ids[k]) & (passes.station == s))
            assert len(ours) == len(ref), (catalog.names[k], STATIONS.names[s])
            pairs += bool(ref)
            for i, r in enumerate(ref):
                compared += 1
                # Skyfield has no rise (set) event exactly when the pass is under way at t0 (t1).
                assert ours.starts_in_progress[i] == (r.aos is None)
                assert ours.ends_in_progress[i] == (r.los is None)
                clipped += int(r.aos is None) + int(r.los is None)
                if r.aos is not None:
                    worst["aos_s"] = max(worst["aos_s"], _seconds(r.aos, ours.aos[i]))
                else:
                    assert ours.aos[i] == np.datetime64(START.replace(tzinfo=None), "us")
                if r.los is not None:
                    worst["los_s"] = max(worst["los_s"], _seconds(r.los, ours.los[i]))
                if r.max_el_deg is not None:
                    d = ours.max_elevation_deg[i] - r.max_el_deg
                    # Skyfield stops its maximum search at 0.5 s; near the zenith that is
                    # worth a few hundredths of a degree, so there re-run it to 1 ms.
                    if abs(d) > 0.005:
                        d = ours.max_elevation_deg[i] - _fine_max_deg(sat, top, ours, i)
                    worst["el_deg"] = max(worst["el_deg"], abs(d))
                # Elevation and azimuths at our three events, recomputed by skyfield.
                when = ts.from_datetimes([ours.datetimes(e)[i] for e in ("aos", "tca", "los")])
                alt, az, _ = (sat - top).at(when).altaz()
                assert abs(alt.degrees[1] - ours.max_elevation_deg[i]) < 1e-5
                ours_az = np.r_[
                    ours.aos_azimuth_deg[i], ours.tca_azimuth_deg[i], ours.los_azimuth_deg[i]
                ]
                daz = (ours_az - az.degrees + 180.0) % 360.0 - 180.0
                worst["az_deg"] = max(worst["az_deg"], float(np.max(np.abs(daz))))
    assert pairs >= 50 and compared >= 500 and clipped >= 10, (pairs, compared, clipped)
    assert worst["aos_s"] < 1.0 and worst["los_s"] < 1.0, worst
    assert worst["el_deg"] < 0.01, worst
    assert worst["az_deg"] < 1e-3, worst


def _fine_max_deg(sat: EarthSatellite, top: object, ours: Passes, i: int) -> float:
    ts = timescale()

    def altitude(t: Time) -> NDArray[np.float64]:
        return np.asarray((sat - top).at(t).altaz()[0].degrees)

    altitude.step_days = 5.0 / DAY_S  # type: ignore[attr-defined]
    a = ts.from_datetime(ours.datetimes("aos")[i])
    b = ts.from_datetime(ours.datetimes("los")[i])
    _, values = find_maxima(a, b, altitude, epsilon=1e-3 / DAY_S)
    return float(np.max(values))


def test_passes_are_sorted_typed_and_inside_the_window(catalog: Catalog, passes: Passes) -> None:
    assert passes.satellite_id.dtype == np.int64 and passes.station.dtype == np.int64
    assert passes.aos.dtype == np.dtype("datetime64[us]")
    assert np.all(np.diff(passes.aos.astype(np.int64)) >= 0)
    assert np.all(passes.aos <= passes.tca) and np.all(passes.tca <= passes.los)
    start64 = np.datetime64(START.replace(tzinfo=None), "us")
    stop64 = np.datetime64(STOP.replace(tzinfo=None), "us")
    assert np.all(passes.aos >= start64) and np.all(passes.los <= stop64)
    assert np.all((passes.aos == start64) == passes.starts_in_progress)
    assert np.all((passes.los == stop64) == passes.ends_in_progress)
    assert np.isin(passes.satellite_id, catalog.ids).all()
    assert np.all(passes.max_elevation_deg >= STATIONS.min_elevation_deg[passes.station] - 1e-6)
    assert np.all(passes.duration_s >= 0)
    # Short passes (shorter than the 120 s grid step) are there: the near-miss path found them.
    assert np.any(passes.duration_s[~passes.starts_in_progress & ~passes.ends_in_progress] < 120)
    aware = passes.datetimes("tca")
    assert all(t.tzinfo is UTC for t in aware) and len(aware) == len(passes)
    assert aware[0] == passes.tca[0].astype(datetime).replace(tzinfo=UTC)
    records = json.loads(json.dumps(passes.records(STATIONS.names)))
    assert len(records) == len(passes) and records[0]["aos"].endswith("Z")
    assert {r["station_name"] for r in records} == set(STATIONS.names)
    assert datetime.fromisoformat(records[0]["los"]) - passes.datetimes("los")[0] < timedelta(
        milliseconds=1
    )
    assert passes.failed_ids.size == 0 and passes.messages() == {}


def test_grid_step_and_chunking_do_not_change_the_answer(catalog: Catalog) -> None:
    subset = catalog.subset(np.arange(0, len(catalog), 4))
    stop = START + timedelta(hours=12)
    ref = find_passes(subset, STATIONS, START, stop, step_s=30.0)
    cases: list[dict[str, float]] = [{"step_s": 600.0}, {"step_s": 120.0, "chunk_cells": 1}]
    for kwargs in cases:
        other = find_passes(subset, STATIONS, START, stop, **kwargs)
        assert len(other) == len(ref), kwargs
        for event in ("aos", "tca", "los"):
            a, b = getattr(ref, event), getattr(other, event)
            tol_us = 2_000 if event != "tca" else 50_000
            assert np.max(np.abs((a - b) / US)) < tol_us, (kwargs, event)
        assert np.max(np.abs(ref.max_elevation_deg - other.max_elevation_deg)) < 1e-4


def test_near_miss_curvature_bound_holds(catalog: Catalog) -> None:
    """|g''| stays below the bound C behind the near-miss margin (before its safety factor)."""
    clock = _Clock.build(START, 86400.0, 120.0)
    station_itrs = geodetic_to_itrs(STATIONS.lat_deg, STATIONS.lon_deg, STATIONS.alt_km)
    sin_lo = np.sin(np.radians(STATIONS.min_elevation_deg))
    geometry = _Geometry(
        station_itrs, enu_matrix(STATIONS.lat_deg, STATIONS.lon_deg), sin_lo, STATIONS._masked()
    )
    rows = np.arange(0, len(catalog), 6)
    sky = _Sky(catalog.satrecs, clock, STATIONS, geometry)
    bound = _margins_km(catalog, station_itrs, sin_lo, 120.0) / (_CURVATURE_SAFETY * 120.0**2 / 8)
    tau = np.arange(0.0, 86400.0, 10.0)
    worst = 0.0
    for i in rows:
        for s in range(len(STATIONS)):
            x = sky.sample(np.full(len(tau), i), np.full(len(tau), s), tau)
            g_dd = np.gradient(x.g_dot_km_s, tau)
            worst = max(worst, float(np.max(np.abs(g_dd[x.el_deg > -30])) / bound[i, s]))
    assert 0.5 < worst < 1.0, worst  # tight, and never exceeded


def test_rotation_between_grid_points_matches_frames(catalog: Catalog) -> None:
    clock = _Clock.build(START, 3 * 3600.0, 120.0)
    rng = np.random.default_rng(7)
    tau = np.sort(rng.uniform(-120.0, 3 * 3600.0 + 120.0, 50))
    ts = timescale()
    base = ts.from_datetime(START)
    t = ts.tt_jd(base.whole, base.tt_fraction + tau / DAY_S)
    eph = propagate(catalog.subset([4]), t, workers=1)
    r_ref, v_ref = teme_to_itrs(eph.position_teme_km, eph.velocity_teme_km_s, t)
    r, v = clock.to_itrs(tau, eph.position_teme_km[0], eph.velocity_teme_km_s[0])
    assert np.max(np.abs(r - r_ref[0])) < 1e-6  # km
    assert np.max(np.abs(v - v_ref[0])) < 1e-9  # km/s


def _brute_force(
    sat: EarthSatellite, top: object, t: Time, mask: HorizonMask, min_el: float
) -> list[tuple[int, int, float, float]]:
    """Runs above the mask on skyfield's grid ``t`` (1 s steps).

    Each run is (first index up, last index up, highest sample in the run, highest
    sample one step either side of it).
    """
    alt, az, _ = (sat - top).at(t).altaz()
    el = alt.degrees
    up = el > np.maximum(min_el, mask.elevation_at(az.degrees))
    edges = np.diff(up.astype(np.int8), prepend=0, append=0)
    on, off = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [
        (int(a), int(b), float(el[a : b + 1].max()), float(el[max(a - 1, 0) : b + 2].max()))
        for a, b in zip(on, off, strict=True)
    ]


@pytest.mark.slow
def test_horizon_mask_matches_brute_force(catalog: Catalog) -> None:
    mask = HorizonMask(
        [0.0, 40.0, 60.0, 100.0, 180.0, 230.0, 250.0, 300.0],
        [3.0, 3.0, 25.0, 8.0, 2.0, 2.0, 35.0, 5.0],
    )
    stations = GroundStations.from_tuples(
        [(48.1, 11.6, 0.5, 1.0), (48.1, 11.6, 0.5, 1.0)], horizon_masks=[mask, None]
    )
    hours = 6.0
    stop = START + timedelta(hours=hours)
    picks = np.arange(0, len(catalog), 4)
    ours = find_passes(catalog.subset(picks), stations, START, stop)
    # The masked station sees a subset of the unmasked one's passes, each within one of them.
    assert 0 < np.sum(ours.station == 0) < np.sum(ours.station == 1) + 10
    lines, ts = _lines(), timescale()
    top = wgs84.latlon(48.1, 11.6, 500.0)
    base = ts.from_datetime(START)  # one Time for all satellites: skyfield caches its rotations
    grid = ts.tt_jd(base.whole, base.tt_fraction + np.arange(int(hours * 3600) + 1) / DAY_S)
    # The shortcut skyfield's own find_events takes: the precession-nutation and sidereal
    # rotations cancel between TEME -> GCRS and GCRS -> ITRS, so skip computing them.
    grid.gast = grid.tt * 0.0
    grid.M = grid.MT = np.identity(3)
    start64 = np.datetime64(START.replace(tzinfo=None), "us")
    total = 0
    for k in picks:
        sat = EarthSatellite(lines[3 * k + 1], lines[3 * k + 2], lines[3 * k], ts)
        ref = _brute_force(sat, top, grid, mask, 1.0)
        mine = ours.subset((ours.satellite_id == catalog.ids[k]) & (ours.station == 0))
        assert len(mine) == len(ref), (catalog.names[k], ref, mine.aos, mine.los)
        for i, (a, b, max_in, max_around) in enumerate(ref):
            total += 1
            aos_s = float((mine.aos[i] - start64) / US) * 1e-6
            los_s = float((mine.los[i] - start64) / US) * 1e-6
            # The true crossings lie within the 1 s steps around the brute-force run's ends.
            assert (a - 1 if a else 0) - 1e-3 <= aos_s <= a + 1e-3
            assert b - 1e-3 <= los_s <= b + 1 + 1e-3 or (b == int(hours * 3600) and los_s == b)
            assert mine.starts_in_progress[i] == (a == 0)
            # The true maximum is at least the best sample inside the run and at most the
            # best one including a step either side (plus curvature between samples).
            assert max_in - 1e-6 <= mine.max_elevation_deg[i] <= max_around + 0.01
            thr = stations.threshold_deg(
                np.zeros(2, np.int64), np.r_[mine.aos_azimuth_deg[i], mine.los_azimuth_deg[i]]
            )
            assert np.all(thr >= 1.0)
    assert total >= 10, total
    # The mask both splits passes in two and hides some entirely.
    per_sat = [
        (np.sum((ours.satellite_id == i) & (ours.station == 0)),
         np.sum((ours.satellite_id == i) & (ours.station == 1)))
        for i in catalog.ids[picks]
    ]
    assert any(m > p for m, p in per_sat) and any(m < p for m, p in per_sat)


def _decaying_tle() -> str:
    l1 = "1 99999U 26001A   26161.00000000  .50000000  00000-0  50000-0 0  999"
    l2 = "2 99999  51.6000 100.0000 0005000  10.0000 350.0000 16.40000000    1"
    l1, l2 = l1.ljust(68), l2.ljust(68)
    return f"0 DECAYING\n{l1}{tle_checksum(l1)}\n{l2}{tle_checksum(l2)}\n"


def _alpha5_iss() -> str:
    lines = _lines()
    k = next(i for i in range(0, len(lines), 3) if "ISS" in lines[i])
    l1 = lines[k + 1][:2] + "A5544" + lines[k + 1][7:68]
    l2 = lines[k + 2][:2] + "A5544" + lines[k + 2][7:68]
    return f"0 ISS AS ALPHA-5\n{l1}{tle_checksum(l1)}\n{l2}{tle_checksum(l2)}\n"


def test_sgp4_failure_is_excluded_and_reported(catalog: Catalog) -> None:
    good = catalog.subset([3, 4])
    mixed = Catalog.from_tle_text(
        "\n".join(_lines()[9:15]) + "\n" + _decaying_tle() + _alpha5_iss()
    )
    assert mixed.issues == () and list(mixed.ids[:2]) == list(good.ids)
    stop = START + timedelta(hours=8)
    got = find_passes(mixed, STATIONS, START, stop)
    ref = find_passes(good, STATIONS, START, stop)
    assert got.failed_ids.tolist() == [99999]
    assert got.failed_errors[0] != 0 and "99999" not in got.messages()[99999]
    assert 99999 not in got.satellite_id
    # Catalog numbers beyond 99999 come from the catalog, not Satrec.satnum.
    assert 105544 in got.satellite_id
    rest = got.subset(got.satellite_id != 105544)
    assert len(rest) == len(ref)
    assert np.all(rest.aos == ref.aos) and np.all(rest.los == ref.los)


def test_naive_datetimes_and_bad_arguments_are_refused(catalog: Catalog) -> None:
    with pytest.raises(NaiveDatetimeError, match="tzinfo"):
        find_passes(catalog, STATIONS, datetime(2026, 6, 10), STOP)
    with pytest.raises(NaiveDatetimeError, match="stop"):
        find_passes(catalog, STATIONS, START, datetime(2026, 6, 11))
    with pytest.raises(ValueError, match="after"):
        find_passes(catalog, STATIONS, STOP, START)
    with pytest.raises(ValueError, match="positive"):
        find_passes(catalog, STATIONS, START, STOP, step_s=0.0)
    with pytest.raises(ValueError, match="latitudes"):
        GroundStations.from_tuples([(91.0, 0.0, 0.0, 0.0)])
    with pytest.raises(ValueError, match="one entry per station"):
        GroundStations.from_tuples([(0.0, 0.0, 0.0, 0.0)], horizon_masks=[None, None])


def test_other_time_zones_and_tiny_windows(catalog: Catalog, passes: Passes) -> None:
    from datetime import timezone

    tokyo = timezone(timedelta(hours=9))
    shifted = find_passes(
        catalog.subset([4]), STATIONS, START.astimezone(tokyo), STOP.astimezone(tokyo)
    )
    same = passes.subset(passes.satellite_id == catalog.ids[4])
    assert np.all(shifted.aos == same.aos) and np.all(shifted.los == same.los)
    one_minute = find_passes(catalog, STATIONS, START, START + timedelta(minutes=1))
    assert np.all(one_minute.duration_s <= 60.0 + 1e-6)
    empty = find_passes(catalog, GroundStations.from_tuples([]), START, STOP)
    assert len(empty) == 0 and empty.aos.dtype == np.dtype("datetime64[us]")


def test_horizon_mask_interpolates_periodically() -> None:
    mask = HorizonMask([350.0, 10.0, 180.0], [10.0, 0.0, 20.0])
    got = mask.elevation_at(np.array([0.0, 360.0, 10.0, 95.0, -10.0, 265.0]))
    np.testing.assert_allclose(got, [5.0, 5.0, 0.0, 10.0, 10.0, 15.0])
    stations = GroundStations.from_tuples(
        [(0, 0, 0, 12.0), (0, 0, 0, 0.0)], horizon_masks=[mask, None]
    )
    thr = stations.threshold_deg(np.array([0, 0, 1]), np.array([180.0, 0.0, 180.0]))
    np.testing.assert_allclose(thr, [20.0, 12.0, 0.0])


def test_utc_grid_helper_agrees_with_clock() -> None:
    clock = _Clock.build(START, 600.0, 120.0)
    t = utc_times(START, START + timedelta(seconds=600), 120.0)
    jd, fr = sgp4_epoch(t)
    ours_s = (clock.fr0 + clock.tau_grid[1:-1] / DAY_S) * DAY_S
    assert np.all(jd == clock.jd0)
    assert np.max(np.abs(fr * DAY_S - ours_s)) < 1e-6
