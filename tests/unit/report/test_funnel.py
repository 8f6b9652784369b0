"""Funnel figures against an independent computation on generated stage histories."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from handlers.report.funnel import funnel
from handlers.report.period import Period
from store import mirror
from tests.factories import make_portal

# A pipeline whose SORT order is not its alphabetical or id order (custom stage order).
STAGES = [("C2:LEAD", 5, "P"), ("C2:CALL", 40, "P"), ("C2:OFFER", 20, "P"),
          ("C2:PAY", 90, "P"), ("C2:WON", 100, "S"), ("C2:LOSE", 110, "F")]
ORDER = [s for s, _, sem in sorted(STAGES, key=lambda s: s[1]) if sem != "F"]


def seed(session, portal_id: int, histories: dict[int, list[tuple[str, datetime]]]) -> None:
    for status_id, sort, sem in STAGES:
        mirror.upsert_stage(session, portal_id, {
            "ENTITY_ID": "DEAL_STAGE_2", "STATUS_ID": status_id, "NAME": status_id,
            "SORT": str(sort), "SEMANTICS": None if sem == "P" else sem, "CATEGORY_ID": "2"})
    n = 0
    for deal_id, steps in histories.items():
        mirror.upsert_deal(session, portal_id, {"ID": str(deal_id), "CATEGORY_ID": "2",
                                                "STAGE_ID": steps[-1][0],
                                                "ASSIGNED_BY_ID": str(deal_id % 3 + 1)})
        items = []
        for stage, at in steps:
            n += 1
            items.append({"ID": str(n), "OWNER_ID": str(deal_id), "TYPE_ID": "2",
                          "CATEGORY_ID": "2", "STAGE_ID": stage,
                          "STAGE_SEMANTIC_ID": dict((s, m) for s, _, m in STAGES)[stage],
                          "CREATED_TIME": at.isoformat()})
        mirror.add_stage_history(session, portal_id, items)
    session.commit()


def independent(histories: dict, period: Period, manager: int | None = None) -> list[int]:
    """Plain Python: per deal in the cohort, the furthest P/S stage reached before the end."""
    reached = [0] * len(ORDER)
    for deal_id, steps in histories.items():
        if manager is not None and deal_id % 3 + 1 != manager:
            continue
        if not any(period.since <= at < period.until for _, at in steps):
            continue
        tops = [ORDER.index(s) for s, at in steps if s in ORDER and at < period.until]
        for i in range(max(tops) + 1 if tops else 0):
            reached[i] += 1
    return reached


def histories_for(rng: random.Random, n: int, day: datetime) -> dict:
    out = {}
    for deal_id in range(1, n + 1):
        at = day + timedelta(minutes=rng.randint(0, 60 * 24 * 3))
        steps, pos = [(ORDER[0], at)], 0
        while rng.random() < 0.7 and pos < len(ORDER) - 1:
            pos += rng.choice((1, 1, 2))  # sometimes a stage is skipped
            pos = min(pos, len(ORDER) - 1)
            at += timedelta(hours=rng.randint(1, 30))
            steps.append((ORDER[pos], at))
        if pos < len(ORDER) - 1 and rng.random() < 0.3:
            steps.append(("C2:LOSE", at + timedelta(hours=2)))
        out[deal_id] = steps
    return out


def test_funnel_matches_an_independent_count(session) -> None:
    portal = make_portal(session)
    day = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    histories = histories_for(random.Random(5), 120, day)
    seed(session, portal.id, histories)
    for period in (Period(date(2026, 11, 2), date(2026, 11, 2)),
                   Period(date(2026, 11, 2), date(2026, 11, 8)),
                   Period(date(2026, 11, 4), date(2026, 11, 5))):
        result = funnel(session, portal.id, 2, period)
        assert [s.stage_id for s in result.stages] == ORDER
        expected = independent(histories, period)
        assert [s.reached for s in result.stages] == expected
        for i, row in enumerate(result.stages[:-1]):
            want = expected[i + 1] / expected[i] if expected[i] else None
            assert row.conversion == want
        if result.bottleneck:
            rated = [r for r in result.stages if r.conversion is not None and r.reached]
            assert result.bottleneck.conversion == min(r.conversion for r in rated)
        by_manager = funnel(session, portal.id, 2, period, manager_id=2)
        assert [s.reached for s in by_manager.stages] == independent(histories, period, 2)


def test_a_skipped_stage_still_counts_as_passed(session) -> None:
    portal = make_portal(session)
    t = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    seed(session, portal.id, {1: [("C2:LEAD", t), ("C2:PAY", t + timedelta(hours=1))]})
    result = funnel(session, portal.id, 2, Period(date(2026, 11, 2), date(2026, 11, 2)))
    assert [s.reached for s in result.stages] == [1, 1, 1, 1, 0]


def test_empty_period_has_zero_counts_and_no_bottleneck(session) -> None:
    portal = make_portal(session)
    seed(session, portal.id, {})
    result = funnel(session, portal.id, 2, Period(date(2026, 1, 1), date(2026, 1, 1)))
    assert [s.reached for s in result.stages] == [0] * len(ORDER)
    assert result.bottleneck is None
