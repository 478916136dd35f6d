"""Benchmark: the HTML operations report of a 50-satellite, 20-station, 7-day mission.

Target: the report renders in <= 10 s and weighs <= 10 MB. The mission is made up from the
shipped catalog sample (``tools/data/sample-leo.3le``: its first 50 objects as the fleet) with
20 stations spread over the globe, a 7-day horizon and the demo's objectives. It is planned once
(not timed: that is ``bench_plan.py``'s business), then ``render_report`` runs ``--runs``
times. Printed: median and worst render wall time, the file's size, the page's parts (plotly.js
and everything else) and, as the baseline measured in the same run, the 24-hour demo mission's
report (``missions/demo.yaml``) with the ratio.

Usage: ``.venv/bin/python bench/bench_report.py [--runs 3] [--satellites 50] [--stations 20]
[--days 7]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 10.0
TARGET_MB = 10.0


def _fleet_ids(n: int) -> list[tuple[int, str]]:
    lines = (ROOT / "tools" / "data" / "sample-leo.3le").read_text().splitlines()
    out = []
    for name, line1 in zip(lines[0::3], lines[1::3], strict=False):
        out.append((int(line1[2:7]), name.removeprefix("0 ").strip()))
    return out[:n]


def make_mission(folder: Path, satellites: int, stations: int, days: float) -> Path:
    """A mission YAML: ``satellites`` from the shipped sample, ``stations`` on a lat/lon grid."""
    fleet = "\n".join(
        f"  - {{norad_id: {i}, name: '{name} #{k}', class: eo-imager, maneuverable: false,"
        f" priority: {1 + k % 3}, contacts_per_day: 2}}"
        for k, (i, name) in enumerate(_fleet_ids(satellites))
    )
    lats = (-60, -35, -10, 15, 40, 65)
    sites = []
    for k in range(stations):
        lat = lats[k % len(lats)] + (k // len(lats)) * 3
        lon = -180 + (k * 137.5) % 360
        sites.append(
            f"  - {{id: ST{k:02d}, name: Station {k}, lat_deg: {lat}, lon_deg: {lon:.2f},"
            f" min_elevation_deg: {5 + k % 3 * 2},"
            f" antennas: [{{id: A{k:02d}, downlink_rate_mbps: 300}}]}}"
        )
    path = folder / "bench-report.yaml"
    path.write_text(
        f"""name: bench-report
language: en
fleet:
{fleet}
stations:
{chr(10).join(sites)}
sources:
  catalog: ["bundled:sample-leo.3le"]
  space_weather: "bundled:swpc-2026-06-10"
horizon: {{epoch: 2026-06-10T12:00:00Z, duration_h: {days * 24:g}}}
objectives:
  - {{kind: fleet_status}}
  - {{kind: space_weather_watch}}
  - {{kind: screen_conjunctions}}
  - {{kind: find_passes}}
  - {{kind: schedule_downlinks, parameters: {{objective: max_volume}}}}
""",
        encoding="utf-8",
    )
    return path


def _render(mission_path: Path, out: Path, runs: int) -> tuple[list[float], int, str]:
    from cosmo_agent import Agent, load_mission
    from cosmo_agent.agent.report import render_report

    mission = load_mission(mission_path)
    t0 = time.perf_counter()
    with Agent.from_mission(mission) as agent:
        result = agent.plan(approve_all=True)
    plan_s = time.perf_counter() - t0
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        render_report(result, mission, out)
        times.append(time.perf_counter() - t0)
    passes = sum(len(r.result.get("passes", [])) for r in result.records if r.ok)
    note = f"plan {plan_s:.1f} s ({result.status}), {passes} passes"
    return times, out.stat().st_size, note


def mission_arguments(description: str) -> argparse.Namespace:
    """``--runs``, ``--satellites``, ``--stations``, ``--days``: the big mission's size."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--satellites", type=int, default=50)
    ap.add_argument("--stations", type=int, default=20)
    ap.add_argument("--days", type=float, default=7.0)
    return ap.parse_args()


def main() -> int:
    args = mission_arguments(__doc__.splitlines()[0])
    from plotly.offline import get_plotlyjs

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base, base_size, base_note = _render(ROOT / "missions" / "demo.yaml", folder / "d.html", 1)
        mission = make_mission(folder, args.satellites, args.stations, args.days)
        times, size, note = _render(mission, folder / "big.html", args.runs)
    plotly_mb = len(get_plotlyjs().encode()) / 1e6
    median, worst = statistics.median(times), max(times)
    print(
        f"report {args.satellites} satellites x {args.stations} stations x {args.days:g} days "
        f"({note}): render median {median:.2f} s, worst {worst:.2f} s (target <= {TARGET_S:g} s)"
    )
    print(
        f"  size {size / 1e6:.2f} MB (target <= {TARGET_MB:g} MB): plotly.js {plotly_mb:.2f} MB,"
        f" the rest {size / 1e6 - plotly_mb:.2f} MB"
    )
    print(
        f"  baseline missions/demo.yaml ({base_note}): render {base[0]:.2f} s,"
        f" {base_size / 1e6:.2f} MB; ratio {median / base[0]:.1f}x time,"
        f" {size / base_size:.2f}x size"
    )
    ok = worst <= TARGET_S and size <= TARGET_MB * 1e6
    print("OK" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
