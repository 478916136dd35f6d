"""The orbital core against authorities we did not write: Vallado's SGP4 vectors and skyfield."""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from sgp4.api import Satrec
from skyfield.api import EarthSatellite, wgs84
from skyfield.framelib import itrs
from skyfield.timelib import Time

import cosmo_agent.orbital.propagation as propagation_impl
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
from cosmo_agent.orbital.elements import ElementRecord, OmmFormat, tle_checksum
from cosmo_agent.orbital.timescales import DAY_S

SGP4_DIR = Path(str(files("sgp4")))  # SGP4-VER.TLE and tcppver.out ship inside sgp4
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "catalog-leo-2026-06-10.3le"
SAMPLE = files("cosmo_agent.tools") / "data" / "sample-leo.3le"
# SGP4-VER.TLE's records with deliberate checksum errors, and the first SGP4 error code of
# each failing record in file order, as python-sgp4's own sgp4/tests.py expects them.
VALLADO_BAD_CHECKSUMS = {33333, 33334, 33335}
VALLADO_EXPECTED_ERRORS = [1, 1, 6, 6, 4, 3, 6]


def _tcppver() -> list[tuple[int, NDArray[np.float64]]]:
    """tcppver.out as (catalog number, rows of tsince_min r_km v_km_s), in file order.

    A list, not a dict: SGP4-VER.TLE holds 20413 twice, with two time windows.
    """
    out: list[tuple[int, list[list[float]]]] = []
    for line in (SGP4_DIR / "tcppver.out").read_text().splitlines():
        if line.endswith("xx"):
            out.append((int(line.split()[0]), []))
        elif line.strip() and not line.startswith("("):
            out[-1][1].append([float(x) for x in line.split()[:7]])
    return [(norad_id, np.array(rows)) for norad_id, rows in out]


def _tcppver_minutes(line2: str) -> NDArray[np.float64]:
    """The times tcppver.out prints for one record, in its order (python-sgp4's tests.py).

    The epoch first, then start, start + step, ... up to stop, and stop itself when the
    steps miss it; python-sgp4's ``generate_satellite_output`` stops at the first error.
    """
    start, stop, step = (float(x) for x in line2[69:].split())
    minutes = [0.0]
    t = start
    while t <= stop:
        if not t == start == 0.0:
            minutes.append(t)
        t += step
    if t - stop < step - 1e-6:
        minutes.append(stop)
    return np.array(minutes)


def _utc_minutes_after_epoch(sat: Satrec, minutes: NDArray[np.float64]) -> Time:
    """Times ``minutes`` after the element epoch (UTC), through skyfield's Time."""
    ts = timescale()
    jd = sat.jdsatepoch + np.zeros_like(minutes)
    fr = sat.jdsatepochF + minutes / 1440.0
    # SGP4 wants UTC; skyfield builds Time from TAI, so add the leap seconds back.
    return ts.tai_jd(jd, fr + ts.tai_jd(jd, fr)._leap_seconds() / DAY_S)


def _repair_checksum(line: str) -> str:
    return line[:68] + str(tle_checksum(line)) + line[69:]


