"""The daemon on a real PostgreSQL server (Debian's ``postgresql``, started by
``tests/postgres_server.py`` on a loopback port): the store gives the same events and alerts as
on SQLite, the LangGraph checkpointer keeps plan runs there, two daemons elect one leader
(the standby writes nothing, a deposed leader's writes are refused), and a leader SIGKILLed in
the middle of a screening cycle is replaced by the standby, which resumes that cycle; a leader
whose lock connection is cut stands down and the other leads.  No alert is lost or delivered
twice (the JSONL file and the webhook are checked against the database).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from postgres_server import PostgresServer
from test_daemon import SAMPLE, T0, debris_lines, make_mission
from test_daemon_lock import _get
from test_daemon_process import GATED_CLI, MISSION, SW_SNAPSHOT, _Daemon, _Hook, _lines, _wait
from test_daemon_process import webhook as _webhook  # noqa: F401 - a fixture, named so

from cosmo_agent.agent.daemon import DaemonSettings, ManualClock
from cosmo_agent.agent.daemon.leadership import LostLeadership
from cosmo_agent.agent.daemon.runtime import Daemon
from cosmo_agent.agent.daemon.store import AlertRow, EventRow, PcHistoryRow, PlanRow
from cosmo_agent.orbital.catalog import Catalog

_NAMES = iter(range(1, 10_000))


@pytest.fixture(scope="module")
def catalog_text() -> str:
    """The bundled sample catalog and a debris object crossing KOMPSAT 3 150 m away."""
    return SAMPLE.read_text() + debris_lines(Catalog.from_file(SAMPLE))


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    with PostgresServer() as pg:
        yield pg


@pytest.fixture
def database(server: PostgresServer) -> str:
    """A fresh database for one test."""
    return server.database(f"t{os.getpid()}_{next(_NAMES)}")


def _settings(tmp: Path, state: str, **overrides: Any) -> DaemonSettings:
    options: dict[str, Any] = {"scaleout": "inline", "screener": "orbital", "replan": False,
                               "stdout_alerts": False, "screening_span_h": 12.0, **overrides}
    return DaemonSettings(mission=tmp / "mission.yaml", state_dir=tmp / state, **options)


def _snapshot(d: Daemon) -> dict[str, Any]:
    with d.store.session(fenced=False) as s:
        events = sorted((e.key, e.level, e.peak_level, e.status, e.sightings, round(e.miss_km, 6))
                        for e in s.query(EventRow))  # fmt: skip
        alerts = sorted((a.dedup_key, a.level, a.severity) for a in s.query(AlertRow))
        history = s.query(PcHistoryRow).count()
    return {"events": events, "alerts": alerts, "history": history}


def _drive(d: Daemon, clock: ManualClock) -> dict[str, Any]:
    for step in range(3):
        assert d.run_job("catalog").status == "ok"
        assert d.run_job("screening").status == "ok"
        clock.advance(timedelta(minutes=30 * (step + 1)))
    d.run_job("delivery")
    assert d.ready()[0]
    return _snapshot(d)


def test_store_on_postgres_matches_sqlite(tmp_path: Path, catalog_text: str,
                                          database: str) -> None:  # fmt: skip
    make_mission(tmp_path, catalog_text)
    with Daemon(_settings(tmp_path, "lite"), clock=(lite_clock := ManualClock(T0))) as d:
        on_sqlite = _drive(d, lite_clock)
    settings = _settings(tmp_path, "pg", state_db_url=database)
    assert settings.state_url().startswith("postgresql+psycopg://")
    assert settings.jobs_url() == settings.state_url()
    with Daemon(settings, clock=(pg_clock := ManualClock(T0))) as d:
        assert d.store.engine.dialect.name == "postgresql" and d.leading
        on_postgres = _drive(d, pg_clock)
    assert on_postgres == on_sqlite
    assert any(level == "alert" for _, level, *_ in on_postgres["events"])
    # a restart on the same database: the stored health answers /readyz at once
    with Daemon(settings, clock=pg_clock) as d:
        ok, info = d.ready()
        assert ok and info["status"] == "ok", info


def test_plan_runs_checkpoint_in_postgres(tmp_path: Path, catalog_text: str,
                                          database: str) -> None:  # fmt: skip
    from cosmo_agent.agent.daemon.runtime import agent_replanner

    make_mission(tmp_path, catalog_text)
    settings = _settings(tmp_path, "pg", state_db_url=database, replan=True)
    with Daemon(settings, clock=ManualClock(T0), replanner=agent_replanner) as d:
        d.run_job("catalog")
        d.run_job("screening")
        report = d.run_job("replan")
        assert report.detail.startswith("plan 1:"), report.detail
        with d.store.session(fenced=False) as s:
            row = s.get(PlanRow, 1)
            assert row is not None
            summary = row.summary
    thread = summary.rsplit("(thread ", 1)[1].rstrip(")")
    with psycopg.connect(database) as conn:
        rows = conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = %s",
                            (thread,)).fetchone()  # fmt: skip
    assert rows is not None and rows[0] > 0
    assert not (tmp_path / "pg" / "agent-checkpoints.sqlite").exists()


def test_one_leader_standby_writes_nothing_deposed_leader_is_fenced(
    tmp_path: Path, catalog_text: str, database: str
) -> None:
    make_mission(tmp_path, catalog_text)
    clock = ManualClock(T0)
    leader = Daemon(_settings(tmp_path, "a", state_db_url=database), clock=clock)
    standby = Daemon(_settings(tmp_path, "b", state_db_url=database), clock=clock)
    try:
        assert leader.leading and not standby.leading
        assert leader.run_job("catalog").status == "ok"
        assert standby.run_job("screening").status == "skipped"
        ok, info = standby.ready()
        assert not ok and info["status"] == "standby"
        assert standby.health()[1]["role"] == "standby"
        with pytest.raises(LostLeadership), standby.store.session() as s:
            standby.store.put(s, "probe", 1)
        # the leader's lock connection dies (its host vanished, say): its writes are refused
        with psycopg.connect(database, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (leader._lead.backend_pid,))
        before = _snapshot(leader)
        report = leader.run_job("screening")
        assert report.status == "interrupted" and "lost the leadership" in report.detail
        assert not leader.leading and leader.run_job("catalog").status == "skipped"
        assert _snapshot(leader) == before
        with leader.store.session(fenced=False) as s:
            assert leader.store.get(s, "probe") is None
        # the standby takes the lock now free and works
        assert standby._lead.try_acquire() and standby.leading
        standby._recover()
        assert standby.run_job("screening").status == "ok"
    finally:
        leader.shutdown()
        standby.shutdown()


def test_cli_postgres_errors(tmp_path: Path, server: PostgresServer, catalog_text: str,
                             database: str) -> None:  # fmt: skip
    base = [sys.executable, "-m", "cosmo_agent.agent.cli", "daemon", "--mission",
            str(make_mission(tmp_path, catalog_text)), "--state-dir", str(tmp_path / "s"),
            "--once"]  # fmt: skip

    def run(*extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*base, *extra], capture_output=True, text=True, timeout=120,
                              env=env or dict(os.environ), cwd=tmp_path)  # fmt: skip

    bad = run("--database", "mysql://u@h/db")
    assert bad.returncode == 2 and "database scheme 'mysql' is not supported" in bad.stderr
    down = run("--database", f"postgresql://cosmo:secret@127.0.0.1:{_closed_port()}/cosmo")
    assert down.returncode == 2 and "cannot open the state database" in down.stderr
    assert "secret" not in down.stderr and "Traceback" not in down.stderr
    # psycopg missing: a module of that name that cannot be imported shadows the real one
    fake = tmp_path / "shadow" / "psycopg"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no psycopg here')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "shadow")}
    missing = run("--database", server.url, env=env)
    assert missing.returncode == 2, missing.stderr
    assert "'psycopg[binary]'" in missing.stderr and "cosmo-agent[postgres]" in missing.stderr
    # --once beside a running leader would run its jobs twice: refused
    with Daemon(_settings(tmp_path, "leader", state_db_url=database), clock=ManualClock(T0)):
        beside = run("--database", database)
    assert beside.returncode == 2 and "another daemon leads on this database" in beside.stderr


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- failover of real processes -----------------------------------------------------------------


class _Proc(_Daemon):
    """``cosmo-agent daemon`` on PostgreSQL as a real process (the gated CLI: while the file
    ``hold`` exists its screening shard 1 waits, so that the test kills it mid-cycle)."""

    def __init__(self, tmp: Path, name: str, env: dict[str, str], database: str) -> None:
        self.err = tmp / f"{name}.err"
        self.hold = tmp / f"{name}.hold"
        cmd = [sys.executable, str(tmp / "gated_cli.py"), "daemon",
               "--mission", str(tmp / "mission.yaml"), "--state-dir", str(tmp / name),
               "--database", database, "--jsonl", str(tmp / "alerts.jsonl"),
               "--clock", "sim:2026-06-10T12:00:00Z", "--http", "127.0.0.1:0",
               "--scaleout", "inline", "--log-level", "debug"]  # fmt: skip
        with self.err.open("w") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=tmp,
                                         env={**env, "COSMO_TEST_HOLD": str(self.hold)})
        self.port = _wait("the HTTP port", self._port)


def failover_env(webhook_url: str) -> dict[str, str]:
    """Fast intervals, one shard per satellite (so that a cycle has 6 shards), a day ahead."""
    seconds = {"catalog": 1, "screening": 2, "space_weather": 5, "staleness": 5, "delivery": 1}
    settings = {"replan": "false", "screener": "orbital", "shard_size": "1",
                "screening_span_h": "24", "leader_poll_s": "0.5", "webhook__url": webhook_url,
                "webhook__retries": "0", "webhook__redeliver_after_s": "1",
                **{f"intervals__{job}_s": str(s) for job, s in seconds.items()}}  # fmt: skip
    return {**os.environ, **{f"COSMO_DAEMON_{k.upper()}": v for k, v in settings.items()}}


def prepare_fleet(tmp: Path, catalog: str) -> None:
    """The six-satellite mission of test_daemon_process, its catalog and the gated CLI."""
    (tmp / "fleet.3le").write_text(catalog)
    (tmp / "mission.yaml").write_text(MISSION.format(sw=json.dumps(str(SW_SNAPSHOT))))
    (tmp / "gated_cli.py").write_text(GATED_CLI)


def query(database: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database) as conn:
        return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]


def kill_mid_cycle(leader: _Proc, database: str) -> tuple[int, datetime]:
    """Hold the leader at shard 1 of a screening cycle, SIGKILL it; the held run's id and
    when it was killed."""
    leader.hold.write_text("")
    _wait("a screening cycle held at its second shard", leader.hold.with_suffix(".reached").exists)
    [(held, status)] = query(database, "SELECT id, status FROM job_runs WHERE job = 'screening'"
                                       " ORDER BY id DESC LIMIT 1")  # fmt: skip
    assert status == "running"
    killed_at = datetime.now(UTC)
    leader.proc.send_signal(signal.SIGKILL)
    leader.proc.wait(timeout=30)
    return held, killed_at


def first_cycle_after(database: str, held: int) -> tuple[str, datetime] | None:
    """The status and wall end of the first screening run after the held one, once ended."""
    rows = query(database, "SELECT status, wall_started_at, duration_s FROM job_runs WHERE job"
                           f" = 'screening' AND id > {held} AND status != 'running'"
                           " ORDER BY id LIMIT 1")  # fmt: skip
    if not rows:
        return None
    status, started, duration = rows[0]
    return status, started.replace(tzinfo=UTC) + timedelta(seconds=duration)


@pytest.mark.slow
def test_standby_takes_over_when_the_leader_is_killed_mid_cycle(
    tmp_path: Path, database: str, catalog_text: str, request: pytest.FixtureRequest
) -> None:
    hooked: tuple[str, type[_Hook]] = request.getfixturevalue("_webhook")
    url, hook = hooked
    hook.down = False
    prepare_fleet(tmp_path, catalog_text)
    env = failover_env(url)
    leader = _Proc(tmp_path, "a", env, database)
    _wait("the leader ready", lambda: leader.get("/readyz") == 200)
    standby = _Proc(tmp_path, "b", env, database)
    code, body = _get(standby.port, "/readyz")
    assert (code, body["status"]) == (503, "standby"), body
    assert _get(standby.port, "/healthz")[1]["role"] == "standby"
    alerts = tmp_path / "alerts.jsonl"
    conj = _wait("the conjunction alert", lambda: [a["delivery_key"] for a in _lines(alerts)
                                                   if a["kind"] == "conjunction"])  # fmt: skip
    held, killed_at = kill_mid_cycle(leader, database)
    before = query(database, "SELECT (SELECT count(*) FROM pc_history), (SELECT count(*) FROM"
                             " alerts), (SELECT count(*) FROM events)")  # fmt: skip
    took_over = _wait("the standby taking over", lambda: first_cycle_after(database, held),
                      timeout_s=60)  # fmt: skip
    failover_s = (took_over[1] - killed_at).total_seconds()
    print(f"failover: leader SIGKILLed -> standby's first screening cycle ended in"
          f" {failover_s:.2f} s")
    assert took_over[0] == "ok"
    assert any(x.get("role") == "leader" for x in standby.logs())
    assert any(x.get("resumed") for x in standby.logs()), "the killed cycle was not resumed"
    assert query(database, f"SELECT status FROM job_runs WHERE id = {held}") == [("interrupted",)]
    assert failover_s < 30.0
    _wait("/readyz on the new leader", lambda: standby.get("/readyz") == 200)
    # the old leader, restarted, stands by
    leader.hold.unlink()
    again = _Proc(tmp_path, "a", env, database)
    assert _get(again.port, "/readyz")[1]["status"] == "standby"
    # the new leader's lock connection is cut (a database restart, a network cut): it stands
    # down without exiting, and one of the two leads and screens again
    [(last,)] = query(database, "SELECT max(id) FROM job_runs WHERE job = 'screening'")
    query(database, "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype ="
                    " 'advisory' AND granted AND objsubid = 2")  # fmt: skip
    _wait("the leader standing down", lambda: any(
        "standing down" in str(x.get("message")) for x in standby.logs()))
    _wait("a cycle under a leader again", lambda: first_cycle_after(database, last))
    roles = sorted(_get(p.port, "/readyz")[1]["role"] for p in (standby, again))
    assert roles == ["leader", "standby"] and standby.proc.poll() is None
    _wait("every delivery", lambda: query(
        database, "SELECT count(*) FROM deliveries WHERE status != 'delivered'") == [(0,)])
    for proc in (again, standby):  # SIGTERM stops a leader and a standby alike
        proc.proc.send_signal(signal.SIGTERM)
        assert proc.proc.wait(timeout=60) == 0
    after = query(database, "SELECT (SELECT count(*) FROM pc_history), (SELECT count(*) FROM"
                            " alerts), (SELECT count(*) FROM events)")  # fmt: skip
    assert after[0][0] > before[0][0]  # the new leader screened again
    in_db = {f"{k}|{level}" for k, level in query(database, "SELECT dedup_key, level FROM alerts")}
    jsonl_keys = [a["delivery_key"] for a in _lines(alerts)]
    assert len(jsonl_keys) == len(set(jsonl_keys)), "an alert was written twice"
    assert set(jsonl_keys) == in_db, "the JSONL file and the database disagree"
    assert sorted(hook.received) == sorted(in_db), "the webhook missed or repeated alerts"
    assert jsonl_keys.count(conj[0]) == 1
    [(event, sightings, level)] = query(database, "SELECT id, sightings, level FROM events"
                                                  " WHERE secondary_id = 99001 AND miss_km < 1")
    [(history,)] = query(database, f"SELECT count(*) FROM pc_history WHERE event_id = {event}")
    assert level == "alert" and history == sightings >= 2

