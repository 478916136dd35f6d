"""The fleet-monitoring daemon, in process: settings, event tracking, alerts, sinks, screening
physics against brute force and the orbital screener, jobs with an injected clock, HTTP.

The subprocess test (restart, SIGTERM, fault injection) is in test_daemon_process.py.
"""

from __future__ import annotations

import json
import math
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from pydantic import SecretStr, ValidationError
from sgp4.api import SatrecArray, jday
from sgp4.exporter import export_tle
from sqlalchemy import func, select

from cosmo_agent.agent.daemon import DaemonSettings, ManualClock, PcThresholds, Store
from cosmo_agent.agent.daemon.catalogs import CatalogRefresher
from cosmo_agent.agent.daemon.clock import ClockSpecError, SimulatedClock, parse_clock
from cosmo_agent.agent.daemon.runtime import Daemon
from cosmo_agent.agent.daemon.scaleout import DaskRunner, InlineRunner
from cosmo_agent.agent.daemon.screening import (
    Approach,
    Shard,
    collision_probabilities,
    prime_snapshot,
    screen_shard,
)
from cosmo_agent.agent.daemon.sinks import Dispatcher, JsonlSink, SinkError, WebhookSink
from cosmo_agent.agent.daemon.store import (
    SEVERITIES,
    AlertRow,
    DeliveryRow,
    EventRow,
    PcHistoryRow,
    conjunction_level,
)
from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.maneuver import closest_approach, fit_satrec
from cosmo_agent.tools.feeds import FeedPoller
from cosmo_agent.tools.mission import load_mission, parse_mission
from cosmo_agent.tools.registry import ToolContext, call_tool
from cosmo_agent.tools.toolkit import ConjunctionEvent, ObjectRef

SAMPLE = Path(str(files("cosmo_agent.tools") / "data" / "sample-leo.3le"))
SW_SNAPSHOT = Path(str(files("cosmo_agent.tools") / "data" / "swpc-2026-06-10"))
T0 = datetime(2026, 6, 10, 12, tzinfo=UTC)
TCA = datetime(2026, 6, 10, 18, tzinfo=UTC)
K3, DEBRIS = 38338, 99001


# -- fixtures ----------------------------------------------------------------------------------


def _checksum(line: str) -> str:
    return str(sum(int(c) if c.isdigit() else c == "-" for c in line[:68]) % 10)


def debris_lines(sample: Catalog, miss_km: float = 0.150) -> str:
    """3LE of a made-up object crossing KOMPSAT 3 ``miss_km`` below it at 18:00 UTC (60°)."""
    k3: Any = sample.satrecs[int(sample.index_of([K3])[0])]
    _, r, v = k3.sgp4(*jday(2026, 6, 10, 18, 0, 0))
    r, v = np.array(r), np.array(v)
    r_hat = r / np.linalg.norm(r)
    a = math.radians(60.0)
    v2 = (v * math.cos(a) + np.cross(r_hat, v) * math.sin(a)
          + r_hat * (r_hat @ v) * (1 - math.cos(a)))  # fmt: skip
    fit = fit_satrec(r - miss_km * r_hat, v2, TCA, k3)
    assert fit.status == 0
    out = ["TEST DEBRIS"]
    for line in export_tle(fit.satrec):
        body = line[:2] + f"{DEBRIS:05d}" + line[7:68]
        out.append(body + _checksum(body))
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def sample() -> Catalog:
    return Catalog.from_file(SAMPLE)


@pytest.fixture(scope="module")
def catalog_text(sample: Catalog) -> str:
    return SAMPLE.read_text() + debris_lines(sample)


MISSION = """
name: daemon-test
fleet:
  - {{norad_id: 38338, name: KOMPSAT 3, aliases: [K3], class: eo-imager, maneuverable: true,
     hard_body_radius_m: 5, sensitivities: [radiation]}}
  - {{norad_id: 39227, name: KOMPSAT 5, aliases: [K5], class: sar, hard_body_radius_m: 6}}
  - {{norad_id: 25544, name: ISS (ZARYA), aliases: [ISS], class: weather}}
sources: {{catalog: [{catalog}], space_weather: {sw}}}
policies: {{max_pc: 1.0e-4, min_miss_km: 0.05, screening_threshold_km: 5.0}}
"""


def make_mission(tmp: Path, catalog: str, sw: Path = SW_SNAPSHOT) -> Path:
    (tmp / "fleet.3le").write_text(catalog)
    path = tmp / "mission.yaml"
    path.write_text(MISSION.format(catalog="fleet.3le", sw=json.dumps(str(sw))))
    return path


def make_daemon(tmp: Path, clock: ManualClock, **overrides: Any) -> Daemon:
    settings = DaemonSettings(
        mission=tmp / "mission.yaml", state_dir=tmp / "state", scaleout="inline",
        screener="orbital", stdout_alerts=False, replan=False, screening_span_h=12.0,
        **overrides,
    )  # fmt: skip
    return Daemon(settings, clock=clock)


def jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# -- settings ------------------------------------------------------------------------------------


def test_settings_precedence_file_env_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "daemon.yaml"
    cfg.write_text("daemon:\n  clock: fixed:2026-01-01T00:00:00Z\n  workers: 3\n"
                   "  intervals: {screening_s: 100, catalog_s: 200}\n  shard_size: 7\n")
    monkeypatch.setenv("COSMO_DAEMON_WORKERS", "5")
    monkeypatch.setenv("COSMO_DAEMON_INTERVALS__SCREENING_S", "50")
    s = DaemonSettings(config_file=cfg, shard_size=9)
    assert s.clock == "fixed:2026-01-01T00:00:00Z"  # file only
    assert s.workers == 5  # environment beats the file
    assert s.intervals.screening_s == 50.0 and s.intervals.catalog_s == 200.0  # merged deeply
    assert s.shard_size == 9  # flags beat the file
    monkeypatch.setenv("COSMO_DAEMON_SHARD_SIZE", "11")
    assert DaemonSettings(config_file=cfg, shard_size=9).shard_size == 9  # flags beat env
    assert DaemonSettings(config_file=cfg).shard_size == 11
    monkeypatch.setenv("COSMO_DAEMON_CONFIG_FILE", str(cfg))  # the file named by env
    assert DaemonSettings().intervals.catalog_s == 200.0
    toml = tmp_path / "d.toml"
    toml.write_text('clock = "real"\n[webhook]\nurl = "http://127.0.0.1:9/x"\nretries = 1\n')
    s = DaemonSettings(config_file=toml)
    assert s.webhook is not None and s.webhook.retries == 1 and s.clock == "real"
    js = tmp_path / "d.json"
    js.write_text('{"unknown_setting": 1}')
    with pytest.raises(ValidationError, match="unknown_setting"):
        DaemonSettings(config_file=js)


