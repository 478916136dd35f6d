"""Fixed request phrasings of the Cosmo corpus: generator, held-out and blind-written templates.

Each table maps intent -> language -> templates. ``GENERATOR_TEMPLATES`` write the train and
validation requests (beside the composed phrasings of :mod:`cosmo_agent.model.phrasebook`);
``HELD_OUT_TEMPLATES`` and ``BLIND_TEMPLATES`` are phrasings the generator never uses, and the
test split is written with them only.

Slots: ``{sat}`` one satellite, ``{sats}`` two or three, ``{fleet}`` all of them; ``{station}``,
``{stations}``, ``{allst}`` likewise; ``{dur}`` duration, ``{thr}`` screening threshold,
``{elev}`` minimum elevation, ``{step}`` propagation step, ``{start}`` start time, ``{time}``
command time, ``{event}`` conjunction id, ``{hbr}`` hard-body radius, ``{maxpc}`` target Pc,
``{miss}`` target miss distance, ``{obj}`` scheduling objective, ``{cmd}`` command (filled by
:mod:`cosmo_agent.model.slots`). Korean particles are written "[을/를]" and chosen from the
preceding word (:func:`cosmo_agent.model.korean.attach_particles`). A template without a
satellite (station) slot means all satellites (stations); without ``{dur}``, 24 h.

>>> sorted(GENERATOR_TEMPLATES) == sorted(HELD_OUT_TEMPLATES) == sorted(BLIND_TEMPLATES)
True
"""

from __future__ import annotations

from typing import Literal

__all__ = ["BLIND_TEMPLATES", "GENERATOR_TEMPLATES", "HELD_OUT_TEMPLATES", "Lang", "Templates"]

Lang = Literal["en", "ko"]
"""The languages requests are written in."""

Templates = dict[str, dict[str, tuple[str, ...]]]
"""intent -> language -> templates."""

