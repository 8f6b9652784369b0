"""Call records, one row per call id whatever the source reported it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from store import call_hours
from store.db import upsert_insert
from store.models import Call
from store.report_models import FirstCall


def upsert_call(session: Session, portal_id: int, values: Mapping[str, Any]) -> tuple[Call, bool]:
    """Returns (row, created). A repeated report of the same call updates, never duplicates."""
    row = session.scalar(select(Call).where(Call.portal_id == portal_id,
                                            Call.call_id == values["call_id"]))
    created = row is None
    before = None if created else _first_call_facts(row)
    counted = None if created else _counted_facts(row)
    if created:
        row = Call(portal_id=portal_id, call_id=values["call_id"])
        session.add(row)
    for key, value in values.items():
        if key != "call_id" and (value is not None or created):
            setattr(row, key, value)
    session.flush()
    if before != _first_call_facts(row):
        for phone in {row.phone} | ({before[0]} if before else set()):
            refresh_first_call(session, portal_id, phone)
    if counted != _counted_facts(row):  # its old and new hour are recomputed at commit
        call_hours.note(session, portal_id, (row.start_at, counted[0] if counted else None))
    return row, created


def _counted_facts(row: Call) -> tuple:
    """What the hourly rollup (store.call_hours) sums from a call, its start first."""
    return (row.start_at, row.call_type, row.answered, row.answer_seconds, row.duration,
            row.user_id, row.line)


def _first_call_facts(row: Call) -> tuple:
    """What first_calls copies from a call: a change in any of these re-reads the number."""
    return (row.phone, row.start_at, row.user_id, row.call_type)


def refresh_first_call(session: Session, portal_id: int, phone: str) -> None:
    """Re-read the number's first call through the (portal, phone) index and store it.

    Recomputed rather than compared, so a call reported late (an earlier start synced after a
    later call) or a corrected start time still leaves the true first call. An upsert, so the
    PBX endpoint and the worker storing calls of one number at once never collide on the key.
    """
    if not phone:
        return
    first = session.execute(
        select(Call.id, Call.start_at, Call.user_id, Call.call_type)
        .where(Call.portal_id == portal_id, Call.phone == phone)
        .order_by(Call.start_at, Call.id).limit(1)).first()
    if first is None:
        session.execute(delete(FirstCall).where(FirstCall.portal_id == portal_id,
                                                FirstCall.phone == phone))
        return
    stmt = upsert_insert(session)(FirstCall).values(portal_id=portal_id, phone=phone,
                                            start_at=first.start_at, call_row_id=first.id,
                                            user_id=first.user_id, call_type=first.call_type)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["portal_id", "phone"],
        set_={c: getattr(stmt.excluded, c)
              for c in ("start_at", "call_row_id", "user_id", "call_type")}))


def rebuild_first_calls(session: Session, portal_id: int) -> None:
    """Every number's first call from scratch: after a bulk load that bypassed upsert_call."""
    ranked = (select(Call.portal_id, Call.phone, Call.start_at, Call.id, Call.user_id,
                     Call.call_type, func.row_number().over(partition_by=Call.phone,
                                            order_by=(Call.start_at, Call.id)).label("n"))
              .where(Call.portal_id == portal_id, Call.phone != "").subquery())
    session.execute(delete(FirstCall).where(FirstCall.portal_id == portal_id))
    session.execute(insert(FirstCall).from_select(
        ["portal_id", "phone", "start_at", "call_row_id", "user_id", "call_type"],
        select(ranked.c.portal_id, ranked.c.phone, ranked.c.start_at, ranked.c.id,
               ranked.c.user_id, ranked.c.call_type)
        .where(ranked.c.n == 1)))
