"""Fleet ephemeris sources: the OEM file a mission names for a satellite (``fleet[].ephemeris``).

The tools interpolate such a satellite's OEM, as the file's metadata says, instead of
propagating its element set; every other object keeps its TLE.  An OEM that does not cover
a tool's window is never extrapolated: the satellite is left out with the file's span as
the reason.  The file may be in object storage (``s3://``, :mod:`cosmo_agent.tools.storage`).
A file that cannot be read is the tool's ``data_unavailable`` error, with the
OEM reader's line and keyword.

>>> import tempfile
>>> from pathlib import Path
>>> from cosmo_agent.orbital.oem import EXAMPLE_KVN
>>> from cosmo_agent.tools.mission import parse_mission
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "sat1.oem").write_text(EXAMPLE_KVN)
>>> mission = parse_mission('''
... name: doc
... fleet: [{norad_id: 25544, name: ISS, class: weather, ephemeris: sat1.oem}]
... sources: {catalog: ["bundled:sample-leo.3le"]}
... ''', base_dir=folder)
>>> fleet_ephemerides(mission, mission.fleet)[25544].span_text()
'2026-06-10 00:00:00 to 2026-06-10 00:02:00 UTC'
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.oem import Oem, OemError
from cosmo_agent.tools.context import ToolError
from cosmo_agent.tools.mission import Mission, Satellite
from cosmo_agent.tools.storage import read_bytes, stamp

__all__ = [
    "MARGIN",
    "EphemerisSource",
    "apply_ephemerides",
    "fleet_ephemerides",
    "parse_ephemeris",
]

MARGIN = timedelta(minutes=10)
"""How far beyond a tool's window an OEM must reach: screening samples its knots (340 s
apart) up to one knot past the window's end."""


@dataclass(frozen=True, eq=False)
class EphemerisSource:
    """A satellite's OEM, where it came from, and the UTC span its segments cover."""

    norad_id: int
    path: str
    oem: Oem
    start: datetime
    stop: datetime

    @classmethod
    def of(cls, norad_id: int, path: str, oem: Oem) -> EphemerisSource:
        """The source of ``oem`` (read from ``path``), its span from its segments' UTC spans."""
        spans = [seg.utc_span() for seg in oem.segments]
        return cls(norad_id, path, oem, min(lo for lo, _ in spans), max(hi for _, hi in spans))

    def covers(self, start: datetime, stop: datetime) -> bool:
        """True when ``[start, stop]`` lies within the OEM's span."""
        return self.start <= start and stop <= self.stop

    def span_text(self) -> str:
        """The span as people read it."""
        return f"{self.start:%Y-%m-%d %H:%M:%S} to {self.stop:%Y-%m-%d %H:%M:%S} UTC"


def parse_ephemeris(data: bytes, source: str) -> Oem:
    """The OEM of a file's bytes (``source`` names it in errors); :class:`OemError` names
    the line and keyword of a malformed one."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise OemError(source, "", "not UTF-8 text") from None
    return Oem.from_text(text, source=source)


@functools.lru_cache(maxsize=32)
def _read(path: str, version: str, size: int) -> Oem:
    """One read per file version (the key holds its modification time or ETag, and size)."""
    return parse_ephemeris(read_bytes(path), path)


def _load(mission: Mission, sat: Satellite) -> EphemerisSource:
    assert sat.ephemeris is not None
    path = mission.resolve_path(sat.ephemeris)
    what = f"the ephemeris {path} of {sat.name} ({sat.norad_id}, fleet[].ephemeris)"
    try:
        return EphemerisSource.of(sat.norad_id, path, _read(path, *stamp(path)))
    except OSError as exc:
        raise ToolError.make(
            "data_unavailable",
            what=what,
            problem=exc.strerror or type(exc).__name__,
            fix="Fix the path in the mission's fleet entry.",
        ) from None
    except OemError as exc:
        raise ToolError.make(
            "data_unavailable",
            what=what,
            problem=str(exc),
            fix="Correct the file at that line and keyword (CCSDS 502.0-B-3).",
        ) from None


def fleet_ephemerides(mission: Mission, sats: Sequence[Satellite]) -> dict[int, EphemerisSource]:
    """The OEM of each of ``sats`` that names one, by NORAD id."""
    return {s.norad_id: _load(mission, s) for s in sats if s.ephemeris is not None}


def apply_ephemerides(
    catalog: Catalog,
    sources: dict[int, EphemerisSource],
    start: datetime,
    stop: datetime,
) -> tuple[Catalog, dict[int, str]]:
    """``catalog`` with each source covering ``[start, stop]`` in place of its element set,
    and why each other source's satellite must be left out (its span), by NORAD id."""
    present = set(catalog.ids.tolist())
    lo, hi = start - MARGIN, stop + MARGIN
    usable = {k: s for k, s in sources.items() if k in present and s.covers(lo, hi)}
    uncovered = {
        k: f"its ephemeris {s.path} covers {s.span_text()}, not {lo:%Y-%m-%d %H:%M:%S} to"
        f" {hi:%Y-%m-%d %H:%M:%S} UTC (the window and {MARGIN.seconds // 60} minutes either"
        " side; an OEM is not extrapolated)"
        for k, s in sources.items()
        if k in present and k not in usable
    }
    if not usable:
        return catalog, uncovered
    return catalog.with_ephemerides({k: s.oem for k, s in usable.items()}), uncovered
