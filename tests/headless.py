"""A real headless Chromium driven over the DevTools protocol, with the network cut off.

Used by the HTML report tests to open a page as a person would and to record what a person
would not see: console errors, uncaught exceptions and every request the page makes. The
browser is Debian's ``chromium``; every request outside ``file:``/``data:``/``blob:`` goes to
a proxy on a closed port (loopback included, but for the one server a test names in
``allow``) and host names resolve to nothing, so a page that needs the network fails loudly (a
console error and a recorded request).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import websocket  # websocket-client

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def chromium_binary() -> str | None:
    """The Chromium on PATH (``$CHROMIUM`` first), or None."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


class HeadlessPage:
    """One page in a fresh headless Chromium profile; use as a context manager."""

    def __init__(self, binary: str, width: int = 1400, height: int = 1000,
                 allow: str | None = None) -> None:  # fmt: skip
        """``allow``: one ``HOST:PORT`` the page may reach (a server under test); every other
        address, loopback included, still goes nowhere."""
        bypass = "<-loopback>" + (f";{allow}" if allow else "")
        resolve = "MAP * ~NOTFOUND" + (f", EXCLUDE {allow.rsplit(':', 1)[0]}" if allow else "")
        self._profile = tempfile.mkdtemp(prefix="cosmo-chromium-")
        args = [
            binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--disable-dev-shm-usage", "--proxy-server=http://127.0.0.1:9",
            f"--proxy-bypass-list={bypass}", f"--host-resolver-rules={resolve}",
            f"--user-data-dir={self._profile}", "--remote-debugging-port=0",
            f"--window-size={width},{height}", "about:blank",
        ]  # fmt: skip
        self._proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        url = self._devtools_url()
        self._ws = websocket.create_connection(url, timeout=60, suppress_origin=True)
        self._next = 0
        self.events: list[dict[str, Any]] = []
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def _devtools_url(self) -> str:
        assert self._proc.stderr is not None
        deadline = time.monotonic() + 30
        seen = []
        while time.monotonic() < deadline:
            line = self._proc.stderr.readline()
            if not line:
                if self._proc.poll() is not None:
                    break
                continue
            seen.append(line)
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                return m.group(1)
        raise RuntimeError("chromium did not start:\n" + "".join(seen[-20:]))

    def _call(self, method: str, params: dict[str, Any] | None = None, **extra: Any) -> Any:
        self._next += 1
        ident = self._next
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params or {}, **extra}))
        while True:
            msg = json.loads(self._ws.recv())
            if msg.get("id") == ident:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """A DevTools command in the page's session."""
        return self._call(method, params, sessionId=self._session)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        out = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in out:
            raise RuntimeError(f"{expression}: {out['exceptionDetails']}")
        return out["result"].get("value")

    def open(self, path: Path, ready: str, timeout_s: float = 90.0) -> None:
        """Load ``path`` and wait until the JavaScript ``ready`` expression is truthy."""
        self.navigate(path.resolve().as_uri(), ready, timeout_s)

    def navigate(self, url: str, ready: str, timeout_s: float = 90.0) -> None:
        """Load ``url`` and wait until the JavaScript ``ready`` expression is truthy."""
        self.call("Page.navigate", {"url": url})
        self.wait(ready, timeout_s, what=url)

    def wait(self, ready: str, timeout_s: float = 30.0, what: str = "the page") -> None:
        """Wait until the JavaScript ``ready`` expression is truthy (a TimeoutError if not)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.evaluate(f"Boolean({ready})"):
                return
            time.sleep(0.1)
        raise TimeoutError(f"{what}: {ready} still false after {timeout_s} s")

    @property
    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries, as text."""
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif e["method"] == "Runtime.exceptionThrown":
                out.append(json.dumps(p.get("exceptionDetails", {}))[:500])
            elif e["method"] == "Log.entryAdded" and p["entry"].get("level") == "error":
                out.append(p["entry"].get("text", ""))
        return out

    @property
    def requests(self) -> list[str]:
        """Every URL the page asked for."""
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e["method"] == "Network.requestWillBeSent"
        ]

    def screenshot(self, clip: dict[str, float] | None = None) -> bytes:
        """A PNG of the viewport, or of ``clip`` (page coordinates, CSS pixels)."""
        params: dict[str, Any] = {"format": "png"}
        if clip is not None:
            params.update(clip={**clip, "scale": 1}, captureBeyondViewport=True)
        return base64.b64decode(self.call("Page.captureScreenshot", params)["data"])

    def close(self) -> None:
        try:
            self._ws.close()
        finally:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> HeadlessPage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
