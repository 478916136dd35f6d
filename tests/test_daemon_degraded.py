"""Degraded cycles are reported as degraded (issue 17, item 1): a fleet satellite missing from the
catalog, elements older than the mission's ``stale_refuse_days``, an incomplete plan.

Each case checks the three places an operator looks: a WARNING log line naming the satellites
and the job, ``/readyz`` (503 while the last screening could not screen the fleet) and
``/metrics`` (``cosmo_daemon_degraded{job}`` 0/1, ``cosmo_daemon_degraded_cycles_total``).
The daemon's HTTP server binds 127.0.0.1 only and is stopped by the context manager.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from cosmo_agent.agent.daemon import DaemonSettings, ManualClock
from cosmo_agent.agent.daemon.runtime import Daemon
from cosmo_agent.agent.daemon.screening import Shard, screen_shard, unusable_primaries
from cosmo_agent.orbital.catalog import Catalog

SAMPLE = Path(str(files("cosmo_agent.tools") / "data" / "sample-leo.3le"))
SW_SNAPSHOT = Path(str(files("cosmo_agent.tools") / "data" / "swpc-2026-06-10"))
T0 = datetime(2026, 6, 10, 12, tzinfo=UTC)
K3, K5, ISS = 38338, 39227, 25544
GHOST = 7727  # COSMOS 724 in the sample, flown here as a fleet satellite named GHOST SAT

MISSION = """
name: degraded-test
fleet:
  - {{norad_id: 38338, name: KOMPSAT 3, class: eo-imager, hard_body_radius_m: 5}}
  - {{norad_id: 39227, name: KOMPSAT 5, class: sar, hard_body_radius_m: 6}}
  - {{norad_id: 25544, name: ISS (ZARYA), class: eo-imager}}
{extra}sources: {{catalog: [fleet.3le], space_weather: {sw}}}
policies: {{max_pc: 1.0e-4, min_miss_km: 0.05, screening_threshold_km: 5.0}}
"""


def sample_without(norad_id: int | None) -> str:
    """The bundled 3LE sample, less the element set of ``norad_id``."""
    lines = SAMPLE.read_text().splitlines()
    groups = [lines[i : i + 3] for i in range(0, len(lines), 3)]
    kept = [g for g in groups if norad_id is None or int(g[1][2:7]) != norad_id]
    return "\n".join(line for g in kept for line in g) + "\n"


def make_mission(tmp: Path, *, ghost: bool = False, catalog: str | None = None) -> None:
    extra = f"  - {{norad_id: {GHOST}, name: GHOST SAT, class: sar}}\n" if ghost else ""
    (tmp / "fleet.3le").write_text(catalog if catalog is not None else sample_without(None))
    (tmp / "mission.yaml").write_text(MISSION.format(extra=extra,
                                                     sw=json.dumps(str(SW_SNAPSHOT))))


def make_daemon(tmp: Path, clock: ManualClock, replanner: Any = None) -> Daemon:
    settings = DaemonSettings(
        mission=tmp / "mission.yaml", state_dir=tmp / "state", scaleout="inline",
        screener="orbital", stdout_alerts=False, replan=replanner is not None,
        screening_span_h=12.0, http="127.0.0.1:0",
    )  # fmt: skip
    return Daemon(settings, clock=clock, replanner=replanner)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def warnings(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno == logging.WARNING]

    def infos(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno == logging.INFO]


@pytest.fixture
def daemon_log() -> Iterator[_Records]:
    """The daemon logger's records, whatever its propagation (the CLI turns it off)."""
    logger = logging.getLogger("cosmo_agent.daemon")
    handler, level = _Records(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def get(d: Daemon, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{d.http_port}{path}", timeout=10) as r:
            return int(r.status), r.read().decode()
    except urllib.error.HTTPError as e:
        return int(e.code), e.read().decode()


def readyz(d: Daemon) -> tuple[int, dict[str, Any]]:
    code, body = get(d, "/readyz")
    return code, json.loads(body)


def gauges(d: Daemon, name: str) -> dict[str, float]:
    """``{job: value}`` of one labelled daemon metric."""
    text = get(d, "/metrics")[1]
    return {m[1]: float(m[2]) for m in re.finditer(rf'^{name}{{job="(\w+)"}} (\S+)$', text, re.M)}


# -- a fleet satellite missing from the catalog ------------------------------------------------


def test_missing_fleet_satellite_degrades_every_cycle_that_needs_it(
    tmp_path: Path, daemon_log: _Records
) -> None:
    make_mission(tmp_path, ghost=True, catalog=sample_without(GHOST))
    with make_daemon(tmp_path, ManualClock(T0)) as d:
        d.start(schedule=False)
        code, body = readyz(d)
        assert (code, body["status"]) == (503, "starting")
        assert set(gauges(d, "cosmo_daemon_degraded").values()) == {0.0}  # every job, zeros
        catalog = d.run_job("catalog")
        assert catalog.status == "degraded"
        assert catalog.reasons == (f"GHOST SAT ({GHOST}) is not in the catalog"
                                   f" ({d.snapshot.digest})",)  # type: ignore[union-attr]
        assert d.run_job("staleness").status == "degraded"
        screening = d.run_job("screening")
        assert screening.status == "degraded"
        assert screening.reasons == (f"GHOST SAT ({GHOST}) not screened: not in the catalog"
                                     f" ({d.snapshot.digest})",)  # type: ignore[union-attr]
        assert "1/1 shards" in screening.detail  # the other satellites were screened
        # the log: WARNING, naming the job and the satellite
        lines = [w for w in daemon_log.warnings() if w.startswith("job screening degraded")]
        assert len(lines) == 1 and f"GHOST SAT ({GHOST}) not screened" in lines[0]
        assert not any(m.startswith("job screening ok") for m in daemon_log.infos())
        [record] = [r for r in daemon_log.records if r.getMessage() == lines[0]]
        assert record.fields["job"] == "screening"  # type: ignore[attr-defined]
        assert record.fields["reasons"] == list(screening.reasons)  # type: ignore[attr-defined]
        # /readyz: not ready, with the reasons
        code, body = readyz(d)
        assert code == 503 and body["ok"] is False and body["status"] == "degraded"
        assert f"screening: GHOST SAT ({GHOST}) not screened: not in the catalog" in \
            " ".join(body["reasons"])  # fmt: skip
        assert set(body["degraded_jobs"]) == {"catalog", "staleness", "screening"}
        # /metrics: the gauge and the counter
        degraded = gauges(d, "cosmo_daemon_degraded")
        assert degraded["screening"] == degraded["catalog"] == degraded["staleness"] == 1.0
        assert degraded["space_weather"] == 0.0
        assert gauges(d, "cosmo_daemon_degraded_cycles_total")["screening"] == 1.0
        assert "cosmo_daemon_ready 0.0" in get(d, "/metrics")[1]
        with d.store.session() as s:
            open_keys = {i.key for i in d.store.open_issues(s)}
        assert f"not-in-catalog:{GHOST}" in open_keys
        # the satellite appears in the catalog: every job clean again, ready, gauges 0
        (tmp_path / "fleet.3le").write_text(sample_without(None))
        assert d.run_job("catalog").status == "ok"
        assert d.run_job("staleness").status == "ok"
        assert d.run_job("screening").status == "ok"
        code, body = readyz(d)
        assert (code, body["status"], body["reasons"]) == (200, "ok", [])
        degraded = gauges(d, "cosmo_daemon_degraded")
        assert set(degraded.values()) == {0.0}
        assert gauges(d, "cosmo_daemon_degraded_cycles_total")["screening"] == 1.0  # a count


# -- stale elements --------------------------------------------------------------------------


def test_elements_178_days_old_are_not_screening_ok(tmp_path: Path, daemon_log: _Records) -> None:
    make_mission(tmp_path)
    with make_daemon(tmp_path, ManualClock(T0 + timedelta(days=178))) as d:
        d.start(schedule=False)
        assert d.run_job("catalog").status == "degraded"
        report = d.run_job("screening")
        assert report.status == "degraded", report.detail
        assert len(report.reasons) == 3
        for who in (f"KOMPSAT 3 ({K3})", f"KOMPSAT 5 ({K5})", f"ISS (ZARYA) ({ISS})"):
            assert any(r.startswith(f"{who} not screened: elements 17") and "limit 14 days" in r
                       for r in report.reasons), (who, report.reasons)  # fmt: skip
        [line] = [w for w in daemon_log.warnings() if w.startswith("job screening degraded")]
        assert f"KOMPSAT 3 ({K3}) not screened" in line and "days from their epoch" in line
        assert not any(m.startswith("job screening ok") for m in daemon_log.infos())
        code, body = readyz(d)
        assert code == 503 and body["status"] == "degraded"
        assert sum(r.startswith("screening: ") for r in body["reasons"]) == 3
        assert gauges(d, "cosmo_daemon_degraded")["screening"] == 1.0
        assert d.cycle_ok_at is None
        with d.store.session() as s:
            issues = {i.key: i for i in d.store.open_issues(s)}
        assert {f"not-screened:{i}" for i in (K3, K5, ISS)} <= set(issues)
        assert issues[f"not-screened:{K3}"].severity == "alert"
        assert d.run_job("staleness").status == "degraded"


def test_elements_judged_over_the_screening_window(tmp_path: Path) -> None:
    """Fresh enough now but past the limit before the 12 h window ends: not screened."""
    make_mission(tmp_path)
    catalog = Catalog.from_file(SAMPLE)
    ages = [float(catalog.age_days(T0)[int(catalog.index_of([i])[0])]) for i in (K3, K5, ISS)]
    assert max(ages) - min(ages) < 0.4  # the three epochs lie within 10 hours
    now = T0 + timedelta(days=14.0 - max(ages) - 0.05)  # every one under 14 days now
    with make_daemon(tmp_path, ManualClock(now)) as d:
        assert d.run_job("catalog").status == "ok"
        assert d.run_job("staleness").status == "ok"
        report = d.run_job("screening")  # ... and over 14 days before now + 12 h
        assert report.status == "degraded" and len(report.reasons) == 3, report.reasons


def test_shard_screens_the_fresh_satellites_and_names_the_stale_ones() -> None:
    catalog = Catalog.from_file(SAMPLE)
    at = T0 + timedelta(days=10)
    ages = {i: float(catalog.age_days(at)[int(catalog.index_of([i])[0])]) for i in (K3, K5, ISS)}
    oldest = max(ages, key=ages.__getitem__)
    limit = (max(ages.values()) + min(ages.values())) / 2  # between the oldest and the newest
    missing, stale = unusable_primaries(catalog, [K3, K5, ISS, 99999], at, at, limit)
    assert missing == (99999,) and oldest in dict(stale)
    shard = Shard(index=0, primaries=(K3, K5, ISS, 99999), primary_hbr_m=(5.0, 6.0, 5.0, 5.0),
                  fleet=(K3, K5, ISS, 99999), start=at, stop=at + timedelta(hours=1),
                  threshold_km=5.0, step_s=60.0,
                  catalog_files=(str(SAMPLE),), catalog_digest="degraded-test-sample",
                  screener="orbital", stale_refuse_days=limit)  # fmt: skip
    result = screen_shard(shard)
    assert result.missing == (99999,)
    assert {i for i, _ in result.stale} == {i for i, a in ages.items() if a > limit}
    assert oldest not in result.screened and 99999 not in result.screened
    assert set(result.screened) == {i for i, a in ages.items() if a <= limit}
    assert all(a.primary_id in result.screened for a in result.approaches)


# -- healthy, and degraded-but-ready ---------------------------------------------------------


def test_healthy_cycle_reports_zero(tmp_path: Path, daemon_log: _Records) -> None:
    make_mission(tmp_path)
    with make_daemon(tmp_path, ManualClock(T0)) as d:
        d.start(schedule=False)
        for job in ("catalog", "space_weather", "staleness", "screening"):
            assert d.run_job(job).status == "ok", job
        code, body = readyz(d)
        assert (code, body["ok"], body["status"], body["reasons"]) == (200, True, "ok", [])
        assert set(gauges(d, "cosmo_daemon_degraded").values()) == {0.0}
        assert set(gauges(d, "cosmo_daemon_degraded_cycles_total").values()) == {0.0}
        assert "cosmo_daemon_ready 1.0" in get(d, "/metrics")[1]
    assert daemon_log.warnings() == []


def test_catalog_refresh_failing_on_a_usable_catalog_is_ready_but_degraded(
    tmp_path: Path, daemon_log: _Records
) -> None:
    make_mission(tmp_path)
    with make_daemon(tmp_path, ManualClock(T0)) as d:
        d.start(schedule=False)
        d.run_job("catalog")
        (tmp_path / "fleet.3le").unlink()
        assert d.run_job("catalog").status == "degraded"
        assert d.run_job("screening").status == "ok"  # on the last good catalog
        code, body = readyz(d)
        assert (code, body["ok"], body["status"]) == (200, True, "degraded")
        [reason] = body["reasons"]
        assert reason.startswith("catalog: refresh failed") and "fleet.3le" in reason
        assert gauges(d, "cosmo_daemon_degraded")["catalog"] == 1.0
        assert any(w.startswith("job catalog degraded") for w in daemon_log.warnings())


# -- plans -------------------------------------------------------------------------------------

GAP_PLAN = json.dumps({"status": "incomplete", "plan": {"commands": [], "gaps": [
    {"objective": "downlink", "satellite": {"norad_id": K5, "name": "KOMPSAT 5"},
     "reason": "no contact in the window"}]}})


def test_incomplete_plan_is_a_warning_never_accepted(tmp_path: Path, daemon_log: _Records) -> None:
    make_mission(tmp_path)

    def replanner(d: Daemon, now: datetime, why: Any) -> tuple[str, str, str | None]:
        return "incomplete", "a plan with a gap", GAP_PLAN

    with make_daemon(tmp_path, ManualClock(T0), replanner) as d:
        d.start(schedule=False)
        d.run_job("catalog")
        d.run_job("screening")
        report = d.run_job("replan")
        assert report.status == "degraded" and report.detail.startswith("plan 1: incomplete")
        assert report.reasons == ("plan 1 incomplete: downlink for KOMPSAT 5 (39227): no contact"
                                  " in the window",)  # fmt: skip
        assert "plan incomplete: downlink for KOMPSAT 5 (39227): no contact in the window" in \
            daemon_log.warnings()  # fmt: skip
        code, body = readyz(d)
        assert (code, body["status"]) == (200, "degraded")  # the fleet is still screened
        assert gauges(d, "cosmo_daemon_degraded")["replan"] == 1.0
        assert d.run_job("replan").status == "skipped"  # nothing changed: still degraded
        assert gauges(d, "cosmo_daemon_degraded")["replan"] == 1.0
    alerts = [json.loads(x) for x in (tmp_path / "state" / "alerts.jsonl").read_text().split("\n")
              if x.strip()]  # fmt: skip
    [plan] = [a for a in alerts if a["kind"] == "plan"]
    assert plan["severity"] == "warning" and plan["level"] == "incomplete"
    assert "accepted" not in plan["message"] and "KOMPSAT 5 (39227)" in plan["message"]
    assert not any("accepted" in m for m in daemon_log.infos() + daemon_log.warnings())


def test_accepted_plan_without_usable_elements_is_recorded_incomplete(
    tmp_path: Path, daemon_log: _Records
) -> None:
    make_mission(tmp_path, ghost=True, catalog=sample_without(GHOST))

    def replanner(d: Daemon, now: datetime, why: Any) -> tuple[str, str, str | None]:
        return "accepted", "0 commands", json.dumps({"status": "accepted", "plan": {"gaps": []}})

    with make_daemon(tmp_path, ManualClock(T0), replanner) as d:
        d.run_job("catalog")
        report = d.run_job("replan")
        assert report.status == "degraded" and report.detail.startswith("plan 1: incomplete")
        assert f"GHOST SAT ({GHOST}) is not in the catalog" in report.detail
        assert any(w.startswith("plan incomplete: ") and f"GHOST SAT ({GHOST})" in w
                   for w in daemon_log.warnings())  # fmt: skip
        assert not any("accepted" in m for m in daemon_log.infos())


def test_accepted_plan_on_a_healthy_fleet_is_ok(tmp_path: Path) -> None:
    make_mission(tmp_path)

    def replanner(d: Daemon, now: datetime, why: Any) -> tuple[str, str, str | None]:
        return "accepted", "0 commands", None

    with make_daemon(tmp_path, ManualClock(T0), replanner) as d:
        d.start(schedule=False)
        d.run_job("catalog")
        assert d.run_job("replan").detail == "plan 1: accepted"
        assert gauges(d, "cosmo_daemon_degraded")["replan"] == 0.0
