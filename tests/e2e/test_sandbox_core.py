"""The emulated cloud end to end over real HTTP, against a tiny app written here.

The app below does what a real local app does: on the install page it checks the tokens with the
auth server's app.info, binds its events with the page's AUTH_ID and calls BX24.installFinish();
its event handler records what arrives. No part of the product is involved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests
from werkzeug.wrappers import Request, Response

from sandbox import running_cloud
from sandbox.registry import CallContext, method
from sandbox.state import Cloud, PortalState
from sandbox.testing import Receiver

pytestmark = pytest.mark.e2e

FINISH_PAGE = "<script src='/bx24.js'></script><script>BX24.installFinish();</script>"


@method("sandboxtest.e2e.dealadd", scope="crm")
def _deal_add(ctx: CallContext, params: dict) -> int:
    """Stand-in for crm.deal.add so this suite does not depend on the CRM modules."""
    new_id = ctx.portal.table("sandboxtest.deal").insert(dict(params.get("fields") or {}))
    ctx.emit("ONCRMDEALADD", {"FIELDS": {"ID": str(new_id)}})
    return new_id


@dataclass
class TinyApp:
    """What the app keeps per portal: tokens from the install page, events received."""

    tokens: dict = field(default_factory=dict)
    events: list = field(default_factory=list)
    receiver: Receiver | None = None

    def respond(self, request: Request) -> Response | str | None:
        if request.path == "/install":
            return self.install(request.form)
        if request.path == "/events":
            self.events.append(request)
        return None

    def install(self, form: dict) -> str:
        info = requests.get(f"{form['SERVER_ENDPOINT']}app.info",
                            params={"auth": form["AUTH_ID"]}, timeout=5).json()["result"]
        assert info["install"]["member_id"] == form["member_id"]
        endpoint = info["install"]["client_endpoint"]
        self.tokens = {"access": form["AUTH_ID"], "refresh": form["REFRESH_ID"],
                       "endpoint": endpoint, "app_token": form["APPLICATION_TOKEN"]}
        for code in ("ONCRMDEALADD", "ONAPPUNINSTALL"):
            resp = requests.post(f"{endpoint}event.bind.json", timeout=5, json={
                "auth": form["AUTH_ID"], "event": code, "handler": f"{self.receiver.url}/events"})
            assert resp.status_code == 200, resp.text
        return FINISH_PAGE


@pytest.fixture
def tiny() -> Iterator[TinyApp]:
    app = TinyApp()
    with Receiver(app.respond) as receiver:
        app.receiver = receiver
        yield app


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with running_cloud() as cloud:
        yield cloud


@pytest.fixture
def portal(cloud: Cloud, tiny: TinyApp) -> PortalState:
    app = cloud.register_app("local.e2e", "e2e-secret", ["crm", "user"])
    portal = cloud.add_portal("acme")
    portal.rate_limit_enabled = False
    portal.install_app(app, f"{tiny.receiver.url}/install", f"{tiny.receiver.url}/app", 1)
    return portal


def rest(tokens: dict, method_name: str, **params: object) -> requests.Response:
    return requests.post(f"{tokens['endpoint']}{method_name}.json",
                         json={"auth": tokens["access"], **params}, timeout=5)


def refresh(cloud: Cloud, refresh_token: str) -> requests.Response:
    return requests.get(f"{cloud.url}/oauth/token/", timeout=5, params={
        "grant_type": "refresh_token", "client_id": "local.e2e",
        "client_secret": "e2e-secret", "refresh_token": refresh_token})


def test_install_wizard_binds_events_and_finishes(portal: PortalState, tiny: TinyApp) -> None:
    assert portal.installed
    assert {(b.event, b.handler) for b in portal.bindings} == {
        ("ONCRMDEALADD", f"{tiny.receiver.url}/events"),
        ("ONAPPUNINSTALL", f"{tiny.receiver.url}/events")}
    assert rest(tiny.tokens, "app.info").json()["result"]["INSTALLED"] is True


def test_a_person_creates_a_deal_and_the_app_hears_it(portal: PortalState,
                                                      tiny: TinyApp) -> None:
    deal_id = portal.invoke("sandboxtest.e2e.dealadd", {"fields": {"TITLE": "Call back"}},
                            user_id=7)
    portal.flush_events()
    [event] = tiny.events
    assert event.form["event"] == "ONCRMDEALADD"
    assert event.form["data[FIELDS][ID]"] == str(deal_id)
    assert event.form["auth[application_token]"] == tiny.tokens["app_token"]
    assert event.form["auth[user_id]"] == "7"
    viewer = {**tiny.tokens, "access": event.form["auth[access_token]"]}
    assert rest(viewer, "app.info").status_code == 200


def test_the_apps_own_rest_change_comes_back_as_an_event(portal: PortalState,
                                                         tiny: TinyApp) -> None:
    resp = rest(tiny.tokens, "batch", cmd={
        "a": "sandboxtest.e2e.dealadd?fields[TITLE]=one",
        "b": "sandboxtest.e2e.dealadd?fields[TITLE]=after-$result[a]"})
    assert resp.json()["result"]["result"] == {"a": 1, "b": 2}
    portal.flush_events()
    assert [e.form["data[FIELDS][ID]"] for e in tiny.events] == ["1", "2"]
    assert portal.table("sandboxtest.deal").get(2)["TITLE"] == "after-1"


def test_expiry_refresh_and_rotation(cloud: Cloud, portal: PortalState, tiny: TinyApp) -> None:
    cloud.clock.advance(3601)
    resp = rest(tiny.tokens, "app.info")
    assert (resp.status_code, resp.json()["error"]) == (401, "expired_token")
    fresh = refresh(cloud, tiny.tokens["refresh"]).json()
    assert fresh["client_endpoint"] == portal.client_endpoint and fresh["user_id"] == 1
    assert rest({**tiny.tokens, "access": fresh["access_token"]}, "app.info").status_code == 200
    again = refresh(cloud, tiny.tokens["refresh"])
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_rate_limit_on_the_wire(portal: PortalState, tiny: TinyApp) -> None:
    portal.rate_limit_enabled = True
    statuses = [rest(tiny.tokens, "app.info").status_code for _ in range(55)]
    assert statuses.count(503) >= 1 and statuses[:50] == [200] * 50


def test_uninstall_tells_the_app_and_cuts_access(cloud: Cloud, portal: PortalState,
                                                 tiny: TinyApp) -> None:
    portal.uninstall_app(clean=True)
    portal.flush_events()
    [event] = tiny.events
    assert event.form["event"] == "ONAPPUNINSTALL" and event.form["data[CLEAN]"] == "1"
    assert "auth[access_token]" not in event.form
    assert rest(tiny.tokens, "app.info").status_code == 401
    assert refresh(cloud, tiny.tokens["refresh"]).json()["error"] == "PAYMENT_REQUIRED"


def test_two_hundred_portals_behind_one_server() -> None:
    installs: list[dict] = []

    def on_install(request: Request) -> None:
        installs.append(request.form.to_dict())

    with Receiver(on_install) as receiver, running_cloud() as cloud:
        app = cloud.register_app("local.many", "s", ["crm"])
        for i in range(200):
            cloud.add_portal(f"p{i:03d}").install_app(app, f"{receiver.url}/install", None,
                                                      api_only=True)
        assert len(installs) == 200
        assert len({f["auth[member_id]"] for f in installs}) == 200
        session = requests.Session()
        for form in installs:
            resp = session.post(f"{form['auth[client_endpoint]']}app.info.json",
                                data={"auth": form["auth[access_token]"]}, timeout=5)
            assert resp.json()["result"]["INSTALLED"] is True


NODE_HARNESS = """
const [scriptUrl, pageUrl] = process.argv.slice(1);
globalThis.window = globalThis;
globalThis.document = {currentScript: {src: scriptUrl}};
globalThis.location = new URL(pageUrl);
(async () => {
  const code = await (await fetch(scriptUrl)).text();
  new Function(code)();
  BX24.init(async () => {
    const info = await BX24.callMethod("app.info", {});
    const finish = await BX24.installFinish();
    BX24.fitWindow();
    console.log(JSON.stringify({auth: BX24.getAuth(), info: info.data(), error: info.error(),
                                finish, placement: BX24.placement.info(), calls: BX24.calls}));
  });
})();
"""


def test_bx24_js_stand_in_finishes_the_install(cloud: Cloud, tiny: TinyApp) -> None:
    """Run sandbox/static/bx24.js as the install page would (in node, no browser needed)."""
    import json
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    tiny.receiver.respond = None  # an install page that does not finish by itself
    app = cloud.register_app("local.js", "s", ["crm", "placement"])
    portal = cloud.add_portal("js")
    portal.install_app(app, f"{tiny.receiver.url}/install", f"{tiny.receiver.url}/app", 1)
    assert portal.install_state == "pending"
    page = portal.app_page_request(1)
    run = subprocess.run([node, "-e", NODE_HARNESS, f"{cloud.url}/bx24/api/v1/", page.full_url],
                         capture_output=True, text=True, timeout=20, check=True)
    out = json.loads(run.stdout)
    assert out["auth"]["access_token"] == page.form["AUTH_ID"]
    assert out["auth"]["member_id"] == portal.member_id
    assert out["info"]["INSTALLED"] is False and out["error"] is None
    assert out["finish"] == {"result": True}
    assert out["placement"] == {"placement": "DEFAULT", "options": {}}
    assert out["calls"] == [["installFinish"], ["fitWindow"]]
    assert portal.installed
