"""The demo's fixed moment: the whole process (app, worker, portal) runs on one travelling clock.

The demo plays a fixed day, so that its history, its report and its screenshots are the same on
every run and the week and month views fall on real weeks: Friday 27 November 2026 in Moscow,
from 08:00 (the install and the first sync) through the working day to the evening report. The
app reads `datetime.now()` everywhere, the emulated portal reads `Clock.time()`; time_machine
moves both, and the scenario's jumps (`clock.set`, `clock.advance`) move the traveller, so the
app never sees the portal in the future or the past.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sandbox.clock import PORTAL_TZ, Clock

DEMO_DAY = date(2026, 11, 27)  # a Friday: its week is Mon–Fri of real work, its month nearly full
START = time(8)  # before the working day: seed, install and first sync happen now


def start_of(day: date) -> datetime:
    return datetime.combine(day, START, tzinfo=PORTAL_TZ)


class TravelClock(Clock):
    """A Clock whose jumps move the process's time (a time_machine traveller) instead of an
    offset of its own: `time()` is then the patched `time.time()` itself."""

    def __init__(self, traveller: Any) -> None:
        super().__init__(PORTAL_TZ)
        self._traveller = traveller

    def advance(self, seconds: float) -> None:
        self._traveller.shift(timedelta(seconds=seconds))

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("Clock.set needs an aware datetime")
        self._traveller.move_to(moment)
