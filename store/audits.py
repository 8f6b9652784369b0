"""Rejections, their callbacks, hand-offs and counters; repeat-safe under unique keys.

Scheduled work (callbacks, hand-offs) is claimed like inbox rows (store.inbox.claim): one
conditional UPDATE re-checks "due and not leased" per row, so of two workers racing for the same
row exactly one changes it, and a worker that died mid-run leaves a lease that simply expires.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from store.audits_models import AuditCallback, ClientHandoff, Rejection, SeniorDayCounter
from store.db import upsert_insert
from store.models import Deal

LEASE = timedelta(minutes=5)
OPEN_STATES = ("collecting", "open")
Work = TypeVar("Work", AuditCallback, ClientHandoff)


def _insert(session: Session, model: type, values: dict[str, Any]) -> int | None:
    """INSERT .. ON CONFLICT DO NOTHING; the new id, or None when the key already exists."""
    stmt = upsert_insert(session)(model).values(**values).on_conflict_do_nothing()
    row = session.execute(stmt.returning(model.id)).first()
    return None if row is None else int(row[0])


def record_rejection(session: Session, portal_id: int, *, key: str,
                     values: dict[str, Any]) -> Rejection | None:
    """Once per key: a retried event (or the sync's replay of it) records nothing new."""
    new_id = _insert(session, Rejection, {**values, "portal_id": portal_id,
                                          "dedupe_key": key[:128], "state": "collecting"})
    return None if new_id is None else session.get(Rejection, new_id)


def collecting(session: Session, portal_id: int, limit: int) -> list[Rejection]:
    return list(session.scalars(select(Rejection).where(
        Rejection.portal_id == portal_id, Rejection.state == "collecting")
        .order_by(Rejection.id).limit(limit)))


def get_rejection(session: Session, portal_id: int, rejection_id: int) -> Rejection | None:
    return session.scalar(select(Rejection).where(Rejection.portal_id == portal_id,
                                                  Rejection.id == rejection_id))


def queue(session: Session, portal_id: int, *, limit: int = 200) -> list[Rejection]:
    """Rejections waiting for the audit, most suspicious first."""
    return list(session.scalars(select(Rejection).where(
        Rejection.portal_id == portal_id, Rejection.state.in_(OPEN_STATES))
        .order_by(Rejection.score.desc(), Rejection.rejected_at.desc()).limit(limit)))


def set_outcome(session: Session, portal_id: int, rejection_id: int, *, state: str,
                user_id: int, now: datetime, expect: str = "open") -> bool:
    """Compare-and-set: of two controllers clicking at once, exactly one decides."""
    result = session.execute(
        update(Rejection).where(Rejection.portal_id == portal_id, Rejection.id == rejection_id,
                                Rejection.state == expect)
        .values(state=state, outcome_by=user_id, outcome_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def reopen(session: Session, portal_id: int, rejection_id: int, *, state: str) -> None:
    """Take a verdict back (the portal refused what it asked for)."""
    session.execute(update(Rejection).where(
        Rejection.portal_id == portal_id, Rejection.id == rejection_id, Rejection.state == state)
        .values(state="open", outcome_by=None, outcome_at=None)
        .execution_options(synchronize_session=False))


def schedule_callback(session: Session, portal_id: int, rejection_id: int, *,
                      due_at: datetime, responsible_id: int | None) -> bool:
    """One callback per rejection, whoever asks and however often."""
    return _insert(session, AuditCallback, {
        "portal_id": portal_id, "rejection_id": rejection_id, "due_at": due_at,
        "responsible_id": responsible_id, "status": "scheduled", "attempts": 0}) is not None


def hold_callback(session: Session, rejection_id: int, *, cancel: bool = True) -> None:
    """A deal back in work needs no quality callback about its rejection (or, when the
    verdict is taken back, needs it again)."""
    frm, to = ("scheduled", "cancelled") if cancel else ("cancelled", "scheduled")
    session.execute(update(AuditCallback).where(AuditCallback.rejection_id == rejection_id,
                                                AuditCallback.status == frm)
                    .values(status=to).execution_options(synchronize_session=False))


def callback_of(session: Session, rejection_id: int) -> AuditCallback | None:
    return session.scalar(select(AuditCallback).where(AuditCallback.rejection_id == rejection_id))


def record_handoff(session: Session, portal_id: int, *, entity_type: str, client_id: int,
                   values: dict[str, Any]) -> bool:
    """Once per client, ever: a second won deal finds the row and hands nothing off."""
    return _insert(session, ClientHandoff, {
        **values, "portal_id": portal_id, "entity_type": entity_type,
        "b24_client_id": client_id, "status": "scheduled", "attempts": 0}) is not None


def earlier_win(session: Session, portal_id: int, *, entity_type: str, client_id: int,
                deal_id: int, before: datetime) -> bool:
    """Another deal of this client won before this one (mirror): not a first purchase."""
    column = Deal.contact_id if entity_type == "CONTACT" else Deal.company_id
    return session.scalar(select(Deal.id).where(
        Deal.portal_id == portal_id, column == client_id, Deal.stage_semantic == "S",
        Deal.deleted.is_(False), Deal.b24_deal_id != deal_id,
        or_(Deal.moved_time.is_(None), Deal.moved_time <= before)).limit(1)) is not None


def _due(model: type[Work], now: datetime):  # noqa: ANN202 - SQL expression
    scheduled = and_(model.status == "scheduled", model.due_at <= now)
    abandoned = and_(model.status == "firing", model.locked_until < now)  # a worker died
    return or_(scheduled, abandoned)


def claim_due(session: Session, model: type[Work], portal_id: int, now: datetime,
              limit: int = 50) -> list[Work]:
    """Lease due rows and commit (a lease nobody else can see is no lease, as inbox.claim)."""
    token = uuid.uuid4().hex
    ids = (select(model.id).where(model.portal_id == portal_id, _due(model, now))
           .order_by(model.due_at, model.id).limit(limit))
    session.execute(
        update(model).where(model.id.in_(ids.scalar_subquery()), _due(model, now))
        .values(status="firing", locked_by=token, locked_until=now + LEASE,
                attempts=model.attempts + 1)
        .execution_options(synchronize_session=False))
    session.commit()
    return list(session.scalars(select(model).where(model.locked_by == token,
                                                    model.status == "firing")
                                .order_by(model.id).execution_options(populate_existing=True)))


def finish(row: AuditCallback | ClientHandoff, now: datetime, *, status: str = "done") -> None:
    row.status, row.done_at, row.locked_until, row.last_error = status, now, None, None


def retry_later(row: AuditCallback | ClientHandoff, error: str, now: datetime, *,
                max_attempts: int = 6) -> None:
    """Back off 10 min, 20 min ... up to a day; give up (failed, shown on the page) after that."""
    row.last_error, row.locked_until = error[:2000], None
    if row.attempts >= max_attempts:
        row.status = "failed"
        return
    row.status = "scheduled"
    row.due_at = now + timedelta(minutes=min(10 * 2 ** (row.attempts - 1), 1440))


def save_counters(session: Session, portal_id: int, user_id: int, day: date,
                  values: dict[str, int], now: datetime) -> None:
    """Recomputed from the mirror each run: the day's row is simply replaced (an upsert, so
    two runs at once cannot trip over the unique key)."""
    stmt = upsert_insert(session)(SeniorDayCounter).values(
        portal_id=portal_id, user_id=user_id, day=day, updated_at=now, **values)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["portal_id", "user_id", "day"],
        set_={**values, "updated_at": now}))
