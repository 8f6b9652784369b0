"""The portal's conversation rows read as messages (shapes from the REST docs)."""

from __future__ import annotations

from handlers.comm import read


def test_email_direction_contact_and_html_body() -> None:
    said = read.email({"ID": "7", "PROVIDER_ID": "CRM_EMAIL", "TYPE_ID": "4", "DIRECTION": "2",
                       "SUBJECT": "Счёт", "DESCRIPTION": "<p>Анна, счёт&nbsp;во вложении</p>"
                       "\n> старое письмо", "DESCRIPTION_TYPE": "3", "RESPONSIBLE_ID": "5",
                       "START_TIME": "2026-12-07T10:00:00+03:00", "OWNER_TYPE_ID": "2",
                       "OWNER_ID": "9", "COMMUNICATIONS": [{"ENTITY_TYPE_ID": "3",
                                                            "ENTITY_ID": "41"}]})
    assert (said.incoming, said.contact_id, said.manager_id) == (False, 41, 5)
    assert said.text == "Анна, счёт\xa0во вложении" and said.thread == "email:41"


def test_session_lines_skip_system_lines_and_know_the_client() -> None:
    history = {"message": {
        "3": {"id": "3", "senderid": "0", "date": "2026-12-07T10:00:00+03:00", "text": "Начат"},
        "4": {"id": "4", "senderid": "450", "date": "2026-12-07T10:01:00+03:00", "text": "Привет"},
        "5": {"id": "5", "senderid": "5", "date": "2026-12-07T10:03:00+03:00", "text": "Да"}},
        "users": {"450": {"connector": True}, "5": {"connector": False}}}
    lines = read.session_lines({"ID": "8", "ASSOCIATED_ENTITY_ID": "31", "RESPONSIBLE_ID": "5"},
                               history)
    assert [(s.incoming, s.text, s.thread) for s in lines] == [
        (True, "Привет", "openline:31"), (False, "Да", "openline:31")]


def test_talked_counts_client_lines_or_all_lines() -> None:
    labelled = "Менеджер: Алло\nКлиент: Да\nМенеджер: Удобно?\nКлиент: Да\nКлиент: Слушаю"
    assert read.talked(labelled, 3) and not read.talked(labelled, 4)
    assert read.talked("\n".join(["реплика"] * 8), 4) and not read.talked("Алло", 4)
    assert read.transcript({"ID": "1"}, None) is None
