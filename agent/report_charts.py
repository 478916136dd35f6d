"""The charts of the HTML operations report, as plotly figure dictionaries (no plotting here).

Each function takes plain data (numbers the plan and its tools reported, or arrays the orbital
core computed) and returns a plotly.js figure ``{"data": [...], "layout": {...}}``; the page
(:mod:`cosmo_agent.agent.report`) serialises them and plotly.js, inlined once, draws them. Long
arrays travel as plotly.js typed arrays (``{"dtype": "f4", "bdata": base64}``), a quarter of
their JSON text. The map is an equirectangular lon/lat plot with Natural Earth 1:110m land
(public domain, shipped in ``agent/data/ne-110m-land.json``), not a plotly ``geo`` subplot,
whose coastlines plotly.js would fetch from a CDN.

>>> fig = sky_figure([], {}, {"elevation": "elevation"})
>>> fig["layout"]["polar"]["angularaxis"]["direction"]
'clockwise'
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.resources import files
from typing import Final, NotRequired, TypedDict

import numpy as np
from numpy.typing import ArrayLike

from cosmo_agent.orbital.constants import WGS84_RADIUS_KM

__all__ = [
    "PALETTE",
    "VERDICT_COLOURS",
    "Bar",
    "Figure",
    "GroundTrack",
    "HorizonMask",
    "PlanMark",
    "SkyTrack",
    "StationMark",
    "encounter_figure",
    "gantt_figure",
    "kp_colour",
    "land_outline",
    "map_figure",
    "plan_figure",
    "sigma_ellipse",
    "sky_figure",
    "space_weather_figure",
    "sunlit_and_eclipse",
    "typed",
    "visibility_circle",
]

Figure = dict[str, object]
"""A plotly.js figure ``{"data": [...], "layout": {...}}``: serialised for plotly.js, never read
back in Python."""


class GroundTrack(TypedDict):
    """A satellite's ground track for :func:`map_figure` (arrays over the report's times)."""

    name: str
    lon: np.ndarray
    lat: np.ndarray
    eclipse: np.ndarray
    now: tuple[float, float] | None
    """``(lat, lon)`` of the satellite at the planning clock, or None."""


class StationMark(TypedDict):
    """A ground station on the map, with its visibility circle ``(lon, lat)``."""

    id: str
    name: str
    lat: float
    lon: float
    min_el: float
    circle: tuple[ArrayLike, ArrayLike]


class Bar(TypedDict):
    """One bar of :func:`gantt_figure`: ISO ``start`` (or ms since 1970), length ``ms``."""

    row: str
    start: str | float
    ms: float
    text: str | None
    sky: NotRequired[int]
    """Index into the sky-plot data, or -1."""
    satellite: NotRequired[str]


class SkyTrack(TypedDict):
    """A pass on the sky plot: azimuth and elevation (degrees) along it."""

    name: str
    station: str
    az: Sequence[float]
    el: Sequence[float]
    colour: NotRequired[str]


class HorizonMask(TypedDict):
    """A station's horizon mask as a polar outline (r = 90° - elevation, theta = azimuth)."""

    r: list[float]
    theta: list[float]


class PlanMark(TypedDict):
    """A command on :func:`plan_figure`'s timeline."""

    time: str
    satellite: str
    verdict: str
    index: int
    text: str | None


PALETTE: Final = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22",
)  # fmt: skip
"""Satellite colours (plotly's D3 palette), cycled."""
VERDICT_COLOURS: Final = {"ok": "#2ca02c", "warning": "#ff9f1a", "error": "#d62728"}
"""Plan timeline: a command's colour by its validation verdict."""
EARTH_RADIUS_KM: Final = WGS84_RADIUS_KM
"""WGS84 equatorial radius (visibility circles on a sphere: a drawing, not a pass prediction)."""
G_BANDS: Final = ((5.0, "G1"), (6.0, "G2"), (7.0, "G3"), (8.0, "G4"), (9.0, "G5"))
"""NOAA G scale: Kp at which each level starts."""
R_THRESHOLDS_W_M2: Final = ((1e-5, "R1 (M1)"), (5e-5, "R2 (M5)"), (1e-4, "R3 (X1)"),
                            (1e-3, "R4 (X10)"), (2e-3, "R5 (X20)"))  # fmt: skip
