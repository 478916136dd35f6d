"""The daemon as a real process: ``python -m cosmo_agent.agent.cli daemon`` on loopback with a
temporary mission and catalog, fast intervals and injected faults (a missing catalog file,
a corrupt one, a webhook answering 500, SIGTERM in the middle of a screening cycle, a
restart).  Nothing may be lost and no alert may be delivered twice: the JSONL sink and the
webhook are checked against the state database.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sgp4.api import jday
from sgp4.exporter import export_tle

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.maneuver import fit_satrec

SAMPLE = Path(str(files("cosmo_agent.tools") / "data" / "sample-leo.3le"))
SW_SNAPSHOT = Path(str(files("cosmo_agent.tools") / "data" / "swpc-2026-06-10"))
K3, DEBRIS = 38338, 99001
TCA = datetime(2026, 6, 10, 18, tzinfo=UTC)

MISSION = """
name: daemon-process-test
fleet:
  - {{norad_id: 38338, name: KOMPSAT 3, class: eo-imager, hard_body_radius_m: 5}}
  - {{norad_id: 39227, name: KOMPSAT 5, class: sar}}
  - {{norad_id: 25544, name: ISS (ZARYA), class: weather}}
  - {{norad_id: 40697, name: SENTINEL 2A, class: eo-imager}}
  - {{norad_id: 62261, name: SENTINEL 1C, class: sar}}
  - {{norad_id: 66300, name: ICEYE-X65, class: sar}}
sources: {{catalog: [fleet.3le], space_weather: {sw}}}
policies: {{max_pc: 1.0e-4, min_miss_km: 0.05, screening_threshold_km: 5.0}}
"""


def _checksum(line: str) -> str:
    return str(sum(int(c) if c.isdigit() else c == "-" for c in line[:68]) % 10)


def debris_lines(sample: Catalog) -> str:
    """3LE of a made-up object crossing KOMPSAT 3 150 m below it at 18:00 UTC."""
    k3: Any = sample.satrecs[int(sample.index_of([K3])[0])]
    _, r, v = k3.sgp4(*jday(2026, 6, 10, 18, 0, 0))
    r, v = np.array(r), np.array(v)
    r_hat = r / np.linalg.norm(r)
    a = math.radians(60.0)
    v2 = (v * math.cos(a) + np.cross(r_hat, v) * math.sin(a)
          + r_hat * (r_hat @ v) * (1 - math.cos(a)))  # fmt: skip
    fit = fit_satrec(r - 0.150 * r_hat, v2, TCA, k3)
    out = ["TEST DEBRIS"]
    for line in export_tle(fit.satrec):
        body = line[:2] + f"{DEBRIS:05d}" + line[7:68]
        out.append(body + _checksum(body))
    return "\n".join(out) + "\n"


class _Hook(BaseHTTPRequestHandler):
    down = True
    received: list[str] = []  # noqa: RUF012 - one server per test, reset in the fixture

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        code = 500 if type(self).down else 200
        if code == 200:
            type(self).received.append(self.headers["Idempotency-Key"])
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def webhook() -> Iterator[tuple[str, type[_Hook]]]:
    handler = type("Hook", (_Hook,), {"down": True, "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/alerts", handler
    server.shutdown()
    server.server_close()


def _wait(what: str, test: Callable[[], Any], timeout_s: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = test()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a log line still being written
    return out


# The daemon's command line with one fault injected: while the file named by COSMO_TEST_HOLD
# exists, screening shard 1 waits (after writing HOLD.reached), so that the test signals the
# daemon in the middle of a cycle, not near one (a whole cycle here takes well under a second).
GATED_CLI = """
import os
import sys
import time
from pathlib import Path

from cosmo_agent.agent.cli import main
from cosmo_agent.agent.daemon import scaleout

hold = Path(os.environ["COSMO_TEST_HOLD"])
screen = scaleout.screen_shard


def held(shard):
    if shard.index == 1 and hold.exists():
        hold.with_suffix(".reached").write_text(str(shard.index))
        while hold.exists():
            time.sleep(0.02)
    return screen(shard)


