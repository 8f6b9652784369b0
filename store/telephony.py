"""Telephony rows: the work queue, phone -> call-deal, PBX calls, to-dos, missed calls.

Every insert that a retried event could repeat goes through a unique key (on conflict: nothing),
so a retry counts once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, true, update
from sqlalchemy.orm import Session

from store.db import upsert_insert
from store.models import Call, Deal
from store.telephony_models import (
    CallbackTodo,
    CallDeal,
    CallWork,
    MissedCall,
    PbxCall,
)
from store.telephony_sql import epoch

INCOMING = (2, 3)  # incoming, incoming with redirection (§9.3)


def _insert(session: Session, model: type, values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on either backend; True when a row was added."""
    pk = model.__mapper__.primary_key[0]
    stmt = upsert_insert(session)(model).values(**values).on_conflict_do_nothing().returning(pk)
    return session.execute(stmt).first() is not None


def queue(session: Session, portal_id: int, *, key: str, kind: str, now: datetime,
          **fields: Any) -> bool:
    """Queue portal work once per key (a retried event queues nothing new)."""
    values = {"portal_id": portal_id, "key": key[:160], "kind": kind, "status": "pending",
              "attempts": 0, "next_attempt_at": now, "created_at": now, "payload": {}, **fields}
    return _insert(session, CallWork, values)


def due_work(session: Session, portal_id: int, now: datetime, limit: int = 50) -> list[CallWork]:
    return list(session.scalars(select(CallWork).where(
        CallWork.portal_id == portal_id, CallWork.status == "pending",
        CallWork.next_attempt_at <= now).order_by(CallWork.id).limit(limit)))


def has_pending_work(session: Session, portal_id: int) -> bool:
    return bool(session.scalar(select(exists().where(
        CallWork.portal_id == portal_id, CallWork.status == "pending"))))


def open_call_deal(session: Session, portal_id: int, phone: str) -> CallDeal | None:
    """The deal an earlier call from this number opened, while it is still open.

    Pending (not yet created) counts as open; a deal the mirror shows closed or deleted closes
    the row, so the next call from the number starts afresh."""
    if not phone:
        return None
    rows = session.scalars(select(CallDeal).where(
        CallDeal.portal_id == portal_id, CallDeal.phone == phone,
        CallDeal.status.in_(("pending", "open"))).order_by(CallDeal.id.desc()))
    for row in rows:
        if row.status == "pending":
            return row
        deal = session.scalar(select(Deal).where(Deal.portal_id == portal_id,
                                                 Deal.b24_deal_id == row.b24_deal_id))
        if deal is None or (deal.stage_semantic == "P" and not deal.deleted):
            return row
        row.status = "closed"
    return None


def add_call_deal(session: Session, portal_id: int, *, phone: str, line: str | None,
                  call_id: str, call_at: datetime, now: datetime, contact_id: int | None = None,
                  company_id: int | None = None) -> CallDeal | None:
    """A pending call-deal for this call, or None when this call already made one (retry)."""
    added = _insert(session, CallDeal, {
        "portal_id": portal_id, "phone": phone, "line": line, "origin_call_id": call_id,
        "contact_id": contact_id, "company_id": company_id, "status": "pending",
        "call_at": call_at, "created_at": now})
    if not added:
        return None
    return session.scalar(select(CallDeal).where(CallDeal.portal_id == portal_id,
                                                 CallDeal.origin_call_id == call_id))


def find_pbx(session: Session, portal_id: int, *, call_id: str | None = None,
             b24_call_id: str | None = None) -> PbxCall | None:
    cond = PbxCall.call_id == call_id if call_id else PbxCall.b24_call_id == b24_call_id
    return session.scalar(select(PbxCall).where(PbxCall.portal_id == portal_id, cond))


def find_call(session: Session, portal_id: int, call_id: str) -> Call | None:
    return session.scalar(select(Call).where(Call.portal_id == portal_id,
                                             Call.call_id == call_id))


def open_todo(session: Session, portal_id: int, deal_id: int) -> CallbackTodo | None:
    return session.scalar(select(CallbackTodo).where(
        CallbackTodo.portal_id == portal_id, CallbackTodo.b24_deal_id == deal_id,
        CallbackTodo.completed_at.is_(None)).order_by(CallbackTodo.id.desc()).limit(1))


def add_todo(session: Session, portal_id: int, *, deal_id: int, activity_id: int,
             responsible_id: int, call_id: str | None, origin: str, now: datetime) -> None:
    session.add(CallbackTodo(portal_id=portal_id, b24_deal_id=deal_id, activity_id=activity_id,
                             responsible_id=responsible_id, call_id=call_id, origin=origin,
                             created_at=now))
    session.flush()


def first_answer_after(session: Session, portal_id: int, phone: str,
                       moment: datetime) -> datetime | None:
    if not phone:
        return None
    return session.scalar(select(func.min(Call.start_at)).where(
        Call.portal_id == portal_id, Call.phone == phone, Call.answered.is_(True),
        Call.start_at > moment))


def note_call(session: Session, call: Call) -> None:
    """Keep missed_calls exact for one stored call: a missed incoming call gets its row, an
    answered call becomes the call-back of the earlier missed calls of its number."""
    session.flush()
    missed = call.call_type in INCOMING and not call.answered
    row = session.get(MissedCall, call.id)
    if missed and row is None:
        back = first_answer_after(session, call.portal_id, call.phone, call.start_at)
        session.add(MissedCall(call_pk=call.id, portal_id=call.portal_id, phone=call.phone,
                               line=call.line, user_id=call.user_id, start_at=call.start_at,
                               callback_at=back, callback_seconds=_seconds(call.start_at, back)))
    elif not missed and row is not None:
        session.delete(row)
    if call.answered and call.phone:
        session.execute(update(MissedCall).where(
            MissedCall.portal_id == call.portal_id, MissedCall.phone == call.phone,
            MissedCall.start_at < call.start_at,
            or_(MissedCall.callback_at.is_(None), MissedCall.callback_at > call.start_at))
            .values(callback_at=call.start_at, callback_seconds=int(call.start_at.timestamp())
                    - epoch(MissedCall.start_at))
            .execution_options(synchronize_session=False))
    session.flush()


