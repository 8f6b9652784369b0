"""Run the queued call work against the portal, one item at a time, saving each answer at once.

Items run in queue order, so a deal is created before its first comment. Each step that the
next one depends on (the PBX call's CALL_ID, the contact id, the deal id) is committed before
the next request, and a repeated step finds its earlier result: register answers the same
CALL_ID for the same EXTERNAL_CALL_ID within 30 minutes (§9.2), and contacts and deals carry
ORIGINATOR_ID/ORIGIN_ID so a retry after a lost answer looks them up instead of adding twins.
No transaction stays open while a request is in flight (SQLite has one writer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import or_, select, update

from b24.errors import B24ApiError, B24Error, PortalGone
from b24.values import iso, to_int
from handlers import formats, origins
from handlers.exchange import config as exchange_config
from handlers.exchange.actions import ActionContext
from handlers.lead_rules.statuses import Statuses
from handlers.telephony import config as telephony_config
from handlers.telephony import pbx_work, texts
from store import mirror
from store import telephony as store
from store.db import write_lock
from store.models import User
from store.telephony_models import CallDeal, CallWork

logger = logging.getLogger(__name__)
ORIGINATOR = origins.ORIGINATOR
MAX_ATTEMPTS = 8
WAIT = pbx_work.WAIT  # not ready (its deal is not made yet): again soon, no attempt spent


def run_due(ctx: ActionContext, *, limit: int = 50) -> dict[str, int]:
    """Run up to `limit` due items of one portal; returns counts by outcome."""
    counts: dict[str, int] = {}
    ctx.session.commit()
    for item_id in [w.id for w in store.due_work(ctx.session, ctx.portal.id, ctx.now, limit)]:
        item = ctx.session.get(CallWork, item_id)
        try:
            outcome = RUNNERS[item.kind](ctx, item)
        except PortalGone:
            raise
        except (B24Error, LookupError) as exc:
            ctx.session.rollback()
            outcome = _failed(ctx, ctx.session.get(CallWork, item_id), exc)
        else:
            _settle(ctx, item, outcome)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _settle(ctx: ActionContext, item: CallWork, outcome: str) -> None:
    write_lock(ctx.session)
    if outcome == WAIT:
        item.next_attempt_at = ctx.now + timedelta(seconds=10)
    else:
        item.status, item.done_at = outcome, ctx.now
    ctx.session.commit()


def _failed(ctx: ActionContext, item: CallWork, exc: Exception) -> str:
    write_lock(ctx.session)
    item.attempts += 1
    item.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    permanent = not getattr(exc, "transient", True)
    give_up = item.attempts >= MAX_ATTEMPTS or (permanent and item.attempts >= 3)
    if give_up:
        item.status = "failed"
        if item.kind == "deal" and item.call_deal_id:
            ctx.session.get(CallDeal, item.call_deal_id).status = "failed"
    else:
        item.next_attempt_at = ctx.now + timedelta(seconds=min(30 * 2 ** item.attempts, 3600))
    logger.warning("telephony.work.failed", extra={
        "member_id": ctx.portal.member_id, "kind": item.kind, "key": item.key,
        "attempts": item.attempts, "error": item.last_error, "gave_up": give_up})
    ctx.session.commit()
    return "failed" if give_up else "retry"


def _by_origin(ctx: ActionContext, entity: str, origin: str) -> int | None:
    rows = ctx.b24.call(f"crm.{entity}.list", {
        "filter": {"ORIGINATOR_ID": ORIGINATOR, "ORIGIN_ID": origin}, "select": ["ID"]})
    return to_int(rows[0]["ID"]) if rows else None


def _run_deal(ctx: ActionContext, item: CallWork) -> str:
    """Contact (unless the client is known), then the deal on the exchange.

    Both are made with crm.item.add, the documented way to convert a lead (§8.4: LEAD_ID is
    read-only elsewhere and set by leadId): when the portal's telephony made a lead for the
    call, the contact and deal carry it and the lead moves to the success status, so the caller
    is one lead -> contact -> deal chain, not a lead beside a second client."""
    cd = ctx.session.get(CallDeal, item.call_deal_id)
    if cd.b24_deal_id:
        return "done"
    call = store.find_call(ctx.session, ctx.portal.id, item.call_id or "")
    if call is None:
        raise LookupError(f"call {item.call_id} is gone")
    lang, origin, retry = ctx.portal.lang, f"call:{item.call_id}", item.attempts > 0
    phone, line = call.phone or call.phone_raw, call.line or "—"
    success = Statuses.load(ctx.session, ctx.portal.id).success
    ctx.session.commit()
    lead = _open_lead(ctx, to_int((item.payload or {}).get("lead")))
    if cd.contact_id is None and cd.company_id is None:
        contact = (_by_origin(ctx, "contact", origin) if retry else None) or _add(ctx, 3, {
            "name": texts.pretty(phone), "sourceId": "CALL", "opened": "Y",
            "assignedById": item.responsible_id, "originatorId": ORIGINATOR, "originId": origin,
            "fm": [{"typeId": "PHONE", "valueType": "WORK", "value": phone}]}, lead)
        write_lock(ctx.session)
        cd.contact_id = to_int(contact)
        ctx.session.commit()
    deal = (_by_origin(ctx, "deal", origin) if retry else None) or _add(
        ctx, 2, _deal_fields(item, cd, lang=lang, phone=phone, line=line), lead)
    if lead:  # the lead is done: its client and deal exist (a retry repeats this harmlessly)
        ctx.b24.call("crm.lead.update", {"id": lead, "fields": {
            "STATUS_ID": success, "CONTACT_ID": cd.contact_id}})
    fields = _for_answerer(ctx, item, to_int(deal))
    write_lock(ctx.session)
    if fields:
        mirror.upsert_deal(ctx.session, ctx.portal.id, fields)
    cd.b24_deal_id, cd.status = to_int(deal), "open"
    ctx.session.execute(update(CallWork).where(  # work waiting for this deal: due now
        or_(CallWork.call_deal_id == cd.id, CallWork.call_id == item.call_id),
        CallWork.status == "pending")
        .values(next_attempt_at=ctx.now).execution_options(synchronize_session=False))
    logger.info("telephony.deal.created", extra={"member_id": ctx.portal.member_id,
                                                  "deal": cd.b24_deal_id, "call": item.call_id,
                                                  "lead": lead})
    return "done"


def _for_answerer(ctx: ActionContext, item: CallWork, deal_id: int | None) -> dict | None:
    """The deal as the portal has it when it is the answering manager's, not the exchange's:
    mirrored at once, its ONCRMDEALADD is no unassigned new deal to move onto the exchange."""
    exchange_user = exchange_config.load(ctx.session, ctx.portal.id).exchange_user_id
    ctx.session.commit()
    if not deal_id or item.responsible_id in (None, exchange_user):
        return None
    return ctx.b24.call("crm.deal.get", {"id": deal_id}) or None


def _deal_fields(item: CallWork, cd: CallDeal, *, lang: str, phone: str,
                 line: str) -> dict[str, object]:
    """The exchange deal for the call, in crm.item.add's camelCase fields."""
    fields: dict[str, object] = {
        "title": texts.text("deal_title", lang, phone=texts.pretty(phone)),
        "categoryId": (item.payload or {}).get("category", 0),
        "assignedById": item.responsible_id, "sourceId": "CALL",
        "sourceDescription": texts.text("line", lang, line=line), "opened": "Y",
        "utmSource": "phone", "utmMedium": "call", "utmCampaign": line,
        "originatorId": ORIGINATOR, "originId": f"call:{item.call_id}"}
    if cd.contact_id:
        fields["contactIds"] = [cd.contact_id]
    if cd.company_id:
        fields["companyId"] = cd.company_id
    return fields


