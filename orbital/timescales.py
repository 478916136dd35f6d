"""Time scales and Earth-orientation data, loaded from shipped tables only.

Skyfield's :class:`~skyfield.timelib.Timescale` is the time type of the orbital
core: it keeps UTC (with leap seconds), TT and UT1 apart, so no time is ever a
bare float.  The Earth-orientation table (UT1-UTC and polar motion) is the IERS
``finals2000A.all`` shipped in the ``astropy-iers-data`` package, or the older
one in ``skyfield-data`` when that is absent.  Nothing is downloaded, and the
table's age is reported, not hidden:

>>> from datetime import datetime, timezone
>>> table = earth_orientation_table()
>>> table.observed_until < table.predicted_until
True
>>> t = utc_times(datetime(2026, 6, 10, tzinfo=timezone.utc),
...               datetime(2026, 6, 10, 0, 2, tzinfo=timezone.utc), step_s=60.0)
>>> len(t), t[0].utc_iso()
(3, '2026-06-10T00:00:00Z')
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from skyfield.api import Loader
from skyfield.data import iers
from skyfield.timelib import Time, Timescale

__all__ = [
    "DAY_S",
    "EarthOrientationTable",
    "NaiveDatetimeError",
    "earth_orientation_table",
    "ephemeris",
    "iso_utc",
    "require_utc",
    "sgp4_epoch",
    "timescale",
    "utc_times",
]

DAY_S = 86400.0
_MJD_TO_JD = 2400000.5


class NaiveDatetimeError(ValueError):
    """A datetime without a timezone was given where a UTC instant is needed."""


def require_utc(value: datetime, name: str = "time") -> datetime:
    """Return ``value`` converted to UTC, refusing naive datetimes.

    >>> require_utc(datetime(2026, 6, 10))
    Traceback (most recent call last):
    ...
    cosmo_agent.orbital.timescales.NaiveDatetimeError: time=2026-06-10 00:00:00 has no timezone; \
pass datetime(..., tzinfo=timezone.utc) or an ISO string ending in 'Z'
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{name}={value} has no timezone; pass datetime(..., tzinfo=timezone.utc)"
            " or an ISO string ending in 'Z'"
        )
    return value.astimezone(UTC)


def iso_utc(value: datetime, name: str = "time") -> str:
    """``value`` in UTC as ISO 8601 with ``Z``: the one way plans, traces and messages write
    an instant (naive datetimes are refused, as in :func:`require_utc`).

    >>> from datetime import timezone
    >>> iso_utc(datetime(2026, 6, 10, 21, 30, tzinfo=timezone(timedelta(hours=9))))
    '2026-06-10T12:30:00Z'
    """
    return require_utc(value, name).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class EarthOrientationTable:
    """Provenance of the Earth-orientation table in use.

    ``observed_until`` is the last day with IERS-measured values; after it the
    table holds predictions until ``predicted_until``; past that, UT1-UTC and
    polar motion are held at their last predicted values.
    """

    source: str
    observed_until: datetime
    predicted_until: datetime

    def age_days(self, now: datetime) -> float:
        """Days from the last observed entry to ``now`` (UTC)."""
        delta = require_utc(now, "now") - self.observed_until
        return delta.total_seconds() / DAY_S

    def covers(self, when: datetime) -> bool:
        """True while ``when`` lies within the observed or predicted span."""
        return require_utc(when, "when") <= self.predicted_until


def _finals_path() -> Path:
    try:
        import astropy_iers_data
    except ImportError:  # pragma: no cover - the fallback is the older table
        return _skyfield_data_dir() / "finals2000A.all"
    return Path(astropy_iers_data.__file__).parent / "data" / "finals2000A.all"


def _mjd_to_utc(mjd: float) -> datetime:
    return datetime(1858, 11, 17, tzinfo=UTC) + timedelta(days=mjd)


@functools.cache
def _load() -> tuple[Timescale, EarthOrientationTable]:
    path = _finals_path()
    observed_mjd = predicted_mjd = 0.0
    with path.open("rb") as f:
        for line in f:
            flag = line[16:17]
            if flag == b"I":
                observed_mjd = float(line[7:15])
            elif flag == b"P":
                predicted_mjd = float(line[7:15])
    with path.open("rb") as f:
        utc_mjd, dut1 = iers.parse_dut1_from_finals_all(f)
    tt, delta_t, leap_dates, leap_offsets = iers.build_timescale_arrays(utc_mjd, dut1)
    ts = Timescale((tt, delta_t), leap_dates, leap_offsets)
    with path.open("rb") as f:
        iers.install_polar_motion_table(ts, iers.parse_x_y_dut1_from_finals_all(f))
    table = EarthOrientationTable(
        source=f"IERS finals2000A.all ({path.parent.parent.name})",
        observed_until=_mjd_to_utc(observed_mjd),
        predicted_until=_mjd_to_utc(max(predicted_mjd, observed_mjd)),
    )
    return ts, table


def timescale() -> Timescale:
    """The shared timescale built from the shipped Earth-orientation table."""
    return _load()[0]


def earth_orientation_table() -> EarthOrientationTable:
    """Provenance and age of the shipped Earth-orientation table."""
    return _load()[1]


@functools.cache
def ephemeris() -> Any:
    """The JPL DE421 planetary ephemeris shipped in ``skyfield-data``.

    The folder is found directly rather than through ``get_skyfield_data_path()``, whose
    expiry check warns about skyfield-data's own ``finals2000A.all`` — a table we do not
    use (ours comes from astropy-iers-data, and its age is reported, not warned about).
    """
    return Loader(str(_skyfield_data_dir()), verbose=False)("de421.bsp")


def _skyfield_data_dir() -> Path:
    import skyfield_data

    return Path(skyfield_data.__file__).parent / "data"


def utc_times(start: datetime, stop: datetime, step_s: float) -> Time:
    """Evenly spaced times from ``start`` to ``stop`` inclusive, ``step_s`` apart.

    ``stop`` is included when it falls on the grid; otherwise the grid ends
    at the last step before it.
    """
    start = require_utc(start, "start")
    stop = require_utc(stop, "stop")
    if not step_s > 0:
        raise ValueError(f"step_s must be positive, got {step_s}")
    if stop < start:
        raise ValueError(f"stop {stop.isoformat()} is before start {start.isoformat()}")
    span_s = (stop - start).total_seconds()
    n = int(np.floor(span_s / step_s + 1e-9)) + 1
    offsets_s = np.arange(n) * step_s
    ts = timescale()
    base = ts.from_datetime(start)
    return ts.tt_jd(base.whole, base.tt_fraction + offsets_s / DAY_S)


def sgp4_epoch(t: Time) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Split UTC Julian dates ``(jd, fraction)`` as SGP4 expects them.

    SGP4 element epochs are UTC (AIAA 2006-6753), so propagation times are
    UTC Julian dates too; leap seconds are removed exactly as skyfield does.
    """
    jd = np.atleast_1d(np.asarray(t.whole, dtype=np.float64))
    fraction = np.atleast_1d(np.asarray(t.tai_fraction - t._leap_seconds() / DAY_S))
    jd, fraction = np.broadcast_arrays(jd, fraction)
    return np.ascontiguousarray(jd), np.ascontiguousarray(fraction, dtype=np.float64)
