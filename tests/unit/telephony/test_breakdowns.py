"""KPI breakdowns by day, hour, operator and line (both database shapes, see kpi_sql.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from handlers.telephony import kpis
from handlers.telephony.config import MOSCOW, TelephonyConfig
from store import telephony
from store.models import Deal
from store.telephony_models import CallDeal
from tests.factories import make_portal
from tests.unit.telephony.helpers import T0, add_call

# T0 is 10:00 Moscow on 2026-03-10; minute offsets below are relative to it
LATE = 13 * 60 + 59       # 23:59 on the 10th
EARLY = 14 * 60 + 1       # 00:01 on the 11th
DAYS = kpis.Period.days(date(2026, 3, 9), date(2026, 3, 11), MOSCOW)


@pytest.fixture
def pid(session) -> int:
    return make_portal(session).id


def rules(**kw: object) -> kpis.Rules:
    return kpis.Rules.of(TelephonyConfig(), DAYS, **kw)


def test_days_follow_the_local_midnight_and_include_empty_days(session, pid) -> None:
    add_call(session, pid, phone="+79160000001", minute=LATE, answered=False)
    add_call(session, pid, phone="+79160000002", minute=EARLY)
    add_call(session, pid, phone="+79160000003", minute=EARLY + 5, kind="out", talk=200)
    days = kpis.by_day(session, pid, DAYS, rules())
    assert [d.key for d in days] == [date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 11)]
    assert [(d.incoming, d.missed, d.lost, d.outgoing) for d in days] == [
        (0, 0, 0, 0), (1, 1, 1, 0), (1, 0, 0, 1)]
    assert days[1].lcr == 1.0 and days[0].lcr is None


def test_hours_are_local_hours(session, pid) -> None:
    add_call(session, pid, phone="+79160000001", minute=LATE, user=10)
    add_call(session, pid, phone="+79160000002", minute=EARLY, user=11)
    add_call(session, pid, phone="+79160000003", minute=EARLY + 2, user=11)
    assert [(h.key, h.incoming) for h in kpis.by_hour(session, pid, DAYS, rules())] == [
        (0, 2), (23, 1)]
    per = kpis.by_hour(session, pid, DAYS, rules(), per_operator=True)
    assert [(h.key, h.incoming) for h in per] == [((0, 11), 2), ((23, 10), 1)]


def test_operators_days_with_calls_and_utilisation(session, pid) -> None:
    add_call(session, pid, phone="+79160000001", minute=0, user=10, talk=3600)
    add_call(session, pid, phone="+79160000002", minute=EARLY, user=10, talk=3600)
    add_call(session, pid, phone="+79160000003", minute=30, user=11, talk=1800,
             answer_seconds=4)
    add_call(session, pid, phone="+79160000004", minute=40, user=11, answered=False)
    rows = {o.key: o for o in kpis.by_operator(session, pid, DAYS, rules())}
    assert (rows[10].active_days, rows[11].active_days) == (2, 1)
    assert rows[10].utilisation(8) == pytest.approx(7200 / (2 * 8 * 3600))
    assert rows[11].utilisation(8) == pytest.approx(1800 / (8 * 3600))
    assert (rows[11].incoming, rows[11].missed, rows[11].lost, rows[11].within_rings) == (
        2, 1, 1, 1)


def test_lines_with_their_calls_and_the_deals_calls_opened(session, pid) -> None:
    add_call(session, pid, phone="+79160000001", line="ads", answered=False)
    add_call(session, pid, phone="+79160000002", line="ads", minute=5)
    add_call(session, pid, phone="+79160000003", line="site", minute=6)
    for n, (line, stage) in enumerate((("ads", "S"), ("ads", "P"), ("site", "F")), start=1):
        session.add(Deal(portal_id=pid, b24_deal_id=n, title="t", stage_semantic=stage,
                         opportunity=Decimal(0), fields={}))
        session.add(CallDeal(portal_id=pid, phone=f"+7916000000{n}", line=line,
                             origin_call_id=f"o{n}", b24_deal_id=n, status="open",
                             call_at=T0, created_at=T0))
    session.flush()
    lines = {row.key: row for row in kpis.by_line(session, pid, DAYS, rules())}
    assert (lines["ads"].incoming, lines["ads"].lost, lines["ads"].deals, lines["ads"].won) == (
        2, 1, 2, 1)
    assert (lines["site"].incoming, lines["site"].deals, lines["site"].won) == (1, 1, 0)


def test_lost_calls_list_newest_first_with_states(session, pid) -> None:
    add_call(session, pid, phone="+79160000001", minute=0, answered=False)
    add_call(session, pid, phone="+79160000001", minute=40, kind="out")   # late
    add_call(session, pid, phone="+79160000002", minute=50, answered=False)  # never
    add_call(session, pid, phone="+79160000003", minute=60, answered=False)
    add_call(session, pid, phone="+79160000003", minute=62, kind="out")   # in time: not listed
    add_call(session, pid, phone="+79160000004", minute=70, answered=False)  # still waiting
    as_of = T0 + timedelta(minutes=75)
    listed = kpis.lost_calls(session, pid, DAYS, rules(as_of=as_of))
    assert [(c.phone, c.state) for c in listed] == [
        ("+79160000004", "pending"), ("+79160000002", "lost"), ("+79160000001", "late")]


def test_sliced_and_plain_statements_agree(session, pid) -> None:
    """The SQLite per-day shape and the plain GROUP BY give the same numbers."""
    from handlers.telephony import kpi_sql
    from store.models import Call
    for n in range(40):
        add_call(session, pid, phone=f"+7916000{n % 7:04d}", minute=n * 47 % 2000,
                 answered=n % 3 != 0, user=10 + n % 4, kind="in" if n % 5 else "out",
                 answer_seconds=n % 9)
    r = rules()
    span = {"portal_id": pid, "start": DAYS.start, "end": DAYS.end, "offset": r.utc_offset}
    cols = kpis._call_columns(r)
    if session.get_bind().dialect.name == "sqlite":  # the sliced shape is SQLite's own
        for dims in (["user"], ["day"], ["hour", "user"], ["line"]):
            sliced = kpi_sql.aggregate(session, Call, cols, dims, sliced=True, **span)
            assert sliced == kpi_sql.aggregate(session, Call, cols, dims, sliced=False, **span)
        days = kpi_sql.aggregate(session, Call, cols, ["user"], sliced=True, active_days=True,
                                 **span)
        assert days == kpi_sql.aggregate(session, Call, cols, ["user"], sliced=False,
                                         active_days=True, **span)
    telephony.catch_up_missed(session, pid)
    assert kpis.summary(session, pid, DAYS, r).incoming == sum(
        d.incoming for d in kpis.by_day(session, pid, DAYS, r))


def test_period_of_whole_local_days() -> None:
    period = kpis.Period.days(date(2026, 3, 10), date(2026, 3, 10), MOSCOW)
    assert period.start.astimezone(UTC) == datetime(2026, 3, 9, 21, tzinfo=UTC)
    assert period.end - period.start == timedelta(days=1)
