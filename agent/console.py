"""Agent subcommands of ``cosmo-agent``: plan, ask, validate, release, passes, schedule, keygen,
and the JSON Schemas of the mission file (``mission-schema``) and of the plan file
(``plan-schema``).

``plan -o`` writes a DRAFT (its JSON has ``"release": null``; ``.seq``/``.ycs`` headers say
DRAFT). ``release`` is the gate: it exports a plan only if it validates at the current clock
(or ``--now``) with every hazardous command approved, every approval bound to the plan's
content and, with ``--trust-key``, a valid signature by that key; otherwise it lists the
violations, writes nothing and exits 1. ``plan --sign-key`` signs the approved plan
(Ed25519, :mod:`cosmo_agent.agent.signing`); ``keygen`` makes a key pair. ``plan -o`` checks
the output folder before anything is approved, and if writing still fails after approval
the approved plan is saved elsewhere and the message says where.

A thin shell over :class:`~cosmo_agent.agent.runner.Agent` and the tool helpers; ``agent/cli.py``
registers the parsers (:func:`add_parsers`) and dispatches (:func:`run`). Exit codes: 0 ok,
1 plan rejected (validation or approval) or incomplete, or an ``ask`` answer with a failed
tool call, 2 bad input (the message names the file and field;
no traceback). ``plan`` and ``ask`` read the mission's catalog before planning, so a catalog
that cannot be read, or a ``sources.space_weather`` path that does not exist, is bad input
rather than an empty plan. Progress goes to stderr (a Rich spinner), never with ``--json``.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="cosmo-agent")
>>> add_parsers(parser.add_subparsers(dest="command"))
>>> parser.parse_args(["plan", "m.yaml", "--approve-all"]).approve_all
True
>>> args = parser.parse_args(["schedule", "--mission", "m.yaml", "--duration-h", "6"])
>>> args.mission, args.duration_h, args.objective
('m.yaml', 6.0, 'max_volume')
"""

from __future__ import annotations

import argparse
import errno
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stdout
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from cosmo_agent.agent.jsontypes import JsonObject, JsonValue

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )
    from rich.console import Console, RenderableType
    from rich.table import Table

    from cosmo_agent.agent.graph import ApprovalMode
    from cosmo_agent.agent.plan import CommandPlan, ValidationReport
    from cosmo_agent.agent.runner import Agent, PlanResult
    from cosmo_agent.orbital.catalog import Catalog
    from cosmo_agent.tools.mission import Mission
    from cosmo_agent.tools.registry import ToolOutcome
    from cosmo_agent.tools.toolkit import ToolResult

__all__ = [
    "COMMANDS",
    "add_parsers",
    "print_tables",
    "progress_bar",
    "run",
    "table",
    "utc_text",
    "write_csv",
]

COMMANDS: Final = (
    "plan",
    "ask",
    "validate",
    "release",
    "passes",
    "schedule",
    "keygen",
    "mission-schema",
    "plan-schema",
)
"""The subcommands this module serves."""


class UserError(Exception):
    """A mistake in the command's input: one line on stderr, exit code 2."""


# -- parsers -------------------------------------------------------------------------------------


_JSON_HELP: Final = "print the result as JSON (default: text and tables)"


