"""Events before background work: a sync run back to back never takes the events' budget.

The portal's rate limit is on, and our bucket runs on the emulated portal's clock: a wait
moves that clock on instead of sleeping, so the figures are portal seconds and the test is
fast. The lane's gate runs one inbox pass before every background request, so the log shows
exactly what the worker got between two requests of the sync.
"""

from __future__ import annotations

from datetime import UTC, datetime

from b24.ratelimit import LeakyBucket, bucket_for, use_bucket
from handlers.context import client_for
from jobs.inbox import process_inbox
from jobs.runner import for_each_portal, sync_all
from jobs.sync import sync_portal
from sandbox.seed import seed_bulk_deals
from store import inbox, portals

EVENTS = 300


def pending(live_app, portal_id: int) -> int:
    with live_app.sessions() as s:
        return inbox.stats(s, portal_id).pending


def backlog(installed, live_app) -> int:
    """EVENTS deal changes made on the portal, acknowledged into our inbox; returns portal id."""
    table = installed.table("crm.deal")
    before = set(table.rows)
    seed_bulk_deals(installed, EVENTS, seed=11)
    sync_all(live_app.app)  # mirrored, so the later sync only looks for what changed
    manager = installed.meta["managers"][0]
    for deal_id in sorted(set(table.rows) - before):
        installed.invoke("crm.deal.update", {"id": deal_id, "fields": {"COMMENTS": "звонок"}},
                         user_id=manager)
    installed.flush_events(timeout=120)  # 300 POSTs: setup, not the measure (slow on a busy PG)
    with live_app.sessions() as s:
        portal_id = portals.find(s, installed.member_id).id
    assert pending(live_app, portal_id) >= EVENTS
    return portal_id


def test_a_sync_run_back_to_back_never_starves_300_events(installed, live_app, cloud) -> None:
    portal_id = backlog(installed, live_app)
    clock = cloud.clock
    bucket = use_bucket(installed.member_id,
                        LeakyBucket(clock=clock.time, sleep=clock.advance))
    installed.rate_limit_enabled = True
    while installed.bucket.level() < installed.bucket.capacity - 1:  # a busy minute before
        installed.bucket.take()
    bucket.note_limited()
    log: list[int] = []  # events the worker handled before each request of the sync

    def worker_pass() -> None:
        log.append(process_inbox(live_app.sessions, live_app.settings, sleep=clock.advance,
                                 now=lambda: datetime.now(UTC)))

    bucket.background.gate = worker_pass
    with live_app.sessions() as s:
        row = portals.get(s, portal_id)
        s.expunge(row)
    b24 = client_for(row, live_app.sessions, live_app.settings, max_attempts=1,
                     background=True)
    start = clock.time()
    for _ in range(5):  # SYNC_INTERVAL_SECONDS ~ 0: the next run starts as one ends
        sync_portal(live_app.sessions, portal_id, b24)
        if not pending(live_app, portal_id):
            break
    seconds = clock.time() - start
    assert pending(live_app, portal_id) == 0
    chunks = [n for n in log if n]
    # every chunk is full, and the next follows after at most ONE request of the sync
    first = log.index(chunks[0])
    # (a pass drains up to INBOX_PIPELINE_CHUNKS chunks of 49, one request each)
    assert log[first:first + len(chunks)] == chunks and sum(chunks) == EVENTS
    assert len(chunks) <= EVENTS // (49 * live_app.settings.inbox_pipeline_chunks) + 1
    # the first chunk waits only for the busy minute's burst to drain, not for the sync
    assert first <= 1 and seconds < 60, (log, seconds)
    assert not [c for c in installed.calls if c.error == "QUERY_LIMIT_EXCEEDED"]


def test_sync_and_per_portal_jobs_go_through_the_lane_events_and_call_cards_do_not(
        installed, live_app) -> None:
    lane = bucket_for(installed.member_id).background
    installed.invoke("crm.deal.add", {"fields": {"TITLE": "Заявка"}},
                     user_id=installed.meta["managers"][0])
    live_app.drain(installed)
    assert lane.sent == 0  # the inbox and the install are not background work
    sync_all(live_app.app)
    synced = lane.sent
    assert synced > 0
    for_each_portal(live_app.app, lambda ctx: ctx.b24.call("user.current"))
    assert lane.sent == synced + 1
    for_each_portal(live_app.app, lambda ctx: ctx.b24.call("user.current"), background=False)
    assert lane.sent == synced + 1
