"""Finding 1: ONAPPUNINSTALL is believed only when the portal has really refused our tokens.

Every viewer's browser holds APPLICATION_TOKEN (settings/oauth/simple-way.md), so the token alone
proves nothing for an uninstall. The app asks the auth server about the stored tokens: alive
means forged (401, nothing changed); refused means the uninstall is real. Removal is soft, and
the portal's data is purged by a job after the retention period, only if it is still gone.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import responses
from sqlalchemy import func, select
from sqlalchemy import types as sa_types

from jobs.uninstalled import purge_uninstalled
from store import portals
from store.db import Base
from store.purge import portal_tables
from tests.abuse.conftest import GENUINE_VIEWER, _app_info
from tests.abuse.test_targeted import event
from tests.conftest import CLIENT_ID

APP_INFO = "http://oauth.test/rest/app.info"
TOKEN_URL = "http://oauth.test/oauth/token/"


def uninstall(tenant, clean: str = "1") -> dict[str, str]:
    return event(tenant, event="ONAPPUNINSTALL", **{"data[CLEAN]": clean})


def stored_tokens(rsps, *, alive: bool) -> None:
    """The auth server's view of portal A's stored access token: installed, or revoked."""
    def info(request):
        auth = parse_qs(urlsplit(request.url).query).get("auth", [""])[0]
        if auth == GENUINE_VIEWER:
            return _app_info(request)
        if alive and auth.startswith("access-"):
            return 200, {}, json.dumps({"result": {"client_id": CLIENT_ID, "install": {
                "installed": True, "member_id": "a" * 32, "domain": "a.bitrix24.test"}}})
        return 401, {}, json.dumps({"error": "invalid_token", "error_description": "revoked"})
    rsps.remove(responses.GET, APP_INFO)
    rsps.add_callback(responses.GET, APP_INFO, callback=info)
    rsps.get(TOKEN_URL, status=400, json={"error": "invalid_grant",
                                          "error_description": "revoked"})


def count(sessions, portal_id: int) -> dict[str, int]:
    with sessions() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)
                                 .where(t.c.portal_id == portal_id))
                for t in Base.metadata.sorted_tables if "portal_id" in t.c}


def test_forged_uninstall_with_the_page_token_changes_nothing(client, tenants, rsps,
                                                              probe) -> None:
    """The attack of the issue: his page's APPLICATION_TOKEN and CLEAN=1, tokens still good."""
    a, _ = tenants
    stored_tokens(rsps, alive=True)
    probe.start()
    response = client.post("/b24/events", data=uninstall(a))
    probe.check(response)
    assert response.status_code == 401


def test_uninstall_while_the_auth_server_is_away_changes_nothing(client, tenants, rsps,
                                                                 probe) -> None:
    a, _ = tenants
    rsps.remove(responses.GET, APP_INFO)
    rsps.get(APP_INFO, status=503, body="down")
    rsps.get(TOKEN_URL, status=503, body="down")
    probe.start()
    response = client.post("/b24/events", data=uninstall(a))
    probe.check(response)
    assert response.status_code == 503


def test_genuine_uninstall_is_soft_then_purged_after_retention(client, app, tenants, rsps,
                                                              sessions, frozen_now) -> None:
    a, b = tenants
    stored_tokens(rsps, alive=False)
    before_a, before_b = count(sessions, a.portal_id), count(sessions, b.portal_id)
    assert sum(before_a.values()) > 0
    assert client.post("/b24/events", data=uninstall(a)).status_code == 200
    with sessions() as s:
        row = portals.find(s, a.member_id)
        assert row.status == "uninstalled" and row.access_token is None
        assert row.purge_requested is True
    assert count(sessions, a.portal_id) == before_a  # soft: nothing deleted yet
    retention = app.config["SETTINGS"].uninstall_retention_days
    assert retention == 7
    with sessions() as s, s.begin():
        assert purge_uninstalled(s, frozen_now + timedelta(days=retention - 1),
                                 retention_days=retention) == 0
    assert count(sessions, a.portal_id) == before_a
    with sessions() as s, s.begin():
        assert purge_uninstalled(s, frozen_now + timedelta(days=retention, hours=1),
                                 retention_days=retention) == 1
    assert not any(count(sessions, a.portal_id).values())
    assert count(sessions, b.portal_id) == before_b  # the other tenant is untouched
    assert client.post("/b24/events", data=event(a)).status_code == 401  # late events refused


