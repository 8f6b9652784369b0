"""crm.lead.userfield.* as the lead rules use it (§8.8, EN:api-reference/crm/leads/
user-defined-fields/crm-lead-userfield-add.md): the app's own junk reason field."""

from __future__ import annotations

import pytest
from crm_portal import open_portal

from sandbox.errors import RestError


@pytest.fixture
def portal():
    with open_portal() as portal:
        yield portal


def test_lead_user_field_is_created_once_and_lives_on_every_lead(portal):
    lead_id = portal.invoke("crm.lead.add", {"fields": {"NAME": "Анна"}}, user_id=2)
    field = {"FIELD_NAME": "JUNK_REASON", "USER_TYPE_ID": "string",
             "EDIT_FORM_LABEL": {"ru": "Причина отказа", "en": "Rejection reason"}}
    assert isinstance(portal.invoke("crm.lead.userfield.add", {"fields": field}, user_id=1), int)
    found = portal.invoke("crm.lead.userfield.list",
                          {"filter": {"FIELD_NAME": "UF_CRM_JUNK_REASON"}}, user_id=1)
    assert [f["FIELD_NAME"] for f in found] == ["UF_CRM_JUNK_REASON"]
    assert found[0]["EDIT_FORM_LABEL"] == "Причина отказа"
    assert portal.invoke("crm.lead.get", {"id": lead_id}, user_id=1)["UF_CRM_JUNK_REASON"] is None
    portal.invoke("crm.lead.update", {"id": lead_id, "fields": {
        "STATUS_ID": "JUNK", "UF_CRM_JUNK_REASON": "Дубль"}}, user_id=2)
    assert portal.invoke("crm.lead.get", {"id": lead_id},
                         user_id=1)["UF_CRM_JUNK_REASON"] == "Дубль"
    with pytest.raises(RestError) as err:
        portal.invoke("crm.lead.userfield.add", {"fields": field}, user_id=1)
    assert err.value.code == "ERROR_CORE"
    assert portal.invoke("crm.deal.userfield.list", {"filter": {}}, user_id=1) == []
