"""The "keep" sweep for an overloaded department: unmarked open deals go back to the exchange.

The head previews, confirms (now or at a set time), and can undo for a day: every swept deal
remembers its previous responsible person.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from b24.batching import BatchResult
from b24.errors import B24Error, PortalGone
from b24.values import to_int, yes
from handlers import notify
from handlers.exchange import config
from handlers.exchange.actions import ActionContext
from handlers.exchange.queries import BoardRow, open_deals_of
from store import echoes
from store import exchange as journal
from store.models import Deal, Sweep, SweepItem

logger = logging.getLogger(__name__)
UNDO_WINDOW = timedelta(days=1)
ECHO_WINDOW = timedelta(minutes=2)


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
    """Move the unmarked deals; returns how many the portal confirmed moved.

    planned -> sending -> done. The items (deal, previous owner) are committed first, so undo
    and the retry always know the owners; our mirror and journal say "on the exchange" only for
    a deal whose update the portal confirmed. A deal not confirmed stays with its manager on
    our board (another manager cannot take it) until resume() re-reads it.
    """
    sweep = ctx.session.get_one(Sweep, sweep_id)
    if sweep.status != "planned" or not ctx.cfg.ready:
        return 0
    for deal in _candidates(ctx.session, ctx.portal.id, ctx.cfg, sweep.manager_ids):
        ctx.session.add(SweepItem(sweep_id=sweep.id, b24_deal_id=deal.b24_deal_id,
                                  previous_assigned_id=deal.assigned_by_id, status="sending"))
    sweep.status = "sending"
    ctx.session.commit()
    return resume(ctx, sweep.id, reread=False)


def resume(ctx: ActionContext, sweep_id: int, *, reread: bool = True) -> int:
    """Send (again) what is not confirmed; with `reread`, first ask the portal where each such
    deal is: moved (an answer lost on the way) counts as done, sent again it would double the
    comment; moved elsewhere or closed meanwhile is left alone (skipped)."""
    sweep = ctx.session.get_one(Sweep, sweep_id)
    if sweep.status != "sending" or not ctx.cfg.ready:
        return 0
    items = {i.b24_deal_id: i for i in ctx.session.scalars(select(SweepItem).where(
        SweepItem.sweep_id == sweep.id, SweepItem.status == "sending"))}
    ex, lang = ctx.cfg.exchange_user_id, ctx.portal.lang
    if reread and items:
        _reread(ctx, items, ex)
    cmds: dict[str, tuple[str, dict]] = {}
    for deal_id in [d for d, item in items.items() if item.status == "sending"]:
        cmds[f"a{deal_id}"] = notify.set_responsible(deal_id, ex)
        cmds[f"c{deal_id}"] = notify.deal_comment(deal_id, notify.text("swept_comment", lang))
    # Our update's ONCRMDEALUPDATE may be worked before we commit its confirmation: it is ours.
    echoes.expect(ctx.session, ctx.portal.id, [("deal", int(k[1:])) for k in cmds if k[0] == "a"],
                  ctx.now + ECHO_WINDOW)
    ctx.session.commit()
    if cmds:
        result = _send(ctx, cmds)
        for deal_id, item in items.items():
            if item.status == "sending" and f"a{deal_id}" in result.results \
                    and f"a{deal_id}" not in result.errors:
                item.status = "done"
    moved = [i for i in items.values() if i.status == "done"]
    for item in moved:
        _moved(ctx, sweep, item, ex)
    return _close(ctx, sweep, moved, lang)


def _reread(ctx: ActionContext, items: dict[int, SweepItem], ex: int) -> None:
    got = ctx.b24.batch({f"d{deal_id}": ("crm.deal.get", {"id": deal_id}) for deal_id in items})
    for deal_id, item in items.items():
        fields, error = got.results.get(f"d{deal_id}"), got.errors.get(f"d{deal_id}")
        if error is not None and "not found" in str(error).lower():
            item.status = "skipped"  # deleted in the portal meanwhile
            continue
        if not isinstance(fields, dict):
            continue  # not readable now: try again next time
        owner, still_open = to_int(fields.get("ASSIGNED_BY_ID")), fields.get("CLOSED") != "Y"
        if owner == ex:
            item.status = "done"
        elif owner != item.previous_assigned_id or not still_open:
            item.status = "skipped"  # someone moved it meanwhile: theirs to decide


def _moved(ctx: ActionContext, sweep: Sweep, item: SweepItem, ex: int) -> None:
    deal = ctx.session.scalar(select(Deal).where(Deal.portal_id == ctx.portal.id,
                                                 Deal.b24_deal_id == item.b24_deal_id))
    if deal is not None:
        deal.assigned_by_id = ex
    journal.journal(ctx.session, ctx.portal.id, deal_id=item.b24_deal_id, kind="swept",
                    user_id=item.previous_assigned_id, at=ctx.now,
                    key=f"swept:{item.b24_deal_id}:{sweep.id}")


def _close(ctx: ActionContext, sweep: Sweep, moved: list[SweepItem], lang: str) -> int:
    """Commit what the portal confirmed; the sweep is done once no item is left unconfirmed."""
    waiting = ctx.session.scalar(select(func.count()).select_from(SweepItem).where(
        SweepItem.sweep_id == sweep.id, SweepItem.status == "sending"))
    if not waiting:
        sweep.status, sweep.done_at = "done", ctx.now
    ctx.session.commit()
    # Each manager hears the sweep's total so far, tagged per sweep and manager: the notice of
    # a retry replaces the first one instead of adding a second.
    per_manager = Counter(ctx.session.scalars(select(SweepItem.previous_assigned_id).where(
        SweepItem.sweep_id == sweep.id, SweepItem.status == "done",
        SweepItem.previous_assigned_id.in_({i.previous_assigned_id for i in moved}))))
    if per_manager:
        _send(ctx, {f"n{m}": notify.notify(m, notify.with_link(
            notify.counted("swept_notice", n, lang), ctx.portal.domain, ctx.app_code,
            "board", lang), tag=f"exchange-sweep-{sweep.id}-{m}")
                    for m, n in per_manager.items()})
    logger.info("exchange.sweep.sent", extra={"member_id": ctx.portal.member_id,
                                               "sweep": sweep.id, "deals": len(moved),
                                               "waiting": waiting})
    return len(moved)


def sending(session: Session, portal_id: int) -> list[Sweep]:
    """Sweeps with deals the portal has not confirmed yet (the retry job's work)."""
    return list(session.scalars(select(Sweep).where(Sweep.portal_id == portal_id,
                                                    Sweep.status == "sending")))


def undo(ctx: ActionContext, sweep_id: int) -> int:
    """Within a day: deals still waiting on the exchange go back to their previous owners."""
    sweep = ctx.session.get_one(Sweep, sweep_id)
    if sweep.status != "done" or sweep.done_at is None or ctx.now - sweep.done_at > UNDO_WINDOW:
        return 0
    ex, cmds, restored = ctx.cfg.exchange_user_id, {}, 0
    items = ctx.session.scalars(select(SweepItem).where(SweepItem.sweep_id == sweep.id,
                                                        SweepItem.status == "done"))
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


def _send(ctx: ActionContext, cmds: dict[str, tuple[str, dict]]) -> BatchResult:
    """The batch's answer; a failed request is an empty answer (nothing confirmed), logged."""
    if not cmds:
        return BatchResult()
    try:
        result = ctx.b24.batch(cmds)
    except B24Error as exc:
        if isinstance(exc, PortalGone):
            raise
        logger.warning("exchange.sweep.send_failed", extra={
            "member_id": ctx.portal.member_id, "error": str(exc)})
        return BatchResult()
    for key, error in result.errors.items():
        logger.warning("exchange.sweep.write_failed", extra={
            "member_id": ctx.portal.member_id, "command": key, "error": str(error)})
    return result
