"""The command line: real subprocesses, exit codes and JSON shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cosmo_agent
from cosmo_agent.agent.cli import main

DATA = Path(__file__).parent / "data"


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


def test_assess_cdm_reports_pc_of_each_method() -> None:
    out = _run("assess", str(DATA / "cdm" / "cara-terra-2022-02-24.kvn"), "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    # CARA's message reports Pc 1.213e-3 for this event.
    assert abs(result["pc"]["foster"] - 1.213e-3) / 1.213e-3 < 5e-3
    assert set(result["pc"]) == {"foster", "chan"}


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
