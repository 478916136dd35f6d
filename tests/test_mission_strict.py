"""Mission loading rejects what it cannot mean (issue 17 item 2).

Repeated satellites, stations and antennas, names that collide, names with padding or control
characters, and satellite classes without a command dictionary are refused at load time; each
problem names the YAML path and line and says what to do.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cosmo_agent.tools.mission import MissionError, load_mission, parse_mission

ROOT = Path(__file__).resolve().parents[1]

BASE = """\
name: strict
fleet:
  - {norad_id: 38338, name: KOMPSAT 3, aliases: [K3], class: eo-imager}
  - {norad_id: 40536, name: KOMPSAT 3A, aliases: [K3A], class: sar}
stations:
  - {id: DJ, name: Daejeon, aliases: [KARI], lat_deg: 36.4, lon_deg: 127.4, antennas: [{id: A1}, {id: A2}]}
  - {id: JJ, name: Jeju, aliases: [JJU], lat_deg: 33.4, lon_deg: 126.5, antennas: [{id: B1}]}
sources: {catalog: ["bundled:sample-leo.3le"]}
horizon: {epoch: 2026-06-10T12:00:00Z}
"""  # noqa: E501  (one station per line keeps the expected line numbers obvious)

# words that tell the operator what to do
FIX = re.compile(r"\b(rename|remove|write it as|correct|give|use one of)\b")


def _problems(text: str) -> list[str]:
    with pytest.raises(MissionError) as info:
        parse_mission(text, "strict.yaml")
    return info.value.problems


def test_the_base_mission_loads() -> None:
    m = parse_mission(BASE)
    assert [s.norad_id for s in m.fleet] == [38338, 40536]
    assert [a.id for a in m.station("JJ").antennas] == ["B1"]


@pytest.mark.parametrize(
    ("old", "new", "where", "mentions"),
    [
        # repeated entries
        ("norad_id: 40536", "norad_id: 38338", "line 4: fleet[1].norad_id", "fleet[0]"),
        ("name: KOMPSAT 3A,", "name: kompsat   3,", "line 4: fleet[1].name", "fleet[0]"),
        ("id: JJ,", "id: DJ,", "line 7: stations[1].id", "stations[0]"),
        ("{id: A2}", "{id: A1}", "line 6: stations[0].antennas[1].id", "antennas[0]"),
        # padding and control characters
        ("name: strict", 'name: "strict "', "line 1: name", "'strict '"),
        ("name: KOMPSAT 3A,", 'name: "KOMPSAT 3A ",', "line 4: fleet[1].name", "'KOMPSAT 3A '"),
        ("name: KOMPSAT 3A,", 'name: "KOMPSAT\\nFAKE",', "line 4: fleet[1].name", "U+000A"),
        ("aliases: [K3A]", 'aliases: ["K3\\u202eA"]', "line 4: fleet[1].aliases[0]", "U+202E"),
        ("aliases: [K3A]", 'aliases: ["K3A\\u2028"]', "line 4: fleet[1].aliases[0]", "U+2028"),
        ("name: Daejeon,", 'name: " Daejeon",', "line 6: stations[0].name", "' Daejeon'"),
        ("aliases: [JJU]", 'aliases: ["J\\tJU"]', "line 7: stations[1].aliases[0]", "U+0009"),
        ("aliases: [JJU]", 'aliases: ["\\u2066JJU"]', "line 7: stations[1].aliases[0]", "U+2066"),
        ("{id: B1}", '{id: "B1\\x7f"}', "line 7: stations[1].antennas[0].id", "U+007F"),
        ("{id: B1}", '{id: " B1"}', "line 7: stations[1].antennas[0].id", "' B1'"),
        # a class without a command dictionary lists the known ones
        ("class: sar", "class: warp-drive", "line 4: fleet[1].class", "eo-imager"),
        # names that two satellites or two stations share
        ("aliases: [K3A]", "aliases: [k3]", "line 4: fleet[1].aliases[0]", "fleet[0]"),
        ("aliases: [K3A]", "aliases: ['38338']", "line 4: fleet[1].aliases[0]", "fleet[0]"),
        ("name: KOMPSAT 3A,", "name: k3,", "line 4: fleet[1].name", "fleet[0]"),
        ("aliases: [JJU]", "aliases: [kari]", "line 7: stations[1].aliases[0]", "stations[0]"),
        ("name: Jeju,", "name: DAEJEON,", "line 7: stations[1].name", "stations[0]"),
    ],
    ids=[
        "duplicate-norad-id",
        "duplicate-satellite-name-case-and-spacing",
        "duplicate-station-id",
        "duplicate-antenna-id",
        "mission-name-trailing-space",
        "satellite-name-trailing-space",
        "satellite-name-newline",
        "satellite-alias-bidi-override",
        "satellite-alias-line-separator",
        "station-name-leading-space",
        "station-alias-tab",
        "station-alias-bidi-isolate",
        "antenna-id-del",
        "antenna-id-leading-space",
        "class-without-dictionary",
        "alias-equals-other-satellite-alias",
        "alias-equals-other-satellite-norad-id",
        "name-equals-other-satellite-alias",
        "station-alias-equals-other-station-alias",
        "station-name-equals-other-station-name",
    ],
)
def test_rejection_names_path_line_and_fix(old: str, new: str, where: str, mentions: str) -> None:
    assert old in BASE, old
    problems = _problems(BASE.replace(old, new, 1))
    assert any(p.startswith(f"{where}: ") for p in problems), problems
    (problem,) = [p for p in problems if p.startswith(f"{where}: ")]
    assert mentions in problem, problem
    assert FIX.search(problem), f"the message does not say what to do: {problem}"


def test_every_problem_in_the_entries_is_reported() -> None:
    text = (
        BASE.replace("name: strict", 'name: "strict "')
        .replace("{id: A2}", "{id: A1}")
        .replace("aliases: [JJU]", 'aliases: ["J\\tJU"]')
        .replace("name: KOMPSAT 3A,", 'name: "KOMPSAT 3A ",')
    )
    problems = _problems(text)
    wheres = [
        "line 1: name",
        "line 4: fleet[1].name",
        "line 6: stations[0].antennas[1].id",
        "line 7: stations[1].aliases[0]",
    ]
    for where in wheres:
        assert any(p.startswith(f"{where}: ") for p in problems), (where, problems)


def test_every_problem_across_the_entries_is_reported() -> None:
    text = (
        BASE.replace("norad_id: 40536", "norad_id: 38338")
        .replace("id: JJ,", "id: DJ,")
        .replace("class: sar", "class: warp-drive")
        .replace("aliases: [K3A]", "aliases: [k3]")
    )
    problems = _problems(text)
    wheres = [
        "line 4: fleet[1].norad_id",
        "line 4: fleet[1].class",
        "line 7: stations[1].id",
    ]
    for where in wheres:
        assert any(p.startswith(f"{where}: ") for p in problems), (where, problems)


def test_station_id_with_a_trailing_space_says_remove_it() -> None:
    problems = _problems(BASE.replace("id: JJ,", 'id: "JJ ",', 1))
    (problem,) = [p for p in problems if p.startswith("line 7: stations[1].id: ")]
    assert FIX.search(problem), problem


def test_each_collision_names_both_entries() -> None:
    problems = _problems(BASE.replace("aliases: [K3A]", "aliases: [K3]"))
    (problem,) = problems
    assert problem.startswith("line 4: fleet[1].aliases[0]: "), problem
    assert "fleet[0]" in problem and "line 3" in problem, problem


@pytest.mark.parametrize("path", sorted((ROOT / "missions").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_missions_still_load(path: Path) -> None:
    assert load_mission(path).fleet


def test_cli_plan_of_a_bad_mission_is_one_message_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cosmo_agent.agent.cli import main

    demo = (ROOT / "missions" / "demo.yaml").read_text(encoding="utf-8")
    assert "name: KOMPSAT 3A," in demo
    bad = tmp_path / "bad.yaml"
    bad.write_text(demo.replace("name: KOMPSAT 3A,", 'name: "KOMPSAT\\nFAKE",', 1), "utf-8")
    assert main(["plan", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "fleet[1].name" in err and "U+000A" in err, err
    # the name is quoted, so the raw line feed cannot split or forge a line of the message
    assert "\nFAKE" not in err, err
