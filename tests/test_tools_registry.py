"""The tool registry: OpenAI schemas, per-mission name enums, errors as data, the run context."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.elements import ElementRecord
from cosmo_agent.orbital.maneuver import apply_impulse
from cosmo_agent.tools import context, registry
from cosmo_agent.tools.mission import Mission, load_mission, parse_mission
from cosmo_agent.tools.registry import (
    ERROR_TEMPLATES,
    ResultStore,
    ToolContext,
    ToolError,
    ToolSpec,
    call_tool,
    merge_catalogs,
    mission_passes,
    mission_schedule,
    openai_tools,
    tool_specs,
)
from cosmo_agent.tools.toolkit import ConjunctionEvent, ObjectRef, ToolArgs, ToolResult

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "missions" / "demo.yaml"
SAMPLE = files("cosmo_agent.tools") / "data" / "sample-leo.3le"
EPOCH = datetime(2026, 6, 10, 12, tzinfo=UTC)

CONTRACT: dict[str, tuple[set[str], set[str]]] = {
    # tool: (every argument, the required ones) as /work/notes/contract.md fixes them
    "fleet_status": (set(), set()),
    "propagate": ({"satellites", "start", "duration_h", "step_s"}, {"satellites"}),
    "find_passes": (
        {"satellites", "stations", "duration_h", "min_elevation_deg"},
        {"satellites", "stations"},
    ),
    "screen_conjunctions": ({"satellites", "duration_h", "threshold_km"}, {"satellites"}),
    "assess_conjunction": ({"event_id", "hard_body_radius_m"}, {"event_id"}),
    "plan_avoidance": (
        {"event_id", "max_pc", "target_miss_km", "burn_epoch", "burn_lead_orbits", "directions"},
        {"event_id"},
    ),
    "space_weather": (set(), set()),
    "schedule_contacts": (
        {"satellites", "stations", "duration_h", "objective"},
        {"satellites", "stations"},
    ),
    "propose_commands": ({"commands"}, {"commands"}),
}


@pytest.fixture(scope="module")
def demo() -> Mission:
    return load_mission(DEMO)


@pytest.fixture
def ctx(demo: Mission) -> ToolContext:
    return ToolContext.from_mission(demo)


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


def _string_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The string schemas a field accepts (array items and anyOf branches included)."""
    if "anyOf" in node:
        return [n for b in node["anyOf"] for n in _string_nodes(b)]
    if node.get("type") == "array":
        return _string_nodes(node["items"])
    return [node] if node.get("type") == "string" else []


# -- schemas --------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_mission", [False, True])
def test_openai_format_and_contract_arguments(demo: Mission, with_mission: bool) -> None:
    tools = openai_tools(demo if with_mission else None)
    assert [t["function"]["name"] for t in tools] == list(CONTRACT)
    for tool in tools:
        assert set(tool) == {"type", "function"} and tool["type"] == "function"
        fn = tool["function"]
        assert set(fn) == {"name", "description", "parameters"}
        assert 40 < len(fn["description"]) < 400 and fn["description"].endswith(".")
        params = fn["parameters"]
        assert params["type"] == "object" and params["additionalProperties"] is False
        every, required = CONTRACT[fn["name"]]
        assert set(params.get("properties", {})) == every
        assert set(params.get("required", [])) == required
        json.dumps(tool)  # plain JSON


def test_every_number_is_bounded_and_schemas_are_compact(demo: Mission) -> None:
    numbers = 0
    for tool in openai_tools(demo):
        for path, node in _walk(tool["function"]["parameters"]):
            assert "$ref" not in node and "$defs" not in node, path
            assert not isinstance(node.get("title"), str), f"title noise at {path}"
            if node.get("type") in ("number", "integer"):
                numbers += 1
                assert "minimum" in node or "exclusiveMinimum" in node, path
                assert "maximum" in node or "exclusiveMaximum" in node, path
            assert node.get("type") != "null", f"null branch left at {path}"
    assert numbers >= 10


def _number_branch(node: dict[str, Any]) -> dict[str, Any]:
    """The number a quantity argument accepts (beside the same value written with units)."""
    for branch in node.get("anyOf", [node]):
        if branch.get("type") == "number":
            return {**branch, **{k: v for k, v in node.items() if k == "default"}}
        if "anyOf" in branch:
            return {**_number_branch(branch), **{k: v for k, v in node.items() if k == "default"}}
    raise AssertionError(f"no number in {node}")


