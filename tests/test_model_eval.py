"""Evaluation metrics of cosmo_agent.model.evaluate, checked on hand-made predictions."""

from __future__ import annotations

import doctest
import json
import math
import unicodedata
from pathlib import Path
from typing import Any, Literal

import pytest

import cosmo_agent.model.evaluate as ev
from cosmo_agent.model.evaluate import (
    evaluate,
    load_split,
    match_calls,
    normalize_calls,
    perplexity,
    report_markdown,
    schema_errors,
    validate_call,
    write_report,
)

SATS = ["ISS", "SENTINEL-2A", "KOMPSAT-3", "아리랑 3호"]
STATIONS = ["DAEJEON", "SVALBARD"]


def _names(values: list[str]) -> dict[str, Any]:
    return {"anyOf": [
        {"type": "array", "items": {"type": "string", "enum": values}, "minItems": 1,
         "maxItems": 100},
        {"type": "string", "const": "all"},
    ]}


DURATION = {"type": "number", "exclusiveMinimum": 0, "maximum": 168, "default": 24}
TOOLS: list[dict[str, Any]] = [
    {"type": "function", "function": {"name": "fleet_status", "parameters": {
        "type": "object", "properties": {}, "additionalProperties": False}}},
    {"type": "function", "function": {"name": "propagate", "parameters": {
        "type": "object", "additionalProperties": False, "required": ["satellites"],
        "properties": {
            "satellites": _names(SATS),
            "start": {"type": "string", "format": "date-time"},
            "duration_h": DURATION,
            "step_s": {"type": "number", "minimum": 1, "maximum": 3600, "default": 60},
        }}}},
    {"type": "function", "function": {"name": "find_passes", "parameters": {
        "type": "object", "additionalProperties": False, "required": ["satellites", "stations"],
        "properties": {
            "satellites": _names(SATS),
            "stations": {**_names(STATIONS), "anyOf": [
                {"type": "array", "items": {"type": "string", "enum": STATIONS},
                 "uniqueItems": True},
                {"type": "string", "const": "all"}]},
            "duration_h": DURATION,
            "min_elevation_deg": {"type": "number", "minimum": 0, "maximum": 90},
        }}}},
    {"type": "function", "function": {"name": "assess_conjunction", "parameters": {
        "type": "object", "additionalProperties": False, "required": ["event_id"],
        "properties": {
            "event_id": {"type": "string", "minLength": 1, "maxLength": 32},
            "hard_body_radius_m": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
        }}}},
    {"type": "function", "function": {"name": "schedule_contacts", "parameters": {
        "type": "object", "additionalProperties": False, "required": ["satellites", "stations"],
        "properties": {
            "satellites": _names(SATS), "stations": _names(STATIONS), "duration_h": DURATION,
            "objective": {"type": "string", "enum": ["max_volume", "max_priority"],
                          "default": "max_volume"},
        }}}},
    {"type": "function", "function": {"name": "propose_commands", "parameters": {
        "type": "object", "additionalProperties": False, "required": ["commands"],
        "$defs": {"Command": {
            "type": "object", "additionalProperties": False, "required": ["satellite", "command"],
            "properties": {
                "satellite": {"type": "string", "enum": SATS},
                "command": {"type": "string", "maxLength": 64},
                "time": {"type": "string", "format": "date-time"},
                "parameters": {"type": "object", "additionalProperties": {"anyOf": [
                    {"type": "boolean"}, {"type": "number", "minimum": -1e6, "maximum": 1e6},
                    {"type": "string", "maxLength": 64}]}},
            }}},
        "properties": {"commands": {"type": "array", "items": {"$ref": "#/$defs/Command"},
                                    "minItems": 1}},
    }}},
    {"type": "function", "function": {"name": "window", "parameters": {
        "type": "object", "properties": {"count": {"type": "integer", "minimum": 1,
                                                   "maximum": 10}}}}},
]
PARAMS = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}

