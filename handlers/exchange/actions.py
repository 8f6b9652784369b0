"""What a manager does from the app tab: take a deal ("Взять") or give it back ("Вернуть").

These run in the web request because the person waits for the answer. The mirror row is
claimed with a compare-and-set first (two managers clicking at once: one wins), committed, and
only then is the portal told; if the portal refuses, the mirror is put back. A send that got
no answer re-reads the deal first: the portal may have moved it, and our side follows it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from b24.client import B24Client
from b24.errors import B24Error
from b24.values import to_int
from config import Settings
from handlers import notify
from handlers.context import client_for
from handlers.exchange import config, priority
from handlers.exchange.caps import effective_caps
from handlers.exchange.config import ExchangeConfig
from handlers.exchange.queries import open_count
from handlers.telephony import config as telephony_config
from store import exchange as journal
from store.models import Deal, Portal, User

logger = logging.getLogger(__name__)


@dataclass
class ActionContext:
    portal: Portal
    session: Session
    b24: B24Client
    now: datetime
    cfg: config.ExchangeConfig
    app_code: str = ""  # our client_id: links to the app's page carry it (notify.app_link)


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message_key: str
    params: dict[str, Any] = field(default_factory=dict)


@contextmanager
def action_context(portal: Portal, sessions: sessionmaker[Session], settings: Settings, *,
                   max_attempts: int | None = None,
                   background: bool = False) -> Iterator[ActionContext]:
    with sessions() as session:
        b24 = client_for(portal, sessions, settings, max_attempts=max_attempts,
                         background=background)
        try:
            yield ActionContext(portal, session, b24, datetime.now(UTC),
                                config.load(session, portal.id), settings.b24_client_id)
        finally:
            b24.close()


def _name(session: Session, portal_id: int, user_id: int | None) -> str:
    user = session.scalar(select(User).where(User.portal_id == portal_id,
                                             User.b24_user_id == user_id))
    return user.full_name if user else f"#{user_id}"


def _deal(ctx: ActionContext, deal_id: int) -> Deal | None:
    return ctx.session.scalar(select(Deal).where(Deal.portal_id == ctx.portal.id,
                                                 Deal.b24_deal_id == deal_id))


def claim(ctx: ActionContext, user_id: int, deal_id: int) -> ActionResult:
    cfg, ex = ctx.cfg, ctx.cfg.exchange_user_id
    if not cfg.ready:
        return ActionResult(False, "exchange_not_ready")
    deal = _deal(ctx, deal_id)
    if deal is None or deal.deleted or deal.stage_semantic != "P":
        return ActionResult(False, "deal_not_found")
    if deal.assigned_by_id != ex:
        return ActionResult(False, "already_taken",
                            {"name": _name(ctx.session, ctx.portal.id, deal.assigned_by_id)})
    until = priority_until(ctx.session, ctx.portal.id, cfg, user_id, deal, ctx.now)
    if until is not None:
        zone = telephony_config.load(ctx.session, ctx.portal.id).tz
        return ActionResult(False, "priority", {"until": until.astimezone(zone).strftime("%H:%M")})
    cap = effective_caps(ctx.session, ctx.portal.id, cfg, ctx.now).get(user_id,
                                                                        cfg.cap_for(user_id))
    opened = open_count(ctx.session, ctx.portal.id, user_id)
    if opened >= cap:
        return ActionResult(False, "over_cap", {"open": opened, "cap": cap})
    if not journal.take_from(ctx.session, ctx.portal.id, deal_id, holder=ex, new_holder=user_id):
        ctx.session.rollback()
        return ActionResult(False, "already_taken", {"name": ""})
    key = f"claimed:{deal_id}:button:{ctx.now.isoformat()}"
    journal.journal(ctx.session, ctx.portal.id, deal_id=deal_id, kind="claimed", user_id=user_id,
                    at=ctx.now, key=key)
    ctx.session.commit()
    name = _name(ctx.session, ctx.portal.id, user_id)
    return _tell_portal(ctx, deal_id, undo=(user_id, ex), key=key, result=ActionResult(
        True, "claimed", {"open": opened + 1, "cap": cap}), cmds={
        "assign": notify.set_responsible(deal_id, user_id),
        "comment": notify.deal_comment(deal_id, notify.text("claimed_comment",
                                                            ctx.portal.lang, name=name))})


def priority_until(session: Session, portal_id: int, cfg: ExchangeConfig, user_id: int,
                   deal: Deal, now: datetime) -> datetime | None:
    """«Приоритет лучшим»: until when this manager must leave the fresh deal to the best."""
    top = priority.best(session, portal_id, cfg, now)
    if not top:
        return None
    last = journal.last_event(session, portal_id, deal.b24_deal_id, priority.WAITING_KINDS)
    since = last.at if last else deal.date_create
    return priority.closed_until(cfg, top, user_id, since, now)


def give_back(ctx: ActionContext, user_id: int, deal_id: int, reason: str) -> ActionResult:
    ex = ctx.cfg.exchange_user_id
    if not ctx.cfg.ready:
        return ActionResult(False, "exchange_not_ready")
    if reason not in config.RETURN_REASONS:
        return ActionResult(False, "bad_reason")
    if not journal.take_from(ctx.session, ctx.portal.id, deal_id, holder=user_id, new_holder=ex):
        ctx.session.rollback()
        return ActionResult(False, "not_yours")
    key = f"returned:{deal_id}:button:{ctx.now.isoformat()}"
    journal.journal(ctx.session, ctx.portal.id, deal_id=deal_id, kind="returned",
                    user_id=user_id, at=ctx.now, reason=reason, key=key)
    ctx.session.commit()
    lang = ctx.portal.lang
    comment = notify.text("returned_comment", lang, name=_name(ctx.session, ctx.portal.id,
                                                               user_id),
                          reason=notify.reason_text(reason, lang))
    return _tell_portal(ctx, deal_id, undo=(ex, user_id), key=key,
                        result=ActionResult(True, "returned"),
                        cmds={"assign": notify.set_responsible(deal_id, ex),
                              "comment": notify.deal_comment(deal_id, comment)})


def _tell_portal(ctx: ActionContext, deal_id: int, *, undo: tuple[int, int], key: str,
                 result: ActionResult, cmds: dict[str, tuple[str, dict]]) -> ActionResult:
    """Write to the portal; if it refuses the responsible change, put the mirror back. When
    the send failed without an answer, the deal is re-read: the portal may have done it."""
    try:
        batch = ctx.b24.batch(cmds, halt=True)
        failed = "assign" in batch.errors or "assign" not in batch.results
    except B24Error as exc:
        logger.warning("exchange.action.portal_refused", extra={
            "member_id": ctx.portal.member_id, "deal": deal_id, "error": str(exc)})
        failed = _holder(ctx, deal_id) != undo[0]
    if failed:
        journal.take_from(ctx.session, ctx.portal.id, deal_id, holder=undo[0], new_holder=undo[1])
        journal.forget(ctx.session, ctx.portal.id, key)
        ctx.session.commit()
        return ActionResult(False, "portal_error")
    return result


def _holder(ctx: ActionContext, deal_id: int) -> int | None:
    """The deal's responsible as the portal has it now (None: it cannot tell us)."""
    try:
        fields = ctx.b24.call("crm.deal.get", {"id": deal_id}) or {}
    except B24Error as exc:
        logger.warning("exchange.action.reread_failed", extra={
            "member_id": ctx.portal.member_id, "deal": deal_id, "error": str(exc)})
        return None
    holder = to_int(fields.get("ASSIGNED_BY_ID"))
    logger.info("exchange.action.reread", extra={"member_id": ctx.portal.member_id,
                                                  "deal": deal_id, "holder": holder})
    return holder
