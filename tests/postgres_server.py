"""A throwaway PostgreSQL server for tests: Debian's ``postgresql`` package, started with
``initdb`` and ``pg_ctl`` in a temporary directory on a free loopback port (its Unix socket in
the same directory), stopped and removed afterwards.

PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres`` user the
package creates and its commands run as that user.  The binaries are found under
``/usr/lib/postgresql/*/bin`` (the newest version) or on ``PATH``; when there are none the
server cannot start and :class:`PostgresServer` raises: CI installs the package
(``apt-get install postgresql``), so a test needing it fails rather than skipping.

    with PostgresServer() as pg:
        pg.url               # postgresql://cosmo@127.0.0.1:PORT/cosmo
        pg.database("t1")    # a new database on it, its URL
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

__all__ = ["PostgresServer", "postgres_bin"]

_USER = "cosmo"


def postgres_bin() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql (Debian) puts"
                       " initdb and pg_ctl under /usr/lib/postgresql/*/bin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory; ``url`` is its libpq URL."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="cosmo-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._run_as: str | None = "postgres" if os.geteuid() == 0 else None
        if self._run_as is not None:
            entry = pwd.getpwnam(self._run_as)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.url = f"postgresql://{_USER}@127.0.0.1:{self.port}/{_USER}"

    def _cmd(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.bin / args[0]), *args[1:]], user=self._run_as,
                              capture_output=True, text=True, check=check,
                              cwd=self.root, timeout=120)  # fmt: skip

    def start(self) -> PostgresServer:
        self._cmd("initdb", "-D", str(self.data), "-U", _USER, "-A", "trust", "-E", "UTF8",
                  "--no-sync")  # fmt: skip
        # fsync off: the tests kill daemons, never the database server
        options = (f"-p {self.port} -h 127.0.0.1 -k {self.root} -c fsync=off"
                   " -c max_connections=60")
        out = self._cmd("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
                        "-o", options, "-w", "-t", "60", "start", check=False)  # fmt: skip
        if out.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start: {out.stderr}{log}")
        self._cmd("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", _USER, _USER)
        return self

    def database(self, name: str) -> str:
        """A new, empty database on this server; its URL."""
        self._cmd("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", _USER, name)
        return f"postgresql://{_USER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop",
                      check=False)  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.stop()
