"""How the audits react to a deal change (after the mirror upsert and the exchange's reaction).

A deal entering a failure stage becomes a rejection (state "collecting": the evidence is read
by the audits job in one batch for many rejections, so deal events cost no extra reads). A deal
entering a success stage hands its client to the senior specialist when it is the client's first
won deal. Both are rows under unique keys, so a retried or replayed event records nothing new;
the portal writes they lead to are made later by the jobs, exactly once.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from b24.values import to_int
from handlers.audits import config
from handlers.context import HandlerContext
from handlers.exchange import config as exchange_config
from store import audits
from store import exchange as journal
from store.models import Contact, Deal, Stage

logger = logging.getLogger(__name__)
LATE_NEWS = timedelta(days=2)  # a deal new to us, closed long ago, is history, not news
BBCODE = re.compile(r"\[/?[a-zA-Z*][^\]]*\]")


def on_deal_changed(ctx: HandlerContext, deal: Deal, changed: dict | None,
                    fields: dict[str, Any]) -> None:
    if deal.stage_semantic not in ("S", "F") or not _entered(ctx, deal, changed):
        return
    if deal.stage_semantic == "F":
        _rejected(ctx, deal, fields)
    else:
        _won(ctx, deal)


def semantic_of(ctx: HandlerContext, category_id: int, stage_id: str) -> str:
    """A stage's semantics from the mirrored directory; the system codes when unknown."""
    entity = "DEAL_STAGE" if not category_id else f"DEAL_STAGE_{category_id}"
    found = ctx.session.scalar(select(Stage.semantics).where(
        Stage.portal_id == ctx.portal.id, Stage.entity_id == entity, Stage.status_id == stage_id))
    if found:
        return found
    code = stage_id.split(":")[-1]
    return "S" if code == "WON" else "F" if code in ("LOSE", "APOLOGY") else "P"


def _entered(ctx: HandlerContext, deal: Deal, changed: dict | None) -> bool:
    """Moved into S/F from another kind of stage now (F -> F is the same rejection)."""
    if changed is None:
        moved = deal.moved_time or deal.date_create
        return moved is not None and ctx.now - moved <= LATE_NEWS
    if "stage_id" not in changed:
        return False
    category = changed.get("category_id", deal.category_id)
    return semantic_of(ctx, category, changed["stage_id"] or "") != deal.stage_semantic


def clean_reason(value: Any) -> str | None:
    text = BBCODE.sub("", str(value or "")).strip()
    return text[:2000] or None


def _rejected(ctx: HandlerContext, deal: Deal, fields: dict[str, Any]) -> None:
    did, pid = deal.b24_deal_id, ctx.portal.id
    exchange_user = exchange_config.load(ctx.session, pid).exchange_user_id
    manager = deal.assigned_by_id
    if manager is None or manager == exchange_user:  # lost while waiting: whoever closed it
        manager = to_int(fields.get("MOVED_BY_ID")) or manager
    rejected_at = deal.moved_time or ctx.now
    claim = journal.last_event(ctx.session, pid, did, ("claimed",))
    claimed_at = claim.at if claim and claim.user_id == manager and claim.at <= rejected_at \
        else None
    row = audits.record_rejection(ctx.session, pid, key=f"deal:{did}:{rejected_at.isoformat()}",
                                  values={
        "entity_type": "deal", "b24_entity_id": did, "title": deal.title,
        "category_id": deal.category_id, "stage_id": deal.stage_id,
        "reason": clean_reason(fields.get("COMMENTS")), "manager_id": manager,
        "contact_id": deal.contact_id, "company_id": deal.company_id,
        "created_at": deal.date_create, "claimed_at": claimed_at, "rejected_at": rejected_at})
    if row is not None:
        logger.info("audits.rejection.recorded", extra={
            "member_id": ctx.portal.member_id, "deal": did, "manager": manager,
            "stage": deal.stage_id})


def _won(ctx: HandlerContext, deal: Deal) -> None:
    """The first won deal of a contact (and of a company) hands that client over, once."""
    cfg = config.load(ctx.session, ctx.portal.id)
    if not cfg.handoff_enabled:
        return
    won_at = deal.moved_time or ctx.now
    senior = config.senior(ctx.session, ctx.portal.id, cfg, deal.category_id)
    for entity_type, client_id in (("CONTACT", deal.contact_id), ("COMPANY", deal.company_id)):
        if not client_id or audits.earlier_win(ctx.session, ctx.portal.id,
                                               entity_type=entity_type, client_id=client_id,
                                               deal_id=deal.b24_deal_id, before=won_at):
            continue
        client = ctx.session.scalar(select(Contact).where(
            Contact.portal_id == ctx.portal.id, Contact.entity_type == entity_type,
            Contact.b24_id == client_id))
        if audits.record_handoff(ctx.session, ctx.portal.id, entity_type=entity_type,
                                 client_id=client_id, values={
                "b24_deal_id": deal.b24_deal_id, "category_id": deal.category_id,
                "senior_id": senior, "won_at": won_at, "due_at": ctx.now,
                "previous_assigned_id": client.assigned_by_id if client else None}):
            logger.info("audits.handoff.recorded", extra={
                "member_id": ctx.portal.member_id, "deal": deal.b24_deal_id,
                "client": f"{entity_type}:{client_id}", "senior": senior})
