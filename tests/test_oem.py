"""CCSDS OEM (502.0-B-3): Orekit's example messages, bit-identical round trips, malformed
messages refused with line and keyword, exported states against skyfield (GCRF directly,
EME2000 through ERFA's frame bias), interpolation against brute-force SGP4, and an OEM as a
fleet satellite's ephemeris source in screening, Pc and passes.

Authorities: Orekit's test messages (tests/data/oem/PROVENANCE), skyfield's EarthSatellite
(GCRS states), ERFA's IAU 2006 frame bias (``erfa.bp06``), SGP4 itself, the IERS leap-second
table through skyfield.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import erfa
import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84
from skyfield.positionlib import Geocentric

from cosmo_agent import orbital
from cosmo_agent.agent import cli
from cosmo_agent.agent.daemon import DaemonSettings, ManualClock
from cosmo_agent.agent.daemon.jobs import JobReport
from cosmo_agent.agent.daemon.runtime import Daemon
from cosmo_agent.agent.daemon.scaleout import InlineRunner, ProcessRunner, ShardRunner
from cosmo_agent.agent.ephemeris import fleet_oem
from cosmo_agent.orbital import oem as oem_module
from cosmo_agent.orbital import twobody
from cosmo_agent.orbital.frames import teme_to_gcrs
from cosmo_agent.orbital.oem import (
    EME2000_FROM_GCRF,
    EXAMPLE_KVN,
    Oem,
    OemCovariance,
    OemError,
    OemSegment,
    epoch_times,
    parse_oem_time,
)
from cosmo_agent.orbital.propagation import propagate
from cosmo_agent.orbital.timescales import timescale
from cosmo_agent.tools.mission import Mission, load_mission, parse_mission
from cosmo_agent.tools.registry import ToolContext, call_tool
from cosmo_agent.tools.toolkit import ConjunctionEvent

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "oem"
EXAMPLE1 = DATA / "OEMExample1.txt"
EXAMPLE3 = DATA / "OEMExample3.xml"
ISS = DATA / "ISS.resampled.truncated.txt"
FILES = [EXAMPLE1, EXAMPLE3, ISS]
AQUA, OPS_0252 = 27424, 13791
ONE_METRE_KM = 1e-3


def test_public_names() -> None:
    assert sorted(oem_module.__all__) == [
        "EME2000_FROM_GCRF", "EXAMPLE_KVN", "OEM_COVARIANCE_MAX_GAP_S", "OUTSIDE_EPHEMERIS", "Oem",
        "OemCovariance", "OemCovarianceAt", "OemError", "OemFormat", "OemSatrec", "OemSegment",
        "epoch_times", "format_oem_time", "parse_oem_time",
    ]  # fmt: skip
    assert {"Oem", "OemCovariance", "OemError", "OemSegment"} <= set(orbital.__all__)


# -- reading the examples -----------------------------------------------------------------------


def test_orekit_example1_three_segments_and_covariances() -> None:
    oem = Oem.from_file(EXAMPLE1)
    assert (oem.version, oem.originator, oem.classification) == (
        "3.0",
        "NASA/JPL",
        "public, test-data",
    )
    assert oem.creation_date == np.datetime64("1996-11-04T17:22:31", "ns")
    assert [len(s.epochs) for s in oem.segments] == [4, 4, 5]
    assert [len(s.covariances) for s in oem.segments] == [0, 1, 2]
    first, second, third = oem.segments
    assert (first.center_name, first.ref_frame, first.time_system) == (
        "MARS BARYCENTER",
        "J2000",
        "UTC",
    )
    assert (first.interpolation, first.interpolation_degree) == ("HERMITE", 7)
    assert first.useable_start_time == parse_oem_time("1996-12-18T12:10:00.331")
    assert first.data_comments[0].startswith("This file was produced by M.R. Somebody")
    assert first.position_km[0].tolist() == [2789.619, -280.045, -1746.755]
    assert second.position_km[0, 1] == -63.042  # written "-063.042"
    assert second.velocity_km_s[3].tolist() == [-3.53328, -2.88452, 0.88535]
    assert third.comments == ("comment",)
    cov = second.covariances[0]
    assert cov.cov_ref_frame == "EME2000"
    assert cov.matrix_km[0, 0] == 3.3313494e-04
    assert cov.matrix_km[5, 0] == cov.matrix_km[0, 5] == -3.0413460e-07
    assert cov.matrix_km[5, 5] == 6.2244443e-10
    assert [c.cov_ref_frame for c in third.covariances] == ["RTN", "EME2000"]
    assert third.covariances[1].epoch == np.datetime64("1996-12-29T21:00:00", "ns")


def test_orekit_example3_xml_with_accelerations() -> None:
    oem = Oem.from_file(EXAMPLE3)
    [seg] = oem.segments
    assert oem.message_id == "OEM 201113719185" and oem.comments == (
        "OEM WITH OPTIONAL ACCELERATIONS",
    )
    assert seg.acceleration_km_s2 is not None
    assert seg.acceleration_km_s2[:, 2].tolist() == [-0.159, 0.001, 0.159, 0.0]
    [cov] = seg.covariances
    assert cov.cov_ref_frame == "ITRF1997"
    assert (cov.matrix_km[1, 0], cov.matrix_km[3, 3], cov.matrix_km[5, 5]) == (0.722, 0.797, 0.991)
    assert cov.epoch == np.datetime64("1996-12-28T22:28:00.331", "ns")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_round_trips_are_bit_identical(path: Path) -> None:
    original = Oem.from_file(path)
    kvn = original.to_kvn()
    xml = original.to_xml()
    for again in (Oem.from_kvn(kvn), Oem.from_xml(xml), Oem.from_text(xml)):
        assert again == original
        for a, b in zip(again.segments, original.segments, strict=True):
            assert a.position_km.tobytes() == b.position_km.tobytes()
            assert a.velocity_km_s.tobytes() == b.velocity_km_s.tobytes()
            assert a.epochs.tobytes() == b.epochs.tobytes()
    assert Oem.from_kvn(kvn).to_kvn() == kvn and Oem.from_xml(xml).to_xml() == xml


def _segment(epochs: np.ndarray, r: np.ndarray, v: np.ndarray, time_system: str) -> OemSegment:
    """A GCRF segment around the Earth with these states."""
    return OemSegment(
        object_name="TEST",
        object_id="2026-999A",
        center_name="EARTH",
        ref_frame="GCRF",
        time_system=time_system,
        start_time=epochs[0],
        stop_time=epochs[-1],
        epochs=epochs,
        position_km=r,
        velocity_km_s=v,
    )


def test_round_trip_of_awkward_numbers_and_epochs(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 40
    values = rng.standard_normal((n, 6)) * 10.0 ** rng.integers(-12, 12, (n, 6))
    epochs = np.datetime64("2026-06-10T00:00:00", "ns") + np.cumsum(
        rng.integers(1, 10**11, n)
    ).astype("timedelta64[ns]")  # nanosecond fractions
    seg = _segment(epochs, values[:, :3].copy(), values[:, 3:].copy(), "TAI")
    oem = Oem("3.0", np.datetime64("2026-06-10T00:00:00.5", "ns"), "TEST", (seg,))
    for suffix in (".oem", ".xml"):
        path = tmp_path / f"x{suffix}"
        oem.write(path)
        assert Oem.from_file(path) == oem
    assert (tmp_path / "x.xml").read_text().startswith("<?xml")


def test_epochs_day_of_year_and_fractions() -> None:
    assert parse_oem_time("1996-353T12:00:00.331") == parse_oem_time("1996-12-18T12:00:00.331")
    assert parse_oem_time("2026-06-10T00:00:00.1234567894") == np.datetime64(
        "2026-06-10T00:00:00.123456789", "ns"
    )
    with pytest.raises(ValueError, match="leap second"):
        parse_oem_time("2016-12-31T23:59:60")


# -- malformed messages --------------------------------------------------------------------------


def _kvn_with(old: str, new: str, source: Path = ISS) -> str:
    text = source.read_text()
    assert old in text
    return text.replace(old, new, 1)


MALFORMED = [
    # (text, line, keyword, words of the reason)
    (lambda: _kvn_with("META_STOP", "WRONG_KEYWORD = 123\nMETA_STOP"), 15, "WRONG_KEYWORD",
     "not an OEM metadata keyword"),
    (lambda: _kvn_with("2022-01-17T14:00", "OBJECT_NAME = ISS\n2022-01-17T14:00"), 42,
     "OBJECT_NAME", "a keyword among the states"),
    (lambda: _kvn_with("545.284043961596", "545.28x"), 40, "X", "is not a number"),
    (lambda: _kvn_with(" -7.63639664838008", ""), 40, "EPOCH", "7 or 10 values"),
    (lambda: _kvn_with("2022-01-17T13:00:00.000", "2022-13-17T13:00:00.000"), 41, "EPOCH",
     "not a calendar date"),
    (lambda: _kvn_with("2022-01-17T13:00:00.000", "2022-01-17T11:00:00.000"), 41, "EPOCH",
     "before the previous"),
    (lambda: _kvn_with("STOP_TIME            = 2022-01-18T12:00:00.000\n", ""), 5, "STOP_TIME",
     "obligatory"),
    (lambda: _kvn_with("META_START", "META_START\nINTERPOLATION_DEGREE = -1"), 6,
     "INTERPOLATION_DEGREE", "not a positive integer"),
    (lambda: _kvn_with("CCSDS_OEM_VERS = 2.0", "CCSDS_OEM_VERS = 4.0"), 1, "CCSDS_OEM_VERS",
     "is not 1.0, 2.0 or 3.0"),
    (lambda: (DATA / "OEM-too-few-covariance-columns.txt").read_text(), 55, "CY_DOT_X",
     "needs 5 values, got 4"),
    (lambda: _kvn_with("COV_REF_FRAME = RTN\n", "COV_REF_FRAME = RTN\nSTOP = 1\n", EXAMPLE1), 87,
     "STOP", "expected EPOCH, COV_REF_FRAME or a covariance row"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "line", "keyword", "reason"), MALFORMED)
def test_malformed_kvn_is_refused_with_line_and_keyword(
    make: object, line: int, keyword: str, reason: str
) -> None:
    assert callable(make)
    with pytest.raises(OemError) as info:
        Oem.from_kvn(make(), source="bad.oem")
    err = info.value
    assert err.where == f"bad.oem:{line}" and err.keyword == keyword, str(err)
    assert reason in err.reason
    assert str(err).startswith(f"bad.oem:{line} {keyword}: ")


@pytest.mark.parametrize(
    ("old", "new", "where", "keyword"),
    [
        ("<X>2783.4</X>", "", "stateVector[2]", "X"),
        ("<X>2783.4</X>", '<X units="m">2783.4</X>', "stateVector[2]/X", "X"),
        ("<CZ_DOT_Z>0.950</CZ_DOT_Z>", "", "covarianceMatrix[1]", "CZ_DOT_Z"),
        ("<Y_DOT>-2.42</Y_DOT>", "<Y_DOT>fast</Y_DOT>", "stateVector[2]/Y_DOT", "Y_DOT"),
        ("<TIME_SYSTEM>UTC</TIME_SYSTEM>", "", "segment[1]", "TIME_SYSTEM"),
    ],
)
def test_malformed_xml_is_refused_naming_the_element(
    old: str, new: str, where: str, keyword: str
) -> None:
    text = EXAMPLE3.read_text()
    assert old in text
    with pytest.raises(OemError) as info:
        Oem.from_xml(text.replace(old, new), source="bad.xml")
    assert where in info.value.where and info.value.keyword == keyword, str(info.value)


# -- frames: exported states against skyfield ----------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Mission:
    return load_mission(REPO / "missions" / "demo.yaml")


@pytest.mark.parametrize("frame", ["GCRF", "EME2000"])
def test_exported_states_match_skyfield_within_a_metre(
    demo: Mission, frame: str, tmp_path: Path
) -> None:
    out = tmp_path / f"fleet-{frame}.oem"
    code = cli.main(
        [
            "ephemeris",
            "--mission",
            str(REPO / "missions" / "demo.yaml"),
            "--duration-h",
            "6",
            "--step-s",
            "120",
            "--frame",
            frame,
            "-o",
            str(out),
        ]
    )
    assert code == 0
    oem = Oem.from_file(out)
    catalog = ToolContext.from_mission(demo).catalog
    assert [s.object_name for s in oem.segments] == [s.name for s in demo.fleet]
    rb, _, _ = erfa.bp06(2451545.0, 0.0)  # IAU 2006 frame bias (ERFA): GCRS -> J2000 mean
    worst_km = worst_v = 0.0
    for sat, seg in zip(demo.fleet, oem.segments, strict=True):
        assert (seg.ref_frame, seg.time_system, seg.center_name) == (frame, "UTC", "EARTH")
        row = int(catalog.index_of([sat.norad_id])[0])
        t = seg.times()
        sky = EarthSatellite.from_satrec(catalog.satrecs[row], timescale()).at(t)
        r_ref, v_ref = sky.position.km.T, sky.velocity.km_per_s.T
        if frame == "EME2000":
            r_ref, v_ref = r_ref @ rb.T, v_ref @ rb.T
        worst_km = max(worst_km, float(np.abs(seg.position_km - r_ref).max()))
        worst_v = max(worst_v, float(np.abs(seg.velocity_km_s - v_ref).max()))
    assert worst_km < ONE_METRE_KM, f"{worst_km * 1e3:.3g} m"
    assert worst_v < 1e-6, f"{worst_v * 1e6:.3g} mm/s"
    # The frame bias is not negligible: skipping it would miss by tens of centimetres to metres.
    assert np.abs(EME2000_FROM_GCRF - np.eye(3)).max() * 7000.0 > 5e-4
    assert np.abs(EME2000_FROM_GCRF - rb).max() < 1e-12


def test_cli_ephemeris_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*options: str) -> int:
        mission = str(REPO / "missions" / "demo.yaml")
        return cli.main(["ephemeris", "--mission", mission, *options])

    assert run("--satellites", "NOPE", "-o", str(tmp_path / "x.oem")) == 2
    assert "NOPE" in capsys.readouterr().err
    assert run("--step-s", "0", "-o", str(tmp_path / "x.oem")) == 2
    assert "must be positive" in capsys.readouterr().err
    assert run("--satellites", "38338", "--duration-h", "1", "-o", str(tmp_path / "x.xml")) == 0
    oem = Oem.from_file(tmp_path / "x.xml")
    assert (tmp_path / "x.xml").read_text().startswith("<?xml")
    assert len(oem.segments) == 1 and len(oem.segments[0].epochs) == 61


# -- interpolation -------------------------------------------------------------------------------


def _with(oem: Oem, **changes: object) -> Oem:
    """``oem`` with its one segment's fields changed."""
    [seg] = oem.segments
    return Oem(
        oem.version, oem.creation_date, oem.originator, (OemSegment(**{**seg.__dict__, **changes}),)
    )


