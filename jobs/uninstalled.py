"""Purge the data of portals that uninstalled with CLEAN=1, once the retention period is over."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from store import portals
from store.purge import purge_portal

logger = logging.getLogger(__name__)


def purge_uninstalled(session: Session, now: datetime, *, retention_days: int) -> int:
    """A reinstall within the period clears the request (store.portals.upsert_installed), so
    only a portal that is still gone loses its data. Returns the number of portals purged."""
    due = portals.due_for_purge(session, now - timedelta(days=retention_days))
    for portal in due:
        removed = purge_portal(session, portal.id)
        portal.purge_requested = False
        portal.updated_at = now
        logger.info("job.purge_uninstalled.done", extra={
            "member_id": portal.member_id, "rows": sum(removed.values())})
    return len(due)
