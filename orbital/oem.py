"""CCSDS Orbit Ephemeris Messages (OEM, CCSDS 502.0-B-3): read, write and interpolate.

Both encodings are handled, KVN (``KEYWORD = value`` lines, state lines
``EPOCH X Y Z X_DOT Y_DOT Z_DOT [X_DDOT Y_DDOT Z_DDOT]``, covariance blocks as
lower triangles) and XML (NDM/XML, with or without a namespace).  An
:class:`Oem` is a header plus :class:`OemSegment` s; epochs are numpy
``datetime64[ns]`` in the segment's ``TIME_SYSTEM`` (that scale is part of the
segment, never dropped), states stay in the segment's ``REF_FRAME`` in km and
km/s, and covariances in km², km²/s, km²/s².  Numbers and epochs are kept to
the bit: writing a message and reading it back gives an equal :class:`Oem`.

Anything that cannot be read raises :class:`OemError` naming the line (KVN) or
element (XML) and the keyword, and saying what was expected.

>>> oem = Oem.from_kvn(EXAMPLE_KVN)
>>> seg = oem.segments[0]
>>> seg.object_name, seg.ref_frame, seg.time_system, seg.position_km.shape
('SAT 1', 'GCRF', 'UTC', (3, 3))
>>> Oem.from_kvn(oem.to_kvn()) == oem and Oem.from_xml(oem.to_xml()) == oem
True
>>> Oem.from_kvn(EXAMPLE_KVN.replace("TIME_SYSTEM", "TIME_SISTEM"))
Traceback (most recent call last):
...
cosmo_agent.orbital.oem.OemError: <kvn>:9 TIME_SISTEM: not an OEM metadata keyword; \
expected one of OBJECT_NAME, OBJECT_ID, CENTER_NAME, REF_FRAME, REF_FRAME_EPOCH, TIME_SYSTEM, \
START_TIME, USEABLE_START_TIME, USEABLE_STOP_TIME, STOP_TIME, INTERPOLATION, \
INTERPOLATION_DEGREE, COMMENT

States between the epochs come from the interpolation the metadata names
(``LAGRANGE`` or ``HERMITE``, ``INTERPOLATION_DEGREE`` + 1 points, as Orekit reads
it; Hermite also matches the velocities).  A time outside the segments is
``ok=False`` with NaN states, never an extrapolation:

>>> import numpy as np
>>> from cosmo_agent.orbital.timescales import timescale
>>> t = timescale().utc(2026, 6, 10, 0, 0, [30.0, 600.0])
>>> r, v, ok = oem.states_gcrf(t)
>>> ok.tolist(), round(float(np.linalg.norm(r[0])), 3)
([True, False], 6878.0)
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import NDArray
from skyfield.framelib import ICRS_to_J2000
from skyfield.timelib import Time

from cosmo_agent.orbital.collision import rtn_basis
from cosmo_agent.orbital.frames import rotate, teme_to_gcrs_matrix
from cosmo_agent.orbital.timescales import DAY_S, timescale

__all__ = [
    "EME2000_FROM_GCRF",
    "EXAMPLE_KVN",
    "OEM_COVARIANCE_MAX_GAP_S",
    "OUTSIDE_EPHEMERIS",
    "Oem",
    "OemCovariance",
    "OemCovarianceAt",
    "OemError",
    "OemFormat",
    "OemSatrec",
    "OemSegment",
    "epoch_times",
    "format_oem_time",
    "parse_oem_time",
]

FloatArray = NDArray[np.float64]
OemFormat = Literal["kvn", "xml"]
"""The two encodings of an OEM: ``kvn`` (keyword = value text) and ``xml`` (NDM/XML)."""

EME2000_FROM_GCRF: Final[FloatArray] = np.asarray(ICRS_to_J2000, dtype=np.float64)
"""The frame bias (IERS 2003): ``r_EME2000 = EME2000_FROM_GCRF @ r_GCRF``."""

OUTSIDE_EPHEMERIS: Final = 7
"""Error code of a time no segment of the OEM covers (beside SGP4's codes 1-6)."""

EXAMPLE_KVN: Final = """\
CCSDS_OEM_VERS = 3.0
CREATION_DATE = 2026-06-09T12:00:00.000
ORIGINATOR = COSMO
META_START
OBJECT_NAME = SAT 1
OBJECT_ID = 2026-001A
CENTER_NAME = EARTH
REF_FRAME = GCRF
TIME_SYSTEM = UTC
START_TIME = 2026-06-10T00:00:00.000
STOP_TIME = 2026-06-10T00:02:00.000
INTERPOLATION = HERMITE
INTERPOLATION_DEGREE = 1
META_STOP
2026-06-10T00:00:00.000 6878.0 0.0 0.0 0.0 7.6127 0.0
2026-06-10T00:01:00.000 6862.839 456.4263 0.0 -0.505181 7.59592 0.0
2026-06-10T00:02:00.000 6817.4228 910.8405 0.0 -1.008135 7.545652 0.0
"""
"""A small message for examples: a circular LEO orbit, three states a minute apart."""

_HEADER_KEYS: Final = (
    "CCSDS_OEM_VERS", "COMMENT", "CLASSIFICATION", "CREATION_DATE", "ORIGINATOR", "MESSAGE_ID"
)  # fmt: skip
_META_KEYS: Final = (
    "OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "REF_FRAME_EPOCH", "TIME_SYSTEM",
    "START_TIME", "USEABLE_START_TIME", "USEABLE_STOP_TIME", "STOP_TIME", "INTERPOLATION",
    "INTERPOLATION_DEGREE",
)  # fmt: skip
_META_REQUIRED: Final = (
    "OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "TIME_SYSTEM", "START_TIME",
    "STOP_TIME",
)  # fmt: skip
_STATE_KEYS: Final = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT", "X_DDOT", "Y_DDOT", "Z_DDOT")
_STATE_UNITS: Final = ("km",) * 3 + ("km/s",) * 3 + ("km/s**2",) * 3
_AXES: Final = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
_COV_KEYS: Final = tuple((i, j, f"C{_AXES[i]}_{_AXES[j]}") for i in range(6) for j in range(i + 1))
_NUMBER_RE: Final = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_TIME_RE: Final = re.compile(
    r"^(?P<year>\d{4})-(?:(?P<month>\d{2})-(?P<day>\d{2})|(?P<doy>\d{3}))"
    r"T(?P<hms>\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d+))?Z?$"
)
# TT minus each uniform time system, in seconds (UTC and TDB go through skyfield).
_TT_MINUS: Final = {"TT": 0.0, "TAI": 32.184, "GPS": 51.184}
_DEFAULT_INTERPOLATION: Final = ("LAGRANGE", 7)
_UNIX_EPOCH_JD: Final = 2440587.5


class OemError(ValueError):
    """An OEM that cannot be read, written or used; ``where`` and ``keyword`` locate it."""

    def __init__(self, where: str, keyword: str, reason: str) -> None:
        super().__init__(f"{where}{' ' + keyword if keyword else ''}: {reason}")
        self.where, self.keyword, self.reason = where, keyword, reason


# --------------------------------------------------------------------------- time


def parse_oem_time(text: str) -> np.datetime64:
    """An OEM epoch (calendar or day-of-year form) as ``datetime64[ns]``, scale unchanged.

    >>> parse_oem_time("1996-353T12:00:00.331")
    np.datetime64('1996-12-18T12:00:00.331000000')
    >>> parse_oem_time("2026-06-10 00:00")
    Traceback (most recent call last):
    ...
    ValueError: '2026-06-10 00:00' is not an OEM epoch; write YYYY-MM-DDThh:mm:ss[.d...] or \
YYYY-DDDThh:mm:ss[.d...]
    """
    m = _TIME_RE.match(text.strip())
    if m is None:
        raise ValueError(
            f"{text!r} is not an OEM epoch; write YYYY-MM-DDThh:mm:ss[.d...] or"
            " YYYY-DDDThh:mm:ss[.d...]"
        )
    if m["hms"].endswith(":60"):
        raise ValueError(f"{text!r} falls in a leap second, which this reader cannot represent")
    if m["doy"] is not None:
        day = np.datetime64(m["year"], "D") + np.timedelta64(int(m["doy"]) - 1, "D")
        if str(day)[:4] != m["year"] or int(m["doy"]) < 1:
            raise ValueError(f"{text!r}: day of year {m['doy']} does not exist in {m['year']}")
        date = str(day)
    else:
        date = f"{m['year']}-{m['month']}-{m['day']}"
    try:
        whole = np.datetime64(f"{date}T{m['hms']}", "ns")
    except ValueError:
        raise ValueError(f"{text!r} is not a calendar date and time") from None
    fraction = (m["fraction"] or "")[:9].ljust(9, "0")
    ns = int(fraction) + (1 if len(m["fraction"] or "") > 9 and m["fraction"][9] >= "5" else 0)
    return whole + np.timedelta64(ns, "ns")


def format_oem_time(value: np.datetime64) -> str:
    """An epoch as written in OEMs: calendar form, milliseconds or as many digits as needed.

    >>> format_oem_time(np.datetime64("2026-06-10T00:00:01.5", "ns"))
    '2026-06-10T00:00:01.500'
    """
    text = str(np.datetime_as_string(np.asarray(value, dtype="datetime64[ns]"), unit="ns"))
    whole, _, fraction = text.partition(".")
    while len(fraction) > 3 and fraction.endswith("000"):
        fraction = fraction[:-3]
    return f"{whole}.{fraction}"


def epoch_times(
    epochs: NDArray[np.datetime64], time_system: str = "UTC", where: str = "<epochs>"
) -> Time:
    """Skyfield times of ``datetime64`` epochs read in ``time_system`` (UTC, TAI, TT, GPS, TDB).

    >>> t = epoch_times(np.array(["2026-06-10T00:00:00"], "datetime64[ns]"), "GPS")
    >>> t[0].utc_iso()
    '2026-06-09T23:59:42Z'
    """
    ts = timescale()
    ns = np.asarray(epochs, dtype="datetime64[ns]")
    day = ns.astype("datetime64[D]")
    second = (ns - day).astype(np.int64) / 1e9
    scale = time_system.upper()
    if scale == "UTC":
        month = day.astype("datetime64[M]")
        year = month.astype("datetime64[Y]")
        return ts.utc(
            year.astype(np.int64) + 1970,
            month.astype(np.int64) % 12 + 1,
            (day - month).astype(np.int64) + 1,
            0,
            0,
            second,
        )
    jd = day.astype(np.int64) + 2440587.5
    if scale in _TT_MINUS:
        return ts.tt_jd(jd, (second + _TT_MINUS[scale]) / DAY_S)
    if scale == "TDB":
        return ts.tdb_jd(jd, second / DAY_S)
    raise OemError(
        where, "TIME_SYSTEM", f"{time_system!r} cannot be used here; use UTC, TAI, TT, GPS or TDB"
    )


def _tt_seconds(t: Time, since: Time) -> FloatArray:
    """TT seconds from ``since`` (a scalar Time) to each of ``t``."""
    whole = np.atleast_1d(np.asarray(t.whole, dtype=np.float64)) - float(since.whole)
    frac = np.atleast_1d(np.asarray(t.tt_fraction, dtype=np.float64)) - float(since.tt_fraction)
    return np.asarray((whole + frac) * DAY_S, dtype=np.float64)


# --------------------------------------------------------------------------- model


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if a is None or b is None:
            return False
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype.kind == "M" or b.dtype.kind == "M":
            return bool(a.shape == b.shape and a.dtype == b.dtype and (a == b).all())
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(a == b)


def _fields_equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    return all(_same(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)


@dataclass(frozen=True, eq=False)
class OemCovariance:
    """One covariance block: a 6×6 matrix in km², km²/s, km²/s² at ``epoch``.

    ``cov_ref_frame`` None means the segment's ``REF_FRAME``.
    """

    epoch: np.datetime64
    matrix_km: FloatArray
    cov_ref_frame: str | None = None
    comments: tuple[str, ...] = ()

    __eq__ = _fields_equal


OEM_COVARIANCE_MAX_GAP_S: Final = 3600.0
"""A covariance block is used for an instant at most this far from its epoch (s)."""

_INERTIAL_COV_FRAMES: Final = ("GCRF", "ICRF", "EME2000", "J2000", "TEME")
_LOCAL_COV_FRAMES: Final = ("RTN", "RSW", "RIC")


@dataclass(frozen=True)
class OemCovarianceAt:
    """The covariance an OEM gives for one instant: ``matrix_gcrf`` (6×6, km, km/s) from the
    block at ``epoch`` (in its segment's time system), ``gap_s`` before or after the instant.

    The block is carried to the instant in the object's RTN frame (frame-following: its
    shape relative to the orbit is kept), as operators' ephemerides with hourly or denser
    covariance intend; no state-transition propagation is done, hence the
    :data:`OEM_COVARIANCE_MAX_GAP_S` limit.
    """

    matrix_gcrf: FloatArray
    epoch: np.datetime64
    gap_s: float
    frame: str

    def describe(self) -> str:
        """``OEM block 2026-06-11T18:00:00 (RTN, 1,721 s from the TCA)``."""
        return (
            f"OEM block {format_oem_time(self.epoch)} ({self.frame}, "
            f"{abs(self.gap_s):,.0f} s from the TCA)"
        )


@dataclass(frozen=True, eq=False)
class OemSegment:
    """Metadata and states of one segment; ``epochs`` are ``datetime64[ns]`` in ``time_system``.

    ``acceleration_km_s2`` is None when no state line has one, else NaN on the lines without.
    """

    object_name: str
    object_id: str
    center_name: str
    ref_frame: str
    time_system: str
    start_time: np.datetime64
    stop_time: np.datetime64
    epochs: NDArray[np.datetime64]
    position_km: FloatArray
    velocity_km_s: FloatArray
    acceleration_km_s2: FloatArray | None = None
    ref_frame_epoch: np.datetime64 | None = None
    useable_start_time: np.datetime64 | None = None
    useable_stop_time: np.datetime64 | None = None
    interpolation: str | None = None
    interpolation_degree: int | None = None
    comments: tuple[str, ...] = ()
    data_comments: tuple[str, ...] = ()
    covariances: tuple[OemCovariance, ...] = ()

    __eq__ = _fields_equal

    @property
    def span(self) -> tuple[np.datetime64, np.datetime64]:
        """Where states may be interpolated: the useable window if given, within the data."""
        lo, hi = self.epochs[0], self.epochs[-1]
        if self.useable_start_time is not None:
            lo = max(lo, self.useable_start_time)
        if self.useable_stop_time is not None:
            hi = min(hi, self.useable_stop_time)
        return lo, hi

    def utc_span(self) -> tuple[datetime, datetime]:
        """:attr:`span` as UTC datetimes (whatever the segment's ``time_system``)."""
        t = epoch_times(np.array(self.span), self.time_system, f"segment {self.object_name!r}")
        lo, hi = t.utc_datetime()
        return lo, hi

    def times(self) -> Time:
        """The state epochs as skyfield times (read in ``time_system``)."""
        return epoch_times(self.epochs, self.time_system, f"segment {self.object_name!r}")

    def interpolate(self, t: Time) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
        """States in ``ref_frame`` at ``t``: ``(r_km, v_km_s, ok)``, NaN where not ``ok``.

        ``ok`` is False outside :attr:`span`.  The method and degree are the metadata's
        (LAGRANGE of degree 7 when it names none; LINEAR is LAGRANGE of degree 1).
        """
        where = f"segment {self.object_name!r}"
        method = (self.interpolation or _DEFAULT_INTERPOLATION[0]).upper()
        degree = self.interpolation_degree
        if method == "LINEAR":
            method, degree = "LAGRANGE", 1
        if method not in ("LAGRANGE", "HERMITE"):
            raise OemError(
                where, "INTERPOLATION", f"{method!r} is not supported; use LAGRANGE or HERMITE"
            )
        degree = _DEFAULT_INTERPOLATION[1] if degree is None else degree
        keep = np.r_[True, np.diff(self.epochs) > np.timedelta64(0, "ns")]
        nodes = self.times()
        x = _tt_seconds(nodes, nodes[0])[keep]
        p, v = self.position_km[keep], self.velocity_km_s[keep]
        span = epoch_times(np.array(self.span), self.time_system, where)
        lo, hi = _tt_seconds(span, nodes[0])
        q = _tt_seconds(t, nodes[0])
        ok = (q >= lo - 1e-6) & (q <= hi + 1e-6)
        r_out = np.full((len(q), 3), np.nan)
        v_out = np.full((len(q), 3), np.nan)
        if ok.any():
            n = min(degree + 1, len(x))
            qi = q[ok]
            idx = np.searchsorted(x, qi)
            first = np.clip(idx - n // 2, 0, len(x) - n)
            window = first[:, None] + np.arange(n)
            xs = x[window] - qi[:, None]  # nodes relative to the query: evaluate at 0
            if method == "HERMITE":
                r_out[ok], v_out[ok] = _hermite(xs, p[window], v[window])
            else:
                r_out[ok], v_out[ok] = _lagrange(xs, p[window]), _lagrange(xs, v[window])
        return r_out, v_out, ok


def _lagrange(x: FloatArray, y: FloatArray) -> FloatArray:
    """Lagrange polynomials through ``(x, y)`` (M, n) and (M, n, 3), evaluated at 0."""
    n = x.shape[1]
    eye = np.eye(n, dtype=bool)
    num = np.where(eye, 1.0, np.broadcast_to(-x[:, None, :], (len(x), n, n))).prod(axis=2)
    den = np.where(eye, 1.0, x[:, :, None] - x[:, None, :]).prod(axis=2)
    return np.asarray(np.einsum("mj,mjc->mc", num / den, y))


def _hermite(x: FloatArray, p: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Hermite polynomial matching positions and velocities at ``x``, and its slope, at 0."""
    z = np.repeat(x, 2, axis=1)
    level = np.repeat(p, 2, axis=1)
    coefficients = [level[:, 0]]
    dz = (z[:, 1:] - z[:, :-1])[:, :, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        level = (level[:, 1:] - level[:, :-1]) / dz
    level[:, 0::2] = v  # the repeated nodes: the derivative
    coefficients.append(level[:, 0])
    for k in range(2, z.shape[1]):
        level = (level[:, 1:] - level[:, :-1]) / (z[:, k:] - z[:, :-k])[:, :, None]
        coefficients.append(level[:, 0])
    value, slope = coefficients[-1], np.zeros_like(coefficients[-1])
    for k in range(len(coefficients) - 2, -1, -1):
        factor = -z[:, k, None]  # (0 - z_k)
        slope = slope * factor + value
        value = value * factor + coefficients[k]
    return value, slope


def _to_gcrf(
    frame: str, r: FloatArray, v: FloatArray, t: Time, where: str
) -> tuple[FloatArray, FloatArray]:
    name = frame.upper()
    if name in ("GCRF", "ICRF"):
        return r, v
    if name in ("EME2000", "J2000"):
        return r @ EME2000_FROM_GCRF, v @ EME2000_FROM_GCRF
    if name == "TEME":
        m = teme_to_gcrs_matrix(t)
        return rotate(m, r), rotate(m, v)
    raise OemError(
        where, "REF_FRAME", f"{frame!r} cannot be used here; use GCRF, EME2000, ICRF or TEME"
    )


@dataclass(frozen=True, eq=False)
class Oem:
    """A whole OEM: header and segments.  Build one with a ``from_*`` constructor."""

    version: str
    creation_date: np.datetime64
    originator: str
    segments: tuple[OemSegment, ...]
    classification: str | None = None
    message_id: str | None = None
    comments: tuple[str, ...] = ()

    __eq__ = _fields_equal

    @classmethod
    def from_kvn(cls, text: str, *, source: str = "<kvn>") -> Oem:
        """Read a KVN message; raises :class:`OemError` with the line and keyword."""
        return _KvnReader(source).read(text)

    @classmethod
    def from_xml(cls, text: str | bytes, *, source: str = "<xml>") -> Oem:
        """Read an NDM/XML message; raises :class:`OemError` naming the element."""
        return _read_xml(text, source)

    @classmethod
    def from_text(cls, text: str, *, source: str = "<text>") -> Oem:
        """Read either encoding, chosen by the first character (``<`` is XML)."""
        if text.lstrip().startswith("<"):
            return cls.from_xml(text, source=source)
        return cls.from_kvn(text, source=source)

    @classmethod
    def from_file(cls, path: str | Path) -> Oem:
        """Read an OEM file in either encoding."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise OemError(str(p), "", "not UTF-8 text") from None
        return cls.from_text(text, source=str(p))

    def to_kvn(self) -> str:
        """The message as KVN text."""
        return _to_kvn(self)

    def to_xml(self) -> str:
        """The message as NDM/XML text."""
        return _to_xml(self)

    def write(self, path: str | Path, fmt: OemFormat | None = None) -> None:
        """Write to ``path``; the encoding is ``fmt``, else XML for a ``.xml`` suffix, else KVN."""
        p = Path(path)
        fmt = fmt or ("xml" if p.suffix.lower() == ".xml" else "kvn")
        p.write_text(self.to_xml() if fmt == "xml" else self.to_kvn(), encoding="utf-8")

    def states_gcrf(self, t: Time) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
        """Interpolated GCRF states at ``t`` from whichever segment covers each time.

        Returns ``(r_km (T, 3), v_km_s (T, 3), ok (T,))``; the first covering segment wins.
        Every segment must be centred on the Earth in GCRF, ICRF, EME2000 or TEME.
        """
        n = len(np.atleast_1d(t.tt))
        r = np.full((n, 3), np.nan)
        v = np.full((n, 3), np.nan)
        ok = np.zeros(n, bool)
        for k, seg in enumerate(self.segments, 1):
            where = f"segment {k} ({seg.object_name!r})"
            if seg.center_name.strip().upper() != "EARTH":
                raise OemError(where, "CENTER_NAME", f"{seg.center_name!r} is not EARTH")
            todo = ~ok
            if not todo.any():
                break
            t_todo = t[np.flatnonzero(todo)] if np.ndim(t.tt) else t
            rk, vk, okk = seg.interpolate(t_todo)
            if not okk.any():
                continue
            rg, vg = _to_gcrf(seg.ref_frame, rk, vk, t_todo, where)
            rows = np.flatnonzero(todo)[okk]
            r[rows], v[rows], ok[rows] = rg[okk], vg[okk], True
        return r, v, ok


    def covariance_gcrf(
        self, t: Time, r_gcrf: FloatArray, v_gcrf: FloatArray
    ) -> OemCovarianceAt | str:
        """The covariance at the single instant ``t`` (object state ``r_gcrf``, ``v_gcrf``
        there), from the nearest covariance block of any segment; a reason when none is usable
        (no block, none within :data:`OEM_COVARIANCE_MAX_GAP_S`, an unsupported frame)."""
        best: tuple[float, OemSegment, OemCovariance] | None = None
        for seg in self.segments:
            if not seg.covariances:
                continue
            epochs = np.array([c.epoch for c in seg.covariances], dtype="datetime64[ns]")
            gaps = (np.atleast_1d(epoch_times(epochs, seg.time_system).tt) - t.tt) * DAY_S
            i = int(np.argmin(np.abs(gaps)))
            if best is None or abs(gaps[i]) < abs(best[0]):
                best = (float(gaps[i]), seg, seg.covariances[i])
        if best is None:
            return "the OEM has no covariance block"
        gap, seg, block = best
        if abs(gap) > OEM_COVARIANCE_MAX_GAP_S:
            return (
                f"the nearest OEM covariance block ({format_oem_time(block.epoch)}) is "
                f"{abs(gap) / 3600:.1f} h from the TCA; at most "
                f"{OEM_COVARIANCE_MAX_GAP_S / 3600:.0f} h is used"
            )
        frame = (block.cov_ref_frame or seg.ref_frame).strip().upper()
        at_tca = rtn_basis(r_gcrf, v_gcrf)  # inertial -> RTN at the instant
        if frame in _LOCAL_COV_FRAMES:
            rtn = block.matrix_km
        elif frame in _INERTIAL_COV_FRAMES:
            when = epoch_times(np.array([block.epoch], "datetime64[ns]"), seg.time_system)
            r_b, v_b, ok = self.states_gcrf(when)
            if not ok[0]:
                return f"the OEM has no state at its covariance epoch {block.epoch}"
            to_gcrf = _frame_to_gcrf(frame, when)
            rtn_b = _block_rotation(rtn_basis(r_b[0], v_b[0]) @ to_gcrf)
            rtn = rtn_b @ block.matrix_km @ rtn_b.T
        else:
            return (
                f"COV_REF_FRAME {frame} is not supported "
                f"(use one of {', '.join(_LOCAL_COV_FRAMES + _INERTIAL_COV_FRAMES)})"
            )
        back = _block_rotation(at_tca.T)
        return OemCovarianceAt(back @ rtn @ back.T, block.epoch, gap, frame)


def _frame_to_gcrf(frame: str, t: Time) -> FloatArray:
    """The 3×3 rotation taking ``frame`` vectors to GCRF at the single instant ``t``."""
    m: FloatArray
    if frame in ("GCRF", "ICRF"):
        m = np.eye(3)
    elif frame in ("EME2000", "J2000"):
        m = np.asarray(EME2000_FROM_GCRF.T)
    else:
        m = np.asarray(teme_to_gcrs_matrix(t)).reshape(-1, 3, 3)[0]
    return m


def _block_rotation(m: FloatArray) -> FloatArray:
    """``m`` (3×3) on the position and velocity blocks of a 6×6 covariance."""
    out = np.zeros((6, 6))
    out[:3, :3] = out[3:, 3:] = m
    return out


# --------------------------------------------------------------------------- SGP4 stand-in


def _utc_times(jd: NDArray[np.float64], fr: NDArray[np.float64]) -> Time:
    """Skyfield times of UTC Julian dates ``jd + fr`` (SGP4's convention), to the nanosecond."""
    jd, fr = np.broadcast_arrays(np.atleast_1d(jd), np.atleast_1d(fr))
    days = jd - _UNIX_EPOCH_JD
    whole = np.floor(days)
    ns = whole.astype(np.int64) * 86_400_000_000_000 + np.round(
        (days - whole + fr) * DAY_S * 1e9
    ).astype(np.int64)
    return epoch_times(ns.astype("datetime64[ns]"), "UTC")


class OemSatrec:
    """An OEM in the place of an SGP4 record: ``sgp4``/``sgp4_array`` give its TEME states.

    Attributes other than those (mean elements, epoch) are the ``base`` record's, so the
    screening filters still see the catalog's element set.  A time the OEM does not cover
    gets error code :data:`OUTSIDE_EPHEMERIS` and NaN states, as SGP4 reports a failure.
    """

    def __init__(self, oem: Oem, base: Any, source: str = "<oem>") -> None:
        self.oem, self.base, self.source = oem, base, source

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["base"], name)

    def sgp4_array(
        self, jd: NDArray[np.float64], fr: NDArray[np.float64]
    ) -> tuple[NDArray[np.uint8], FloatArray, FloatArray]:
        """TEME states at UTC Julian dates ``jd + fr`` (SGP4's convention)."""
        t = _utc_times(jd, fr)
        r, v, ok = self.oem.states_gcrf(t)
        m = np.swapaxes(teme_to_gcrs_matrix(t), -1, -2)
        err = np.where(ok, 0, OUTSIDE_EPHEMERIS).astype(np.uint8)
        return err, rotate(m, r), rotate(m, v)

    def sgp4(self, jd: float, fr: float) -> tuple[int, tuple[float, ...], tuple[float, ...]]:
        """One TEME state, as ``Satrec.sgp4`` returns it."""
        e, r, v = self.sgp4_array(np.array([jd]), np.array([fr]))
        return int(e[0]), tuple(r[0].tolist()), tuple(v[0].tolist())

    def covariance_teme(
        self, jd: float, fr: float, r_teme: FloatArray, v_teme: FloatArray
    ) -> tuple[FloatArray, OemCovarianceAt] | str:
        """The OEM's covariance at UTC Julian date ``jd + fr`` in TEME (6×6, km, km/s), with
        where it came from; a reason when the OEM gives none usable there."""
        t = _utc_times(np.array([jd]), np.array([fr]))
        m = np.asarray(teme_to_gcrs_matrix(t)).reshape(-1, 3, 3)[0]  # TEME -> GCRS
        at = self.oem.covariance_gcrf(t[0], m @ np.asarray(r_teme), m @ np.asarray(v_teme))
        if isinstance(at, str):
            return at
        back = _block_rotation(m.T)
        return back @ at.matrix_gcrf @ back.T, at


# --------------------------------------------------------------------------- reading


def _number(text: str, where: str, keyword: str) -> float:
    if not _NUMBER_RE.match(text):
        raise OemError(where, keyword, f"{text!r} is not a number")
    return float(text)


def _epoch(text: str, where: str, keyword: str) -> np.datetime64:
    try:
        return parse_oem_time(text)
    except ValueError as exc:
        raise OemError(where, keyword, str(exc)) from None


class _SegmentBuilder:
    """Metadata, states and covariances of one segment as they are read."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.meta: dict[str, tuple[str, str]] = {}  # keyword -> (value, where)
        self.comments: list[str] = []
        self.data_comments: list[str] = []
        self.epochs: list[np.datetime64] = []
        self.states: list[list[float]] = []
        self.covariances: list[OemCovariance] = []

    def set_meta(self, keyword: str, value: str, where: str) -> None:
        if keyword not in _META_KEYS:
            raise OemError(
                where, keyword,
                f"not an OEM metadata keyword; expected one of {', '.join(_META_KEYS)}, COMMENT",
            )  # fmt: skip
        if keyword in self.meta:
            raise OemError(where, keyword, f"appears twice (first at {self.meta[keyword][1]})")
        self.meta[keyword] = (value, where)

    def state(self, values: Sequence[str], where: str) -> None:
        if len(values) not in (7, 10):
            raise OemError(
                where, "EPOCH",
                f"a state line has 7 or 10 values (EPOCH X Y Z X_DOT Y_DOT Z_DOT [X_DDOT Y_DDOT"
                f" Z_DDOT]), got {len(values)}",
            )  # fmt: skip
        epoch = _epoch(values[0], where, "EPOCH")
        if self.epochs and epoch < self.epochs[-1]:
            raise OemError(where, "EPOCH", f"{values[0]} is before the previous state's epoch")
        row = [_number(x, where, k) for x, k in zip(values[1:], _STATE_KEYS, strict=False)]
        self.epochs.append(epoch)
        self.states.append(row + [math.nan] * (9 - len(row)))

    def finish(self) -> OemSegment:
        missing = [k for k in _META_REQUIRED if k not in self.meta]
        if missing:
            raise OemError(self.where, missing[0], "obligatory metadata keyword missing")
        if not self.states:
            raise OemError(self.where, "EPOCH", "the segment has no state lines")
        m = {k: v for k, (v, _) in self.meta.items()}

        def time(key: str) -> np.datetime64 | None:
            return _epoch(m[key], self.meta[key][1], key) if key in m else None

        degree: int | None = None
        if "INTERPOLATION_DEGREE" in m:
            text, where = self.meta["INTERPOLATION_DEGREE"]
            if not text.isdigit() or int(text) < 1:
                raise OemError(where, "INTERPOLATION_DEGREE", f"{text!r} is not a positive integer")
            degree = int(text)
        table = np.array(self.states, dtype=np.float64)
        acc = table[:, 6:9] if np.isfinite(table[:, 6:9]).any() else None
        start, stop = time("START_TIME"), time("STOP_TIME")
        assert start is not None and stop is not None
        epochs = np.array(self.epochs, dtype="datetime64[ns]")
        if epochs[0] < start or epochs[-1] > stop:
            raise OemError(
                self.meta["START_TIME"][1], "START_TIME",
                f"states from {format_oem_time(epochs[0])} to {format_oem_time(epochs[-1])} are"
                f" not within START_TIME {m['START_TIME']} .. STOP_TIME {m['STOP_TIME']}",
            )  # fmt: skip
        return OemSegment(
            object_name=m["OBJECT_NAME"],
            object_id=m["OBJECT_ID"],
            center_name=m["CENTER_NAME"],
            ref_frame=m["REF_FRAME"],
            time_system=m["TIME_SYSTEM"],
            start_time=start,
            stop_time=stop,
            epochs=epochs,
            position_km=np.ascontiguousarray(table[:, 0:3]),
            velocity_km_s=np.ascontiguousarray(table[:, 3:6]),
            acceleration_km_s2=None if acc is None else np.ascontiguousarray(acc),
            ref_frame_epoch=time("REF_FRAME_EPOCH"),
            useable_start_time=time("USEABLE_START_TIME"),
            useable_stop_time=time("USEABLE_STOP_TIME"),
            interpolation=m.get("INTERPOLATION"),
            interpolation_degree=degree,
            comments=tuple(self.comments),
            data_comments=tuple(self.data_comments),
            covariances=tuple(self.covariances),
        )


def _header(
    values: dict[str, tuple[str, str]], comments: list[str], segments: list[OemSegment], src: str
) -> Oem:
    for key in ("CREATION_DATE", "ORIGINATOR"):
        if key not in values:
            raise OemError(src, key, "obligatory header keyword missing")
    if not segments:
        raise OemError(src, "META_START", "the message has no segment")
    version, where = values.get("CCSDS_OEM_VERS", ("", src))
    if version not in ("1.0", "2.0", "3.0"):
        raise OemError(where, "CCSDS_OEM_VERS", f"{version!r} is not 1.0, 2.0 or 3.0")
    created, where = values["CREATION_DATE"]
    return Oem(
        version=version,
        creation_date=_epoch(created, where, "CREATION_DATE"),
        originator=values["ORIGINATOR"][0],
        segments=tuple(segments),
        classification=values.get("CLASSIFICATION", (None, ""))[0],
        message_id=values.get("MESSAGE_ID", (None, ""))[0],
        comments=tuple(comments),
    )


def _covariance(
    rows: list[list[float]], epoch: tuple[str, str] | None, frame: str | None,
    comments: list[str], where: str,
) -> OemCovariance:  # fmt: skip
    if epoch is None:
        raise OemError(where, "EPOCH", "a covariance block needs its EPOCH")
    if len(rows) != 6:
        raise OemError(where, "COVARIANCE_STOP", f"the lower triangle has {len(rows)} of 6 rows")
    matrix = np.zeros((6, 6))
    for i, row in enumerate(rows):
        matrix[i, : i + 1] = row
        matrix[: i + 1, i] = row
    return OemCovariance(_epoch(epoch[0], epoch[1], "EPOCH"), matrix, frame, tuple(comments))


class _KvnReader:
    """The KVN grammar: header, then META_START..META_STOP, states, covariance blocks."""

    def __init__(self, source: str) -> None:
        self.source = source

    def read(self, text: str) -> Oem:
        header: dict[str, tuple[str, str]] = {}
        header_comments: list[str] = []
        segments: list[OemSegment] = []
        seg: _SegmentBuilder | None = None
        mode = "header"  # header | meta | data | cov
        cov_rows: list[list[float]] = []
        cov_epoch: tuple[str, str] | None = None
        cov_frame: str | None = None
        cov_comments: list[str] = []
        for n, raw in enumerate(text.splitlines(), 1):
            where = f"{self.source}:{n}"
            line = raw.strip()
            if not line:
                continue
            first = line.split(maxsplit=1)[0]
            if first == "COMMENT":
                comment = line[7:].strip()
                if mode == "header":
                    header_comments.append(comment)
                elif mode == "meta":
                    assert seg is not None
                    seg.comments.append(comment)
                elif mode == "cov":
                    cov_comments.append(comment)
                else:
                    assert seg is not None
                    if seg.states:
                        raise OemError(where, "COMMENT", "comments go before the first state line")
                    seg.data_comments.append(comment)
                continue
            if line in ("META_START", "META_STOP", "COVARIANCE_START", "COVARIANCE_STOP"):
                expected = {
                    "META_START": ("header", "data", "data_done"),
                    "META_STOP": ("meta",),
                    "COVARIANCE_START": ("data",),
                    "COVARIANCE_STOP": ("cov",),
                }[line]
                if mode not in expected:
                    raise OemError(where, line, f"unexpected here (inside the {mode} section)")
                if line == "META_START":
                    if seg is not None:
                        segments.append(seg.finish())
                    elif "CCSDS_OEM_VERS" not in header:
                        raise OemError(where, "CCSDS_OEM_VERS", "the message must begin with it")
                    seg, mode = _SegmentBuilder(where), "meta"
                elif line == "META_STOP":
                    mode = "data"
                elif line == "COVARIANCE_START":
                    mode = "cov"
                else:
                    assert seg is not None
                    if cov_epoch is not None or cov_rows:
                        seg.covariances.append(
                            _covariance(cov_rows, cov_epoch, cov_frame, cov_comments, where)
                        )
                    cov_rows, cov_epoch, cov_frame, cov_comments = [], None, None, []
                    mode = "data_done"
                continue
            key, eq, value = line.partition("=")
            key, value = key.strip(), value.strip()
            is_assign = bool(eq) and re.fullmatch(r"[A-Z0-9_]+", key) is not None
            if mode == "header":
                if not is_assign or key not in _HEADER_KEYS:
                    raise OemError(
                        where, key if is_assign else "",
                        f"expected a header keyword ({', '.join(_HEADER_KEYS)}) or META_START,"
                        f" got {line[:60]!r}",
                    )  # fmt: skip
                if not header and key != "CCSDS_OEM_VERS":
                    raise OemError(where, "CCSDS_OEM_VERS", "the message must begin with it")
                header[key] = (value, where)
            elif mode == "meta":
                assert seg is not None
                if not is_assign:
                    raise OemError(where, "", f"expected 'KEYWORD = value', got {line[:60]!r}")
                seg.set_meta(key, value, where)
            elif mode == "data":
                assert seg is not None
                if is_assign:
                    raise OemError(
                        where, key,
                        "a keyword among the states; expected a state line, COVARIANCE_START or"
                        " META_START",
                    )  # fmt: skip
                seg.state(line.split(), where)
            elif mode == "cov":
                if is_assign and key in ("EPOCH", "COV_REF_FRAME"):
                    if key == "EPOCH":
                        if cov_epoch is not None:
                            assert seg is not None
                            seg.covariances.append(
                                _covariance(cov_rows, cov_epoch, cov_frame, cov_comments, where)
                            )
                            cov_rows, cov_frame, cov_comments = [], None, []
                        cov_epoch = (value, where)
                    else:
                        cov_frame = value
                    continue
                if is_assign:
                    raise OemError(where, key, "expected EPOCH, COV_REF_FRAME or a covariance row")
                row_keys = [k for i, _, k in _COV_KEYS if i == len(cov_rows)]
                parts = line.split()
                if len(cov_rows) >= 6 or len(parts) != len(row_keys):
                    label = row_keys[0] if row_keys else "COVARIANCE_STOP"
                    raise OemError(
                        where, label,
                        f"covariance row {len(cov_rows) + 1} of the lower triangle needs"
                        f" {len(row_keys)} values, got {len(parts)}"
                        if row_keys else "the 6×6 lower triangle is complete; expected"
                        " COVARIANCE_STOP or EPOCH",
                    )  # fmt: skip
                cov_rows.append(
                    [_number(x, where, k) for x, k in zip(parts, row_keys, strict=True)]
                )
            else:  # after COVARIANCE_STOP only a new segment may follow
                raise OemError(where, key if is_assign else "", "expected META_START or the end")
        if mode in ("meta", "cov"):
            end = "META_STOP" if mode == "meta" else "COVARIANCE_STOP"
            raise OemError(self.source, end, "the message ends before it")
        if seg is not None:
            segments.append(seg.finish())
        return _header(header, header_comments, segments, self.source)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].split(":")[-1]


def _children(elem: ET.Element) -> Iterator[tuple[str, ET.Element]]:
    for child in elem:
        yield _local(child.tag), child


def _xml_value(elem: ET.Element, where: str, keyword: str, unit: str) -> float:
    got = elem.get("units")
    if got is not None and got.replace(" ", "") != unit:
        raise OemError(where, keyword, f"units {got!r}; expected {unit!r}")
    return _number((elem.text or "").strip(), where, keyword)


def _read_xml(text: str | bytes, source: str) -> Oem:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise OemError(source, "", f"not well-formed XML ({exc})") from None
    if _local(root.tag) != "oem":
        raise OemError(source, "", f"root element is <{_local(root.tag)}>, expected <oem>")
    header: dict[str, tuple[str, str]] = {"CCSDS_OEM_VERS": (root.get("version", ""), source)}
    comments: list[str] = []
    segments: list[OemSegment] = []
    for name, part in _children(root):
        if name == "header":
            for key, elem in _children(part):
                where = f"{source}:oem/header/{key}"
                if key == "COMMENT":
                    comments.append((elem.text or "").strip())
                elif key in _HEADER_KEYS:
                    header[key] = ((elem.text or "").strip(), where)
                else:
                    raise OemError(where, key, "not an OEM header keyword")
        elif name == "body":
            for s, (_, seg_elem) in enumerate(_children(part), 1):
                segments.append(_xml_segment(seg_elem, f"{source}:oem/body/segment[{s}]"))
    return _header(header, comments, segments, source)


def _xml_segment(elem: ET.Element, path: str) -> OemSegment:
    seg = _SegmentBuilder(path)
    count = {"stateVector": 0, "covarianceMatrix": 0}
    for name, part in _children(elem):
        for key, child in _children(part):
            where = f"{path}/{name}/{key}"
            if key in count:
                count[key] += 1
                k = count[key]
            value = (child.text or "").strip()
            if key == "COMMENT":
                (seg.comments if name == "metadata" else seg.data_comments).append(value)
            elif name == "metadata":
                seg.set_meta(key, value, where)
            elif key == "stateVector":
                where = f"{path}/data/stateVector[{k}]"
                fields = dict(_children(child))
                if "EPOCH" not in fields:
                    raise OemError(where, "EPOCH", "missing")
                keys = _STATE_KEYS[:9] if "X_DDOT" in fields else _STATE_KEYS[:6]
                for extra in set(fields) - {"EPOCH", "COMMENT", *keys}:
                    raise OemError(f"{where}/{extra}", extra, "not a state vector element")
                values = [(fields["EPOCH"].text or "").strip()]
                for key2, unit in zip(keys, _STATE_UNITS, strict=False):
                    if key2 not in fields:
                        raise OemError(where, key2, "missing")
                    value2 = _xml_value(fields[key2], f"{where}/{key2}", key2, unit)
                    values.append(repr(value2))
                seg.state(values, where)
            elif key == "covarianceMatrix":
                seg.covariances.append(_xml_covariance(child, f"{path}/data/covarianceMatrix[{k}]"))
            else:
                raise OemError(where, key, "expected COMMENT, stateVector or covarianceMatrix")
    return seg.finish()


def _xml_covariance(elem: ET.Element, where: str) -> OemCovariance:
    fields = {key: child for key, child in _children(elem) if key != "COMMENT"}
    comments = [(c.text or "").strip() for key, c in _children(elem) if key == "COMMENT"]
    rows: list[list[float]] = [[] for _ in range(6)]
    for i, j, key in _COV_KEYS:
        if key not in fields:
            raise OemError(where, key, "missing from the covariance matrix")
        unit = ["km**2", "km**2/s", "km**2/s**2"][(i >= 3) + (j >= 3)]
        rows[i].append(_xml_value(fields[key], f"{where}/{key}", key, unit))
    extra = set(fields) - {k for *_, k in _COV_KEYS} - {"EPOCH", "COV_REF_FRAME"}
    if extra:
        key = sorted(extra)[0]
        raise OemError(f"{where}/{key}", key, "not a covariance matrix element")
    epoch = ((fields["EPOCH"].text or "").strip(), f"{where}/EPOCH") if "EPOCH" in fields else None
    frame = fields.get("COV_REF_FRAME")
    return _covariance(
        rows, epoch, None if frame is None else (frame.text or "").strip(), comments, where
    )


# --------------------------------------------------------------------------- writing


def _float(x: float) -> str:
    """The shortest text that reads back to the same float."""
    if not math.isfinite(x):
        raise ValueError(f"an OEM cannot carry {x}")
    return repr(float(x)).replace("e", "E")


def _header_items(oem: Oem) -> list[tuple[str, str]]:
    items = [("CLASSIFICATION", oem.classification)] if oem.classification is not None else []
    items += [
        ("CREATION_DATE", format_oem_time(oem.creation_date)),
        ("ORIGINATOR", oem.originator),
    ]
    return items + ([("MESSAGE_ID", oem.message_id)] if oem.message_id is not None else [])


def _meta_items(seg: OemSegment) -> list[tuple[str, str]]:
    def t(value: np.datetime64 | None) -> str | None:
        return None if value is None else format_oem_time(value)

    items = [
        ("OBJECT_NAME", seg.object_name),
        ("OBJECT_ID", seg.object_id),
        ("CENTER_NAME", seg.center_name),
        ("REF_FRAME", seg.ref_frame),
        ("REF_FRAME_EPOCH", t(seg.ref_frame_epoch)),
        ("TIME_SYSTEM", seg.time_system),
        ("START_TIME", t(seg.start_time)),
        ("USEABLE_START_TIME", t(seg.useable_start_time)),
        ("USEABLE_STOP_TIME", t(seg.useable_stop_time)),
        ("STOP_TIME", t(seg.stop_time)),
        ("INTERPOLATION", seg.interpolation),
        (
            "INTERPOLATION_DEGREE",
            None if seg.interpolation_degree is None else str(seg.interpolation_degree),
        ),
    ]
    return [(k, v) for k, v in items if v is not None]


def _state_values(seg: OemSegment, i: int) -> list[str]:
    values = [*seg.position_km[i], *seg.velocity_km_s[i]]
    acc = seg.acceleration_km_s2
    if acc is not None and np.isfinite(acc[i]).all():
        values += list(acc[i])
    return [_float(x) for x in values]


def _to_kvn(oem: Oem) -> str:
    lines = [f"CCSDS_OEM_VERS = {oem.version}"]
    lines += [f"COMMENT {c}" for c in oem.comments]
    lines += [f"{k} = {v}" for k, v in _header_items(oem)]
    for seg in oem.segments:
        lines += ["", "META_START", *(f"COMMENT {c}" for c in seg.comments)]
        lines += [f"{k} = {v}" for k, v in _meta_items(seg)]
        lines += ["META_STOP", "", *(f"COMMENT {c}" for c in seg.data_comments)]
        lines += [
            " ".join([format_oem_time(e), *_state_values(seg, i)]) for i, e in enumerate(seg.epochs)
        ]
        if seg.covariances:
            lines += ["", "COVARIANCE_START"]
            for cov in seg.covariances:
                lines += [f"COMMENT {c}" for c in cov.comments]
                lines.append(f"EPOCH = {format_oem_time(cov.epoch)}")
                if cov.cov_ref_frame is not None:
                    lines.append(f"COV_REF_FRAME = {cov.cov_ref_frame}")
                lines += [
                    " ".join(_float(cov.matrix_km[i, j]) for j in range(i + 1)) for i in range(6)
                ]
            lines.append("COVARIANCE_STOP")
    return "\n".join(lines) + "\n"


def _to_xml(oem: Oem) -> str:
    root = ET.Element("oem", {"id": "CCSDS_OEM_VERS", "version": oem.version})

    def put(parent: ET.Element, key: str, text: str, units: str | None = None) -> None:
        ET.SubElement(parent, key, {"units": units} if units else {}).text = text

    def block(
        parent: ET.Element, tag: str, comments: Sequence[str], items: Sequence[tuple[str, str]]
    ) -> ET.Element:
        elem = ET.SubElement(parent, tag)
        for key, text in [*(("COMMENT", c) for c in comments), *items]:
            put(elem, key, text)
        return elem

    block(root, "header", oem.comments, _header_items(oem))
    body = ET.SubElement(root, "body")
    for seg in oem.segments:
        segment = ET.SubElement(body, "segment")
        block(segment, "metadata", seg.comments, _meta_items(seg))
        data = block(segment, "data", seg.data_comments, ())
        for i, epoch in enumerate(seg.epochs):
            sv = ET.SubElement(data, "stateVector")
            put(sv, "EPOCH", format_oem_time(epoch))
            for key, unit, value in zip(
                _STATE_KEYS, _STATE_UNITS, _state_values(seg, i), strict=False
            ):
                put(sv, key, value, unit)
        for cov in seg.covariances:
            cm = ET.SubElement(data, "covarianceMatrix")
            for c in cov.comments:
                put(cm, "COMMENT", c)
            put(cm, "EPOCH", format_oem_time(cov.epoch))
            if cov.cov_ref_frame is not None:
                put(cm, "COV_REF_FRAME", cov.cov_ref_frame)
            for i, j, key in _COV_KEYS:
                unit = ["km**2", "km**2/s", "km**2/s**2"][(i >= 3) + (j >= 3)]
                put(cm, key, _float(cov.matrix_km[i, j]), unit)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
