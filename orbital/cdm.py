"""CCSDS Conjunction Data Messages (CDM, CCSDS 508.0-B-1 with Cor. 2): read and write.

Both encodings of version 1.0 are handled: KVN (``KEYWORD = value [unit]``
lines) and XML (the NDM/XML schema, with or without the ``ndm:`` namespace).
The whole message becomes a :class:`Cdm` of frozen dataclasses whose field
names carry units (``miss_distance_m``, ``x_km``); the covariance stays in the
CDM's RTN frame and SI units.

Reading is lenient by default, as CDMs in the field need it (NASA CARA's test
messages write ``NaN`` for unknown values and ``[m]`` for speeds): each
departure from the standard that still leaves the meaning clear is kept as a
:class:`CdmIssue` in ``Cdm.issues`` and the message is read.  ``strict=True``
raises :class:`CdmError` on the first one instead.  What cannot be read (a
missing obligatory keyword, a malformed number or date) always raises, naming
the line and saying what was expected.

>>> from datetime import UTC, datetime
>>> cdm = Cdm.from_kvn(EXAMPLE_KVN)
>>> cdm.header.originator, cdm.relative.tca.isoformat()
('JSPOC', '2010-03-13T22:37:52.618000+00:00')
>>> cdm.object2.object_name, cdm.object2.covariance_rtn_m.shape
('FENGYUN 1C DEB', (6, 6))
>>> Cdm.from_xml(cdm.to_xml()) == cdm and Cdm.from_kvn(cdm.to_kvn()) == cdm
True

Collision probability straight from a message (the HBR is not part of CDM 1.0;
pass it, or let :attr:`Cdm.hbr_m` find NASA CARA's ``COMMENT HBR = ...``).  The
sample's own ``COLLISION_PROBABILITY = 4.835E-05`` is illustrative: its states
and covariances give a far smaller value.

>>> f"{float(cdm.collision_probability(hbr_m=10.0).pc):.3e}", cdm.issues
('5.676e-08', ())
"""

from __future__ import annotations

import dataclasses
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosmo_agent.orbital.collision import (
    EARTH_ROTATION_RAD_S,
    EncounterPlane,
    PcMethod,
    PcResult,
    PcStatus,
    collision_probability,
    covariance_rtn_to_inertial,
    encounter_plane,
    rtn_basis,
)
from cosmo_agent.orbital.timescales import require_utc

if TYPE_CHECKING:
    from cosmo_agent.orbital.assessment import EncounterAssessment

__all__ = [
    "CDM_COVARIANCE_SIZES",
    "EXAMPLE_KVN",
    "PC_METHOD_KEYWORDS",
    "Cdm",
    "CdmCheck",
    "CdmError",
    "CdmFormat",
    "CdmHeader",
    "CdmIssue",
    "CdmObject",
    "CdmRelative",
    "format_cdm_time",
    "parse_cdm_time",
]

CdmFormat = Literal["kvn", "xml"]
"""The two CDM encodings: ``"kvn"`` (keyword = value text) and ``"xml"`` (NDM/XML)."""

CDM_COVARIANCE_SIZES: Final = (6, 7, 8, 9)
"""Allowed covariance dimensions: position/velocity, then + drag, + SRP, + thrust (5.2.8)."""

_QUASI_INERTIAL_FRAMES: Final = frozenset({"EME2000", "GCRF", "ICRF", "TEME", "TOD", "MOD"})
_MAX_LINE: Final = 254  # 6.2.2.1


class CdmError(ValueError):
    """A CDM that cannot be read or written; ``issue`` says where and why."""

    def __init__(self, issue: CdmIssue) -> None:
        super().__init__(str(issue))
        self.issue = issue


@dataclass(frozen=True)
class CdmIssue:
    """One departure from CCSDS 508.0-B-1: where it is (KVN line, or XML element), and why."""

    where: str
    keyword: str
    reason: str

    def __str__(self) -> str:
        keyword = f" {self.keyword}" if self.keyword else ""
        return f"{self.where}{keyword}: {self.reason}"


# --------------------------------------------------------------------------- time


_TIME_RE = re.compile(
    r"^(?P<year>\d{4})-(?:(?P<month>\d{2})-(?P<day>\d{2})|(?P<doy>\d{3}))"
    r"T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?P<fraction>\.\d+)?Z?$"
)


def parse_cdm_time(text: str) -> datetime:
    """A CDM time tag (6.3.2.6), calendar or day-of-year form, as an aware UTC datetime.

    Fractions of a second beyond the microsecond are rounded to it.

    >>> parse_cdm_time("2017-033T23:14:54.330").isoformat()
    '2017-02-02T23:14:54.330000+00:00'
    >>> parse_cdm_time("2010-03-13 22:37")
    Traceback (most recent call last):
    ...
    ValueError: '2010-03-13 22:37' is not a CDM time; write YYYY-MM-DDThh:mm:ss[.d...] or \
YYYY-DDDThh:mm:ss[.d...] (UTC, e.g. 2010-03-13T22:37:52.618)
    """
    m = _TIME_RE.match(text.strip())
    if m is None:
        raise ValueError(
            f"{text!r} is not a CDM time; write YYYY-MM-DDThh:mm:ss[.d...] or"
            " YYYY-DDDThh:mm:ss[.d...] (UTC, e.g. 2010-03-13T22:37:52.618)"
        )
    year, hour, minute = int(m["year"]), int(m["hour"]), int(m["minute"])
    second = int(m["second"])
    if second == 60:
        raise ValueError(
            f"{text!r} falls in a leap second, which this reader cannot represent;"
            " no conjunction has been reported there, so the tag is probably wrong"
        )
    if m["doy"] is not None:
        doy = int(m["doy"])
        base = datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=doy - 1)
        if doy < 1 or base.year != year:
            raise ValueError(f"{text!r}: day of year {doy} does not exist in {year}")
        date = base.replace(hour=hour, minute=minute, second=second)
    else:
        date = datetime(year, int(m["month"]), int(m["day"]), hour, minute, second, tzinfo=UTC)
    if m["fraction"]:
        date += timedelta(microseconds=round(float(m["fraction"]) * 1e6))
    return date


def format_cdm_time(value: datetime) -> str:
    """A UTC datetime as a CDM time tag, to the millisecond unless microseconds are needed.

    >>> format_cdm_time(datetime(2010, 3, 13, 22, 37, 52, 618000, tzinfo=UTC))
    '2010-03-13T22:37:52.618'
    """
    value = require_utc(value)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    micro = value.microsecond
    return text + (f".{micro // 1000:03d}" if micro % 1000 == 0 else f".{micro:06d}")


# --------------------------------------------------------------------------- keyword table

_Kind: TypeAlias = Literal["text", "float", "int", "time"]
_Block: TypeAlias = Literal[
    "header", "relative", "metadata", "od", "additional", "state", "covariance"
]


@dataclass(frozen=True)
class _Key:
    keyword: str
    attr: str
    kind: _Kind
    unit: str | None
    required: bool
    block: _Block
    choices: tuple[str, ...] = ()
    since: int = 1  # the CDM major version that defines the keyword


def _keys(block: _Block, rows: Iterable[tuple[Any, ...]]) -> tuple[_Key, ...]:
    """Table rows ``(keyword, attribute, kind, unit, obligatory[, choices])`` for one block."""
    return tuple(
        _Key(row[0], row[1], row[2], row[3], row[4], block, row[5] if len(row) > 5 else ())
        for row in rows
    )