def test_contract_ranges() -> None:
    props = {
        t["function"]["name"]: {
            k: _number_branch(v) if _has_number(v) else v
            for k, v in t["function"]["parameters"].get("properties", {}).items()
        }
        for t in openai_tools()
    }
    for tool in ("propagate", "find_passes", "screen_conjunctions", "schedule_contacts"):
        d = props[tool]["duration_h"]
        assert (d["exclusiveMinimum"], d["maximum"], d["default"]) == (0, 168, 24)
    assert (props["propagate"]["step_s"]["minimum"], props["propagate"]["step_s"]["maximum"]) == (
        1,
        3600,
    )
    el = props["find_passes"]["min_elevation_deg"]
    assert (el["minimum"], el["maximum"]) == (0, 90)
    th = props["screen_conjunctions"]["threshold_km"]
    assert (th["exclusiveMinimum"], th["maximum"]) == (0, 100)
    hbr = props["assess_conjunction"]["hard_body_radius_m"]
    assert (hbr["exclusiveMinimum"], hbr["maximum"]) == (0, 1000)
    pc = props["plan_avoidance"]["max_pc"]
    assert (pc["exclusiveMinimum"], pc["exclusiveMaximum"]) == (0, 1)
    miss = props["plan_avoidance"]["target_miss_km"]
    assert (miss["exclusiveMinimum"], miss["maximum"]) == (0, 100)
    objective = props["schedule_contacts"]["objective"]
    assert objective["enum"] == ["max_volume", "max_priority"]
    assert objective["default"] == "max_volume"
    start = props["propagate"]["start"]
    assert {"type": "string", "format": "date-time"} in _flat_branches(start)


def _has_number(node: dict[str, Any]) -> bool:
    return any(b.get("type") == "number" for b in _flat_branches(node))


def _flat_branches(node: dict[str, Any]) -> list[dict[str, Any]]:
    if "anyOf" not in node:
        return [node]
    return [leaf for b in node["anyOf"] for leaf in _flat_branches(b)]


def test_mission_name_enums(demo: Mission) -> None:
    by_name = {t["function"]["name"]: t["function"]["parameters"] for t in openai_tools(demo)}
    sats = list(dict.fromkeys(demo.fleet_names()))
    stations = list(dict.fromkeys(demo.station_names()))
    assert "아리랑3호" in sats and "대전" in stations
    for tool in ("propagate", "find_passes", "screen_conjunctions", "schedule_contacts"):
        field = by_name[tool]["properties"]["satellites"]
        assert {"const": "all", "type": "string"} in field["anyOf"]
        assert [n["enum"] for n in _string_nodes(field) if "enum" in n] == [sats]
    for tool in ("find_passes", "schedule_contacts"):
        field = by_name[tool]["properties"]["stations"]
        assert {"const": "all", "type": "string"} in field["anyOf"]
        assert [n["enum"] for n in _string_nodes(field) if "enum" in n] == [stations]
    command = by_name["propose_commands"]["properties"]["commands"]["items"]["properties"]
    assert command["satellite"]["enum"] == sats
    # no mission: no enums and no internal markers
    for tool in openai_tools():
        text = json.dumps(tool)
        assert '"enum": ["38338"' not in text and registry.NAMES_KEY not in text


def test_a_mission_without_stations_gets_no_empty_enum() -> None:
    mission = parse_mission(
        "name: x\nfleet: [{norad_id: 25544, name: ISS, class: weather}]\n"
        "sources: {catalog: ['bundled:sample-leo.3le']}\n"
    )
    params = {t["function"]["name"]: t["function"]["parameters"] for t in openai_tools(mission)}
    stations = params["find_passes"]["properties"]["stations"]
    assert all("enum" not in n for n in _string_nodes(stations))
    assert [n["enum"] for n in _string_nodes(params["propagate"]["properties"]["satellites"])
            if "enum" in n] == [["25544", "ISS"]]  # fmt: skip


