"""How often the rules planner's reading of a request agrees with the corpus generator's intent.

Not collected by pytest (no ``test_`` prefix); ``tests/test_intents.py`` imports it for a
small run, and it runs standalone for the full measurement::

    .venv/bin/python tests/intents_agreement.py            # 3000 requests per language
    .venv/bin/python tests/intents_agreement.py -n 500 --show 20 --lang ko

Worlds are built the way the corpus tests build them (``tests/test_model_corpus.py``):
satellites and stations with names, aliases (some Hangul) and ids, all nine tools, a mission
clock. Each world becomes a :class:`~cosmo_agent.agent.intents.Vocabulary` (every name,
alias and id → the canonical id; threshold 5 km, duration 24 h); :func:`parse_request`'s calls
are wrapped as one assistant ``tool_calls`` message and compared with the intended calls by
:func:`~cosmo_agent.model.corpus.calls_agree`.

Generator phrasings (``held_out=False``) are what the reader is tuned on; the held-out ones are
the model's test phrasings and are only reported, never tuned on: ``--show`` prints generator
disagreements only, and a held-out line is never printed.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cosmo_agent.agent.intents import IntendedCall, Vocabulary, parse_request
from cosmo_agent.model import corpus as C

TOOL_NAMES = (
    "fleet_status", "propagate", "find_passes", "screen_conjunctions", "assess_conjunction",
    "plan_avoidance", "space_weather", "schedule_contacts", "propose_commands",
)  # fmt: skip
SATELLITES: list[dict[str, Any]] = [
    {"id": "25544", "name": "ISS (ZARYA)", "aliases": ["ISS", "국제우주정거장"]},
    {"id": "41765", "name": "KOMPSAT-3A", "aliases": ["아리랑 3A호", "Kompsat-3A", "K3A"]},
    {"id": "38338", "name": "KOMPSAT 3", "aliases": ["K3", "아리랑3호"]},
    {"id": "39227", "name": "KOMPSAT 5", "aliases": ["K5", "아리랑5호"]},
    {"id": "43013", "name": "NOAA 20", "aliases": ["JPSS-1"]},
    {"id": "39084", "name": "LANDSAT 8", "aliases": ["랜드샛 8호"]},
    {"id": "49260", "name": "LANDSAT 9", "aliases": []},
    {"id": "40697", "name": "SENTINEL-2A", "aliases": ["S2A", "센티넬 2A"]},
    {"id": "42063", "name": "SENTINEL-2B", "aliases": ["S2B"]},
    {"id": "33591", "name": "NOAA 19", "aliases": ["노아 19호"]},
]
STATIONS: list[dict[str, Any]] = [
    {"id": "DJN", "name": "Daejeon", "aliases": ["대전"]},
    {"id": "SVB", "name": "Svalbard", "aliases": ["스발바르"]},
    {"id": "JJU", "name": "Jeju", "aliases": ["제주"]},
    {"id": "KIRUNA", "name": "Kiruna", "aliases": ["키루나"]},
    {"id": "AWS-SEOUL", "name": "AWS Seoul", "aliases": ["서울"]},
]


def _schema(name: str) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "description": f"{name} tool",
                     "parameters": {"type": "object", "properties": {}}},
    }  # fmt: skip


def make_world(seed: int) -> dict[str, Any]:
    """A randomized mission like the corpus tests': 2-6 satellites, 1-4 stations, all tools."""
    rng = random.Random(seed)
    world: dict[str, Any] = {
        "satellites": rng.sample(SATELLITES, rng.randint(2, 6)),
        "stations": rng.sample(STATIONS, rng.randint(1, 4)),
        "tools": [_schema(n) for n in TOOL_NAMES],
        "system": "You are Cosmo.",
        "now": rng.choice(("2026-06-10T00:00:00Z", "2026-06-10T05:30:00Z", "2026-12-31T22:00:00Z")),
    }
    if rng.random() < 0.5:
        world["event_ids"] = [f"CONJ-{rng.randrange(1, 10000):04d}" for _ in range(3)]
    return world


def vocabulary_of(world: dict[str, Any]) -> Vocabulary:
    """Every name, alias and id of the world's satellites and stations → the canonical id."""

    def table(key: str) -> dict[str, str]:
        return {str(n): str(o["id"]) for o in world.get(key, ())
                for n in (o["id"], o["name"], *o.get("aliases", ()))}  # fmt: skip

    now = datetime.fromisoformat(str(world["now"]).replace("Z", "+00:00"))
    return Vocabulary(satellites=table("satellites"), stations=table("stations"), now=now)


def as_answer(calls: list[IntendedCall]) -> list[dict[str, Any]]:
    """``parse_request``'s calls as the assistant messages :func:`calls_agree` reads."""
    if not calls:
        return [{"role": "assistant", "content": "(answered without tools)"}]
    tool_calls = [
        {"type": "function", "id": f"call_{i}",
         "function": {"name": c.name, "arguments": c.arguments}}
        for i, c in enumerate(calls)
    ]  # fmt: skip
    return [{"role": "assistant", "content": None, "tool_calls": tool_calls}]


@dataclass
class Agreement:
    """Counts of one measurement and the requests that disagreed."""

    total: int = 0
    agreed: int = 0
    by_template: Counter[str] = field(default_factory=Counter)
    totals: Counter[str] = field(default_factory=Counter)  # "composed" / "fixed" requests
    missed: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, str, list[dict[str, Any]], list[dict[str, Any]]]] = field(
        default_factory=list
    )

    @property
    def rate(self) -> float:
        return self.agreed / self.total if self.total else 0.0

    def rate_of(self, kind: str) -> float:
        """Agreement over the ``composed`` or ``fixed`` (template table) requests."""
        n = self.totals[kind]
        return (n - self.missed[kind]) / n if n else 0.0


def measure(n: int, lang: C.Lang, *, held_out: bool = False, seed: int = 0) -> Agreement:
    """Agreement of ``parse_request`` with the intended calls over ``n`` generated requests."""
    out = Agreement()
    for i in range(n):
        world = make_world(seed * 1_000_003 + i // 10)
        req = C.generate_request(world, seed=f"agree-{seed}-{i}", lang=lang, held_out=held_out)
        calls = parse_request(req.text, vocabulary_of(world))
        out.total += 1
        kind = "composed" if req.template.endswith("/composed") else "fixed"
        out.totals[kind] += 1
        if C.calls_agree(world, req.intended, as_answer(calls)):
            out.agreed += 1
            continue
        out.missed[kind] += 1
        out.by_template[req.template] += 1
        got = [{"name": c.name, "arguments": c.arguments} for c in calls]
        out.misses.append((req.template, req.text, req.intended, got))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("-n", type=int, default=3000, help="requests per language and set")
    ap.add_argument("--lang", choices=("en", "ko"), action="append")
    ap.add_argument("--held-out", action="store_true", help="only the held-out phrasings")
    ap.add_argument("--show", type=int, default=0, help="print this many generator disagreements")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    sets = (True,) if args.held_out else (False, True)
    for held in sets:
        for lang in args.lang or ("en", "ko"):
            result = measure(args.n, lang, held_out=held, seed=args.seed)
            name = "held-out " if held else "generator"
            print(f"{name} {lang}: {result.agreed}/{result.total} = {100 * result.rate:.1f} %")
            for template, count in result.by_template.most_common(8):
                print(f"    {count:5d}  {template}")
            shown = [] if held else result.misses[: args.show]  # held-out lines stay unread
            for template, text, want, got in shown:
                print(f"  - [{template}] {text}\n      want {want}\n      got  {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
