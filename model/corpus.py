"""Cosmo corpus: tool-use conversations from a teacher, domain text, deterministic splits.

Conversations. A :class:`Teacher` (the agent's rules planner, wired in by the CLI; this module
never imports it) makes a randomized mission with :meth:`Teacher.world` and answers operator
requests with :meth:`Teacher.answer`. :func:`generate_request` writes the requests, in English
or Korean, from phrasing templates with slots filled from the world (satellite names, aliases,
NORAD ids, stations, durations, thresholds, times, event ids, commands), and each request
carries its *intended* tool calls. :func:`build_corpus` keeps the teacher's answer when its
first tool-calling turn agrees with the intended calls (:func:`calls_agree`); when it does not,
a teacher with ``answer_calls`` runs the intended calls instead (a *guided* example: the
labels are the generator's, the tool results and briefing the teacher's), and the manifest
counts both.

Phrasings. ``GENERATOR_TEMPLATES`` is what the train and validation splits are written with;
``HELD_OUT_TEMPLATES`` are phrasings the generator does not use, and the test split is written
with them only. The split of an example is decided first, from a stable hash of its id
(:func:`split_of`), and then its request is rendered from the matching template set.

Domain text for continued pretraining: :func:`read_text_source` (local or any fsspec URL:
``*.jsonl`` with a ``text`` field, ``*.txt``/``*.md`` one document per file) and
:class:`ArxivClient` (arXiv API Atom feed, parsed with :mod:`xml.etree`, 3 s between calls).

Output (``out`` is a local directory or any fsspec URL; ``s3://`` needs the ``s3`` extra)::

    train.jsonl validation.jsonl test.jsonl            conversations, one JSON object a line:
        {"id", "lang", "intent", "template", "split", "messages", "tools", "intended",
         "world_seed"}
    text-train.jsonl text-validation.jsonl text-test.jsonl   domain text {"id", "text", "source"}
    disagreements.jsonl                                 dropped examples and why
    manifest.json                                       counts per split and language, teacher
                                                        agreement, sha256 of every file

>>> world = {"satellites": [{"id": "25544", "name": "ISS (ZARYA)", "aliases": ["ISS"]}],
...          "stations": [{"id": "DAE", "name": "Daejeon", "aliases": ["대전"]}],
...          "tools": [{"type": "function", "function": {"name": "space_weather"}}],
...          "system": "You are Cosmo."}
>>> req = generate_request(world, seed="w0-r0", lang="en", intent="space_weather")
>>> [call["name"] for call in req.intended]
['space_weather']
>>> split_of("w0-r0") in ("train", "validation", "test")
True
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from cosmo_agent.model.phrasebook import compose

__all__ = [
    "BLIND_TEMPLATES",
    "GENERATOR_TEMPLATES",
    "HELD_OUT_TEMPLATES",
    "INTENTS",
    "ArxivClient",
    "ArxivEntry",
    "ArxivError",
    "ArxivPage",
    "CorpusManifest",
    "Request",
    "Split",
    "Teacher",
    "TextRecord",
    "build_corpus",
    "calls_agree",
    "first_tool_calls",
    "generate_request",
    "load_object",
    "main",
    "open_url",
    "parse_arxiv_feed",
    "read_jsonl",
    "read_text_source",
    "split_of",
]

Split = Literal["train", "validation", "test"]
"""``train`` and ``validation`` use the generator phrasings, ``test`` the held-out ones."""
Lang = Literal["en", "ko"]

SPLITS: tuple[Split, ...] = ("train", "validation", "test")
DEFAULT_FRACTIONS: tuple[float, float, float] = (0.90, 0.05, 0.05)
DEFAULT_NOW_UTC = datetime(2026, 6, 10, 0, 0, tzinfo=UTC)
# Commands every bundled dictionary (tools/data/commands) has, with no required parameter.
DEFAULT_COMMANDS = ("NOOP", "TIME_SYNC", "SAFE_MODE_ENTER", "SAFE_MODE_EXIT", "STOP_DOWNLINK")

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


class Teacher(Protocol):
    """What :func:`build_corpus` needs from a teacher (the agent's rules planner)."""

    def world(self, seed: int) -> dict[str, Any]:
        """A randomized mission: ``{"satellites": [{"id", "name", "aliases"}], "stations":
        [{"id", "name", "aliases"}], "tools": [OpenAI tool schemas], "system": str}``;
        optional ``"now"`` (ISO 8601 UTC, the mission clock used for relative times),
        ``"event_ids"`` (conjunction ids the teacher can resolve) and ``"commands"``."""
        ...

    def answer(self, world: dict[str, Any], request: str) -> list[dict[str, Any]]:
        """The messages after the user turn (contract.md chat format): assistant tool_calls,
        tool results, final assistant briefing."""
        ...


# Optional on a teacher: ``answer_calls(world, request, calls) -> messages``, the turns after
# the user message when the first tool-calling turn makes ``calls`` (used for guided examples).


# --------------------------------------------------------------------------------------------
# Phrasing templates.  Slots: {sat} one satellite, {sats} two or three, {fleet} all of them;
# {station}, {stations}, {allst} likewise; {dur} duration, {thr} screening threshold, {elev}
# minimum elevation, {step} propagation step, {start} start time, {time} command time,
# {event} conjunction id, {hbr} hard-body radius, {maxpc} target Pc, {miss} target miss
# distance, {obj} scheduling objective, {cmd} command.  Korean particles are written
# "[을/를]" and chosen from the preceding word (see _attach_particles).  A template without a
# satellite (station) slot means all satellites (stations); without {dur}, 24 h.

_T = dict[str, dict[str, tuple[str, ...]]]

GENERATOR_TEMPLATES: _T = {
    "fleet_status": {
        "en": (
            "What's the status of the fleet?",
            "Give me a fleet status report.",
            "How are all our satellites doing right now?",
            "fleet status",
            "Status check on every spacecraft, please.",
            "Can you summarize the current state of the constellation?",
            "Any satellites in trouble? Show me the fleet overview.",
            "How old are our element sets?",
            "Are any of the TLEs out of date?",
            "When was the last orbit update for each satellite?",
        ),
        "ko": (
            "위성 전체 상태 알려줘",
            "현재 위성군 상태 보고해 줘",
            "우리 위성들 지금 상태 어때?",
            "위성군 상태 점검 부탁해",
            "전체 위성 현황 보여줘",
            "위성 상태 요약해 주세요",
            "궤도요소 얼마나 오래됐는지 알려줘",
            "TLE 최신인지 확인해 줘",
        ),
    },
    "propagate": {
        "en": (
            "Propagate {sat} {dur}.",
            "Propagate {sats} {dur} {step}.",
            "Where will {sat} be {dur}?",
            "Compute the trajectory of {fleet} {dur}, {start}.",
            "Run an orbit propagation of {sat} {step} {dur}.",
            "Generate ephemeris for {sats} {dur}, {start}.",
            "Predict the positions of {fleet} {step}.",
        ),
        "ko": (
            "{sat} 궤도를 {dur} 전파해 줘",
            "{sats}의 위치를 {dur} {step} 계산해 줘",
            "{start} {dur} {fleet} 궤도 예측해 줘",
            "{sat}[이/가] {dur} 어디 있을지 알려줘",
            "{sat} 궤도력 {dur} 생성해 줘",
            "{fleet} 위치 {step} 뽑아줘",
        ),
    },
    "find_passes": {
        "en": (
            "When does {sat} pass over {station} {dur}?",
            "List passes of {sats} over {stations} {dur} {elev}.",
            "Show me all contact windows for {fleet} {dur}.",
            "Find passes for {sat} {elev}.",
            "Pass predictions for {sat} at {station}, please.",
            "Which passes will {allst} get from {sats} {dur}?",
            "Compute visibility windows of {fleet} over {station} {elev} {dur}.",
        ),
        "ko": (
            "{sat}[이/가] {station} 상공을 지나가는 시간 알려줘",
            "{dur} {sats}의 {stations} 통과 일정 뽑아줘",
            "{fleet} 패스 예측 {dur} 해 줘",
            "{sat} 통과 예측, {elev}만",
            "{station}에서 {sat} 언제 보여?",
            "{allst} 기준으로 {sats} 가시 구간 {dur} 계산해 줘",
        ),
    },
    "screen_conjunctions": {
        "en": (
            "Screen {fleet} for conjunctions {dur}.",
            "Run a conjunction screening on {sat} {thr}.",
            "Any close approaches for {sats} {thr} {dur}?",
            "Check {sat} for collision risks {dur}.",
            "Conjunction screen, {fleet}, {thr}.",
            "Look for debris approaching {sats} {thr}.",
        ),
        "ko": (
            "{fleet} 충돌 위험 스크리닝해 줘",
            "{dur} {sat}에 {thr}[으로/로] 접근하는 물체 있는지 확인해 줘",
            "{sats} 근접 접근 스크리닝 {thr} 기준으로 돌려줘",
            "{sat} 주변에 {thr}[으로/로] 다가오는 파편 있어?",
            "{dur} {fleet} 근접 분석해 줘",
        ),
    },
    "assess_conjunction": {
        "en": (
            "Assess conjunction {event}.",
            "What's the collision probability for event {event}?",
            "Compute Pc for {event} {hbr}.",
            "How risky is conjunction {event}?",
            "Run a detailed assessment of event {event} {hbr}.",
        ),
        "ko": (
            "{event} 이벤트 충돌 확률 계산해 줘",
            "근접 이벤트 {event} 평가해 줘",
            "{hbr} {event} Pc 계산해 줘",
            "{event} 위험도 분석 부탁해",
        ),
    },
    "plan_avoidance": {
        "en": (
            "Plan an avoidance maneuver for {event}.",
            "Plan a collision avoidance burn for event {event} {maxpc}.",
            "We need to dodge {event} - plan a maneuver {miss}.",
            "Design an avoidance maneuver for {event} {maxpc}.",
            "Maneuver options for conjunction {event}?",
        ),
        "ko": (
            "{event} 회피 기동 계획 세워 줘",
            "{event} 회피 기동 계획해 줘. {maxpc} 낮춰야 해.",
            "{miss} {event} 회피 기동 설계해 줘",
            "근접 이벤트 {event} 회피 방안 알려줘",
        ),
    },
    "space_weather": {
        "en": (
            "What's the space weather like?",
            "Space weather report, please.",
            "Any geomagnetic storms right now?",
            "Check the current Kp index and solar flux.",
            "Is there a solar storm going on?",
            "space weather",
        ),
        "ko": (
            "우주 기상 알려줘",
            "지금 지자기 폭풍 있어?",
            "현재 Kp 지수랑 태양 플럭스 확인해 줘",
            "우주날씨 어때?",
            "태양 활동 현황 보고해 줘",
        ),
    },
    "schedule_contacts": {
        "en": (
            "Schedule contacts for {fleet} {dur}.",
            "Build a ground station schedule for {sats} on {stations} {obj}.",
            "Plan downlinks for {sat} {dur} {obj}.",
            "Make a contact plan using {allst} {dur}.",
            "Optimize the pass schedule for {fleet} at {station} {obj}.",
        ),
        "ko": (
            "{fleet} 교신 스케줄 {dur} 짜 줘",
            "{stations}에서 {sats} 접속 일정 {obj} 잡아줘",
            "{dur} {sat} 다운링크 계획 세워 줘",
            "{allst} 써서 교신 계획 만들어 줘",
            "{station} 안테나 스케줄링 {obj} 해 줘",
        ),
    },
    "propose_commands": {
        "en": (
            "Queue a {cmd} command for {sat} {time}.",
            "Prepare a {cmd} command for {sat}.",
            "Propose commanding {sat} to {cmd} {time}.",
            "Put {sat} into {cmd} {time}.",
            "Draft a command plan: {cmd} on {sat} {time}.",
        ),
        "ko": (
            "{sat}에 {cmd} 명령 준비해 줘",
            "{time} {sat}[으로/로] {cmd} 명령 보내는 계획 만들어 줘",
            "{time} {sat} {cmd} 커맨드 제안해 줘",
            "{sat} {cmd} 실행 계획 잡아줘",
        ),
    },
    "status_and_weather": {
        "en": (
            "Give me the fleet status and the space weather.",
            "Morning brief: satellite health plus space weather.",
            "How are the satellites, and is there any solar activity I should know about?",
        ),
        "ko": (
            "위성 상태랑 우주 기상 같이 알려줘",
            "아침 브리핑: 위성 현황하고 우주날씨",
            "위성들 상태하고 지자기 상황 둘 다 확인해 줘",
        ),
    },
    "greeting": {
        "en": (
            "Hi!",
            "Hello Cosmo.",
            "Good morning.",
            "Hey, are you there?",
            "Thanks, that's all.",
        ),
        "ko": ("안녕하세요", "안녕 코스모", "좋은 아침이에요", "고마워요", "거기 있어?"),
    },
    "astro_question": {
        "en": (
            "What is a sun-synchronous orbit?",
            "Explain what a TLE is.",
            "What's the difference between LEO and GEO?",
            "Why do satellites in low orbit decay?",
            "What does the Kp index measure?",
            "What is a conjunction in space operations?",
        ),
        "ko": (
            "태양동기궤도가 뭐야?",
            "TLE가 뭔지 설명해 줘",
            "저궤도랑 정지궤도 차이가 뭐야?",
            "저궤도 위성은 왜 고도가 떨어져?",
            "Kp 지수는 뭘 나타내?",
            "근접 접근(컨정션)이 뭐야?",
        ),
    },
    "out_of_scope": {
        "en": (
            "Book me a flight to Seoul.",
            "Write a poem about cats.",
            "What's Apple's stock price?",
            "Order a pizza for the ops room.",
            "Can you fix my printer?",
        ),
        "ko": (
            "서울행 비행기 예약해 줘",
            "고양이에 대한 시 써 줘",
            "오늘 주가 어때?",
            "운영실에 피자 시켜 줘",
            "프린터 좀 고쳐 줄래?",
        ),
    },
}

HELD_OUT_TEMPLATES: _T = {
    "fleet_status": {
        "en": (
            "Quick health rundown across our spacecraft?",
            "Where do things stand with the satellites today?",
        ),
        "ko": (
            "지금 운용 중인 위성들 건강 상태 한 번 훑어줘",
            "위성들 이상 없는지 현황판 좀 띄워 줄래?",
        ),
    },
    "propagate": {
        "en": (
            "Fly {sat} forward {dur} and tell me where it ends up.",
            "I need a state-vector table for {sats} {dur} {step}.",
        ),
        "ko": (
            "{sat}[을/를] {dur} 앞으로 돌려서 위치 변화 보여줘",
            "{sats} 상태벡터 표를 {dur} {step} 만들어 줘",
        ),
    },
    "find_passes": {
        "en": (
            "Is {sat} going to be visible from {station} at any point {dur}?",
            "Give me the AOS/LOS table for {sats} over {stations} {elev}.",
        ),
        "ko": (
            "{station}에서 {sat} 잡을 수 있는 시간대가 {dur} 언제언제야?",
            "{sats} AOS/LOS 표 {elev} 조건으로 정리해 줘",
        ),
    },
    "screen_conjunctions": {
        "en": (
            "Do a collision-risk sweep of {sats} {dur}, flagging anything {thr}.",
            "Anything threatening {sat} lately? Sweep {dur}.",
        ),
        "ko": (
            "{dur} {sats} 옆으로 {thr}[으로/로] 스쳐 가는 물체 있는지 훑어봐 줘",
            "{sat} 충돌 경보 후보 좀 찾아줘, 기준은 {thr}",
        ),
    },
    "assess_conjunction": {
        "en": (
            "Break down the risk on {event} for me {hbr}.",
            "Is {event} something we need to worry about?",
        ),
        "ko": (
            "{event} 건 얼마나 위험한지 따져봐 줘",
            "{hbr} {event} 충돌 가능성 숫자로 뽑아줘",
        ),
    },
    "plan_avoidance": {
        "en": (
            "What burn gets us out of the way of {event} {miss}?",
            "Come up with a way to avoid {event} {maxpc}.",
        ),
        "ko": (
            "{event} 비켜가려면 어떤 기동이 필요해?",
            "{event} 대응 기동안 마련해 줘, {miss}",
        ),
    },
    "space_weather": {
        "en": (
            "Is the Sun behaving itself today?",
            "How's the geomagnetic environment looking for our operations?",
        ),
        "ko": ("오늘 태양 쪽 상황 괜찮아?", "운영에 영향 줄 만한 지자기 교란 있는지 봐줘"),
    },
    "schedule_contacts": {
        "en": (
            "Carve up antenna time among {sats} {dur} {obj}.",
            "Who gets which pass at {stations}? Work it out {obj}.",
        ),
        "ko": (
            "{dur} {sats}한테 안테나 시간 {obj} 나눠 줘",
            "{stations} 패스를 어느 위성에 줄지 정해줘",
        ),
    },
    "propose_commands": {
        "en": (
            "Line up {cmd} for {sat} {time}, pending my approval.",
            "I'd like {sat} to execute {cmd}; draft it.",
        ),
        "ko": (
            "{sat}한테 {cmd} 걸어야 할 것 같아, 명령안 만들어 줘",
            "{time} {sat} {cmd} 수행하도록 초안 작성해 줘",
        ),
    },
    "status_and_weather": {
        "en": ("Start-of-shift summary please - spacecraft health and what the Sun is doing.",),
        "ko": ("근무 교대 브리핑 좀: 위성들 상태와 태양 활동",),
    },
    "greeting": {
        "en": ("Yo, Cosmo - what's up?",),
        "ko": ("반가워요, 오늘도 잘 부탁해요",),
    },
    "astro_question": {
        "en": ("In plain words, how does SGP4 work?", "What makes an orbit a Molniya orbit?"),
        "ko": ("SGP4가 어떻게 동작하는지 쉽게 설명해 줘", "몰니야 궤도는 어떤 특징이 있어?"),
    },
    "out_of_scope": {
        "en": (
            "Recommend a good restaurant near the control center.",
            "Translate my wedding speech into French.",
        ),
        "ko": ("관제센터 근처 맛집 추천해 줘", "내 결혼식 축사 프랑스어로 번역해 줘"),
    },
}

# A second held-out set, written blind: by a writer who saw neither template set nor the rules
# parser, only the intents, the slots and their surfaces (2026-12-02). The six it wrote that
# equal a generator or held-out template were removed. The test split draws from both sets
# (template ids "heldout/..." and "blind/...") and reports can be broken down by set.
BLIND_TEMPLATES: _T = {
    "fleet_status": {
        "en": (
            "How's the fleet looking right now?",
            "status check on all birds pls",
            "Can you give me a health summary of every satellite we operate?",
            "starting my shift - anything flagged on the constellation?"
            " need the overall sat states",
            "Any anomalies or safe-mode entries across the fleet",
            "Pull up the current state of health for our spacecraft:"
            " power, attitude, whatever you have.",
        ),
        "ko": (
            "전체 위성 상태 어때?",
            "지금 운용 중인 위성들 헬스 상태 좀 알려주세요.",
            "교대 들어왔습니다. 위성들 이상 없는지 상태 요약 부탁드려요",
            "우리 위성 중에 세이프모드 들어간 거 있어?",
            "군집 전체 건전성 점검 결과 보여줘",
            "위성별 현재 상태(전력, 자세, 통신) 한번 쭉 정리해 줄래요?",
        ),
    },
    "propagate": {
        "en": (
            "propagate {sat} {dur} {step}",
            "Can you generate an ephemeris for {sats} {start}, {step}?",
            "need state vectors for {fleet} {dur}",
            "Could you run an orbit propagation for {sat} {start} {dur}?",
            "ephemeris for the whole constellation {step} pls",
            "Quick one: where is {sat} going to be {dur}? predict the ground track",
        ),
        "ko": (
            "{sat} 궤도 {dur} 전파해줘",
            "{sats}의 위치를 {start} {step} 계산해 주세요.",
            "{fleet} 궤도 예측 {dur} 돌려줘, {step}",
            "{sat} 에페메리스 좀 뽑아줄래? {start} {dur}",
            "위성 전체 위치 {step} 궤도전파 부탁드립니다",
            "{sat}[이/가] {dur} 어디로 지나가는지 궤도 전파해서 보여줘",
        ),
    },
    "find_passes": {
        "en": (
            "When is {sat} visible from {station} {dur}?",
            "list passes for {sats} over {stations} {elev}",
            "AOS/LOS times for {fleet} at {allst} {dur}, please.",
            "Can you check contact windows for {sat} {elev} {dur}?",
            "what passes do we get over {station} {dur}",
            "shift handover: need the pass list for {sats} {dur}, {elev}, all our ground sites",
        ),
        "ko": (
            "{sat} {station}에서 언제 보여?",
            "{sats}의 {stations} 패스 시간 {dur} 뽑아줘",
            "{allst}에서 {fleet} 가시 구간 {elev} 조건으로 정리해 주세요",
            "{sat} AOS/LOS {dur} 알려줘",
            "{station}에서 잡히는 패스 {dur} 목록 좀",
            "{sat} 교신 가능한 시간대가 언제예요? {elev} 기준으로 봐 주시고요",
        ),
    },
    "screen_conjunctions": {
        "en": (
            "Screen {sat} for conjunctions {dur}.",
            "any close approaches {thr} for {fleet} {dur}?",
            "Run a conjunction screening on {sats}, flag anything {thr}.",
            "Is anything getting too close to {sat}? check {dur}",
            "collision risk sweep for the constellation {thr}",
            "Before I hand over, could you look for any objects approaching {sats} {thr} {dur}?",
        ),
        "ko": (
            "{sat} 근접 접근 스크리닝 {dur} 돌려줘",
            "{fleet} 대상으로 {thr} 들어오는 물체 있는지 확인해 주세요",
            "{sats} 충돌 위험 물체 검색 {dur}, 기준은 {thr}",
            "{sat}한테 가까이 오는 파편 있어?",
            "전체 위성 컨정션 스크리닝 부탁드립니다. {thr}[으로/로] 걸러주세요",
            "{dur} {sat} 근접 이벤트 있는지 좀 봐줘",
        ),
    },
    "assess_conjunction": {
        "en": (
            "What's the Pc for {event}?",
            "assess {event} {hbr}",
            "Can you compute the collision probability of {event} {hbr}?",
            "how risky is {event} really",
            "Need a risk assessment on {event} for the ops brief.",
            "{event} just came in - miss distance and probability of collision please",
        ),
        "ko": (
            "{event} 충돌확률 얼마야?",
            "{event} 위험도 평가해 주세요. {hbr} 계산 부탁드립니다.",
            "{event} Pc 좀 {hbr} 다시 계산해줘",
            "방금 들어온 {event} 얼마나 위험한지 분석해줄래?",
            "{event} 최근접 거리하고 충돌확률 평가 부탁해요",
            "{event} 건 리스크 어떻게 돼요?",
        ),
    },
    "plan_avoidance": {
        "en": (
            "We need to dodge {event}. Work out a burn {maxpc}.",
            "Design a collision avoidance manoeuvre for {event} {miss}.",
            "what would a CAM for {event} look like {maxpc}?",
            "can you size a debris avoidance burn for {event} {miss}",
            "{event} is too close for comfort, propose a maneuver plan",
        ),
        "ko": (
            "{event} 회피기동 계획 세워줘",
            "{event}에 대해 {maxpc} 낮추는 회피기동안 부탁드려요",
            "{event} 피하게 {miss} 기동 계획 짜줘",
            "{event} 회피 기동안 {miss} 마련해 주세요",
            "{event} 때문에 CAM 필요할 것 같은데 기동 설계 좀",
            "{event} 관련해서 {maxpc} 만드는 델타V 계획 잡아줘",
        ),
    },
    "space_weather": {
        "en": (
            "kp index and solar flux currently?",
            "Any geomagnetic storms going on? Drag might be up.",
            "Could you give me a quick solar activity and geomag summary",
            "space wx check",
            "Is the sun acting up? Any flares or CMEs I should know about?",
        ),
        "ko": (
            "지금 우주기상 어때?",
            "지자기 지수하고 태양 활동 상황 알려주세요",
            "태양 플레어나 지자기 폭풍 있어요?",
            "우주날씨 현황 요약 좀",
            "Kp 지수 지금 몇이야?",
            "대기 항력 영향 있을 만큼 지자기 교란 심한지 확인해 줄래요?",
        ),
    },
    "schedule_contacts": {
        "en": (
            "Allocate ground station time among {sats} across {stations} {obj}.",
            "Build me a downlink plan for {sat} at {station} {dur}.",
            "need a contact schedule for all sats on {allst}, {obj}",
            "Can you deconflict the station bookings for {sats} {dur} {obj}?",
            "set up the downlink schedule {obj} and assign passes to whichever sat needs them",
        ),
        "ko": (
            "{fleet} 교신 스케줄 {dur} 짜줘",
            "{sats} 다운링크 일정 {stations} 기준으로 배정해 주세요",
            "{station} 지상국 교신 시간을 {obj} 위성들한테 나눠줘",
            "{allst} 교신 계획 {dur} {obj} 잡아주세요",
            "{sat} 다운링크 스케줄링 좀 해줄래? {station}에서",
            "위성별 지상국 교신 할당 {obj} 부탁합니다",
        ),
    },
    "propose_commands": {
        "en": (
            "send {cmd} to {sat} {time}",
            "Can you draft {cmd} for {sat}, to execute {time}?",
            "{sat} needs a {cmd}, put together the command for me",
            "queue {cmd} on {sat} {time} pls",
            "I'd like to uplink {cmd} to {sat} {time} - can you build the command?",
        ),
        "ko": (
            "{sat}에 {cmd} 명령 준비해줘",
            "{sat} {cmd} 커맨드 {time} 실행되게 만들어 주세요",
            "{time} {sat}에 {cmd} 올릴 수 있게 명령 작성 부탁해요",
            "{sat} 쪽에 {cmd} 보내야 하는데 커맨드 초안 좀",
            "{cmd} 명령을 {sat}에 {time} 업링크하도록 준비해 줄래?",
            "{sat} {cmd} 명령안 작성해 주세요",
        ),
    },
    "status_and_weather": {
        "en": (
            "Give me fleet health and the current space weather.",
            "sat status + space wx pls",
            "How are all our satellites doing, and is there any geomagnetic activity"
            " I should worry about?",
            "shift handover: overall spacecraft state and solar conditions",
        ),
        "ko": (
            "위성 상태하고 우주기상 같이 알려줘",
            "전체 위성 헬스 체크하고 지자기 상황도 봐주세요",
            "교대 인수인계용으로 위성 상태하고 태양 활동 요약 부탁드려요",
            "위성들 괜찮아? 우주날씨는 어때?",
        ),
    },
    "greeting": {
        "en": (
            "hi Cosmo",
            "Thanks, that's all for now!",
            "good morning, how are you doing?",
            "cheers, appreciate the help",
        ),
        "ko": (
            "고마워요, 수고하셨습니다!",
            "오 감사감사 도움 많이 됐어",
        ),
    },
    "astro_question": {
        "en": (
            "What causes the orbital plane to precess in a sun-synchronous orbit?",
            "explain the difference between apogee and perigee",
            "Why does atmospheric drag end up making a satellite speed up?",
            "how does a TLE differ from a full state vector?",
        ),
        "ko": (
            "태양동기궤도는 어떻게 유지되는 거야?",
            "근지점하고 원지점 차이가 뭐예요?",
            "궤도 경사각 바꾸는 데 왜 연료가 그렇게 많이 들어?",
            "정지궤도랑 저궤도 차이 설명해 줄래요?",
        ),
    },
    "out_of_scope": {
        "en": (
            "Can you recommend a good pizza place near the office?",
            "write me a birthday poem for my coworker",
            "what's the score of the football game",
            "How do I reset my email password?",
        ),
        "ko": (
            "점심 메뉴 추천해줘",
            "주식 뭐 사야 돼?",
            "여자친구 선물 뭐가 좋을까요?",
            "엑셀에서 피벗테이블 어떻게 만들어?",
        ),
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
    "greeting": 0.6,
    "astro_question": 0.8,
    "out_of_scope": 0.6,
}

_SLOT_RE = re.compile(r"\{(\w+)\}")
COMPOSED_SHARE = 0.7
"""Share of train/validation requests written by :func:`~cosmo_agent.model.phrasebook.compose`
(the rest use ``GENERATOR_TEMPLATES``); the test split never uses either."""


# --------------------------------------------------------------------------------------------
# Slot surfaces: each returns (surface text, argument value).

_EN_NUM = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    10: "ten",
    12: "twelve",
    20: "twenty",
}
_KO_NATIVE_COUNT = {1: "한", 2: "두", 3: "세", 4: "네", 5: "다섯", 6: "여섯", 12: "열두"}
_KO_DAYS = {1: "하루", 2: "이틀", 3: "사흘", 4: "나흘", 5: "닷새", 7: "일주일"}


def _num(x: float) -> str:
    """Shortest plain decimal: 5.0 -> '5', 0.5 -> '0.5'."""
    return f"{x:g}" if abs(x) < 1e6 else f"{x:.0f}"


def _grouped(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else _num(x)


def _duration(rng: random.Random, lang: Lang) -> tuple[str, float]:
    hours = rng.choice((1, 2, 3, 6, 12, 24, 24, 24, 36, 48, 48, 72, 96, 120, 168))
    days = hours // 24 if hours % 24 == 0 else 0
    if lang == "en":
        if hours == 1:
            return rng.choice(("for an hour", "for 1 hour", "over the next hour", "for 1 h")), 1.0
        if days == 1 and rng.random() < 0.4:
            forms = ("for a day", "over the next day", "for one day", "within a day")
            return rng.choice(forms), 24.0
        if days == 7 and rng.random() < 0.4:
            return rng.choice(("for a week", "over the next week", "for one week")), 168.0
        nouns = [f"{hours} h", f"{hours} hours", f"{hours}h", f"{hours} hrs"]
        if hours in _EN_NUM:
            nouns.append(f"{_EN_NUM[hours]} hours")
        if days > 1:
            nouns.append(f"{days} days")
            if days in _EN_NUM:
                nouns.append(f"{_EN_NUM[days]} days")
        lead = rng.choice(("for ", "over the next ", "for the next ", "in the next ", "for "))
        return lead + rng.choice(nouns), float(hours)
    nouns = [f"{hours}시간", f"{hours} 시간"]
    if hours in _KO_NATIVE_COUNT:
        nouns.append(f"{_KO_NATIVE_COUNT[hours]} 시간")
    if days:
        nouns.append(f"{days}일")
        if days in _KO_DAYS:
            nouns += [_KO_DAYS[days]] * 2
    noun = rng.choice(nouns)
    form = rng.choice(("{} 동안", "앞으로 {} 동안", "향후 {}", "{}치", "앞으로 {}"))
    return form.format(noun), float(hours)


def _threshold(rng: random.Random, lang: Lang) -> tuple[str, float]:
    km = rng.choice((0.5, 1.0, 2.0, 2.5, 5.0, 5.0, 10.0, 20.0, 25.0, 50.0))
    m = km * 1000
    if lang == "en":
        amount = rng.choice(
            [f"{_num(km)} km", f"{_num(km)} kilometers", f"{_num(km)}km", f"{_grouped(m)} m"]
            + [f"{_grouped(m)} meters"]
            + ([f"{_EN_NUM[int(km)]} kilometres"] if km in _EN_NUM else [])
        )
        lead = rng.choice(("within ", "inside ", "closer than ", "under ", "within "))
        return lead + amount, km
    amount = rng.choice(
        (
            f"{_num(km)}km",
            f"{_num(km)}킬로",
            f"{_num(km)}킬로미터",
            f"{_grouped(m)}m",
            f"{_num(m)}미터",
        )
    )
    return amount + rng.choice((" 이내", " 이내", " 안쪽")), km


def _elevation(rng: random.Random, lang: Lang) -> tuple[str, float]:
    deg = float(rng.choice((5, 10, 10, 15, 20, 25, 30, 45)))
    d = _num(deg)
    if lang == "en":
        return rng.choice(
            (
                f"above {d}°",
                f"above {d} degrees elevation",
                f"with at least {d} deg elevation",
                f"with a {d}° elevation mask",
                f"higher than {d} degrees",
            )
        ), deg
    forms = (f"앙각 {d}도 이상", f"고도각 {d}° 이상", f"{d}도 이상", f"앙각 {d}° 넘는 것")
    return rng.choice(forms), deg


def _step(rng: random.Random, lang: Lang) -> tuple[str, float]:
    seconds = rng.choice((10, 30, 60, 60, 120, 300, 600, 900, 1800, 3600))
    minutes = seconds // 60 if seconds % 60 == 0 else 0
    if lang == "en":
        forms = [f"every {seconds} s", f"at {seconds}-second intervals", f"with a {seconds} s step"]
        if minutes:
            unit = "minute" if minutes == 1 else "minutes"
            forms += [f"every {minutes} {unit}", f"with a {minutes}-minute step"]
        if seconds == 60:
            forms.append("once a minute")
        if seconds == 3600:
            forms.append("hourly")
        return rng.choice(forms), float(seconds)
    forms = [f"{seconds}초 간격으로", f"{seconds}초 단위로"]
    if minutes:
        forms += [f"{minutes}분 간격으로", f"{minutes}분 단위로"]
    if seconds == 3600:
        forms.append("한 시간 간격으로")
    return rng.choice(forms), float(seconds)


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _time_core(rng: random.Random, lang: Lang, now: datetime) -> tuple[str, str, bool]:
    """(surface, ISO value, relative?) for a time in the next few days."""
    kind = rng.choice(("iso", "iso_t", "words", "tomorrow", "in_hours"))
    if kind == "in_hours":
        hours = rng.choice((1, 2, 3, 6, 12))
        t = now + timedelta(hours=hours)
        if lang == "en":
            return rng.choice((f"in {hours} hours", f"{hours} h from now")).replace(
                "in 1 hours", "in 1 hour"
            ), _iso(t), True
        return rng.choice((f"{hours}시간 후", f"지금부터 {hours}시간 뒤")), _iso(t), True
    hour = rng.choice((0, 3, 6, 9, 12, 15, 18, 21))
    if kind == "tomorrow":
        t = (now + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
        if lang == "en":
            return f"tomorrow at {hour:02d}:00 UTC", _iso(t), True
        return f"내일 {hour:02d}:00(UTC)", _iso(t), True
    day = rng.choice((1, 2, 3))
    t = (now + timedelta(days=day)).replace(hour=hour, minute=0, second=0, microsecond=0)
    if kind == "iso":
        return t.strftime("%Y-%m-%d %H:%M UTC"), _iso(t), False
    if kind == "iso_t":
        return t.strftime("%Y-%m-%dT%H:%MZ"), _iso(t), False
    if lang == "en":
        return f"{_EN_MONTHS[t.month - 1]} {t.day} at {t.hour:02d}:00 UTC", _iso(t), False
    return f"{t.year}년 {t.month}월 {t.day}일 {t.hour:02d}시(UTC)", _iso(t), False


def _start(rng: random.Random, lang: Lang, now: datetime) -> tuple[str, str]:
    core, value, relative = _time_core(rng, lang, now)
    if lang == "en":
        if relative:
            return f"starting {core}", value
        return rng.choice(("starting ", "from ", "beginning ")) + core, value
    return core + "부터", value


def _when(rng: random.Random, lang: Lang, now: datetime) -> tuple[str, str]:
    core, value, relative = _time_core(rng, lang, now)
    if lang == "en":
        if relative or core.startswith(tuple(_EN_MONTHS)):
            return (core if relative else "on " + core), value
        return "at " + core, value
    return core + "에", value


def _hbr(rng: random.Random, lang: Lang) -> tuple[str, float]:
    m = float(rng.choice((5, 10, 15, 20, 20, 30, 50)))
    if lang == "en":
        return rng.choice(
            (
                f"with a {_num(m)} m hard-body radius",
                f"using HBR = {_num(m)} m",
                f"assuming a {_num(m / 1000)} km combined radius",
                f"with a {_num(m)}-meter hard body",
            )
        ), m
    v = _num(m)
    forms = (f"충돌 반경 {v}m로", f"HBR {v}미터 기준으로", f"결합 반경 {v} m 가정하고")
    return rng.choice(forms), m


_PC_WORDS_EN = {1e-4: "1 in 10,000", 1e-5: "1 in 100,000", 1e-6: "one in a million"}
_PC_WORDS_KO = {1e-4: "만분의 1", 1e-5: "10만분의 1", 1e-6: "100만분의 1", 1e-7: "1000만분의 1"}


def _maxpc(rng: random.Random, lang: Lang) -> tuple[str, float]:
    exp = rng.choice((4, 5, 5, 6, 7))
    pc = 10.0**-exp
    numerals = [f"1e-{exp}", f"1e-{exp:02d}", f"10^-{exp}", f"1x10^-{exp}", f"{pc:.{exp}f}"]
    if lang == "en":
        if pc in _PC_WORDS_EN:
            numerals.append(_PC_WORDS_EN[pc])
        amount = rng.choice(numerals)
        return rng.choice(
            (f"to get Pc below {amount}", f"so that Pc < {amount}", f"keeping Pc under {amount}")
        ), pc
    amount = rng.choice(numerals + [_PC_WORDS_KO[pc]] * 2)
    return rng.choice(
        (f"Pc를 {amount} 이하로", f"충돌 확률을 {amount} 이하로", f"Pc를 {amount} 미만으로")
    ), pc


def _miss(rng: random.Random, lang: Lang) -> tuple[str, float]:
    km = float(rng.choice((0.5, 1, 2, 2, 5, 10)))
    m = km * 1000
    if lang == "en":
        amount = rng.choice((f"{_num(km)} km", f"{_grouped(m)} m", f"{_num(km)} kilometers"))
        return rng.choice(
            (
                f"for a {amount} miss distance",
                f"to open the miss distance to {amount}",
                f"targeting {amount} of separation",
            )
        ), km
    amount = rng.choice((f"{_num(km)}km", f"{_num(km)}킬로", f"{_grouped(m)}m"))
    forms = (
        f"최근접 거리 {amount} 확보하도록",
        f"{amount} 이상 벌어지게",
        f"이격 거리 {amount} 목표로",
    )
    return rng.choice(forms), km


def _objective(rng: random.Random, lang: Lang) -> tuple[str, str]:
    objective = rng.choice(("max_volume", "max_priority"))
    surfaces = {
        ("en", "max_volume"): ("to maximize downlink volume", "maximizing data volume"),
        ("en", "max_priority"): ("by priority", "favoring high-priority satellites"),
        ("ko", "max_volume"): ("다운링크 용량 최대로", "데이터량 최대화 기준으로"),
        ("ko", "max_priority"): ("우선순위 기준으로", "우선순위 높은 위성 위주로"),
    }
    return rng.choice(surfaces[(lang, objective)]), objective


_HANGUL_RE = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")


def _aliases(obj: Mapping[str, Any], lang: Lang) -> list[str]:
    """The object's aliases usable in ``lang`` (English requests skip Hangul aliases)."""
    names = [str(a) for a in obj.get("aliases", ())]
    return names if lang == "ko" else [a for a in names if not _HANGUL_RE.search(a)]


def _ref_surfaces(obj: Mapping[str, Any], kind: str, lang: Lang) -> list[tuple[str, str]]:
    """(surface, enum value) pairs naming one satellite or station."""
    pairs = [(str(obj["name"]), str(obj["name"]))]
    pairs += [(a, a) for a in _aliases(obj, lang)]
    ident = str(obj["id"])
    if kind == "satellite" and ident.isdigit():
        pairs.append((ident, ident))
        pairs.append((f"NORAD {ident}", ident))
        if lang == "en":
            pairs.append((f"#{ident}", ident))
    elif ident != obj["name"]:
        pairs.append((ident, ident))
    return pairs


def _pick_refs(
    rng: random.Random, items: Sequence[Mapping[str, Any]], count: int, kind: str, lang: Lang
) -> tuple[list[str], list[str]]:
    """Surfaces and enum values for ``count`` distinct objects: mostly names and aliases."""
    chosen = rng.sample(list(items), k=min(count, len(items)))
    surfaces, values = [], []
    for obj in chosen:
        pairs = _ref_surfaces(obj, kind, lang)
        aliases = [(a, a) for a in _aliases(obj, lang)]
        u = rng.random()
        if u < 0.45 or (u < 0.8 and not aliases):
            surface, value = pairs[0]
        elif u < 0.8:
            surface, value = rng.choice(aliases)
        else:
            surface, value = rng.choice(pairs)
        surfaces.append(surface)
        values.append(value)
    return surfaces, values


def _join(rng: random.Random, words: Sequence[str], lang: Lang) -> str:
    if len(words) == 1:
        return words[0]
    if lang == "en":
        if rng.random() < 0.3:
            return ", ".join(words)
        return ", ".join(words[:-1]) + " and " + words[-1]
    if rng.random() < 0.4:
        return ", ".join(words)
    head = ", ".join(words[:-1])
    return head + rng.choice(("[과/와] ", "[이랑/랑] ", " 그리고 ")) + words[-1]


_ALL_SATS = {
    "en": ("all satellites", "the whole fleet", "every satellite", "the fleet", "all our birds"),
    "ko": ("전체 위성", "모든 위성", "우리 위성 전부", "위성 전체"),
}
_ALL_STATIONS = {
    "en": ("all stations", "every ground station", "all our ground stations"),
    "ko": ("모든 지상국", "전체 지상국", "지상국 전부"),
}


# --------------------------------------------------------------------------------------------
# Korean particles.

_DIGIT_FINAL = {"0": 21, "1": 8, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": 8, "8": 8, "9": 0}
# Final consonant (jongseong index, 0 = none, 8 = ㄹ) of a Latin letter read aloud.
_UPPER_FINAL = {"L": 8, "M": 16, "N": 4, "R": 8}
_LOWER_FINAL = {"l": 8, "m": 16, "n": 4, "t": 19, "g": 21}
_PARTICLE_RE = re.compile(r"\[(은/는|이/가|을/를|과/와|이랑/랑|으로/로|아/야)\]")


def _final_consonant(word: str) -> int:
    """Jongseong index of how ``word`` ends when read in Korean (0: open syllable).

    >>> [_final_consonant(w) for w in ("대전", "위성", "ISS", "25544", "Sentinel")]
    [4, 21, 0, 0, 8]
    """
    for ch in reversed(word):
        code = ord(ch)
        if 0xAC00 <= code <= 0xD7A3:
            return (code - 0xAC00) % 28
        if ch in _DIGIT_FINAL:
            return _DIGIT_FINAL[ch]
        if ch.isascii() and ch.isalpha():
            if word.isupper() or ch.isupper():
                return _UPPER_FINAL.get(ch.upper(), 0)
            return _LOWER_FINAL.get(ch, 0)
    return 0


def _attach_particles(text: str) -> str:
    """Resolve "[을/를]"-style particle markers against the preceding word.

    >>> _attach_particles("대전[과/와] 나로[으로/로] ISS[을/를] 서울[으로/로]")
    '대전과 나로로 ISS를 서울로'
    """

    def repl(match: re.Match[str]) -> str:
        closed, opened = match.group(1).split("/")
        final = _final_consonant(text[: match.start()].rstrip())
        if closed == "으로":
            return "로" if final in (0, 8) else "으로"
        return closed if final else opened

    return _PARTICLE_RE.sub(repl, text)


# --------------------------------------------------------------------------------------------
# Requests.


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


def _commands(world: Mapping[str, Any]) -> list[str]:
    if world.get("commands"):
        return [str(c) for c in world["commands"]]
    for tool in world.get("tools", ()):
        fn = tool.get("function", tool)
        if fn.get("name") != "propose_commands":
            continue
        try:
            prop = fn["parameters"]["properties"]["commands"]["items"]["properties"]["command"]
        except (KeyError, TypeError):
            break
        if prop.get("enum"):
            return [str(c) for c in prop["enum"]]
    return list(DEFAULT_COMMANDS)


def _event_ids(world: Mapping[str, Any], rng: random.Random) -> str:
    if world.get("event_ids"):
        return str(rng.choice(list(world["event_ids"])))
    return f"CONJ-{rng.randrange(1, 100):04d}"  # the registry's event id format


def _now(world: Mapping[str, Any]) -> datetime:
    if world.get("now"):
        return datetime.fromisoformat(str(world["now"]).replace("Z", "+00:00")).astimezone(UTC)
    return DEFAULT_NOW_UTC


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
    elif rng.random() < COMPOSED_SHARE:
        template, index = compose(rng, intent, language), "composed"
    text, args = _fill(template, world, rng, language)
    tools = INTENTS[intent]
    intended = [{"name": name, "arguments": _arguments(name, args)} for name in tools]
    text = _attach_particles(text) if language == "ko" else text
    text = re.sub(r"\s+", " ", text).strip()
    if language == "en" and rng.random() < 0.1 and not template.startswith("{"):
        text = text[0].lower() + text[1:]  # never inside a name or id
    return Request(text, language, intent, f"{set_name}/{intent}/{language}/{index}", intended)


def _fill(
    template: str, world: Mapping[str, Any], rng: random.Random, lang: Lang
) -> tuple[str, dict[str, Any]]:
    values: dict[str, str] = {}
    args: dict[str, Any] = {}
    sats = list(world.get("satellites", ()))
    stations = list(world.get("stations", ()))
    now = _now(world)
    for slot in _SLOT_RE.findall(template):
        if slot in values:
            continue
        if slot in ("sat", "sats"):
            count = 1 if slot == "sat" else rng.choice((2, 2, 3))
            surfaces, refs = _pick_refs(rng, sats, count, "satellite", lang)
            values[slot] = _join(rng, surfaces, lang)
            args["satellites"] = refs
        elif slot == "fleet":
            values[slot] = rng.choice(_ALL_SATS[lang])
            args["satellites"] = "all"
        elif slot in ("station", "stations"):
            count = 1 if slot == "station" else rng.choice((2, 2, 3))
            surfaces, refs = _pick_refs(rng, stations, count, "station", lang)
            values[slot] = _join(rng, surfaces, lang)
            args["stations"] = refs
        elif slot == "allst":
            values[slot] = rng.choice(_ALL_STATIONS[lang])
            args["stations"] = "all"
        elif slot == "dur":
            values[slot], args["duration_h"] = _duration(rng, lang)
        elif slot == "thr":
            values[slot], args["threshold_km"] = _threshold(rng, lang)
        elif slot == "elev":
            values[slot], args["min_elevation_deg"] = _elevation(rng, lang)
        elif slot == "step":
            values[slot], args["step_s"] = _step(rng, lang)
        elif slot == "start":
            values[slot], args["start"] = _start(rng, lang, now)
        elif slot == "time":
            values[slot], args["time"] = _when(rng, lang, now)
        elif slot == "event":
            values[slot] = args["event_id"] = _event_ids(world, rng)
        elif slot == "hbr":
            values[slot], args["hard_body_radius_m"] = _hbr(rng, lang)
        elif slot == "maxpc":
            values[slot], args["max_pc"] = _maxpc(rng, lang)
        elif slot == "miss":
            values[slot], args["target_miss_km"] = _miss(rng, lang)
        elif slot == "obj":
            values[slot], args["objective"] = _objective(rng, lang)
        elif slot == "cmd":
            values[slot] = args["command"] = rng.choice(_commands(world))
        else:  # pragma: no cover - guarded by test_templates_use_known_slots
            raise KeyError(f"unknown template slot {{{slot}}}")
    return template.format(**values), args


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


# --------------------------------------------------------------------------------------------
# Agreement between intended and teacher calls.


def _resolver(world: Mapping[str, Any], key: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for obj in world.get(key, ()):
        ident = str(obj["id"])
        for name in [ident, obj.get("name", ident), *obj.get("aliases", ())]:
            table[str(name).casefold()] = ident
    return table


def _canon_refs(value: Any, table: Mapping[str, str]) -> Any:
    if value == "all" or value == ["all"]:
        return ("all", tuple(sorted(set(table.values()))))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ("?", repr(value))
    ids = sorted({table.get(str(v).casefold(), f"?{v}") for v in value})
    if ids == sorted(set(table.values())):
        return ("all", tuple(ids))
    return ("list", tuple(ids))


def _canon_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return round(float(value), 9)
    if isinstance(value, str):
        stripped = value.strip()
        try:  # ISO times compare as instants
            t = datetime.fromisoformat(stripped.replace("Z", "+00:00"))
        except ValueError:
            return stripped
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        return _iso(t)
    if isinstance(value, list):
        return tuple(_canon_value(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _canon_value(v)) for k, v in value.items()))
    return repr(value)


def _canon_call(call: Mapping[str, Any], world: Mapping[str, Any]) -> tuple[str, Any]:
    fn = call.get("function", call)
    name = str(fn.get("name"))
    args = fn.get("arguments") or {}
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError:
            return name, ("unparseable", args)
    if not isinstance(args, dict):
        return name, ("not-an-object", repr(args))
    full = {**TOOL_DEFAULTS.get(name, {}), **args}
    sats, stations = _resolver(world, "satellites"), _resolver(world, "stations")
    canon: dict[str, Any] = {}
    for key, value in full.items():
        if key == "satellites":
            canon[key] = _canon_refs(value, sats)
        elif key == "stations":
            canon[key] = _canon_refs(value, stations)
        elif key == "commands" and isinstance(value, list):
            cmds = []
            for cmd in value:
                if not isinstance(cmd, dict):
                    cmds.append(repr(cmd))
                    continue
                c = dict(cmd)
                if "satellite" in c:
                    c["satellite"] = sats.get(str(c["satellite"]).casefold(), c["satellite"])
                cmds.append(_canon_value(c))
            canon[key] = tuple(sorted(cmds, key=repr))
        else:
            canon[key] = _canon_value(value)
    return name, tuple(sorted(canon.items()))


def first_tool_calls(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The tool calls of the first assistant turn that makes any (``[]`` if none does)."""
    for message in messages:
        if message.get("role") == "assistant" and message.get("tool_calls"):
            return [dict(c) for c in message["tool_calls"]]
    return []


def calls_agree(
    world: Mapping[str, Any],
    intended: Sequence[Mapping[str, Any]],
    answer: Sequence[Mapping[str, Any]],
) -> bool:
    """Whether the teacher's first tool-calling turn makes exactly the intended calls.

    Names, aliases and ids of the world's satellites and stations are the same object, the
    contract's defaults fill missing arguments, numbers compare as floats, ISO times as
    instants, and call order does not matter. No intended call means no call at all.

    >>> world = {"satellites": [{"id": "25544", "name": "ISS (ZARYA)", "aliases": ["ISS"]}]}
    >>> intended = [{"name": "propagate", "arguments": {"satellites": ["ISS"], "duration_h": 48}}]
    >>> call = {"type": "function", "id": "c0", "function": {"name": "propagate",
    ...         "arguments": {"satellites": ["25544"], "duration_h": 48.0, "step_s": 60}}}
    >>> calls_agree(world, intended, [{"role": "assistant", "content": None, "tool_calls": [call]}])
    True
    """
    actual = first_tool_calls(answer)
    if not intended:
        return not actual
    want = sorted((_canon_call(c, world) for c in intended), key=repr)
    got = sorted((_canon_call(c, world) for c in actual), key=repr)
    return want == got


def _malformed(messages: Any) -> str | None:
    """Why a teacher answer does not follow the chat format, or None."""
    if not isinstance(messages, list) or not messages:
        return "answer is not a non-empty list of messages"
    pending: set[str] = set()
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            return f"message {i} is not an object"
        role = m.get("role")
        if role == "assistant":
            for call in m.get("tool_calls") or []:
                fn = call.get("function") if isinstance(call, dict) else None
                if not isinstance(fn, dict) or "name" not in fn:
                    return f"message {i}: tool call without function.name"
                pending.add(str(call.get("id", "")))
        elif role == "tool":
            if str(m.get("tool_call_id", "")) not in pending:
                return f"message {i}: tool result for unknown tool_call_id"
            if not isinstance(m.get("content"), str):
                return f"message {i}: tool content must be a JSON string"
        else:
            return f"message {i}: unexpected role {role!r}"
    last = messages[-1]
    if last.get("role") != "assistant" or last.get("tool_calls") or not last.get("content"):
        return "answer must end with an assistant briefing without tool calls"
    return None


# --------------------------------------------------------------------------------------------
# Splits.


def split_of(
    example_id: str, fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
) -> Split:
    """Stable split of an example id (sha256, independent of run, platform and order).

    >>> split_of("w7-r0012") == split_of("w7-r0012")
    True
    """
    digest = hashlib.sha256(f"cosmo-split:{example_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    total = sum(fractions)
    if u < fractions[0] / total:
        return "train"
    if u < (fractions[0] + fractions[1]) / total:
        return "validation"
    return "test"


# --------------------------------------------------------------------------------------------
# Storage through fsspec.


def _filesystem(url: str) -> tuple[Any, str]:
    """(fsspec filesystem, path) for a local path or URL, with a clear message for extras."""
    try:
        import fsspec
    except ImportError as exc:  # pragma: no cover - fsspec is in the model extra
        raise ImportError(
            "reading or writing corpus URLs needs fsspec: pip install 'cosmo-agent[model]'"
        ) from exc
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        protocol = url.split("://", 1)[0] if "://" in url else "file"
        extra = "s3" if protocol in ("s3", "s3a") else None
        hint = (
            f"install the optional '{extra}' extra: pip install 'cosmo-agent[{extra}]'"
            if extra
            else f"install the fsspec backend for '{protocol}://'"
        )
        raise ImportError(f"cannot open {url!r}: {hint} ({exc})") from exc
    return fs, path


def open_url(url: str, mode: str = "rb") -> Any:
    """Open a local path or fsspec URL (``s3://`` needs the ``s3`` extra)."""
    fs, path = _filesystem(url)
    if "w" in mode:
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        if parent:
            fs.makedirs(parent, exist_ok=True)
    return fs.open(path, mode)


def _join_url(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name


def read_jsonl(url: str) -> Iterator[dict[str, Any]]:
    """Rows of a JSONL file (local path or fsspec URL); blank lines are skipped."""
    with open_url(url, "rb") as fh:
        for line_no, raw in enumerate(io.TextIOWrapper(fh, encoding="utf-8"), 1):
            if raw.strip():
                try:
                    yield json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{url}:{line_no}: not JSON ({exc.msg})") from exc


class _HashingWriter:
    """A JSONL writer that counts rows and hashes exactly the bytes written."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._fh = open_url(url, "wb")
        self._sha = hashlib.sha256()
        self.rows = 0
        self.bytes = 0

    def write(self, row: Mapping[str, Any]) -> None:
        data = (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        self._fh.write(data)
        self._sha.update(data)
        self.rows += 1
        self.bytes += len(data)

    def close(self) -> dict[str, Any]:
        self._fh.close()
        return {"sha256": self._sha.hexdigest(), "bytes": self.bytes, "rows": self.rows}


# --------------------------------------------------------------------------------------------
# Domain text.


@dataclass(frozen=True)
class TextRecord:
    """One document of domain text for continued pretraining."""

    id: str
    text: str
    source: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "text": self.text, "source": self.source}


_TEXT_SUFFIXES = (".jsonl", ".txt", ".md")


def read_text_source(url: str, *, text_field: str = "text") -> Iterator[TextRecord]:
    """Documents from a file or directory (local or fsspec URL, read recursively).

    ``*.jsonl``: one document per line, text in ``text_field`` (``id`` used when present,
    else ``<relative path>:<line>``); ``*.txt`` / ``*.md``: one document per file, id the
    path relative to ``url``. Other files are ignored.
    """
    fs, path = _filesystem(url)
    root = path.rstrip("/")
    if fs.isdir(path):
        files = sorted(p for p in fs.find(path) if p.endswith(_TEXT_SUFFIXES))
    else:
        files = [path]
        root = path.rsplit("/", 1)[0] if "/" in path else ""
    for file in files:
        # Relative to the source root, so ids (and their splits) do not depend on where the
        # data is mounted.
        source = file[len(root) :].lstrip("/") if root and file.startswith(root) else file
        if file.endswith(".jsonl"):
            with fs.open(file, "rb") as fh, io.TextIOWrapper(fh, encoding="utf-8") as lines:
                for line_no, raw in enumerate(lines, 1):
                    if not raw.strip():
                        continue
                    try:
                        row = json.loads(raw)
                    except json.JSONDecodeError as exc:
                        raise ValueError(f"{file}:{line_no}: not JSON ({exc.msg}); each line of "
                                         "a .jsonl text source must be one JSON object") from None
                    if not isinstance(row, dict):
                        raise ValueError(f"{file}:{line_no}: a JSON {type(row).__name__}, not an "
                                         f"object with a {text_field!r} field")
                    text = str(row.get(text_field) or "").strip()
                    if text:
                        rid = str(row.get("id") or f"{source}:{line_no}")
                        yield TextRecord(rid, text, source)
        else:
            with fs.open(file, "rb") as fh:
                text = fh.read().decode("utf-8").strip()
            if text:
                yield TextRecord(source, text, source)


_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_ARXIV = "{http://arxiv.org/schemas/atom}"


class ArxivError(RuntimeError):
    """The arXiv API answered with an error entry, a throttle notice or a bad status."""


@dataclass(frozen=True)
class ArxivEntry:
    """One arXiv API result (Atom ``<entry>``)."""

    id: str  # e.g. "2401.01234v2"
    title: str
    summary: str
    published: datetime
    updated: datetime
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    primary_category: str | None
    pdf_url: str | None

    def to_record(self) -> TextRecord:
        """Title and abstract as one document."""
        return TextRecord(f"arxiv:{self.id}", f"{self.title}\n\n{self.summary}", "arxiv")


@dataclass(frozen=True)
class ArxivPage:
    """One page of an arXiv query (OpenSearch totals and the entries)."""

    total_results: int
    start_index: int
    items_per_page: int
    entries: tuple[ArxivEntry, ...]


def _text(el: ET.Element | None) -> str:
    return " ".join((el.text or "").split()) if el is not None else ""


def _atom_time(value: str) -> datetime:
    t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC)


def parse_arxiv_feed(xml: str | bytes) -> ArxivPage:
    """Parse an arXiv API Atom response (user manual §3.3); error entries raise ArxivError.

    >>> page = parse_arxiv_feed('<feed xmlns="http://www.w3.org/2005/Atom" '
    ...     'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
    ...     '<opensearch:totalResults>0</opensearch:totalResults></feed>')
    >>> page.total_results, page.entries
    (0, ())
    """
    if isinstance(xml, str):
        xml = xml.encode()
    if xml.strip().startswith(b"Rate exceeded"):
        raise ArxivError("arXiv is throttling requests ('Rate exceeded.'); wait and retry")
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ArxivError(f"arXiv response is not an Atom feed: {exc}") from exc
    if root.tag != f"{_ATOM}feed":
        raise ArxivError(f"arXiv response root is {root.tag!r}, expected an Atom <feed>")

    def number(tag: str, default: int) -> int:
        el = root.find(f"{_OPENSEARCH}{tag}")
        return int(_text(el)) if el is not None and _text(el) else default

    entries = []
    for entry in root.findall(f"{_ATOM}entry"):
        raw_id = _text(entry.find(f"{_ATOM}id"))
        title = _text(entry.find(f"{_ATOM}title"))
        summary = _text(entry.find(f"{_ATOM}summary"))
        if "/api/errors" in raw_id or (title == "Error" and "/abs/" not in raw_id):
            raise ArxivError(f"arXiv API error: {summary or raw_id}")
        ident = raw_id.split("/abs/", 1)[-1]
        pdf = None
        for link in entry.findall(f"{_ATOM}link"):
            if link.get("title") == "pdf" or link.get("type") == "application/pdf":
                pdf = link.get("href")
        primary = entry.find(f"{_ARXIV}primary_category")
        entries.append(
            ArxivEntry(
                id=ident,
                title=title,
                summary=summary,
                published=_atom_time(_text(entry.find(f"{_ATOM}published"))),
                updated=_atom_time(_text(entry.find(f"{_ATOM}updated"))),
                authors=tuple(
                    _text(a.find(f"{_ATOM}name")) for a in entry.findall(f"{_ATOM}author")
                ),
                categories=tuple(
                    str(c.get("term")) for c in entry.findall(f"{_ATOM}category") if c.get("term")
                ),
                primary_category=primary.get("term") if primary is not None else None,
                pdf_url=pdf,
            )
        )
    return ArxivPage(
        total_results=number("totalResults", len(entries)),
        start_index=number("startIndex", 0),
        items_per_page=number("itemsPerPage", len(entries)),
        entries=tuple(entries),
    )


class ArxivClient:
    """arXiv API client (Atom over HTTP) with polite rate limiting.

    arXiv asks for no more than one request every 3 seconds; ``min_interval_s`` enforces it
    between this client's calls, and throttle answers (HTTP 429/503 or "Rate exceeded.") are
    retried ``max_retries`` times with a growing wait. Pass ``transport`` (e.g.
    ``httpx.MockTransport``) to test without the network; ``sleep``/``clock`` are injectable.
    """

    BASE_URL = "https://export.arxiv.org/api/query"

    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        min_interval_s: float = 3.0,
        max_retries: int = 3,
        timeout_s: float = 30.0,
        transport: Any = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import httpx

        self.base_url = base_url
        self.min_interval_s = min_interval_s
        self.max_retries = max_retries
        self._sleep = sleep
        self._clock = clock
        self._last_call: float | None = None
        self._client = httpx.Client(
            transport=transport,
            timeout=timeout_s,
            headers={"User-Agent": "cosmo-agent corpus builder (arXiv API, polite 3 s)"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait_turn(self) -> None:
        if self._last_call is not None:
            remaining = self.min_interval_s - (self._clock() - self._last_call)
            if remaining > 0:
                self._sleep(remaining)
        self._last_call = self._clock()

    def search(
        self,
        query: str,
        *,
        start: int = 0,
        max_results: int = 100,
        sort_by: str = "submittedDate",
        sort_order: str = "descending",
    ) -> ArxivPage:
        """One page of ``search_query`` results (arXiv query syntax, e.g. ``cat:astro-ph.EP``)."""
        params = {
            "search_query": query,
            "start": str(start),
            "max_results": str(max_results),
            "sortBy": sort_by,
            "sortOrder": sort_order,
        }
        for attempt in range(self.max_retries + 1):
            self._wait_turn()
            response = self._client.get(self.base_url, params=params)
            throttled = response.status_code in (429, 503) or response.content.strip().startswith(
                b"Rate exceeded"
            )
            if throttled and attempt < self.max_retries:
                self._sleep(self.min_interval_s * 2 ** (attempt + 1))
                continue
            if throttled:
                raise ArxivError(
                    f"arXiv kept throttling after {self.max_retries} retries; try again later"
                )
            if response.status_code != 200:
                raise ArxivError(f"arXiv API HTTP {response.status_code} for {response.url}")
            return parse_arxiv_feed(response.content)
        raise AssertionError("unreachable")  # pragma: no cover

    def iter_entries(self, query: str, *, limit: int, page_size: int = 100) -> Iterator[ArxivEntry]:
        """Up to ``limit`` entries, paging with ``start``/``max_results``."""
        start = 0
        while start < limit:
            page = self.search(query, start=start, max_results=min(page_size, limit - start))
            yield from page.entries
            start += len(page.entries)
            if not page.entries or start >= page.total_results:
                return


# --------------------------------------------------------------------------------------------
# The builder.


@dataclass
class CorpusManifest:
    """What :func:`build_corpus` wrote (also saved as manifest.json)."""

    data: dict[str, Any]

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        return dict(self.data["counts"])

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        return dict(self.data["files"])


def build_corpus(
    teacher: Teacher,
    out: str,
    *,
    n_worlds: int = 200,
    per_world: int = 50,
    seed: int = 0,
    ko_fraction: float = 0.5,
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
    text: Iterable[TextRecord] = (),
    max_examples_logged: int = 20,
    progress: Callable[[int, int], None] | None = None,
    guided: bool = True,
    quoted: bool = False,
) -> CorpusManifest:
    """Write the Cosmo corpus to ``out`` (directory or fsspec URL) and return its manifest.

    Worlds ``seed .. seed + n_worlds - 1`` come from ``teacher.world``; each gets
    ``per_world`` requests with ids ``w{world_seed}-r{k:04d}``. The split of an id is
    :func:`split_of`; test requests are written with the held-out phrasings. Answers that are
    malformed, raise, or disagree with the intended calls are dropped and counted.
    ``text`` (domain documents) is split by the same hash into ``text-<split>.jsonl``.

    ``guided``: when the teacher's own reading of a request disagrees with the intended calls
    and the teacher has ``answer_calls(world, request, calls)``, the example is kept with the
    intended calls run through the teacher's tools (its briefing included), so the corpus is
    not limited to phrasings the rules planner parses; the manifest counts ``agreed`` (the
    teacher's own answer) and ``guided`` apart, and ``disagreements.jsonl`` lists every miss.

    ``quoted``: when the teacher has ``quote(world, request, calls)``, the first tool calls
    write each value as the request spells it ("2 days" for 48), which the tools read alike.
    Off by default: measured on the test split, cosmo-tiny continued on quoted conversations
    copied spans badly ("0 km", "t") and fell from 51.7 % to 41.4 % resolved AST accuracy
    (model/cosmo-tiny/README.md).
    """
    guide: Callable[[dict[str, Any], str, list[dict[str, Any]]], list[dict[str, Any]]] | None
    guide = getattr(teacher, "answer_calls", None) if guided else None
    quote: Callable[..., list[dict[str, Any]]] | None = (
        getattr(teacher, "quote", None) if quoted else None
    )
    writers = {s: _HashingWriter(_join_url(out, f"{s}.jsonl")) for s in SPLITS}
    text_writers = {s: _HashingWriter(_join_url(out, f"text-{s}.jsonl")) for s in SPLITS}
    rejects = _HashingWriter(_join_url(out, "disagreements.jsonl"))
    text_counts: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = {s: Counter() for s in SPLITS}
    intents: dict[str, Counter[str]] = {s: Counter() for s in SPLITS}
    templates: dict[str, Counter[str]] = {s: Counter() for s in SPLITS}
    teacher_stats: Counter[str] = Counter()
    dropped_by_intent: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    total = n_worlds * per_world
    done = 0
    try:
        for world_seed in range(seed, seed + n_worlds):
            world = teacher.world(world_seed)
            tools = list(world.get("tools", ()))
            system = str(world.get("system", ""))
            for k in range(per_world):
                example_id = f"w{world_seed}-r{k:04d}"
                split = split_of(example_id, fractions)
                lang_rng = random.Random(f"cosmo-lang:{example_id}")
                lang: Lang = "ko" if lang_rng.random() < ko_fraction else "en"
                request = generate_request(
                    world, seed=example_id, lang=lang, held_out=split == "test"
                )
                teacher_stats["checked"] += 1
                answer, reason = _checked(world, request, teacher.answer, world, request.text)
                guided_answer = False
                if reason is not None:
                    teacher_stats[_reason_key(reason)] += 1
                    if guide is not None and not reason.startswith("teacher raised"):
                        rejects.write(_reject(request, example_id, reason, answer, guided=True))
                        answer, reason = _checked(
                            world, request, guide, world, request.text, request.intended
                        )
                        guided_answer = reason is None
                done += 1
                if progress is not None:
                    progress(done, total)
                if reason is not None:
                    teacher_stats["dropped"] += 1
                    dropped_by_intent[request.intent] += 1
                    reject = _reject(request, example_id, reason, answer)
                    rejects.write(reject)
                    if len(examples) < max_examples_logged:
                        examples.append(reject)
                    continue
                teacher_stats["guided" if guided_answer else "agreed"] += 1
                if quote is not None:
                    answer, n_quoted = _quoted_answer(answer, quote, world, request.text)
                    teacher_stats["quoted_values"] += n_quoted
                messages: list[dict[str, Any]] = []
                if system:
                    messages.append({"role": "system", "content": system})
                messages.append({"role": "user", "content": request.text})
                messages.extend(answer)
                writers[split].write(
                    {
                        "id": example_id,
                        "lang": request.lang,
                        "intent": request.intent,
                        "template": request.template,
                        "split": split,
                        "messages": messages,
                        "tools": tools,
                        "intended": request.intended,
                        "world_seed": world_seed,
                    }
                )
                counts[split][request.lang] += 1
                intents[split][request.intent] += 1
                templates[split][request.template.split("/", 1)[0]] += 1
        for record in text:
            split = split_of(record.id, fractions)
            text_writers[split].write(record.to_json())
            text_counts[split] += 1
    finally:
        files = {f"{s}.jsonl": w.close() for s, w in writers.items()}
        files.update({f"text-{s}.jsonl": w.close() for s, w in text_writers.items()})
        files["disagreements.jsonl"] = rejects.close()
    dropped = teacher_stats["dropped"]
    data: dict[str, Any] = {
        "format": "cosmo-corpus/1",
        "seed": seed,
        "n_worlds": n_worlds,
        "per_world": per_world,
        "ko_fraction": ko_fraction,
        "fractions": dict(zip(SPLITS, fractions, strict=True)),
        "counts": {
            s: {"en": counts[s]["en"], "ko": counts[s]["ko"], "total": sum(counts[s].values())}
            for s in SPLITS
        },
        "intents": {s: dict(sorted(intents[s].items())) for s in SPLITS},
        "phrasings": {s: dict(sorted(templates[s].items())) for s in SPLITS},
        "text_counts": {s: text_counts[s] for s in SPLITS},
        "teacher": {
            "checked": teacher_stats["checked"],
            "agreed": teacher_stats["agreed"],
            "guided": teacher_stats["guided"],
            "dropped": dropped,
            "disagreed": teacher_stats["disagreed"],
            "malformed": teacher_stats["malformed"],
            "errors": teacher_stats["errors"],
            "quoted_values": teacher_stats["quoted_values"],
            "dropped_by_intent": dict(sorted(dropped_by_intent.items())),
            "examples": examples,
        },
        "templates": {
            "generator": sum(len(v) for t in GENERATOR_TEMPLATES.values() for v in t.values()),
            "held_out": sum(len(v) for t in HELD_OUT_TEMPLATES.values() for v in t.values()),
            "blind": sum(len(v) for t in BLIND_TEMPLATES.values() for v in t.values()),
        },
        "files": files,
    }
    with open_url(_join_url(out, "manifest.json"), "wb") as fh:
        fh.write((json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode())
    return CorpusManifest(data)


def _checked(
    world: Mapping[str, Any], request: Request, produce: Callable[..., Any], *args: Any
) -> tuple[Any, str | None]:
    """``produce(*args)``'s answer to ``request`` and why it cannot be kept (None: it can)."""
    try:
        answer = produce(*args)
    except Exception as exc:  # a failing teacher drops one example, not the run
        return None, f"teacher raised {type(exc).__name__}: {exc}"
    reason = _malformed(answer)
    if reason is None and not calls_agree(world, request.intended, answer):
        reason = "disagrees with the intended tool calls"
    return answer, reason


def _quoted_answer(
    answer: list[dict[str, Any]],
    quote: Callable[..., list[dict[str, Any]]],
    world: Mapping[str, Any],
    request: str,
) -> tuple[list[dict[str, Any]], int]:
    """``answer`` with its first tool calls' values written as the request spells them (the
    teacher's ``quote``); the tool results are unchanged, since the tools read both alike."""
    out = list(answer)
    for i, message in enumerate(out):
        calls = message.get("tool_calls") if message.get("role") == "assistant" else None
        if not calls:
            continue
        plain = [{"name": c["function"]["name"], "arguments": c["function"]["arguments"]}
                 for c in calls]  # fmt: skip
        quoted = quote(world, request, plain)
        changed = sum(
            a != b
            for p, q in zip(plain, quoted, strict=True)
            for a, b in zip(p["arguments"].values(), q["arguments"].values(), strict=True)
        )
        out[i] = {**message, "tool_calls": [
            {**c, "function": {**c["function"], "arguments": q["arguments"]}}
            for c, q in zip(calls, quoted, strict=True)
        ]}  # fmt: skip
        return out, changed
    return out, 0


def _reason_key(reason: str) -> str:
    if reason.startswith("teacher raised"):
        return "errors"
    return "disagreed" if reason.startswith("disagrees") else "malformed"


def _reject(
    request: Request, example_id: str, reason: str, answer: Any, *, guided: bool = False
) -> dict[str, Any]:
    return {
        "id": example_id,
        "intent": request.intent,
        "lang": request.lang,
        "request": request.text,
        "reason": reason,
        "intended": request.intended,
        "actual": first_tool_calls(answer) if isinstance(answer, list) else None,
        "kept_guided": guided,
    }


def load_object(spec: str) -> Any:
    """``package.module:attr`` -> the object (``--teacher`` of the corpus and the evaluation)."""
    import importlib

    module_name, _, attr = spec.partition(":")
    if not attr:
        raise ValueError(f"--teacher must look like 'package.module:factory', got {spec!r}")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def main(argv: Sequence[str] | None = None, *, teacher: Teacher | None = None) -> int:
    """``python -m cosmo_agent.model.corpus --teacher pkg.mod:factory --out DIR ...``.

    Prints the manifest's counts and teacher agreement as JSON. ``teacher`` (for the CLI)
    replaces ``--teacher``; the factory is called with no arguments.
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="cosmo-agent model corpus",
        description="Build the Cosmo corpus (conversations from a teacher, domain text, "
        "hash splits, manifest.json with sha256 checksums).",
    )
    parser.add_argument("--out", required=True, help="output directory or fsspec URL")
    parser.add_argument("--teacher", help="'package.module:factory' returning a Teacher")
    parser.add_argument("--worlds", type=int, default=200, help="number of random missions")
    parser.add_argument("--per-world", type=int, default=50, help="requests per mission")
    parser.add_argument("--seed", type=int, default=0, help="first world seed")
    parser.add_argument("--ko-fraction", type=float, default=0.5, help="share of Korean requests")
    parser.add_argument(
        "--text", action="append", default=[], help="domain text file/dir/URL (repeatable)"
    )
    parser.add_argument(
        "--arxiv", action="append", default=[], help="arXiv search_query to fetch (repeatable)"
    )
    parser.add_argument("--arxiv-limit", type=int, default=500, help="entries per arXiv query")
    parser.add_argument(
        "--no-guided",
        action="store_true",
        help="drop requests the teacher misreads instead of running their intended calls",
    )
    parser.add_argument(
        "--quoted",
        action="store_true",
        help="write call values as the request spells them ('2 days'), via the teacher's quote",
    )
    args = parser.parse_args(argv)
    if teacher is None:
        if not args.teacher:
            parser.error("--teacher is required (e.g. the agent's rules planner factory)")
        teacher = load_object(args.teacher)()
    records: list[TextRecord] = []
    for url in args.text:
        try:
            records.extend(read_text_source(url))
        except (OSError, ValueError) as exc:  # a missing or malformed file: the user's input
            print(f"{parser.prog}: --text {url}: {exc}", file=sys.stderr)
            return 2
    if args.arxiv:
        with ArxivClient() as client:
            for query in args.arxiv:
                entries = client.iter_entries(query, limit=args.arxiv_limit)
                records.extend(e.to_record() for e in entries)
    manifest = build_corpus(
        teacher,
        args.out,
        n_worlds=args.worlds,
        per_world=args.per_world,
        seed=args.seed,
        ko_fraction=args.ko_fraction,
        text=records,
        guided=not args.no_guided,
        quoted=args.quoted,
    )
    summary = {
        "out": args.out,
        "counts": manifest.data["counts"],
        "text_counts": manifest.data["text_counts"],
        "teacher": {k: v for k, v in manifest.data["teacher"].items() if k != "examples"},
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
