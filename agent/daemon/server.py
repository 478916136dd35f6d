"""The daemon's small HTTP server: ``/healthz``, ``/readyz`` and ``/metrics``.

The standard library's threading HTTP server in a background thread (no event loop to share
with the scheduler).  When a token is configured every request needs
``Authorization: Bearer <token>`` (401 otherwise); the settings refuse a non-loopback bind
without one.

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
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["HealthServer"]


class HealthServer:
    """Serves the three endpoints from callables; ``port`` is the bound port (0 picks one)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        health: Callable[[], tuple[bool, dict[str, Any]]],
        ready: Callable[[], tuple[bool, dict[str, Any]]],
        metrics: Callable[[], bytes],
        token: str | None = None,
    ) -> None:
        expected = f"Bearer {token}".encode() if token else None

        class Handler(BaseHTTPRequestHandler):
            server_version = "cosmo-agent-daemon"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the daemon logs its own way; access logs would be noise

            def _send(self, code: int, body: bytes, ctype: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if code == 401:
                    self.send_header("WWW-Authenticate", 'Bearer realm="cosmo-daemon"')
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if expected is not None:
                    got = (self.headers.get("Authorization") or "").encode()
                    if not hmac.compare_digest(got, expected):
                        self._send(401, b'{"error": "missing or wrong bearer token"}\n',
                                   "application/json")  # fmt: skip
                        return
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._send(200, metrics(), "text/plain; version=0.0.4; charset=utf-8")
                    return
                if path in ("/healthz", "/readyz"):
                    ok, info = (health if path == "/healthz" else ready)()
                    body = (json.dumps({"ok": ok, **info}, default=str) + "\n").encode()
                    self._send(200 if ok else 503, body, "application/json")
                    return
                self._send(404, b'{"error": "try /healthz, /readyz or /metrics"}\n',
                           "application/json")  # fmt: skip

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="cosmo-daemon-http", daemon=True
        )

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
