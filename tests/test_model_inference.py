"""CosmoChatModel: chat-template rendering, constrained decoding, parsing, KV-cache reuse.

The models here are tiny and random, so their output is garbage — but every tool call they
emit must still be valid for its schema, which is what constrained decoding promises.
"""

from __future__ import annotations

import doctest
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("xgrammar")

import torch
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel, Field

import cosmo_agent.model.inference as inf
from cosmo_agent.model.evaluate import schema_errors, validate_call
from cosmo_agent.model.inference import (
    DATE_TIME_UTC_PATTERN,
    CosmoChatModel,
    ToolCallFormat,
    decoding_schema,
    parse_tool_calls,
)
from cosmo_agent.model.tokenizer import (
    COSMO_CHAT_TEMPLATE,
    COSMO_COMPACT_CHAT_TEMPLATE,
    train_tokenizer,
)

# The Cosmo templates write calls as <tool_call>\n{"name": "...", "arguments": {...}}\n</tool_call>;
# this variant writes compact JSON, to check that decoding follows whatever the template writes.
COMPACT_JSON_TEMPLATE = COSMO_COMPACT_CHAT_TEMPLATE.replace(
    """'<tool_call>\\n{"name": "' + fn.name + '", "arguments": '""",
    """'<tool_call>{"name":"' + fn.name + '","arguments":'""").replace(
    "fn.arguments | tojson }}", "fn.arguments | tojson(separators=(',', ':')) }}").replace(
    '"}\\n</tool_call>"', '"}</tool_call>"')

SATS = ["ISS", "SENTINEL-2A", "KOMPSAT-3", "아리랑 3호", "25544"]
STATIONS = ["DAEJEON", "SVALBARD", "제주"]


def _names(values: list[str]) -> dict[str, Any]:
    return {"anyOf": [
        {"type": "array", "items": {"type": "string", "enum": values, "maxLength": 128,
                                    "minLength": 1}, "minItems": 1, "maxItems": 100},
        {"type": "string", "const": "all"}]}


def _fn(name: str, props: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": name.replace("_", " "),
                                             "parameters": {
        "type": "object", "additionalProperties": False, "properties": props,
        "required": list(required)}}}


DURATION = {"type": "number", "exclusiveMinimum": 0.0, "maximum": 168.0, "default": 24.0}
# The nine contract tools, shaped like the registry's schemas with mission enums.
CONTRACT_TOOLS = [
    _fn("fleet_status", {}),
    _fn("propagate", {"satellites": _names(SATS), "start": {"type": "string",
                                                           "format": "date-time"},
                      "duration_h": DURATION,
                      "step_s": {"type": "number", "minimum": 1, "maximum": 3600}},
        ("satellites",)),
    _fn("find_passes", {"satellites": _names(SATS), "stations": _names(STATIONS),
                        "duration_h": DURATION,
                        "min_elevation_deg": {"type": "number", "minimum": 0, "maximum": 90}},
        ("satellites", "stations")),
    _fn("screen_conjunctions", {"satellites": _names(SATS), "duration_h": DURATION,
                                "threshold_km": {"type": "number", "exclusiveMinimum": 0,
                                                 "maximum": 100}}, ("satellites",)),
    _fn("assess_conjunction", {"event_id": {"type": "string", "minLength": 1, "maxLength": 32},
                               "hard_body_radius_m": {"type": "number", "exclusiveMinimum": 0,
                                                      "maximum": 1000}}, ("event_id",)),
    _fn("plan_avoidance", {"event_id": {"type": "string", "minLength": 1, "maxLength": 32},
                           "max_pc": {"type": "number", "exclusiveMinimum": 0,
                                      "exclusiveMaximum": 1},
                           "target_miss_km": {"type": "number", "exclusiveMinimum": 0,
                                              "maximum": 100}}, ("event_id",)),
    _fn("space_weather", {}),
    _fn("schedule_contacts", {"satellites": _names(SATS), "stations": _names(STATIONS),
                              "duration_h": DURATION,
                              "objective": {"type": "string",
                                            "enum": ["max_volume", "max_priority"]}},
        ("satellites", "stations")),
    {"type": "function", "function": {"name": "propose_commands", "description": "commands",
                                      "parameters": {
        "type": "object", "additionalProperties": False, "required": ["commands"],
        "$defs": {"Command": {
            "type": "object", "additionalProperties": False,
            "required": ["satellite", "command"],
            "properties": {
                "satellite": {"type": "string", "enum": SATS},
                "command": {"type": "string", "minLength": 1, "maxLength": 64},
                "time": {"type": "string", "format": "date-time"},
                "parameters": {"type": "object", "additionalProperties": {"anyOf": [
                    {"type": "boolean"}, {"type": "number", "minimum": -1e6, "maximum": 1e6},
                    {"type": "string", "maxLength": 64}]}}}}},
        "properties": {"commands": {"type": "array", "items": {"$ref": "#/$defs/Command"},
                                    "minItems": 1, "maxItems": 20}}}}},
]
TOOL_NAMES = [t["function"]["name"] for t in CONTRACT_TOOLS]

