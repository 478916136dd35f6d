"""Command plans: time-tagged commands with their uplink, rationale, approvals and data ages.

A :class:`CommandPlan` is what the agent proposes and an operator approves; it is checked by
:func:`cosmo_agent.agent.validator.validate_plan` and written out by
:mod:`cosmo_agent.agent.export`. Every time is an aware UTC datetime and serialises as
ISO 8601 with ``Z``; :meth:`CommandPlan.canonical_json` sorts keys so the same plan always
gives the same bytes (diffable, hashable). ``CommandPlan.model_json_schema()`` is the
published schema.

>>> from datetime import datetime, timezone
>>> t0 = datetime(2026, 6, 10, 12, tzinfo=timezone.utc)
>>> plan = CommandPlan(
...     mission="demo", created_at=t0, horizon_start=t0, horizon_end=t0,
...     commands=[PlannedCommand(
...         time=datetime(2026, 6, 10, 13, 5, tzinfo=timezone.utc),
...         satellite=SatelliteRef(norad_id=38338, name="KOMPSAT 3"),
...         command="SET_MODE", parameters={"mode": "SAFE"},
...         rationale=Rationale(text="S3 storm", references=[
...             ToolReference(tool="space_weather", call_id="c1", summary="S3 active")]))])
>>> plan.commands[0].time.isoformat()
'2026-06-10T13:05:00+00:00'
>>> CommandPlan.from_json(plan.canonical_json()) == plan
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Protocol

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Approval",
    "CommandPlan",
    "DataAges",
    "ElementAge",
    "PlanAlert",
    "PlanContact",
    "PlanGap",
    "PlannedCommand",
    "Rationale",
    "SatelliteRef",
    "ScreeningRecord",
    "SpaceWeatherState",
    "SwpcAlertRef",
    "ToolReference",
    "UplinkContact",
    "UtcDatetime",
    "data_ages",
    "uplink_for",
]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"time {value.isoformat()} has no timezone; write it in UTC, e.g. "
            f"{value.replace(microsecond=0).isoformat()}Z"
        )
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
"""An aware datetime, converted to UTC; naive datetimes are refused with the fix."""
ParameterValue = int | float | str | bool
"""A command parameter value (JSON scalar); bool is listed first when serialised."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SatelliteRef(_Model):
    """Which satellite: catalog number and the mission's name for it."""

    norad_id: int = Field(ge=1, le=999_999_999)
    name: str = Field(min_length=1, max_length=128)

    @classmethod
    def of(cls, satellite: Any) -> SatelliteRef:
        """From a mission :class:`~cosmo_agent.tools.mission.Satellite`."""
        return cls(norad_id=satellite.norad_id, name=satellite.name)


class ToolReference(_Model):
    """The tool result that justifies a decision: tool name, call id and a one-line summary."""

    tool: str = Field(min_length=1, max_length=64)
    call_id: str = Field(min_length=1, max_length=128)
    summary: str = Field(default="", max_length=2000)


class Rationale(_Model):
    """Why a command is in the plan; ``references`` cite the tool results behind it."""

    text: str = Field(min_length=1, max_length=4000)
    references: list[ToolReference] = Field(default_factory=list)


class Approval(_Model):
    """An operator approval: the role approving, who, and when (UTC)."""

    role: str = Field(min_length=1, max_length=64)
    by: str = Field(min_length=1, max_length=128)
    at: UtcDatetime


class UplinkContact(_Model):
    """The ground contact a command is uplinked in: station, antenna and AOS/LOS (UTC)."""

    station_id: str = Field(min_length=1, max_length=64)
    antenna_id: str = Field(min_length=1, max_length=64)
    aos: UtcDatetime
    los: UtcDatetime

    @model_validator(mode="after")
    def _ordered(self) -> UplinkContact:
        if self.los <= self.aos:
            raise ValueError("los must be after aos")
        return self


