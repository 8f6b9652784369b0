"""/app/call/<id>/record over a mocked portal: disk.file.get -> DOWNLOAD_URL -> our stream."""

from __future__ import annotations

import json

import pytest
import responses
from sqlalchemy import select

from sandbox.methods.disk import tone_wav
from store.models import Call
from tests.unit.telephony.test_calls_page import DOMAIN, REST, add, portal, token  # noqa: F401

DOWNLOAD = f"https://{DOMAIN}/rest/download.json?auth=portal-secret-token&token=disk%7C77"


@pytest.fixture
def call_row(portal, sessions):  # noqa: F811
    with sessions() as s:
        add(s, portal.id, 9, minutes_ago=30, phone="+79160000009")
        row = s.scalar(select(Call).where(Call.call_id == "call-9"))
        row.record_file_id = 77
        s.commit()
        return row.id


def file_answer(url: str) -> dict:
    return {"result": {"ID": "77", "NAME": "call-9.wav", "TYPE": "file", "SIZE": "100",
                       "DOWNLOAD_URL": url}}


def test_the_bytes_come_through_the_app(client, app, portal, call_row) -> None:  # noqa: F811
    with responses.RequestsMock() as rsps:
        rsps.post(f"{REST}disk.file.get.json", json=file_answer(DOWNLOAD))
        rsps.get(DOWNLOAD, body=tone_wav(), content_type="audio/wav")
        answer = client.get(f"/app/call/{call_row}/record",
                            query_string={"s": token(app, portal)})
        assert json.loads(rsps.calls[0].request.body)["id"] == 77
    assert answer.status_code == 200 and answer.mimetype == "audio/wav"
    assert answer.data == tone_wav() and answer.data[:4] == b"RIFF"
    assert "portal-secret-token" not in str(answer.headers)


def test_a_download_url_off_the_portal_is_never_fetched(client, app, portal,  # noqa: F811
                                                        call_row) -> None:
    with responses.RequestsMock() as rsps:  # only disk.file.get: any other request fails
        rsps.post(f"{REST}disk.file.get.json", json=file_answer("http://169.254.169.254/x"))
        answer = client.get(f"/app/call/{call_row}/record",
                            query_string={"s": token(app, portal)})
    assert answer.status_code == 502


def test_calls_page_has_a_player_for_file_recordings(client, app, portal,  # noqa: F811
                                                     call_row) -> None:
    html = client.get("/app/calls", query_string={"s": token(app, portal)}).get_data(True)
    assert f'src="/app/call/{call_row}/record?s=' in html and "<audio" in html
