"""The rules planner's briefing quotes the Pc the assessment reports, and says when it is
Hall's 3-D value (CARA's 2-D usage checks fired), not Foster's 2-D one."""

from __future__ import annotations

from datetime import UTC, datetime
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
