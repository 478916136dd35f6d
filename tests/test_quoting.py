"""Quote instead of compute: the teacher writes values as the request spells them, the
evaluation scores the calls the tools execute (resolved) beside the raw ones, and the
decoder is offered only the names a request spells (model/spans.py).

Expected values are written out by hand from the requests; the resolved comparison is
checked against the tools' own reading (``resolve_arguments``), which has its own tests in
tests/test_quantities.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cosmo_agent.agent.teacher import RulesTeacher
from cosmo_agent.model import spans
from cosmo_agent.model.corpus import build_corpus
from cosmo_agent.model.evaluate import EvalRecord, evaluate, report_markdown
from cosmo_agent.model.spans import narrow_tools, narrow_values, quote_ids, spelled
from cosmo_agent.tools.mentions import unknown_names

WORLD = {"now": "2026-06-10T12:00:00Z"}


@pytest.fixture(scope="module")
def teacher() -> RulesTeacher:
    return RulesTeacher()


def _quote(teacher: RulesTeacher, request: str, name: str, **arguments: Any) -> dict[str, Any]:
    [call] = teacher.quote(WORLD, request, [{"name": name, "arguments": arguments}])
    return dict(call["arguments"])


def test_the_teacher_quotes_what_the_request_spells(teacher: RulesTeacher) -> None:
    assert _quote(teacher, "screen K3 over the next 3 days within 2 km", "screen_conjunctions",
                  satellites=["K3"], duration_h=72.0, threshold_km=2.0) == {
        "satellites": ["K3"], "duration_h": "3 days", "threshold_km": "2 km"}  # fmt: skip
    assert _quote(teacher, "K3 이틀 동안 궤적, 5분 간격", "propagate", satellites=["K3"],
                  duration_h=48.0, step_s=300.0) == {
        "satellites": ["K3"], "duration_h": "이틀", "step_s": "5분 간격"}  # fmt: skip
    assert _quote(teacher, "CONJ-0003 회피, Pc 10만분의 1 이하", "plan_avoidance",
                  event_id="CONJ-0003", max_pc=1e-5) == {
        "event_id": "CONJ-0003", "max_pc": "10만분의 1"}  # fmt: skip
    quoted = _quote(
        teacher,
        "K5 safe mode 2시간 후",
        "propose_commands",
        commands=[
            {"satellite": "K5", "command": "SAFE_MODE_ENTER", "time": "2026-06-10T14:00:00Z"}
        ],
    )
    assert quoted["commands"][0]["time"] == "2시간 후"


def test_values_the_request_does_not_spell_stay_numbers(teacher: RulesTeacher) -> None:
    # 24 h is the default (not written); 5 km is written but is not the 3 km threshold
    request = "any conjunctions for K3? the 5 km box is too big"
    assert _quote(teacher, request, "screen_conjunctions",
                  satellites=["K3"], duration_h=24.0, threshold_km=3.0) == {
        "satellites": ["K3"], "duration_h": 24.0, "threshold_km": 3.0}  # fmt: skip


def test_a_corpus_teaches_quoted_values_the_tools_read_back(
    teacher: RulesTeacher, tmp_path: Path
) -> None:
    manifest = build_corpus(
        teacher, str(tmp_path), n_worlds=1, per_world=24, seed=1500, quoted=True
    )
    assert manifest.data["teacher"]["quoted_values"] > 0
    checked = 0
    for split in ("train", "validation", "test"):
        for line in (tmp_path / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            first = next(m for m in record["messages"] if m["role"] == "assistant")
            for call in first.get("tool_calls") or []:
                fn = call["function"]
                resolved = teacher.resolve(
                    record, {"name": fn["name"], "arguments": fn["arguments"]}
                )
                intended = [c for c in record["intended"] if c["name"] == fn["name"]]
                assert intended, record["id"]
                want = teacher.resolve(record, intended[0])
                assert resolved == want, (record["id"], fn["arguments"], intended[0])
                checked += 1
    assert checked > 10


def _record(request: str, intended: list[dict[str, Any]], seed: int = 7) -> EvalRecord:
    teacher = RulesTeacher()
    world = teacher.world(seed)
    return {
        "id": "r1",
        "lang": "en",
        "messages": [
            {"role": "system", "content": world["system"]},
            {"role": "user", "content": request},
        ],
        "tools": world["tools"],
        "intended": intended,
        "world_seed": seed,  # type: ignore[typeddict-unknown-key]
    }


def test_evaluation_reports_raw_and_resolved_accuracy(teacher: RulesTeacher) -> None:
    world = teacher.world(7)
    sat = world["satellites"][0]
    alias = sat["aliases"][0]
    intended = [
        {
            "name": "screen_conjunctions",
            "arguments": {"satellites": [sat["name"]], "duration_h": 72.0},
        }
    ]
    record = _record(f"screen {alias} for 3 days", intended)
    quoted = [
        {
            "name": "screen_conjunctions",
            "arguments": {"satellites": [alias], "duration_h": "3 days"},
        }
    ]
    report = evaluate([record], lambda m, t: quoted, resolver=teacher.resolve)
    result = report["records"][0]
    assert not result["correct"] and result["resolved_correct"] is True
    assert report["metrics"]["all"]["ast_accuracy"] == 0.0
    assert report["metrics"]["all"]["resolved_ast_accuracy"] == 1.0
    assert "AST acc. (resolved)" in report_markdown(report)
    wrong = [
        {
            "name": "screen_conjunctions",
            "arguments": {"satellites": [alias], "duration_h": "2 days"},
        }
    ]
    bad = evaluate([record], lambda m, t: wrong, resolver=teacher.resolve)["records"][0]
    assert bad["resolved_correct"] is False and "duration_h" in str(bad["resolved_reason"])
    unknown = [{"name": "screen_conjunctions", "arguments": {"satellites": ["NO SUCH SAT"]}}]
    refused = evaluate([record], lambda m, t: unknown, resolver=teacher.resolve)["records"][0]
    assert refused["resolved_correct"] is False
    assert "does not resolve" in str(refused["resolved_reason"])


def test_without_a_resolver_only_the_raw_score_is_reported() -> None:
    tools = [{"type": "function", "function": {"name": "fleet_status",
              "parameters": {"type": "object", "properties": {}}}}]  # fmt: skip
    record: EvalRecord = {"id": "1", "lang": "en", "tools": tools, "messages": [
        {"role": "user", "content": "status"}], "intended": [{"name": "fleet_status",
                                                            "arguments": {}}]}  # fmt: skip
    report = evaluate([record], lambda m, t: [{"name": "fleet_status", "arguments": {}}])
    assert report["metrics"]["all"]["resolved_ast_accuracy"] is None
    assert report["records"][0]["resolved_correct"] is None


def test_the_rules_planner_is_scored_on_the_same_records(teacher: RulesTeacher) -> None:
    world = teacher.world(7)
    sat = world["satellites"][0]["name"]
    record = _record(f"Any conjunctions for {sat} in the next 2 days?", [
        {"name": "screen_conjunctions", "arguments": {"satellites": [sat], "duration_h": 48.0,
                                                      "threshold_km": 5.0}}])  # fmt: skip
    report = evaluate([record], teacher.rules_predictor([record]), resolver=teacher.resolve)
    assert report["records"][0]["resolved_correct"] is True


def test_the_hybrid_reading_takes_the_rules_calls_and_else_cosmos(
    teacher: RulesTeacher, capsys: pytest.CaptureFixture[str]
) -> None:
    from cosmo_agent.model import evaluate as ev

    sat = teacher.world(7)["satellites"][0]["name"]
    screen = {"name": "screen_conjunctions", "arguments": {"satellites": [sat],
              "duration_h": 48.0, "threshold_km": 5.0}}  # fmt: skip
    read = _record(f"Any conjunctions for {sat} in the next 2 days?", [screen])
    unread = {**_record(f"Is {sat} going to bump into anything over the next 2 days?",
                        [screen]), "id": "r2"}  # fmt: skip
    general = {**_record("What is a TLE?", []), "id": "r3"}  # the rules' no call, on purpose
    records = [read, unread, general]
    rules = teacher.rules_predictor(records)
    assert rules(read["messages"], []) and not rules(unread["messages"], [])
    cosmo_calls = [{"name": "fleet_status", "arguments": {}}]  # wrong for all three
    cosmo = lambda m, t: cosmo_calls  # noqa: E731
    report = evaluate(records, teacher.hybrid_predictor(records, cosmo), resolver=teacher.resolve)
    first, second, third = report["records"]
    assert first["resolved_correct"] is True  # the rules' calls, not the model's
    assert second["predicted"] == cosmo_calls and second["resolved_correct"] is False
    assert third["predicted"] == [] and third["correct"] is True  # the model is not asked
    with pytest.raises(SystemExit):
        ev.main(["--split", "x.jsonl", "--hybrid", "h.json"])  # needs --teacher
    assert "--hybrid needs --teacher" in capsys.readouterr().err


# -- names the request spells narrow the grammar -------------------------------------------------


def test_spans_public_surface() -> None:
    assert spans.__all__ == [
        "admit_unknown", "all_when_unnamed", "blank_names", "narrow_tools", "narrow_values",
        "quote_ids", "quote_items", "respell", "spelled", "spells_a_name", "tool_names",
        "tools_for_named"]  # fmt: skip


_KNOWN = ["38338", "KOMPSAT 3", "K3", "아리랑3호", "KOMPSAT 3A", "K3A", "DAEJEON", "Daejeon",
          "대전", "KARI"]  # fmt: skip
_IDS = {"event_id": r"(?i)(?<![A-Za-z0-9])CONJ-[0-9A-Z]+(?:-[0-9A-Z]+)*"}


@pytest.mark.parametrize(
    ("text", "satellites", "stations"),
    [
        ("When does SENTINEL-9 pass over Daejeon?", ["SENTINEL-9"], []),
        ("LANDSAT 7 상태 어때? K3는?", ["LANDSAT 7"], []),  # K3 is the mission's
        ("아리랑 13호가 위험해? 아리랑3호는?", ["아리랑 13호"], []),  # 3호 is ours
        ("KOMPSAT-3A passes", [], []),  # the mission's, spelled otherwise: not KOMPSAT + 3
        ("kompsat-3 passes over kari", [], []),  # the mission's names in lower case
        ("assess CONJ-0074 with SGP4", [], []),  # an event id; a propagator
        ("K3 passes over Kourou and 대전 지상국, 전체 지상국", [], ["Kourou"]),
        ("passes over Punta Arenas and Daejeon", [], ["Punta Arenas"]),
    ],
)
def test_names_the_mission_lacks_are_read_after_its_own_are_blanked(
    text: str, satellites: list[str], stations: list[str]
) -> None:
    """The decoder blanks the mission's names (however spelled) and ids, and the agent's
    reader (:func:`cosmo_agent.tools.mentions.unknown_names`) reads what is left."""
    found = unknown_names(spans.blank_names(text, _KNOWN, _IDS))
    assert found == {"satellite": satellites, "station": stations}


def test_designations_found_on_the_evaluation_sets_are_only_the_known_false_alarms(
    teacher: RulesTeacher, tmp_path: Path
) -> None:
    """No request of the development or test generators names a satellite or station the
    mission lacks, so one found there is a false alarm; measured on 1,440 requests of the four
    evaluation sets (2026-12-06): "LOS 120" ("AOS/LOS 120 시간") once and "SGP4" four times,
    and as stations 전체, 모든, 위성별 and June; all are excluded now (위성별, "per satellite",
    by the distributive ending 별, which the tuning sets write 13 times: "지상국별 패스")."""
    build_corpus(teacher, str(tmp_path), n_worlds=4, per_world=40, seed=2000,
                 fractions=(0.0, 0.0, 1.0))  # fmt: skip
    found = []
    for line in (tmp_path / "test.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        request = [m for m in record["messages"] if m["role"] == "user"][-1]["content"]
        ids = {"event_id": r"CONJ-[0-9A-Z]+(?:-[0-9A-Z]+)*"}
        rest = spans.blank_names(request, spans.tool_names(record["tools"]), ids)
        found += [n for names in unknown_names(rest).values() for n in names]
    assert not found, found


def test_a_satellite_the_mission_lacks_reaches_the_tool_as_written() -> None:
    """The grammar offers it, the call is checked against a schema that admits it, and the
    tool refuses it by name with its suggestions: nothing is substituted."""
    from cosmo_agent.model.call_validation import validate_call
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools

    mission = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    tools = [t for t in openai_tools(mission) if t["function"]["name"] == "find_passes"]
    rest = spans.blank_names("SENTINEL-9 over Daejeon", spans.tool_names(tools))
    unknown = {"satellite": unknown_names(rest)["satellite"]}
    [offered] = narrow_tools(tools, "SENTINEL-9 over Daejeon", require_spelled=True,
                             unknown=unknown)  # fmt: skip
    satellites = offered["function"]["parameters"]["properties"]["satellites"]
    [names] = [b for b in satellites["anyOf"] if b.get("type") == "array"]  # not "all"
    assert names["items"]["enum"] == ["SENTINEL-9"] and names["minItems"] == 1, satellites
    call = {"name": "find_passes", "arguments": {"satellites": ["SENTINEL-9"], "stations": "all"}}
    assert validate_call(call, tools)  # the mission's own schema refuses it ...
    assert validate_call(call, spans.admit_unknown(tools, unknown)) == []  # ... the check admits
    stations = offered["function"]["parameters"]["properties"]["stations"]
    assert "SENTINEL-9" not in json.dumps(stations)  # only satellite enums take it


def test_the_shipped_model_quotes_a_name_the_mission_lacks_and_the_tool_refuses_it() -> None:
    """Seen 2026-12-06 on missions/demo.yaml: "When does SENTINEL-9 pass over Daejeon?" was
    answered with passes of SENTINEL 2A, "K3 passes over Kourou" with passes over a mission
    station. Now the tool is asked about SENTINEL-9 or Kourou and says it does not know it."""
    from cosmo_agent.agent.runner import Agent

    agent = Agent.from_mission(Path(__file__).parents[1] / "missions" / "demo.yaml",
                               planner="cosmo")  # fmt: skip
    for request, name, what in (
        ("When does SENTINEL-9 pass over Daejeon?", "SENTINEL-9", "satellite"),
        ("아리랑 13호 충돌 위험 확인해줘", "아리랑 13호", "satellite"),
        ("K3 passes over Kourou", "Kourou", "station"),
        ("쿠루 지상국 패스 알려줘", "쿠루", "station"),
    ):
        result = agent.ask(request)
        [first, *_] = result.trace
        assert not first["ok"] and first.get("error_code") == f"unknown_{what}", first
        assert name in json.dumps(first["args"], ensure_ascii=False)
        assert f"'{name}'" in result.answer  # the answer says so


def test_a_request_naming_a_station_or_an_event_is_offered_only_the_tools_that_take_it() -> None:
    """Seen on the unseen-mission development set: "Punta Arenas 지상국 교신 시간을 … 나눠줘"
    answered with fleet_status, "CONJ-0074 충돌확률 얼마야?" with space_weather. The real tools
    of a real world: a station narrows the turn to passes and scheduling, an event id to the
    tools taking one; a request naming only satellites keeps every tool."""
    from cosmo_agent.tools.registry import openai_tools

    teacher = RulesTeacher()
    mission = teacher.mission(4000)
    tools = openai_tools(mission)
    ids = {"event_id": r"CONJ-[0-9A-Z]+(?:-[0-9A-Z]+)*"}

    def names(request: str) -> set[str]:
        return {t["function"]["name"] for t in spans.tools_for_named(tools, request, ids=ids)}

    station = mission.stations[0]
    assert names(f"{station.name} 지상국 교신 시간 나눠줘") == {"find_passes", "schedule_contacts"}
    assert names("CONJ-0074 충돌확률 얼마야?") == {"assess_conjunction", "plan_avoidance"}
    everything = {t["function"]["name"] for t in tools}
    assert names(f"{mission.fleet[0].name} 괜찮아?") == everything
    assert names("Any flares today?") == everything


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("KOMPSAT-3 passes", ["KOMPSAT 3"]),
        ("kompsat3a and k3", ["KOMPSAT 3A", "K3"]),
        ("K35 is not ours", []),  # not inside a longer Latin word
        ("아리랑 3호가 언제 지나가?", ["아리랑3호"]),  # Korean, spaces aside, particle after
        ("NORAD 38338 상태", ["38338"]),
        ("nothing here", []),
    ],
)
def test_names_spelled_in_a_request(text: str, expected: list[str]) -> None:
    names = ["38338", "KOMPSAT 3", "K3", "KOMPSAT 3A", "K3A", "아리랑3호"]
    assert spelled(names, text) == expected


def test_narrowing_keeps_enums_the_request_does_not_spell(teacher: RulesTeacher) -> None:
    world = teacher.world(7)
    sat = world["satellites"][0]
    narrowed = narrow_tools(world["tools"], f"passes of {sat['name']} over all stations")
    by_name = {t["function"]["name"]: t["function"]["parameters"] for t in narrowed}
    original = {t["function"]["name"]: t["function"]["parameters"] for t in world["tools"]}
    sats = by_name["find_passes"]["properties"]["satellites"]["anyOf"][0]["items"]["enum"]
    assert sats == [sat["name"]]
    stations = by_name["find_passes"]["properties"]["stations"]
    assert stations == original["find_passes"]["properties"]["stations"]  # none spelled
    objective = by_name["schedule_contacts"]["properties"]["objective"]
    assert objective == original["schedule_contacts"]["properties"]["objective"]
    assert world["tools"] != narrowed  # the input is not changed


def test_the_decoder_is_offered_only_the_names_the_request_spells(teacher: RulesTeacher) -> None:
    """With ``narrow_names`` the shipped model can only write a name the request spelled;
    the prompt (and so what the model reads) is the same either way."""
    from cosmo_agent.model.inference import CosmoChatModel

    world = teacher.world(7)
    sat = world["satellites"][1]
    messages = [
        {"role": "system", "content": world["system"]},
        {"role": "user", "content": f"screen {sat['name']} for conjunctions, 2 days"},
    ]
    narrowed = CosmoChatModel.load(narrow_names=True, max_new_tokens=96)
    done = narrowed.complete(messages, world["tools"], tool_choice="required")
    named = [n for c in done.tool_calls for n in c["arguments"].get("satellites") or []]
    assert named and set(named) <= {sat["name"]}, done.raw
    plain = CosmoChatModel.load(narrow_names=False, max_new_tokens=96)
    engine = plain.engine
    assert engine.prompt_ids(messages, world["tools"]) == narrowed.engine.prompt_ids(
        messages, world["tools"]
    )


def test_requiring_spelled_names_asks_for_every_one_and_never_all() -> None:
    names = ["K3", "K5", "KOMPSAT 3"]
    tool = {"type": "function", "function": {"name": "find_passes", "parameters": {
        "type": "object", "properties": {"satellites": {"anyOf": [
            {"type": "array", "items": {"type": "string", "enum": names}, "minItems": 1,
             "maxItems": 100, "uniqueItems": True},
            {"const": "all", "type": "string"}]}}}}}  # fmt: skip
    [both] = narrow_tools([tool], "K3 and K5 passes", require_spelled=True)
    node = both["function"]["parameters"]["properties"]["satellites"]
    assert node["anyOf"] == [{"type": "array", "items": {"type": "string", "enum": ["K3", "K5"]},
                              "minItems": 2, "maxItems": 2, "uniqueItems": True}]  # fmt: skip
    [none] = narrow_tools([tool], "passes of every satellite", require_spelled=True)
    assert none == tool  # nothing spelled: the whole enum and "all" stay
    [loose] = narrow_tools([tool], "K3 and K5 passes")
    assert {"const": "all", "type": "string"} in loose["function"]["parameters"]["properties"][
        "satellites"]["anyOf"]  # fmt: skip


def test_a_request_naming_no_satellite_or_station_means_all_of_them() -> None:
    """Seen on the development sets: "Hartebeesthoek 지상국 교신 시간을 … 위성들한테 나눠줘"
    (no satellite named) was scheduled for one satellite the model picked.  The real tools of
    missions/demo.yaml: a kind nobody names takes only "all"; a named one, a name the mission
    lacks, or a name in an earlier operator turn keeps the list."""
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools

    mission = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    tools = [t for t in openai_tools(mission)
             if t["function"]["name"] in ("find_passes", "schedule_contacts", "fleet_status")]

    def kinds(text: str, unknown: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
        out = {}
        for t in spans.all_when_unnamed(tools, text, unknown):
            props = t["function"]["parameters"].get("properties") or {}
            for key in ("satellites", "stations"):
                if key in props:
                    out[f"{t['function']['name']}.{key}"] = sorted(
                        b.get("type", "?") if "const" not in b else "all"
                        for b in props[key]["anyOf"])
        return out

    every = ["all", "array"]
    assert kinds("대전 지상국 교신 시간을 위성들한테 나눠줘") == {
        "find_passes.satellites": ["all"], "find_passes.stations": every,
        "schedule_contacts.satellites": ["all"], "schedule_contacts.stations": every}
    assert kinds("Plan tomorrow's downlinks for every satellite at every station") == {
        "find_passes.satellites": ["all"], "find_passes.stations": ["all"],
        "schedule_contacts.satellites": ["all"], "schedule_contacts.stations": ["all"]}
    assert set(map(tuple, kinds("K3 passes over Jeju").values())) == {tuple(every)}
    assert kinds("SENTINEL-9 passes", {"satellite": ["SENTINEL-9"]})[
        "find_passes.satellites"] == every
    assert kinds("K3 passes over Jeju\nand schedule them")["schedule_contacts.satellites"] == every
    assert spans.all_when_unnamed([], "anything") == []


def test_the_shipped_model_writes_all_when_no_satellite_is_named() -> None:
    from cosmo_agent.agent.planners import system_prompt
    from cosmo_agent.model.inference import CosmoChatModel
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools

    mission = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    tools = [t for t in openai_tools(mission) if t["function"]["name"] == "schedule_contacts"]
    system = {"role": "system", "content": system_prompt(mission)}
    chat = CosmoChatModel.load(all_when_unnamed=True, choose_tools=False, max_new_tokens=96)
    for request in ("대전 지상국 교신 시간을 우선순위 높은 위성 위주로 위성들한테 나눠줘",
                    "Share Jeju's antenna time among the satellites by priority."):
        done = chat.complete([system, {"role": "user", "content": request}], tools,
                             tool_choice="required")  # fmt: skip
        [call] = done.tool_calls
        assert call["arguments"]["satellites"] == "all", done.raw


def test_corpora_are_not_quoted_unless_asked(teacher: RulesTeacher, tmp_path: Path) -> None:
    """Quoting is opt-in: the measured cosmo-tiny copied spans badly (see the model card)."""
    manifest = build_corpus(teacher, str(tmp_path), n_worlds=1, per_world=12, seed=1500)
    assert manifest.data["teacher"]["quoted_values"] == 0


def test_ids_are_quoted_from_the_request_or_a_tool_result_never_made_up() -> None:
    """The shipped model asked to plan an avoidance with no event id written anywhere cannot
    invent one (it once answered a Korean pass question with ``CONJ-0035``); once a screening
    result spells ids, it may quote one of them, and only one of them."""
    from cosmo_agent.agent.planners import system_prompt
    from cosmo_agent.model.inference import CosmoChatModel
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools

    mission = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    tools = openai_tools(mission)
    chat = CosmoChatModel.load(max_new_tokens=96)
    assert chat.engine.quoted_ids, "the shipped model's generation config sets cosmo_quoted_ids"
    request = "Plan an avoidance maneuver for the conjunction"
    ask = [{"role": "system", "content": system_prompt(mission)},
           {"role": "user", "content": request}]  # fmt: skip
    for choice in ("auto", "required"):
        done = chat.complete(ask, tools, tool_choice=choice)
        for call in done.tool_calls:
            assert "event_id" not in call["arguments"], (choice, done.raw)
    screened = {"event_id": "CONJ-0042", "primary": "KOMPSAT 3", "miss_km": 0.4}
    after = [*ask,
             {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
              "function": {"name": "screen_conjunctions", "arguments": "{}"}}]},
             {"role": "tool", "tool_call_id": "c1",
              "content": json.dumps({"events": [screened]})}]  # fmt: skip
    done = chat.complete(after, tools, tool_choice={"function": {"name": "plan_avoidance"}})
    [call] = done.tool_calls
    assert call["arguments"]["event_id"] == "CONJ-0042", done.raw


def test_quote_ids_leaves_other_tools_and_optional_ids_alone() -> None:
    tools = [
        {"type": "function", "function": {"name": "needs", "parameters": {
            "type": "object", "properties": {"event_id": {"type": "string"}},
            "required": ["event_id"]}}},
        {"type": "function", "function": {"name": "may", "parameters": {
            "type": "object", "properties": {"event_id": {"type": "string"},
                                             "n": {"type": "integer"}}}}},
        {"type": "function", "function": {"name": "other", "parameters": {
            "type": "object", "properties": {"n": {"type": "integer"}}}}},
    ]  # fmt: skip
    pattern = {"event_id": r"(?i)CONJ-\d+"}
    kept = quote_ids(tools, "no id here", pattern)
    assert [t["function"]["name"] for t in kept] == ["may", "other"]
    assert kept[0]["function"]["parameters"]["properties"] == {"n": {"type": "integer"}}
    assert kept[1] == tools[2]
    [needs, _, _] = quote_ids(tools, "conj-7 then CONJ-0009, again conj-7", pattern)
    assert needs["function"]["parameters"]["properties"]["event_id"]["enum"] == [
        "conj-7",
        "CONJ-0009",
    ]
    assert "enum" not in tools[0]["function"]["parameters"]["properties"]["event_id"]  # unchanged


# -- values the request writes are quoted, not computed ------------------------------------------


def _accepts(schema: dict[str, Any], value: str) -> bool:
    """Whether the grammar the decoder compiles for ``schema`` accepts ``{"x":value}``."""
    import xgrammar as xgr
    from xgrammar.testing import _is_grammar_accept_string

    from cosmo_agent.model.inference import decoding_schema

    whole = decoding_schema({"type": "object", "properties": {"x": schema}, "required": ["x"]})
    grammar = xgr.Grammar.from_json_schema(
        json.dumps(whole), any_whitespace=False, separators=(",", ":")
    )
    return bool(_is_grammar_accept_string(grammar, '{"x":' + value + "}"))


def _duration_tool() -> dict[str, Any]:
    from cosmo_agent.tools.registry import openai_tools

    [tool] = [t for t in openai_tools() if t["function"]["name"] == "screen_conjunctions"]
    return tool


@pytest.mark.parametrize(
    ("written", "accepted", "refused"),
    [
        ([12.0], ["12", "12.0", "12.00"], ["24", "24.0", "12.5", '"12 hours"']),
        ([48.0, 0.5], ["48.0", "0.5", "48"], ["24.0", "1"]),
        ([1.5], ["1.5", "1.50"], ["15", "1"]),
    ],
)
def test_the_decoder_writes_a_duration_only_as_the_request_wrote_it(
    written: list[float], accepted: list[str], refused: list[str]
) -> None:
    """Grammar-level: the narrowed argument accepts each written value in every way JSON
    writes it (the corpus has both ``24`` and ``24.0``), and nothing else: not the default,
    not a neighbour, not the text form."""
    [narrowed] = narrow_values([_duration_tool()], {"duration_h": written})
    node = narrowed["function"]["parameters"]["properties"]["duration_h"]
    for value in accepted:
        assert _accepts(node, value), value
    for value in refused:
        assert not _accepts(node, value), value


def test_small_and_unround_values_keep_their_own_spelling() -> None:
    """A probability written as ``1e-05`` in the corpus, and a value with more decimals than
    xgrammar's ranges write (5 minutes in hours), stay writable."""
    pc = {"anyOf": [{"type": "number", "exclusiveMinimum": 0.0, "exclusiveMaximum": 1.0},
                    {"type": "string"}]}  # fmt: skip
    tool = {"type": "function", "function": {"name": "t", "parameters": {"type": "object",
            "properties": {"max_pc": pc, "duration_h": pc}}}}  # fmt: skip
    [narrowed] = narrow_values([tool], {"max_pc": [1e-05], "duration_h": [5 / 60]})
    props = narrowed["function"]["parameters"]["properties"]
    assert _accepts(props["max_pc"], "1e-05") and _accepts(props["max_pc"], "0.00001")
    assert not _accepts(props["max_pc"], "0.0001")
    assert _accepts(props["duration_h"], repr(5 / 60))
    assert not _accepts(props["duration_h"], "0.083333")


