"""Write a first-turn corpus file's two-call turns in the request's order.

Usage: python order_calls.py IN_JSONL OUT_JSONL

The rules teacher writes a "screening and space weather" request's calls weather first, while
the guided examples of the same intent (and the request itself) put the screening first, so
the first tool of a screening-like request was ambiguous to the model (the seventh build's
first stage called `space_weather` for 10 of 12 screening requests of the development set).
For each conversation whose last turn makes as many calls as its ``intended`` list, the calls
are put in the intended order and their ids renumbered (``call_001``...); nothing else
changes. Only for first-turn corpora (``model corpus --first-turns``): a full conversation's
tool results follow the calls' ids, which this would renumber.
"""
import json
import sys

src, dst = sys.argv[1], sys.argv[2]
changed = 0
with open(src, encoding="utf-8") as inp, open(dst, "w", encoding="utf-8") as out:
    for line in inp:
        row = json.loads(line)
        last = row["messages"][-1]
        if any(m["role"] == "tool" for m in row["messages"]):
            raise SystemExit(f"{src}: {row['id']} has tool results; first-turn corpora only")
        calls = last.get("tool_calls") if last["role"] == "assistant" else None
        order = [c["name"] for c in row.get("intended") or []]
        if calls and len(calls) > 1 and len(order) == len(calls):
            rank = {name: i for i, name in enumerate(order)}
            ordered = sorted(calls, key=lambda c: rank.get(c["function"]["name"], len(order)))
            changed += ordered != calls
            row["messages"][-1] = {
                **last,
                "tool_calls": [{**c, "id": f"call_{i + 1:03d}"} for i, c in enumerate(ordered)],
            }
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
print(json.dumps({"file": dst, "reordered": changed}))
