"""crm.lead.* status semantics, contact/company multi-fields, duplicates (§7, §8.2, §8.6)."""

from __future__ import annotations

import pytest
from crm_portal import Recorder, open_portal

from sandbox.errors import RestError


@pytest.fixture
def portal():
    with open_portal() as portal:
        yield portal


def lead(portal, lead_id):
    return portal.invoke("crm.lead.get", {"id": lead_id}, user_id=1)


def set_status(portal, lead_id, status):
    portal.invoke("crm.lead.update", {"id": lead_id, "fields": {"STATUS_ID": status}}, user_id=2)


@pytest.mark.parametrize(("status", "semantic", "closed"), [
    ("IN_PROCESS", "P", False), ("CONVERTED", "S", True), ("JUNK", "F", True),
    ("UC_BADPHONE", "F", True)])
def test_lead_status_semantics(portal, status, semantic, closed):
    lead_id = portal.invoke("crm.lead.add", {"fields": {"NAME": "Анна"}}, user_id=2)
    assert (lead(portal, lead_id)["STATUS_ID"], lead(portal, lead_id)["STATUS_SEMANTIC_ID"]) == (
        "NEW", "P")
    portal.clock.advance(120)
    set_status(portal, lead_id, status)
    got = lead(portal, lead_id)
    assert got["STATUS_SEMANTIC_ID"] == semantic
    assert (got["DATE_CLOSED"] is not None) is closed
    rows = portal.invoke("crm.stagehistory.list", {"entityTypeId": 1, "filter": {
        "OWNER_ID": lead_id}}, user_id=1).items["items"]
    assert [(r["TYPE_ID"], r["STATUS_ID"], r["STATUS_SEMANTIC_ID"]) for r in rows] == [
        (1, "NEW", "P"), (3 if closed else 2, status, semantic)]
    assert "STAGE_ID" not in rows[0]


def test_converting_creates_nothing(portal):
    lead_id = portal.invoke("crm.lead.add", {"fields": {"NAME": "Анна"}}, user_id=2)
    set_status(portal, lead_id, "CONVERTED")
    assert len(portal.table("crm.contact")) == 0 and len(portal.table("crm.deal")) == 0


def test_unknown_status_is_rejected(portal):
    lead_id = portal.invoke("crm.lead.add", {"fields": {"NAME": "Анна"}}, user_id=2)
    with pytest.raises(RestError):
        set_status(portal, lead_id, "NO_SUCH")


def test_lead_events_and_default_title(portal):
    events = Recorder(portal)
    lead_id = portal.invoke("crm.lead.add", {"fields": {}}, user_id=0)
    set_status(portal, lead_id, "IN_PROCESS")
    assert lead(portal, lead_id)["TITLE"] == f"Лид #{lead_id}"
    assert [(e.code, e.user_id) for e in events.events] == [("ONCRMLEADADD", 0),
                                                             ("ONCRMLEADUPDATE", 2)]


def test_multifield_update_appends_edits_and_deletes(portal):
    events = Recorder(portal)
    contact_id = portal.invoke("crm.contact.add", {"fields": {
        "NAME": "Иван", "PHONE": [{"VALUE": "+7 912 000-00-01", "VALUE_TYPE": "WORK"},
                                  {"VALUE": "8 912 000 00 02", "VALUE_TYPE": "MOBILE"}]}},
                                   user_id=2)
    phones = portal.invoke("crm.contact.get", {"id": contact_id}, user_id=1)["PHONE"]
    first, second = phones
    assert first["TYPE_ID"] == "PHONE" and first["VALUE_TYPE"] == "WORK"
    portal.invoke("crm.contact.update", {"id": contact_id, "fields": {"PHONE": [
        {"ID": first["ID"], "VALUE": "+79120000009"},
        {"ID": second["ID"], "VALUE": ""},
        {"VALUE": "+79120000003", "VALUE_TYPE": "HOME"}]}}, user_id=2)
    got = portal.invoke("crm.contact.get", {"id": contact_id}, user_id=1)
    assert [(p["ID"], p["VALUE"]) for p in got["PHONE"]] == [
        (first["ID"], "+79120000009"), (str(int(second["ID"]) + 1), "+79120000003")]
    assert got["HAS_PHONE"] == "Y" and got["HAS_EMAIL"] == "N"
    assert events.codes() == ["ONCRMCONTACTADD", "ONCRMCONTACTUPDATE"]


