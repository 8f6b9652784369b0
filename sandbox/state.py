"""The emulated Bitrix24 cloud: one OAuth server, registered apps and many portals.

A Cloud is served by one LiveServer (sandbox.server): the OAuth token endpoint at
`{cloud.url}/oauth/token/`, the auth server's REST at `{cloud.url}/rest/` (= server_endpoint)
and each portal's REST at `{cloud.url}/p/<name>/rest/` (= its client_endpoint). PortalState is
what method modules, seed and scenario work with (docs/ARCHITECTURE.md "sandbox/").
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests

from sandbox import install, links
from sandbox.clock import Clock
from sandbox.delivery import Delivery, Dispatcher
from sandbox.events import Binding, Job, emit
from sandbox.install import INSTALLED, NOT_INSTALLED
from sandbox.latency import RoundTrip
from sandbox.limits import LeakyBucket, OperatingMeter
from sandbox.offline import OfflineQueue
from sandbox.tables import Table
from sandbox.tokens import App, Grant, TokenStore, Webhook


@dataclass
class RecordedCall:
    """One method run as the portal saw it (`via`: http, webhook, batch or ui)."""

    method: str
    params: dict
    user_id: int
    via: str
    error: str | None = None
    at: float = 0.0


@dataclass(frozen=True)
class Fault:
    error: str
    status: int
    description: str


@dataclass
class SpecViolation:
    method: str
    kind: str  # "unknown" | "missing"
    param: str
    via: str


class PortalState:
    """One portal: its tables, installed app, bindings, recorded calls and scripted faults."""

    def __init__(self, cloud: Cloud, name: str, *, lang: str = "ru",
                 admins: Iterable[int] = (1,), rate_limit: bool = True) -> None:
        self.cloud, self.clock, self.name = cloud, cloud.clock, name
        self.member_id = hashlib.md5(f"sandbox-member:{name}".encode()).hexdigest()
        self.domain = f"{name}.bitrix24.test"
        self.lang, self.status = lang, "L"  # L = local application (§1.2 `status`)
        self.admins: set[int] = set(admins)
        self.lock = threading.RLock()
        self.meta: dict[str, Any] = {}
        self.features = {"rest_offline_extended": "Y", "rest_auth_connector": "Y"}
        # Built-in telephony makes a lead (and binds the call activity, PROVIDER_ID
        # VOXIMPLANT_CALL, to it) for a call from a number the CRM does not know; a new portal
        # ships with this on, so the statistics row says CRM_ENTITY_TYPE "LEAD" with its
        # CRM_ENTITY_ID and CRM_ACTIVITY_ID (EN:api-reference/telephony/voximplant/
        # voximplant-statistic-get.md). REST telephony asks for it per call instead
        # (CRM_CREATE, EN:api-reference/telephony/telephony-external-call-register.md).
        self.telephony_creates_leads = True
        self._tables: dict[str, Table] = {}
        self.calls: list[RecordedCall] = []
        self.record_calls = True
        self._faults: dict[str, deque[Fault]] = {}
        self._lost_answers: dict[str, int] = {}
        self.spec_violations: list[SpecViolation] = []
        self.spec_strict = True
        self.rate_limit_enabled = rate_limit  # EN:limits.md bucket; off for fast tests
        self.bucket = LeakyBucket(self.clock.time)
        self.operating = OperatingMeter(self.clock.time)
        self.webhooks: dict[str, Webhook] = {}
        self.app: App | None = None
        self.install_state = NOT_INSTALLED
        self.revoked = False
        self.application_token = ""
        self.app_version = 1
        self.install_url: str | None = None
        self.handler_url: str | None = None
        self.installer_id: int | None = None
        self.app_options: dict[str, Any] = {}
        self.bindings: list[Binding] = []
        self.placements: list[dict] = []
        self.offline = OfflineQueue(self.clock)
        self.deliveries: list[Delivery] = []
        self.delivery_paused = False
        self.held_jobs: list[Job] = []
        self.handler_down = False
        # HTTP-only faults (people acting in the UI are not affected): an outage window on the
        # portal clock, and a hook the fault tests use to stall or break one request.
        self.outage: tuple[float, Fault] | None = None
        self.on_request: Callable[[str, dict], None] | None = None
        self._next_binding = 1

    # -- addresses ---------------------------------------------------------------------------
    @property
    def client_endpoint(self) -> str:
        return f"{self.cloud.url}/p/{self.name}/rest/"

    @property
    def server_endpoint(self) -> str:
        return self.cloud.server_endpoint

    @property
    def installed(self) -> bool:
        """app.info INSTALLED: installation finished and access not revoked."""
        return self.install_state == INSTALLED and not self.revoked

    # -- data --------------------------------------------------------------------------------
    def table(self, name: str) -> Table:
        """The named entity table, created empty on first use."""
        if name not in self._tables:
            self._tables[name] = Table(name)
        return self._tables[name]

    def is_admin(self, user_id: int) -> bool:
        return int(user_id) in self.admins

    def next_binding_id(self) -> int:
        self._next_binding += 1
        return self._next_binding - 1

    # -- behaviour ---------------------------------------------------------------------------
    def emit(self, code: str, data: Any, *, user_id: int,
             auth_connector: str | None = None) -> int:
        """Queue an event for every binding of `code` (user_id 0: no tokens)."""
        return emit(self, code, data, user_id=user_id, auth_connector=auth_connector)

    def invoke(self, method: str, params: dict | None = None, *, user_id: int,
               app_context: bool = False) -> Any:
        """A person acting in the UI: no HTTP, no rate limit, events fire; raises RestError."""
        from sandbox.rest import invoke
        return invoke(self, method, params or {}, user_id=user_id, app_context=app_context)

    def fail_next(self, method: str, error: str, status: int, times: int = 1,
                  description: str = "") -> None:
        """Make the next `times` runs of `method` fail with this error (also inside batch)."""
        queue = self._faults.setdefault(method.lower(), deque())
        queue.extend(Fault(error, status, description) for _ in range(times))

    def lose_answer_next(self, method: str, times: int = 1) -> None:
        """The next `times` HTTP requests to `method` run to the end, but their answer is lost
        on the way back: the app gets the 504 page of the portal's front proxy, which gave up
        waiting (the portal did the work; only the answer never arrived)."""
        key = method.lower()
        self._lost_answers[key] = self._lost_answers.get(key, 0) + times

    def take_lost_answer(self, method: str) -> bool:
        key = method.lower()
        if not self._lost_answers.get(key):
            return False
        self._lost_answers[key] -= 1
        return True

    def unavailable_for(self, seconds: float, error: str = "QUERY_LIMIT_EXCEEDED",
                        status: int = 503, description: str = "Service unavailable") -> None:
        """Every REST request over HTTP fails with `status` until the portal clock passes
        now + seconds (an overloaded or restarting portal; OAuth keeps answering)."""
        self.outage = (self.clock.time() + seconds, Fault(error, status, description))

    def outage_fault(self) -> Fault | None:
        """The outage's answer while it lasts, else None."""
        if self.outage is None or self.clock.time() >= self.outage[0]:
            return None
        return self.outage[1]

    def take_fault(self, method: str) -> Fault | None:
        queue = self._faults.get(method.lower())
        return queue.popleft() if queue else None

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def expire_access_tokens(self) -> int:
        """Every live access token of this portal answers expired_token from now on."""
        return self.cloud.tokens.expire(self)

    def revoke(self) -> None:
        """The app lost access (unpaid/blocked): REST and refresh answer PAYMENT_REQUIRED."""
        self.revoked = True
        self.cloud.tokens.revoke(self)

    def issue_tokens(self, user_id: int | None = None) -> dict:
        """A fresh token pair in the auth server's JSON shape (§2.2), for scripts and benches."""
        if self.app is None:
            raise RuntimeError("sandbox: no app on this portal; install_app() first")
        grant = self.cloud.tokens.issue(self, self.app, user_id or self.installer_id or 1)
        return install.token_json(grant)

    def add_webhook(self, user_id: int, scopes: Iterable[str]) -> str:
        """An inbound webhook; returns its base URL `.../rest/<user>/<code>/`."""
        code = secrets.token_hex(8)
        self.webhooks[code] = Webhook(int(user_id), code, frozenset(scopes))
        return f"{self.cloud.url}/p/{self.name}/rest/{user_id}/{code}/"

    def move_domain(self, new_name: str) -> None:
        """The portal's address changes; the old one answers 302 (change-domen.md)."""
        self.cloud.rename(self, new_name)

    # -- app lifecycle (sandbox.install) ------------------------------------------------------
    def install_app(self, app: App | str, install_url: str | None, handler_url: str | None,
                    admin_user_id: int = 1, *, api_only: bool = False,
                    version: int = 1) -> requests.Response | None:
        return install.install_app(self, app, install_url, handler_url, admin_user_id,
                                   api_only=api_only, version=version)

    def finish_install(self) -> None:
        install.finish_install(self)

    def open_app(self, user_id: int, placement: str = "DEFAULT", options: dict | None = None,
                 handler_url: str | None = None) -> requests.Response:
        return install.open_app(self, user_id, placement, options, handler_url)

    def follow_link(self, url: str, user_id: int) -> requests.Response:
        """A user clicks an app link (/marketplace/view/<code>/...) in a notification."""
        return links.follow(self, url, user_id)

    def app_page_request(self, user_id: int, placement: str = "DEFAULT",
                         options: dict | None = None,
                         handler_url: str | None = None) -> install.PageRequest:
        return install.page_request(self, user_id, placement, options, handler_url)

    def uninstall_app(self, clean: bool = True) -> None:
        install.uninstall_app(self, clean)

    # -- delivery ----------------------------------------------------------------------------
    def flush_events(self, timeout: float = 5.0) -> None:
        """Wait until this portal's queued events were POSTed (or failed)."""
        self.cloud.delivery.wait(timeout, portal=self)

    def pause_delivery(self) -> None:
        self.cloud.delivery.pause(self)

    def resume_delivery(self) -> None:
        self.cloud.delivery.resume(self)


