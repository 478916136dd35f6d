"""Earth constants and the defaults that several computations share, each defined once.

Two Earth models are in use, on purpose:

* **WGS-72** is the model SGP4 was fitted with.  Anything that turns TLE mean elements into
  positions or back (SGP4 itself, element fitting, the catalog's perigee/apogee heights, the
  screening prefilter that works on those heights) must use WGS-72, or it disagrees with the
  element sets by up to a few hundred metres in semi-major axis.
* **WGS-84** (with the IERS/EGM value of GM) is the model for everything geodetic or
  Keplerian in an inertial frame: station coordinates, map projections, two-body motion between
  precise states (OEM ephemerides, CDM states, the 3-D Pc's curvilinear motion), and the
  atmosphere model's heights.

>>> from cosmo_agent.orbital import constants
>>> constants.WGS72_RADIUS_KM, constants.WGS84_RADIUS_KM
(6378.135, 6378.137)
>>> round(constants.WGS84_MU_KM3_S2 - constants.WGS72_MU_KM3_S2, 4)
-0.3582
"""

from __future__ import annotations

from typing import Final

from sgp4.earth_gravity import wgs72 as _sgp4_wgs72

__all__ = [
    "DEFAULT_SECONDARY_HBR_M",
    "WGS72_MU_KM3_S2",
    "WGS72_RADIUS_KM",
    "WGS84_FLATTENING",
    "WGS84_MU_KM3_S2",
    "WGS84_RADIUS_KM",
]

WGS72_RADIUS_KM: Final = float(_sgp4_wgs72.radiusearthkm)
"""Equatorial radius of WGS-72 (6378.135 km), the radius SGP4 and TLE heights use."""
WGS72_MU_KM3_S2: Final = float(_sgp4_wgs72.mu)
"""GM of WGS-72 (398600.8 km^3/s^2), the value SGP4 uses to turn mean motion into size."""

WGS84_RADIUS_KM: Final = 6378.137
"""Equatorial radius of WGS-84 (km): geodetic coordinates, maps, the atmosphere's heights."""
WGS84_FLATTENING: Final = 1.0 / 298.257223563
"""Flattening of the WGS-84 ellipsoid."""
WGS84_MU_KM3_S2: Final = 398600.4418
"""GM of the Earth with its atmosphere (WGS-84/EGM96, km^3/s^2): two-body motion of precise
states (OEM, CDM), where no mean-element theory is involved."""

DEFAULT_SECONDARY_HBR_M: Final = 5.0
"""Hard-body radius assumed for a secondary that is not in the mission fleet (m).

The catalog says nothing about size; 5 m covers an intact satellite or upper stage (2-10 m)
and overstates a debris fragment, so Pc errs high.  Screening, assessment and the daemon all
use this one value; a caller that knows better passes its own radius."""
