"""The durable inbox: every verified event is stored before we answer 200, then drained."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, or_, select, text, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.db import write_lock
from store.models import InboxEvent, Portal, SyncCursor

DIRECTORY_CURSOR = "directory"  # a sync cursor whose watermark None holds the events back

LEASE = timedelta(minutes=5)
ADVISORY_SPACE = 0x1B0C  # first key of the per-portal claim lock (pg_advisory_xact_lock)
WRITES = "writes"  # payload key: the REST writes a handled event still owes the portal
LOST = "lost"  # payload key: {write key: when it was sent} for writes whose answer was lost
PlannedWrite = tuple[str, str, dict[str, Any]]  # (key, method, params)


def coalesce_key(code: str, data: Any) -> str:
    """Same code and same data (for CRM events: the entity id) merge while pending."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{code.upper()}|{canonical}".encode()).hexdigest()


def record(session: Session, *, portal_id: int, code: str, payload: dict[str, Any],
           event_ts: str | None, now: datetime) -> bool:
    """Insert the event unless an identical one is already pending; False means merged."""
    values = {
        "portal_id": portal_id, "code": code.upper(), "payload": payload, "event_ts": event_ts,
        "coalesce_key": coalesce_key(code, payload.get("data")), "status": "pending",
        "attempts": 0, "next_attempt_at": now, "received_at": now,
    }
    stmt = _record_statement(session.get_bind().dialect.name)
    return session.connection().execute(stmt, values).first() is not None


@cache
def _record_statement(dialect: str) -> Any:
    """The INSERT ... ON CONFLICT DO NOTHING RETURNING id, built once per backend and run on the
    session's connection (Core, not the ORM's bulk path): building it per event (values(),
    on_conflict, returning) cost more CPU than executing it, and every acknowledged webhook
    pays it (bench/ack.py: 3.5 ms of CPU per request before, most of it statement building).
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(InboxEvent).on_conflict_do_nothing().returning(InboxEvent.id)


def _claimable(now: datetime):  # noqa: ANN202 - SQL expression
    due = and_(InboxEvent.status == "pending", InboxEvent.next_attempt_at <= now)
    # A worker that died mid-chunk leaves rows "processing" until their lease runs out.
    abandoned = and_(InboxEvent.status == "processing", InboxEvent.locked_until < now)
    return or_(due, abandoned)


def due_portals(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Active portals with work, longest due first, so one busy portal cannot starve the rest.

    "Due" counts from `next_attempt_at`, not from arrival: a portal whose chunk just failed
    queues behind portals that have been waiting longer, so its retries never take a healthy
    portal's place in the round. Events of a portal that is not active (gone: unpaid or
    deleted; uninstalled) stay pending and untouched until it is installed again, and so do
    those of a portal whose first directory sync is still owed (handlers.directory).
    """
    owed = select(SyncCursor.portal_id).where(SyncCursor.entity == DIRECTORY_CURSOR,
                                              SyncCursor.watermark.is_(None))
    stmt = (select(InboxEvent.portal_id).join(Portal, Portal.id == InboxEvent.portal_id)
            .where(_claimable(now), Portal.status == "active", Portal.id.not_in(owed))
            .group_by(InboxEvent.portal_id)
            .order_by(func.min(InboxEvent.next_attempt_at), func.min(InboxEvent.id))
            .limit(limit))
    return list(session.scalars(stmt))


def claim(session: Session, portal_id: int, now: datetime, limit: int, *,
          held: str | None = None) -> list[InboxEvent]:
    """Atomically lease up to `limit` rows of one portal; safe with many workers on PostgreSQL.

    It commits: a lease nobody else can see is no lease (the one store function that does).

    One portal's events are worked by one worker at a time: while another worker holds a live
    lease on this portal, nothing is claimed. Handlers decide from the difference between the
    mirror and what they read, so two chunks of one portal in parallel (a claim and the return
    that follows it) each saw half the story and both reactions were lost.

    The UPDATE re-checks the claimable condition per row, so when two workers race for the same
    ids only one of them changes each row; each then reads back the rows carrying its own token.

    `held`: the lease token of the chunk this worker still holds (its handlers ran, its writes
    go out together with this chunk's reads, jobs/inbox.py): that lease is ours, not busy.
    """
    token = uuid.uuid4().hex
    if _portal_busy(session, portal_id, now, held):
        session.commit()
        return []
    ids = (select(InboxEvent.id)
           .where(InboxEvent.portal_id == portal_id, _claimable(now))
           .order_by(InboxEvent.id).limit(limit))
    session.execute(
        update(InboxEvent)
        .where(InboxEvent.id.in_(ids.scalar_subquery()), _claimable(now))
        .values(status="processing", locked_by=token, locked_until=now + LEASE,
                coalesce_key=None, attempts=InboxEvent.attempts + 1)
        .execution_options(synchronize_session=False))
    session.commit()
    rows = session.scalars(select(InboxEvent).where(InboxEvent.locked_by == token,
                                                    InboxEvent.status == "processing")
                           .order_by(InboxEvent.id)
                           .execution_options(populate_existing=True))
    return list(rows)


