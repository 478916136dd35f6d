"""Space weather: SWPC/CelesTrak products, their sources, NOAA scales, report, alert rules.

One module per domain: ``products`` (the files and their parsers), ``sources`` (file,
directory, HTTP), ``scales`` (NOAA G/S/R levels), ``report`` (levels, values, alerts and data
ages) and ``alerts`` (mission rules as data).  The drag estimate the low-perigee rule quotes is
physics and lives in :mod:`cosmo_agent.orbital.atmosphere`; its names are re-exported here.

>>> from datetime import datetime, timezone
>>> report = space_weather_report(now=datetime(2026, 7, 31, 12, 30, tzinfo=timezone.utc))
>>> [report.scales[s].label for s in ("G", "S", "R")]
['G3', 'S3', 'R3']
>>> g_level(kp=5.0), s_level(flux_pfu=99.9), r_level(flux_w_m2=1e-4)
(1, 1, 3)
"""

from cosmo_agent.orbital.atmosphere import (
    DEFAULT_BALLISTIC_COEFFICIENT_M2_KG,
    DENSITY_ENHANCEMENT_BY_G_LEVEL,
    estimate_storm_drift_km,
)
from cosmo_agent.tools.spaceweather.alerts import (
    DEFAULT_ALERT_RULES,
    Alert,
    AlertRule,
    SatelliteProfile,
    evaluate_alerts,
)
from cosmo_agent.tools.spaceweather.products import (
    CelestrakSwDay,
    KpForecastSample,
    KpSample,
    ProductData,
    ProductName,
    ProtonSample,
    ScaleDay,
    SpaceWeatherFormatError,
    SwpcAlert,
    XraySample,
    classify_filename,
    parse_product,
)
from cosmo_agent.tools.spaceweather.report import (
    DEFAULT_MAX_AGE_S,
    FeedStatus,
    LatestValue,
    ScaleStatus,
    SpaceWeatherReport,
    space_weather_report,
)
from cosmo_agent.tools.spaceweather.scales import (
    G_KP_THRESHOLDS,
    R_XRAY_THRESHOLDS_W_M2,
    S_PROTON_THRESHOLDS_PFU,
    ScaleLetter,
    g_level,
    r_level,
    s_level,
)
from cosmo_agent.tools.spaceweather.sources import (
    SAMPLE_DIR,
    SWPC_PATHS,
    DirectorySource,
    FileSource,
    HttpSource,
    LoadedProduct,
    SpaceWeatherSource,
    SpaceWeatherSourceError,
    open_source,
)

__all__ = [
    "DEFAULT_ALERT_RULES",
    "DEFAULT_BALLISTIC_COEFFICIENT_M2_KG",
    "DEFAULT_MAX_AGE_S",
    "DENSITY_ENHANCEMENT_BY_G_LEVEL",
    "G_KP_THRESHOLDS",
    "R_XRAY_THRESHOLDS_W_M2",
    "SAMPLE_DIR",
    "SWPC_PATHS",
    "S_PROTON_THRESHOLDS_PFU",
    "Alert",
    "AlertRule",
    "CelestrakSwDay",
    "DirectorySource",
    "FeedStatus",
    "FileSource",
    "HttpSource",
    "KpForecastSample",
    "KpSample",
    "LatestValue",
    "LoadedProduct",
    "ProductData",
    "ProductName",
    "ProtonSample",
    "SatelliteProfile",
    "ScaleDay",
    "ScaleLetter",
    "ScaleStatus",
    "SpaceWeatherFormatError",
    "SpaceWeatherReport",
    "SpaceWeatherSource",
    "SpaceWeatherSourceError",
    "SwpcAlert",
    "XraySample",
    "classify_filename",
    "estimate_storm_drift_km",
    "evaluate_alerts",
    "g_level",
    "open_source",
    "parse_product",
    "r_level",
    "s_level",
    "space_weather_report",
]
