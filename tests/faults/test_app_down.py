"""The app down for an hour while the portal keeps changing: the portal drops every event it
cannot deliver (no retries), so only the sync job can bring the hour back."""

from __future__ import annotations

from datetime import timedelta

from jobs import runner
from tests.faults.harness import Day, assert_same, play

FAULT_AT = 4
DOWN = timedelta(hours=1)


def test_app_down_for_an_hour_is_caught_up_by_sync(new_day, baseline) -> None:
    seen = {"dropped": 0}

    def go_down(day: Day) -> None:
        day.cloud.wait_idle(30)
        day.catch_up()  # what was delivered before the crash is in the inbox: handled later
        day.paused, day.portal.handler_down = True, True
        seen["until"] = day.portal.clock.now() + DOWN
        seen["from"] = len(day.portal.deliveries)

    def come_back(day: Day) -> None:
        if not day.paused or day.portal.clock.now() < seen["until"]:
            return
        day.cloud.wait_idle(30)
        seen["dropped"] = sum(not d.ok for d in day.portal.deliveries[seen["from"]:])
        day.paused, day.portal.handler_down = False, False
        runner.sync_all(day.app)  # on start the scheduler runs sync_all at once
        runner.telephony_missed(day.app)
        day.catch_up()

    with new_day() as day:
        day.fault_at, day.fault, day.after_step = FAULT_AT, go_down, come_back
        got = play(day)
    assert seen["dropped"] > 5, seen
    # The inbox differs by construction: the sync queues events of its own (a call's whole
    # statistics row) and mirrors CRM changes directly, so only the effects are compared.
    assert_same(got, baseline, skip=("events",))