def _portal_busy(session: Session, portal_id: int, now: datetime,
                 held: str | None = None) -> bool:
    """Is a live lease held on this portal? Checked under a per-portal lock, so that two
    workers cannot both see "free" (SQLite: the write lock; PostgreSQL: an advisory lock
    held until the claim commits)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :portal)"),
                        {"space": ADVISORY_SPACE, "portal": portal_id})
    else:
        write_lock(session)
    others = InboxEvent.locked_by != held if held is not None else true()
    return session.scalar(select(exists().where(
        InboxEvent.portal_id == portal_id, InboxEvent.status == "processing",
        InboxEvent.locked_until >= now, others))) or False


def mark_done(session: Session, rows: Sequence[InboxEvent], now: datetime) -> None:
    for row in rows:
        row.status, row.done_at, row.locked_until, row.last_error = "done", now, None, None


def mark_failed(session: Session, row: InboxEvent, error: str, now: datetime, *,
                max_attempts: int, transient: bool = True, portal_fault: bool = False) -> None:
    """Back off exponentially (2 s, 4 s ... capped at 30 min); give up after max_attempts.

    `portal_fault`: the portal, not the event, failed (503 for hours, network, refresh refused);
    the event keeps retrying at the capped backoff instead of being dead-lettered.
    """
    row.last_error = error[:4000]
    row.locked_until = None
    if not portal_fault and (not transient or row.attempts >= max_attempts):
        row.status = "dead"
        return
    row.status = "pending"
    row.next_attempt_at = now + timedelta(seconds=min(2 ** row.attempts, 1800))


def save_writes(session: Session, planned: Mapping[int, list[PlannedWrite]],
                now: datetime) -> set[int]:
    """Remember, in the handlers' own transaction, the writes each handled event still owes;
    an event that owes none is done in that same transaction. Returns the ids done.

    The handlers' database effects commit before the write batch is sent; a worker that dies
    (or a write batch that fails) in between must not lose the writes, and running the handlers
    again would find their work done and decide nothing. The next attempt sends these instead.
    Nothing is left to happen to an event without writes, so it needs no second transaction
    (for a quiet portal's chunk, that one was a tenth of the worker's CPU: bench/fleet.py).
    """
    rows = by_id(session, planned)
    done: list[InboxEvent] = []
    for row_id, writes in planned.items():
        row = rows.get(row_id)
        if row is None:
            continue
        if writes:
            row.payload = {**row.payload, WRITES: [list(w) for w in writes]}
        else:
            done.append(row)
    mark_done(session, done, now)
    return {row.id for row in done}


def by_id(session: Session, ids: Iterable[int]) -> dict[int, InboxEvent]:
    """Rows by id in one query (a chunk's 50 one-row SELECTs cost more than its handlers)."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = session.scalars(select(InboxEvent).where(InboxEvent.id.in_(wanted))
                           .execution_options(populate_existing=True))
    return {row.id: row for row in rows}


def planned_writes(row: InboxEvent) -> list[PlannedWrite] | None:
    """None: the handlers have not run yet; a list (maybe empty): only these writes are left."""
    value = (row.payload or {}).get(WRITES)
    return None if value is None else [(k, m, p) for k, m, p in value]


def drop_writes(row: InboxEvent, sent: set[str]) -> None:
    """After a partly sent write batch, owe only what did not go out."""
    writes = planned_writes(row)
    if writes is not None:
        row.payload = {**row.payload, WRITES: [list(w) for w in writes if w[0] not in sent]}


def mark_lost(row: InboxEvent, keys: set[str], sent_at: datetime) -> None:
    """These owed writes went out but their answer never came: look them up before resending."""
    owed = {w[0] for w in planned_writes(row) or ()}
    lost = {**{k: sent_at.isoformat() for k in keys & owed}, **lost_writes(row)}  # first send
    row.payload = {**row.payload, LOST: {k: v for k, v in lost.items() if k in owed}}


