"""What people do in the emulated portal: managers dragging cards, web forms, phone calls.

Every action goes through `portal.invoke(..., user_id=...)` (the UI path: no HTTP, events fire
with that user's identity, §3.2), so the app under test sees exactly what a real portal would
send. User 0 is automation (web forms, robots): its events carry no tokens (§3.2,
EN:_includes/auth-params-in-events.md). Built-in (Voximplant) calls have no REST method; they
are written by sandbox.methods.voximplant.record_call under the portal lock, with
ONVOXIMPLANTCALLINIT / ONVOXIMPLANTCALLSTART (answered only) / ONVOXIMPLANTCALLEND (§4.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.crm_common import find_by_phone
from sandbox.methods import voximplant as vox
from sandbox.methods.telephony_line import create_call_lead
from sandbox.registry import CallContext

AUTOMATION = 0
PORTAL_LINE = "reg150908"  # the rented number's line id in events (§4.2 ACCOUNT_SEARCH_ID)


def move_stage(portal: Any, user_id: int, deal_id: int, stage_id: str, **fields: Any) -> None:
    """A manager drags a Kanban card to another stage (optionally editing fields with it)."""
    portal.invoke("crm.deal.update", {"id": deal_id, "fields": {"STAGE_ID": stage_id, **fields}},
                  user_id=user_id)


def claim_deal(portal: Any, user_id: int, deal_id: int) -> None:
    """A manager takes a card from the lead exchange: ASSIGNED_BY_ID becomes themself."""
    portal.invoke("crm.deal.update", {"id": deal_id, "fields": {"ASSIGNED_BY_ID": user_id}},
                  user_id=user_id)


def claim_lead(portal: Any, user_id: int, lead_id: int) -> None:
    portal.invoke("crm.lead.update", {"id": lead_id, "fields": {"ASSIGNED_BY_ID": user_id}},
                  user_id=user_id)


def edit(portal: Any, user_id: int, entity: str, entity_id: int, **fields: Any) -> None:
    """Any field edit in a card (entity: deal, lead, contact, company)."""
    portal.invoke(f"crm.{entity}.update", {"id": entity_id, "fields": fields}, user_id=user_id)


def comment(portal: Any, user_id: int, entity: str, entity_id: int, text: str) -> int:
    return portal.invoke("crm.timeline.comment.add", {"fields": {
        "ENTITY_ID": entity_id, "ENTITY_TYPE": entity, "COMMENT": text}}, user_id=user_id)


def final_stage(portal: Any, deal_id: int, code: str) -> str:
    """WON/LOSE/APOLOGY of the card's own funnel (`C{N}:` prefix outside funnel 0, §8.3)."""
    deal = portal.table("crm.deal").get(int(deal_id)) or {}
    category = int(deal.get("CATEGORY_ID") or 0)
    return f"C{category}:{code}" if category else code


def lose_deal(portal: Any, user_id: int, deal_id: int, reason: str,
              stage: str | None = None) -> None:
    """Close as lost with the reason in COMMENTS and in the timeline, as managers do."""
    move_stage(portal, user_id, deal_id, stage or final_stage(portal, deal_id, "LOSE"),
               COMMENTS=reason)
    comment(portal, user_id, "deal", deal_id, reason)


def win_deal(portal: Any, user_id: int, deal_id: int, stage: str | None = None) -> None:
    move_stage(portal, user_id, deal_id, stage or final_stage(portal, deal_id, "WON"))


def phone_fields(phone: str | None, email: str | None = None) -> dict:
    out: dict[str, Any] = {}
    if phone:
        out["PHONE"] = [{"VALUE": phone, "VALUE_TYPE": "WORK"}]
    if email:
        out["EMAIL"] = [{"VALUE": email, "VALUE_TYPE": "WORK"}]
    return out


def web_form_lead(portal: Any, *, name: str, phone: str | None, assigned_by: int,
                  email: str | None = None, title: str | None = None,
                  source: str = "WEBFORM") -> int:
    """A site form creates a lead (automation, no tokens in the event)."""
    fields = {"TITLE": title or f"Заявка с сайта: {name}", "NAME": name, "SOURCE_ID": source,
              "STATUS_ID": "NEW", "ASSIGNED_BY_ID": assigned_by, **phone_fields(phone, email)}
    return portal.invoke("crm.lead.add", {"fields": fields}, user_id=AUTOMATION)


