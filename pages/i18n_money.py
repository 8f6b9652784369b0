"""The phrases of the money at risk and the call targets that are built from several catalog
entries: «Потеряно 6 звонков ≈ 540 000 ₽» (the texts themselves are in translations/*.po)."""

from __future__ import annotations

from decimal import Decimal

from handlers import formats
from pages import i18n

NBSP = "\u00a0"


def form(lang: str, n: int, key: str) -> str:
    """The word for `n` of `key`: 1 звонок, 2 звонка, 5 звонков, 11 звонков, 21 звонок (the
    catalogs' plural.<key>)."""
    return i18n.plural(lang, n, key)


def lost_money(lang: str, n: int, amount: float | Decimal, sign: str = "₽") -> str:
    """«Потеряно 6 звонков ≈ 540 000 ₽», «Потерян 1 звонок ≈ 90 000 ₽»; no-break spaces keep
    the number with its word and the sum with ₽."""
    if n == 0:
        return "No lost calls" if lang == "en" else "Потерянных звонков нет"
    money = f"≈{NBSP}{formats.number(amount, lang)}{NBSP}{sign}"
    if lang == "en":
        return f"{n}{NBSP}{form(lang, n, 'calls')} lost {money}"
    return f"{form(lang, n, 'lost_verb')} {n}{NBSP}{form(lang, n, 'calls')} {money}"


def months(lang: str, n: int) -> str:
    """«6 месяцев», «1 месяц», «3 месяца» (the client value window)."""
    return f"{n}{NBSP}{form(lang, n, 'months')}"


def t_goal(lang: str, calls: int, word: str, minutes: int) -> str:
    """A daily target in words: «30 звонков от 3 мин» / "30 calls of 3+ min"."""
    if lang == "en":
        return f"{calls}{NBSP}{word} of {minutes}+{NBSP}min"
    return f"{calls}{NBSP}{word} от {minutes}{NBSP}мин"