def test_contact_list_phone_filter_is_exact(portal):
    portal.invoke("crm.contact.add", {"fields": {"PHONE": [{"VALUE": "+79120000001"}]}},
                  user_id=2)
    exact = portal.invoke("crm.contact.list", {"filter": {"PHONE": "+79120000001"},
                                               "select": ["ID", "PHONE"]}, user_id=1)
    other = portal.invoke("crm.contact.list", {"filter": {"PHONE": "89120000001"}}, user_id=1)
    assert (exact.total, other.total) == (1, 0)
    assert exact.items[0]["PHONE"][0]["VALUE"] == "+79120000001"


def test_findbycomm_ignores_formatting_and_answers_an_empty_array(portal):
    contact = portal.invoke("crm.contact.add", {"fields": {
        "PHONE": [{"VALUE": "8 (912) 345-67-89"}], "EMAIL": [{"VALUE": "A@Mail.test"}]}},
                            user_id=2)
    lead_id = portal.invoke("crm.lead.add", {"fields": {"PHONE": [{"VALUE": "9123456789"}]}},
                            user_id=2)
    company = portal.invoke("crm.company.add", {"fields": {
        "TITLE": "ООО «Т»", "PHONE": [{"VALUE": "+7 912 345 67 89"}]}}, user_id=2)
    find = {"type": "PHONE", "values": ["+79123456789"]}
    assert portal.invoke("crm.duplicate.findbycomm", find, user_id=1) == {
        "LEAD": [lead_id], "CONTACT": [contact], "COMPANY": [company]}
    assert portal.invoke("crm.duplicate.findbycomm", {**find, "entity_type": "CONTACT"},
                         user_id=1) == {"CONTACT": [contact]}
    assert portal.invoke("crm.duplicate.findbycomm", {"type": "EMAIL", "values": ["a@mail.test"]},
                         user_id=1) == {"CONTACT": [contact]}
    assert portal.invoke("crm.duplicate.findbycomm", {"type": "PHONE", "values": ["+70000000000"]},
                         user_id=1) == []


def test_findbycomm_errors(portal):
    portal.spec_strict = False  # the method's own answers, not the emulator's schema guard
    with pytest.raises(RestError, match="Communication type is not defined"):
        portal.invoke("crm.duplicate.findbycomm", {"values": ["1"]}, user_id=1)
    with pytest.raises(RestError, match="Communication values is not defined"):
        portal.invoke("crm.duplicate.findbycomm", {"type": "PHONE", "values": []}, user_id=1)
    with pytest.raises(RestError):
        portal.invoke("crm.duplicate.findbycomm", {"type": "PHONE",
                                                   "values": [str(i) for i in range(21)]},
                      user_id=1)


def test_findbycomm_stops_after_twenty_hits_of_one_type(portal):
    for _ in range(20):
        portal.invoke("crm.lead.add", {"fields": {"PHONE": [{"VALUE": "+79990000000"}]}},
                      user_id=2)
    portal.invoke("crm.contact.add", {"fields": {"PHONE": [{"VALUE": "+79990000000"}]}},
                  user_id=2)
    found = portal.invoke("crm.duplicate.findbycomm", {"type": "PHONE",
                                                       "values": ["+79990000000"]}, user_id=1)
    assert list(found) == ["LEAD"] and len(found["LEAD"]) == 20


def test_company_crud(portal):
    company = portal.invoke("crm.company.add", {"fields": {"TITLE": "ООО «Вектор»"}}, user_id=2)
    portal.invoke("crm.company.update", {"id": company, "fields": {"REVENUE": 10}}, user_id=2)
    got = portal.invoke("crm.company.get", {"id": company}, user_id=1)
    assert (got["TITLE"], got["REVENUE"], got["COMPANY_TYPE"]) == ("ООО «Вектор»", "10.00",
                                                                   "CUSTOMER")
    listed = portal.invoke("crm.company.list", {"filter": {"%TITLE": "вектор"}}, user_id=1)
    assert listed.total == 1