"""NOAA R scale: GOES 0.1-0.8 nm X-ray flux at which each level starts."""
S_THRESHOLDS_PFU: Final = ((10.0, "S1"), (1e2, "S2"), (1e3, "S3"), (1e4, "S4"), (1e5, "S5"))
"""NOAA S scale: GOES >=10 MeV integral proton flux at which each level starts."""
_FONT: Final = {"family": "system-ui, 'Noto Sans CJK KR', 'Noto Sans', sans-serif", "size": 12}


def typed(values: ArrayLike, dtype: str = "f4") -> dict[str, str]:
    """A plotly.js typed array (float32 unless ``dtype`` says ``f8``; NaN for gaps)."""
    a = np.ascontiguousarray(np.asarray(values, dtype="<" + dtype))
    return {"dtype": dtype, "bdata": base64.b64encode(a.tobytes()).decode("ascii")}


def _layout(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "font": _FONT,
        "margin": {"l": 60, "r": 20, "t": 30, "b": 40},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hovermode": "closest",
    }
    base.update(extra)
    return base


# -- map -----------------------------------------------------------------------------------------


@cache
def land_outline() -> tuple[np.ndarray, np.ndarray]:
    """Natural Earth 1:110m land rings as lon/lat arrays with NaN between rings."""
    path = files("cosmo_agent.agent") / "data" / "ne-110m-land.json"
    rings = json.loads(path.read_text(encoding="utf-8"))["rings"]
    lon: list[np.ndarray] = []
    lat: list[np.ndarray] = []
    for ring in rings:  # a ring across the antimeridian (Fiji, Chukotka) is drawn in pieces
        x, y = _break_antimeridian(np.asarray(ring[0::2]), np.asarray(ring[1::2]))
        lon += [x, np.array([math.nan])]
        lat += [y, np.array([math.nan])]
    return np.concatenate(lon), np.concatenate(lat)


def visibility_circle(
    lat_deg: float, lon_deg: float, min_elevation_deg: float, altitude_km: float, n: int = 121
) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of the ground circle inside which a satellite at ``altitude_km`` stands above
    ``min_elevation_deg`` (spherical Earth), broken with NaN where it crosses the antimeridian.

    >>> lon, lat = visibility_circle(0.0, 0.0, 0.0, 700.0, n=5)
    >>> round(float(lat.max()), 1)  # a 700 km orbit's horizon: acos(R / (R + h)) = 25.7 deg
    25.7
    """
    e = math.radians(min_elevation_deg)
    ratio = EARTH_RADIUS_KM / (EARTH_RADIUS_KM + altitude_km)
    lam = math.acos(ratio * math.cos(e)) - e  # Earth central angle to the circle
    phi1, lam1 = math.radians(lat_deg), math.radians(lon_deg)
    bearing = np.linspace(0.0, 2.0 * math.pi, n)
    phi2 = np.arcsin(
        math.sin(phi1) * math.cos(lam) + math.cos(phi1) * math.sin(lam) * np.cos(bearing)
    )
    lam2 = lam1 + np.arctan2(
        np.sin(bearing) * math.sin(lam) * math.cos(phi1),
        math.cos(lam) - math.sin(phi1) * np.sin(phi2),
    )
    lon = (np.degrees(lam2) + 180.0) % 360.0 - 180.0
    return _break_antimeridian(lon, np.degrees(phi2))


def _break_antimeridian(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Insert a NaN where consecutive longitudes jump across ±180° (keeps lines off the map)."""
    jumps = np.flatnonzero(np.abs(np.diff(lon)) > 180.0) + 1
    return np.insert(lon, jumps, np.nan), np.insert(lat, jumps, np.nan)


