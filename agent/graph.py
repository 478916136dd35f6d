"""The planner graph (LangGraph): plan with tools, compose, validate, repair, approve, emit.

::

    load_mission → planner ⇄ tools            (until the planner answers)
                   planner → END              (ask: the answer is the result)
                   planner → compose → validate → repair ⇄ validate   (at most N rounds)
                                       validate → approve → emit → END

State is a ``TypedDict`` with ``Annotated`` reducers (``messages`` with ``add_messages``,
``trace`` and ``repairs`` with ``operator.add``); everything in it is plain JSON or LangChain
messages, so a checkpointer (SQLite) can store it and a new process can resume a run by thread
id. The immutable run context (:class:`RunContext`: the :class:`ToolContext`, the planner
backend, the approval mode) is passed per run (``context_schema``), never stored.

Tools: each registry tool is a LangChain ``StructuredTool`` (``args_schema`` = the tool's
pydantic ``Args``) run by ``langgraph.prebuilt.ToolNode``; the tool body is
:func:`~cosmo_agent.tools.registry.call_tool`, so mistakes (unknown tool, bad JSON, out-of-range
arguments, unknown names) come back to the planner as templated error data, and every call
appends a :class:`~cosmo_agent.agent.trace.TraceEntry`.

Validation: ``validate`` and ``emit`` call :func:`~cosmo_agent.agent.validator.validate_plan`
with ``sources`` (the run's mission data at its clock, in a context of its own), so the
independent re-derivation of :mod:`~cosmo_agent.agent.crosscheck` runs while planning too.

Approval: hazardous commands are approved in the ``approve`` node, never inside a tool. Modes
(:data:`ApprovalMode`): ``approve_all`` records an approval by ``RunContext.approver`` for every
required role; ``interrupt`` pauses with :func:`langgraph.types.interrupt` (resume with
``Command(resume=ApprovalDecision(...).model_dump())``; the node re-runs from its start);
``reject`` approves nothing, so a plan with a hazardous command is rejected.

>>> sorted(build_graph().get_graph().nodes)  # doctest: +NORMALIZE_WHITESPACE
['__end__', '__start__', 'approve', 'compose', 'emit', 'load_mission', 'planner', 'repair',
 'tools', 'validate']
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Final, Literal, Required, TypedDict, cast

from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.tools import StructuredTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode, ToolRuntime
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cosmo_agent.agent.compose import (
    APPROVAL_RULES,
    DroppedCommand,
    RepairRound,
    apply_approvals,
    command_hazard,
    compose_plan,
    hazardous_commands,
    repair_plan,
)
from cosmo_agent.agent.coverage import dropped_request_gaps, with_safety_gaps
from cosmo_agent.agent.plan import Approval, CommandPlan
from cosmo_agent.agent.planners import (
    PlannerBackend,
    PlannerMode,
    PlannerTask,
    plan_brief,
    system_prompt,
)
from cosmo_agent.agent.trace import TraceEntry, tool_records
from cosmo_agent.agent.validator import ValidationReport, Violation, validate_plan
from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.timescales import iso_utc
from cosmo_agent.tools.mission import Mission
from cosmo_agent.tools.registry import ToolContext, ToolError, call_tool, tool_specs

__all__ = [
    "RAW_ARGUMENTS",
    "AgentState",
    "ApprovalDecision",
    "ApprovalMode",
    "ApprovalRecord",
    "GivenApproval",
    "RunContext",
    "RunStatus",
    "build_graph",
    "registry_tools",
]

ApprovalMode = Literal["reject", "approve_all", "interrupt"]
"""How hazardous commands get approved.

