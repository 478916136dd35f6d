"""Run every module's docstring examples, imported under the cosmo_agent namespace."""

from __future__ import annotations

import doctest
import importlib
import os
from pathlib import Path

import pytest
from test_public_api import modules

import cosmo_agent

MODULES = modules()  # cosmo_agent and every module below the code folders


def test_every_subpackage_is_collected() -> None:
    """Sub-packages (tools.toolkit, tools.spaceweather, agent.daemon) are walked, not listed."""
    for name in [
        "cosmo_agent.tools.toolkit.conjunctions",
        "cosmo_agent.tools.spaceweather.alerts",
        "cosmo_agent.agent.daemon.screening",
        "cosmo_agent.missions",
    ]:
        assert name in MODULES


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