def test_tool_specs_are_typed() -> None:
    specs = tool_specs()
    assert list(specs) == list(CONTRACT)
    for spec in specs.values():
        assert isinstance(spec, ToolSpec)
        assert issubclass(spec.args, ToolArgs) and spec.args.model_config["extra"] == "forbid"
        assert issubclass(spec.result, ToolResult) and spec.result is not ToolResult
        # postponed annotations: the function's return annotation names the spec's result
        assert spec.fn.__annotations__["return"] == spec.result.__name__
    with pytest.raises(TypeError):
        specs["propagate"] = specs["fleet_status"]  # type: ignore[index]


def _seeded_event(ctx: ToolContext, primary: ObjectRef) -> str:
    """A conjunction event of ``primary`` with the ISS, stored as a screening stores it."""
    ctx.store.events["CONJ-0001"] = ConjunctionEvent(
        event_id="CONJ-0001",
        primary=primary,
        secondary=ObjectRef(norad_id=25544, name="ISS (ZARYA)", in_fleet=False),
        tca_utc=EPOCH + timedelta(hours=6),
        miss_km=0.5,
        relative_speed_km_s=10.0,
        threshold_km=5.0,
    )
    return "CONJ-0001"


def test_every_tool_returns_its_specs_result_type(ctx: ToolContext) -> None:
    event_id = _seeded_event(ctx, ObjectRef(norad_id=38338, name="KOMPSAT 3", in_fleet=True))
    calls: dict[str, dict[str, Any]] = {
        "fleet_status": {},
        "propagate": {"satellites": ["K3"], "duration_h": 1, "step_s": 600},
        "find_passes": {"satellites": ["K3"], "stations": "all", "duration_h": 6},
        "screen_conjunctions": {"satellites": ["K3"], "duration_h": 1},
        "assess_conjunction": {"event_id": event_id},
        "plan_avoidance": {"event_id": event_id},
        "space_weather": {},
        "schedule_contacts": {"satellites": ["K3"], "stations": "all", "duration_h": 6},
        "propose_commands": {"commands": [{"satellite": "K3", "command": "NOOP"}]},
    }
    assert list(calls) == list(CONTRACT)
    for name, spec in tool_specs().items():
        out = call_tool(ctx, name, calls[name])
        assert out.ok, (name, out.error)
        assert type(out.result) is spec.result, name


# -- errors as data -------------------------------------------------------------------------------


def _error(outcome: registry.ToolOutcome) -> tuple[str, str]:
    assert not outcome.ok and outcome.result is None and outcome.error is not None
    data = json.loads(outcome.to_json())
    assert data == {"ok": False, "error": {"code": outcome.error.code,
                                           "message": outcome.error.message}}  # fmt: skip
    assert outcome.summary.startswith(f"{outcome.name} failed ({outcome.error.code})")
    assert outcome.duration_s >= 0
    return outcome.error.code, outcome.error.message


def test_unknown_tool(ctx: ToolContext) -> None:
    code, message = _error(call_tool(ctx, "launch_rocket", {}))
    assert code == "unknown_tool"
    assert "'launch_rocket'" in message and "screen_conjunctions" in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [("{satellites: all}", "Expecting property name"), ('["K3"]', "got a JSON list")],
)
def test_arguments_that_are_not_a_json_object(ctx: ToolContext, text: str, problem: str) -> None:
    code, message = _error(call_tool(ctx, "propagate", text))
    assert code == "invalid_json" and problem in message
    assert 'e.g. {"satellites": "all"}' in message  # shows a valid call


