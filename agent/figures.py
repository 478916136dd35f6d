"""The operations report as PNG figures, for documents: ``plan MISSION --figures DIR`` and
``report --mission M --figures DIR``.

The same views as the HTML page (:mod:`cosmo_agent.agent.report`), drawn by matplotlib (Agg)
from the same :class:`~cosmo_agent.agent.report.ReportViews`, so both show the same numbers:

- ``map.png``: ground tracks (sunlit solid, eclipse dotted), positions at the planning clock,
  stations and their visibility circles over Natural Earth 1:110m land;
- ``contacts.png``: a timeline per station and antenna (passes faint, contacts solid,
  blackouts hatched);
- ``sky.png``: the next pass of each satellite on a polar sky plot with the horizon masks;
- ``conjunction-NN.png``: per assessed event, the encounter plane (combined covariance at 1, 2
  and 3 sigma, hard-body circle, miss vector), its RIC miss and Pc by method;
- ``space-weather.png``: Kp over the G bands, GOES X-rays and protons with the R and S
  thresholds;
- ``plan.png``: each command on a timeline per satellite, coloured by its validation verdict.

A figure with nothing to draw (no pass ahead, no assessed event, no plan) is not written; the
list :func:`write_figures` returns says which were. Labels follow ``mission.language``; Korean
labels need a CJK font (Debian ``fonts-noto-cjk`` or ``fonts-nanum``), found among the
installed fonts, never downloaded.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final, cast

import numpy as np

from cosmo_agent.agent import report_charts as charts
from cosmo_agent.agent.report import (
    EncounterView,
    ReportError,
    ReportViews,
    pc_by_method,
    plan_views,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.projections.polar import PolarAxes

    from cosmo_agent.agent.runner import PlanResult
    from cosmo_agent.tools.mission import Mission

__all__ = [
    "CJK_FONTS",
    "DPI",
    "WIDTH_PX",
    "FiguresError",
    "build_figures",
    "check_figures_dir",
    "fleet_figures_writer",
    "plan_figures",
    "write_figures",
]

DPI: Final = 100
"""Pixels per inch of every figure (sizes below are in pixels)."""
WIDTH_PX: Final = 1600
"""Width of every figure but the sky plot."""
_MAP_PX: Final = (WIDTH_PX, 900)
_SKY_PX: Final = (1000, 1000)
_ENCOUNTER_PX: Final = (WIDTH_PX, 700)
_WEATHER_PX: Final = (WIDTH_PX, 1100)
_ROW_PX: Final = 34
"""Height of a timeline row (station antenna, or satellite)."""
CJK_FONTS: Final = (
    "Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "Noto Sans CJK JP", "Noto Sans CJK SC",
    "UnDotum", "Baekmuk Gulim",
)  # fmt: skip
"""Fonts with Hangul, in order of preference (Debian: ``fonts-noto-cjk``, ``fonts-nanum``)."""
_LATIN: Final = "DejaVu Sans"
"""matplotlib's bundled font: always there, with °, ≥, → and σ."""
_FAINT: Final = (70 / 255, 110 / 255, 160 / 255, 0.25)
"""Pass bars (the page's rgba(70,110,160,0.22))."""


class FiguresError(ReportError):
    """The figures cannot be written (folder, missing matplotlib or font): one line."""


# -- fonts and time ------------------------------------------------------------------------------