def test_settings_refuse_an_exposed_server_without_token() -> None:
    with pytest.raises(ValidationError, match="not a loopback address"):
        DaemonSettings(http="0.0.0.0:8080")
    token = SecretStr("s3cret")
    assert DaemonSettings(http="0.0.0.0:8080", http_token=token).http_address() == (
        "0.0.0.0", 8080)  # fmt: skip
    assert DaemonSettings(http=":8080").http_address() == ("127.0.0.1", 8080)
    assert DaemonSettings(http="[::1]:8080").http_address() == ("::1", 8080)
    with pytest.raises(ValidationError, match="pc_watch <= pc_alert"):
        DaemonSettings(pc_watch=1e-3, pc_alert=1e-4)


def test_clock_specs() -> None:
    assert parse_clock("fixed:2026-06-10T12:00:00Z").now() == T0
    sim = parse_clock("sim:2026-06-10T12:00:00Z@60", anchor_unix_s=time.time() - 10.0)
    assert isinstance(sim, SimulatedClock)
    assert abs((sim.now() - (T0 + timedelta(seconds=600))).total_seconds()) < 60.0
    with pytest.raises(ClockSpecError, match="no timezone"):
        parse_clock("fixed:2026-06-10T12:00:00")
    with pytest.raises(ClockSpecError, match="one of"):
        parse_clock("tomorrow")


# -- event tracking ------------------------------------------------------------------------------


THRESHOLDS = PcThresholds(watch=1e-5, alert=1e-4, emergency=1e-3, min_miss_km=0.05)


def _sight(tca: datetime, pc: float | None, miss: float = 0.5, p: int = K3, q: int = DEBRIS
           ) -> Approach:  # fmt: skip
    return Approach(p, q, tca, miss, 7.5, pc)


def _track(store: Store, sightings: list[Approach], now: datetime, cycle: int,
           screened: set[int] | None = None, span_h: float = 24.0) -> Any:  # fmt: skip
    with store.session() as s:
        return store.track(s, sightings, screened={K3} if screened is None else screened,
                           window=(now, now + timedelta(hours=span_h)), now=now, cycle=cycle,
                           thresholds=THRESHOLDS, history_per_event=3)  # fmt: skip


def _events(store: Store) -> list[EventRow]:
    with store.session() as s:
        return list(s.scalars(select(EventRow).order_by(EventRow.id)))


def _alerts(store: Store) -> list[tuple[str, str]]:
    with store.session() as s:
        return [(a.dedup_key, a.level) for a in s.scalars(select(AlertRow).order_by(AlertRow.id))]


def test_same_pair_within_20_minutes_is_one_event() -> None:
    store = Store("sqlite://", sinks=["jsonl"])
    _track(store, [_sight(TCA, 2e-5)], T0, 1)
    # TCA drifts 15 min with new elements, pair seen in the other order: the same event
    _track(store, [_sight(TCA + timedelta(minutes=15), 3e-5, p=DEBRIS, q=K3)], T0, 2)
    events = _events(store)
    assert len(events) == 1 and events[0].sightings == 2
    assert events[0].tca == TCA + timedelta(minutes=15)
    # 25 min away from the tracked TCA: another event (e.g. the next crossing)
    _track(store, [_sight(TCA + timedelta(minutes=40), 3e-5)], T0, 3)
    assert len(_events(store)) == 2
    # another secondary at the same TCA: another event
    _track(store, [_sight(TCA, 3e-5, q=12345)], T0, 4)
    assert len(_events(store)) == 3


def test_pc_history_escalation_and_alert_once_per_level() -> None:
    store = Store("sqlite://", sinks=["jsonl"])
    now = T0
    levels = []
    for cycle, pc in enumerate([1e-7, 2e-5, 3e-5, 2e-4, 5e-5, 3e-4, 2e-3], start=1):
        out = _track(store, [_sight(TCA, pc)], now, cycle)
        levels.append((out.new, out.escalated))
        now += timedelta(minutes=30)
    [event] = _events(store)
    uid = event.uid
    assert event.level == "emergency" and event.peak_level == "emergency"
    assert levels[0] == ([uid], [])  # new at level none: tracked, no alert
    assert levels[1][1] == [(uid, "none", "watch")]
    assert levels[3][1] == [(uid, "watch", "alert")]
    assert levels[5] == ([], [])  # back to alert after a dip to watch: not an escalation
    assert levels[6][1] == [(uid, "alert", "emergency")]
    assert _alerts(store) == [(f"conjunction:{uid}", "watch"), (f"conjunction:{uid}", "alert"),
                              (f"conjunction:{uid}", "emergency")]  # fmt: skip
    with store.session() as s:
        history = list(s.scalars(select(PcHistoryRow).order_by(PcHistoryRow.id)))
    assert [h.pc for h in history] == [5e-5, 3e-4, 2e-3]  # bounded: the newest 3 kept
    assert [h.cycle for h in history] == [5, 6, 7]
    # a miss under min_miss_km is an alert whatever the Pc
    assert conjunction_level(1e-9, 0.01, THRESHOLDS) == "alert"


