"""Echo marks: skip re-reading an entity whose change event was caused by our own write.

The portal fires ONCRM*UPDATE for the app's own updates (§3.4). Re-reading each echo costs a
request per 50 events for nothing; a mark left when we write lets the worker recognise the
echo (same entity, the app's own user, within a short window) and skip it. If a person changed
the entity in the same window under the same user, the sync job's DATE_MODIFY watermark still
catches it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.models import EchoMark


def expect(session: Session, portal_id: int, items: Iterable[tuple[str, int]],
           until: datetime) -> None:
    for entity, entity_id in set(items):
        row = session.scalar(select(EchoMark).where(
            EchoMark.portal_id == portal_id, EchoMark.entity == entity,
            EchoMark.entity_id == entity_id))
        if row is None:
            session.add(EchoMark(portal_id=portal_id, entity=entity, entity_id=entity_id,
                                 until=until))
        else:
            row.until = until


def consume(session: Session, portal_id: int, entity: str, entity_id: int,
            now: datetime) -> bool:
    """True once for an unexpired mark (then it is gone)."""
    result = session.execute(delete(EchoMark).where(
        EchoMark.portal_id == portal_id, EchoMark.entity == entity,
        EchoMark.entity_id == entity_id, EchoMark.until >= now))
    return result.rowcount > 0


def purge(session: Session, now: datetime) -> int:
    return session.execute(delete(EchoMark).where(EchoMark.until < now)).rowcount
