"""Who is at work right now: the absence chart, the work day and, failing those, the online flag.

Three Bitrix24 sources, read by a background job (handlers.routing.presence_fetch), never by
the PBX's request:
- the absence chart: `im.user.list.get` answers `absent` — the date the user's absence lasts
  until, or false (bitrix-tools/b24-rest-docs api-reference/chats/users/im-user-list-get.md);
- the work day: `timeman.status` (scope timeman) — OPENED, PAUSED, CLOSED or EXPIRED
  (bitrix-tools/b24-rest-docs api-reference/timeman/base/timeman-status.md);
- `user.get`'s IS_ONLINE as the fallback where the portal has no work-time tracking (the
  method or the scope refused): "had the portal open in the last minutes" — weak, but better
  than ringing a desk nobody sits at (EN:api-reference/user/user-get.md).
The job keeps one row per person (store.presence); the routing snapshot reads them every few
seconds into a PresenceBook. No row, or a row older than MAX_AGE (the job stopped), means
"present": ringing a desk for 10 s costs less than never ringing the one person who is there.
Out of working hours presence is not consulted at all (plan.py: the whole group rings).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

MAX_AGE = timedelta(minutes=10)  # rows older than this are ignored: the job is not running
REASONS = ("absent", "day_closed", "day_not_started", "paused", "offline")

Availability = Callable[[int], bool]


@dataclass(frozen=True)
class Away:
    """Why someone is not rung; `until` is the last day of an absence."""

    reason: str
    until: date | None = None
    source: str = ""  # absence | timeman | online


@dataclass(frozen=True)
class PresenceBook:
    """The people known to be away, as the job last saw them (everyone else is present)."""

    away_by_user: Mapping[int, Away] = field(default_factory=dict)

    def away(self, user_id: int) -> Away | None:
        """Why this person is away now, or None: ring them."""
        return self.away_by_user.get(user_id)


EMPTY = PresenceBook()


def everyone(_user_id: int) -> bool:
    """No presence source: an active employee is assumed to be at work."""
    return True


def absent(user_ids: set[int]) -> Availability:
    """A fixed set of absent people (tests, and the shape a real source would take)."""
    return lambda user_id: user_id not in user_ids


def parse_atom(value: Any) -> datetime | None:
    """An ATOM date ("2026-12-10T00:00:00+03:00") or None for false, "" and junk."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def absence_until(value: Any, now: datetime, tz: tzinfo) -> date | None:
    """im.user.list.get's `absent`: the last day of an absence that covers today, or None."""
    until = parse_atom(value)
    if until is None:
        return None
    last = until.astimezone(tz).date() if until.tzinfo else until.date()
    return last if last >= now.astimezone(tz).date() else None


def from_timeman(status: Mapping[str, Any], now: datetime, tz: tzinfo) -> Away | None:
    """timeman.status -> away or not. CLOSED today means the day is over; CLOSED from an
    earlier day and EXPIRED (yesterday's day never closed) mean today's has not begun."""
    state = str(status.get("STATUS") or "").upper()
    if state == "OPENED":
        return None
    if state == "PAUSED":
        return Away("paused", source="timeman")
    start = parse_atom(status.get("TIME_START"))
    today = now.astimezone(tz).date()
    if state == "CLOSED" and start is not None and start.astimezone(tz).date() == today:
        return Away("day_closed", source="timeman")
    return Away("day_not_started", source="timeman")


def judge(*, absent_until: date | None, timeman: Mapping[str, Any] | None,
          online: bool | None, now: datetime, tz: tzinfo) -> Away | None:
    """One person's verdict: the absence chart first, then the work day, then online."""
    if absent_until is not None:
        return Away("absent", absent_until, "absence")
    if timeman is not None:
        return from_timeman(timeman, now, tz)
    if online is False:
        return Away("offline", source="online")
    return None
