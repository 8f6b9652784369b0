"""telephony.externalCall.* and telephony.externalLine.* — calls carried by an app's PBX.

Facts (§9.2, EN:api-reference/telephony/telephony-external-call-register.md, -finish.md,
-show.md, -hide.md, -attach-record.md, telephony-external-call-search-crm-entities.md,
telephony-external-line-*.md): application context only for lines, register and finish;
register needs USER_ID or USER_PHONE_INNER, PHONE_NUMBER and TYPE 1..5, answers CALL_ID and the
CRM match (optionally creating a lead with CRM_CREATE=1, subject to the line's
CRM_AUTO_CREATE for outgoing calls), fires ONVOXIMPLANTCALLINIT, and a repeat within 30 minutes
with the same phone/type/user/line/EXTERNAL_CALL_ID returns the existing CALL_ID; register alone
creates no activity — finish writes statistics (STATUS_CODE default 200 if DURATION > 0 else
304), creates the activity and fires ONVOXIMPLANTCALLEND; errors are ERROR_CORE texts.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from sandbox import crm_common as cc
from sandbox.errors import RestError
from sandbox.listing import param
from sandbox.listing_ops import as_list, parse_dt
from sandbox.methods import disk
from sandbox.methods import voximplant as vox
from sandbox.methods.telephony_line import create_call_lead, find_line, resolve_user
from sandbox.methods.user import full_name
from sandbox.registry import CallContext, method

CALLS = "telephony.externalCall"


def _core(text: str) -> RestError:
    return RestError("ERROR_CORE", text, 400)


def _app(ctx: CallContext) -> tuple[str | None, str | None]:
    app = getattr(ctx.portal, "app", None)
    if app is None:
        return None, None
    return str(getattr(app, "app_id", 1)), getattr(app, "code", None) or None


@method("telephony.externalCall.register", scope="telephony", app_only=True)
def call_register(ctx: CallContext, params: dict) -> dict:
    user = resolve_user(ctx, params)
    try:
        call_type = int(param(params, "TYPE") or 0)
    except (TypeError, ValueError):
        call_type = 0
    if call_type not in (1, 2, 3, 4, 5):
        raise _core("Unknown TYPE")
    phone = str(param(params, "PHONE_NUMBER") or "")
    if not cc.phone_key(phone):
        raise _core("Unsupported phone number format")
    start_raw = param(params, "CALL_START_DATE")
    start = parse_dt(str(start_raw)) if start_raw not in (None, "") else ctx.now
    if start is None:
        raise _core("CALL_START_DATE should be in the ISO-8601 format")
    if start.tzinfo is None:
        start = start.replace(tzinfo=ctx.now.tzinfo)
    line, ext_id = str(param(params, "LINE_NUMBER") or ""), param(params, "EXTERNAL_CALL_ID")
    user_id = int(user["ID"])
    same = _recent(ctx, user_id, phone, call_type, line, ext_id)
    if same is not None:
        return _register_answer(same)
    call = {"CALL_ID": vox.new_call_id(ctx.portal, phone, ctx.now, external=True),
            "EXTERNAL_CALL_ID": None if ext_id in (None, "") else str(ext_id),
            "USER_ID": user_id, "PHONE_NUMBER": phone, "TYPE": call_type,
            "CALL_START_DATE": start, "LINE_NUMBER": line, "REGISTERED_AT": ctx.now,
            "CRM_CREATED_LEAD": None, "CRM_ENTITY_TYPE": None, "CRM_ENTITY_ID": None,
            "SHOWN_TO": {user_id} if str(param(params, "SHOW", 1)) != "0" else set()}
    _bind_crm(ctx, call, params, user_id)
    ctx.portal.table(CALLS).insert(call, id_key="_ROW")
    app_id, _ = _app(ctx)
    ctx.emit("ONVOXIMPLANTCALLINIT", {"CALL_ID": call["CALL_ID"], "CALL_TYPE": str(call_type),
                                      "CALLER_ID": phone, "REST_APP_ID": app_id or ""})
    return _register_answer(call)


def _recent(ctx: CallContext, user_id: int, phone: str, call_type: int, line: str,
            ext_id: Any) -> dict | None:
    """The 30-minute register dedupe (telephony-external-call-register.md, EXTERNAL_CALL_ID)."""
    if ext_id in (None, ""):
        return None
    for call in ctx.portal.table(CALLS):
        if (call["EXTERNAL_CALL_ID"] == str(ext_id) and call["USER_ID"] == user_id
                and call["PHONE_NUMBER"] == phone and call["TYPE"] == call_type
                and call["LINE_NUMBER"] == line
                and ctx.now - call["REGISTERED_AT"] <= timedelta(minutes=30)):
            return call
    return None


def _bind_crm(ctx: CallContext, call: dict, params: dict, user_id: int) -> None:
    etype, eid = param(params, "CRM_ENTITY_TYPE"), param(params, "CRM_ENTITY_ID")
    if etype and eid:
        call["CRM_ENTITY_TYPE"], call["CRM_ENTITY_ID"] = str(etype).upper(), int(eid)
        return
    match = vox.match_crm(ctx.portal, call["PHONE_NUMBER"])
    if match:
        call["CRM_ENTITY_TYPE"], call["CRM_ENTITY_ID"] = match
        return
    wants = str(param(params, "CRM_CREATE", 0)) in ("1", "Y", "true")
    line = find_line(ctx.portal, call["LINE_NUMBER"])
    if wants and not (call["TYPE"] == 1 and line is not None and line["CRM_AUTO_CREATE"] == "N"):
        lead_id = create_call_lead(ctx, call["PHONE_NUMBER"], user_id, call["TYPE"],
                                   param(params, "CRM_SOURCE") or "CALL")
        call.update(CRM_CREATED_LEAD=lead_id, CRM_ENTITY_TYPE="LEAD", CRM_ENTITY_ID=lead_id)


def _register_answer(call: dict) -> dict:
    out: dict[str, Any] = {"CALL_ID": call["CALL_ID"], "CRM_CREATED_LEAD": call["CRM_CREATED_LEAD"],
                           "CRM_CREATED_ENTITIES": [] if not call["CRM_CREATED_LEAD"] else
                           [{"ENTITY_TYPE": "LEAD", "ENTITY_ID": call["CRM_CREATED_LEAD"]}]}
    if call["CRM_ENTITY_TYPE"]:
        out.update(CRM_ENTITY_TYPE=call["CRM_ENTITY_TYPE"], CRM_ENTITY_ID=call["CRM_ENTITY_ID"])
    return out


def _call(ctx: CallContext, params: dict) -> tuple[int, dict] | None:
    call_id = param(params, "CALL_ID")
    if not isinstance(call_id, str) or not call_id:
        raise RestError("INVALID_ARGUMENT", "CALL_ID must be a string", 400)
    table = ctx.portal.table(CALLS)
    for row_id in list(table.ids_after(0)):
        if table.rows[row_id]["CALL_ID"] == call_id:
            return row_id, table.rows[row_id]
    return None


@method("telephony.externalCall.finish", scope="telephony", app_only=True)
def call_finish(ctx: CallContext, params: dict) -> dict:
    found = _call(ctx, params)
    if found is None:
        raise _core("Call is not found (call should be registered prior to finishing)")
    row_id, call = found
    user = resolve_user(ctx, params)
    duration = int(param(params, "DURATION") or 0)
    code = str(param(params, "STATUS_CODE") or ("200" if duration > 0 else "304"))
    app_id, app_name = _app(ctx)
    facts = vox.CallFacts(
        call["CALL_ID"], call["TYPE"], int(user["ID"]), call["PHONE_NUMBER"],
        call["CALL_START_DATE"], duration, code, param(params, "FAILED_REASON"),
        call["LINE_NUMBER"] or "REST_APP:", param(params, "RECORD_URL"), call["EXTERNAL_CALL_ID"],
        float(param(params, "COST") or 0), str(param(params, "COST_CURRENCY") or ""),
        vox.vote_of(param(params, "VOTE")),
        app_id, app_name, call["CRM_ENTITY_TYPE"], call["CRM_ENTITY_ID"])
    row = vox.record_call(ctx, facts)
    ctx.portal.table(CALLS).delete(row_id)  # finished calls live in the statistics only
    return _finish_answer(row)


def _finish_answer(row: dict) -> dict:
    def num(key: str) -> int | None:
        return None if row[key] is None else int(row[key])
    return {"CALL_ID": row["CALL_ID"], "EXTERNAL_CALL_ID": row["EXTERNAL_CALL_ID"],
            "PORTAL_USER_ID": num("PORTAL_USER_ID"), "PHONE_NUMBER": row["PHONE_NUMBER"],
            "PORTAL_NUMBER": row["PORTAL_NUMBER"], "INCOMING": row["CALL_TYPE"],
            "CALL_DURATION": num("CALL_DURATION"), "CALL_START_DATE": row["CALL_START_DATE"],
            "CALL_STATUS": 1 if row["CALL_FAILED_CODE"] == "200" else 0,
            "CALL_VOTE": num("CALL_VOTE"), "COST": float(row["COST"]),
            "COST_CURRENCY": row["COST_CURRENCY"], "CALL_FAILED_CODE": row["CALL_FAILED_CODE"],
            "CALL_FAILED_REASON": row["CALL_FAILED_REASON"], "REST_APP_ID": row["REST_APP_ID"],
            "REST_APP_NAME": row["REST_APP_NAME"], "CRM_ACTIVITY_ID": num("CRM_ACTIVITY_ID"),
            "COMMENT": row["COMMENT"], "CRM_ENTITY_TYPE": row["CRM_ENTITY_TYPE"],
            "CRM_ENTITY_ID": num("CRM_ENTITY_ID"), "ID": int(row["ID"])}


def _visibility(ctx: CallContext, params: dict, show: bool) -> bool:
    found = _call(ctx, params)
    if found is None:
        return False
    users = {int(u) for u in as_list(param(params, "USER_ID")) if str(u).strip()}
    shown = found[1]["SHOWN_TO"]
    found[1]["SHOWN_TO"] = shown | users if show else shown - users
    return True


@method("telephony.externalCall.show", scope="telephony")
def call_show(ctx: CallContext, params: dict) -> bool:
    return _visibility(ctx, params, True)


@method("telephony.externalCall.hide", scope="telephony")
def call_hide(ctx: CallContext, params: dict) -> bool:
    return _visibility(ctx, params, False)


@method("telephony.externalCall.attachRecord", scope="telephony")
def call_attach_record(ctx: CallContext, params: dict) -> dict:
    """EN:api-reference/telephony/telephony-external-call-attach-record.md: RECORD_URL (the
    portal fetches it), FILENAME + FILE_CONTENT (Base64), or FILENAME alone (-> uploadUrl);
    the record is a disk file named in the statistics' RECORD_FILE_ID, a repeat replaces it."""
    call_id = param(params, "CALL_ID")
    rows = [r for r in ctx.portal.table("voximplant.statistic") if r["CALL_ID"] == call_id]
    if not rows:
        raise RestError("", "Call is not found in the statistic table. It looks like it is not "
                        "finished yet.", 400)
    url, name = param(params, "RECORD_URL"), param(params, "FILENAME")
    content = param(params, "FILE_CONTENT")
    if not url and not name:
        raise RestError("", "Required parameters are not set. Request should contain either "
                        "URL or FILENAME parameter", 400)
    name = str(name or str(url).split("?")[0].rsplit("/", 1)[-1])
    if not name.lower().endswith((".mp3", ".wav")):
        raise _core("Wrong file extension. Only wav and mp3 are allowed")
    if not url and content in (None, ""):
        if "FILE_CONTENT" in {str(k).upper() for k in params}:
            raise _core("File content is empty.")
        base = getattr(ctx.portal, "client_endpoint", "/rest/")
        return {"uploadUrl": f"{base}upload.json?token={cc.next_seq(ctx.portal, 'upload')}",
                "fieldName": "file"}
    body = _decode(str(content)) if not url else None
    if url and _private(str(url)):
        raise RestError("", "Record URL resolves to a non-public address and was blocked.", 400)
    file_id = disk.add_file(ctx.portal, name, user_id=ctx.user_id, content=body)
    rows[-1]["RECORD_FILE_ID"], rows[-1]["CALL_RECORD_URL"] = str(file_id), ""
    rows[-1]["RECORD_DURATION"] = rows[-1]["CALL_DURATION"]
    return {"FILE_ID": file_id}


