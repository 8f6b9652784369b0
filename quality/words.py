"""Words of a Russian text, the one tokeniser every check shares (so they agree on "слово")."""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD = re.compile(r"[А-Яа-яЁёA-Za-z]+(?:-[А-Яа-яЁёA-Za-z]+)*")
URLISH = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")


@dataclass(frozen=True)
class Word:
    text: str
    start: int  # offset in the original text, for the highlighted example


def words(text: str) -> list[Word]:
    """The words of `text`, skipping e-mail addresses and links (not prose)."""
    clean = URLISH.sub(lambda m: " " * len(m.group()), text or "")
    return [Word(m.group(), m.start()) for m in WORD.finditer(clean)]


def fold(word: str) -> str:
    """Lower case with ё as е: how names and phrases are compared."""
    return word.lower().replace("ё", "е")
