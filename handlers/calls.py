"""Every finished call of Bitrix24's own telephony (ONVOXIMPLANTCALLEND, §4.2), stored once.

The statistics row (§9.1) adds the recording (RECORD_FILE_ID, a disk file that pages play
through the app, EN:api-reference/disk/file/disk-file-get.md; CALL_RECORD_URL where a portal
still fills it) and the CRM binding the event lacks; the CRM
lookups for the telephony rules ride in the same read batch. A call our PBX endpoint already
stored (registered by us, so the portal's CALL_ID is on its pbx_calls row) is enriched, not
stored or decided again. (INIT/START are not bound: their `ts` is when the portal's queue
sent them, not when the call rang or was answered, §3.2, so they cannot time an answer.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from b24.errors import B24ApiError
from b24.events import B24Event
from b24.values import to_datetime, to_int
from handlers.context import HandlerContext
from handlers.phones import normalize
from handlers.router import Read, router
from handlers.telephony import config as telephony_config
from handlers.telephony import intake, matching
from store import telephony
from store.calls import upsert_call
from store.models import Call

MISSED = "304"


def call_id(event: B24Event) -> str:
    value = str(event.data.get("CALL_ID") or "")
    if not value:
        raise ValueError(f"{event.code} without CALL_ID")
    return value


def call_reads(event: B24Event) -> Iterable[Read]:
    cid = call_id(event)
    yield Read(f"call:{cid}", "voximplant.statistic.get", {"FILTER": {"CALL_ID": cid}})
    yield from matching.reads(cid, event.data)


def call_values(row: Mapping[str, Any], region: str = "RU") -> dict[str, Any]:
    """Statistics row or event data (same field names) -> our Call columns."""
    failed = str(row.get("CALL_FAILED_CODE") or "") or None
    duration = to_int(row.get("CALL_DURATION")) or 0
    return {
        "call_id": str(row["CALL_ID"]), "source": "b24",
        "call_type": to_int(row.get("CALL_TYPE")) or 0,
        "phone_raw": str(row.get("PHONE_NUMBER") or ""),
        "phone": normalize(row.get("PHONE_NUMBER"), region),
        "line": str(row.get("PORTAL_NUMBER") or "") or None,
        "user_id": to_int(row.get("PORTAL_USER_ID")),
        "start_at": to_datetime(row.get("CALL_START_DATE")),
        "duration": duration, "failed_code": failed,
        "answered": failed == "200" or (failed is None and duration > 0),
        "record_url": row.get("CALL_RECORD_URL") or None,
        "record_file_id": to_int(row.get("RECORD_FILE_ID")),
        "crm_entity_type": row.get("CRM_ENTITY_TYPE") or None,
        "crm_entity_id": to_int(row.get("CRM_ENTITY_ID")),
        "crm_activity_id": to_int(row.get("CRM_ACTIVITY_ID")),
        "vote": vote_of(row.get("CALL_VOTE")),
    }


def vote_of(value: Any) -> int | None:
    """CALL_VOTE: the client's rating 1-5 (a string in the statistics row, a number in
    externalCall.finish's answer); "0", null or anything else means no rating
    (EN:api-reference/telephony/voximplant/voximplant-statistic-get.md,
    telephony/telephony-external-call-finish.md: VOTE 1..5, "0 или null" when absent)."""
    n = to_int(value)
    return n if n is not None and 1 <= n <= 5 else None


@router.on("ONVOXIMPLANTCALLEND", reads=call_reads)
def on_call_end(event: B24Event, ctx: HandlerContext) -> None:
    cid = call_id(event)
    try:
        rows = ctx.read(f"call:{cid}") or []
    except B24ApiError:  # statistics not readable (permission): the event alone still counts
        rows = []
    source = rows[0] if rows else {**event.data, "CALL_ID": cid}
    cfg = telephony_config.load(ctx.session, ctx.portal.id)
    values = call_values(source, cfg.region)
    if _ours_from_pbx(ctx, cid, source, values) is not None:
        return  # our PBX call: decided before we registered it (handlers/telephony/pbx_work)
    call, _ = upsert_call(ctx.session, ctx.portal.id, values)
    telephony.note_call(ctx.session, call)
    phone_raw = str(event.data.get("PHONE_NUMBER") or "")  # the number the reads were keyed by
    portal_view = matching.from_portal(ctx, cid, phone_raw) if phone_raw else None
    mirror_view = matching.from_mirror(ctx.session, ctx.portal.id, call.phone,
                                       before=call.start_at, region=cfg.region)
    intake.react(ctx, call, (portal_view or matching.Client()) | mirror_view)


def _ours_from_pbx(ctx: HandlerContext, cid: str, source: Mapping[str, Any],
                   values: dict[str, Any]) -> Call | None:
    """The END of a call we registered for the PBX: add the portal's CRM facts to our row."""
    pbx = telephony.find_pbx(ctx.session, ctx.portal.id, b24_call_id=cid)
    external = str(source.get("EXTERNAL_CALL_ID") or "")
    if pbx is None and external:
        pbx = telephony.find_pbx(ctx.session, ctx.portal.id, call_id=external)
    call = telephony.find_call(ctx.session, ctx.portal.id, pbx.call_id) if pbx else None
    if call is None:
        return None
    for key in ("crm_entity_type", "crm_entity_id", "crm_activity_id", "record_url",
                "record_file_id", "vote"):
        if values.get(key) is not None and getattr(call, key) is None:
            setattr(call, key, values[key])
    ctx.session.flush()
    return call

