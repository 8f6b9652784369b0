"""The harness itself: the fault-free day is repeatable, so any difference is the fault's."""

from __future__ import annotations

from tests.faults.harness import assert_same, play


def test_fault_free_day_is_repeatable(new_day, baseline) -> None:
    with new_day() as day:
        again = play(day)
    assert day.checkpoints > 10
    assert again.deals and again.notifications and again.activities and again.journal
    assert again.registrations and again.comments and again.mirror["calls"]
    assert_same(again, baseline)