Backend = Literal["jsonschema", "builtin"]
BACKENDS: list[Backend] = ["builtin", "jsonschema"] if ev.SCHEMA_BACKEND == "jsonschema" else [
    "builtin"]


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def test_doctests() -> None:
    assert doctest.testmod(ev, optionflags=doctest.ELLIPSIS).failed == 0


# -- schema validity --------------------------------------------------------------------------

VALID = [
    ("propagate", {"satellites": "all"}),
    ("propagate", {"satellites": ["ISS", "아리랑 3호"], "duration_h": 168, "step_s": 1}),
    ("propagate", {"satellites": ["ISS"], "start": "2026-06-10T12:00:00Z"}),
    ("propagate", {"satellites": ["ISS"], "start": "2026-06-10T21:00:00+09:00"}),
    ("find_passes", {"satellites": "all", "stations": ["DAEJEON"], "min_elevation_deg": 0}),
    ("assess_conjunction", {"event_id": "CONJ-0001", "hard_body_radius_m": 1000}),
    ("propose_commands", {"commands": [{"satellite": "KOMPSAT-3", "command": "SET_MODE",
                                        "parameters": {"mode": "safe", "dwell": 3, "x": True}}]}),
    ("window", {"count": 3}),
    ("window", {"count": 3.0}),  # JSON Schema: 3.0 is an integer
]
INVALID = [
    ("propagate", {}, "missing required property 'satellites'"),
    ("propagate", {"satellites": "some"}, "alternatives"),
    ("propagate", {"satellites": []}, "alternatives"),
    ("propagate", {"satellites": ["Hubble"]}, "alternatives"),
    ("propagate", {"satellites": "all", "duration_h": 0}, "exclusiveMinimum"),
    ("propagate", {"satellites": "all", "duration_h": 168.5}, "maximum"),
    ("propagate", {"satellites": "all", "duration_h": "24"}, "not of type 'number'"),
    ("propagate", {"satellites": "all", "duration_h": True}, "not of type 'number'"),
    ("propagate", {"satellites": "all", "duration_h": math.inf}, "not of type 'number'"),
    ("propagate", {"satellites": "all", "step_s": 0.5}, "minimum"),
    ("propagate", {"satellites": "all", "start": "2026-02-30T00:00:00Z"}, "date-time"),
    ("propagate", {"satellites": "all", "start": "2026-06-10T12:00:00"}, "date-time"),
    ("propagate", {"satellites": "all", "start": "tomorrow"}, "date-time"),
    ("propagate", {"satellites": "all", "speed": 3}, "unexpected property 'speed'"),
    ("find_passes", {"satellites": "all", "stations": ["DAEJEON", "DAEJEON"]}, "alternatives"),
    ("assess_conjunction", {"event_id": ""}, "minLength"),
    ("assess_conjunction", {"event_id": "X" * 33}, "maxLength"),
    ("propose_commands", {"commands": [{"satellite": "ISS"}]}, "missing required property"),
    ("propose_commands", {"commands": [{"satellite": "ISS", "command": "A",
                                        "parameters": {"p": [1]}}]}, "alternatives"),
    ("propose_commands", {"commands": [{"satellite": "ISS", "command": "A", "extra": 1}]},
     "unexpected property 'extra'"),
    ("window", {"count": 2.5}, "not of type 'integer'"),
    ("window", {"count": 11}, "maximum"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("tool", "args"), VALID)
def test_schema_valid(backend: Backend, tool: str, args: dict[str, Any]) -> None:
    assert schema_errors(args, PARAMS[tool], backend=backend) == []


@pytest.mark.parametrize(("tool", "args", "why"), INVALID)
def test_schema_invalid_builtin(tool: str, args: dict[str, Any], why: str) -> None:
    errors = schema_errors(args, PARAMS[tool], backend="builtin")
    assert errors and any(why in e for e in errors), errors


@pytest.mark.skipif("jsonschema" not in BACKENDS, reason="jsonschema not installed")
def test_schema_invalid_jsonschema() -> None:
    for tool, args, _ in INVALID:
        assert schema_errors(args, PARAMS[tool], backend="jsonschema"), (tool, args)


@pytest.mark.parametrize("backend", BACKENDS)
def test_error_paths_look_the_same_on_both_backends(backend: Backend) -> None:
    args = {"commands": [{"satellite": "ISS", "command": "A", "time": "2026-02-30T00:00:00Z"}]}
    (error,) = schema_errors(args, PARAMS["propose_commands"], backend=backend)
    assert error.startswith("$.commands[0].time: ")


def test_schema_draft4_exclusive_bounds_and_bool_schemas() -> None:
    draft4 = {"type": "number", "minimum": 0, "exclusiveMinimum": True}
    assert schema_errors(0, draft4, backend="builtin")
    assert schema_errors(0.1, draft4, backend="builtin") == []
    assert schema_errors({"a": 1}, {"type": "object", "properties": {"a": False}},
                         backend="builtin") == ["$.a: no value is allowed here"]


def test_validate_call_unknown_tool_and_string_arguments() -> None:
    assert "unknown tool 'launch'" in validate_call(call("launch"), TOOLS)[0]
    openai_shape = {"type": "function", "function": {
        "name": "assess_conjunction", "arguments": '{"event_id": "CONJ-0002"}'}}
    assert validate_call(openai_shape, TOOLS) == []
    broken = {"function": {"name": "assess_conjunction", "arguments": '{"event_id": '}}
    assert validate_call(broken, TOOLS)  # kept as __invalid__, so it fails


def test_normalize_calls_shapes() -> None:
    lc = {"name": "fleet_status", "args": {}, "id": "call_1", "type": "tool_call"}
    assert normalize_calls([lc]) == [{"name": "fleet_status", "arguments": {}}]
    assert normalize_calls([{"name": "x", "arguments": "[1]"}])[0]["arguments"] == {
        "__invalid__": [1]}
    assert normalize_calls(None) == []


# -- AST matching -----------------------------------------------------------------------------

WANT_PASSES = call("find_passes", satellites=["ISS", "KOMPSAT-3"], stations=["DAEJEON"],
                   duration_h=48)

AST_CASES: list[tuple[str, dict[str, Any], dict[str, Any], str | None]] = [
    ("exact", WANT_PASSES, WANT_PASSES, None),
    ("int for number", call("propagate", satellites="all", duration_h=12.0),
     call("propagate", satellites="all", duration_h=12), None),
    ("within tolerance", call("propagate", satellites="all", duration_h=12.0000001),
     call("propagate", satellites="all", duration_h=12), None),
    ("outside tolerance", call("propagate", satellites="all", duration_h=12.01),
     call("propagate", satellites="all", duration_h=12), "expected 12, got 12.01"),
    ("wrong name", call("propagate", satellites="all"), WANT_PASSES,
     "wrong tool: expected 'find_passes', got 'propagate'"),
    ("string for number", {**WANT_PASSES, "arguments": {**WANT_PASSES["arguments"],
                                                        "duration_h": "48"}},
     WANT_PASSES, "expected a number, got str"),
    ("bool for number", call("propagate", satellites="all", duration_h=True),
     call("propagate", satellites="all", duration_h=1), "expected a number, got bool"),
    ("float for integer", call("window", count=3.0), call("window", count=3),
     "expected an integer"),
    ("extra arg", {**WANT_PASSES, "arguments": {**WANT_PASSES["arguments"],
                                                "min_elevation_deg": 10}},
     WANT_PASSES, "unexpected argument 'min_elevation_deg'"),
    ("unknown arg", {**WANT_PASSES, "arguments": {**WANT_PASSES["arguments"], "foo": 1}},
     WANT_PASSES, "unexpected argument 'foo'"),
    ("missing required", call("find_passes", satellites=["ISS", "KOMPSAT-3"], duration_h=48),
     WANT_PASSES, "missing required argument 'stations'"),
    ("omitted default", call("propagate", satellites="all"),
     call("propagate", satellites="all", duration_h=24, step_s=60), None),
    ("explicit default", call("schedule_contacts", satellites="all", stations="all",
                              objective="max_volume"),
     call("schedule_contacts", satellites="all", stations="all"), None),
    ("omitted non-default", call("propagate", satellites="all"),
     call("propagate", satellites="all", duration_h=48), "expected 48, got 24"),
    ("omitted optional without default", call("find_passes", satellites="all", stations="all"),
     call("find_passes", satellites="all", stations="all", min_elevation_deg=10),
     "missing argument 'min_elevation_deg'"),
    ("wrong enum value", call("schedule_contacts", satellites="all", stations="all",
                              objective="max_priority"),
     call("schedule_contacts", satellites="all", stations="all"), "expected 'max_volume'"),
    ("ordered list reversed", call("find_passes", satellites=["KOMPSAT-3", "ISS"],
                                   stations=["DAEJEON"], duration_h=48),
     WANT_PASSES, "satellites[0]: expected 'ISS'"),
    ("unordered list reversed", call("find_passes", satellites="all",
                                     stations=["SVALBARD", "DAEJEON"]),
     call("find_passes", satellites="all", stations=["DAEJEON", "SVALBARD"]), None),
    ("unordered list wrong item", call("find_passes", satellites="all",
                                       stations=["SVALBARD", "SVALBARD"]),
     call("find_passes", satellites="all", stations=["DAEJEON", "SVALBARD"]), "any order"),
    ("all vs list", call("propagate", satellites="all"),
     call("propagate", satellites=["ISS"]), "propagate.satellites"),
    ("korean enum exact", call("propagate", satellites=["아리랑 3호"]),
     call("propagate", satellites=["아리랑 3호"]), None),
    ("korean enum decomposed", call("propagate", satellites=[
        unicodedata.normalize("NFD", "아리랑 3호")]),
     call("propagate", satellites=["아리랑 3호"]), None),
    ("korean enum wrong", call("propagate", satellites=["아리랑 5호"]),
     call("propagate", satellites=["아리랑 3호"]), "expected '아리랑 3호'"),
    ("enum is case sensitive", call("propagate", satellites=["iss"]),
     call("propagate", satellites=["ISS"]), "expected 'ISS'"),
    ("free string normalised", call("assess_conjunction", event_id="conj 0001"),
     call("assess_conjunction", event_id="CONJ-0001"), None),
    ("free string differs", call("assess_conjunction", event_id="CONJ-0002"),
     call("assess_conjunction", event_id="CONJ-0001"), "expected 'CONJ-0001'"),
    ("date-time same instant", call("propagate", satellites="all",
                                    start="2026-06-10T21:00:00+09:00"),
     call("propagate", satellites="all", start="2026-06-10T12:00:00Z"), None),
    ("date-time other instant", call("propagate", satellites="all",
                                     start="2026-06-10T12:00:00+09:00"),
     call("propagate", satellites="all", start="2026-06-10T12:00:00Z"), "start"),
    ("nested objects", call("propose_commands", commands=[
        {"satellite": "KOMPSAT-3", "command": "set_mode", "parameters": {"mode": "SAFE"}}]),
     call("propose_commands", commands=[
         {"satellite": "KOMPSAT-3", "command": "SET_MODE", "parameters": {"mode": "safe"}}]),
     None),
    ("nested wrong type", call("propose_commands", commands=[
        {"satellite": "KOMPSAT-3", "command": "SET_MODE", "parameters": {"dwell": "3"}}]),
     call("propose_commands", commands=[
         {"satellite": "KOMPSAT-3", "command": "SET_MODE", "parameters": {"dwell": 3}}]),
     "parameters.dwell"),
    ("nested extra key", call("propose_commands", commands=[
        {"satellite": "KOMPSAT-3", "command": "SET_MODE", "parameters": {"a": 1, "b": 2}}]),
     call("propose_commands", commands=[
         {"satellite": "KOMPSAT-3", "command": "SET_MODE", "parameters": {"a": 1}}]),
     "unexpected argument 'b'"),
]


@pytest.mark.parametrize(("label", "got", "want", "why"), AST_CASES,
                         ids=[c[0] for c in AST_CASES])
def test_match_single_call(label: str, got: dict[str, Any], want: dict[str, Any],
                           why: str | None) -> None:
    reason = match_calls([got], [want], TOOLS)
    if why is None:
        assert reason is None
    else:
        assert reason is not None and why in reason, reason


def test_match_multiple_calls_any_order_and_counts() -> None:
    a = call("fleet_status")
    b = call("propagate", satellites=["ISS"], duration_h=6)
    c = call("assess_conjunction", event_id="CONJ-0001")
    assert match_calls([b, a, c], [a, b, c], TOOLS) is None
    assert match_calls([a, a], [a, a], TOOLS) is None
    assert match_calls([a, b], [a, b, c], TOOLS) == "expected 3 call(s), got 2"
    assert match_calls([a, a], [a, b], TOOLS) is not None
    wrong_b = call("propagate", satellites=["ISS"], duration_h=7)
    reason = match_calls([wrong_b, a], [a, b], TOOLS)
    assert reason is not None
    assert match_calls([], [], TOOLS) is None


def test_tolerances_are_configurable() -> None:
    got, want = call("window", count=4), call("window", count=3)
    assert match_calls([got], [want], TOOLS) is not None
    near = call("propagate", satellites="all", duration_h=24.1)
    assert match_calls([near], [call("propagate", satellites="all")], TOOLS, rel_tol=0.01) is None


# -- whole-split evaluation -------------------------------------------------------------------


def _record(rid: str, lang: str, text: str, intended: list[dict[str, Any]]) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": "You are Cosmo."},
                                      {"role": "user", "content": text}]
    if intended:  # the split stores the whole reference conversation
        messages += [
            {"role": "assistant", "content": None, "tool_calls": [
                {"type": "function", "id": f"c{i}", "function": c}
                for i, c in enumerate(intended)]},
            {"role": "tool", "tool_call_id": "c0", "name": intended[0]["name"],
             "content": '{"ok": true}'},
            {"role": "assistant", "content": "Done."},
        ]
    else:
        messages.append({"role": "assistant", "content": "Hello!"})
    return {"id": rid, "lang": lang, "messages": messages, "tools": TOOLS, "intended": intended}


