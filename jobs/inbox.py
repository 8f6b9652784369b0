"""Drain the inbox: per portal, chunks of up to 49 events at one batch request each.

No database transaction is held across a portal HTTP call (SQLite has one writer, and the token
refresh must commit on its own), so a chunk runs as: claim (commit) -> reads (HTTP) -> handlers
(one transaction, a savepoint per event) -> writes (HTTP) -> outcome (commit). The handler
transaction also saves the writes each event owes; when the chunk dies or its write batch fails
after that commit, the next attempt sends those writes instead of running the handlers again
(they would find their work done in the database and decide nothing: the writes would be lost).

Pipelined (issue 15 item 5): while a portal has more due events, the next chunk is claimed
after this chunk's handlers committed, and ONE batch (`halt=0`) carries this chunk's writes
followed by the next chunk's reads; each command's result or error goes to its own chunk.
A chunk thus costs one request instead of two; a crash between the steps leaves the writes
owed exactly as before, and the next chunk's lease simply runs out. A pass that ends while the
portal still has due events does not send its last chunk's writes alone: those rows go back
due with the writes they owe, and the next pass sends them with its first chunk's reads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from b24.batching import MAX_COMMANDS, BatchResult
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
PIPELINE_WAIT = 1.0  # s: the next step waits at most about one slot of the portal's 2 req/s
ClientFactory = Callable[[Portal], B24Client]


@dataclass
class Outcome:
    """Per event: the error that failed it (None = done), whether to retry, whose fault."""

    errors: dict[int, tuple[str, bool, bool]] = field(default_factory=dict)
    released: str | None = None  # the portal went away: hand every row back untried
    sent: set[str] = field(default_factory=set)  # write keys the portal took
    finished: set[int] = field(default_factory=set)  # done with the handlers' commit
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
    """A portal's due chunks, pipelined: (events handled, seconds to wait if at its limit).

    Up to settings.inbox_pipeline_chunks chunks, one request each (see _drain). To start, the
    portal needs room for the first request; the pass's next steps wait for their slots.
    """
    with sessions() as session:
        portal = portals.get(session, portal_id)
        session.expunge(portal)
    if portal.status != "active":
        return 0, 0.0  # went away since due_portals: its events wait for a reinstall
    b24 = factory(portal)
    try:
        wait = _ready_in(b24, 1)
        if wait > 0:
            return 0, wait
        return _drain(sessions, settings, portal, b24, clock), 0.0
    finally:
        b24.close()


def _ready_in(b24: B24Client, requests: int) -> float:
    """Seconds until `requests` requests fit the portal's bucket; scripted clients have none."""
    ready_in = getattr(b24, "ready_in", None)
    return ready_in(requests) if ready_in is not None else 0.0


@dataclass
class Chunk:
    """A claimed chunk on its way: reads -> handlers (commit) -> writes -> outcome."""

    rows: list[InboxEvent]
    outcome: Outcome = field(default_factory=Outcome)
    owed: dict[str, tuple[Write, set[int]]] = field(default_factory=dict)
    events: dict[int, StoredEvent] = field(default_factory=dict)
    reads: dict[str, Read] = field(default_factory=dict)
    writes: dict[str, tuple[Write, set[int]]] = field(default_factory=dict)


def _drain(sessions: sessionmaker[Session], settings: Settings, portal: Portal,
           b24: B24Client, clock: Callable[[], datetime]) -> int:
    """Chunk after chunk, each step ONE batch: chunk N's writes, then chunk N+1's reads.

    Chunk N+1 is claimed only after chunk N's handlers committed (with the writes they owe),
    and its reads run after chunk N's writes inside the same batch (sub-calls run in order),
    so every chunk still reads what the one before it wrote. Per-command errors go to the
    chunk whose command it was. A further step is taken while the portal's bucket has its
    next slot within PIPELINE_WAIT (nobody else is spending its budget meanwhile).
    """
    chunk = _claim(sessions, settings, portal, clock, None)
    if chunk is None:
        return 0
    answer = _step(sessions, portal, b24, None, chunk, clock)
    handled, left = 0, max(1, settings.inbox_pipeline_chunks) - 1
    limit = chunk_limit(settings)
    while chunk is not None:
        if answer is not None:  # None: its reads failed, the rows carry the error
            _handle(sessions, settings, portal, b24, chunk, answer, clock)
        following = None
        # a short chunk took every due row: claiming again would find nothing (what arrived
        # meanwhile is due in the next pass); that empty claim was a third of a quiet
        # portal's CPU in a profiled worker (bench/fleet.py's trickle)
        if left > 0 and answer is not None and chunk.outcome.released is None \
                and len(chunk.rows) >= limit and _ready_in(b24, 1) <= PIPELINE_WAIT:
            following = _claim(sessions, settings, portal, clock, chunk)
            left -= 1
        if following is None and handled and _carried(sessions, settings, portal, chunk,
                                                      clock()):
            break  # its writes go out with the next pass's first reads
        handled += len(chunk.rows)
        answer = _step(sessions, portal, b24, chunk, following, clock)
        _finish(sessions, settings, chunk.rows, chunk.outcome, clock())
        chunk = following
    return handled


