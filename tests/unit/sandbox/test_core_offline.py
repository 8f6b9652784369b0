"""Offline events (EN:api-reference/events/offline-events.md, event-offline-*.md, §3.5)."""

from __future__ import annotations

import pytest

from sandbox.errors import RestError
from sandbox.state import Cloud, PortalState
from sandbox.testing import Receiver, installed_portal


@pytest.fixture
def portal(cloud: Cloud) -> PortalState:
    return installed_portal(cloud, "acme", scopes=("crm",))


def app_call(portal: PortalState, method: str, user: int = 1, **params: object) -> object:
    return portal.invoke(method, params, user_id=user, app_context=True)


def deal_changed(portal: PortalState, deal_id: int, connector: str | None = None) -> None:
    portal.emit("ONCRMDEALUPDATE", {"FIELDS": {"ID": str(deal_id)}}, user_id=1,
                auth_connector=connector)


def test_queue_keeps_the_latest_state_per_object(portal: PortalState) -> None:
    app_call(portal, "event.bind", event="ONCRMDEALUPDATE", event_type="offline")
    for _ in range(3):
        deal_changed(portal, 7)
        portal.clock.advance(10)
    deal_changed(portal, 8)
    result = app_call(portal, "event.offline.get")
    assert result["process_id"] is None
    assert [e["EVENT_DATA"] for e in result["events"]] == [{"FIELDS": {"ID": "7"}},
                                                           {"FIELDS": {"ID": "8"}}]
    first = result["events"][0]
    assert set(first) == {"ID", "TIMESTAMP_X", "EVENT_NAME", "EVENT_DATA", "EVENT_ADDITIONAL",
                          "MESSAGE_ID"}
    assert app_call(portal, "event.offline.get")["events"] == []  # clear=1 deleted them


def test_reserve_then_clear_by_process_id(portal: PortalState) -> None:
    app_call(portal, "event.bind", event="ONCRMDEALUPDATE", event_type="offline")
    for deal in (1, 2, 3):
        deal_changed(portal, deal)
    got = app_call(portal, "event.offline.get", clear=0, limit=2)
    pid = got["process_id"]
    assert pid and len(got["events"]) == 2
    assert len(app_call(portal, "event.offline.get", clear=0)["events"]) == 1  # disjoint sets
    again = app_call(portal, "event.offline.get", clear=0, process_id=pid)
    assert [e["ID"] for e in again["events"]] == [e["ID"] for e in got["events"]]
    deal_changed(portal, 1)  # a change of a reserved object makes a new record
    app_call(portal, "event.offline.clear", process_id=pid, id=[got["events"][0]["ID"]])
    listed = portal.invoke("event.offline.list", {}, user_id=1, app_context=True)
    assert listed.total == 3
    assert [row["PROCESS_ID"] != "" for row in listed.items] == [True, True, False]


def test_error_marks_records_that_then_need_error_1(portal: PortalState) -> None:
    app_call(portal, "event.bind", event="ONCRMDEALUPDATE", event_type="offline")
    deal_changed(portal, 1)
    got = app_call(portal, "event.offline.get", clear=0)
    app_call(portal, "event.offline.error", process_id=got["process_id"],
             message_id=[got["events"][0]["MESSAGE_ID"]])
    assert app_call(portal, "event.offline.get")["events"] == []
    assert len(app_call(portal, "event.offline.get", error=1)["events"]) == 1


def test_auth_connector_keeps_own_changes_out_of_its_queue(portal: PortalState) -> None:
    app_call(portal, "event.bind", event="ONCRMDEALUPDATE", event_type="offline",
             auth_connector="sync")
    app_call(portal, "event.bind", event="ONCRMDEALUPDATE", event_type="offline")
    deal_changed(portal, 1, connector="sync")  # our own update
    deal_changed(portal, 2)  # somebody else's
    mine = app_call(portal, "event.offline.get", auth_connector="sync")["events"]
    assert [e["EVENT_DATA"]["FIELDS"]["ID"] for e in mine] == ["2"]
    plain = app_call(portal, "event.offline.get")["events"]
    assert sorted(e["EVENT_DATA"]["FIELDS"]["ID"] for e in plain) == ["1", "2"]


def test_filter_and_order(portal: PortalState) -> None:
    app_call(portal, "event.bind", event="ONCRMDEALUPDATE", event_type="offline")
    app_call(portal, "event.bind", event="ONCRMDEALADD", event_type="offline")
    deal_changed(portal, 1)
    portal.emit("ONCRMDEALADD", {"FIELDS": {"ID": "2"}}, user_id=1)
    got = app_call(portal, "event.offline.get", filter={"=EVENT_NAME": "ONCRMDEALADD"},
                   clear=0)["events"]
    assert [e["EVENT_NAME"] for e in got] == ["ONCRMDEALADD"]
    listed = portal.invoke("event.offline.list", {"order": {"ID": "DESC"}}, user_id=1,
                           app_context=True)
    assert [r["ID"] for r in listed.items] == ["2", "1"]


def test_offline_methods_are_for_admins(portal: PortalState) -> None:
    with pytest.raises(RestError) as caught:
        app_call(portal, "event.offline.get", user=7)
    assert caught.value.code == "ACCESS_DENIED"


def test_reservations_expire_after_30_days(portal: PortalState) -> None:
    app_call(portal, "event.bind", event="ONCRMDEALUPDATE", event_type="offline")
    deal_changed(portal, 1)
    pid = app_call(portal, "event.offline.get", clear=0)["process_id"]
    portal.clock.advance(31 * 24 * 3600)
    assert app_call(portal, "event.offline.get", process_id=pid)["events"] == []


def test_onofflineevent_signals_at_most_once_per_min_timeout(portal: PortalState) -> None:
    with Receiver() as receiver:
        app_call(portal, "event.bind", event="ONCRMDEALUPDATE", event_type="offline")
        app_call(portal, "event.bind", event="ONOFFLINEEVENT", handler=receiver.url,
                 options={"minTimeout": 60})
        deal_changed(portal, 1)
        deal_changed(portal, 2)
        portal.clock.advance(61)
        deal_changed(portal, 3)
        portal.flush_events()
    assert [p.fields["event"] for p in receiver.posts] == ["ONOFFLINEEVENT"] * 2
    assert "data" not in receiver.posts[0].fields  # empty data
    assert "refresh_token" in receiver.posts[0].fields["auth"]