CORPUS = [
    '<tool_call>\n{"name": "find_passes", "arguments": {"satellites": ["ISS"], "stations": '
    '"all", "duration_h": 24}}\n</tool_call>',
    "Fleet status, passes over Daejeon, conjunction screening, space weather, contacts.",
    "위성 상태 알려줘. 아리랑 3호 통과 일정과 충돌 위험을 확인해줘. 제주 지상국.",
    "2026-06-10T12:00:00Z CONJ-0001 max_volume max_priority propose_commands SET_MODE",
] + [json.dumps(t, ensure_ascii=False) for t in CONTRACT_TOOLS]


def make_tokenizer(template: str = COSMO_COMPACT_CHAT_TEMPLATE, vocab_size: int = 600) -> Any:
    """A small Cosmo tokenizer (the real byte-level BPE and chat template)."""
    return train_tokenizer(CORPUS * 3, vocab_size=vocab_size, min_frequency=1,
                           chat_template=template)


def make_model(tokenizer: Any, seed: int = 0, std: float = 0.02) -> Any:
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=8192,
        initializer_range=std, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=None)
    model: Any = LlamaForCausalLM(config)
    return model.eval()


class NoisyLM(torch.nn.Module):
    """A real tiny Llama (so the KV cache is real) whose logits are replaced by seeded noise:
    greedy decoding then wanders all over the grammar instead of repeating one token."""

    def __init__(self, inner: Any, seed: int) -> None:
        super().__init__()
        self.inner = inner
        self.config = inner.config
        self.generation_config = inner.generation_config
        self.gen = torch.Generator().manual_seed(seed)

    def get_output_embeddings(self) -> Any:
        return self.inner.get_output_embeddings()

    def forward(self, input_ids: Any, cache: Any = None, **kwargs: Any) -> Any:
        out = self.inner(input_ids=input_ids, cache=cache, **kwargs)
        out.logits = torch.randn(out.logits.shape, generator=self.gen) * 5
        return out


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    return make_tokenizer()


@pytest.fixture(scope="module")
def model(tokenizer: Any) -> Any:
    return make_model(tokenizer)


@pytest.fixture(scope="module")
def chat(model: Any, tokenizer: Any) -> CosmoChatModel:
    return CosmoChatModel.from_components(model, tokenizer, max_new_tokens=48, device="cpu")


def test_doctests() -> None:
    assert doctest.testmod(inf, optionflags=doctest.ELLIPSIS).failed == 0


# -- the block layout -------------------------------------------------------------------------


HERMES = ToolCallFormat(before_name='\n{"name": "', after_name='", "arguments": ',
                        after_arguments="}\n", separators=(", ", ": "), between_calls="\n")


@pytest.mark.parametrize("template", [COSMO_COMPACT_CHAT_TEMPLATE, COSMO_CHAT_TEMPLATE])
def test_format_is_read_from_the_chat_template(template: str) -> None:
    tokenizer = make_tokenizer(template)
    fmt = ToolCallFormat.from_chat_template(tokenizer)
    assert fmt == HERMES
    # what the format renders is what the template renders
    args = {"satellites": ["아리랑 3호"], "duration_h": 24}
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "x"}, {"role": "assistant", "content": None, "tool_calls": [
            {"type": "function", "id": "1", "function": {"name": "propagate",
                                                          "arguments": args}}]}],
        tools=CONTRACT_TOOLS, tokenize=False)
    assert fmt.render("propagate", args) in text


def test_compact_template_gives_compact_calls() -> None:
    fmt = ToolCallFormat.from_chat_template(make_tokenizer(COMPACT_JSON_TEMPLATE))
    assert fmt == ToolCallFormat(between_calls="\n")
    assert fmt.render("x", {"a": [1, 2]}) == '<tool_call>{"name":"x","arguments":{"a":[1,2]}}' \
        "</tool_call>"