def _font_families(language: str) -> list[str]:
    """matplotlib's font list for ``language``: a CJK font first for Korean (required), after
    DejaVu Sans otherwise (names may hold Hangul)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = next((name for name in CJK_FONTS if name in installed), None)
    if language == "ko":
        if cjk is None:
            raise FiguresError(
                "--figures: Korean labels need a CJK font and none is installed; "
                "apt-get install fonts-noto-cjk (or fonts-nanum)"
            )
        return [cjk, _LATIN]
    return [_LATIN] if cjk is None else [_LATIN, cjk]


def _style(language: str) -> AbstractContextManager[None]:
    """matplotlib settings while drawing and saving: the language's fonts (figures are drawn
    on their own Agg canvas; pyplot and the global backend are never touched)."""
    try:
        import matplotlib
    except ImportError:
        raise FiguresError(
            "--figures needs matplotlib: pip install 'cosmo-agent[report]'"
        ) from None
    return matplotlib.rc_context(
        {"font.family": _font_families(language), "font.size": 10, "axes.unicode_minus": False}
    )


def _day(t: str | float | datetime) -> float:
    """matplotlib's date number (days since 1970 UTC) of an ISO time (``Z``, an offset, or
    none: UTC), ms since 1970, or an aware datetime."""
    if isinstance(t, int | float):
        return float(t) / 86_400_000.0
    when = t if isinstance(t, datetime) else datetime.fromisoformat(t.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() / 86_400.0


def _time_axis(ax: Axes, views: ReportViews, label: bool = True) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(tz=UTC, maxticks=12)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(locator, tz=UTC)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(formatter)
    ax.set_xlim(_day(views.start), _day(views.stop))
    ax.grid(axis="x", color="#e5e5e5")
    if label:
        ax.set_xlabel(views.labels["time_utc"])


def _title(fig: Figure, views: ReportViews, key: str, note: str | None = None) -> None:
    h = fig.bbox.height  # pixels: the title keeps its place whatever the figure's height
    fig.suptitle(f"{views.mission.name} · {views.labels[key]}", fontsize=15, x=0.01,
                 y=1 - 10 / h, ha="left", va="top")  # fmt: skip
    if note:
        fig.text(0.01, 1 - 40 / h, note, fontsize=9, color="#556", ha="left", va="top")


def _timeline(rows: int, left: float) -> tuple[Figure, Axes, tuple[float, float]]:
    """A figure with one timeline axes of ``rows`` rows (80 px above for the title, 110 px
    below for the time axis and the legend) and the legend's anchor in axes coordinates."""
    plot_px = max(170, _ROW_PX * rows)
    fig = _new((WIDTH_PX, plot_px + 190))
    h = fig.bbox.height
    ax = fig.add_axes((left, 110 / h, 0.97 - left, plot_px / h))
    return fig, ax, (0.0, -62 / plot_px)


def _new(size_px: tuple[int, int]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(size_px[0] / DPI, size_px[1] / DPI), dpi=DPI)


# -- the views -----------------------------------------------------------------------------------


