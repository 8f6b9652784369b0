"""Presence rows (RoutingPresence): written by the presence job, read by the snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.routing_models import RoutingPresence

Seen = tuple[str | None, date | None, str]  # (reason or None for present, until, source)


def save_presence(session: Session, portal_id: int, seen: Mapping[int, Seen], *,
                  now: datetime) -> None:
    """Replace the portal's rows with what the job saw now (people no longer tracked go)."""
    rows = {r.b24_user_id: r for r in session.scalars(select(RoutingPresence).where(
        RoutingPresence.portal_id == portal_id))}
    for user_id, (reason, until, source) in seen.items():
        row = rows.pop(user_id, None)
        if row is None:
            row = RoutingPresence(portal_id=portal_id, b24_user_id=user_id)
            session.add(row)
        row.reason, row.until, row.source = reason, until, source
        row.checked_at = now
    if rows:
        session.execute(delete(RoutingPresence).where(
            RoutingPresence.id.in_([r.id for r in rows.values()])))
    session.flush()


def load_away(session: Session, portal_id: int, *, fresh_since: datetime) -> dict[int, Seen]:
    """Who is away, from rows checked since `fresh_since` (older ones say nothing any more)."""
    return {r.b24_user_id: (r.reason, r.until, r.source)
            for r in session.scalars(select(RoutingPresence).where(
                RoutingPresence.portal_id == portal_id, RoutingPresence.reason.is_not(None),
                RoutingPresence.checked_at >= fresh_since))}