def _planner_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--planner",
        choices=("rules", "cosmo", "hybrid", "openai"),  # planners.PLANNER_NAMES, not imported
        default="rules",
        help="who chooses the tool calls (default: rules, no model needed; hybrid: the rules,"
        " and Cosmo for the requests they cannot read)",
    )
    p.add_argument("--model", help="cosmo and hybrid planners: transformers model directory")
    p.add_argument("--openai-base-url", help="openai planner: API root, e.g. http://host:8000/v1")
    p.add_argument(
        "--openai-model", default="gpt-4o-mini", help="openai planner: model (default gpt-4o-mini)"
    )
    p.add_argument("--now", help="planning clock, ISO 8601 UTC (default: the mission horizon)")
    p.add_argument("--json", action="store_true", help="machine-readable output, no progress")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the agent subcommands to an ``argparse`` subparsers object."""
    p = sub.add_parser("plan", help="plan a mission: tools, command plan, validation, approval")
    p.add_argument("mission", help="mission YAML file")
    p.add_argument("-o", "--output", help="write the plan here (seq/ycs: one file per satellite)")
    p.add_argument(
        "--format",
        choices=("json", "seq", "ycs"),
        default="json",
        help="json (canonical, the default), seq (F Prime sequence) or ycs (Yamcs stack)",
    )
    approval = p.add_mutually_exclusive_group()
    approval.add_argument(
        "--approve-all",
        action="store_true",
        help='approve hazardous commands as "operator-cli" (recorded)',
    )
    approval.add_argument(
        "--interactive",
        action="store_true",
        help="ask on the terminal who approves each hazardous command",
    )
    p.add_argument("--checkpoint", help="SQLite file: makes the run resumable by --thread-id")
    p.add_argument("--thread-id", help="run id (default: a new one)")
    p.add_argument(
        "--sign-key",
        metavar="KEY",
        help="sign the approved plan with this Ed25519 private key (PEM or raw 32 bytes)",
    )
    p.add_argument(
        "--report",
        metavar="REPORT.html",
        help="also write the HTML operations report (one offline file: map, contacts, "
        "conjunctions, space weather, the plan); needs the 'report' extra (plotly)",
    )
    p.add_argument(
        "--figures",
        metavar="DIR",
        help="also write the report's views as PNG figures in DIR (made if missing): map, "
        "contacts, sky plot, conjunctions, space weather, the plan; needs the 'report' extra "
        "(matplotlib)",
    )
    _planner_options(p)
    p = sub.add_parser("ask", help="answer one operator request (English or Korean) with tools")
    p.add_argument("text", help="the request")
    p.add_argument("--mission", required=True, help="mission YAML file")
    p.add_argument("--trace-json", help='write {"request", "tool_calls", "answer"} here')
    _planner_options(p)
    p = sub.add_parser("validate", help="validate a plan JSON file against its mission")
    p.add_argument("plan", help="plan JSON file (cosmo-agent plan -o)")
    p.add_argument("--mission", required=True, help="mission YAML file")
    p.add_argument(
        "--now",
        help="validation clock, ISO 8601 UTC (default: the current UTC time); passes, element "
        "ages and space weather are re-derived from the mission's sources at this clock",
    )
    p.add_argument("--json", action="store_true", help=_JSON_HELP)
    p.add_argument(
        "--trust-key",
        metavar="PUB",
        help="require a valid signature by this Ed25519 public key (PEM or raw 32 bytes)",
    )
    p = sub.add_parser(
        "release", help="export a plan only if it is valid now, approved and bound to its content"
    )
    p.add_argument("plan", help="plan JSON file (cosmo-agent plan -o)")
    p.add_argument("--mission", required=True, help="mission YAML file")
    p.add_argument(
        "--format",
        choices=("json", "seq", "ycs"),
        default="json",
        help="json (canonical, with the release record; the default), seq (F Prime) or ycs"
        " (Yamcs stack)",
    )
    p.add_argument(
        "-o", "--output", required=True, help="write here (seq/ycs: one file per satellite)"
    )
    p.add_argument("--now", help="release time, ISO 8601 UTC (default: the wall clock)")
    p.add_argument(
        "--trust-key",
        metavar="PUB",
        help="require a valid signature by this Ed25519 public key (PEM or raw 32 bytes)",
    )
    p.add_argument("--json", action="store_true", help=_JSON_HELP)
    p = sub.add_parser("keygen", help="make an Ed25519 key pair for plan signatures")
    p.add_argument(
        "-o", "--output", required=True, metavar="KEY", help="private key file; KEY.pub is public"
    )
    for name, what in (("passes", "ground-station passes"), ("schedule", "a contact schedule")):
        p = sub.add_parser(name, help=f"{what} of the mission's fleet (the {name} tool)")
        p.add_argument("--mission", help="mission YAML file")
        # The first spellings (a positional mission file, --hours) still work, unlisted.
        p.add_argument("mission_file", nargs="?", metavar="MISSION", help=argparse.SUPPRESS)
        p.add_argument(
            "--satellites", nargs="+", default=["all"], help='names, or "all" (the default)'
        )
        p.add_argument(
            "--stations", nargs="+", default=["all"], help='names, or "all" (the default)'
        )
        p.add_argument(
            "--duration-h", type=float, metavar="H", help="hours (default: the mission horizon)"
        )
        p.add_argument("--hours", type=float, dest="duration_h", help=argparse.SUPPRESS)
        p.add_argument("--now", help="start, ISO 8601 UTC (default: the mission horizon)")
        p.add_argument("--json", action="store_true", help=_JSON_HELP)
        rows = "passes" if name == "passes" else "contacts"
        p.add_argument("--csv", metavar="FILE", help=f"also write the {rows} as CSV (UTC times)")
        if name == "schedule":
            p.add_argument(
                "--objective",
                choices=("max_volume", "max_priority"),
                default="max_volume",
                help="what the scheduler maximises (default max_volume)",
            )
    sub.add_parser("mission-schema", help="print the mission file's JSON Schema")
    sub.add_parser(
        "plan-schema", help="print the JSON Schema of the plan file (cosmo-agent plan -o)"
    )


def run(args: argparse.Namespace) -> int:
    """Run one of :data:`COMMANDS`; returns the exit code."""
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "plan": _plan,
        "ask": _ask,
        "validate": _validate_signed,
        "release": _release,
        "keygen": _keygen,
        "passes": _passes,
        "schedule": _schedule,
        "mission-schema": _mission_schema,
        "plan-schema": _plan_schema,
    }
    zone = _ZONE.set(None)
    try:
        return handlers[args.command](args)
    except Exception as exc:
        if not isinstance(exc, _input_errors()):
            raise
        print(f"cosmo-agent {args.command}: {exc}", file=sys.stderr)
        return 2
    finally:
        _ZONE.reset(zone)


_INPUT_ERRORS: Final = (
    ("cosmo_agent.tools.mission", "MissionError"),
    ("cosmo_agent.agent.planners", "PlannerError"),
)
"""The library's exceptions that mean bad input (exit 2), by module and name."""


def _input_errors() -> tuple[type[Exception], ...]:
    """:class:`UserError` and those of :data:`_INPUT_ERRORS` whose module is loaded.

    Looked up rather than imported, so that ``mission-schema`` or ``keygen`` do not load the
    planners: an exception class whose module was never imported cannot have been raised.
    """
    found: list[type[Exception]] = [UserError]
    for module, name in _INPUT_ERRORS:
        loaded = sys.modules.get(module)
        if loaded is not None:
            found.append(getattr(loaded, name))
    return tuple(found)


# -- helpers -------------------------------------------------------------------------------------


def _time(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"--{name} {text!r} is not ISO 8601; e.g. 2026-06-10T12:00:00Z") from None
    if value.tzinfo is None:
        raise UserError(f"--{name} {text!r} has no timezone; append 'Z' for UTC")
    return value.astimezone(UTC)


def _mission(path: str) -> Mission:
    from cosmo_agent.tools.mission import load_mission

    mission = load_mission(path)
    _ZONE.set(mission.time_zone)  # the command's tables show its local time (run() resets it)
    return mission


def _catalog(mission: Mission, mission_file: str) -> Catalog:
    """The mission's catalog, read before planning: one that cannot be read is bad input.

    Without element sets every tool fails, and the plan would be an empty "accepted" one.
    """
    from cosmo_agent.tools.registry import ToolContext, ToolError

    try:
        return ToolContext.from_mission(mission).catalog
    except ToolError as err:
        raise UserError(f"{mission_file}: {err.message}") from None


