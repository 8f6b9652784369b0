"""ONAPPUNINSTALL runs inside the request: after it, the portal's events must stop counting.

The event carries only application_token, and every viewer's browser holds it with each page
open (settings/oauth/simple-way.md), so the event alone proves nothing. On a real uninstall
"API access is already revoked" (api-reference/common/events/on-app-uninstall.md): the app
believes the event only when the auth server refuses the STORED tokens. Otherwise it is a
forgery, answered 401 with nothing changed.
"""

from __future__ import annotations

import logging

from b24.errors import B24ApiError, BadApplicationToken, ExpiredToken, InvalidGrant, PortalGone
from b24.events import B24Event
from b24.oauth import OAuthClient
from b24.values import yes
from handlers.context import HandlerContext, oauth_client
from handlers.router import router
from handlers.tokens import PortalTokens, token_set
from store import portals
from store.db import make_session_factory
from store.models import Portal

logger = logging.getLogger(__name__)


@router.on("ONAPPUNINSTALL", inline=True)
def on_app_uninstall(event: B24Event, ctx: HandlerContext) -> None:
    """Soft removal: tokens wiped, data kept; CLEAN=1 asks the purge job to delete it later."""
    oauth = oauth_client(ctx.settings)
    # A refresh that succeeds is saved in its own transaction (PortalTokens): the 401 below
    # rolls the request back, and a spent refresh token must never be lost with it.
    tokens = PortalTokens(ctx.portal, make_session_factory(ctx.session.get_bind()), oauth)
    if not install_gone(ctx.portal, oauth, tokens):
        logger.warning("b24.uninstall.forged", extra={"member_id": ctx.portal.member_id})
        raise BadApplicationToken("ONAPPUNINSTALL while the portal still accepts our tokens")
    clean = str(event.data.get("CLEAN", "0")) == "1"
    portals.mark_uninstalled(ctx.session, ctx.portal, ctx.now, purge=clean)
    logger.info("b24.uninstall.done", extra={"member_id": ctx.portal.member_id, "clean": clean})


def install_gone(portal: Portal, oauth: OAuthClient, tokens: PortalTokens) -> bool:
    """Ask the auth server about the stored tokens: app.info first (spends nothing), then the
    refresh token. A refusal means gone; a server that is away raises (503, try later)."""
    if not portal.access_token and not portal.refresh_token:
        return True  # nothing left to take over
    if portal.access_token:
        try:
            install = oauth.app_info(portal.access_token).get("install")
            return isinstance(install, dict) and "installed" in install \
                and not yes(install["installed"])
        except PortalGone:
            return True
        except B24ApiError as exc:
            if exc.transient and not isinstance(exc, ExpiredToken):
                raise
    if not portal.refresh_token:
        return True
    try:
        tokens.refresh(token_set(portal))
    except (InvalidGrant, PortalGone):
        return True
    return False
