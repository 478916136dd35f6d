"""Tests for cosmo_agent.model.phrasebook: composed generator phrasings.

The allowed slots per intent are written out here from the tool contract (which arguments each
tool takes), not read from the phrasebook.
"""

from __future__ import annotations

import random
import re

import pytest

from cosmo_agent.model import corpus as C
from cosmo_agent.model.phrasebook import COMPOSED_INTENTS, compose

_SATS = {"sat", "sats", "fleet"}
_STATIONS = {"station", "stations", "allst"}
ALLOWED: dict[str, set[str]] = {
    "propagate": _SATS | {"dur", "step", "start"},
    "find_passes": _SATS | _STATIONS | {"dur", "elev"},
    "screen_conjunctions": _SATS | {"dur", "thr"},
    "assess_conjunction": {"event", "hbr"},
    "plan_avoidance": {"event", "maxpc", "miss"},
    "schedule_contacts": _SATS | _STATIONS | {"dur", "obj"},
    "propose_commands": {"sat", "cmd", "time"},
    "element_age": _SATS,  # answered for the whole fleet, satellites named or not
    "screen_and_weather": _SATS | {"dur", "thr"},
    "passes_and_schedule": _SATS | _STATIONS | {"dur", "elev", "obj"},
}
REQUIRED: dict[str, set[str]] = {
    "assess_conjunction": {"event"},
    "plan_avoidance": {"event"},
    "propose_commands": {"sat", "cmd"},
}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_every_intent_is_composed_in_both_languages() -> None:
    assert set(COMPOSED_INTENTS) == set(C.INTENTS)
    with pytest.raises(ValueError, match="no composed phrasings"):
        compose(random.Random(0), "make_coffee", "en")


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("intent", sorted(C.INTENTS))
def test_composed_templates_use_only_the_intents_slots(intent: str, lang: C.Lang) -> None:
    rng = random.Random(f"{intent}/{lang}")
    texts = {compose(rng, intent, lang) for _ in range(400)}
    assert len(texts) >= (60 if intent in ALLOWED else 12), (intent, lang, len(texts))
    for t in texts:
        slots = re.findall(r"\{(\w+)\}", t)
        assert set(slots) <= ALLOWED.get(intent, set()), t
        assert len(slots) == len(set(slots)), t  # each slot at most once
        assert REQUIRED.get(intent, set()) <= set(slots), t
        assert len(set(slots) & _SATS) <= 1 and len(set(slots) & _STATIONS) <= 1, t
        assert not re.search(r"<[SG]>", t), t
        assert set(re.findall(r"\[[^\]]*\]", t)) <= {"[을/를]", "[이/가]", "[으로/로]"}, t
        assert (HANGUL.search(t) is not None) == (lang == "ko"), t
    # composition is deterministic in its random source
    again = random.Random(f"{intent}/{lang}")
    first = random.Random(f"{intent}/{lang}")
    assert [compose(again, intent, lang) for _ in range(20)] == [
        compose(first, intent, lang) for _ in range(20)
    ]


def _grams(text: str, n: int) -> set[tuple[str, ...]]:
    words = re.findall(r"[\w'/-]+", re.sub(r"\{\w+\}|\[[^\]]*\]", " ", text.lower()))
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_composed_phrasings_share_no_five_words_with_the_held_out_set() -> None:
    held: set[tuple[str, ...]] = set()
    for langs in C.HELD_OUT_TEMPLATES.values():
        for templates in langs.values():
            for t in templates:
                held |= _grams(t, 5)
    rng = random.Random(0)
    for i in range(20000):
        intent = COMPOSED_INTENTS[i % len(COMPOSED_INTENTS)]
        for lang in ("en", "ko"):
            t = compose(rng, intent, lang)
            assert not _grams(t, 5) & held, t


def test_generate_request_mixes_composed_and_fixed_generator_phrasings() -> None:
    world = {
        "satellites": [{"id": "25544", "name": "ISS (ZARYA)", "aliases": ["ISS"]}],
        "stations": [{"id": "DJN", "name": "Daejeon", "aliases": ["대전"]}],
        "tools": [{"type": "function", "function": {"name": n}} for n in ALLOWED],
        "event_ids": ["CONJ-0042"],
    }
    reqs = [C.generate_request(world, seed=i) for i in range(1000)]
    composed = sum(r.template.endswith("/composed") for r in reqs)
    assert 0.6 * 1000 < composed < 0.8 * 1000  # COMPOSED_SHARE = 0.7
    held = [C.generate_request(world, seed=i, held_out=True) for i in range(300)]
    assert not any(r.template.endswith("/composed") for r in held)
    for r in reqs:
        assert not re.search(r"[{}\[\]]|<[SG]>", r.text), r.text


def test_blind_held_out_set_covers_every_intent_and_repeats_no_generator_template() -> None:
    def norm(t: str) -> str:
        return re.sub(r"[^\w{}\[\]/가-힣]+", " ", t.lower()).strip()

    generator = {norm(t) for ls in C.GENERATOR_TEMPLATES.values() for ts in ls.values() for t in ts}
    assert set(C.BLIND_TEMPLATES) == set(C.INTENTS)
    for intent, langs in C.BLIND_TEMPLATES.items():
        for lang in ("en", "ko"):
            assert len(langs[lang]) >= 2, (intent, lang)
            for t in langs[lang]:
                assert norm(t) not in generator, t
                assert set(re.findall(r"\{(\w+)\}", t)) <= ALLOWED.get(intent, set()), t


def test_composed_requests_vary_in_style_outside_their_slots() -> None:
    """Korean requests are written with and without spaces and end politely, indirectly or
    tersely; English ones are indirect, British or in shorthand; slots are never touched."""
    rng = random.Random(5)
    intents = ("propagate", "find_passes", "schedule_contacts", "plan_avoidance")
    ko = [compose(rng, i, "ko") for i in intents for _ in range(400)]
    en = [compose(rng, i, "en") for i in intents for _ in range(400)]
    assert any(re.search(r" (?:바람|요망|요청합니다)(?: |$)", t) for t in ko)
    assert any("주실 수 있을까요?" in t or "주시겠어요?" in t for t in ko)
    assert any("교신가능" in t or "궤도전파" in t or "다운링크스케줄" in t for t in ko)
    assert any(re.search(r"manoeuvre|optimis|prioritis", t) for t in en)
    assert any(re.search(r"would it be possible to|any chance you could", t, re.I) for t in en)
    assert any(re.search(r"\bsats?\b|\bpls\b|\bsched\b| w/ ", t) for t in en)
    for t in ko + en:
        assert not re.search(r"\{\w*$|^\w*\}|\{[^}]*\s[^}]*\}", t), t  # no slot split or merged
