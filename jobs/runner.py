"""The clock and the loops: APScheduler only triggers plain job functions (STYLE §5)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from b24.errors import PortalGone
from config import Settings
from handlers.context import client_for, oauth_client
from handlers.exchange.actions import ActionContext, action_context
from handlers.tokens import PortalTokens
from jobs import audits as audit_jobs
from jobs import comm as comm_jobs
from jobs import exchange as exchange_jobs
from jobs import lead_rules as lead_jobs
from jobs import myday as myday_jobs
from jobs import report as report_jobs
from jobs import routing as routing_jobs
from jobs import telephony as telephony_jobs
from jobs.inbox import process_inbox
from jobs.retention import purge_inbox
from jobs.sync import sync_portal
from jobs.tokens import refresh_idle_tokens
from jobs.uninstalled import purge_uninstalled
from store import echoes, portals
from store.db import analyze, is_postgres
from store.models import Portal

logger = logging.getLogger(__name__)
# Loops over every portal make one attempt per REST call: a 503 backoff slept inside the loop
# would hold all the other portals; the next run (seconds or minutes later) is the retry.
ONE_TRY = 1
_SYNCING: set[int] = set()
_SYNCING_LOCK = threading.Lock()


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[Flask], object]
    trigger: str
    kwargs: dict


def sessions_of(app: Flask) -> sessionmaker[Session]:
    return app.extensions["db_sessions"]


def settings_of(app: Flask) -> Settings:
    return app.config["SETTINGS"]


def sync_all(app: Flask) -> int:
    """Every active portal in turn; one failing portal never stops the others."""
    sessions = sessions_of(app)
    with sessions() as session, session.begin():
        echoes.purge(session, datetime.now(UTC))
    with sessions() as session:
        active = list(portals.active(session))
    return sum(_sync_one(app, portal) for portal in active)


def first_sync(app: Flask) -> int:
    """Portals installed since the last sync_all: mirrored within seconds, not minutes, so their
    old leads and deals are tracked and their waiting events (directory owed) are released."""
    with sessions_of(app)() as session:
        fresh = list(portals.never_synced(session))
    return sum(_sync_one(app, portal) for portal in fresh)


def _sync_one(app: Flask, portal: Portal) -> bool:
    """One portal, isolated; a portal already being synced (sync_all and first_sync run in
    threads of one scheduler) is left to the run in progress."""
    sessions, settings = sessions_of(app), settings_of(app)
    with _SYNCING_LOCK:
        if portal.id in _SYNCING:
            return False
        _SYNCING.add(portal.id)
    try:
        # background: the sync never takes the budget event chunks need (b24/ratelimit.py)
        sync_portal(sessions, portal.id, client_for(portal, sessions, settings,
                                                    max_attempts=ONE_TRY, background=True))
        return True
    except PortalGone as exc:
        mark_gone(sessions, portal.id, exc)
    except Exception:
        logger.exception("job.sync_all.portal_failed", extra={"member_id": portal.member_id})
    finally:
        with _SYNCING_LOCK:
            _SYNCING.discard(portal.id)
    return False


def mark_gone(sessions: sessionmaker[Session], portal_id: int, exc: PortalGone) -> None:
    """The portal refused us for good (revoked, unpaid, deleted): mark it, so that no job calls
    it again every minute until it is reinstalled; the inbox does the same for events."""
    with sessions() as session, session.begin():
        portal = portals.get(session, portal_id)
        logger.error("job.portal_gone", extra={"member_id": portal.member_id, "error": str(exc)})
        if portal.status == "active":  # an uninstalled portal keeps its own status
            portals.mark_gone(session, portal, str(exc), datetime.now(UTC))


def refresh_tokens(app: Flask) -> int:
    sessions, settings = sessions_of(app), settings_of(app)
    oauth = oauth_client(settings)
    return refresh_idle_tokens(sessions, lambda p: PortalTokens(p, sessions, oauth))


def purge_portals(app: Flask) -> int:
    """Delete the data of portals uninstalled with CLEAN=1 longer ago than the retention."""
    settings = settings_of(app)
    with sessions_of(app)() as session, session.begin():
        return purge_uninstalled(session, datetime.now(UTC),
                                 retention_days=settings.uninstall_retention_days)


def drain_inbox(app: Flask) -> int:
    return process_inbox(sessions_of(app), settings_of(app), max_rounds=10)


def for_each_portal(app: Flask, job: Callable[[ActionContext], object], *,
                    background: bool = True) -> dict[str, object]:
    """Run a per-portal job on every active portal, each isolated (STYLE rule 8).

    Background jobs leave event chunks their share of each portal's budget (b24/ratelimit.py);
    a job someone is waiting on right now (a call card while the phone rings) is not one.
    """
    sessions, settings = sessions_of(app), settings_of(app)
    with sessions() as session:
        active = list(portals.active(session))
    results: dict[str, object] = {}
    for portal in active:
        try:
            with action_context(portal, sessions, settings, max_attempts=ONE_TRY,
                                background=background) as ctx:
                results[portal.member_id] = job(ctx)
        except PortalGone as exc:
            mark_gone(sessions, portal.id, exc)
        except Exception:
            logger.exception("job.portal_failed", extra={"member_id": portal.member_id,
                                                          "job": job.__name__})
    return results


def exchange_sweeps(app: Flask) -> dict[str, object]:
    return for_each_portal(app, exchange_jobs.run_due_sweeps)


def exchange_sweep_retries(app: Flask) -> dict[str, object]:
    return for_each_portal(app, exchange_jobs.retry_sweeps)


def exchange_stale(app: Flask) -> dict[str, object]:
    return for_each_portal(app, exchange_jobs.return_stale)


def exchange_alerts(app: Flask) -> dict[str, object]:
    return for_each_portal(app, exchange_jobs.alert_head)


def routing_cards(app: Flask) -> dict[str, object]:
    """Call cards follow the PBX's reports; skipped at once while no call waits for one."""
    with sessions_of(app)() as session:
        if not routing_jobs.pending_portals(session):
            return {}
    return for_each_portal(app, routing_jobs.push_cards, background=False)


