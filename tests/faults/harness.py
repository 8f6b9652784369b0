"""One working day of portal activity played against the app, fault-free or with one fault.

The day is `sandbox.scenario.play_day` on a seeded company; the app catches up after every
`EVERY`-th action of the day (a checkpoint: deliveries land, the inbox drains, the scheduler's
short jobs run). A fault replaces exactly one checkpoint and must leave the app caught up when
it returns, so the rest of the day meets the same app state as the fault-free run. The two runs
are then compared entity by entity: "exactly once in effect, nothing lost".
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from b24.manifest import Manifest
from b24.ratelimit import LeakyBucket, forget_buckets
from bench.common import free_port
from config import Settings
from handlers.exchange import config as exchange_config
from jobs import runner
from jobs.inbox import process_inbox
from sandbox import Cloud, PortalState, running_cloud
from sandbox.scenario import DayLog, play_day
from sandbox.seed import seed_company
from store import portals
from store import routing as routing_store
from store.db import Base
from store.models import Call, Deal, ExchangeEvent, InboxEvent, Lead
from tests.conftest import CLIENT_ID, CLIENT_SECRET, make_settings

SEED = 8          # a day with every branch: new numbers, claims, moves, missed calls, to-dos
EVERY = 6         # the app catches up after every sixth action of the day
PORTAL = "acme"
Hook = Callable[["Day"], None]


@dataclass
class Day:
    """One run: the cloud, the portal, the in-process app, and how a checkpoint catches up."""

    cloud: Cloud
    portal: PortalState
    app: Flask
    settings: Settings
    sessions: sessionmaker[Session]
    url: str
    fault_at: int | None = None
    fault: Hook | None = None
    drain: Hook = field(default=lambda day: day.drain_here())
    after_step: Hook | None = None
    paused: bool = False  # the app is down: checkpoints do nothing
    pbx_secret: str = ""
    pbx_backlog: list[dict] = field(default_factory=list)  # reports the PBX has to send
    steps: int = 0
    checkpoints: int = 0
    log: DayLog | None = None

    @property
    def portal_id(self) -> int:
        with self.sessions() as s:
            return portals.find(s, self.portal.member_id).id

    def step(self) -> None:
        self.steps += 1
        if self.after_step is not None:
            self.after_step(self)
        if self.steps % EVERY:
            return
        self.checkpoints += 1
        self.pbx_backlog.append(pbx_report(self.checkpoints, self.portal.clock.now()))
        if self.checkpoints == self.fault_at and self.fault is not None:
            self.fault(self)
        self.catch_up()

    def drain_here(self, *, now: Callable[[], datetime] | None = None, rounds: int = 100) -> None:
        """Deliver what the portal queued, then work the inbox in this process until empty."""
        for _ in range(rounds):
            self.cloud.wait_idle(30)
            if not process_inbox(self.sessions, self.settings, now=now, max_rounds=20):
                self.cloud.wait_idle(30)
                if not process_inbox(self.sessions, self.settings, now=now, max_rounds=1):
                    return
        raise AssertionError("inbox did not drain")

    def catch_up(self) -> None:
        """What the worker and the scheduler's short jobs do between two moments of the day."""
        if self.paused:
            return
        self.send_pbx_reports()
        for _ in range(3):
            self.drain(self)
            runner.telephony_work(self.app)
            runner.audit_rejections(self.app)
            runner.audit_handoffs(self.app)
        self.drain(self)

    def send_pbx_reports(self) -> None:
        """The office PBX reports its finished calls (it retries until the app answers)."""
        url = f"{self.url}/pbx/{self.portal.member_id}/calls"
        while self.pbx_backlog:
            answer = requests.post(url, json=self.pbx_backlog[0], timeout=30,
                                   headers={"X-PBX-Secret": self.pbx_secret})
            assert answer.status_code == 200, answer.text
            self.pbx_backlog.pop(0)

    def finish(self) -> None:
        """The evening: a last catch-up, the periodic sync, and what it brought in."""
        self.catch_up()
        runner.sync_all(self.app)
        self.catch_up()


def pbx_report(n: int, now: datetime) -> dict:
    """Call n of the office PBX: a new number each time, answered, three minutes long."""
    start = now.astimezone(UTC).replace(microsecond=0) - timedelta(minutes=5)
    return {"call_id": f"pbx-{n}", "direction": "in" if n % 2 else "out",
            "phone": f"+7916555{1000 + n}", "line": "+74951234567",
            "started_at": start.isoformat(), "answered_at": (start + timedelta(seconds=4))
            .isoformat(), "ended_at": (start + timedelta(seconds=184)).isoformat(),
            "extension": "102", "record_url": f"https://pbx.example.com/rec/{n}.mp3"}


