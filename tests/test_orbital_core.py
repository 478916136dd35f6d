"""The orbital core against authorities we did not write: Vallado's SGP4 vectors and skyfield."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skyfield.api import EarthSatellite, wgs84
from skyfield.framelib import itrs

from cosmo_agent.orbital import (
    Catalog,
    ElementSetError,
    NaiveDatetimeError,
    format_alpha5,
    itrs_to_geodetic,
    parse_alpha5,
    parse_tle_lines,
    propagate,
    teme_to_gcrs,
    teme_to_itrs,
    timescale,
    utc_times,
)

SGP4_DIR = Path(__import__("sgp4").__file__).parent
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "catalog-leo-2026-06-10.3le"
SAMPLE = files("cosmo_agent.tools") / "data" / "sample-leo.3le"


def _tcppver() -> dict[int, list[list[float]]]:
    out: dict[int, list[list[float]]] = {}
    current: list[list[float]] = []
    for line in (SGP4_DIR / "tcppver.out").read_text().splitlines():
        if line.endswith("xx"):
            current = out.setdefault(int(line.split()[0]), [])
        elif line.strip() and not line.startswith("("):
            current.append([float(x) for x in line.split()[:7]])
    return out


def test_vallado_verification_vectors_through_our_parser_and_batched_propagation() -> None:
    text = (SGP4_DIR / "SGP4-VER.TLE").read_text()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    records, issues = parse_tle_lines(lines, "SGP4-VER.TLE")
    # The file deliberately carries bad checksums on 33333-33335 (python-sgp4's tests say so).
    assert {parse_alpha5(i.text[2:7]) for i in issues} == {33333, 33334, 33335}
    expected = _tcppver()
    ts = timescale()
    errors: list[int] = []
    compared = 0
    for record in records:
        rows = expected[record.norad_id]
        tsince = np.array([r[0] for r in rows])
        sat = record.satrec
        # Times as UTC Julian dates relative to the element epoch, through skyfield's Time.
        jd = sat.jdsatepoch + np.zeros_like(tsince)
        fr = sat.jdsatepochF + tsince / 1440.0
        # SGP4 wants UTC; skyfield builds Time from TAI, so add the leap seconds back.
        t = ts.tai_jd(jd, fr + ts.tai_jd(jd, fr)._leap_seconds() / 86400.0)
        eph = propagate(Catalog.from_records([record]), t, workers=1)
        got = np.concatenate([eph.position_teme_km[0], eph.velocity_teme_km_s[0]], axis=1)
        want = np.array([r[1:7] for r in rows])
        assert np.all(eph.error[0] == 0)
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-7)
        compared += len(rows)
        # Over the record's whole start/stop/step grid, our per-element error mask must
        # show the SGP4 error exactly where tcppver.out stops printing.
        line2 = next(
            x for x in lines if x.startswith("2 ") and parse_alpha5(x[2:7]) == record.norad_id
        )
        start, stop, step = (float(x) for x in line2[69:].split())
        grid = np.append(np.arange(start, stop, step), stop)
        grid = np.union1d(grid, [0.0])
        tg = ts.tai_jd(sat.jdsatepoch + 0 * grid, sat.jdsatepochF + grid / 1440.0)
        tg = ts.tai_jd(sat.jdsatepoch + 0 * grid, sat.jdsatepochF + grid / 1440.0
                       + tg._leap_seconds() / 86400.0)
        code = propagate(Catalog.from_records([record]), tg, workers=1).error[0]
        bad = np.flatnonzero(code)
        if bad.size:
            assert grid[bad[0]] > tsince[-1]
            errors.append(int(code[bad[0]]))
    assert compared > 500
    # python-sgp4's list is [1, 1, 6, 6, 4, 3, 6]; the last three come from records
    # 33333-33335, which carry deliberate checksum errors and which our parser refuses.
    assert errors == [1, 1, 6, 6]


def test_tle_and_omm_build_identical_satellites() -> None:
    records, _ = parse_tle_lines(SAMPLE.read_text().splitlines())
    catalog = Catalog.from_records(records)
    rows = []
    for i in range(len(catalog)):
        sat = catalog.satrecs[i]
        epoch = records[i].epoch
        rows.append(
            {
                "OBJECT_NAME": str(catalog.names[i]),
                "OBJECT_ID": str(catalog.intl_designators[i]),
                "EPOCH": epoch.strftime("%Y-%m-%dT%H:%M:%S.%f"),
                "MEAN_MOTION": repr(sat.no_kozai * 1440 / (2 * np.pi)),
                "ECCENTRICITY": repr(sat.ecco),
                "INCLINATION": repr(float(np.degrees(sat.inclo))),
                "RA_OF_ASC_NODE": repr(float(np.degrees(sat.nodeo))),
                "ARG_OF_PERICENTER": repr(float(np.degrees(sat.argpo))),
                "MEAN_ANOMALY": repr(float(np.degrees(sat.mo))),
                "NORAD_CAT_ID": str(int(catalog.ids[i]) + 200000),  # six-digit IDs, OMM only
                "BSTAR": repr(sat.bstar),
                "MEAN_MOTION_DOT": repr(sat.ndot * 1036800 / np.pi),
                "MEAN_MOTION_DDOT": repr(sat.nddot * 2985984000 / 2 / np.pi),
            }
        )
    import json

    omm = Catalog.from_omm_text(json.dumps(rows), "sample.json")
    assert omm.issues == ()
    assert np.all(omm.ids == catalog.ids + 200000)
    t = utc_times(datetime(2026, 6, 10, tzinfo=UTC), datetime(2026, 6, 11, tzinfo=UTC), 3600.0)
    a, b = propagate(catalog, t, workers=1), propagate(omm, t, workers=1)
    ok = a.valid & b.valid
    assert ok.mean() > 0.95
    # Epochs round-trip through microseconds: a few millimetres at most.
    assert np.max(np.abs(a.position_teme_km[ok] - b.position_teme_km[ok])) < 1e-5


def test_frames_agree_with_skyfield_to_a_metre() -> None:
    ts = timescale()
    lines = SAMPLE.read_text().splitlines()
    t = utc_times(datetime(2026, 6, 10, tzinfo=UTC), datetime(2026, 6, 10, 6, tzinfo=UTC), 900.0)
    for k in range(0, 30, 3):
        sat = EarthSatellite(lines[k + 1], lines[k + 2], lines[k], ts)
        catalog = Catalog.from_tle_text("\n".join(lines[k : k + 3]))
        eph = propagate(catalog, t, workers=1)
        r_gcrs, _ = teme_to_gcrs(eph.position_teme_km, eph.velocity_teme_km_s, t)
        r_itrs, v_itrs = teme_to_itrs(eph.position_teme_km, eph.velocity_teme_km_s, t)
        geo = sat.at(t)
        assert np.max(np.abs(r_gcrs[0] - geo.position.km.T)) < 1e-3
        ref_r, ref_v = geo.frame_xyz_and_velocity(itrs)
        assert np.max(np.abs(r_itrs[0] - ref_r.km.T)) < 1e-3
        assert np.max(np.abs(v_itrs[0] - ref_v.km_per_s.T)) < 1e-5
        lat, lon, h = itrs_to_geodetic(r_itrs[0])
        ref = wgs84.geographic_position_of(geo)
        assert np.max(np.abs(lat - ref.latitude.degrees)) < 1e-6
        assert np.max(np.abs(((lon - ref.longitude.degrees) + 180) % 360 - 180)) < 1e-6
        assert np.max(np.abs(h - ref.elevation.km)) < 1e-3


def test_unpadded_and_alpha5_numbers_and_messages() -> None:
    good = [
        "1   107U 61013A   26161.22562214  .00003134  00000-0  36828-3 0  9990",
    ]
    assert parse_alpha5("  107") == 107
    assert parse_alpha5("Z9999") == 339999 and format_alpha5(339999) == "Z9999"
    for n in (0, 5, 99999, 100000, 123456, 339999):
        assert parse_alpha5(format_alpha5(n)) == n
    records, issues = parse_tle_lines([*good, "garbage"], "x.tle")
    assert records == [] and len(issues) == 2
    assert "x.tle:1: line 1 is not followed by a line 2" in str(issues[0])
    assert "expected: 1 NNNNNC" in str(issues[0])
    with pytest.raises(ElementSetError, match=r"x\.tle:1"):
        parse_tle_lines(good, "x.tle", strict=True)


def test_bad_checksum_is_reported_with_line_number() -> None:
    lines = SAMPLE.read_text().splitlines()[:6]
    lines[4] = lines[4][:68] + str((int(lines[4][68]) + 1) % 10)
    records, issues = parse_tle_lines(lines, "s.3le")
    assert len(records) == 1
    assert issues[0].line == 5 and "checksum" in issues[0].reason


def test_element_age_and_naive_times() -> None:
    catalog = Catalog.from_tle_file(SAMPLE)
    newest = catalog.epochs.max().astype(datetime).replace(tzinfo=UTC)
    age = catalog.age_days(newest + timedelta(days=5))
    assert np.isclose(age.min(), 5.0, atol=1e-6)
    verdict = catalog.staleness(newest + timedelta(days=20))
    assert set(verdict) <= {"warn", "refuse"} and "refuse" in verdict
    with pytest.raises(NaiveDatetimeError, match=r"tzinfo=timezone\.utc"):
        catalog.age_days(datetime(2026, 6, 10))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=12))
def test_tle_parser_never_crashes_on_arbitrary_text(lines: list[str]) -> None:
    _records, issues = parse_tle_lines(lines, "fuzz")
    assert all(i.source == "fuzz" and i.reason for i in issues)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2), st.integers(0, 68), st.characters(codec="ascii"))
def test_mutated_real_lines_never_crash(which: int, col: int, ch: str) -> None:
    lines = SAMPLE.read_text().splitlines()[:3]
    if which:
        s = lines[which]
        lines[which] = s[:col] + ch + s[col + 1 :]
    records, issues = parse_tle_lines(lines, "m")
    assert len(records) + len(issues) >= 1


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is absent")
def test_real_catalog_loads_with_every_record_accounted_for() -> None:
    catalog = Catalog.from_tle_file(SHARED)
    text = SHARED.read_text()
    n_line1 = sum(1 for line in text.splitlines() if line.startswith("1 "))
    assert len(catalog) + len(catalog.issues) >= n_line1
    assert len(catalog) > 16000
    assert 107 in set(catalog.ids.tolist())  # the unpadded '1   107U' record
