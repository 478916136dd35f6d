"""Corpus files through fsspec: local paths or URLs (``s3://`` needs the ``s3`` extra).

``s3://`` honours the standard AWS settings (``AWS_ENDPOINT_URL`` for an S3-compatible
server, ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``). Every write is
all or nothing (:class:`HashingWriter`, :func:`write_bytes`, :func:`upload_tree`), and a
failure of the store names the URL and what to check.

JSONL rows in (:func:`read_jsonl`) and out (:class:`HashingWriter`, which counts rows and
hashes the bytes for the manifest), and domain text documents for continued pretraining
(:func:`read_text_source`: ``*.jsonl`` with a ``text`` field, ``*.txt``/``*.md`` one document
per file).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

__all__ = [
    "HashingWriter",
    "TextRecord",
    "check_bucket",
    "is_url",
    "join_url",
    "open_url",
    "read_jsonl",
    "read_text_source",
    "upload_tree",
    "write_bytes",
]


def is_url(ref: str) -> bool:
    """Whether ``ref`` is an fsspec URL (``s3://...``) rather than a local path."""
    return "://" in ref and not ref.startswith("file://")


def _filesystem(url: str) -> tuple[Any, str]:
    """(fsspec filesystem, path) for a local path or URL, with a clear message for extras."""
    try:
        import fsspec
    except ImportError as exc:  # pragma: no cover - fsspec is in the model extra
        raise ImportError(
            "reading or writing corpus URLs needs fsspec: pip install 'cosmo-agent[model]'"
        ) from exc
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        protocol = url.split("://", 1)[0] if "://" in url else "file"
        extra = "s3" if protocol in ("s3", "s3a") else None
        hint = (
            f"install the optional '{extra}' extra: pip install 'cosmo-agent[{extra}]'"
            if extra
            else f"install the fsspec backend for '{protocol}://'"
        )
        raise ImportError(f"cannot open {url!r}: {hint} ({exc})") from exc
    return fs, path


_STORE_ADVICE: Final = (
    (PermissionError, "refused: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE"),
    (FileNotFoundError, "not found: check the bucket and the path (a bucket is not made here)"),
    (Exception, "object store failed: check AWS_ENDPOINT_URL and that the server is up"),
)
"""What to check after an fsspec failure, by exception type (the first match)."""


def _store_error(url: str, exc: Exception) -> OSError:
    """``exc`` from the store as an ``OSError`` (the same kind where it was one) naming ``url``."""
    if not is_url(url) and isinstance(exc, OSError):
        return exc
    # botocore's NoCredentialsError, PartialCredentialsError, ProfileNotFound: the settings
    named = "Credential" in type(exc).__name__ or "Profile" in type(exc).__name__
    kind = PermissionError if named else type(exc)
    advice = next(text for k, text in _STORE_ADVICE if issubclass(kind, k))
    error = kind if issubclass(kind, OSError) else OSError
    return error(f"{url}: {advice} ({exc or type(exc).__name__})")


def _guarded(url: str, call: Callable[[], Any]) -> Any:
    """``call()``, its failure an ``OSError`` naming ``url`` (:func:`_store_error`)."""
    try:
        return call()
    except Exception as exc:
        raise _store_error(url, exc) from exc


def open_url(url: str, mode: str = "rb") -> Any:
    """Open a local path or fsspec URL for reading (``s3://`` needs the ``s3`` extra).

    Write with :class:`HashingWriter` or :func:`write_bytes`: they are all or nothing.
    """
    fs, path = _filesystem(url)
    return _guarded(url, lambda: fs.open(path, mode))


def check_bucket(url: str) -> None:
    """Before any work: the bucket of an output ``url`` exists and these credentials reach it
    (raises ``OSError`` naming ``url`` and what to check); a local path passes."""
    if not is_url(url):
        return
    fs, path = _filesystem(url)
    bucket = path.split("/", 1)[0]
    try:
        _guarded(url, lambda: fs.info(bucket))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{url}: the bucket {bucket!r} does not exist; create it or fix the URL"
        ) from None


def join_url(base: str, name: str) -> str:
    """``name`` inside the directory ``base`` (a local path or URL)."""
    return base.rstrip("/") + "/" + name


def read_jsonl(url: str) -> Iterator[dict[str, Any]]:
    """Rows of a JSONL file (local path or fsspec URL); blank lines are skipped."""
    with open_url(url, "rb") as fh:
        for line_no, raw in enumerate(io.TextIOWrapper(fh, encoding="utf-8"), 1):
            if raw.strip():
                try:
                    yield json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{url}:{line_no}: not JSON ({exc.msg})") from exc


