"""searchCrmEntities tells whether the responsible is at work (ASSIGNED_BY.TIMEMAN_STATUS, §9.2)."""

from __future__ import annotations

import pytest
from crm_portal import open_portal

from sandbox.methods.telephony import set_timeman


def search(portal, phone: str) -> list[dict]:
    return portal.invoke("telephony.externalCall.searchCrmEntities", {"PHONE_NUMBER": phone},
                         user_id=1, app_context=True)


def test_the_responsibles_work_day_shows_in_the_search() -> None:
    with open_portal() as portal:
        portal.invoke("crm.contact.add", {"fields": {
            "NAME": "Клиент", "ASSIGNED_BY_ID": 2, "PHONE": [{"VALUE": "+7 912 345-67-89"}]}},
            user_id=2)
        assert search(portal, "79123456789")[0]["ASSIGNED_BY"]["TIMEMAN_STATUS"] == "OPENED"
        set_timeman(portal, 2, "CLOSED")
        assert search(portal, "79123456789")[0]["ASSIGNED_BY"]["TIMEMAN_STATUS"] == "CLOSED"
        listed = portal.invoke("user.get", {"FILTER": {"ID": 2}}, user_id=1)
        assert "_TIMEMAN" not in listed.items[0]  # user.get has no work-time field (§10)
        with pytest.raises(ValueError):
            set_timeman(portal, 2, "AT_LUNCH")
