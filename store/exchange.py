"""The exchange journal and the sweep records; repeat-safe under unique keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from store.db import upsert_insert
from store.models import Deal, ExchangeEvent


def journal(session: Session, portal_id: int, *, deal_id: int, kind: str, user_id: int | None,
            at: datetime, key: str, reason: str | None = None) -> bool:
    """Record once per key (a retried event or a double click records nothing new)."""
    values = {"portal_id": portal_id, "b24_deal_id": deal_id, "kind": kind, "user_id": user_id,
              "reason": reason, "at": at, "dedupe_key": key[:128]}
    stmt = upsert_insert(session)(ExchangeEvent).values(**values).on_conflict_do_nothing()
    return session.execute(stmt.returning(ExchangeEvent.id)).first() is not None


def take_from(session: Session, portal_id: int, deal_id: int, *, holder: int,
              new_holder: int) -> bool:
    """Compare-and-set on the mirror: of two managers clicking at once, exactly one wins."""
    result = session.execute(
        update(Deal).where(Deal.portal_id == portal_id, Deal.b24_deal_id == deal_id,
                           Deal.assigned_by_id == holder, Deal.stage_semantic == "P",
                           Deal.deleted.is_(False))
        .values(assigned_by_id=new_holder).execution_options(synchronize_session=False))
    return result.rowcount == 1


def forget(session: Session, portal_id: int, key: str) -> None:
    """Drop a journal entry whose action the portal refused."""
    session.execute(delete(ExchangeEvent).where(ExchangeEvent.portal_id == portal_id,
                                                ExchangeEvent.dedupe_key == key[:128]))


def last_event(session: Session, portal_id: int, deal_id: int,
               kinds: tuple[str, ...]) -> ExchangeEvent | None:
    return session.scalar(select(ExchangeEvent).where(
        ExchangeEvent.portal_id == portal_id, ExchangeEvent.b24_deal_id == deal_id,
        ExchangeEvent.kind.in_(kinds)).order_by(ExchangeEvent.at.desc(), ExchangeEvent.id.desc())
        .limit(1))


def counts(session: Session, portal_id: int, since: datetime,
           until: datetime | None = None) -> dict[str, int]:
    stmt = select(ExchangeEvent.kind, func.count()).where(
        ExchangeEvent.portal_id == portal_id, ExchangeEvent.at >= since)
    if until is not None:
        stmt = stmt.where(ExchangeEvent.at < until)
    return dict(session.execute(stmt.group_by(ExchangeEvent.kind)).all())
