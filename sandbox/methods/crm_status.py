"""crm.status.* — directories: lead statuses, deal stages per funnel, sources, types.

Facts (§8.3, EN:api-reference/crm/status/crm-status-list.md, crm-status-entity-items.md,
crm-status-add.md): ENTITY_ID `STATUS` (lead statuses), `DEAL_STAGE` (funnel 0),
`DEAL_STAGE_{N}` (funnel N, ids prefixed `C{N}:`), `SOURCE`, `DEAL_TYPE`...; item fields ID,
ENTITY_ID, STATUS_ID, NAME, NAME_INIT, SORT (string), SYSTEM, CATEGORY_ID, COLOR, SEMANTICS
(null / S / F) and, for leads and deals only, EXTRA {SEMANTICS process|success|failure|apology,
COLOR}; crm.status.list is not paged (returns every match plus `total`); entity.items returns
[{NAME, SORT (int), STATUS_ID}] ordered by SORT.
"""

from __future__ import annotations

from typing import Any

from sandbox import crm_common as cc
from sandbox.crm_entity import parse_id
from sandbox.errors import RestError, not_found
from sandbox.listing import param, parse_order
from sandbox.listing_ops import INT, STR, compile_filter, sort_key
from sandbox.registry import CallContext, Page, method

KINDS = {"ID": INT, "ENTITY_ID": STR, "STATUS_ID": STR, "NAME": STR, "NAME_INIT": STR,
         "SORT": INT, "SYSTEM": STR, "CATEGORY_ID": INT, "COLOR": STR, "SEMANTICS": STR}
_EXTRA = {None: "process", "S": "success", "F": "failure"}


def add_status(portal: Any, entity_id: str, status_id: str, name: str, sort: int, *,
               semantics: str | None = None, color: str = "#39A8EF", system: bool = False,
               category_id: int | None = None) -> dict:
    """Store one directory item the way crm.status.list renders it."""
    row: dict[str, Any] = {
        "ENTITY_ID": entity_id, "STATUS_ID": status_id, "NAME": name,
        "NAME_INIT": name if system else "", "SORT": str(sort), "SYSTEM": "Y" if system else "N",
        "CATEGORY_ID": None if category_id is None else str(category_id), "COLOR": color,
        "SEMANTICS": semantics}
    if entity_id == "STATUS" or entity_id.startswith("DEAL_STAGE"):
        label = "apology" if status_id.endswith("APOLOGY") else _EXTRA.get(semantics, "process")
        row["EXTRA"] = {"SEMANTICS": label, "COLOR": color}
    portal.table("crm.status").insert(row)
    return row


@method("crm.status.list", scope="crm")
def status_list(ctx: CallContext, params: dict) -> Page:
    test = compile_filter(param(params, "filter") or {}, KINDS)
    rows = [dict(r) for r in ctx.portal.table("crm.status") if test is None or test(r)]
    for name, desc in reversed(parse_order(param(params, "order"))):
        rows.sort(key=sort_key(name, KINDS.get(name, STR)), reverse=desc)
    return Page(rows, len(rows), None)


@method("crm.status.entity.items", scope="crm")
def status_entity_items(ctx: CallContext, params: dict) -> list[dict]:
    entity_id = str(param(params, "entityId") or "")
    return [{"NAME": r["NAME"], "SORT": int(r["SORT"]), "STATUS_ID": r["STATUS_ID"]}
            for r in cc.statuses(ctx.portal, entity_id)]


@method("crm.status.get", scope="crm")
def status_get(ctx: CallContext, params: dict) -> dict:
    row = ctx.portal.table("crm.status").get(parse_id(param(params, "id")))
    if row is None:
        raise not_found()
    return dict(row)


@method("crm.status.add", scope="crm")
def status_add(ctx: CallContext, params: dict) -> int:
    fields = param(params, "fields") or {}
    entity_id, status_id = fields.get("ENTITY_ID"), fields.get("STATUS_ID")
    if not entity_id or not status_id:
        raise RestError("", "ENTITY_ID and STATUS_ID are required.", 400)
    if any(r["ENTITY_ID"] == entity_id and r["STATUS_ID"] == status_id
           for r in ctx.portal.table("crm.status")):
        raise RestError("", f"Status {status_id} already exists.", 400)
    row = add_status(ctx.portal, entity_id, status_id, str(fields.get("NAME") or status_id),
                     int(fields.get("SORT") or 10), semantics=fields.get("SEMANTICS") or None,
                     color=str(fields.get("COLOR") or "#39A8EF"))
    return int(row["ID"])
