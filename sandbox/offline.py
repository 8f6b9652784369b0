"""The offline event queue of one portal (EN:api-reference/events/offline-events.md).

One record per changed object ("latest state per object": a new change of the same object
updates the existing unreserved record's timestamp); a separate queue per `auth_connector`, and a
change made with connector K is not stored in K's own queue (loop breaking); `event.offline.get`
deletes what it returns unless clear=0, which reserves the records under a process_id
(EN:api-reference/events/event-offline-get.md, event-offline-clear.md, event-offline-error.md,
event-offline-list.md). Reservations older than 30 days are dropped.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sandbox.errors import RestError
from sandbox.registry import Page

if TYPE_CHECKING:
    from sandbox.clock import Clock
    from sandbox.events import Binding

RESERVATION_TTL = 30 * 24 * 3600
OPS = ("!=", ">=", "<=", "=", "!", ">", "<")


@dataclass
class OfflineRecord:
    id: int
    timestamp: float
    event_name: str
    data: Any
    additional: dict
    message_id: str
    connector: str
    process_id: str = ""
    reserved_at: float = 0.0
    error: bool = False

    def row(self, clock: Clock, *, full: bool = False) -> dict:
        out = {"ID": str(self.id), "TIMESTAMP_X": clock.iso(self.timestamp),
               "EVENT_NAME": self.event_name, "EVENT_DATA": self.data,
               "EVENT_ADDITIONAL": self.additional, "MESSAGE_ID": self.message_id}
        if full:
            out.update(PROCESS_ID=self.process_id, ERROR="1" if self.error else "0")
        return out


def _key(record: OfflineRecord, field: str) -> Any:
    value = {"ID": record.id, "TIMESTAMP_X": record.timestamp, "EVENT_NAME": record.event_name,
             "MESSAGE_ID": record.message_id, "PROCESS_ID": record.process_id,
             "ERROR": int(record.error)}.get(field.upper())
    if value is None:
        raise RestError("ERROR_ARGUMENT", f"Unknown field {field}", 400)
    return value


def _coerce(field: str, value: Any) -> Any:
    field = field.upper()
    if field in ("ID", "ERROR"):
        return int(value) if str(value).lstrip("-").isdigit() else (1 if value == "Y" else 0)
    if field == "TIMESTAMP_X":
        return datetime.fromisoformat(str(value)).timestamp()
    return str(value)


def _matches(record: OfflineRecord, filters: dict) -> bool:
    for raw, wanted in (filters or {}).items():
        op = next((o for o in OPS if raw.startswith(o)), "=")
        field = raw[len(op):] if raw.startswith(op) else raw
        have, want = _key(record, field), _coerce(field, wanted)
        ok = {"=": have == want, "!": have != want, "!=": have != want, ">": have > want,
              ">=": have >= want, "<": have < want, "<=": have <= want}[op]
        if not ok:
            return False
    return True


def _sorted(records: list[OfflineRecord], order: dict) -> list[OfflineRecord]:
    for field, direction in reversed(list(order.items())):
        records.sort(key=lambda r, f=field: _key(r, f), reverse=str(direction).upper() == "DESC")
    return records


class OfflineQueue:
    """Records of every offline binding of one portal, keyed by id."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.records: dict[int, OfflineRecord] = {}
        self._next = 1

    def store(self, binding: Binding, code: str, data: Any, user_id: int,
              auth_connector: str | None) -> bool:
        """Record a change unless it came through this queue's own connector."""
        connector = binding.auth_connector
        if connector and connector == (auth_connector or ""):
            return False
        message_id = hashlib.md5(f"{code}|{json.dumps(data, sort_keys=True)}".encode()).hexdigest()
        now = self.clock.time()
        for record in self.records.values():
            if (record.connector, record.message_id, record.process_id) == (connector,
                                                                           message_id, ""):
                record.timestamp, record.data = now, data
                return True
        self.records[self._next] = OfflineRecord(self._next, now, code, data,
                                                 {"user_id": str(user_id)}, message_id, connector)
        self._next += 1
        return True

    def select(self, connector: str, filters: dict | None) -> list[OfflineRecord]:
        self._expire()
        return [r for r in self.records.values()
                if r.connector == (connector or "") and _matches(r, filters or {})]

    def get(self, connector: str, *, filters: dict | None, order: dict | None, limit: int,
            clear: bool, process_id: str | None, error: bool) -> dict:
        """event.offline.get: take up to `limit` records, deleting or reserving them."""
        chosen = [r for r in self.select(connector, filters)
                  if r.process_id == (process_id or "") and (error or not r.error)]
        chosen = _sorted(chosen, order or {"TIMESTAMP_X": "ASC"})[:max(limit, 0)]
        if clear:
            for record in chosen:
                del self.records[record.id]
            pid = None
        else:
            pid = process_id or secrets.token_hex(16)
            for record in chosen:
                record.process_id, record.reserved_at = pid, self.clock.time()
        return {"process_id": pid, "events": [r.row(self.clock) for r in chosen]}

    def clear(self, process_id: str, ids: list | None, message_ids: list | None) -> None:
        """event.offline.clear: `id` wins over `message_id`; neither clears the reservation."""
        for record in self._reserved(process_id):
            if ids:
                hit = str(record.id) in {str(i) for i in ids}
            elif message_ids:
                hit = record.message_id in {str(m) for m in message_ids}
            else:
                hit = True
            if hit:
                del self.records[record.id]

    def mark_error(self, process_id: str, message_ids: list | None) -> None:
        """event.offline.error: flag records; they leave the reservation and need error=1."""
        for record in self._reserved(process_id):
            if not message_ids or record.message_id in {str(m) for m in message_ids}:
                record.error, record.process_id = True, ""

    def listing(self, connector: str, filters: dict | None, order: dict | None,
                start: int) -> Page:
        """event.offline.list: read-only, pages of 50 with total."""
        rows = _sorted(self.select(connector, filters), order or {"ID": "ASC"})
        page = rows[start:start + 50]
        more = start + 50 if start + 50 < len(rows) else None
        return Page([r.row(self.clock, full=True) for r in page], len(rows), more)

    def _reserved(self, process_id: str) -> list[OfflineRecord]:
        self._expire()
        return [r for r in list(self.records.values()) if r.process_id == process_id]

    def _expire(self) -> None:
        cutoff = self.clock.time() - RESERVATION_TTL
        for record in [r for r in self.records.values() if r.process_id and
                       r.reserved_at < cutoff]:
            del self.records[record.id]
