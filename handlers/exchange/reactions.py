"""How the exchange reacts to a deal change seen in an event (after the mirror was updated).

Our own writes never look like a person's action: every write we queue also updates the mirror
at once (optimistically), so the echo event finds nothing changed. A retried event re-derives
the same decision and the journal's unique key keeps it from counting twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from b24.values import to_int
from handlers import notify
from handlers.context import HandlerContext
from handlers.exchange import config
from handlers.exchange.caps import effective_caps, sales_managers
from handlers.exchange.queries import open_count
from store import exchange as journal
from store.models import Deal, User

logger = logging.getLogger(__name__)
RACE_WINDOW = timedelta(minutes=15)


def name_of(ctx: HandlerContext, user_id: int | None) -> str:
    user = ctx.session.scalar(select(User).where(User.portal_id == ctx.portal.id,
                                                 User.b24_user_id == user_id))
    return user.full_name if user else f"#{user_id}"


def on_deal_changed(ctx: HandlerContext, deal: Deal, changed: dict | None,
                    fields: dict[str, Any]) -> None:
    cfg = config.load(ctx.session, ctx.portal.id)
    if not cfg.ready or deal.category_id not in cfg.categories or deal.stage_semantic != "P":
        return
    stamp = str(fields.get("DATE_MODIFY") or ctx.now.isoformat())
    if changed is None:
        _new_deal(ctx, cfg, deal, fields)
    elif "assigned_by_id" in changed:
        _responsible_changed(ctx, cfg, deal, changed["assigned_by_id"], fields, stamp)


def _new_deal(ctx: HandlerContext, cfg: config.ExchangeConfig, deal: Deal,
              fields: dict[str, Any]) -> None:
    ex = cfg.exchange_user_id
    if deal.assigned_by_id == ex:
        journal.journal(ctx.session, ctx.portal.id, deal_id=deal.b24_deal_id, kind="landed",
                        user_id=None, at=ctx.now, key=f"landed:{deal.b24_deal_id}")
        return
    if _taken_before_seen(deal, fields):
        logger.info("exchange.landing.already_taken", extra={
            "member_id": ctx.portal.member_id, "deal": deal.b24_deal_id})
        return
    if not _should_land(ctx, cfg, deal):
        return
    _move_to_exchange(ctx, deal, ex, notify.text("landed", ctx.portal.lang))
    journal.journal(ctx.session, ctx.portal.id, deal_id=deal.b24_deal_id, kind="landed",
                    user_id=None, at=ctx.now, key=f"landed:{deal.b24_deal_id}")


def _taken_before_seen(deal: Deal, fields: dict[str, Any]) -> bool:
    """A late ADD (the app was busy, down or retrying): the deal we read is no longer new, its
    responsible changed it himself after someone else created it (typically: claimed it from
    the exchange). Landing it now would take it away from the manager working on it."""
    assigned = deal.assigned_by_id
    return (assigned is not None and to_int(fields.get("MODIFY_BY_ID")) == assigned
            and deal.created_by_id != assigned)


def _should_land(ctx: HandlerContext, cfg: config.ExchangeConfig, deal: Deal) -> bool:
    """A manager who creates a deal for himself within his cap keeps it; the rest go to the
    exchange ("all"), or only unassigned and automation-made deals do ("unassigned")."""
    managers = set(sales_managers(ctx.session, ctx.portal.id, cfg))
    assigned, creator = deal.assigned_by_id, deal.created_by_id
    unassigned = not assigned or not creator or creator == ctx.portal.installer_user_id
    if cfg.landing_mode == "unassigned":
        return unassigned
    if assigned in managers and creator == assigned:
        cap = effective_caps(ctx.session, ctx.portal.id, cfg, ctx.now).get(
            assigned, cfg.cap_for(assigned))
        return open_count(ctx.session, ctx.portal.id, assigned) > cap
    return True


def _move_to_exchange(ctx: HandlerContext, deal: Deal, ex: int, comment: str) -> None:
    ctx.write(*notify.set_responsible(deal.b24_deal_id, ex), key=f"assign:{deal.b24_deal_id}")
    ctx.write(*notify.deal_comment(deal.b24_deal_id, comment))
    deal.assigned_by_id = ex  # optimistic: the echo of our own update changes nothing


def _responsible_changed(ctx: HandlerContext, cfg: config.ExchangeConfig, deal: Deal,
                         previous: int | None, fields: dict[str, Any], stamp: str) -> None:
    ex, new = cfg.exchange_user_id, deal.assigned_by_id
    lang, did = ctx.portal.lang, deal.b24_deal_id
    if previous == ex and new != ex:
        _claimed(ctx, cfg, deal, stamp)
    elif new == ex and previous is not None:
        journal.journal(ctx.session, ctx.portal.id, deal_id=did, kind="returned",
                        user_id=previous, at=ctx.now, reason="kanban",
                        key=f"returned:{did}:{stamp}")
        ctx.write(*notify.deal_comment(did, notify.text(
            "returned_comment", lang, name=name_of(ctx, previous),
            reason=notify.reason_text("kanban", lang))))
    elif previous not in (None, ex) and new not in (None, ex):
        _maybe_race(ctx, deal, previous, fields, stamp)


def _claimed(ctx: HandlerContext, cfg: config.ExchangeConfig, deal: Deal, stamp: str) -> None:
    manager, did, lang = deal.assigned_by_id, deal.b24_deal_id, ctx.portal.lang
    cap = effective_caps(ctx.session, ctx.portal.id, cfg, ctx.now).get(
        manager, cfg.cap_for(manager))
    opened = open_count(ctx.session, ctx.portal.id, manager)  # includes this deal
    if opened > cap:
        name = name_of(ctx, manager)
        _move_to_exchange(ctx, deal, cfg.exchange_user_id, notify.text(
            "over_cap_comment", lang, name=name, open_deals=notify.open_deals(opened - 1, lang),
            cap=cap))
        ctx.write(*notify.notify(manager, notify.text(
            "over_cap", lang, title=deal.title, open_deals=notify.open_deals(opened - 1, lang),
            cap=cap)))
        journal.journal(ctx.session, ctx.portal.id, deal_id=did, kind="reverted",
                        user_id=manager, at=ctx.now, reason="cap", key=f"reverted:{did}:{stamp}")
        logger.info("exchange.claim.over_cap", extra={
            "member_id": ctx.portal.member_id, "deal": did, "user": manager, "cap": cap})
        return
    journal.journal(ctx.session, ctx.portal.id, deal_id=did, kind="claimed", user_id=manager,
                    at=ctx.now, key=f"claimed:{did}:{stamp}")
    ctx.write(*notify.deal_comment(did, notify.text("claimed_comment", lang,
                                                     name=name_of(ctx, manager))))


def _maybe_race(ctx: HandlerContext, deal: Deal, previous: int, fields: dict[str, Any],
                stamp: str) -> None:
    """B took a deal A had just claimed from the exchange: A keeps it, B is told."""
    new, did = deal.assigned_by_id, deal.b24_deal_id
    last = journal.last_event(ctx.session, ctx.portal.id, did, ("claimed",))
    by_self = to_int(fields.get("MODIFY_BY_ID")) == new
    if not (last and last.user_id == previous and by_self and ctx.now - last.at <= RACE_WINDOW):
        return
    ctx.write(*notify.set_responsible(did, previous), key=f"assign:{did}")
    ctx.write(*notify.notify(new, notify.text("taken_by_other", ctx.portal.lang,
                                              title=deal.title, name=name_of(ctx, previous))))
    deal.assigned_by_id = previous
    journal.journal(ctx.session, ctx.portal.id, deal_id=did, kind="conflict", user_id=new,
                    at=ctx.now, key=f"conflict:{did}:{stamp}")
