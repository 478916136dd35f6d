"""Conjunction event identity: one id per encounter of a pair, whoever saw it and when.

An event id is derived from the pair and the TCA of the event's first sighting::

    CONJ-<lower NORAD id>-<higher NORAD id>-<TCA, UTC, to the minute>

e.g. ``CONJ-25544-48274-20260610T1510Z``.  The pair is written in ascending NORAD order,
not "fleet satellite first": the id then needs no mission (a CDM names either object first,
and two fleet satellites screen each other), and anyone holding the pair and the TCA writes
the same id.  The minute resolution is finer than :data:`EVENT_MATCH_S`, so two encounters
of one pair (always further apart than that) never share an id.

A rounding of the TCA alone cannot keep an id stable: a TCA that moves by a second can cross
a minute boundary.  Stability comes from matching: a later sighting of the pair with a TCA
within :data:`EVENT_MATCH_S` of a known event *is* that event and keeps its id
(:func:`match_event`); only a sighting that matches nothing gets a newly derived id
(:func:`event_id_for`).  Because the id spells the pair and the TCA, an id written elsewhere
(the daemon, a CDM, an operator) also resolves against a fresh screening by the same rule
(:func:`parse_event_id`).

>>> from datetime import UTC, datetime, timedelta
>>> tca = datetime(2026, 6, 10, 15, 10, 42, tzinfo=UTC)
>>> derive_event_id(48274, 25544, tca)
'CONJ-25544-48274-20260610T1510Z'
>>> known = {"CONJ-25544-48274-20260610T1510Z": (25544, 48274, tca)}
>>> event_id_for(known, 48274, 25544, tca + timedelta(seconds=40))  # re-screened: kept
'CONJ-25544-48274-20260610T1510Z'
>>> event_id_for(known, 25544, 48274, tca + timedelta(minutes=46))  # the next crossing
'CONJ-25544-48274-20260610T1556Z'
>>> parse_event_id("conj-25544-48274-20260610t1510z")
(25544, 48274, datetime.datetime(2026, 6, 10, 15, 10, tzinfo=datetime.timezone.utc))
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final

__all__ = [
    "ALIAS_PATTERN",
    "EVENT_ID_PATTERN",
    "EVENT_MATCH_S",
    "EventKey",
    "derive_event_id",
    "event_id_for",
    "event_pair",
    "match_event",
    "normal_event_id",
    "parse_event_id",
    "same_event",
]

EVENT_MATCH_S: Final = 1200.0
"""Two sightings of a pair with TCAs this close (s) are the same conjunction event.

