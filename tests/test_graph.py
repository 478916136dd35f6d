"""The planner graph end to end: the demo plan, approvals (interrupt, SQLite resume in a new
agent), the repair loop, tool errors as data, and a screened avoidance maneuver.

Plans are checked against outside references: the command dictionaries directly, the bundled
catalog's element epochs, the SWPC snapshot's radiation level, brute-force antenna overlap,
and an independent re-validation of the canonical JSON.
"""

from __future__ import annotations

import math
import operator
import typing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.messages import AIMessage

from cosmo_agent.agent.graph import AgentState, build_graph
from cosmo_agent.agent.plan import CommandPlan
from cosmo_agent.agent.planners import ScriptedPlanner
from cosmo_agent.agent.runner import Agent, PlanResult
from cosmo_agent.agent.validator import validate_plan
from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.tools.commands import dictionary_for
from cosmo_agent.tools.mission import ApprovalPolicy, Mission, Objective, load_mission

ROOT = Path(__file__).resolve().parents[1]
EPOCH = datetime(2026, 6, 10, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo() -> Mission:
    return load_mission(ROOT / "missions" / "demo.yaml")


@pytest.fixture(scope="module")
def demo_plan(demo: Mission) -> PlanResult:
    with Agent(demo) as agent:
        return agent.plan()


def _plan(result: PlanResult) -> CommandPlan:
    assert result.plan is not None
    return result.plan


# -- the demo plan ---------------------------------------------------------------------------------


def test_demo_plan_is_accepted_and_independently_valid(
    demo_plan: PlanResult, demo: Mission
) -> None:
    assert demo_plan.status == "accepted" and demo_plan.ok and demo_plan.reasons == []
    assert demo_plan.report is not None and demo_plan.report.ok
    plan = CommandPlan.from_json(_plan(demo_plan).canonical_json())  # what an operator gets
    assert validate_plan(plan, demo, now=EPOCH).ok
    assert plan.commands, "the demo schedules downlinks and safe mode"
    for c in plan.commands:  # straight against the dictionaries, not through the validator
        sat = demo.satellite(c.satellite.norad_id)
        assert dictionary_for(demo, sat.sat_class).check(c.command, dict(c.parameters)) == []
        assert c.time >= EPOCH + timedelta(minutes=demo.policies.command_margin_min)


def test_demo_plan_follows_the_playbook(demo_plan: PlanResult) -> None:
    names = [e["name"] for e in demo_plan.trace]
    assert names[:2] == ["fleet_status", "space_weather"]
    assert names[2] == "screen_conjunctions"
    assert set(names[3:5]) == {"find_passes", "schedule_contacts"}
    assert names[-1] == "propose_commands"
    for e in demo_plan.trace:
        assert e["ok"], e
        assert e["duration_s"] >= 0 and e["summary"] and isinstance(e["args"], dict)
    assert len({e["call_id"] for e in demo_plan.trace}) == len(demo_plan.trace)


def test_safe_mode_for_the_radiation_storm(demo_plan: PlanResult, demo: Mission) -> None:
    from cosmo_agent.tools.spaceweather import open_source, space_weather_report

    assert demo.sources.space_weather is not None
    source = open_source(demo.resolve_path(demo.sources.space_weather))
    report = space_weather_report(source, EPOCH)
    assert report.scales["S"].level is not None and report.scales["S"].level >= 3
    plan = _plan(demo_plan)
    expected = {s.norad_id for s in demo.fleet if "radiation" in s.sensitivities}
    safe = {c.satellite.norad_id: c for c in plan.commands if c.command == "SAFE_MODE_ENTER"}
    assert set(safe) == expected
    calls = {e["call_id"]: e["name"] for e in demo_plan.trace}
    for c in safe.values():
        assert any(calls.get(r.call_id) == "space_weather" for r in c.rationale.references)
    for c in plan.commands:  # safe mode turns the transmitters off: no downlink afterwards
        if c.command == "START_DOWNLINK" and c.satellite.norad_id in safe:
            assert c.time < safe[c.satellite.norad_id].time
    assert any("withheld" in n for n in plan.notes)


def test_downlinks_fit_scheduled_contacts(demo_plan: PlanResult, demo: Mission) -> None:
    plan = _plan(demo_plan)
    contacts = {(c.satellite_id, c.station_id, c.antenna_id, c.aos, c.los) for c in plan.contacts}
    rates = {(s.id, a.id): a.downlink_rate_mbps for s in demo.stations for a in s.antennas}
    starts = [c for c in plan.commands if c.command == "START_DOWNLINK"]
    stops = {
        (c.satellite.norad_id, c.uplink): c for c in plan.commands if c.command == "STOP_DOWNLINK"
    }
    assert len(starts) == len(stops) > 20
    for c in starts:
        up = c.uplink
        assert up is not None
        assert (c.satellite.norad_id, up.station_id, up.antenna_id, up.aos, up.los) in contacts
        duration = timedelta(seconds=int(c.parameters["duration_s"]))
        assert up.aos <= c.time and c.time + duration <= up.los
        assert 10 <= c.parameters["duration_s"] <= 900
        assert float(c.parameters["rate_mbps"]) <= rates[(up.station_id, up.antenna_id)]
        stop = stops[(c.satellite.norad_id, up)]
        assert stop.time == c.time + duration
    # brute force: no antenna is booked twice (turnaround included)
    turnaround = {s.id: timedelta(seconds=s.turnaround_s) for s in demo.stations}
    by_antenna: dict[tuple[str, str], list[Any]] = {}
    for k in plan.contacts:
        by_antenna.setdefault((k.station_id, k.antenna_id), []).append(k)
    for (station, _), items in by_antenna.items():
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                gap = turnaround[station]
                assert b.aos >= a.los + gap or a.aos >= b.los + gap


def test_every_rationale_cites_a_traced_tool_call(demo_plan: PlanResult) -> None:
    calls = {e["call_id"]: e["name"] for e in demo_plan.trace}
    want = {
        "START_DOWNLINK": "schedule_contacts",
        "STOP_DOWNLINK": "schedule_contacts",
        "SAFE_MODE_ENTER": "space_weather",
    }
    for c in _plan(demo_plan).commands:
        refs = c.rationale.references
        assert refs and all(calls.get(r.call_id) == r.tool for r in refs)
        assert want[c.command] in {r.tool for r in refs}


def test_data_ages_match_the_bundled_catalog(demo_plan: PlanResult, demo: Mission) -> None:
    catalog = Catalog.from_file(demo.resolve_path("bundled:sample-leo.3le"))
    ages = _plan(demo_plan).data_ages
    assert {e.norad_id for e in ages.elements} == {s.norad_id for s in demo.fleet}
    for e in ages.elements:
        jd = float(catalog.epoch_jd[int(catalog.index_of([e.norad_id])[0])])
        epoch = datetime(2000, 1, 1, 12, tzinfo=UTC) + timedelta(days=jd - 2451545.0)
        assert e.epoch is not None and abs((e.epoch - epoch).total_seconds()) < 1e-3
        assert e.age_days == pytest.approx((EPOCH - epoch).total_seconds() / 86400, abs=1e-3)
    assert ages.space_weather_time is not None and ages.space_weather_age_h is not None
    assert ages.earth_orientation_source


def test_graph_shape_and_reducers() -> None:
    nodes = set(build_graph().get_graph().nodes)
    assert {
        "load_mission",
        "planner",
        "tools",
        "compose",
        "validate",
        "repair",
        "approve",
        "emit",
    } <= nodes
    hints = typing.get_type_hints(AgentState, include_extras=True)
    from langgraph.graph.message import add_messages

    assert hints["messages"].__metadata__[0] is add_messages
    assert hints["trace"].__metadata__[0] is operator.add
    assert hints["repairs"].__metadata__[0] is operator.add


# -- approvals -------------------------------------------------------------------------------------

HAZARDOUS = [
    [{"name": "fleet_status", "args": {}}, {"name": "space_weather", "args": {}}],
    {
        "name": "schedule_contacts",
        "args": {"satellites": "all", "stations": "all", "duration_h": 24},
    },
    {
        "name": "propose_commands",
        "args": {"commands": [{"satellite": "K5", "command": "OBC_RESET"}]},
    },
    "Reset K5's computer in its first contact.",
]


@pytest.fixture(scope="module")
def scripted(demo: Mission) -> Mission:
    """The demo mission asking for exactly what the scripts below do (so a clean run is
    accepted, not incomplete)."""
    kinds = ("fleet_status", "space_weather_watch", "schedule_downlinks", "commands")
    return demo.model_copy(update={"objectives": [Objective(kind=k) for k in kinds]})


def _obc(plan: CommandPlan) -> Any:
    return next(c for c in plan.commands if c.command == "OBC_RESET")


def test_interrupt_then_resume_from_sqlite_in_a_new_agent(
    tmp_path: Path, scripted: Mission
) -> None:
    db = tmp_path / "runs.sqlite"
    with Agent(scripted, planner=ScriptedPlanner(HAZARDOUS), checkpoint=db) as first:
        paused = first.plan(thread_id="night-shift")
    assert paused.status == "awaiting_approval" and paused.pending is not None
    [item] = paused.pending["commands"]
    assert (item["command"], item["satellite"], item["roles"]) == (
        "OBC_RESET",
        "KOMPSAT 5",
        ["flight_director"],
    )
    assert item["hazard"] and paused.plan is not None and not _obc(paused.plan).approvals
    # a new process: new agent, same file and thread id; the planner is not consulted again
    with Agent(scripted, planner="rules", checkpoint=db) as second:
        done = second.resume(
            "night-shift",
            {
                "approve": True,
                "approvals": [{"index": item["index"], "role": "flight_director", "by": "Dr. Kim"}],
            },
        )
    assert done.status == "accepted", done.reasons
    approval = _obc(_plan(done)).approvals
    assert [(a.role, a.by, a.at) for a in approval] == [("flight_director", "Dr. Kim", EPOCH)]
    assert [e["call_id"] for e in done.trace] == [e["call_id"] for e in paused.trace]
    assert done.approval is not None and done.approval["status"] == "approved"


def test_refused_approval_rejects_the_plan(demo: Mission) -> None:
    with Agent(demo, planner=ScriptedPlanner(HAZARDOUS)) as agent:
        paused = agent.plan()
        assert paused.status == "awaiting_approval"
        done = agent.resume(paused.thread_id, False)
    assert done.status == "rejected" and any("rejected" in r for r in done.reasons)


def test_approve_all_and_reject_modes(scripted: Mission) -> None:
    with Agent(scripted, planner=ScriptedPlanner(HAZARDOUS)) as agent:
        approved = agent.plan(approve_all=True)
        refused = agent.plan(approval="reject")
    assert approved.status == "accepted", approved.reasons
    assert [(a.role, a.by) for a in _obc(_plan(approved)).approvals] == [
        ("flight_director", "operator-cli")
    ]
    assert refused.status == "rejected"
    assert any("need an approval" in r for r in refused.reasons)
    assert any(r.startswith("approval.missing") for r in refused.reasons)


def test_one_approver_cannot_hold_two_roles(demo: Mission) -> None:
    policies = demo.policies.model_copy(
        update={"approvals": ApprovalPolicy(hazardous_requires=["flight_director", "safety"])}
    )
    mission = demo.model_copy(update={"policies": policies})
    with Agent(mission, planner=ScriptedPlanner(HAZARDOUS)) as agent:
        result = agent.plan(approve_all=True)
    assert result.status == "rejected"
    assert any(r.startswith("approval.same_person") for r in result.reasons)


# -- repairs and errors ----------------------------------------------------------------------------


def test_repair_drops_what_validation_refuses(scripted: Mission) -> None:
    script = [
        [{"name": "fleet_status", "args": {}}, {"name": "space_weather", "args": {}}],
        {
            "name": "schedule_contacts",
            "args": {"satellites": "all", "stations": "all", "duration_h": 24},
        },
        {
            "name": "propose_commands",
            "args": {"commands": [{"satellite": "K3A", "command": "SAFE_MODE_EXIT"}]},
        },
        "Bring K3A back to nominal.",
    ]
    with Agent(scripted, planner=ScriptedPlanner(script)) as agent:
        result = agent.plan(approve_all=True)
    assert result.status == "accepted", result.reasons
    plan = _plan(result)
    assert "SAFE_MODE_EXIT" not in {c.command for c in plan.commands}
    [repair] = result.repairs
    [dropped] = repair["dropped"]
    assert dropped["command"] == "SAFE_MODE_EXIT" and "policy.radiation_storm" in dropped["rules"]
    assert any("repair round 1: dropped SAFE_MODE_EXIT" in n for n in plan.notes)
    assert result.approval is not None and result.approval["status"] == "not_needed"


def test_tool_errors_come_back_to_the_planner_as_data(demo: Mission) -> None:
    bad_json = AIMessage(
        content="",
        invalid_tool_calls=[
            {"name": "propagate", "args": "{satellites: K3", "id": "c3", "error": "bad"}
        ],
    )
    script = [
        [
            {"name": "fire_thrusters", "args": {"dv": 1}, "id": "c1"},
            {"name": "propagate", "args": {"satellites": "all", "duration_h": 500}, "id": "c2"},
        ],
        bad_json,
        "I could not do that.",
    ]
    with Agent(demo, planner=ScriptedPlanner(script)) as agent:
        result = agent.ask("fly")
    codes = {e["call_id"]: e["error_code"] for e in result.trace}
    assert codes == {"c1": "unknown_tool", "c2": "invalid_arguments", "c3": "invalid_json"}
    tools = [m for m in result.messages if m["role"] == "tool"]
    assert len(tools) == 3 and all('"ok":false' in m["content"] for m in tools)
    assert result.answer == "I could not do that."


def test_the_planner_loop_is_bounded(demo: Mission) -> None:
    forever = ScriptedPlanner([{"name": "space_weather", "args": {}}] * 50)
    with Agent(demo, planner=forever, max_planner_rounds=3) as agent:
        result = agent.ask("loop")
    assert len(result.trace) == 3 and "stopped after 3 rounds" in result.answer


# -- the avoidance path ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def debris_catalog(demo: Mission) -> Catalog:
    """The sample catalog plus a made-up object crossing KOMPSAT 3 150 m below at 18:00 UTC."""
    from sgp4.api import Satrec, jday
    from sgp4.exporter import export_tle

    from cosmo_agent.orbital.elements import ElementRecord
    from cosmo_agent.orbital.maneuver import fit_satrec
    from cosmo_agent.tools.registry import ToolContext, merge_catalogs

    sample = ToolContext.from_mission(demo).catalog
    k3 = sample.satrecs[int(sample.index_of([38338])[0])]
    t = datetime(2026, 6, 10, 18, tzinfo=UTC)
    _, r, v = Satrec.twoline2rv(*export_tle(k3)).sgp4(*jday(2026, 6, 10, 18, 0, 0.0))
    r, v = np.array(r), np.array(v)
    rh = r / np.linalg.norm(r)
    a = math.radians(60.0)
    v2 = v * math.cos(a) + np.cross(rh, v) * math.sin(a) + rh * (rh @ v) * (1 - math.cos(a))
    fit = fit_satrec(r - 0.150 * rh, v2, t, k3)
    assert fit.status == 0
    debris = Catalog.from_records(
        [ElementRecord(99001, "TEST DEBRIS", "", t, fit.satrec, "test", 0)], source="test"
    )
    return merge_catalogs([sample, debris])


@pytest.mark.slow
def test_screened_avoidance_maneuver_with_two_approvers(
    tmp_path: Path, demo: Mission, debris_catalog: Catalog
) -> None:
    db = tmp_path / "avoid.sqlite"
    with Agent(demo, catalog=debris_catalog, checkpoint=db) as agent:
        paused = agent.plan()
    assert paused.status == "awaiting_approval" and paused.pending is not None
    [item] = [c for c in paused.pending["commands"] if c["command"] == "ORBIT_MANEUVER"]
    assert item["roles"] == ["flight_director", "fdo"] and item["satellite"] == "KOMPSAT 3"
    people = {"flight_director": "Kim", "fdo": "Lee"}
    decision = {
        "approve": True,
        "approvals": [
            {"index": c["index"], "role": r, "by": people[r]}
            for c in paused.pending["commands"]
            for r in c["roles"]
        ],
    }
    with Agent(demo, catalog=debris_catalog, checkpoint=db) as again:
        done = again.resume(paused.thread_id, decision)
    assert done.status == "accepted", done.reasons
    plan = _plan(done)
    [burn] = [c for c in plan.commands if c.command == "ORBIT_MANEUVER"]
    screening = plan.screening(str(burn.post_maneuver_screening))
    assert screening is not None and screening.new_conjunctions == 0
    assert screening.min_miss_km is not None and screening.min_miss_km >= demo.policies.min_miss_km
    burn_epoch = datetime.fromisoformat(str(burn.parameters["burn_epoch"]).replace("Z", "+00:00"))
    assert screening.burn_epoch == burn_epoch
    assert screening.dv_rtn_m_s == (
        burn.parameters["dv_radial_m_s"],
        burn.parameters["dv_along_m_s"],
        burn.parameters["dv_cross_m_s"],
    )
    assert burn.uplink is not None and burn.uplink.aos <= burn.time <= min(
        burn.uplink.los, burn_epoch
    )
    lead = EPOCH + timedelta(hours=demo.policies.avoidance_lead_h)
    assert lead <= burn_epoch < datetime(2026, 6, 10, 18, tzinfo=UTC)
    calls = {e["call_id"]: e["name"] for e in done.trace}
    assert {"plan_avoidance", "assess_conjunction", "screen_conjunctions"} <= {
        calls[r.call_id] for r in burn.rationale.references
    }
    assert sorted(a.by for a in burn.approvals) == ["Kim", "Lee"]
    assert validate_plan(CommandPlan.from_json(plan.canonical_json()), demo, now=EPOCH).ok
