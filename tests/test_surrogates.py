"""Names the model learned stand in for a mission's unlearned ones (model/surrogates.py).

Measured (model card): on unseen-mission worlds the shipped weights answer most requests
naming a new station or alias with text; read through surrogates they call the right tool
far more often. These tests pin the mapping (shapes, uniqueness, the round trip) and that the
tools always receive the mission's own names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import cosmo_agent.agent.teacher as teacher_module
from cosmo_agent.agent.teacher import RulesTeacher
from cosmo_agent.model import surrogates
from cosmo_agent.model.call_validation import validate_call
from cosmo_agent.model.spans import respell
from cosmo_agent.model.surrogates import NamePools, Surrogates
from cosmo_agent.tools.registry import openai_tools

POOLS = NamePools(
    satellites=("KX-1", "KX-2", "EO-3", "아리랑1호", "아리랑2호", "ISS (ZARYA)"),
    stations=("DAEJEON", "Daejeon", "KARI", "대전", "JEJU", "Jeju", "제주"),
)


def _tool(satellites: list[str], stations: list[str]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": "find_passes", "parameters": {
        "type": "object", "required": ["satellites"], "properties": {
            "satellites": {"anyOf": [
                {"type": "array", "items": {"type": "string", "enum": satellites}},
                {"type": "string", "const": "all"}]},
            "stations": {"type": "array", "items": {"type": "string", "enum": stations}},
            "mode": {"type": "string", "enum": ["fast", "Slow"]}}}}}  # fmt: skip


def test_public_surface() -> None:
    assert surrogates.__all__ == ["NamePools", "Surrogates"]


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("미리내 2호가 푼타 위로, 미리내2호는?", {"미리내2호": "A"}, "A가 푼타 위로, A는?"),
        ("TERRA-5, terra 5 and TERRA-51", {"TERRA-5": "KX-1"}, "KX-1, KX-1 and TERRA-51"),
        ("K3A then K3", {"K3": "X", "K3A": "Y"}, "Y then X"),
        ("nothing here", {"K3": "X"}, "nothing here"),
    ],
)
def test_respell_replaces_every_spelling_longest_first(
    text: str, names: dict[str, str], expected: str
) -> None:
    assert respell(text, names) == expected


def test_unlearned_names_get_learned_names_of_their_shape() -> None:
    tools = [_tool(["25544", "ISS (ZARYA)", "TERRA-5", "미리내 2호", "Condor"],
                   ["PUNTA", "Punta Arenas", "PA-GS", "푼타 아레나스"])]  # fmt: skip
    names = Surrogates.for_tools(tools, POOLS)
    assert names.forward == {
        "TERRA-5": "KX-1", "미리내 2호": "아리랑1호",
        "Condor": "KX-2",  # a nickname reads as a code
        "PUNTA": "DAEJEON", "Punta Arenas": "Jeju", "PA-GS": "KARI", "푼타 아레나스": "대전",
    }  # fmt: skip
    # the catalog id and a learned name stay; so does an enum that names neither
    new = names.tools(tools)[0]["function"]["parameters"]["properties"]
    assert new["satellites"]["anyOf"][0]["items"]["enum"] == [
        "25544", "ISS (ZARYA)", "KX-1", "아리랑1호", "KX-2"]  # fmt: skip
    assert new["mode"]["enum"] == ["fast", "Slow"]
    assert tools[0]["function"]["parameters"]["properties"]["stations"]["items"]["enum"][0] == (
        "PUNTA"
    )  # input unchanged


def test_a_surrogate_is_never_a_name_already_in_play() -> None:
    """A learned name the mission has, or the conversation spells, is not lent out: the way
    back would be ambiguous."""
    tools = [_tool(["KX-1", "TERRA-5", "VX-9"], ["PUNTA"])]
    names = Surrogates.for_tools(tools, POOLS, ["is kx-2 ours?", "DAEJEON is closed"])
    assert names.forward == {"TERRA-5": "EO-3", "PUNTA": "KARI"}  # VX-9: no code left
    assert "VX-9" not in names.forward


def test_the_model_reads_surrogates_and_the_tools_get_the_mission_names_back() -> None:
    tools = [_tool(["TERRA-5", "미리내2호"], ["PUNTA", "푼타 아레나스"])]
    names = Surrogates.for_tools(tools, POOLS)
    messages = [
        {"role": "system",
         "content": "Fleet: TERRA-5 (미리내2호). Stations: PUNTA (푼타 아레나스)."},
        {"role": "user", "content": "미리내 2호 푼타 아레나스 패스"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
         "function": {"name": "find_passes", "arguments": {"satellites": ["TERRA-5"]}}}]},
        {"role": "tool", "tool_call_id": "c1", "content": '{"satellite": "TERRA-5"}'},
    ]  # fmt: skip
    read = names.messages(messages)
    assert read[0]["content"] == "Fleet: KX-1 (아리랑1호). Stations: DAEJEON (대전)."
    assert read[1]["content"] == "아리랑1호 대전 패스"
    assert read[2]["tool_calls"][0]["function"]["arguments"] == {"satellites": ["KX-1"]}
    assert read[3]["content"] == '{"satellite": "KX-1"}'
    assert messages[1]["content"] == "미리내 2호 푼타 아레나스 패스"  # input unchanged
    call = {"name": "find_passes", "arguments": {"satellites": ["아리랑1호"], "stations": ["대전"]}}
    back = names.restore_call(call)
    assert back["arguments"] == {"satellites": ["미리내2호"], "stations": ["푼타 아레나스"]}
    assert validate_call(back, tools) == []
    said = names.restore_text("아리랑1호 passes 대전 twice")
    assert said == "미리내2호 passes 푼타 아레나스 twice"


def test_learned_names_are_the_training_pools_never_the_held_out_ones() -> None:
    learned = RulesTeacher.learned_names()
    stems = teacher_module._HELD_OUT_KO_NAMES
    codes = tuple(f"{c}-" for c in teacher_module._HELD_OUT_CODES)
    stations = {n for s in teacher_module._HELD_OUT_STATIONS for n in (s[0], s[1], *s[2], *s[3])}
    for name in learned["satellites"]:  # the catalog's own TERRA is a satellite, not a code
        assert not name.startswith(stems + codes), name
        assert name not in teacher_module._HELD_OUT_NICKNAMES, name
    assert not stations & set(learned["stations"])
    assert NamePools.from_config(learned) == NamePools(
        tuple(learned["satellites"]), tuple(learned["stations"]))  # fmt: skip
    assert NamePools.from_config(None) is None and NamePools.from_config({}) is None


@pytest.mark.parametrize("seed", [3000, 3003, 4001, 4004])
def test_every_unseen_mission_name_round_trips(seed: int) -> None:
    """On the unseen-mission worlds every name of the tools is learned or has a surrogate of
    its own, and each surrogate restores to the name it stands for."""
    mission = RulesTeacher().mission(seed)
    pools = NamePools.from_config(RulesTeacher.learned_names())
    assert pools is not None
    tools = openai_tools(mission)
    names = Surrogates.for_tools(tools, pools)
    by_case = {surrogates._key(k): v for k, v in names.forward.items()}
    assert names and len(set(by_case.values())) == len(by_case)  # one per name, case aside
    known = pools.known("satellites") | pools.known("stations")
    for sat in mission.fleet:
        for name in (sat.name, *sat.aliases):
            assert surrogates._key(name) in known or name in names.forward, name
    for original, stand_in in names.forward.items():
        assert surrogates._key(names.restore_text(stand_in)) == surrogates._key(original)
        assert names.text(original) == stand_in
    for station in mission.stations:  # names read alike ("푼타아레나스", "푼타 아레나스") share one
        alike: dict[str, set[str]] = {}
        for name in (station.id, station.name, *station.aliases):
            alike.setdefault(surrogates._key(name), set()).add(names.forward.get(name, name))
        assert all(len(v) == 1 for v in alike.values()), alike


def test_the_shipped_model_names_an_unseen_station_as_the_mission_does() -> None:
    """End to end on an unseen-mission world: the call the shipped model decodes carries the
    mission's own station name, and is valid against the mission's own tools."""
    from cosmo_agent.agent.planners import system_prompt
    from cosmo_agent.model.inference import CosmoChatModel, default_model_dir

    assert "cosmo_name_surrogates" in (default_model_dir() / "generation_config.json").read_text()
    mission = RulesTeacher().mission(4000)
    tools = openai_tools(mission)
    station = mission.stations[0]
    request = f"{station.name} 지상국 패스 알려줘"
    chat = CosmoChatModel.load(max_new_tokens=96)
    done = chat.complete([{"role": "system", "content": system_prompt(mission)},
                          {"role": "user", "content": request}], tools,
                         tool_choice={"function": {"name": "find_passes"}})  # fmt: skip
    [call] = done.tool_calls
    assert call["arguments"]["stations"] == [station.name], done.raw
    assert validate_call(call, tools) == []
    assert station.name in done.raw  # the decoded text is given back in the mission's names


def test_surrogates_can_be_turned_off(tmp_path: Path) -> None:
    from cosmo_agent.model.inference import CosmoChatModel

    assert CosmoChatModel.load(name_surrogates=False).engine.name_pools is None
    assert CosmoChatModel.load().engine.name_pools is not None


def test_a_huge_tool_result_is_respelled_in_one_scan() -> None:
    """A tool result naming a satellite 20,000 times (an ephemeris, a pass list) is read
    through surrogates whole: every occurrence replaced, none other touched. The first
    version blanked each found stretch by copying the text, quadratic in the occurrences."""
    tools = [_tool(["TERRA-5", "미리내2호"], ["PUNTA"])]
    names = Surrogates.for_tools(tools, POOLS)
    rows = [f'{{"satellite": "TERRA-5", "i": {i}, "station": "PUNTA"}}' for i in range(20000)]
    text = "[" + ", ".join(rows) + "]"
    read = names.text(text)
    assert read == text.replace("TERRA-5", "KX-1").replace("PUNTA", "DAEJEON")
    assert names.restore_text(read) == text
