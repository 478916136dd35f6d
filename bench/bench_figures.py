"""Benchmark: the PNG figures (``--figures DIR``) of a 50-satellite, 20-station, 7-day mission.

The mission is ``bench_report.py``'s (the shipped catalog sample's first 50 objects, 20
stations on a grid, 7 days). It is planned once and its views collected once (not timed: the
HTML report shares them); then ``write_figures`` runs ``--runs`` times. Printed: median and
worst wall time, the figures' count and total size, the largest figure, and as the baseline
measured in the same run the 24-hour demo mission's figures (``missions/demo.yaml``) with
the ratio. Target: the figures of the big mission in <= 10 s, as the HTML report's.

Usage: ``.venv/bin/python bench/bench_figures.py [--runs 3] [--satellites 50] [--stations 20]
[--days 7]``
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_report import make_mission, mission_arguments

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 10.0


def _figures(mission_path: Path, out: Path, runs: int) -> tuple[list[float], list[Path], str]:
    from cosmo_agent import Agent, load_mission
    from cosmo_agent.agent.figures import write_figures
    from cosmo_agent.agent.report import plan_views

    mission = load_mission(mission_path)
    t0 = time.perf_counter()
    with Agent.from_mission(mission) as agent:
        result = agent.plan(approve_all=True)
    plan_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    views = plan_views(result, mission)
    views_s = time.perf_counter() - t0
    times: list[float] = []
    paths: list[Path] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        paths = write_figures(views, out)
        times.append(time.perf_counter() - t0)
    bars = len(views.contacts.passes) + len(views.contacts.contacts)
    commands = 0 if result.plan is None else len(result.plan.commands)
    note = (
        f"plan {plan_s:.1f} s ({result.status}), views {views_s:.1f} s, {bars} timeline bars, "
        f"{commands} commands"
    )
    return times, paths, note


def main() -> int:
    args = mission_arguments(__doc__.splitlines()[0])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base, base_paths, base_note = _figures(ROOT / "missions" / "demo.yaml", folder / "d", 1)
        base_mb = sum(p.stat().st_size for p in base_paths) / 1e6
        mission = make_mission(folder, args.satellites, args.stations, args.days)
        times, paths, note = _figures(mission, folder / "big", args.runs)
        sizes = {p.name: p.stat().st_size for p in paths}
    median, worst = statistics.median(times), max(times)
    largest = max(sizes, key=lambda k: sizes[k])
    print(
        f"figures {args.satellites} satellites x {args.stations} stations x {args.days:g} days "
        f"({note}): {len(paths)} PNGs, median {median:.2f} s, worst {worst:.2f} s "
        f"(target <= {TARGET_S:g} s)"
    )
    print(
        f"  size {sum(sizes.values()) / 1e6:.2f} MB in all, largest {largest} "
        f"{sizes[largest] / 1e6:.2f} MB"
    )
    print(
        f"  baseline missions/demo.yaml ({base_note}): {len(base_paths)} PNGs in {base[0]:.2f} s,"
        f" {base_mb:.2f} MB; ratio {median / base[0]:.1f}x time"
    )
    ok = worst <= TARGET_S
    print("OK" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