def _sgp4_truth(demo: Mission, start: datetime, step_s: float) -> tuple[Oem, object, object]:
    """KOMPSAT 3 exported at ``step_s`` for 3 h, and a brute-force truth off the grid."""
    catalog = ToolContext.from_mission(demo).catalog.select([38338])
    oem = fleet_oem(catalog, [demo.satellite(38338)], start, 3.0, step_s)
    t = timescale().utc(2026, 6, 10, 12, 0, np.arange(0.0, 3 * 3600.0, 7.3))
    eph = propagate(catalog, t, workers=1)
    return oem, t, teme_to_gcrs(eph.position_teme_km[0], eph.velocity_teme_km_s[0], t)


def _kepler_truth(start: datetime, step_s: float) -> tuple[Oem, object, object]:
    """A two-body LEO orbit (twobody's Kepler solve): velocities consistent with positions."""
    e0 = twobody.cartesian_to_equinoctial(np.array([6878.0, 0.0, 0.0]), np.array([0.0, 5.0, 5.76]))
    nodes = np.arange(0.0, 3 * 3600.0 + 1e-9, step_s)
    r, v = twobody.equinoctial_to_cartesian(
        twobody.propagate_elements(np.broadcast_to(e0, (len(nodes), 6)), nodes)
    )
    first = np.datetime64(start.replace(tzinfo=None), "ns")
    epochs = first + (nodes * 1e9).astype("timedelta64[ns]")
    seg = _segment(epochs, r, v, "UTC")
    offsets = np.arange(0.0, 3 * 3600.0, 7.3)
    truth = twobody.equinoctial_to_cartesian(
        twobody.propagate_elements(np.broadcast_to(e0, (len(offsets), 6)), offsets)
    )
    return Oem("3.0", first, "TEST", (seg,)), timescale().utc(2026, 6, 10, 12, 0, offsets), truth