def test_template_without_tool_calls_falls_back_with_a_warning() -> None:
    plain = "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}"
    with pytest.warns(UserWarning, match="no <tool_call> block"):
        assert ToolCallFormat.from_chat_template(make_tokenizer(plain)) == ToolCallFormat()


# -- schema rewriting -------------------------------------------------------------------------


def test_decoding_schema_narrows_only() -> None:
    params = CONTRACT_TOOLS[-1]["function"]["parameters"]
    narrowed = decoding_schema(params, max_string_chars=16)
    assert "$defs" not in json.dumps(narrowed) and "$ref" not in json.dumps(narrowed)
    item = narrowed["properties"]["commands"]["items"]
    assert item["properties"]["time"] == {"type": "string", "pattern": DATE_TIME_UTC_PATTERN}
    assert item["properties"]["command"]["maxLength"] == 16
    assert item["properties"]["satellite"] == {"type": "string", "enum": SATS}  # untouched
    assert params["$defs"]["Command"]["properties"]["command"]["maxLength"] == 64  # no mutation


@pytest.mark.parametrize("text", [
    "2026-06-10T12:00:00Z", "2024-02-29T23:59:59.123456Z", "1999-12-31T00:00:00Z",
    "2000-02-29T00:00:00Z", "2026-04-30T00:00:00Z"])
def test_date_time_pattern_accepts_real_instants(text: str) -> None:
    assert re.fullmatch(DATE_TIME_UTC_PATTERN, text)
    assert datetime.fromisoformat(text).utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@pytest.mark.parametrize("text", [
    "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
    "2026-06-10T24:00:00Z", "2026-06-10T12:00:60Z", "2026-06-10T12:00:00+09:00",
    "2026-06-10 12:00:00Z", "2026-13-01T00:00:00Z"])
def test_date_time_pattern_rejects_impossible_instants(text: str) -> None:
    assert not re.fullmatch(DATE_TIME_UTC_PATTERN, text)


def test_date_time_pattern_agrees_with_the_calendar() -> None:
    from datetime import date, timedelta

    day = date(1900, 1, 1)
    while day.year < 2100:  # every real day is accepted ...
        assert re.fullmatch(DATE_TIME_UTC_PATTERN, f"{day.isoformat()}T00:00:00Z"), day
        day += timedelta(days=1)
    for year in range(1900, 2100):  # ... and Feb 29 exactly in leap years
        ok = re.fullmatch(DATE_TIME_UTC_PATTERN, f"{year}-02-29T00:00:00Z") is not None
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        assert ok == leap, year


DATE_PROBES = [
    "2026-06-10T12:00:00Z", "2026-06-10T12:00:00.1Z", "2026-06-10T12:00:00.123456Z",
    "2026-06-10T12:00:00.1234567Z", "2026-06-10T12:00:0012Z", "2026-06-10T12:00:00.Z",
    "2026-06-10T12:00:001Z", "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z",
    "2026-04-31T00:00:00Z", "2026-06-10T24:00:00Z", "2026-06-10T12:00:00+00:00",
    "2026-06-10t12:00:00Z", "1899-12-31T00:00:00Z", "2100-01-01T00:00:00Z",
]


def test_xgrammar_compiles_the_date_time_pattern_as_python_reads_it(tokenizer: Any) -> None:
    """xgrammar's regex support is checked against Python's ``re`` (it has had bugs here)."""
    import xgrammar as xgr

    info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=len(tokenizer))
    compiled = xgr.GrammarCompiler(info).compile_json_schema(
        {"type": "string", "pattern": DATE_TIME_UTC_PATTERN}, any_whitespace=False)
    for text in DATE_PROBES:
        matcher = xgr.GrammarMatcher(compiled)
        accepted = matcher.accept_string(json.dumps(text)) and matcher.is_completed()
        assert accepted == bool(re.fullmatch(DATE_TIME_UTC_PATTERN, text)), text


# -- parsing ----------------------------------------------------------------------------------


