"""Keep quiet portals' refresh tokens alive without refreshing on a timer (§2.3, STYLE rule 10)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from b24.errors import B24Error
from handlers.tokens import PortalTokens, token_set
from store.models import Portal

logger = logging.getLogger(__name__)
IDLE = timedelta(days=20)  # well inside the 28 days older docs give a refresh token


def refresh_idle_tokens(sessions: sessionmaker[Session],
                        tokens_for: Callable[[Portal], PortalTokens],
                        now: datetime | None = None) -> int:
    moment = now or datetime.now(UTC)
    with sessions() as session:
        idle = list(session.scalars(select(Portal).where(
            Portal.status == "active",
            or_(Portal.tokens_refreshed_at.is_(None), Portal.tokens_refreshed_at < moment - IDLE))))
    refreshed = 0
    for portal in idle:
        try:
            tokens_for(portal).refresh(token_set(portal))
            refreshed += 1
        except B24Error:
            logger.exception("job.refresh_idle_tokens.failed",
                             extra={"member_id": portal.member_id})
    return refreshed
