"""The element-set catalog: a struct of arrays over SGP4 records.

>>> from importlib.resources import files
>>> sample = files("cosmo_agent.tools") / "data" / "sample-leo.3le"
>>> catalog = Catalog.from_tle_file(sample)
>>> len(catalog) > 0, catalog.ids.dtype.name
(True, 'int64')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosmo_agent.orbital.constants import WGS72_RADIUS_KM
from cosmo_agent.orbital.elements import (
    ElementRecord,
    OmmFormat,
    ParseIssue,
    parse_omm,
    parse_tle_lines,
)
from cosmo_agent.orbital.oem import Oem, OemSatrec
from cosmo_agent.orbital.timescales import DAY_S, require_utc

__all__ = ["Catalog", "Staleness", "StalenessPolicy"]

Staleness = Literal["fresh", "warn", "refuse"]
"""Element age verdicts: ``fresh`` usable; ``warn`` usable with a warning;
``refuse`` too old to plan with."""

_UNIX_EPOCH_JD = 2440587.5


@dataclass(frozen=True)
class StalenessPolicy:
    """Element-age thresholds in days (defaults: warn after 3, refuse after 14)."""

    warn_after_days: float = 3.0
    refuse_after_days: float = 14.0

    def __post_init__(self) -> None:
        if not 0 < self.warn_after_days <= self.refuse_after_days:
            raise ValueError(
                "StalenessPolicy needs 0 < warn_after_days <= refuse_after_days, got "
                f"{self.warn_after_days} and {self.refuse_after_days}"
            )


@dataclass(frozen=True, eq=False)
class Catalog:
    """Element sets as parallel arrays; build one with an alternate constructor.

    ``ids`` is our own int64 array of catalog numbers (never ``Satrec.satnum``,
    which cannot hold the six-digit numbers issued since 2026).  Heights are
    above the WGS72 equatorial radius, as SGP4 reports them.
    """

    ids: NDArray[np.int64]
    names: NDArray[np.str_]
    intl_designators: NDArray[np.str_]
    epoch_jd: NDArray[np.float64]
    perigee_km: NDArray[np.float64]
    apogee_km: NDArray[np.float64]
    inclination_deg: NDArray[np.float64]
    mean_motion_rev_per_day: NDArray[np.float64]
    satrecs: tuple[object, ...]
    issues: tuple[ParseIssue, ...] = ()
    source: str = "<records>"

    # --- constructors ---------------------------------------------------------------------

    @classmethod
    def from_records(
        cls,
        records: Sequence[ElementRecord],
        issues: Sequence[ParseIssue] = (),
        source: str = "<records>",
    ) -> Catalog:
        """Build a catalog from parsed records (later duplicates of an ID are reported)."""
        seen: set[int] = set()
        kept: list[ElementRecord] = []
        all_issues = list(issues)
        for record in records:
            if record.norad_id in seen:
                all_issues.append(
                    ParseIssue(
                        record.source,
                        record.line,
                        f"catalog number {record.norad_id} appears again; the first set is kept",
                    )
                )
                continue
            seen.add(record.norad_id)
            kept.append(record)
        sats = [r.satrec for r in kept]
        n = len(kept)
        return cls(
            ids=np.fromiter((r.norad_id for r in kept), dtype=np.int64, count=n),
            names=np.array([r.name for r in kept], dtype=np.str_),
            intl_designators=np.array([r.intl_designator for r in kept], dtype=np.str_),
            epoch_jd=np.fromiter(
                (s.jdsatepoch + s.jdsatepochF for s in sats), dtype=np.float64, count=n
            ),
            perigee_km=np.fromiter(
                (s.altp * WGS72_RADIUS_KM for s in sats), dtype=np.float64, count=n
            ),
            apogee_km=np.fromiter(
                (s.alta * WGS72_RADIUS_KM for s in sats), dtype=np.float64, count=n
            ),
            inclination_deg=np.degrees(
                np.fromiter((s.inclo for s in sats), dtype=np.float64, count=n)
            ),
            mean_motion_rev_per_day=np.fromiter(
                (s.no_kozai * 1440.0 / (2 * np.pi) for s in sats), dtype=np.float64, count=n
            ),
            satrecs=tuple(sats),
            issues=tuple(all_issues),
            source=source,
        )

    @classmethod
    def from_tle_text(cls, text: str, source: str = "<text>", *, strict: bool = False) -> Catalog:
        """Parse TLE/2LE/3LE text; bad records are skipped and listed in ``issues``."""
        records, issues = parse_tle_lines(text.splitlines(), source, strict=strict)
        return cls.from_records(records, issues, source)

    @classmethod
    def from_tle_file(cls, path: str | PathLike[str], *, strict: bool = False) -> Catalog:
        """Read a TLE/2LE/3LE file; ``strict=True`` raises on the first bad record."""
        p = Path(path)
        text = p.read_text(encoding="ascii", errors="replace")
        return cls.from_tle_text(text, str(p), strict=strict)

    @classmethod
    def from_omm_text(
        cls,
        text: str,
        source: str = "<text>",
        fmt: OmmFormat | None = None,
        *,
        strict: bool = False,
    ) -> Catalog:
        """Parse CCSDS OMM text in JSON, CSV, XML or KVN (guessed when ``fmt`` is None)."""
        records, issues = parse_omm(text, source, fmt, strict=strict)
        return cls.from_records(records, issues, source)

    @classmethod
    def from_omm_file(
        cls, path: str | PathLike[str], fmt: OmmFormat | None = None, *, strict: bool = False
    ) -> Catalog:
        """Read a CCSDS OMM file; the format comes from ``fmt``, the suffix, or the text."""
        p = Path(path)
        suffixes: dict[str, OmmFormat] = {
            ".json": "json", ".csv": "csv", ".xml": "xml", ".kvn": "kvn"
        }
        fmt = fmt or suffixes.get(p.suffix.lower())
        return cls.from_omm_text(p.read_text(encoding="utf-8"), str(p), fmt, strict=strict)

    @classmethod
    def from_file(cls, path: str | PathLike[str], *, strict: bool = False) -> Catalog:
        """Read TLE text or OMM, choosing by suffix (.tle/.3le/.2le/.txt are TLE)."""
        p = Path(path)
        if p.suffix.lower() in (".json", ".csv", ".xml", ".kvn", ".omm"):
            return cls.from_omm_file(p, strict=strict)
        return cls.from_tle_file(p, strict=strict)

    # --- selection ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def subset(self, selector: ArrayLike) -> Catalog:
        """A catalog of the rows picked by a boolean mask or an index array."""
        index = np.asarray(selector)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        index = index.astype(np.intp)
        return Catalog(
            ids=self.ids[index],
            names=self.names[index],
            intl_designators=self.intl_designators[index],
            epoch_jd=self.epoch_jd[index],
            perigee_km=self.perigee_km[index],
            apogee_km=self.apogee_km[index],
            inclination_deg=self.inclination_deg[index],
            mean_motion_rev_per_day=self.mean_motion_rev_per_day[index],
            satrecs=tuple(self.satrecs[i] for i in index),
            issues=self.issues,
            source=self.source,
        )

    def index_of(self, ids: ArrayLike) -> NDArray[np.intp]:
        """Row of each catalog number in ``ids``; raises KeyError naming any unknown ID."""
        wanted = np.atleast_1d(np.asarray(ids, dtype=np.int64))
        order = np.argsort(self.ids, kind="stable")
        pos = np.searchsorted(self.ids, wanted, sorter=order)
        pos = np.clip(pos, 0, max(len(self) - 1, 0))
        rows = order[pos] if len(self) else pos
        found = (self.ids[rows] == wanted) if len(self) else np.zeros(wanted.shape, bool)
        if not found.all():
            missing = ", ".join(str(i) for i in wanted[~found][:10])
            raise KeyError(f"catalog numbers not in {self.source}: {missing}")
        return rows.astype(np.intp)

    def select(self, ids: ArrayLike) -> Catalog:
        """A catalog of the given catalog numbers, in that order."""
        return self.subset(self.index_of(ids))

    def with_ephemerides(self, ephemerides: Mapping[int, Oem]) -> Catalog:
        """A copy whose rows for the given catalog numbers take their states from OEMs.

        Propagation, passes and screening then interpolate each OEM as its metadata says
        instead of running SGP4 for that row, and a time the OEM does not cover fails
        with error code 7 (``SGP4_ERRORS[7]``), never an extrapolation.  The element set
        stays for what needs mean elements (screening's shell filter, element ages).
        Raises KeyError for a catalog number not in the catalog.

        >>> from cosmo_agent.orbital import propagate, timescale
        >>> from importlib.resources import files
        >>> from cosmo_agent.orbital.oem import EXAMPLE_KVN
        >>> catalog = Catalog.from_tle_file(files("cosmo_agent.tools") / "data" / "sample-leo.3le")
        >>> first = int(catalog.ids[0])
        >>> mixed = catalog.with_ephemerides({first: Oem.from_kvn(EXAMPLE_KVN)})
        >>> eph = propagate(mixed, timescale().utc(2026, 6, 10, 0, 0, [30.0, 600.0]))
        >>> eph.error[0].tolist(), bool(eph.valid[1:].all())
        ([0, 7], True)
        """
        satrecs = list(self.satrecs)
        for norad_id, oem in ephemerides.items():
            row = int(self.index_of([norad_id])[0])
            base = satrecs[row]
            satrecs[row] = OemSatrec(oem, base.base if isinstance(base, OemSatrec) else base)
        return dataclasses.replace(self, satrecs=tuple(satrecs))

    # --- element age -------------------------------------------------------------------------

    @property
    def epochs(self) -> NDArray[np.datetime64]:
        """Element epochs as UTC ``datetime64[us]``."""
        us = np.round((self.epoch_jd - _UNIX_EPOCH_JD) * DAY_S * 1e6).astype(np.int64)
        epochs: NDArray[np.datetime64] = us.astype("datetime64[us]")
        return epochs

    def age_days(self, at: datetime) -> NDArray[np.float64]:
        """Age of every element set at ``at`` (UTC) in days; negative means a future epoch."""
        at = require_utc(at, "at")
        at_jd = at.timestamp() / DAY_S + _UNIX_EPOCH_JD
        return np.asarray(at_jd - self.epoch_jd, dtype=np.float64)

    def staleness(
        self, at: datetime, policy: StalenessPolicy | None = None
    ) -> NDArray[np.str_]:
        """Per-row verdict ``fresh`` / ``warn`` / ``refuse`` under ``policy``."""
        policy = policy or StalenessPolicy()
        age = np.abs(self.age_days(at))
        verdict = np.full(len(self), "fresh", dtype="<U7")
        verdict[age > policy.warn_after_days] = "warn"
        verdict[age > policy.refuse_after_days] = "refuse"
        return verdict
