"""The planner contract shared by the graph, the backends and the rules playbook.

:class:`PlannerTask` (what a backend plans for), :class:`PlannerBackend` (the protocol every
backend meets), :data:`PlannerMode`, :class:`PlannerError` and :data:`RequestReader` (who reads
a ``plan`` task's free-text requests). Both :mod:`~cosmo_agent.agent.planners` (the backends)
and :mod:`~cosmo_agent.agent.rules` (the playbook) import them from here, so neither imports
the other for its types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from langchain_core.messages import AIMessage, BaseMessage

from cosmo_agent.agent.intents import IntendedCall
from cosmo_agent.tools.mission import Mission

__all__ = [
    "PlannerBackend",
    "PlannerError",
    "PlannerMode",
    "PlannerTask",
    "RequestReader",
]

PlannerMode = Literal["plan", "ask"]
"""``plan``: build a command plan for the mission's objectives; ``ask``: answer one request."""


class PlannerError(RuntimeError):
    """A backend that cannot run (missing extra or model, unreachable endpoint); the message
    says what to install, start or pass."""


@dataclass(frozen=True)
class PlannerTask:
    """What a backend plans for: the mode, the mission, the user turn and the tool schemas.

    ``tools`` are the OpenAI tool schemas with the mission's names as enums
    (:func:`cosmo_agent.tools.registry.openai_tools`); ``now`` is the planning clock
    (relative times in requests, "in 2 hours", are read against it).
    """

    mode: PlannerMode
    mission: Mission
    request: str
    tools: tuple[Mapping[str, object], ...] = ()
    now: datetime | None = None

    def clock(self) -> datetime:
        """The planning clock: ``now``, else the mission horizon's start."""
        return self.now if self.now is not None else self.mission.horizon.start()


@runtime_checkable
class PlannerBackend(Protocol):
    """Chooses the next assistant turn: an ``AIMessage`` with ``tool_calls`` (the graph runs
    them and asks again) or with plain ``content`` (the answer; the graph moves on)."""

    name: str

    def next_turn(self, task: PlannerTask, messages: Sequence[BaseMessage]) -> AIMessage:
        """The next assistant message: tool calls to run, or the final answer."""
        ...


RequestReader = Callable[[PlannerTask], Sequence[IntendedCall]]
"""Reads a ``plan`` task's free-text requests (``task.mission.requests``) into the tool calls
they ask for, in the tool contract's terms (values may be spans with units; the tools resolve
them). The rules' own reader is :func:`~cosmo_agent.agent.intents.parse_request`; the Cosmo
planner passes the model's reading (:meth:`cosmo_agent.agent.planners.CosmoPlanner.read_requests`).
"""
