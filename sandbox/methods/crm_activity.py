"""crm.activity.add/get/list/update/delete and crm.activity.todo.add — timeline activities.

Facts (§8.7, EN:api-reference/crm/timeline/activities/activity-base/crm-activity-add.md,
crm-activity-get.md, crm-activity-list.md, .../todo/crm-activity-todo-add.md): TYPE_ID 1 meeting
/ 2 call / 3 task / 4 email / 6 provider; DIRECTION 1 in / 2 out; STATUS 1 waiting /
2 completed; SUBJECT, RESPONSIBLE_ID, TYPE_ID and (for calls, meetings, e-mails) COMMUNICATIONS
are required with the documented error texts; ids come back as strings; a to-do is an activity
of provider CRM_TODO and answers {"id": <int>}; ONCRMACTIVITYADD carries {"FIELDS": {"ID"}}.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox import crm_common as cc
from sandbox.crm_entity import parse_id
from sandbox.crm_fields import descriptors, list_fields
from sandbox.errors import RestError, not_found
from sandbox.listing import param, projector, run_list
from sandbox.listing_ops import as_list, parse_dt
from sandbox.registry import CallContext, Page, method

ENTITY = "activity"
OWNER_TABLE = {1: "crm.lead", 2: "crm.deal", 3: "crm.contact", 4: "crm.company"}
PROVIDERS = {2: ("VOXIMPLANT_CALL", "CALL"), 1: ("CRM_MEETING", "MEETING"),
             4: ("CRM_EMAIL", "EMAIL"), 3: ("CRM_TASKS_TASK", "TASK")}


def _err(text: str) -> RestError:
    return RestError("", text, 400)


def create_activity(ctx: CallContext, fields: Mapping[str, Any]) -> int:
    """Validate, store, touch the owner's LAST_ACTIVITY_*, fire ONCRMACTIVITYADD."""
    f = {str(k).upper(): v for k, v in fields.items()}
    type_id = int(f.get("TYPE_ID") or 0)
    if type_id not in (1, 2, 3, 4, 6):
        raise _err("The field TYPE_ID is not defined or invalid.")
    if not str(f.get("SUBJECT") or "").strip():
        raise _err("The field SUBJECT is not defined or empty.")
    if not f.get("RESPONSIBLE_ID"):
        raise _err("The field RESPONSIBLE_ID is not defined or invalid.")
    comms = [c for c in as_list(f.get("COMMUNICATIONS")) if isinstance(c, Mapping)]
    if type_id in (1, 2, 4) and not comms:
        raise _err("The field COMMUNICATIONS is not defined or invalid.")
    owner_type, owner_id = int(f.get("OWNER_TYPE_ID") or 0), int(f.get("OWNER_ID") or 0)
    if not owner_id and comms:  # the binding is built from the communication (docs)
        owner_type = int(comms[0].get("ENTITY_TYPE_ID") or 0)
        owner_id = int(comms[0].get("ENTITY_ID") or 0)
    table = OWNER_TABLE.get(owner_type)
    if table is None or ctx.portal.table(table).get(owner_id) is None:
        raise _err("Could not build binding. Please ensure that owner info and communications "
                   "are defined correctly.")
    rec = build_record(ctx, f, type_id, owner_type, owner_id, comms)
    new_id = ctx.portal.table("crm.activity").insert(rec)
    touch_owners(ctx, rec)
    ctx.emit("ONCRMACTIVITYADD", {"FIELDS": {"ID": str(new_id)}})
    return new_id


def build_record(ctx: CallContext, f: dict, type_id: int, owner_type: int, owner_id: int,
                 comms: list) -> dict:
    desc = descriptors(ENTITY)
    now = ctx.now
    rec = {k: cc.wire_value(d["type"], f.get(k), now) if not d.get("isMultiple") else None
           for k, d in desc.items() if k in f and not d.get("isReadOnly")}
    rec = {**{k: None for k in desc if not desc[k].get("isMultiple")}, **rec}
    provider, provider_type = PROVIDERS.get(type_id,
                                            (f.get("PROVIDER_ID"), f.get("PROVIDER_TYPE_ID")))
    completed = cc.wire_value("char", f.get("COMPLETED") or "N", now)
    stamp, author = cc.fmt_dt(now), str(ctx.user_id or f.get("RESPONSIBLE_ID"))
    rec.update({
        "OWNER_ID": str(owner_id), "OWNER_TYPE_ID": str(owner_type), "TYPE_ID": str(type_id),
        "PROVIDER_ID": rec.get("PROVIDER_ID") or provider,
        "PROVIDER_TYPE_ID": rec.get("PROVIDER_TYPE_ID") or provider_type,
        "ASSOCIATED_ENTITY_ID": "0", "COMPLETED": completed,
        "STATUS": "2" if completed == "Y" else "1", "PRIORITY": rec.get("PRIORITY") or "2",
        "DIRECTION": rec.get("DIRECTION") or "0", "DESCRIPTION": rec.get("DESCRIPTION") or "",
        "DESCRIPTION_TYPE": rec.get("DESCRIPTION_TYPE") or "1",
        "START_TIME": rec.get("START_TIME") or stamp, "END_TIME": rec.get("END_TIME") or stamp,
        "DEADLINE": rec.get("DEADLINE") or rec.get("END_TIME") or stamp,
        "CREATED": stamp, "LAST_UPDATED": stamp, "AUTHOR_ID": author, "EDITOR_ID": author,
        "SETTINGS": f.get("SETTINGS") or [], "PROVIDER_PARAMS": f.get("PROVIDER_PARAMS") or [],
        "COMMUNICATIONS": [_communication(c, owner_type, owner_id) for c in comms],
        "BINDINGS": _bindings(f, owner_type, owner_id), "IS_INCOMING_CHANNEL": "N"})
    return rec


