"""Store functions of the lead rules: tracks, the journal, the audit queue, conversions.

Journal and audit rows are written once per dedupe key (insert .. on conflict do nothing), so a
retried event or a job run twice records nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, or_, select, update
from sqlalchemy.orm import Session

from store.db import upsert_insert
from store.leads_models import LeadConversion, LeadJunkAudit, LeadRuleEvent, LeadTrack
from store.models import Contact, Deal, Lead, Stage


def find_track(session: Session, portal_id: int, lead_id: int) -> LeadTrack | None:
    return session.scalar(select(LeadTrack).where(LeadTrack.portal_id == portal_id,
                                                  LeadTrack.b24_lead_id == lead_id))


def upsert_track(session: Session, portal_id: int, lead_id: int, now: datetime) -> LeadTrack:
    row = find_track(session, portal_id, lead_id)
    if row is None:
        row = LeadTrack(portal_id=portal_id, b24_lead_id=lead_id, updated_at=now,
                        phones=[], emails=[])
        session.add(row)
    return row


def find_lead(session: Session, portal_id: int, lead_id: int) -> Lead | None:
    return session.scalar(select(Lead).where(Lead.portal_id == portal_id,
                                             Lead.b24_lead_id == lead_id))


def lead_statuses(session: Session, portal_id: int) -> list[Stage]:
    """The portal's lead statuses (crm.status.list ENTITY_ID=STATUS, §8.3) in funnel order."""
    return list(session.scalars(select(Stage).where(
        Stage.portal_id == portal_id, Stage.entity_id == "STATUS").order_by(Stage.sort,
                                                                              Stage.id)))


def journal(session: Session, portal_id: int, *, lead_id: int, kind: str, user_id: int | None,
            at: datetime, key: str, detail: dict[str, Any] | None = None) -> bool:
    """Record once per key; True when this call recorded it."""
    stmt = upsert_insert(session)(LeadRuleEvent).values(
        portal_id=portal_id, b24_lead_id=lead_id, kind=kind, user_id=user_id,
        detail=detail or {}, at=at, dedupe_key=key[:128]).on_conflict_do_nothing()
    return session.execute(stmt.returning(LeadRuleEvent.id)).first() is not None


def add_audit(session: Session, portal_id: int, *, key: str, **values: Any) -> bool:
    """Queue a junked lead for the audit (issue 06) once per key."""
    stmt = upsert_insert(session)(LeadJunkAudit).values(
        portal_id=portal_id, dedupe_key=key[:128], **values).on_conflict_do_nothing()
    return session.execute(stmt.returning(LeadJunkAudit.id)).first() is not None


def open_audits(session: Session, portal_id: int,
                lead_id: int | None = None) -> list[LeadJunkAudit]:
    stmt = select(LeadJunkAudit).where(LeadJunkAudit.portal_id == portal_id,
                                       LeadJunkAudit.state == "open")
    if lead_id is not None:
        stmt = stmt.where(LeadJunkAudit.b24_lead_id == lead_id)
    return list(session.scalars(stmt.order_by(LeadJunkAudit.junked_at.desc())))


def contacts_by(session: Session, portal_id: int, *, phones: Iterable[str] = (),
                emails: Iterable[str] = (), entity_type: str = "CONTACT") -> list[Contact]:
    """Mirror contacts (or companies) holding any of the normalised phones or e-mails.

    The JSON text is searched with LIKE on the quoted value (portable across SQLite and
    PostgreSQL), then confirmed in Python so '+7912' never matches '+79120'."""
    phones, emails = [p for p in phones if p], [e.lower() for e in emails if e]
    needles = [f'%"{v}"%' for v in (*phones, *emails)]
    if not needles:
        return []
    rows = session.scalars(select(Contact).where(
        Contact.portal_id == portal_id, Contact.entity_type == entity_type,
        or_(*(cast(Contact.phones, String).like(n) for n in needles),
            *(cast(Contact.emails, String).like(n) for n in needles)))
        .order_by(Contact.b24_id))
    return [c for c in rows if set(c.phones or ()) & set(phones)
            or set(c.emails or ()) & set(emails)]


def open_deal_of(session: Session, portal_id: int, contact_id: int) -> Deal | None:
    """The client's newest open deal: whoever holds it should hear about a repeat request."""
    return session.scalar(select(Deal).where(
        Deal.portal_id == portal_id, Deal.contact_id == contact_id, Deal.stage_semantic == "P",
        Deal.deleted.is_(False)).order_by(Deal.date_create.desc(), Deal.b24_deal_id.desc())
        .limit(1))


def find_conversion(session: Session, portal_id: int, lead_id: int) -> LeadConversion | None:
    return session.scalar(select(LeadConversion).where(LeadConversion.portal_id == portal_id,
                                                       LeadConversion.b24_lead_id == lead_id))


def claim_conversion(session: Session, portal_id: int, lead_id: int, *, user_id: int,
                     now: datetime, stale_after: timedelta) -> tuple[LeadConversion, bool]:
    """Compare-and-set: of two clicks exactly one runs; a run left behind is taken over.

    Returns the row and whether this caller now owns the run."""
    stmt = upsert_insert(session)(LeadConversion).values(
        portal_id=portal_id, b24_lead_id=lead_id, state="running", user_id=user_id,
        started_at=now).on_conflict_do_nothing()
    if session.execute(stmt.returning(LeadConversion.id)).first() is not None:
        return find_conversion(session, portal_id, lead_id), True
    row = find_conversion(session, portal_id, lead_id)
    if row.state == "done":
        return row, False
    taken = session.execute(update(LeadConversion).where(
        LeadConversion.id == row.id, LeadConversion.started_at == row.started_at,
        or_(LeadConversion.state == "failed", LeadConversion.started_at < now - stale_after))
        .values(state="running", user_id=user_id, started_at=now, error=None)
        .execution_options(synchronize_session=False)).rowcount == 1
    session.refresh(row)
    return row, taken