def _compact(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop each NaN that follows a NaN (a gap needs one): the eclipse line is mostly gap."""
    gap = np.isnan(x)
    keep = ~(gap & np.r_[True, gap[:-1]])
    return x[keep], y[keep]


def sunlit_and_eclipse(
    track: GroundTrack,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The track's sunlit and eclipse lines as ``(lon, lat)`` with NaN gaps (each segment keeps
    its end points, so the two meet; broken at the antimeridian)."""
    lon, lat = np.asarray(track["lon"]), np.asarray(track["lat"])
    dark = np.asarray(track["eclipse"], dtype=bool)
    lit_keep = ~dark | np.r_[False, ~dark[:-1]] | np.r_[~dark[1:], False]
    dark_keep = dark | np.r_[False, dark[:-1]] | np.r_[dark[1:], False]
    lit, eclipse = (
        _compact(*_break_antimeridian(np.where(keep, lon, np.nan), np.where(keep, lat, np.nan)))
        for keep in (lit_keep, dark_keep)
    )
    return lit, eclipse


def map_figure(
    tracks: Sequence[GroundTrack],
    stations: Sequence[StationMark],
    labels: Mapping[str, str],
    *,
    webgl: bool = False,
) -> Figure:
    """Ground tracks (sunlit solid, eclipse dotted), positions now, stations and their circles.

    ``tracks``: ``{"name", "lon", "lat", "eclipse" (bool array), "now": (lat, lon) | None}``;
    ``stations``: ``{"id", "name", "lat", "lon", "min_el", "circle": (lon, lat)}``.
    """
    kind = "scattergl" if webgl else "scatter"
    land_lon, land_lat = land_outline()
    data: list[dict[str, object]] = [
        {
            "type": "scatter",
            "x": typed(land_lon),
            "y": typed(land_lat),
            "mode": "lines",
            "fill": "toself",
            "fillcolor": "#ece8dc",
            "line": {"color": "#8f8b7e", "width": 0.7},
            "hoverinfo": "skip",
            "name": labels["coastlines"],
            "showlegend": False,
        }
    ]
    for i, track in enumerate(tracks):
        colour = PALETTE[i % len(PALETTE)]
        lit, eclipse = sunlit_and_eclipse(track)
        for (x, y), dash, name, legend in (
            (lit, "solid", track["name"], True),
            (eclipse, "dot", f"{track['name']} · {labels['eclipse']}", False),
        ):
            data.append(
                {
                    "type": kind,
                    "x": typed(x),
                    "y": typed(y),
                    "mode": "lines",
                    "line": {"color": colour, "width": 1.4 if legend else 1.2, "dash": dash},
                    "opacity": 1.0 if legend else 0.55,
                    "name": name,
                    "legendgroup": track["name"],
                    "showlegend": legend,
                    "meta": {"track": track["name"], "part": "sunlit" if legend else "eclipse"},
                    "hovertemplate": f"{track['name']}<br>%{{y:.1f}}°, %{{x:.1f}}°<extra></extra>",
                }
            )
        now = track.get("now")
        if now is not None:
            lat_now, lon_now = now
            data.append(
                {
                    "type": "scatter",
                    "x": [lon_now],
                    "y": [lat_now],
                    "mode": "markers",
                    "marker": {"color": colour, "size": 9, "line": {"color": "white", "width": 1}},
                    "name": track["name"],
                    "legendgroup": track["name"],
                    "showlegend": False,
                    "hovertemplate": f"{track['name']} ({labels['now']})<br>"
                    f"{lat_now}°, {lon_now}°<extra></extra>",
                }
            )
    for st in stations:
        lon_c, lat_c = st["circle"]
        data.append(
            {
                "type": "scatter",
                "x": typed(lon_c),
                "y": typed(lat_c),
                "mode": "lines",
                "line": {"color": "#444", "width": 1, "dash": "dash"},
                "hoverinfo": "skip",
                "showlegend": False,
                "name": f"{st['id']} {st['min_el']}°",
            }
        )
    if stations:
        data.append(
            {
                "type": "scatter",
                "x": [s["lon"] for s in stations],
                "y": [s["lat"] for s in stations],
                "text": [s["id"] for s in stations],
                "mode": "markers+text",
                "textposition": "top right",
                "marker": {"symbol": "triangle-up", "size": 11, "color": "#111"},
                "name": labels["stations"],
                "customdata": [[s["name"], s["min_el"]] for s in stations],
                "hovertemplate": "%{text} (%{customdata[0]})<br>%{y}°, %{x}°<br>"
                + labels["min_elevation"]
                + " %{customdata[1]}°<extra></extra>",
            }
        )
    layout = _layout(
        height=560,
        xaxis={"range": [-180, 180], "dtick": 30, "title": {"text": labels["longitude"]},
               "constrain": "domain", "showgrid": True, "gridcolor": "#dde6ee", "zeroline": False},
        yaxis={"range": [-90, 90], "dtick": 30, "title": {"text": labels["latitude"]},
               "scaleanchor": "x", "scaleratio": 1, "constrain": "domain", "showgrid": True,
               "gridcolor": "#dde6ee",
               "zeroline": False},
        plot_bgcolor="#f4f9fd",
        legend={"orientation": "h", "y": -0.12},
    )  # fmt: skip
    return {"data": data, "layout": layout}


# -- passes and contacts -------------------------------------------------------------------------


def gantt_figure(
    rows: Sequence[str],
    passes: Sequence[Bar],
    contacts: Sequence[Bar],
    blackouts: Sequence[Bar],
    window: tuple[str, str],
    labels: Mapping[str, str],
) -> Figure:
    """One row per station and antenna: passes faint, contacts solid, blackouts hatched.

    Each bar is ``{"row", "start", "ms", "text", "sky"}`` (``sky``: index into the sky-plot
    data or -1); contacts also carry ``"satellite"`` (one trace, one colour per satellite).
    """

    def bars(items: Sequence[Bar], **style: object) -> dict[str, object]:
        hover = any(b["text"] is not None for b in items)  # None: a big plan, the row only
        return {
            "type": "bar",
            "orientation": "h",
            "y": [b["row"] for b in items],
            # ISO strings, or (a big plan) ms since 1970 as float64, which date axes also read
            "base": [b["start"] for b in items]
            if hover or not items
            else typed([b["start"] for b in items], "f8"),
            "x": typed([b["ms"] for b in items]),
            **({"hovertext": [b["text"] for b in items]} if hover else {}),
            "hovertemplate": ("%{hovertext}" if hover else "%{fullData.name} %{y}")
            + "<extra></extra>",
            "customdata": [b.get("sky", -1) for b in items],
            **style,
        }

    data = [
        bars(
            passes,
            name=labels["passes"],
            marker={"color": "rgba(70,110,160,0.22)", "line": {"width": 0}},
            meta="passes",
        ),
        bars(
            blackouts,
            name=labels["blackouts"],
            marker={
                "color": "rgba(0,0,0,0)",
                "line": {"color": "#555", "width": 1},
                "pattern": {"shape": "/", "fgcolor": "#555", "size": 6, "solidity": 0.3},
            },
            meta="blackouts",
        ),
    ]
    satellites = list(dict.fromkeys(c["satellite"] for c in contacts))
    for i, sat in enumerate(satellites):
        mine = [c for c in contacts if c["satellite"] == sat]
        data.append(
            bars(mine, name=sat, marker={"color": PALETTE[i % len(PALETTE)]}, meta="contacts")
        )
    layout = _layout(
        height=max(260, 46 * len(rows) + 110),
        barmode="overlay",
        bargap=0.25,
        xaxis={"type": "date", "range": list(window), "title": {"text": labels["time_utc"]},
               "gridcolor": "#e5e5e5"},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": list(rows)[::-1],
               "automargin": True},
        legend={"orientation": "h", "y": -0.25},
    )  # fmt: skip
    return {"data": data, "layout": layout}


