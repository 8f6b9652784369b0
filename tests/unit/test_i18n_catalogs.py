"""The gettext catalogs behind pages.i18n (the source of every text): complete in both languages,
plurals and placeholders right, the committed .mo compiled from the .po."""

from __future__ import annotations

import io
import string

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from config import ROOT
from pages import i18n
from tools import i18n_extract

PLACES = ("pages", "templates", "handlers", "jobs", "demo")


def _po(lang: str):
    path = ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def _used_keys() -> dict[str, str]:
    found: dict[str, str] = {}
    for place in PLACES:
        for path in sorted((ROOT / place).rglob("*")):
            if path.suffix in {".py", ".html"}:
                for _, key in i18n_extract.keys(path.read_text(encoding="utf-8")):
                    found.setdefault(key, str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_the_keys_of_code_and_templates() -> None:
    used = _used_keys()
    assert len(used) > 300 and "board.title" in used and "app_name" in used


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_key_used_in_code_has_a_text_in_each_catalog(lang: str) -> None:
    have = {m.id for m in _po(lang) if m.id and m.string}
    missing = {key: where for key, where in _used_keys().items() if key not in have}
    assert missing == {}, f"add these to translations/{lang}/.../messages.po, make i18n-compile"


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_no_entry_is_empty_or_fuzzy(lang: str) -> None:
    cat = _po(lang)
    empty = [m.id for m in cat if m.id and (not m.string or (isinstance(m.string, tuple)
                                                              and not all(m.string)))]
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert (empty, fuzzy) == ([], [])


def test_both_catalogs_hold_the_same_keys() -> None:
    assert {m.id for m in _po("ru")} == {m.id for m in _po("en")}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_committed_mo_is_what_its_po_compiles_to(lang: str) -> None:
    """A .po edited without `make i18n-compile` fails here (the pages read the .mo)."""
    folder = ROOT / "translations" / lang / "LC_MESSAGES"
    compiled = io.BytesIO()
    write_mo(compiled, _po(lang), use_fuzzy=False)
    assert (folder / "messages.mo").read_bytes() == compiled.getvalue()


def test_every_plural_has_three_russian_and_two_english_forms() -> None:
    forms = {lang: {m.id[0]: m.string for m in _po(lang) if isinstance(m.id, tuple)}
             for lang in ("ru", "en")}
    assert len(forms["ru"]) >= 8 and forms["ru"].keys() == forms["en"].keys()
    assert all(key.startswith("plural.") for key in forms["ru"])
    wrong = {key: (len(forms["ru"][key]), len(forms["en"][key])) for key in forms["ru"]
             if (len(forms["ru"][key]), len(forms["en"][key])) != (3, 2)}
    assert wrong == {}


def _fields(text: str) -> set[str]:
    """The placeholder names of `text`: {name}, {name:gent} and {name:взял|взяла} are all name."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def _placeholders(lang: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for message in _po(lang):
        if message.id:
            key = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            found[key] = set().union(*(_fields(text) for text in strings))
    return found


def test_placeholders_are_the_same_in_both_languages() -> None:
    ru, en = _placeholders("ru"), _placeholders("en")
    assert ru["msg.claimed"] == {"open", "cap"}  # the scan sees them
    differ = {key: (ru[key], en.get(key)) for key in ru if ru[key] != en.get(key)}
    assert differ == {}


def test_texts_reads_every_key_of_a_catalog() -> None:
    """The tests that scan all texts (brand spelling, name cases) read pages.i18n.texts()."""
    ru = i18n.texts("ru")
    assert ru["board.title"] == "Сделки на бирже"
    assert len(ru) == len([m for m in _po("ru") if isinstance(m.id, str) and m.id])


def test_the_plural_forms_header_matches_the_language() -> None:
    assert _po("ru").num_plurals == 3 and _po("en").num_plurals == 2


@pytest.mark.parametrize(("n", "ru", "en"), [
    (1, "1\u00a0вкладка привязана", "1\u00a0tab bound"),
    (2, "2\u00a0вкладки привязаны", "2\u00a0tabs bound"),
    (5, "5\u00a0вкладок привязано", "5\u00a0tabs bound"),
    (11, "11\u00a0вкладок привязано", "11\u00a0tabs bound"),
    (21, "21\u00a0вкладка привязана", "21\u00a0tabs bound"),
    (22, "22\u00a0вкладки привязаны", "22\u00a0tabs bound")])
def test_a_whole_phrase_agrees_with_the_number(n: int, ru: str, en: str) -> None:
    assert (i18n.nt("ru", n, "bound_tabs"), i18n.nt("en", n, "bound_tabs")) == (ru, en)


@pytest.mark.parametrize(("n", "word"), [(1, "сделка"), (2, "сделки"), (5, "сделок"),
                                         (11, "сделок"), (14, "сделок"), (21, "сделка"),
                                         (104, "сделки"), (0, "сделок")])
def test_plural_words_follow_the_russian_rule(n: int, word: str) -> None:
    assert i18n.plural("ru", n, "deals") == word
    assert i18n.plural("en", n, "deals") == ("deal" if n == 1 else "deals")


def test_texts_format_names_and_fall_back() -> None:
    assert i18n.t("ru", "msg.already_taken", name="Анна Шевченко") == (
        "Сделку уже взяла Анна Шевченко.")
    assert i18n.t("en", "msg.claimed", open=2, cap=5) == "The deal is yours. Load: 2 of 5."
    assert i18n.t("en", "no.such.key") == "no.such.key"
    assert i18n.has("msg.done") and not i18n.has("msg.no_such_answer")


@pytest.mark.parametrize(("lang", "text"), [("ru", "Сделки на бирже"),
                                            ("en", "Deals on the exchange")])
def test_flask_babel_reads_the_same_catalogs_in_the_viewers_language(app, lang, text) -> None:
    from types import SimpleNamespace

    from flask import g, render_template_string
    from flask_babel import gettext, refresh
    with app.test_request_context("/app/"):
        g.viewer = SimpleNamespace(lang=lang)
        refresh()
        assert gettext("board.title") == text
        assert render_template_string('{{ _("board.title") }}') == text
