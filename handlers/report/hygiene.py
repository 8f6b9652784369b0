"""CRM hygiene (seed 003): cards that never move, no next step, clients shared by managers.

Each check is one SQL query over the mirror; the result lists deals with their manager so the
report can link straight to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from store.models import Deal, DealStageHistory
from store.report_models import ContactKey, OpenActivity

DEAL_OWNER = 2  # OWNER_TYPE_ID of deals (§8.1)


@dataclass(frozen=True)
class DealRef:
    deal_id: int
    title: str
    manager_id: int | None
    since: datetime | None


@dataclass(frozen=True)
class SharedClient:
    key: str  # the phone or e-mail
    managers: int
    deal_ids: list[int]


def _open(portal_id: int):  # noqa: ANN202 - SQL condition
    return and_(Deal.portal_id == portal_id, Deal.stage_semantic == "P", Deal.deleted.is_(False))


def _refs(rows: list) -> list[DealRef]:
    return [DealRef(r.b24_deal_id, r.title, r.assigned_by_id, r.moved_time) for r in rows]


def never_moved(session: Session, portal_id: int, now: datetime, days: int) -> list[DealRef]:
    """Open deals with no stage change since creation, or none for `days` days."""
    moves = (select(DealStageHistory.b24_deal_id, func.count().label("n"))
             .where(DealStageHistory.portal_id == portal_id)
             .group_by(DealStageHistory.b24_deal_id).subquery())
    limit = now - timedelta(days=days)
    rows = session.execute(
        select(Deal.b24_deal_id, Deal.title, Deal.assigned_by_id, Deal.moved_time)
        .outerjoin(moves, moves.c.b24_deal_id == Deal.b24_deal_id)
        .where(_open(portal_id), (func.coalesce(moves.c.n, 0) <= 1)
               | (func.coalesce(Deal.moved_time, Deal.date_create) < limit))
        .order_by(func.coalesce(Deal.moved_time, Deal.date_create), Deal.b24_deal_id)).all()
    return _refs(rows)


def no_next_step(session: Session, portal_id: int) -> list[DealRef]:
    """Open deals with no planned activity: nobody has decided what happens next."""
    planned = exists().where(OpenActivity.portal_id == portal_id,
                             OpenActivity.owner_type_id == DEAL_OWNER,
                             OpenActivity.owner_id == Deal.b24_deal_id)
    rows = session.execute(
        select(Deal.b24_deal_id, Deal.title, Deal.assigned_by_id, Deal.moved_time)
        .where(_open(portal_id), ~planned).order_by(Deal.b24_deal_id)).all()
    return _refs(rows)


def shared_clients(session: Session, portal_id: int) -> list[SharedClient]:
    """The same phone or e-mail in open deals of different responsible people."""
    pairs = (select(ContactKey.key, Deal.assigned_by_id, Deal.b24_deal_id)
             .join(Deal, and_(Deal.portal_id == portal_id, Deal.contact_id == ContactKey.b24_id))
             .where(ContactKey.portal_id == portal_id, ContactKey.entity_type == "CONTACT",
                    _open(portal_id)).subquery())
    groups = session.execute(
        select(pairs.c.key, func.count(pairs.c.assigned_by_id.distinct()))
        .group_by(pairs.c.key).having(func.count(pairs.c.assigned_by_id.distinct()) > 1)
        .order_by(pairs.c.key)).all()
    out = []
    for key, managers in groups:
        deals = session.scalars(select(pairs.c.b24_deal_id).where(pairs.c.key == key)
                                .order_by(pairs.c.b24_deal_id))
        out.append(SharedClient(key, int(managers), sorted(set(deals))))
    return out


def empty_timeline(session: Session, portal_id: int) -> list[DealRef]:
    """Open deals nobody has touched: no stage move, no planned activity, no activity time.

    The mirror has no comments; LAST_ACTIVITY_TIME (kept in the deal's fields) stands in for
    "anything happened in the card" and is checked in Python on the short candidate list.
    """
    candidates = {d.deal_id: d for d in no_next_step(session, portal_id)}
    moves = (select(DealStageHistory.b24_deal_id).where(DealStageHistory.portal_id == portal_id)
             .group_by(DealStageHistory.b24_deal_id).having(func.count() > 1))
    rows = session.execute(select(Deal.b24_deal_id, Deal.fields).where(
        _open(portal_id), Deal.b24_deal_id.in_(list(candidates)),
        Deal.b24_deal_id.not_in(moves))).all()
    return [candidates[r.b24_deal_id] for r in rows
            if not (r.fields or {}).get("LAST_ACTIVITY_TIME")]