``reject``: nobody approves; a plan with a hazardous command is rejected.
``approve_all``: every required role is recorded as approved by ``RunContext.approver``.
``interrupt``: the run pauses for a human decision (:class:`ApprovalDecision`).
"""
RunStatus = Literal["running", "answered", "accepted", "incomplete", "rejected"]
"""``answered``: an ask run's answer; ``accepted``: the plan passed validation with every
approval it needs and covers every objective and safety policy; ``incomplete``: valid as far
as it goes, but it has gaps (an objective that did not run for a satellite, a safety policy
unmet: ``CommandPlan.gaps``; or safe mode missing / space weather unreadable as re-derived
from the mission's sources); ``rejected``: validation errors remain, or an approval was
refused."""
RAW_ARGUMENTS: Final = "__raw_arguments__"
"""Key under which the graph passes a model's unparseable argument text to the tool."""


class ApprovalRecord(TypedDict, total=False):
    """What the ``approve`` step decided: the approval ``mode``, the indexes of the hazardous
    ``commands``, the ``status`` (always set once the step is done), who approved them (``by``:
    one person, or the sorted names of several), why they were rejected (``reason``) and the
    operator's ``comment``."""

    mode: Required[ApprovalMode]
    commands: Required[list[int]]
    status: Literal["not_needed", "approved", "rejected"]
    by: str | list[str]
    reason: str
    comment: str


class AgentState(TypedDict, total=False):
    """The checkpointed state of one run (JSON data and LangChain messages only)."""

    mode: PlannerMode
    request: str
    messages: Annotated[list[AnyMessage], add_messages]
    trace: Annotated[list[TraceEntry], operator.add]
    rounds: int
    plan: dict[str, object] | None
    report: dict[str, object] | None
    repairs: Annotated[list[RepairRound], operator.add]
    repair_round: int
    approval: ApprovalRecord | None
    status: RunStatus
    reasons: list[str]
    briefing: str


@dataclass(frozen=True)
class RunContext:
    """The immutable context of one run (not checkpointed: pass it again to resume).

    ``schemas``: the OpenAI tool schemas the planner sees (default: the mission's).
    """

    tools: ToolContext
    planner: PlannerBackend
    approval: ApprovalMode = "reject"
    approver: str = "operator-cli"
    max_planner_rounds: int = 12
    max_repair_rounds: int = 3
    schemas: tuple[Mapping[str, object], ...] = ()
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)


class GivenApproval(BaseModel):
    """One approval given for one command (``index`` into the plan's commands)."""

    model_config = ConfigDict(extra="forbid")

    index: int = Field(ge=0)
    role: str = Field(min_length=1, max_length=64)
    by: str = Field(min_length=1, max_length=128)


class ApprovalDecision(BaseModel):
    """A human's answer to an approval interrupt.

    ``approve`` false rejects the plan. With ``approvals`` each named role is approved by its
    person; otherwise ``by`` (one person) approves every required role, which cannot satisfy a
    rule that needs two different people.
    """

    model_config = ConfigDict(extra="forbid")

    approve: bool
    by: str | None = Field(default=None, min_length=1, max_length=128)
    approvals: list[GivenApproval] = Field(default_factory=list)
    comment: str = Field(default="", max_length=2000)


# -- tools -------------------------------------------------------------------------------------


class _RegistryTool(StructuredTool):
    """A registry tool: the model's raw arguments go to ``call_tool``, which validates them
    (so errors are the registry's templated data, not LangChain's)."""

    def _to_args_and_kwargs(
        self, tool_input: str | dict[str, object], tool_call_id: str | None
    ) -> tuple[tuple[str, ...], dict[str, object]]:
        if isinstance(tool_input, str):
            return (), {RAW_ARGUMENTS: tool_input}
        return (), dict(tool_input)


