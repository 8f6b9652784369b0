"""Keep the local lead mirror current from lead events."""

from __future__ import annotations

from collections.abc import Iterable

from b24.errors import B24ApiError
from b24.events import B24Event
from handlers.context import HandlerContext
from handlers.deals import deal_id as entity_id
from handlers.lead_rules import reactions as lead_rules
from handlers.router import Read, router
from store import lead_rules as lead_store
from store import mirror


def lead_reads(event: B24Event) -> Iterable[Read]:
    lid = entity_id(event)
    yield Read(f"lead:{lid}", "crm.lead.get", {"id": lid})
    yield from lead_rules.lead_reads(event.code, lid)


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
    known = lead_store.find_lead(ctx.session, ctx.portal.id, lid)
    previous = (known.status_id, known.status_semantic) if known and not known.deleted else None
    lead = mirror.upsert_lead(ctx.session, ctx.portal.id, fields)
    # The domain reactions, in a fixed and visible order.
    lead_rules.on_lead_changed(ctx, lead, previous, fields)


@router.on("ONCRMLEADDELETE")
def on_lead_delete(event: B24Event, ctx: HandlerContext) -> None:
    mirror.mark_lead_deleted(ctx.session, ctx.portal.id, entity_id(event))
