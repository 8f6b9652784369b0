"""A realistic, deterministic sales company for the emulated portal (same seed -> same data).

`seed_company` builds the structure (§10: departments with UF_HEAD, users with UF_DEPARTMENT
and UF_PHONE_INNER), the directories (§8.3: lead statuses with semantics, the two deal funnels,
sources) and CRM history through the same code the REST methods use, backdated and silent
(no events: the data predates the app). Dates are relative to the portal clock's current day,
so one day's seeds are identical. Roles land in portal.meta for tests, scenario and demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sandbox import seed_names as names
from sandbox.methods.crm_category import add_category
from sandbox.methods.crm_status import add_status
from sandbox.methods.department import add_department
from sandbox.methods.user import add_user
from sandbox.registry import CallContext

LEAD_STATUSES = (("NEW", "Не обработан", None, "#2FC6F6"), ("IN_PROCESS", "В работе", None,
                 "#55D0E0"), ("PROCESSED", "Обработан", None, "#47E4C2"),
                 ("CONVERTED", "Качественный лид", "S", "#7BD500"),
                 ("JUNK", "Некачественный лид", "F", "#FF5752"),
                 ("UC_BADPHONE", "Неверный номер", "F", "#FF8A80"))
DEAL_STAGES = (("NEW", "Новая", None), ("PREPARATION", "Квалификация", None),
               ("PREPAYMENT_INVOICE", "Счёт/договор", None), ("EXECUTING", "Оплата", None),
               ("FINAL_INVOICE", "Закрывающие документы", None), ("WON", "Сделка успешна", "S"),
               ("LOSE", "Отказ", "F"), ("APOLOGY", "Анализ причины провала", "F"))
REPEAT_STAGES = (("NEW", "Новая", None), ("PREPARATION", "Подбор", None),
                 ("EXECUTING", "Оплата", None), ("WON", "Сделка успешна", "S"),
                 ("LOSE", "Отказ", "F"))
SOURCES = (("CALL", "Звонок"), ("EMAIL", "E-mail"), ("WEB", "Веб-сайт"),
           ("ADVERTISING", "Реклама"), ("PARTNER", "Существующий клиент"),
           ("RECOMMENDATION", "По рекомендации"), ("TRADE_SHOW", "Выставка"),
           ("WEBFORM", "CRM-форма"), ("CALLBACK", "Обратный звонок"), ("OTHER", "Другое"))
DEAL_TYPES = (("SALE", "Продажа"), ("COMPLEX", "Комплексная продажа"),
              ("GOODS", "Продажа товара"), ("SERVICE", "Сервисное обслуживание"))
DOMAIN = "torgdom.test"


@dataclass
class QuietContext(CallContext):
    """A CallContext pinned to a past moment that fires no events (seed data predates the app)."""

    at: datetime | None = None

    @property
    def now(self) -> datetime:
        return self.at or self.portal.clock.now()

    def emit(self, code: str, data: dict) -> None:
        return None


def day_start(portal: Any, today: date | None = None) -> datetime:
    now = portal.clock.now()
    return datetime.combine(today or now.date(), time(), tzinfo=now.tzinfo)


def seed_directories(portal: Any) -> None:
    """Lead statuses, both funnels with their stages, sources and deal types (§8.3)."""
    for n, (code, name, sem, color) in enumerate(LEAD_STATUSES):
        add_status(portal, "STATUS", code, name, 10 * (n + 1), semantics=sem, color=color,
                   system=code in ("NEW", "CONVERTED", "JUNK"))
    add_category(portal, "Продажи", sort=100, category_id=0, stages=False)
    for n, (code, name, sem) in enumerate(DEAL_STAGES):
        add_status(portal, "DEAL_STAGE", code, name, 10 * (n + 1), semantics=sem,
                   system=code in ("NEW", "WON", "LOSE"))
    add_category(portal, "Повторные продажи", sort=200, category_id=1, stages=False)
    for n, (code, name, sem) in enumerate(REPEAT_STAGES):
        add_status(portal, "DEAL_STAGE_1", f"C1:{code}", name, 10 * (n + 1), semantics=sem,
                   system=code in ("NEW", "WON", "LOSE"), category_id=1)
    for n, (code, name) in enumerate(SOURCES):
        add_status(portal, "SOURCE", code, name, 10 * (n + 1), system=True)
    for n, (code, name) in enumerate(DEAL_TYPES):
        add_status(portal, "DEAL_TYPE", code, name, 10 * (n + 1), system=True)
    # the rented line whose id (PORTAL_NUMBER) the seeded calls carry (voximplant.line.get)
    portal.table("voximplant.line").insert({"LINE_ID": "reg150908",
                                            "NAME": "Отдел продаж, +7 495 150-90-08"})


def _employee(portal: Any, rnd: random.Random, dept: int, position: str, inner: int,
              *, admin: bool = False) -> int:
    first, last, female = names.person(rnd, portal.meta.setdefault("_staff_names", set()))
    return add_user(portal, name=first, last_name=last, departments=[dept],
                    email=f"{names.translit(last)}.{inner}@{DOMAIN}", position=position,
                    inner=str(inner), admin=admin, gender="F" if female else "M",
                    registered="2024-02-01T09:00:00+03:00")


def seed_structure(portal: Any, rnd: random.Random) -> dict:
    """Root (owner), sales (head + 6 managers + the exchange account), client care, accounting."""
    root = add_department(portal, "ТД «Вектор»", sort=100)
    owner = _employee(portal, rnd, root, "Владелец", 100, admin=True)
    sales = add_department(portal, "Отдел продаж", parent=root, sort=200)
    head = _employee(portal, rnd, sales, "Руководитель отдела продаж", 101)
    managers = [_employee(portal, rnd, sales, "Менеджер по продажам", 102 + i) for i in range(6)]
    exchange = add_user(portal, name="Биржа", last_name="лидов", departments=[sales],
                        email=f"exchange@{DOMAIN}", position="Служебная учётная запись")
    care = add_department(portal, "Сопровождение клиентов", parent=sales, sort=300)
    senior = _employee(portal, rnd, care, "Старший специалист", 110)
    quality = _employee(portal, rnd, care, "Специалист по качеству", 111)
    books = add_department(portal, "Бухгалтерия", parent=root, sort=400)
    accountants = [_employee(portal, rnd, books, "Бухгалтер", 120 + i) for i in range(2)]
    for dept, boss in ((root, owner), (sales, head), (care, senior), (books, accountants[0])):
        portal.table("department").get(dept)["UF_HEAD"] = str(boss)
    return {"owner": owner, "head": head, "managers": managers, "exchange": exchange,
            "senior": senior, "quality": quality, "accountants": accountants,
            "departments": {"root": root, "sales": sales, "care": care, "accounting": books}}


def seed_company(portal: Any, *, seed: int = 1, deals: int = 40, leads: int = 25,
                 today: date | None = None, call_days: int = 5) -> dict:
    """The whole company: structure, directories, contacts, companies, leads, deals, calls."""
    from sandbox import seed_crm
    rnd = random.Random(seed)
    with portal.lock:
        roles = seed_structure(portal, rnd)
        portal.meta.update(roles)
        seed_directories(portal)
        portal.meta["lead_failure_status"] = "UC_BADPHONE"
        start = day_start(portal, today)
        book = seed_crm.seed_clients(portal, rnd, roles, start)
        seed_crm.seed_leads(portal, rnd, roles, start, book, leads)
        seed_crm.seed_deals(portal, rnd, roles, start, book, deals)
        seed_crm.seed_calls(portal, rnd, roles, start, book, call_days)
    return roles


def seed_bulk_deals(portal: Any, n: int, *, seed: int = 7) -> None:
    """n plain deals inserted directly (no events, no history), for the 100 000-deal benchmark."""
    from sandbox import seed_crm
    with portal.lock:
        seed_crm.bulk_deals(portal, n, random.Random(seed))
