"""Many portals, one worker: healthy portals' drain rate with and without one failing portal.

    python -m bench.many_portals [--portals 200] [--events 20] [--fault 503|revoked|refresh]
                                 [--repeat 3] [--inline-retries N] [--database-url URL]

Every portal lives on one emulated cloud (one LiveServer, the real limit on: burst 50, 2 req/s
per portal) and is installed straight into our database with a token pair the cloud issued
(what the install callback stores; 200 install round trips would measure the install, not the
worker). The backlog is interleaved: event j of every portal before event j+1 of any. One worker
(`process_inbox`) drains it twice: all portals healthy, then with the first portal failing
(503 on every request, revoked, or its refresh refused); then that portal heals and its kept
events drain before the next pair. The figure is healthy events per
second of wall time, best of `--repeat` pairs of runs (the machine may be shared); their
ratio shows what the failing portal costs the others.
`--inline-retries N` gives the worker a client that retries 503s N times with backoff sleeps
inside the shared loop (the worker before issue 08), to show what that costs.
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from b24.ratelimit import forget_buckets
from bench.common import BENCH_TOKEN_KEY, round_trip, round_trip_label, temp_sqlite_url
from config import Secret, Settings
from sandbox import App, Cloud, LiveServer, PortalState, make_wsgi_app
from sandbox.limits import LeakyBucket
from sandbox.seed import seed_bulk_deals
from sandbox.tokens import ROTATED
from store import crypto, inbox, portals
from store.models import InboxEvent

CLIENT_ID, CLIENT_SECRET = "local.fleet00000000000.00000000", "fleet-client-secret"
SCOPES = ("crm", "user")
FAULTS = ("503", "revoked", "refresh")


@dataclass
class Fleet:
    """The cloud's portals and our portal ids, in install order."""

    cloud: Cloud
    app: App
    portals: list[PortalState]
    ids: dict[str, int]  # member_id -> our portal id

    def id_of(self, portal: PortalState) -> int:
        return self.ids[portal.member_id]


@contextmanager
def counted_cloud(trip: tuple[float, float] = (0.0, 0.0)) -> Iterator[tuple[Cloud, Counter[str]]]:
    """running_cloud() that also counts the HTTP requests it gets: per portal name, "oauth"."""
    cloud = Cloud(round_trip=trip)
    hits: Counter[str] = Counter()
    lock = threading.Lock()
    wsgi = make_wsgi_app(cloud)

    def counting(environ: dict, start_response: Callable) -> Iterable[bytes]:
        parts = environ.get("PATH_INFO", "").split("/")
        key = parts[2] if len(parts) > 2 and parts[1] == "p" else parts[1] if len(parts) > 1 \
            else ""
        with lock:
            hits[key] += 1
        return wsgi(environ, start_response)

    server = LiveServer(counting)
    cloud.url, cloud.server = server.url, server
    try:
        yield cloud, hits
    finally:
        cloud.close()
        server.stop()


def install(portal: PortalState, app: App, session: Session, now: datetime) -> int:
    """Install on the portal and store what ONAPPINSTALL would have told us; our portal id."""
    portal.install_app(app, None, None, admin_user_id=min(portal.admins))
    grant = portal.cloud.tokens.issue(portal, app, min(portal.admins))
    row = portals.upsert_installed(session, portals.Installation(
        member_id=portal.member_id, domain=portal.domain,
        client_endpoint=portal.client_endpoint, server_endpoint=portal.server_endpoint,
        access_token=grant.access_token, refresh_token=grant.refresh_token,
        token_expires_at=datetime.fromtimestamp(grant.expires_at, UTC),
        application_token=portal.application_token, scope=",".join(SCOPES),
        installer_user_id=min(portal.admins)), now)
    session.flush()
    return row.id


