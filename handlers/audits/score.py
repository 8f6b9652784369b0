"""How suspicious a rejection looks, with the reasons named: pure, so the rules read as tests.

Each reason adds its weight from the settings (section "audits"); the sum is capped at 100.
- no_call: no call at all with the client (by phone or CRM binding) while the deal was open;
- short_calls_only: the client answered, but no conversation lasted N seconds;
- quick_reject: rejected within M minutes of being claimed from the exchange;
- no_answer_claim: the reason says "не берет трубку" / "не отвечает" / "недозвон", yet no real
  attempt exists (an outgoing call that rang out unanswered, or a real conversation);
- transcript_talk: the reason says the client does not answer, yet a call's transcript shows
  a conversation (crm.activity.call.getTranscript, read by the communication sync);
- high_rate: the manager's share of lost deals is rate_factor times the team's (30 days);
- evidence_missing: the lead rules found proof missing (junk leads), or no reason was given.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from handlers.audits.config import AuditConfig

NO_ANSWER = re.compile(r"не\s*бер[её]т|не\s*отвеча|недозвон|не\s*дозвон|не\s*снима|"
                       r"no\s*answer|not\s*answer", re.IGNORECASE)


@dataclass(frozen=True)
class CallFact:
    at: str  # ISO time
    seconds: int
    answered: bool
    outgoing: bool
    by_manager: bool
    record_url: str | None = None
    phone: str = ""
    record_call: int | None = None  # our Call row id when the recording is a portal disk file
    activity_id: int | None = None  # the call's CRM activity (its transcript's key)


@dataclass
class Evidence:
    """What was done before the rejection; stored as JSON on the rejection row."""

    calls: list[CallFact] = field(default_factory=list)
    activities: dict[str, int] = field(default_factory=dict)  # type -> count
    activity_list: list[dict[str, Any]] = field(default_factory=list)
    comments: int = 0
    minutes_since_claim: float | None = None
    manager_lost: int = 0
    manager_closed: int = 0
    team_rate: float | None = None
    missing: list[str] = field(default_factory=list)  # from the lead rules, or "reason"
    talks: int = 0  # calls whose transcript shows a conversation

    def as_json(self) -> dict[str, Any]:
        return {"calls": [c.__dict__ for c in self.calls], "activities": self.activities,
                "activity_list": self.activity_list, "comments": self.comments,
                "minutes_since_claim": self.minutes_since_claim,
                "manager_lost": self.manager_lost, "manager_closed": self.manager_closed,
                "team_rate": self.team_rate, "missing": self.missing, "talks": self.talks}


def reasons(ev: Evidence, reason_text: str | None, cfg: AuditConfig) -> list[str]:
    """The named reasons that apply, in the order the settings list them."""
    found = []
    answered = [c for c in ev.calls if c.answered]
    if not ev.calls:
        found.append("no_call")
    elif answered and max(c.seconds for c in answered) < cfg.short_call_seconds:
        found.append("short_calls_only")
    if ev.minutes_since_claim is not None and ev.minutes_since_claim < cfg.quick_reject_minutes:
        found.append("quick_reject")
    if reason_text and NO_ANSWER.search(reason_text) and not _real_attempt(ev, cfg):
        found.append("no_answer_claim")
    if reason_text and NO_ANSWER.search(reason_text) and ev.talks:
        found.append("transcript_talk")
    if _rate_high(ev, cfg):
        found.append("high_rate")
    if ev.missing:
        found.append("evidence_missing")
    return found


def _real_attempt(ev: Evidence, cfg: AuditConfig) -> bool:
    return any(c.outgoing and (not c.answered or c.seconds >= cfg.short_call_seconds)
               for c in ev.calls)


def _rate_high(ev: Evidence, cfg: AuditConfig) -> bool:
    if ev.manager_closed < cfg.rate_min_closed or not ev.team_rate:
        return False
    return ev.manager_lost / ev.manager_closed >= cfg.rate_factor * ev.team_rate


def score(found: list[str], cfg: AuditConfig) -> int:
    return min(100, sum(cfg.weight(r) for r in found))


def sampled(entity_type: str, entity_id: int, percent: int) -> bool:
    """The random sample, deterministic per deal: a retry or a second worker agrees."""
    digest = hashlib.sha256(f"{entity_type}:{entity_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent
