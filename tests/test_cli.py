"""The command line: real subprocesses, exit codes and JSON shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cosmo_agent

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
