"""Quote instead of compute: the teacher writes values as the request spells them, the
evaluation scores the calls the tools execute (resolved) beside the raw ones, and the
decoder is offered only the names a request spells (model/spans.py).

Expected values are written out by hand from the requests; the resolved comparison is
checked against the tools' own reading (``resolve_arguments``), which has its own tests in
tests/test_quantities.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cosmo_agent.agent.teacher import RulesTeacher
from cosmo_agent.model import spans
from cosmo_agent.model.corpus import build_corpus
from cosmo_agent.model.evaluate import EvalRecord, evaluate, report_markdown
from cosmo_agent.model.spans import narrow_tools, quote_ids, spelled

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
    quoted = _quote(teacher, "K5 safe mode 2시간 후", "propose_commands", commands=[
        {"satellite": "K5", "command": "SAFE_MODE_ENTER", "time": "2026-06-10T14:00:00Z"}])
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
                resolved = teacher.resolve(record, {"name": fn["name"],
                                                    "arguments": fn["arguments"]})
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
        "messages": [{"role": "system", "content": world["system"]},
                     {"role": "user", "content": request}],
        "tools": world["tools"],
        "intended": intended,
        "world_seed": seed,  # type: ignore[typeddict-unknown-key]
    }


def test_evaluation_reports_raw_and_resolved_accuracy(teacher: RulesTeacher) -> None:
    world = teacher.world(7)
    sat = world["satellites"][0]
    alias = sat["aliases"][0]
    intended = [{"name": "screen_conjunctions",
                 "arguments": {"satellites": [sat["name"]], "duration_h": 72.0}}]
    record = _record(f"screen {alias} for 3 days", intended)
    quoted = [{"name": "screen_conjunctions",
               "arguments": {"satellites": [alias], "duration_h": "3 days"}}]
    report = evaluate([record], lambda m, t: quoted, resolver=teacher.resolve)
    result = report["records"][0]
    assert not result["correct"] and result["resolved_correct"] is True
    assert report["metrics"]["all"]["ast_accuracy"] == 0.0
    assert report["metrics"]["all"]["resolved_ast_accuracy"] == 1.0
    assert "AST acc. (resolved)" in report_markdown(report)
    wrong = [{"name": "screen_conjunctions",
              "arguments": {"satellites": [alias], "duration_h": "2 days"}}]
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


# -- names the request spells narrow the grammar -------------------------------------------------


def test_spans_public_surface() -> None:
    assert spans.__all__ == ["narrow_tools", "quote_ids", "spelled"]


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
    messages = [{"role": "system", "content": world["system"]},
                {"role": "user", "content": f"screen {sat['name']} for conjunctions, 2 days"}]
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
    assert needs["function"]["parameters"]["properties"]["event_id"]["enum"] == ["conj-7",
                                                                               "CONJ-0009"]
    assert "enum" not in tools[0]["function"]["parameters"]["properties"]["event_id"]  # unchanged
