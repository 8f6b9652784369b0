"""The SLA clock: deadlines counted in working hours of the portal's time zone.

"2 working hours" for a lead that arrives on Friday at 17:30 in a 09:00–18:00 week means Monday
10:30, not Friday 19:30: the clock stops outside working hours, on days off and on holidays.
Moments go in and come out as aware datetimes (UTC out); the arithmetic is done on the local
wall clock, so a working day is 09:00–18:00 local whatever the offset that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from handlers.lead_rules.config import LeadRulesConfig

MAX_DAYS = 3660  # ten years of calendar: a deadline further away is a configuration error


@dataclass(frozen=True)
class WorkClock:
    zone: tzinfo
    days: frozenset[int]  # weekday numbers, Monday = 0
    start: time
    end: time
    holidays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, cfg: LeadRulesConfig) -> WorkClock:
        """The clock the settings describe."""
        return cls(cfg.zone(), frozenset(cfg.work_days), time.fromisoformat(cfg.work_start),
                   time.fromisoformat(cfg.work_end),
                   frozenset(date.fromisoformat(d) for d in cfg.holidays))

    def works_on(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def _at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.zone)

    def add(self, moment: datetime, hours: float) -> datetime:
        """The moment `hours` of working time after `moment` (0 h: the next working moment)."""
        remaining = timedelta(hours=hours)
        local = moment.astimezone(self.zone)
        day = local.date()
        for _ in range(MAX_DAYS):
            if self.works_on(day):
                begin, closes = max(local, self._at(day, self.start)), self._at(day, self.end)
                if begin < closes or (begin == closes and not remaining):
                    if begin + remaining <= closes:
                        return (begin + remaining).astimezone(UTC)
                    remaining -= closes - begin
            day += timedelta(days=1)
            local = self._at(day, time())
        raise ValueError("no working time in the calendar")

    def between(self, since: datetime, until: datetime) -> timedelta:
        """Working time elapsed from `since` to `until` (zero when until <= since)."""
        total = timedelta()
        if until <= since:
            return total
        lo, hi = since.astimezone(self.zone), until.astimezone(self.zone)
        day = lo.date()
        while day <= hi.date():
            if self.works_on(day):
                start = max(lo, self._at(day, self.start))
                stop = min(hi, self._at(day, self.end))
                if stop > start:
                    total += stop - start
            day += timedelta(days=1)
        return total
