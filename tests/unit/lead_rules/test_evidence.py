"""The evidence rule: a real contact attempt before junk (calls of 3 s vs 30 s, e-mail, none)."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.lead_rules import texts
from handlers.lead_rules.evidence import Attempt, from_activities, from_calls, judge
from store.models import Call

ALL = ("call", "email", "meeting")
T0 = datetime(2026, 11, 20, 10, tzinfo=UTC)


def call(seconds: int, call_type: int = 1, call_id: str = "c1") -> Call:
    return Call(call_id=call_id, call_type=call_type, duration=seconds, start_at=T0)


def test_a_3_second_call_is_not_evidence() -> None:
    verdict = judge(from_calls([call(3)]), kinds=ALL, min_call_seconds=20)
    assert not verdict.ok
    assert verdict.missing == ALL and verdict.longest_call == 3 and verdict.calls == 1


def test_a_30_second_call_is_evidence() -> None:
    verdict = judge(from_calls([call(3, call_id="a"), call(30, call_id="b")]), kinds=ALL,
                    min_call_seconds=20)
    assert verdict.ok and verdict.missing == () and verdict.found == ("call:b",)


def test_incoming_calls_do_not_count() -> None:
    assert not judge(from_calls([call(300, call_type=2)]), kinds=ALL, min_call_seconds=20).ok


def test_a_sent_email_activity_is_evidence() -> None:
    rows = [{"ID": "7", "TYPE_ID": "4", "DIRECTION": "2", "COMPLETED": "Y",
             "START_TIME": "2026-11-20T10:00:00+03:00"}]
    verdict = judge(from_activities(rows), kinds=ALL, min_call_seconds=20)
    assert verdict.ok and verdict.found == ("activity:7",)


def test_a_received_email_or_a_planned_meeting_is_not() -> None:
    rows = [{"ID": "7", "TYPE_ID": "4", "DIRECTION": "1"},
            {"ID": "8", "TYPE_ID": "1", "DIRECTION": "0", "COMPLETED": "N"}]
    assert not judge(from_activities(rows), kinds=ALL, min_call_seconds=20).ok


def test_a_held_meeting_counts_only_when_meetings_are_accepted() -> None:
    rows = [{"ID": "9", "TYPE_ID": "1", "COMPLETED": "Y"}]
    assert judge(from_activities(rows), kinds=ALL, min_call_seconds=20).ok
    verdict = judge(from_activities(rows), kinds=("call",), min_call_seconds=20)
    assert not verdict.ok and verdict.missing == ("call",)


def test_nothing_at_all_names_every_accepted_kind() -> None:
    verdict = judge([], kinds=("email", "call"), min_call_seconds=20)
    assert not verdict.ok and verdict.missing == ("call", "email") and verdict.longest_call == 0


def test_call_activity_duration_and_one_call_seen_twice_counts_once() -> None:
    rows = [{"ID": "5", "TYPE_ID": "2", "DIRECTION": "2", "ORIGIN_ID": "VI_c1",
             "START_TIME": "2026-11-20T10:00:00+03:00", "END_TIME": "2026-11-20T10:00:25+03:00"}]
    attempts = from_activities(rows) + from_calls([call(25)])
    verdict = judge(attempts, kinds=ALL, min_call_seconds=20)
    assert verdict.ok and verdict.calls == 1 and verdict.longest_call == 25


def test_missing_text_names_the_options_in_russian_and_english() -> None:
    ru = texts.missing_text(["reason", "call", "email"], "ru", seconds=20, longest=3)
    assert ru == ("не указана причина отказа (поле «Причина отказа»); нет подтверждения "
                  "контакта с клиентом — нужно хотя бы одно: исходящий звонок от 20 с (самый "
                  "долгий был 3 с) или отправленное письмо")
    en = texts.missing_text(["call", "email", "meeting"], "en", seconds=20, longest=0)
    assert en.endswith("(the longest was 0 s), a sent e-mail or a held meeting")


def test_attempt_without_ref_is_still_counted() -> None:
    assert judge([Attempt("email", None)], kinds=ALL, min_call_seconds=20).ok
