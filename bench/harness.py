"""An emulated cloud plus the real app (web thread, temp SQLite), installed: for benchmarks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from werkzeug.serving import make_server

from bench.common import BENCH_TOKEN_KEY, free_port, temp_sqlite_url
from config import Secret, Settings
from sandbox import Cloud, PortalState, running_cloud
from store.migrate import upgrade

CLIENT_ID, CLIENT_SECRET = "local.bench000000000.00000000", "bench-client-secret"


@dataclass
class Rig:
    cloud: Cloud
    portal: PortalState
    app: object
    settings: Settings

    @property
    def sessions(self):
        return self.app.extensions["db_sessions"]


@contextmanager
def installed_rig(*, database_url: str | None = None, seed: bool = True,
                  trip: tuple[float, float] = (0.0, 0.0)) -> Iterator[Rig]:
    from app import MANIFEST, create_app
    from b24.manifest import Manifest
    from sandbox.seed import seed_company

    url = database_url or temp_sqlite_url()
    upgrade(url)
    with running_cloud(round_trip=trip) as cloud:
        sandbox_app = cloud.register_app(CLIENT_ID, CLIENT_SECRET, Manifest.load(MANIFEST).scopes)
        portal = cloud.add_portal("bench")
        if seed:
            seed_company(portal, seed=1)
        port = free_port()
        settings = Settings(
            b24_client_id=CLIENT_ID, b24_client_secret=Secret(CLIENT_SECRET),
            app_public_url=f"http://127.0.0.1:{port}", secret_key=Secret("bench"),
            token_keys=(Secret(BENCH_TOKEN_KEY),),
            database_url=url, b24_oauth_url=cloud.url, log_level="WARNING")
        app = create_app(settings)
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            response = portal.install_app(sandbox_app, f"{settings.app_public_url}/b24/install",
                                          f"{settings.app_public_url}/app",
                                          admin_user_id=min(portal.admins))
            if response is None or response.status_code != 200:
                raise RuntimeError(f"install failed: {response and response.text}")
            yield Rig(cloud, portal, app, settings)
        finally:
            server.shutdown()
