"""The orbital core: pure computation, arrays in and arrays out, no network.

>>> from cosmo_agent import orbital
>>> sorted(orbital.__all__)[:3]
['Catalog', 'EarthOrientationTable', 'ElementRecord']
"""

from cosmo_agent.orbital.catalog import Catalog, Staleness, StalenessPolicy
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
from cosmo_agent.orbital.passes import (
    GroundStations,
    HorizonMask,
    Passes,
    PassEvent,
    find_passes,
)
from cosmo_agent.orbital.propagation import SGP4_ERRORS, Ephemeris, iter_propagate, propagate
from cosmo_agent.orbital.timescales import (
    EarthOrientationTable,
    NaiveDatetimeError,
    earth_orientation_table,
    require_utc,
    timescale,
    utc_times,
)

__all__ = [
    "SGP4_ERRORS",
    "SUN_RADIUS_KM",
    "Catalog",
    "EarthOrientationTable",
    "ElementRecord",
    "ElementSetError",
    "Ephemeris",
    "GroundStations",
    "HorizonMask",
    "LightingIntervals",
    "LightingState",
    "NaiveDatetimeError",
    "ParseIssue",
    "PassEvent",
    "Passes",
    "Staleness",
    "StalenessPolicy",
    "beta_angle_deg",
    "earth_orientation_table",
    "find_passes",
    "format_alpha5",
    "geodetic_to_itrs",
    "illumination_fraction",
    "iter_propagate",
    "itrs_to_geodetic",
    "lighting_intervals",
    "parse_alpha5",
    "parse_omm",
    "parse_tle_lines",
    "propagate",
    "require_utc",
    "sun_position_gcrs_km",
    "teme_to_gcrs",
    "teme_to_itrs",
    "timescale",
    "utc_times",
]
