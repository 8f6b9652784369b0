"""Helpers for the CRM/telephony/seed suites: a real emulated portal at a fixed moment, and a
recorder of the events its methods fire (so rules are tested without an installed app)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sandbox.clock import PORTAL_TZ
from sandbox.methods.user import add_user
from sandbox.seed import seed_company, seed_directories
from sandbox.state import Cloud, PortalState

START = datetime(2026, 3, 10, 8, 0, tzinfo=PORTAL_TZ)  # a Tuesday, before the working day


@dataclass
class Emitted:
    code: str
    data: dict
    user_id: int


class Recorder:
    """Replaces portal.emit on the instance: every event a method fires lands in `events`."""

    def __init__(self, portal: PortalState) -> None:
        self.events: list[Emitted] = []
        portal.emit = self.emit  # type: ignore[method-assign]

    def emit(self, code, data, *, user_id, auth_connector=None):
        self.events.append(Emitted(code, data, user_id))
        return 0

    def codes(self) -> list[str]:
        return [e.code for e in self.events]

    def of(self, code: str) -> list[Emitted]:
        return [e for e in self.events if e.code == code]

    def clear(self) -> None:
        self.events.clear()


@contextmanager
def open_portal(*, seeded: bool = False, directories: bool = True, seed: int = 1,
                moment: datetime = START, name: str = "crm") -> Iterator[PortalState]:
    cloud = Cloud()
    try:
        cloud.clock.set(moment)
        portal = cloud.add_portal(name)
        if seeded:
            seed_company(portal, seed=seed)
        elif directories:
            seed_directories(portal)
            for n, name_ in enumerate(("Ольга", "Пётр", "Иван")):
                add_user(portal, name=name_, last_name="Тестов", email=f"u{n}@x.test",
                         departments=[1], inner=str(101 + n), admin=n == 0)
        yield portal
    finally:
        cloud.close()
