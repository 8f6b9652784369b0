"""crm.deal.*: defaults, stage semantics, funnels, stage history, user fields, events (§8.5)."""

from __future__ import annotations

import pytest
from crm_portal import Recorder, open_portal

from sandbox.errors import RestError


@pytest.fixture
def portal():
    with open_portal() as portal:
        yield portal


@pytest.fixture
def events(portal):
    return Recorder(portal)


def add(portal, user=2, **fields):
    return portal.invoke("crm.deal.add", {"fields": fields}, user_id=user)


def get(portal, deal_id):
    return portal.invoke("crm.deal.get", {"id": deal_id}, user_id=1)


def history(portal, **filt):
    page = portal.invoke("crm.stagehistory.list", {"entityTypeId": 2, "filter": filt,
                                                   "order": {"ID": "ASC"}}, user_id=1)
    return page.items["items"]


def test_add_answers_an_id_and_fills_portal_fields(portal, events):
    deal_id = add(portal, TITLE="Поставка", OPPORTUNITY=1500, ASSIGNED_BY_ID=3)
    deal = get(portal, deal_id)
    assert isinstance(deal_id, int)
    assert deal["ID"] == str(deal_id) and deal["OPPORTUNITY"] == "1500.00"
    assert (deal["CATEGORY_ID"], deal["STAGE_ID"], deal["STAGE_SEMANTIC_ID"]) == ("0", "NEW", "P")
    assert (deal["CLOSED"], deal["IS_NEW"], deal["OPENED"], deal["CURRENCY_ID"]) == (
        "N", "Y", "Y", "RUB")
    assert (deal["ASSIGNED_BY_ID"], deal["CREATED_BY_ID"], deal["MOVED_BY_ID"]) == ("3", "2", "2")
    assert deal["DATE_CREATE"] == deal["DATE_MODIFY"] == deal["MOVED_TIME"]
    assert deal["DATE_CREATE"].endswith("+03:00")
    assert [(e.code, e.data, e.user_id) for e in events.events] == [
        ("ONCRMDEALADD", {"FIELDS": {"ID": str(deal_id)}}, 2)]


def test_add_without_title_gets_a_numbered_one(portal):
    deal_id = add(portal)
    assert get(portal, deal_id)["TITLE"] == f"Сделка #{deal_id}"


def test_stage_of_another_funnel_on_add_derives_the_funnel(portal):
    deal = get(portal, add(portal, STAGE_ID="C1:PREPARATION"))
    assert (deal["CATEGORY_ID"], deal["STAGE_ID"]) == ("1", "C1:PREPARATION")
    other = get(portal, add(portal, CATEGORY_ID=1))
    assert other["STAGE_ID"] == "C1:NEW"


def test_update_moves_stage_sets_semantics_and_history(portal, events):
    deal_id = add(portal)
    portal.clock.advance(3600)
    assert portal.invoke("crm.deal.update", {"id": deal_id, "fields": {"STAGE_ID": "EXECUTING"}},
                         user_id=3) is True
    moved = get(portal, deal_id)
    assert (moved["STAGE_SEMANTIC_ID"], moved["IS_NEW"], moved["MOVED_BY_ID"]) == ("P", "N", "3")
    assert moved["MOVED_TIME"] > moved["DATE_CREATE"]
    portal.invoke("crm.deal.update", {"id": deal_id, "fields": {"STAGE_ID": "APOLOGY"}}, user_id=3)
    lost = get(portal, deal_id)
    assert (lost["STAGE_SEMANTIC_ID"], lost["CLOSED"]) == ("F", "Y")
    rows = history(portal, OWNER_ID=deal_id)
    assert [(r["TYPE_ID"], r["STAGE_ID"], r["STAGE_SEMANTIC_ID"]) for r in rows] == [
        (1, "NEW", "P"), (2, "EXECUTING", "P"), (3, "APOLOGY", "F")]
    assert all(isinstance(r["ID"], int) and r["CATEGORY_ID"] == 0 for r in rows)
    assert events.codes() == ["ONCRMDEALADD", "ONCRMDEALUPDATE", "ONCRMDEALUPDATE"]


def test_won_is_success(portal):
    deal_id = add(portal)
    portal.invoke("crm.deal.update", {"id": deal_id, "fields": {"STAGE_ID": "WON"}}, user_id=3)
    assert (get(portal, deal_id)["STAGE_SEMANTIC_ID"], history(portal)[-1]["TYPE_ID"]) == ("S", 3)


def test_update_cannot_change_category_and_ignores_unknown_fields(portal):
    deal_id = add(portal)
    portal.invoke("crm.deal.update", {"id": deal_id, "fields": {
        "CATEGORY_ID": 1, "NO_SUCH": "x", "DATE_CREATE": "2020-01-01", "TITLE": "ok"}}, user_id=3)
    deal = get(portal, deal_id)
    assert (deal["CATEGORY_ID"], deal["TITLE"]) == ("0", "ok")
    assert deal["DATE_CREATE"].startswith("2026-03-10")
    assert "NO_SUCH" not in deal


