"""Catalog refresh: read every ``sources.catalog`` entry, check it, keep the last good one.

An entry is a TLE/3LE or OMM file, a directory (every element file in it), or an
``http(s)://`` URL polled with conditional GET (:class:`~cosmo_agent.tools.feeds.FeedPoller`,
one per URL for the daemon's life, so a 304 costs nothing).  The raw bytes of all entries are
hashed; an unchanged digest ends the refresh without parsing.  A new set is accepted only when
every entry yields element sets and no fleet satellite of the previous good catalog went
missing; otherwise :class:`CatalogRefreshError` lists the problems and the caller keeps the
last good catalog.  An accepted set is written to ``state_dir/catalog/<digest>/`` (the raw
files: workers and a restarted daemon read exactly what was checked) and older snapshots are
removed, keeping the newest two.

>>> import tempfile, shutil
>>> from importlib.resources import files
>>> from cosmo_agent.tools.mission import parse_mission
>>> src = files("cosmo_agent.tools") / "data" / "sample-leo.3le"
>>> m = parse_mission(f"name: d\\nfleet: [{{norad_id: 25544, name: ISS, class: weather}}]\\n"
...                   f"sources: {{catalog: ['{src}']}}\\n")
>>> state = Path(tempfile.mkdtemp())
>>> snap = CatalogRefresher(m, state).refresh(None, fleet_ids=[25544])
>>> len(snap.catalog) > 50, CatalogRefresher(m, state).refresh(snap, fleet_ids=[25544]) is snap
(True, True)
>>> shutil.rmtree(state)
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.tools.feeds import FeedError, FeedPoller
from cosmo_agent.tools.mission import Mission
from cosmo_agent.tools.registry import merge_catalogs
from cosmo_agent.tools.storage import is_object_url, list_files, read_bytes

__all__ = ["ELEMENT_SUFFIXES", "CatalogRefreshError", "CatalogRefresher", "CatalogSnapshot"]

ELEMENT_SUFFIXES = (".tle", ".3le", ".2le", ".txt", ".json", ".csv", ".xml", ".kvn", ".omm")
"""Files of a catalog directory that are read (others are ignored)."""
_KEEP_SNAPSHOTS = 2


class CatalogRefreshError(Exception):
    """The refresh was refused; ``problems`` says why, entry by entry."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class CatalogSnapshot:
    """A checked catalog: its digest, the snapshot files and the parsed catalog."""

    digest: str
    files: tuple[str, ...]
    catalog: Catalog
    loaded_at_utc: datetime
    sources: tuple[str, ...]
    skipped_records: int = 0
    notes: tuple[str, ...] = field(default=())

    def manifest(self) -> dict[str, object]:
        """What the state database keeps to reload this snapshot after a restart."""
        return {
            "digest": self.digest,
            "files": list(self.files),
            "loaded_at_utc": self.loaded_at_utc.isoformat(),
            "sources": list(self.sources),
            "skipped_records": self.skipped_records,
        }

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, object]) -> CatalogSnapshot:
        """Reload a snapshot recorded by :meth:`manifest` (raises OSError if files are gone)."""
        files = tuple(str(f) for f in manifest["files"])  # type: ignore[attr-defined]
        catalog = merge_catalogs([Catalog.from_file(f) for f in files])
        return cls(
            digest=str(manifest["digest"]),
            files=files,
            catalog=catalog,
            loaded_at_utc=datetime.fromisoformat(str(manifest["loaded_at_utc"])),
            sources=tuple(str(s) for s in manifest["sources"]),  # type: ignore[attr-defined]
            skipped_records=int(manifest.get("skipped_records", 0)),  # type: ignore[call-overload]
        )


def _file_name(ref: str) -> str:
    """The last part of a path or object URL."""
    return Path(ref).name if not is_object_url(ref) else ref.rstrip("/").rsplit("/", 1)[-1]


def _suffix_for(ref: str, body: bytes) -> str:
    suffix = Path(ref.split("?")[0]).suffix.lower()
    if suffix in ELEMENT_SUFFIXES:
        return suffix
    head = body.lstrip()[:20]
    if head[:1] in (b"[", b"{"):
        return ".json"
    if head[:1] == b"<":
        return ".xml"
    if head.startswith(b"CCSDS_OMM"):
        return ".kvn"
    return ".3le"


