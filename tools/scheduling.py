"""Ground-station contact scheduling: CP-SAT with a greedy baseline and fallback.

Given predicted passes (:class:`ContactOpportunity`), station configurations
(:class:`StationConfig`) and per-satellite demand (:class:`SatelliteDemand`),
:func:`schedule_contacts` chooses which passes to take and on which antenna, and
returns a typed :class:`Schedule`. :func:`validate_schedule` is an independent
checker for the hard constraints.

Model (every choice documented here is what the code does):

- A contact takes the whole usable pass window ``[aos, los]``; start times are not
  shifted. The window is first clipped to ``[horizon_start, horizon_end]``.
- Unusable passes are dropped: max elevation below the station's
  ``min_elevation_deg``, or a window shorter than the station's ``min_contact_s``.
- Blackouts *trim*: a pass overlapping a station blackout keeps its longest
  sub-window outside every blackout if that still lasts ``min_contact_s``;
  otherwise it is dropped (reason ``"blackout"``). ``max_elevation_deg`` is kept
  from the original pass even when the trimmed window misses the culmination.
- One contact per antenna at a time, and ``turnaround_s`` between the LOS of one
  contact and the AOS of the next on the same antenna; one contact per satellite at
  a time (across stations). Antennas of a station are interchangeable.
- Volume is ``rate_mbps * duration_s`` (Mbit); the rate is the opportunity's own
  ``downlink_rate_mbps`` (the rate this satellite's downlink command carries at this
  station), else the satellite's override, else the station's ``downlink_rate_mbps``.
- Demand is soft and per day. The horizon is cut into consecutive 24 h *windows*
  starting at ``horizon_start`` (not UTC calendar days: a 12:00 -> 12:00 horizon is one
  window). A full window requires ``required_contacts_per_day`` contacts; a final
  partial window lasting a fraction ``f < 1`` of a day requires
  ``ceil(required_contacts_per_day * f)`` (so a horizon of 24 h or less is one window
  and a 36 h horizon at 3/day asks 3 + 2). A contact counts for the window holding its
  AOS (after clipping and blackout trimming), so a pass across a window boundary counts
  for the earlier window. Shortfalls are reported per (satellite, window) in
  :attr:`Schedule.unmet`, each entry carrying its window.

Objectives (:data:`Objective`):

- ``"max_volume"``: maximise total downlink volume (Mbit, rounded per contact).
- ``"max_priority"``: maximise the priority-weighted count of *required* contacts,
  ``sum_{s,w} priority_s * min(n_sw, target_sw)`` over satellites ``s`` and windows
  ``w`` (contacts beyond a window's target count only through volume, so a spare
  contact on day 1 does not make up for a missing one on day 2), with total volume as a
  strict tie-breaker.

Internally times are integer seconds from ``horizon_start``; AOS is floored, LOS and
turnaround ceiled, so a model that is feasible in whole seconds is feasible in real
time (conservative by under a second per pass).

Solvers (:data:`Method`, :data:`Formulation`): a SatNOGS-style greedy is the baseline,
the CP-SAT hint, and the fallback; CP-SAT solves the exact model under
``time_limit_s`` (the whole call's wall budget) and reports status, bound and gap.

Example:

>>> from datetime import datetime, timedelta, timezone
>>> t0 = datetime(2026, 6, 10, tzinfo=timezone.utc)
>>> st = StationConfig(id="SVAL", antennas=1, min_elevation_deg=10, min_contact_s=60,
...                    turnaround_s=60, downlink_rate_mbps=100)
>>> opps = [ContactOpportunity(satellite_id=1, station_id="SVAL", aos=t0,
...                            los=t0 + timedelta(seconds=300), max_elevation_deg=40)]
>>> s = schedule_contacts(opps, [st], [SatelliteDemand(satellite_id=1, priority=1,
...                       required_contacts_per_day=1)], method="greedy",
...                       horizon_start=t0, horizon_end=t0 + timedelta(days=1))
>>> [(c.antenna, c.expected_volume_mbit) for c in s.contacts]
[('SVAL-A1', 30000.0)]
>>> validate_schedule(s, [st])
[]
"""

from __future__ import annotations

import bisect
import itertools
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "ContactOpportunity",
    "Formulation",
    "Method",
    "Objective",
    "SatelliteDemand",
    "Schedule",
    "ScheduledContact",
    "SolverInfo",
    "SolverStatus",
    "StationConfig",
    "UnmetDemand",
    "UnmetReason",
    "schedule_contacts",
    "validate_schedule",
]

Objective = Literal["max_volume", "max_priority"]
"""``max_volume``: total Mbit. ``max_priority``: priority-weighted required contacts,
then volume."""

Method = Literal["auto", "cpsat", "greedy"]
"""``auto``: CP-SAT (seeded by greedy) unless the instance exceeds
``max_cpsat_opportunities`` or CP-SAT finds nothing in time, then greedy.
``cpsat``: CP-SAT, greedy only if CP-SAT finds nothing. ``greedy``: greedy only."""

