"""user.get, user.current, user.admin — the portal's employees.

Facts (§10, EN:api-reference/user/user-get.md, user-current.md, EN:api-reference/common/users/
user-admin.md): `FILTER` takes any user field plus UF_DEPARTMENT, UF_PHONE_INNER, IS_ONLINE,
NAME_SEARCH, USER_TYPE and ACTIVE (true = exclude fired), with the §7 prefixes and array values;
`sort` names a field, `order` is ASC|DESC; pages of 50 with `total`; ACTIVE is a real boolean,
UF_DEPARTMENT a list of integers, ids strings; user.current answers the token's user and
user.admin whether that user may manage app settings (true|false).
"""

from __future__ import annotations

from typing import Any

from sandbox.errors import RestError
from sandbox.listing import Fields, page_of, param, parse_start, projector
from sandbox.listing_ops import BOOL, DT, INT, LIST, compile_filter
from sandbox.registry import CallContext, Page, method

FIELDS_ORDER = ("ID", "XML_ID", "ACTIVE", "NAME", "LAST_NAME", "SECOND_NAME", "EMAIL",
                "LAST_LOGIN", "DATE_REGISTER", "TIME_ZONE", "IS_ONLINE", "TIMESTAMP_X",
                "LAST_ACTIVITY_DATE", "PERSONAL_GENDER", "PERSONAL_BIRTHDAY", "PERSONAL_MOBILE",
                "PERSONAL_CITY", "WORK_PHONE", "WORK_POSITION", "UF_EMPLOYMENT_DATE",
                "UF_DEPARTMENT", "UF_PHONE_INNER", "USER_TYPE")
_KINDS = {name: "str" for name in FIELDS_ORDER}
_KINDS.update({"ID": INT, "ACTIVE": BOOL, "UF_DEPARTMENT": LIST, "LAST_LOGIN": DT,
               "DATE_REGISTER": DT, "TIMESTAMP_X": DT, "LAST_ACTIVITY_DATE": DT})
FIELDS = Fields(_KINDS, FIELDS_ORDER, ("UF_EMPLOYMENT_DATE", "UF_DEPARTMENT", "UF_PHONE_INNER"))


def add_user(portal: Any, *, name: str, last_name: str, email: str, departments: list[int],
             position: str = "", inner: str | None = None, active: bool = True,
             admin: bool = False, registered: str = "", mobile: str = "", gender: str = "",
             user_type: str = "employee") -> int:
    """Insert an employee in user.get's wire shape (seed data and tests)."""
    row = {name_: None for name_ in FIELDS_ORDER}
    row.update({"ACTIVE": active, "NAME": name, "LAST_NAME": last_name, "SECOND_NAME": "",
                "EMAIL": email, "DATE_REGISTER": registered or None, "LAST_LOGIN": None,
                "TIME_ZONE": "", "IS_ONLINE": "N", "PERSONAL_GENDER": gender,
                "PERSONAL_MOBILE": mobile, "PERSONAL_CITY": "", "WORK_PHONE": "",
                "WORK_POSITION": position, "UF_EMPLOYMENT_DATE": "",
                "UF_DEPARTMENT": [int(d) for d in departments], "UF_PHONE_INNER": inner,
                "USER_TYPE": user_type, "_ADMIN": admin})
    user_id = portal.table("user").insert(row)
    if admin and hasattr(portal, "admins"):
        portal.admins.add(user_id)
    return user_id


def full_name(row: dict) -> str:
    return " ".join(p for p in (row.get("NAME"), row.get("LAST_NAME")) if p)


def _name_search(value: Any) -> Any:
    needle = str(value).casefold()

    def test(row: dict) -> bool:
        hay = " ".join(str(row.get(k) or "") for k in ("NAME", "LAST_NAME", "SECOND_NAME",
                                                        "EMAIL", "WORK_POSITION"))
        return needle in hay.casefold()
    return test


@method("user.get", scope="user")
def user_get(ctx: CallContext, params: dict) -> Page:
    filt = dict(param(params, "FILTER") or {})
    search = filt.pop("NAME_SEARCH", None) or filt.pop("FIND", None)
    test = compile_filter(filt, _KINDS)
    if search:
        extra, inner = _name_search(search), test
        test = (lambda row: extra(row) and inner(row)) if inner else extra
    sort = str(param(params, "sort") or "ID").upper()
    order = [(sort, str(param(params, "order") or "ASC").upper() == "DESC")]
    draw = projector(param(params, "select"), FIELDS, default=("*",))
    table = ctx.portal.table("user")
    return page_of(table, test, order, parse_start(param(params, "start")), FIELDS, draw)


def _user_row(ctx: CallContext) -> dict:
    row = ctx.portal.table("user").get(int(ctx.user_id or 0))
    if row is None:
        raise RestError("NO_AUTH_FOUND", "Wrong authorization data", 401)
    return row


@method("user.current", scope="user")  # user, user_brief, user_basic (user-current.md)
def user_current(ctx: CallContext, params: dict) -> dict:
    """The token's user (the installer for stored tokens, the viewer for AUTH_ID, §10)."""
    return projector(("*",), FIELDS, ("*",))(_user_row(ctx))


@method("user.admin", scope="basic")
def user_admin(ctx: CallContext, params: dict) -> bool:
    return bool(ctx.is_admin)
