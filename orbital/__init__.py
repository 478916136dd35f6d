"""The orbital core: pure computation, arrays in and arrays out, no network.

>>> from cosmo_agent import orbital
>>> {"Catalog", "propagate", "find_passes", "screen", "plan_avoidance"} <= set(orbital.__all__)
True
"""

from cosmo_agent.orbital.catalog import Catalog, Staleness, StalenessPolicy
from cosmo_agent.orbital.covariance import (
    AssumedCovariance,
    CovarianceSource,
    catalog_default_covariance,
    default_covariance_rtn_km2,
)
from cosmo_agent.orbital.elements import (
    ElementRecord,
    ElementSetError,
    ParseIssue,
    format_alpha5,
    parse_alpha5,
    parse_omm,
    parse_tle_lines,
)
from cosmo_agent.orbital.frames import (
    geodetic_to_itrs,
    itrs_to_geodetic,
    teme_to_gcrs,
    teme_to_itrs,
)
from cosmo_agent.orbital.lighting import (
    SUN_RADIUS_KM,
    LightingIntervals,
    LightingState,
    beta_angle_deg,
    illumination_fraction,
    lighting_intervals,
    sun_position_gcrs_km,
)
from cosmo_agent.orbital.maneuver import (
    AVOIDANCE_STATUS,
    AvoidanceSolution,
    AvoidanceStatus,
    Rescreen,
    apply_impulse,
    closest_approach,
    fit_satrec,
    plan_avoidance,
    rescreen_after_maneuver,
)
from cosmo_agent.orbital.oem import Oem, OemCovariance, OemError, OemSegment
from cosmo_agent.orbital.passes import (
    GroundStations,
    HorizonMask,
    Passes,
    PassEvent,
    find_passes,
)
from cosmo_agent.orbital.propagation import SGP4_ERRORS, Ephemeris, iter_propagate, propagate
from cosmo_agent.orbital.screening import Conjunctions, screen
from cosmo_agent.orbital.timescales import (
    EarthOrientationTable,
    NaiveDatetimeError,
    earth_orientation_table,
    require_utc,
    timescale,
    utc_times,
)

__all__ = [
    "AVOIDANCE_STATUS",
    "SGP4_ERRORS",
    "SUN_RADIUS_KM",
    "AssumedCovariance",
    "AvoidanceSolution",
    "AvoidanceStatus",
    "Catalog",
    "Conjunctions",
    "CovarianceSource",
    "EarthOrientationTable",
    "ElementRecord",
    "ElementSetError",
    "Ephemeris",
    "GroundStations",
    "HorizonMask",
    "LightingIntervals",
    "LightingState",
    "NaiveDatetimeError",
    "Oem",
    "OemCovariance",
    "OemError",
    "OemSegment",
    "ParseIssue",
    "PassEvent",
    "Passes",
    "Rescreen",
    "Staleness",
    "StalenessPolicy",
    "apply_impulse",
    "beta_angle_deg",
    "catalog_default_covariance",
    "closest_approach",
    "default_covariance_rtn_km2",
    "earth_orientation_table",
    "find_passes",
    "fit_satrec",
    "format_alpha5",
    "geodetic_to_itrs",
    "illumination_fraction",
    "iter_propagate",
    "itrs_to_geodetic",
    "lighting_intervals",
    "parse_alpha5",
    "parse_omm",
    "parse_tle_lines",
    "plan_avoidance",
    "propagate",
    "require_utc",
    "rescreen_after_maneuver",
    "screen",
    "sun_position_gcrs_km",
    "teme_to_gcrs",
    "teme_to_itrs",
    "timescale",
    "utc_times",
]

from cosmo_agent.orbital.conjunction import (
    CatalogEncounter,
    CloseApproach,
    catalog_encounter,
    catalog_pcs,
    screen_grid,
)
from cosmo_agent.orbital.fitting import MeanElements, SatrecFit

__all__ += [
    "CatalogEncounter",
    "CloseApproach",
    "MeanElements",
    "SatrecFit",
    "catalog_encounter",
    "catalog_pcs",
    "screen_grid",
]
