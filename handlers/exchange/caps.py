"""Caps: fixed per manager, or "by results" — give more to those who sell, not at random."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from handlers.exchange.config import ExchangeConfig
from store.models import Deal, Department, User

MIN_CLOSED = 3  # below this a manager's conversion says nothing yet
SALES_WORDS = ("продаж", "sales")


def conversions(session: Session, portal_id: int, since: datetime) -> dict[int, tuple[int, int]]:
    """Per manager: (won, closed) among deals closed since `since`."""
    won = func.sum(case((Deal.stage_semantic == "S", 1), else_=0))
    rows = session.execute(
        select(Deal.assigned_by_id, won, func.count()).where(
            Deal.portal_id == portal_id, Deal.stage_semantic.in_(("S", "F")),
            Deal.deleted.is_(False), Deal.moved_time >= since)
        .group_by(Deal.assigned_by_id)).all()
    return {uid: (int(w or 0), int(n)) for uid, w, n in rows if uid is not None}


def effective_caps(session: Session, portal_id: int, cfg: ExchangeConfig,
                   now: datetime) -> dict[int, int]:
    """Explicit per-manager caps always win; "results" mode scales the default by conversion."""
    caps: dict[int, int] = {}
    if cfg.cap_mode == "results":
        stats = conversions(session, portal_id, now - timedelta(days=30))
        won = sum(w for w, n in stats.values() if n >= MIN_CLOSED)
        closed = sum(n for _, n in stats.values() if n >= MIN_CLOSED)
        team = won / closed if closed else 0.0
        for uid, (w, n) in stats.items():
            if n >= MIN_CLOSED and team > 0:
                scaled = round(cfg.default_cap * (w / n) / team)
                caps[uid] = max(cfg.cap_min, min(cfg.cap_max, scaled))
    caps.update(cfg.caps)
    return caps


def sales_managers(session: Session, portal_id: int, cfg: ExchangeConfig) -> list[int]:
    """The configured managers, else active people of the sales departments (not the head)."""
    if cfg.manager_ids:
        return list(cfg.manager_ids)
    deps = {d.b24_department_id: d for d in session.scalars(
        select(Department).where(Department.portal_id == portal_id))}
    sales = {i for i, d in deps.items() if any(w in d.name.lower() for w in SALES_WORDS)}
    heads = {d.head_id for i, d in deps.items() if i in sales} | {cfg.head_user_id}
    users = session.scalars(select(User).where(User.portal_id == portal_id,
                                               User.active.is_(True)).order_by(User.b24_user_id))
    return [u.b24_user_id for u in users
            if set(u.department_ids) & sales and u.b24_user_id not in heads
            and u.b24_user_id != cfg.exchange_user_id]


def head_of_sales(session: Session, portal_id: int, cfg: ExchangeConfig) -> int | None:
    if cfg.head_user_id:
        return cfg.head_user_id
    for dep in session.scalars(select(Department).where(Department.portal_id == portal_id)
                               .order_by(Department.b24_department_id)):
        if any(w in dep.name.lower() for w in SALES_WORDS) and dep.head_id:
            return dep.head_id
    return None
