"""Rejections and audits per manager, and the senior specialist's counters: SQL for the owner's
report (issue 07) and the audit page. Every function takes a half-open period [since, until).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from store.audits_models import Rejection, SeniorDayCounter
from store.models import Deal

OUTCOMES = ("open", "confirmed", "false_rejection", "reengaged")


@dataclass(frozen=True)
class CategoryRow:
    manager_id: int | None
    entity_type: str  # deal | lead
    stage_id: str  # the failure stage (deals) or junk status (leads): the reason category
    count: int


@dataclass(frozen=True)
class OutcomeRow:
    manager_id: int | None
    rejections: int
    suspicious: int  # a callback was due: score at or above the threshold
    open: int  # still waiting for the audit (or for its evidence)
    confirmed: int
    false_rejection: int
    reengaged: int


def _period(stmt, column, since: datetime, until: datetime | None):  # noqa: ANN001,ANN202
    stmt = stmt.where(column >= since)
    return stmt if until is None else stmt.where(column < until)


def rejection_categories(session: Session, portal_id: int, since: datetime,
                         until: datetime | None = None) -> list[CategoryRow]:
    """Rejections per manager and reason category (failure stage / junk status)."""
    stmt = select(Rejection.manager_id, Rejection.entity_type, Rejection.stage_id,
                  func.count()).where(Rejection.portal_id == portal_id)
    stmt = _period(stmt, Rejection.rejected_at, since, until)
    rows = session.execute(stmt.group_by(Rejection.manager_id, Rejection.entity_type,
                                         Rejection.stage_id)
                           .order_by(Rejection.manager_id, func.count().desc())).all()
    return [CategoryRow(m, e, s, int(n)) for m, e, s, n in rows]


def audit_outcomes(session: Session, portal_id: int, since: datetime,
                   until: datetime | None = None, *,
                   suspicious_score: int = 50) -> list[OutcomeRow]:
    """Audit outcomes per manager for the rejections made in the period."""
    def count_state(*states: str):  # noqa: ANN202 - SQL expression
        return func.sum(case((Rejection.state.in_(states), 1), else_=0))

    stmt = select(Rejection.manager_id, func.count(),
                  func.sum(case((Rejection.score >= suspicious_score, 1), else_=0)),
                  count_state("collecting", "open"), count_state("confirmed"),
                  count_state("false_rejection"), count_state("reengaged")
                  ).where(Rejection.portal_id == portal_id)
    stmt = _period(stmt, Rejection.rejected_at, since, until)
    rows = session.execute(stmt.group_by(Rejection.manager_id)
                           .order_by(Rejection.manager_id)).all()
    return [OutcomeRow(m, *(int(v or 0) for v in values)) for m, *values in rows]


def false_rejections(session: Session, portal_id: int, since: datetime | None = None
                     ) -> dict[int, int]:
    """The count that grows with every "ложный отказ", per manager."""
    stmt = select(Rejection.manager_id, func.count()).where(
        Rejection.portal_id == portal_id, Rejection.state == "false_rejection")
    if since is not None:
        stmt = stmt.where(Rejection.outcome_at >= since)
    return {m: int(n) for m, n in session.execute(stmt.group_by(Rejection.manager_id))
            if m is not None}


def rates(session: Session, portal_id: int, since: datetime) -> dict[int, tuple[int, int]]:
    """Per manager: (lost, closed) among deals closed since `since` (mirror)."""
    lost = func.sum(case((Deal.stage_semantic == "F", 1), else_=0))
    rows = session.execute(select(Deal.assigned_by_id, lost, func.count()).where(
        Deal.portal_id == portal_id, Deal.stage_semantic.in_(("S", "F")),
        Deal.deleted.is_(False), Deal.moved_time >= since).group_by(Deal.assigned_by_id)).all()
    return {uid: (int(n_lost or 0), int(n)) for uid, n_lost, n in rows if uid is not None}


def manager_rate(session: Session, portal_id: int, manager_id: int | None, *, since: datetime,
                 min_closed: int) -> tuple[int, int, float | None]:
    """(lost, closed) of one manager and the team's lost share (managers with enough deals)."""
    by_manager = rates(session, portal_id, since)
    counted = [v for v in by_manager.values() if v[1] >= min_closed]
    closed = sum(n for _, n in counted)
    team = sum(lost for lost, _ in counted) / closed if closed else None
    lost, mine = by_manager.get(manager_id or -1, (0, 0))
    return lost, mine, team


def senior_counters(session: Session, portal_id: int, since: date,
                    until: date | None = None) -> list[SeniorDayCounter]:
    """The senior specialist's daily counters (definitions in handlers.audits.counters)."""
    stmt = select(SeniorDayCounter).where(SeniorDayCounter.portal_id == portal_id,
                                          SeniorDayCounter.day >= since)
    if until is not None:
        stmt = stmt.where(SeniorDayCounter.day < until)
    return list(session.scalars(stmt.order_by(SeniorDayCounter.day, SeniorDayCounter.user_id)))
