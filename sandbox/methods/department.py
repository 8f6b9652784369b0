"""department.get (and department.add for seeding) — the company structure.

Facts (§10, EN:api-reference/departments/department-get.md, department-add.md): filter params
ID, NAME, SORT, PARENT, UF_HEAD at the top level plus `sort`, `order`, `START` (pages of 50);
item {"ID": "2", "NAME": "...", "SORT": 500, "PARENT": "1", "UF_HEAD": "7"} — SORT an integer,
ids strings, the root has no PARENT and a department without a head has no UF_HEAD.
"""

from __future__ import annotations

from typing import Any

from sandbox.errors import RestError
from sandbox.listing import Fields, page_of, param, parse_start
from sandbox.listing_ops import INT, STR, compile_filter
from sandbox.registry import CallContext, Page, method

FIELDS = Fields({"ID": INT, "NAME": STR, "SORT": INT, "PARENT": INT, "UF_HEAD": INT},
                ("ID", "NAME", "SORT", "PARENT", "UF_HEAD"))


def add_department(portal: Any, name: str, *, parent: int | None = None,
                   head: int | None = None, sort: int = 500) -> int:
    row: dict[str, Any] = {"NAME": name, "SORT": sort}
    if parent:
        row["PARENT"] = str(parent)
    if head:
        row["UF_HEAD"] = str(head)
    return portal.table("department").insert(row)


def set_head(portal: Any, department_id: int, head: int | None) -> None:
    row = portal.table("department").get(department_id)
    if head:
        row["UF_HEAD"] = str(head)
    else:
        row.pop("UF_HEAD", None)


def _render(row: dict) -> dict:
    return {k: row[k] for k in ("ID", "NAME", "SORT", "PARENT", "UF_HEAD") if k in row}


@method("department.get", scope="department")
def department_get(ctx: CallContext, params: dict) -> Page:
    filt = {k: param(params, k) for k in ("ID", "NAME", "SORT", "PARENT", "UF_HEAD")
            if param(params, k) not in (None, "")}
    test = compile_filter(filt, FIELDS.kinds)
    sort = str(param(params, "sort") or "ID").upper()
    order = [(sort, str(param(params, "order") or "ASC").upper() == "DESC")]
    start = parse_start(param(params, "START", param(params, "start")))
    return page_of(ctx.portal.table("department"), test, order, start, FIELDS, _render)


@method("department.add", scope="department", admin_only=True)
def department_add(ctx: CallContext, params: dict) -> int:
    name, parent = param(params, "NAME"), param(params, "PARENT")
    if not name or not parent:
        raise RestError("ERROR_CORE", "NAME and PARENT are required", 400)
    if ctx.portal.table("department").get(int(parent)) is None:
        raise RestError("ERROR_CORE", "Parent department is not found", 400)
    return add_department(ctx.portal, str(name), parent=int(parent),
                          head=int(param(params, "UF_HEAD") or 0) or None,
                          sort=int(param(params, "SORT") or 500))
