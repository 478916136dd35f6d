"""Fail closed: a plan that does not cover every objective and safety policy is never accepted.

The cases are the ones a new user met (issue 17): a fleet satellite missing from the catalog,
empty space-weather files, elements months old, a planner that calls nothing, a safe-mode
command removed or a downlink moved after it. Each is checked against what the plan must then
say (status ``incomplete``, exit 1, a gap naming the satellite and objective), and the other
satellites must still be planned.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from cosmo_agent.agent.cli import main
from cosmo_agent.agent.coverage import objective_gaps, safety_gaps, with_safety_gaps
from cosmo_agent.agent.planners import ScriptedPlanner
from cosmo_agent.agent.runner import Agent, PlanResult
from cosmo_agent.agent.trace import ToolRecord
from cosmo_agent.agent.validator import validate_plan
from cosmo_agent.tools.mission import Mission, load_mission

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "missions" / "demo.yaml"


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = DEMO.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "mission.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def demo() -> Mission:
    return load_mission(DEMO)


@pytest.fixture(scope="module")
def demo_plan(demo: Mission) -> PlanResult:
    with Agent(demo, planner="rules") as agent:
        return agent.plan(approve_all=True)


def _gaps(result: PlanResult) -> list[tuple[str, int | None]]:
    assert result.plan is not None
    return [(g.objective, g.satellite and g.satellite.norad_id) for g in result.plan.gaps]


def test_the_demo_plan_is_complete(demo_plan: PlanResult) -> None:
    assert demo_plan.status == "accepted" and demo_plan.plan is not None
    assert demo_plan.plan.gaps == []


def test_a_satellite_missing_from_the_catalog_leaves_the_others_planned(tmp_path: Path) -> None:
    path = _variant(tmp_path, "norad_id: 33591", "norad_id: 99999")
    with Agent(load_mission(path), planner="rules") as agent:
        result = agent.plan(approve_all=True)
    assert result.status == "incomplete" and not result.ok
    assert sorted(_gaps(result)) == [
        ("find_passes", 99999),
        ("schedule_downlinks", 99999),
        ("screen_conjunctions", 99999),
        ("space_weather_watch", 99999),
    ]
    assert all("no element set" in g.reason for g in result.plan.gaps)  # type: ignore[union-attr]
    # one missing satellite no longer empties the plan: the six others are planned
    assert result.plan is not None
    sats = set(result.plan.satellites())
    assert 99999 not in sats and len(sats) == 6
    assert {"SAFE_MODE_ENTER", "START_DOWNLINK"} <= {c.command for c in result.plan.commands}
    # the reasons name the satellite and objective; the validator agrees independently
    assert all(r.startswith("coverage.incomplete") for r in result.reasons)
    assert any("NOAA 19 (99999)" in r and "screen_conjunctions" in r for r in result.reasons)
    report = validate_plan(result.plan, load_mission(path), now=result.plan.created_at)
    assert report.rule_ids("error") == {"coverage.incomplete"}


def test_the_cli_exits_1_on_an_incomplete_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _variant(tmp_path, "norad_id: 33591", "norad_id: 99999")
    assert main(["plan", str(path), "--approve-all"]) == 1
    out = capsys.readouterr().out
    assert "status: incomplete" in out and "Plan incomplete:" in out
    assert "find_passes for NOAA 19 (99999)" in out


@pytest.fixture
def empty_space_weather(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "sw"
    folder.mkdir()
    sample = files("cosmo_agent.tools") / "data" / "swpc-2026-06-10"
    for item in sample.iterdir():
        (folder / item.name).write_text("", encoding="utf-8")  # every product empty
    yield folder


def test_empty_space_weather_is_not_quiet(tmp_path: Path, empty_space_weather: Path) -> None:
    old = 'space_weather: "bundled:swpc-2026-06-10"'
    path = _variant(tmp_path, old, f"space_weather: {empty_space_weather}")
    with Agent(load_mission(path), planner="rules") as agent:
        result = agent.plan(approve_all=True)
    assert result.status == "incomplete"
    assert ("space_weather_watch", None) in _gaps(result)
    [gap] = [g for g in result.plan.gaps if g.objective == "space_weather_watch"]  # type: ignore[union-attr]
    assert "G, S, R unknown" in gap.reason and "not valid JSON" in gap.reason


def test_elements_months_old_are_not_planned_on(demo: Mission) -> None:
    late = demo.horizon.start() + timedelta(days=178)
    with Agent(demo, planner="rules", now=late) as agent:
        result = agent.plan(approve_all=True)
    assert result.status == "incomplete" and result.plan is not None
    assert result.plan.commands == []
    by_objective = {g.objective: g.reason for g in result.plan.gaps}
    for kind in ("screen_conjunctions", "find_passes", "schedule_downlinks"):
        assert "failed (stale_data)" in by_objective[kind]
        assert "KOMPSAT 3 (38338) 178.9 days" in by_objective[kind]
    assert "unknown" in by_objective["space_weather_watch"]  # the feeds are as old


def test_a_planner_that_calls_nothing_gets_an_incomplete_plan(demo: Mission) -> None:
    with Agent(demo, planner=ScriptedPlanner(["All good, nothing to do."])) as agent:
        result = agent.plan(approve_all=True)
    assert result.status == "incomplete"
    assert [objective for objective, _ in _gaps(result)] == [o.kind for o in demo.objectives]
    assert all(g.reason.endswith("did not run") for g in result.plan.gaps)  # type: ignore[union-attr]


def test_objective_gaps_follow_the_objectives(demo: Mission) -> None:
    kinds = [g.objective for g in objective_gaps(demo, [])]
    assert kinds == [o.kind for o in demo.objectives]
    assert objective_gaps(demo.model_copy(update={"objectives": [], "requests": []}), []) == []
    # without objectives, the free-text request still asks for its downlinks
    [gap] = objective_gaps(demo.model_copy(update={"objectives": []}), [])
    assert gap.objective == "request:1" and gap.satellite is None
    assert gap.reason == (
        '"Schedule downlinks for every satellite today and keep the f…" asks for'
        " schedule_contacts; schedule_contacts did not run"
    )


def test_safe_mode_removed_is_a_safety_gap(demo_plan: PlanResult, demo: Mission) -> None:
    plan = demo_plan.plan
    assert plan is not None and safety_gaps(plan, demo) == []
    safe = [c for c in plan.commands if c.command == "SAFE_MODE_ENTER"]
    assert {c.satellite.norad_id for c in safe} == {38338, 40536, 33591}  # the S3 storm
    dropped = plan.with_commands(c for c in plan.commands if c is not safe[0])
    [gap] = safety_gaps(dropped, demo)
    assert gap.objective == "safety" and gap.satellite == safe[0].satellite
    assert "no SAFE_MODE_ENTER" in gap.reason
    report = validate_plan(with_safety_gaps(dropped, demo), demo, now=plan.created_at)
    assert "coverage.incomplete" in report.rule_ids("error")


def test_a_downlink_after_safe_mode_is_a_safety_gap(demo_plan: PlanResult, demo: Mission) -> None:
    plan = demo_plan.plan
    assert plan is not None
    safe = next(c for c in plan.commands if c.command == "SAFE_MODE_ENTER")
    start = next(
        c for c in plan.commands
        if c.command == "START_DOWNLINK" and c.satellite != safe.satellite
    )  # fmt: skip
    moved = start.model_copy(
        update={"satellite": safe.satellite, "time": safe.time + timedelta(minutes=30)}
    )
    [gap] = safety_gaps(plan.with_commands([*plan.commands, moved]), demo)
    assert gap.satellite == safe.satellite and "after the satellite's SAFE_MODE_ENTER" in gap.reason
    # before safe mode is fine (brute force over both sides of the safe-mode time)
    for minutes, expected in ((-30, 0), (-1, 0), (1, 1), (30, 1)):
        shifted = moved.model_copy(update={"time": safe.time + timedelta(minutes=minutes)})
        assert len(safety_gaps(plan.with_commands([*plan.commands, shifted]), demo)) == expected


# -- free-text requests are objectives too ---------------------------------------------------


def _requests_only(tmp_path: Path, *requests: str) -> Path:
    """The demo mission with no structured objectives, only these free-text requests."""
    text = DEMO.read_text(encoding="utf-8")
    head = text[: text.index("objectives:")]
    path = tmp_path / "requests.yaml"
    lines = "".join(f"  - {r}\n" for r in requests)
    path.write_text(f"{head}objectives: []\nrequests:\n{lines}", encoding="utf-8")
    return path


SCREEN_K5 = "screen conjunctions for KOMPSAT 5 over the next 2 days"


def test_a_request_nobody_acted_on_is_a_gap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mission = load_mission(_requests_only(tmp_path, SCREEN_K5))
    assert mission.objectives == []
    with Agent(mission, planner=ScriptedPlanner(["All good, nothing to do."])) as agent:
        idle = agent.plan(approve_all=True)
    assert idle.status == "incomplete" and idle.plan is not None
    [gap] = idle.plan.gaps
    assert (gap.objective, gap.satellite) == ("request:1", None)
    assert (
        gap.reason == f'"{SCREEN_K5}" asks for screen_conjunctions; screen_conjunctions did not run'
    )
    # the CLI says so and exits 1 (its planner swapped for the idle one)
    monkeypatch.setattr(
        "cosmo_agent.agent.runner.make_planner",
        lambda *_a, **_k: ScriptedPlanner(["All good, nothing to do."]),
    )
    assert main(["plan", str(_requests_only(tmp_path, SCREEN_K5)), "--approve-all"]) == 1
    out = capsys.readouterr().out
    assert "status: incomplete" in out and "request:1 for fleet" in out


def test_the_rules_planner_covers_the_request(tmp_path: Path) -> None:
    mission = load_mission(_requests_only(tmp_path, SCREEN_K5))
    with Agent(mission, planner="rules") as agent:
        result = agent.plan(approve_all=True)
    assert result.status == "accepted", result.reasons
    assert result.plan is not None and result.plan.gaps == []
    screened = [e for e in result.trace if e["name"] == "screen_conjunctions"]
    assert [e["args"]["satellites"] for e in screened] == [["KOMPSAT 5"]]


def test_a_request_for_other_satellites_leaves_the_named_one_a_gap(tmp_path: Path) -> None:
    mission = load_mission(_requests_only(tmp_path, SCREEN_K5))
    script = [{"name": "screen_conjunctions", "args": {"satellites": ["K3"], "duration_h": 48}}]
    with Agent(mission, planner=ScriptedPlanner([script, "done"])) as agent:
        result = agent.plan(approve_all=True)
    assert result.status == "incomplete"
    assert _gaps(result) == [("request:1", 39227)]
    assert result.plan is not None
    assert result.plan.gaps[0].reason.endswith("screen_conjunctions did not include it")


def test_requested_commands_must_be_checked_and_accepted(tmp_path: Path) -> None:
    ask = "Queue a NOOP command for K3 in 2 hours"
    mission = load_mission(_requests_only(tmp_path, ask))
    other = {"commands": [{"satellite": "K5", "command": "NOOP"}]}
    script = [{"name": "propose_commands", "args": other}, "done"]
    with Agent(mission, planner=ScriptedPlanner(script)) as agent:
        result = agent.plan(approve_all=True)
    assert result.status == "incomplete" and result.plan is not None
    [gap] = [g for g in result.plan.gaps if g.objective == "request:1"]
    assert gap.satellite is not None and gap.satellite.norad_id == 38338
    assert gap.reason == (
        f'"{ask}" asks for NOOP (propose_commands); propose_commands was not asked for NOOP'
        " for KOMPSAT 3"
    )
    with Agent(mission, planner="rules") as agent:
        done = agent.plan(approve_all=True)
    assert done.status == "accepted", done.reasons
    assert done.plan is not None
    assert any(c.command == "NOOP" and c.satellite.norad_id == 38338 for c in done.plan.commands)


def test_a_request_that_names_no_tool_is_no_gap(demo: Mission) -> None:
    chat = demo.model_copy(
        update={"objectives": [], "requests": ["hello, who are you?", "What is a TLE?"]}
    )
    assert objective_gaps(chat, []) == []


def _record(name: str, args: dict[str, Any], result: dict[str, Any]) -> ToolRecord:
    return ToolRecord(call_id=f"c-{name}", name=name, args=args, ok=True, result=result)


def test_each_requested_event_and_command_is_its_own_gap(demo: Mission) -> None:
    asks = ["Assess CONJ-0007 and CONJ-0012 please", "Send NOOP and TIME_SYNC to K3 and K5"]
    mission = demo.model_copy(update={"objectives": [], "requests": asks})
    gaps = objective_gaps(mission, [])
    assert [(g.objective, g.satellite and g.satellite.norad_id) for g in gaps] == [
        ("request:1", None),
        ("request:1", None),
        ("request:2", 38338),
        ("request:2", 38338),
        ("request:2", 39227),
        ("request:2", 39227),
    ]
    assert "assess_conjunction of CONJ-0012; assess_conjunction did not run" in gaps[1].reason
    assert "asks for TIME_SYNC (propose_commands); propose_commands did not run" in gaps[3].reason
    k3 = {"norad_id": 38338, "name": "KOMPSAT 3"}
    records = [
        _record("assess_conjunction", {"event_id": "conj-7"}, {"event_id": "CONJ-0007"}),
        _record(
            "propose_commands",
            {"commands": []},
            {
                "items": [
                    {"satellite": k3, "command": "NOOP", "accepted": True, "issues": []},
                    {
                        "satellite": k3,
                        "command": "TIME_SYNC",
                        "accepted": False,
                        "issues": [{"code": "missing_parameter", "message": "needs gps_week"}],
                    },
                ]
            },
        ),
    ]
    left = objective_gaps(mission, records)
    assert [(g.objective, g.satellite and g.satellite.norad_id) for g in left] == [
        ("request:1", None),
        ("request:2", 38338),
        ("request:2", 39227),
        ("request:2", 39227),
    ]
    assert "CONJ-0012" in left[0].reason
    assert left[1].reason.endswith(
        "asks for TIME_SYNC (propose_commands); propose_commands refused it (needs gps_week)"
    )
    assert left[2].reason.endswith("propose_commands was not asked for NOOP for KOMPSAT 5")


def test_a_request_naming_a_satellite_the_mission_lacks_is_a_gap_not_the_whole_fleet() -> None:
    """The rules reading passes an unknown designator on as written (never "all"), so the
    tool refuses it and the plan says which request named what."""
    from cosmo_agent.agent.runner import Agent
    from cosmo_agent.tools.mission import load_mission

    mission = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    mission = mission.model_copy(
        update={"objectives": [], "requests": ["Screen KOMPSAT 9 for conjunctions over 2 days"]}
    )
    result = Agent.from_mission(mission).plan(approve_all=True)
    assert result.status == "incomplete"
    reasons = [g.reason for g in result.plan.gaps if g.objective == "request:1"]
    assert any("'KOMPSAT 9' is not a satellite of this mission" in r for r in reasons), reasons
    screens = [e for e in result.trace if e["name"] == "screen_conjunctions"]
    assert screens and all(e["raw_args"]["satellites"] == ["KOMPSAT 9"] for e in screens)
    assert all(not e["ok"] and e["error_code"] == "unknown_satellite" for e in screens)


# -- a command the mission asked for never disappears in repair ------------------------------

EXIT_K3 = "Send SAFE_MODE_EXIT to K3 in 2 hours"


def _asking(demo: Mission, **update: Any) -> Mission:
    """The demo mission (its bundled space weather has an S3 radiation storm at the clock)
    with these fields replaced."""
    return demo.model_copy(update=update)


def _exit_k3_item(mission: Mission) -> dict[str, Any]:
    """The propose_commands item the rules reading makes of EXIT_K3."""
    from cosmo_agent.agent.intents import parse_request
    from cosmo_agent.agent.rules import vocabulary_for

    [call] = parse_request(EXIT_K3, vocabulary_for(mission))
    [item] = call.arguments["commands"]
    assert item["command"] == "SAFE_MODE_EXIT"
    return dict(item)


def _dropped_exit_note(result: PlanResult) -> None:
    assert result.plan is not None
    assert not any(c.command == "SAFE_MODE_EXIT" for c in result.plan.commands)
    [dropped] = [d for r in result.repairs for d in r["dropped"]]
    assert (dropped["command"], dropped["satellite"]) == ("SAFE_MODE_EXIT", "KOMPSAT 3")
    assert dropped["rules"] == ["policy.radiation_storm"]
    assert any(
        n.startswith("repair round 1: dropped SAFE_MODE_EXIT for KOMPSAT 3")
        and n.endswith("(policy.radiation_storm)")
        for n in result.plan.notes
    )


@pytest.fixture(scope="module")
def exit_requested(demo: Mission) -> PlanResult:
    mission = _asking(demo, requests=[EXIT_K3])
    return Agent.from_mission(mission, planner="rules").plan(approve_all=True)


def test_a_requested_command_dropped_in_repair_is_a_gap(exit_requested: PlanResult) -> None:
    """The request's SAFE_MODE_EXIT passes the dictionary check, then the S3 storm makes the
    validator refuse it and the repair step drops it: the plan says so as the request's gap
    (incomplete), where it used to end accepted with only a note."""
    result = exit_requested
    assert result.plan is not None and result.plan.space_weather is not None
    assert (result.plan.space_weather.s_level or 0) >= 3  # the storm the rule is about
    _dropped_exit_note(result)
    assert result.status == "incomplete" and not result.ok
    [gap] = result.plan.gaps
    assert gap.objective == "request:1"
    assert gap.satellite is not None and gap.satellite.norad_id == 38338
    assert gap.reason.startswith(
        f'"{EXIT_K3}" asks for SAFE_MODE_EXIT (propose_commands); the repair step dropped it at'
    )
    assert " for policy.radiation_storm (SAFE_MODE_EXIT for KOMPSAT 3: an S3" in gap.reason
    assert result.reasons == [f"coverage.incomplete: {gap.describe()}; fix the cause and re-plan"]
    # everything else is still planned: safe mode for the storm, the downlinks
    commands = {c.command for c in result.plan.commands}
    assert {"SAFE_MODE_ENTER", "START_DOWNLINK", "STOP_DOWNLINK"} <= commands


def test_a_commands_objective_dropped_in_repair_is_a_gap(demo: Mission) -> None:
    from cosmo_agent.tools.mission import Objective

    ask = Objective(kind="commands", satellites=["K3"], parameters={"command": "SAFE_MODE_EXIT"})
    mission = _asking(demo, objectives=[*demo.objectives, ask])
    result = Agent.from_mission(mission, planner="rules").plan(approve_all=True)
    _dropped_exit_note(result)
    assert result.status == "incomplete" and result.plan is not None
    [gap] = result.plan.gaps
    assert (gap.objective, gap.satellite and gap.satellite.norad_id) == ("commands", 38338)
    assert gap.reason.startswith("the commands objective asks for SAFE_MODE_EXIT")
    assert "policy.radiation_storm" in gap.reason


def test_the_planners_own_command_may_go_with_a_note(demo: Mission, demo_plan: PlanResult) -> None:
    """The same SAFE_MODE_EXIT, proposed by the planner when the mission never asked for it:
    the repair step drops it with a note and the plan stays accepted."""
    calls = [{"name": e["name"], "args": e["raw_args"]} for e in demo_plan.trace]
    propose = next(c for c in calls if c["name"] == "propose_commands")
    extra = [*propose["args"]["commands"], _exit_k3_item(demo)]
    script = [
        [c for c in calls if c["name"] != "propose_commands"],
        {"name": "propose_commands", "args": {"commands": extra}},
        "done",
    ]
    with Agent(demo, planner=ScriptedPlanner(script)) as agent:
        result = agent.plan(approve_all=True)
    _dropped_exit_note(result)
    assert result.status == "accepted", result.reasons
    assert result.plan is not None and result.plan.gaps == []


def test_the_cli_exits_1_when_a_requested_command_is_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = "  - Schedule downlinks for every satellite today and keep the fleet safe.\n"
    path = _variant(tmp_path, old, f"{old}  - {EXIT_K3}\n")
    assert main(["plan", str(path), "--approve-all"]) == 1
    out = capsys.readouterr().out
    assert "status: incomplete" in out and "1 command(s) dropped by repairs" in out
    assert "coverage.incomplete: request:2 for KOMPSAT 3 (38338)" in out
    assert "policy.radiation_storm" in out


def test_dropped_request_gaps_needs_the_command_gone(demo: Mission) -> None:
    """A requested command still in the repaired plan (another instance kept) is no gap; the
    planner's own commands never are; one gap per satellite and command."""
    from cosmo_agent.agent.coverage import dropped_request_gaps, requested_commands
    from cosmo_agent.agent.plan import CommandPlan, PlannedCommand, Rationale, SatelliteRef

    mission = _asking(demo, requests=[EXIT_K3, "Send SAFE_MODE_EXIT and NOOP to K3"])
    asked = [(o, s.norad_id, c) for o, s, c, _ in requested_commands(mission)]
    assert asked == [
        ("request:1", 38338, "SAFE_MODE_EXIT"),
        ("request:2", 38338, "SAFE_MODE_EXIT"),
        ("request:2", 38338, "NOOP"),
    ]
    now = mission.horizon.start()
    k3 = SatelliteRef.of(mission.satellite("K3"))

    def cmd(name: str, sat: SatelliteRef = k3) -> PlannedCommand:
        return PlannedCommand(time=now, satellite=sat, command=name, rationale=Rationale(text="x"))

    def plan(*commands: PlannedCommand) -> CommandPlan:
        return CommandPlan(
            mission=mission.name,
            created_at=now,
            horizon_start=now,
            horizon_end=now,
            commands=list(commands),
        )

    k5 = SatelliteRef.of(mission.satellite("K5"))
    gone = [(cmd("SAFE_MODE_EXIT"), "r1"), (cmd("SAFE_MODE_EXIT"), "r2"), (cmd("NOOP", k5), "r3")]
    gaps = dropped_request_gaps(mission, plan(), gone)
    assert [(g.objective, g.satellite and g.satellite.norad_id) for g in gaps] == [
        ("request:1", 38338)
    ]
    assert gaps[0].reason.endswith(" for r1")
    assert dropped_request_gaps(mission, plan(cmd("SAFE_MODE_EXIT")), gone) == []
    assert dropped_request_gaps(mission, plan(), []) == []
