"""The rules planner's briefing quotes the Pc the assessment reports, and says when it is
Hall's 3-D value (CARA's 2-D usage checks fired), not Foster's 2-D one."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from cosmo_agent.agent import briefing
from cosmo_agent.tools.mission import load_mission
from cosmo_agent.tools.toolkit import ConjunctionAssessment, ObjectRef

MISSION = load_mission(Path(__file__).parents[1] / "missions" / "conjunction.yaml")
_EVENT = {
    "event_id": "CONJ-0001",
    "primary": ObjectRef(norad_id=29499, name="METOP-A", in_fleet=True),
    "secondary": ObjectRef(norad_id=29500, name="FENGYUN 1C DEB", in_fleet=False),
    "miss_km": 0.2,
    "tca_utc": datetime(2026, 6, 11, 18, 28, 41, tzinfo=UTC),
    "pc_foster": 2.3e-20,
    "pc_max": 1e-3,
    "action": "plan_avoidance",
}


def test_a_slow_encounter_is_briefed_with_its_3d_pc() -> None:
    slow = ConjunctionAssessment.model_construct(**_EVENT, pc=1.93e-5, pc_method="pc3d_hall")
    text = briefing._assessment(slow, MISSION, ko=False)
    assert "Pc 1.9e-05 [pc3d_hall]" in text and "2.3e-20" not in text
    assert "1.9e-05 [pc3d_hall]" in briefing._assessment(slow, MISSION, ko=True)


def test_a_fast_encounter_reads_as_before() -> None:
    fast = ConjunctionAssessment.model_construct(
        **{**_EVENT, "pc_foster": 4.3e-4}, pc=4.3e-4, pc_method="foster_2d"
    )
    assert "Pc 4.3e-04 (max" in briefing._assessment(fast, MISSION, ko=False)


def test_the_fleet_briefing_gives_each_satellite_its_element_age_and_epoch() -> None:
    """"How old are KOMPSAT 3A's elements?" is answered with the age itself, not only a count;
    the ages are checked against python-sgp4's own reading of the mission's TLE epochs."""
    from sgp4.api import Satrec

    from cosmo_agent.tools.context import ToolContext
    from cosmo_agent.tools.toolkit import FleetStatusArgs, fleet_status

    demo = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    now = datetime(2026, 6, 12, tzinfo=UTC)
    result = fleet_status(ToolContext.from_mission(demo, now=now), FleetStatusArgs())
    text = briefing._fleet(result, demo, ko=False)
    sample = (Path(__file__).parents[1] / "tools" / "data" / "sample-leo.3le").read_text()
    lines = sample.splitlines()
    epochs: dict[int, datetime] = {}
    for l1, l2 in pairwise(lines):
        if l1.startswith("1 ") and l2.startswith("2 "):
            sat = Satrec.twoline2rv(l1, l2)
            jd = sat.jdsatepoch + sat.jdsatepochF
            epochs[sat.satnum] = max(
                epochs.get(sat.satnum, datetime.min.replace(tzinfo=UTC)),
                datetime.fromtimestamp((jd - 2440587.5) * 86400.0, tz=UTC),
            )
    for s in demo.fleet:
        hours = (now - epochs[s.norad_id]).total_seconds() / 3600
        assert f"{s.name} {hours:.1f} h (" in text, (s.name, hours, text)
    ko = briefing._fleet(result, demo, ko=True)
    assert "궤도요소 나이: " in ko and "시간 (2026-06-10" in ko
