"""Serve a Cosmo chat model over an OpenAI-compatible HTTP API, or as an AWS Lambda function.

Endpoints of :func:`create_app`:

``POST /v1/chat/completions``
    OpenAI Chat Completions with ``tools``/``tool_choice``; the reply's
    ``choices[0].message.tool_calls[*].function.arguments`` are JSON strings, ``finish_reason``
    is ``"tool_calls"``, ``"stop"`` or ``"length"``, ``usage`` counts tokens.  No streaming.
``GET /v1/models``
    The one model served.
``GET /healthz``
    Liveness, never behind the token (for load balancers and probes).

With a ``token``, every path but ``/healthz`` needs ``Authorization: Bearer <token>`` (401
otherwise, before routing; compared in constant time: :class:`~cosmo_agent.model.web.TokenGate`,
shared with the daemon's server).  :func:`serve` refuses a non-loopback host without a token
(:class:`ServeConfigError`; ``cosmo-agent serve`` exits 2 saying to pass ``--token`` or set
``COSMO_API_TOKEN``).  Bad requests get 400 with an OpenAI-style
``{"error": {"message", "type", "param", "code"}}`` body that names the offending field.

Bounds (:class:`~cosmo_agent.model.web.BodyLimit`): a request body over ``max_body_bytes``
(default 1 MiB) is answered 413 before it is read (by its ``Content-Length``) or as soon as a
chunked body passes the limit, so at most the limit is ever held.  A ``CosmoChatModel`` fits the
prompt to its context window itself (:mod:`cosmo_agent.model.context`: tool results summarised,
the oldest turns left out as needed, tokens counted with the model's own tokenizer and chat
template, before any decoding); a conversation whose system messages, tools and last user
message still do not fit is answered 400 with code ``context_length_exceeded``, and so is one
that leaves less than ``max_tokens`` (the conversation is trimmed to make room for it first);
without ``max_tokens`` the reply is cut to the room left.  The context window comes from the
model's config (``max_position_embeddings``); other chat models (test doubles) are not checked.

The model is any LangChain chat model with ``bind_tools(tools, tool_choice=...)`` whose
``invoke(messages, max_new_tokens=...)`` returns an ``AIMessage`` (``CosmoChatModel``, or a
test double); requests are handled one at a time by the model's own lock.

:func:`lambda_handler` (built by :func:`make_lambda_handler`) takes the events API Gateway
sends a proxy integration (REST API, HTTP API payload 2.0 or 1.0, a function URL; the body
possibly base64) and answers ``{"statusCode", "headers", "body", "isBase64Encoded"}``, routed
like the app (``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /healthz``; 404 for
another path, 405 with ``Allow`` for another method, 400 with the reason for a body that is
empty, not base64 or JSON, or not a request).  A direct ``Invoke`` whose event is the request
itself (``{"messages": [...], "tools": [...]}``) gets the completion object itself, or
``{"statusCode": 400, "error": {...}}``.  The model directory comes from ``COSMO_MODEL_DIR``
(default: embedded) and is loaded once per execution environment, on the first request that
needs it.

>>> ChatCompletionRequest.model_validate({"messages": [{"role": "user", "content": "hi"}]}).n
1
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cosmo_agent.model.context import ContextTooLong
from cosmo_agent.model.inference import CosmoChatModel, RequestValues, UnknownNames
from cosmo_agent.model.web import BodyLimit, TokenGate
from cosmo_agent.model.web import is_loopback as _is_loopback

if TYPE_CHECKING:
    from fastapi import FastAPI
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "ChatCompletion",
    "ChatCompletionRequest",
    "ContextLengthError",
    "ServeConfigError",
    "complete",
    "create_app",
    "lambda_handler",
    "make_lambda_handler",
    "serve",
]

DEFAULT_MAX_BODY_BYTES: Final = 1 << 20
"""1 MiB of JSON: far more than any conversation that fits a Cosmo model's context."""


class ServeConfigError(ValueError):
    """:func:`serve` was asked for something unsafe; the message says what to pass instead."""


