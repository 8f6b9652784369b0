"""The brand is spelt one way per language: «Битрикс24» in Russian, «Bitrix24» in English."""

from __future__ import annotations

import re

import pytest

from pages import i18n

LATIN = re.compile(r"bitrix\s*24", re.I)
CYRILLIC = re.compile(r"битрикс\s*24", re.I)


@pytest.mark.parametrize(("texts", "wrong", "right"), [
    (i18n.texts("ru"), LATIN, "Битрикс24"), (i18n.texts("en"), CYRILLIC, "Bitrix24"),
], ids=["ru", "en"])
def test_each_language_spells_the_brand_its_own_way(texts, wrong, right) -> None:
    bad = {key: text for key, text in texts.items() if wrong.search(text)}
    assert bad == {}, f"use «{right}» in these"
    spaced = {key: text for key, text in texts.items()
              if re.search(r"(битрикс|bitrix)\s+24", text, re.I)}
    assert spaced == {}


def _portal_texts(lang: str) -> dict[str, str]:
    """What the app writes into the portal (comments, tasks, notifications) in `lang`."""
    from handlers import catalog
    return catalog.texts(lang)


@pytest.mark.parametrize(("lang", "wrong"), [("ru", LATIN), ("en", CYRILLIC)])
def test_texts_written_into_the_portal_spell_the_brand_their_way(lang, wrong) -> None:
    assert {k: v for k, v in _portal_texts(lang).items() if wrong.search(v)} == {}


def test_templates_write_no_latin_brand_in_russian_text() -> None:
    """Templates speak through the dicts; a literal Russian sentence with «Bitrix24» slips by
    the dict test, so the templates' own text (outside {{ }} and {% %}) is scanned too."""
    from config import ROOT
    jinja = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<[^>]*>", re.S)
    bad = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for line in jinja.sub("\n", path.read_text(encoding="utf-8")).splitlines():
            if re.search("[а-яё]", line, re.I) and LATIN.search(line):
                bad.append(f"{path.name}: {line.strip()}")
    assert bad == []


def test_the_demo_narration_uses_the_russian_brand_in_its_russian_half() -> None:
    from config import ROOT
    lines = (ROOT / "demo" / "__main__.py").read_text(encoding="utf-8").splitlines()
    russian = [line.split(" / ")[0] for line in lines if " / " in line]  # "рус … / english"
    assert [h for h in russian if re.search("[а-яё]", h, re.I) and LATIN.search(h)] == []
