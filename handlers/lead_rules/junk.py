"""Junk needs a reason and evidence: a lead moved to a failure status is checked at once.

"flag" (default): the lead stays junk and goes to the audit queue with what is missing.
"block": the app puts the previous status back and tells the manager what is missing. Our
own restore never loops: the mirror is set to the restored status at once (the echo event
finds nothing new), and the journal key (lead + the moment of the move) counts a retried event
once. Writes are queued again on a retry (the portal may not have taken them); notifications
carry a TAG, so a resent one replaces the first instead of doubling it (§11).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from b24.errors import B24ApiError
from b24.values import to_int
from handlers import notify
from handlers.context import HandlerContext, ReadMissing
from handlers.lead_rules import evidence, texts
from handlers.lead_rules.config import LeadRulesConfig
from handlers.lead_rules.statuses import Statuses
from store import lead_rules as store
from store.leads_models import LeadTrack
from store.models import Call, Lead

logger = logging.getLogger(__name__)
CLOCK_SLACK = timedelta(minutes=5)  # a call logged a moment before the lead's own stamp


def activities_key(lead_id: int) -> str:
    return f"lead_activities:{lead_id}"


def attempts(ctx: HandlerContext, lead: Lead, track: LeadTrack) -> list[evidence.Attempt]:
    """Contact attempts since the lead appeared: calls by its phones or bound to it, and its
    activities (calls, e-mails, meetings) from the prefetched crm.activity.list."""
    match = and_(Call.crm_entity_type == "LEAD", Call.crm_entity_id == lead.b24_lead_id)
    if track.phones:
        match = or_(match, Call.phone.in_(track.phones))
    stmt = select(Call).where(Call.portal_id == ctx.portal.id, match)
    if lead.date_create:
        stmt = stmt.where(Call.start_at >= lead.date_create - CLOCK_SLACK)
    found = evidence.from_calls(ctx.session.scalars(stmt))
    try:
        rows = ctx.read(activities_key(lead.b24_lead_id)) or []
    except ReadMissing:  # a lead just added: no activities can exist yet
        rows = []
    except B24ApiError as exc:  # no access to activities: the call table still counts
        logger.warning("lead_rules.junk.activities_unreadable", extra={
            "member_id": ctx.portal.member_id, "lead": lead.b24_lead_id, "error": str(exc)})
        rows = []
    return found + evidence.from_activities(r for r in rows if isinstance(r, Mapping))


def check(ctx: HandlerContext, cfg: LeadRulesConfig, statuses: Statuses, lead: Lead,
          track: LeadTrack, previous: tuple[str, str] | None, fields: Mapping[str, Any]) -> None:
    """The lead has just moved to a failure status: is the rejection backed?"""
    verdict = evidence.judge(attempts(ctx, lead, track), kinds=cfg.evidence_kinds,
                             min_call_seconds=cfg.min_call_seconds)
    missing = list(verdict.missing)
    if cfg.reason_mode == "field" and not track.junk_reason:
        missing.insert(0, "reason")
    lid, stamp = lead.b24_lead_id, str(fields.get("MOVED_TIME") or fields.get("DATE_MODIFY"))
    by = to_int(fields.get("MOVED_BY_ID")) or to_int(fields.get("MODIFY_BY_ID"))
    detail = {"status": lead.status_id, "reason": track.junk_reason, "missing": missing,
              "by": by, **verdict.summary()}
    if not missing:
        store.journal(ctx.session, ctx.portal.id, lead_id=lid, kind="junk_ok",
                      user_id=lead.assigned_by_id, at=ctx.now, key=f"junk:{lid}:{stamp}",
                      detail=detail)
        return
    if cfg.junk_mode == "block":
        _block(ctx, cfg, statuses, lead, track, previous, detail, stamp)
    else:
        _flag(ctx, cfg, lead, track, detail, stamp)
    logger.info("lead_rules.junk.unproven", extra={
        "member_id": ctx.portal.member_id, "lead": lid, "mode": cfg.junk_mode,
        "missing": ",".join(missing)})


def _flag(ctx: HandlerContext, cfg: LeadRulesConfig, lead: Lead, track: LeadTrack,
          detail: dict[str, Any], stamp: str) -> None:
    lid = lead.b24_lead_id
    store.add_audit(ctx.session, ctx.portal.id, key=f"audit:{lid}:{stamp}", b24_lead_id=lid,
                    status_id=lead.status_id, reason=track.junk_reason,
                    manager_id=lead.assigned_by_id, junked_by=detail["by"],
                    missing=detail["missing"], mode="flag", state="open", junked_at=ctx.now,
                    evidence={k: detail[k] for k in ("calls", "longest_call", "found")}
                    | {"min_call_seconds": cfg.min_call_seconds})
    store.journal(ctx.session, ctx.portal.id, lead_id=lid, kind="flagged",
                  user_id=lead.assigned_by_id, at=ctx.now, key=f"flagged:{lid}:{stamp}",
                  detail=detail)


def _block(ctx: HandlerContext, cfg: LeadRulesConfig, statuses: Statuses, lead: Lead,
           track: LeadTrack, previous: tuple[str, str] | None, detail: dict[str, Any],
           stamp: str) -> None:
    lid, lang, junk_status = lead.b24_lead_id, ctx.portal.lang, lead.status_id
    back = previous[0] if previous and previous[1] == "P" else \
        (track.open_status_id or statuses.first_open)
    ctx.write("crm.lead.update", {"id": lid, "fields": {"STATUS_ID": back}},
              key=f"lead-status:{lid}")
    lead.status_id, lead.status_semantic = back, "P"  # optimistic: the echo changes nothing
    missing = texts.missing_text(detail["missing"], lang, seconds=cfg.min_call_seconds,
                                 longest=detail["longest_call"])
    manager = detail["by"] or lead.assigned_by_id
    if manager:
        ctx.write(*notify.notify(manager, texts.text(
            "blocked", lang, title=lead.title, status=statuses.name(junk_status),
            missing=missing, back=statuses.name(back)), tag=f"lead-blocked-{lid}"),
            key=f"notify-blocked:{lid}")
    if store.journal(ctx.session, ctx.portal.id, lead_id=lid, kind="blocked", user_id=manager,
                     at=ctx.now, key=f"blocked:{lid}:{stamp}", detail=detail | {"back": back}):
        ctx.write(*lead_comment(lid, texts.text("blocked_comment", lang,
                                                status=statuses.name(junk_status),
                                                missing=missing)),
                  key=f"comment-blocked:{lid}:{stamp}")


def lead_comment(lead_id: int, comment: str) -> tuple[str, dict]:
    """crm.timeline.comment.add on a lead (lower-case `fields`, §8.7)."""
    return "crm.timeline.comment.add", {"fields": {
        "ENTITY_ID": lead_id, "ENTITY_TYPE": "lead", "COMMENT": comment}}