class ContextLengthError(ValueError):
    """The prompt (with room for the reply) does not fit the model's context window."""


# ----------------------------------------------------------------------------------------------
# OpenAI shapes


class FunctionCall(BaseModel):
    """``tool_calls[*].function``: arguments as a JSON string (a JSON object is accepted too)."""

    name: str = Field(min_length=1)
    arguments: str | dict[str, Any] = "{}"

    def arguments_dict(self) -> dict[str, Any]:
        """The arguments as an object; a ValueError names the problem."""
        if isinstance(self.arguments, dict):
            return self.arguments
        try:
            value = json.loads(self.arguments) if self.arguments.strip() else {}
        except json.JSONDecodeError as exc:
            raise ValueError(f"arguments of {self.name!r} are not JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise ValueError(f"arguments of {self.name!r} must be a JSON object")
        return value


class ToolCallItem(BaseModel):
    """One ``tool_calls`` entry."""

    id: str = Field(min_length=1)
    type: Literal["function"] = "function"
    function: FunctionCall


class ContentPart(BaseModel):
    """A content part; only text parts are understood."""

    model_config = ConfigDict(extra="allow")
    type: Literal["text"]
    text: str


class RequestMessage(BaseModel):
    """A message of the conversation."""

    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCallItem] | None = None
    tool_call_id: str | None = None

    @model_validator(mode="after")
    def _role_fields(self) -> RequestMessage:
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a tool message needs tool_call_id")
        if self.role != "assistant" and self.tool_calls:
            raise ValueError("only assistant messages carry tool_calls")
        if self.role in ("system", "developer", "user", "tool") and self.content is None:
            raise ValueError(f"a {self.role} message needs content")
        for call in self.tool_calls or ():
            call.function.arguments_dict()
        return self

    def text(self) -> str:
        """The content as one string."""
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class FunctionDefinition(BaseModel):
    """``tools[*].function``."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str | None = None
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None


class ToolDefinition(BaseModel):
    """One tool, OpenAI format."""

    type: Literal["function"] = "function"
    function: FunctionDefinition


class NamedToolChoice(BaseModel):
    """``{"type": "function", "function": {"name": ...}}``."""

    type: Literal["function"] = "function"
    function: dict[str, str]

    @field_validator("function")
    @classmethod
    def _has_name(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get("name"):
            raise ValueError("tool_choice.function needs a name")
        return value


class ChatCompletionRequest(BaseModel):
    """The request body of ``/v1/chat/completions`` (unknown OpenAI fields are ignored)."""

    model_config = ConfigDict(extra="ignore")
    model: str | None = None
    messages: list[RequestMessage] = Field(min_length=1)
    tools: list[ToolDefinition] | None = None
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    max_tokens: int | None = Field(default=None, ge=1, le=8192)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=8192)
    stream: bool = False
    n: int = Field(default=1, ge=1, le=1)
    temperature: float | None = Field(default=None, ge=0, le=2)

    @model_validator(mode="after")
    def _consistent(self) -> ChatCompletionRequest:
        if self.stream:
            raise ValueError("stream=true is not supported; send stream=false")
        names = [t.function.name for t in self.tools or ()]
        if len(set(names)) != len(names):
            raise ValueError("tool names must be unique")
        if isinstance(self.tool_choice, NamedToolChoice):
            if self.tool_choice.function["name"] not in names:
                raise ValueError(
                    f"tool_choice names {self.tool_choice.function['name']!r}, "
                    f"which is not in tools ({', '.join(names) or 'none given'})"
                )
        elif self.tool_choice == "required" and not names:
            raise ValueError("tool_choice='required' needs tools")
        return self


class ResponseFunctionCall(BaseModel):
    name: str
    arguments: str


class ResponseToolCall(BaseModel):
    id: str
    type: Literal["function"] = "function"
    function: ResponseFunctionCall


class ResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str | None
    tool_calls: list[ResponseToolCall] | None = None


class Choice(BaseModel):
    index: int = 0
    message: ResponseMessage
    finish_reason: Literal["stop", "tool_calls", "length"]


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    """The response body of ``/v1/chat/completions``."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage


# ----------------------------------------------------------------------------------------------
# The completion itself


def _to_langchain(messages: list[RequestMessage]) -> list[BaseMessage]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

    names: dict[str, str] = {}
    out: list[BaseMessage] = []
    for m in messages:
        if m.role in ("system", "developer"):
            out.append(SystemMessage(m.text()))
        elif m.role == "user":
            out.append(HumanMessage(m.text()))
        elif m.role == "assistant":
            calls = [
                {
                    "name": c.function.name,
                    "args": c.function.arguments_dict(),
                    "id": c.id,
                    "type": "tool_call",
                }
                for c in m.tool_calls or ()
            ]
            names.update({c.id: c.function.name for c in m.tool_calls or ()})
            out.append(AIMessage(content=m.text(), tool_calls=calls))
        else:
            call_id = m.tool_call_id or ""
            out.append(
                ToolMessage(m.text(), tool_call_id=call_id, name=m.name or names.get(call_id))
            )
    return out


def _model_id(model: Any) -> str:
    return str(getattr(model, "model_id", None) or getattr(model, "_llm_type", "cosmo"))


def _fits_itself(model: Any) -> bool:
    """Whether ``model`` fits prompts to its context window (``CosmoChatModel``)."""
    return isinstance(model, CosmoChatModel)


def _context_length_error(exc: ContextTooLong, max_tokens: int | None) -> ContextLengthError:
    """The engine's refusal in the API's words: ``max_tokens`` named when it is what does not
    fit."""
    prompt, window = exc.prompt_tokens, exc.window_tokens
    if max_tokens is None or prompt >= window:
        return ContextLengthError(str(exc))
    return ContextLengthError(
        f"the prompt needs at least {prompt} tokens (system messages, tools and the last user"
        f" message; tool results summarised, earlier turns left out) and max_tokens asks for"
        f" {max_tokens} more, over this model's context window of {window} tokens: ask for at"
        f" most {window - prompt} max_tokens or shorten the conversation"
    )


def complete(
    model: BaseChatModel, request: ChatCompletionRequest, *, model_id: str | None = None
) -> ChatCompletion:
    """Run one chat completion request through ``model`` (answering as ``model_id``, default
    the model's own name, whatever ``request.model`` asked for).

    :class:`ContextLengthError` (a ValueError) before any decoding when the prompt does not
    fit the model's context window."""
    runnable: Any = model
    tools = [t.model_dump(exclude_none=True) for t in request.tools or ()]
    if request.tools:
        choice = request.tool_choice
        tool_choice = choice.function["name"] if isinstance(choice, NamedToolChoice) else choice
        runnable = model.bind_tools(tools, tool_choice=tool_choice)
    messages = _to_langchain(request.messages)
    kwargs: dict[str, Any] = {}
    max_new = request.max_completion_tokens or request.max_tokens
    if max_new:
        kwargs["max_new_tokens"] = max_new
    if _fits_itself(model):  # all of max_tokens, or else whatever room is left
        kwargs["min_new_tokens"] = max_new or 1
    try:
        reply = runnable.invoke(messages, **kwargs)
    except ContextTooLong as exc:
        raise _context_length_error(exc, max_new) from None
    calls = [
        ResponseToolCall(
            id=c.get("id") or f"call_{uuid.uuid4().hex[:24]}",
            function=ResponseFunctionCall(
                name=c["name"], arguments=json.dumps(c["args"], ensure_ascii=False)
            ),
        )
        for c in getattr(reply, "tool_calls", None) or ()
    ]
    meta = getattr(reply, "response_metadata", None) or {}
    finish: Literal["stop", "tool_calls", "length"] = "tool_calls" if calls else "stop"
    if meta.get("finish_reason") in ("stop", "tool_calls", "length"):
        finish = meta["finish_reason"]
    usage = getattr(reply, "usage_metadata", None) or {}
    prompt, completion = int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
    text = reply.text if hasattr(reply, "text") else str(reply.content)
    return ChatCompletion(
        id=f"chatcmpl-{uuid.uuid4().hex}",
        created=int(time.time()),
        model=model_id or _model_id(model),
        choices=[
            Choice(
                message=ResponseMessage(
                    content=text or (None if calls else ""), tool_calls=calls or None
                ),
                finish_reason=finish,
            )
        ],
        usage=Usage(
            prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
        ),
    )


