"""The daemon's live dashboard, looked at as a person would: a real daemon on loopback (token
on), its page opened in a real headless Chromium (tests/headless.py: every request off
loopback goes nowhere and is recorded).

- the page loads from the daemon alone (no request to another origin, no console error), after
  a browser login by ``/?token=`` that leaves an HttpOnly cookie and a clean address bar;
- the numbers on it are the store's (miss distance, Pc, Pc history, sightings, contacts,
  plan commands: sampled from the DOM and compared with the rows);
- a new alert appears without a reload; a wrong token gets 401 (bearer, cookie, login);
- the Korean mission and satellite names render with a CJK font (CSS.getPlatformFontsForNode).

Chromium is Debian's package (``.ci/run`` installs it); only its absence skips the browser
test.  ``COSMO_DASHBOARD_SCREENSHOT=PATH`` also saves the screenshot there (docs/dashboard.png).
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from headless import HeadlessPage, chromium_binary  # tests/headless.py (not collected)
from sqlalchemy import select

from cosmo_agent.agent.daemon import DaemonSettings, ManualClock
from cosmo_agent.agent.daemon.runtime import Daemon
from cosmo_agent.agent.daemon.server import SESSION_COOKIE
from cosmo_agent.agent.daemon.store import EventRow
from cosmo_agent.agent.dashboard import CONTENT_SECURITY_POLICY, DATA_PATH, dashboard_page
from cosmo_agent.model.web import session_value
from cosmo_agent.orbital.catalog import Catalog

sys.path.insert(0, str(Path(__file__).parent))
from test_daemon import K3, SAMPLE, STATION, T0, debris_lines, make_mission

MISSION_NAME = "다목적실용위성 관제"
K3_NAME = "아리랑 3호"
TOKEN = "dashboard-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

needs_chromium = pytest.mark.skipif(
    chromium_binary() is None, reason="no chromium on PATH (apt-get install chromium)"
)


def plan_json(now: datetime) -> str:
    """An agent run result as the re-plan job stores it: two commands, one with a warning."""
    commands = [
        {"time": (now + timedelta(hours=2)).isoformat().replace("+00:00", "Z"),
         "satellite": {"norad_id": K3, "name": K3_NAME}, "command": "SET_MODE",
         "rationale": {"text": "image the flood area"}},
        {"time": (now + timedelta(hours=3)).isoformat().replace("+00:00", "Z"),
         "satellite": {"norad_id": 39227, "name": "KOMPSAT 5"}, "command": "DOWNLINK",
         "rationale": {"text": "dump the recorder"}},
    ]  # fmt: skip
    violations = [{"rule": "x", "severity": "warning", "command_index": 1, "message": "late"}]
    return json.dumps({"status": "accepted", "plan": {"commands": commands},
                       "validation": {"violations": violations}})  # fmt: skip


@pytest.fixture(scope="module")
def catalog_text() -> str:
    """The sample catalog and a made-up object crossing KOMPSAT 3 (test_daemon.py)."""
    return SAMPLE.read_text() + debris_lines(Catalog.from_file(SAMPLE))


@pytest.fixture
def daemon(tmp_path: Path, catalog_text: str) -> Iterator[Daemon]:
    mission = make_mission(tmp_path, catalog_text)
    text = mission.read_text().replace("name: daemon-test", f"name: {MISSION_NAME}")
    mission.write_text(text.replace("name: KOMPSAT 3,", f"name: {K3_NAME},")
                       + STATION.format(extra=""))  # fmt: skip

    def replanner(d: Daemon, now: datetime, details: Any) -> tuple[str, str, str | None]:
        return "accepted", "2 commands", plan_json(now)

    settings = DaemonSettings(
        mission=mission, state_dir=tmp_path / "state", scaleout="inline", screener="orbital",
        stdout_alerts=False, screening_span_h=12.0, contacts_span_h=12.0,
        http="127.0.0.1:0", http_token=TOKEN, http_refresh_s=0.3,
    )  # fmt: skip
    clock = ManualClock(T0)
    with Daemon(settings, clock=clock, replanner=replanner) as d:
        d.start(schedule=False)
        for job in ("catalog", "staleness", "space_weather", "screening", "contacts"):
            d.run_job(job)
        clock.advance(timedelta(minutes=30))
        d.run_job("screening")  # a second sighting of each event: two points of Pc history
        assert d.run_job("replan").detail == "plan 1: accepted"
        yield d


def js_exponential(value: float) -> str:
    """``Number.prototype.toExponential(2)``: Python's ``.2e`` without the exponent's padding."""
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{mantissa}e{int(exponent):+d}"


def test_the_page_needs_nothing_from_outside() -> None:
    page = dashboard_page(MISSION_NAME, refresh_s=5).replace('"http://www.w3.org/2000/svg"', "")
    assert "http://" not in page and "https://" not in page and "@import" not in page
    assert "<script src" not in page and "<link rel=\"stylesheet\"" not in page
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert "connect-src 'self'" in CONTENT_SECURITY_POLICY
    # a name that looks like markup is text, in the title and in the config block alike
    hostile = dashboard_page("</script><script>alert(1)</script>", refresh_s=5)
    assert "<script>alert(1)" not in hostile


def test_token_rule_and_data(daemon: Daemon) -> None:
    base = f"http://127.0.0.1:{daemon.http_port}"
    with httpx.Client(base_url=base, timeout=30) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            for path in ("/", DATA_PATH):
                r = client.get(path, headers=headers)
                assert r.status_code == 401, (path, headers)
                assert r.headers["www-authenticate"] == 'Bearer realm="cosmo-daemon"'
                assert "/?token=TOKEN" in r.json()["error"]
        with httpx.Client(base_url=base, cookies={SESSION_COOKIE: "forged"}) as forged:
            assert forged.get("/").status_code == 401
        assert client.get(f"/?token={TOKEN}x").status_code == 401
        # the browser login: a redirect without the token that sets an HttpOnly strict cookie
        r = client.get(f"/?token={TOKEN}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}={session_value(TOKEN)};")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
        with httpx.Client(base_url=base, cookies={SESSION_COOKIE: session_value(TOKEN)}) as ok:
            r = ok.get("/")
            assert ok.get(DATA_PATH).status_code == 200
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert MISSION_NAME in r.text
        assert client.post("/", headers=AUTH).status_code == 405
        r = client.get(DATA_PATH, headers=AUTH)
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        data = r.json()
    # the JSON is the store's state
    with daemon.store.session() as s:
        events = daemon.store.open_events(s)
        alerts = daemon.store.alert_count(s)
    assert events and [e["id"] for e in data["events"]] == [e.uid for e in events]
    assert data["alerts_total"] == alerts and len(data["alerts"]) == min(alerts, 50)
    assert {e["sightings"] for e in data["events"]} == {2}
    assert all(len(e["history"]) == 2 for e in data["events"])
    assert data["plan"]["status"] == "accepted" and len(data["plan"]["commands"]) == 2
    assert [c["verdict"] for c in data["plan"]["commands"]] == ["ok", "warning"]
    assert data["contacts"]["upcoming"] and data["mission"] == MISSION_NAME
    assert data["thresholds"]["alert"] == daemon.thresholds.alert


def _platform_fonts(page: HeadlessPage, selector: str) -> list[dict[str, Any]]:
    page.call("DOM.enable")
    page.call("CSS.enable")
    root = page.call("DOM.getDocument")["root"]["nodeId"]
    node = page.call("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts: list[dict[str, Any]] = page.call("CSS.getPlatformFontsForNode", {"nodeId": node})[
        "fonts"
    ]
    return fonts


@needs_chromium
def test_dashboard_in_a_browser(daemon: Daemon) -> None:
    from PIL import Image

    base = f"http://127.0.0.1:{daemon.http_port}"
    with HeadlessPage(chromium_binary() or "chromium", allow=base.removeprefix("http://")) as page:
        page.navigate(f"{base}/?token={TOKEN}",
                      "document.body && Number(document.body.dataset.polls) >= 1")
        # logged in, the token out of the address bar, the cookie out of the page's reach
        assert page.evaluate("location.href") == f"{base}/"
        assert page.evaluate("document.cookie") == ""
        assert page.evaluate("document.getElementById('stale').classList.contains('on')") is False

        # numbers on the page are the store's
        with daemon.store.session() as s:
            events = {e.uid: e for e in daemon.store.open_events(s)}
            history = {uid: [h.pc for h in daemon.store.pc_history(s, e)]
                       for uid, e in events.items()}  # fmt: skip
            contacts = daemon.store.get(s, "contacts")
        rows = page.evaluate("""[...document.querySelectorAll('#event-rows tr')].map((r) => ({
            id: r.dataset.eventId, miss: r.querySelector('td.miss').textContent,
            pc: r.querySelector('td.pc').textContent,
            pcValue: Number(r.querySelector('td.pc').dataset.value)}))""")
        assert {r["id"] for r in rows} == set(events)
        for r in rows:
            ev = events[r["id"]]
            assert r["miss"] == f"{ev.miss_km:.3f}"
            assert ev.pc is not None and r["pc"] == js_exponential(ev.pc)
            assert r["pcValue"] == ev.pc  # the store's float, to the last bit
        # one Pc history line per event, through each of its sightings
        lines = page.evaluate("""[...document.querySelectorAll('#pc-chart polyline')].map(
            (p) => [p.dataset.eventId, p.getAttribute('points').trim().split(' ').length,
                    p.querySelector('title').textContent])""")
        drawn = sorted(uid for uid, pcs in history.items() if any(p and p > 0 for p in pcs))
        assert drawn and sorted(x[0] for x in lines) == drawn
        flat = sorted(set(events) - set(drawn))  # Pc 0 on a log scale: named under the chart
        note = page.evaluate("document.getElementById('pc-not-drawn').textContent")
        assert note == (f"not drawn (no sighting with Pc > 0): {', '.join(flat)}" if flat else "")
        for uid, points, title in lines:
            assert points == len(history[uid]) == 2
            assert title == f"{uid}: " + " \u2192 ".join(js_exponential(p) for p in history[uid])
        k3_events = sum(K3 in (e.primary_id, e.secondary_id) for e in events.values())
        fleet = page.evaluate(f"document.querySelector('#fleet-rows tr[data-norad=\"{K3}\"]')"
                              ".querySelector('td.events').textContent")  # fmt: skip
        assert fleet == str(k3_events) and k3_events >= 1
        first_aos = min(c[2] for c in contacts["contacts"]
                        if datetime.fromisoformat(c[2]) >= daemon.clock.now())  # fmt: skip
        shown = page.evaluate("document.querySelector('#contact-rows td').dataset.value")
        assert datetime.fromisoformat(shown.replace("Z", "+00:00")) == \
            datetime.fromisoformat(first_aos)  # fmt: skip
        plan = page.evaluate("[...document.querySelectorAll('#plan-rows tr')].map((r) =>"
                             " [...r.cells].map((c) => c.textContent))")  # fmt: skip
        assert [p[1:4] for p in plan] == [[K3_NAME, "SET_MODE", "ok"],
                                          ["KOMPSAT 5", "DOWNLINK", "warning"]]  # fmt: skip

        # Korean names render with a CJK font, not as boxes
        assert page.evaluate("document.getElementById('mission').textContent") == MISSION_NAME
        fonts = _platform_fonts(page, "#mission")
        assert any("CJK" in f["familyName"] or "KR" in f["familyName"] for f in fonts), fonts
        assert sum(f["glyphCount"] for f in fonts) == len(MISSION_NAME)

        # a new alert appears without a reload
        page.evaluate("window.__sameDocument = 42")
        polls = int(page.evaluate("document.body.dataset.polls"))
        with daemon.store.session() as s:
            row = daemon.store.emit(s, key="dashboard-test", level="x", severity="emergency",
                                    kind="test", message="새 경보: a new alert", now=T0)
            assert row is not None
            new_id = row.id
        page.wait(f"document.querySelector('#alert-rows tr[data-alert-id=\"{new_id}\"]')")
        text = page.evaluate(f"document.querySelector('#alert-rows tr[data-alert-id=\"{new_id}\"]"
                             " td.message').textContent")  # fmt: skip
        assert text == "새 경보: a new alert"
        assert page.evaluate("window.__sameDocument") == 42  # the same document: no reload
        assert int(page.evaluate("document.body.dataset.polls")) > polls
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1

        # nothing but the daemon was asked for anything, and nothing went wrong
        assert page.console_errors == []
        requests = page.requests
        assert requests and all(u.startswith(f"{base}/") for u in requests), requests
        assert any(u == f"{base}{DATA_PATH}" for u in requests)

        shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
        colours = shot.getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 100  # a blank page has one or two
        if os.environ.get("COSMO_DASHBOARD_SCREENSHOT"):  # the whole page, for docs/
            height = float(page.evaluate("document.documentElement.scrollHeight"))
            whole = page.screenshot({"x": 0, "y": 0, "width": 1400, "height": height})
            Path(os.environ["COSMO_DASHBOARD_SCREENSHOT"]).write_bytes(whole)

        # a wrong token at the login: 401, in the browser too
        page.navigate(f"{base}/?token=wrong",
                      "document.readyState === 'complete' && location.search === '?token=wrong'")
        statuses = [e["params"]["response"]["status"] for e in page.events
                    if e["method"] == "Network.responseReceived"
                    and e["params"]["response"]["url"] == f"{base}/?token=wrong"]  # fmt: skip
        assert statuses == [401]
        assert "wrong token" in page.evaluate("document.body.textContent")

        # the daemon gone: the last data stays, under a banner saying since when it is stale
        page.navigate(f"{base}/", "document.body && Number(document.body.dataset.polls) >= 1")
        daemon.shutdown()
        page.wait("document.getElementById('stale').classList.contains('on')")
        banner = page.evaluate("document.getElementById('stale').textContent")
        assert banner.startswith("stale: last update ") and "Failed to fetch" in banner
        assert page.evaluate("document.querySelectorAll('#event-rows tr').length") == len(events)


def test_events_of_the_store_match_the_rows(daemon: Daemon) -> None:
    """The data's miss and Pc are the stored floats themselves (not recomputed)."""
    data = daemon.dashboard()
    with daemon.store.session() as s:
        rows = {e.key: e for e in s.scalars(select(EventRow))}
    events = data["events"]
    assert isinstance(events, list) and events
    for e in events:
        assert isinstance(e, dict)
        row = rows[str(e["id"])]
        assert (e["miss_km"], e["pc"], e["level"]) == (row.miss_km, row.pc, row.level)
