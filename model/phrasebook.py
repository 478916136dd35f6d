"""Compositional operator phrasings for the Cosmo corpus generator (English and Korean).

:func:`compose` writes one request *template* for an intent by combining an opener, a task
frame (a verb phrase, a noun phrase after a request head, or a question), the intent's optional
slots in random order, and a closer; Korean frames put the optional slots before or inside the
object phrase and end on one of many verb endings. The result uses the same slots as the fixed
templates of :mod:`cosmo_agent.model.corpus` (``{sat}``, ``{dur}``, ...) and is filled by the
same code, so the intended calls follow from the slots exactly as there.

Frames write ``<S>`` for a satellite reference (``{sat}``, ``{sats}`` or ``{fleet}``) and
``<G>`` for a station reference (``{station}``, ``{stations}`` or ``{allst}``). Nothing here is
taken from the held-out test phrasings: those stay unseen by the generator.

>>> import random
>>> t = compose(random.Random(3), "propagate", "en")
>>> "{" in t and ("{sat" in t or "{fleet}" in t)
True
"""

from __future__ import annotations

import random
import re
from typing import Final, Literal

__all__ = ["COMPOSED_INTENTS", "compose"]

Lang = Literal["en", "ko"]
_Table = dict[str, dict[str, tuple[str, ...]]]

# -- shared pieces ---------------------------------------------------------------------------

_OPENERS_EN: Final = (
    "",
    "",
    "",
    "",
    "",
    "Hey Cosmo, ",
    "Cosmo, ",
    "Quick one: ",
    "Hi, ",
    "OK, ",
    "Ops request: ",
    "When you have a moment, ",
    "Morning. ",
    "FD here - ",
    "Need this: ",
    "Next task: ",
    "Alright, ",
    "For the shift: ",
    "Cosmo - ",
    "Request: ",
)
_MODALS_EN: Final = ("", "", "", "Please ", "Could you ", "Can you ", "Would you ", "Kindly ")
_CLOSERS_EN: Final = (
    "",
    "",
    "",
    "",
    " please",
    ", thanks",
    " asap",
    " - thanks!",
    ", cheers",
    " when you can",
    " for the ops meeting",
    " for the handover",
    ", thank you",
    " pls",
    " right away",
)
_HEADS_EN: Final = (
    "give me",
    "get me",
    "show me",
    "pull",
    "I need",
    "I'd like",
    "we need",
    "send me",
    "let me see",
    "I want",
    "prepare",
    "produce",
    "put together",
    "fetch",
    "share",
)
_OPENERS_KO: Final = (
    "",
    "",
    "",
    "",
    "",
    "코스모, ",
    "코스모야 ",
    "저기, ",
    "급한 건데 ",
    "운영 요청: ",
    "잠깐만, ",
    "다음 작업: ",
    "혹시 ",
    "오늘 근무 중인데 ",
    "안녕, ",
)
_CLOSERS_KO: Final = ("", "", "", "", " 부탁해", " 부탁드려요", " 고마워", " 빨리", " 감사합니다")

_FLEET_TOKENS: Final = ("{sat}", "{sat}", "{sats}", "{fleet}")
_STATION_TOKENS: Final = ("{station}", "{stations}", "{allst}")


# -- English frames ----------------------------------------------------------------------------
# verb: imperative (a modal may precede); noun: after a head ("give me ..."); ask: questions.

