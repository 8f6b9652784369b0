"""Won/lost counts and the won amount against a plain-Python count over random histories."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from handlers.report.build import outcomes
from handlers.report.period import Period
from store import mirror
from tests.factories import make_portal

START = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def test_outcomes_count_each_deal_once_and_its_amount_once(session) -> None:
    portal = make_portal(session)
    rng = random.Random(3)
    amounts, history, hist_id = {}, [], 0
    for d in range(1, 61):
        amounts[d] = rng.randint(1, 90) * 1000
        mirror.upsert_deal(session, portal.id, {
            "ID": str(d), "TITLE": f"D{d}", "STAGE_ID": "NEW", "CATEGORY_ID": "0",
            "STAGE_SEMANTIC_ID": "P", "ASSIGNED_BY_ID": "3", "OPPORTUNITY": str(amounts[d])})
        at = START + timedelta(hours=rng.randint(0, 200))
        # Some deals are won, reopened and won again; some lost after a win.
        for _ in range(rng.randint(1, 4)):
            hist_id += 1
            at += timedelta(hours=rng.randint(1, 30))
            sem = rng.choice("PPSF")
            history.append((d, sem, at))
            mirror.add_stage_history(session, portal.id, [{
                "ID": str(hist_id), "OWNER_ID": str(d), "TYPE_ID": "2", "CATEGORY_ID": "0",
                "STAGE_ID": {"P": "NEW", "S": "WON", "F": "LOSE"}[sem],
                "STAGE_SEMANTIC_ID": sem, "CREATED_TIME": at.isoformat()}])
    session.flush()
    assert any(sum(1 for x, s, _ in history if x == d and s == "S") > 1 for d in amounts)
    for period in (Period(date(2026, 11, 3), date(2026, 11, 5)),
                   Period(date(2026, 11, 1), date(2026, 11, 30)),
                   Period(date(2026, 12, 20), date(2026, 12, 21))):  # empty
        inside = [(d, s) for d, s, at in history if period.since <= at < period.until]
        won = {d for d, s in inside if s == "S"}
        lost = {d for d, s in inside if s == "F"}
        assert outcomes(session, portal.id, period) == (
            len(won), float(sum(amounts[d] for d in won)), len(lost))
