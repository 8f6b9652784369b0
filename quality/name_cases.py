"""A person's name put in a grammatical case: «у Петра Попова», «менеджеру Анне Ивановой».

Texts say `{name:gent}` (or datv, accs, ablt, loct) and are filled by `FORMATTER`, so a sentence
reads right whatever the name's gender. Each word is inflected by pymorphy3 as a first name,
surname or patronymic of the person's gender; a word it cannot place keeps its spelling, which is
the rule for indeclinable surnames (Шевченко, Дюма; a woman's Шмидт) and is harmless for a
service account («Биржа лидов») or a Latin name, which are shown as they are.
"""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Any

from quality import morph

CASES = frozenset({"nomn", "gent", "datv", "accs", "ablt", "loct"})
PERSON = ("Name", "Surn", "Patr")
RUSSIAN_SURNAME = ("ов", "ев", "ёв", "ин", "ын")
MASC_SURNAME_ENDINGS = {"gent": "а", "datv": "у", "accs": "а", "ablt": "ым", "loct": "е"}


@lru_cache(maxsize=4096)
def inflect(full_name: str, case: str) -> str:
    """`full_name` ("Пётр Попов", "Иванова Анна Сергеевна") in `case`; unchanged if not a name."""
    words = full_name.split()
    gender = _gender(words)
    if case == "nomn" or gender is None:
        return full_name
    return " ".join("-".join(_word(part, gender, case) for part in w.split("-")) for w in words)


def gender(full_name: str) -> str | None:
    """"masc", "femn" or None (not a recognisable Russian name)."""
    return _gender(full_name.split())


def _gender(words: list[str]) -> str | None:
    """From the first name; a unisex one (Саша) or none known defers to the surname."""
    for grammeme in ("Name", "Surn"):
        for w in words:
            found = {g for p in _parses(w) if grammeme in p.tag
                     for g in ("masc", "femn") if g in p.tag}
            if len(found) == 1:
                return found.pop()
    return None


def _word(word: str, gender: str, case: str) -> str:
    parses = [p for p in _parses(word) if gender in p.tag or "ms-f" in p.tag]
    for grammeme in ("Surn", "Patr", "Name"):  # "Ильина" is a surname before a first name
        for p in parses:
            if grammeme in p.tag:
                if "Fixd" in p.tag:
                    return word
                formed = p.inflect({case})
                return _like(word, formed.word) if formed else word
    if gender == "masc" and word.endswith(RUSSIAN_SURNAME) and not parses:
        return word + MASC_SURNAME_ENDINGS[case]  # "Хасанов": the dictionary reads a plural
    return word


def _parses(word: str) -> list[Any]:
    """Nominative singular person-name parses of `word` (names are stored in the nominative)."""
    if not word[:1].isupper() or not all("а" <= c.lower() <= "я" or c in "ёЁ" for c in word):
        return []
    return [p for p in morph.analyzer().parse(word)
            if "nomn" in p.tag and "sing" in p.tag and any(g in p.tag for g in PERSON)]


def _like(original: str, formed: str) -> str:
    """Keep the written capitalisation and a written «е» where the dictionary has «ё»."""
    if "ё" not in original.lower():
        formed = formed.replace("ё", "е")
    return formed[:1].upper() + formed[1:] if original[:1].isupper() else formed


def agree(full_name: str, masc: str, femn: str) -> str:
    """The verb's form for the person: «взял» / «взяла»; «взял(а)» when the name does not say."""
    found = gender(full_name)
    if found is not None:
        return masc if found == "masc" else femn
    return f"{masc}({femn[len(masc):]})" if femn.startswith(masc) else f"{masc}/{femn}"


class NameFormatter(string.Formatter):
    """str.format, plus two specs on a person's name: `{name:gent}` inflects it into a case,
    `{name:взял|взяла}` prints the verb agreeing with it (the name itself is not printed)."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        if format_spec in CASES:
            return inflect(str(value), format_spec)
        if "|" in format_spec:
            masc, _, femn = format_spec.partition("|")
            return agree(str(value), masc, femn)
        return super().format_field(value, format_spec)


FORMATTER = NameFormatter()
