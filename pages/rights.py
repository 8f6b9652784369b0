"""Who may do what: the role matrix (README "Security") and the live admin check.

Roles: a portal administrator (user.admin), the head of sales (the exchange's head, or the
sales department's head), and a manager (everyone else). The session's admin flag was true
when the page opened; every admin page, GET or POST, asks the portal again (`user.admin` with
the viewer's own AUTH_ID, carried encrypted in the session), answered from a cache of at most
a minute, so an admin demoted in the portal loses the settings within a minute.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from threading import Lock

from cryptography.fernet import InvalidToken
from sqlalchemy.orm import Session

from b24.client import B24Client
from b24.errors import B24ApiError, B24Error, ExpiredToken, InvalidGrant
from b24.ratelimit import bucket_for
from b24.tokens import TokenSet
from b24.values import yes
from config import Settings
from handlers.exchange import config as exchange_config
from handlers.exchange.caps import head_of_sales
from pages.auth import Forbidden, PageAuthError, Viewer, ViewerTokens
from store import crypto
from store.models import Portal

ADMIN, HEAD, MANAGER = "admin", "head", "manager"
ADMIN_TTL = 60.0    # seconds an answer of user.admin is believed
CACHE_SIZE = 4096   # viewers remembered per process (oldest forgotten first)
_cache: OrderedDict[tuple[str, int], tuple[bool, float]] = OrderedDict()
_lock = Lock()


def role(session: Session, portal_id: int, viewer: Viewer) -> str:
    """The viewer's role from the session's admin flag (re-checked where it matters)."""
    if viewer.is_admin:
        return ADMIN
    return HEAD if is_head(session, portal_id, viewer) else MANAGER


def is_head(session: Session, portal_id: int, viewer: Viewer) -> bool:
    """The head of sales as the exchange names him (its setting, or the department's head)."""
    head = head_of_sales(session, portal_id, exchange_config.load(session, portal_id))
    return head is not None and viewer.user_id == head


def sees_everyone(session: Session, portal_id: int, viewer: Viewer) -> bool:
    """Per-person figures of others (report, calls KPIs): the head of sales and admins."""
    return role(session, portal_id, viewer) in (ADMIN, HEAD)


def require_admin_now(viewer: Viewer, portal: Portal, settings: Settings) -> None:
    """403 unless the portal still says the viewer is an administrator (cached <= 1 min)."""
    if not (viewer.is_admin and still_admin(viewer, portal, settings)):
        raise Forbidden(viewer.user_id)


def still_admin(viewer: Viewer, portal: Portal, settings: Settings) -> bool:
    with _lock:
        hit = _cache.get((viewer.member_id, viewer.user_id))
    if hit is not None and hit[1] > time.time():
        return hit[0]
    answer = _ask(viewer, portal, settings)
    remember(viewer, answer)
    return answer


def remember(viewer: Viewer, is_admin: bool) -> None:
    """The portal just said so: the page open (verify_page_request asked user.admin) or _ask."""
    key = (viewer.member_id, viewer.user_id)
    with _lock:
        _cache[key] = (is_admin, time.time() + ADMIN_TTL)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def forget() -> None:
    """Tests start with an empty cache."""
    with _lock:
        _cache.clear()


def _ask(viewer: Viewer, portal: Portal, settings: Settings) -> bool:
    """user.admin with the viewer's AUTH_ID at the STORED client_endpoint."""
    try:
        auth_id = crypto.ring().decrypt(viewer.grant) if viewer.grant else ""
    except InvalidToken:
        auth_id = ""
    if not auth_id:
        return False  # no token to ask with: fail closed
    tokens = ViewerTokens(TokenSet(auth_id, "", None, portal.client_endpoint,
                                    member_id=portal.member_id))
    try:
        with B24Client(tokens, limiter=bucket_for(portal.member_id), max_attempts=2,
                       backoff=settings.rest_backoff) as b24:
            return yes(b24.call("user.admin"))
    except ExpiredToken:
        raise PageAuthError("session_expired", "the page's AUTH_ID expired") from None
    except (B24ApiError, InvalidGrant) as exc:
        if getattr(exc, "transient", False):
            raise PageAuthError("auth_unavailable", type(exc).__name__, status=503) from None
        return False
    except B24Error as exc:
        raise PageAuthError("auth_unavailable", type(exc).__name__, status=503) from None
