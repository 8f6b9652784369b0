"""Install scenarios, app/placement pages, placements and app options (§1, §12)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from werkzeug.test import Client

from sandbox.install import AppNotInstalled
from sandbox.server import make_wsgi_app
from sandbox.state import Cloud, PortalState
from sandbox.testing import Receiver, installed_portal

FINISH_PAGE = "<html><script>BX24.init(function(){BX24.installFinish();});</script></html>"


@pytest.fixture
def http(cloud: Cloud) -> Client:
    return Client(make_wsgi_app(cloud))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def test_wizard_posts_the_app_page_form_and_finishes(cloud: Cloud, receiver: Receiver) -> None:
    receiver.respond = lambda request: FINISH_PAGE if request.path == "/install" else None
    app = cloud.register_app("local.w", "s", ["crm", "placement"])
    portal = cloud.add_portal("acme")
    response = portal.install_app(app, f"{receiver.url}/install", f"{receiver.url}/app", 1)
    assert response.status_code == 200 and portal.installed
    posted = receiver.to("/install")[0]
    assert set(posted.query) == {"DOMAIN", "PROTOCOL", "LANG", "APP_SID"}
    assert posted.query["DOMAIN"] == portal.domain and posted.query["LANG"] == "ru"
    form = dict(posted.form)
    assert set(form) == {"AUTH_ID", "AUTH_EXPIRES", "REFRESH_ID", "SERVER_ENDPOINT",
                         "APPLICATION_TOKEN", "APPLICATION_SCOPE", "member_id", "status",
                         "PLACEMENT"}
    assert form["PLACEMENT"] == "DEFAULT" and form["AUTH_EXPIRES"] == "3600"
    assert form["APPLICATION_TOKEN"] == portal.application_token
    assert form["APPLICATION_SCOPE"] == "crm,placement"
    assert form["SERVER_ENDPOINT"] == f"{cloud.url}/rest/"


def test_wizard_without_install_finish_stays_pending(cloud: Cloud, http: Client,
                                                     receiver: Receiver) -> None:
    app = cloud.register_app("local.w", "s", ["crm"])
    portal = cloud.add_portal("acme")
    portal.install_app(app, f"{receiver.url}/install", f"{receiver.url}/app", 1)
    assert portal.install_state == "pending"
    token = portal.issue_tokens(1)["access_token"]
    info = http.post("/p/acme/rest/app.info", data={"auth": token}).get_json()["result"]
    assert info["INSTALLED"] is False
    with pytest.raises(AppNotInstalled):
        portal.open_app(7)
    page = portal.app_page_request(1)  # the admin sees the install page again
    assert page.url == f"{receiver.url}/install"
    assert http.post("/bx24/install-finish", data={"APP_SID": "nope"}).status_code == 403
    resp = http.post("/bx24/install-finish", data={"APP_SID": page.app_sid})
    assert resp.get_json() == {"result": True} and portal.installed


def test_install_finish_from_a_non_admin_frame_is_refused(cloud: Cloud, http: Client,
                                                          receiver: Receiver) -> None:
    app = cloud.register_app("local.w", "s", ["crm"])
    portal = cloud.add_portal("acme", admins=(1, 2))
    portal.install_app(app, f"{receiver.url}/install", f"{receiver.url}/app", 2)
    portal.admins.discard(2)
    page_sid = next(iter(cloud.sessions))
    assert http.post("/bx24/install-finish", data={"APP_SID": page_sid}).status_code == 403


def test_app_without_install_url_is_ready_at_once(cloud: Cloud) -> None:
    portal = installed_portal(cloud, "acme")
    assert portal.installed and portal.application_token


def test_only_admins_install(cloud: Cloud) -> None:
    app = cloud.register_app("local.w", "s", ["crm"])
    with pytest.raises(PermissionError):
        cloud.add_portal("acme").install_app(app, None, None, admin_user_id=5)


def test_api_only_app_gets_the_installation_callback(cloud: Cloud, receiver: Receiver) -> None:
    app = cloud.register_app("local.api", "s", ["crm", "user"])
    portal = cloud.add_portal("acme")
    portal.install_app(app, f"{receiver.url}/install", None, 1, api_only=True, version=3)
    assert portal.installed
    fields = receiver.to("/install")[0].fields
    assert fields["event"] == "ONAPPINSTALL"
    assert fields["data"] == {"VERSION": "3", "ACTIVE": "Y", "INSTALLED": "Y",
                              "LANGUAGE_ID": "ru"}
    auth = fields["auth"]
    assert {"access_token", "refresh_token", "application_token", "member_id", "domain",
            "client_endpoint", "server_endpoint", "expires_in", "scope", "status",
            "user_id"} <= set(auth)
    assert auth["application_token"] == portal.application_token and auth["user_id"] == "1"


def test_reinstall_issues_a_new_application_token(cloud: Cloud) -> None:
    portal = installed_portal(cloud, "acme")
    first = portal.application_token
    portal.uninstall_app()
    portal.install_app(portal.app, None, "http://app.invalid/app")
    assert portal.installed and portal.application_token != first


@pytest.fixture
def portal(cloud: Cloud) -> PortalState:
    return installed_portal(cloud, "acme", scopes=("crm", "placement"))


@pytest.fixture
def rest(http: Client, portal: PortalState):
    def run(method: str, user: int = 1, **params: object) -> tuple[int, dict]:
        token = portal.issue_tokens(user)["access_token"]
        resp = http.post(f"/p/acme/rest/{method}", json={"auth": token, **params})
        return resp.status_code, resp.get_json()

    return run


def test_placement_bind_get_unbind(rest) -> None:
    assert rest("placement.bind", PLACEMENT="CRM_DEAL_DETAIL_TAB", HANDLER="http://a.test/tab",
                TITLE="Score", LANG_ALL={"en": {"TITLE": "Score"}})[1]["result"] is True
    status, body = rest("placement.bind", PLACEMENT="CRM_DEAL_DETAIL_TAB",
                        HANDLER="http://a.test/tab")
    assert (status, body["error"]) == (400, "ERROR_CORE")
    assert "Handler already binded" in body["error_description"]
    assert rest("placement.get")[1]["result"] == [{
        "placement": "CRM_DEAL_DETAIL_TAB", "userId": 0, "handler": "http://a.test/tab",
        "options": [], "title": "Score", "description": "", "groupName": "",
        "langAll": {"en": {"TITLE": "Score"}}}]
    assert rest("placement.unbind", PLACEMENT="CRM_DEAL_DETAIL_TAB")[1]["result"] == {"count": 1}


def test_placement_errors(rest, portal: PortalState, http: Client) -> None:
    for code in ("NO_SUCH_PLACE", "TASK_VIEW_TAB"):  # unknown / outside the app's scopes
        status, body = rest("placement.bind", PLACEMENT=code, HANDLER="http://a.test/")
        assert (status, body["error"]) == (400, "ERROR_PLACEMENT_NOT_FOUND")
    status, body = rest("placement.bind", PLACEMENT="LEFT_MENU")
    assert (status, body["error"], body["argument"]) == (400, "ERROR_ARGUMENT", "HANDLER")
    status, body = rest("placement.bind", user=7, PLACEMENT="LEFT_MENU", HANDLER="http://a.test/")
    assert (status, body["error"]) == (403, "ACCESS_DENIED")
    hook = portal.add_webhook(1, ["crm", "placement"]).split("/p/acme/rest/")[1]
    resp = http.post(f"/p/acme/rest/{hook}placement.get")
    assert resp.get_json()["error"] == "WRONG_AUTH_TYPE"


def test_placement_list_by_scope(rest) -> None:
    codes = rest("placement.list", user=7)[1]["result"]
    assert "CRM_DEAL_DETAIL_TAB" in codes and "LEFT_MENU" in codes
    assert "TASK_VIEW_TAB" not in codes
    assert "TASK_VIEW_TAB" in rest("placement.list", FULL="true")[1]["result"]


def test_open_placement_posts_options_as_a_json_string(rest, portal: PortalState,
                                                      receiver: Receiver) -> None:
    rest("placement.bind", PLACEMENT="CRM_DEAL_DETAIL_TAB", HANDLER=f"{receiver.url}/tab")
    response = portal.open_app(7, "CRM_DEAL_DETAIL_TAB", {"ID": "8061"})
    assert response.status_code == 200
    form = dict(receiver.to("/tab")[0].form)
    assert form["PLACEMENT"] == "CRM_DEAL_DETAIL_TAB"
    assert json.loads(form["PLACEMENT_OPTIONS"]) == {"ID": "8061"}
    assert isinstance(form["PLACEMENT_OPTIONS"], str)
    with pytest.raises(AppNotInstalled):
        portal.open_app(7, "CRM_LEAD_DETAIL_TAB")


def test_open_app_main_page_and_frame_session(portal: PortalState, http: Client) -> None:
    page = portal.app_page_request(7)
    assert page.url == "http://app.invalid/app" and page.form["PLACEMENT"] == "DEFAULT"
    assert "PLACEMENT_OPTIONS" not in page.form
    assert f"APP_SID={page.app_sid}" in page.full_url
    session = http.get("/bx24/session", query_string={"APP_SID": page.app_sid}).get_json()
    assert session["AUTH_ID"] == page.form["AUTH_ID"] and session["user_id"] == 7
    assert session["client_endpoint"] == portal.client_endpoint and session["installed"] is True
    js = http.get("/bx24/api/v1/")
    assert js.status_code == 200 and b"installFinish" in js.data


def test_page_token_belongs_to_the_viewer(portal: PortalState, http: Client) -> None:
    page = portal.app_page_request(7)
    info = http.get("/rest/app.info", query_string={"auth": page.form["AUTH_ID"]}).get_json()
    assert info["result"]["user_id"] == 7


def test_app_options_need_admin_to_set_and_vanish_on_uninstall(rest, portal: PortalState) -> None:
    assert rest("app.option.set", options={"mode": "strict"})[1]["result"] is True
    assert rest("app.option.set", user=7, options={"mode": "x"})[0] == 403
    assert rest("app.option.get", user=7, option="mode")[1]["result"] == "strict"
    assert rest("app.option.get")[1]["result"] == {"mode": "strict"}
    rest("placement.bind", PLACEMENT="LEFT_MENU", HANDLER="http://a.test/")
    portal.uninstall_app()
    assert portal.app_options == {} and portal.placements == []


def test_feature_scope_methods_and_server_time(rest) -> None:
    assert rest("feature.get", CODE="rest_auth_connector")[1]["result"] == {"value": "Y"}
    assert rest("scope")[1]["result"] == ["crm", "placement"]
    names = rest("methods")[1]["result"]
    assert "event.bind" in names and "placement.bind" in names
    assert rest("server.time")[1]["result"].endswith("+03:00")


def test_rest_app_uri_takes_one_handler_for_all_users(rest) -> None:
    """EN:api-reference/widgets/universal/app-url.md: one registration, no USER_ID, no OPTIONS."""
    status, body = rest("placement.bind", PLACEMENT="REST_APP_URI", HANDLER="http://a.test/u",
                        USER_ID=5)
    assert (status, body["error"]) == (400, "ERROR_PLACEMENT_USER_MODE")
    assert rest("placement.bind", PLACEMENT="REST_APP_URI", HANDLER="http://a.test/u",
                OPTIONS={"x": "1"})[1]["result"] is True
    assert rest("placement.get")[1]["result"][0]["options"] == []
    status, body = rest("placement.bind", PLACEMENT="REST_APP_URI", HANDLER="http://a.test/v")
    assert (status, body["error"]) == (400, "ERROR_PLACEMENT_MAX_COUNT")


def test_following_an_app_link_posts_its_params_and_the_page_it_came_from(
        rest, portal: PortalState, receiver: Receiver) -> None:
    rest("placement.bind", PLACEMENT="REST_APP_URI", HANDLER=f"{receiver.url}/link")
    url = (f"https://{portal.domain}/marketplace/view/{portal.app.client_id}/"
           "?params%5Bpage%5D=report&params%5Bdate%5D=2026-11-23")
    assert portal.follow_link(url, 7).status_code == 200
    form = dict(receiver.to("/link")[0].form)
    assert form["PLACEMENT"] == "REST_APP_URI"
    assert json.loads(form["PLACEMENT_OPTIONS"]) == {"page": "report", "date": "2026-11-23",
                                                     "URI": "/online/"}
