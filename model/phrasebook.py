"""Compositional operator phrasings for the Cosmo corpus generator (English and Korean).

:func:`compose` writes one request *template* for an intent by combining an opener, a task
frame (a verb phrase, a noun phrase after a request head, or a question), the intent's optional
slots in random order, and a closer; Korean frames put the optional slots before or inside the
object phrase and end on one of many verb endings. The result uses the same slots as the fixed
templates of :mod:`cosmo_agent.model.phrasings` (``{sat}``, ``{dur}``, ...) and is filled by the
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
from collections.abc import Callable
from functools import partial
from typing import Final

from cosmo_agent.model.phrasings import Lang

__all__ = ["COMPOSED_INTENTS", "compose"]

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
            "produce state vectors for <S>",
            "generate a predicted ephemeris for <S>",
            "run the orbit predictor on <S>",
            "propagate the state vector of <S>",
            "fly <S> forward in the propagator",
            "extrapolate the orbit of <S>",
            "output position and velocity of <S>",
            "write out an ephemeris file for <S>",
            "run SGP4 on <S>",
            "predict the future state of <S>",
            "compute the ground track of <S>",
            "roll the orbit of <S> forward",
            "give me the future positions of <S>",
            "forecast where <S> will be",
            "compute the track of <S> ahead",
            "chart the orbit of <S> forward",
            "give me an ephem for <S>",
            "predict the state of <S>",
            "dump the positions of <S>",
            "generate ECI states for <S>",
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
            "state vectors for <S>",
            "a predicted ephemeris of <S>",
            "position and velocity vectors of <S>",
            "an SGP4 propagation of <S>",
            "the predicted trajectory of <S>",
            "a propagated state history for <S>",
            "an ephemeris product for <S>",
            "the predicted ground track of <S>",
            "an ephem for <S>",
            "the ECI states of <S>",
            "the predicted track of <S>",
        ),
        "ask": (
            "where will <S> be",
            "where is <S> headed",
            "where does <S> go",
            "what will the orbit of <S> look like",
            "can I get positions for <S>",
            "where is <S> going to be",
            "what will the state vector of <S> be",
            "can you tell me where <S> will end up",
            "what does the ephemeris of <S> look like",
            "what positions will <S> have",
            "can you work out where <S> is going",
            "could you predict the orbit of <S>",
            "what path will <S> follow",
            "where's <S> going next",
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
            "predict AOS and LOS times for <S> at <G>",
            "compute the visibility of <S> over <G>",
            "get the pass predictions for <S> over <G>",
            "find the next contacts of <S> with <G>",
            "list upcoming passes of <S>",
            "generate a pass schedule for <S> over <G>",
            "find the AOS/LOS windows of <S>",
            "work out the access windows between <S> and <G>",
            "compute link windows for <S> at <G>",
            "check when <S> rises above the horizon at <G>",
            "find the overhead passes of <S>",
            "tell me when <S> is overhead at <G>",
            "work out the viewing windows of <S> from <G>",
            "find when <G> can track <S>",
            "list the tracking windows of <S>",
            "list the comm windows of <S> at <G>",
            "find the uplink opportunities for <S>",
            "predict the station contacts of <S>",
            "count the horizon crossings of <S> at <G>",
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
            "AOS/LOS times for <S> at <G>",
            "the access windows of <S> over <G>",
            "upcoming passes of <S>",
            "a visibility report for <S> from <G>",
            "the link windows of <S> at <G>",
            "pass times of <S> over <G>",
            "a pass forecast for <S>",
            "acquisition and loss of signal times of <S> at <G>",
            "the tracking windows of <S> at <G>",
            "the next sightings of <S> from <G>",
            "the comm windows of <S>",
            "the uplink opportunities of <S> at <G>",
            "the horizon crossings of <S> at <G>",
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
            "when is AOS for <S> at <G>",
            "when does <G> acquire <S>",
            "when's the next contact window for <S>",
            "what time does <S> come over <G>",
            "when can we talk to <S> from <G>",
            "does <S> pass over <G>",
            "when does <S> clear the horizon at <G>",
            "when is <S> next above <G>",
            "when does <S> come into view at <G>",
            "when will <G> have <S> in view",
            "when can <G> hear <S>",
            "when do we get <S> over <G>",
            "when will <S> be reachable from <G>",
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
            "run a CA screening for <S>",
            "screen the orbit of <S> against tracked debris",
            "find close approaches involving <S>",
            "check the miss distances of objects near <S>",
            "screen <S> for debris encounters",
            "look for secondary objects near <S>",
            "search the catalog for objects close to <S>",
            "check <S> for potential collisions",
            "flag any close approaches to <S>",
            "run a debris screening on <S>",
            "check for anything crossing paths with <S>",
            "look for traffic around <S>",
            "hunt for conjunctions involving <S>",
            "see if any debris gets in the way of <S>",
            "run a proximity check on <S>",
            "check <S> for near misses",
            "look for encounters with <S>",
            "sweep for threats to <S>",
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
            "a CA screening for <S>",
            "close approach predictions for <S>",
            "the upcoming conjunctions of <S>",
            "a list of conjunction events for <S>",
            "a collision screening report on <S>",
            "any close approaches involving <S>",
            "a screening of <S> against the catalog",
            "the list of secondaries near <S>",
            "a proximity report for <S>",
            "a traffic report around <S>",
            "the close-approach list of <S>",
            "the near misses of <S>",
            "the encounters of <S> with other objects",
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
            "does <S> have any conjunctions coming up",
            "is there any debris close to <S>",
            "are any objects predicted to pass near <S>",
            "what's coming close to <S>",
            "any conjunction alerts for <S>",
            "does <S> have close approaches",
            "will any object cross paths with <S>",
            "is the path of <S> clear",
            "anything in the way of <S>",
            "any threats to <S>",
            "who's flying near <S>",
            "is anything going to come close to <S>",
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
            "work out the Pc of {event}",
            "assess the collision risk of {event}",
            "analyze the close approach {event}",
            "run a Pc calculation on {event}",
            "evaluate the miss distance and Pc for {event}",
            "quantify the risk of {event}",
            "score conjunction {event}",
            "check how dangerous {event} is",
            "determine the collision probability for {event}",
            "assess the threat from {event}",
            "estimate the risk posed by {event}",
        ),
        "noun": (
            "the Pc of {event}",
            "a risk assessment of {event}",
            "the collision probability for {event}",
            "an assessment of conjunction {event}",
            "the probability of collision for event {event}",
            "a Pc estimate for {event}",
            "risk numbers for {event}",
            "a Pc calculation for {event}",
            "the miss distance and Pc of {event}",
            "a risk evaluation of {event}",
            "a conjunction assessment for {event}",
            "the collision risk of {event}",
            "an analysis of close approach {event}",
            "the threat level of {event}",
            "a probability of collision estimate for {event}",
        ),
        "ask": (
            "how dangerous is {event}",
            "what is the Pc of {event}",
            "how risky is {event}",
            "what's the collision probability of {event}",
            "is {event} a high-risk event",
            "how likely is a collision in {event}",
            "should we be concerned about {event}",
            "what Pc does {event} have",
            "how high is the collision risk for {event}",
            "is {event} something to worry about",
            "what's the risk level of {event}",
            "how probable is a collision in {event}",
            "is {event} above the reporting threshold",
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
            "plan a collision avoidance maneuver for {event}",
            "compute the delta-v needed to avoid {event}",
            "plan a debris avoidance maneuver for {event}",
            "design an avoidance burn for {event}",
            "work out a CAM to clear {event}",
            "plan an evasive burn for {event}",
            "build a maneuver plan for {event}",
            "plan a burn that raises the miss distance of {event}",
            "come up with an avoidance maneuver for {event}",
            "size the avoidance delta-v for {event}",
            "plan a maneuver to get out of {event}",
            "work out how to step aside from {event}",
            "move our satellite away from {event}",
            "find a mitigation for {event}",
            "widen the miss distance of {event}",
            "prepare evasive action for {event}",
            "work out a way out of {event}",
        ),
        "noun": (
            "an avoidance maneuver for {event}",
            "a CAM plan for {event}",
            "maneuver options for {event}",
            "an avoidance burn for {event}",
            "a collision avoidance maneuver for event {event}",
            "a dodge plan for {event}",
            "an evasive burn for {event}",
            "a debris avoidance maneuver for {event}",
            "a delta-v plan to avoid {event}",
            "a CAM for {event}",
            "avoidance burn options for {event}",
            "a maneuver plan for {event}",
            "burn parameters to clear {event}",
            "an avoidance plan for {event}",
        ),
        "ask": (
            "how do we avoid {event}",
            "what maneuver avoids {event}",
            "can we maneuver out of {event}",
            "what burn do we need for {event}",
            "how should we dodge {event}",
            "which maneuver clears {event}",
            "what delta-v do we need to avoid {event}",
            "how big a burn clears {event}",
            "how do we steer clear of {event}",
            "can you plan a CAM for {event}",
            "what's the best avoidance maneuver for {event}",
            "what burn would get us clear of {event}",
            "how do we get clear of {event}",
            "what evasive action does {event} need",
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
            "schedule downlinks for <S> on <G>",
            "allocate antenna time to <S> on <G>",
            "build the downlink schedule for <S>",
            "plan ground-station time for <S>",
            "assign the antennas at <G> to <S>",
            "book contacts for <S> at <G>",
            "generate a contact plan for <S>",
            "schedule the passes of <S> across <G>",
            "create a station schedule for <S>",
            "plan the antenna allocation for <S> on <G>",
            "resolve antenna conflicts for <S> on <G>",
            "line up the downlinks of <S> at <G>",
            "split the antenna time at <G> among <S>",
            "slot <S> into the passes at <G>",
            "put together a contact roster for <S>",
            "pick which passes of <S> to take at <G>",
            "plan ground contacts for <S>",
            "line up the contacts of <S> at <G>",
            "divide the passes at <G> between <S>",
            "work out the contact timetable for <S>",
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
            "a downlink schedule for <S>",
            "an antenna allocation for <S> on <G>",
            "the ground-station plan for <S>",
            "a contact timeline for <S> at <G>",
            "a booking of <G> passes for <S>",
            "a station time allocation for <S>",
            "an optimized contact plan for <S> on <G>",
            "the downlink timetable for <S>",
            "a contact roster for <S>",
            "a downlink rota for <S> at <G>",
            "the antenna roster of <G> for <S>",
            "a contact timetable for <S>",
            "the ground contact plan for <S>",
        ),
        "ask": (
            "which passes should <S> use on <G>",
            "how should we schedule <S> on <G>",
            "can you fit <S> into the station schedule",
            "what's the best contact plan for <S>",
            "how do we split <G> between <S>",
            "how should we allocate antenna time for <S>",
            "when should <S> downlink at <G>",
            "what's the best way to schedule <S> on <G>",
            "can you build a contact schedule for <S>",
            "how do we fit <S> into the <G> time",
            "what contact plan works for <S>",
            "which contacts should we take for <S>",
            "who gets <G> and when, among <S>",
            "how do we share <G> among <S>",
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
            "prepare a command load with {cmd} for {sat}",
            "time-tag {cmd} for {sat}",
            "add {cmd} to the command queue of {sat}",
            "stage {cmd} for uplink to {sat}",
            "build a telecommand for {cmd} on {sat}",
            "put {cmd} in the next uplink to {sat}",
            "queue a time-tagged {cmd} on {sat}",
            "propose a {cmd} telecommand for {sat}",
            "load {cmd} for {sat}",
            "set {sat} up to execute {cmd}",
            "draft a command sequence with {cmd} for {sat}",
        ),
        "noun": (
            "a {cmd} command for {sat}",
            "a command plan: {cmd} on {sat}",
            "{cmd} on {sat}",
            "a {cmd} for {sat}",
            "a draft {cmd} command to {sat}",
            "a proposed {cmd} for {sat}",
            "a command load with {cmd} for {sat}",
            "a time-tagged {cmd} for {sat}",
            "a {cmd} telecommand to {sat}",
            "an uplink of {cmd} to {sat}",
            "a command proposal: {cmd} for {sat}",
            "a {cmd} entry in the command queue of {sat}",
        ),
        "ask": (
            "can we send {cmd} to {sat}",
            "can you queue {cmd} on {sat}",
            "could {sat} get a {cmd}",
            "can {sat} run {cmd}",
            "can we uplink {cmd} to {sat}",
            "could you stage {cmd} for {sat}",
            "can you add {cmd} to {sat}'s command load",
            "is it possible to send {sat} a {cmd}",
            "could we time-tag {cmd} on {sat}",
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
        "constellation health summary",
        "any anomalies across the fleet",
        "give me the fleet health report",
        "how's the constellation doing",
        "are all spacecraft healthy",
        "any satellites in safe mode",
        "status check on all birds",
        "quick health summary of the fleet",
        "what's the state of the constellation",
        "run a fleet-wide status check",
        "how are the birds doing",
        "fleet roll call",
        "anything off-nominal in the fleet",
        "check in on every satellite",
        "is anything wrong with our spacecraft",
        "give me a rundown of the constellation",
        "satellite health rundown",
        "are all satellites behaving",
        "any red flags on the satellites",
        "how healthy is the fleet",
        "sitrep on the fleet",
        "give me the big picture on the satellites",
        "all good with the spacecraft",
        "anything I should know about the fleet",
        "what condition are our satellites in",
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
        "what's the Kp right now",
        "any proton events",
        "current geomagnetic storm level",
        "is there any solar flare activity",
        "space weather update",
        "what's the solar flux index",
        "any X-class flares today",
        "give me the space weather summary",
        "are we under a geomagnetic storm watch",
        "any CMEs on the way",
        "what is the Sun doing",
        "is the Sun quiet today",
        "what's the F10.7 today",
        "any NOAA alerts",
        "how disturbed is the geomagnetic field",
        "radiation environment update",
        "is a storm brewing",
        "solar wind conditions",
        "geomagnetic forecast for the next days",
        "any SWPC warnings out",
        "is the magnetosphere disturbed",
        "what's the planetary K index",
        "what's the Sun up to",
        "current geomag conditions",
        "how's the Sun behaving",
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
        "constellation health and space weather",
        "fleet health plus the current Kp",
        "how's the fleet and is there a geomagnetic storm",
        "give me a combined fleet and space weather briefing",
        "status of all satellites and any solar flares",
        "check the satellites and the solar activity",
        "fleet summary with space weather conditions",
        "are the satellites healthy and is the Sun quiet",
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
        ("<S> 궤도력", ("만들어 줘", "생성해 주세요", "뽑아 줄 수 있어?", "부탁드립니다")),
        ("<S> 상태 벡터", ("전파해 줘", "계산해 주세요", "예측해 줄래?", "뽑아줘")),
        ("<S>의 미래 위치", ("예측해 줘", "계산해 주실래요?", "알려 주세요")),
        ("<S> 궤도 예측", ("부탁드립니다", "해 줄 수 있어?", "해주세요", "좀 돌려봐")),
        ("<S> 위치랑 속도", ("계산해 줘", "전파해 주세요", "뽑아 줄래?")),
        ("<S> 궤도[을/를]", ("앞으로 전파해 줘", "미리 계산해 주세요", "예측해 줄 수 있어?")),
        ("<S> 예측 궤적", ("보여 주세요", "뽑아 줘", "계산 부탁드립니다")),
        ("<S> SGP4 전파", ("돌려 줘", "해 주세요", "실행해 줄래?")),
        ("<S> 궤도 시뮬레이션", ("돌려 줘", "해 줘", "부탁해")),
        ("<S> 앞으로의 위치", ("계산해 줘", "뽑아 줘", "알려줘")),
        ("<S> 위치 데이터", ("생성해 줘", "뽑아 줘", "만들어 주세요")),
        ("<S> 궤도 추적 데이터", ("만들어 줘", "계산해 주세요")),
        ("<S> 에피메리스", ("생성해 줘", "뽑아 줘", "만들어 줄래?")),
        ("<S> 궤도 예보", ("해 줘", "내 줘", "부탁해")),
        ("<S> 궤도 산출", ("해 줘", "부탁해", "해 주세요")),
        ("<S> 위치 추정", ("해 줘", "부탁드립니다", "해 줄래?")),
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
        (
            "<G>에서 <S> 가시 시간",
            ("알려줘", "계산해 주세요", "뽑아 줄 수 있어?", "정리 부탁드립니다"),
        ),
        ("<S> AOS/LOS 시간", ("알려줘", "계산해 줘", "확인해 주세요")),
        ("<S> 교신 창", ("찾아 줘", "계산해 주세요", "알려 주실래요?", "뽑아줘")),
        ("<G> 상공 <S> 통과 예측", ("해 줘", "부탁드립니다", "해 줄 수 있어?")),
        ("<S> 패스 목록", ("뽑아 줘", "정리해 주세요", "보여 줄래?")),
        ("<S>[이/가] <G>에서 언제 보이는지", ("알려줘", "계산해 주세요", "좀 봐줘")),
        ("<S> 신호 획득 시각", ("알려줘", "계산해 줘", "예측해 주세요")),
        ("<S> 다음 교신", ("언제야?", "알려줘", "몇 시야?")),
        ("<G>에서 <S> 잡히는 시간", ("알려줘", "정리해 줘", "뽑아 줘")),
        ("<S> 지상국 접촉 시간", ("계산해 줘", "알려 주세요", "정리해 줄래?")),
        ("<S> 가시 패스", ("찾아 줘", "정리해 주세요", "목록으로 줘")),
        ("<G> 안테나로 <S> 추적 가능한 시간", ("알려줘", "찾아 줘", "계산해 주세요")),
        ("<S> 상공 통과 일정", ("알려줘", "뽑아 줘", "확인해 주세요")),
        ("<S> 수신 가능 구간", ("찾아 줘", "계산해 줘", "알려 주실래요?")),
        ("<S> 관측 가능 시간", ("알려줘", "계산해 줘", "뽑아 주세요")),
        ("<G>에서 <S> 통신 가능 시간", ("알려줘", "찾아 줘", "계산해 주세요")),
        ("<S> 링크 가능 시간", ("계산해 줘", "알려줘", "정리해 줄래?")),
        ("<S>[이/가] <G> 가시권에 언제", ("들어와?", "들어오는지 알려줘", "진입해?")),
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
        (
            "<S> 근접 통과",
            ("스크리닝해 줘", "검사해 주세요", "확인 부탁드립니다", "찾아 줄 수 있어?"),
        ),
        ("<S> 주변 우주 쓰레기", ("확인해 줘", "스크리닝해 주세요", "좀 봐줘")),
        ("<S> 충돌 가능성", ("점검해 줘", "확인해 주실래요?", "스크리닝 부탁드립니다")),
        ("<S>[을/를] 카탈로그 전체랑", ("대조해 줘", "스크리닝해 주세요", "비교해 줄래?")),
        ("<S> 최근접 접근 이벤트", ("찾아줘", "검색해 주세요", "목록으로 뽑아 줘")),
        ("<S> 근접 접근 목록", ("뽑아 줘", "정리해 주세요", "보여 줄 수 있어?")),
        ("<S> 잔해물 충돌 검사", ("해 줘", "돌려 주세요", "부탁드립니다")),
        ("<S> 근처 물체", ("있어?", "확인해 줘", "찾아 줘")),
        ("<S> 궤도 주변 교통 상황", ("알려줘", "확인해 줘", "정리해 주세요")),
        ("<S> 위험 물체 목록", ("뽑아 줘", "정리해 주세요", "보여 줄래?")),
        ("<S> 궤도에 위협 되는 물체", ("있어?", "찾아 줘", "확인해 주세요")),
    ),
    "assess_conjunction": (
        ("{event} 충돌 확률", ("계산해 줘", "알려줘", "구해 줘", "평가해 줘", "얼마야?")),
        ("{event} 이벤트", ("평가해 줘", "분석해 줘", "위험도 알려줘", "자세히 봐 줘")),
        ("{event} Pc", ("계산해 줘", "구해 줘", "알려줘", "얼마야?", "뽑아 줘")),
        ("{event} 위험도", ("분석해 줘", "평가해 줘", "알려줘", "어때?")),
        ("근접 이벤트 {event}", ("평가해 줘", "분석해 줘", "충돌 확률 계산해 줘")),
        ("{event} 건 충돌 위험", ("평가해 줘", "분석해 줘", "얼마나 돼?")),
        ("{event} 최근접 거리랑 충돌 확률", ("계산해 줘", "알려 주세요", "평가해 줄래?")),
        ("{event} 위험 평가", ("해 줘", "부탁드립니다", "해 줄 수 있어?", "해주세요")),
        ("{event} 충돌 가능성", ("평가해 줘", "분석해 주세요", "얼마나 돼?", "좀 봐줘")),
        ("{event} 건이 얼마나 위험한지", ("알려줘", "평가해 주세요", "분석해 줄래?")),
        ("{event} Pc 값", ("계산해 주실래요?", "구해 줘", "확인 부탁드립니다")),
        ("컨정션 {event}", ("위험도 평가해 줘", "충돌 확률 구해 주세요", "분석 부탁드립니다")),
    ),
    "plan_avoidance": (
        ("{event} 회피 기동", ("계획해 줘", "설계해 줘", "세워 줘", "짜 줘", "계획 세워 줘")),
        ("{event} 회피 기동안", ("만들어 줘", "준비해 줘", "제안해 줘")),
        ("{event} 피하는 기동", ("계획해 줘", "찾아 줘", "설계해 줘", "알려줘")),
        ("{event} 충돌 회피", ("계획 세워 줘", "기동 설계해 줘", "방안 알려줘")),
        ("{event} 회피 방안", ("알려줘", "찾아 줘", "마련해 줘", "제시해 줘")),
        ("{event} 대비 회피 기동", ("계획해 줘", "짜 줘", "설계 부탁해")),
        ("{event} 회피 버른", ("계획해 줘", "계산해 줘", "설계해 줘")),
        ("{event} 회피 기동 계획", ("세워 줘", "수립해 주세요", "짜 줄 수 있어?", "부탁드립니다")),
        ("{event} 피하는 데 필요한 델타V", ("계산해 줘", "구해 주세요", "알려 줄래?")),
        ("{event} CAM", ("계획해 줘", "설계해 주세요", "짜 줘", "준비 부탁드립니다")),
        ("{event} 회피 연소", ("계획해 줘", "설계해 주세요", "계산해 줄래?")),
        ("{event} 건 회피 기동안", ("마련해 주세요", "짜 줘", "제시해 줄 수 있어?")),
        ("{event}에 대한 회피 계획", ("세워 줘", "만들어 주세요", "수립 부탁드립니다")),
        ("{event} 우주 쓰레기 회피 기동", ("설계해 줘", "계획해 주실래요?", "짜 주세요")),
        ("{event} 피해가려면 어떻게 할지", ("계획해 줘", "알려줘", "정리해 주세요")),
        ("{event} 대응 궤도 조정", ("계획해 줘", "설계해 주세요", "짜 줄래?")),
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
        ("<S> 다운링크 스케줄", ("짜 줘", "만들어 주세요", "잡아 줄 수 있어?", "부탁드립니다")),
        ("<S> 안테나 배정", ("해 줘", "계획해 주세요", "최적화해 줄래?")),
        ("<G> 지상국 시간[을/를] <S>에", ("배분해 줘", "할당해 주세요", "나눠 줄래?")),
        ("<S> 교신 일정표", ("만들어 줘", "짜 주세요", "정리 부탁드립니다")),
        ("<S> 패스 배정", ("해 줘", "최적화해 주세요", "해 줄 수 있어?")),
        ("<S> 수신 일정", ("잡아 줘", "짜 주세요", "계획해 줄래?")),
        ("<G>에서 <S> 다운링크 시간", ("잡아 줘", "배정해 주세요", "예약 부탁드립니다")),
        ("<S> 교신 순서", ("정해 줘", "짜 주세요", "최적화해 줘")),
        ("<G> 사용 시간[을/를] <S>에", ("나눠 줘", "분배해 주세요", "배정해 줄래?")),
        ("<S> 지상국 예약", ("잡아 줘", "해 주세요", "계획해 줘")),
        ("<S> 패스 중 쓸 것", ("골라 줘", "정해 주세요", "선택해 줄래?")),
        ("<S> 데이터 수신 계획", ("짜 줘", "세워 주세요", "만들어 줄래?")),
        ("<S> 교신 편성", ("해 줘", "짜 주세요", "부탁해")),
        ("<G> 안테나 운용 계획[을/를] <S> 기준으로", ("짜 줘", "세워 주세요", "만들어 줄래?")),
        ("<S> 교신 시간표", ("만들어 줘", "짜 주세요", "정리해 줄래?")),
        ("<S> 교신 배치", ("해 줘", "부탁해", "해 주세요")),
    ),
    "propose_commands": (
        ("{sat}에 {cmd} 명령", ("준비해 줘", "넣어 줘", "제안해 줘", "올려 줘", "잡아 줘")),
        ("{sat} {cmd} 커맨드", ("준비해 줘", "제안해 줘", "계획해 줘", "만들어 줘")),
        ("{sat}[으로/로] {cmd}", ("보내 줘", "보내는 계획 세워 줘", "명령 준비해 줘")),
        ("{sat} {cmd} 명령안", ("만들어 줘", "준비해 줘", "작성해 줘")),
        ("{sat}에 {cmd} 실행", ("계획해 줘", "예약해 줘", "잡아 줘")),
        ("{cmd} 명령을 {sat}에", ("보내는 계획 만들어 줘", "올려 줘", "예약해 줘")),
        ("{sat}에 {cmd} 원격 명령", ("준비해 줘", "올려 주세요", "제안해 줄래?", "부탁드립니다")),
        ("{sat} 업링크에 {cmd}", ("넣어 줘", "추가해 주세요", "포함해 줄 수 있어?")),
        ("{sat}에 시간 태그 {cmd} 명령", ("예약해 줘", "준비해 주세요", "잡아 줄래?")),
        ("{sat} 명령 로드에 {cmd}", ("추가해 줘", "넣어 주세요", "올려 줄 수 있어?")),
        ("{cmd} 텔레커맨드를 {sat}에", ("보내 줘", "업링크해 주세요", "올려 줄래?")),
        (
            "{sat}[이/가] {cmd} 수행하도록",
            ("명령 준비해 줘", "커맨드 만들어 주세요", "계획 부탁드립니다"),
        ),
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
        "군집 상태 알려줘",
        "위성 건전성 확인해 줘",
        "전체 위성 건전성 요약해 주세요",
        "위성들 이상 없는지 봐 줘",
        "운용 중인 위성 현황 부탁드립니다",
        "위성군 건전성 점검해 줄 수 있어?",
        "모든 위성 상태 체크 부탁해",
        "위성 상태 한 번 훑어봐 줘",
        "위성들 다 정상이야?",
        "운영 중인 위성들 별일 없지?",
        "위성 이상 징후 있어?",
        "위성들 컨디션 어때?",
        "위성 상태 브리핑해 줘",
        "위성 점검 결과 알려줘",
        "위성군 전체 점검 보고 부탁해",
        "우리 위성들 문제 있는 거 있어?",
        "전 위성 헬스 체크해 줘",
        "위성별 상태 요약 좀",
        "위성 운용 현황 알려줘",
        "위성들 다 잘 돌고 있어?",
        "운용 위성들 이상 없이 돌고 있어?",
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
        "우주 기상 현황 알려 주실래요?",
        "지자기 폭풍 경보 있나요?",
        "태양 플레어 소식 있어?",
        "양성자 이벤트 있었어?",
        "Kp 지수 좀 봐줘",
        "오늘 우주 기상 어때요?",
        "태양 활동 현황 부탁드립니다",
        "지자기 지수 확인해 주세요",
        "태양 쪽 조용해?",
        "지자기 교란 있어?",
        "오늘 태양 플럭스 몇이야?",
        "태양풍 세기 어때",
        "우주 환경 괜찮아?",
        "방사선 환경 어때?",
        "CME 온 거 있어?",
        "태양 흑점 활동 어때",
        "NOAA 우주기상 예보 알려줘",
        "지자기 예보 봐줘",
        "Kp 몇이야",
    ),
    "status_and_weather": (
        "위성 상태하고 우주기상 알려줘",
        "위성 현황이랑 Kp 지수 같이 봐 줘",
        "위성들 상태랑 태양 활동 둘 다 알려줘",
        "위성 점검하고 지자기 상황도 확인해 줘",
        "아침 보고: 위성 상태와 우주기상",
        "위성 상태랑 NOAA 경보 같이 알려줘",
        "군집 상태랑 우주 기상 같이 알려줘",
        "위성 건전성하고 Kp 지수 확인해 주세요",
        "위성 현황이랑 지자기 폭풍 여부 알려 줄래?",
        "전체 위성 상태와 태양 플레어 소식 부탁드립니다",
        "위성들 상태랑 우주 기상 한꺼번에 봐줘",
        "위성 상태 점검하고 태양 활동도 알려 주세요",
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
            "good afternoon",
            "morning Cosmo",
            "thanks a lot",
            "much appreciated",
            "that helps, thanks",
            "ok, signing off",
            "talk to you tomorrow",
            "hello, anyone there",
            "thanks for the help",
            "appreciate it",
            "have a good one",
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
            "좋은 아침이에요",
            "고마워요",
            "수고 많으셨어요",
            "도와줘서 고마워",
            "오늘은 여기까지",
            "내일 봐",
            "코스모 반가워요",
            "잘 부탁해",
            "좋은 하루 보내",
            "감사해요",
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
            "how does {t} work",
            "what's the idea behind {t}",
            "could you describe {t}",
            "why does {t} matter",
            "explain {t} to a new engineer",
            "what's meant by {t}",
            "give me the basics of {t}",
        ),
        "ko": (
            "{t}[이/가] 뭐야?",
            "{t} 설명해 줘",
            "{t}에 대해 알려줘",
            "{t}[이/가] 무슨 뜻이야?",
            "{t} 쉽게 설명해 줄래?",
            "{t}[을/를] 모르겠어",
            "{t} 개념 알려줘",
            "{t}[이/가] 뭔지 설명해 주세요",
            "{t}에 대해 간단히 알려 주실래요?",
            "{t} 원리가 궁금해",
            "{t}[이/가] 왜 중요해?",
            "{t} 기본 개념 설명 부탁드립니다",
            "신입한테 설명하듯이 {t} 알려줘",
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
            "can you write {t}",
            "draft {t} for me",
            "recommend {t}",
            "tell me {t}",
            "please handle {t}",
            "I want help with {t}",
        ),
        "ko": (
            "{t} 해 줘",
            "{t} 좀 부탁해",
            "{t} 알려줘",
            "{t} 도와줘",
            "{t} 찾아 줘",
            "{t} 좀 해 주세요",
            "{t} 추천해 줘",
            "{t} 부탁드립니다",
            "{t} 알아봐 줄래?",
            "{t} 좀 찾아봐 줘",
        ),
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
        "the semi-major axis",
        "the argument of perigee",
        "the true anomaly",
        "a Molniya orbit",
        "the Tsiolkovsky rocket equation",
        "a gravity assist",
        "the Clohessy-Wiltshire equations",
        "a Walker constellation",
        "an eclipse season",
        "the SGP4 model",
        "a proton event",
        "the time of closest approach",
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
        "장반경",
        "근지점 인수",
        "진근점 이각",
        "몰니야 궤도",
        "치올콥스키 로켓 방정식",
        "중력 도움",
        "워커 군집",
        "식 기간",
        "SGP4 모델",
        "양성자 이벤트",
        "최근접 거리",
        "최근접 시각",
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
        "a Python script to sort a list",
        "a bug in my React app",
        "a SQL query for sales data",
        "the NBA playoff results",
        "a limerick about cats",
        "a thank-you email to my manager",
        "whether it will rain in Daejeon this weekend",
        "the baseball standings",
        "a vacation itinerary for Jeju",
        "a pasta recipe",
        "a French translation of my resume",
        "the stock market today",
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
        "파이썬 코드 디버깅",
        "SQL 쿼리 작성",
        "야구 경기 결과",
        "주말 대전 날씨",
        "고양이에 대한 시",
        "팀장님께 보낼 감사 메일",
        "제주도 여행 일정",
        "파스타 레시피",
        "주식 시장 동향",
        "이력서 번역",
        "자바스크립트 오류 해결",
        "영어 회화 공부",
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

_AGE_EN: Final = (
    "how old are the element sets", "which satellite has the oldest TLE",
    "are any TLEs stale", "element ages for the fleet", "list the TLE epochs",
    "how fresh is our orbit data", "when were the elements last updated",
    "check element set ages", "which orbits are out of date",
    "show each satellite's element age", "any old elements in the fleet",
    "TLE age report",
)  # fmt: skip
_AGE_KO: Final = (
    "궤도요소 나이 알려줘", "TLE 제일 오래된 위성 어디야?", "오래된 TLE 있어?",
    "위성별 요소 에포크 보여줘", "궤도 데이터 얼마나 최신이야?", "TLE 갱신 언제 됐어?",
    "요소 나이 점검해 줘", "궤도 정보 낡은 위성 있나요?", "위성마다 TLE 며칠 됐는지 알려줘",
    "궤도요소 신선도 확인 부탁해", "TLE 에포크 목록 줘", "오래된 궤도요소 찾아줘",
)  # fmt: skip
_EN_BARE["element_age"] = _AGE_EN
_KO_BARE["element_age"] = _AGE_KO

# Two calls in one request: the first intent composed as usual, then a clause asking for the
# second, which refers back to the first and repeats none of its slots (so both calls carry
# the same satellites, stations and span).
_FIRST: Final = {"screen_and_weather": "screen_conjunctions", "passes_and_schedule": "find_passes"}
_SECOND: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "screen_and_weather": {
        "en": ("Also, how's the space weather?", "And check the space weather too.",
               "Plus the current Kp and any flares.", "Then give me a space weather update.",
               "And is there a geomagnetic storm?"),
        "ko": ("우주기상도 알려줘", "그리고 지자기 상황도 봐줘", "태양 활동도 같이 확인해 줘",
               "Kp 지수도 알려주세요", "우주날씨도 부탁해"),
    },
    "passes_and_schedule": {
        "en": ("Then schedule the contacts.", "And build a downlink schedule from them.",
               "Then allocate the station time {obj}.", "And plan the contacts {obj}.",
               "Turn that into a contact schedule."),
        "ko": ("그걸로 교신 일정도 잡아줘", "다운링크 스케줄도 짜줘", "{obj} 교신 배정까지 해줘",
               "그 패스들로 교신 계획 세워줘", "지상국 배정도 부탁해"),
    },
}  # fmt: skip

# A fleet part and a space-weather part joined into one request (besides the whole
# sentences of status_and_weather above).
_STATUS_PARTS: Final = {
    "en": ("the fleet status", "how the birds are doing", "a health check on the satellites",
           "any issues on the spacecraft", "the state of the constellation",
           "a rundown of every satellite", "anything off-nominal in the fleet",
           "the satellite health summary"),
    "ko": ("위성 상태", "위성들 건전성", "전체 위성 현황", "위성 이상 여부", "위성군 점검 결과",
           "우리 위성들 상태"),
}  # fmt: skip
_WEATHER_PARTS: Final = {
    "en": ("the space weather", "how active the Sun is", "the latest Kp",
           "any geomagnetic activity", "any flares", "the solar wind conditions",
           "any SWPC warnings", "whether a storm is brewing", "the radiation environment"),
    "ko": ("우주기상", "태양 활동", "지자기 상황", "Kp 지수", "태양풍 상태", "방사선 환경",
           "플레어 소식", "지자기 폭풍 여부"),
}  # fmt: skip
_JOINS: Final = {
    "en": ("give me {a} and {b}", "{a}, plus {b}", "{a}. Also {b}", "check {a} as well as {b}",
           "I need {a} and {b}", "{b} and {a}", "both {a} and {b}"),
    "ko": ("{a}하고 {b} 같이 알려줘", "{a}랑 {b} 둘 다 봐 줘", "{a} 확인하고 {b}도 알려줘",
           "{b}와 {a} 같이 정리해 줘", "{a}, {b} 한꺼번에 보고해 줘"),
}  # fmt: skip


def _status_and_weather(rng: random.Random, lang: Lang) -> str:
    join = rng.choice(_JOINS[lang])
    return join.format(a=rng.choice(_STATUS_PARTS[lang]), b=rng.choice(_WEATHER_PARTS[lang]))


COMPOSED_INTENTS: Final = tuple(_EN) + tuple(_EN_BARE) + tuple(_NO_TOOL) + tuple(_FIRST)
"""Intents :func:`compose` can write."""


# -- style: how people vary the same request ---------------------------------------------------
# Applied after a request is composed, never inside a slot. English: indirect requests, British
# spellings, operators' shorthand. Korean: spacing (compounds and verb endings are often written
# together or apart), polite and indirect endings, and the terse register of operations logs.

_INDIRECT_EN: Final = (
    "I was wondering if you could ",
    "Would it be possible to ",
    "Any chance you could ",
    "I'd appreciate it if you could ",
    "Is it possible to ",
    "Go ahead and ",
    "Make sure to ",
    "We need to ",
    "I want you to ",
    "Help me ",
    "Let's ",
    "Just ",
    "Try to ",
)
_BRITISH: Final = (
    (r"optimiz", "optimis"), (r"prioritiz", "prioritis"), (r"maneuver", "manoeuvre"),
    (r"analyz", "analys"), (r"summariz", "summaris"), (r"minimiz", "minimis"),
    (r"maximiz", "maximis"), (r"behavior", "behaviour"), (r"organiz", "organis"),
)  # fmt: skip
_SHORTHAND_EN: Final = (
    (r"\bsatellites\b", "sats"), (r"\bsatellite\b", "sat"), (r"\bplease\b", "pls"),
    (r"\bwith\b", "w/"), (r"\band\b", "&"), (r"\binformation\b", "info"),
    (r"\bschedule\b", "sched"), (r"\bthe\s+", ""), (r"\byou\b", "u"),
)  # fmt: skip
# verb endings after "…아/어/해": polite, indirect, wishful
_KO_GIVE_ENDINGS: Final = (
    "주실 수 있을까요?", "주시겠어요?", "주면 좋겠어", "줬으면 해", "주시기 바랍니다",
    "줄 수 있나요?", "주시면 감사하겠습니다", "주라", "줄 수 있어요?", "주셨으면 합니다",
)  # fmt: skip
# the terse register: "계산 바람", "확인 요망"
_KO_TERSE_NOUNS: Final = (
    "계산|확인|예측|분석|평가|점검|정리|보고|계획|설계|스크리닝|전파|생성|배정|최적화|준비|작성"
    "|검사|수립|배분|할당|예약|추가|검색"
)
_KO_TERSE: Final = ("바람", "요망", "바랍니다", "요청합니다", "요청", "부탁", "좀", "부탁합니다")
_SLOT_OR_MARK = re.compile(r"\{\w+\}|\[[^\]]*\]")


def _outside_slots(text: str, change: Callable[[str], str]) -> str:
    """Apply ``change`` to the text between slots (``{sat}``, ``[이/가]``) only."""
    out, last = [], 0
    for m in _SLOT_OR_MARK.finditer(text):
        out += [change(text[last : m.start()]), m.group(0)]
        last = m.end()
    return "".join([*out, change(text[last:])])


def _sub(pattern: str, replacement: str, flags: int, text: str) -> str:
    return re.sub(pattern, replacement, text, flags=flags)


def _style_en(rng: random.Random, text: str) -> str:
    if rng.random() < 0.2:
        for pattern, british in _BRITISH:
            text = _outside_slots(text, partial(_sub, pattern, british, 0))
    if rng.random() < 0.12:
        chosen = [pair for pair in _SHORTHAND_EN if rng.random() < 0.5]
        for pattern, short in chosen:
            text = _outside_slots(text, partial(_sub, pattern, short, re.I))
    return text


def _style_ko(rng: random.Random, text: str) -> str:
    """Korean endings and spacing (the text has no opener or closer yet)."""
    roll = rng.random()
    if roll < 0.15:
        text = re.sub(
            rf"({_KO_TERSE_NOUNS})\s?해\s?(?:줘|주세요|줄래\?|주실래요\?|줄 수 있어\?)$",
            lambda m: f"{m[1]} {rng.choice(_KO_TERSE)}",
            text,
        )
    elif roll < 0.35:
        text = re.sub(r"(\S)\s?줘$", lambda m: f"{m[1]} {rng.choice(_KO_GIVE_ENDINGS)}", text)
    if rng.random() < 0.3:
        # write some Hangul compounds and "해 줘" together ("궤도전파", "계산해줘")
        def squeeze(s: str) -> str:
            return re.sub(
                r"(?<=[\uac00-\ud7a3]) (?=[\uac00-\ud7a3])",
                lambda m: "" if rng.random() < 0.5 else " ",
                s,
            )

        text = _outside_slots(text, squeeze)
    return text


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
    if intent == "status_and_weather" and rng.random() < 0.5:
        return _finish_en(rng, _status_and_weather(rng, "en"), rng.random() < 0.4)
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
    elif kind == "verb" and rng.random() < 0.15:
        body = rng.choice(_INDIRECT_EN).lower() + body
    elif kind == "noun":
        body = rng.choice(_HEADS_EN) + " " + body
    question = kind == "ask" or body.startswith(
        ("could ", "can ", "would ", "any chance ", "is it possible ")
    )
    return _finish_en(rng, _style_en(rng, _refs(rng, body)), question)


def _compose_ko(rng: random.Random, intent: str) -> str:
    if intent == "status_and_weather" and rng.random() < 0.5:
        text = _status_and_weather(rng, "ko")
    elif intent in _KO_BARE:
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
        text = _style_ko(rng, _refs(rng, text))
    text = rng.choice(_OPENERS_KO) + text + rng.choice(_CLOSERS_KO)
    if rng.random() < 0.3:
        text = re.sub(r"[.?!]$", "", text)
    return text


def compose(rng: random.Random, intent: str, lang: Lang) -> str:
    """One request template for ``intent`` in ``lang`` (slots unfilled, see module doc)."""
    if intent not in COMPOSED_INTENTS:
        raise ValueError(f"no composed phrasings for intent {intent!r}")
    if intent in _FIRST:
        first = compose(rng, _FIRST[intent], lang)
        second = rng.choice(_SECOND[intent][lang])
        if lang == "ko":
            return re.sub(r"[.?!]?$", rng.choice((", ", ". ", " ")), first, count=1) + second
        return first + (" " if first.endswith((".", "?", "!")) else ". ") + second
    return _compose_en(rng, intent) if lang == "en" else _compose_ko(rng, intent)
