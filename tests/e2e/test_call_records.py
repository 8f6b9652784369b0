"""Recordings played through the app: the calls page and the deal tab carry an <audio> whose
source is our own URL; the bytes are the portal's disk file, and no portal token or address
reaches the browser."""

from __future__ import annotations

import re
from html import unescape

import pytest
import requests
from sqlalchemy import select

from sandbox import people
from sandbox.methods.disk import tone_wav
from store import portals
from store.models import Call
from tests.e2e.telephony_kit import no_client_limit, prepare, settle
from tests.e2e.test_pages import session_of
from tests.e2e.test_telephony import manager_deal_with_phone

AUDIO = re.compile(r'<audio[^>]*\ssrc="(/app/call/(\d+)/record\?s=[^"]+)"')


@pytest.fixture
def recorded(installed, live_app, monkeypatch):
    """A seeded portal whose manager just talked 40 s with a known client."""
    no_client_limit(monkeypatch)
    prepare(installed, live_app)
    deal, phone = manager_deal_with_phone(installed)
    manager = int(deal["ASSIGNED_BY_ID"])
    people.call(installed, user_id=manager, phone=phone, incoming=True, duration=40)
    settle(live_app, installed)
    return installed, deal, manager


def our_call(live_app, portal, manager: int) -> Call:
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        return s.scalars(select(Call).where(Call.portal_id == pid, Call.user_id == manager,
                                            Call.record_file_id.is_not(None))
                         .order_by(Call.start_at.desc())).first()


def secrets_of(live_app, portal) -> list[str]:
    """Everything that would let a browser reach the portal on the app's behalf."""
    with live_app.sessions() as s:
        row = portals.find(s, portal.member_id)
        return [row.access_token, row.refresh_token, portal.client_endpoint, "download.json"]


def test_calls_page_plays_the_portal_file_through_the_app(recorded, live_app) -> None:
    portal, _, manager = recorded
    call = our_call(live_app, portal, manager)
    assert call is not None and call.record_url is None  # RECORD_FILE_ID only, as in the docs
    opened = portal.open_app(manager)
    token = session_of(opened)
    page = requests.get(f"{live_app.url}/app/calls", params={"s": token}, timeout=10)
    assert page.status_code == 200
    sources = {int(i): unescape(src) for src, i in AUDIO.findall(page.text)}
    assert call.id in sources
    for secret in secrets_of(live_app, portal):
        assert secret and secret not in page.text
    answer = requests.get(live_app.url + sources[call.id], timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "audio/wav"
    assert answer.content[:4] == b"RIFF" and answer.content == tone_wav()
    file = portal.invoke("disk.file.get", {"id": call.record_file_id}, user_id=1)
    assert int(file["SIZE"]) == len(answer.content)  # the portal's own file, byte for byte
    for secret in secrets_of(live_app, portal):
        assert secret not in str(answer.headers)


def test_deal_tab_plays_the_clients_recordings(recorded, live_app) -> None:
    portal, deal, manager = recorded
    call = our_call(live_app, portal, manager)
    tab = portal.open_app(manager, "CRM_DEAL_DETAIL_TAB", {"ID": str(deal["ID"])})
    assert tab.status_code == 200 and "Записи разговоров с клиентом" in tab.text
    sources = {int(i): unescape(src) for src, i in AUDIO.findall(tab.text)}
    assert call.id in sources
    for secret in secrets_of(live_app, portal):
        assert secret not in tab.text
    answer = requests.get(live_app.url + sources[call.id], timeout=10)
    assert answer.status_code == 200 and answer.content == tone_wav()


def test_record_url_refuses_bad_ids_and_missing_sessions(recorded, live_app) -> None:
    portal, _, manager = recorded
    call = our_call(live_app, portal, manager)
    token = session_of(portal.open_app(manager))
    url = f"{live_app.url}/app/call/{call.id}/record"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, params={"s": "forged"}, timeout=10).status_code == 401
    assert requests.get(f"{live_app.url}/app/call/{call.id + 10**6}/record",
                        params={"s": token}, timeout=10).status_code == 404
    assert requests.get(f"{live_app.url}/app/call/99999999999/record",
                        params={"s": token}, timeout=10).status_code == 404
    with live_app.sessions() as s:
        silent = s.scalars(select(Call).where(Call.record_file_id.is_(None))).first()
    assert requests.get(f"{live_app.url}/app/call/{silent.id}/record",
                        params={"s": token}, timeout=10).status_code == 404


def test_portal_error_is_a_502_not_a_leak(recorded, live_app) -> None:
    portal, _, manager = recorded
    call = our_call(live_app, portal, manager)
    token = session_of(portal.open_app(manager))
    portal.fail_next("disk.file.get", "ACCESS_DENIED", 403, description="Access denied")
    answer = requests.get(f"{live_app.url}/app/call/{call.id}/record", params={"s": token},
                          timeout=10)
    assert answer.status_code == 502
    for secret in secrets_of(live_app, portal):
        assert secret not in answer.text
