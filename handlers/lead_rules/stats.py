"""Lead quality for the report and the "Лиды" page: SQL over the mirror and the rules' tables.

Per source and per manager: how many leads came in (by DATE_CREATE) and which share was
converted (success status) or junked (a failure status), and the junk reasons — the reason
field's text where the app asks for it, otherwise the failure status itself (each failure
status is a reason category). Plus the overdue list and the rules' journal counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from store.leads_models import LeadJunkAudit, LeadRuleEvent, LeadTrack
from store.models import Lead, Stage

GROUPS = {"source": Lead.source_id, "manager": Lead.assigned_by_id}


@dataclass(frozen=True)
class QualityRow:
    key: Any  # SOURCE_ID or the manager's user id
    total: int
    converted: int
    junked: int

    @property
    def open(self) -> int:
        return self.total - self.converted - self.junked

    @property
    def converted_share(self) -> float:
        return self.converted / self.total if self.total else 0.0

    @property
    def junked_share(self) -> float:
        return self.junked / self.total if self.total else 0.0


@dataclass(frozen=True)
class ReasonRow:
    key: Any  # None when not grouped
    reason: str
    count: int


@dataclass(frozen=True)
class OverdueRow:
    lead_id: int
    title: str
    assigned_by_id: int | None
    status_id: str
    due_at: datetime
    notified_at: datetime | None
    escalated_at: datetime | None


def _window(since: datetime, until: datetime | None) -> list[Any]:
    where = [Lead.deleted.is_(False), Lead.date_create >= since]
    if until is not None:
        where.append(Lead.date_create < until)
    return where


def quality(session: Session, portal_id: int, *, since: datetime, until: datetime | None = None,
            by: str = "source") -> list[QualityRow]:
    """Converted vs junked per source ("source") or per responsible ("manager"), most first."""
    key = GROUPS[by]
    converted = func.sum(case((Lead.status_semantic == "S", 1), else_=0))
    junked = func.sum(case((Lead.status_semantic == "F", 1), else_=0))
    rows = session.execute(
        select(key, func.count(), converted, junked)
        .where(Lead.portal_id == portal_id, *_window(since, until))
        .group_by(key).order_by(func.count().desc(), key)).all()
    return [QualityRow(k, int(n), int(c or 0), int(j or 0)) for k, n, c, j in rows]


def junk_reasons(session: Session, portal_id: int, *, since: datetime,
                 until: datetime | None = None, by: str | None = None) -> list[ReasonRow]:
    """Why leads were junked: the reason field's text, else the failure status's name."""
    reason = func.coalesce(func.nullif(LeadTrack.junk_reason, ""), Stage.name, Lead.status_id)
    key = GROUPS[by] if by else None
    columns = [key, reason, func.count()] if key is not None else [reason, func.count()]
    stmt = (select(*columns).select_from(Lead)
            .outerjoin(LeadTrack, and_(LeadTrack.portal_id == Lead.portal_id,
                                       LeadTrack.b24_lead_id == Lead.b24_lead_id))
            .outerjoin(Stage, and_(Stage.portal_id == Lead.portal_id,
                                   Stage.entity_id == "STATUS",
                                   Stage.status_id == Lead.status_id))
            .where(Lead.portal_id == portal_id, Lead.status_semantic == "F",
                   *_window(since, until)))
    groups = [key, reason] if key is not None else [reason]
    rows = session.execute(stmt.group_by(*groups).order_by(func.count().desc(), reason)).all()
    if key is None:
        return [ReasonRow(None, str(r), int(n)) for r, n in rows]
    return [ReasonRow(k, str(r), int(n)) for k, r, n in rows]


def overdue(session: Session, portal_id: int, now: datetime, *,
            limit: int = 500) -> list[OverdueRow]:
    """Open leads past their deadline, the longest overdue first."""
    rows = session.execute(
        select(Lead.b24_lead_id, Lead.title, Lead.assigned_by_id, LeadTrack.status_id,
               LeadTrack.due_at, LeadTrack.notified_at, LeadTrack.escalated_at)
        .join(LeadTrack, and_(LeadTrack.portal_id == Lead.portal_id,
                              LeadTrack.b24_lead_id == Lead.b24_lead_id))
        .where(Lead.portal_id == portal_id, Lead.deleted.is_(False),
               Lead.status_semantic == "P", LeadTrack.due_at <= now)
        .order_by(LeadTrack.due_at, Lead.b24_lead_id).limit(limit)).all()
    return [OverdueRow(*row) for row in rows]


def overdue_by_manager(session: Session, portal_id: int, now: datetime) -> dict[int | None, int]:
    """How many open leads each responsible has past the deadline (the overdue list, counted)."""
    rows = session.execute(
        select(Lead.assigned_by_id, func.count())
        .join(LeadTrack, and_(LeadTrack.portal_id == Lead.portal_id,
                              LeadTrack.b24_lead_id == Lead.b24_lead_id))
        .where(Lead.portal_id == portal_id, Lead.deleted.is_(False),
               Lead.status_semantic == "P", LeadTrack.due_at <= now)
        .group_by(Lead.assigned_by_id)).all()
    return {uid: int(n) for uid, n in rows}


def rule_counts(session: Session, portal_id: int, *, since: datetime,
                until: datetime | None = None, by_user: bool = False) -> dict[Any, int]:
    """Journal counts per kind (overdue, escalated, flagged, blocked, converted, repeat, ...),
    or per (kind, user) for per-manager figures."""
    columns = [LeadRuleEvent.kind, LeadRuleEvent.user_id] if by_user else [LeadRuleEvent.kind]
    stmt = select(*columns, func.count()).where(LeadRuleEvent.portal_id == portal_id,
                                                LeadRuleEvent.at >= since)
    if until is not None:
        stmt = stmt.where(LeadRuleEvent.at < until)
    rows = session.execute(stmt.group_by(*columns)).all()
    if by_user:
        return {(kind, user): int(n) for kind, user, n in rows}
    return {kind: int(n) for kind, n in rows}


def flagged(session: Session, portal_id: int, *, state: str = "open",
            limit: int = 200) -> list[LeadJunkAudit]:
    """The audit queue: junked leads without a reason or without proof of contact."""
    return list(session.scalars(select(LeadJunkAudit).where(
        LeadJunkAudit.portal_id == portal_id, LeadJunkAudit.state == state)
        .order_by(LeadJunkAudit.junked_at.desc(), LeadJunkAudit.id.desc()).limit(limit)))


def by_day(session: Session, portal_id: int, *, since: datetime, until: datetime,
           zone: tzinfo) -> list[QualityRow]:
    """Leads per local day of DATE_CREATE in [since, until), every day listed (zeros too).

    Grouped in Python: the local day needs the zone, which SQLite's date functions lack."""
    first, last = since.astimezone(zone).date(), until.astimezone(zone).date()
    days = {first + timedelta(days=n): [0, 0, 0] for n in range((last - first).days + 1)}
    rows = session.execute(select(Lead.date_create, Lead.status_semantic).where(
        Lead.portal_id == portal_id, *_window(since, until)))
    for created, semantic in rows:
        counts = days.get(created.astimezone(zone).date())
        if counts is not None:
            counts[0] += 1
            counts[1] += semantic == "S"
            counts[2] += semantic == "F"
    return [QualityRow(day, n, c, j) for day, (n, c, j) in days.items()]
