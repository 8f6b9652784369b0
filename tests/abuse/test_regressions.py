"""Hostile inputs the fuzzers found (or that sit right next to what they found), kept as
plain examples so a change of strategy or of hypothesis cannot lose them. Each test loops
over its cases on one app (an app per case would cost more than the cases)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from werkzeug.datastructures import MultiDict

from handlers.exchange import config
from tests.abuse.conftest import ADMIN, GENUINE_VIEWER, session_token

HUGE = "99999999999999999999"


def test_ids_beyond_32_bits_are_404_not_500(client, app, tenants, probe) -> None:
    """Were OverflowError in the SQLite driver ("Python int too large"): 500."""
    a, _ = tenants
    token = session_token(app, a)
    for method, path in (("GET", f"/app/deal/{HUGE}"), ("GET", f"/app/lead/{HUGE}"),
                         ("POST", f"/app/lead/{HUGE}/convert"),
                         ("POST", f"/app/audits/{HUGE}")):
        probe.start()
        response = client.open(path, method=method, data={"s": token},
                               query_string={"s": token})
        probe.check(response)
        assert response.status_code == 404, path


def test_dates_at_the_ends_of_the_calendar_are_not_500(client, app, tenants, probe) -> None:
    """Were OverflowError ("date value out of range") one day before/after: 500."""
    a, _ = tenants
    token = session_token(app, a)
    for query in ("/app/report?date=9999-12-31", "/app/report?date=0001-01-01&period=week",
                  "/app/report?date=9999-12-31&period=month", "/app/report.csv?date=9999-12-31",
                  "/app/report.csv?date=0001-01-01&period=month",
                  "/app/calls?from=0001-01-01&to=0001-01-01", "/app/calls?to=9999-12-31",
                  "/app/calls?from=9999-12-31"):
        probe.start()
        response = client.get(f"{query}&s={token}")
        probe.check(response)
        assert response.status_code == 200, query


def test_lead_settings_with_numbers_python_cannot_take(client, app, tenants, probe) -> None:
    """float("nan") became int(nan), "²" passed isdigit(): 500. Refused now, nothing saved."""
    a, _ = tenants
    good = {"s": session_token(app, a), "sla_hours": "4", "stage_default_hours": "24",
            "grace_hours": "1", "min_call_seconds": "20", "timezone": "Europe/Moscow",
            "work_start": "09:00", "work_end": "18:00", "deal_category": "0"}
    for field, value in (("min_call_seconds", "nan"), ("min_call_seconds", "inf"),
                         ("min_call_seconds", "1e400"), ("deal_category", "inf"),
                         ("sla_hours", "nan"), ("grace_hours", "-inf"), ("work_days", "²"),
                         ("head_user_id", "²")):
        form = MultiDict(good)
        form.setlist(field, [value])
        probe.start()
        response = client.post("/app/leads/settings", data=form)
        probe.check(response)
        assert response.status_code in (303, 422), (field, value)


def test_sweep_times_out_of_range_are_refused(client, app, tenants, probe) -> None:
    """A huge browser offset or a date at the calendar's end overflowed datetime: 500."""
    a, _ = tenants
    token = session_token(app, a)
    forms = [{"managers": "11", "when": "later", "at": "2026-12-01T10:00", "tz": "1" * 30},
             {"managers": "11", "when": "later", "at": "0001-01-01T00:00", "tz": "600"},
             {"managers": "11", "when": "later", "at": "9999-12-31T23:59", "tz": "-600"},
             {"managers": "²", "when": "now"}, {"managers": HUGE, "when": "now"}]
    for step in ("preview", "confirm"):
        for form in forms:
            probe.start()
            response = client.post(f"/app/settings/sweep/{step}", data={"s": token, **form})
            probe.check(response)
            assert response.status_code in (200, 303, 422), (step, form)


