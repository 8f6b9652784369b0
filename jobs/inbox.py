"""Drain the inbox: per portal, up to 50 events cost one read batch and one write batch.

No database transaction is held across a portal HTTP call (SQLite has one writer, and the token
refresh must commit on its own), so a chunk runs as: claim (commit) -> reads (HTTP) -> handlers
(one transaction, a savepoint per event) -> writes (HTTP) -> outcome (commit). The handler
transaction also saves the writes each event owes; when the chunk dies or its write batch fails
after that commit, the next attempt sends those writes instead of running the handlers again
(they would find their work done in the database and decide nothing: the writes would be lost).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from b24.client import B24Client
from b24.errors import (
    B24Error,
    B24TransportError,
    ExpiredToken,
    InvalidGrant,
    PortalGone,
    RateLimited,
    ServerError,
)
from b24.values import to_int
from config import Settings
from handlers import origins, router
from handlers.context import HandlerContext, Write, client_for
from handlers.router import Read, Route
from handlers.stored import StoredEvent, from_row
from store import echoes, inbox, portals
from store.db import write_lock
from store.models import InboxEvent, Portal

logger = logging.getLogger(__name__)
ECHO_CODES = {"ONCRMDEALUPDATE": "deal", "ONCRMLEADUPDATE": "lead", "ONCRMCONTACTUPDATE": "contact"}
WRITE_ENTITIES = {"crm.deal.update": "deal", "crm.lead.update": "lead",
                  "crm.contact.update": "contact"}
ECHO_WINDOW = timedelta(minutes=2)
ClientFactory = Callable[[Portal], B24Client]


@dataclass
class Outcome:
    """Per event: the error that failed it (None = done), whether to retry, whose fault."""

    errors: dict[int, tuple[str, bool, bool]] = field(default_factory=dict)
    released: str | None = None  # the portal went away: hand every row back untried
    sent: set[str] = field(default_factory=set)  # write keys the portal took
    lost: set[str] = field(default_factory=set)  # sent, answer lost: maybe the portal took them

    def fail(self, row_id: int, error: str, *, transient: bool = True,
             portal_fault: bool = False) -> None:
        self.errors.setdefault(row_id, (error, transient, portal_fault))


def process_inbox(sessions: sessionmaker[Session], settings: Settings, *,
                  now: Callable[[], datetime] | None = None,
                  client_factory: ClientFactory | None = None, max_rounds: int = 1,
                  sleep: Callable[[float], None] = time.sleep, threads: int | None = None) -> int:
    """One pass (or `max_rounds`) over every portal with due events; returns events handled.

    A pass runs up to `threads` portals at once (settings.worker_threads; 1 is the serial loop),
    one chunk per portal: a portal is in a pass once, and the inbox lease keeps it to one chunk
    at a time across passes and processes too. The portal's rate bucket is shared by all
    threads (b24/ratelimit.py). A portal at its rate limit is passed over, not waited for: the
    loop sleeps only when every due portal is waiting, so one slow or failing portal never
    holds the others (STYLE rule 8).
    """
    clock = now or (lambda: datetime.now(UTC))
    factory = client_factory or (lambda p: client_for(p, sessions, settings, max_attempts=1))
    threads = max(1, threads or settings.worker_threads)

    def one_portal(portal_id: int) -> tuple[int, float]:
        try:
            return process_chunk(sessions, settings, portal_id, clock, factory)
        except Exception:  # one portal never stops the others (STYLE rule 8)
            logger.exception("job.process_inbox.portal_failed", extra={"portal_id": portal_id})
            return 0, 0.0

    handled = 0
    with ThreadPoolExecutor(threads, thread_name_prefix="inbox") as pool:
        for _ in range(max_rounds):
            with sessions() as session:
                portal_ids = inbox.due_portals(session, clock(), limit=max(100, 4 * threads))
            if not portal_ids:
                break
            outcomes = list(pool.map(one_portal, portal_ids))
            done = sum(count for count, _ in outcomes)
            waits = [wait for _, wait in outcomes if wait]
            handled += done
            if not done and waits:
                sleep(min(waits))  # every due portal is at its limit: nothing else to do meanwhile
    return handled


def process_chunk(sessions: sessionmaker[Session], settings: Settings, portal_id: int,
                  clock: Callable[[], datetime], factory: ClientFactory) -> tuple[int, float]:
    """Up to one chunk of a portal: (events handled, seconds to wait if it is at its limit)."""
    with sessions() as session:
        portal = portals.get(session, portal_id)
        session.expunge(portal)
    if portal.status != "active":
        return 0, 0.0  # went away since due_portals: its events wait for a reinstall
    b24 = factory(portal)
    try:
        wait = _ready_in(b24)
        if wait > 0:
            return 0, wait
        with sessions() as session:
            rows = inbox.claim(session, portal_id, clock(), settings.inbox_chunk_size)
        if rows:
            _run_chunk(sessions, settings, portal, b24, rows, clock)
        return len(rows), 0.0
    finally:
        b24.close()


def _ready_in(b24: B24Client) -> float:
    """A chunk costs two requests (reads, writes); scripted test clients have no bucket."""
    ready_in = getattr(b24, "ready_in", None)
    return ready_in(2) if ready_in is not None else 0.0


def _run_chunk(sessions: sessionmaker[Session], settings: Settings, portal: Portal,
               b24: B24Client, rows: Sequence[InboxEvent],
               clock: Callable[[], datetime]) -> None:
    outcome = Outcome()
    owed = _owed_writes(rows)  # handled before a crash or a failed write: only send
    events = {row.id: from_row(row, portal) for row in rows
              if inbox.planned_writes(row) is None}
    _drop_echoes(sessions, portal, events, clock())
    try:
        results, read_errors = _run_reads(b24, events, outcome)
        fresh = _run_handlers(sessions, settings, portal, b24, events, results, read_errors,
                              outcome, clock())
        writes = {**owed, **fresh}  # a fresh decision replaces an owed one with its key
        for key in owed.keys() & fresh.keys():
            writes[key] = (fresh[key][0], fresh[key][1] | owed[key][1])
        _expect_echoes(sessions, portal, writes, clock())
        _drop_found(b24, rows, writes, outcome)
        _run_writes(b24, writes, outcome)
    except PortalGone as exc:
        _portal_gone(sessions, portal, outcome, exc, clock())
    except B24Error as exc:  # 503 for a while, network down, refresh refused: retry later
        logger.warning("job.process_inbox.portal_error",
                       extra={"member_id": portal.member_id, "error": str(exc)})
        for row in rows:
            outcome.fail(row.id, f"{type(exc).__name__}: {exc}", portal_fault=portal_fault(exc))
    _finish(sessions, settings, rows, outcome, clock())


def portal_fault(exc: B24Error) -> bool:
    """The portal (or the way to it) failed, not these events: they wait, never dead-lettered.

    A request-level 4xx (a malformed batch, 413) may be caused by one event's payload, so it
    stays an event failure and ends in `dead` after max_attempts instead of blocking the portal.
    """
    if isinstance(exc, B24TransportError):
        return exc.status is None or exc.status >= 500
    return isinstance(exc, RateLimited | ServerError | InvalidGrant | ExpiredToken)


def _owed_writes(rows: Sequence[InboxEvent]) -> dict[str, tuple[Write, set[int]]]:
    owed: dict[str, tuple[Write, set[int]]] = {}
    for row in rows:
        for key, method, params in inbox.planned_writes(row) or ():
            owed.setdefault(key, (Write(method, params, key), set()))[1].add(row.id)
    return owed


def _drop_echoes(sessions: sessionmaker[Session], portal: Portal,
                 events: dict[int, StoredEvent], now: datetime) -> None:
    """Our own update's event, by our own user, right after we wrote: nothing to learn."""
    if portal.installer_user_id is None:
        return
    # Only events our own user caused can be echoes: no write lock at all for the others.
    ours: dict[int, tuple[str, int]] = {}
    for row_id, event in events.items():
        entity = ECHO_CODES.get(event.code)
        fields = event.data.get("FIELDS") if isinstance(event.data, dict) else None
        entity_id = to_int((fields or {}).get("ID"))
        if entity and entity_id and event.auth.user_id == portal.installer_user_id:
            ours[row_id] = (entity, entity_id)
    if not ours:
        return
    with sessions() as session, session.begin():
        write_lock(session)
        for row_id, (entity, entity_id) in ours.items():
            if echoes.consume(session, portal.id, entity, entity_id, now):
                del events[row_id]