scaleout.screen_shard = held  # the InlineRunner the daemon makes takes this one
sys.exit(main(sys.argv[1:]))
"""


class _Daemon:
    def __init__(self, tmp: Path, name: str, env: dict[str, str], *, gated: bool = False
                 ) -> None:  # fmt: skip
        self.err = tmp / f"{name}.err"
        self.out = tmp / f"{name}.out"
        entry = ["-m", "cosmo_agent.agent.cli"]
        if gated:
            (tmp / "gated_cli.py").write_text(GATED_CLI)
            entry = [str(tmp / "gated_cli.py")]
        cmd = [sys.executable, *entry, "daemon",
               "--mission", str(tmp / "mission.yaml"), "--state-dir", str(tmp / "state"),
               "--clock", "sim:2026-06-10T12:00:00Z", "--http", "127.0.0.1:0",
               "--scaleout", "inline", "--log-level", "debug"]  # fmt: skip
        with self.out.open("w") as out, self.err.open("w") as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=tmp)
        self.port = _wait("the HTTP port", self._port)

    def logs(self) -> list[dict[str, Any]]:
        return _lines(self.err)

    def _port(self) -> int | None:
        if self.proc.poll() is not None:
            raise AssertionError(f"daemon exited {self.proc.returncode}: {self.err.read_text()}")
        return next((x["http_port"] for x in self.logs() if "http_port" in x), None)

    def get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return int(e.code)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


def _db(tmp: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(tmp / "state" / "state.sqlite", timeout=30) as conn:
        return list(conn.execute(sql))


@pytest.mark.slow
def test_daemon_process_faults_sigterm_restart(
    tmp_path: Path, webhook: tuple[str, type[_Hook]]
) -> None:
    url, hook = webhook
    sample = Catalog.from_file(SAMPLE)
    good = SAMPLE.read_text() + debris_lines(sample)
    catalog = tmp_path / "fleet.3le"
    catalog.write_text(good)
    (tmp_path / "mission.yaml").write_text(MISSION.format(sw=json.dumps(str(SW_SNAPSHOT))))
    env = {
        **os.environ,
        "COSMO_DAEMON_INTERVALS__CATALOG_S": "1",
        "COSMO_DAEMON_INTERVALS__SCREENING_S": "2",
        "COSMO_DAEMON_INTERVALS__SPACE_WEATHER_S": "5",
        "COSMO_DAEMON_INTERVALS__STALENESS_S": "5",
        "COSMO_DAEMON_INTERVALS__DELIVERY_S": "1",
        "COSMO_DAEMON_REPLAN": "false",
        "COSMO_DAEMON_SCREENER": "orbital",
        "COSMO_DAEMON_SHARD_SIZE": "1",
        "COSMO_DAEMON_SCREENING_SPAN_H": "168",
        "COSMO_DAEMON_WEBHOOK__URL": url,
        "COSMO_DAEMON_WEBHOOK__RETRIES": "0",
        "COSMO_DAEMON_WEBHOOK__TIMEOUT_S": "5",
        "COSMO_DAEMON_WEBHOOK__REDELIVER_AFTER_S": "1",
    }
    alerts = tmp_path / "state" / "alerts.jsonl"

    def keys() -> list[str]:
        return [a["delivery_key"] for a in _lines(alerts)]

    hold = tmp_path / "hold"
    first = _Daemon(tmp_path, "first", {**env, "COSMO_TEST_HOLD": str(hold)}, gated=True)
    _wait("/readyz", lambda: first.get("/readyz") == 200)
    assert first.get("/healthz") == 200
    conj = _wait("the conjunction alert", lambda: [k for k in keys()
                                                    if k.startswith("conjunction:")])  # fmt: skip
    # a missing catalog file, then a corrupt one: one alert; the daemon keeps screening
    catalog.rename(tmp_path / "away.3le")
    _wait("the refresh alert", lambda: "catalog-refresh#1|warning" in keys())
    catalog.write_text("0 JUNK\n1 this is not\n2 a TLE at all\n")
    mark = len(first.logs())
    _wait("a refresh of the corrupt file",
          lambda: any(x.get("job") == "catalog" and x.get("status") == "degraded"
                      for x in first.logs()[mark:]))  # fmt: skip
    _wait("a screening on the last good catalog",
          lambda: any(x.get("job") == "screening" and x.get("status") == "ok"
                      for x in first.logs()[mark:]))  # fmt: skip
    catalog.write_text(good)
    _wait("the recovery", lambda: "catalog-refresh#1|resolved" in keys())
    assert (tmp_path / "state" / "dead-letter.jsonl").exists()  # the webhook answers 500
    # SIGTERM in the middle of a screening cycle (6 shards of a 168 h screen): shard 1 is
    # held until the daemon has seen the signal, so the cycle cannot finish first
    hold.write_text("")
    _wait("a screening cycle held at its second shard", hold.with_suffix(".reached").exists)
    [(held_run, held_status)] = _db(tmp_path, "select id, status from job_runs where job ="
                                              " 'screening' order by id desc limit 1")
    assert held_status == "running"
    before = _db(tmp_path, "select (select count(*) from pc_history), (select count(*) from"
                           " alerts), (select count(*) from events)")  # fmt: skip
    first.proc.send_signal(signal.SIGTERM)
    _wait("the stop", lambda: any(str(x.get("message", "")).startswith("stopping:")
                                  for x in first.logs()))  # fmt: skip
    hold.unlink()
    assert first.proc.wait(timeout=60) == 0
    assert _db(tmp_path, "select count(*) from job_runs where status = 'running'") == [(0,)]
    [(last_run, last_status, detail)] = _db(tmp_path, "select id, status, detail from job_runs"
                                            " where job = 'screening' order by id desc limit 1")
    assert (last_run, last_status) == (held_run, "interrupted"), detail
    assert detail.startswith("stopped after 2/6 shards; nothing committed")
    assert _db(tmp_path, "select (select count(*) from pc_history), (select count(*) from"
               " alerts), (select count(*) from events)") == before  # fmt: skip
    # restart with the webhook back: everything dead-lettered is delivered, nothing twice
    hook.down = False
    second = _Daemon(tmp_path, "second", env)
    _wait("/readyz after the restart", lambda: second.get("/readyz") == 200)
    assert any(x.get("resumed") for x in second.logs()), "the interrupted cycle was not resumed"
    _wait("the resumed cycle", lambda: _db(
        tmp_path, f"select status from job_runs where job = 'screening' and id > {held_run}"
        " order by id limit 1") == [("ok",)])  # fmt: skip
    _wait("every webhook delivery", lambda: _db(
        tmp_path, "select count(*) from deliveries where status != 'delivered'") == [(0,)])
    [(ok_after,)] = _db(tmp_path, "select count(*) from job_runs where job = 'screening'"
                                  " and status = 'ok'")  # fmt: skip
    assert second.stop() == 0
    in_db = {f"{k}|{level}" for k, level in _db(tmp_path, "select dedup_key, level from alerts")}
    jsonl_keys = keys()
    assert len(jsonl_keys) == len(set(jsonl_keys)), "an alert was written twice"
    assert set(jsonl_keys) == in_db, "the JSONL file and the database disagree"
    assert sorted(hook.received) == sorted(in_db), "the webhook missed or repeated alerts"
    assert conj[0] in jsonl_keys and jsonl_keys.count(conj[0]) == 1
    assert len(_lines(tmp_path / "state" / "dead-letter.jsonl")) >= 1
    # one tracked event for the debris crossing at 18:00 across both processes
    events = _db(tmp_path, f"select id, sightings, level from events where secondary_id ="
                           f" {DEBRIS} and miss_km < 1.0")  # fmt: skip
    assert len(events) == 1 and events[0][2] == "alert"
    [(history,)] = _db(tmp_path, f"select count(*) from pc_history where event_id ="
                                 f" {events[0][0]}")  # fmt: skip
    assert history == events[0][1] >= 3 and ok_after >= 3
    stdout_keys = [json.loads(x)["delivery_key"] for x in
                   (tmp_path / "first.out").read_text().splitlines()]  # fmt: skip
    assert len(stdout_keys) == len(set(stdout_keys)) >= 1
