"""Bulk read of 100 000 deals under the portal limit: our list_all vs fast_bitrix24's get_all.

    python -m bench.bulk [--deals 100000] [--skip-peer]

Both read the same emulated portal over HTTP with the 2 req/s, burst 50 limit on. Ours pages
by ID with start=-1 and chains 50 pages in one batch (2 500 deals a request); the limit's
ceiling is 50 x 50 x 2 = 5 000 deals/s once the burst is spent.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

from b24.client import B24Client
from b24.ratelimit import LeakyBucket
from b24.tokens import MemoryTokens, TokenSet
from bench.common import round_trip, round_trip_label
from sandbox import RestError, running_cloud

SELECT = ["ID", "TITLE", "STAGE_ID", "ASSIGNED_BY_ID", "OPPORTUNITY", "DATE_MODIFY"]


def spend_burst(portal, limiter: LeakyBucket | None = None) -> None:
    """Steady state: the portal's allowance is used up (by us or another app on the IP)."""
    portal.bucket = type(portal.bucket)(portal.clock.time)
    try:
        for _ in range(int(portal.bucket.capacity) + 1):
            portal.bucket.take()
    except RestError:
        pass
    if limiter is not None:
        limiter.note_limited()


def ours(portal, token: str, *, steady: bool) -> tuple[int, float, float]:
    tokens = MemoryTokens(TokenSet(token, "unused", datetime.now(UTC) + timedelta(hours=1),
                                   portal.client_endpoint))
    limiter = LeakyBucket()
    if steady:
        spend_burst(portal, limiter)
    else:
        portal.bucket = type(portal.bucket)(portal.clock.time)
    tracemalloc.start()
    t0 = time.perf_counter()
    with B24Client(tokens, limiter=limiter) as b24:
        seen, last = 0, 0
        for deal in b24.list_all("crm.deal.list", {"select": SELECT}):
            deal_id = int(deal["ID"])
            assert deal_id > last, "order or duplicates broken"
            seen, last = seen + 1, deal_id
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seen, elapsed, peak


def peer(portal, token: str, *, steady: bool) -> tuple[int, float]:
    from fast_bitrix24 import Bitrix

    if steady:
        spend_burst(portal)
    else:
        portal.bucket = type(portal.bucket)(portal.clock.time)

    async def token_func() -> str:
        return token

    bx = Bitrix(portal.client_endpoint, token_func=token_func, verbose=False)
    t0 = time.perf_counter()
    deals = bx.get_all("crm.deal.list", params={"select": SELECT})
    elapsed = time.perf_counter() - t0
    unique = len({d["ID"] for d in deals})
    asyncio.set_event_loop(None)
    return unique, elapsed


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--skip-peer", action="store_true")
    args = parser.parse_args(argv)
    from sandbox.seed import seed_bulk_deals

    result: dict = {}
    with running_cloud(round_trip=round_trip()) as cloud:
        app = cloud.register_app("local.bulk.bench", "secret", ["crm"])
        portal = cloud.add_portal("bulk")
        seed_bulk_deals(portal, args.deals)
        portal.record_calls = False  # 100 000 rows of call log would measure the emulator
        print(f"bulk: {args.deals} deals, portal limit 2 req/s burst 50, {round_trip_label()}",
              flush=True)
        grant = cloud.tokens.issue(portal, app, min(portal.admins))
        portal.install_app(app, None, None, admin_user_id=min(portal.admins))
        for steady in (False, True):
            label = "burst spent (steady)" if steady else "fresh burst"
            n, elapsed, peak = ours(portal, grant.access_token, steady=steady)
            result[f"ours_{'steady' if steady else 'burst'}"] = n / elapsed
            print(f"  ours, {label}: {n} deals in {elapsed:.1f} s = {n / elapsed:,.0f} "
                  f"deals/s, peak traced memory {peak:.1f} MiB", flush=True)
            if not args.skip_peer:
                n2, elapsed2 = peer(portal, grant.access_token, steady=steady)
                result[f"peer_{'steady' if steady else 'burst'}"] = n2 / elapsed2
                print(f"  fast_bitrix24 1.8.14 get_all, {label}: {n2} unique deals in "
                      f"{elapsed2:.1f} s = {n2 / elapsed2:,.0f} deals/s", flush=True)
    return result


if __name__ == "__main__":
    main()