def routing_presence(app: Flask) -> dict[str, object]:
    """Who is away (absence chart, work day, online), for the routing snapshot."""
    return for_each_portal(app, routing_jobs.refresh_presence)


def lead_deadlines(app: Flask) -> dict[str, object]:
    return for_each_portal(app, lead_jobs.check_lead_deadlines)


def audit_rejections(app: Flask) -> dict[str, object]:
    return for_each_portal(app, audit_jobs.audit_rejections)


def audit_callbacks(app: Flask) -> dict[str, object]:
    return for_each_portal(app, audit_jobs.fire_audit_callbacks)


def audit_handoffs(app: Flask) -> dict[str, object]:
    return for_each_portal(app, audit_jobs.hand_off_clients)


def senior_counters(app: Flask) -> dict[str, object]:
    return for_each_portal(app, audit_jobs.count_senior_days)


def telephony_work(app: Flask) -> dict[str, object]:
    """Deals, comments, to-dos and PBX registrations the calls queued; idle when none is."""
    with sessions_of(app)() as session:
        if not telephony_jobs.pending_portals(session):
            return {}
    return for_each_portal(app, telephony_jobs.run_call_work)


def telephony_missed(app: Flask) -> dict[str, object]:
    return for_each_portal(app, telephony_jobs.catch_up_missed)


def comm_sync(app: Flask) -> dict[str, object]:
    """E-mails, open-line dialogues and call transcripts since the watermark, checked."""
    return for_each_portal(app, comm_jobs.sync_conversations)


def myday_reminders(app: Flask) -> dict[str, object]:
    return for_each_portal(app, myday_jobs.remind_day_reports)


def myday_crm(app: Flask) -> dict[str, object]:
    return for_each_portal(app, myday_jobs.write_day_reports)


