"""What a run did: one trace entry per tool call, and the tool results read back as records.

The graph appends a :class:`TraceEntry` for every tool call (name, arguments, duration, a
one-line summary); :func:`tool_records` pairs the assistant's tool calls with their tool
messages so that planners and the plan composer can read each result as data
(``{"ok": true, "result": {...}}`` or ``{"ok": false, "error": {...}}``).

>>> from langchain_core.messages import AIMessage, ToolMessage
>>> msgs = [AIMessage("", tool_calls=[{"name": "fleet_status", "args": {}, "id": "c1"}]),
...         ToolMessage('{"ok":true,"result":{"satellites":[]}}', tool_call_id="c1")]
>>> [(r.call_id, r.name, r.ok) for r in tool_records(msgs)]
[('c1', 'fleet_status', True)]
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict, TypeVar, cast

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from pydantic import BaseModel

from cosmo_agent.agent.jsontypes import JsonObject, JsonValue

__all__ = ["ToolRecord", "TraceEntry", "chat_messages", "tool_records"]

_Result = TypeVar("_Result", bound=BaseModel)


class TraceEntry(TypedDict):
    """One tool call of a run: what was asked, how long it took and what came back.

    ``args`` is the call as the tool executed it (canonical names, values in the tool's
    units, defaults filled in), or as written when the tool refused it; ``raw_args`` is what
    the planner wrote ("3 days", "아리랑 3호")."""

    call_id: str
    name: str
    args: JsonObject
    raw_args: NotRequired[JsonObject]
    duration_s: float
    ok: bool
    summary: str
    error_code: str | None


@dataclass(frozen=True)
class ToolRecord:
    """A tool call and its parsed outcome (``result`` when ok, else ``error``).

    ``result`` is the tool's JSON result as loose data for the readers that pick single keys
    from it; :meth:`output` gives it as the tool's result model."""

    call_id: str
    name: str
    args: JsonObject
    ok: bool
    result: Mapping[str, Any] = field(default_factory=dict)
    error: JsonObject = field(default_factory=dict)

    _outputs: dict[type[BaseModel], BaseModel] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def output(self, model: type[_Result]) -> _Result:
        """``result`` as the tool's result model (validated once, then cached); the JSON
        stays the record's, as the checkpointed state holds it."""
        cached = self._outputs.get(model)
        if cached is None:
            cached = self._outputs[model] = model.model_validate(self.result)
        return cast(_Result, cached)

    @property
    def error_code(self) -> str | None:
        """The tool error code, or None."""
        code = self.error.get("code")
        return None if code is None else str(code)


def tool_records(messages: Sequence[BaseMessage]) -> list[ToolRecord]:
    """Every answered tool call in ``messages``, in call order.

    A tool message whose content is not the contract's JSON counts as a failed call with
    code ``unreadable``.
    """
    calls: dict[str, tuple[str, JsonObject]] = {}
    order: list[str] = []
    answers: dict[str, ToolMessage] = {}
    for m in messages:
        if isinstance(m, AIMessage):
            for c in m.tool_calls:
                call_id = str(c.get("id") or "")
                if call_id not in calls:
                    order.append(call_id)
                calls[call_id] = (c["name"], dict(c["args"]))
        elif isinstance(m, ToolMessage):
            answers[m.tool_call_id] = m
    out: list[ToolRecord] = []
    for call_id in order:
        answer = answers.get(call_id)
        if answer is None:
            continue
        name, args = calls[call_id]
        try:
            data = json.loads(answer.text)
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, dict) or "ok" not in data:
            error: JsonObject = {"code": "unreadable", "message": answer.text[:500]}
            out.append(ToolRecord(call_id, name, args, False, error=error))
        elif data["ok"]:
            out.append(ToolRecord(call_id, name, args, True, result=data.get("result") or {}))
        else:
            out.append(ToolRecord(call_id, name, args, False, error=data.get("error") or {}))
    return out


def chat_messages(messages: Sequence[BaseMessage]) -> list[JsonObject]:
    """The assistant and tool turns of ``messages`` in the contract's chat format.

    Assistant tool calls carry ``arguments`` as objects; tool messages keep the JSON string.

    >>> from langchain_core.messages import AIMessage
    >>> chat_messages([AIMessage("All quiet.")])
    [{'role': 'assistant', 'content': 'All quiet.'}]
    """
    names: dict[str, str] = {}
    out: list[JsonObject] = []
    for m in messages:
        if isinstance(m, AIMessage):
            if m.tool_calls:
                calls: list[JsonValue] = []
                for c in m.tool_calls:
                    call_id = str(c.get("id") or "")
                    names[call_id] = c["name"]
                    calls.append(
                        {
                            "type": "function",
                            "id": call_id,
                            "function": {"name": c["name"], "arguments": dict(c["args"])},
                        }
                    )
                out.append({"role": "assistant", "content": m.text or None, "tool_calls": calls})
            else:
                out.append({"role": "assistant", "content": m.text})
        elif isinstance(m, ToolMessage):
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": m.tool_call_id,
                    "name": m.name or names.get(m.tool_call_id, ""),
                    "content": m.text,
                }
            )
    return out