def test_vallado_verification_vectors_through_our_parser_and_batched_propagation() -> None:
    text = (SGP4_DIR / "SGP4-VER.TLE").read_text()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    _records, issues = parse_tle_lines(lines, "SGP4-VER.TLE")
    # The file deliberately carries bad checksums on 33333-33335 (python-sgp4's tests say so).
    assert {parse_alpha5(i.text[2:7]) for i in issues} == VALLADO_BAD_CHECKSUMS
    assert all("checksum" in i.reason for i in issues)
    # Recompute their checksums so their expected SGP4 errors are checked as well.
    repaired = [
        _repair_checksum(x)
        if x[:2] in ("1 ", "2 ") and parse_alpha5(x[2:7]) in VALLADO_BAD_CHECKSUMS
        else x
        for x in lines
    ]
    assert repaired != lines
    records, issues = parse_tle_lines(repaired, "SGP4-VER.TLE")
    assert issues == []
    expected = _tcppver()
    assert [r.norad_id for r in records] == [norad_id for norad_id, _ in expected]
    errors: list[int] = []
    compared = 0
    previous_row = np.full(7, np.nan)
    for record, (_, rows) in zip(records, expected, strict=True):
        line2 = repaired[record.line]  # no name lines here: record.line is line 1's number
        assert line2.startswith("2 ") and parse_alpha5(line2[2:7]) == record.norad_id
        minutes = _tcppver_minutes(line2)
        times = _utc_minutes_after_epoch(record.satrec, minutes)
        eph = propagate(Catalog.from_records([record]), times, workers=1)
        code = eph.error[0]
        bad = np.flatnonzero(code)
        printed = int(bad[0]) if bad.size else len(minutes)
        if bad.size:
            errors.append(int(code[bad[0]]))
            assert np.isnan(eph.position_teme_km[0, bad]).all()
        if printed == 0:
            # SGP4 fails at the epoch itself: tcppver.out repeats the previous record's last
            # row in its place (python-sgp4's "(Use previous data line)").
            assert len(rows) == 1 and rows[0, 0] == 0.0
            np.testing.assert_array_equal(rows[0, 1:], previous_row[1:])
            continue
        # tcppver.out prints exactly the times before our first error, and they match.
        np.testing.assert_allclose(rows[:, 0], minutes[:printed], rtol=0, atol=1e-6)
        got = np.concatenate(
            [eph.position_teme_km[0, :printed], eph.velocity_teme_km_s[0, :printed]], axis=1
        )
        np.testing.assert_allclose(got, rows[:, 1:], rtol=0, atol=2e-7)
        compared += printed
        previous_row = rows[-1]
    assert compared > 500
    # python-sgp4's run_satellite_against_tcppver expects exactly these, in file order;
    # the last three come from the repaired records 33333-33335.
    assert errors == VALLADO_EXPECTED_ERRORS


OMM_METADATA = ("OBJECT_NAME", "OBJECT_ID")
OMM_MEAN_ELEMENTS = {  # CCSDS 502.0-B-3 units, written into KVN in brackets
    "EPOCH": "",
    "MEAN_MOTION": "rev/day",
    "ECCENTRICITY": "",
    "INCLINATION": "deg",
    "RA_OF_ASC_NODE": "deg",
    "ARG_OF_PERICENTER": "deg",
    "MEAN_ANOMALY": "deg",
}
OMM_TLE_PARAMETERS = {
    "NORAD_CAT_ID": "",
    "BSTAR": "1/ER",
    "MEAN_MOTION_DOT": "rev/day**2",
    "MEAN_MOTION_DDOT": "rev/day**3",
}
OMM_FIXED = {"CENTER_NAME": "EARTH", "REF_FRAME": "TEME", "TIME_SYSTEM": "UTC",
             "MEAN_ELEMENT_THEORY": "SGP4"}  # fmt: skip


def _xml_block(parent: ET.Element, tag: str, fields: dict[str, str]) -> None:
    block = ET.SubElement(parent, tag)
    for key, value in fields.items():
        ET.SubElement(block, key).text = value


