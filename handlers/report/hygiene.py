"""CRM hygiene (seed 003): cards that never move, no next step, clients shared by managers.

Each check is one SQL query over the mirror; the result lists deals with their manager so the
report can link straight to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, literal, select
from sqlalchemy.orm import Session

from store.models import Deal, DealStageHistory
from store.report_models import ContactKey, DealTouch, OpenActivity

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


LIMIT = 50  # rows listed per check; the count is always the full one


class Found(list):
    """The first LIMIT rows, but len() is the full count: the page shows "23", lists 5."""

    def __init__(self, total: int, rows: list) -> None:
        super().__init__(rows)
        self.total = total

    def __len__(self) -> int:
        return self.total


def _exists(*where: ColumnElement[bool]):  # noqa: ANN202 - SQL condition
    """EXISTS (SELECT 1 ...): with SELECT * SQLite reads the table row behind the index entry
    it found, with a constant the index alone answers."""
    return select(literal(1)).where(*where).exists()


def _open(portal_id: int):  # noqa: ANN202 - SQL condition
    return and_(Deal.portal_id == portal_id, Deal.stage_semantic == "P", Deal.deleted.is_(False))


def _moved_since_creation(portal_id: int):  # noqa: ANN202 - SQL condition
    """A stage-history row other than "created" (TYPE_ID 1, §8.9), found through the index."""
    return _exists(DealStageHistory.portal_id == portal_id,
                          DealStageHistory.b24_deal_id == Deal.b24_deal_id,
                          DealStageHistory.type_id != 1)


def _planned(portal_id: int):  # noqa: ANN202 - SQL condition
    """An open activity on the deal: somebody has decided what happens next."""
    return _exists(OpenActivity.portal_id == portal_id,
                          OpenActivity.owner_type_id == DEAL_OWNER,
                          OpenActivity.owner_id == Deal.b24_deal_id)


def _found(session: Session, portal_id: int, stmt: Select) -> Found:
    """The full count and the first rows, each from ix_deals_open alone.

    The checks select only what the index holds (id, manager, moved_time), so neither pass
    over the open deals reads the table: the count is index-only, and the rows stop after
    LIMIT (in the index's deal order, or a top-LIMIT sort); the listed deals' titles come
    last. (One query with COUNT(*) OVER () sorted every open deal before its LIMIT: 2-3x the
    CPU of both.)"""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.execute(stmt.limit(LIMIT)).all() if total else []
    titles = dict(session.execute(select(Deal.b24_deal_id, Deal.title).where(
        Deal.portal_id == portal_id, Deal.b24_deal_id.in_([r.b24_deal_id for r in rows])))
        .all()) if rows else {}
    return Found(int(total or 0), [DealRef(r.b24_deal_id, titles[r.b24_deal_id],
                                           r.assigned_by_id, r.moved_time) for r in rows])


def never_moved(session: Session, portal_id: int, now: datetime, days: int) -> Found:
    """Open deals with no stage change since creation, or none for `days` days."""
    limit = now - timedelta(days=days)
    return _found(session, portal_id, select(Deal.b24_deal_id, Deal.assigned_by_id,
                                             Deal.moved_time)
                  # The cheap column test first: most stale cards never reach the EXISTS.
                  .where(_open(portal_id),
                         (func.coalesce(Deal.moved_time, Deal.date_create) < limit)
                         | ~_moved_since_creation(portal_id))
                  .order_by(func.coalesce(Deal.moved_time, Deal.date_create),
                            Deal.b24_deal_id))


def no_next_step(session: Session, portal_id: int) -> Found:
    """Open deals with no planned activity: nobody has decided what happens next."""
    return _found(session, portal_id, select(Deal.b24_deal_id, Deal.assigned_by_id,
                                             Deal.moved_time)
                  .where(_open(portal_id), ~_planned(portal_id)).order_by(Deal.b24_deal_id))


def shared_clients(session: Session, portal_id: int) -> Found:
    """The same phone or e-mail in open deals of different responsible people."""
    pairs = (select(ContactKey.key, Deal.assigned_by_id, Deal.b24_deal_id)
             .join(Deal, and_(Deal.portal_id == portal_id, Deal.contact_id == ContactKey.b24_id))
             .where(ContactKey.portal_id == portal_id, ContactKey.entity_type == "CONTACT",
                    _open(portal_id)).subquery())
    # min != max says "more than one manager" without a COUNT(DISTINCT) per key; one pass
    # over the join gives both the total and the first rows.
    grouped = (select(pairs.c.key, func.min(pairs.c.assigned_by_id),
                      func.max(pairs.c.assigned_by_id))
               .group_by(pairs.c.key)
               .having(func.min(pairs.c.assigned_by_id) != func.max(pairs.c.assigned_by_id))
               .order_by(pairs.c.key))
    every = session.execute(grouped).all()
    shown = [key for key, _, _ in every[:LIMIT]]
    # The listed keys' contacts, then their open deals: two index lookups whatever the
    # planner knows. As one join, SQLite without statistics drove it from every open deal
    # (4 s on 200 000 deals instead of milliseconds).
    owners: dict[int, set[str]] = {}
    for key, contact_id in session.execute(
            select(ContactKey.key, ContactKey.b24_id).where(
                ContactKey.portal_id == portal_id, ContactKey.entity_type == "CONTACT",
                ContactKey.key.in_(shown))):
        owners.setdefault(contact_id, set()).add(key)
    deals: dict[str, set[int]] = {key: set() for key in shown}
    managers: dict[str, set[int]] = {key: set() for key in shown}
    for contact_id, deal_id, manager in session.execute(
            select(Deal.contact_id, Deal.b24_deal_id, Deal.assigned_by_id)
            .where(_open(portal_id), Deal.contact_id.in_(list(owners)))):
        for key in owners[contact_id]:
            deals[key].add(deal_id)
            managers[key].add(manager)
    return Found(len(every), [SharedClient(key, len(managers[key]), sorted(deals[key]))
                              for key in shown])


def _worked_on(portal_id: int):  # noqa: ANN202 - SQL condition
    """Somebody recorded an activity or a comment on the deal (store/touches.py)."""
    return _exists(DealTouch.portal_id == portal_id,
                          DealTouch.b24_deal_id == Deal.b24_deal_id,
                          DealTouch.own.is_(False))


def empty_timeline(session: Session, portal_id: int) -> Found:
    """Open deals nobody has worked on since creation: no stage move, no planned activity, no
    activity or comment recorded on them (the app's own comments do not count)."""
    return _found(session, portal_id, select(Deal.b24_deal_id, Deal.assigned_by_id,
                                             Deal.moved_time)
                  .where(_open(portal_id), ~_planned(portal_id), ~_moved_since_creation(portal_id),
                         ~_worked_on(portal_id))
                  .order_by(Deal.b24_deal_id))
