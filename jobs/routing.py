"""Call cards in Bitrix24 follow the PBX's reports, from the scheduler, never in the PBX's request.

Why a job and not the request: the PBX waits on our answer with a caller on the line, and a
portal call can take seconds (rate bucket, a token refresh, a slow portal) — so the progress
endpoint only records the report and marks the call pending, and this job (every second)
tells the portal. A failure is retried with backoff; the card state columns make it safe.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session

from b24.errors import B24Error, PortalGone
from handlers.exchange.actions import ActionContext
from handlers.routing import cards
from handlers.routing.clients import Directory
from handlers.routing.presence_fetch import fetch_presence, tracked
from handlers.routing.snapshot import load_snapshot
from store import presence as presence_store
from store import routing as store

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
BACKOFF = timedelta(seconds=2)


def pending_portals(session: Session) -> list[int]:
    """Portals with a call whose card lags (one indexed query: the job's idle cost)."""
    return store.portals_with_pending_cards(session)


def push_cards(ctx: ActionContext) -> int:
    """Per portal: every call whose card lags behind; returns how many are now up to date."""
    rows = store.pending_cards(ctx.session, ctx.portal.id, ctx.now)
    for row in rows:
        ctx.session.expunge(row)  # cards.push updates its copy; the columns go via save_card
    ctx.session.commit()  # no transaction stays open while the portal is called
    done = 0
    for row in rows:
        version = row.version

        def save(values: dict, call_id: int = row.id) -> None:
            store.save_card(ctx.session, call_id, **values)
            ctx.session.commit()

        try:
            error = cards.push(ctx.b24, row, save)
        except PortalGone:
            raise
        except B24Error as exc:
            error = f"{type(exc).__name__}: {exc}"
        if error is None:
            store.settle_card(ctx.session, row.id, version)
            done += 1
        else:
            _failed(ctx, row.id, row.card_attempts + 1, error)
        ctx.session.commit()
    return done


def _failed(ctx: ActionContext, call_id: int, attempts: int, error: str) -> None:
    extra = {"member_id": ctx.portal.member_id, "routing_call": call_id, "error": error,
             "attempts": attempts}
    if attempts >= MAX_ATTEMPTS:
        logger.error("routing.card.gave_up", extra=extra)
        store.give_up_card(ctx.session, call_id, error, attempts)
        return
    logger.warning("routing.card.failed", extra=extra)
    store.save_card(ctx.session, call_id, card_attempts=attempts, card_error=error[:2000],
                    card_next_at=ctx.now + BACKOFF * 2 ** (attempts - 1))


def refresh_presence(ctx: ActionContext) -> int:
    """Per portal, in working hours: who is away now, saved for the routing snapshot (which
    every web worker re-reads within seconds). Out of hours presence is not consulted."""
    snap = load_snapshot(ctx.session, ctx.portal.id, directory=Directory())  # no phones needed
    if not snap.config.presence or not snap.config.in_hours(ctx.now):
        return 0
    people = tracked(snap)
    ctx.session.commit()  # no transaction stays open while the portal is called
    seen = fetch_presence(ctx.b24, people, ctx.now, snap.config.zone())
    presence_store.save_presence(ctx.session, ctx.portal.id, {
        uid: (a.reason, a.until, a.source) if a else (None, None, "")
        for uid, a in seen.items()}, now=ctx.now)
    ctx.session.commit()
    away = sum(a is not None for a in seen.values())
    logger.info("routing.presence.refreshed", extra={
        "member_id": ctx.portal.member_id, "people": len(seen), "away": away})
    return away
