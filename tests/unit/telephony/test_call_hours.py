"""The hourly call rollup (store/call_hours.py) gives exactly the figures read from `calls`."""

from __future__ import annotations

import random
from datetime import date, timedelta, timezone

import pytest
from sqlalchemy import select

from handlers.telephony import kpis
from handlers.telephony.config import MOSCOW, TelephonyConfig
from jobs.telephony import keep_call_hours
from store import call_hours, telephony
from store.calls import upsert_call
from store.telephony_models import CallHour
from tests.factories import make_portal
from tests.unit.telephony.helpers import T0

DAYS = kpis.Period.days(date(2026, 3, 9), date(2026, 3, 12), MOSCOW)
# every breakdown the KPIs and the report ask for, and a manager's own figures
SHAPES = [([], {}), (["day"], {}), (["hour"], {}), (["hour", "user"], {}),
          (["user"], {"active_days": True}), (["line"], {}), ([], {"operator": 11}),
          (["day"], {"operator": 12})]


@pytest.fixture
def pid(session) -> int:
    portal_id = make_portal(session).id
    keep_call_hours(session, portal_id)  # built while empty, kept from then on
    session.commit()
    return portal_id


def generated_calls(session, pid: int, n: int = 400, seed: int = 5) -> None:
    """Four days of calls of every kind, some reported twice, some corrected later (another
    hour, operator, line or outcome), one transaction per call as the handlers store them."""
    rnd = random.Random(seed)
    ids = []
    for i in range(n):
        call_id = f"g{i}" if i % 7 else rnd.choice(ids) if ids else "g0"  # corrections
        ids.append(call_id)
        answered = rnd.random() < 0.7
        kind = rnd.choice((1, 1, 2, 2, 2, 3, 4, 5))
        row, _ = upsert_call(session, pid, {
            "call_id": call_id, "source": "b24", "call_type": kind,
            "phone": f"+7916000{rnd.randrange(60):04d}", "phone_raw": "",
            "line": rnd.choice(("line-1", "line-2", None)),
            "user_id": rnd.choice((10, 11, 12, None)),
            "start_at": T0 + timedelta(minutes=rnd.randrange(-2 * 1440, 2 * 1440)),
            "duration": rnd.choice((0, 5, 179, 180, 181, 900)) if answered else 0,
            "failed_code": "200" if answered else "304", "answered": answered,
            "answer_seconds": rnd.choice((None, 1, 6, 7, 20)) if answered else None})
        telephony.note_call(session, row)
        session.commit()
        if i % 50 == 0:  # a replay of the same report changes nothing
            upsert_call(session, pid, {"call_id": call_id, "duration": row.duration})
            session.commit()


def both(session, pid: int, dims: list[str], rules: kpis.Rules, **kw: object) -> tuple:
    fast = kpis._breakdown(session, pid, DAYS, rules, dims, **kw)
    slow = kpis._breakdown(session, pid, DAYS, rules, dims, rollup=False, **kw)
    return fast, slow


@pytest.mark.parametrize(("dims", "extra"), SHAPES)
def test_rollup_figures_equal_the_calls_figures(session, pid, dims, extra) -> None:
    generated_calls(session, pid)
    rules = kpis.Rules.of(TelephonyConfig(), DAYS, operator=extra.pop("operator", None))
    assert kpis._grain(session, pid, DAYS, rules, dims) is not None  # the fast path is taken
    fast, slow = both(session, pid, dims, rules, **extra)
    assert fast == slow
    assert sum(k.incoming for k in slow.values()) > 20  # not an empty comparison


def test_public_breakdowns_unchanged(session, pid, monkeypatch) -> None:
    generated_calls(session, pid, n=200, seed=8)
    rules = kpis.Rules.of(TelephonyConfig(), DAYS)

    def every() -> list:
        return [kpis.summary(session, pid, DAYS, rules), kpis.by_day(session, pid, DAYS, rules),
                kpis.by_hour(session, pid, DAYS, rules, per_operator=True),
                kpis.by_operator(session, pid, DAYS, rules),
                kpis.by_line(session, pid, DAYS, rules)]

    fast = every()
    monkeypatch.setattr(kpis, "_grain", lambda *a: None)
    assert fast == every()


def test_rebuild_gives_the_rows_kept_call_by_call(session, pid) -> None:
    generated_calls(session, pid, n=150, seed=2)

    columns = ("grain", "start_at", "user_id", "line", *call_hours.NAMES)

    def rows() -> list:
        found = session.scalars(select(CallHour).where(CallHour.portal_id == pid))
        return sorted((tuple(getattr(r, c) for c in columns) for r in found), key=repr)

    kept = rows()
    call_hours.rebuild(session, pid, ring_seconds=6, long_call_seconds=180)
    session.commit()
    assert kept and rows() == kept


def test_a_rolled_back_call_leaves_no_trace(session, pid) -> None:
    generated_calls(session, pid, n=30)
    rules = kpis.Rules.of(TelephonyConfig(), DAYS)
    before = kpis.summary(session, pid, DAYS, rules)
    upsert_call(session, pid, {"call_id": "gone", "source": "b24", "call_type": 2,
                               "phone": "+79160009999", "start_at": T0, "answered": True,
                               "duration": 60})
    session.rollback()
    assert kpis.summary(session, pid, DAYS, rules) == before
    assert both(session, pid, [], rules)[0] == both(session, pid, [], rules)[1]


def test_calls_are_read_when_the_rollup_cannot_answer(session, pid) -> None:
    generated_calls(session, pid, n=60)
    base = TelephonyConfig()
    other = kpis.Rules.of(TelephonyConfig(ring_seconds=7), DAYS)
    assert kpis._grain(session, pid, DAYS, other, []) is None  # counted with 6 s rings
    india = timezone(timedelta(hours=5, minutes=30))
    half = kpis.Period.days(date(2026, 3, 9), date(2026, 3, 12), india)
    assert kpis._grain(session, pid, half, kpis.Rules.of(base, half), []) is None
    assert kpis._grain(session, pid, DAYS, kpis.Rules.of(base, DAYS), ["user", "line"]) is None
    fast, slow = both(session, pid, [], other)
    assert fast == slow
    # the job rebuilds it with the settings' thresholds, and the rollup answers again
    session.info.clear()
    assert not keep_call_hours(session, pid)