def _run_call(
    context: RunContext, call_id: str, name: str, arguments: Mapping[str, object]
) -> Command[str]:
    args: Mapping[str, object] | str = arguments
    raw = arguments.get(RAW_ARGUMENTS)
    if set(arguments) == {RAW_ARGUMENTS} and isinstance(raw, str):
        args = raw
    with context.lock:  # the result store is shared by the calls of a turn
        outcome = call_tool(context.tools, name, args)
    message = ToolMessage(
        content=outcome.to_json(),
        tool_call_id=call_id,
        name=name,
        status="success" if outcome.ok else "error",
    )
    entry: TraceEntry = {
        "call_id": call_id,
        "name": name,
        "args": dict(outcome.resolved if outcome.resolved is not None else outcome.arguments),
        "raw_args": dict(outcome.arguments),
        "duration_s": round(outcome.duration_s, 4),
        "ok": outcome.ok,
        "summary": outcome.summary,
        "error_code": None if outcome.error is None else outcome.error.code,
    }
    return Command(update={"messages": [message], "trace": [entry]})


def _tool(name: str, description: str, args: type[BaseModel]) -> StructuredTool:
    def run(runtime: ToolRuntime[RunContext], **arguments: object) -> Command[str]:
        return _run_call(runtime.context, str(runtime.tool_call_id), name, arguments)

    return _RegistryTool(name=name, description=description, args_schema=args, func=run)


@cache
def registry_tools() -> tuple[StructuredTool, ...]:
    """The nine registry tools as LangChain tools (run inside the graph: they need the
    :class:`RunContext` through ``ToolRuntime``)."""
    return tuple(_tool(s.name, s.description, s.args) for s in tool_specs().values())


def _unknown_tool_guard(
    request: ToolCallRequest, execute: Callable[[ToolCallRequest], ToolMessage | Command[str]]
) -> ToolMessage | Command[str]:
    """A call of a tool that does not exist gets the registry's ``unknown_tool`` error data
    (a :data:`~langgraph.prebuilt.tool_node.ToolCallWrapper`)."""
    if request.tool is None:
        call = request.tool_call
        context = cast(RunContext, request.runtime.context)
        return _run_call(context, str(call["id"]), str(call["name"]), call["args"])
    return execute(request)


# -- nodes -------------------------------------------------------------------------------------


def _load_mission(state: AgentState, runtime: Runtime[RunContext]) -> AgentState:
    mission = runtime.context.tools.mission
    mode: PlannerMode = state.get("mode", "plan")
    request = state.get("request") or plan_brief(mission)
    messages: list[AnyMessage] = [HumanMessage(request)]
    if not state.get("messages"):
        messages.insert(0, SystemMessage(system_prompt(mission, runtime.context.tools.now)))
    return {
        "mode": mode,
        "request": request,
        "messages": messages,
        "rounds": 0,
        "repair_round": 0,
        "plan": None,
        "report": None,
        "approval": None,
        "status": "running",
        "reasons": [],
        "briefing": "",
    }


def _planner(state: AgentState, runtime: Runtime[RunContext]) -> AgentState:
    ctx = runtime.context
    rounds = state.get("rounds", 0)
    messages = state.get("messages", [])
    if rounds >= ctx.max_planner_rounds:
        reply = AIMessage(
            content=f"The planner stopped after {rounds} rounds without an answer; the plan is"
            " built from the results so far."
        )
    else:
        task = PlannerTask(
            mode=state.get("mode", "plan"),
            mission=ctx.tools.mission,
            request=state.get("request", ""),
            tools=ctx.schemas,
            now=ctx.tools.now,
        )
        reply = _normalise(ctx.planner.next_turn(task, messages), messages)
    return {"messages": [reply], "rounds": rounds + 1}


