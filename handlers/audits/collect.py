"""Finish recorded rejections: read activities and comments (one batch for 25 rejections),
weigh the evidence, and schedule the quality controller's callback when it is due one.

Reading here rather than in the event chunk keeps a deal event at one read: a chunk of 50 deal
events stays one read batch, whereas two more reads per event would triple it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from handlers.audits import config, evidence, score
from handlers.comm.talks import transcript_talks
from handlers.exchange.actions import ActionContext
from store import audits
from store.audits_models import Rejection
from store.db import write_lock

logger = logging.getLogger(__name__)
PER_BATCH = 25  # two reads each: one batch request of 50 commands


def collect(ctx: ActionContext, limit: int = PER_BATCH) -> int:
    """One round; returns how many rejections joined the audit queue."""
    rows = audits.collecting(ctx.session, ctx.portal.id, limit)
    if not rows:
        ctx.session.rollback()
        return 0
    cmds: dict[str, tuple[str, dict]] = {}
    for row in rows:
        cmds.update(evidence.reads(row))
    ids = [row.id for row in rows]
    ctx.session.commit()  # no transaction stays open while we wait on the portal
    batch = ctx.b24.batch(cmds)
    write_lock(ctx.session)
    cfg = config.load(ctx.session, ctx.portal.id)
    controller = config.controller(ctx.session, ctx.portal.id, cfg)
    done = 0
    for row in ctx.session.scalars(select(Rejection).where(
            Rejection.id.in_(ids), Rejection.state == "collecting")):
        try:
            with ctx.session.begin_nested():
                finish(ctx, cfg, row, activities=batch.results.get(f"a{row.id}"),
                       comments=batch.results.get(f"c{row.id}"), controller=controller)
        except Exception as exc:  # one odd rejection never blocks the queue behind it
            logger.exception("audits.rejection.evidence_failed", extra={
                "member_id": ctx.portal.member_id, "rejection": row.id})
            row.state, row.evidence = "open", {"error": f"{type(exc).__name__}: {exc}"}
        done += 1
    ctx.session.commit()
    return done


def call_back_if_due(ctx: ActionContext, cfg: config.AuditConfig, row: Rejection,
                     controller: int | None) -> None:
    """A suspicious or sampled rejection gets the controller's callback (once, however often
    it is scored)."""
    if row.score >= cfg.suspicious_score or row.sampled:
        audits.schedule_callback(ctx.session, ctx.portal.id, row.id,
                                 due_at=row.rejected_at + timedelta(days=cfg.callback_days),
                                 responsible_id=controller)


def finish(ctx: ActionContext, cfg: config.AuditConfig, row: Rejection, *, activities: object,
           comments: object, controller: int | None) -> None:
    """Evidence, score and sample are derived from stored facts, so a rerun agrees."""
    if not row.reason:
        row.reason = evidence.last_comment(comments, manager_id=row.manager_id,
                                           app_user=ctx.portal.installer_user_id)
    missing = list((row.evidence or {}).get("missing") or [])  # the lead rules' findings
    ev = evidence.gather(ctx.session, ctx.portal.id, row, cfg, activity_items=activities,
                         comment_items=comments, now=ctx.now)
    ev.missing = missing + (["reason"] if not row.reason and "reason" not in missing else [])
    ev.talks = transcript_talks(ctx.session, ctx.portal.id, activities,
                                [c.activity_id for c in ev.calls if c.activity_id])
    found = score.reasons(ev, row.reason, cfg)
    row.reasons, row.score, row.evidence = found, score.score(found, cfg), ev.as_json()
    row.sampled = score.sampled(row.entity_type, row.b24_entity_id, cfg.sample_percent)
    row.state = "open"
    call_back_if_due(ctx, cfg, row, controller)
    logger.info("audits.rejection.scored", extra={
        "member_id": ctx.portal.member_id, "rejection": row.id, "score": row.score,
        "reasons": found, "sampled": row.sampled})
