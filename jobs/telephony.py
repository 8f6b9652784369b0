"""Scheduled telephony work per portal: run the queued call work, keep missed calls complete.

Wired in jobs/runner.job_specs through for_each_portal; callable from tests and a REPL with an
ActionContext (handlers.exchange.actions.action_context).
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.exchange.actions import ActionContext
from handlers.telephony import config as telephony_config
from handlers.telephony import work
from store import call_hours
from store import telephony as store
from store.db import write_lock
from store.models import SyncCursor
from store.telephony_models import CallWork

logger = logging.getLogger(__name__)
CURSOR = "telephony.missed"


def pending_portals(session: Session) -> list[int]:
    """Portals with call work waiting (the every-few-seconds job does nothing without any)."""
    return list(session.scalars(select(CallWork.portal_id).where(
        CallWork.status == "pending").distinct()))


def run_call_work(ctx: ActionContext) -> dict[str, int]:
    """PBX registrations, deals, comments and to-dos the calls asked for (until none is due)."""
    total: dict[str, int] = {}
    for _ in range(20):  # a burst of calls: several rounds, bounded
        counts = work.run_due(ctx)
        for key, n in counts.items():
            total[key] = total.get(key, 0) + n
        if sum(counts.values()) < 50:
            break
    if total:
        logger.info("job.telephony.work", extra={"member_id": ctx.portal.member_id, **total})
    return total


def catch_up_missed(ctx: ActionContext) -> int:
    """Missed calls stored without the live path (the first sync of a portal's history) get
    their missed_calls rows; the cursor keeps each run to the calls stored since the last."""
    session = ctx.session
    write_lock(session)
    cursor = session.scalar(select(SyncCursor).where(SyncCursor.portal_id == ctx.portal.id,
                                                     SyncCursor.entity == CURSOR))
    if cursor is None:
        cursor = SyncCursor(portal_id=ctx.portal.id, entity=CURSOR, last_id=0,
                            updated_at=ctx.now)
        session.add(cursor)
    before = cursor.last_id
    cursor.last_id, cursor.updated_at = store.catch_up_missed(session, ctx.portal.id,
                                                              before), ctx.now
    store.forget_work_before(session, ctx.portal.id, ctx.now)
    keep_call_hours(session, ctx.portal.id)
    session.commit()
    return cursor.last_id - before


def keep_call_hours(session: Session, portal_id: int) -> bool:
    """Build the portal's hourly call rollup when it is missing (a portal from before it, or
    calls loaded in bulk) or counted with thresholds the settings no longer have; True if
    rebuilt. Until then the KPIs read the calls themselves, so figures never go wrong."""
    cfg = telephony_config.load(session, portal_id)
    if call_hours.matches(session, portal_id, cfg.ring_seconds, cfg.long_call_seconds):
        return False
    call_hours.rebuild(session, portal_id, ring_seconds=cfg.ring_seconds,
                       long_call_seconds=cfg.long_call_seconds)
    logger.info("job.telephony.call_hours_rebuilt", extra={"portal_id": portal_id})
    return True
