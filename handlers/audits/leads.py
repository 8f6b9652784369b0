"""Junk leads from the lead rules' audit queue (issue 05) become rejections here.

The lead rules queue a lead closed as junk without a reason or without proof of a contact
attempt (store.leads_models.LeadJunkAudit, state "open"). We take each open row ("taken"),
record it as a rejection with entity_type "lead" (the junk status is the reason category,
their `missing` list feeds the "evidence_missing" reason), so the same evidence, score,
callback and audit page apply; the verdict is written back to their row (confirmed |
false_rejection).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handlers.exchange.actions import ActionContext
from store import audits
from store.audits_models import Rejection
from store.db import write_lock
from store.leads_models import LeadJunkAudit, LeadTrack
from store.models import Lead

VERDICTS = ("confirmed", "false_rejection", "taken")  # "taken" again: a verdict taken back


def import_lead_audits(ctx: ActionContext, limit: int = 200) -> int:
    """Rejections recorded from the lead rules' open junk audits."""
    write_lock(ctx.session)
    queued = list(ctx.session.scalars(select(LeadJunkAudit).where(
        LeadJunkAudit.portal_id == ctx.portal.id, LeadJunkAudit.state == "open")
        .order_by(LeadJunkAudit.id).limit(limit)))
    taken = 0
    for item in queued:
        lead = ctx.session.scalar(select(Lead).where(Lead.portal_id == ctx.portal.id,
                                                     Lead.b24_lead_id == item.b24_lead_id))
        audits.record_rejection(ctx.session, ctx.portal.id, key=f"lead_audit:{item.id}", values={
            "entity_type": "lead", "b24_entity_id": item.b24_lead_id,
            "title": lead.title if lead else "", "category_id": None,
            "stage_id": item.status_id, "reason": item.reason,
            "manager_id": item.manager_id or item.junked_by,
            "contact_id": lead.contact_id if lead else None,
            "company_id": lead.company_id if lead else None,
            "created_at": lead.date_create if lead else None, "claimed_at": None,
            "rejected_at": item.junked_at, "lead_audit_id": item.id,
            "evidence": {"missing": list(item.missing or [])}})
        taken += ctx.session.execute(update(LeadJunkAudit).where(
            LeadJunkAudit.id == item.id, LeadJunkAudit.state == "open").values(state="taken")
            .execution_options(synchronize_session=False)).rowcount
    ctx.session.commit()
    return taken


def lead_track(session: Session, portal_id: int, lead_id: int) -> LeadTrack | None:
    """The lead rules' view of a lead: its normalised phones and last open status."""
    return session.scalar(select(LeadTrack).where(LeadTrack.portal_id == portal_id,
                                                       LeadTrack.b24_lead_id == lead_id))


def settle(ctx: ActionContext, row: Rejection, state: str) -> None:
    """Write the verdict back to the lead rules' queue row."""
    if row.lead_audit_id is None or state not in VERDICTS:
        return
    ctx.session.execute(update(LeadJunkAudit).where(
        LeadJunkAudit.portal_id == ctx.portal.id, LeadJunkAudit.id == row.lead_audit_id)
        .values(state=state).execution_options(synchronize_session=False))