class PlanContact(_Model):
    """A scheduled contact (e.g. from ``schedule_contacts``): satellite, antenna and window."""

    satellite_id: int = Field(ge=1, le=999_999_999)
    station_id: str = Field(min_length=1, max_length=64)
    antenna_id: str = Field(min_length=1, max_length=64)
    aos: UtcDatetime
    los: UtcDatetime
    purpose: Literal["uplink", "downlink", "both"] = "both"

    @model_validator(mode="after")
    def _ordered(self) -> PlanContact:
        if self.los <= self.aos:
            raise ValueError("los must be after aos")
        return self

    @classmethod
    def from_scheduled(cls, contact: Any) -> PlanContact:
        """From a :class:`~cosmo_agent.tools.scheduling.ScheduledContact` (``antenna`` field)."""
        return cls(
            satellite_id=contact.satellite_id,
            station_id=contact.station_id,
            antenna_id=getattr(contact, "antenna_id", None) or contact.antenna,
            aos=contact.aos,
            los=contact.los,
        )


class PlannedCommand(_Model):
    """One time-tagged command for one satellite, with its uplink, rationale and approvals.

    ``post_maneuver_screening`` names a :class:`ScreeningRecord` of the plan (maneuvers need
    one that found no new conjunction).
    """

    time: UtcDatetime
    satellite: SatelliteRef
    command: str = Field(min_length=1, max_length=64)
    parameters: dict[str, ParameterValue] = Field(default_factory=dict)
    uplink: UplinkContact | None = None
    rationale: Rationale
    approvals: list[Approval] = Field(default_factory=list)
    post_maneuver_screening: str | None = Field(default=None, max_length=128)


class ScreeningRecord(_Model):
    """A conjunction screening the plan relies on (e.g. of a post-maneuver orbit).

    ``new_conjunctions`` counts close approaches under the threshold that the screened
    orbit has and the original did not; ``dv_rtn_m_s``/``burn_epoch`` say which burn
    was screened, so one screening cannot vouch for a different burn.
    """

    id: str = Field(min_length=1, max_length=128)
    kind: Literal["post_maneuver", "routine"] = "post_maneuver"
    satellite_id: int = Field(ge=1, le=999_999_999)
    source: ToolReference
    performed_at: UtcDatetime
    threshold_km: float = Field(gt=0.0, le=100.0)
    new_conjunctions: int = Field(ge=0)
    min_miss_km: float | None = Field(default=None, ge=0.0)
    max_pc: float | None = Field(default=None, ge=0.0, le=1.0)
    dv_rtn_m_s: tuple[float, float, float] | None = None
    burn_epoch: UtcDatetime | None = None


class PlanGap(_Model):
    """Something the plan does not cover: a mission objective that did not run (or ran
    without a satellite), or a safety policy the plan does not satisfy.

    A plan with any gap is ``incomplete``: it is never reported or released as complete.
    ``satellite`` is None when the gap concerns the whole fleet (e.g. no space weather).
    """

    objective: str = Field(min_length=1, max_length=64)
    satellite: SatelliteRef | None = None
    reason: str = Field(min_length=1, max_length=2000)

    def describe(self) -> str:
        """One line: objective, satellite (or fleet) and reason."""
        who = "fleet" if self.satellite is None else (
            f"{self.satellite.name} ({self.satellite.norad_id})"
        )
        return f"{self.objective} for {who}: {self.reason}"


class PlanAlert(_Model):
    """A space-weather (or other) alert raised while planning."""

    rule_id: str
    severity: Literal["info", "warning", "critical"]
    action: str
    target_kind: Literal["satellite", "station", "fleet"]
    target_id: str
    message: str
    scale: Literal["G", "S", "R"] | None = None
    level: int | None = Field(default=None, ge=0, le=5)

    @classmethod
    def from_alert(cls, alert: Any) -> PlanAlert:
        """From a :class:`~cosmo_agent.tools.spaceweather.Alert`."""
        return cls(
            rule_id=alert.rule_id,
            severity=alert.severity,
            action=alert.action,
            target_kind=alert.target_kind,
            target_id=alert.target_id,
            message=alert.message,
            scale=alert.scale,
            level=alert.level,
        )


_NOAA_SCALE = re.compile(r"NOAA Scale:\s*([GSR])([1-5])")


class SwpcAlertRef(_Model):
    """An SWPC message active at planning time, with the NOAA scale it announces."""

    product_id: str
    issue_time: UtcDatetime
    headline: str
    scale: Literal["G", "S", "R"] | None = None
    level: int | None = Field(default=None, ge=1, le=5)


