"""Routing settings, with the defaults a head of sales would pick (10 s a step, 9 to 18)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Department
from store.settings import load_section, save_section

SECTION = "routing"
SALES_WORDS = ("продаж", "sales")
RING_MIN, RING_MAX = 5, 120  # one Bitrix24 ring is 5 s; beyond 2 min nobody is waiting
STEP_KINDS = ("responsible", "group", "head", "owner")
GROUP_MODES = ("all", "turn")  # the group rings at once, or one person after another
GROUP_ORDERS = ("conversion", "load")  # "turn": best recent conversion first, or least loaded


@dataclass
class RoutingConfig:
    sales_department_ids: list[int] = field(default_factory=list)  # empty: named like "продаж"
    ring_seconds: int = 10
    work_days: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])  # Monday = 0
    work_start: str = "09:00"
    work_end: str = "18:00"
    time_zone: str = "Europe/Moscow"  # the portal's zone: Bitrix24 keeps no per-portal setting
    owner_user_id: int | None = None  # last hop when the structure's top has no head
    show_cards: bool = True  # the app is the PBX's connector: show the call card in Bitrix24
    # Seconds per step kind; a kind not named rings `ring_seconds` (settings saved before
    # issue 18 have none, and keep their one number for every step).
    step_seconds: dict[str, int] = field(default_factory=dict)
    group_mode: str = "all"
    group_order: str = "conversion"
    presence: bool = True  # skip people who are away (absence chart, work day, online flag)

    def seconds_for(self, kind: str) -> int:
        """How long a step of this kind rings (each person in turn, in "turn" mode)."""
        return int(self.step_seconds.get(kind, self.ring_seconds))

    def zone(self) -> ZoneInfo:
        """Working hours are the portal's local hours, whatever zone the server runs in."""
        return ZoneInfo(self.time_zone)

    def in_hours(self, now: datetime) -> bool:
        """Working time in the portal's zone; a shift may run past midnight (22:00-06:00),
        and the same start and end mean around the clock on working days."""
        local = now.astimezone(self.zone())
        start, end, moment = _clock(self.work_start), _clock(self.work_end), local.time()
        if start == end:
            return local.weekday() in self.work_days
        if start < end:
            return local.weekday() in self.work_days and start <= moment < end
        if moment >= start:  # the evening part belongs to the day the shift started
            return local.weekday() in self.work_days
        return (local.weekday() - 1) % 7 in self.work_days and moment < end

    def validate(self) -> list[str]:
        """Problem keys (empty: may be saved); the page shows a message per key."""
        problems = []
        if not RING_MIN <= self.ring_seconds <= RING_MAX:
            problems.append("ring_seconds")
        if not isinstance(self.step_seconds, dict) or any(
                kind not in STEP_KINDS or isinstance(sec, bool) or not isinstance(sec, int)
                or not RING_MIN <= sec <= RING_MAX for kind, sec in self.step_seconds.items()):
            problems.append("step_seconds")
        if self.group_mode not in GROUP_MODES:
            problems.append("group_mode")
        if self.group_order not in GROUP_ORDERS:
            problems.append("group_order")
        if any(d not in range(7) for d in self.work_days):
            problems.append("work_days")
        try:
            _clock(self.work_start), _clock(self.work_end)
        except (TypeError, ValueError):
            problems.append("work_hours")
        try:
            self.zone()
        except (ZoneInfoNotFoundError, ValueError):
            problems.append("time_zone")
        return problems


def _clock(text: str) -> time:
    return time.fromisoformat(text)


def from_dict(data: dict[str, Any]) -> RoutingConfig:
    """Unknown keys are dropped, so an older or newer stored section still loads."""
    known = {f.name for f in dataclasses.fields(RoutingConfig)}
    return RoutingConfig(**{k: v for k, v in data.items() if k in known})


def load(session: Session, portal_id: int) -> RoutingConfig:
    """The saved section, or the defaults until an admin saves one."""
    return from_dict(load_section(session, portal_id, SECTION))


def save(session: Session, portal_id: int, cfg: RoutingConfig, *, user_id: int | None,
         now: datetime) -> None:
    """Refuses invalid settings: a bad zone or ring time must never reach the PBX path."""
    problems = cfg.validate()
    if problems:
        raise ValueError("invalid routing settings: " + ", ".join(problems))
    save_section(session, portal_id, SECTION, dataclasses.asdict(cfg), user_id=user_id, now=now)


def guess_sales_departments(session: Session, portal_id: int) -> list[int]:
    """Until the admin chooses, departments named like "Отдел продаж" are the sales group."""
    rows = session.execute(select(Department.b24_department_id, Department.name).where(
        Department.portal_id == portal_id).order_by(Department.b24_department_id)).all()
    return [dep_id for dep_id, name in rows if any(w in name.lower() for w in SALES_WORDS)]
