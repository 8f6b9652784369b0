"""Event bindings and delivery (EN:api-reference/events/index.md, event-bind.md, §1.4, §3)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.test import Client

from sandbox.registry import CallContext, method
from sandbox.server import make_wsgi_app
from sandbox.state import Cloud, PortalState
from sandbox.testing import Receiver, installed_portal


@method("sandboxtest.events.touch", scope="crm")
def _touch(ctx: CallContext, params: dict) -> bool:
    ctx.emit("ONCRMDEALUPDATE", {"FIELDS": {"ID": str(params.get("id", "1"))}})
    return True


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def portal(cloud: Cloud) -> PortalState:
    return installed_portal(cloud, "acme", scopes=("crm", "user"))


@pytest.fixture
def rest(cloud: Cloud, portal: PortalState):
    http = Client(make_wsgi_app(cloud))

    def run(method: str, user: int = 1, **params: object) -> tuple[int, dict]:
        token = portal.issue_tokens(user)["access_token"]
        resp = http.post(f"/p/{portal.name}/rest/{method}", json={"auth": token, **params})
        return resp.status_code, resp.get_json()

    return run


def test_bind_refuses_unknown_events_and_events_outside_the_scopes(rest) -> None:
    for code in ("ONNOTHING", "ONTASKADD"):
        status, body = rest("event.bind", event=code, handler="http://h.test/")
        assert (status, body["error"], body["error_description"]) == (
            400, "ERROR_EVENT_NOT_FOUND", "Event not found")
    assert rest("event.bind", event="oncrmdealadd", handler="http://h.test/")[0] == 200


def test_second_bind_of_the_same_handler_is_refused(rest) -> None:
    rest("event.bind", event="ONCRMDEALADD", handler="http://h.test/e")
    status, body = rest("event.bind", event="ONCRMDEALADD", handler="http://h.test/e")
    assert (status, body["error"], body["error_description"]) == (
        400, "ERROR_CORE", "Handler already binded")


def test_get_and_unbind(rest) -> None:
    rest("event.bind", event="ONCRMDEALADD", handler="http://h.test/a")
    rest("event.bind", event="ONCRMDEALADD", handler="http://h.test/b")
    rest("event.bind", user=7, event="ONCRMLEADADD", handler="http://h.test/c")
    assert rest("event.get")[1]["result"] == [
        {"event": "ONCRMDEALADD", "handler": "http://h.test/a", "auth_type": "0", "offline": 0},
        {"event": "ONCRMDEALADD", "handler": "http://h.test/b", "auth_type": "0", "offline": 0},
        {"event": "ONCRMLEADADD", "handler": "http://h.test/c", "auth_type": "0", "offline": 0}]
    assert [r["handler"] for r in rest("event.get", user=7)[1]["result"]] == ["http://h.test/c"]
    assert rest("event.unbind", event="ONCRMDEALADD", handler="http://h.test/a")[1]["result"] \
        == {"count": 1}
    assert rest("event.unbind", event="ONCRMDEALADD", handler="http://h.test/zzz")[1]["result"] \
        == {"count": 0}


def test_non_admin_needs_admin_for_offline_and_foreign_auth_type(rest) -> None:
    status, body = rest("event.bind", user=7, event="ONCRMDEALADD", event_type="offline")
    assert (status, body["error"]) == (403, "ACCESS_DENIED")
    status, _ = rest("event.bind", user=7, event="ONCRMDEALADD", handler="http://h.test/",
                     auth_type=1)
    assert status == 403


def test_events_lists_codes_of_the_app_scopes(rest) -> None:
    codes = rest("events")[1]["result"]
    assert "ONCRMDEALUPDATE" in codes and "ONAPPUNINSTALL" in codes
    assert "ONTASKADD" not in codes and "ONVOXIMPLANTCALLEND" not in codes


def test_delivery_goes_only_to_bound_urls(rest, portal: PortalState, receiver: Receiver) -> None:
    rest("event.bind", event="ONCRMDEALADD", handler=f"{receiver.url}/add")
    rest("event.bind", event="ONCRMDEALUPDATE", handler=f"{receiver.url}/update")
    assert portal.emit("ONCRMDEALADD", {"FIELDS": {"ID": "5"}}, user_id=1) == 1
    portal.flush_events()
    assert [p.path for p in receiver.posts] == ["/add"]
    fields = receiver.posts[0].fields
    assert fields["event"] == "ONCRMDEALADD" and fields["data"] == {"FIELDS": {"ID": "5"}}
    assert fields["event_handler_id"] == "1"
    auth = fields["auth"]
    assert auth["application_token"] == portal.application_token
    assert auth["member_id"] == portal.member_id and auth["client_endpoint"] == \
        portal.client_endpoint
    assert auth["user_id"] == "1" and "refresh_token" not in auth
    assert portal.deliveries[0].status == 200


def test_event_token_works_for_rest(cloud: Cloud, rest, portal: PortalState,
                                    receiver: Receiver) -> None:
    rest("event.bind", event="ONCRMDEALADD", handler=receiver.url)
    portal.emit("ONCRMDEALADD", {"FIELDS": {"ID": "5"}}, user_id=7)
    portal.flush_events()
    token = receiver.posts[0].fields["auth"]["access_token"]
    resp = Client(make_wsgi_app(cloud)).post("/p/acme/rest/app.info", data={"auth": token})
    assert resp.status_code == 200


def test_events_without_a_user_carry_no_tokens(rest, portal: PortalState,
                                               receiver: Receiver) -> None:
    rest("event.bind", event="ONCRMLEADADD", handler=receiver.url)
    portal.emit("ONCRMLEADADD", {"FIELDS": {"ID": "9"}}, user_id=0)  # a web form / robot
    portal.flush_events()
    assert receiver.posts[0].fields["auth"] == {
        "domain": portal.domain, "server_endpoint": portal.server_endpoint,
        "client_endpoint": portal.client_endpoint, "member_id": portal.member_id,
        "application_token": portal.application_token}


def test_auth_type_binding_uses_that_user(rest, portal: PortalState, receiver: Receiver) -> None:
    rest("event.bind", event="ONCRMLEADADD", handler=receiver.url, auth_type=3)
    portal.emit("ONCRMLEADADD", {"FIELDS": {"ID": "9"}}, user_id=0)
    portal.flush_events()
    assert receiver.posts[0].fields["auth"]["user_id"] == "3"


def test_own_rest_changes_are_delivered(rest, portal: PortalState, receiver: Receiver) -> None:
    rest("event.bind", event="ONCRMDEALUPDATE", handler=receiver.url)
    assert rest("sandboxtest.events.touch", id=4)[0] == 200
    portal.flush_events()
    assert receiver.posts[0].fields["data"] == {"FIELDS": {"ID": "4"}}


def test_failed_delivery_is_logged_and_not_retried(rest, portal: PortalState,
                                                   receiver: Receiver) -> None:
    receiver.status = 500
    rest("event.bind", event="ONCRMDEALADD", handler=receiver.url)
    portal.emit("ONCRMDEALADD", {"FIELDS": {"ID": "1"}}, user_id=1)
    portal.flush_events()
    portal.flush_events()
    assert len(receiver.posts) == 1
    assert portal.deliveries[0].status == 500 and not portal.deliveries[0].ok


def test_handler_down_loses_the_event(rest, portal: PortalState, receiver: Receiver) -> None:
    rest("event.bind", event="ONCRMDEALADD", handler=receiver.url)
    portal.handler_down = True
    portal.emit("ONCRMDEALADD", {"FIELDS": {"ID": "1"}}, user_id=1)
    portal.flush_events()
    portal.handler_down = False
    portal.flush_events()
    assert receiver.posts == [] and portal.deliveries[0].status is None


def test_unreachable_handler_is_recorded(rest, portal: PortalState) -> None:
    rest("event.bind", event="ONCRMDEALADD", handler="http://127.0.0.1:9/nothing")
    portal.emit("ONCRMDEALADD", {"FIELDS": {"ID": "1"}}, user_id=1)
    portal.flush_events()
    assert portal.deliveries[0].status is None and "Error" in portal.deliveries[0].error


def test_pause_holds_events_until_resume(rest, portal: PortalState, receiver: Receiver) -> None:
    rest("event.bind", event="ONCRMDEALADD", handler=receiver.url)
    portal.pause_delivery()
    portal.emit("ONCRMDEALADD", {"FIELDS": {"ID": "1"}}, user_id=1)
    portal.emit("ONCRMDEALADD", {"FIELDS": {"ID": "2"}}, user_id=1)
    portal.flush_events()
    assert receiver.posts == []
    portal.resume_delivery()
    portal.flush_events()
    assert [p.fields["data"]["FIELDS"]["ID"] for p in receiver.posts] == ["1", "2"]


def test_nothing_is_sent_before_install_finishes(cloud: Cloud, receiver: Receiver) -> None:
    app = cloud.register_app("local.w", "s", ["crm"])
    portal = cloud.add_portal("wiz")
    portal.install_app(app, f"{receiver.url}/install", f"{receiver.url}/app")
    assert portal.install_state == "pending" and not portal.installed
    http = Client(make_wsgi_app(cloud))
    token = portal.issue_tokens(1)["access_token"]
    for code in ("ONCRMDEALADD", "ONAPPINSTALL"):
        resp = http.post("/p/wiz/rest/event.bind", json={"auth": token, "event": code,
                                                         "handler": f"{receiver.url}/ev"})
        assert resp.status_code == 200  # registration itself succeeds
    assert portal.emit("ONCRMDEALADD", {"FIELDS": {"ID": "1"}}, user_id=1) == 0
    portal.finish_install()
    portal.emit("ONCRMDEALADD", {"FIELDS": {"ID": "2"}}, user_id=1)
    portal.flush_events()
    events = [p.fields for p in receiver.to("/ev")]
    assert [e["event"] for e in events] == ["ONAPPINSTALL", "ONCRMDEALADD"]
    assert "refresh_token" in events[0]["auth"]  # only install/offline signals carry it
    assert events[0]["data"]["INSTALLED"] == "Y"
    assert events[1]["data"] == {"FIELDS": {"ID": "2"}}


def test_uninstall_sends_onappuninstall_without_tokens(rest, portal: PortalState,
                                                       receiver: Receiver) -> None:
    rest("event.bind", event="ONAPPUNINSTALL", handler=f"{receiver.url}/un")
    rest("event.bind", event="ONCRMDEALADD", handler=f"{receiver.url}/add")
    token = portal.application_token
    portal.uninstall_app(clean=True)
    portal.emit("ONCRMDEALADD", {"FIELDS": {"ID": "1"}}, user_id=1)
    portal.flush_events()
    assert [p.path for p in receiver.posts] == ["/un"]
    fields = receiver.posts[0].fields
    assert fields["data"] == {"LANGUAGE_ID": "ru", "CLEAN": "1"}
    assert "access_token" not in fields["auth"] and fields["auth"]["application_token"] == token
    assert portal.bindings == [] and not portal.installed


def test_event_test_fires_onapptest(rest, portal: PortalState, receiver: Receiver) -> None:
    rest("event.bind", event="ONAPPTEST", handler=receiver.url)
    status, body = rest("event.test", any="thing")
    assert (status, body["result"]) == (200, 1)
    portal.flush_events()
    assert receiver.posts[0].fields["data"] == {"QUERY": {"any": "thing"}}


def test_emit_of_an_unknown_code_is_a_programming_error(portal: PortalState) -> None:
    with pytest.raises(ValueError):
        portal.emit("ONSOMETHINGNEW", {}, user_id=1)


def test_wait_idle_covers_every_portal(cloud: Cloud, receiver: Receiver) -> None:
    portals = [installed_portal(cloud, f"p{i}") for i in range(5)]
    for portal in portals:
        portal.invoke("event.bind", {"event": "ONCRMDEALADD", "handler": receiver.url},
                      user_id=1, app_context=True)
        portal.emit("ONCRMDEALADD", {"FIELDS": {"ID": "1"}}, user_id=1)
    cloud.wait_idle()
    assert sorted(p.fields["auth"]["member_id"] for p in receiver.posts) == sorted(
        p.member_id for p in portals)
