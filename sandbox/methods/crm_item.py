"""crm.item.add/get/list/update for leads (1), deals (2), contacts (3), companies (4), camelCase.

Facts (§8.4, §8.10, EN:api-reference/crm/universal/crm-item-add.md, crm-item-update.md,
crm-item-get.md, crm-item-list.md): results {"item": {...}} / {"items": [...]} with real
integers and camelCase names (createdBy, updatedTime, movedBy, stageId — leads too — contactIds,
leadId writable on add), `fm` multi-fields returned with select ["*"]; user fields as
ufCrm... unless useOriginalUfNames=Y; crm.item.update does not save (and fires nothing) when no
value changed, and a deal's categoryId moves it to the other funnel: stage reset to the new
funnel's first stage, a TYPE_ID 5 history row and only ONCRMDEALMOVETOCATEGORY (§3.4,
EN:api-reference/crm/deals/events/on-crm-deal-move-to-category.md). Not emulated: `logic` OR
filters, smart processes.
"""

from __future__ import annotations

from typing import Any

from sandbox import crm_common as cc
from sandbox import crm_entity as ce
from sandbox.errors import RestError
from sandbox.listing import page_of, param, parse_start
from sandbox.listing_ops import INT, MULTI, NUM, as_list, compile_filter, split_key
from sandbox.methods.crm_company import COMPANY
from sandbox.methods.crm_contact import CONTACT
from sandbox.methods.crm_deal import DEAL
from sandbox.methods.crm_lead import LEAD
from sandbox.registry import CallContext, Page, method

ENTITIES = {1: LEAD, 2: DEAL, 3: CONTACT, 4: COMPANY}
SPECIAL = {"CREATED_BY_ID": "createdBy", "MODIFY_BY_ID": "updatedBy", "MOVED_BY_ID": "movedBy",
           "DATE_CREATE": "createdTime", "DATE_MODIFY": "updatedTime", "STATUS_ID": "stageId",
           "STATUS_SEMANTIC_ID": "stageSemanticId", "BEGINDATE": "begindate",
           "CLOSEDATE": "closedate"}


def camel(name: str, original_uf: bool = False) -> str:
    """UPPER_SNAKE -> camelCase; UF_CRM_1639 -> ufCrm_1639 (digits keep their underscore)."""
    if name in SPECIAL:
        return SPECIAL[name]
    if name.startswith("UF_") and original_uf:
        return name
    head, *rest = name.lower().split("_")
    return head + "".join(f"_{p}" if p[:1].isdigit() else p.capitalize() for p in rest)


def _entity(params: dict) -> ce.Entity:
    try:
        return ENTITIES[int(param(params, "entityTypeId"))]
    except (TypeError, ValueError, KeyError):
        raise RestError("NOT_FOUND", "SPA not found", 400) from None


def _names(ctx: CallContext, entity: ce.Entity, original_uf: bool) -> dict[str, str]:
    """camelCase -> UPPER for every field the entity has (including CONTACT_IDS)."""
    fields = ce.fields_of(ctx.portal, entity)
    names = {camel(n, original_uf): n for n in fields.kinds}
    names.update({camel(n): n for n in ("CONTACT_IDS", "COMPANY_IDS", "LEAD_ID")})
    return names


def to_item(ctx: CallContext, entity: ce.Entity, rec: dict, original_uf: bool = False) -> dict:
    fields = ce.fields_of(ctx.portal, entity)
    out: dict[str, Any] = {}
    for name, kind in fields.kinds.items():
        if kind == MULTI or name in ("CONTACT_IDS", "COMPANY_IDS"):
            continue
        value = rec.get(name)
        if kind == INT and value not in (None, ""):
            value = int(value)
        elif kind == NUM and value not in (None, ""):
            value = float(value)
        out[camel(name, original_uf)] = value
    if entity in (DEAL, LEAD):
        out["contactIds"] = list(rec.get("_CONTACT_IDS") or [])
    if entity is CONTACT:
        out["companyIds"] = list(rec.get("_COMPANY_IDS") or [])
    fm = [{"id": int(e["ID"]), "valueType": e["VALUE_TYPE"], "value": e["VALUE"],
           "typeId": e["TYPE_ID"]} for m in cc.MULTI_FIELDS for e in rec.get(m) or ()]
    if any(k in fields.kinds for k in cc.MULTI_FIELDS):
        out["fm"] = fm
    return out


def from_item(ctx: CallContext, entity: ce.Entity, fields: Any) -> dict:
    """camelCase fields -> classic UPPER fields (fm: n0.. new, numeric id edit/delete, §7)."""
    if not isinstance(fields, dict):
        raise RestError("100", "Required fields: fields", 400)
    names = _names(ctx, entity, original_uf=False)
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "fm":
            _fm(out, value)
        elif key in names:
            out[names[key]] = value
        elif str(key).upper().startswith("UF_"):
            out[str(key).upper()] = value
    return out


