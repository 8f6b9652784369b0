"""Play the demo: 30 days of a company's history, the app installed, then one working day live.

    python -m demo [--seed 1] [--day 2026-11-27] [--out out/demo] [--round-trip 100-200]

One process holds everything, on one clock fixed at the demo's day (demo.clock): the emulated
portal (sandbox) on its own port, the app (web tier on a werkzeug server, one inbox worker
thread, the scheduler's jobs called in turn rather than by APScheduler) on SQLite. The steps:
seed the company and write its last 30 days straight into the portal (demo.history); install
the app through the portal's install flow; the app's first sync imports the history; the day is
played by people acting in the portal (sandbox.scenario), whose events reach the app over HTTP;
the evening jobs run; the report is printed and the main tabs are photographed (Chromium).

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
from datetime import date, datetime
from pathlib import Path

import time_machine
from cryptography.fernet import Fernet
from werkzeug.serving import make_server

from bench.common import free_port
from config import ROOT, Secret, Settings
from demo import history, myday, report
from demo.clock import DEMO_DAY, TravelClock, start_of
from handlers.report.period import Period
from jobs import runner
from jobs.report import compose
from pages import i18n
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


def first_sync(app, member_id: str) -> None:  # noqa: ANN001
    """The scheduler's first_sync for the demo's portal (jobs.sync.sync_portal, the import every
    new portal gets), but in the foreground lane of the rate bucket: nothing else waits for the
    portal at 08:00, and the background lane's pacing (half the budget, b24/ratelimit.py) would
    only stretch the demo. Same requests, same rows; only the waits between them differ."""
    from handlers.context import client_for
    from jobs.sync import sync_portal
    from store import portals

    sessions, settings = runner.sessions_of(app), runner.settings_of(app)
    with sessions() as session:
        found = portals.find(session, member_id)
    sync_portal(sessions, found.id, client_for(found, sessions, settings))


def read_conversations(app) -> int:  # noqa: ANN001
    """The scheduler's comm_sync (jobs.comm) run after run until its watermark stops: a run
    reads at most 4 pages of 50 activities and the 30 days hold about 800 call activities.
    In the foreground lane for the reason first_sync gives; run after the day, not during
    it, because a reader beside the day took the lane the day's own jobs need (the day
    played 30 s slower). Returns how many messages the app has checked in all."""
    from sqlalchemy import func, select

    from jobs import comm
    from store.comm_models import CommMessage
    from store.models import SyncCursor

    def state() -> tuple[int, int]:
        with app.extensions["db_sessions"]() as session:
            mark = session.scalar(select(SyncCursor.last_id).where(
                SyncCursor.entity == comm.CURSOR))
            return mark or 0, session.scalar(select(func.count()).select_from(CommMessage))

    while True:
        before = state()[0]
        runner.for_each_portal(app, comm.sync_conversations, background=False)
        mark, checked = state()
        if mark == before:
            return checked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--day", type=date.fromisoformat, default=DEMO_DAY,
                        help="the day played live (a working day); history is the 30 before")
    parser.add_argument("--out", default=str(ROOT / "out" / "demo"))
    parser.add_argument("--round-trip", default=os.environ.get("DEMO_ROUND_TRIP", "100-200"),
                        help="each portal answer's delay in ms: '150' or '100-200'")
    args = parser.parse_args(argv)
    if args.day.weekday() >= 5:
        parser.error(f"--day {args.day} is a weekend day; the demo plays a working day")
    began = time.monotonic()
    with time_machine.travel(start_of(args.day), tick=True) as traveller:
        code = run(args, TravelClock(traveller))
    say(f"Всего / total: {time.monotonic() - began:.0f} s")
    return code


def run(args: argparse.Namespace, clock: TravelClock) -> int:
    trip = RoundTrip.parse(args.round_trip)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    db_path = ROOT / "instance" / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    database_url = f"sqlite:///{db_path}"

    from app import MANIFEST, create_app
    from b24.manifest import Manifest

    with running_cloud(round_trip=(trip.low, trip.high), clock=clock) as cloud:
        say(f"1/6 Эмулятор Битрикс24 запущен / emulated Bitrix24 up: {cloud.url}, ответ портала "
            f"через {trip.low * 1000:.0f}–{trip.high * 1000:.0f} мс / round trip")
        sandbox_app = cloud.register_app(CLIENT_ID, CLIENT_SECRET,
                                         Manifest.load(MANIFEST).scopes)
        portal = cloud.add_portal("demo")
        seed_company(portal, seed=args.seed, call_days=0)  # the history makes the calls
        days = history.draw_days(args.day, portal.meta["managers"], args.seed)
        past = history.play_history(portal, days, seed=args.seed, until=clock.now())
        say(history.describe(past))
        say(f"    портал {portal.domain} до установки / before the install: "
            + ", ".join(report.count(len(portal.table(table)), *words) for table, words in (
                ("user", ("сотрудник", "сотрудника", "сотрудников")),
                ("crm.deal", ("сделка", "сделки", "сделок")),
                ("crm.lead", ("лид", "лида", "лидов")),
                ("crm.contact", ("контакт", "контакта", "контактов")),
                ("voximplant.statistic", ("звонок", "звонка", "звонков"))))
            + "; воронки "
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
        say(f"3/6 Установлено / installed: "
            f"{i18n.nt('ru', len(portal.bindings), 'bound_events')}, "
            f"{i18n.nt('ru', len(portal.placements), 'bound_tabs')}")

        started = time.monotonic()
        first_sync(app, portal.member_id)  # the 30 days come in through the app's own import
        runner.telephony_missed(app)  # missed calls of the history, as the 5-minute job does
        runner.planner_statistics(app)  # as after any bulk sync (jobs.sync.BULK)
        exchange_user = configure_exchange(app, portal)
        say(f"4/6 Первичная синхронизация за {time.monotonic() - started:.1f} s, биржа "
            f"настроена / initial sync, exchange set up: пользователь биржи #{exchange_user}")

        say("5/6 Рабочий день / playing the working day…")
        started = time.monotonic()
        log = play_day(portal, seed=args.seed, day=args.day,
                       step=lambda: wait_drained(app, portal))
        wait_drained(app, portal)
        say(f"    сыграно за {time.monotonic() - started:.1f} s; вечерние задания / evening jobs…")
        runner.exchange_stale(app)
        runner.sync_all(app)
        wait_drained(app, portal)
        talks = conversations.seed_demo(portal, managers=portal.meta["managers"],
                                        day=datetime(log.day.year, log.day.month, log.day.day,
                                                     tzinfo=PORTAL_TZ))
        started = time.monotonic()
        checked = read_conversations(app)
        say(f"    переписка / correspondence: {talks} диалогов, {checked} сообщений проверено "
            f"(вкладка «Общение»), история прочитана за {time.monotonic() - started:.1f} s")

        days_lines = myday.play(app, portal, settings, seed=args.seed)
        wait_drained(app, portal)  # the company and comment events our writes fired
        say("    «Мой день» сдан за прошлые рабочие дни, кто-то не сдал / my day played")
        stop.set()
        worker.join(5)
        summary = summarize(app, portal, log) + "\n".join(days_lines) + "\n"
        _, pid = report.owner_token(app, portal, settings)
        heads = {kind: report.headline(app, pid, log.day, kind) for kind in report.KINDS}
        page = report.save(app, portal, settings, log.day, out)
        record = report.save_recording(app, portal, settings, out)
        days_page = report.save_myday(app, portal, settings, myday.last_played(app, portal), out)
        started = time.monotonic()
        shots = report.screenshots(app, portal, settings, log.day, out)
        shot_seconds = time.monotonic() - started
        server.shutdown()
    (out / "demo-summary.txt").write_text(summary, encoding="utf-8")
    say("6/6 Итоги / summary:")
    say(summary)
    say("Отчёт руководителя по периодам / the owner's report by period:")
    for kind, head in heads.items():
        say(report.line(kind, head, log.day))
    head = heads["day"]
    notice = compose(head, "ru", Period.of("day", log.day)).replace("[B]", "").replace("[/B]", "")
    say(f"Утреннее уведомление руководителю / the owner's morning notice: {notice}")
    say(f"Отчёт / report: {page}")
    say(f"«Мой день» в отчёте руководителя / my day in the owner's report: {days_page}")
    say(f"Снимки / screenshots ({shot_seconds:.1f} s): " + (
        "\n  ".join(["", *map(str, shots)]) if shots else
        f"НЕТ: нет Chromium ({report.CHROMIUM}; make browser)"))
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
