"""An event as the inbox keeps it: everything but secrets (tokens never rest in our tables)."""

from __future__ import annotations

from typing import Any

from b24.events import B24Event, EventAuth
from store.models import InboxEvent, Portal

StoredEvent = B24Event
KEPT_AUTH = ("domain", "client_endpoint", "server_endpoint", "scope", "status", "user_id")


def storable(event: B24Event) -> dict[str, Any]:
    auth = {key: getattr(event.auth, key) for key in KEPT_AUTH if getattr(event.auth, key)}
    return {"event": event.code, "event_handler_id": event.handler_id, "data": event.data,
            "ts": event.ts, "auth": auth}


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