def planner_statistics(app: Flask) -> str:
    """SQLite keeps no statistics unless asked; PostgreSQL's autovacuum does it anyway."""
    with sessions_of(app)() as session:
        if is_postgres(session):
            return "autovacuum"
        analyze(session)
        session.commit()
    return "analyzed"


def purge_old_events(app: Flask) -> int:
    return purge_inbox(sessions_of(app), settings_of(app))


def daily_report(app: Flask) -> dict[str, object]:
    return for_each_portal(app, report_jobs.send_daily_report)


def job_specs(settings: Settings) -> tuple[JobSpec, ...]:
    return (
        JobSpec("sync_all", sync_all, "interval", {"seconds": settings.sync_interval_seconds}),
        JobSpec("first_sync", first_sync, "interval", {"seconds": 10}),
        JobSpec("refresh_tokens", refresh_tokens, "interval", {"hours": 24}),
        JobSpec("purge_portals", purge_portals, "interval", {"hours": 6}),
        JobSpec("exchange_sweeps", exchange_sweeps, "interval", {"minutes": 1}),
        JobSpec("exchange_sweep_retries", exchange_sweep_retries, "interval", {"minutes": 1}),
        JobSpec("exchange_stale", exchange_stale, "interval", {"hours": 1}),
        JobSpec("exchange_alerts", exchange_alerts, "interval", {"minutes": 15}),
        JobSpec("daily_report", daily_report, "interval", {"minutes": 5}),
        JobSpec("purge_inbox", purge_old_events, "interval", {"hours": 1}),
        JobSpec("planner_statistics", planner_statistics, "interval", {"hours": 6}),
        JobSpec("routing_cards", routing_cards, "interval", {"seconds": 1}),
        JobSpec("routing_presence", routing_presence, "interval", {"minutes": 1}),
        JobSpec("lead_deadlines", lead_deadlines, "interval", {"minutes": 5}),
        JobSpec("audit_rejections", audit_rejections, "interval", {"minutes": 1}),
        JobSpec("audit_callbacks", audit_callbacks, "interval", {"minutes": 5}),
        JobSpec("audit_handoffs", audit_handoffs, "interval", {"minutes": 1}),
        JobSpec("senior_counters", senior_counters, "interval", {"minutes": 15}),
        JobSpec("telephony_work", telephony_work, "interval", {"seconds": 5}),
        JobSpec("telephony_missed", telephony_missed, "interval", {"minutes": 5}),
        JobSpec("comm_sync", comm_sync, "interval", {"minutes": 5}),
        JobSpec("myday_reminders", myday_reminders, "interval", {"minutes": 5}),
        JobSpec("myday_crm", myday_crm, "interval", {"minutes": 1}),
    )


def _run(app: Flask, spec: JobSpec) -> None:
    started = time.monotonic()
    with app.app_context():
        try:
            result = spec.func(app)
            logger.info("job.%s.done", spec.id, extra={
                "result": result, "seconds": round(time.monotonic() - started, 3)})
        except Exception:
            logger.exception("job.%s.failed", spec.id)


def build_scheduler(app: Flask, *, blocking: bool) -> BackgroundScheduler | BlockingScheduler:
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=UTC)
    for spec in job_specs(settings_of(app)):
        scheduler.add_job(_run, spec.trigger, args=(app, spec), id=spec.id,
                          replace_existing=True, coalesce=True, max_instances=1,
                          misfire_grace_time=60, next_run_time=datetime.now(UTC), **spec.kwargs)
    return scheduler


def run_worker(app: Flask, stop: threading.Event) -> None:
    """Drain continuously; sleep only when there was nothing to do."""
    poll = settings_of(app).worker_poll_seconds
    logger.info("job.worker.started")
    while not stop.is_set():
        try:
            handled = drain_inbox(app)
        except Exception:
            logger.exception("job.worker.round_failed")
            handled = 0
        if not handled:
            stop.wait(poll)
    logger.info("job.worker.stopped")