def _expect_echoes(sessions: sessionmaker[Session], portal: Portal,
                   writes: dict[str, tuple[Write, set[int]]], now: datetime) -> None:
    marks = [(WRITE_ENTITIES[w.method], to_int(w.params.get("id")))
             for w, _ in writes.values() if w.method in WRITE_ENTITIES]
    if marks:
        with sessions() as session, session.begin():
            write_lock(session)
            echoes.expect(session, portal.id, [m for m in marks if m[1]], now + ECHO_WINDOW)


def _routes(event: StoredEvent) -> tuple[Route, ...]:
    return tuple(r for r in router.handlers_for(event.code) if not r.inline)


def _run_reads(b24: B24Client, events: dict[int, StoredEvent],
               outcome: Outcome) -> tuple[dict, dict]:
    """One batch for the whole chunk; an event whose reads cannot even be named fails alone."""
    wanted: dict[str, Read] = {}
    for row_id, event in list(events.items()):
        try:
            reads = [read for route in _routes(event) for read in route.reads(event)]
        except Exception as exc:  # a payload no handler can use: retrying will not fix it
            logger.warning("job.process_inbox.bad_payload",
                           extra={"inbox_id": row_id, "event": event.code, "error": str(exc)})
            outcome.fail(row_id, f"bad payload: {exc}", transient=False)
            del events[row_id]
            continue
        for read in reads:
            wanted.setdefault(read.key, read)
    if not wanted:
        return {}, {}
    batch = b24.batch({key: (r.method, r.params) for key, r in wanted.items()})
    return batch.results, batch.errors


