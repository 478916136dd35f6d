"""Screening on a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes on
loopback (started here, stopped after), as an operator starts them.

The cluster screen (``agent.cluster``) must give the local screen's events over the 600-object
real subset (and the independent brute-force reference's), in fleet and all-vs-all mode; the
daemon's shards (``DaskRunner``) the in-line runner's, the fleet's OEMs travelling with them; a
worker SIGKILLed mid-screen must cost no window and no shard; a scheduler that is not there is
named, quickly.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import distributed
import pytest
from test_oem import AQUA, REPO, assert_tool_event, daemon_cycle, moved_aqua

from cosmo_agent.agent import cluster as cluster_screen
from cosmo_agent.agent.cluster import (
    ClusterUnavailable,
    connect_scheduler,
    merge_windows,
    plan_windows,
    screen_on_cluster,
)
from cosmo_agent.agent.daemon import screening as daemon_screening
from cosmo_agent.agent.daemon.scaleout import DaskRunner, InlineRunner, plan_shards
from cosmo_agent.agent.daemon.screening import Shard, ShardResult
from cosmo_agent.orbital import Catalog
from cosmo_agent.orbital.screening import Conjunctions, screen
from cosmo_agent.tools.mission import load_mission

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data" / "screening"
SUBSET = DATA / "subset.3le"
START = datetime(2026, 6, 10, tzinfo=UTC)
TCA_TOL_S = 2e-6  # the screener stops within 1 µs; TCAs are reported rounded to the µs
MISS_TOL_KM = 1e-6


class LoopbackCluster:
    """A scheduler and worker processes started with the ``dask`` command-line entry points."""

    def __init__(self, tmp: Path, workers: int) -> None:
        self.tmp = tmp
        self.file = tmp / "scheduler.json"
        self.scheduler = self._spawn(
            "dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
            "--scheduler-file", str(self.file),
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not self.file.exists() or not self.file.read_text().strip():
            assert self.scheduler.poll() is None, "the dask scheduler exited"
            assert time.monotonic() < deadline, "no scheduler file after 60 s"
            time.sleep(0.1)
        self.address: str = json.loads(self.file.read_text())["address"]
        self.workers = [self._spawn(
            "dask_worker", "--scheduler-file", str(self.file), "--nthreads", "1", "--no-nanny",
            "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}",
            "--local-directory", str(tmp / f"w{i}"),
        ) for i in range(workers)]  # fmt: skip
        self.client: Any = distributed.Client(self.address, set_as_default=False, timeout="30s")
        self.client.wait_for_workers(workers, timeout=120)

    def _spawn(self, cli: str, *args: str) -> subprocess.Popen[bytes]:
        """In a directory of its own: a path relative to the tests' directory means nothing
        there, as the daemon's files mean nothing on a worker of another machine."""
        log = (self.tmp / f"{cli}-{time.monotonic_ns()}.log").open("wb")
        return subprocess.Popen([sys.executable, "-m", f"distributed.cli.{cli}", *args],
                                stdout=log, stderr=subprocess.STDOUT, cwd=self.tmp)  # fmt: skip

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> the pid of its process (``--no-nanny``: the one we started)."""
        return dict(self.client.run(os.getpid))

    def close(self) -> None:
        self.client.close()
        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                p.terminate()
        for p in [*self.workers, self.scheduler]:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackCluster]:
    c = LoopbackCluster(tmp_path_factory.mktemp("dask"), workers=2)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def fresh_cluster(tmp_path: Path) -> Iterator[LoopbackCluster]:
    """A cluster of its own, for a test that kills one of its workers."""
    c = LoopbackCluster(tmp_path, workers=2)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def subset() -> Catalog:
    return Catalog.from_file(SUBSET)


def assert_same_screen(got: Conjunctions, want: Conjunctions) -> None:
    """Same events in the same order, same excluded objects; TCAs and misses alike to within
    the screener's convergence tolerance."""
    assert len(want) > 0
    assert got.primary_id.tolist() == want.primary_id.tolist()
    assert got.secondary_id.tolist() == want.secondary_id.tolist()
    assert got.excluded == want.excluded
    for g, w in zip(got.tca_datetimes(), want.tca_datetimes(), strict=True):
        assert abs((g - w).total_seconds()) <= TCA_TOL_S, (g, w)
    assert abs(got.miss_km - want.miss_km).max() <= MISS_TOL_KM
    assert abs(got.relative_speed_km_s - want.relative_speed_km_s).max() <= MISS_TOL_KM
    assert abs(got.miss_rtn_km - want.miss_rtn_km).max() <= 1e-3  # 1 m: in-track moves with TCA


# -- the CLI's screen --------------------------------------------------------------------------


def test_windows_are_whole_knot_intervals_covering_the_span() -> None:
    stop = START + timedelta(hours=24)
    windows = plan_windows(START, stop, 7200.0)
    assert windows[0][0] == START and windows[-1][1] == stop
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    assert {(b - a).total_seconds() for a, b in windows[:-1]} == {21 * 340.0}
    with pytest.raises(ValueError, match="after start"):
        plan_windows(stop, START)


