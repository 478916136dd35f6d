"""Bounds of the two HTTP surfaces (issue 17, item 7): the daemon's health server and the
OpenAI-compatible model server.  Both are real servers on 127.0.0.1, stopped after each test.

- a non-loopback bind needs a token (``cosmo-agent serve`` exits 2; the daemon's settings refuse);
- tokens are compared with ``hmac.compare_digest``; a wrong one is 401;
- a body over the limit is 413, by its Content-Length before it is sent (the server cannot have
  read it), and for a chunked body as soon as the limit is passed (the body never ends here);
- a prompt over the model's context window is 400 before decoding.
"""

from __future__ import annotations

import hmac
import json
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import cosmo_agent.model.serve as srv
from cosmo_agent.agent.daemon.server import HealthServer

sys.path.insert(0, str(Path(__file__).parent))
from test_model_serve import TOKEN, TOOLS, FakeChat, _Server

AUTH = {"Authorization": f"Bearer {TOKEN}"}
BIG = 5 * 1024 * 1024


def _status_line(sock: socket.socket) -> str:
    """The response's status line (reads at most 64 KiB, 10 s)."""
    sock.settimeout(10)
    data = b""
    while b"\r\n" not in data and len(data) < 65536:
        got = sock.recv(4096)
        if not got:
            break
        data += got
    return data.split(b"\r\n", 1)[0].decode()


def _declared_only(port: int, method: str, path: str, length: int,
                   headers: dict[str, str]) -> tuple[str, float]:  # fmt: skip
    """Send headers declaring ``length`` bytes of body, and no body: the status line, seconds."""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        return _status_line(sock), time.monotonic() - t0


def _chunked_forever(port: int, method: str, path: str, headers: dict[str, str],
                     chunk: int, chunks: int) -> str:  # fmt: skip
    """Send ``chunks`` chunks of ``chunk`` bytes and never the last chunk: the status line."""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        for _ in range(chunks):
            sock.sendall(f"{chunk:x}\r\n".encode() + b"x" * chunk + b"\r\n")
        return _status_line(sock)


