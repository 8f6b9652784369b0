"""Assemble the owner's report for a period: every section computed in the database."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.exchange import config as exchange_config
from handlers.exchange.caps import sales_managers
from handlers.report import funnel as funnels
from handlers.report import hygiene, moves, people
from handlers.report.period import Period
from store import exchange as journal
from store.models import Deal, DealStageHistory

STALE_DAYS = 7
# Below this many deals in the period a pipeline's weakest stage is chance (one deal stuck in
# «Оплата» reads "0 %"): its funnel is shown, but it never makes the headline.
MIN_HEADLINE_DEALS = 10
TREND_DAYS = 14  # the LCR trend shows at least two weeks, ending with the period


@dataclass
class Report:
    period: Period
    funnels: list[funnels.Funnel]
    won_count: int
    won_amount: float
    lost_count: int
    managers: list[people.ManagerDay]
    exchange: dict[str, int]
    hygiene: dict[str, list]
    sections: dict[str, Any] = field(default_factory=dict)  # the other areas' figures

    @property
    def bottleneck(self) -> tuple[int, funnels.StageRow] | None:
        """The weakest stage of the main pipeline (funnels come main first, see main_first);
        the next pipeline only if the main one has none; never one with a handful of deals."""
        for f in self.funnels:
            if f.deals >= MIN_HEADLINE_DEALS and f.bottleneck:
                return f.category_id, f.bottleneck
        return None

    def headline(self) -> dict[str, Any]:
        neck = self.bottleneck
        return {
            "won": self.won_count, "won_amount": self.won_amount, "lost": self.lost_count,
            "bottleneck": (neck[1].name, neck[1].conversion) if neck else None,
            "bottleneck_pipeline": neck[0] if neck else None,
            "never_moved": len(self.hygiene["never_moved"]),
            "no_next_step": len(self.hygiene["no_next_step"]),
            "shared_clients": len(self.hygiene["shared_clients"]),
            "claimed": self.exchange.get("claimed", 0),
            "returned": self.exchange.get("returned", 0) + self.exchange.get("stale", 0),
            **{k: v for k, v in self.sections.get("headline", {}).items()},
        }


def outcomes(session: Session, portal_id: int, period: Period) -> tuple[int, float, int]:
    """Deals that reached success / failure inside the period (from the stage history).

    Distinct deals first, then their amounts: a deal won twice in the period (reopened and won
    again) counts once, and the deals table is read once per deal, not once per transition.
    """
    hist = DealStageHistory
    reached = (select(hist.stage_semantic.label("semantic"), hist.b24_deal_id.label("deal"))
               .where(hist.portal_id == portal_id, hist.created_at >= period.since,
                      hist.created_at < period.until, hist.stage_semantic.in_(("S", "F")))
               .distinct().subquery())
    rows = session.execute(
        select(reached.c.semantic, func.count(),
               func.coalesce(func.sum(Deal.opportunity), 0))
        .select_from(reached)
        .join(Deal, (Deal.portal_id == portal_id) & (Deal.b24_deal_id == reached.c.deal))
        .group_by(reached.c.semantic)).all()
    by = {sem: (int(n), float(amount)) for sem, n, amount in rows}
    return by.get("S", (0, 0.0))[0], by.get("S", (0, 0.0))[1], by.get("F", (0, 0.0))[0]


def build(session: Session, portal_id: int, period: Period, now: datetime, *,
          sessions: Callable[[], Session] | None = None) -> Report:
    """The whole report. With `sessions` (a factory of sessions that read committed data: the
    page, the CSV, the benchmark), the half that does not depend on the stage pass (hygiene,
    the exchange journal, the areas' figures) is read on a second connection in a thread while
    this one runs the pass: a database connection runs one query at a time, and SQLite's module
    and psycopg release the GIL while a query runs, so on two cores the month costs the longer
    half, not the sum. Without it (the morning job, tests that build on uncommitted rows) both
    halves run here, one after the other."""
    if sessions is None:
        found = _independent(session, portal_id, period, now)
        return _assemble(session, portal_id, period, now, lambda: found)
    with ThreadPoolExecutor(1, thread_name_prefix="report") as pool:
        pending = pool.submit(_independent_in, sessions, portal_id, period, now)
        return _assemble(session, portal_id, period, now, pending.result)


def _assemble(session: Session, portal_id: int, period: Period, now: datetime,
              independent: Callable[[], dict[str, Any]]) -> Report:
    """The stage pass and what is built on it here; `independent()` the other half."""
    cfg = exchange_config.load(session, portal_id)
    managers = sales_managers(session, portal_id, cfg)
    pipelines = {c: funnels.pipeline(session, portal_id, c)
                 for c in funnels.categories(session, portal_id)}
    moved = moves.period_moves(session, portal_id, period, managers, pipelines)  # one pass
    activity = people.activity(session, portal_id, period, managers, now=now,
                               long_call=_long_call(session, portal_id), moves=moved)
    found = independent()
    return Report(
        period=period,
        funnels=main_first([funnels.assemble(c, found_c, moved.tops.get(c, {}))
                            for c, found_c in pipelines.items()]),
        won_count=moved.won, won_amount=moved.won_amount, lost_count=moved.lost,
        managers=activity, exchange=found["exchange"], hygiene=found["hygiene"],
        sections=found["sections"])


def _independent_in(sessions: Callable[[], Session], portal_id: int, period: Period,
                    now: datetime) -> dict[str, Any]:
    with sessions() as session:
        return _independent(session, portal_id, period, now)


def _independent(session: Session, portal_id: int, period: Period,
                 now: datetime) -> dict[str, Any]:
    """What the report shows apart from the stage pass and what is built on it."""
    return {
        "exchange": journal.counts(session, portal_id, period.since, period.until),
        "hygiene": {"never_moved": hygiene.never_moved(session, portal_id, now, STALE_DAYS),
                    "no_next_step": hygiene.no_next_step(session, portal_id),
                    "shared_clients": hygiene.shared_clients(session, portal_id),
                    "empty_timeline": hygiene.empty_timeline(session, portal_id)},
        "sections": area_sections(session, portal_id, period, now)}


def main_first(found: list[funnels.Funnel]) -> list[funnels.Funnel]:
    """The pipeline with the most deals in the period first; on a tie the default one (0)."""
    return sorted(found, key=lambda f: (-f.deals, f.category_id != 0, f.category_id))


def _long_call(session: Session, portal_id: int) -> int:
    """The telephony setting, so "≥ 3 min" means the same in the people and calls tables."""
    from handlers.telephony import config as telephony_config

    return telephony_config.load(session, portal_id).long_call_seconds


def area_sections(session: Session, portal_id: int, period: Period,
                  now: datetime) -> dict[str, Any]:
    """Telephony, routing, lead and audit figures, each from its own area's SQL functions."""
    from handlers.audits import stats as audits
    from handlers.comm import report as comm
    from handlers.lead_rules import stats as leads
    from handlers.myday import report as myday
    from handlers.routing import stats as routing
    from handlers.telephony.money import report_section as money_section

    calls = telephony(session, portal_id, period, now)
    escalations = routing.escalations(session, portal_id, since=period.since, until=period.until)
    steps = routing.per_step(session, portal_id, since=period.since, until=period.until)
    overdue = leads.overdue(session, portal_id, now)
    categories = audits.rejection_categories(session, portal_id, period.since, period.until)
    false = audits.false_rejections(session, portal_id, period.since)
    total, prev = calls["calls"], calls["calls_prev"]
    money = money_section(session, portal_id, period.since, period.until, now)
    days = myday.section(session, portal_id, period, now)
    return {
        **calls, "money": money, "escalations": escalations, "steps": steps, "overdue": overdue,
        "skipped_steps": routing.skipped_steps(session, portal_id, since=period.since,
                                               until=period.until),
        "rejections": categories, "false_rejections": false,
        "comm": comm.section(session, portal_id, since=period.since, until=period.until, now=now),
        "myday": days,
        "headline": {"lcr": total.lcr, "lcr_prev": prev.lcr, "incoming": total.incoming,
                     "lost_calls": total.lost, "escalations": len(escalations),
                     "avg_answer": total.avg_answer, "within_rings": total.within_rings_share,
                     "avg_talk": total.avg_talk, "outgoing": total.outgoing,
                     "long_outgoing": total.long_outgoing,
                     "overdue_leads": len(overdue),
                     "rejections": sum(c.count for c in categories),
                     "false_rejections": sum(false.values()),
                     "money_lost_calls": money["risk"].total.lost,
                     "money_at_risk": money["risk"].total.amount,
                     "myday": days.on(period.end)}}


def telephony(session: Session, portal_id: int, period: Period, now: datetime) -> dict[str, Any]:
    """The calls figures of handlers.telephony.kpis for the period (and the previous one).

    Per operator: time to answer, talk time and utilisation (talk time over the working days
    he had calls); per line: the channels; by hour and by day for the charts."""
    from handlers.telephony import config as telephony_config
    from handlers.telephony import kpis

    tcfg = telephony_config.load(session, portal_id)

    def span_of(p: Period) -> tuple[kpis.Period, kpis.Rules]:
        span = kpis.Period(p.since, p.until)
        return span, kpis.Rules.of(tcfg, span, as_of=now)

    span, rules = span_of(period)
    prev_span, prev_rules = span_of(period.previous())
    # A month still running ends today: days to come are no days of the trend, not even gaps.
    last = min(period.end, now.astimezone(ZoneInfo(period.tz)).date())
    first = min(period.start, last - timedelta(days=TREND_DAYS - 1))
    trend_span, trend_rules = span_of(Period(first, last, period.tz))
    return {
        "calls": kpis.summary(session, portal_id, span, rules),
        "calls_prev": kpis.summary(session, portal_id, prev_span, prev_rules),
        "operators": kpis.by_operator(session, portal_id, span, rules),
        "lines": kpis.by_line(session, portal_id, span, rules),
        "hours": kpis.by_hour(session, portal_id, span, rules, per_operator=True),
        "trend": kpis.by_day(session, portal_id, trend_span, trend_rules),
        "workday_hours": tcfg.workday_hours}
