"""«Мой день» reports and reminders: once per person and day, repeat-safe under unique keys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import upsert_insert
from store.myday_models import DayReminder, DayReport


def find(session: Session, portal_id: int, user_id: int, day: date) -> DayReport | None:
    return session.scalar(select(DayReport).where(
        DayReport.portal_id == portal_id, DayReport.user_id == user_id, DayReport.day == day))


def get(session: Session, portal_id: int, report_id: int) -> DayReport | None:
    return session.scalar(select(DayReport).where(DayReport.portal_id == portal_id,
                                                  DayReport.id == report_id))


def submit(session: Session, portal_id: int, user_id: int, day: date, *,
           values: dict[str, Any], now: datetime) -> DayReport:
    """Hand in (or correct) the day's report; its copy in the portal is queued (again)."""
    row = find(session, portal_id, user_id, day)
    if row is None:
        stmt = upsert_insert(session)(DayReport).values(
            portal_id=portal_id, user_id=user_id, day=day, submitted_at=now, due_at=now,
            status="scheduled", attempts=0, counters={}, prefill={}, ratings={}, text="")
        session.execute(stmt.on_conflict_do_nothing())
        row = find(session, portal_id, user_id, day)
    assert row is not None
    for key in ("counters", "prefill", "ratings", "text"):
        setattr(row, key, values[key])
    row.submitted_at, row.due_at, row.last_error = now, now, None
    if row.status != "firing":  # a write in flight finishes; the edit is queued after it
        row.status, row.attempts = "scheduled", 0
    session.flush()
    return row


def comment(session: Session, row: DayReport, text: str, *, user_id: int,
            now: datetime) -> None:
    """The head's comment; the portal's copy is rewritten with it."""
    row.comment, row.comment_by, row.comment_at = text, user_id, now
    if row.status != "firing":
        row.status, row.due_at, row.attempts = "scheduled", now, 0
    session.flush()


def for_days(session: Session, portal_id: int, since: date, until: date) -> list[DayReport]:
    """Reports of days since..until (inclusive)."""
    return list(session.scalars(select(DayReport).where(
        DayReport.portal_id == portal_id, DayReport.day >= since, DayReport.day <= until)
        .order_by(DayReport.day, DayReport.user_id)))


def handed(session: Session, portal_id: int, since: date, until: date) -> dict[int, set[date]]:
    """{user: days handed in} over since..until (inclusive), from the (portal, day) index."""
    out: dict[int, set[date]] = {}
    for uid, day in session.execute(select(DayReport.user_id, DayReport.day).where(
            DayReport.portal_id == portal_id, DayReport.day >= since, DayReport.day <= until)):
        out.setdefault(uid, set()).add(day)
    return out


def remind_once(session: Session, portal_id: int, user_id: int, day: date,
                now: datetime) -> bool:
    """True the first time for this person and day; every later call is a no-op."""
    stmt = upsert_insert(session)(DayReminder).values(
        portal_id=portal_id, user_id=user_id, day=day, sent_at=now).on_conflict_do_nothing()
    return session.execute(stmt.returning(DayReminder.id)).first() is not None
