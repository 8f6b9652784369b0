"""pymorphy3, loaded once and asked once per distinct word (the lookups are cached)."""

from __future__ import annotations

from functools import lru_cache

import pymorphy3

PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})


@lru_cache(maxsize=1)
def analyzer() -> pymorphy3.MorphAnalyzer:
    """The analyzer loads its dictionaries in ~0.5 s: once per process, on first use."""
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def lemmas(word: str, grammeme: str) -> frozenset[str]:
    """Normal forms (folded) of the parses of `word` tagged `grammeme` ("Name"; "": any)."""
    return frozenset(p.normal_form.replace("ё", "е") for p in analyzer().parse(word)
                     if not grammeme or grammeme in p.tag)


@lru_cache(maxsize=200_000)
def is_known_proper(word: str) -> bool:
    """A dictionary word that is a name, surname, place or brand: not a misspelling."""
    morph = analyzer()
    return morph.word_is_known(word) and any(PROPER & p.tag.grammemes for p in morph.parse(word))
