"""Page texts for the leads pages (merged into pages.i18n): Russian first, English second."""

from __future__ import annotations

RU: dict[str, str] = {}
EN: dict[str, str] = {}