def test_a_value_out_of_bounds_is_offered_as_written_and_unwritten_ones_are_left_whole() -> None:
    """ "for 10 days" where 168 h is the most: the decoder may only write 240, which the
    contract refuses, never the 24 h default or another number (fail closed)."""
    tool = _duration_tool()
    params = tool["function"]["parameters"]["properties"]
    [narrowed] = narrow_values([tool], {"duration_h": [240.0], "step_s": [60.0]})
    out = narrowed["function"]["parameters"]["properties"]
    assert _accepts(out["duration_h"], "240") and not _accepts(out["duration_h"], "24")
    [both] = narrow_values([tool], {"duration_h": [240.0, 48.0]})
    node = both["function"]["parameters"]["properties"]["duration_h"]
    assert _accepts(node, "48") and not _accepts(node, "240")  # one within bounds: that one
    assert out["threshold_km"] == params["threshold_km"]  # nothing written for it
    assert "step_s" not in out  # an argument this tool does not have is not added
    assert narrow_values([tool], {}) == [tool]


def test_the_tools_read_what_a_request_writes_in_english_and_korean() -> None:
    """The values come from the tools' own parser (tools.quantities), per argument, in the
    argument's unit; a cadence is a step and not also a duration, a hard-body radius is not
    also a miss distance, a time is not also a duration; no time written is ``[]``."""
    from cosmo_agent.tools.registry import spelled_values

    no_time = {"start": [], "burn_epoch": [], "time": []}
    assert spelled_values("screen K3 within 2 km over the next 3 days") == {
        **no_time, "duration_h": [72.0], "threshold_km": [2.0],
        "target_miss_km": [2.0]}  # fmt: skip
    assert spelled_values("propagate every 5 minutes for 2 hours") == {
        **no_time, "duration_h": [2.0], "step_s": [300.0]}  # fmt: skip
    assert spelled_values("K3A 이틀 동안 10분 간격으로, 충돌확률 10만분의 1 이하, HBR 20 m") == {
        **no_time, "duration_h": [48.0], "step_s": [600.0], "hard_body_radius_m": [20.0],
        "max_pc": [1e-05]}  # fmt: skip
    assert spelled_values("위성 전체 상태 알려줘") == no_time
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    tomorrow = ["2026-06-11T03:00:00Z"]
    assert spelled_values("내일 03:00 UTC부터 12시간 동안 전파", now) == {
        "start": tomorrow, "burn_epoch": tomorrow, "time": tomorrow,
        "duration_h": [12.0]}  # fmt: skip
    in_2h = ["2026-06-10T14:00:00Z"]
    assert spelled_values("K5 safe mode in 2 hours", now) == {
        "start": in_2h, "burn_epoch": in_2h, "time": in_2h}  # fmt: skip
    # a time without the planning clock cannot be quoted: the argument is left to the model
    assert spelled_values("K5 safe mode in 2 hours") == {}


