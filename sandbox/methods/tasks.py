"""tasks.task.add/get/list/update — tasks in camelCase, with CRM bindings (UF_CRM_TASK).

Facts (§11, EN:api-reference/tasks/tasks-task-add.md, tasks-task-get.md, tasks-task-list.md,
tasks-task-update.md, fields.md, events-tasks/on-task-add.md): fields go in UPPER_CASE, results
come as {"task": {...camelCase...}} with string ids; TITLE and RESPONSIBLE_ID are required
(ERROR_CORE "Task title is not specified", "Responsible person not specified", "User specified
in the 'Responsible' field not found"; `100` without `fields`); UF_CRM_TASK ["D_12", "L_4"]
comes back as ufCrmTask only when selected; status 2 = pending, 5 = completed; list answers
{"tasks": [...]} with `total`; ONTASKADD/ONTASKUPDATE carry {"FIELDS_AFTER": {"ID": n}}.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox import crm_common as cc
from sandbox.errors import RestError
from sandbox.listing import Fields, page_of, param, parse_order, parse_start
from sandbox.listing_ops import DT, INT, LIST, as_list, compile_filter
from sandbox.methods.user import full_name
from sandbox.registry import CallContext, Page, method

TABLE = "tasks.task"
WRITABLE = {"TITLE": "title", "DESCRIPTION": "description", "RESPONSIBLE_ID": "responsibleId",
            "CREATED_BY": "createdBy", "DEADLINE": "deadline", "PRIORITY": "priority",
            "GROUP_ID": "groupId", "START_DATE_PLAN": "startDatePlan", "STATUS": "status",
            "END_DATE_PLAN": "endDatePlan", "AUDITORS": "auditors", "ACCOMPLICES": "accomplices",
            "UF_CRM_TASK": "ufCrmTask", "PARENT_ID": "parentId"}
_KINDS = {"ID": INT, "RESPONSIBLE_ID": INT, "CREATED_BY": INT, "STATUS": INT, "PRIORITY": INT,
          "GROUP_ID": INT, "DEADLINE": DT, "CREATED_DATE": DT, "CHANGED_DATE": DT,
          "CLOSED_DATE": DT, "TITLE": "str", "UF_CRM_TASK": LIST}
_FIELDS = Fields(_KINDS, tuple(_KINDS))


def camel(name: str) -> str:
    head, *rest = name.lower().split("_")
    return head + "".join(p.capitalize() for p in rest)


def _person(portal: Any, user_id: Any) -> dict:
    user = portal.table("user").get(int(user_id or 0)) or {}
    return {"id": str(user_id), "name": full_name(user),
            "link": f"/company/personal/user/{user_id}/",
            "icon": "/bitrix/images/tasks/default_avatar.png",
            "workPosition": user.get("WORK_POSITION") or ""}


def _write(ctx: CallContext, task: dict, fields: dict) -> None:
    for key, value in fields.items():
        name = WRITABLE.get(str(key).upper())
        if name is None:
            continue
        if name in ("auditors", "accomplices"):
            task[name] = [str(v) for v in as_list(value)]
        elif name == "ufCrmTask":
            task[name] = [str(v) for v in as_list(value) if re.fullmatch(r"[A-Z]+_\d+", str(v))]
        elif name in ("deadline", "startDatePlan", "endDatePlan"):
            task[name] = cc.wire_dt(value, ctx.now)
        else:
            task[name] = None if value is None else str(value)


def _check(ctx: CallContext, task: dict) -> None:
    if not str(task.get("title") or "").strip():
        raise RestError("ERROR_CORE", "Task title is not specified", 400)
    if not task.get("responsibleId"):
        raise RestError("ERROR_CORE", "Responsible person not specified", 400)
    if ctx.portal.table("user").get(int(task["responsibleId"])) is None:
        raise RestError("ERROR_CORE", "User specified in the 'Responsible' field not found", 400)


def _fields(params: dict) -> dict:
    fields = param(params, "fields")
    if not isinstance(fields, dict):
        raise RestError("100", "Parameter 'fields' is required", 400)
    return fields


def render(portal: Any, task: dict, select: Any = None) -> dict:
    wanted = {str(s).upper() for s in as_list(select)}
    out = {k: v for k, v in task.items() if not k.startswith("_") and k != "ufCrmTask"}
    if "UF_CRM_TASK" in wanted or "UF_*" in wanted:
        out["ufCrmTask"] = list(task.get("ufCrmTask") or [])
    out["creator"] = _person(portal, task["createdBy"])
    out["responsible"] = _person(portal, task["responsibleId"])
    return out


@method("tasks.task.add", scope="task")
def task_add(ctx: CallContext, params: dict) -> dict:
    now = cc.fmt_dt(ctx.now)
    author = str(ctx.user_id or 1)
    task: dict[str, Any] = {
        "parentId": None, "title": "", "description": "", "mark": None, "priority": "1",
        "multitask": "N", "notViewed": "N", "replicate": "N", "stageId": "0",
        "createdBy": author, "createdDate": now, "responsibleId": None, "changedBy": author,
        "changedDate": now, "statusChangedBy": None, "closedBy": None, "closedDate": None,
        "activityDate": now, "dateStart": None, "deadline": None, "startDatePlan": None,
        "endDatePlan": None, "status": "2", "statusChangedDate": now, "groupId": "0",
        "auditors": [], "accomplices": [], "ufCrmTask": [], "descriptionInBbcode": "Y"}
    _write(ctx, task, _fields(params))
    _check(ctx, task)
    task_id = ctx.portal.table(TABLE).insert(task, id_key="id")
    ctx.emit("ONTASKADD", {"FIELDS_BEFORE": "undefined", "FIELDS_AFTER": {"ID": task_id},
                           "IS_ACCESSIBLE_BEFORE": "N", "IS_ACCESSIBLE_AFTER": "undefined"})
    return {"task": render(ctx.portal, task, ["UF_CRM_TASK"])}


def _task(ctx: CallContext, params: dict) -> dict:
    try:
        task = ctx.portal.table(TABLE).get(int(param(params, "taskId")))
    except (TypeError, ValueError):
        task = None
    if task is None:
        raise RestError("ERROR_CORE", "Task not found or not accessible", 400)
    return task


@method("tasks.task.get", scope="task")
def task_get(ctx: CallContext, params: dict) -> dict:
    return {"task": render(ctx.portal, _task(ctx, params), param(params, "select"))}


@method("tasks.task.update", scope="task")
def task_update(ctx: CallContext, params: dict) -> dict:
    task = _task(ctx, params)
    new = dict(task)
    _write(ctx, new, _fields(params))
    _check(ctx, new)
    now, user = cc.fmt_dt(ctx.now), str(ctx.user_id or 1)
    if new["status"] != task["status"]:
        new.update(statusChangedBy=user, statusChangedDate=now)
        done = new["status"] == "5"
        new.update(closedBy=user if done else None, closedDate=now if done else None)
    new.update(changedBy=user, changedDate=now)
    task.update(new)
    ctx.emit("ONTASKUPDATE", {"FIELDS_BEFORE": {"ID": int(task["id"])},
                              "FIELDS_AFTER": {"ID": int(task["id"])},
                              "IS_ACCESSIBLE_BEFORE": "Y", "IS_ACCESSIBLE_AFTER": "Y"})
    return {"task": render(ctx.portal, task, ["UF_CRM_TASK"])}


@method("tasks.task.list", scope="task")
def task_list(ctx: CallContext, params: dict) -> Page:
    """Filters and orders use the UPPER_CASE names; rows are matched on their camelCase copy."""
    test = compile_filter(param(params, "filter") or {}, _KINDS)
    order = parse_order(param(params, "order")) or [("ID", False)]
    select = param(params, "select")
    rows = [{**{k: t.get(camel(k)) for k in _KINDS}, "ID": t["id"], "_task": t}
            for t in ctx.portal.table(TABLE)]
    page = page_of([r for r in rows if test is None or test(r)], None, order,
                   parse_start(param(params, "start")), _FIELDS,
                   lambda r: render(ctx.portal, r["_task"], select))
    page.items = {"tasks": page.items}
    return page
