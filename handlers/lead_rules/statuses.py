"""The portal's lead statuses from the Stage mirror (crm.status.list ENTITY_ID=STATUS, §8.2, §8.3).

Real portals rename and add statuses (`UC_xxxxxx`), so nothing here assumes the default codes:
the first in-progress status by SORT is where a lead starts, the first success status is what
conversion moves to, and every failure status is a reason category for junk.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from store import lead_rules as store

DEFAULT_FIRST, DEFAULT_SUCCESS = "NEW", "CONVERTED"


@dataclass(frozen=True)
class Status:
    code: str
    name: str
    semantic: str  # P | S | F
    sort: int


@dataclass(frozen=True)
class Statuses:
    items: tuple[Status, ...]

    @classmethod
    def load(cls, session: Session, portal_id: int) -> Statuses:
        """Statuses in funnel order, as the last directory sync saw them."""
        return cls(tuple(Status(s.status_id, s.name, (s.semantics or "P")[:1], s.sort)
                         for s in store.lead_statuses(session, portal_id)))

    def get(self, code: str | None) -> Status | None:
        return next((s for s in self.items if s.code == code), None)

    def name(self, code: str | None) -> str:
        status = self.get(code)
        return status.name if status else (code or "")

    def of(self, semantic: str) -> list[Status]:
        return [s for s in self.items if s.semantic == semantic]

    @property
    def first_open(self) -> str:
        """Where a new lead lands ("Не обработан"): its SLA runs from the lead's creation."""
        opened = self.of("P")
        return opened[0].code if opened else DEFAULT_FIRST

    @property
    def success(self) -> str:
        done = self.of("S")
        return done[0].code if done else DEFAULT_SUCCESS

    @property
    def intermediate(self) -> list[Status]:
        """In-progress statuses after the first: each has its own time limit."""
        return self.of("P")[1:]

    @property
    def failures(self) -> list[Status]:
        return self.of("F")
