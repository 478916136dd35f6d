"""The one web stack of Cosmo's HTTP servers (``cosmo-agent serve`` and the daemon):
FastAPI apps on uvicorn, with one token check and one body limit.

- :class:`TokenGate`: ASGI middleware.  With a token, every request outside ``open_paths``
  needs ``Authorization: Bearer <token>`` (compared in constant time by :func:`token_matches`)
  or, where a browser is to be let in (``session_cookie``), the session cookie that
  ``GET <login_path>?token=<token>`` sets (``HttpOnly; SameSite=Strict``; its value is an HMAC
  of the token, not the token) before a redirect that takes the token out of the address bar.
  Anything else is 401 with ``WWW-Authenticate``, before routing (so before any 404 or 405).
- :class:`BodyLimit`: ASGI middleware.  A request body over ``limit`` bytes is 413 by its
  ``Content-Length`` before anything is read, or as soon as a chunked body passes the limit
  (at most ``limit`` bytes are buffered, then handed on); ``Connection: close``.
- :class:`BackgroundServer`: an ASGI app served by uvicorn in a daemon thread, bound (and
  listening) on construction, so that port 0 picks a free port known at once; ``stop()``
  stops accepting, lets open requests finish (a few seconds at most) and joins the thread.
  uvicorn's logging configuration is left alone (the host process logs its own way).
- :func:`is_loopback`: whether a bind host is loopback-only (the servers refuse another
  interface without a token).

Error bodies are each server's own (``refuse`` callables): OpenAI-style for ``serve``,
``{"error": ...}`` for the daemon.

>>> token_matches("s3cret", "s3cret"), token_matches("", "s3cret")
(True, False)
>>> bearer_credentials("Bearer abc"), bearer_credentials("Basic abc"), bearer_credentials(None)
('abc', None, None)
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs

if TYPE_CHECKING:
    import uvicorn

__all__ = [
    "BackgroundServer",
    "BodyLimit",
    "Refusal",
    "TokenGate",
    "bearer_credentials",
    "is_loopback",
    "session_value",
    "token_matches",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

Refusal = Callable[[int, str], tuple[bytes, str]]
"""``(status, message) -> (body, content type)``: how a server words a 401 or a 413."""

_SESSION_CONTEXT: Final = b"cosmo-agent web session v1"
_START_TIMEOUT_S: Final = 20.0


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) only reaches this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def token_matches(presented: str, token: str) -> bool:
    """``presented == token``, in time independent of where they differ."""
    return hmac.compare_digest(presented.encode(), token.encode())


def bearer_credentials(authorization: str | None) -> str | None:
    """The credentials of an ``Authorization: Bearer <credentials>`` header (the scheme in any
    case, RFC 7235), or None for another scheme or no header."""
    if not authorization:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


def session_value(token: str) -> str:
    """The session cookie's value for ``token``: an HMAC-SHA256 of it, so that the cookie
    store never holds the token itself and a new token logs every browser out."""
    return hmac.new(token.encode(), _SESSION_CONTEXT, hashlib.sha256).hexdigest()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def _respond(send: Send, status: int, body: bytes, content_type: str,
                   headers: Iterable[tuple[bytes, bytes]] = ()) -> None:  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
        *headers]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


class TokenGate:
    """ASGI middleware: the token rule of the module docstring; no token, no gate."""

    def __init__(self, app: ASGIApp, *, token: str | None, refuse: Refusal,
                 open_paths: Iterable[str] = (), realm: str | None = None,
                 session_cookie: str | None = None, login_path: str = "/") -> None:  # fmt: skip
        self.app = app
        self.token = token or None
        self.refuse = refuse
        self.open_paths = frozenset(open_paths)
        self.challenge = f'Bearer realm="{realm}"' if realm else "Bearer"
        self.cookie = session_cookie
        self.login_path = login_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.token is None or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        header = _header(scope, b"authorization")
        login = self._login_token(scope) if header is None else None
        if login is not None:
            await self._login(scope, send, login)
            return
        if self._admitted(scope, header):
            await self.app(scope, receive, send)
            return
        how = "send 'Authorization: Bearer TOKEN'"
        if self.cookie:
            how += f", or open {self.login_path}?token=TOKEN once in a browser"
        await self._refuse(send, 401, f"missing or wrong bearer token: {how}",
                           [(b"www-authenticate", self.challenge.encode())])  # fmt: skip

    def _admitted(self, scope: Scope, header: str | None) -> bool:
        """One constant-time comparison per request, whatever was presented."""
        assert self.token is not None
        if header is not None:
            return token_matches(bearer_credentials(header) or "", self.token)
        session = self._session(scope)
        if session is not None:
            return token_matches(session, session_value(self.token))
        return token_matches("", self.token)

    def _session(self, scope: Scope) -> str | None:
        raw = _header(scope, b"cookie") if self.cookie else None
        if not raw:
            return None
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw)
        except Exception:  # a malformed Cookie header is no session
            return None
        morsel = jar.get(self.cookie or "")
        return None if morsel is None else morsel.value

    def _login_token(self, scope: Scope) -> str | None:
        if not self.cookie or scope["path"] != self.login_path or scope["method"] != "GET":
            return None
        query = parse_qs(bytes(scope.get("query_string") or b"").decode("latin-1"))
        values = query.get("token")
        return values[-1] if values else None

    async def _login(self, scope: Scope, send: Send, presented: str) -> None:
        assert self.token is not None and self.cookie is not None
        if not token_matches(presented, self.token):
            await self._refuse(send, 401, f"wrong token in {self.login_path}?token=: use the"
                               " server's token (COSMO_DAEMON_HTTP_TOKEN)",
                               [(b"www-authenticate", self.challenge.encode())])  # fmt: skip
            return
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        cookie = (f"{self.cookie}={session_value(self.token)}; Path=/; HttpOnly;"
                  f" SameSite=Strict{secure}")  # fmt: skip
        await _respond(send, 303, b"", "text/plain; charset=utf-8", [
            (b"location", self.login_path.encode()), (b"set-cookie", cookie.encode()),
            (b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer")])  # fmt: skip

    async def _refuse(self, send: Send, status: int, message: str,
                      headers: list[tuple[bytes, bytes]]) -> None:  # fmt: skip
        body, content_type = self.refuse(status, message)
        await _respond(send, status, body, content_type, headers)


class BodyLimit:
    """ASGI middleware: 413 for a body over ``limit`` bytes, judged by ``Content-Length``
    before anything is read, or while a chunked body arrives (at most ``limit`` bytes are
    buffered, then handed on to the app)."""

    def __init__(self, app: ASGIApp, *, limit: int, refuse: Refusal) -> None:
        self.app = app
        self.limit = limit
        self.refuse = refuse

    async def _refuse(self, send: Send) -> None:
        body, content_type = self.refuse(413, f"the request body is over the limit of"
                                         f" {self.limit} bytes")  # fmt: skip
        await _respond(send, 413, body, content_type, [(b"connection", b"close")])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.limit
            except ValueError:
                too_large = False  # the HTTP parser has refused such a request already
            if too_large:
                await self._refuse(send)
                return
        held: list[Message] = []
        total = 0
        while True:
            message = await receive()
            held.append(message)
            if message["type"] != "http.request":
                break
            total += len(message.get("body", b""))
            if total > self.limit:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return held.pop(0) if held else await receive()

        await self.app(scope, replay, send)


class BackgroundServer:
    """``app`` served by uvicorn on ``host:port`` in a daemon thread; ``port`` is the bound
    port (0 picks a free one).  Bound and listening on construction; :meth:`start` returns
    once uvicorn serves; :meth:`stop` is idempotent."""

    def __init__(self, app: Any, host: str, port: int, *, name: str = "cosmo-http",
                 graceful_s: float = 5.0) -> None:  # fmt: skip
        import uvicorn

        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        self._sock = socket.socket(family, kind, proto)
        try:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._sock.bind(address)
            self._sock.listen(128)
        except OSError:
            self._sock.close()
            raise
        self.host = host
        self.port = int(self._sock.getsockname()[1])
        config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False,
                                lifespan="off", timeout_graceful_shutdown=int(graceful_s) or 1)
        self._server: uvicorn.Server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name=name, daemon=True)  # fmt: skip
        self._graceful_s = graceful_s

    def start(self) -> BackgroundServer:
        """Start serving; a RuntimeError if uvicorn did not come up within 20 s."""
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the HTTP server on {self.host}:{self.port} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop accepting, finish open requests, join the thread, close the socket."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(self._graceful_s + 5.0)
        self._sock.close()
