"""Mission alert rules as data: which NOAA level tells which satellite or station to act.

>>> [rule.id for rule in DEFAULT_ALERT_RULES]
['radiation-safe-mode', 'low-perigee-drag', 'dayside-link-degradation']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cosmo_agent.orbital.atmosphere import (
    DEFAULT_BALLISTIC_COEFFICIENT_M2_KG,
    estimate_storm_drift_km,
)
from cosmo_agent.tools.spaceweather.report import SpaceWeatherReport, utc_or_now
from cosmo_agent.tools.spaceweather.scales import ScaleLetter

__all__ = [
    "DEFAULT_ALERT_RULES",
    "Alert",
    "AlertAction",
    "AlertRule",
    "RuleTarget",
    "SatelliteProfile",
    "Severity",
    "evaluate_alerts",
]

Severity = Literal["info", "warning", "critical"]
AlertAction = Literal["safe_mode_recommended", "drag_warning", "link_degradation", "notify"]
RuleTarget = Literal["all_satellites", "sensitivity", "low_perigee", "sunlit_stations"]
"""Who a rule applies to: every satellite; satellites with a sensitivity; satellites with
perigee below ``max_perigee_km``; ground stations in daylight."""


class SatelliteProfile(BaseModel):
    """What the alert rules need to know about one satellite."""

    id: str
    name: str
    perigee_km: float = Field(gt=0)
    sensitivities: frozenset[str] = frozenset()
    ballistic_coefficient_m2_kg: float = Field(default=DEFAULT_BALLISTIC_COEFFICIENT_M2_KG, gt=0)


_TEMPLATE_FIELDS = {"target": "SAT", "label": "G3", "drift_km": 1.0}


class AlertRule(BaseModel):
    """Mission policy: when ``scale`` reaches ``min_level``, tell ``applies_to`` targets to act.

    ``recommendation`` is a ``str.format`` template with ``{target}``, ``{label}`` and
    ``{drift_km}`` (the drag estimate, low-perigee rules only). Unknown fields are refused
    (a misspelt key in a mission file must not silently drop a condition).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    scale: ScaleLetter
    min_level: int = Field(ge=1, le=5)
    applies_to: RuleTarget
    sensitivity: str | None = None
    max_perigee_km: float | None = None
    action: AlertAction
    severity: Severity
    recommendation: str

    @model_validator(mode="after")
    def _consistent(self) -> AlertRule:
        if (self.applies_to == "sensitivity") != (self.sensitivity is not None):
            raise ValueError("give 'sensitivity' exactly when applies_to is 'sensitivity'")
        if (self.applies_to == "low_perigee") != (self.max_perigee_km is not None):
            raise ValueError("give 'max_perigee_km' exactly when applies_to is 'low_perigee'")
        try:
            self.recommendation.format(**_TEMPLATE_FIELDS)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"recommendation template {self.recommendation!r} is invalid ({exc}); "
                "use only {target}, {label} and {drift_km}"
            ) from None
        return self


DEFAULT_ALERT_RULES: tuple[AlertRule, ...] = (
    AlertRule(
        id="radiation-safe-mode",
        scale="S",
        min_level=3,
        applies_to="sensitivity",
        sensitivity="radiation",
        action="safe_mode_recommended",
        severity="critical",
        recommendation="{label} radiation storm: put radiation-sensitive payloads of {target} "
        "in safe mode",
    ),
    AlertRule(
        id="low-perigee-drag",
        scale="G",
        min_level=3,
        applies_to="low_perigee",
        max_perigee_km=450.0,
        action="drag_warning",
        severity="warning",
        recommendation="{label} storm: extra drag on {target}, estimated along-track drift "
        "~{drift_km:.1f} km over 24 h; refresh orbit determination and conjunction screens",
    ),
    AlertRule(
        id="dayside-link-degradation",
        scale="R",
        min_level=3,
        applies_to="sunlit_stations",
        action="link_degradation",
        severity="warning",
        recommendation="{label} radio blackout: HF/low-VHF links at sunlit station {target} "
        "may degrade",
    ),
)


class Alert(BaseModel):
    """One rule firing for one satellite or station."""

    rule_id: str
    scale: ScaleLetter
    level: int
    severity: Severity
    action: AlertAction
    target_kind: Literal["satellite", "station"]
    target_id: str
    message: str
    along_track_drift_km_24h_estimate: float | None = None
    data_time_utc: datetime | None
    issued_at_utc: datetime


def evaluate_alerts(
    report: SpaceWeatherReport,
    satellites: Sequence[SatelliteProfile],
    rules: Sequence[AlertRule] = DEFAULT_ALERT_RULES,
    now: datetime | None = None,
    *,
    sunlit_stations: Iterable[str] | Callable[[datetime], Iterable[str]] | None = None,
) -> list[Alert]:
    """Apply mission ``rules`` to the report's current (non-stale) levels.

    ``sunlit_stations`` is a set of station ids in daylight, or a function of time that
    returns them; without it a sunlit-station rule fires once with target ``"*"``.

    >>> from datetime import datetime, timezone
    >>> from cosmo_agent.tools.spaceweather import space_weather_report
    >>> now = datetime(2026, 7, 31, 12, 30, tzinfo=timezone.utc)
    >>> sat = SatelliteProfile(id="42", name="LEO-1", perigee_km=420, sensitivities={"radiation"})
    >>> sorted(a.action for a in evaluate_alerts(space_weather_report(now=now), [sat], now=now))
    ['drag_warning', 'link_degradation', 'safe_mode_recommended']
    """
    now = utc_or_now(now, "now")
    alerts: list[Alert] = []
    for rule in rules:
        status = report.scales.get(rule.scale)
        if status is None or status.level is None or status.level < rule.min_level:
            continue
        level = status.level
        label = f"{rule.scale}{level}"

        def make(
            kind: Literal["satellite", "station"],
            target_id: str,
            target_name: str,
            drift_km: float | None = None,
            *,
            rule: AlertRule = rule,
            level: int = level,
            label: str = label,
            when: datetime | None = status.value_time_utc,
        ) -> Alert:
            text = rule.recommendation.format(
                target=target_name, label=label, drift_km=drift_km or 0.0
            )
            return Alert(
                rule_id=rule.id, scale=rule.scale, level=level, severity=rule.severity,
                action=rule.action, target_kind=kind, target_id=target_id, message=text,
                along_track_drift_km_24h_estimate=drift_km, data_time_utc=when, issued_at_utc=now,
            )  # fmt: skip

        if rule.applies_to == "sunlit_stations":
            stations = sunlit_stations(now) if callable(sunlit_stations) else sunlit_stations
            for station in sorted(set(stations)) if stations is not None else ["*"]:
                alerts.append(make("station", station, station))
            continue
        for sat in satellites:
            if rule.applies_to == "sensitivity" and rule.sensitivity not in sat.sensitivities:
                continue
            drift = None
            if rule.applies_to == "low_perigee":
                if rule.max_perigee_km is None or sat.perigee_km >= rule.max_perigee_km:
                    continue
                drift = estimate_storm_drift_km(
                    sat.perigee_km,
                    level,
                    ballistic_coefficient_m2_kg=sat.ballistic_coefficient_m2_kg,
                )
            alerts.append(make("satellite", sat.id, f"{sat.name} ({sat.id})", drift))
    return alerts
