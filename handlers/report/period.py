"""Report periods in the portal's time zone: a day, a week, a month, or custom dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Europe/Moscow"
# Any real report lies here; the margins leave room for previous() and the next midnight.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    start: date  # inclusive
    end: date  # inclusive
    tz: str = DEFAULT_TZ

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), ZoneInfo(self.tz)).astimezone(UTC)

    @property
    def until(self) -> datetime:
        """Exclusive upper bound (the next midnight)."""
        return datetime.combine(self.end + timedelta(days=1), time(),
                                ZoneInfo(self.tz)).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The same length right before: for trends ("LCR 25% vs 18% last week")."""
        length = timedelta(days=self.days)
        return Period(self.start - length, self.end - length, self.tz)

    @classmethod
    def of(cls, kind: str, day: date, tz: str = DEFAULT_TZ) -> Period:
        """The day/week/month around `day`, which is first brought into FIRST_DAY..LAST_DAY:
        a typed-in 9999-12-31 or 0001-01-01 would overflow `date` at the next/previous day."""
        day = min(max(day, FIRST_DAY), LAST_DAY)
        if kind == "week":
            start = day - timedelta(days=day.weekday())
            return cls(start, start + timedelta(days=6), tz)
        if kind == "month":
            start = day.replace(day=1)
            nxt = (start + timedelta(days=32)).replace(day=1)
            return cls(start, nxt - timedelta(days=1), tz)
        return cls(day, day, tz)
