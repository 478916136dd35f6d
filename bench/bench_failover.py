"""Failover of the daemon on PostgreSQL: a leader SIGKILLed in the middle of a screening cycle,
the standby taking over and completing the cycle again.

Run: ``.venv/bin/python bench/bench_failover.py [--rounds 2]``

Each round starts a throwaway PostgreSQL server (Debian's ``postgresql``; see
``tests/postgres_server.py``), two ``cosmo-agent daemon --database postgresql://...`` processes
on it (the six-satellite fleet of ``tests/test_daemon_process.py``, a 24 h screen in six
shards, the standby trying for the lock every 0.5 s), holds the leader at shard 1 of a cycle
and SIGKILLs it.  Printed per round, in wall seconds from the kill:

- ``lock``: the standby holds the advisory lock (it logs ``leading``);
- ``cycle``: its first screening cycle ended (the resumed one);

and the baselines measured in the same round: the leader's cold start (process spawned to its
first screening cycle ended) and its median screening cycle.  ``failover / cold start`` is the
ratio to read: a standby should be back faster than a restart from nothing, and
``cycle - lock`` should be about one cycle.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

from postgres_server import PostgresServer  # noqa: E402  (tests/postgres_server.py)
from test_daemon_postgres import (  # noqa: E402
    _Proc,
    failover_env,
    first_cycle_after,
    kill_mid_cycle,
    prepare_fleet,
    query,
)
from test_daemon_process import _Hook, _wait, debris_lines  # noqa: E402

from cosmo_agent.orbital.catalog import Catalog  # noqa: E402


def _round(tmp: Path, pg: PostgresServer, n: int, webhook: str) -> dict[str, float]:
    database = pg.database(f"bench{n}")
    env = failover_env(webhook)
    spawned = datetime.now(UTC)
    leader = _Proc(tmp, f"a{n}", env, database)
    standby = _Proc(tmp, f"b{n}", env, database)
    try:
        first = _wait("the leader's first cycle", lambda: first_cycle_after(database, 0), 120)
        _wait("three cycles", lambda: len(query(
            database, "SELECT id FROM job_runs WHERE job = 'screening' AND status = 'ok'")) >= 3,
            120)  # fmt: skip
        cycles = [d for (d,) in query(database, "SELECT duration_s FROM job_runs WHERE job ="
                                                " 'screening' AND status = 'ok'")]  # fmt: skip
        held, killed_at = kill_mid_cycle(leader, database)
        took = _wait("the standby's cycle", lambda: first_cycle_after(database, held), 120)
        lead = next(datetime.fromisoformat(x["at_utc"]) for x in standby.logs()
                    if x.get("role") == "leader")  # fmt: skip
        return {
            "lock_s": (lead - killed_at).total_seconds(),
            "cycle_s": (took[1] - killed_at).total_seconds(),
            "cold_start_s": (first[1] - spawned).total_seconds(),
            "median_cycle_s": statistics.median(cycles),
        }
    finally:
        for proc in (leader, standby):
            if proc.proc.poll() is None:
                proc.proc.kill()
                proc.proc.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    sample_path = Path(str(TESTS.parent / "tools" / "data" / "sample-leo.3le"))
    catalog = sample_path.read_text() + debris_lines(Catalog.from_file(sample_path))
    handler = type("Hook", (_Hook,), {"down": False, "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/alerts"
    rows = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp_name, PostgresServer() as pg:
        tmp = Path(tmp_name)
        prepare_fleet(tmp, catalog)
        for n in range(args.rounds):
            r = _round(tmp, pg, n, url)
            rows.append(r)
            print(f"round {n}: lock {r['lock_s']:.2f} s, cycle {r['cycle_s']:.2f} s after the"
                  f" kill; cold start {r['cold_start_s']:.2f} s, median cycle"
                  f" {r['median_cycle_s']:.2f} s; failover / cold start"
                  f" {r['cycle_s'] / r['cold_start_s']:.2f}", flush=True)
    server.shutdown()
    mean = {k: statistics.mean(r[k] for r in rows) for k in rows[0]}
    print(f"mean of {len(rows)}: standby holds the lock {mean['lock_s']:.2f} s and ends its first"
          f" cycle {mean['cycle_s']:.2f} s after the leader's SIGKILL; cold start"
          f" {mean['cold_start_s']:.2f} s (ratio {mean['cycle_s'] / mean['cold_start_s']:.2f});"
          f" one cycle {mean['median_cycle_s']:.2f} s; wall {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
