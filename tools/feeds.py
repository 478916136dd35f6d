"""Polite HTTP polling of public data feeds (SWPC, CelesTrak).

One :class:`FeedPoller` per URL. It keeps the last body with its ``ETag`` /
``Last-Modified`` validators and sends them back as ``If-None-Match`` /
``If-Modified-Since``, so a ``304 Not Modified`` reuses the cached body. Connect
errors, timeouts, 5xx answers and the two "ask again later" answers (``408``,
``429``) are retried with exponential backoff, waiting at least what a
``Retry-After`` header asks; a wait longer than ``max_retry_after_s`` ends the poll
and no request goes out before it is over (:attr:`FeedPoller.not_before_utc`). Any
other answer that is neither 200 nor 304 (another 4xx, an unresolved 3xx) stops
the poller for good, as SWPC and CelesTrak ask of automated clients: the poller
records why (:attr:`FeedPoller.stop_reason`) and refuses to poll again.

Exceptions::

    FeedError                  base class
    ├── FeedStoppedError       the poller stopped (non-200/304 answer); make a new one after fixing
    └── FeedUnavailableError   retries exhausted (connect errors, timeouts, 5xx, 408/429) or
                               a Retry-After wait not over yet; try again later

>>> poller = FeedPoller("http://127.0.0.1:9/products/noaa-scales.json", max_attempts=1)
>>> poller.stopped
False
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

__all__ = [
    "FeedError",
    "FeedFetch",
    "FeedPoller",
    "FeedStoppedError",
    "FeedUnavailableError",
    "FetchOutcome",
]

FetchOutcome = Literal["fresh", "not_modified"]
"""``fresh``: a 200 with a new body; ``not_modified``: a 304, the cached body was reused."""

_USER_AGENT = ("cosmo-agent (satellite operations; polls politely, honours 304 and Retry-After, "
               "stops on 4xx)")


class FeedError(Exception):
    """A feed could not be fetched; the message says what to do."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url


class FeedStoppedError(FeedError):
    """The server answered neither 200 nor 304, so the poller stopped for good."""


class FeedUnavailableError(FeedError):
    """Connect errors, timeouts or 5xx answers outlasted every retry."""


class FeedFetch:
    """One successful poll: the body, whether it was new, and when it was fetched."""

    __slots__ = ("body", "fetched_at_utc", "outcome", "url")

    def __init__(self, url: str, body: bytes, outcome: FetchOutcome, fetched_at_utc: datetime):
        self.url = url
        self.body = body
        self.outcome = outcome
        self.fetched_at_utc = fetched_at_utc

    def __repr__(self) -> str:
        return f"FeedFetch({self.url!r}, {len(self.body)} bytes, {self.outcome!r})"


_ASK_AGAIN_LATER = frozenset({408, 429})  # Request Timeout, Too Many Requests


def _retry_after_s(value: str | None, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP-date)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None  # unreadable: fall back to the backoff
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class FeedPoller:
    """Poll one URL with conditional GET, retries with backoff, and stop-on-4xx.

    ``timeout_s`` bounds each request; ``max_attempts`` counts the first try;
    the n-th retry waits ``backoff_s * 2**(n-1)``, or longer when the server's
    ``Retry-After`` asks; a ``Retry-After`` over ``max_retry_after_s`` is not slept
    through but ends the poll (:class:`FeedUnavailableError`) and sets
    :attr:`not_before_utc`. ``client`` and ``sleep`` are test seams (pass an
    ``httpx.Client`` with a ``MockTransport``, or a no-op sleep).
    """

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 10.0,
        max_attempts: int = 4,
        backoff_s: float = 1.0,
        max_retry_after_s: float = 60.0,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
        self.url = url
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_retry_after_s = max_retry_after_s
        self._client = client
        self._sleep = sleep
        self._etag: str | None = None
        self._last_modified: str | None = None
        self._body: bytes | None = None
        self.stop_reason: str | None = None
        self.not_before_utc: datetime | None = None
        """Set when the server asked (``Retry-After``) to wait longer than
        ``max_retry_after_s``: no request goes out before this time."""
        self.attempts_last_poll = 0

    @property
    def stopped(self) -> bool:
        """True once the server gave an answer that was neither 200 nor 304."""
        return self.stop_reason is not None

    def poll(self) -> FeedFetch:
        """Fetch the URL once (with retries); raise :class:`FeedError` subclasses on failure."""
        if self.stop_reason is not None:
            raise FeedStoppedError(self.url, f"polling stopped earlier: {self.stop_reason}")
        if self.not_before_utc is not None and datetime.now(UTC) < self.not_before_utc:
            raise FeedUnavailableError(
                self.url, f"the server asked to wait until {self.not_before_utc:%Y-%m-%dT%H:%M:%SZ}"
                " (Retry-After); not asking before then")
        headers = {"User-Agent": _USER_AGENT}
        if self._body is not None and self._etag:
            headers["If-None-Match"] = self._etag
        if self._body is not None and self._last_modified:
            headers["If-Modified-Since"] = self._last_modified
        client = self._client or httpx.Client(follow_redirects=True)
        last_problem = "no attempt made"
        asked_wait = 0.0
        try:
            for attempt in range(1, self.max_attempts + 1):
                self.attempts_last_poll = attempt
                if attempt > 1:
                    self._sleep(max(self.backoff_s * 2 ** (attempt - 2), asked_wait))
                try:
                    response = client.get(self.url, headers=headers, timeout=self.timeout_s)
                except (httpx.TransportError, httpx.TimeoutException) as exc:
                    last_problem = f"{type(exc).__name__}: {exc}"
                    continue
                status = response.status_code
                now = datetime.now(UTC)
                if status >= 500 or status in _ASK_AGAIN_LATER:
                    last_problem = f"HTTP {status} {response.reason_phrase}"
                    asked_wait = _retry_after_s(response.headers.get("Retry-After"), now) or 0.0
                    if asked_wait > self.max_retry_after_s:
                        self.not_before_utc = now + timedelta(seconds=asked_wait)
                        raise FeedUnavailableError(
                            self.url, f"{last_problem}; the server asks to wait {asked_wait:.0f} s"
                            f" (Retry-After), until {self.not_before_utc:%Y-%m-%dT%H:%M:%SZ}; "
                            "polling resumes then")
                    continue
                if status == 304 and self._body is not None:
                    return FeedFetch(self.url, self._body, "not_modified", now)
                if status == 200:
                    self._body = response.content
                    self._etag = response.headers.get("ETag")
                    self._last_modified = response.headers.get("Last-Modified")
                    return FeedFetch(self.url, self._body, "fresh", now)
                self.stop_reason = (
                    f"HTTP {status} {response.reason_phrase} at {now:%Y-%m-%dT%H:%M:%SZ}; "
                    "polling stopped as the provider asks (non-200/304 answer). "
                    "Check the URL, then create a new poller"
                )
                raise FeedStoppedError(self.url, self.stop_reason)
        finally:
            if self._client is None:
                client.close()
        raise FeedUnavailableError(
            self.url,
            f"no answer after {self.max_attempts} attempts (last: {last_problem}); "
            "the feed may be down, try again later or use a local snapshot",
        )
