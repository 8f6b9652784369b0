"""im.notify.system.add, im.notify.personal.add, im.notify — notifications to employees.

Facts (§11, EN:api-reference/chats/notifications/im-notify-system-add.md,
im-notify-personal-add.md, index.md): USER_ID and MESSAGE are required (USER_ID_EMPTY,
MESSAGE_EMPTY), MESSAGE is trimmed, ATTACH at most 60 000 characters (ATTACH_OVERSIZE); a
notification with an existing TAG removes the others with that tag (read literally: whoever
they were for); system notifications have no author, personal ones are sent on behalf of the
token's user; im.notify does either with TYPE USER|SYSTEM; the answer is the new id (false for
an unknown recipient). Everything lands in table "im.notify" so tests can read what a user saw.
"""

from __future__ import annotations

import json

from sandbox import crm_common as cc
from sandbox.errors import RestError
from sandbox.listing import param
from sandbox.registry import CallContext, method

TABLE = "im.notify"


def notify(ctx: CallContext, params: dict, kind: str) -> int | bool:
    user_id, message = param(params, "USER_ID"), str(param(params, "MESSAGE") or "").strip()
    if user_id in (None, "", 0, "0"):
        raise RestError("USER_ID_EMPTY", "User ID can't be empty", 400)
    if not message:
        raise RestError("MESSAGE_EMPTY", "Message can't be empty", 400)
    attach = param(params, "ATTACH")
    if attach is not None and len(json.dumps(attach, ensure_ascii=False)) > 60_000:
        raise RestError("ATTACH_OVERSIZE", "You have exceeded the maximum allowable size of attach",
                        400)
    if ctx.portal.table("user").get(int(user_id)) is None:
        return False
    table = ctx.portal.table(TABLE)
    tag = param(params, "TAG")
    if tag:
        for row_id in [int(r["ID"]) for r in table if r["TAG"] == str(tag)]:
            table.delete(row_id)
    row = {"USER_ID": int(user_id), "TYPE": kind,
           "AUTHOR_ID": 0 if kind == "SYSTEM" else int(ctx.user_id or 0), "MESSAGE": message,
           "MESSAGE_OUT": param(params, "MESSAGE_OUT"), "TAG": None if not tag else str(tag),
           "SUB_TAG": param(params, "SUB_TAG"), "ATTACH": attach,
           "CLIENT_ID": param(params, "CLIENT_ID"), "DATE": cc.fmt_dt(ctx.now), "READ": "N"}
    return table.insert(row)


@method("im.notify.system.add", scope="im")
def notify_system_add(ctx: CallContext, params: dict) -> int | bool:
    return notify(ctx, params, "SYSTEM")


@method("im.notify.personal.add", scope="im")
def notify_personal_add(ctx: CallContext, params: dict) -> int | bool:
    return notify(ctx, params, "USER")


@method("im.notify", scope="im")
def im_notify(ctx: CallContext, params: dict) -> int | bool:
    kind = "SYSTEM" if str(param(params, "TYPE") or "USER").upper() == "SYSTEM" else "USER"
    return notify(ctx, params, kind)


def notifications_for(portal: object, user_id: int) -> list[dict]:
    """What a user currently has in the bell (tests and the demo read this)."""
    return [r for r in portal.table(TABLE) if r["USER_ID"] == int(user_id)]  # type: ignore[attr-defined]
