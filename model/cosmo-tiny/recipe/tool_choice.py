"""Train Cosmo's tool-choice head (model/tool_choice.py) on a corpus and write it into a model dir.

Usage: python tool_choice.py TRAIN_JSONL MODEL_DIR [REQUESTS [WEIGHT_DECAY [FEATURES_PT
       [NGRAM_DIM]]]]

Each row's first request is one example, labelled with the calls of the assistant turn that
answers it (none: answered in words) and the arguments each call writes (the head decides
those that training sometimes writes and sometimes leaves out, and the value of a closed
string argument such as an objective); rows repeated in the corpus stay repeated, as the
decoder trained on them.  REQUESTS of them (default 0: all; else the first after a seeded
shuffle, seed 0) are read by SmolLM2-135M (``smollm2_encoder``, each distinct text once;
the shipped head's 15,105 rows hold 11,855) and the head is fitted with
WEIGHT_DECAY (default 1e-2).  FEATURES_PT, if given, caches the features (``torch.save``) and
is reused when it exists; a cache of fewer rows is extended (its rows are the first of the
same shuffle).  NGRAM_DIM (default 16384; 0: none) columns of the requests' hashed character
n-grams (``ngram_bag``, scale 10, their weight decay 1e-3) join the encoder's features.
"""

import json
import random
import sys
import time
from pathlib import Path

import torch

from cosmo_agent.model.tool_choice import (
    HEAD_FILE,
    SMOLLM2_ENCODER,
    fit_tool_sets,
    smollm2_encoder,
)

train, model_dir = Path(sys.argv[1]), Path(sys.argv[2])
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 0
weight_decay = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-2
cache = Path(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5] != "-" else None
ngram_dim = int(sys.argv[6]) if len(sys.argv) > 6 else 2**14

def call_arguments(arguments: str | dict[str, object]) -> dict[str, object]:
    return dict(json.loads(arguments) if isinstance(arguments, str) else arguments)


rows: list[tuple[str, list[str], list[dict[str, object]]]] = []
with train.open(encoding="utf-8") as fh:
    for line in fh:
        messages = json.loads(line)["messages"]
        u = next(i for i, m in enumerate(messages) if m["role"] == "user")
        answer = messages[u + 1]
        written = answer.get("tool_calls") or []
        calls = [c["function"]["name"] for c in written]
        names = [call_arguments(c["function"]["arguments"]) for c in written]
        rows.append((messages[u]["content"], calls, names))
random.Random(0).shuffle(rows)
rows = rows[:limit] if limit > 0 else rows
encoder = smollm2_encoder()
features = torch.load(cache) if cache is not None and cache.is_file() else None
if features is None or len(features) < len(rows):
    done = 0 if features is None else len(features)
    start = time.time()
    more = encoder([text for text, _, _ in rows[done:]])
    features = more if features is None else torch.cat([features, more])
    distinct = len({text for text, _, _ in rows[done:]})
    print(f"read {len(rows) - done} requests ({distinct} distinct) in {time.time() - start:.0f} s")
    if cache is not None:
        torch.save(features, cache)
features = features[: len(rows)]
start = time.time()
head = fit_tool_sets(features, [calls for _, calls, _ in rows], layers=encoder.layers,
                     encoder=SMOLLM2_ENCODER, weight_decay=weight_decay,
                     texts=[text for text, _, _ in rows], ngram_dim=ngram_dim,
                     argument_names=[names for _, _, names in rows])
print(f"fitted {len(head.sets)} sets in {time.time() - start:.1f} s: {head.sets}")
print(f"and {len(head.arguments)} arguments: {head.arguments}")
head.save(model_dir / HEAD_FILE)
print(f"wrote {model_dir / HEAD_FILE}")
