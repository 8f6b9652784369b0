"""voximplant.statistic.get, voximplant.user.get and the call-record writer both telephonies use.

Facts (§4.2, §9.1, §9.3, §9.4; EN:api-reference/telephony/voximplant/voximplant-statistic-get.md,
.../events/on-voximplant-call-end.md, .../users/voximplant-user-get.md): a finished call is one
statistics row (ids/durations as strings, CALL_TYPE 1 out / 2 in / 3 in-redirect / 4 callback,
CALL_FAILED_CODE 200 answered / 304 missed / 603-S cancelled..., CRM_ENTITY_TYPE/ID and
CRM_ACTIVITY_ID), a CRM call activity, and ONVOXIMPLANTCALLEND with the documented fields;
statistic.get takes FILTER (§7 operators incl. `><`), SORT (a field), ORDER, start.
Decisions (docs silent): CRM matching by phone tries CONTACT, COMPANY, LEAD in that order; the
call activity is also bound to the matched card's open deals; a missed inbound call leaves the
activity open (a call-back to do), every other call completes it; events carry the caller's user.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox import crm_common as cc
from sandbox.listing import Fields, page_of, param, parse_start
from sandbox.listing_ops import DT, INT, NUM, as_list, compile_filter
from sandbox.methods import disk
from sandbox.methods.crm_activity import create_activity
from sandbox.registry import CallContext, Page, method

STAT_FIELDS = ("ID", "PORTAL_USER_ID", "PORTAL_NUMBER", "PHONE_NUMBER", "CALL_ID",
               "EXTERNAL_CALL_ID", "CALL_CATEGORY", "CALL_LOG", "CALL_DURATION",
               "CALL_START_DATE", "CALL_RECORD_URL", "CALL_VOTE", "COST", "COST_CURRENCY",
               "CALL_FAILED_CODE", "CALL_FAILED_REASON", "CRM_ENTITY_TYPE", "CRM_ENTITY_ID",
               "CRM_ACTIVITY_ID", "REST_APP_ID", "REST_APP_NAME", "TRANSCRIPT_ID",
               "TRANSCRIPT_PENDING", "SESSION_ID", "REDIAL_ATTEMPT", "COMMENT",
               "RECORD_DURATION", "RECORD_FILE_ID", "CALL_TYPE")
_KINDS = {name: "str" for name in STAT_FIELDS}
_KINDS.update({k: INT for k in ("ID", "PORTAL_USER_ID", "CALL_DURATION", "CALL_VOTE",
                                "CRM_ENTITY_ID", "CRM_ACTIVITY_ID", "CALL_TYPE",
                                "REDIAL_ATTEMPT", "RECORD_DURATION", "RECORD_FILE_ID")})
_KINDS.update({"COST": NUM, "CALL_START_DATE": DT})
FIELDS = Fields(_KINDS, STAT_FIELDS)
REASONS = {"200": "", "304": "Missed call", "603": "Call declined", "603-S": "Call canceled",
           "486": "Busy", "480": "Temporarily unavailable", "404": "Invalid number",
           "484": "Destination unavailable", "503": "Destination unavailable"}
_TABLE_OF = {"CONTACT": "crm.contact", "COMPANY": "crm.company", "LEAD": "crm.lead"}


@dataclass
class CallFacts:
    """Everything a finished call leaves behind, whichever telephony carried it."""

    call_id: str
    call_type: int
    user_id: int
    phone: str
    start: datetime
    duration: int = 0
    failed_code: str = "200"
    failed_reason: str | None = None
    portal_number: str = ""
    record_url: str | None = None
    external_call_id: str | None = None
    cost: float = 0.0
    currency: str = "RUR"
    vote: int | None = None
    rest_app_id: str | None = None
    rest_app_name: str | None = None
    crm_type: str | None = None
    crm_id: int | None = None
    recorded: bool = False  # the line records calls: an answered call leaves a disk file


def vote_of(value: Any) -> int | None:
    """VOTE / CALL_VOTE: 1..5; "0 или null" mean no rating (telephony-external-call-finish.md).
    Decision (docs silent): any other value is stored as no rating, not refused."""
    try:
        n = int(str(value).strip()) if value not in (None, "") else 0
    except ValueError:
        return None
    return n if 1 <= n <= 5 else None


def new_call_id(portal: Any, phone: str, moment: datetime, *, external: bool) -> str:
    """`externalCall.<md5>.<ts>` for REST telephony, a Voximplant-like id otherwise (§4.2)."""
    seq = cc.next_seq(portal, "call")
    digest = hashlib.md5(f"{seq}:{phone}:{int(moment.timestamp())}".encode()).hexdigest()
    if external:
        return f"externalCall.{digest}.{int(moment.timestamp())}"
    return f"{digest[:16].upper()}.{int(moment.timestamp())}.{seq:07d}"


def match_crm(portal: Any, phone: str) -> tuple[str, int] | None:
    hits = cc.find_by_phone(portal, phone)
    return (hits[0][0], int(hits[0][1]["ID"])) if hits else None


def open_deals(portal: Any, entity_type: str, entity_id: int) -> list[dict]:
    key = {"CONTACT": "CONTACT_ID", "COMPANY": "COMPANY_ID", "LEAD": "LEAD_ID"}[entity_type]
    return [d for d in portal.table("crm.deal")
            if d.get(key) == str(entity_id) and d.get("STAGE_SEMANTIC_ID") == "P"]


def _activity(ctx: CallContext, f: CallFacts) -> int:
    inbound = f.call_type != 1
    type_id = cc.ENTITY_TYPE[f.crm_type]
    who = ctx.portal.table(_TABLE_OF[f.crm_type]).get(f.crm_id) or {}
    label = who.get("TITLE") or " ".join(filter(None, (who.get("NAME"), who.get("LAST_NAME"))))
    missed = inbound and f.failed_code == "304"
    subject = ("Пропущенный звонок" if missed else
               "Входящий звонок" if inbound else "Исходящий звонок") + f" {label or f.phone}"
    bindings = [{"OWNER_TYPE_ID": 2, "OWNER_ID": d["ID"]}
                for d in open_deals(ctx.portal, f.crm_type, f.crm_id)]
    end = f.start + timedelta(seconds=f.duration)
    return create_activity(ctx, {
        "OWNER_TYPE_ID": type_id, "OWNER_ID": f.crm_id, "TYPE_ID": 2, "SUBJECT": subject,
        "RESPONSIBLE_ID": f.user_id, "DIRECTION": 1 if inbound else 2,
        "COMPLETED": "N" if missed else "Y", "START_TIME": f.start, "END_TIME": end,
        "DEADLINE": end, "ORIGIN_ID": f"VI_{f.call_id}", "BINDINGS": bindings,
        "COMMUNICATIONS": [{"TYPE": "PHONE", "VALUE": f.phone, "ENTITY_ID": f.crm_id,
                            "ENTITY_TYPE_ID": type_id}],
        "SETTINGS": {"CALL_ID": f.call_id}})


def _record_file(ctx: CallContext, f: CallFacts) -> int | None:
    """The recording as a disk file, named in RECORD_FILE_ID (the statistic.get docs' example
    row: RECORD_FILE_ID set, CALL_RECORD_URL empty; a RECORD_URL given to externalCall.finish
    is fetched into a file too). The emulator fetches nothing: the file holds its tone."""
    if f.failed_code != "200" or not (f.recorded or f.record_url):
        return None
    name = (f.record_url or "").split("?")[0].rsplit("/", 1)[-1] or f"{f.call_id}.wav"
    return disk.add_file(ctx.portal, name, user_id=f.user_id,
                         created=f.start + timedelta(seconds=f.duration))


def record_call(ctx: CallContext, f: CallFacts) -> dict:
    """Write the statistics row and the CRM activity, then fire ONVOXIMPLANTCALLEND."""
    activity_id = _activity(ctx, f) if f.crm_type in _TABLE_OF and f.crm_id else None
    answered = f.failed_code == "200"
    file_id = _record_file(ctx, f)
    row = {name: None for name in STAT_FIELDS}
    row.update({
        "PORTAL_USER_ID": str(f.user_id), "PORTAL_NUMBER": f.portal_number,
        "PHONE_NUMBER": f.phone, "CALL_ID": f.call_id, "EXTERNAL_CALL_ID": f.external_call_id,
        "CALL_CATEGORY": "external", "CALL_DURATION": str(f.duration),
        "CALL_START_DATE": cc.fmt_dt(f.start),
        "CALL_RECORD_URL": (f.record_url or "") if answered else "", "CALL_VOTE":
        None if f.vote is None else str(f.vote), "COST": f"{f.cost:.4f}",
        "COST_CURRENCY": f.currency, "CALL_FAILED_CODE": f.failed_code,
        "CALL_FAILED_REASON": f.failed_reason if f.failed_reason is not None
        else REASONS.get(f.failed_code, ""),
        "CRM_ENTITY_TYPE": f.crm_type, "CRM_ENTITY_ID": None if f.crm_id is None else str(f.crm_id),
        "CRM_ACTIVITY_ID": None if activity_id is None else str(activity_id),
        "REST_APP_ID": f.rest_app_id, "REST_APP_NAME": f.rest_app_name,
        "TRANSCRIPT_PENDING": "N", "CALL_TYPE": str(f.call_type),
        "RECORD_FILE_ID": None if file_id is None else str(file_id),
        "RECORD_DURATION": None if file_id is None else str(f.duration)})
    ctx.portal.table("voximplant.statistic").insert(row)
    ctx.emit("ONVOXIMPLANTCALLEND", {
        "CALL_ID": f.call_id, "CALL_TYPE": str(f.call_type), "PHONE_NUMBER": f.phone,
        "PORTAL_NUMBER": f.portal_number, "PORTAL_USER_ID": str(f.user_id),
        "CALL_DURATION": str(f.duration), "CALL_START_DATE": row["CALL_START_DATE"],
        "COST": f"{f.cost:g}", "COST_CURRENCY": f.currency, "CALL_FAILED_CODE": f.failed_code,
        "CALL_FAILED_REASON": row["CALL_FAILED_REASON"],
        "CRM_ACTIVITY_ID": row["CRM_ACTIVITY_ID"] or "0"})
    return row


@method("voximplant.statistic.get", scope="telephony")
def statistic_get(ctx: CallContext, params: dict) -> Page:
    test = compile_filter(param(params, "FILTER") or {}, _KINDS)
    sort = str(param(params, "SORT") or "ID").upper()
    order = [(sort, str(param(params, "ORDER") or "ASC").upper() == "DESC")]
    return page_of(ctx.portal.table("voximplant.statistic"), test, order,
                   parse_start(param(params, "start")), FIELDS, dict)


@method("voximplant.user.get", scope="telephony")
def voximplant_user_get(ctx: CallContext, params: dict) -> list[dict]:
    out = []
    for uid in as_list(param(params, "USER_ID")):
        user = ctx.portal.table("user").get(int(uid))
        if user is None:
            continue
        out.append({"ID": user["ID"], "DEFAULT_LINE": None, "PHONE_ENABLED": "Y",
                    "SIP_SERVER": f"ip.{getattr(ctx.portal, 'domain', 'sandbox')}",
                    "SIP_LOGIN": f"phone{user['ID']}", "SIP_PASSWORD": None,
                    "INNER_NUMBER": user.get("UF_PHONE_INNER")})
    return out


@method("voximplant.line.get", scope="telephony")
def line_get(ctx: CallContext, params: dict) -> dict[str, str]:
    """{LINE_ID: LINE_NAME} of the outgoing lines, SIP lines included (EN api-reference/
    telephony/voximplant/lines/voximplant-line-get.md); no parameters."""
    return {str(r["LINE_ID"]): str(r["NAME"]) for r in ctx.portal.table("voximplant.line")}
