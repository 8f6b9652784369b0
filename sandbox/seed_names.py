"""Fictional Russian names, companies and phone formats for the seeded company (data only).

Shapes follow the docs' synthetic portal (sandbox/spec/dataset.json): Cyrillic names, «ООО»
company titles, phones written the many ways people type them (+7 912..., 8 (912)..., 912...).
Any resemblance to real people or companies is accidental.
"""

from __future__ import annotations

import random

MALE = ("Алексей", "Дмитрий", "Сергей", "Андрей", "Максим", "Иван", "Николай", "Павел",
        "Артём", "Михаил", "Владимир", "Егор", "Кирилл", "Роман", "Олег", "Денис")
FEMALE = ("Анна", "Елена", "Ольга", "Мария", "Наталья", "Татьяна", "Ирина", "Екатерина",
          "Светлана", "Юлия", "Марина", "Дарья", "Ксения", "Полина")
SURNAMES = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
            "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев",
            "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов",
            "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Борисов", "Яковлев",
            "Григорьев", "Романов", "Сергеев", "Фролов", "Гусев", "Ильин", "Поляков",
            "Сорокин", "Виноградов", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков")
COMPANIES = ("Альфа Строй", "ТехноПарк", "Логистик Плюс", "Гранит", "Аврора", "Север-Сервис",
             "ПромКомплект", "Вектор", "Меридиан", "СтройИнвест", "Дельта Трейд", "Орион",
             "Профмонтаж", "Атлант", "Светоч", "Горизонт")
PRODUCTS = ("Поставка оборудования", "Годовое обслуживание", "Продление лицензий",
            "Монтаж вентиляции", "Мебель для офиса", "Внедрение CRM", "Расходные материалы",
            "Видеонаблюдение", "Аудит сети", "Поставка серверов")
LOSS_REASONS = ("Дорого", "Выбрали конкурента", "Не берет трубку", "Нет бюджета",
                "Неактуально", "Сорвали сроки поставки")
_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                  ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                   "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "sch", "", "y", "",
                   "e", "yu", "ya"], strict=True))


def translit(text: str) -> str:
    return "".join(_LATIN.get(ch, ch) for ch in text.lower())


def surname(base: str, female: bool) -> str:
    return base + "а" if female else base


def person(rnd: random.Random, taken: set[str] | None = None) -> tuple[str, str, bool]:
    """(first name, last name, female); never a full name already in `taken`."""
    while True:
        female = rnd.random() < 0.45
        first = rnd.choice(FEMALE if female else MALE)
        last = surname(rnd.choice(SURNAMES), female)
        if taken is None or f"{first} {last}" not in taken:
            if taken is not None:
                taken.add(f"{first} {last}")
            return first, last, female


def mobile_digits(rnd: random.Random, used: set[str]) -> str:
    """Ten digits of a Russian mobile (9XXXXXXXXX), unique within the seed."""
    while True:
        digits = "9" + "".join(rnd.choice("0123456789") for _ in range(9))
        if digits not in used:
            used.add(digits)
            return digits


def formatted(digits: str, style: int) -> str:
    """The same number the way different people type it."""
    a, b, c, d = digits[:3], digits[3:6], digits[6:8], digits[8:]
    return (f"+7 {a} {b}-{c}-{d}", f"8 ({a}) {b}-{c}-{d}", digits, f"+7{digits}",
            f"8{digits}")[style % 5]