def _check_space_weather(mission: Mission, mission_file: str) -> None:
    """A ``sources.space_weather`` path that does not exist is a mistake in the mission file.

    Only that: a feed that is stale, unreachable or partly unreadable is data the planner
    reports (the space_weather tool's warnings and errors), not bad input.
    """
    ref = mission.sources.space_weather
    if ref is None:
        return
    path = mission.resolve_path(ref)
    if "://" not in path and not Path(path).exists():
        raise UserError(
            f"{mission_file}: sources.space_weather: {path} does not exist; give a snapshot"
            " file, a directory of snapshots or an http(s):// URL (or leave it out for the"
            " bundled sample)"
        )


def _planning_mission(path: str) -> tuple[Mission, Catalog]:
    """The mission of ``plan``/``ask`` and its catalog, with its data sources checked."""
    mission = _mission(path)
    catalog = _catalog(mission, path)
    _check_space_weather(mission, path)
    return mission, catalog


def _agent(args: argparse.Namespace, mission: Mission, **extra: Any) -> Agent:
    from cosmo_agent.agent.runner import Agent

    options = {
        "model_path": args.model,
        "base_url": args.openai_base_url,
        "model": args.openai_model,
    }
    return Agent(
        mission, planner=args.planner, now=_time(args.now, "now"), planner_options=options, **extra
    )


