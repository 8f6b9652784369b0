"""Application factory: nothing happens at import (STYLE rule 1).

    flask --app app serve                       # embedded: web + worker + scheduler, SQLite
    gunicorn 'app:create_app()'                 # production web
    flask --app app worker / scheduler          # production background processes
"""

from __future__ import annotations

import logging.config
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from config import ROOT, ConfigError, Settings

MANIFEST = ROOT / "install.json"


class ExtraFormatter(logging.Formatter):
    """Log keys are stable dotted names; the `extra` data follows as key=value pairs."""

    _skip = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        extra = {k: v for k, v in vars(record).items() if k not in self._skip}
        return base + "".join(f" {k}={_plain(v)}" for k, v in sorted(extra.items()))


def _plain(value: object) -> str:
    """Extra values often come from the request (a member_id, a path): a newline in one must
    not start a forged log line, so anything unprintable is shown escaped."""
    text = str(value)
    return text if text.isprintable() else repr(text)


class SessionRedactor(logging.Filter):
    """Access logs print the request line, and page URLs carry the viewer's signed session
    (`?s=`, pages/kit.py): a bearer credential for an hour, admin rights included. Masked."""

    _session = re.compile(r"([?&]s=)[^&\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self._session.sub(r"\1***", message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class CookielessSessions(SecureCookieSessionInterface):
    """Flask's cookie session, opened without building its signer when there is no cookie.

    Nothing of ours sets that cookie (pages carry their own signed `?s=`, pages/kit.py), so
    every request, each webhook included, took the empty path, after a signer was built for it
    (a twentieth of the ack's CPU). A request that does bring the cookie is read as before."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.cookies.get(self.get_cookie_name(app)) and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)


def configure_logging(level: str) -> None:
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"()": ExtraFormatter,
                                 "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "filters": {"sessions": {"()": SessionRedactor}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {"werkzeug": {"level": "WARNING", "filters": ["sessions"]},
                    "apscheduler": {"level": "WARNING"},
                    "urllib3": {"level": "WARNING"},
                    "alembic.runtime.plugins": {"level": "WARNING"}},
    })
    # gunicorn's access logger is masked but not configured here: dictConfig drops the handlers
    # of every logger it names, and gunicorn set this one's (ACCESS_LOG) before loading the app.
    access = logging.getLogger("gunicorn.access")
    if not any(isinstance(f, SessionRedactor) for f in access.filters):
        access.addFilter(SessionRedactor())


def create_app(settings: Settings | None = None, *, manifest_path: Path = MANIFEST) -> Flask:
    from b24.manifest import Manifest
    from jobs import init_app as init_jobs
    from pages import init_pages
    from store.db import init_app as init_db
    from web import init_app as init_web

    if settings is None:
        try:
            settings = Settings.from_env()
        except ConfigError as exc:
            if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
                raise  # gunicorn and every other caller: fail fast at start-up
            return unconfigured_app(exc)
    configure_logging(settings.log_level)
    app = Flask(__name__, instance_path=str(ROOT / "instance"))
    app.session_interface = CookielessSessions()
    app.config.update(SETTINGS=settings, SECRET_KEY=settings.secret_key.value,
                      MAX_CONTENT_LENGTH=1024 * 1024)
    app.extensions["manifest"] = Manifest.load(manifest_path)
    init_db(app)
    init_web(app)
    init_jobs(app)
    init_pages(app)
    return app


def unconfigured_app(error: ConfigError) -> Flask:
    """What `flask --app app …` loads when the environment lacks settings: the commands are
    listed and `--help` works, but running one (or serving a request) names what is missing.
    The flask CLI loads the app even to print its help, so failing here would print a traceback."""
    from jobs import init_app as init_jobs

    app = Flask(__name__, instance_path=str(ROOT / "instance"))
    init_jobs(app)  # commands only: they read app.config["SETTINGS"] when they run
    for name, command in app.cli.commands.items():
        command.callback = _refusing(name, error)

    def refuse(environ: dict, start_response: Callable) -> Any:
        raise error

    app.wsgi_app = refuse  # type: ignore[method-assign]
    return app


def _refusing(name: str, error: ConfigError) -> Callable[..., None]:
    def refuse(**_: Any) -> None:
        raise click.ClickException(f"`flask {name}` needs its settings: {error} "
                                   "(README, «Configuration (environment)»)")
    return refuse
