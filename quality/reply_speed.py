"""Time to the manager's first reply, in working hours of the lead rules' clock.

A client message that waits (the first incoming one after the last outgoing one in the same
conversation) is answered by the next outgoing message there; the client's follow-ups before
that reply wait for the same reply and are not counted twice. A message still unanswered is
late once its working-time wait passes the target.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from handlers.lead_rules.workclock import WorkClock


@dataclass(frozen=True)
class Message:
    thread: str  # the conversation: "email:<contact>" or "openline:<session>"
    at: datetime
    incoming: bool
    manager_id: int | None
    channel: str  # "email", "openline", "call"
    ref: str = ""  # the activity id, for the list of late ones


@dataclass(frozen=True)
class Wait:
    message: Message
    manager_id: int | None
    minutes: float | None  # working minutes to the reply; None: not answered yet
    late: bool


@dataclass
class SpeedStats:
    count: int = 0
    answered: int = 0
    median_minutes: float | None = None
    within_share: float | None = None  # answered within the target, of all counted
    late: list[Wait] = field(default_factory=list)


def waits(messages: Iterable[Message], clock: WorkClock, *, target_minutes: int,
          now: datetime) -> list[Wait]:
    """One Wait per client message that waited for a reply."""
    out: list[Wait] = []
    pending: dict[str, Message] = {}
    for m in sorted(messages, key=lambda m: (m.at, not m.incoming)):
        if m.incoming:
            pending.setdefault(m.thread, m)
            continue
        asked = pending.pop(m.thread, None)
        if asked is not None:
            minutes = clock.between(asked.at, m.at) / timedelta(minutes=1)
            out.append(Wait(asked, m.manager_id or asked.manager_id, minutes,
                            minutes > target_minutes))
    for asked in pending.values():
        waited = clock.between(asked.at, now) / timedelta(minutes=1)
        out.append(Wait(asked, asked.manager_id, None, waited > target_minutes))
    return out


def stats(found: list[Wait], target_minutes: int) -> SpeedStats:
    """Median, the share answered within the target and the late ones (slowest first)."""
    answered = [w.minutes for w in found if w.minutes is not None]
    within = sum(1 for m in answered if m <= target_minutes)
    late = sorted((w for w in found if w.late), key=lambda w: -(w.minutes or 1e9))
    return SpeedStats(len(found), len(answered),
                      statistics.median(answered) if answered else None,
                      within / len(found) if found else None, late)


def by_manager_channel(found: list[Wait], target_minutes: int
                       ) -> dict[tuple[int | None, str], SpeedStats]:
    """The figures per (manager, channel), as the tab and the owner's report show them."""
    groups: dict[tuple[int | None, str], list[Wait]] = {}
    for w in found:
        groups.setdefault((w.manager_id, w.message.channel), []).append(w)
    return {key: stats(items, target_minutes) for key, items in sorted(
        groups.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1]))}
