"""The public surface of every module, pinned: a name added or removed is a decision.

``tests/data/public_api.json`` holds each module's sorted ``__all__`` (the packages' facades
and every module below them). A regression pin, not a proof: it records what the code exports
today. After changing a surface on purpose, run ``python tests/test_public_api.py --update``,
read the diff of the JSON file, and keep README.md / ARCHITECTURE.md true with it.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).parent / "data" / "public_api.json"
FOLDERS = ["orbital", "tools", "agent", "model", "missions"]


def modules() -> list[str]:
    """``cosmo_agent`` and every module of the code folders, packages first."""
    names = ["cosmo_agent"]
    for folder in FOLDERS:
        package = importlib.import_module(f"cosmo_agent.{folder}")
        names.append(package.__name__)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            if not info.name.endswith("__main__"):
                names.append(info.name)
    return names


def surface() -> dict[str, list[str]]:
    """Each module's ``__all__``, sorted."""
    return {name: sorted(importlib.import_module(name).__all__) for name in modules()}


PINNED: dict[str, list[str]] = (
    json.loads(SNAPSHOT.read_text(encoding="utf-8")) if SNAPSHOT.exists() else {}
)


def test_every_module_is_pinned() -> None:
    assert sorted(PINNED) == sorted(modules()), "run: python tests/test_public_api.py --update"


@pytest.mark.parametrize("name", modules())
def test_module_exports_are_pinned(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, list), f"{name} has no __all__"
    assert len(set(exported)) == len(exported), f"{name}.__all__ lists a name twice"
    assert [n for n in exported if not hasattr(module, n)] == [], f"{name}: undefined names"
    assert sorted(exported) == PINNED.get(name), "run: python tests/test_public_api.py --update"


def test_facades_export_what_an_embedder_needs() -> None:
    """The names the README's library section and an embedder reach for, by package."""
    needs = {
        "cosmo_agent": {"Agent", "Catalog", "CommandPlan", "load_mission"},
        "cosmo_agent.orbital": {"propagate", "find_passes", "screen", "Cdm", "assess_encounter",
                                "collision_probability", "pc3d_hall", "catalog_encounter"},
        "cosmo_agent.agent": {"Agent", "PlannerBackend", "PlannerTask", "validate_plan"},
        "cosmo_agent.tools": {"load_mission", "call_tool", "openai_tools", "ToolContext"},
    }  # fmt: skip
    for package, names in needs.items():
        assert names <= set(PINNED[package]), package


def test_the_plan_records_alerts_in_the_tools_vocabulary() -> None:
    """``PlanAlert`` (agent.plan stays import-light, so it spells its literals) accepts every
    severity, target kind and scale a space-weather ``Alert`` can carry, and no other."""
    from typing import get_args

    from cosmo_agent.agent.plan import PlanAlert
    from cosmo_agent.tools.spaceweather.alerts import Alert, Severity

    fields = PlanAlert.model_fields
    assert get_args(fields["severity"].annotation) == get_args(Severity)
    alert_kinds = set(get_args(Alert.model_fields["target_kind"].annotation))
    assert alert_kinds <= set(get_args(fields["target_kind"].annotation))
    alert_scales = set(get_args(Alert.model_fields["scale"].annotation))
    plan_scales = {a for arg in get_args(fields["scale"].annotation) for a in get_args(arg)}
    assert alert_scales == plan_scales


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    SNAPSHOT.write_text(json.dumps(surface(), indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {SNAPSHOT}")
