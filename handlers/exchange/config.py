"""The exchange's settings, with the defaults a head of sales would pick."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import User
from store.settings import load_section, save_section

SECTION = "exchange"
EXCHANGE_USER_NAMES = ("биржа лидов", "биржа", "lead exchange")
KEEP_FIELD = "UF_CRM_KEEP_DEAL"  # created on install by ensure_keep_field
LANDING_MODES = ("all", "unassigned")
CAP_MODES = ("fixed", "results")
RETURN_REASONS = ("no_answer", "not_my_profile", "duplicate", "overloaded", "other")


@dataclass
class ExchangeConfig:
    exchange_user_id: int | None = None
    categories: list[int] = field(default_factory=lambda: [0])
    landing_mode: str = "all"  # "all" new deals | only "unassigned" or created by automation
    default_cap: int = 20
    caps: dict[int, int] = field(default_factory=dict)  # per-manager overrides
    cap_mode: str = "fixed"  # "results": scale by 30-day conversion vs the team
    cap_min: int = 5
    cap_max: int = 40
    stale_days: int = 3
    manager_ids: list[int] = field(default_factory=list)  # empty: everyone in sales departments
    head_user_id: int | None = None
    alert_waiting_over: int = 30
    alert_wait_hours: int = 4
    answerer_takes_new_client: bool = True  # a new number's answered call: the deal is his
    priority_minutes: int = 0  # a fresh deal is for the best managers this long; 0: off (default)
    priority_top: int = 3  # how many best managers (by 30-day conversion) get the head start

    @property
    def ready(self) -> bool:
        """Until an exchange user is chosen no deal is moved (the tab shows a banner)."""
        return self.exchange_user_id is not None

    def cap_for(self, user_id: int) -> int:
        return int(self.caps.get(user_id, self.default_cap))

    def validate(self) -> list[str]:
        problems = []
        if self.landing_mode not in LANDING_MODES:
            problems.append("landing_mode")
        if self.cap_mode not in CAP_MODES:
            problems.append("cap_mode")
        if not 0 <= self.default_cap <= 1000 or any(not 0 <= c <= 1000 for c in self.caps.values()):
            problems.append("cap")
        if not 1 <= self.cap_min <= self.cap_max <= 1000:
            problems.append("cap_bounds")
        if not 1 <= self.stale_days <= 365:
            problems.append("stale_days")
        if not 0 <= self.priority_minutes <= 24 * 60:
            problems.append("priority_minutes")
        if not 1 <= self.priority_top <= 100:
            problems.append("priority_top")
        if not self.categories:
            problems.append("categories")
        return problems


def from_dict(data: dict[str, Any]) -> ExchangeConfig:
    known = {f.name for f in dataclasses.fields(ExchangeConfig)}
    values = {k: v for k, v in data.items() if k in known}
    if "caps" in values:  # JSON keys are strings
        values["caps"] = {int(k): int(v) for k, v in values["caps"].items()}
    return ExchangeConfig(**values)


def guess_exchange_user(session: Session, portal_id: int) -> int | None:
    """Pre-select a user named like "Биржа лидов" when the admin has not chosen yet."""
    for user in session.scalars(select(User).where(User.portal_id == portal_id,
                                                   User.active.is_(True))):
        if user.full_name.strip().lower() in EXCHANGE_USER_NAMES:
            return user.b24_user_id
    return None


def load(session: Session, portal_id: int) -> ExchangeConfig:
    return from_dict(load_section(session, portal_id, SECTION))


def save(session: Session, portal_id: int, cfg: ExchangeConfig, *, user_id: int | None,
         now: datetime) -> None:
    problems = cfg.validate()
    if problems:
        raise ValueError("invalid exchange settings: " + ", ".join(problems))
    save_section(session, portal_id, SECTION, dataclasses.asdict(cfg), user_id=user_id, now=now)
