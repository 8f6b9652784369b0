"""Abuse tests: two installed portals, a mocked outside world, and a way to prove "nothing changed".

Every outbound HTTP call goes to a `responses` mock (an unregistered URL raises), so the calls
the app made are counted, and the whole database is fingerprinted (row count + content hash per
table) before and after each hostile request: an invalid request must leave both untouched.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import responses
from hypothesis import HealthCheck, settings

from pages.auth import Viewer
from store import mirror
from store import routing as routing_store
from store.db import Base
from tests.conftest import CLIENT_ID
from tests.factories import make_portal, page_session

# Deterministic and quick: the same examples on every run, no example database on disk.
ABUSE = settings(derandomize=True, max_examples=30, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.filter_too_much])

ADMIN, MANAGER = 1, 11
GENUINE_VIEWER = "genuine-viewer-auth-id"  # the only AUTH_ID the mocked auth server accepts


@dataclass(frozen=True)
class Tenant:
    """One installed portal as a hostile test sees it: ids, its tokens and its PBX secret."""

    portal_id: int
    member_id: str
    domain: str
    application_token: str
    pbx_secret: str

    @property
    def endpoint(self) -> str:
        return f"https://{self.domain}/rest/"


@dataclass(frozen=True)
class World:
    """Database fingerprint and outbound calls at one moment."""

    tables: dict[str, tuple[int, str]]
    calls: int


def _seed(session: Any, portal_id: int) -> None:
    mirror.upsert_department(session, portal_id, {"ID": "1", "NAME": "Продажи",
                                                  "UF_HEAD": str(ADMIN)})
    for uid, name in ((ADMIN, "Админ"), (MANAGER, "Менеджер"), (50, "Биржа")):
        mirror.upsert_user(session, portal_id, {"ID": str(uid), "NAME": name, "LAST_NAME": "Т",
                                                "ACTIVE": True, "UF_DEPARTMENT": [1],
                                                "UF_PHONE_INNER": str(100 + uid)})


def _tenant(sessions: Any, letter: str) -> Tenant:
    member, domain, token = letter * 32, f"{letter}.bitrix24.test", letter.upper() * 32
    with sessions() as s:
        row = make_portal(s, member_id=member, domain=domain, application_token=token,
                          client_endpoint=f"https://{domain}/rest/",
                          access_token=f"access-{letter}-portal-token",
                          refresh_token=f"refresh-{letter}-portal-token")
        _seed(s, row.id)
        secret = routing_store.issue_pbx_secret(s, row.id, user_id=ADMIN,
                                                now=datetime.now(UTC))
        s.commit()
        return Tenant(row.id, member, domain, token, secret)


@pytest.fixture
def tenants(sessions: Any) -> tuple[Tenant, Tenant]:
    """Portal A and portal B, both installed, each with its own PBX secret."""
    return _tenant(sessions, "a"), _tenant(sessions, "b")


def session_token(app: Any, tenant: Tenant, *, user_id: int = ADMIN, admin: bool = True) -> str:
    viewer = Viewer(portal_id=tenant.portal_id, member_id=tenant.member_id, user_id=user_id,
                    is_admin=admin, lang="ru", name="Тест", domain=tenant.domain)
    return page_session(app, viewer)


def _app_info(request: Any) -> tuple[int, dict, str]:
    """The auth server knows one viewer token (portal A's); anything else is invalid."""
    import json
    from urllib.parse import parse_qs, urlsplit

    auth = parse_qs(urlsplit(request.url).query).get("auth", [""])[0]
    if auth != GENUINE_VIEWER:
        return 401, {}, json.dumps({"error": "invalid_token",
                                    "error_description": "The access token provided is invalid"})
    return 200, {}, json.dumps({"result": {"client_id": CLIENT_ID, "user_id": ADMIN, "install": {
        "installed": True, "domain": "a.bitrix24.test", "member_id": "a" * 32,
        "client_endpoint": "https://a.bitrix24.test/rest/"}}})


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """The outside world: app.info on our auth server and user.current on portal A only."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, "http://oauth.test/rest/app.info", callback=_app_info)
        mock.post("https://a.bitrix24.test/rest/batch.json", json={"result": {
            "result": {"user": {"ID": str(ADMIN), "NAME": "Админ"}, "admin": True},
            "result_error": [], "result_total": [], "result_next": [], "result_time": []},
            "time": {}})
        yield mock


@pytest.fixture
def world(engine: Any, rsps: responses.RequestsMock) -> Any:
    """world() -> the current World; compare two to prove a request changed nothing."""
    def take() -> World:
        tables = {}
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                rows = sorted(repr(tuple(row)) for row in conn.execute(table.select()))
                digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
                tables[table.name] = (len(rows), digest)
        return World(tables, sum(1 for call in rsps.calls if not _verification(call)))
    return take


def _verification(call: Any) -> bool:
    """Who-is-this reads (app.info, user.current, user.admin) prove identity and change
    nothing; nor does a refresh the auth server refuses (is this install still alive?)."""
    body = call.request.body or b""
    body = body.decode() if isinstance(body, bytes) else str(body)
    refused_refresh = "/oauth/token/" in call.request.url and \
        getattr(call.response, "status_code", 200) >= 400
    return "/app.info" in call.request.url or "user.current" in body or \
        "/user.admin" in call.request.url or refused_refresh


class Records(logging.Handler):
    """Every log record of the test, from every logger, at every level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def failures(self) -> list[str]:
        """Unhandled exceptions show up as ERROR records (the 500 handlers log.exception)."""
        return [f"{r.name}: {r.getMessage()}" for r in self.records
                if r.levelno >= logging.ERROR or r.exc_info]


@pytest.fixture
def logs(app: Any) -> Iterator[Records]:
    """Attached after create_app, whose dictConfig would otherwise drop it."""
    handler = Records()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


class Probe:
    """One hostile request: start() fingerprints the world and forgets earlier log records,
    check(response) asserts the request was harmless and returns the world after it."""

    def __init__(self, world: Any, logs: Records) -> None:
        self._world, self._logs = world, logs
        self.before: World | None = None

    def start(self) -> World:
        self._logs.records.clear()
        self.before = self._world()
        return self.before

    def check(self, response: Any) -> World:
        after = self._world()
        assert self.before is not None, "probe.start() first"
        assert_harmless(response, self.before, after, self._logs)
        return after


@pytest.fixture
def probe(world: Any, logs: Records) -> Probe:
    return Probe(world, logs)


def assert_harmless(response: Any, before: World, after: World, logs: Records) -> None:
    """Never a 500 or a logged exception; a refused request (4xx) leaves no trace."""
    assert response.status_code < 500 or response.status_code == 503, response.data[:300]
    assert not logs.failures(), logs.failures()
    if response.status_code >= 400:
        changed = {name for name in after.tables if after.tables[name] != before.tables[name]}
        assert not changed, f"{response.status_code} but changed {changed}"
        assert after.calls == before.calls, "a refused request reached the portal"
