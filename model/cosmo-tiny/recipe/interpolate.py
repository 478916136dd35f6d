"""Weight-space interpolation of two checkpoints of one run (WiSE-FT, Wortsman et al. 2022):
OUT = (1 - ALPHA) * BASE + ALPHA * TUNED, for a stage that was fine-tuned from BASE.

Usage: python interpolate.py BASE_DIR TUNED_DIR ALPHA OUT_DIR
Both must share config and tokenizer (TUNED continued BASE through init_from). OUT is a float32
save_pretrained directory with TUNED's tokenizer, generation config and cosmo_training.json
(plus an "interpolation" entry), ready for finalize.py.
"""
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM

base_dir, tuned_dir, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[4])
alpha = float(sys.argv[3])
if not 0.0 <= alpha <= 1.0:
    raise SystemExit(f"ALPHA must be in [0, 1], got {alpha}")
if (base_dir / "tokenizer.json").read_bytes() != (tuned_dir / "tokenizer.json").read_bytes():
    raise SystemExit("the two directories have different tokenizers: not one run")
base: Any = AutoModelForCausalLM.from_pretrained(base_dir, dtype="float32")
tuned: Any = AutoModelForCausalLM.from_pretrained(tuned_dir, dtype="float32")
b, t = base.state_dict(), tuned.state_dict()
if b.keys() != t.keys() or any(b[k].shape != t[k].shape for k in b):
    raise SystemExit("the two models have different architectures")
with torch.no_grad():
    tuned.load_state_dict({k: (1 - alpha) * b[k] + alpha * t[k] for k in t})
if out.exists():
    shutil.rmtree(out)
tuned.save_pretrained(out)
for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
    if (tuned_dir / name).exists():
        shutil.copy(tuned_dir / name, out / name)
record = json.loads((tuned_dir / "cosmo_training.json").read_text())
record["interpolation"] = {"base": str(base_dir), "tuned": str(tuned_dir), "alpha": alpha}
(out / "cosmo_training.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
print(json.dumps(record["interpolation"]))
