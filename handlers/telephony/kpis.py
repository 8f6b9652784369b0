"""Call KPIs over a period, computed by the database (aggregates, never a loop over calls).

The rules, in one place:
- incoming = CALL_TYPE 2 or 3 (§9.3); outgoing = 1; callbacks (4) and info calls (5) are
  neither. Answered = status 200 (or a PBX answer time); missed = incoming and not answered.
- lost = missed and not followed, within `callback_minutes`, by an answered call with the same
  number in either direction, by any operator. A call-back at exactly N minutes is in time
  (≤ N); a later one still leaves the call lost and marks it "recovered late". With `as_of`,
  a missed call whose window is still open and has no call-back yet is "pending", not lost.
- LCR = lost / incoming. Time to answer = answer_seconds of answered incoming calls where it
  is known: a PBX reports answered_at; Bitrix24's own telephony does not (the statistics have
  no answer moment, and an event's `ts` is when the queue sent it, §3.2), so those calls are
  left out of the average rather than guessed. "Within rings" = answered in ≤ `ring_seconds`.
  Talk time = duration of answered calls (both directions); utilisation = talk time / (days
  with calls × working-day hours).
Days and hours are taken in one UTC offset for the whole period (Russia has no DST).
Lost counts come from `missed_calls` (one row per missed call with its first call-back), so
they aggregate a small table instead of searching all calls for each missed one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, case, false, func, or_, select, true
from sqlalchemy.orm import Session

from handlers.telephony.config import TelephonyConfig
from handlers.telephony.kpi_sql import aggregate
from store import call_hours
from store.models import Call, Deal
from store.telephony_models import CallDeal, CallHour, MissedCall

EPOCH_DAY = date(1970, 1, 1)


@dataclass(frozen=True)
class Period:
    start: datetime  # aware, included
    end: datetime    # aware, excluded

    @classmethod
    def days(cls, first: date, last: date, tz: tzinfo) -> Period:
        """Whole local days first..last (both included)."""
        return cls(datetime.combine(first, time(), tz), datetime.combine(last + timedelta(days=1),
                                                                         time(), tz))


@dataclass(frozen=True)
class Rules:
    callback_minutes: int = 15
    ring_seconds: int = 6
    long_call_seconds: int = 180
    workday_hours: float = 8.0
    utc_offset: int = 3 * 3600
    as_of: datetime | None = None
    operator: int | None = None  # only this user's calls (a manager's own figures)

    @classmethod
    def of(cls, cfg: TelephonyConfig, period: Period, as_of: datetime | None = None, *,
           operator: int | None = None) -> Rules:
        offset = cfg.tz.utcoffset(period.start.replace(tzinfo=None)) or timedelta()
        return cls(cfg.callback_minutes, cfg.ring_seconds, cfg.long_call_seconds,
                   cfg.workday_hours, int(offset.total_seconds()), as_of, operator)


@dataclass(frozen=True)
class Kpis:
    """One row of a breakdown (key: None, a date, an hour, a user id, a line...)."""

    key: Any = None
    incoming: int = 0
    answered: int = 0
    lost: int = 0
    recovered_late: int = 0
    pending: int = 0
    answer_timed: int = 0
    answer_seconds: int = 0
    within_rings: int = 0
    talked: int = 0
    talk_seconds: int = 0
    outgoing: int = 0
    outgoing_answered: int = 0
    long_outgoing: int = 0
    active_days: int = 0
    deals: int = 0
    won: int = 0
    revenue: float = 0.0  # by_line: the won deals' OPPORTUNITY (the channel's money)

    @property
    def missed(self) -> int:
        return self.incoming - self.answered

    @property
    def lcr(self) -> float | None:
        return self.lost / self.incoming if self.incoming else None

    @property
    def avg_answer(self) -> float | None:
        return self.answer_seconds / self.answer_timed if self.answer_timed else None

    @property
    def within_rings_share(self) -> float | None:
        return self.within_rings / self.answer_timed if self.answer_timed else None

    @property
    def avg_talk(self) -> float | None:
        return self.talk_seconds / self.talked if self.talked else None

    def utilisation(self, workday_hours: float) -> float | None:
        days = self.active_days
        return self.talk_seconds / (days * workday_hours * 3600) if days else None


def _count(cond: Any) -> Any:
    """COUNT(*) FILTER (WHERE cond): both databases skip the row early (cheaper than CASE)."""
    return func.count().filter(cond)


def _call_columns(rules: Rules) -> list[Any]:
    return call_hours.measures(rules.ring_seconds, rules.long_call_seconds)


def lost_condition(rules: Rules) -> Any:
    """A missed_calls row that counts as lost under `rules` (the LCR numerator): not called
    back within the window, and not still waiting for a call-back. The money at risk
    (handlers.telephony.money) counts the same rows."""
    window = rules.callback_minutes * 60
    called = MissedCall.callback_at.is_not(None)
    waiting = and_(~called, MissedCall.start_at > rules.as_of - timedelta(seconds=window)) \
        if rules.as_of is not None else false()
    in_time = and_(called, MissedCall.callback_seconds <= window)
    return and_(~in_time, ~waiting)


def _missed_columns(rules: Rules) -> list[Any]:
    window = rules.callback_minutes * 60
    gap = MissedCall.callback_seconds
    called = MissedCall.callback_at.is_not(None)
    waiting = and_(~called, MissedCall.start_at > rules.as_of - timedelta(seconds=window)) \
        if rules.as_of is not None else false()
    return [_count(lost_condition(rules)).label("lost"),
            _count(and_(called, gap > window)).label("recovered_late"),
            _count(waiting).label("pending")]


def _breakdown(session: Session, portal_id: int, period: Period, rules: Rules,
               dims: list[str], *, active_days: bool = False,
               rollup: bool = True) -> dict[tuple, Kpis]:
    """Calls aggregated by `dims` (day, hour, user, line), with the lost counts merged in.

    The call sums come from the hourly rollup when it can answer exactly (`_grain`), else
    from `calls` (rollup=False forces that: the tests compare the two)."""
    span = {"portal_id": portal_id, "start": period.start, "end": period.end,
            "offset": rules.utc_offset, "operator": rules.operator}
    grain = _grain(session, portal_id, period, rules, dims) if rollup else None
    if grain is None:
        calls = aggregate(session, Call, _call_columns(rules), dims, active_days=active_days,
                          **span)
    else:
        calls = aggregate(session, CallHour, call_hours.sums(), dims, active_days=active_days,
                          sliced=False, where=CallHour.grain == grain, **span)
    missed = aggregate(session, MissedCall, _missed_columns(rules), dims, **span)
    return {key: Kpis(key=key, **calls.get(key, {}), **missed.get(key, {}))
            for key in calls.keys() | missed.keys()}


def _grain(session: Session, portal_id: int, period: Period, rules: Rules,
           dims: list[str]) -> str | None:
    """The rollup grain that answers `dims` exactly, or None (read `calls`).

    Exact when the period starts and ends on whole UTC hours and the zone is a whole number
    of hours from UTC (every local day and hour is then a set of whole UTC hours), and the
    rollup is built with the rules' thresholds. No grain splits by both user and line."""
    by_user = "user" in dims or rules.operator is not None
    if by_user and "line" in dims:
        return None
    if rules.utc_offset % 3600 or any(
            t.astimezone(UTC) != call_hours.hour(t) for t in (period.start, period.end)):
        return None
    if not call_hours.matches(session, portal_id, rules.ring_seconds, rules.long_call_seconds):
        return None
    return "user" if by_user else "line" if "line" in dims else "all"


