"""What the exchange pages show, read from the local mirror (never live REST)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from handlers.exchange.caps import effective_caps
from handlers.exchange.config import ExchangeConfig
from store.models import Contact, Deal, ExchangeEvent, Stage, User

SORTS = ("age", "amount", "title", "source")


@dataclass(frozen=True)
class BoardRow:
    deal_id: int
    title: str
    waiting_since: datetime | None
    source_id: str | None
    amount: Decimal
    currency: str | None
    client: str
    phone: str
    stage: str
    category_id: int


@dataclass(frozen=True)
class Load:
    open_deals: int
    cap: int

    @property
    def full(self) -> bool:
        return self.open_deals >= self.cap


@dataclass(frozen=True)
class ManagerLoad:
    user_id: int
    name: str
    open_deals: int
    cap: int
    claims_30d: int
    returns_30d: int


def open_deals_of(user_id: int):  # noqa: ANN201 - SQL condition
    return and_(Deal.assigned_by_id == user_id, Deal.stage_semantic == "P",
                Deal.deleted.is_(False))


def board(session: Session, portal_id: int, cfg: ExchangeConfig, *,
          sort: str = "age") -> list[BoardRow]:
    if not cfg.ready:
        return []
    landed = (select(ExchangeEvent.b24_deal_id, func.max(ExchangeEvent.at).label("at"))
              .where(ExchangeEvent.portal_id == portal_id,
                     ExchangeEvent.kind.in_(("landed", "reverted", "returned", "stale", "swept")))
              .group_by(ExchangeEvent.b24_deal_id).subquery())
    contact = aliased(Contact)
    stage = aliased(Stage)
    # Only the columns shown: loading whole rows (with the JSON `fields`) costs 10x at 5 000.
    columns = (Deal.b24_deal_id, Deal.title, Deal.date_create, Deal.source_id,
               Deal.opportunity, Deal.currency_id, Deal.stage_id, Deal.category_id)
    stmt = (select(*columns, landed.c.at, contact.name, contact.phones,
                   stage.name.label("stage_name"))
            .where(Deal.portal_id == portal_id, open_deals_of(cfg.exchange_user_id),
                   Deal.category_id.in_(cfg.categories))
            .outerjoin(landed, landed.c.b24_deal_id == Deal.b24_deal_id)
            .outerjoin(contact, and_(contact.portal_id == portal_id,
                                     contact.entity_type == "CONTACT",
                                     contact.b24_id == Deal.contact_id))
            .outerjoin(stage, and_(stage.portal_id == portal_id,
                                   stage.status_id == Deal.stage_id,
                                   stage.entity_id.like("DEAL_STAGE%"))))
    order = {"age": func.coalesce(landed.c.at, Deal.date_create).asc(),
             "amount": Deal.opportunity.desc(), "title": Deal.title.asc(),
             "source": Deal.source_id.asc()}[sort if sort in SORTS else "age"]
    rows = session.execute(stmt.order_by(order, Deal.b24_deal_id)).all()
    return [BoardRow(deal_id=r.b24_deal_id, title=r.title, waiting_since=r.at or r.date_create,
                     source_id=r.source_id, amount=r.opportunity, currency=r.currency_id,
                     client=r.name or "", phone=(r.phones or [""])[0],
                     stage=r.stage_name or r.stage_id, category_id=r.category_id)
            for r in rows]


def open_count(session: Session, portal_id: int, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Deal).where(
        Deal.portal_id == portal_id, open_deals_of(user_id))) or 0


def load(session: Session, portal_id: int, cfg: ExchangeConfig, user_id: int,
         now: datetime) -> Load:
    cap = effective_caps(session, portal_id, cfg, now).get(user_id, cfg.cap_for(user_id))
    return Load(open_count(session, portal_id, user_id), cap)


def taken(session: Session, portal_id: int, cfg: ExchangeConfig, managers: list[int],
          now: datetime) -> list[ManagerLoad]:
    caps = effective_caps(session, portal_id, cfg, now)
    since = now - timedelta(days=30)
    counts = dict(session.execute(
        select(Deal.assigned_by_id, func.count()).where(
            Deal.portal_id == portal_id, Deal.stage_semantic == "P", Deal.deleted.is_(False),
            Deal.assigned_by_id.in_(managers)).group_by(Deal.assigned_by_id)).all())
    journal = session.execute(
        select(ExchangeEvent.user_id, ExchangeEvent.kind, func.count()).where(
            ExchangeEvent.portal_id == portal_id, ExchangeEvent.at >= since,
            ExchangeEvent.kind.in_(("claimed", "returned"))).group_by(
            ExchangeEvent.user_id, ExchangeEvent.kind)).all()
    per = {(uid, kind): n for uid, kind, n in journal}
    names = {u.b24_user_id: u.full_name for u in session.scalars(
        select(User).where(User.portal_id == portal_id, User.b24_user_id.in_(managers)))}
    return [ManagerLoad(uid, names.get(uid, f"#{uid}"), counts.get(uid, 0),
                        caps.get(uid, cfg.cap_for(uid)), per.get((uid, "claimed"), 0),
                        per.get((uid, "returned"), 0)) for uid in managers]
