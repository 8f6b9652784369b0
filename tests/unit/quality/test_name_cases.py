"""Names in the case the sentence needs: «у Петра Попова», «менеджеру Анне Ивановой»."""

from __future__ import annotations

import pytest

from quality.name_cases import FORMATTER, gender, inflect


@pytest.mark.parametrize(("name", "gent", "datv", "ablt"), [
    ("Пётр Попов", "Петра Попова", "Петру Попову", "Петром Поповым"),
    ("Анна Иванова", "Анны Ивановой", "Анне Ивановой", "Анной Ивановой"),
    ("Кирилл Лебедев", "Кирилла Лебедева", "Кириллу Лебедеву", "Кириллом Лебедевым"),
    ("Мария Ильина", "Марии Ильиной", "Марии Ильиной", "Марией Ильиной"),
    ("Иванова Анна Сергеевна", "Ивановой Анны Сергеевны", "Ивановой Анне Сергеевне",
     "Ивановой Анной Сергеевной"),
    ("Пётр Петрович Попов", "Петра Петровича Попова", "Петру Петровичу Попову",
     "Петром Петровичем Поповым"),
    ("Саша Попова", "Саши Поповой", "Саше Поповой", "Сашей Поповой"),
    ("Дамир Хасанов", "Дамира Хасанова", "Дамиру Хасанову", "Дамиром Хасановым"),
])
def test_inflect_puts_first_name_surname_and_patronymic_in_the_case(name, gent, datv, ablt):
    assert (inflect(name, "gent"), inflect(name, "datv"), inflect(name, "ablt")) == (
        gent, datv, ablt)


@pytest.mark.parametrize(("name", "gent"), [
    ("Тарас Шевченко", "Тараса Шевченко"), ("Ольга Шевченко", "Ольги Шевченко"),
    ("Александр Дюма", "Александра Дюма"), ("Анна Шмидт", "Анны Шмидт"),
    ("Иван Шмидт", "Ивана Шмидта"), ("Анна Ким", "Анны Ким"), ("Илья Черных", "Ильи Черных")])
def test_inflect_keeps_indeclinable_surnames(name, gent) -> None:
    assert inflect(name, "gent") == gent


@pytest.mark.parametrize("name", ["Биржа лидов", "John Smith", "Отдел продаж", "", "ООО Ромашка"])
def test_inflect_leaves_what_is_not_a_persons_name(name) -> None:
    assert inflect(name, "gent") == name


def test_inflect_keeps_the_written_e_for_yo() -> None:
    assert inflect("Семен Ильин", "ablt") == "Семеном Ильиным"
    assert inflect("Артём Соловьёв", "gent") == "Артёма Соловьёва"


def test_gender_comes_from_the_first_name_or_the_surname() -> None:
    assert [gender(n) for n in ("Пётр Попов", "Анна Шевченко", "Саша Попова", "Биржа лидов")] == [
        "masc", "femn", "femn", None]


def test_formatter_reads_a_case_code_as_the_format_spec() -> None:
    text = "у {name:gent} {open} открытых сделок при лимите {cap:d}"
    assert FORMATTER.format(text, name="Анна Иванова", open=25, cap=3) == (
        "у Анны Ивановой 25 открытых сделок при лимите 3")
    assert FORMATTER.format("{name}", name="Анна Иванова") == "Анна Иванова"


@pytest.mark.parametrize(("name", "verb"), [
    ("Пётр Попов", "взял"), ("Анна Иванова", "взяла"), ("Ольга Шевченко", "взяла"),
    ("Биржа лидов", "взял(а)"), ("John Smith", "взял(а)")])
def test_formatter_agrees_the_verb_with_the_persons_gender(name, verb) -> None:
    assert FORMATTER.format("Сделку уже {name:взял|взяла} {name}.", name=name) == (
        f"Сделку уже {verb} {name}.")
