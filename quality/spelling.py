"""Misspelled words, by Debian's Russian Hunspell dictionary (hunspell-ru) through pyenchant.

Enchant is the maintained binding (libenchant-2 uses the system hunspell-ru); `make spelling`
installs both. Not flagged: Latin words and abbreviations (ООО, CRM), the company's own
vocabulary from the settings, and words pymorphy3 knows as names, surnames, places or brands.
Each distinct word is looked up once per process.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import enchant

from quality import morph
from quality.words import fold, words

LANG = "ru_RU"
# Sales words hunspell-ru lacks that are not mistakes; matched by lemma, so "созвона" passes.
TRADE_WORDS = frozenset({"созвон", "глючить", "прайс", "допник", "дедлайн", "фидбек", "онлайн",
                         "офлайн", "вебинар", "лид", "апсейл", "оффер", "чек-лист", "кэшбэк"})
CYRILLIC = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")


class SpellingUnavailable(RuntimeError):
    """The system dictionary is missing: say so instead of calling every word correct."""


@lru_cache(maxsize=1)
def dictionary() -> enchant.Dict:
    try:
        return enchant.Dict(LANG)
    except enchant.errors.DictNotFoundError as exc:
        raise SpellingUnavailable("hunspell-ru is not installed: run `make spelling`") from exc


@lru_cache(maxsize=200_000)
def _correct(word: str) -> bool:
    d = dictionary()
    low = word.lower()
    return (d.check(word) or d.check(low) or morph.is_known_proper(low)
            or bool(morph.lemmas(low, "") & TRADE_WORDS))


def misspelled(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The words of `text` the dictionary rejects, in order, each once."""
    allow = {fold(a) for a in allowed}
    out: list[str] = []
    for w in words(text):
        word = w.text
        if _skip(word) or fold(word) in allow or word in out:
            continue
        if not all(_correct(part) for part in word.split("-")):
            out.append(word)
    return out


def _skip(word: str) -> bool:
    """Latin words, one- and two-letter words, abbreviations in capitals."""
    low = word.lower()
    return len(word) <= 2 or not set(low) & CYRILLIC or (word.isupper() and len(word) <= 5)
