"""cosmo-tiny training run: model.train.train() with the recipe overridden for a 2-core CPU,
and a wall-clock cap (a TrainerCallback) so that the run ends on time whatever the load."""
import json
import sys
import time
from typing import Any

from transformers import TrainerCallback

from cosmo_agent.model.train import TrainConfig, train

data, out, max_steps, budget_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])


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
    max_length=2048,
    batch_size=4,
    learning_rate=2e-3,
    warmup=0.05,
    max_steps=max_steps,
    logging_steps=10,
    eval_steps=None,
    max_eval_examples=40,
    save_steps=100,
    seed=0,
)
t0 = time.time()
result = train(config, callbacks=[WallClockCap(budget_s)])
wall = time.time() - t0
metrics = dict(result.metrics, wall_s=wall)
print(json.dumps(metrics, default=str), flush=True)
with open(f"{out}/../train-log.json", "w") as fh:
    json.dump({"metrics": metrics, "log_history": result.log_history}, fh, indent=1, default=str)
