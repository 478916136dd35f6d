"""The rules planner's briefing quotes the Pc the assessment reports, and says when it is
Hall's 3-D value (CARA's 2-D usage checks fired), not Foster's 2-D one."""

from __future__ import annotations

from pathlib import Path

from cosmo_agent.agent import rules
from cosmo_agent.tools.mission import load_mission

MISSION = load_mission(Path(__file__).parents[1] / "missions" / "conjunction.yaml")
_EVENT = {
    "event_id": "CONJ-0001",
    "primary": {"name": "METOP-A"},
    "secondary": {"name": "FENGYUN 1C DEB"},
    "miss_km": 0.2,
    "tca_utc": "2026-06-11T18:28:41Z",
    "pc_foster": 2.3e-20,
    "pc_max": 1e-3,
    "action": "plan_avoidance",
}


def test_a_slow_encounter_is_briefed_with_its_3d_pc() -> None:
    slow = {**_EVENT, "pc": 1.93e-5, "pc_method": "pc3d_hall"}
    text = rules._assessment(slow, MISSION, ko=False)
    assert "Pc 1.9e-05 [pc3d_hall]" in text and "2.3e-20" not in text
    assert "1.9e-05 [pc3d_hall]" in rules._assessment(slow, MISSION, ko=True)


def test_a_fast_encounter_reads_as_before() -> None:
    fast = {**_EVENT, "pc_foster": 4.3e-4, "pc": 4.3e-4, "pc_method": "foster_2d"}
    assert "Pc 4.3e-04 (max" in rules._assessment(fast, MISSION, ko=False)
    older = {k: v for k, v in fast.items() if k not in ("pc", "pc_method")}
    assert "Pc 4.3e-04 (max" in rules._assessment(older, MISSION, ko=False)
