"""200 portals on one emulated cloud, one of them failing: the others never wait for it.

Measured in worker rounds with an injected clock, not in wall time. Each test drains the same
interleaved backlog twice, first with every portal healthy, then with portal 0 failing (503 on
every request, revoked, or its refresh refused), and asserts:
- every healthy portal finishes no later (in rounds) than in the fault-free run, each of its
  events read exactly once and done at the first attempt;
- the failing portal costs the worker at most one request (plus one refresh) per round, the
  worker never sleeps (in the client or on a rate bucket) while healthy work is due;
- the failing portal's events are kept pending (not done, not dead) and are processed exactly
  once when the portal is usable again.
Chunks of 2 events, 4 events per portal: every portal needs two chunks and, with 100 portals
served per round, healthy work is still due when the failing portal is retried (rounds 1, 3).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from b24.ratelimit import bucket_for
from bench.many_portals import (
    Fleet,
    counted_cloud,
    enqueue_interleaved,
    heal,
    inject,
    install_fleet,
    new_deals,
    pending_of,
)
from jobs.inbox import process_inbox
from store.models import InboxEvent
from tests.conftest import make_settings

pytestmark = pytest.mark.e2e

PORTALS, EVENTS, CHUNK = 200, 4, 2
STEP = timedelta(seconds=1)


@dataclass
class Run:
    """What one drain looked like, round by round."""

    start: datetime
    deals: dict[str, list[int]]
    requests: list[Counter] = field(default_factory=list)  # per round: portal name -> HTTP hits
    slept: list[tuple[int, float]] = field(default_factory=list)  # (round, seconds)
    healthy_until: int = 0  # the round in which the last healthy event was done

    def done_rounds(self, sessions, fleet: Fleet) -> dict[str, int]:
        """The round each portal's last event of this run was done in."""
        names = {fleet.id_of(p): p.name for p in fleet.portals}
        out: dict[str, int] = {}
        with sessions() as s:
            rows = s.execute(select(InboxEvent.portal_id, InboxEvent.done_at).where(
                InboxEvent.received_at == self.start, InboxEvent.status == "done"))
            for pid, done_at in rows:
                when = done_at if done_at.tzinfo else done_at.replace(tzinfo=UTC)
                out[names[pid]] = max(out.get(names[pid], 0), round((when - self.start) / STEP))
        return out


def drain(fleet: Fleet, sessions, settings, hits: Counter, start: datetime, *,
          failing=None, extra_rounds: int = 0) -> Run:
    """Round k runs at start + k s; stops `extra_rounds` after the healthy portals are done."""
    run = Run(start, {p.member_id: new_deals(p, EVENTS) for p in fleet.portals})
    enqueue_interleaved(sessions, fleet, run.deals, start)
    healthy = [fleet.id_of(p) for p in fleet.portals if p is not failing]
    for k in range(1, 60):
        now = start + k * STEP
        before = Counter(hits)
        process_inbox(sessions, settings, now=lambda t=now: t, max_rounds=1,
                      sleep=lambda s, k=k: run.slept.append((k, s)))
        run.requests.append(Counter(hits) - before)
        if not run.healthy_until and not pending_of(sessions, healthy):
            run.healthy_until = k
        if run.healthy_until and k >= run.healthy_until + extra_rounds:
            return run
    raise AssertionError("healthy portals did not drain in 60 rounds")


def reads_of(portal, deal_ids: list[int]) -> Counter:
    """Each deal read, whether by crm.deal.get or within a pipelined crm.deal.list @ID."""
    wanted = set(deal_ids)
    got = Counter(int(c.params["id"]) for c in portal.calls_to("crm.deal.get")
                  if int(c.params["id"]) in wanted)
    for c in portal.calls_to("crm.deal.list"):
        ids = ((c.params.get("filter") or {}).get("@ID")) or []
        got.update(int(i) for i in ids if int(i) in wanted)
    return got


