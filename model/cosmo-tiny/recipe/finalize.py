"""Half-precision copy of the trained cosmo-tiny for shipping, plus training throughput.

Usage: python finalize.py RUN_MODEL_DIR SHIP_DIR CORPUS_DIR TRAIN_LOG_JSON [NUM_BEAMS
       [LENGTH_PENALTY]]
Chooses float16 or bfloat16 by the smaller max |logit - fp32 logit| on validation prompts.
NUM_BEAMS goes into the shipped generation_config.json: the beam width CosmoChatModel decodes
with by default (chosen on a development set, see the card), and LENGTH_PENALTY the length
penalty its beam compares finished call blocks with (transformers' default 1.0 if not given).
"""
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM

from cosmo_agent.model.tokenizer import load_tokenizer
from cosmo_agent.model.train import assistant_labels

run, ship, corpus, log_path = (Path(a) for a in sys.argv[1:5])
tok = load_tokenizer(run)
model: Any = AutoModelForCausalLM.from_pretrained(run, dtype="float32")
model.eval()
validation = (corpus / "validation.jsonl").read_text(encoding="utf-8").splitlines()
rows = [json.loads(line) for line in validation][:8]
diffs: dict[str, float] = {}
for dtype in (torch.float16, torch.bfloat16):
    half: Any = AutoModelForCausalLM.from_pretrained(run, dtype="float32")
    half.eval()
    half.load_state_dict({k: v.to(dtype).float() for k, v in model.state_dict().items()})
    worst = 0.0
    with torch.no_grad():
        for r in rows:
            ids = torch.tensor([assistant_labels(tok, r["messages"], r["tools"])[0]])
            worst = max(worst, float((model(ids).logits - half(ids).logits).abs().max()))
    diffs[str(dtype)] = worst
best = min(diffs, key=lambda k: diffs[k])
print("max |logit diff| vs fp32:", diffs, "->", best)
if ship.exists():
    shutil.rmtree(ship)
if len(sys.argv) > 5:
    model.generation_config.num_beams = int(sys.argv[5])
if len(sys.argv) > 6:
    model.generation_config.length_penalty = float(sys.argv[6])
model.to(getattr(torch, best.removeprefix("torch."))).save_pretrained(ship)
for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
             "generation_config.json"):
    if (run / name).exists() and not (ship / name).exists():
        shutil.copy(run / name, ship / name)
record = json.loads((run / "cosmo_training.json").read_text())
log = json.loads(log_path.read_text())
train_lines = (corpus / "train.jsonl").read_text(encoding="utf-8").splitlines()
train_rows = [json.loads(line) for line in train_lines]
n_tokens = [len(assistant_labels(tok, r["messages"], r["tools"])[0]) for r in train_rows]
mean_tokens = sum(n_tokens) / len(n_tokens)
runtime = next(h["train_runtime"] for h in log["log_history"] if "train_runtime" in h)
steps = record["metrics"]["global_step"]
seen = steps * record["config"]["batch_size"] * record["config"]["grad_accum"]
record["metrics"].update(
    wall_s=log["metrics"]["wall_s"],
    sft_runtime_s=runtime,
    examples_seen=seen,
    epochs_seen=seen / len(train_rows),
    mean_tokens_per_example=mean_tokens,
    tokens_per_s=seen * mean_tokens / runtime,
    shipped_dtype=best.removeprefix("torch."),
    half_precision_max_logit_diff=diffs,
)
record["corpus_manifest"] = json.loads((corpus / "manifest.json").read_text())
(ship / "cosmo_training.json").write_text(json.dumps(record, indent=2, ensure_ascii=False,
                                                     default=str) + "\n")
print(json.dumps({k: record["metrics"][k] for k in (
    "global_step", "train_loss", "wall_s", "sft_runtime_s", "examples_seen", "epochs_seen",
    "mean_tokens_per_example", "tokens_per_s", "parameters", "vocab_size")}, default=str))
print(sorted(p.name for p in ship.iterdir()), sum(p.stat().st_size for p in ship.iterdir()))
