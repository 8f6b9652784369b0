"""Smart routing end to end: a simulated PBX asks our app over HTTP, reports progress, and the
call card in the emulated portal follows (register once, show to each next step, hide, finish).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import requests

from handlers.routing import config, stats
from jobs.runner import routing_cards, sync_all
from store import portals
from store import routing as routing_store

CLIENT_PHONE = "+7 916 555-12-34"
UNKNOWN_PHONE = "+7 903 000-99-88"


@dataclass
class Pbx:
    """What a PBX connector does: ask for the plan, then report each step and the end."""

    base: str
    secret: str

    def post(self, path: str, body: dict, secret: str | None = None) -> requests.Response:
        return requests.post(f"{self.base}{path}", json=body, timeout=10,
                             headers={"X-PBX-Secret": self.secret if secret is None else secret})

    def route(self, caller: str, line: str = "74951234567") -> dict:
        response = self.post("/route", {"caller": caller, "line": line})
        assert response.status_code == 200, response.text
        return response.json()

    def report(self, routing_id: str, **body: object) -> dict:
        response = self.post(f"/route/{routing_id}/progress", body)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def routed(installed, live_app):
    """A client of the first manager, the mirror synced, routing set round the clock."""
    portal = installed
    manager = portal.meta["managers"][0]
    portal.invoke("crm.contact.add", {"fields": {
        "NAME": "Вера", "LAST_NAME": "Звонкова", "ASSIGNED_BY_ID": manager,
        "PHONE": [{"VALUE": CLIENT_PHONE, "VALUE_TYPE": "MOBILE"}]}}, user_id=manager)
    live_app.drain(portal)
    sync_all(live_app.app)
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        config.save(s, pid, config.RoutingConfig(
            sales_department_ids=[portal.meta["departments"]["sales"]],
            work_days=list(range(7)), work_start="00:00", work_end="00:00"),
            user_id=portal.meta["owner"], now=datetime.now(UTC))
        secret = routing_store.issue_pbx_secret(s, pid, user_id=portal.meta["owner"],
                                                now=datetime.now(UTC))
        s.commit()
    return portal, Pbx(f"{live_app.url}/pbx/{portal.member_id}", secret), pid


def cards(live_app) -> None:
    """The scheduler's job, run by hand: the portal hears what the PBX reported."""
    routing_cards(live_app.app)


def calls_to(portal, method: str) -> list:
    return [c for c in portal.calls_to(method) if c.error is None]


def users_of(call) -> set[int]:
    value = call.params["USER_ID"]
    return {int(u) for u in (value if isinstance(value, list) else [value])}


def statistic(portal, call_id: str) -> dict:
    rows = [r for r in portal.table("voximplant.statistic") if r["CALL_ID"] == call_id]
    assert len(rows) == 1
    return rows[0]


def card_id(live_app, pid: int, routing_id: str) -> str:
    with live_app.sessions() as s:
        return routing_store.find_call(s, pid, routing_id).card_call_id


def test_known_caller_is_answered_at_step_1(routed, live_app) -> None:
    portal, pbx, pid = routed
    manager = portal.meta["managers"][0]
    plan = pbx.route(CLIENT_PHONE)
    assert plan["steps"][0]["step"] == 1
    assert [u["user_id"] for u in plan["steps"][0]["users"]] == [manager]
    assert plan["steps"][0]["users"][0]["extension"] == "102"
    assert plan["client"]["name"] == "Звонкова Вера"
    rid = plan["routing_id"]
    pbx.report(rid, step=1)
    cards(live_app)
    pbx.report(rid, step=1, answered_by=manager)
    pbx.report(rid, step=1, finished=True, duration=42)
    cards(live_app)
    registers = calls_to(portal, "telephony.externalCall.register")
    assert len(registers) == 1 and users_of(registers[0]) == {manager}
    assert str(registers[0].params["SHOW"]) == "1"
    row = statistic(portal, card_id(live_app, pid, rid))
    assert (row["PORTAL_USER_ID"], row["CALL_DURATION"], row["CALL_FAILED_CODE"]) == \
        (str(manager), "42", "200")
    assert not calls_to(portal, "telephony.externalCall.hide")  # nobody else saw it


