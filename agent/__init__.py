"""The agent layer: command plans, their validator and exports, and the planner.

>>> from cosmo_agent import agent
>>> "validate_plan" in agent.__all__
True
"""

from cosmo_agent.agent.export import (
    PlanExportError,
    fprime_sequence,
    plan_from_json,
    plan_to_json,
    yamcs_stack,
)
from cosmo_agent.agent.plan import CommandPlan, PlannedCommand
from cosmo_agent.agent.validator import RULES, ValidationReport, Violation, validate_plan

__all__ = [
    "RULES",
    "CommandPlan",
    "PlanExportError",
    "PlannedCommand",
    "ValidationReport",
    "Violation",
    "fprime_sequence",
    "plan_from_json",
    "plan_to_json",
    "validate_plan",
    "yamcs_stack",
]
