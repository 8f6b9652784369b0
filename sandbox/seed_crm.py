"""CRM history of the seeded company: clients, leads, deals with consistent stage history, calls.

Records are written by the same code as crm.*.add/update (sandbox.crm_entity) under a
QuietContext pinned to past moments, so DATE_CREATE, MOVED_TIME, stage history (§8.9) and the
call statistics (§9.1) agree with each other as if people had done the work over the weeks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sandbox import crm_common as cc
from sandbox import crm_entity as ce
from sandbox import seed_names as names
from sandbox.methods import voximplant as vox
from sandbox.methods.crm_company import COMPANY
from sandbox.methods.crm_contact import CONTACT
from sandbox.methods.crm_deal import DEAL
from sandbox.methods.crm_lead import LEAD
from sandbox.methods.crm_timeline import add_comment
from sandbox.seed import QuietContext

OPEN_PATH = ("NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE")
REPEAT_PATH = ("C1:NEW", "C1:PREPARATION", "C1:EXECUTING")


@dataclass
class Book:
    """What later steps pick from: clients and the phone digits already handed out."""

    contacts: list[tuple[int, str, int]] = field(default_factory=list)  # id, digits, owner
    companies: list[int] = field(default_factory=list)
    used: set[str] = field(default_factory=set)


def at(portal: Any, user_id: int, moment: datetime) -> QuietContext:
    return QuietContext(portal, user_id, app_context=False, at=moment)


def work_moment(rnd: random.Random, start: datetime, days_back: int) -> datetime:
    """A moment on a working day `days_back` before `start`, between 09:00 and 18:00."""
    day = start - timedelta(days=days_back)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day + timedelta(hours=9, seconds=rnd.randrange(9 * 3600))


def seed_clients(portal: Any, rnd: random.Random, roles: dict, start: datetime) -> Book:
    book = Book()
    managers = roles["managers"]
    for n, title in enumerate(names.COMPANIES[:12]):
        digits = "495" + "".join(rnd.choice("0123456789") for _ in range(7))
        fields = {"TITLE": f"ООО «{title}»", "ASSIGNED_BY_ID": rnd.choice(managers),
                  "PHONE": [{"VALUE": names.formatted(digits, n), "VALUE_TYPE": "WORK"}],
                  "EMAIL": [{"VALUE": f"info@{names.translit(title)[:8]}.test".replace(" ", ""),
                             "VALUE_TYPE": "WORK"}]}
        book.used.add(digits)
        moment = work_moment(rnd, start, 60 + rnd.randrange(200))
        book.companies.append(ce.add(at(portal, roles["head"], moment), COMPANY, fields))
    for n in range(30):
        first, last, _ = names.person(rnd)
        digits = names.mobile_digits(rnd, book.used)
        owner = rnd.choice(managers)
        phones = [{"VALUE": names.formatted(digits, rnd.randrange(5)), "VALUE_TYPE": "MOBILE"}]
        if rnd.random() < 0.2:
            phones.append({"VALUE": names.formatted(names.mobile_digits(rnd, book.used), n),
                           "VALUE_TYPE": "WORK"})
        fields = {"NAME": first, "LAST_NAME": last, "ASSIGNED_BY_ID": owner, "PHONE": phones,
                  "SOURCE_ID": rnd.choice(("WEBFORM", "CALL", "RECOMMENDATION", "WEB"))}
        if rnd.random() < 0.7:
            fields["EMAIL"] = [{"VALUE": f"{names.translit(last)}{n}@mail.test",
                                "VALUE_TYPE": "WORK"}]
        if rnd.random() < 0.6:
            fields["COMPANY_ID"] = rnd.choice(book.companies)
        moment = work_moment(rnd, start, 25 + rnd.randrange(120))
        contact_id = ce.add(at(portal, owner, moment), CONTACT, fields)
        book.contacts.append((contact_id, digits, owner))
    return book


def seed_leads(portal: Any, rnd: random.Random, roles: dict, start: datetime, book: Book,
               count: int) -> None:
    exchange, managers = roles["exchange"], roles["managers"]
    finals = ("PROCESSED", "CONVERTED", "JUNK", "UC_BADPHONE")
    for n in range(count):
        first, last, _ = names.person(rnd)
        if rnd.random() < 0.25 and book.contacts:  # an existing client writes in again
            digits = rnd.choice(book.contacts)[1]
        else:
            digits = names.mobile_digits(rnd, book.used)
        created = work_moment(rnd, start, 1 + rnd.randrange(14))
        fresh = rnd.random() < 0.25
        owner = exchange if fresh else rnd.choice(managers)
        fields = {"TITLE": f"Заявка с сайта № {1000 + n}", "NAME": first, "LAST_NAME": last,
                  "SOURCE_ID": rnd.choice(("WEBFORM", "CALL", "WEB", "ADVERTISING")),
                  "ASSIGNED_BY_ID": exchange, "OPPORTUNITY": rnd.randrange(20, 900) * 1000,
                  "PHONE": [{"VALUE": names.formatted(digits, n), "VALUE_TYPE": "MOBILE"}]}
        lead_id = ce.add(at(portal, 0, created), LEAD, fields)
        if fresh:
            continue
        moment = created + timedelta(minutes=5 + rnd.randrange(120))
        ce.update(at(portal, owner, moment), LEAD, lead_id,
                  {"ASSIGNED_BY_ID": owner, "STATUS_ID": "IN_PROCESS"})
        if rnd.random() < 0.7:
            moment += timedelta(hours=2 + rnd.randrange(40))
            if moment < start:
                ce.update(at(portal, owner, moment), LEAD, lead_id,
                          {"STATUS_ID": rnd.choice(finals)})


def _target(rnd: random.Random, path: tuple[str, ...], recent: bool) -> str:
    """Half the cards are still open somewhere on the path, the rest won or lost."""
    roll = rnd.random()
    if recent or roll < 0.5:
        return path[rnd.randrange(len(path))]
    prefix = "C1:" if path is REPEAT_PATH else ""
    return prefix + ("WON" if roll < 0.75 else "LOSE")


def seed_deals(portal: Any, rnd: random.Random, roles: dict, start: datetime, book: Book,
               count: int) -> None:
    exchange, managers = roles["exchange"], roles["managers"]
    for _ in range(count):
        days_back = 1 + rnd.randrange(21)
        created = work_moment(rnd, start, days_back)
        contact_id, _, owner = rnd.choice(book.contacts)
        repeat = rnd.random() < 0.2
        path = REPEAT_PATH if repeat else OPEN_PATH
        contact = portal.table("crm.contact").get(contact_id)
        buyer = contact["LAST_NAME"] or contact["NAME"]
        fields = {"TITLE": f"{rnd.choice(names.PRODUCTS)} — {buyer}", "CONTACT_ID": contact_id,
                  "COMPANY_ID": contact.get("COMPANY_ID"), "CATEGORY_ID": 1 if repeat else 0,
                  "OPPORTUNITY": rnd.randrange(30, 2500) * 1000, "ASSIGNED_BY_ID": exchange,
                  "SOURCE_ID": rnd.choice(("WEBFORM", "CALL", "PARTNER", "RECOMMENDATION")),
                  "TYPE_ID": rnd.choice(("SALE", "COMPLEX", "GOODS", "SERVICE"))}
        deal_id = ce.add(at(portal, 0, created), DEAL, fields)
        if days_back <= 2 and rnd.random() < 0.4:
            continue  # still waiting on the exchange
        manager = owner if rnd.random() < 0.6 else rnd.choice(managers)
        moment = created + timedelta(minutes=3 + rnd.randrange(90))
        ce.update(at(portal, manager, moment), DEAL, deal_id, {"ASSIGNED_BY_ID": manager})
        _walk(portal, rnd, deal_id, manager, moment, _target(rnd, path, days_back <= 2),
              path, start)


def _walk(portal: Any, rnd: random.Random, deal_id: int, manager: int, moment: datetime,
          target: str, path: tuple[str, ...], limit: datetime) -> None:
    """Move the card stage by stage towards its target, each move later than the last."""
    steps = list(path[1:path.index(target) + 1]) if target in path else (
        [*path[1:1 + rnd.randrange(len(path))], target])
    for stage in steps:
        moment += timedelta(hours=1 + rnd.randrange(30), minutes=rnd.randrange(60))
        if moment >= limit:
            return
        ctx = at(portal, manager, moment)
        if stage.endswith(("LOSE", "APOLOGY")):
            reason = rnd.choice(names.LOSS_REASONS)
            ce.update(ctx, DEAL, deal_id, {"STAGE_ID": stage, "COMMENTS": reason})
            add_comment(ctx, "deal", deal_id, reason)
        else:
            ce.update(ctx, DEAL, deal_id, {"STAGE_ID": stage})


def seed_calls(portal: Any, rnd: random.Random, roles: dict, start: datetime, book: Book,
               days: int) -> None:
    """A few working days of built-in telephony history per manager (quiet, §9.1)."""
    for days_back in range(days, 0, -1):
        for manager in roles["managers"]:
            for _ in range(3 + rnd.randrange(5)):
                moment = work_moment(rnd, start, days_back)
                unknown = rnd.random() < 0.15
                phone = (f"+7{names.mobile_digits(rnd, book.used)}" if unknown else
                         f"+7{rnd.choice(book.contacts)[1]}")
                incoming = rnd.random() < 0.4
                answered = rnd.random() < (0.7 if incoming else 0.8)
                match = vox.match_crm(portal, phone)
                facts = vox.CallFacts(
                    vox.new_call_id(portal, phone, moment, external=False), 2 if incoming else 1,
                    manager, phone, moment, 5 + rnd.randrange(600) if answered else 0,
                    "200" if answered else "304", portal_number="reg150908",
                    crm_type=match[0] if match else None, crm_id=match[1] if match else None,
                    recorded=True)
                vox.record_call(at(portal, manager, moment), facts)


def bulk_deals(portal: Any, n: int, rnd: random.Random) -> None:
    """Direct inserts from a template: ~n x 50 fields without events or history."""
    managers = portal.meta.get("managers") or [1]
    stages = [("NEW", "P"), ("PREPARATION", "P"), ("EXECUTING", "P"), ("WON", "S"),
              ("LOSE", "F")]
    template = {**ce.blank(DEAL), **DEAL.defaults, "CATEGORY_ID": "0", "CURRENCY_ID": "RUB",
                "OPENED": "Y", "IS_NEW": "N", "CREATED_BY_ID": "1", "MODIFY_BY_ID": "1"}
    table = portal.table("crm.deal")
    base = portal.clock.now().replace(microsecond=0) - timedelta(days=365)
    for i in range(n):
        stage, sem = stages[rnd.randrange(len(stages))]
        stamp = cc.fmt_dt(base + timedelta(seconds=i * 300))
        owner = str(managers[i % len(managers)])
        rec = dict(template)
        rec.update(TITLE=f"Сделка {i + 1}", STAGE_ID=stage, STAGE_SEMANTIC_ID=sem,
                   CLOSED="N" if sem == "P" else "Y", ASSIGNED_BY_ID=owner, MOVED_BY_ID=owner,
                   OPPORTUNITY=f"{rnd.randrange(1, 999) * 1000}.00", DATE_CREATE=stamp,
                   DATE_MODIFY=stamp, MOVED_TIME=stamp,
                   BEGINDATE=stamp[:10] + "T00:00:00" + stamp[19:])
        table.insert(rec)
