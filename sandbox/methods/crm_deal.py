"""crm.deal.* — deals with funnels, stage semantics, stage history and contact bindings.

Facts (§8.5, EN:api-reference/crm/deals/crm-deal-update.md, crm-deal-add.md, crm-deal-list.md):
CATEGORY_ID cannot be changed by crm.deal.update (ignored; use crm.item.update); STAGE_ID must
belong to the deal's funnel (`C{N}:` prefix in funnel N, §8.3); STAGE_SEMANTIC_ID and CLOSED
follow the stage (WON -> S, LOSE/APOLOGY -> F); MOVED_TIME/MOVED_BY_ID change only when the
stage does; every create/stage move writes a crm.stagehistory row (TYPE_ID 1/2/3, §8.9);
CONTACT_IDS is write-only, read through crm.deal.contact.items.get.
"""

from __future__ import annotations

from typing import Any

from sandbox import crm_common as cc
from sandbox import crm_entity as ce
from sandbox.errors import RestError
from sandbox.listing import param
from sandbox.registry import CallContext, Page, method


def settle_deal(ctx: CallContext, rec: dict, old: dict | None) -> list[ce.History]:
    """Funnel and stage rules for a deal being created (old=None) or updated."""
    portal = ctx.portal
    if old is None:
        stage = rec.get("STAGE_ID")
        cat = int(rec["CATEGORY_ID"]) if rec.get("CATEGORY_ID") not in (None, "") else (
            cc.stage_category(stage) if stage else 0)
        entity_id = cc.stage_entity(cat)
        default = "NEW" if cat == 0 else f"C{cat}:NEW"
        if (not stage or cc.stage_category(stage) != cat
                or not cc.has_status(portal, entity_id, stage)):
            stage = cc.first_stage(portal, entity_id, default)
        rec["CATEGORY_ID"] = str(cat)
        rec["STAGE_ID"] = stage
        rec["IS_NEW"] = "Y"
        return [(1, stage, _apply_stage(ctx, rec, cat), cat)]
    if rec.get("STAGE_ID") == old.get("STAGE_ID"):
        return []
    cat = int(old.get("CATEGORY_ID") or 0)
    stage = rec.get("STAGE_ID") or ""
    if cc.stage_category(stage) != cat or not cc.has_status(portal, cc.stage_entity(cat), stage):
        # strict emulator: a stage of another funnel is a caller bug, not a silent no-op
        raise RestError("", f"Stage '{stage}' is not found in the deal's category {cat}.", 400)
    rec["IS_NEW"] = "Y" if stage == cc.first_stage(portal, cc.stage_entity(cat)) else "N"
    semantic = _apply_stage(ctx, rec, cat)
    return [(cc.move_kind(semantic), stage, semantic, cat)]


def _apply_stage(ctx: CallContext, rec: dict, cat: int) -> str:
    semantic = cc.semantic_of(ctx.portal, cc.stage_entity(cat), rec["STAGE_ID"])
    rec["STAGE_SEMANTIC_ID"] = semantic
    closing = semantic in ("S", "F")
    if closing and rec.get("CLOSED") != "Y":  # the close date becomes the day it closed
        rec["CLOSEDATE"] = cc.fmt_dt(ctx.now.replace(hour=0, minute=0, second=0, microsecond=0))
    rec["CLOSED"] = "Y" if closing else "N"
    rec["MOVED_TIME"] = cc.fmt_dt(ctx.now)
    rec["MOVED_BY_ID"] = str(ctx.user_id or 1)
    return semantic


DEAL = ce.Entity("deal", 2, "CRM_DEAL", title_default="Сделка #{id}", settle=settle_deal,
                 immutable=("CATEGORY_ID",),
                 defaults={"TYPE_ID": "SALE", "IS_RECURRING": "N", "IS_RETURN_CUSTOMER": "N",
                           "IS_REPEATED_APPROACH": "N", "IS_MANUAL_OPPORTUNITY": "N",
                           "TAX_VALUE": "0.00", "COMMENTS": ""})


@method("crm.deal.add", scope="crm")
def deal_add(ctx: CallContext, params: dict) -> int:
    return ce.add(ctx, DEAL, ce.fields_arg(params))


@method("crm.deal.update", scope="crm")
def deal_update(ctx: CallContext, params: dict) -> bool:
    return ce.update(ctx, DEAL, param(params, "id"), ce.fields_arg(params))


@method("crm.deal.get", scope="crm")
def deal_get(ctx: CallContext, params: dict) -> dict:
    return ce.get(ctx, DEAL, params)


@method("crm.deal.list", scope="crm")
def deal_list(ctx: CallContext, params: dict) -> Page:
    return ce.list_(ctx, DEAL, params)


@method("crm.deal.delete", scope="crm")
def deal_delete(ctx: CallContext, params: dict) -> bool:
    return ce.delete(ctx, DEAL, params)


@method("crm.deal.fields", scope="crm")
def deal_fields(ctx: CallContext, params: dict) -> dict:
    return ce.fields_method(ctx, DEAL)


def contact_items(rec: dict) -> list[dict]:
    """Binding rows as crm.deal.contact.items.get shows them (integers, first is primary)."""
    return [{"CONTACT_ID": cid, "SORT": 10 * (n + 1), "ROLE_ID": 0,
             "IS_PRIMARY": "Y" if n == 0 else "N"}
            for n, cid in enumerate(rec.get("_CONTACT_IDS") or ())]


@method("crm.deal.contact.items.get", scope="crm")
def deal_contact_items_get(ctx: CallContext, params: dict) -> list[dict]:
    return contact_items(ce.get_record(ctx, DEAL, param(params, "id")))


@method("crm.deal.contact.items.set", scope="crm")
def deal_contact_items_set(ctx: CallContext, params: dict) -> bool:
    items = sorted((i for i in param(params, "items") or [] if isinstance(i, dict)),
                   key=lambda i: (str(i.get("IS_PRIMARY")) != "Y", int(i.get("SORT") or 0)))
    return ce.update(ctx, DEAL, param(params, "id"),
                     {"CONTACT_IDS": [i.get("CONTACT_ID") for i in items]})


@method("crm.deal.contact.add", scope="crm")
def deal_contact_add(ctx: CallContext, params: dict) -> bool:
    rec = ce.get_record(ctx, DEAL, param(params, "id"))
    fields: Any = param(params, "fields") or {}
    contact = int(fields.get("CONTACT_ID") or 0)
    ids = [i for i in rec.get("_CONTACT_IDS") or () if i != contact]
    ids.insert(0 if str(fields.get("IS_PRIMARY")) == "Y" or not ids else len(ids), contact)
    return ce.update(ctx, DEAL, rec["ID"], {"CONTACT_IDS": ids})