def _fm(out: dict, value: Any) -> None:
    items = value.items() if isinstance(value, dict) else enumerate(as_list(value))
    for key, entry in items:
        if not isinstance(entry, dict) or not entry.get("typeId"):
            continue
        item = {"VALUE": entry.get("value"), "VALUE_TYPE": entry.get("valueType")}
        if str(key).isdigit() and isinstance(value, dict):
            item["ID"] = str(key)
        out.setdefault(str(entry["typeId"]).upper(), []).append(item)


@method("crm.item.add", scope="crm")
def item_add(ctx: CallContext, params: dict) -> dict:
    entity = _entity(params)
    fields = from_item(ctx, entity, param(params, "fields"))
    new_id = ce.add(ctx, entity, fields, allow=("LEAD_ID",))
    rec = ce.get_record(ctx, entity, new_id)
    return {"item": to_item(ctx, entity, rec, _original(params))}


def _original(params: dict) -> bool:
    return str(param(params, "useOriginalUfNames") or "N").upper() == "Y"


@method("crm.item.get", scope="crm")
def item_get(ctx: CallContext, params: dict) -> dict:
    entity = _entity(params)
    try:
        rec = ce.get_record(ctx, entity, param(params, "id"))
    except RestError:
        raise RestError("NOT_FOUND", "Item not found", 400) from None
    return {"item": to_item(ctx, entity, rec, _original(params))}


@method("crm.item.list", scope="crm")
def item_list(ctx: CallContext, params: dict) -> Page:
    entity = _entity(params)
    original = _original(params)
    names = _names(ctx, entity, original)
    fields = ce.fields_of(ctx.portal, entity)
    filt = {}
    for key, value in (param(params, "filter") or {}).items():
        op, name = split_key(str(key))
        if name in names:
            filt[op + names[name]] = value
    order = [(names.get(k, k.upper()), str(v).upper() == "DESC")
             for k, v in (param(params, "order") or {}).items()]
    wanted = [str(s) for s in as_list(param(params, "select"))] or ["*"]

    def draw(rec: dict) -> dict:
        item = to_item(ctx, entity, rec, original)
        if "*" in wanted:
            return item
        keep = {"id", *wanted}
        return {k: v for k, v in item.items() if k in keep}

    page = page_of(ctx.portal.table(entity.table), compile_filter(filt, fields.kinds),
                    [(n, d) for n, d in order if n in fields.kinds],
                    parse_start(param(params, "start")), fields, draw, filt)
    page.items = {"items": page.items}
    return page


@method("crm.item.update", scope="crm")
def item_update(ctx: CallContext, params: dict) -> dict:
    entity = _entity(params)
    rec = ce.get_record(ctx, entity, param(params, "id"))
    fields = from_item(ctx, entity, param(params, "fields"))
    target = fields.pop("CATEGORY_ID", None)
    if entity is DEAL and target not in (None, "") and str(int(target)) != rec["CATEGORY_ID"]:
        _move_category(ctx, rec, int(target), fields.pop("STAGE_ID", None))
    if fields and _changes(ctx, entity, rec, fields):
        ce.update(ctx, entity, rec["ID"], fields)
    return {"item": to_item(ctx, entity, rec, _original(params))}


def _changes(ctx: CallContext, entity: ce.Entity, rec: dict, fields: dict) -> bool:
    """Would the write change anything? (no save and no event otherwise, crm-item-update.md)"""
    probe = dict(rec)
    ce.apply_fields(ctx, entity, probe, fields, is_new=False)
    return any(probe.get(k) != rec.get(k) for k in set(probe) | set(rec))


def _move_category(ctx: CallContext, rec: dict, category: int, stage: str | None) -> None:
    entity_id = cc.stage_entity(category)
    if not any(r["id"] == category for r in ctx.portal.table("crm.category")):
        raise RestError("CRM_FIELD_ERROR_VALUE_NOT_VALID", "Category not found", 400)
    valid = (stage and cc.stage_category(stage) == category
             and cc.has_status(ctx.portal, entity_id, stage))
    if not valid:
        stage = cc.first_stage(ctx.portal, entity_id, f"C{category}:NEW" if category else "NEW")
    semantic = cc.semantic_of(ctx.portal, entity_id, stage)
    now = cc.fmt_dt(ctx.now)
    rec.update(CATEGORY_ID=str(category), STAGE_ID=stage, STAGE_SEMANTIC_ID=semantic,
               CLOSED="Y" if semantic in ("S", "F") else "N", MOVED_TIME=now,
               MOVED_BY_ID=str(ctx.user_id or 1), DATE_MODIFY=now,
               MODIFY_BY_ID=str(ctx.user_id or 1))
    cc.record_history(ctx.portal, entity_type_id=2, owner_id=int(rec["ID"]), kind=5,
                      stage_id=stage, semantic=semantic, when=now, category_id=category)
    ctx.emit("ONCRMDEALMOVETOCATEGORY", {"FIELDS": {"ID": rec["ID"], "CATEGORY_ID": str(category),
                                                    "STAGE_ID": stage}})