def test_a_time_nobody_wrote_is_not_offered_and_a_written_one_is_quoted() -> None:
    from cosmo_agent.tools.registry import openai_tools

    [tool] = [t for t in openai_tools() if t["function"]["name"] == "propagate"]
    [none] = narrow_values([tool], {"start": []})
    assert "start" not in none["function"]["parameters"]["properties"]
    [one] = narrow_values([tool], {"start": ["2026-06-11T03:00:00Z"]})
    node = one["function"]["parameters"]["properties"]["start"]
    assert _accepts(node, '"2026-06-11T03:00:00Z"')
    assert not _accepts(node, '"2026-06-11T04:00:00Z"') and not _accepts(node, '"tomorrow"')


def test_quantity_arguments_have_one_kind_per_name_across_tools() -> None:
    from cosmo_agent.tools.registry import tool_specs
    from cosmo_agent.tools.toolkit.arguments import quantity_arguments

    kinds: dict[str, set[str]] = {}
    for spec in tool_specs().values():
        for name, kind in quantity_arguments(spec.args).items():
            kinds.setdefault(name, set()).add(kind)
    assert kinds == {"start": {"time"}, "burn_epoch": {"time"},
                     "duration_h": {"duration_h"}, "step_s": {"step_s"},
                     "min_elevation_deg": {"elevation_deg"}, "threshold_km": {"distance_km"},
                     "hard_body_radius_m": {"radius_m"}, "max_pc": {"probability"},
                     "target_miss_km": {"distance_km"}}  # fmt: skip


