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

Content digests: approvals are bound to what they approve. The *canonical bytes* of a JSON
value are ``json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))``
encoded as UTF-8: keys sorted at every level, no whitespace, non-ASCII text as itself, floats
as Python's shortest round-trip ``repr``, times as ``model_dump(mode="json")`` writes them
(ISO 8601 UTC with ``Z``). Three SHA-256 digests (lower-case hex) are taken over
``model_dump(mode="json")``:

- **content digest** (:meth:`CommandPlan.content_digest`): the plan without its top-level
  ``signature``, ``release`` and ``contacts`` and without every command's ``approvals``. It
  covers the mission, ``created_at``, the horizon, every command (and their order),
  screenings, alerts, space weather, data ages, notes and gaps, so an approval copied into
  another plan, or kept across an edit of any of them, no longer matches. The contact
  schedule is left out: it is the timetable the uplinks are checked against, which the
  validator may be given in its place (``validate_plan(contacts=...)``), and each command's
  own uplink contact is in its command digest;
- **command digest** (:meth:`PlannedCommand.content_digest`): one command without its
  ``approvals``;
- **signature digest** (:meth:`CommandPlan.signature_digest`): the plan without ``signature``
  and ``release``, i.e. the content *and* the approvals: what an Ed25519 signature
  (:class:`PlanSignature`, made by :mod:`cosmo_agent.agent.signing`) covers.

A draft (``cosmo-agent plan -o``) has ``"release": null``; ``cosmo-agent release`` writes a
:class:`PlanRelease` into the copy it releases. Neither the release record nor the signature
changes a digest.

>>> import hashlib
>>> data = plan.model_dump(mode="json")
>>> del data["signature"], data["release"], data["contacts"]
>>> for command in data["commands"]:
...     del command["approvals"]
>>> text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
>>> hashlib.sha256(text.encode("utf-8")).hexdigest() == plan.content_digest()
True
>>> approved = plan.with_commands([plan.commands[0].model_copy(update={"approvals": [
...     Approval(role="flight_director", by="J. Park", at=t0).bind(plan, 0)]})])
>>> approved.content_digest() == plan.content_digest()  # approvals are not content
True
>>> approved.commands[0].approvals[0].changes(approved, 0)
[]
>>> moved = approved.with_commands([approved.commands[0].model_copy(
...     update={"time": datetime(2026, 6, 10, 13, 6, tzinfo=timezone.utc)})])
>>> moved.commands[0].approvals[0].changes(moved, 0)
['time 2026-06-10T13:05:00Z → 2026-06-10T13:06:00Z']
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from cosmo_agent.orbital.catalog import Catalog
    from cosmo_agent.tools.mission import Satellite
    from cosmo_agent.tools.spaceweather import Alert, SpaceWeatherReport

