"""Ask the portal who is away: the presence job's REST side (handlers/routing/presence.py).

Per run: one batch of `im.user.list.get` (the absence chart's `absent`) and `timeman.status`
per person, 50 commands a request; if the work-time module refuses (no timeman scope on an
old install, or the portal's plan has no work-time tracking), one `user.get` for IS_ONLINE.
A person whose own timeman answer failed falls back to the online flag alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from b24.client import B24Client
from b24.errors import B24ApiError
from handlers.routing.presence import Away, absence_until, judge
from handlers.routing.snapshot import Snapshot

logger = logging.getLogger(__name__)
IDS_PER_CALL = 50  # im.user.list.get and user.get pages: ids in chunks of a page
NO_TIMEMAN = frozenset({"ERROR_METHOD_NOT_FOUND", "INSUFFICIENT_SCOPE", "ACCESS_DENIED",
                        "METHOD_NOT_FOUND"})


def tracked(snap: Snapshot) -> list[int]:
    """Whom a plan may ring: the sales group, every department head, the last hop."""
    heads = {d.head_id for d in snap.org.departments.values() if d.head_id is not None}
    owner = {snap.config.owner_user_id} if snap.config.owner_user_id is not None else set()
    wanted = set(snap.org.members(snap.sales_departments)) | heads | owner
    return sorted(u for u in wanted if snap.routable(u))


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), IDS_PER_CALL):
        yield ids[start:start + IDS_PER_CALL]


def fetch_presence(b24: B24Client, user_ids: list[int], now: datetime,
                   tz: tzinfo) -> dict[int, Away | None]:
    """Each person's verdict now (None: present)."""
    if not user_ids:
        return {}
    cmds: dict[str, tuple[str, dict[str, Any]]] = {
        f"im{n}": ("im.user.list.get", {"ID": part}) for n, part in enumerate(_chunks(user_ids))}
    cmds.update({f"tm{u}": ("timeman.status", {"USER_ID": u}) for u in user_ids})
    answer = b24.batch(cmds)
    absent: dict[int, Any] = {}
    for key, result in answer.results.items():
        if key.startswith("im") and isinstance(result, dict):
            absent.update({int(k): (v or {}).get("absent") for k, v in result.items()
                           if str(k).isdigit() and isinstance(v, dict)})
    timeman = {int(k[2:]): v for k, v in answer.results.items()
               if k.startswith("tm") and isinstance(v, dict)}
    refused = [e for k, e in answer.errors.items() if k.startswith("tm")]
    online = _online(b24, [u for u in user_ids if u not in timeman]) \
        if refused or len(timeman) < len(user_ids) else {}
    if refused:
        logger.info("routing.presence.timeman_refused", extra={
            "error": refused[0].code, "users": len(refused)})
    return {u: judge(absent_until=absence_until(absent.get(u), now, tz),
                     timeman=timeman.get(u), online=online.get(u), now=now, tz=tz)
            for u in user_ids}


def _online(b24: B24Client, user_ids: list[int]) -> dict[int, bool]:
    """IS_ONLINE for people the work-time module said nothing about."""
    online: dict[int, bool] = {}
    for part in _chunks(user_ids):
        try:
            rows = b24.call("user.get", {"FILTER": {"ID": part}})
        except B24ApiError as exc:
            logger.warning("routing.presence.online_failed", extra={"error": exc.code})
            return online
        for row in rows or ():
            online[int(row["ID"])] = str(row.get("IS_ONLINE") or "").upper() == "Y"
    return online
