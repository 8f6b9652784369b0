"""Event posts: parsing edge cases, application_token check, redaction for logs."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from b24.errors import BadApplicationToken, EventPayloadError
from b24.events import parse_event, redacted, unflatten, verify_application_token

AUTH = {"auth[domain]": "p.bitrix24.test", "auth[client_endpoint]": "https://p.bitrix24.test/rest/",
        "auth[server_endpoint]": "https://oauth.bitrix.info/rest/", "auth[member_id]": "m1",
        "auth[application_token]": "app-token", "auth[status]": "L", "auth[scope]": "crm"}
TOKENS = {"auth[access_token]": "acc", "auth[refresh_token]": "ref", "auth[expires_in]": "3600",
          "auth[expires]": "1780319382", "auth[user_id]": "5"}


def form(**extra: str) -> dict[str, str]:
    return {"event": "ONCRMDEALUPDATE", "event_handler_id": "185", "data[FIELDS][ID]": "7405",
            "ts": "1766047124", **AUTH, **TOKENS, **extra}


def test_a_deal_update_form() -> None:
    event = parse_event(form())
    assert (event.code, event.handler_id, event.ts) == ("ONCRMDEALUPDATE", 185, 1766047124)
    assert event.data == {"FIELDS": {"ID": "7405"}}
    assert event.member_id == "m1" and event.auth.application_token == "app-token"
    assert event.auth.access_token == "acc" and event.auth.user_id == 5
    tokens = event.auth.token_set()
    assert tokens and tokens.client_endpoint == "https://p.bitrix24.test/rest/"
    assert tokens.expires_at and tokens.expires_at.year == 2026


def test_a_werkzeug_multidict_with_a_lower_case_code() -> None:
    pairs = [*form(event="onCrmDealUpdate").items(), ("data[FIELDS][IDS][]", "1"),
             ("data[FIELDS][IDS][]", "2")]
    event = parse_event(MultiDict(pairs))
    assert event.code == "ONCRMDEALUPDATE"
    assert event.data["FIELDS"]["IDS"] == ["1", "2"]


def test_nested_dicts_are_accepted() -> None:
    event = parse_event({"event": "ONOFFLINEEVENT", "data": [], "ts": "1",
                         "auth": {"member_id": "m1", "application_token": "t"}})
    assert event.data == {} and event.auth.access_token is None


def test_uninstall_and_robot_events_carry_no_tokens() -> None:
    event = parse_event({"event": "ONAPPUNINSTALL", "data[LANGUAGE_ID]": "de",
                         "data[CLEAN]": "1", "ts": "1466439714", **AUTH})
    assert event.data == {"LANGUAGE_ID": "de", "CLEAN": "1"}
    assert event.auth.access_token is None and event.auth.token_set() is None


@pytest.mark.parametrize(("payload", "message"), [
    ({**AUTH}, "missing 'event'"),
    ({"event": "", **AUTH}, "missing 'event'"),
    ({"event": "ON EVIL<script>", **AUTH}, "not an event code"),
    ({"event": "ONX"}, r"missing auth\[member_id\]"),
    ({"event": "ONX", "auth[application_token]": "t"}, r"missing auth\[member_id\]"),
    ({"event": "ONX", "auth[member_id]": "m"}, r"missing auth\[application_token\]"),
    ({"event": "ONX", "auth": "token", **{}}, r"missing auth\[member_id\]"),
    ({"event": "ONX", "data": "text", **AUTH}, "'data' must be an object"),
    ({"event": "ONX", "data[0]": "a", **AUTH}, "'data' must be an object"),
])
def test_malformed_forms_are_explained(payload, message) -> None:
    with pytest.raises(EventPayloadError, match=message):
        parse_event(payload)


def test_absurd_sizes_are_refused() -> None:
    with pytest.raises(EventPayloadError, match="larger"):
        parse_event(form(**{"data[FIELDS][BLOB]": "x" * 1_000_001}))
    many = {f"data[F][K{i}]": "v" * 100 for i in range(11_000)}
    with pytest.raises(EventPayloadError, match="larger"):
        parse_event(form(**many))


def test_absurd_nesting_is_refused() -> None:
    assert parse_event(form(**{"data[a][b][c][d][e][f][g]": "ok"})).data["a"]["b"]
    with pytest.raises(EventPayloadError, match="deeper"):
        parse_event(form(**{"data[a][b][c][d][e][f][g][h]": "x"}))
    deep: dict = {"x": "y"}
    for _ in range(20):
        deep = {"k": deep}
    with pytest.raises(EventPayloadError, match="deeper"):
        parse_event({**form(), "data": deep})


def test_verify_accepts_the_stored_token() -> None:
    verify_application_token(parse_event(form()), "app-token")
    verify_application_token("токен", "токен")


@pytest.mark.parametrize(("received", "stored"), [("app-token", "other"), ("app-token", None),
                                                  ("app-token", ""), (None, "app-token"),
                                                  ("", "")])
def test_verify_rejects(received, stored) -> None:
    with pytest.raises(BadApplicationToken):
        verify_application_token(received, stored)


def test_redacted_masks_secrets_and_keeps_identity() -> None:
    raw = {**form(), "AUTH_ID": "a", "REFRESH_ID": "r", "APPLICATION_TOKEN": "t", "code": "c",
           "client_secret": "s", "auth[unknown_new_token]": "u", "member_id": "m1"}
    safe = redacted(raw)
    for key in ("auth[access_token]", "auth[refresh_token]", "auth[application_token]",
                "AUTH_ID", "REFRESH_ID", "APPLICATION_TOKEN", "code", "client_secret",
                "auth[unknown_new_token]"):
        assert safe[key] == "***", key
    assert safe["auth[member_id]"] == "m1" and safe["auth[domain]"] == "p.bitrix24.test"
    assert safe["data[FIELDS][ID]"] == "7405" and raw["AUTH_ID"] == "a"


def test_redacted_nested_and_multidict() -> None:
    safe = redacted({"auth": {"access_token": "a", "member_id": "m"}, "data": {"x": "1"}})
    assert safe == {"auth": {"access_token": "***", "member_id": "m"}, "data": {"x": "1"}}
    assert redacted({"auth": "bare-token"}) == {"auth": "***"}
    assert redacted(MultiDict([("AUTH_ID", "a"), ("k", "1"), ("k", "2")])) == {
        "AUTH_ID": "***", "k": ["1", "2"]}


def test_unflatten_pairs_and_mappings() -> None:
    assert unflatten([("a[b]", "1")]) == unflatten({"a[b]": "1"}) == {"a": {"b": "1"}}
