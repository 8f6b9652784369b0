"""The emulated cloud's clock: real time plus an offset that tests move forward instead of sleeping.

Every time-dependent rule of the emulator (token lifetime, the leaky bucket, `ts` of events,
`time` blocks, DATE_MODIFY of entities) reads this clock, so advancing it by 3600 s expires
tokens without waiting. Datetimes are in the portal time zone: Bitrix24 stores and returns
`datetime` values in the server/portal zone, not the user's (EN:api-reference/data-types.md).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

# Europe/Moscow has been a fixed +03:00 since 2014, so a fixed offset is exact and needs no tzdata.
PORTAL_TZ = timezone(timedelta(hours=3), "MSK")


class Clock:
    """Real time shifted by `offset` seconds; shared by a Cloud and all its portals."""

    def __init__(self, tz: timezone = PORTAL_TZ, offset: float = 0.0) -> None:
        self.tz = tz
        self._offset = offset
        self._lock = threading.Lock()

    def time(self) -> float:
        """Unix time as the emulated portal sees it."""
        return time.time() + self._offset

    def now(self) -> datetime:
        """Aware datetime in the portal time zone."""
        return datetime.fromtimestamp(self.time(), self.tz)

    def advance(self, seconds: float) -> None:
        """Move the clock forward (tests use this instead of sleeping)."""
        with self._lock:
            self._offset += seconds

    def set(self, moment: datetime) -> None:
        """Jump to an absolute moment; the clock keeps running from there."""
        if moment.tzinfo is None:
            raise ValueError("Clock.set needs an aware datetime")
        with self._lock:
            self._offset = moment.timestamp() - time.time()

    def iso(self, moment: float | None = None) -> str:
        """`YYYY-MM-DDThh:mm:ss+03:00`, the wire format of Bitrix datetimes."""
        value = self.time() if moment is None else moment
        return datetime.fromtimestamp(int(value), self.tz).isoformat()
