"""A recording in a real browser: the deal tab's <audio> loads the portal's WAV through the
app (readyState, duration) and the answer is ours, 200 audio/wav."""

from __future__ import annotations

import pytest

from sandbox import people
from tests.browser.test_pages_browser import open_as
from tests.e2e.telephony_kit import no_client_limit, settle
from tests.e2e.test_telephony import manager_deal_with_phone

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_deal_tab_player_loads_the_recording(exchange, live_app, page, shots,
                                             monkeypatch) -> None:
    no_client_limit(monkeypatch)
    deal, phone = manager_deal_with_phone(exchange)
    manager = int(deal["ASSIGNED_BY_ID"])
    people.call(exchange, user_id=manager, phone=phone, incoming=True, duration=40)
    settle(live_app, exchange)
    open_as(page, exchange, manager, "CRM_DEAL_DETAIL_TAB", {"ID": str(deal["ID"])})
    player = page.locator("audio[data-record]").first
    assert player.evaluate("a => a.readyState") == 0  # preload=none: nothing fetched yet
    with page.expect_response(lambda r: "/record?" in r.url) as sound:
        player.evaluate("a => { a.muted = true; return a.play(); }")  # the play button
    answer = sound.value
    assert answer.status == 200 and answer.headers["content-type"] == "audio/wav"
    assert answer.url.startswith(live_app.url + "/app/call/")  # ours, not the portal's
    page.wait_for_function("a => a.readyState >= 1 && a.duration > 1",
                           arg=player.element_handle())
    assert player.evaluate("a => a.error") is None
    assert abs(player.evaluate("a => a.duration") - 1.5) < 0.1  # the portal's 1.5 s tone
    page.screenshot(path=str(shots / "deal-tab-recording.png"), full_page=True)
