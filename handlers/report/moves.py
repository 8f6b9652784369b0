"""The period's stage transitions read once for three report figures.

Stage entries per manager (people.py), the proposal/invoice/payment counters (counters.py)
and the won/lost outcomes (build.py) each grouped the period's transitions per deal and looked
the deals up: three passes over a month's ~700 000 rows. Here one statement groups them per
(deal, stage) once, joins each group to its deal once, and answers all three from that; the
definitions are those of the three functions, which remain the reference (and what a caller
of people.activity alone gets): tests/unit/report/test_moves.py holds them equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Integer,
    Numeric,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from handlers.report import stages
from handlers.report.period import Period
from store.models import Deal, DealStageHistory, Stage


@dataclass(frozen=True)
class Moves:
    entries: list[tuple[int, str, str, int]] = field(default_factory=list)
    counters: dict[int, dict[str, int]] = field(default_factory=dict)
    won: int = 0
    won_amount: float = 0.0
    lost: int = 0
    # {pipeline: {furthest stage's SORT or None: cohort deals}}, as funnel.funnel counts them
    tops: dict[int, dict[int | None, int]] = field(default_factory=dict)


def period_moves(session: Session, portal_id: int, period: Period,
                 managers: list[int],
                 pipelines: dict[int, list[Stage]] | None = None) -> Moves:
    """entries: (manager, stage, semantic, transitions) as people._stage_entries; counters:
    {manager: {counter: distinct deals}} as counters.stage_counters; won/lost: distinct deals
    reaching S / F with the won deals' amounts, as build.outcomes; tops: for each pipeline
    given ({category: its P and S stages}), the cohort's furthest stages as funnel.funnel."""
    hist = DealStageHistory
    per = (select(hist.b24_deal_id.label("deal"), hist.stage_id.label("stage"),
                  hist.stage_semantic.label("sem"), hist.category_id.label("cat"),
                  func.count().label("n"))
           .where(hist.portal_id == portal_id, hist.created_at >= period.since,
                  hist.created_at < period.until)
           .group_by(hist.b24_deal_id, hist.stage_id, hist.stage_semantic, hist.category_id)
           .cte("per").prefix_with("MATERIALIZED"))
    joined = (select(per.c.deal, per.c.stage, per.c.sem, per.c.n,
                     Deal.assigned_by_id.label("m"), Deal.opportunity.label("amount"))
              .select_from(per)
              .join(Deal, and_(Deal.portal_id == portal_id, Deal.b24_deal_id == per.c.deal))
              .cte("joined").prefix_with("MATERIALIZED"))
    mine = joined.c.m.in_(managers)
    parts = [select(literal("e").label("kind"), joined.c.m, joined.c.stage.label("key"),
                    joined.c.sem, func.sum(joined.c.n).label("v"),
                    cast(null(), Numeric).label("amount"))
             .where(mine).group_by(joined.c.m, joined.c.stage, joined.c.sem)]
    mapping = stages.resolve(session, portal_id, stages.load(session, portal_id))
    if mapping:
        counter = case(mapping, value=joined.c.stage)
        parts.append(select(literal("c"), joined.c.m, counter, cast(null(), String),
                            func.count(distinct(joined.c.deal)), cast(null(), Numeric))
                     .where(mine, joined.c.stage.in_(list(mapping)))
                     .group_by(joined.c.m, counter))
    reached = (select(joined.c.deal, joined.c.sem, joined.c.amount).distinct()
               .where(joined.c.sem.in_(("S", "F"))).subquery())
    parts.append(select(literal("o"), cast(null(), Integer), reached.c.sem,
                        cast(null(), String), func.count(),
                        func.coalesce(func.sum(reached.c.amount), 0))
                 .group_by(reached.c.sem))
    parts += _funnel_part(portal_id, period, per, {c: s for c, s in (pipelines or {}).items()
                                                   if s})
    moves = Moves()
    outcome: dict[str, tuple[int, float]] = {}
    for kind, manager, key, semantic, value, amount in session.execute(union_all(*parts)):
        if kind == "e":
            moves.entries.append((manager, key, semantic, int(value)))
        elif kind == "c":
            moves.counters.setdefault(manager, {})[key] = int(value)
        elif kind == "f":
            top = None if amount is None else int(amount)
            moves.tops.setdefault(manager, {})[top] = int(value)
        else:
            outcome[key] = (int(value), float(amount))
    won, lost = outcome.get("S", (0, 0.0)), outcome.get("F", (0, 0.0))
    return Moves(sorted(moves.entries), moves.counters, won[0], won[1], lost[0], moves.tops)


def _funnel_part(portal_id: int, period: Period, per: Any,
                 pipelines: dict[int, list[Stage]]) -> list[Any]:
    """("f", pipeline, -, -, deals, furthest SORT): funnel.funnel's cohort and furthest stage
    from the pass's own groups instead of a second scan of the period. Rows: (kind, cat in
    the manager column, ..., count, top in the amount column)."""
    if not pipelines:
        return []
    past = aliased(DealStageHistory)
    sort_of = case(*[(and_(past.category_id == c, past.stage_id == st.status_id), st.sort)
                     for c, found in pipelines.items() for st in found], else_=None)
    cohort = (select(per.c.deal, per.c.cat).distinct()
              .where(per.c.cat.in_(list(pipelines))).subquery())
    top = (select(func.max(case((past.created_at < period.until, sort_of), else_=None)))
           .where(past.portal_id == portal_id, past.b24_deal_id == cohort.c.deal,
                  past.category_id == cohort.c.cat)
           .scalar_subquery())
    reach = (select(cohort.c.cat, top.label("top")).cte("reach")
             .prefix_with("MATERIALIZED"))  # `top` computed once per deal
    return [select(literal("f"), reach.c.cat, cast(null(), String), cast(null(), String),
                   func.count(), cast(reach.c.top, Numeric))
            .group_by(reach.c.cat, reach.c.top)]
