"""The ``space_weather`` tool: NOAA scales, SWPC alerts and the mission's alert rules over
the fleet and its stations, at the planning clock."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final
from warnings import catch_warnings, simplefilter

import numpy as np
from pydantic import Field
from skyfield.api import wgs84

from cosmo_agent.orbital.timescales import ephemeris, timescale
from cosmo_agent.tools.context import ToolArgs, ToolContext, ToolError, ToolResult
from cosmo_agent.tools.mission import GroundStation
from cosmo_agent.tools.spaceweather import (
    Alert,
    SatelliteProfile,
    ScaleLetter,
    ScaleStatus,
    SpaceWeatherSourceError,
    SwpcAlert,
    evaluate_alerts,
    space_weather_report,
)
from cosmo_agent.tools.toolkit.outputs import ExcludedSatellite, ResultPart, iso_utc, object_ref

__all__ = ["SpaceWeatherArgs", "SpaceWeatherResult", "SwpcAlertOut", "space_weather"]

_FUTURE_DATA_TOLERANCE_S: Final = 3600.0  # space-weather data newer than the clock by more: warn


class SpaceWeatherArgs(ToolArgs):
    """No arguments: current conditions and the mission's alerts."""


class SwpcAlertOut(ResultPart):
    """An active SWPC alert, warning or watch: its headline and the NOAA scale it announces."""

    product_id: str
    issue_time_utc: datetime
    headline: str
    scale: ScaleLetter | None
    level: int | None


_NOAA_SCALE = re.compile(r"NOAA Scale:\s*([GSR])([1-5])")


def _swpc_alert(alert: SwpcAlert) -> SwpcAlertOut:
    m = _NOAA_SCALE.search(alert.message)
    scale: ScaleLetter | None = None
    if m is not None:
        scale = "G" if m[1] == "G" else "S" if m[1] == "S" else "R"
    return SwpcAlertOut(
        product_id=alert.product_id,
        issue_time_utc=alert.issue_time_utc,
        headline=alert.headline,
        scale=scale,
        level=int(m[2]) if m else None,
    )


class SpaceWeatherResult(ToolResult):
    """NOAA G/S/R levels (None when stale), SWPC alerts, and the mission alert rules' output."""

    at_utc: datetime
    source: str
    data_time_utc: datetime | None
    scales: dict[ScaleLetter, ScaleStatus]
    kp_forecast_max_24h: float | None
    swpc_alerts: list[SwpcAlertOut]
    alerts: list[Alert]
    stale: bool
    stale_products: list[str]
    sunlit_stations: list[str]
    problems: list[str]
    warnings: list[str]
    excluded: list[ExcludedSatellite] = Field(default_factory=list)

    def summary(self) -> str:
        levels = " ".join(
            f"{k}{s.level}" if s.level is not None else f"{k}? (stale)"
            for k, s in sorted(self.scales.items(), key=lambda kv: "GSR".index(kv[0]))
        )
        stale = f"; stale: {', '.join(self.stale_products)}" if self.stale_products else ""
        actions = sorted({a.action for a in self.alerts})
        alerts = f"{len(self.alerts)} mission alerts"
        alerts += f" ({', '.join(actions)})" if actions else ""
        return f"space weather at {iso_utc(self.at_utc)}: {levels}; {alerts}{stale}"


def _sunlit_station_ids(stations: Sequence[GroundStation], when: datetime) -> set[str]:
    """Stations where the Sun's centre is above the horizon (refraction-free, -0.833 deg)."""
    if not stations:
        return set()
    with catch_warnings():  # skyfield-data warns that its own EOP file aged; we use only DE421
        simplefilter("ignore", RuntimeWarning)
        eph = ephemeris()
    t = timescale().from_datetime(when)
    out = set()
    for st in stations:
        observer = eph["earth"] + wgs84.latlon(st.lat_deg, st.lon_deg, elevation_m=st.alt_m)
        alt, _, _ = observer.at(t).observe(eph["sun"]).apparent().altaz()
        if alt.degrees > -0.833:
            out.add(st.id)
    return out


def space_weather(ctx: ToolContext, args: SpaceWeatherArgs) -> SpaceWeatherResult:
    """space_weather_report at the planning clock + the mission's alert rules over the fleet."""
    stale_s = ctx.mission.policies.space_weather_stale_h * 3600.0
    try:
        source = ctx.space_weather_source()
        report = space_weather_report(
            source,
            ctx.now,
            max_age_s={"kp": stale_s, "xrays": stale_s, "protons": stale_s, "scales": stale_s},
        )
    except SpaceWeatherSourceError as exc:
        raise ToolError.make(
            "data_unavailable",
            what="the space-weather source",
            problem=str(exc),
            fix="Fix sources.space_weather in the mission (a file, directory or URL).",
        ) from None
    warnings: list[str] = []
    excluded: list[ExcludedSatellite] = []
    profiles = []
    catalog = ctx.catalog
    for sat in ctx.mission.fleet:
        rows = np.flatnonzero(catalog.ids == sat.norad_id)
        perigee = float(catalog.perigee_km[rows[0]]) if rows.size else math.nan
        if not perigee > 0:
            warnings.append(f"{sat.name} ({sat.norad_id}) has no usable perigee: not checked")
            excluded.append(
                ExcludedSatellite(
                    satellite=object_ref(ctx, sat.norad_id),
                    reason="sgp4_failed" if rows.size else "not_in_catalog",
                    message=f"{sat.name} ({sat.norad_id}) not checked against the alert rules:"
                    + (" no usable perigee" if rows.size else " no element set"),
                )
            )
            continue
        profiles.append(
            SatelliteProfile(
                id=str(sat.norad_id),
                name=sat.name,
                perigee_km=perigee,
                sensitivities=frozenset(sat.sensitivities),
                ballistic_coefficient_m2_kg=sat.ballistic_coefficient_m2_kg,
            )
        )
    sunlit = _sunlit_station_ids(ctx.mission.stations, ctx.now)
    rules = ctx.mission.policies.alert_rules
    alerts = evaluate_alerts(report, profiles, rules, now=ctx.now, sunlit_stations=sunlit)
    ctx.store.space_weather = report
    times = [f.data_time_utc for f in report.feeds if f.data_time_utc is not None]
    for feed in report.feeds:
        if feed.age_s is not None and feed.age_s < -_FUTURE_DATA_TOLERANCE_S:
            warnings.append(
                f"{feed.product} data is {-feed.age_s / 3600:.1f} h newer than the planning"
                " clock: the clock or the source is wrong"
            )
    return SpaceWeatherResult(
        at_utc=ctx.now,
        source=report.source,
        scales=dict(report.scales),
        kp_forecast_max_24h=report.kp_forecast_max_24h,
        data_time_utc=max(times) if times else None,
        swpc_alerts=[_swpc_alert(a) for a in report.active_alerts],
        alerts=alerts,
        stale=bool(report.stale_products),
        stale_products=list(report.stale_products),
        sunlit_stations=sorted(sunlit),
        problems=report.problems,
        warnings=warnings,
        excluded=excluded,
    )