class Cloud:
    """The OAuth server, the registered apps and every portal behind one address."""

    def __init__(self, *, clock: Clock | None = None, url: str | None = None,
                 delivery_timeout: float = 10.0,
                 round_trip: tuple[float, float] = (0.0, 0.0)) -> None:
        from sandbox.methods import load_all  # registers every method (no import cycle)
        load_all()
        self.clock = clock or Clock()
        self.url = url or "http://sandbox.invalid"
        self.apps: dict[str, App] = {}
        self.portals: dict[str, PortalState] = {}
        self.moved: dict[str, str] = {}
        self.tokens = TokenStore(self.clock.time)
        self.sessions: dict[str, install.PageSession] = {}
        self.delivery = Dispatcher(self, timeout=delivery_timeout)
        self.lock = threading.RLock()
        self.server: Any = None  # the LiveServer when started by running_cloud()
        # Every HTTP answer waits this long (sandbox.latency); 0 in tests, 100-200 ms in the demo.
        self.round_trip = RoundTrip(*round_trip)

    @property
    def server_endpoint(self) -> str:
        return f"{self.url}/rest/"

    def register_app(self, client_id: str, client_secret: str, scopes: Iterable[str], *,
                     code: str = "") -> App:
        """A local/market app card: credentials and scopes (EN:settings/app-installation)."""
        with self.lock:
            app = App(client_id, client_secret, frozenset(s.strip() for s in scopes),
                      code or client_id, len(self.apps) + 1)
            self.apps[client_id] = app
            return app

    def add_portal(self, name: str | None = None, **options: Any) -> PortalState:
        with self.lock:
            name = name or f"portal{len(self.portals) + 1}"
            if name in self.portals:
                raise ValueError(f"sandbox: portal {name} exists")
            portal = self.portals[name] = PortalState(self, name, **options)
            return portal

    def portal(self, name: str) -> PortalState:
        return self.portals[name]

    def rename(self, portal: PortalState, new_name: str) -> None:
        with self.lock:
            del self.portals[portal.name]
            self.moved[portal.name] = new_name
            self.moved.pop(new_name, None)
            portal.name, portal.domain = new_name, f"{new_name}.bitrix24.test"
            self.portals[new_name] = portal

    def grant_for(self, access_token: str) -> Grant | None:
        return self.tokens.by_access.get(access_token)

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Block until every queued event of every portal was delivered (or failed)."""
        self.delivery.wait(timeout)

    def close(self) -> None:
        self.delivery.close()
