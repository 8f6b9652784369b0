"""The Procrastinate app on our PostgreSQL, and the Flask app its tasks run against."""

from __future__ import annotations

import procrastinate
from flask import Flask

from config import Settings

_BOUND: dict[str, Flask] = {}


def conninfo(database_url: str) -> str:
    """SQLAlchemy's `postgresql+psycopg://` URL as libpq takes it (options= and all)."""
    if not database_url.startswith(("postgresql+psycopg://", "postgresql://")):
        raise ValueError("the task engine runs on PostgreSQL only; SQLite uses `serve`")
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def build(settings: Settings, connector: procrastinate.BaseConnector | None = None, *,
          periodic_jobs: bool = True) -> procrastinate.App:
    """Every task registered; `connector` lets unit tests use the in-memory one, and
    `periodic_jobs=False` leaves the inbox alone (the benchmark compares drains only)."""
    from tasks import drain, periodic, stalled

    app = procrastinate.App(connector=connector or procrastinate.PsycopgConnector(
        conninfo=conninfo(settings.database_url)))
    drain.register(app, settings)
    if periodic_jobs:
        periodic.register(app, settings)
    stalled.register(app)
    return app


def bind(flask_app: Flask) -> None:
    """The worker process's Flask app (sessions, settings) for the tasks to use."""
    _BOUND["app"] = flask_app


def flask_app() -> Flask:
    try:
        return _BOUND["app"]
    except KeyError:
        raise RuntimeError("tasks.engine.bind() was not called in this process") from None