def test_the_shipped_model_quotes_the_duration_the_request_wrote() -> None:
    """End to end through ``CosmoChatModel``: with the tools' reading of the request, the
    duration and step written are the ones the call carries (the shipped weights without it
    wrote 24 h for "for 12 hours" on test-split requests)."""
    from cosmo_agent.agent.planners import system_prompt
    from cosmo_agent.model.inference import CosmoChatModel
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools, spelled_values

    mission = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    tools = openai_tools(mission)
    chat = CosmoChatModel.load(max_new_tokens=128, request_values=spelled_values)
    for request, expected in [
        ("Propagate every satellite for 7 hours every 45 seconds", (7.0, 45.0)),
        ("모든 위성 궤도를 9시간 동안 20초 간격으로 전파해 줘", (9.0, 20.0)),
    ]:
        messages = [{"role": "system", "content": system_prompt(mission)},
                    {"role": "user", "content": request}]  # fmt: skip
        done = chat.complete(messages, tools, tool_choice={"function": {"name": "propagate"}})
        [call] = done.tool_calls
        args = call["arguments"]
        assert "start" not in args, done.raw  # the request writes no start time
        assert (args["duration_h"], args["step_s"]) == expected, done.raw  # written: required


def test_the_cosmo_planner_quotes_times_against_the_planning_clock() -> None:
    """The product path: the planner binds the tools' reading of the request with the run's
    planning clock, so "tomorrow at 03:00 UTC" can only be written as that instant, and the
    shipped model, forced to propagate, writes it so (or leaves it out) and no other start."""
    from functools import partial

    from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    from cosmo_agent.agent.planners import CosmoPlanner, system_prompt
    from cosmo_agent.agent.planning import PlannerTask
    from cosmo_agent.model.inference import CosmoChatModel
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools, spelled_values

    mission = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    now = datetime(2026, 6, 10, 9, 15, tzinfo=UTC)
    request = "Propagate every satellite from tomorrow at 03:00 UTC for 7 hours every 45 seconds"
    task = PlannerTask(mode="ask", mission=mission, request=request,
                       tools=tuple(openai_tools(mission)), now=now)  # fmt: skip

    bound: dict[str, object] = {}

    class Recorder(FakeMessagesListChatModel):
        request_values: object = spelled_values

        def bind_tools(self, tools: object, **kwargs: object) -> Recorder:  # type: ignore[override]
            bound.update(kwargs)
            return self

    CosmoPlanner(chat=Recorder(responses=[AIMessage("ok")])).next_turn(
        task, [SystemMessage(system_prompt(mission)), HumanMessage(request)]
    )
    reader = bound["request_values"]
    assert callable(reader)
    assert reader(request)["start"] == ["2026-06-11T03:00:00Z"]
    assert reader(request)["duration_h"] == [7.0] and reader(request)["step_s"] == [45.0]

    chat = CosmoChatModel.load(max_new_tokens=128, request_values=spelled_values)
    messages = [{"role": "system", "content": system_prompt(mission)},
                {"role": "user", "content": request}]  # fmt: skip
    done = chat.complete(messages, openai_tools(mission), request_values=partial(
        spelled_values, now=now), tool_choice={"function": {"name": "propagate"}})  # fmt: skip
    [call] = done.tool_calls
    assert call["arguments"].get("start") in (None, "2026-06-11T03:00:00Z"), done.raw
    assert call["arguments"]["duration_h"] == 7.0 and call["arguments"]["step_s"] == 45.0


