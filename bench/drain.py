"""Backlog drain under the portal's 2 req/s limit: our chunked worker vs a naive handler.

    python -m bench.drain [--events 3000] [--naive-events 30] [--sync-events 300]

Each event is an ONCRMDEALUPDATE whose handler reads the deal and writes a score field when it
differs (the STYLE example). Ours, pipelined: one batch per chunk of 49 events, carrying its
49 writes and the next chunk's reads (one crm.deal.list for 49 ids); ours, two requests (the
same worker with INBOX_PIPELINE_CHUNKS=1): a read batch and a write batch per 50 events.
Naive: one crm.deal.get and one crm.deal.update per event. All start with the portal's burst
allowance used up, so the figures are the steady state the limit allows (the emulator answers
503 above it; the client's own bucket keeps us under). With --sync-events the same backlog
drains while the periodic sync runs back to back in a second thread (SYNC_INTERVAL_SECONDS ~ 0),
as in `flask serve`: the sync's background lane must leave the events their budget.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from b24.events import B24Event
from b24.ratelimit import bucket_for
from bench.common import round_trip, round_trip_label
from bench.harness import installed_rig
from handlers import router
from handlers.context import HandlerContext, client_for
from handlers.deals import deal_id, deal_reads
from handlers.router import Read
from jobs.inbox import process_inbox
from jobs.runner import sync_all
from sandbox import RestError
from sandbox.seed import seed_bulk_deals
from store import inbox, portals

SCORE = "UF_CRM_SCORE"


def score(deal: dict) -> str:
    return str(int(float(deal.get("OPPORTUNITY") or 0) // 1000))


def score_reads(event: B24Event) -> Iterable[Read]:
    return deal_reads(event)  # the same key as the mirror handler: one read serves both


def on_deal_score(event: B24Event, ctx: HandlerContext) -> None:
    did = deal_id(event)
    deal = ctx.read(f"deal:{did}")
    if str(deal.get(SCORE) or "") != score(deal):
        ctx.write("crm.deal.update", {"id": did, "fields": {SCORE: score(deal)}},
                  key=f"deal-score:{did}")


def use_up_burst(rig) -> None:
    """Start from the limit's steady state: the portal's and our bucket both full."""
    try:
        for _ in range(int(rig.portal.bucket.capacity) + 1):
            rig.portal.bucket.take()
    except RestError:
        pass  # full
    bucket_for(rig.portal.member_id).note_limited()


def make_deals(rig, n: int) -> list[int]:
    """Inserted straight into the portal (no events): the backlog is made separately."""
    table = rig.portal.table("crm.deal")
    before = set(table.rows)
    seed_bulk_deals(rig.portal, n, seed=len(before))
    return sorted(set(table.rows) - before)


def enqueue(rig, ids: list[int]) -> None:
    with rig.sessions() as session:
        portal_id = portals.find(session, rig.portal.member_id).id
        now = datetime.now(UTC)
        for did in ids:
            inbox.record(session, portal_id=portal_id, code="ONCRMDEALUPDATE", event_ts=None,
                         payload={"event": "ONCRMDEALUPDATE", "data": {"FIELDS": {"ID": str(did)}}},
                         now=now)
        session.commit()


def run_ours(rig, n: int, settings=None) -> float:
    ids = make_deals(rig, n)
    enqueue(rig, ids)
    use_up_burst(rig)
    t0 = time.perf_counter()
    while process_inbox(rig.sessions, settings or rig.settings, max_rounds=1000):
        pass
    elapsed = time.perf_counter() - t0
    written = sum(1 for d in ids if rig.portal.table("crm.deal").get(d).get(SCORE))
    assert written == n, f"only {written} of {n} deals scored"
    return elapsed


def run_with_sync(rig, n: int) -> tuple[float, int]:
    """(seconds to drain n events while the sync never pauses, sync requests meanwhile).

    The sync runs first until it has spent its burst and sends at its steady pace; then the
    backlog arrives, as events do on a portal that a short SYNC_INTERVAL_SECONDS keeps busy.
    """
    ids = make_deals(rig, n)
    sync_all(rig.app)  # the first sync copies everything; later runs look for changes
    lane, stop = bucket_for(rig.portal.member_id).background, threading.Event()

    def syncing() -> None:
        while not stop.is_set():
            sync_all(rig.app)

    thread = threading.Thread(target=syncing, name="bench-sync", daemon=True)
    thread.start()
    warm = lane.sent + lane.pace.limit + 5
    while lane.sent < warm:
        time.sleep(0.05)
    enqueue(rig, ids)
    sent_before, t0 = lane.sent, time.perf_counter()
    while process_inbox(rig.sessions, rig.settings, max_rounds=1000):
        pass
    elapsed = time.perf_counter() - t0
    sync_requests = lane.sent - sent_before
    stop.set()
    thread.join(timeout=120)
    return elapsed, sync_requests


def run_naive(rig, n: int) -> float:
    ids = make_deals(rig, n)
    with rig.sessions() as session:
        b24 = client_for(portals.find(session, rig.portal.member_id), rig.sessions, rig.settings)
    use_up_burst(rig)
    t0 = time.perf_counter()
    for did in ids:
        deal = b24.call("crm.deal.get", {"id": did})
        if str(deal.get(SCORE) or "") != score(deal):
            b24.call("crm.deal.update", {"id": did, "fields": {SCORE: score(deal)}})
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--naive-events", type=int, default=30)
    parser.add_argument("--sync-events", type=int, default=300)
    args = parser.parse_args(argv)
    router.on("ONCRMDEALUPDATE", reads=score_reads)(on_deal_score)
    with installed_rig(trip=round_trip()) as rig:
        rig.portal.invoke("crm.deal.userfield.add", {"fields": {
            "FIELD_NAME": "SCORE", "USER_TYPE_ID": "string"}}, user_id=min(rig.portal.admins))
        print(f"drain: {args.events} events, portal limit 2 req/s (burst used up), "
              f"{round_trip_label()}", flush=True)
        ours = run_ours(rig, args.events)
        ours_rate = args.events / ours
        print(f"  pipelined worker (1 request per chunk): {args.events} events in {ours:.1f} s "
              f"= {ours_rate:.1f} events/s", flush=True)
        two = run_ours(rig, args.events, replace(rig.settings, inbox_pipeline_chunks=1))
        two_rate = args.events / two
        print(f"  two-request worker (reads, writes):     {args.events} events in {two:.1f} s "
              f"= {two_rate:.1f} events/s", flush=True)
        naive = run_naive(rig, args.naive_events)
        naive_rate = args.naive_events / naive
        print(f"  naive handler:  {args.naive_events} events in {naive:.1f} s = "
              f"{naive_rate:.2f} events/s")
        synced, sync_requests = run_with_sync(rig, args.sync_events)
        synced_rate = args.sync_events / synced
        print(f"  while syncing:  {args.sync_events} events in {synced:.1f} s = "
              f"{synced_rate:.1f} events/s, {sync_requests} sync requests meanwhile")
        print(f"  503 answers seen by the portal: "
              f"{sum(1 for c in rig.portal.calls if c.error == 'QUERY_LIMIT_EXCEEDED')}")
    return {"ours_events_per_s": ours_rate, "two_request_events_per_s": two_rate,
            "naive_events_per_s": naive_rate,
            "synced_events_per_s": synced_rate, "sync_requests": sync_requests}


if __name__ == "__main__":
    main()
