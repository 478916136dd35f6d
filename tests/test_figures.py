"""The report's PNG figures (``--figures DIR``), looked at as a person pasting them would.

Rendered for the shipped missions: each PNG decodes, has its size and is not blank; what is
drawn is read back from the matplotlib artists before saving and compared with the plan JSON
and its tools' results (a track per satellite, a bar per contact and per pass, a marker per
command with its verdict, Pc by method as assessed); Korean missions draw every label with a
font that has the glyphs. matplotlib is the ``report`` extra; Noto Sans CJK is Debian's
``fonts-noto-cjk`` (``.ci/run`` installs it).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from PIL import Image

from cosmo_agent import Agent, load_mission
from cosmo_agent.agent import figures
from cosmo_agent.agent.figures import (
    WIDTH_PX,
    FiguresError,
    build_figures,
    check_figures_dir,
    fleet_figures_writer,
    write_figures,
)
from cosmo_agent.agent.report import ReportViews, fleet_report_command, plan_views

ROOT = Path(__file__).resolve().parents[1]
MISSIONS = ("demo.yaml", "demo-ko.yaml", "conjunction.yaml")


class Drawn:
    """A mission planned once, its views, the figures drawn (not saved) and written."""

    def __init__(self, name: str, folder: Path) -> None:
        self.mission = load_mission(ROOT / "missions" / name)
        with Agent.from_mission(self.mission) as agent:
            self.result = agent.plan(approve_all=True)
        self.json: dict[str, Any] = self.result.to_jsonable()
        self.plan: dict[str, Any] = self.json["plan"]
        self.views: ReportViews = plan_views(self.result, self.mission)
        self.figures: dict[str, Figure] = build_figures(self.views)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.paths = write_figures(self.views, folder)
        self.warnings = [str(w.message) for w in caught]

    def tool(self, name: str) -> list[dict[str, Any]]:
        return [dict(r.result) for r in self.result.records if r.name == name and r.ok]


@pytest.fixture(scope="module", params=MISSIONS)
def drawn(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Drawn:
    return Drawn(request.param, tmp_path_factory.mktemp("figures"))


def _by_gid(fig: Figure, prefix: str) -> list[Any]:
    """Every artist of ``fig`` whose gid starts with ``prefix``."""
    found = fig.findobj(lambda a: (a.get_gid() or "").startswith(prefix))
    return list(dict.fromkeys(found))


def _day(iso: str) -> float:
    return figures._day(iso)


def test_each_png_decodes_has_its_size_and_is_not_blank(drawn: Drawn) -> None:
    names = [p.name for p in drawn.paths]
    assert names == list(drawn.figures)
    assert {"map.png", "contacts.png", "sky.png", "space-weather.png", "plan.png"} <= set(names)
    rows = len(drawn.views.contacts.rows)
    expected = {
        "map.png": (WIDTH_PX, 900),
        "sky.png": (1000, 1000),
        "space-weather.png": (WIDTH_PX, 1100),
        "contacts.png": (WIDTH_PX, max(170, 34 * rows) + 190),
        "plan.png": (WIDTH_PX, max(170, 34 * len(drawn.mission.fleet)) + 190),
    }
    for path in drawn.paths:
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            assert image.format == "PNG"
            size = expected.get(path.name, (WIDTH_PX, 700))  # conjunction-NN-*.png
            assert image.size == size, path.name
            pixels = np.asarray(image.convert("L"), dtype=float)
        assert pixels.std() > 15.0, path.name  # a blank image has none
        assert (pixels < 128).mean() > 0.002, path.name  # ink: lines, bars, text
        assert path.stat().st_size > 10_000
    assert not [w for w in drawn.warnings if "missing from font" in w]


def test_map_draws_a_track_per_satellite_and_the_stations(drawn: Drawn) -> None:
    fig = drawn.figures["map.png"]
    status = drawn.tool("fleet_status")[-1]
    in_catalog = [s for s in status["satellites"] if s["in_catalog"]]
    tracks = _by_gid(fig, "track:")
    assert [t.get_label() for t in tracks] == [s["name"] for s in in_catalog]
    assert len(_by_gid(fig, "eclipse:")) == len(in_catalog)
    # positions at the planning clock are the fleet status's (lat, lon)
    now = {t.get_gid(): t for t in _by_gid(fig, "now:")}
    for i, sat in enumerate(in_catalog):
        if sat["lat_deg"] is not None:
            x, y = now[f"now:{i}"].get_data()
            assert (float(y[0]), float(x[0])) == (sat["lat_deg"], sat["lon_deg"])
    # each track covers the plan's horizon: latitudes within the orbit's inclination band
    for track in tracks:
        lat = np.asarray(track.get_ydata(), dtype=float)
        assert np.nanmax(np.abs(lat)) < 90.0 and np.isfinite(lat).sum() > 100
    stations = _by_gid(fig, "station:")
    assert [s.get_gid() for s in stations] == [f"station:{s.id}" for s in drawn.mission.stations]
    for marker, station in zip(stations, drawn.mission.stations, strict=True):
        x, y = marker.get_data()
        assert (float(x[0]), float(y[0])) == (station.lon_deg, station.lat_deg)
    assert len(_by_gid(fig, "circle:")) == len(drawn.mission.stations)
    (land,) = _by_gid(fig, "land")
    assert len(land.get_paths()) > 100  # Natural Earth 1:110m land rings


def test_gantt_has_a_bar_per_contact_and_per_pass(drawn: Drawn) -> None:
    fig = drawn.figures["contacts.png"]
    contacts = [c for c in _by_gid(fig, "contacts:") if isinstance(c, PolyCollection)]
    assert sum(len(c.get_paths()) for c in contacts) == len(drawn.plan["contacts"])
    # a contact bar spans its AOS to LOS as the plan states them
    starts = sorted(float(p.vertices[0, 0]) for c in contacts for p in c.get_paths())
    assert starts == pytest.approx(sorted(_day(c["aos"]) for c in drawn.plan["contacts"]), abs=1e-9)
    ends = sorted(float(p.vertices[1, 0]) for c in contacts for p in c.get_paths())
    assert ends == pytest.approx(sorted(_day(c["los"]) for c in drawn.plan["contacts"]), abs=1e-8)
    passes = drawn.tool("find_passes")[-1]["passes"]
    antennas = {s.id: len(s.antennas) for s in drawn.mission.stations}
    (pass_bars,) = _by_gid(fig, "passes")
    assert len(pass_bars.get_paths()) == sum(antennas[p["station_id"]] for p in passes)
    (blackouts,) = _by_gid(fig, "blackouts")
    assert blackouts.get_hatch() == "//"
    windows = [
        w for s in drawn.mission.stations for w in s.blackouts
        if w.end > drawn.views.start and w.start < drawn.views.stop
    ]  # fmt: skip
    assert len(windows) == 0 or len(blackouts.get_paths()) >= len(windows)


def test_sky_plot_draws_each_satellites_next_pass(drawn: Drawn) -> None:
    fig = drawn.figures["sky.png"]
    passes = drawn.tool("find_passes")[-1]["passes"]
    ahead = {p["satellite"]["norad_id"] for p in passes}
    lines = _by_gid(fig, "pass:")
    assert len(lines) == len(ahead)
    for line in lines:
        r = np.asarray(line.get_ydata(), dtype=float)
        assert r.min() >= 0.0 and r.max() <= 90.0  # above the horizon throughout
        assert r.min() < r[0] and r.min() < r[-1]  # it rises and sets
    masks = _by_gid(fig, "mask:")
    assert masks and all(m.get_gid()[5:] in {s.id for s in drawn.mission.stations} for m in masks)


def test_plan_timeline_has_every_command_with_its_verdict(drawn: Drawn) -> None:
    fig = drawn.figures["plan.png"]
    counts = {s.get_gid()[8:]: len(s.get_offsets()) for s in _by_gid(fig, "verdict:")}
    assert sum(counts.values()) == len(drawn.plan["commands"])
    errors = {
        v["command_index"]
        for v in drawn.json["validation"]["violations"]
        if v["severity"] == "error" and v["command_index"] is not None
    }
    assert counts["error"] == len(errors)
    ok_times = sorted(float(x) for s in _by_gid(fig, "verdict:ok") for x in s.get_offsets()[:, 0])
    flagged = {v["command_index"] for v in drawn.json["validation"]["violations"]}
    assert ok_times == pytest.approx(
        sorted(_day(c["time"]) for i, c in enumerate(drawn.plan["commands"]) if i not in flagged)
    )


def test_space_weather_draws_the_products_with_the_scales(drawn: Drawn) -> None:
    fig = drawn.figures["space-weather.png"]
    weather = drawn.views.weather
    heights = [b.get_height() for b in _by_gid(fig, "kp") if b.get_gid() == "kp"]
    assert heights == [v for _, v in weather.kp] and heights
    (xrays,) = _by_gid(fig, "xrays")
    assert list(xrays.get_ydata()) == [v for _, v in weather.xrays]
    texts = {t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))}
    assert {"G1", "G5", "R1 (M1)", "R3 (X1)", "S1", "S4"} <= texts


def test_conjunction_figures_show_pc_by_method(drawn: Drawn) -> None:
    assessed = drawn.tool("assess_conjunction")
    names = [n for n in drawn.figures if n.startswith("conjunction-")]
    assert len(names) == len({a["event_id"] for a in assessed})
    if drawn.mission.name == "conjunction-watch":
        assert names, "the conjunction mission assesses at least one event"
    by_id = {a["event_id"]: a for a in assessed}
    for name in names:
        fig = drawn.figures[name]
        text = "\n".join(t.get_text() for t in fig.texts)
        event = next(e for e in by_id if f": {e}\n" in text)
        a = by_id[event]
        widths = [b.get_width() for b in _by_gid(fig, "pc-methods")]
        want = [a["pc_foster"], a["pc_chan"], a["pc3d"]]
        assert widths[: len([w for w in want if w is not None])] == [w for w in want if w]
        assert widths[-1] == a["pc_max"]
        (hard_body,) = _by_gid(fig, "hard-body")
        xy = hard_body.get_xy()
        assert np.hypot(xy[:, 0], xy[:, 1]).max() == pytest.approx(a["hard_body_radius_m"] / 1000.0)
        assert len(_by_gid(fig, "sigma:")) == 3
        assert " / ".join(str(x) for x in a["miss_rtn_km"]) in text


def test_labels_follow_the_missions_language(drawn: Drawn) -> None:
    korean = drawn.mission.language == "ko"
    title = drawn.figures["map.png"].get_suptitle()
    assert title.endswith("지상 궤적" if korean else "Ground tracks")
    xlabel = drawn.figures["contacts.png"].axes[0].get_xlabel()
    assert xlabel == ("시각 (UTC)" if korean else "time (UTC)")
    family = drawn.figures["map.png"].texts[0].get_fontfamily()[0]
    assert (family in figures.CJK_FONTS) == korean
    assert not [w for w in drawn.warnings if "missing from font" in w]


def test_korean_without_a_cjk_font_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(figures, "CJK_FONTS", ("No Such Font KR",))
    with pytest.raises(FiguresError, match="fonts-noto-cjk"):
        figures._font_families("ko")
    assert figures._font_families("en")[0] == "DejaVu Sans"


def test_figures_dir_that_cannot_be_written(tmp_path: Path) -> None:
    afile = tmp_path / "file.png"
    afile.write_bytes(b"x")
    with pytest.raises(FiguresError, match="--figures") as err:
        check_figures_dir(afile)
    assert "is a file" in str(err.value)
    with pytest.raises(FiguresError, match=r"--figures .*cannot write"):
        check_figures_dir(afile / "sub")
    made = check_figures_dir(tmp_path / "new" / "figs")
    assert made.is_dir() and list(made.iterdir()) == []


def test_fleet_figures_and_page_from_one_collection(tmp_path: Path) -> None:
    mission = ROOT / "missions" / "demo-ko.yaml"
    also = fleet_figures_writer(tmp_path / "figs")
    said = fleet_report_command(mission, tmp_path / "fleet.html", also=also)
    assert "fleet.html" in said and "figures written" in said
    written = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert "map.png" in written and "plan.png" not in written  # no plan, no plan figure
    assert (tmp_path / "fleet.html").stat().st_size > 1_000_000
    with pytest.raises(FiguresError, match="--figures"):
        fleet_figures_writer(tmp_path / "fleet.html")


def test_cli_plan_and_report_write_figures_and_refuse_a_bad_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``plan --figures DIR`` and ``report --mission M --figures DIR`` write the PNGs the
    library writes; a DIR under a file exits 2 naming --figures, nothing planned, no traceback."""
    from cosmo_agent.agent.cli import main

    out = tmp_path / "figs"
    code = main(["plan", "bundled:demo.yaml", "--approve-all", "-o", str(tmp_path / "p.json"),
                 "--figures", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr()
    names = {p.name for p in out.glob("*.png")}
    assert {"map.png", "contacts.png", "plan.png"} <= names
    assert "figures " in capsys.readouterr().out
    fleet = tmp_path / "fleet-figs"
    assert main(["report", "--mission", "bundled:demo.yaml", "--figures", str(fleet)]) == 0
    assert (fleet / "map.png").is_file() and not (fleet / "plan.png").exists()
    capsys.readouterr()
    blocker = tmp_path / "a-file.png"
    blocker.write_bytes(b"")
    for argv in (
        ["plan", "bundled:demo.yaml", "-o", str(tmp_path / "q.json"), "--figures",
         str(blocker / "x")],
        ["report", "--mission", "bundled:demo.yaml", "--figures", str(blocker / "x")],
    ):  # fmt: skip
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "--figures" in err and "Traceback" not in err
    assert not (tmp_path / "q.json").exists()
