"""B24Client against canned answers: tokens, retries, redirects, errors, logs."""

from __future__ import annotations

import logging

import pytest
import requests
import responses
from responses import matchers, registries

from b24.client import B24Client
from b24.errors import (
    B24ApiError,
    B24TransportError,
    ExpiredToken,
    MethodNotFound,
    PortalGone,
    RateLimited,
    ServerError,
)
from b24.ratelimit import LeakyBucket
from b24.tokens import MemoryTokens
from tests.unit.b24.conftest import ENDPOINT, FakeOAuth, Sleeps, token_set, url

EXPIRED = {"error": "expired_token", "error_description": "The access token provided has expired."}
LIMIT = {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}


def body(params: dict) -> list:
    return [matchers.json_params_matcher(params)]


@pytest.fixture
def ordered(tokens: MemoryTokens, sleeps: Sleeps):
    """responses in strict order plus a client on it (refresh-then-retry sequences)."""
    with responses.RequestsMock(registry=registries.OrderedRegistry) as mock:
        client = B24Client(tokens, limiter=LeakyBucket(sleep=sleeps), sleep=sleeps,
                           max_attempts=4)
        yield mock, client
        client.close()


def test_call_posts_json_with_auth_and_returns_result(rsps, b24) -> None:
    rsps.post(url("crm.deal.get"), json={"result": {"ID": "7"}, "time": {}},
              match=body({"id": 7, "auth": "access-1"}))
    assert b24.call("crm.deal.get", {"id": 7}) == {"ID": "7"}


def test_call_raw_returns_whole_body(rsps, b24) -> None:
    answer = {"result": [{"ID": "1"}], "total": 1, "time": {"operating": 0.1}}
    rsps.post(url("crm.deal.list"), json=answer)
    assert b24.call_raw("crm.deal.list") == answer


def test_call_refreshes_once_on_expired_token_then_retries(ordered, tokens, oauth) -> None:
    mock, client = ordered
    mock.post(url("crm.deal.get"), status=401, json=EXPIRED,
              match=body({"id": 1, "auth": "access-1"}))
    mock.post(url("crm.deal.get"), json={"result": {"ID": "1"}},
              match=body({"id": 1, "auth": "access-2"}))
    assert client.call("crm.deal.get", {"id": 1}) == {"ID": "1"}
    assert oauth.spent == ["refresh-1"]
    assert tokens.current().access_token == "access-2"
    assert tokens.current().client_endpoint == ENDPOINT  # kept although OAuth left it out


def test_invalid_token_is_treated_like_expired(ordered, oauth) -> None:
    mock, client = ordered
    mock.post(url("user.current"), status=401, json={"error": "invalid_token"})
    mock.post(url("user.current"), json={"result": {"ID": "1"}})
    assert client.call("user.current") == {"ID": "1"}
    assert len(oauth.spent) == 1


def test_second_expiry_raises_without_another_refresh(ordered, oauth) -> None:
    mock, client = ordered
    mock.post(url("crm.deal.get"), status=401, json=EXPIRED)
    mock.post(url("crm.deal.get"), status=401, json=EXPIRED)
    with pytest.raises(ExpiredToken):
        client.call("crm.deal.get", {"id": 1})
    assert oauth.spent == ["refresh-1"]


def test_rate_limited_twice_then_ok_sleeps_instead_of_failing(ordered, sleeps) -> None:
    mock, client = ordered
    mock.post(url("crm.deal.get"), status=503, json=LIMIT)
    mock.post(url("crm.deal.get"), status=503, json=LIMIT)
    mock.post(url("crm.deal.get"), json={"result": {"ID": "1"}})
    assert client.call("crm.deal.get", {"id": 1}) == {"ID": "1"}
    assert sleeps and all(0 < s < 20 for s in sleeps)


def test_rate_limited_forever_raises_after_max_attempts(rsps, b24) -> None:
    rsps.post(url("crm.deal.get"), status=503, json=LIMIT)
    with pytest.raises(RateLimited) as caught:
        b24.call("crm.deal.get", {"id": 1})
    assert caught.value.status == 503 and caught.value.transient
    assert len(rsps.calls) == 4


def test_operation_time_limit_is_rate_limited(rsps, b24) -> None:
    rsps.post(url("crm.deal.list"), status=429, json={"error": "OPERATION_TIME_LIMIT"})
    with pytest.raises(RateLimited):
        b24.call("crm.deal.list")
    assert len(rsps.calls) == 4


def test_html_502_is_a_server_error_with_status(rsps, b24) -> None:
    rsps.post(url("crm.deal.get"), status=502, body="<html><h1>502 Bad Gateway</h1></html>",
              content_type="text/html")
    with pytest.raises(ServerError) as caught:
        b24.call("crm.deal.get", {"id": 1})
    assert caught.value.status == 502
    assert len(rsps.calls) == 4


def test_html_200_is_a_transport_error_not_a_crash(rsps, b24) -> None:
    rsps.post(url("crm.deal.get"), body="<html>captive portal</html>", content_type="text/html")
    with pytest.raises(B24TransportError) as caught:
        b24.call("crm.deal.get", {"id": 1})
    assert caught.value.status == 200
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(("status", "code"), [(500, "PORTAL_DELETED"), (402, "PAYMENT_REQUIRED"),
                                              (401, "NO_AUTH_FOUND")])
def test_portal_gone_is_never_retried(rsps, b24, oauth, status, code) -> None:
    rsps.post(url("crm.deal.get"), status=status, json={"error": code})
    with pytest.raises(PortalGone):
        b24.call("crm.deal.get", {"id": 1})
    assert len(rsps.calls) == 1 and oauth.spent == []


