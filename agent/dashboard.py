"""The daemon's live dashboard: one offline HTML page and the JSON it polls.

:func:`dashboard_data` reads what the daemon knows, from its store and runtime: the fleet
(element verdicts and ages, open events, next contact), each job's last run, open issues, the
newest alerts, the upcoming contacts, the open conjunction events with their Pc history (one
line per event across screenings, the Pc thresholds drawn) and the last plan with each
command's validation verdict.  Numbers are the store's own (Pc, miss distance, times as ISO
8601 ``Z``); the page only formats them.

:func:`dashboard_page` is the page: no CDN, no web fonts, no request but its own JSON endpoint
(:data:`DATA_PATH`, polled every ``refresh_s`` with ``fetch``, so the page refreshes without a
reload); everything it shows is written with ``textContent`` (names and messages are never
parsed as HTML), and :data:`CONTENT_SECURITY_POLICY` (the inline script and style by their
SHA-256) forbids anything else.  A poll that fails leaves the last data on the page under a red
banner saying since when it is stale and why (a 401 says to log in again).  Korean mission and
satellite names render with the system's CJK fonts (Noto Sans CJK).

>>> "fetch(" in dashboard_page("demo", refresh_s=5) and "https://" not in dashboard_page("d")
True
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from cosmo_agent.agent.daemon.store import (
    LEVELS,
    EventRow,
    PcHistoryRow,
    PcThresholds,
    PlanRow,
    Store,
)
from cosmo_agent.agent.jsontypes import JsonObject, JsonValue
from cosmo_agent.orbital.timescales import iso_utc

if TYPE_CHECKING:
    from cosmo_agent.orbital.catalog import Catalog
    from cosmo_agent.tools.mission import Mission

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "DATA_PATH",
    "dashboard_data",
    "dashboard_page",
]

DATA_PATH: Final = "/api/dashboard"
"""The JSON endpoint the page polls (same token rule as the page)."""


# How much one poll carries at most; what is left out is counted (``*_more``).
_MAX_ALERTS: Final = 50
_MAX_EVENTS: Final = 100
_MAX_CONTACTS: Final = 50
_MAX_COMMANDS: Final = 200


def _iso(t: datetime | None) -> str | None:
    return None if t is None else iso_utc(t)


def dashboard_data(
    store: Store,
    mission: Mission,
    *,
    now: datetime,
    ready: tuple[bool, JsonObject],
    role: str = "leader",
    jobs: Mapping[str, tuple[str, datetime, Sequence[str]]] | None = None,
    catalog: Catalog | None = None,
    thresholds: PcThresholds | None = None,
) -> JsonObject:
    """Everything the page shows, as JSON data, read in one store session at ``now``
    (``jobs``: each job's last completed run as ``(status, at, reasons)``)."""
    ok, info = ready
    with store.session(fenced=False) as s:
        issues = store.open_issues(s)
        alerts = store.recent_alerts(s, _MAX_ALERTS)
        alert_total = store.alert_count(s)
        open_events = store.open_events(s)
        shown = open_events[: _MAX_EVENTS]
        histories = store.pc_histories(s, shown)
        schedule = store.get(s, "contacts")
        verdicts = store.get(s, "staleness")
        screening = store.get(s, "last_screening")
        plan = store.last_plan(s)
        data: JsonObject = {
            "mission": mission.name,
            "now_utc": iso_utc(now),
            "role": role,
            "ready": {"ok": ok, "status": info.get("status"), "reasons": info.get("reasons", [])},
            "jobs": [{"job": job, "status": st, "at_utc": iso_utc(at), "reasons": list(why)}
                     for job, (st, at, why) in (jobs or {}).items()],
            "issues": [{"key": i.key, "severity": i.severity, "message": i.message,
                        "opened_at_utc": iso_utc(i.opened_at)} for i in issues],
            "alerts": [_alert(a.id, a.created_at, a.severity, a.kind, a.level, a.payload)
                       for a in alerts],
            "alerts_total": alert_total,
            "events": [_event(ev, histories[ev.id], mission) for ev in shown],
            "events_more": len(open_events) - len(shown),
            "thresholds": None if thresholds is None else {
                "watch": thresholds.watch, "alert": thresholds.alert,
                "emergency": thresholds.emergency, "min_miss_km": thresholds.min_miss_km},
            "last_screening": screening if isinstance(screening, dict) else None,
            "plan": None if plan is None else _plan(plan),
        }
    contacts = _contacts(schedule, mission, now)
    data["contacts"] = contacts
    data["fleet"] = _fleet(mission, now, open_events, contacts, verdicts, catalog)
    return data


def _alert(ident: int, at: datetime, severity: str, kind: str, level: str,
           payload: str) -> JsonObject:  # fmt: skip
    try:
        message = json.loads(payload).get("message", "")
    except (ValueError, AttributeError):
        message = payload
    return {"id": ident, "created_at_utc": iso_utc(at), "severity": severity, "kind": kind,
            "level": level, "message": str(message)}  # fmt: skip


def _names(mission: Mission) -> dict[int, str]:
    return {x.norad_id: x.name for x in mission.fleet}


def _event(ev: EventRow, history: Sequence[PcHistoryRow], mission: Mission) -> JsonObject:
    names = _names(mission)
    primary, secondary = ev.primary_id, ev.secondary_id
    if primary not in names and secondary in names:
        primary, secondary = secondary, primary
    return {
        "id": ev.uid,
        "satellite": names.get(primary, str(primary)),
        "norad_id": primary,
        "object": secondary,
        "tca_utc": iso_utc(ev.tca),
        "miss_km": ev.miss_km,
        "pc": ev.pc,
        "level": ev.level,
        "peak_level": ev.peak_level,
        "sightings": ev.sightings,
        "first_seen_utc": iso_utc(ev.first_seen),
        "last_seen_utc": iso_utc(ev.last_seen),
        "history": [{"at_utc": iso_utc(h.at), "pc": h.pc, "miss_km": h.miss_km,
                     "level": h.level, "source": h.source, "cycle": h.cycle}
                    for h in history],
    }


def _contacts(schedule: JsonValue, mission: Mission, now: datetime) -> JsonObject:
    names = _names(mission)
    if not isinstance(schedule, dict):
        return {"computed_at_utc": None, "stop_utc": None, "summary": None, "upcoming": [],
                "more": 0, "unmet": []}  # fmt: skip
    rows = schedule.get("contacts")
    upcoming: list[JsonObject] = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, list) or len(row) != 3:
            continue
        sat, station, aos = row
        at = datetime.fromisoformat(str(aos))
        if at >= now and isinstance(sat, int):
            upcoming.append({"aos_utc": iso_utc(at), "norad_id": sat,
                             "satellite": names.get(sat, str(sat)), "station": str(station)})
    upcoming.sort(key=lambda c: str(c["aos_utc"]))
    unmet = schedule.get("unmet")

    def when(key: str) -> str | None:
        value = schedule.get(key)
        return iso_utc(datetime.fromisoformat(value)) if isinstance(value, str) else None

    return {
        "computed_at_utc": when("at_utc"),
        "stop_utc": when("stop_utc"),
        "summary": schedule.get("summary"),
        "upcoming": list(upcoming[: _MAX_CONTACTS]),
        "more": max(0, len(upcoming) - _MAX_CONTACTS),
        "unmet": [names.get(u, str(u)) for u in unmet if isinstance(u, int)]
        if isinstance(unmet, list) else [],
    }  # fmt: skip