def test_json_string_arguments_work(ctx: ToolContext) -> None:
    out = call_tool(ctx, "propagate", '{"satellites": "K3", "duration_h": 0.1, "step_s": 60}')
    assert out.ok and out.arguments["satellites"] == "K3"
    assert call_tool(ctx, "fleet_status", "").ok and call_tool(ctx, "fleet_status", None).ok


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("propagate", {"satellites": "all", "duration_h": 500},
         "duration_h: Input should be less than or equal to 168 (allowed: 0 < duration_h <= 168;"
         " got 500)"),
        ("propagate", {"satellites": "all", "duration_h": 0},
         "duration_h: Input should be greater than 0 (allowed: 0 < duration_h <= 168; got 0)"),
        ("propagate", {"satellites": "all", "step_s": 0.5}, "1 <= step_s <= 3600"),
        ("find_passes", {"satellites": "all", "stations": "all", "min_elevation_deg": -1},
         "0 <= min_elevation_deg <= 90"),
        ("screen_conjunctions", {"satellites": "all", "threshold_km": 150},
         "0 < threshold_km <= 100"),
        ("assess_conjunction", {"event_id": "CONJ-0001", "hard_body_radius_m": 5000},
         "0 < hard_body_radius_m <= 1000"),
        ("plan_avoidance", {"event_id": "CONJ-0001", "max_pc": 1.0}, "0 < max_pc < 1"),
        ("schedule_contacts", {"satellites": "all", "stations": "all", "objective": "fastest"},
         "objective: Input should be 'max_volume' or 'max_priority'"),
        ("propagate", {"duration_h": 1}, "satellites: required field missing"),
        ("propagate", {"satellites": "all", "speed": 3},
         "speed: unknown field; the fields are satellites, start, duration_h, step_s"),
        ("fleet_status", {"verbose": True}, "verbose: unknown field"),
        ("propagate", {"satellites": "all", "start": "2026-06-10T12:00:00"},
         "start: time '2026-06-10T12:00:00' has no time zone"),
        ("propagate", {"satellites": [], "duration_h": 1},
         "satellites: List should have at least 1"),
        ("propose_commands", {"commands": [{"satellite": "K3", "command": "X",
                                            "parameters": {"n": 1e15}}]},
         "commands[0].parameters.n"),
    ],
)  # fmt: skip
def test_invalid_arguments_name_the_field_and_range(
    ctx: ToolContext, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    code, message = _error(call_tool(ctx, tool, arguments))
    assert code == "invalid_arguments"
    assert expected in message, message
    assert message.endswith(f"Fix them and call {tool} again.")


def test_lenient_name_forms(ctx: ToolContext) -> None:
    """A lone name counts as a one-item list, and "ALL" as "all"; unknown names are refused."""
    lone = call_tool(ctx, "propagate", {"satellites": "아리랑3호", "duration_h": 0.1})
    assert lone.ok and [t.norad_id for t in lone.result.tracks] == [38338]  # type: ignore[union-attr]
    every = call_tool(ctx, "propagate", {"satellites": "ALL", "duration_h": 0.1})
    assert every.ok and len(every.result.tracks) == 7  # type: ignore[union-attr]


def test_unknown_satellite_lists_the_known_names(ctx: ToolContext, demo: Mission) -> None:
    code, message = _error(call_tool(ctx, "propagate", {"satellites": ["K3", "아리랑3"]}))
    assert code == "unknown_satellite"
    assert "unknown satellite '아리랑3' (did you mean '아리랑3호'" in message
    assert all(name in message for name in demo.fleet_names())
    assert ERROR_TEMPLATES["unknown_satellite"].split("{")[0] in message


def test_unknown_station_lists_the_known_names(ctx: ToolContext, demo: Mission) -> None:
    code, message = _error(
        call_tool(ctx, "find_passes", {"satellites": "all", "stations": ["Svalbad"]})
    )
    assert code == "unknown_station" and "did you mean 'Svalbard'" in message
    assert all(name in message for name in demo.station_names())


def test_unknown_event(ctx: ToolContext) -> None:
    code, message = _error(call_tool(ctx, "assess_conjunction", {"event_id": "CONJ-0007"}))
    assert code == "unknown_event" and "known events: none yet" in message
    assert "screen_conjunctions" in message
    code, message = _error(call_tool(ctx, "plan_avoidance", {"event_id": "CONJ-7"}))
    assert code == "unknown_event"


def test_not_in_catalog() -> None:
    mission = parse_mission(
        "name: x\nfleet: [{norad_id: 25544, name: ISS, class: weather},"
        " {norad_id: 99999, name: GHOST, class: weather}]\n"
        "sources: {catalog: ['bundled:sample-leo.3le']}\nhorizon: {epoch: 2026-06-10T12:00:00Z}\n"
    )
    ctx = ToolContext.from_mission(mission)
    # one satellite without elements is left out with its reason; the others are computed
    for tool in ("propagate", "find_passes", "screen_conjunctions", "schedule_contacts"):
        args = {"satellites": "all"} | ({"stations": "all"} if "pass" in tool or "sched" in tool
                                         else {})  # fmt: skip
        out = call_tool(ctx, tool, args)
        assert out.ok, (tool, out.summary)
        left = out.result.excluded  # type: ignore[union-attr]
        assert [(e.satellite.norad_id, e.reason) for e in left] == [(99999, "not_in_catalog")]
        assert "left out (GHOST)" in out.summary, (tool, out.summary)
    tracks = call_tool(ctx, "propagate", {"satellites": "all"}).result.tracks  # type: ignore[union-attr]
    assert [t.norad_id for t in tracks] == [25544]
    # nothing left to compute: the tool's error names the satellite
    code, message = _error(call_tool(ctx, "propagate", {"satellites": ["GHOST"]}))
    assert code == "not_in_catalog" and "GHOST (99999)" in message and "ISS" not in message
    status = call_tool(ctx, "fleet_status", {})
    assert status.ok  # fleet_status reports the gap per satellite instead
    ghost = status.result.satellites[1]  # type: ignore[union-attr]
    assert (ghost.in_catalog, ghost.staleness, ghost.age_days) == (False, "missing", None)


def test_stale_data_is_refused_for_planning(demo: Mission) -> None:
    ctx = ToolContext.from_mission(demo, now=EPOCH + timedelta(days=20))
    code, message = _error(call_tool(ctx, "propagate", {"satellites": ["K3", "L9"]}))
    assert code == "stale_data"
    assert "mission limit 14 days" in message and "KOMPSAT 3 (38338) 20" in message
    assert "LANDSAT 9 (49260)" in message and "fleet_status" in message
    status = call_tool(ctx, "fleet_status", {})
    assert status.ok and {s.staleness for s in status.result.satellites} == {"refuse"}  # type: ignore[union-attr]


def _tle_checksum(line: str) -> str:
    """Line with its modulo-10 checksum recomputed (digits count, '-' counts 1)."""
    body = line[:68]
    total = sum(int(c) if c.isdigit() else 1 if c == "-" else 0 for c in body)
    return body + str(total % 10)


def _aged_catalog(norad_id: int, days: float) -> Catalog:
    """The bundled sample with ``norad_id``'s epoch moved ``days`` earlier (checksum fixed)."""
    text = (files("cosmo_agent.tools") / "data" / "sample-leo.3le").read_text()
    lines = text.splitlines()
    for k, line in enumerate(lines):
        if line.startswith("1 ") and int(line[2:7]) == norad_id:
            doy = float(line[20:32]) - days
            assert doy > 1.0  # stays in the same year
            lines[k] = _tle_checksum(f"{line[:20]}{doy:012.8f}{line[32:]}")
    return Catalog.from_tle_text("\n".join(lines) + "\n", source="aged-sample")


def test_stale_satellite_is_left_out_with_its_reason(demo: Mission) -> None:
    """One satellite 150 days from its epoch is left out of planning; the others are computed."""
    catalog = _aged_catalog(38338, 150.0)
    ctx = ToolContext.from_mission(demo, now=EPOCH, catalog=catalog)
    for tool in ("propagate", "find_passes", "screen_conjunctions", "schedule_contacts"):
        args = {"satellites": "all"} | ({"stations": "all"} if "pass" in tool or "sched" in tool
                                         else {})  # fmt: skip
        out = call_tool(ctx, tool, args)
        assert out.ok, (tool, out.summary)
        left = out.result.excluded  # type: ignore[union-attr]
        assert [(e.satellite.norad_id, e.reason) for e in left] == [(38338, "stale_data")]
        assert "150." in left[0].message and "limit 14 days" in left[0].message
    passes = call_tool(ctx, "find_passes", {"satellites": "all", "stations": "all"}).result.passes  # type: ignore[union-attr]
    assert passes and 38338 not in {p.satellite.norad_id for p in passes}
    assert {p.satellite.norad_id for p in passes} == {s.norad_id for s in demo.fleet} - {38338}


def test_aging_data_is_a_warning(demo: Mission) -> None:
    ctx = ToolContext.from_mission(demo, now=EPOCH + timedelta(days=4))
    out = call_tool(ctx, "propagate", {"satellites": ["K3"], "duration_h": 1})
    assert out.ok
    assert any("warn after 3 days" in w for w in out.result.warnings)  # type: ignore[union-attr]


def test_unreadable_catalog_is_data_unavailable(tmp_path: Path) -> None:
    mission = parse_mission(
        "name: x\nfleet: [{norad_id: 25544, name: ISS, class: weather}]\n"
        "sources: {catalog: [missing.tle]}\n", base_dir=tmp_path,
    )  # fmt: skip
    ctx = ToolContext.from_mission(mission)
    code, message = _error(call_tool(ctx, "fleet_status", {}))
    assert code == "data_unavailable" and str(tmp_path / "missing.tle") in message
    assert "sources.catalog" in message
    # the failure is remembered, not retried on every call
    assert isinstance(ctx._cache["catalog"], ToolError)
    (tmp_path / "empty.tle").write_text("no elements here\n")
    empty = parse_mission(
        "name: x\nfleet: [{norad_id: 25544, name: ISS, class: weather}]\n"
        "sources: {catalog: [empty.tle]}\n", base_dir=tmp_path,
    )  # fmt: skip
    code, message = _error(call_tool(ToolContext.from_mission(empty), "fleet_status", {}))
    assert code == "data_unavailable" and "no usable element sets" in message


def test_unreadable_space_weather_is_data_unavailable(demo: Mission) -> None:
    ctx = ToolContext.from_mission(demo, space_weather="/nonexistent/swpc")
    code, message = _error(call_tool(ctx, "space_weather", {}))
    assert code == "data_unavailable" and "/nonexistent/swpc" in message


def test_not_maneuverable(ctx: ToolContext) -> None:
    _seeded_event(ctx, ObjectRef(norad_id=33591, name="NOAA 19", in_fleet=True))
    code, message = _error(call_tool(ctx, "plan_avoidance", {"event_id": "conj-1"}))
    assert code == "not_maneuverable" and "NOAA 19 (33591)" in message


def test_bugs_are_internal_errors_not_exceptions(
    ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Args(ToolArgs):
        pass

    def broken(ctx: ToolContext, args: Args) -> ToolResult:
        raise ZeroDivisionError("division by zero")

    spec = ToolSpec("broken", "A tool with a bug in it, for the test.", Args, broken)
    monkeypatch.setattr(registry, "tool_specs", lambda: {"broken": spec})
    code, message = _error(call_tool(ctx, "broken", {}))
    assert code == "internal_error"
    assert "ZeroDivisionError: division by zero at test_tools_registry.py:" in message


def test_every_error_code_has_a_template() -> None:
    codes = set(registry.ToolErrorCode.__args__)  # type: ignore[attr-defined]
    assert codes == set(ERROR_TEMPLATES)
    for code, template in ERROR_TEMPLATES.items():
        assert "{" in template and (template[0].islower() or template[0] == "{"), code


# -- outcomes, context, store ---------------------------------------------------------------------


def test_outcome_is_the_contract_json(ctx: ToolContext) -> None:
    out = call_tool(ctx, "fleet_status", {})
    assert out.ok and out.error is None and isinstance(out.result, BaseModel)
    data = json.loads(out.to_json())
    assert list(data) == ["ok", "result"] and data["ok"] is True
    assert data["result"]["at_utc"] == "2026-06-10T12:00:00Z"
    assert data["result"] == json.loads(out.result.model_dump_json())
    assert out.summary == out.result.summary() and "\n" not in out.summary
    assert 0 < out.duration_s < 10


def test_context_is_immutable_and_from_the_mission(demo: Mission) -> None:
    ctx = ToolContext.from_mission(demo)
    assert ctx.now == EPOCH == demo.horizon.start()
    assert str(ctx.space_weather).endswith("swpc-2026-06-10")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.now = EPOCH + timedelta(hours=1)  # type: ignore[misc]
    assert ctx.catalog is ctx.catalog and len(ctx.catalog) == 58  # loaded once
    assert ctx.staleness_policy.refuse_after_days == demo.policies.stale_refuse_days
    later = ToolContext.from_mission(demo, now=EPOCH + timedelta(hours=3))
    assert later.now == EPOCH + timedelta(hours=3)
    with pytest.raises(ValueError, match="no timezone"):
        ToolContext.from_mission(demo, now=datetime(2026, 6, 10))


def test_context_from_file() -> None:
    ctx = ToolContext.from_file(DEMO)
    assert ctx.mission.name == "demo-eo-fleet" and ctx.store.events == {}


def test_event_ids_are_stable() -> None:
    store = ResultStore()
    tca = EPOCH + timedelta(hours=5)

    def add(p: int, s: int, t: datetime) -> str:
        event_id = store.event_id_for(p, s, t)
        store.events[event_id] = ConjunctionEvent(
            event_id=event_id, alias=store.alias_for(event_id),
            primary=ObjectRef(norad_id=p, name=str(p), in_fleet=True),
            secondary=ObjectRef(norad_id=s, name=str(s), in_fleet=False), tca_utc=t,
            miss_km=1.0, relative_speed_km_s=10.0, threshold_km=5.0,
        )  # fmt: skip
        return event_id

    first = add(38338, 25544, tca)
    assert first == "CONJ-25544-38338-20260610T1700Z"  # pair ascending, TCA to the minute
    second = add(38338, 11, tca)
    # the same pair again (either order, TCA refined by a minute) keeps its id
    assert add(25544, 38338, tca + timedelta(seconds=60)) == first
    # the same pair an orbit later is another event
    third = add(38338, 25544, tca + timedelta(minutes=98))
    assert third == "CONJ-25544-38338-20260610T1838Z"
    assert store.aliases == {"CONJ-0001": first, "CONJ-0002": second, "CONJ-0003": third}
    assert store.event("conj-2").secondary.norad_id == 11  # the run-local alias
    assert store.event(first.lower()).event_id == first
    # an id written elsewhere (the daemon saw the TCA 3 min later): same pair, within tolerance
    assert store.event("CONJ-25544-38338-20260610T1703Z").event_id == first
    assert store.new_id("MNV") == "MNV-0001" and store.new_id("MNV") == "MNV-0002"
    with pytest.raises(ToolError) as err:
        store.event("CONJ-0009")
    assert err.value.code == "unknown_event"
    assert f"{first} (CONJ-0001), {second} (CONJ-0002), {third} (CONJ-0003)" in str(err.value)


def test_catalogs_merge_keeping_the_newest_element_set() -> None:
    sample = Catalog.from_tle_file(SAMPLE)
    k3 = sample.select([38338])
    burn = EPOCH + timedelta(hours=3)
    fit = apply_impulse(k3.satrecs[0], burn, [0.0, 0.1, 0.0])
    newer = Catalog.from_records(
        [ElementRecord(38338, "KOMPSAT 3", "12042A", burn, fit.satrec, "burn", 0)], source="burn"
    )
    for parts in ([sample, newer], [newer, sample]):
        merged = merge_catalogs(parts)
        assert len(merged) == len(sample)
        row = int(merged.index_of([38338])[0])
        assert merged.satrecs[row] is fit.satrec
        assert sorted(merged.ids.tolist()) == sorted(sample.ids.tolist())
    assert merge_catalogs([sample]) is sample


def test_several_catalog_files(tmp_path: Path) -> None:
    lines = Path(str(SAMPLE)).read_text().splitlines()
    (tmp_path / "first.tle").write_text("\n".join(lines[:30]) + "\n")
    (tmp_path / "second.tle").write_text("\n".join(lines[24:]) + "\n")
    mission = parse_mission(
        "name: x\nfleet: [{norad_id: 38338, name: K3, class: eo-imager}]\n"
        "sources: {catalog: [first.tle, second.tle]}\n", base_dir=tmp_path,
    )  # fmt: skip
    catalog = ToolContext.from_mission(mission).catalog
    assert len(catalog) == 58 and len(np.unique(catalog.ids)) == 58
    assert "first.tle" in catalog.source and "second.tle" in catalog.source


SIX_DIGIT = 123456  # NORAD numbers of six digits are issued since 2026 (OMM only, no TLE)


def test_a_catalog_directory_loads_every_element_file(tmp_path: Path) -> None:
    from sgp4.exporter import export_omm

    sample = Catalog.from_tle_file(SAMPLE)
    folder = tmp_path / "elements"
    folder.mkdir()
    lines = Path(str(SAMPLE)).read_text().splitlines()
    (folder / "fleet.3le").write_text("\n".join(lines[:30]) + "\n")  # 10 objects, the ISS too
    row = export_omm(sample.satrecs[int(sample.index_of([25544])[0])], "SIX DIGIT SAT")
    row.update(NORAD_CAT_ID=SIX_DIGIT, OBJECT_ID="2026-900A")
    (folder / "new-objects.json").write_text(json.dumps([row]))
    (folder / "README.md").write_text("not an element file: ignored\n")
    (folder / "old.tle").mkdir()  # a folder with an element suffix is not a file: ignored
    mission = parse_mission(
        "name: x\nfleet: [{norad_id: 25544, name: ISS, class: weather},"
        f" {{norad_id: {SIX_DIGIT}, name: SIX, class: weather}}]\n"
        "sources: {catalog: [elements]}\nhorizon: {epoch: 2026-06-10T12:00:00Z}\n",
        base_dir=tmp_path,
    )
    ctx = ToolContext.from_mission(mission)
    catalog = ctx.catalog
    assert len(catalog) == 11 and {25544, SIX_DIGIT} <= set(catalog.ids.tolist())
    assert "fleet.3le" in catalog.source and "new-objects.json" in catalog.source
    assert "README" not in catalog.source
    row_six = int(catalog.index_of([SIX_DIGIT])[0])
    assert catalog.names[row_six] == "SIX DIGIT SAT"
    out = call_tool(ctx, "propagate", {"satellites": ["SIX", "ISS"], "duration_h": 0.5})
    assert out.ok, out.summary
    # a directory entry and a file entry merge like two files
    both = parse_mission(
        "name: x\nfleet: [{norad_id: 38338, name: K3, class: eo-imager}]\n"
        f"sources: {{catalog: [elements, {json.dumps(str(SAMPLE))}]}}\n", base_dir=tmp_path,
    )  # fmt: skip
    assert len(ToolContext.from_mission(both).catalog) == len(sample) + 1


def test_an_empty_catalog_directory_is_data_unavailable(tmp_path: Path) -> None:
    (tmp_path / "elements").mkdir()
    (tmp_path / "elements" / "notes.md").write_text("no elements\n")
    mission = parse_mission(
        "name: x\nfleet: [{norad_id: 25544, name: ISS, class: weather}]\n"
        f"sources: {{catalog: [{json.dumps(str(SAMPLE))}, elements]}}\n", base_dir=tmp_path,
    )  # fmt: skip
    code, message = _error(call_tool(ToolContext.from_mission(mission), "fleet_status", {}))
    assert code == "data_unavailable" and str(tmp_path / "elements") in message
    assert "sources.catalog[1]" in message and "holds no element files" in message


def test_catalog_directories_read_the_files_the_daemon_reads() -> None:
    from cosmo_agent.agent.daemon.catalogs import ELEMENT_SUFFIXES

    assert context._ELEMENT_SUFFIXES == ELEMENT_SUFFIXES


# -- the CLI's library calls ----------------------------------------------------------------------


def test_mission_passes_for_the_cli() -> None:
    out = mission_passes(DEMO, satellites=["K3"], stations=["DAEJEON"], duration_h=12)
    assert out.ok and out.name == "find_passes"
    data = out.as_dict()["result"]
    assert data["stations"] == ["DAEJEON"] and data["passes"]
    assert {p["satellite"]["norad_id"] for p in data["passes"]} == {38338}
    assert data["stop_utc"] == "2026-06-11T00:00:00Z"
    whole = mission_passes(load_mission(DEMO))  # the mission's horizon (24 h), all names
    assert whole.ok and whole.as_dict()["result"]["stop_utc"] == "2026-06-11T12:00:00Z"
    bad = mission_passes(DEMO, satellites=["Hubble"])
    assert bad.as_dict()["error"]["code"] == "unknown_satellite"


def test_mission_schedule_for_the_cli() -> None:
    out = mission_schedule(DEMO, duration_h=6, objective="max_priority")
    assert out.ok and out.name == "schedule_contacts"
    data = out.as_dict()["result"]
    assert data["objective"] == "max_priority" and data["contacts"]
    json.dumps(out.as_dict())
