"""Funnel conversion from the stage history, not from today's stages.

A deal *reached* a stage when its history (up to the period's end) holds that stage or any
later in-progress or success stage of its pipeline: a deal that skipped "Счёт" on its way to
"Оплата" still passed "Счёт". Failure stages are not progress. The cohort is every deal of the
pipeline with a history entry inside the period. Stage-to-stage conversion is
reached(next) / reached(this); the bottleneck is the lowest one, found per pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from handlers.report.period import Period
from store.models import Deal, DealStageHistory, Stage


@dataclass(frozen=True)
class StageRow:
    stage_id: str
    name: str
    reached: int
    conversion: float | None  # to the next stage; None for the last


@dataclass(frozen=True)
class Funnel:
    category_id: int
    stages: list[StageRow]
    deals: int = 0  # the cohort: deals of this pipeline that moved inside the period

    @property
    def bottleneck(self) -> StageRow | None:
        rated = [s for s in self.stages if s.conversion is not None and s.reached]
        return min(rated, key=lambda s: s.conversion) if rated else None


def entity_of(category_id: int) -> str:
    return "DEAL_STAGE" if category_id == 0 else f"DEAL_STAGE_{category_id}"


def pipeline(session: Session, portal_id: int, category_id: int) -> list[Stage]:
    """In-progress stages then success, in the portal's own SORT order."""
    return list(session.scalars(select(Stage).where(
        Stage.portal_id == portal_id, Stage.entity_id == entity_of(category_id),
        Stage.semantics.in_(("P", "S"))).order_by(Stage.sort, Stage.status_id)))


def funnel(session: Session, portal_id: int, category_id: int, period: Period, *,
           manager_id: int | None = None) -> Funnel:
    stages = pipeline(session, portal_id, category_id)
    if not stages:
        return Funnel(category_id, [])
    hist = DealStageHistory
    past = aliased(DealStageHistory)
    sort_of = case({s.status_id: s.sort for s in stages}, value=past.stage_id, else_=None)
    cohort = (select(hist.b24_deal_id.label("deal")).distinct().where(
        hist.portal_id == portal_id, hist.category_id == category_id,
        hist.created_at >= period.since, hist.created_at < period.until).subquery())
    # Each cohort deal's furthest stage, one index-only lookup per deal (the per-deal index
    # carries category, time and stage). As a join, PostgreSQL misjudged the cohort's size and
    # merged it with every transition of the portal (1.9 s; this form 0.6-0.9 s for a month of
    # 740 000 transitions, measured under other load).
    # The period's end is tested inside the aggregate, not in WHERE: a time range there let
    # SQLite without statistics pick the time index for this per-deal lookup (minutes).
    top = (select(func.max(case((past.created_at < period.until, sort_of), else_=None)))
           .where(past.portal_id == portal_id, past.b24_deal_id == cohort.c.deal,
                  past.category_id == category_id)
           .scalar_subquery())
    reach = select(cohort.c.deal.label("deal"), top.label("top")).select_from(cohort)
    if manager_id is not None:
        reach = reach.join(Deal, and_(Deal.portal_id == portal_id,
                                      Deal.b24_deal_id == cohort.c.deal)).where(
            Deal.assigned_by_id == manager_id)
    reach = reach.cte("reach").prefix_with("MATERIALIZED")  # `top` computed once per deal
    # Deals per furthest stage (a handful of rows); "reached or beyond" is then a running sum.
    # One CASE per stage over `reach` instead made both databases evaluate it once per stage.
    per_top = dict(session.execute(
        select(reach.c.top, func.count()).group_by(reach.c.top)).all())
    return assemble(category_id, stages, per_top)


def assemble(category_id: int, stages: list[Stage], per_top: dict[int | None, int]) -> Funnel:
    """The funnel from its cohort's furthest stages ({SORT or None: deals})."""
    if not stages:
        return Funnel(category_id, [])
    counts = [sum(n for top, n in per_top.items() if top is not None and top >= s.sort)
              for s in stages]
    rows = []
    for i, stage in enumerate(stages):
        nxt = counts[i + 1] if i + 1 < len(stages) else None
        conv = (nxt / counts[i]) if nxt is not None and counts[i] else None
        rows.append(StageRow(stage.status_id, stage.name, int(counts[i]), conv))
    return Funnel(category_id, rows, int(sum(per_top.values())))


def categories(session: Session, portal_id: int) -> list[int]:
    entities = session.scalars(select(Stage.entity_id).distinct().where(
        Stage.portal_id == portal_id, Stage.entity_id.like("DEAL_STAGE%")))
    return sorted(0 if e == "DEAL_STAGE" else int(e.rsplit("_", 1)[1]) for e in entities)
