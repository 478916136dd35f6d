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
from cosmo_agent.agent.graph import ApprovalDecision
from cosmo_agent.agent.plan import CommandPlan, PlannedCommand
from cosmo_agent.agent.planners import PlannerBackend, ScriptedPlanner, make_planner
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
