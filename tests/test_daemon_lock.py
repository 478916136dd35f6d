"""One daemon per SQLite state directory, readiness from the stored state after a restart, and
accepted plans written as files.

Two daemons on one state directory would both run every job and share its counters: the second
refuses, in process (``StateInUse``) and as a real process (exit 2 with the directory and the
holder named), and works once the first has stopped (or was killed).  A restarted daemon that
reloads its last good catalog answers ``/readyz`` from the stored health of its jobs instead of
``starting`` until the next catalog run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_daemon import SAMPLE, T0, debris_lines, make_daemon, make_mission
from test_daemon_process import _Daemon, _wait

from cosmo_agent.agent.daemon import DaemonSettings, ManualClock
from cosmo_agent.agent.daemon.leadership import StateInUse
from cosmo_agent.agent.daemon.runtime import Daemon
from cosmo_agent.agent.daemon.sinks import PlanArchive
from cosmo_agent.orbital.catalog import Catalog


@pytest.fixture(scope="module")
def catalog_text() -> str:
    """The bundled sample catalog and a debris object crossing KOMPSAT 3 150 m away."""
    return SAMPLE.read_text() + debris_lines(Catalog.from_file(SAMPLE))


def test_second_daemon_on_a_state_dir_refuses(tmp_path: Path, catalog_text: str) -> None:
    make_mission(tmp_path, catalog_text)
    clock = ManualClock(T0)
    with make_daemon(tmp_path, clock) as first:
        with pytest.raises(StateInUse) as refused:
            make_daemon(tmp_path, clock)
        message = str(refused.value)
        assert str((tmp_path / "state").absolute()) in message
        assert f"pid {os.getpid()}" in message and "--state-dir" in message
        assert first.run_job("catalog").status == "ok"  # the first one is unharmed
    with make_daemon(tmp_path, clock) as again:  # free once the first has stopped
        assert again.leading and again.run_job("screening").status == "ok"


def _get(port: int, path: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return int(r.status), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return int(e.code), json.loads(e.read())


@pytest.mark.slow
def test_second_daemon_process_refuses_and_restart_is_ready(
    tmp_path: Path, catalog_text: str
) -> None:
    make_mission(tmp_path, catalog_text)
    env = {**os.environ, "COSMO_DAEMON_REPLAN": "false", "COSMO_DAEMON_SCREENER": "orbital",
           "COSMO_DAEMON_SCREENING_SPAN_H": "12", "COSMO_DAEMON_INTERVALS__SCREENING_S": "2",
           # after its first run the catalog job comes back only in an hour
           "COSMO_DAEMON_INTERVALS__CATALOG_S": "3600"}  # fmt: skip
    first = _Daemon(tmp_path, "first", env)
    _wait("/readyz", lambda: first.get("/readyz") == 200)
    second = subprocess.run(
        [sys.executable, "-m", "cosmo_agent.agent.cli", "daemon", "--mission",
         str(tmp_path / "mission.yaml"), "--state-dir", str(tmp_path / "state"),
         "--clock", "sim:2026-06-10T12:00:00Z", "--scaleout", "inline"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert second.returncode == 2, second.stderr
    assert "another daemon uses this state directory" in second.stderr
    assert f"pid {first.proc.pid}" in second.stderr and "Traceback" not in second.stderr
    assert first.get("/readyz") == 200  # still running, still ready
    first.proc.send_signal(signal.SIGKILL)  # the kernel drops a dead process's lock
    first.proc.wait(timeout=30)
    # the restart reloads the catalog snapshot and the stored health: ready at once, before
    # its catalog job has run (the scheduler's job store puts it an hour away)
    restarted = _Daemon(tmp_path, "restarted", env)
    code, body = _get(restarted.port, "/readyz")
    assert (code, body["status"], body["role"]) == (200, "ok", "leader"), body
    assert body["catalog"] is not None and body["cycle_ok_at_utc"] is not None
    catalog_runs = [x for x in restarted.logs() if x.get("job") == "catalog"
                    and "status" in x]  # fmt: skip
    assert catalog_runs == []
    assert restarted.stop() == 0


def test_restart_restores_readiness_only_with_its_catalog(
    tmp_path: Path, catalog_text: str
) -> None:
    make_mission(tmp_path, catalog_text)
    clock = ManualClock(T0)
    with make_daemon(tmp_path, clock) as d:
        assert not d.ready()[0]
        d.run_job("catalog")
        (tmp_path / "fleet.3le").rename(tmp_path / "away.3le")
        assert d.run_job("catalog").status == "degraded"  # the last good catalog is kept
        assert d.run_job("screening").status == "ok"
        ok, before = d.ready()
        assert ok and before["status"] == "degraded"
        files = d.snapshot.files if d.snapshot else ()
    with make_daemon(tmp_path, clock) as d:  # no job run yet: the stored state answers
        ok, after = d.ready()
        assert ok and after["status"] == "degraded" and after["reasons"] == before["reasons"]
        assert after["cycle_ok_at_utc"] == before["cycle_ok_at_utc"]
        assert d.metrics.render().count(b'cosmo_daemon_degraded{job="catalog"} 1.0') == 1
    for f in files:  # the snapshot is gone: nothing to screen on until a catalog loads
        Path(f).unlink()
    with make_daemon(tmp_path, clock) as d:
        ok, info = d.ready()
        assert not ok and info["catalog"] is None


def test_accepted_plans_are_written_as_files(tmp_path: Path, catalog_text: str) -> None:
    make_mission(tmp_path, catalog_text)
    answers = iter([("accepted", "plan A", json.dumps({"plan": {"commands": ["A"]}})),
                    ("incomplete", "plan B", json.dumps({"plan": {"gaps": []}}))])  # fmt: skip

    def replanner(d: Daemon, now: datetime, details: Any) -> tuple[str, str, str | None]:
        return next(answers)

    settings = DaemonSettings(mission=tmp_path / "mission.yaml", state_dir=tmp_path / "state",
                              scaleout="inline", screener="orbital", stdout_alerts=False,
                              screening_span_h=12.0, plan_dir=str(tmp_path / "archive"))
    plans = tmp_path / "archive"
    clock = ManualClock(T0)
    with Daemon(settings, clock=clock, replanner=replanner) as d:
        d.run_job("catalog")
        assert d.run_job("replan").detail == "plan 1: accepted"
        written = plans / PlanArchive.name(1, T0)
        assert json.loads(written.read_text()) == {"plan": {"commands": ["A"]}}
        clock.advance(timedelta(hours=1))
        with d.store.session() as s:
            d.store.add_trigger(s, "test", "something changed", clock.now())
        assert d.run_job("replan").status == "degraded"  # incomplete: no file
    assert sorted(p.name for p in plans.iterdir()) == [written.name]
    written.unlink()  # lost (the daemon died before writing it): written at the next start
    with Daemon(settings, clock=clock, replanner=replanner):
        assert json.loads(written.read_text()) == {"plan": {"commands": ["A"]}}
