"""Export a trained Cosmo model as a small, self-contained directory with a model card.

``cosmo-agent model export RUN_DIR --out model/cosmo-tiny --report eval.json`` writes the
weights (safetensors, in ``dtype``), the tokenizer with its chat template, the training
record and a ``README.md`` model card holding the evaluation table.  ``--num-beams N`` and
``--length-penalty X`` record the beam width and the length penalty ``CosmoChatModel`` decodes
with by default (``generation_config.json``).
Loading needs nothing but this directory (``CosmoChatModel.load(out)``); the weights are cast
back to float32 on CPU when loaded.

>>> sorted(EXPORT_DTYPES)
['bfloat16', 'float16', 'float32']
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cosmo_agent.model.evaluate import report_markdown

__all__ = ["EXPORT_DTYPES", "export_model", "main", "model_card"]

EXPORT_DTYPES = ("bfloat16", "float16", "float32")
_TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
)
_RECORDS = ("cosmo_training.json", "manifest.json")


def model_card(
    name: str, config: dict[str, Any], training: dict[str, Any] | None,
    report: dict[str, Any] | None, n_parameters: int, dtype: str, num_beams: int = 1,
    length_penalty: float = 1.0,
) -> str:
    """The model card text: what the model is, how it was made, how it scores."""
    lines = [
        f"# {name}",
        "",
        "Cosmo, the Cosmo Agent planner model: it turns an operator's request (English or "
        "Korean) into tool calls of the Cosmo Agent tool contract and writes the briefing. "
        "Trained from scratch by this project's own pipeline (`cosmo-agent model corpus | "
        "train | evaluate | export`); the teacher is the rules planner.",
        "",
        f"- architecture: {config.get('model_type', '?')}, {config.get('num_hidden_layers', '?')} "
        f"layers, hidden {config.get('hidden_size', '?')}, vocabulary "
        f"{config.get('vocab_size', '?')}, {n_parameters:,} parameters, stored as {dtype}",
        "- licence: Apache-2.0 (weights and data are this project's own)",
        "- decoding: " + ("greedy" if num_beams == 1 else
                          f"beam search in call blocks, width {num_beams}, length penalty "
                          f"{length_penalty:g}")
        + ", schema-constrained with xgrammar (`CosmoChatModel`)",
    ]
    if training:
        lines += ["", "## Training", "", "```json", json.dumps(training, indent=2,
                                                              ensure_ascii=False), "```"]
    if report:
        lines += ["", "## Evaluation (held-out test split)", "", report_markdown(report)]  # type: ignore[arg-type]
    return "\n".join(lines) + "\n"


def export_model(
    source: str | Path, out: str | Path, *, dtype: str = "bfloat16",
    report: str | Path | None = None, name: str = "cosmo-tiny", num_beams: int | None = None,
    length_penalty: float | None = None,
) -> Path:
    """Write ``source`` (a ``save_pretrained`` directory) to ``out`` in ``dtype``."""
    import torch
    from transformers import AutoModelForCausalLM

    if dtype not in EXPORT_DTYPES:
        raise ValueError(f"dtype {dtype!r} is not one of {EXPORT_DTYPES}")
    if num_beams is not None and num_beams < 1:
        raise ValueError(f"num_beams must be at least 1, got {num_beams}")
    src, dst = Path(source), Path(out)
    if not (src / "config.json").is_file():
        raise FileNotFoundError(f"{src}: no config.json; give a directory written by "
                                "`cosmo-agent model train`")
    model = AutoModelForCausalLM.from_pretrained(src, torch_dtype=torch.float32)
    model = model.to(getattr(torch, dtype))
    if num_beams is not None:
        model.generation_config.num_beams = num_beams
    if length_penalty is not None:
        model.generation_config.length_penalty = length_penalty
    dst.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(dst, safe_serialization=True)
    for fname in _TOKENIZER_FILES + _RECORDS:
        if (src / fname).is_file():
            shutil.copy2(src / fname, dst / fname)
    training = (json.loads((src / "cosmo_training.json").read_text(encoding="utf-8"))
                if (src / "cosmo_training.json").is_file() else None)
    metrics = json.loads(Path(report).read_text(encoding="utf-8")) if report else None
    if metrics is not None:
        shutil.copy2(Path(report), dst / "evaluation.json")  # type: ignore[arg-type]
    n_params = sum(p.numel() for p in model.parameters())
    configured = model.generation_config.length_penalty
    card = model_card(name, model.config.to_dict(), training, metrics, n_params, dtype,
                      int(model.generation_config.num_beams or 1),
                      1.0 if configured is None else float(configured))
    (dst / "README.md").write_text(card, encoding="utf-8")
    return dst


def main(argv: Sequence[str] | None = None) -> int:
    """``cosmo-agent model export RUN_DIR --out DIR [--dtype bfloat16] [--report eval.json]``."""
    parser = argparse.ArgumentParser(prog="cosmo-agent model export", description=main.__doc__)
    parser.add_argument("source", help="training output directory (save_pretrained layout)")
    parser.add_argument("--out", required=True, help="export directory")
    parser.add_argument("--dtype", choices=EXPORT_DTYPES, default="bfloat16")
    parser.add_argument("--report", help="evaluation JSON (from `model evaluate`) for the card")
    parser.add_argument("--name", default="cosmo-tiny")
    parser.add_argument("--num-beams", type=int, default=None,
                        help="default beam width to record (default: the run's own, else 1)")
    parser.add_argument("--length-penalty", type=float, default=None,
                        help="default length penalty to record: call blocks are compared by "
                             "log-probability / length ** this (default: the run's own, "
                             "else 1.0; 0: total log-probability)")
    args = parser.parse_args(argv)
    try:
        out = export_model(args.source, args.out, dtype=args.dtype, report=args.report,
                           name=args.name, num_beams=args.num_beams,
                           length_penalty=args.length_penalty)
    except (FileNotFoundError, ValueError) as exc:
        print(f"cosmo-agent model export: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"out": str(out), "files": sorted(p.name for p in out.iterdir())}))
    return 0
