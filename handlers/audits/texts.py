"""What the audits write into the portal (tasks, to-dos, comments), in the portal's language."""

from __future__ import annotations

from typing import Any

from handlers import catalog


def text(key: str, lang: str | None, **params: Any) -> str:
    """`{manager:datv}` puts the name in the case the sentence needs (handlers.catalog)."""
    return catalog.text(lang, f"audits.{key}", **params)


def reason_names(found: list[str], lang: str | None) -> str:
    """The suspicion reasons as words; a reason without a text shows as its code."""
    names = [name if (name := catalog.text(lang, f"audits.reason.{r}")) != f"audits.reason.{r}"
             else r for r in found]
    return ", ".join(names) or text("none", lang)