_YES_NO = ("YES", "NO")
_HEADER_KEYS = _keys(
    "header",
    [
        ("CCSDS_CDM_VERS", "version", "text", None, True),
        ("CREATION_DATE", "creation_date", "time", None, True),
        ("ORIGINATOR", "originator", "text", None, True),
        ("MESSAGE_FOR", "message_for", "text", None, False),
        ("MESSAGE_ID", "message_id", "text", None, True),
    ],
)
_RELATIVE_KEYS = _keys(
    "relative",
    [
        ("TCA", "tca", "time", None, True),
        ("MISS_DISTANCE", "miss_distance_m", "float", "m", True),
        ("RELATIVE_SPEED", "relative_speed_m_s", "float", "m/s", False),
        ("RELATIVE_POSITION_R", "relative_position_r_m", "float", "m", False),
        ("RELATIVE_POSITION_T", "relative_position_t_m", "float", "m", False),
        ("RELATIVE_POSITION_N", "relative_position_n_m", "float", "m", False),
        ("RELATIVE_VELOCITY_R", "relative_velocity_r_m_s", "float", "m/s", False),
        ("RELATIVE_VELOCITY_T", "relative_velocity_t_m_s", "float", "m/s", False),
        ("RELATIVE_VELOCITY_N", "relative_velocity_n_m_s", "float", "m/s", False),
        ("START_SCREEN_PERIOD", "start_screen_period", "time", None, False),
        ("STOP_SCREEN_PERIOD", "stop_screen_period", "time", None, False),
        ("SCREEN_VOLUME_FRAME", "screen_volume_frame", "text", None, False, ("RTN", "TVN")),
        ("SCREEN_VOLUME_SHAPE", "screen_volume_shape", "text", None, False, ("ELLIPSOID", "BOX")),
        ("SCREEN_VOLUME_X", "screen_volume_x_m", "float", "m", False),
        ("SCREEN_VOLUME_Y", "screen_volume_y_m", "float", "m", False),
        ("SCREEN_VOLUME_Z", "screen_volume_z_m", "float", "m", False),
        ("SCREEN_ENTRY_TIME", "screen_entry_time", "time", None, False),
        ("SCREEN_EXIT_TIME", "screen_exit_time", "time", None, False),
        ("COLLISION_PROBABILITY", "collision_probability", "float", None, False),
        ("COLLISION_PROBABILITY_METHOD", "collision_probability_method", "text", None, False),
    ],
)
_OBJECT_KEYS = (
    _keys(
        "metadata",
        [
            ("OBJECT", "object", "text", None, True, ("OBJECT1", "OBJECT2")),
            ("OBJECT_DESIGNATOR", "object_designator", "text", None, True),
            ("CATALOG_NAME", "catalog_name", "text", None, True),
            ("OBJECT_NAME", "object_name", "text", None, True),
            ("INTERNATIONAL_DESIGNATOR", "international_designator", "text", None, True),
            (
                "OBJECT_TYPE",
                "object_type",
                "text",
                None,
                False,
                ("PAYLOAD", "ROCKET BODY", "DEBRIS", "UNKNOWN", "OTHER"),
            ),
            ("OPERATOR_CONTACT_POSITION", "operator_contact_position", "text", None, False),
            ("OPERATOR_ORGANIZATION", "operator_organization", "text", None, False),
            ("OPERATOR_PHONE", "operator_phone", "text", None, False),
            ("OPERATOR_EMAIL", "operator_email", "text", None, False),
            ("EPHEMERIS_NAME", "ephemeris_name", "text", None, True),
            (
                "COVARIANCE_METHOD",
                "covariance_method",
                "text",
                None,
                True,
                ("CALCULATED", "DEFAULT"),
            ),
            ("MANEUVERABLE", "maneuverable", "text", None, True, ("YES", "NO", "N/A")),
            ("ORBIT_CENTER", "orbit_center", "text", None, False),
            ("REF_FRAME", "ref_frame", "text", None, True, ("GCRF", "EME2000", "ITRF")),
            ("GRAVITY_MODEL", "gravity_model", "text", None, False),
            ("ATMOSPHERIC_MODEL", "atmospheric_model", "text", None, False),
            ("N_BODY_PERTURBATIONS", "n_body_perturbations", "text", None, False),
            ("SOLAR_RAD_PRESSURE", "solar_rad_pressure", "text", None, False, _YES_NO),
            ("EARTH_TIDES", "earth_tides", "text", None, False, _YES_NO),
            ("INTRACK_THRUST", "intrack_thrust", "text", None, False, _YES_NO),
        ],
    )
    + _keys(
        "od",
        [
            ("TIME_LASTOB_START", "time_lastob_start", "time", None, False),
            ("TIME_LASTOB_END", "time_lastob_end", "time", None, False),
            ("RECOMMENDED_OD_SPAN", "recommended_od_span_d", "float", "d", False),
            ("ACTUAL_OD_SPAN", "actual_od_span_d", "float", "d", False),
            ("OBS_AVAILABLE", "obs_available", "int", None, False),
            ("OBS_USED", "obs_used", "int", None, False),
            ("TRACKS_AVAILABLE", "tracks_available", "int", None, False),
            ("TRACKS_USED", "tracks_used", "int", None, False),
            ("RESIDUALS_ACCEPTED", "residuals_accepted_pct", "float", "%", False),
            ("WEIGHTED_RMS", "weighted_rms", "float", None, False),
        ],
    )
    + _keys(
        "additional",
        [
            ("AREA_PC", "area_pc_m2", "float", "m**2", False),
            ("AREA_DRG", "area_drg_m2", "float", "m**2", False),
            ("AREA_SRP", "area_srp_m2", "float", "m**2", False),
            ("HBR", "hbr_m", "float", "m", False),  # CDM 2.0 only, see _Builder.take
            ("MASS", "mass_kg", "float", "kg", False),
            ("CD_AREA_OVER_MASS", "cd_area_over_mass_m2_kg", "float", "m**2/kg", False),
            ("CR_AREA_OVER_MASS", "cr_area_over_mass_m2_kg", "float", "m**2/kg", False),
            ("THRUST_ACCELERATION", "thrust_acceleration_m_s2", "float", "m/s**2", False),
            ("SEDR", "sedr_w_kg", "float", "W/kg", False),
        ],
    )
    + _keys(
        "state",
        [
            ("X", "x_km", "float", "km", True),
            ("Y", "y_km", "float", "km", True),
            ("Z", "z_km", "float", "km", True),
            ("X_DOT", "x_dot_km_s", "float", "km/s", True),
            ("Y_DOT", "y_dot_km_s", "float", "km/s", True),
            ("Z_DOT", "z_dot_km_s", "float", "km/s", True),
        ],
    )
)

# Covariance keywords, row by row of the lower triangle (5.2.7), with their units:
# R, T, N are position (m); RDOT, TDOT, NDOT velocity (m/s); DRG and SRP are
# C·A/m (m**2/kg); THR is thrust acceleration (m/s**2).
_COV_NAMES = ("R", "T", "N", "RDOT", "TDOT", "NDOT", "DRG", "SRP", "THR")
_COV_UNIT_TEXT: Final = {
    # (row, column) kinds → the unit string the standard's table 3-4 prints.
    ("pos", "pos"): "m**2",
    ("vel", "pos"): "m**2/s",
    ("vel", "vel"): "m**2/s**2",
    ("drg", "pos"): "m**3/kg",
    ("drg", "vel"): "m**3/(kg*s)",
    ("drg", "drg"): "m**4/kg**2",
    ("thr", "pos"): "m**2/s**2",
    ("thr", "vel"): "m**2/s**3",
    ("thr", "drg"): "m**3/(kg*s**2)",
    ("thr", "thr"): "m**2/s**4",
}


def _cov_kind(name: str) -> str:
    if name in ("R", "T", "N"):
        return "pos"
    if name.endswith("DOT"):
        return "vel"
    return "thr" if name == "THR" else "drg"


def _cov_keyword(row: int, col: int) -> str:
    a, b = _COV_NAMES[row], _COV_NAMES[col]
    return f"C{a}_{b}"


_COV_KEYS: Final = tuple(
    _Key(
        _cov_keyword(i, j),
        f"{i},{j}",
        "float",
        _COV_UNIT_TEXT[(_cov_kind(_COV_NAMES[i]), _cov_kind(_COV_NAMES[j]))],
        i < 6,
        "covariance",
    )
    for i in range(9)
    for j in range(i + 1)
)
_OBJECT_KEYS = tuple(
    dataclasses.replace(k, since=2) if k.keyword == "HBR" else k for k in _OBJECT_KEYS
)
_KEY_BY_NAME: Final = {
    k.keyword: k for k in (*_HEADER_KEYS, *_RELATIVE_KEYS, *_OBJECT_KEYS, *_COV_KEYS)
}
_ORDER: Final = {k.keyword: n for n, k in enumerate(_OBJECT_KEYS + _COV_KEYS)} | {
    k.keyword: n for n, k in enumerate(_HEADER_KEYS + _RELATIVE_KEYS)
}
_BLOCKS_OF_OBJECT: Final[tuple[_Block, ...]] = (
    "metadata",
    "od",
    "additional",
    "state",
    "covariance",
)


# Units of the same dimension that a CDM may carry instead of the defined one: the factor
# from the given unit to the defined one.  Keys are normalised (lower case, '^' as '**').
_UNIT_SCALE: Final[dict[tuple[str, str], float]] = {
    ("km", "m"): 1e-3,
    ("km/s", "m/s"): 1e-3,
    ("m", "km"): 1e3,
    ("m/s", "km/s"): 1e3,
    ("m**2", "km**2"): 1e6,
    ("m**2/s", "km**2/s"): 1e6,
    ("m**2/s**2", "km**2/s**2"): 1e6,
    ("m**2/s**3", "km**2/s**3"): 1e6,
    ("m**2/s**4", "km**2/s**4"): 1e6,
    ("m**3/kg", "km**3/kg"): 1e9,
    ("m**2", "cm**2"): 1e-4,
    ("kg", "g"): 1e-3,
    ("d", "h"): 1 / 24,
    ("d", "s"): 1 / 86400,
}
_ALTERNATIVE: Final = {"km": "m", "km/s": "m/s", "m**2": "km**2", "m**2/s": "km**2/s"}