class CatalogRefresher:
    """Reads a mission's catalog sources; keeps one poller per URL between refreshes."""

    def __init__(
        self,
        mission: Mission,
        state_dir: Path,
        *,
        poller_factory: type[FeedPoller] = FeedPoller,
    ) -> None:
        self.mission = mission
        self.snapshot_root = Path(state_dir) / "catalog"
        self._pollers: dict[str, FeedPoller] = {}
        self._poller_factory = poller_factory

    def _read(self) -> tuple[list[tuple[str, str, bytes]], list[str]]:
        """``(ref, name, bytes)`` of every element file, and the problems met."""
        out: list[tuple[str, str, bytes]] = []
        problems: list[str] = []
        for ref in self.mission.sources.catalog:
            path = self.mission.resolve_path(ref)
            if "://" in path and not is_object_url(path):
                poller = self._pollers.get(path)
                if poller is None:
                    poller = self._poller_factory(path, max_attempts=3, backoff_s=1.0)
                    self._pollers[path] = poller
                try:
                    body = poller.poll().body
                except FeedError as exc:
                    problems.append(f"{path}: {exc}")
                    continue
                out.append((path, Path(path.split("?")[0]).name or "feed", body))
                continue
            try:  # a file or folder, on disk or in object storage (s3://)
                names = list_files(path, ELEMENT_SUFFIXES)
                if names == []:
                    problems.append(f"{path}: the directory holds no element files "
                                    f"({', '.join(ELEMENT_SUFFIXES)})")  # fmt: skip
                out += [(f, _file_name(f), read_bytes(f)) for f in names or [path]]
            except OSError as exc:
                problems.append(f"{path}: cannot read ({exc.strerror or type(exc).__name__})")
        return out, problems

    def refresh(
        self, previous: CatalogSnapshot | None, *, fleet_ids: Sequence[int]
    ) -> CatalogSnapshot:
        """The new snapshot, ``previous`` itself when nothing changed, or
        :class:`CatalogRefreshError` (the caller keeps ``previous``)."""
        entries, problems = self._read()
        if problems:
            raise CatalogRefreshError(problems)
        digest = hashlib.sha256()
        for ref, _, body in entries:
            digest.update(ref.encode() + b"\0" + hashlib.sha256(body).digest())
        hexdigest = digest.hexdigest()[:20]
        if previous is not None and previous.digest == hexdigest:
            return previous
        target = self.snapshot_root / hexdigest
        tmp = self.snapshot_root / f".{hexdigest}.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        files: list[Path] = []
        parts: list[Catalog] = []
        skipped = 0
        for i, (ref, name, body) in enumerate(entries):
            f = tmp / f"{i:03d}-{Path(name).stem[:60] or 'catalog'}{_suffix_for(name, body)}"
            f.write_bytes(body)
            files.append(f)
            try:
                part = Catalog.from_file(f)
            except (ValueError, UnicodeDecodeError) as exc:
                problems.append(f"{ref}: not a TLE/3LE or OMM catalog ({exc})")
                continue
            skipped += len(part.issues)
            if len(part) == 0:
                first = "; ".join(str(x) for x in part.issues[:2]) or "the file is empty"
                problems.append(f"{ref}: no usable element sets ({first})")
                continue
            parts.append(part)
        if not problems:
            catalog = merge_catalogs(parts)
            had = set(previous.catalog.ids.tolist()) if previous is not None else set()
            now_has = set(catalog.ids.tolist())
            lost = sorted(i for i in fleet_ids if i in had and i not in now_has)
            if lost:
                problems.append(
                    f"fleet satellites {lost} were in the last good catalog but are missing from"
                    " the new one; refusing it (a truncated or corrupt download?)"
                )
        if problems:
            shutil.rmtree(tmp, ignore_errors=True)
            raise CatalogRefreshError(problems)
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
        final = tuple(str(target / f.name) for f in files)
        snapshot = CatalogSnapshot(
            digest=hexdigest,
            files=final,
            catalog=catalog,
            loaded_at_utc=datetime.now(UTC),
            sources=tuple(ref for ref, _, _ in entries),
            skipped_records=skipped,
        )
        (target / "manifest.json").write_text(json.dumps(snapshot.manifest(), indent=1))
        self._prune(keep={hexdigest, previous.digest if previous else ""})
        return snapshot

    def _prune(self, keep: set[str]) -> None:
        dirs = sorted(
            (d for d in self.snapshot_root.iterdir() if d.is_dir() and not d.name.startswith(".")),
            key=lambda d: d.stat().st_mtime,
            reverse=True,
        )
        for d in dirs[_KEEP_SNAPSHOTS:]:
            if d.name not in keep:
                shutil.rmtree(d, ignore_errors=True)
