"""Bitrix wire values to Python: ids and numbers come as strings, booleans as Y/N (§0)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any


def to_int(value: Any) -> int | None:
    """'410' -> 410; '', None, '0' for 'no user' stay distinguishable: '' and None -> None."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def to_decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def yes(value: Any) -> bool:
    """'Y'/'N', true/false and 1/0 all appear in Bitrix answers (EN:api-reference/data-types.md)."""
    if isinstance(value, bool):
        return value
    return str(value).upper() in ("Y", "1", "TRUE")


def to_datetime(value: Any) -> datetime | None:
    """ISO-8601 with offset ('2024-08-30T14:29:00+02:00') -> aware UTC; naive is taken as UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso(value: datetime) -> str:
    """The format Bitrix filters and fields accept: 2026-11-23T10:00:00+03:00."""
    return value.isoformat(timespec="seconds")
