"""The HTML operations report: one self-contained page that opens with no network.

``cosmo-agent plan MISSION --report REPORT.html`` draws a plan run (:func:`render_report`);
``cosmo-agent report --mission MISSION --html REPORT.html`` draws the fleet's state without a
plan (:func:`fleet_report`: the same tools, no planner). Sections:

- the map: each fleet satellite's ground track over the horizon (sunlit solid, eclipse dotted),
  its position at the planning clock, the stations and their visibility circles at each
  station's minimum elevation, over Natural Earth 1:110m land;
- passes and contacts: a timeline per station and antenna (passes faint, scheduled contacts
  solid, blackouts hatched), a polar sky plot with the horizon mask (the next pass of each
  satellite; click a pass or contact to draw it) and a row per scheduled contact;
- conjunctions: a table sortable by miss distance and Pc (RIC miss, Pc by method, avoidance
  candidate) and each assessed event's encounter plane (combined covariance, hard-body circle);
- space weather: Kp observed and forecast over the G bands, GOES X-rays and protons with the
  R and S thresholds, the alerts that fired;
- the plan: each command on a timeline per satellite coloured by its validation verdict, and a
  table with its rationale and the ages of the data it used.

Numbers the plan states are the tools' numbers, written as the plan JSON has them (also in
``data-*`` attributes); the orbital core computes only what the plan does not state (ground
tracks, eclipses, sky tracks within each reported pass, the encounter-plane projection) with
the functions the tools use. Labels follow ``mission.language`` (``en``/``ko``). plotly.js is
inlined from the ``plotly`` package (extra ``report``); no CDN, web font or map tile is used.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, TypeVar

import numpy as np
from pydantic_core import to_jsonable_python

from cosmo_agent.agent import report_charts as charts

if TYPE_CHECKING:
    from cosmo_agent.agent.plan import CommandPlan, ValidationReport, Violation
    from cosmo_agent.agent.runner import PlanResult
    from cosmo_agent.orbital.catalog import Catalog
    from cosmo_agent.tools.context import ToolResult
    from cosmo_agent.tools.mission import GroundStation, Mission
    from cosmo_agent.tools.registry import ToolContext
    from cosmo_agent.tools.spaceweather import ProductName
    from cosmo_agent.tools.toolkit import (
        ConjunctionAssessment,
        ConjunctionEvent,
        FleetStatusResult,
        ManeuverProposal,
        PassesResult,
        PassInfo,
        ScheduleResult,
        ScreeningResult,
        SpaceWeatherResult,
    )

__all__ = [
    "LABELS",
    "ContactsView",
    "EncounterView",
    "ReportError",
    "ReportViews",
    "Verdict",
    "WeatherView",
    "fleet_report",
    "fleet_report_command",
    "fleet_views",
    "pc_by_method",
    "plan_views",
    "render_report",
    "write_page",
]

TRACK_POINTS_BUDGET: Final = 45_000
"""Most ground-track samples in one report (all satellites): the step grows past 30 s above it."""
SKY_TRACKS_MAX: Final = 400
"""Passes whose sky track is embedded; above it only the scheduled ones and each satellite's
next pass are (a 7-day, 50-satellite, 20-station mission has ~30,000)."""
TABLE_ROWS_MAX: Final = 700
"""Most rows of the contacts and command tables (the first ones in time; the page says how many
more the plan JSON holds), and above it the timelines' hover texts shrink to names: a 7-day,
50-satellite plan has ~10,000 contacts and ~20,000 commands, past the 10 MB the page may weigh."""
DETAIL_BARS_MAX: Final = 5000
"""Above this many pass bars, a pass's hover text is its row only (the bars stay)."""
SKY_STEP_S: Final = 15.0
"""Sky-track sample spacing within a pass (a LEO pass of 10 min: 40 points)."""
_ECLIPSE_BELOW: Final = 0.5
"""A sample is drawn as eclipse when less than half the solar disc is visible."""

_Sample = TypeVar("_Sample")


class ReportError(ValueError):
    """The report cannot be written (bad mission, output path, missing ``plotly``): one line."""


LABELS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "title": "Operations report",
        "generated": "planning clock",
        "status": "plan status",
        "fleet_state": "fleet state (no plan)",
        "map": "Ground tracks",
        "map_note": "sunlit solid, eclipse dotted; dashed circles: visibility at each station's "
        "minimum elevation for a {alt} km orbit; dots: positions at the planning clock",
        "coastlines": "coastlines",
        "eclipse": "eclipse",
        "now": "now",
        "stations": "stations",
        "min_elevation": "min elevation",
        "longitude": "longitude (°)",
        "latitude": "latitude (°)",
        "contacts": "Passes and contacts",
        "contacts_note": "passes faint, scheduled contacts solid, blackouts hatched; click a "
        "pass or contact to draw it on the sky plot",
        "passes": "passes",
        "blackouts": "blackouts",
        "time_utc": "time (UTC)",
        "sky": "Sky plot",
        "sky_note": "next pass of each satellite (north up, azimuth clockwise, zenith at the "
        "centre); shaded: below the horizon mask",
        "horizon_mask": "horizon mask",
        "elevation": "elevation",
        "satellite": "satellite",
        "station": "station",
        "antenna": "antenna",
        "aos": "AOS (UTC)",
        "los": "LOS (UTC)",
        "duration_s": "duration (s)",
        "max_elevation": "max elevation (°)",
        "volume": "volume (Mbit)",
        "no_contacts": "no contact scheduled",
        "conjunctions": "Conjunctions",
        "conjunctions_note": "click a column title to sort; RIC: radial, in-track, cross-track "
        "miss of the secondary from the primary",
        "event": "event",
        "primary": "primary",
        "secondary": "secondary",
        "tca": "TCA (UTC)",
        "miss_km": "miss (km)",
        "ric_km": "RIC miss (km)",
        "rel_speed": "rel. speed (km/s)",
        "pc": "Pc",
        "pc_methods": "Pc by method",
        "action": "action",
        "avoidance": "avoidance candidate",
        "no_conjunctions": "no approach under the screening threshold",
        "not_assessed": "not assessed",
        "combined_covariance": "combined covariance",
        "hard_body": "hard body",
        "miss_vector": "miss (primary → secondary)",
        "encounter_plane": "encounter plane",
        "space_weather": "Space weather",
        "kp_observed": "Kp observed",
        "kp_forecast": "Kp forecast",
        "xray": "GOES X-ray 0.1-0.8 nm",
        "protons": "GOES protons ≥10 MeV",
        "alerts": "Alerts",
        "mission_alerts": "mission alerts",
        "swpc_alerts": "SWPC alerts",
        "severity": "severity",
        "message": "message",
        "issued": "issued (UTC)",
        "no_alerts": "no alert",
        "scales": "scales",
        "plan": "Plan",
        "plan_note": "each command at its time, coloured by its validation verdict",
        "no_plan": "no plan: this report shows the fleet's state from the mission's data",
        "time": "time (UTC)",
        "command": "command",
        "parameters": "parameters",
        "uplink": "uplink",
        "verdict": "verdict",
        "rationale": "rationale",
        "data_ages": "data ages",
        "element_age": "elements {age} d old",
        "sw_age": "space weather {age} h old",
        "verdict_ok": "valid",
        "verdict_warning": "warning",
        "verdict_error": "violation",
        "gaps": "gaps",
        "briefing": "Briefing",
        "sections": "Sections",
        "excluded": "left out",
    },
    "ko": {
        "title": "운영 보고서",
        "generated": "계획 기준 시각",
        "status": "계획 상태",
        "fleet_state": "위성군 현황 (계획 없음)",
        "map": "지상 궤적",
        "map_note": "실선: 일조, 점선: 식(蝕); 파선 원: 각 지상국 최저 앙각에서 {alt} km 궤도의 "
        "가시 범위; 점: 계획 기준 시각의 위치",
        "coastlines": "해안선",
        "eclipse": "식(蝕)",
        "now": "현재",
        "stations": "지상국",
        "min_elevation": "최저 앙각",
        "longitude": "경도 (°)",
        "latitude": "위도 (°)",
        "contacts": "패스와 교신",
        "contacts_note": "옅은 막대: 패스, 진한 막대: 예약된 교신, 빗금: 운용 중단; 패스나 교신을 "
        "누르면 천구도에 그립니다",
        "passes": "패스",
        "blackouts": "운용 중단",
        "time_utc": "시각 (UTC)",
        "sky": "천구도",
        "sky_note": "위성별 다음 패스 (위쪽이 북, 방위각 시계 방향, 중심이 천정); 음영: 수평선 "
        "마스크 아래",
        "horizon_mask": "수평선 마스크",
        "elevation": "앙각",
        "satellite": "위성",
        "station": "지상국",
        "antenna": "안테나",
        "aos": "AOS (UTC)",
        "los": "LOS (UTC)",
        "duration_s": "지속 시간 (초)",
        "max_elevation": "최대 앙각 (°)",
        "volume": "전송량 (Mbit)",
        "no_contacts": "예약된 교신 없음",
        "conjunctions": "근접 접근",
        "conjunctions_note": "열 제목을 누르면 정렬합니다; RIC: 주 위성 기준 반경·진행·궤도면 수직 "
        "방향 거리",
        "event": "사건",
        "primary": "주 위성",
        "secondary": "상대 물체",
        "tca": "최근접 시각 (UTC)",
        "miss_km": "최근접 거리 (km)",
        "ric_km": "RIC 거리 (km)",
        "rel_speed": "상대 속도 (km/s)",
        "pc": "충돌 확률",
        "pc_methods": "방법별 충돌 확률",
        "action": "조치",
        "avoidance": "회피 기동안",
        "no_conjunctions": "선별 기준 이내의 접근 없음",
        "not_assessed": "평가 안 됨",
        "combined_covariance": "결합 공분산",
        "hard_body": "충돌 반경",
        "miss_vector": "최근접 (주 위성 → 상대)",
        "encounter_plane": "조우 평면",
        "space_weather": "우주 기상",
        "kp_observed": "Kp 관측",
        "kp_forecast": "Kp 예보",
        "xray": "GOES X선 0.1-0.8 nm",
        "protons": "GOES 양성자 ≥10 MeV",
        "alerts": "경보",
        "mission_alerts": "임무 경보",
        "swpc_alerts": "SWPC 경보",
        "severity": "심각도",
        "message": "내용",
        "issued": "발령 (UTC)",
        "no_alerts": "경보 없음",
        "scales": "등급",
        "plan": "명령 계획",
        "plan_note": "명령별 시각, 색은 검증 결과",
        "no_plan": "계획 없음: 임무 데이터로 본 위성군 현황입니다",
        "time": "시각 (UTC)",
        "command": "명령",
        "parameters": "인자",
        "uplink": "업링크",
        "verdict": "검증",
        "rationale": "근거",
        "data_ages": "데이터 나이",
        "element_age": "궤도 요소 {age}일 전",
        "sw_age": "우주 기상 {age}시간 전",
        "verdict_ok": "정상",
        "verdict_warning": "경고",
        "verdict_error": "위반",
        "gaps": "누락",
        "briefing": "브리핑",
        "sections": "목차",
        "excluded": "제외",
    },
}
"""Page labels per mission language (numbers, ids and times are never translated)."""