@contextmanager
def _progress(enabled: bool, title: str) -> Iterator[Callable[[str, str], None] | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status(title) as status:

        def report(step: str, message: str) -> None:
            status.update(f"{title}: {step} - {message}")
            if step in ("tools", "repair", "approve"):
                console.print(f"{step}: {message}", highlight=False)

        yield report


def _is_terminal(stream: object) -> bool:
    """Whether ``stream`` is an open terminal (a closed or replaced stream is not)."""
    try:
        return bool(getattr(stream, "isatty", lambda: False)())
    except (OSError, ValueError):
        return False


@contextmanager
def progress_bar(
    title: str, unit: str, *, enabled: bool = True
) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr, fed by the ``progress(done, total)`` callback it yields.

    None (nothing drawn, nothing written) unless ``enabled`` (commands pass ``not
    args.json``) and stderr is a terminal: into a pipe or a file the command's stderr stays
    as it was. ``done`` and ``total`` count real units of work, ``unit`` names them
    (``"windows"``, ``"steps"``). The bar appears at the first call, so a command that fails
    before any work draws nothing, and is erased when the block ends, so that only the
    command's own output stays; stdout is never redirected unless it is a terminal too, where
    lines printed meanwhile go above the bar.
    """
    if not (enabled and _is_terminal(sys.stderr)):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    shown: list[tuple[Progress, TaskID]] = []

    def report(done: int, total: int) -> None:
        if not shown:
            bar = Progress(
                TextColumn(title),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(unit),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(file=sys.stderr, force_terminal=True, highlight=False),
                transient=True,
                redirect_stdout=_is_terminal(sys.stdout),
            )
            bar.start()
            shown.append((bar, bar.add_task(title, total=total)))
        bar, task = shown[0]
        bar.update(task, completed=done, total=total)

    try:
        yield report
    finally:
        for bar, _ in shown:
            bar.stop()


def _write(path: Path | str, text: str) -> None:
    """``text`` to a file or an object URL (``s3://``), all or nothing."""
    from cosmo_agent.tools.storage import write_bytes

    try:
        write_bytes(str(path), text.encode())
    except OSError as exc:
        raise UserError(f"{path}: cannot write ({exc.strerror})") from None


# -- plan ----------------------------------------------------------------------------------------


def _plan(args: argparse.Namespace) -> int:
    mission, catalog = _planning_mission(args.mission)
    # the output folder and the signing key are checked before anything is asked or approved
    out = None if args.output is None else _destination(args.output, "nothing was planned")
    report = (
        None
        if args.report is None
        else _destination(args.report, "nothing was planned", "--report")
    )
    figures_dir = None
    if args.figures is not None:
        from cosmo_agent.agent.figures import FiguresError, check_figures_dir

        try:
            figures_dir = check_figures_dir(args.figures)
        except FiguresError as exc:
            raise UserError(f"{exc} (nothing was planned)") from None
    signer = None if args.sign_key is None else _signing_key(args.sign_key)
    if args.checkpoint is not None:
        _check_checkpoint(args.checkpoint)
    approval: ApprovalMode = (
        "approve_all" if args.approve_all else "interrupt" if args.interactive else "reject"
    )
    with _agent(args, mission, checkpoint=args.checkpoint, catalog=catalog) as agent:
        with _progress(not args.json, "planning") as progress:
            result = agent.plan(approval=approval, thread_id=args.thread_id, progress=progress)
        while result.status == "awaiting_approval" and result.pending is not None:
            decision = _ask_approval(result.pending)
            with _progress(not args.json, "finishing") as progress:
                result = agent.resume(result.thread_id, decision, progress=progress)
    plan = result.plan
    if signer is not None and result.ok and plan is not None:
        from cosmo_agent.agent.signing import sign_plan

        plan = sign_plan(plan, signer)
    written: list[str] = []
    failure: str | None = None
    data: JsonObject = result.to_jsonable()
    if plan is not None:
        data["plan"] = plan.to_jsonable()
    if result.ok and out is not None and plan is not None and result.report is not None:
        try:
            written = _export(plan, result.report, mission, out, args.format)
        except UserError as exc:
            approved = (result.approval or {}).get("status") == "approved"
            where = _save_elsewhere(plan, result.report)
            data["saved"] = where
            failure = (
                f"{exc}; the {'approved ' if approved else ''}plan was saved to {where} instead"
                " (JSON: cosmo-agent release can export it)"
            )
    figures: list[str] = []
    if report is not None or figures_dir is not None:
        from cosmo_agent.agent.report import ReportError, plan_views, write_page

        views = plan_views(result, mission)  # once, for the page and the figures alike
        if report is not None:
            try:
                data["report"] = str(write_page(views, report))
            except ReportError as exc:
                failure = failure or f"--report: {exc}"
        if figures_dir is not None:
            from cosmo_agent.agent.figures import write_figures

            try:
                figures = [str(p) for p in write_figures(views, figures_dir)]
                listed: list[JsonValue] = list(figures)
                data["figures"] = listed
            except ReportError as exc:
                failure = failure or str(exc)
    if args.json:
        print(json.dumps({**data, "written": written}, ensure_ascii=False))
    else:
        _print_plan(result, written, args.output)
        if "report" in data:
            print(f"report {data['report']}")
        if figures:
            print("figures " + ", ".join(figures))
    if failure is not None:
        raise UserError(failure)
    return 0 if result.ok else 1


def _output_path(text: str, consequence: str, option: str = "-o") -> Path:
    """``-o``: a file in a folder that exists and can be written (checked before any work)."""
    out = Path(text)
    folder = out.parent
    if not folder.is_dir():
        raise UserError(
            f"{option} {out}: the folder {folder} does not exist; create it or choose another"
            f" path ({consequence})"
        )
    if out.is_dir():
        raise UserError(f"{option} {out} is a folder; give a file name in it ({consequence})")
    if not os.access(folder, os.W_OK):
        raise UserError(f"{option} {out}: the folder {folder} is not writable ({consequence})")
    return out


def _destination(text: str, consequence: str, option: str = "-o") -> str:
    """An output that may also be an object URL (``s3://bucket/plan.json``): its bucket must
    exist and the credentials reach it; a local one as :func:`_output_path` checks it."""
    from cosmo_agent.tools.storage import check_bucket, is_object_url

    if not is_object_url(text):
        return str(_output_path(text, consequence, option))
    try:
        check_bucket(text)
    except OSError as exc:
        raise UserError(f"{option} {exc} ({consequence})") from None
    return text


_SQLITE_MAGIC: Final = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""


def _check_checkpoint(text: str) -> None:
    """``--checkpoint``: a SQLite file, or a new file in a folder that exists."""
    path = Path(text)
    advice = "give a SQLite file name, e.g. --checkpoint runs.sqlite (made if missing)"
    if path.is_dir():
        raise UserError(f"--checkpoint {path} is a folder; {advice}")
    if not path.exists():
        if not path.parent.is_dir():
            raise UserError(f"--checkpoint {path}: the folder {path.parent} does not exist")
        return
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise UserError(f"--checkpoint {path}: cannot read ({exc.strerror})") from None
    if head and head != _SQLITE_MAGIC:
        raise UserError(f"--checkpoint {path} is not a SQLite database; {advice}")


def _save_elsewhere(plan: CommandPlan, report: ValidationReport) -> str:
    """Keep a plan whose output failed: a new JSON file in the temp folder (or stdout)."""
    import tempfile

    from cosmo_agent.agent.export import plan_to_json

    text = plan_to_json(plan, report) + "\n"
    try:
        fd, name = tempfile.mkstemp(prefix="cosmo-agent-plan-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError:
        sys.stdout.write(text)
        return "standard output (above)"
    return name


def _signing_key(path: str) -> Ed25519PrivateKey:
    from cosmo_agent.agent.signing import SigningKeyError, load_private_key

    try:
        return load_private_key(path)
    except SigningKeyError as exc:
        raise UserError(f"--sign-key {exc}") from None


def _trusted_key(path: str) -> Ed25519PublicKey:
    from cosmo_agent.agent.signing import SigningKeyError, load_public_key

    try:
        return load_public_key(path)
    except SigningKeyError as exc:
        raise UserError(f"--trust-key {exc}") from None


def _export(
    plan: CommandPlan, report: ValidationReport, mission: Mission, out: str, fmt: str
) -> list[str]:
    from cosmo_agent.agent.export import write_plan_files

    try:
        return write_plan_files(plan, report, mission, out, fmt)
    except OSError as exc:
        raise UserError(f"{exc.filename or out}: cannot write ({exc.strerror or exc})") from None


def _print_plan(result: PlanResult, written: list[str], output: str | None) -> None:
    print(result.briefing)
    if result.plan is not None and result.plan.commands:
        print_tables(_command_table(result.plan))
    if result.reasons:
        print("Plan incomplete:" if result.status == "incomplete" else "Plan rejected:")
        for reason in result.reasons[:20]:
            print(f"  - {reason}")
        if len(result.reasons) > 20:
            print(f"  ... and {len(result.reasons) - 20} more (see --json)")
    for path in written:
        print(f"wrote {path}")
    if output and not written:
        print(
            f"nothing written to {output}"
            + (f" (the plan is {result.status})" if not result.ok else "")
        )
    print(f"thread {result.thread_id}")


def _command_table(plan: CommandPlan) -> Table:
    """The plan's commands in time order: when, which satellite, what, with what, approved by."""
    t = table(
        f"Commands ({len(plan.commands)})",
        *("#>", "time", "satellite", "command", "parameters", "uplink", "approved by"),
    )
    for index, c in enumerate(plan.commands):
        parameters = ", ".join(f"{k}={v}" for k, v in c.parameters.items())
        uplink = "-" if c.uplink is None else f"{c.uplink.station_id}/{c.uplink.antenna_id}"
        approved = ", ".join(f"{a.by} ({a.role})" for a in c.approvals) or "-"
        t.add_row(
            str(index), utc_text(c.time), c.satellite.name, c.command, parameters or "-", uplink,
            approved,
        )  # fmt: skip
    return t


def _ask_approval(pending: dict[str, Any]) -> dict[str, Any]:
    """Ask on the terminal (stderr/stdin) who approves the pending hazardous commands."""
    commands = pending.get("commands", [])
    err = sys.stderr
    print(f"\nApproval needed for {len(commands)} hazardous command(s):", file=err)
    for c in commands:
        print(
            f"  [{c['index']}] {utc_text(c['time'])} {c['satellite']} {c['command']}"
            f" {c['parameters']}",
            file=err,
        )
        print(f"      hazard: {c.get('hazard')}; roles: {', '.join(c['roles'])}", file=err)
        print(f"      why: {c.get('rationale')}", file=err)

    def ask(prompt: str) -> str:
        print(prompt, end="", file=err, flush=True)
        return sys.stdin.readline().strip()

    if ask("Approve these commands? [y/N] ").lower() not in ("y", "yes"):
        return {"approve": False, "comment": "rejected on the terminal"}
    roles = list(dict.fromkeys(r for c in commands for r in c["roles"]))
    names = {}
    for role in roles:
        name = ask(f"Name of the approving {role}: ")
        if not name:
            return {"approve": False, "comment": f"no {role} named"}
        names[role] = name
    approvals = [
        {"index": c["index"], "role": r, "by": names[r]} for c in commands for r in c["roles"]
    ]
    return {"approve": True, "approvals": approvals}


# -- ask -----------------------------------------------------------------------------------------


def _ask(args: argparse.Namespace) -> int:
    mission, catalog = _planning_mission(args.mission)
    with (
        _agent(args, mission, catalog=catalog) as agent,
        _progress(not args.json, "thinking") as progress,
    ):
        result = agent.ask(args.text, progress=progress)
    if args.trace_json:
        _write(
            Path(args.trace_json),
            json.dumps(result.trace_json(), ensure_ascii=False, indent=2) + "\n",
        )
    # an answer with a refused or failed call is incomplete: exit 1, naming the calls
    failed = [
        f"{e['name']} ({e.get('error_code') or 'error'})" for e in result.trace if not e["ok"]
    ]
    code = 1 if failed else 0
    if failed:
        print(
            f"cosmo-agent ask: {len(failed)} of {len(result.trace)} tool calls failed:"
            f" {', '.join(failed)}; the answer says why",
            file=sys.stderr,
        )
    if args.json:
        print(
            json.dumps(
                {
                    "request": result.request,
                    "language": result.language,
                    "tool_calls": result.trace,
                    "answer": result.answer,
                },
                ensure_ascii=False,
            )
        )
        return code
    lines: list[RenderableType | str] = []
    for e in result.trace:  # a transcript: each call as the planner wrote it, then the answer
        args_text = json.dumps(e.get("raw_args", e["args"]), ensure_ascii=False)
        status = "ok" if e["ok"] else "error"
        lines.append(f"→ {e['name']}({args_text}) [{status}, {e['duration_s']:.2f} s]")
        lines.append(f"    {_people_times(str(e['summary']))}")
    lines.append(_people_times(result.answer))
    print_tables(*lines)
    return code


# -- validate ------------------------------------------------------------------------------------


def _read_plan(path: str) -> CommandPlan:
    from pydantic import ValidationError

    from cosmo_agent.agent.export import plan_from_json

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot read the plan ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: the plan is not UTF-8 text") from None
    try:
        return plan_from_json(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in exc.errors()[:5]
        )
        more = f" (+{exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
        raise UserError(f"{path}: not a command plan: {problems}{more}") from None


def _validate(args: argparse.Namespace) -> int:
    from cosmo_agent.agent.validator import validate_plan
    from cosmo_agent.tools.registry import ToolContext

    mission = _mission(args.mission)
    plan = _read_plan(args.plan)
    now = _time(args.now, "now") or datetime.now(UTC)
    sources = ToolContext.from_mission(mission, now=now)
    report = validate_plan(plan, mission, now=now, sources=sources)
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), ensure_ascii=False))
    else:
        items: list[RenderableType | str] = [f"{report.summary()}; checked at {utc_text(now)}"]
        if report.violations:
            found = [v.model_dump(mode="json") for v in report.violations]
            items.append(_violations_table(f"Violations ({len(found)})", found))
        print_tables(*items)
    return 0 if report.ok else 1