def _render_omm(rows: list[dict[str, str]], fmt: OmmFormat) -> str:
    """The rows as a CelesTrak-style OMM document in ``fmt``."""
    if fmt == "json":
        return json.dumps(rows)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    if fmt == "xml":
        ndm = ET.Element("ndm")
        for row in rows:
            omm = ET.SubElement(ndm, "omm", id="CCSDS_OMM_VERS", version="2.0")
            segment = ET.SubElement(ET.SubElement(omm, "body"), "segment")
            _xml_block(segment, "metadata", {**{k: row[k] for k in OMM_METADATA}, **OMM_FIXED})
            data = ET.SubElement(segment, "data")
            _xml_block(data, "meanElements", {k: row[k] for k in OMM_MEAN_ELEMENTS})
            _xml_block(data, "tleParameters", {k: row[k] for k in OMM_TLE_PARAMETERS})
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(ndm, encoding="unicode")
    out: list[str] = []
    for row in rows:
        out += [
            "CCSDS_OMM_VERS = 2.0",
            "COMMENT rendered by test_orbital_core",
            "CREATION_DATE = 2026-06-10T00:00:00",
            "ORIGINATOR = COSMO AGENT TESTS",
        ]
        out += [f"{k} = {row[k]}" for k in OMM_METADATA]
        out += [f"{k} = {v}" for k, v in OMM_FIXED.items()]
        for key, unit in {**OMM_MEAN_ELEMENTS, **OMM_TLE_PARAMETERS}.items():
            out.append(f"{key} = {row[key]}" + (f" [{unit}]" if unit else ""))
        out.append("")
    return "\n".join(out)


@pytest.mark.parametrize("fmt", ["json", "csv", "xml", "kvn"])
def test_tle_and_omm_build_identical_satellites(fmt: OmmFormat, tmp_path: Path) -> None:
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
    text = _render_omm(rows, fmt)
    path = tmp_path / f"sample.{fmt}"
    path.write_text(text, encoding="utf-8")
    from_text = Catalog.from_omm_text(text, f"sample.{fmt}")  # format guessed from the text
    from_file = Catalog.from_file(path)  # format chosen by the suffix
    t = utc_times(datetime(2026, 6, 10, tzinfo=UTC), datetime(2026, 6, 11, tzinfo=UTC), 3600.0)
    a = propagate(catalog, t, workers=1)
    for omm in (from_text, from_file):
        assert omm.issues == ()
        assert np.all(omm.ids == catalog.ids + 200000)
        assert list(omm.names) == list(catalog.names)
        assert list(omm.intl_designators) == list(catalog.intl_designators)
        b = propagate(omm, t, workers=1)
        np.testing.assert_array_equal(a.error, b.error)
        ok = a.valid & b.valid
        assert ok.mean() > 0.95
        # Epochs round-trip through microseconds: a few millimetres at most.
        assert np.max(np.abs(a.position_teme_km[ok] - b.position_teme_km[ok])) < 1e-5
        assert np.max(np.abs(a.velocity_teme_km_s[ok] - b.velocity_teme_km_s[ok])) < 1e-8


def _decaying_record() -> ElementRecord:
    """The sample's lowest satellite under catalog number 99990 with B* 0.99999.

    It re-enters within the day: SGP4 reports errors part-way through a grid.
    """
    lines = SAMPLE.read_text().splitlines()
    catalog = Catalog.from_tle_text("\n".join(lines))
    k = int(np.argmin(catalog.perigee_km))
    name, line1, line2 = lines[3 * k : 3 * k + 3]
    line1 = _repair_checksum(line1[:2] + "99990" + line1[7:53] + " 99999-0" + line1[61:])
    line2 = _repair_checksum(line2[:2] + "99990" + line2[7:])
    records, issues = parse_tle_lines([f"{name} (DECAYING)", line1, line2], "decaying")
    assert issues == []
    return records[0]


