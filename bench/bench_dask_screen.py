"""The all-vs-all screen on a Dask cluster of worker processes, beside the local screen.

Run: .venv/bin/python bench/bench_dask_screen.py [CATALOG] [--days 7] [--workers 2]
     [--window-h 6] [--scheduler tcp://HOST:8786]

Baseline, measured in the same run: ``orbital.screening.screen`` on this machine (its own
forked workers, as ``cosmo-agent screen`` runs it).  Then the same screen through
``agent.cluster.screen_on_cluster``: by default on a ``distributed.LocalCluster`` of
``--workers`` worker processes with one thread each (started before the clock starts, the way
a standing cluster is), or on the cluster at ``--scheduler``.  The cluster's time includes
shipping the catalog text and each worker parsing it.  Prints both wall times, the speedup
(local wall / cluster wall), and whether the results agree: same events and excluded objects,
the largest TCA and miss differences.

On one machine the cluster competes with the local screen for the same cores, so a speedup
near 1 is the expected figure there: the number shows the cost of the sharding.  Scale-out
gains come from workers on more machines (a scheduler address).

The LocalCluster's nannies start workers without Dask's default ``MALLOC_TRIM_THRESHOLD_=65536``
(``distributed.nanny.pre-spawn-environ``): setting it pins glibc's mmap threshold at 128 KiB,
so each of the screener's large temporary arrays is mapped and faulted in afresh; measured
here, a 2-hour window of the 16k catalog took 6.4x the page faults and 1.5x the CPU with it.
``--malloc-trim`` keeps Dask's default, to show the difference.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from cosmo_agent.agent.cluster import connect_scheduler, screen_on_cluster
from cosmo_agent.orbital import Catalog
from cosmo_agent.orbital.screening import Conjunctions, screen

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "catalog-leo-2026-06-10.3le"
START = datetime(2026, 6, 10, tzinfo=UTC)
THRESHOLD_KM = 5.0


def _cpu_s() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _worker_stats() -> tuple[float, float]:
    """CPU seconds and peak RSS (GiB) of this worker process."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime, me.ru_maxrss / 2**20


def _agreement(got: Conjunctions, want: Conjunctions) -> str:
    same = (got.primary_id.tolist() == want.primary_id.tolist()
            and got.secondary_id.tolist() == want.secondary_id.tolist())  # fmt: skip
    if not same:
        pairs = {(int(p), int(s)) for p, s in zip(got.primary_id, got.secondary_id, strict=True)}
        ref = {(int(p), int(s)) for p, s in zip(want.primary_id, want.secondary_id, strict=True)}
        return (f"DIFFERENT events: {len(got)} vs {len(want)}; pairs only on the cluster "
                f"{len(pairs - ref)}, only local {len(ref - pairs)}")  # fmt: skip
    dt_us = np.abs((got.tca - want.tca).astype(np.int64)).max(initial=0)
    dm_km = float(np.abs(got.miss_km - want.miss_km).max(initial=0.0))
    bits = int(((got.tca == want.tca) & (got.miss_km == want.miss_km)).sum())
    excluded = "same" if got.excluded == want.excluded else "DIFFERENT"
    return (f"same {len(got)} events in the same order ({bits} bit-identical), excluded objects "
            f"{excluded} ({len(got.excluded)}); largest TCA difference {dt_us} us, "
            f"largest miss difference {dm_km * 1e6:.3f} mm")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("catalog", nargs="?", default=str(DEFAULT))
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    parser.add_argument("--window-h", type=float, default=6.0)
    parser.add_argument("--scheduler", help="an existing cluster instead of a LocalCluster")
    parser.add_argument(
        "--malloc-trim", action="store_true", help="keep Dask's MALLOC_TRIM_THRESHOLD_ of 65536"
    )
    args = parser.parse_args()
    path = Path(args.catalog)
    if not path.exists():
        print(f"skipped: {path} not found (the shared real catalog is needed)")
        return
    import dask
    from distributed import Client, LocalCluster

    if not args.malloc_trim:
        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})

    catalog = Catalog.from_file(path)
    stop = START + timedelta(days=args.days)
    print(f"catalog {path.name}: {len(catalog)} objects all-vs-all, {args.days:g} days, "
          f"{THRESHOLD_KM:g} km; {os.cpu_count()} CPUs; load average "
          f"{os.getloadavg()[0]:.1f}; python {sys.version.split()[0]}")  # fmt: skip
    local_cluster: Any = None
    if args.scheduler:
        client: Any = connect_scheduler(args.scheduler)
    else:
        local_cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(local_cluster, set_as_default=False)  # type: ignore[no-untyped-call]
    try:
        workers = len(client.nthreads())
        trim = set(client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_").values())
        t0, c0 = time.perf_counter(), _cpu_s()
        local = screen(catalog, START, stop, THRESHOLD_KM)
        local_wall, local_cpu = time.perf_counter() - t0, _cpu_s() - c0
        print(f"[local] wall {local_wall:.1f} s, CPU {local_cpu:.1f} s in "
              f"{int(local.stats['workers'])} forked workers + parent; {len(local)} events")
        before = client.run(_worker_stats)
        t0 = time.perf_counter()
        remote = screen_on_cluster(client, path, START, stop, THRESHOLD_KM,
                                   window_h=args.window_h)  # fmt: skip
        remote_wall = time.perf_counter() - t0
        after = client.run(_worker_stats)
        cpu = sum(after[w][0] - before.get(w, (0.0, 0.0))[0] for w in after)
        rss = max(r for _, r in after.values())
        print(f"[dask] wall {remote_wall:.1f} s on {workers} worker processes "
              f"(MALLOC_TRIM_THRESHOLD_ {', '.join(sorted(map(str, trim)))}), "
              f"{int(remote.stats['windows'])} windows of {args.window_h:g} h; worker CPU "
              f"{cpu:.1f} s; largest worker peak RSS {rss:.2f} GiB; {len(remote)} events")
        print(f"[dask] speedup over the local screen: {local_wall / remote_wall:.2f}x "
              f"(local wall / cluster wall, same run)")
        print(f"[dask] agreement: {_agreement(remote, local)}")
    finally:
        client.close()
        if local_cluster is not None:
            local_cluster.close()


if __name__ == "__main__":
    main()