def summary(session: Session, portal_id: int, period: Period, rules: Rules) -> Kpis:
    """The period's totals."""
    return _breakdown(session, portal_id, period, rules, []).get((), Kpis())


def by_day(session: Session, portal_id: int, period: Period, rules: Rules) -> list[Kpis]:
    """Every local day of the period (empty days included, so a trend has no gaps)."""
    rows = {EPOCH_DAY + timedelta(days=k[0]): v
            for k, v in _breakdown(session, portal_id, period, rules, ["day"]).items()}
    shift = timedelta(seconds=rules.utc_offset)
    first = (period.start.astimezone(UTC) + shift).date()
    last = (period.end.astimezone(UTC) - timedelta(microseconds=1) + shift).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [_rekey(rows.get(d, Kpis()), d) for d in days]


def by_hour(session: Session, portal_id: int, period: Period, rules: Rules, *,
            per_operator: bool = False) -> list[Kpis]:
    """Local hour of day (0-23), or (hour, operator) pairs."""
    dims = ["hour", "user"] if per_operator else ["hour"]
    rows = _breakdown(session, portal_id, period, rules, dims)
    return [_rekey(v, k if per_operator else k[0]) for k, v in sorted(rows.items(), key=_sort)]


def by_operator(session: Session, portal_id: int, period: Period, rules: Rules) -> list[Kpis]:
    """Per operator (user id), with the days he had calls (the utilisation denominator)."""
    rows = _breakdown(session, portal_id, period, rules, ["user"], active_days=True)
    return [_rekey(v, k[0]) for k, v in sorted(rows.items(), key=_sort)]