class HashingWriter:
    """A JSONL writer that counts rows and hashes exactly the bytes written.

    All or nothing: :meth:`close` makes the file appear (a local file is renamed into place
    from ``NAME.partial``; an object's multipart upload is completed), :meth:`discard` drops
    it, so a reader never takes half a file for a whole one.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._fs, self._path = _filesystem(url)
        local = not is_url(url)
        if local:
            os.makedirs(os.path.dirname(self._path) or ".", exist_ok=True)
        # a local file is written beside its name and renamed (fsspec's own temporary file
        # lives in the system's temp folder, from which a move is a copy)
        self._partial = f"{self._path}.partial" if local else None
        target = self._partial or self._path
        self._fh = _guarded(url, lambda: self._fs.open(target, "wb", autocommit=local))
        self._sha = hashlib.sha256()
        self._finished = False
        self.rows = 0
        self.bytes = 0

    def write(self, row: Mapping[str, Any]) -> None:
        data = (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        self.write_raw(data)
        self.rows += 1

    def write_raw(self, data: bytes) -> None:
        """Write ``data`` as it is (hashed and counted in ``bytes``, not in ``rows``)."""
        _guarded(self.url, lambda: self._fh.write(data))
        self._sha.update(data)
        self.bytes += len(data)

    def close(self) -> dict[str, Any]:
        """Finish the file; returns its sha256, bytes and rows (for the manifest)."""
        try:
            self._fh.close()
            if self._partial is None:
                self._fh.commit()
            else:
                os.replace(self._partial, self._path)
        except Exception as exc:
            self.discard()
            raise _store_error(self.url, exc) from exc
        self._finished = True
        return {"sha256": self._sha.hexdigest(), "bytes": self.bytes, "rows": self.rows}

    def discard(self) -> None:
        """Drop the file: nothing appears at ``url`` (the store may be gone: errors pass).
        A file already finished by :meth:`close` stays."""
        if self._finished:
            return
        with suppress(Exception):
            if self._partial is not None:
                self._fh.close()
                os.unlink(self._partial)
                return
            self._fh.discard()
            self._fh.closed = True  # an aborted upload: its finaliser must not send the rest


def write_bytes(url: str, data: bytes) -> str:
    """Write ``data`` to ``url`` all or nothing (:class:`HashingWriter`); returns its sha256."""
    writer = HashingWriter(url)
    writer.write_raw(data)
    return str(writer.close()["sha256"])


def upload_tree(local: str, url: str, *, last: str | None = None) -> list[str]:
    """Copy every file under the folder ``local`` into ``url``, each all or nothing.

    ``last`` (a name relative to ``local``) is written after every other file, so that its
    presence means the copy is complete. Returns the URLs written, in order.
    """
    root = os.path.abspath(local)
    names = sorted(
        os.path.relpath(os.path.join(folder, f), root)
        for folder, _, files in os.walk(root) for f in files
    )  # fmt: skip
    if last in names:
        names = [n for n in names if n != last] + [last]
    written = []
    for name in names:
        target = join_url(url, name.replace(os.sep, "/"))
        with open(os.path.join(root, name), "rb") as f:
            write_bytes(target, f.read())
        written.append(target)
    return written


# --------------------------------------------------------------------------------------------
# Domain text.


@dataclass(frozen=True)
class TextRecord:
    """One document of domain text for continued pretraining."""

    id: str
    text: str
    source: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "text": self.text, "source": self.source}


_TEXT_SUFFIXES = (".jsonl", ".txt", ".md")


def read_text_source(url: str, *, text_field: str = "text") -> Iterator[TextRecord]:
    """Documents from a file or directory (local or fsspec URL, read recursively).

    ``*.jsonl``: one document per line, text in ``text_field`` (``id`` used when present,
    else ``<relative path>:<line>``); ``*.txt`` / ``*.md``: one document per file, id the
    path relative to ``url``. Other files are ignored.
    """
    fs, path = _filesystem(url)
    root = path.rstrip("/")
    if _guarded(url, lambda: fs.isdir(path)):
        found: list[str] = _guarded(url, lambda: fs.find(path))
        files = sorted(p for p in found if p.endswith(_TEXT_SUFFIXES))
    else:
        files = [path]
        root = path.rsplit("/", 1)[0] if "/" in path else ""
    for file in files:
        # Relative to the source root, so ids (and their splits) do not depend on where the
        # data is mounted.
        source = file[len(root) :].lstrip("/") if root and file.startswith(root) else file
        opened = _guarded(url, partial(fs.open, file, "rb"))
        if file.endswith(".jsonl"):
            with opened as fh, io.TextIOWrapper(fh, encoding="utf-8") as lines:
                for line_no, raw in enumerate(lines, 1):
                    if not raw.strip():
                        continue
                    try:
                        row = json.loads(raw)
                    except json.JSONDecodeError as exc:
                        raise ValueError(f"{file}:{line_no}: not JSON ({exc.msg}); each line of "
                                         "a .jsonl text source must be one JSON object") from None
                    if not isinstance(row, dict):
                        raise ValueError(f"{file}:{line_no}: a JSON {type(row).__name__}, not an "
                                         f"object with a {text_field!r} field")
                    text = str(row.get(text_field) or "").strip()
                    if text:
                        rid = str(row.get("id") or f"{source}:{line_no}")
                        yield TextRecord(rid, text, source)
        else:
            with opened as fh:
                text = fh.read().decode("utf-8").strip()
            if text:
                yield TextRecord(source, text, source)
