"""Convert a lead from its card tab, the way the docs describe for REST (§8.4).

There is no crm.lead.convert: the contact is found (crm.duplicate.findbycomm, then our mirror)
or created with crm.item.add and leadId, a company only when the lead names one, the deal with
crm.item.add and leadId, and then the lead moves to the success status with the links.
Idempotent: the conversion row is claimed with a compare-and-set (a double click runs once),
and every id is saved as soon as it exists, so a retry resumes instead of creating twice; a
deal already made from this lead (LEAD_ID) is reused even if we never saved its id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from b24.errors import B24Error
from b24.values import to_int
from handlers.exchange.actions import ActionContext, ActionResult
from handlers.lead_rules import config, texts
from handlers.lead_rules.junk import lead_comment
from handlers.lead_rules.lookup import existing_deal, find_company, find_contact
from handlers.lead_rules.statuses import Statuses
from handlers.lead_rules.tracks import multi
from store import lead_rules as store
from store import mirror
from store.leads_models import LeadConversion

logger = logging.getLogger(__name__)
STALE_RUN = timedelta(minutes=2)  # a run left behind (crash, timeout) may be taken over


def readiness(fields: Mapping[str, Any], cfg: config.LeadRulesConfig) -> list[str]:
    """What the card lacks for a clean contact: the full name and a way to reach the client."""
    missing = [key for key, name in (("last_name", "LAST_NAME"), ("name", "NAME"),
                                     ("second_name", "SECOND_NAME"))
               if not str(fields.get(name) or "").strip()
               and (name != "SECOND_NAME" or cfg.require_patronymic)]
    if not multi(fields, "PHONE") and not multi(fields, "EMAIL"):
        missing.append("contact")
    return missing


def convert(ctx: ActionContext, user_id: int, lead_id: int) -> ActionResult:
    row, mine = store.claim_conversion(ctx.session, ctx.portal.id, lead_id, user_id=user_id,
                                       now=ctx.now, stale_after=STALE_RUN)
    ctx.session.commit()  # no transaction held while the portal answers
    if row.state == "done":
        return ActionResult(True, "lead_already_converted", _ids(row))
    if not mine:
        return ActionResult(False, "lead_convert_busy")
    cfg = config.load(ctx.session, ctx.portal.id)
    ctx.session.commit()
    try:
        return _run(ctx, cfg, row, user_id)
    except B24Error as exc:
        logger.warning("lead_rules.convert.portal_refused", extra={
            "member_id": ctx.portal.member_id, "lead": lead_id, "error": str(exc)})
        _finish(ctx, row, "failed", error=str(exc)[:500])
        return ActionResult(False, "portal_error")


def _run(ctx: ActionContext, cfg: config.LeadRulesConfig, row: LeadConversion,
         user_id: int) -> ActionResult:
    lid = row.b24_lead_id
    fields = ctx.b24.call("crm.lead.get", {"id": lid})
    semantic = str(fields.get("STATUS_SEMANTIC_ID") or "P")
    if semantic == "F":
        _finish(ctx, row, "failed", error="closed")
        return ActionResult(False, "lead_closed")
    if semantic == "S":  # converted already: by hand, or by us before a crash
        row.contact_id = row.contact_id or to_int(fields.get("CONTACT_ID"))
        row.deal_id = row.deal_id or existing_deal(ctx, lid)
        _finish(ctx, row, "done")
        return ActionResult(True, "lead_already_converted", _ids(row))
    missing = readiness(fields, cfg)
    if missing:
        _finish(ctx, row, "failed", error="incomplete")
        return ActionResult(False, "lead_incomplete", {"missing": missing})
    manager = _manager(ctx, fields, user_id)
    if row.contact_id is None:
        row.contact_id, row.contact_found = find_contact(ctx, fields)
        if row.contact_id is None:
            row.contact_id = _add(ctx, 3, _contact_fields(fields, manager))
            row.contact_found = False
        _save(ctx, row)
    if row.company_id is None:
        row.company_id = to_int(fields.get("COMPANY_ID")) or _company(ctx, fields, manager)
        _save(ctx, row)
    if row.deal_id is None:
        row.deal_id = existing_deal(ctx, lid)
        if row.deal_id is None:
            owner = _owner(ctx, cfg, manager)
            row.deal_id = _add(ctx, 2, _deal_fields(row, fields, cfg, owner))
            if owner != ctx.cfg.exchange_user_id:
                _mirror_deal(ctx, row.deal_id)
        _save(ctx, row)
    _mark_converted(ctx, row, fields)
    return ActionResult(True, "lead_converted", _ids(row))


def _manager(ctx: ActionContext, fields: Mapping[str, Any], user_id: int) -> int:
    """Whoever holds the lead, unless that is the exchange's service account: then the clicker."""
    assigned = to_int(fields.get("ASSIGNED_BY_ID"))
    return assigned if assigned and assigned != ctx.cfg.exchange_user_id else user_id


