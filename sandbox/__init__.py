"""The emulated Bitrix24 cloud (OAuth server + portals) the app is tested against over real HTTP.

Typical use (docs/ARCHITECTURE.md "sandbox/", ../shared/STYLE.md §7):

    with running_cloud() as cloud:
        app = cloud.register_app("local.abc", "secret", ["crm", "user", "placement"])
        portal = cloud.add_portal("acme")
        portal.install_app(app, install_url, handler_url, admin_user_id=1)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sandbox.clock import Clock
from sandbox.errors import RestError
from sandbox.install import AppNotInstalled, PageRequest
from sandbox.server import LiveServer, make_wsgi_app, running_cloud
from sandbox.state import Cloud, PortalState, RecordedCall
from sandbox.tokens import App

Portal = PortalState


@contextmanager
def running_portal(name: str = "portal1", **cloud_options: Any) -> Iterator[PortalState]:
    """A served cloud with one portal, for tests that need only one."""
    with running_cloud(**cloud_options) as cloud:
        yield cloud.add_portal(name)


__all__ = ["App", "AppNotInstalled", "Clock", "Cloud", "LiveServer", "PageRequest", "Portal",
           "PortalState", "RecordedCall", "RestError", "make_wsgi_app", "running_cloud",
           "running_portal"]
