"""Open-line history and call transcripts in the emulated portal, as the docs show them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from crm_portal import START, open_portal

from sandbox import conversations
from sandbox.errors import RestError


@pytest.fixture
def portal():
    with open_portal() as portal:
        yield portal


def _contact(portal) -> int:
    return portal.invoke("crm.contact.add", {"fields": {"NAME": "Анна"}}, user_id=2)


def test_session_history_marks_the_client_as_connector(portal):
    contact = _contact(portal)
    session, activity = conversations.dialogue(portal, manager=2, contact_id=contact,
                                               client_name="Анна", lines=[
        (True, "Есть доставка?", START), (False, "Анна, да.", START + timedelta(minutes=5))])
    history = portal.invoke("imopenlines.session.history.get", {"SESSION_ID": session},
                            user_id=2)
    assert history["sessionId"] == session
    by_text = {m["text"]: m for m in history["message"].values()}
    client = by_text["Есть доставка?"]["senderid"]
    assert history["users"][client]["connector"] is True
    assert history["users"][by_text["Анна, да."]["senderid"]]["connector"] is False
    row = portal.invoke("crm.activity.get", {"id": activity}, user_id=2)
    assert (row["PROVIDER_ID"], row["ASSOCIATED_ENTITY_ID"]) == ("IMOPENLINES_SESSION",
                                                                 str(session))
    with pytest.raises(RestError):
        portal.invoke("imopenlines.session.history.get", {"SESSION_ID": 999}, user_id=2)


def test_transcript_of_a_call_or_null(portal):
    contact = _contact(portal)
    mail = conversations.email(portal, manager=2, contact_id=contact, incoming=True,
                               text="Добрый день", at=START)
    with pytest.raises(RestError):  # not a call
        portal.invoke("crm.activity.call.getTranscript", {"activityId": mail}, user_id=2)
    call = portal.invoke("crm.activity.add", {"fields": {
        "TYPE_ID": 2, "SUBJECT": "Звонок", "RESPONSIBLE_ID": 2, "OWNER_TYPE_ID": 3,
        "OWNER_ID": contact, "DIRECTION": 2,
        "COMMUNICATIONS": [{"VALUE": "+79130000000", "ENTITY_TYPE_ID": 3,
                            "ENTITY_ID": contact}]}}, user_id=2)
    assert portal.invoke("crm.activity.call.getTranscript", {"activityId": call},
                         user_id=2) is None
    conversations.transcribe(portal, call, "Менеджер: Алло\nКлиент: Да")
    assert portal.invoke("crm.activity.call.getTranscript", {"activityId": call},
                         user_id=2) == {"transcription": "Менеджер: Алло\nКлиент: Да"}


def test_demo_day_of_correspondence(portal):
    managers = [int(u["ID"]) for u in portal.table("user")][:2]
    assert conversations.seed_demo(portal, managers=managers, day=START) == 6
    kinds = [a["PROVIDER_ID"] for a in portal.table("crm.activity")]
    assert kinds.count("CRM_EMAIL") == 8 and kinds.count("IMOPENLINES_SESSION") == 2