def _mask_trace(mask: HorizonMask, name: str) -> dict[str, object]:
    return {
        "type": "scatterpolar",
        "r": list(mask["r"]),
        "theta": list(mask["theta"]),
        "mode": "lines",
        "fill": "toself",
        "fillcolor": "rgba(120,100,80,0.15)",
        "line": {"color": "#7a6a55", "width": 1},
        "name": name,
        "hoverinfo": "skip",
        "meta": "mask",
    }


def sky_figure(
    tracks: Sequence[SkyTrack], masks: Mapping[str, HorizonMask],
    labels: Mapping[str, str],
) -> Figure:  # fmt: skip
    """Polar sky plot (north up, azimuth clockwise, zenith in the middle) of pass tracks.

    ``tracks``: ``{"name", "station", "az", "el", "colour"}``; ``masks``: station id →
    ``{"r", "theta"}``, the ring between the horizon and the station's horizon mask (shaded).
    """
    stations = list(dict.fromkeys(t["station"] for t in tracks))
    data = [_mask_trace(masks[s], f"{s} {labels['horizon_mask']}") for s in stations if s in masks]
    for t in tracks:
        data.append(
            {
                "type": "scatterpolar",
                "r": [90.0 - e for e in t["el"]],
                "theta": list(t["az"]),
                "mode": "lines+markers",
                "marker": {"size": 3, "color": t.get("colour", PALETTE[0])},
                "line": {"color": t.get("colour", PALETTE[0]), "width": 2},
                "name": t["name"],
                "hovertemplate": f"{t['name']}<br>az %{{theta:.1f}}°<extra></extra>",
                "meta": "pass",
            }
        )
    layout = _layout(
        height=540,
        showlegend=True,
        legend={"orientation": "h", "y": -0.08, "font": {"size": 10}},
        margin={"l": 30, "r": 30, "t": 30, "b": 20},
        polar={
            "angularaxis": {"rotation": 90, "direction": "clockwise", "dtick": 45},
            "radialaxis": {"range": [0, 90], "tickvals": [0, 30, 60, 90],
                           "ticktext": ["90°", "60°", "30°", "0°"], "angle": 90,
                           "title": {"text": labels["elevation"]}},
        },
    )  # fmt: skip
    return {"data": data, "layout": layout}


