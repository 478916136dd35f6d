"""Corpus files through fsspec: local paths or URLs (``s3://`` needs the ``s3`` extra).

JSONL rows in (:func:`read_jsonl`) and out (:class:`HashingWriter`, which counts rows and
hashes the bytes for the manifest), and domain text documents for continued pretraining
(:func:`read_text_source`: ``*.jsonl`` with a ``text`` field, ``*.txt``/``*.md`` one document
per file).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["HashingWriter", "TextRecord", "join_url", "open_url", "read_jsonl", "read_text_source"]


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


def open_url(url: str, mode: str = "rb") -> Any:
    """Open a local path or fsspec URL (``s3://`` needs the ``s3`` extra)."""
    fs, path = _filesystem(url)
    if "w" in mode:
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        if parent:
            fs.makedirs(parent, exist_ok=True)
    return fs.open(path, mode)


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
    """A JSONL writer that counts rows and hashes exactly the bytes written."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._fh = open_url(url, "wb")
        self._sha = hashlib.sha256()
        self.rows = 0
        self.bytes = 0

    def write(self, row: Mapping[str, Any]) -> None:
        data = (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        self._fh.write(data)
        self._sha.update(data)
        self.rows += 1
        self.bytes += len(data)

    def close(self) -> dict[str, Any]:
        self._fh.close()
        return {"sha256": self._sha.hexdigest(), "bytes": self.bytes, "rows": self.rows}


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
    if fs.isdir(path):
        files = sorted(p for p in fs.find(path) if p.endswith(_TEXT_SUFFIXES))
    else:
        files = [path]
        root = path.rsplit("/", 1)[0] if "/" in path else ""
    for file in files:
        # Relative to the source root, so ids (and their splits) do not depend on where the
        # data is mounted.
        source = file[len(root) :].lstrip("/") if root and file.startswith(root) else file
        if file.endswith(".jsonl"):
            with fs.open(file, "rb") as fh, io.TextIOWrapper(fh, encoding="utf-8") as lines:
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
            with fs.open(file, "rb") as fh:
                text = fh.read().decode("utf-8").strip()
            if text:
                yield TextRecord(source, text, source)
