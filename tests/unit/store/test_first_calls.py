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


def stored(session, portal_id: int) -> dict[str, int]:
    return dict(session.execute(select(FirstCall.phone, FirstCall.call_row_id)
                                .where(FirstCall.portal_id == portal_id)).all())


def expected(session, portal_id: int) -> dict[str, int]:
    firsts: dict[str, tuple] = {}
    for call in session.scalars(select(Call).where(Call.portal_id == portal_id)):
        key = (call.start_at, call.id)
        if call.phone and (call.phone not in firsts or key < firsts[call.phone]):
            firsts[call.phone] = key
    return {phone: key[1] for phone, key in firsts.items()}


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
    for values in rng.sample(reports, 30):  # corrected start times and numbers
        upsert_call(session, portal.id, {
            "call_id": values["call_id"], "phone": rng.choice(phones),
            "start_at": T0 + timedelta(minutes=rng.randint(-30, 60))})
        assert stored(session, portal.id) == expected(session, portal.id)
    truth = expected(session, portal.id)
    session.execute(FirstCall.__table__.delete())
    rebuild_first_calls(session, portal.id)
    assert stored(session, portal.id) == truth