def test_update_to_a_stage_of_another_funnel_fails(portal):
    deal_id = add(portal)
    with pytest.raises(RestError):
        portal.invoke("crm.deal.update", {"id": deal_id, "fields": {"STAGE_ID": "C1:WON"}},
                      user_id=3)
    assert get(portal, deal_id)["STAGE_ID"] == "NEW"


def test_update_without_change_still_fires_update(portal, events):
    """Nothing in the docs suppresses it (§3.4); only crm.item.update skips no-op saves."""
    deal_id = add(portal, TITLE="same")
    events.clear()
    portal.invoke("crm.deal.update", {"id": deal_id, "fields": {"TITLE": "same"}}, user_id=1)
    assert events.codes() == ["ONCRMDEALUPDATE"]
    assert history(portal, OWNER_ID=deal_id)[-1]["TYPE_ID"] == 1  # no stage move recorded


def test_uppercase_parameter_names_work(portal):
    deal_id = add(portal)
    portal.invoke("crm.deal.update", {"ID": deal_id, "FIELDS": {"TITLE": "Upper"}}, user_id=1)
    assert get(portal, deal_id)["TITLE"] == "Upper"


def test_get_errors_use_an_empty_code(portal):
    with pytest.raises(RestError) as missing:
        get(portal, 999)
    assert (missing.value.code, missing.value.description) == ("", "Not found")
    with pytest.raises(RestError) as bad:
        get(portal, "abc")
    assert bad.value.description == "ID is not defined or invalid."


def test_contacts_are_write_only_and_read_through_items(portal):
    deal_id = add(portal, CONTACT_IDS=[5, 7])
    deal = get(portal, deal_id)
    assert deal["CONTACT_ID"] == "5" and "CONTACT_IDS" not in deal
    items = portal.invoke("crm.deal.contact.items.get", {"id": deal_id}, user_id=1)
    assert [(i["CONTACT_ID"], i["IS_PRIMARY"]) for i in items] == [(5, "Y"), (7, "N")]


def test_userfield_add_prefixes_and_the_field_exists_on_deals(portal):
    deal_id = add(portal)
    uf_id = portal.invoke("crm.deal.userfield.add", {"fields": {
        "USER_TYPE_ID": "string", "FIELD_NAME": "manager_note", "LABEL": "Заметка"}}, user_id=1)
    assert isinstance(uf_id, int)
    assert get(portal, deal_id)["UF_CRM_MANAGER_NOTE"] is None
    portal.invoke("crm.deal.update", {"id": deal_id, "fields": {"UF_CRM_MANAGER_NOTE": "hi"}},
                  user_id=1)
    listed = portal.invoke("crm.deal.list", {"filter": {"UF_CRM_MANAGER_NOTE": "hi"}}, user_id=1)
    assert [d["ID"] for d in listed.items] == [str(deal_id)]
    fields = portal.invoke("crm.deal.fields", {}, user_id=1)
    assert fields["UF_CRM_MANAGER_NOTE"]["type"] == "string"
    assert fields["STAGE_SEMANTIC_ID"]["isReadOnly"] is True
    defs = portal.invoke("crm.deal.userfield.list",
                         {"filter": {"FIELD_NAME": "UF_CRM_MANAGER_NOTE"}}, user_id=1)
    assert defs[0]["ID"] == str(uf_id) and defs[0]["EDIT_FORM_LABEL"] == "Заметка"
    with pytest.raises(RestError) as dup:
        portal.invoke("crm.deal.userfield.add", {"fields": {
            "USER_TYPE_ID": "string", "FIELD_NAME": "MANAGER_NOTE"}}, user_id=1)
    assert dup.value.code == "ERROR_CORE"


def test_list_defaults_pages_and_filters(portal):
    for n in range(55):
        add(portal, TITLE=f"D{n}", ASSIGNED_BY_ID=2 + n % 2)
    page = portal.invoke("crm.deal.list", {"filter": {"ASSIGNED_BY_ID": 2}}, user_id=1)
    assert (page.total, page.next, len(page.items)) == (28, None, 28)
    everything = portal.invoke("crm.deal.list", {}, user_id=1)
    assert (everything.total, everything.next) == (55, 50)


def test_delete_fires_delete(portal, events):
    deal_id = add(portal)
    assert portal.invoke("crm.deal.delete", {"id": deal_id}, user_id=1) is True
    assert events.codes()[-1] == "ONCRMDEALDELETE"
    with pytest.raises(RestError):
        get(portal, deal_id)


@pytest.mark.parametrize("entity", ["deal", "lead", "contact", "company"])
def test_a_new_card_has_its_creation_as_last_activity(portal, entity):
    """crm.deal.get doc example: LAST_ACTIVITY_TIME == DATE_CREATE, LAST_ACTIVITY_BY the author."""
    new_id = portal.invoke(f"crm.{entity}.add", {"fields": {"TITLE": "Т", "NAME": "Т"}},
                           user_id=3)
    card = portal.invoke(f"crm.{entity}.get", {"id": new_id}, user_id=3)
    assert card["LAST_ACTIVITY_TIME"] == card["DATE_CREATE"] and card["LAST_ACTIVITY_BY"] == "3"