def _error(message: str, param: str | None = None, kind: str = "invalid_request_error",
           code: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _value_error(exc: ValueError) -> dict[str, Any]:
    if isinstance(exc, ContextLengthError | ContextTooLong):
        return _error(str(exc), "messages", code="context_length_exceeded")
    return _error(str(exc))


def _too_large(limit: int) -> dict[str, Any]:
    return _error(f"the request body is over this server's limit of {limit} bytes: shorten"
                  " the conversation", code="request_too_large")  # fmt: skip


def _describe(errors: list[Any]) -> tuple[str, str | None]:
    """The first pydantic/FastAPI validation error as (message, dotted param)."""
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body",)]
    param = ".".join(loc) or None
    msg = str(first.get("msg", "invalid request"))
    if first.get("type") == "json_invalid":
        return f"the request body is not valid JSON: {first.get('ctx', {}).get('error', msg)}", None
    return (f"{param}: {msg}" if param else msg), param


# ----------------------------------------------------------------------------------------------
# HTTP


def create_app(model: BaseChatModel, *, token: str | None = None, model_id: str | None = None,
               max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> FastAPI:  # fmt: skip
    """The FastAPI app serving ``model``; ``token`` turns on bearer authentication; bodies
    over ``max_body_bytes`` get 413."""
    from fastapi import FastAPI, HTTPException, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    name = model_id or _model_id(model)
    app = FastAPI(title="Cosmo planner", version="1", docs_url=None, redoc_url=None)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, param = _describe(list(exc.errors()))
        return JSONResponse(status_code=400, content=_error(message, param))

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        kind = "authentication_error" if exc.status_code == 401 else "invalid_request_error"
        return JSONResponse(
            status_code=exc.status_code,
            content=_error(str(exc.detail), kind=kind),
            headers=exc.headers,
        )

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "model": name}

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": name, "object": "model", "created": 0, "owned_by": "cosmo"}],
        }

    @app.post("/v1/chat/completions", response_model=None)
    def chat_completions(request: ChatCompletionRequest) -> ChatCompletion | JSONResponse:
        try:
            return complete(model, request, model_id=name)
        except ValueError as exc:  # a prompt over the context, a tool that cannot be used
            return JSONResponse(status_code=400, content=_value_error(exc))

    app.add_middleware(TokenGate, token=token, refuse=_refusal(max_body_bytes),
                       open_paths=("/healthz",))  # fmt: skip
    app.add_middleware(BodyLimit, limit=max_body_bytes, refuse=_refusal(max_body_bytes))
    return app


def _refusal(limit: int) -> Callable[[int, str], tuple[bytes, str]]:
    """OpenAI-style bodies for the shared token gate (401) and body limit (413)."""

    def refuse(status: int, message: str) -> tuple[bytes, str]:
        body = _too_large(limit) if status == 413 else _error(message, kind="authentication_error")
        return json.dumps(body).encode(), "application/json"

    return refuse


def serve(
    model: BaseChatModel | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None = None,
    model_path: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    request_values: RequestValues | None = None,
    unknown_names: UnknownNames | None = None,
) -> None:
    """Serve with uvicorn until interrupted (loopback by default).  Another interface needs a
    ``token``: without one :class:`ServeConfigError` is raised before anything loads or binds.
    ``model`` defaults to ``CosmoChatModel`` on ``model_path`` (default: the embedded model),
    quoting the values ``request_values`` reads in each request and passing on the names the
    mission lacks that ``unknown_names`` reads (``cosmo-agent serve`` passes the tools'
    readings)."""
    import uvicorn

    if not _is_loopback(host) and not token:
        raise ServeConfigError(
            f"refusing to serve on {host} without a token: anyone who can reach it could use"
            " the model; pass --token TOKEN (or set COSMO_API_TOKEN), or bind 127.0.0.1"
        )
    if max_body_bytes < 1:
        raise ServeConfigError(f"max_body_bytes must be at least 1, not {max_body_bytes}")
    if model is None:
        model = CosmoChatModel.load(
            model_path, request_values=request_values, unknown_names=unknown_names
        )
    uvicorn.run(create_app(model, token=token, max_body_bytes=max_body_bytes), host=host,
                port=port, log_level="info")  # fmt: skip