__all__ = [
    "Approval",
    "ApprovedCommand",
    "CommandPlan",
    "DataAges",
    "ElementAge",
    "PlanAlert",
    "PlanContact",
    "PlanGap",
    "PlanRelease",
    "PlanSignature",
    "PlannedCommand",
    "Rationale",
    "RuleId",
    "SatelliteRef",
    "ScreeningRecord",
    "Severity",
    "SpaceWeatherState",
    "SwpcAlertRef",
    "ToolReference",
    "UplinkContact",
    "UtcDatetime",
    "ValidationReport",
    "Violation",
    "canonical_bytes",
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
_SHA256_HEX = r"^[0-9a-f]{64}$"


def canonical_bytes(value: object) -> bytes:
    """The canonical bytes of JSON data (sorted keys, no whitespace, UTF-8), as digested.

    >>> canonical_bytes({"b": 0.1, "a": "한"})
    b'{"a":"\\xed\\x95\\x9c","b":0.1}'
    """
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def _sha256(value: object) -> str:
    return hashlib.sha256(canonical_bytes(value)).hexdigest()


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SatelliteRef(_Model):
    """Which satellite: catalog number and the mission's name for it."""

    norad_id: int = Field(ge=1, le=999_999_999)
    name: str = Field(min_length=1, max_length=128)

    @classmethod
    def of(cls, satellite: Satellite) -> SatelliteRef:
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


class ApprovedCommand(_Model):
    """The fields of a command as an approval saw them (what names a field that changed).

    The approval's ``command_digest`` covers the whole command exactly (rationale included);
    this copy only lets the validator say *which* field differs. Editing it changes nothing:
    the digests decide.
    """

    time: UtcDatetime
    satellite: SatelliteRef
    command: str = Field(min_length=1, max_length=64)
    parameters: dict[str, ParameterValue] = Field(default_factory=dict)
    uplink: UplinkContact | None = None
    post_maneuver_screening: str | None = Field(default=None, max_length=128)

    @classmethod
    def of(cls, command: PlannedCommand) -> ApprovedCommand:
        """The approvable fields of ``command``."""
        return cls(
            time=command.time,
            satellite=command.satellite,
            command=command.command,
            parameters=dict(command.parameters),
            uplink=command.uplink,
            post_maneuver_screening=command.post_maneuver_screening,
        )


class Approval(_Model):
    """An operator approval of one command, bound to the content it approved.

    ``role`` and ``by``: the role approving and who holds it. Two clocks: ``at`` is the time on
    the *planning* clock (the clock of the plan's ``created_at`` and of the validator's
    ``now``; an approval dated after ``now`` does not count, rule ``approval.invalid``), and
    ``recorded_at`` the *wall* clock (UTC) when the approval was recorded, for the audit
    trail. Both are kept because the planning clock may be simulated or in the past (the demo
    missions plan at 2026-06-10) and a validation must give the same answer whenever it runs:
    the rules compare ``at``; ``recorded_at`` is evidence, never compared with ``now``.

    Binding (:meth:`bind`, done by :func:`~cosmo_agent.agent.compose.apply_approvals`):
    ``plan_digest`` is the plan's content digest, ``command_index`` and ``command_digest``
    name the command approved, ``approved`` keeps its fields. A later change, or
    copying the approval into another plan, voids it (:meth:`changes`; rule
    ``approval.content_changed``). An approval without digests (a plan file from before
    binding) is *unbound* and does not count either (``approval.unbound``): re-approve.
    """

    role: str = Field(min_length=1, max_length=64)
    by: str = Field(min_length=1, max_length=128)
    at: UtcDatetime
    recorded_at: UtcDatetime | None = None
    command_index: int | None = Field(default=None, ge=0)
    command_digest: str | None = Field(default=None, pattern=_SHA256_HEX)
    plan_digest: str | None = Field(default=None, pattern=_SHA256_HEX)
    approved: ApprovedCommand | None = None

    @property
    def bound(self) -> bool:
        """True when the approval records the content it approved (both digests)."""
        return self.plan_digest is not None and self.command_digest is not None

    def bind(
        self,
        plan: CommandPlan,
        index: int,
        *,
        recorded_at: datetime | None = None,
        plan_digest: str | None = None,
    ) -> Approval:
        """This approval bound to ``plan.commands[index]`` and ``plan`` as they are now.

        ``recorded_at`` (wall clock) defaults to the approval's own, else ``datetime.now(UTC)``;
        ``plan_digest`` saves recomputing ``plan.content_digest()`` for many approvals.
        """
        command = plan.commands[index]
        stamp = _utc(recorded_at) if recorded_at is not None else self.recorded_at
        return self.model_copy(
            update={
                "recorded_at": stamp or datetime.now(UTC),
                "command_index": index,
                "command_digest": command.content_digest(),
                "plan_digest": plan_digest or plan.content_digest(),
                "approved": ApprovedCommand.of(command),
            }
        )

    def changes(
        self, plan: CommandPlan, index: int, *, plan_digest: str | None = None
    ) -> list[str]:
        """What differs from the content this approval was given for ([] while it holds).

        ``plan.commands[index]`` is the command the approval is attached to. A changed command
        is described field by field where the approval's copy tells (``time``,
        ``parameters.<name>``, ``uplink`` ...; else the fields it does not keep, e.g.
        ``rationale``); a change elsewhere in the plan, or another plan, as such. Raises
        ``ValueError`` for an unbound approval (nothing to compare with).
        """
        if self.plan_digest is None or self.command_digest is None:
            raise ValueError("the approval is not bound to any content; bind it (Approval.bind)")
        command = plan.commands[index]
        out: list[str] = []
        if self.command_index is not None and self.command_index != index:
            out.append(f"position: command {self.command_index} → {index}")
        if command.content_digest() != self.command_digest:
            out += self._field_changes(command)
        if not out:
            now = plan_digest or plan.content_digest()
            if now != self.plan_digest:
                out.append(
                    f"the plan around it (approved in plan {self.plan_digest[:12]}, this is plan "
                    f"{now[:12]}: another plan, or its mission, times, other commands or"
                    " screenings changed)"
                )
        return out

    def _field_changes(self, command: PlannedCommand) -> list[str]:
        if self.approved is None:
            return ["the command (the approval keeps no copy of it to compare)"]
        now = command.model_dump(mode="json", exclude={"approvals"})
        then = self.approved.model_dump(mode="json")
        out: list[str] = []
        for key, old in then.items():
            new = now.get(key)
            if key == "parameters" and isinstance(old, Mapping) and isinstance(new, Mapping):
                for name in sorted(set(old) | set(new)):
                    was, now_ = name in old, name in new
                    a, b = old.get(name), new.get(name)
                    if not (was and now_) or canonical_bytes(a) != canonical_bytes(b):
                        out.append(f"parameters.{name} {_shown(a, was)} → {_shown(b, now_)}")
            elif canonical_bytes(old) != canonical_bytes(new):
                out.append(f"{key} {_shown(old)} → {_shown(new)}")
        if not out:
            rest = sorted(set(now) - set(then))
            out.append(", ".join(rest) or "the command")
        return out


def _shown(value: object, present: bool = True) -> str:
    if not present or value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return canonical_bytes(value).decode("utf-8")


class _ScheduledContact(Protocol):
    """What :meth:`PlanContact.from_scheduled` reads of a scheduled contact."""

    @property
    def satellite_id(self) -> int: ...
    @property
    def station_id(self) -> str: ...
    @property
    def antenna(self) -> str: ...
    @property
    def aos(self) -> datetime: ...
    @property
    def los(self) -> datetime: ...


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
    def from_scheduled(cls, contact: _ScheduledContact) -> PlanContact:
        """From a :class:`~cosmo_agent.tools.scheduling.ScheduledContact` or a contact of a
        ``schedule_contacts`` result (both name the antenna ``antenna``).
        """
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

    def content_digest(self) -> str:
        """SHA-256 (hex) of the command's canonical JSON without ``approvals``."""
        return _sha256(self.model_dump(mode="json", exclude={"approvals"}))


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
        who = (
            "fleet"
            if self.satellite is None
            else (f"{self.satellite.name} ({self.satellite.norad_id})")
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
    def from_alert(cls, alert: Alert) -> PlanAlert:
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
    def from_report(cls, report: SpaceWeatherReport) -> SpaceWeatherState:
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


def data_ages(
    now: datetime,
    satellites: Sequence[Satellite],
    *,
    catalog: Catalog | None = None,
    space_weather: SpaceWeatherReport | None = None,
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


class PlanSignature(_Model):
    """An Ed25519 signature of the plan's signature digest (content plus approvals).

    Made and checked by :mod:`cosmo_agent.agent.signing`. The signed message is the UTF-8
    text ``"cosmo-agent plan signature v1\\n" + digest + "\\n" + signed_at`` (``signed_at`` as
    ISO 8601 ``Z``); ``public_key`` is the raw 32-byte key and ``signature`` the 64-byte
    signature, both base64; ``key_id`` is the first 16 hex digits of the SHA-256 of the raw
    key (a name for people; verification uses the trusted key itself).
    """

    algorithm: Literal["ed25519"] = "ed25519"
    key_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    public_key: str = Field(min_length=1, max_length=64)
    digest: str = Field(pattern=_SHA256_HEX)
    signed_at: UtcDatetime
    signature: str = Field(min_length=1, max_length=128)


class PlanRelease(_Model):
    """How a plan passed the release gate (``cosmo-agent release``); None on a draft.

    ``released_at`` is the wall clock; ``checked_at`` the time it was validated for (the
    wall clock, or ``--now``); the digests are those of the plan released; ``trusted_key``
    the key id of the signature verified against a trusted key (None when none was asked).
    """

    released_at: UtcDatetime
    checked_at: UtcDatetime
    content_digest: str = Field(pattern=_SHA256_HEX)
    signature_digest: str = Field(pattern=_SHA256_HEX)
    trusted_key: str | None = Field(default=None, pattern=r"^[0-9a-f]{16}$")


class CommandPlan(_Model):
    """A proposed command plan for one mission over a horizon.

    ``contacts`` is the contact schedule the uplinks must fit; ``screenings`` the
    conjunction screenings commands refer to; ``space_weather`` the conditions seen.
    ``signature``: an optional Ed25519 signature of the approved plan; ``release``: None on a
    draft, the release record on a plan that passed ``cosmo-agent release``.
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
    signature: PlanSignature | None = None
    release: PlanRelease | None = None

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

    def to_jsonable(self) -> dict[str, Any]:  # JsonObject once graph.py's state holds one
        """The plan as plain JSON data (times as ISO 8601 ``Z`` strings)."""
        return self.model_dump(mode="json")

    def canonical_json(self, *, indent: int | None = 2) -> str:
        """Canonical JSON: sorted keys, UTC ``Z`` times, UTF-8 text (not ASCII-escaped)."""
        return json.dumps(self.to_jsonable(), sort_keys=True, ensure_ascii=False, indent=indent)

    def content_digest(self) -> str:
        """SHA-256 (hex) of the plan without signature, release, contacts and approvals."""
        data = self.model_dump(mode="json", exclude={"signature", "release", "contacts"})
        for command in data["commands"]:
            del command["approvals"]
        return _sha256(data)

    def signature_digest(self) -> str:
        """SHA-256 (hex) of the plan without signature and release: content plus approvals."""
        return _sha256(self.model_dump(mode="json", exclude={"signature", "release"}))

    @classmethod
    def from_json(cls, text: str | bytes) -> CommandPlan:
        """Parse plan JSON (as written by :meth:`canonical_json`)."""
        return cls.model_validate_json(text)

    def with_commands(self, commands: Iterable[PlannedCommand]) -> CommandPlan:
        """A copy with ``commands`` instead of this plan's commands."""
        return self.model_copy(update={"commands": list(commands)})


# -- the validator's report (written beside the plan; the rules are in agent/validator.py) --

RuleId = Literal[
    "dictionary.no_dictionary",
    "dictionary.unknown_command",
    "dictionary.unknown_parameter",
    "dictionary.missing_parameter",
    "dictionary.wrong_type",
    "range.out_of_range",
    "range.bad_state",
    "range.bad_format",
    "approval.missing",
    "approval.invalid",
    "approval.same_person",
    "approval.unbound",
    "approval.content_changed",
    "time.margin",
    "time.order",
    "time.simultaneous",
    "time.burn_epoch",
    "time.outside_horizon",
    "time.future_data",
    "uplink.missing",
    "uplink.unknown_antenna",
    "uplink.no_uplink",
    "uplink.outside_window",
    "uplink.unscheduled",
    "uplink.no_pass",
    "uplink.rate_exceeds_antenna",
    "downlink.volume_mismatch",
    "antenna.double_booked",
    "antenna.blackout",
    "antenna.unknown",
    "elements.missing",
    "elements.stale",
    "elements.aging",
    "elements.stale_at_command",
    "policy.wrong_mission",
    "policy.unknown_satellite",
    "policy.satellite_mismatch",
    "policy.not_maneuverable",
    "policy.maneuver_unscreened",
    "policy.maneuver_new_conjunction",
    "policy.maneuver_rescreen_conjunction",
    "policy.radiation_storm",
    "policy.space_weather_unknown",
    "policy.safe_mode_missing",
    "policy.downlink_after_safe_mode",
    "rationale.unreferenced",
    "coverage.incomplete",
]
"""Every rule id, grouped by stage (the order the validator reports them in)."""
Severity = Literal["error", "warning"]
"""error: the plan must not be uplinked; warning: worth an operator's look."""


class Violation(BaseModel):
    """One broken rule: which, how bad, for which command (None: the plan) and what to do."""

    model_config = ConfigDict(frozen=True)

    rule: RuleId
    severity: Severity
    command_index: int | None
    message: str
    parameter: str | None = None


class ValidationReport(BaseModel):
    """Every violation of a plan; ``ok`` when there is no error (warnings allowed)."""

    model_config = ConfigDict(frozen=True)

    mission: str
    checked_at: datetime
    commands: int
    ok: bool
    violations: list[Violation]

    def rule_ids(self, severity: Severity | None = None) -> set[str]:
        """The distinct rule ids reported (optionally of one severity)."""
        return {v.rule for v in self.violations if severity is None or v.severity == severity}

    def errors(self) -> list[Violation]:
        """The violations that block the plan."""
        return [v for v in self.violations if v.severity == "error"]

    def warnings(self) -> list[Violation]:
        """The violations worth a look that do not block the plan."""
        return [v for v in self.violations if v.severity == "warning"]

    def summary(self) -> str:
        """One line: PASSED/FAILED with counts."""
        verdict = "PASSED" if self.ok else "FAILED"
        return (
            f"{verdict}: {len(self.errors())} error(s), {len(self.warnings())} warning(s) "
            f"in {self.commands} command(s)"
        )
