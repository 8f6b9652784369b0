"""One portal's OAuth tokens and the single-flight refresh contract the client relies on.

Refresh tokens are one-shot (§2.3, §14.4): two workers refreshing the same token make the loser
get `invalid_grant` and may clobber the stored pair. So every provider refreshes under a lock
and first checks whether somebody else already replaced the stale token.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenSet:
    """An access/refresh pair plus where to use it; tokens are kept out of repr (and logs)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime | None  # aware UTC; None = unknown
    client_endpoint: str  # "https://x.bitrix24.ru/rest/" — REST base, ends with "/"
    server_endpoint: str | None = None
    member_id: str | None = None
    scope: str | None = None
    user_id: int | None = None

    def fill_from(self, old: TokenSet) -> TokenSet:
        """Keep what the OAuth answer left out (endpoint, member_id...) from the previous set."""
        changes = {
            name: getattr(old, name)
            for name in ("client_endpoint", "server_endpoint", "member_id", "scope", "user_id")
            if not getattr(self, name)
        }
        return dataclasses.replace(self, **changes) if changes else self

    def with_endpoint(self, client_endpoint: str) -> TokenSet:
        """The same tokens for a portal whose domain changed (§0, §14.15)."""
        return dataclasses.replace(self, client_endpoint=client_endpoint)


@runtime_checkable
class TokenProvider(Protocol):
    """Where a B24Client gets its tokens; the app's implementation persists them in the DB."""

    def current(self) -> TokenSet:
        """The tokens to use now."""
        ...

    def refresh(self, stale: TokenSet) -> TokenSet:
        """Single-flight: fresh tokens; if someone already replaced `stale`, theirs."""
        ...


class Refresher(Protocol):
    """The part of OAuthClient a provider needs (a fake in tests)."""

    def refresh(self, refresh_token: str) -> TokenSet:
        """Spend a refresh token on a new pair."""
        ...


class MemoryTokens:
    """A TokenProvider holding one TokenSet in memory (tests, bench, scripts).

    The lock plus the stale-token comparison make N threads that hit `expired_token` at once
    cause exactly one OAuth refresh; the others get the winner's tokens.
    """

    def __init__(self, tokens: TokenSet, oauth: Refresher | None = None, *,
                 on_refreshed: Callable[[TokenSet], None] | None = None) -> None:
        self._tokens = tokens
        self._oauth = oauth
        self._on_refreshed = on_refreshed
        self._lock = threading.Lock()
        self.refresh_count = 0

    def current(self) -> TokenSet:
        """The tokens to use now."""
        with self._lock:
            return self._tokens

    def refresh(self, stale: TokenSet) -> TokenSet:
        """Refresh once per stale access token; later callers get the already-fresh set."""
        with self._lock:
            if self._tokens.access_token != stale.access_token:
                return self._tokens
            if self._oauth is None:
                raise RuntimeError("MemoryTokens has no OAuth client to refresh with")
            fresh = self._oauth.refresh(self._tokens.refresh_token).fill_from(self._tokens)
            self._tokens = fresh
            self.refresh_count += 1
            if self._on_refreshed is not None:
                self._on_refreshed(fresh)  # persist before anyone uses the new pair
            return fresh

    def move_endpoint(self, client_endpoint: str) -> None:
        """Remember a portal's new REST base (hook for B24Client's on_endpoint_changed)."""
        with self._lock:
            self._tokens = self._tokens.with_endpoint(client_endpoint)