def _split(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """NaN-separated pieces as ``(n, 2)`` vertex arrays (the land's rings)."""
    gap = np.isnan(x)
    edges = np.flatnonzero(np.diff(np.r_[True, gap, True].astype(np.int8)))
    return [
        np.column_stack([x[a:b], y[a:b]]) for a, b in zip(edges[0::2], edges[1::2], strict=True)
    ]


def _map(views: ReportViews) -> Figure:
    from matplotlib.collections import PolyCollection

    lab = views.labels
    fig = _new(_MAP_PX)
    ax = fig.add_axes((0.05, 0.06, 0.8, 0.84))
    ax.set_facecolor("#f4f9fd")
    land = PolyCollection(
        _split(*charts.land_outline()), facecolors="#ece8dc", edgecolors="#8f8b7e",
        linewidths=0.6, zorder=1,
    )  # fmt: skip
    land.set_gid("land")
    ax.add_collection(land)
    for i, track in enumerate(views.tracks):
        colour = charts.PALETTE[i % len(charts.PALETTE)]
        (lit_x, lit_y), (dark_x, dark_y) = charts.sunlit_and_eclipse(track)
        ax.plot(lit_x, lit_y, color=colour, lw=1.3, label=track["name"], gid=f"track:{i}",
                zorder=3)  # fmt: skip
        ax.plot(dark_x, dark_y, color=colour, lw=1.1, ls=":", alpha=0.6, gid=f"eclipse:{i}",
                zorder=3)  # fmt: skip
        now = track.get("now")
        if now is not None:
            ax.plot([now[1]], [now[0]], "o", color=colour, ms=8, mec="white", mew=1, zorder=5,
                    gid=f"now:{i}")  # fmt: skip
    for st in views.stations:
        lon_c, lat_c = st["circle"]
        ax.plot(lon_c, lat_c, color="#444", lw=0.9, ls="--", zorder=2, gid=f"circle:{st['id']}")
        ax.plot([st["lon"]], [st["lat"]], "^", color="#111", ms=8, zorder=6,
                gid=f"station:{st['id']}")  # fmt: skip
        ax.annotate(st["id"], (st["lon"], st["lat"]), xytext=(4, 4), textcoords="offset points",
                    fontsize=8, zorder=6)  # fmt: skip
    if views.tracks:
        ax.plot([], [], color="#555", ls=":", label=lab["eclipse"])
    if views.stations:
        ax.plot([], [], "^", color="#111", ls="none", label=lab["stations"])
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_aspect("equal")
    ax.set_xticks(range(-180, 181, 30))
    ax.set_yticks(range(-90, 91, 30))
    ax.grid(color="#dde6ee", zorder=0)
    ax.set_xlabel(lab["longitude"])
    ax.set_ylabel(lab["latitude"])
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    _title(fig, views, "map", lab["map_note"].format(alt=round(views.altitude_km)))
    return fig


def _bars(
    ax: Axes, bars: Sequence[charts.Bar], rows: dict[str, int], gid: str, **style: object
) -> None:
    """One collection of bars (a rectangle per bar, on its row); ``gid`` names it."""
    from matplotlib.collections import PolyCollection

    verts = []
    for b in bars:
        y = rows.get(b["row"])
        if y is None:
            continue
        x0 = _day(b["start"])
        x1 = x0 + b["ms"] / 86_400_000.0
        verts.append([(x0, y - 0.35), (x1, y - 0.35), (x1, y + 0.35), (x0, y + 0.35)])
    collection = PolyCollection(verts, **style)  # type: ignore[arg-type]
    collection.set_gid(gid)
    ax.add_collection(collection)


def _contacts(views: ReportViews) -> Figure:
    from matplotlib.patches import Patch

    lab = views.labels
    view = views.contacts
    n = len(view.rows)
    fig, ax, anchor = _timeline(n, 0.12)
    rows = {row: n - 1 - i for i, row in enumerate(view.rows)}  # the first row on top
    _bars(ax, view.passes, rows, "passes", facecolors=[_FAINT], edgecolors="none")
    _bars(ax, view.blackouts, rows, "blackouts", facecolors="none", edgecolors="#555",
          hatch="//", linewidths=0.8)  # fmt: skip
    handles = [
        Patch(facecolor=_FAINT, label=lab["passes"]),
        Patch(facecolor="none", edgecolor="#555", hatch="//", label=lab["blackouts"]),
    ]
    satellites = list(dict.fromkeys(c.get("satellite", "") for c in view.contacts))
    for i, sat in enumerate(satellites):
        colour = charts.PALETTE[i % len(charts.PALETTE)]
        mine = [c for c in view.contacts if c.get("satellite", "") == sat]
        _bars(ax, mine, rows, f"contacts:{sat}", facecolors=colour, edgecolors="none")
        handles.append(Patch(facecolor=colour, label=sat))
    ax.set_yticks(range(n), [view.rows[n - 1 - k] for k in range(n)], fontsize=9)
    ax.set_ylim(-0.7, n - 0.3)
    _time_axis(ax, views)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=anchor,
              ncol=min(8, len(handles)), fontsize=8, frameon=False)  # fmt: skip
    _title(fig, views, "contacts")
    return fig


def _sky(views: ReportViews) -> Figure | None:
    lab = views.labels
    view = views.contacts
    tracks = [view.sky[i] for i in view.next_passes]
    if not tracks:
        return None
    fig = _new(_SKY_PX)
    ax = cast("PolarAxes", fig.add_axes((0.08, 0.16, 0.84, 0.74), projection="polar"))
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    for station in dict.fromkeys(t["station"] for t in tracks):
        mask = view.masks.get(station)
        if mask is not None:
            ax.fill(np.radians(mask["theta"]), mask["r"], facecolor=(0.47, 0.39, 0.31, 0.15),
                    edgecolor="#7a6a55", lw=0.8, gid=f"mask:{station}",
                    label=f"{station} {lab['horizon_mask']}")  # fmt: skip
    for i, t in enumerate(tracks):
        ax.plot(np.radians(t["az"]), 90.0 - np.asarray(t["el"], dtype=float), "-o", ms=2,
                lw=1.8, color=t.get("colour", charts.PALETTE[0]), label=t["name"],
                gid=f"pass:{i}")  # fmt: skip
    ax.set_rlim(0, 90)
    ax.set_rticks([0, 30, 60, 90], ["90°", "60°", "30°", "0°"])
    ax.set_rlabel_position(90)
    ax.set_thetagrids(range(0, 360, 45), ["N", "45°", "E", "135°", "S", "225°", "W", "315°"])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.05), ncol=2, fontsize=8,
              frameon=False)  # fmt: skip
    _title(fig, views, "sky", lab["sky_note"])
    return fig


