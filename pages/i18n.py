"""Every word the app pages show: Russian (the default) and English, from gettext catalogs.

The catalogs are the source: translations/{ru,en}/LC_MESSAGES/messages.po, msgid = the symbolic
key ("board.title"), msgstr the text. To add or change a text, edit the entry in *both* .po files
(a plural is one `plural.<key>` entry: three Russian forms, two English) and run
`make i18n-compile`; the compiled .mo files are committed and read here once per process.
tests/unit/test_i18n_catalogs.py fails on a key used in code but missing in a language, on
placeholders that differ between the languages, and on a .mo older than its .po.

A key missing in English falls back to Russian; a key missing everywhere shows itself (a visible
bug, never a crash). Action answers use the domain's `ActionResult.message_key` under `msg.`.
"""

from __future__ import annotations

from typing import Any

from babel.support import Translations

from handlers.catalog import TRANSLATIONS, own_texts, translations  # noqa: F401 - Babel dir
from quality.name_cases import FORMATTER


def catalog(lang: str) -> Translations:
    """The compiled catalog of `lang` ("ru" for anything else); English falls back to Russian."""
    return translations("messages", lang)


def texts(lang: str) -> dict[str, str]:
    """Every key's text in `lang` alone (no fallback), as compiled: for the tests that scan all
    texts (brand spelling, case specs). Plural entries are left out."""
    return {k: v for k, v in own_texts("messages", lang).items() if isinstance(k, str)}


def has(key: str) -> bool:
    """Whether `key` has a text (in Russian, which every key must have)."""
    return catalog("ru").gettext(key) != key


def t(lang: str, key: str, **params: Any) -> str:
    """The text for `key` in `lang`; `{name}` placeholders are filled from params.

    `{name:gent}` (datv, ablt…) puts a person's name in the case the sentence needs.
    """
    text = catalog(lang).gettext(key)
    return FORMATTER.format(text, **params) if params else text


def plural(lang: str, n: int, key: str = "deals") -> str:
    """'1 сделка', '2 сделки', '5 сделок', '11 сделок'; English has two forms (the catalogs'
    Plural-Forms decide; msgid plural.<key>)."""
    msgid = f"plural.{key}"
    return catalog(lang).ngettext(msgid, msgid, abs(n))


def nt(lang: str, n: int, key: str, **params: Any) -> str:
    """A whole phrase agreeing with `n` («2 вкладки привязаны»), `{n}` and params filled in."""
    return FORMATTER.format(plural(lang, n, key), n=n, **params)
