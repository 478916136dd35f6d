"""The OpenAI-compatible server and the Lambda handler, over real loopback HTTP."""

from __future__ import annotations

import base64
import doctest
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

import cosmo_agent.model.serve as srv
from cosmo_agent.model.serve import create_app, make_lambda_handler

TOKEN = "s3cret-token"
TOOLS = [
    {"type": "function", "function": {"name": "fleet_status", "description": "Fleet.",
                                      "parameters": {"type": "object", "properties": {}}}},
    {"type": "function", "function": {"name": "find_passes", "description": "Passes.",
                                      "parameters": {
        "type": "object", "required": ["satellites"], "additionalProperties": False,
        "properties": {"satellites": {"type": "array", "items": {"type": "string",
                                                                 "enum": ["ISS", "아리랑 3호"]}},
                       "duration_h": {"type": "number", "exclusiveMinimum": 0,
                                      "maximum": 168}}}}},
]


class FakeChat(BaseChatModel):
    """Answers with a call of the first bound tool (or text without tools); records inputs."""

    seen: ClassVar[list[dict[str, Any]]] = []

    @property
    def _llm_type(self) -> str:
        return "fake-cosmo"

    def bind_tools(self, tools: Any, *, tool_choice: Any = None, **kwargs: Any) -> Any:
        return self.bind(tools=tools, tool_choice=tool_choice, **kwargs)

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        self.seen.append({"messages": messages, **kwargs})
        tools = kwargs.get("tools") or []
        if tools and kwargs.get("tool_choice") != "none":
            name = tools[-1]["function"]["name"]
            args = {"satellites": ["아리랑 3호"], "duration_h": 12} if name == "find_passes" else {}
            msg = AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": "call_x"}],
                            response_metadata={"finish_reason": "tool_calls"},
                            usage_metadata={"input_tokens": 11, "output_tokens": 7,
                                            "total_tokens": 18})
        else:
            msg = AIMessage(content="안녕하세요, Cosmo입니다.",
                            usage_metadata={"input_tokens": 5, "output_tokens": 3,
                                            "total_tokens": 8})
        return ChatResult(generations=[ChatGeneration(message=msg)])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server:
    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> httpx.Client:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60)
        return self.client

    def __exit__(self, *exc: Any) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def fake() -> FakeChat:
    return FakeChat()


@pytest.fixture(scope="module")
def client(fake: FakeChat) -> Iterator[httpx.Client]:
    with _Server(create_app(fake, token=TOKEN, model_id="cosmo-test")) as c:
        yield c


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_doctests() -> None:
    assert doctest.testmod(srv, optionflags=doctest.ELLIPSIS).failed == 0


def test_health_and_models(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "model": "cosmo-test"}
    models = client.get("/v1/models", headers=AUTH).json()
    assert [m["id"] for m in models["data"]] == ["cosmo-test"]