# -- inputs --------------------------------------------------------------------------------------


_DRAWN: Final = (
    "fleet_status",
    "space_weather",
    "find_passes",
    "schedule_contacts",
    "screen_conjunctions",
    "assess_conjunction",
    "plan_avoidance",
)
"""The tools whose results the page draws."""


@dataclass
class _Results:
    """The tools' results the page draws: the last of each kind, every assessment and
    avoidance proposal in call order."""

    fleet_status: FleetStatusResult | None = None
    space_weather: SpaceWeatherResult | None = None
    passes: PassesResult | None = None
    schedule: ScheduleResult | None = None
    screening: ScreeningResult | None = None
    assessments: list[ConjunctionAssessment] = field(default_factory=list)
    avoidances: list[ManeuverProposal] = field(default_factory=list)

    def add(self, result: ToolResult) -> None:
        """Keep ``result`` if the page draws its kind."""
        from cosmo_agent.tools import toolkit as tk

        if isinstance(result, tk.FleetStatusResult):
            self.fleet_status = result
        elif isinstance(result, tk.SpaceWeatherResult):
            self.space_weather = result
        elif isinstance(result, tk.PassesResult):
            self.passes = result
        elif isinstance(result, tk.ScheduleResult):
            self.schedule = result
        elif isinstance(result, tk.ScreeningResult):
            self.screening = result
        elif isinstance(result, tk.ConjunctionAssessment):
            self.assessments.append(result)
        elif isinstance(result, tk.ManeuverProposal):
            self.avoidances.append(result)


@dataclass
class _Run:
    """What the page draws: the tools' results, the plan and its validation report."""

    mission: Mission
    start: datetime
    stop: datetime
    results: _Results = field(default_factory=_Results)
    plan: CommandPlan | None = None
    validation: ValidationReport | None = None
    status: str | None = None
    briefing: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def labels(self) -> dict[str, str]:
        return LABELS.get(self.mission.language, LABELS["en"])


Verdict = Literal["ok", "warning", "error"]
"""A plan command's validation verdict: ``error`` if any violation of it is an error,
``warning`` if it has others, ``ok`` if none."""


@dataclass(frozen=True)
class ContactsView:
    """The passes-and-contacts timeline and the sky plot, as the report draws them."""

    rows: list[str]
    """Timeline rows, ``"STATION · ANTENNA"``, in mission order."""
    passes: list[charts.Bar]
    """Every reported pass, once per antenna of its station."""
    contacts: list[charts.Bar]
    """Every scheduled contact, in schedule order."""
    blackouts: list[charts.Bar]
    """Station blackouts within the horizon, once per antenna."""
    sky: list[charts.SkyTrack]
    """Sky tracks of the passes the page embeds."""
    masks: dict[str, charts.HorizonMask]
    """Each station's horizon mask as a polar outline."""
    next_passes: list[int]
    """Indices into ``sky``: each satellite's next pass from the planning clock."""


@dataclass(frozen=True)
class EncounterView:
    """A screened event with its assessment, avoidance proposal and encounter plane (miss
    vector ``(x, z)`` km, combined covariance km²), each None when not available."""

    event: ConjunctionEvent
    assessment: ConjunctionAssessment | None
    avoidance: ManeuverProposal | None
    plane: tuple[np.ndarray, np.ndarray] | None


@dataclass(frozen=True)
class WeatherView:
    """The space-weather series drawn: ``(ISO time, value)``; the forecast also has its
    ``observed`` flag (``predicted``/``estimated``)."""

    kp: list[tuple[str, float]]
    kp_forecast: list[tuple[str, float, str]]
    xrays: list[tuple[str, float]]
    """GOES 0.1-0.8 nm flux, W/m²."""
    protons: list[tuple[str, float]]
    """GOES >=10 MeV integral flux, pfu."""


