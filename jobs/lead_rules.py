"""Scheduled lead-rule work per portal: overdue leads and their escalation."""

from __future__ import annotations

import logging

from b24.errors import B24Error
from handlers.exchange.actions import ActionContext
from handlers.lead_rules import config, deadlines
from handlers.lead_rules.fields import ensure_reason_field

logger = logging.getLogger(__name__)


def check_lead_deadlines(ctx: ActionContext) -> dict[str, int]:
    """Notify the responsible, then the head; the database is committed before any REST."""
    run = deadlines.check(ctx)
    ctx.session.commit()
    if run.commands:
        for key, error in ctx.b24.batch(run.commands).errors.items():
            logger.warning("job.lead_rules.write_failed", extra={
                "member_id": ctx.portal.member_id, "command": key, "error": str(error)})
    ensure_field(ctx)
    return {"overdue": run.overdue, "notified": run.notified, "escalated": run.escalated}


def ensure_field(ctx: ActionContext) -> bool:
    """The reason field exists once "field" mode is on (created on first need, §8.8)."""
    cfg = config.load(ctx.session, ctx.portal.id)
    ctx.session.commit()
    if cfg.reason_mode != "field" or cfg.reason_field_ready:
        return False
    try:
        ensure_reason_field(ctx.b24)
    except B24Error as exc:
        logger.warning("job.lead_rules.field_failed", extra={
            "member_id": ctx.portal.member_id, "error": str(exc)})
        return False
    cfg.reason_field_ready = True
    config.save(ctx.session, ctx.portal.id, cfg, user_id=None, now=ctx.now)
    ctx.session.commit()
    return True