def wipe(engine: Any) -> None:
    """Both runs start from an empty database (the fixtures clean only after a test)."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@contextmanager
def live_server(application: Callable, port: int) -> Iterator[None]:
    server = make_server("127.0.0.1", port, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        thread.join(5)


def no_client_limit(monkeypatch: Any) -> None:
    """The emulator's rate limit is off, so is our model of it (a day would mostly sleep)."""
    monkeypatch.setattr("handlers.context.bucket_for",
                        lambda key: LeakyBucket(capacity=10**6, drain=10**6))


Front = Callable[[Flask, int], AbstractContextManager[None]]


@contextmanager
def prepared_day(database_url: str, sessions: sessionmaker[Session], *,
                 front: Front = live_server,
                 extra_portals: tuple[str, ...] = ()) -> Iterator[Day]:
    """A fresh cloud with the seeded company, the app installed, mirrored and configured.

    `front(app, port)` serves the app's public URL: by default this process's app in a thread;
    the multi-process tests start real web processes behind it instead.
    """
    from app import MANIFEST, create_app

    wipe(sessions.kw["bind"])
    forget_buckets()
    with running_cloud() as cloud:
        card = cloud.register_app(CLIENT_ID, CLIENT_SECRET, Manifest.load(MANIFEST).scopes)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        settings = make_settings(database_url, b24_oauth_url=cloud.url, app_public_url=url,
                                 b24_js_url=f"{cloud.url}/bx24/api/v1/")
        application = create_app(settings)
        application.extensions["db_sessions"] = sessions
        with front(application, port):
            names = (PORTAL, *extra_portals)
            for name in names:
                _install(cloud, card, name, url)
            runner.sync_all(application)
            for name in names:
                _configure_exchange(sessions, cloud.portal(name))
            day = Day(cloud, cloud.portal(PORTAL), application, settings, sessions, url)
            with sessions() as s:
                day.pbx_secret = routing_store.issue_pbx_secret(
                    s, day.portal_id, user_id=1, now=datetime.now(UTC))
                s.commit()
            yield day


def _install(cloud: Cloud, card: Any, name: str, url: str) -> None:
    portal = cloud.add_portal(name)
    portal.rate_limit_enabled = False
    seed_company(portal, seed=1)
    answer = portal.install_app(card, f"{url}/b24/install", f"{url}/app",
                                admin_user_id=min(portal.admins))
    assert answer is not None and answer.status_code == 200, answer and answer.text
    assert portal.installed


def _configure_exchange(sessions: sessionmaker[Session], portal: PortalState) -> None:
    with sessions() as s:
        pid = portals.find(s, portal.member_id).id
        exchange_config.save(s, pid, exchange_config.ExchangeConfig(
            exchange_user_id=portal.meta["exchange"], head_user_id=portal.meta["head"]),
            user_id=1, now=datetime.now(UTC))
        s.commit()


def play(day: Day) -> Snapshot:
    """Play the whole day, finish it, check the inbox and take the snapshot."""
    day.log = play_day(day.portal, seed=SEED, step=day.step)
    day.finish()
    check_inbox(day)
    return snapshot(day.portal, day.sessions, day.portal_id)


WRITES = ("update", "add", "notify", "register", "finish")


def is_write_batch(method: str, params: dict) -> bool:
    """A batch request carrying a write (the chunk's second request; the first only reads)."""
    commands = params.get("cmd") or {}
    return method.lower() == "batch" and any(
        any(w in str(c).split("?")[0].lower() for w in WRITES) for c in commands.values())


# -- what must come out equal --------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    """The portal as the app left it, and the app's own records, without times and row ids."""

    deals: dict[int, tuple[str, str]]
    activities: Counter
    comments: Counter
    notifications: Counter
    registrations: Counter
    journal: Counter
    mirror: dict[str, dict]
    events: frozenset