def _seconds(start: datetime, back: datetime | None) -> int | None:
    return None if back is None else int((back - start).total_seconds())


def catch_up_missed(session: Session, portal_id: int, after_id: int = 0) -> int:
    """Set-based: missed calls stored without note_call (the first sync, a bulk load) get rows,
    and answered calls stored that way become call-backs. Returns the highest call id seen."""
    newest = session.scalar(select(func.max(Call.id)).where(Call.portal_id == portal_id)) or 0
    if newest <= after_id:
        return after_id
    later = select(func.min(Call.start_at)).where(
        Call.portal_id == portal_id, Call.phone == MissedCall.phone, Call.answered.is_(True),
        Call.start_at > MissedCall.start_at).scalar_subquery()
    answered_phones = select(Call.phone).where(
        Call.portal_id == portal_id, Call.id > after_id, Call.id <= newest,
        Call.answered.is_(True), Call.phone != "")
    session.execute(update(MissedCall).where(
        MissedCall.portal_id == portal_id, MissedCall.phone.in_(answered_phones))
        .values(callback_at=later, callback_seconds=epoch(later) - epoch(MissedCall.start_at))
        .execution_options(synchronize_session=False))
    c, a = Call.__table__.alias("c"), Call.__table__.alias("a")
    first = select(func.min(a.c.start_at)).where(
        a.c.portal_id == c.c.portal_id, a.c.phone == c.c.phone, a.c.phone != "",
        a.c.answered.is_(True), a.c.start_at > c.c.start_at).scalar_subquery()
    rows = select(c.c.id, c.c.portal_id, c.c.phone, c.c.line, c.c.user_id, c.c.start_at,
                  first).where(
        c.c.portal_id == portal_id, c.c.id > after_id, c.c.id <= newest,
        c.c.call_type.in_(INCOMING), c.c.answered.is_(False))
    # ON CONFLICT, not NOT EXISTS: PostgreSQL would plan the anti-join on the table being
    # filled as a nested loop over its growing heap (50 s instead of 2 s for 1M calls).
    session.execute(upsert_insert(session)(MissedCall).from_select(
        ["call_pk", "portal_id", "phone", "line", "user_id", "start_at", "callback_at"], rows)
        .on_conflict_do_nothing())
    session.execute(update(MissedCall).where(  # the rows just inserted
        MissedCall.portal_id == portal_id, MissedCall.callback_at.is_not(None),
        MissedCall.callback_seconds.is_(None))
        .values(callback_seconds=epoch(MissedCall.callback_at) - epoch(MissedCall.start_at))
        .execution_options(synchronize_session=False))
    session.flush()
    return newest


def forget_work_before(session: Session, portal_id: int, moment: datetime) -> None:
    """Finished work older than a month is history nobody reads."""
    session.execute(delete(CallWork).where(
        CallWork.portal_id == portal_id, CallWork.status.in_(("done", "skipped")),
        and_(CallWork.done_at.is_not(None), CallWork.done_at < moment - timedelta(days=30))))


def recorded_calls(session: Session, portal_id: int, start: datetime, end: datetime, *,
                   limit: int = 30, offset: int = 0,
                   user_id: int | None = None) -> list[Call]:
    """The newest answered calls with a recording in [start, end) (the page plays them, a page
    of `limit` from `offset`); with user_id, only that operator's."""
    where = _recorded(portal_id, start, end, user_id)
    return list(session.scalars(select(Call).where(*where)
                                .order_by(Call.start_at.desc(), Call.id.desc())
                                .offset(offset).limit(limit)))


def count_recorded_calls(session: Session, portal_id: int, start: datetime, end: datetime, *,
                         user_id: int | None = None) -> int:
    """How many calls recorded_calls would list without its limit (the page says it cut)."""
    where = _recorded(portal_id, start, end, user_id)
    return int(session.scalar(select(func.count()).select_from(Call).where(*where)) or 0)


def _recorded(portal_id: int, start: datetime, end: datetime, user_id: int | None) -> list[Any]:
    mine = true() if user_id is None else Call.user_id == user_id
    return [Call.portal_id == portal_id, Call.start_at >= start, Call.start_at < end,
            Call.answered.is_(True), or_(Call.record_file_id.is_not(None),
                                         Call.record_url.is_not(None)), mine]


def deal_recordings(session: Session, portal_id: int, deal: Deal, *,
                    limit: int = 10) -> list[Call]:
    """The newest recorded calls with this deal's client (its contact, company or lead), or
    the call that opened the deal; played on the deal tab."""
    bound = [("CONTACT", deal.contact_id), ("COMPANY", deal.company_id),
             ("LEAD", deal.lead_id), ("DEAL", deal.b24_deal_id)]
    match = [and_(Call.crm_entity_type == t, Call.crm_entity_id == i) for t, i in bound if i]
    match.append(Call.call_id.in_(select(CallDeal.origin_call_id).where(
        CallDeal.portal_id == portal_id, CallDeal.b24_deal_id == deal.b24_deal_id)))
    return list(session.scalars(select(Call).where(
        Call.portal_id == portal_id, Call.record_file_id.is_not(None), or_(*match))
        .order_by(Call.start_at.desc()).limit(limit)))
