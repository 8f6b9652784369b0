"""The "keep" sweep for an overloaded department: unmarked open deals go back to the exchange.

The head previews, confirms (now or at a set time), and can undo for a day: every swept deal
remembers its previous responsible person.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from b24.values import yes
from handlers import notify
from handlers.exchange import config
from handlers.exchange.actions import ActionContext
from handlers.exchange.queries import BoardRow, open_deals_of
from store import exchange as journal
from store.models import Deal, Sweep, SweepItem

logger = logging.getLogger(__name__)
UNDO_WINDOW = timedelta(days=1)


def _candidates(session: Session, portal_id: int, cfg: config.ExchangeConfig,
                manager_ids: list[int]) -> list[Deal]:
    deals = session.scalars(select(Deal).where(
        Deal.portal_id == portal_id, Deal.category_id.in_(cfg.categories),
        Deal.assigned_by_id.in_(manager_ids), open_deals_of(Deal.assigned_by_id))
        .order_by(Deal.assigned_by_id, Deal.b24_deal_id))
    return [d for d in deals if not yes((d.fields or {}).get(config.KEEP_FIELD) or "N")]


def preview(session: Session, portal_id: int, cfg: config.ExchangeConfig,
            manager_ids: list[int]) -> list[BoardRow]:
    """Exactly the deals a sweep would move now."""
    return [BoardRow(deal_id=d.b24_deal_id, title=d.title, waiting_since=d.moved_time,
                     source_id=d.source_id, amount=d.opportunity, currency=d.currency_id,
                     client="", phone="", stage=d.stage_id, category_id=d.category_id)
            for d in _candidates(session, portal_id, cfg, manager_ids)]


def plan(session: Session, portal_id: int, *, manager_ids: list[int], run_at: datetime,
         user_id: int | None, now: datetime) -> Sweep:
    sweep = Sweep(portal_id=portal_id, manager_ids=sorted(set(manager_ids)), status="planned",
                  created_by=user_id, created_at=now, run_at=run_at)
    session.add(sweep)
    session.flush()
    return sweep


def latest(session: Session, portal_id: int) -> Sweep | None:
    return session.scalar(select(Sweep).where(Sweep.portal_id == portal_id)
                          .order_by(Sweep.id.desc()).limit(1))


def due(session: Session, portal_id: int, now: datetime) -> list[Sweep]:
    return list(session.scalars(select(Sweep).where(
        Sweep.portal_id == portal_id, Sweep.status == "planned", Sweep.run_at <= now)))


def run(ctx: ActionContext, sweep_id: int) -> int:
    """Move the unmarked deals; returns how many went back."""
    sweep = ctx.session.get_one(Sweep, sweep_id)
    if sweep.status != "planned" or not ctx.cfg.ready:
        return 0
    ex, lang = ctx.cfg.exchange_user_id, ctx.portal.lang
    deals = _candidates(ctx.session, ctx.portal.id, ctx.cfg, sweep.manager_ids)
    cmds: dict[str, tuple[str, dict]] = {}
    for deal in deals:
        ctx.session.add(SweepItem(sweep_id=sweep.id, b24_deal_id=deal.b24_deal_id,
                                  previous_assigned_id=deal.assigned_by_id))
        journal.journal(ctx.session, ctx.portal.id, deal_id=deal.b24_deal_id, kind="swept",
                        user_id=deal.assigned_by_id, at=ctx.now,
                        key=f"swept:{deal.b24_deal_id}:{sweep.id}")
        cmds[f"a{deal.b24_deal_id}"] = notify.set_responsible(deal.b24_deal_id, ex)
        cmds[f"c{deal.b24_deal_id}"] = notify.deal_comment(
            deal.b24_deal_id, notify.text("swept_comment", lang))
        deal.assigned_by_id = ex
    per_manager = Counter(item.previous_assigned_id for item in ctx.session.new
                          if isinstance(item, SweepItem))
    for manager, count in per_manager.items():
        message = notify.text("swept_notice", lang, count=count)
        cmds[f"n{manager}"] = notify.notify(manager, notify.with_link(
            message, ctx.portal.domain, ctx.app_code, "board", lang))
    sweep.status, sweep.done_at = "done", ctx.now
    ctx.session.commit()  # recorded before the portal hears of it: undo always knows the owners
    _send(ctx, cmds)
    logger.info("exchange.sweep.done", extra={"member_id": ctx.portal.member_id,
                                               "sweep": sweep.id, "deals": len(deals)})
    return len(deals)


def undo(ctx: ActionContext, sweep_id: int) -> int:
    """Within a day: deals still waiting on the exchange go back to their previous owners."""
    sweep = ctx.session.get_one(Sweep, sweep_id)
    if sweep.status != "done" or sweep.done_at is None or ctx.now - sweep.done_at > UNDO_WINDOW:
        return 0
    ex, cmds, restored = ctx.cfg.exchange_user_id, {}, 0
    items = ctx.session.scalars(select(SweepItem).where(SweepItem.sweep_id == sweep.id))
    for item in items:
        if not journal.take_from(ctx.session, ctx.portal.id, item.b24_deal_id, holder=ex,
                                 new_holder=item.previous_assigned_id):
            continue  # claimed by someone meanwhile: leave it with them
        restored += 1
        journal.journal(ctx.session, ctx.portal.id, deal_id=item.b24_deal_id, kind="restored",
                        user_id=item.previous_assigned_id, at=ctx.now,
                        key=f"restored:{item.b24_deal_id}:{sweep.id}")
        cmds[f"a{item.b24_deal_id}"] = notify.set_responsible(item.b24_deal_id,
                                                              item.previous_assigned_id)
        cmds[f"c{item.b24_deal_id}"] = notify.deal_comment(
            item.b24_deal_id, notify.text("restored_comment", ctx.portal.lang))
    sweep.status, sweep.undone_at = "undone", ctx.now
    ctx.session.commit()
    _send(ctx, cmds)
    return restored


def _send(ctx: ActionContext, cmds: dict[str, tuple[str, dict]]) -> None:
    """Failed commands are logged; the next sync shows the portal's truth in the mirror."""
    if not cmds:
        return
    result = ctx.b24.batch(cmds)
    for key, error in result.errors.items():
        logger.warning("exchange.sweep.write_failed", extra={
            "member_id": ctx.portal.member_id, "command": key, "error": str(error)})
