"""The emulated timeman.status and im.user.list.get answer as their doc pages say."""

from __future__ import annotations

from datetime import timedelta

import pytest
from crm_portal import open_portal

from sandbox.errors import RestError
from sandbox.methods.timeman import add_absence, close_day, open_day, pause_day, without_timeman


def status(portal, user_id: int) -> dict:
    return portal.invoke("timeman.status", {"USER_ID": user_id}, user_id=1, app_context=True)


def test_the_work_day_moves_through_its_states() -> None:
    with open_portal() as portal:
        assert status(portal, 2)["STATUS"] == "OPENED"  # untouched: at work, as elsewhere
        at = portal.clock.now()
        open_day(portal, 2, at)
        assert status(portal, 2)["TIME_FINISH"] is None and status(portal, 2)["ACTIVE"]
        pause_day(portal, 2, at)
        assert status(portal, 2)["STATUS"] == "PAUSED"
        close_day(portal, 2, at + timedelta(hours=1))
        closed = status(portal, 2)
        assert closed["STATUS"] == "CLOSED" and closed["TIME_FINISH"] is not None
        open_day(portal, 3, at - timedelta(days=1))
        assert status(portal, 3)["STATUS"] == "EXPIRED"  # yesterday's day, never closed
        without_timeman(portal)
        with pytest.raises(RestError) as refused:
            status(portal, 2)
        assert refused.value.code == "ERROR_METHOD_NOT_FOUND"


def test_the_absence_chart_shows_as_absent_until() -> None:
    with open_portal() as portal:
        today = portal.clock.now().date()
        add_absence(portal, 2, today - timedelta(days=1), today + timedelta(days=2))
        add_absence(portal, 3, today + timedelta(days=5), today + timedelta(days=9))
        users = portal.invoke("im.user.list.get", {"ID": [2, 3, 999]}, user_id=1,
                              app_context=True)
        assert users["2"]["absent"].startswith(str(today + timedelta(days=2)))
        assert users["3"]["absent"] is False and users["999"] is None
