"""Install: trust the tokens only after the auth server confirms them, then store and bind.

A local app with a UI and an install path gets the app-page POST (AUTH_ID, REFRESH_ID ...);
an API-only app gets ONAPPINSTALL at the same URL (§1.1-§1.3). Both end here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from b24.client import B24Client
from b24.errors import B24ApiError, B24Error, BadApplicationToken, EventPayloadError
from b24.events import B24Event
from b24.manifest import Manifest, bind_events, bind_placements
from b24.oauth import OAuthClient
from b24.tokens import MemoryTokens, TokenSet
from b24.values import to_int, yes
from config import Settings
from handlers import directory
from handlers.exchange.fields import ensure_keep_field
from handlers.lifecycle import install_gone
from handlers.tokens import PortalTokens
from store import portals
from store.db import make_session_factory
from store.models import Portal

logger = logging.getLogger(__name__)
MAX_LIFETIME = 24 * 3600


@dataclass(frozen=True)
class InstallRequest:
    member_id: str
    domain: str
    access_token: str
    refresh_token: str
    expires_in: int
    application_token: str
    scope: str
    lang: str
    from_page: bool  # True: the install page in the iframe must call BX24.installFinish()


def _lifetime(seconds: int | None) -> int:
    """The access token's lifetime as posted (3600, §2.1); anything odd counts as 3600, since
    a made-up 10**20 would overflow the expiry datetime."""
    return seconds if seconds is not None and 0 < seconds <= MAX_LIFETIME else 3600


def from_page(form: Mapping[str, str], args: Mapping[str, str]) -> InstallRequest:
    """The app-page POST: DOMAIN and LANG in the query string, the rest in the body (§1.2)."""
    missing = [k for k in ("AUTH_ID", "REFRESH_ID", "member_id", "APPLICATION_TOKEN")
               if not form.get(k)]
    if missing or not args.get("DOMAIN"):
        raise EventPayloadError("install page form lacks " + ", ".join(missing or ["DOMAIN"]))
    return InstallRequest(
        member_id=form["member_id"], domain=args["DOMAIN"], access_token=form["AUTH_ID"],
        refresh_token=form["REFRESH_ID"], expires_in=_lifetime(to_int(form.get("AUTH_EXPIRES"))),
        application_token=form["APPLICATION_TOKEN"], scope=form.get("APPLICATION_SCOPE", ""),
        lang=args.get("LANG", "ru"), from_page=True)


def from_event(event: B24Event) -> InstallRequest:
    """ONAPPINSTALL as a form post with auth[...] (§1.3)."""
    auth = event.auth
    if not (auth.access_token and auth.refresh_token and auth.domain):
        raise EventPayloadError("ONAPPINSTALL without tokens or domain")
    return InstallRequest(
        member_id=auth.member_id, domain=auth.domain, access_token=auth.access_token,
        refresh_token=auth.refresh_token, expires_in=_lifetime(auth.expires_in),
        application_token=auth.application_token, scope=auth.scope or "",
        lang=str(event.data.get("LANGUAGE_ID") or "ru"), from_page=False)


def confirm(req: InstallRequest, settings: Settings, oauth: OAuthClient) -> dict:
    """Ask our configured auth server, never the DOMAIN in the request (§12 'Verifying').

    A token the server refuses (invalid_token, expired_token ...) is a forged or stale install,
    answered 401 like any other bad token; only a server that is away stays an error (503)."""
    try:
        info = oauth.app_info(req.access_token)
    except B24ApiError as exc:
        if exc.transient:
            raise
        raise BadApplicationToken(f"auth server refused the token: {exc.code}") from None
    install = info.get("install") or {}
    if info.get("client_id") != settings.b24_client_id:
        raise BadApplicationToken("token was issued to another application")
    if install.get("member_id") != req.member_id:
        raise BadApplicationToken("token belongs to another portal")
    if install.get("domain") and install["domain"] != req.domain:
        raise BadApplicationToken("domain does not match the token's portal")
    return info


def install(session: Session, req: InstallRequest, settings: Settings, manifest: Manifest,
            oauth: OAuthClient) -> None:
    """Bind every event and placement, then store the portal; idempotent for reinstall.

    Checked before any write: the poster is an admin (user.admin with the NEW token), an active
    install is replaced only while the portal reinstalls or its stored tokens are dead, and the
    application_token is believed (install_token). Nothing is stored until binding succeeded:
    a refused binding leaves the previous install as it was."""
    info = confirm(req, settings, oauth)
    install_info = info.get("install") or {}
    now = datetime.now(UTC)
    client_endpoint = install_info.get("client_endpoint") or f"https://{req.domain}/rest/"
    server_endpoint = settings.b24_oauth_url + "/rest/"
    tokens = MemoryTokens(TokenSet(req.access_token, req.refresh_token,
                                   now + timedelta(seconds=req.expires_in), client_endpoint,
                                   server_endpoint, req.member_id), oauth)
    pending = "installed" in install_info and not yes(install_info["installed"])
    with B24Client(tokens, max_attempts=settings.rest_max_attempts,
                   backoff=settings.rest_backoff) as b24:
        if not yes(b24.call("user.admin")):
            raise BadApplicationToken("only a portal administrator installs the app")
        existing = portals.find(session, req.member_id)
        replaceable(session, existing, pending=pending, oauth=oauth)
        application_token = install_token(req, existing, pending=pending)
        session.rollback()  # no transaction stays open while the portal binds
        bind_events(b24, manifest, settings.app_public_url)
        bind_placements(b24, manifest, settings.app_public_url)
        ensure_keep_field(b24)
        fresh = tokens.current()  # binding may have rotated the pair: keep the newest
        portal = portals.upsert_installed(session, portals.Installation(
            member_id=req.member_id, domain=req.domain, client_endpoint=client_endpoint,
            server_endpoint=server_endpoint, access_token=fresh.access_token,
            refresh_token=fresh.refresh_token, token_expires_at=fresh.expires_at,
            application_token=application_token, scope=req.scope,
            installer_user_id=to_int(info.get("user_id")), lang=req.lang), datetime.now(UTC))
        directory.mark_owed(session, portal.id, now)  # its events wait for the directory
        session.commit()
        _mirror_directory(session, portal.id, b24)
    if tokens.current().access_token != fresh.access_token:  # the directory read refreshed
        fresh = tokens.current()
        portals.save_tokens(session, portal, access_token=fresh.access_token,
                            refresh_token=fresh.refresh_token, expires_at=fresh.expires_at,
                            now=datetime.now(UTC))
        session.commit()
    logger.info("b24.install.done", extra={"member_id": req.member_id, "domain": req.domain})


def _mirror_directory(session: Session, portal_id: int, b24: B24Client) -> None:
    """The first thing the admin opens is the settings: its people and pipelines must be there.

    A few requests (100-300 ms each on a real portal). Should the portal not answer now, the
    install still succeeds and the first_sync job, seconds later, reads it instead."""
    try:
        found = directory.read(b24)
    except B24Error as exc:
        logger.warning("b24.install.directory_later", extra={"portal_id": portal_id,
                                                             "error": str(exc)})
        return
    directory.save(session, portal_id, found, datetime.now(UTC))
    session.commit()
    logger.info("b24.install.directory", extra={"portal_id": portal_id, **found.counts()})


def replaceable(session: Session, existing: Portal | None, *, pending: bool,
                oauth: OAuthClient) -> None:
    """An active install gives way only to a reinstall under way (the auth server says the
    install is pending) or when the portal refuses its stored tokens; else 401."""
    if existing is None or existing.status != "active" or pending:
        return
    tokens = PortalTokens(existing, make_session_factory(session.get_bind()), oauth)
    if not install_gone(existing, oauth, tokens):
        logger.warning("b24.install.takeover_refused", extra={"member_id": existing.member_id})
        raise BadApplicationToken("the app is installed and its tokens work: not replaced")


def install_token(req: InstallRequest, existing: Portal | None, *, pending: bool) -> str:
    """ONAPPINSTALL brings the token server to server; the install page's form is typed by a
    browser, so it is taken only for a first install or a reinstall under way (both posted
    by an admin), and otherwise must equal the stored one."""
    if not req.from_page or existing is None or not existing.application_token_hash or pending:
        return req.application_token
    if not portals.application_token_matches(existing, req.application_token):
        raise BadApplicationToken("APPLICATION_TOKEN differs from the stored one")
    return req.application_token