def _normalise(reply: AIMessage, history: Sequence[AnyMessage]) -> AIMessage:
    """Unique call ids; unparseable calls become calls whose tool reports ``invalid_json``."""
    seen = {str(c.get("id")) for m in history if isinstance(m, AIMessage) for c in m.tool_calls}
    calls: list[ToolCall] = []
    raw: list[ToolCall] = list(reply.tool_calls)
    raw += [
        ToolCall(
            name=c.get("name") or "unnamed",
            id=c.get("id"),
            args={RAW_ARGUMENTS: str(c.get("args") or "")},
        )
        for c in reply.invalid_tool_calls
    ]
    for k, c in enumerate(raw):
        call_id = str(c.get("id") or f"call_{len(seen) + k + 1:03d}")
        while call_id in seen:
            call_id += "'"
        seen.add(call_id)
        calls.append(
            {
                "name": str(c["name"]),
                "args": dict(c.get("args") or {}),
                "id": call_id,
                "type": "tool_call",
            }
        )
    if not reply.invalid_tool_calls and [c["id"] for c in calls] == [
        c.get("id") for c in reply.tool_calls
    ]:
        return reply
    return AIMessage(
        content=reply.content,
        tool_calls=calls,
        id=reply.id,
        response_metadata=reply.response_metadata,
    )


def _after_planner(state: AgentState) -> str:
    last = state["messages"][-1]
    if isinstance(last, AIMessage) and last.tool_calls:
        return "tools"
    return END if state.get("mode") == "ask" else "compose"


def _compose(state: AgentState, runtime: Runtime[RunContext]) -> AgentState:
    ctx = runtime.context.tools
    summaries = {e["call_id"]: e["summary"] for e in state.get("trace", [])}
    plan = compose_plan(
        ctx.mission,
        ctx.now,
        tool_records(state.get("messages", [])),
        summaries=summaries,
        catalog=lambda: ctx.catalog,
    )
    return {"plan": plan.to_jsonable()}


def _plan(state: AgentState) -> CommandPlan:
    return CommandPlan.model_validate(state["plan"])


def _sources(ctx: ToolContext) -> ToolContext:
    """The run's mission data at its clock for the validator's re-derivation, in a context of
    its own (the re-derivation calls tools; the planner's result store stays untouched)."""
    try:
        catalog: Catalog | None = ctx.catalog
    except ToolError:
        catalog = None  # the crosscheck reports what it cannot check
    return ToolContext.from_mission(
        ctx.mission, now=ctx.now, catalog=catalog, space_weather=ctx.space_weather
    )


def _validate(state: AgentState, runtime: Runtime[RunContext]) -> AgentState:
    ctx = runtime.context.tools
    report = validate_plan(_plan(state), ctx.mission, now=ctx.now, sources=_sources(ctx))
    return {"report": report.model_dump(mode="json")}


_SAFETY_UNCOVERED: Final = frozenset({"policy.safe_mode_missing", "policy.space_weather_unknown"})


def _is_gap(v: Violation) -> bool:
    """A violation that says what the plan does not cover, not what is wrong in it: a recorded
    gap (``coverage.incomplete``), or a safety policy the re-derived space weather finds
    unmet for the plan as a whole (safe mode missing, space weather unreadable). Like a
    recorded gap it makes the plan ``incomplete``, not ``rejected``: it often restates one
    (a planner that never read the space weather has that gap and no safe mode), and no repair
    adds a command."""
    return v.rule == "coverage.incomplete" or (
        v.rule in _SAFETY_UNCOVERED and v.command_index is None
    )


def _blocking(report: ValidationReport) -> list[str]:
    """Errors the repair loop may answer: not approvals (the approval step's) and not gaps
    (no repair covers an objective that did not run; the plan is emitted as incomplete)."""
    return [v.rule for v in report.errors() if v.rule not in APPROVAL_RULES and not _is_gap(v)]


def _after_validate(state: AgentState, runtime: Runtime[RunContext]) -> str:
    report = ValidationReport.model_validate(state["report"])
    if not _blocking(report):
        return "approve"
    if state.get("repair_round", 0) < runtime.context.max_repair_rounds:
        return "repair"
    return "emit"


