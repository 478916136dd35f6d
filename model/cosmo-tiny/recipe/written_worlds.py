"""Candidates E and E2 of the fifteenth session (neither shipped; model card, "Written language
as training data"): the helper-written TUNING sets moved into generated worlds.

Usage: python written_worlds.py OUT.jsonl FIRST_SEED N_WORLDS COPIES SHARD NSHARDS [--first-turns]
       [--all-tuning]

Without --all-tuning the seven sets E and E2 used (TUNING); with it every tuning set in
tests/data/written_requests (eleven at the sixteenth session: l, n, p and r too).

Each tuning line goes to COPIES worlds among FIRST_SEED .. FIRST_SEED+N_WORLDS-1 that have the
satellites and stations it names; the brief's names (AQUILA-1 ..., Hartebeesthoek ...,
CONJ-xxxx) become the world's names in the same surface style (name, short code, Korean alias,
NORAD id, station id, event id). The label is the rules teacher's answer in that world (its
first turn with --first-turns: candidate E; else the whole conversation, cut after the first
turn when the tool results exceed 600 characters as prep.py does: candidate E2); a line is kept
only when the teacher's tool set equals the writer's. The evaluation sets are never opened.
"""

import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from cosmo_agent.agent.teacher import RulesTeacher

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "written_requests"
TUNING = ("tuning-a", "tuning-b", "tuning-d", "tuning-e", "tuning-g", "tuning-h", "tuning-j")
ORDER = [
    "fleet_status",
    "space_weather",
    "propagate",
    "find_passes",
    "schedule_contacts",
    "screen_conjunctions",
    "assess_conjunction",
    "plan_avoidance",
    "propose_commands",
]

# brief surface forms: (index, style)
SATS = [
    (["AQUILA-1"], ["AQ1"], ["Aquila one"], ["아퀼라 1호", "아퀼라1호"], "51001"),
    (["BOREAS 2"], ["B2"], ["Boreas-2"], ["보레아스 2호", "보레아스2호"], "51002"),
    (["CYGNUS-7"], ["CY7"], [], ["시그너스 7호", "시그너스7호"], "51003"),
    (["DELPHI SAR"], ["DSAR"], [], ["델피 SAR"], "51004"),
]
STATIONS = [
    (["Hartebeesthoek"], ["HBK"], ["하트비스트후크"]),
    (["Inuvik"], [], ["이누빅"]),
    (["Gwangju"], [], ["광주"]),
]


def _ko_alias(aliases: list[str]) -> str | None:
    return next((a for a in aliases if re.search(r"[가-힣]", a)), None)


def _code_alias(aliases: list[str]) -> str | None:
    return next((a for a in aliases if not re.search(r"[가-힣]", a)), None)


def substitution(world: dict[str, Any]) -> dict[str, str]:
    sats, stations = world["satellites"], world["stations"]
    table = {}
    for (full, code, spoken, ko, norad), sat in zip(SATS, sats, strict=False):
        name, aliases = sat["name"], sat["aliases"]
        for f in full + spoken:
            table[f] = name
        for c in code:
            table[c] = _code_alias(aliases) or name
        for k in ko:
            table[k] = _ko_alias(aliases) or name
        table[norad] = sat["id"]
    for (full, code, ko), st in zip(STATIONS, stations, strict=False):
        for f in full:
            table[f] = st["name"]
        for c in code:
            table[c] = st["id"]
        for k in ko:
            table[k] = _ko_alias(st["aliases"]) or st["name"]
    return table


def rewrite(text: str, table: dict[str, str], events: list[str]) -> str:
    keys = sorted(table, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![A-Za-z0-9가-힣])(" + "|".join(re.escape(k) for k in keys) + r")(?![A-Za-z0-9])"
    )
    out = pattern.sub(lambda m: table[m.group(1)], text)
    seen: dict[str, str] = {}

    def event(m: re.Match[str]) -> str:
        key = m.group(0).upper()
        if key not in seen:
            if len(seen) >= len(events):
                raise KeyError("too few events")
            seen[key] = events[len(seen)]
        return seen[key]

    return re.sub(r"CONJ-\d{3,5}", event, out, flags=re.I)


def mentions(text: str) -> tuple[int, int]:
    """How many brief satellites / stations the line could need (highest index + 1)."""
    sat_n = max(
        [
            i + 1
            for i, forms in enumerate(SATS)
            if any(f in text for group in forms[:4] for f in group) or forms[4] in text
        ]
        or [0]
    )
    st_n = max(
        [
            i + 1
            for i, forms in enumerate(STATIONS)
            if any(f in text for group in forms for f in group)
        ]
        or [0]
    )
    return sat_n, st_n


first_turns = "--first-turns" in sys.argv
sets = sorted(p.stem for p in DATA.glob("tuning-*.jsonl")) if "--all-tuning" in sys.argv else TUNING
args = [a for a in sys.argv[1:] if a not in ("--first-turns", "--all-tuning")]
out, first_seed, n_worlds, copies, shard, nshards = args[0], *map(int, args[1:6])
teacher = RulesTeacher()
lines: list[dict[str, Any]] = []
for name in sets:
    for raw in (DATA / f"{name}.jsonl").read_text("utf-8").splitlines():
        rec = json.loads(raw)
        rec["set"] = name
        lines.append(rec)
seeds = list(range(first_seed, first_seed + n_worlds))
sizes: dict[int, tuple[int, int]] = {}
for s in seeds:
    m = teacher.mission(s)
    sizes[s] = (len(m.fleet), len(m.stations))
rng = random.Random(0)
jobs: defaultdict[int, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
for k, rec in enumerate(lines):
    sat_n, st_n = mentions(rec["text"])
    fits = [s for s in seeds if sizes[s][0] >= sat_n and sizes[s][1] >= st_n]
    for s in rng.sample(fits, min(copies, len(fits))):
        jobs[s].append((k, rec))
stats: defaultdict[str, int] = defaultdict(int)
with open(out, "w", encoding="utf-8") as fh:
    for i, s in enumerate(sorted(jobs)):
        if i % nshards != shard:
            continue
        world: dict[str, Any] = dict(teacher.world(s))
        for k, rec in jobs[s]:
            try:
                text = rewrite(rec["text"], substitution(world), world["event_ids"])
            except KeyError:
                stats["skipped"] += 1
                continue
            turns: list[Any] = (teacher.first_turn if first_turns else teacher.answer)(world, text)
            first = next(t for t in turns if t["role"] == "assistant")
            got = sorted(
                {c["function"]["name"] for c in first.get("tool_calls") or []}, key=ORDER.index
            )
            if got != sorted(set(rec["tools"]), key=ORDER.index):
                stats["disagreed"] += 1
                continue
            tool_chars = sum(len(str(t.get("content") or "")) for t in turns if t["role"] == "tool")
            if tool_chars > 600:
                turns = turns[: turns.index(first) + 1]
                stats["cut"] += 1
            messages = [
                {"role": "system", "content": world["system"]},
                {"role": "user", "content": text},
                *turns,
            ]
            fh.write(
                json.dumps(
                    {
                        "id": f"written-{rec['set']}-{k:05d}-w{s}",
                        "lang": rec["lang"],
                        "intent": rec["category"],
                        "template": f"written/{rec['set']}",
                        "split": "train",
                        "messages": messages,
                        "tools": world["tools"],
                        "intended": [],
                        "world_seed": s,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            stats["kept"] += 1
        print(i, dict(stats), flush=True)
print(json.dumps(stats))
