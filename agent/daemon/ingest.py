"""CDM ingestion: a CCSDS Conjunction Data Message into the daemon's event store.

A CDM updates the event it describes (the pair, with its TCA within
:data:`~cosmo_agent.tools.events.EVENT_MATCH_S` of an open event's) or creates one, and adds
a Pc history row whose source names the message (``cdm:<MESSAGE_ID> <ORIGINATOR>``), dated
by the message's ``CREATION_DATE``.  The Pc is the one the message states
(``COLLISION_PROBABILITY``, else a Pc in its comments), or Foster's from its states and
covariances when it states none but gives a hard-body radius; else unknown.

>>> from cosmo_agent.orbital.cdm import EXAMPLE_KVN, Cdm
>>> from cosmo_agent.agent.daemon.store import PcThresholds, Store
>>> store = Store("sqlite://")
>>> t = PcThresholds(1e-5, 1e-4, 1e-3)
>>> with store.session() as s:
...     ev, changed = ingest_cdm(store, s, Cdm.from_kvn(EXAMPLE_KVN), thresholds=t)
...     ev.uid, ev.pc, changed.new == [ev.uid], store.pc_history(s, ev)[0].source
('CONJ-12345-30337-20100313T2237Z', 4.835e-05, True, 'cdm:201113719185 JSPOC')
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from cosmo_agent.agent.daemon.store import EventRow, PcThresholds, Store, Tracking

if TYPE_CHECKING:
    from cosmo_agent.orbital.cdm import Cdm

__all__ = ["CdmSighting", "cdm_sighting", "ingest_cdm"]


@dataclass(frozen=True)
class CdmSighting:
    """What the event store takes from a CDM (a ``store.Sighting``)."""

    primary_id: int
    secondary_id: int
    tca: datetime
    miss_km: float
    relative_speed_km_s: float | None
    pc: float | None
    source: str
    created: datetime


def cdm_sighting(cdm: Cdm, fleet: Collection[int] = ()) -> CdmSighting:
    """The sighting a CDM reports; the primary is the fleet satellite when one of the objects
    is in ``fleet``, else OBJECT1.  Raises ValueError when a designator is not a NORAD id."""
    ids = []
    for obj in (cdm.object1, cdm.object2):
        text = obj.object_designator.strip()
        if not text.isdigit():
            raise ValueError(
                f"{obj.object} OBJECT_DESIGNATOR {text!r} is not a NORAD catalog number; the"
                " event store names objects by NORAD id"
            )
        ids.append(int(text))
    primary, secondary = ids
    if secondary in fleet and primary not in fleet:
        primary, secondary = secondary, primary
    rel = cdm.relative
    speed = None if rel.relative_speed_m_s is None else rel.relative_speed_m_s / 1000.0
    header = cdm.header
    return CdmSighting(
        primary_id=primary,
        secondary_id=secondary,
        tca=rel.tca,
        miss_km=rel.miss_distance_m / 1000.0,
        relative_speed_km_s=speed,
        pc=_pc(cdm),
        source=f"cdm:{header.message_id} {header.originator}"[:200],
        created=header.creation_date,
    )


def _pc(cdm: Cdm) -> float | None:
    if cdm.relative.collision_probability is not None:
        return cdm.relative.collision_probability
    stated = cdm.recorded_pcs()
    if stated:
        return next(iter(stated.values()))
    if cdm.hbr_m is None:
        return None
    pc = float(cdm.collision_probability().pc)
    return pc if pc == pc else None  # NaN: the message's covariances give no Pc


def ingest_cdm(
    store: Store,
    s: Session,
    cdm: Cdm,
    *,
    thresholds: PcThresholds,
    fleet: Collection[int] = (),
    names: dict[int, str] | None = None,
    history_per_event: int = 200,
) -> tuple[EventRow, Tracking]:
    """Fold ``cdm`` into the store (see the module docstring): the event and what changed."""
    sight = cdm_sighting(cdm, fleet)
    return store.ingest(
        s, sight, source=sight.source, now=sight.created, thresholds=thresholds,
        history_per_event=history_per_event, names=names,
    )  # fmt: skip
