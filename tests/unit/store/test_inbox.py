from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store import inbox
from store.models import InboxEvent
from tests.factories import make_portal

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _record(session, portal, deal_id="7", code="ONCRMDEALUPDATE", now=NOW) -> bool:
    return inbox.record(session, portal_id=portal.id, code=code, event_ts="1",
                        payload={"event": code, "data": {"FIELDS": {"ID": deal_id}}}, now=now)


def test_identical_pending_events_coalesce(session) -> None:
    portal = make_portal(session)
    assert _record(session, portal) is True
    assert _record(session, portal) is False
    assert _record(session, portal, deal_id="8") is True
    session.commit()
    assert session.query(InboxEvent).count() == 2


def test_event_after_claim_gets_its_own_row(session) -> None:
    portal = make_portal(session)
    _record(session, portal)
    session.commit()
    claimed = inbox.claim(session, portal.id, NOW, 50)
    assert len(claimed) == 1
    assert _record(session, portal) is True  # a change during processing is not lost
    session.commit()


def test_claim_is_exclusive_until_the_lease_ends(session) -> None:
    portal = make_portal(session)
    for i in range(5):
        _record(session, portal, deal_id=str(i))
    session.commit()
    first = inbox.claim(session, portal.id, NOW, 3)
    assert len(first) == 3
    # one worker per portal at a time: the rest waits while `first` is leased
    assert inbox.claim(session, portal.id, NOW, 50) == []
    # the worker holding `first` died: after the lease the rows come back, with the rest
    again = inbox.claim(session, portal.id, NOW + inbox.LEASE + timedelta(seconds=1), 50)
    assert len(again) == 5


def test_other_portals_are_claimed_while_one_is_leased(session) -> None:
    busy = make_portal(session)
    other = make_portal(session, member_id="o" * 32)
    _record(session, busy, deal_id="1")
    _record(session, other, deal_id="1")
    session.commit()
    assert len(inbox.claim(session, busy.id, NOW, 50)) == 1
    assert len(inbox.claim(session, other.id, NOW, 50)) == 1


def test_failed_rows_back_off_then_die(session) -> None:
    portal = make_portal(session)
    _record(session, portal)
    session.commit()
    now = NOW
    for attempt in range(1, 4):
        (row,) = inbox.claim(session, portal.id, now, 50)
        assert row.attempts == attempt
        inbox.mark_failed(session, row, "boom", now, max_attempts=3)
        session.commit()
        if attempt < 3:
            assert row.status == "pending" and row.next_attempt_at > now
            assert inbox.claim(session, portal.id, now, 50) == []  # not before the backoff
            now = row.next_attempt_at
    assert row.status == "dead" and row.last_error == "boom"
    assert inbox.stats(session).dead == 1


def test_due_portals_oldest_first(session) -> None:
    a, b = make_portal(session, member_id="a" * 32), make_portal(session, member_id="b" * 32)
    _record(session, b)
    _record(session, a)
    session.commit()
    assert inbox.due_portals(session, NOW) == [b.id, a.id]


def test_events_of_a_portal_whose_directory_is_owed_wait(session) -> None:
    from handlers import directory

    owed, ready = make_portal(session), make_portal(session, member_id="r" * 32)
    _record(session, owed)
    _record(session, ready)
    directory.mark_owed(session, owed.id, NOW)
    session.commit()
    assert inbox.due_portals(session, NOW) == [ready.id]
    directory.save(session, owed.id, directory.Directory([], [], [], []), NOW)
    session.commit()
    assert set(inbox.due_portals(session, NOW)) == {owed.id, ready.id}
