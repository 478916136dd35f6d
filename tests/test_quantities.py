"""The one parser of values with units and times (tools/quantities.py), in English and
Korean, on its own; then the tool contract that reads argument values through it, and names
written loosely (case, spaces, hyphens, Korean aliases) with ambiguity as an error.

The expected values are unit arithmetic written out by hand (1 day = 24 h, 1 km = 1000 m)
and Python's own ``timedelta`` for ISO 8601 durations and relative times; none comes from
the parser under test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosmo_agent.tools import quantities
from cosmo_agent.tools.mission import AmbiguousName, load_mission, parse_mission
from cosmo_agent.tools.quantities import (
    QuantityError,
    find_quantity,
    find_times,
    parse_quantity,
    parse_time,
)
from cosmo_agent.tools.registry import ToolContext, call_tool

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def test_public_surface_is_pinned() -> None:
    assert quantities.__all__ == [
        "UNITS",
        "Moment",
        "Quantity",
        "QuantityError",
        "QuantityKind",
        "find_quantities",
        "find_quantity",
        "find_times",
        "parse_quantity",
        "parse_time",
        "read_number",
    ]


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("24 h", 24.0),
        ("3 days", 72.0),
        ("a day", 24.0),
        ("two days", 48.0),
        ("36 hours", 36.0),
        ("90 minutes", 1.5),
        ("next week", 168.0),
        ("the next 3 days", 72.0),
        ("over the next 12 hours", 12.0),
        ("PT90M", 1.5),
        ("P2D", 48.0),
        ("P1DT6H", 30.0),
        ("P1W", 168.0),
        ("48", 48.0),
        ("이틀", 48.0),
        ("사흘", 72.0),
        ("90분", 1.5),
        ("12시간", 12.0),
        ("3일", 72.0),
        ("향후 3일", 72.0),
        ("3일 동안", 72.0),
        ("일주일", 168.0),
        ("반나절", 12.0),
    ],
)
def test_durations_in_english_and_korean(text: str, hours: float) -> None:
    assert parse_quantity("duration_h", text) == pytest.approx(hours)


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("distance_km", "within 2 km", 2.0),
        ("distance_km", "500 m", 0.5),
        ("distance_km", "5,000 m", 5.0),
        ("distance_km", "5킬로", 5.0),
        ("distance_km", "2 km 이내", 2.0),
        ("radius_m", "15 m", 15.0),
        ("radius_m", "0.02 km", 20.0),
        ("radius_m", "HBR 20 m", 20.0),
        ("radius_m", "반경 20미터", 20.0),
        ("elevation_deg", "10°", 10.0),
        ("elevation_deg", "10 deg", 10.0),
        ("elevation_deg", "15도", 15.0),
        ("probability", "1e-4", 1e-4),
        ("probability", "1 in 10,000", 1e-4),
        ("probability", "1/10000", 1e-4),
        ("probability", "10만분의 1", 1e-5),
        ("probability", "2 x 10^-5", 2e-5),
        ("probability", "0.0001", 1e-4),
        ("step_s", "every 5 minutes", 300.0),
        ("step_s", "30 s", 30.0),
        ("step_s", "5분 간격", 300.0),
        ("step_s", "PT1M", 60.0),
        ("step_s", "hourly", 3600.0),
        ("duration_s", "5 minutes", 300.0),
        ("duration_s", "PT5M", 300.0),
        ("duration_s", "300초", 300.0),
        ("rate_mbps", "150 Mbps", 150.0),
    ],
)
def test_other_quantities(kind: quantities.QuantityKind, text: str, value: float) -> None:
    assert parse_quantity(kind, text) == pytest.approx(value)


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("duration_h", "5 km"),
        ("duration_h", "soon"),
        ("duration_h", "3 days and some"),
        ("distance_km", "3 days"),
        ("distance_km", "K3"),
        ("probability", "high"),
        ("elevation_deg", "10 km"),
        ("duration_h", ""),
    ],
)
def test_what_is_not_the_quantity_is_refused_with_what_would_do(
    kind: quantities.QuantityKind, text: str
) -> None:
    with pytest.raises(QuantityError) as err:
        parse_quantity(kind, text)
    message = str(err.value)
    assert repr(text) in message and "cannot read" in message
    assert quantities.UNITS[kind] in message or kind == "probability"


_UNITS_H = {"h": 1.0, "hours": 1.0, "days": 24.0, "d": 24.0, "minutes": 1 / 60, "시간": 1.0,
            "일": 24.0, "분": 1 / 60}  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 999), st.sampled_from(sorted(_UNITS_H)), st.sampled_from(["", " "]))
def test_number_and_unit_is_their_product(n: int, unit: str, gap: str) -> None:
    assert parse_quantity("duration_h", f"{n}{gap}{unit}") == pytest.approx(n * _UNITS_H[unit])


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 3), st.integers(0, 9), st.integers(0, 23), st.integers(0, 59),
    st.integers(0, 59),
)  # fmt: skip
def test_iso_8601_durations_agree_with_timedelta(w: int, d: int, h: int, m: int, s: int) -> None:
    text = "P" + (f"{w}W" if w else "") + (f"{d}D" if d else "")
    clock = (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s else "")
    text += f"T{clock}" if clock else ""
    expected = timedelta(weeks=w, days=d, hours=h, minutes=m, seconds=s).total_seconds()
    if expected == 0:
        with pytest.raises(QuantityError):
            parse_quantity("duration_s", text)
        return
    assert parse_quantity("duration_s", text) == pytest.approx(expected)
    assert parse_quantity("duration_h", text) == pytest.approx(expected / 3600)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-11T03:00:00Z", datetime(2026, 6, 11, 3, tzinfo=UTC)),
        ("2026-06-11T12:00:00+09:00", datetime(2026, 6, 11, 3, tzinfo=UTC)),
        ("tomorrow at 03:00 UTC", datetime(2026, 6, 11, 3, tzinfo=UTC)),
        ("in 2 hours", NOW + timedelta(hours=2)),
        ("in 30 minutes", NOW + timedelta(minutes=30)),
        ("2시간 후", NOW + timedelta(hours=2)),
        ("지금부터 30분 뒤", NOW + timedelta(minutes=30)),
        ("내일 03:00 UTC", datetime(2026, 6, 11, 3, tzinfo=UTC)),
        ("2026년 6월 11일 3시 UTC", datetime(2026, 6, 11, 3, tzinfo=UTC)),
        ("June 11, 2026 at 03:00 UTC", datetime(2026, 6, 11, 3, tzinfo=UTC)),
        ("at 15:30 UTC", datetime(2026, 6, 10, 15, 30, tzinfo=UTC)),
        ("at 09:00 UTC", datetime(2026, 6, 11, 9, 0, tzinfo=UTC)),  # passed today: tomorrow
        ("now", NOW),
    ],
)
def test_times_absolute_and_relative_to_the_planning_clock(text: str, expected: datetime) -> None:
    assert parse_time(text, NOW) == expected


@pytest.mark.parametrize(
    "text", ["2026-06-11T03:00:00", "later", "in 2 hours please and thank you", "6월 11일"]
)
def test_times_that_cannot_be_placed_are_refused(text: str) -> None:
    with pytest.raises(QuantityError, match="time"):
        parse_time(text, NOW)


def test_relative_times_need_the_clock() -> None:
    with pytest.raises(QuantityError, match="planning clock"):
        parse_time("in 2 hours", None)


def test_finding_values_inside_requests() -> None:
    request = "Screen K3 every 5 minutes over the next 2 days within 3 km"
    step = find_quantity("step_s", request)
    assert step is not None and (step.value, step.text) == (300.0, "every 5 minutes")
    duration = find_quantity("duration_h", request.replace(step.text, " " * len(step.text)))
    assert duration is not None and duration.value == 48.0
    assert request[duration.start : duration.end] == duration.text == "2 days"
    moments = find_times("K5 safe mode 2시간 후, then report at 15:30 UTC", NOW)
    assert [m.when for m in moments] == [
        NOW + timedelta(hours=2),
        datetime(2026, 6, 10, 15, 30, tzinfo=UTC),
    ]


# -- names as people write them -----------------------------------------------------------------


def test_names_are_found_however_they_are_written() -> None:
    mission = load_mission(ROOT / "missions" / "demo-ko.yaml")
    k3 = mission.satellite("KOMPSAT 3")
    for spelling in ("kompsat-3", "KOMPSAT3", "kompsat_3", "아리랑 3호", "아리랑3호", " k3 "):
        assert mission.satellite(spelling) is k3, spelling
    assert mission.satellite(f"NORAD {k3.norad_id}") is k3
    assert mission.satellite(f"#{k3.norad_id}") is k3
    daejeon = mission.station("DAEJEON")
    assert mission.station("대전지상국") is daejeon and mission.station("daejeon") is daejeon
    with pytest.raises(KeyError):
        mission.satellite("KOMPSAT 9")


_TWINS = """
name: twins
horizon: {epoch: "2026-06-10T12:00:00Z", duration_h: 24}
sources: {catalog: ["bundled:conjunction-2026-06-10.3le"]}
fleet:
  - {norad_id: 27424, name: "SAT-1A", class: weather}
  - {norad_id: 13791, name: "SAT 1 A", class: weather, aliases: ["둘째"]}
