"""Messages about a person read right: the name in its case, the numbers in a sensible order."""

from __future__ import annotations

import re

import pytest

from handlers import catalog, notify
from handlers.audits import texts as audit_texts
from pages import i18n


@pytest.mark.parametrize(("name", "expected"), [
    ("Пётр Попов", "у Петра Попова уже 25\u00a0открытых сделок при лимите 3"),
    ("Анна Иванова", "у Анны Ивановой уже 25\u00a0открытых сделок при лимите 3"),
    ("Тарас Шевченко", "у Тараса Шевченко уже 25\u00a0открытых сделок при лимите 3"),
    ("John Smith", "у John Smith уже 25\u00a0открытых сделок при лимите 3")])
def test_over_cap_comment_names_the_manager_in_the_genitive(name, expected) -> None:
    text = notify.text("over_cap_comment", "ru", name=name,
                       open_deals=notify.open_deals(25, "ru"), cap=3)
    assert expected in text


@pytest.mark.parametrize(("n", "ru", "en"), [
    (1, "1\u00a0открытая сделка", "1\u00a0open deal"),
    (3, "3\u00a0открытые сделки", "3\u00a0open deals"),
    (11, "11\u00a0открытых сделок", "11\u00a0open deals"),
    (21, "21\u00a0открытая сделка", "21\u00a0open deals"),
    (25, "25\u00a0открытых сделок", "25\u00a0open deals")])
def test_open_deals_agrees_with_the_number(n, ru, en) -> None:
    assert (notify.open_deals(n, "ru"), notify.open_deals(n, "en")) == (ru, en)


def test_false_rejection_counts_against_the_manager_in_the_dative() -> None:
    comment = audit_texts.text("false_comment", "ru", name="проверка № 4",
                               manager="Анна Иванова")
    assert comment.endswith("отказ засчитан менеджеру Анне Ивановой.")
    answer = i18n.t("ru", "msg.audit_false_rejection", name="Кирилл Лебедев")
    assert answer.endswith("отказ засчитан менеджеру Кириллу Лебедеву.")
    assert i18n.t("en", "msg.audit_false_rejection", name="Kirill Lebedev").endswith(
        "Kirill Lebedev.")


def test_every_case_spec_in_the_texts_is_known() -> None:
    """A `{x:gent}` typo would raise at run time; scan the dicts once here."""

    texts = [*i18n.texts("ru").values(), *i18n.texts("en").values(),
             *catalog.texts("ru").values(), *catalog.texts("en").values()]
    specs = {m for text in texts for m in re.findall(r"\{\w+:([^}|]+)\}", text)}
    assert specs <= {"gent", "datv", "accs", "ablt", "loct", "nomn"}


def test_comments_agree_the_verb_with_the_manager() -> None:
    assert notify.text("claimed_comment", "ru", name="Анна Иванова") == (
        "Анна Иванова взяла сделку с биржи.")
    assert notify.text("returned_comment", "ru", name="Кирилл Лебедев", reason="дубль") == (
        "Кирилл Лебедев вернул сделку на биржу. Причина: дубль.")
    assert i18n.t("ru", "msg.already_taken", name="Анна Шевченко") == (
        "Сделку уже взяла Анна Шевченко.")
    assert i18n.t("ru", "routing.outcome.answered", name="Пётр Попов", n=2) == (
        "Ответил Пётр Попов на шаге 2")