@pytest.mark.parametrize(
    ("source", "method", "degree", "step_s", "tolerance_m"),
    [
        ("sgp4", "LAGRANGE", 7, 60.0, 1e-3),
        ("sgp4", "LAGRANGE", 9, 180.0, 1.0),
        ("kepler", "HERMITE", 5, 60.0, 1e-3),
        ("kepler", "HERMITE", 3, 300.0, 1.0),
        ("kepler", "LAGRANGE", 7, 60.0, 1e-3),
    ],
)
def test_interpolation_against_brute_force(
    demo: Mission, source: str, method: str, degree: int, step_s: float, tolerance_m: float
) -> None:
    start = datetime(2026, 6, 10, 12, tzinfo=UTC)
    oem, t, (r_true, v_true) = (
        _sgp4_truth(demo, start, step_s) if source == "sgp4" else _kepler_truth(start, step_s)
    )
    oem = _with(oem, interpolation=method, interpolation_degree=degree)
    r, v, ok = oem.states_gcrf(t)
    assert ok.all()
    error_m = float(np.linalg.norm(r - r_true, axis=1).max() * 1e3)
    assert error_m < tolerance_m, f"{method} {degree} at {step_s} s: {error_m:.3g} m"
    assert float(np.linalg.norm(v - v_true, axis=1).max()) < tolerance_m * 1e-2
    # At the states themselves the interpolation returns them (to a micrometre).
    seg = oem.segments[0]
    r_nodes, _, _ = oem.states_gcrf(seg.times())
    np.testing.assert_allclose(r_nodes, seg.position_km, rtol=0.0, atol=1e-9)


