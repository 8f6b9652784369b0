"""Keep the local deal mirror current from deal events (the reports read the mirror)."""

from __future__ import annotations

from collections.abc import Iterable

from b24.errors import B24ApiError
from b24.events import B24Event
from b24.values import to_int
from handlers.audits import reactions as audit_reactions
from handlers.context import HandlerContext
from handlers.exchange import reactions as exchange_reactions
from handlers.router import Read, router
from store import mirror


def deal_id(event: B24Event) -> int:
    fields = event.data.get("FIELDS") if isinstance(event.data, dict) else None
    value = to_int((fields or {}).get("ID"))
    if value is None:
        raise ValueError(f"{event.code} without data[FIELDS][ID]")
    return value


def deal_reads(event: B24Event) -> Iterable[Read]:
    did = deal_id(event)
    yield Read(f"deal:{did}", "crm.deal.get", {"id": did})


@router.on("ONCRMDEALADD", reads=deal_reads)
@router.on("ONCRMDEALUPDATE", reads=deal_reads)
@router.on("ONCRMDEALMOVETOCATEGORY", reads=deal_reads)
def on_deal_change(event: B24Event, ctx: HandlerContext) -> None:
    """Events carry only the id (§4.1): the prefetched crm.deal.get is the truth."""
    did = deal_id(event)
    try:
        fields = ctx.read(f"deal:{did}")
    except B24ApiError as exc:
        if "not found" in exc.description.lower():
            mirror.mark_deal_deleted(ctx.session, ctx.portal.id, did)  # deleted since
            return
        raise
    deal, changed = mirror.upsert_deal(ctx.session, ctx.portal.id, fields)
    # The domain reactions, in a fixed and visible order.
    exchange_reactions.on_deal_changed(ctx, deal, changed, fields)
    audit_reactions.on_deal_changed(ctx, deal, changed, fields)


@router.on("ONCRMDEALDELETE")
def on_deal_delete(event: B24Event, ctx: HandlerContext) -> None:
    mirror.mark_deal_deleted(ctx.session, ctx.portal.id, deal_id(event))