@dataclass(frozen=True)
class ReportViews:
    """Everything the report draws, collected once: the HTML page and the PNG figures
    (:mod:`cosmo_agent.agent.figures`) both read it, so both show the same numbers."""

    run: _Run
    tracks: list[charts.GroundTrack]
    stations: list[charts.StationMark]
    altitude_km: float
    """Altitude of the visibility circles (the fleet's median, else 700 km)."""
    contacts: ContactsView
    encounters: list[EncounterView]
    weather: WeatherView
    verdicts: list[Verdict]
    """Each plan command's verdict, in command order (empty without a plan)."""

    @property
    def mission(self) -> Mission:
        return self.run.mission

    @property
    def labels(self) -> dict[str, str]:
        return self.run.labels

    @property
    def start(self) -> datetime:
        return self.run.start

    @property
    def stop(self) -> datetime:
        return self.run.stop

    @property
    def status(self) -> str | None:
        """The plan's status, or None for the fleet's state."""
        return self.run.status

    @property
    def plan(self) -> CommandPlan | None:
        return self.run.plan


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_time(t: datetime) -> str:
    """``t`` as the tools' and the plan's JSON write it (``2026-06-10T12:09:21.251000Z``)."""
    return str(to_jsonable_python(t))


def _run_from_result(result: PlanResult, mission: Mission) -> _Run:
    from cosmo_agent.tools.toolkit import TOOLKIT

    models = {spec.name: spec.result for spec in TOOLKIT if spec.name in _DRAWN}
    results = _Results()
    for record in result.records:
        if record.ok and record.name in models:
            results.add(record.output(models[record.name]))
    plan = result.plan
    if plan is not None:
        start, stop = plan.horizon_start.astimezone(UTC), plan.horizon_end.astimezone(UTC)
    else:
        start, stop = _horizon(mission, results)
    return _Run(
        mission=mission,
        start=start,
        stop=stop,
        results=results,
        plan=plan,
        validation=result.report,
        status=result.status,
        briefing=result.briefing,
        reasons=list(result.reasons),
    )


def _horizon(mission: Mission, results: _Results) -> tuple[datetime, datetime]:
    for last in (results.passes, results.schedule, results.screening):
        if last is not None:
            return last.start_utc.astimezone(UTC), last.stop_utc.astimezone(UTC)
    epoch = mission.horizon.epoch
    start = datetime.now(UTC) if epoch == "now" else epoch
    return start, start + timedelta(hours=mission.horizon.duration_h)


def _fleet_run(mission: Mission, now: datetime | None) -> tuple[_Run, ToolContext]:
    """The tools a plan would run for the fleet's state, without a planner or a plan."""
    from cosmo_agent.tools.registry import ToolContext, call_tool

    ctx = ToolContext.from_mission(mission, now=now)
    hours = mission.horizon.duration_h
    calls: list[tuple[str, dict[str, object]]] = [
        ("fleet_status", {}),
        ("space_weather", {}),
        ("find_passes", {"satellites": "all", "stations": "all", "duration_h": hours}),
        (
            "screen_conjunctions",
            {
                "satellites": "all",
                "duration_h": hours,
                "threshold_km": mission.policies.screening_threshold_km,
            },
        ),
    ]
    results = _Results()
    for name, args in calls:
        outcome = call_tool(ctx, name, args)
        if outcome.result is not None:
            results.add(outcome.result)
    for event in [] if results.screening is None else results.screening.events:
        outcome = call_tool(ctx, "assess_conjunction", {"event_id": event.event_id})
        if outcome.result is not None:
            results.add(outcome.result)
    start, stop = _horizon(mission, results)
    return _Run(mission=mission, start=start, stop=stop, results=results), ctx


# -- computed geometry (orbital core; the page draws it) -----------------------------------------


def _fleet_catalog(catalog: Catalog, mission: Mission) -> tuple[Catalog | None, list[str]]:
    """The fleet satellites the catalog holds, in fleet order, and their names."""
    ids = [int(s.norad_id) for s in mission.fleet]
    present = set(int(i) for i in catalog.ids)
    kept = [i for i in ids if i in present]
    names = {int(s.norad_id): s.name for s in mission.fleet}
    if not kept:
        return None, []
    return catalog.select(kept), [names[i] for i in kept]


def _ground_tracks(run: _Run, catalog: Catalog) -> list[charts.GroundTrack]:
    from cosmo_agent.orbital.frames import itrs_to_geodetic, teme_to_gcrs, teme_to_itrs
    from cosmo_agent.orbital.lighting import illumination_fraction
    from cosmo_agent.orbital.propagation import propagate
    from cosmo_agent.orbital.timescales import utc_times

    fleet, names = _fleet_catalog(catalog, run.mission)
    if fleet is None:
        return []
    span_s = max((run.stop - run.start).total_seconds(), 60.0)
    step_s = max(30.0, math.ceil(span_s * len(names) / TRACK_POINTS_BUDGET / 10.0) * 10.0)
    t = utc_times(run.start, run.stop, step_s)
    eph = propagate(fleet, t, workers=1)
    r_itrs, _ = teme_to_itrs(eph.position_teme_km, eph.velocity_teme_km_s, t)
    lat, lon, _ = itrs_to_geodetic(r_itrs)
    r_gcrs, _ = teme_to_gcrs(eph.position_teme_km, eph.velocity_teme_km_s, t)
    lit = illumination_fraction(r_gcrs, t)
    status = run.results.fleet_status
    satellites = [] if status is None else status.satellites
    now = {s.norad_id: s for s in satellites if s.in_catalog}
    tracks: list[charts.GroundTrack] = []
    for row, name in enumerate(names):
        sat = now.get(int(fleet.ids[row]))
        tracks.append(
            {
                "name": name,
                "lon": lon[row],
                "lat": lat[row],
                "eclipse": np.nan_to_num(lit[row], nan=1.0) < _ECLIPSE_BELOW,
                "now": None
                if sat is None or sat.lat_deg is None or sat.lon_deg is None
                else (sat.lat_deg, sat.lon_deg),
            }
        )
    return tracks


def _station_mask(station: GroundStation) -> charts.HorizonMask:
    """The sky under the station's horizon mask (interpolated in azimuth, never under its
    minimum elevation) as a polar outline ``{"r", "theta"}`` (r = 90° - elevation)."""
    az = np.arange(0.0, 361.0, 5.0)
    if station.horizon_mask:
        pts = sorted(station.horizon_mask)
        p_az = np.array([a for a, _ in pts])
        p_el = np.array([e for _, e in pts])
        el = np.interp(az, p_az, p_el, period=360.0)
    else:
        el = np.zeros_like(az)
    el = np.maximum(el, station.min_elevation_deg)
    # the ring between the horizon (r = 90) and the mask, as one closed outline
    return {
        "r": [90.0] * len(az) + np.round(90.0 - el[::-1], 2).tolist(),
        "theta": az.tolist() + az[::-1].tolist(),
    }


