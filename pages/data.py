"""Small reads from the local mirror that the pages need around the exchange queries.

Pages never call REST while rendering: names of sources, stages, pipelines and people all come
from the mirror the sync job and the event handlers keep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import formats
from handlers.exchange import caps, queries
from handlers.exchange.config import ExchangeConfig
from handlers.telephony import lines
from store.models import Category, Deal, Stage, User


@dataclass(frozen=True)
class Names:
    """Code -> display name for sources and deal stages, read once per page."""

    sources: dict[str, str]
    stages: dict[str, str]

    def source(self, code: str | None) -> str:
        return self.sources.get(code or "", code or "")

    def stage(self, code: str) -> str:
        return self.stages.get(code, code)


def names(session: Session, portal_id: int) -> Names:
    rows = session.execute(select(Stage.entity_id, Stage.status_id, Stage.name).where(
        Stage.portal_id == portal_id)).all()
    return Names(sources={s: n for e, s, n in rows if e == "SOURCE"},
                 stages={s: n for e, s, n in rows if e.startswith("DEAL_STAGE")})


def categories(session: Session, portal_id: int, cfg: ExchangeConfig) -> list[int]:
    """Deal pipelines known from the mirror: crm.category.list's, and those the stages name
    (DEAL_STAGE is 0, DEAL_STAGE_n is n)."""
    found = {0, *session.scalars(select(Category.b24_category_id).where(
        Category.portal_id == portal_id))}
    for entity in session.scalars(select(Stage.entity_id).where(
            Stage.portal_id == portal_id, Stage.entity_id.like("DEAL_STAGE%")).distinct()):
        suffix = entity.removeprefix("DEAL_STAGE").lstrip("_")
        if suffix.isascii() and suffix.isdigit():
            found.add(int(suffix))
    return sorted(found | set(cfg.categories))


def users(session: Session, portal_id: int) -> list[User]:
    """Active people, by name: the choices of the settings selects."""
    return list(session.scalars(select(User).where(
        User.portal_id == portal_id, User.active.is_(True)).order_by(User.last_name, User.name)))


def my_deals(session: Session, portal_id: int, cfg: ExchangeConfig, user_id: int) -> list[Deal]:
    """The viewer's open deals in the exchange's pipelines (those he may give back)."""
    if not cfg.ready:
        return []
    return list(session.scalars(select(Deal).where(
        Deal.portal_id == portal_id, queries.open_deals_of(user_id),
        Deal.category_id.in_(cfg.categories)).order_by(Deal.date_create.desc()).limit(200)))


def header_load(session: Session, portal_id: int, cfg: ExchangeConfig, user_id: int,
                is_admin: bool, now: datetime) -> queries.Load | None:
    """"Моя нагрузка" for those who take deals: managers, and anyone who is not an admin."""
    if not cfg.ready:
        return None
    if is_admin and user_id not in caps.sales_managers(session, portal_id, cfg):
        return None
    return queries.load(session, portal_id, cfg, user_id, now)


def user_name(session: Session, portal_id: int, user_id: int | None) -> str:
    user = session.scalar(select(User).where(User.portal_id == portal_id,
                                             User.b24_user_id == user_id))
    return user.full_name if user else f"#{user_id}"


def line_label(session: Session, portal_id: int) -> Callable[[str | None], str]:
    """A line as people know it: its portal name, else the number, else the id ("—": none)."""
    known = lines.names(session, portal_id)

    def label(key: str | None) -> str:
        if not key:
            return "—"
        if key in known:
            return known[key]
        return formats.phone(key) if key.startswith("+") else key
    return label
