"""Telephony: built-in calls (people.call), external calls and lines, statistics (§4.2, §9)."""

from __future__ import annotations

import pytest
from crm_portal import Recorder, open_portal

from sandbox import people
from sandbox.errors import RestError


@pytest.fixture
def portal():
    with open_portal() as portal:
        yield portal


@pytest.fixture
def client(portal):
    contact = portal.invoke("crm.contact.add", {"fields": {
        "NAME": "Клиент", "PHONE": [{"VALUE": "8 (912) 345-67-89"}]}}, user_id=2)
    deal = portal.invoke("crm.deal.add", {"fields": {"TITLE": "Д", "CONTACT_ID": contact}},
                         user_id=2)
    return contact, deal


def app(portal, method, params, user_id=1, app_context=True):
    """The app's own token: external-call and line methods need application context (§9.2)."""
    return portal.invoke(method, params, user_id=user_id, app_context=app_context)


def stats(portal, **filt):
    return portal.invoke("voximplant.statistic.get", {"FILTER": filt}, user_id=1).items


def test_answered_incoming_call_writes_statistics_activity_and_events(portal, client):
    contact, deal = client
    events = Recorder(portal)
    entry = people.call(portal, user_id=2, phone="+79123456789", incoming=True, duration=95)
    row = stats(portal)[0]
    assert (row["CALL_TYPE"], row["CALL_FAILED_CODE"], row["CALL_DURATION"]) == ("2", "200", "95")
    assert (row["CRM_ENTITY_TYPE"], row["CRM_ENTITY_ID"], row["PORTAL_USER_ID"]) == (
        "CONTACT", str(contact), "2")
    assert row["CALL_RECORD_URL"] == "" and row["RECORD_FILE_ID"]
    assert row["CALL_ID"] == entry.call_id
    assert set(row) >= {"CALL_CATEGORY", "COST", "COST_CURRENCY", "CRM_ACTIVITY_ID",
                        "REST_APP_ID", "TRANSCRIPT_PENDING", "SESSION_ID", "RECORD_FILE_ID"}
    assert events.codes() == ["ONVOXIMPLANTCALLINIT", "ONVOXIMPLANTCALLSTART",
                              "ONCRMACTIVITYADD", "ONVOXIMPLANTCALLEND"]
    end = events.of("ONVOXIMPLANTCALLEND")[0].data
    assert end["CRM_ACTIVITY_ID"] == row["CRM_ACTIVITY_ID"] and end["CALL_DURATION"] == "95"
    assert events.of("ONVOXIMPLANTCALLINIT")[0].data["CALLER_ID"] == "+79123456789"
    activity = portal.invoke("crm.activity.get", {"id": row["CRM_ACTIVITY_ID"]}, user_id=1)
    assert (activity["TYPE_ID"], activity["DIRECTION"], activity["COMPLETED"]) == ("2", "1", "Y")
    assert {"OWNER_ID": str(deal), "OWNER_TYPE_ID": "2"} in activity["BINDINGS"]


def test_missed_call_from_a_new_number_creates_a_lead_and_an_open_activity(portal):
    events = Recorder(portal)
    entry = people.call(portal, user_id=3, phone="+79990001122", incoming=True, answered=False)
    row = stats(portal, CALL_FAILED_CODE="304")[0]
    assert entry.created_lead and (row["CRM_ENTITY_TYPE"], row["CRM_ENTITY_ID"]) == (
        "LEAD", str(entry.created_lead))
    assert (row["CALL_DURATION"], row["CALL_RECORD_URL"]) == ("0", "")
    assert "ONVOXIMPLANTCALLSTART" not in events.codes()
    assert events.codes()[:2] == ["ONVOXIMPLANTCALLINIT", "ONCRMLEADADD"]
    activity = portal.invoke("crm.activity.get", {"id": row["CRM_ACTIVITY_ID"]}, user_id=1)
    assert activity["COMPLETED"] == "N"


def test_outgoing_call_moves_the_clock_and_filters_by_date(portal, client):
    before = portal.clock.now()
    people.call(portal, user_id=2, phone="9123456789", incoming=False, duration=300)
    assert (portal.clock.now() - before).total_seconds() >= 300
    rows = portal.invoke("voximplant.statistic.get", {
        "FILTER": {"CALL_TYPE": 1, ">=CALL_START_DATE": "2026-03-10T00:00:00+03:00",
                   "><CALL_DURATION": [200, 400]}, "SORT": "CALL_START_DATE",
        "ORDER": "DESC"}, user_id=1)
    assert rows.total == 1 and rows.items[0]["CRM_ENTITY_TYPE"] == "CONTACT"


