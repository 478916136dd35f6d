"""Operator requests for the Cosmo corpus, each with the tool calls it is meant to produce.

:func:`generate_request` picks an intent the world's tools can serve (:data:`INTENTS`, weighted
so that about 15 % of requests need no tool), a phrasing (the fixed templates of
:mod:`cosmo_agent.model.phrasings`, or :func:`cosmo_agent.model.phrasebook.compose`; the test
split only the held-out and blind ones), fills its slots from the world
(:func:`cosmo_agent.model.slots.fill`), resolves Korean particles, and writes the intended calls
with the contract's defaults (:data:`TOOL_DEFAULTS`).

>>> world = {"tools": [{"type": "function", "function": {"name": "space_weather"}}]}
>>> generate_request(world, seed="w0-r0", lang="ko", intent="space_weather").intended
[{'name': 'space_weather', 'arguments': {}}]
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cosmo_agent.model.korean import attach_particles
from cosmo_agent.model.phrasebook import COMPOSED_INTENTS, compose
from cosmo_agent.model.phrasings import (
    BLIND_TEMPLATES,
    GENERATOR_TEMPLATES,
    HELD_OUT_TEMPLATES,
    Lang,
)
from cosmo_agent.model.slots import fill

__all__ = ["COMPOSED_SHARE", "INTENTS", "TOOL_DEFAULTS", "Request", "generate_request"]

# Contract defaults (contract.md) applied to both sides before comparing tool calls.
TOOL_DEFAULTS: dict[str, dict[str, Any]] = {
    "propagate": {"satellites": "all", "duration_h": 24, "step_s": 60},
    "find_passes": {"satellites": "all", "stations": "all", "duration_h": 24},
    "screen_conjunctions": {"satellites": "all", "duration_h": 24, "threshold_km": 5},
    "schedule_contacts": {
        "satellites": "all",
        "stations": "all",
        "duration_h": 24,
        "objective": "max_volume",
    },
}

# intent -> the tools it calls, in order (empty: answered without tools).
INTENTS: dict[str, tuple[str, ...]] = {
    "fleet_status": ("fleet_status",),
    "propagate": ("propagate",),
    "find_passes": ("find_passes",),
    "screen_conjunctions": ("screen_conjunctions",),
    "assess_conjunction": ("assess_conjunction",),
    "plan_avoidance": ("plan_avoidance",),
    "space_weather": ("space_weather",),
    "schedule_contacts": ("schedule_contacts",),
    "propose_commands": ("propose_commands",),
    "status_and_weather": ("fleet_status", "space_weather"),
    "element_age": ("fleet_status",),
    "screen_and_weather": ("screen_conjunctions", "space_weather"),
    "passes_and_schedule": ("find_passes", "schedule_contacts"),
    "greeting": (),
    "astro_question": (),
    "out_of_scope": (),
}
# Sampling weights: tool intents dominate, about 15 % of requests need no tool.
_INTENT_WEIGHTS: dict[str, float] = {
    "fleet_status": 1.0,
    "propagate": 1.2,
    "find_passes": 1.5,
    "screen_conjunctions": 1.5,
    "assess_conjunction": 1.0,
    "plan_avoidance": 1.0,
    "space_weather": 0.8,
    "schedule_contacts": 1.2,
    "propose_commands": 1.0,
    "status_and_weather": 0.5,
    "element_age": 0.5,
    "screen_and_weather": 0.5,
    "passes_and_schedule": 0.5,
    "greeting": 0.6,
    "astro_question": 0.8,
    "out_of_scope": 0.6,
}

COMPOSED_SHARE = 0.7
"""Share of train/validation requests written by :func:`~cosmo_agent.model.phrasebook.compose`
(the rest use ``GENERATOR_TEMPLATES``); the test split never uses either."""


@dataclass(frozen=True)
class Request:
    """An operator request with the tool calls it is meant to produce."""

    text: str
    lang: Lang
    intent: str
    template: str  # "<set>/<intent>/<lang>/<index>", set = "gen" | "heldout" | "blind"
    intended: list[dict[str, Any]] = field(default_factory=list)  # [{"name", "arguments"}]


def _tool_names(world: Mapping[str, Any]) -> set[str]:
    names = set()
    for tool in world.get("tools", ()):
        fn = tool.get("function", tool)
        if "name" in fn:
            names.add(str(fn["name"]))
    return names


def _available_intents(world: Mapping[str, Any]) -> list[str]:
    tools = _tool_names(world)
    out = []
    for intent, calls in INTENTS.items():
        if not all(name in tools for name in calls):
            continue
        if "propose_commands" in calls and not world.get("satellites"):
            continue
        out.append(intent)
    return out


def generate_request(
    world: Mapping[str, Any],
    *,
    seed: int | str,
    lang: Lang | None = None,
    intent: str | None = None,
    held_out: bool = False,
) -> Request:
    """Write one operator request for ``world`` with its intended tool calls.

    ``seed`` makes it deterministic; ``held_out`` draws from ``HELD_OUT_TEMPLATES`` (test
    split) instead of ``GENERATOR_TEMPLATES``. Intents whose tools the world lacks are skipped.
    """
    rng = random.Random(f"cosmo-request:{seed}")
    language: Lang = lang if lang is not None else rng.choice(("en", "ko"))
    available = _available_intents(world)
    if intent is None:
        intent = rng.choices(available, weights=[_INTENT_WEIGHTS[i] for i in available])[0]
    elif intent not in available:
        raise ValueError(f"intent {intent!r} needs tools {INTENTS.get(intent)} the world lacks")
    set_name = "gen"
    if held_out:
        first = HELD_OUT_TEMPLATES[intent][language]
        templates = first + BLIND_TEMPLATES[intent][language]
    else:
        templates = GENERATOR_TEMPLATES[intent][language]
    k = rng.randrange(len(templates))
    template, index = templates[k], str(k)
    if held_out:
        set_name = "heldout" if k < len(first) else "blind"
        index = str(k if k < len(first) else k - len(first))
    elif rng.random() < COMPOSED_SHARE and intent in COMPOSED_INTENTS:
        template, index = compose(rng, intent, language), "composed"
    text, args = fill(template, world, rng, language)
    tools = INTENTS[intent]
    intended = [{"name": name, "arguments": _arguments(name, args)} for name in tools]
    text = attach_particles(text) if language == "ko" else text
    text = re.sub(r"\s+", " ", text).strip()
    if language == "en" and rng.random() < 0.1 and not template.startswith("{"):
        text = text[0].lower() + text[1:]  # never inside a name or id
    return Request(text, language, intent, f"{set_name}/{intent}/{language}/{index}", intended)


_TOOL_ARGS: dict[str, tuple[str, ...]] = {
    "fleet_status": (),
    "space_weather": (),
    "propagate": ("satellites", "start", "duration_h", "step_s"),
    "find_passes": ("satellites", "stations", "duration_h", "min_elevation_deg"),
    "screen_conjunctions": ("satellites", "duration_h", "threshold_km"),
    "assess_conjunction": ("event_id", "hard_body_radius_m"),
    "plan_avoidance": ("event_id", "max_pc", "target_miss_km"),
    "schedule_contacts": ("satellites", "stations", "duration_h", "objective"),
}


def _arguments(tool: str, args: Mapping[str, Any]) -> dict[str, Any]:
    if tool == "propose_commands":
        sats = args.get("satellites") or []
        command: dict[str, Any] = {"satellite": sats[0], "command": args["command"]}
        if "time" in args:
            command["time"] = args["time"]
        return {"commands": [command]}
    out = dict(TOOL_DEFAULTS.get(tool, {}))
    out.update({k: args[k] for k in _TOOL_ARGS[tool] if k in args})
    return out
