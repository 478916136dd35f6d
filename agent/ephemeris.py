"""``cosmo-agent ephemeris``: the fleet's predicted ephemeris as a CCSDS OEM (KVN or XML).

Each selected satellite becomes one segment: states every ``--step-s`` seconds over
``--duration-h`` hours from ``--start`` (default: the mission horizon's start), in GCRF or
EME2000 (GCRF with the IERS frame bias), time system UTC, with ``INTERPOLATION = LAGRANGE``
(SGP4's velocities are not quite the derivative of its positions, so Hermite would be worse).
States come from the source the tools use: the satellite's OEM (``fleet[].ephemeris``,
interpolated) or else SGP4 on its element set, rotated from TEME as skyfield does.
Exit codes: 0 written, 2 bad input (the message names the file, satellite or option).

Only argparse is imported here; numpy, the orbital core and the tools load in :func:`run`.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="cosmo-agent")
>>> add_parser(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["ephemeris", "--mission", "m.yaml", "--duration-h", "2",
...                           "--step-s", "30", "-o", "fleet.oem"])
>>> args.frame, args.format, args.step_s, args.satellites
('GCRF', None, 30.0, None)
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from datetime import datetime

    from cosmo_agent.orbital.catalog import Catalog
    from cosmo_agent.orbital.oem import Oem
    from cosmo_agent.tools.mission import Satellite

__all__ = ["INTERPOLATION_DEGREE", "add_parser", "fleet_oem", "run"]

INTERPOLATION_DEGREE: Final = 7
"""Written in each segment: Lagrange through 8 states, under a millimetre for LEO at 60 s
steps and a metre at 180 s with degree 9 (tests/test_oem.py measures it)."""


class _InputError(Exception):
    """Bad input: one line on stderr, exit code 2."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``ephemeris`` to an ``argparse`` subparsers object."""
    p = sub.add_parser(
        "ephemeris", help="export the fleet's predicted ephemeris as a CCSDS OEM (KVN or XML)"
    )
    p.add_argument("--mission", required=True, help="mission YAML file")
    p.add_argument("--satellites", nargs="+", help="names, aliases or NORAD ids (default: all)")
    p.add_argument("--start", help="ISO 8601 UTC start (default: the mission horizon's start)")
    p.add_argument("--duration-h", type=float, default=24.0, help="hours (default 24)")
    p.add_argument("--step-s", type=float, default=60.0, help="seconds between states (default 60)")
    p.add_argument("-o", "--output", required=True, help="the OEM file to write")
    p.add_argument(
        "--frame", choices=("GCRF", "EME2000"), default="GCRF", help="REF_FRAME (default GCRF)"
    )
    p.add_argument(
        "--format", choices=("kvn", "xml"), default=None, help="default: xml for .xml, else kvn"
    )


def _object_id(intl: str, norad_id: int) -> str:
    """A TLE international designator ("98067A") in OEM form ("1998-067A")."""
    intl = intl.strip()
    if len(intl) < 6 or not intl[:5].isdigit():
        return str(norad_id)
    year = int(intl[:2])
    return f"{1900 + year if year >= 57 else 2000 + year}-{intl[2:]}"