_EN: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "propagate": {
        "verb": (
            "propagate <S>",
            "propagate the orbit of <S>",
            "run an orbit propagation for <S>",
            "compute the positions of <S>",
            "predict where <S> will be",
            "step <S> ahead",
            "advance the orbit of <S>",
            "work out the trajectory of <S>",
            "calculate the ephemeris of <S>",
            "integrate <S> forward",
            "project <S>'s orbit",
            "forecast the positions of <S>",
            "generate an ephemeris for <S>",
            "track <S> ahead in time",
            "compute a trajectory for <S>",
        ),
        "noun": (
            "an ephemeris for <S>",
            "the predicted positions of <S>",
            "a propagation of <S>",
            "<S> ephemeris",
            "an orbit prediction for <S>",
            "the future track of <S>",
            "position predictions for <S>",
            "a trajectory table for <S>",
            "predicted orbit data for <S>",
            "the positions of <S> over time",
            "a position forecast for <S>",
            "the ground track of <S>",
        ),
        "ask": (
            "where will <S> be",
            "where is <S> headed",
            "where does <S> go",
            "what will the orbit of <S> look like",
            "can I get positions for <S>",
            "where is <S> going to be",
        ),
    },
    "find_passes": {
        "verb": (
            "find passes of <S> over <G>",
            "list the passes of <S> over <G>",
            "predict passes for <S> at <G>",
            "compute contact windows for <S> at <G>",
            "find when <S> is visible from <G>",
            "list visibility windows of <S> from <G>",
            "find passes for <S>",
            "predict overflights of <G> by <S>",
            "work out when <G> can see <S>",
            "tabulate the passes of <S> over <G>",
            "find contact opportunities between <S> and <G>",
            "check the visibility of <S>",
            "calculate rise and set times of <S> at <G>",
        ),
        "noun": (
            "pass predictions for <S> over <G>",
            "the contact windows of <S> at <G>",
            "a pass list for <S>",
            "the visibility windows of <S> over <G>",
            "the next passes of <S> over <G>",
            "overflight times of <S> at <G>",
            "a pass table for <S> and <G>",
            "the passes of <S>",
            "rise/set times of <S> at <G>",
            "contact opportunities for <S> over <G>",
            "the pass schedule of <S>",
        ),
        "ask": (
            "when does <S> pass over <G>",
            "when can <G> see <S>",
            "when is <S> visible from <G>",
            "when will <S> rise over <G>",
            "what passes does <S> have over <G>",
            "when will <S> be overhead at <G>",
            "how many passes does <S> get at <G>",
            "when do we have contact with <S>",
            "when is the next pass of <S>",
        ),
    },
    "screen_conjunctions": {
        "verb": (
            "screen <S> for conjunctions",
            "run a conjunction screening on <S>",
            "check <S> for close approaches",
            "look for conjunctions with <S>",
            "scan for objects approaching <S>",
            "screen <S> against the catalog",
            "search for close approaches to <S>",
            "check collision risk for <S>",
            "run a close-approach search for <S>",
            "find conjunctions for <S>",
            "look for debris near <S>",
            "check whether anything comes near <S>",
            "run collision screening for <S>",
            "do a conjunction check on <S>",
        ),
        "noun": (
            "a conjunction screening for <S>",
            "a close-approach report for <S>",
            "conjunction screening results for <S>",
            "a list of close approaches to <S>",
            "a collision-risk screening of <S>",
            "the conjunctions of <S>",
            "a debris screening for <S>",
            "a conjunction scan of <S>",
        ),
        "ask": (
            "any close approaches for <S>",
            "is anything getting close to <S>",
            "are there conjunctions for <S>",
            "any debris approaching <S>",
            "is <S> at risk of collision",
            "will anything come near <S>",
            "what objects pass close to <S>",
            "any collision threats to <S>",
        ),
    },
    "assess_conjunction": {
        "verb": (
            "assess conjunction {event}",
            "assess event {event}",
            "compute Pc for {event}",
            "evaluate conjunction {event}",
            "calculate the collision probability of {event}",
            "analyze conjunction {event}",
            "run a risk assessment on {event}",
            "compute the probability of collision for {event}",
            "assess the risk of {event}",
            "evaluate the collision risk of event {event}",
            "rate the risk of {event}",
        ),
        "noun": (
            "the Pc of {event}",
            "a risk assessment of {event}",
            "the collision probability for {event}",
            "an assessment of conjunction {event}",
            "the probability of collision for event {event}",
            "a Pc estimate for {event}",
            "risk numbers for {event}",
        ),
        "ask": (
            "how dangerous is {event}",
            "what is the Pc of {event}",
            "how risky is {event}",
            "what's the collision probability of {event}",
            "is {event} a high-risk event",
            "how likely is a collision in {event}",
            "should we be concerned about {event}",
        ),
    },
    "plan_avoidance": {
        "verb": (
            "plan an avoidance maneuver for {event}",
            "plan a burn to avoid {event}",
            "design a collision avoidance maneuver for {event}",
            "plan a dodge for {event}",
            "compute an avoidance burn for {event}",
            "plan a maneuver around {event}",
            "work out an evasive maneuver for {event}",
            "plan a CAM for {event}",
            "propose an avoidance burn for {event}",
            "size a maneuver to avoid {event}",
            "prepare a collision avoidance plan for {event}",
            "find a maneuver for {event}",
        ),
        "noun": (
            "an avoidance maneuver for {event}",
            "a CAM plan for {event}",
            "maneuver options for {event}",
            "an avoidance burn for {event}",
            "a collision avoidance maneuver for event {event}",
            "a dodge plan for {event}",
            "an evasive burn for {event}",
        ),
        "ask": (
            "how do we avoid {event}",
            "what maneuver avoids {event}",
            "can we maneuver out of {event}",
            "what burn do we need for {event}",
            "how should we dodge {event}",
            "which maneuver clears {event}",
        ),
    },
    "schedule_contacts": {
        "verb": (
            "schedule contacts for <S> on <G>",
            "build a contact schedule for <S>",
            "plan downlinks for <S> using <G>",
            "allocate passes at <G> to <S>",
            "optimize the ground station schedule for <S>",
            "schedule <S> on <G>",
            "assign antenna passes to <S>",
            "plan the contact plan for <S> at <G>",
            "book ground station passes for <S>",
            "make a downlink schedule for <S> on <G>",
            "schedule the stations <G> for <S>",
            "arrange contacts between <S> and <G>",
            "plan station time for <S>",
            "deconflict the passes of <S> on <G>",
        ),
        "noun": (
            "a contact schedule for <S>",
            "a downlink plan for <S> on <G>",
            "a ground station schedule for <S>",
            "an antenna schedule for <S> at <G>",
            "a pass allocation for <S> on <G>",
            "the contact plan for <S>",
            "a station booking plan for <S>",
            "a conflict-free pass schedule for <S> on <G>",
        ),
        "ask": (
            "which passes should <S> use on <G>",
            "how should we schedule <S> on <G>",
            "can you fit <S> into the station schedule",
            "what's the best contact plan for <S>",
            "how do we split <G> between <S>",
        ),
    },
    "propose_commands": {
        "verb": (
            "queue {cmd} for {sat}",
            "prepare a {cmd} command for {sat}",
            "propose {cmd} on {sat}",
            "schedule {cmd} for {sat}",
            "send {sat} a {cmd}",
            "command {sat} to {cmd}",
            "plan a {cmd} command on {sat}",
            "draft {cmd} for {sat}",
            "set up a {cmd} for {sat}",
            "uplink {cmd} to {sat}",
            "propose commanding {cmd} to {sat}",
            "get {cmd} ready for {sat}",
            "issue {cmd} to {sat}",
            "build a command plan with {cmd} for {sat}",
        ),
        "noun": (
            "a {cmd} command for {sat}",
            "a command plan: {cmd} on {sat}",
            "{cmd} on {sat}",
            "a {cmd} for {sat}",
            "a draft {cmd} command to {sat}",
            "a proposed {cmd} for {sat}",
        ),
        "ask": (
            "can we send {cmd} to {sat}",
            "can you queue {cmd} on {sat}",
            "could {sat} get a {cmd}",
            "can {sat} run {cmd}",
        ),
    },
}
_EN_BARE: Final[dict[str, tuple[str, ...]]] = {  # intents with no slots
    "fleet_status": (
        "fleet status",
        "status of all satellites",
        "how is the fleet",
        "show the fleet status",
        "give me a status report on every satellite",
        "how are our satellites",
        "check the health of the constellation",
        "any problems with the fleet",
        "satellite status overview",
        "summarize the fleet",
        "status of our spacecraft",
        "report the state of every satellite",
        "what's the fleet looking like",
        "is everything nominal with the satellites",
        "fleet health check",
        "are the element sets fresh for all satellites",
        "how old are our TLEs",
        "where are all our satellites right now",
        "list the current state of the fleet",
    ),
    "space_weather": (
        "space weather",
        "what's the space weather",
        "current Kp",
        "solar activity report",
        "any solar flares",
        "is there a geomagnetic storm",
        "check the Kp index",
        "what's the solar flux today",
        "space weather alerts",
        "any storm warnings from NOAA",
        "what are the geomagnetic conditions",
        "is the Sun active right now",
        "F10.7 and Kp please",
        "any SWPC alerts",
        "how's the solar wind",
        "report the space weather conditions",
        "is a storm coming",
        "what's the current geomagnetic activity",
        "any radiation storm",
    ),
    "status_and_weather": (
        "fleet status and space weather",
        "satellite health and the Kp index",
        "give me the fleet status plus solar activity",
        "status of the satellites and any storms",
        "how are the satellites doing and what's the space weather",
        "morning report: fleet and space weather",
        "fleet health plus SWPC alerts",
        "check the fleet and the geomagnetic conditions",
    ),
}