def snapshot(portal: PortalState, sessions: sessionmaker[Session], portal_id: int) -> Snapshot:
    deals = {int(d["ID"]): (str(d.get("ASSIGNED_BY_ID")), str(d.get("STAGE_ID")))
             for d in portal.table("crm.deal")}
    activities = Counter((a.get("OWNER_TYPE_ID"), a.get("OWNER_ID"), a.get("PROVIDER_ID"),
                          a.get("SUBJECT"), a.get("RESPONSIBLE_ID"), a.get("COMPLETED"))
                         for a in portal.table("crm.activity"))
    comments = Counter((str(c["ENTITY_TYPE"]).lower(), int(c["ENTITY_ID"]), c["COMMENT"])
                       for c in portal.table("crm.timeline.comment"))
    notifications = Counter((n["USER_ID"], kind(n["MESSAGE"])) for n in portal.table("im.notify"))
    # PBX calls the app registered: open ones, and finished ones (moved to the statistics)
    registrations = Counter(("open", r["EXTERNAL_CALL_ID"], r["USER_ID"], r["PHONE_NUMBER"])
                            for r in portal.table("telephony.externalCall"))
    registrations.update((r["EXTERNAL_CALL_ID"], r["PORTAL_USER_ID"], r["PHONE_NUMBER"],
                          r["CALL_DURATION"], r["CALL_FAILED_CODE"], r["CRM_ENTITY_TYPE"],
                          r["CRM_ENTITY_ID"], r["CALL_RECORD_URL"],
                          bool(r["RECORD_FILE_ID"]))  # attachRecord ran (a retry: a new id)
                         for r in portal.table("voximplant.statistic") if r["EXTERNAL_CALL_ID"])
    with sessions() as s:
        journal = Counter(s.execute(
            select(ExchangeEvent.b24_deal_id, ExchangeEvent.kind, ExchangeEvent.user_id,
                   ExchangeEvent.reason).where(ExchangeEvent.portal_id == portal_id)).all())
        events = frozenset((row.code, identity(row.payload.get("data")))
                           for row in s.scalars(select(InboxEvent)
                                                .where(InboxEvent.portal_id == portal_id)))
        mirror = {
            "deals": {d.b24_deal_id: (d.assigned_by_id, d.stage_id, d.deleted)
                      for d in s.scalars(select(Deal).where(Deal.portal_id == portal_id))},
            "leads": {x.b24_lead_id: (x.assigned_by_id, x.status_id, x.deleted)
                      for x in s.scalars(select(Lead).where(Lead.portal_id == portal_id))},
            # call ids carry the portal's sub-second clock: the call itself is the key
            "calls": Counter((c.user_id, c.phone, c.call_type, c.duration)
                             for c in s.scalars(select(Call).where(Call.portal_id == portal_id))),
        }
    return Snapshot(deals, activities, comments, notifications, registrations, journal, mirror,
                    events)


def kind(message: str) -> str:
    """A notice's kind: its text with the numbers (ids, sums, times) taken out."""
    return re.sub(r"\d+", "#", message)[:60]


def identity(data: Any) -> str:
    """An event's data without what carries the portal's sub-second clock (call ids, times)."""
    if isinstance(data, dict) and "CALL_ID" in data:
        data = {k: v for k, v in data.items() if not k.endswith(("CALL_ID", "_DATE", "_URL"))}
    return canonical(data)


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def check_inbox(day: Day) -> None:
    """Every event processed, none dead or waiting, none stored more often than delivered."""
    with day.sessions() as s:
        rows = list(s.scalars(select(InboxEvent).where(InboxEvent.portal_id == day.portal_id)))
    assert rows, "the day brought no events"
    statuses = Counter(r.status for r in rows)
    assert statuses == {"done": len(rows)}, (statuses, [r.last_error for r in rows
                                                        if r.status != "done"][:5])
    stored = Counter((r.code, r.event_ts, canonical(r.payload.get("data"))) for r in rows
                     if r.event_ts is not None)  # None: synthesised by the sync job
    sent = Counter((d.event.upper(), d.fields.get("ts"), canonical(d.fields.get("data")))
                   for d in day.portal.deliveries if d.ok)
    assert not stored - sent, list(stored - sent)[:3]


def assert_same(got: Snapshot, want: Snapshot, *, skip: tuple[str, ...] = ()) -> None:
    """Field by field, naming everything that differs."""
    problems = []
    for name in Snapshot.__dataclass_fields__:
        if name in skip:
            continue
        mine, theirs = getattr(got, name), getattr(want, name)
        if name == "mirror":
            for part in mine:
                diff = {k: (mine[part].get(k), theirs[part].get(k))
                        for k in mine[part].keys() | theirs[part].keys()
                        if mine[part].get(k) != theirs[part].get(k)}
                if diff:
                    problems.append(f"mirror {part} (got, expected): {diff}")
        elif isinstance(mine, Counter | dict):
            extra = {k: v for k, v in mine.items() if theirs.get(k) != v}
            missing = {k: v for k, v in theirs.items() if mine.get(k) != v}
            if extra or missing:
                problems.append(f"{name}: got {extra}, expected {missing}")
        elif mine != theirs:
            problems.append(f"{name}: got {mine - theirs}, expected {theirs - mine}")
    assert not problems, "\n".join(problems)


def later(offset: timedelta) -> Callable[[], datetime]:
    """The worker's clock moved forward (backoffs and leases run out without waiting)."""
    return lambda: datetime.now(UTC) + offset