def test_unanswered_at_step_1_the_group_answers(routed, live_app) -> None:
    portal, pbx, pid = routed
    manager, colleague = portal.meta["managers"][0], portal.meta["managers"][3]
    plan = pbx.route(CLIENT_PHONE)
    group = {u["user_id"] for u in plan["steps"][1]["users"]}
    assert plan["steps"][1]["step"] == 2 and group == set(portal.meta["managers"])
    assert portal.meta["head"] not in group and portal.meta["exchange"] not in group
    rid = plan["routing_id"]
    pbx.report(rid, step=1)
    cards(live_app)
    pbx.report(rid, step=2)
    cards(live_app)
    shows = calls_to(portal, "telephony.externalCall.show")
    assert len(shows) == 1 and users_of(shows[0]) == group - {manager}
    pbx.report(rid, step=2, answered_by=colleague)
    pbx.report(rid, step=2, finished=True, duration=95)
    cards(live_app)
    hides = calls_to(portal, "telephony.externalCall.hide")
    assert len(hides) == 1 and users_of(hides[0]) == group - {colleague}
    assert len(calls_to(portal, "telephony.externalCall.register")) == 1
    row = statistic(portal, card_id(live_app, pid, rid))
    assert (row["PORTAL_USER_ID"], row["CALL_FAILED_CODE"]) == (str(colleague), "200")


def test_unknown_caller_reaches_the_head_and_the_report_counts_it(routed, live_app) -> None:
    portal, pbx, pid = routed
    head, owner = portal.meta["head"], portal.meta["owner"]
    plan = pbx.route(UNKNOWN_PHONE)
    assert plan["client"] is None
    assert [s["step"] for s in plan["steps"]] == [2, 3, 4]
    assert [u["user_id"] for u in plan["steps"][1]["users"]][-1] == head
    assert [u["user_id"] for u in plan["steps"][2]["users"]][-1] == owner
    rid = plan["routing_id"]
    for step in (2, 3):
        pbx.report(rid, step=step)
        cards(live_app)
    pbx.report(rid, step=3, answered_by=head)
    pbx.report(rid, step=3, finished=True, duration=30)
    cards(live_app)
    shows = calls_to(portal, "telephony.externalCall.show")
    assert [users_of(c) for c in shows][-1] == {head}  # the head saw it when step 3 began
    assert statistic(portal, card_id(live_app, pid, rid))["PORTAL_USER_ID"] == str(head)
    missed = pbx.route(CLIENT_PHONE)["routing_id"]
    for step in (1, 2, 3, 4):
        pbx.report(missed, step=step)
    pbx.report(missed, step=4, finished=True)
    cards(live_app)
    assert statistic(portal, card_id(live_app, pid, missed))["CALL_FAILED_CODE"] == "304"
    day = timedelta(days=1)
    now = datetime.now(UTC)
    with live_app.sessions() as s:
        assert stats.per_step(s, pid, since=now - day, until=now + day) == {3: 1, None: 1}
        listed = stats.escalations(s, pid, since=now - day, until=now + day)
        days = stats.per_day(s, pid, since=now - day, until=now + day, tz=UTC)
    assert [(e.answered_step, e.answered_by) for e in listed] == [(3, head), (None, None)]
    assert listed[1].client_name == "Звонкова Вера"
    assert listed[1].responsible_id == portal.meta["managers"][0]
    assert listed[1].responsible_name.strip() != ""
    assert sum(d.escalated for d in days) == 2 and sum(d.missed for d in days) == 1


def test_the_pbx_must_know_the_secret(routed, live_app) -> None:
    portal, pbx, _ = routed
    assert pbx.post("/route", {"caller": CLIENT_PHONE}, secret="wrong").status_code == 401
    assert pbx.post("/route", {"caller": CLIENT_PHONE}, secret="").status_code == 401
    other = requests.post(f"{live_app.url}/pbx/{'0' * 32}/route", json={"caller": "1"},
                          headers={"X-PBX-Secret": pbx.secret}, timeout=10)
    assert other.status_code == 401
    assert pbx.post("/route/nope/progress", {"step": 1}).status_code == 404
    rid = pbx.route(CLIENT_PHONE)["routing_id"]
    assert pbx.post(f"/route/{rid}/progress", {"step": 9}).status_code == 400
    assert pbx.post("/route", {"line": "1"}).status_code == 400
    assert not portal.calls_to("telephony.externalCall.register")
