"""Call recordings as disk files: RECORD_FILE_ID, disk.file.get, DOWNLOAD_URL, attachRecord."""

from __future__ import annotations

import base64
import io
import wave
from urllib.parse import urlsplit

import pytest
from werkzeug.test import Client

from sandbox import people
from sandbox.methods.user import add_user
from sandbox.server import make_wsgi_app
from sandbox.state import Cloud, PortalState
from sandbox.testing import installed_portal

PHONE = "+79123456789"


@pytest.fixture
def portal(cloud: Cloud) -> PortalState:
    portal = installed_portal(cloud, "acme", scopes=("crm", "user", "telephony", "disk"))
    add_user(portal, name="Пётр", last_name="Тестов", email="p@x.test", departments=[1],
             inner="102")
    return portal


@pytest.fixture
def http(cloud: Cloud) -> Client:
    return Client(make_wsgi_app(cloud))


def rest(http: Client, portal: PortalState, method: str, **params):
    token = portal.issue_tokens(1)["access_token"]
    return http.post(f"/p/{portal.name}/rest/{method}.json", json={**params, "auth": token})


def download(http: Client, url: str):
    parts = urlsplit(url)
    return http.get(parts.path, query_string=parts.query)


def stat_row(portal: PortalState) -> dict:
    return list(portal.table("voximplant.statistic"))[-1]


def test_answered_call_leaves_a_disk_file_that_downloads_as_wav(http, portal) -> None:
    people.call(portal, user_id=2, phone=PHONE, incoming=True, duration=40)
    row = rest(http, portal, "voximplant.statistic.get").get_json()["result"][0]
    assert row["CALL_RECORD_URL"] == "" and row["RECORD_FILE_ID"]
    file = rest(http, portal, "disk.file.get", id=int(row["RECORD_FILE_ID"])).get_json()["result"]
    assert (file["ID"], file["TYPE"], file["DELETED_TYPE"]) == (row["RECORD_FILE_ID"], "file", "0")
    assert file["DOWNLOAD_URL"].startswith(portal.client_endpoint + "download.json?")
    got = download(http, file["DOWNLOAD_URL"])
    assert got.status_code == 200 and got.headers["Content-Type"] == "audio/wav"
    assert got.data[:4] == b"RIFF" and len(got.data) == int(file["SIZE"])
    with wave.open(io.BytesIO(got.data)) as wav:
        assert wav.getnframes() / wav.getframerate() > 1


def test_missed_call_has_no_recording(http, portal) -> None:
    people.call(portal, user_id=2, phone=PHONE, incoming=True, answered=False)
    assert stat_row(portal)["RECORD_FILE_ID"] is None


def test_disk_file_get_errors_and_scope(http, cloud, portal) -> None:
    assert rest(http, portal, "disk.file.get", id=999).get_json()["error"] == "ERROR_NOT_FOUND"
    assert rest(http, portal, "disk.file.get", id="x").get_json()["error"] == "ERROR_ARGUMENT"
    other = installed_portal(cloud, "nodisk", scopes=("crm",), client_id="local.nodisk")
    assert rest(http, other, "disk.file.get", id=1).status_code == 403


def test_download_url_is_signed_and_expires(http, portal) -> None:
    people.call(portal, user_id=2, phone=PHONE, incoming=True, duration=40)
    file_id = int(stat_row(portal)["RECORD_FILE_ID"])
    url = rest(http, portal, "disk.file.get", id=file_id).get_json()["result"]["DOWNLOAD_URL"]
    forged = url.replace(f"disk%7C{file_id}%7C", f"disk%7C{file_id + 1}%7C")
    assert forged != url and download(http, forged).status_code == 404
    portal.clock.advance(3601)
    assert download(http, url).status_code == 404


def finished_call(http: Client, portal: PortalState) -> str:
    reg = rest(http, portal, "telephony.externalCall.register", USER_ID=1, PHONE_NUMBER=PHONE,
               TYPE=2).get_json()["result"]
    rest(http, portal, "telephony.externalCall.finish", CALL_ID=reg["CALL_ID"], USER_ID=1,
         DURATION=30)
    return reg["CALL_ID"]


def test_attach_record_file_content_is_stored_byte_for_byte(http, portal) -> None:
    call_id = finished_call(http, portal)
    assert stat_row(portal)["RECORD_FILE_ID"] is None  # finish without RECORD_URL: no record
    payload = b"ID3\x03fake-mp3-bytes"
    answer = rest(http, portal, "telephony.externalCall.attachRecord", CALL_ID=call_id,
                  FILENAME="call-1.mp3",
                  FILE_CONTENT=base64.b64encode(payload).decode()).get_json()["result"]
    assert stat_row(portal)["RECORD_FILE_ID"] == str(answer["FILE_ID"])
    file = rest(http, portal, "disk.file.get", id=answer["FILE_ID"]).get_json()["result"]
    assert file["NAME"] == "call-1.mp3" and download(http, file["DOWNLOAD_URL"]).data == payload


def test_attach_record_by_url_and_its_documented_errors(http, portal) -> None:
    call_id = finished_call(http, portal)
    answer = rest(http, portal, "telephony.externalCall.attachRecord", CALL_ID=call_id,
                  RECORD_URL="https://pbx.example.com/rec/7.wav").get_json()["result"]
    file = rest(http, portal, "disk.file.get", id=answer["FILE_ID"]).get_json()["result"]
    assert file["NAME"] == "7.wav" and stat_row(portal)["RECORD_FILE_ID"] == file["ID"]
    again = rest(http, portal, "telephony.externalCall.attachRecord", CALL_ID=call_id,
                 RECORD_URL="https://pbx.example.com/rec/8.wav").get_json()["result"]
    assert stat_row(portal)["RECORD_FILE_ID"] == str(again["FILE_ID"])  # replaces the first

    def error(**params) -> str:
        return rest(http, portal, "telephony.externalCall.attachRecord", CALL_ID=call_id,
                    **params).get_json()["error_description"]
    assert "either URL or FILENAME" in error()
    assert "Only wav and mp3" in error(FILENAME="x.ogg", FILE_CONTENT="AAAA")
    assert "Base64 encoding is expected" in error(FILENAME="x.mp3", FILE_CONTENT="%%%")
    assert "non-public address" in error(RECORD_URL="http://127.0.0.1/r.mp3")
    assert "not finished yet" in rest(http, portal, "telephony.externalCall.attachRecord",
                                      CALL_ID="nope", FILENAME="a.mp3").get_json()[
                                          "error_description"]
