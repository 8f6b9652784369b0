"""Call records, one row per call id whatever the source reported it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.db import is_postgres
from store.models import Call
from store.report_models import FirstCall


def upsert_call(session: Session, portal_id: int, values: Mapping[str, Any]) -> tuple[Call, bool]:
    """Returns (row, created). A repeated report of the same call updates, never duplicates."""
    row = session.scalar(select(Call).where(Call.portal_id == portal_id,
                                            Call.call_id == values["call_id"]))
    created = row is None
    before = None if created else (row.phone, row.start_at)
    if created:
        row = Call(portal_id=portal_id, call_id=values["call_id"])
        session.add(row)
    for key, value in values.items():
        if key != "call_id" and (value is not None or created):
            setattr(row, key, value)
    session.flush()
    if before != (row.phone, row.start_at):
        for phone in {row.phone} | ({before[0]} if before else set()):
            refresh_first_call(session, portal_id, phone)
    return row, created


def refresh_first_call(session: Session, portal_id: int, phone: str) -> None:
    """Re-read the number's first call through the (portal, phone) index and store it.

    Recomputed rather than compared, so a call reported late (an earlier start synced after a
    later call) or a corrected start time still leaves the true first call. An upsert, so the
    PBX endpoint and the worker storing calls of one number at once never collide on the key.
    """
    if not phone:
        return
    first = session.execute(
        select(Call.id, Call.start_at).where(Call.portal_id == portal_id, Call.phone == phone)
        .order_by(Call.start_at, Call.id).limit(1)).first()
    if first is None:
        session.execute(delete(FirstCall).where(FirstCall.portal_id == portal_id,
                                                FirstCall.phone == phone))
        return
    dialect = postgresql if is_postgres(session) else sqlite
    stmt = dialect.insert(FirstCall).values(portal_id=portal_id, phone=phone,
                                            start_at=first.start_at, call_row_id=first.id)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["portal_id", "phone"],
        set_={"start_at": stmt.excluded.start_at, "call_row_id": stmt.excluded.call_row_id}))


def rebuild_first_calls(session: Session, portal_id: int) -> None:
    """Every number's first call from scratch: after a bulk load that bypassed upsert_call."""
    ranked = (select(Call.portal_id, Call.phone, Call.start_at, Call.id,
                     func.row_number().over(partition_by=Call.phone,
                                            order_by=(Call.start_at, Call.id)).label("n"))
              .where(Call.portal_id == portal_id, Call.phone != "").subquery())
    session.execute(delete(FirstCall).where(FirstCall.portal_id == portal_id))
    session.execute(insert(FirstCall).from_select(
        ["portal_id", "phone", "start_at", "call_row_id"],
        select(ranked.c.portal_id, ranked.c.phone, ranked.c.start_at, ranked.c.id)
        .where(ranked.c.n == 1)))
