""""Перезвонить" from the calls page: a call-back to-do on the client's deal, set at once.

It runs in the web request (the person waits for the answer), like the exchange's buttons. The
to-do goes to the deal's manager, or to the person who pressed the button when the deal still
waits on the exchange; a deal that already has an open call-back to-do of ours gets none.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from b24.errors import B24Error
from handlers import formats
from handlers.exchange.actions import ActionContext, ActionResult
from handlers.telephony import config as telephony_config
from handlers.telephony import texts
from handlers.telephony.matching import from_mirror, open_deal_of
from handlers.telephony.work import callback_todo
from store import telephony as store
from store.models import Deal, User

logger = logging.getLogger(__name__)


def _deal_for(ctx: ActionContext, phone: str, region: str) -> Deal | None:
    earlier = store.open_call_deal(ctx.session, ctx.portal.id, phone)
    if earlier is not None and earlier.b24_deal_id:
        deal = ctx.session.scalar(select(Deal).where(Deal.portal_id == ctx.portal.id,
                                                     Deal.b24_deal_id == earlier.b24_deal_id))
        if deal is not None:
            return deal
    client = from_mirror(ctx.session, ctx.portal.id, phone, before=ctx.now, region=region)
    return open_deal_of(ctx.session, ctx.portal.id, client, ctx.cfg.exchange_user_id)


def request_callback(ctx: ActionContext, viewer_id: int, call_id: str) -> ActionResult:
    """The button on a lost call: which deal, whose to-do, and the to-do in the portal."""
    call = store.find_call(ctx.session, ctx.portal.id, call_id)
    if call is None or call.answered or not call.phone:
        return ActionResult(False, "call_not_found")
    cfg = telephony_config.load(ctx.session, ctx.portal.id)
    deal = _deal_for(ctx, call.phone, cfg.region)
    if deal is None:
        return ActionResult(False, "no_deal")
    held = deal.assigned_by_id and deal.assigned_by_id != ctx.cfg.exchange_user_id
    responsible = deal.assigned_by_id if held else viewer_id
    viewer = ctx.session.scalar(select(User).where(User.portal_id == ctx.portal.id,
                                                   User.b24_user_id == viewer_id))
    owner = ctx.session.scalar(select(User).where(User.portal_id == ctx.portal.id,
                                                  User.b24_user_id == responsible))
    lang = ctx.portal.lang
    at = formats.local_stamp(call.start_at, cfg.tz, lang or "ru")
    try:
        created = callback_todo(
            ctx, deal.b24_deal_id, responsible, call_id=call.call_id, origin="manual",
            minutes=cfg.callback_minutes,
            title=texts.text("manual_title", lang, phone=texts.pretty(call.phone)),
            description=texts.text("manual_text", lang, at=at,
                                   name=viewer.full_name if viewer else f"#{viewer_id}"))
    except B24Error as exc:
        logger.warning("telephony.callback.portal_refused", extra={
            "member_id": ctx.portal.member_id, "call": call_id, "error": str(exc)})
        return ActionResult(False, "portal_error")
    name = owner.full_name if owner else f"#{responsible}"
    logger.info("telephony.callback.requested", extra={
        "member_id": ctx.portal.member_id, "call": call_id, "deal": deal.b24_deal_id,
        "responsible": responsible, "created": created})
    return ActionResult(created, "callback_set" if created else "callback_exists",
                        {"name": name, "deal": deal.b24_deal_id})