def test_uninstall_without_clean_keeps_the_data(client, tenants, rsps, sessions,
                                                frozen_now) -> None:
    a, _ = tenants
    stored_tokens(rsps, alive=False)
    before = count(sessions, a.portal_id)
    assert client.post("/b24/events", data=uninstall(a, clean="0")).status_code == 200
    with sessions() as s, s.begin():
        assert purge_uninstalled(s, frozen_now + timedelta(days=30), retention_days=7) == 0
    assert count(sessions, a.portal_id) == before


def test_reinstalled_portal_is_not_purged(client, tenants, rsps, sessions, frozen_now) -> None:
    a, _ = tenants
    stored_tokens(rsps, alive=False)
    assert client.post("/b24/events", data=uninstall(a)).status_code == 200
    before = count(sessions, a.portal_id)
    with sessions() as s:
        portals.upsert_installed(s, portals.Installation(
            member_id=a.member_id, domain=a.domain, client_endpoint=a.endpoint,
            server_endpoint=None, access_token="new", refresh_token="new",
            token_expires_at=None, application_token=a.application_token, scope="crm",
            installer_user_id=1), frozen_now)
        s.commit()
    with sessions() as s, s.begin():
        assert purge_uninstalled(s, frozen_now + timedelta(days=30), retention_days=7) == 0
    assert count(sessions, a.portal_id) == before


def _value(column, n: int):
    """A value a column accepts, distinct per portal n (unique keys include other columns)."""
    from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, String

    kind = getattr(column.type, "impl", column.type)
    kind = kind if isinstance(kind, sa_types.TypeEngine) else column.type
    choices = ((JSON, {}), (Boolean, False), (DateTime, datetime(2026, 11, 20, tzinfo=UTC)),
               (Date, date(2026, 11, 20)), (Integer, n), (Numeric, 0),
               (String, f"v{n}"[: getattr(kind, "length", None) or 16]))
    return next(value for base, value in choices if isinstance(kind, base))


def _fill_every_table(sessions, portal_ids: list[int]) -> None:
    """One row per portal in every table, so a forgotten table shows up as a leftover."""
    with sessions() as s, s.begin():
        conn = s.connection()
        for table in reversed(Base.metadata.sorted_tables):  # the seed's rows go first
            if table.name != "portals":
                conn.execute(table.delete())
        for n, pid in enumerate(portal_ids, start=900):
            made: dict[str, int] = {"portals": pid}
            for table in Base.metadata.sorted_tables:
                if table.name == "portals":
                    continue
                row = {}
                for column in table.columns:
                    fk = next(iter(column.foreign_keys), None)
                    if fk is not None:
                        row[column.name] = made[fk.column.table.name]
                    elif column.primary_key:
                        continue
                    elif not column.nullable and column.default is None \
                            and column.server_default is None:
                        row[column.name] = _value(column, n)
                made[table.name] = conn.execute(table.insert().values(**row)) \
                    .inserted_primary_key[0]


def test_clean_purges_every_table_keyed_by_the_portal(tenants, sessions, frozen_now) -> None:
    """Enumerates the models: a new table with portal_id (or hanging off one) is covered."""
    a, b = tenants
    _fill_every_table(sessions, [a.portal_id, b.portal_id])
    keyed = {t.name for t in Base.metadata.sorted_tables if "portal_id" in t.c}
    children = {t.name for t in Base.metadata.sorted_tables
                if t.name != "portals" and "portal_id" not in t.c}
    assert {t.name for t in portal_tables()} == keyed | children
    with sessions() as s, s.begin():
        portals.mark_uninstalled(s, portals.get(s, a.portal_id), frozen_now, purge=True)
    with sessions() as s, s.begin():
        assert purge_uninstalled(s, frozen_now + timedelta(days=8), retention_days=7) == 1
    assert not any(count(sessions, a.portal_id).values())
    assert all(count(sessions, b.portal_id).values())
    with sessions() as s:
        for name in children:  # b's child rows survive, a's are gone
            table = Base.metadata.tables[name]
            assert s.scalar(select(func.count()).select_from(table)) == 1, name