# ----------------------------------------------------------------------------------------------
# AWS Lambda

EventShape = Literal["rest", "http", "direct"]
"""How a Lambda event arrived.

``rest``: API Gateway REST API proxy integration (payload 1.0: ``httpMethod``, ``path``,
``headers``, ``body``, ``isBase64Encoded``; also an HTTP API's payload 1.0 and an ALB target).
``http``: HTTP API payload 2.0 or a function URL (``version: "2.0"``, ``rawPath``,
``requestContext.http.method``; no ``body`` key without a body). ``direct``: ``Invoke`` with the
chat completion request itself as the event; answered with the completion object itself.
"""

_ROUTES: Final[dict[str, tuple[str, str]]] = {
    "/v1/chat/completions": ("POST", "chat"),
    "/chat/completions": ("POST", "chat"),
    "/": ("POST", "chat"),  # a function URL, or an API whose root resource is the function
    "/v1/models": ("GET", "models"),
    "/models": ("GET", "models"),
    "/healthz": ("GET", "health"),
}
"""Proxied path -> (method, route); a proxied event without a path is a chat completion."""


def _event_shape(event: Mapping[str, Any]) -> EventShape:
    if event.get("version") == "2.0" or "rawPath" in event or "routeKey" in event:
        return "http"
    if "httpMethod" in event or ("body" in event and "messages" not in event):
        return "rest"
    return "direct"


def _method_and_path(
    event: Mapping[str, Any], shape: EventShape, base_path: str
) -> tuple[str, str]:
    """The request's method and its path below the stage and ``base_path``."""
    context = event.get("requestContext") or {}
    if shape == "http":
        method = (context.get("http") or {}).get("method") or "POST"
        path = str(event.get("rawPath") or "/")
    else:
        method = event.get("httpMethod") or "POST"
        path = str(event.get("path") or "/")
    stage = context.get("stage")
    # An HTTP API's named stage is part of its paths (payload 2.0 and 1.0, which says
    # version "1.0"); $default is not, and a REST API's stage never is.
    from_http_api = shape == "http" or event.get("version") == "1.0"
    if from_http_api and stage and stage != "$default" and (path + "/").startswith(f"/{stage}/"):
        path = path[len(stage) + 1 :] or "/"
    if base_path and (path + "/").startswith(base_path.rstrip("/") + "/"):
        path = path[len(base_path.rstrip("/")) :] or "/"
    return str(method).upper(), (path.rstrip("/") or "/")


def _proxy_response(
    status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The response API Gateway (REST and HTTP API) and function URLs expect of a proxy."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body, ensure_ascii=False),
        "isBase64Encoded": False,
    }


def _body_bytes(raw: Any, base64_encoded: bool) -> int:
    """The size of a proxied body once decoded (base64: from its length, nothing decoded)."""
    if isinstance(raw, bytes | bytearray):
        n = len(raw)
    elif isinstance(raw, str):
        n = len(raw) if raw.isascii() else len(raw.encode("utf-8", "surrogatepass"))
    else:
        return 0
    return n * 3 // 4 if base64_encoded else n


def _proxied_payload(event: Mapping[str, Any]) -> Any:
    """The JSON a proxied body holds; a ValueError says why there is none."""
    raw = event.get("body")
    if raw is None or raw == "":
        raise ValueError(
            "the request body is empty: POST the chat completion request as a JSON object"
        )
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError(
                f"the request body is marked isBase64Encoded but is not base64 of UTF-8 text: {exc}"
            ) from exc
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the request body is not valid JSON: {exc}") from exc


