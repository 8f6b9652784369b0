"""The REST dispatcher: decoding, auth, statuses, result rendering, limits, faults (§5, §2.4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from werkzeug.test import Client

from sandbox.registry import CallContext, Page, method
from sandbox.server import make_wsgi_app
from sandbox.state import Cloud, PortalState
from sandbox.testing import installed_portal


@method("sandboxtest.rest.echo", scope="crm")
def _echo(ctx: CallContext, params: dict) -> dict:
    return {"params": params, "user": ctx.user_id, "app": ctx.app_context}


@method("sandboxtest.rest.page", scope="basic")
def _page(ctx: CallContext, params: dict) -> Page:
    return Page([{"ID": "1"}], 120, 50)


@method("sandboxtest.rest.empty", scope="basic")
def _empty(ctx: CallContext, params: dict) -> dict:
    return {}


@method("sandboxtest.rest.admin", scope="basic", admin_only=True)
def _admin(ctx: CallContext, params: dict) -> bool:
    return True


@method("sandboxtest.rest.apponly", scope="basic", app_only=True)
def _app_only(ctx: CallContext, params: dict) -> bool:
    return True


@method("sandboxtest.rest.tasky", scope="task")
def _tasky(ctx: CallContext, params: dict) -> bool:
    return True


@pytest.fixture
def portal(cloud: Cloud) -> PortalState:
    return installed_portal(cloud, "acme", scopes=("crm", "user"))


@pytest.fixture
def http(cloud: Cloud) -> Client:
    return Client(make_wsgi_app(cloud))


@pytest.fixture
def token(portal: PortalState) -> str:
    return portal.issue_tokens(1)["access_token"]


def call(http: Client, method: str, token: str | None, portal: str = "acme", **kw):
    query = {"auth": token} if token else {}
    return http.post(f"/p/{portal}/rest/{method}", query_string=query, **kw)


def test_success_body_has_result_and_time_block(http: Client, token: str) -> None:
    resp = call(http, "sandboxtest.rest.echo.json", token, json={"a": 1})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["result"] == {"params": {"a": 1}, "user": 1, "app": True}
    assert set(body["time"]) == {"start", "finish", "duration", "processing", "date_start",
                                 "date_finish", "operating_reset_at", "operating"}
    assert body["time"]["date_start"].endswith("+03:00")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_method_names_are_case_insensitive_with_or_without_json(http: Client, token: str) -> None:
    assert call(http, "SandboxTest.Rest.Echo", token).status_code == 200


def test_params_merge_query_form_and_json_like_php(http: Client, token: str) -> None:
    resp = http.post("/p/acme/rest/sandboxtest.rest.echo",
                     query_string={"auth": token, "a": "q", "b": "q"},
                     data={"b": "form", "f[x][]": "1"})
    assert resp.get_json()["result"]["params"] == {"a": "q", "b": "form", "f": {"x": ["1"]}}
    resp = http.post("/p/acme/rest/sandboxtest.rest.echo", query_string={"a": "q"},
                     json={"auth": token, "a": {"nested": True}})
    assert resp.get_json()["result"]["params"] == {"a": {"nested": True}}


def test_get_requests_work_too(http: Client, token: str) -> None:
    resp = http.get("/p/acme/rest/sandboxtest.rest.echo", query_string={"auth": token, "x": "1"})
    assert resp.get_json()["result"]["params"] == {"x": "1"}


def test_page_renders_total_and_next_but_no_total_for_start_minus_one(
        http: Client, token: str) -> None:
    body = call(http, "sandboxtest.rest.page", token).get_json()
    assert (body["result"], body["total"], body["next"]) == ([{"ID": "1"}], 120, 50)
    body = call(http, "sandboxtest.rest.page", token, json={"start": -1}).get_json()
    assert "total" not in body and body["next"] == 50


def test_empty_object_result_is_rendered_as_php_empty_array(http: Client, token: str) -> None:
    assert call(http, "sandboxtest.rest.empty", token).get_json()["result"] == []


@pytest.mark.parametrize(("token", "code"), [(None, "NO_AUTH_FOUND"), ("nope", "NO_AUTH_FOUND")])
def test_missing_or_unknown_token_is_401(http: Client, token: str | None, code: str,
                                          portal: PortalState) -> None:
    resp = call(http, "sandboxtest.rest.echo", token)
    assert resp.status_code == 401
    assert resp.get_json() == {"error": code, "error_description": "Wrong authorization data"}


def test_token_of_another_portal_is_refused(cloud: Cloud, http: Client, token: str) -> None:
    installed_portal(cloud, "other")
    assert call(http, "sandboxtest.rest.echo", token, portal="other").status_code == 401


def test_unknown_method_is_404(http: Client, token: str) -> None:
    resp = call(http, "crm.nothing.here", token)
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "ERROR_METHOD_NOT_FOUND"


def test_missing_scope_is_403(http: Client, token: str) -> None:
    resp = call(http, "sandboxtest.rest.tasky", token)
    assert (resp.status_code, resp.get_json()["error"]) == (403, "insufficient_scope")


def test_admin_only_method_refuses_other_users(http: Client, portal: PortalState) -> None:
    user_token = portal.issue_tokens(7)["access_token"]
    resp = call(http, "sandboxtest.rest.admin", user_token)
    assert (resp.status_code, resp.get_json()["error"]) == (403, "ACCESS_DENIED")
    admin_token = portal.issue_tokens(1)["access_token"]
    assert call(http, "sandboxtest.rest.admin", admin_token).status_code == 200


def test_webhook_calls_lack_application_context(http: Client, portal: PortalState) -> None:
    base = portal.add_webhook(1, ["crm"]).split("/p/acme/rest/")[1]
    resp = http.post(f"/p/acme/rest/{base}sandboxtest.rest.echo.json")
    assert resp.get_json()["result"]["app"] is False
    resp = http.post(f"/p/acme/rest/{base}sandboxtest.rest.apponly")
    assert (resp.status_code, resp.get_json()["error"]) == (403, "WRONG_AUTH_TYPE")
    assert http.post("/p/acme/rest/1/wrongcode/sandboxtest.rest.echo").status_code == 401


def test_rate_limit_is_a_leaky_bucket_per_portal(http: Client, portal: PortalState,
                                                 token: str) -> None:
    """The portal clock follows real time: stood still here, as the 52 calls took over half a
    second under CI load and the bucket drained one unit meanwhile (the test failed once)."""
    portal.rate_limit_enabled = True
    with time_machine.travel(datetime.now(UTC), tick=False):
        codes = [call(http, "sandboxtest.rest.echo", token).status_code for _ in range(51)]
        assert codes[:50] == [200] * 50
        resp = call(http, "sandboxtest.rest.echo", token)
        assert resp.status_code == 503
        assert resp.get_json() == {"error": "QUERY_LIMIT_EXCEEDED",
                                   "error_description": "Too many requests"}
        portal.clock.advance(1)
        assert call(http, "sandboxtest.rest.echo", token).status_code == 200


def test_a_batch_costs_one_rate_unit(http: Client, portal: PortalState, token: str) -> None:
    portal.rate_limit_enabled = True
    cmd = {f"c{i}": "sandboxtest.rest.echo" for i in range(50)}
    resp = call(http, "batch", token, json={"cmd": cmd})
    assert resp.status_code == 200
    assert portal.bucket.level() == pytest.approx(1, abs=0.1)


def test_fail_next_scripts_errors_then_recovers(http: Client, portal: PortalState,
                                                token: str) -> None:
    portal.fail_next("SANDBOXTEST.rest.echo", "INTERNAL_SERVER_ERROR", 500, times=2,
                     description="boom")
    assert call(http, "sandboxtest.rest.echo", token).status_code == 500
    resp = call(http, "sandboxtest.rest.echo", token)
    assert resp.get_json() == {"error": "INTERNAL_SERVER_ERROR", "error_description": "boom"}
    assert call(http, "sandboxtest.rest.echo", token).status_code == 200
    assert [c.error for c in portal.calls_to("sandboxtest.rest.echo")] == [
        "INTERNAL_SERVER_ERROR", "INTERNAL_SERVER_ERROR", None]


def test_calls_are_recorded_without_the_token(http: Client, portal: PortalState,
                                              token: str) -> None:
    call(http, "sandboxtest.rest.echo", token, data={"x": "1"})
    recorded = portal.calls[-1]
    assert (recorded.method, recorded.params, recorded.user_id, recorded.via) == (
        "sandboxtest.rest.echo", {"x": "1"}, 1, "http")


def test_moved_portal_answers_302_to_the_new_address(http: Client, portal: PortalState,
                                                     token: str) -> None:
    portal.move_domain("acme2")
    resp = call(http, "sandboxtest.rest.echo", token)
    assert resp.status_code == 302
    assert "/p/acme2/rest/sandboxtest.rest.echo" in resp.headers["Location"]
    assert portal.client_endpoint.endswith("/p/acme2/rest/")
    assert call(http, "sandboxtest.rest.echo", token, portal="acme2").status_code == 200


def test_unknown_portal_is_404(http: Client) -> None:
    assert http.post("/p/ghost/rest/app.info").status_code == 404


def test_options_preflight_allows_cross_origin(http: Client, portal: PortalState) -> None:
    resp = http.options("/p/acme/rest/app.info")
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_invoke_acts_as_a_person_without_limits(portal: PortalState) -> None:
    portal.rate_limit_enabled = True
    for _ in range(60):
        result = portal.invoke("sandboxtest.rest.echo", {"a": 1}, user_id=7)
    assert result == {"params": {"a": 1}, "user": 7, "app": False}
    assert portal.calls[-1].via == "ui"


def test_operating_limit_blocks_the_method_with_429(http: Client, portal: PortalState,
                                                    token: str) -> None:
    portal.operating.limit = 0.0
    assert call(http, "sandboxtest.rest.echo", token).status_code == 200
    resp = call(http, "sandboxtest.rest.echo", token)
    assert (resp.status_code, resp.get_json()["error"]) == (429, "OPERATION_TIME_LIMIT")


@method("sandboxtest.rest.crash", scope="basic")
def _crash(ctx: CallContext, params: dict) -> None:
    raise ZeroDivisionError("bug in a method module")


def test_a_crashing_method_is_a_500_json_and_recorded(http: Client, portal: PortalState,
                                                      token: str) -> None:
    resp = call(http, "sandboxtest.rest.crash", token)
    assert resp.status_code == 500
    assert resp.get_json()["error"] == "INTERNAL_SERVER_ERROR"
    assert portal.calls[-1].error == "INTERNAL_SERVER_ERROR"
