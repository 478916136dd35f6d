"""The daemon's HTTP server: the live dashboard (``/``), ``/healthz``, ``/readyz`` and
``/metrics``.

A FastAPI app on uvicorn in a background thread (:class:`~cosmo_agent.model.web.BackgroundServer`,
no event loop shared with the scheduler): the web stack of ``cosmo-agent serve``, with its token
gate and body limit (:mod:`cosmo_agent.model.web`).  When a token is configured every request
needs ``Authorization: Bearer <token>`` (401 otherwise; compared in constant time), or, from a
browser, the session cookie that opening ``/?token=<token>`` once sets (``HttpOnly;
SameSite=Strict``, an HMAC of the token, then a redirect to ``/`` that takes the token out of
the address bar); the settings refuse a non-loopback bind without a token.

- ``/``: the live dashboard (:mod:`cosmo_agent.agent.dashboard`), an offline page polling
  ``/api/dashboard`` (JSON) with the same token rule; both are served only when the daemon
  passes ``dashboard`` (404 otherwise);
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

Only ``GET`` (and ``HEAD``) is served (other methods: 405 with ``Allow: GET``, after the
token).  A request body larger than ``max_body_bytes`` (by its ``Content-Length`` before
anything is read, or counted as a chunked body arrives) is answered 413 with ``Connection:
close``, before the token is looked at.  Errors are ``{"error": "..."}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from cosmo_agent.agent.dashboard import CONTENT_SECURITY_POLICY, DATA_PATH, dashboard_page
from cosmo_agent.agent.jsontypes import JsonObject
from cosmo_agent.model.web import BackgroundServer, BodyLimit, TokenGate

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["DEFAULT_MAX_BODY_BYTES", "SESSION_COOKIE", "DashboardSource", "HealthServer",
           "create_app"]  # fmt: skip

DEFAULT_MAX_BODY_BYTES: Final = 1 << 20
"""1 MiB: the endpoints take no body at all; this only bounds what a client can make us read."""
SESSION_COOKIE: Final = "cosmo_daemon_session"
"""The browser session cookie's name (its value: :func:`cosmo_agent.model.web.session_value`)."""

DashboardSource = tuple[str, float, Callable[[], JsonObject]]
"""``(mission name, refresh seconds, data)``: what the dashboard shows and how often it polls."""

_NO_STORE: Final = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _json(payload: object) -> bytes:
    return (json.dumps(payload, default=str, ensure_ascii=False) + "\n").encode()


def _refuse(status: int, message: str) -> tuple[bytes, str]:
    if status == 413:
        message += " (these endpoints take no body)"
    return _json({"error": message}), "application/json"


def create_app(
    *,
    health: Callable[[], tuple[bool, JsonObject]],
    ready: Callable[[], tuple[bool, JsonObject]],
    metrics: Callable[[], bytes],
    token: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    dashboard: DashboardSource | None = None,
) -> FastAPI:
    """The daemon's app over the given callables (see the module docstring)."""
    from fastapi import FastAPI, Request, Response
    from starlette.exceptions import HTTPException

    app = FastAPI(title="Cosmo daemon", docs_url=None, redoc_url=None, openapi_url=None)
    where = "/, /healthz, /readyz or /metrics" if dashboard else "/healthz, /readyz or /metrics"

    @app.exception_handler(HTTPException)
    async def _error(request: Request, exc: HTTPException) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response(_json({"error": f"{request.method} is not served: use GET"}), 405,
                            headers={"Allow": "GET"}, media_type="application/json")
        message = f"try {where}" if exc.status_code == 404 else str(exc.detail)
        return Response(_json({"error": message}), exc.status_code,
                        media_type="application/json")  # fmt: skip

    def probe(check: Callable[[], tuple[bool, JsonObject]]) -> Response:
        ok, info = check()
        return Response(_json({"ok": ok, **info}), 200 if ok else 503,
                        media_type="application/json", headers=_NO_STORE)  # fmt: skip

    @app.get("/healthz")
    def healthz() -> Response:
        return probe(health)

    @app.get("/readyz")
    def readyz() -> Response:
        return probe(ready)

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(metrics(), media_type="text/plain; version=0.0.4; charset=utf-8")

    if dashboard is not None:
        mission, refresh_s, data = dashboard
        page = dashboard_page(mission, refresh_s=refresh_s).encode()
        page_headers = {**_NO_STORE, "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                        "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}

        @app.get("/")
        def index() -> Response:
            return Response(page, media_type="text/html; charset=utf-8", headers=page_headers)

        @app.get(DATA_PATH)
        def dashboard_data() -> Response:
            return Response(_json(data()), media_type="application/json", headers=_NO_STORE)

    app.add_middleware(TokenGate, token=token, refuse=_refuse, realm="cosmo-daemon",
                       session_cookie=SESSION_COOKIE if dashboard else None)  # fmt: skip
    app.add_middleware(BodyLimit, limit=max_body_bytes, refuse=_refuse)
    return app


class HealthServer:
    """Serves :func:`create_app` on ``host:port`` in a background thread; ``port`` is the
    bound port (0 picks one), known once constructed."""

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
        dashboard: DashboardSource | None = None,
    ) -> None:
        app = create_app(health=health, ready=ready, metrics=metrics, token=token,
                         max_body_bytes=int(max_body_bytes), dashboard=dashboard)  # fmt: skip
        self._server = BackgroundServer(app, host, port, name="cosmo-daemon-http")
        self.host = host
        self.port = self._server.port
        self.max_body_bytes = int(max_body_bytes)

    def start(self) -> HealthServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
