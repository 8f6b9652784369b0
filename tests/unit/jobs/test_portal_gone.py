"""A portal that refuses us for good is marked by the periodic jobs too, not only by the inbox."""

from __future__ import annotations

import pytest

from b24.errors import PortalGone
from jobs import runner
from store import portals
from tests.factories import make_portal


def _refuse(*args, **kwargs):
    raise PortalGone("PAYMENT_REQUIRED", "Payment required", 402)


@pytest.mark.parametrize("run", [
    lambda app, mp: (mp.setattr(runner, "sync_portal", _refuse), runner.sync_all(app)),
    lambda app, mp: runner.for_each_portal(app, _refuse),
], ids=["sync_all", "for_each_portal"])
def test_job_marks_refusing_portal_gone(app, session, monkeypatch, run) -> None:
    portal = make_portal(session)
    session.commit()
    run(app, monkeypatch)
    session.expire_all()
    row = portals.find(session, portal.member_id)
    assert row.status == "gone" and "PAYMENT_REQUIRED" in row.last_error
    assert list(portals.active(session)) == []  # no job picks it up again


def test_job_keeps_an_uninstalled_portal_uninstalled(app, session) -> None:
    portal = make_portal(session)
    portal.status = "uninstalled"
    session.commit()
    runner.mark_gone(app.extensions["db_sessions"], portal.id, PortalGone("X", "y", 402))
    session.expire_all()
    assert portals.find(session, portal.member_id).status == "uninstalled"
