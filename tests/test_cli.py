"""The command line: real subprocesses, exit codes and JSON shapes."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import cosmo_agent
from cosmo_agent.agent.cli import main
from cosmo_agent.orbital.cdm import Cdm

DATA = Path(__file__).parent / "data"
TERRA = DATA / "cdm" / "cara-terra-2022-02-24.kvn"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cosmo_agent.agent.cli", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_report_json_has_ages_positions_and_eop_age() -> None:
    out = _run("report", "--at", "2026-06-10T12:00:00Z", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert len(report["satellites"]) > 10
    iss = next(s for s in report["satellites"] if s["id"] == 25544)
    assert 380 < iss["height_km"] < 450 and abs(iss["lat_deg"]) <= 52
    assert report["earth_orientation"]["observed_until_utc"].startswith("20")


def test_bad_input_exits_2_with_a_message_naming_the_problem(tmp_path: Path) -> None:
    out = _run("report", "--at", "2026-06-10T12:00:00")
    assert out.returncode == 2 and "no timezone" in out.stderr and "Traceback" not in out.stderr
    out = _run("assess", str(tmp_path / "missing.cdm"))
    assert out.returncode == 2 and "missing.cdm" in out.stderr


def _strict_json(text: str) -> Any:
    """Parse JSON as RFC 8259 defines it: NaN and Infinity are refused."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_assess_cdm_reports_pc_of_each_method(capsys: pytest.CaptureFixture[str]) -> None:
    from cosmo_agent.orbital.cdm import Cdm
    from cosmo_agent.orbital.collision import collision_probability, max_collision_probability

    out = _run("assess", str(TERRA), "--json")
    assert out.returncode == 0, out.stderr
    result = _strict_json(out.stdout)
    # CARA's message reports Pc 1.213e-3 for this event.
    assert abs(result["pc"]["foster"] - 1.213e-3) / 1.213e-3 < 5e-3
    cdm = Cdm.from_file(TERRA)
    plane = cdm.encounter_plane()
    hbr_km = 0.015  # the message's 'COMMENT HBR = 15 [m]'
    want = {
        "foster": collision_probability(plane, hbr_km, "foster").pc,
        "foster_square": collision_probability(plane, hbr_km, hbr_type="square").pc,
        "foster_square_equal_area": collision_probability(
            plane, hbr_km, hbr_type="square_equal_area"
        ).pc,
        "chan": collision_probability(plane, hbr_km, "chan").pc,
    }
    worst = max_collision_probability(plane, hbr_km)
    assert set(result["pc"]) == {*want, "alfano_max", "pc3d", "monte_carlo"}
    for name, pc in want.items():
        assert result["pc"][name] == pytest.approx(float(pc), rel=1e-12), name
    # A fast encounter (4.5 km/s): no 2-D usage violation, so the 2-D value is reported, the
    # 3-D value agrees with it to 0.1 %, and no Monte Carlo check is run.
    assert result["usage_violations"]["violated"] == []
    assert result["reported_pc"]["method"] == "foster_2d"
    assert result["reported_pc"]["pc"] == result["pc"]["foster"]
    assert result["pc"]["pc3d"] == pytest.approx(result["pc"]["foster"], rel=1e-3)
    assert result["pc"]["monte_carlo"] is None
    assert all(c["agrees"] for c in result["cdm_checks"])
    del result["pc"]["pc3d"], result["pc"]["monte_carlo"], result["pc_status"]["pc3d"]
    assert result["pc"]["alfano_max"] == pytest.approx(float(worst.pc_max), rel=1e-12)
    assert result["max_pc"] == {
        "pc": result["pc"]["alfano_max"],
        "covariance_scale": pytest.approx(float(worst.covariance_scale), rel=1e-12),
        "diluted": bool(worst.diluted),
    }
    assert set(result["pc_status"]) == set(result["pc"])
    assert set(result["pc_status"].values()) == {"OK"} and result["warnings"] == []
    # The inputs used: HBR and where it came from, TCA, miss, speed, covariance source.
    assert (result["hbr_m"], result["hbr_source"]) == (15.0, "COMMENT HBR")
    assert result["tca"] == "2022-02-24T10:03:07.749000Z"
    r1, r2 = np.asarray(cdm.object1.position_km), np.asarray(cdm.object2.position_km)
    assert result["miss_m"] == pytest.approx(float(np.linalg.norm(r2 - r1)) * 1e3, rel=1e-12)
    assert result["miss_m"] == pytest.approx(25.0, abs=0.5)  # the CDM's MISS_DISTANCE
    assert result["relative_speed_m_s"] == pytest.approx(4489.0, abs=0.5)  # RELATIVE_SPEED
    from_cdm = {"source": "CDM", "frame": "RTN", "state_frame": "EME2000",
                "covariance_method": "CALCULATED", "assumed": False}
    assert result["covariance"] == {"object1": from_cdm, "object2": from_cdm}
    assert (result["cdm_reported_pc"], result["cdm_reported_pc_method"]) == (
        1.213e-3, "FOSTER-1992")
    # --hbr-m overrides the message's comment, and the output says so.
    assert main(["assess", str(TERRA), "--hbr-m", "20", "--json"]) == 0
    result = _strict_json(capsys.readouterr().out)
    assert (result["hbr_m"], result["hbr_source"]) == (20.0, "--hbr-m")
    assert result["pc"]["foster"] == pytest.approx(
        float(collision_probability(plane, 0.020).pc), rel=1e-12
    )


