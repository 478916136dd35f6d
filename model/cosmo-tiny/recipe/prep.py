"""Merge Cosmo corpus shards and write the training view (conversations are cut, never edited).

Each train/validation conversation keeps its full turns when the tool results in it are short
(<= MAX_TOOL_CHARS characters in all); otherwise it is cut after the first assistant turn (the
tool call, or the direct answer of a no-tool request): multi-kB tool results (ephemerides, pass
lists) would cost most of the CPU budget and teach nothing about choosing the call. The test
split is copied unchanged. manifest.json: counts per split, language and intent, teacher
agreement (from each shard's disagreements.jsonl), sha256 of every written file.
Conversations from the worlds of the test set (1000-1009), the development set (2000-2009)
and the unseen-mission sets (3000-3009, 4000-4009) are dropped from every shard, whatever
seeds generated it: a training world must never be an evaluation world (same fleet, same
example ids, same intended calls in other words). The manifest counts what was dropped
and recounts the teacher figures without it.
Usage: python prep.py OUT_DIR SHARD_DIR [SHARD_DIR ...]
"""
import collections
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

MAX_TOOL_CHARS = 600
EVALUATION_WORLDS = frozenset(
    [*range(1000, 1010), *range(2000, 2010), *range(3000, 3010), *range(4000, 4010)]
)  # test, development, unseen-mission test and development


def evaluation_world(example_id: str) -> bool:
    """Whether ``w<seed>-r<k>`` comes from a test or development world."""
    return int(example_id[1:].split("-", 1)[0]) in EVALUATION_WORLDS


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
    "dropped_evaluation_worlds": {},
    "files": {},
}
for split in ("train", "validation", "test"):
    langs: collections.Counter[str] = collections.Counter()
    intents: collections.Counter[str] = collections.Counter()
    cut = dropped = 0
    path = out / f"{split}.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for shard in shards:
            for line in (shard / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                if evaluation_world(row["id"]):
                    dropped += 1
                    continue
                if split != "test":
                    row, was_cut = view(row)
                    cut += was_cut
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                langs[row["lang"]] += 1
                intents[row["intent"]] += 1
    manifest["counts"][split] = {"en": langs["en"], "ko": langs["ko"], "total": sum(langs.values())}
    manifest["intents"][split] = dict(sorted(intents.items()))
    manifest["cut"][split] = cut
    manifest["dropped_evaluation_worlds"][split] = dropped
# Teacher agreement: each shard's manifest counts its own answers that agreed with the
# intended calls and the guided ones (misread by the rules teacher, kept with the intended
# calls run through its tools); disagreements.jsonl lists every miss.
teacher: collections.Counter[str] = collections.Counter()
guided_by_intent: collections.Counter[str] = collections.Counter()
for shard in shards:
    t = json.loads((shard / "manifest.json").read_text(encoding="utf-8"))["teacher"]
    for key in ("checked", "agreed", "guided", "dropped"):
        teacher[key] += t.get(key, 0)
    for line in (shard / "disagreements.jsonl").read_text(encoding="utf-8").splitlines():
        miss = json.loads(line)
        if evaluation_world(miss["id"]):
            teacher["guided"] -= 1
            continue
        guided_by_intent[miss["intent"]] += 1
teacher["checked"] -= sum(manifest["dropped_evaluation_worlds"].values())  # not checked here
teacher["agreed"] = teacher["checked"] - teacher["guided"] - teacher["dropped"]
manifest["teacher"] = {**teacher, "misread_by_intent": dict(guided_by_intent.most_common())}
for p in sorted(out.glob("*.jsonl")):
    data = p.read_bytes()
    manifest["files"][p.name] = {"sha256": hashlib.sha256(data).hexdigest(),
                                 "lines": data.count(b"\n")}
(out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
shown = ("counts", "cut", "dropped_evaluation_worlds", "teacher")
print(json.dumps({k: manifest[k] for k in shown}, ensure_ascii=False))