def _violations_table(title: str, violations: Sequence[Mapping[str, Any]]) -> Table:
    """Violations as the validator's JSON writes them, in its order, times for people."""
    t = table(title, "severity", "rule", "command", "message")
    for v in violations:
        index = v.get("command_index")
        t.add_row(
            str(v["severity"]), str(v["rule"]), "plan" if index is None else str(index),
            _people_times(str(v["message"])),
        )  # fmt: skip
    return t


def _validate_signed(args: argparse.Namespace) -> int:
    """``validate``, and with ``--trust-key`` the plan's signature too (signature.* errors).

    The signature check comes first (text), or joins the report's violations (``--json``:
    ``ok`` false and the ``signature.*`` entries added); the exit code is the worse of both.
    """
    if args.trust_key is None:
        return _validate(args)
    from cosmo_agent.agent.signing import key_id, verify_plan

    trusted = _trusted_key(args.trust_key)
    problems = verify_plan(_read_plan(args.plan), trusted)
    if not args.json:
        verdict = "FAILED" if problems else "OK"
        items: list[RenderableType | str] = [
            f"signature: {verdict} (trusted key {key_id(trusted)})"
        ]
        if problems:
            items.append(_violations_table("Signature", [p.to_jsonable() for p in problems]))
        print_tables(*items)
        code = _validate(args)
        if problems:
            print("FAILED: the signature check above failed; the plan must not be uplinked")
        return max(code, 1 if problems else 0)
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        code = _validate(args)
    try:
        data = json.loads(buffer.getvalue())
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("violations"), list):
        sys.stdout.write(buffer.getvalue())  # not the report's JSON: pass it on unchanged
        print(json.dumps({"signature": [p.to_jsonable() for p in problems]}, ensure_ascii=False))
    else:
        data["violations"] += [p.to_jsonable() for p in problems]
        data["ok"] = bool(data.get("ok")) and not problems
        data["trusted_key"] = key_id(trusted)
        print(json.dumps(data, ensure_ascii=False))
    return max(code, 1 if problems else 0)


