"""cosmo-tiny training run: model.train.train() with the recipe sized for a 2-core CPU.

Usage: python train_cosmo_tiny.py CORPUS_DIR OUT_DIR MAX_STEPS WALL_CAP_S [BATCH [INIT_DIR LR]]

MAX_STEPS sets the cosine schedule (choose it from a throughput probe so that the run ends on
its own); WALL_CAP_S is a safety cap (a TrainerCallback) so the run ends on time whatever the
load. INIT_DIR and LR continue from a trained model directory (its weights and tokenizer) with
peak learning rate LR: a second stage of the same run. Architecture and optimiser settings are
below; everything else is the cosmo-tiny recipe
(cosmo-tiny chat template, length-grouped batches, loss on assistant turns only).
"""
import json
import sys
import time
from typing import Any

from transformers import TrainerCallback

from cosmo_agent.model.train import TrainConfig, train

data, out, max_steps, budget_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
batch = int(sys.argv[5]) if len(sys.argv) > 5 else 16
init_from = sys.argv[6] if len(sys.argv) > 6 else None
lr = float(sys.argv[7]) if len(sys.argv) > 7 else 3e-3


class WallClockCap(TrainerCallback):
    def __init__(self, budget_s: float) -> None:
        self.deadline = time.monotonic() + budget_s

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if time.monotonic() > self.deadline:
            print(f"wall-clock cap reached at step {state.global_step}", flush=True)
            control.should_training_stop = True
        return control


config = TrainConfig.from_recipe(
    "cosmo-tiny",
    data=data,
    output_dir=out,
    hidden_size=192,
    num_layers=4,
    num_heads=4,
    num_kv_heads=4,
    intermediate_size=512,
    vocab_size=4096,
    max_length=1024,
    batch_size=batch,
    learning_rate=lr,
    init_from=init_from,
    warmup=0.04,
    max_steps=max_steps,
    logging_steps=25,
    eval_steps=None,
    max_eval_examples=64,
    save_steps=200,
    seed=0,
)
t0 = time.time()
result = train(config, callbacks=[WallClockCap(budget_s)])
wall = time.time() - t0
metrics = dict(result.metrics, wall_s=wall)
print(json.dumps(metrics, default=str), flush=True)
with open(f"{out}/../train-log.json", "w") as fh:
    json.dump({"metrics": metrics, "log_history": result.log_history}, fh, indent=1, default=str)
