"""Reply times in working hours of the lead rules' clock (09:00–18:00 Moscow, Mon–Fri)."""

from __future__ import annotations

from datetime import datetime

from handlers.lead_rules.config import LeadRulesConfig
from handlers.lead_rules.workclock import WorkClock
from quality.reply_speed import Message, by_manager_channel, stats, waits
from tests.unit.quality.corpus import load

CLOCK = WorkClock.of(LeadRulesConfig())
NOW = datetime.fromisoformat("2026-12-07T18:30:00+03:00")  # Monday evening


def _messages() -> list[Message]:
    return [Message(r["thread"], datetime.fromisoformat(r["at"]), r["incoming"], r["manager_id"],
                    r["channel"], r["ref"]) for r in load("replies")]


def _by_ref(target: int = 60) -> dict[str, object]:
    return {w.message.ref: w for w in waits(_messages(), CLOCK, target_minutes=target, now=NOW)}


def test_follow_ups_wait_for_the_same_reply_counted_once() -> None:
    found = _by_ref()
    assert found["a1"].minutes == 45 and "a2" not in found


def test_friday_evening_to_monday_morning_counts_only_working_time() -> None:
    found = _by_ref()
    assert found["b1"].minutes == 30 + 40  # 17:30–18:00 Friday, 09:00–09:40 Monday
    assert found["c1"].minutes == 10  # Saturday's message waits from Monday 09:00


def test_unanswered_is_late_once_the_working_wait_passes_the_target() -> None:
    assert _by_ref(60)["d1"].minutes is None and _by_ref(60)["d1"].late  # 16:00–18:00 = 120
    assert not _by_ref(180)["d1"].late


def test_figures_per_manager_and_channel() -> None:
    found = waits(_messages(), CLOCK, target_minutes=60, now=NOW)
    table = by_manager_channel(found, 60)
    email, chat = table[(5, "email")], table[(6, "openline")]
    assert (email.count, email.answered, email.median_minutes) == (2, 1, 45)
    assert email.within_share == 0.5 and [w.message.ref for w in email.late] == ["d1"]
    assert (chat.median_minutes, chat.within_share) == (40, 0.5)
    assert [w.message.ref for w in chat.late] == ["b1"]
    assert stats([], 60).median_minutes is None
