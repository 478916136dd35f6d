"""How often the rules' reader picks the tools that requests written by others need.

Not collected by pytest (no ``test_`` prefix); ``tests/test_intents.py`` imports it, and it
runs standalone::

    .venv/bin/python tests/written_requests_agreement.py            # every set
    .venv/bin/python tests/written_requests_agreement.py --show 20 tuning-a

The sets are ``tests/data/written_requests/*.jsonl`` (see the README there). ``--show`` prints
disagreements of the tuning sets only: the lines of the evaluation sets are never printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cosmo_agent.agent.intents import PLAYBOOK_ORDER, Vocabulary, parse_request

DATA = Path(__file__).parent / "data" / "written_requests"
SETS = (
    "tuning-a", "tuning-b", "tuning-d", "tuning-e", "tuning-g", "tuning-h", "tuning-j", "tuning-l",
    "tuning-n", "tuning-p", "tuning-r",
    "evaluation-c", "evaluation-f", "evaluation-i", "evaluation-k", "evaluation-m",
    "evaluation-o", "evaluation-q", "evaluation-s",
)  # fmt: skip
SATELLITES = {
    **dict.fromkeys(["AQUILA-1", "AQ1", "Aquila one", "아퀼라 1호", "아퀼라1호", "51001"], "51001"),
    **dict.fromkeys(["BOREAS 2", "B2", "Boreas-2", "보레아스 2호", "보레아스2호"], "51002"),
    "51002": "51002",
    **dict.fromkeys(["CYGNUS-7", "CY7", "시그너스 7호", "시그너스7호", "51003"], "51003"),
    **dict.fromkeys(["DELPHI SAR", "DSAR", "델피 SAR", "51004"], "51004"),
}
STATIONS = {
    **dict.fromkeys(["Hartebeesthoek", "HBK", "하트비스트후크"], "HBK"),
    **dict.fromkeys(["Inuvik", "이누빅"], "INUVIK"),
    **dict.fromkeys(["Gwangju", "광주", "광주 지상국"], "GWANGJU"),
}
VOCABULARY = Vocabulary(
    satellites=SATELLITES, stations=STATIONS, now=datetime(2026, 12, 7, 12, tzinfo=UTC)
)


@dataclass
class Agreement:
    agreed: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, str, str, list[str], list[str]]] = field(default_factory=list)

    def rate(self, lang: str) -> float:
        return self.agreed[lang] / self.total[lang]


def measure(name: str) -> Agreement:
    """The reader's tool-set agreement with one set, per language."""
    result = Agreement()
    for line in (DATA / f"{name}.jsonl").read_text("utf-8").splitlines():
        record = json.loads(line)
        want = sorted(set(record["tools"]), key=PLAYBOOK_ORDER.index)
        calls = parse_request(record["text"], VOCABULARY)
        got = sorted({c.name for c in calls}, key=PLAYBOOK_ORDER.index)
        lang = record["lang"]
        result.total[lang] += 1
        if want == got:
            result.agreed[lang] += 1
        else:
            result.misses.append((lang, record["category"], record["text"], want, got))
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("sets", nargs="*", help=f"some of {', '.join(SETS)} (default: all)")
    ap.add_argument("--show", type=int, default=0, help="print this many tuning disagreements")
    args = ap.parse_args(argv)
    unknown = set(args.sets) - set(SETS)
    if unknown:
        ap.error(f"unknown sets {sorted(unknown)}; choose from {', '.join(SETS)}")
    for name in args.sets or SETS:
        result = measure(name)
        rates = " / ".join(f"{lang} {100 * result.rate(lang):.1f} %" for lang in result.total)
        print(f"{name}: {rates}")
        shown = [] if name.startswith("evaluation") else result.misses[: args.show]
        for lang, category, text, want, got in shown:
            print(f"  - [{lang}/{category}] {text}\n      want {want}\n      got  {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
