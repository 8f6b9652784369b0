"""Where the database meets the REST client: a portal's tokens, refreshed single-flight.

The refresh runs in its own short transaction under a row lock (PostgreSQL) plus a process lock
(SQLite ignores FOR UPDATE), re-reading first: when another worker already rotated the pair we
use theirs instead of spending the one-time refresh token again (§2.3, §14.4).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from b24.errors import InvalidGrant, PortalGone
from b24.oauth import OAuthClient
from b24.tokens import TokenSet
from store import portals
from store.models import Portal

logger = logging.getLogger(__name__)
_process_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)


def token_set(portal: Portal) -> TokenSet:
    return TokenSet(
        access_token=portal.access_token or "", refresh_token=portal.refresh_token or "",
        expires_at=portal.token_expires_at, client_endpoint=portal.client_endpoint,
        server_endpoint=portal.server_endpoint, member_id=portal.member_id,
        scope=portal.scope, user_id=portal.installer_user_id)


class PortalTokens:
    """TokenProvider for one portal, persisting every rotation before it is used."""

    def __init__(self, portal: Portal, sessions: sessionmaker[Session], oauth: OAuthClient) -> None:
        self.portal_id = portal.id
        self._sessions = sessions
        self._oauth = oauth
        self._current = token_set(portal)

    def current(self) -> TokenSet:
        return self._current

    def refresh(self, stale: TokenSet) -> TokenSet:
        with _process_locks[self.portal_id], self._sessions() as session, session.begin():
            portal = portals.lock(session, self.portal_id)
            if portal.status != "active" or not portal.refresh_token:
                raise PortalGone("APP_NOT_ACTIVE", f"portal is {portal.status}")
            if portal.access_token and portal.access_token != stale.access_token:
                self._current = token_set(portal)  # someone else refreshed already
                return self._current
            try:
                fresh = self._oauth.refresh(portal.refresh_token)
            except (InvalidGrant, PortalGone) as exc:
                logger.warning("b24.tokens.refresh_refused", extra={
                    "member_id": portal.member_id, "error": str(exc)})
                raise
            portals.save_tokens(session, portal, access_token=fresh.access_token,
                                refresh_token=fresh.refresh_token, expires_at=fresh.expires_at,
                                now=datetime.now(UTC))
            if fresh.client_endpoint:
                portal.client_endpoint = fresh.client_endpoint
            logger.info("b24.tokens.refreshed", extra={"member_id": portal.member_id})
            self._current = token_set(portal)
        return self._current

    def endpoint_changed(self, client_endpoint: str) -> None:
        """A 302 from a renamed portal (§0): remember the new REST base."""
        with self._sessions() as session, session.begin():
            portal = portals.get(session, self.portal_id)
            portals.touch_endpoint(session, portal, domain=None, client_endpoint=client_endpoint,
                                   now=datetime.now(UTC))
