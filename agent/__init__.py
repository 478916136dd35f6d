"""The agent layer: command plans, their validator and exports, and the planner.

The names below are imported on first use, so that ``cosmo-agent --help`` (whose module,
``cosmo_agent.agent.cli``, lives in this package) starts without loading LangGraph, the
tools or the orbital core.

>>> from cosmo_agent import agent
>>> "validate_plan" in agent.__all__
True
>>> agent.validate_plan.__name__
'validate_plan'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cosmo_agent.agent.export import (
        PlanExportError,
        fprime_sequence,
        plan_from_json,
        plan_to_json,
        yamcs_stack,
    )
    from cosmo_agent.agent.graph import ApprovalDecision
    from cosmo_agent.agent.plan import CommandPlan, PlannedCommand
    from cosmo_agent.agent.planners import ScriptedPlanner, make_planner
    from cosmo_agent.agent.planning import PlannerBackend, PlannerTask
    from cosmo_agent.agent.rules import RulesPlanner
    from cosmo_agent.agent.runner import Agent, AskResult, PlanResult
    from cosmo_agent.agent.validator import RULES, ValidationReport, Violation, validate_plan

__all__ = [
    "RULES",
    "Agent",
    "ApprovalDecision",
    "AskResult",
    "CommandPlan",
    "PlanExportError",
    "PlanResult",
    "PlannedCommand",
    "PlannerBackend",
    "PlannerTask",
    "RulesPlanner",
    "ScriptedPlanner",
    "ValidationReport",
    "Violation",
    "fprime_sequence",
    "make_planner",
    "plan_from_json",
    "plan_to_json",
    "validate_plan",
    "yamcs_stack",
]

_HOME = {
    "PlanExportError": "export", "fprime_sequence": "export", "plan_from_json": "export",
    "plan_to_json": "export", "yamcs_stack": "export", "ApprovalDecision": "graph",
    "CommandPlan": "plan", "PlannedCommand": "plan", "PlannerBackend": "planning",
    "PlannerTask": "planning",
    "ScriptedPlanner": "planners", "make_planner": "planners", "RulesPlanner": "rules",
    "Agent": "runner", "AskResult": "runner", "PlanResult": "runner", "RULES": "validator",
    "ValidationReport": "validator", "Violation": "validator", "validate_plan": "validator",
}  # fmt: skip
"""Where each public name lives (a module of this package), imported on first use."""


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