def make_lambda_handler(
    model: BaseChatModel | Callable[[], BaseChatModel],
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    base_path: str = "",
) -> Callable[[Mapping[str, Any], Any], dict[str, Any]]:
    """A Lambda handler over ``model``, or over a zero-argument factory called on the first
    request that needs the model, once per execution environment (a cold start loads it, warm
    invocations reuse it; concurrent first requests wait for the one load).

    Proxied events (:data:`EventShape`) are routed like :func:`create_app`: ``POST
    /v1/chat/completions`` (also ``/chat/completions`` and ``/``), ``GET /v1/models``, ``GET
    /healthz`` (never loads the model); another path is 404, another method 405 with
    ``Allow``. An HTTP API's named stage and ``base_path`` (a custom domain's API mapping) are
    taken off the path first. A body over ``max_body_bytes`` is 413 before it is decoded;
    one that is empty, not base64 when it says so, or not a JSON object is 400 with the reason.
    Authentication is API Gateway's (IAM, authorizers), not the handler's.
    """
    loaded: list[Any] = []
    lock = threading.Lock()

    def get_model() -> Any:
        with lock:
            if not loaded:
                is_factory = callable(model) and not hasattr(model, "invoke")
                loaded.append(model() if is_factory else model)  # type: ignore[operator]
        return loaded[0]

    def complete_payload(payload: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(payload, Mapping):
            return 400, _error("the request body must be a JSON object")
        try:
            request = ChatCompletionRequest.model_validate(payload)
        except ValidationError as exc:
            message, param = _describe(list(exc.errors()))
            return 400, _error(message, param)
        try:
            return 200, complete(get_model(), request).model_dump()
        except ValueError as exc:
            return 400, _value_error(exc)

    def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        if not isinstance(event, Mapping):
            return {"statusCode": 400, **_error("the event must be a JSON object")}
        shape = _event_shape(event)
        if shape == "direct":
            status, body = complete_payload(event)
            return body if status == 200 else {"statusCode": status, **body}
        method, path = _method_and_path(event, shape, base_path)
        if path not in _ROUTES and "path" not in event and "rawPath" not in event:
            path = "/"  # a proxied event without a path (a test, a hand-written invoke)
        if path not in _ROUTES:
            routes = ", ".join(f"{m} {p}" for p, (m, _) in _ROUTES.items() if p.startswith("/v1"))
            message = f"no route for {method} {path}: this function answers {routes}, GET /healthz"
            return _proxy_response(404, _error(message, code="not_found"))
        allowed, route = _ROUTES[path]
        if method != allowed:
            refusal = _error(f"use {allowed} for {path}, not {method}", code="method_not_allowed")
            return _proxy_response(405, refusal, {"Allow": allowed})
        if route == "health":
            return _proxy_response(200, {"status": "ok", "loaded": bool(loaded)})
        if route == "models":
            name = _model_id(get_model())
            data = [{"id": name, "object": "model", "created": 0, "owned_by": "cosmo"}]
            return _proxy_response(200, {"object": "list", "data": data})
        if _body_bytes(event.get("body"), bool(event.get("isBase64Encoded"))) > max_body_bytes:
            return _proxy_response(413, _too_large(max_body_bytes))
        try:
            payload = _proxied_payload(event)
        except ValueError as exc:
            return _proxy_response(400, _error(str(exc)))
        return _proxy_response(*complete_payload(payload))

    return handler


def _default_lambda_model() -> Any:
    return CosmoChatModel.load(os.environ.get("COSMO_MODEL_DIR") or None)


lambda_handler = make_lambda_handler(
    _default_lambda_model, base_path=os.environ.get("COSMO_LAMBDA_BASE_PATH", "")
)
"""The AWS Lambda entry point (``cosmo_agent.model.serve.lambda_handler``): the model from
``COSMO_MODEL_DIR`` (default: the embedded Cosmo), loaded on the first request that needs it;
``COSMO_LAMBDA_BASE_PATH``: a custom domain's API mapping path, taken off request paths."""