# -- release / keygen ----------------------------------------------------------------------------


def _release(args: argparse.Namespace) -> int:
    """The release gate: export only a plan valid now, approved, bound and (optionally) signed."""
    from cosmo_agent.agent.plan import PlanRelease
    from cosmo_agent.agent.signing import key_id, verify_plan
    from cosmo_agent.agent.validator import validate_plan
    from cosmo_agent.orbital.timescales import iso_utc
    from cosmo_agent.tools.registry import ToolContext

    mission = _mission(args.mission)
    plan = _read_plan(args.plan)
    out = _destination(args.output, "nothing was released")
    trusted = None if args.trust_key is None else _trusted_key(args.trust_key)
    now = _time(args.now, "now") or datetime.now(UTC)
    # as strict as `validate`: re-derived from the mission's own sources at the release clock
    sources = ToolContext.from_mission(mission, now=now)
    report = validate_plan(plan, mission, now=now, sources=sources)
    problems: list[JsonObject] = [v.model_dump(mode="json") for v in report.errors()]
    if trusted is not None:
        problems += [p.to_jsonable() for p in verify_plan(plan, trusted)]
    if not plan.commands:
        problems.append(
            {
                "rule": "release.no_commands",
                "severity": "error",
                "command_index": None,
                "message": "the plan has no commands; there is nothing to release",
                "parameter": None,
            }
        )
    warnings = [v.model_dump(mode="json") for v in report.warnings()]
    result: dict[str, object] = {
        "released": not problems,
        "plan": args.plan,
        "checked_at": iso_utc(now),
        "violations": problems,
        "warnings": warnings,
        "written": [],
        "release": None,
    }
    if problems:
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            print_tables(
                f"NOT RELEASED: {len(problems)} violation(s) at {utc_text(now)}; nothing written",
                _violations_table(f"Violations ({len(problems)})", problems),
            )
        return 1
    record = PlanRelease(
        released_at=datetime.now(UTC),
        checked_at=now,
        content_digest=plan.content_digest(),
        signature_digest=plan.signature_digest(),
        trusted_key=None if trusted is None else key_id(trusted),
    )
    released = plan.model_copy(update={"release": record})
    written = _export(released, report, mission, out, args.format)
    result |= {"written": written, "release": record.model_dump(mode="json")}
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    signed = "" if trusted is None else f", signed by trusted key {record.trusted_key}"
    items: list[RenderableType | str] = [
        f"RELEASED for {utc_text(now)}: {report.summary()}{signed}"
    ]
    facts = table("Release record", "field", "value")
    facts.add_row("released at", utc_text(record.released_at))
    facts.add_row("valid at (checked)", utc_text(record.checked_at))
    facts.add_row("content sha256", record.content_digest)
    facts.add_row("signature sha256", record.signature_digest or "- (not signed)")
    facts.add_row("trusted key", record.trusted_key or "-")
    items.append(facts)
    if warnings:
        items.append(_violations_table(f"Warnings ({len(warnings)})", warnings))
    items += [f"wrote {path}" for path in written]
    print_tables(*items)
    return 0



def _keygen(args: argparse.Namespace) -> int:
    from cosmo_agent.agent.signing import generate_key

    key = _output_path(args.output, "no key was made")
    pub = key.with_name(key.name + ".pub")
    for path in (key, pub):
        if path.exists():
            raise UserError(f"{path} exists; keys are never overwritten, choose another -o")
    private, public, kid = generate_key()
    try:
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(private)
        pub.write_bytes(public)
    except OSError as exc:
        raise UserError(f"{key}: cannot write the key ({exc.strerror})") from None
    print(f"wrote {key} (private: keep it with the signer, cosmo-agent plan --sign-key {key})")
    print(f"wrote {pub} (public: validate/release --trust-key {pub}); key id {kid}")
    return 0


# -- tables for people ---------------------------------------------------------------------------


_ZONE: ContextVar[str | None] = ContextVar("cosmo_display_zone", default=None)
"""The time zone of the command's mission (``time_zone``), for the tables; None: UTC."""


def utc_text(value: str | datetime | None, zone: str | None = None) -> str:
    """A time for people: ``YYYY-MM-DD HH:MM:SS UTC``, rounded to the second; ``-`` for none.
    In ``zone`` (an IANA name; default: the running command's mission ``time_zone``, if
    any) it is that zone's local time and abbreviation.

    >>> utc_text("2026-06-10T12:00:59.6Z"), utc_text(None)
    ('2026-06-10 12:01:00 UTC', '-')
    >>> utc_text("2026-06-10T12:00:00Z", "Asia/Seoul")
    '2026-06-10 21:00:00 KST'
    """
    zone = zone if zone is not None else _ZONE.get()
    if value is None:
        return "-"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)  # not a time after all: shown as it is
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    rounded = (value.astimezone(UTC) + timedelta(microseconds=500_000)).replace(microsecond=0)
    if zone is None or zone == "UTC":
        return rounded.strftime("%Y-%m-%d %H:%M:%S UTC")
    from zoneinfo import ZoneInfo

    return rounded.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S %Z")


def table(title: str, *columns: str) -> Table:
    """A Rich table whose cells wrap (``fold``) rather than lose characters to an ellipsis.

    A column named with a trailing ``>`` is right-aligned (numbers), e.g. ``"max el°>"``.
    """
    from rich import box
    from rich.table import Table

    out = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    for name in columns:
        right = name.endswith(">")
        out.add_column(name.rstrip(">"), justify="right" if right else "left", overflow="fold")
    return out


_CLOCK: Final = re.compile(r"\d\d:\d\d:\d\d \S+")
"""The time of day and zone of a time as :func:`utc_text` writes it, kept on one line."""


