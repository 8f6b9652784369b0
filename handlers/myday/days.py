"""Handed in, absent or a day off: the owner's view of «Мой день», and the streaks.

Only working days count (the lead rules' calendar): a weekend or a holiday is neither
"absent" nor a break in a streak. Today is "pending" until it is handed in: the day is not
over, so it neither counts nor breaks. Pure functions: the tests walk weekends and holidays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

HANDED, ABSENT, OFF, PENDING, FUTURE = "handed", "absent", "off", "pending", "future"
LOOKBACK = 366  # a streak is counted over at most a year


def state(day: date, handed: set[date], works_on: Callable[[date], bool], today: date) -> str:
    if day > today:
        return FUTURE
    if day in handed:
        return HANDED  # a report handed in on a day off still shows
    if not works_on(day):
        return OFF
    return PENDING if day == today else ABSENT


def states(days: Iterable[date], handed: set[date], works_on: Callable[[date], bool],
           today: date) -> dict[date, str]:
    return {d: state(d, handed, works_on, today) for d in days}


def streak(handed: set[date], works_on: Callable[[date], bool], as_of: date,
           today: date) -> int:
    """Working days in a row handed in, ending at `as_of` (days off skipped, today pending)."""
    n, day = 0, min(as_of, today)
    for _ in range(LOOKBACK):
        found = state(day, handed, works_on, today)
        if found == HANDED:
            n += 1 if works_on(day) else 0
        elif found == ABSENT:
            break
        day -= timedelta(days=1)
    return n