def test_token_is_required(client: httpx.Client) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}]}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        r = client.post("/v1/chat/completions", json=body, headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["error"]["type"] == "authentication_error"
    assert client.get("/v1/models").status_code == 401
    assert client.post("/v1/chat/completions", json=body, headers=AUTH).status_code == 200


def test_tool_call_completion(client: httpx.Client, fake: FakeChat) -> None:
    body = {
        "model": "gpt-4o-mini",  # what OpenAI clients send; the served model answers
        "messages": [
            {"role": "system", "content": "You are Cosmo."},
            {"role": "user", "content": "Fleet?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function",
                 "function": {"name": "fleet_status", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": '{"ok": true}'},
            {"role": "user", "content": [{"type": "text", "text": "아리랑 3호 "},
                                         {"type": "text", "text": "passes?"}]},
        ],
        "tools": TOOLS, "tool_choice": "auto", "max_tokens": 64,
        "temperature": 0, "top_p": 1,  # accepted and ignored (greedy)
    }
    r = client.post("/v1/chat/completions", json=body, headers=AUTH)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["object"] == "chat.completion" and out["model"] == "cosmo-test"
    choice = out["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    (tc,) = choice["message"]["tool_calls"]
    assert tc["type"] == "function" and tc["id"] == "call_x"
    assert tc["function"]["name"] == "find_passes"
    assert isinstance(tc["function"]["arguments"], str)
    assert json.loads(tc["function"]["arguments"]) == {"satellites": ["아리랑 3호"],
                                                       "duration_h": 12}
    assert out["usage"] == {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    seen = fake.seen[-1]
    assert seen["max_new_tokens"] == 64 and seen["tool_choice"] == "auto"
    assert [t["function"]["name"] for t in seen["tools"]] == ["fleet_status", "find_passes"]
    msgs = seen["messages"]
    assert isinstance(msgs[2], AIMessage) and msgs[2].tool_calls[0]["name"] == "fleet_status"
    assert isinstance(msgs[3], ToolMessage) and msgs[3].name == "fleet_status"
    assert isinstance(msgs[4], HumanMessage) and msgs[4].content == "아리랑 3호 passes?"


def test_text_completion_and_named_tool_choice(client: httpx.Client, fake: FakeChat) -> None:
    r = client.post("/v1/chat/completions", headers=AUTH,
                    json={"messages": [{"role": "user", "content": "안녕"}]})
    choice = r.json()["choices"][0]
    assert choice["finish_reason"] == "stop" and choice["message"]["tool_calls"] is None
    assert choice["message"]["content"] == "안녕하세요, Cosmo입니다."
    named = {"type": "function", "function": {"name": "fleet_status"}}
    r = client.post("/v1/chat/completions", headers=AUTH, json={
        "messages": [{"role": "user", "content": "status"}], "tools": TOOLS,
        "tool_choice": named})
    assert r.status_code == 200 and fake.seen[-1]["tool_choice"] == "fleet_status"


BAD_BODIES: list[tuple[Any, str]] = [
    ({}, "messages: Field required"),
    ({"messages": []}, "messages: List should have at least 1 item"),
    ({"messages": [{"role": "robot", "content": "x"}]}, "messages.0.role"),
    ({"messages": [{"role": "user"}]}, "needs content"),
    ({"messages": [{"role": "tool", "content": "x"}]}, "needs tool_call_id"),
    ({"messages": [{"role": "assistant", "tool_calls": [
        {"id": "1", "type": "function", "function": {"name": "f", "arguments": "{oops"}}]}]},
     "arguments of 'f' are not JSON"),
    ({"messages": [{"role": "user", "content": "x"}], "stream": True}, "stream=true"),
    ({"messages": [{"role": "user", "content": "x"}], "n": 2}, "n:"),
    ({"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}, "max_tokens"),
    ({"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function"}]},
     "tools.0.function"),
    ({"messages": [{"role": "user", "content": "x"}], "tools": TOOLS,
      "tool_choice": {"type": "function", "function": {"name": "launch"}}}, "'launch'"),
    ({"messages": [{"role": "user", "content": "x"}], "tool_choice": "required"},
     "needs tools"),
    ({"messages": [{"role": "user", "content": "x"}], "tools": TOOLS + TOOLS[:1]}, "unique"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
     "messages.0.content"),
]


@pytest.mark.parametrize(("body", "why"), BAD_BODIES)
def test_bad_requests_get_400_with_a_message(client: httpx.Client, body: Any, why: str) -> None:
    r = client.post("/v1/chat/completions", json=body, headers=AUTH)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error" and why in err["message"], err


def test_malformed_json_gets_400(client: httpx.Client) -> None:
    r = client.post("/v1/chat/completions", content=b'{"messages": [', headers={
        **AUTH, "Content-Type": "application/json"})
    assert r.status_code == 400
    assert "not valid JSON" in r.json()["error"]["message"]


def test_server_without_token_and_serve_defaults(fake: FakeChat) -> None:
    with _Server(create_app(fake)) as c:
        r = c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "x"}]})
        assert r.status_code == 200
        assert r.json()["model"] == "fake-cosmo"
    assert srv._is_loopback("127.0.0.1") and srv._is_loopback("::1")
    assert srv._is_loopback("localhost") and not srv._is_loopback("0.0.0.0")


def test_real_tiny_model_over_http() -> None:
    """A tiny random CosmoChatModel behind the server: calls are schema-valid JSON strings."""
    pytest.importorskip("xgrammar")
    from test_model_inference import make_model, make_tokenizer

    from cosmo_agent.model.evaluate import validate_call
    from cosmo_agent.model.inference import CosmoChatModel

    tokenizer = make_tokenizer()
    chat = CosmoChatModel.from_components(make_model(tokenizer, 2, std=1.0), tokenizer,
                                          max_new_tokens=40, max_string_chars=8)
    with _Server(create_app(chat)) as c:
        r = c.post("/v1/chat/completions", json={
            "messages": [{"role": "user", "content": "ISS passes?"}], "tools": TOOLS,
            "tool_choice": "required", "max_tokens": 40})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["model"] == "cosmo-tiny"
    assert out["usage"]["completion_tokens"] <= 40 and out["usage"]["prompt_tokens"] > 0
    assert out["choices"][0]["finish_reason"] in ("tool_calls", "length")
    for tc in out["choices"][0]["message"]["tool_calls"] or []:
        fn = tc["function"]
        call = {"name": fn["name"], "arguments": json.loads(fn["arguments"])}
        assert validate_call(call, TOOLS) == []


# -- AWS Lambda -------------------------------------------------------------------------------

PAYLOAD = {"messages": [{"role": "user", "content": "ISS passes?"}], "tools": TOOLS}


def test_lambda_proxy_event(fake: FakeChat) -> None:
    handler = make_lambda_handler(fake)
    out = handler({"httpMethod": "POST", "path": "/", "body": json.dumps(PAYLOAD),
                   "isBase64Encoded": False}, None)
    assert out["statusCode"] == 200 and out["headers"]["Content-Type"] == "application/json"
    body = json.loads(out["body"])
    (tc,) = body["choices"][0]["message"]["tool_calls"]
    assert tc["function"]["name"] == "find_passes"
    # HTTP API (v2) event with a base64 body
    v2 = {"version": "2.0", "requestContext": {"http": {"method": "POST"}},
          "body": base64.b64encode(json.dumps(PAYLOAD).encode()).decode(),
          "isBase64Encoded": True}
    assert handler(v2, None)["statusCode"] == 200


def test_lambda_direct_invocation_and_lazy_factory(fake: FakeChat) -> None:
    made: list[int] = []

    def factory() -> FakeChat:
        made.append(1)
        return fake

    handler = make_lambda_handler(factory)
    assert made == []
    out = handler(PAYLOAD, None)
    assert out["object"] == "chat.completion"
    assert out["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "find_passes"
    handler(PAYLOAD, None)
    assert made == [1]  # loaded once per warm container


@pytest.mark.parametrize(("event", "status", "why"), [
    ({"httpMethod": "POST", "body": "{not json"}, 400, "not valid JSON"),
    ({"httpMethod": "POST", "body": "[1, 2]"}, 400, "must be a JSON object"),
    ({"httpMethod": "POST", "body": "!!", "isBase64Encoded": True}, 400, "is not base64"),
    ({"httpMethod": "POST", "body": json.dumps({"messages": []})}, 400, "at least 1 item"),
    ({"httpMethod": "GET", "body": None}, 405, "use POST"),
    ({"httpMethod": "POST", "body": json.dumps({**PAYLOAD, "tool_choice": "always"})}, 400,
     "tool_choice"),
])
def test_lambda_proxy_bad_input(fake: FakeChat, event: Any, status: int, why: str) -> None:
    out = make_lambda_handler(fake)(event, None)
    assert out["statusCode"] == status
    assert why in json.loads(out["body"])["error"]["message"]


def test_lambda_direct_bad_input(fake: FakeChat) -> None:
    handler = make_lambda_handler(fake)
    out = handler({"messages": [{"role": "user"}]}, None)
    assert out["statusCode"] == 400 and "needs content" in out["error"]["message"]
    assert handler({"tools": TOOLS}, None)["statusCode"] == 400
    assert handler([1, 2], None)["statusCode"] == 400


def test_default_lambda_handler_reports_a_missing_model(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Any) -> None:
    monkeypatch.setenv("COSMO_MODEL_DIR", str(tmp_path / "none"))
    handler = make_lambda_handler(srv._default_lambda_model)
    with pytest.raises(FileNotFoundError, match=r"cosmo_agent\.model\.train"):
        handler(PAYLOAD, None)


def test_serve_runs_uvicorn_on_loopback_and_refuses_exposed_without_token(
        monkeypatch: pytest.MonkeyPatch, fake: FakeChat) -> None:
    import uvicorn

    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: runs.append({"app": app, **kw}))
    srv.serve(fake, port=8123, token=TOKEN)
    assert runs[-1]["host"] == "127.0.0.1" and runs[-1]["port"] == 8123
    for token in (None, ""):
        with pytest.raises(srv.ServeConfigError, match="--token"):
            srv.serve(fake, host="0.0.0.0", port=8124, token=token)
    assert len(runs) == 1  # nothing was bound
    srv.serve(fake, host="0.0.0.0", port=8124, token=TOKEN)  # uvicorn.run is stubbed
    assert runs[-1]["host"] == "0.0.0.0"
