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
