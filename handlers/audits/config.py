"""Settings of the audits (section "audits"): weights, sampling, who calls back, who takes over.

Defaults are what a head of sales would start with; the people are guessed from positions
until the admin chooses (the quality controller: "контрол"/"качеств" in the position, else the
head of sales; the senior specialist: "старш" in the position, else the head of the client
care department).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.exchange import config as exchange_config
from handlers.exchange.caps import head_of_sales
from store.models import Department, User
from store.settings import load_section, save_section

SECTION = "audits"
CONTROLLER_WORDS = ("контрол", "качеств", "quality")
SENIOR_WORDS = ("старш", "senior")
CARE_WORDS = ("сопровожд", "сервис", "care", "account")
REENGAGE_TO = ("exchange", "controller")
CALLBACK_KINDS = ("task", "todo")
REASONS = ("no_call", "short_calls_only", "quick_reject", "no_answer_claim", "transcript_talk",
           "high_rate", "evidence_missing")
DEFAULT_WEIGHTS = {"no_call": 40, "short_calls_only": 35, "quick_reject": 25,
                   "no_answer_claim": 30, "transcript_talk": 60, "high_rate": 15,
                   "evidence_missing": 20}


@dataclass
class AuditConfig:
    controller_id: int | None = None  # None: guessed (guess_controller)
    weights: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    suspicious_score: int = 50  # at or above: always called back
    sample_percent: int = 10  # share of the other rejections called back too
    short_call_seconds: int = 20  # a call shorter than this is no conversation
    quick_reject_minutes: int = 30  # rejected this soon after the claim
    rate_factor: float = 2.0  # a manager's rejection share this many times the team's
    rate_window_days: int = 30
    rate_min_closed: int = 5  # fewer closed deals say nothing yet
    callback_days: int = 3  # the callback task appears this many days after the rejection
    callback_kind: str = "task"  # tasks.task.add, or crm.activity.todo.add on the deal
    reengage_to: str = "exchange"  # "client re-engaged": a new deal on the exchange or ...
    handoff_enabled: bool = True
    senior_id: int | None = None  # None: guessed (guess_senior)
    seniors: dict[int, int] = field(default_factory=dict)  # per pipeline
    followup_days: int = 3  # the senior's first follow-up call after the first purchase
    # per pipeline, overriding followup_days: the pipeline stands for the product line (reading
    # each deal's products would cost a crm.deal.productrows.get per hand-off)
    followup_by_pipeline: dict[int, int] = field(default_factory=dict)
    proposal_stages: list[str] = field(default_factory=lambda: ["PREPARATION"])
    invoice_stages: list[str] = field(default_factory=lambda: ["PREPAYMENT_INVOICE",
                                                               "FINAL_INVOICE"])

    def weight(self, reason: str) -> int:
        return int(self.weights.get(reason, DEFAULT_WEIGHTS.get(reason, 0)))

    def followup(self, category_id: int | None) -> int:
        """Days until the senior's first call for a buyer from this pipeline."""
        return int(self.followup_by_pipeline.get(category_id or 0, self.followup_days))

    def validate(self) -> list[str]:
        problems = []
        if any(not 0 <= int(w) <= 100 for w in self.weights.values()):
            problems.append("weights")
        if not 0 <= self.sample_percent <= 100:
            problems.append("sample_percent")
        if not 1 <= self.suspicious_score <= 100:
            problems.append("suspicious_score")
        days = [self.callback_days, self.followup_days, *self.followup_by_pipeline.values()]
        if any(not 1 <= int(d) <= 60 for d in days):
            problems.append("days")
        if self.reengage_to not in REENGAGE_TO:
            problems.append("reengage_to")
        if self.callback_kind not in CALLBACK_KINDS:
            problems.append("callback_kind")
        return problems


def from_dict(data: dict[str, Any]) -> AuditConfig:
    known = {f.name for f in dataclasses.fields(AuditConfig)}
    values = {k: v for k, v in data.items() if k in known}
    if "seniors" in values:  # JSON keys are strings
        values["seniors"] = {int(k): int(v) for k, v in values["seniors"].items()}
    if "followup_by_pipeline" in values:
        values["followup_by_pipeline"] = {int(k): int(v)
                                          for k, v in values["followup_by_pipeline"].items()}
    if "weights" in values:
        values["weights"] = {**DEFAULT_WEIGHTS, **{k: int(v) for k, v in values["weights"].items()}}
    return AuditConfig(**values)


def load(session: Session, portal_id: int) -> AuditConfig:
    return from_dict(load_section(session, portal_id, SECTION))


def save(session: Session, portal_id: int, cfg: AuditConfig, *, user_id: int | None,
         now: datetime) -> None:
    problems = cfg.validate()
    if problems:
        raise ValueError("invalid audit settings: " + ", ".join(problems))
    save_section(session, portal_id, SECTION, dataclasses.asdict(cfg), user_id=user_id, now=now)


def _by_position(session: Session, portal_id: int, words: tuple[str, ...]) -> int | None:
    for user in session.scalars(select(User).where(User.portal_id == portal_id,
                                                   User.active.is_(True))
                                .order_by(User.b24_user_id)):
        if any(w in (user.work_position or "").lower() for w in words):
            return user.b24_user_id
    return None


def controller(session: Session, portal_id: int, cfg: AuditConfig) -> int | None:
    """Who audits and calls back: the chosen one, else guessed from positions."""
    if cfg.controller_id:
        return cfg.controller_id
    found = _by_position(session, portal_id, CONTROLLER_WORDS)
    if found is not None:
        return found
    return head_of_sales(session, portal_id, exchange_config.load(session, portal_id))


def senior(session: Session, portal_id: int, cfg: AuditConfig, category_id: int) -> int | None:
    """Who takes first-time buyers of this pipeline."""
    if category_id in cfg.seniors:
        return cfg.seniors[category_id]
    if cfg.senior_id:
        return cfg.senior_id
    found = _by_position(session, portal_id, SENIOR_WORDS)
    if found is not None:
        return found
    for dep in session.scalars(select(Department).where(Department.portal_id == portal_id)
                               .order_by(Department.b24_department_id)):
        if any(w in dep.name.lower() for w in CARE_WORDS) and dep.head_id:
            return dep.head_id
    return None
