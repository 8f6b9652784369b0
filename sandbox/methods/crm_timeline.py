"""crm.timeline.comment.add/list/get/update/delete — comments in a CRM card's timeline.

Facts (§8.7, EN:api-reference/crm/timeline/comments/crm-timeline-comment-add.md,
crm-timeline-comment-list.md, events/on-Crm-Timeline-Comment-Add.md): `fields` with ENTITY_ID,
ENTITY_TYPE (lead/deal/contact/company), COMMENT all required (empty comment ->
INVALID_ARG_VALUE, unknown owner -> OWNER_NOT_FOUND); list needs filter ENTITY_ID + ENTITY_TYPE
and sorts by ID/CREATED/AUTHOR_ID; items {ID, ENTITY_ID, ENTITY_TYPE, CREATED, COMMENT,
AUTHOR_ID, FILES}; ONCRMTIMELINECOMMENTADD carries data {"ID": <id>}.
"""

from __future__ import annotations

from typing import Any

from sandbox import crm_common as cc
from sandbox.crm_entity import parse_id
from sandbox.errors import RestError
from sandbox.listing import Fields, param, run_list
from sandbox.listing_ops import DT, INT, OBJ, STR
from sandbox.registry import CallContext, Page, method

TABLE = "crm.timeline.comment"
OWNERS = {"lead": "crm.lead", "deal": "crm.deal", "contact": "crm.contact",
          "company": "crm.company"}
FIELDS = Fields.of({"ID": INT, "ENTITY_ID": INT, "ENTITY_TYPE": STR, "CREATED": DT,
                    "COMMENT": STR, "AUTHOR_ID": INT, "FILES": OBJ})


def add_comment(ctx: CallContext, entity_type: str, entity_id: Any, comment: str) -> int:
    """Store a comment on an existing card and fire ONCRMTIMELINECOMMENTADD."""
    kind = str(entity_type or "").lower()
    if not str(comment or "").strip():
        raise RestError("INVALID_ARG_VALUE", "Comment is empty", 400)
    table = OWNERS.get(kind)
    if table is None or ctx.portal.table(table).get(parse_id(entity_id)) is None:
        raise RestError("OWNER_NOT_FOUND", "Owner not found", 400)
    row = {"ENTITY_ID": str(int(entity_id)), "ENTITY_TYPE": kind, "CREATED": cc.fmt_dt(ctx.now),
           "COMMENT": str(comment), "AUTHOR_ID": str(ctx.user_id or 1), "FILES": {}}
    new_id = ctx.portal.table(TABLE).insert(row)
    ctx.emit("ONCRMTIMELINECOMMENTADD", {"ID": new_id})
    return new_id


@method("crm.timeline.comment.add", scope="crm")
def comment_add(ctx: CallContext, params: dict) -> int:
    fields = params.get("fields")  # must be lower-case `fields` (crm >= 23.100.0, §8.7)
    if not isinstance(fields, dict):
        raise RestError("100", "Required fields are missing", 400)
    return add_comment(ctx, fields.get("ENTITY_TYPE"), fields.get("ENTITY_ID"),
                       fields.get("COMMENT"))


@method("crm.timeline.comment.list", scope="crm")
def comment_list(ctx: CallContext, params: dict) -> Page:
    filt = param(params, "filter") or {}
    if not filt.get("ENTITY_ID") or not filt.get("ENTITY_TYPE"):
        raise RestError("INVALID_ARG_VALUE", "ENTITY_ID and ENTITY_TYPE are required", 400)
    return run_list(ctx.portal.table(TABLE), params, FIELDS, default_select=("*", "FILES"))


def _row(ctx: CallContext, params: dict) -> dict:
    row = ctx.portal.table(TABLE).get(parse_id(param(params, "id")))
    if row is None:
        raise RestError("NOT_FOUND", "Comment not found", 400)
    return row


@method("crm.timeline.comment.get", scope="crm")
def comment_get(ctx: CallContext, params: dict) -> dict:
    return dict(_row(ctx, params))


@method("crm.timeline.comment.update", scope="crm")
def comment_update(ctx: CallContext, params: dict) -> int:
    row = _row(ctx, params)
    comment = (param(params, "fields") or {}).get("COMMENT")
    if not str(comment or "").strip():
        raise RestError("INVALID_ARG_VALUE", "Comment is empty", 400)
    row["COMMENT"] = str(comment)
    ctx.emit("ONCRMTIMELINECOMMENTUPDATE", {"ID": int(row["ID"])})
    return int(row["ID"])


@method("crm.timeline.comment.delete", scope="crm")
def comment_delete(ctx: CallContext, params: dict) -> bool:
    row = _row(ctx, params)
    ctx.portal.table(TABLE).delete(int(row["ID"]))
    ctx.emit("ONCRMTIMELINECOMMENTDELETE", {"ID": int(row["ID"])})
    return True