def test_hermite_suffers_from_sgp4_velocities(demo: Mission) -> None:
    """SGP4's velocity is not quite the derivative of its position (mm/s to cm/s), so
    Hermite through SGP4 states misses by metres where Lagrange on the positions does not:
    why the exporter writes LAGRANGE."""
    oem, t, (r_true, _) = _sgp4_truth(demo, datetime(2026, 6, 10, 12, tzinfo=UTC), 60.0)
    assert oem.segments[0].interpolation == "LAGRANGE"
    errors = {}
    for method in ("HERMITE", "LAGRANGE"):
        r, _, _ = _with(oem, interpolation=method, interpolation_degree=5).states_gcrf(t)
        errors[method] = float(np.linalg.norm(r - r_true, axis=1).max())
    assert errors["LAGRANGE"] < 1e-4 < 5e-4 < errors["HERMITE"], errors  # km: 0.1 m, 0.5 m


def test_no_extrapolation_outside_the_span() -> None:
    oem = Oem.from_kvn(EXAMPLE_KVN)
    t = timescale().utc(2026, 6, 10, 0, 0, [-0.001, 0.0, 120.0, 120.001])
    r, _, ok = oem.states_gcrf(t)
    assert ok.tolist() == [False, True, True, False]
    assert np.isnan(r[[0, 3]]).all()


def test_iss_useable_window_and_eme2000(tmp_path: Path) -> None:
    oem = Oem.from_file(ISS)
    seg = oem.segments[0]
    t = seg.times()
    r, _, ok = oem.states_gcrf(t)
    assert ok.all()
    # EME2000 -> GCRF undoes the frame bias: back through ERFA's matrix gives the file's states.
    rb, _, _ = erfa.bp06(2451545.0, 0.0)
    np.testing.assert_allclose(r @ rb.T, seg.position_km, atol=1e-9)
    # No INTERPOLATION keyword: LAGRANGE of degree 7, between USEABLE_START and _STOP only.
    assert seg.interpolation is None
    _, _, ok = oem.states_gcrf(
        timescale().utc(2022, 1, [17, 18, 18], [11, 11, 12], [59, 59, 0], [59.0, 59.0, 0.5])
    )
    assert ok.tolist() == [False, True, False]


def test_time_systems_shift_by_the_leap_seconds() -> None:
    """The same states read as TAI instead of UTC are 37 s earlier in UTC (2026: TAI-UTC=37)."""
    utc = Oem.from_kvn(EXAMPLE_KVN)
    tai = Oem.from_kvn(EXAMPLE_KVN.replace("TIME_SYSTEM = UTC", "TIME_SYSTEM = TAI"))
    gps = Oem.from_kvn(EXAMPLE_KVN.replace("TIME_SYSTEM = UTC", "TIME_SYSTEM = GPS"))
    ts = timescale()
    r_utc, _, _ = utc.states_gcrf(ts.utc(2026, 6, 10, 0, 0, [60.0]))
    r_tai, _, _ = tai.states_gcrf(ts.utc(2026, 6, 10, 0, 0, [60.0 - 37.0]))
    r_gps, _, _ = gps.states_gcrf(ts.utc(2026, 6, 10, 0, 0, [60.0 - 18.0]))
    np.testing.assert_allclose(r_tai, r_utc, atol=1e-6)
    np.testing.assert_allclose(r_gps, r_utc, atol=1e-6)
    t = epoch_times(np.array(["2026-06-10T00:00:00"], "datetime64[ns]"), "TT")
    assert t[0].utc_iso() == "2026-06-09T23:58:51Z"  # TT - UTC = 32.184 + 37 s


# -- an OEM as a fleet satellite's ephemeris source -----------------------------------------------


@pytest.fixture(scope="module")
def conjunction() -> Mission:
    return load_mission(REPO / "missions" / "conjunction.yaml")


def _mission_with_oem(base: Mission, oem: Oem, folder: Path, name: str = "aqua.oem") -> Mission:
    oem.write(folder / name)
    text = (REPO / "missions" / "conjunction.yaml").read_text()
    text = re.sub(r"contacts_per_day: 4}", f"contacts_per_day: 4, ephemeris: {name}}}", text)
    assert name in text
    return parse_mission(text, str(folder / "mission.yaml"), folder)