# -- conjunctions --------------------------------------------------------------------------------


def sigma_ellipse(cov: np.ndarray, centre: np.ndarray, k: float, n: int = 121) -> np.ndarray:
    """The ``k``-sigma ellipse of the 2x2 covariance ``cov`` about ``centre``: shape (2, n)."""
    values, vectors = np.linalg.eigh(cov)
    t = np.linspace(0.0, 2.0 * math.pi, n)
    circle = np.stack([np.cos(t), np.sin(t)])
    return np.asarray(centre[:, None] + vectors @ (k * np.sqrt(np.maximum(values, 0))[:, None]
                                                  * circle))  # fmt: skip


def encounter_figure(
    miss_xz_km: ArrayLike, covariance_km2: ArrayLike, hbr_m: float, labels: Mapping[str, str]
) -> Figure:
    """The encounter plane: the combined covariance (1, 2, 3 σ) about the secondary's miss
    point and the hard-body circle about the primary (the Pc is the first integrated over the
    second)."""
    miss = np.asarray(miss_xz_km, dtype=float)
    cov = np.asarray(covariance_km2, dtype=float)
    data: list[dict[str, object]] = []
    for k, alpha in ((3, 0.08), (2, 0.14), (1, 0.24)):
        pts = sigma_ellipse(cov, miss, k)
        data.append(
            {
                "type": "scatter",
                "x": np.round(pts[0], 5).tolist(),
                "y": np.round(pts[1], 5).tolist(),
                "mode": "lines",
                "fill": "toself",
                "fillcolor": f"rgba(31,119,180,{alpha})",
                "line": {"color": "#1f77b4", "width": 1},
                "name": f"{k}σ {labels['combined_covariance']}",
                "hoverinfo": "skip",
            }
        )
    r_km = hbr_m / 1000.0
    t = np.linspace(0.0, 2.0 * math.pi, 73)
    data.append(
        {
            "type": "scatter",
            "x": np.round(r_km * np.cos(t), 6).tolist(),
            "y": np.round(r_km * np.sin(t), 6).tolist(),
            "mode": "lines",
            "fill": "toself",
            "fillcolor": "rgba(214,39,40,0.5)",
            "line": {"color": "#d62728", "width": 2},
            "name": f"{labels['hard_body']} {hbr_m:g} m",
        }
    )
    data.append(
        {
            "type": "scatter",
            "x": [0.0, float(miss[0])],
            "y": [0.0, float(miss[1])],
            "mode": "lines+markers",
            "marker": {"size": [7, 9], "color": ["#d62728", "#1f77b4"]},
            "line": {"color": "#333", "width": 1, "dash": "dot"},
            "name": labels["miss_vector"],
        }
    )
    layout = _layout(
        height=420,
        width=440,
        margin={"l": 55, "r": 10, "t": 10, "b": 45},
        xaxis={"title": {"text": "x (km)"}, "zeroline": True, "gridcolor": "#eee"},
        yaxis={"title": {"text": "z (km)"}, "scaleanchor": "x", "scaleratio": 1,
               "zeroline": True, "gridcolor": "#eee"},
        legend={"font": {"size": 10}, "orientation": "h", "y": -0.22},
    )  # fmt: skip
    return {"data": data, "layout": layout}