def test_parse_tool_calls_keeps_valid_and_reports_the_rest() -> None:
    fmt = HERMES
    good = fmt.render("propagate", {"satellites": ["ISS"], "duration_h": 6})
    tricky = fmt.render("assess_conjunction", {"event_id": "a</tool_call>b"})
    bad = fmt.render("propagate", {"satellites": ["ISS"], "duration_h": 500})
    raw = f"Checking.\n{good}\n{tricky}\n{bad}\n{fmt.begin('fleet_status')}{{"
    text, calls, invalid = parse_tool_calls(raw, CONTRACT_TOOLS, fmt)
    assert text == "Checking."
    assert calls == [{"name": "propagate", "arguments": {"satellites": ["ISS"], "duration_h": 6}},
                     {"name": "assess_conjunction", "arguments": {"event_id": "a</tool_call>b"}}]
    assert [i["error"].split(":")[0] for i in invalid] == [
        "$.duration_h", "cut off before the end of the call"]
    # a block in some other JSON layout is still understood
    other = '<tool_call>{"name": "space_weather", "arguments": {}}</tool_call> ok'
    assert parse_tool_calls(other, CONTRACT_TOOLS, fmt)[:2] == (
        "ok", [{"name": "space_weather", "arguments": {}}])
    unknown = '<tool_call>{"name": "launch", "arguments": {}}</tool_call>'
    assert "unknown tool" in parse_tool_calls(unknown, CONTRACT_TOOLS, fmt)[2][0]["error"]


# -- decoding ---------------------------------------------------------------------------------


def _check_calls(calls: list[dict[str, Any]], tools: list[dict[str, Any]]) -> None:
    for c in calls:
        assert validate_call(c, tools) == [], c
        for value in json.dumps(c["arguments"], ensure_ascii=False).split('"'):
            if re.fullmatch(r"\d{4}-\d\d-\d\dT.*", value):  # date-times parse as UTC
                assert datetime.fromisoformat(value).utcoffset() is not None


@pytest.mark.slow
def test_every_emitted_call_is_schema_valid_under_random_logits(tokenizer: Any) -> None:
    """Random logits explore the grammar: all calls validate, none ever leaks out invalid."""
    noisy = NoisyLM(make_model(tokenizer), 0)
    chat = CosmoChatModel.from_components(noisy, tokenizer, max_new_tokens=120,
                                          max_string_chars=12, device="cpu")
    n_calls = n_runs = 0
    names: set[str] = set()
    for seed in range(24):
        noisy.gen.manual_seed(seed)
        choice = ["required", "auto", TOOL_NAMES[seed % len(TOOL_NAMES)]][seed % 3]
        done = chat.complete([{"role": "user", "content": "위성 상태? passes?"}],
                             CONTRACT_TOOLS, tool_choice=choice)
        _check_calls(done.tool_calls, CONTRACT_TOOLS)
        assert all(i["error"] == "cut off before the end of the call" for i in done.invalid), \
            done.invalid
        assert done.completion_tokens <= 120
        if choice != "auto":
            assert done.raw.startswith("<tool_call>")  # a forced call comes first
        if choice not in ("auto", "required"):
            assert {c["name"] for c in done.tool_calls} <= {choice}
        assert "<|im_start|>" not in done.raw
        n_runs += 1
        n_calls += len(done.tool_calls)
        names.update(c["name"] for c in done.tool_calls)
    assert n_calls >= n_runs // 2, (n_calls, n_runs)  # plenty of complete calls were checked
    assert len(names) >= 4
    # date-times in particular: decoded instants are real UTC calendar instants
    when = [_fn("at", {"t": {"type": "string", "format": "date-time"}}, ("t",))]
    instants = []
    for seed in range(30):
        noisy.gen.manual_seed(100 + seed)
        done = chat.complete([{"role": "user", "content": "when?"}], when, tool_choice="at")
        assert len(done.tool_calls) >= 1
        assert {i["error"] for i in done.invalid} <= {"cut off before the end of the call"}
        instants += [c["arguments"]["t"] for c in done.tool_calls]
    for t in instants:
        assert datetime.fromisoformat(t).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert any("." in t for t in instants) and any("." not in t for t in instants)


def test_random_llama_calls_validate_and_come_back_as_tool_calls(tokenizer: Any) -> None:
    for seed in range(3):
        chat = CosmoChatModel.from_components(make_model(tokenizer, seed, std=1.0), tokenizer,
                                              max_new_tokens=80, max_string_chars=8)
        reply = chat.bind_tools(CONTRACT_TOOLS, tool_choice="required").invoke(
            [SystemMessage("You are Cosmo."), HumanMessage("ISS passes over 제주 tomorrow")])
        assert isinstance(reply, AIMessage)
        for tc in reply.tool_calls:
            assert (tc["id"] or "").startswith("call_") and tc["name"] in TOOL_NAMES
            assert schema_errors(tc["args"], next(
                t["function"]["parameters"] for t in CONTRACT_TOOLS
                if t["function"]["name"] == tc["name"])) == []
        assert reply.usage_metadata is not None
        assert reply.usage_metadata["output_tokens"] <= 80
        assert reply.response_metadata["finish_reason"] in ("tool_calls", "length")
        assert len({tc["id"] for tc in reply.tool_calls}) == len(reply.tool_calls)


