"""telephony.externalLine.add/update/get/delete and the helpers external calls share.

Facts (§9.2, EN:api-reference/telephony/telephony-external-line-add.md, -update.md, -get.md,
-delete.md, telephony-external-call-register.md): a line is {NUMBER, NAME, CRM_AUTO_CREATE Y|N
(default Y)}; add -> {"ID": int}, update -> {"ID": "<id>"}, get -> list, delete -> [];
errors ERROR_CORE "NUMBER should not be empty", "Line already exists", "Could not find line with
number ..."; a call's operator is USER_ID or USER_PHONE_INNER and must exist and be active.
"""

from __future__ import annotations

from typing import Any

from sandbox.errors import RestError
from sandbox.listing import param
from sandbox.methods.crm_lead import LEAD
from sandbox.registry import CallContext, method

LINES = "telephony.externalLine"
CALL_TITLES = {1: "Исходящий звонок", 2: "Входящий звонок", 3: "Входящий звонок",
               4: "Обратный звонок", 5: "Инфозвонок"}


def _core(text: str) -> RestError:
    return RestError("ERROR_CORE", text, 400)


def resolve_user(ctx: CallContext, params: dict) -> dict:
    """The operator by USER_ID or by USER_PHONE_INNER (one of them is required)."""
    users = ctx.portal.table("user")
    user_id, inner = param(params, "USER_ID"), param(params, "USER_PHONE_INNER")
    if user_id in (None, "") and inner in (None, ""):
        raise _core("USER_ID or USER_PHONE_INNER should be set")
    if user_id not in (None, ""):
        user = users.get(int(user_id))
    else:
        user = next((u for u in users if str(u.get("UF_PHONE_INNER")) == str(inner)), None)
    if user is None or not user.get("ACTIVE"):
        raise _core("User is not found or is not active")
    return user


def find_line(portal: Any, number: str) -> dict | None:
    return next((r for r in portal.table(LINES) if r["NUMBER"] == number), None) if number else None


def create_call_lead(ctx: CallContext, phone: str, user_id: int, call_type: int,
                     source: str = "CALL") -> int:
    """The lead telephony creates for an unknown number (fires ONCRMLEADADD like any lead)."""
    from sandbox import crm_entity as ce
    title = f"{phone} - {CALL_TITLES.get(call_type, 'Звонок')}"
    return ce.add(ctx, LEAD, {"TITLE": title, "SOURCE_ID": source, "ASSIGNED_BY_ID": user_id,
                              "PHONE": [{"VALUE": phone, "VALUE_TYPE": "WORK"}]})


@method("telephony.externalLine.add", scope="telephony", app_only=True)
def line_add(ctx: CallContext, params: dict) -> dict:
    number = str(param(params, "NUMBER") or "").strip()
    if not number:
        raise _core("NUMBER should not be empty")
    if find_line(ctx.portal, number):
        raise _core("Line already exists")
    auto = "N" if str(param(params, "CRM_AUTO_CREATE", "Y")).upper() in ("N", "0") else "Y"
    row = {"NUMBER": number, "NAME": str(param(params, "NAME") or number), "CRM_AUTO_CREATE": auto}
    return {"ID": ctx.portal.table(LINES).insert(row)}


@method("telephony.externalLine.update", scope="telephony", app_only=True)
def line_update(ctx: CallContext, params: dict) -> dict:
    number = str(param(params, "NUMBER") or "").strip()
    line = find_line(ctx.portal, number)
    if line is None:
        raise _core(f"Could not find line with number {number}")
    if param(params, "NAME") not in (None, ""):
        line["NAME"] = str(param(params, "NAME"))
    if param(params, "CRM_AUTO_CREATE") not in (None, ""):
        line["CRM_AUTO_CREATE"] = "N" if str(param(params, "CRM_AUTO_CREATE")).upper() in (
            "N", "0") else "Y"
    return {"ID": line["ID"]}


@method("telephony.externalLine.get", scope="telephony", app_only=True)
def line_get(ctx: CallContext, params: dict) -> list[dict]:
    return [{k: r[k] for k in ("NUMBER", "NAME", "CRM_AUTO_CREATE")}
            for r in ctx.portal.table(LINES)]


@method("telephony.externalLine.delete", scope="telephony", app_only=True)
def line_delete(ctx: CallContext, params: dict) -> list:
    number = str(param(params, "NUMBER") or "").strip()
    line = find_line(ctx.portal, number)
    if line is None:
        raise _core(f"Could not find line with number {number}")
    ctx.portal.table(LINES).delete(int(line["ID"]))
    return []