Formulation = Literal["cliques", "alternatives"]
"""CP-SAT model. ``cliques``: one literal per pass and, per maximal clique of
overlapping (turnaround-extended) windows, "at most #antennas" per station and "at most
one" per satellite; antennas assigned afterwards by interval colouring. Exact for
fixed-time passes (interval graphs are perfect) and the fastest: optimal on the
100 x 20 bench in ~3 s. ``alternatives``: the textbook scheduling model, per-antenna
optional intervals (turnaround folded into their length) under NoOverlap with exactly
one present per taken pass, per-satellite NoOverlap, plus the same clique cuts; kept
as a cross-check and for future movable contacts. (Adding the interval constraints to
``cliques`` as redundant propagators made the bench 3x slower, so it has none.)"""

SolverStatus = Literal["OPTIMAL", "FEASIBLE"]
"""``OPTIMAL``: proven optimal (CP-SAT only). ``FEASIBLE``: valid, not proven optimal."""

UnmetReason = Literal[
    "no usable pass",
    "too few usable passes",
    "blackout",
    "conflicts with higher-priority contacts",
    "conflicts with other contacts",
]
"""Why a satellite got fewer contacts than its target in one 24 h window, checked in this
order and counting only the passes whose AOS lies in that window:
``no usable pass``: no pass passes the elevation/duration/horizon filters;
``too few usable passes``: fewer usable passes than the target, before blackouts;
``blackout``: enough passes, but blackouts removed the ones needed;
``conflicts with higher-priority contacts``: a usable pass was left out because an
antenna or the satellite was busy with a higher-priority satellite's contact;
``conflicts with other contacts``: left out for contacts of equal or lower priority
(or of the same satellite) that the objective preferred."""

_DAY_S = 86_400.0
_ONE_WORKER_MAX = 20_000  # usable passes; see schedule_contacts on num_workers
_NAIVE_MSG = (
    "{field} is a naive datetime; pass a timezone-aware UTC datetime, e.g. "
    "datetime(2026, 6, 10, 12, 0, tzinfo=timezone.utc) or dt.replace(tzinfo=timezone.utc)"
)