def test_a_written_quantity_must_be_in_the_call_and_a_written_time_may_be() -> None:
    """With ``require_written`` (the shipped decoder's setting) "for 12 hours" cannot become
    the 24 h default by leaving the argument out; a time stays optional, since a time in the
    request may be about something else (a conjunction's TCA is not a burn time)."""
    from cosmo_agent.tools.registry import openai_tools

    [tool] = [t for t in openai_tools() if t["function"]["name"] == "propagate"]
    written = {"duration_h": [12.0], "start": ["2026-06-11T03:00:00Z"]}
    [strict] = narrow_values([tool], written, require_written=True)
    assert set(strict["function"]["parameters"]["required"]) == {"satellites", "duration_h"}
    [loose] = narrow_values([tool], written)
    assert loose["function"]["parameters"]["required"] == ["satellites"]
    assert tool["function"]["parameters"]["required"] == ["satellites"]  # input unchanged


def test_a_request_naming_a_satellite_is_answered_with_a_call_first() -> None:
    """``call_when_named``: the shipped weights answer "아리랑5호 괜찮아?" and "Tell me about L9"
    with a made-up text and no call (seen 2026-12-06); a request that names a satellite or
    station of the mission is about the fleet, so the first turn after it is a call. A
    greeting names none and stays text, and once a tool has answered the model may write its
    answer (the turn after a tool result is not forced)."""
    from cosmo_agent.agent.planners import system_prompt
    from cosmo_agent.model.inference import CosmoChatModel
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools

    mission = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    tools = openai_tools(mission)
    system = {"role": "system", "content": system_prompt(mission)}
    plain = CosmoChatModel.load(max_new_tokens=96, call_when_named=False, name_surrogates=False,
                                choose_tools=False)  # the model's own choice of calls
    named = CosmoChatModel.load(max_new_tokens=96, call_when_named=True)
    for request in ("아리랑5호 괜찮아?", "Tell me about L9"):
        ask = [system, {"role": "user", "content": request}]
        assert not plain.complete(ask, tools, tool_choice="auto").tool_calls  # the miss
        done = named.complete(ask, tools, tool_choice="auto")
        assert done.tool_calls, done.raw
    hello = named.complete([system, {"role": "user", "content": "Hello Cosmo"}], tools,
                           tool_choice="auto")  # fmt: skip
    assert not hello.tool_calls and hello.text
    answered = [system, {"role": "user", "content": "Tell me about L9"},
                {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type":
                 "function", "function": {"name": "fleet_status", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": '{"ok": true}'}]  # fmt: skip
    engine = named.engine
    choices: list[str] = []
    real = engine.constraints

    def recording(grammar_tools: Any, choice: str) -> Any:
        choices.append(choice)
        return real(grammar_tools, choice)

    engine.constraints = recording  # type: ignore[method-assign]
    named.complete(answered, tools, tool_choice="auto")
    named.complete(answered[:2], tools, tool_choice="auto")
    assert choices == ["auto", "required"]


def test_a_duration_over_the_contract_is_refused_not_replaced() -> None:
    """End to end: "for 10 days" (240 h, over propagate's 168 h) comes back as an invalid call
    naming the bound, which the graph answers with a tool error; no call with 24 h is made."""
    from cosmo_agent.agent.planners import system_prompt
    from cosmo_agent.model.inference import CosmoChatModel
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools, spelled_values

    mission = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    chat = CosmoChatModel.load(max_new_tokens=128, request_values=spelled_values)
    done = chat.complete(
        [{"role": "system", "content": system_prompt(mission)},
         {"role": "user", "content": "Propagate every satellite for 10 days"}],
        openai_tools(mission), tool_choice={"function": {"name": "propagate"}},
    )  # fmt: skip
    assert not done.tool_calls, done.raw
    [refused] = done.invalid
    assert refused["name"] == "propagate" and "duration_h" in refused["error"], refused


def _command_item(tool: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = tool["function"]["parameters"]["properties"]["commands"]["items"]
    return item


def test_a_command_request_quotes_its_time() -> None:
    """A command's time is inside ``commands[]``, where narrowing did not reach: the shipped
    weights left out the time of "OBC_RESET … 12 h from now" and wrote June 11 for "June 13
    at 21:00 UTC" (development misses, 2026-12-06). The tools read the time with the
    planning clock; the decoder may write only it, and must."""
    from cosmo_agent.tools.registry import openai_tools, spelled_values

    [tool] = [t for t in openai_tools() if t["function"]["name"] == "propose_commands"]
    now = datetime(2026, 6, 10, 9, 15, tzinfo=UTC)
    written = spelled_values("send TIME_SYNC to K3 on June 12 at 15:00 UTC", now)
    assert written["time"] == ["2026-06-12T15:00:00Z"]
    [timed] = narrow_values([tool], written, require_written=True)
    item = _command_item(timed)
    assert "time" in item["required"]
    assert _accepts(item["properties"]["time"], '"2026-06-12T15:00:00Z"')
    assert not _accepts(item["properties"]["time"], '"2026-06-13T15:00:00Z"')
    # nothing written: the time is not offered (the tool's next contact)
    [free] = narrow_values([tool], spelled_values("put K3 in safe mode", now))
    assert "time" not in _command_item(free)["properties"]
    # after tool results (an avoidance burn) the objects keep the results' times
    [after] = narrow_values([tool], written, require_written=True, items=False)
    assert after == tool


def test_the_shipped_model_proposes_the_time_the_request_wrote() -> None:
    """End to end through ``CosmoChatModel`` with the planning clock, forced to propose."""
    from functools import partial

    from cosmo_agent.agent.planners import system_prompt
    from cosmo_agent.model.inference import CosmoChatModel
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools, spelled_values

    mission = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    now = datetime(2026, 6, 10, 9, 15, tzinfo=UTC)
    chat = CosmoChatModel.load(max_new_tokens=160)
    for request, time in [
        ("Prepare SAFE_MODE_EXIT for K3 on June 12 at 21:00 UTC", "2026-06-12T21:00:00Z"),
        ("지금부터 6시간 뒤에 K5에 OBC_RESET 수행하도록 초안 작성해 줘", "2026-06-10T15:15:00Z"),
    ]:
        messages = [{"role": "system", "content": system_prompt(mission, now)},
                    {"role": "user", "content": request}]  # fmt: skip
        done = chat.complete(messages, openai_tools(mission),
                             request_values=partial(spelled_values, now=now),
                             tool_choice={"function": {"name": "propose_commands"}})  # fmt: skip
        [call] = done.tool_calls
        [item] = call["arguments"]["commands"]
        assert item["time"] == time, done.raw


def test_evaluation_reads_each_request_with_its_records_planning_clock() -> None:
    """``evaluate`` hands the model the teacher's reader with the clock the record's system
    prompt states, as a planner does with its task's clock; it had none, so "in 6 hours"
    and "June 12 at 15:00 UTC" could not be quoted in evaluation."""
    from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
    from langchain_core.messages import AIMessage

    from cosmo_agent.agent.teacher import RulesTeacher
    from cosmo_agent.model.evaluate import chat_model_predictor

    seen: list[object] = []

    class Recorder(FakeMessagesListChatModel):
        def bind_tools(self, tools: object, **kwargs: object) -> Recorder:
            return self

        def invoke(self, input: object, config: object = None, **kwargs: object) -> AIMessage:
            seen.append(kwargs.get("request_values"))
            return AIMessage("ok")

    clock = "You are Cosmo.\nPlanning clock: 2026-06-10T15:15:00Z."
    messages = [{"role": "system", "content": clock},
                {"role": "user", "content": "K5 OBC_RESET in 6 hours"}]  # fmt: skip
    predict = chat_model_predictor(Recorder(responses=[]), RulesTeacher.request_reader)
    assert predict(messages, [{"type": "function", "function": {"name": "x"}}]) == []
    [reader] = seen
    assert callable(reader)
    assert reader("K5 OBC_RESET in 6 hours")["time"] == ["2026-06-10T21:15:00Z"]


def test_the_command_a_request_names_is_the_one_proposed() -> None:
    """Asked for SAFE_MODE_ENTER, the shipped weights proposed SAFE_MODE_EXIT (unseen-mission
    development misses, 2026-12-06): with ``commands.command`` in ``cosmo_quoted_ids`` a
    request that writes a command name may call only ``propose_commands`` (the tool that
    takes it) and the command is one the request writes; a request writing none leaves the
    name free for the tool to check against the dictionary."""
    from functools import partial

    from cosmo_agent.agent.planners import system_prompt
    from cosmo_agent.model.inference import CosmoChatModel
    from cosmo_agent.model.spans import quote_items, tools_for_named
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools, spelled_values

    mission = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    tools = openai_tools(mission)
    chat = CosmoChatModel.load(max_new_tokens=160)
    ids = chat.engine.quoted_ids
    assert "commands.command" in ids  # the shipped generation_config's setting
    named = tools_for_named(tools, "K3에 SAFE_MODE_ENTER 명령 준비해줘", ids=ids)
    assert [t["function"]["name"] for t in named] == ["propose_commands"]
    assert len(tools_for_named(tools, "K3 passes tomorrow?", ids=ids)) == len(tools)
    [free] = quote_items([t for t in tools if t["function"]["name"] == "propose_commands"],
                         "put K3 in safe mode", ids)  # fmt: skip
    assert "enum" not in _command_item(free)["properties"]["command"]
    now = datetime(2026, 6, 10, 9, 15, tzinfo=UTC)
    for request in ("K3에 SAFE_MODE_ENTER 명령 준비해줘",
                    "I'd like to uplink SAFE_MODE_ENTER to K5 on June 12 at 06:00 UTC"):
        messages = [{"role": "system", "content": system_prompt(mission, now)},
                    {"role": "user", "content": request}]  # fmt: skip
        done = chat.complete(messages, tools, request_values=partial(spelled_values, now=now))
        [call] = done.tool_calls
        assert call["name"] == "propose_commands", done.raw
        assert [c["command"] for c in call["arguments"]["commands"]] == ["SAFE_MODE_ENTER"]
