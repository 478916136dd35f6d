"""Soak benchmark of the fleet-monitoring daemon at accelerated time.

Run: ``.venv/bin/python bench/bench_daemon_soak.py [--hours 48] [--cadence-min 30]
[--span-h 6] [--fleet 50] [--scaleout process] [--screener auto]``

A 50-satellite fleet (non-Starlink LEO objects drawn with a fixed seed) is screened against
the real 16k catalog every simulated 30 minutes for 48 simulated hours (96 cycles), each
cycle looking ``--span-h`` (6 h) ahead.  The clock is injected (``ManualClock``) and the jobs
run back to back, so the soak takes the wall time of its 96 cycles, not 48 hours.  Each
cycle runs what the scheduler would: catalog refresh (unchanged file: digest only), space
weather, staleness, screening (2 shards of 25 on a 2-process pool), re-plan bookkeeping
(the agent itself is off: its cost is bench_plan's subject), alert delivery, and maintenance
every 12 cycles.

Prints per-cycle wall time against the screening budget, the RSS of the daemon process
(and of its workers) at start, after cycle 1, after the warm-up (cycle 8) and at the end
with the growth, peak RSS (ru_maxrss), and the ratio
of the mean cycle to a bare screening of the same shards measured in the same run (the
daemon's overhead).  Needs ``../shared/data/catalog-leo-2026-06-10.3le``; exits cleanly
(status 0) without it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

CATALOG = Path(__file__).resolve().parents[2] / "shared" / "data" / "catalog-leo-2026-06-10.3le"
SW_SNAPSHOT = Path(__file__).resolve().parents[1] / "tools" / "data" / "swpc-2026-06-10"
T0 = datetime(2026, 6, 10, tzinfo=UTC)
WARM_CYCLES = 8  # the workers' memory settles within the first few cycles


def _rss_mb(pid: int | None = None) -> tuple[float, float]:
    """RSS of the process and of its children (MB)."""
    import psutil

    proc = psutil.Process(pid or os.getpid())
    own = proc.memory_info().rss / 2**20
    kids = sum(c.memory_info().rss for c in proc.children(recursive=True)) / 2**20
    return own, kids


def _fleet_yaml(n: int) -> str:
    from cosmo_agent.orbital.catalog import Catalog

    cat = Catalog.from_file(CATALOG)
    names = cat.names.astype(str)
    ok = (~np.char.startswith(names, "STARLINK") & (cat.perigee_km > 350.0)
          & (cat.apogee_km < 1200.0) & (np.abs(cat.age_days(T0)) < 5.0))  # fmt: skip
    rows = np.random.default_rng(2026).choice(np.flatnonzero(ok), n, replace=False)
    lines = [
        f"  - {{norad_id: {int(cat.ids[i])}, name: 'SOAK-{k:02d} {names[i][:40]}',"
        f" class: eo-imager, hard_body_radius_m: 5}}"
        for k, i in enumerate(sorted(rows))
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=48.0)
    ap.add_argument("--cadence-min", type=float, default=30.0)
    ap.add_argument("--span-h", type=float, default=6.0)
    ap.add_argument("--fleet", type=int, default=50)
    ap.add_argument("--scaleout", default="process", choices=["inline", "process"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--screener", default="auto", choices=["auto", "orbital"])
    ap.add_argument("--budget-s", type=float, default=60.0, help="screening cycle budget")
    args = ap.parse_args()
    if not CATALOG.exists():
        print(f"skipped: {CATALOG} is absent (the real 16k catalog is needed)")
        return 0

    from cosmo_agent.agent.daemon import DaemonSettings, ManualClock
    from cosmo_agent.agent.daemon.runtime import Daemon
    from cosmo_agent.agent.daemon.scaleout import InlineRunner, plan_shards
    from cosmo_agent.agent.daemon.screening import Shard

    tmp = Path(tempfile.mkdtemp(prefix="cosmo-soak-"))
    (tmp / "mission.yaml").write_text(
        "name: soak\nfleet:\n" + _fleet_yaml(args.fleet) + "\n"
        f"sources: {{catalog: ['{CATALOG}'], space_weather: '{SW_SNAPSHOT}'}}\n"
        "policies: {max_pc: 1.0e-4, screening_threshold_km: 5.0}\n"
    )
    settings = DaemonSettings(
        mission=tmp / "mission.yaml", state_dir=tmp / "state", scaleout=args.scaleout,
        workers=args.workers, screener=args.screener, screening_span_h=args.span_h,
        stdout_alerts=False, replan=False, budgets={"screening_s": args.budget_s},
    )  # fmt: skip
    clock = ManualClock(T0)
    rss0 = _rss_mb()
    cycles = round(args.hours * 60.0 / args.cadence_min)
    print(f"soak: {args.fleet} satellites x {CATALOG.name}, {cycles} cycles every"
          f" {args.cadence_min:g} simulated min ({args.hours:g} h), screening {args.span_h:g} h"
          f" ahead, {args.scaleout} x{args.workers}, screener {args.screener};"
          f" state {tmp}")  # fmt: skip
    walls: list[float] = []
    screens: list[float] = []
    rss_after_first = rss_warm = (0.0, 0.0)
    with Daemon(settings, clock=clock) as d:
        t_start = time.perf_counter()
        for k in range(cycles):
            t0 = time.perf_counter()
            for job in ("catalog", "space_weather", "staleness"):
                d.run_job(job)
            ts = time.perf_counter()
            report = d.run_job("screening")
            screens.append(time.perf_counter() - ts)
            for job in ("replan", "delivery"):
                d.run_job(job)
            if k % 12 == 11:
                d.run_job("maintenance")
            walls.append(time.perf_counter() - t0)
            if k == 0:
                rss_after_first = _rss_mb()
            if k == min(WARM_CYCLES, cycles) - 1:
                rss_warm = _rss_mb()
            if k == 0 or k % 8 == 7 or k == cycles - 1:
                own, kids = _rss_mb()
                flag = "" if screens[-1] <= args.budget_s else "  OVER BUDGET"
                print(f"  cycle {k + 1:3d} {clock.now():%Y-%m-%dT%H:%MZ}: cycle {walls[-1]:6.2f} s,"
                      f" screening {screens[-1]:6.2f} s / budget {args.budget_s:g} s{flag};"
                      f" rss {own:6.1f} MB + workers {kids:6.1f} MB; {report.detail}",
                      flush=True)  # fmt: skip
            if report.status not in ("ok",):
                print(f"  cycle {k + 1}: screening {report.status}: {report.detail}")
            clock.advance(timedelta(minutes=args.cadence_min))
        total = time.perf_counter() - t_start
        with d.store.session() as s:
            by_level = d.store.events_by_level(s)
            from sqlalchemy import func, select

            from cosmo_agent.agent.daemon.store import AlertRow, EventRow, JobRunRow

            n_events = s.scalar(select(func.count()).select_from(EventRow))
            n_alerts = s.scalar(select(func.count()).select_from(AlertRow))
            failures = s.scalar(select(func.count()).where(JobRunRow.status == "failed"))
        rss_end = _rss_mb()
        # baseline: the same shards screened bare (no daemon bookkeeping), in this process
        snap = d.snapshot
        assert snap is not None
        fleet = tuple(s.norad_id for s in d.mission.fleet)
        now = clock.now()
        shards = [
            Shard(index=i, primaries=ids, primary_hbr_m=(5.0,) * len(ids), fleet=fleet,
                  start=now, stop=now + timedelta(hours=args.span_h), threshold_km=5.0,
                  step_s=60.0, catalog_files=snap.files, catalog_digest=snap.digest,
                  screener=args.screener)
            for i, ids in enumerate(plan_shards(list(fleet), settings.shard_size))
        ]
        import threading

        tb = time.perf_counter()
        bare = list(d.runner.run(shards, threading.Event()))
        baseline = time.perf_counter() - tb
        tb = time.perf_counter()
        list(InlineRunner().run(shards, threading.Event()))
        baseline_inline = time.perf_counter() - tb
        errors = [b for b in bare if isinstance(b, BaseException)]
        if errors:
            raise errors[0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    over = sum(1 for w in screens if w > args.budget_s)
    growth_own = 100.0 * (rss_end[0] - rss_after_first[0]) / rss_after_first[0]
    growth_all = 100.0 * (sum(rss_end) - sum(rss_after_first)) / sum(rss_after_first)
    print(f"cycles: {cycles} in {total:.1f} s wall; cycle wall mean {statistics.mean(walls):.2f} s,"
          f" median {statistics.median(walls):.2f} s, max {max(walls):.2f} s")  # fmt: skip
    print(f"screening: mean {statistics.mean(screens):.2f} s, max {max(screens):.2f} s, budget"
          f" {args.budget_s:g} s: {'all within budget' if not over else f'{over} over budget'}"
          f" (simulated cadence {args.cadence_min * 60:g} s)")  # fmt: skip
    print(f"baseline (same shards, bare screen_shard, same run): {args.scaleout} {baseline:.2f} s,"
          f" inline {baseline_inline:.2f} s; mean cycle / bare {args.scaleout} screening ="
          f" {statistics.mean(walls) / baseline:.2f}x")  # fmt: skip
    print(f"rss daemon: before {rss0[0]:.1f} MB, after cycle 1 {rss_after_first[0]:.1f} MB, end"
          f" {rss_end[0]:.1f} MB: growth {growth_own:+.1f} % (target < 10 %)")  # fmt: skip
    print(f"rss with workers: after cycle 1 {sum(rss_after_first):.1f} MB, end"
          f" {sum(rss_end):.1f} MB: growth {growth_all:+.1f} %; peak ru_maxrss (daemon)"
          f" {peak:.1f} MB")  # fmt: skip
    warm = min(WARM_CYCLES, cycles)
    print(f"rss after warm-up (cycle {warm}, workers' arenas filled) to end: daemon"
          f" {100.0 * (rss_end[0] - rss_warm[0]) / rss_warm[0]:+.1f} %, with workers"
          f" {100.0 * (sum(rss_end) - sum(rss_warm)) / sum(rss_warm):+.1f} %")  # fmt: skip
    db_mb = sum(f.stat().st_size for f in (tmp / "state").glob("*.sqlite*")) / 2**20
    print(f"state: events {n_events} (open by level {by_level}), alerts {n_alerts}, failed job"
          f" runs {failures}; database {db_mb:.1f} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
