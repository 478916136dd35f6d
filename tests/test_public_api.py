"""The public surface of every package, pinned: a name added or removed is a decision.

A regression pin, not a proof: the lists are what the packages export today. Change them
here together with README.md / ARCHITECTURE.md when the surface changes on purpose.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

PUBLIC = {
    "cosmo_agent": ["Agent", "Catalog", "CommandPlan", "__version__", "load_mission"],
    "cosmo_agent.orbital": [
        "AVOIDANCE_STATUS",
        "AssumedCovariance",
        "AvoidanceSolution",
        "AvoidanceStatus",
        "Catalog",
        "CatalogEncounter",
        "Cdm",
        "CdmCheck",
        "CdmError",
        "CdmFormat",
        "CdmHeader",
        "CdmIssue",
        "CdmObject",
        "CdmRelative",
        "CloseApproach",
        "Conjunctions",
        "CovarianceSource",
        "DEFAULT_BALLISTIC_COEFFICIENT_M2_KG",
        "DEFAULT_SECONDARY_HBR_M",
        "DENSITY_ENHANCEMENT_BY_G_LEVEL",
        "EarthOrientationTable",
        "ElementRecord",
        "ElementSetError",
        "EncounterAssessment",
        "EncounterModel",
        "EncounterPlane",
        "Ephemeris",
        "GroundStations",
        "HbrType",
        "HorizonMask",
        "LightingIntervals",
        "LightingState",
        "MaxPcResult",
        "MeanElements",
        "MonteCarloMode",
        "MonteCarloResult",
        "NaiveDatetimeError",
        "NonPositiveDefinite",
        "Oem",
        "OemCovariance",
        "OemError",
        "OemSegment",
        "PC3D_STATUS",
        "PC_STATUS",
        "ParseIssue",
        "PassEvent",
        "Passes",
        "Pc3DResult",
        "Pc3DStatus",
        "PcMethod",
        "PcMethodUsed",
        "PcResult",
        "PcStatus",
        "Rescreen",
        "SGP4_ERRORS",
        "SUN_RADIUS_KM",
        "SatrecFit",
        "Staleness",
        "StalenessPolicy",
        "UsageViolations",
        "WGS72_MU_KM3_S2",
        "WGS72_RADIUS_KM",
        "WGS84_FLATTENING",
        "WGS84_MU_KM3_S2",
        "WGS84_RADIUS_KM",
        "apply_impulse",
        "assess_encounter",
        "beta_angle_deg",
        "cartesian_to_equinoctial",
        "catalog_default_covariance",
        "catalog_encounter",
        "catalog_pcs",
        "closest_approach",
        "collision_probability",
        "coppola_bounds_s",
        "covariance_inertial_to_rtn",
        "covariance_rtn_to_inertial",
        "default_covariance_rtn_km2",
        "earth_orientation_table",
        "encounter_model",
        "encounter_plane",
        "equinoctial_to_cartesian",
        "estimate_storm_drift_km",
        "exponential_density_kg_m3",
        "find_passes",
        "fit_satrec",
        "format_alpha5",
        "geodetic_to_itrs",
        "illumination_fraction",
        "iter_propagate",
        "itrs_to_geodetic",
        "lighting_intervals",
        "max_collision_probability",
        "monte_carlo_pc",
        "orbit_period_s",
        "parse_alpha5",
        "parse_omm",
        "parse_tle_lines",
        "pc3d_hall",
        "plan_avoidance",
        "propagate",
        "propagate_elements",
        "require_utc",
        "rescreen_after_maneuver",
        "rtn_basis",
        "samples_for_accuracy",
        "screen",
        "screen_grid",
        "sun_position_gcrs_km",
        "teme_to_gcrs",
        "teme_to_itrs",
        "timescale",
        "usage_violations",
        "utc_times",
    ],
    "cosmo_agent.tools": [
        "Alert",
        "AlertRule",
        "CommandDictionary",
        "ContactOpportunity",
        "DEFAULT_ALERT_RULES",
        "ERROR_TEMPLATES",
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
    ],
    "cosmo_agent.agent": [
        "Agent",
        "ApprovalDecision",
        "AskResult",
        "CommandPlan",
        "PlanExportError",
        "PlanResult",
        "PlannedCommand",
        "PlannerBackend",
        "PlannerTask",
        "RULES",
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
    ],
    "cosmo_agent.agent.daemon": [
        "Clock",
        "Daemon",
        "DaemonSettings",
        "JOB_ORDER",
        "ManualClock",
        "PcThresholds",
        "Store",
        "conjunction_level",
        "parse_clock",
    ],
    "cosmo_agent.model": [
        "CosmoChatModel",
        "RECIPES",
        "Teacher",
        "ToolCallFormat",
        "TrainConfig",
        "build_corpus",
        "calls_agree",
        "create_app",
        "generate_request",
        "lambda_handler",
        "load_split",
        "load_tokenizer",
        "report_markdown",
        "train_tokenizer",
        "write_report",
    ],
}
FOLDERS = ["orbital", "tools", "agent", "model", "missions"]


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_package_exports_are_pinned(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(module.__all__) == PUBLIC[package]
    assert len(set(module.__all__)) == len(module.__all__), "a name is listed twice"
    assert all(getattr(module, name, None) is not None for name in module.__all__)


def _modules() -> list[str]:
    names = []
    for folder in FOLDERS:
        package = importlib.import_module(f"cosmo_agent.{folder}")
        names.append(package.__name__)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            if not info.name.endswith("__main__"):
                names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_every_module_declares_what_it_exports(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, list), f"{name} has no __all__"
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == [], f"{name}.__all__ lists names it does not define"


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
