"""Headless Chromium against the live app and the emulated portal.

Debian's /usr/bin/chromium drives the tests (Playwright never downloads a browser here; `make
browser` installs the package). A missing browser FAILS the tests with the fix to apply: a
skipped page test would hide a broken page.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config import ROOT
from handlers.exchange import config
from jobs.runner import sync_all
from store import portals
from tests.e2e.conftest import cloud, installed, live_app, portal, sandbox_app  # noqa: F401

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
SHOTS = ROOT / "out" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `apt-get install -y chromium` "
                    "(or `make browser`); the page tests never download a browser.",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="ru-RU",
                                  timezone_id="Europe/Moscow")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture
def exchange(installed, live_app):  # noqa: F811
    """Installed, mirrored, the exchange user chosen by the admin."""
    sync_all(live_app.app)
    with live_app.sessions() as s:
        portal_id = portals.find(s, installed.member_id).id
        config.save(s, portal_id, config.ExchangeConfig(
            exchange_user_id=installed.meta["exchange"], head_user_id=installed.meta["head"]),
            user_id=min(installed.admins), now=datetime.now(UTC))
        s.commit()
    return installed
