"""Numbers, money, waiting times and phones the way a Russian (or English) reader expects."""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal

import phonenumbers

from pages.i18n import t

NBSP = "\u00a0"
CURRENCY = {"RUB": "₽", "USD": "$", "EUR": "€", "KZT": "₸", "BYN": "Br", "UAH": "₴"}


def number(value: int | float | Decimal, lang: str) -> str:
    """Thousands grouped the local way: '120 000' (no-break space) or '120,000'."""
    grouped = f"{round(value):,}"
    return grouped if lang == "en" else grouped.replace(",", NBSP)


def decimal(value: float | Decimal, lang: str, places: int = 1) -> str:
    """'1,5' in Russian, '1.5' in English; a whole value drops its zeros ('8', not '8,0')."""
    text = f"{float(value):.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if lang == "en" else text.replace(".", ",")


def percent(share: float | Decimal, lang: str, places: int = 1) -> str:
    """A share as percent: '33,3 %' in Russian (a no-break space before the sign), '33.3%'."""
    return decimal(float(share) * 100, lang, places) + ("%" if lang == "en" else NBSP + "%")


def money(amount: Decimal | float | int | None, currency: str | None, lang: str) -> str:
    """'120 000 ₽'; kopecks are noise on a board of deals, so amounts are whole."""
    sign = CURRENCY.get((currency or "RUB").upper(), currency or "")
    return f"{number(amount or 0, lang)}{NBSP}{sign}".rstrip()


def duration(seconds: float, lang: str) -> str:
    """'2 ч 15 мин', '3 д 4 ч', '< 1 мин': two units are enough to compare waiting times."""
    minutes = max(0, int(seconds // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    unit = {"d": t(lang, "unit.d"), "h": t(lang, "unit.h"), "m": t(lang, "unit.m")}
    if days:
        parts = [f"{days}{NBSP}{unit['d']}"] + ([f"{hours}{NBSP}{unit['h']}"] if hours else [])
    elif hours:
        parts = [f"{hours}{NBSP}{unit['h']}"] + ([f"{mins}{NBSP}{unit['m']}"] if mins else [])
    elif mins:
        parts = [f"{mins}{NBSP}{unit['m']}"]
    else:
        return t(lang, "unit.now")
    return " ".join(parts)


def age(since: datetime | None, now: datetime, lang: str) -> str:
    return "—" if since is None else duration((now - since).total_seconds(), lang)


def local_stamp(value: datetime | None, zone: tzinfo, lang: str) -> str:
    """A moment in the portal's time zone (the report's days and hours), without 'UTC'."""
    if value is None:
        return "—"
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M" if lang == "en" else "%d.%m.%Y %H:%M")


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