def _aqua_oem(mission: Mission, shift: np.ndarray | None = None, delay_s: float = 0.0) -> Oem:
    """AQUA's TLE exported over the horizon (+30 min either side), optionally moved."""
    catalog = ToolContext.from_mission(mission).catalog.select([AQUA])
    start = mission.horizon.start() - timedelta(minutes=30)
    oem = fleet_oem(catalog, [mission.satellite(AQUA)], start, 73.0, 60.0)
    seg = oem.segments[0]
    delay = np.timedelta64(round(delay_s * 1e9), "ns")
    moved = OemSegment(
        **{
            **seg.__dict__,
            "position_km": seg.position_km + (0.0 if shift is None else shift),
            "epochs": seg.epochs + delay,
            "start_time": seg.start_time + delay,
            "stop_time": seg.stop_time + delay,
        }
    )
    return Oem(oem.version, oem.creation_date, oem.originator, (moved,))


def _event(ctx: ToolContext) -> object:
    out = call_tool(ctx, "screen_conjunctions", {"satellites": "all", "duration_h": 72.0})
    assert out.ok, out.error
    [event] = [e for e in out.result.events if e.secondary.norad_id == OPS_0252]
    return event


def _aqua_radial_shift(mission: Mission, at: datetime, km: float) -> np.ndarray:
    """``km`` along AQUA's radial direction (GCRF) at ``at``, from its TLE."""
    catalog = ToolContext.from_mission(mission).catalog.select([AQUA])
    t = timescale().from_datetime(at)
    eph = propagate(catalog, t, workers=1)
    r, _ = teme_to_gcrs(eph.position_teme_km[:, 0], eph.velocity_teme_km_s[:, 0], t)
    shift: np.ndarray = km * r[0] / np.linalg.norm(r[0])
    return shift


def _brute_force_miss_km(mission: Mission, shift: np.ndarray, near: datetime) -> float:
    """SGP4 for both objects, AQUA moved by ``shift`` (GCRF): the closest approach near
    ``near``, refined on straight-line relative motion from the nearest 1 ms sample."""
    catalog = ToolContext.from_mission(mission).catalog.select([AQUA, OPS_0252])
    offsets = np.arange(-20.0, 20.0, 0.001)
    t = timescale().utc(
        near.year,
        near.month,
        near.day,
        near.hour,
        near.minute,
        near.second + near.microsecond * 1e-6 + offsets,
    )
    eph = propagate(catalog, t, workers=1)
    r, v = teme_to_gcrs(eph.position_teme_km, eph.velocity_teme_km_s, t)
    dr, dv = r[0] + shift - r[1], v[0] - v[1]
    k = int(np.argmin(np.linalg.norm(dr, axis=1)))
    u = dv[k] / np.linalg.norm(dv[k])
    return float(np.linalg.norm(dr[k] - (dr[k] @ u) * u))


def test_screening_and_pc_use_an_exact_oem_as_the_tle(conjunction: Mission, tmp_path: Path) -> None:
    tle_ctx = ToolContext.from_mission(conjunction)
    oem_ctx = ToolContext.from_mission(
        _mission_with_oem(conjunction, _aqua_oem(conjunction), tmp_path)
    )
    tle_event, oem_event = _event(tle_ctx), _event(oem_ctx)
    assert abs(oem_event.miss_km - tle_event.miss_km) < 1e-3
    assert abs((oem_event.tca_utc - tle_event.tca_utc).total_seconds()) < 1e-3
    pcs = []
    for ctx, event in ((tle_ctx, tle_event), (oem_ctx, oem_event)):
        out = call_tool(ctx, "assess_conjunction", {"event_id": event.event_id})
        assert out.ok, out.error
        pcs.append(out.result.pc)
    assert pcs[1] == pytest.approx(pcs[0], rel=1e-3)


def test_screening_and_pc_follow_an_oem_offset_from_the_tle(
    conjunction: Mission, tmp_path: Path
) -> None:
    """AQUA's OEM moved 1.5 km off its TLE: the tools report the moved approach, which
    brute-force SGP4 (with the same move) finds too, and not the TLE's 0.275 km; an avoidance
    burn is planned from the OEM's state, not the TLE's."""
    tle_ctx = ToolContext.from_mission(conjunction)
    tle_event = _event(tle_ctx)
    tca = tle_event.tca_utc
    shift = _aqua_radial_shift(conjunction, tca, 1.5)
    ctx = ToolContext.from_mission(
        _mission_with_oem(conjunction, _aqua_oem(conjunction, shift), tmp_path)
    )
    event = _event(ctx)
    expected = _brute_force_miss_km(conjunction, shift, tca)
    assert abs(event.miss_km - expected) < 5e-3, (event.miss_km, expected)
    assert abs(event.miss_km - tle_event.miss_km) > 0.5
    out = call_tool(ctx, "assess_conjunction", {"event_id": event.event_id})
    assert out.ok, out.error
    assert abs(out.result.miss_km - expected) < 5e-3
    tle_pc = call_tool(tle_ctx, "assess_conjunction", {"event_id": tle_event.event_id}).result.pc
    assert out.result.pc < tle_pc / 10
    # an avoidance burn starts from the OEM too: its miss before the burn is the moved one
    args = {"event_id": event.event_id, "target_miss_km": 5.0}
    burn = call_tool(ctx, "plan_avoidance", args)
    assert burn.ok, burn.error
    assert abs(burn.result.miss_before_km - expected) < 5e-3, (burn.result.miss_before_km, expected)
    tle = call_tool(tle_ctx, "plan_avoidance", {**args, "event_id": tle_event.event_id}).result
    assert abs(tle.miss_before_km - burn.result.miss_before_km) > 0.5


