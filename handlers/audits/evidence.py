"""What was done before a rejection: calls from our Call table, activities and comments from
the portal (one batch for many rejections), the claim from the exchange journal, the rates.

Calls count when they belong to the client (one of its phones, or bound to the deal, the lead,
the contact or the company) and fall between the deal's creation and the rejection.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from b24.values import to_int
from handlers.audits import leads, stats
from handlers.audits.config import AuditConfig
from handlers.audits.score import CallFact, Evidence
from store.audits_models import Rejection
from store.models import Call, Contact, Deal

CALL_SLACK = timedelta(minutes=5)  # the call's statistics row may be stamped a little late
ACTIVITY_TYPES = {1: "meeting", 2: "call", 3: "task", 4: "email", 6: "todo"}
ACTIVITY_SELECT = ["ID", "TYPE_ID", "PROVIDER_ID", "SUBJECT", "DIRECTION", "COMPLETED",
                   "CREATED", "RESPONSIBLE_ID"]
OWNER_TYPE = {"deal": 2, "lead": 1}


def reads(row: Rejection) -> dict[str, tuple[str, dict[str, Any]]]:
    """The two portal reads of one rejection (a batch carries 25 rejections per request)."""
    owner = {"OWNER_TYPE_ID": OWNER_TYPE[row.entity_type], "OWNER_ID": row.b24_entity_id}
    return {
        f"a{row.id}": ("crm.activity.list", {"filter": owner, "select": ACTIVITY_SELECT,
                                             "order": {"ID": "ASC"}}),
        f"c{row.id}": ("crm.timeline.comment.list", {
            "filter": {"ENTITY_ID": row.b24_entity_id, "ENTITY_TYPE": row.entity_type},
            "select": ["ID", "COMMENT", "CREATED", "AUTHOR_ID"], "order": {"ID": "ASC"}}),
    }


def client_phones(session: Session, portal_id: int, row: Rejection) -> list[str]:
    keys = [("CONTACT", row.contact_id), ("COMPANY", row.company_id)]
    wanted = [and_(Contact.entity_type == t, Contact.b24_id == i) for t, i in keys if i]
    phones: list[str] = []
    if row.entity_type == "lead":
        track = leads.lead_track(session, portal_id, row.b24_entity_id)
        phones.extend(track.phones or [] if track else [])
    if not wanted:
        return sorted(set(phones))
    for contact in session.scalars(select(Contact).where(Contact.portal_id == portal_id,
                                                         or_(*wanted))):
        phones.extend(p for p in contact.phones or [] if p)
    return sorted(set(phones))


def calls(session: Session, portal_id: int, row: Rejection, lead_id: int | None,
          phones: list[str]) -> list[CallFact]:
    bound = [("DEAL" if row.entity_type == "deal" else "LEAD", row.b24_entity_id),
             ("CONTACT", row.contact_id), ("COMPANY", row.company_id), ("LEAD", lead_id)]
    match = [and_(Call.crm_entity_type == t, Call.crm_entity_id == i) for t, i in bound if i]
    if phones:
        match.append(Call.phone.in_(phones))
    since = (row.created_at or row.rejected_at - timedelta(days=30)) - CALL_SLACK
    found = session.scalars(select(Call).where(
        Call.portal_id == portal_id, or_(*match), Call.start_at >= since,
        Call.start_at <= row.rejected_at + CALL_SLACK).order_by(Call.start_at))
    return [CallFact(c.start_at.isoformat(), int(c.duration or 0), bool(c.answered),
                     c.call_type == 1, c.user_id == row.manager_id, c.record_url, c.phone,
                     c.id if c.record_file_id else None, c.crm_activity_id)
            for c in found]


def activities(items: Any) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Counts per kind and a short list; calls are taken from our own Call table instead."""
    rows = [a for a in (items or []) if isinstance(a, Mapping)]
    kinds = Counter(ACTIVITY_TYPES.get(to_int(a.get("TYPE_ID")) or 0, "other") for a in rows)
    shown = [{"kind": ACTIVITY_TYPES.get(to_int(a.get("TYPE_ID")) or 0, "other"),
              "subject": str(a.get("SUBJECT") or "")[:200], "created": a.get("CREATED"),
              "completed": a.get("COMPLETED") == "Y"} for a in rows[-10:]]
    return dict(kinds), shown


def last_comment(items: Any, *, manager_id: int | None, app_user: int | None) -> str | None:
    """The manager's last comment, else the last one not written by the app itself."""
    rows = [c for c in (items or []) if isinstance(c, Mapping) and str(c.get("COMMENT") or "")]
    for want in (lambda c: to_int(c.get("AUTHOR_ID")) == manager_id,
                 lambda c: to_int(c.get("AUTHOR_ID")) != app_user):
        mine = [c for c in rows if want(c)]
        if mine:
            return str(mine[-1]["COMMENT"]).strip()[:2000]
    return None


def gather(session: Session, portal_id: int, row: Rejection, cfg: AuditConfig, *,
           activity_items: Any, comment_items: Any, now: datetime) -> Evidence:
    deal = session.scalar(select(Deal).where(Deal.portal_id == portal_id,
                                             Deal.b24_deal_id == row.b24_entity_id)) \
        if row.entity_type == "deal" else None
    ev = Evidence()
    ev.calls = calls(session, portal_id, row, deal.lead_id if deal else None,
                     client_phones(session, portal_id, row))
    ev.activities, ev.activity_list = activities(activity_items)
    ev.comments = len([c for c in comment_items or [] if isinstance(c, Mapping)])
    if row.claimed_at is not None:
        ev.minutes_since_claim = round((row.rejected_at - row.claimed_at).total_seconds() / 60, 1)
    lost, closed, team = stats.manager_rate(session, portal_id, row.manager_id,
                                            since=now - timedelta(days=cfg.rate_window_days),
                                            min_closed=cfg.rate_min_closed)
    ev.manager_lost, ev.manager_closed, ev.team_rate = lost, closed, team
    return ev

