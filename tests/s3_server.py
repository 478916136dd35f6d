"""A throwaway S3-compatible server for tests: moto's server mode (``moto[server]``) in a
subprocess on a free loopback port, with IAM authentication on, so wrong credentials are
refused as by AWS.  CI installs ``moto[server]`` and ``s3fs`` (the dev extra), so a test that
needs them fails rather than skipping.

moto checks credentials once ``INITIAL_NO_AUTH_ACTION_COUNT`` requests have been served: the
first three create an IAM user, its S3 policy and its access key; every later request must be
signed with that key.  :class:`CutProxy` stands between a client and the server and can be
cut mid-transfer (a server that goes away), while the server itself, and what it stored, stay
there to be inspected.

    with S3Server() as s3:
        s3.make_bucket("corpus")
        env = {**os.environ, **s3.env()}   # AWS_ENDPOINT_URL and the key, for a subprocess
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import suppress
from types import TracebackType
from typing import Any

__all__ = ["CutProxy", "S3Server", "free_port"]

_POLICY = {"Version": "2012-10-17",
           "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}  # fmt: skip
_REGION = "us-east-1"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto server exited ({proc.returncode}): {_tail(proc)}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"moto server did not listen on 127.0.0.1:{port} within {timeout_s} s")


def _tail(proc: subprocess.Popen[bytes]) -> str:
    return (proc.stderr.read() if proc.stderr else b"").decode(errors="replace")[-2000:]


class S3Server:
    """moto's S3 on 127.0.0.1 with one IAM user allowed ``s3:*``; ``endpoint`` is its URL."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.access_key = ""
        self.secret_key = ""
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> S3Server:
        env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3"}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        _wait_listening(self.port, self._proc)
        iam = self._client("iam", "bootstrap", "bootstrap")
        iam.create_user(UserName="cosmo")
        iam.put_user_policy(UserName="cosmo", PolicyName="s3", PolicyDocument=json.dumps(_POLICY))
        key = iam.create_access_key(UserName="cosmo")["AccessKey"]
        self.access_key, self.secret_key = key["AccessKeyId"], key["SecretAccessKey"]
        return self

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc is not None and self._proc.stderr is not None:
            self._proc.stderr.close()

    def __enter__(self) -> S3Server:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.stop()

    def env(self, endpoint: str | None = None) -> dict[str, str]:
        """The standard AWS variables that point a client at this server (or ``endpoint``)."""
        return {
            "AWS_ENDPOINT_URL": endpoint or self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": _REGION,
            "AWS_MAX_ATTEMPTS": "1",  # a refused connection fails at once, not after retries
        }

    def _client(self, service: str, key: str, secret: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name=_REGION,
                            aws_access_key_id=key, aws_secret_access_key=secret)  # fmt: skip

    def client(self) -> Any:
        """A boto3 S3 client with the user's key (to look at the bucket behind the CLI)."""
        return self._client("s3", self.access_key, self.secret_key)

    def make_bucket(self, name: str) -> str:
        """Create bucket ``name``; returns ``s3://name``."""
        self.client().create_bucket(Bucket=name)
        return f"s3://{name}"

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """The complete objects under ``prefix`` (incomplete multipart uploads are not objects)."""
        pages = self.client().get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix)  # fmt: skip
        return sorted(o["Key"] for page in pages for o in page.get("Contents", ()))


class CutProxy:
    """A loopback TCP relay to ``port``; :meth:`cut` closes every connection and stops
    listening, as a server that went away.  ``cut_after_bytes`` cuts by itself once that
    many bytes went upstream (a server lost mid-upload)."""

    def __init__(self, port: int, cut_after_bytes: int | None = None) -> None:
        self.upstream = port
        self.cut_after_bytes = cut_after_bytes
        self.sent = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._cut = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._cut.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, upstream: bool) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                if upstream:
                    with self._lock:
                        self.sent += len(data)
                        limit = self.cut_after_bytes
                        over = limit is not None and self.sent >= limit
                    if over:
                        self.cut()
                        return
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Close the listener and every relayed connection."""
        self._cut.set()
        self._listener.close()
        with self._lock:
            for s in self._sockets:
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