@pytest.fixture
def spy_compare(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, bytes]]:
    """Every ``hmac.compare_digest`` call (both servers look it up on the module)."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    return calls


# -- the daemon's health server ---------------------------------------------------------------


@pytest.fixture
def health() -> Iterator[HealthServer]:
    server = HealthServer("127.0.0.1", 0, health=lambda: (True, {}), ready=lambda: (True, {}),
                          metrics=lambda: b"m 1\n", token="tok", max_body_bytes=1000).start()
    yield server
    server.stop()


def test_daemon_token_is_compared_in_constant_time(
    health: HealthServer, spy_compare: list[tuple[bytes, bytes]]
) -> None:
    base = f"http://127.0.0.1:{health.port}"
    assert httpx.get(base + "/healthz", headers={"Authorization": "Bearer nope"}).status_code \
        == 401  # fmt: skip
    assert httpx.get(base + "/healthz").status_code == 401
    assert httpx.get(base + "/healthz", headers={"Authorization": "Bearer tok"}).status_code \
        == 200  # fmt: skip
    # one shared gate (cosmo_agent.model.web): the credentials against the token, once a request
    assert spy_compare == [(b"nope", b"tok"), (b"", b"tok"), (b"tok", b"tok")]


def test_daemon_refuses_a_declared_oversized_body_unread(health: HealthServer) -> None:
    line, seconds = _declared_only(health.port, "POST", "/healthz", BIG,
                                   {"Authorization": "Bearer tok"})  # fmt: skip
    assert line.split(" ", 2)[1] == "413", line
    assert seconds < 5  # answered at once, not after a 10 s read timeout
    line, _ = _declared_only(health.port, "GET", "/readyz", 1001, {})  # before the token
    assert line.split(" ", 2)[1] == "413", line


def test_daemon_refuses_a_chunked_body_past_the_limit(health: HealthServer) -> None:
    line = _chunked_forever(health.port, "GET", "/healthz", {"Authorization": "Bearer tok"},
                            chunk=600, chunks=2)  # fmt: skip
    assert line.split(" ", 2)[1] == "413", line


def test_daemon_413_reaches_a_client_sending_megabytes(health: HealthServer) -> None:
    r = httpx.post(f"http://127.0.0.1:{health.port}/healthz", content=b"x" * BIG,
                   headers={"Authorization": "Bearer tok"}, timeout=20)  # fmt: skip
    assert r.status_code == 413 and "1000 bytes" in r.json()["error"]


def test_daemon_small_bodies_and_methods(health: HealthServer) -> None:
    base = f"http://127.0.0.1:{health.port}"
    auth = {"Authorization": "Bearer tok"}
    r = httpx.request("GET", base + "/metrics", content=b"x" * 1000, headers=auth)
    assert r.status_code == 200 and r.text == "m 1\n"
    r = httpx.post(base + "/healthz", content=b"{}", headers=auth)
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert httpx.post(base + "/healthz", content=b"{}").status_code == 401


def test_daemon_settings_bound_the_body_and_need_a_token_off_loopback() -> None:
    from pydantic import ValidationError

    from cosmo_agent.agent.daemon import DaemonSettings

    assert DaemonSettings().http_max_body_bytes == 1 << 20
    with pytest.raises(ValidationError, match="not a loopback address"):
        DaemonSettings(http="0.0.0.0:8080")


# -- the model server ------------------------------------------------------------------------


@pytest.fixture
def model_server(spy_compare: list[tuple[bytes, bytes]]) -> Iterator[tuple[httpx.Client, int]]:
    app = srv.create_app(FakeChat(), token=TOKEN, model_id="cosmo-test", max_body_bytes=1000)
    with _Server(app) as client:
        yield client, int(str(client.base_url).rsplit(":", 1)[1])


def test_model_server_wrong_token_is_401_by_constant_time_compare(
    model_server: tuple[httpx.Client, int], spy_compare: list[tuple[bytes, bytes]]
) -> None:
    client, _ = model_server
    body = {"messages": [{"role": "user", "content": "hi"}]}
    r = client.post("/v1/chat/completions", json=body, headers={"Authorization": "Bearer x"})
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
    assert spy_compare == [(b"x", TOKEN.encode())]
    assert client.post("/v1/chat/completions", json=body, headers=AUTH).status_code == 200


def test_model_server_refuses_a_declared_oversized_body_unread(
    model_server: tuple[httpx.Client, int],
) -> None:
    client, port = model_server
    line, seconds = _declared_only(port, "POST", "/v1/chat/completions", BIG,
                                   {**AUTH, "Content-Type": "application/json"})  # fmt: skip
    assert line.split(" ", 2)[1] == "413", line
    assert seconds < 5
    r = client.post("/v1/chat/completions", content=b"x" * BIG,
                    headers={**AUTH, "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 413
    error = r.json()["error"]
    assert error["code"] == "request_too_large" and "1000 bytes" in error["message"]


def test_model_server_refuses_a_chunked_body_past_the_limit(
    model_server: tuple[httpx.Client, int],
) -> None:
    _, port = model_server
    line = _chunked_forever(port, "POST", "/v1/chat/completions",
                            {**AUTH, "Content-Type": "application/json"}, chunk=600, chunks=2)
    assert line.split(" ", 2)[1] == "413", line


def test_model_server_bodies_under_the_limit_still_work(
    model_server: tuple[httpx.Client, int],
) -> None:
    client, _ = model_server
    body = json.dumps({"messages": [{"role": "user", "content": "x" * 940}]}).encode()
    assert 980 < len(body) <= 1000  # just under the limit, sent chunked by a generator
    r = client.post("/v1/chat/completions", content=iter([body[:500], body[500:]]),
                    headers={**AUTH, "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 200, r.text
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "x"}]},
                    headers=AUTH)  # fmt: skip
    assert r.status_code == 200


def test_lambda_refuses_an_oversized_proxied_body() -> None:
    handler = srv.make_lambda_handler(FakeChat(), max_body_bytes=1000)
    body = json.dumps({"messages": [{"role": "user", "content": "x" * 2000}]})
    out = handler({"httpMethod": "POST", "body": body}, None)
    assert out["statusCode"] == 413
    assert json.loads(out["body"])["error"]["code"] == "request_too_large"
    import base64

    encoded = base64.b64encode(body.encode()).decode()
    out = handler({"httpMethod": "POST", "body": encoded, "isBase64Encoded": True}, None)
    assert out["statusCode"] == 413


# -- cosmo-agent serve ---------------------------------------------------------------------------


def test_serve_refuses_a_non_loopback_bind_without_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    from cosmo_agent.agent import cli
    from cosmo_agent.model import inference

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(kw))
    monkeypatch.setattr(inference.CosmoChatModel, "load",
                        classmethod(lambda cls, *a, **k: FakeChat()))  # fmt: skip
    monkeypatch.delenv("COSMO_API_TOKEN", raising=False)
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "8999"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--token" in err and "COSMO_API_TOKEN" in err
    assert started == []  # nothing loaded or bound
    monkeypatch.setenv("COSMO_API_TOKEN", "from-env")
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "8999",
                     "--max-body-bytes", "2048"]) == 0  # fmt: skip
    assert started == [{"host": "0.0.0.0", "port": 8999, "log_level": "info"}]
    assert cli.main(["serve", "--port", "8999"]) == 0  # loopback: no token needed
    monkeypatch.delenv("COSMO_API_TOKEN")
    assert cli.main(["serve", "--port", "8999"]) == 0


# -- prompts over the model's context --------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_chat() -> Any:
    """A tiny random CosmoChatModel whose context window is 256 tokens."""
    pytest.importorskip("xgrammar")
    from test_model_inference import make_model, make_tokenizer

    from cosmo_agent.model.inference import CosmoChatModel

    tokenizer = make_tokenizer()
    model = make_model(tokenizer, 2, std=1.0)
    model.config.max_position_embeddings = 256
    return CosmoChatModel.from_components(model, tokenizer, max_new_tokens=400,
                                          max_string_chars=8)  # fmt: skip


def test_prompt_over_the_context_is_400_before_decoding(tiny_chat: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[int] = []
    engine = tiny_chat.engine
    real = engine.decode

    def counting(*args: Any, **kwargs: Any) -> Any:
        decoded.append(len(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "decode", counting)
    with _Server(srv.create_app(tiny_chat)) as client:
        long = {"messages": [{"role": "user", "content": "ISS passes? " * 400}]}
        r = client.post("/v1/chat/completions", json=long)
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert error["code"] == "context_length_exceeded" and error["param"] == "messages"
        assert "context window of 256 tokens" in error["message"]
        assert decoded == []  # refused before any decoding
        # the tool schemas count: 146 tokens of chat template and question, 259 with a tool
        short = {"messages": [{"role": "user", "content": "ISS?"}]}
        r = client.post("/v1/chat/completions", json={**short, "tools": TOOLS[:1]})
        assert r.status_code == 400 and "259 tokens" in r.json()["error"]["message"]
        # a prompt that fits, asking for more than is left: 400 naming what is left
        r = client.post("/v1/chat/completions", json={**short, "max_tokens": 255})
        assert r.status_code == 400 and "ask for at most 110" in r.json()["error"]["message"]
        assert decoded == []
        # without max_tokens the reply is cut to the room left (the model's default is 400)
        r = client.post("/v1/chat/completions", json=short)
        assert r.status_code == 200, r.text
        usage = r.json()["usage"]
        assert usage["prompt_tokens"] + usage["completion_tokens"] <= 256
    # the Lambda handler answers the same
    out = srv.make_lambda_handler(tiny_chat)(long, None)
    assert out["statusCode"] == 400 and out["error"]["code"] == "context_length_exceeded"
