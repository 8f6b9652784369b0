"""Shared fixtures: settings, a migrated database (SQLite file or PostgreSQL schema), the app.

`TEST_DATABASE_URL` (set by `make test-postgres`) runs everything against PostgreSQL, each test
session in a fresh schema that is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from config import Secret, Settings
from store.db import Base, make_engine, make_session_factory
from store.migrate import upgrade

CLIENT_ID = "local.0123456789abcd.12345678"
CLIENT_SECRET = "s3cr3t-client-secret-value"


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

    forget_buckets()


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as s:
        yield s


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict = {
        "b24_client_id": CLIENT_ID, "b24_client_secret": Secret(CLIENT_SECRET),
        "app_public_url": "http://app.test", "secret_key": Secret("test-secret-key"),
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