def test_tool_choice_none_and_no_tools_give_text_only(chat: CosmoChatModel) -> None:
    for bound in (chat, chat.bind_tools(CONTRACT_TOOLS, tool_choice="none")):
        reply = bound.invoke("안녕하세요")
        assert reply.tool_calls == [] and "<tool_call>" not in reply.content


def test_stream_falls_back_to_one_chunk(chat: CosmoChatModel) -> None:
    chunks = list(chat.bind_tools(CONTRACT_TOOLS, tool_choice="required").stream("status"))
    assert len(chunks) == 1
    assert chunks[0].tool_calls or chunks[0].response_metadata["finish_reason"] == "length"


def test_bind_tools_accepts_pydantic_functions_and_dicts(chat: CosmoChatModel) -> None:
    class Propagate(BaseModel):
        """Propagate satellites."""

        satellites: list[str] = Field(min_length=1)
        duration_h: float = Field(24, gt=0, le=168)

    def space_weather() -> str:
        """Current space weather."""
        return ""

    bound = chat.bind_tools([Propagate, space_weather, CONTRACT_TOOLS[0]],
                            tool_choice="Propagate")
    reply = bound.invoke("go")
    assert [tc["name"] for tc in reply.tool_calls] in ([], ["Propagate"], ["Propagate"] * 2,
                                                       ["Propagate"] * 3)
    for tc in reply.tool_calls:
        Propagate.model_validate(tc["args"])
    with pytest.raises(ValueError, match="not auto/none/required or a bound tool"):
        chat.bind_tools([Propagate], tool_choice="launch")
    with pytest.raises(ValueError, match="no bound tool"):
        chat.complete([{"role": "user", "content": "x"}], [], tool_choice="required")


def test_messages_render_through_the_template(chat: CosmoChatModel, tokenizer: Any) -> None:
    messages = [
        SystemMessage("You are Cosmo."),
        HumanMessage("Status?"),
        AIMessage(content="", tool_calls=[{"name": "fleet_status", "args": {}, "id": "c1"}]),
        ToolMessage('{"ok": true}', tool_call_id="c1"),
        AIMessage(content="All nominal."),
        HumanMessage("고마워"),
    ]
    rendered = inf._to_template_messages(messages)
    assert rendered[2] == {"role": "assistant", "content": None, "tool_calls": [
        {"type": "function", "id": "c1", "function": {"name": "fleet_status", "arguments": {}}}]}
    assert rendered[3] == {"role": "tool", "tool_call_id": "c1", "name": "fleet_status",
                           "content": '{"ok": true}'}
    ids = chat.engine.prompt_ids(rendered, CONTRACT_TOOLS)
    text = tokenizer.decode(ids)
    assert '<tool_call>\n{"name": "fleet_status", "arguments": {}}\n</tool_call>' in text
    assert text.endswith("<|im_start|>user\n고마워<|im_end|>\n<|im_start|>assistant\n")


def test_decoding_matches_transformers_generate_with_the_xgrammar_processor(
        model: Any, tokenizer: Any) -> None:
    """Our KV-cached loop picks the same tokens as HF generate + xgrammar's own processor."""
    import xgrammar as xgr

    chat = CosmoChatModel.from_components(make_model(tokenizer, 5, std=1.0), tokenizer,
                                          max_new_tokens=40, prefix_cache=False)
    eng = chat.engine
    grammar = eng.grammar(CONTRACT_TOOLS, "required")
    ids = eng.prompt_ids([{"role": "user", "content": "passes"}], CONTRACT_TOOLS)
    ours, _ = eng.decode(ids, grammar, 40)
    reference = eng.model.generate(
        torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
        max_new_tokens=40, do_sample=False, logits_processor=[xgr.contrib.hf.LogitsProcessor(
            grammar)], eos_token_id=eng.stop_ids, pad_token_id=tokenizer.pad_token_id)
    theirs = [t for t in reference[0, len(ids):].tolist() if t not in eng.stop_ids]
    assert ours == theirs


