"""Durable scheduled work: one row per rejection or client, claimed by exactly one worker,
never lost to a restart; a dead worker's lease runs out and the row is taken again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from store import audits
from store.audits_models import AuditCallback, ClientHandoff
from store.db import make_engine, make_session_factory, write_lock
from tests.factories import make_portal

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def rejection(session, portal_id: int, deal_id: int) -> int:
    row = audits.record_rejection(session, portal_id, key=f"deal:{deal_id}:x", values={
        "entity_type": "deal", "b24_entity_id": deal_id, "stage_id": "LOSE",
        "manager_id": 5, "rejected_at": NOW - timedelta(days=3)})
    return row.id


def schedule(sessions, n: int) -> tuple[int, list[int]]:
    with sessions() as s:
        pid = make_portal(s).id
        ids = [rejection(s, pid, 100 + i) for i in range(n)]
        for rid in ids:
            assert audits.schedule_callback(s, pid, rid, due_at=NOW - timedelta(minutes=1),
                                            responsible_id=7)
            assert not audits.schedule_callback(s, pid, rid, due_at=NOW, responsible_id=7)
        s.commit()
    return pid, ids


def test_rejections_and_handoffs_are_recorded_once_per_key(session) -> None:
    pid = make_portal(session).id
    assert rejection(session, pid, 1)
    assert audits.record_rejection(session, pid, key="deal:1:x", values={
        "entity_type": "deal", "b24_entity_id": 1, "stage_id": "LOSE",
        "rejected_at": NOW}) is None
    values = {"b24_deal_id": 1, "category_id": 0, "senior_id": 9, "won_at": NOW, "due_at": NOW}
    assert audits.record_handoff(session, pid, entity_type="CONTACT", client_id=3, values=values)
    assert not audits.record_handoff(session, pid, entity_type="CONTACT", client_id=3,
                                     values={**values, "b24_deal_id": 2})
    assert audits.record_handoff(session, pid, entity_type="COMPANY", client_id=3, values=values)


def test_a_restart_keeps_every_callback_and_fires_each_once(sessions, migrated) -> None:
    pid, ids = schedule(sessions, 3)
    engine = make_engine(migrated)  # "after the restart": a new engine, nothing in memory
    fresh = make_session_factory(engine)
    try:
        with fresh() as s:
            assert audits.claim_due(s, AuditCallback, pid, NOW - timedelta(minutes=2)) == []
            rows = audits.claim_due(s, AuditCallback, pid, NOW)
            assert sorted(r.rejection_id for r in rows) == ids
            write_lock(s)
            for row in rows:
                audits.finish(row, NOW)
            s.commit()
            assert audits.claim_due(s, AuditCallback, pid, NOW + timedelta(days=1)) == []
    finally:
        engine.dispose()


def test_racing_workers_claim_each_callback_exactly_once(sessions) -> None:
    pid, ids = schedule(sessions, 40)
    claimed: list[int] = []
    start = threading.Barrier(4)

    def worker() -> None:
        start.wait()
        with sessions() as s:
            while True:
                rows = audits.claim_due(s, AuditCallback, pid, NOW, limit=3)
                if not rows:  # lost every race this round, or nothing is left
                    if not s.scalar(select(AuditCallback.id).where(
                            AuditCallback.status == "scheduled").limit(1)):
                        break
                    continue
                claimed.extend(r.rejection_id for r in rows)
                write_lock(s)
                for row in rows:
                    audits.finish(row, NOW)
                s.commit()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(claimed) == sorted(ids)  # all of them, none twice


def test_a_dead_workers_lease_runs_out_and_failures_back_off(sessions) -> None:
    pid, [_rid] = schedule(sessions, 1)
    with sessions() as s:
        [row] = audits.claim_due(s, AuditCallback, pid, NOW)  # the worker dies here
        assert audits.claim_due(s, AuditCallback, pid, NOW + timedelta(minutes=1)) == []
        [again] = audits.claim_due(s, AuditCallback, pid, NOW + audits.LEASE + timedelta(
            seconds=1))
        assert again.id == row.id and again.attempts == 2
        write_lock(s)
        audits.retry_later(again, "QUERY_LIMIT_EXCEEDED", NOW)
        s.commit()
        assert again.status == "scheduled" and again.due_at == NOW + timedelta(minutes=20)
        again.attempts = 6
        audits.retry_later(again, "still failing", NOW)
        assert again.status == "failed"
        s.commit()
    with sessions() as s:
        assert audits.claim_due(s, ClientHandoff, pid, NOW + timedelta(days=9)) == []