def test_register_finish_external_call(portal, client):
    contact, _ = client
    events = Recorder(portal)
    reg = app(portal, "telephony.externalCall.register", {
        "USER_PHONE_INNER": "102", "PHONE_NUMBER": "+79123456789", "TYPE": 2,
        "EXTERNAL_CALL_ID": "pbx-1"}, user_id=1, app_context=True)
    assert reg["CALL_ID"].startswith("externalCall.")
    assert (reg["CRM_ENTITY_TYPE"], reg["CRM_ENTITY_ID"], reg["CRM_CREATED_LEAD"]) == (
        "CONTACT", contact, None)
    again = app(portal, "telephony.externalCall.register", {
        "USER_PHONE_INNER": "102", "PHONE_NUMBER": "+79123456789", "TYPE": 2,
        "EXTERNAL_CALL_ID": "pbx-1"}, user_id=1, app_context=True)
    assert again["CALL_ID"] == reg["CALL_ID"]
    assert len(portal.table("crm.activity")) == 0  # register alone creates no activity
    done = app(portal, "telephony.externalCall.finish", {
        "CALL_ID": reg["CALL_ID"], "USER_ID": 2, "DURATION": 40}, user_id=1, app_context=True)
    assert (done["CALL_FAILED_CODE"], done["CALL_STATUS"], done["INCOMING"]) == ("200", 1, "2")
    assert isinstance(done["CRM_ACTIVITY_ID"], int) and done["EXTERNAL_CALL_ID"] == "pbx-1"
    assert events.codes().count("ONVOXIMPLANTCALLINIT") == 1
    assert events.codes()[-1] == "ONVOXIMPLANTCALLEND"
    with pytest.raises(RestError, match="Call is not found"):
        app(portal, "telephony.externalCall.finish", {"CALL_ID": reg["CALL_ID"], "USER_ID": 2},
                      user_id=1, app_context=True)


def test_external_register_dedupe_expires_after_30_minutes(portal):
    params = {"USER_ID": 2, "PHONE_NUMBER": "+79123456780", "TYPE": 1, "EXTERNAL_CALL_ID": "x"}
    first = app(portal, "telephony.externalCall.register", params, user_id=1)["CALL_ID"]
    portal.clock.advance(31 * 60)
    assert app(portal, "telephony.externalCall.register", params, user_id=1)["CALL_ID"] != first


def test_finish_without_duration_is_missed_and_crm_create_makes_a_lead(portal):
    reg = app(portal, "telephony.externalCall.register", {
        "USER_ID": 3, "PHONE_NUMBER": "+7 999 111-22-33", "TYPE": 2, "CRM_CREATE": 1},
                        user_id=1)
    created = reg["CRM_CREATED_LEAD"]
    assert reg["CRM_CREATED_ENTITIES"] == [{"ENTITY_TYPE": "LEAD", "ENTITY_ID": created}]
    done = app(portal, "telephony.externalCall.finish", {"CALL_ID": reg["CALL_ID"],
                                                           "USER_ID": 3}, user_id=1)
    assert (done["CALL_FAILED_CODE"], done["CALL_STATUS"], done["CALL_DURATION"]) == ("304", 0, 0)


def test_register_errors(portal):
    portal.spec_strict = False  # the method's own answers, not the emulator's schema guard
    def register(**params):
        return app(portal, "telephony.externalCall.register", params, user_id=1)
    with pytest.raises(RestError, match="USER_ID or USER_PHONE_INNER should be set"):
        register(PHONE_NUMBER="+79990000000", TYPE=1)
    with pytest.raises(RestError, match="Unknown TYPE"):
        register(USER_ID=2, PHONE_NUMBER="+79990000000", TYPE=9)
    with pytest.raises(RestError, match="User is not found or is not active"):
        register(USER_ID=99, PHONE_NUMBER="+79990000000", TYPE=1)


def test_show_hide_attach_and_search(portal, client):
    contact, _ = client
    reg = app(portal, "telephony.externalCall.register", {
        "USER_ID": 2, "PHONE_NUMBER": "+79123456789", "TYPE": 1}, user_id=1)
    assert app(portal, "telephony.externalCall.show", {"CALL_ID": reg["CALL_ID"],
                                                         "USER_ID": [3]}, user_id=1) is True
    assert app(portal, "telephony.externalCall.hide", {"CALL_ID": "nope", "USER_ID": 3},
                         user_id=1) is False
    with pytest.raises(RestError, match="not finished yet"):
        app(portal, "telephony.externalCall.attachRecord", {
            "CALL_ID": reg["CALL_ID"], "RECORD_URL": "https://pbx.test/1.mp3"}, user_id=1)
    app(portal, "telephony.externalCall.finish", {"CALL_ID": reg["CALL_ID"], "USER_ID": 2,
                                                    "DURATION": 10}, user_id=1)
    attached = app(portal, "telephony.externalCall.attachRecord", {
        "CALL_ID": reg["CALL_ID"], "RECORD_URL": "https://pbx.test/1.mp3"}, user_id=1)
    assert stats(portal)[0]["RECORD_FILE_ID"] == str(attached["FILE_ID"])
    found = app(portal, "telephony.externalCall.searchCrmEntities",
                          {"PHONE_NUMBER": "79123456789"}, user_id=1)
    assert (found[0]["CRM_ENTITY_TYPE"], found[0]["CRM_ENTITY_ID"]) == ("CONTACT", contact)
    assert found[0]["ASSIGNED_BY"]["USER_PHONE_INNER"] == "102"