# -- Korean frames -----------------------------------------------------------------------------
# (object phrase, verb endings); optional slots go before or after the object phrase.

_KO: Final[dict[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "propagate": (
        (
            "<S> 궤도",
            ("전파해 줘", "계산해 줘", "예측해 줘", "돌려 줘", "전파 부탁해", "전파해 주세요"),
        ),
        ("<S> 위치", ("계산해 줘", "예측해 줘", "알려줘", "뽑아줘", "구해 줘", "보여 줄래?")),
        ("<S>의 궤도력", ("생성해 줘", "만들어 줘", "뽑아줘", "계산해 주세요")),
        ("<S> 궤적", ("그려 줘", "계산해 줘", "보여줘", "뽑아 줘")),
        ("<S> 예상 위치", ("알려줘", "정리해 줘", "계산해 줄래?", "구해 주세요")),
        ("<S> 궤도 전파", ("해 줘", "돌려 줘", "부탁해", "실행해 줘", "좀 해 줄래?")),
        ("<S> 위치 예측", ("해 줘", "부탁해요", "돌려봐", "필요해")),
        ("<S>[이/가] 어디 있을지", ("알려줘", "계산해 줘", "궁금해", "예측해 줘")),
        ("<S> 지상 궤적", ("계산해 줘", "보여줘", "뽑아줘")),
    ),
    "find_passes": (
        (
            "<G>에서 <S> 패스",
            ("알려줘", "예측해 줘", "뽑아줘", "계산해 줘", "정리해 줘", "찾아 줘"),
        ),
        ("<S> 통과 시간", ("알려줘", "계산해 줘", "예측해 줘", "뽑아 줘")),
        ("<S>[이/가] <G> 상공 지나가는 시간", ("알려줘", "계산해 줘", "뽑아줘")),
        ("<G> 기준 <S> 가시 구간", ("계산해 줘", "찾아줘", "알려줘", "정리해 줘")),
        ("<S> 교신 가능 시간", ("알려줘", "찾아 줘", "계산해 줘", "확인해 줘")),
        ("<G>에서 <S> 보이는 시간", ("알려줘", "찾아줘", "언제야?", "계산해 줄래?")),
        ("<S> 패스 예측", ("해 줘", "부탁해", "돌려 줘", "해 주세요")),
        ("<S> 다음 패스", ("언제야?", "알려줘", "찾아줘")),
        ("<G>에서 <S> 언제", ("보여?", "떠?", "잡혀?", "지나가?")),
        ("<S>하고 <G> 접속 가능 구간", ("찾아 줘", "계산해 줘", "정리해 줘")),
    ),
    "screen_conjunctions": (
        ("<S> 근접 접근", ("스크리닝해 줘", "확인해 줘", "검사해 줘", "찾아 줘", "분석해 줘")),
        ("<S> 충돌 위험", ("확인해 줘", "점검해 줘", "스크리닝해 줘", "분석해 줘", "있어?")),
        ("<S> 주변 접근 물체", ("찾아줘", "확인해 줘", "있는지 봐 줘", "검색해 줘")),
        ("<S> 컨정션", ("스크리닝 돌려 줘", "확인해 줘", "찾아 줘", "검사해 줘")),
        ("<S>에 다가오는 파편", ("있어?", "있는지 확인해 줘", "찾아 줘")),
        ("<S> 충돌 스크리닝", ("해 줘", "돌려 줘", "실행해 줘", "부탁해")),
        ("<S> 근접 물체", ("검사해 줘", "찾아 줘", "있는지 알려줘")),
        ("<S>[이/가] 다른 물체랑 가까워지는지", ("확인해 줘", "봐 줘", "검사해 줘")),
    ),
    "assess_conjunction": (
        ("{event} 충돌 확률", ("계산해 줘", "알려줘", "구해 줘", "평가해 줘", "얼마야?")),
        ("{event} 이벤트", ("평가해 줘", "분석해 줘", "위험도 알려줘", "자세히 봐 줘")),
        ("{event} Pc", ("계산해 줘", "구해 줘", "알려줘", "얼마야?", "뽑아 줘")),
        ("{event} 위험도", ("분석해 줘", "평가해 줘", "알려줘", "어때?")),
        ("근접 이벤트 {event}", ("평가해 줘", "분석해 줘", "충돌 확률 계산해 줘")),
        ("{event} 건 충돌 위험", ("평가해 줘", "분석해 줘", "얼마나 돼?")),
    ),
    "plan_avoidance": (
        ("{event} 회피 기동", ("계획해 줘", "설계해 줘", "세워 줘", "짜 줘", "계획 세워 줘")),
        ("{event} 회피 기동안", ("만들어 줘", "준비해 줘", "제안해 줘")),
        ("{event} 피하는 기동", ("계획해 줘", "찾아 줘", "설계해 줘", "알려줘")),
        ("{event} 충돌 회피", ("계획 세워 줘", "기동 설계해 줘", "방안 알려줘")),
        ("{event} 회피 방안", ("알려줘", "찾아 줘", "마련해 줘", "제시해 줘")),
        ("{event} 대비 회피 기동", ("계획해 줘", "짜 줘", "설계 부탁해")),
        ("{event} 회피 버른", ("계획해 줘", "계산해 줘", "설계해 줘")),
    ),
    "schedule_contacts": (
        ("<S> 교신 스케줄", ("짜 줘", "만들어 줘", "잡아 줘", "세워 줘", "최적화해 줘")),
        ("<G>에서 <S> 교신 일정", ("잡아줘", "짜 줘", "만들어 줘", "배정해 줘")),
        ("<S> 다운링크 계획", ("세워 줘", "짜 줘", "만들어 줘", "잡아 줘")),
        ("<G> 안테나 <S> 배정", ("해 줘", "계획해 줘", "최적화해 줘")),
        ("<S> 지상국 스케줄", ("짜 줘", "만들어 줘", "잡아 줘", "세워 주세요")),
        ("<G> 패스 <S>한테 배분", ("해 줘", "계획해 줘", "좀 해 줄래?")),
        ("<S> 접속 계획", ("세워 줘", "만들어 줘", "짜 줘")),
        ("<S> 교신 계획", ("수립해 줘", "짜 줘", "잡아 줘")),
    ),
    "propose_commands": (
        ("{sat}에 {cmd} 명령", ("준비해 줘", "넣어 줘", "제안해 줘", "올려 줘", "잡아 줘")),
        ("{sat} {cmd} 커맨드", ("준비해 줘", "제안해 줘", "계획해 줘", "만들어 줘")),
        ("{sat}[으로/로] {cmd}", ("보내 줘", "보내는 계획 세워 줘", "명령 준비해 줘")),
        ("{sat} {cmd} 명령안", ("만들어 줘", "준비해 줘", "작성해 줘")),
        ("{sat}에 {cmd} 실행", ("계획해 줘", "예약해 줘", "잡아 줘")),
        ("{cmd} 명령을 {sat}에", ("보내는 계획 만들어 줘", "올려 줘", "예약해 줘")),
    ),
}
_KO_BARE: Final[dict[str, tuple[str, ...]]] = {
    "fleet_status": (
        "위성 상태 알려줘",
        "전체 위성 상태 보고해 줘",
        "위성군 현황 보여줘",
        "우리 위성들 괜찮아?",
        "위성 상태 점검해 줘",
        "모든 위성 상태 요약해 줘",
        "위성들 지금 어때?",
        "함대 상태 보고",
        "위성 현황 정리해 줘",
        "궤도 요소 최신인지 위성별로 확인해 줘",
        "위성 상태 어때",
        "운용 위성 상태 체크해 줘",
        "전체 위성 지금 어디 있어?",
        "위성들 문제 없어?",
    ),
    "space_weather": (
        "우주기상 알려줘",
        "지금 Kp 지수 얼마야?",
        "태양 활동 어때?",
        "지자기 폭풍 있어?",
        "태양 플레어 있었어?",
        "우주 날씨 보고해 줘",
        "NOAA 경보 있어?",
        "태양 플럭스 확인해 줘",
        "지자기 상황 알려줘",
        "우주기상 경보 확인해 줘",
        "F10.7이랑 Kp 알려줘",
        "태양풍 어때?",
        "지금 지자기 활동 어때?",
        "방사선 폭풍 있어?",
    ),
    "status_and_weather": (
        "위성 상태하고 우주기상 알려줘",
        "위성 현황이랑 Kp 지수 같이 봐 줘",
        "위성들 상태랑 태양 활동 둘 다 알려줘",
        "위성 점검하고 지자기 상황도 확인해 줘",
        "아침 보고: 위성 상태와 우주기상",
        "위성 상태랑 NOAA 경보 같이 알려줘",
    ),
}

# -- no-tool intents ---------------------------------------------------------------------------

_NO_TOOL: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "greeting": {
        "en": (
            "hi",
            "hello",
            "hey",
            "good morning",
            "good evening",
            "hi there",
            "hello again",
            "thanks",
            "thank you",
            "cheers",
            "great, thanks",
            "got it",
            "perfect, thank you",
            "ok thanks, that's all",
            "see you later",
            "bye",
            "how are you",
            "nice work",
            "good night",
            "hello Cosmo",
            "hey Cosmo",
            "thanks Cosmo",
            "that's everything for now",
        ),
        "ko": (
            "안녕",
            "안녕하세요",
            "좋은 아침",
            "수고했어",
            "고마워",
            "감사합니다",
            "잘 자",
            "오늘도 수고해",
            "안녕 코스모",
            "코스모 안녕",
            "알겠어, 고마워",
            "그게 다야",
            "잘 했어",
            "다음에 봐",
            "반가워",
            "수고하셨습니다",
            "오케이 고마워",
            "좋아, 끝",
        ),
    },
    "astro_question": {
        "en": (
            "what is {t}",
            "explain {t}",
            "can you explain {t}",
            "tell me about {t}",
            "what does {t} mean",
            "define {t}",
            "give me a short explanation of {t}",
            "I don't understand {t}",
            "teach me about {t}",
            "what's {t} in simple terms",
        ),
        "ko": (
            "{t}[이/가] 뭐야?",
            "{t} 설명해 줘",
            "{t}에 대해 알려줘",
            "{t}[이/가] 무슨 뜻이야?",
            "{t} 쉽게 설명해 줄래?",
            "{t}[을/를] 모르겠어",
            "{t} 개념 알려줘",
        ),
    },
    "out_of_scope": {
        "en": (
            "book {t}",
            "order {t}",
            "write {t}",
            "find me {t}",
            "help me with {t}",
            "can you do {t}",
            "I need {t}",
            "look up {t}",
            "what about {t}",
        ),
        "ko": ("{t} 해 줘", "{t} 좀 부탁해", "{t} 알려줘", "{t} 도와줘", "{t} 찾아 줘"),
    },
}
_TOPICS: Final[dict[tuple[str, str], tuple[str, ...]]] = {
    ("astro_question", "en"): (
        "a sun-synchronous orbit",
        "the J2 perturbation",
        "atmospheric drag",
        "a Hohmann transfer",
        "orbital inclination",
        "the vis-viva equation",
        "a geostationary orbit",
        "the Van Allen belts",
        "Kepler's third law",
        "a Lagrange point",
        "delta-v",
        "orbital decay",
        "a two-line element set",
        "the TEME frame",
        "the ascending node",
        "eccentricity",
        "the South Atlantic Anomaly",
        "the Kessler syndrome",
        "a ground track",
        "apogee and perigee",
        "the orbital period",
        "a conjunction",
        "the Kp index",
        "collision probability",
        "a hard-body radius",
        "space weather",
        "a solar flare",
        "the F10.7 index",
        "a covariance matrix",
        "station keeping",
        "a frozen orbit",
        "right ascension",
        "an elevation mask",
        "mean motion",
        "the B* drag term",
        "a geomagnetic storm",
        "a polar orbit",
        "an orbital plane",
        "a transfer orbit",
    ),
    ("astro_question", "ko"): (
        "태양동기궤도",
        "J2 섭동",
        "대기 항력",
        "호만 전이",
        "궤도 경사각",
        "정지궤도",
        "밴앨런대",
        "케플러 제3법칙",
        "라그랑주 점",
        "델타V",
        "궤도 감쇠",
        "TLE",
        "승교점",
        "이심률",
        "남대서양 이상대",
        "케슬러 증후군",
        "지상 궤적",
        "원지점과 근지점",
        "궤도 주기",
        "근접 접근",
        "Kp 지수",
        "충돌 확률",
        "우주기상",
        "태양 플레어",
        "공분산 행렬",
        "궤도 유지",
        "극궤도",
        "평균 운동",
        "앙각 마스크",
        "지자기 폭풍",
        "전이 궤도",
    ),
    ("out_of_scope", "en"): (
        "a flight to Busan",
        "a birthday cake",
        "my tax return",
        "a haiku about autumn",
        "the football scores",
        "dinner for the team",
        "a hotel in Toulouse",
        "an email to HR",
        "the bitcoin price",
        "the weather in Seoul tomorrow",
        "my laptop",
        "a movie for tonight",
        "a taxi to the airport",
        "a cover letter",
        "a joke",
        "my spreadsheet formulas",
        "the lottery numbers",
        "a gift for my mom",
        "a recipe for kimchi stew",
        "the latest election news",
        "my phone bill",
        "a parking spot",
        "a gym membership",
        "a poem about the sea",
    ),
    ("out_of_scope", "ko"): (
        "부산행 기차표 예매",
        "생일 케이크 주문",
        "연말정산",
        "가을에 대한 시",
        "축구 경기 결과",
        "팀 회식 장소",
        "툴루즈 호텔 예약",
        "인사팀에 보낼 메일",
        "비트코인 시세",
        "내일 서울 날씨",
        "노트북 수리",
        "오늘 밤 볼 영화",
        "공항 가는 택시",
        "자기소개서",
        "재미있는 농담",
        "엑셀 수식",
        "로또 번호",
        "엄마 선물",
        "김치찌개 레시피",
        "선거 뉴스",
        "휴대폰 요금",
        "주차 자리",
        "헬스장 등록",
    ),
}