def _every_completion(eng: Any, grammar: Any, limit: int = 12) -> list[list[int]]:
    """Brute force: every token sequence the grammar accepts (ending in a stop token)."""
    import xgrammar as xgr

    bitmask = xgr.allocate_token_bitmask(1, eng.info.vocab_size)
    found: list[list[int]] = []

    def walk(matcher: Any, prefix: list[int]) -> None:
        assert len(prefix) <= limit, "the grammar's language is not as small as the test needs"
        matcher.fill_next_token_bitmask(bitmask)
        allowed = torch.zeros(1, eng.info.vocab_size)
        xgr.apply_token_bitmask_inplace(allowed, bitmask)
        for token in torch.nonzero(allowed[0] == 0).flatten().tolist():
            child = matcher.fork()
            assert child.accept_token(token)
            if token in eng.stop_ids or child.is_terminated():
                found.append([*prefix, token])
            else:
                walk(child, [*prefix, token])

    walk(xgr.GrammarMatcher(grammar), [])
    return found


def _log_prob(model: Any, ids: list[int], continuation: list[int]) -> float:
    with torch.inference_mode():
        logits = model(input_ids=torch.tensor([ids + continuation])).logits[0].float()
    logp = torch.log_softmax(logits, dim=-1)
    return sum(float(logp[len(ids) - 1 + i, t]) for i, t in enumerate(continuation))


def test_beam_search_finds_the_most_likely_grammatical_turn(tokenizer: Any) -> None:
    """The search itself, against brute force: with a beam as wide as the grammar's whole
    language nothing is pruned, so a search over the whole turn must return exactly the
    sequence of highest (unmasked) log-probability among all the grammar accepts; width 1 is
    greedy decoding.  Outside call blocks (this grammar has none) the default stays greedy."""
    values = ["ISS", "제주", "25544", "SVALBARD"]
    for seed in range(3):
        model = make_model(tokenizer, seed, std=1.0)
        wide = CosmoChatModel.from_components(model, tokenizer, num_beams=256,
                                              prefix_cache=False).engine
        grammar = wide.compiler.compile_json_schema(json.dumps({"enum": values}),
                                                    any_whitespace=False)
        ids = wide.prompt_ids([{"role": "user", "content": f"which one? {seed}"}], [])
        language = _every_completion(wide, grammar)
        assert len(language) >= len(values)
        best = max(language, key=lambda seq: _log_prob(model, ids, seq))
        out, cut = wide._beam_decode(ids, grammar, 16, (), whole_turn=True)
        assert not cut
        assert out == [t for t in best if t not in wide.stop_ids]
        assert json.loads(tokenizer.decode(out)) in values
        narrow = CosmoChatModel.from_components(model, tokenizer, prefix_cache=False).engine
        assert narrow.num_beams == 1
        greedy = narrow.decode(ids, grammar, 16)
        assert narrow._beam_decode(ids, grammar, 16, (), whole_turn=True) == greedy
        assert wide.decode(ids, grammar, 16) == greedy  # no call block: greedy throughout


def test_beam_search_leaves_the_decision_to_call_and_all_text_greedy(tokenizer: Any) -> None:
    """Text-only turns decode exactly as greedy; a beam-searched turn opens a call exactly
    when greedy does, and its call validates; the open/close tracking agrees with the text,
    however the model split the tags into tokens."""
    for seed in range(4):
        model = make_model(tokenizer, 10 + seed, std=1.0)
        greedy = CosmoChatModel.from_components(model, tokenizer, prefix_cache=False).engine
        beam = CosmoChatModel.from_components(model, tokenizer, prefix_cache=False,
                                              num_beams=4).engine
        ids = greedy.prompt_ids([{"role": "user", "content": f"passes {seed}"}], CONTRACT_TOOLS)
        text_only = greedy.grammar(CONTRACT_TOOLS, "none")
        assert beam.decode(ids, text_only, 24) == greedy.decode(ids, text_only, 24)
        for choice in ("auto", "required"):
            grammar = greedy.grammar(CONTRACT_TOOLS, choice)
            g, _ = greedy.decode(ids, grammar, 80)
            b, _ = beam.decode(ids, grammar, 80)
            assert b[:1] == g[:1]
            state, states = False, []
            for i, token in enumerate(b):
                state = beam._inside_call(b[: i + 1], token, state)
                text = tokenizer.decode(b[: i + 1], skip_special_tokens=False)
                assert state == (text.count("<tool_call>") > text.count("</tool_call>"))
                states.append(state)
            assert any(states) == (choice == "required")  # this random model never calls
            _check_calls(parse_tool_calls(tokenizer.decode(b, skip_special_tokens=False),
                                          CONTRACT_TOOLS, beam.format)[1], CONTRACT_TOOLS)


