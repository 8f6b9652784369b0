"""The senior specialist's day, from mirrored calls and stage moves (definitions in
handlers.audits.counters), and the per-manager rejection figures for the owner's report."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete

from handlers.audits import counters, stats
from handlers.audits.config import AuditConfig
from handlers.exchange.actions import ActionContext
from handlers.exchange.config import ExchangeConfig
from handlers.telephony import config as telephony_config
from store import audits
from store.audits_models import ClientHandoff
from store.models import Call, Contact, Deal, DealStageHistory, Portal
from tests.factories import make_portal

SENIOR, OTHER = 9, 4
HANDED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC) - timedelta(hours=3)  # Moscow midnight


def call(pid: int, n: int, at: datetime, *, phone: str = "+79130000001", user: int = SENIOR,
         answered: bool = True) -> Call:
    return Call(portal_id=pid, call_id=f"c{n}", call_type=1, phone=phone, user_id=user,
                start_at=at, duration=60 if answered else 0, answered=answered)


def seed(session) -> int:
    pid = make_portal(session).id
    session.add(Contact(portal_id=pid, entity_type="CONTACT", b24_id=31, name="Иванов",
                        assigned_by_id=SENIOR, phones=["+79130000001"]))
    session.add(ClientHandoff(portal_id=pid, entity_type="CONTACT", b24_client_id=31,
                              b24_deal_id=5, category_id=0, senior_id=SENIOR, won_at=HANDED,
                              due_at=HANDED, status="done", done_at=HANDED, attempts=1))
    session.add_all([
        call(pid, 1, HANDED - timedelta(days=1)),  # before the hand-off: not his yet
        call(pid, 2, DAY + timedelta(hours=10)),  # the first call after the sale
        call(pid, 3, DAY + timedelta(hours=11)),  # no new deal yet: feedback
        call(pid, 4, DAY + timedelta(hours=12), answered=False),  # not a conversation
        call(pid, 5, DAY + timedelta(hours=13), phone="+79990000000"),  # someone else
        call(pid, 6, DAY + timedelta(hours=16)),  # a repeat deal exists by now
        call(pid, 7, DAY + timedelta(hours=16, minutes=5), user=OTHER),  # not the senior
    ])
    session.add(Deal(portal_id=pid, b24_deal_id=6, contact_id=31, assigned_by_id=SENIOR,
                     category_id=1, stage_id="C1:WON", stage_semantic="S",
                     date_create=DAY + timedelta(hours=14)))
    for n, (stage, semantic, hours) in enumerate([("C1:PREPARATION", "P", 14.5),
                                                  ("C1:PREPAYMENT_INVOICE", "P", 15),
                                                  ("C1:WON", "S", 17), ("C1:WON", "S", 30)]):
        session.add(DealStageHistory(portal_id=pid, b24_history_id=n, b24_deal_id=6,
                                     type_id=2, category_id=1, stage_id=stage,
                                     stage_semantic=semantic,
                                     created_at=DAY + timedelta(hours=hours)))
    session.commit()
    return pid


def test_a_day_of_the_senior_specialist(session) -> None:
    pid = seed(session)
    clients = counters.handed_off(session, pid)[SENIOR]
    values = counters.count_day(session, pid, AuditConfig(), SENIOR, clients, DAY,
                                DAY + timedelta(days=1))
    assert values == {"first_calls": 1, "feedback_calls": 1, "repeat_calls": 1,
                      "proposals": 1, "invoices": 1, "payments": 1}


def test_the_next_day_the_client_is_no_longer_new(session) -> None:
    pid = seed(session)
    session.add(call(pid, 8, DAY + timedelta(days=1, hours=9)))
    session.commit()
    clients = counters.handed_off(session, pid)[SENIOR]
    start = DAY + timedelta(days=1)
    values = counters.count_day(session, pid, AuditConfig(), SENIOR, clients, start,
                                start + timedelta(days=1))
    assert values == {"first_calls": 0, "feedback_calls": 0, "repeat_calls": 1,
                      "proposals": 0, "invoices": 0, "payments": 1}


def test_counters_are_saved_per_day_and_replaced(session) -> None:
    pid = seed(session)
    now = DAY + timedelta(hours=20)
    audits.save_counters(session, pid, SENIOR, date(2026, 11, 23), {"first_calls": 1}, now)
    audits.save_counters(session, pid, SENIOR, date(2026, 11, 23), {"first_calls": 2}, now)
    session.commit()
    [row] = stats.senior_counters(session, pid, date(2026, 11, 23))
    assert row.first_calls == 2 and row.user_id == SENIOR


@pytest.mark.parametrize(("zone", "day"), [("Europe/Moscow", date(2026, 11, 22)),
                                          ("Asia/Yekaterinburg", date(2026, 11, 23))])
def test_recount_counts_days_in_the_portal_zone(session, zone, day) -> None:
    """23:30 in Moscow is 01:30 the next day in Yekaterinburg: the telephony zone decides (the
    audits had a fixed UTC offset of their own, a third time-zone setting)."""
    pid = seed(session)
    portal = session.get(Portal, pid)
    first = DAY - timedelta(minutes=30)  # 22.11 23:30 Moscow, the first call after the sale
    session.execute(delete(Call).where(Call.portal_id == pid, Call.call_id == "c2"))
    session.add(call(pid, 2, first))
    telephony_config.save(session, pid, replace(telephony_config.load(session, pid),
                                                timezone=zone), user_id=None, now=HANDED)
    session.commit()
    now = DAY + timedelta(hours=9)
    assert counters.recount(ActionContext(portal, session, None, now, ExchangeConfig())) == 2
    firsts = {r.day: r.first_calls for r in stats.senior_counters(session, pid, date(2026, 11, 22))}
    assert firsts[day] == 1 and sum(firsts.values()) == 1, firsts


def test_rejection_categories_and_outcomes_per_manager(session) -> None:
    pid = make_portal(session).id
    at = datetime(2026, 11, 23, 10, tzinfo=UTC)
    for n, (manager, stage, state, score) in enumerate([
            (1, "LOSE", "open", 80), (1, "LOSE", "false_rejection", 70),
            (1, "APOLOGY", "confirmed", 10), (2, "LOSE", "reengaged", 55)]):
        row = audits.record_rejection(session, pid, key=f"k{n}", values={
            "entity_type": "deal", "b24_entity_id": n, "stage_id": stage,
            "manager_id": manager, "rejected_at": at, "score": score})
        row.state = state
    session.commit()
    since = at - timedelta(days=1)
    assert stats.rejection_categories(session, pid, since) == [
        stats.CategoryRow(1, "deal", "LOSE", 2), stats.CategoryRow(1, "deal", "APOLOGY", 1),
        stats.CategoryRow(2, "deal", "LOSE", 1)]
    assert stats.audit_outcomes(session, pid, since) == [
        stats.OutcomeRow(1, 3, 2, 1, 1, 1, 0), stats.OutcomeRow(2, 1, 1, 0, 0, 0, 1)]
    assert stats.false_rejections(session, pid) == {1: 1}
    assert stats.rejection_categories(session, pid, at + timedelta(hours=1)) == []