def _sky_tracks(
    passes: Sequence[PassInfo], mission: Mission, catalog: Catalog
) -> list[dict[str, list[float]]]:
    """Azimuth/elevation every :data:`SKY_STEP_S` within each pass's reported AOS-LOS."""
    from cosmo_agent.orbital.frames import enu_matrix, geodetic_to_itrs, teme_to_itrs, topocentric
    from cosmo_agent.orbital.propagation import propagate
    from cosmo_agent.orbital.timescales import timescale

    stations = {s.id: s for s in mission.stations}
    present = set(int(i) for i in catalog.ids)
    out: list[dict[str, list[float]]] = [{} for _ in passes]
    by_sat: dict[int, list[int]] = {}
    for k, p in enumerate(passes):
        if p.satellite.norad_id in present and p.station_id in stations:
            by_sat.setdefault(p.satellite.norad_id, []).append(k)
    ts = timescale()
    for norad_id, ks in by_sat.items():
        times: list[datetime] = []
        spans: list[tuple[int, int]] = []
        for k in ks:
            aos, los = passes[k].aos_utc.astimezone(UTC), passes[k].los_utc.astimezone(UTC)
            n = max(2, int((los - aos).total_seconds() // SKY_STEP_S) + 1)
            step = (los - aos) / (n - 1)
            spans.append((len(times), len(times) + n))
            times += [aos + i * step for i in range(n)]
        t = ts.from_datetimes(times)
        eph = propagate(catalog.select([norad_id]), t, workers=1)
        r_itrs, _ = teme_to_itrs(eph.position_teme_km[0], eph.velocity_teme_km_s[0], t)
        for k, (a, b) in zip(ks, spans, strict=True):
            st = stations[passes[k].station_id]
            site = geodetic_to_itrs(
                np.array(st.lat_deg), np.array(st.lon_deg), np.array(st.alt_m / 1000.0)
            )
            enu = enu_matrix(np.array(st.lat_deg), np.array(st.lon_deg))[0]
            az, el, _ = topocentric(r_itrs[a:b], site, enu)
            out[k] = {"az": np.round(az, 1).tolist(), "el": np.round(el, 2).tolist()}
    return out


def _encounter_plane(
    catalog: Catalog, assessment: ConjunctionAssessment
) -> tuple[np.ndarray, np.ndarray] | None:
    """The assessment's encounter plane (miss vector, combined covariance), projected as
    ``assess_conjunction`` projects it: SGP4 states at its TCA, the assumed TLE covariances."""
    from cosmo_agent.orbital.collision import covariance_rtn_to_inertial, encounter_plane
    from cosmo_agent.orbital.covariance import catalog_default_covariance
    from cosmo_agent.orbital.propagation import propagate
    from cosmo_agent.orbital.timescales import utc_times

    ids = [assessment.primary.norad_id, assessment.secondary.norad_id]
    if not set(ids) <= set(int(i) for i in catalog.ids):
        return None
    pair = catalog.select(ids)
    tca = assessment.tca_utc.astimezone(UTC)
    eph = propagate(pair, utc_times(tca, tca, 1.0), workers=1)
    r, v = eph.position_teme_km[:, 0], eph.velocity_teme_km_s[:, 0]
    cov = covariance_rtn_to_inertial(catalog_default_covariance(pair, tca).state_rtn, r, v)
    plane = encounter_plane(r[0], v[0], cov[0], r[1], v[1], cov[1])
    if not np.isfinite(plane.covariance_km2).all():
        return None
    return np.asarray(plane.miss_km), np.asarray(plane.covariance_km2)


# -- page pieces ---------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: object) -> str:
    """A number as the plan JSON writes it (``None`` as an em dash)."""
    if value is None:
        return "—"
    return json.dumps(value)


def _sci(value: float | str | None) -> str:
    """A probability for reading (``4.3175e-04``); the exact value is in ``data-*``."""
    if value is None:
        return "—"
    return f"{float(value):.4e}"


def _utc(text: str | None) -> str:
    return "—" if not text else text.replace("T", " ").replace("Z", "")[:19]


def _table(
    headers: Sequence[tuple[str, str | None]], rows: Sequence[str], cls: str, empty: str
) -> str:
    if not rows:
        return f'<p class="empty">{_e(empty)}</p>'
    head = "".join(
        f'<th data-sort="{_e(key)}">{_e(text)} ⇅</th>' if key else f"<th>{_e(text)}</th>"
        for text, key in headers
    )
    return (
        f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _contacts_view(run: _Run, catalog: Catalog | None) -> ContactsView:
    lab = run.labels
    mission = run.mission
    passes = [] if run.results.passes is None else list(run.results.passes.passes)
    schedule = run.results.schedule
    contacts = [] if schedule is None else list(schedule.contacts)
    key = {(p.satellite.norad_id, p.station_id, p.aos_utc): k for k, p in enumerate(passes)}
    # which passes get a sky track: all of them, or the scheduled and each satellite's next one
    wanted = set(range(len(passes)))
    if len(passes) > SKY_TRACKS_MAX:
        nxt: dict[int, int] = {}
        for k, p in enumerate(passes):
            nxt.setdefault(p.satellite.norad_id, k)
        chosen = [key.get((c.satellite.norad_id, c.station_id, c.aos_utc)) for c in contacts]
        wanted = set(nxt.values()) | {k for k in chosen if k is not None}
        wanted = set(sorted(wanted)[:SKY_TRACKS_MAX])
    order = sorted(wanted)
    tracks = (
        _sky_tracks([passes[k] for k in order], mission, catalog) if catalog is not None else []
    )
    sky_index = {k: i for i, k in enumerate(order) if i < len(tracks) and tracks[i]}
    colours = {s.name: charts.PALETTE[i % len(charts.PALETTE)] for i, s in enumerate(mission.fleet)}
    sky_passes: list[charts.SkyTrack] = [
        {
            "name": f"{passes[k].satellite.name} · {passes[k].station_id} "
            f"{_utc(_json_time(passes[k].aos_utc))[11:16]}",
            "station": passes[k].station_id,
            "colour": colours.get(passes[k].satellite.name, charts.PALETTE[0]),
            "az": tracks[i]["az"],
            "el": tracks[i]["el"],
        }
        for k, i in sky_index.items()
    ]
    masks = {s.id: _station_mask(s) for s in mission.stations}
    # the next pass of each satellite (first from the planning clock)
    first: dict[int, int] = {}
    for k, p in enumerate(passes):
        if k in sky_index and p.los_utc >= run.start:
            first.setdefault(p.satellite.norad_id, sky_index[k])

    rows = [f"{s.id} · {a.id}" for s in mission.stations for a in s.antennas]
    antennas = {s.id: [f"{s.id} · {a.id}" for a in s.antennas] for s in mission.stations}

    def ms(a: datetime, b: datetime) -> float:
        return (b - a).total_seconds() * 1000.0

    detail = sum(len(antennas.get(p.station_id, [])) for p in passes) <= DETAIL_BARS_MAX
    pass_bars: list[charts.Bar] = [
        {
            "row": row,
            "start": _json_time(p.aos_utc)[:19] if detail else p.aos_utc.timestamp() * 1000.0,
            "ms": round(ms(p.aos_utc, p.los_utc)),
            "text": f"{p.satellite.name} {_utc(_json_time(p.aos_utc))[11:]}–"
            f"{_utc(_json_time(p.los_utc))[11:]} {p.max_elevation_deg}°"
            if detail
            else None,
            "sky": sky_index.get(k, -1),
        }
        for k, p in enumerate(passes)
        for row in antennas.get(p.station_id, [])
    ]
    contact_bars: list[charts.Bar] = [
        {
            "row": f"{c.station_id} · {c.antenna}",
            "start": _json_time(c.aos_utc),
            "ms": ms(c.aos_utc, c.los_utc),
            "text": f"{c.satellite.name} · {c.station_id} {c.antenna}<br>"
            f"{_utc(_json_time(c.aos_utc))}–{_utc(_json_time(c.los_utc))[11:]}<br>"
            f"{c.volume_mbit} Mbit"
            if len(contacts) <= TABLE_ROWS_MAX
            else c.satellite.name,
            "satellite": c.satellite.name,
            "sky": sky_index.get(key.get((c.satellite.norad_id, c.station_id, c.aos_utc), -1), -1),
        }
        for c in contacts
    ]
    blackout_bars: list[charts.Bar] = []
    for s in mission.stations:
        for w in s.blackouts:
            a, b = max(w.start, run.start), min(w.end, run.stop)
            if b <= a:
                continue
            for row in antennas[s.id]:
                blackout_bars.append(
                    {"row": row, "start": _iso(a), "ms": (b - a).total_seconds() * 1000.0,
                     "text": f"{s.id}: {w.reason or lab['blackouts']}<br>{_utc(_iso(a))}–"
                     f"{_utc(_iso(b))[11:]}"}
                )  # fmt: skip
    return ContactsView(
        rows=rows,
        passes=pass_bars,
        contacts=contact_bars,
        blackouts=blackout_bars,
        sky=sky_passes,
        masks=masks,
        next_passes=list(first.values()),
    )


def _contacts_section(
    run: _Run, view: ContactsView, figures: dict[str, charts.Figure], data: dict[str, object]
) -> str:
    lab = run.labels
    schedule = run.results.schedule
    contacts = [] if schedule is None else list(schedule.contacts)
    data["sky"] = {"passes": view.sky, "masks": view.masks, "mask_label": lab["horizon_mask"]}
    figures["sky"] = charts.sky_figure([view.sky[i] for i in view.next_passes], view.masks, lab)
    figures["gantt"] = charts.gantt_figure(
        view.rows, view.passes, view.contacts, view.blackouts,
        (_iso(run.start), _iso(run.stop)), lab,
    )  # fmt: skip
    table_rows = [
        f'<tr class="contact" data-satellite="{_e(c.satellite.name)}" '
        f'data-norad-id="{c.satellite.norad_id}" data-station="{_e(c.station_id)}" '
        f'data-antenna="{_e(c.antenna)}" data-aos="{_e(aos)}" '
        f'data-los="{_e(los)}" data-duration-s="{_num(c.duration_s)}" '
        f'data-max-elevation-deg="{_num(c.max_elevation_deg)}" '
        f'data-volume-mbit="{_num(c.volume_mbit)}" data-sky="{bar["sky"]}">'
        f"<td>{_e(c.satellite.name)}</td><td>{_e(c.station_id)}</td>"
        f"<td>{_e(c.antenna)}</td><td>{_utc(aos)}</td><td>{_utc(los)}</td>"
        f'<td class="n">{_num(c.duration_s)}</td>'
        f'<td class="n">{_num(c.max_elevation_deg)}</td>'
        f'<td class="n">{_num(c.volume_mbit)}</td></tr>'
        for c, bar in zip(contacts[:TABLE_ROWS_MAX], view.contacts, strict=False)
        for aos, los in [(_json_time(c.aos_utc), _json_time(c.los_utc))]
    ]
    if len(contacts) > TABLE_ROWS_MAX:
        table_rows.append(_more_row(len(contacts) - TABLE_ROWS_MAX, 8))
    table = _table(
        [(lab["satellite"], None), (lab["station"], None), (lab["antenna"], None),
         (lab["aos"], "aos"), (lab["los"], None), (lab["duration_s"], "duration-s"),
         (lab["max_elevation"], "max-elevation-deg"), (lab["volume"], "volume-mbit")],
        table_rows, "contacts sortable", lab["no_contacts"],
    )  # fmt: skip
    summary = (
        f'<p class="note">{len(contacts)} · {_num(schedule.total_volume_mbit)} Mbit · '
        f"{_e(schedule.solver)} {_e(schedule.solver_status)}</p>"
        if schedule is not None
        else ""
    )
    return (
        f'<section id="contacts"><h2>{_e(lab["contacts"])}</h2>'
        f'<p class="note">{_e(lab["contacts_note"])}</p><div id="gantt" class="chart"></div>'
        f'<div class="cols"><div><h3>{_e(lab["sky"])}</h3><p class="note">'
        f'{_e(lab["sky_note"])}</p><div id="sky" class="chart sky"></div></div>'
        f'<div class="scroll">{summary}{table}</div></div></section>'
    )


def _encounter_views(run: _Run, catalog: Catalog | None) -> list[EncounterView]:
    """Each screened event with its assessment, avoidance proposal and encounter plane."""
    screening = run.results.screening
    assessments = {a.event_id: a for a in run.results.assessments}
    avoidances = {a.event_id: a for a in run.results.avoidances}
    views: list[EncounterView] = []
    for event in [] if screening is None else screening.events:
        a = assessments.get(event.event_id)
        plane = None if a is None or catalog is None else _encounter_plane(catalog, a)
        views.append(EncounterView(event, a, avoidances.get(event.event_id), plane))
    return views


def pc_by_method(assessment: ConjunctionAssessment) -> list[tuple[str, float]]:
    """The assessment's Pc values by method (those it computed), in the report's order."""
    mc = assessment.monte_carlo
    return [
        (name, value)
        for name, value in (
            ("Foster 2-D", assessment.pc_foster),
            ("Chan 2-D", assessment.pc_chan),
            ("Hall 3-D", assessment.pc3d),
            ("Monte Carlo", None if mc is None else mc.pc),
            ("max Pc", assessment.pc_max),
        )
        if value is not None
    ]


def _conjunctions_section(
    run: _Run, encounters: Sequence[EncounterView], figures: dict[str, charts.Figure]
) -> str:
    lab = run.labels
    rows: list[str] = []
    pictures: list[str] = []
    for view in encounters:
        event, a, mnv, plane = view.event, view.assessment, view.avoidance, view.plane
        eid = event.event_id
        pc = None if a is None else a.pc
        ric = "—" if a is None else " / ".join(_num(x) for x in a.miss_rtn_km)
        if a is None:
            methods = _e(lab["not_assessed"])
        else:
            methods = "<br>".join(f"{name} {_sci(value)}" for name, value in pc_by_method(a))
        if mnv is not None and mnv.status == "proposed":
            candidate = (
                f"{_num(mnv.delta_v_m_s)} m/s {_e(mnv.direction)} @ "
                f"{_utc(_json_time(mnv.burn_epoch_utc))}<br>{lab['miss_km']}: "
                f"{_num(mnv.miss_km)}, Pc {_sci(mnv.pc)}"
            )
        elif mnv is not None:
            candidate = _e(f"{mnv.status}: {mnv.message}")
        else:
            candidate = "—"
        tca = _json_time(event.tca_utc)
        rows.append(
            f'<tr class="conjunction" data-event="{_e(eid)}" '
            f'data-miss-km="{_num(event.miss_km)}" '
            f'data-pc="{_num(pc) if pc is not None else ""}" data-tca="{_e(tca)}">'
            f"<td>{_e(eid)}</td><td>{_e(event.primary.name)}</td>"
            f"<td>{_e(event.secondary.name)} ({event.secondary.norad_id})</td>"
            f'<td>{_utc(tca)}</td><td class="n">{_num(event.miss_km)}</td>'
            f'<td class="n">{ric}</td><td class="n">{_num(event.relative_speed_km_s)}</td>'
            f'<td class="n pc">{_sci(pc)}'
            f"{'' if a is None else ' (' + _e(a.pc_method) + ')'}</td>"
            f'<td class="small">{methods}</td>'
            f"<td>{'—' if a is None else _e(a.action)}</td>"
            f'<td class="small">{candidate}</td></tr>'
        )
        if a is not None and plane is not None:
            div = f"enc-{len(pictures)}"
            figures[div] = charts.encounter_figure(plane[0], plane[1], a.hard_body_radius_m, lab)
            pictures.append(
                f'<figure class="encounter"><div id="{div}" class="chart"></div><figcaption>'
                f"{_e(eid)} · {_e(lab['encounter_plane'])} · {lab['miss_km']} "
                f"{_num(a.miss_km)} · Pc {_sci(a.pc)} ({_e(a.pc_method)})"
                "</figcaption></figure>"
            )
    table = _table(
        [(lab["event"], None), (lab["primary"], None), (lab["secondary"], None),
         (lab["tca"], "tca"), (lab["miss_km"], "miss-km"), (lab["ric_km"], None),
         (lab["rel_speed"], None), (lab["pc"], "pc"), (lab["pc_methods"], None),
         (lab["action"], None), (lab["avoidance"], None)],
        rows, "conjunctions sortable", lab["no_conjunctions"],
    )  # fmt: skip
    return (
        f'<section id="conjunctions"><h2>{_e(lab["conjunctions"])}</h2>'
        f'<p class="note">{_e(lab["conjunctions_note"])}</p><div class="scroll">{table}</div>'
        f'<div class="encounters">{"".join(pictures)}</div></section>'
    )


def _weather_view(ctx: ToolContext | None) -> WeatherView:
    """The space-weather source's Kp, Kp forecast, X-ray and proton series, as drawn."""
    kp: list[tuple[str, float]] = []
    forecast: list[tuple[str, float, str]] = []
    xrays: list[tuple[str, float]] = []
    protons: list[tuple[str, float]] = []
    if ctx is not None:
        from cosmo_agent.tools.spaceweather import (
            KpForecastSample,
            KpSample,
            ProtonSample,
            XraySample,
        )

        try:
            products = ctx.space_weather_source().load()
        except (OSError, ValueError):
            products = {}

        def samples(name: ProductName, kind: type[_Sample]) -> list[_Sample]:
            """Product ``name``'s samples (each product holds one kind)."""
            got = products.get(name)
            found = () if got is None or got.data is None else got.data.samples
            return [s for s in found if isinstance(s, kind)]

        kp = [(_iso(s.time_utc), s.kp) for s in samples("kp", KpSample)]
        forecast = [
            (_iso(s.time_utc), s.kp, s.observed)
            for s in samples("kp_forecast", KpForecastSample)
            if s.observed != "observed"
        ]
        xrays = [
            (_iso(s.time_utc), s.flux_w_m2)
            for s in samples("xrays", XraySample)
            if s.band == "0.1-0.8nm"
        ]
        protons = [
            (_iso(s.time_utc), s.flux_pfu)
            for s in samples("protons", ProtonSample)
            if s.energy == ">=10 MeV"
        ]
    return WeatherView(kp=kp, kp_forecast=forecast, xrays=xrays, protons=protons)


def _space_weather_section(
    run: _Run, weather: WeatherView, figures: dict[str, charts.Figure]
) -> str:
    lab = run.labels
    report = run.results.space_weather
    figures["spaceweather-chart"] = charts.space_weather_figure(
        weather.kp, weather.kp_forecast, weather.xrays, weather.protons, _iso(run.start), lab
    )
    scales = {} if report is None else report.scales
    badges = "".join(
        f'<span class="badge lvl{s.level or 0}" data-scale="{_e(k)}" '
        f'data-value="{_num(s.value)}">{_e(s.label or k + "?")} '
        f"<small>{_num(s.value)} {_e(s.unit)}</small></span>"
        for k, s in scales.items()
    )
    mission_rows = [
        f'<tr class="alert" data-rule="{_e(a.rule_id)}"><td>{_e(a.severity)}</td>'
        f"<td>{_e(a.rule_id)}</td><td>{_e(a.message)}</td></tr>"
        for a in ([] if report is None else report.alerts)
    ]
    swpc_rows = [
        f'<tr class="swpc-alert"><td>{_utc(_json_time(a.issue_time_utc))}</td>'
        f"<td>{_e(a.product_id)}</td><td>{_e(a.headline)}</td></tr>"
        for a in ([] if report is None else report.swpc_alerts)
    ]
    return (
        f'<section id="spaceweather"><h2>{_e(lab["space_weather"])}</h2>'
        f"<p>{_e(lab['scales'])}: {badges}</p>"
        f'<div id="spaceweather-chart" class="chart"></div>'
        f'<div class="cols"><div><h3>{_e(lab["mission_alerts"])}</h3>'
        + _table(
            [(lab["severity"], None), ("rule", None), (lab["message"], None)],
            mission_rows,
            "alerts",
            lab["no_alerts"],
        )
        + f"</div><div><h3>{_e(lab['swpc_alerts'])}</h3>"
        + _table(
            [(lab["issued"], None), ("product", None), (lab["message"], None)],
            swpc_rows,
            "swpc",
            lab["no_alerts"],
        )
        + "</div></div></section>"
    )


def _findings(run: _Run) -> dict[int, list[Violation]]:
    """The validation report's violations by command index."""
    findings: dict[int, list[Violation]] = {}
    for v in [] if run.validation is None else run.validation.violations:
        if v.command_index is not None:
            findings.setdefault(v.command_index, []).append(v)
    return findings


def _verdict(found: Sequence[Violation]) -> Verdict:
    """A command's verdict from its violations: any error, else any warning, else ok."""
    return (
        "error" if any(v.severity == "error" for v in found)
        else "warning" if found else "ok"
    )  # fmt: skip


def _plan_section(run: _Run, figures: dict[str, charts.Figure]) -> str:
    lab = run.labels
    plan = run.plan
    if plan is None:
        return (
            f'<section id="plan"><h2>{_e(lab["plan"])}</h2>'
            f'<p class="empty">{_e(lab["no_plan"])}</p></section>'
        )
    findings = _findings(run)
    ages = plan.data_ages
    element_age = {e.norad_id: e.age_days for e in ages.elements}
    sw_age = ages.space_weather_age_h
    points: list[charts.PlanMark] = []
    rows = []
    commands = plan.commands
    brief = len(commands) > TABLE_ROWS_MAX
    for i, c in enumerate(commands):
        found = findings.get(i, [])
        verdict = _verdict(found)
        sat = c.satellite.name
        time = _json_time(c.time)
        age_text = []
        age = element_age.get(c.satellite.norad_id)
        if age is not None:
            age_text.append(lab["element_age"].format(age=round(age, 3)))
        if sw_age is not None:
            age_text.append(lab["sw_age"].format(age=round(sw_age, 2)))
        rationale = c.rationale.text
        params = ", ".join(f"{k}={v}" for k, v in c.parameters.items())
        up = c.uplink
        uplink = "—" if up is None else f"{up.station_id} {up.antenna_id}".strip() or "—"
        notes = "<br>".join(_e(f"{v.rule}: {v.message}") for v in found)
        if brief:
            points.append(
                {"time": time[:19], "satellite": sat, "verdict": verdict, "index": i,
                 "text": None}
            )  # fmt: skip
            if i >= TABLE_ROWS_MAX:
                continue
        else:
            points.append(
                {
                    "time": time,
                    "satellite": sat,
                    "verdict": verdict,
                    "index": i,
                    "text": "<br>".join(
                        [
                            f"<b>{_e(c.command)}</b> · {_e(sat)} · {_utc(time)}",
                            _e(_clip(rationale, 160)),
                            _e("; ".join(age_text)),
                        ]
                    ),
                }
            )
        rows.append(
            f'<tr class="command {verdict}" data-index="{i}" data-command="{_e(c.command)}" '
            f'data-satellite="{_e(sat)}" data-time="{_e(time)}" data-verdict="{verdict}">'
            f"<td>{_utc(time)}</td><td>{_e(sat)}</td><td><b>{_e(c.command)}</b></td>"
            f'<td class="small">{_e(params)}</td><td>{_e(uplink)}</td>'
            f'<td><span class="verdict {verdict}">{_e(lab["verdict_" + verdict])}</span>'
            f'<div class="small">{notes}</div></td><td class="small">{_e(rationale)}</td>'
            f'<td class="small">{_e("; ".join(age_text))}</td></tr>'
        )
    if brief:
        rows.append(_more_row(len(commands) - TABLE_ROWS_MAX, 8))
    satellites = [s.name for s in run.mission.fleet]
    figures["plan"] = charts.plan_figure(points, satellites, (_iso(run.start), _iso(run.stop)), lab)
    gaps = plan.gaps
    gap_list = (
        f'<h3>{_e(lab["gaps"])}</h3><ul class="gaps">'
        + "".join(f"<li>{_e(g.reason)}</li>" for g in gaps)
        + "</ul>"
        if gaps
        else ""
    )
    table = _table(
        [(lab["time"], "time"), (lab["satellite"], None), (lab["command"], None),
         (lab["parameters"], None), (lab["uplink"], None), (lab["verdict"], None),
         (lab["rationale"], None), (lab["data_ages"], None)],
        rows, "commands sortable", "—",
    )  # fmt: skip
    return (
        f'<section id="plan"><h2>{_e(lab["plan"])}</h2><p class="note">'
        f'{_e(lab["plan_note"])}</p><div id="plan-chart" class="chart"></div>{gap_list}'
        f'<div class="scroll tall">{table}</div></section>'
    )


def _more_row(more: int, columns: int) -> str:
    return (
        f'<tr class="more"><td colspan="{columns}">… {more} more: the plan JSON holds them all'
        "</td></tr>"
    )


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _map_view(
    run: _Run, catalog: Catalog | None
) -> tuple[list[charts.GroundTrack], list[charts.StationMark], float]:
    """Ground tracks, stations with their visibility circles, and the circles' altitude (km)."""
    tracks = _ground_tracks(run, catalog) if catalog is not None else []
    status = run.results.fleet_status
    altitudes = [
        s.altitude_km for s in ([] if status is None else status.satellites) if s.altitude_km
    ]
    altitude_km = float(np.median(altitudes)) if altitudes else 700.0
    stations: list[charts.StationMark] = [
        {
            "id": s.id,
            "name": s.name,
            "lat": s.lat_deg,
            "lon": s.lon_deg,
            "min_el": s.min_elevation_deg,
            "circle": charts.visibility_circle(
                s.lat_deg, s.lon_deg, s.min_elevation_deg, altitude_km
            ),
        }
        for s in run.mission.stations
    ]
    return tracks, stations, altitude_km


def _map_section(views: ReportViews, figures: dict[str, charts.Figure]) -> str:
    lab = views.labels
    tracks, stations, altitude_km = views.tracks, views.stations, views.altitude_km
    points = sum(len(t["lon"]) for t in tracks)
    figures["map"] = charts.map_figure(tracks, stations, lab, webgl=points > 60_000)
    note = lab["map_note"].format(alt=round(altitude_km))
    return (
        f'<section id="map-section"><h2>{_e(lab["map"])}</h2><p class="note">{_e(note)}</p>'
        f'<div id="map" class="chart"></div></section>'
    )


_CSS: Final = """
body{font-family:system-ui,'Noto Sans CJK KR','Noto Sans',sans-serif;margin:0;color:#1d2430;
background:#f6f7f9}
header{background:#14213d;color:#fff;padding:14px 24px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;font-size:13px;opacity:.9}nav{font-size:13px;margin-top:6px}
nav a{color:#cfe3ff;margin-right:14px}
section{background:#fff;margin:14px 18px;padding:10px 18px;border-radius:6px;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:18px;margin:6px 0}h3{font-size:15px;margin:8px 0 4px}
.note{color:#556;font-size:12px;margin:2px 0 6px}.empty{color:#667;font-style:italic}
table{border-collapse:collapse;font-size:12px;width:100%}
th,td{border-bottom:1px solid #e3e6ea;padding:3px 6px;text-align:left;vertical-align:top}
td{white-space:nowrap}td.small{white-space:normal;min-width:160px}
th{background:#eef1f5;position:sticky;top:0}th[data-sort]{cursor:pointer}
td.n{text-align:right;font-variant-numeric:tabular-nums}.small{font-size:11px}
.scroll{max-height:460px;overflow:auto}.scroll.tall{max-height:640px}
.cols{display:flex;gap:16px;flex-wrap:wrap}.cols>div{flex:1 1 420px;min-width:0}
.sky{max-width:520px}.encounters{display:flex;flex-wrap:wrap;gap:12px}
figure.encounter{margin:6px 0}figcaption{font-size:12px;color:#334}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;margin-right:6px;color:#fff;
background:#2ca02c}.badge.lvl1,.badge.lvl2{background:#ff9f1a}.badge.lvl3,.badge.lvl4,
.badge.lvl5{background:#d62728}
.verdict{padding:1px 6px;border-radius:8px;color:#fff}.verdict.ok{background:#2ca02c}
.verdict.warning{background:#ff9f1a}.verdict.error{background:#d62728}
tr.contact{cursor:pointer}tr.contact:hover{background:#f2f7ff}
.status-accepted{color:#7CFC9A}.status-rejected,.status-incomplete{color:#ffb3b3}
pre.briefing{white-space:pre-wrap;font-size:12px}
"""

_SCRIPT: Final = """
(function(){
const FIGS = JSON.parse(document.getElementById('report-figures').textContent);
const SKY = JSON.parse(document.getElementById('report-sky').textContent);
const CONFIG = {displaylogo:false, responsive:true, modeBarButtonsToRemove:['toImage']};
const plots = [];
for (const [id, fig] of Object.entries(FIGS)) {
  const el = document.getElementById(id);
  if (el) plots.push(Plotly.newPlot(el, fig.data, fig.layout, CONFIG));
}
function drawSky(i) {
  const p = SKY.passes[i];
  if (!p) return;
  const m = SKY.masks[p.station];
  const traces = [];
  if (m) traces.push({type:'scatterpolar', r:m.r, theta:m.theta, mode:'lines',
    fill:'toself', fillcolor:'rgba(120,100,80,0.15)', line:{color:'#7a6a55', width:1},
    name:p.station + ' ' + SKY.mask_label, hoverinfo:'skip', meta:'mask'});
  traces.push({type:'scatterpolar', r:p.el.map(e => 90 - e), theta:p.az, mode:'lines+markers',
    marker:{size:3, color:p.colour}, line:{color:p.colour, width:2}, name:p.name, meta:'pass'});
  const sky = document.getElementById('sky');
  Plotly.react(sky, traces, sky.layout);
  sky.dataset.shown = p.name;
}
function sortable(table) {
  table.querySelectorAll('th[data-sort]').forEach(th => th.addEventListener('click', () => {
    const key = th.dataset.sort;
    const attr = 'data-' + key;
    const body = table.tBodies[0];
    const up = th.dataset.dir !== 'asc';
    th.dataset.dir = up ? 'asc' : 'desc';
    const val = r => { const v = r.getAttribute(attr); const n = parseFloat(v);
      return v === null || v === '' ? Infinity : (isNaN(n) ? v : n); };
    const rows = Array.from(body.rows).sort((a, b) => {
      const x = val(a), y = val(b);
      return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1); });
    rows.forEach(r => body.appendChild(r));
  }));
}
document.querySelectorAll('table.sortable').forEach(sortable);
Promise.all(plots).then(() => {
  const gantt = document.getElementById('gantt');
  if (gantt) gantt.on('plotly_click', ev => {
    const pt = ev.points && ev.points[0];
    if (pt && pt.customdata !== undefined && pt.customdata >= 0) drawSky(pt.customdata);
  });
  document.querySelectorAll('tr.contact').forEach(r => r.addEventListener('click', () => {
    const i = parseInt(r.dataset.sky, 10); if (i >= 0) drawSky(i); }));
  document.body.dataset.ready = 'true';
}).catch(err => { console.error(err); document.body.dataset.ready = 'failed'; });
})();
"""


def _plotly_js() -> str:
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        raise ReportError(
            "the HTML report needs plotly: pip install 'cosmo-agent[report]'"
        ) from None
    return str(get_plotlyjs())


def _json_for_script(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/")


def _finite(value: object) -> object:
    """Plain JSON (NaN is not JSON: plotly reads ``null`` as a gap)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        return _finite(value.item())
    return value


def _page(views: ReportViews) -> str:
    run = views.run
    lab = run.labels
    figures: dict[str, charts.Figure] = {}
    extra: dict[str, object] = {}
    body = [
        _map_section(views, figures),
        _contacts_section(run, views.contacts, figures, extra),
        _conjunctions_section(run, views.encounters, figures),
        _space_weather_section(run, views.weather, figures),
        _plan_section(run, figures),
    ]
    if "plan" in figures:
        figures["plan-chart"] = figures.pop("plan")
    briefing = (
        f'<section id="briefing"><h2>{_e(lab["briefing"])}</h2>'
        f'<pre class="briefing">{_e(run.briefing)}</pre></section>'
        if run.briefing
        else ""
    )
    status = (
        f'{_e(lab["status"])}: <b class="status-{_e(run.status)}" id="plan-status">'
        f"{_e(run.status)}</b>"
        if run.status
        else _e(lab["fleet_state"])
    )
    nav = "".join(
        f'<a href="#{a}">{_e(lab[k])}</a>'
        for a, k in (("map-section", "map"), ("contacts", "contacts"),
                     ("conjunctions", "conjunctions"), ("spaceweather", "space_weather"),
                     ("plan", "plan"))
    )  # fmt: skip
    lang = run.mission.language
    title = f"{run.mission.name} · {lab['title']}"
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
        'img-src data: blob:; font-src data:; worker-src blob:">'
        f"<title>{_e(title)}</title><style>{_CSS}</style>"
        f"<script>{_plotly_js()}</script></head>"
        f'<body data-mission="{_e(run.mission.name)}" data-language="{lang}">'
        f"<header><h1>{_e(title)}</h1><p>{_e(run.mission.description)}</p>"
        f"<p>{_e(lab['generated'])}: {_utc(_iso(run.start))} UTC → {_utc(_iso(run.stop))} UTC"
        f" · {status}</p><nav>{nav}</nav></header>"
        + "".join(body)
        + briefing
        + '<script type="application/json" id="report-figures">'
        + _json_for_script(_finite(figures))
        + '</script><script type="application/json" id="report-sky">'
        + _json_for_script(_finite(extra.get("sky", {"passes": [], "masks": {}})))
        + f"</script><script>{_SCRIPT}</script></body></html>"
    )


def _write(path: str | os.PathLike[str], text: str) -> Path | str:
    """The page to a file, or to an object URL (``s3://``, all or nothing, returned as a
    ``str``)."""
    from cosmo_agent.tools.storage import is_object_url, write_bytes

    if is_object_url(str(path)):
        try:
            write_bytes(str(path), text.encode())
        except OSError as exc:
            raise ReportError(f"cannot write the report ({exc.strerror})") from None
        return str(path)
    out = Path(path)
    if out.is_dir():
        raise ReportError(f"--report {out} is a folder; give a file name, e.g. report.html")
    if not out.parent.is_dir():
        raise ReportError(f"{out}: the folder {out.parent} does not exist; create it first")
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"{out}: cannot write ({exc.strerror})") from None
    return out


def _catalog(ctx: ToolContext) -> Catalog | None:
    from cosmo_agent.tools.registry import ToolError

    try:
        return ctx.catalog
    except (ToolError, OSError, ValueError):
        return None


def _views(run: _Run, ctx: ToolContext) -> ReportViews:
    catalog = _catalog(ctx)
    tracks, stations, altitude_km = _map_view(run, catalog)
    findings = _findings(run)
    commands = [] if run.plan is None else run.plan.commands
    return ReportViews(
        run=run,
        tracks=tracks,
        stations=stations,
        altitude_km=altitude_km,
        contacts=_contacts_view(run, catalog),
        encounters=_encounter_views(run, catalog),
        weather=_weather_view(ctx),
        verdicts=[_verdict(findings.get(i, [])) for i in range(len(commands))],
    )


def plan_views(result: PlanResult, mission: Mission) -> ReportViews:
    """What the report of a plan run draws: the run's tool results and plan, with ground
    tracks, sky tracks and encounter planes computed from the mission's own catalog at the
    plan's horizon."""
    from cosmo_agent.tools.registry import ToolContext

    run = _run_from_result(result, mission)
    return _views(run, ToolContext.from_mission(mission, now=run.start))


def fleet_views(mission: Mission, *, now: datetime | None = None) -> ReportViews:
    """What the report of the fleet's state (no plan) draws: the tools a plan would run
    (fleet status, space weather, passes, screening and an assessment of each event) at
    ``now`` (default: the mission's horizon epoch)."""
    run, ctx = _fleet_run(mission, now)
    return _views(run, ctx)


def write_page(views: ReportViews, path: str | os.PathLike[str]) -> Path | str:
    """Write the HTML page of ``views`` to ``path`` (returned; a URL, ``s3://``, as given)."""
    return _write(path, _page(views))


def render_report(
    result: PlanResult, mission: Mission, path: str | os.PathLike[str]
) -> Path | str:
    """Write the HTML report of a plan run to ``path`` (returned; a URL, ``s3://``, as given).

    Ground tracks, sky tracks and encounter planes are computed from the mission's own
    catalog at the plan's horizon; everything else is what the run's tools reported.
    """
    return write_page(plan_views(result, mission), path)


def fleet_report(
    mission: Mission, path: str | os.PathLike[str], *, now: datetime | None = None
) -> Path | str:
    """Write the HTML report of the fleet's state (no plan) to ``path`` (returned; a URL,
    ``s3://``, as given).

    Runs the tools a plan would (fleet status, space weather, passes, screening and an
    assessment of each event) at ``now`` (default: the mission's horizon epoch).
    """
    return write_page(fleet_views(mission, now=now), path)


def fleet_report_command(
    mission_path: str | os.PathLike[str],
    html_path: str | os.PathLike[str] | None,
    at: str | None = None,
    *,
    also: Callable[[ReportViews], str] | None = None,
) -> str:
    """``cosmo-agent report --mission M --html R [--at T]``: write the report, return a line
    saying where (a :class:`ReportError` for bad input). ``also``: another output drawn from
    the same views (``--figures``: :func:`cosmo_agent.agent.figures.fleet_figures_writer`),
    returning its line; the fleet's state is collected once for both."""
    from cosmo_agent.tools.mission import MissionError, load_mission
    from cosmo_agent.tools.storage import check_bucket, is_object_url

    if html_path is None:
        pass
    elif is_object_url(str(html_path)):
        try:
            check_bucket(str(html_path))
        except OSError as exc:
            raise ReportError(f"--html {exc}") from None
    elif not (out := Path(html_path)).parent.is_dir():
        raise ReportError(f"--html {out}: the folder {out.parent} does not exist; create it first")
    try:
        mission = load_mission(mission_path)
    except (MissionError, OSError) as exc:
        raise ReportError(str(exc)) from None
    now = None
    if at is not None:
        try:
            now = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            raise ReportError(
                f"--at {at!r}: write ISO 8601 UTC, e.g. 2026-06-10T12:00:00Z"
            ) from None
        if now.tzinfo is None:
            raise ReportError(f"--at {at!r} has no timezone; add Z for UTC")
    views = fleet_views(mission, now=now)
    lines = []
    if html_path is not None:
        written = write_page(views, html_path)
        lines.append(
            f"report written to {written}"
            if isinstance(written, str)
            else f"report written to {written} ({written.stat().st_size / 1e6:.1f} MB)"
        )
    if also is not None:
        lines.append(also(views))
    return "\n".join(lines)
