"""The events endpoint: a row of checks, one status code each, nothing stored on rejection."""

from __future__ import annotations

import logging

import pytest

from store import inbox
from store.models import InboxEvent
from tests.conftest import frozen_moment
from tests.factories import APP_TOKEN, make_portal

TS = str(int(frozen_moment().timestamp()))  # the tests run at TEST_NOW; older is a replay


def event_form(member_id: str = "m" * 32, token: str = APP_TOKEN, code: str = "ONCRMDEALUPDATE",
               deal_id: str = "7", ts: str = TS) -> dict[str, str]:
    return {"event": code, "event_handler_id": "185", "data[FIELDS][ID]": deal_id, "ts": ts,
            "auth[access_token]": "user-access-token-xyz", "auth[expires_in]": "3600",
            "auth[scope]": "crm", "auth[domain]": "test.bitrix24.ru",
            "auth[server_endpoint]": "https://oauth.bitrix.info/rest/", "auth[status]": "L",
            "auth[client_endpoint]": "https://test.bitrix24.ru/rest/",
            "auth[member_id]": member_id, "auth[application_token]": token}


def rows(sessions) -> int:
    with sessions() as s:
        return s.query(InboxEvent).count()


def test_recorded_event_is_acknowledged(client, sessions) -> None:
    with sessions() as s:
        make_portal(s)
    resp = client.post("/b24/events", data=event_form())
    assert resp.status_code == 200 and resp.json["ok"] is True
    with sessions() as s:
        (row,) = s.query(InboxEvent).all()
        assert row.code == "ONCRMDEALUPDATE" and row.payload["data"] == {"FIELDS": {"ID": "7"}}
        assert "access_token" not in str(row.payload)  # tokens never rest in our tables


def test_forged_token_is_401_and_stores_nothing(client, sessions, caplog) -> None:
    with sessions() as s:
        make_portal(s)
    with caplog.at_level(logging.WARNING):
        resp = client.post("/b24/events", data=event_form(token="f" * 32))
    assert resp.status_code == 401
    assert rows(sessions) == 0
    assert "b24.event.bad_token" in caplog.text
    assert "f" * 32 not in caplog.text and "user-access-token-xyz" not in caplog.text


def test_unknown_portal_is_401(client, sessions) -> None:
    assert client.post("/b24/events", data=event_form(member_id="x" * 32)).status_code == 401
    assert rows(sessions) == 0


@pytest.mark.parametrize("form", [
    {},
    {"event": "ONCRMDEALUPDATE"},
    {"auth[member_id]": "m" * 32, "auth[application_token]": APP_TOKEN},
    {"event": "<script>", "auth[member_id]": "m" * 32, "auth[application_token]": APP_TOKEN},
])
def test_malformed_is_400_with_a_log_line(client, sessions, caplog, form) -> None:
    with sessions() as s:
        make_portal(s)
    with caplog.at_level(logging.WARNING):
        resp = client.post("/b24/events", data=form)
    assert resp.status_code == 400
    assert "b24.event.malformed" in caplog.text
    assert rows(sessions) == 0


def test_same_event_twice_is_one_row(client, sessions) -> None:
    with sessions() as s:
        make_portal(s)
    assert client.post("/b24/events", data=event_form()).status_code == 200
    second = client.post("/b24/events", data=event_form())
    assert second.status_code == 200 and second.json["duplicate"] is True
    assert rows(sessions) == 1


def test_unhandled_event_is_acknowledged_not_stored(client, sessions) -> None:
    with sessions() as s:
        make_portal(s)
    resp = client.post("/b24/events", data=event_form(code="ONCRMCOMPANYADD"))
    assert resp.status_code == 200 and resp.json["handled"] is False
    assert rows(sessions) == 0


def test_uninstall_wipes_tokens_and_later_events_are_refused(client, sessions) -> None:
    """Believed because the auth server refuses the stored tokens; the data waits for the
    purge job (tests/abuse/test_uninstall_forged.py has the forged and the purge cases)."""
    import responses

    with sessions() as s:
        portal = make_portal(s)
        inbox.record(s, portal_id=portal.id, code="ONCRMDEALUPDATE", payload={"data": {}},
                     event_ts=None, now=portal.installed_at)
        s.commit()
    form = {"event": "ONAPPUNINSTALL", "data[LANGUAGE_ID]": "ru", "data[CLEAN]": "1",
            "ts": "1466439714", "auth[domain]": "test.bitrix24.ru",
            "auth[member_id]": "m" * 32, "auth[application_token]": APP_TOKEN}
    assert client.post("/b24/events", data={**form, "auth[application_token]": "x" * 32}
                       ).status_code == 401
    with responses.RequestsMock() as rsps:
        rsps.get("http://oauth.test/rest/app.info", status=401,
                 json={"error": "invalid_token", "error_description": "revoked"})
        rsps.get("http://oauth.test/oauth/token/", status=400,
                 json={"error": "invalid_grant", "error_description": "revoked"})
        assert client.post("/b24/events", data=form).status_code == 200
    with sessions() as s:
        from store import portals

        p = portals.find(s, "m" * 32)
        assert p.status == "uninstalled" and p.access_token is None and p.refresh_token is None
        assert p.purge_requested is True
        assert s.query(InboxEvent).count() == 1  # soft: purged after the retention period
    assert client.post("/b24/events", data=event_form()).status_code == 401


def test_oversized_body_is_rejected_without_500(client) -> None:
    resp = client.post("/b24/events", data={"event": "ONCRMDEALUPDATE", "x": "y" * 2_000_000})
    assert resp.status_code == 413


def test_healthz(client) -> None:
    assert client.get("/healthz").json["ok"] is True


def test_acknowledgements_run_one_at_a_time_per_process(app, sessions) -> None:
    """An event waits while another acknowledgement holds the process's turn (web.py), and is
    stored as soon as it is released: its CPU is not shared with the other threads'."""
    import threading

    import web

    with sessions() as s:
        make_portal(s)
    answers: list[int] = []

    def post() -> None:
        answers.append(app.test_client().post("/b24/events", data=event_form()).status_code)

    with web._ACKNOWLEDGING:
        waiting = threading.Thread(target=post)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive() and rows(sessions) == 0  # queued behind the holder
    waiting.join(10)
    assert answers == [200] and rows(sessions) == 1


def test_an_event_without_the_session_cookie_builds_no_signer(app, client, sessions,
                                                               monkeypatch) -> None:
    """Flask's cookie session is unused: a request without its cookie skips the signer (CPU
    of every webhook, app.CookielessSessions); one that brings the cookie is still read."""
    with sessions() as s:
        make_portal(s)
    interface = app.session_interface
    built = []
    monkeypatch.setattr(interface, "get_signing_serializer",
                        lambda flask_app: built.append(1) or None)
    assert client.post("/b24/events", data=event_form()).status_code == 200
    assert built == []
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "anything")
    client.post("/b24/events", data=event_form(deal_id="8"))
    assert built  # with the cookie, Flask's own path, signer and all
