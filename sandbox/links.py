"""A user follows a link to the app inside the portal: `/marketplace/view/#APP_CODE#/`.

EN:api-reference/widgets/universal/app-url.md: the portal opens the handler bound to the
REST_APP_URI placement in a slider, POSTing the usual page form with PLACEMENT=REST_APP_URI and
PLACEMENT_OPTIONS = the link's `params[...]` plus `URI`, the page the user came from (a `URI`
the app put in params wins). #APP_CODE# is the client_id of a local app; a wrong code or an
app without that placement opens an empty slider.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import requests

from sandbox import install

if TYPE_CHECKING:
    from sandbox.state import PortalState

VIEW = re.compile(r"^/marketplace/view/([^/]+)/?$")
PARAM = re.compile(r"^params\[([^\]]+)\]$")


class EmptySlider(LookupError):
    """The link leads nowhere: another portal, another app, or no REST_APP_URI handler."""


def link_options(portal: PortalState, url: str, came_from: str) -> dict[str, str]:
    """PLACEMENT_OPTIONS the portal builds for `url`; raises EmptySlider if it opens nothing."""
    parts = urlsplit(url)
    match = VIEW.match(parts.path)
    if parts.hostname != portal.domain or match is None:
        raise EmptySlider(f"sandbox: {url} is not an app link of {portal.domain}")
    app = portal.app
    if app is None or match.group(1) not in (app.client_id, app.code or app.client_id):
        raise EmptySlider(f"sandbox: no app with code {match.group(1)} on {portal.domain}")
    params = {m.group(1): value for key, value in parse_qsl(parts.query)
              if (m := PARAM.match(key))}
    return {"URI": came_from, **params}


def follow(portal: PortalState, url: str, user_id: int, *,
           came_from: str = "/online/") -> requests.Response:
    """Open the app page the link names, as the slider does: POST to the REST_APP_URI handler."""
    options = link_options(portal, url, came_from)
    if not any(p["placement"] == "REST_APP_URI" for p in portal.placements):
        raise EmptySlider("sandbox: the app bound no REST_APP_URI handler")
    return install.open_app(portal, user_id, "REST_APP_URI", options)
