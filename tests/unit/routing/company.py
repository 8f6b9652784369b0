"""A realistic structure in the mirror: nested departments, heads, a fired manager, clients.

    1 ТД «Вектор»               head OWNER
    └ 2 Коммерческая дирекция   head DIRECTOR
      └ 3 Отдел продаж          head HEAD (also listed as a member of 3)
        ├ 4 Телемаркетинг       no head (the §10 walk goes up to HEAD)
        └ 5 Сопровождение       head SENIOR (not a sales department)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.phones import normalize
from handlers.routing import config
from store import mirror

OWNER, DIRECTOR, HEAD, SENIOR = 1, 2, 10, 20
ANNA, OLEG, IVAN, GONE, EXCHANGE = 11, 12, 13, 14, 50
KNOWN, TWO_DEALS, ORPHAN, LEAD_PHONE = "+79161234567", "+79162222222", "+79163333333", \
    "+79164444444"
UNKNOWN = "+79990000000"
# Tuesday 2026-11-24, 11:00 in Moscow; Saturday; Tuesday 20:00
IN_HOURS = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
EVENING = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)

PEOPLE = (  # id, name, last name, departments, extension, active
    (OWNER, "Пётр", "Владельцев", [1], "100", True),
    (DIRECTOR, "Олеся", "Директорова", [2], "200", True),
    (HEAD, "Ирина", "Руководова", [3], "101", True),
    (ANNA, "Анна", "Смирнова", [3], "102", True),
    (OLEG, "Олег", "Иванов", [3], "103", True),
    (IVAN, "Иван", "Петров", [4], "104", True),
    (GONE, "Уволен", "Ушедший", [3], "105", False),
    (EXCHANGE, "Биржа", "лидов", [3], None, True),
    (SENIOR, "Сергей", "Старший", [5], "110", True),
)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def seed(s, pid: int, *, director_active: bool = True) -> None:
    for dep, name, parent, head in ((1, "ТД «Вектор»", None, OWNER),
                                    (2, "Коммерческая дирекция", 1, DIRECTOR),
                                    (3, "Отдел продаж", 2, HEAD), (4, "Телемаркетинг", 3, None),
                                    (5, "Сопровождение клиентов", 3, SENIOR)):
        fields = {"ID": str(dep), "NAME": name}
        if parent:
            fields["PARENT"] = str(parent)
        if head:
            fields["UF_HEAD"] = str(head)
        mirror.upsert_department(s, pid, fields)
    for uid, name, last, deps, ext, active in PEOPLE:
        mirror.upsert_user(s, pid, {"ID": str(uid), "NAME": name, "LAST_NAME": last,
                                    "ACTIVE": active and (uid != DIRECTOR or director_active),
                                    "UF_DEPARTMENT": deps, "UF_PHONE_INNER": ext})
    now = IN_HOURS
    contact(s, pid, 1, "Мария", KNOWN, ANNA)
    contact(s, pid, 2, "Глеб", TWO_DEALS, ANNA)
    contact(s, pid, 3, "Сирота", ORPHAN, GONE)
    deal(s, pid, 201, contact_id=2, owner=OLEG, modified=now - timedelta(days=3))
    deal(s, pid, 202, contact_id=2, owner=IVAN, modified=now - timedelta(hours=2))
    deal(s, pid, 203, contact_id=2, owner=ANNA, modified=now - timedelta(days=1), won=True)
    mirror.upsert_lead(s, pid, {"ID": "301", "TITLE": "Заявка с сайта", "ASSIGNED_BY_ID": OLEG,
                                "STATUS_ID": "NEW", "STATUS_SEMANTIC_ID": "P",
                                "PHONE": [{"VALUE": "8 (916) 444-44-44"}]})
    config.save(s, pid, config.RoutingConfig(sales_department_ids=[3, 4]), user_id=OWNER,
                now=now)
    from handlers.exchange import config as exchange_config
    exchange_config.save(s, pid, exchange_config.ExchangeConfig(exchange_user_id=EXCHANGE),
                         user_id=OWNER, now=now)


def contact(s, pid: int, cid: int, name: str, phone: str, owner: int) -> None:
    mirror.upsert_contact(s, pid, {"ID": str(cid), "NAME": name, "LAST_NAME": "Клиентова",
                                   "ASSIGNED_BY_ID": str(owner), "PHONE": [{"VALUE": phone}]},
                          normalize=normalize)


def deal(s, pid: int, deal_id: int, *, contact_id: int, owner: int, modified: datetime,
         won: bool = False) -> None:
    mirror.upsert_deal(s, pid, {"ID": str(deal_id), "TITLE": f"Сделка {deal_id}",
                                "CONTACT_ID": str(contact_id), "ASSIGNED_BY_ID": str(owner),
                                "STAGE_ID": "WON" if won else "NEW",
                                "STAGE_SEMANTIC_ID": "S" if won else "P",
                                "DATE_CREATE": iso(modified - timedelta(days=10)),
                                "DATE_MODIFY": iso(modified)})
