"""matching.call_lead: which lead the portal made for this very call (one chain per caller)."""

from __future__ import annotations

from handlers.telephony.matching import Client, call_lead
from store.models import Call


def call(entity_type: str | None = None, entity_id: int | None = None) -> Call:
    return Call(call_id="c1", crm_entity_type=entity_type, crm_entity_id=entity_id)


def test_the_statistics_binding_names_the_new_lead() -> None:
    assert call_lead(call("LEAD", 41), Client()) == 41


def test_without_statistics_the_fresh_lead_read_names_it() -> None:
    assert call_lead(call(), Client(call_leads=(52,))) == 52


def test_a_known_client_is_built_on_as_before_not_on_a_lead() -> None:
    assert call_lead(call("LEAD", 41), Client(leads=(41,))) is None  # an old lead: known
    assert call_lead(call("LEAD", 41), Client(contacts=(7,))) is None
    assert call_lead(call("CONTACT", 7), Client(contacts=(7,))) is None
    assert call_lead(call(), Client()) is None  # switch off: no lead anywhere


def test_clients_joined_keep_their_call_leads() -> None:
    assert (Client(call_leads=(3,)) | Client(leads=(1,))).call_leads == (3,)
