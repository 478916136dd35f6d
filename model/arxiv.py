"""arXiv API client: Atom feed parsing (:mod:`xml.etree`) and polite paging (3 s between calls).

Titles and abstracts become domain text for continued pretraining
(:meth:`ArxivEntry.to_record`, a :class:`~cosmo_agent.model.storage.TextRecord`).
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cosmo_agent.model.storage import TextRecord

__all__ = ["ArxivClient", "ArxivEntry", "ArxivError", "ArxivPage", "parse_arxiv_feed"]


_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_ARXIV = "{http://arxiv.org/schemas/atom}"


class ArxivError(RuntimeError):
    """The arXiv API answered with an error entry, a throttle notice or a bad status."""


@dataclass(frozen=True)
class ArxivEntry:
    """One arXiv API result (Atom ``<entry>``)."""

    id: str  # e.g. "2401.01234v2"
    title: str
    summary: str
    published: datetime
    updated: datetime
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    primary_category: str | None
    pdf_url: str | None

    def to_record(self) -> TextRecord:
        """Title and abstract as one document."""
        return TextRecord(f"arxiv:{self.id}", f"{self.title}\n\n{self.summary}", "arxiv")


@dataclass(frozen=True)
class ArxivPage:
    """One page of an arXiv query (OpenSearch totals and the entries)."""

    total_results: int
    start_index: int
    items_per_page: int
    entries: tuple[ArxivEntry, ...]


def _text(el: ET.Element | None) -> str:
    return " ".join((el.text or "").split()) if el is not None else ""


def _atom_time(value: str) -> datetime:
    t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC)


def parse_arxiv_feed(xml: str | bytes) -> ArxivPage:
    """Parse an arXiv API Atom response (user manual §3.3); error entries raise ArxivError.

    >>> page = parse_arxiv_feed('<feed xmlns="http://www.w3.org/2005/Atom" '
    ...     'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
    ...     '<opensearch:totalResults>0</opensearch:totalResults></feed>')
    >>> page.total_results, page.entries
    (0, ())
    """
    if isinstance(xml, str):
        xml = xml.encode()
    if xml.strip().startswith(b"Rate exceeded"):
        raise ArxivError("arXiv is throttling requests ('Rate exceeded.'); wait and retry")
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ArxivError(f"arXiv response is not an Atom feed: {exc}") from exc
    if root.tag != f"{_ATOM}feed":
        raise ArxivError(f"arXiv response root is {root.tag!r}, expected an Atom <feed>")

    def number(tag: str, default: int) -> int:
        el = root.find(f"{_OPENSEARCH}{tag}")
        return int(_text(el)) if el is not None and _text(el) else default

    entries = []
    for entry in root.findall(f"{_ATOM}entry"):
        raw_id = _text(entry.find(f"{_ATOM}id"))
        title = _text(entry.find(f"{_ATOM}title"))
        summary = _text(entry.find(f"{_ATOM}summary"))
        if "/api/errors" in raw_id or (title == "Error" and "/abs/" not in raw_id):
            raise ArxivError(f"arXiv API error: {summary or raw_id}")
        ident = raw_id.split("/abs/", 1)[-1]
        pdf = None
        for link in entry.findall(f"{_ATOM}link"):
            if link.get("title") == "pdf" or link.get("type") == "application/pdf":
                pdf = link.get("href")
        primary = entry.find(f"{_ARXIV}primary_category")
        entries.append(
            ArxivEntry(
                id=ident,
                title=title,
                summary=summary,
                published=_atom_time(_text(entry.find(f"{_ATOM}published"))),
                updated=_atom_time(_text(entry.find(f"{_ATOM}updated"))),
                authors=tuple(
                    _text(a.find(f"{_ATOM}name")) for a in entry.findall(f"{_ATOM}author")
                ),
                categories=tuple(
                    str(c.get("term")) for c in entry.findall(f"{_ATOM}category") if c.get("term")
                ),
                primary_category=primary.get("term") if primary is not None else None,
                pdf_url=pdf,
            )
        )
    return ArxivPage(
        total_results=number("totalResults", len(entries)),
        start_index=number("startIndex", 0),
        items_per_page=number("itemsPerPage", len(entries)),
        entries=tuple(entries),
    )


class ArxivClient:
    """arXiv API client (Atom over HTTP) with polite rate limiting.

    arXiv asks for no more than one request every 3 seconds; ``min_interval_s`` enforces it
    between this client's calls, and throttle answers (HTTP 429/503 or "Rate exceeded.") are
    retried ``max_retries`` times with a growing wait. Pass ``transport`` (e.g.
    ``httpx.MockTransport``) to test without the network; ``sleep``/``clock`` are injectable.
    """

    BASE_URL = "https://export.arxiv.org/api/query"

    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        min_interval_s: float = 3.0,
        max_retries: int = 3,
        timeout_s: float = 30.0,
        transport: Any = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import httpx

        self.base_url = base_url
        self.min_interval_s = min_interval_s
        self.max_retries = max_retries
        self._sleep = sleep
        self._clock = clock
        self._last_call: float | None = None
        self._client = httpx.Client(
            transport=transport,
            timeout=timeout_s,
            headers={"User-Agent": "cosmo-agent corpus builder (arXiv API, polite 3 s)"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait_turn(self) -> None:
        if self._last_call is not None:
            remaining = self.min_interval_s - (self._clock() - self._last_call)
            if remaining > 0:
                self._sleep(remaining)
        self._last_call = self._clock()

    def search(
        self,
        query: str,
        *,
        start: int = 0,
        max_results: int = 100,
        sort_by: str = "submittedDate",
        sort_order: str = "descending",
    ) -> ArxivPage:
        """One page of ``search_query`` results (arXiv query syntax, e.g. ``cat:astro-ph.EP``)."""
        params = {
            "search_query": query,
            "start": str(start),
            "max_results": str(max_results),
            "sortBy": sort_by,
            "sortOrder": sort_order,
        }
        for attempt in range(self.max_retries + 1):
            self._wait_turn()
            response = self._client.get(self.base_url, params=params)
            throttled = response.status_code in (429, 503) or response.content.strip().startswith(
                b"Rate exceeded"
            )
            if throttled and attempt < self.max_retries:
                self._sleep(self.min_interval_s * 2 ** (attempt + 1))
                continue
            if throttled:
                raise ArxivError(
                    f"arXiv kept throttling after {self.max_retries} retries; try again later"
                )
            if response.status_code != 200:
                raise ArxivError(f"arXiv API HTTP {response.status_code} for {response.url}")
            return parse_arxiv_feed(response.content)
        raise AssertionError("unreachable")  # pragma: no cover

    def iter_entries(self, query: str, *, limit: int, page_size: int = 100) -> Iterator[ArxivEntry]:
        """Up to ``limit`` entries, paging with ``start``/``max_results``."""
        start = 0
        while start < limit:
            page = self.search(query, start=start, max_results=min(page_size, limit - start))
            yield from page.entries
            start += len(page.entries)
            if not page.entries or start >= page.total_results:
                return
