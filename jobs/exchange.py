"""Scheduled exchange work per portal: stale deals back, due sweeps, the head's alerts."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select

from handlers import notify
from handlers.exchange import sweep
from handlers.exchange.actions import ActionContext
from handlers.exchange.caps import head_of_sales
from handlers.exchange.queries import board
from store import exchange as journal
from store.models import Deal

logger = logging.getLogger(__name__)


def last_touch(deal: Deal, claimed_at: datetime | None) -> datetime | None:
    """The latest of: stage move, any activity, the claim from the exchange."""
    moments = [deal.moved_time, deal.last_activity_at, claimed_at, deal.date_create]
    return max((m for m in moments if m is not None), default=None)


def return_stale(ctx: ActionContext) -> int:
    cfg = ctx.cfg
    if not cfg.ready:
        return 0
    limit = ctx.now - timedelta(days=cfg.stale_days)
    deals = ctx.session.scalars(select(Deal).where(
        Deal.portal_id == ctx.portal.id, Deal.category_id.in_(cfg.categories),
        Deal.stage_semantic == "P", Deal.deleted.is_(False),
        Deal.assigned_by_id.is_not(None), Deal.assigned_by_id != cfg.exchange_user_id))
    cmds: dict[str, tuple[str, dict]] = {}
    per_manager: dict[int, list[str]] = defaultdict(list)
    lang = ctx.portal.lang
    for deal in deals:
        claim = journal.last_event(ctx.session, ctx.portal.id, deal.b24_deal_id, ("claimed",))
        touched = last_touch(deal, claim.at if claim else None)
        if touched is None or touched >= limit:
            continue
        journal.journal(ctx.session, ctx.portal.id, deal_id=deal.b24_deal_id, kind="stale",
                        user_id=deal.assigned_by_id, at=ctx.now,
                        key=f"stale:{deal.b24_deal_id}:{touched.isoformat()}")
        per_manager[deal.assigned_by_id].append(deal.title)
        cmds[f"a{deal.b24_deal_id}"] = notify.set_responsible(deal.b24_deal_id,
                                                              cfg.exchange_user_id)
        cmds[f"c{deal.b24_deal_id}"] = notify.deal_comment(
            deal.b24_deal_id, notify.text("stale_comment", lang, days=cfg.stale_days))
        deal.assigned_by_id = cfg.exchange_user_id
    for manager, titles in per_manager.items():
        shown = "; ".join(titles[:5]) + ("…" if len(titles) > 5 else "")
        message = notify.text("stale_notice", lang, days=cfg.stale_days, count=len(titles),
                              titles=shown)
        cmds[f"n{manager}"] = notify.notify(manager, notify.with_link(
            message, ctx.portal.domain, ctx.app_code, "board", lang),
            tag=f"exchange-stale-{manager}")
    ctx.session.commit()
    _send(ctx, cmds, "stale")
    return sum(len(t) for t in per_manager.values())


def run_due_sweeps(ctx: ActionContext) -> int:
    return sum(sweep.run(ctx, s.id) for s in sweep.due(ctx.session, ctx.portal.id, ctx.now))


def retry_sweeps(ctx: ActionContext) -> int:
    """Sweeps with deals the portal did not confirm: re-read those deals, send what is left."""
    return sum(sweep.resume(ctx, s.id) for s in sweep.sending(ctx.session, ctx.portal.id))


def alert_head(ctx: ActionContext) -> bool:
    """Too many deals waiting, or one waiting too long: tell the head (one notice, replaced)."""
    cfg = ctx.cfg
    head = head_of_sales(ctx.session, ctx.portal.id, cfg) if cfg.ready else None
    if head is None:
        return False
    deals = board(ctx.session, ctx.portal.id, cfg)
    oldest = min((d.waiting_since for d in deals if d.waiting_since), default=None)
    hours = (ctx.now - oldest).total_seconds() / 3600 if oldest else 0.0
    if len(deals) <= cfg.alert_waiting_over and hours <= cfg.alert_wait_hours:
        return False
    message = notify.counted("exchange_alert", len(deals), ctx.portal.lang, hours=int(hours))
    method, params = notify.notify(head, notify.with_link(
        message, ctx.portal.domain, ctx.app_code, "board", ctx.portal.lang), tag="exchange-alert")
    ctx.b24.call(method, params)
    return True


def _send(ctx: ActionContext, cmds: dict[str, tuple[str, dict]], what: str) -> None:
    if not cmds:
        return
    for key, error in ctx.b24.batch(cmds).errors.items():
        logger.warning("job.exchange.write_failed", extra={
            "member_id": ctx.portal.member_id, "what": what, "command": key,
            "error": str(error)})
