"""Play a working day: emulated portal + the app (web, worker), install, scenario, summary.

    python -m demo [--seed 1] [--out out] [--round-trip 100-200]

Every answer of the emulated cloud waits a round trip (sandbox.latency), 100–200 ms as from a
real cloud portal unless DEMO_ROUND_TRIP or --round-trip says otherwise (milliseconds, "0" for
loopback speed).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from cryptography.fernet import Fernet
from werkzeug.serving import make_server

from bench.common import free_port
from config import ROOT, Secret, Settings
from demo import report
from jobs import runner
from sandbox import conversations, running_cloud
from sandbox.clock import PORTAL_TZ
from sandbox.latency import RoundTrip
from sandbox.scenario import play_day
from sandbox.seed import seed_company
from store import inbox
from store.migrate import upgrade

CLIENT_ID, CLIENT_SECRET = "local.demo0000000000.00000000", "demo-client-secret"


def say(text: str) -> None:
    print(text, flush=True)


def wait_drained(app, portal, timeout: float = 60.0) -> None:  # noqa: ANN001
    """Between scenario steps: let deliveries land, the worker empty the inbox, and the
    short jobs the scheduler would run every few seconds do their part (calls to deals,
    rejections to audit, first purchases to hand off)."""
    for _ in range(3):
        _drain(app, portal, timeout)
        runner.telephony_work(app)
        runner.audit_rejections(app)
        runner.audit_handoffs(app)
    _drain(app, portal, timeout)


def _drain(app, portal, timeout: float) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    portal.flush_events()
    while time.monotonic() < deadline:
        with app.extensions["db_sessions"]() as session:
            stats = inbox.stats(session)
        if stats.pending == 0 and stats.processing == 0:
            return
        time.sleep(0.05)
    say(f"  ! inbox still busy after {timeout:.0f} s: {stats}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "out"))
    parser.add_argument("--round-trip", default=os.environ.get("DEMO_ROUND_TRIP", "100-200"),
                        help="each portal answer's delay in ms: '150' or '100-200'")
    args = parser.parse_args(argv)
    trip = RoundTrip.parse(args.round_trip)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    db_path = ROOT / "instance" / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    database_url = f"sqlite:///{db_path}"

    from app import MANIFEST, create_app
    from b24.manifest import Manifest

    with running_cloud(round_trip=(trip.low, trip.high)) as cloud:
        say(f"1/6 Эмулятор Битрикс24 запущен / emulated Bitrix24 up: {cloud.url}, ответ портала "
            f"через {trip.low * 1000:.0f}–{trip.high * 1000:.0f} мс / round trip")
        sandbox_app = cloud.register_app(CLIENT_ID, CLIENT_SECRET,
                                         Manifest.load(MANIFEST).scopes)
        portal = cloud.add_portal("demo")
        seed_company(portal, seed=args.seed)
        say(f"    портал {portal.domain} до установки / before the install: "
            f"{len(portal.table('user'))} сотрудников, {len(portal.table('crm.deal'))} сделок, "
            f"{len(portal.table('crm.lead'))} лидов, {len(portal.table('crm.contact'))} "
            f"контактов, {len(portal.table('voximplant.statistic'))} звонков; воронки "
            + ", ".join(f"«{c['name']}»" for c in portal.table("crm.category")))

        port = free_port()
        settings = Settings(
            b24_client_id=CLIENT_ID, b24_client_secret=Secret(CLIENT_SECRET),
            app_public_url=f"http://127.0.0.1:{port}", secret_key=Secret("demo-secret-key"),
            token_keys=(Secret(Fernet.generate_key().decode()),),  # a throwaway database
            database_url=database_url, b24_oauth_url=cloud.url,
            b24_js_url=f"{cloud.url}/bx24/api/v1/", worker_poll_seconds=0.05,
            log_level="WARNING")
        upgrade(database_url)
        app = create_app(settings)
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stop = threading.Event()
        worker = threading.Thread(target=runner.run_worker, args=(app, stop), daemon=True)
        worker.start()
        say(f"2/6 Приложение запущено / app up: {settings.app_public_url} (SQLite {db_path})")

        response = portal.install_app(sandbox_app, f"{settings.app_public_url}/b24/install",
                                      f"{settings.app_public_url}/app",
                                      admin_user_id=min(portal.admins))
        if response is None or response.status_code != 200 or not portal.installed:
            say(f"ошибка установки / install failed: {response and response.text}")
            return 1
        say(f"3/6 Установлено / installed: {len(portal.bindings)} событий, "
            f"{len(portal.placements)} вкладок привязано")

        runner.sync_all(app)
        exchange_user = configure_exchange(app, portal)
        say(f"4/6 Первичная синхронизация, биржа настроена / initial sync, exchange set up: "
            f"пользователь биржи #{exchange_user}")

        say("5/6 Рабочий день / playing the working day…")
        started = time.monotonic()
        log = play_day(portal, seed=args.seed, step=lambda: wait_drained(app, portal))
        wait_drained(app, portal)
        say(f"    сыграно за {time.monotonic() - started:.1f} s; вечерние задания / evening jobs…")
        runner.exchange_stale(app)
        runner.sync_all(app)
        wait_drained(app, portal)
        talks = conversations.seed_demo(portal, managers=portal.meta["managers"],
                                        day=datetime(log.day.year, log.day.month, log.day.day,
                                                     tzinfo=PORTAL_TZ))
        checked = 0
        for _ in range(5):  # each run reads at most 4 pages of activities, as the scheduler's
            checked += sum(n for n in runner.comm_sync(app).values() if isinstance(n, int))
        say(f"    переписка / correspondence: {talks} диалогов, {checked} сообщений проверено "
            f"(вкладка «Общение»)")

        stop.set()
        worker.join(5)
        summary = summarize(app, portal, log)
        _, pid = report.owner_token(app, portal, settings)
        head = report.headline(app, pid, log.day)
        page, shot = report.save(app, portal, settings, log.day, out)
        record = report.save_recording(app, portal, settings, out)
        server.shutdown()
    (out / "demo-summary.txt").write_text(summary, encoding="utf-8")
    say("6/6 Итоги / summary:")
    say(summary)
    neck = head["bottleneck"]
    say(f"Отчёт руководителя за {log.day:%d.%m.%Y} / owner's report: выиграно {head['won']} "
        f"на {head['won_amount']:,.0f} ₽, проиграно {head['lost']}, узкое место: "
        + (f"«{neck[0]}» в воронке «{head['pipeline_name']}» ({neck[1]:.0%} проходят дальше)"
           if neck else "нет данных")
        + f"; потерянные звонки {head['lcr'] or 0:.0%} ({head['lost_calls']} из "
        f"{head['incoming']}), время ответа "
        + (f"{head['avg_answer']:.0f} с" if head.get("avg_answer") is not None else "—")
        + f", исходящих от 3 мин {head['long_outgoing']}"
        f", эскалаций {head['escalations']}, отказов {head['rejections']}"
        f"; без движения {head['never_moved']}, без следующего шага {head['no_next_step']}, "
        f"клиент у нескольких менеджеров {head['shared_clients']}")
    say(f"Отчёт / report: {page}" + (f", снимок / screenshot: {shot}" if shot else ""))
    say("Запись разговора через приложение / a call recording through the app: "
        + (f"{record[0]} ({record[1]:.1f} с), плеер на вкладке «Звонки»: {record[2]}"
           if record else "НЕТ / none"))
    say(f"Файлы / files: {out / 'demo-summary.txt'}, база / database: {db_path}")
    return 0


def configure_exchange(app, portal) -> int:  # noqa: ANN001
    """What the admin does once in the settings tab: accept the pre-selected exchange user."""
    from datetime import UTC, datetime

    from handlers.exchange import config
    from store import portals

    with app.extensions["db_sessions"]() as session:
        portal_id = portals.find(session, portal.member_id).id
        cfg = config.load(session, portal_id)
        cfg.exchange_user_id = config.guess_exchange_user(session, portal_id)
        cfg.priority_minutes = 15  # «Приоритет лучшим» on, so the summary shows who and why
        config.save(session, portal_id, cfg, user_id=min(portal.admins), now=datetime.now(UTC))
        session.commit()
    return cfg.exchange_user_id


def summarize(app, portal, log) -> str:  # noqa: ANN001
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from store import exchange as journal
    from store import portals
    from store.models import Call, Deal, DealStageHistory, Lead, User

    lines = []
    with app.extensions["db_sessions"]() as session:
        stats = inbox.stats(session)

        def count(model: type) -> int:
            return session.scalar(select(func.count()).select_from(model))

        lines.append(f"  inbox: обработано {stats.done}, в очереди {stats.pending}, "
                     f"ошибок (dead) {stats.dead}")
        lines.append(f"  зеркало / mirror: сделок {count(Deal)}, лидов {count(Lead)}, "
                     f"звонков {count(Call)}, сотрудников {count(User)}, "
                     f"переходов по стадиям {count(DealStageHistory)}")
        same = (count(Deal) == len(portal.table("crm.deal"))
                and count(Lead) == len(portal.table("crm.lead"))
                and count(Call) == len(portal.table("voximplant.statistic")))
        lines.append(f"  сверка с порталом / matches the portal: {'да' if same else 'НЕТ'} "
                     f"(в портале сделок {len(portal.table('crm.deal'))}, лидов "
                     f"{len(portal.table('crm.lead'))}, звонков "
                     f"{len(portal.table('voximplant.statistic'))})")
        portal_id = portals.find(session, portal.member_id).id
        ex = journal.counts(session, portal_id, datetime(2000, 1, 1, tzinfo=UTC))
        lines.append(f"  биржа / exchange: поступило {ex.get('landed', 0)}, взято "
                     f"{ex.get('claimed', 0)}, возвращено за превышение лимита "
                     f"{ex.get('reverted', 0)}, возвращено менеджерами {ex.get('returned', 0)}, "
                     f"возвращено без движения {ex.get('stale', 0)}")
        lines.extend(best_first(session, portal_id))
    by_via: dict[str, int] = {}
    for call in portal.calls:
        by_via[call.via] = by_via.get(call.via, 0) + 1
    lines.append(f"  REST-запросы приложения / app requests: {by_via.get('http', 0)} "
                 f"(в batch: {by_via.get('batch', 0)} команд)")
    lines.append("  сценарий дня / the day: " + ", ".join(
        f"{k}={v}" for k, v in sorted(log.counts.items())))
    return "\n".join(lines) + "\n"


def best_first(session, portal_id: int) -> list[str]:  # noqa: ANN001
    """«Приоритет лучшим» (issue 16 item 6): who got which exchange deals, and why."""
    from collections import Counter
    from datetime import UTC, datetime

    from sqlalchemy import select

    from handlers.exchange import config, priority
    from pages.data import user_name
    from store.models import ExchangeEvent

    cfg, now = config.load(session, portal_id), datetime.now(UTC)
    top = {r.user_id for r in priority.best(session, portal_id, cfg, now)}
    got = Counter(session.scalars(select(ExchangeEvent.user_id).where(
        ExchangeEvent.portal_id == portal_id, ExchangeEvent.kind == "claimed")))
    out = [f"  приоритет лучшим / best first: {cfg.priority_minutes} мин., "
           f"лучших {cfg.priority_top} (конверсия за 30 дней, от 3 закрытых сделок)"]
    for r in priority.ranking(session, portal_id, cfg, now):
        why = "в приоритете" if r.user_id in top else "после окна"
        name = user_name(session, portal_id, r.user_id)
        out.append(f"    {name}: конверсия {r.rate * 100:.0f}\u00a0% "
                   f"({r.won} из {r.closed}) — {why}; взял с биржи {got.get(r.user_id, 0)}")
    return out


if __name__ == "__main__":
    sys.exit(main())
