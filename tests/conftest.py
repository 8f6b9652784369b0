"""Shared fixtures: the frozen clock, settings, a migrated database (SQLite or PostgreSQL), the app.

`TEST_DATABASE_URL` (set by `make test-postgres`) runs everything against PostgreSQL, each test
session in a fresh schema that is dropped afterwards.

No test reads the real clock: every test starts at `TEST_NOW` (default a Tuesday morning in
Moscow) and the clock runs on from there. `.ci/run` plays the suite at several other moments
(a Monday, a Tuesday 18:40 MSK, a month's last day, a DST change on a Sunday) to prove it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from config import Secret, Settings
from store.db import Base, make_engine, make_session_factory
from store.migrate import upgrade

CLIENT_ID = "local.0123456789abcd.12345678"
CLIENT_SECRET = "s3cr3t-client-secret-value"
# Fernet keys for the tokens at rest (store/crypto.py): fixed, so runs are comparable.
TOKEN_KEYS = ("epj5apSUCuKWbpCHxdpQDceMMY5_FIJBJ8gyqkorTt8=",)
DEFAULT_NOW = "2026-11-24T11:00:00+03:00"  # a Tuesday, 11:00 in Moscow: an ordinary work hour


def frozen_moment() -> datetime:
    """The moment every test starts at: `TEST_NOW` (ISO 8601 with an offset) or DEFAULT_NOW."""
    moment = datetime.fromisoformat(os.environ.get("TEST_NOW") or DEFAULT_NOW)
    if moment.tzinfo is None:
        raise ValueError("TEST_NOW needs an offset, e.g. 2026-12-07T10:00:00+03:00")
    return moment


@pytest.fixture(scope="session", autouse=True)
def session_clock() -> Iterator[datetime]:
    """Session-wide fixtures (seeded portals, temp databases) are made at TEST_NOW too."""
    moment = frozen_moment()
    with time_machine.travel(moment, tick=True):
        yield moment


@pytest.fixture(autouse=True)
def frozen_now(request: pytest.FixtureRequest, session_clock: datetime) -> Iterator[datetime]:
    """Each test starts at exactly TEST_NOW and its clock runs on (timeouts and sleeps work).

    Tests marked `long` start web and worker processes, which keep the machine's clock; they
    run on the real clock so that parent and children agree (their scenario compares a faulted
    day with a fault-free one and never depends on the date).
    """
    if request.node.get_closest_marker("long"):
        real = datetime.fromtimestamp(time_machine.escape_hatch.time.time(), UTC)
        with time_machine.travel(real, tick=True):
            yield real
        return
    with time_machine.travel(session_clock, tick=True):
        yield session_clock


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:
        yield from _postgres_schema_url(pg)
        return
    path: Path = tmp_path_factory.mktemp("db") / "test.db"
    yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def migrated(database_url: str) -> str:
    upgrade(database_url)
    return database_url


@pytest.fixture(scope="session")
def engine(migrated: str):
    from store import crypto

    crypto.use(crypto.KeyRing(TOKEN_KEYS))  # bare sessions (no app) read tokens too
    eng = make_engine(migrated)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine) -> Iterator[sessionmaker[Session]]:
    """A clean database for every test (delete is fast at test sizes, on both backends)."""
    factory = make_session_factory(engine)
    yield factory
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(autouse=True)
def fresh_rate_buckets() -> None:
    """Emulated portals reuse member_ids across tests; their allowance must not carry over."""
    from b24.ratelimit import forget_buckets
    from pages.rights import forget

    forget_buckets()
    forget()  # the live admin check's cache (pages/rights.py)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as s:
        yield s


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict = {
        "b24_client_id": CLIENT_ID, "b24_client_secret": Secret(CLIENT_SECRET),
        "app_public_url": "http://app.test", "secret_key": Secret("test-secret-key"),
        "token_keys": tuple(Secret(k) for k in TOKEN_KEYS),
        "database_url": database_url, "b24_oauth_url": "http://oauth.test",
        "log_level": "WARNING", "rest_backoff": 0.01,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(migrated: str) -> Settings:
    return make_settings(migrated)


@pytest.fixture
def app(settings: Settings, sessions: sessionmaker[Session]):
    from app import create_app

    application = create_app(settings)
    application.config["TESTING"] = True
    # Share the test engine so tests and app see the same database (and PG schema).
    application.extensions["db_sessions"] = sessions
    return application


@pytest.fixture
def client(app):
    return app.test_client()
