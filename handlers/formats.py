"""Numbers, money, durations, dates, times and phones the way a Russian (or English) reader
expects: Babel (CLDR) for locale ru or en, every moment in the portal's time zone. One module
for the pages and for what the handlers and jobs write into the portal (handlers may not import
pages); the unit words come from the `portal` catalog (handlers.catalog).

Russian: «2 409 000 ₽», «13,3 %», «02.12.2026, 14:07», «8 мин 25 с»; English: "2,409,000 ₽",
"13.3%", "Dec 2, 2026, 2:07 PM", "8 min 25 s". The spaces inside numbers and before ₽, % and
the units are no-break, so a line never breaks between a number and its sign.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

import phonenumbers
from babel import dates, numbers

from handlers.catalog import text

NBSP = "\u00a0"
CURRENCY = {"RUB": "₽", "USD": "$", "EUR": "€", "KZT": "₸", "BYN": "Br", "UAH": "₴"}
# Day and month without the year (table heads, chart axes): CLDR's "dd.MM" and "MMM d".
DAY_MONTH = {"ru": "dd.MM", "en": "MMM d"}


def locale(lang: str) -> str:
    """The Babel locale of a page language: English, or Russian for anything else."""
    return "en" if lang == "en" else "ru"


def number(value: int | float | Decimal, lang: str) -> str:
    """A whole number grouped the local way: '120 000' (no-break space) or '120,000'."""
    return numbers.format_decimal(round(value), locale=locale(lang))


def decimal(value: float | Decimal, lang: str, places: int = 1) -> str:
    """'1,5' in Russian, '1.5' in English; a whole value drops its zeros ('8', not '8,0')."""
    pattern = "#,##0" + ("." + "#" * places if places > 0 else "")
    return numbers.format_decimal(round(float(value), places), format=pattern,
                                  locale=locale(lang))


def percent(share: float | Decimal, lang: str, places: int = 1) -> str:
    """A share as percent: '13,3 %' in Russian (CLDR: a no-break space before %), '13.3%'."""
    rounded = Decimal(repr(round(float(share) * 100, places))) / 100  # exact: no 33,2999…
    return numbers.format_percent(rounded, locale=locale(lang), decimal_quantization=False)


def money(amount: Decimal | float | int | None, currency: str | None, lang: str) -> str:
    """'2 409 000 ₽' / '2,409,000 ₽'; kopecks are noise on a board of deals, so amounts are
    whole. The sign follows the number in both languages (CLDR's English would print "RUB")."""
    code = (currency or "RUB").upper()
    sign = CURRENCY.get(code) or numbers.get_currency_symbol(code, locale="ru")
    return f"{number(amount or 0, lang)}{NBSP}{sign}"


def elapsed(value: float | None, lang: str) -> str:
    """The one format of a call's length, a talk time, a wait for an answer: '8 мин 25 с',
    '45 с', '0 с'; from an hour on, seconds are noise: '2 ч 5 мин' ('8 min 25 s', '2 h 5 min').
    Every page, chart tooltip and the morning report use it; '—' when there is no value."""
    if value is None:
        return "—"
    total = max(0, round(value))
    hours, rest = divmod(total, 3600)
    mins, secs = divmod(rest, 60)
    unit = {"h": text(lang, "unit.h"), "m": text(lang, "unit.m"), "s": text(lang, "unit.s")}
    if hours:
        parts = [(hours, "h")] + ([(mins, "m")] if mins else [])
    else:
        parts = ([(mins, "m")] if mins else []) + ([(secs, "s")] if secs or not mins else [])
    return " ".join(f"{n}{NBSP}{unit[u]}" for n, u in parts)


def duration(seconds: float, lang: str) -> str:
    """'2 ч 15 мин', '3 д 4 ч', '< 1 мин': how long a deal or lead has waited (two units are
    enough to compare waiting times of hours and days)."""
    minutes = max(0, int(seconds // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    unit = {"d": text(lang, "unit.d"), "h": text(lang, "unit.h"), "m": text(lang, "unit.m")}
    if days:
        parts = [f"{days}{NBSP}{unit['d']}"] + ([f"{hours}{NBSP}{unit['h']}"] if hours else [])
    elif hours:
        parts = [f"{hours}{NBSP}{unit['h']}"] + ([f"{mins}{NBSP}{unit['m']}"] if mins else [])
    elif mins:
        parts = [f"{mins}{NBSP}{unit['m']}"]
    else:
        return text(lang, "unit.now")
    return " ".join(parts)


def age(since: datetime | None, now: datetime, lang: str) -> str:
    return "—" if since is None else duration((now - since).total_seconds(), lang)


def day(value: date | None, lang: str) -> str:
    """A calendar day: '02.12.2026' / 'Dec 2, 2026' (never the ambiguous '12/02/2026')."""
    if value is None:
        return "—"
    return dates.format_date(value, "short" if locale(lang) == "ru" else "medium",
                             locale=locale(lang))


def day_field(value: date, lang: str) -> str:
    """A day in a typed field: «23.11.2026» in Russian, ISO '2026-11-23' in English (never
    the browser's own '11/23/2026', which a date input shows in an English Chromium)."""
    return dates.format_date(value, "dd.MM.y", locale="ru") if locale(lang) == "ru" \
        else value.isoformat()


def parse_day(text: str | None) -> date | None:
    """A typed day: ISO '2026-11-23' (links, English), '23.11.2026' or '23.11.26'; None when
    it is no date."""
    raw = (text or "").strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    parts = raw.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[2]) not in (2, 4):
        return None
    year = int(parts[2]) + (2000 if len(parts[2]) == 2 else 0)
    try:
        return date(year, int(parts[1]), int(parts[0]))
    except ValueError:
        return None


def day_month(value: date, lang: str) -> str:
    """A day of this period without the year: '02.12' / 'Dec 2' (table heads, chart axes)."""
    return dates.format_date(value, DAY_MONTH[locale(lang)], locale=locale(lang))


def clock(value: datetime | None, zone: tzinfo, lang: str) -> str:
    """The time of day in the portal's zone: '14:07' / '2:07 PM'; no zone name after it."""
    if value is None:
        return "—"
    return dates.format_time(value.astimezone(zone), "short", locale=locale(lang))


def local_stamp(value: datetime | None, zone: tzinfo, lang: str, *, year: bool = True) -> str:
    """A moment in the portal's time zone: '02.12.2026, 14:07' / 'Dec 2, 2026, 2:07 PM'
    (CLDR's way of joining date and time); `year=False`: '02.12, 14:07' / 'Dec 2, 2:07 PM'."""
    if value is None:
        return "—"
    local = value.astimezone(zone)
    when = day(local.date(), lang) if year else day_month(local.date(), lang)
    joined = dates.get_datetime_format("medium", locale=locale(lang))
    return joined.replace("{1}", when).replace("{0}", clock(local, zone, lang))


def utc_offset(zone: tzinfo, at: datetime) -> str:
    """'UTC+3', 'UTC+5:30', 'UTC−3', 'UTC' for the zone's offset at `at` (DST counts)."""
    offset = at.astimezone(zone).utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '−'}{hours}" + (f":{mins:02d}" if mins else "")


def zone_name(zone: tzinfo, at: datetime, lang: str) -> str:
    """The portal's zone shown once: 'Москва (UTC+3)' / 'Moscow (UTC+3)'; the offset alone for
    a zone that has no city (a fixed offset)."""
    offset = utc_offset(zone, at)
    if not getattr(zone, "key", None):
        return offset
    city = dates.get_timezone_location(zone, locale=locale(lang), return_city=True)
    return f"{city} ({offset})"


def phone(value: str | None) -> str:
    """'+79161234567' -> '+7 916 123-45-67'; anything unparseable is shown as stored."""
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, "RU")
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def initials(name: str) -> str:
    """Two letters for the avatar circle: 'Иван Петров' -> 'ИП'."""
    letters = [part[0] for part in name.split() if part and part[0].isalpha()]
    return "".join(letters[:2]).upper() or "•"
