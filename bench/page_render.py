"""The board page with 5 000 deals waiting on the exchange: server time per GET (target < 300 ms).

    python -m bench.page_render [--deals 5000] [--runs 60] [--database-url URL]

Seeds the mirror directly (users, stages, contacts, 5 000 waiting deals with their "landed"
journal rows, 5 000 deals already held by managers), then times GET /app/board (each sort) and
GET /app/taken through the Flask test client: query, rendering and response, no network.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert

from bench.common import (
    BENCH_TOKEN_KEY,
    MEMBER_ID,
    percentile,
    prepared_database,
    temp_sqlite_url,
)
from config import Secret, Settings
from handlers.exchange import config
from pages.auth import Viewer, issue
from store import portals
from store.db import make_engine, make_session_factory
from store.models import Contact, Deal, Department, ExchangeEvent, Stage, User

EXCHANGE, HEAD = 900, 2
MANAGERS = list(range(10, 30))
SOURCES = ("CALL", "WEB", "WEBFORM", "ADVERTISING", "RECOMMENDATION", "CALLBACK")
STAGES = (("NEW", "Новая"), ("PREPARATION", "Квалификация"), ("EXECUTING", "Оплата"))


def seed(url: str, waiting: int) -> int:
    """Everything in bulk inserts; returns the portal id."""
    rnd, now = random.Random(5), datetime.now(UTC)
    factory = make_session_factory(make_engine(url))
    with factory() as s:
        pid = portals.find(s, MEMBER_ID).id
        s.add(Department(portal_id=pid, b24_department_id=1, name="Отдел продаж", head_id=HEAD))
        people = [(EXCHANGE, "Биржа", "лидов"), (HEAD, "Ирина", "Руководова"),
                  *((m, f"Менеджер{m}", "Продажин") for m in MANAGERS)]
        s.execute(insert(User), [{"portal_id": pid, "b24_user_id": u, "name": n, "last_name": ln,
                                  "active": True, "department_ids": [1]} for u, n, ln in people])
        s.execute(insert(Stage), [
            *({"portal_id": pid, "entity_id": "DEAL_STAGE", "status_id": c, "name": n}
              for c, n in STAGES),
            *({"portal_id": pid, "entity_id": "SOURCE", "status_id": c, "name": c.title()}
              for c in SOURCES)])
        s.execute(insert(Contact), [{"portal_id": pid, "entity_type": "CONTACT", "b24_id": i,
                                     "name": f"Клиент {i}", "phones": [f"+7916{i:07d}"],
                                     "emails": []} for i in range(1, 3001)])
        deals, events = [], []
        for i in range(1, 2 * waiting + 1):
            held = i > waiting
            created = now - timedelta(minutes=rnd.randint(1, 60 * 24 * 5))
            deals.append({"portal_id": pid, "b24_deal_id": i, "title": f"Заявка №{i}",
                          "category_id": 0, "stage_id": rnd.choice(STAGES)[0],
                          "stage_semantic": "P", "assigned_by_id": rnd.choice(MANAGERS) if held
                          else EXCHANGE, "contact_id": rnd.randint(1, 3000),
                          "source_id": rnd.choice(SOURCES), "currency_id": "RUB",
                          "opportunity": Decimal(rnd.randrange(0, 900_000, 500)),
                          "date_create": created, "closed": False, "deleted": False,
                          "fields": {}})
            if not held:
                events.append({"portal_id": pid, "b24_deal_id": i, "kind": "landed",
                               "at": created, "dedupe_key": f"landed:{i}"})
        s.execute(insert(Deal), deals)
        s.execute(insert(ExchangeEvent), events)
        config.save(s, pid, config.ExchangeConfig(exchange_user_id=EXCHANGE, head_user_id=HEAD),
                    user_id=HEAD, now=now)
        s.commit()
    if url.startswith("postgresql"):
        # Bulk-inserted tables have no planner statistics until autovacuum's analyze runs (within
        # a minute in production); without them PostgreSQL picks nested loops (seconds, not ms).
        engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
        engine.dispose()
    return pid


def timed(client, url: str, runs: int) -> list[float]:
    client.get(url)  # warm-up: template compilation, statement caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return times


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    from app import create_app

    url = args.database_url or temp_sqlite_url()
    prepared_database(url)
    pid = seed(url, args.deals)
    app = create_app(Settings(b24_client_id="local.bench", b24_client_secret=Secret("bench"),
                              app_public_url="http://127.0.0.1", secret_key=Secret("bench"),
                              token_keys=(Secret(BENCH_TOKEN_KEY),),
                              database_url=url, log_level="WARNING"))
    token = issue(Viewer(pid, MEMBER_ID, MANAGERS[0], False, "ru", "Менеджер", "bench.test"),
                  "bench")
    client, figures = app.test_client(), {}
    print(f"{args.deals} deals waiting (+{args.deals} held by managers), {args.runs} runs each")
    for name, path in (("board", "/app/board"), ("board_amount", "/app/board?sort=amount"),
                       ("board_title", "/app/board?sort=title"), ("taken", "/app/taken")):
        sep = "&" if "?" in path else "?"
        ms = [t * 1000 for t in timed(client, f"{path}{sep}s={token}", args.runs)]
        figures[f"{name}_p50_ms"], figures[f"{name}_p99_ms"] = percentile(ms, 50), \
            percentile(ms, 99)
        print(f"  GET {path:<24} p50 {percentile(ms, 50):6.1f} ms   p99 {percentile(ms, 99):6.1f} "
              f"ms   max {max(ms):6.1f} ms")
    return figures


if __name__ == "__main__":
    main()
