"""handlers.formats on Babel: the exact strings a Russian and an English reader see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from handlers import formats

NB = "\u00a0"
MOSCOW = ZoneInfo("Europe/Moscow")
MOMENT = datetime(2026, 12, 2, 11, 7, tzinfo=UTC)  # 14:07 in Moscow


@pytest.mark.parametrize(("value", "ru", "en"), [
    (2409000, f"2{NB}409{NB}000", "2,409,000"), (999, "999", "999"), (0, "0", "0"),
    (1234.6, f"1{NB}235", "1,235")])
def test_numbers_are_grouped_the_local_way(value, ru, en) -> None:
    assert (formats.number(value, "ru"), formats.number(value, "en")) == (ru, en)


@pytest.mark.parametrize(("share", "places", "ru", "en"), [
    (0.1333, 1, f"13,3{NB}%", "13.3%"), (0.08, 1, f"8{NB}%", "8%"),
    (2 / 3, 0, f"67{NB}%", "67%"), (12.5, 0, f"1{NB}250{NB}%", "1,250%")])
def test_percents_are_babel_percents(share, places, ru, en) -> None:
    assert (formats.percent(share, "ru", places), formats.percent(share, "en", places)) == (
        ru, en)


@pytest.mark.parametrize(("amount", "currency", "ru", "en"), [
    (2409000, None, f"2{NB}409{NB}000{NB}₽", f"2,409,000{NB}₽"),
    (1500.4, "USD", f"1{NB}500{NB}$", f"1,500{NB}$"), (None, "EUR", f"0{NB}€", f"0{NB}€"),
    (10, "GBP", f"10{NB}£", f"10{NB}£")])
def test_money_is_whole_with_a_no_break_space_before_the_sign(amount, currency, ru, en) -> None:
    assert (formats.money(amount, currency, "ru"), formats.money(amount, currency, "en")) == (
        ru, en)


@pytest.mark.parametrize(("seconds", "ru", "en"), [
    (505, f"8{NB}мин 25{NB}с", f"8{NB}min 25{NB}s"), (45, f"45{NB}с", f"45{NB}s"),
    (480, f"8{NB}мин", f"8{NB}min"), (0, f"0{NB}с", f"0{NB}s"), (44.6, f"45{NB}с", f"45{NB}s"),
    (3900, f"1{NB}ч 5{NB}мин", f"1{NB}h 5{NB}min"), (7230, f"2{NB}ч", f"2{NB}h"),
    (None, "—", "—")])
def test_one_duration_format_for_calls_talks_and_waits(seconds, ru, en) -> None:
    assert (formats.elapsed(seconds, "ru"), formats.elapsed(seconds, "en")) == (ru, en)


def test_days_are_never_month_first_in_russian() -> None:
    day = date(2026, 12, 2)
    assert (formats.day(day, "ru"), formats.day(day, "en")) == ("02.12.2026", "Dec 2, 2026")
    assert (formats.day_month(day, "ru"), formats.day_month(day, "en")) == ("02.12", "Dec 2")
    assert formats.day(None, "ru") == "—"


def test_times_are_in_the_portal_zone_without_utc() -> None:
    assert formats.clock(MOMENT, MOSCOW, "ru") == "14:07"
    assert formats.clock(MOMENT, MOSCOW, "en") == "2:07\u202fPM"
    assert formats.clock(MOMENT, ZoneInfo("Asia/Yekaterinburg"), "ru") == "16:07"
    assert formats.local_stamp(MOMENT, MOSCOW, "ru") == "02.12.2026, 14:07"
    assert formats.local_stamp(MOMENT, MOSCOW, "en") == "Dec 2, 2026, 2:07\u202fPM"
    assert formats.local_stamp(MOMENT, MOSCOW, "ru", year=False) == "02.12, 14:07"
    assert formats.local_stamp(None, MOSCOW, "ru") == "—"


def test_the_zone_is_shown_once_with_its_offset() -> None:
    assert formats.zone_name(MOSCOW, MOMENT, "ru") == "Москва (UTC+3)"
    assert formats.zone_name(MOSCOW, MOMENT, "en") == "Moscow (UTC+3)"
    assert formats.zone_name(ZoneInfo("Asia/Kolkata"), MOMENT, "en") == "Kolkata (UTC+5:30)"
    assert formats.zone_name(timezone(timedelta(hours=3), "MSK"), MOMENT, "ru") == "UTC+3"
    summer = datetime(2026, 7, 1, tzinfo=UTC)  # DST counts
    assert formats.utc_offset(ZoneInfo("America/New_York"), summer) == "UTC−4"
    assert formats.utc_offset(ZoneInfo("Europe/London"), MOMENT) == "UTC"


def test_a_typed_day_is_shown_and_read_the_local_way() -> None:
    day = date(2026, 11, 23)
    assert (formats.day_field(day, "ru"), formats.day_field(day, "en")) == (
        "23.11.2026", "2026-11-23")
    for typed in ("23.11.2026", "2026-11-23", " 23.11.26 "):
        assert formats.parse_day(typed) == day, typed
    for wrong in ("11/23/2026", "31.02.2026", "23.11", "nonsense", "", None, "2026-13-45"):
        assert formats.parse_day(wrong) is None, wrong