def test_an_object_excluded_in_one_window_is_excluded_from_all(subset: Catalog) -> None:
    """As the local screen drops every event of an object whose SGP4 fails anywhere."""
    windows = plan_windows(START, START + timedelta(hours=4), 7200.0)
    parts = [screen(subset, a, b, 5.0, workers=1) for a, b in windows]
    victim = int(parts[0].primary_id[0])
    assert victim not in parts[0].excluded
    failing = dataclasses.replace(parts[1], excluded={victim: "mrt is less than 1.0"})
    merged = merge_windows([parts[0], failing], START, windows[-1][1], 5.0)
    assert merged.excluded == {victim: "mrt is less than 1.0"}
    assert victim not in merged.primary_id and victim not in merged.secondary_id
    kept = sum(victim not in (p, s) for part in parts
               for p, s in zip(part.primary_id, part.secondary_id, strict=True))  # fmt: skip
    assert len(merged) == kept < len(parts[0]) + len(parts[1])
    assert merged.tca.tolist() == sorted(merged.tca.tolist())


def test_all_vs_all_on_the_cluster_is_the_local_screen(
    cluster: LoopbackCluster, subset: Catalog
) -> None:
    stop = START + timedelta(hours=24)
    local = screen(subset, START, stop, 5.0, workers=1)
    # named relative to this directory: the workers cannot open it, its bytes travel
    remote = screen_on_cluster(cluster.address, os.path.relpath(SUBSET), START, stop, 5.0,
                               window_h=2.0)  # fmt: skip
    assert remote.stats["windows"] == 13 and remote.stats["workers"] == 2
    assert_same_screen(remote, local)
    # the independent brute-force reference (direct SGP4 every 10 s, brentq) agrees too
    reference = json.loads((DATA / "reference.json").read_text())
    want = sorted((tuple(e["ids"]), e["tca"][:19]) for e in reference["events"]
                  if e["miss_km"] <= 5.0)  # fmt: skip
    pairs = zip(remote.primary_id, remote.secondary_id, remote.tca_iso(), strict=True)
    got = sorted(((int(p), int(s)), t[:19]) for p, s, t in pairs)
    assert len(got) == len(want) == 385
    assert [g[0] for g in got] == [w[0] for w in want]
    # both worker processes did part of it: each parsed the catalog once
    held = cluster.client.run(lambda: list(cluster_screen._CATALOG))
    assert len(held) == 2 and all(len(d) == 1 for d in held.values())


def test_fleet_vs_catalog_on_the_cluster_is_the_local_screen(
    cluster: LoopbackCluster, subset: Catalog
) -> None:
    stop = START + timedelta(hours=12)
    fleet = [25544, 49387, 69032]
    local = screen(subset, START, stop, 5.0, primaries=subset.select(fleet), workers=1)
    counted: list[tuple[int, int]] = []
    remote = screen_on_cluster(cluster.client, SUBSET, START, stop, 5.0, satellites=fleet,
                               window_h=3.0,
                               progress=lambda d, t: counted.append((d, t)))  # fmt: skip
    assert_same_screen(remote, local)
    # the progress bar's counts: from none to every window finished, never backwards
    total = len(plan_windows(START, stop, 3 * 3600.0, fine_step_s=20.0, knot_step_s=340.0))
    assert counted[0][0] < total and counted[-1] == (total, total)
    assert all(t == total for _, t in counted)
    assert [d for d, _ in counted] == sorted({d for d, _ in counted})


def test_a_worker_killed_mid_screen_loses_no_window(
    fresh_cluster: LoopbackCluster, subset: Catalog
) -> None:
    c = fresh_cluster
    stop = START + timedelta(hours=24)
    local = screen(subset, START, stop, 5.0, workers=1)
    pids = c.worker_pids()
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = screen_on_cluster(c.client, SUBSET, START, stop, 5.0, window_h=1.0)
        except BaseException as exc:  # surfaced by the assertion below
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    victim, busy = None, []
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline:
        for address, keys in c.client.processing().items():
            busy = [k for k in keys if "_screen_window" in str(k)]
            if busy and address in pids:
                victim = address
                break
        else:
            time.sleep(0.005)
    assert victim is not None, "no window was ever running"
    os.kill(pids[victim], signal.SIGKILL)
    thread.join(timeout=300)
    assert not thread.is_alive()
    assert "error" not in out, out.get("error")
    assert_same_screen(out["result"], local)
    assert out["result"].stats["windows"] == 24
    assert victim not in c.client.nthreads() and len(c.client.nthreads()) == 1


def test_no_scheduler_is_named_quickly() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    t0 = time.monotonic()
    where = f"tcp://127.0.0.1:{port}"
    with pytest.raises(ClusterUnavailable, match=f"no Dask scheduler answers at {where}"):
        screen_on_cluster(where, SUBSET, START, START + timedelta(hours=1))
    assert time.monotonic() - t0 < 5
    with pytest.raises(ClusterUnavailable, match="'garbage' is not a scheduler address"):
        screen_on_cluster("garbage", SUBSET, START, START + timedelta(hours=1))


