"""An event as the inbox keeps it: everything but secrets (tokens never rest in our tables).

At most MAX_STORED bytes of it: every genuine event body is a few hundred bytes (entity ids,
a call's fields), so a bigger one is someone's padding; it is cut down to what the handlers
read, with a log line, instead of growing the database by a megabyte per forged post.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from b24.events import B24Event, EventAuth
from store.models import InboxEvent, Portal

logger = logging.getLogger(__name__)
StoredEvent = B24Event
KEPT_AUTH = ("domain", "client_endpoint", "server_endpoint", "scope", "status", "user_id")
MAX_STORED = 16 * 1024
MAX_VALUE = 255  # one scalar kept from an oversized body (phone numbers, ids, codes)
# What the handlers read from `data` (handlers/deals.py, calls.py, lifecycle.py).
NEEDED = ("ID", "CALL_ID", "PHONE_NUMBER", "PORTAL_USER_ID", "CALL_TYPE", "CALL_DURATION",
          "CALL_START_DATE", "CALL_FAILED_CODE", "CRM_ACTIVITY_ID", "CLEAN", "LANGUAGE_ID")


def storable(event: B24Event) -> dict[str, Any]:
    auth = {key: getattr(event.auth, key) for key in KEPT_AUTH if getattr(event.auth, key)}
    payload = {"event": event.code, "event_handler_id": event.handler_id, "data": event.data,
               "ts": event.ts, "auth": auth}
    size = _size(payload)
    if size <= MAX_STORED:
        return payload
    payload["data"] = _trimmed(event.data)
    logger.warning("b24.event.trimmed", extra={"member_id": event.member_id,
                                               "event": event.code, "bytes": size,
                                               "kept": _size(payload)})
    return payload


def _trimmed(data: dict[str, Any]) -> dict[str, Any]:
    """Scalars only, each cut short; if that is still too big, only the NEEDED keys."""
    kept = _scalars(data)
    if isinstance(data.get("FIELDS"), dict):
        kept["FIELDS"] = _scalars(data["FIELDS"])
    if _size(kept) > MAX_STORED // 2:
        kept = _scalars(data, NEEDED)
        if isinstance(data.get("FIELDS"), dict):
            kept["FIELDS"] = _scalars(data["FIELDS"], NEEDED)
    return kept


def _scalars(values: dict[str, Any], only: tuple[str, ...] | None = None) -> dict[str, Any]:
    return {key: value[:MAX_VALUE] if isinstance(value, str) else value
            for key, value in values.items()
            if isinstance(value, str | int | float) and (only is None or key in only)}


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str).encode())


def synthetic_payload(code: str, data: dict[str, Any]) -> dict[str, Any]:
    """An event the sync job found missing; handlers treat it exactly like a delivered one."""
    return {"event": code.upper(), "event_handler_id": None, "data": data, "ts": None,
            "auth": {}, "source": "sync"}


def from_row(row: InboxEvent, portal: Portal) -> B24Event:
    payload = row.payload or {}
    auth = payload.get("auth") or {}
    return B24Event(
        code=row.code, handler_id=payload.get("event_handler_id"),
        data=payload.get("data") or {}, ts=payload.get("ts"),
        auth=EventAuth(member_id=portal.member_id, application_token="",
                       **{key: auth.get(key) for key in KEPT_AUTH}))