# -- space weather -------------------------------------------------------------------------------


def space_weather_figure(
    kp: Sequence[tuple[str, float]],
    kp_forecast: Sequence[tuple[str, float, str]],
    xrays: Sequence[tuple[str, float]],
    protons: Sequence[tuple[str, float]],
    now: str,
    labels: Mapping[str, str],
) -> Figure:
    """Kp (observed bars, forecast hatched) over the G bands; GOES X-rays and protons (log)
    with the R and S thresholds; a vertical line at the planning clock."""
    data: list[dict[str, object]] = [
        {
            "type": "bar",
            "x": [t for t, _ in kp],
            "y": [v for _, v in kp],
            "name": labels["kp_observed"],
            "marker": {"color": [kp_colour(v) for _, v in kp]},
            "xaxis": "x",
            "yaxis": "y",
            "meta": "kp",
        },
        {
            "type": "bar",
            "x": [t for t, _, _ in kp_forecast],
            "y": [v for _, v, _ in kp_forecast],
            "name": labels["kp_forecast"],
            "marker": {
                "color": [kp_colour(v) for _, v, _ in kp_forecast],
                "opacity": 0.55,
                "pattern": {"shape": ".", "size": 5},
            },
            "xaxis": "x",
            "yaxis": "y",
            "meta": "kp_forecast",
        },
        _flux_trace(xrays, labels["xray"], "#9467bd", "y2"),
        _flux_trace(protons, labels["protons"], "#d62728", "y3"),
    ]
    shapes: list[dict[str, object]] = []
    notes: list[dict[str, object]] = []
    for i, (start, name) in enumerate(G_BANDS):
        shapes.append(
            {"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": start,
             "y1": start + 1, "fillcolor": kp_colour(start), "opacity": 0.08 + 0.03 * i,
             "line": {"width": 0}, "layer": "below"}
        )  # fmt: skip
        notes.append(_edge_note("y", start + 0.5, name))
    for axis, thresholds in (("y2", R_THRESHOLDS_W_M2), ("y3", S_THRESHOLDS_PFU)):
        for value, name in thresholds:
            shapes.append(
                {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": axis, "y0": value,
                 "y1": value, "line": {"color": "#999", "width": 1, "dash": "dash"}}
            )  # fmt: skip
            notes.append(_edge_note(axis, math.log10(value), name))
    shapes.append(
        {"type": "line", "xref": "x", "x0": now, "x1": now, "yref": "paper", "y0": 0, "y1": 1,
         "line": {"color": "#222", "width": 1.5}}
    )  # fmt: skip
    layout = _layout(
        height=720,
        barmode="overlay",
        shapes=shapes,
        annotations=notes,
        margin={"l": 70, "r": 70, "t": 20, "b": 40},
        xaxis={"type": "date", "anchor": "y3", "title": {"text": labels["time_utc"]},
               "gridcolor": "#eee"},
        yaxis={"domain": [0.70, 1.0], "range": [0, 9.5], "title": {"text": "Kp"}},
        yaxis2={"domain": [0.36, 0.64], "type": "log", "title": {"text": "W/m²"},
                "range": [-7.5, -2.4], "exponentformat": "e"},
        yaxis3={"domain": [0.0, 0.30], "type": "log", "title": {"text": "pfu"},
                "range": [-1, 5.5], "exponentformat": "e"},
        legend={"orientation": "h", "y": 1.06},
    )  # fmt: skip
    return {"data": data, "layout": layout}


