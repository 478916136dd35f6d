"""Brute-force conjunction reference for tests/test_screening.py.

Independent of ``cosmo_agent.orbital.screening``: every pair of objects is
sampled with direct SGP4 (python-sgp4's ``SatrecArray``) every ``STEP_S``
seconds; each sample interval where the range rate ``Δr·Δv`` turns from
negative to non-negative, and where the range could reach the threshold
(``d_k + d_k+1 <= 2 D + STEP_S * VREL_MAX``, ``VREL_MAX`` twice the fastest
sampled speed plus 1 km/s), is refined with ``scipy.optimize.brentq`` on the
range rate evaluated with ``Satrec.sgp4``.  Every local minimum below
``KEEP_KM`` (threshold + 1 km) is kept, so a test can also check that nothing
spurious is reported.

Subset (deterministic): for each ``(low, high, stride)`` of ``BANDS``, in
catalog-number order, every ``stride``-th object whose mean perigee and apogee
heights both lie in ``[low, high]`` km, until ``N_OBJECTS``:

- 410-425 km: the ISS, its modules and docked vehicles (which share the
  station's element set: identical trajectories, never a conjunction) and
  cubesats deployed from it;
- 495-515 km: formation flyers (TerraSAR-X/TanDEM-X, SuperView Neo-2 and
  Tianhui pairs: metres to a kilometre apart, m/s relative speeds) and
  Earth-observation constellations;
- 455-485 km, every 23rd: the densest Starlink shells, crossed by other shells
  and constellations at 5-15 km/s.

Run from the repository root (takes a few minutes on one core):

    .venv/bin/python tests/data/screening/make_reference.py [CATALOG]

It writes ``subset.3le`` (the selected records, verbatim) and
``reference.json`` beside itself.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from scipy.optimize import brentq
from sgp4.api import SGP4_ERRORS, Satrec, SatrecArray, jday

HERE = Path(__file__).resolve().parent
DEFAULT_CATALOG = HERE.parents[3] / "shared" / "data" / "catalog-leo-2026-06-10.3le"
START = datetime(2026, 6, 10, tzinfo=UTC)
HOURS = 24.0
STEP_S = 10.0
THRESHOLD_KM = 5.0
KEEP_KM = THRESHOLD_KM + 1.0
BANDS = ((410.0, 425.0, 1), (495.0, 515.0, 1), (455.0, 485.0, 23))
N_OBJECTS = 600
RE_KM = 6378.135  # WGS72, as python-sgp4 reports perigee/apogee in Earth radii


def read_3le(path: Path) -> list[tuple[str, str, str]]:
    lines = [ln.rstrip("\n") for ln in path.read_text(encoding="ascii").splitlines() if ln.strip()]
    records = []
    for k in range(0, len(lines) - 2, 1):
        if (
            lines[k].startswith("0 ")
            and lines[k + 1].startswith("1 ")
            and lines[k + 2].startswith("2 ")
        ):
            records.append((lines[k], lines[k + 1], lines[k + 2]))
    return records


def catalog_number(line1: str) -> int:
    return int(line1[2:7])


def select(records: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    ordered = sorted(records, key=lambda r: catalog_number(r[1]))
    heights = []
    for rec in ordered:
        sat = Satrec.twoline2rv(rec[1], rec[2])
        heights.append((sat.altp * RE_KM, sat.alta * RE_KM))
    picked: list[tuple[str, str, str]] = []
    for low, high, stride in BANDS:
        band = [
            rec
            for rec, (hp, ha) in zip(ordered, heights, strict=True)
            if low <= hp and ha <= high and rec not in picked
        ]
        picked += band[::stride][: N_OBJECTS - len(picked)]
    return sorted(picked, key=lambda r: catalog_number(r[1]))


def brute_force(
    sats: list[Satrec], ids: list[int]
) -> tuple[list[dict[str, object]], dict[int, str]]:
    jd0, fr0 = jday(START.year, START.month, START.day, START.hour, START.minute, START.second)
    t = np.arange(0.0, HOURS * 3600.0 + 1e-9, STEP_S)
    err, r, v = SatrecArray(sats).sgp4(np.full(len(t), jd0), fr0 + t / 86400.0)
    excluded = {}
    for i in np.flatnonzero((err != 0).any(axis=1)):
        code = int(err[i][err[i] != 0][0])
        excluded[ids[i]] = SGP4_ERRORS[code]
    ok = [i for i in range(len(sats)) if ids[i] not in excluded]
    vrel_max = 2.0 * float(np.linalg.norm(v[ok], axis=-1).max()) + 1.0
    reach = 2 * THRESHOLD_KM + STEP_S * vrel_max

    def state(i: int, ts: float) -> tuple[np.ndarray, np.ndarray]:
        e, ri, vi = sats[i].sgp4(jd0, fr0 + ts / 86400.0)
        if e:
            raise RuntimeError(f"SGP4 error {e} for {ids[i]} at {ts}")
        return np.array(ri), np.array(vi)

    def range_rate(ts: float, i: int, j: int) -> float:
        ri, vi = state(i, ts)
        rj, vj = state(j, ts)
        return float(np.dot(rj - ri, vj - vi))

    events = []
    for n_i, i in enumerate(ok):
        others = np.array([j for j in ok if j > i], dtype=int)
        for chunk in np.array_split(others, max(1, len(others) // 64)):
            if len(chunk) == 0:
                continue
            dr = r[chunk] - r[i]
            dv = v[chunk] - v[i]
            d = np.sqrt(np.einsum("ptk,ptk->pt", dr, dr))
            f = np.einsum("ptk,ptk->pt", dr, dv)
            hit = (f[:, :-1] < 0) & (f[:, 1:] >= 0) & (d[:, :-1] + d[:, 1:] <= reach)
            for p, k in zip(*np.nonzero(hit), strict=True):
                j = int(chunk[p])
                tca = brentq(range_rate, t[k], t[k + 1], args=(i, j), xtol=1e-7, rtol=1e-15)
                ri, vi = state(i, tca)
                rj, vj = state(j, tca)
                miss = float(np.linalg.norm(rj - ri))
                if miss <= KEEP_KM:
                    events.append(
                        {
                            "ids": sorted([ids[i], ids[j]]),
                            "tca_s": tca,
                            "tca": (START + timedelta(seconds=tca))
                            .isoformat()
                            .replace("+00:00", "Z"),
                            "miss_km": miss,
                            "relative_speed_km_s": float(np.linalg.norm(vj - vi)),
                        }
                    )
        if n_i % 50 == 0:
            print(f"  {n_i}/{len(ok)} objects, {len(events)} minima so far", flush=True)
    events.sort(key=lambda e: float(e["tca_s"]))  # type: ignore[arg-type]
    return events, excluded


def main() -> None:
    catalog = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CATALOG
    picked = select(read_3le(catalog))
    (HERE / "subset.3le").write_text(
        "".join(f"{a}\n{b}\n{c}\n" for a, b, c in picked), encoding="ascii"
    )
    sats = [Satrec.twoline2rv(b, c) for _, b, c in picked]
    ids = [catalog_number(b) for _, b, c in picked]
    t0 = time.perf_counter()
    events, excluded = brute_force(sats, ids)
    wall = time.perf_counter() - t0
    below = sum(1 for e in events if float(e["miss_km"]) <= THRESHOLD_KM)  # type: ignore[arg-type]
    print(
        f"{len(picked)} objects, {len(events)} minima <= {KEEP_KM} km, "
        f"{below} <= {THRESHOLD_KM} km, "
        f"{len(excluded)} excluded, {wall:.0f} s"
    )
    out = {
        "provenance": {
            "script": "tests/data/screening/make_reference.py",
            "catalog": catalog.name,
            "subset": "subset.3le",
            "generated": datetime.now(UTC).strftime("%Y-%m-%d"),
            "start": START.isoformat().replace("+00:00", "Z"),
            "hours": HOURS,
            "step_s": STEP_S,
            "threshold_km": THRESHOLD_KM,
            "keep_km": KEEP_KM,
            "bands_km_stride": [list(b) for b in BANDS],
            "objects": len(picked),
            "wall_s": round(wall, 1),
        },
        "excluded": {str(k): m for k, m in sorted(excluded.items())},
        "events": events,
    }
    (HERE / "reference.json").write_text(json.dumps(out, indent=1) + "\n", encoding="ascii")


if __name__ == "__main__":
    main()