def test_a_listener_that_is_no_scheduler_is_named(cluster: LoopbackCluster) -> None:
    """A port that accepts and never answers (a Client would wait on it forever), and a
    worker's address given for the scheduler's."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        where = "tcp://{}:{}".format(*silent.getsockname())
        t0 = time.monotonic()
        with pytest.raises(ClusterUnavailable, match=f"at {where} [(]no answer in 1 s[)]"):
            connect_scheduler(where, timeout_s=1.0)
        assert time.monotonic() - t0 < 5
    worker = next(iter(cluster.client.nthreads()))
    with pytest.raises(ClusterUnavailable, match="is a Dask Worker, not a scheduler"):
        connect_scheduler(worker)


# -- the daemon's shards -----------------------------------------------------------------------


def _shards(subset: Catalog, hours: float) -> list[Shard]:
    """Shards whose snapshot file is named relative to this process's directory: the workers
    (in directories of their own) cannot open it, so it must travel with the shards."""
    fleet = tuple(int(i) for i in subset.ids[::25])  # 24 primaries
    stop = START + timedelta(hours=hours)
    files = (os.path.relpath(SUBSET),)
    return [
        Shard(i, ids, tuple(5.0 for _ in ids), fleet, START, stop, 5.0, 20.0, files, "subset")
        for i, ids in enumerate(plan_shards(list(fleet), 3))
    ]


def _rows(results: list[Any]) -> list[tuple[Any, ...]]:
    assert all(isinstance(r, ShardResult) for r in results), results
    return sorted((r.index, a.primary_id, a.secondary_id, a.tca, a.miss_km, a.pc)
                  for r in results for a in r.approaches)  # fmt: skip


def test_daemon_shards_on_worker_processes_survive_a_killed_worker(
    fresh_cluster: LoopbackCluster, subset: Catalog
) -> None:
    c = fresh_cluster
    shards = _shards(subset, 12.0)
    in_line = list(InlineRunner().run(shards, threading.Event()))
    pids = c.worker_pids()
    assert not any(c.client.run(os.path.exists, shards[0].catalog_files[0]).values())
    runner = DaskRunner(client=c.client)
    stop = threading.Event()
    results = []
    killed = None
    for out in runner.run(shards, stop):
        results.append(out)
        if killed is None:  # one shard is back: kill a worker with shards still on it
            for address, keys in c.client.processing().items():
                if keys and address in pids:
                    killed = address
                    os.kill(pids[address], signal.SIGKILL)
                    break
    assert killed is not None, "no worker had a shard left to lose"
    assert len(results) == len(shards) == 8
    assert sorted(r.index for r in results) == list(range(8))
    assert _rows(results) == _rows(in_line)
    assert killed not in c.client.nthreads() and len(c.client.nthreads()) == 1


def test_cli_screen_on_the_cluster(
    cluster: LoopbackCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    """``screen --dask ADDRESS`` prints the local screen's events; a scheduler that is not
    there exits 2 naming --dask, with no traceback."""
    from cosmo_agent.agent.cli import main

    base = ["screen", "--catalog", str(SUBSET), "--start", "2026-06-10T00:00Z",
            "--duration-h", "6", "--json"]  # fmt: skip
    assert main(base) == 0
    local = json.loads(capsys.readouterr().out)
    assert main([*base, "--dask", cluster.address]) == 0
    remote = json.loads(capsys.readouterr().out)

    def pairs(d: dict[str, Any]) -> list[tuple[object, object]]:
        return [(e["primary"], e["secondary"]) for e in d["events"]]

    assert pairs(remote) == pairs(local) and len(local["events"]) > 0
    assert {k: v for k, v in remote.items() if k != "events"} == {
        k: v for k, v in local.items() if k != "events"
    }
    assert main([*base, "--dask", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "--dask tcp://127.0.0.1:9: no Dask scheduler answers" in err and "Traceback" not in err


def test_daemon_shards_fly_the_fleets_oem_on_worker_processes(
    cluster: LoopbackCluster, tmp_path: Path
) -> None:
    """AQUA's OEM moved 1.5 km off its TLE (test_oem's fixture), named relative to this
    directory so that no worker can open it: a daemon cycle on the cluster reports the
    screen_conjunctions tool's TCA and miss (brute force's), as in-line shards do; the
    workers received the OEM's bytes and keep it parsed."""
    conjunction = load_mission(REPO / "missions" / "conjunction.yaml")
    mission, expected, tool = moved_aqua(conjunction, Path(os.path.relpath(tmp_path)))
    path = mission.resolve_path("aqua.oem")
    assert os.path.exists(path) and not any(cluster.client.run(os.path.exists, path).values())
    report, events, last = daemon_cycle(mission, tmp_path / "state",
                                        DaskRunner(client=cluster.client))  # fmt: skip
    assert report.status == "ok", report.detail
    assert "1/1 shards on dask" in report.detail and last["by_ephemeris"] == [AQUA]
    assert_tool_event(events, tool, expected)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    held = cluster.client.run(lambda: list(daemon_screening._EPHEMERIS))
    assert any(digest in kept for kept in held.values())
