"""Pre-fill: the day's figures from the calls mirror, the stage history and the senior's
counters, each with its source; the feedback calls carry the client's CALL_VOTE."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.calls import call_values, vote_of
from handlers.myday.prefill import SOURCES, prefill
from store.audits_models import SeniorDayCounter
from tests.factories import make_portal
from tests.unit.myday.world import ANNA, OLEG, build


def test_counters_from_telephony_and_crm(sessions) -> None:
    with sessions() as s:
        portal = make_portal(s)
        day = build(s, portal.id)
        found = prefill(s, portal.id, ANNA, day, "Europe/Moscow")
        # the client's first call ever is new (the report's definition), the second repeats
        assert found.counters == {"new_calls": 2, "repeat_calls": 2, "feedback_calls": 2,
                                  "proposals": 1, "invoices": 0, "payments": 0}
        assert [c.vote for c in found.feedback] == [4, None]
        assert prefill(s, portal.id, OLEG, day, "Europe/Moscow").counters["new_calls"] == 0


def test_the_senior_gets_his_first_calls_after_the_sale(sessions) -> None:
    with sessions() as s:
        portal = make_portal(s)
        day = build(s, portal.id)
        s.add(SeniorDayCounter(portal_id=portal.id, user_id=OLEG, day=day, first_calls=3,
                               updated_at=datetime.now(UTC)))
        s.commit()
        found = prefill(s, portal.id, OLEG, day, "Europe/Moscow", senior=True)
        assert found.counters["first_calls"] == 3 and SOURCES["first_calls"] == "senior"
        assert "first_calls" not in prefill(s, portal.id, ANNA, day, "Europe/Moscow").counters


def test_every_figure_names_its_source() -> None:
    assert {SOURCES[k] for k in ("new_calls", "repeat_calls", "feedback_calls")} == {"telephony"}
    assert {SOURCES[k] for k in ("proposals", "invoices", "payments")} == {"crm"}


def test_call_vote_read_from_the_statistics_row() -> None:
    row = {"CALL_ID": "x", "CALL_TYPE": "1", "CALL_FAILED_CODE": "200", "CALL_DURATION": "95",
           "CALL_START_DATE": "2026-03-10T11:19:38+03:00", "PHONE_NUMBER": "79062195047"}
    assert call_values({**row, "CALL_VOTE": "5"})["vote"] == 5  # the docs' example row
    assert call_values({**row, "CALL_VOTE": None})["vote"] is None
    assert [vote_of(v) for v in ("0", 0, "6", "-1", "x", "", 3)] == [None] * 6 + [3]
