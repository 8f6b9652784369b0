"""Inbox retention: done and dead rows are evidence for a while, then only weight (issue 14)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from config import Settings
from store import inbox

logger = logging.getLogger(__name__)
CHUNK = 5000  # rows per transaction: short locks, the web tier keeps recording meanwhile


def purge_inbox(sessions: sessionmaker[Session], settings: Settings,
                now: datetime | None = None) -> int:
    """Delete done rows older than INBOX_KEEP_DONE_DAYS and dead ones older than
    INBOX_KEEP_DEAD_DAYS, chunk by chunk; pending and processing rows are never touched."""
    moment = now or datetime.now(UTC)
    done_before = moment - timedelta(days=settings.inbox_keep_done_days)
    dead_before = moment - timedelta(days=settings.inbox_keep_dead_days)
    purged = 0
    while True:
        with sessions() as session, session.begin():
            count = inbox.purge(session, done_before=done_before, dead_before=dead_before,
                                limit=CHUNK)
        purged += count
        if count < CHUNK:
            break
    if purged:
        logger.info("job.purge_inbox.purged", extra={"rows": purged})
    return purged
