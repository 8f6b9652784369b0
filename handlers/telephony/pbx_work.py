"""An external PBX's call in Bitrix24: decide what it asks of the CRM, then register and finish.

`decide` (work kind "rules") runs first: the portal's crm.duplicate.findbycomm and our mirror
say whether the number is known, and handlers.telephony.intake queues the deal, comment or
to-do. `run` (kind "pbx") waits until that call's deal exists, so the call lands in the CRM
card: telephony.externalCall.register (bound to the deal's contact when we made one), then
.finish (§9.2), then .attachRecord for the recording (RECORD_URL on finish is deprecated in
the method's spec). Register is sent alone and its CALL_ID saved at once: everything after needs
it, and a saved CALL_ID means we never register the call again. A crash between the answer
and the save is covered by EXTERNAL_CALL_ID (= the PBX's call id): the portal answers a
repeated register within 30 minutes with the same CALL_ID. Finish writes the CRM activity
and fires ONVOXIMPLANTCALLEND, where handlers/calls.py adds the
portal's CRM facts to our row.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import exists, select

from b24.errors import B24ApiError
from b24.values import iso, to_int
from handlers.telephony import config as telephony_config
from handlers.telephony import intake, matching
from store import telephony as store
from store.db import write_lock
from store.telephony_models import CallDeal, CallWork

if TYPE_CHECKING:
    from handlers.exchange.actions import ActionContext
    from store.models import Call
    from store.telephony_models import PbxCall

logger = logging.getLogger(__name__)
WAIT = "wait"  # the outcome "not ready yet": the work queue tries again soon


def _operator(pbx: PbxCall) -> dict[str, object]:
    return {"USER_ID": pbx.user_id} if pbx.user_id else {"USER_PHONE_INNER": pbx.extension}


def register_params(call: Call, pbx: PbxCall, contact_id: int | None = None) -> dict[str, object]:
    params: dict[str, object] = {
        **_operator(pbx), "PHONE_NUMBER": call.phone_raw or call.phone,
        "TYPE": 2 if pbx.direction == "in" else 1, "CALL_START_DATE": iso(call.start_at),
        "LINE_NUMBER": call.line or "", "EXTERNAL_CALL_ID": call.call_id, "CRM_CREATE": 0,
        "SHOW": 0}
    if contact_id:
        params.update(CRM_ENTITY_TYPE="CONTACT", CRM_ENTITY_ID=contact_id)
    return params


def decide(ctx: ActionContext, item: CallWork) -> str:
    """Known or new, missed or not: the same rules as for Bitrix24's own calls."""
    call = store.find_call(ctx.session, ctx.portal.id, item.call_id or "")
    if call is None:
        raise LookupError(f"PBX call {item.call_id} is gone")
    region = telephony_config.load(ctx.session, ctx.portal.id).region
    ctx.session.commit()
    found = ctx.b24.call("crm.duplicate.findbycomm", {
        "type": "PHONE", "values": [call.phone_raw or call.phone]}) if call.phone else []
    write_lock(ctx.session)
    mirror = matching.from_mirror(ctx.session, ctx.portal.id, call.phone, before=call.start_at,
                                  region=region)
    intake.react(ctx, call, matching.client_of(found) | mirror)
    return "done"


def _deal_pending(ctx: ActionContext, call_id: str) -> bool:
    return bool(ctx.session.scalar(select(exists().where(
        CallWork.portal_id == ctx.portal.id, CallWork.call_id == call_id,
        CallWork.kind.in_(("rules", "deal")), CallWork.status == "pending"))))


def finish_params(call: Call, pbx: PbxCall) -> dict[str, object]:
    params: dict[str, object] = {**_operator(pbx), "CALL_ID": pbx.b24_call_id,
                                 "DURATION": call.duration,
                                 "STATUS_CODE": "200" if call.answered else "304"}
    return params


