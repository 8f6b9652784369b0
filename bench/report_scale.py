"""The owner's report at scale: 200 000 deals, 2 000 000 stage transitions, 1 000 000 calls.

    python -m bench.report_scale [--deals 200000] [--transitions 2000000] [--calls 1000000]
                                 [--database-url URL [--reuse]] [--repeat N]

Rows go straight into a fresh database (bulk inserts), then the whole report is built for a
day, a week and a month; every figure comes from SQL aggregates.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select

from bench.common import prepared_database, temp_sqlite_url
from handlers.report.build import build
from handlers.report.period import Period
from store import call_hours
from store.calls import rebuild_first_calls
from store.db import analyze, make_engine, make_session_factory
from store.models import Call, Deal, DealStageHistory, Department, Portal, Stage, User
from store.report_models import ContactKey, OpenActivity

STAGES = [("NEW", 10, "P"), ("PREPARATION", 20, "P"), ("PREPAYMENT_INVOICE", 30, "P"),
          ("EXECUTING", 40, "P"), ("FINAL_INVOICE", 50, "P"), ("WON", 60, "S"),
          ("LOSE", 70, "F")]
MANAGERS = list(range(3, 9))
END = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
CHUNK = 50_000


def chunked(session, model, rows) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            session.execute(insert(model), batch)
            batch = []
    if batch:
        session.execute(insert(model), batch)


def vacuum_analyze(engine, tables: list[str]) -> None:
    """What the database does by itself soon after a bulk load, done now so the figures are
    steady-state: PostgreSQL's autovacuum sets the visibility map (index-only scans) and the
    statistics; on SQLite the app's planner_statistics job runs ANALYZE."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in tables:
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
        return
    with make_session_factory(engine)() as session:
        analyze(session, tables)
        session.commit()


