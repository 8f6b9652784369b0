"""Who worked a deal: every activity and timeline comment recorded on it, from their events.

ONCRMACTIVITYADD carries the activity's id (EN:api-reference/crm/timeline/activities/events/
on-crm-activity-add.md), ONCRMTIMELINECOMMENTADD data[ID] the comment's
(EN:api-reference/crm/timeline/comments/events/on-Crm-Timeline-Comment-Add.md); the read batch
fetches the item to learn its deals (an activity's OWNER and BINDINGS, a comment's ENTITY_*).
"Empty cards" (handlers/report/hygiene.py) are open deals with none of these. What the app
writes itself carries the author the app acts as (the installer, whose tokens it holds) and is
marked `own`: the app's own exchange and call comments do not make a card worked on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from b24.errors import B24ApiError
from b24.events import B24Event
from b24.values import to_datetime, to_int
from handlers.context import HandlerContext
from handlers.deals import deal_id as fields_id
from handlers.router import Read, router
from store import touches

DEAL = 2  # OWNER_TYPE_ID of deals (§8.1)


def comment_id(event: B24Event) -> int:
    value = to_int((event.data or {}).get("ID")) if isinstance(event.data, dict) else None
    if value is None:
        raise ValueError(f"{event.code} without data[ID]")
    return value


def activity_reads(event: B24Event) -> Iterable[Read]:
    yield Read(f"activity:{fields_id(event)}", "crm.activity.get", {"id": fields_id(event)})


def comment_reads(event: B24Event) -> Iterable[Read]:
    yield Read(f"comment:{comment_id(event)}", "crm.timeline.comment.get",
               {"id": comment_id(event)})


def activity_deals(activity: Mapping[str, Any]) -> set[int]:
    """The deals an activity belongs to: its owner and every binding (a call is bound to the
    client's open deals, crm-activity-get.md / BINDINGS in crm-activity-fields.md)."""
    pairs = [(activity.get("OWNER_TYPE_ID"), activity.get("OWNER_ID"))]
    pairs += [(b.get("OWNER_TYPE_ID"), b.get("OWNER_ID"))
              for b in activity.get("BINDINGS") or () if isinstance(b, Mapping)]
    return {i for t, i in ((to_int(t), to_int(i)) for t, i in pairs) if t == DEAL and i}


def _fetched(ctx: HandlerContext, key: str) -> Mapping[str, Any] | None:
    try:
        item = ctx.read(key)
    except B24ApiError as exc:
        if "not found" in exc.description.lower():
            return None  # deleted since: nothing was left on the card
        raise
    return item if isinstance(item, Mapping) else None


def _ours(ctx: HandlerContext, item: Mapping[str, Any]) -> bool:
    author = to_int(item.get("AUTHOR_ID"))
    return author is not None and author == ctx.portal.installer_user_id


@router.on("ONCRMACTIVITYADD", reads=activity_reads)
def on_activity_add(event: B24Event, ctx: HandlerContext) -> None:
    activity = _fetched(ctx, f"activity:{fields_id(event)}")
    if activity is None:
        return
    touches.record(ctx.session, ctx.portal.id, kind="activity", b24_id=fields_id(event),
                   deal_ids=activity_deals(activity), at=to_datetime(activity.get("CREATED")),
                   own=_ours(ctx, activity))


@router.on("ONCRMTIMELINECOMMENTADD", reads=comment_reads)
def on_comment_add(event: B24Event, ctx: HandlerContext) -> None:
    comment = _fetched(ctx, f"comment:{comment_id(event)}")
    if comment is None or str(comment.get("ENTITY_TYPE") or "").lower() != "deal":
        return
    deal = to_int(comment.get("ENTITY_ID"))
    touches.record(ctx.session, ctx.portal.id, kind="comment", b24_id=comment_id(event),
                   deal_ids=[deal] if deal else [], at=to_datetime(comment.get("CREATED")),
                   own=_ours(ctx, comment))
