"""Configured phrase lists: what must not be said about the company or the product, and the
phrases of a rejection ("не берёт трубку"). Matched in lower case with ё as е, at word starts,
so "не берет трубку" finds "Клиент не берёт трубку!" and "хлам" does not find "схлам...".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from quality.words import fold

DEFAULT_FORBIDDEN = ("у нас бардак", "наш продукт не работает", "сами не знаем", "не моя проблема",
                     "это не ко мне", "ничем не могу помочь", "руководство не в курсе",
                     "у нас всегда так", "сырой продукт", "глючит")
DEFAULT_REJECTION = ("не берёт трубку", "не отвечает", "недозвон", "не дозвонились",
                     "сбрасывает", "абонент недоступен")


@lru_cache(maxsize=64)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = [r"\s+".join(map(re.escape, fold(p).split())) for p in phrases if p.strip()]
    if not parts:
        return None
    return re.compile(r"(?<![а-яa-z0-9])(" + "|".join(sorted(parts, key=len, reverse=True)) + ")")


def found(text: str, phrases: Iterable[str]) -> list[str]:
    """The phrases of the list that occur in `text`, as the list spells them, each once."""
    phrases = tuple(phrases)
    pattern = _pattern(phrases)
    if pattern is None or not text:
        return []
    hits = {re.sub(r"\s+", " ", m.group(1)) for m in pattern.finditer(fold(text))}
    return [p for p in phrases if " ".join(fold(p).split()) in hits]