def test_genuine_tab_open_with_odd_placement_options(client, tenants, rsps, probe) -> None:
    """PLACEMENT_OPTIONS is the portal's JSON string; "²".isdigit() is True, int() refuses."""
    a, _ = tenants
    for options in ({"ID": "²"}, {"ID": HUGE}, {"ID": "-1"}, [1], {"ID": {"a": 1}}):
        probe.start()
        response = client.post("/app/placement?DOMAIN=a.bitrix24.test&LANG=ru", data={
            "AUTH_ID": GENUINE_VIEWER, "member_id": a.member_id,
            "APPLICATION_TOKEN": a.application_token, "PLACEMENT": "CRM_DEAL_DETAIL_TAB",
            "PLACEMENT_OPTIONS": json.dumps(options)})
        probe.check(response)
        assert response.status_code == 303, options
        assert client.get(response.headers["Location"]).status_code in (200, 404), options


def test_buttons_with_impossible_deal_ids(client, app, tenants, probe, sessions) -> None:
    """A configured exchange looks the deal up: an id beyond 64 bits could not be bound."""
    a, _ = tenants
    with sessions() as s:
        config.save(s, a.portal_id, config.ExchangeConfig(exchange_user_id=50, default_cap=5),
                    user_id=ADMIN, now=datetime.now(UTC))
        s.commit()
    headers = {"X-App-Session": session_token(app, a)}
    for path in ("/app/api/claim", "/app/api/return"):
        for deal_id in (HUGE, int(HUGE), "²", "1e400", -1, 0, None, [1], {"a": 1}):
            probe.start()
            response = client.post(path, json={"deal_id": deal_id, "reason": "x"},
                                   headers=headers)
            probe.check(response)
            assert response.status_code == 400, (path, deal_id)


def test_genuine_install_with_an_absurd_lifetime_is_not_500(client, tenants, logs) -> None:
    """AUTH_EXPIRES=10**20 overflowed the expiry datetime once the token was confirmed.
    (The mocked portal refuses the bindings afterwards: 503, the install is retried.)"""
    a, _ = tenants
    for expires in (HUGE, "-5"):
        response = client.post(f"/b24/install?DOMAIN={a.domain}", data={
            "AUTH_ID": GENUINE_VIEWER, "REFRESH_ID": "r", "member_id": a.member_id,
            "APPLICATION_TOKEN": a.application_token, "AUTH_EXPIRES": expires})
        assert response.status_code in (200, 503), expires
        assert not logs.failures()


def test_nul_anywhere_is_400_before_the_database_sees_it(client, app, tenants, probe) -> None:
    """PostgreSQL text/jsonb cannot hold NUL: psycopg's DataError was a 500 on every endpoint
    that looks a value up or stores it (found by running this folder on PostgreSQL)."""
    a, _ = tenants
    headers = {"X-PBX-Secret": a.pbx_secret}
    call = {"call_id": "nul\u0000", "direction": "in", "phone": "+79161234567", "line": "1",
            "started_at": "2026-03-11T10:00:00+03:00", "ended_at": "2026-03-11T10:03:00+03:00",
            "user_id": 11}
    event = {"event": "ONCRMDEALUPDATE", "auth[member_id]": a.member_id,
             "auth[application_token]": a.application_token}
    cases = [
        ("/pbx/%00/calls", {"json": call}), (f"/pbx/{a.member_id}/calls", {"json": call}),
        (f"/pbx/{a.member_id}/route", {"json": {"caller": "+7916", "line": "\u0000"}}),
        ("/b24/events", {"data": {**event, "data[FIELDS][TITLE]": "a\x00b"}}),
        ("/b24/events", {"data": {**event, "auth[member_id]": "m\x00"}}),
        ("/app?DOMAIN=a.bitrix24.test", {"data": {"member_id": "\x00", "AUTH_ID": "x",
                                                  "APPLICATION_TOKEN": "y"}}),
        ("/app/routing", {"data": {"s": session_token(app, a), "time_zone": "Europe/\x00"}}),
        ("/app/board?s=\x00", {}),
    ]
    for path, kwargs in cases:
        probe.start()
        response = client.post(path, headers=headers, **kwargs) if kwargs else \
            client.get(path)
        probe.check(response)
        assert response.status_code == 400, (path, response.status_code)
