"""Clients and managers talking, as the portal records it (for tests and `make demo`).

An e-mail is a crm.activity of TYPE_ID 4 (provider CRM_EMAIL) bound to the contact; an open-line
dialogue is a session with its messages (imopenlines.session.history.get) plus its CRM activity
(provider IMOPENLINES_SESSION, ASSOCIATED_ENTITY_ID = the session id); a call's transcript
hangs off its call activity (crm.activity.call.getTranscript). See sandbox/methods/comm.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sandbox import crm_common as cc
from sandbox.methods.comm import MESSAGES, SESSIONS, TRANSCRIPTS


def email(portal: Any, *, manager: int, contact_id: int, incoming: bool, text: str,
          at: datetime, subject: str = "Вопрос по заказу") -> int:
    """One letter in the contact's timeline; `at` is when it was sent (START_TIME)."""
    return portal.invoke("crm.activity.add", {"fields": {
        "TYPE_ID": 4, "SUBJECT": subject, "DESCRIPTION": text, "DESCRIPTION_TYPE": 1,
        "DIRECTION": 1 if incoming else 2, "RESPONSIBLE_ID": manager, "COMPLETED": "Y",
        "OWNER_TYPE_ID": 3, "OWNER_ID": contact_id, "START_TIME": cc.fmt_dt(at),
        "END_TIME": cc.fmt_dt(at),
        "COMMUNICATIONS": [{"VALUE": f"client{contact_id}@example.ru", "TYPE": "EMAIL",
                            "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id}]}}, user_id=manager)


def dialogue(portal: Any, *, manager: int, contact_id: int, client_name: str,
             lines: list[tuple[bool, str, datetime]]) -> tuple[int, int]:
    """An open-line session: (client?, text, when) lines. Returns (session id, activity id)."""
    sessions = portal.table(SESSIONS)
    chat_id = 1000 + len(list(sessions)) + 1
    client_user = 5000 + chat_id
    session_id = sessions.insert({"CHAT_ID": chat_id, "CLIENT_ID": client_user,
                                  "CLIENT_NAME": client_name, "OPERATOR_ID": manager})
    messages = portal.table(MESSAGES)
    for is_client, text, at in lines:
        messages.insert({"SESSION_ID": session_id, "CHAT_ID": chat_id, "TEXT": text,
                         "SENDER_ID": client_user if is_client else manager,
                         "DATE": cc.fmt_dt(at)})
    activity = portal.invoke("crm.activity.add", {"fields": {
        "TYPE_ID": 6, "PROVIDER_ID": "IMOPENLINES_SESSION", "PROVIDER_TYPE_ID": "LINES",
        "SUBJECT": f"Открытая линия: {client_name}", "RESPONSIBLE_ID": manager,
        "OWNER_TYPE_ID": 3, "OWNER_ID": contact_id, "DIRECTION": 1,
        "START_TIME": cc.fmt_dt(lines[0][2]), "ASSOCIATED_ENTITY_ID": session_id}},
        user_id=manager)
    portal.table("crm.activity").get(activity)["ASSOCIATED_ENTITY_ID"] = str(session_id)
    return session_id, activity


def transcribe(portal: Any, activity_id: int, text: str) -> None:
    """The call's speech recognised (Bitrix24 CoPilot): what getTranscript answers."""
    portal.table(TRANSCRIPTS).insert({"ACTIVITY_ID": activity_id, "TEXT": text})


DEMO_REPLIES = (
    "{name}, добрый день! Счёт во вложении, оплатить можно до пятницы.",
    "Здраствуйте, {name}! Извените за задержку, договор сдесь.",
    "Добрый день. У нас бардак на складе, поэтому отгрузка позже.",
    "{name}, спасибо за звонок. Коммерческое предложение отправил.",
    "Добрый день! Ваша заявка принята, перезвоним в течение часа.",
)
DEMO_NAMES = ("Иван", "Елена", "Александр", "Наталья", "Дмитрий", "Ольга")


def seed_demo(portal: Any, *, managers: list[int], day: datetime) -> int:
    """A day of letters and chats for `make demo`: each manager answers a few clients, some by
    name, some late, some with mistakes. Returns how many conversations were added."""
    added = 0
    for i, manager in enumerate(managers):
        for j in range(3):
            name = DEMO_NAMES[(i + j) % len(DEMO_NAMES)]
            contact = portal.invoke("crm.contact.add", {"fields": {"NAME": name}},
                                    user_id=manager)
            asked = day.replace(hour=9 + j * 2, minute=10 * i % 60)
            reply = DEMO_REPLIES[(i * 3 + j) % len(DEMO_REPLIES)].format(name=name)
            answered = asked + timedelta(minutes=15 + 40 * ((i + j) % 4))
            if j == 1:
                dialogue(portal, manager=manager, contact_id=contact, client_name=name, lines=[
                    (True, "Добрый день, есть в наличии?", asked), (False, reply, answered)])
            else:
                email(portal, manager=manager, contact_id=contact, incoming=True,
                      text="Добрый день, пришлите, пожалуйста, счёт.", at=asked)
                email(portal, manager=manager, contact_id=contact, incoming=False, text=reply,
                      at=answered)
            added += 1
    return added
