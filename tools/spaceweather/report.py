"""The space-weather report: current NOAA levels, latest values, SWPC alerts and data ages.

>>> from datetime import datetime, timezone
>>> report = space_weather_report(now=datetime(2026, 7, 31, 12, 30, tzinfo=timezone.utc))
>>> [report.scales[s].label for s in ("G", "S", "R")], report.stale_products
(['G3', 'S3', 'R3'], [])
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, time, timedelta

from pydantic import BaseModel, Field

from cosmo_agent.tools.feeds import FetchOutcome
from cosmo_agent.tools.spaceweather.products import (
    KP_INTERVAL,
    PRODUCTS,
    Layout,
    ProductData,
    ProductName,
    ScaleDay,
    SwpcAlert,
)
from cosmo_agent.tools.spaceweather.scales import ScaleLetter, g_level, r_level, s_level
from cosmo_agent.tools.spaceweather.sources import HttpSource, SpaceWeatherSource, open_source

__all__ = [
    "ACTIVE_ALERT_WINDOW",
    "DEFAULT_MAX_AGE_S",
    "R_PEAK_WINDOW",
    "FeedStatus",
    "LatestValue",
    "ScaleStatus",
    "SpaceWeatherReport",
    "space_weather_report",
    "utc_or_now",
]

R_PEAK_WINDOW = timedelta(hours=1)  # R level = peak X-ray flux over the last hour of data
ACTIVE_ALERT_WINDOW = timedelta(hours=24)  # alerts.json is a 30-day archive

DEFAULT_MAX_AGE_S: dict[ProductName, float | None] = {
    "kp": 3 * 3600.0,  # measured from the end of the latest 3-hour Kp interval
    "xrays": 3 * 3600.0,
    "protons": 3 * 3600.0,
    "scales": 3 * 3600.0,
    "kp_forecast": 12 * 3600.0,  # from the end of the latest observed/estimated row
    "celestrak_sw": 72 * 3600.0,  # from the end of the latest OBS day
    "alerts": None,  # no alert for days is normal: never stale
}
_SCALE_PRODUCT: dict[ScaleLetter, ProductName] = {"G": "kp", "S": "protons", "R": "xrays"}


class ScaleStatus(BaseModel):
    """Current level of one NOAA scale; ``level`` is None when its feed is stale or missing."""

    scale: ScaleLetter
    level: int | None
    label: str | None
    last_known_level: int | None
    value: float | None
    unit: str
    value_time_utc: datetime | None
    product: ProductName
    stale: bool
    basis: str


class LatestValue(BaseModel):
    """A latest measured value with its unit, time and product."""

    name: str
    value: float
    unit: str
    time_utc: datetime
    product: ProductName


class FeedStatus(BaseModel):
    """How fresh one product is; ``age_s`` is measured from ``data_time_utc``."""

    product: ProductName
    origin: str | None
    layout: Layout | None
    data_time_utc: datetime | None
    age_s: float | None
    max_age_s: float | None
    stale: bool
    fetch: FetchOutcome | None = None
    problem: str | None = None
    notes: list[str] = Field(default_factory=list)


class SpaceWeatherReport(BaseModel):
    """What ``cosmo-agent spaceweather --json`` prints (``model_dump(mode="json")``)."""

    generated_at_utc: datetime
    source: str
    scales: dict[ScaleLetter, ScaleStatus]
    latest: list[LatestValue]
    kp_forecast_max_24h: float | None
    swpc_reported: ScaleDay | None
    active_alerts: list[SwpcAlert]
    feeds: list[FeedStatus]
    stale_products: list[ProductName]
    problems: list[str]


def utc_or_now(when: datetime | None, name: str) -> datetime:
    """``when`` in UTC, or the current time when None; a naive ``when`` is refused with the fix."""
    if when is None:
        return datetime.now(UTC)
    if not isinstance(when, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(when).__name__}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware UTC, got naive {when!r}; "
            f"fix: {name}.replace(tzinfo=timezone.utc) or datetime(..., tzinfo=timezone.utc)"
        )
    return when.astimezone(UTC)


def space_weather_report(
    source: str | os.PathLike[str] | SpaceWeatherSource | None = None,
    now: datetime | None = None,
    *,
    max_age_s: Mapping[ProductName, float | None] | None = None,
) -> SpaceWeatherReport:
    """Load every product from ``source`` and summarise levels, values, alerts and data ages.

    Data problems never raise: they are listed in ``problems`` and the product's feed.
    A product older than its ``max_age_s`` (default :data:`DEFAULT_MAX_AGE_S`) is stale:
    its scale's ``level`` is None and only ``last_known_level`` carries the old value.
    """
    now = utc_or_now(now, "now")
    limits = {**DEFAULT_MAX_AGE_S, **(max_age_s or {})}
    src = open_source(source)
    try:
        loaded = src.load()
    finally:
        if src is not source and isinstance(src, HttpSource):
            src.close()  # made here from a URL string: nobody else can reuse it
    feeds: list[FeedStatus] = []
    problems: list[str] = []
    data: dict[ProductName, ProductData] = {}
    for product in PRODUCTS:
        item = loaded.get(product)
        if item is None:
            continue
        problems += item.notes
        if item.data is None:
            problems.append(item.problem or f"{product}: no data")
            feeds.append(
                FeedStatus(
                    product=product,
                    origin=item.origin,
                    layout=None,
                    data_time_utc=None,
                    age_s=None,
                    max_age_s=limits[product],
                    stale=True,
                    fetch=item.fetch,
                    problem=item.problem,
                    notes=item.notes,
                )
            )
            continue
        data[product] = item.data
        when = item.data.data_time_utc
        age = None if when is None else (now - when).total_seconds()
        limit = limits[product]
        stale = limit is not None and (age is None or age > limit)
        feeds.append(
            FeedStatus(
                product=product,
                origin=item.origin,
                layout=item.data.layout,
                data_time_utc=when,
                age_s=age,
                max_age_s=limit,
                stale=stale,
                fetch=item.fetch,
                notes=item.notes,
            )
        )
    stale_products = [f.product for f in feeds if f.stale]
    scales = {letter: _scale_status(letter, data, stale_products) for letter in ("G", "S", "R")}
    return SpaceWeatherReport(
        generated_at_utc=now,
        source=src.description,
        scales=scales,  # type: ignore[arg-type]  # keys are ScaleLetter
        latest=_latest_values(data),
        kp_forecast_max_24h=_forecast_max(data, now),
        swpc_reported=next((d for d in data["scales"].samples if d.day_offset == 0), None)
        if "scales" in data
        else None,
        active_alerts=[
            a
            for a in (data["alerts"].samples if "alerts" in data else ())
            if timedelta(0) <= now - a.issue_time_utc <= ACTIVE_ALERT_WINDOW
        ],
        feeds=feeds,
        stale_products=stale_products,
        problems=problems,
    )


def _scale_status(
    letter: ScaleLetter, data: Mapping[ProductName, ProductData], stale: Collection[str]
) -> ScaleStatus:
    product = _SCALE_PRODUCT[letter]
    unit, basis = {
        "G": ("Kp", "latest planetary Kp (G1 at Kp 5)"),
        "S": ("pfu", "latest GOES >=10 MeV integral proton flux (S1 at 10 pfu)"),
        "R": ("W/m^2", "peak GOES 0.1-0.8 nm X-ray flux over the last hour of data (R1 at M1)"),
    }[letter]
    value: float | None = None
    when: datetime | None = None
    samples = data[product].samples if product in data else ()
    if samples:
        latest = max(samples, key=lambda s: s.time_utc)
        when = latest.time_utc
        if letter == "G":
            value = latest.kp
        elif letter == "S":
            value = max(s.flux_pfu for s in samples if s.time_utc == when)
        else:
            recent = [s for s in samples if s.time_utc >= latest.time_utc - R_PEAK_WINDOW]
            peak = max(recent, key=lambda s: s.flux_w_m2)
            value, when = peak.flux_w_m2, peak.time_utc
    level_of = {"G": g_level, "S": s_level, "R": r_level}[letter]
    known = None if value is None else level_of(value)
    is_stale = product in stale or value is None
    return ScaleStatus(
        scale=letter,
        level=None if is_stale else known,
        label=None if is_stale or known is None else f"{letter}{known}",
        last_known_level=known,
        value=value,
        unit=unit,
        value_time_utc=when,
        product=product,
        stale=is_stale,
        basis=basis,
    )


def _latest_values(data: Mapping[ProductName, ProductData]) -> list[LatestValue]:
    out: list[LatestValue] = []
    picks: tuple[tuple[ProductName, str, str, str], ...] = (
        ("kp", "kp", "kp", "Kp"),
        ("xrays", "xray_flux_0.1-0.8nm", "flux_w_m2", "W/m^2"),
        ("protons", "proton_flux_>=10MeV", "flux_pfu", "pfu"),
    )
    for product, name, attr, unit in picks:
        if product in data and data[product].samples:
            s = max(data[product].samples, key=lambda s: s.time_utc)
            out.append(
                LatestValue(
                    name=name,
                    value=getattr(s, attr),
                    unit=unit,
                    time_utc=s.time_utc,
                    product=product,
                )
            )
    if "celestrak_sw" in data:
        observed = [d for d in data["celestrak_sw"].samples if d.f107_data_type == "OBS"]
        if observed:
            day = max(observed, key=lambda d: d.date)
            start = datetime.combine(day.date, time(), UTC)
            for name, value, unit in (
                ("f107_obs", day.f107_obs_sfu, "sfu"),
                ("ap_daily", day.ap_avg, "nT"),
            ):
                if value is not None:
                    out.append(
                        LatestValue(
                            name=name,
                            value=value,
                            unit=unit,
                            time_utc=start,
                            product="celestrak_sw",
                        )
                    )
    return out


def _forecast_max(data: Mapping[ProductName, ProductData], now: datetime) -> float | None:
    if "kp_forecast" not in data:
        return None
    ahead = [
        s.kp
        for s in data["kp_forecast"].samples
        if now - KP_INTERVAL < s.time_utc <= now + timedelta(hours=24)
    ]
    return max(ahead, default=None)