class SpaceWeatherState(_Model):
    """NOAA G/S/R levels and active SWPC alerts when the plan was made.

    ``*_level`` is the current level (None when the feed was stale or missing);
    ``*_last_known`` keeps the last level seen even when stale.
    """

    data_time: UtcDatetime | None
    source: str = ""
    g_level: int | None = None
    s_level: int | None = None
    r_level: int | None = None
    g_last_known: int | None = None
    s_last_known: int | None = None
    r_last_known: int | None = None
    active_alerts: list[SwpcAlertRef] = Field(default_factory=list)

    @classmethod
    def from_report(cls, report: Any) -> SpaceWeatherState:
        """From a :class:`~cosmo_agent.tools.spaceweather.SpaceWeatherReport`."""
        times = [f.data_time_utc for f in report.feeds if f.data_time_utc is not None]
        alerts = []
        for a in report.active_alerts:
            m = _NOAA_SCALE.search(a.message)
            alerts.append(
                SwpcAlertRef(
                    product_id=a.product_id,
                    issue_time=a.issue_time_utc,
                    headline=a.headline,
                    scale=m[1] if m else None,  # type: ignore[arg-type]  # G/S/R by the regex
                    level=int(m[2]) if m else None,
                )
            )
        s = report.scales
        return cls(
            data_time=max(times) if times else None,
            source=report.source,
            g_level=s["G"].level,
            s_level=s["S"].level,
            r_level=s["R"].level,
            g_last_known=s["G"].last_known_level,
            s_last_known=s["S"].last_known_level,
            r_last_known=s["R"].last_known_level,
            active_alerts=alerts,
        )

    def radiation_storm_level(self) -> int:
        """The highest S level known from the scales or an active SWPC alert (0 if none)."""
        levels = [self.s_level or 0, self.s_last_known or 0]
        levels += [a.level or 0 for a in self.active_alerts if a.scale == "S"]
        return max(levels)


class ElementAge(_Model):
    """The element set used for one satellite: its epoch and age when the plan was made."""

    norad_id: int = Field(ge=1, le=999_999_999)
    name: str
    epoch: UtcDatetime | None
    age_days: float | None
    source: str = ""


class DataAges(_Model):
    """How old the data behind the plan is: elements, space weather, Earth orientation."""

    elements: list[ElementAge] = Field(default_factory=list)
    space_weather_time: UtcDatetime | None = None
    space_weather_age_h: float | None = None
    space_weather_source: str | None = None
    earth_orientation_source: str | None = None
    earth_orientation_observed_until: UtcDatetime | None = None
    earth_orientation_age_days: float | None = None

    def element(self, norad_id: int) -> ElementAge | None:
        """The element record of ``norad_id``, or None."""
        return next((e for e in self.elements if e.norad_id == norad_id), None)


def uplink_for(
    norad_id: int,
    when: datetime,
    contacts: Iterable[PlanContact],
    *,
    uplink_antennas: Iterable[tuple[str, str]] | None = None,
) -> UplinkContact | None:
    """The scheduled contact of ``norad_id`` that contains ``when``, as an uplink (or None).

    ``uplink_antennas`` limits the choice to (station id, antenna id) pairs that can transmit
    (e.g. from the mission: ``[(s.id, a.id) for s in m.stations for a in s.antennas if
    a.uplink]``). The earliest-starting matching contact wins.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 6, 10, 13, 5, tzinfo=timezone.utc)
    >>> c = PlanContact(satellite_id=38338, station_id="SVALBARD", antenna_id="SG-1",
    ...                 aos=t.replace(minute=2), los=t.replace(minute=12))
    >>> uplink_for(38338, t, [c]).station_id, uplink_for(38338, t.replace(minute=20), [c])
    ('SVALBARD', None)
    """
    when = _utc(when)
    allowed = None if uplink_antennas is None else set(uplink_antennas)
    fits = [
        c
        for c in contacts
        if c.satellite_id == norad_id
        and c.aos <= when <= c.los
        and c.purpose in ("uplink", "both")
        and (allowed is None or (c.station_id, c.antenna_id) in allowed)
    ]
    if not fits:
        return None
    best = min(fits, key=lambda c: (c.aos, c.station_id, c.antenna_id))
    return UplinkContact(
        station_id=best.station_id, antenna_id=best.antenna_id, aos=best.aos, los=best.los
    )


class _CatalogLike(Protocol):
    ids: Any
    epoch_jd: Any
    source: str