def _run_handlers(sessions: sessionmaker[Session], settings: Settings, portal: Portal,
                  b24: B24Client, events: dict[int, StoredEvent], results: dict,
                  read_errors: dict, outcome: Outcome,
                  now: datetime) -> dict[str, tuple[Write, set]]:
    """Run every handler; returns the deduplicated writes with the events that asked for them."""
    writes: dict[str, tuple[Write, set[int]]] = {}
    with sessions() as session:
        write_lock(session)
        portal = session.merge(portal, load=False)
        for row_id, event in events.items():
            for route in _routes(event):
                ctx = HandlerContext(portal=portal, session=session, settings=settings, now=now,
                                     b24=b24, reads=results, read_errors=read_errors)
                try:
                    with session.begin_nested():
                        route.func(event, ctx)
                except Exception as exc:
                    logger.exception("job.process_inbox.handler_failed", extra={
                        "member_id": portal.member_id, "event": event.code, "inbox_id": row_id,
                        "handler": route.name})
                    outcome.fail(row_id, f"{route.name}: {type(exc).__name__}: {exc}",
                                 transient=getattr(exc, "transient", True))
                    continue
                for write in ctx.writes:
                    owners = writes.pop(write.key, (write, set()))[1]
                    writes[write.key] = (write, owners | {row_id})
        _save_writes(session, events, writes, outcome)
        session.commit()
    return writes


