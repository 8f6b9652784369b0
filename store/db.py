"""Engine, session factory and the declarative Base with a constraint naming convention."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

if TYPE_CHECKING:
    from flask import Flask

# Alembic naming.rst: stable names so migrations can drop/alter constraints on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """SQLite gets WAL and a busy timeout so the web process and the worker can share a file.

    `pool_size`: connections kept open; a worker's threads (WORKER_THREADS) each hold one or
    two at once (a chunk's session and a token refresh), the overflow covers the rest.

    hide_parameters: rows hold OAuth tokens, so SQL logging (sqlalchemy.engine at INFO) and
    error messages show statements without their values."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               pool_size=pool_size, max_overflow=2 * pool_size,
                               hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=2 * pool_size,
                           hide_parameters=True)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_settings)
    return engine


def _postgres_settings(dbapi_conn, _record) -> None:  # noqa: ANN001 - DBAPI types
    """No JIT: the report's month queries are costed above jit_above_cost but run in tens of
    milliseconds per node, and compiling them took 0.2-0.6 s of a 3 s budget
    (https://www.postgresql.org/docs/15/jit-decision.html)."""
    with dbapi_conn.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_conn.commit()


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DBAPI types
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work at a boundary (job row, portal loop): commit on success, else roll back."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def write_lock(session: Session) -> None:
    """Start this unit of work holding SQLite's write lock (BEGIN IMMEDIATE).

    A deferred SQLite transaction that reads first and writes later fails at once with
    "database is locked" when another connection committed meanwhile (the busy timeout does
    not cover that upgrade). Units that read-then-write (the inbox worker, the sync) take the
    lock up front and so simply wait their turn. PostgreSQL needs nothing: no-op there.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# Rows ANALYZE samples per index on SQLite: approximate statistics in milliseconds even on
# millions of rows (https://www.sqlite.org/pragma.html#pragma_analysis_limit).
SQLITE_ANALYSIS_LIMIT = 1000


def analyze(session: Session, tables: list[str] | None = None) -> None:
    """Fresh planner statistics after a bulk load or as the mirror grows.

    PostgreSQL would plan for empty tables until autovacuum runs (a 13 ms board query took
    seconds in that window). SQLite never gathers statistics by itself: without them the
    report's shared-client query picked a plan 7x slower on 200 000 deals.
    """
    if is_postgres(session):
        for table in tables or []:
            session.execute(text(f"ANALYZE {table}"))
        if not tables:
            session.execute(text("ANALYZE"))
        return
    session.execute(text(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}"))
    for table in tables or [""]:
        session.execute(text(f"ANALYZE {table}".strip()))


def upsert_insert(session: Session) -> Callable[..., Any]:
    """The backend's INSERT that knows ON CONFLICT (PostgreSQL's or SQLite's; the generic one
    does not): every once-per-key write and upsert in store/ goes through it."""
    return postgresql.insert if is_postgres(session) else sqlite.insert


def is_postgres(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) \
        else session_or_engine
    return bind.dialect.name == "postgresql"


def init_app(app: Flask) -> None:
    """A session per request in flask.g, removed at teardown (Flask tutorial get_db/close_db)."""
    from flask import g

    from store import crypto

    settings = app.config["SETTINGS"]
    crypto.use(crypto.KeyRing([k.value for k in settings.token_keys]))  # fails fast: no keys
    engine = make_engine(settings.database_url, pool_size=max(10, settings.worker_threads))
    app.extensions["db_engine"] = engine
    app.extensions["db_sessions"] = make_session_factory(engine)

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_session() -> Session:
    from flask import current_app, g

    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessions"]()
    return g.db_session
