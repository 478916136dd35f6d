"""Independent re-derivation: check a plan against the mission's own sources, not its claims.

A plan records what its planner saw (contacts, element ages, space weather, alerts). A plan
whose every timestamp was moved, or whose contacts were forged, is consistent with itself;
:func:`crosscheck_plan` recomputes what the plan depends on from ``sources`` (a
:class:`~cosmo_agent.tools.registry.ToolContext` whose clock is the validation time) and
reports where the plan disagrees:

- ``uplink.no_pass``: a command that needs a contact is not inside a pass of its satellite over
  its uplink station, as the ``find_passes`` tool computes it now (station minimum elevation and
  horizon mask applied), or it falls in a station blackout;
- ``elements.stale_at_command``: the catalog's element epoch of a commanded satellite (not the
  plan's ``data_ages``) is more than ``policies.stale_refuse_days`` from a command's time, either
  way, or the catalog has no elements for it;
- ``time.future_data``: the plan's ``created_at``, recorded element epochs or space-weather
  data time are later than the validation clock (beyond small tolerances);
- ``policy.safe_mode_missing``: the ``space_weather`` tool, run at the validation clock, puts a
  satellite in safe mode and the plan has no ``SAFE_MODE_ENTER`` for it;
  ``policy.downlink_after_safe_mode``: a ``START_DOWNLINK`` after the satellite's
  ``SAFE_MODE_ENTER`` (both through :func:`~cosmo_agent.agent.coverage.safety_gaps`);
- ``uplink.rate_exceeds_antenna``: a ``START_DOWNLINK`` asks for more than its antenna's
  ``downlink_rate_mbps``;
- ``downlink.volume_mismatch``: the volume a ``START_DOWNLINK``'s rationale claims
  (``downlink V Mbit``, as compose writes it) is recomputed at the rate the command carries
  (its ``rate_mbps``, or its dictionary default, capped at the antenna's rate): the claim must
  lie between what the command delivers (its ``duration_s``, cut at LOS) and what its whole
  contact carries (AOS..LOS, cut to the pass computed now), within 1 % of the contact's volume
  plus one second at the rate; compose claims the contact's volume;
- ``policy.space_weather_unknown``: the space weather cannot be read (or the radiation scale is
  unknown) while the fleet has radiation-sensitive satellites;
- ``policy.maneuver_rescreen_conjunction``: a planned burn (a command of the dictionary's
  ``maneuver`` category: Δv R, T, N in m/s at its ``burn_epoch``), applied to the satellite's
  catalog elements (:func:`~cosmo_agent.orbital.maneuver.apply_impulse`: impulsive Δv, then a
  state-to-SGP4 fit) and re-screened against the mission's catalog from the burn to 24 h after
  it (:func:`~cosmo_agent.orbital.maneuver.rescreen_after_maneuver`, as ``plan_avoidance``
  screens its candidates), comes within ``policies.screening_threshold_km`` of an object the
  unburned orbit does not come near (same object, TCA within
  :data:`~cosmo_agent.tools.registry.EVENT_MATCH_S`: the avoided conjunction is not new), or
  brings an approach the unburned orbit has too closer than it was, to under
  ``policies.min_miss_km``; or the burn cannot be flown or re-screened (element fit or SGP4
  failed, screener not installed).
  The plan's own screening record is not consulted: a burn edited after its screening, or
  a catalog that gained an object since, is caught here.

:mod:`~cosmo_agent.agent.validator` runs it (``validate_plan(..., sources=...)``) and merges
its findings into its stages; this module does not import the validator.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal
from weakref import WeakKeyDictionary

import numpy as np

from cosmo_agent.agent.coverage import safety_gaps
from cosmo_agent.agent.plan import CommandPlan, PlanAlert, PlannedCommand
from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.timescales import iso_utc
from cosmo_agent.tools.commands import (
    CommandDefinition,
    CommandDictionary,
    CommandDictionaryError,
    dictionary_for,
)
from cosmo_agent.tools.mission import GroundStation
from cosmo_agent.tools.registry import EVENT_MATCH_S, ToolContext, ToolError, call_tool
from cosmo_agent.tools.toolkit import PassesResult, SpaceWeatherResult

if TYPE_CHECKING:  # imported where used: the orbital extras may be missing
    from cosmo_agent.orbital.maneuver import Rescreen
    from cosmo_agent.orbital.screening import Conjunctions

__all__ = ["crosscheck_plan"]

CrosscheckRule = Literal[
    "time.future_data",
    "uplink.no_pass",
    "uplink.rate_exceeds_antenna",
    "downlink.volume_mismatch",
    "elements.stale_at_command",
    "policy.space_weather_unknown",
    "policy.safe_mode_missing",
    "policy.downlink_after_safe_mode",
    "policy.maneuver_rescreen_conjunction",
]
"""The rules this module reports (their severities live in the validator's ``RULES``)."""
Finding = tuple[CrosscheckRule, int | None, str]

_CREATED_TOLERANCE: Final = timedelta(minutes=1)
# Data may lead the clock a little: element-set epochs can sit hours after their release (the
# demo's June 2026 sample leads its 12:00Z horizon by up to 3.6 h) and the tools only warn about
# space-weather data newer than the clock by more than an hour.
_ELEMENTS_TOLERANCE: Final = timedelta(hours=6)
_SPACE_WEATHER_TOLERANCE: Final = timedelta(hours=1)
_PASS_TOLERANCE: Final = timedelta(seconds=1)
_PASS_MARGIN: Final = timedelta(minutes=30)  # searched before the first and after the last
_MAX_SEARCH_H: Final = 168.0  # find_passes' longest window
_UNUSABLE_ELEMENTS: Final = frozenset({"stale_data", "not_in_catalog"})
_VOLUME_CLAIM: Final = re.compile(r"\bdownlink (\d+(?:\.\d+)?) Mbit\b")
"""A downlink's volume as compose writes it in the rationale (``downlink 172748.2 Mbit
scheduled on DAEJEON/DJ-X1 ...``)."""
_VOLUME_TOLERANCE: Final = 0.01  # of the contact's volume; plus the rate for _PASS_TOLERANCE
_RESCREEN_SPAN: Final = timedelta(hours=24)  # a burn's trajectory is re-screened this long
_DV_PARAMETERS: Final = ("dv_radial_m_s", "dv_along_m_s", "dv_cross_m_s")  # R, T, N
_RESCREENS: Final[
    WeakKeyDictionary[
        Catalog, dict[tuple[int, datetime, tuple[float, ...], float], tuple[int, Rescreen | None]]
    ]
] = WeakKeyDictionary()
"""Re-screenings by catalog (immutable) and burn: a plan run validates the same burn against
the same catalog after every step; each burn is flown and screened once (the fit's status, and
the re-screening: None when the post-burn orbit could not be fitted)."""


def crosscheck_plan(
    plan: CommandPlan,
    sources: ToolContext,
    *,
    needs_contact: Sequence[bool] | None = None,
) -> list[Finding]:
    """Findings ``(rule, command index or None, message)`` of ``plan`` against ``sources``.

    ``sources.now`` is the validation clock. ``needs_contact[i]`` says whether command ``i``
    must be uplinked in a contact (default: its dictionary's ``requires_contact``; a command
    without a known definition is not checked for a pass). Never raises for a bad plan.
    """
    out: list[Finding] = []
    out += _future_data(plan, sources.now)
    definitions = _definitions(plan, sources)
    needs = (
        list(needs_contact)
        if needs_contact is not None
        else [d is not None and d.requires_contact for d in definitions]
    )
    no_pass, passes = _passes(plan, sources, needs)
    out += no_pass
    out += _rates(plan, sources)
    out += _volumes(plan, sources, passes)
    out += _element_ages(plan, sources)
    out += _safety(plan, sources)
    out += _maneuvers(plan, sources, definitions)
    return out


# -- time.future_data ------------------------------------------------------------------------


def _future_data(plan: CommandPlan, now: datetime) -> list[Finding]:
    out: list[Finding] = []
    fix = "the validation clock or the plan is wrong; check both"
    if plan.created_at > now + _CREATED_TOLERANCE:
        out.append(
            (
                "time.future_data",
                None,
                f"the plan was created at {iso_utc(plan.created_at)}, after the validation clock "
                f"{iso_utc(now)}; {fix}",
            )
        )
    for rec in plan.data_ages.elements:
        if rec.epoch is not None and rec.epoch > now + _ELEMENTS_TOLERANCE:
            out.append(
                (
                    "time.future_data",
                    None,
                    f"the plan records elements of {rec.name} ({rec.norad_id}) with epoch "
                    f"{iso_utc(rec.epoch)}, after the validation clock {iso_utc(now)}; {fix}",
                )
            )
    times = {
        "space weather data time": plan.space_weather.data_time if plan.space_weather else None,
        "data_ages.space_weather_time": plan.data_ages.space_weather_time,
    }
    for what, when in times.items():
        if when is not None and when > now + _SPACE_WEATHER_TOLERANCE:
            out.append(
                (
                    "time.future_data",
                    None,
                    f"the plan's {what} {iso_utc(when)} is after the validation clock "
                    f"{iso_utc(now)}; {fix}",
                )
            )
            break
    return out


# -- uplink.no_pass --------------------------------------------------------------------------


def _definitions(plan: CommandPlan, sources: ToolContext) -> list[CommandDefinition | None]:
    """Each command's definition in its satellite's dictionary (None: unknown)."""
    mission = sources.mission
    by_id = {s.norad_id: s for s in mission.fleet}
    dicts: dict[str, CommandDictionary | None] = {}
    out: list[CommandDefinition | None] = []
    for cmd in plan.commands:
        sat = by_id.get(cmd.satellite.norad_id)
        if sat is None:
            out.append(None)
            continue
        if sat.sat_class not in dicts:
            try:
                dicts[sat.sat_class] = sources.command_dictionary(sat.sat_class)
            except ToolError:
                dicts[sat.sat_class] = None
        d = dicts[sat.sat_class]
        out.append(d.command(cmd.command) if d is not None else None)
    return out


def _station(sources: ToolContext, station_id: str) -> GroundStation | None:
    return next((s for s in sources.mission.stations if s.id == station_id), None)


Passes = dict[tuple[int, str], list[tuple[datetime, datetime]]]
"""(NORAD id, station id) -> the AOS..LOS of each pass computed now."""


def _passes(
    plan: CommandPlan, sources: ToolContext, needs: Sequence[bool]
) -> tuple[list[Finding], Passes]:
    """``uplink.no_pass`` findings, and the passes computed for them."""
    fleet = {s.norad_id for s in sources.mission.fleet}
    todo: list[tuple[int, PlannedCommand, GroundStation]] = []
    for i, (cmd, need) in enumerate(zip(plan.commands, needs, strict=False)):
        if not need or cmd.uplink is None or cmd.satellite.norad_id not in fleet:
            continue  # uplink.missing / policy.unknown_satellite say why
        station = _station(sources, cmd.uplink.station_id)
        if station is not None:  # else uplink.unknown_antenna
            todo.append((i, cmd, station))
    if not todo:
        return [], {}
    out: list[Finding] = []
    for i, cmd, st in todo:
        for w in st.blackouts:
            if w.start <= cmd.time < w.end:
                out.append(
                    (
                        "uplink.no_pass",
                        i,
                        f"{cmd.satellite.name} over {st.id} at {iso_utc(cmd.time)} falls in the "
                        f"{st.id} blackout {iso_utc(w.start)}..{iso_utc(w.end)} "
                        f"({w.reason or 'no reason given'}); move it to another pass",
                    )
                )
    found, skip, problem = _search(sources, todo)
    for i, cmd, st in todo:
        sat_id = cmd.satellite.norad_id
        if sat_id in skip:
            continue  # no usable elements: elements.stale_at_command reports it
        name = f"{cmd.satellite.name} over {st.id}"
        if problem is not None:
            out.append(("uplink.no_pass", i, f"{name}: passes cannot be computed ({problem})"))
            continue
        mine = found.get((sat_id, st.id), [])
        if any(a - _PASS_TOLERANCE <= cmd.time <= b + _PASS_TOLERANCE for a, b in mine):
            continue
        if mine:
            a, b = min(mine, key=lambda p: min(abs(p[0] - cmd.time), abs(p[1] - cmd.time)))
            nearest = f"nearest: {iso_utc(a)}..{iso_utc(b)}"
        else:
            nearest = "nearest: none within 30 min of the plan's commands"
        out.append(
            (
                "uplink.no_pass",
                i,
                f"{name} has no pass containing {iso_utc(cmd.time)} ({nearest}); the plan's "
                "contact "
                f"{iso_utc(cmd.uplink.aos) if cmd.uplink else '?'}.."
                f"{iso_utc(cmd.uplink.los) if cmd.uplink else '?'} is not a pass computed from the "
                "mission's elements; re-plan from find_passes",
            )
        )
    return out, found


def _search(
    sources: ToolContext, todo: Sequence[tuple[int, PlannedCommand, GroundStation]]
) -> tuple[Passes, set[int], str | None]:
    """Passes per (satellite, station) over the commands' span, satellites left out for their
    elements, and a problem that stopped the search (None: it ran)."""
    times = [cmd.time for _, cmd, _ in todo]
    start, stop = min(times) - _PASS_MARGIN, max(times) + _PASS_MARGIN
    sats = sorted({str(cmd.satellite.norad_id) for _, cmd, _ in todo})
    stations = sorted({st.id for _, _, st in todo})
    try:
        catalog = sources.catalog
    except ToolError:
        return {}, {int(s) for s in sats}, None  # elements.stale_at_command reports it
    found: Passes = {}
    skip: set[int] = set()
    at = start
    while at < stop:
        hours = min(_MAX_SEARCH_H, (stop - at).total_seconds() / 3600.0)
        ctx = ToolContext.from_mission(
            sources.mission, now=at, catalog=catalog, space_weather=sources.space_weather
        )
        args = {"satellites": sats, "stations": stations, "duration_h": hours}
        outcome = call_tool(ctx, "find_passes", args)
        if outcome.error is not None:
            if outcome.error.code in _UNUSABLE_ELEMENTS:
                skip |= {int(s) for s in sats}
            else:
                failed = f"find_passes failed ({outcome.error.code}): {outcome.error.message}"
                return {}, skip, failed
        elif isinstance(outcome.result, PassesResult):
            skip |= {e.satellite.norad_id for e in outcome.result.excluded}
            for p in outcome.result.passes:
                key = (p.satellite.norad_id, p.station_id)
                found.setdefault(key, []).append((p.aos_utc, p.los_utc))
        at += timedelta(hours=hours)
    return found, skip, None


# -- uplink.rate_exceeds_antenna -------------------------------------------------------------


def _rates(plan: CommandPlan, sources: ToolContext) -> list[Finding]:
    out: list[Finding] = []
    for i, cmd in enumerate(plan.commands):
        rate = cmd.parameters.get("rate_mbps")
        if cmd.command != "START_DOWNLINK" or cmd.uplink is None:
            continue
        if rate is None:  # an omitted rate is the dictionary's default: judge that one
            rate = _default_rate(sources, cmd)
        if not isinstance(rate, int | float) or isinstance(rate, bool):
            continue  # the dictionary rules judge the parameter itself
        st = _station(sources, cmd.uplink.station_id)
        antenna = (
            next((a for a in st.antennas if a.id == cmd.uplink.antenna_id), None) if st else None
        )
        if antenna is not None and rate > antenna.downlink_rate_mbps:
            out.append(
                (
                    "uplink.rate_exceeds_antenna",
                    i,
                    f"START_DOWNLINK for {cmd.satellite.name} asks for {rate:g} Mbit/s; antenna "
                    f"{st.id if st else '?'}/{antenna.id} receives at most "
                    f"{antenna.downlink_rate_mbps:g} Mbit/s; lower rate_mbps",
                )
            )
    return out


def _default_rate(sources: ToolContext, cmd: PlannedCommand) -> float | None:
    """The ``rate_mbps`` a START_DOWNLINK without one transmits at (its dictionary default)."""
    try:
        sat = sources.mission.satellite(cmd.satellite.norad_id)
        start = dictionary_for(sources.mission, sat.sat_class).command("START_DOWNLINK")
    except (KeyError, CommandDictionaryError):
        return None
    p = None if start is None else start.parameter("rate_mbps")
    default = None if p is None else p.default
    return (
        float(default)
        if isinstance(default, int | float) and not isinstance(default, bool)
        else None
    )


# -- downlink.volume_mismatch ----------------------------------------------------------------


def _volumes(plan: CommandPlan, sources: ToolContext, passes: Passes) -> list[Finding]:
    out: list[Finding] = []
    for i, cmd in enumerate(plan.commands):
        if cmd.command != "START_DOWNLINK" or cmd.uplink is None:
            continue
        claim = _VOLUME_CLAIM.search(cmd.rationale.text)
        st = _station(sources, cmd.uplink.station_id)
        antenna = (
            next((a for a in st.antennas if a.id == cmd.uplink.antenna_id), None) if st else None
        )
        rate = cmd.parameters.get("rate_mbps")
        rate_mbps = _finite(_default_rate(sources, cmd) if rate is None else rate)
        duration_s = _finite(cmd.parameters.get("duration_s"))
        if claim is None or antenna is None or rate_mbps is None or duration_s is None:
            continue  # no claim; or uplink.unknown_antenna and the dictionary rules say why
        rate_mbps = min(rate_mbps, antenna.downlink_rate_mbps)  # the excess: rate_exceeds
        aos, los = cmd.uplink.aos, cmd.uplink.los
        computed = [
            (a, b)
            for a, b in passes.get((cmd.satellite.norad_id, cmd.uplink.station_id), [])
            if a - _PASS_TOLERANCE <= cmd.time <= b + _PASS_TOLERANCE
        ]
        if computed:  # the contact as far as a pass computed now bears it out
            aos, los = max(aos, computed[0][0]), min(los, computed[0][1])
        transmit_s = max(0.0, min(duration_s, (los - cmd.time).total_seconds()))
        contact_s = max(0.0, (los - aos).total_seconds())
        delivered, whole = rate_mbps * transmit_s, rate_mbps * contact_s
        slack = _VOLUME_TOLERANCE * whole + rate_mbps * _PASS_TOLERANCE.total_seconds()
        claimed = float(claim[1])
        if delivered - slack <= claimed <= whole + slack:
            continue
        if claimed > whole:
            ratio = f"{claimed / whole:.3g}x" if whole > 0 else "more than"
            than = f"{ratio} what its whole contact carries"
        else:
            than = f"{claimed / delivered:.3g}x what it delivers"
        out.append(
            (
                "downlink.volume_mismatch",
                i,
                f"START_DOWNLINK for {cmd.satellite.name} at {iso_utc(cmd.time)} on"
                f" {cmd.uplink.station_id}/{cmd.uplink.antenna_id} claims {claimed:.1f} Mbit"
                f" ({than}): at {rate_mbps:g} Mbit/s its {transmit_s:g} s"
                f" deliver {delivered:.1f} Mbit and its whole contact "
                f"{iso_utc(aos)}..{iso_utc(los)}"
                f" ({contact_s:.1f} s) {whole:.1f} Mbit (tolerance {_VOLUME_TOLERANCE:.0%} +"
                f" {_PASS_TOLERANCE.total_seconds():g} s); correct the claim or the command",
            )
        )
    return out


def _finite(value: object) -> float | None:
    """A finite number as a float (None: missing, not a number, a bool, NaN or infinite)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return float(value) if math.isfinite(value) else None


# -- elements.stale_at_command ---------------------------------------------------------------


def _element_ages(plan: CommandPlan, sources: ToolContext) -> list[Finding]:
    if not plan.commands:
        return []
    limit = sources.mission.policies.stale_refuse_days
    try:
        catalog = sources.catalog
        ids, epochs = catalog.ids, catalog.epochs
        where = catalog.source
        unreadable = None
    except ToolError as err:
        ids, epochs, where, unreadable = np.zeros(0, dtype=np.int64), None, "", err.message
    by_sat: dict[int, list[int]] = {}
    for i, cmd in enumerate(plan.commands):
        by_sat.setdefault(cmd.satellite.norad_id, []).append(i)
    out: list[Finding] = []
    for norad_id, indexes in by_sat.items():
        name = plan.commands[indexes[0]].satellite.name
        rows = np.flatnonzero(ids == norad_id)
        if unreadable is not None or not rows.size or epochs is None:
            why = (
                f"the catalog cannot be read ({unreadable})"
                if unreadable
                else (f"{where} has no element set for it")
            )
            out.append(
                (
                    "elements.stale_at_command",
                    indexes[0],
                    f"{name} ({norad_id}): {why}; its commands cannot be checked against its "
                    "orbit, get elements and re-plan",
                )
            )
            continue
        epoch = epochs[rows[0]].astype(datetime).replace(tzinfo=UTC)
        bad = [(i, abs((plan.commands[i].time - epoch).total_seconds()) / 86400.0) for i in indexes]
        bad = [(i, age) for i, age in bad if age > limit]
        if bad:
            i, age = max(bad, key=lambda b: b[1])
            out.append(
                (
                    "elements.stale_at_command",
                    bad[0][0],
                    f"{name}'s catalog elements (epoch {iso_utc(epoch)}) are {age:.1f} days from "
                    f"{plan.commands[i].command} at {iso_utc(plan.commands[i].time)} "
                    f"({len(bad)} command(s) over the {limit:g}-day limit); the plan's times do "
                    "not match the mission's elements, re-plan from current elements",
                )
            )
    return out


# -- space weather and safety ----------------------------------------------------------------


def _safety(plan: CommandPlan, sources: ToolContext) -> list[Finding]:
    mission = sources.mission
    out: list[Finding] = []
    outcome = call_tool(sources, "space_weather", {})
    result = outcome.result if isinstance(outcome.result, SpaceWeatherResult) else None
    radiation = [s.name for s in mission.fleet if "radiation" in s.sensitivities]
    unknown = None
    if result is None:
        unknown = outcome.error.message if outcome.error is not None else "no result"
    elif result.scales.get("S") is None or result.scales["S"].level is None:
        unknown = "the radiation (S) scale is unknown: " + (
            ", ".join(result.stale_products) or "no readable product"
        )
    if unknown is not None and radiation:
        out.append(
            (
                "policy.space_weather_unknown",
                None,
                f"space weather at {iso_utc(sources.now)} cannot be read ({unknown[:400]}) and "
                f"{', '.join(radiation)} are radiation-sensitive; get current space weather "
                "and validate again",
            )
        )
    downlinks = safety_gaps(plan.model_copy(update={"alerts": []}), mission)
    if result is not None:
        fresh = [PlanAlert.from_alert(a) for a in result.alerts]
        gaps = safety_gaps(plan.model_copy(update={"alerts": fresh}), mission)
        for gap in gaps[: len(gaps) - len(downlinks)]:  # alert gaps come first
            who = gap.satellite.name if gap.satellite else "a satellite"
            out.append(
                (
                    "policy.safe_mode_missing",
                    None,
                    f"space weather at {iso_utc(sources.now)} puts {who} in safe mode and the plan "
                    f"has no SAFE_MODE_ENTER for it ({gap.reason}); add it and re-plan",
                )
            )
    used: set[int] = set()
    for gap in downlinks:
        index = next(
            (
                i
                for i, c in enumerate(plan.commands)
                if i not in used
                and c.command == "START_DOWNLINK"
                and gap.satellite is not None
                and c.satellite.norad_id == gap.satellite.norad_id
                and c.time.isoformat() in gap.reason
            ),
            None,
        )
        if index is not None:
            used.add(index)
        out.append(
            (
                "policy.downlink_after_safe_mode",
                index,
                f"{gap.reason}; drop the downlink or move it before SAFE_MODE_ENTER",
            )
        )
    return out


# -- policy.maneuver_rescreen_conjunction ----------------------------------------------------


def _maneuvers(
    plan: CommandPlan, sources: ToolContext, definitions: Sequence[CommandDefinition | None]
) -> list[Finding]:
    burns = [
        (i, cmd, dv)
        for i, (cmd, d) in enumerate(zip(plan.commands, definitions, strict=False))
        if d is not None and d.category == "maneuver" and (dv := _dv_rtn_m_s(cmd)) is not None
    ]
    if not burns:
        return []
    try:
        catalog = sources.catalog
    except ToolError:
        return []  # elements.stale_at_command reports it
    out: list[Finding] = []
    fix = "choose another burn and screen it again (plan_avoidance), then re-plan"
    try:
        from cosmo_agent.orbital.maneuver import (
            AVOIDANCE_STATUS,
            apply_impulse,
            rescreen_after_maneuver,
        )
        from cosmo_agent.orbital.maneuver import AvoidanceStatus as Status
    except ModuleNotFoundError as exc:
        return [
            (
                "policy.maneuver_rescreen_conjunction",
                i,
                f"{cmd.command} for {cmd.satellite.name} cannot be re-screened ({exc}); install"
                " the orbital extras and validate again",
            )
            for i, cmd, _ in burns
        ]
    threshold_km = sources.mission.policies.screening_threshold_km
    min_miss_km = sources.mission.policies.min_miss_km
    memo = _RESCREENS.setdefault(catalog, {})
    for i, cmd, dv in burns:
        rows = np.flatnonzero(catalog.ids == cmd.satellite.norad_id)
        if not rows.size:
            continue  # elements.stale_at_command reports it
        burn = _burn_epoch(cmd)
        stop = burn + _RESCREEN_SPAN
        what = f"{cmd.command} for {cmd.satellite.name} at {iso_utc(burn)}"
        key = (cmd.satellite.norad_id, burn, dv, threshold_km)
        if key not in memo:
            original = catalog.satrecs[int(rows[0])]
            fit = apply_impulse(original, burn, dv)
            memo[key] = (fit.status, None)
            if fit.status == Status.OK and fit.satrec is not None:
                memo[key] = (
                    fit.status,
                    rescreen_after_maneuver(
                        fit,
                        cmd.satellite.norad_id,
                        catalog,
                        stop,
                        threshold_km=threshold_km,
                        original=original,
                        match_s=EVENT_MATCH_S,
                    ),
                )
        status, check = memo[key]
        if check is None:
            out.append(
                (
                    "policy.maneuver_rescreen_conjunction",
                    i,
                    f"{what}: the post-burn orbit cannot be fitted from the catalog's elements"
                    f" ({AVOIDANCE_STATUS.get(status, status)}), so it cannot be re-screened;"
                    f" {fix}",
                )
            )
            continue
        after = check.after
        failed = after.excluded.get(cmd.satellite.norad_id)
        if failed is not None:
            out.append(
                (
                    "policy.maneuver_rescreen_conjunction",
                    i,
                    f"{what}: SGP4 failed for the post-burn orbit before {iso_utc(stop)} "
                    f"({failed}),"
                    f" so it cannot be re-screened; {fix}",
                )
            )
        burned = (
            f"{what} (Δv R {dv[0]:g}, T {dv[1]:g}, N {dv[2]:g} m/s), re-screened from the"
            f" mission's catalog to {iso_utc(stop)},"
        )
        tcas = after.tca_datetimes()
        new = np.flatnonzero(check.new)
        if new.size:
            k = int(new[np.argmin(after.miss_km[new])])
            more = f" and {new.size - 1} more" if new.size > 1 else ""
            out.append(
                (
                    "policy.maneuver_rescreen_conjunction",
                    i,
                    f"{burned} passes {_named(catalog, after, k)} at"
                    f" {float(after.miss_km[k]):.3f} km at {iso_utc(tcas[k])}{more}, under the"
                    f" {threshold_km:g}-km screening threshold where the unburned orbit does"
                    f" not; {fix}",
                )
            )
        closer = _brought_closer(check, min_miss_km)
        if closer:
            k, was = min(closer, key=lambda c: float(after.miss_km[c[0]]))
            more = f" and {len(closer) - 1} more" if len(closer) > 1 else ""
            out.append(
                (
                    "policy.maneuver_rescreen_conjunction",
                    i,
                    f"{burned} brings {_named(catalog, after, k)} from {was:.3f} km to"
                    f" {float(after.miss_km[k]):.3f} km at {iso_utc(tcas[k])}{more}, under the"
                    f" mission's {min_miss_km:g}-km minimum miss distance; {fix}",
                )
            )
    return out


def _named(catalog: Catalog, found: Conjunctions, k: int) -> str:
    """``NAME (id)`` of the secondary object of row ``k`` of a screening."""
    other = int(found.secondary_id[k])
    known = catalog.ids == other
    return f"{str(catalog.names[known][0]) if known.any() else 'object'} ({other})"


def _brought_closer(check: Rescreen, min_miss_km: float) -> list[tuple[int, float]]:
    """Approaches of a re-screen (``rescreen_after_maneuver``) that the unburned orbit has too
    (same object, TCA within :data:`EVENT_MATCH_S`) and that the burn brings closer, to under
    ``min_miss_km``: ``(row of check.after, the unburned miss in km)``."""
    after, before = check.after, check.before
    if before is None:
        return []
    after_us = after.tca.astype("datetime64[us]").astype(np.int64)
    before_us = before.tca.astype("datetime64[us]").astype(np.int64)
    out: list[tuple[int, float]] = []
    for k in np.flatnonzero(~check.new & (after.miss_km < min_miss_km)):
        same = (before.secondary_id == after.secondary_id[k]) & (
            np.abs(before_us - after_us[k]) <= EVENT_MATCH_S * 1e6
        )
        if not same.any():
            continue
        was = float(before.miss_km[same].min())
        if float(after.miss_km[k]) < was:
            out.append((int(k), was))
    return out


def _dv_rtn_m_s(cmd: PlannedCommand) -> tuple[float, float, float] | None:
    """A burn's Δv (R, T, N in m/s; an omitted component is 0), or None when a component is
    not a finite number (the dictionary and range rules say so)."""
    values = [cmd.parameters.get(k, 0.0) for k in _DV_PARAMETERS]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return None
    dv = tuple(float(v) for v in values)
    return (dv[0], dv[1], dv[2]) if all(math.isfinite(v) for v in dv) else None


def _burn_epoch(cmd: PlannedCommand) -> datetime:
    """The burn's ``burn_epoch`` parameter, or the command time when it has none that reads
    as a UTC time (the dictionary rules report a malformed one)."""
    value = cmd.parameters.get("burn_epoch")
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return cmd.time
    return when.astimezone(UTC) if when.tzinfo is not None else cmd.time
