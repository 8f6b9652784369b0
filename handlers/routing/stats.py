"""Escalations for the owner's report (issue 07): which step answered, and who had to step in.

A call "escalated" when a head answered (step 3 or later: the group could not) or when nobody
answered at all. Only calls whose outcome the PBX reported count: one still ringing (or whose
PBX never reports) says nothing yet. Days are the portal's local days (routing time zone).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.routing.plan import FIRST_HEAD
from store.models import User
from store.routing_models import RoutingCall

SETTLED = ("answered", "missed")


@dataclass(frozen=True)
class DayCount:
    day: date
    calls: int
    by_step: dict[int, int] = field(default_factory=dict)  # answered calls per step
    missed: int = 0
    escalated: int = 0


@dataclass(frozen=True)
class Escalation:
    routing_id: str
    at: datetime
    caller: str
    client_type: str | None
    client_id: int | None
    client_name: str
    responsible_id: int | None
    responsible_name: str
    answered_step: int | None  # None: nobody answered
    answered_by: int | None
    answered_by_name: str
    out_of_hours: bool


def escalated(call: RoutingCall) -> bool:
    """The group could not take it: a head answered (step 3+) or nobody did."""
    return call.status == "missed" or (call.answered_step or 0) >= FIRST_HEAD


def _settled(session: Session, portal_id: int, since: datetime,
             until: datetime) -> list[RoutingCall]:
    return list(session.scalars(select(RoutingCall).where(
        RoutingCall.portal_id == portal_id, RoutingCall.created_at >= since,
        RoutingCall.created_at < until, RoutingCall.status.in_(SETTLED))
        .order_by(RoutingCall.created_at)))


def per_step(session: Session, portal_id: int, *, since: datetime,
             until: datetime) -> dict[int | None, int]:
    """Answered calls per step; the None key counts the calls nobody answered."""
    return dict(Counter(c.answered_step if c.status == "answered" else None
                        for c in _settled(session, portal_id, since, until)))


def skipped_steps(session: Session, portal_id: int, *, since: datetime,
                  until: datetime) -> int:
    """Steps the plans skipped because everyone at them was away (issue 18), all calls."""
    rows = session.scalars(select(RoutingCall.skipped).where(
        RoutingCall.portal_id == portal_id, RoutingCall.created_at >= since,
        RoutingCall.created_at < until))
    return sum(len(r or ()) for r in rows)


def per_day(session: Session, portal_id: int, *, since: datetime, until: datetime,
            tz: tzinfo) -> list[DayCount]:
    """One row per local day with calls: answered per step, missed, escalated."""
    days: dict[date, list[RoutingCall]] = {}
    for call in _settled(session, portal_id, since, until):
        days.setdefault(call.created_at.astimezone(tz).date(), []).append(call)
    return [DayCount(day, len(calls),
                     dict(Counter(c.answered_step for c in calls if c.status == "answered")),
                     sum(c.status == "missed" for c in calls), sum(map(escalated, calls)))
            for day, calls in sorted(days.items())]


def escalations(session: Session, portal_id: int, *, since: datetime,
                until: datetime) -> list[Escalation]:
    """Calls a head answered or nobody did, with the client and the responsible manager."""
    calls = [c for c in _settled(session, portal_id, since, until) if escalated(c)]
    ids = {c.responsible_id for c in calls} | {c.answered_by for c in calls}
    names = {u.b24_user_id: u.full_name for u in session.scalars(select(User).where(
        User.portal_id == portal_id, User.b24_user_id.in_(ids - {None})))}

    def name(uid: int | None) -> str:
        return "" if uid is None else names.get(uid, f"#{uid}")

    return [Escalation(c.routing_id, c.created_at, c.caller, c.client_type, c.client_id,
                       c.client_name, c.responsible_id, name(c.responsible_id),
                       c.answered_step, c.answered_by, name(c.answered_by), c.out_of_hours)
            for c in calls]