def print_tables(*items: RenderableType | str) -> None:
    """Print tables and lines to stdout.

    On a terminal Rich fits them to its width: cells and lines wrap between words, a time only
    between its date and ``HH:MM:SS UTC`` (or between any words, if the table is too wide for
    that); a table too wide even then is printed one record per row, so that nothing is cut
    off at the edge. Into a pipe or a file each line is as wide as its content needs, so no
    name or time is truncated or wrapped at 80 columns, and no colour codes are written.
    """
    from rich.console import Console
    from rich.table import Table

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            """The reader has gone (``| head``): ``cosmo-agent``'s ``main`` ends quietly."""
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, "the reader of the output has gone")

    console = _Console(highlight=False)
    terminal = console.is_terminal
    if terminal:  # a table too wide for the terminal is printed one record per row
        items = tuple(
            _records(item)
            if isinstance(item, Table) and not _fit_columns(console, item)
            else item
            for item in items
        )  # fmt: skip
    if not terminal:
        wide = Console(width=100_000, file=io.StringIO())
        width = max((wide.measure(item).maximum for item in items), default=80)
        console = _Console(highlight=False, width=max(width, 80), no_color=True)
    for item in items:
        console.print(item, soft_wrap=isinstance(item, str) and not terminal, markup=False)


def _fit_columns(console: Console, t: Table) -> bool:
    """Give each column of ``t`` its narrowest width: its longest word or time of day
    (``HH:MM:SS UTC``), with the usual padding or one space between columns, else its
    longest word; False where even that is wider than ``console``."""
    from rich.cells import cell_len

    cells = [[str(cell) for cell in column.cells] for column in t.columns]
    words = [max((cell_len(w) for c in col for w in c.split()), default=0) for col in cells]
    clocks = [max((cell_len(m) for c in col for m in _CLOCK.findall(c)), default=0)
              for col in cells]  # fmt: skip
    unbounded = console.options.update_width(1 << 30)  # else Rich caps the measure at the width
    whole = [max(pair) for pair in zip(words, clocks, strict=True)]
    for widths, narrow in ((whole, False), (whole, True), (words, True)):
        t.collapse_padding = narrow  # one space between columns instead of two
        for column, width in zip(t.columns, widths, strict=True):
            column.min_width = width or None
        if console.measure(t, options=unbounded).minimum <= console.width:
            return True
    return False


def _records(t: Table) -> Table:
    """``t`` as records, one block of ``column  value`` lines per row (as ``psql``'s expanded
    display), for a terminal narrower than the table."""
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table

    out = Table(title=t.title, box=box.SIMPLE, show_header=False, title_justify="left",
                expand=True)  # fmt: skip
    names = [str(column.header) for column in t.columns]
    out.add_column(overflow="fold", style="bold", width=max(map(cell_len, names), default=1))
    out.add_column(overflow="fold", ratio=1)  # the value takes the room left
    columns = [list(column.cells) for column in t.columns]
    for row in range(t.row_count):
        for k, (name, cells) in enumerate(zip(names, columns, strict=True)):
            out.add_row(name, str(cells[row]), end_section=k == len(names) - 1)
    return out


# -- passes / schedule ---------------------------------------------------------------------------


def _selection(values: list[str]) -> list[str] | str:
    return "all" if [v.casefold() for v in values] == ["all"] else values


def _mission_option(args: argparse.Namespace) -> str:
    """The mission file of passes/schedule: ``--mission FILE`` (or the old positional)."""
    option, positional = args.mission, args.mission_file
    if option is not None and positional is not None and option != positional:
        raise UserError(f"two mission files given ({positional}, --mission {option}); give one")
    path = option if option is not None else positional
    if path is None:
        raise UserError("no mission file; give --mission FILE (e.g. --mission missions/demo.yaml)")
    args.mission = path
    return str(path)


def write_csv(
    path: str, columns: Sequence[str], rows: Sequence[Mapping[str, object]], option: str = "--csv"
) -> None:
    """``rows`` (one dict per row, keys ``columns``) as a CSV file with a header line (also
    when there are no rows); values
    as the tools give them (UTC ISO 8601 times, numbers unrounded). A file that cannot be
    written is a :class:`UserError` naming ``option``."""
    import csv
    import io

    from cosmo_agent.tools.storage import write_bytes

    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=list(columns))
    writer.writeheader()
    writer.writerows(rows)
    try:  # a file or an object URL (s3://), all or nothing
        write_bytes(path, text.getvalue().encode())
    except OSError as exc:
        raise UserError(f"{option} {path}: cannot write ({exc.strerror or exc})") from None


_R = TypeVar("_R", bound="ToolResult")
"""A tool's result type, as :func:`_tool_output` validates it."""


def _tool_output(
    args: argparse.Namespace,
    outcome: ToolOutcome,
    model: type[_R],
    table: Callable[[_R], None],
    csv_rows: Callable[[_R], list[dict[str, object]]] | None = None,
    csv_columns: Sequence[str] = (),
) -> int:
    """Print a tool's result (``--json``: the outcome as JSON; else ``table`` and the summary),
    after ``csv_rows`` to ``--csv``; ``model`` is the tool's result type."""
    if not outcome.ok:
        message = outcome.error.message if outcome.error is not None else "no result"
        raise UserError(f"{args.mission}: {message}")
    result = model.model_validate(outcome.result)
    if csv_rows is not None and getattr(args, "csv", None):
        write_csv(args.csv, csv_columns, csv_rows(result))
    if args.json:
        print(json.dumps(outcome.as_dict(), ensure_ascii=False))
    else:
        table(result)
        print(_people_times(outcome.summary))
    return 0



_ISO_TIME: Final = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)")
"""An ISO 8601 time in a message or summary, shown to people as :func:`utc_text` writes it."""


def _people_times(text: str) -> str:
    """``text`` with each ISO 8601 time in it as :func:`utc_text` writes it.

    >>> _people_times("pass at 2026-06-10T12:00:00.4Z, LOS 2026-06-10T12:09:59.6Z")
    'pass at 2026-06-10 12:00:00 UTC, LOS 2026-06-10 12:10:00 UTC'
    """
    return _ISO_TIME.sub(lambda m: utc_text(m.group()), text)


