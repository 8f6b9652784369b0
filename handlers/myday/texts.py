"""What «Мой день» writes into the portal (reminders, the CRM copy), in the portal's language."""

from __future__ import annotations

from typing import Any

from handlers import catalog


def text(key: str, lang: str | None, **params: Any) -> str:
    return catalog.text(lang, f"myday.{key}", **params)
