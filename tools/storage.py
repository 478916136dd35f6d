"""Mission data and outputs at a local path or an object-storage URL (``s3://`` and the like).

A reference with a scheme other than ``http(s)://`` (which :mod:`cosmo_agent.tools.feeds`
polls) goes through fsspec; ``s3://`` needs the ``s3`` extra (s3fs) and honours the standard
AWS settings: ``AWS_ENDPOINT_URL`` (an S3-compatible server such as MinIO),
``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, ``AWS_MAX_ATTEMPTS``.

Writes are all or nothing (:func:`atomic_writer`): a local file is written beside its target
and renamed over it; an object is a multipart upload completed only after the last byte was
sent, and aborted otherwise, so a reader never sees half an output.  A failure of the store
(:class:`StorageError`, an ``OSError``) names the URL and what to check: the credentials, the
bucket, the endpoint.

>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> with atomic_writer(os.path.join(folder, "plan.json")) as f:
...     _ = f.write(b"{}")
>>> read_bytes(os.path.join(folder, "plan.json"))
b'{}'
>>> is_object_url("s3://bucket/catalog.3le"), is_object_url("https://example.org/x")
(True, False)
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, Protocol

__all__ = [
    "ByteSink",
    "StorageError",
    "atomic_writer",
    "check_bucket",
    "is_object_url",
    "join_url",
    "list_files",
    "read_bytes",
    "stamp",
    "write_bytes",
]

_FEED_SCHEMES = ("http", "https")
"""Schemes polled over HTTP by :class:`cosmo_agent.tools.feeds.FeedPoller`, not fsspec."""


class StorageError(OSError):
    """The object store refused or could not be reached; the message names the URL and the fix.

    An ``OSError``, so every caller that reports an unreadable file reports this too
    (``strerror`` holds the message).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.strerror = message


class ByteSink(Protocol):
    """What :func:`atomic_writer` yields: something to write bytes to."""

    def write(self, data: bytes, /) -> int: ...


class _Upload:
    """An fsspec file open for writing whose failures name the URL (:func:`_failure`)."""

    def __init__(self, url: str, f: Any) -> None:
        self.url, self.file = url, f

    def write(self, data: bytes, /) -> int:
        try:
            return int(self.file.write(data))
        except Exception as exc:
            raise _failure(self.url, exc) from exc

    def commit(self) -> None:
        try:
            self.file.close()  # uploads what is buffered
            self.file.commit()  # the object appears only now
        except Exception as exc:
            raise _failure(self.url, exc) from exc

    def discard(self) -> None:
        """Abort; the store may be gone too, and nothing was committed, so errors pass."""
        with suppress(Exception):  # nothing was committed, so nothing is left to undo
            self.file.discard()
            self.file.closed = True  # nothing more is sent (not even by the file's finaliser)


def is_object_url(ref: str) -> bool:
    """Whether ``ref`` is a URL that fsspec opens (``s3://``, ``gs://``, ``memory://``...)."""
    scheme, sep, _ = ref.partition("://")
    return bool(sep) and scheme.isidentifier() and scheme.lower() not in _FEED_SCHEMES


def join_url(base: str, name: str) -> str:
    """``name`` inside the folder ``base`` (a local path or URL)."""
    return base.rstrip("/") + "/" + name if is_object_url(base) else os.path.join(base, name)


def _filesystem(url: str) -> tuple[Any, str]:
    try:
        import fsspec
    except ImportError:
        need = "object storage needs fsspec: pip install 'cosmo-agent[s3]'"
        raise StorageError(f"{url}: {need}") from None
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        scheme = url.partition("://")[0]
        extra = "pip install 'cosmo-agent[s3]'" if scheme in ("s3", "s3a") else (
            f"install the fsspec backend for {scheme}://")  # fmt: skip
        raise StorageError(f"{url}: cannot open {scheme}:// URLs ({exc}); {extra}") from None
    return fs, str(path)


