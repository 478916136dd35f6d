"""The agent's command line: plan, ask, validate, passes, schedule, mission- and plan-schema.

One real subprocess checks the installed entry point end to end; the rest call ``main`` in
process (same argument parsing and exit codes, without a cold interpreter each time).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from cosmo_agent.agent.cli import main
from cosmo_agent.tools.mission import load_mission

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "missions" / "demo.yaml"
DEMO_KO = ROOT / "missions" / "demo-ko.yaml"


def _main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def hazardous_mission(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo fleet with one objective: reset KOMPSAT 5's computer (a hazardous command)."""
    data = load_mission(DEMO).model_dump(mode="json", by_alias=True, exclude={"base_dir"})
    data["objectives"] = [
        {"kind": "fleet_status"},
        {"kind": "commands", "satellites": ["K5"], "parameters": {"command": "OBC_RESET"}},
    ]
    data["requests"] = []
    path = tmp_path_factory.mktemp("missions") / "reset.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_plan_subprocess_writes_a_plan_that_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.json"
    run = subprocess.run(
        [sys.executable, "-m", "cosmo_agent.agent.cli", "plan", str(DEMO), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert f"wrote {out}" in run.stdout and "status: accepted" in run.stdout
    assert "Traceback" not in run.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["validation"]["ok"] and data["mission"] == "demo-eo-fleet"
    code, text, _ = _main(capsys, "validate", out, "--mission", DEMO, "--now", data["created_at"])
    assert code == 0 and text.startswith("PASSED")
    code, text, _ = _main(capsys, "validate", out, "--mission", DEMO)  # now: the wall clock
    assert code == 1 and "time.margin" in text  # the June 2026 commands are in the past
    code, text, _ = _main(
        capsys, "validate", out, "--mission", DEMO, "--now", "2026-06-11T23:00:00Z", "--json"
    )
    report = json.loads(text)
    assert code == 1 and not report["ok"]  # a day later the commands are in the past
    assert "time.margin" in {v["rule"] for v in report["violations"]}


def test_plan_exports_one_sequence_per_satellite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text, err = _main(
        capsys, "plan", DEMO, "-o", tmp_path / "demo.seq", "--format", "seq", "--json"
    )
    assert code == 0 and err == ""  # --json: no progress output
    result = json.loads(text)
    sats = {c["satellite"]["norad_id"] for c in result["plan"]["commands"]}
    assert sorted(result["written"]) == sorted(str(tmp_path / f"demo.{n}.seq") for n in sats)
    seq = (tmp_path / "demo.38338.seq").read_text(encoding="utf-8")
    assert seq.startswith("; Cosmo Agent command plan") and "validated" in seq
    assert "A2026-161T" in seq and "SAFE_MODE_ENTER" in seq
    assert {e["name"] for e in result["trace"]} >= {"fleet_status", "schedule_contacts"}


def test_hazardous_commands_need_an_approval(
    hazardous_mission: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unused = tmp_path / "unused.json"
    code, text, _ = _main(capsys, "plan", hazardous_mission, "-o", unused)
    assert code == 1 and "Plan rejected" in text and "need an approval" in text
    assert "nothing written" in text and not unused.exists()
    code, text, _ = _main(capsys, "plan", hazardous_mission, "--approve-all", "--json")
    assert code == 0
    [reset] = [c for c in json.loads(text)["plan"]["commands"] if c["command"] == "OBC_RESET"]
    assert [(a["role"], a["by"]) for a in reset["approvals"]] == [
        ("flight_director", "operator-cli")
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\nDr. Kim\n"))
    code, text, err = _main(capsys, "plan", hazardous_mission, "--interactive", "--json")
    assert code == 0 and "Approval needed for 1 hazardous command" in err and "OBC_RESET" in err
    [reset] = [c for c in json.loads(text)["plan"]["commands"] if c["command"] == "OBC_RESET"]
    assert [(a["role"], a["by"]) for a in reset["approvals"]] == [("flight_director", "Dr. Kim")]
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    code, text, _ = _main(capsys, "plan", hazardous_mission, "--interactive")
    assert code == 1 and "rejected" in text


def test_an_ask_answer_with_a_failed_call_exits_1_naming_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A request about a satellite the mission lacks is answered (the tool's refusal, with
    its suggestions) but not fulfilled: exit 1 and one line on stderr naming the call."""
    code, text, err = _main(capsys, "ask", "When does SENTINEL-9 pass over Daejeon?",
                            "--mission", DEMO, "--json")  # fmt: skip
    assert code == 1
    assert "1 of 1 tool calls failed: find_passes (unknown_satellite)" in err
    assert "unknown satellite 'SENTINEL-9'" in json.loads(text)["answer"]
    code, _, err = _main(capsys, "ask", "K3 passes over Daejeon", "--mission", DEMO, "--json")
    assert code == 0 and "failed" not in err


def test_ask_shows_tool_calls_and_writes_the_trace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = tmp_path / "trace.json"
    code, text, _ = _main(
        capsys, "ask", "K3 대전 패스 알려줘, 12시간", "--mission", DEMO_KO, "--trace-json", trace
    )
    assert code == 0
    assert '→ find_passes({"satellites": ["K3"], "stations": ["대전"], "duration_h": 12.0})' in text
    assert "확인 결과입니다" in text
    data: dict[str, Any] = json.loads(trace.read_text(encoding="utf-8"))
    assert list(data) == ["request", "tool_calls", "answer"]
    assert data["request"] == "K3 대전 패스 알려줘, 12시간"
    assert data["tool_calls"] == [
        {
            "name": "find_passes",
            # as the tool executed it: canonical names, defaults filled in
            "args": {
                "satellites": ["KOMPSAT 3"],
                "stations": ["DAEJEON"],
                "duration_h": 12.0,
                "min_elevation_deg": None,
            },
            # as the planner wrote it
            "raw_args": {"satellites": ["K3"], "stations": ["대전"], "duration_h": 12.0},
        }
    ]
    assert data["answer"].startswith("확인 결과입니다")


def test_bad_input_exits_2_naming_the_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "name: x\nfleet:\n  - {norad_id: 38338, name: K3, class: eo-imager,"
        " priority: 99}\nsources: {catalog: [a.tle]}\n",
        encoding="utf-8",
    )
    code, _, err = _main(capsys, "plan", broken)
    assert code == 2 and "broken.yaml" in err and "line 3" in err and "fleet[0].priority" in err
    code, _, err = _main(capsys, "plan", tmp_path / "missing.yaml")
    assert code == 2 and "missing.yaml" in err and "cannot read" in err
    not_json = tmp_path / "plan.json"
    not_json.write_text("{nope", encoding="utf-8")
    code, _, err = _main(capsys, "validate", not_json, "--mission", DEMO)
    assert code == 2 and "plan.json: not JSON (line 1" in err
    not_json.write_text('{"mission": "demo-eo-fleet", "commands": [{"command": 5}]}', "utf-8")
    code, _, err = _main(capsys, "validate", not_json, "--mission", DEMO)
    assert code == 2 and "not a command plan" in err and "created_at: Field required" in err
    code, _, err = _main(capsys, "validate", tmp_path / "nothing.json", "--mission", DEMO)
    assert code == 2 and "nothing.json: cannot read the plan" in err
    code, _, err = _main(capsys, "plan", DEMO, "--now", "2026-06-10T12:00:00")
    assert code == 2 and "no timezone" in err
    code, _, err = _main(capsys, "plan", DEMO, "--planner", "openai", "--json")
    assert code == 2 and "--openai-base-url" in err and "Traceback" not in err


def test_schedule_in_the_documented_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``cosmo-agent schedule --mission FILE [--duration-h H] [--objective ...] --json``."""
    data = load_mission(DEMO).model_dump(mode="json", by_alias=True, exclude={"base_dir"})
    [k5] = [s for s in data["fleet"] if s["norad_id"] == 39227]
    k5["contacts_per_day"] = 48  # 12 in 6 h: more than KOMPSAT 5 has passes
    mission = tmp_path / "busy.yaml"
    mission.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, text, err = _main(
        capsys, "schedule", "--mission", mission, "--duration-h", "6",
        "--objective", "max_priority", "--json",
    )  # fmt: skip
    assert code == 0 and err == ""
    result = json.loads(text)["result"]
    assert result["objective"] == "max_priority"
    assert (result["start_utc"], result["stop_utc"]) == ("2026-06-10T12:00:00Z",
                                                         "2026-06-10T18:00:00Z")  # fmt: skip
    assert result["contacts"]
    for c in result["contacts"]:
        assert {"satellite", "station_id", "antenna", "aos_utc", "los_utc",
                "max_elevation_deg", "volume_mbit"} <= set(c)  # fmt: skip
        assert c["satellite"]["norad_id"] and c["satellite"]["name"]
        assert c["aos_utc"] < c["los_utc"] and c["volume_mbit"] > 0
        assert 0 < c["max_elevation_deg"] <= 90
    [short] = [u for u in result["unmet"] if u["satellite"]["norad_id"] == 39227]
    assert short["required_contacts"] == 12 and short["scheduled_contacts"] < 12
    assert short["reason"] == "too few usable passes" and "usable passes" in short["detail"]
    assert result["solver"] == "cpsat" and result["solver_status"] in ("OPTIMAL", "FEASIBLE")
    assert result["best_bound"] >= result["objective_value"] > 0
    assert result["optimality_gap"] is not None
    code, text, _ = _main(capsys, "schedule", "--mission", mission, "--duration-h", "6")
    assert code == 0 and "solver: cpsat" in text and ", bound " in text
    assert "short: KOMPSAT 5" in text and "too few usable passes" in text
    code, text, _ = _main(capsys, "schedule", "--mission", mission, "--json")
    default = json.loads(text)["result"]  # the mission horizon, max_volume
    assert code == 0 and default["objective"] == "max_volume"
    assert default["stop_utc"] == "2026-06-11T12:00:00Z"
    code, text, _ = _main(
        capsys, "passes", "--mission", DEMO, "--satellites", "K3", "--duration-h", "6", "--json"
    )
    passes = json.loads(text)["result"]["passes"]
    assert code == 0 and passes and {p["satellite"]["norad_id"] for p in passes} == {38338}
    assert max(p["aos_utc"] for p in passes) < "2026-06-10T18:00:00Z"
    for command in ("schedule", "passes"):
        code, out, err = _main(capsys, command, "--mission", tmp_path / "absent.yaml", "--json")
        assert code == 2 and out == "" and "absent.yaml" in err and "cannot read" in err
        assert "Traceback" not in err
        code, _, err = _main(capsys, command, "--json")
        assert code == 2 and "give --mission FILE" in err


def test_passes_schedule_and_schema(capsys: pytest.CaptureFixture[str]) -> None:
    # the first spellings (positional mission file, --hours) still work, unlisted in --help
    code, text, _ = _main(
        capsys, "passes", DEMO, "--satellites", "K3", "--stations", "대전", "--json"
    )
    passes = json.loads(text)["result"]["passes"]
    assert code == 0 and passes and {p["station_id"] for p in passes} == {"DAEJEON"}
    code, text, _ = _main(capsys, "schedule", DEMO, "--hours", "6", "--json")
    schedule = json.loads(text)["result"]
    assert code == 0 and schedule["contacts"] and schedule["stop_utc"] == "2026-06-10T18:00:00Z"
    code, text, _ = _main(capsys, "mission-schema")
    schema = json.loads(text)
    assert code == 0 and {"fleet", "stations", "objectives"} <= set(schema["properties"])
    code, _, err = _main(capsys, "passes", DEMO, "--satellites", "Hubble")
    assert code == 2 and "unknown satellite 'Hubble'" in err


def _demo_with(tmp_path: Path, **sources: Any) -> Path:
    """A copy of missions/demo.yaml in ``tmp_path`` with some ``sources`` replaced."""
    data = load_mission(DEMO).model_dump(mode="json", by_alias=True, exclude={"base_dir"})
    data["sources"].update(sources)
    path = tmp_path / "mission.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_catalog_that_cannot_be_read_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mission = _demo_with(tmp_path, catalog=["elements/missing.3le"])
    missing = tmp_path / "elements" / "missing.3le"
    for args in (
        ("plan", mission, "--json"),
        ("plan", mission, "-o", tmp_path / "plan.json"),
        ("ask", "fleet status", "--mission", mission, "--json"),
        ("passes", "--mission", mission, "--json"),
        ("schedule", "--mission", mission, "--json"),
    ):
        code, out, err = _main(capsys, *args)
        assert code == 2 and out == "", args  # not an empty "accepted" plan
        assert str(mission) in err and "sources.catalog[0]" in err and str(missing) in err
        assert "No such file or directory" in err and "Traceback" not in err
    assert not (tmp_path / "plan.json").exists()
    (tmp_path / "elements").mkdir()
    missing.write_text("no element sets in here\n", encoding="utf-8")
    code, _, err = _main(capsys, "plan", mission, "--json")
    assert code == 2 and "sources.catalog" in err and "no usable element sets" in err


def test_a_space_weather_path_that_does_not_exist_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mission = _demo_with(tmp_path, space_weather="swpc/none-here")
    code, out, err = _main(capsys, "plan", mission, "--json")
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"{mission}: sources.space_weather: {tmp_path / 'swpc' / 'none-here'}" in err
    assert "does not exist" in err


def test_plan_schema_validates_an_exported_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    code, text, _ = _main(capsys, "plan-schema")
    schema = json.loads(text)
    assert code == 0 and schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"]["const"] == 1
    assert {"commands", "data_ages", "validation"} <= set(schema["properties"])
    out = tmp_path / "plan.json"
    code, _, _ = _main(capsys, "plan", DEMO, "-o", out, "--json")
    assert code == 0
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert plan["commands"] and plan["validation"]["ok"] and plan["schema_version"] == 1
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(plan)) == []
    del plan["validation"]  # the report is optional: a bare CommandPlan validates too
    assert list(validator.iter_errors(plan)) == []
    plan["commands"][0]["uplink_hex"] = "DEADBEEF"
    plan["schema_version"] = 2
    problems = {e.json_path for e in validator.iter_errors(plan)}
    assert problems == {"$.commands[0]", "$.schema_version"}
