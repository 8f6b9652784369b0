"""Create/read/update/delete/list shared by crm.lead/deal/contact/company (classic methods).

Bitrix facts (§7, §8.2, §8.5; EN:api-reference/crm/deals/crm-deal-update.md): unknown and
read-only fields in `fields` are ignored; DATE_CREATE/DATE_MODIFY/CREATED_BY_ID/MODIFY_BY_ID are
set by the portal, and so are LAST_ACTIVITY_TIME/BY (= the creation, crm-deal-get.md example);
`crm.*.update` answers `true` and fires ONCRM<ENTITY>UPDATE even when nothing changed (only
crm.item.update is documented to skip no-op saves,
EN:api-reference/crm/universal/crm-item-update.md); events carry {"FIELDS": {"ID": "<id>"}}
(EN:api-reference/crm/deals/events/on-crm-deal-add.md). Errors use an empty code (§8.5).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sandbox import crm_common as cc
from sandbox.crm_fields import UF_KIND, descriptors, list_fields, read_only
from sandbox.errors import RestError, not_found
from sandbox.listing import Fields, param, projector, run_list
from sandbox.listing_ops import MULTI, as_list
from sandbox.registry import CallContext, Page

History = tuple[int, str, str, int]  # (TYPE_ID, stage, semantic, category)
Settle = Callable[[CallContext, dict, "dict | None"], list[History]]


@dataclass(frozen=True)
class Entity:
    name: str              # "deal"
    type_id: int           # 2 (§8.1)
    uf_entity: str         # "CRM_DEAL" (§8.1)
    title_default: str | None = None
    settle: Settle | None = None  # stage/status rules; returns stage-history rows to record
    immutable: tuple[str, ...] = ()  # ignored by update (CATEGORY_ID of deals, §8.5)
    ignored: tuple[str, ...] = ("IS_RETURN_CUSTOMER",)  # looks writable, is not (§14.11)
    defaults: dict[str, Any] = field(default_factory=dict)  # what a new card shows unasked

    @property
    def table(self) -> str:
        return f"crm.{self.name}"

    @property
    def event(self) -> str:
        return f"ONCRM{self.name.upper()}"


def user_fields(portal: Any, entity: Entity) -> list[dict]:
    return list(portal.table(f"userfield.{entity.uf_entity}"))


def fields_of(portal: Any, entity: Entity) -> Fields:
    """The list engine's view of the entity including the portal's current user fields."""
    ufs = [(u["FIELD_NAME"], UF_KIND.get(u["USER_TYPE_ID"], "str"), u.get("MULTIPLE") == "Y")
           for u in user_fields(portal, entity)]
    return list_fields(entity.name).with_uf(ufs)


def blank(entity: Entity) -> dict:
    return {name: None for name, d in descriptors(entity.name).items()
            if d["type"] != "crm_multifield" and not d.get("isMultiple")}


def uf_value(spec: dict, value: Any, now: Any) -> Any:
    utype = {"boolean": "integer", "employee": "integer", "enumeration": "integer",
             "double": "double", "datetime": "datetime", "date": "date"}.get(spec["USER_TYPE_ID"])
    if isinstance(value, bool):
        value = int(value)
    if spec.get("MULTIPLE") == "Y":
        return [cc.wire_value(utype or "string", v, now) for v in as_list(value)]
    return cc.wire_value(utype or "string", value, now)


def apply_fields(ctx: CallContext, entity: Entity, rec: dict, fields: Mapping, *,
                 is_new: bool, allow: tuple[str, ...] = ()) -> None:
    """Write the writable fields that were sent; everything else is silently dropped."""
    desc = descriptors(entity.name)
    blocked = (read_only(entity.name) | set(entity.ignored)) - set(allow)
    if not is_new:
        blocked |= set(entity.immutable)
    ufs = {u["FIELD_NAME"]: u for u in user_fields(ctx.portal, entity)}
    now = ctx.now
    for key, value in fields.items():
        name = str(key).upper()
        if name in ufs:
            rec[name] = uf_value(ufs[name], value, now)
        elif name not in desc or name in blocked:
            continue
        elif desc[name]["type"] == "crm_multifield":
            rec[name] = cc.merge_multi(ctx.portal, rec.get(name), value, name)
        elif name in ("CONTACT_IDS", "COMPANY_IDS"):
            _set_links(rec, name[:-4], [v for v in as_list(value) if v not in (None, "")])
        elif name in ("CONTACT_ID", "COMPANY_ID") and f"{name[:-3]}IDS" in desc:
            _set_primary(rec, name[:-3], value)
        else:
            rec[name] = cc.wire_value(desc[name]["type"], value, now)
    for flag, multi in (("HAS_PHONE", "PHONE"), ("HAS_EMAIL", "EMAIL"), ("HAS_IMOL", "IM")):
        if flag in desc:
            rec[flag] = "Y" if rec.get(multi) else "N"


def _set_links(rec: dict, kind: str, ids: list) -> None:
    """CONTACT_IDS replaces the whole binding list; CONTACT_ID mirrors its first item."""
    clean = list(dict.fromkeys(int(float(i)) for i in ids))
    rec[f"_{kind}_IDS"] = clean
    rec[f"{kind}_ID"] = str(clean[0]) if clean else None


def _set_primary(rec: dict, kind: str, value: Any) -> None:
    rest = [i for i in rec.get(f"_{kind}_IDS") or () if str(i) != str(value)]
    _set_links(rec, kind, ([value] if value not in (None, "", 0, "0") else []) + rest)


def add(ctx: CallContext, entity: Entity, fields: Mapping, *,
        allow: tuple[str, ...] = ()) -> int:
    """crm.<entity>.add: defaults from the caller and the clock, then ONCRM<ENTITY>ADD."""
    portal = ctx.portal
    now = cc.fmt_dt(ctx.now)
    rec = blank(entity)
    desc = descriptors(entity.name)
    apply_fields(ctx, entity, rec, fields, is_new=True, allow=allow)
    author = str(ctx.user_id) if ctx.user_id else "1"  # automation acts as the admin
    # A new card's "last activity" is its creation (the crm.deal.get doc example:
    # EN:api-reference/crm/deals/crm-deal-get.md has LAST_ACTIVITY_TIME == DATE_CREATE and
    # LAST_ACTIVITY_BY == the author), so the field is never empty on a real portal.
    stamps = {"CREATED_BY_ID": author, "MODIFY_BY_ID": author, "DATE_CREATE": now,
              "DATE_MODIFY": now, "OPENED": rec.get("OPENED") or "Y",
              "ASSIGNED_BY_ID": rec.get("ASSIGNED_BY_ID") or author,
              "LAST_ACTIVITY_TIME": now, "LAST_ACTIVITY_BY": author}
    if "CURRENCY_ID" in desc:
        stamps["CURRENCY_ID"] = rec.get("CURRENCY_ID") or "RUB"
        stamps["OPPORTUNITY"] = rec.get("OPPORTUNITY") or "0.00"
    if "BEGINDATE" in desc:  # default funnel dates: today .. +7 days (docs silent)
        today = ctx.now.replace(hour=0, minute=0, second=0, microsecond=0)
        stamps["BEGINDATE"] = rec.get("BEGINDATE") or cc.fmt_dt(today)
        stamps["CLOSEDATE"] = rec.get("CLOSEDATE") or cc.fmt_dt(today + timedelta(days=7))
    rec.update({k: v for k, v in stamps.items() if k in desc})
    rec.update({k: v for k, v in entity.defaults.items() if rec.get(k) in (None, "")})
    history = entity.settle(ctx, rec, None) if entity.settle else []
    new_id = portal.table(entity.table).insert(rec)
    if entity.title_default and not rec.get("TITLE"):
        rec["TITLE"] = entity.title_default.format(id=new_id)
    _record(ctx, entity, new_id, history)
    ctx.emit(f"{entity.event}ADD", {"FIELDS": {"ID": str(new_id)}})
    return new_id


def update(ctx: CallContext, entity: Entity, entity_id: Any, fields: Mapping) -> bool:
    """crm.<entity>.update: validate on a copy, save, ONCRM<ENTITY>UPDATE (even if no change)."""
    rec = get_record(ctx, entity, entity_id)
    new = dict(rec)
    apply_fields(ctx, entity, new, fields, is_new=False)
    new["MODIFY_BY_ID"] = str(ctx.user_id or 1)
    new["DATE_MODIFY"] = cc.fmt_dt(ctx.now)
    history = entity.settle(ctx, new, rec) if entity.settle else []
    rec.update(new)
    _record(ctx, entity, int(rec["ID"]), history)
    ctx.emit(f"{entity.event}UPDATE", {"FIELDS": {"ID": str(rec["ID"])}})
    return True


def _record(ctx: CallContext, entity: Entity, owner: int, history: list[History]) -> None:
    for kind, stage, semantic, category in history:
        cc.record_history(ctx.portal, entity_type_id=entity.type_id, owner_id=owner,
                          kind=kind, stage_id=stage, semantic=semantic,
                          when=cc.fmt_dt(ctx.now), category_id=category)


def parse_id(value: Any) -> int:
    try:
        entity_id = int(value)
    except (TypeError, ValueError):
        raise RestError("", "ID is not defined or invalid.", 400) from None
    if entity_id <= 0:
        raise RestError("", "ID is not defined or invalid.", 400)
    return entity_id


def get_record(ctx: CallContext, entity: Entity, entity_id: Any) -> dict:
    rec = ctx.portal.table(entity.table).get(parse_id(entity_id))
    if rec is None:
        raise not_found("Not found")
    return rec


def render_full(ctx: CallContext, entity: Entity, rec: dict) -> dict:
    """crm.<entity>.get: standard fields, every user field, filled multi-fields."""
    fields = fields_of(ctx.portal, entity)
    multi = [n for n, k in fields.kinds.items() if k == MULTI]
    ufs = [n for n in fields.kinds if n.startswith("UF_")]
    return projector(["*", *ufs, *multi], fields)(rec)


def get(ctx: CallContext, entity: Entity, params: Mapping) -> dict:
    return render_full(ctx, entity, get_record(ctx, entity, param(params, "id")))


def list_(ctx: CallContext, entity: Entity, params: Mapping) -> Page:
    """crm.<entity>.list; default select `*` + `UF_*` (EN:.../deals/crm-deal-list.md)"""
    return run_list(ctx.portal.table(entity.table), params, fields_of(ctx.portal, entity))


def delete(ctx: CallContext, entity: Entity, params: Mapping) -> bool:
    rec = get_record(ctx, entity, param(params, "id"))
    ctx.portal.table(entity.table).delete(int(rec["ID"]))
    ctx.emit(f"{entity.event}DELETE", {"FIELDS": {"ID": str(rec["ID"])}})
    return True


def fields_method(ctx: CallContext, entity: Entity) -> dict:
    """crm.<entity>.fields: the documented descriptors plus the portal's user fields."""
    out = {k: dict(v) for k, v in descriptors(entity.name).items()}
    for uf in user_fields(ctx.portal, entity):
        label = uf.get("EDIT_FORM_LABEL") or uf["FIELD_NAME"]
        out[uf["FIELD_NAME"]] = {
            "type": uf["USER_TYPE_ID"], "isRequired": uf.get("MANDATORY") == "Y",
            "isReadOnly": False, "isImmutable": False, "isMultiple": uf.get("MULTIPLE") == "Y",
            "isDynamic": True, "title": uf["FIELD_NAME"], "listLabel": label,
            "formLabel": label, "filterLabel": label, "settings": uf.get("SETTINGS") or []}
    return out


def fields_arg(params: Mapping) -> Mapping:
    value = param(params, "fields")
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RestError("", "Parameter 'fields' must be array.", 400)
    return value
