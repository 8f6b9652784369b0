"""Installing, opening and removing the app, as the portal does it (§1.1-1.4, §3.6, §12).

Scenarios (EN:settings/app-installation/local-apps/index.md and the pages it links):
- no install URL: the app is available at once;
- "installation wizard" (UI app with an initial installation path): the admin's first open POSTs
  the app-page form to the install URL; the app stays "not installed" until the page calls
  BX24.installFinish() (EN:sdk/bx24-js-sdk/system-functions/bx24-install-finish.md). Headless,
  `install_app` calls `finish_install()` itself when the returned page is 2xx and contains
  `BX24.installFinish(`; in a browser the page's JS does it through sandbox/static/bx24.js;
- "installation callback" (API-only app): ONAPPINSTALL with tokens, refresh token and
  application_token is POSTed to the install URL and the app counts as installed at once
  (EN:settings/app-installation/local-apps/installation-callback.md).
Opening the app or a placement POSTs DOMAIN/PROTOCOL/LANG/APP_SID in the query and AUTH_ID,
REFRESH_ID, ... in the body (EN:settings/oauth/simple-way.md, widgets/_includes/widget_data.md).
Uninstall sends ONAPPUNINSTALL without tokens and removes bindings, placements, options and tokens.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests

from sandbox.events import Job, emit
from sandbox.payloads import Pairs, flatten
from sandbox.tokens import ACCESS_TTL, App, Grant

if TYPE_CHECKING:
    from sandbox.state import PortalState

NOT_INSTALLED, PENDING, INSTALLED, UNINSTALLED = "none", "pending", "installed", "uninstalled"
HTTP_TIMEOUT = 15


class AppNotInstalled(RuntimeError):
    """What a user sees instead of the app: "The application is not fully installed yet" (§1.4)."""


@dataclass
class PageSession:
    """One rendered app frame (APP_SID): what BX24.getAuth()/placement.info() answer."""

    portal: PortalState
    grant: Grant
    placement: str
    options: dict


@dataclass
class PageRequest:
    """The POST a page or placement handler receives; `form` is what a browser test submits."""

    url: str
    query: dict[str, str]
    form: dict[str, str]
    app_sid: str = field(default="")

    @property
    def full_url(self) -> str:
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}{urlencode(self.query)}"


def token_json(grant: Grant) -> dict[str, Any]:
    """The auth server's token answer (EN:settings/oauth/index.md, §2.2)."""
    portal = grant.portal
    host = portal.cloud.url.split("://", 1)[-1]
    return {"access_token": grant.access_token, "client_endpoint": portal.client_endpoint,
            "domain": host, "expires": int(grant.expires_at), "expires_in": ACCESS_TTL,
            "member_id": portal.member_id, "refresh_token": grant.refresh_token,
            "scope": grant.app.scope_string, "server_endpoint": portal.server_endpoint,
            "status": portal.status, "user_id": grant.user_id}


def page_request(portal: PortalState, user_id: int, placement: str = "DEFAULT",
                 options: dict | None = None, handler_url: str | None = None) -> PageRequest:
    """Build the POST the app page (or a placement, or the install wizard) receives."""
    if portal.app is None or portal.install_state in (NOT_INSTALLED, UNINSTALLED):
        raise AppNotInstalled("sandbox: the app is not installed on this portal")
    url = handler_url or _target(portal, user_id, placement)
    grant = portal.cloud.tokens.issue(portal, portal.app, user_id)
    sid = secrets.token_hex(16)
    portal.cloud.sessions[sid] = PageSession(portal, grant, placement, dict(options or {}))
    query = {"DOMAIN": portal.domain, "PROTOCOL": "1" if portal.cloud.url.startswith("https")
             else "0", "LANG": portal.lang, "APP_SID": sid}
    form = {"AUTH_ID": grant.access_token, "AUTH_EXPIRES": str(ACCESS_TTL),
            "REFRESH_ID": grant.refresh_token, "SERVER_ENDPOINT": portal.server_endpoint,
            "APPLICATION_TOKEN": portal.application_token,
            "APPLICATION_SCOPE": portal.app.scope_string, "member_id": portal.member_id,
            "status": portal.status, "PLACEMENT": placement}
    if placement != "DEFAULT":  # a JSON *string* (EN:api-reference/widgets/_includes/...)
        form["PLACEMENT_OPTIONS"] = json.dumps(options or {}, separators=(",", ":"))
    return PageRequest(url, query, form, sid)