def _fleet(mission: Mission, now: datetime, events: Sequence[EventRow], contacts: JsonObject,
           verdicts: JsonValue, catalog: Catalog | None) -> list[JsonValue]:  # fmt: skip
    ages: dict[int, float] = {}
    if catalog is not None:
        present = set(catalog.ids.tolist())
        wanted = [x.norad_id for x in mission.fleet if x.norad_id in present]
        if wanted:
            days = catalog.age_days(now)[catalog.index_of(wanted)]
            ages = {n: abs(float(d)) for n, d in zip(wanted, days, strict=True)}
    stored = verdicts if isinstance(verdicts, dict) else {}
    upcoming = contacts.get("upcoming")
    out: list[JsonValue] = []
    for sat in mission.fleet:
        mine = [ev for ev in events if sat.norad_id in (ev.primary_id, ev.secondary_id)]
        worst = max((LEVELS.index(ev.level) for ev in mine if ev.level in LEVELS), default=0)
        nxt = next((c for c in upcoming if isinstance(c, dict)
                    and c.get("norad_id") == sat.norad_id), None) \
            if isinstance(upcoming, list) else None  # fmt: skip
        out.append({
            "norad_id": sat.norad_id, "name": sat.name, "class": sat.sat_class,
            "elements": str(stored.get(str(sat.norad_id), "unknown")),
            "element_age_days": round(ages[sat.norad_id], 3) if sat.norad_id in ages else None,
            "open_events": len(mine), "worst_level": LEVELS[worst],
            "next_contact_utc": None if nxt is None else nxt.get("aos_utc"),
            "next_station": None if nxt is None else nxt.get("station"),
        })  # fmt: skip
    return out


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _plan(row: PlanRow) -> JsonObject:
    """The plan row; its commands (with each one's worst validation verdict) when its JSON
    holds a plan (the agent's run result, or a bare plan)."""
    out: JsonObject = {"id": row.id, "created_at_utc": iso_utc(row.created_at),
                       "status": row.status, "summary": row.summary, "commands": [],
                       "commands_more": 0}  # fmt: skip
    try:
        doc = json.loads(row.plan_json) if row.plan_json else None
    except ValueError:
        return out
    if not isinstance(doc, dict):
        return out
    body = _obj(doc.get("plan")) or doc
    validation = _obj(doc.get("validation"))
    worst: dict[int, str] = {}
    rank = {"info": 0, "warning": 1, "error": 2}
    for v in validation.get("violations") or ():
        if isinstance(v, dict) and isinstance(v.get("command_index"), int):
            i, sev = v["command_index"], str(v.get("severity"))
            if rank.get(sev, 2) >= rank.get(worst.get(i, "info"), 0):
                worst[i] = sev
    commands = body.get("commands")
    listed: list[JsonValue] = []
    for i, c in enumerate(commands if isinstance(commands, list) else []):
        if not isinstance(c, dict):
            continue
        sat, rationale = _obj(c.get("satellite")), _obj(c.get("rationale"))
        listed.append({"time_utc": c.get("time"), "satellite": sat.get("name"),
                       "norad_id": sat.get("norad_id"), "command": c.get("command"),
                       "verdict": worst.get(i, "ok"), "rationale": rationale.get("text")})
    out["commands"] = listed[: _MAX_COMMANDS]
    out["commands_more"] = max(0, len(listed) - _MAX_COMMANDS)
    return out


