"""No secret ever reaches a log: a realistic day against the emulated portal, every record kept.

Install, events (genuine, forged, replayed), a page open and a forged one, PBX calls with the
right and a wrong secret, an expired access token refreshed mid-work. Every log record of the
process at DEBUG (root and werkzeug, our server's access log included) is formatted the way
production formats it (app.ExtraFormatter: message, `extra` fields and tracebacks), then
searched for every token and secret the day produced, the viewer's page session included.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app import ExtraFormatter
from jobs.runner import sync_all
from store import portals
from store import routing as routing_store
from tests.abuse.conftest import Records
from tests.conftest import CLIENT_SECRET
from tests.e2e.conftest import cloud, live_app, portal, sandbox_app  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e
OURS = ("sandbox",)  # the emulated portal's own loggers are the other side, not our app


def _day(portal, sandbox_app, live_app) -> dict[str, str]:  # noqa: F811 - fixtures
    """Everything a working day does that touches a secret; returns the app's own secrets."""
    admin, manager = min(portal.admins), portal.meta["managers"][0]
    base = live_app.url
    response = portal.install_app(sandbox_app, f"{base}/b24/install", f"{base}/app",
                                  admin_user_id=admin)
    assert response is not None and response.status_code == 200
    sync_all(live_app.app)
    deal = portal.invoke("crm.deal.add", {"fields": {"TITLE": "Логи", "ASSIGNED_BY_ID": manager}},
                         user_id=manager)
    live_app.drain(portal)
    delivery = next(d for d in portal.deliveries if d.event == "ONCRMDEALADD")
    assert requests.post(delivery.url, data=delivery.form, timeout=10).status_code == 200
    forged = dict(delivery.form)
    forged["auth[application_token]"] = "f" * 32
    assert requests.post(delivery.url, data=forged, timeout=10).status_code == 401
    page = portal.open_app(manager)
    assert page.status_code == 200
    session = parse_qs(urlsplit(page.url).query)["s"][0]
    assert requests.get(f"{base}/app/taken", params={"s": session}, timeout=10).ok
    wrong = portal.app_page_request(manager)
    wrong.form["APPLICATION_TOKEN"] = "f" * 32
    assert requests.post(wrong.full_url, data=wrong.form, timeout=10).status_code == 401
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        secret = routing_store.issue_pbx_secret(s, pid, user_id=admin, now=datetime.now(UTC))
        s.commit()
    call = {"call_id": "log-1", "direction": "in", "phone": "+79161234567", "line": "+7495",
            "started_at": "2026-03-11T10:00:00+03:00", "ended_at": "2026-03-11T10:03:00+03:00",
            "user_id": manager}
    for key, status in ((secret, 200), (secret[:-2] + "xx", 401)):
        answer = requests.post(f"{base}/pbx/{portal.member_id}/calls", json=call,
                               headers={"X-PBX-Secret": key}, timeout=10)
        assert answer.status_code == status
    assert requests.post(f"{base}/pbx/{portal.member_id}/route", json={"caller": "+7916"},
                         headers={"X-PBX-Secret": secret}, timeout=10).status_code == 200
    portal.expire_access_tokens()
    portal.invoke("crm.deal.update", {"id": deal, "fields": {"TITLE": "Логи 2"}},
                  user_id=manager)
    live_app.drain(portal)
    return {"pbx_secret": secret, "page_session": session}


def test_no_token_or_secret_in_any_log_record(portal, sandbox_app, live_app,  # noqa: F811
                                              caplog) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    ours = _day(portal, sandbox_app, live_app)
    with live_app.sessions() as s:
        row = portals.find(s, portal.member_id)
        refreshed = row.tokens_refreshed_at > row.installed_at
    assert refreshed, "the day must include a token refresh"
    grants = list(portal.cloud.tokens.by_access.values())
    secrets = {"client_secret": CLIENT_SECRET, **ours,
               "application_token": portal.application_token,
               "session_key": live_app.settings.secret_key.value}
    for n, grant in enumerate(grants):  # install pair, refreshed pairs, the viewers' AUTH_IDs
        secrets[f"access_token#{n}"] = grant.access_token
        secrets[f"refresh_token#{n}"] = grant.refresh_token
    formatter = ExtraFormatter("%(levelname)s %(name)s %(message)s")
    records = [r for r in caplog.records if not r.name.startswith(OURS)]
    text = "\n".join(formatter.format(r) for r in records)
    assert len(records) > 20 and "GET /app/taken?s=*** " in text  # the access log is on
    leaked = sorted(name for name, value in secrets.items() if value and value in text)
    assert not leaked, leaked


def test_sql_logging_never_shows_parameters(migrated) -> None:
    """An operator chasing a slow query turns on SQL logging (LOG_LEVEL=DEBUG plus the
    sqlalchemy.engine logger at INFO): statements are logged with their bound parameters,
    and the portals row holds the tokens. Parameters must stay hidden."""
    from app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(migrated, log_level="DEBUG"))  # its own engine, at DEBUG
    records = Records()
    logging.getLogger().addHandler(records)  # after create_app: its dictConfig resets root
    sql_logger = logging.getLogger("sqlalchemy.engine")
    sql_logger.setLevel(logging.INFO)
    sessions = app.extensions["db_sessions"]
    try:
        with sessions() as s:
            row = portals.upsert_installed(s, portals.Installation(
                member_id="d" * 32, domain="d.bitrix24.test",
                client_endpoint="https://d.bitrix24.test/rest/", server_endpoint=None,
                access_token="debug-access-token-1", refresh_token="debug-refresh-token-1",
                token_expires_at=None, application_token="debug-app-token-1", scope="crm",
                installer_user_id=1), datetime.now(UTC))
            portals.save_tokens(s, row, access_token="debug-access-token-2",
                                refresh_token="debug-refresh-token-2", expires_at=None,
                                now=datetime.now(UTC))
            s.commit()
            s.delete(row)
            s.commit()
    finally:
        sql_logger.setLevel(logging.NOTSET)
        logging.getLogger().removeHandler(records)
        app.extensions["db_engine"].dispose()
    text = "\n".join(ExtraFormatter("%(message)s").format(r) for r in records.records)
    assert "UPDATE portals" in text or "INSERT INTO portals" in text  # statements are logged
    assert "debug-" not in text