def test_closure_past_and_cleared() -> None:
    store = Store("sqlite://", sinks=["jsonl"])
    _track(store, [_sight(TCA, 2e-5), _sight(TCA + timedelta(hours=3), 1e-9, q=777),
                   _sight(TCA + timedelta(hours=2), 2e-4, p=39227, q=888)], T0, 1)  # fmt: skip
    # next cycle: nothing found. K3 was screened: its events in the window are cleared;
    # 39227 was not screened (its shard failed): its event stays open
    out = _track(store, [], T0 + timedelta(minutes=30), 2, screened={K3})
    by_id = {e.secondary_id: e for e in _events(store)}
    assert sorted(reason for _, reason in out.closed) == ["cleared", "cleared"]
    assert by_id[DEBRIS].closed_reason == "cleared" and by_id[888].status == "open"
    # past: the clock moves beyond the TCA plus the grace time
    out = _track(store, [], TCA + timedelta(hours=2, minutes=11), 3, screened=set())
    assert out.closed == [(by_id[888].uid, "past")]
    closed_alerts = [k for k, level in _alerts(store) if level == "closed"]
    # the level-none event (777) closes silently; the watch and alert events announce it
    assert sorted(closed_alerts) == sorted(
        [f"conjunction:{by_id[DEBRIS].uid}", f"conjunction:{by_id[888].uid}"])  # fmt: skip


def test_alert_dedup_and_issue_episodes() -> None:
    raised: list[str] = []
    store = Store("sqlite://", sinks=["jsonl", "webhook"],
                  on_alert=lambda a: raised.append(f"{a.dedup_key}|{a.severity}"))  # fmt: skip
    with store.session() as s:
        assert store.emit(s, key="k", level="alert", severity="alert", kind="x", message="m",
                          now=T0) is not None  # fmt: skip
        assert store.emit(s, key="k", level="alert", severity="alert", kind="x", message="m2",
                          now=T0) is None  # fmt: skip
        for _ in range(3):  # a lasting outage alerts once
            store.raise_issue(s, "feed", severity="warning", kind="feed", message="down", now=T0)
        store.raise_issue(s, "feed", severity="alert", kind="feed", message="worse", now=T0)
        store.resolve_issue(s, "feed", kind="feed", message="back", now=T0)
        store.resolve_issue(s, "feed", kind="feed", message="back", now=T0)
        store.raise_issue(s, "feed", severity="warning", kind="feed", message="again", now=T0)
    assert _alerts(store) == [("k", "alert"), ("feed#1", "warning"), ("feed#1", "alert"),
                              ("feed#1", "resolved"), ("feed#2", "warning")]  # fmt: skip
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(DeliveryRow)) == 2 * 5
    # on_alert sees each alert once, after the commit; a rolled-back alert was never raised
    assert raised == ["k|alert", "feed#1|warning", "feed#1|alert", "feed#1|info", "feed#2|warning"]
    with pytest.raises(RuntimeError), store.session() as s:
        store.emit(s, key="lost", level="alert", severity="alert", kind="x", message="m", now=T0)
        raise RuntimeError("the job failed before committing")
    assert len(raised) == 5 and len(_alerts(store)) == 5


# -- sinks -------------------------------------------------------------------------------------


