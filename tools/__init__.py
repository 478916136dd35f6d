"""Typed tools and data sources over the orbital core."""

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
    "ContactOpportunity",
    "SatelliteDemand",
    "SatelliteProfile",
    "Schedule",
    "SpaceWeatherReport",
    "StationConfig",
    "evaluate_alerts",
    "schedule_contacts",
    "space_weather_report",
    "validate_schedule",
]
