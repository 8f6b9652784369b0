"""Who is looking at an app page: verify the portal's POST once, then carry a signed session.

The portal POSTs the viewer's AUTH_ID every time the app page or a tab opens (§1.2, §12). It is
checked in three steps, each failing closed:
1. member_id names a portal we are installed on and APPLICATION_TOKEN equals the stored one
   (constant time, local: a forged form costs us no REST call);
2. app.info on OUR configured auth server (never the DOMAIN from the request) confirms the token
   was issued to our client_id for this member_id and domain;
3. user.current + user.admin with AUTH_ID, against the STORED client_endpoint, say who it is.
The Viewer then travels as a signed, expiring token in links (?s=), hidden form fields and the
`X-App-Session` header of fetch calls. There is no cookie session: portal iframes lose
third-party cookies. AUTH_ID / REFRESH_ID are used for those calls only, never stored or logged.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from b24.client import B24Client
from b24.errors import B24ApiError, B24Error, ExpiredToken, InvalidGrant, PortalGone
from b24.oauth import OAuthClient
from b24.ratelimit import bucket_for
from b24.tokens import TokenSet
from b24.values import to_int, yes
from config import Settings
from store import crypto, portals
from store.models import Portal

logger = logging.getLogger(__name__)
# The session rides in URLs (?s=) because the portal frame loses third-party cookies, even
# with SameSite=None; Secure (Safari's ITP, Chrome's third-party cookie phase-out), so it is
# kept short: 15 minutes from the last request (every answer carries a renewed token), and
# never longer than the AUTH_ID it was made from (AUTH_EXPIRES=3600).
SESSION_IDLE = 900
SESSION_MAX_AGE = 3600
SESSION_SALT = "sales-guard.page-session"
SESSION_HEADER = "X-App-Session"


@dataclass(frozen=True)
class Viewer:
    portal_id: int
    member_id: str
    user_id: int
    is_admin: bool
    lang: str
    name: str
    domain: str = ""  # verified against app.info: the portal that may frame our pages
    # The viewer's AUTH_ID, encrypted (store/crypto.py): admin actions ask user.admin again
    # with it (pages/rights.py). The session is signed, not secret; this field is both.
    grant: str = ""
    issued: int = 0  # when the page was opened (epoch seconds): the session's absolute end


class PageAuthError(Exception):
    """The request is not a genuine page open (401), or the auth server is away (503)."""

    def __init__(self, key: str, detail: str = "", *, status: int = 401) -> None:
        super().__init__(detail or key)
        self.key = key  # the last part of the log key, and the i18n key of the error page
        self.status = status


class Forbidden(Exception):
    """A genuine viewer asked for what only portal admins may see (403)."""


def lang_of(value: str | None) -> str:
    return "en" if (value or "").lower().startswith("en") else "ru"


def placement_of(form: Mapping[str, str]) -> tuple[str, dict]:
    """PLACEMENT and its options; PLACEMENT_OPTIONS is a JSON *string* (§12)."""
    try:
        options = json.loads(form.get("PLACEMENT_OPTIONS") or "{}")
    except ValueError:
        options = {}
    return form.get("PLACEMENT") or "DEFAULT", options if isinstance(options, dict) else {}


def verify_page_request(session: Session, form: Mapping[str, str], args: Mapping[str, str],
                        settings: Settings, *, oauth: OAuthClient | None = None) -> Viewer:
    """The three checks of the module docstring; raises PageAuthError, never returns a guess."""
    member_id, auth_id = form.get("member_id") or "", form.get("AUTH_ID") or ""
    if not (member_id and auth_id and form.get("APPLICATION_TOKEN")):
        raise PageAuthError("missing", "member_id, AUTH_ID or APPLICATION_TOKEN missing")
    portal = portals.find(session, member_id)
    if portal is None or portal.status != "active" or not portal.application_token_hash:
        raise PageAuthError("unknown_portal", f"no active install for {member_id}")
    if not portals.application_token_matches(portal, form["APPLICATION_TOKEN"]):
        raise PageAuthError("bad_token", "APPLICATION_TOKEN differs from the stored one")
    portal_id, stored_domain, endpoint = portal.id, portal.domain, portal.client_endpoint
    session.commit()  # keeps a re-hash under a new key; no transaction open on the network
    domain = _confirm(auth_id, member_id, args.get("DOMAIN") or "", settings, oauth)
    user, is_admin = whoami(member_id, endpoint, auth_id, settings)
    user_id = to_int(user.get("ID"))
    if user_id is None:
        raise PageAuthError("refused", "user.current answered without an ID")
    name = f"{user.get('NAME') or ''} {user.get('LAST_NAME') or ''}".strip() or f"#{user_id}"
    return Viewer(portal_id=portal_id, member_id=member_id, user_id=user_id, is_admin=is_admin,
                  lang=lang_of(args.get("LANG")), name=name, domain=domain or stored_domain,
                  grant=crypto.ring().encrypt(auth_id), issued=int(time.time()))


def _confirm(auth_id: str, member_id: str, domain: str, settings: Settings,
             oauth: OAuthClient | None) -> str:
    """app.info on the configured auth server: our client, this portal, this domain (§1.6)."""
    from handlers.context import oauth_client

    try:
        info = (oauth or oauth_client(settings)).app_info(auth_id)
    except (B24ApiError, InvalidGrant) as exc:
        if _transient(exc):
            raise PageAuthError("auth_unavailable", type(exc).__name__, status=503) from None
        raise PageAuthError("refused", f"app.info refused the token: {type(exc).__name__}") \
            from None
    except B24Error as exc:
        raise PageAuthError("auth_unavailable", type(exc).__name__, status=503) from None
    install = info.get("install") or {}
    if info.get("client_id") != settings.b24_client_id:
        raise PageAuthError("foreign_token", "token issued to another application")
    if install.get("member_id") != member_id:
        raise PageAuthError("foreign_token", "token belongs to another portal")
    if domain and install.get("domain") and install["domain"] != domain:
        raise PageAuthError("foreign_token", "DOMAIN differs from the token's portal")
    if "installed" in install and not yes(install["installed"]):
        raise PageAuthError("refused", "the app is not installed on that portal")
    return str(install.get("domain") or domain)


class ViewerTokens:
    """The viewer's AUTH_ID for one page open; never refreshed (we do not keep REFRESH_ID)."""

    def __init__(self, tokens: TokenSet) -> None:
        self._tokens = tokens

    def current(self) -> TokenSet:
        return self._tokens

    def refresh(self, stale: TokenSet) -> TokenSet:
        raise ExpiredToken("expired_token", "the page's AUTH_ID expired", 401)


