"""A stand-in PortalState for unit tests of method modules: tables, a settable clock, events.

It follows the PortalState API of docs/ARCHITECTURE.md (table, emit, invoke, clock, meta, lock)
without HTTP, tokens or delivery, so a method's rules can be tested in microseconds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sandbox.registry import CallContext, find
from sandbox.tables import Table

MSK = timezone(timedelta(hours=3), "MSK")


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.tz = MSK
        self.moment = start or datetime(2026, 3, 10, 9, 0, tzinfo=MSK)

    def now(self) -> datetime:
        return self.moment

    def time(self) -> float:
        return self.moment.timestamp()

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)

    def set(self, moment: datetime) -> None:
        self.moment = moment


@dataclass
class Emitted:
    code: str
    data: dict
    user_id: int


@dataclass
class FakePortal:
    clock: FakeClock = field(default_factory=FakeClock)
    meta: dict = field(default_factory=dict)
    events: list[Emitted] = field(default_factory=list)
    lang: str = "ru"
    admins: set = field(default_factory=lambda: {1})
    lock: Any = field(default_factory=threading.RLock)
    _tables: dict = field(default_factory=dict)

    def table(self, name: str) -> Table:
        if name not in self._tables:
            self._tables[name] = Table(name)
        return self._tables[name]

    def emit(self, code: str, data: dict, *, user_id: int, auth_connector: str | None = None,
             ) -> None:
        self.events.append(Emitted(code, data, user_id))

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admins

    def invoke(self, method: str, params: dict | None = None, *, user_id: int,
               app_context: bool = False) -> Any:
        spec = find(method)
        assert spec is not None, f"unknown method {method}"
        ctx = CallContext(self, user_id, app_context, self.is_admin(user_id))  # type: ignore[arg-type]
        with self.lock:
            result = spec.fn(ctx, params or {})
        return result

    def codes(self) -> list[str]:
        return [e.code for e in self.events]


def load_methods() -> None:
    """Import the method modules under test (the core's methods/__init__ may not exist yet)."""
    import importlib
    for name in ("crm_deal", "crm_lead", "crm_contact", "crm_company", "crm_userfield",
                 "crm_status", "crm_category", "crm_activity", "crm_timeline",
                 "crm_stagehistory", "crm_duplicate", "crm_item", "user", "department",
                 "voximplant", "telephony", "im", "tasks"):
        try:
            importlib.import_module(f"sandbox.methods.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"sandbox.methods.{name}":
                raise
