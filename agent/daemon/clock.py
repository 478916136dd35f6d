"""Clocks the daemon judges "now" by: the real UTC clock, a fixed instant, a simulated clock.

Job intervals are always wall-clock seconds (APScheduler fires them); the clock only says what
time it is *for the physics*: the screening window, element ages, event closure.  A simulated
clock lets the daemon run against an archived catalog (``sim:2026-06-10T12:00:00Z``) or at
accelerated time (``sim:2026-06-10T12:00:00Z@60`` runs 60 simulated seconds per wall second).

Spec strings (``--clock`` / ``COSMO_DAEMON_CLOCK``)::

    real                      the system clock (UTC)
    fixed:ISO                 always ISO
    sim:ISO[@RATE]            ISO at the first start, then RATE x wall time (default 1)

>>> clock = ManualClock(datetime(2026, 6, 10, 12, tzinfo=UTC))
>>> clock.advance(timedelta(minutes=30)).isoformat()
'2026-06-10T12:30:00+00:00'
>>> parse_clock("fixed:2026-06-10T12:00:00Z").now().isoformat()
'2026-06-10T12:00:00+00:00'
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = [
    "Clock",
    "ClockSpecError",
    "FixedClock",
    "ManualClock",
    "RealClock",
    "SimulatedClock",
    "parse_clock",
    "parse_utc",
]


@runtime_checkable
class Clock(Protocol):
    """Anything with ``now() -> aware UTC datetime``."""

    def now(self) -> datetime: ...


class ClockSpecError(ValueError):
    """A clock spec that cannot be read; the message shows the accepted forms."""


def parse_utc(text: str, what: str = "time") -> datetime:
    """An ISO 8601 string with a zone (``Z`` allowed) as an aware UTC datetime."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ClockSpecError(
            f"{what} {text!r} is not ISO 8601; e.g. 2026-06-10T12:00:00Z"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ClockSpecError(f"{what} {text!r} has no timezone; append 'Z' for UTC")
    return value.astimezone(UTC)


class RealClock:
    """The system clock in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "RealClock()"


@dataclass(frozen=True)
class FixedClock:
    """A clock stopped at ``at``."""

    at: datetime

    def now(self) -> datetime:
        return self.at


@dataclass
class SimulatedClock:
    """``start`` at wall time ``anchor_unix_s``, then ``rate`` simulated seconds per wall second.

    The daemon stores the anchor in its state database, so a restarted daemon continues the
    same simulated timeline instead of jumping back to ``start``.
    """

    start: datetime
    rate: float = 1.0
    anchor_unix_s: float = field(default_factory=time.time)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.time() - self.anchor_unix_s) * self.rate)


class ManualClock:
    """A clock that moves only when told to (tests, accelerated soaks); thread-safe."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ClockSpecError("ManualClock needs an aware datetime; add tzinfo=timezone.utc")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, step: timedelta) -> datetime:
        """Move forward by ``step``; returns the new time."""
        with self._lock:
            self._now += step
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (aware)."""
        with self._lock:
            self._now = when.astimezone(UTC)


def parse_clock(spec: str, anchor_unix_s: float | None = None) -> Clock:
    """The clock a spec string names (see the module docstring)."""
    text = spec.strip()
    if text == "real":
        return RealClock()
    kind, _, rest = text.partition(":")
    if kind == "fixed" and rest:
        return FixedClock(parse_utc(rest, "clock"))
    if kind == "sim" and rest:
        when, _, rate_text = rest.partition("@")
        try:
            rate = float(rate_text) if rate_text else 1.0
        except ValueError:
            rate = float("nan")
        if not rate > 0:
            raise ClockSpecError(f"clock rate {rate_text!r} must be a positive number, e.g. @60")
        anchor = anchor_unix_s if anchor_unix_s is not None else time.time()
        return SimulatedClock(parse_utc(when, "clock"), rate, anchor)
    raise ClockSpecError(
        f"clock {spec!r} is not one of: 'real', 'fixed:2026-06-10T12:00:00Z', "
        "'sim:2026-06-10T12:00:00Z' or 'sim:2026-06-10T12:00:00Z@60'"
    )