SPLIT = [
    _record("en-1", "en", "Fleet status please", [call("fleet_status")]),
    _record("en-2", "en", "ISS passes over Daejeon, 2 days",
            [call("find_passes", satellites=["ISS"], stations=["DAEJEON"], duration_h=48)]),
    _record("en-3", "en", "Hi there!", []),
    _record("en-4", "en", "What is a TLE?", []),
    _record("ko-1", "ko", "아리랑 3호 궤도 24시간 전파해줘",
            [call("propagate", satellites=["아리랑 3호"], duration_h=24)]),
    _record("ko-2", "ko", "CONJ-0001 충돌 확률 평가해줘",
            [call("assess_conjunction", event_id="CONJ-0001")]),
    _record("ko-3", "ko", "안녕하세요", []),
]

PREDICTIONS: dict[str, Any] = {
    "en-1": [call("fleet_status")],                                                  # right
    "en-2": [call("find_passes", satellites=["ISS"], stations="all", duration_h=48)],  # wrong
    "en-3": [],                                                                       # right
    "en-4": [call("space_weather")],                       # wrong; unknown tool, invalid
    "ko-1": [{"function": {"name": "propagate",                     # right (default omitted)
                           "arguments": json.dumps({"satellites": ["아리랑 3호"]})}}],
    "ko-2": [call("assess_conjunction", event_id=1)],               # wrong type, invalid
    "ko-3": [],                                                                       # right
}


