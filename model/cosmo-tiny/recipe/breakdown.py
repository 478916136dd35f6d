"""AST / irrelevance accuracy of an evaluation report broken down by phrasing set and language.

Usage: python breakdown.py SPLIT_JSONL REPORT_JSON
The set is the first part of each record's template id: gen, heldout (written with the
generator's author) or blind (written without seeing either template set).
"""
import collections
import json
import sys
from pathlib import Path

lines = Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()
rows = {json.loads(x)["id"]: json.loads(x) for x in lines}
report = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
cells: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(
    collections.Counter
)
for rec in report["records"]:
    row = rows[rec["id"]]
    group = row["template"].split("/")[0]
    for key in ((group, rec["lang"]), (group, "all"), ("all", "all")):
        c = cells[key]
        kind = "rel" if rec["relevant"] else "irr"
        c[kind] += 1
        c[kind + "_ok"] += bool(rec["correct"])
print("| set | lang | relevant | AST acc. | irrelevant | irrelevance |")
print("|---|---|---:|---:|---:|---:|")
for (group, lang), c in sorted(cells.items()):
    ast = c["rel_ok"] / c["rel"] if c["rel"] else float("nan")
    irr = c["irr_ok"] / c["irr"] if c["irr"] else float("nan")
    print(f"| {group} | {lang} | {c['rel']} | {ast:.1%} | {c['irr']} | {irr:.1%} |")
