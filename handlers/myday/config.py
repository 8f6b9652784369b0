"""Settings of «Мой день» (section "myday") and who is expected to hand a report in.

The reminder time is on the wall clock of the lead rules' working calendar (its zone, its
working days and holidays: handlers/lead_rules/workclock.py), so "18:00 on working days"
means the same days the SLA clock runs, and a holiday is neither reminded nor "absent".
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy.orm import Session

from handlers.audits import config as audits_config
from handlers.exchange import config as exchange_config
from handlers.exchange.caps import sales_managers
from handlers.lead_rules import config as lead_config
from handlers.lead_rules.workclock import WorkClock
from store.settings import load_section, save_section

SECTION = "myday"
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass
class MydayConfig:
    remind_at: str = "18:00"  # local time of the working calendar's zone
    reminders: bool = True

    def remind_time(self) -> time:
        return time.fromisoformat(self.remind_at)

    def validate(self) -> list[str]:
        return [] if CLOCK.match(self.remind_at or "") else ["remind_at"]


def load(session: Session, portal_id: int) -> MydayConfig:
    data = load_section(session, portal_id, SECTION)
    known = {f.name for f in dataclasses.fields(MydayConfig)}
    cfg = MydayConfig(**{k: v for k, v in data.items() if k in known})
    return cfg if not cfg.validate() else MydayConfig()


def save(session: Session, portal_id: int, cfg: MydayConfig, *, user_id: int | None,
         now: datetime) -> None:
    if cfg.validate():
        raise ValueError("invalid myday settings")
    save_section(session, portal_id, SECTION, dataclasses.asdict(cfg), user_id=user_id, now=now)


def clock(session: Session, portal_id: int) -> WorkClock:
    """The lead rules' working calendar: zone, working days, holidays."""
    return WorkClock.of(lead_config.load(session, portal_id))


def seniors(session: Session, portal_id: int) -> set[int]:
    """The senior specialists (first calls after the sale), as the audits area names them."""
    cfg = audits_config.load(session, portal_id)
    found = {audits_config.senior(session, portal_id, cfg, 0), *cfg.seniors.values()}
    return {uid for uid in found if uid}


def employees(session: Session, portal_id: int) -> list[int]:
    """Who hands «Мой день» in: the sales managers and the senior specialists."""
    managers = sales_managers(session, portal_id, exchange_config.load(session, portal_id))
    return sorted(set(managers) | seniors(session, portal_id))


def as_dict(cfg: MydayConfig) -> dict[str, Any]:
    return dataclasses.asdict(cfg)
