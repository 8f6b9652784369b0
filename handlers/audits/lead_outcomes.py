""""Ложный отказ" for a junk lead: it goes back to its last open status (the lead rules keep
it), a timeline comment says why, the manager's false-rejection count grows, and the lead rules'
queue row gets the verdict. Leads have no exchange, so the responsible person stays."""

from __future__ import annotations

import logging

from sqlalchemy import select

from handlers.audits import leads, texts, verdict
from handlers.exchange.actions import ActionContext, ActionResult
from handlers.lead_rules.junk import lead_comment
from store import audits
from store.audits_models import Rejection
from store.models import Stage

logger = logging.getLogger(__name__)


def open_status(ctx: ActionContext, lead_id: int) -> str | None:
    track = leads.lead_track(ctx.session, ctx.portal.id, lead_id)
    if track is not None and track.open_status_id:
        return track.open_status_id
    return ctx.session.scalar(select(Stage.status_id).where(
        Stage.portal_id == ctx.portal.id, Stage.entity_id == "STATUS", Stage.semantics == "P")
        .order_by(Stage.sort, Stage.id).limit(1))


def false_rejection(ctx: ActionContext, user_id: int, row: Rejection) -> ActionResult:
    status = open_status(ctx, row.b24_entity_id)
    if status is None:
        return ActionResult(False, "audit_deal_moved")
    if not audits.set_outcome(ctx.session, ctx.portal.id, row.id, state="false_rejection",
                              user_id=user_id, now=ctx.now):
        ctx.session.rollback()
        return ActionResult(False, "audit_already_decided")
    leads.settle(ctx, row, "false_rejection")
    audits.hold_callback(ctx.session, row.id)
    ctx.session.commit()
    comment = texts.text("false_lead_comment", ctx.portal.lang,
                         name=verdict.name(ctx, user_id), manager=verdict.name(ctx, row.manager_id))
    if verdict.tell_portal(ctx, {
            "move": ("crm.lead.update", {"id": row.b24_entity_id, "fields": {"STATUS_ID": status}}),
            "comment": lead_comment(row.b24_entity_id, comment)}, "move") is None:
        leads.settle(ctx, row, "taken")
        verdict.undo(ctx, row, "false_rejection")
        return ActionResult(False, "portal_error")
    logger.info("audits.outcome.false_lead", extra={
        "member_id": ctx.portal.member_id, "lead": row.b24_entity_id, "manager": row.manager_id})
    return ActionResult(True, "audit_false_rejection", {"name": verdict.name(ctx, row.manager_id)})
