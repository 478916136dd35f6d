"""Run every module's docstring examples, imported under the cosmo_agent namespace."""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil
from pathlib import Path

import pytest

import cosmo_agent

PACKAGES = [
    "cosmo_agent.orbital", "cosmo_agent.tools", "cosmo_agent.agent", "cosmo_agent.agent.daemon",
    "cosmo_agent.model",
]
MODULES = ["cosmo_agent"] + [
    f"{pkg}.{info.name}"
    for pkg in PACKAGES
    for info in pkgutil.iter_modules(importlib.import_module(pkg).__path__)
    if info.name != "__main__"
] + PACKAGES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_readme_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's library examples run as written, from the repository root."""
    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    result = doctest.testfile(
        os.fspath(root / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS
    )
    assert result.attempted >= 8 and result.failed == 0


def test_facade_version() -> None:
    assert cosmo_agent.__version__