def _normal_unit(unit: str | None) -> str | None:
    if unit is None:
        return None
    return unit.strip().lower().replace("^", "**").replace(" ", "")


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class CdmHeader:
    """Table 3-1: who made the message, when, and for whom."""

    creation_date: datetime
    originator: str
    message_id: str
    version: str = "1.0"
    message_for: str | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class CdmRelative:
    """Table 3-2: the conjunction itself.  Relative vectors are object 2 minus object 1, in
    object 1's RTN frame."""

    tca: datetime
    miss_distance_m: float
    relative_speed_m_s: float | None = None
    relative_position_r_m: float | None = None
    relative_position_t_m: float | None = None
    relative_position_n_m: float | None = None
    relative_velocity_r_m_s: float | None = None
    relative_velocity_t_m_s: float | None = None
    relative_velocity_n_m_s: float | None = None
    start_screen_period: datetime | None = None
    stop_screen_period: datetime | None = None
    screen_volume_frame: str | None = None
    screen_volume_shape: str | None = None
    screen_volume_x_m: float | None = None
    screen_volume_y_m: float | None = None
    screen_volume_z_m: float | None = None
    screen_entry_time: datetime | None = None
    screen_exit_time: datetime | None = None
    collision_probability: float | None = None
    collision_probability_method: str | None = None
    comments: tuple[str, ...] = ()

    @classmethod
    def from_states(
        cls,
        tca: datetime,
        r1_km: ArrayLike,
        v1_km_s: ArrayLike,
        r2_km: ArrayLike,
        v2_km_s: ArrayLike,
        **optional: Any,
    ) -> CdmRelative:
        """Miss distance, relative speed and RTN components from both states at TCA.

        ``optional`` takes the other fields (screening volume, Pc, comments).
        """
        r1, v1 = np.asarray(r1_km, float), np.asarray(v1_km_s, float)
        dr_m = (np.asarray(r2_km, float) - r1) * 1e3
        dv_m_s = (np.asarray(v2_km_s, float) - v1) * 1e3
        basis = rtn_basis(r1, v1)
        pos, vel = basis @ dr_m, basis @ dv_m_s
        return cls(
            tca=require_utc(tca, "tca"),
            miss_distance_m=float(np.linalg.norm(dr_m)),
            relative_speed_m_s=float(np.linalg.norm(dv_m_s)),
            relative_position_r_m=float(pos[0]),
            relative_position_t_m=float(pos[1]),
            relative_position_n_m=float(pos[2]),
            relative_velocity_r_m_s=float(vel[0]),
            relative_velocity_t_m_s=float(vel[1]),
            relative_velocity_n_m_s=float(vel[2]),
            **optional,
        )


