"""The owner's report: per day, who handed «Мой день» in and who did not, with streaks.

«Не сдал = отсутствовал» on working days only: the lead rules' calendar decides what a
working day is, so a weekend or a holiday shows as a day off and never breaks a streak.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from handlers.myday import config, days
from handlers.report.period import Period
from store import myday

MAX_DAYS = 31  # the grid shows at most a month (a longer period: its last 31 days)


@dataclass(frozen=True)
class PersonDays:
    user_id: int
    states: dict[date, str]
    handed: int  # working days handed in, in the period
    absent: int
    streak: int  # as of the period's last day


@dataclass(frozen=True)
class MydaySection:
    days: list[date]
    people: list[PersonDays]

    @property
    def shown(self) -> bool:
        """Nothing to say about a period that has not begun (every day still ahead)."""
        return bool(self.people) and any(s != days.FUTURE for p in self.people
                                         for s in p.states.values())

    def on(self, day: date) -> tuple[int, int] | None:
        """(handed in, expected) on a working day that has come; None otherwise."""
        found = [p.states.get(day) for p in self.people]
        if not found or any(s in (days.OFF, days.FUTURE, None) for s in found):
            return None
        return sum(1 for s in found if s == days.HANDED), len(found)


def section(session: Session, portal_id: int, period: Period, now: datetime) -> MydaySection:
    clock = config.clock(session, portal_id)
    today = now.astimezone(clock.zone).date()
    first = max(period.start, period.end - timedelta(days=MAX_DAYS - 1))
    shown = [first + timedelta(days=i) for i in range((period.end - first).days + 1)]
    handed = myday.handed(session, portal_id, period.end - timedelta(days=days.LOOKBACK),
                          period.end)
    people = []
    for uid in config.employees(session, portal_id):
        mine = handed.get(uid, set())
        found = days.states(shown, mine, clock.works_on, today)
        people.append(PersonDays(
            uid, found, sum(1 for d, s in found.items() if s == days.HANDED
                            and clock.works_on(d)),
            sum(1 for s in found.values() if s == days.ABSENT),
            days.streak(mine, clock.works_on, period.end, today)))
    return MydaySection(shown, people)
