"""The timeline comment of a call speaks the pages' formats: the one duration format, the
moment in the portal's zone («27.11.2026, 13:15»), not «65 с» next to a raw strftime."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from handlers.telephony.texts import call_comment
from store.models import Call


def test_an_answered_call_reads_in_the_one_duration_format() -> None:
    call = Call(call_id="c1", call_type=2, answered=True, answer_seconds=9, duration=65,
                phone="+79161234567", line="reg1",
                start_at=datetime(2026, 11, 27, 10, 15, tzinfo=UTC))
    text = call_comment(call, lang="ru", tz=ZoneInfo("Europe/Moscow"), operator="Анна Иванова")
    assert text.splitlines() == [
        "Входящий звонок с номера +7 916 123-45-67 на линию reg1, 27.11.2026, 13:15.",
        "Оператор: Анна Иванова.",
        "Разговор 1\u00a0мин 5\u00a0с, ответ через 9\u00a0с."]
    english = call_comment(call, lang="en", tz=ZoneInfo("Europe/Moscow"), operator=None)
    assert english.splitlines()[1] == "Talk 1\u00a0min 5\u00a0s, answered after 9\u00a0s."
