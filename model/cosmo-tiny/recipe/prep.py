"""Merge Cosmo corpus shards and write the training view (conversations are cut, never edited).

Each train/validation conversation keeps its full turns when the tool results in it are short
(<= MAX_TOOL_CHARS characters in all); otherwise it is cut after the first assistant turn (the
tool call, or the direct answer of a no-tool request): multi-kB tool results (ephemerides, pass
lists) would cost most of the CPU budget and teach nothing about choosing the call. The test
split is copied unchanged. manifest.json: counts per split, language and intent, teacher
agreement (from each shard's disagreements.jsonl), sha256 of every written file.
Usage: python prep.py OUT_DIR SHARD_DIR [SHARD_DIR ...]
"""
import collections
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

MAX_TOOL_CHARS = 600


def view(row: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    messages = row["messages"]
    tool_chars = sum(len(str(m.get("content") or "")) for m in messages if m["role"] == "tool")
    if tool_chars > MAX_TOOL_CHARS:
        first = next(i for i, m in enumerate(messages) if m["role"] == "assistant")
        return {**row, "messages": messages[: first + 1]}, True
    return row, False


out = Path(sys.argv[1])
shards = [Path(s) for s in sys.argv[2:]]
out.mkdir(parents=True, exist_ok=True)
manifest: dict[str, Any] = {
    "format": "cosmo-corpus/1 (merged shards)",
    "shards": [str(s) for s in shards],
    "max_tool_chars": MAX_TOOL_CHARS,
    "counts": {},
    "intents": {},
    "cut": {},
    "files": {},
}
for split in ("train", "validation", "test"):
    langs: collections.Counter[str] = collections.Counter()
    intents: collections.Counter[str] = collections.Counter()
    cut = 0
    path = out / f"{split}.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for shard in shards:
            for line in (shard / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                if split != "test":
                    row, was_cut = view(row)
                    cut += was_cut
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                langs[row["lang"]] += 1
                intents[row["intent"]] += 1
    manifest["counts"][split] = {"en": langs["en"], "ko": langs["ko"], "total": sum(langs.values())}
    manifest["intents"][split] = dict(sorted(intents.items()))
    manifest["cut"][split] = cut
kept = sum(c["total"] for c in manifest["counts"].values())
reasons: collections.Counter[str] = collections.Counter()
by_intent: collections.Counter[str] = collections.Counter()
for shard in shards:
    for line in (shard / "disagreements.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        reasons[r["reason"].split(":")[0]] += 1
        by_intent[r["intent"]] += 1
dropped = sum(reasons.values())
manifest["teacher"] = {"checked": kept + dropped, "agreed": kept, "dropped": dropped,
                       "dropped_by_reason": dict(reasons), "dropped_by_intent": dict(by_intent)}
for p in sorted(out.glob("*.jsonl")):
    data = p.read_bytes()
    manifest["files"][p.name] = {"sha256": hashlib.sha256(data).hexdigest(),
                                 "lines": data.count(b"\n")}
(out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
print(json.dumps({k: manifest[k] for k in ("counts", "cut", "teacher")}, ensure_ascii=False))
