"""The embedded cosmo-tiny model, loaded offline from the package (CosmoChatModel.load()).

Skips cleanly when the package was installed without the model directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cosmo_agent.model.evaluate import validate_call
from cosmo_agent.model.inference import CosmoChatModel, default_model_dir

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    not (default_model_dir() / "config.json").is_file(),
    reason="the embedded cosmo-tiny model is not installed",
)


@pytest.fixture(scope="module")
def chat() -> CosmoChatModel:
    mp = pytest.MonkeyPatch()
    mp.setenv("HF_HUB_OFFLINE", "1")
    mp.setenv("TRANSFORMERS_OFFLINE", "1")
    try:
        return CosmoChatModel.load()  # the default path: the package's cosmo-tiny/
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def demo() -> tuple[str, list[dict[str, Any]]]:
    from cosmo_agent.agent.planners import system_prompt
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools

    mission = load_mission(ROOT / "missions" / "demo.yaml")
    return system_prompt(mission), openai_tools(mission)


def test_embedded_files_are_small_and_complete() -> None:
    d = default_model_dir()
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "generation_config.json", "README.md", "cosmo_training.json"):
        assert (d / name).is_file(), name
    total_mb = sum(p.stat().st_size for p in d.iterdir() if p.is_file()) / 2**20
    assert total_mb < 20


def test_decodes_with_the_beam_width_its_card_states(chat: CosmoChatModel) -> None:
    import json

    d = default_model_dir()
    width = json.loads((d / "generation_config.json").read_text()).get("num_beams", 1)
    assert chat.engine.num_beams == width
    card = (d / "README.md").read_text(encoding="utf-8")
    assert (f"beam width {width}" in card) if width > 1 else ("greedy" in card)


@pytest.mark.parametrize(
    "request_text",
    ["Give me a fleet status report.", "전체 위성 현황 보여줘"],
)
def test_tool_call_is_schema_valid(
    chat: CosmoChatModel, demo: tuple[str, list[dict[str, Any]]], request_text: str
) -> None:
    system, tools = demo
    done = chat.complete(
        [{"role": "system", "content": system}, {"role": "user", "content": request_text}],
        tools,
        tool_choice="required",
        max_new_tokens=96,
    )
    assert done.finish_reason == "tool_calls"
    assert done.invalid == []
    assert done.tool_calls
    for call in done.tool_calls:
        assert validate_call(call, tools) == []
