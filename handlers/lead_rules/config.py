"""The lead rules' settings (section "leads"), with the defaults a head of sales would pick.

Statuses are the portal's own (the Stage mirror, crm.status.list ENTITY_ID=STATUS, §8.3):
the first in-progress status is where a new lead starts its SLA clock, every other in-progress
status has its own limit, every failure status is a junk reason category.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from store.settings import load_section, save_section

SECTION = "leads"
REASON_FIELD = "UF_CRM_JUNK_REASON"  # created on first need (handlers.lead_rules.fields)
JUNK_MODES = ("flag", "block")
REASON_MODES = ("status", "field")
EVIDENCE_KINDS = ("call", "email", "meeting")
DEAL_OWNERS = ("exchange", "manager")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass
class LeadRulesConfig:
    sla_hours: float = 2.0  # working hours from a new lead to a final status
    stage_hours: dict[str, float] = field(default_factory=dict)  # per in-progress status
    stage_default_hours: float = 8.0  # any other in-progress status: one working day
    grace_hours: float = 1.0  # after the manager's notice, before the head hears
    timezone: str = "Europe/Moscow"
    work_days: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])  # Mon=0
    work_start: str = "09:00"
    work_end: str = "18:00"
    holidays: list[str] = field(default_factory=list)  # ISO dates off work
    head_user_id: int | None = None  # None: the exchange's head / the sales department's
    junk_mode: str = "flag"
    reason_mode: str = "status"  # the failure status is the reason | the reason field too
    reason_field_ready: bool = False
    evidence_kinds: list[str] = field(default_factory=lambda: list(EVIDENCE_KINDS))
    min_call_seconds: int = 20
    require_patronymic: bool = True
    deal_owner: str = "exchange"
    deal_category: int = 0
    link_repeats: bool = True

    def limit_for(self, status_id: str) -> float:
        return float(self.stage_hours.get(status_id, self.stage_default_hours))

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def validate(self) -> list[str]:
        problems = []
        if not 0 < self.sla_hours <= 24 * 30:
            problems.append("sla_hours")
        if not 0 < self.stage_default_hours <= 24 * 60 or any(
                not 0 < h <= 24 * 60 for h in self.stage_hours.values()):
            problems.append("stage_hours")
        if not 0 <= self.grace_hours <= 24 * 30:
            problems.append("grace_hours")
        problems += self._calendar_problems()
        if self.junk_mode not in JUNK_MODES:
            problems.append("junk_mode")
        if self.reason_mode not in REASON_MODES:
            problems.append("reason_mode")
        if not set(self.evidence_kinds) <= set(EVIDENCE_KINDS) or not self.evidence_kinds:
            problems.append("evidence_kinds")
        if not 0 <= self.min_call_seconds <= 3600:
            problems.append("min_call_seconds")
        if self.deal_owner not in DEAL_OWNERS:
            problems.append("deal_owner")
        return problems

    def _calendar_problems(self) -> list[str]:
        problems = []
        try:
            self.zone()
        except (ZoneInfoNotFoundError, ValueError):
            problems.append("timezone")
        if not (CLOCK.match(self.work_start) and CLOCK.match(self.work_end)) \
                or self.work_start >= self.work_end:
            problems.append("work_hours")
        if not self.work_days or not set(self.work_days) <= set(range(7)):
            problems.append("work_days")
        return problems


def from_dict(data: dict[str, Any]) -> LeadRulesConfig:
    known = {f.name for f in dataclasses.fields(LeadRulesConfig)}
    values = {k: v for k, v in data.items() if k in known}
    if "stage_hours" in values:
        values["stage_hours"] = {str(k): float(v) for k, v in values["stage_hours"].items()}
    return LeadRulesConfig(**values)


def load(session: Session, portal_id: int) -> LeadRulesConfig:
    return from_dict(load_section(session, portal_id, SECTION))


def save(session: Session, portal_id: int, cfg: LeadRulesConfig, *, user_id: int | None,
         now: datetime) -> None:
    problems = cfg.validate()
    if problems:
        raise ValueError("invalid lead settings: " + ", ".join(problems))
    save_section(session, portal_id, SECTION, dataclasses.asdict(cfg), user_id=user_id, now=now)
