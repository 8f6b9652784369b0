"""crm.item.*: camelCase view of classic entities, no-op updates, funnel moves (§8.4, §8.10)."""

from __future__ import annotations

import pytest
from crm_portal import Recorder, open_portal

from sandbox.errors import RestError


@pytest.fixture
def portal():
    with open_portal() as portal:
        yield portal


def item(portal, method, **params):
    return portal.invoke(f"crm.item.{method}", params, user_id=2)


def test_lead_conversion_recipe(portal):
    """No conversion in REST: contact + deal with leadId, then the lead to CONVERTED (§8.4)."""
    lead = portal.invoke("crm.lead.add", {"fields": {"NAME": "Анна"}}, user_id=2)
    events = Recorder(portal)
    contact = item(portal, "add", entityTypeId=3, fields={
        "name": "Анна", "leadId": lead,
        "fm": {"n0": {"typeId": "PHONE", "valueType": "WORK", "value": "+79120000001"}}})["item"]
    assert contact["leadId"] == lead and contact["fm"][0]["value"] == "+79120000001"
    deal = item(portal, "add", entityTypeId=2, fields={
        "title": "Из лида", "contactIds": [contact["id"]], "leadId": lead, "categoryId": 0,
        "stageId": "PREPARATION", "assignedById": 3, "opportunity": 1000})["item"]
    assert (deal["leadId"], deal["contactIds"], deal["stageId"], deal["assignedById"]) == (
        lead, [contact["id"]], "PREPARATION", 3)
    assert isinstance(deal["id"], int) and deal["opportunity"] == 1000.0
    assert deal["createdBy"] == 2 and deal["stageSemanticId"] == "P"
    item(portal, "update", entityTypeId=1, id=lead, fields={"stageId": "CONVERTED"})
    got = item(portal, "get", entityTypeId=1, id=lead)["item"]
    assert (got["stageId"], got["stageSemanticId"]) == ("CONVERTED", "S")
    assert events.codes() == ["ONCRMCONTACTADD", "ONCRMDEALADD", "ONCRMLEADUPDATE"]


def test_update_without_change_saves_nothing(portal):
    deal = item(portal, "add", entityTypeId=2, fields={"title": "Same"})["item"]
    events = Recorder(portal)
    item(portal, "update", entityTypeId=2, id=deal["id"], fields={"title": "Same"})
    assert events.codes() == []
    item(portal, "update", entityTypeId=2, id=deal["id"], fields={"title": "Other"})
    assert events.codes() == ["ONCRMDEALUPDATE"]


def test_category_change_moves_the_deal_and_fires_only_move_to_category(portal):
    deal = item(portal, "add", entityTypeId=2, fields={"title": "Funnel",
                                                      "stageId": "EXECUTING"})["item"]
    events = Recorder(portal)
    moved = item(portal, "update", entityTypeId=2, id=deal["id"], fields={"categoryId": 1})
    assert (moved["item"]["categoryId"], moved["item"]["stageId"]) == (1, "C1:NEW")
    assert [(e.code, e.data) for e in events.events] == [
        ("ONCRMDEALMOVETOCATEGORY", {"FIELDS": {"ID": str(deal["id"]), "CATEGORY_ID": "1",
                                                "STAGE_ID": "C1:NEW"}})]
    rows = portal.invoke("crm.stagehistory.list", {"entityTypeId": 2,
                                                   "filter": {"OWNER_ID": deal["id"]}},
                         user_id=1).items["items"]
    assert rows[-1]["TYPE_ID"] == 5 and rows[-1]["CATEGORY_ID"] == 1


def test_list_filters_orders_and_selects_in_camel_case(portal):
    for n in range(3):
        item(portal, "add", entityTypeId=2, fields={"title": f"D{n}", "opportunity": n * 100,
                                                   "assignedById": 2 + n})
    page = item(portal, "list", entityTypeId=2, filter={">=opportunity": 100},
                order={"id": "DESC"}, select=["id", "title"])
    assert page.items == {"items": [{"id": 3, "title": "D2"}, {"id": 2, "title": "D1"}]}
    assert page.total == 2
    leads = item(portal, "list", entityTypeId=1, filter={"@stageId": ["NEW"]})
    assert leads.total == 0


def test_user_fields_get_camel_names_unless_original(portal):
    portal.invoke("crm.deal.userfield.add", {"fields": {"USER_TYPE_ID": "string",
                                                        "FIELD_NAME": "1639669411830"}},
                  user_id=1)
    deal = item(portal, "add", entityTypeId=2, fields={"ufCrm_1639669411830": "x"})["item"]
    assert deal["ufCrm_1639669411830"] == "x"
    raw = item(portal, "get", entityTypeId=2, id=deal["id"], useOriginalUfNames="Y")["item"]
    assert raw["UF_CRM_1639669411830"] == "x"


def test_unknown_item(portal):
    with pytest.raises(RestError) as missing:
        item(portal, "get", entityTypeId=2, id=404)
    assert missing.value.code == "NOT_FOUND"
