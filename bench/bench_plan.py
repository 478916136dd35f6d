"""Benchmark: ``cosmo-agent plan missions/demo.yaml`` (rules planner) from a cold start.

Target: <= 10 s wall on a 2-core machine. Each run is a fresh interpreter (subprocess), so
imports, data loading and the first SGP4/skyfield calls are all counted. Printed:

- the CLI end to end (``python -m cosmo_agent.agent.cli plan ... -o plan.json``): median and
  worst wall time over the runs, peak RSS of the child (``wait4``);
- the split inside a cold interpreter: importing the agent vs planning (``Agent.plan``);
- the baseline measured in the same run: the same tools called directly (``call_tool``: fleet
  status, space weather, screening, passes, schedule, propose) then compose + validate, without
  LangGraph or a planner; the ratio says what the graph, planner and CLI add;
- ``python -c pass`` (interpreter start) for scale.

Usage: ``.venv/bin/python bench/bench_plan.py [--runs 5] [--mission missions/demo.yaml]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 10.0

_SPLIT = r"""
import json, sys, time, tracemalloc
traced = sys.argv[2:] == ["trace"]  # tracemalloc slows Python: a separate, untimed run
if traced:
    tracemalloc.start()
t0 = time.perf_counter()
from cosmo_agent.agent.runner import Agent
from cosmo_agent.tools.mission import load_mission
t1 = time.perf_counter()
with Agent.from_mission(load_mission(sys.argv[1])) as agent:
    result = agent.plan(approval="reject")
t2 = time.perf_counter()
peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
print(json.dumps({"import_s": t1 - t0, "plan_s": t2 - t1, "status": result.status,
                  "commands": len(result.plan.commands) if result.plan else 0,
                  "tool_calls": len(result.trace), "traced_peak_mb": peak}))
"""

_BASELINE = r"""
import json, sys, time
t0 = time.perf_counter()
from cosmo_agent.agent.compose import compose_plan
from cosmo_agent.agent.trace import ToolRecord
from cosmo_agent.agent.validator import validate_plan
from cosmo_agent.tools.mission import load_mission
from cosmo_agent.tools.registry import ToolContext, call_tool
t1 = time.perf_counter()
m = load_mission(sys.argv[1])
ctx = ToolContext.from_mission(m)
h = m.horizon.duration_h
calls = [("fleet_status", {}), ("space_weather", {}),
         ("screen_conjunctions", {"satellites": "all", "duration_h": h,
                                  "threshold_km": m.policies.screening_threshold_km}),
         ("find_passes", {"satellites": "all", "stations": "all", "duration_h": h}),
         ("schedule_contacts", {"satellites": "all", "stations": "all", "duration_h": h})]
records = []
for k, (name, args) in enumerate(calls):
    out = call_tool(ctx, name, args)
    d = out.as_dict()
    result, error = d.get("result") or {}, d.get("error") or {}
    records.append(ToolRecord(f"c{k}", name, args, out.ok, result, error))
alerts = records[1].result.get("alerts", []) if records[1].ok else []
cmds = [{"satellite": a["target_id"], "command": "SAFE_MODE_ENTER"} for a in alerts
        if a["action"] == "safe_mode_recommended" and a["target_kind"] == "satellite"]
if cmds:
    out = call_tool(ctx, "propose_commands", {"commands": cmds})
    result = out.as_dict().get("result") or {}
    records.append(ToolRecord("c9", "propose_commands", {}, out.ok, result))
plan = compose_plan(m, ctx.now, records)
report = validate_plan(plan, m, now=ctx.now)
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "plan_s": t2 - t1, "ok": report.ok,
                  "commands": len(plan.commands)}))
"""


def _run_with_rusage(argv: list[str]) -> tuple[float, float, str]:
    """Run ``argv`` in a fresh process: wall seconds, the child's own peak RSS (MiB), stdout."""
    t0 = time.perf_counter()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.chdir(ROOT)
        os.dup2(w, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(r)
        os.execv(argv[0], argv)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(argv[:5])} exited {code}")
    return wall, usage.ru_maxrss / 1024.0, b"".join(chunks).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mission", default=str(ROOT / "missions" / "demo.yaml"))
    args = parser.parse_args()
    py = sys.executable
    print(
        f"mission {args.mission}; {args.runs} cold runs each; {os.cpu_count()} CPUs;"
        f" load average {os.getloadavg()[0]:.2f}"
    )

    start = [_run_with_rusage([py, "-c", "pass"])[0] for _ in range(3)]
    with tempfile.TemporaryDirectory() as tmp:
        cli = [
            _run_with_rusage(
                [
                    py,
                    "-m",
                    "cosmo_agent.agent.cli",
                    "plan",
                    args.mission,
                    "-o",
                    str(Path(tmp) / "plan.json"),
                ]
            )
            for _ in range(args.runs)
        ]
    split = [_run_with_rusage([py, "-c", _SPLIT, args.mission]) for _ in range(args.runs)]
    traced = json.loads(_run_with_rusage([py, "-c", _SPLIT, args.mission, "trace"])[2])
    base = [_run_with_rusage([py, "-c", _BASELINE, args.mission]) for _ in range(args.runs)]

    def med(xs: list[float]) -> float:
        return statistics.median(xs)

    cli_wall = [w for w, _, _ in cli]
    cli_rss = [m for _, m, _ in cli]
    parts = [json.loads(out) for _, _, out in split]
    base_parts = [json.loads(out) for _, _, out in base]
    base_wall = [w for w, _, _ in base]
    print(f"interpreter start (python -c pass): median {med(start):.2f} s")
    print(
        f"cosmo-agent plan (CLI, cold):       median {med(cli_wall):.2f} s, worst"
        f" {max(cli_wall):.2f} s, peak RSS median {med(cli_rss):.0f} MiB"
        f" (max {max(cli_rss):.0f} MiB)"
    )
    print(
        f"  split in a cold interpreter:      import {med([p['import_s'] for p in parts]):.2f} s"
        f" + plan {med([p['plan_s'] for p in parts]):.2f} s; status {parts[0]['status']},"
        f" {parts[0]['commands']} commands, {parts[0]['tool_calls']} tool calls,"
        f" tracemalloc peak {traced['traced_peak_mb']:.0f} MiB (Python heap, one run),"
        f" peak RSS {med([m for _, m, _ in split]):.0f} MiB"
    )
    print(
        f"baseline (tools + compose + validate, no graph/planner/CLI), cold: median"
        f" {med(base_wall):.2f} s (import {med([p['import_s'] for p in base_parts]):.2f} s"
        f" + work {med([p['plan_s'] for p in base_parts]):.2f} s), peak RSS"
        f" {med([m for _, m, _ in base]):.0f} MiB, {base_parts[0]['commands']} commands"
    )
    print(
        f"ratio CLI / baseline: {med(cli_wall) / med(base_wall):.2f}x;"
        f" planning only (graph) / baseline work:"
        f" {med([p['plan_s'] for p in parts]) / med([p['plan_s'] for p in base_parts]):.2f}x"
    )
    verdict = "OK" if med(cli_wall) <= TARGET_S else "OVER"
    print(f"target <= {TARGET_S:g} s from a cold start: {verdict} (median {med(cli_wall):.2f} s)")


if __name__ == "__main__":
    main()
