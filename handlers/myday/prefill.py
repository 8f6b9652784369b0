"""What the app already knows about a person's day: the report's figures, pre-filled.

Each figure names its source, shown beside the field, because the employee may correct it:
- new / repeat / feedback calls: the telephony mirror (voximplant.statistic.get, our calls
  table), with the owner's report's definitions (handlers.report.counters);
- proposals / invoices / payments: the CRM's stage history (crm.stagehistory mirror) and the
  report's stage mapping (handlers.report.stages);
- first calls after the sale: the senior specialist's counters (handlers.audits.counters).
The feedback calls are listed one by one, each with the client's rating when the telephony
has one (CALL_VOTE), so the employee only fills in the missing ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from handlers.report import counters as seed
from handlers.report.period import Period
from store.audits_models import SeniorDayCounter
from store.models import Call

COUNTERS = ("new_calls", "repeat_calls", "feedback_calls", "proposals", "invoices", "payments")
SENIOR = ("first_calls",)
SOURCES = {"new_calls": "telephony", "repeat_calls": "telephony", "feedback_calls": "telephony",
           "proposals": "crm", "invoices": "crm", "payments": "crm", "first_calls": "senior"}


@dataclass(frozen=True)
class FeedbackCall:
    row_id: int  # our calls row: the form names the rating by it
    at: datetime
    phone: str
    vote: int | None  # the client's rating from the telephony (CALL_VOTE), None: none


@dataclass
class Prefill:
    counters: dict[str, int] = field(default_factory=dict)
    feedback: list[FeedbackCall] = field(default_factory=list)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.counters)

    def as_json(self) -> dict:
        """Stored on the report: what the app counted, beside what was handed in."""
        return {"counters": dict(self.counters),
                "votes": {str(c.row_id): c.vote for c in self.feedback}}


def day_period(day: date, zone_key: str) -> Period:
    return Period(day, day, zone_key)


def prefill(session: Session, portal_id: int, user_id: int, day: date, zone_key: str, *,
            senior: bool = False) -> Prefill:
    period = day_period(day, zone_key)
    values = dict.fromkeys(COUNTERS, 0)
    values.update(seed.client_calls(session, portal_id, period, [user_id]).get(user_id, {}))
    values.update(seed.stage_counters(session, portal_id, period, [user_id]).get(user_id, {}))
    if senior:
        row = session.scalar(select(SeniorDayCounter).where(
            SeniorDayCounter.portal_id == portal_id, SeniorDayCounter.user_id == user_id,
            SeniorDayCounter.day == day))
        values["first_calls"] = row.first_calls if row else 0
    return Prefill({k: int(v) for k, v in values.items() if k in SOURCES},
                   feedback_calls(session, portal_id, period, user_id))


def feedback_calls(session: Session, portal_id: int, period: Period,
                   user_id: int) -> list[FeedbackCall]:
    """The calls counted as feedback_calls (same rule as the counter), oldest first."""
    won = seed._won_phones(portal_id)  # the counter's own definition, not a second copy
    rows = session.execute(
        select(Call.id, Call.start_at, Call.phone, Call.vote).select_from(won)
        .join(Call, and_(Call.portal_id == portal_id, Call.phone == won.c.phone,
                         Call.answered.is_(True), Call.start_at >= won.c.first_won))
        .where(Call.start_at >= period.since, Call.start_at < period.until,
               Call.user_id == user_id, Call.call_type == 1)
        .order_by(Call.start_at, Call.id)).all()
    return [FeedbackCall(r.id, r.start_at, r.phone, r.vote) for r in rows]
