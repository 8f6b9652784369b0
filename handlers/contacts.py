"""Keep the contact mirror current: who the client is, and by which numbers we know them."""

from __future__ import annotations

from collections.abc import Iterable

from b24.errors import B24ApiError
from b24.events import B24Event
from handlers.context import HandlerContext
from handlers.deals import deal_id as entity_id
from handlers.router import Read, router
from handlers.telephony.config import phone_normalizer
from store import mirror

SELECT = ["ID", "NAME", "LAST_NAME", "SECOND_NAME", "ASSIGNED_BY_ID", "PHONE", "EMAIL",
          "DATE_MODIFY"]


def contact_reads(event: B24Event) -> Iterable[Read]:
    cid = entity_id(event)
    yield Read(f"contact:{cid}", "crm.contact.get", {"id": cid})


@router.on("ONCRMCONTACTADD", reads=contact_reads)
@router.on("ONCRMCONTACTUPDATE", reads=contact_reads)
def on_contact_change(event: B24Event, ctx: HandlerContext) -> None:
    try:
        fields = ctx.read(f"contact:{entity_id(event)}")
    except B24ApiError as exc:
        if "not found" in exc.description.lower():
            return  # deleted since; nothing to mirror
        raise
    mirror.upsert_contact(ctx.session, ctx.portal.id, fields,
                          normalize=phone_normalizer(ctx.session, ctx.portal.id))
