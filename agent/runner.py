"""The :class:`Agent`: plan a mission or answer a request through the planner graph.

>>> from cosmo_agent.tools.mission import load_mission
>>> mission = load_mission("bundled:demo.yaml")
>>> with Agent.from_mission(mission) as agent:
...     answer = agent.ask("hello")
>>> answer.tool_calls, answer.language
([], 'en')

``plan()`` returns a :class:`PlanResult`: the :class:`~cosmo_agent.agent.plan.CommandPlan`, the
final :class:`~cosmo_agent.agent.validator.ValidationReport`, the trace and the briefing. A
hazardous command pauses the run for approval (``status == "awaiting_approval"``, the request
in ``pending``) unless ``approve_all=True``; :meth:`Agent.resume` continues it, also from another
process when the agent was built with the same SQLite ``checkpoint`` file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict, cast

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command

from cosmo_agent.agent.compose import RepairRound
from cosmo_agent.agent.graph import (
    AgentState,
    ApprovalDecision,
    ApprovalMode,
    RunContext,
    build_graph,
)
from cosmo_agent.agent.intents import detect_language
from cosmo_agent.agent.jsontypes import JsonObject, JsonValue
from cosmo_agent.agent.plan import CommandPlan
from cosmo_agent.agent.planners import PlannerBackend, PlannerName, make_planner
from cosmo_agent.agent.trace import ToolRecord, TraceEntry, chat_messages, tool_records
from cosmo_agent.agent.validator import ValidationReport
from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.tools.mission import Mission, load_mission
from cosmo_agent.tools.registry import ResultStore, ToolContext, openai_tools

if TYPE_CHECKING:
    from cosmo_agent.tools.spaceweather import SpaceWeatherSource

__all__ = ["Agent", "AskResult", "AskToolCall", "AskTrace", "PlanResult", "PlanStatus", "Progress"]

PlanStatus = Literal["accepted", "incomplete", "rejected", "awaiting_approval"]
"""``accepted``: valid, every approval present, every objective and safety policy covered;
``incomplete``: valid as far as it goes but with gaps (``CommandPlan.gaps``; the other
satellites are still planned); ``rejected``: validation errors or a refused
approval; ``awaiting_approval``: paused at the approval step (resume it)."""
Progress = Callable[[str, str], None]
"""``progress(step, message)``: called after each graph step (for a spinner or a log)."""


@dataclass(frozen=True)
class PlanResult:
    """The outcome of a plan run (``plan``/``report`` are None only if no plan was composed)."""

    status: PlanStatus
    thread_id: str
    plan: CommandPlan | None
    report: ValidationReport | None
    trace: list[TraceEntry]
    briefing: str
    reasons: list[str] = field(default_factory=list)
    repairs: list[RepairRound] = field(default_factory=list)
    approval: JsonObject | None = None
    """The approval step's :class:`~cosmo_agent.agent.graph.ApprovalRecord` (None before it)."""
    pending: JsonObject | None = None
    """The approval request a paused run waits on."""
    records: list[ToolRecord] = field(default_factory=list)
    """Each tool call of the run with its parsed JSON result or error, in call order (what
    the HTML report draws: passes, schedule, screening, assessments, space weather)."""

    @property
    def ok(self) -> bool:
        """True when the plan is accepted."""
        return self.status == "accepted"

    def to_jsonable(self) -> JsonObject:
        """Everything as JSON data (the CLI's ``plan --json`` output)."""
        # Repair rounds and trace entries are TypedDicts of JSON values, so JSON objects;
        # mypy does not count a TypedDict as a dict, hence the casts.
        return {
            "status": self.status,
            "thread_id": self.thread_id,
            "reasons": list(self.reasons),
            "briefing": self.briefing,
            "plan": None if self.plan is None else self.plan.to_jsonable(),
            "validation": None if self.report is None else self.report.model_dump(mode="json"),
            "repairs": cast(list[JsonValue], self.repairs),
            "approval": self.approval,
            "pending": self.pending,
            "trace": cast(list[JsonValue], self.trace),
        }


