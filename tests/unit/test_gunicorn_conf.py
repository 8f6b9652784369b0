"""gunicorn.conf.py: one worker per core the web tier may use, the loaded app frozen, and the
access log (ACCESS_LOG) kept by the app's logging set-up."""

from __future__ import annotations

import gc
import logging
import os
import runpy

from app import create_app
from config import ROOT

CONFIG = str(ROOT / "gunicorn.conf.py")


def test_one_worker_per_core_the_process_may_run_on(monkeypatch) -> None:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})  # taskset -c 0
    assert runpy.run_path(CONFIG)["workers"] == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    assert runpy.run_path(CONFIG)["workers"] == 3


def test_web_concurrency_still_sets_the_workers(monkeypatch) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    assert runpy.run_path(CONFIG)["workers"] == 5


def test_a_loaded_worker_freezes_its_long_lived_objects() -> None:
    hook = runpy.run_path(CONFIG)["post_worker_init"]
    gc.unfreeze()
    try:
        hook(None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_app_keeps_gunicorns_access_log_and_masks_page_sessions(settings) -> None:
    """ACCESS_LOG: gunicorn attaches the access log's handler before it loads the app, and
    configure_logging (dictConfig) used to drop it, so the log stayed empty."""
    access = logging.getLogger("gunicorn.access")
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        create_app(settings)
        access.info('"GET /app/deals?s=viewer-session-token&x=1 HTTP/1.1" 200')
    finally:
        access.removeHandler(handler)
    assert lines == ['"GET /app/deals?s=***&x=1 HTTP/1.1" 200']
