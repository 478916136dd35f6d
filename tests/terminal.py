"""A real pseudo-terminal (``pty``) for tests of what a person at a terminal sees.

``run_on_terminal`` runs ``cosmo-agent`` with one stream on an 80-column terminal and the
other into a pipe; ``stderr_on_terminal`` puts this process's ``sys.stderr`` on one.  Used by
``test_progress.py`` and ``test_cli_ux.py`` (not collected itself).
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import pytest

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = 80

_END = "<<end of the test's output>>"
"""Written last to an in-process terminal: once read back, everything before it was read."""


def terminal_env() -> dict[str, str]:
    """This environment as an xterm of :data:`COLUMNS` columns that Rich may colour."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return {**env, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS)}


def _open() -> tuple[int, int, list[bytes], threading.Thread]:
    """A terminal of :data:`COLUMNS` columns, and a thread that reads all it is written
    until every writer has closed it (Linux: EIO)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, COLUMNS, 0, 0))
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return master, slave, chunks, thread


def run_on_terminal(
    *argv: str, on: Literal["stdout", "stderr"], timeout_s: float = 300.0
) -> tuple[int, str, str]:
    """``cosmo-agent ARGV`` with ``on`` on a terminal and the other stream into a pipe:
    (exit code, the piped stream's text, the terminal's text as written, with ``\\r``)."""
    master, slave, chunks, reader = _open()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cosmo_agent.agent.cli", *argv],
            stdout=slave if on == "stdout" else subprocess.PIPE,
            stderr=slave if on == "stderr" else subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True, cwd=ROOT, env=terminal_env(),
        )  # fmt: skip
        os.close(slave)
        out, err = proc.communicate(timeout=timeout_s)
        reader.join(timeout=30)
    finally:
        os.close(master)
    piped = err if on == "stdout" else out
    return proc.returncode, piped, b"".join(chunks).decode("utf-8", "replace")


@contextmanager
def stderr_on_terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], str]]:
    """``sys.stderr`` on a terminal; yields a function giving what was written to it so far
    (all of it once the block has ended)."""
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", str(COLUMNS))
    master, slave, chunks, reader = _open()
    stream = open(slave, "w", encoding="utf-8", closefd=True)  # noqa: SIM115
    monkeypatch.setattr(sys, "stderr", stream)

    def text() -> str:
        return b"".join(chunks).decode("utf-8", "replace").replace(_END, "")

    try:
        yield text
    finally:
        monkeypatch.setattr(sys, "stderr", sys.__stderr__)
        stream.write(_END)
        stream.flush()
        for _ in range(500):
            if _END.encode() in b"".join(chunks):
                break
            threading.Event().wait(0.01)
        stream.close()
        reader.join(timeout=10)
        os.close(master)