def _repair(state: AgentState, runtime: Runtime[RunContext]) -> AgentState:
    """One repair round (:func:`~cosmo_agent.agent.compose.repair_plan`). A command the
    mission asked for that the round drops becomes a gap of its objective or request
    (:func:`~cosmo_agent.agent.coverage.dropped_request_gaps`): the plan can then be at most
    ``incomplete``, never ``accepted`` without it; the planner's own commands go with a note."""
    ctx = runtime.context
    mission = ctx.tools.mission
    report = ValidationReport.model_validate(state["report"])
    round_no = state.get("repair_round", 0) + 1
    before = _plan(state)
    plan, record = repair_plan(before, report, mission, ctx.tools.now, round_no)
    dropped = [(before.commands[d["index"]], _why_dropped(d, report)) for d in record["dropped"]]
    gaps = dropped_request_gaps(mission, plan, dropped)
    if gaps:
        plan = plan.model_copy(update={"gaps": [*plan.gaps, *gaps]})
    plan = with_safety_gaps(plan, mission)
    stuck = not record["dropped"] and not record["retimed"]
    return {
        "plan": plan.to_jsonable(),
        "repairs": [record],
        "repair_round": ctx.max_repair_rounds if stuck else round_no,
    }


def _why_dropped(dropped: DroppedCommand, report: ValidationReport) -> str:
    """The rules that dropped a command, with the validator's first message about it."""
    rules = [str(r) for r in dropped["rules"]]
    message = next(
        (
            v.message
            for v in report.errors()
            if v.command_index == dropped["index"] and v.rule in rules
        ),
        None,
    )
    return ", ".join(rules) + (f" ({message})" if message else "")


def _approve(state: AgentState, runtime: Runtime[RunContext]) -> AgentState:
    ctx = runtime.context
    mission, now = ctx.tools.mission, ctx.tools.now
    plan = _plan(state)
    pending = hazardous_commands(plan, mission)
    if not pending:
        return {"approval": {"status": "not_needed", "mode": ctx.approval, "commands": []}}
    indexes = [i for i, _ in pending]
    approvals: dict[int, list[Approval]] = {}
    record: ApprovalRecord = {"mode": ctx.approval, "commands": indexes}
    if ctx.approval == "approve_all":
        approvals = {
            i: [Approval(role=r, by=ctx.approver, at=now) for r in roles] for i, roles in pending
        }
        record |= {"status": "approved", "by": ctx.approver}
    elif ctx.approval == "interrupt":
        answer = interrupt(_approval_request(plan, mission, pending))
        try:
            decision = ApprovalDecision.model_validate(answer)
        except ValidationError as exc:
            record |= {
                "status": "rejected",
                "reason": f"unreadable approval decision: {exc.errors()[0]['msg']}",
            }
        else:
            record |= {"comment": decision.comment}
            if not decision.approve:
                record |= {
                    "status": "rejected",
                    "reason": "the operator rejected the hazardous commands",
                }
            elif decision.approvals:
                for a in decision.approvals:
                    if a.index in indexes:
                        approvals.setdefault(a.index, []).append(
                            Approval(role=a.role, by=a.by, at=now)
                        )
                record |= {"status": "approved", "by": sorted({a.by for a in decision.approvals})}
            else:
                by = decision.by or ctx.approver
                approvals = {
                    i: [Approval(role=r, by=by, at=now) for r in roles] for i, roles in pending
                }
                record |= {"status": "approved", "by": by}
    else:
        names = ", ".join(
            f"{plan.commands[i].command} ({plan.commands[i].satellite.name})" for i in indexes
        )
        record |= {
            "status": "rejected",
            "reason": f"hazardous commands need an approval: {names}; approve them"
            " (--interactive, or --approve-all) or remove them",
        }
    return {"plan": apply_approvals(plan, approvals).to_jsonable(), "approval": record}


def _approval_request(
    plan: CommandPlan, mission: Mission, pending: Sequence[tuple[int, list[str]]]
) -> dict[str, object]:
    items = []
    for i, roles in pending:
        cmd = plan.commands[i]
        items.append(
            {
                "index": i,
                "time": iso_utc(cmd.time),
                "satellite": cmd.satellite.name,
                "norad_id": cmd.satellite.norad_id,
                "command": cmd.command,
                "parameters": dict(cmd.parameters),
                "hazard": command_hazard(mission, cmd),
                "roles": list(roles),
                "rationale": cmd.rationale.text,
            }
        )
    return {"kind": "approval", "mission": plan.mission, "commands": items}