def by_line(session: Session, portal_id: int, period: Period, rules: Rules) -> list[Kpis]:
    """Per line (tracking number = marketing channel): calls, the deals calls opened, and the
    revenue of those deals that are won (what the channel brought in)."""
    rows = _breakdown(session, portal_id, period, rules, ["line"])
    won = _count(Deal.stage_semantic == "S")
    revenue = func.coalesce(func.sum(Deal.opportunity).filter(Deal.stage_semantic == "S"), 0)
    deals = {line: (int(n), int(w or 0), float(r or 0)) for line, n, w, r in session.execute(
        select(CallDeal.line, func.count(CallDeal.id), won, revenue)
        .outerjoin(Deal, and_(Deal.portal_id == CallDeal.portal_id,
                              Deal.b24_deal_id == CallDeal.b24_deal_id))
        .where(CallDeal.portal_id == portal_id, CallDeal.status != "failed",
               CallDeal.call_at >= period.start, CallDeal.call_at < period.end)
        .group_by(CallDeal.line)).all()}
    for line in deals.keys() - {k[0] for k in rows}:
        rows[(line,)] = Kpis(key=(line,))
    none = (0, 0, 0.0)
    return [_rekey(v, k[0], deals=deals.get(k[0], none)[0], won=deals.get(k[0], none)[1],
                   revenue=deals.get(k[0], none)[2])
            for k, v in sorted(rows.items(), key=lambda kv: -kv[1].incoming)]


def _rekey(row: Kpis, key: Any, **extra: Any) -> Kpis:
    values = {f.name: getattr(row, f.name) for f in fields(Kpis)}
    return Kpis(**{**values, "key": key, **extra})


def _sort(item: tuple[tuple, Kpis]) -> tuple:
    return tuple((v is None, v if v is not None else 0) for v in item[0])


@dataclass(frozen=True)
class LostCall:
    call_id: str
    phone: str
    line: str | None
    user_id: int | None
    start_at: datetime
    callback_at: datetime | None
    state: str  # lost | late | pending


def lost_calls(session: Session, portal_id: int, period: Period, rules: Rules, *,
               limit: int = 200) -> list[LostCall]:
    """Missed calls that are lost (or late, or still pending), newest first."""
    window = rules.callback_minutes * 60
    gap = MissedCall.callback_seconds
    called = MissedCall.callback_at.is_not(None)
    pending = and_(~called, MissedCall.start_at > rules.as_of - timedelta(seconds=window)) \
        if rules.as_of is not None else false()
    state = case((pending, "pending"), (and_(called, gap > window), "late"), else_="lost")
    stmt = (select(Call.call_id, MissedCall.phone, MissedCall.line, MissedCall.user_id,
                   MissedCall.start_at, MissedCall.callback_at, state.label("state"))
            .join(Call, Call.id == MissedCall.call_pk)
            .where(MissedCall.portal_id == portal_id, MissedCall.start_at >= period.start,
                   MissedCall.start_at < period.end, or_(~called, gap > window),
                   true() if rules.operator is None else MissedCall.user_id == rules.operator)
            .order_by(MissedCall.start_at.desc()).limit(limit))
    return [LostCall(*row) for row in session.execute(stmt).all()]