class AskToolCall(TypedDict):
    """One tool call of an ask run: ``args`` as the tool executed them, ``raw_args`` as the
    planner wrote them."""

    name: str
    args: JsonObject
    raw_args: JsonObject


class AskTrace(TypedDict):
    """An ask run as ``ask --trace-json`` writes it."""

    request: str
    tool_calls: list[AskToolCall]
    answer: str
    reader: NotRequired[str]


@dataclass(frozen=True)
class AskResult:
    """The answer to one request, the tool calls made, and the conversation in chat format.

    ``reader`` names who read the request when the planner says (the hybrid planner:
    ``rules`` or ``cosmo``), else None."""

    request: str
    answer: str
    language: str
    thread_id: str
    trace: list[TraceEntry]
    messages: list[JsonObject]
    reader: str | None = None

    @property
    def tool_calls(self) -> list[AskToolCall]:
        """``[{"name", "args", "raw_args"}]`` in call order: ``args`` as the tool executed
        them (canonical names, values in the tool's units; as written when the call was
        refused), ``raw_args`` as the planner wrote them."""
        return [
            {"name": e["name"], "args": e["args"], "raw_args": e.get("raw_args", e["args"])}
            for e in self.trace
        ]

    def trace_json(self) -> AskTrace:
        """``{"request", "tool_calls": [{"name", "args", "raw_args"}], "answer"}``, and
        ``reader`` when known (``ask --trace-json``)."""
        out: AskTrace = {"request": self.request, "tool_calls": self.tool_calls,
                         "answer": self.answer}  # fmt: skip
        if self.reader is not None:
            out["reader"] = self.reader
        return out


def _checkpointer(
    checkpoint: str | os.PathLike[str] | BaseCheckpointSaver[str] | None,
) -> tuple[BaseCheckpointSaver[str], sqlite3.Connection | None]:
    if isinstance(checkpoint, BaseCheckpointSaver):
        return checkpoint, None
    if checkpoint is None:
        from langgraph.checkpoint.memory import InMemorySaver

        return InMemorySaver(), None
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(str(Path(checkpoint)), check_same_thread=False)
    return SqliteSaver(conn), conn


