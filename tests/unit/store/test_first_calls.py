"""Each number's first call stays true whatever order calls arrive in or are corrected."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from store.calls import rebuild_first_calls, upsert_call
from store.models import Call
from store.report_models import FirstCall
from tests.factories import make_portal

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def stored(session, portal_id: int) -> dict[str, tuple]:
    return {r.phone: (r.call_row_id, r.user_id, r.call_type) for r in session.execute(
        select(FirstCall).where(FirstCall.portal_id == portal_id)).scalars()}


def expected(session, portal_id: int) -> dict[str, tuple]:
    firsts: dict[str, Call] = {}
    for call in session.scalars(select(Call).where(Call.portal_id == portal_id)):
        first = firsts.get(call.phone)
        if call.phone and (first is None or (call.start_at, call.id) < (first.start_at, first.id)):
            firsts[call.phone] = call
    return {phone: (c.id, c.user_id, c.call_type) for phone, c in firsts.items()}


def test_first_call_per_number_under_shuffled_arrival_and_corrections(session) -> None:
    portal = make_portal(session)
    rng = random.Random(7)
    phones = [f"+7912000{i:04d}" for i in range(12)] + [""]
    reports = [{"call_id": f"c{i}", "call_type": rng.choice((1, 2, 3)),
                "phone": rng.choice(phones), "user_id": 3,
                "start_at": T0 + timedelta(minutes=rng.randint(0, 5) * 10)}  # ties too
               for i in range(120)]
    rng.shuffle(reports)  # a sync brings earlier calls after later ones
    for values in reports:
        upsert_call(session, portal.id, values)
    assert stored(session, portal.id) == expected(session, portal.id)
    for values in rng.sample(reports, 40):  # corrected numbers, times, operators, types
        upsert_call(session, portal.id, rng.choice([
            {"call_id": values["call_id"], "phone": rng.choice(phones),
             "start_at": T0 + timedelta(minutes=rng.randint(-30, 60))},
            {"call_id": values["call_id"], "user_id": rng.randint(4, 9)},  # who, found later
            {"call_id": values["call_id"], "call_type": rng.choice((1, 2, 4))}]))
        assert stored(session, portal.id) == expected(session, portal.id)
    truth = expected(session, portal.id)
    session.execute(FirstCall.__table__.delete())
    rebuild_first_calls(session, portal.id)
    assert stored(session, portal.id) == truth
