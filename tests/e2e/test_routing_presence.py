"""The presence job over real HTTP against the emulated portal: the absence chart and the work
day in one batch, and the online flag where the portal has no time tracking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.routing import config
from jobs.runner import routing_presence, sync_all
from sandbox.methods.timeman import add_absence, close_day, set_online, without_timeman
from store import portals
from store.routing_models import RoutingPresence


def prepare(portal, live_app) -> int:
    live_app.drain(portal)
    sync_all(live_app.app)
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        config.save(s, pid, config.RoutingConfig(
            sales_department_ids=[portal.meta["departments"]["sales"]],
            work_days=list(range(7)), work_start="00:00", work_end="00:00"),
            user_id=portal.meta["owner"], now=datetime.now(UTC))
        s.commit()
    return pid


def rows(live_app, pid: int) -> dict[int, tuple]:
    with live_app.sessions() as s:
        return {r.b24_user_id: (r.reason, r.source)
                for r in s.query(RoutingPresence).filter_by(portal_id=pid)}


def test_the_job_reads_the_chart_and_the_day_in_one_batch(installed, live_app) -> None:
    portal = installed
    pid = prepare(portal, live_app)
    m = portal.meta["managers"]
    now = portal.clock.now()
    add_absence(portal, m[0], now.date(), now.date() + timedelta(days=1))
    close_day(portal, m[1], now)
    before = len(portal.calls_to("batch")), len(portal.calls_to("user.get"))
    assert routing_presence(live_app.app)[portal.member_id] == 2
    seen = rows(live_app, pid)
    assert seen[m[0]] == ("absent", "absence") and seen[m[1]] == ("day_closed", "timeman")
    assert seen[m[2]] == (None, "") and portal.meta["head"] in seen
    assert portal.meta["exchange"] not in seen  # never rung, never asked about
    after = len(portal.calls_to("batch")), len(portal.calls_to("user.get"))
    assert after == (before[0] + 1, before[1])  # one batch, no online fallback needed


def test_without_time_tracking_the_online_flag_decides(installed, live_app) -> None:
    portal = installed
    pid = prepare(portal, live_app)
    m = portal.meta["managers"]
    without_timeman(portal)
    for user in m:
        set_online(portal, user, user != m[4])
    set_online(portal, portal.meta["head"], True)
    routing_presence(live_app.app)
    seen = rows(live_app, pid)
    assert seen[m[4]] == ("offline", "online")
    assert all(seen[u] == (None, "") for u in m if u != m[4])
