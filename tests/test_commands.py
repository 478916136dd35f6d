"""Command dictionaries: bundled files load, check() finds every issue, YAML errors name lines."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from cosmo_agent.tools.commands import (
    CommandDictionaryError,
    bundled_dictionary_path,
    dictionary_for,
    load_command_dictionary,
    parse_command_dictionary,
)
from cosmo_agent.tools.mission import Mission, load_mission

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ["eo-imager", "sar", "weather"]


@pytest.fixture(scope="module")
def demo() -> Mission:
    return load_mission(ROOT / "missions" / "demo.yaml")


@pytest.mark.parametrize("sat_class", CLASSES)
def test_bundled_dictionaries_load_and_cover_the_basics(sat_class: str) -> None:
    d = load_command_dictionary(bundled_dictionary_path(sat_class))
    assert d.sat_class == sat_class
    for name in ("SET_MODE", "PAYLOAD_POWER", "START_DOWNLINK", "STOP_DOWNLINK", "TIME_SYNC"):
        assert d.command(name) is not None, name
    assert d.command("SAFE_MODE_ENTER").hazard() is None  # protective
    assert d.command("SAFE_MODE_EXIT").hazard()
    assert "quiet_radiation" in d.command("SAFE_MODE_EXIT").prerequisites
    assert d.command("FORMAT_STORAGE") is None
    modes = [s.name for s in d.command("SET_MODE").parameters[0].states]
    assert modes == ["SAFE", "NOMINAL", "IMAGING", "DOWNLINK"]
    # every default satisfies its own parameter
    for c in d.commands:
        defaults = {p.name: p.default for p in c.parameters if p.default is not None}
        assert all(i.code == "missing_parameter" for i in d.check(c.name, defaults))


def test_every_demo_satellite_class_has_a_dictionary(demo: Mission) -> None:
    for sat in demo.fleet:
        assert dictionary_for(demo, sat.sat_class).sat_class == sat.sat_class


def test_maneuver_is_hazardous_with_screening_prerequisite(demo: Mission) -> None:
    for cls in ("eo-imager", "sar"):
        m = dictionary_for(demo, cls).command("ORBIT_MANEUVER")
        assert m is not None and m.hazardous and m.category == "maneuver"
        assert "post_maneuver_screening" in m.prerequisites
        assert [p.name for p in m.parameters] == [
            "dv_radial_m_s",
            "dv_along_m_s",
            "dv_cross_m_s",
            "burn_epoch",
        ]
    assert dictionary_for(demo, "weather").command("ORBIT_MANEUVER") is None  # no thrusters
    assert dictionary_for(demo, "sar").command("DRAG_CONFIG") is not None


def test_check_reports_every_issue(demo: Mission) -> None:
    d = dictionary_for(demo, "eo-imager")
    ok = {"target_lat_deg": 36.0, "target_lon_deg": 127, "duration_s": 10}
    assert d.check("CAPTURE_IMAGE", ok) == []
    issues = d.check(
        "ORBIT_MANEUVER",
        {"dv_radial_m_s": 0.7, "dv_along_m_s": True, "burn_epoch": "2026-06-10 15:00", "x": 1},
    )
    got = sorted((i.code, i.parameter) for i in issues)
    assert got == [
        ("bad_format", "burn_epoch"),
        ("missing_parameter", "dv_cross_m_s"),
        ("out_of_range", "dv_radial_m_s"),
        ("unknown_parameter", "x"),
        ("wrong_type", "dv_along_m_s"),
    ]
    assert all(i.message for i in issues)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"duration_s": 10.5}, "wrong_type"),  # int parameter
        ({"duration_s": "60"}, "wrong_type"),
        ({"duration_s": math.nan}, "out_of_range"),
        ({"duration_s": math.inf}, "out_of_range"),
        ({"duration_s": 9}, "out_of_range"),
        ({"duration_s": 901}, "out_of_range"),
        ({"duration_s": 60, "band": "x"}, "bad_state"),  # states match exactly
        ({"duration_s": 60, "band": 1}, "wrong_type"),
        ({"duration_s": 60, "rate_mbps": False}, "wrong_type"),
    ],
)
def test_check_types_and_ranges(demo: Mission, params: dict[str, object], code: str) -> None:
    d = dictionary_for(demo, "eo-imager")
    assert [i.code for i in d.check("START_DOWNLINK", params)] == [code]


def test_boundaries_are_inclusive(demo: Mission) -> None:
    d = dictionary_for(demo, "eo-imager")
    assert d.check("START_DOWNLINK", {"duration_s": 10}) == []
    assert d.check("START_DOWNLINK", {"duration_s": 900.0}) == []  # integral float is an int
    assert d.check("PAYLOAD_POWER", {"state": "ON"}) == []


LOOK_ALIKES = [
    "SET_M\u041eDE",
    "set_mode",
    "SET_MODE ",
    "\uff33\uff25\uff34_MODE",
    "FORMAT_STORAGE",
]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_look_alike_and_unknown_names_are_refused(demo: Mission, name: str) -> None:
    issues = dictionary_for(demo, "eo-imager").check(name, {"mode": "SAFE"})
    assert [i.code for i in issues] == ["unknown_command"]
    if not name.isascii():
        assert "non-ASCII" in issues[0].message


def test_hazardous_enum_state(demo: Mission) -> None:
    adcs = dictionary_for(demo, "eo-imager").command("ADCS_SET_ATTITUDE_MODE")
    assert adcs.hazard({"mode": "NADIR"}) is None
    assert "DETUMBLE" in adcs.hazard({"mode": "DETUMBLE"})


def test_yaml_errors_name_path_and_line() -> None:
    text = """class: x