class _RowsCache:
    """What a KV cache stands for: the tokens each beam row has been fed."""

    def __init__(self, rows: int) -> None:
        self.rows: list[list[int]] = [[] for _ in range(rows)]

    def get_seq_length(self) -> int:
        return len(self.rows[0])

    def crop(self, tokens_to_remove: int) -> None:
        self.rows = [r[:tokens_to_remove] for r in self.rows]

    def reorder_cache(self, index: Any) -> None:
        self.rows = [list(self.rows[i]) for i in index.tolist()]


class TrieLM(torch.nn.Module):
    """A language model that knows a few turns and nothing else: after a prefix of one of
    them, each next token that one of them takes has the logit ``logits[prefix][token]``, and
    every other token -40.  Log-probabilities of whole turns are then exact and cheap."""

    def __init__(self, vocab: int, logits: dict[tuple[int, ...], dict[int, float]]) -> None:
        super().__init__()
        from transformers import GenerationConfig, LlamaConfig

        self.logits = logits
        self.vocab = vocab
        self.head = torch.nn.Embedding(vocab, 1)
        self.config = LlamaConfig(vocab_size=vocab)
        self.generation_config = GenerationConfig()

    def get_output_embeddings(self) -> Any:
        return self.head

    def next_logits(self, history: list[int]) -> Any:
        row = torch.full((self.vocab,), -40.0)
        for token, value in self.logits.get(tuple(history), {}).items():
            row[token] = value
        return row

    def forward(self, input_ids: Any, use_cache: bool = True, cache: Any = None) -> Any:
        from types import SimpleNamespace

        cache = cache if cache is not None else _RowsCache(input_ids.shape[0])
        out = torch.empty(input_ids.shape[0], input_ids.shape[1], self.vocab)
        for b, fed in enumerate(input_ids.tolist()):
            for t, token in enumerate(fed):
                cache.rows[b].append(token)
                out[b, t] = self.next_logits(cache.rows[b])
        return SimpleNamespace(logits=out, cache=cache)


def test_call_blocks_are_compared_by_log_probability_over_length_to_the_penalty(
        tokenizer: Any) -> None:
    """Against brute force over every turn a trie language model knows (one call with "all"
    or one to three names): the beam returns the turn whose call block has the best
    log-probability / length ** length_penalty, for penalties 0, 0.5 and 1; the penalty does
    decide between a short block and a long one."""
    import random

    names = _names(["ISS", "제주", "25544"])
    tools = [_fn("pick", {"sats": names}, ("sats",))]
    chooser = CosmoChatModel.from_components(make_model(tokenizer), tokenizer,
                                             prefix_cache=False).engine
    ids = chooser.prompt_ids([{"role": "user", "content": "which?"}], tools)
    stop = chooser.stop_ids[0]
    picks: list[Any] = ["all", ["ISS"], ["ISS", "제주"], ["ISS", "제주", "25544"]]
    turns = [tokenizer(chooser.format.render("pick", {"sats": p}),
                       add_special_tokens=False)["input_ids"] + [stop] for p in picks]
    grammar = chooser.grammar(tools, "pick")
    for turn in turns:  # every turn is one the grammar allows
        import xgrammar as xgr

        matcher = xgr.GrammarMatcher(grammar)
        assert all(matcher.accept_token(t) for t in turn)
    opened = turns[0].index(tokenizer.convert_tokens_to_ids("<tool_call>")) + 1
    winners: set[tuple[str, float]] = set()
    for seed in range(12):
        rng = random.Random(seed)
        logits: dict[tuple[int, ...], dict[int, float]] = {}
        for turn in turns:
            for i, token in enumerate(turn):
                logits.setdefault(tuple(ids + turn[:i]), {})[token] = rng.uniform(-3.0, 3.0)
        lm = TrieLM(len(tokenizer), logits)

        def block_score(turn: list[int], penalty: float, lm: TrieLM = lm) -> float:
            block = turn[opened: len(turn) - 1]  # after the open tag, to the close tag
            total = 0.0
            for i, token in enumerate(block):
                row = torch.log_softmax(lm.next_logits(ids + turn[:opened + i]), dim=-1)
                total += float(row[token])
            return total / len(block) ** penalty

        for penalty in (0.0, 0.5, 1.0):
            engine = CosmoChatModel.from_components(
                lm, tokenizer, prefix_cache=False, num_beams=4, device="cpu",
                length_penalty=penalty).engine
            best = max(turns, key=lambda t, p=penalty: block_score(t, p))
            out, cut = engine.decode(ids, grammar, 64)
            assert not cut
            assert out == best[:-1], (seed, penalty)
            winners.add((json.dumps(picks[turns.index(best)]), penalty))
    by_penalty = {p: {w for w, q in winners if q == p} for p in (0.0, 0.5, 1.0)}
    assert by_penalty[0.0] != by_penalty[1.0]  # the penalty changed some winner
    assert len({w for w, _ in winners}) >= 3


