"""Finding 4, the GETs: an admin's settings pages ask the portal again, as admin POSTs do.

The session's admin flag is as old as the page open (up to an hour); an admin demoted in the
portal since then sees no settings page once user.admin's cached answer (<= 1 min) is over.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.abuse.conftest import session_token
from tests.abuse.test_rights import USER_ADMIN, admin_session, portal_says_admin

PAGES = ("/app/settings", "/app/audits/settings", "/app/calls/settings", "/app/calls/targets")


@pytest.mark.parametrize("page", PAGES)
def test_demoted_admin_gets_403_on_a_settings_page(client, app, tenants, rsps, probe,
                                                   frozen_now, page) -> None:
    a, _ = tenants
    portal_says_admin(rsps, set())
    token = admin_session(app, a, "demoted-admin-auth")
    assert client.get(page, query_string={"s": token}).status_code == 200  # just opened
    assert not any(USER_ADMIN in c.request.url for c in rsps.calls)  # the open's answer
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61), tick=False):
        probe.start()
        response = client.get(page, query_string={"s": token})
        probe.check(response)
        assert response.status_code == 403
        assert any(USER_ADMIN in c.request.url for c in rsps.calls)


def test_admin_still_admin_sees_settings_asked_once_a_minute(client, app, tenants, rsps,
                                                             frozen_now) -> None:
    a, _ = tenants
    portal_says_admin(rsps, {"real-admin-auth"})
    token = admin_session(app, a, "real-admin-auth")
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61), tick=False):
        for page in PAGES:
            assert client.get(page, query_string={"s": token}).status_code == 200, page
        assert sum(USER_ADMIN in c.request.url for c in rsps.calls) == 1  # then cached


def test_settings_page_without_the_viewers_token_fails_closed(client, app, tenants, rsps,
                                                              frozen_now) -> None:
    a, _ = tenants
    token = session_token(app, a)  # admin flag, no AUTH_ID to ask with
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61), tick=False):
        assert client.get("/app/settings", query_string={"s": token}).status_code == 403