def _decode(content: str) -> bytes:
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise _core("File content is not properly encoded. Base64 encoding is expected.") \
            from None


def _private(url: str) -> bool:
    """RECORD_URL on a loopback/private address is refused (the page's last error row); host
    names are not resolved here (the emulator stays offline) and count as public."""
    host = (urlparse(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


TIMEMAN_STATUSES = ("OPENED", "CLOSED", "PAUSED", "EXPIRED", "UNAVAILABLE", "NOT_INSTALLED")


def set_timeman(portal: Any, user_id: int, status: str) -> None:
    """Clock a person in or out (the work-time day, §9.2 TIMEMAN_STATUS): tests and scenario."""
    if status not in TIMEMAN_STATUSES:
        raise ValueError(f"unknown TIMEMAN_STATUS {status!r}")
    portal.table("user").get(user_id)["_TIMEMAN"] = status


def timeman_status(user: dict) -> str:
    """telephony-external-call-search-crm-entities.md: OPENED|CLOSED|PAUSED|EXPIRED|UNAVAILABLE|
    NOT_INSTALLED; nobody clocked anything in the emulator unless told: OPENED."""
    return user.get("_TIMEMAN") or "OPENED"


@method("telephony.externalCall.searchCrmEntities", scope="telephony")
def search_crm_entities(ctx: CallContext, params: dict) -> list[dict]:
    out = []
    for entity_type, row in cc.find_by_phone(ctx.portal, str(param(params, "PHONE_NUMBER") or "")):
        owner = ctx.portal.table("user").get(int(row.get("ASSIGNED_BY_ID") or 0)) or {}
        out.append({
            "CRM_ENTITY_TYPE": entity_type, "CRM_ENTITY_ID": int(row["ID"]),
            "ASSIGNED_BY_ID": int(row.get("ASSIGNED_BY_ID") or 0),
            "NAME": row.get("TITLE") if entity_type == "COMPANY" else full_name(row),
            "ASSIGNED_BY": {"ID": owner.get("ID"), "TIMEMAN_STATUS": timeman_status(owner),
                            "USER_PHONE_INNER": owner.get("UF_PHONE_INNER"),
                            "WORK_PHONE": owner.get("WORK_PHONE") or None,
                            "PERSONAL_PHONE": None,
                            "PERSONAL_MOBILE": owner.get("PERSONAL_MOBILE") or None}})
    return out