def lost_writes(row: InboxEvent) -> dict[str, str]:
    """{write key: ISO time of the send whose answer was lost} (the first such send)."""
    return dict((row.payload or {}).get(LOST) or {})


def defer_portal(session: Session, portal_id: int, until: datetime) -> None:
    """The portal itself failed: its other pending events wait as long as the failed chunk.

    Otherwise the next round would claim the portal's next chunk, meet the same 503 or refusal,
    and keep a place in every round that a healthy portal could have used.
    """
    session.execute(
        update(InboxEvent)
        .where(InboxEvent.portal_id == portal_id, InboxEvent.status == "pending",
               InboxEvent.next_attempt_at < until)
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False))


def release(session: Session, rows: Sequence[InboxEvent], now: datetime, error: str) -> None:
    """Hand claimed rows back untried (their portal went away): pending, the attempt uncounted."""
    for row in rows:
        row.status, row.locked_until, row.next_attempt_at = "pending", None, now
        row.attempts = max(0, row.attempts - 1)
        row.last_error = error[:4000]


def hand_back(session: Session, rows: Sequence[InboxEvent], now: datetime) -> None:
    """Handled rows whose writes are saved but not sent: due again at once, the attempt
    uncounted, so the next pass sends the writes with its first reads (jobs/inbox.py)."""
    for row in rows:
        row.status, row.locked_until, row.next_attempt_at = "pending", None, now
        row.attempts = max(0, row.attempts - 1)


def has_due(session: Session, portal_id: int, now: datetime) -> bool:
    """Does the portal have a claimable row (besides the ones this worker leases)?"""
    return session.scalar(select(exists().where(
        InboxEvent.portal_id == portal_id, _claimable(now)))) or False


@dataclass(frozen=True)
class InboxStats:
    pending: int
    processing: int
    done: int
    dead: int


def stats(session: Session, portal_id: int | None = None) -> InboxStats:
    stmt = select(InboxEvent.status, func.count()).group_by(InboxEvent.status)
    if portal_id is not None:
        stmt = stmt.where(InboxEvent.portal_id == portal_id)
    counts = dict(session.execute(stmt).all())
    return InboxStats(*(counts.get(s, 0) for s in ("pending", "processing", "done", "dead")))


def over_quota(session: Session, portal_id: int, *, quota: int) -> bool:
    """Does the portal already have `quota` events waiting (pending or being worked)?

    Reads at most `quota` index entries (ix_inbox_events_portal_status), never the whole inbox.
    """
    statement = _quota_statement(session.get_bind().dialect.name)
    found = session.connection().execute(statement, {"portal": portal_id,
                                                     "quota": quota}).scalar()
    return (found or 0) >= quota


@cache
def _quota_statement(dialect: str) -> Any:
    """Built once (portal and quota as parameters): it runs on every webhook (see record).
    On SQLite two equalities, not IN (...): an IN list is an expanding parameter, rendered
    again on every execution (a fifth of the ack's statement CPU), and SQLite searches the
    index for each equality just the same. PostgreSQL keeps the IN, which it plans as one
    index condition (an OR could become a filter over the portal's done rows)."""
    waiting_status = (or_(InboxEvent.status == "pending", InboxEvent.status == "processing")
                      if dialect == "sqlite"
                      else InboxEvent.status.in_(("pending", "processing")))
    waiting = (select(InboxEvent.id)
               .where(InboxEvent.portal_id == bindparam("portal"), waiting_status)
               .limit(bindparam("quota")).subquery())
    return select(func.count()).select_from(waiting)


def purge(session: Session, *, done_before: datetime, dead_before: datetime,
          limit: int = 5000) -> int:
    """Delete up to `limit` done rows finished before `done_before` and dead rows received
    before `dead_before`; the caller commits and calls again while it returns `limit`."""
    old = or_(and_(InboxEvent.status == "done", InboxEvent.done_at < done_before),
              and_(InboxEvent.status == "dead", InboxEvent.received_at < dead_before))
    ids = list(session.scalars(select(InboxEvent.id).where(old).limit(limit)))
    if ids:
        session.execute(delete(InboxEvent).where(InboxEvent.id.in_(ids))
                        .execution_options(synchronize_session=False))
    return len(ids)