def test_external_lines(portal):
    assert app(portal, "telephony.externalLine.add", {"NUMBER": "74951234567",
                                                        "NAME": "Офис"}, user_id=1)["ID"] == 1
    with pytest.raises(RestError, match="Line already exists"):
        app(portal, "telephony.externalLine.add", {"NUMBER": "74951234567"}, user_id=1)
    app(portal, "telephony.externalLine.update", {"NUMBER": "74951234567",
                                                    "CRM_AUTO_CREATE": "N"}, user_id=1)
    assert app(portal, "telephony.externalLine.get", {}, user_id=1) == [
        {"NUMBER": "74951234567", "NAME": "Офис", "CRM_AUTO_CREATE": "N"}]
    reg = app(portal, "telephony.externalCall.register", {
        "USER_ID": 2, "PHONE_NUMBER": "+79990000001", "TYPE": 1, "CRM_CREATE": 1,
        "LINE_NUMBER": "74951234567"}, user_id=1)
    assert reg["CRM_CREATED_LEAD"] is None  # the line forbids creating CRM records
    assert app(portal, "telephony.externalLine.delete", {"NUMBER": "74951234567"},
                         user_id=1) == []


def test_voximplant_user_get(portal):
    got = portal.invoke("voximplant.user.get", {"USER_ID": [2, 99]}, user_id=1)
    assert [(u["ID"], u["INNER_NUMBER"], u["PHONE_ENABLED"]) for u in got] == [("2", "102", "Y")]


def test_the_portal_makes_a_lead_for_an_unknown_caller_by_default(portal):
    """A new portal's built-in telephony: lead, call activity bound to it, statistics link."""
    assert portal.telephony_creates_leads
    entry = people.call(portal, user_id=2, phone="+79995550011", incoming=True, duration=30)
    row = stats(portal)[0]
    lead = portal.table("crm.lead").get(entry.created_lead)
    assert lead["SOURCE_ID"] == "CALL" and lead["PHONE"][0]["VALUE"] == "+79995550011"
    assert (row["CRM_ENTITY_TYPE"], row["CRM_ENTITY_ID"]) == ("LEAD", str(entry.created_lead))
    activity = portal.invoke("crm.activity.get", {"id": row["CRM_ACTIVITY_ID"]}, user_id=1)
    assert (activity["PROVIDER_ID"], activity["OWNER_TYPE_ID"], activity["OWNER_ID"]) == (
        "VOXIMPLANT_CALL", "1", str(entry.created_lead))


def test_with_the_switch_off_an_unknown_caller_leaves_no_crm_trace(portal):
    portal.telephony_creates_leads = False
    entry = people.call(portal, user_id=2, phone="+79995550012", incoming=True, duration=30)
    row = stats(portal)[0]
    assert entry.created_lead is None and len(portal.table("crm.lead")) == 0
    assert (row["CRM_ENTITY_TYPE"], row["CRM_ENTITY_ID"], row["CRM_ACTIVITY_ID"]) == (
        None, None, None)


@pytest.mark.parametrize(("vote", "kept"), [(5, 5), ("3", 3), (0, None), (None, None),
                                            ("9", None), ("x", None)])
def test_the_clients_vote_is_the_call_vote_of_the_statistics(portal, client, vote, kept):
    """telephony-external-call-finish.md: VOTE 1-5, "0 или null" when there is none; the
    statistics row has it as CALL_VOTE, a string (voximplant-statistic-get.md's example)."""
    reg = app(portal, "telephony.externalCall.register", {
        "USER_PHONE_INNER": "102", "PHONE_NUMBER": "+79123456789", "TYPE": 1})
    params = {"CALL_ID": reg["CALL_ID"], "USER_ID": 2, "DURATION": 40}
    if vote is not None:
        params["VOTE"] = vote
    done = app(portal, "telephony.externalCall.finish", params)
    assert done["CALL_VOTE"] == kept
    (row,) = stats(portal, CALL_ID=reg["CALL_ID"])
    assert row["CALL_VOTE"] == (None if kept is None else str(kept))


def test_a_built_in_call_keeps_the_clients_vote(portal, client):
    rated = people.call(portal, user_id=2, phone="+79123456789", incoming=False, duration=30,
                        vote=4)
    missed = people.call(portal, user_id=2, phone="+79123456789", incoming=False,
                         answered=False, vote=4)
    assert stats(portal, CALL_ID=rated.call_id)[0]["CALL_VOTE"] == "4"
    assert stats(portal, CALL_ID=missed.call_id)[0]["CALL_VOTE"] is None  # nobody to rate it