def test_two_process_propagation_equals_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    sample, _ = parse_tle_lines(SAMPLE.read_text().splitlines())
    catalog = Catalog.from_records([*sample, _decaying_record()])
    t = utc_times(datetime(2026, 6, 10, tzinfo=UTC), datetime(2026, 6, 12, tzinfo=UTC), 600.0)
    serial = propagate(catalog, t, workers=1)
    decaying = serial.error[-1]
    assert decaying.any() and not decaying.all()  # fails part-way through the grid
    assert len(set(decaying[decaying != 0].tolist())) >= 2  # with more than one SGP4 code
    assert serial.valid[:-1].mean() > 0.95

    forked: list[int] = []
    real = propagation_impl._propagate_forked

    def spy(
        catalog: Catalog,
        jd: NDArray[np.float64],
        fr: NDArray[np.float64],
        chunk_size: int,
        workers: int,
    ) -> tuple[NDArray[np.uint8], NDArray[np.float64], NDArray[np.float64]]:
        forked.append(workers)
        states: tuple[NDArray[np.uint8], NDArray[np.float64], NDArray[np.float64]]
        states = real(catalog, jd, fr, chunk_size, workers)
        return states

    monkeypatch.setattr(propagation_impl, "_PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(propagation_impl, "_propagate_forked", spy)
    for chunk_size in (1024, 7):  # one range per worker share, and many small ranges
        parallel = propagate(catalog, t, workers=2, chunk_size=chunk_size)
        np.testing.assert_array_equal(parallel.ids, serial.ids)
        np.testing.assert_array_equal(parallel.error, serial.error)
        np.testing.assert_array_equal(parallel.position_teme_km, serial.position_teme_km)
        np.testing.assert_array_equal(parallel.velocity_teme_km_s, serial.velocity_teme_km_s)
        assert parallel.messages() == serial.messages()
    assert forked == [2, 2]  # both calls took the two-process path


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
    assert all(i.source == "fuzz" and i.reason and 1 <= i.line <= len(lines) for i in issues)


SAMPLE_LINES = SAMPLE.read_text().splitlines()
Mutation = Literal["replace", "insert", "delete"]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, len(SAMPLE_LINES) // 3 - 3),  # first of three consecutive real records
    st.integers(0, 8),  # which of their nine lines: name, line 1, line 2 of each
    st.sampled_from(["replace", "insert", "delete"]),
    st.integers(0, 80),
    st.characters(codec="ascii"),
)
def test_mutated_real_lines_are_parsed_or_reported(
    first: int, which: int, how: Mutation, col: int, ch: str
) -> None:
    lines = SAMPLE_LINES[3 * first : 3 * first + 9]
    original, clean = parse_tle_lines(lines, "m")
    assert len(original) == 3 and clean == []
    s = lines[which]
    col = min(col, len(s) - 1)
    lines[which] = {
        "replace": s[:col] + ch + s[col + 1 :],
        "insert": s[:col] + ch + s[col:],
        "delete": s[:col] + s[col + 1 :],
    }[how]
    records, issues = parse_tle_lines(lines, "m")
    for issue in issues:
        assert issue.source == "m" and issue.reason.strip()
        assert 1 <= issue.line <= len(lines)
        assert str(issue).startswith(f"m:{issue.line}: {issue.reason}")
    # Nothing silently dropped: the two untouched records parse as before, and the mutated
    # one is either parsed or reported on one of its own three lines.
    mutated = which // 3
    untouched = [r.norad_id for k, r in enumerate(original) if k != mutated]
    assert set(untouched) <= {r.norad_id for r in records}
    if len(records) == 3:
        assert issues == []
    else:
        assert len(records) == 2 and issues
        assert {i.line for i in issues} <= {3 * mutated + 1, 3 * mutated + 2, 3 * mutated + 3}
    # Strict mode raises the documented error on the first issue, and nothing else.
    if issues:
        with pytest.raises(ElementSetError) as raised:
            parse_tle_lines(lines, "m", strict=True)
        assert raised.value.issue == issues[0]
    else:
        strict, _ = parse_tle_lines(lines, "m", strict=True)
        assert [r.norad_id for r in strict] == [r.norad_id for r in records]


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is absent")
def test_real_catalog_loads_with_every_record_accounted_for() -> None:
    started_s = time.perf_counter()
    catalog = Catalog.from_tle_file(SHARED)
    load_s = time.perf_counter() - started_s
    text = SHARED.read_text()
    n_line1 = sum(1 for line in text.splitlines() if line.startswith("1 "))
    assert len(catalog) + len(catalog.issues) >= n_line1
    assert len(catalog) > 16000
    assert 107 in set(catalog.ids.tolist())  # the unpadded '1   107U' record
    assert load_s < 3.0, f"loading {len(catalog)} element sets took {load_s:.2f} s (target < 3 s)"