def fleet_oem(
    catalog: Catalog,
    sats: list[Satellite],
    start: datetime,
    duration_h: float,
    step_s: float,
    frame: str = "GCRF",
) -> Oem:
    """One OEM segment per satellite (rows of ``catalog``, in ``sats`` order)."""
    import numpy as np

    from cosmo_agent.orbital.frames import teme_to_gcrs
    from cosmo_agent.orbital.oem import EME2000_FROM_GCRF, Oem, OemSatrec, OemSegment, epoch_times
    from cosmo_agent.orbital.propagation import propagate

    n = int(duration_h * 3600.0 / step_s + 1e-9) + 1
    first = np.datetime64(start.replace(tzinfo=None), "ns")
    epochs = first + np.round(np.arange(n) * step_s * 1e9).astype("timedelta64[ns]")
    t = epoch_times(epochs, "UTC")
    eph = propagate(catalog, t, workers=1)
    r, v = teme_to_gcrs(eph.position_teme_km, eph.velocity_teme_km_s, t)
    if frame == "EME2000":
        r, v = r @ EME2000_FROM_GCRF.T, v @ EME2000_FROM_GCRF.T
    failed = eph.messages()
    if failed:
        names = {s.norad_id: s.name for s in sats}
        raise _InputError(
            "no states for "
            + "; ".join(f"{names.get(k, k)} ({k}): {msg}" for k, msg in failed.items())
        )
    segments = []
    for row, sat in enumerate(sats):
        source = catalog.satrecs[row]
        how = (
            f"interpolated from {source.source}"
            if isinstance(source, OemSatrec)
            else f"SGP4 on the element set of epoch {catalog.epochs[row]} UTC ({catalog.source})"
        )
        segments.append(
            OemSegment(
                object_name=sat.name,
                object_id=_object_id(str(catalog.intl_designators[row]), sat.norad_id),
                center_name="EARTH",
                ref_frame=frame,
                time_system="UTC",
                start_time=epochs[0],
                stop_time=epochs[-1],
                epochs=epochs,
                position_km=np.ascontiguousarray(r[row]),
                velocity_km_s=np.ascontiguousarray(v[row]),
                interpolation="LAGRANGE",
                interpolation_degree=INTERPOLATION_DEGREE,
                comments=(f"NORAD {sat.norad_id}",),
                data_comments=(f"Predicted: {how}",),
            )
        )
    return Oem(
        version="3.0",
        creation_date=np.datetime64("now", "ms").astype("datetime64[ns]"),
        originator="COSMO-AGENT",
        segments=tuple(segments),
    )


def _write(args: argparse.Namespace) -> str:
    from cosmo_agent.orbital.oem import OemError
    from cosmo_agent.tools.ephemerides import apply_ephemerides, fleet_ephemerides
    from cosmo_agent.tools.mission import MissionError, load_mission
    from cosmo_agent.tools.quantities import QuantityError, parse_time
    from cosmo_agent.tools.registry import ToolContext, ToolError

    if not args.duration_h > 0 or not args.step_s > 0:
        raise _InputError("--duration-h and --step-s must be positive")
    try:
        mission = load_mission(args.mission)
        sats = mission.select_satellites(args.satellites or "all")
    except MissionError as exc:
        raise _InputError(str(exc)) from None
    except KeyError as exc:
        raise _InputError(str(exc.args[0])) from None
    ctx = ToolContext.from_mission(mission)
    try:
        start = parse_time(args.start, ctx.now) if args.start else ctx.now
    except QuantityError as exc:
        raise _InputError(f"--start: {exc}") from None
    try:
        catalog = ctx.catalog
        missing = [s for s in sats if s.norad_id not in set(catalog.ids.tolist())]
        if missing:
            raise _InputError(
                "no element set in the mission's catalog for "
                + ", ".join(f"{s.name} ({s.norad_id})" for s in missing)
            )
        from datetime import timedelta

        stop = start + timedelta(hours=args.duration_h)
        sources = fleet_ephemerides(mission, sats)
        sub, uncovered = apply_ephemerides(
            catalog.select([s.norad_id for s in sats]), sources, start, stop
        )
    except ToolError as exc:
        raise _InputError(str(exc)) from None
    if uncovered:
        raise _InputError("; ".join(uncovered.values()))
    oem = fleet_oem(sub, sats, start, args.duration_h, args.step_s, args.frame)
    from cosmo_agent.tools.storage import write_bytes

    fmt = args.format or ("xml" if args.output.lower().endswith(".xml") else "kvn")
    try:  # a path or an object URL (s3://), written all or nothing
        write_bytes(args.output, (oem.to_xml() if fmt == "xml" else oem.to_kvn()).encode())
    except (OSError, OemError) as exc:
        raise _InputError(f"cannot write {args.output}: {exc}") from None
    n = len(oem.segments[0].epochs)
    return (
        f"wrote {args.output}: {len(oem.segments)} satellite(s), {n} states each,"
        f" {args.frame}, UTC, from {start:%Y-%m-%d %H:%M:%S} UTC"
    )


def run(args: argparse.Namespace) -> int:
    """Write the OEM; returns the exit code (0, or 2 with one line on stderr)."""
    try:
        print(_write(args))
    except _InputError as exc:
        print(f"cosmo-agent ephemeris: {exc}", file=sys.stderr)
        return 2
    return 0