def _carried(sessions: sessionmaker[Session], settings: Settings, portal: Portal,
             chunk: Chunk, now: datetime) -> bool:
    """End the pass without a request of its own for the last chunk's writes.

    While the portal has more due rows, the chunk's rows go back due with the writes they owe
    (saved with the handlers' commit), and the next pass, claiming them first, sends those
    writes with its first chunk's reads: a pass of N chunks costs N requests, not N + 1.
    Only a clean chunk is carried; one with a failed event sends its writes now as before.
    """
    if settings.inbox_pipeline_chunks < 2 or not chunk.writes or chunk.outcome.errors \
            or chunk.outcome.released is not None:
        return False
    with sessions() as session, session.begin():
        if not inbox.has_due(session, portal.id, now):
            return False
        write_lock(session)
        rows = inbox.by_id(session, (row.id for row in chunk.rows
                                     if row.id not in chunk.outcome.finished))
        owing = [row for row in rows.values() if inbox.planned_writes(row)]
        inbox.mark_done(session, [row for row in rows.values() if row not in owing], now)
        inbox.hand_back(session, owing, now)
    return True


def chunk_limit(settings: Settings) -> int:
    """Rows one claim takes at most: a handled count that is not a multiple of it means the
    last claim found the portal's due rows exhausted (tasks/drain.py stops there)."""
    if settings.inbox_pipeline_chunks > 1:
        return min(settings.inbox_chunk_size, MAX_COMMANDS - 1)
    return settings.inbox_chunk_size


def _claim(sessions: sessionmaker[Session], settings: Settings, portal: Portal,
           clock: Callable[[], datetime], held: Chunk | None) -> Chunk | None:
    """Lease the next chunk (next to the one we still hold) and name its reads.

    With pipelining a chunk is at most 49 events: one write each leaves the batch that
    carries them one command for the next chunk's reads (gets by id share a list command).
    """
    limit = chunk_limit(settings)
    token = held.rows[0].locked_by if held is not None else None
    with sessions() as session:
        rows = inbox.claim(session, portal.id, clock(), limit, held=token)
    if not rows:
        return None
    chunk = Chunk(rows, owed=_owed_writes(rows))  # owed: handled before, only to be sent
    chunk.events = {row.id: from_row(row, portal) for row in rows
                    if inbox.planned_writes(row) is None}
    _drop_echoes(sessions, portal, chunk.events, clock())
    chunk.reads = _wanted_reads(chunk.events, chunk.outcome)
    return chunk


def _step(sessions: sessionmaker[Session], portal: Portal, b24: B24Client,
          done: Chunk | None, following: Chunk | None,
          clock: Callable[[], datetime]) -> BatchResult | None:
    """One request: `done`'s writes, then `following`'s reads; the reads' answer or None."""
    writes = done.writes if done is not None else {}
    reads = following.reads if following is not None else {}
    cmds = {key: (w.method, w.params) for key, (w, _) in writes.items()}
    if cmds.keys() & reads.keys():  # a write and a read share a key: send them apart
        answer = _step(sessions, portal, b24, done, None, clock)
        return None if answer is None else _step(sessions, portal, b24, None, following, clock)
    cmds.update((key, (read.method, read.params)) for key, read in reads.items())
    chunks = [c for c in (done, following) if c is not None]
    try:
        answer = b24.batch(cmds) if cmds else BatchResult()
    except PortalGone as exc:
        _portal_gone(sessions, portal, [c.outcome for c in chunks], exc, clock())
        return None
    except B24Error as exc:  # 503 for a while, network down, refresh refused: retry later
        if done is not None:
            _writes_failed(done, exc)
        if following is not None:
            _chunk_failed(portal, following, exc)
        return None
    if done is not None:
        _writes_answered(done, answer)
    return answer


