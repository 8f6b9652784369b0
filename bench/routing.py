"""The PBX routing API under gunicorn on loopback: p50/p99 at 200 requests/s (target p99 < 50 ms).

    python -m bench.routing [--rate 200] [--seconds 70] [--workers 2] [--contacts 20000]
                            [--database-url URL]

The mirror holds a company (root → commercial directorate → sales with 20 managers and a
sub-team), 20 000 contacts, 20 000 open deals and 2 000 open leads. An open-loop generator
sends route requests at a fixed rate — known clients, clients with several deals, and unknown
numbers — with the portal's X-PBX-Secret; every answer must be 200 with a plan. The run is
longer than the directory TTL (60 s), so every worker rebuilds its snapshot in the background
(structure every 10 s, phones and deals once) while it is measured.

Presence is in the plan (issue 18): a quarter of the managers are away (leave, a closed work
day, offline) and a writer thread plays the presence job, saving a changed set of rows every
5 s, so each worker's 10-s rebuild reads new presence while requests are measured; the group
rings in turn ordered by load (the ranking's two grouped reads are part of every rebuild).
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import insert, select

from bench.common import (
    MEMBER_ID,
    free_port,
    open_loop,
    prepared_database,
    start_gunicorn,
    summary_ms,
    temp_sqlite_url,
)
from handlers.exchange import config as exchange_config
from handlers.routing import config
from store import portals
from store import presence as presence_store
from store import routing as routing_store
from store.db import make_engine, make_session_factory
from store.models import Contact, Deal, Department, Lead, User
from store.routing_models import RoutingCall

OWNER, DIRECTOR, HEAD, EXCHANGE = 1, 2, 3, 900
MANAGERS = list(range(10, 30))


def seed(url: str, contacts: int) -> str:
    """Bulk inserts; returns the PBX secret."""
    rnd, now = random.Random(4), datetime.now(UTC)
    factory = make_session_factory(make_engine(url))
    with factory() as s:
        pid = portals.find(s, MEMBER_ID).id
        s.execute(insert(Department), [
            {"portal_id": pid, "b24_department_id": 1, "name": "ТД «Вектор»", "head_id": OWNER},
            {"portal_id": pid, "b24_department_id": 2, "name": "Коммерческая дирекция",
             "parent_id": 1, "head_id": DIRECTOR},
            {"portal_id": pid, "b24_department_id": 3, "name": "Отдел продаж", "parent_id": 2,
             "head_id": HEAD},
            {"portal_id": pid, "b24_department_id": 4, "name": "Телемаркетинг", "parent_id": 3}])
        people = [(OWNER, [1]), (DIRECTOR, [2]), (HEAD, [3]), (EXCHANGE, [3]),
                  *((m, [3 if m < 25 else 4]) for m in MANAGERS)]
        s.execute(insert(User), [{"portal_id": pid, "b24_user_id": u, "name": f"Сотрудник{u}",
                                  "last_name": "Тестов", "active": u != 12, "department_ids": d,
                                  "phone_inner": str(100 + u)} for u, d in people])
        s.execute(insert(Contact), [{"portal_id": pid, "entity_type": "CONTACT", "b24_id": i,
                                     "name": f"Клиент {i}", "assigned_by_id": rnd.choice(MANAGERS),
                                     "phones": [f"+7916{i:07d}"], "emails": []}
                                    for i in range(1, contacts + 1)])
        s.execute(insert(Deal), [{
            "portal_id": pid, "b24_deal_id": i, "title": f"Сделка {i}", "category_id": 0,
            "stage_id": "NEW", "stage_semantic": "P", "assigned_by_id": rnd.choice(MANAGERS),
            "contact_id": rnd.randint(1, contacts), "currency_id": "RUB", "closed": False,
            "deleted": False, "fields": {},
            "date_modify": now - timedelta(minutes=rnd.randint(1, 60 * 24 * 30))}
            for i in range(1, contacts + 1)])
        s.execute(insert(Lead), [{
            "portal_id": pid, "b24_lead_id": i, "title": f"Лид {i}", "status_id": "NEW",
            "status_semantic": "P", "assigned_by_id": rnd.choice(MANAGERS), "deleted": False,
            "phones": [f"8 (903) {i:03d}-{i % 100:02d}-{i % 97:02d}"]} for i in range(1, 2001)])
        config.save(s, pid, config.RoutingConfig(sales_department_ids=[3, 4], work_days=[
            *range(7)], work_start="00:00", work_end="00:00", group_mode="turn",
            group_order="load"), user_id=OWNER, now=now)
        presence_store.save_presence(s, pid, presence_round(0), now=now)
        exchange_config.save(s, pid, exchange_config.ExchangeConfig(exchange_user_id=EXCHANGE),
                             user_id=OWNER, now=now)
        secret = routing_store.issue_pbx_secret(s, pid, user_id=OWNER, now=now)
        s.commit()
    if url.startswith("postgresql"):  # planner statistics, as autovacuum would (page_render)
        engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
        engine.dispose()
    return secret


REASONS = (("absent", "absence"), ("day_closed", "timeman"), ("offline", "online"))


def presence_round(n: int) -> dict[int, tuple]:
    """Round n of the presence job: every fourth manager away, the set shifting each round."""
    rows: dict[int, tuple] = {}
    for i, user in enumerate([HEAD, *MANAGERS]):
        reason, source = REASONS[i % 3]
        rows[user] = (reason, None, source) if (i + n) % 4 == 0 else (None, None, "")
    return rows


def play_presence_job(url: str, stop: threading.Event, every: float = 5.0) -> int:
    """What jobs.routing.refresh_presence writes, without a portal: new rows every `every` s."""
    factory = make_session_factory(make_engine(url))
    rounds = 0
    while not stop.wait(every):
        rounds += 1
        with factory() as s:
            pid = portals.find(s, MEMBER_ID).id
            presence_store.save_presence(s, pid, presence_round(rounds), now=datetime.now(UTC))
            s.commit()
    return rounds


def caller(i: int, contacts: int) -> str:
    """Two in three known clients (most with open deals), one in three unknown numbers."""
    if i % 3 == 2:
        return f"+7 925 {i % 1000:03d}-{i % 100:02d}-{i % 89:02d}"
    return f"8 (916) {(i * 7919) % contacts + 1:07d}"


def load(url: str, secret: str, rate: float, seconds: float, contacts: int,
         senders: int = 16) -> tuple[list[float], int]:
    headers = {"X-PBX-Secret": secret}

    def send(http: requests.Session, i: int) -> bool:
        response = http.post(url, json={"caller": caller(i, contacts), "line": "74951234567"},
                             headers=headers, timeout=10)
        return response.status_code == 200 and bool(response.json().get("steps"))

    total = int(rate * seconds)
    latencies, failures = open_loop(total, rate, send, senders=senders)
    assert len(latencies) == total
    return latencies, failures


def warm_up(route: str, secret: str, contacts: int, workers: int) -> float:
    """Concurrent bursts until one comes back all fast: every worker has built its snapshot.
    Returns the slowest answer seen, i.e. a worker's first request (the cold build); later
    rebuilds run in the background and are part of the measured run."""
    slowest = 0.0
    with ThreadPoolExecutor(4 * workers) as pool:
        for burst in range(50):
            answers = list(pool.map(lambda i: requests.post(
                route, json={"caller": caller(i, contacts)}, headers={"X-PBX-Secret": secret},
                timeout=30), range(burst * 40, burst * 40 + 40)))
            assert all(a.status_code == 200 for a in answers)
            worst = max(a.elapsed.total_seconds() for a in answers)
            slowest = max(slowest, worst)
            if burst >= 2 and worst < 0.05:
                break
    return slowest


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=70)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--contacts", type=int, default=20000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    url = args.database_url or temp_sqlite_url()
    prepared_database(url)
    secret = seed(url, args.contacts)
    port = free_port()
    proc = start_gunicorn(url, port, args.workers, wait=60.0, probe_timeout=5.0)
    route = f"http://127.0.0.1:{port}/pbx/{MEMBER_ID}/route"
    try:
        cold = warm_up(route, secret, args.contacts, args.workers)
        print(f"routing: {args.rate:.0f} req/s for {args.seconds:.0f} s, gunicorn -w "
              f"{args.workers}, {url.split(':')[0]}, {args.contacts} contacts; first request "
              f"of a worker (snapshot build) {cold * 1000:.0f} ms", flush=True)
        stop = threading.Event()
        writer = threading.Thread(target=play_presence_job, args=(url, stop), daemon=True)
        writer.start()
        t0 = time.perf_counter()
        latencies, failures = load(route, secret, args.rate, args.seconds, args.contacts)
        wall = time.perf_counter() - t0
        stop.set()
        writer.join(10)
    finally:
        proc.terminate()
        proc.wait(10)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        rows = len(session.scalars(select(RoutingCall.id)).all())
        skipped = sum(bool(x) for x in session.scalars(select(RoutingCall.skipped)))
    engine.dispose()
    ordered = sorted(latencies)
    result = {"sent": len(latencies), "errors": failures, "rows": rows, "skipped": skipped,
              "rps": len(latencies) / wall, "p50_ms": ordered[len(ordered) // 2] * 1000,
              "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000}
    print(f"  sent {len(latencies)}, errors {failures}, routing_calls rows {rows} "
          f"({skipped} with a step skipped for presence), achieved {result['rps']:.0f} req/s")
    print(f"  latency: {summary_ms(latencies)}")
    return result


if __name__ == "__main__":
    main()
