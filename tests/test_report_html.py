"""The HTML operations report, looked at as a person would: rendered for the shipped missions
and opened in a real headless Chromium with the network cut off (tests/headless.py).

The page must load with no console error and no request leaving the file; its DOM must hold a
ground track per satellite, a row per scheduled contact and per conjunction, and a command row
per plan command; sampled numbers must be the plan's and its tools' numbers; the screenshot
must not be blank. Chromium is Debian's package (``.ci/run`` installs it); only its absence
skips the browser tests.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from headless import HeadlessPage, chromium_binary  # tests/headless.py (not collected)

from cosmo_agent import Agent, load_mission
from cosmo_agent.agent.report import fleet_report, render_report

ROOT = Path(__file__).resolve().parents[1]
MISSIONS = ("demo.yaml", "demo-ko.yaml", "conjunction.yaml")
READY = "document.body && document.body.dataset.ready"

needs_chromium = pytest.mark.skipif(
    chromium_binary() is None, reason="no chromium on PATH (apt-get install chromium)"
)


class Rendered:
    def __init__(self, name: str, folder: Path) -> None:
        self.mission = load_mission(ROOT / "missions" / name)
        with Agent.from_mission(self.mission) as agent:
            self.result = agent.plan(approve_all=True)
        self.path = render_report(self.result, self.mission, folder / f"{name}.html")
        self.plan: dict[str, Any] = self.result.to_jsonable()["plan"]

    def tool(self, name: str) -> dict[str, Any]:
        found = [r.result for r in self.result.records if r.name == name and r.ok]
        assert found, name
        return dict(found[-1])


@pytest.fixture(scope="module", params=MISSIONS)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return Rendered(request.param, tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def browser() -> Any:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    return binary


def test_the_file_needs_nothing_from_outside(rendered: Rendered) -> None:
    text = rendered.path.read_text(encoding="utf-8")
    assert 10_000 < len(text.encode()) < 10_000_000
    # no external script, style sheet, font, image or topojson reference
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=\"?https?:", text)
    assert "@import" not in text and "fonts.googleapis" not in text
    assert "Content-Security-Policy" in text  # and the page forbids any fetch anyway
    from plotly.offline import get_plotlyjs

    assert get_plotlyjs() in text  # the whole plotly.js bundle, inlined verbatim


@needs_chromium
def test_page_opens_offline_with_everything_on_it(rendered: Rendered, browser: str) -> None:
    from PIL import Image

    with HeadlessPage(browser) as page:
        page.open(rendered.path, READY)
        assert page.evaluate("document.body.dataset.ready") == "true"
        assert page.console_errors == []
        outside = [u for u in page.requests if not u.startswith(("file:", "data:", "blob:"))]
        assert outside == []

        # a ground track (sunlit part, in the legend too) per fleet satellite in the catalog
        status = rendered.tool("fleet_status")
        names = [s["name"] for s in status["satellites"] if s["in_catalog"]]
        tracks = page.evaluate(
            "document.getElementById('map').data.filter(t => t.meta && t.meta.part === "
            "'sunlit').map(t => t.meta.track)"
        )
        assert tracks == names
        legend = page.evaluate(
            "Array.from(document.querySelectorAll('#map .legendtext')).map(e => e.textContent)"
        )
        assert set(names) <= set(legend)
        drawn = page.evaluate(
            "document.querySelectorAll('#map .scatterlayer .trace, #map .gl-container').length"
        )
        assert drawn >= len(names)

        # a row per scheduled contact, with the plan's times and the schedule's numbers
        contacts = page.evaluate(
            "Array.from(document.querySelectorAll('tr.contact')).map(r => ({...r.dataset}))"
        )
        schedule = rendered.tool("schedule_contacts")["contacts"]
        assert len(contacts) == len(schedule) == len(rendered.plan["contacts"])
        planned = {(c["station_id"], c["antenna_id"], c["aos"]) for c in rendered.plan["contacts"]}
        assert {(c["station"], c["antenna"], c["aos"]) for c in contacts} == planned
        for k in sorted({0, len(schedule) // 2, len(schedule) - 1}):
            row, want = contacts[k], schedule[k]
            assert row["aos"] == want["aos_utc"] and row["los"] == want["los_utc"]
            assert float(row["volumeMbit"]) == want["volume_mbit"]
            assert float(row["durationS"]) == want["duration_s"]
            assert float(row["maxElevationDeg"]) == want["max_elevation_deg"]
        gantt = page.evaluate(
            "document.getElementById('gantt').data.filter(t => t.meta === 'contacts')"
            ".reduce((n, t) => n + t.y.length, 0)"
        )
        assert gantt == len(schedule)

        # a row per conjunction, miss and Pc as screened and assessed
        events = rendered.tool("screen_conjunctions")["events"]
        rows = page.evaluate(
            "Array.from(document.querySelectorAll('tr.conjunction')).map(r => ({...r.dataset}))"
        )
        assert [r["event"] for r in rows] == [e["event_id"] for e in events]
        assessed = {a.result["event_id"]: a.result for a in rendered.result.records
                    if a.name == "assess_conjunction" and a.ok}  # fmt: skip
        for row, event in zip(rows, events, strict=True):
            assert float(row["missKm"]) == event["miss_km"]
            if event["event_id"] in assessed:
                assert float(row["pc"]) == assessed[event["event_id"]]["pc"]
        assert page.evaluate("document.querySelectorAll('.encounter .main-svg').length") >= len(
            assessed
        )

        # every command of the plan, at its time, with its verdict
        commands = page.evaluate(
            "Array.from(document.querySelectorAll('tr.command')).map(r => ({...r.dataset}))"
        )
        assert [(c["command"], c["time"]) for c in commands] == [
            (c["command"], c["time"]) for c in rendered.plan["commands"]
        ]
        violations = rendered.result.to_jsonable()["validation"]["violations"]
        errors = {
            v["command_index"]
            for v in violations
            if v["severity"] == "error" and v["command_index"] is not None
        }
        assert {int(c["index"]) for c in commands if c["verdict"] == "error"} == errors

        # labels follow the mission's language
        heading = page.evaluate("document.querySelector('#map-section h2').textContent")
        assert page.evaluate("document.documentElement.lang") == rendered.mission.language
        assert heading == ("지상 궤적" if rendered.mission.language == "ko" else "Ground tracks")

        shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
        assert shot.size == (1400, 1000)
        colours = shot.getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 200  # a blank page has one or two
        top = max(colours)[0] / (shot.size[0] * shot.size[1])
        assert top < 0.9


@needs_chromium
def test_sky_plot_follows_a_click_and_tables_sort(browser: str, tmp_path: Path) -> None:
    rendered = Rendered("demo.yaml", tmp_path)
    with HeadlessPage(browser) as page:
        page.open(rendered.path, READY)
        row = "document.querySelector('tr.contact:not([data-sky=\"-1\"])')"
        first = page.evaluate(f"{row}.dataset.sky")
        page.evaluate(f"{row}.click()")
        shown = page.evaluate("document.getElementById('sky').dataset.shown")
        sky = json.loads(page.evaluate("document.getElementById('report-sky').textContent"))
        assert shown == sky["passes"][int(first)]["name"]
        assert page.evaluate("document.getElementById('sky').data.some(t => t.meta === 'mask')")
        page.evaluate("document.querySelector('table.contacts th[data-sort=\"volume-mbit\"]')"
                      ".click()")  # fmt: skip
        volumes = page.evaluate(
            "Array.from(document.querySelectorAll('tr.contact')).map(r => +r.dataset.volumeMbit)"
        )
        assert volumes == sorted(volumes)
        assert page.console_errors == []


@needs_chromium
def test_fleet_report_without_a_plan(browser: str, tmp_path: Path) -> None:
    mission = load_mission(ROOT / "missions" / "conjunction.yaml")
    path = fleet_report(mission, tmp_path / "fleet.html")
    with HeadlessPage(browser) as page:
        page.open(path, READY)
        assert page.console_errors == []
        assert all(u.startswith("file:") for u in page.requests)
        assert page.evaluate("document.querySelectorAll('tr.conjunction').length") >= 1
        assert page.evaluate("document.querySelectorAll('tr.contact').length") == 0
        assert page.evaluate("document.querySelectorAll('tr.command').length") == 0
        assert page.evaluate("document.getElementById('gantt').data[0].y.length") > 0


def test_plan_report_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cosmo_agent.agent.cli import main

    out = tmp_path / "r.html"
    code = main(["plan", str(ROOT / "missions" / "demo.yaml"), "--approve-all", "--json",
                 "--report", str(out)])  # fmt: skip
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["report"] == str(out) and out.stat().st_size > 1_000_000
    code = main(["plan", str(ROOT / "missions" / "demo.yaml"), "--report",
                 str(tmp_path / "missing" / "r.html")])  # fmt: skip
    assert code == 2
    assert "--report" in capsys.readouterr().err


def test_report_html_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``cosmo-agent report --mission M --html R``: the fleet's report, no plan; bad input
    exits 2 with one line naming the option."""
    from cosmo_agent.agent.cli import main

    out = tmp_path / "fleet.html"
    mission = str(ROOT / "missions" / "demo-ko.yaml")
    assert main(["report", "--mission", mission, "--html", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=\"?https?:", text)
    assert "Content-Security-Policy" in text and "(현재)" in text  # Korean labels
    assert main(["report", "--html", str(out)]) == 2
    assert "--mission" in capsys.readouterr().err
    assert main(["report", "--mission", mission, "--html", str(tmp_path / "no" / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "--html" in err and "Traceback" not in err