def _failure(url: str, exc: BaseException) -> OSError:
    """``exc`` from fsspec as an error that names ``url`` and the setting to check.

    A missing object stays a ``FileNotFoundError`` (callers treat it as an absent file).
    """
    text = str(exc) or type(exc).__name__
    bucket = url.partition("://")[2].split("/", 1)[0]
    settings = ("credential" in text.lower() or "Profile" in type(exc).__name__)  # botocore's
    if isinstance(exc, PermissionError) or settings:
        return StorageError(
            f"{url}: the object store refused access ({text}); check AWS_ACCESS_KEY_ID and"
            " AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and the bucket's permissions"
        )
    if isinstance(exc, FileNotFoundError):
        if "bucket" in text.lower():
            return StorageError(
                f"{url}: the bucket {bucket!r} does not exist; create it or fix the URL"
            )
        return FileNotFoundError(errno.ENOENT, "no such object", url)
    if isinstance(exc, OSError) and not type(exc).__module__.startswith(("botocore", "aio")):
        return StorageError(f"{url}: {text}")
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "the default AWS endpoint")
    return StorageError(
        f"{url}: the object store at {endpoint} failed ({text}); check AWS_ENDPOINT_URL and"
        " that the server is up, then run again"
    )


def check_bucket(ref: str) -> None:
    """Before any work is done for an output URL: its bucket exists and these credentials
    reach it (a :class:`StorageError` saying which setting to fix); a local path passes."""
    if not is_object_url(ref):
        return
    fs, path = _filesystem(ref)
    bucket = path.split("/", 1)[0]
    try:
        fs.info(bucket)
    except FileNotFoundError:
        raise StorageError(
            f"{ref}: the bucket {bucket!r} does not exist; create it or fix the URL"
        ) from None
    except Exception as exc:
        raise _failure(ref, exc) from exc


def read_bytes(ref: str) -> bytes:
    """The whole content of a local file or an object (errors name ``ref``)."""
    if not is_object_url(ref):
        with open(ref, "rb") as f:
            return f.read()
    fs, path = _filesystem(ref)
    try:
        data: bytes = fs.cat_file(path)
    except Exception as exc:
        raise _failure(ref, exc) from exc
    return data


def stamp(ref: str) -> tuple[str, int]:
    """What changes when the file or object at ``ref`` does: (mtime or ETag, size) for caches."""
    if not is_object_url(ref):
        st = os.stat(ref)
        return str(st.st_mtime_ns), st.st_size
    fs, path = _filesystem(ref)
    try:
        fs.invalidate_cache(path)
        info = fs.info(path)
    except Exception as exc:
        raise _failure(ref, exc) from exc
    return str(info.get("ETag") or info.get("LastModified") or info.get("mtime")), int(info["size"])


def list_files(ref: str, suffixes: tuple[str, ...]) -> list[str] | None:
    """The files directly in the folder ``ref`` whose names end in ``suffixes`` (any case),
    in name order; ``None`` when ``ref`` is not a folder (an object prefix, for a URL)."""
    if not is_object_url(ref):
        if not os.path.isdir(ref):
            return None
        names = sorted(os.listdir(ref))
        return [
            os.path.join(ref, n) for n in names
            if n.lower().endswith(suffixes) and os.path.isfile(os.path.join(ref, n))
        ]  # fmt: skip
    fs, path = _filesystem(ref)
    scheme = ref.partition("://")[0]
    try:
        if not fs.isdir(path):
            return None
        entries = fs.ls(path, detail=True)
    except Exception as exc:
        raise _failure(ref, exc) from exc
    return sorted(
        f"{scheme}://{e['name']}" for e in entries
        if e.get("type") == "file" and str(e["name"]).lower().endswith(suffixes)
    )  # fmt: skip


@contextmanager
def atomic_writer(ref: str) -> Iterator[ByteSink]:
    """A binary file that appears at ``ref`` only when the ``with`` block ends without error.

    Local: a temporary file in the same folder, flushed to disk and renamed over ``ref``.
    URL: an upload that is committed (for S3, the multipart upload completed) on success and
    discarded (aborted) on any error, the store's own included.
    """
    if not is_object_url(ref):
        folder = os.path.dirname(os.path.abspath(ref))
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(ref)}.", suffix=".part",
                                   dir=folder)  # fmt: skip
        try:
            with os.fdopen(fd, "wb") as f:
                yield f
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, ref)
        except BaseException:
            os.unlink(tmp)
            raise
        return
    fs, path = _filesystem(ref)
    try:
        upload = _Upload(ref, fs.open(path, "wb", autocommit=False))
    except Exception as exc:
        raise _failure(ref, exc) from exc
    try:
        yield upload
        upload.commit()
    except BaseException:
        upload.discard()
        raise


def write_bytes(ref: str, data: bytes) -> None:
    """Write ``data`` to ``ref`` all or nothing (:func:`atomic_writer`)."""
    with atomic_writer(ref) as f:
        f.write(data)