# ----------------------------------------------------------------------------------------------
# The page

_STYLE: Final = """
:root{color-scheme:light;--ink:#1b2430;--muted:#5b6776;--line:#d8dee6;--bg:#f5f7fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,"Noto Sans CJK KR","Noto Sans KR","Noto Sans",sans-serif;
color:var(--ink);background:var(--bg)}
header{display:flex;gap:16px;align-items:baseline;flex-wrap:wrap;padding:12px 20px;
background:#12263f;color:#fff}
header h1{font-size:20px;margin:0}
header .meta{color:#c9d6e6}
#stale{display:none;padding:8px 20px;background:#b3261e;color:#fff;font-weight:600}
#stale.on{display:block}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:16px;padding:16px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 14px;
min-width:0}
section.wide{grid-column:1/-1}
h2{font-size:16px;margin:0 0 8px}
h2.sub{margin-top:14px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
td.message,td.rationale{overflow-wrap:anywhere}
th{color:var(--muted);font-weight:600;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.time{white-space:nowrap;font-variant-numeric:tabular-nums}
.note{color:var(--muted);margin:6px 0}
.badge{display:inline-block;white-space:nowrap;padding:1px 8px;border-radius:10px;
font-size:12px;font-weight:600;background:#e4e8ee;color:#1b2430}
.ok,.none,.fresh,.info,.accepted{background:#d7f0dc;color:#0f5323}
.watch,.warn,.warning,.degraded,.starting,.incomplete{background:#fff0c2;color:#6b4c00}
.alert,.error,.failed,.refuse,.missing,.rejected{background:#ffd8d3;color:#8c1d13}
.emergency{background:#8c1d13;color:#fff}
.standby,.unknown,.skipped,.disabled{background:#e4e8ee;color:#3c4654}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
svg text{font-size:11px;fill:#5b6776}
"""