# Optional slots per intent, each included with probability ~0.5; one of a group at most.
_OPTIONAL: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    "propagate": (("{dur}",), ("{step}",), ("{start}",)),
    "find_passes": (("{dur}",), ("{elev}",)),
    "screen_conjunctions": (("{dur}",), ("{thr}",)),
    "assess_conjunction": (("{hbr}",),),
    "plan_avoidance": (("{maxpc}", "{miss}"),),
    "schedule_contacts": (("{dur}",), ("{obj}",)),
    "propose_commands": (("{time}",),),
}
_EN_STATION_TAILS: Final = ("over <G>", "from <G>", "at <G>", "for <G>")
_EN_SCHED_TAILS: Final = ("on <G>", "using <G>", "at <G>", "across <G>")

COMPOSED_INTENTS: Final = tuple(_EN) + tuple(_EN_BARE) + tuple(_NO_TOOL)
"""Intents :func:`compose` can write."""


def _refs(rng: random.Random, text: str) -> str:
    """Replace ``<S>``/``<G>`` with one satellite / station slot each (same for repeats)."""
    if "<S>" in text:
        text = text.replace("<S>", rng.choice(_FLEET_TOKENS))
    if "<G>" in text:
        text = text.replace("<G>", rng.choice(_STATION_TOKENS))
    return text