def _add(ctx: ActionContext, entity_type_id: int, fields: dict[str, Any]) -> int:
    result = ctx.b24.call("crm.item.add", {"entityTypeId": entity_type_id, "fields": fields})
    return int(result["item"]["id"])


def _fm(fields: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"typeId": key, "valueType": str(e.get("VALUE_TYPE") or "WORK"),
             "value": str(e["VALUE"])}
            for key in ("PHONE", "EMAIL") for e in fields.get(key) or []
            if isinstance(e, Mapping) and e.get("VALUE")]


def _contact_fields(fields: Mapping[str, Any], manager: int) -> dict[str, Any]:
    return {"name": fields.get("NAME"), "lastName": fields.get("LAST_NAME"),
            "secondName": fields.get("SECOND_NAME"), "fm": _fm(fields),
            "leadId": int(fields["ID"]), "assignedById": manager,
            "sourceId": fields.get("SOURCE_ID")}


def _company(ctx: ActionContext, fields: Mapping[str, Any], manager: int) -> int | None:
    title = str(fields.get("COMPANY_TITLE") or "").strip()
    if not title:
        return None
    return find_company(ctx, title) or _add(ctx, 4, {
        "title": title, "leadId": int(fields["ID"]), "assignedById": manager})


def _owner(ctx: ActionContext, cfg: config.LeadRulesConfig, manager: int) -> int:
    """The exchange user (the deal waits there to be claimed) or the lead's manager."""
    if cfg.deal_owner == "exchange" and ctx.cfg.ready:
        return ctx.cfg.exchange_user_id
    return manager


def _deal_fields(row: LeadConversion, fields: Mapping[str, Any], cfg: config.LeadRulesConfig,
                 owner: int) -> dict[str, Any]:
    deal = {"title": fields.get("TITLE") or f"#{row.b24_lead_id}", "leadId": row.b24_lead_id,
            "contactIds": [row.contact_id], "categoryId": cfg.deal_category,
            "assignedById": owner, "sourceId": fields.get("SOURCE_ID"),
            "opportunity": fields.get("OPPORTUNITY") or 0,
            "currencyId": fields.get("CURRENCY_ID") or "RUB"}
    if row.company_id:
        deal["companyId"] = row.company_id
    return deal


def _mirror_deal(ctx: ActionContext, deal_id: int) -> None:
    """Our own new deal for the manager is mirrored at once, so its ONCRMDEALADD is not taken
    for an unassigned new deal (the exchange would move it to the pool)."""
    fields = ctx.b24.call("crm.deal.get", {"id": deal_id})
    mirror.upsert_deal(ctx.session, ctx.portal.id, fields)


def _mark_converted(ctx: ActionContext, row: LeadConversion, fields: Mapping[str, Any]) -> None:
    """STATUS_ID = the success status with the links; the mirror follows at once (echo-safe)."""
    lid, success = row.b24_lead_id, Statuses.load(ctx.session, ctx.portal.id).success
    ctx.session.commit()
    update = {"STATUS_ID": success, "CONTACT_ID": row.contact_id}
    if row.company_id:
        update["COMPANY_ID"] = row.company_id
    ctx.b24.call("crm.lead.update", {"id": lid, "fields": update})
    how = texts.word("found" if row.contact_found else "created", ctx.portal.lang)
    try:
        ctx.b24.call(*lead_comment(lid, texts.text("converted_comment", ctx.portal.lang,
                                                   contact=row.contact_id, how=how,
                                                   deal=row.deal_id)))
    except B24Error as exc:  # the conversion stands without its comment
        logger.warning("lead_rules.convert.comment_failed", extra={
            "member_id": ctx.portal.member_id, "lead": lid, "error": str(exc)})
    lead = store.find_lead(ctx.session, ctx.portal.id, lid)
    if lead is not None:
        lead.status_id, lead.status_semantic, lead.contact_id = success, "S", row.contact_id
    track = store.find_track(ctx.session, ctx.portal.id, lid)
    if track is not None:
        track.status_id, track.status_semantic, track.due_at = success, "S", None
        track.status_since = ctx.now
    store.journal(ctx.session, ctx.portal.id, lead_id=lid, kind="converted",
                  user_id=row.user_id, at=ctx.now, key=f"converted:{lid}", detail=_ids(row))
    _finish(ctx, row, "done")
    logger.info("lead_rules.convert.done", extra={"member_id": ctx.portal.member_id,
                                                  "lead": lid, **_ids(row)})


def _save(ctx: ActionContext, row: LeadConversion) -> None:
    ctx.session.add(row)
    ctx.session.commit()


def _finish(ctx: ActionContext, row: LeadConversion, state: str, *,
            error: str | None = None) -> None:
    row.state, row.error = state, error
    row.done_at = ctx.now if state == "done" else None
    _save(ctx, row)


def _ids(row: LeadConversion) -> dict[str, Any]:
    return {"contact": row.contact_id, "deal": row.deal_id, "company": row.company_id,
            "found": bool(row.contact_found)}
