"""Cosmo, the planner model: corpus, tokenizer, training, evaluation, inference and serving.

This package sees tools only as JSON schemas and imports neither ``cosmo_agent.agent`` nor
``cosmo_agent.orbital``; the corpus builder gets its teacher (the rules planner) as an argument.
Importing it does not load torch, transformers, xgrammar or fastapi, nor any of its
modules: each name below loads its module on first use, so that ``cosmo_agent.model.web``
(the daemon's web stack) costs only what it uses. The stage functions
``evaluate``, ``train`` and ``serve`` are reached through their modules
(``cosmo_agent.model.train.train``, ...), whose names they share.

>>> from cosmo_agent import model
>>> "CosmoChatModel" in model.__all__
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cosmo_agent.model.corpus import Teacher, build_corpus, calls_agree, generate_request
    from cosmo_agent.model.evaluate import load_split, report_markdown, write_report
    from cosmo_agent.model.inference import CosmoChatModel, ToolCallFormat
    from cosmo_agent.model.serve import create_app, lambda_handler
    from cosmo_agent.model.tokenizer import load_tokenizer, train_tokenizer
    from cosmo_agent.model.train import RECIPES, TrainConfig

__all__ = [
    "RECIPES",
    "CosmoChatModel",
    "Teacher",
    "ToolCallFormat",
    "TrainConfig",
    "build_corpus",
    "calls_agree",
    "create_app",
    "generate_request",
    "lambda_handler",
    "load_split",
    "load_tokenizer",
    "report_markdown",
    "train_tokenizer",
    "write_report",
]

_HOME = {
    "Teacher": "corpus", "build_corpus": "corpus", "calls_agree": "corpus",
    "generate_request": "corpus", "load_split": "evaluate", "report_markdown": "evaluate",
    "write_report": "evaluate", "CosmoChatModel": "inference", "ToolCallFormat": "inference",
    "create_app": "serve", "lambda_handler": "serve", "load_tokenizer": "tokenizer",
    "train_tokenizer": "tokenizer", "RECIPES": "train", "TrainConfig": "train",
}  # fmt: skip


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
