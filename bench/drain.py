"""Backlog drain under the portal's 2 req/s limit: our chunked worker vs a naive handler.

    python -m bench.drain [--events 3000] [--naive-events 30]

Each event is an ONCRMDEALUPDATE whose handler reads the deal and writes a score field when it
differs (the STYLE example). Ours: one read batch + one write batch per 50 events. Naive: one
crm.deal.get and one crm.deal.update per event. Both start with the portal's burst allowance
used up, so the figures are the steady state the limit allows (the emulator answers 503 above
it; the client's own bucket keeps us under).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable
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


def run_ours(rig, n: int) -> float:
    ids = make_deals(rig, n)
    enqueue(rig, ids)
    use_up_burst(rig)
    t0 = time.perf_counter()
    while process_inbox(rig.sessions, rig.settings, max_rounds=1000):
        pass
    elapsed = time.perf_counter() - t0
    written = sum(1 for d in ids if rig.portal.table("crm.deal").get(d).get(SCORE))
    assert written == n, f"only {written} of {n} deals scored"
    return elapsed


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
    args = parser.parse_args(argv)
    router.on("ONCRMDEALUPDATE", reads=score_reads)(on_deal_score)
    with installed_rig(trip=round_trip()) as rig:
        rig.portal.invoke("crm.deal.userfield.add", {"fields": {
            "FIELD_NAME": "SCORE", "USER_TYPE_ID": "string"}}, user_id=min(rig.portal.admins))
        print(f"drain: {args.events} events, portal limit 2 req/s (burst used up), "
              f"{round_trip_label()}", flush=True)
        ours = run_ours(rig, args.events)
        ours_rate = args.events / ours
        print(f"  chunked worker: {args.events} events in {ours:.1f} s = {ours_rate:.1f} events/s")
        naive = run_naive(rig, args.naive_events)
        naive_rate = args.naive_events / naive
        print(f"  naive handler:  {args.naive_events} events in {naive:.1f} s = "
              f"{naive_rate:.2f} events/s")
        print(f"  503 answers seen by the portal: "
              f"{sum(1 for c in rig.portal.calls if c.error == 'QUERY_LIMIT_EXCEEDED')}")
    return {"ours_events_per_s": ours_rate, "naive_events_per_s": naive_rate}


if __name__ == "__main__":
    main()