def test_passes_follow_a_delayed_oem(conjunction: Mission, tmp_path: Path) -> None:
    """AQUA's OEM delayed by 90 s: every pass moves, and at each reported AOS the OEM's
    position (the TLE's 90 s earlier) is at the station's minimum elevation per skyfield."""
    mission = _mission_with_oem(conjunction, _aqua_oem(conjunction, delay_s=90.0), tmp_path)
    args = {"satellites": "all", "stations": "all", "duration_h": 24.0}
    tle = call_tool(ToolContext.from_mission(conjunction), "find_passes", args).result.passes
    got = call_tool(ToolContext.from_mission(mission), "find_passes", args).result.passes
    assert len(got) == len(tle) > 5
    catalog = ToolContext.from_mission(conjunction).catalog
    sat = EarthSatellite.from_satrec(catalog.satrecs[int(catalog.index_of([AQUA])[0])], timescale())
    ts = timescale()
    for new in got:
        if new.starts_in_progress:
            continue
        same = [p for p in tle if p.station_id == new.station_id]
        old = min(same, key=lambda p: abs((p.aos_utc - new.aos_utc).total_seconds()))
        assert 20.0 < (new.aos_utc - old.aos_utc).total_seconds() < 160.0
        station = mission.station(new.station_id)
        site = wgs84.latlon(station.lat_deg, station.lon_deg, elevation_m=station.alt_m)
        t_aos = ts.from_datetime(new.aos_utc)
        r_au = sat.at(ts.from_datetime(new.aos_utc - timedelta(seconds=90))).position.au
        elevation = (Geocentric(r_au, t=t_aos) - site.at(t_aos)).altaz()[0].degrees
        floor = station.min_elevation_deg
        mask = station.horizon_mask
        if mask:
            floor = max(
                floor, np.interp(new.aos_azimuth_deg, *zip(*mask, strict=True), period=360.0)
            )
        assert abs(elevation - floor) < 0.05, (new.station_id, elevation, floor)


def test_an_oem_short_of_the_window_leaves_the_satellite_out(
    conjunction: Mission, tmp_path: Path
) -> None:
    short = _aqua_oem(conjunction)
    seg = short.segments[0]
    cut = OemSegment(
        **{
            **seg.__dict__,
            "epochs": seg.epochs[:120],
            "position_km": seg.position_km[:120],
            "velocity_km_s": seg.velocity_km_s[:120],
            "stop_time": seg.epochs[119],
        }
    )
    mission = _mission_with_oem(
        conjunction, Oem(short.version, short.creation_date, short.originator, (cut,)), tmp_path
    )
    out = call_tool(
        ToolContext.from_mission(mission),
        "screen_conjunctions",
        {"satellites": "all", "duration_h": 72.0},
    )
    assert not out.ok and out.error is not None
    assert "aqua.oem covers 2026-06-10 11:30:00 to 2026-06-10 13:29:00 UTC" in out.error.message
    assert "not extrapolated" in out.error.message


def test_a_malformed_oem_in_the_mission_names_line_and_keyword(
    conjunction: Mission, tmp_path: Path
) -> None:
    (tmp_path / "aqua.oem").write_text(EXAMPLE_KVN.replace("REF_FRAME = GCRF", "REF_FRAME GCRF"))
    text = (REPO / "missions" / "conjunction.yaml").read_text()
    text = text.replace("contacts_per_day: 4}", "contacts_per_day: 4, ephemeris: aqua.oem}")
    mission = parse_mission(text, "m.yaml", tmp_path)
    out = call_tool(
        ToolContext.from_mission(mission),
        "find_passes",
        {"satellites": "all", "stations": "all", "duration_h": 1.0},
    )
    assert not out.ok and out.error is not None
    assert "aqua.oem:8: expected 'KEYWORD = value'" in out.error.message


def test_a_fleet_oem_is_what_other_fleet_satellites_are_screened_against(
    tmp_path: Path,
) -> None:
    """SENTINEL 2B's OEM made to cross SENTINEL 2A (2A's own trajectory, moved 0.8 km
    radially at t0 and drifting 1 km/s cross-track for ±10 min around it): screening 2A
    alone finds 2B at 0.8 km at t0, which 2B's element set (same orbit, half a revolution
    apart) never comes near; without the OEM there is no such event."""
    s2a, s2b = 40697, 42063
    demo = load_mission(REPO / "missions" / "demo.yaml")
    start = demo.horizon.start() - timedelta(minutes=30)
    catalog = ToolContext.from_mission(demo).catalog.select([s2a])
    oem = fleet_oem(catalog, [demo.satellite(str(s2b))], start, 25.0, 30.0)
    seg = oem.segments[0]
    t0 = demo.horizon.start() + timedelta(hours=3, seconds=15)
    dt = (seg.epochs - np.datetime64(t0.replace(tzinfo=None), "ns")) / np.timedelta64(1, "s")
    r0 = seg.position_km[np.argmin(np.abs(dt))]
    radial = r0 / np.linalg.norm(r0)
    cross = np.cross(radial, seg.velocity_km_s[np.argmin(np.abs(dt))])
    cross /= np.linalg.norm(cross)
    drift = np.clip(dt, -600.0, 600.0)[:, None] * cross[None, :]
    moving = (np.abs(dt) < 600.0)[:, None] * cross[None, :]
    moved = OemSegment(**{**seg.__dict__, "position_km": seg.position_km + 0.8 * radial + drift,
                          "velocity_km_s": seg.velocity_km_s + moving})  # fmt: skip
    (tmp_path / "s2b.oem").write_text(Oem(oem.version, oem.creation_date, oem.originator,
                                          (moved,)).to_kvn())  # fmt: skip
    text = (REPO / "missions" / "demo.yaml").read_text()
    text = text.replace("name: SENTINEL 2B, aliases: [S2B],",
                        "name: SENTINEL 2B, aliases: [S2B], ephemeris: s2b.oem,")  # fmt: skip
    mission = parse_mission(text, str(tmp_path / "mission.yaml"), tmp_path)
    args = {"satellites": ["SENTINEL 2A"], "duration_h": 12.0, "threshold_km": 5.0}
    for ctx, expected in ((ToolContext.from_mission(demo), 0),
                          (ToolContext.from_mission(mission), 1)):  # fmt: skip
        out = call_tool(ctx, "screen_conjunctions", args)
        assert out.ok, out.error
        found = [e for e in out.result.events if e.secondary.norad_id == s2b]
        assert len(found) == expected, out.result.events
    [event] = found
    assert abs((event.tca_utc - t0).total_seconds()) < 0.5
    assert event.miss_km == pytest.approx(0.8, abs=0.01)