def attempts_of(sessions, fleet: Fleet, portal, start: datetime) -> list[tuple[str, int]]:
    with sessions() as s:
        return list(s.execute(select(InboxEvent.status, InboxEvent.attempts).where(
            InboxEvent.portal_id == fleet.id_of(portal), InboxEvent.received_at == start)))


@pytest.mark.long
@pytest.mark.parametrize("fault", ["503", "revoked", "refresh"])
def test_failing_portal_costs_the_others_nothing(fault, migrated, sessions) -> None:
    with counted_cloud() as (cloud, hits):
        settings = make_settings(migrated, b24_oauth_url=cloud.url, inbox_chunk_size=CHUNK)
        fleet = install_fleet(cloud, sessions, PORTALS)
        failing, healthy = fleet.portals[0], fleet.portals[1:]
        t0 = datetime.now(UTC).replace(microsecond=0)

        clean = drain(fleet, sessions, settings, hits, t0)
        inject(fault, failing)
        faulty = drain(fleet, sessions, settings, hits, t0 + timedelta(hours=1),
                       failing=failing, extra_rounds=6)

        # the healthy portals: no later than without the fault, every event once, first try
        # (some finish a round earlier: a failed portal waits behind those due longer)
        expected = clean.done_rounds(sessions, fleet)
        got = faulty.done_rounds(sessions, fleet)
        late = {p.name: (got.get(p.name), expected[p.name]) for p in healthy
                if got.get(p.name, 99) > expected[p.name]}
        assert late == {}
        # 400 events in chunks of 100: 4 rounds one chunk at a time, fewer since a round
        # pipelines several chunks into one batch (INBOX_PIPELINE_CHUNKS); never more than 4
        assert 1 < max(expected.values()) == faulty.healthy_until <= 4
        for portal in healthy:
            deals = faulty.deals[portal.member_id]
            assert reads_of(portal, deals) == Counter(deals)  # each read exactly once
            assert attempts_of(sessions, fleet, portal, faulty.start) == [("done", 1)] * EVENTS

        # the failing portal's share: one request (and one refresh) per round at most
        assert all(r[failing.name] <= 1 and r["oauth"] <= 1 for r in faulty.requests)
        tries = sum(r[failing.name] for r in faulty.requests)
        assert 1 <= tries <= 3  # backoff 2 s then 4 s (its whole backlog waits), once if revoked
        assert all(k > faulty.healthy_until for k, _ in faulty.slept + clean.slept)
        assert sum(bucket_for(p.member_id).waited for p in fleet.portals) == 0

        # its events are kept, then processed exactly once when the portal is usable again
        assert {status for status, _ in attempts_of(sessions, fleet, failing, faulty.start)} \
            == {"pending"}
        heal(fault, failing, fleet, sessions)
        later = t0 + timedelta(hours=3)
        for k in range(1, 4):
            process_inbox(sessions, settings, now=lambda t=later + k * STEP: t, max_rounds=2)
        assert {s for s, _ in attempts_of(sessions, fleet, failing, faulty.start)} == {"done"}
        deals = faulty.deals[failing.member_id]
        assert reads_of(failing, deals) == Counter(deals)


def test_per_portal_jobs_make_one_try_on_a_failing_portal(migrated, sessions) -> None:
    from app import create_app
    from jobs.runner import for_each_portal

    def count_deals(ctx) -> int:
        return len(ctx.b24.call("crm.deal.list", {"select": ["ID"]}))

    with counted_cloud() as (cloud, hits):
        app = create_app(make_settings(migrated, b24_oauth_url=cloud.url))
        app.extensions["db_sessions"] = sessions
        fleet = install_fleet(cloud, sessions, 3)
        failing = fleet.portals[0]
        inject("503", failing)
        results = for_each_portal(app, count_deals)
    assert set(results) == {p.member_id for p in fleet.portals[1:]}
    assert hits[failing.name] == 1  # no backoff retries inside the loop over portals
    assert bucket_for(failing.member_id).waited == 0
