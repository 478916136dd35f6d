"""The rules planner's reading of operator requests (English and Korean)."""

from __future__ import annotations

import pytest

from cosmo_agent.agent.intents import PLAYBOOK_ORDER, Vocabulary, detect_language, parse_request

VOCAB = Vocabulary(
    satellites={
        "KOMPSAT 3": "38338", "K3": "38338", "아리랑3호": "38338",
        "KOMPSAT 5": "39227", "K5": "39227", "아리랑5호": "39227",
        "SENTINEL 2A": "40697", "S2A": "40697", "38338": "38338",
    },
    stations={
        "Daejeon": "DAEJEON", "대전": "DAEJEON", "Svalbard": "SVALBARD", "스발바르": "SVALBARD",
    },
)  # fmt: skip


def calls(text: str) -> list[tuple[str, dict[str, object]]]:
    return [(c.name, c.arguments) for c in parse_request(text, VOCAB)]


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("screen K3 for the next 36 hours", 36.0),
        ("screen K3 for a day", 24.0),
        ("screen K3 over three days", 72.0),
        ("screen K3 for 2 days", 48.0),
        ("screen K3 for 90 minutes", 1.5),
        ("screen K3 this week", 168.0),
        ("K3 이틀 동안 충돌 위험 확인", 48.0),
        ("K3 48시간 근접 접근 확인", 48.0),
        ("K3 하루 근접 분석", 24.0),
        ("K3 사흘간 충돌 스크리닝", 72.0),
        ("K3 열두 시간 충돌 확인", 12.0),
    ],
)
def test_durations_written_several_ways(text: str, hours: float) -> None:
    ((name, args),) = calls(text)
    assert name == "screen_conjunctions"
    assert args["duration_h"] == pytest.approx(hours)


@pytest.mark.parametrize(
    ("text", "km"),
    [
        ("any debris within 2 km of K3?", 2.0),
        ("any debris within 2,500 m of K3?", 2.5),
        ("any debris within five km of K3?", 5.0),
        ("K3 3킬로 이내 잔해 있어?", 3.0),
        ("K3 500미터 이내 근접 물체", 0.5),
        ("conjunctions for K3", 5.0),  # the mission default
    ],
)
def test_distances_and_units(text: str, km: float) -> None:
    ((name, args),) = calls(text)
    assert name == "screen_conjunctions"
    assert args["threshold_km"] == pytest.approx(km)
    assert args["satellites"] == ["K3"]


def test_names_aliases_and_ids_resolve_once_each() -> None:
    ((name, args),) = calls("passes of KOMPSAT 3 and 아리랑5호 over Daejeon and 스발바르")
    assert name == "find_passes"
    assert args["satellites"] == ["KOMPSAT 3", "아리랑5호"]
    assert args["stations"] == ["Daejeon", "스발바르"]
    # "K3" inside "KOMPSAT 3"'s match is not counted twice; an unknown name is not invented
    ((_, args),) = calls("where is 38338 and K3 and FOOSAT-9?")
    assert args["satellites"] == ["38338"]


def test_multi_intent_follows_the_playbook_order() -> None:
    text = "schedule downlinks, then screen for conjunctions, and check space weather"
    names = [n for n, _ in calls(text)]
    assert names == ["space_weather", "screen_conjunctions", "schedule_contacts"]
    assert names == sorted(names, key=PLAYBOOK_ORDER.index)


def test_avoidance_and_assessment_need_an_event() -> None:
    assert calls("plan an avoidance maneuver for CONJ-0007 keeping Pc below 1e-5") == [
        ("plan_avoidance", {"event_id": "CONJ-0007", "max_pc": pytest.approx(1e-5)})
    ]
    assert calls("avoid CONJ-3 with at least 2 km miss") == [
        ("plan_avoidance", {"event_id": "CONJ-3", "target_miss_km": 2.0})
    ]
    assert calls("what's the collision probability of conj-0002 with HBR 12 m") == [
        ("assess_conjunction", {"event_id": "CONJ-0002", "hard_body_radius_m": 12.0})
    ]
    # without an id the planner first screens to find the event
    assert [n for n, _ in calls("K3 회피 기동 계획 세워줘")] == ["screen_conjunctions"]


def test_commands_and_objectives() -> None:
    assert calls("put K5 in safe mode") == [
        ("propose_commands", {"commands": [{"satellite": "K5", "command": "SAFE_MODE_ENTER"}]})
    ]
    ((name, args),) = calls("K3 탑재체 전원 꺼")
    assert name == "propose_commands"
    assert args["commands"] == [
        {"satellite": "K3", "command": "PAYLOAD_POWER", "parameters": {"state": "OFF"}}
    ]
    ((_, args),) = calls("schedule contacts by priority for all satellites at Svalbard")
    assert args == {"satellites": "all", "stations": ["Svalbard"], "duration_h": 24.0,
                    "objective": "max_priority"}


@pytest.mark.parametrize(
    "text",
    ["hello!", "thanks, that's all", "what is a TLE?", "안녕하세요", "고마워요", "tell me a joke"],
)
def test_requests_that_need_no_tool(text: str) -> None:
    assert calls(text) == []


def test_language_detection() -> None:
    assert detect_language("K3 위치") == "ko"
    assert detect_language("where is K3") == "en"
