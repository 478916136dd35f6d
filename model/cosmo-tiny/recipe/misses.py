"""Where the misses of an evaluation report fall (the card's "misses" table).

Usage: python misses.py REPORT_JSON
Kinds: wrong tool; a name or id (satellite, station, event) wrong or a name list of the wrong
length; another argument value; a call on a no-tool request; a missing call; an extra call.
"""
import collections
import json
import re
import sys
from pathlib import Path

report = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
kinds: collections.Counter[str] = collections.Counter()
for rec in report["records"]:
    if rec["correct"]:
        continue
    reason = rec["reason"] or ""
    if reason.startswith("wrong tool"):
        kind = "wrong tool"
    elif reason.startswith("no call expected"):
        kind = "a call on a no-tool request"
    elif m := re.match(r"expected (\d+) call\(s\), got (\d+)", reason):
        kind = "a missing call" if int(m[2]) < int(m[1]) else "an extra call"
    elif re.search(r"satellite|stations|event_id", reason):
        kind = "right tool, a wrong name or id (or list length)"
    else:
        kind = "right tool, another wrong argument value"
    kinds[kind] += 1
print(f"{sum(kinds.values())} misses of {len(report['records'])} records")
print("| miss | count |\n|---|---:|")
for kind, n in kinds.most_common():
    print(f"| {kind} | {n} |")
