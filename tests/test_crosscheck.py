"""validate_plan with sources: independent re-derivation from the mission's own data
(agent/crosscheck.py), not from the plan's claims. Outside authority for a forged contact:
skyfield's SGP4 and WGS84 topocentric elevation."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cosmo_agent.agent.cli import main
from cosmo_agent.agent.plan import CommandPlan, PlanContact, UplinkContact
from cosmo_agent.agent.planners import ScriptedPlanner
from cosmo_agent.agent.runner import Agent
from cosmo_agent.agent.validator import ValidationReport, validate_plan
from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.tools.mission import Mission, load_mission
from cosmo_agent.tools.registry import ToolContext

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "missions" / "demo.yaml"
CROSSCHECK_RULES = [
    "time.future_data",
    "uplink.no_pass",
    "uplink.rate_exceeds_antenna",
    "downlink.volume_mismatch",
    "elements.stale_at_command",
    "policy.safe_mode_missing",
    "policy.downlink_after_safe_mode",
    "policy.maneuver_rescreen_conjunction",
]
"""The rules only a validation with sources reports; each is exercised below."""
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture(scope="module")
def mission() -> Mission:
    return load_mission(DEMO)


@pytest.fixture(scope="module")
def plan(mission: Mission) -> CommandPlan:
    result = Agent(mission, planner="rules").plan(approve_all=True)
    return result.plan


def _check(plan: CommandPlan, mission: Mission, now: datetime | None = None) -> ValidationReport:
    now = now or plan.created_at
    return validate_plan(plan, mission, now=now, sources=ToolContext.from_mission(mission, now=now))


def _edit(plan: CommandPlan, fn: Any) -> CommandPlan:
    data = json.loads(plan.model_dump_json())
    fn(data)
    return CommandPlan.model_validate(data)


def _shift(node: Any, by: timedelta) -> Any:
    if isinstance(node, dict):
        return {k: _shift(v, by) for k, v in node.items()}
    if isinstance(node, list):
        return [_shift(v, by) for v in node]
    if isinstance(node, str) and _ISO.match(node):
        when = datetime.fromisoformat(node.replace("Z", "+00:00")) + by
        return when.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return node


def test_a_genuine_plan_passes_the_crosscheck(plan: CommandPlan, mission: Mission) -> None:
    report = _check(plan, mission)
    assert report.ok, report.violations
    assert not report.rule_ids() & {*CROSSCHECK_RULES, "policy.space_weather_unknown"}


def test_a_plan_shifted_25_years_back_is_refused(
    plan: CommandPlan, mission: Mission, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shifted = CommandPlan.model_validate(
        _shift(json.loads(plan.model_dump_json()), -timedelta(days=round(25 * 365.25)))
    )
    assert shifted.created_at.year == 2001
    before = validate_plan(shifted, mission, now=shifted.created_at)
    assert "elements.stale_at_command" not in before.rule_ids()
    after = _check(shifted, mission)
    assert not after.ok and "elements.stale_at_command" in after.rule_ids()
    stale = [v for v in after.violations if v.rule == "elements.stale_at_command"]
    assert len(stale) == len({c.satellite.norad_id for c in shifted.commands})
    # The age the message states is the gap between the epoch and the command time it names,
    # about the 25 years the plan was shifted by.
    said = re.search(r"\(epoch (\S+)\) are ([0-9.]+) days from \S+ at (\S+) ", stale[0].message)
    assert said is not None, stale[0].message
    epoch, at = (datetime.fromisoformat(said[k].replace("Z", "+00:00")) for k in (1, 3))
    age_days = float(said[2])
    assert age_days == pytest.approx(abs((at - epoch).total_seconds()) / 86400.0, abs=0.05)
    assert 9000.0 < age_days < 9300.0
    path = tmp_path / "shifted.json"
    path.write_text(shifted.model_dump_json(), encoding="utf-8")
    now = shifted.created_at.isoformat().replace("+00:00", "Z")
    code = main(["validate", str(path), "--mission", str(DEMO), "--now", now])
    out = capsys.readouterr().out
    assert code == 1 and out.startswith("FAILED") and "elements.stale_at_command" in out


def test_a_forged_contact_has_no_pass(plan: CommandPlan, mission: Mission) -> None:
    sat_id, station_id, antenna_id = 40697, "DAEJEON", "DJ-X1"  # SENTINEL 2A
    when = datetime(2026, 6, 10, 18, 0, tzinfo=UTC)
    station = mission.station(station_id)
    skyfield = pytest.importorskip("skyfield.api")
    lines = (ROOT / "tools" / "data" / "sample-leo.3le").read_text(encoding="utf-8").splitlines()
    row = next(
        k for k, line in enumerate(lines) if line.startswith("1 ") and int(line[2:7]) == sat_id
    )
    sat = skyfield.EarthSatellite(lines[row], lines[row + 1], ts=skyfield.load.timescale())
    site = skyfield.wgs84.latlon(station.lat_deg, station.lon_deg, elevation_m=station.alt_m)
    ts = skyfield.load.timescale()
    for dt in (-60, 0, 60):  # the forged contact +- a minute is below the station's mask
        alt, _, _ = (sat - site).at(ts.from_datetime(when + timedelta(seconds=dt))).altaz()
        assert alt.degrees < station.min_elevation_deg, alt.degrees
    aos, los = when - timedelta(minutes=3), when + timedelta(minutes=3)

    def forge(data: dict[str, Any]) -> None:
        i = next(
            k for k, c in enumerate(data["commands"])
            if c["satellite"]["norad_id"] == sat_id and c["command"] == "START_DOWNLINK"
        )  # fmt: skip
        cmd = data["commands"][i]
        cmd["time"] = when.isoformat()
        cmd["uplink"] = UplinkContact(
            station_id=station_id, antenna_id=antenna_id, aos=aos, los=los
        ).model_dump(mode="json")
        data["contacts"].append(
            PlanContact(
                satellite_id=sat_id, station_id=station_id, antenna_id=antenna_id, aos=aos, los=los
            ).model_dump(mode="json")
        )
        data["forged_index"] = i

    forged_data = json.loads(plan.model_dump_json())
    forge(forged_data)
    index = forged_data.pop("forged_index")
    forged = CommandPlan.model_validate(forged_data)
    before = validate_plan(forged, mission, now=forged.created_at)
    assert not before.rule_ids() & {"uplink.unscheduled", "uplink.outside_window", "uplink.no_pass"}
    after = _check(forged, mission)
    hits = [v for v in after.violations if v.rule == "uplink.no_pass"]
    assert [v.command_index for v in hits] == [index]
    assert hits[0].message.startswith("SENTINEL 2A over DAEJEON has no pass containing")
    assert "nearest: " in hits[0].message


def test_safe_mode_removed_is_refused(plan: CommandPlan, mission: Mission) -> None:
    def drop(data: dict[str, Any]) -> None:
        data["commands"] = [
            c for c in data["commands"]
            if not (c["command"] == "SAFE_MODE_ENTER" and c["satellite"]["norad_id"] == 38338)
        ]  # fmt: skip
        data["alerts"] = []  # the plan's own alerts cannot hide it: they are re-derived

    edited = _edit(plan, drop)
    before = validate_plan(edited, mission, now=edited.created_at)
    assert "coverage.incomplete" not in before.rule_ids()
    report = _check(edited, mission)
    missing = [v for v in report.violations if v.rule == "policy.safe_mode_missing"]
    assert len(missing) == 1 and "KOMPSAT 3 in safe mode" in missing[0].message


def test_downlink_after_safe_mode_is_refused(plan: CommandPlan, mission: Mission) -> None:
    aos = datetime(2026, 6, 11, 2, 48, 52, 965000, tzinfo=UTC)  # a NOAA 19 pass over FAIRBANKS
    los = datetime(2026, 6, 11, 2, 58, 36, 114000, tzinfo=UTC)

    def add(data: dict[str, Any]) -> None:
        cmd = dict(next(c for c in data["commands"] if c["command"] == "START_DOWNLINK"))
        cmd.update(
            time=(aos + timedelta(seconds=10)).isoformat(),
            satellite={"norad_id": 33591, "name": "NOAA 19"},
            parameters={"duration_s": 300, "rate_mbps": 300.0},
            uplink=UplinkContact(
                station_id="FAIRBANKS", antenna_id="FB-1", aos=aos, los=los
            ).model_dump(mode="json"),
        )
        data["commands"].append(cmd)

    edited = _edit(plan, add)
    report = _check(edited, mission)
    after = [v for v in report.violations if v.rule == "policy.downlink_after_safe_mode"]
    assert [v.command_index for v in after] == [len(edited.commands) - 1]
    assert "uplink.no_pass" not in report.rule_ids()


def test_created_in_the_future_is_refused(plan: CommandPlan, mission: Mission) -> None:
    edited = plan.model_copy(update={"created_at": plan.created_at + timedelta(days=1)})
    report = _check(edited, mission, now=plan.created_at)
    assert "time.future_data" in report.rule_ids()
    assert "time.future_data" not in validate_plan(edited, mission, now=plan.created_at).rule_ids()


def test_a_rate_above_the_antenna_is_refused(plan: CommandPlan, mission: Mission) -> None:
    i = next(
        k for k, c in enumerate(plan.commands)
        if c.command == "START_DOWNLINK" and c.uplink and c.uplink.antenna_id == "FB-1"
    )  # fmt: skip

    def faster(data: dict[str, Any]) -> None:
        data["commands"][i]["parameters"]["rate_mbps"] = 400.0  # FB-1: 300 Mbit/s

    report = _check(_edit(plan, faster), mission)
    hits = [v for v in report.violations if v.rule == "uplink.rate_exceeds_antenna"]
    assert [v.command_index for v in hits] == [i] and "at most 300 Mbit/s" in hits[0].message

    def omitted(data: dict[str, Any]) -> None:  # the dictionary default (320) applies
        data["commands"][i]["parameters"].pop("rate_mbps", None)

    report = _check(_edit(plan, omitted), mission)
    hits = [v for v in report.violations if v.rule == "uplink.rate_exceeds_antenna"]
    assert [v.command_index for v in hits] == [i] and "asks for 320 Mbit/s" in hits[0].message


def _claimed_mbit(text: str) -> float:
    found = re.match(r"downlink (\d+\.\d) Mbit scheduled on ", text)
    assert found is not None, text
    return float(found[1])


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        ("claim x10", "10x what its whole contact carries"),
        ("claim /10", "0.109x what it delivers"),
        ("rate 100", "3.2x what its whole contact carries"),
    ],
)
def test_a_volume_claim_is_recomputed(
    plan: CommandPlan, mission: Mission, edit: str, says: str
) -> None:
    """The volume a downlink's rationale claims is recomputed from the command: claimed 10
    times over, or a tenth of it, or left as it was while the rate drops from 320 to 100
    Mbit/s, it is not what the downlink and its contact carry. (Compose claims the contact's
    volume at the command's rate, AOS to LOS; the command transmits its duration_s from its
    start, 495 of the contact's 539.8 s here.)"""
    i = next(
        k for k, c in enumerate(plan.commands)
        if c.command == "START_DOWNLINK" and c.uplink and c.uplink.antenna_id == "DJ-X1"
    )  # fmt: skip
    cmd = plan.commands[i]
    claimed = _claimed_mbit(cmd.rationale.text)
    assert cmd.uplink is not None and cmd.parameters["rate_mbps"] == 320.0  # DJ-X1: 640
    whole_s = (cmd.uplink.los - cmd.uplink.aos).total_seconds()
    assert claimed == pytest.approx(320.0 * whole_s, abs=0.05)
    assert 320.0 * float(cmd.parameters["duration_s"]) < claimed

    def change(data: dict[str, Any]) -> None:
        c = data["commands"][i]
        if edit.startswith("claim"):
            factor = 10.0 if edit == "claim x10" else 0.1
            text = f"downlink {claimed * factor:.1f} Mbit"
            c["rationale"]["text"] = c["rationale"]["text"].replace(
                f"downlink {claimed} Mbit", text
            )
        else:
            c["parameters"]["rate_mbps"] = 100.0

    report = _check(_edit(plan, change), mission)
    hits = [v for v in report.violations if v.rule == "downlink.volume_mismatch"]
    assert [v.command_index for v in hits] == [i], report.violations
    message = hits[0].message
    assert message.startswith(
        f"START_DOWNLINK for {cmd.satellite.name} at {cmd.time.isoformat()[:19]}Z on"
        f" {cmd.uplink.station_id}/DJ-X1 claims "
    )
    assert f" Mbit ({says}): at " in message, message
    assert message.endswith("(tolerance 1% + 1 s); correct the claim or the command")
    assert report.rule_ids("error") == {"downlink.volume_mismatch"}


def test_every_crosscheck_rule_is_known() -> None:
    from typing import get_args

    from cosmo_agent.agent.validator import RULES, RuleId

    assert set(CROSSCHECK_RULES) <= set(get_args(RuleId)) == set(RULES)


# -- during plan: the graph's validate step re-derives too -----------------------------------


def _requests_only(tmp_path: Path, request: str) -> Mission:
    text = DEMO.read_text(encoding="utf-8")
    path = tmp_path / "requests.yaml"
    path.write_text(
        f"{text[: text.index('objectives:')]}objectives: []\nrequests:\n  - {request}\n",
        encoding="utf-8",
    )
    return load_mission(path)


def test_a_plan_run_that_never_read_the_space_weather_is_incomplete(tmp_path: Path) -> None:
    """No objective asks for space weather and the planner never reads it: the plan covers its
    one request, but the S3 storm at the mission's clock needs three satellites in safe mode.
    Without sources the graph accepted it; with them it is incomplete (a safety policy unmet),
    not rejected (no command in it is wrong)."""
    mission = _requests_only(tmp_path, "screen conjunctions for KOMPSAT 5 over the next 2 days")
    screen = {"name": "screen_conjunctions", "args": {"satellites": ["K5"], "duration_h": 48}}
    with Agent(mission, planner=ScriptedPlanner([screen, "screened"])) as agent:
        result = agent.plan(approve_all=True)
    assert result.plan is not None and result.plan.gaps == [] and result.plan.commands == []
    assert validate_plan(result.plan, mission, now=result.plan.created_at).ok  # self-consistent
    assert result.status == "incomplete", result.reasons
    missing = [r for r in result.reasons if r.startswith("policy.safe_mode_missing")]
    assert len(missing) == 3
    for name in ("KOMPSAT 3", "KOMPSAT 3A", "NOAA 19"):
        assert sum(f" puts {name} in safe mode " in r for r in missing) == 1, name
    assert all(r.startswith("policy.safe_mode_missing") for r in result.reasons)


def test_recorded_gaps_stay_incomplete_with_sources(mission: Mission) -> None:
    """A planner that calls nothing: every objective is a gap, and the re-derived space weather
    adds the safe modes missing; none of it is a rejection."""
    with Agent(mission, planner=ScriptedPlanner(["All good, nothing to do."])) as agent:
        result = agent.plan(approve_all=True)
    assert result.status == "incomplete"
    rules = [r.split(":")[0] for r in result.reasons]
    assert set(rules) == {"coverage.incomplete", "policy.safe_mode_missing"}
    assert rules.count("policy.safe_mode_missing") == 3


def test_the_plan_run_validates_against_the_sources(
    plan: CommandPlan, mission: Mission, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The graph passes the run's data to validate_plan (a fresh context at the run's clock)."""
    from cosmo_agent.agent import graph

    seen: list[ToolContext | None] = []
    real = graph.validate_plan

    def spy(*args: Any, **kwargs: Any) -> ValidationReport:
        seen.append(kwargs.get("sources"))
        return real(*args, **kwargs)

    monkeypatch.setattr(graph, "validate_plan", spy)
    result = Agent(mission, planner="rules").plan(approve_all=True)
    assert result.status == "accepted" and len(seen) >= 2  # validate and emit
    assert all(s is not None and s.now == plan.created_at for s in seen)
    assert all(s is not None and s.mission is mission for s in seen)


# -- policy.maneuver_rescreen_conjunction: burns re-screened from the catalog ----------------

CONJUNCTION = ROOT / "missions" / "conjunction.yaml"
CONJUNCTION_3LE = ROOT / "tools" / "data" / "conjunction-2026-06-10.3le"
AQUA, CROSSER = 27424, 99001


@pytest.fixture(scope="module")
def conjunction() -> Mission:
    return load_mission(CONJUNCTION)


@pytest.fixture(scope="module")
def burn_plan(conjunction: Mission) -> CommandPlan:
    """The conjunction scenario's plan: AQUA's avoidance burn, screened by plan_avoidance (one
    approver for two roles: rejected for that alone, which does not matter here)."""
    result = Agent(conjunction, planner="rules").plan(approve_all=True)
    assert result.plan is not None
    assert [c.command for c in result.plan.commands].count("ORBIT_MANEUVER") == 1
    return result.plan


def _burn(plan: CommandPlan) -> tuple[int, datetime, tuple[float, float, float]]:
    [(i, cmd)] = [(i, c) for i, c in enumerate(plan.commands) if c.command == "ORBIT_MANEUVER"]
    epoch = datetime.fromisoformat(str(cmd.parameters["burn_epoch"]).replace("Z", "+00:00"))
    dv = tuple(float(cmd.parameters[k]) for k in ("dv_radial_m_s", "dv_along_m_s", "dv_cross_m_s"))
    return i, epoch, (dv[0], dv[1], dv[2])


def _tle_as(lines: tuple[str, str], norad_id: int) -> str:
    """Two TLE lines renumbered (checksums recomputed)."""
    out = []
    for line in lines:
        body = f"{line[:2]}{norad_id:05d}{line[7:68]}"
        out.append(body + str(sum(int(c) if c.isdigit() else c == "-" for c in body) % 10))
    return "\n".join(out)


def _crossing_catalog(plan: CommandPlan, after_burn: timedelta) -> Catalog:
    """The mission's catalog plus an object on a crossing orbit that the burned AQUA meets
    ``after_burn`` after its burn: the post-burn state at that time, its velocity turned 90°
    about the radius and 5 % faster (an eccentric orbit touching AQUA's at one point, with
    another period, so the two meet there once), fitted as an element set."""
    import numpy as np
    from sgp4.api import jday
    from sgp4.exporter import export_tle

    from cosmo_agent.orbital.maneuver import apply_impulse, fit_satrec

    text = CONJUNCTION_3LE.read_text(encoding="utf-8")
    catalog = Catalog.from_tle_text(text)
    aqua = catalog.satrecs[int(catalog.index_of([AQUA])[0])]
    _, epoch, dv = _burn(plan)
    burned = apply_impulse(aqua, epoch, dv)
    assert burned.status == 0 and burned.satrec is not None
    meet = epoch + after_burn
    err, r, v = burned.satrec.sgp4(
        *jday(*meet.timetuple()[:5], meet.second + meet.microsecond / 1e6)
    )
    assert err == 0
    r, v = np.asarray(r), np.asarray(v)
    up = r / np.linalg.norm(r)
    across = np.cross(up, v)
    v_cross = across / np.linalg.norm(across) * np.linalg.norm(v) * 1.05 + up * (v @ up)
    crosser = fit_satrec(r, v_cross, meet, aqua)
    assert crosser.status == 0 and crosser.satrec is not None
    line = _tle_as(export_tle(crosser.satrec), CROSSER)
    return Catalog.from_tle_text(f"{text.rstrip()}\nCROSSER\n{line}\n")


def _rescreened(plan: CommandPlan, mission: Mission, catalog: Catalog | None) -> ValidationReport:
    now = plan.created_at
    sources = ToolContext.from_mission(mission, now=now, catalog=catalog)
    return validate_plan(plan, mission, now=now, sources=sources)


def test_the_screened_burn_passes_the_rescreen(
    burn_plan: CommandPlan, conjunction: Mission
) -> None:
    report = _rescreened(burn_plan, conjunction, None)
    assert "policy.maneuver_rescreen_conjunction" not in report.rule_ids()
    assert report.rule_ids("error") == {"approval.same_person"}


def test_a_burn_onto_a_new_object_is_refused(burn_plan: CommandPlan, conjunction: Mission) -> None:
    catalog = _crossing_catalog(burn_plan, timedelta(hours=3))
    i, epoch, _ = _burn(burn_plan)
    # the plan's own screening says clear, and nothing without sources can tell
    record = burn_plan.screening(str(burn_plan.commands[i].post_maneuver_screening))
    assert record is not None and record.new_conjunctions == 0
    before = validate_plan(burn_plan, conjunction, now=burn_plan.created_at)
    assert "policy.maneuver_rescreen_conjunction" not in before.rule_ids()
    report = _rescreened(burn_plan, conjunction, catalog)
    hits = [v for v in report.violations if v.rule == "policy.maneuver_rescreen_conjunction"]
    assert [v.command_index for v in hits] == [i]
    message = hits[0].message
    # Regression pin: produced by our code (the planner's burn epoch), not an outside
    # authority. Independently: 1.5 AQUA periods (SGP4's mean motion) before the TCA that
    # test_conjunction_scenario finds by brute force, to the whole second.
    assert message.startswith("ORBIT_MANEUVER for AQUA at 2026-06-11T16:00:57.204590Z")
    aqua = Catalog.from_tle_file(CONJUNCTION_3LE)
    period_s = 2 * math.pi / aqua.satrecs[int(aqua.index_of([AQUA])[0])].no_kozai * 60.0
    tca = datetime(2026, 6, 11, 18, 28, 41, 204590, tzinfo=UTC)
    assert abs((tca - epoch).total_seconds() - 1.5 * period_s) < 1.0
    assert f"passes CROSSER ({CROSSER}) at 0.0" in message  # meters: the orbits meet
    meet = (epoch + timedelta(hours=3)).isoformat().replace("+00:00", "Z")[:16]
    assert f"km at {meet}" in message
    assert "where the unburned orbit does not; choose another burn" in message


@pytest.mark.parametrize("hours", [3, 1])
def test_a_harmless_burn_beside_the_crossing_object_passes(
    burn_plan: CommandPlan, conjunction: Mission, hours: int
) -> None:
    """The same catalogs, the burn retrograde instead. 3 h: AQUA passes the crossing object
    at about 17 km (the unburned orbit at 8.5 km, the prograde burn at 8 m: 3 x 0.33 m/s x 3 h
    along track each way); the avoided conjunction stays under 5 km but is not new. 1 h: the
    known approach opens from 3.3 km to 6.6 km, so nothing is brought closer."""
    catalog = _crossing_catalog(burn_plan, timedelta(hours=hours))
    i, _, dv = _burn(burn_plan)

    def retrograde(data: dict[str, Any]) -> None:
        data["commands"][i]["parameters"]["dv_along_m_s"] = -dv[1]

    report = _rescreened(_edit(burn_plan, retrograde), conjunction, catalog)
    assert "policy.maneuver_rescreen_conjunction" not in report.rule_ids()
    assert "policy.maneuver_unscreened" in report.rule_ids()  # not the burn plan_avoidance screened


def test_a_burn_that_cannot_be_flown_is_refused(
    burn_plan: CommandPlan, conjunction: Mission
) -> None:
    """9 km/s prograde leaves Earth: no element set fits, so the burn cannot be re-screened
    (fail closed, beside the range rule)."""
    i, _, _ = _burn(burn_plan)

    def escape(data: dict[str, Any]) -> None:
        data["commands"][i]["parameters"]["dv_along_m_s"] = 9000.0

    report = _rescreened(_edit(burn_plan, escape), conjunction, None)
    hits = [v for v in report.violations if v.rule == "policy.maneuver_rescreen_conjunction"]
    assert [v.command_index for v in hits] == [i]
    assert "cannot be fitted from the catalog's elements" in hits[0].message
    assert "range.out_of_range" in report.rule_ids()


def test_a_burn_onto_a_known_approach_is_refused(
    burn_plan: CommandPlan, conjunction: Mission
) -> None:
    """The crossing object placed where the burned AQUA is 1 h after its burn: the unburned
    orbit already passes it at about 3.3 km (under the 5-km screening threshold, so the
    approach is not new), and the burn brings it to under a metre, far inside the mission's
    1-km minimum miss distance. The re-screen used to pass it as "no new approach"."""
    catalog = _crossing_catalog(burn_plan, timedelta(hours=1))
    i, epoch, _ = _burn(burn_plan)
    assert conjunction.policies.min_miss_km == 1.0
    report = _rescreened(burn_plan, conjunction, catalog)
    hits = [v for v in report.violations if v.rule == "policy.maneuver_rescreen_conjunction"]
    assert [v.command_index for v in hits] == [i]
    message = hits[0].message
    found = re.search(rf"brings CROSSER \({CROSSER}\) from (\d+\.\d+) km to (\d+\.\d+) km", message)
    assert found is not None, message
    was, now = float(found[1]), float(found[2])
    assert 1.0 < was < 5.0 and now < 0.01
    meet = (epoch + timedelta(hours=1)).isoformat().replace("+00:00", "Z")[:16]
    assert f"km at {meet}" in message
    assert "under the mission's 1-km minimum miss distance; choose another burn" in message
    assert "passes CROSSER" not in message  # not a new approach: the unburned orbit has it
