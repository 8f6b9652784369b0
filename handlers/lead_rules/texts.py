"""What the lead rules say in the portal (notifications, timeline comments): Russian, English."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from handlers import catalog


def text(key: str, lang: str | None, **params: Any) -> str:
    """`{client:оставил|оставила}` agrees the verb with the person (quality.name_cases)."""
    return catalog.text(lang, f"leads.{key}", **params)


def word(key: str, lang: str | None, **params: Any) -> str:
    """A piece of the "what is missing" sentence (missing_text)."""
    return catalog.text(lang, f"leads.missing.{key}", **params)


def missing_text(missing: Iterable[str], lang: str, *, seconds: int, longest: int) -> str:
    """'no reason; no proof of contact — at least one of: a call ... or a sent e-mail'."""
    missing = list(missing)
    parts = [word("reason", lang)] if "reason" in missing else []
    options = [word(k, lang, seconds=seconds, longest=longest)
               for k in ("call", "email", "meeting") if k in missing]
    if options:
        listed = word("comma", lang).join(options[:-1])
        listed = f"{listed}{word('or', lang)}{options[-1]}" if listed else options[-1]
        parts.append(word("evidence", lang, options=listed))
    return "; ".join(parts)