def _sci(value: float | None) -> str:
    return "—" if value is None else f"{value:.4e}"


def _encounter(views: ReportViews, view: EncounterView) -> Figure | None:
    a = view.assessment
    if a is None:
        return None
    lab = views.labels
    event = view.event
    fig = _new(_ENCOUNTER_PX)
    plane_ax = fig.add_axes((0.05, 0.22, 0.36, 0.64))
    if view.plane is not None:
        miss, cov = view.plane
        for k, alpha in ((3, 0.08), (2, 0.14), (1, 0.24)):
            pts = charts.sigma_ellipse(cov, miss, k)
            plane_ax.fill(pts[0], pts[1], facecolor=(0.12, 0.47, 0.71, alpha),
                          edgecolor="#1f77b4", lw=0.8, gid=f"sigma:{k}",
                          label=f"{k}σ {lab['combined_covariance']}")  # fmt: skip
        r_km = a.hard_body_radius_m / 1000.0
        t = np.linspace(0.0, 2.0 * math.pi, 73)
        plane_ax.fill(r_km * np.cos(t), r_km * np.sin(t), facecolor=(0.84, 0.15, 0.16, 0.5),
                      edgecolor="#d62728", lw=1.5, gid="hard-body",
                      label=f"{lab['hard_body']} {a.hard_body_radius_m:g} m")  # fmt: skip
        plane_ax.plot([0.0, float(miss[0])], [0.0, float(miss[1])], ":", color="#333", lw=1,
                      gid="miss", label=lab["miss_vector"])  # fmt: skip
        plane_ax.plot([float(miss[0])], [float(miss[1])], "o", color="#1f77b4", ms=6)
        plane_ax.set_aspect("equal", adjustable="datalim")
        plane_ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8,
                        frameon=False)  # fmt: skip
    else:
        plane_ax.text(0.5, 0.5, "—", ha="center", va="center", transform=plane_ax.transAxes)
    plane_ax.set_xlabel("x (km)")
    plane_ax.set_ylabel("z (km)")
    plane_ax.grid(color="#eee")
    plane_ax.set_title(lab["encounter_plane"], fontsize=11)

    methods = pc_by_method(a)
    pc_ax = fig.add_axes((0.52, 0.42, 0.44, 0.44))
    if methods:
        values = [max(v, 1e-300) for _, v in methods]
        bars = pc_ax.barh(range(len(methods)), values, color="#1f77b4", height=0.6,
                          gid="pc-methods")  # fmt: skip
        pc_ax.set_yticks(range(len(methods)), [m for m, _ in methods])
        pc_ax.invert_yaxis()
        pc_ax.set_xscale("log")
        pc_ax.bar_label(bars, [_sci(v) for _, v in methods], padding=3, fontsize=8)
        if a.pc is not None:
            pc_ax.axvline(a.pc, color="#d62728", lw=1, ls="--")
    pc_ax.set_title(lab["pc_methods"], fontsize=11)
    pc_ax.grid(axis="x", color="#eee")
    avoidance = view.avoidance
    lines = [
        f"{lab['event']}: {event.event_id}",
        f"{lab['primary']}: {event.primary.name} · {lab['secondary']}: {event.secondary.name} "
        f"({event.secondary.norad_id})",
        f"{lab['tca']}: {_utc_text(event.tca_utc)}",
        f"{lab['miss_km']}: {a.miss_km} · {lab['rel_speed']}: {event.relative_speed_km_s}",
        f"{lab['ric_km']}: " + " / ".join(str(x) for x in a.miss_rtn_km),
        f"{lab['pc']}: {_sci(a.pc)} ({a.pc_method}) · {lab['action']}: {a.action}",
    ]
    if avoidance is not None:
        lines.append(
            f"{lab['avoidance']}: {avoidance.delta_v_m_s} m/s {avoidance.direction}, "
            f"{lab['miss_km']} {avoidance.miss_km}, Pc {_sci(avoidance.pc)}"
            if avoidance.status == "proposed"
            else f"{lab['avoidance']}: {avoidance.status}"
        )
    fig.text(0.52, 0.32, "\n".join(lines), fontsize=9.5, va="top", ha="left", linespacing=1.6)
    _title(fig, views, "conjunctions")
    return fig