class _Hook(BaseHTTPRequestHandler):
    answers: ClassVar[list[int]] = []
    received: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        code = self.answers.pop(0) if self.answers else 200
        if code == 200:
            self.received.append((self.headers["Idempotency-Key"], body))
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def webhook() -> Iterator[tuple[str, type[_Hook]]]:
    handler = type("Hook", (_Hook,), {"answers": [], "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/alerts", handler
    server.shutdown()
    server.server_close()


def test_webhook_500_dead_letter_then_redelivery(
    tmp_path: Path, webhook: tuple[str, type[_Hook]]
) -> None:
    url, hook = webhook
    hook.answers[:] = [500] * 4  # two dispatches of 2 attempts each meet a 500
    store = Store("sqlite://", sinks=["jsonl", "webhook"])
    jsonl_sink = JsonlSink(tmp_path / "alerts.jsonl")
    sink = WebhookSink(url, retries=1, backoff_s=0.0, timeout_s=5.0)
    dead = tmp_path / "dead.jsonl"
    dispatcher = Dispatcher(store, [jsonl_sink, sink], dead_letter_path=dead,
                            redeliver_after_s=0.0)  # fmt: skip
    with store.session() as s:
        for i in range(2):
            store.emit(s, key=f"a{i}", level="alert", severity="alert", kind="x",
                       message=f"alert {i}", now=T0)  # fmt: skip
    counts = dispatcher.dispatch()
    assert counts == {"delivered": 2, "failed": 1, "dead_lettered": 1}  # webhook blocked after 1
    assert [r["alert"]["dedup_key"] for r in jsonl(dead)] == ["a0"]
    assert dispatcher.backlog() == {"jsonl": 0, "webhook": 2}
    assert dispatcher.dispatch()["failed"] == 1  # still down: a0 stays dead-lettered, once
    assert len(jsonl(dead)) == 1
    counts = dispatcher.dispatch()  # the endpoint is back
    assert counts["delivered"] == 2 and dispatcher.backlog() == {"jsonl": 0, "webhook": 0}
    assert [k for k, _ in hook.received] == ["a0|alert", "a1|alert"]
    assert [r["dedup_key"] for r in jsonl(tmp_path / "alerts.jsonl")] == ["a0", "a1"]
    assert dispatcher.dispatch() == {"delivered": 0, "failed": 0, "dead_lettered": 0}


def test_jsonl_written_before_a_crash_is_not_repeated(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}", sinks=["jsonl"])
    sink = JsonlSink(tmp_path / "alerts.jsonl")
    with store.session() as s:
        row = store.emit(s, key="k", level="watch", severity="watch", kind="x", message="m",
                         now=T0)  # fmt: skip
        assert row is not None
        payload = json.loads(row.payload)
    sink.deliver(payload)  # ... and the process dies before marking it delivered
    dispatcher = Dispatcher(store, [sink], dead_letter_path=tmp_path / "dead.jsonl")
    assert dispatcher.recover() == 1
    assert dispatcher.dispatch()["delivered"] == 0
    assert len(jsonl(tmp_path / "alerts.jsonl")) == 1
    with pytest.raises(SinkError):
        JsonlSink(tmp_path / "alerts.jsonl" / "not-a-dir").deliver(payload)


# -- screening physics -------------------------------------------------------------------------


def _shard_rows(catalog: Catalog, start: datetime, stop: datetime, threshold_km: float,
                primaries: list[int]) -> list[Approach]:
    """What a daemon shard screens (``orbital.screening.screen``), without Pc filtering."""
    digest = f"test-{id(catalog)}"
    prime_snapshot(digest, catalog)
    shard = Shard(index=0, primaries=tuple(primaries), primary_hbr_m=(5.0,) * len(primaries),
                  fleet=tuple(primaries), start=start, stop=stop, threshold_km=threshold_km,
                  step_s=20.0, catalog_files=(), catalog_digest=digest)  # fmt: skip
    return list(screen_shard(shard).approaches)


def test_shard_screening_matches_one_second_brute_force(sample: Catalog) -> None:
    start, stop = T0, T0 + timedelta(hours=3)
    primaries = [K3, 25544, 39227, 40697]
    found = _shard_rows(sample, start, stop, 300.0, primaries)
    offsets = np.arange(0.0, 3 * 3600.0 + 1.0, 1.0)
    jd0, fr0 = jday(2026, 6, 10, 12, 0, 0)
    _, r, _ = SatrecArray(list(sample.satrecs)).sgp4(np.full(offsets.size, jd0),
                                                     fr0 + offsets / 86400.0)  # fmt: skip
    brute = []
    for p in primaries:
        i = int(sample.index_of([p])[0])
        rng = np.linalg.norm(r - r[i], axis=2)
        for j in np.flatnonzero(sample.ids != p):
            x = rng[j]
            for k in np.flatnonzero((x[1:-1] < x[:-2]) & (x[1:-1] <= x[2:]) & (x[1:-1] < 300.0)):
                brute.append((p, int(sample.ids[j]), float(offsets[k + 1]), float(x[k + 1])))
    assert len(found) == len(brute) > 5
    for p, q, t_s, miss in brute:
        [match] = [a for a in found if (a.primary_id, a.secondary_id) == (p, q)
                   and abs((a.tca - start).total_seconds() - t_s) <= 1.0]  # fmt: skip
        assert match.miss_km <= miss + 1e-6  # the sampled range is never below the minimum
        assert miss - match.miss_km < 0.1  # 1 s sampling at <= 15 km/s: within 0.1 km
    for a in found[:5]:  # and the refined minimum against closest_approach (Brent, 1 µs)
        ref = closest_approach(sample.satrecs[int(sample.index_of([a.primary_id])[0])],
                               sample.satrecs[int(sample.index_of([a.secondary_id])[0])], a.tca)
        assert abs(ref.miss_km - a.miss_km) < 0.010  # 10 m
        assert abs((ref.tca - a.tca).total_seconds()) < 0.01


def test_synthetic_conjunction_and_pc_match_the_tools(sample: Catalog, catalog_text: str) -> None:
    catalog = Catalog.from_tle_text(catalog_text)
    rows = _shard_rows(catalog, T0, T0 + timedelta(hours=12), 5.0, [K3])
    close = [a for a in rows if a.secondary_id == DEBRIS and a.miss_km < 1.0]
    assert len(close) == 1
    a = close[0]
    assert abs((a.tca - TCA).total_seconds()) < 0.05 and abs(a.miss_km - 0.150) < 0.005
    [pc] = collision_probabilities(catalog, [a], [10.0])
    # the assess_conjunction tool computes Pc its own way from the same models
    mission = parse_mission(MISSION.format(catalog=json.dumps(str(SAMPLE)),
                                           sw=json.dumps(str(SW_SNAPSHOT))))  # fmt: skip
    ctx = ToolContext.from_mission(mission, now=T0, catalog=catalog)
    ctx.store.events["CONJ-0001"] = ConjunctionEvent(
        event_id="CONJ-0001", primary=ObjectRef(norad_id=K3, name="K3", in_fleet=True),
        secondary=ObjectRef(norad_id=DEBRIS, name="D", in_fleet=False), tca_utc=a.tca,
        miss_km=a.miss_km, relative_speed_km_s=a.relative_speed_km_s, threshold_km=5.0,
    )  # fmt: skip
    out = call_tool(ctx, "assess_conjunction", {"event_id": "CONJ-0001"})
    assert out.ok, out.error
    result: Any = out.result
    reference = result.pc_foster
    assert pc is not None and pc == pytest.approx(reference, rel=1e-3)
    assert THRESHOLDS.alert <= pc < THRESHOLDS.emergency


# -- scale-out ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_dask_scheduler_address_and_process_pool_screen_alike(
    tmp_path: Path, catalog_text: str
) -> None:
    """A daemon told a scheduler address (as a user tells it) screens on that cluster and
    tracks the same events as one on the local process pool and one in-line."""
    distributed = pytest.importorskip("distributed")
    make_mission(tmp_path, catalog_text)

    def screen(name: str, **where: Any) -> tuple[str, str, list[tuple[Any, ...]]]:
        settings = DaemonSettings(
            mission=tmp_path / "mission.yaml", state_dir=tmp_path / f"state-{name}",
            screener="orbital", stdout_alerts=False, replan=False, screening_span_h=12.0,
            shard_size=1, **where,
        )  # fmt: skip
        with Daemon(settings, clock=ManualClock(T0)) as d:
            assert d.run_job("catalog").status == "ok"
            report = d.run_job("screening")
            assert report.status == "ok", report.detail
            with d.store.session() as s:
                events = [(e.primary_id, e.secondary_id, e.tca.isoformat(timespec="milliseconds"),
                           round(e.miss_km, 6), e.pc and float(f"{e.pc:.6e}"), e.level)
                          for e in d.store.open_events(s)]  # fmt: skip
            if isinstance(d.runner, DaskRunner):
                assert d.runner.address == where["dask_scheduler"]
            return d.runner.name, report.detail, sorted(events)

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:  # fmt: skip
        # scaleout "auto" (the default) picks the cluster once its address is set
        on_dask = screen("dask", dask_scheduler=cluster.scheduler_address)
    on_pool = screen("process", scaleout="process", workers=1)
    in_line = screen("inline", scaleout="inline")
    assert [x[0] for x in (on_dask, on_pool, in_line)] == ["dask", "process", "inline"]
    assert "3/3 shards on dask" in on_dask[1] and "3/3 shards on process" in on_pool[1]
    assert on_dask[2] == on_pool[2] == in_line[2]
    assert any(e[1] == DEBRIS and e[5] == "alert" for e in on_dask[2])


def test_runner_stops_between_shards_and_reports_shard_errors() -> None:
    stop = threading.Event()
    calls = []

    def fn(shard: Shard) -> Any:
        calls.append(shard.index)
        if shard.index == 0:
            raise RuntimeError("worker lost")
        stop.set()
        return shard

    shards = [Shard(index=i, primaries=(i,), primary_hbr_m=(1.0,), fleet=(i,), start=T0,
                    stop=T0, threshold_km=1.0, step_s=60.0, catalog_files=(),
                    catalog_digest="") for i in range(4)]  # fmt: skip
    out = list(InlineRunner(fn).run(shards, stop))
    assert isinstance(out[0], RuntimeError) and calls == [0, 1]


# -- the daemon with an injected clock ----------------------------------------------------------


def test_daemon_cycles_faults_and_restart(tmp_path: Path, catalog_text: str) -> None:
    mission_path = make_mission(tmp_path, catalog_text)
    clock = ManualClock(T0)
    alerts_file = tmp_path / "state" / "alerts.jsonl"
    with make_daemon(tmp_path, clock) as d:
        assert not d.ready()[0]
        assert d.run_job("catalog").status == "ok"
        report = d.run_job("screening")
        assert report.status == "ok", report.detail
        assert d.ready()[0]
        with d.store.session() as s:
            events = d.store.open_events(s)
        close = [e for e in events if e.secondary_id == DEBRIS and e.miss_km < 1.0]
        assert len(close) == 1 and close[0].level == "alert"  # Pc 2.6e-4 >= max_pc 1e-4
        uid = close[0].uid
        # 30 minutes later: the same event, a second Pc history row, no new alert
        clock.advance(timedelta(minutes=30))
        d.run_job("screening")
        # faults: a missing file, then a corrupt one; the last good catalog is kept
        (tmp_path / "fleet.3le").rename(tmp_path / "away.3le")
        assert d.run_job("catalog").status == "degraded"
        (tmp_path / "fleet.3le").write_text("1 garbage\n2 more garbage\n")
        assert d.run_job("catalog").status == "degraded"
        assert d.run_job("screening").status == "ok"  # on the last good catalog
        snapshot_before = d.snapshot.digest if d.snapshot else None
        # an exception inside a job becomes an alert and the daemon carries on
        real_runner = d.runner

        class Broken:
            name = "broken"

            def run(self, shards: Any, stop: Any) -> Any:
                raise RuntimeError("disk on fire")

            def close(self) -> None:
                pass

        d.runner = Broken()
        assert d.run_job("screening").status == "failed"
        d.runner = real_runner
        assert d.run_job("screening").status == "ok"
        (tmp_path / "away.3le").rename(tmp_path / "fleet.3le")
        assert d.run_job("catalog").status == "ok"
        assert d.snapshot is not None and d.snapshot.digest == snapshot_before
    first = jsonl(alerts_file)
    keys = [a["delivery_key"] for a in first]
    assert len(keys) == len(set(keys))
    assert f"conjunction:{uid}|alert" in keys
    assert "catalog-refresh#1|warning" in keys and "catalog-refresh#1|resolved" in keys
    assert "job-failed:screening#1|warning" in keys and "job-failed:screening#1|resolved" in keys
    # restart on the same state: the snapshot is reloaded, nothing is alerted twice
    clock.advance(timedelta(minutes=30))
    with make_daemon(tmp_path, clock) as d2:
        assert d2.snapshot is not None and d2.snapshot.digest == snapshot_before
        assert d2.run_job("screening").status == "ok"
        with d2.store.session() as s:
            [again] = [e for e in d2.store.open_events(s) if e.uid == uid]
            n_history = s.scalar(select(func.count()).where(PcHistoryRow.event_id == again.id))
        assert again.sightings == n_history == 5
        # past the TCA: closed, announced once
        clock.set(TCA + timedelta(minutes=20))
        d2.run_job("screening")
        d2.run_job("screening")
    after = jsonl(alerts_file)
    keys = [a["delivery_key"] for a in after]
    assert len(keys) == len(set(keys)) and keys[: len(first)] == [a["delivery_key"] for a in first]
    assert f"conjunction:{uid}|closed" in keys
    assert mission_path.exists()


def test_staleness_space_weather_and_feed_outage(tmp_path: Path, catalog_text: str) -> None:
    make_mission(tmp_path, catalog_text)
    clock = ManualClock(T0)
    with make_daemon(tmp_path, clock) as d:
        d.run_job("catalog")
        assert d.run_job("space_weather").status == "ok"  # the snapshot is a G3/S3/R3 day
        clock.set(T0 + timedelta(days=9))  # elements ~9 days old: warn (> 3), not refuse (14)
        assert d.run_job("staleness").detail.startswith("fresh 0, warn 3")
        clock.set(T0 + timedelta(days=20))
        d.run_job("staleness")
        d.run_job("replan")
    keys = [a["delivery_key"] for a in jsonl(tmp_path / "state" / "alerts.jsonl")]
    assert f"stale:{K3}#1|watch" in keys and f"stale:{K3}#1|alert" in keys
    assert any(k.startswith("space-weather:") for k in keys)
    # a space-weather source that is gone: an alert, and the daemon keeps going
    tmp2 = tmp_path / "other"
    tmp2.mkdir()
    make_mission(tmp2, catalog_text, sw=tmp2 / "no-such-dir")
    with make_daemon(tmp2, ManualClock(T0)) as d:
        assert d.run_job("space_weather").status == "failed"
        assert d.run_job("catalog").status == "ok"
    keys = [a["delivery_key"] for a in jsonl(tmp2 / "state" / "alerts.jsonl")]
    assert "job-failed:space_weather#1|warning" in keys


def test_replan_runs_once_per_change(tmp_path: Path, catalog_text: str) -> None:
    make_mission(tmp_path, catalog_text)
    calls: list[list[str]] = []

    def replanner(d: Daemon, now: datetime, details: Any) -> tuple[str, str, str | None]:
        calls.append(list(details))
        return "accepted", "1 command", json.dumps({"commands": []})

    settings = DaemonSettings(mission=tmp_path / "mission.yaml", state_dir=tmp_path / "state",
                              scaleout="inline", screener="orbital", stdout_alerts=False,
                              screening_span_h=12.0)  # fmt: skip
    with Daemon(settings, clock=ManualClock(T0), replanner=replanner) as d:
        d.run_job("catalog")
        d.run_job("screening")
        assert d.run_job("replan").detail == "plan 1: accepted"
        assert d.run_job("replan").status == "skipped"  # nothing changed since
    assert len(calls) == 1 and any("new catalog" in x for x in calls[0])
    assert any("escalated" in x or "new [" in x for x in calls[0])


# -- catalog sources ---------------------------------------------------------------------------

SIX_DIGIT = 123456  # NORAD numbers of six digits are issued since 2026


def omm_json(sample: Catalog) -> str:
    """OMM JSON of a made-up object with a six-digit NORAD id in an ISS-like orbit 40° ahead."""
    from sgp4.exporter import export_omm

    row = export_omm(sample.satrecs[int(sample.index_of([25544])[0])], "SIX DIGIT SAT")
    row.update(NORAD_CAT_ID=SIX_DIGIT, OBJECT_ID="2026-900A",
               MEAN_ANOMALY=(row["MEAN_ANOMALY"] + 40.0) % 360.0)  # fmt: skip
    return json.dumps([row])


def test_catalog_directory_merges_3le_and_omm(tmp_path: Path, sample: Catalog,
                                              catalog_text: str) -> None:  # fmt: skip
    folder = tmp_path / "elements"
    folder.mkdir()
    (folder / "fleet.3le").write_text(catalog_text)
    (folder / "new-objects.json").write_text(omm_json(sample))
    (folder / "README.md").write_text("not an element file: ignored\n")
    mission = tmp_path / "mission.yaml"
    mission.write_text(MISSION.format(catalog="elements", sw=json.dumps(str(SW_SNAPSHOT))).replace(
        "sources:", f"  - {{norad_id: {SIX_DIGIT}, name: SIX DIGIT, class: weather}}\nsources:"))
    assert [s.norad_id for s in load_mission(mission).fleet][-1] == SIX_DIGIT
    clock = ManualClock(T0)
    with make_daemon(tmp_path, clock) as d:
        report = d.run_job("catalog")
        assert report.status == "ok", report.detail
        snap = d.snapshot
        assert snap is not None
        assert len(snap.catalog) == len(sample) + 2  # the 3LE (with the debris) and the OMM
        assert {SIX_DIGIT, DEBRIS, K3} <= set(snap.catalog.ids.tolist())
        assert sorted(Path(f).suffix for f in snap.files) == [".3le", ".json"]
        assert d.run_job("staleness").detail.startswith("fresh 4,")  # the OMM one included
        assert d.run_job("screening").status == "ok"
        with d.store.session() as s:
            last = d.store.get(s, "last_screening")
            issues = [i.key for i in d.store.open_issues(s)]
        assert not [k for k in issues if k.startswith("not-in-catalog")], issues
        assert last["approaches"] >= 1
        digest = snap.digest
    with make_daemon(tmp_path, clock) as d2:  # the snapshot of both files is reloaded
        assert d2.snapshot is not None and d2.snapshot.digest == digest
        assert SIX_DIGIT in set(d2.snapshot.catalog.ids.tolist())


class _Catalog(BaseHTTPRequestHandler):
    body: ClassVar[bytes] = b""
    answer: ClassVar[int] = 200
    seen: ClassVar[list[tuple[int, str | None]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        etag = '"v1"'
        code = self.answer
        if code == 200 and self.headers.get("If-None-Match") == etag:
            code = 304
        self.seen.append((code, self.headers.get("If-None-Match")))
        self.send_response(code)
        body = self.body if code == 200 else b""
        if code in (200, 304):
            self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _NoWaitPoller(FeedPoller):
    """The daemon's poller without the waits between its retries (the test counts them)."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(url, **kwargs, sleep=lambda _s: None)


def test_catalog_url_conditional_get_outage_and_last_good(tmp_path: Path,
                                                          catalog_text: str) -> None:  # fmt: skip
    handler = type("Cat", (_Catalog,), {"body": catalog_text.encode(), "answer": 200,
                                        "seen": []})  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/gp.php?GROUP=active&FORMAT=3le"
    make_mission(tmp_path, catalog_text)
    mission = tmp_path / "mission.yaml"
    mission.write_text(mission.read_text().replace("[fleet.3le]", f"['{url}']"))
    alerts = tmp_path / "state" / "alerts.jsonl"
    try:
        with make_daemon(tmp_path, ManualClock(T0)) as d:
            d.refresher = CatalogRefresher(d.mission, d.settings.state_dir,
                                           poller_factory=_NoWaitPoller)  # fmt: skip
            report = d.run_job("catalog")
            assert report.status == "ok" and "new catalog" in report.detail, report.detail
            assert d.snapshot is not None and DEBRIS in set(d.snapshot.catalog.ids.tolist())
            good = d.snapshot.digest
            assert d.run_job("catalog").detail == f"unchanged ({good})"
            assert handler.seen == [(200, None), (304, '"v1"')]  # a 304 costs nothing
            handler.answer = 500  # the provider is down: 3 attempts, then the last good catalog
            report = d.run_job("catalog")
            assert report.status == "degraded" and "HTTP 500" in report.detail
            assert [code for code, _ in handler.seen[2:]] == [500, 500, 500]
            assert d.snapshot.digest == good
            assert d.run_job("screening").status == "ok"  # screening goes on with it
            handler.answer = 200
            assert d.run_job("catalog").detail == f"unchanged ({good})"
            server.shutdown()
            server.server_close()  # connection refused from now on
            report = d.run_job("catalog")
            assert report.status == "degraded" and "ConnectError" in report.detail
            assert d.snapshot.digest == good and len(handler.seen) == 6
            with d.store.session() as s:
                [issue] = [i for i in d.store.open_issues(s) if i.key == "catalog-refresh"]
            assert issue.episode == 2 and f"keeping the last good catalog ({good}" in issue.message
    finally:
        server.server_close()
    keys = [a["delivery_key"] for a in jsonl(alerts)]
    assert [k for k in keys if k.startswith("catalog-refresh")] == [
        "catalog-refresh#1|warning", "catalog-refresh#1|resolved", "catalog-refresh#2|warning"]
    [outage] = [a for a in jsonl(alerts) if a["delivery_key"] == "catalog-refresh#1|warning"]
    assert "HTTP 500" in outage["message"] and url in outage["message"]


STATION = """
stations:
  - {{id: DAEJEON, name: Daejeon, lat_deg: 36.37, lon_deg: 127.36, antennas: [{{id: DJ-1}}]{extra}}}
"""


def _pending(d: Daemon) -> list[tuple[str, str]]:
    with d.store.session() as s:
        return [(t.reason, t.detail) for t in d.store.pending_triggers(s)]


def test_contact_schedule_changes_trigger_a_replan(tmp_path: Path, catalog_text: str) -> None:
    mission = make_mission(tmp_path, catalog_text)
    text = mission.read_text()
    mission.write_text(text + STATION.format(extra=""))
    clock = ManualClock(T0)
    with make_daemon(tmp_path, clock, contacts_span_h=12.0) as d:
        assert d.run_job("contacts").status == "skipped"  # no catalog yet: nothing to compare
        d.run_job("catalog")
        first = d.run_job("contacts")
        assert first.status == "ok", first.detail
        assert [r for r, _ in _pending(d)] == ["catalog", "contacts"]
        assert "first contact schedule" in _pending(d)[1][1]
        with d.store.session() as s:
            schedule = d.store.get(s, "contacts")
        assert len(schedule["contacts"]) >= 3
        d.run_job("contacts")  # the same schedule again: no second trigger
        clock.advance(timedelta(hours=1))  # the window rolls on; the contacts it shares do not
        rolled = d.run_job("contacts")
        assert rolled.status == "ok" and len(_pending(d)) == 2, _pending(d)
        # a station blackout over the first contact still ahead: the schedule changes
        sat, station, aos = schedule["contacts"][0]
        assert sat in (K3, 39227, 25544) and station == "DAEJEON"
        start = datetime.fromisoformat(aos) - timedelta(minutes=5)
        assert start > clock.now()
        window = (f", blackouts: [{{start: '{start.isoformat()}', end: "
                  f"'{(start + timedelta(minutes=30)).isoformat()}', reason: maintenance}}]")
        mission.write_text(text + STATION.format(extra=window))
        d.mission = load_mission(mission)
        changed = d.run_job("contacts")
        pending = _pending(d)
        assert [r for r, _ in pending] == ["catalog", "contacts", "contacts"], pending
        assert "1 contacts dropped" in pending[2][1] and "KOMPSAT" in pending[2][1]
        assert "contact schedule changed" in changed.detail
        d.run_job("contacts")  # the blackout stays: no third trigger
        assert len(_pending(d)) == 3


def test_element_verdict_changes_trigger_a_replan(tmp_path: Path, catalog_text: str) -> None:
    make_mission(tmp_path, catalog_text)
    clock = ManualClock(T0)
    details: list[list[str]] = []

    def replanner(d: Daemon, now: datetime, why: Any) -> tuple[str, str, str | None]:
        details.append(list(why))
        return "accepted", "no commands", None

    settings = DaemonSettings(mission=tmp_path / "mission.yaml", state_dir=tmp_path / "state",
                              scaleout="inline", screener="orbital", stdout_alerts=False)
    with Daemon(settings, clock=clock, replanner=replanner) as d:
        d.run_job("catalog")
        assert d.run_job("staleness").detail == "fresh 3, warn 0, refuse 0, missing 0"
        assert [r for r, _ in _pending(d)] == ["catalog"]  # all fresh: nothing to re-plan for
        assert d.run_job("replan").status == "ok"
        clock.set(T0 + timedelta(days=9))
        assert d.run_job("staleness").detail.endswith("; changed: 3")
        [(reason, detail)] = _pending(d)
        assert reason == "staleness" and "KOMPSAT 3 (38338) fresh -> warn" in detail
        clock.set(T0 + timedelta(days=10))  # still warn: no new trigger
        assert d.run_job("staleness").detail == "fresh 0, warn 3, refuse 0, missing 0"
        assert len(_pending(d)) == 1
        assert d.run_job("replan").status == "ok"
        assert d.run_job("replan").status == "skipped"
        clock.set(T0 + timedelta(days=20))
        d.run_job("staleness")
        [(_, detail)] = _pending(d)
        assert detail.count("warn -> refuse") == 3
    # a restart keeps the verdicts: the same ages do not trigger again
    with Daemon(settings, clock=clock, replanner=replanner) as d:
        d.run_job("replan")
        d.run_job("staleness")
        assert _pending(d) == []
    assert len(details) == 3 and any("warn -> refuse" in x for x in details[2])


def test_http_endpoints_and_token(tmp_path: Path, catalog_text: str) -> None:
    make_mission(tmp_path, catalog_text)
    with make_daemon(tmp_path, ManualClock(T0), http="127.0.0.1:0", http_token="tok") as d:
        d.start(schedule=False)
        base = f"http://127.0.0.1:{d.http_port}"

        def get(path: str, token: str | None = "tok") -> tuple[int, bytes]:
            req = urllib.request.Request(base + path)
            if token:
                req.add_header("Authorization", f"Bearer {token}")
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    return r.status, r.read()
            except urllib.error.HTTPError as e:
                return e.code, e.read()

        assert get("/healthz", None)[0] == 401 and get("/metrics", "wrong")[0] == 401
        assert get("/healthz")[0] == 200
        assert get("/readyz")[0] == 503
        d.run_job("catalog")
        d.run_job("screening")
        code, body = get("/readyz")
        assert code == 200 and d.snapshot is not None
        assert json.loads(body)["catalog"] == d.snapshot.digest
        code, text = get("/metrics")
        metrics = text.decode()
        for name in ("cosmo_daemon_cycle_duration_seconds_count{job=\"screening\"} 1.0",
                     "cosmo_daemon_events{level=\"alert\"}", "cosmo_daemon_feed_age_seconds",
                     "cosmo_daemon_job_failures_total", "cosmo_daemon_ready 1.0"):  # fmt: skip
            assert name in metrics
        # alerts by severity: what the state database holds, zeros included
        with d.store.session() as s:
            by_severity = dict(s.execute(select(AlertRow.severity, func.count())
                                         .group_by(AlertRow.severity)).all())  # fmt: skip
        assert by_severity.get("alert", 0) >= 1  # the debris crossing

        def alert_lines(text: str) -> dict[str, float]:
            return {line.split('"')[1]: float(line.rsplit(" ", 1)[1])
                    for line in text.splitlines()
                    if line.startswith("cosmo_daemon_alerts_total{")}  # fmt: skip

        assert alert_lines(metrics) == {sev: float(by_severity.get(sev, 0))
                                        for sev in SEVERITIES}  # fmt: skip
        d.run_job("screening")  # the same events again: de-duplicated, not counted
        assert alert_lines(get("/metrics")[1].decode()) == alert_lines(metrics)
        with d.store.session() as s:
            d.store.emit(s, key="test", level="x", severity="emergency", kind="x", message="m",
                         now=T0)  # fmt: skip
        assert alert_lines(get("/metrics")[1].decode())["emergency"] == 1.0
        assert get("/nope")[0] == 404


def test_scheduler_persists_jobs_across_restarts(tmp_path: Path, catalog_text: str) -> None:
    make_mission(tmp_path, catalog_text)
    hour = {k: 3600.0 for k in ("catalog_s", "screening_s", "space_weather_s", "contacts_s",
                                "staleness_s", "replan_s", "delivery_s", "maintenance_s")}
    started = datetime.now(UTC)
    with make_daemon(tmp_path, ManualClock(T0), intervals=hour) as d:
        d.start()

        def next_runs() -> dict[str, datetime]:
            return {j.id: j.next_run_time for j in d._scheduler.get_jobs()}

        deadline = time.monotonic() + 60.0  # every job runs once at start, then in an hour
        while min(next_runs().values()) < started + timedelta(minutes=59):
            assert time.monotonic() < deadline, next_runs()
            time.sleep(0.1)
        first = next_runs()
        with d.store.session() as s:
            assert d.store.last_run(s, "screening", "ok") is not None
    assert set(first) == {"catalog", "screening", "space_weather", "contacts", "staleness",
                          "replan", "delivery", "maintenance"}  # fmt: skip
    with make_daemon(tmp_path, ManualClock(T0), intervals=hour) as d:
        d.start()
        assert {j.id: j.next_run_time for j in d._scheduler.get_jobs()} == first


@pytest.mark.parametrize("module", ["catalogs", "clock", "metrics", "scaleout", "screening",
                                    "settings", "sinks", "store"])  # fmt: skip
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    mod = importlib.import_module(f"cosmo_agent.agent.daemon.{module}")
    assert doctest.testmod(mod, optionflags=doctest.ELLIPSIS).failed == 0


def test_public_names() -> None:
    import cosmo_agent.agent.daemon as daemon

    assert daemon.__all__ == ["JOB_ORDER", "Clock", "Daemon", "DaemonSettings", "ManualClock",
                              "PcThresholds", "Store", "conjunction_level", "parse_clock"]
    assert all(getattr(daemon, name) is not None for name in daemon.__all__)


def test_foreign_pairs_from_a_screener_are_not_the_shards() -> None:
    from cosmo_agent.agent.daemon.screening import _fleet_rows

    rows = [_sight(TCA, None, p=K3, q=1), _sight(TCA, None, p=2, q=K3),
            _sight(TCA, None, p=46, q=3)]  # the last one involves no primary
    assert [(a.primary_id, a.secondary_id) for a in _fleet_rows(rows, {K3})] == [(K3, 1), (K3, 2)]


def test_the_agent_replanner_seeds_the_plan_with_the_daemons_open_events(
    tmp_path: Path, catalog_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real re-planner hands Agent.plan a result store that knows every open event by
    the daemon's id (what a plan's screening then keeps: tests/test_event_identity.py)."""
    from cosmo_agent.agent.daemon.runtime import agent_replanner
    from cosmo_agent.agent.runner import Agent

    make_mission(tmp_path, catalog_text)
    seeded: list[set[str]] = []
    plan = Agent.plan

    def spy(self: Agent, **kwargs: Any) -> Any:
        seeded.append(set(kwargs["store"].elsewhere))
        return plan(self, **kwargs)

    monkeypatch.setattr(Agent, "plan", spy)
    settings = DaemonSettings(mission=tmp_path / "mission.yaml", state_dir=tmp_path / "state",
                              scaleout="inline", screener="orbital", stdout_alerts=False,
                              screening_span_h=12.0)  # fmt: skip
    with Daemon(settings, clock=ManualClock(T0), replanner=agent_replanner) as d:
        d.run_job("catalog")
        d.run_job("screening")
        with d.store.session() as s:
            tracked = {ev.uid for ev in d.store.open_events(s)}
        assert d.run_job("replan").detail.startswith("plan 1:")
    assert tracked, "the screening found no event to carry into the plan"
    assert seeded == [tracked]


def test_retired_builtin_screener_setting_reads_as_orbital(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """Settings files written for the retired grid screener keep working, with a warning."""
    with caplog.at_level("WARNING", logger="cosmo_agent.daemon"):
        settings = DaemonSettings(mission=str(tmp_path / "m.yaml"), screener="builtin")
    assert settings.screener == "orbital"
    assert "screener 'builtin' is retired" in caplog.text
