"""Conjunctions from the catalog's element sets: the encounter at each TCA and its Pc.

:func:`catalog_encounters` is the one "encounter at TCA from the catalog" model: the
catalog's own states at each TCA (SGP4, or an OEM attached to the catalog) and the assumed TLE
covariance of both objects (``orbital.covariance``), 6x6 in TEME, with the encounter plane,
many pairs at once. :func:`catalog_pcs` (the daemon's Foster Pc) and
:func:`catalog_encounter` (one pair in full, for the tools' 2-D/3-D assessment, Chan and max
Pc) both read it.

Screening itself is :func:`cosmo_agent.orbital.screening.screen`, whose events come out as
:class:`CloseApproach` rows (``Conjunctions.approaches``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from sgp4.api import jday

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.collision import (
    EncounterPlane,
    collision_probability,
    covariance_rtn_to_inertial,
    encounter_plane,
)
from cosmo_agent.orbital.covariance import (
    AssumedCovariance,
    default_covariance_rtn_km2,
)
from cosmo_agent.orbital.oem import OemSatrec
from cosmo_agent.orbital.propagation import SGP4_ERRORS

__all__ = [
    "CatalogEncounter",
    "CatalogEncounters",
    "CloseApproach",
    "Pair",
    "catalog_encounter",
    "catalog_encounters",
    "catalog_pcs",
]

FloatArray = NDArray[np.float64]


class Pair(Protocol):
    """Two catalog objects and the time of their closest approach."""

    @property
    def primary_id(self) -> int: ...
    @property
    def secondary_id(self) -> int: ...
    @property
    def tca(self) -> datetime: ...


@dataclass(frozen=True)
class CloseApproach:
    """A local minimum of the range under a screening threshold (one screened event)."""

    primary_id: int
    secondary_id: int
    tca: datetime
    miss_km: float
    relative_speed_km_s: float


@dataclass(frozen=True)
class CatalogEncounters:
    """Pairs of catalog objects at their TCAs (``n`` pairs; axis 0 is primary, secondary).

    TEME states ``r_km``/``v_km_s`` (2, n, 3), the SGP4 error code of each state
    ``sgp4_error`` (2, n; 0 = ok, NaN states otherwise), the assumed TLE covariances
    ``assumed`` (2, n), the covariances used in TEME ``covariance_teme`` (2, n, 6, 6; an OEM's
    own where ``covariance_from_oem``), and the ``plane`` of each encounter (its fields have
    leading axis n).
    """

    ids: NDArray[np.int64]
    r_km: FloatArray
    v_km_s: FloatArray
    sgp4_error: NDArray[np.uint8]
    assumed: AssumedCovariance
    covariance_teme: FloatArray
    plane: EncounterPlane
    covariance_from_oem: NDArray[np.bool_]
    """(2, n): the covariance is the object's OEM's own, not ``assumed``."""
    covariance_notes: dict[tuple[int, int], str]
    """By (side, pair): where an OEM object's covariance came from, or why its OEM's could
    not be used."""

    def messages(self) -> dict[int, str]:
        """First SGP4 error message of each object that failed, by catalog number."""
        out: dict[int, str] = {}
        for side, pair in zip(self.sgp4_error, self.ids.T, strict=True):
            for code, norad_id in zip(side, pair, strict=True):
                if code and int(norad_id) not in out:
                    out[int(norad_id)] = SGP4_ERRORS.get(int(code), f"SGP4 error {int(code)}")
        return out


def catalog_encounters(catalog: Catalog, pairs: Sequence[Pair]) -> CatalogEncounters:
    """The one "encounter at TCA from the catalog" model, for many pairs at once.

    States are the catalog's own at each TCA (SGP4, or the OEM a row carries); covariances
    are the assumed TLE defaults (:func:`~cosmo_agent.orbital.covariance.default_covariance_rtn_km2`
    for each element set's perigee, apogee and age at the TCA), 6x6 in TEME, except that an
    OEM row with a covariance block within
    :data:`~cosmo_agent.orbital.oem.OEM_COVARIANCE_MAX_GAP_S` of the TCA uses its own
    (:meth:`~cosmo_agent.orbital.oem.OemSatrec.covariance_teme`). The daemon's Pc
    (:func:`catalog_pcs`) and the ``assess_conjunction`` tool (:func:`catalog_encounter`) both
    read it, so they report the same Pc for the same event.

    >>> from importlib.resources import files
    >>> catalog = Catalog.from_file(files("cosmo_agent.tools") / "data" / "sample-leo.3le")
    >>> t = datetime(2026, 6, 10, 12, tzinfo=UTC)
    >>> enc = catalog_encounters(catalog, [CloseApproach(25544, 39227, t, 0.0, 0.0)])
    >>> enc.r_km.shape, enc.covariance_teme.shape, enc.messages()
    ((2, 1, 3), (2, 1, 6, 6), {})
    """
    n = len(pairs)
    ids = catalog.ids
    order = np.argsort(ids, kind="stable")

    def row_of(norad_id: int) -> int:
        return int(order[np.searchsorted(ids, norad_id, sorter=order)])

    pair_ids = np.array([(a.primary_id, a.secondary_id) for a in pairs], np.int64).reshape(n, 2)
    r = np.full((2, n, 3), np.nan)
    v = np.full((2, n, 3), np.nan)
    err = np.zeros((2, n), np.uint8)
    perigee = np.zeros((2, n))
    apogee = np.zeros((2, n))
    age = np.zeros((2, n))
    for j, a in enumerate(pairs):
        t = a.tca.astimezone(UTC)
        jd, fr = jday(t.year, t.month, t.day, t.hour, t.minute, t.second + t.microsecond * 1e-6)
        for side, norad_id in enumerate(pair_ids[j]):
            i = row_of(int(norad_id))
            sat: Any = catalog.satrecs[i]  # an sgp4 Satrec or an OemSatrec: both have .sgp4
            code, rr, vv = sat.sgp4(jd, fr)
            err[side, j] = code
            if code == 0:
                r[side, j], v[side, j] = rr, vv
            perigee[side, j] = catalog.perigee_km[i]
            apogee[side, j] = catalog.apogee_km[i]
            age[side, j] = jd + fr - catalog.epoch_jd[i]
    cov = default_covariance_rtn_km2(perigee, apogee, age)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = covariance_rtn_to_inertial(cov.state_rtn, r, v)  # 6x6, TEME
    # an OEM's own covariance replaces the assumed one where the OEM gives one near the TCA
    notes: dict[tuple[int, int], str] = {}
    from_oem = np.zeros((2, n), bool)
    for j, a in enumerate(pairs):
        t = a.tca.astimezone(UTC)
        jd, fr = jday(t.year, t.month, t.day, t.hour, t.minute, t.second + t.microsecond * 1e-6)
        for side, norad_id in enumerate(pair_ids[j]):
            rec = catalog.satrecs[row_of(int(norad_id))]
            if not isinstance(rec, OemSatrec) or err[side, j]:
                continue
            got = rec.covariance_teme(jd, fr, r[side, j], v[side, j])
            if isinstance(got, str):
                notes[side, j] = f"{rec.source}: {got}; the assumed TLE default is used"
            else:
                c[side, j], from_oem[side, j] = got[0], True
                notes[side, j] = f"{rec.source}: {got[1].describe()}"
    with np.errstate(invalid="ignore", divide="ignore"):
        plane = encounter_plane(r[0], v[0], c[0], r[1], v[1], c[1])
    return CatalogEncounters(pair_ids, r, v, err, cov, c, plane, from_oem, notes)


def catalog_pcs(
    catalog: Catalog, pairs: Sequence[Pair], hbr_m: Sequence[float]
) -> list[float | None]:
    """Foster 2-D Pc of each pair at its TCA (:func:`catalog_encounters`); ``hbr_m`` is each
    pair's combined hard-body radius (m). None where the Pc cannot be computed (an SGP4 error
    at the TCA)."""
    if not pairs:
        return []
    plane = catalog_encounters(catalog, pairs).plane
    with np.errstate(invalid="ignore", divide="ignore"):
        result = collision_probability(plane, np.asarray(hbr_m) / 1000.0, "foster")
    return [float(pc) if math.isfinite(pc) else None for pc in np.asarray(result.pc).tolist()]


@dataclass(frozen=True)
class CatalogEncounter:
    """One pair of :class:`CatalogEncounters`: TEME states ``r_km``/``v_km_s`` (2, 3), SGP4
    error codes ``sgp4_error`` (2,), covariances in TEME ``covariance_teme`` (2, 6, 6) — each
    the object's OEM's own where ``covariance_from_oem``, else the assumed TLE default
    described by ``assumed`` (source, regime, element age, RTN sigmas, shape (2,)) — their
    encounter ``plane``, and ``messages()`` for SGP4 failures."""

    r_km: FloatArray
    v_km_s: FloatArray
    sgp4_error: NDArray[np.uint8]
    covariance_teme: FloatArray
    assumed: AssumedCovariance
    plane: EncounterPlane
    _all: CatalogEncounters

    def messages(self) -> dict[int, str]:
        """First SGP4 error message of each object that failed, by catalog number."""
        return self._all.messages()

    @property
    def covariance_from_oem(self) -> NDArray[np.bool_]:
        """(2,): each object's covariance is its OEM's own."""
        return self._all.covariance_from_oem[:, 0]

    def covariance_notes(self) -> tuple[str | None, str | None]:
        """Per object: where its OEM covariance came from, or why it could not be used."""
        notes = self._all.covariance_notes
        return notes.get((0, 0)), notes.get((1, 0))


def catalog_encounter(pair: Catalog, tca: datetime) -> CatalogEncounter:
    """The encounter of the two rows of ``pair`` (primary first) at the UTC instant ``tca``.

    >>> from importlib.resources import files
    >>> catalog = Catalog.from_file(files("cosmo_agent.tools") / "data" / "sample-leo.3le")
    >>> pair = catalog.select([25544, 39227])
    >>> enc = catalog_encounter(pair, datetime(2026, 6, 10, 12, tzinfo=UTC))
    >>> enc.r_km.shape, enc.covariance_teme.shape, int(enc.sgp4_error.max())
    ((2, 3), (2, 6, 6), 0)
    """
    primary, secondary = (int(i) for i in pair.ids[:2])
    every = catalog_encounters(pair, [CloseApproach(primary, secondary, tca, math.nan, math.nan)])
    a = every.assumed
    assumed = AssumedCovariance(
        a.sigma_position_rtn_km[:, 0], a.sigma_velocity_rtn_km_s[:, 0], a.regime[:, 0],
        a.age_days[:, 0], a.source,
    )  # fmt: skip
    p = every.plane  # the one pair's plane, as computed for all pairs
    plane = EncounterPlane(p.miss_km[0], p.covariance_km2[0], p.relative_speed_km_s[0], p.status[0])
    return CatalogEncounter(
        every.r_km[:, 0], every.v_km_s[:, 0], every.sgp4_error[:, 0],
        every.covariance_teme[:, 0], assumed, plane, every,
    )  # fmt: skip
