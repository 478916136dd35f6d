r"""Plan exports: canonical JSON, NASA F Prime ``.seq`` text and Yamcs command stacks (``.ycs``).

- JSON: :meth:`CommandPlan.canonical_json` (sorted keys, UTC ``Z`` times); read back with
  :func:`plan_from_json`.
- F Prime (``fprime-seqgen`` input, one file per satellite): a ``;`` starts a comment; each
  command line is ``<time> <MNEMONIC> <arg>, <arg> ; comment`` with an absolute time tag
  ``A%Y-%jT%H:%M:%S.%f`` (day of year, e.g. ``A2026-161T13:05:00.000``, UTC). Arguments follow
  the dictionary's parameter order (defaults filled in): strings in double quotes, enum states
  as bare words, floats always with a ``.`` or exponent (seqgen reads a token without one as
  an integer), booleans ``TRUE``/``FALSE``. Relative ``R`` tags are not used: seqgen reads
  them as ``%H:%M:%S`` and so cannot express gaps of a day or more.
- Yamcs (the JSON stack format of Yamcs Web, ``$schema``
  ``https://yamcs.org/schema/stack.schema.json``): ``{"steps": [{"type": "command", "name":
  "/eo-imager/SET_MODE", "arguments": [{"name": "mode", "value": "SAFE"}], "comment":
  "...", "advancement": {"acknowledgment": "Acknowledge_Queued", "wait": 300000}}],
  "advancement": {...}}``, one stack per satellite. A stack has no absolute time tags: when
  it runs, Yamcs Web issues a step, waits for the step's ``acknowledgment`` and then its
  ``wait`` (milliseconds) before the next step. So each step's ``wait`` is the planned gap to
  the next command (the last step has none), the first step's comment says the UTC time to
  start the stack at (e.g. a timeline activity scheduled then), and every step's comment
  carries its planned UTC time. Each acknowledgment's latency adds to the gap that follows
  it; where that matters, use the F Prime absolute time tags.

Exports refuse a plan whose :class:`~cosmo_agent.agent.validator.ValidationReport` has errors
(pass ``allow_invalid=True`` to write one for review; it is marked NOT VALID), and say
"NOT VALIDATED" in the header when no report is given. The header also says whether the plan
is a DRAFT (``cosmo-agent plan -o``) or RELEASED (``cosmo-agent release``, with the release
time), and gives the plan's content digest.

>>> from datetime import datetime, timezone
>>> fprime_time(datetime(2026, 6, 10, 13, 5, tzinfo=timezone.utc))
'A2026-161T13:05:00.000'
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from cosmo_agent.agent.jsontypes import JsonObject, JsonValue
from cosmo_agent.agent.plan import CommandPlan, PlannedCommand
from cosmo_agent.agent.validator import ValidationReport
from cosmo_agent.orbital.timescales import iso_utc
from cosmo_agent.tools.commands import (
    CommandDictionary,
    ParameterDefinition,
    ParameterValue,
    dictionary_for,
)
from cosmo_agent.tools.mission import Mission, Satellite
from cosmo_agent.tools.storage import write_bytes

__all__ = [
    "YAMCS_STACK_SCHEMA",
    "PlanExportError",
    "fprime_sequence",
    "fprime_time",
    "plan_from_json",
    "plan_to_json",
    "write_plan_files",
    "yamcs_stack",
]

YAMCS_STACK_SCHEMA = "https://yamcs.org/schema/stack.schema.json"
"""The ``$schema`` Yamcs Web writes into saved command stacks."""


class PlanExportError(ValueError):
    """The plan cannot be exported (invalid, or a value the format cannot carry)."""


def plan_to_json(plan: CommandPlan, report: ValidationReport | None = None) -> str:
    """Canonical JSON of the plan (with ``"validation"`` when a report is given)."""
    data: JsonObject = plan.to_jsonable()
    if report is None:
        return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2)
    data["validation"] = report.model_dump(mode="json")
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2)


def write_plan_files(
    plan: CommandPlan, report: ValidationReport, mission: Mission, out: str, fmt: str
) -> list[str]:
    """Write ``plan`` to ``out`` (a path or an object URL, ``s3://...``) as ``fmt``: ``json``
    (one file) or ``seq`` / ``ycs`` (one per satellite, ``NAME.<norad id>.EXT`` when there
    are several); returns what was written.

    Each file is written all or nothing (:func:`cosmo_agent.tools.storage.atomic_writer`);
    ``OSError`` names the file that failed, :class:`PlanExportError` a plan that cannot be
    exported.
    """
    if fmt == "json":
        write_bytes(out, (plan_to_json(plan, report) + "\n").encode())
        return [out]
    written = []
    sats = plan.satellites()
    stem, suffix = os.path.splitext(out)
    for norad_id in sats:
        if fmt == "seq":
            text = fprime_sequence(plan, mission, norad_id, report=report)
        else:
            stack = yamcs_stack(plan, mission, norad_id, report=report)
            text = json.dumps(stack, indent=2, ensure_ascii=False) + "\n"
        path = out if len(sats) == 1 else f"{stem}.{norad_id}{suffix}"
        write_bytes(path, text.encode())
        written.append(path)
    return written


def plan_from_json(text: str | bytes) -> CommandPlan:
    """Read a plan written by :func:`plan_to_json` (a ``validation`` entry is ignored)."""
    data = json.loads(text)
    if isinstance(data, dict):
        data.pop("validation", None)
    return CommandPlan.model_validate(data)


def fprime_time(when: datetime) -> str:
    """An F Prime absolute time tag ``A<year>-<day of year>T<hh:mm:ss.mmm>`` in UTC."""
    t = when.astimezone(UTC)
    return f"A{t:%Y-%jT%H:%M:%S}.{t.microsecond // 1000:03d}"


def fprime_sequence(
    plan: CommandPlan,
    mission: Mission,
    norad_id: int,
    *,
    report: ValidationReport | None = None,
    allow_invalid: bool = False,
    component: str | None = None,
    dictionaries: Mapping[str, CommandDictionary] | None = None,
) -> str:
    """The satellite's commands as F Prime sequence text (``fprime-seqgen`` input).

    ``component`` prefixes mnemonics (``component.COMMAND``) when the flight software
    registers commands under a component instance name.
    """
    sat, commands, d = _selection(plan, mission, norad_id, report, allow_invalid, dictionaries)
    lines = [f"; {line}" for line in _header(plan, sat.name, sat.norad_id, report)]
    for cmd in commands:
        definition = d.command(cmd.command)
        assert definition is not None  # _selection checked every command
        args = [_fprime_arg(p, v, cmd) for p, v in definition.arguments(cmd.parameters)]
        mnemonic = f"{component}.{cmd.command}" if component else cmd.command
        text = " ".join([fprime_time(cmd.time), mnemonic, ", ".join(args)]).rstrip()
        lines.append("")
        lines.append(f"; {_one_line(cmd.rationale.text)}")
        lines.append(f"{text} ; {_comment(cmd)}")
    return "\n".join(lines) + "\n"


def yamcs_stack(
    plan: CommandPlan,
    mission: Mission,
    norad_id: int,
    *,
    report: ValidationReport | None = None,
    allow_invalid: bool = False,
    namespace: str = "/{sat_class}",
    acknowledgment: str = "Acknowledge_Queued",
    dictionaries: Mapping[str, CommandDictionary] | None = None,
) -> JsonObject:
    """The satellite's commands as a Yamcs command stack (write it with ``json.dumps``).

    ``namespace`` is the Yamcs space system the names are qualified with (format keys:
    ``sat_class``, ``norad_id``, ``name``).
    """
    sat, commands, d = _selection(plan, mission, norad_id, report, allow_invalid, dictionaries)
    space_system = namespace.format(sat_class=sat.sat_class, norad_id=sat.norad_id, name=sat.name)
    header = " | ".join(_header(plan, sat.name, sat.norad_id, report))
    steps: list[JsonValue] = []
    gaps_ms = [_gap_ms(a.time, b.time) for a, b in pairwise(commands)]
    for k, cmd in enumerate(commands):
        definition = d.command(cmd.command)
        assert definition is not None
        arguments: list[JsonValue] = [
            {"name": p.name, "value": v}
            for p, v in definition.arguments(cmd.parameters)
            if v is not None
        ]
        comment = f"{iso_utc(cmd.time)} {_comment(cmd)} - {_one_line(cmd.rationale.text)}"
        if k == 0:
            comment = f"{header} | start the stack at {iso_utc(cmd.time)} || {comment}"
        step: JsonObject = {
            "type": "command",
            "name": f"{space_system.rstrip('/')}/{cmd.command}",
            "comment": comment,
        }
        if arguments:
            step["arguments"] = arguments
        if k < len(gaps_ms):
            step["advancement"] = {"acknowledgment": acknowledgment, "wait": gaps_ms[k]}
        steps.append(step)
    return {
        "$schema": YAMCS_STACK_SCHEMA,
        "steps": steps,
        "advancement": {"acknowledgment": acknowledgment, "wait": 0},
    }


# -- helpers ------------------------------------------------------------------------------


def _selection(
    plan: CommandPlan,
    mission: Mission,
    norad_id: int,
    report: ValidationReport | None,
    allow_invalid: bool,
    dictionaries: Mapping[str, CommandDictionary] | None,
) -> tuple[Satellite, list[PlannedCommand], CommandDictionary]:
    if report is not None and not report.ok and not allow_invalid:
        raise PlanExportError(
            f"the plan failed validation ({report.summary()}); fix it, or pass "
            "allow_invalid=True to export it for review only"
        )
    try:
        sat = mission.satellite(norad_id)
    except KeyError as exc:
        raise PlanExportError(str(exc)) from None
    d = (dictionaries or {}).get(sat.sat_class) or dictionary_for(mission, sat.sat_class)
    commands = [c for c in plan.commands if c.satellite.norad_id == sat.norad_id]
    for cmd in commands:
        if d.command(cmd.command) is None:
            raise PlanExportError(
                f"{cmd.command!r} is not a command of class {sat.sat_class}; it cannot be "
                "exported (validate the plan first)"
            )
    return sat, sorted(commands, key=lambda c: c.time), d


def _header(
    plan: CommandPlan, name: str, norad_id: int, report: ValidationReport | None
) -> list[str]:
    if report is None:
        status = "NOT VALIDATED - validate before uplink"
    elif report.ok:
        status = f"validated {iso_utc(report.checked_at)}: {report.summary()}"
    else:
        status = f"NOT VALID - review only: {report.summary()}"
    if plan.release is None:
        stage = "DRAFT - not released (cosmo-agent release checks and releases it)"
    else:
        r = plan.release
        stage = f"RELEASED {iso_utc(r.released_at)}, checked for {iso_utc(r.checked_at)}"
    return [
        f"Cosmo Agent command plan - mission {plan.mission}",
        f"satellite {name} ({norad_id}); created {iso_utc(plan.created_at)}",
        f"horizon {iso_utc(plan.horizon_start)} .. {iso_utc(plan.horizon_end)}; times are UTC",
        status,
        f"{stage}; content sha256 {plan.content_digest()}",
    ]


def _comment(cmd: PlannedCommand) -> str:
    parts = []
    if cmd.uplink is not None:
        u = cmd.uplink
        parts.append(f"uplink {u.station_id}/{u.antenna_id} {iso_utc(u.aos)}..{iso_utc(u.los)}")
    if cmd.approvals:
        parts.append("approved " + ", ".join(f"{a.role}={a.by}" for a in cmd.approvals))
    refs = [f"{r.tool}#{r.call_id}" for r in cmd.rationale.references]
    if refs:
        parts.append("refs " + " ".join(refs))
    return _one_line("; ".join(parts) or "no uplink")


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _fprime_arg(p: ParameterDefinition, value: ParameterValue | None, cmd: PlannedCommand) -> str:
    if value is None:
        raise PlanExportError(f"{cmd.command}: parameter {p.name} has no value and no default")
    if p.type == "bool":
        return "TRUE" if value else "FALSE"
    if p.type == "enum":
        return str(value)
    if p.type == "string":
        text = str(value)
        if '"' in text or "\n" in text or "\r" in text:
            raise PlanExportError(
                f"{cmd.command}: {p.name}={text!r} has a quote or line break, which an F Prime "
                "sequence string cannot carry; remove it"
            )
        return f'"{text}"'
    if p.type == "int":
        return str(int(value))
    number = float(value)
    if not math.isfinite(number):
        raise PlanExportError(f"{cmd.command}: {p.name}={value!r} is not a finite number")
    text = repr(number)
    return text if any(ch in text for ch in ".eE") else text + ".0"


def _gap_ms(first: datetime, then: datetime) -> int:
    """Whole milliseconds from ``first`` to ``then`` (exact: datetimes hold microseconds)."""
    return (then - first) // timedelta(milliseconds=1)