def install_fleet(cloud: Cloud, sessions: sessionmaker[Session], n: int) -> Fleet:
    crypto.use(crypto.KeyRing([BENCH_TOKEN_KEY]))  # tokens at rest, as create_app would set
    app = cloud.apps.get(CLIENT_ID) or cloud.register_app(CLIENT_ID, CLIENT_SECRET, SCOPES)
    fleet = Fleet(cloud, app, [], {})
    now = datetime.now(UTC)
    with sessions() as session:
        for i in range(n):
            portal = cloud.add_portal(f"fleet{i:03d}")
            portal.record_calls = True
            fleet.portals.append(portal)
            fleet.ids[portal.member_id] = install(portal, app, session, now)
        session.commit()
    return fleet


def new_deals(portal: PortalState, n: int) -> list[int]:
    """n deals inserted into the portal without events (the backlog is made separately)."""
    table = portal.table("crm.deal")
    before = set(table.rows)
    seed_bulk_deals(portal, n, seed=len(before))
    return sorted(set(table.rows) - before)


def enqueue_interleaved(sessions: sessionmaker[Session], fleet: Fleet,
                        deals: dict[str, list[int]], now: datetime) -> int:
    """Event j of every portal before event j+1 of any: the order webhooks would arrive in."""
    count = 0
    with sessions() as session:
        for j in range(max(len(ids) for ids in deals.values())):
            for portal in fleet.portals:
                ids = deals[portal.member_id]
                if j < len(ids):
                    inbox.record(session, portal_id=fleet.id_of(portal), code="ONCRMDEALUPDATE",
                                 event_ts=None, now=now, payload={
                                     "event": "ONCRMDEALUPDATE",
                                     "data": {"FIELDS": {"ID": str(ids[j])}}})
                    count += 1
        session.commit()
    return count


def inject(fault: str, portal: PortalState) -> None:
    """Make one portal fail in one of the three ways a portal fails for good or for long."""
    if fault == "503":  # its counter is full for good (another app eats the budget)
        portal.bucket = LeakyBucket(portal.clock.time, capacity=0)
    elif fault == "revoked":  # unpaid / blocked: REST and refresh answer PAYMENT_REQUIRED
        portal.revoke()
    elif fault == "refresh":  # the access token expired and the refresh token is refused
        portal.expire_access_tokens()
        for grant in portal.cloud.tokens.of_portal(portal):
            grant.state = ROTATED  # as if used elsewhere: invalid_grant from now on
    else:
        raise ValueError(f"unknown fault {fault!r}")


def heal(fault: str, portal: PortalState, fleet: Fleet, sessions: sessionmaker[Session]) -> None:
    """The portal is usable again: the limit frees up, or the admin installs the app again."""
    if fault == "503":
        portal.bucket = LeakyBucket(portal.clock.time)
        return
    with sessions() as session:
        install(portal, fleet.app, session, datetime.now(UTC))
        session.commit()


def pending_of(sessions: sessionmaker[Session], portal_ids: Iterable[int]) -> int:
    """Events of these portals not yet done (pending, processing or dead)."""
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(InboxEvent).where(
            InboxEvent.portal_id.in_(list(portal_ids)), InboxEvent.status != "done")) or 0


def drain_healthy(sessions: sessionmaker[Session], settings: Settings, healthy: list[int], *,
                  factory: Callable | None = None, timeout: float = 600.0) -> float:
    """Run the worker until every healthy portal's event is done; seconds of wall time."""
    from jobs.inbox import process_inbox

    t0 = time.perf_counter()
    while pending_of(sessions, healthy):
        if not process_inbox(sessions, settings, client_factory=factory, max_rounds=1):
            time.sleep(0.01)  # nothing due yet (a backoff): do not spin on the database
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError("healthy portals did not drain")
    return time.perf_counter() - t0


def run_once(fleet: Fleet, sessions: sessionmaker[Session], settings: Settings, events: int, *,
             failing: PortalState | None, factory: Callable | None) -> tuple[int, float]:
    """One backlog over the whole fleet; (healthy events, seconds to drain them)."""
    deals = {p.member_id: new_deals(p, events) for p in fleet.portals}
    enqueue_interleaved(sessions, fleet, deals, datetime.now(UTC) - timedelta(seconds=1))
    healthy = [fleet.id_of(p) for p in fleet.portals if p is not failing]
    return len(healthy) * events, drain_healthy(sessions, settings, healthy, factory=factory)


