"""Does the manager address the client by first name? In any case, short form or with patronymic.

"Добрый день, Ивану Петровичу отправили..." counts, so do "Саша, добрый день" for Александр and
"Елене" for Елена. A name must start with a capital letter: "надежда на скидку" is not Надежда.
"""

from __future__ import annotations

from dataclasses import dataclass

from quality import morph
from quality.diminutives import forms_of
from quality.words import fold, words


@dataclass(frozen=True)
class NameHit:
    word: str  # as written, e.g. "Ивану"
    form: str  # "full", "short" or "patronymic" (name + patronymic)


def addressed(text: str, first_name: str, patronymic: str = "") -> NameHit | None:
    """The first place the text names the client, or None."""
    name = fold(first_name.strip())
    if not name:
        return None
    wanted = forms_of(name)
    patr = _patr_lemmas(patronymic)
    found = words(text)
    for i, w in enumerate(found):
        if not w.text[:1].isupper() or not _is_name(w.text, wanted):
            continue
        nxt = found[i + 1].text if i + 1 < len(found) else ""
        if nxt and _is_patronymic(nxt, patr):
            return NameHit(f"{w.text} {nxt}", "patronymic")
        return NameHit(w.text, "full" if _is_name(w.text, frozenset({name})) else "short")
    return None


def _is_name(word: str, wanted: frozenset[str]) -> bool:
    folded = fold(word)
    return folded in wanted or bool(morph.lemmas(folded, "Name") & wanted)


def _patr_lemmas(patronymic: str) -> frozenset[str]:
    folded = fold(patronymic.strip())
    return (morph.lemmas(folded, "Patr") | {folded}) if folded else frozenset()


def _is_patronymic(word: str, patr: frozenset[str]) -> bool:
    lemmas = morph.lemmas(fold(word), "Patr")
    return bool(lemmas) and (not patr or bool(lemmas & patr))
