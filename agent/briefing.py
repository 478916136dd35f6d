"""The bilingual briefing: one line per tool result, in English or Korean, facts only.

The rules planner ends every run with these lines (the ``plan`` briefing, the ``ask``
answer); each line reads the tool's typed result (:meth:`ToolRecord.output`), never a fact
the result does not hold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Final, Literal

from pydantic import TypeAdapter

from cosmo_agent.agent.trace import ToolRecord
from cosmo_agent.tools.mission import Mission
from cosmo_agent.tools.toolkit import (
    ConjunctionAssessment,
    FleetStatusResult,
    ManeuverProposal,
    PassesResult,
    PropagateResult,
    ProposeCommandsResult,
    SatelliteStatus,
    ScheduleResult,
    ScreeningResult,
    SpaceWeatherResult,
)

__all__ = ["answer_text", "describe_results", "json_time", "no_tool_answer"]

_TIME: Final = TypeAdapter(datetime)
_SCALES: Final[tuple[Literal["G", "S", "R"], ...]] = ("G", "S", "R")


def json_time(t: datetime) -> str:
    """``t`` as the tool result's JSON wrote it (pydantic's ISO 8601 form)."""
    text: str = _TIME.dump_python(t, mode="json")
    return text


def _t(value: datetime | None) -> str:
    """``2026-06-10 13:05 UTC``."""
    if value is None:
        return "?"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _sat_name(m: Mission, key: str | int) -> str:
    try:
        return str(m.satellite(str(key)).name)
    except KeyError:
        return str(key)


_ACTIONS_KO: Final = {
    "safe_mode_recommended": "안전모드 권고",
    "drag_warning": "항력 증가 경고",
    "link_degradation": "통신 품질 저하",
}
_ASSESS_KO: Final = {"plan_avoidance": "회피 기동 필요", "monitor": "감시", "none": "조치 불필요"}
_STATUS_KO: Final = {
    "proposed": "제안",
    "already_safe": "이미 안전",
    "no_solution": "해 없음",
    "no_clear_candidate": "안전한 후보 없음(기동 후 새 근접)",
    "failed": "실패",
}


def describe_results(records: Sequence[ToolRecord], m: Mission, lang: str) -> list[str]:
    """One line per tool result (``lang`` ``en`` or ``ko``), facts from the results only."""
    return [_describe(r, m, lang == "ko") for r in records]


def _describe(r: ToolRecord, m: Mission, ko: bool) -> str:
    if not r.ok:
        code = r.error_code or "error"
        message = str(r.error.get("message", ""))
        return (
            f"{r.name} 실패 ({code}): {message}" if ko else f"{r.name} failed ({code}): {message}"
        )
    writer = _WRITERS.get(r.name)
    return writer(r, m, ko) if writer is not None else f"{r.name}: ok"


def _fleet(x: FleetStatusResult, m: Mission, ko: bool) -> str:
    sats = x.satellites
    counts = {
        k: sum(s.staleness == k for s in sats) for k in ("fresh", "warn", "refuse", "missing")
    }
    bad = [s.name for s in sats if s.staleness in ("refuse", "missing")]
    errors = [s.name for s in sats if s.sgp4_error]
    ages = _element_ages(sats, ko)
    if ko:
        text = (
            f"{_t(x.at_utc)} 기준 위성 {len(sats)}기: 궤도요소 최신 {counts['fresh']}기,"
            f" 주의 {counts['warn']}기, 사용 불가 {counts['refuse']}기, 없음 {counts['missing']}기"
        )
        if bad:
            text += f" (사용 불가/없음: {', '.join(bad)})"
        text += f"; 궤도요소 나이: {ages}" if ages else ""
        return text + (f"; SGP4 오류: {', '.join(errors)}" if errors else "")
    text = (
        f"fleet at {_t(x.at_utc)}: {len(sats)} satellites, {counts['fresh']} with fresh"
        f" elements, {counts['warn']} aging, {counts['refuse']} too old, {counts['missing']}"
        " missing"
    )
    if bad:
        text += f" (unusable: {', '.join(bad)})"
    text += f"; element ages: {ages}" if ages else ""
    return text + (f"; SGP4 errors: {', '.join(errors)}" if errors else "")


_AGES_LISTED: Final = 8
"""A fleet this size or smaller has every element age in the briefing; a larger one its
oldest this many."""


def _age(days: float, ko: bool) -> str:
    """``1.6 d``, ``5.2 h``; an epoch after the planning clock says so."""
    hours = abs(days) * 24
    size = (
        f"{abs(days):.1f}" + ("일" if ko else " d")
        if hours >= 48
        else f"{hours:.1f}" + ("시간" if ko else " h")
    )
    if days >= 0:
        return size
    return f"기준 시각보다 {size} 뒤" if ko else f"{size} after the planning clock"


def _element_ages(sats: Sequence[SatelliteStatus], ko: bool) -> str:
    """``KOMPSAT 3 0.42 d (2026-06-09 23:10 UTC), ...``: each satellite's element age and epoch,
    oldest first, so "how old are X's elements?" and "is anything stale?" are answered."""
    aged = sorted((s for s in sats if s.age_days is not None), key=lambda s: -(s.age_days or 0.0))
    listed = [f"{s.name} {_age(s.age_days or 0.0, ko)} ({_t(s.element_epoch_utc)})" for s in aged]
    if len(listed) > _AGES_LISTED:
        more = len(listed) - _AGES_LISTED
        tail = f" 외 {more}기" if ko else f" and {more} more"
        return ", ".join(listed[:_AGES_LISTED]) + tail
    return ", ".join(listed)


def _space_weather(x: SpaceWeatherResult, m: Mission, ko: bool) -> str:
    def level(k: Literal["G", "S", "R"]) -> str:
        status = x.scales.get(k)
        return f"{k}{status.level}" if status is not None and status.level is not None else f"{k}?"

    levels = " ".join(level(k) for k in _SCALES)
    by_action: dict[str, list[str]] = {}
    for a in x.alerts:
        target = _sat_name(m, a.target_id) if a.target_kind == "satellite" else str(a.target_id)
        by_action.setdefault(str(a.action), []).append(target)
    stale = list(x.stale_products)
    if ko:
        parts = [f"{_ACTIONS_KO.get(k, k)}: {', '.join(v)}" for k, v in by_action.items()]
        text = f"우주기상 {levels}" + (
            f"; 임무 경보 — {'; '.join(parts)}" if parts else "; 임무 경보 없음"
        )
        return text + (f" (오래된 자료: {', '.join(stale)})" if stale else "")
    parts = [f"{k.replace('_', ' ')}: {', '.join(v)}" for k, v in by_action.items()]
    text = f"space weather {levels}" + (
        f"; mission alerts — {'; '.join(parts)}" if parts else "; no mission alerts"
    )
    return text + (f" (stale data: {', '.join(stale)})" if stale else "")


def _screening(x: ScreeningResult, m: Mission, ko: bool) -> str:
    events = sorted(x.events, key=lambda e: e.miss_km)
    top = "; ".join(
        f"{e.event_id} {e.primary.name} – {e.secondary.name} {_t(e.tca_utc)} {e.miss_km} km"
        for e in events[:3]
    )
    hours = _hours(x.start_utc, x.stop_utc)
    if ko:
        return f"근접 접근 스크리닝 ({hours}시간, {x.threshold_km} km 이내): {len(events)}건" + (
            f" — {top}" if top else ""
        )
    return f"conjunction screening ({hours} h, under {x.threshold_km} km): {len(events)} events" + (
        f" — {top}" if top else ""
    )


def _hours(start: datetime, stop: datetime) -> str:
    return f"{(stop - start).total_seconds() / 3600:g}"


def _pc(value: float | None) -> str:
    return "n/a" if value is None else f"{float(value):.1e}"


def _assessment(x: ConjunctionAssessment, m: Mission, ko: bool) -> str:
    who = f"{x.event_id} {x.primary.name} – {x.secondary.name}"
    method = "" if x.pc_method == "foster_2d" else f" [{x.pc_method}]"
    if ko:
        return (
            f"{who}: 최근접 {x.miss_km} km ({_t(x.tca_utc)}), 충돌확률"
            f" {_pc(x.pc)}{method} (최대 {_pc(x.pc_max)}) → {_ASSESS_KO.get(x.action, x.action)}"
        )
    return (
        f"{who}: miss {x.miss_km} km at {_t(x.tca_utc)}, Pc"
        f" {_pc(x.pc)}{method} (max {_pc(x.pc_max)}) → {x.action}"
    )


def _avoidance(x: ManeuverProposal, m: Mission, ko: bool) -> str:
    status = str(x.status)
    sat = x.satellite.name
    if status != "proposed":
        if ko:
            verdict = _STATUS_KO.get(status, status)
            return f"{x.event_id} 회피 기동 {verdict}: {x.message}"
        return f"avoidance for {x.event_id}: {status} ({x.message})"
    screening = x.post_maneuver_screening
    clear = screening is not None and screening.clear
    dv_mm_s = float(x.delta_v_m_s or 0.0) * 1000.0
    if ko:
        check = (
            "기동 후 스크리닝 이상 없음" if clear else "기동 후 스크리닝 미완료 또는 새 근접 발견"
        )
        return (
            f"{x.event_id} 회피 기동 제안 {x.proposal_id}: {sat}"
            f" {dv_mm_s:.1f} mm/s ({x.direction}) {_t(x.burn_epoch_utc)},"
            f" 최근접 {x.miss_before_km} → {x.miss_km} km, 충돌확률"
            f" {_pc(x.pc_before)} → {_pc(x.pc)}; {check}; 승인 필요"
        )
    check = (
        "post-maneuver screening clear" if clear else "post-maneuver screening missing or not clear"
    )
    return (
        f"avoidance {x.proposal_id} for {x.event_id}: {sat} {dv_mm_s:.1f} mm/s"
        f" {x.direction} at {_t(x.burn_epoch_utc)}, miss"
        f" {x.miss_before_km} → {x.miss_km} km, Pc {_pc(x.pc_before)} →"
        f" {_pc(x.pc)}; {check}; needs approval"
    )


def _passes(x: PassesResult, m: Mission, ko: bool) -> str:
    passes = sorted(x.passes, key=lambda p: json_time(p.aos_utc))
    sats = {p.satellite.norad_id for p in passes}
    hours = _hours(x.start_utc, x.stop_utc)
    first = passes[0] if passes else None
    if ko:
        text = f"{hours}시간 동안 위성 {len(sats)}기의 지상국 패스 {len(passes)}회"
        if first:
            text += (
                f"; 첫 패스 {first.satellite.name} @ {first.station_id} AOS"
                f" {_t(first.aos_utc)} (최대 앙각 {first.max_elevation_deg:.0f}°)"
            )
        return text
    text = f"{len(passes)} passes of {len(sats)} satellites in {hours} h"
    if first:
        text += (
            f"; first: {first.satellite.name} over {first.station_id} AOS"
            f" {_t(first.aos_utc)} (max elevation {first.max_elevation_deg:.0f}°)"
        )
    return text


def _schedule(x: ScheduleResult, m: Mission, ko: bool) -> str:
    contacts = x.contacts
    gb = float(x.total_volume_mbit or 0.0) / 8000.0
    # one name per satellite (a satellite short on several days has several entries)
    unmet = list(dict.fromkeys(u.satellite.name for u in x.unmet))
    if ko:
        text = (
            f"교신 스케줄 {len(contacts)}회, 다운링크 {gb:.1f} GB ({x.objective},"
            f" {x.solver} {x.solver_status})"
        )
        return text + (
            f"; 요구 교신 미달: {', '.join(unmet)}" if unmet else "; 모든 위성 요구 충족"
        )
    text = (
        f"contact schedule: {len(contacts)} contacts, {gb:.1f} GB ({x.objective},"
        f" {x.solver} {x.solver_status})"
    )
    return text + (
        f"; short of contacts: {', '.join(unmet)}" if unmet else "; every satellite's demand met"
    )


def _commands(x: ProposeCommandsResult, m: Mission, ko: bool) -> str:
    items = x.items
    ok = [i for i in items if i.accepted]
    hazardous = [f"{i.command} ({i.satellite_key})" for i in ok if i.hazardous]
    rejected = [
        f"{i.command} ({i.satellite_key}): {i.issues[0].code}"
        for i in items
        if not i.accepted and i.issues
    ]
    if ko:
        text = f"명령 {len(items)}건 중 {len(ok)}건 사전 점검 통과"
        if hazardous:
            text += f"; 위험 명령(승인 필요): {', '.join(hazardous)}"
        return text + (f"; 거부: {'; '.join(rejected)}" if rejected else "")
    text = f"{len(ok)} of {len(items)} commands pass the dictionary check"
    if hazardous:
        text += f"; hazardous, need approval: {', '.join(hazardous)}"
    return text + (f"; rejected: {'; '.join(rejected)}" if rejected else "")


def _propagate(x: PropagateResult, m: Mission, ko: bool) -> str:
    tracks = x.tracks
    times = x.times_utc
    last = []
    for tr in tracks[:3]:
        lat, lon, alt = tr.lat_deg[-1], tr.lon_deg[-1], tr.altitude_km[-1]
        if lat is not None:
            last.append(f"{tr.name} {lat:.1f}°, {lon:.1f}°, {alt:.0f} km")
    end = _t(times[-1]) if times else "?"
    if ko:
        return f"위성 {len(tracks)}기 궤도 전파 ({len(times)}개 시점, {x.step_s}초 간격)" + (
            f"; {end} 위치: {'; '.join(last)}" if last else ""
        )
    return f"propagated {len(tracks)} satellites ({len(times)} samples every {x.step_s} s)" + (
        f"; at {end}: {'; '.join(last)}" if last else ""
    )


_Writer = Callable[[ToolRecord, Mission, bool], str]
_WRITERS: Final[dict[str, _Writer]] = {
    "fleet_status": lambda r, m, ko: _fleet(r.output(FleetStatusResult), m, ko),
    "space_weather": lambda r, m, ko: _space_weather(r.output(SpaceWeatherResult), m, ko),
    "screen_conjunctions": lambda r, m, ko: _screening(r.output(ScreeningResult), m, ko),
    "assess_conjunction": lambda r, m, ko: _assessment(r.output(ConjunctionAssessment), m, ko),
    "plan_avoidance": lambda r, m, ko: _avoidance(r.output(ManeuverProposal), m, ko),
    "find_passes": lambda r, m, ko: _passes(r.output(PassesResult), m, ko),
    "schedule_contacts": lambda r, m, ko: _schedule(r.output(ScheduleResult), m, ko),
    "propose_commands": lambda r, m, ko: _commands(r.output(ProposeCommandsResult), m, ko),
    "propagate": lambda r, m, ko: _propagate(r.output(PropagateResult), m, ko),
}


def answer_text(
    records: Sequence[ToolRecord],
    m: Mission,
    lang: str,
    *,
    briefing: bool = False,
    notes: Sequence[str] = (),
) -> str:
    """The answer to a request (or, with ``briefing``, a plan's briefing): one line per tool
    result under a heading, then ``notes``; who Cosmo is when no tool ran."""
    if not records:
        return "\n".join([*notes, no_tool_answer(m, lang)])
    if briefing:
        head = f"{m.name} 운영 계획 브리핑:" if lang == "ko" else f"Briefing for {m.name}:"
    else:
        head = "확인 결과입니다:" if lang == "ko" else "Here is what I found:"
    lines = describe_results(records, m, lang)
    return "\n".join([head, *(f"- {line}" for line in lines), *notes])


def no_tool_answer(m: Mission, lang: str) -> str:
    """What Cosmo says when no tool was called: who it is and what it can do."""
    if lang == "ko":
        return (
            f"저는 {m.name} 임무의 위성 운영 도우미 Cosmo입니다."
            " 위성 상태와 우주기상 확인, 궤도 전파, 지상국 패스 예측,"
            " 근접 접근 스크리닝과 충돌 확률 평가, 회피 기동 계획, 교신 스케줄링,"
            " 명령 점검을 도와드립니다. 무엇을 확인할까요?"
        )
    return (
        f"I'm Cosmo, the operations assistant of mission {m.name}. I can report fleet status and"
        " space weather, propagate orbits, predict passes, screen and assess conjunctions, plan"
        " avoidance maneuvers, schedule contacts and check commands. What should I look at?"
    )
