"""Keep the local lead mirror current from lead events."""

from __future__ import annotations

from collections.abc import Iterable

from b24.errors import B24ApiError
from b24.events import B24Event
from handlers.context import HandlerContext
from handlers.deals import deal_id as entity_id
from handlers.router import Read, router
from store import mirror


def lead_reads(event: B24Event) -> Iterable[Read]:
    lid = entity_id(event)
    yield Read(f"lead:{lid}", "crm.lead.get", {"id": lid})


@router.on("ONCRMLEADADD", reads=lead_reads)
@router.on("ONCRMLEADUPDATE", reads=lead_reads)
def on_lead_change(event: B24Event, ctx: HandlerContext) -> None:
    lid = entity_id(event)
    try:
        fields = ctx.read(f"lead:{lid}")
    except B24ApiError as exc:
        if "not found" in exc.description.lower():
            mirror.mark_lead_deleted(ctx.session, ctx.portal.id, lid)
            return
        raise
    mirror.upsert_lead(ctx.session, ctx.portal.id, fields)


@router.on("ONCRMLEADDELETE")
def on_lead_delete(event: B24Event, ctx: HandlerContext) -> None:
    mirror.mark_lead_deleted(ctx.session, ctx.portal.id, entity_id(event))
