"""orbital.conjunction: screened rows, Pc at TCA and the one-pair encounter agree."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Any

import numpy as np
import pytest
from sgp4.api import jday
from sgp4.exporter import export_tle

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.collision import collision_probability
from cosmo_agent.orbital.conjunction import catalog_encounter, catalog_pcs
from cosmo_agent.orbital.constants import DEFAULT_SECONDARY_HBR_M
from cosmo_agent.orbital.fitting import fit_satrec
from cosmo_agent.orbital.screening import screen

T0 = datetime(2026, 6, 10, 12, tzinfo=UTC)
K3, DEBRIS = 38338, 99001


def _checksum(line: str) -> str:
    return str(sum(int(c) if c.isdigit() else c == "-" for c in line[:68]) % 10)


def _with_crosser(sample: Catalog, text: str) -> Catalog:
    """The sample plus an object crossing KOMPSAT 3 150 m below it at 18:00 UTC (60°)."""
    k3: Any = sample.satrecs[int(sample.index_of([K3])[0])]
    _, r, v = k3.sgp4(*jday(2026, 6, 10, 18, 0, 0))
    r, v = np.array(r), np.array(v)
    r_hat = r / np.linalg.norm(r)
    a = math.radians(60.0)
    v2 = (
        v * math.cos(a) + np.cross(r_hat, v) * math.sin(a) + r_hat * (r_hat @ v) * (1 - math.cos(a))
    )
    fit = fit_satrec(r - 0.150 * r_hat, v2, datetime(2026, 6, 10, 18, tzinfo=UTC), k3)
    assert fit.status == 0
    lines = ["TEST DEBRIS"]
    for line in export_tle(fit.satrec):
        body = line[:2] + f"{DEBRIS:05d}" + line[7:68]
        lines.append(body + _checksum(body))
    return Catalog.from_tle_text(text + "\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def sample() -> Catalog:
    return Catalog.from_file(files("cosmo_agent.tools") / "data" / "sample-leo.3le")


def test_encounter_at_each_screened_tca_is_the_screened_minimum(sample: Catalog) -> None:
    text = (files("cosmo_agent.tools") / "data" / "sample-leo.3le").read_text()
    catalog = _with_crosser(sample, text)
    primaries = catalog.select([K3, 25544])
    rows = screen(catalog, T0, T0 + timedelta(hours=12), 300.0, primaries=primaries).approaches()
    assert len(rows) > 3 and any(a.secondary_id == DEBRIS and a.miss_km < 0.2 for a in rows)
    hbr_m = [10.0 + DEFAULT_SECONDARY_HBR_M] * len(rows)
    pcs = catalog_pcs(catalog, rows, hbr_m)
    assert max(p or 0.0 for p in pcs) > 1e-5  # the crosser: a Pc worth comparing
    for a, pc in zip(rows, pcs, strict=True):
        enc = catalog_encounter(catalog.select([a.primary_id, a.secondary_id]), a.tca)
        assert not enc.sgp4_error.any()
        # same SGP4 states at the same instant: the plane's miss is the screened miss (1 m)
        assert float(np.linalg.norm(enc.plane.miss_km)) == pytest.approx(a.miss_km, abs=1e-3)
        assert float(enc.plane.relative_speed_km_s) == pytest.approx(
            a.relative_speed_km_s, abs=1e-3
        )
        foster = collision_probability(enc.plane, hbr_m[0] / 1000.0, "foster")
        assert pc is not None
        assert pc == pytest.approx(float(foster.pc), rel=1e-12, abs=1e-300)  # one model


def test_no_rows_no_pcs(sample: Catalog) -> None:
    assert catalog_pcs(sample, [], []) == []
