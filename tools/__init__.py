"""Typed tools and data sources over the orbital core."""

from cosmo_agent.tools.commands import (
    CommandDictionary,
    dictionary_for,
    load_command_dictionary,
)
from cosmo_agent.tools.mission import Mission, MissionError, load_mission, parse_mission
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
    "Alert",
    "AlertRule",
    "CommandDictionary",
    "ContactOpportunity",
    "Mission",
    "MissionError",
    "SatelliteDemand",
    "SatelliteProfile",
    "Schedule",
    "SpaceWeatherReport",
    "StationConfig",
    "dictionary_for",
    "evaluate_alerts",
    "load_command_dictionary",
    "load_mission",
    "parse_mission",
    "schedule_contacts",
    "space_weather_report",
    "validate_schedule",
]
