"""Faults on the portal's side: a 503 outage, tokens expiring mid-chunk, the app revoked."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from jobs import runner
from jobs.inbox import process_inbox
from sandbox.errors import RestError
from store import inbox, portals
from store.models import InboxEvent
from tests.faults.harness import Day, assert_same, is_write_batch, later, play

FAULT_AT = 4  # the fourth checkpoint of the day: a few hours in, the inbox has work


def test_portal_503_for_two_minutes_loses_nothing(new_day, baseline) -> None:
    seen: dict[str, int] = {}

    def outage(day: Day) -> None:
        """The portal answers 503 for two minutes of its clock, from the moment a chunk's
        reads went through and its writes are sent; the worker keeps polling every 5 s of that
        clock. Then the clock goes back to where the day was, so the rest of
        the day is the fault-free one (the outage happens "between two moments")."""
        day.cloud.wait_idle(30)
        before, offset = day.portal.clock.now(), timedelta()

        def start_between_reads_and_writes(method: str, params: dict) -> None:
            if is_write_batch(method, params):  # the chunk's reads went through
                day.portal.on_request = None
                day.portal.unavailable_for(120)
                raise RestError("QUERY_LIMIT_EXCEEDED", "Service unavailable", 503)

        day.portal.on_request = start_between_reads_and_writes
        process_inbox(day.sessions, day.settings)
        assert day.portal.outage_fault() is not None, "no write batch started the outage"
        while day.portal.outage_fault() is not None:
            process_inbox(day.sessions, day.settings, now=later(offset))
            day.portal.clock.advance(5)
            offset += timedelta(seconds=5)
        with day.sessions() as s:
            rows = list(s.scalars(select(InboxEvent).where(InboxEvent.status != "done")))
        seen["waiting"], seen["attempts"] = len(rows), max(r.attempts for r in rows)
        seen["dead"] = sum(r.status == "dead" for r in rows)
        day.drain_here(now=later(offset + timedelta(hours=1)))  # every backoff has run out
        day.portal.outage = None  # over: going back in time must not bring it back
        day.portal.clock.set(before)

    with new_day() as day:
        day.fault_at, day.fault = FAULT_AT, outage
        got = play(day)
    assert seen["waiting"] > 0 and seen["attempts"] >= 3 and seen["dead"] == 0, seen
    assert_same(got, baseline)


def test_tokens_expiring_between_sub_batches_lose_nothing(new_day, baseline) -> None:
    """Chunks of three events: every second batch request (the write batch after a chunk's
    read batch, or the next chunk's reads) meets an access token that has just expired."""
    seen = {"batches": 0, "expired": 0}

    def expire_every_other(method: str, params: dict) -> None:
        if method.lower() != "batch":
            return
        seen["batches"] += 1
        if seen["batches"] % 2 == 0:
            seen["expired"] += day.portal.expire_access_tokens()

    def expiring(day: Day) -> None:
        with day.sessions() as s:
            tokens_before = portals.find(s, day.portal.member_id).refresh_token
        small = replace(day.settings, inbox_chunk_size=3)
        day.portal.on_request = expire_every_other
        try:
            day.cloud.wait_idle(30)
            while process_inbox(day.sessions, small, max_rounds=20):
                pass
        finally:
            day.portal.on_request = None
        with day.sessions() as s:
            seen["rotated"] = portals.find(s, day.portal.member_id).refresh_token != tokens_before

    with new_day() as day:
        day.fault_at, day.fault = FAULT_AT, expiring
        got = play(day)
    assert seen["expired"] >= 2 and seen["rotated"], seen
    assert_same(got, baseline)


@pytest.mark.long  # three portals: over 20 s on PostgreSQL
def test_revoked_portal_is_marked_and_others_lose_nothing(new_day, baseline) -> None:
    """Two other portals revoke the app (PAYMENT_REQUIRED), one with events of its own in the
    inbox: they are not retried, both portals are marked, no job calls them again, the events
    are kept pending (untouched) for the day the app is installed again; acme's day is the
    fault-free one."""
    def revoke(day: Day) -> None:
        beta = day.cloud.portal("beta")
        manager = beta.meta["managers"][0]
        for n in range(3):
            beta.invoke("crm.deal.add", {"fields": {"TITLE": f"Beta {n}", "STAGE_ID": "NEW",
                                                    "ASSIGNED_BY_ID": manager}}, user_id=manager)
        day.cloud.wait_idle(30)
        beta.revoke()
        day.cloud.portal("gamma").revoke()  # nothing in the inbox: only the jobs notice

    with new_day(extra_portals=("beta", "gamma")) as day:
        day.fault_at, day.fault = FAULT_AT, revoke
        got = play(day)
        beta = day.cloud.portal("beta")
        with day.sessions() as s:
            row = portals.find(s, beta.member_id)
            status, error, stats = row.status, row.last_error, inbox.stats(s, row.id)
            quiet = portals.find(s, day.cloud.portal("gamma").member_id).status
        knocks: list[str] = []
        for name in ("beta", "gamma"):  # counts rejected requests too
            day.cloud.portal(name).on_request = lambda method, params: knocks.append(method)
        for job in (runner.sync_all, runner.telephony_missed, runner.exchange_sweeps,
                    runner.exchange_stale, runner.lead_deadlines, runner.audit_callbacks):
            job(day.app)
        day.catch_up()
    assert quiet == "gone"
    assert status == "gone" and "PAYMENT_REQUIRED" in (error or ""), (status, error)
    assert stats.pending >= 3 and stats.processing == stats.dead == 0, stats
    assert knocks == []  # no job calls the revoked portal again
    assert_same(got, baseline)
