"""The SLA clock: working hours, weekends, holidays and time zones."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from handlers.lead_rules.config import LeadRulesConfig
from handlers.lead_rules.workclock import WorkClock

MSK = ZoneInfo("Europe/Moscow")


def clock(**overrides) -> WorkClock:
    return WorkClock.of(LeadRulesConfig(**overrides))


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def test_friday_evening_lead_is_due_on_monday_morning() -> None:
    # 2026-11-20 is a Friday: 30 minutes left that day, 1 h 30 min on Monday from 09:00.
    due = clock().add(msk(2026, 11, 20, 17, 30), 2)
    assert due == msk(2026, 11, 23, 10, 30)
    assert due.tzinfo == UTC


def test_within_the_day_the_deadline_is_plain_addition() -> None:
    assert clock().add(msk(2026, 11, 18, 10, 0), 2) == msk(2026, 11, 18, 12, 0)


def test_night_and_weekend_arrivals_start_at_the_next_opening() -> None:
    assert clock().add(msk(2026, 11, 18, 22, 15), 2) == msk(2026, 11, 19, 11, 0)
    assert clock().add(msk(2026, 11, 21, 12, 0), 2) == msk(2026, 11, 23, 11, 0)  # Saturday
    assert clock().add(msk(2026, 11, 18, 7, 0), 0) == msk(2026, 11, 18, 9, 0)


def test_exactly_at_closing_time_the_deadline_is_closing_time() -> None:
    assert clock().add(msk(2026, 11, 18, 16, 0), 2) == msk(2026, 11, 18, 18, 0)


def test_long_limits_span_several_working_days() -> None:
    assert clock().add(msk(2026, 11, 19, 9, 0), 27) == msk(2026, 11, 23, 18, 0)


def test_holidays_and_a_six_day_week() -> None:
    c = clock(holidays=["2026-11-23"], work_days=[0, 1, 2, 3, 4, 5])
    assert c.add(msk(2026, 11, 20, 17, 30), 2) == msk(2026, 11, 21, 10, 30)  # Saturday works
    c = clock(holidays=["2026-11-23"])
    assert c.add(msk(2026, 11, 20, 17, 30), 2) == msk(2026, 11, 24, 10, 30)  # Monday off


def test_portal_in_another_time_zone_counts_its_own_working_day() -> None:
    """Yekaterinburg (+05:00): 17:30 there is 15:30 in Moscow, yet its day still ends at 18:00."""
    ekb = ZoneInfo("Asia/Yekaterinburg")
    c = clock(timezone="Asia/Yekaterinburg")
    arrived = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)  # Friday 17:30 in Yekaterinburg
    assert c.add(arrived, 2) == datetime(2026, 11, 23, 10, 30, tzinfo=ekb)
    assert clock().add(arrived, 2) == msk(2026, 11, 20, 17, 30)  # a Moscow portal: same day


def test_a_utc_moment_is_read_in_the_portal_zone() -> None:
    c = clock(timezone="America/New_York")
    # 2026-11-20 22:00 UTC is Friday 17:00 in New York.
    due = c.add(datetime(2026, 11, 20, 22, 0, tzinfo=UTC), 2)
    assert due == datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("America/New_York"))


def test_daylight_saving_change_keeps_the_wall_clock_day() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    c = clock(timezone="Europe/Berlin")  # clocks go back on Sunday 2026-10-25
    due = c.add(datetime(2026, 10, 23, 17, 30, tzinfo=berlin), 2)
    assert due == datetime(2026, 10, 26, 10, 30, tzinfo=berlin)
    assert due.utcoffset() == timedelta(0)


def test_working_time_between_two_moments() -> None:
    c = clock()
    assert c.between(msk(2026, 11, 20, 17, 30), msk(2026, 11, 23, 10, 30)) == timedelta(hours=2)
    assert c.between(msk(2026, 11, 23, 10, 30), msk(2026, 11, 20, 17, 30)) == timedelta()
    assert c.between(msk(2026, 11, 21, 1), msk(2026, 11, 22, 23)) == timedelta()


def test_fixed_offset_zone_works_too() -> None:
    c = WorkClock(timezone(timedelta(hours=3)), frozenset(range(5)),
                  time(9), time(18))
    assert c.add(msk(2026, 11, 20, 17, 30), 2) == msk(2026, 11, 23, 10, 30)


def test_no_working_days_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        WorkClock(MSK, frozenset(), time(9), time(18)).add(msk(2026, 11, 20, 12), 1)