def _optional(rng: random.Random, intent: str) -> list[str]:
    out = [rng.choice(group) for group in _OPTIONAL.get(intent, ()) if rng.random() < 0.5]
    rng.shuffle(out)
    return out


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _finish_en(rng: random.Random, body: str, question: bool) -> str:
    opener = rng.choice(_OPENERS_EN)
    text = opener + (body if opener and not opener.endswith(". ") else _cap(body))
    text += rng.choice(_CLOSERS_EN)
    text += rng.choice(("?", "?", "")) if question else rng.choice((".", ".", "", "!"))
    return text.lower() if rng.random() < 0.12 else _cap(text)


def _compose_en(rng: random.Random, intent: str) -> str:
    if intent in _EN_BARE:
        return _finish_en(rng, rng.choice(_EN_BARE[intent]), rng.random() < 0.4)
    if intent in _NO_TOOL:
        frame = rng.choice(_NO_TOOL[intent]["en"])
        topics = _TOPICS.get((intent, "en"))
        body = frame.replace("{t}", rng.choice(topics)) if topics else frame
        return _finish_en(rng, body, intent == "astro_question" and rng.random() < 0.7)
    frames = _EN[intent]
    kind = rng.choice(("verb", "verb", "noun", "ask"))
    core = rng.choice(frames[kind])
    tails = _optional(rng, intent)
    if "<G>" not in core and intent in ("find_passes", "schedule_contacts") and rng.random() < 0.5:
        pool = _EN_STATION_TAILS if intent == "find_passes" else _EN_SCHED_TAILS
        tails.insert(rng.randrange(len(tails) + 1), rng.choice(pool))
    body = core
    if tails:
        body += (", " if rng.random() < 0.25 else " ") + " ".join(tails)
    if kind == "verb" and rng.random() < 0.4:
        body = rng.choice(_MODALS_EN).lower() + body
    elif kind == "noun":
        body = rng.choice(_HEADS_EN) + " " + body
    question = kind == "ask" or body.startswith(("could ", "can ", "would "))
    return _finish_en(rng, _refs(rng, body), question)