def test_assess_hbr_zero_exits_2_and_prints_no_nan() -> None:
    out = _run("assess", str(TERRA), "--hbr-m", "0", "--json")
    assert out.returncode == 2 and out.stdout == ""
    assert "--hbr-m 0 is not a hard-body radius" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("value", ["-5", "nan", "inf", "-inf", "1e-400"])
def test_assess_refuses_a_hard_body_radius_that_is_not_positive_and_finite(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["assess", str(TERRA), f"--hbr-m={value}", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--hbr-m" in captured.err and "positive number" in captured.err


def test_assess_without_any_hbr_names_the_file_and_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cosmo_agent.orbital.cdm import EXAMPLE_KVN  # CCSDS's sample: no 'COMMENT HBR'

    path = tmp_path / "no-hbr.kvn"
    path.write_text(EXAMPLE_KVN)
    assert main(["assess", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert str(path) in captured.err and "COMMENT HBR" in captured.err
    assert "pass --hbr-m" in captured.err
    assert main(["assess", str(path), "--hbr-m", "10", "--json"]) == 0
    assert _strict_json(capsys.readouterr().out)["hbr_source"] == "--hbr-m"
    zero = tmp_path / "zero-hbr.kvn"
    zero.write_text(TERRA.read_text().replace("COMMENT HBR = 15 [m]", "COMMENT HBR = 0 [m]"))
    assert main(["assess", str(zero), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and str(zero) in captured.err and "pass --hbr-m" in captured.err


def test_assess_gives_null_and_a_status_where_pc_cannot_be_computed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cosmo_agent.orbital.cdm import Cdm

    cdm = Cdm.from_file(TERRA)
    o1 = cdm.object1
    co_moving = dataclasses.replace(
        cdm,
        object2=dataclasses.replace(
            cdm.object2, x_dot_km_s=o1.x_dot_km_s, y_dot_km_s=o1.y_dot_km_s,
            z_dot_km_s=o1.z_dot_km_s,
        ),
    )
    path = tmp_path / "co-moving.kvn"
    co_moving.write(path)
    assert main(["assess", str(path), "--json", "--mc-samples", "4000"]) == 0
    result = _strict_json(capsys.readouterr().out)
    two_d = {k: v for k, v in result["pc"].items() if k not in ("pc3d", "monte_carlo")}
    assert two_d == dict.fromkeys(two_d)  # every 2-D method: null, never NaN
    assert {result["pc_status"][k] for k in two_d} == {"NO_RELATIVE_MOTION"}
    assert result["max_pc"] == {"pc": None, "covariance_scale": None, "diluted": None}
    assert result["relative_speed_m_s"] == 0.0
    assert any("relative velocity is zero" in w for w in result["warnings"])
    # Co-moving objects still collide through their velocity uncertainty: the 3-D method
    # (no encounter plane needed) gives a Pc, the usage checks say the 2-D model does not
    # apply, and the 3-D value is reported; the Monte Carlo check's interval holds it.
    assert result["pc_status"]["pc3d"] == "OK" and result["pc"]["pc3d"] > 1e-4
    assert "extended" in result["usage_violations"]["violated"]
    assert result["reported_pc"]["method"] == "pc3d_hall"
    mc = result["pc"]["monte_carlo"]
    assert mc["samples"] == 4000 and mc["low"] <= result["pc"]["pc3d"] <= mc["high"]


def test_assess_non_positive_definite_covariance_gives_zero_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """CARA's non-PD case (OmitronTestCase_Test07, HBR 20 m) written as a CDM."""
    from cosmo_agent.orbital.cdm import Cdm

    case = json.loads((DATA / "collision" / "pc-reference-cases.json").read_text())[
        "omitron_07_non_pd"
    ]
    cdm = Cdm.from_file(TERRA)
    objects = []
    for obj, k in ((cdm.object1, "1"), (cdm.object2, "2")):
        (x, y, z), (vx, vy, vz) = case[f"r{k}_km"], case[f"v{k}_km_s"]
        objects.append(dataclasses.replace(
            obj, x_km=x, y_km=y, z_km=z, x_dot_km_s=vx, y_dot_km_s=vy, z_dot_km_s=vz,
            covariance_rtn=(*case[f"cov{k}_rtn_m2"], *obj.covariance_rtn[6:]),
        ))
    path = tmp_path / "non-pd.kvn"
    dataclasses.replace(cdm, object1=objects[0], object2=objects[1]).write(path)
    assert main(["assess", str(path), "--hbr-m", "20", "--json", "--mc-samples", "2000"]) == 0
    result = _strict_json(capsys.readouterr().out)
    assert "npd" in result["usage_violations"]["violated"]
    for name in ("foster", "foster_square", "foster_square_equal_area", "chan"):
        assert result["pc"][name] == 0.0
        assert result["pc_status"][name] == "NOT_POSITIVE_DEFINITE"
    assert any("not positive definite" in w for w in result["warnings"])
    # The worst case is searched over a remediated covariance, and says so.
    assert result["pc_status"]["alfano_max"] == "COVARIANCE_REMEDIATED"
    assert result["pc"]["alfano_max"] is not None


def test_spaceweather_json_on_bundled_sample() -> None:
    out = _run("spaceweather", "--now", "2026-07-31T12:30:00Z", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["scales"]["G"]["level"] == 3


def test_public_facade_is_pinned() -> None:
    assert cosmo_agent.__all__ == ["Agent", "Catalog", "CommandPlan", "__version__", "load_mission"]
    assert all(getattr(cosmo_agent, name) is not None for name in cosmo_agent.__all__)


def test_screen_prints_the_library_events(capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime, timedelta

    from cosmo_agent.orbital import Catalog
    from cosmo_agent.orbital.screening import screen

    subset = Path(__file__).parent / "data" / "screening" / "subset.3le"
    args = ["screen", "--catalog", str(subset), "--start", "2026-06-10T00:00:00Z",
            "--duration-h", "2", "--threshold-km", "5", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    t0 = datetime(2026, 6, 10, tzinfo=UTC)
    ref = screen(Catalog.from_file(subset), t0, t0 + timedelta(hours=2), 5.0).to_records()
    assert out["mode"] == "all-vs-all" and len(out["events"]) == len(ref) > 0
    for got, want in zip(out["events"], ref, strict=True):
        assert (got["primary"], got["secondary"], got["tca"]) == (
            want["primary"], want["secondary"], want["tca"])
        assert got["miss_km"] == pytest.approx(want["miss_km"], abs=1e-6) and got["miss_km"] < 5
    # fleet-vs-catalog: every event involves the chosen satellite
    fleet = str(out["events"][0]["primary"])
    assert main([*args[:-1], "--satellites", fleet, "--json"]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    assert events and all(fleet in (str(e["primary"]), str(e["secondary"])) for e in events)


@pytest.mark.parametrize(
    ("extra", "needle"),
    [(["--catalog", "/no/such.3le"], "/no/such.3le"),
     (["--start", "yesterday"], "--start"),
     (["--satellites", "ISS"], "--satellites")],
)
def test_screen_bad_input_exits_2(
    extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    subset = Path(__file__).parent / "data" / "screening" / "subset.3le"
    args = {"--catalog": str(subset), "--start": "2026-06-10T00:00:00Z"}
    argv = ["screen", "--duration-h", "1"]
    for k, v in args.items():
        if k not in extra:
            argv += [k, v]
    assert main(argv + extra) == 2
    assert needle in capsys.readouterr().err


def test_screen_lists_a_conjunction_of_two_fleet_satellites_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from datetime import UTC, datetime, timedelta

    from cosmo_agent.orbital import Catalog
    from cosmo_agent.orbital.screening import screen

    subset = Path(__file__).parent / "data" / "screening" / "subset.3le"
    a, b = 62079, 62080  # a pair that stays close: three minima in these two hours
    assert main(["screen", "--catalog", str(subset), "--start", "2026-06-10T00:00:00Z",
                 "--duration-h", "2", "--threshold-km", "5", "--satellites", str(a), str(b),
                 "--json"]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    catalog = Catalog.from_file(subset)
    t0 = datetime(2026, 6, 10, tzinfo=UTC)
    raw = screen(catalog, t0, t0 + timedelta(hours=2), 5.0, primaries=catalog.select([a, b]))
    sightings = [(frozenset((e["primary"], e["secondary"])), e["tca"]) for e in raw.to_records()]
    assert len(sightings) > len(set(sightings))  # the library sees each a-b minimum from both sides
    got = [(frozenset((e["primary"], e["secondary"])), e["tca"]) for e in events]
    assert len(got) == len(set(got)) and set(got) == set(sightings)
    pair = [e for e in events if {e["primary"], e["secondary"]} == {a, b}]
    assert len(pair) == 3 and len({e["tca"] for e in pair}) == 3  # each minimum kept once
    assert all(e["primary"] == a for e in pair)  # the first in (TCA, primary) order


def test_assess_writes_the_cdm_with_the_reported_pc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """CARA's slow METOP-A encounter: the written CDM reports Hall's 3-D Pc (CARA's value,
    1.9271e-5) as COLLISION_PROBABILITY, Foster's 2-D value as a comment, and reads back."""
    source = Path(__file__).parent / "data" / "pc3d" / "OmitronTestCase_Test08_3DNc.cdm"
    for name in ("out.cdm", "out.xml"):
        out = tmp_path / name
        args = ["assess", str(source), "--hbr-m", "20", "--write-cdm", str(out), "--json"]
        assert main(args) == 0
        capsys.readouterr()
        written = Cdm.from_file(out)
        assert written.relative.collision_probability == pytest.approx(1.9271201e-05, rel=1e-3)
        assert written.relative.collision_probability_method == "HALL-2021"
        recorded = written.recorded_pcs()
        assert recorded["FOSTER-1992"] < 1e-15  # the 2-D value the usage checks distrust
        assert main(["assess", str(out), "--hbr-m", "20", "--json"]) == 0
        again = json.loads(capsys.readouterr().out)
        check = next(c for c in again["cdm_checks"] if c["quantity"] == "COLLISION_PROBABILITY")
        assert check["agrees"], check
    assert main(["assess", str(source), "--hbr-m", "20", "--write-cdm",
                 str(tmp_path / "no" / "such" / "dir.cdm")]) == 2  # fmt: skip
    assert "cannot write" in capsys.readouterr().err


def test_events_is_a_cosmo_agent_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``cosmo-agent events`` reaches agent.events (its own tests: tests/test_event_identity.py):
    a CDM folded into an empty state database becomes the one event it lists."""
    from cosmo_agent.orbital.cdm import EXAMPLE_KVN

    for name in ("MISSION", "STATE_DIR", "STATE_DB_URL", "CONFIG_FILE"):
        monkeypatch.delenv(f"COSMO_DAEMON_{name}", raising=False)
    cdm = tmp_path / "example.cdm"
    cdm.write_text(EXAMPLE_KVN)
    mission = str(Path(__file__).parents[1] / "missions" / "demo.yaml")
    state = ["--state-dir", str(tmp_path / "state")]
    assert main(["events", *state, "--ingest", str(cdm), "--mission", mission]) == 0
    capsys.readouterr()
    assert main(["events", *state, "--json"]) == 0
    [event] = json.loads(capsys.readouterr().out)["events"]
    assert event["event_id"].startswith("CONJ-") and event["pc_history"]
    assert main(["events", "CONJ-0099", *state]) == 2
    assert event["event_id"] in capsys.readouterr().err  # the known ones are listed


def test_csv_export_of_passes_contacts_and_conjunctions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--csv`` writes one row per pass, contact or conjunction, with the ``--json`` values
    unrounded; a file that cannot be written exits 2 naming the option."""
    import csv

    demo = str(Path(__file__).parents[1] / "missions" / "demo.yaml")
    catalog = Path(__file__).parents[1] / "tools" / "data" / "conjunction-2026-06-10.3le"
    runs = [
        (["passes", "--mission", demo, "--duration-h", "6"], "passes",
         lambda x: (x["satellite"]["norad_id"], x["station_id"], x["aos_utc"]),
         lambda r: (int(r["norad_id"]), r["station"], r["aos_utc"])),
        (["schedule", "--mission", demo, "--duration-h", "6"], "contacts",
         lambda x: (x["antenna"], x["aos_utc"], x["volume_mbit"]),
         lambda r: (r["antenna"], r["aos_utc"], float(r["volume_mbit"]))),
        (["screen", "--catalog", str(catalog), "--satellites", "27424", "--start",
          "2026-06-10T12:00:00Z", "--duration-h", "72"], "events",
         lambda x: (x["tca"], x["secondary"], x["miss_km"]),
         lambda r: (r["tca_utc"], int(r["secondary"]), float(r["miss_km"]))),
    ]  # fmt: skip
    for argv, key, from_json, from_csv in runs:
        out = tmp_path / f"{argv[0]}.csv"
        assert main([*argv, "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        items = data["result"][key] if "result" in data else data[key]
        assert main([*argv, "--csv", str(out)]) == 0
        capsys.readouterr()
        with out.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert items, argv[0]
        assert [from_csv(r) for r in rows] == [from_json(x) for x in items]
        assert main([*argv, "--csv", str(tmp_path / "no" / "x.csv")]) == 2
        assert "--csv" in capsys.readouterr().err