def web_form_deal(portal: Any, *, name: str, phone: str, assigned_by: int,
                  title: str | None = None, source: str = "WEBFORM",
                  opportunity: float = 0) -> tuple[int, int, bool]:
    """A form in deal mode: finds the contact by phone or creates it, then the deal.

    Returns (deal id, contact id, whether the contact already existed)."""
    found = find_by_phone(portal, phone, ("CONTACT",))  # the form's own duplicate control
    known = bool(found)
    if known:
        contact_id = int(found[0][1]["ID"])
    else:
        contact_id = portal.invoke("crm.contact.add", {"fields": {
            "NAME": name, "SOURCE_ID": source, "ASSIGNED_BY_ID": assigned_by,
            **phone_fields(phone)}}, user_id=AUTOMATION)
    deal_id = portal.invoke("crm.deal.add", {"fields": {
        "TITLE": title or f"Заявка: {name}", "CONTACT_ID": contact_id, "SOURCE_ID": source,
        "ASSIGNED_BY_ID": assigned_by, "OPPORTUNITY": opportunity}}, user_id=AUTOMATION)
    return deal_id, contact_id, known


@dataclass(frozen=True)
class CallLog:
    call_id: str
    call_type: int
    user_id: int
    phone: str
    start: datetime
    duration: int
    failed_code: str
    crm_type: str | None
    crm_id: int | None
    activity_id: int | None
    created_lead: int | None


def call(portal: Any, *, user_id: int, phone: str, incoming: bool, duration: int = 0,
         answered: bool = True, crm_create: bool | None = None, failed_code: str | None = None,
         call_type: int | None = None, advance_clock: bool = True,
         vote: int | None = None) -> CallLog:
    """A built-in telephony call as it happens: INIT, START if answered, statistics + END.

    `vote`: the client's rating of the call after it (1-5), kept as CALL_VOTE of the
    statistics row (voximplant-statistic-get.md; only an answered call can be rated).
    Unknown inbound numbers get a lead when crm_create, which defaults to the portal's
    `telephony_creates_leads` switch (on, as on a new portal); the clock moves on by the
    call's length so later actions come after it."""
    with portal.lock:
        ctx = CallContext(portal, user_id, app_context=False,
                          is_admin=portal.is_admin(user_id))
        start = portal.clock.now()
        kind = call_type or (2 if incoming else 1)
        call_id = vox.new_call_id(portal, phone, start, external=False)
        ctx.emit("ONVOXIMPLANTCALLINIT", {
            "CALL_ID": call_id, "CALL_TYPE": str(kind), "ACCOUNT_SEARCH_ID": PORTAL_LINE,
            "PHONE_NUMBER": PORTAL_LINE if incoming else phone,
            "CALLER_ID": phone if incoming else PORTAL_LINE})
        match = vox.match_crm(portal, phone)
        created = None
        if crm_create is None:
            crm_create = portal.telephony_creates_leads
        if match is None and incoming and crm_create:
            created = create_call_lead(ctx, phone, user_id, kind)
            match = ("LEAD", created)
        if answered:
            ctx.emit("ONVOXIMPLANTCALLSTART", {"CALL_ID": call_id, "USER_ID": str(user_id)})
        code = failed_code or ("200" if answered else "304")
        seconds = duration if answered else 0
        if advance_clock and seconds:
            portal.clock.advance(seconds)
        row = vox.record_call(ctx, vox.CallFacts(
            call_id, kind, user_id, phone, start, seconds, code,
            None if incoming or code != "304" else "Call canceled", PORTAL_LINE,
            crm_type=match[0] if match else None, crm_id=match[1] if match else None,
            recorded=True, vote=vox.vote_of(vote) if answered else None))
    activity = row["CRM_ACTIVITY_ID"]
    return CallLog(call_id, kind, user_id, phone, start, seconds, code,
                   match[0] if match else None, match[1] if match else None,
                   int(activity) if activity else None, created)


def call_back(portal: Any, *, user_id: int, phone: str, duration: int,
              answered: bool = True) -> CallLog:
    """A manager dials back a number (an outgoing call)."""
    return call(portal, user_id=user_id, phone=phone, incoming=False, duration=duration,
                answered=answered)
