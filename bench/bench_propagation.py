"""Propagation: the 16k real catalog x 1 day at 60 s, ours vs one plain SatrecArray call.

Run: .venv/bin/python bench/bench_propagation.py [CATALOG]
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sgp4.api import SatrecArray

from cosmo_agent.orbital import Catalog, propagate, utc_times
from cosmo_agent.orbital.timescales import sgp4_epoch

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "catalog-leo-2026-06-10.3le"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    t0 = time.perf_counter()
    catalog = Catalog.from_tle_file(path)
    load_s = time.perf_counter() - t0
    start = datetime(2026, 6, 10, tzinfo=UTC)
    times = utc_times(start, start + timedelta(days=1), 60.0)
    n = len(catalog) * len(times)
    print(f"catalog {len(catalog)} objects loaded in {load_s:.2f} s; {len(times)} times")

    jd, fr = sgp4_epoch(times)
    tracemalloc.start()
    t0 = time.perf_counter()
    SatrecArray(list(catalog.satrecs)).sgp4(jd, fr)
    base_s = time.perf_counter() - t0
    base_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    tracemalloc.start()
    t0 = time.perf_counter()
    eph = propagate(catalog, times)
    ours_s = time.perf_counter() - t0
    ours_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    failed = int((eph.error != 0).any(axis=1).sum())
    print(f"baseline single SatrecArray: {base_s:.2f} s, {n / base_s / 1e6:.2f} M prop/s, "
          f"peak {base_peak / 2**30:.2f} GiB")
    print(f"propagate (workers=auto):   {ours_s:.2f} s, {n / ours_s / 1e6:.2f} M prop/s, "
          f"peak {ours_peak / 2**30:.2f} GiB (output arrays in shared memory)")
    print(f"speed ratio ours/baseline: {base_s / ours_s:.2f}x; "
          f"satellites with SGP4 errors: {failed}")


if __name__ == "__main__":
    main()