def _target(portal: PortalState, user_id: int, placement: str) -> str:
    if portal.install_state == PENDING:
        if placement != "DEFAULT" or not portal.is_admin(user_id):
            raise AppNotInstalled("The application is not fully installed yet")
        return portal.install_url or ""  # the admin sees the install page again
    if placement == "DEFAULT":
        if not portal.handler_url:
            raise AppNotInstalled("sandbox: the app has no handler URL (API-only)")
        return portal.handler_url
    bound = [p for p in portal.placements if p["placement"] == placement]
    if not bound:
        raise AppNotInstalled(f"sandbox: nothing bound to placement {placement}")
    return bound[0]["handler"]


def open_app(portal: PortalState, user_id: int, placement: str = "DEFAULT",
             options: dict | None = None, handler_url: str | None = None) -> requests.Response:
    """A user opens the app (or a placement tab): POST the page form, return the page."""
    req = page_request(portal, user_id, placement, options, handler_url)
    return requests.post(req.full_url, data=req.form, timeout=HTTP_TIMEOUT)


def install_app(portal: PortalState, app: App | str, install_url: str | None,
                handler_url: str | None, admin_user_id: int = 1, *, api_only: bool = False,
                version: int = 1) -> requests.Response | None:
    """Install `app` on the portal by one of the three scenarios (module docstring)."""
    app = portal.cloud.apps[app] if isinstance(app, str) else app
    if not portal.is_admin(admin_user_id):
        raise PermissionError("sandbox: only an administrator installs local apps")
    portal.app, portal.app_version, portal.revoked = app, version, False
    portal.install_url, portal.handler_url = install_url, handler_url
    portal.installer_id = admin_user_id
    portal.application_token = secrets.token_hex(16)  # per install (§3.3)
    portal.bindings, portal.placements = [], []  # an (re)install starts without bindings
    if api_only:
        portal.install_state = INSTALLED
        if install_url is None:
            raise ValueError("sandbox: an API-only app needs an install (callback) URL")
        return _post_install_callback(portal, install_url, admin_user_id)
    if install_url is None:
        portal.install_state = INSTALLED
        return None
    portal.install_state = PENDING
    response = open_app(portal, admin_user_id)
    if response.ok and "BX24.installFinish(" in response.text:
        finish_install(portal)
    return response


def _install_data(portal: PortalState) -> dict[str, str]:
    return {"VERSION": str(portal.app_version), "ACTIVE": "Y", "INSTALLED": "Y",
            "LANGUAGE_ID": portal.lang}


def _post_install_callback(portal: PortalState, url: str, user_id: int) -> requests.Response:
    """ONAPPINSTALL to the install URL, server to server
    (EN:api-reference/common/events/on-app-install.md)."""
    grant = portal.cloud.tokens.issue(portal, portal.app, user_id)
    auth = {"access_token": grant.access_token, "expires": int(grant.expires_at),
            "expires_in": ACCESS_TTL, "scope": grant.app.scope_string, "domain": portal.domain,
            "server_endpoint": portal.server_endpoint, "status": portal.status,
            "client_endpoint": portal.client_endpoint, "member_id": portal.member_id,
            "user_id": user_id, "refresh_token": grant.refresh_token,
            "application_token": portal.application_token}
    form: Pairs = [("event", "ONAPPINSTALL"), *flatten(_install_data(portal), "data"),
                   ("ts", str(int(portal.clock.time()))), *flatten(auth, "auth")]
    return requests.post(url, data=form, timeout=HTTP_TIMEOUT)


def finish_install(portal: PortalState) -> None:
    """BX24.installFinish(): INSTALLED from now on; bound ONAPPINSTALL handlers hear about it."""
    if portal.install_state != PENDING:
        return
    portal.install_state = INSTALLED
    emit(portal, "ONAPPINSTALL", _install_data(portal), user_id=portal.installer_id or 0)


def uninstall_app(portal: PortalState, clean: bool = True) -> None:
    """ONAPPUNINSTALL (no tokens, data[CLEAN]) to bound handlers, then everything goes (§1.7)."""
    if portal.app is None or portal.install_state in (NOT_INSTALLED, UNINSTALLED):
        return
    data = {"LANGUAGE_ID": portal.lang, "CLEAN": 1 if clean else 0}
    # "API access is already revoked" when the event goes out
    # (EN:api-reference/common/events/on-app-uninstall.md): the app checks exactly that.
    portal.cloud.tokens.revoke(portal)
    for binding in portal.bindings:
        if binding.event == "ONAPPUNINSTALL" and not binding.offline:
            portal.cloud.delivery.submit(Job(portal, "ONAPPUNINSTALL", binding.id,
                                             binding.handler, data, 0, force=True))
    portal.bindings, portal.placements = [], []
    portal.app_options = {}  # local apps lose app.option (EN:settings/app-uninstallation.md)
    portal.offline.records.clear()
    portal.install_state = UNINSTALLED