def _predictor(seen: list[list[dict[str, Any]]]) -> Any:
    def predict(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        seen.append(messages)
        assert tools == TOOLS
        text = messages[-1]["content"]
        return next(PREDICTIONS[r["id"]] for r in SPLIT if r["messages"][1]["content"] == text)

    return predict


def test_evaluate_metrics_by_language() -> None:
    seen: list[list[dict[str, Any]]] = []
    report = evaluate(SPLIT, _predictor(seen))
    # the predictor sees the conversation only up to the user's request
    assert all(m[-1]["role"] == "user" and len(m) == 2 for m in seen)
    m = report["metrics"]
    assert set(m) == {"all", "en", "ko"}
    assert m["all"]["n_records"] == 7 and m["all"]["n_relevant"] == 4
    assert m["all"]["ast_accuracy"] == pytest.approx(2 / 4)
    assert m["all"]["irrelevance_accuracy"] == pytest.approx(2 / 3)
    assert m["all"]["relevance_rate"] == 1.0
    assert m["all"]["overall_accuracy"] == pytest.approx(4 / 7)
    assert m["all"]["n_calls"] == 5
    assert m["all"]["schema_validity"] == pytest.approx(3 / 5)
    assert m["en"]["ast_accuracy"] == pytest.approx(1 / 2)
    assert m["en"]["irrelevance_accuracy"] == pytest.approx(1 / 2)
    assert m["en"]["schema_validity"] == pytest.approx(2 / 3)
    assert m["ko"]["ast_accuracy"] == pytest.approx(1 / 2)
    assert m["ko"]["irrelevance_accuracy"] == 1.0
    assert m["ko"]["schema_validity"] == pytest.approx(1 / 2)
    assert m["all"]["perplexity"] is None
    by_id = {r["id"]: r for r in report["records"]}
    assert "stations" in (by_id["en-2"]["reason"] or "")
    assert by_id["en-4"]["reason"] == "no call expected, got ['space_weather']"
    assert by_id["en-4"]["invalid"] and by_id["ko-2"]["invalid"]
    assert by_id["ko-1"]["correct"]


def test_evaluate_counts_a_crashing_predictor_as_wrong() -> None:
    def boom(messages: Any, tools: Any) -> Any:
        raise RuntimeError("model exploded")

    report = evaluate(SPLIT[:3], boom)
    assert report["metrics"]["all"]["ast_accuracy"] == 0.0
    assert report["metrics"]["all"]["irrelevance_accuracy"] == 0.0
    assert report["records"][0]["reason"] == "predictor error: RuntimeError: model exploded"
    assert report["metrics"]["all"]["schema_validity"] is None  # no calls at all


def test_split_and_report_files(tmp_path: Path) -> None:
    split = tmp_path / "test.jsonl"
    split.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in SPLIT) + "\n\n",
                     encoding="utf-8")
    records = load_split(split)
    assert [r["id"] for r in records] == [r["id"] for r in SPLIT]
    report = evaluate(records, _predictor([]))
    write_report(report, tmp_path / "r.json", tmp_path / "r.md")
    again = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert again["metrics"]["ko"]["ast_accuracy"] == pytest.approx(0.5)
    assert "아리랑 3호" in (tmp_path / "r.json").read_text(encoding="utf-8")
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert md == report_markdown(report)
    rows = [line for line in md.splitlines() if line.startswith("| ")][1:]
    assert [r.split("|")[1].strip() for r in rows] == ["all", "en", "ko"]
    assert "| 50.0% |" in rows[2] and "(5)" in rows[0]

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "messages": [], "tools": [], "intended": []}\n{"id": \n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2"):
        load_split(bad)


# -- perplexity -------------------------------------------------------------------------------


class _UniformLM:
    """Logits all zero: every next token has probability 1/V, so perplexity is exactly V."""

    def __init__(self, vocab: int) -> None:
        import torch

        self.vocab = vocab
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def parameters(self) -> Any:
        return iter([self.weight])

    def __call__(self, input_ids: Any) -> Any:
        import torch

        class Out:
            logits = torch.zeros(1, input_ids.shape[1], self.vocab)

        return Out()


class _ByteTokenizer:
    def __call__(self, text: str, add_special_tokens: bool = False, return_tensors: str = "pt",
                 ) -> dict[str, Any]:
        import torch

        return {"input_ids": torch.tensor([list(text.encode("utf-8"))])}


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size() -> None:
    ppl = perplexity(_UniformLM(256), _ByteTokenizer(), ["hello world", "위성 궤도"])
    assert ppl == pytest.approx(256, rel=1e-6)
    assert math.isnan(perplexity(_UniformLM(256), _ByteTokenizer(), ["x"]))


@pytest.mark.slow
def test_perplexity_matches_a_brute_force_product_of_probabilities() -> None:
    torch = pytest.importorskip("torch")
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    model: Any = LlamaForCausalLM(LlamaConfig(
        vocab_size=256, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=64))
    model.eval()
    texts = ["orbit", "궤도 전파"]
    total, count = 0.0, 0
    for text in texts:
        ids = list(text.encode("utf-8"))
        for t in range(1, len(ids)):  # one full forward per prefix: no cache, no batching
            with torch.no_grad():
                logits = model(input_ids=torch.tensor([ids[:t]])).logits[0, -1]
            total -= float(torch.log_softmax(logits.double(), -1)[ids[t]])
            count += 1
    ppl = perplexity(model, _ByteTokenizer(), texts)
    assert ppl == pytest.approx(math.exp(total / count), rel=1e-4)


def test_chat_model_predictor_uses_bind_tools() -> None:
    from langchain_core.messages import AIMessage

    bound_with: list[Any] = []

    class Fake:
        def bind_tools(self, tools: Any) -> Any:
            bound_with.append(tools)
            return self

        def invoke(self, messages: Any) -> AIMessage:
            assert messages[-1].content == "Fleet status please"
            return AIMessage(content="", tool_calls=[
                {"name": "fleet_status", "args": {}, "id": "call_1", "type": "tool_call"}])

    predict = ev.chat_model_predictor(Fake())
    report = evaluate(SPLIT[:1], predict)
    assert report["metrics"]["all"]["ast_accuracy"] == 1.0 and bound_with == [TOOLS]


@pytest.mark.slow
def test_command_line_evaluates_a_saved_model(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """End to end: a tiny random model directory, a split file, JSON + markdown reports."""
    pytest.importorskip("xgrammar")
    from test_model_inference import make_model, make_tokenizer

    tokenizer = make_tokenizer()
    make_model(tokenizer).save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    split = tmp_path / "test.jsonl"
    split.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in SPLIT[:4] + SPLIT[-2:]),
                     encoding="utf-8")
    out, md = tmp_path / "report.json", tmp_path / "report.md"
    assert ev.main(["--split", str(split), "--model", str(tmp_path / "model"), "--out", str(out),
                    "--markdown", str(md), "--max-new-tokens", "24"]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    m = report["metrics"]
    assert set(m) == {"all", "en", "ko"} and m["all"]["n_records"] == 6
    assert m["all"]["schema_validity"] in (None, 1.0)  # constrained decoding: never invalid
    vocab = len(tokenizer)
    assert 1.0 < m["all"]["perplexity"] < 10 * vocab and m["ko"]["perplexity"] > 1.0
    assert capsys.readouterr().out == md.read_text(encoding="utf-8")