def data_ages(
    now: datetime,
    satellites: Sequence[Any],
    *,
    catalog: _CatalogLike | None = None,
    space_weather: Any | None = None,
) -> DataAges:
    """Ages of everything the plan relies on, at ``now``.

    ``satellites``: mission satellites (``norad_id``, ``name``); ``catalog``: an
    :class:`~cosmo_agent.orbital.Catalog` (missing satellites get ``epoch=None``);
    ``space_weather``: a ``SpaceWeatherReport``. The Earth-orientation table is the
    one shipped with the orbital core.
    """
    from cosmo_agent.orbital import earth_orientation_table

    now = _utc(now)
    elements: list[ElementAge] = []
    index: dict[int, float] = {}
    if catalog is not None:
        index = {int(i): float(jd) for i, jd in zip(catalog.ids, catalog.epoch_jd, strict=True)}
    for sat in satellites:
        jd = index.get(int(sat.norad_id))
        epoch = None if jd is None else _from_jd(jd)
        age = None if epoch is None else (now - epoch).total_seconds() / 86400.0
        source = catalog.source if catalog is not None and jd is not None else ""
        elements.append(
            ElementAge(
                norad_id=sat.norad_id, name=sat.name, epoch=epoch, age_days=age, source=source
            )
        )
    eop = earth_orientation_table()
    sw_time = None
    if space_weather is not None:
        times = [f.data_time_utc for f in space_weather.feeds if f.data_time_utc is not None]
        sw_time = max(times) if times else None
    return DataAges(
        elements=elements,
        space_weather_time=sw_time,
        space_weather_age_h=None if sw_time is None else (now - sw_time).total_seconds() / 3600,
        space_weather_source=None if space_weather is None else space_weather.source,
        earth_orientation_source=eop.source,
        earth_orientation_observed_until=eop.observed_until,
        earth_orientation_age_days=eop.age_days(now),
    )


def _from_jd(jd: float) -> datetime:
    return datetime.fromtimestamp(round((jd - 2440587.5) * 86400.0, 3), UTC)


class CommandPlan(_Model):
    """A proposed command plan for one mission over a horizon.

    ``contacts`` is the contact schedule the uplinks must fit; ``screenings`` the
    conjunction screenings commands refer to; ``space_weather`` the conditions seen.
    """

    schema_version: Literal[1] = 1
    mission: str = Field(min_length=1, max_length=128)
    created_at: UtcDatetime
    horizon_start: UtcDatetime
    horizon_end: UtcDatetime
    commands: list[PlannedCommand] = Field(default_factory=list)
    contacts: list[PlanContact] = Field(default_factory=list)
    screenings: list[ScreeningRecord] = Field(default_factory=list)
    alerts: list[PlanAlert] = Field(default_factory=list)
    space_weather: SpaceWeatherState | None = None
    data_ages: DataAges = Field(default_factory=DataAges)
    notes: list[str] = Field(default_factory=list)
    gaps: list[PlanGap] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> CommandPlan:
        if self.horizon_end < self.horizon_start:
            raise ValueError("horizon_end is before horizon_start; swap them")
        ids = [s.id for s in self.screenings]
        if len(set(ids)) != len(ids):
            raise ValueError(f"screening ids {ids} repeat; give each screening a unique id")
        return self

    def screening(self, screening_id: str) -> ScreeningRecord | None:
        """The screening called ``screening_id``, or None."""
        return next((s for s in self.screenings if s.id == screening_id), None)

    def satellites(self) -> list[int]:
        """Catalog numbers commanded, in first-use order."""
        return list(dict.fromkeys(c.satellite.norad_id for c in self.commands))

    def to_jsonable(self) -> dict[str, Any]:
        """The plan as plain JSON data (times as ISO 8601 ``Z`` strings)."""
        data: dict[str, Any] = self.model_dump(mode="json")
        return data

    def canonical_json(self, *, indent: int | None = 2) -> str:
        """Canonical JSON: sorted keys, UTC ``Z`` times, UTF-8 text (not ASCII-escaped)."""
        return json.dumps(self.to_jsonable(), sort_keys=True, ensure_ascii=False, indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> CommandPlan:
        """Parse plan JSON (as written by :meth:`canonical_json`)."""
        return cls.model_validate_json(text)

    def with_commands(self, commands: Iterable[PlannedCommand]) -> CommandPlan:
        """A copy with ``commands`` instead of this plan's commands."""
        return self.model_copy(update={"commands": list(commands)})