def _utc_text(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _space_weather(views: ReportViews) -> Figure:
    lab = views.labels
    w = views.weather
    fig = _new(_WEATHER_PX)
    kp_ax = fig.add_axes((0.07, 0.66, 0.85, 0.26))
    x_ax = fig.add_axes((0.07, 0.37, 0.85, 0.24), sharex=kp_ax)
    p_ax = fig.add_axes((0.07, 0.08, 0.85, 0.24), sharex=kp_ax)
    width = 3 / 24 * 0.9  # Kp is a 3-hour index
    kp_ax.bar([_day(t) for t, _ in w.kp], [v for _, v in w.kp], width=width, align="edge",
              color=[charts.kp_colour(v) for _, v in w.kp], gid="kp",
              label=lab["kp_observed"])  # fmt: skip
    kp_ax.bar([_day(t) for t, _, _ in w.kp_forecast], [v for _, v, _ in w.kp_forecast],
              width=width, align="edge", color=[charts.kp_colour(v) for _, v, _ in w.kp_forecast],
              alpha=0.55, hatch="..", gid="kp-forecast", label=lab["kp_forecast"])  # fmt: skip
    for i, (start, name) in enumerate(charts.G_BANDS):
        kp_ax.axhspan(start, start + 1, color=charts.kp_colour(start), alpha=0.08 + 0.03 * i, lw=0)
        kp_ax.text(1.005, start + 0.5, name, transform=kp_ax.get_yaxis_transform(), fontsize=8,
                   va="center", color="#555")  # fmt: skip
    kp_ax.set_ylim(0, 9.5)
    kp_ax.set_ylabel("Kp")
    kp_ax.legend(loc="upper left", fontsize=8, frameon=False)
    for ax, series, colour, name, unit, thresholds, limits, gid in (
        (x_ax, w.xrays, "#9467bd", lab["xray"], "W/m²", charts.R_THRESHOLDS_W_M2,
         (10**-7.5, 10**-2.4), "xrays"),
        (p_ax, w.protons, "#d62728", lab["protons"], "pfu", charts.S_THRESHOLDS_PFU,
         (10**-1, 10**5.5), "protons"),
    ):  # fmt: skip
        ax.plot([_day(t) for t, _ in series], [v for _, v in series], color=colour, lw=1.2,
                label=name, gid=gid)  # fmt: skip
        ax.set_yscale("log")
        ax.set_ylim(*limits)
        for value, level in thresholds:
            ax.axhline(value, color="#999", lw=0.8, ls="--")
            ax.text(1.005, value, level, transform=ax.get_yaxis_transform(), fontsize=8,
                    va="center", color="#555")  # fmt: skip
        ax.set_ylabel(unit)
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    for ax in (kp_ax, x_ax, p_ax):
        ax.axvline(_day(views.start), color="#222", lw=1.3)
        ax.grid(axis="x", color="#eee")
    _time_axis(p_ax, views)
    times = [_day(t) for t, _ in w.kp] + [_day(t) for t, _ in w.xrays + w.protons]
    times += [_day(t) for t, _, _ in w.kp_forecast]
    if times:  # the data's own span, the planning clock included (as the page's autorange)
        lo, hi = min([*times, _day(views.start)]), max([*times, _day(views.start)])
        p_ax.set_xlim(lo - width, hi + width)
    for ax in (kp_ax, x_ax):
        ax.tick_params(labelbottom=False)
    _title(fig, views, "space_weather")
    return fig


def _plan(views: ReportViews) -> Figure | None:
    plan = views.plan
    if plan is None:
        return None
    lab = views.labels
    satellites = [s.name for s in views.mission.fleet]
    n = len(satellites)
    fig, ax, anchor = _timeline(n, 0.14)
    rows = {name: n - 1 - i for i, name in enumerate(satellites)}
    markers = {"ok": "o", "warning": "D", "error": "X"}
    for verdict, colour in charts.VERDICT_COLOURS.items():
        mine = [
            c for c, v in zip(plan.commands, views.verdicts, strict=True)
            if v == verdict and c.satellite.name in rows
        ]  # fmt: skip
        ax.scatter([_day(c.time) for c in mine], [rows[c.satellite.name] for c in mine],
                   s=70, c=colour, marker=markers[verdict], edgecolors="white", linewidths=0.8,
                   label=f"{lab[f'verdict_{verdict}']} ({len(mine)})", gid=f"verdict:{verdict}",
                   zorder=3)  # fmt: skip
    ax.set_yticks(range(n), [satellites[n - 1 - k] for k in range(n)], fontsize=9)
    ax.set_ylim(-0.7, n - 0.3)
    _time_axis(ax, views)
    ax.legend(loc="upper left", bbox_to_anchor=anchor, ncol=3, fontsize=9, frameon=False)
    status = "" if views.status is None else f"{lab['status']}: {views.status}"
    _title(fig, views, "plan", f"{lab['plan_note']} · {status}" if status else lab["plan_note"])
    return fig


def build_figures(views: ReportViews) -> dict[str, Figure]:
    """The figures of ``views`` by file name (``map.png``, ...), drawn, not yet saved; those
    with nothing to draw are left out. Needs matplotlib (extra ``report``)."""
    with _style(views.mission.language):
        drawn: dict[str, Figure | None] = {
            "map.png": _map(views),
            "contacts.png": _contacts(views),
            "sky.png": _sky(views),
        }
        for i, view in enumerate(views.encounters, start=1):
            slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", view.event.event_id).strip("-")
            drawn[f"conjunction-{i:02d}-{slug}.png"] = _encounter(views, view)
        drawn["space-weather.png"] = _space_weather(views)
        drawn["plan.png"] = _plan(views)
        return {name: fig for name, fig in drawn.items() if fig is not None}


def check_figures_dir(path: str | os.PathLike[str]) -> Path:
    """``--figures DIR``: a folder that is or can be made, and can be written (checked before
    any work; a :class:`FiguresError` naming ``--figures`` otherwise)."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise FiguresError(f"--figures {out} is a file; give a folder for the PNG figures")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise FiguresError(
            f"--figures {out}: cannot write there ({exc.strerror}); choose another folder"
        ) from None
    return out


def write_figures(views: ReportViews, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Draw the figures of ``views`` and save them as PNG files in ``out_dir`` (made if
    missing); return their paths, in drawing order. All are drawn before any is written."""
    folder = check_figures_dir(out_dir)
    figures = build_figures(views)
    written: list[Path] = []
    with _style(views.mission.language):  # tick labels are laid out when saved
        for name, fig in figures.items():
            path = folder / name
            try:
                fig.savefig(path, dpi=DPI, format="png", metadata={"Software": "cosmo-agent"})
            except OSError as exc:
                raise FiguresError(f"--figures {path}: cannot write ({exc.strerror})") from None
            written.append(path)
    return written


def plan_figures(
    result: PlanResult, mission: Mission, out_dir: str | os.PathLike[str]
) -> list[Path]:
    """``plan MISSION --figures DIR``: the PNG figures of a plan run."""
    return write_figures(plan_views(result, mission), out_dir)


def fleet_figures_writer(out_dir: str | os.PathLike[str]) -> Callable[[ReportViews], str]:
    """``report --mission M --figures DIR``: checks ``DIR`` now (before any work) and returns
    the writer :func:`~cosmo_agent.agent.report.fleet_report_command` calls with the fleet's
    views (``also=``), which writes the figures and returns a line naming them."""
    folder = check_figures_dir(out_dir)

    def write(views: ReportViews) -> str:
        paths = write_figures(views, folder)
        return f"{len(paths)} figures written to {folder}: {', '.join(p.name for p in paths)}"

    return write