def _open_lead(ctx: ActionContext, lead_id: int | None) -> int | None:
    """The call's lead if it is still open: one a manager already converted or closed is theirs."""
    if not lead_id:
        return None
    try:
        fields = ctx.b24.call("crm.lead.get", {"id": lead_id}) or {}
    except B24ApiError as exc:
        if "not found" not in exc.description.lower():
            raise
        return None  # deleted meanwhile: nothing to build on
    return lead_id if str(fields.get("STATUS_SEMANTIC_ID") or "P") == "P" else None


def _add(ctx: ActionContext, entity_type_id: int, fields: dict, lead: int | None) -> int:
    """crm.item.add (EN:api-reference/crm/universal/crm-item-add.md), leadId when converting."""
    if lead:
        fields = {**fields, "leadId": lead}
    answer = ctx.b24.call("crm.item.add", {"entityTypeId": entity_type_id, "fields": fields})
    return int(answer["item"]["id"])


def _target_deal(ctx: ActionContext, item: CallWork) -> int | str | None:
    if item.b24_deal_id:
        return item.b24_deal_id
    cd = ctx.session.get(CallDeal, item.call_deal_id) if item.call_deal_id else None
    if cd is None or cd.status == "failed":
        return None
    return cd.b24_deal_id or WAIT


