"""The `portal` gettext domain (handlers.catalog): what the app writes into Bitrix24.

A key used in code but missing from a catalog would reach a manager's notification as the raw
key; a placeholder missing from one language would raise KeyError in a background job.
"""

from __future__ import annotations

import ast
import io
import re

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from config import ROOT
from handlers import catalog, notify

FOLDER = ROOT / "translations"
CALLS = {"text": "", "word": "missing.", "counted": "plural.", "nt": "plural."}
FIELD = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def _text_modules(tree: ast.Module) -> set[str]:
    """Local names bound to the modules that speak through the catalog."""
    return {alias.asname or alias.name for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("handlers")
            for alias in node.names if alias.name in ("catalog", "notify", "texts")}


def _used() -> set[tuple[str, str]]:
    """(call, literal key) of every text(...)/counted(...)/say(...) call with a literal key in
    handlers/ and jobs/ (the key is the first string argument): `notify.text("x")`,
    `texts.text("x")`, and the bare calls inside those modules themselves."""
    found = set()
    for path in [*ROOT.joinpath("handlers").rglob("*.py"), *ROOT.joinpath("jobs").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        owners = _text_modules(tree)
        speaks = path.name in ("texts.py", "notify.py", "catalog.py", "report.py")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute):
                owner = func.value.id if isinstance(func.value, ast.Name) else None
                name = func.attr if owner in owners else None
            else:
                name = func.id if speaks and isinstance(func, ast.Name) else None
            name = {"say": "text", "say_n": "nt"}.get(name, name)
            if name not in CALLS:
                continue
            literal = [a.value for a in node.args if isinstance(a, ast.Constant)
                       and isinstance(a.value, str)]
            if literal and re.fullmatch(r"[a-z_][a-z_.]*", literal[0]):
                found.add((name, literal[0]))
    return found


def _keys(lang: str) -> set[str]:
    return {key.split("[")[0] for key in catalog.texts(lang)}


def test_the_scan_sees_the_calls() -> None:
    used = _used()
    assert ("text", "over_cap") in used and ("counted", "exchange_alert") in used


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_key_used_in_code_has_a_text(lang: str) -> None:
    keys = _keys(lang)
    missing = []
    for call, key in _used():
        full = key if key.count(".") else None
        if call in ("counted", "nt"):
            ok = f"plural.{key}" in keys or f"plural.report_{key}" in keys
        elif full and key.split(".")[0] in {k.split(".")[0] for k in keys}:
            ok = key in keys
        else:
            ok = any(k.endswith(f".{CALLS[call]}{key}") for k in keys)
        if not ok:
            missing.append((call, key))
    assert missing == []


def test_both_languages_hold_the_same_keys_and_placeholders() -> None:
    ru, en = catalog.texts("ru"), catalog.texts("en")
    singular = {k for k in ru if "[" not in k}
    assert singular == {k for k in en if "[" not in k}
    assert {k.split("[")[0] for k in ru} == {k.split("[")[0] for k in en}
    differ = {k: (ru[k], en[k]) for k in singular
              if set(FIELD.findall(ru[k])) != set(FIELD.findall(en[k]))}
    assert differ == {}


def test_plurals_have_three_russian_and_two_english_forms() -> None:
    ru, en = catalog.texts("ru"), catalog.texts("en")
    for key in {k.split("[")[0] for k in ru if "[" in k}:
        assert [f"{key}[{i}]" in ru for i in range(4)] == [True, True, True, False], key
        assert [f"{key}[{i}]" in en for i in range(3)] == [True, True, False], key


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_compiled_catalog_is_up_to_date(lang: str) -> None:
    """Edit the .po, then `make i18n-compile`: a stale .mo would hide the edit."""
    po = (FOLDER / lang / "LC_MESSAGES" / "portal.po").read_bytes()
    out = io.BytesIO()
    write_mo(out, read_po(io.BytesIO(po)), use_fuzzy=False)
    assert (FOLDER / lang / "LC_MESSAGES" / "portal.mo").read_bytes() == out.getvalue()


@pytest.mark.parametrize(("n", "ru"), [
    (1, "Биржа лидов: ждёт 1\u00a0сделка"), (3, "Биржа лидов: ждут 3\u00a0сделки"),
    (11, "Биржа лидов: ждут 11\u00a0сделок"), (21, "Биржа лидов: ждёт 21\u00a0сделка"),
])
def test_a_counted_notice_agrees_with_its_number(n: int, ru: str) -> None:
    """«ждут 2 сделок» was the dict's one form for every number."""
    assert notify.counted("exchange_alert", n, "ru", hours=5).startswith(ru)
    assert notify.counted("swept_notice", 2, "ru") == (
        "Разбор сделок: на биржу возвращены 2\u00a0ваши сделки без отметки «Оставить за мной».")


def test_english_falls_back_to_russian_and_an_unknown_key_shows_itself() -> None:
    assert catalog.text("de", "notify.landed") == catalog.text("ru", "notify.landed")
    assert catalog.text("en", "no.such.key") == "no.such.key"
