"""crm.category.* (entityTypeId 2 = deal funnels) and the older crm.dealcategory.get/stage.list.

Facts (§8.3, EN:api-reference/crm/universal/category/crm-category-list.md, crm-category-get.md,
crm-category-add.md, EN:api-reference/crm/outdated/category-old/crm-deal-category-stage-list.md):
list -> {"categories": [{id, name, sort, entityTypeId, isDefault, originId, originatorId}]} with
`total`; get -> {"category": {...}}; funnel 0 always exists; a new funnel N gets stages
`C{N}:NEW ... C{N}:WON, C{N}:LOSE` in directory DEAL_STAGE_{N}.
"""

from __future__ import annotations

from typing import Any

from sandbox import crm_common as cc
from sandbox.errors import RestError
from sandbox.listing import param
from sandbox.methods.crm_status import add_status
from sandbox.registry import CallContext, Page, method

DEFAULT_STAGES = (("NEW", "Новая", None), ("PREPARATION", "Подготовка документов", None),
                  ("EXECUTING", "В работе", None), ("WON", "Сделка успешна", "S"),
                  ("LOSE", "Сделка провалена", "F"))


def categories(portal: Any, entity_type_id: int = 2) -> list[dict]:
    table = portal.table("crm.category")
    if entity_type_id == 2 and not any(r["entityTypeId"] == 2 and r["id"] == 0 for r in table):
        add_category(portal, "Общая", sort=300, category_id=0, stages=False)
    rows = [r for r in table if r["entityTypeId"] == entity_type_id]
    return sorted(rows, key=lambda r: (r["sort"], r["id"]))


def add_category(portal: Any, name: str, *, sort: int = 200, category_id: int | None = None,
                 stages: bool = True) -> dict:
    """A funnel row (id 0 = the default one) and, if asked, its default stages."""
    table = portal.table("crm.category")
    if category_id is None:
        category_id = max((r["id"] for r in table), default=0) + 1
    row = {"id": category_id, "name": name, "sort": sort, "entityTypeId": 2,
           "isDefault": "Y" if category_id == 0 else "N", "originId": "", "originatorId": ""}
    table.put(category_id + 1, row)  # table ids start at 1; funnel 0 sits at key 1
    if stages:
        prefix = f"C{category_id}:" if category_id else ""
        for n, (code, title, sem) in enumerate(DEFAULT_STAGES):
            add_status(portal, cc.stage_entity(category_id), prefix + code, title, 10 * (n + 1),
                       semantics=sem, system=sem is not None, category_id=category_id)
    return row


def _entity_type(params: dict) -> int:
    try:
        value = int(param(params, "entityTypeId"))
    except (TypeError, ValueError):
        raise RestError("", "entityTypeId is required", 400) from None
    if value != 2:
        raise RestError("NOT_FOUND", "Smart process not found", 400)  # only deal funnels here
    return value


def _find(ctx: CallContext, category_id: Any) -> dict:
    for row in categories(ctx.portal):
        if str(row["id"]) == str(category_id):
            return row
    raise RestError("NOT_FOUND", "Category not found", 400)


@method("crm.category.list", scope="crm")
def category_list(ctx: CallContext, params: dict) -> Page:
    rows = [dict(r) for r in categories(ctx.portal, _entity_type(params))]
    return Page({"categories": rows}, len(rows), None)


@method("crm.category.get", scope="crm")
def category_get(ctx: CallContext, params: dict) -> dict:
    _entity_type(params)
    return {"category": dict(_find(ctx, param(params, "id")))}


@method("crm.category.add", scope="crm")
def category_add(ctx: CallContext, params: dict) -> dict:
    _entity_type(params)
    fields = param(params, "fields") or {}
    row = add_category(ctx.portal, str(fields.get("name") or "Воронка"),
                       sort=int(fields.get("sort") or 200))
    return {"category": dict(row)}


@method("crm.dealcategory.get", scope="crm")
def dealcategory_get(ctx: CallContext, params: dict) -> dict:
    row = _find(ctx, param(params, "id"))
    return {"ID": str(row["id"]), "NAME": row["name"], "SORT": str(row["sort"]),
            "IS_LOCKED": "N", "CREATED_DATE": None}


@method("crm.dealcategory.stage.list", scope="crm")
def dealcategory_stage_list(ctx: CallContext, params: dict) -> list[dict]:
    category_id = int(param(params, "id") or 0)
    return [{"NAME": r["NAME"], "SORT": r["SORT"], "STATUS_ID": r["STATUS_ID"]}
            for r in cc.statuses(ctx.portal, cc.stage_entity(category_id))]