def _emit(state: AgentState, runtime: Runtime[RunContext]) -> AgentState:
    ctx = runtime.context.tools
    plan = _plan(state)
    report = validate_plan(plan, ctx.mission, now=ctx.now, sources=_sources(ctx))
    reasons: list[str] = []
    approval = state.get("approval")
    if approval is not None and approval.get("status") == "rejected":
        reasons.append(approval.get("reason", "approval refused"))
    errors = report.errors()
    gaps = [v for v in errors if _is_gap(v)]
    reasons += [
        f"{v.rule} (command {v.command_index}): {v.message}" for v in errors if not _is_gap(v)
    ]
    status: RunStatus = "rejected" if reasons else "incomplete" if gaps else "accepted"
    reasons += [f"{v.rule}: {v.message}" for v in gaps]
    answer = next(
        (
            m.text
            for m in reversed(state.get("messages", []))
            if isinstance(m, AIMessage) and not m.tool_calls
        ),
        "",
    )
    summary = _plan_summary(plan, report, status, state.get("repairs", []), ctx.mission.language)
    return {
        "report": report.model_dump(mode="json"),
        "status": status,
        "reasons": reasons,
        "briefing": f"{answer}\n{summary}".strip(),
    }


def _plan_summary(
    plan: CommandPlan,
    report: ValidationReport,
    status: str,
    repairs: Sequence[RepairRound],
    lang: str,
) -> str:
    counts: dict[str, int] = {}
    for c in plan.commands:
        counts[c.command] = counts.get(c.command, 0) + 1
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none"
    sats = len({c.satellite.norad_id for c in plan.commands})
    dropped = sum(len(r["dropped"]) for r in repairs)
    if lang == "ko":
        verdict = {"accepted": "승인 가능", "incomplete": "불완전"}.get(status, "거부")
        return (
            f"계획: 위성 {sats}기, 명령 {len(plan.commands)}건 ({kinds}); 검증 {report.summary()};"
            f" 수정으로 제외된 명령 {dropped}건; 결과: {verdict}."
        )
    return (
        f"Plan: {len(plan.commands)} commands for {sats} satellites ({kinds}); validation"
        f" {report.summary()}; {dropped} command(s) dropped by repairs; status: {status}."
    )


def build_graph(
    checkpointer: BaseCheckpointSaver[str] | None = None,
) -> CompiledStateGraph[AgentState, RunContext, AgentState, AgentState]:
    """The compiled planner graph (see the module docstring); ``checkpointer`` makes runs
    resumable by thread id (an interrupt needs one)."""
    g: StateGraph[AgentState, RunContext, AgentState, AgentState] = StateGraph(
        AgentState, context_schema=RunContext
    )
    g.add_node("load_mission", _load_mission)
    g.add_node("planner", _planner)
    g.add_node(
        "tools",
        ToolNode(
            list(registry_tools()), wrap_tool_call=_unknown_tool_guard, handle_tool_errors=True
        ),
    )
    g.add_node("compose", _compose)
    g.add_node("validate", _validate)
    g.add_node("repair", _repair)
    g.add_node("approve", _approve)
    g.add_node("emit", _emit)
    g.add_edge(START, "load_mission")
    g.add_edge("load_mission", "planner")
    g.add_conditional_edges("planner", _after_planner, ["tools", "compose", END])
    g.add_edge("tools", "planner")
    g.add_edge("compose", "validate")
    g.add_conditional_edges("validate", _after_validate, ["repair", "approve", "emit"])
    g.add_edge("repair", "validate")
    g.add_edge("approve", "emit")
    g.add_edge("emit", END)
    return g.compile(checkpointer=checkpointer)
