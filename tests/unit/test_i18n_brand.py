"""The brand is spelt one way per language: «Битрикс24» in Russian, «Bitrix24» in English."""

from __future__ import annotations

import re

import pytest

from pages import i18n

LATIN = re.compile(r"bitrix\s*24", re.I)
CYRILLIC = re.compile(r"битрикс\s*24", re.I)


@pytest.mark.parametrize(("texts", "wrong", "right"), [
    (i18n.RU, LATIN, "Битрикс24"), (i18n.EN, CYRILLIC, "Bitrix24")], ids=["ru", "en"])
def test_each_language_spells_the_brand_its_own_way(texts, wrong, right) -> None:
    bad = {key: text for key, text in texts.items() if wrong.search(text)}
    assert bad == {}, f"use «{right}» in these"
    spaced = {key: text for key, text in texts.items()
              if re.search(r"(битрикс|bitrix)\s+24", text, re.I)}
    assert spaced == {}
