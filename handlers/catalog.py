"""Every word the app writes into the portal (notifications, timeline comments, tasks, field
labels), from the gettext domain `portal`: translations/{ru,en}/LC_MESSAGES/portal.po.

A second domain next to the pages' `messages` because these texts are read by other people in
other places (a manager's notification bell, a deal's timeline) and change for other reasons.
msgid is the symbolic key "<area>.<key>" ("telephony.missed"); a plural is one entry
"plural.<key>" with one form per number class (ru 3, en 2), the number as `{n}`. The portal's
language picks the catalog; English falls back to Russian, and a key missing everywhere shows
itself (a visible bug, never a crash). To add a text: add the msgid to both .po files, then
`make i18n-compile`; tests/unit/test_portal_catalog.py fails on a key used here but missing.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from babel.support import Translations

from config import ROOT
from quality.name_cases import FORMATTER

TRANSLATIONS = ROOT / "translations"
DOMAIN = "portal"


@cache
def translations(domain: str, lang: str | None) -> Translations:
    """The compiled catalog of `domain` in `lang` ("ru" for anything but "en"); English falls
    back to Russian. pages.i18n reads the pages' domain (`messages`) through it too."""
    russian = Translations.load(str(TRANSLATIONS), ["ru"], domain=domain)
    if lang != "en":
        return russian
    english = Translations.load(str(TRANSLATIONS), ["en"], domain=domain)
    english.add_fallback(russian)
    return english


def own_texts(domain: str, lang: str) -> dict[Any, str]:
    """`domain`'s compiled entries in `lang` alone (no fallback), keyed as the .mo keys them:
    a string, or (msgid, form) for a plural's forms."""
    own = Translations.load(str(TRANSLATIONS), [lang], domain=domain)
    return {k: v for k, v in own._catalog.items() if k}


def catalog(lang: str | None) -> Translations:
    """The `portal` catalog of `lang`."""
    return translations(DOMAIN, lang)


def text(lang: str | None, key: str, **params: Any) -> str:
    """The text of `key`; `{name:gent}` or `{name:взял|взяла}` agree with the person
    (quality.name_cases)."""
    found = catalog(lang).gettext(key)
    return FORMATTER.format(found, **params) if params else found


def nt(lang: str | None, n: int, key: str, **params: Any) -> str:
    """A whole phrase agreeing with `n` («ждут 3 сделки», «ждёт 21 сделка»), `{n}` filled in."""
    msgid = f"plural.{key}"
    return FORMATTER.format(catalog(lang).ngettext(msgid, msgid, abs(n)), n=n, **params)


def texts(lang: str) -> dict[str, str]:
    """Every text of `lang` alone (no fallback), a plural's forms as "plural.<key>[i]": for the
    tests that scan them all (brand spelling, placeholders)."""
    return {(k if isinstance(k, str) else f"{k[0]}[{k[1]}]"): v
            for k, v in own_texts(DOMAIN, lang).items()}