From below: between element sets the TCA of one encounter moves by seconds to a few minutes
(an along-track error ``δs`` moves it by ``δs / v_rel``: 10 km at 7 km/s is 1.4 s, but tens
of km at the 0.1 km/s of a shallow encounter are minutes; the daemon's tests drift 15 min).
From above: distinct encounters of one pair are at least about half an orbit apart (the two
crossings of the orbit planes' intersection, ~44 min for the shortest LEO periods of ~88 min),
so with a tolerance under half of that (22 min) a sighting lies within tolerance of at most
one encounter.  20 min sits between the two bounds.
"""

EVENT_ID_PATTERN: Final = r"CONJ-\d{1,9}-\d{1,9}-\d{8}T\d{4}Z"
"""A canonical event id (regex, match case-insensitively)."""
ALIAS_PATTERN: Final = r"CONJ-\d{1,6}"
"""A run-local alias ``CONJ-0001`` (order of first sighting within one run)."""

_CANONICAL = re.compile(
    r"CONJ-(\d{1,9})-(\d{1,9})-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z", re.IGNORECASE
)
_ALIAS = re.compile(r"CONJ-0*(\d{1,6})", re.IGNORECASE)

_MAX_NORAD_ID: Final = 999_999_999  # nine digits, as OMM's NORAD_CAT_ID

EventKey = tuple[int, int, datetime]
"""``(lower NORAD id, higher NORAD id, TCA)`` of a known event."""


def event_pair(a: int, b: int) -> tuple[int, int]:
    """The pair in id order (ascending NORAD ids).

    >>> event_pair(48274, 25544)
    (25544, 48274)
    """
    if a == b:
        raise ValueError(f"a conjunction needs two objects, got NORAD {a} twice")
    for norad_id in (a, b):
        if not 0 <= norad_id <= _MAX_NORAD_ID:
            raise ValueError(f"NORAD id {norad_id} is not a catalog number (0 to 999999999)")
    return (a, b) if a < b else (b, a)


def derive_event_id(a: int, b: int, tca: datetime) -> str:
    """The id of the pair's event first seen at ``tca`` (aware UTC; see the module docstring).

    >>> from datetime import UTC, datetime
    >>> derive_event_id(7, 25544, datetime(2026, 1, 2, 3, 4, 59, tzinfo=UTC))
    'CONJ-7-25544-20260102T0304Z'
    """
    from cosmo_agent.orbital.timescales import require_utc  # numpy: not for importers of ids

    lo, hi = event_pair(a, b)
    t = require_utc(tca, "tca")
    return f"CONJ-{lo}-{hi}-{t:%Y%m%dT%H%M}Z"


def parse_event_id(text: str) -> EventKey | None:
    """``(lo, hi, TCA to the minute)`` spelled by a canonical id; None for anything else."""
    m = _CANONICAL.fullmatch(text.strip())
    if m is None:
        return None
    lo, hi, year, month, day, hour, minute = (int(x) for x in m.groups())
    try:
        tca = datetime(year, month, day, hour, minute, tzinfo=UTC)
    except ValueError:
        return None
    if lo == hi:
        return None
    lo, hi = event_pair(lo, hi)
    return lo, hi, tca


def normal_event_id(text: str) -> str:
    """An id as the stores compare it: upper case, an alias with four digits.

    >>> normal_event_id(" conj-7 "), normal_event_id("conj-25544-48274-20260610t1510z")
    ('CONJ-0007', 'CONJ-25544-48274-20260610T1510Z')
    """
    key = text.strip().upper()
    m = _ALIAS.fullmatch(key)
    return f"CONJ-{int(m[1]):04d}" if m else key


def match_event(
    known: Mapping[str, EventKey], a: int, b: int, tca: datetime, *, slack_s: float = 0.0
) -> str | None:
    """The known event of this pair whose TCA is nearest ``tca``, if within
    :data:`EVENT_MATCH_S` (plus ``slack_s``); ``known`` maps ids to their :data:`EventKey`."""
    pair = event_pair(a, b)
    best: tuple[float, str] | None = None
    for event_id, (lo, hi, known_tca) in known.items():
        if (lo, hi) != pair:
            continue
        gap_s = abs((known_tca - tca).total_seconds())
        if gap_s <= EVENT_MATCH_S + slack_s and (best is None or gap_s < best[0]):
            best = (gap_s, event_id)
    return None if best is None else best[1]


def event_id_for(known: Mapping[str, EventKey], a: int, b: int, tca: datetime) -> str:
    """The id of this sighting: the matching known event's, else one derived from it (a
    derived id already known is that event: the id spells the same pair and minute)."""
    return match_event(known, a, b, tca) or derive_event_id(a, b, tca)


def same_event(a: str, b: str) -> bool:
    """Whether two written ids name one event: equal as :func:`normal_event_id` has them, or
    canonical ids of one pair with TCAs within :data:`EVENT_MATCH_S` (plus the minute the ids
    drop: ids tell apart encounters more than 22 min apart, and distinct encounters of a pair
    are twice that).  An alias equals only itself: it means something only in its own run.

    >>> same_event("conj-7", "CONJ-0007"), same_event("CONJ-0007", "CONJ-0008")
    (True, False)
    >>> same_event("CONJ-1-2-20260610T1510Z", "CONJ-1-2-20260610T1514Z")
    True
    """
    if normal_event_id(a) == normal_event_id(b):
        return True
    pa, pb = parse_event_id(a), parse_event_id(b)
    if pa is None or pb is None:
        return False
    return match_event({"a": pa}, *pb, slack_s=60.0) is not None
