"""Store every finished call of Bitrix24's own telephony (ONVOXIMPLANTCALLEND, §4.2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from b24.errors import B24ApiError
from b24.events import B24Event
from b24.values import to_datetime, to_int
from handlers.context import HandlerContext
from handlers.phones import normalize
from handlers.router import Read, router
from store.calls import upsert_call

MISSED = "304"


def call_id(event: B24Event) -> str:
    value = str(event.data.get("CALL_ID") or "")
    if not value:
        raise ValueError("ONVOXIMPLANTCALLEND without CALL_ID")
    return value


def call_reads(event: B24Event) -> Iterable[Read]:
    """The statistics row adds the recording and the CRM binding the event lacks (§9.1)."""
    cid = call_id(event)
    yield Read(f"call:{cid}", "voximplant.statistic.get", {"FILTER": {"CALL_ID": cid}})


def call_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """Statistics row or event data (same field names) -> our Call columns."""
    failed = str(row.get("CALL_FAILED_CODE") or "") or None
    duration = to_int(row.get("CALL_DURATION")) or 0
    return {
        "call_id": str(row["CALL_ID"]), "source": "b24",
        "call_type": to_int(row.get("CALL_TYPE")) or 0,
        "phone_raw": str(row.get("PHONE_NUMBER") or ""),
        "phone": normalize(row.get("PHONE_NUMBER")),
        "line": str(row.get("PORTAL_NUMBER") or "") or None,
        "user_id": to_int(row.get("PORTAL_USER_ID")),
        "start_at": to_datetime(row.get("CALL_START_DATE")),
        "duration": duration, "failed_code": failed,
        "answered": failed == "200" or (failed is None and duration > 0),
        "record_url": row.get("CALL_RECORD_URL") or None,
        "crm_entity_type": row.get("CRM_ENTITY_TYPE") or None,
        "crm_entity_id": to_int(row.get("CRM_ENTITY_ID")),
        "crm_activity_id": to_int(row.get("CRM_ACTIVITY_ID")),
    }


@router.on("ONVOXIMPLANTCALLEND", reads=call_reads)
def on_call_end(event: B24Event, ctx: HandlerContext) -> None:
    cid = call_id(event)
    try:
        rows = ctx.read(f"call:{cid}") or []
    except B24ApiError:  # statistics not readable (permission): the event alone still counts
        rows = []
    source = rows[0] if rows else {**event.data, "CALL_ID": cid}
    upsert_call(ctx.session, ctx.portal.id, call_values(source))
