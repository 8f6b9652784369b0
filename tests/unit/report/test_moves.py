"""The report's one-pass and rollup figures equal the per-figure full scans, over a month.

handlers/report/moves.py answers stage entries, stage counters and won/lost from one pass;
store/call_hours.py answers the per-manager call figures from the hourly rollup. Both are
compared with the queries they replace, on a generated month stored through the live paths.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from handlers.report import counters, funnel, people
from handlers.report.build import build, outcomes
from handlers.report.moves import period_moves
from handlers.report.period import Period
from jobs.telephony import keep_call_hours
from store import mirror
from store.calls import upsert_call
from store.models import Stage
from store.telephony_models import CallHourRules
from tests.factories import make_portal

START = datetime(2026, 10, 31, 21, 0, tzinfo=UTC)  # 1 November, 00:00 in Moscow
MANAGERS = [3, 4, 5, 6]
STAGES = [("NEW", "P"), ("PREPARATION", "P"), ("PREPAYMENT_INVOICE", "P"), ("EXECUTING", "P"),
          ("FINAL_INVOICE", "P"), ("WON", "S"), ("LOSE", "F")]
PERIODS = [Period.of("month", date(2026, 11, 1)), Period.of("week", date(2026, 11, 11)),
           Period.of("day", date(2026, 11, 17)), Period(date(2026, 11, 3), date(2026, 11, 19)),
           Period.of("day", date(2027, 2, 1))]  # empty


def generated_month(session, pid: int, seed: int = 4) -> None:
    """Deals of four managers and one outsider, moving forward, back and again; history of
    deals never mirrored; a month of calls of every kind (some corrected later)."""
    rng = random.Random(seed)
    for sort, (stage, sem) in enumerate(STAGES):  # two pipelines: the general one and "C2"
        for cat, prefix in ((0, ""), (2, "C2:")):
            session.add(Stage(portal_id=pid, entity_id="DEAL_STAGE" + (f"_{cat}" if cat else ""),
                              status_id=prefix + stage, name=stage, sort=10 * (sort + 1),
                              semantics=sem, category_id=cat))
    hist_id = 0
    for d in range(1, 121):
        cat, prefix = (2, "C2:") if d % 5 == 0 else (0, "")
        if d % 17:  # every 17th deal's history arrives without the deal
            mirror.upsert_deal(session, pid, {
                "ID": str(d), "TITLE": f"D{d}", "STAGE_ID": "NEW", "CATEGORY_ID": "0",
                "STAGE_SEMANTIC_ID": "P", "ASSIGNED_BY_ID": str(rng.choice([*MANAGERS, 9])),
                "OPPORTUNITY": str(rng.randint(1, 90) * 1000)})
        at = START + timedelta(hours=rng.randint(-72, 24 * 30))
        for k in range(rng.randint(1, 9)):
            hist_id += 1
            at += timedelta(hours=rng.randint(1, 40))
            stage, sem = STAGES[min(k, 6)] if rng.random() < 0.7 else rng.choice(STAGES)
            mirror.add_stage_history(session, pid, [{
                "ID": str(hist_id), "OWNER_ID": str(d), "TYPE_ID": "1" if k == 0 else "2",
                "CATEGORY_ID": str(cat), "STAGE_ID": prefix + stage, "STAGE_SEMANTIC_ID": sem,
                "CREATED_TIME": at.isoformat()}])
    for i in range(500):
        answered = rng.random() < 0.7
        upsert_call(session, pid, {
            "call_id": f"m{i % 460}", "source": "b24", "call_type": rng.choice((1, 1, 2, 3, 4)),
            "phone": rng.choice(("", f"+7916000{rng.randrange(80):04d}")), "phone_raw": "",
            "line": rng.choice(("line-1", None)), "user_id": rng.choice([*MANAGERS, 9, None]),
            "start_at": START + timedelta(minutes=rng.randrange(-1440, 31 * 1440)),
            "duration": rng.choice((0, 30, 179, 180, 600)) if answered else rng.choice((0, 3)),
            "failed_code": "200" if answered else "304", "answered": answered,
            "answer_seconds": rng.choice((None, 2, 9)) if answered else None})
        session.commit()


@pytest.fixture
def pid(session) -> int:
    portal_id = make_portal(session).id
    keep_call_hours(session, portal_id)  # the rollup is kept from the first call on
    session.commit()
    generated_month(session, portal_id)
    return portal_id


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}-{p.end}")
def test_one_pass_equals_the_three_scans(session, pid, period) -> None:
    moved = period_moves(session, pid, period, MANAGERS)
    entries = session.execute(people._stage_entries(session, pid, period, MANAGERS)).all()
    assert moved.entries == sorted(tuple(row) for row in entries)
    assert moved.counters == counters.stage_counters(session, pid, period, MANAGERS)
    assert (moved.won, moved.won_amount, moved.lost) == outcomes(session, pid, period)
    pipelines = {c: funnel.pipeline(session, pid, c) for c in funnel.categories(session, pid)}
    assert sorted(pipelines) == [0, 2]
    with_tops = period_moves(session, pid, period, MANAGERS, pipelines)
    for c, found in pipelines.items():
        assert funnel.assemble(c, found, with_tops.tops.get(c, {})) == funnel.funnel(
            session, pid, c, period)
    assert with_tops.entries == moved.entries and with_tops.counters == moved.counters
    if period.days > 20:  # not an empty comparison
        assert moved.entries and moved.counters and moved.won and moved.lost
        assert all(with_tops.tops.get(c) for c in pipelines)


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}-{p.end}")
def test_people_section_equals_the_full_scan(session, pid, period) -> None:
    fast = people.activity(session, pid, period, MANAGERS,
                           moves=period_moves(session, pid, period, MANAGERS))
    session.query(CallHourRules).delete()  # no rollup: the calls themselves are read
    slow = people.activity(session, pid, period, MANAGERS)
    assert fast == slow
    if period.days > 20:
        assert any(m.counters["calls_out"] and m.counters["payments"] for m in slow)


def test_whole_report_equals_the_full_scan(session, pid) -> None:
    period = PERIODS[0]
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    fast = build(session, pid, period, now)
    session.query(CallHourRules).delete()
    assert build(session, pid, period, now) == fast