def whoami(member_id: str, client_endpoint: str, auth_id: str,
           settings: Settings) -> tuple[dict, bool]:
    """user.current and user.admin in one batch, with the viewer's token, at the portal's
    STORED client_endpoint (never one built from the request's DOMAIN)."""
    tokens = ViewerTokens(TokenSet(auth_id, "", None, client_endpoint, member_id=member_id))
    try:
        with B24Client(tokens, limiter=bucket_for(member_id), max_attempts=2,
                       backoff=settings.rest_backoff) as b24:
            answer = b24.batch({"user": ("user.current", {}), "admin": ("user.admin", {})})
            user, admin = answer.get("user"), answer.get("admin")
    except (B24ApiError, InvalidGrant) as exc:
        if _transient(exc):
            raise PageAuthError("auth_unavailable", type(exc).__name__, status=503) from None
        raise PageAuthError("refused", f"user.current refused: {type(exc).__name__}") from None
    except B24Error as exc:
        raise PageAuthError("auth_unavailable", type(exc).__name__, status=503) from None
    if not isinstance(user, dict):
        raise PageAuthError("refused", "user.current answered no user")
    return user, admin is True or yes(admin)


def _transient(exc: Exception) -> bool:
    return not isinstance(exc, PortalGone | InvalidGrant) and bool(getattr(exc, "transient", 0))


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SESSION_SALT)


def issue(viewer: Viewer, secret_key: str) -> str:
    """The page session: signed and timestamped; its only secret (grant) is encrypted."""
    if not viewer.issued:
        viewer = replace(viewer, issued=int(time.time()))
    return _serializer(secret_key).dumps(asdict(viewer))


def viewer_from(token: str | None, secret_key: str, *, max_age: int = SESSION_IDLE) -> Viewer:
    """Check signature, idle time and absolute age; an expired page asks to reopen the app."""
    if not token:
        raise PageAuthError("no_session", "no page session in the request")
    try:
        viewer = Viewer(**_serializer(secret_key).loads(token, max_age=max_age))
    except SignatureExpired:
        raise PageAuthError("session_expired", "page session expired") from None
    except (BadData, TypeError) as exc:
        raise PageAuthError("bad_session", type(exc).__name__) from None
    if not 0 <= time.time() - viewer.issued <= SESSION_MAX_AGE:
        raise PageAuthError("session_expired", "page opened over an hour ago")
    return viewer


def active_portal(session: Session, viewer: Viewer) -> Portal:
    """A session outlives nothing: an uninstalled portal's pages stop working at once."""
    portal = session.get(Portal, viewer.portal_id)
    if portal is None or portal.status != "active" or portal.member_id != viewer.member_id:
        raise PageAuthError("unknown_portal", "the portal of this session is gone")
    return portal
