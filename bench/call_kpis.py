"""Call KPIs over 1 000 000 calls straight from the database (target: all of them < 2 s).

    python -m bench.call_kpis [--calls 1000000] [--database-url URL] [--runs 3]

A year of a 20-operator department on 6 lines: ~60 % incoming, ~20 % of them missed and about
half of those called back (some late), numbers reused the way clients call again. Calls go in
with executemany (SQLite) or COPY (PostgreSQL), the missed-call facts are derived set-based
(store.telephony.catch_up_missed, what the first sync of a portal runs), the hourly rollup is
built once (store.call_hours.rebuild; upsert_call keeps it as calls arrive), then every KPI
query of handlers/telephony/kpis.py runs over the whole year; the best of `--runs` is reported per
query and in total. A PostgreSQL URL gets a fresh schema (created and dropped here).
"""

from __future__ import annotations

import argparse
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, insert, text

from bench.common import MEMBER_ID, prepared_database, temp_sqlite_url
from handlers.telephony import kpis
from handlers.telephony.config import MOSCOW
from store import call_hours, portals
from store import telephony as store
from store.db import make_engine, make_session_factory
from store.models import Deal
from store.telephony_models import CallDeal

COLUMNS = ("portal_id", "call_id", "source", "call_type", "phone", "phone_raw", "line",
           "user_id", "start_at", "answer_seconds", "duration", "failed_code", "answered")
OPERATORS = list(range(10, 30))
LINES = [f"+7495100000{n}" for n in range(6)]
FIRST_DAY = date(2025, 1, 1)


