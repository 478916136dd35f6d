"""``cosmo-agent``: a thin command line over the library.

Exit codes: 0 ok, 1 plan rejected or incomplete (or an ``ask`` answer with a failed tool
call), 2 bad input (the message names the file or
option), 130 interrupted (Ctrl-C), 141 output closed early (e.g. piped into ``head``); one
line on stderr, never a traceback.  Without ``--json`` results are tables (times as
``YYYY-MM-DD HH:MM:SS UTC``); ``--json`` prints the machine-readable result.  ``screen``,
``model corpus`` and ``model train`` draw a progress bar on stderr when it is a terminal
(never with ``--json``), fed by the work they count (:func:`.console.progress_bar`).

Heavy modules (numpy, the orbital core, the tools, LangGraph, torch) are imported inside the
commands that use them, so ``--help``, ``--version`` and the parsers start quickly.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypedDict

from cosmo_agent.agent.console import UserError  # one input-error type for every command
from cosmo_agent.agent.jsontypes import JsonObject, JsonValue

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from rich.console import RenderableType

    from cosmo_agent.orbital import Catalog
    from cosmo_agent.orbital.assessment import EncounterAssessment
    from cosmo_agent.orbital.cdm import Cdm
    from cosmo_agent.tools.spaceweather import SpaceWeatherReport

__all__ = ["main"]

EXIT_INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT, as a shell reports it)."""

EXIT_BROKEN_PIPE = 141
"""Exit code when the reader of the output went away (128 + SIGPIPE), e.g. ``| head``."""


def _sample_catalog() -> Traversable:
    """The bundled sample catalog (resolved on use: it imports ``cosmo_agent.tools``)."""
    from importlib.resources import files

    return files("cosmo_agent.tools") / "data" / "sample-leo.3le"


def _parse_time(text: str | None, name: str) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"--{name} {text!r} is not ISO 8601; e.g. 2026-06-10T12:00:00Z") from None
    if value.tzinfo is None:
        raise UserError(f"--{name} {text!r} has no timezone; append 'Z' for UTC")
    return value.astimezone(UTC)


_MAX_HOURS = 24 * 31
"""The longest look-ahead (``report --hours``) and screening span (``screen --duration-h``)."""


