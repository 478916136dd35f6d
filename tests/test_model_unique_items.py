"""Distinct items under constrained decoding (model/unique_items.py and the decode loops).

The guard is checked against brute force: a prefix of a call is allowed exactly when some
call with distinct items starts with it.  The decode loops are checked with random logits,
which repeat names freely when nothing stops them.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from cosmo_agent.model.unique_items import UniqueItems, arguments_allow

NAMES = ["A", "AB", "B", "가나"]
DISTINCT = {"type": "array", "uniqueItems": True, "minItems": 1,
            "items": {"type": "string", "enum": NAMES}}
SCHEMA = {"type": "object", "properties": {
    "sats": {"anyOf": [DISTINCT, {"type": "string", "const": "all"}]},
    "free": {"type": "array", "items": {"type": "string", "enum": NAMES}},
    "n": {"type": "number"}}}
LAYOUT = {"open_tag": "<tool_call>", "close_tag": "</tool_call>",
          "before_name": '{"name":"', "after_name": '","arguments":'}


def _args(items: tuple[str, ...], key: str = "sats") -> str:
    return json.dumps({"n": 1.5, key: list(items)}, ensure_ascii=False, separators=(",", ":"))


def _lists(max_len: int, distinct: bool) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for n in range(1, max_len + 1):
        pool = itertools.permutations(NAMES, n) if distinct else itertools.product(NAMES,
                                                                                  repeat=n)
        out.extend(pool)
    return out


def test_the_guard_allows_exactly_the_prefixes_of_distinct_calls() -> None:
    """Every byte prefix of every call with up to 3 items (repeats included; a prefix may end
    inside a Hangul character), against brute force over every call with distinct items."""
    distinct = [_args(items).encode() for items in _lists(len(NAMES), distinct=True)]
    checked = refused = 0
    for items in _lists(3, distinct=False):
        text = _args(items).encode()
        for end in range(1, len(text) + 1):
            prefix = text[:end]
            expected = any(d.startswith(prefix) for d in distinct)
            assert arguments_allow(prefix, SCHEMA) is expected, prefix
            checked += 1
            refused += not expected
    assert checked > 2000 and refused > 200  # both answers were exercised


def test_arrays_without_unique_items_are_left_alone() -> None:
    assert arguments_allow(_args(("A", "A", "A"), key="free"), SCHEMA)
    assert arguments_allow('{"sats":"all","free":["B","B"', SCHEMA)


def test_what_is_refused_and_what_is_not() -> None:
    assert not arguments_allow('{"sats":["AB","AB"', SCHEMA)       # closes a repeat
    assert arguments_allow('{"sats":["AB","A', SCHEMA)            # may still end as "A"
    assert not arguments_allow('{"sats":["A","AB","A"', SCHEMA)   # may not: both taken
    assert not arguments_allow('{"sats":["A","AB","B","가나",', SCHEMA)  # nothing is left
    assert arguments_allow('{"sats":["A","AB","B","가나"]', SCHEMA)
    # a token may end inside a character: the bytes so far decide
    assert arguments_allow(b'{"sats":["A","' + "가".encode()[:2], SCHEMA)
    assert not arguments_allow('{"sats":["가나","'.encode() + "가".encode()[:1], SCHEMA)
    # a key that looks like an item, or a key the schema does not know, counts for nothing
    assert arguments_allow('{"A":1,"zz":"A","sats":["A"', SCHEMA)


def test_escaped_values_and_nested_arrays() -> None:
    names = ['say "hi"', "back\\slash", "x"]
    inner = {"type": "array", "uniqueItems": True, "items": {"type": "string", "enum": names}}
    schema = {"type": "object", "properties": {"jobs": {"type": "array", "items": {
        "type": "object", "properties": {"who": inner}}}}}
    q = json.dumps(names[0])[1:-1]
    assert arguments_allow('{"jobs":[{"who":["' + q + '","x"]},{"who":["' + q, schema)
    assert not arguments_allow('{"jobs":[{"who":["' + q + '","' + q + '"', schema)
    assert not arguments_allow('{"jobs":[{"who":["back\\\\slash","back\\\\s', schema)


def test_only_the_open_call_of_a_guarded_tool_is_read() -> None:
    other = {"type": "function", "function": {"name": "other", "parameters": {
        "type": "object", "properties": {"sats": {"type": "array",
                                                  "items": {"type": "string", "enum": NAMES}}}}}}
    tools = [{"type": "function", "function": {"name": "screen", "parameters": SCHEMA}}, other]
    guard = UniqueItems(tools, **LAYOUT)
    assert guard and set(guard.schemas) == {"screen"}
    assert not UniqueItems([other], **LAYOUT)
    repeat = '{"sats":["B","B"'
    assert not guard.allows('<tool_call>{"name":"screen","arguments":' + repeat)
    assert guard.allows('<tool_call>{"name":"other","arguments":' + repeat)
    assert guard.allows('text <tool_call>{"name":"scr')  # the name is not finished
    # an earlier, closed call is not re-read, nor is anything after the arguments object
    done = '<tool_call>{"name":"screen","arguments":{"sats":["B","B"]}}</tool_call>'
    assert guard.allows(done + " and text")
    assert guard.allows('<tool_call>{"name":"screen","arguments":{"sats":["B"]}}')


# -- the decode loops --------------------------------------------------------------------------

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("xgrammar")

from test_model_inference import STATIONS, NoisyLM, make_model, make_tokenizer  # noqa: E402

from cosmo_agent.model.evaluate import validate_call  # noqa: E402
from cosmo_agent.model.inference import CosmoChatModel  # noqa: E402


def _tools(unique: bool) -> list[dict[str, Any]]:
    array: dict[str, Any] = {"type": "array", "items": {"type": "string", "enum": STATIONS},
                             "minItems": 1, "maxItems": 8}
    if unique:
        array["uniqueItems"] = True
    return [{"type": "function", "function": {"name": "find_passes", "description": "passes",
                                              "parameters": {
        "type": "object", "additionalProperties": False, "required": ["stations"],
        "properties": {"stations": {"anyOf": [array, {"type": "string", "const": "all"}]}}}}}]


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    return make_tokenizer()


def _stations(engine: Any, tools: list[dict[str, Any]], guarded: bool,
              seed: int) -> tuple[list[int], list[list[str]]]:
    engine.model.gen.manual_seed(seed)
    grammar, unique = engine.constraints(tools, "required")
    assert (unique is not None) is guarded
    # the same prompt either way and no prefix cache: noise is drawn per token fed, and the
    # template may render uniqueItems
    ids = engine.prompt_ids([{"role": "user", "content": f"passes {seed}"}],
                            _tools(unique=False))
    out, _ = engine.decode(ids, grammar, 90, (), unique)
    raw = engine.tokenizer.decode(out, skip_special_tokens=False)
    from cosmo_agent.model.inference import parse_tool_calls
    _, calls, _ = parse_tool_calls(raw, tools, engine.format)
    lists = [c["arguments"]["stations"] for c in calls
             if isinstance(c["arguments"]["stations"], list)]
    return out, lists


@pytest.mark.parametrize("beams", [1, 3])
def test_decoded_arrays_hold_distinct_names(tokenizer: Any, beams: int) -> None:
    """Random logits repeat station names when only the grammar guards (the unguarded schema
    is the same but for uniqueItems); with uniqueItems every list is distinct and every call
    validates, and lists still grow long (all three stations)."""
    noisy = NoisyLM(make_model(tokenizer, 2), seed=0)
    engine = CosmoChatModel.from_components(noisy, tokenizer, num_beams=beams,
                                            prefix_cache=False).engine
    plain, guarded = _tools(unique=False), _tools(unique=True)
    repeats = longest = 0
    for seed in range(40):
        _, lists = _stations(engine, plain, False, seed)
        repeats += sum(len(set(x)) < len(x) for x in lists)
        _, lists = _stations(engine, guarded, True, seed)
        for x in lists:
            assert len(set(x)) == len(x), x
            assert validate_call({"name": "find_passes", "arguments": {"stations": x}},
                                 guarded) == []
            longest = max(longest, len(x))
    assert repeats >= 3 and longest == len(STATIONS)


def test_the_guard_changes_nothing_when_nothing_repeats(tokenizer: Any) -> None:
    """Greedy: a turn that the guard would allow at every token decodes token for token the
    same under it, and one it would not allow somewhere decodes differently."""
    noisy = NoisyLM(make_model(tokenizer, 2), seed=0)
    engine = CosmoChatModel.from_components(noisy, tokenizer, num_beams=1,
                                            prefix_cache=False).engine
    _, guard = engine.constraints(_tools(unique=True), "required")
    same = differ = 0
    for seed in range(16):
        out, _ = _stations(engine, _tools(unique=False), False, seed)
        guarded, _ = _stations(engine, _tools(unique=True), True, seed)
        allowed = all(guard.allows(engine._bytes(out[:k])) for k in range(1, len(out) + 1))
        assert (guarded == out) is allowed
        same += allowed
        differ += not allowed
    assert same >= 4 and differ >= 2


def test_the_contract_asks_for_distinct_names_and_the_tools_resolve_repeats_once() -> None:
    from pathlib import Path

    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import ToolContext, call_tool, openai_tools

    for tool in openai_tools():
        for key in ("satellites", "stations"):
            prop = tool["function"]["parameters"]["properties"].get(key)
            if prop is not None:
                arrays = [b for b in prop["anyOf"] if b.get("type") == "array"]
                assert arrays and all(b["uniqueItems"] is True for b in arrays), tool
    demo = Path(__file__).resolve().parents[1] / "missions" / "demo.yaml"
    ctx = ToolContext.from_mission(load_mission(demo))
    name = ctx.mission.fleet[0].name
    once = call_tool(ctx, "propagate", {"satellites": [name], "duration_h": 0.1, "step_s": 60})
    twice = call_tool(ctx, "propagate", {"satellites": [name, name], "duration_h": 0.1,
                                         "step_s": 60})
    assert once.ok and twice.ok
    assert once.result is not None and twice.result is not None
    assert twice.result.model_dump() == once.result.model_dump()


def test_a_tool_that_cannot_be_decoded_is_left_out_of_the_guard_too(tokenizer: Any) -> None:
    remote = {"type": "function", "function": {"name": "remote", "parameters": {
        "type": "object", "properties": {"x": {"$ref": "https://example.org/x.json"}}}}}
    engine = CosmoChatModel.from_components(make_model(tokenizer), tokenizer).engine
    with pytest.warns(UserWarning, match="remote"):
        grammar, unique = engine.constraints([remote, *_tools(unique=True)], "required")
    assert unique is not None and set(unique.schemas) == {"find_passes"}
    assert grammar is not None
