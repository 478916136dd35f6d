"""Train Cosmo's tool-choice head (model/tool_choice.py) on a corpus and write it into a model dir.

Usage: python tool_choice.py TRAIN_JSONL MODEL_DIR [REQUESTS [WEIGHT_DECAY [FEATURES_PT
       [NGRAM_DIM]]]]

Each row's first request is one example, labelled with the calls of the assistant turn that
answers it (none: answered in words); rows repeated in the corpus stay repeated, as the decoder
trained on them.  REQUESTS of them (default 5000, after a seeded shuffle, seed 0) are read by
SmolLM2-135M (``smollm2_encoder``) and the head is fitted with WEIGHT_DECAY (default 1e-2).
FEATURES_PT, if given, caches the features (``torch.save``) and is reused when it exists;
NGRAM_DIM (default 16384; 0: none) columns of the requests' hashed character n-grams
(``ngram_bag``, scale 10, their weight decay 1e-3) join the encoder's features.
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
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
weight_decay = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-2
cache = Path(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5] != "-" else None
ngram_dim = int(sys.argv[6]) if len(sys.argv) > 6 else 2**14

rows: list[tuple[str, list[str]]] = []
with train.open(encoding="utf-8") as fh:
    for line in fh:
        messages = json.loads(line)["messages"]
        u = next(i for i, m in enumerate(messages) if m["role"] == "user")
        answer = messages[u + 1]
        calls = [c["function"]["name"] for c in answer.get("tool_calls") or []]
        rows.append((messages[u]["content"], calls))
random.Random(0).shuffle(rows)
rows = rows[:limit]
encoder = smollm2_encoder()
if cache is not None and cache.is_file():
    features = torch.load(cache)
else:
    start = time.time()
    features = encoder([text for text, _ in rows])
    print(f"read {len(rows)} requests in {time.time() - start:.0f} s")
    if cache is not None:
        torch.save(features, cache)
start = time.time()
head = fit_tool_sets(features, [calls for _, calls in rows], layers=encoder.layers,
                     encoder=SMOLLM2_ENCODER, weight_decay=weight_decay,
                     texts=[text for text, _ in rows], ngram_dim=ngram_dim)
print(f"fitted {len(head.sets)} sets in {time.time() - start:.1f} s: {head.sets}")
head.save(model_dir / HEAD_FILE)
print(f"wrote {model_dir / HEAD_FILE}")
