"""The audit queue in a real browser: the quality controller opens the app, goes to "Отказы",
sees the suspicious rejection on top with its recording, and decides."""

from __future__ import annotations

import pytest

from tests.browser.test_pages_browser import open_as
from tests.e2e.test_audits import audited, lost_after_short_call  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_controller_confirms_a_rejection(page, audited, live_app, shots) -> None:  # noqa: F811
    managers = audited.meta["managers"]
    lost_after_short_call(audited, live_app, managers[0], "+7 913 888-01-01")
    open_as(page, audited, audited.meta["quality"])
    page.click("text=Отказы")
    page.wait_for_selector("tr[data-rejection]")
    assert page.locator("audio[data-record]").count() == 1  # played through the app
    assert "только короткие звонки" in page.inner_text("table.audits")
    page.screenshot(path=str(shots / "audits.png"), full_page=True)
    page.click("button[value=confirmed]")
    page.wait_for_selector("text=Отказ подтверждён.")
    assert page.locator("tr[data-rejection]").count() == 0