_SCRIPT: Final = r"""
"use strict";
const cfg = JSON.parse(document.getElementById("cosmo-config").textContent);
const COLORS = ["#1f77b4","#d62728","#2ca02c","#9467bd","#ff7f0e","#17becf","#8c564b",
                "#e377c2","#7f7f7f","#bcbd22"];
let lastOk = null;

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(k ?? ""));
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}
const utc = (iso) => iso ? iso.slice(0, 19).replace("T", " ") + " UTC" : "\u2014";
const pcText = (v) => v === null || v === undefined ? "\u2014" : v.toExponential(2);
const badge = (text) => el("span", {class: "badge " + text}, text);
function cell(text, cls, value) {
  return el("td", {class: cls, "data-value": value}, text);
}
function table(id, rows) {
  const body = document.getElementById(id);
  body.replaceChildren(...rows);
}
function empty(cols, text) {
  return el("tr", {}, el("td", {colspan: cols, class: "note"}, text));
}

function renderHeader(d) {
  document.getElementById("mission").textContent = d.mission;
  document.title = d.mission + " \u2014 Cosmo daemon";
  document.getElementById("clock").textContent = utc(d.now_utc);
  document.getElementById("role").textContent = d.role;
  const r = document.getElementById("ready");
  r.replaceChildren(badge(d.ready.status || (d.ready.ok ? "ok" : "starting")));
  document.getElementById("reasons").replaceChildren(
    ...(d.ready.reasons || []).map((x) => el("li", {}, x)));
}

function renderFleet(d) {
  table("fleet-rows", d.fleet.map((s) => el("tr", {"data-norad": s.norad_id},
    cell(s.name, "name"), cell(String(s.norad_id), "num"),
    el("td", {}, badge(s.elements)),
    cell(s.element_age_days === null ? "\u2014" : s.element_age_days.toFixed(2), "num age",
         s.element_age_days),
    cell(String(s.open_events), "num events", s.open_events),
    el("td", {}, badge(s.worst_level)),
    cell(s.next_contact_utc ? utc(s.next_contact_utc) + " " + s.next_station : "\u2014",
         "time"))));
  table("job-rows", d.jobs.length ? d.jobs.map((j) => el("tr", {"data-job": j.job},
    cell(j.job), el("td", {}, badge(j.status)), cell(utc(j.at_utc), "time"),
    cell(j.reasons.join("; ")))) : [empty(4, "no job has completed yet")]);
  table("issue-rows", d.issues.length ? d.issues.map((i) => el("tr", {},
    el("td", {}, badge(i.severity)), cell(utc(i.opened_at_utc), "time"),
    cell(i.message, "message"))) :
    [empty(3, "no open issues")]);
}

function renderAlerts(d) {
  document.getElementById("alert-count").textContent =
    `newest ${d.alerts.length} of ${d.alerts_total}`;
  table("alert-rows", d.alerts.length ? d.alerts.map((a) => el("tr", {"data-alert-id": a.id},
    cell(utc(a.created_at_utc), "time"), el("td", {}, badge(a.severity)), cell(a.kind),
    cell(a.level), cell(a.message, "message"))) : [empty(5, "no alerts")]);
}

function renderContacts(d) {
  const c = d.contacts;
  document.getElementById("contact-note").textContent = c.computed_at_utc ?
    `schedule of ${utc(c.computed_at_utc)} through ${utc(c.stop_utc)}: ${c.summary}` +
    (c.more ? `; ${c.more} more not shown` : "") +
    (c.unmet.length ? `; unmet: ${c.unmet.join(", ")}` : "") : "no contact schedule yet";
  table("contact-rows", c.upcoming.length ? c.upcoming.map((x) => el("tr", {},
    cell(utc(x.aos_utc), "time", x.aos_utc), cell(x.satellite), cell(x.station))) :
    [empty(3, "no upcoming contacts")]);
}

function renderEvents(d) {
  const more = d.events_more ? `; ${d.events_more} more open events not shown` : "";
  document.getElementById("event-note").textContent = d.last_screening ?
    `last screening ${utc(d.last_screening.at_utc)}: ${d.last_screening.approaches}` +
    ` approaches in ${d.last_screening.window_h} h${more}` : "no screening yet" + more;
  table("event-rows", d.events.length ? d.events.map((e, i) => el("tr", {"data-event-id": e.id},
    el("td", {}, el("span", {class: "swatch", "data-color": COLORS[i % COLORS.length]}), e.id),
    cell(e.satellite), cell(String(e.object), "num"), cell(utc(e.tca_utc), "time", e.tca_utc),
    cell(e.miss_km.toFixed(3), "num miss", e.miss_km), cell(pcText(e.pc), "num pc", e.pc),
    el("td", {}, badge(e.level)), el("td", {}, badge(e.peak_level)),
    cell(String(e.sightings), "num", e.sightings))) : [empty(9, "no open conjunction events")]);
  for (const s of document.querySelectorAll(".swatch")) s.style.background = s.dataset.color;
  drawHistory(d);
}

function drawHistory(d) {
  const box = document.getElementById("pc-chart");
  const W = 1200, H = 220, L = 56, R = 12, T = 10, B = 28;
  const chart = svg("svg", {viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img",
                            "aria-label": "Pc history per event"});
  const points = d.events.flatMap((e) => e.history.filter((h) => h.pc > 0));
  if (!points.length) {
    box.replaceChildren(el("p", {class: "note"}, "no Pc history yet (no sighting with a Pc)"));
    return;
  }
  const times = points.map((h) => Date.parse(h.at_utc));
  let t0 = Math.min(...times), t1 = Math.max(...times);
  if (t1 === t0) { t0 -= 1800e3; t1 += 1800e3; }
  const logs = points.map((h) => Math.log10(h.pc));
  const th = d.thresholds ? [d.thresholds.watch, d.thresholds.alert, d.thresholds.emergency]
    .filter((v) => v > 0).map(Math.log10) : [];
  const lo = Math.floor(Math.min(...logs, ...th)) - 0.5, hi = Math.ceil(Math.max(...logs, ...th));
  const x = (t) => L + (W - L - R) * (t - t0) / (t1 - t0);
  const y = (v) => T + (H - T - B) * (hi - v) / (hi - lo);
  for (let v = Math.ceil(lo); v <= hi; v++) {
    chart.append(svg("line", {x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e4e8ee"}));
    const label = svg("text", {x: L - 6, y: y(v) + 4, "text-anchor": "end"});
    label.textContent = "1e" + v;
    chart.append(label);
  }
  const names = ["watch", "alert", "emergency"];
  (d.thresholds ? [d.thresholds.watch, d.thresholds.alert, d.thresholds.emergency] : [])
    .forEach((v, i) => {
      if (!(v > 0)) return;
      chart.append(svg("line", {x1: L, x2: W - R, y1: y(Math.log10(v)), y2: y(Math.log10(v)),
                                stroke: "#b3261e", "stroke-dasharray": "4 4", class: "threshold"}));
      const label = svg("text", {x: W - R - 4, y: y(Math.log10(v)) - 3, "text-anchor": "end"});
      label.textContent = names[i];
      chart.append(label);
    });
  for (const t of [t0, t1]) {
    const label = svg("text", {x: x(t), y: H - 8, "text-anchor": t === t0 ? "start" : "end"});
    label.textContent = utc(new Date(t).toISOString());
    chart.append(label);
  }
  d.events.forEach((e, i) => {
    const pts = e.history.filter((h) => h.pc > 0)
      .map((h) => `${x(Date.parse(h.at_utc)).toFixed(1)},${y(Math.log10(h.pc)).toFixed(1)}`);
    if (!pts.length) return;
    const color = COLORS[i % COLORS.length];
    const line = svg("polyline", {points: pts.join(" "), fill: "none", stroke: color,
                                  "stroke-width": 2, "data-event-id": e.id});
    const title = svg("title", {});
    title.textContent = `${e.id}: ` + e.history.map((h) => pcText(h.pc)).join(" \u2192 ");
    line.append(title);
    chart.append(line);
    for (const p of pts) {
      const [cx, cy] = p.split(",");
      chart.append(svg("circle", {cx, cy, r: 2.5, fill: color}));
    }
  });
  const flat = d.events.filter((e) => !e.history.some((h) => h.pc > 0)).map((e) => e.id);
  box.replaceChildren(chart, el("p", {class: "note", id: "pc-not-drawn"}, flat.length ?
    `not drawn (no sighting with Pc > 0): ${flat.join(", ")}` : ""));
}

function renderPlan(d) {
  const p = d.plan;
  const head = document.getElementById("plan-head");
  if (!p) {
    head.replaceChildren("no plan yet");
    table("plan-rows", [empty(5, "no plan yet")]);
    return;
  }
  head.replaceChildren(`plan ${p.id} of ${utc(p.created_at_utc)} `, badge(p.status), " ",
                       el("span", {class: "note"}, p.summary));
  const rows = p.commands.map((c) => el("tr", {},
    cell(utc(c.time_utc), "time"), cell(c.satellite), cell(c.command),
    el("td", {}, badge(c.verdict)), cell(c.rationale, "rationale")));
  if (p.commands_more) rows.push(empty(5, `${p.commands_more} more commands not shown`));
  table("plan-rows", rows.length ? rows : [empty(5, "the plan has no commands")]);
}

async function poll() {
  const banner = document.getElementById("stale");
  try {
    const r = await fetch(cfg.data, {cache: "no-store", credentials: "same-origin",
                                     headers: {Accept: "application/json"}});
    if (!r.ok) {
      throw new Error(r.status === 401 ? "401: log in again (open /?token=TOKEN)"
                                       : `HTTP ${r.status}`);
    }
    const d = await r.json();
    renderHeader(d); renderFleet(d); renderAlerts(d); renderContacts(d); renderEvents(d);
    renderPlan(d);
    lastOk = new Date();
    banner.classList.remove("on");
    document.getElementById("updated").textContent =
      "updated " + utc(lastOk.toISOString());
    document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
  } catch (err) {
    banner.textContent = "stale: " + (lastOk ? "last update " + utc(lastOk.toISOString())
                                             : "no data yet") + " \u2014 " + err.message;
    banner.classList.add("on");
  } finally {
    setTimeout(poll, cfg.refresh_ms);
  }
}
poll();
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CONTENT_SECURITY_POLICY: Final = (
    f"default-src 'none'; script-src {_sha256(_SCRIPT)}; style-src {_sha256(_STYLE)};"
    " connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none';"
    " frame-ancestors 'none'"
)
"""The page's policy: its own script and style (by hash), fetches to its own origin only."""

