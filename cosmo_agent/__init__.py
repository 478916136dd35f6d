"""Cosmo Agent: a satellite-operations agent with a verified orbital core.

The public names live in the layer packages (``cosmo_agent.orbital``,
``cosmo_agent.tools``, ``cosmo_agent.agent``, ``cosmo_agent.model``); this facade
re-exports the few that embedding software needs most. Each is imported on first use, so
``import cosmo_agent`` (and ``cosmo-agent --help``) loads neither the orbital core nor
LangGraph until a name is asked for.

>>> from cosmo_agent import Agent, Catalog, CommandPlan, load_mission
>>> Agent.__name__, Catalog.__name__, CommandPlan.__name__, load_mission.__name__
('Agent', 'Catalog', 'CommandPlan', 'load_mission')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cosmo_agent.agent.plan import CommandPlan
    from cosmo_agent.agent.runner import Agent
    from cosmo_agent.orbital import Catalog
    from cosmo_agent.tools.mission import load_mission

__all__ = ["Agent", "Catalog", "CommandPlan", "__version__", "load_mission"]

__version__ = "0.1.0"

_LAZY = {
    "Agent": "cosmo_agent.agent.runner",
    "Catalog": "cosmo_agent.orbital",
    "CommandPlan": "cosmo_agent.agent.plan",
    "load_mission": "cosmo_agent.tools.mission",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cosmo_agent' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