def _flux_trace(
    series: Sequence[tuple[str, float]], name: str, colour: str, axis: str
) -> dict[str, object]:
    return {"type": "scatter", "x": [t for t, _ in series], "y": [v for _, v in series],
            "mode": "lines", "name": name, "line": {"color": colour}, "xaxis": "x",
            "yaxis": axis}  # fmt: skip


def _edge_note(axis: str, y: float, text: str) -> dict[str, object]:
    return {"xref": "paper", "x": 1.0, "xanchor": "left", "yref": axis, "y": y, "text": text,
            "showarrow": False, "font": {"size": 10, "color": "#555"}}  # fmt: skip


def kp_colour(kp: float) -> str:
    """Kp bar colour: green below 4, olive below 5 (active), orange below 7, red from G3."""
    if kp < 4.0:
        return "#2ca02c"
    if kp < 5.0:
        return "#bcbd22"
    if kp < 7.0:
        return "#ff7f0e"
    return "#d62728"


# -- the plan ------------------------------------------------------------------------------------


def plan_figure(
    commands: Sequence[PlanMark],
    satellites: Sequence[str],
    window: tuple[str, str],
    labels: Mapping[str, str],
) -> Figure:
    """Every command on a timeline per satellite, coloured by its validation verdict.

    ``commands``: ``{"time", "satellite", "verdict", "text", "index"}``.
    """
    data = []
    symbols = {"ok": "circle", "warning": "diamond", "error": "x"}
    for verdict, colour in VERDICT_COLOURS.items():
        mine = [c for c in commands if c["verdict"] == verdict]
        hover = any(c["text"] is not None for c in mine)  # None: a big plan, the table says
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [c["time"] for c in mine],
                "y": [c["satellite"] for c in mine],
                **({"hovertext": [c["text"] for c in mine]} if hover else {}),
                "customdata": [c["index"] for c in mine],
                "hovertemplate": ("%{hovertext}" if hover else "%{y} %{x}") + "<extra></extra>",
                "marker": {"color": colour, "size": 11, "symbol": symbols[verdict],
                           "line": {"color": "white", "width": 1}},
                "name": labels[f"verdict_{verdict}"],
                "meta": f"verdict-{verdict}",
            }
        )  # fmt: skip
    layout = _layout(
        height=max(220, 40 * len(satellites) + 120),
        xaxis={"type": "date", "range": list(window), "title": {"text": labels["time_utc"]},
               "gridcolor": "#eee"},
        yaxis={"type": "category", "categoryorder": "array",
               "categoryarray": list(satellites)[::-1], "automargin": True},
        legend={"orientation": "h", "y": -0.3},
    )  # fmt: skip
    return {"data": data, "layout": layout}
