"""Plan exports parse back: canonical JSON round trip, F Prime .seq grammar, Yamcs stack shape."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cosmo_agent.agent.export import (
    YAMCS_STACK_SCHEMA,
    PlanExportError,
    fprime_sequence,
    fprime_time,
    plan_from_json,
    plan_to_json,
    yamcs_stack,
)
from cosmo_agent.agent.plan import CommandPlan, PlanRelease
from cosmo_agent.agent.validator import validate_plan
from cosmo_agent.tools.commands import dictionary_for
from cosmo_agent.tools.mission import Mission, load_mission

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "tests" / "data" / "plans"
ALL_PLANS = sorted(PLANS.glob("*/*.json"))
NOW = datetime(2026, 6, 10, 12, tzinfo=UTC)
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(scope="module")
def demo() -> Mission:
    return load_mission(ROOT / "missions" / "demo.yaml")


def _plan(name: str) -> CommandPlan:
    return CommandPlan.from_json((PLANS / "safe" / f"{name}.json").read_text(encoding="utf-8"))


# -- JSON ------------------------------------------------------------------------------------


def _walk(value: Any) -> Any:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)
    else:
        yield value


@pytest.mark.parametrize("path", ALL_PLANS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_json_round_trip_is_canonical(path: Path) -> None:
    plan = CommandPlan.from_json(path.read_text(encoding="utf-8"))
    text = plan_to_json(plan)
    assert plan_from_json(text) == plan
    assert plan_to_json(plan_from_json(text)) == text  # byte-stable
    assert text == plan.canonical_json()
    data = json.loads(text, object_pairs_hook=lambda kv: (kv, dict(kv)))
    for pairs, _ in _walk_pairs(data):
        keys = [k for k, _ in pairs]
        assert keys == sorted(keys)
    for value in _walk(json.loads(text)):
        if isinstance(value, str) and ISO_TIME.match(value):
            assert value.endswith("Z"), value  # every time is UTC with Z


def _walk_pairs(value: Any) -> Any:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict):
        yield value
        for _, v in value[0]:
            yield from _walk_pairs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk_pairs(v)


def test_json_with_validation_report(demo: Mission) -> None:
    plan = _plan("approved-screened-maneuver")
    report = validate_plan(plan, demo, now=NOW)
    data = json.loads(plan_to_json(plan, report))
    assert data["validation"]["ok"] is True and data["validation"]["violations"] == []
    assert plan_from_json(plan_to_json(plan, report)) == plan


def test_times_are_converted_to_utc_and_naive_refused() -> None:
    plan = _plan("storm-protect")
    data = plan.to_jsonable()
    data["commands"][0]["time"] = "2026-06-10T22:00:00+09:00"  # KST
    again = CommandPlan.model_validate(data)
    assert again.commands[0].time == datetime(2026, 6, 10, 13, tzinfo=UTC)
    assert json.loads(again.canonical_json())["commands"][0]["time"] == "2026-06-10T13:00:00Z"
    data["commands"][0]["time"] = "2026-06-10T13:00:00"
    with pytest.raises(ValueError, match="no timezone"):
        CommandPlan.model_validate(data)


def test_plan_json_schema_publishes() -> None:
    schema = CommandPlan.model_json_schema()
    json.dumps(schema)
    assert {"mission", "created_at", "horizon_start", "horizon_end"} <= set(schema["required"])
    cmd = schema["$defs"]["PlannedCommand"]["properties"]
    assert {
        "time",
        "satellite",
        "command",
        "parameters",
        "uplink",
        "rationale",
        "approvals",
    } <= set(cmd)
    assert schema["properties"]["created_at"]["format"] == "date-time"


# -- F Prime .seq ----------------------------------------------------------------------------

# The fprime-seqgen grammar (fprime_gds SeqFileParser): ';' starts a comment outside quotes;
# fields split on spaces/commas outside quotes; time 'A%Y-%jT%H:%M:%S[.%f]' or
# 'R%H:%M:%S[.%f]'; then the mnemonic; then arguments.
LINE = re.compile(
    r"^(?P<time>A\d{4}-\d{3}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?|R\d{2}:\d{2}:\d{2}(\.\d{1,6})?)"
    r"\s+(?P<mnemonic>[A-Za-z_][A-Za-z0-9_.]*)"
    r'(?P<args>(\s+("[^"]*"|[^\s,;"]+)(\s*,\s*("[^"]*"|[^\s,;"]+))*)?)'
    r"\s*(;.*)?$"
)


def _seqgen_parse(text: str) -> list[tuple[datetime, str, list[Any]]]:
    """Parse .seq text the way fprime-seqgen does (absolute lines only)."""
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        assert LINE.match(line), line
        masked = re.sub(r'"[^"]*"', lambda m: "x" * len(m[0]), line)
        if ";" in masked:
            line = line[: masked.index(";")]
        masked = re.sub(r'"[^"]*"', lambda m: re.sub(r"[\s,]", "_", m[0]), line).replace(",", " ")
        fields = [line[m.start() : m.end()] for m in re.finditer(r"\S+", masked)]
        when = datetime.strptime(fields[0][1:], "%Y-%jT%H:%M:%S.%f").replace(tzinfo=UTC)
        out.append((when, fields[1], [_seqgen_arg(a) for a in fields[2:]]))
    return out


def _seqgen_arg(arg: str) -> Any:
    if arg[0] == '"' and arg[-1] == '"':
        return arg[1:-1]
    if "." in arg:
        return float(arg)
    if arg in ("True", "true", "TRUE"):
        return True
    if arg in ("False", "false", "FALSE"):
        return False
    try:
        return int(arg, 0)
    except ValueError:
        try:
            return float(arg)
        except ValueError:
            return arg  # an enum state


@pytest.mark.parametrize(
    "name",
    [
        "storm-protect",
        "downlinks-and-imaging",
        "approved-screened-maneuver",
        "hazardous-with-approvals",
    ],
)
def test_fprime_sequence_parses_back(demo: Mission, name: str) -> None:
    plan = _plan(name)
    report = validate_plan(plan, demo, now=NOW)
    for norad_id in plan.satellites():
        sat = demo.satellite(norad_id)
        text = fprime_sequence(plan, demo, norad_id, report=report)
        assert text.startswith("; Cosmo Agent command plan") and "validated" in text
        parsed = _seqgen_parse(text)
        mine = sorted(
            (c for c in plan.commands if c.satellite.norad_id == norad_id), key=lambda c: c.time
        )
        assert len(parsed) == len(mine)
        d = dictionary_for(demo, sat.sat_class)
        for (when, mnemonic, args), cmd in zip(parsed, mine, strict=True):
            assert abs(when - cmd.time) < timedelta(milliseconds=1)
            assert mnemonic == cmd.command
            definition = d.command(cmd.command)
            assert definition is not None
            expected = definition.arguments(cmd.parameters)
            assert len(args) == len(expected)
            for value, (p, want) in zip(args, expected, strict=True):
                assert type(value) is {"int": int, "float": float, "bool": bool}.get(p.type, str)
                assert value == want
            assert (
                d.check(cmd.command, {p.name: v for (p, _), v in zip(expected, args, strict=True)})
                == []
            )


def test_fprime_header_status_and_refusal(demo: Mission) -> None:
    plan = _plan("storm-protect")
    assert "NOT VALIDATED" in fprime_sequence(plan, demo, 38338)
    bad = CommandPlan.from_json(
        (PLANS / "unsafe" / "20-hazardous-no-approval.json").read_text(encoding="utf-8")
    )
    report = validate_plan(bad, demo, now=NOW)
    with pytest.raises(PlanExportError, match="failed validation"):
        fprime_sequence(bad, demo, 38338, report=report)
    review = fprime_sequence(bad, demo, 38338, report=report, allow_invalid=True)
    assert "NOT VALID - review only" in review
    with pytest.raises(PlanExportError, match="not a command"):
        unknown = CommandPlan.from_json(
            (PLANS / "unsafe" / "01-unknown-command.json").read_text(encoding="utf-8")
        )
        fprime_sequence(unknown, demo, 38338, allow_invalid=True)


def test_fprime_strings_semicolons_and_component(demo: Mission) -> None:
    plan = _plan("storm-protect")
    cmd = plan.commands[1]
    tricky = cmd.model_copy(
        update={
            "parameters": {"reason": "S3; storm, see PX3A"},
            "rationale": cmd.rationale.model_copy(update={"text": "line one\nline two; more"}),
        }
    )
    text = fprime_sequence(plan.with_commands([tricky]), demo, 38338, component="cmdDisp")
    ((_, mnemonic, args),) = _seqgen_parse(text)
    assert mnemonic == "cmdDisp.SAFE_MODE_ENTER" and args == ["S3; storm, see PX3A"]
    quoted = cmd.model_copy(update={"parameters": {"reason": 'say "hi"'}})
    with pytest.raises(PlanExportError, match="quote"):
        fprime_sequence(plan.with_commands([quoted]), demo, 38338)


def test_fprime_time_is_day_of_year() -> None:
    t = datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    assert fprime_time(t) == "A2026-365T23:59:59.999"
    assert fprime_time(datetime(2028, 12, 31, tzinfo=UTC)) == "A2028-366T00:00:00.000"
    kst = datetime.fromisoformat("2026-06-11T01:00:00+09:00")
    assert fprime_time(kst) == "A2026-161T16:00:00.000"


# -- Yamcs stack -------------------------------------------------------------------------------


def _check_stack_shape(stack: Any) -> None:
    """The documented .ycs shape (Yamcs Web StackFormatter.toJSON)."""
    assert isinstance(stack, dict) and set(stack) <= {"$schema", "steps", "advancement"}
    assert stack["$schema"] == YAMCS_STACK_SCHEMA
    adv = stack["advancement"]
    assert adv["acknowledgment"] in {
        "Acknowledge_Queued",
        "Acknowledge_Released",
        "Acknowledge_Sent",
        "Acknowledge_Completed",
    }
    assert isinstance(adv["wait"], int) and adv["wait"] >= 0
    for step in stack["steps"]:
        assert set(step) <= {"type", "name", "namespace", "comment", "arguments", "advancement"}
        assert step["type"] == "command"
        assert re.fullmatch(r"(/[A-Za-z0-9_.-]+)+", step["name"]), step["name"]
        assert isinstance(step.get("comment", ""), str)
        if "advancement" in step:
            assert set(step["advancement"]) == {"acknowledgment", "wait"}
            assert step["advancement"]["acknowledgment"] == adv["acknowledgment"]
            assert isinstance(step["advancement"]["wait"], int) and step["advancement"]["wait"] >= 0
        for arg in step.get("arguments", []):
            assert set(arg) == {"name", "value"} and isinstance(arg["name"], str)
            assert isinstance(arg["value"], bool | int | float | str)


@pytest.mark.parametrize("name", ["downlinks-and-imaging", "approved-screened-maneuver"])
def test_yamcs_stack_is_valid_json_of_the_documented_shape(demo: Mission, name: str) -> None:
    plan = _plan(name)
    report = validate_plan(plan, demo, now=NOW)
    for norad_id in plan.satellites():
        sat = demo.satellite(norad_id)
        stack = json.loads(json.dumps(yamcs_stack(plan, demo, norad_id, report=report)))
        _check_stack_shape(stack)
        mine = sorted(
            (c for c in plan.commands if c.satellite.norad_id == norad_id), key=lambda c: c.time
        )
        assert [s["name"] for s in stack["steps"]] == [
            f"/{sat.sat_class}/{c.command}" for c in mine
        ]
        for step, cmd in zip(stack["steps"], mine, strict=True):
            args = {a["name"]: a["value"] for a in step.get("arguments", [])}
            assert {k: args[k] for k in cmd.parameters} == cmd.parameters
            assert cmd.time.strftime("%Y-%m-%dT%H:%M:%SZ") in step["comment"]
        assert "validated" in stack["steps"][0]["comment"]


def _stack_times(stack: dict[str, Any]) -> list[datetime]:
    """When a run of the stack issues each step (acknowledgments taken as instant): the start
    time the first step's comment names, then each step's wait before the next."""
    m = re.search(r"start the stack at (\S+Z)", stack["steps"][0]["comment"])
    assert m, stack["steps"][0]["comment"]
    t = datetime.fromisoformat(m[1].replace("Z", "+00:00"))
    times = [t]
    for step in stack["steps"][:-1]:
        t += timedelta(milliseconds=step["advancement"]["wait"])
        times.append(t)
    assert "advancement" not in stack["steps"][-1]  # nothing follows the last step
    return times


@pytest.mark.parametrize(
    "name",
    [
        "downlinks-and-imaging",
        "approved-screened-maneuver",
        "hazardous-with-approvals",
        "storm-protect",
    ],
)
def test_time_tags_reproduce_the_planned_times(demo: Mission, name: str) -> None:
    """.ycs waits and .seq absolute tags put every command at its planned UTC time."""
    plan = _plan(name)
    report = validate_plan(plan, demo, now=NOW)
    for norad_id in plan.satellites():
        mine = sorted(
            (c for c in plan.commands if c.satellite.norad_id == norad_id), key=lambda c: c.time
        )
        stack = json.loads(json.dumps(yamcs_stack(plan, demo, norad_id, report=report)))
        _check_stack_shape(stack)
        assert _stack_times(stack) == [c.time for c in mine]
        text = fprime_sequence(plan, demo, norad_id, report=report)
        lines = [x for x in text.splitlines() if x and not x.startswith(";")]
        assert all(x.startswith("A") for x in lines)  # absolute UTC tags, never relative
        assert [when for when, _, _ in _seqgen_parse(text)] == [c.time for c in mine]
    # START and STOP of a downlink are issued its planned duration apart, not back to back
    if name == "downlinks-and-imaging":
        stack = yamcs_stack(plan, demo, 42063, report=report)
        assert [s["advancement"]["wait"] for s in stack["steps"][:-1]] == [630_000]


def test_headers_say_draft_or_released(demo: Mission) -> None:
    plan = _plan("storm-protect")
    digest = plan.content_digest()
    draft = fprime_sequence(plan, demo, 38338)
    assert "; DRAFT - not released (cosmo-agent release checks and releases it)" in draft
    assert f"; content sha256 {digest}" in draft
    released = plan.model_copy(
        update={
            "release": PlanRelease(
                released_at=datetime(2026, 6, 10, 11, 58, tzinfo=UTC),
                checked_at=NOW,
                content_digest=digest,
                signature_digest=plan.signature_digest(),
            )
        }
    )
    text = fprime_sequence(released, demo, 38338)
    assert "; RELEASED 2026-06-10T11:58:00Z, checked for 2026-06-10T12:00:00Z;" in text
    assert f"; content sha256 {digest}" in text
    stack = yamcs_stack(released, demo, 38338)
    assert "RELEASED 2026-06-10T11:58:00Z" in stack["steps"][0]["comment"]


def test_yamcs_namespace_and_refusal(demo: Mission) -> None:
    plan = _plan("approved-screened-maneuver")
    stack = yamcs_stack(plan, demo, 39227, namespace="/sats/{norad_id}")
    assert stack["steps"][0]["name"] == "/sats/39227/ORBIT_MANEUVER"
    maneuver = stack["steps"][0]["arguments"]
    assert [a["name"] for a in maneuver] == [
        "dv_radial_m_s", "dv_along_m_s", "dv_cross_m_s", "burn_epoch"
    ]  # fmt: skip
    bad = plan.with_commands([plan.commands[0].model_copy(update={"approvals": []})])
    with pytest.raises(PlanExportError):
        yamcs_stack(bad, demo, 39227, report=validate_plan(bad, demo, now=NOW))
    with pytest.raises(PlanExportError, match="no satellite"):
        yamcs_stack(plan, demo, 25544)
