"""crm.lead.* — leads with status semantics and stage history.

Facts (§8.2, §8.4, EN:api-reference/crm/leads/crm-lead-add.md, crm-lead-update.md,
crm-lead-fields.md): STATUS_ID comes from the STATUS directory, STATUS_SEMANTIC_ID is read-only
P/S/F (CONVERTED = S, JUNK and custom failure statuses = F); DATE_CLOSED is set when the lead
reaches a final status; there is no conversion in REST — moving to CONVERTED creates nothing;
stage history rows use STATUS_ID/STATUS_SEMANTIC_ID (§8.9).
"""

from __future__ import annotations

from sandbox import crm_common as cc
from sandbox import crm_entity as ce
from sandbox.errors import RestError
from sandbox.listing import param
from sandbox.registry import CallContext, Page, method


def settle_lead(ctx: CallContext, rec: dict, old: dict | None) -> list[ce.History]:
    portal = ctx.portal
    status = rec.get("STATUS_ID")
    if old is None:
        if not status or not cc.has_status(portal, "STATUS", status):
            status = cc.first_stage(portal, "STATUS")
        rec["STATUS_ID"] = status
        return [(1, status, _apply_status(ctx, rec), 0)]
    if status == old.get("STATUS_ID"):
        return []
    if not status or not cc.has_status(portal, "STATUS", status):
        raise RestError("", f"Status '{status}' is not found.", 400)
    semantic = _apply_status(ctx, rec)
    return [(cc.move_kind(semantic), status, semantic, 0)]


def _apply_status(ctx: CallContext, rec: dict) -> str:
    semantic = cc.semantic_of(ctx.portal, "STATUS", rec["STATUS_ID"])
    rec["STATUS_SEMANTIC_ID"] = semantic
    rec["DATE_CLOSED"] = cc.fmt_dt(ctx.now) if semantic in ("S", "F") else None
    rec["MOVED_TIME"] = cc.fmt_dt(ctx.now)
    rec["MOVED_BY_ID"] = str(ctx.user_id or 1)
    return semantic


LEAD = ce.Entity("lead", 1, "CRM_LEAD", title_default="Лид #{id}", settle=settle_lead,
                 defaults={"IS_RETURN_CUSTOMER": "N", "IS_MANUAL_OPPORTUNITY": "N",
                           "COMMENTS": ""})


@method("crm.lead.add", scope="crm")
def lead_add(ctx: CallContext, params: dict) -> int:
    return ce.add(ctx, LEAD, ce.fields_arg(params))


@method("crm.lead.update", scope="crm")
def lead_update(ctx: CallContext, params: dict) -> bool:
    return ce.update(ctx, LEAD, param(params, "id"), ce.fields_arg(params))


@method("crm.lead.get", scope="crm")
def lead_get(ctx: CallContext, params: dict) -> dict:
    return ce.get(ctx, LEAD, params)


@method("crm.lead.list", scope="crm")
def lead_list(ctx: CallContext, params: dict) -> Page:
    return ce.list_(ctx, LEAD, params)


@method("crm.lead.delete", scope="crm")
def lead_delete(ctx: CallContext, params: dict) -> bool:
    return ce.delete(ctx, LEAD, params)


@method("crm.lead.fields", scope="crm")
def lead_fields(ctx: CallContext, params: dict) -> dict:
    return ce.fields_method(ctx, LEAD)


@method("crm.lead.contact.items.get", scope="crm")
def lead_contact_items_get(ctx: CallContext, params: dict) -> list[dict]:
    rec = ce.get_record(ctx, LEAD, param(params, "id"))
    return [{"CONTACT_ID": cid, "SORT": 10 * (n + 1), "ROLE_ID": 0,
             "IS_PRIMARY": "Y" if n == 0 else "N"}
            for n, cid in enumerate(rec.get("_CONTACT_IDS") or ())]