def _handle(sessions: sessionmaker[Session], settings: Settings, portal: Portal,
            b24: B24Client, chunk: Chunk, answer: BatchResult,
            clock: Callable[[], datetime]) -> None:
    """Run the handlers on the chunk's reads; leave the writes it owes in chunk.writes."""
    results = {key: answer.results[key] for key in chunk.reads if key in answer.results}
    errors = {key: answer.errors[key] for key in chunk.reads if key in answer.errors}
    fresh = _run_handlers(sessions, settings, portal, b24, chunk.events, results, errors,
                          chunk.outcome, clock())
    owed = chunk.owed
    writes = {**owed, **fresh}  # a fresh decision replaces an owed one with its key
    for key in owed.keys() & fresh.keys():
        writes[key] = (fresh[key][0], fresh[key][1] | owed[key][1])
    _expect_echoes(sessions, portal, writes, clock())
    try:
        _drop_found(b24, chunk.rows, writes, chunk.outcome)
    except PortalGone as exc:
        _portal_gone(sessions, portal, [chunk.outcome], exc, clock())
        return
    except B24Error as exc:
        _chunk_failed(portal, chunk, exc)
        return
    chunk.writes = writes


def _chunk_failed(portal: Portal, chunk: Chunk, exc: B24Error) -> None:
    logger.warning("job.process_inbox.portal_error",
                   extra={"member_id": portal.member_id, "error": str(exc)})
    for row in chunk.rows:
        chunk.outcome.fail(row.id, f"{type(exc).__name__}: {exc}", portal_fault=portal_fault(exc))


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


def _wanted_reads(events: dict[int, StoredEvent], outcome: Outcome) -> dict[str, Read]:
    """The chunk's reads, one per key; an event whose reads cannot even be named fails alone."""
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
    return wanted


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
        _save_writes(session, events, writes, outcome, now)
        session.commit()
    return writes


def _save_writes(session: Session, events: dict[int, StoredEvent],
                 writes: dict[str, tuple[Write, set[int]]], outcome: Outcome,
                 now: datetime) -> None:
    """Handled events commit together with the writes they owe, or as done if they owe none
    (store.inbox.save_writes)."""
    planned: dict[int, list[inbox.PlannedWrite]] = {
        row_id: [] for row_id in events if row_id not in outcome.errors}
    for key, (write, owners) in writes.items():
        for row_id in owners & planned.keys():
            planned[row_id].append((key, write.method, write.params))
    outcome.finished |= inbox.save_writes(session, planned, now)


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


def _writes_failed(chunk: Chunk, exc: B24Error) -> None:
    """The request carrying the chunk's writes failed: their owners retry (lost: look first)."""
    if origins.answer_lost(exc):
        chunk.outcome.lost.update(chunk.writes.keys())
    for _, owners in chunk.writes.values():
        for row_id in owners:
            chunk.outcome.fail(row_id, f"write batch: {type(exc).__name__}: {exc}",
                               portal_fault=portal_fault(exc))


def _writes_answered(chunk: Chunk, answer: BatchResult) -> None:
    """Each write's own result: a failed one fails only the events that owed it."""
    outcome, writes = chunk.outcome, chunk.writes
    outcome.sent.update(writes.keys() - answer.errors.keys())
    for key, (write, owners) in writes.items():
        error = answer.errors.get(key)
        if error is None:
            continue
        for row_id in owners:
            outcome.fail(row_id, f"{write.method}: {error}",
                         transient=getattr(error, "transient", True))


def _portal_gone(sessions: sessionmaker[Session], portal: Portal, outcomes: list[Outcome],
                 exc: PortalGone, now: datetime) -> None:
    """Unpaid or deleted: stop calling it, keep its events for the day it is installed again."""
    logger.error("job.process_inbox.portal_gone",
                 extra={"member_id": portal.member_id, "error": str(exc)})
    with sessions() as session, session.begin():
        portals.mark_gone(session, portals.get(session, portal.id), str(exc), now)
    for outcome in outcomes:
        outcome.released = f"portal gone: {exc}"


def _finish(sessions: sessionmaker[Session], settings: Settings, rows: Sequence[InboxEvent],
            outcome: Outcome, now: datetime) -> None:
    """Each row's outcome, except the rows already done with the handlers' commit."""
    left = [claimed.id for claimed in rows if claimed.id not in outcome.finished]
    if not left:
        return
    with sessions() as session, session.begin():
        write_lock(session)
        # Fresh rows, with the writes the handlers saved (a merge of the claimed copies would
        # write their stale payload back over them).
        fresh = inbox.by_id(session, left)
        merged = [fresh[row_id] for row_id in left]
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