commands:
  - name: OK
    description: fine
  - name: BAD
    description: broken
    parameters:
      - {name: a, type: int, min: 5, max: 1}
      - {name: b, type: enum}
      - {name: c, type: float, default: 99, max: 10}
  - name: OK
    description: twice
"""
    with pytest.raises(CommandDictionaryError) as err:
        parse_command_dictionary(text, "x.yaml")
    problems = err.value.problems
    for where, what in [
        ("line 8: commands[1].parameters[0]", "swap"),
        ("line 9: commands[1].parameters[1]", "states"),
        ("line 10: commands[1].parameters[2]", "default"),
    ]:
        assert any(p.startswith(where) and what in p for p in problems), (where, problems)
    with pytest.raises(CommandDictionaryError, match="more than once"):
        parse_command_dictionary(
            text.replace("max: 1}", "max: 9}")
            .replace("{name: b, type: enum}", "{name: b, type: bool}")
            .replace("default: 99", "default: 9")
        )
    with pytest.raises(CommandDictionaryError, match="line 3: not valid YAML"):
        parse_command_dictionary("class: x\ncommands: [\n")
    with pytest.raises(CommandDictionaryError, match="unknown_key: Extra inputs"):
        parse_command_dictionary("class: x\nunknown_key: 1\ncommands: [{name: A, description: a}]")


def test_mission_override_and_missing_class(tmp_path: Path, demo: Mission) -> None:
    (tmp_path / "cube.yaml").write_text(
        "class: cubesat\n"
        "commands: [{name: BEACON, description: send a beacon, requires_contact: false}]\n"
    )
    (tmp_path / "m.yaml").write_text(
        (ROOT / "missions" / "demo.yaml")
        .read_text(encoding="utf-8")
        .replace(
            'space_weather: "bundled:swpc-2026-06-10"',
            'space_weather: "bundled:swpc-2026-06-10"\n'
            "  command_dictionaries: {cubesat: cube.yaml, sar: cube.yaml}",
        ),
        encoding="utf-8",
    )
    m = load_mission(tmp_path / "m.yaml")
    assert dictionary_for(m, "cubesat").names() == ["BEACON"]
    with pytest.raises(CommandDictionaryError, match="the file is for 'cubesat'"):
        dictionary_for(m, "sar")
    with pytest.raises(CommandDictionaryError, match="no bundled dictionary for class 'nope'"):
        dictionary_for(demo, "nope")


def test_an_edited_dictionary_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("class: c\ncommands: [{name: A, description: a}]\n")
    assert load_command_dictionary(path).names() == ["A"]
    path.write_text("class: c\ncommands: [{name: A, description: a}, {name: B, description: b}]\n")
    os.utime(path, ns=(1, 2))  # a different modification time, whatever the clock resolution
    assert load_command_dictionary(path).names() == ["A", "B"]