def _minutes(start: datetime, stop: datetime) -> str:
    """The minutes between two times, one decimal."""
    return f"{(stop - start).total_seconds() / 60.0:.1f}"


def _json_time(t: datetime) -> str:
    """``t`` as the tool's ``--json`` output writes it (pydantic's JSON form)."""
    from pydantic import TypeAdapter

    return str(TypeAdapter(datetime).dump_python(t, mode="json"))


def _passes(args: argparse.Namespace) -> int:
    from cosmo_agent.tools.registry import mission_passes
    from cosmo_agent.tools.toolkit import PassesResult

    outcome = mission_passes(
        _mission(_mission_option(args)),
        satellites=_selection(args.satellites),
        stations=_selection(args.stations),
        duration_h=args.duration_h,
        now=_time(args.now, "now"),
    )

    def show(result: PassesResult) -> None:
        t = table(
            f"Passes from {utc_text(result.start_utc)}",
            *("satellite", "station", "AOS", "TCA", "LOS", "min>", "max el°>"),
        )
        for p in result.passes:
            t.add_row(
                p.satellite.name,
                p.station_id,
                utc_text(p.aos_utc),
                utc_text(p.tca_utc),
                utc_text(p.los_utc),
                _minutes(p.aos_utc, p.los_utc),
                f"{p.max_elevation_deg:.1f}",
            )
        print_tables(t)

    def rows(result: PassesResult) -> list[dict[str, object]]:
        return [
            {"norad_id": p.satellite.norad_id, "satellite": p.satellite.name,
             "station": p.station_id, "aos_utc": _json_time(p.aos_utc),
             "tca_utc": _json_time(p.tca_utc), "los_utc": _json_time(p.los_utc),
             "max_elevation_deg": p.max_elevation_deg}
            for p in result.passes
        ]  # fmt: skip

    return _tool_output(args, outcome, PassesResult, show, rows, _PASS_COLUMNS)


_PASS_COLUMNS: Final = ("norad_id", "satellite", "station", "aos_utc", "tca_utc", "los_utc",
                        "max_elevation_deg")  # fmt: skip
_CONTACT_COLUMNS: Final = ("norad_id", "satellite", "station", "antenna", "aos_utc", "los_utc",
                           "duration_s", "max_elevation_deg", "volume_mbit")  # fmt: skip


def _schedule(args: argparse.Namespace) -> int:
    from cosmo_agent.tools.registry import mission_schedule
    from cosmo_agent.tools.toolkit import ScheduleResult

    outcome = mission_schedule(
        _mission(_mission_option(args)),
        satellites=_selection(args.satellites),
        stations=_selection(args.stations),
        duration_h=args.duration_h,
        objective=args.objective,
        now=_time(args.now, "now"),
    )

    def show(result: ScheduleResult) -> None:
        t = table(
            f"Contact schedule ({result.objective}), {utc_text(result.start_utc)}"
            f" to {utc_text(result.stop_utc)}",
            *("satellite", "station", "antenna", "AOS", "LOS", "min>", "Mbit>"),
        )
        for c in result.contacts:
            t.add_row(
                c.satellite.name,
                c.station_id,
                c.antenna,
                utc_text(c.aos_utc),
                utc_text(c.los_utc),
                _minutes(c.aos_utc, c.los_utc),
                f"{c.volume_mbit:.0f}",
            )
        bound, gap = result.best_bound, result.optimality_gap
        lines = [
            f"solver: {result.solver} {result.solver_status}, objective"
            f" {result.objective_value:.0f}"
            + (f", bound {bound:.0f}" if bound is not None else "")
            + (f", gap {gap:.2%}" if gap is not None else "")
        ]
        lines += [
            f"short: {u.satellite.name} {u.scheduled_contacts}/"
            f"{u.required_contacts} ({u.reason}: {u.detail})"
            for u in result.unmet
        ]
        print_tables(t, *lines)

    def rows(result: ScheduleResult) -> list[dict[str, object]]:
        return [
            {"norad_id": c.satellite.norad_id, "satellite": c.satellite.name,
             "station": c.station_id, "antenna": c.antenna, "aos_utc": _json_time(c.aos_utc),
             "los_utc": _json_time(c.los_utc), "duration_s": c.duration_s,
             "max_elevation_deg": c.max_elevation_deg, "volume_mbit": c.volume_mbit}
            for c in result.contacts
        ]  # fmt: skip

    return _tool_output(args, outcome, ScheduleResult, show, rows, _CONTACT_COLUMNS)


def _mission_schema(args: argparse.Namespace) -> int:
    from cosmo_agent.tools.mission import Mission

    print(json.dumps(Mission.model_json_schema(), indent=2, ensure_ascii=False))
    return 0


def _plan_schema(args: argparse.Namespace) -> int:
    print(json.dumps(_plan_file_schema(), indent=2, ensure_ascii=False))
    return 0


def _plan_file_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a plan file written by ``cosmo-agent plan -o``.

    :class:`~cosmo_agent.agent.plan.CommandPlan` (its ``schema_version`` says which version of
    the format a file holds) plus the optional ``validation`` report the export adds.
    """
    from pydantic.json_schema import models_json_schema

    from cosmo_agent.agent.plan import CommandPlan, ValidationReport

    refs, shared = models_json_schema(
        [(CommandPlan, "validation"), (ValidationReport, "validation")],
        ref_template="#/$defs/{model}",
    )
    defs: dict[str, Any] = dict(shared["$defs"])
    plan_name = refs[(CommandPlan, "validation")]["$ref"].rsplit("/", 1)[-1]
    report_ref = refs[(ValidationReport, "validation")]
    schema = dict(defs.pop(plan_name))
    schema["properties"] = {
        **schema["properties"],
        "validation": {
            **report_ref,
            "description": "the validator's report, as exported with the plan (optional)",
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "$defs": defs,
    }
