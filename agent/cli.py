"""``cosmo-agent``: a thin command line over the library.

Exit codes: 0 ok, 1 plan rejected, 2 bad input (the message names the file or field).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

import numpy as np

__all__ = ["main"]

SAMPLE_CATALOG = files("cosmo_agent.tools") / "data" / "sample-leo.3le"


class UserError(Exception):
    """A mistake in the command's input: reported in one line, exit code 2."""


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


def _report(args: argparse.Namespace) -> dict[str, Any]:
    from cosmo_agent.orbital import (
        Catalog,
        earth_orientation_table,
        itrs_to_geodetic,
        propagate,
        teme_to_itrs,
        timescale,
    )

    path = args.catalog or SAMPLE_CATALOG
    try:
        catalog = Catalog.from_file(str(path))
    except OSError as exc:
        raise UserError(f"{path}: cannot read the catalog ({exc.strerror})") from None
    if len(catalog) == 0:
        raise UserError(f"{path}: no usable element sets; see the issues listed above")
    at = _parse_time(args.at, "at") if args.at else datetime.fromtimestamp(
        (float(np.max(catalog.epoch_jd)) - 2440587.5) * 86400.0, UTC
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
        "at_utc": at.isoformat().replace("+00:00", "Z"),
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


def _eclipse_summary(catalog: Any, at: datetime, hours: float) -> dict[int, dict[str, Any]]:
    """Per satellite: umbra count and minutes over the next ``hours``, next umbra entry, beta."""
    from datetime import timedelta

    from cosmo_agent.orbital import LightingState, beta_angle_deg, lighting_intervals, timescale

    stop = at + timedelta(hours=hours)
    light = lighting_intervals(catalog, at, stop, step_s=60.0)
    beta = beta_angle_deg(catalog, timescale().from_datetimes([at]))[:, 0]
    umbra = light.state == int(LightingState.UMBRA)
    starts = light.start.utc_datetime()
    out: dict[int, dict[str, Any]] = {}
    for i, sat_id in enumerate(catalog.ids):
        mine = umbra & (light.ids == sat_id)
        entries = [s for s, clipped in zip(starts[mine], light.start_clipped[mine], strict=True)
                   if not clipped]
        out[int(sat_id)] = {
            "beta_deg": None if np.isnan(beta[i]) else round(float(beta[i]), 2),
            f"umbra_passes_{hours:g}h": int(mine.sum()),
            f"umbra_minutes_{hours:g}h": round(float(light.duration_s[mine].sum()) / 60.0, 1),
            "next_umbra_entry_utc": entries[0].isoformat().replace("+00:00", "Z")
            if entries else None,
        }
    return out


def _print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Fleet at {report['at_utc']} ({report['catalog']})")
    for column in ("id", "name", "age d", "elements", "lat°", "lon°", "h km", "beta°",
                   "umbra min/24h", "next umbra"):
        table.add_column(column)
    for row in report["satellites"]:
        table.add_row(
            str(row["id"]), row["name"], f"{row['element_age_days']:.2f}", row["staleness"],
            str(row["lat_deg"]), str(row["lon_deg"]), str(row["height_km"]),
            str(row.get("beta_deg")), str(row.get("umbra_minutes_24h")),
            str(row.get("next_umbra_entry_utc") or "-"),
        )
    console = Console()
    console.print(table)
    eop = report["earth_orientation"]
    console.print(
        f"Earth orientation: {eop['source']}, observed until {eop['observed_until_utc']}"
        f" ({eop['age_days']} days before this report)"
    )
    for issue in report["skipped_records"]:
        console.print(f"[yellow]skipped:[/] {issue}")


def _spaceweather(args: argparse.Namespace) -> dict[str, Any]:
    from cosmo_agent.tools.spaceweather import SpaceWeatherSourceError, space_weather_report

    now = _parse_time(args.now, "now") if args.now else None
    try:
        report = space_weather_report(args.source, now)
    except SpaceWeatherSourceError as exc:
        raise UserError(str(exc)) from None
    return dict(report.model_dump(mode="json"))


def _assess(args: argparse.Namespace) -> dict[str, Any]:
    from cosmo_agent.orbital.cdm import Cdm, CdmError

    try:
        cdm = Cdm.from_file(args.file)
        foster = cdm.collision_probability(args.hbr_m, "foster")
        chan = cdm.collision_probability(args.hbr_m, "chan")
    except OSError as exc:
        raise UserError(f"{args.file}: cannot read ({exc.strerror})") from None
    except (CdmError, ValueError) as exc:
        raise UserError(str(exc)) from None
    r1, r2 = np.asarray(cdm.object1.position_km), np.asarray(cdm.object2.position_km)
    return {
        "file": args.file,
        "tca": cdm.relative.tca.isoformat().replace("+00:00", "Z"),
        "miss_m": float(np.linalg.norm(r1 - r2) * 1e3),
        "hbr_m": args.hbr_m if args.hbr_m is not None else cdm.hbr_m,
        "pc": {"foster": float(foster.pc), "chan": float(chan.pc)},
        "warnings": [m for m in foster.messages() if m != "ok"] + [str(i) for i in cdm.issues],
    }


def _screen(args: argparse.Namespace) -> dict[str, Any]:
    from datetime import timedelta

    from cosmo_agent.orbital import Catalog
    from cosmo_agent.orbital.screening import screen

    try:
        catalog = Catalog.from_file(args.catalog)
    except OSError as exc:
        raise UserError(f"{args.catalog}: cannot read the catalog ({exc.strerror})") from None
    if len(catalog) == 0:
        raise UserError(f"{args.catalog}: no usable element sets")
    for issue in catalog.issues:
        print(f"cosmo-agent screen: skipped {issue}", file=sys.stderr)
    if not 0 < args.duration_h <= 24 * 31:
        raise UserError(f"--duration-h {args.duration_h} must be in (0, 744] hours")
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
    result = screen(catalog, start, start + timedelta(hours=args.duration_h),
                    args.threshold_km, primaries=primaries)
    out = result.to_dict()
    out.update(start=start.isoformat().replace("+00:00", "Z"), duration_h=args.duration_h,
               threshold_km=args.threshold_km, catalog=args.catalog,
               mode="all-vs-all" if primaries is None else "fleet-vs-catalog")
    return out


_MODEL_STAGES = ("corpus", "train", "evaluate", "export")


def _model(args: argparse.Namespace) -> int:
    """``cosmo-agent model STAGE ...``: the stage's own ``main``; the corpus gets its teacher."""
    if args.stage == "corpus":
        from cosmo_agent.agent.teacher import RulesTeacher
        from cosmo_agent.model.corpus import main as corpus_main

        return corpus_main(args.options, teacher=RulesTeacher())
    if args.stage == "train":
        from cosmo_agent.model.train import main as train_main

        return train_main(args.options)
    if args.stage == "evaluate":
        from cosmo_agent.model.evaluate import main as evaluate_main

        return evaluate_main(args.options)
    from cosmo_agent.model.export import main as export_main

    return export_main(args.options)


def _serve(args: argparse.Namespace) -> int:
    import os

    from cosmo_agent.model.serve import serve

    serve(model_path=args.model, host=args.host, port=args.port,
          token=args.token or os.environ.get("COSMO_API_TOKEN"))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cosmo-agent", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("report", help="fleet element ages and positions (bundled sample)")
    p.add_argument("--catalog", help="TLE/3LE or OMM file (default: the bundled sample)")
    p.add_argument("--at", help="ISO 8601 UTC time (default: the newest element epoch)")
    p.add_argument("--hours", type=float, default=24.0, help="eclipse look-ahead, hours")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("spaceweather", help="current NOAA scales, latest values, alerts, data age")
    p.add_argument("--source", help="file, directory or URL (default: the bundled sample)")
    p.add_argument("--now", help="ISO 8601 UTC time to judge data age against")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("assess", help="collision probability of a CCSDS CDM")
    p.add_argument("file")
    p.add_argument("--hbr-m", type=float, default=None, help="combined hard-body radius, metres")
    p.add_argument("--json", action="store_true")
    from cosmo_agent.agent import console  # plan, ask, validate, passes, schedule, mission-schema

    console.add_parsers(sub)
    p = sub.add_parser("screen", help="conjunction screening: fleet vs catalog or all vs all")
    p.add_argument("--catalog", required=True, help="TLE/3LE or OMM file")
    p.add_argument("--satellites", nargs="+", help="primary NORAD ids (default: all-vs-all)")
    p.add_argument("--start", required=True, help="ISO 8601 UTC start, e.g. 2026-06-10T00:00Z")
    p.add_argument("--duration-h", type=float, default=24.0)
    p.add_argument("--threshold-km", type=float, default=5.0)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("model", help="the Cosmo model pipeline: corpus | train | evaluate | export"
                       " (each stage's own --help lists its options)")  # fmt: skip
    p.add_argument("stage", choices=_MODEL_STAGES)
    p.add_argument("options", nargs=argparse.REMAINDER, help="options of the stage")
    p = sub.add_parser("serve", help="OpenAI-compatible /v1/chat/completions for Cosmo (loopback)")
    p.add_argument("--model", default=None, help="model directory (default: the embedded one)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--token", default=None, help="bearer token (default: $COSMO_API_TOKEN)")
    from cosmo_agent.agent.daemon import command as daemon_command  # imports only argparse

    p = sub.add_parser("daemon", help="monitor the fleet for weeks: catalog, screening, space"
                       " weather, contacts, alerts, re-planning")  # fmt: skip
    daemon_command.add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from cosmo_agent.agent import console

    if args.command in console.COMMANDS:
        return console.run(args)
    if args.command == "daemon":
        from cosmo_agent.agent.daemon import command as daemon_command

        return daemon_command.run(args)
    if args.command == "model":
        return _model(args)
    if args.command == "serve":
        return _serve(args)
    try:
        if args.command == "report":
            report = _report(args)
            if args.json:
                print(json.dumps(report, indent=2))
            else:
                _print_report(report)
            return 0
        handlers = {"spaceweather": _spaceweather, "assess": _assess, "screen": _screen}
        result = handlers[args.command](args)
    except UserError as exc:
        print(f"cosmo-agent {args.command}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2 if not args.json else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
