"""Typed tools and data sources over the orbital core."""

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