class Agent:
    """Plans a mission and answers requests with a planner backend and the typed tools.

    ``planner``: ``"rules"`` (default), ``"cosmo"``, ``"openai"`` or a backend object
    (``planner_options`` go to :func:`~cosmo_agent.agent.planners.make_planner`).
    ``checkpoint``: a SQLite file (runs resumable across processes by thread id), a
    checkpointer, or None (in memory). ``now``/``catalog``/``space_weather`` override the
    mission's clock and data (see :class:`~cosmo_agent.tools.registry.ToolContext`).
    """

    def __init__(
        self,
        mission: Mission,
        *,
        planner: PlannerName | str | PlannerBackend = "rules",
        checkpoint: str | os.PathLike[str] | BaseCheckpointSaver[str] | None = None,
        now: datetime | None = None,
        catalog: Catalog | None = None,
        space_weather: str | os.PathLike[str] | SpaceWeatherSource | None = None,
        approver: str = "operator-cli",
        max_planner_rounds: int = 12,
        max_repair_rounds: int = 3,
        planner_options: Mapping[str, object] | None = None,
    ) -> None:
        self.mission = mission
        self.planner = make_planner(planner, **dict(planner_options or {}))
        self._saver, self._conn = _checkpointer(checkpoint)
        self._graph = build_graph(self._saver)
        self._now = now
        self._catalog = catalog
        self._space_weather = space_weather
        self._approver = approver
        self._limits = (max_planner_rounds, max_repair_rounds)
        self._schemas = tuple(openai_tools(mission))
        self.store = ResultStore()
        """Results of ``ask`` runs (conjunction ids found by one request resolve in the next)."""

    @classmethod
    def from_mission(cls, mission: Mission | str | os.PathLike[str], **options: Any) -> Agent:
        """An agent for a mission object or file (``MissionError`` when the file is bad);
        ``options`` are the keyword arguments of :class:`Agent`."""
        m = mission if isinstance(mission, Mission) else load_mission(mission)
        return cls(m, **options)

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the checkpoint database and the planner's connections."""
        closer = getattr(self.planner, "close", None)
        if callable(closer):
            closer()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Agent:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def tool_context(self) -> ToolContext:
        """The tool context ``ask`` runs use (the agent's clock, data and :attr:`store`), e.g.
        to call a tool directly with :func:`~cosmo_agent.tools.registry.call_tool`."""
        return self._context("reject", self.store).tools

    # -- runs --------------------------------------------------------------------------------

    def _context(self, approval: ApprovalMode, store: ResultStore | None = None) -> RunContext:
        tools = ToolContext.from_mission(
            self.mission, now=self._now, catalog=self._catalog, space_weather=self._space_weather
        )
        if store is not None:
            tools = replace(tools, store=store)
        return RunContext(
            tools=tools,
            planner=self.planner,
            approval=approval,
            approver=self._approver,
            max_planner_rounds=self._limits[0],
            max_repair_rounds=self._limits[1],
            schemas=self._schemas,
        )

    def _config(self, thread_id: str) -> RunnableConfig:
        rounds, repairs = self._limits
        return {
            "configurable": {"thread_id": thread_id},
            "max_concurrency": 1,  # tools of one turn run in call order
            "recursion_limit": 2 * rounds + 2 * repairs + 16,
        }

    def _run(
        self,
        payload: AgentState | Command[str],
        thread_id: str,
        context: RunContext,
        progress: Progress | None,
    ) -> tuple[AgentState, JsonObject | None]:
        config = self._config(thread_id)
        for chunk in self._graph.stream(
            payload,
            config,
            context=context,
            stream_mode="updates",
        ):
            if progress is not None:
                for step, update in chunk.items():
                    progress(step, _describe_step(step, update))
        if self._catalog is None:  # keep the loaded catalog for the next run
            with contextlib.suppress(Exception):  # an unreadable one stays each run's tool error
                self._catalog = context.tools.catalog
        snapshot = self._graph.get_state(config)
        pending: JsonObject | None = None
        if snapshot.interrupts:
            value = snapshot.interrupts[0].value
            pending = dict(value) if isinstance(value, Mapping) else {"value": value}
        return cast(AgentState, snapshot.values), pending

    def plan(
        self,
        *,
        approve_all: bool = False,
        approval: ApprovalMode | None = None,
        thread_id: str | None = None,
        progress: Progress | None = None,
        store: ResultStore | None = None,
    ) -> PlanResult:
        """Plan the mission's objectives and requests.

        Hazardous commands: ``approve_all`` approves them (by ``approver``); otherwise
        ``approval`` decides (default ``"interrupt"``: pause, see :meth:`resume`).
        ``store``: the run's results start from it (e.g. the daemon's open events, seeded
        with :meth:`~cosmo_agent.tools.registry.ResultStore.seed`, so a screening that finds
        one keeps its id and continues its Pc history); default: an empty one.
        """
        mode: ApprovalMode = "approve_all" if approve_all else (approval or "interrupt")
        thread = thread_id or uuid.uuid4().hex
        context = self._context(mode, store)
        state, pending = self._run({"mode": "plan"}, thread, context, progress)
        return _plan_result(state, thread, pending)

    def resume(
        self,
        thread_id: str,
        decision: ApprovalDecision | Mapping[str, JsonValue] | bool,
        *,
        progress: Progress | None = None,
    ) -> PlanResult:
        """Answer the approval a plan run paused at (``True``/``False``, a dict or an
        :class:`~cosmo_agent.agent.graph.ApprovalDecision`) and finish the run."""
        if isinstance(decision, bool):
            value: JsonObject = {"approve": decision}
        elif isinstance(decision, ApprovalDecision):
            value = decision.model_dump()
        else:
            value = dict(decision)
        state, pending = self._run(
            Command(resume=value), thread_id, self._context("interrupt"), progress
        )
        return _plan_result(state, thread_id, pending)

    def ask(
        self, text: str, *, thread_id: str | None = None, progress: Progress | None = None
    ) -> AskResult:
        """Answer one operator request (English or Korean) with the tools."""
        thread = thread_id or uuid.uuid4().hex
        payload: AgentState = {"mode": "ask", "request": text}
        state, _ = self._run(payload, thread, self._context("reject", self.store), progress)
        messages: list[BaseMessage] = list(state.get("messages", []))
        start = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
        turn = messages[start + 1 :]
        answer = next(
            (m.text for m in reversed(turn) if isinstance(m, AIMessage) and not m.tool_calls), ""
        )
        calls = {str(c.get("id")) for m in turn if isinstance(m, AIMessage) for c in m.tool_calls}
        trace = [e for e in state.get("trace", []) if e["call_id"] in calls]
        reader = next(
            (m.response_metadata.get("reader") for m in turn if isinstance(m, AIMessage)), None
        )
        return AskResult(
            request=text,
            answer=answer,
            language=detect_language(text),
            thread_id=thread,
            trace=trace,
            messages=chat_messages(turn),
            reader=None if reader is None else str(reader),
        )


