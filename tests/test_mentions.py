"""The one reader of satellites and stations a request names that the mission may lack
(:mod:`cosmo_agent.tools.mentions`), used by the rules planner and passed to Cosmo's decoder.

The expected values are what an operator means by each request (our reading, not another
program's): a regression pin of the exclusions, each of which was a false alarm once.
"""

from __future__ import annotations

import pytest

from cosmo_agent.agent.teacher import RulesTeacher
from cosmo_agent.tools import mentions
from cosmo_agent.tools.mentions import unknown_names


def test_public_surface() -> None:
    assert mentions.__all__ == ["unknown_names"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("When does SENTINEL-9 pass?", ["SENTINEL-9"]),
        ("LANDSAT 7 상태 어때?", ["LANDSAT 7"]),
        ("Kompsat 9 and K9A, please", ["Kompsat 9", "K9A"]),
        ("status of NORAD 99999 and #12345", ["NORAD 99999", "#12345"]),
        ("아리랑 13호가 위험해? 아리랑9호는?", ["아리랑 13호", "아리랑9호"]),
        ("How's Boreas 2 holding up?", ["Boreas 2"]),
        ("SENTINEL-9 and SENTINEL-9 again", ["SENTINEL-9"]),  # once each
    ],
)
def test_satellite_designators_are_found(text: str, expected: list[str]) -> None:
    assert unknown_names(text)["satellite"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "G3 storm, S2 and R3 too: what does it mean?",  # NOAA scales
        "Is the sun acting up? Kp 7, M5 and X1.2 flares?",  # Kp and flare classes
        "what is F10.7 now?",  # the solar radio flux index
        "give me the basics of the J2 perturbation",  # a zonal harmonic
        "propagate with SGP4, not SDP4",  # propagators
        "AOS/LOS 120 시간 동안, HBR 20 기준",  # acronyms a number follows
        "trajectory for Tuesday 06:00-12:00 UTC, or through Friday 00Z",  # time words
        "send it on June 13 at 12:00 UTC",  # a time the tools' parser reads
        "assess CONJ-0074 and CONJ-27424-49260-20260611T0319Z",  # event ids
        "screen OBC_RESET within 5 km for 3 days",  # a command, values
    ],
)
def test_words_that_are_not_satellites_are_not_found(text: str) -> None:
    assert unknown_names(text)["satellite"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("passes over Kourou", ["Kourou"]),
        ("passes over Punta Arenas, then at Troll", ["Punta Arenas", "Troll"]),
        ("book the Kiruna station for us", ["Kiruna"]),
        ("쿠루 지상국 패스 알려줘", ["쿠루"]),
        ("쿠루 기지국이랑 제주 상공 패스", ["쿠루", "제주"]),
    ],
)
def test_stations_named_in_passing_are_found(text: str, expected: list[str]) -> None:
    assert unknown_names(text)["station"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Kourou passes",  # named without a cue: not found (a known gap)
        "Allocate station time to the fleet",  # a capital at a sentence's start is a verb
        "passes over all stations from now on",  # all; a time word
        "send it at June 12 06:00 UTC",  # a month
        "can you book a table at the Korean barbecue place on Friday?",  # "at the": no station
        "전체 지상국, 모든 지상국, 지상국 전부 패스",  # all of them
        "위성별 지상국 배정, 다른 지상국, 예비 지상국",  # per satellite; other; spare
        "계산 부탁 지상국 배정도, 그걸로 지상국 예약",  # a request's verbs; demonstratives
        "지상국까지 거리",  # a particle's ending
    ],
)
def test_words_that_are_not_stations_are_not_found(text: str) -> None:
    assert unknown_names(text)["station"] == []


def test_the_teacher_reads_unknown_names_as_the_rules_planner_does() -> None:
    """Evaluation gives Cosmo the teacher's reader: the same function, not a copy."""
    text = "passes of SENTINEL-9 over Kourou"
    assert RulesTeacher.unknown_names(text) == unknown_names(text)
    assert unknown_names(text) == {"satellite": ["SENTINEL-9"], "station": ["Kourou"]}
