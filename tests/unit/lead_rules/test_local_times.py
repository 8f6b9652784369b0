"""Times the lead rules write into the portal follow the portal's language (handlers.formats):
«24.11, 14:07» in Russian, "Nov 24, 2:07 PM" in English (a strftime wrote «24.11 14:07» for
both)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from handlers.lead_rules.deadlines import _local


def test_a_deadline_reads_in_the_portal_language_and_zone() -> None:
    rules = SimpleNamespace(clock=SimpleNamespace(zone=ZoneInfo("Europe/Moscow")))
    moment = datetime(2026, 11, 24, 11, 7, tzinfo=UTC)
    assert _local(rules, moment, "ru") == "24.11, 14:07"
    assert _local(rules, moment, "en") == "Nov 24, 2:07\u202fPM"