def test_beam_width_comes_from_the_generation_config(tokenizer: Any) -> None:
    model = make_model(tokenizer, 2)
    model.generation_config.num_beams = 3
    assert CosmoChatModel.from_components(model, tokenizer).engine.num_beams == 3
    assert CosmoChatModel.from_components(model, tokenizer, num_beams=1).engine.num_beams == 1
    model.generation_config.num_beams = 0
    with pytest.raises(ValueError, match="num_beams"):
        CosmoChatModel.from_components(model, tokenizer)


def test_beam_search_calls_validate(tokenizer: Any) -> None:
    base = NoisyLM(make_model(tokenizer, 4, std=1.0), seed=11)
    calls = 0
    for turn in range(4):
        prompt = [HumanMessage(f"passes and screening {turn}")]
        a = CosmoChatModel.from_components(base, tokenizer, max_new_tokens=60, num_beams=4)
        reply = a.bind_tools(CONTRACT_TOOLS, tool_choice="required").invoke(prompt)
        _check_calls([{"name": c["name"], "arguments": c["args"]} for c in reply.tool_calls],
                     CONTRACT_TOOLS)
        calls += len(reply.tool_calls)
    assert calls > 0


@pytest.mark.slow
@pytest.mark.parametrize("beams", [1, 3])
def test_prefix_cache_changes_nothing_but_time(tokenizer: Any, beams: int) -> None:
    base = make_model(tokenizer, 3, std=1.0)
    cached = CosmoChatModel.from_components(base, tokenizer, max_new_tokens=30, num_beams=beams)
    fresh = CosmoChatModel.from_components(base, tokenizer, max_new_tokens=30, num_beams=beams,
                                           prefix_cache=False)
    conversation: list[Any] = [HumanMessage("Fleet status?")]
    for turn in range(3):
        a = cached.bind_tools(CONTRACT_TOOLS).invoke(conversation)
        b = fresh.bind_tools(CONTRACT_TOOLS).invoke(conversation)
        assert (a.content, [t["args"] for t in a.tool_calls]) == (
            b.content, [t["args"] for t in b.tool_calls])
        conversation += [AIMessage(content=a.content or "ok"), HumanMessage(f"again {turn}")]
    assert cached.engine._cache is not None
    cached_ids, cache = cached.engine._cache
    assert cache.get_seq_length() == len(cached_ids)


def test_stop_strings_cut_text(chat: CosmoChatModel) -> None:
    reply = chat.invoke("hello")
    if reply.content:
        stop = reply.content[-1]
        cut = chat.invoke("hello", stop=[stop])
        assert stop not in cut.content


def test_saved_directory_loads_and_missing_model_says_how_to_train(
        tmp_path: Path, model: Any, tokenizer: Any) -> None:
    model.save_pretrained(tmp_path / "m")
    tokenizer.save_pretrained(tmp_path / "m")
    chat = CosmoChatModel.load(tmp_path / "m", max_new_tokens=8)
    assert chat.model_id == "m"
    reply = chat.bind_tools(CONTRACT_TOOLS[:2], tool_choice="fleet_status").invoke("status")
    assert [tc["name"] for tc in reply.tool_calls][:1] in ([], ["fleet_status"])
    with pytest.raises(FileNotFoundError, match=r"cosmo_agent\.model\.train"):
        CosmoChatModel.load(tmp_path / "nothing")
    lazily = CosmoChatModel(model_path=str(tmp_path / "nothing"))
    with pytest.raises(FileNotFoundError, match="model_path"):
        lazily.invoke("hi")
