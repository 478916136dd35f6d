"""The daemon's small HTTP server: ``/healthz``, ``/readyz`` and ``/metrics``.

The standard library's threading HTTP server in a background thread (no event loop to share
with the scheduler).  When a token is configured every request needs
``Authorization: Bearer <token>`` (401 otherwise; compared in constant time); the settings
refuse a non-loopback bind without one.

- ``/healthz``: 200 while the daemon's main loop is alive (JSON with uptime and open issues);
- ``/readyz``: whether the daemon is doing its job, which for a monitoring daemon is screening
  the whole fleet.  503 before the first good catalog and screening cycle (``"status":
  "starting"``) and whenever the last screening cycle could not screen every fleet satellite
  (not in the catalog, elements older than the mission's ``stale_refuse_days``, a failed
  shard, the cycle failed): ``"status": "degraded"``.  An orchestrator then stops routing to
  it or pages, instead of trusting "0 approaches" that were never computed.  200 otherwise,
  with ``"status": "degraded"`` while another job's last run was degraded or failed (a catalog
  refresh failing while the last good catalog is still usable, stale space weather, a contact
  schedule or a plan that leaves satellites out) and ``"ok"`` when nothing is.  ``reasons``
  names what each degraded job left out (see :meth:`~.runtime.Daemon.ready`);
- ``/metrics``: Prometheus text from the daemon's own registry (``cosmo_daemon_degraded{job}``
  is 1 while a job's last run was degraded or failed).

Only ``GET`` is served (other methods: 405).  A request body larger than ``max_body_bytes``
(by its ``Content-Length``, or counted as a chunked body arrives) is answered 413 without
being read to its end: the response goes out, the connection is shut for writing, and what the
client still sends is discarded for at most a second (so that it sees the 413 rather than a
reset) before the connection is closed.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final

from cosmo_agent.agent.jsontypes import JsonObject

__all__ = ["DEFAULT_MAX_BODY_BYTES", "HealthServer"]

DEFAULT_MAX_BODY_BYTES: Final = 1 << 20
"""1 MiB: the endpoints take no body at all; this only bounds what a client can make us read."""
_LINGER_S: Final = 1.0  # discard what a refused client still sends, this long at most
_CHUNK: Final = 64 * 1024


class _TooLarge(Exception):
    pass


class _BadBody(Exception):
    pass


class HealthServer:
    """Serves the three endpoints from callables; ``port`` is the bound port (0 picks one)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        health: Callable[[], tuple[bool, JsonObject]],
        ready: Callable[[], tuple[bool, JsonObject]],
        metrics: Callable[[], bytes],
        token: str | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        expected = f"Bearer {token}".encode() if token else None
        limit = int(max_body_bytes)

        class Handler(BaseHTTPRequestHandler):
            server_version = "cosmo-agent-daemon"

            def log_message(self, format: str, *args: object) -> None:
                pass  # the daemon logs its own way; access logs would be noise

            def _send(self, code: int, body: bytes, ctype: str = "application/json",
                      headers: dict[str, str] | None = None) -> None:  # fmt: skip
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if code == 401:
                    self.send_header("WWW-Authenticate", 'Bearer realm="cosmo-daemon"')
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _error(self, code: int, message: str, **headers: str) -> None:
                body = (json.dumps({"error": message}) + "\n").encode()
                self._send(code, body, headers=headers)

            # -- the request body: never needed, never read past the limit ----------------------

            def _discard_body(self) -> None:
                """Read and drop the body; :class:`_TooLarge` past ``limit`` bytes."""
                length = self.headers.get("Content-Length")
                chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
                if chunked:
                    self._discard_chunked()
                    return
                if length is None:
                    return
                try:
                    n = int(length)
                except ValueError:
                    raise _BadBody(f"Content-Length {length!r} is not a number") from None
                if n < 0:
                    raise _BadBody(f"Content-Length {n} is negative")
                if n > limit:
                    raise _TooLarge
                while n > 0:
                    got = self.rfile.read(min(n, _CHUNK))
                    if not got:
                        break
                    n -= len(got)

            def _discard_chunked(self) -> None:
                total = 0
                while True:
                    line = self.rfile.readline(1024)
                    try:
                        size = int(line.split(b";", 1)[0].strip() or b"x", 16)
                    except ValueError:
                        raise _BadBody("malformed chunked body") from None
                    if size == 0:
                        while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        return
                    total += size
                    if total > limit:
                        raise _TooLarge
                    left = size + 2  # the chunk and its CRLF
                    while left > 0:
                        got = self.rfile.read(min(left, _CHUNK))
                        if not got:
                            return
                        left -= len(got)

            def _refuse_too_large(self) -> None:
                self.close_connection = True
                self._error(413, f"the request body is over the limit of {limit} bytes"
                            " (these endpoints take no body)", Connection="close")  # fmt: skip
                with contextlib.suppress(OSError):
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_WR)
                    self.connection.settimeout(_LINGER_S)
                    deadline = time.monotonic() + _LINGER_S
                    while time.monotonic() < deadline and self.connection.recv(_CHUNK):
                        pass

            def _admit(self) -> bool:
                """Body within the limit (read and dropped) and the token right; else answered."""
                try:
                    self._discard_body()
                except _TooLarge:
                    self._refuse_too_large()
                    return False
                except _BadBody as exc:
                    self.close_connection = True
                    self._error(400, str(exc))
                    return False
                if expected is not None:
                    got = (self.headers.get("Authorization") or "").encode()
                    if not hmac.compare_digest(got, expected):
                        self._error(401, "missing or wrong bearer token")
                        return False
                return True

            def do_GET(self) -> None:
                if not self._admit():
                    return
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._send(200, metrics(), "text/plain; version=0.0.4; charset=utf-8")
                    return
                if path in ("/healthz", "/readyz"):
                    ok, info = (health if path == "/healthz" else ready)()
                    body = (json.dumps({"ok": ok, **info}, default=str) + "\n").encode()
                    self._send(200 if ok else 503, body)
                    return
                self._error(404, "try /healthz, /readyz or /metrics")

            def _not_allowed(self) -> None:
                if self._admit():
                    self._error(405, f"{self.command} is not served: use GET", Allow="GET")

            do_POST = do_PUT = do_PATCH = do_DELETE = _not_allowed

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.host = host
        self.port = int(self._server.server_address[1])
        self.max_body_bytes = limit
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="cosmo-daemon-http", daemon=True
        )

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
