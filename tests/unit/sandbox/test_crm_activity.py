"""Directories (crm.status, crm.category), activities, to-dos and timeline comments (§8.3, §8.7)."""

from __future__ import annotations

import pytest
from crm_portal import Recorder, open_portal

from sandbox.errors import RestError


@pytest.fixture
def portal():
    with open_portal() as portal:
        yield portal


@pytest.fixture
def deal(portal):
    return portal.invoke("crm.deal.add", {"fields": {"TITLE": "Д"}}, user_id=2)


def test_status_list_filters_and_carries_semantics(portal):
    page = portal.invoke("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE"},
                                             "order": {"SORT": "ASC"}}, user_id=1)
    stages = {r["STATUS_ID"]: r for r in page.items}
    assert page.total == 8 and page.next is None
    assert list(stages)[:2] == ["NEW", "PREPARATION"]
    assert (stages["WON"]["SEMANTICS"], stages["WON"]["EXTRA"]["SEMANTICS"]) == ("S", "success")
    assert stages["APOLOGY"]["EXTRA"]["SEMANTICS"] == "apology"
    assert stages["NEW"]["SEMANTICS"] is None and stages["NEW"]["SORT"] == "10"
    lead_statuses = portal.invoke("crm.status.list", {"filter": {"ENTITY_ID": "STATUS"}},
                                  user_id=1).items
    assert {r["STATUS_ID"]: r["SEMANTICS"] for r in lead_statuses}["UC_BADPHONE"] == "F"
    sources = portal.invoke("crm.status.list", {"filter": {"ENTITY_ID": "SOURCE"}}, user_id=1)
    assert "EXTRA" not in sources.items[0]


def test_entity_items_and_funnels(portal):
    items = portal.invoke("crm.status.entity.items", {"entityId": "DEAL_STAGE_1"}, user_id=1)
    assert items[0] == {"NAME": "Новая", "SORT": 10, "STATUS_ID": "C1:NEW"}
    cats = portal.invoke("crm.category.list", {"entityTypeId": 2}, user_id=1)
    assert [(c["id"], c["name"], c["isDefault"]) for c in cats.items["categories"]] == [
        (0, "Продажи", "Y"), (1, "Повторные продажи", "N")]
    assert cats.total == 2
    one = portal.invoke("crm.category.get", {"entityTypeId": 2, "id": 1}, user_id=1)
    assert one["category"]["name"] == "Повторные продажи"
    stages = portal.invoke("crm.dealcategory.stage.list", {"id": 1}, user_id=1)
    assert stages[-1]["STATUS_ID"] == "C1:LOSE"


def test_new_funnel_gets_default_stages(portal):
    made = portal.invoke("crm.category.add", {"entityTypeId": 2, "fields": {"name": "Опт"}},
                         user_id=1)["category"]
    deal_id = portal.invoke("crm.deal.add", {"fields": {"CATEGORY_ID": made["id"]}}, user_id=1)
    stage = portal.invoke("crm.deal.get", {"id": deal_id}, user_id=1)["STAGE_ID"]
    assert stage == f"C{made['id']}:NEW"


def test_call_activity_add_get_list(portal, deal):
    events = Recorder(portal)
    activity_id = portal.invoke("crm.activity.add", {"fields": {
        "OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 2, "SUBJECT": "Звонок",
        "RESPONSIBLE_ID": 2, "DIRECTION": 2, "COMPLETED": "Y",
        "COMMUNICATIONS": [{"VALUE": "+79120000001", "ENTITY_ID": deal, "ENTITY_TYPE_ID": 2}]}},
                                  user_id=2)
    got = portal.invoke("crm.activity.get", {"id": activity_id}, user_id=1)
    assert (got["TYPE_ID"], got["PROVIDER_ID"], got["STATUS"], got["DIRECTION"]) == (
        "2", "VOXIMPLANT_CALL", "2", "2")
    assert got["COMMUNICATIONS"][0]["VALUE"] == "+79120000001"
    listed = portal.invoke("crm.activity.list", {"filter": {"OWNER_TYPE_ID": 2, "OWNER_ID": deal},
                                                 "select": ["ID", "SUBJECT"]}, user_id=1)
    assert listed.items == [{"ID": str(activity_id), "SUBJECT": "Звонок"}]
    assert events.of("ONCRMACTIVITYADD")[0].data == {"FIELDS": {"ID": str(activity_id)}}
    owner = portal.invoke("crm.deal.get", {"id": deal}, user_id=1)
    assert owner["LAST_ACTIVITY_BY"] == "2" and owner["LAST_ACTIVITY_TIME"] == got["CREATED"]


@pytest.mark.parametrize(("missing", "text"), [
    ("SUBJECT", "The field SUBJECT is not defined or empty"),
    ("RESPONSIBLE_ID", "The field RESPONSIBLE_ID is not defined or invalid"),
    ("COMMUNICATIONS", "The field COMMUNICATIONS is not defined or invalid")])
def test_activity_add_documented_errors(portal, deal, missing, text):
    fields = {"OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 2, "SUBJECT": "S",
              "RESPONSIBLE_ID": 2, "COMMUNICATIONS": [{"VALUE": "1"}]}
    fields.pop(missing)
    with pytest.raises(RestError, match=text):
        portal.invoke("crm.activity.add", {"fields": fields}, user_id=2)


def test_todo_add(portal, deal):
    made = portal.invoke("crm.activity.todo.add", {
        "ownerTypeId": 2, "ownerId": deal, "deadline": "2026-03-11T15:00:00",
        "title": "Перезвонить", "responsibleId": 3}, user_id=2)
    got = portal.invoke("crm.activity.get", {"id": made["id"]}, user_id=1)
    assert isinstance(made["id"], int)
    assert (got["PROVIDER_ID"], got["DEADLINE"], got["RESPONSIBLE_ID"], got["COMPLETED"]) == (
        "CRM_TODO", "2026-03-11T15:00:00+03:00", "3", "N")
    with pytest.raises(RestError) as missing_owner:
        portal.invoke("crm.activity.todo.add", {"ownerTypeId": 2, "ownerId": 999,
                                                "deadline": "2026-03-11T15:00:00"}, user_id=2)
    assert missing_owner.value.code == "OWNER_NOT_FOUND"
    with pytest.raises(RestError) as bad_date:
        portal.invoke("crm.activity.todo.add", {"ownerTypeId": 2, "ownerId": deal,
                                                "deadline": "завтра"}, user_id=2)
    assert bad_date.value.code == "WRONG_DATETIME_FORMAT"


def test_timeline_comments(portal, deal):
    events = Recorder(portal)
    comment_id = portal.invoke("crm.timeline.comment.add", {"fields": {
        "ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": "не берет трубку"}}, user_id=3)
    page = portal.invoke("crm.timeline.comment.list", {"filter": {
        "ENTITY_ID": deal, "ENTITY_TYPE": "deal"}}, user_id=1)
    assert page.items[0]["COMMENT"] == "не берет трубку" and page.items[0]["AUTHOR_ID"] == "3"
    assert events.of("ONCRMTIMELINECOMMENTADD")[0].data == {"ID": comment_id}
    with pytest.raises(RestError) as empty:
        portal.invoke("crm.timeline.comment.add", {"fields": {
            "ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": " "}}, user_id=3)
    assert empty.value.code == "INVALID_ARG_VALUE"
    with pytest.raises(RestError) as orphan:
        portal.invoke("crm.timeline.comment.add", {"fields": {
            "ENTITY_ID": 999, "ENTITY_TYPE": "deal", "COMMENT": "x"}}, user_id=3)
    assert orphan.value.code == "OWNER_NOT_FOUND"