def settings_for(cloud: Cloud, url: str) -> Settings:
    return Settings(b24_client_id=CLIENT_ID, b24_client_secret=Secret(CLIENT_SECRET),
                    app_public_url="http://127.0.0.1:9", secret_key=Secret("bench"),
                    token_keys=(Secret(BENCH_TOKEN_KEY),),
                    database_url=url, b24_oauth_url=cloud.url, log_level="WARNING")


def retry_now(sessions: sessionmaker[Session], portal_id: int) -> None:
    """The operator's "retry now" after a fix: the portal's backed-off events are due at once."""
    with sessions() as session, session.begin():
        session.execute(update(InboxEvent).where(
            InboxEvent.portal_id == portal_id, InboxEvent.status == "pending")
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))


def pair(fleet: Fleet, sessions: sessionmaker[Session], settings: Settings, hits: Counter[str],
         args: argparse.Namespace, factory: Callable | None) -> tuple[float, float, int]:
    """A clean run, a run with portal 0 failing, then portal 0 healed and its backlog drained.

    Returns (clean events/s, faulty events/s, requests the failing portal got).
    """
    n, clean = run_once(fleet, sessions, settings, args.events, failing=None, factory=factory)
    failing = fleet.portals[0]
    inject(args.fault, failing)
    before = hits[failing.name]
    m, faulty = run_once(fleet, sessions, settings, args.events, failing=failing,
                         factory=factory)
    calls = hits[failing.name] - before
    kept = pending_of(sessions, [fleet.id_of(failing)])
    print(f"  all healthy: {n} events in {clean:.1f} s = {n / clean:.1f} events/s; one failing "
          f"({args.fault}): {m} healthy events in {faulty:.1f} s = {m / faulty:.1f} events/s, "
          f"the failing portal got {calls} requests and kept {kept} events", flush=True)
    heal(args.fault, failing, fleet, sessions)
    retry_now(sessions, fleet.id_of(failing))
    drain_healthy(sessions, settings, [fleet.id_of(failing)], factory=factory)
    return n / clean, m / faulty, calls


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--portals", type=int, default=200)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--fault", choices=FAULTS, default="503")
    parser.add_argument("--repeat", type=int, default=3, help="pairs of runs; best of each kept")
    parser.add_argument("--inline-retries", type=int, default=0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    from handlers.context import client_for
    from store.db import make_engine, make_session_factory
    from store.migrate import upgrade

    for name in ("jobs.inbox", "b24", "handlers.tokens"):  # a warning per failed try
        logging.getLogger(name).setLevel(logging.CRITICAL)
    forget_buckets()
    url = args.database_url or temp_sqlite_url()
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with counted_cloud(round_trip()) as (cloud, hits):
        settings = settings_for(cloud, url)
        factory = ((lambda p: client_for(p, sessions, settings,
                                         max_attempts=args.inline_retries))
                   if args.inline_retries else None)
        fleet = install_fleet(cloud, sessions, args.portals)
        run_once(fleet, sessions, settings, 1, failing=None, factory=factory)  # warm-up
        print(f"many portals: {args.portals} portals x {args.events} events, interleaved, "
              f"one worker, fault {args.fault}, best of {args.repeat}"
              + (f", in-line retries {args.inline_retries}" if args.inline_retries else "")
              + f", {round_trip_label()}", flush=True)
        pairs = [pair(fleet, sessions, settings, hits, args, factory)
                 for _ in range(args.repeat)]
    engine.dispose()
    clean, faulty = max(p[0] for p in pairs), max(p[1] for p in pairs)
    result = {"clean_events_per_s": clean, "faulty_events_per_s": faulty,
              "ratio": faulty / clean, "failing_calls": max(p[2] for p in pairs)}
    print(f"  best: {faulty:.1f} events/s with the failing portal, {clean:.1f} without; "
          f"ratio {result['ratio']:.2f}")
    return result


if __name__ == "__main__":
    main()
