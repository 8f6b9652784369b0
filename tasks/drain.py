"""drain_portal: one portal's inbox, chunk after chunk, never two workers on one portal.

`lock=portal:<id>` keeps one running drain per portal across every worker process, and
`queueing_lock=drain:<id>` keeps at most one waiting: an event arriving while one waits adds
nothing. The task drains (jobs.inbox.process_chunk) until the portal has nothing due or its
time budget is spent, then defers itself again if more remain, so one busy portal never holds a
worker slot for long. `dispatch` (every second, deferred once across all workers) defers a
drain for every portal with due events and no drain waiting or running (one query, one
batch insert: measured in bench/engines.py, deferring into a running drain's lock doubled the
jobs with two workers, each an empty drain, fetch and finish); the inbox lease stays the second
guard.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import text
from sqlalchemy.orm import Session

from config import Settings
from handlers.context import client_for
from jobs.inbox import chunk_limit, process_chunk
from store import inbox
from tasks import engine

logger = logging.getLogger(__name__)
DRAIN = "drain_portal"
PRIORITY = 10  # the engine's own short tasks (dispatch, close_stalled) before any drain
BUDGET_SECONDS = 5.0  # then the drain hands its slot on and queues itself again


def clock() -> datetime:
    """The inbox's clock (the fault tests move a worker's forward to outlive a lease)."""
    return datetime.now(UTC)


def lock_of(portal_id: int) -> str:
    return f"portal:{portal_id}"


def queueing_lock_of(portal_id: int) -> str:
    return f"drain:{portal_id}"


def _deferrer(app: procrastinate.App, portal_id: int,
              schedule_in: float | None = None) -> procrastinate.jobs.JobDeferrer:
    return app.configure_task(DRAIN, lock=lock_of(portal_id),
                              queueing_lock=queueing_lock_of(portal_id),
                              schedule_in={"seconds": schedule_in} if schedule_in else None)


async def defer_drain(app: procrastinate.App, portal_id: int,
                      schedule_in: float | None = None) -> bool:
    """Queue a drain of the portal unless one waits already; True if this call queued it."""
    try:
        await _deferrer(app, portal_id, schedule_in).defer_async(portal_id=portal_id)
    except AlreadyEnqueued:
        return False
    return True


async def defer_drains(app: procrastinate.App, portal_ids: list[int]) -> int:
    """Queue a drain of each portal in one INSERT; one by one if a drain slipped in meanwhile
    (a drain queueing itself again): the queueing lock refuses the whole batch then."""
    portal_ids = list(dict.fromkeys(portal_ids))
    if not portal_ids:
        return 0
    jobs = [_deferrer(app, p).make_new_job(portal_id=p) for p in portal_ids]
    try:
        await app.job_manager.batch_defer_jobs_async(jobs)
    except AlreadyEnqueued:
        return sum([await defer_drain(app, p) for p in portal_ids])
    return len(jobs)


def drain(portal_id: int, budget: float = BUDGET_SECONDS) -> tuple[int, float | None]:
    """Chunks until none is due or the budget is spent: (events, seconds to re-defer in or None).

    The same process_chunk the embedded loop calls (jobs/inbox.py), so the same handlers. A
    count short of whole chunks means its last claim took every due row: no further call
    (it cost a portal load, a client and an empty claim per drain, a third of the drain's
    SQL in bench/engines.py's trickle); what arrives later is due at the next dispatch."""
    flask = engine.flask_app()
    sessions, settings = flask.extensions["db_sessions"], flask.config["SETTINGS"]
    deadline, handled, limit = time.monotonic() + budget, 0, chunk_limit(settings)
    while True:
        try:
            count, wait = process_chunk(
                sessions, settings, portal_id, lambda: clock(),
                lambda p: client_for(p, sessions, settings, max_attempts=1))
        except Exception:  # as process_inbox: the rows keep their lease and backoff, and
            # `dispatch` queues the portal again when they are due (no job retry to collide
            # with a drain already waiting under drain:<id>)
            logger.exception("tasks.drain.failed", extra={"portal_id": portal_id})
            return handled, None
        handled += count
        if wait:
            return handled, wait  # at its rate limit: come back when a request is free
        if not count or count % limit:
            return handled, None
        if time.monotonic() > deadline:
            return handled, 0.0


def due_portals(limit: int = 1000) -> list[int]:
    """Portals with due events and no drain of theirs waiting or running.

    A running drain takes what arrives while it runs (it claims until nothing is due); what
    comes after its last claim is due at the next dispatch, a second later."""
    flask = engine.flask_app()
    with flask.extensions["db_sessions"]() as session:
        return without_drains(session, inbox.due_portals(session, clock(), limit=limit))


def inbox_due(limit: int = 1000) -> list[int]:
    """Portals with due events (the Redis engine checks its own mutexes after)."""
    flask = engine.flask_app()
    with flask.extensions["db_sessions"]() as session:
        return inbox.due_portals(session, clock(), limit=limit)


def without_drains(session: Session, portal_ids: list[int]) -> list[int]:
    if not portal_ids:
        return []
    taken = set(session.scalars(text(
        "SELECT lock FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
        "AND lock = ANY(:locks)"), {"locks": [lock_of(p) for p in portal_ids]}))
    return [p for p in portal_ids if lock_of(p) not in taken]


def register(app: procrastinate.App, settings: Settings) -> None:
    @app.task(name=DRAIN, pass_context=True)
    async def drain_portal(context: procrastinate.JobContext, portal_id: int) -> int:
        handled, again = await asyncio.to_thread(drain, portal_id)
        if again is not None:
            await defer_drain(context.app, portal_id, again or None)
        return handled

    # lock: two workers never run two seconds' dispatches at once (each would queue the same
    # portals); queueing_lock: at most one waits; priority: workers fetch by priority, then
    # FIFO, so without it the next dispatch waited behind every drain the last one queued
    # (measured: 4 dispatches in 11 s with 4 workers, and the trickle's p50 doubled)
    @app.periodic(cron="* * * * * *", periodic_id="dispatch")
    @app.task(name="dispatch", lock="dispatch", queueing_lock="dispatch", priority=PRIORITY,
              pass_context=True)
    async def dispatch(context: procrastinate.JobContext, timestamp: int) -> int:
        return await defer_drains(context.app, await asyncio.to_thread(due_portals))
