"""timeman.status and im.user.list.get — what the routing presence job asks (issue 18).

Facts:
- timeman.status (RU:api-reference/timeman/base/timeman-status.md, scope `timeman`, "any
  user"): USER_ID optional (default the token's user); the answer has STATUS OPENED | CLOSED |
  PAUSED | EXPIRED (opened before today's calendar day and not closed), TIME_START,
  TIME_FINISH (null while the day is open), DURATION, TIME_LEAKS, ACTIVE, IP_OPEN, IP_CLOSE,
  LAT/LON_OPEN/CLOSE, TZ_OFFSET; datetimes in ATOM with the user's offset.
- im.user.list.get (RU:api-reference/chats/users/im-user-list-get.md, scope `im`): ID is an
  array of user ids; result maps each id to the user's object or null for an unknown id;
  `absent` is the date the absence (the absence chart) lasts until, ATOM, or false; `status`
  the chosen status, `idle` false or an ATOM date; a wrong ID format is INVALID_FORMAT.
State: the work day lives on the user row next to searchCrmEntities' TIMEMAN_STATUS
(sandbox.methods.telephony.set_timeman: "_TIMEMAN", OPENED unless told, so an untouched
emulated portal has everyone at work), with its start and finish; absence chart records in
table "absence"; a portal without the work-time module answers ERROR_METHOD_NOT_FOUND, as
for any method of a module that is not installed. The helpers below play people.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sandbox.errors import RestError
from sandbox.listing import param
from sandbox.methods.telephony import set_timeman, timeman_status
from sandbox.methods.user import full_name
from sandbox.registry import CallContext, method

ABSENCES, SETTINGS = "absence", "timeman.settings"


def _atom(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def _day(portal: Any, user_id: int, status: str, **times: datetime | None) -> None:
    row = portal.table("user").get(user_id)
    set_timeman(portal, user_id, status)
    row.update({f"_TIMEMAN_{k.upper()}": v for k, v in times.items()})


def open_day(portal: Any, user_id: int, at: datetime) -> None:
    """The user pressed "Начать рабочий день" at `at`."""
    _day(portal, user_id, "OPENED", start=at, finish=None)


def close_day(portal: Any, user_id: int, at: datetime) -> None:
    """The user pressed "Завершить рабочий день" at `at` (the day started earlier)."""
    row = portal.table("user").get(user_id)
    _day(portal, user_id, "CLOSED", start=row.get("_TIMEMAN_START") or at, finish=at)


def pause_day(portal: Any, user_id: int, at: datetime) -> None:
    """The user paused the day ("Перерыв")."""
    row = portal.table("user").get(user_id)
    _day(portal, user_id, "PAUSED", start=row.get("_TIMEMAN_START") or at, finish=None)


def without_timeman(portal: Any) -> None:
    """The portal has no work-time module (its plan lacks it): timeman.* are not found."""
    portal.table(SETTINGS).put(1, {"INSTALLED": False})


def add_absence(portal: Any, user_id: int, first: date, last: date,
                kind: str = "VACATION") -> int:
    """An absence chart record (the "График отсутствий" list), both days included."""
    return portal.table(ABSENCES).insert({"USER_ID": user_id, "DATE_FROM": first,
                                          "DATE_TO": last, "ABSENCE_TYPE": kind})


def set_online(portal: Any, user_id: int, online: bool) -> None:
    """user.get's IS_ONLINE ("Y" while the user had the portal open in the last minutes)."""
    portal.table("user").get(user_id)["IS_ONLINE"] = "Y" if online else "N"


def _status(ctx: CallContext, user: dict) -> dict:
    now = ctx.now
    status = timeman_status(user)
    if status not in ("OPENED", "CLOSED", "PAUSED", "EXPIRED"):  # searchCrmEntities-only
        status = "CLOSED"
    start = user.get("_TIMEMAN_START")
    if start is None and status != "CLOSED":  # told a status only: the day began at 09:00
        start = now.replace(hour=9, minute=0, second=0, microsecond=0)
    if status in ("OPENED", "PAUSED") and start is not None and \
            start.date() < now.astimezone(start.tzinfo).date():
        status = "EXPIRED"  # opened before today's calendar day and never closed
    offset = (start or now).utcoffset()
    return {"STATUS": status, "TIME_START": _atom(start),
            "TIME_FINISH": _atom(user.get("_TIMEMAN_FINISH")) if status == "CLOSED" else None,
            "DURATION": "00:00:00", "TIME_LEAKS": "00:00:00", "ACTIVE": status == "OPENED",
            "IP_OPEN": "", "IP_CLOSE": "", "LAT_OPEN": 0, "LON_OPEN": 0, "LAT_CLOSE": 0,
            "LON_CLOSE": 0, "TZ_OFFSET": int(offset.total_seconds()) if offset else 0}


@method("timeman.status", scope="timeman")
def status_method(ctx: CallContext, params: dict) -> dict:
    raw = param(params, "USER_ID")
    try:
        user_id = int(raw) if raw not in (None, "") else int(ctx.user_id)
    except (TypeError, ValueError):
        raise RestError("ERROR_USER_ID", "Wrong user id", 400) from None
    settings = ctx.portal.table(SETTINGS).get(1)
    if settings is not None and not settings["INSTALLED"]:
        raise RestError("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)
    user = ctx.portal.table("user").get(user_id)
    if user is None:
        raise RestError("ERROR_USER_NOT_FOUND", "User not found", 400)
    return _status(ctx, user)


def _absent_until(ctx: CallContext, user_id: int) -> str | bool:
    today = ctx.now.date()
    ends = [r["DATE_TO"] for r in ctx.portal.table(ABSENCES)
            if int(r["USER_ID"]) == user_id and r["DATE_FROM"] <= today <= r["DATE_TO"]]
    if not ends:
        return False
    return _atom(datetime.combine(max(ends), time(0, 0), ctx.now.tzinfo))


@method("im.user.list.get", scope="im")
def im_user_list_get(ctx: CallContext, params: dict) -> dict:
    raw = param(params, "ID")
    ids = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
    if isinstance(raw, dict):
        ids = list(raw.values())
    try:
        wanted = [int(i) for i in ids] or [int(ctx.user_id)]
    except (TypeError, ValueError):
        raise RestError("INVALID_FORMAT", "A wrong format for the ID field is passed",
                        400) from None
    return {str(uid): _im_user(ctx, uid) for uid in wanted}


def _im_user(ctx: CallContext, user_id: int) -> dict | None:
    row = ctx.portal.table("user").get(user_id)
    if row is None:
        return None
    return {"id": user_id, "name": full_name(row), "first_name": row.get("NAME") or "",
            "last_name": row.get("LAST_NAME") or "", "work_position": row.get("WORK_POSITION")
            or "", "color": "#df532d", "avatar": "", "gender": row.get("PERSONAL_GENDER") or "M",
            "birthday": "", "extranet": False, "network": False, "bot": False,
            "connector": False, "external_auth_id": "default",
            "status": "online" if row.get("IS_ONLINE") == "Y" else "offline", "idle": False,
            "last_activity_date": False, "desktop_last_date": False, "mobile_last_date": False,
            "departments": list(row.get("UF_DEPARTMENT") or []),
            "absent": _absent_until(ctx, user_id),
            "phones": {"work_phone": row.get("WORK_PHONE") or "",
                       "personal_mobile": row.get("PERSONAL_MOBILE") or "",
                       "personal_phone": ""}}
