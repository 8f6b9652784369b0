"""Fuzzing what the portal posts to us: events, the install callback, app/placement entry.

Property: never a 500 or a logged exception, and a refused request changes nothing (database
and the portal's received calls, see conftest.World). Only a request carrying the installed
portal's own application_token may be accepted at all.
"""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from tests.abuse.conftest import ABUSE, GENUINE_VIEWER
from tests.abuse.strategies import ODD, VALUE, extra_pairs, form, pick
from tests.abuse.test_targeted import TS

CODES = ("ONCRMDEALUPDATE", "ONCRMDEALADD", "ONCRMLEADUPDATE", "ONVOXIMPLANTCALLEND",
         "ONAPPINSTALL", "ONAPPUNINSTALL", "ONCRMCOMPANYADD", "oncrmdealupdate")


@st.composite
def event_forms(draw: st.DrawFn, tenants: Any) -> dict[str, str]:
    a, b = tenants
    base = {"event": draw(pick(*CODES)), "event_handler_id": draw(pick("185")),
            "ts": draw(pick(TS)), "data[FIELDS][ID]": draw(pick("7", "0", "-5")),
            "auth[member_id]": draw(pick(a.member_id, b.member_id)),
            "auth[application_token]": draw(pick(a.application_token, b.application_token)),
            "auth[domain]": draw(pick(a.domain, "evil.example")),
            "auth[client_endpoint]": draw(pick(a.endpoint, "https://evil.example/rest/")),
            "auth[access_token]": draw(pick("event-access-token"))}
    return form({**draw(extra_pairs()), **base})


def _genuine(data: dict[str, str], tenants: Any) -> bool:
    """The form names a portal and carries that portal's own application_token."""
    return any(data.get("auth[member_id]") == t.member_id and
               data.get("auth[application_token]") == t.application_token for t in tenants)


def test_fuzz_events_never_500_and_refusals_change_nothing(client, tenants, probe) -> None:
    @ABUSE
    @given(data=event_forms(tenants))
    def check(data: dict[str, str]) -> None:
        genuine = _genuine(data, tenants)
        # A genuine uninstall is a real state change; it has its own targeted tests.
        assume(not (genuine and str(data.get("event", "")).upper() == "ONAPPUNINSTALL"))
        probe.start()
        response = client.post("/b24/events", data=data)
        probe.check(response)
        if not genuine:
            assert response.status_code in (400, 401), response.data[:200]
    check()


@st.composite
def install_forms(draw: st.DrawFn, tenants: Any) -> tuple[dict[str, str], str]:
    a, _ = tenants
    if draw(st.booleans()):  # ONAPPINSTALL callback
        data = {"event": draw(pick("ONAPPINSTALL", "ONCRMDEALUPDATE")),
                "auth[member_id]": draw(pick(a.member_id)),
                "auth[application_token]": draw(pick(a.application_token, "N" * 32)),
                "auth[access_token]": draw(pick("forged-install-token")),
                "auth[refresh_token]": draw(pick("forged-refresh")),
                "auth[domain]": draw(pick(a.domain)), "data[LANGUAGE_ID]": draw(pick("ru"))}
        return form({**draw(extra_pairs(3)), **data}), ""
    data = {"AUTH_ID": draw(pick("forged-install-token")), "REFRESH_ID": draw(pick("r")),
            "member_id": draw(pick(a.member_id)), "AUTH_EXPIRES": draw(pick("3600")),
            "APPLICATION_TOKEN": draw(pick(a.application_token, "N" * 32))}
    query = draw(st.sampled_from(["", f"?DOMAIN={a.domain}", "?DOMAIN=evil.example&LANG=en",
                                  "?DOMAIN=%00&LANG=%FF"]))
    return form({**draw(extra_pairs(3)), **data}), query


def test_fuzz_install_without_a_genuine_token_changes_nothing(client, tenants, probe) -> None:
    """The auth server (mock) confirms no token the fuzzer can produce: every try is refused."""
    @ABUSE
    @given(case=install_forms(tenants))
    def check(case: tuple[dict[str, str], str]) -> None:
        data, query = case
        probe.start()
        response = client.post(f"/b24/install{query}", data=data)
        probe.check(response)
        assert response.status_code in (400, 401), response.data[:200]
    check()


@st.composite
def entry_forms(draw: st.DrawFn, tenants: Any) -> tuple[str, dict[str, str]]:
    a, b = tenants
    data = {"AUTH_ID": draw(pick(GENUINE_VIEWER, "stolen")), "AUTH_EXPIRES": draw(pick("3600")),
            "member_id": draw(pick(a.member_id, b.member_id)),
            "APPLICATION_TOKEN": draw(pick(a.application_token, b.application_token)),
            "PLACEMENT": draw(pick("DEFAULT", "CRM_DEAL_DETAIL_TAB", "CRM_LEAD_DETAIL_TAB")),
            "PLACEMENT_OPTIONS": draw(st.one_of(st.none(), VALUE, ODD, st.sampled_from([
                '{"ID": "7"}', '{"ID": "99999999999999999999999"}', '{"ID": "-1"}', '[1]',
                '{"ID": {"a": 1}}', '{"ID": "²"}', '"x"', '{"ID": 1e400}'])))}
    path = draw(st.sampled_from(["/app", "/app/placement"]))
    query = draw(st.sampled_from(["", "?DOMAIN=a.bitrix24.test&LANG=ru",
                                  "?DOMAIN=b.bitrix24.test&LANG=en", "?DOMAIN=%00&LANG=%FF"]))
    return path + query, form({**draw(extra_pairs(3)), **data})


def test_fuzz_page_entry_never_500_and_stores_nothing(client, tenants, probe) -> None:
    """Opening a page writes nothing, ever; only A's token pair with A's member_id gets in."""
    @ABUSE
    @given(case=entry_forms(tenants))
    def check(case: tuple[str, dict[str, str]]) -> None:
        url, data = case
        probe.start()
        response = client.post(url, data=data)
        after = probe.check(response)
        assert after == probe.before
        if response.status_code == 303:
            a, _ = tenants
            assert data["member_id"] == a.member_id and data["AUTH_ID"] == GENUINE_VIEWER
            assert data["APPLICATION_TOKEN"] == a.application_token
    check()