def _run_comment(ctx: ActionContext, item: CallWork) -> str:
    """The call's facts and recording link in the deal's timeline."""
    deal_id = _target_deal(ctx, item)
    if deal_id is None or deal_id == WAIT:
        return "skipped" if deal_id is None else WAIT
    call = store.find_call(ctx.session, ctx.portal.id, item.call_id or "")
    if call is None:
        raise LookupError(f"call {item.call_id} is gone")
    cfg = telephony_config.load(ctx.session, ctx.portal.id)
    operator = ctx.session.scalar(select(User).where(User.portal_id == ctx.portal.id,
                                                     User.b24_user_id == call.user_id))
    comment = texts.call_comment(call, lang=ctx.portal.lang, tz=cfg.tz,
                                 operator=operator.full_name if operator else None)
    ctx.session.commit()
    params = {"fields": {"ENTITY_ID": deal_id, "ENTITY_TYPE": "deal", "COMMENT": comment}}
    if item.attempts > 0 and origins.comment_found(  # an earlier try's answer may be lost
            ctx.b24.call(*origins.comment_cmd(params, item.created_at)), params):
        return "done"
    ctx.b24.call("crm.timeline.comment.add", params)
    return "done"


def _run_todo(ctx: ActionContext, item: CallWork) -> str:
    call = store.find_call(ctx.session, ctx.portal.id, item.call_id or "")
    if call is None:
        raise LookupError(f"call {item.call_id} is gone")
    cfg = telephony_config.load(ctx.session, ctx.portal.id)
    lang = ctx.portal.lang
    at = formats.local_stamp(call.start_at, cfg.tz, lang or "ru")
    created = callback_todo(ctx, item.b24_deal_id, item.responsible_id, call_id=call.call_id,
                            origin="missed", minutes=cfg.callback_minutes,
                            title=texts.text("todo_title", lang, phone=texts.pretty(call.phone)),
                            description=texts.text("todo_text", lang, at=at,
                                                   minutes=cfg.callback_minutes),
                            look_first=item.attempts > 0)
    return "done" if created else "skipped"


def callback_todo(ctx: ActionContext, deal_id: int, responsible: int, *, call_id: str | None,
                  origin: str, minutes: int, title: str, description: str,
                  look_first: bool = True) -> bool:
    """A call-back to-do on the deal, unless one of ours is still open there (False then).
    look_first: an earlier add may have run with its answer lost; find it before adding."""
    mine = store.open_todo(ctx.session, ctx.portal.id, deal_id)
    ctx.session.commit()
    if mine is not None:
        try:
            activity = ctx.b24.call("crm.activity.get", {"id": mine.activity_id}) or {}
        except B24Error as exc:
            if "not found" not in str(exc).lower():
                raise
            activity = {"COMPLETED": "Y"}  # deleted in the portal: not open any more
        if str(activity.get("COMPLETED") or "N") != "Y":
            return False
        write_lock(ctx.session)
        mine.completed_at = ctx.now
        ctx.session.commit()
    activity_id = origins.todo_found(ctx.b24.call(*origins.todo_cmd(  # an earlier try's
        2, deal_id, title=title, responsible=responsible)), description) if look_first else None
    if activity_id is None:  # ... answer may have been lost after the portal added it
        answer = ctx.b24.call("crm.activity.todo.add", {
            "ownerTypeId": 2, "ownerId": deal_id, "responsibleId": responsible,
            "deadline": iso(ctx.now + timedelta(minutes=minutes)), "title": title,
            "description": description, "pingOffsets": [0]})
        activity_id = to_int((answer or {}).get("id")) or 0
    write_lock(ctx.session)
    store.add_todo(ctx.session, ctx.portal.id, deal_id=deal_id, activity_id=activity_id,
                   responsible_id=responsible, call_id=call_id, origin=origin, now=ctx.now)
    ctx.session.commit()
    return True


RUNNERS: dict[str, Callable[[ActionContext, CallWork], str]] = {
    "rules": pbx_work.decide, "pbx": pbx_work.run, "deal": _run_deal, "comment": _run_comment,
    "todo": _run_todo}