def seed(url: str, deals: int, transitions: int, calls: int) -> int:
    rng = random.Random(11)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        pid = session.scalar(select(Portal.id))
        for sid, sort, sem in STAGES:
            session.add(Stage(portal_id=pid, entity_id="DEAL_STAGE", status_id=sid, name=sid,
                              sort=sort, semantics=sem, category_id=0))
        # The people section covers the sales department's managers (found by its name).
        session.add(Department(portal_id=pid, b24_department_id=2, name="Отдел продаж",
                               head_id=None))
        session.add_all(User(portal_id=pid, b24_user_id=m, name=f"M{m}", last_name="",
                             department_ids=[2], active=True) for m in MANAGERS)
        per_deal = max(1, transitions // deals)
        start = END - timedelta(days=90)

        def deal_rows():
            for i in range(1, deals + 1):
                stage = STAGES[min(rng.randint(0, 6), 6)]
                yield {"portal_id": pid, "b24_deal_id": i, "title": f"Deal {i}",
                       "category_id": 0, "stage_id": stage[0], "stage_semantic": stage[2],
                       "assigned_by_id": rng.choice(MANAGERS),
                       "contact_id": rng.randint(1, deals // 2),
                       "opportunity": rng.randint(1, 500) * 1000, "closed": stage[2] != "P",
                       "deleted": False, "fields": {},
                       "date_create": start + timedelta(minutes=rng.randint(0, 129_000)),
                       "moved_time": start + timedelta(minutes=rng.randint(0, 129_000))}

        def history_rows():
            n = 0
            for i in range(1, deals + 1):
                at = start + timedelta(minutes=rng.randint(0, 120_000))
                for k in range(per_deal):
                    n += 1
                    sid, _, sem = STAGES[min(k, 6) if rng.random() < 0.8 else rng.randint(0, 6)]
                    at += timedelta(minutes=rng.randint(5, 600))
                    yield {"portal_id": pid, "b24_history_id": n, "b24_deal_id": i,
                           "type_id": 1 if k == 0 else 2, "category_id": 0, "stage_id": sid,
                           "stage_semantic": sem, "created_at": min(at, END)}

        def call_rows():
            for i in range(calls):
                kind = rng.choice((1, 2, 2))
                answered = rng.random() < 0.75
                yield {"portal_id": pid, "call_id": f"c{i}", "source": "b24", "call_type": kind,
                       "phone": f"+7912{rng.randint(0, 9_999_999):07d}", "phone_raw": "",
                       "user_id": rng.choice(MANAGERS),
                       "start_at": start + timedelta(seconds=rng.randint(0, 90 * 86400)),
                       "duration": rng.randint(20, 600) if answered else 0,
                       "answered": answered, "failed_code": "200" if answered else "304"}

        t0 = time.perf_counter()
        chunked(session, Deal, deal_rows())
        chunked(session, DealStageHistory, history_rows())
        chunked(session, Call, call_rows())
        chunked(session, ContactKey, ({"portal_id": pid, "entity_type": "CONTACT", "b24_id": c,
                                       "key": f"+7900{c % (deals // 3):07d}"}
                                      for c in range(1, deals // 2 + 1)))
        chunked(session, OpenActivity, ({"portal_id": pid, "b24_activity_id": a,
                                         "owner_type_id": 2, "owner_id": rng.randint(1, deals),
                                         "completed": False} for a in range(1, deals // 4)))
        rebuild_first_calls(session, pid)  # upsert_call keeps it as calls arrive one by one
        call_hours.rebuild(session, pid, ring_seconds=6, long_call_seconds=180)  # so does this
        session.commit()
        vacuum_analyze(engine, ["deals", "deal_stage_history", "calls", "contact_keys",
                                "open_activities", "first_calls"])
        print(f"  seeded in {time.perf_counter() - t0:.1f} s", flush=True)
    engine.dispose()
    return pid


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=200_000)
    parser.add_argument("--transitions", type=int, default=2_000_000)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reuse", action="store_true",
                        help="with --database-url: build on the rows an earlier run seeded "
                             "there (migrated to head first; seeded when it has none), so "
                             "before/after runs share one generated database")
    parser.add_argument("--repeat", type=int, default=1,
                        help="build each period this many times; the figure is the fastest")
    parser.add_argument("--postgres", default=None, metavar="URL",
                        help="a PostgreSQL server: the run gets a fresh schema, dropped after")
    args = parser.parse_args(argv)
    if args.postgres:
        with fresh_schema(args.postgres) as url:
            return measure(url, args)
    return measure(args.database_url or temp_sqlite_url(), args)


@contextmanager
def fresh_schema(server_url: str) -> Iterator[str]:
    name = f"bench_report_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{sep}options=-csearch_path%3D{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
        admin.dispose()


# The day of the data's last evening, the last full week and the last full month before it.
PERIODS = {"day": Period.of("day", date(2026, 11, 23)),
           "week": Period.of("week", date(2026, 11, 22)),
           "month": Period.of("month", date(2026, 10, 31))}


def measure(url: str, args: argparse.Namespace) -> dict:
    prepared_database(url)
    print(f"report at scale: {args.deals} deals, {args.transitions} transitions, "
          f"{args.calls} calls ({url.split(':')[0]})", flush=True)
    pid = seeded(url) if getattr(args, "reuse", False) else None
    if pid is None:
        pid = seed(url, args.deals, args.transitions, args.calls)
    engine = make_engine(url)
    figures = {}
    factory = make_session_factory(engine)
    with factory() as session:
        for kind, period in PERIODS.items():
            best = cpu = float("inf")
            for _ in range(max(1, getattr(args, "repeat", 1))):
                t0, c0 = time.perf_counter(), time.process_time()
                report = build(session, pid, period, END, sessions=factory)
                best = min(best, time.perf_counter() - t0)
                cpu = min(cpu, time.process_time() - c0)
            figures[kind] = elapsed = best
            figures[f"{kind}_cpu"] = cpu
            head = report.headline()
            print(f"  {kind:5} {period.since:%d.%m}-{period.until:%d.%m} built in {elapsed:.2f} s"
                  f" ({cpu:.2f} s CPU in this process, load {load()}; won {head['won']}, "
                  f"never moved {head['never_moved']}, no next step {head['no_next_step']}, "
                  f"shared clients {head['shared_clients']})", flush=True)
    engine.dispose()
    return figures


def seeded(url: str) -> int | None:
    """The portal an earlier run seeded at `url`, its planner statistics refreshed (a migration
    may have added an index since), or None when the database has no deals yet."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        pid = session.scalar(select(Deal.portal_id).limit(1))
    if pid is not None:
        vacuum_analyze(engine, ["deals", "deal_stage_history"])
        print("  reusing the seeded rows", flush=True)
    engine.dispose()
    return pid


def load() -> str:
    """The 1-minute load average: on a shared machine, wall time grows with it."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
