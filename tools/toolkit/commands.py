"""The ``propose_commands`` tool: commands checked against each satellite's command dictionary
and the mission's command margin, with hazards, prerequisites and the approvals they need."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cosmo_agent.tools.context import ToolArgs, ToolContext, ToolError, ToolResult
from cosmo_agent.tools.schemas import NAMES_KEY
from cosmo_agent.tools.toolkit.arguments import When
from cosmo_agent.tools.toolkit.outputs import ObjectRef, ResultPart, iso_utc, object_ref

__all__ = [
    "CommandCheck",
    "CommandIssueOut",
    "CommandRequest",
    "ParameterValue",
    "ProposeCommandsArgs",
    "ProposeCommandsResult",
    "propose_commands",
]

ParameterValue = (
    bool
    | Annotated[int, Field(ge=-(10**12), le=10**12)]
    | Annotated[float, Field(ge=-1e12, le=1e12)]
    | Annotated[str, Field(max_length=256)]
)


class CommandRequest(BaseModel):
    """One command the agent wants to send."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    satellite: Annotated[
        str,
        Field(
            min_length=1,
            max_length=128,
            description="Fleet satellite by name, alias or NORAD id.",
            json_schema_extra={NAMES_KEY: "satellite"},
        ),
    ]
    command: str = Field(min_length=1, max_length=64, description="Command name, e.g. SET_MODE.")
    time: When | None = Field(
        default=None,
        description=(
            "ISO 8601 UTC execution time, or relative to the planning clock"
            ' ("tomorrow at 03:00 UTC") (default: next contact).'
        ),
    )
    parameters: dict[Annotated[str, Field(max_length=64)], ParameterValue] = Field(
        default_factory=dict, max_length=32, description="Command parameters by name."
    )


class ProposeCommandsArgs(ToolArgs):
    """Commands to check against the satellites' command dictionaries."""

    commands: list[CommandRequest] = Field(min_length=1, max_length=50)


class CommandIssueOut(ResultPart):
    """Why a command is rejected (dictionary issue codes, or the tool's own)."""

    code: str
    parameter: str | None
    message: str


class CommandCheck(ResultPart):
    """One checked command: accepted or rejected with reasons, and what it will need."""

    satellite: ObjectRef | None
    satellite_key: str
    command: str
    time_utc: datetime | None
    parameters: dict[str, bool | int | float | str]
    accepted: bool
    issues: list[CommandIssueOut]
    description: str | None
    category: str | None
    hazardous: str | None
    requires_contact: bool | None
    prerequisites: list[str]
    prerequisites_unmet: list[str]
    approvals_required: list[str]


class ProposeCommandsResult(ToolResult):
    """The checked commands; only accepted ones may go into a plan."""

    items: list[CommandCheck]

    def summary(self) -> str:
        ok = sum(c.accepted for c in self.items)
        bad = [f"{c.command} ({c.issues[0].code})" for c in self.items if not c.accepted]
        rejected = f"; rejected: {', '.join(bad[:4])}" if bad else ""
        hazardous = sum(c.hazardous is not None for c in self.items if c.accepted)
        return (
            f"{ok} of {len(self.items)} commands accepted ({hazardous} hazardous, need"
            f" approval){rejected}"
        )


def _issue(code: str, message: str, parameter: str | None = None) -> CommandIssueOut:
    return CommandIssueOut(code=code, parameter=parameter, message=message)


def propose_commands(ctx: ToolContext, args: ProposeCommandsArgs) -> ProposeCommandsResult:
    """Check each command against its satellite's dictionary and the mission's time margin."""
    policy = ctx.mission.policies
    earliest = ctx.now + timedelta(minutes=policy.command_margin_min)
    items: list[CommandCheck] = []
    for req in args.commands:
        issues: list[CommandIssueOut] = []
        ref: ObjectRef | None = None
        definition = None
        try:
            sat = ctx.satellites([req.satellite])[0]
        except ToolError as err:
            issues.append(_issue(err.code, err.message))
        else:
            ref = object_ref(ctx, sat.norad_id)
            try:
                dictionary = ctx.command_dictionary(sat.sat_class)
            except ToolError as err:
                issues.append(_issue("no_dictionary", err.message))
            else:
                issues += [
                    _issue(i.code, i.message, i.parameter)
                    for i in dictionary.check(req.command, dict(req.parameters))
                ]
                definition = dictionary.command(req.command)
            maneuver = definition is not None and definition.category == "maneuver"
            if maneuver and not sat.maneuverable:
                message = f"{sat.name} is not maneuverable (mission fleet entry)"
                issues.append(_issue("not_maneuverable", message))
        time_utc = req.time.astimezone(UTC) if req.time is not None else None
        if time_utc is not None and time_utc < earliest:
            issues.append(
                _issue(
                    "too_soon",
                    f"time {iso_utc(time_utc)} is before {iso_utc(earliest)}, the planning clock"
                    f" plus the mission's command margin of {policy.command_margin_min:g} min",
                )
            )
        params: dict[str, bool | int | float | str] = dict(req.parameters)
        hazard = None
        approvals: list[str] = []
        prerequisites: list[str] = []
        unmet: list[str] = []
        if definition is not None:
            given = dict(req.parameters)
            params = {p.name: v for p, v in definition.arguments(given) if v is not None}
            hazard = definition.hazard(dict(req.parameters))
            prerequisites = list(definition.prerequisites)
            if hazard or "approval" in prerequisites:
                approvals += policy.approvals.hazardous_requires
            if definition.category == "maneuver":
                approvals += policy.approvals.maneuver_requires
            if "post_maneuver_screening" in prerequisites and not _screened_burn(ctx, ref, params):
                unmet.append("post_maneuver_screening")
        items.append(
            CommandCheck(
                satellite=ref,
                satellite_key=req.satellite,
                command=req.command,
                time_utc=time_utc,
                parameters=params,
                accepted=not issues,
                issues=issues,
                description=definition.description if definition else None,
                category=definition.category if definition else None,
                hazardous=hazard,
                requires_contact=definition.requires_contact if definition else None,
                prerequisites=prerequisites,
                prerequisites_unmet=unmet,
                approvals_required=list(dict.fromkeys(approvals)),
            )
        )
    ctx.store.commands.extend(items)
    return ProposeCommandsResult(items=items)


def _screened_burn(
    ctx: ToolContext, sat: ObjectRef | None, params: dict[str, bool | int | float | str]
) -> bool:
    """True when a stored proposal for this satellite and burn epoch has a clear screening."""
    if sat is None:
        return False
    for proposal in ctx.store.proposals.values():
        screening = proposal.post_maneuver_screening
        if (
            proposal.satellite.norad_id == sat.norad_id
            and proposal.command is not None
            and proposal.command.parameters.get("burn_epoch") == params.get("burn_epoch")
            and screening is not None
            and screening.clear
        ):
            return True
    return False
