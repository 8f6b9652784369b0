"""Exactly-once writes: find what a write whose answer was lost left in the portal.

A write batch can run in the portal while its answer never reaches us (a proxy's 504, a reset
connection). Sending it again would double it, so before that we look it up:
- a CRM item added by us carries ORIGINATOR_ID + ORIGIN_ID, fields crm.deal.add, crm.lead.add
  and crm.contact.add accept for exactly this ("identifier of the data source" / "of the item
  in the data source", EN:api-reference/crm/deals/crm-deal-add.md), and crm.*.list filters by
  them;
- a timeline comment has no such field: it is found by its card, its text and its time
  (crm.timeline.comment.list filters on ENTITY_ID + ENTITY_TYPE and, with a prefix, on
  CREATED: EN:api-reference/crm/timeline/comments/crm-timeline-comment-list.md);
- a to-do (crm.activity.todo.add) has no origin field either
  (EN:api-reference/crm/timeline/activities/todo/crm-activity-todo-add.md): it is found among
  the owner's open to-dos by its title (SUBJECT), responsible person and text (crm.activity.list
  filters on these fields: EN:api-reference/crm/timeline/activities/activity-base/
  crm-activity-list.md);
- a notification needs no look-up: it carries its write key as TAG, and a notification with
  the TAG of an earlier one replaces it
  (EN:api-reference/chats/notifications/im-notify-system-add.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from b24.errors import B24TransportError, ServerError
from b24.values import iso, to_int

ORIGINATOR = "sales-guard"  # ORIGINATOR_ID of everything this app adds
COMMENT_ADD = "crm.timeline.comment.add"
NOTIFY_METHODS = frozenset({"im.notify.system.add", "im.notify.personal.add", "im.notify"})
SKEW = timedelta(minutes=5)  # the portal's clock against ours


def origin(kind: str, key: object) -> dict[str, str]:
    """The ORIGINATOR_ID/ORIGIN_ID pair for an add, stable across every retry of it."""
    return {"ORIGINATOR_ID": ORIGINATOR, "ORIGIN_ID": f"{kind}:{key}"}


def answer_lost(exc: Exception) -> bool:
    """Might the portal have run the request? A reset or timed-out connection, or a 5xx page
    from its front proxy (no Bitrix error code). A Bitrix error answer is an answer."""
    if isinstance(exc, B24TransportError):
        return exc.maybe_sent and (exc.status is None or exc.status >= 500)
    return isinstance(exc, ServerError) and not exc.code


def by_origin_cmd(entity: str, fields: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return f"crm.{entity}.list", {"filter": {"ORIGINATOR_ID": fields["ORIGINATOR_ID"],
                                             "ORIGIN_ID": fields["ORIGIN_ID"]}, "select": ["ID"]}


def found_id(rows: Any) -> int | None:
    """The id a by-origin or comment look-up found (None: the write never ran)."""
    return to_int(rows[0]["ID"]) if isinstance(rows, list) and rows else None


def comment_cmd(params: dict[str, Any], sent_at: datetime) -> tuple[str, dict[str, Any]]:
    fields = params.get("fields") or {}
    return "crm.timeline.comment.list", {
        "filter": {"ENTITY_ID": fields.get("ENTITY_ID"), "ENTITY_TYPE": fields.get("ENTITY_TYPE"),
                   ">=CREATED": iso(sent_at - SKEW)},
        "select": ["ID", "COMMENT"], "order": {"ID": "DESC"}}


def comment_found(rows: Any, params: dict[str, Any]) -> bool:
    text = str((params.get("fields") or {}).get("COMMENT") or "")
    return isinstance(rows, list) and any(str(r.get("COMMENT")) == text for r in rows)


def todo_cmd(owner_type_id: int, owner_id: int, *, title: str,
             responsible: int) -> tuple[str, dict[str, Any]]:
    return "crm.activity.list", {
        "filter": {"OWNER_TYPE_ID": owner_type_id, "OWNER_ID": owner_id, "SUBJECT": title,
                   "RESPONSIBLE_ID": responsible, "COMPLETED": "N"},
        "select": ["ID", "DESCRIPTION"], "order": {"ID": "DESC"}}


def todo_found(rows: Any, description: str) -> int | None:
    """The open to-do a todo_cmd look-up found with this text (None: the add never ran)."""
    if not isinstance(rows, list):
        return None
    return next((to_int(r.get("ID")) for r in rows
                 if str(r.get("DESCRIPTION") or "") == description), None)


def with_tag(method: str, params: dict[str, Any], key: str) -> dict[str, Any]:
    """A notification without a TAG gets its write key: sending it twice shows it once."""
    if method in NOTIFY_METHODS and not params.get("TAG"):
        return {**params, "TAG": key[:255]}
    return params