@dataclass(frozen=True)
class CdmObject:
    """Tables 3-3 and 3-4 for one object: metadata, OD and additional parameters, the
    state at TCA in ``ref_frame`` and the covariance at TCA in the object's RTN frame.

    ``covariance_rtn`` is the lower triangle row by row (5.2.7): 21 values for the
    6×6 position/velocity matrix, 28, 36 or 45 with the drag, SRP and thrust rows,
    in the units of table 3-4 (m², m²/s, m²/s², ...).
    """

    object: Literal["OBJECT1", "OBJECT2"]
    object_designator: str
    catalog_name: str
    object_name: str
    international_designator: str
    ephemeris_name: str
    covariance_method: str
    maneuverable: str
    ref_frame: str
    x_km: float
    y_km: float
    z_km: float
    x_dot_km_s: float
    y_dot_km_s: float
    z_dot_km_s: float
    covariance_rtn: tuple[float, ...]
    object_type: str | None = None
    operator_contact_position: str | None = None
    operator_organization: str | None = None
    operator_phone: str | None = None
    operator_email: str | None = None
    orbit_center: str | None = None
    gravity_model: str | None = None
    atmospheric_model: str | None = None
    n_body_perturbations: str | None = None
    solar_rad_pressure: str | None = None
    earth_tides: str | None = None
    intrack_thrust: str | None = None
    time_lastob_start: datetime | None = None
    time_lastob_end: datetime | None = None
    recommended_od_span_d: float | None = None
    actual_od_span_d: float | None = None
    obs_available: int | None = None
    obs_used: int | None = None
    tracks_available: int | None = None
    tracks_used: int | None = None
    residuals_accepted_pct: float | None = None
    weighted_rms: float | None = None
    area_pc_m2: float | None = None
    area_drg_m2: float | None = None
    area_srp_m2: float | None = None
    mass_kg: float | None = None
    cd_area_over_mass_m2_kg: float | None = None
    cr_area_over_mass_m2_kg: float | None = None
    thrust_acceleration_m_s2: float | None = None
    sedr_w_kg: float | None = None
    hbr_m: float | None = None
    metadata_comments: tuple[str, ...] = ()
    od_comments: tuple[str, ...] = ()
    additional_comments: tuple[str, ...] = ()
    state_comments: tuple[str, ...] = ()
    covariance_comments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.covariance_rtn)
        if n not in {k * (k + 1) // 2 for k in CDM_COVARIANCE_SIZES}:
            raise ValueError(
                f"covariance_rtn has {n} values; give the lower triangle of a 6×6 to 9×9"
                " matrix (21, 28, 36 or 45 values), e.g. with CdmObject.pack_covariance(m)"
            )

    @staticmethod
    def pack_covariance(matrix: ArrayLike) -> tuple[float, ...]:
        """The lower triangle, row by row, of a symmetric 6×6 to 9×9 matrix (CDM order)."""
        m = np.asarray(matrix, dtype=np.float64)
        rows, cols = np.tril_indices(m.shape[0])
        return tuple(float(x) for x in m[rows, cols])

    @property
    def position_km(self) -> NDArray[np.float64]:
        """Position at TCA in ``ref_frame`` (3,), km."""
        return np.array([self.x_km, self.y_km, self.z_km])

    @property
    def velocity_km_s(self) -> NDArray[np.float64]:
        """Velocity at TCA in ``ref_frame`` (3,), km/s."""
        return np.array([self.x_dot_km_s, self.y_dot_km_s, self.z_dot_km_s])

    @property
    def covariance_rtn_m(self) -> NDArray[np.float64]:
        """The full symmetric covariance (6..9 square) in RTN, CDM units (m, m/s, ...)."""
        n = next(k for k in CDM_COVARIANCE_SIZES if k * (k + 1) // 2 == len(self.covariance_rtn))
        m = np.zeros((n, n))
        rows, cols = np.tril_indices(n)
        m[rows, cols] = self.covariance_rtn
        m[cols, rows] = self.covariance_rtn
        return m

    def inertial_state(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Position (km) and velocity (km/s) in a non-rotating frame, for Pc.

        GCRF, EME2000 and other quasi-inertial frames are returned as they are.
        An Earth-fixed ITRF state gets Earth's rotation added to its velocity,
        ``v + ω × r``, which gives the state in the inertial frame momentarily
        aligned with ITRF: Pc is unchanged by that frame's rotation relative to
        GCRF, so precession, nutation, UT1 and polar motion are not needed.
        """
        r, v = self.position_km, self.velocity_km_s
        frame = self.ref_frame.upper()
        if frame.startswith("ITRF"):
            return r, v + np.cross([0.0, 0.0, EARTH_ROTATION_RAD_S], r)
        if frame in _QUASI_INERTIAL_FRAMES:
            return r, v
        raise ValueError(
            f"{self.object}: REF_FRAME {self.ref_frame} is not supported for Pc; the states must"
            " be in GCRF, EME2000 or ITRF (CCSDS 508.0-B-1 table 3-3)"
        )

    def position_covariance_inertial_km2(self) -> NDArray[np.float64]:
        """The 3×3 position covariance rotated from RTN to the inertial frame, km²."""
        r, v = self.inertial_state()
        return np.asarray(covariance_rtn_to_inertial(self.covariance_rtn_m[:3, :3] * 1e-6, r, v))


@dataclass(frozen=True)
class CdmCheck:
    """One value the message states beside the same value computed from its states.

    ``agrees`` is False when they differ by more than ``tolerance`` (in ``unit``);
    an analyst then trusts neither until the difference is explained (a unit error,
    states not at TCA, a Pc from other covariances or another method).
    """

    quantity: str
    reported: float
    computed: float
    unit: str
    tolerance: float
    agrees: bool

    def __str__(self) -> str:
        verdict = "agrees with" if self.agrees else "DISAGREES with"
        return (
            f"{self.quantity}: the message gives {self.reported:.6g} {self.unit}, which"
            f" {verdict} {self.computed:.6g} {self.unit} computed from its states and"
            f" covariances (tolerance {self.tolerance:.3g} {self.unit})"
        ).replace("  ", " ")


# Tolerances of the header checks.  Miss distance and relative position: the TCA states
# are printed to 1 mm, and an originator may compute the header from a finer ephemeris;
# 1 m or 1 % of the miss covers both, while a unit error (1000x) or states far from TCA
# do not.  Relative speed: 0.01 m/s or 1 %.  Pc: implementations of the same 2-D method
# agree to about 1 % on the same inputs (CARA's Foster test tolerance is 0.1 %); 5 %
# leaves room for covariance handling, not for another method or other covariances.
_MISS_TOL_M: Final = 1.0
_SPEED_TOL_M_S: Final = 0.01
_RELATIVE_TOL: Final = 0.01
_PC_RELATIVE_TOL: Final = 0.05


PC_METHOD_KEYWORDS: Final = {
    "foster_2d": "FOSTER-1992",
    "pc3d_hall": "HALL-2021",
    "monte_carlo": "MONTE-CARLO",
}
"""COLLISION_PROBABILITY_METHOD value of each assessment method.  FOSTER-1992 is a value
of the SANA registry the standard points to; the 3-D (Hall 2021, JSR 58(3)) and Monte
Carlo methods follow its AUTHOR-YEAR form (the Pc they name is also in a COMMENT line)."""

# COMMENT lines written by Cdm.with_assessment; "NAME = value" where value starts with a Pc.
_PC_COMMENTS: Final = {
    "Pc2D_Foster": "FOSTER-1992",
    "Pc3D_Hall": "HALL-2021",
    "Monte Carlo Pc": "MONTE-CARLO",
}
_PC_NOTES: Final = ("Pc reason = ", "Pc usage violations = ")
_PC_COMMENT_RE = re.compile(
    r"^(Pc2D_Foster|Pc3D_Hall|Monte Carlo Pc) = ([+-]?\d+\.\d+(?:E[+-]\d+)?)(?:\s|$)"
)

_HBR_COMMENT_RE = re.compile(
    r"^\s*HBR\s*=\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(?:\[(m|km)\])?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Cdm:
    """A Conjunction Data Message: header, relative data and the two objects.

    ``unknown`` keeps keywords that version 1.0 does not define, as
    ``(section, keyword, value)``, e.g. those of the CDM 2.0 draft; they are not
    written back.  ``issues`` lists what lenient reading tolerated; it does not
    take part in equality.
    """

    header: CdmHeader
    relative: CdmRelative
    object1: CdmObject
    object2: CdmObject
    unknown: tuple[tuple[str, str, str], ...] = ()
    issues: tuple[CdmIssue, ...] = field(default=(), compare=False)

    # ----------------------------------------------------------------- reading

    @classmethod
    def from_kvn(cls, text: str, *, strict: bool = False, source: str = "<kvn>") -> Cdm:
        """Read a KVN CDM.  ``source`` names the text in issue locations."""
        return _build(_kvn_tokens(text, source), strict, source, units_required=True)

    @classmethod
    def from_xml(cls, text: str | bytes, *, strict: bool = False, source: str = "<xml>") -> Cdm:
        """Read an XML CDM, with unqualified or ``ndm:``-qualified element names."""
        return _build(_xml_tokens(text, source), strict, source, units_required=False)

    @classmethod
    def from_text(cls, text: str, *, strict: bool = False, source: str = "<text>") -> Cdm:
        """Read a CDM in either encoding, telling them apart by the first character."""
        if text.lstrip().startswith("<"):
            return cls.from_xml(text, strict=strict, source=source)
        return cls.from_kvn(text, strict=strict, source=source)

    @classmethod
    def from_file(cls, path: str | Path, *, strict: bool = False) -> Cdm:
        """Read a CDM file in either encoding (ASCII / ISO 8859-1, 6.2.2)."""
        p = Path(path)
        return cls.from_text(p.read_text(encoding="latin-1"), strict=strict, source=str(p))

    # ----------------------------------------------------------------- writing

    def to_kvn(self) -> str:
        """The message as KVN text, keywords in the standard's order, units in brackets."""
        return _to_kvn(self)

    def to_xml(self) -> str:
        """The message as NDM/XML (unqualified element names, CDM 1.0 schema layout)."""
        return _to_xml(self)

    def write(self, path: str | Path, fmt: CdmFormat = "kvn") -> None:
        """Write the message to ``path`` in ``fmt``."""
        text = self.to_kvn() if fmt == "kvn" else self.to_xml()
        Path(path).write_text(text, encoding="ascii")

    def with_assessment(self, assessment: EncounterAssessment) -> Cdm:
        """This message carrying an assessment's Pc values (``assess_encounter``).

        ``COLLISION_PROBABILITY`` and ``COLLISION_PROBABILITY_METHOD`` take the reported
        Pc and its method (:data:`PC_METHOD_KEYWORDS`: Hall's 3-D when a 2-D usage check
        fired); the other values computed become COMMENT lines of the relative data,
        ``Pc2D_Foster = ...``, ``Pc3D_Hall = ...``, ``Monte Carlo Pc = p [low, high] 95%
        N=... hits=... seed=...``, with ``Pc reason = ...`` and ``Pc usage violations =
        ...``.  Comments carry every digit (they read back exactly); the keyword holds
        the standard's 16 (6.3.2.2), and the returned message holds that rounded value,
        so it reads back equal.  Lines this method wrote before are replaced, other
        comments kept.  A reported Pc that is not finite leaves both
        keywords empty (the reason says why).  :meth:`recorded_pcs` reads them back.

        >>> from cosmo_agent.orbital.assessment import assess_encounter
        >>> cdm = Cdm.from_kvn(EXAMPLE_KVN)
        >>> (r1, v1), (r2, v2) = cdm.object1.inertial_state(), cdm.object2.inertial_state()
        >>> c1, c2 = cdm.covariances_inertial_km2()
        >>> a = assess_encounter(r1, v1, c1, r2, v2, c2, 0.010, mc_max_samples=2000)
        >>> out = cdm.with_assessment(a)
        >>> a.method, out.relative.collision_probability_method, sorted(out.recorded_pcs())
        ('pc3d_hall', 'HALL-2021', ['FOSTER-1992', 'HALL-2021', 'MONTE-CARLO'])
        >>> Cdm.from_kvn(out.to_kvn()) == out == Cdm.from_xml(out.to_xml())
        True
        """
        rel = self.relative
        comments = [
            c for c in rel.comments if not (_PC_COMMENT_RE.match(c) or c.startswith(_PC_NOTES))
        ]
        method = PC_METHOD_KEYWORDS[assessment.method]
        reported = float(assessment.pc)
        values = {
            "Pc2D_Foster": float(assessment.pc2d.pc),
            "Pc3D_Hall": float(assessment.pc3d.pc),
        }
        for name, value in values.items():
            if _PC_COMMENTS[name] != method and math.isfinite(value):
                comments.append(f"{name} = {_cdm_number(repr(value))}")
        mc = assessment.monte_carlo
        if mc is not None:

            def fmt(x: float) -> str:
                return _cdm_number(repr(float(x)))

            comments.append(
                f"Monte Carlo Pc = {fmt(mc.pc)} [{fmt(mc.low)}, {fmt(mc.high)}]"
                f" {mc.confidence * 100:g}% N={mc.samples} hits={mc.hits} seed={mc.seed}"
            )
        comments.append(f"Pc reason = {assessment.reason}")
        violated = assessment.violations.violated
        comments.append(f"Pc usage violations = {', '.join(violated) if violated else 'none'}")
        finite = math.isfinite(reported)
        if finite:  # as written (at most 16 digits, 6.3.2.2): the message reads back equal
            reported = float(_format_float(reported, "COLLISION_PROBABILITY"))
        relative = dataclasses.replace(
            rel,
            collision_probability=reported if finite else None,
            collision_probability_method=method if finite else None,
            comments=tuple(comments),
        )
        return dataclasses.replace(self, relative=relative)

    def recorded_pcs(self) -> dict[str, float]:
        """Pc values the message carries, by method keyword: the COLLISION_PROBABILITY
        keyword under its method (``"UNSTATED"`` without one) and the COMMENT lines
        :meth:`with_assessment` writes (``FOSTER-1992``, ``HALL-2021``, ``MONTE-CARLO``).

        >>> Cdm.from_kvn(EXAMPLE_KVN).recorded_pcs()
        {'FOSTER-1992': 4.835e-05}
        """
        rel = self.relative
        out: dict[str, float] = {}
        if rel.collision_probability is not None:
            out[rel.collision_probability_method or "UNSTATED"] = rel.collision_probability
        for c in rel.comments:
            m = _PC_COMMENT_RE.match(c)
            if m:
                out.setdefault(_PC_COMMENTS[m[1]], float(m[2]))
        return out

    # ----------------------------------------------------------------- analysis

    @property
    def hbr_m(self) -> float | None:
        """The combined hard-body radius given (m), or None (see :meth:`hard_body_radius`)."""
        return self.hard_body_radius()[0]

    def hard_body_radius(self) -> tuple[float | None, str]:
        """The combined hard-body radius (m) and where it came from.

        CDM 2.0 gives each object's ``HBR`` (additional parameters); with both, the
        combined radius is their sum (source ``"HBR keyword"``).  CDM 1.0 has no HBR
        keyword, and NASA CARA writes the combined radius as a comment,
        ``COMMENT HBR = 15 [m]`` (source ``"COMMENT HBR"``; all comments are searched,
        first match wins).  ``(None, reason)`` when neither is there.
        """
        radii = [obj.hbr_m for obj in (self.object1, self.object2)]
        if all(r is not None for r in radii):
            r1, r2 = (float(r) for r in radii if r is not None)
            return r1 + r2, "HBR keyword"
        blocks = [self.header.comments, self.relative.comments]
        for obj in (self.object1, self.object2):
            blocks += [obj.metadata_comments, obj.od_comments, obj.additional_comments]
        for comments in blocks:
            for comment in comments:
                m = _HBR_COMMENT_RE.match(comment)
                if m:
                    scale = 1e3 if (m[2] or "m").lower() == "km" else 1.0
                    return float(m[1]) * scale, "COMMENT HBR"
        if any(r is not None for r in radii):
            return None, "HBR keyword given for one object only; the other's radius is unknown"
        return None, "no HBR keyword (CDM 2.0) and no 'COMMENT HBR = ...' line"

    def check(self, pc: float | None = None) -> tuple[CdmCheck, ...]:
        """The header's MISS_DISTANCE, RELATIVE_SPEED, RELATIVE_POSITION/VELOCITY_R/T/N and
        COLLISION_PROBABILITY beside what the states (and ``pc``, ours) give.

        Relative vectors are object 2 minus object 1 in object 1's RTN frame, as the
        standard defines them; values the message leaves out are not checked.
        """
        r1, v1 = self.object1.inertial_state()
        r2, v2 = self.object2.inertial_state()
        dr_m, dv_m_s = (r2 - r1) * 1e3, (v2 - v1) * 1e3
        miss, speed = float(np.linalg.norm(dr_m)), float(np.linalg.norm(dv_m_s))
        basis = rtn_basis(self.object1.position_km, self.object1.velocity_km_s)
        pos, vel = (
            basis @ dr_m,
            basis @ ((self.object2.velocity_km_s - self.object1.velocity_km_s) * 1e3),
        )
        rel = self.relative
        miss_tol = max(_MISS_TOL_M, _RELATIVE_TOL * miss)
        speed_tol = max(_SPEED_TOL_M_S, _RELATIVE_TOL * speed)
        rows: list[tuple[str, float | None, float, str, float]] = [
            ("MISS_DISTANCE", rel.miss_distance_m, miss, "m", miss_tol),
            ("RELATIVE_SPEED", rel.relative_speed_m_s, speed, "m/s", speed_tol),
        ]
        for axis, k in (("R", 0), ("T", 1), ("N", 2)):
            rows.append(
                (f"RELATIVE_POSITION_{axis}", getattr(rel, f"relative_position_{axis.lower()}_m"),
                 float(pos[k]), "m", miss_tol)
            )  # fmt: skip
        for axis, k in (("R", 0), ("T", 1), ("N", 2)):
            rows.append(
                (f"RELATIVE_VELOCITY_{axis}", getattr(rel, f"relative_velocity_{axis.lower()}_m_s"),
                 float(vel[k]), "m/s", speed_tol)
            )  # fmt: skip
        if pc is not None and math.isfinite(pc) and rel.collision_probability is not None:
            tol = _PC_RELATIVE_TOL * max(abs(pc), abs(rel.collision_probability))
            rows.append(("COLLISION_PROBABILITY", rel.collision_probability, pc, "", tol))
        return tuple(
            CdmCheck(name, float(reported), computed, unit, tol, abs(reported - computed) <= tol)
            for name, reported, computed, unit, tol in rows
            if reported is not None
        )

    def negative_variances(self) -> tuple[str, ...]:
        """Covariance diagonal keywords (``OBJECT1 CR_R``, ...) whose value is negative.

        A variance cannot be negative: the covariance is corrupt, and no Pc computed from
        it means anything (a Pc of 0 would read as "safe").
        """
        out = []
        for obj in (self.object1, self.object2):
            diagonal = np.diag(obj.covariance_rtn_m)
            for k in np.flatnonzero(diagonal < 0):
                out.append(f"{obj.object} {_cov_keyword(int(k), int(k))}")
        return tuple(out)

    def covariances_inertial_km2(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Both objects' 6×6 position/velocity covariances in the states' frame, km units."""
        out = []
        for obj in (self.object1, self.object2):
            r, v = obj.inertial_state()
            out.append(covariance_rtn_to_inertial(obj.covariance_rtn_m[:6, :6] * 1e-6, r, v))
        return out[0], out[1]

    def encounter_plane(self) -> EncounterPlane:
        """The encounter-plane geometry from both objects' states and RTN covariances."""
        f1, f2 = self.object1.ref_frame.upper(), self.object2.ref_frame.upper()
        if f1 != f2:
            raise ValueError(
                f"the objects' REF_FRAMEs differ ({f1} and {f2}); table 3-3 requires one frame"
                " for both; convert one state before computing Pc"
            )
        r1, v1 = self.object1.inertial_state()
        r2, v2 = self.object2.inertial_state()
        return encounter_plane(
            r1,
            v1,
            self.object1.position_covariance_inertial_km2(),
            r2,
            v2,
            self.object2.position_covariance_inertial_km2(),
        )

    def collision_probability(
        self, hbr_m: float | None = None, method: PcMethod = "foster"
    ) -> PcResult:
        """Pc of this conjunction, as 0-d arrays; ``hbr_m`` defaults to :attr:`hbr_m`."""
        if hbr_m is None:
            hbr_m = self.hbr_m
        if hbr_m is None:
            raise ValueError(
                f"{self.header.message_id}: no hard-body radius; CDM 1.0 has no HBR keyword and"
                " no 'COMMENT HBR = ...' line was found; pass hbr_m= (the two objects' radii"
                " summed, in metres)"
            )
        if self.negative_variances():
            return PcResult(
                pc=np.asarray(np.nan),
                status=np.asarray(PcStatus.NEGATIVE_VARIANCE, dtype=np.int8),
                method=method,
            )
        return collision_probability(self.encounter_plane(), hbr_m * 1e-3, method)


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class _Assign:
    where: str
    keyword: str
    value: str
    unit: str | None
    section: str | None = None  # XML knows the segment; KVN infers it


@dataclass(frozen=True)
class _Comment:
    where: str
    text: str
    block: _Block | None = None  # XML knows the block; KVN attaches to the next keyword
    segment: int | None = None  # XML: 0 header/relative, 1 or 2 the object


_Token: TypeAlias = _Assign | _Comment
_KEYWORD_RE = re.compile(r"^[A-Z0-9_]+$")


def _kvn_tokens(text: str, source: str) -> Iterator[_Token]:
    for n, raw in enumerate(text.splitlines(), 1):
        where = f"{source}:{n}"
        line = raw.strip()
        if not line:
            continue
        if line.startswith("COMMENT") and (len(line) == 7 or line[7] in " \t"):
            # The text after the keyword, trimmed as XML's COMMENT element is, so the
            # two encodings read the same comment.
            yield _Comment(where, line[8:].strip() if len(line) > 7 else "")
            continue
        key, eq, rest = line.partition("=")
        key = key.strip()
        if not eq or not _KEYWORD_RE.match(key):
            raise CdmError(
                CdmIssue(
                    where,
                    "",
                    f"expected 'KEYWORD = value [unit]' or 'COMMENT text', got {line[:60]!r}",
                )
            )
        value, unit = rest.strip(), None
        if value.endswith("]") and "[" in value:
            value, _, unit_text = value[:-1].rpartition("[")
            value, unit = value.strip(), unit_text.strip()
        yield _Assign(where, key, value, unit)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].split(":")[-1]


_XML_BLOCKS: Final[dict[str, _Block]] = {
    "header": "header",
    "relativeMetadataData": "relative",
    "relativeStateVector": "relative",
    "metadata": "metadata",
    "data": "od",
    "odParameters": "od",
    "additionalParameters": "additional",
    "stateVector": "state",
    "covarianceMatrix": "covariance",
}


def _xml_tokens(text: str | bytes, source: str) -> Iterator[_Token]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise CdmError(CdmIssue(source, "", f"not well-formed XML ({exc})")) from exc
    if _local(root.tag) != "cdm":
        cdms = [e for e in root.iter() if _local(e.tag) == "cdm"]
        if len(cdms) != 1:
            raise CdmError(
                CdmIssue(source, "", f"root element is <{_local(root.tag)}>, expected one <cdm>")
            )
        root = cdms[0]
    # Trimmed like element text: XML turns a line break inside an attribute into a space.
    version = root.get("version", "").strip()
    yield _Assign(f"{source}:<cdm>", "CCSDS_CDM_VERS", version, None)

    def walk(elem: ET.Element, path: str, segment: int) -> Iterator[_Token]:
        for child in elem:
            name = _local(child.tag)
            where = f"{source}:{path}/{name}"
            if name in _XML_BLOCKS:
                yield from walk(child, f"{path}/{name}", segment)
            elif name == "segment":
                segment += 1
                yield from walk(child, f"{path}/segment[{segment}]", segment)
            elif name == "body":
                yield from walk(child, f"{path}/body", segment)
            elif name == "COMMENT":
                block = _XML_BLOCKS.get(path.rsplit("/", 1)[-1])
                yield _Comment(where, (child.text or "").strip(), block, segment)
            else:
                section = None if segment == 0 else f"OBJECT{segment}"
                yield _Assign(where, name, (child.text or "").strip(), child.get("units"), section)

    yield from walk(root, "cdm", 0)


# --------------------------------------------------------------------------- builder

_NUMBER_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_INT_RE = re.compile(r"^[+-]?\d+$")
_NAN_TEXT = frozenset({"NAN", "N/A", "NULL", ""})


@dataclass
class _Section:
    """Values and comments being gathered for one part of the message."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)
    covariance: dict[tuple[int, int], float] = field(default_factory=dict)
    last_order: int = -1


class _Builder:
    def __init__(self, strict: bool, source: str, units_required: bool) -> None:
        self.strict = strict
        self.source = source
        self.units_required = units_required
        self.issues: list[CdmIssue] = []
        self.unknown: list[tuple[str, str, str]] = []
        self.header = _Section("header")
        self.relative = _Section("relative")
        self.objects: list[_Section] = []
        self.pending: list[_Comment] = []
        self.last_where = source
        self.phase = 0  # 0 header, 1 relative, 2 object 1, 3 object 2

    def major_version(self) -> int:
        version = str(self.header.values.get("version", "1.0"))
        head = version.split(".", 1)[0].strip()
        return int(head) if head.isdigit() else 1

    def note(self, where: str, keyword: str, reason: str) -> None:
        issue = CdmIssue(where, keyword, reason)
        if self.strict:
            raise CdmError(issue)
        self.issues.append(issue)

    @staticmethod
    def fail(where: str, keyword: str, reason: str) -> CdmError:
        return CdmError(CdmIssue(where, keyword, reason))

    # ------------------------------------------------------------- dispatch

    def section_for(self, tok: _Assign, key: _Key | None) -> _Section:
        if tok.keyword == "OBJECT":
            expected = f"OBJECT{len(self.objects) + 1}"
            if tok.value != expected:
                raise self.fail(
                    tok.where,
                    "OBJECT",
                    f"found {tok.value!r} where {expected} was due; a CDM has OBJECT1's"
                    " segment, then OBJECT2's",
                )
            self.objects.append(_Section(expected))
            return self.objects[-1]
        if tok.section is not None:  # XML knows the segment
            if not self.objects or self.objects[-1].name != tok.section:
                raise self.fail(tok.where, tok.keyword, "segment does not start with <OBJECT>")
            return self.objects[-1]
        if key is None:
            return self.objects[-1] if self.objects else self.relative
        if key.block == "header":
            return self.header
        if key.block == "relative":
            return self.relative
        if not self.objects:
            raise self.fail(
                tok.where,
                tok.keyword,
                "object data before 'OBJECT = OBJECT1'; each object's segment starts with OBJECT",
            )
        return self.objects[-1]

    def printable(self, text: str, where: str, keyword: str) -> str:
        """Text with control and non-ASCII characters replaced (6.2.2.2), noting it if any."""
        if all(" " <= ch <= "~" for ch in text):
            return text
        clean = " ".join(
            "".join(ch if " " <= ch <= "~" else " " if ch.isspace() else "?" for ch in text).split()
        )
        self.note(where, keyword, "control or non-ASCII characters replaced (6.2.2.2)")
        return clean

    def take(self, tok: _Token) -> None:
        if isinstance(tok, _Comment):
            text = self.printable(tok.text, tok.where, "COMMENT")
            self.pending.append(dataclasses.replace(tok, text=text))
            return
        if self.last_where == self.source and tok.keyword != "CCSDS_CDM_VERS":
            self.note(tok.where, tok.keyword, "the first keyword must be CCSDS_CDM_VERS (6.3.1.2)")
        self.last_where = tok.where
        key = _KEY_BY_NAME.get(tok.keyword)
        if key is not None and key.since > self.major_version():
            key = None  # e.g. HBR, which CDM 2.0 added: unknown to a 1.0 message
        section = self.section_for(tok, key)
        self.flush_comments(section, key.block if key else None)
        if key is None:
            self.note(tok.where, tok.keyword, "not a CDM 1.0 keyword; kept in Cdm.unknown")
            self.unknown.append((section.name, tok.keyword, tok.value))
            return
        phase = {"header": 0, "relative": 1}.get(section.name, 1 + len(self.objects))
        order = _ORDER[key.keyword]
        if phase < self.phase or order < section.last_order:
            self.note(tok.where, key.keyword, "out of the order fixed by section 3 (6.3.1.9)")
        self.phase = max(self.phase, phase)
        section.last_order = max(order, section.last_order)
        if key.keyword == "CCSDS_CDM_VERS" and not tok.value.startswith("1."):
            self.note(
                tok.where,
                key.keyword,
                f"version {tok.value!r}; read with the 1.0 keywords (and CDM 2.0's HBR)",
            )
        value = self.convert(tok, key)
        if value is None:
            return
        if key.block == "covariance":
            row, col = map(int, key.attr.split(","))
            if (row, col) in section.covariance:
                self.note(tok.where, key.keyword, "given twice; the last value is used")
            section.covariance[(row, col)] = value
        else:
            if key.attr in section.values:
                self.note(tok.where, key.keyword, "given twice; the last value is used")
            section.values[key.attr] = value

    def flush_comments(self, section: _Section, block: _Block | None) -> None:
        """Attach waiting comments: XML ones to their own block, KVN ones to the next keyword's."""
        for c in self.pending:
            if c.segment is None or c.block is None:
                target = block or ("metadata" if section in self.objects else section.name)
                section.comments.setdefault(target, []).append(c.text)
            elif c.segment > 0:
                self.objects[c.segment - 1].comments.setdefault(c.block, []).append(c.text)
            else:
                own = self.header if c.block == "header" else self.relative
                own.comments.setdefault(c.block, []).append(c.text)
        self.pending.clear()

    # ------------------------------------------------------------- values

    def unit_scale(self, tok: _Assign, key: _Key) -> float:
        """The factor taking the value from its bracketed unit to the keyword's defined one.

        A unit of the same dimension (m for km, km/s for m/s, km**2 for m**2) is
        converted and noted.  A unit of another dimension cannot be converted: for a
        state vector or covariance element, which Pc is computed from, that refuses the
        message; elsewhere (CARA writes [m] for relative velocities) the value is read in
        the defined unit and the departure noted.
        """
        given = _normal_unit(tok.unit)
        if key.unit is None or given is None or given == _normal_unit(key.unit):
            if key.unit is not None and tok.unit is None and self.units_required:
                self.note(
                    tok.where, key.keyword, f"no unit; table 3 defines [{key.unit}] (6.2.4.1)"
                )
            elif key.unit is None and tok.unit is not None:
                self.note(
                    tok.where, key.keyword, f"unit [{tok.unit}] where none is defined; ignored"
                )
            return 1.0
        scale = _UNIT_SCALE.get((key.unit.lower(), given))
        if scale is not None:
            self.note(
                tok.where,
                key.keyword,
                f"unit [{tok.unit}] where [{key.unit}] is defined; converted to {key.unit}"
                f" (x {scale:g})",
            )
            return scale
        if key.block in ("state", "covariance"):
            raise self.fail(
                tok.where,
                key.keyword,
                f"unit [{tok.unit}] cannot be converted to the defined [{key.unit}]; write the"
                f" value in [{key.unit}]"
                + (f" or [{_ALTERNATIVE[key.unit]}]" if key.unit in _ALTERNATIVE else ""),
            )
        self.note(
            tok.where,
            key.keyword,
            f"unit [{tok.unit}] where [{key.unit}] is defined; the value is read as {key.unit}",
        )
        return 1.0

    def convert(self, tok: _Assign, key: _Key) -> Any:
        value, where = tok.value, tok.where
        scale = self.unit_scale(tok, key) if key.kind == "float" else 1.0
        if key.kind != "float" and tok.unit is not None and key.unit != tok.unit:
            self.note(
                where,
                key.keyword,
                f"unit [{tok.unit}] where {'[' + key.unit + ']' if key.unit else 'none'} is"
                f" defined; the value is read as {key.unit or 'unitless'}",
            )
        if key.kind in ("float", "int") and value.upper() in _NAN_TEXT:
            if key.required:
                raise self.fail(where, key.keyword, f"obligatory, but the value is {value!r}")
            self.note(where, key.keyword, f"value {value!r} is not a number; treated as absent")
            return None
        if key.kind == "float":
            if not _NUMBER_RE.match(value):
                raise self.fail(
                    where, key.keyword, f"{value!r} is not a number (e.g. 715, 7.15E+02)"
                )
            number = float(value) * scale
            if not math.isfinite(number):
                raise self.fail(where, key.keyword, f"{value} is outside the range of a double")
            return number
        if key.kind == "int":
            if not _INT_RE.match(value):
                raise self.fail(where, key.keyword, f"{value!r} is not an integer")
            return int(value)
        if key.kind == "time":
            try:
                return parse_cdm_time(value)
            except ValueError as exc:
                raise self.fail(where, key.keyword, str(exc)) from None
        value = self.printable(value, where, key.keyword)
        if not value:
            if key.required:
                raise self.fail(where, key.keyword, "obligatory, but empty (6.2.3.1)")
            self.note(where, key.keyword, "empty value; treated as absent")
            return None
        if key.choices and value.upper() not in key.choices:
            self.note(
                where,
                key.keyword,
                f"{value!r} is not one of {', '.join(key.choices)}; kept as written",
            )
        return value

    # ------------------------------------------------------------- assembly

    def required(self, section: _Section, keys: Sequence[_Key], label: str) -> None:
        for k in keys:
            if k.required and k.attr not in section.values:
                raise self.fail(
                    self.source,
                    k.keyword,
                    f"obligatory in {label} but missing (CCSDS 508.0-B-1 tables 3-1 to 3-4)",
                )

    def covariance(self, sec: _Section) -> tuple[float, ...]:
        cov = sec.covariance
        size = 6
        for row in range(6, 9):
            present = [c for c in range(row + 1) if (row, c) in cov]
            if not present:
                break
            if len(present) != row + 1:
                self.note(
                    self.source,
                    _cov_keyword(row, 0)[:-2],
                    f"{sec.name} covariance row {row + 1} is incomplete (5.2.8); rows"
                    f" {row + 1} and after are dropped",
                )
                break
            size = row + 1
        missing = [_cov_keyword(i, j) for i in range(6) for j in range(i + 1) if (i, j) not in cov]
        if missing:
            raise self.fail(
                self.source,
                missing[0],
                f"{sec.name}'s 6×6 position/velocity covariance is incomplete (missing"
                f" {', '.join(missing[:4])}{'...' if len(missing) > 4 else ''}; 5.2.8)",
            )
        for row in range(size, 9):
            for col in range(row + 1):
                cov.pop((row, col), None)
        return tuple(cov[(i, j)] for i in range(size) for j in range(i + 1))

    def finish(self) -> Cdm:
        if self.pending:
            target = self.objects[-1] if self.objects else self.relative
            self.flush_comments(target, "covariance" if self.objects else "relative")
        self.required(self.header, _HEADER_KEYS, "the header")
        self.required(self.relative, _RELATIVE_KEYS, "the relative metadata/data")
        if len(self.objects) != 2:
            raise self.fail(
                self.last_where,
                "OBJECT",
                f"found {len(self.objects)} object segment(s); a CDM has exactly two",
            )
        objects = []
        for sec in self.objects:
            self.required(sec, _OBJECT_KEYS, sec.name)
            comments: dict[str, Any] = {
                f"{b}_comments": tuple(sec.comments.get(b, ())) for b in _BLOCKS_OF_OBJECT
            }
            objects.append(CdmObject(**sec.values, covariance_rtn=self.covariance(sec), **comments))
        if objects[0].ref_frame != objects[1].ref_frame:
            self.note(self.source, "REF_FRAME", "differs between the objects (table 3-3)")
        header = CdmHeader(
            **self.header.values, comments=tuple(self.header.comments.get("header", ()))
        )
        relative = CdmRelative(
            **self.relative.values, comments=tuple(self.relative.comments.get("relative", ()))
        )
        return Cdm(
            header,
            relative,
            objects[0],
            objects[1],
            tuple(self.unknown),
            tuple(self.issues),
        )


def _build(tokens: Iterable[_Token], strict: bool, source: str, units_required: bool) -> Cdm:
    builder = _Builder(strict, source, units_required)
    for tok in tokens:
        builder.take(tok)
    if not builder.header.values and not builder.relative.values:
        raise CdmError(CdmIssue(source, "", "no CDM keywords found; is this a CDM?"))
    return builder.finish()


# --------------------------------------------------------------------------- writing


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text.partition("e")[0])


def _cdm_number(text: str) -> str:
    """Python float text in CDM notation: a digit on both sides of the point, 'E' exponent."""
    mantissa, _, exponent = text.partition("e")
    mantissa += "0" if mantissa.endswith(".") else "" if "." in mantissa else ".0"
    return f"{mantissa}E{int(exponent):+03d}" if exponent else mantissa


def _format_float(x: float, keyword: str) -> str:
    """Shortest text that reads back exactly, within 6.3.2.2-3's 16 digits (then rounded)."""
    if not math.isfinite(x):
        raise ValueError(f"{keyword} = {x}: a CDM cannot carry NaN or infinity; set it to None")
    for text in (repr(float(x)), f"{x:.16g}"):
        number = _cdm_number(text)
        if sum(ch.isdigit() for ch in number.partition("E")[0]) <= 16:
            return number
    mantissa, _, exponent = f"{x:.15e}".partition("e")
    return _cdm_number(mantissa.rstrip("0") + "e" + exponent)


def _format_value(value: Any, key: _Key) -> str:
    if key.kind == "time":
        return format_cdm_time(cast(datetime, value))
    if key.kind == "float":
        return _format_float(cast(float, value), key.keyword)
    return str(value)


def _check_text(text: str, what: str) -> str:
    if any(not (" " <= ch <= "~") for ch in text):
        raise ValueError(f"{what}: {text!r} has characters outside printable ASCII (6.2.2.2)")
    return text


def _object_values(obj: CdmObject) -> Iterator[tuple[_Key, Any, tuple[str, ...]]]:
    """Keys with their values (None when absent) and the comments opening each block."""
    shown: set[str] = set()
    for key in _OBJECT_KEYS:
        comments: tuple[str, ...] = ()
        if key.block not in shown:
            shown.add(key.block)
            comments = getattr(obj, f"{key.block}_comments")
        yield key, getattr(obj, key.attr), comments
    cov = obj.covariance_rtn
    comments = obj.covariance_comments
    for n, key in enumerate(_COV_KEYS[: len(cov)]):
        yield key, cov[n], comments if n == 0 else ()


def _to_kvn(cdm: Cdm) -> str:
    lines: list[str] = []

    def emit(key: _Key, value: Any, comments: Iterable[str] = ()) -> None:
        for c in comments:
            lines.append(_check_text(f"COMMENT {c}".rstrip(), "COMMENT"))
        if value is not None:
            unit = f" [{key.unit}]" if key.unit else ""
            text = f"{key.keyword:<28} = {_format_value(value, key)}{unit}"
            lines.append(_check_text(text, key.keyword))

    version, *header_keys = _HEADER_KEYS
    emit(version, cdm.header.version)
    for n, key in enumerate(header_keys):
        emit(key, getattr(cdm.header, key.attr), cdm.header.comments if n == 0 else ())
    for n, key in enumerate(_RELATIVE_KEYS):
        emit(key, getattr(cdm.relative, key.attr), cdm.relative.comments if n == 0 else ())
    for obj in (cdm.object1, cdm.object2):
        for key, value, comments in _object_values(obj):
            emit(key, value, comments)
    for line in lines:
        if len(line) > _MAX_LINE:
            raise ValueError(
                f"KVN line longer than {_MAX_LINE} characters (6.2.2.1): {line[:40]}...;"
                " shorten the value or split the comment"
            )
    return "\n".join(lines) + "\n"


_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA = "https://sanaregistry.org/r/ndmxml_unqualified/ndmxml-2.0.0-master-2.0.xsd"
_RELATIVE_STATE = frozenset(k.keyword for k in _RELATIVE_KEYS[3:9])


def _to_xml(cdm: Cdm) -> str:
    ET.register_namespace("xsi", _XSI)
    root = ET.Element(
        "cdm",
        {
            f"{{{_XSI}}}noNamespaceSchemaLocation": _SCHEMA,
            "id": "CCSDS_CDM_VERS",
            "version": cdm.header.version,
        },
    )

    def put(parent: ET.Element, key: _Key, value: Any) -> None:
        if value is None:
            return
        elem = ET.SubElement(parent, key.keyword)
        elem.text = _check_text(_format_value(value, key), key.keyword)
        if key.unit:
            elem.set("units", key.unit)

    def comments(parent: ET.Element, texts: Iterable[str]) -> None:
        for c in texts:
            ET.SubElement(parent, "COMMENT").text = _check_text(c, "COMMENT")

    header = ET.SubElement(root, "header")
    comments(header, cdm.header.comments)
    for key in _HEADER_KEYS[1:]:
        put(header, key, getattr(cdm.header, key.attr))
    body = ET.SubElement(root, "body")
    rel = ET.SubElement(body, "relativeMetadataData")
    comments(rel, cdm.relative.comments)
    state_vector: ET.Element | None = None
    for key in _RELATIVE_KEYS:
        value = getattr(cdm.relative, key.attr)
        if key.keyword in _RELATIVE_STATE:
            if value is not None and state_vector is None:
                state_vector = ET.SubElement(rel, "relativeStateVector")
            if state_vector is not None:
                put(state_vector, key, value)
        else:
            put(rel, key, value)
    for obj in (cdm.object1, cdm.object2):
        segment = ET.SubElement(body, "segment")
        metadata = ET.SubElement(segment, "metadata")
        data = ET.SubElement(segment, "data")
        blocks = {
            "metadata": metadata,
            "od": ET.Element("odParameters"),
            "additional": ET.Element("additionalParameters"),
            "state": ET.Element("stateVector"),
            "covariance": ET.Element("covarianceMatrix"),
        }
        for key, value, texts in _object_values(obj):
            comments(blocks[key.block], texts)
            put(blocks[key.block], key, value)
        for name in ("od", "additional", "state", "covariance"):
            if len(blocks[name]) or name in ("state", "covariance"):
                data.append(blocks[name])
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --------------------------------------------------------------------------- example

EXAMPLE_KVN: Final = """\
CCSDS_CDM_VERS               = 1.0
COMMENT Sample CDM of CCSDS 508.0-B-1 section 4.4, written as KVN
CREATION_DATE                = 2010-03-12T22:31:12.000
ORIGINATOR                   = JSPOC
MESSAGE_FOR                  = SATELLITE A
MESSAGE_ID                   = 201113719185
COMMENT Relative Metadata/Data
TCA                          = 2010-03-13T22:37:52.618
MISS_DISTANCE                = 715 [m]
RELATIVE_SPEED               = 14762 [m/s]
RELATIVE_POSITION_R          = 27.4 [m]
RELATIVE_POSITION_T          = -70.2 [m]
RELATIVE_POSITION_N          = 711.8 [m]
RELATIVE_VELOCITY_R          = -7.2 [m/s]
RELATIVE_VELOCITY_T          = -14692.0 [m/s]
RELATIVE_VELOCITY_N          = -1437.2 [m/s]
START_SCREEN_PERIOD          = 2010-03-12T18:29:32.212
STOP_SCREEN_PERIOD           = 2010-03-15T18:29:32.212
SCREEN_VOLUME_FRAME          = RTN
SCREEN_VOLUME_SHAPE          = ELLIPSOID
SCREEN_VOLUME_X              = 200 [m]
SCREEN_VOLUME_Y              = 1000 [m]
SCREEN_VOLUME_Z              = 1000 [m]
SCREEN_ENTRY_TIME            = 2010-03-13T20:25:43.222
SCREEN_EXIT_TIME             = 2010-03-13T23:44:29.324
COLLISION_PROBABILITY        = 4.835E-05
COLLISION_PROBABILITY_METHOD = FOSTER-1992
COMMENT Object1 Metadata
OBJECT                       = OBJECT1
OBJECT_DESIGNATOR            = 12345
CATALOG_NAME                 = SATCAT
OBJECT_NAME                  = SATELLITE A
INTERNATIONAL_DESIGNATOR     = 1997-030E
OBJECT_TYPE                  = PAYLOAD
OPERATOR_CONTACT_POSITION    = OSA
OPERATOR_ORGANIZATION        = EUMETSAT
OPERATOR_PHONE               = +49615130312
OPERATOR_EMAIL               = JOHN.DOE@SOMEWHERE.NET
EPHEMERIS_NAME               = EPHEMERIS SATELLITE A
COVARIANCE_METHOD            = CALCULATED
MANEUVERABLE                 = YES
REF_FRAME                    = EME2000
GRAVITY_MODEL                = EGM-96: 36D 36O
ATMOSPHERIC_MODEL            = JACCHIA 70 DCA
N_BODY_PERTURBATIONS         = MOON,SUN
SOLAR_RAD_PRESSURE           = NO
EARTH_TIDES                  = NO
INTRACK_THRUST               = NO
COMMENT Object1 OD Parameters
TIME_LASTOB_START            = 2010-03-12T02:14:12.746
TIME_LASTOB_END              = 2010-03-12T02:14:12.746
RECOMMENDED_OD_SPAN          = 7.88 [d]
ACTUAL_OD_SPAN               = 5.50 [d]
OBS_AVAILABLE                = 592
OBS_USED                     = 59
TRACKS_AVAILABLE             = 123
TRACKS_USED                  = 119
RESIDUALS_ACCEPTED           = 97.8 [%]
WEIGHTED_RMS                 = 0.864
COMMENT Object 1 Additional Parameters
AREA_PC                      = 5.2 [m**2]
MASS                         = 2516 [kg]
CD_AREA_OVER_MASS            = 0.045663 [m**2/kg]
CR_AREA_OVER_MASS            = 0.000000 [m**2/kg]
THRUST_ACCELERATION          = 0.0 [m/s**2]
SEDR                         = 4.54570E-05 [W/kg]
COMMENT Object1 State Vector
X                            = 2570.097065 [km]
Y                            = 2244.654904 [km]
Z                            = 6281.497978 [km]
X_DOT                        = 4.418769571 [km/s]
Y_DOT                        = 4.833547743 [km/s]
Z_DOT                        = -3.526774282 [km/s]
COMMENT Object1 Covariance in the RTN Coordinate Frame
CR_R                         = 4.142E+01 [m**2]
CT_R                         = -8.579E+00 [m**2]
CT_T                         = 2.533E+03 [m**2]
CN_R                         = -2.313E+01 [m**2]
CN_T                         = 1.336E+01 [m**2]
CN_N                         = 7.098E+01 [m**2]
CRDOT_R                      = 2.520E-03 [m**2/s]
CRDOT_T                      = -5.476E+00 [m**2/s]
CRDOT_N                      = 8.626E-04 [m**2/s]
CRDOT_RDOT                   = 5.744E-03 [m**2/s**2]
CTDOT_R                      = -1.006E-02 [m**2/s]
CTDOT_T                      = 4.041E-03 [m**2/s]
CTDOT_N                      = -1.359E-03 [m**2/s]
CTDOT_RDOT                   = -1.502E-05 [m**2/s**2]
CTDOT_TDOT                   = 1.049E-05 [m**2/s**2]
CNDOT_R                      = 1.053E-03 [m**2/s]
CNDOT_T                      = -3.412E-03 [m**2/s]
CNDOT_N                      = 1.213E-02 [m**2/s]
CNDOT_RDOT                   = -3.004E-06 [m**2/s**2]
CNDOT_TDOT                   = -1.091E-06 [m**2/s**2]
CNDOT_NDOT                   = 5.529E-05 [m**2/s**2]
COMMENT Object2 Metadata
OBJECT                       = OBJECT2
OBJECT_DESIGNATOR            = 30337
CATALOG_NAME                 = SATCAT
OBJECT_NAME                  = FENGYUN 1C DEB
INTERNATIONAL_DESIGNATOR     = 1999-025AA
OBJECT_TYPE                  = DEBRIS
EPHEMERIS_NAME               = NONE
COVARIANCE_METHOD            = CALCULATED
MANEUVERABLE                 = NO
REF_FRAME                    = EME2000
GRAVITY_MODEL                = EGM-96: 36D 36O
ATMOSPHERIC_MODEL            = JACCHIA 70 DCA
N_BODY_PERTURBATIONS         = MOON,SUN
SOLAR_RAD_PRESSURE           = YES
EARTH_TIDES                  = NO
INTRACK_THRUST               = NO
COMMENT Object2 OD Parameters
TIME_LASTOB_START            = 2010-03-12T01:14:12.746
TIME_LASTOB_END              = 2010-03-12T03:14:12.746
RECOMMENDED_OD_SPAN          = 2.63 [d]
ACTUAL_OD_SPAN               = 2.63 [d]
OBS_AVAILABLE                = 59
OBS_USED                     = 58
TRACKS_AVAILABLE             = 15
TRACKS_USED                  = 15
RESIDUALS_ACCEPTED           = 97.8 [%]
WEIGHTED_RMS                 = 0.864
COMMENT Object2 Additional Parameters
COMMENT Apogee Altitude=768 km
COMMENT Perigee Altitude=414 km
COMMENT Inclination=98.8 deg
AREA_PC                      = 0.9 [m**2]
CD_AREA_OVER_MASS            = 0.118668 [m**2/kg]
CR_AREA_OVER_MASS            = 0.075204 [m**2/kg]
THRUST_ACCELERATION          = 0.0 [m/s**2]
SEDR                         = 5.40900E-03 [W/kg]
COMMENT Object2 State Vector
X                            = 2569.540800 [km]
Y                            = 2245.093614 [km]
Z                            = 6281.599946 [km]
X_DOT                        = -2.888612500 [km/s]
Y_DOT                        = -6.007247516 [km/s]
Z_DOT                        = 3.328770172 [km/s]
COMMENT Object2 Covariance in the RTN Coordinate Frame
CR_R                         = 1.337E+03 [m**2]
CT_R                         = -4.806E+04 [m**2]
CT_T                         = 2.492E+06 [m**2]
CN_R                         = -3.298E+01 [m**2]
CN_T                         = -7.5888E+02 [m**2]
CN_N                         = 7.105E+01 [m**2]
CRDOT_R                      = 2.591E-03 [m**2/s]
CRDOT_T                      = -4.152E-02 [m**2/s]
CRDOT_N                      = -1.784E-06 [m**2/s]
CRDOT_RDOT                   = 6.886E-05 [m**2/s**2]
CTDOT_R                      = -1.016E-02 [m**2/s]
CTDOT_T                      = -1.506E-04 [m**2/s]
CTDOT_N                      = 1.637E-03 [m**2/s]
CTDOT_RDOT                   = -2.987E-06 [m**2/s**2]
CTDOT_TDOT                   = 1.059E-05 [m**2/s**2]
CNDOT_R                      = 4.400E-03 [m**2/s]
CNDOT_T                      = 8.482E-03 [m**2/s]
CNDOT_N                      = 8.633E-05 [m**2/s]
CNDOT_RDOT                   = -1.903E-06 [m**2/s**2]
CNDOT_TDOT                   = -4.594E-06 [m**2/s**2]
CNDOT_NDOT                   = 5.178E-05 [m**2/s**2]
"""
"""The sample message of CCSDS 508.0-B-1 (its XML example, section 4.4), in KVN."""