def _plan_result(state: AgentState, thread_id: str, pending: JsonObject | None) -> PlanResult:
    plan = None if state.get("plan") is None else CommandPlan.model_validate(state["plan"])
    report = (
        None if state.get("report") is None else ValidationReport.model_validate(state["report"])
    )
    status: PlanStatus
    if pending is not None:
        status = "awaiting_approval"
    else:
        final = state.get("status")
        status = (
            "accepted" if final == "accepted" else "incomplete" if final == "incomplete"
            else "rejected"
        )  # fmt: skip
    return PlanResult(
        status=status,
        thread_id=thread_id,
        plan=plan,
        report=report,
        trace=list(state.get("trace", [])),
        briefing=state.get("briefing", ""),
        reasons=list(state.get("reasons", [])),
        repairs=list(state.get("repairs", [])),
        approval=cast(JsonObject | None, state.get("approval")),  # a TypedDict of JSON values
        pending=pending,
        records=tool_records(list(state.get("messages", []))),
    )


def _describe_step(step: str, update: object) -> str:
    """One line about a node's update as the graph streams it (read defensively: a stream
    update is whatever the node returned)."""
    if isinstance(update, list | tuple):  # a ToolNode update: one Command per call
        update = {
            "trace": [
                e for part in update if isinstance(part, Mapping) for e in part.get("trace") or []
            ]
        }
    if not isinstance(update, Mapping):
        return step
    if step == "planner":
        messages = update.get("messages") or []
        last = messages[-1] if messages else None
        if isinstance(last, AIMessage) and last.tool_calls:
            return "calling " + ", ".join(c["name"] for c in last.tool_calls)
        return "answered"
    if step == "tools":
        return "; ".join(
            f"{e['name']} {'ok' if e['ok'] else 'failed'} ({e['duration_s']:.2f} s)"
            for e in update.get("trace") or []
        )
    if step == "compose" and update.get("plan"):
        return f"composed {len(update['plan'].get('commands', []))} commands"
    if step in ("validate", "emit") and update.get("report"):
        r = update["report"]
        errors = [v["rule"] for v in r.get("violations", []) if v["severity"] == "error"]
        pending = sum(rule.startswith("approval.") for rule in errors)
        text = f"{'passed' if r.get('ok') else 'failed'}: {len(errors)} error(s)"
        return text + (f", {pending} awaiting approval" if pending and step == "validate" else "")
    if step == "repair" and update.get("repairs"):
        r = update["repairs"][-1]
        return f"round {r['round']}: dropped {len(r['dropped'])}, moved {len(r['retimed'])}"
    if step == "approve" and update.get("approval"):
        return str(update["approval"].get("status"))
    return step