def _compose_ko(rng: random.Random, intent: str) -> str:
    if intent in _KO_BARE:
        text = rng.choice(_KO_BARE[intent])
    elif intent in _NO_TOOL:
        frame = rng.choice(_NO_TOOL[intent]["ko"])
        topics = _TOPICS.get((intent, "ko"))
        text = frame.replace("{t}", rng.choice(topics)) if topics else frame
    else:
        obj, verbs = rng.choice(_KO[intent])
        tails = _optional(rng, intent)
        station_free = "<G>" not in obj and intent in ("find_passes", "schedule_contacts")
        if station_free and rng.random() < 0.5:
            tails.append(rng.choice(("<G>에서", "<G> 기준으로", "<G> 써서", "<G> 대상으로")))
            rng.shuffle(tails)
        cut = rng.randrange(len(tails) + 1)
        text = " ".join([*tails[:cut], obj, *tails[cut:], rng.choice(verbs)])
        text = _refs(rng, text)
    text = rng.choice(_OPENERS_KO) + text + rng.choice(_CLOSERS_KO)
    if rng.random() < 0.3:
        text = re.sub(r"[.?!]$", "", text)
    return text


def compose(rng: random.Random, intent: str, lang: Lang) -> str:
    """One request template for ``intent`` in ``lang`` (slots unfilled, see module doc)."""
    if intent not in COMPOSED_INTENTS:
        raise ValueError(f"no composed phrasings for intent {intent!r}")
    return _compose_en(rng, intent) if lang == "en" else _compose_ko(rng, intent)
