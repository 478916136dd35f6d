"""``cosmo-agent daemon``: the command line of the fleet-monitoring daemon.

Flags override the environment (``COSMO_DAEMON_*``), which overrides the settings file
(``--config``); see :mod:`cosmo_agent.agent.daemon.settings`.  Exit codes: 0 after a clean
stop (SIGTERM/SIGINT) or ``--once``; 2 for bad input (the message names the file or field), a
state directory another daemon holds, or ``--database postgresql://`` without the ``postgres``
extra.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["add_arguments", "main", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The daemon's flags (shared by ``cosmo-agent daemon`` and ``python -m``)."""
    p.add_argument("--mission", help="mission YAML: fleet, stations, data sources, policies")
    p.add_argument("--config", dest="config_file", help="settings file (.yaml, .toml, .json)")
    p.add_argument("--http", help="serve the live dashboard (/) and /healthz /readyz /metrics on"
                   " HOST:PORT (a non-loopback host needs COSMO_DAEMON_HTTP_TOKEN)")  # fmt: skip
    p.add_argument("--state-dir", help="databases, catalog snapshots and alert files"
                   " (default ./cosmo-daemon-state)")  # fmt: skip
    p.add_argument("--database", dest="state_db_url",
                   help="postgresql://USER@HOST:PORT/DB: the state on PostgreSQL; daemons on one"
                   " database elect a leader, the others stand by (default: SQLite in the state"
                   " directory)")  # fmt: skip
    p.add_argument("--clock", help="real | fixed:ISO | sim:ISO[@RATE] (default real)")
    p.add_argument("--scaleout", choices=["auto", "inline", "process", "dask"])
    p.add_argument("--workers", type=int, help="local screening processes")
    p.add_argument("--dask-scheduler", help="tcp://HOST:8786: screen shards on that cluster")
    p.add_argument("--webhook", dest="webhook_url", help="POST every alert to this URL")
    p.add_argument("--jsonl", dest="jsonl_path", help="alert JSONL file (default in state dir)")
    p.add_argument("--plan-dir", help="write accepted plans as JSON files to this folder or"
                   " s3:// URL (default STATE_DIR/plans)")  # fmt: skip
    p.add_argument("--once", action="store_true", help="run every job once, then exit")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    names = ("mission", "config_file", "http", "state_dir", "state_db_url", "clock", "scaleout",
             "workers", "dask_scheduler", "jsonl_path", "plan_dir")  # fmt: skip
    out = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    if getattr(args, "webhook_url", None):
        out["webhook"] = {"url": args.webhook_url}
    return out


def run(args: argparse.Namespace) -> int:
    """Build the settings from the flags, then run the daemon until it is told to stop."""
    from pydantic import ValidationError

    from cosmo_agent.agent.daemon.clock import ClockSpecError
    from cosmo_agent.agent.daemon.leadership import MissingPostgresDriver, StateInUse
    from cosmo_agent.agent.daemon.runtime import Daemon, configure_logging
    from cosmo_agent.agent.daemon.settings import DaemonSettings, SettingsFileError
    from cosmo_agent.tools.mission import MissionError

    def fail(message: str) -> int:
        print(f"cosmo-agent daemon: {message}", file=sys.stderr)
        return 2

    try:
        settings = DaemonSettings(**_overrides(args))
    except SettingsFileError as exc:
        return fail(str(exc))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}:"
            f" {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        return fail(f"bad settings: {problems}")
    if settings.mission is None:
        return fail("no mission: pass --mission FLEET.yaml (or COSMO_DAEMON_MISSION)")
    configure_logging(getattr(logging, str(args.log_level).upper()))
    try:
        daemon = Daemon(settings)
    except MissionError as exc:
        return fail(str(exc).replace("\n", " "))
    except (ClockSpecError, OSError, StateInUse, MissingPostgresDriver) as exc:
        return fail(str(exc))
    except Exception as exc:  # the database refused (a wrong URL, a server that is down)
        if type(exc).__module__.split(".")[0] not in ("sqlalchemy", "psycopg"):
            raise
        from sqlalchemy.engine import make_url

        where = make_url(settings.state_url())  # the password (if any) shown as ***
        return fail(f"cannot open the state database {where}: {str(exc).splitlines()[0]}")
    if args.once and not daemon.leading:
        daemon.shutdown()
        return fail("another daemon leads on this database: --once would run its jobs beside"
                    " it; stop it first or run without --once (as a standby)")
    if args.once:
        with daemon:
            reports = daemon.run_once()
        print(json.dumps({k: {"status": r.status, "detail": r.detail,
                              **({"reasons": list(r.reasons)} if r.reasons else {})}
                          for k, r in reports.items()}), file=sys.stderr)  # fmt: skip
        return 0
    try:
        return int(daemon.run())
    except OSError as exc:  # e.g. the HTTP port is taken
        daemon.shutdown()
        return fail(f"cannot start: {exc}")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m cosmo_agent.agent.daemon``."""
    parser = argparse.ArgumentParser(prog="cosmo-agent daemon", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
