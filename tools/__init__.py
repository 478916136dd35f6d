"""Typed tools and data sources over the orbital core.

The names below are imported on first use, so that reading a mission (``cosmo-agent
mission-schema``, ``validate``) does not load the orbital core, the scheduler or the
tool implementations.

>>> from cosmo_agent import tools
>>> tools.load_mission.__name__
'load_mission'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cosmo_agent.tools.commands import (
        CommandDictionary,
        dictionary_for,
        load_command_dictionary,
    )
    from cosmo_agent.tools.mission import Mission, MissionError, load_mission, parse_mission
    from cosmo_agent.tools.registry import (
        ERROR_TEMPLATES,
        ResultStore,
        ToolContext,
        ToolError,
        ToolOutcome,
        ToolSpec,
        call_tool,
        mission_passes,
        mission_schedule,
        openai_tools,
        tool_specs,
    )
    from cosmo_agent.tools.scheduling import (
        ContactOpportunity,
        SatelliteDemand,
        Schedule,
        StationConfig,
        schedule_contacts,
        validate_schedule,
    )
    from cosmo_agent.tools.spaceweather import (
        DEFAULT_ALERT_RULES,
        Alert,
        AlertRule,
        SatelliteProfile,
        SpaceWeatherReport,
        evaluate_alerts,
        space_weather_report,
    )

__all__ = [
    "DEFAULT_ALERT_RULES",
    "ERROR_TEMPLATES",
    "Alert",
    "AlertRule",
    "CommandDictionary",
    "ContactOpportunity",
    "Mission",
    "MissionError",
    "ResultStore",
    "SatelliteDemand",
    "SatelliteProfile",
    "Schedule",
    "SpaceWeatherReport",
    "StationConfig",
    "ToolContext",
    "ToolError",
    "ToolOutcome",
    "ToolSpec",
    "call_tool",
    "dictionary_for",
    "evaluate_alerts",
    "load_command_dictionary",
    "load_mission",
    "mission_passes",
    "mission_schedule",
    "openai_tools",
    "parse_mission",
    "schedule_contacts",
    "space_weather_report",
    "tool_specs",
    "validate_schedule",
]

_HOME = {
    "Alert": "spaceweather",
    "AlertRule": "spaceweather",
    "CommandDictionary": "commands",
    "ContactOpportunity": "scheduling",
    "DEFAULT_ALERT_RULES": "spaceweather",
    "ERROR_TEMPLATES": "registry",
    "Mission": "mission",
    "MissionError": "mission",
    "ResultStore": "registry",
    "SatelliteDemand": "scheduling",
    "SatelliteProfile": "spaceweather",
    "Schedule": "scheduling",
    "SpaceWeatherReport": "spaceweather",
    "StationConfig": "scheduling",
    "ToolContext": "registry",
    "ToolError": "registry",
    "ToolOutcome": "registry",
    "ToolSpec": "registry",
    "call_tool": "registry",
    "dictionary_for": "commands",
    "evaluate_alerts": "spaceweather",
    "load_command_dictionary": "commands",
    "load_mission": "mission",
    "mission_passes": "registry",
    "mission_schedule": "registry",
    "openai_tools": "registry",
    "parse_mission": "mission",
    "schedule_contacts": "scheduling",
    "space_weather_report": "spaceweather",
    "tool_specs": "registry",
    "validate_schedule": "scheduling",
}
"""Where each public name lives (a module of this package), imported on first use."""


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
