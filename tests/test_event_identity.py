"""Stable conjunction event identity: canonical ids from the pair and the TCA, kept across
re-screenings with new elements, daemon cycles and CDM updates; aliases; Pc history;
``cosmo-agent events``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sgp4.api import WGS72, Satrec

from cosmo_agent.agent import events as events_cli
from cosmo_agent.agent.coverage import objective_gaps
from cosmo_agent.agent.daemon.ingest import cdm_sighting, ingest_cdm
from cosmo_agent.agent.daemon.screening import Approach
from cosmo_agent.agent.daemon.store import AlertRow, PcThresholds, Store
from cosmo_agent.agent.intents import Vocabulary, parse_request
from cosmo_agent.agent.trace import ToolRecord
from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.cdm import EXAMPLE_KVN, Cdm
from cosmo_agent.orbital.elements import ElementRecord
from cosmo_agent.tools.events import (
    EVENT_MATCH_S,
    derive_event_id,
    event_id_for,
    parse_event_id,
    same_event,
)
from cosmo_agent.tools.mission import load_mission
from cosmo_agent.tools.registry import ToolContext, ToolError, call_tool
from cosmo_agent.tools.toolkit import ScreeningResult

ROOT = Path(__file__).resolve().parents[1]
CONJUNCTION = ROOT / "missions" / "conjunction.yaml"
DEMO = ROOT / "missions" / "demo.yaml"
THRESHOLDS = PcThresholds(watch=1e-5, alert=1e-4, emergency=1e-3, min_miss_km=0.05)
K3, DEBRIS = 38338, 99001
T0 = datetime(2026, 6, 10, 12, tzinfo=UTC)
TCA = datetime(2026, 6, 10, 18, 0, 50, tzinfo=UTC)
EXAMPLE_TCA = datetime(2010, 3, 13, 22, 37, 52, 618000, tzinfo=UTC)  # EXAMPLE_KVN's
EXAMPLE_ID = "CONJ-12345-30337-20100313T2237Z"


# -- the tools: screen twice with perturbed elements --------------------------------------------


def _shifted(catalog: Catalog, shift_s: float, mean_anomaly_rad: float) -> Catalog:
    """Every element set ``shift_s`` later (all trajectories, so every TCA, move by that much:
    SGP4 near-Earth depends on the time since epoch only) and each object other than AQUA
    ``mean_anomaly_rad`` further along its orbit (the misses change a little)."""
    records = []
    for i, norad_id in enumerate(catalog.ids.tolist()):
        old = catalog.satrecs[i]
        assert isinstance(old, Satrec)
        sat = Satrec()
        epoch_1949 = old.jdsatepoch + old.jdsatepochF - 2433281.5 + shift_s / 86400.0
        mo = old.mo + (0.0 if norad_id == 27424 else mean_anomaly_rad)
        sat.sgp4init(WGS72, "i", norad_id, epoch_1949, old.bstar, old.ndot, old.nddot,
                     old.ecco, old.argpo, old.inclo, mo, old.no_kozai, old.nodeo)  # fmt: skip
        epoch = datetime(1949, 12, 31, tzinfo=UTC) + timedelta(days=epoch_1949)
        records.append(ElementRecord(norad_id, str(catalog.names[i]),
                                     str(catalog.intl_designators[i]), epoch, sat, "shifted",
                                     i))  # fmt: skip
    return Catalog.from_records(records, source="shifted")


def _screen(ctx: ToolContext) -> ScreeningResult:
    out = call_tool(ctx, "screen_conjunctions", {"satellites": "all", "threshold_km": 20.0})
    assert out.ok, out.error
    assert isinstance(out.result, ScreeningResult)
    return out.result


def test_screening_twice_with_perturbed_elements_keeps_the_ids() -> None:
    mission = load_mission(CONJUNCTION)
    ctx = ToolContext.from_mission(mission)
    first = _screen(ctx)
    # new element sets: every TCA 100 s later (crossing a minute boundary), misses changed
    again = dataclasses.replace(ctx, preloaded_catalog=_shifted(ctx.catalog, 100.0, 2e-5))
    second = _screen(again)
    assert again.store is ctx.store
    before = {(e.secondary.norad_id, e.tca_utc.replace(microsecond=0)): e for e in first.events}
    kept = 0
    for e in second.events:
        [old] = [
            o
            for (q, t), o in before.items()
            if q == e.secondary.norad_id and abs((e.tca_utc - t).total_seconds()) < 300
        ]
        shift_s = (e.tca_utc - old.tca_utc).total_seconds()
        assert 95.0 < shift_s < 105.0 and e.miss_km != old.miss_km  # the elements did change
        assert (e.event_id, e.alias) == (old.event_id, old.alias)
        assert derive_event_id(27424, e.secondary.norad_id, e.tca_utc) != e.event_id  # matched
        assert [h.source for h in e.pc_history] == [first.screening_id, second.screening_id]
        kept += 1
    assert kept >= 6 and kept >= len(first.events) - 1  # (the window's end may lose one)
    # the canonical id, the alias and another spelling of the id all reach the same event
    event = second.events[0]
    for key in (event.event_id, event.event_id.lower(), event.alias, f"CONJ-{event.alias[-1]}"):
        assessed = call_tool(ctx, "assess_conjunction", {"event_id": key})
        assert assessed.ok and assessed.result is not None
        assert assessed.as_dict()["result"]["event_id"] == event.event_id
    history = assessed.as_dict()["result"]["pc_history"]
    assert [h["source"] for h in history] == [first.screening_id, second.screening_id] + [
        "assess_conjunction"
    ] * 4
    assert history[-1]["pc"] is not None


def test_an_unknown_event_lists_the_known_ones() -> None:
    ctx = ToolContext.from_mission(load_mission(CONJUNCTION))
    none = call_tool(ctx, "assess_conjunction", {"event_id": "CONJ-0001"})
    assert none.error is not None and "known events: none yet" in none.error.message
    events = _screen(ctx).events
    out = call_tool(ctx, "plan_avoidance", {"event_id": "CONJ-27424-99999-20260610T1200Z"})
    assert out.error is not None and out.error.code == "unknown_event"
    for e in events:
        assert f"{e.event_id} ({e.alias})" in out.error.message
    with pytest.raises(ToolError, match="known events: CONJ-"):
        ctx.store.event("CONJ-0999")


# -- the id: properties ---------------------------------------------------------------------------

_NORAD = st.integers(min_value=1, max_value=999_999_999)
_TCA = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(a=_NORAD, b=_NORAD, tca=_TCA, jitter_s=st.floats(-EVENT_MATCH_S, EVENT_MATCH_S),
       flip=st.booleans())  # fmt: skip
def test_an_id_is_kept_under_tca_jitter_within_the_tolerance(
    a: int, b: int, tca: datetime, jitter_s: float, flip: bool
) -> None:
    if a == b:
        b = a - 1
    event_id = derive_event_id(a, b, tca)
    lo, hi, minute = parse_event_id(event_id) or pytest.fail(event_id)
    assert (lo, hi) == (min(a, b), max(a, b)) and minute == tca.replace(second=0, microsecond=0)
    known = {event_id: (lo, hi, tca)}
    p, q = (b, a) if flip else (a, b)
    assert event_id_for(known, p, q, tca + timedelta(seconds=jitter_s)) == event_id
    assert same_event(event_id, derive_event_id(p, q, tca + timedelta(seconds=jitter_s)))


@settings(max_examples=300, deadline=None)
@given(pair=st.tuples(_NORAD, _NORAD), other=st.tuples(_NORAD, _NORAD), tca=_TCA,
       gap_s=st.floats(EVENT_MATCH_S + 1e-3, 30 * 86400.0), later=st.booleans())  # fmt: skip
def test_distinct_pairs_or_encounters_never_share_an_id(
    pair: tuple[int, int], other: tuple[int, int], tca: datetime, gap_s: float, later: bool
) -> None:
    a, b = pair if pair[0] != pair[1] else (pair[0], pair[0] - 1)
    c, d = other if other[0] != other[1] else (other[0], other[0] - 1)
    event_id = derive_event_id(a, b, tca)
    known = {event_id: (min(a, b), max(a, b), tca)}
    t2 = tca + timedelta(seconds=gap_s if later else -gap_s)
    # the same pair further away than the tolerance: another encounter, another id
    assert derive_event_id(b, a, t2) != event_id
    assert event_id_for(known, a, b, t2) != event_id
    if gap_s > EVENT_MATCH_S + 120.0:  # ids keep TCAs to the minute: two minutes' doubt
        assert not same_event(event_id, derive_event_id(a, b, t2))
    # another pair at any TCA, the same one included
    if {c, d} != {a, b}:
        for t in (tca, t2):
            assert derive_event_id(c, d, t) != event_id
            assert event_id_for(known, c, d, t) != event_id


@settings(max_examples=100, deadline=None)
@given(tca=_TCA, n=st.integers(2, 6), jitters=st.lists(st.floats(-1.0, 1.0), min_size=6,
       max_size=6))  # fmt: skip
def test_each_encounter_of_a_pair_keeps_its_own_id(
    tca: datetime, n: int, jitters: list[float]
) -> None:
    # distinct encounters of one pair are at least half an orbit (~44 min) apart
    tcas = [tca + timedelta(minutes=44 * k) for k in range(n)]
    known = {derive_event_id(25544, 48274, t): (25544, 48274, t) for t in tcas}
    assert len(known) == n
    for t, (event_id, _) in zip(tcas, known.items(), strict=False):
        jitter = timedelta(seconds=jitters[tcas.index(t)] * EVENT_MATCH_S)
        assert event_id_for(known, 48274, 25544, t + jitter) == event_id


def test_malformed_ids_are_not_canonical() -> None:
    for text in ("CONJ-0001", "CONJ-1-1-20260610T1510Z", "CONJ-1-2-20261310T1510Z",
                 "CONJ-1-2-20260610T1510", "EVT-000001"):  # fmt: skip
        assert parse_event_id(text) is None
    with pytest.raises(ValueError, match="NORAD id 1000000000 is not a catalog number"):
        derive_event_id(1, 10**9, T0)
    with pytest.raises(ValueError, match="no timezone"):
        derive_event_id(1, 2, datetime(2026, 6, 10))


# -- the daemon: history across cycles, CDM ingestion --------------------------------------------


def _track(store: Store, sightings: list[Approach], now: datetime, cycle: int) -> list[str]:
    with store.session() as s:
        out = store.track(s, sightings, screened={K3}, window=(now, now + timedelta(hours=24)),
                          now=now, cycle=cycle, thresholds=THRESHOLDS)  # fmt: skip
    return out.new


def _history(store: Store, key: str) -> list[tuple[str, int, float | None]]:
    with store.session() as s:
        ev = store.event(s, key)
        assert ev is not None, key
        return [(h.source, h.cycle, h.pc) for h in store.pc_history(s, ev)]


def test_the_daemon_keys_events_by_canonical_id_and_keeps_their_pc_history() -> None:
    store = Store("sqlite://", sinks=["jsonl"])
    [uid] = _track(store, [Approach(K3, DEBRIS, TCA, 0.5, 7.5, 2e-6)], T0, 1)
    assert uid == derive_event_id(K3, DEBRIS, TCA) == "CONJ-38338-99001-20260610T1800Z"
    # new elements: TCA 3 min later (another minute), pair in the other order, Pc up
    later = TCA + timedelta(minutes=3)
    assert _track(store, [Approach(DEBRIS, K3, later, 0.4, 7.5, 2e-5)], T0 + timedelta(hours=1),
                  2) == []  # fmt: skip
    assert _track(store, [Approach(K3, DEBRIS, later, 0.3, 7.5, 3e-4)], T0 + timedelta(hours=2),
                  3) == []  # fmt: skip
    assert _history(store, uid) == [("screening", 1, 2e-6), ("screening", 2, 2e-5),
                                    ("screening", 3, 3e-4)]  # fmt: skip
    with store.session() as s:
        # another spelling of the same pair and TCA (a tools run saw it at 18:03) finds it
        found = store.event(s, "conj-38338-99001-20260610t1803z")
        assert found is not None and found.uid == uid and found.level == "alert"
        assert store.event(s, "CONJ-38338-99001-20260610T1900Z") is None
        alerts = [a.dedup_key for a in s.query(AlertRow).order_by(AlertRow.id)]
    assert alerts == [f"conjunction:{uid}"] * 2  # watch, then alert


def test_a_cleared_event_sighted_again_reopens_under_its_id_and_alerts_again() -> None:
    store = Store("sqlite://", sinks=["jsonl"])
    [uid] = _track(store, [Approach(K3, DEBRIS, TCA, 0.5, 7.5, 2e-4)], T0, 1)
    _track(store, [], T0 + timedelta(minutes=30), 2)  # not found any more: cleared
    assert _track(store, [Approach(K3, DEBRIS, TCA, 0.5, 7.5, 2e-4)], T0 + timedelta(hours=1),
                  3) == [uid]  # fmt: skip
    with store.session() as s:
        ev = store.event(s, uid)
        assert ev is not None and (ev.status, ev.episode) == ("open", 2)
        keys = [(a.dedup_key, a.level) for a in s.query(AlertRow).order_by(AlertRow.id)]
    assert keys == [(f"conjunction:{uid}", "alert"), (f"conjunction:{uid}", "closed"),
                    (f"conjunction:{uid}#2", "alert")]  # fmt: skip


def test_a_cdm_updates_the_event_it_describes() -> None:
    cdm = Cdm.from_kvn(EXAMPLE_KVN)
    store = Store("sqlite://", sinks=["jsonl"])
    screened_tca = EXAMPLE_TCA - timedelta(seconds=75)  # the screening saw it at 22:36
    [uid] = _track(store, [Approach(30337, 12345, screened_tca, 0.9, 14.0, 3e-6)],
                   EXAMPLE_TCA - timedelta(days=2), 1)  # fmt: skip
    assert uid == "CONJ-12345-30337-20100313T2236Z"
    with store.session() as s:
        ev, changed = ingest_cdm(store, s, cdm, thresholds=THRESHOLDS, fleet={30337})
        assert ev.uid == uid and changed.new == [] and changed.escalated == [(uid, "none", "watch")]
        assert (ev.tca, ev.pc, ev.miss_km) == (EXAMPLE_TCA, 4.835e-05, 0.715)
    assert _history(store, uid) == [
        ("screening", 1, 3e-6),
        ("cdm:201113719185 JSPOC", 0, 4.835e-05),
    ]
    # a CDM of the next crossing of that pair is another event; so is another pair
    nxt = dataclasses.replace(cdm, relative=dataclasses.replace(
        cdm.relative, tca=EXAMPLE_TCA + timedelta(minutes=50)))  # fmt: skip
    with store.session() as s:
        assert ingest_cdm(store, s, nxt, thresholds=THRESHOLDS)[0].uid == (
            "CONJ-12345-30337-20100313T2327Z"
        )
    assert cdm_sighting(cdm, fleet={30337}).primary_id == 30337
    assert cdm_sighting(cdm).primary_id == 12345  # OBJECT1 without a fleet
    bad = dataclasses.replace(
        cdm, object2=dataclasses.replace(cdm.object2, object_designator="2008-001A")
    )
    with pytest.raises(ValueError, match="OBJECT2 OBJECT_DESIGNATOR '2008-001A' is not a NORAD"):
        cdm_sighting(bad)


def test_a_state_database_from_before_canonical_ids_is_migrated(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    with sqlite3.connect(db) as conn:
        conn.executescript("""
            CREATE TABLE events (id INTEGER PRIMARY KEY, primary_id BIGINT, secondary_id BIGINT,
              tca DATETIME, miss_km FLOAT, relative_speed_km_s FLOAT, pc FLOAT,
              level VARCHAR(16), peak_level VARCHAR(16), status VARCHAR(8),
              closed_reason VARCHAR(32), closed_at DATETIME, first_seen DATETIME,
              last_seen DATETIME, sightings INTEGER);
            CREATE TABLE pc_history (id INTEGER PRIMARY KEY, event_id INTEGER, cycle INTEGER,
              at DATETIME, tca DATETIME, miss_km FLOAT, pc FLOAT, level VARCHAR(16));
            INSERT INTO events VALUES (1, 38338, 99001, '2026-06-10 18:00:50.000000', 0.5, 7.5,
              2e-5, 'watch', 'watch', 'open', NULL, NULL, '2026-06-10 12:00:00.000000',
              '2026-06-10 12:00:00.000000', 1);
            INSERT INTO pc_history VALUES (1, 1, 1, '2026-06-10 12:00:00.000000',
              '2026-06-10 18:00:50.000000', 0.5, 2e-5, 'watch');
        """)  # fmt: skip
    store = Store(f"sqlite:///{db}")
    assert _history(store, "CONJ-38338-99001-20260610T1800Z") == [("screening", 1, 2e-5)]
    assert _track(store, [Approach(K3, DEBRIS, TCA, 0.5, 7.5, 3e-5)], T0, 2) == []
    store.close()


# -- the agent: requests name events by id or alias ----------------------------------------------


def test_requests_name_canonical_ids_and_aliases() -> None:
    v = Vocabulary(satellites={"K3": "38338"}, now=T0)
    calls = parse_request("CONJ-38338-99001-20260610T1800Z의 Pc를 평가해 줘", v)
    assert [c.arguments for c in calls] == [{"event_id": "CONJ-38338-99001-20260610T1800Z"}]
    calls = parse_request("assess conj-7 and conj-38338-99001-20260610t1800z", v)
    assert [c.arguments["event_id"] for c in calls] == ["CONJ-7", "CONJ-38338-99001-20260610T1800Z"]


def test_coverage_matches_a_requested_alias_to_the_canonical_result() -> None:
    mission = load_mission(DEMO)
    mission = mission.model_copy(update={"objectives": [], "requests": ["Assess CONJ-7 please"]})
    result = {"event_id": "CONJ-38338-99001-20260610T1800Z", "alias": "CONJ-0007"}

    def assessed(result: dict[str, str]) -> list[ToolRecord]:
        return [
            ToolRecord(
                call_id="c1",
                name="assess_conjunction",
                args={"event_id": result["event_id"]},
                ok=True,
                result=result,
            )
        ]

    assert objective_gaps(mission, assessed(result)) == []
    [gap] = objective_gaps(mission, assessed({**result, "alias": "CONJ-0008"}))
    assert "assess_conjunction of CONJ-7" in gap.reason
    asked_by_id = mission.model_copy(
        update={"requests": ["Assess CONJ-38338-99001-20260610T1801Z"]}
    )
    assert objective_gaps(asked_by_id, assessed(result)) == []  # another spelling, same event


# -- cosmo-agent events ----------------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="cosmo-agent")
    events_cli.add_parser(parser.add_subparsers(dest="command"))
    code = events_cli.run(parser.parse_args(["events", *argv]))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("MISSION", "STATE_DIR", "STATE_DB_URL", "CONFIG_FILE"):
        monkeypatch.delenv(f"COSMO_DAEMON_{name}", raising=False)
    store = Store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    _track(store, [Approach(K3, DEBRIS, TCA, 0.5, 7.5, 2e-6)], T0, 1)
    _track(store, [Approach(K3, DEBRIS, TCA + timedelta(seconds=20), 0.4, 7.5, 2e-5),
                   Approach(K3, 12345, TCA + timedelta(hours=2), 3.0, 7.5, None)],
           T0 + timedelta(hours=1), 2)  # fmt: skip
    store.close()
    return tmp_path


def test_events_lists_the_store_with_pc_history(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _cli(capsys, "--state-dir", str(state), "--mission", str(DEMO))
    assert code == 0
    first, history, second, _ = out.splitlines()
    assert first.startswith(
        "CONJ-38338-99001-20260610T1800Z  KOMPSAT 3 (38338) - 99001  TCA"
        " 2026-06-10T18:01:10Z  miss 0.400 km  Pc 2.00e-05  watch  open"
    )
    assert history == "  Pc history: 2.00e-06 -> 2.00e-05"
    assert second.startswith("CONJ-12345-38338-20260610T2000Z  KOMPSAT 3 (38338) - 12345")
    code, out, _ = _cli(capsys, "--state-dir", str(state), "conj-38338-99001-20260610t1801z",
                        "--json")  # fmt: skip
    [event] = json.loads(out)["events"]
    assert code == 0 and event["event_id"] == "CONJ-38338-99001-20260610T1800Z"
    assert [(h["source"], h["pc"]) for h in event["pc_history"]] == [
        ("screening 1", 2e-6), ("screening 2", 2e-5)]  # fmt: skip


def test_events_refuses_an_unknown_id_listing_the_known_ones(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, "CONJ-0001", "--state-dir", str(state))
    assert code == 2 and out == ""
    assert err.strip() == (
        "cosmo-agent events: no event 'CONJ-0001' (an alias like CONJ-0001 names an event"
        " within one tools run only); known events:"
        " CONJ-38338-99001-20260610T1800Z, CONJ-12345-38338-20260610T2000Z"
    )
    code, _, err = _cli(capsys, "CONJ-0001", "--state-dir", str(state / "nowhere"))
    assert code == 2 and "no state database at" in err


def test_events_ingests_a_cdm(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cdm = tmp_path / "example.cdm"
    cdm.write_text(EXAMPLE_KVN)
    code, _, err = _cli(capsys, "--state-dir", str(state), "--ingest", str(cdm))
    assert code == 2 and "the mission is needed" in err  # refused before anything is written
    code, _, err = _cli(capsys, "--state-dir", str(state), "--ingest", str(cdm), "--mission",
                        str(DEMO))  # fmt: skip
    assert code == 0, err
    code, out, _ = _cli(capsys, EXAMPLE_ID, "--state-dir", str(state))
    assert code == 0 and "cdm:201113719185 JSPOC" in out and "Pc 4.84e-05" in out
    # the same message again updates the same event; a file that is no CDM is bad input
    code, out, _ = _cli(capsys, "--state-dir", str(state), "--ingest", str(cdm), "--mission",
                        str(DEMO))  # fmt: skip
    assert code == 0 and f"example.cdm: updated {EXAMPLE_ID}" in out
    (tmp_path / "bad.cdm").write_text("CCSDS_CDM_VERS = 1.0\nnonsense\n")
    code, _, err = _cli(capsys, "--state-dir", str(state), "--ingest", str(tmp_path / "bad.cdm"),
                        "--mission", str(DEMO))  # fmt: skip
    assert code == 2 and err.startswith(f"cosmo-agent events: --ingest {tmp_path / 'bad.cdm'}:")


def test_the_rules_planner_assesses_and_plans_an_event_named_by_alias_once() -> None:
    from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

    from cosmo_agent.agent.planners import PlannerTask
    from cosmo_agent.agent.rules import RulesPlanner
    from cosmo_agent.tools.registry import openai_tools

    asks = ["Assess CONJ-0001 and conj-1, then plan an avoidance maneuver for CONJ-1"]
    mission = load_mission(CONJUNCTION).model_copy(update={"requests": asks})
    ctx = ToolContext.from_mission(mission)
    task = PlannerTask("plan", mission, "", tools=tuple(openai_tools(mission)), now=ctx.now)
    planner = RulesPlanner()
    messages: list[BaseMessage] = [HumanMessage("plan")]
    called: list[tuple[str, str]] = []
    for _ in range(12):
        reply = planner.next_turn(task, messages)
        messages.append(reply)
        if not isinstance(reply, AIMessage) or not reply.tool_calls:
            break
        for c in reply.tool_calls:
            out = call_tool(ctx, c["name"], c["args"])
            messages.append(ToolMessage(json.dumps(out.as_dict(), default=str),
                                        tool_call_id=str(c["id"])))  # fmt: skip
            if c["name"] in ("assess_conjunction", "plan_avoidance"):
                assert out.ok, out.error
                called.append((c["name"], ctx.store.event(c["args"]["event_id"]).event_id))
    [event] = ctx.store.events.values()
    assert called == [("assess_conjunction", event.event_id), ("plan_avoidance", event.event_id)]


def test_a_tools_run_seeded_from_the_daemon_keeps_the_daemons_ids_and_history() -> None:
    mission = load_mission(CONJUNCTION)
    args = {"satellites": "all", "duration_h": 36.0}
    first = call_tool(ToolContext.from_mission(mission), "screen_conjunctions", args)
    assert isinstance(first.result, ScreeningResult)
    [real] = first.result.events  # AQUA - OPS 0252 at 2026-06-11T18:28:41Z
    store = Store("sqlite://")
    daemon_tca = real.tca_utc + timedelta(minutes=3)  # the daemon saw it with older elements
    sighting = Approach(27424, 13791, daemon_tca, 0.3, 14.9, 4e-4)
    with store.session() as s:
        store.track(s, [sighting], screened={27424}, window=(T0, T0 + timedelta(days=2)),
                    now=T0, cycle=7, thresholds=THRESHOLDS)  # fmt: skip
    ctx = ToolContext.from_mission(mission)
    with store.session() as s:
        assert store.seed(s, ctx.store) == 1
    out = call_tool(ctx, "screen_conjunctions", args)
    assert isinstance(out.result, ScreeningResult)
    [event] = out.result.events
    assert event.event_id == "CONJ-13791-27424-20260611T1831Z" != real.event_id
    assert [(h.source, h.pc) for h in event.pc_history] == [
        ("daemon screening 7", 4e-4), (out.result.screening_id, None)]  # fmt: skip
    assert call_tool(ctx, "assess_conjunction", {"event_id": real.event_id}).ok  # either id


def test_events_creates_a_new_state_dir_and_names_an_unusable_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COSMO_DAEMON_STATE_DB_URL", raising=False)
    cdm = tmp_path / "example.cdm"
    cdm.write_text(EXAMPLE_KVN)
    fresh = tmp_path / "fresh" / "state"
    code, out, err = _cli(capsys, "--state-dir", str(fresh), "--ingest", str(cdm), "--mission",
                          str(DEMO))  # fmt: skip
    assert code == 0 and f"new event {EXAMPLE_ID}" in out and (fresh / "state.sqlite").exists()
    code, out, err = _cli(capsys, "--state-dir", str(cdm / "x"), "--ingest", str(cdm),
                          "--mission", str(DEMO))  # fmt: skip
    assert code == 2 and out == "" and "cannot be used" in err


def test_a_plan_seeded_from_the_daemon_keeps_the_daemons_id() -> None:
    """``Agent.plan(store=...)`` (what the daemon's re-planner passes): the plan's screening
    record carries the daemon's id for the event, not a fresh one."""
    from cosmo_agent.agent.runner import Agent
    from cosmo_agent.tools.registry import ResultStore

    mission = load_mission(CONJUNCTION)
    store = Store("sqlite://")
    daemon_tca = datetime(2026, 6, 11, 18, 31, 41, tzinfo=UTC)  # AQUA - OPS 0252, 3 min off
    with store.session() as s:
        store.track(s, [Approach(27424, 13791, daemon_tca, 0.3, 14.9, 4e-4)], screened={27424},
                    window=(T0, T0 + timedelta(days=3)), now=T0, cycle=7,
                    thresholds=THRESHOLDS)  # fmt: skip
    results = ResultStore()
    with store.session() as s:
        assert store.seed(s, results) == 1
    with Agent(mission) as agent:
        plan = agent.plan(approve_all=True, store=results)
    screened = [r.result for r in plan.records if r.name == "screen_conjunctions" and r.ok]
    ids = {e["event_id"] for r in screened for e in r["events"]}
    assert "CONJ-13791-27424-20260611T1831Z" in ids, ids
    assessed = {r.result["event_id"] for r in plan.records if r.name == "assess_conjunction"}
    assert "CONJ-13791-27424-20260611T1831Z" in assessed