_PAGE: Final = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>{title} \u2014 Cosmo daemon</title>
<style>{style}</style>
<script type="application/json" id="cosmo-config">{config}</script>
</head>
<body>
<header><h1 id="mission">{title}</h1>
<span class="meta">daemon clock <span id="clock">\u2014</span></span>
<span class="meta">role <span id="role">\u2014</span></span>
<span id="ready"></span><span class="meta" id="updated">loading\u2026</span></header>
<div id="stale" role="alert"></div>
<main>
<section class="wide" id="fleet"><h2>Fleet</h2><ul class="note" id="reasons"></ul>
<table><thead><tr><th>Satellite</th><th>NORAD</th><th>Elements</th><th>Age (days)</th>
<th>Open events</th><th>Worst level</th><th>Next contact</th></tr></thead>
<tbody id="fleet-rows"></tbody></table>
<h2 class="sub">Jobs</h2>
<table><thead><tr><th>Job</th><th>Last run</th><th>At</th><th>Left out</th></tr></thead>
<tbody id="job-rows"></tbody></table></section>
<section class="wide" id="alerts"><h2>Alerts <span class="note" id="alert-count"></span></h2>
<table><thead><tr><th>At</th><th>Severity</th><th>Kind</th><th>Level</th><th>Message</th></tr>
</thead><tbody id="alert-rows"></tbody></table></section>
<section id="issues"><h2>Open issues</h2>
<table><thead><tr><th>Severity</th><th>Since</th><th>Message</th></tr></thead>
<tbody id="issue-rows"></tbody></table></section>
<section id="contacts"><h2>Upcoming contacts</h2><p class="note" id="contact-note"></p>
<table><thead><tr><th>AOS</th><th>Satellite</th><th>Station</th></tr></thead>
<tbody id="contact-rows"></tbody></table></section>
<section class="wide" id="conjunctions"><h2>Conjunction events</h2>
<p class="note" id="event-note"></p>
<table><thead><tr><th>Event</th><th>Satellite</th><th>Object</th><th>TCA</th>
<th>Miss (km)</th><th>Pc</th><th>Level</th><th>Peak</th><th>Sightings</th></tr></thead>
<tbody id="event-rows"></tbody></table>
<h2 class="sub">Pc history (one line per event, across screenings)</h2>
<div id="pc-chart"></div></section>
<section class="wide" id="plan"><h2>Last plan</h2><p id="plan-head"></p>
<table><thead><tr><th>Time</th><th>Satellite</th><th>Command</th><th>Verdict</th>
<th>Rationale</th></tr></thead><tbody id="plan-rows"></tbody></table></section>
</main>
<script>{script}</script>
</body>
</html>
"""


def dashboard_page(mission: str, *, refresh_s: float = 5.0, language: str = "en") -> str:
    """The dashboard's HTML for ``mission`` (its name as the title until the first poll),
    polling :data:`DATA_PATH` every ``refresh_s`` seconds."""
    config = json.dumps({"data": DATA_PATH, "refresh_ms": round(refresh_s * 1000)})
    return _PAGE.format(lang=html.escape(language), title=html.escape(mission), style=_STYLE,
                        script=_SCRIPT, config=config.replace("</", "<\\/"))  # fmt: skip