stations:
  - {id: ST1, name: "Station One", lat_deg: 36.0, lon_deg: 127.0, alt_m: 100,
     antennas: [{id: A1, downlink_rate_mbps: 100}]}
"""


def test_a_loose_name_that_fits_two_satellites_is_an_error_listing_both() -> None:
    mission = parse_mission(_TWINS, source="twins.yaml")
    assert mission.satellite("SAT-1A").norad_id == 27424  # written exactly: no ambiguity
    with pytest.raises(AmbiguousName) as err:
        mission.satellite("sat1a")
    assert err.value.candidates == ("SAT-1A", "SAT 1 A")
    ctx = ToolContext.from_mission(mission)
    outcome = call_tool(ctx, "find_passes", {"satellites": ["sat1a"], "stations": "all"})
    assert outcome.error is not None and outcome.error.code == "ambiguous_name"
    assert "SAT-1A" in outcome.error.message and "SAT 1 A" in outcome.error.message


# -- the tool contract reads values through the parser -------------------------------------------


def test_tools_accept_values_with_units_and_record_what_they_executed() -> None:
    mission = load_mission(ROOT / "missions" / "demo-ko.yaml")
    ctx = ToolContext.from_mission(mission)
    written = {"satellites": ["아리랑 3호"], "stations": ["대전"], "duration_h": "이틀",
               "min_elevation_deg": "10도"}  # fmt: skip
    outcome = call_tool(ctx, "find_passes", written)
    assert outcome.ok, outcome.summary
    assert outcome.arguments == written  # what the caller wrote
    assert outcome.resolved == {
        "satellites": ["KOMPSAT 3"],
        "stations": ["DAEJEON"],
        "duration_h": 48.0,
        "min_elevation_deg": 10.0,
    }
    numbers = call_tool(
        ctx,
        "find_passes",
        {"satellites": ["K3"], "stations": ["DAEJEON"], "duration_h": 48, "min_elevation_deg": 10},
    )
    assert numbers.ok and numbers.resolved == outcome.resolved
    assert outcome.result == numbers.result  # the same computation


def test_relative_times_in_arguments_use_the_planning_clock() -> None:
    mission = load_mission(ROOT / "missions" / "demo.yaml")
    ctx = ToolContext.from_mission(mission)
    outcome = call_tool(
        ctx, "propagate", {"satellites": "all", "start": "in 2 hours", "duration_h": "PT1H",
                           "step_s": "10 minutes"},
    )  # fmt: skip
    assert outcome.ok, outcome.summary
    assert outcome.resolved is not None
    start = datetime.fromisoformat(outcome.resolved["start"])
    assert start == ctx.now + timedelta(hours=2)
    assert (outcome.resolved["duration_h"], outcome.resolved["step_s"]) == (1.0, 600.0)


def test_a_value_the_parser_cannot_read_is_an_invalid_argument_naming_the_field() -> None:
    mission = load_mission(ROOT / "missions" / "demo.yaml")
    ctx = ToolContext.from_mission(mission)
    outcome = call_tool(ctx, "screen_conjunctions", {"satellites": "all", "threshold_km": "3 days"})
    assert outcome.error is not None and outcome.error.code == "invalid_arguments"
    assert "threshold_km" in outcome.error.message and "distance" in outcome.error.message
    too_long = call_tool(ctx, "screen_conjunctions", {"satellites": "all", "duration_h": "30 days"})
    assert too_long.error is not None and "168" in too_long.error.message


def test_the_schema_offers_numbers_or_text_with_units() -> None:
    from cosmo_agent.tools.registry import tool_specs

    schema = tool_specs()["screen_conjunctions"].parameters()
    duration = schema["properties"]["duration_h"]
    kinds = {branch["type"] for branch in duration["anyOf"]}
    assert kinds == {"number", "string"}
    number = next(b for b in duration["anyOf"] if b["type"] == "number")
    assert (number["exclusiveMinimum"], number["maximum"]) == (0.0, 168.0)
