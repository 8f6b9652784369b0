"""Streaks and absences on the working calendar: weekends and holidays neither count as
"absent" nor break a streak; today is pending until it is handed in."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

from handlers.lead_rules.workclock import WorkClock
from handlers.myday import days

# Fixed dates (no clock): Thu 2026-12-03 ... Wed 2026-12-09; Tue 12-08 is made a holiday.
THU, FRI, SAT, SUN, MON, TUE, WED = (date(2026, 12, d) for d in range(3, 10))
CLOCK = WorkClock(ZoneInfo("Europe/Moscow"), frozenset(range(5)), time(9), time(18),
                  frozenset({TUE}))


def test_a_weekend_does_not_break_a_streak() -> None:
    handed = {THU, FRI, MON}
    assert days.streak(handed, CLOCK.works_on, MON, today=WED) == 3
    assert days.states([FRI, SAT, SUN, MON], handed, CLOCK.works_on, today=WED) == {
        FRI: "handed", SAT: "off", SUN: "off", MON: "handed"}


def test_a_holiday_is_not_absent_and_does_not_break_a_streak() -> None:
    handed = {FRI, MON, WED}
    assert days.state(TUE, handed, CLOCK.works_on, today=WED) == "off"
    assert days.streak(handed, CLOCK.works_on, WED, today=WED) == 3


def test_a_missed_working_day_is_absent_and_breaks() -> None:
    handed = {THU, MON}  # Friday missed
    assert days.state(FRI, handed, CLOCK.works_on, today=WED) == "absent"
    assert days.streak(handed, CLOCK.works_on, MON, today=WED) == 1
    assert days.streak(handed, CLOCK.works_on, WED, today=WED) == 1  # Wed pending, Tue off


def test_today_is_pending_not_absent() -> None:
    handed = {FRI}
    assert days.state(MON, handed, CLOCK.works_on, today=MON) == "pending"
    assert days.streak(handed, CLOCK.works_on, MON, today=MON) == 1
    assert days.streak(handed | {MON}, CLOCK.works_on, MON, today=MON) == 2


def test_a_report_on_a_day_off_shows_but_does_not_lengthen() -> None:
    handed = {FRI, SAT, MON}
    assert days.state(SAT, handed, CLOCK.works_on, today=MON) == "handed"
    assert days.streak(handed, CLOCK.works_on, MON, today=MON) == 2


def test_future_days() -> None:
    assert days.state(WED, set(), CLOCK.works_on, today=MON) == "future"
