"""Collision probability: 3-D Pc per event and Monte Carlo wall time, beside 2-D Foster.

Run: .venv/bin/python bench/bench_pc.py [--parts pc3d,mc] [--repeats N] [--baseline REV]

Parts:
- pc3d: per-event time of Hall's 3-D Pc (``orbital.pc3d.pc3d_hall``, default window) and,
  as the baseline measured in the same run, of Foster's 2-D Pc on the same event, for
  CARA's operational CDMs: TERRA vs CZ-4 debris (4.5 km/s), CARA's testSimilarTo2D
  (3.8 km/s), METOP-A vs a Fengyun-1C fragment (67 m/s), Alfano case 7 (0.2 m/s).
  Median of ``--repeats`` runs after one warm-up (target: <= 50 ms per event);
  ``--baseline REV`` also times ``orbital/pc3d.py`` as git revision REV had it, in the
  same run, interleaved with the current one (e.g. ``--baseline 83bc275``, before issue
  19's speed-up);
- mc: Monte Carlo to ±5 % (95 % Clopper-Pearson interval) on TERRA, Pc 1.2e-3, over the
  3-D method's encounter window (target: <= 60 s on 2 cores), beside the 2-D and 3-D
  values of the same event and their times.

Times are wall-clock on this machine; ratios are to the 2-D Foster time of the same event.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

from cosmo_agent.orbital.cdm import Cdm
from cosmo_agent.orbital.collision import collision_probability, encounter_plane
from cosmo_agent.orbital.montecarlo import monte_carlo_pc
from cosmo_agent.orbital.pc3d import pc3d_hall

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
Six = tuple[
    NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
    NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
]  # r1, v1, cov1, r2, v2, cov2  # fmt: skip


def _from_cdm(path: Path) -> Six:
    cdm = Cdm.from_file(path)
    (r1, v1), (r2, v2) = cdm.object1.inertial_state(), cdm.object2.inertial_state()
    c1, c2 = cdm.covariances_inertial_km2()
    return r1, v1, c1, r2, v2, c2


def _similar_to_2d() -> Six:
    case = json.loads((DATA / "pc3d" / "cara-tca-states.json").read_text())["inertial_cases"][
        "cara_similar_to_2d"
    ]
    return (
        np.array(case["r1_m"]) / 1e3, np.array(case["v1_m_s"]) / 1e3, np.array(case["cov1"]) / 1e6,
        np.array(case["r2_m"]) / 1e3, np.array(case["v2_m_s"]) / 1e3, np.array(case["cov2"]) / 1e6,
    )  # fmt: skip


EVENTS: dict[str, tuple[Callable[[], Six], float]] = {
    "TERRA / CZ-4 debris, 4.5 km/s": (
        lambda: _from_cdm(DATA / "cdm" / "cara-terra-2022-02-24.kvn"), 0.015),
    "CARA testSimilarTo2D, 3.8 km/s": (_similar_to_2d, 0.020),
    "METOP-A / FY-1C debris, 67 m/s": (
        lambda: _from_cdm(DATA / "pc3d" / "OmitronTestCase_Test08_3DNc.cdm"), 0.020),
    "Alfano case 7, 0.2 m/s": (lambda: _from_cdm(DATA / "pc3d" / "AlfanoTestCase07.cdm"), 0.010),
}  # fmt: skip


def _module_at(rev: str) -> ModuleType:
    """``orbital/pc3d.py`` as git revision ``rev`` had it, imported as its own module."""
    root = Path(__file__).resolve().parents[1]
    text = subprocess.run(
        ["git", "show", f"{rev}:orbital/pc3d.py"], cwd=root, check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp()) / "pc3d_baseline.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("pc3d_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pc3d_baseline"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def pc3d(repeats: int, baseline: str | None = None) -> None:
    old = _module_at(baseline) if baseline else None
    print(f"[pc3d] median of {repeats} runs per event" + (f", beside {baseline}" if old else ""))
    for name, (load, hbr_km) in EVENTS.items():
        s = load()
        plane = encounter_plane(s[0], s[1], s[2], s[3], s[4], s[5])
        fns = [
            functools.partial(collision_probability, plane, hbr_km),
            functools.partial(pc3d_hall, *s[:6], hbr_km=hbr_km),
        ]
        if old is not None:
            fns.append(functools.partial(old.pc3d_hall, *s[:6], hbr_km=hbr_km))
        times = _interleaved_s(fns, repeats)
        t2, t3 = times[0], times[1]
        pc2, res = float(collision_probability(plane, hbr_km).pc), pc3d_hall(*s, hbr_km=hbr_km)
        then = ""
        if old is not None:
            before = old.pc3d_hall(*s, hbr_km=hbr_km)
            then = f" | {baseline} {times[2] * 1e3:7.1f} ms, Pc {before.pc:.10e}"
        print(
            f"  {name:32s} 2-D {pc2:9.3e} in {t2 * 1e3:6.2f} ms | 3-D {res.pc:.10e} in"
            f" {t3 * 1e3:7.1f} ms ({t3 / t2:6.0f}x 2-D, {res.t_s.size} ephemeris points){then}"
        )


def _interleaved_s(fns: Sequence[Callable[[], object]], repeats: int) -> list[float]:
    """Median seconds of each function, run in turn ``repeats`` times after a warm-up."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, out in zip(fns, times, strict=True):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return [statistics.median(t) for t in times]


def mc() -> None:
    load, hbr_km = EVENTS["TERRA / CZ-4 debris, 4.5 km/s"]
    s = load()
    plane = encounter_plane(s[0], s[1], s[2], s[3], s[4], s[5])
    t0 = time.perf_counter()
    pc2 = float(collision_probability(plane, hbr_km).pc)
    t2 = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = pc3d_hall(*s, hbr_km=hbr_km)
    t3 = time.perf_counter() - t0
    t0 = time.perf_counter()
    m = monte_carlo_pc(
        *s, hbr_km=hbr_km, window_s=res.window_s, relative_accuracy=0.05,
        pc_estimate=res.pc, seed=0, max_samples=10_000_000,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    print(
        f"[mc] TERRA, ±5 % at 95 %: Pc {m.pc:.4e} [{m.low:.4e}, {m.high:.4e}]"
        f" (half-width {m.relative_half_width * 100:.1f} %), {m.samples:,} trials,"
        f" {m.hits} hits, window {res.window_s[1] - res.window_s[0]:.2f} s,"
        f" {wall:.1f} s wall ({m.samples / wall:,.0f} trials/s); 2-D {pc2:.4e} in"
        f" {t2 * 1e3:.2f} ms, 3-D {res.pc:.4e} in {t3 * 1e3:.1f} ms; MC/2-D {wall / t2:,.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="pc3d,mc")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", help="git revision whose pc3d.py is timed beside")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if "pc3d" in parts:
        pc3d(args.repeats, args.baseline)
    if "mc" in parts:
        mc()


if __name__ == "__main__":
    main()