def attach_params(call: Call, pbx: PbxCall) -> dict[str, object]:
    """telephony.externalCall.attachRecord in RECORD_URL mode: the portal fetches the file
    (EN:api-reference/telephony/telephony-external-call-attach-record.md). FILENAME is always
    sent: a URL without a .mp3/.wav name would otherwise be refused."""
    name = urlsplit(call.record_url or "").path.rsplit("/", 1)[-1]
    if not name.lower().endswith((".mp3", ".wav")):
        name = re.sub(r"[^\w.-]", "_", call.call_id)[:100] + ".mp3"
    return {"CALL_ID": pbx.b24_call_id, "RECORD_URL": call.record_url, "FILENAME": name}


def run(ctx: ActionContext, item: CallWork) -> str:
    pbx = store.find_pbx(ctx.session, ctx.portal.id, call_id=item.call_id)
    call = store.find_call(ctx.session, ctx.portal.id, item.call_id or "")
    if pbx is None or call is None:
        raise LookupError(f"PBX call {item.call_id} is gone")
    if pbx.finished_at is not None:
        return _attach(ctx, call, pbx)
    if _deal_pending(ctx, call.call_id):
        return WAIT
    contact = ctx.session.scalar(select(CallDeal.contact_id).where(
        CallDeal.portal_id == ctx.portal.id, CallDeal.origin_call_id == call.call_id))
    ctx.session.commit()
    if not pbx.b24_call_id:
        answer = ctx.b24.call("telephony.externalCall.register",
                              register_params(call, pbx, contact))
        write_lock(ctx.session)
        pbx.b24_call_id = str(answer["CALL_ID"])
        # The card the portal bound the call to (telephony-external-call-register.md answers
        # CRM_ENTITY_TYPE/ID): ours, since CRM_CREATE=0 lets the portal make no second client.
        call.crm_entity_type = call.crm_entity_type or answer.get("CRM_ENTITY_TYPE") or None
        call.crm_entity_id = call.crm_entity_id or to_int(answer.get("CRM_ENTITY_ID"))
        ctx.session.commit()
        logger.info("telephony.pbx.registered", extra={
            "member_id": ctx.portal.member_id, "call": call.call_id, "b24_call": pbx.b24_call_id})
    try:
        ctx.b24.call("telephony.externalCall.finish", finish_params(call, pbx))
    except B24ApiError as exc:
        if "not found" not in exc.description.lower():
            raise
        if not _finished(ctx, pbx.b24_call_id):  # the portal forgot the call: register anew
            write_lock(ctx.session)
            pbx.b24_call_id = None
            ctx.session.commit()
            raise
        # else: finished by an earlier attempt whose answer we lost, nothing left to do
    write_lock(ctx.session)
    pbx.finished_at = ctx.now
    ctx.session.commit()  # finished: a retry of the recording below never finishes again
    logger.info("telephony.pbx.finished", extra={"member_id": ctx.portal.member_id,
                                                  "call": call.call_id})
    return _attach(ctx, call, pbx)


def _attach(ctx: ActionContext, call: Call, pbx: PbxCall) -> str:
    """The recording, once the call is finished (attachRecord needs its statistics row); a
    portal error raises, so the work queue retries this step alone. A repeat replaces the
    record, so an answer lost on the way only costs a second upload."""
    if not call.record_url or call.record_file_id is not None:
        return "done"
    ctx.session.commit()
    answer = ctx.b24.call("telephony.externalCall.attachRecord", attach_params(call, pbx))
    write_lock(ctx.session)
    call.record_file_id = int(answer["FILE_ID"])
    logger.info("telephony.pbx.record_attached", extra={
        "member_id": ctx.portal.member_id, "call": call.call_id, "file": call.record_file_id})
    return "done"


def _finished(ctx: ActionContext, b24_call_id: str | None) -> bool:
    rows = ctx.b24.call("voximplant.statistic.get", {"FILTER": {"CALL_ID": b24_call_id}})
    return bool(rows)