def test_business_errors_are_raised_at_once(rsps, b24) -> None:
    rsps.post(url("crm.deal.get"), status=400, json={"error": "", "error_description": "Not found"})
    rsps.post(url("crm.nope"), status=404, json={"error": "ERROR_METHOD_NOT_FOUND"})
    with pytest.raises(B24ApiError) as caught:
        b24.call("crm.deal.get", {"id": 999})
    assert caught.value.description == "Not found" and caught.value.status == 400
    with pytest.raises(MethodNotFound):
        b24.call("crm.nope")
    assert len(rsps.calls) == 2


def test_read_timeout_retries_a_read(ordered) -> None:
    mock, client = ordered
    mock.post(url("crm.deal.get"), body=requests.ReadTimeout("slow"))
    mock.post(url("crm.deal.get"), json={"result": {"ID": "1"}})
    assert client.call("crm.deal.get", {"id": 1}) == {"ID": "1"}


def test_read_timeout_never_retries_an_add(rsps, b24) -> None:
    rsps.post(url("crm.deal.add"), body=requests.ReadTimeout("slow"))
    with pytest.raises(B24TransportError) as caught:
        b24.call("crm.deal.add", {"fields": {"TITLE": "x"}})
    assert caught.value.maybe_sent
    assert len(rsps.calls) == 1  # the deal may exist already (§14.7)


def test_add_is_not_retried_after_a_5xx(rsps, b24) -> None:
    rsps.post(url("crm.deal.add"), status=500, json={"error": "INTERNAL_SERVER_ERROR"})
    with pytest.raises(ServerError):
        b24.call("crm.deal.add", {"fields": {"TITLE": "x"}})
    assert len(rsps.calls) == 1


def test_add_is_retried_when_it_surely_did_not_run(ordered) -> None:
    mock, client = ordered
    mock.post(url("crm.deal.add"), body=requests.ConnectTimeout("no route"))
    mock.post(url("crm.deal.add"), status=503, json=LIMIT)
    mock.post(url("crm.deal.add"), json={"result": 42})
    assert client.call("crm.deal.add", {"fields": {"TITLE": "x"}}) == 42


def test_connection_errors_end_as_transport_error(rsps, b24) -> None:
    rsps.post(url("crm.deal.get"), body=requests.ConnectionError("reset"))
    with pytest.raises(B24TransportError):
        b24.call("crm.deal.get", {"id": 1})
    assert len(rsps.calls) == 4


def test_redirect_reposts_the_same_body_and_reports_the_new_endpoint(rsps, tokens, sleeps) -> None:
    new = "https://renamed.example.test/rest/"
    moved: list[str] = []
    client = B24Client(tokens, limiter=LeakyBucket(sleep=sleeps), sleep=sleeps,
                       on_endpoint_changed=moved.append)
    rsps.post(url("crm.deal.get"), status=302, headers={"Location": f"{new}crm.deal.get.json"})
    rsps.post(f"{new}crm.deal.get.json", json={"result": {"ID": "5"}},
              match=body({"id": 5, "auth": "access-1"}))
    rsps.post(f"{new}crm.deal.list.json", json={"result": []})
    assert client.call("crm.deal.get", {"id": 5}) == {"ID": "5"}
    assert moved == [new]
    assert client.call("crm.deal.list") == []  # straight to the new host from now on
    assert [c.request.method for c in rsps.calls] == ["POST", "POST", "POST"]


def test_redirect_from_https_to_http_is_refused(rsps, b24) -> None:
    rsps.post(url("crm.deal.get"), status=301,
              headers={"Location": "http://evil.example.test/rest/crm.deal.get.json"})
    with pytest.raises(B24TransportError, match="redirect"):
        b24.call("crm.deal.get", {"id": 1})


def test_every_request_takes_a_bucket_slot(rsps, tokens, sleeps) -> None:
    now = [0.0]
    bucket = LeakyBucket(clock=lambda: now[0], sleep=sleeps)
    client = B24Client(tokens, limiter=bucket, sleep=sleeps)
    rsps.post(url("app.info"), json={"result": {}})
    for _ in range(3):
        client.call("app.info")
    assert bucket.level == 3


def test_bad_method_names_never_reach_the_wire(b24) -> None:
    with pytest.raises(ValueError):
        b24.call("../oauth/token")


def test_answer_without_result_is_a_transport_error(rsps, b24) -> None:
    rsps.post(url("app.info"), json={"time": {}})
    with pytest.raises(B24TransportError):
        b24.call("app.info")


def test_logs_name_events_and_never_contain_tokens(ordered, caplog) -> None:
    mock, client = ordered
    mock.post(url("crm.deal.get"), status=401, json=EXPIRED)
    mock.post(url("crm.deal.get"), status=503, json=LIMIT)
    mock.post(url("crm.deal.get"), json={"result": {}})
    with caplog.at_level(logging.DEBUG):
        client.call("crm.deal.get", {"id": 1})
    messages = {record.getMessage() for record in caplog.records}
    assert {"b24.client.token_refreshed", "b24.client.rate_limited",
            "b24.client.retry"} <= messages
    dump = " ".join(str(record.__dict__) for record in caplog.records)
    for secret in ("access-1", "access-2", "refresh-1", "refresh-2"):
        assert secret not in dump


def test_default_limiter_is_the_portals_shared_bucket(oauth) -> None:
    first = B24Client(MemoryTokens(token_set(1), oauth))
    second = B24Client(MemoryTokens(token_set(1), FakeOAuth()))
    assert first._bucket(token_set(1)) is second._bucket(token_set(1))