def _save_writes(session: Session, events: dict[int, StoredEvent],
                 writes: dict[str, tuple[Write, set[int]]], outcome: Outcome) -> None:
    """Handled events commit together with the writes they owe (store.inbox.save_writes)."""
    planned: dict[int, list[inbox.PlannedWrite]] = {
        row_id: [] for row_id in events if row_id not in outcome.errors}
    for key, (write, owners) in writes.items():
        for row_id in owners & planned.keys():
            planned[row_id].append((key, write.method, write.params))
    inbox.save_writes(session, planned)


def _drop_found(b24: B24Client, rows: Sequence[InboxEvent],
                writes: dict[str, tuple[Write, set[int]]], outcome: Outcome) -> None:
    """Writes sent before whose answer was lost: a comment the portal already shows is not
    sent again (updates and tagged notifications are safe to repeat; see handlers/origins)."""
    lost = {key: datetime.fromisoformat(at) for row in rows
            for key, at in inbox.lost_writes(row).items()
            if key in writes and writes[key][0].method == origins.COMMENT_ADD}
    if not lost:
        return
    found = b24.batch({key: origins.comment_cmd(writes[key][0].params, at)
                       for key, at in lost.items()})
    for key in lost:
        if key not in found.errors and origins.comment_found(found.results.get(key),
                                                            writes[key][0].params):
            logger.info("job.process_inbox.write_found", extra={"key": key})
            outcome.sent.add(key)
            del writes[key]


def _run_writes(b24: B24Client, writes: dict[str, tuple[Write, set[int]]],
                outcome: Outcome) -> None:
    if not writes:
        return
    try:
        batch = b24.batch({key: (w.method, w.params) for key, (w, _) in writes.items()})
    except PortalGone:
        raise
    except B24Error as exc:
        if origins.answer_lost(exc):
            outcome.lost.update(writes.keys())
        for _, owners in writes.values():
            for row_id in owners:
                outcome.fail(row_id, f"write batch: {type(exc).__name__}: {exc}",
                             portal_fault=portal_fault(exc))
        return
    outcome.sent.update(writes.keys() - batch.errors.keys())
    for key, error in batch.errors.items():
        for row_id in writes[key][1]:
            outcome.fail(row_id, f"{writes[key][0].method}: {error}",
                         transient=getattr(error, "transient", True))


def _portal_gone(sessions: sessionmaker[Session], portal: Portal, outcome: Outcome,
                 exc: PortalGone, now: datetime) -> None:
    """Unpaid or deleted: stop calling it, keep its events for the day it is installed again."""
    logger.error("job.process_inbox.portal_gone",
                 extra={"member_id": portal.member_id, "error": str(exc)})
    with sessions() as session, session.begin():
        portals.mark_gone(session, portals.get(session, portal.id), str(exc), now)
    outcome.released = f"portal gone: {exc}"


def _finish(sessions: sessionmaker[Session], settings: Settings, rows: Sequence[InboxEvent],
            outcome: Outcome, now: datetime) -> None:
    with sessions() as session, session.begin():
        write_lock(session)
        # Fresh rows, with the writes the handlers saved (a merge of the claimed copies would
        # write their stale payload back over them).
        fresh = inbox.by_id(session, (claimed.id for claimed in rows))
        merged = [fresh[claimed.id] for claimed in rows]
        if outcome.released is not None:
            inbox.release(session, merged, now, outcome.released)
            return
        retry_at: datetime | None = None
        for row in merged:
            if row.id not in outcome.errors:
                inbox.mark_done(session, [row], now)
                continue
            error, transient, portal_fault = outcome.errors[row.id]
            inbox.drop_writes(row, outcome.sent)
            inbox.mark_lost(row, outcome.lost, now)
            inbox.mark_failed(session, row, error, now, transient=transient,
                              portal_fault=portal_fault, max_attempts=settings.inbox_max_attempts)
            if portal_fault:
                retry_at = max(retry_at or row.next_attempt_at, row.next_attempt_at)
        if retry_at is not None:  # the portal failed, not the events: all of them wait
            session.flush()
            inbox.defer_portal(session, merged[0].portal_id, retry_at)
