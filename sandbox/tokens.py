"""OAuth applications and token chains of the emulated cloud.

Rules (EN:settings/oauth/index.md, EN:settings/oauth/auto-renewal.md, ../shared §2.3):
access tokens live 3600 s; a refresh returns a new pair and retires both the refresh token used
and the access token issued with it (one-time refresh tokens, a chain must not branch); refresh
tokens live 180 days; a token keeps the user of the chain it started with. After revoke or
uninstall the auth server answers PAYMENT_REQUIRED ("also after app removal", §2.4).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.state import PortalState

ACCESS_TTL = 3600
REFRESH_TTL = 180 * 24 * 3600

ACTIVE, ROTATED, REVOKED = "active", "rotated", "revoked"


@dataclass(frozen=True)
class App:
    """A registered application: the client_id/secret pair and the scopes of its card."""

    client_id: str
    client_secret: str
    scopes: frozenset[str]
    code: str = ""
    app_id: int = 1

    @property
    def scope_string(self) -> str:
        return ",".join(sorted(self.scopes))


@dataclass
class Grant:
    """One access/refresh pair of a chain, bound to a portal, an app and a user."""

    access_token: str
    refresh_token: str
    portal: PortalState
    app: App
    user_id: int
    expires_at: float
    refresh_expires_at: float
    state: str = ACTIVE


@dataclass(frozen=True)
class Webhook:
    """An inbound webhook: `/rest/<user_id>/<code>/` in the path, no application context."""

    user_id: int
    code: str
    scopes: frozenset[str]


class OAuthError(Exception):
    """An auth-server refusal rendered as {"error", "error_description"} with `status`."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(f"{code}: {description}")
        self.code, self.description, self.status = code, description, status


@dataclass
class TokenStore:
    """Every grant of the cloud, indexed by both tokens (the auth server serves all portals)."""

    time_fn: object  # Callable[[], float]; kept loose so the dataclass stays simple
    by_access: dict[str, Grant] = field(default_factory=dict)
    by_refresh: dict[str, Grant] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, portal: PortalState, app: App, user_id: int) -> Grant:
        """Start (or continue) a chain for `user_id` with a fresh pair."""
        now = self.time_fn()
        grant = Grant(secrets.token_hex(32), secrets.token_hex(32), portal, app, int(user_id),
                      now + ACCESS_TTL, now + REFRESH_TTL)
        with self.lock:
            self.by_access[grant.access_token] = grant
            self.by_refresh[grant.refresh_token] = grant
        return grant

    def refresh(self, app: App, refresh_token: str) -> Grant:
        """grant_type=refresh_token for an authenticated client: rotate the pair or raise."""
        with self.lock:
            grant = self.by_refresh.get(refresh_token)
            if grant is None or grant.app.client_id != app.client_id:
                raise OAuthError("invalid_grant", "Invalid refresh token")
            if grant.state == REVOKED:
                raise OAuthError("PAYMENT_REQUIRED", "Payment required", 402)
            if grant.state == ROTATED or grant.refresh_expires_at <= self.time_fn():
                raise OAuthError("invalid_grant", "Refresh token has expired or was used")
            grant.state = ROTATED  # the used refresh token and its access token stop working
        return self.issue(grant.portal, grant.app, grant.user_id)

    def of_portal(self, portal: PortalState) -> list[Grant]:
        with self.lock:
            return [g for g in self.by_access.values() if g.portal is portal]

    def expire(self, portal: PortalState) -> int:
        """Make every live access token of the portal expired (a refresh still works)."""
        past = self.time_fn() - 1
        grants = [g for g in self.of_portal(portal) if g.state == ACTIVE]
        for grant in grants:
            grant.expires_at = min(grant.expires_at, past)
        return len(grants)

    def revoke(self, portal: PortalState) -> None:
        """Kill every chain of the portal: REST and refresh both refuse from now on."""
        for grant in self.of_portal(portal):
            grant.state = REVOKED