def generate(pid: int, n: int, seed: int = 3) -> Iterator[tuple]:
    """Calls in time order, ~n of them over 365 days (working hours, Moscow = UTC+3)."""
    rnd = random.Random(seed)
    per_day, made, pending = n / 365, 0, []
    clients = [f"+79{rnd.randrange(10**9):09d}" for _ in range(n // 4)]
    start = datetime.combine(FIRST_DAY, datetime.min.time(), UTC) + timedelta(hours=6)
    while made < n:
        day, second = divmod(int(made / per_day * 86400), 86400)
        moment = start + timedelta(days=day, seconds=int(second * 10 * 3600 / 86400))
        while pending and pending[0][0] <= moment and made < n:  # due call-backs first
            at, phone = pending.pop(0)
            yield _row(pid, made, 1, phone, at, rnd, answered=rnd.random() < 0.85)
            made += 1
        if made >= n:
            break
        phone = rnd.choice(clients) if rnd.random() < 0.7 else f"+79{rnd.randrange(10**9):09d}"
        incoming = rnd.random() < 0.55
        answered = rnd.random() < (0.8 if incoming else 0.75)
        yield _row(pid, made, 2 if incoming else 1, phone, moment, rnd, answered=answered)
        made += 1
        if incoming and not answered and rnd.random() < 0.5:
            pending.append((moment + timedelta(minutes=rnd.choice((2, 5, 10, 15, 30, 90))),
                            phone))
            pending.sort()


def _row(pid: int, n: int, kind: int, phone: str, at: datetime, rnd: random.Random, *,
         answered: bool) -> tuple:
    return (pid, f"bench-{n}", "b24", kind, phone, phone, rnd.choice(LINES),
            rnd.choice(OPERATORS), at.replace(tzinfo=None),
            rnd.randrange(1, 25) if answered and kind != 1 else None,
            rnd.randrange(5, 900) if answered else 0, "200" if answered else "304", answered)


def load_calls(url: str, rows: Iterator[tuple], batch: int = 50_000) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        if url.startswith("postgresql"):
            with raw.cursor() as cur, cur.copy(f"COPY calls ({', '.join(COLUMNS)}) FROM STDIN") \
                    as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = (f"INSERT INTO calls ({', '.join(COLUMNS)}) VALUES "
                   f"({', '.join('?' * len(COLUMNS))})")
            chunk: list[tuple] = []
            for row in rows:
                stamp = row[8].isoformat(sep=" ", timespec="microseconds")
                chunk.append((*row[:8], stamp, *row[9:]))
                if len(chunk) >= batch:
                    raw.executemany(sql, chunk)
                    chunk.clear()
            raw.executemany(sql, chunk)
    engine.dispose()


def seed_deals(session, pid: int, n: int = 20_000) -> None:
    """Deals calls opened (a share of them won), for the per-line channel figures."""
    rnd = random.Random(9)
    session.execute(insert(Deal), [{
        "portal_id": pid, "b24_deal_id": i, "title": f"Звонок {i}", "category_id": 0,
        "stage_id": "WON" if i % 5 == 0 else "NEW", "stage_semantic": "S" if i % 5 == 0 else "P",
        "opportunity": Decimal(0), "closed": i % 5 == 0, "deleted": False, "fields": {}}
        for i in range(1, n + 1)])
    year = datetime.combine(FIRST_DAY, datetime.min.time(), UTC)
    session.execute(insert(CallDeal), [{
        "portal_id": pid, "phone": f"+79{i:09d}", "line": rnd.choice(LINES),
        "origin_call_id": f"bench-deal-{i}", "b24_deal_id": i, "status": "open",
        "call_at": year + timedelta(minutes=rnd.randrange(365 * 24 * 60)),
        "created_at": year} for i in range(1, n + 1)])
    session.commit()


def analyze(url: str, *, vacuum: bool = True) -> None:
    """Planner statistics after the bulk load; on PostgreSQL also the visibility map that
    index-only scans need (what autovacuum does within a minute of a load this size)."""
    engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    pg = url.startswith("postgresql")
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if pg and vacuum else "ANALYZE")
    engine.dispose()


def best(runs: int, fn: Callable[[], object]) -> tuple[float, float, object]:
    """Best wall time and best CPU time of this process (on SQLite the query runs here, so
    CPU time is what the query costs even when other work shares the machine)."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), result


def run(url: str, calls: int, runs: int) -> dict[str, float]:
    started = time.perf_counter()
    prepared_database(url)
    factory = make_session_factory(make_engine(url))
    with factory() as s:
        pid = portals.find(s, MEMBER_ID).id
    load_calls(url, generate(pid, calls))
    loaded = time.perf_counter()
    print(f"  inserted {calls:,} calls in {loaded - started:.1f} s (migrations included)")
    analyze(url, vacuum=False)  # as the sync job does after a bulk load (store.db.analyze)
    derived = time.perf_counter()
    with factory() as s:
        seed_deals(s, pid)
        store.catch_up_missed(s, pid)
        s.commit()
    print(f"  missed-call facts derived (set-based, what the first sync's catch-up does) in "
          f"{time.perf_counter() - derived:.1f} s")
    rolled = time.perf_counter()
    with factory() as s:  # what the telephony job does for calls that bypassed upsert_call
        call_hours.rebuild(s, pid, ring_seconds=6, long_call_seconds=180)
        s.commit()
    print(f"  hourly rollup built (store.call_hours.rebuild, once after a bulk load) in "
          f"{time.perf_counter() - rolled:.1f} s")
    analyze(url)
    period = kpis.Period.days(FIRST_DAY, FIRST_DAY + timedelta(days=364), MOSCOW)
    rules = kpis.Rules(utc_offset=3 * 3600)
    queries: dict[str, Callable] = {
        "summary": lambda s: kpis.summary(s, pid, period, rules),
        "by_day": lambda s: kpis.by_day(s, pid, period, rules),
        "by_hour": lambda s: kpis.by_hour(s, pid, period, rules),
        "by_operator": lambda s: kpis.by_operator(s, pid, period, rules),
        "by_line": lambda s: kpis.by_line(s, pid, period, rules),
        "lost_calls_200": lambda s: kpis.lost_calls(s, pid, period, rules, limit=200),
    }
    figures: dict[str, float] = {}
    local = not url.startswith("postgresql")
    print(f"  {'query':<18} {'wall':>9}   {'cpu (this process)' if local else ''}")
    with factory() as s:
        for name, query in queries.items():
            wall, cpu, result = best(runs, lambda q=query: q(s))
            figures[name], figures[f"{name}_cpu"] = wall, cpu
            extra = f"{cpu * 1000:8.1f} ms" if local else ""
            print(f"  {name:<18} {wall * 1000:6.1f} ms   {extra:<12} {_describe(result)}")
    figures["total"] = sum(v for k, v in figures.items() if not k.endswith("_cpu"))
    figures["total_cpu"] = sum(v for k, v in figures.items() if k.endswith("_cpu"))
    extra = f"{figures['total_cpu'] * 1000:8.1f} ms" if local else ""
    print(f"  {'total':<18} {figures['total'] * 1000:6.1f} ms   {extra:<12} (target < 2000 ms)")
    print(f"  load average while measuring: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return figures


def _describe(result: object) -> str:
    if isinstance(result, kpis.Kpis):
        return (f"incoming {result.incoming:,}, missed {result.missed:,}, lost {result.lost:,} "
                f"(late {result.recovered_late:,}), LCR {result.lcr:.1%}, outgoing "
                f"{result.outgoing:,}")
    return f"{len(result):,} rows" if isinstance(result, list) else ""


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    base = args.database_url or temp_sqlite_url()
    if not base.startswith("postgresql"):
        print(f"call KPIs on SQLite ({base})")
        return run(base, args.calls, args.runs)
    schema = f"bench_calls_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in base else "?"
        print(f"call KPIs on PostgreSQL (schema {schema})")
        return run(f"{base}{sep}options=-csearch_path%3D{schema}", args.calls, args.runs)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
