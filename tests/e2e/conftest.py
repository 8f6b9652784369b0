"""End-to-end: the real app and the emulated portal talk real HTTP on 127.0.0.1.

No `responses` here (it would swallow the loopback calls). The scheduler is not started:
tests call the job functions themselves, deterministically.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

from b24.manifest import Manifest
from bench.common import free_port
from config import Settings
from jobs.inbox import process_inbox
from sandbox import Cloud, PortalState, running_cloud
from tests.conftest import CLIENT_ID, CLIENT_SECRET, make_settings

pytestmark = pytest.mark.e2e


@dataclass
class LiveApp:
    url: str
    app: object
    settings: Settings
    sessions: object

    def drain(self, portal: PortalState, *, rounds: int = 50) -> int:
        """Deliver what the portal queued, then process the inbox until it is empty."""
        total = 0
        for _ in range(rounds):
            portal.flush_events()
            handled = process_inbox(self.sessions, self.settings, max_rounds=20)
            total += handled
            if not handled:
                portal.flush_events()
                if not process_inbox(self.sessions, self.settings, max_rounds=1):
                    return total
        raise AssertionError("inbox did not drain")


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with running_cloud() as c:
        yield c


@pytest.fixture
def sandbox_app(cloud: Cloud):
    from app import MANIFEST

    return cloud.register_app(CLIENT_ID, CLIENT_SECRET, Manifest.load(MANIFEST).scopes)


@pytest.fixture
def portal(cloud: Cloud) -> PortalState:
    from sandbox.seed import seed_company

    p = cloud.add_portal("acme")
    p.rate_limit_enabled = False  # tests that are about the limit switch it back on
    seed_company(p, seed=1)
    return p


def _oauth_suffix(request: pytest.FixtureRequest) -> str:
    """What a test parametrized as `oauth_suffix` appends to the auth server's URL."""
    callspec = getattr(request.node, "callspec", None)
    return str(callspec.params.get("oauth_suffix", "")) if callspec else ""


@pytest.fixture
def live_app(request: pytest.FixtureRequest, cloud: Cloud, migrated: str,
             sessions) -> Iterator[LiveApp]:
    from app import create_app

    port = free_port()
    settings = make_settings(migrated, b24_oauth_url=cloud.url + _oauth_suffix(request),
                             app_public_url=f"http://127.0.0.1:{port}",
                             b24_js_url=f"{cloud.url}/bx24/api/v1/")
    application = create_app(settings)
    application.extensions["db_sessions"] = sessions
    server = make_server("127.0.0.1", port, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveApp(f"http://127.0.0.1:{port}", application, settings, sessions)
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def installed(portal: PortalState, sandbox_app, live_app: LiveApp) -> PortalState:
    admin = min(portal.admins)
    response = portal.install_app(sandbox_app, f"{live_app.url}/b24/install",
                                  f"{live_app.url}/app", admin_user_id=admin)
    assert response is not None and response.status_code == 200, response and response.text
    assert portal.installed
    return portal
