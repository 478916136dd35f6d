"""Benchmark: how long ``cosmo-agent`` takes to start, beside ``python -c pass``.

Target (issue 18): ``--help``, ``validate --help`` and ``mission-schema`` in <= 0.5 s each.
Each run is a fresh interpreter (subprocess) started the way the console script starts it
(``python -c "from cosmo_agent.agent.cli import main; ..."``), so every import is counted.
Printed per command: median and worst wall time over the runs, the ratio to the baseline
(``python -c pass``, measured in the same run, interleaved), the time above it, and whether
the target is met.  The import profile of one command is ``python -X importtime -m
cosmo_agent.agent.cli --help``.

Usage: ``.venv/bin/python bench/bench_startup.py [--runs 5] [--json]``
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time

TARGET_S = 0.5

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("--version",),
    ("validate", "--help"),
    ("mission-schema",),
    ("plan-schema",),
)
"""The commands timed (arguments of ``cosmo-agent``)."""

_ENTRY = "import sys; from cosmo_agent.agent.cli import main; sys.exit(main(sys.argv[1:]))"


def _wall_s(argv: list[str]) -> float:
    """Wall time of one run; NaN when it fails (its stderr's last line is shown)."""
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or [""])[-1]
        print(f"{' '.join(argv[3:])}: exit {done.returncode}: {last}", file=sys.stderr)
        return math.nan
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command (default 5)")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of text")
    args = parser.parse_args(argv)
    baseline_argv = [sys.executable, "-c", "pass"]
    times: dict[str, list[float]] = {"python -c pass": []}
    for command in COMMANDS:
        times[" ".join(command)] = []
    _wall_s(baseline_argv)  # warm the file cache once, untimed
    for _ in range(args.runs):  # interleaved: a busy machine slows all of them alike
        times["python -c pass"].append(_wall_s(baseline_argv))
        for command in COMMANDS:
            times[" ".join(command)].append(_wall_s([sys.executable, "-c", _ENTRY, *command]))
    base = statistics.median(times["python -c pass"])
    rows = []
    for name, values in times.items():
        if any(math.isnan(v) for v in values):
            continue  # failed (e.g. an option this version lacks): reported on stderr
        median = statistics.median(values)
        rows.append(
            {
                "command": name if name.startswith("python") else f"cosmo-agent {name}",
                "median_s": round(median, 4),
                "max_s": round(max(values), 4),
                "ratio_to_baseline": round(median / base, 1),
                "above_baseline_s": round(median - base, 4),
                "target_met": None if name.startswith("python") else median <= TARGET_S,
            }
        )
    if args.json:
        print(json.dumps({"runs": args.runs, "target_s": TARGET_S, "rows": rows}))
        return 0
    print(f"start-up, median of {args.runs} runs (target <= {TARGET_S} s):")
    for row in rows:
        met = row["target_met"]
        verdict = "baseline" if met is None else "ok" if met else "SLOW"
        print(
            f"  {row['command']:<34} {row['median_s']:7.3f} s (max {row['max_s']:.3f})"
            f"  x{row['ratio_to_baseline']:<6} +{row['above_baseline_s']:.3f} s  {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
