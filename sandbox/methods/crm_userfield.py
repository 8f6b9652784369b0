"""crm.{deal,lead,contact,company}.userfield.add/list/get/update/delete.

Facts (§8.8, EN:api-reference/crm/deals/user-defined-fields/crm-deal-userfield-add.md,
crm-deal-userfield-list.md): FIELD_NAME gets the `UF_CRM_` prefix (`MANAGER_NOTE` ->
`UF_CRM_MANAGER_NOTE`), upper-cased, `[A-Z0-9_]`, at most 50 characters in all; bad names and
duplicates are `ERROR_CORE`; the result is the new field's numeric id; the field then exists on
every item of the entity (null until written). Labels accept a string or {lang: text}.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox import crm_common as cc
from sandbox import crm_entity as ce
from sandbox.errors import RestError
from sandbox.listing import param, parse_order
from sandbox.listing_ops import INT, STR, as_list, compile_filter, sort_key
from sandbox.methods import crm_item  # noqa: F401  registers crm.item.* (same entities)
from sandbox.methods.crm_company import COMPANY
from sandbox.methods.crm_contact import CONTACT
from sandbox.methods.crm_deal import DEAL
from sandbox.methods.crm_lead import LEAD
from sandbox.registry import CallContext, method

USER_TYPES = ("string", "integer", "double", "boolean", "datetime", "date", "money", "url",
              "address", "enumeration", "file", "employee", "crm_status", "iblock_section",
              "iblock_element", "crm")
_KINDS = {"ID": INT, "ENTITY_ID": STR, "FIELD_NAME": STR, "USER_TYPE_ID": STR, "XML_ID": STR,
          "SORT": INT, "MULTIPLE": STR, "MANDATORY": STR}


def _label(value: Any, lang: str) -> str | None:
    if isinstance(value, dict):
        return value.get(lang) or next(iter(value.values()), None)
    return None if value in (None, "") else str(value)


def add_userfield(portal: Any, entity: ce.Entity, fields: dict, lang: str = "ru") -> int:
    """Validate and store a user field definition; returns its id."""
    utype = str(fields.get("USER_TYPE_ID") or "")
    raw = str(fields.get("FIELD_NAME") or "").upper()
    if not raw:
        raise RestError("", "The 'FIELD_NAME' field is not found.", 400)
    name = raw if raw.startswith("UF_CRM_") else f"UF_CRM_{raw}"
    if len(name) > 50 or not re.fullmatch(r"UF_CRM_[A-Z0-9_]+", name):
        raise RestError("ERROR_CORE", "Invalid field name.", 400)
    if utype not in USER_TYPES:
        raise RestError("ERROR_CORE", "Invalid user type.", 400)
    table = portal.table(f"userfield.{entity.uf_entity}")
    if any(u["FIELD_NAME"] == name for u in table):
        raise RestError("ERROR_CORE", f"Field {name} already exists.", 400)
    label = _label(fields.get("LABEL"), lang)
    row = {"ENTITY_ID": entity.uf_entity, "FIELD_NAME": name, "USER_TYPE_ID": utype,
           "XML_ID": fields.get("XML_ID"), "SORT": str(fields.get("SORT") or 100),
           "MULTIPLE": "Y" if str(fields.get("MULTIPLE")).upper() in ("Y", "1", "TRUE") else "N",
           "MANDATORY": "Y" if str(fields.get("MANDATORY")).upper() in ("Y", "1") else "N",
           "SHOW_FILTER": str(fields.get("SHOW_FILTER") or "N"), "SHOW_IN_LIST": "Y",
           "EDIT_IN_LIST": "Y", "IS_SEARCHABLE": "N", "SETTINGS": fields.get("SETTINGS") or {},
           "ERROR_MESSAGE": None, "HELP_MESSAGE": None}
    for key in ("EDIT_FORM_LABEL", "LIST_COLUMN_LABEL", "LIST_FILTER_LABEL"):
        row[key] = _label(fields.get(key), lang) or label or name
    if utype == "enumeration":
        row["LIST"] = [{"ID": str(cc.next_seq(portal, "userfield.enum")),
                        "SORT": str(i.get("SORT", 10)), "VALUE": str(i.get("VALUE", "")),
                        "DEF": i.get("DEF", "N"), "XML_ID": i.get("XML_ID")}
                       for i in as_list(fields.get("LIST")) if isinstance(i, dict)]
    uf_id = cc.next_seq(portal, "userfield")
    row["ID"] = str(uf_id)
    table.put(uf_id, row)
    return uf_id


def _register(prefix: str, entity: ce.Entity) -> None:
    def table(ctx: CallContext) -> Any:
        return ctx.portal.table(f"userfield.{entity.uf_entity}")

    def find(ctx: CallContext, params: dict) -> dict:
        row = table(ctx).get(ce.parse_id(param(params, "id")))
        if row is None:
            raise RestError("", "The user field is not found.", 400)
        return row

    @method(f"{prefix}.userfield.add", scope="crm")
    def uf_add(ctx: CallContext, params: dict) -> int:
        fields = param(params, "fields")
        if not isinstance(fields, dict):
            raise RestError("", "The 'FIELD_NAME' field is not found.", 400)
        return add_userfield(ctx.portal, entity, fields, getattr(ctx.portal, "lang", "ru"))

    @method(f"{prefix}.userfield.list", scope="crm")
    def uf_list(ctx: CallContext, params: dict) -> list:
        """Not paged: every matching definition at once (EN:.../crm-deal-userfield-list.md)."""
        test = compile_filter(param(params, "filter") or {}, _KINDS)
        rows = [dict(r) for r in table(ctx) if test is None or test(r)]
        for name, desc in reversed(parse_order(param(params, "order"))):
            rows.sort(key=sort_key(name, _KINDS.get(name, STR)), reverse=desc)
        return rows

    @method(f"{prefix}.userfield.get", scope="crm")
    def uf_get(ctx: CallContext, params: dict) -> dict:
        return dict(find(ctx, params))

    @method(f"{prefix}.userfield.update", scope="crm")
    def uf_update(ctx: CallContext, params: dict) -> bool:
        row = find(ctx, params)
        for key, value in (param(params, "fields") or {}).items():
            if key.upper() not in ("ID", "FIELD_NAME", "USER_TYPE_ID", "ENTITY_ID", "MULTIPLE"):
                row[key.upper()] = value
        return True

    @method(f"{prefix}.userfield.delete", scope="crm")
    def uf_delete(ctx: CallContext, params: dict) -> bool:
        row = find(ctx, params)
        table(ctx).delete(int(row["ID"]))
        return True


for _prefix, _entity in (("crm.deal", DEAL), ("crm.lead", LEAD), ("crm.contact", CONTACT),
                         ("crm.company", COMPANY)):
    _register(_prefix, _entity)
