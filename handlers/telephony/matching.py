"""Who is calling: the CRM cards that own a number, as the portal and our mirror know them.

The portal's crm.duplicate.findbycomm (in the chunk's read batch) is the truth; the mirror is
asked as well, because a card created a moment ago may not be searchable yet on one side. A
lead Bitrix24 telephony creates for the call itself (on by default on a new portal) does not
make the number known: the `fresh` read lists leads with this number created since the call
began, and the mirror ignores leads that young too. That lead is the call's own client record,
though: `call_lead` names it (the statistics row's CRM_ENTITY_TYPE/ID, else the fresh read), so
the exchange deal is built on it instead of beside it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from b24.errors import B24ApiError
from b24.values import iso, to_datetime, to_int
from handlers.context import HandlerContext, ReadMissing
from handlers.phones import normalize
from handlers.router import Read
from store.models import Call, Contact, Deal, Lead

logger = logging.getLogger(__name__)
FRESH = timedelta(seconds=5)  # a lead this close to the call's start was made by the call


@dataclass(frozen=True)
class Client:
    contacts: tuple[int, ...] = ()
    companies: tuple[int, ...] = ()
    leads: tuple[int, ...] = ()
    call_leads: tuple[int, ...] = ()  # leads the portal made for this very call (not "known")

    @property
    def known(self) -> bool:
        return bool(self.contacts or self.companies or self.leads)

    def __or__(self, other: Client) -> Client:
        def union(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
            return tuple(sorted(set(a) | set(b)))
        return Client(union(self.contacts, other.contacts), union(self.companies,
                      other.companies), union(self.leads, other.leads),
                      union(self.call_leads, other.call_leads))


def reads(call_id: str, data: Mapping[str, Any]) -> Iterable[Read]:
    """The two lookups the decision needs, batched with the chunk's other reads."""
    phone = str(data.get("PHONE_NUMBER") or "").strip()
    if not phone:
        return
    digits = "".join(ch for ch in phone if ch.isdigit())
    yield Read(f"tel:dup:{digits}", "crm.duplicate.findbycomm",
               {"type": "PHONE", "values": [phone]})
    start = to_datetime(data.get("CALL_START_DATE"))
    if start is not None:
        yield Read(f"tel:fresh:{call_id}", "crm.lead.list", {
            "filter": {"PHONE": phone, ">=DATE_CREATE": iso(start - FRESH)}, "select": ["ID"]})


def from_portal(ctx: HandlerContext, call_id: str, phone: str) -> Client | None:
    """The portal's answer from the read batch, or None when it could not say (then the
    mirror alone decides)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    try:
        found = ctx.read(f"tel:dup:{digits}")
        try:
            fresh = ctx.read(f"tel:fresh:{call_id}") or []
        except ReadMissing:  # no start date on the call: nothing can be that young
            fresh = []
    except (B24ApiError, ReadMissing) as exc:
        logger.warning("telephony.match.portal_failed", extra={
            "member_id": ctx.portal.member_id, "call": call_id, "error": str(exc)})
        return None
    young = {to_int(row.get("ID")) for row in fresh if isinstance(row, Mapping)}
    return replace(client_of(found, young), call_leads=tuple(sorted(i for i in young if i)))


def call_lead(call: Call, client: Client) -> int | None:
    """The lead the portal made for this call (voximplant-statistic-get.md: CRM_ENTITY_TYPE
    "LEAD" and CRM_ENTITY_ID of the row), or None when the call found an existing client."""
    if client.contacts or client.companies:
        return None
    if call.crm_entity_type == "LEAD" and call.crm_entity_id \
            and call.crm_entity_id not in client.leads:
        return call.crm_entity_id
    return None if client.leads else (client.call_leads or (None,))[0]


def client_of(found: Any, young_leads: set[int | None] = frozenset()) -> Client:
    """crm.duplicate.findbycomm's answer ({"CONTACT": [..]} or [] for none, §8.6) -> Client."""
    found = found if isinstance(found, Mapping) else {}

    def ids(kind: str) -> tuple[int, ...]:
        return tuple(sorted({i for i in map(to_int, found.get(kind) or ()) if i} - (
            set(young_leads) if kind == "LEAD" else set())))
    return Client(ids("CONTACT"), ids("COMPANY"), ids("LEAD"))


def _digits_of(phone: str) -> str:
    """The national number's digits: what any spelling of this number contains in a row."""
    try:
        return str(phonenumbers.parse(phone, None).national_number)
    except phonenumbers.NumberParseException:
        return "".join(ch for ch in phone if ch.isdigit())[-10:]


def _stripped(column: Any) -> Any:
    text = cast(column, String)
    for ch in (" ", "-", "(", ")", "."):
        text = func.replace(text, ch, "")
    return text


def from_mirror(session: Session, portal_id: int, phone: str, *, before: datetime,
                region: str) -> Client:
    """Contacts, companies and leads of our mirror with this number (leads older than the call)."""
    digits = _digits_of(phone)
    if len(digits) < 5:
        return Client()
    pattern = f"%{digits}%"
    cards = session.execute(select(Contact.entity_type, Contact.b24_id, Contact.phones).where(
        Contact.portal_id == portal_id, _stripped(Contact.phones).like(pattern))).all()
    leads = session.execute(select(Lead.b24_lead_id, Lead.phones).where(
        Lead.portal_id == portal_id, Lead.deleted.is_(False), _stripped(Lead.phones).like(pattern),
        or_(Lead.date_create.is_(None), Lead.date_create < before - FRESH))).all()

    def owns(numbers: list[str] | None) -> bool:
        return any(normalize(n, region) == phone for n in numbers or ())
    return Client(
        tuple(sorted(i for t, i, p in cards if t == "CONTACT" and owns(p))),
        tuple(sorted(i for t, i, p in cards if t == "COMPANY" and owns(p))),
        tuple(sorted(i for i, p in leads if owns(p))))


def open_deal_of(session: Session, portal_id: int, client: Client,
                 exchange_user_id: int | None) -> Deal | None:
    """The client's open deal, one held by a manager first, the most recently changed first."""
    owners = []
    if client.contacts:
        owners.append(Deal.contact_id.in_(client.contacts))
    if client.companies:
        owners.append(Deal.company_id.in_(client.companies))
    if client.leads:
        owners.append(Deal.lead_id.in_(client.leads))
    if not owners:
        return None
    deals = list(session.scalars(select(Deal).where(
        Deal.portal_id == portal_id, Deal.stage_semantic == "P", Deal.deleted.is_(False),
        or_(*owners)).order_by(Deal.date_modify.desc(), Deal.b24_deal_id.desc()).limit(20)))
    held = [d for d in deals if d.assigned_by_id and d.assigned_by_id != exchange_user_id]
    return (held or deals or [None])[0]