def _aware_utc(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(_NAIVE_MSG.format(field=field))
    return value.astimezone(UTC)


class ContactOpportunity(BaseModel):
    """One predicted pass of a satellite over a station (AOS to LOS, UTC).

    ``downlink_rate_mbps``, when given, is the rate of this satellite's downlink at this
    station (e.g. its command's rate capped by the antenna's) and sets the pass's volume.
    """

    model_config = ConfigDict(frozen=True)

    satellite_id: int
    station_id: str
    aos: datetime
    los: datetime
    max_elevation_deg: float = Field(ge=-90.0, le=90.0)
    downlink_rate_mbps: float | None = Field(default=None, gt=0.0)

    @field_validator("aos", "los")
    @classmethod
    def _utc(cls, v: datetime, info: object) -> datetime:
        return _aware_utc(v, getattr(info, "field_name", "time"))

    @model_validator(mode="after")
    def _ordered(self) -> ContactOpportunity:
        if self.los <= self.aos:
            raise ValueError(
                f"los ({self.los.isoformat()}) must be after aos ({self.aos.isoformat()}); "
                "swap them or drop the pass"
            )
        return self


class StationConfig(BaseModel):
    """A ground station. ``antennas`` is a list of names or a count (named ``ID-A1``...)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    antennas: list[str]
    min_elevation_deg: float = Field(default=10.0, ge=-90.0, le=90.0)
    min_contact_s: float = Field(default=120.0, ge=0.0)
    turnaround_s: float = Field(default=60.0, ge=0.0)
    downlink_rate_mbps: float = Field(gt=0.0)
    blackouts: list[tuple[datetime, datetime]] = Field(default_factory=list)

    @field_validator("antennas", mode="before")
    @classmethod
    def _antenna_names(cls, v: object, info: object) -> object:
        if isinstance(v, int) and not isinstance(v, bool):
            if v < 1:
                raise ValueError("antennas count must be >= 1; give at least one antenna")
            sid = getattr(info, "data", {}).get("id", "ANT")
            return [f"{sid}-A{i + 1}" for i in range(v)]
        return v

    @field_validator("antennas")
    @classmethod
    def _antennas_unique(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("antennas is empty; give a count >= 1 or a list of names")
        if len(set(v)) != len(v):
            raise ValueError(f"antennas has duplicate names {v}; make each name unique")
        return v

    @field_validator("blackouts")
    @classmethod
    def _blackouts_utc(cls, v: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
        out = []
        for i, (start, end) in enumerate(v):
            s = _aware_utc(start, f"blackouts[{i}][0]")
            e = _aware_utc(end, f"blackouts[{i}][1]")
            if e <= s:
                raise ValueError(f"blackouts[{i}] ends before it starts; give (start, end)")
            out.append((s, e))
        return out


class SatelliteDemand(BaseModel):
    """What a satellite needs. Higher ``priority`` is more important.

    ``required_contacts_per_day`` is a quota per 24 h window of the horizon (a final
    partial window of fraction ``f`` asks ``ceil(rate * f)``); see the module docstring.
    """

    model_config = ConfigDict(frozen=True)

    satellite_id: int
    priority: int = Field(default=1, ge=1)
    required_contacts_per_day: int = Field(default=0, ge=0)
    downlink_rate_mbps: float | None = Field(default=None, gt=0.0)


class ScheduledContact(BaseModel):
    """One chosen contact on one antenna."""

    model_config = ConfigDict(frozen=True)

    satellite_id: int
    station_id: str
    antenna: str
    aos: datetime
    los: datetime
    max_elevation_deg: float
    expected_volume_mbit: float


class UnmetDemand(BaseModel):
    """A satellite that got fewer contacts than its target in one 24 h window
    ``[window_start, window_end)`` of the horizon (one entry per short window).

    ``required_contacts`` is the window's target and ``scheduled_contacts`` the contacts
    whose AOS lies in it. :func:`schedule_contacts` always sets the window; the fields
    default to None only so that entries built elsewhere without one stay valid.
    """

    model_config = ConfigDict(frozen=True)

    satellite_id: int
    required_contacts: int
    scheduled_contacts: int
    reason: UnmetReason
    detail: str
    window_start: datetime | None = None
    window_end: datetime | None = None


class SolverInfo(BaseModel):
    """How the schedule was found. ``objective``/``best_bound`` are in the solver's
    integer units: Mbit for ``max_volume``; ``priority_score * (V + 1) + volume``
    for ``max_priority`` (V = total usable volume). ``gap`` is relative to the bound."""

    model_config = ConfigDict(frozen=True)

    method: Literal["cpsat", "greedy"]
    status: SolverStatus
    objective: float
    best_bound: float | None
    gap: float | None
    wall_s: float
    fallback_reason: str | None = None
    num_opportunities: int
    num_usable: int


class Schedule(BaseModel):
    """The result of :func:`schedule_contacts`."""

    model_config = ConfigDict(frozen=True)

    objective: Objective
    horizon_start: datetime
    horizon_end: datetime
    contacts: list[ScheduledContact]
    unmet: list[UnmetDemand]
    total_volume_mbit: float
    priority_score: int
    solver: SolverInfo


@dataclass(slots=True)
class _Task:
    """A usable opportunity, in integer seconds from the horizon start."""

    sat: int
    station: str
    start_s: int
    end_s: int
    aos: datetime
    los: datetime
    max_el: float
    volume_mbit: float
    volume_units: int
    priority: int
    window: int  # index of the 24 h demand window holding start_s


@dataclass(frozen=True, slots=True)
class _Window:
    """One demand window ``[start, end)`` and the share of a day it lasts (1.0 if full)."""

    start: datetime
    end: datetime
    fraction: float


def _windows(h0: datetime, h1: datetime) -> list[_Window]:
    """Consecutive 24 h windows from ``h0``; the last is cut at ``h1`` (exact timedeltas)."""
    day = timedelta(days=1)
    span = h1 - h0
    out = [_Window(h0 + k * day, h0 + (k + 1) * day, 1.0) for k in range(span // day)]
    rest = span - len(out) * day
    if rest > timedelta(0):
        start = h0 + len(out) * day
        out.append(_Window(start, h1, rest / day))
    return out


def _window_of(start_s: float, n_windows: int) -> int:
    """Window index of a time ``start_s`` seconds after the horizon start."""
    return min(max(int(start_s // _DAY_S), 0), n_windows - 1)


def _targets(
    dem_by_id: dict[int, SatelliteDemand], windows: list[_Window]
) -> dict[tuple[int, int], int]:
    """Required contacts per (satellite, window index); zero targets are left out."""
    out = {}
    for s, d in dem_by_id.items():
        for w, win in enumerate(windows):
            need = math.ceil(d.required_contacts_per_day * win.fraction - 1e-9)
            if need > 0:
                out[(s, w)] = need
    return out


def _longest_free(
    lo: datetime, hi: datetime, blackouts: list[tuple[datetime, datetime]]
) -> tuple[datetime, datetime] | None:
    """Longest sub-window of ``[lo, hi]`` outside every blackout (None if all blocked)."""
    segments = [(lo, hi)]
    for b0, b1 in blackouts:
        nxt = []
        for s, e in segments:
            if b1 <= s or b0 >= e:
                nxt.append((s, e))
                continue
            if b0 > s:
                nxt.append((s, b0))
            if b1 < e:
                nxt.append((b1, e))
        segments = nxt
    if not segments:
        return None
    return max(segments, key=lambda se: (se[1] - se[0], -se[0].timestamp()))


def _check_inputs(
    opportunities: list[ContactOpportunity],
    stations: list[StationConfig],
    demands: list[SatelliteDemand],
) -> tuple[dict[str, StationConfig], dict[int, SatelliteDemand]]:
    st_by_id: dict[str, StationConfig] = {}
    for st in stations:
        if st.id in st_by_id:
            raise ValueError(f"stations has two entries with id={st.id!r}; merge them")
        st_by_id[st.id] = st
    dem_by_id: dict[int, SatelliteDemand] = {}
    for d in demands:
        if d.satellite_id in dem_by_id:
            raise ValueError(
                f"demands has two entries for satellite_id={d.satellite_id}; merge them"
            )
        dem_by_id[d.satellite_id] = d
    for i, o in enumerate(opportunities):
        if o.station_id not in st_by_id:
            raise ValueError(
                f"opportunities[{i}].station_id={o.station_id!r} is not in stations; "
                "add a StationConfig with that id or drop the opportunity"
            )
        if o.satellite_id not in dem_by_id:
            raise ValueError(
                f"opportunities[{i}].satellite_id={o.satellite_id} has no SatelliteDemand; "
                "add one (required_contacts_per_day=0 is fine) or drop the opportunity"
            )
    return st_by_id, dem_by_id


def _build_tasks(
    opportunities: list[ContactOpportunity],
    st_by_id: dict[str, StationConfig],
    dem_by_id: dict[int, SatelliteDemand],
    h0: datetime,
    h1: datetime,
    n_windows: int,
) -> tuple[list[_Task], dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """Usable tasks, plus per (satellite, window): passes usable before blackouts, and
    those lost to blackouts. A pass kept is counted in the window of its trimmed AOS (the
    task's), a pass lost in the window of its clipped AOS."""
    tasks: list[_Task] = []
    usable_pre: dict[tuple[int, int], int] = defaultdict(int)
    lost_blackout: dict[tuple[int, int], int] = defaultdict(int)
    for o in opportunities:
        st = st_by_id[o.station_id]
        if o.max_elevation_deg < st.min_elevation_deg:
            continue
        lo, hi = max(o.aos, h0), min(o.los, h1)
        if (hi - lo).total_seconds() < max(st.min_contact_s, 1e-9):
            continue
        win = _longest_free(lo, hi, st.blackouts)
        if win is None or (win[1] - win[0]).total_seconds() < max(st.min_contact_s, 1e-9):
            key = (o.satellite_id, _window_of((lo - h0).total_seconds(), n_windows))
            usable_pre[key] += 1
            lost_blackout[key] += 1
            continue
        start_s = math.floor((win[0] - h0).total_seconds())
        window = _window_of(start_s, n_windows)
        usable_pre[(o.satellite_id, window)] += 1
        d = dem_by_id[o.satellite_id]
        rate = next(
            r for r in (o.downlink_rate_mbps, d.downlink_rate_mbps, st.downlink_rate_mbps)
            if r is not None
        )  # fmt: skip
        dur_s = (win[1] - win[0]).total_seconds()
        vol = rate * dur_s
        tasks.append(
            _Task(
                sat=o.satellite_id,
                station=o.station_id,
                start_s=start_s,
                end_s=math.ceil((win[1] - h0).total_seconds()),
                aos=win[0],
                los=win[1],
                max_el=o.max_elevation_deg,
                volume_mbit=vol,
                volume_units=round(vol),
                priority=d.priority,
                window=window,
            )
        )
    return tasks, usable_pre, lost_blackout


def _score(
    chosen: list[int],
    tasks: list[_Task],
    targets: dict[tuple[int, int], int],
    objective: Objective,
    k_weight: int,
) -> tuple[int, int, int]:
    """(solver objective, priority score, volume units) of a set of chosen task indices."""
    vol = sum(tasks[i].volume_units for i in chosen)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    prio_of: dict[int, int] = {}
    for i in chosen:
        counts[(tasks[i].sat, tasks[i].window)] += 1
        prio_of[tasks[i].sat] = tasks[i].priority
    prio = sum(prio_of[sw[0]] * min(n, targets.get(sw, 0)) for sw, n in counts.items())
    obj = vol if objective == "max_volume" else prio * k_weight + vol
    return obj, prio, vol


class _Timeline:
    """Non-overlapping half-open intervals kept sorted by start (bisect)."""

    __slots__ = ("ends", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def free(self, s: int, e: int) -> bool:
        i = bisect.bisect_right(self.starts, s)
        if i > 0 and self.ends[i - 1] > s:
            return False
        return not (i < len(self.starts) and self.starts[i] < e)

    def add(self, s: int, e: int) -> None:
        i = bisect.bisect_right(self.starts, s)
        self.starts.insert(i, s)
        self.ends.insert(i, e)


def _greedy(
    tasks: list[_Task],
    st_by_id: dict[str, StationConfig],
    targets: dict[tuple[int, int], int],
    objective: Objective,
) -> dict[int, int]:
    """SatNOGS-style greedy: returns {task index: antenna index}.

    ``max_priority``: satellites by priority (high first) each take their best-volume
    passes up to each window's target (a pass only counts toward the window holding its
    AOS); then all remaining passes by volume fill the gaps.
    ``max_volume``: passes by volume. Each pass takes the first free antenna.
    """
    antennas = {
        sid: [_Timeline() for _ in st.antennas] for sid, st in st_by_id.items()
    }
    turn = {sid: math.ceil(st.turnaround_s) for sid, st in st_by_id.items()}
    sats: dict[int, _Timeline] = defaultdict(_Timeline)
    assign: dict[int, int] = {}

    def try_take(i: int) -> bool:
        t = tasks[i]
        if not sats[t.sat].free(t.start_s, t.end_s):
            return False
        e = t.end_s + turn[t.station]
        for a, line in enumerate(antennas[t.station]):
            if line.free(t.start_s, e):
                line.add(t.start_s, e)
                sats[t.sat].add(t.start_s, t.end_s)
                assign[i] = a
                return True
        return False

    by_value = sorted(range(len(tasks)), key=lambda i: (-tasks[i].volume_units, tasks[i].start_s))
    if objective == "max_priority":
        per_sat: dict[int, list[int]] = defaultdict(list)
        for i in by_value:
            per_sat[tasks[i].sat].append(i)
        for sat in sorted(per_sat, key=lambda s: (-tasks[per_sat[s][0]].priority, s)):
            need = {tasks[i].window: targets.get((sat, tasks[i].window), 0) for i in per_sat[sat]}
            left = sum(need.values())
            for i in per_sat[sat]:
                if left <= 0:
                    break
                w = tasks[i].window
                if need[w] > 0 and try_take(i):
                    need[w] -= 1
                    left -= 1
    for i in by_value:
        if i not in assign:
            try_take(i)
    return assign


def _maximal_cliques(items: list[tuple[int, int, int]]) -> list[list[int]]:
    """Maximal sets of pairwise-overlapping half-open intervals ``(start, end, id)``."""
    events = sorted(
        [(s, 1, i) for s, _, i in items] + [(e, 0, i) for _, e, i in items]
    )  # at equal times ends (0) come before starts (1): touching does not overlap
    active: set[int] = set()
    out: list[list[int]] = []
    grew = False
    for _, kind, i in events:
        if kind == 1:
            active.add(i)
            grew = True
        else:
            if grew:
                out.append(sorted(active))
                grew = False
            active.discard(i)
    return out


def _colour_antennas(
    chosen: list[int], tasks: list[_Task], st_by_id: dict[str, StationConfig]
) -> dict[int, int]:
    """Assign antennas to chosen tasks, first free antenna in start order.

    Exact for fixed-time windows: the turnaround-extended windows of a station form an
    interval graph, and sweeping by start never needs more colours than the largest
    clique, which the model keeps <= the number of antennas.
    """
    free_at: dict[str, list[int]] = {
        sid: [-(2**62)] * len(st.antennas) for sid, st in st_by_id.items()
    }
    assign: dict[int, int] = {}
    for i in sorted(chosen, key=lambda j: (tasks[j].start_s, j)):
        t = tasks[i]
        slots = free_at[t.station]
        a = next((a for a, f in enumerate(slots) if f <= t.start_s), None)
        if a is None:  # pragma: no cover - excluded by the clique constraints
            raise RuntimeError(f"no free antenna at {t.station} for task {i}")
        slots[a] = t.end_s + math.ceil(st_by_id[t.station].turnaround_s)
        assign[i] = a
    return assign


def _cpsat(
    tasks: list[_Task],
    st_by_id: dict[str, StationConfig],
    targets: dict[tuple[int, int], int],
    objective: Objective,
    k_weight: int,
    hint: dict[int, int],
    deadline: float,
    num_workers: int,
    random_seed: int,
    formulation: Formulation,
) -> tuple[dict[int, int], str, float, float] | None:
    """CP-SAT model; returns (assignment, status, objective, bound) or None if no solution.

    See :data:`Formulation`. Both share a presence literal per usable pass and the
    clique constraints; ``cliques`` assigns antennas with :func:`_colour_antennas`.
    """
    m = cp_model.CpModel()
    present = [m.new_bool_var(f"x{i}") for i in range(len(tasks))]
    on_antenna: list[list[cp_model.IntVar]] = []
    antenna_intervals: dict[tuple[str, int], list[cp_model.IntervalVar]] = defaultdict(list)
    sat_intervals: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
    for i, t in enumerate(tasks):
        st = st_by_id[t.station]
        x = present[i]
        dur = t.end_s - t.start_s
        size = dur + math.ceil(st.turnaround_s)  # turnaround folded into the antenna interval
        if formulation == "cliques":
            continue
        sat_intervals[t.sat].append(
            m.new_optional_fixed_size_interval_var(t.start_s, dur, x, f"s{i}")
        )
        if len(st.antennas) == 1:
            ys = [x]
        else:
            ys = [m.new_bool_var(f"y{i}_{a}") for a in range(len(st.antennas))]
            m.add_exactly_one([*ys, ~x])  # present <=> exactly one antenna
        on_antenna.append(ys)
        for a, y in enumerate(ys):
            antenna_intervals[(t.station, a)].append(
                m.new_optional_fixed_size_interval_var(t.start_s, size, y, f"a{i}_{a}")
            )
    for ivs in antenna_intervals.values():
        if len(ivs) > 1:
            m.add_no_overlap(ivs)
    for ivs in sat_intervals.values():
        if len(ivs) > 1:
            m.add_no_overlap(ivs)
    # Clique constraints. With fixed times the conflicts form interval graphs, whose maximal
    # cliques are the sets active at a sweep point; "at most #antennas of each station
    # clique" is exactly antenna feasibility (interval-graph colouring). In
    # ``alternatives`` they are redundant cuts giving the LP the bound NoOverlap lacks.
    groups: dict[tuple[str, int], list[tuple[int, int, int]]] = defaultdict(list)
    for i, t in enumerate(tasks):
        turn = math.ceil(st_by_id[t.station].turnaround_s)
        groups[(t.station, -1)].append((t.start_s, t.end_s + turn, i))
        groups[("", t.sat)].append((t.start_s, t.end_s, i))
    for (sid, _), items in groups.items():
        cap = len(st_by_id[sid].antennas) if sid else 1
        for clique in _maximal_cliques(items):
            if len(clique) > cap:
                m.add(sum(present[i] for i in clique) <= cap)

    vol_expr = sum(t.volume_units * present[i] for i, t in enumerate(tasks))
    if objective == "max_volume":
        m.maximize(vol_expr)
    else:
        # One soft-demand variable per (satellite, window): met = target - shortfall,
        # capped by the window's passes; only contacts with their AOS in the window count.
        by_sat_window: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, t in enumerate(tasks):
            by_sat_window[(t.sat, t.window)].append(i)
        prio_terms = []
        for (sat, w), idx in by_sat_window.items():
            cap = min(targets.get((sat, w), 0), len(idx))
            if cap <= 0:
                continue
            met = m.new_int_var(0, cap, f"met{sat}_{w}")
            m.add(met <= sum(present[i] for i in idx))
            m.add_hint(met, min(cap, sum(i in hint for i in idx)))
            prio_terms.append(tasks[idx[0]].priority * met)
        m.maximize(k_weight * sum(prio_terms) + vol_expr)

    for i, x in enumerate(present):
        m.add_hint(x, i in hint)
    if formulation == "alternatives":
        for i, ys in enumerate(on_antenna):
            if len(ys) > 1:
                for a, y in enumerate(ys):
                    m.add_hint(y, hint.get(i) == a)

    solver = cp_model.CpSolver()
    # Leave time for decoding and reporting (measured ~1 s per 100k passes).
    reserve_s = 0.05 + 1e-5 * len(tasks)
    solver.parameters.max_time_in_seconds = max(0.05, deadline - time.perf_counter() - reserve_s)
    solver.parameters.num_workers = int(num_workers)
    solver.parameters.random_seed = int(random_seed)
    # Measured on the 100 x 20 bench: level 2 (clique cuts in the LP at every node)
    # proves optimality in seconds where level 1 stalls at a ~7 % gap.
    solver.parameters.linearization_level = 2
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if status == cp_model.MODEL_INVALID:  # pragma: no cover - a bug in this module
            raise RuntimeError(f"CP-SAT model invalid: {m.validate()}")
        return None
    chosen = [i for i, x in enumerate(present) if solver.boolean_value(x)]
    if formulation == "cliques":
        assign = _colour_antennas(chosen, tasks, st_by_id)
    else:
        assign = {
            i: next(a for a, y in enumerate(on_antenna[i]) if solver.boolean_value(y))
            for i in chosen
        }
    name = "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE"
    # The objective is an integer linear form, but CP-SAT reports it as a double that can
    # carry rounding noise (seen: 55869.00000000001); recompute it exactly from the chosen
    # passes and snap the bound to the integer it stands for.
    obj = float(_score(chosen, tasks, targets, objective, k_weight)[0])
    bound = float(solver.best_objective_bound)
    if abs(bound - round(bound)) < 1e-6:
        bound = float(round(bound))
    return assign, name, obj, bound


def _unmet(
    assign: dict[int, int],
    tasks: list[_Task],
    st_by_id: dict[str, StationConfig],
    dem_by_id: dict[int, SatelliteDemand],
    targets: dict[tuple[int, int], int],
    usable_pre: dict[tuple[int, int], int],
    lost_blackout: dict[tuple[int, int], int],
    windows: list[_Window],
) -> list[UnmetDemand]:
    """One entry per (satellite, window) short of its target, sorted by satellite then
    window; the reason looks only at the passes whose AOS lies in that window."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for i in assign:
        counts[(tasks[i].sat, tasks[i].window)] += 1
    short = [sw for sw in sorted(targets) if counts[sw] < targets[sw]]
    if not short:
        return []
    # Scheduled contacts by station and by satellite, sorted by start, to find blockers.
    by_station: dict[str, list[int]] = defaultdict(list)
    by_sat: dict[int, list[int]] = defaultdict(list)
    for i in sorted(assign, key=lambda j: tasks[j].start_s):
        by_station[tasks[i].station].append(i)
        by_sat[tasks[i].sat].append(i)
    longest = max((tasks[i].end_s - tasks[i].start_s for i in assign), default=0)
    station_starts = {sid: [tasks[j].start_s for j in lst] for sid, lst in by_station.items()}
    unscheduled: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, t in enumerate(tasks):
        if i not in assign:
            unscheduled[(t.sat, t.window)].append(i)

    def blockers(i: int) -> list[int]:
        t = tasks[i]
        turn = math.ceil(st_by_id[t.station].turnaround_s)
        out = [
            j for j in by_sat[t.sat] if tasks[j].start_s < t.end_s and t.start_s < tasks[j].end_s
        ]
        lst = by_station[t.station]
        starts = station_starts.get(t.station, [])  # a station with nothing scheduled
        lo = bisect.bisect_left(starts, t.start_s - longest - turn)
        hi = bisect.bisect_left(starts, t.end_s + turn)
        for j in lst[lo:hi]:
            if tasks[j].start_s < t.end_s + turn and t.start_s < tasks[j].end_s + turn:
                out.append(j)
        return out

    result = []
    for s, w in short:
        need, got = targets[(s, w)], counts[(s, w)]
        pre, lost = usable_pre.get((s, w), 0), lost_blackout.get((s, w), 0)
        post = pre - lost
        reason: UnmetReason
        if pre == 0:
            reason = "no usable pass"
        elif post == 0 or (pre >= need > post):
            reason = "blackout"
        elif pre < need:
            reason = "too few usable passes"
        else:
            prio = dem_by_id[s].priority
            higher = any(
                tasks[j].priority > prio for i in unscheduled[(s, w)] for j in blockers(i)
            )
            reason = (
                "conflicts with higher-priority contacts" if higher
                else "conflicts with other contacts"
            )
        win = windows[w]
        detail = (
            f"{got} of {need} required contacts scheduled in the window "
            f"{win.start:%Y-%m-%dT%H:%M:%SZ} to {win.end:%Y-%m-%dT%H:%M:%SZ}; {pre} usable "
            f"passes in it, {lost} lost to blackouts"
        )
        result.append(
            UnmetDemand(
                satellite_id=s, required_contacts=need, scheduled_contacts=got,
                reason=reason, detail=detail, window_start=win.start, window_end=win.end,
            )
        )
    return result


def schedule_contacts(
    opportunities: list[ContactOpportunity],
    stations: list[StationConfig],
    demands: list[SatelliteDemand],
    objective: Objective = "max_volume",
    time_limit_s: float = 10.0,
    method: Method = "auto",
    *,
    horizon_start: datetime,
    horizon_end: datetime,
    max_cpsat_opportunities: int = 200_000,
    num_workers: int | None = None,
    random_seed: int = 0,
    formulation: Formulation = "cliques",
) -> Schedule:
    """Choose contacts for the horizon and assign antennas.

    ``num_workers`` is CP-SAT's worker count (0: every core). ``None`` picks 1 up to
    ``_ONE_WORKER_MAX`` usable passes and every core above. Measured: with several
    workers the bound here comes from propagation only (the LP splits into components
    whose bounds are not combined), while one LP worker proves the 100-satellite bench
    optimal in ~3 s; on 84k passes one worker is stuck at the greedy hint while two
    (LNS) improve it by ~4 % in 50 s. Above
    ``max_cpsat_opportunities`` usable passes, ``method="auto"`` uses greedy directly.
    Every opportunity's satellite needs a :class:`SatelliteDemand` and its station a
    :class:`StationConfig`.

    >>> from datetime import datetime, timezone
    >>> t0 = datetime(2026, 6, 10, tzinfo=timezone.utc)
    >>> schedule_contacts([], [], [], horizon_start=t0, horizon_end=t0).contacts
    Traceback (most recent call last):
    ...
    ValueError: horizon_end must be after horizon_start; give a non-empty horizon
    """
    wall0 = time.perf_counter()
    h0 = _aware_utc(horizon_start, "horizon_start")
    h1 = _aware_utc(horizon_end, "horizon_end")
    if h1 <= h0:
        raise ValueError("horizon_end must be after horizon_start; give a non-empty horizon")
    if objective not in ("max_volume", "max_priority"):
        raise ValueError(f"objective={objective!r}; use 'max_volume' or 'max_priority'")
    if formulation not in ("cliques", "alternatives"):
        raise ValueError(f"formulation={formulation!r}; use 'cliques' or 'alternatives'")
    if method not in ("auto", "cpsat", "greedy"):
        raise ValueError(f"method={method!r}; use 'auto', 'cpsat' or 'greedy'")
    if not time_limit_s > 0:
        raise ValueError(f"time_limit_s={time_limit_s}; give a positive number of seconds")
    st_by_id, dem_by_id = _check_inputs(opportunities, stations, demands)
    windows = _windows(h0, h1)
    targets = _targets(dem_by_id, windows)
    tasks, usable_pre, lost_blackout = _build_tasks(
        opportunities, st_by_id, dem_by_id, h0, h1, len(windows)
    )
    k_weight = sum(t.volume_units for t in tasks) + 1

    greedy_assign = _greedy(tasks, st_by_id, targets, objective)
    assign = greedy_assign
    used: Literal["cpsat", "greedy"] = "greedy"
    status: SolverStatus = "FEASIBLE"
    bound: float | None = None
    fallback: str | None = None
    g_obj = _score(list(greedy_assign), tasks, targets, objective, k_weight)[0]
    obj = float(g_obj)
    if method == "auto" and len(tasks) > max_cpsat_opportunities:
        fallback = (
            f"{len(tasks)} usable passes > max_cpsat_opportunities={max_cpsat_opportunities}"
        )
    elif method != "greedy" and tasks:
        workers = num_workers
        if workers is None:
            workers = 1 if len(tasks) <= _ONE_WORKER_MAX else 0
        res = _cpsat(
            tasks, st_by_id, targets, objective, k_weight, greedy_assign,
            wall0 + time_limit_s, workers, random_seed, formulation,
        )
        if res is None:
            fallback = f"CP-SAT found no solution within {time_limit_s:g} s"
        else:
            c_assign, c_status, c_obj, c_bound = res
            if c_obj >= g_obj:
                assign, used, obj, bound = c_assign, "cpsat", c_obj, c_bound
                status = "OPTIMAL" if c_status == "OPTIMAL" else "FEASIBLE"
            else:
                fallback = "CP-SAT solution worse than the greedy hint"
                bound = c_bound
    elif method != "greedy":
        used, status, bound = "cpsat", "OPTIMAL", 0.0

    contacts = []
    for i in sorted(assign, key=lambda j: (tasks[j].aos, tasks[j].station, tasks[j].sat)):
        t = tasks[i]
        contacts.append(
            ScheduledContact(
                satellite_id=t.sat, station_id=t.station,
                antenna=st_by_id[t.station].antennas[assign[i]], aos=t.aos, los=t.los,
                max_elevation_deg=t.max_el, expected_volume_mbit=t.volume_mbit,
            )
        )
    _, prio_score, _ = _score(list(assign), tasks, targets, objective, k_weight)
    gap = None if bound is None else max(0.0, bound - obj) / max(1.0, abs(bound))
    info = SolverInfo(
        method=used, status=status, objective=obj, best_bound=bound, gap=gap,
        wall_s=time.perf_counter() - wall0, fallback_reason=fallback,
        num_opportunities=len(opportunities), num_usable=len(tasks),
    )
    return Schedule(
        objective=objective, horizon_start=h0, horizon_end=h1, contacts=contacts,
        unmet=_unmet(
            assign, tasks, st_by_id, dem_by_id, targets, usable_pre, lost_blackout, windows
        ),
        total_volume_mbit=sum(c.expected_volume_mbit for c in contacts),
        priority_score=prio_score, solver=info,
    )


def validate_schedule(schedule: Schedule, stations: list[StationConfig]) -> list[str]:
    """Hard-constraint violations of ``schedule`` (empty list: valid).

    Checks unknown station/antenna, elevation and duration minimums, blackouts,
    antenna double-booking, antenna turnaround and satellite double-booking, on the
    real (datetime) contact windows, independently of the solver.
    """
    st_by_id = {s.id: s for s in stations}
    errors: list[str] = []
    by_antenna: dict[tuple[str, str], list[ScheduledContact]] = defaultdict(list)
    by_sat: dict[int, list[ScheduledContact]] = defaultdict(list)
    eps_s = 1e-6
    for c in schedule.contacts:
        tag = f"sat {c.satellite_id} @ {c.station_id}/{c.antenna} {c.aos.isoformat()}"
        st = st_by_id.get(c.station_id)
        if st is None:
            errors.append(f"{tag}: unknown station {c.station_id!r}")
            continue
        if c.antenna not in st.antennas:
            errors.append(f"{tag}: unknown antenna {c.antenna!r}")
        dur = (c.los - c.aos).total_seconds()
        if dur + eps_s < st.min_contact_s or dur <= 0:
            errors.append(f"{tag}: duration {dur:.1f} s below min_contact_s={st.min_contact_s}")
        if c.max_elevation_deg < st.min_elevation_deg:
            errors.append(f"{tag}: max elevation {c.max_elevation_deg} below station minimum")
        errors.extend(
            f"{tag}: overlaps blackout {b0.isoformat()}..{b1.isoformat()}"
            for b0, b1 in st.blackouts
            if c.aos < b1 and b0 < c.los
        )
        by_antenna[(c.station_id, c.antenna)].append(c)
        by_sat[c.satellite_id].append(c)
    for (sid, ant), cs in by_antenna.items():
        cs.sort(key=lambda c: c.aos)
        turn = st_by_id[sid].turnaround_s
        for a, b in itertools.pairwise(cs):
            gap = (b.aos - a.los).total_seconds()
            if gap < 0:
                errors.append(
                    f"{sid}/{ant}: double-booked, sat {a.satellite_id} and sat "
                    f"{b.satellite_id} overlap at {b.aos.isoformat()}"
                )
            elif gap + eps_s < turn:
                errors.append(
                    f"{sid}/{ant}: turnaround {gap:.1f} s < {turn} s between sat "
                    f"{a.satellite_id} and sat {b.satellite_id} at {b.aos.isoformat()}"
                )
    for sat, cs in by_sat.items():
        cs.sort(key=lambda c: c.aos)
        for a, b in itertools.pairwise(cs):
            if b.aos < a.los:
                errors.append(
                    f"sat {sat}: double-booked at {a.station_id} and {b.station_id} "
                    f"from {b.aos.isoformat()}"
                )
    return errors