def _with_covariance(oem: Oem, blocks: list[tuple[int, np.ndarray, str]]) -> Oem:
    """``oem`` with covariance blocks ``(state index, 6x6 matrix, COV_REF_FRAME)``."""
    seg = oem.segments[0]
    covs = tuple(OemCovariance(seg.epochs[i], m, frame) for i, m, frame in blocks)
    return Oem(
        oem.version, oem.creation_date, oem.originator,
        (OemSegment(**{**seg.__dict__, "covariances": covs}),),
    )  # fmt: skip


def _rtn_rows(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """R, T, N unit rows written out here (not orbital.collision.rtn_basis)."""
    radial = r / np.linalg.norm(r)
    normal = np.cross(r, v) / np.linalg.norm(np.cross(r, v))
    return np.array([radial, np.cross(normal, radial), normal])


def test_an_oem_covariance_near_the_tca_is_the_one_pc_uses(
    conjunction: Mission, tmp_path: Path
) -> None:
    """AQUA's exact OEM with its own (much tighter) covariance: the assessment says the
    covariance is the OEM's (sigmas as given), the Pc moves off the TLE default's, and the
    same covariance written in RTN or rotated by hand into the segment's inertial frame
    gives the same Pc; a block hours from the TCA is not used, and the result says why."""
    tle_ctx = ToolContext.from_mission(conjunction)
    tle_event = _event(tle_ctx)
    tle = call_tool(tle_ctx, "assess_conjunction", {"event_id": tle_event.event_id}).result
    plain = _aqua_oem(conjunction)
    seg = plain.segments[0]
    tca = np.datetime64(tle_event.tca_utc.replace(tzinfo=None), "ns")
    near = int(np.argmin(np.abs(seg.epochs - tca)))
    sigma = np.array([0.02, 0.15, 0.03, 2e-5, 1e-5, 2e-5])  # km, km/s
    rtn = np.diag(sigma**2)
    b = _rtn_rows(seg.position_km[near], seg.velocity_km_s[near])
    b6 = np.zeros((6, 6))
    b6[:3, :3] = b6[3:, 3:] = b
    inertial = b6.T @ rtn @ b6  # the same covariance in the segment's own frame
    results = {}
    for label, block in (("rtn", (near, rtn, "RTN")), ("inertial", (near, inertial, None))):
        oem = _with_covariance(plain, [block])  # type: ignore[list-item]
        ctx = ToolContext.from_mission(
            _mission_with_oem(conjunction, oem, tmp_path, f"aqua-{label}.oem")
        )
        event = _event(ctx)
        out = call_tool(ctx, "assess_conjunction", {"event_id": event.event_id})
        assert out.ok, out.error
        results[label] = out.result
    got = results["rtn"]
    aqua = next(c for c in got.covariances if c.norad_id == AQUA)
    other = next(c for c in got.covariances if c.norad_id != AQUA)
    assert (aqua.source, aqua.assumed) == ("oem", False)
    assert (other.source, other.assumed) == ("assumed-tle-default", True)
    assert aqua.sigma_rtn_km == pytest.approx(tuple(sigma[:3]), rel=2e-3)
    assert got.covariance_assumed is True  # one side is still assumed
    assert any("OEM block" in n for n in got.notes), got.notes
    assert got.pc != pytest.approx(tle.pc, rel=0.05)
    assert results["inertial"].pc == pytest.approx(got.pc, rel=1e-6)

    far = _with_covariance(plain, [(0, rtn, "RTN")])  # the segment's first state: hours away
    ctx = ToolContext.from_mission(_mission_with_oem(conjunction, far, tmp_path, "aqua-far.oem"))
    out = call_tool(ctx, "assess_conjunction", {"event_id": _event(ctx).event_id})
    assert out.ok, out.error
    assert all(c.assumed for c in out.result.covariances)
    assert any("h from the TCA" in n and "assumed TLE default is used" in n
               for n in out.result.notes), out.result.notes
    assert out.result.pc == pytest.approx(tle.pc, rel=1e-3)



# -- the daemon's screening shards fly the fleet's OEMs -------------------------------------------


def daemon_cycle(
    mission: Mission, state: Path, runner: ShardRunner | None = None, at: datetime | None = None,
    catalog_status: str = "ok",
) -> tuple[JobReport, list[tuple[int, int, datetime, float]], dict[str, object]]:  # fmt: skip
    """One catalog refresh (its status checked) and one 36 h screening cycle of a daemon
    (in-line shards unless ``runner``) at ``at`` (default the mission's horizon start): the
    report, the open events as ``(primary, secondary, TCA, miss)`` and the ``last_screening``
    record."""
    settings = DaemonSettings(state_dir=state, scaleout="inline", screener="orbital",
                              stdout_alerts=False, replan=False, screening_span_h=36.0)  # fmt: skip
    clock = ManualClock(at or mission.horizon.start())
    with Daemon(settings, mission=mission, clock=clock, runner=runner) as d:
        catalog = d.run_job("catalog")
        assert catalog.status == catalog_status, catalog.detail
        report = d.run_job("screening")
        with d.store.session() as s:
            events = [(e.primary_id, e.secondary_id, e.tca, e.miss_km)
                      for e in d.store.open_events(s)]  # fmt: skip
            last = d.store.get(s, "last_screening")
    assert isinstance(last, dict)
    return report, events, last


def moved_aqua(conjunction: Mission, folder: Path) -> tuple[Mission, float, ConjunctionEvent]:
    """The conjunction mission with AQUA's OEM moved 1.5 km radially at the TLE's TCA with
    OPS 0252, the brute-force miss of that move, and the screen_conjunctions tool's event."""
    tle = cast(ConjunctionEvent, _event(ToolContext.from_mission(conjunction)))
    shift = _aqua_radial_shift(conjunction, tle.tca_utc, 1.5)
    mission = _mission_with_oem(conjunction, _aqua_oem(conjunction, shift), folder)
    event = cast(ConjunctionEvent, _event(ToolContext.from_mission(mission)))
    return mission, _brute_force_miss_km(conjunction, shift, tle.tca_utc), event


def assert_tool_event(events: list[tuple[int, int, datetime, float]],
                      tool: ConjunctionEvent, expected_km: float) -> None:  # fmt: skip
    """The daemon's AQUA-OPS 0252 event is the tool's (TCA to 1 ms, miss to the 0.1 m the
    tool rounds to) and brute force's (to 1 m)."""
    [(_, _, tca, miss)] = [e for e in events if e[:2] == (AQUA, OPS_0252)]
    assert abs((tca - tool.tca_utc).total_seconds()) < 1e-3, (tca, tool.tca_utc)
    assert abs(miss - tool.miss_km) <= 5e-5 + 1e-9, (miss, tool.miss_km)
    assert abs(miss - expected_km) < 1e-3, (miss, expected_km)


def test_the_daemon_screens_a_fleet_oem_as_the_tools_do(
    conjunction: Mission, tmp_path: Path
) -> None:
    """AQUA's OEM moved 1.5 km off its TLE: a daemon cycle reports the screen_conjunctions
    tool's TCA and miss (brute force's), not the TLE's 0.275 km, and says AQUA was flown by
    its OEM; cut short of the window, the OEM leaves AQUA out of the cycle (degraded, naming
    AQUA, the file and its span), never screened on its TLE instead."""
    mission, expected, tool = moved_aqua(conjunction, tmp_path)
    assert abs(tool.miss_km - expected) < 5e-3 and abs(tool.miss_km - 0.275) > 0.5
    for runner in (InlineRunner(), ProcessRunner(workers=1)):  # a worker reads the file
        report, events, last = daemon_cycle(mission, tmp_path / f"state-{runner.name}", runner)
        assert report.status == "ok", report.detail
        assert f"1/1 shards on {runner.name}" in report.detail
        assert "flown by their OEM: AQUA (27424)" in report.detail
        assert last["by_ephemeris"] == [AQUA]
        assert_tool_event(events, tool, expected)
    # the same OEM ending 2 h into the window
    mission_oem = Oem.from_text((tmp_path / "aqua.oem").read_text())
    seg = mission_oem.segments[0]
    keep = seg.epochs <= seg.epochs[0] + np.timedelta64(150, "m")
    cut = OemSegment(**{**seg.__dict__, "epochs": seg.epochs[keep],
                        "position_km": seg.position_km[keep],
                        "velocity_km_s": seg.velocity_km_s[keep],
                        "stop_time": seg.epochs[keep][-1]})  # fmt: skip
    short = _mission_with_oem(conjunction, Oem(mission_oem.version, mission_oem.creation_date,
                                               mission_oem.originator, (cut,)), tmp_path)
    report, events, last = daemon_cycle(short, tmp_path / "state-short")
    assert report.status == "degraded"
    [reason] = report.reasons
    assert reason.startswith("AQUA (27424) not screened: its ephemeris"), reason
    assert "aqua.oem covers 2026-06-10 11:30:00 to 2026-06-10 14:00:00 UTC" in reason
    assert "not extrapolated" in reason
    assert events == [] and last["by_ephemeris"] == []
    # an OEM that cannot be read: AQUA is left out, the reader's line and keyword named
    (tmp_path / "aqua.oem").write_text(EXAMPLE_KVN.replace("REF_FRAME = GCRF", "REF_FRAME GCRF"))
    report, events, _ = daemon_cycle(short, tmp_path / "state-malformed")
    assert report.status == "degraded" and events == []
    [reason] = report.reasons
    assert reason.startswith("AQUA (27424) not screened: its ephemeris is malformed:"), reason
    assert "aqua.oem:8: expected 'KEYWORD = value'" in reason


def test_a_fleet_oem_flies_a_satellite_whose_elements_are_too_old(
    conjunction: Mission, tmp_path: Path
) -> None:
    """20 days after AQUA's epoch its TLE is refused (the mission's 14 days): the daemon
    does not screen it and calls the catalog degraded; with an OEM covering the window
    (however it was made) AQUA is screened on it and nothing is degraded."""
    later = conjunction.horizon.start() + timedelta(days=20)
    report, _, _ = daemon_cycle(conjunction, tmp_path / "tle", at=later,
                                catalog_status="degraded")  # fmt: skip
    assert report.status == "degraded"
    assert report.reasons[0].startswith("AQUA (27424) not screened: elements 2"), report.reasons
    catalog = ToolContext.from_mission(conjunction).catalog.select([AQUA])
    oem = fleet_oem(catalog, [conjunction.satellite(AQUA)], later - timedelta(minutes=30),
                    37.0, 60.0)  # fmt: skip
    mission = _mission_with_oem(conjunction, oem, tmp_path)
    report, _, last = daemon_cycle(mission, tmp_path / "oem", at=later)
    assert report.status == "ok", report.detail
    assert last["by_ephemeris"] == [AQUA]
