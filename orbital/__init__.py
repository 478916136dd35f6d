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
    "Catalog",
    "EarthOrientationTable",
    "ElementRecord",
    "ElementSetError",
    "Ephemeris",
    "NaiveDatetimeError",
    "ParseIssue",
    "Staleness",
    "StalenessPolicy",
    "earth_orientation_table",
    "format_alpha5",
    "geodetic_to_itrs",
    "iter_propagate",
    "itrs_to_geodetic",
    "parse_alpha5",
    "parse_omm",
    "parse_tle_lines",
    "propagate",
    "require_utc",
    "teme_to_gcrs",
    "teme_to_itrs",
    "timescale",
    "utc_times",
]