def _report(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from cosmo_agent.orbital import (
        earth_orientation_table,
        itrs_to_geodetic,
        propagate,
        teme_to_itrs,
        timescale,
    )
    from cosmo_agent.orbital.timescales import iso_utc

    if not (math.isfinite(args.hours) and 0 < args.hours <= _MAX_HOURS):
        raise UserError(
            f"--hours {args.hours:g} is not an eclipse look-ahead; give hours in (0, {_MAX_HOURS}]"
            " (default 24)"
        )
    from cosmo_agent.tools.context import read_catalog

    path = args.catalog or _sample_catalog()
    try:
        catalog = read_catalog(str(path))  # a file or an object URL (s3://)
    except OSError as exc:
        raise UserError(f"{path}: cannot read the catalog ({exc.strerror})") from None
    if len(catalog) == 0:
        raise UserError(f"{path}: no usable element sets; see the issues listed above")
    at = (
        _parse_time(args.at, "at")
        if args.at
        else datetime.fromtimestamp((float(np.max(catalog.epoch_jd)) - 2440587.5) * 86400.0, UTC)
    )
    t = timescale().from_datetimes([at])
    eph = propagate(catalog, t, workers=1)
    r_itrs, _ = teme_to_itrs(eph.position_teme_km, eph.velocity_teme_km_s, t)
    lat, lon, h = itrs_to_geodetic(r_itrs[:, 0])
    age = catalog.age_days(at)
    verdict = catalog.staleness(at)
    eop = earth_orientation_table()
    eclipses = _eclipse_summary(catalog, at, hours=args.hours)
    rows = [
        {
            "id": int(catalog.ids[i]),
            "name": str(catalog.names[i]),
            "element_age_days": round(float(age[i]), 3),
            "staleness": str(verdict[i]),
            "lat_deg": None if np.isnan(lat[i]) else round(float(lat[i]), 3),
            "lon_deg": None if np.isnan(lon[i]) else round(float(lon[i]), 3),
            "height_km": None if np.isnan(h[i]) else round(float(h[i]), 1),
            "sgp4_error": eph.messages().get(int(catalog.ids[i])),
            **eclipses.get(int(catalog.ids[i]), {}),
        }
        for i in range(len(catalog))
    ]
    return {
        "at_utc": iso_utc(at),
        "catalog": str(path),
        "satellites": rows,
        "skipped_records": [str(issue) for issue in catalog.issues],
        "earth_orientation": {
            "source": eop.source,
            "observed_until_utc": eop.observed_until.isoformat(),
            "predicted_until_utc": eop.predicted_until.isoformat(),
            "age_days": round(eop.age_days(at), 1),
        },
    }


def _eclipse_summary(catalog: Catalog, at: datetime, hours: float) -> dict[int, JsonObject]:
    """Per satellite: umbra count and minutes over the next ``hours``, next umbra entry, beta."""
    from datetime import timedelta

    import numpy as np

    from cosmo_agent.orbital import LightingState, beta_angle_deg, lighting_intervals, timescale
    from cosmo_agent.orbital.timescales import iso_utc

    stop = at + timedelta(hours=hours)
    light = lighting_intervals(catalog, at, stop, step_s=60.0)
    beta = beta_angle_deg(catalog, timescale().from_datetimes([at]))[:, 0]
    umbra = light.state == int(LightingState.UMBRA)
    starts = light.start.utc_datetime()
    out: dict[int, JsonObject] = {}
    for i, sat_id in enumerate(catalog.ids):
        mine = umbra & (light.ids == sat_id)
        entries = [
            s
            for s, clipped in zip(starts[mine], light.start_clipped[mine], strict=True)
            if not clipped
        ]
        out[int(sat_id)] = {
            "beta_deg": None if np.isnan(beta[i]) else round(float(beta[i]), 2),
            f"umbra_passes_{hours:g}h": int(mine.sum()),
            f"umbra_minutes_{hours:g}h": round(float(light.duration_s[mine].sum()) / 60.0, 1),
            "next_umbra_entry_utc": iso_utc(entries[0])
            if entries
            else None,
        }
    return out


def _print_report(report: dict[str, Any]) -> None:
    from cosmo_agent.agent.console import print_tables, table, utc_text

    rows = report["satellites"]
    umbra = next((k for row in rows for k in row if k.startswith("umbra_minutes_")), None)
    hours = umbra.removeprefix("umbra_minutes_") if umbra else "24h"
    t = table(
        f"Fleet at {utc_text(report['at_utc'])} ({report['catalog']})",
        *("id>", "name", "age d>", "elements", "lat°>", "lon°>", "h km>", "beta°>"),
        *(f"umbra min/{hours}>", "next umbra"),
    )
    for row in rows:
        t.add_row(
            str(row["id"]), row["name"], f"{row['element_age_days']:.2f}", row["staleness"],
            _number(row["lat_deg"], 3), _number(row["lon_deg"], 3), _number(row["height_km"], 1),
            _number(row.get("beta_deg"), 2), _number(row.get(umbra or ""), 1),
            utc_text(row.get("next_umbra_entry_utc")),
        )  # fmt: skip
    eop = report["earth_orientation"]
    lines = [
        f"Earth orientation: {eop['source']}, observed until"
        f" {utc_text(eop['observed_until_utc'])} ({eop['age_days']} days before this report)"
    ]
    lines += [f"skipped: {issue}" for issue in report["skipped_records"]]
    print_tables(t, *lines)


def _number(value: float | None, digits: int) -> str:
    """A number for a table cell, or ``-`` where there is none."""
    return "-" if value is None else f"{value:.{digits}f}"


def _spaceweather(args: argparse.Namespace) -> SpaceWeatherReport:
    from cosmo_agent.tools.spaceweather import SpaceWeatherSourceError, space_weather_report

    now = _parse_time(args.now, "now") if args.now else None
    try:
        report = space_weather_report(args.source, now)
    except SpaceWeatherSourceError as exc:
        raise UserError(str(exc)) from None
    return report


def _finite_or_none(value: float) -> float | None:
    """``value`` for JSON, or None (``null``) where it could not be computed: never NaN."""
    return float(value) if math.isfinite(value) else None


def _assess_hbr_m(
    args: argparse.Namespace, hbr_in_cdm: float | None, source: str = "COMMENT HBR"
) -> tuple[float, str]:
    """The hard-body radius (m) and where it came from: ``--hbr-m``, or the message's
    ``HBR`` keywords (CDM 2.0) or ``COMMENT HBR`` line (NASA CARA), as ``source`` says."""
    advice = "(the two objects' radii summed, in metres, e.g. --hbr-m 20)"
    if args.hbr_m is not None:
        if not (math.isfinite(args.hbr_m) and args.hbr_m > 0):
            raise UserError(
                f"--hbr-m {args.hbr_m:g} is not a hard-body radius; give a positive number {advice}"
            )
        return float(args.hbr_m), "--hbr-m"
    if hbr_in_cdm is None:
        raise UserError(
            f"{args.file}: no hard-body radius ({source}): CDM 1.0 has no HBR keyword and the"
            f" file has no 'COMMENT HBR = ...' line; pass --hbr-m R {advice}"
        )
    if not (math.isfinite(hbr_in_cdm) and hbr_in_cdm > 0):
        raise UserError(
            f"{args.file}: its {source} gives {hbr_in_cdm:g} m, which is not a hard-body"
            f" radius; pass --hbr-m R {advice}"
        )
    return hbr_in_cdm, source


def _assess(args: argparse.Namespace) -> JsonObject:
    """Pc of a CDM by every method of ``orbital``, the 2-D usage checks, and the header checks.

    ``pc`` maps method to Pc (``null`` where it could not be computed, with the reason in
    ``pc_status`` and ``warnings``): Foster's integral over the disc (``foster``), over the
    square of side 2·HBR (``foster_square``) and over the square of the disc's area
    (``foster_square_equal_area``), Chan's series (``chan``), Alfano's maximum over the
    covariance scale (``alfano_max``, detailed in ``max_pc``), Hall's 3-D Nc (``pc3d``) and,
    when the 2-D usage checks fire or ``--monte-carlo always``, a Monte Carlo run
    (``monte_carlo``: ``{pc, low, high, samples, ...}``).  ``reported_pc`` is the one to act
    on and says which method it comes from; ``cdm_checks`` compares the message's own
    miss distance, relative state and Pc with ours.
    """
    import numpy as np

    from cosmo_agent.orbital.assessment import assess_encounter
    from cosmo_agent.orbital.cdm import Cdm, CdmError
    from cosmo_agent.orbital.collision import (
        PC_STATUS,
        PcStatus,
        collision_probability,
        max_collision_probability,
    )
    from cosmo_agent.orbital.pc3d import Pc3DStatus
    from cosmo_agent.orbital.timescales import iso_utc

    if args.hbr_m is not None:
        _assess_hbr_m(args, None)  # a bad --hbr-m is refused before the file is read
    from cosmo_agent.tools.storage import read_bytes

    try:  # a file or an object URL (s3://); ASCII / ISO 8859-1 as Cdm.from_file reads it
        cdm = Cdm.from_text(read_bytes(args.file).decode("latin-1"), source=args.file)
    except OSError as exc:
        raise UserError(f"{args.file}: cannot read ({exc.strerror})") from None
    except CdmError as exc:
        raise UserError(str(exc)) from None
    hbr_m, hbr_source = _assess_hbr_m(args, *cdm.hard_body_radius())
    try:
        plane = cdm.encounter_plane()
        cov1, cov2 = cdm.covariances_inertial_km2()
        (r1, v1), (r2, v2) = cdm.object1.inertial_state(), cdm.object2.inertial_state()
    except ValueError as exc:
        raise UserError(f"{args.file}: {exc}") from None
    hbr_km = hbr_m * 1e-3
    results = {
        "foster": collision_probability(plane, hbr_km, "foster"),
        "foster_square": collision_probability(plane, hbr_km, hbr_type="square"),
        "foster_square_equal_area": collision_probability(
            plane, hbr_km, hbr_type="square_equal_area"
        ),
        "chan": collision_probability(plane, hbr_km, "chan"),
    }
    worst = max_collision_probability(plane, hbr_km)
    negative = cdm.negative_variances()
    assessed = assess_encounter(
        r1, v1, cov1, r2, v2, cov2, hbr_km,
        monte_carlo="never" if negative else args.monte_carlo,
        mc_max_samples=args.mc_samples, seed=args.seed,
    )  # fmt: skip
    if args.write_cdm:
        _write_assessed_cdm(cdm, assessed, bool(negative), args.write_cdm)
    codes = {name: int(r.status) for name, r in results.items()}
    codes["alfano_max"] = int(worst.status)
    pc_max = _finite_or_none(float(worst.pc_max))
    pcs: dict[str, JsonValue] = {name: _finite_or_none(float(r.pc)) for name, r in results.items()}
    pcs["alfano_max"] = pc_max
    pcs["pc3d"] = _finite_or_none(assessed.pc3d.pc)
    mc = assessed.monte_carlo
    pcs["monte_carlo"] = (
        None
        if mc is None
        else {
            "pc": mc.pc, "low": mc.low, "high": mc.high, "confidence": mc.confidence,
            "samples": mc.samples, "hits": mc.hits, "seed": mc.seed,
            "window_s": list(mc.window_s), "target_met": mc.target_met,
        }
    )  # fmt: skip
    reported: float | None = assessed.pc
    method, reason = assessed.method, assessed.reason
    if negative:
        # A negative variance: no Pc means anything, and 0 would read as safe.
        codes = dict.fromkeys(codes, PcStatus.NEGATIVE_VARIANCE)
        pcs = dict.fromkeys(pcs)
        reported, reason = None, PC_STATUS[PcStatus.NEGATIVE_VARIANCE]
    pc_status = {name: PcStatus.name_of(code) for name, code in codes.items()}
    pc3d_status = Pc3DStatus.name_of(int(assessed.pc3d.status))
    pc_status["pc3d"] = "NEGATIVE_VARIANCE" if negative else pc3d_status
    by_code: dict[int, list[str]] = {}
    for name, code in codes.items():
        if code != PcStatus.OK:
            by_code.setdefault(code, []).append(name)
    checks = cdm.check(None if reported is None else float(reported))
    uv = assessed.violations
    warnings = [f"{', '.join(names)}: {PC_STATUS[code]}" for code, names in by_code.items()]
    if negative:
        warnings.append(f"negative variance: {', '.join(negative)}")
    if uv.any:
        warnings.append(f"2-D usage violated ({', '.join(uv.violated)}): {reason}")
    warnings += [str(c) for c in checks if not c.agrees]
    return {
        "file": args.file,
        "tca": iso_utc(cdm.relative.tca),
        "miss_m": _finite_or_none(float(np.linalg.norm(r1 - r2) * 1e3)),
        "relative_speed_m_s": _finite_or_none(float(plane.relative_speed_km_s) * 1e3),
        "hbr_m": hbr_m,
        "hbr_source": hbr_source,
        "covariance": {
            obj.object.lower(): {
                "source": "CDM",
                "frame": "RTN",
                "state_frame": obj.ref_frame,
                "covariance_method": obj.covariance_method,
                "assumed": obj.covariance_method.upper() == "DEFAULT",
            }
            for obj in (cdm.object1, cdm.object2)
        },
        "pc": pcs,
        "pc_status": pc_status,
        "reported_pc": {"pc": _finite_or_none(reported) if reported is not None else None,
                        "method": None if negative else method, "reason": reason},
        "usage_violations": {
            "violated": list(uv.violated), "extended": uv.extended, "offset": uv.offset,
            "inaccurate": _finite_or_none(uv.inaccurate), "npd": list(uv.npd),
            "blended": uv.blended, "curvilinear": uv.curvilinear,
        },
        "max_pc": {
            "pc": pcs["alfano_max"],
            "covariance_scale": (
                None if negative else _finite_or_none(float(worst.covariance_scale))
            ),
            "diluted": bool(worst.diluted) if pcs["alfano_max"] is not None else None,
        },
        "cdm_reported_pc": cdm.relative.collision_probability,
        "cdm_reported_pc_method": cdm.relative.collision_probability_method,
        "cdm_checks": [
            {"quantity": c.quantity, "reported": c.reported, "computed": c.computed,
             "unit": c.unit, "tolerance": c.tolerance, "agrees": c.agrees}
            for c in checks
        ],
        "warnings": warnings + [str(i) for i in cdm.issues],
    }  # fmt: skip


def _html_report(args: argparse.Namespace) -> int:
    """``report --mission M [--html R] [--figures DIR]``: the fleet's offline HTML report
    and/or PNG figures (no plan)."""
    if args.mission is None or (args.html is None and args.figures is None):
        raise UserError(
            "--mission MISSION.yaml goes with --html REPORT.html and/or --figures DIR"
        )
    from cosmo_agent.agent.report import ReportError, fleet_report_command

    try:
        also = None
        if args.figures is not None:
            from cosmo_agent.agent.figures import fleet_figures_writer

            also = fleet_figures_writer(args.figures)  # checks DIR before any work
        print(fleet_report_command(args.mission, args.html, at=args.at, also=also))
    except ReportError as exc:
        raise UserError(str(exc)) from None
    return 0


def _write_assessed_cdm(
    cdm: Cdm, assessed: EncounterAssessment, negative: bool, path: str
) -> None:
    """``cdm`` with the assessment's Pc values (:meth:`Cdm.with_assessment`) written to
    ``path`` (XML when it ends in ``.xml``, else KVN); a negative variance reports no Pc."""
    import dataclasses

    from cosmo_agent.tools.storage import write_bytes

    if negative:  # no Pc means anything: both keywords stay empty, the reason says why
        assessed = dataclasses.replace(assessed, pc=math.nan)
    out = cdm.with_assessment(assessed)
    text = out.to_xml() if path.lower().endswith(".xml") else out.to_kvn()
    try:  # a file or an object URL (s3://), all or nothing, ASCII as Cdm.write writes it
        write_bytes(path, text.encode("ascii"))
    except OSError as exc:
        raise UserError(f"--write-cdm {path}: cannot write ({exc.strerror or exc})") from None


class _ScreenedEvent(TypedDict):
    """One conjunction of ``screen --json`` (``orbital.screening``'s record of it)."""

    primary: int
    secondary: int
    tca: str
    miss_km: float
    relative_speed_km_s: float
    miss_rtn_km: list[float]
    primary_r_teme_km: list[float]
    primary_v_teme_km_s: list[float]
    secondary_r_teme_km: list[float]
    secondary_v_teme_km_s: list[float]


class _Excluded(TypedDict):
    """An object the screening left out, and why."""

    id: int
    message: str


class _Screening(TypedDict):
    """The ``screen --json`` document."""

    events: list[_ScreenedEvent]
    excluded: list[_Excluded]
    start: str
    duration_h: float
    threshold_km: float
    catalog: str
    mode: str


def _drop_mirrored_events(events: list[_ScreenedEvent], fleet: set[int]) -> list[_ScreenedEvent]:
    """One event per conjunction of two fleet satellites, as the toolkit reports them.

    Fleet-vs-catalog screening sees such a conjunction from each side (A→B and B→A).  Like
    ``tools.toolkit.screen_conjunctions``, which keeps one event per event id, this keeps the
    first sighting in (TCA, primary, secondary) order; it drops only the other sighting of
    the same unordered pair within ``EVENT_MATCH_S`` (the toolkit's one "same event"
    tolerance, :mod:`cosmo_agent.tools.events`); distinct encounters of a pair are further
    apart than that, so each keeps its own event.  Pairs with one fleet member are
    untouched.
    """
    from cosmo_agent.tools.events import EVENT_MATCH_S

    kept: list[_ScreenedEvent] = []
    seen: dict[frozenset[int], list[datetime]] = {}
    for event in sorted(events, key=lambda e: (e["tca"], e["primary"], e["secondary"])):
        pair = frozenset((int(event["primary"]), int(event["secondary"])))
        if pair <= fleet:
            tca = datetime.fromisoformat(event["tca"].replace("Z", "+00:00"))
            if any(abs((tca - t).total_seconds()) <= EVENT_MATCH_S for t in seen.get(pair, ())):
                continue
            seen.setdefault(pair, []).append(tca)
        kept.append(event)
    return kept


def _screen(args: argparse.Namespace) -> tuple[_Screening, dict[int, str]]:
    """The screening result (the ``--json`` output) and the catalog's names by NORAD id."""
    from datetime import timedelta

    from cosmo_agent.orbital.screening import screen
    from cosmo_agent.orbital.timescales import iso_utc
    from cosmo_agent.tools.context import read_catalog

    try:
        catalog = read_catalog(args.catalog)  # a file or an object URL (s3://)
    except OSError as exc:
        raise UserError(f"{args.catalog}: cannot read the catalog ({exc.strerror})") from None
    if len(catalog) == 0:
        raise UserError(f"{args.catalog}: no usable element sets")
    for issue in catalog.issues:
        print(f"cosmo-agent screen: skipped {issue}", file=sys.stderr)
    if not 0 < args.duration_h <= _MAX_HOURS:  # False for NaN
        raise UserError(f"--duration-h {args.duration_h} must be in (0, {_MAX_HOURS}] hours")
    if not 0 < args.threshold_km <= 1000:
        raise UserError(f"--threshold-km {args.threshold_km} must be in (0, 1000] km")
    start = _parse_time(args.start, "start")
    primaries = None
    if args.satellites:
        try:
            ids = [int(s) for s in args.satellites]
        except ValueError:
            raise UserError(f"--satellites {args.satellites}: give NORAD catalog numbers") from None
        missing = sorted(set(ids) - {int(i) for i in catalog.ids})
        if missing:
            raise UserError(f"--satellites {missing}: not in {args.catalog}")
        primaries = catalog.select(ids)
    stop = start + timedelta(hours=args.duration_h)
    from cosmo_agent.agent.console import progress_bar

    if args.dask:
        from cosmo_agent.agent.cluster import ClusterUnavailable, screen_on_cluster

        try:
            with progress_bar("screening", "windows", enabled=not args.json) as progress:
                result = screen_on_cluster(
                    args.dask, args.catalog, start, stop, args.threshold_km,
                    satellites=None if primaries is None else ids, progress=progress,
                )  # fmt: skip
        except ClusterUnavailable as exc:
            raise UserError(f"--dask {args.dask}: {exc}") from None
    else:
        with progress_bar("screening", "windows", enabled=not args.json) as progress:
            result = screen(
                catalog, start, stop, args.threshold_km, primaries=primaries, progress=progress
            )
    screened = result.to_dict()
    events: list[_ScreenedEvent] = screened["events"]
    if primaries is not None:
        events = _drop_mirrored_events(events, set(ids))
    out: _Screening = {
        "events": events,
        "excluded": screened["excluded"],
        "start": iso_utc(start),
        "duration_h": args.duration_h,
        "threshold_km": args.threshold_km,
        "catalog": args.catalog,
        "mode": "all-vs-all" if primaries is None else "fleet-vs-catalog",
    }
    names = {int(i): str(n) for i, n in zip(catalog.ids, catalog.names, strict=True) if n}
    return out, names


def _print_spaceweather(report: SpaceWeatherReport) -> None:
    from cosmo_agent.agent.console import print_tables, table, utc_text

    scales = table(
        f"Space weather at {utc_text(report.generated_at_utc)} ({report.source})",
        *("scale", "now", "value>", "unit", "measured", "data", "basis"),
    )
    for scale in report.scales.values():
        last = scale.last_known_level
        now = scale.label or (
            "unknown" + (f" (last {scale.scale}{last})" if last is not None else "")
        )
        scales.add_row(
            scale.scale, now, _value(scale.value), scale.unit or "",
            utc_text(scale.value_time_utc), "STALE" if scale.stale else "current", scale.basis,
        )  # fmt: skip
    latest = table("Latest values", "quantity", "value>", "unit", "measured", "product")
    for item in report.latest:
        latest.add_row(
            item.name, _value(item.value), item.unit or "", utc_text(item.time_utc), item.product
        )
    items: list[RenderableType | str] = [scales, latest]
    if report.active_alerts:
        alerts = table("Active SWPC alerts", "issued", "id", "headline")
        for alert in report.active_alerts:
            alerts.add_row(utc_text(alert.issue_time_utc), alert.product_id, alert.headline)
        items.append(alerts)
    else:
        items.append("Active SWPC alerts: none")
    kp_max = report.kp_forecast_max_24h
    items.append(f"Kp forecast, 24 h maximum: {'unknown' if kp_max is None else kp_max}")
    if report.stale_products:
        items.append(f"stale: {', '.join(report.stale_products)}")
    items += [f"problem: {problem}" for problem in report.problems]
    print_tables(*items)


def _value(value: float | None) -> str:
    """A measured value for a table cell: 4 significant digits, ``-`` where there is none."""
    return "-" if value is None else f"{value:.4g}"


_CONJUNCTION_COLUMNS = ("tca_utc", "primary", "primary_name", "secondary", "secondary_name",
                        "miss_km", "radial_km", "in_track_km", "cross_track_km",
                        "relative_speed_km_s")  # fmt: skip


def _screen_csv(path: str, result: _Screening, names: dict[int, str]) -> None:
    """The screening's conjunctions as CSV: one row each, the ``--json`` values unrounded."""
    from cosmo_agent.agent import console

    rows = []
    for e in result["events"]:
        radial, in_track, cross = e["miss_rtn_km"]
        rows.append({
            "tca_utc": e["tca"], "primary": e["primary"],
            "primary_name": names.get(int(e["primary"]), ""), "secondary": e["secondary"],
            "secondary_name": names.get(int(e["secondary"]), ""), "miss_km": e["miss_km"],
            "radial_km": radial, "in_track_km": in_track, "cross_track_km": cross,
            "relative_speed_km_s": e["relative_speed_km_s"],
        })  # fmt: skip
    console.write_csv(path, _CONJUNCTION_COLUMNS, rows)


def _print_screen(result: _Screening, names: dict[int, str]) -> None:
    from cosmo_agent.agent.console import print_tables, table, utc_text

    def who(norad_id: int) -> str:
        name = names.get(int(norad_id))
        return f"{norad_id} {name}" if name else str(norad_id)

    t = table(
        f"Conjunctions under {result['threshold_km']:g} km, {utc_text(result['start'])} +"
        f" {result['duration_h']:g} h ({result['mode']}, {result['catalog']})",
        *("TCA", "primary", "secondary", "miss km>", "radial km>", "in-track km>"),
        *("cross-track km>", "speed km/s>"),
    )
    for e in result["events"]:
        radial, in_track, cross = e["miss_rtn_km"]
        t.add_row(
            utc_text(e["tca"]), who(e["primary"]), who(e["secondary"]), f"{e['miss_km']:.3f}",
            f"{radial:.3f}", f"{in_track:.3f}", f"{cross:.3f}", f"{e['relative_speed_km_s']:.2f}",
        )  # fmt: skip
    lines = [f"{len(result['events'])} conjunction(s)"]
    lines += [f"excluded: {item}" for item in result.get("excluded", [])]
    print_tables(t, *lines)


_MODEL_STAGES = ("corpus", "train", "evaluate", "export")


def _model(args: argparse.Namespace) -> int:
    """``cosmo-agent model STAGE ...``: the stage's own ``main``; the corpus gets its teacher.

    ``corpus`` and ``train`` draw a progress bar on stderr when it is a terminal (requests
    answered, optimiser steps); their stdout is unchanged.
    """
    from cosmo_agent.agent.console import progress_bar

    if args.stage == "corpus":
        from cosmo_agent.agent.teacher import RulesTeacher
        from cosmo_agent.model.corpus import main as corpus_main

        with progress_bar("corpus", "requests") as progress:
            return corpus_main(args.options, teacher=RulesTeacher(), progress=progress)
    if args.stage == "train":
        from cosmo_agent.model.train import main as train_main

        with progress_bar("training", "steps") as progress:
            return train_main(args.options, progress=progress)
    if args.stage == "evaluate":
        from cosmo_agent.model.evaluate import main as evaluate_main

        return evaluate_main(args.options)
    from cosmo_agent.model.export import main as export_main

    return export_main(args.options)


def _serve(args: argparse.Namespace) -> int:
    import os

    _check_serve_options(args)  # before the model (and torch) is loaded
    from cosmo_agent.model.serve import ServeConfigError, serve
    from cosmo_agent.tools.mentions import unknown_names
    from cosmo_agent.tools.registry import spelled_values

    try:
        serve(model_path=args.model, host=args.host, port=args.port,
              token=args.token or os.environ.get("COSMO_API_TOKEN"),
              max_body_bytes=args.max_body_bytes,
              request_values=spelled_values,  # quantities quoted as in plan and ask
              unknown_names=unknown_names)  # fmt: skip
    except ServeConfigError as exc:
        print(f"cosmo-agent serve: {exc}", file=sys.stderr)
        return 2
    return 0


def _check_serve_options(args: argparse.Namespace) -> None:
    """``serve``'s port and model directory, checked before anything is loaded or bound."""
    from pathlib import Path

    if not 1 <= args.port <= 65535:
        raise UserError(f"--port {args.port} is not a TCP port; give one in 1-65535 (default 8000)")
    if args.max_body_bytes < 1:
        raise UserError(f"--max-body-bytes {args.max_body_bytes} must be at least 1")
    if args.model is None:
        return
    model = Path(args.model)
    advice = (
        "give a transformers model directory (e.g. one written by `cosmo-agent model export`),"
        " or leave --model out for the embedded model"
    )
    if not model.is_dir():
        what = "is not a directory" if model.exists() else "does not exist"
        raise UserError(f"--model {model} {what}; {advice}")
    if not (model / "config.json").is_file():
        raise UserError(f"--model {model} is not a model directory (no config.json); {advice}")


def _check_daemon_files(args: argparse.Namespace) -> None:
    """``daemon --config``: a settings file that can be read as text (YAML, TOML or JSON)."""
    from pathlib import Path

    if args.config_file is None:
        return
    path = Path(args.config_file)
    try:
        path.read_bytes().decode("utf-8")
    except IsADirectoryError:
        raise UserError(
            f"--config {path} is a directory; give a .yaml, .toml or .json file"
        ) from None
    except OSError as exc:
        raise UserError(f"--config {path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise UserError(
            f"--config {path} is not a text settings file (byte {exc.start} is not UTF-8);"
            " give a .yaml, .toml or .json file"
        ) from None


class _VersionAction(argparse.Action):
    """``--version``: the installed package's version (looked up only when asked)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: object = argparse.SUPPRESS, help: str | None = None) -> None:  # fmt: skip
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[object] | None, option_string: str | None = None,
                 ) -> None:  # fmt: skip
        print(f"{parser.prog} {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cosmo-agent")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cosmo-agent",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("report", help="fleet element ages and positions (bundled sample)")
    p.add_argument("--catalog", help="TLE/3LE or OMM file (default: the bundled sample)")
    p.add_argument("--at", help="ISO 8601 UTC time (default: the newest element epoch)")
    p.add_argument(
        "--hours", type=float, default=24.0, help="eclipse look-ahead, hours (default 24)"
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON (default: tables)")
    p.add_argument("--mission", help="mission YAML file (with --html: the fleet's state, no plan)")
    p.add_argument("--html", metavar="REPORT.html",
                   help="write the fleet's offline HTML operations report here")  # fmt: skip
    p.add_argument("--figures", metavar="DIR",
                   help="write the fleet's report views as PNG figures in DIR (made if missing);"
                   " with --mission, beside or instead of --html")  # fmt: skip
    p = sub.add_parser("spaceweather", help="current NOAA scales, latest values, alerts, data age")
    p.add_argument("--source", help="file, directory or URL (default: the bundled sample)")
    p.add_argument("--now", help="ISO 8601 UTC time to judge data age against (default: now)")
    p.add_argument("--json", action="store_true", help="print the result as JSON (default: tables)")
    p = sub.add_parser("assess", help="collision probability of a CCSDS CDM")
    p.add_argument("file")
    p.add_argument("--hbr-m", type=float, default=None, help="combined hard-body radius, metres")
    p.add_argument("--monte-carlo", choices=["auto", "always", "never"], default="auto",
                   help="Monte Carlo check: auto runs it when a 2-D usage check fires")  # fmt: skip
    p.add_argument("--mc-samples", type=int, default=100_000,
                   help="largest number of Monte Carlo trials (default 100000)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="Monte Carlo seed")
    p.add_argument("--write-cdm", metavar="FILE",
                   help="also write the CDM with the Pc values computed (COLLISION_PROBABILITY:"
                        " the reported one, the others as COMMENTs); .xml for XML")  # fmt: skip
    p.add_argument("--json", action="store_true")
    # plan, ask, validate, passes, schedule, mission-schema, plan-schema
    from cosmo_agent.agent import console

    console.add_parsers(sub)
    from cosmo_agent.agent import ephemeris, events  # import only argparse

    ephemeris.add_parser(sub)
    events.add_parser(sub)
    p = sub.add_parser("screen", help="conjunction screening: fleet vs catalog or all vs all")
    p.add_argument("--catalog", required=True, help="TLE/3LE or OMM file")
    p.add_argument("--satellites", nargs="+", help="primary NORAD ids (default: all-vs-all)")
    p.add_argument("--start", required=True, help="ISO 8601 UTC start, e.g. 2026-06-10T00:00Z")
    p.add_argument("--duration-h", type=float, default=24.0, help="hours (default 24)")
    p.add_argument(
        "--threshold-km", type=float, default=5.0, help="miss distance to report, km (default 5)"
    )
    p.add_argument("--json", action="store_true",
                   help="print the result as JSON (default: tables), no progress bar")  # fmt: skip
    p.add_argument("--csv", metavar="FILE", help="also write the conjunctions as CSV")
    p.add_argument("--dask", metavar="ADDRESS", help="screen on the Dask cluster whose scheduler"
                   " is at ADDRESS (tcp://HOST:8786), in 6-hour windows: the same events as"
                   " the local screen (needs the dask extra)")  # fmt: skip
    p = sub.add_parser("model", help="the Cosmo model pipeline: corpus | train | evaluate | export"
                       " (each stage's own --help lists its options)")  # fmt: skip
    p.add_argument("stage", choices=_MODEL_STAGES, help="the pipeline stage to run")
    p.add_argument("options", nargs=argparse.REMAINDER, help="options of the stage")
    p = sub.add_parser("serve", help="OpenAI-compatible /v1/chat/completions for Cosmo (loopback)")
    p.add_argument("--model", default=None, help="model directory (default: the embedded one)")
    p.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    p.add_argument("--token", default=None, help="bearer token (default: $COSMO_API_TOKEN);"
                   " required unless --host is a loopback address")  # fmt: skip
    p.add_argument(
        "--max-body-bytes",
        type=int,
        default=1 << 20,
        help="larger request bodies are answered 413 (default 1 MiB)",
    )
    from cosmo_agent.agent.daemon import command as daemon_command  # imports only argparse

    p = sub.add_parser("daemon", help="monitor the fleet for weeks: catalog, screening, space"
                       " weather, contacts, alerts, re-planning")  # fmt: skip
    daemon_command.add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cosmo-agent``; returns the exit code (see the module docstring)."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except KeyboardInterrupt:
        print("cosmo-agent: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE


def _discard_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (e.g. captured by a test): nothing will flush to the pipe


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    from cosmo_agent.agent import console

    if args.command in console.COMMANDS:
        return console.run(args)
    if args.command == "ephemeris":
        from cosmo_agent.agent import ephemeris

        return ephemeris.run(args)
    if args.command == "events":
        from cosmo_agent.agent import events

        return events.run(args)
    try:
        if args.command == "daemon":
            from cosmo_agent.agent.daemon import command as daemon_command

            _check_daemon_files(args)
            return daemon_command.run(args)
        if args.command == "model":
            return _model(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "report":
            if args.html is not None or args.mission is not None or args.figures is not None:
                return _html_report(args)
            report = _report(args)
            if args.json:
                print(json.dumps(report, indent=2))
            else:
                _print_report(report)
            return 0
        if args.command == "spaceweather":
            weather = _spaceweather(args)
            if args.json:
                print(json.dumps(weather.model_dump(mode="json")))
            else:
                _print_spaceweather(weather)
            return 0
        if args.command == "screen":
            from cosmo_agent.agent.cluster import ClusterScreenError

            try:
                screened, names = _screen(args)
            except ClusterScreenError as exc:  # a window failed: no partial screen is printed
                print(f"cosmo-agent screen: --dask {args.dask}: {exc}", file=sys.stderr)
                return 1
            if args.csv:
                _screen_csv(args.csv, screened, names)
            if args.json:
                print(json.dumps(screened))
            else:
                _print_screen(screened, names)
            return 0
        result = _assess(args)
    except UserError as exc:
        print(f"cosmo-agent {args.command}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2 if not args.json else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
