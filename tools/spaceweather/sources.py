"""Where space-weather products come from: a snapshot file, a directory, or SWPC over HTTP.

A file or directory may be in object storage (``s3://bucket/weather/``, read through
:mod:`cosmo_agent.tools.storage`).

Shipped sample (``tools/data/swpc-sample-*.json``, ``swpc-legacy-*.json`` in the old layout,
``celestrak-sw-sample.csv``): hand-written for a fictitious G3/S3/R3 event on 2026-07-31
(~12:30 UTC) following the documented field names and layouts; not a recording of real data.

>>> sorted(open_source().load())[:3]
['alerts', 'celestrak_sw', 'kp']
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from cosmo_agent.tools.feeds import FeedError, FeedPoller, FetchOutcome
from cosmo_agent.tools.spaceweather.products import (
    ProductData,
    ProductName,
    SpaceWeatherFormatError,
    classify_filename,
    parse_product,
)
from cosmo_agent.tools.storage import is_object_url, list_files, read_bytes

__all__ = [
    "SAMPLE_DIR",
    "SWPC_PATHS",
    "DirectorySource",
    "FileSource",
    "HttpSource",
    "LoadedProduct",
    "SpaceWeatherSource",
    "SpaceWeatherSourceError",
    "open_source",
]

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data"
SWPC_PATHS: dict[ProductName, str] = {
    "kp": "products/noaa-planetary-k-index.json",
    "kp_forecast": "products/noaa-planetary-k-index-forecast.json",
    "xrays": "json/goes/primary/xrays-6-hour.json",
    "protons": "json/goes/primary/integral-protons-6-hour.json",
    "alerts": "products/alerts.json",
    "scales": "products/noaa-scales.json",
}


class SpaceWeatherSourceError(ValueError):
    """A source specification (path or URL) cannot be used; the message says what to pass."""


@dataclass
class LoadedProduct:
    """What a source got for one product: parsed data, or a problem saying what went wrong."""

    product: ProductName
    origin: str
    data: ProductData | None = None
    problem: str | None = None
    fetch: FetchOutcome | None = None
    notes: list[str] = field(default_factory=list)


class SpaceWeatherSource(Protocol):
    """Anything that can load products; ``description`` goes into the report."""

    description: str

    def load(self) -> dict[ProductName, LoadedProduct]: ...


def _load_file(product: ProductName, ref: str) -> LoadedProduct:
    try:
        raw = read_bytes(ref)
    except OSError as exc:
        return LoadedProduct(product, ref, problem=f"cannot read {ref}: {exc.strerror}")
    try:
        return LoadedProduct(product, ref, data=parse_product(product, raw, origin=ref))
    except SpaceWeatherFormatError as exc:
        return LoadedProduct(product, ref, problem=str(exc))


def _name(ref: str) -> str:
    """The file name of a path or object URL."""
    return ref.rstrip("/").rsplit("/", 1)[-1].rsplit(os.sep, 1)[-1]


class FileSource:
    """One snapshot file; its name says which product it holds (see :func:`classify_filename`).

    ``path`` is a local path or an object URL (``s3://...``).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        product = classify_filename(_name(self.path))
        if product is None:
            raise SpaceWeatherSourceError(
                f"{self.path}: cannot tell which product this file holds; name it after the SWPC "
                "file (e.g. noaa-planetary-k-index.json, xrays-6-hour.json, alerts.json) "
                "or SW-All.csv"
            )
        self.product: ProductName = product
        self.description = str(self.path)

    def load(self) -> dict[ProductName, LoadedProduct]:
        return {self.product: _load_file(self.product, self.path)}


class DirectorySource:
    """A directory of snapshots; for each product the file with the newest data wins.

    ``prefixes`` limits which file names are considered (the shipped sample uses
    ``swpc-`` and ``celestrak-sw-``); ties on data time go to the later file name.
    """

    def __init__(self, path: str | os.PathLike[str], *, prefixes: tuple[str, ...] = ()) -> None:
        self.path = os.fspath(path)
        self.prefixes = prefixes
        self.description = self.path

    def load(self) -> dict[ProductName, LoadedProduct]:
        groups: dict[ProductName, list[str]] = {}
        for entry in list_files(self.path, ("",)) or ():
            name = _name(entry)
            product = classify_filename(name)
            if product and (not self.prefixes or name.startswith(self.prefixes)):
                groups.setdefault(product, []).append(entry)
        out: dict[ProductName, LoadedProduct] = {}
        for product, paths in groups.items():
            loaded = [_load_file(product, p) for p in paths]
            good = [item for item in loaded if item.data is not None]
            bad = [f"ignored {item.origin}: {item.problem}" for item in loaded if item.data is None]
            if not good:
                out[product] = loaded[-1]
                out[product].notes = bad[:-1]
                continue
            least = datetime.min.replace(tzinfo=UTC)
            best = max(
                good,
                key=lambda item: ((item.data and item.data.data_time_utc) or least, item.origin),
            )
            best.notes = bad
            out[product] = best
        return out


class HttpSource:
    """A SWPC-like base URL (``https://services.swpc.noaa.gov/``) or one product's URL.

    Keep one instance between polls: it holds a :class:`FeedPoller` per product, so
    ETags are reused, a ``Retry-After`` is honoured, and a product answered with a 4xx
    (other than 408/429) is never asked for again. Close it
    (or use ``with HttpSource(url) as source:``) to release its HTTP client.
    ``celestrak_url`` (e.g. ``https://celestrak.org/SpaceData/SW-All.csv``) is optional.
    """

    def __init__(
        self,
        url: str,
        *,
        celestrak_url: str | None = None,
        client: httpx.Client | None = None,
        timeout_s: float = 10.0,
        max_attempts: int = 4,
        backoff_s: float = 1.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.description = url
        single = classify_filename(url.split("?")[0])
        urls: dict[ProductName, str] = (
            {single: url}
            if single
            else {p: url.rstrip("/") + "/" + path for p, path in SWPC_PATHS.items()}
        )
        if celestrak_url:
            urls["celestrak_sw"] = celestrak_url
        self._own_client = client is None
        self.client = client or httpx.Client(follow_redirects=True)
        extra: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
        self.pollers: dict[ProductName, FeedPoller] = {
            p: FeedPoller(
                u,
                timeout_s=timeout_s,
                max_attempts=max_attempts,
                backoff_s=backoff_s,
                client=self.client,
                **extra,
            )
            for p, u in urls.items()
        }

    def close(self) -> None:
        """Close the HTTP client this source created (not one passed in)."""
        if self._own_client:
            self.client.close()

    def __enter__(self) -> HttpSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self) -> dict[ProductName, LoadedProduct]:
        out: dict[ProductName, LoadedProduct] = {}
        for product, poller in self.pollers.items():
            try:
                fetched = poller.poll()
            except FeedError as exc:
                out[product] = LoadedProduct(product, poller.url, problem=str(exc))
                continue
            try:
                data = parse_product(product, fetched.body, origin=poller.url)
            except SpaceWeatherFormatError as exc:
                out[product] = LoadedProduct(
                    product, poller.url, problem=str(exc), fetch=fetched.outcome
                )
                continue
            out[product] = LoadedProduct(product, poller.url, data=data, fetch=fetched.outcome)
        return out


def open_source(
    spec: str | os.PathLike[str] | SpaceWeatherSource | None = None,
) -> SpaceWeatherSource:
    """A source from a CLI argument: None (the shipped sample), a file, a directory (either
    local or in object storage) or an http(s) URL."""
    if spec is None:
        return DirectorySource(SAMPLE_DIR, prefixes=("swpc-", "celestrak-sw-"))
    if not isinstance(spec, str | os.PathLike):
        return spec
    text = os.fspath(spec)
    if re.match(r"https?://", text):
        return HttpSource(text)
    try:
        listed = list_files(text, ("",))
    except OSError as exc:  # the object store refused or is unreachable
        raise SpaceWeatherSourceError(str(exc)) from None
    if listed is not None:
        return DirectorySource(text)
    if is_object_url(text) or Path(text).is_file():
        return FileSource(text)  # a missing object is reported when it is read
    raise SpaceWeatherSourceError(
        f"{text}: no such file or directory; pass a snapshot file, a directory of snapshots "
        "(local or s3://) or an http(s):// URL of a SWPC-like directory (or nothing for the"
        " shipped sample)"
    )
