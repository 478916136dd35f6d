"""Perplexity of the first assistant turn (the tool call / direct answer) on a held-out split."""
import collections
import json
import math
import sys
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM

from cosmo_agent.model.tokenizer import load_tokenizer
from cosmo_agent.model.train import IGNORE_INDEX, assistant_labels

model_dir, split = sys.argv[1], sys.argv[2]
tok = load_tokenizer(model_dir)
model: Any = AutoModelForCausalLM.from_pretrained(model_dir, dtype="float32")
model.eval()
nll: dict[str, float] = collections.defaultdict(float)
n: collections.Counter[str] = collections.Counter()
for line in Path(split).read_text(encoding="utf-8").splitlines():
    r = json.loads(line)
    ms = r["messages"]
    first = next(i for i, m in enumerate(ms) if m["role"] == "assistant")
    ids, labels = assistant_labels(tok, ms[: first + 1], r["tools"])
    x = torch.tensor([ids])
    y = torch.tensor([labels])
    with torch.no_grad():
        logits = model(x).logits[0, :-1]
    loss = torch.nn.functional.cross_entropy(
        logits, y[0, 1:], ignore_index=IGNORE_INDEX, reduction="sum"
    )
    k = int((y[0, 1:] != IGNORE_INDEX).sum())
    for g in ("all", r["lang"]):
        nll[g] += float(loss)
        n[g] += k
print(json.dumps({g: {"assistant_tokens": n[g], "perplexity": math.exp(nll[g] / n[g])}
                  for g in n}))
