"""crm.stagehistory.list — when each lead/deal entered which stage.

Facts (§8.9, EN:api-reference/crm/crm-stage-history-list.md): entityTypeId 1 (lead) or 2
(deal); result {"items": [...]} with `total`; ID/TYPE_ID/OWNER_ID/CATEGORY_ID are integers;
TYPE_ID 1 created, 2 moved to an intermediate stage, 3 moved to a final stage, 5 funnel changed;
leads carry STATUS_ID/STATUS_SEMANTIC_ID, deals CATEGORY_ID/STAGE_ID/STAGE_SEMANTIC_ID; filter
operators as in §7; other entity types -> ENTITY_TYPE_NOT_SUPPORTED.
"""

from __future__ import annotations

from sandbox.errors import RestError
from sandbox.listing import Fields, param, run_list
from sandbox.listing_ops import DT, ENUM, INT
from sandbox.registry import CallContext, Page, method

_COMMON = {"ID": INT, "TYPE_ID": INT, "OWNER_ID": INT, "CREATED_TIME": DT}
LEAD_FIELDS = Fields.of({**_COMMON, "STATUS_SEMANTIC_ID": ENUM, "STATUS_ID": ENUM})
DEAL_FIELDS = Fields.of({**_COMMON, "CATEGORY_ID": INT, "STAGE_SEMANTIC_ID": ENUM,
                         "STAGE_ID": ENUM})


@method("crm.stagehistory.list", scope="crm")
def stagehistory_list(ctx: CallContext, params: dict) -> Page:
    try:
        entity_type = int(param(params, "entityTypeId", 0))
    except (TypeError, ValueError):
        entity_type = 0
    if entity_type not in (1, 2):
        raise RestError("ENTITY_TYPE_NOT_SUPPORTED",
                        f"Entity type {entity_type} is not supported", 400)
    fields = LEAD_FIELDS if entity_type == 1 else DEAL_FIELDS
    page = run_list(ctx.portal.table("crm.stagehistory"), params, fields, default_select=("*",),
                    where=lambda row: row["_ENTITY_TYPE_ID"] == entity_type)
    page.items = {"items": page.items}
    return page
