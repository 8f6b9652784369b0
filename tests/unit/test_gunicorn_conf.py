"""gunicorn.conf.py: one worker per core the web tier may use, and the loaded app frozen."""

from __future__ import annotations

import gc
import os
import runpy

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
