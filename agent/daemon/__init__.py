"""The fleet-monitoring daemon behind ``cosmo-agent daemon --mission FLEET.yaml``.

It runs for weeks: it refreshes the catalog (keeping the last good one), screens the fleet
against it in shards (local processes or a Dask cluster), tracks conjunction events across
cycles with their Pc history and escalation, polls space weather, refreshes the contact
schedule, checks element ages and re-plans through the agent when something changed.
Alerts are de-duplicated and delivered to stdout, a JSONL file and a webhook, with the
bookkeeping in a SQLAlchemy database (SQLite, or PostgreSQL with ``--database``) so that a
restart neither loses nor repeats one.

Modules: ``settings`` (pydantic-settings), ``clock``, ``store`` (state database and event
tracking by canonical event id), ``leadership`` (one daemon per state: a state-directory lock
on SQLite, an advisory-lock leader with standbys on PostgreSQL), ``ingest`` (CDMs into the
events), ``catalogs`` (refresh), ``screening`` (one shard), ``scaleout`` (where shards run),
``sinks`` (alert delivery, the plan archive), ``jobs`` (the scheduled jobs), ``metrics``,
``server`` (HTTP: the live dashboard, probes, metrics), ``runtime`` (the :class:`Daemon`),
``command`` (the CLI).

>>> from cosmo_agent.agent.daemon import DaemonSettings
>>> DaemonSettings(state_dir="/tmp/d").intervals.screening_s
1800.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cosmo_agent.agent.daemon.clock import Clock, ManualClock, parse_clock
    from cosmo_agent.agent.daemon.runtime import JOB_ORDER, Daemon
    from cosmo_agent.agent.daemon.settings import DaemonSettings
    from cosmo_agent.agent.daemon.store import PcThresholds, Store, conjunction_level

__all__ = [
    "JOB_ORDER",
    "Clock",
    "Daemon",
    "DaemonSettings",
    "ManualClock",
    "PcThresholds",
    "Store",
    "conjunction_level",
    "parse_clock",
]

# Imported on first use, so that ``cosmo-agent`` builds its parser without loading the
# daemon's dependencies (SQLAlchemy, APScheduler, the screener).
_HOME = {
    "Clock": "clock", "ManualClock": "clock", "parse_clock": "clock", "JOB_ORDER": "runtime",
    "Daemon": "runtime", "DaemonSettings": "settings", "PcThresholds": "store",
    "Store": "store", "conjunction_level": "store",
}  # fmt: skip


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value