GENERATOR_TEMPLATES: Templates = {
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
    "element_age": {
        "en": (
            "How old are our element sets?",
            "Which satellites have the oldest TLEs?",
            "Are any of the fleet's orbital elements stale?",
            "Check the age of the TLEs for the whole fleet.",
            "When were the elements of {sat} last updated?",
            "Is the orbit data for {sats} fresh enough to plan with?",
            "List element ages, oldest first.",
        ),
        "ko": (
            "궤도요소 나이 좀 알려줘",
            "TLE가 제일 오래된 위성이 어디야?",
            "위성들 궤도 데이터 오래된 거 있어?",
            "전체 위성 TLE 갱신 시각 확인해 줘",
            "{sat} 궤도요소 언제 갱신됐어?",
            "{sats} 궤도 정보가 계획에 쓸 만큼 최신이야?",
            "요소 나이 오래된 순으로 보여줘",
        ),
    },
    "screen_and_weather": {
        "en": (
            "Screen {sats} for conjunctions {dur} and give me the space weather.",
            "Any close approaches for the fleet {dur}? Also, how's space weather?",
            "Run a conjunction screen {thr} and check for geomagnetic storms.",
            "Check {sat} for close approaches {thr}, and report the current Kp and flares.",
            "Collision screening plus a space weather update, please.",
        ),
        "ko": (
            "{sats} 근접 접근 {dur} 스크리닝하고 우주기상도 알려줘",
            "전체 위성 충돌 위험 {thr} 확인하고 지자기 폭풍 있는지도 봐줘",
            "{sat} 근접 물체 검색해 주고 태양 활동 상황도 같이",
            "컨정션 스크리닝이랑 우주날씨 둘 다 부탁해",
            "{dur} 충돌 후보 찾아보고 Kp 지수도 알려줘",
        ),
    },
    "passes_and_schedule": {
        "en": (
            "Find passes of {sats} over {stations} {dur} and schedule the contacts.",
            "List {sat}'s passes {elev} and build a downlink schedule.",
            "Show the visibility windows at {station} {dur}, then plan contacts {obj}.",
            "Passes for the fleet over all stations, and a contact plan from them.",
            "Get me the pass list for {sats} and allocate station time {obj}.",
        ),
        "ko": (
            "{sats} {stations} 패스 {dur} 찾고 교신 일정도 잡아줘",
            "{sat} 통과 시간 {elev} 뽑아서 다운링크 스케줄 짜줘",
            "{station} 가시 구간 확인하고 {obj} 교신 계획 세워줘",
            "전체 위성 패스 목록하고 그걸로 지상국 배정까지 해줘",
            "{dur} {sats} 패스 알려주고 교신 스케줄링 부탁해",
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

HELD_OUT_TEMPLATES: Templates = {
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
    "element_age": {
        "en": ("Before we plan: whose orbit elements are getting old?",
               "Give me each satellite's TLE epoch and how many days old it is."),
        "ko": ("계획 전에 확인 좀: 궤도요소 오래된 위성 있나요?",
               "위성마다 TLE 에포크랑 며칠 지났는지 정리해 줘"),
    },
    "screen_and_weather": {
        "en": ("Two things: sweep {sats} for conjunctions {dur}, and tell me if the Sun is"
               " acting up.",),
        "ko": ("두 가지 부탁해요. {sats} 충돌 위험 {thr} 확인이랑 지금 우주기상 상태요",),
    },
    "passes_and_schedule": {
        "en": ("When can {stations} see {sats} {dur}? Make me a contact plan out of it.",),
        "ko": ("{stations}에서 {sats} 보이는 시간 {dur} 알려주고 그걸로 교신 배정해 줘",),
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
# equal a generator or held-out template were removed. element_age, screen_and_weather and
# passes_and_schedule were written the same way on 2026-12-06 (72, none equal to another).
# The test split draws from both sets
# (template ids "heldout/..." and "blind/...") and reports can be broken down by set.
BLIND_TEMPLATES: Templates = {
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
    "element_age": {
        "en": (
            "How old are the TLEs for the fleet right now?",
            "Which satellites have the oldest element sets?",
            "Any stale TLEs? Need to know before pass planning.",
            "Quick check: when was orbit data last updated for each bird?",
            "Before handover, can you give me the element set age across all satellites and"
             " flag anything older than a few days?",
            "Is the TLE for {sat} still fresh, or do we need to pull a new one?",
            "How fresh are the orbital elements for {sats}?",
            "List element set epochs and ages, oldest first.",
            "Shift handover note: please report TLE age for the whole constellation and call"
             " out any stale sets.",
            "Could you tell me which of our orbit elements are out of date?",
            "TLE age report pls.",
            "Ticket: customer asked whether our tracking is running on stale orbit data. Can"
             " you check how old the current element sets are and which ones are the oldest?",
        ),
        "ko": (
            "전체 위성 TLE 얼마나 오래됐어요?",
            "궤도 요소 중에 제일 오래된 거 어느 위성이야?",
            "TLE 갱신 안 된 위성 있는지 확인 부탁드립니다.",
            "현재 보유 중인 궤도 데이터의 에포크와 경과 시간을 위성별로 알려주십시오.",
            "{sat} TLE 아직 쓸 만해? 너무 오래된 거 아니지?",
            "{sats}의 궤도 요소가 최신인지 확인해 주세요.",
            "근무 교대 전에 전 위성 TLE 나이 좀 정리해 주실 수 있나요? 오래된 건 따로 표시해"
             " 주세요.",
            "stale한 element set 있어?",
            "TLE 언제 마지막으로 업데이트됐는지 알려줘.",
            "오래된 순으로 궤도 요소 현황 보여주세요.",
            "티켓 건: 고객사에서 추적에 오래된 궤도 데이터를 쓰는 것 아니냐는 문의가 있었습니다."
             " 현재 TLE가 얼마나 오래됐는지, 가장 오래된 위성은"
             " 무엇인지 확인 바랍니다.",
            "궤도 데이터 신선도 체크 한번 해줄래요?",
        ),
    },
    "screen_and_weather": {
        "en": (
            "Run a conjunction screening {dur} and give me the current space weather.",
            "Any close approaches for {sat} {thr}? Also, what's the geomagnetic situation"
             " right now - Kp, storms?",
            "Screen {sats} for conjunctions {dur} {thr}, and check space weather (flares, Kp,"
             " radiation) while you're at it.",
            "Need two things: a close-approach screen for the fleet, and the latest solar"
             " flare / geomagnetic storm status.",
            "Can you check for conjunctions on {sat} and tell me if there's any space weather"
             " we should worry about?",
            "Handover: please screen all satellites for close approaches {thr} {dur} and"
             " summarize current space weather conditions, including Kp index and radiation"
             " levels.",
            "Conjunction check + space weather report, please.",
            "Is anything coming close to {sats} {dur}? And is there a geomagnetic storm going on?",
            "Could you run a collision screening {thr} and also pull the current Kp and any"
             " solar flare alerts?",
            "Screen {sat} for conjunctions {dur}. Also need current space weather.",
            "Ticket: Ops lead wants a conjunction assessment for the whole fleet {dur} and a"
             " current space weather briefing (storms, flares, radiation belt activity) before"
             " the maneuver review.",
            "What's the space weather like right now, and are there any conjunctions {thr} for"
             " {sat}?",
        ),
        "ko": (
            "{dur} 근접 접근 스크리닝 돌려주고 현재 우주기상도 알려줘.",
            "{sat}에 {thr}로 접근하는 물체 있는지 확인해 주세요. 그리고 지금 지자기 폭풍이나 Kp"
             " 상황도 알려주세요.",
            "{sats}에 대해 {dur} {thr} 컨정션 스크리닝 부탁드립니다. 태양 플레어, Kp, 방사선 등"
             " 우주기상 현황도 함께 보고해 주십시오.",
            "근접 충돌 분석이랑 우주기상 둘 다 확인해줘.",
            "{sat} 충돌 위험 있어? 그리고 지금 태양 플레어나 지자기 폭풍 뜬 거 있나?",
            "교대 인수인계: 전 위성 대상으로 {dur} {thr} 근접 접근 스크리닝 수행하고, Kp"
             " 지수·방사선 수준 포함한 현재 우주기상 요약 부탁드립니다.",
            "conjunction 체크랑 space weather 같이 봐주세요.",
            "{dur} {sats}[과/와] 가까워지는 물체 있는지 보고, 지자기 폭풍 진행 중인지도"
             " 알려줄래요?",
            "{thr} 기준으로 충돌 스크리닝 해주시고 현재 Kp랑 플레어 경보도 확인해 주시겠어요?",
            "{sat} {dur} 근접 접근 스크리닝. 우주기상도 같이.",
            "티켓: 기동 검토 회의 전에 전체 위성 {dur} 근접 접근 평가와 현재 우주기상"
             " 브리핑(지자기 폭풍, 플레어, 방사선대 활동)이 필요합니다.",
            "지금 우주기상 어때? 그리고 {sat}에 {thr}로 근접하는 거 있어?",
        ),
    },
    "passes_and_schedule": {
        "en": (
            "List passes of {sat} over {station} {dur} and build a downlink schedule from them.",
            "Can you get me the visibility windows for {sats} at {stations} {dur} {elev}, then"
             " put together a contact schedule {obj}?",
            "Passes + contact plan for {sat} at {station} {dur}, please.",
            "I need the pass list for {sats} over {stations} {dur}, and a downlink schedule"
             " built from those passes.",
            "Handover: please compute all passes of {sat} over {stations} {dur} {elev} and"
             " draft the contact schedule {obj} for the next shift.",
            "When does {sat} pass over {station} {dur}? Schedule the downlinks too.",
            "Show visibility windows {elev} for {sats} from {station} {dur} and then schedule"
             " contacts {obj}.",
            "Ticket: mission planning requests ground station pass predictions for {sats} at"
             " {stations} {dur}, followed by a conflict-free downlink schedule {obj}.",
            "Would you mind pulling the passes for {sat} at {stations} {dur} and turning them"
             " into a contact schedule?",
            "Compute passes for {sats} over {stations} {dur} {elev}. Then make the downlink"
             " schedule {obj}.",
            "What passes do we have for {sats} over {station} {dur}? Build me a downlink plan"
             " off those.",
            "Get pass windows for {sat} over {station} {dur} {elev} and schedule downlinks {obj}.",
        ),
        "ko": (
            "{sat}[이/가] {station} 위로 지나가는 패스 {dur} 뽑아서 다운링크 스케줄까지 짜줘.",
            "{sats}의 {stations} 가시 구간을 {dur} {elev} 조건으로 조회하고, 그걸로 {obj} 교신"
             " 스케줄 만들어 주세요.",
            "{sat} / {station} {dur} 패스 목록이랑 컨택 플랜 부탁해요.",
            "{dur} {sats}[이/가] {stations}에서 보이는 패스 목록 주시고, 그 패스들로 다운링크"
             " 스케줄 작성해 주십시오.",
            "인수인계: {dur} {sat}의 {stations} {elev} 패스를 전부 계산하고, 다음 근무조용 교신"
             " 스케줄을 {obj} 짜 주세요.",
            "{sat} {dur} {station} 언제 지나가? 다운링크 일정도 잡아줘.",
            "{station} 기준 {sats}의 {elev} 가시 시간대를 {dur} 보여주시고, {obj} 컨택 스케줄도"
             " 잡아 주세요.",
            "티켓: 임무계획팀에서 {sats}에 대한 {stations} 지상국 패스 예측({dur})과 이를 바탕으로"
             " 한 충돌 없는 다운링크"
             " 스케줄({obj})을 요청했습니다.",
            "혹시 {sat} {stations} 패스 {dur} 뽑아서 교신 스케줄로 정리해 주실 수 있을까요?",
            "{sats} / {stations} {elev} 패스 계산 {dur}. 그다음 {obj} 다운링크 스케줄 생성.",
            "{dur} {sats}[이/가] {station} 지나가는 패스 뭐 있어요? 그걸로 다운링크 계획 세워"
             " 주세요.",
            "{sat}의 {station} {elev} 패스 윈도우를 {dur} 조회하고 {obj} 다운링크 스케줄 잡아줘.",
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