def _communication(c: Mapping, owner_type: int, owner_id: int) -> dict:
    return {"ID": None, "TYPE": str(c.get("TYPE") or "PHONE"), "VALUE": str(c.get("VALUE") or ""),
            "ENTITY_ID": str(c.get("ENTITY_ID") or owner_id),
            "ENTITY_TYPE_ID": str(c.get("ENTITY_TYPE_ID") or owner_type)}


def _bindings(f: dict, owner_type: int, owner_id: int) -> list[dict]:
    out = [{"OWNER_ID": str(owner_id), "OWNER_TYPE_ID": str(owner_type)}]
    for b in as_list(f.get("BINDINGS")):
        if isinstance(b, Mapping):
            item = {"OWNER_ID": str(b.get("OWNER_ID")),
                    "OWNER_TYPE_ID": str(b.get("OWNER_TYPE_ID"))}
            if item not in out:
                out.append(item)
    return out


def touch_owners(ctx: CallContext, rec: dict) -> None:
    """LAST_ACTIVITY_TIME/BY of every bound card move (no update event: an internal write)."""
    for b in rec["BINDINGS"]:
        owner = ctx.portal.table(OWNER_TABLE.get(int(b["OWNER_TYPE_ID"]), "crm.none")).get(
            int(b["OWNER_ID"]))
        if owner is not None:
            owner["LAST_ACTIVITY_TIME"] = rec["CREATED"]
            owner["LAST_ACTIVITY_BY"] = rec["AUTHOR_ID"]


def _fields() -> Any:
    return list_fields(ENTITY)


@method("crm.activity.add", scope="crm")
def activity_add(ctx: CallContext, params: dict) -> int:
    fields = param(params, "fields")
    if not isinstance(fields, Mapping):
        raise _err("The field TYPE_ID is not defined or invalid.")
    return create_activity(ctx, fields)


def _record(ctx: CallContext, value: Any) -> dict:
    rec = ctx.portal.table("crm.activity").get(parse_id(value))
    if rec is None:
        raise not_found()
    return rec


@method("crm.activity.get", scope="crm")
def activity_get(ctx: CallContext, params: dict) -> dict:
    rec = _record(ctx, param(params, "id"))
    return projector(["*", "COMMUNICATIONS", "BINDINGS"], _fields())(rec)


@method("crm.activity.list", scope="crm")
def activity_list(ctx: CallContext, params: dict) -> Page:
    return run_list(ctx.portal.table("crm.activity"), params, _fields(), default_select=("*",))


@method("crm.activity.update", scope="crm")
def activity_update(ctx: CallContext, params: dict) -> bool:
    rec = _record(ctx, param(params, "id"))
    desc = descriptors(ENTITY)
    for key, value in (param(params, "fields") or {}).items():
        name = str(key).upper()
        if name in desc and not desc[name].get("isReadOnly") and not desc[name].get("isMultiple"):
            rec[name] = cc.wire_value(desc[name]["type"], value, ctx.now)
    rec["STATUS"] = "2" if rec.get("COMPLETED") == "Y" else "1"
    rec["LAST_UPDATED"], rec["EDITOR_ID"] = cc.fmt_dt(ctx.now), str(ctx.user_id or 1)
    ctx.emit("ONCRMACTIVITYUPDATE", {"FIELDS": {"ID": rec["ID"]}})
    return True


@method("crm.activity.delete", scope="crm")
def activity_delete(ctx: CallContext, params: dict) -> bool:
    rec = _record(ctx, param(params, "id"))
    ctx.portal.table("crm.activity").delete(int(rec["ID"]))
    ctx.emit("ONCRMACTIVITYDELETE", {"FIELDS": {"ID": rec["ID"]}})
    return True


@method("crm.activity.todo.add", scope="crm")
def todo_add(ctx: CallContext, params: dict) -> dict:
    """A deadline-bearing to-do (§8.7); errors 100 / OWNER_NOT_FOUND / WRONG_DATETIME_FORMAT."""
    owner_type, owner_id = param(params, "ownerTypeId"), param(params, "ownerId")
    deadline = param(params, "deadline")
    if owner_type in (None, "") or owner_id in (None, "") or deadline in (None, ""):
        raise RestError("100", "Required parameters are missing", 400)
    if parse_dt(str(deadline)) is None:
        raise RestError("WRONG_DATETIME_FORMAT", "Wrong datetime format", 400)
    table = OWNER_TABLE.get(int(owner_type))
    if table is None or ctx.portal.table(table).get(int(owner_id)) is None:
        raise RestError("OWNER_NOT_FOUND", "Owner not found", 400)
    responsible = param(params, "responsibleId") or ctx.user_id or 1
    fields = {"OWNER_TYPE_ID": owner_type, "OWNER_ID": owner_id, "TYPE_ID": 6,
              "PROVIDER_ID": "CRM_TODO", "PROVIDER_TYPE_ID": "TODO",
              "SUBJECT": param(params, "title") or "Дело", "RESPONSIBLE_ID": responsible,
              "DESCRIPTION": param(params, "description") or "", "DEADLINE": deadline,
              "START_TIME": deadline, "END_TIME": deadline,
              "SETTINGS": {"pingOffsets": param(params, "pingOffsets") or [0, 15]}}
    return {"id": create_activity(ctx, fields)}
