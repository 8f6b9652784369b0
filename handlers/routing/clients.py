"""Who is calling, and whose client they are: the Contact mirror by phone, then open deals.

Whose client: of the caller's open deals, the one touched most recently (DATE_MODIFY, or the
last stage move if later) decides, because its manager is the one in the middle of the current
conversation with this client — an older deal's manager, or the contact's ASSIGNED_BY (which
nobody updates when a repeat sale goes to a colleague), would more often be the wrong person.
Only a usable manager counts (active, not the exchange account); failing all deals, the
contact's or company's own responsible, then the responsible of an open lead with that number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Contact, Deal, Lead

Usable = Callable[[int], bool]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ClientRef:
    entity_type: str  # CONTACT | COMPANY | LEAD
    entity_id: int
    name: str
    assigned_by_id: int | None
    modified: datetime | None = None


@dataclass(frozen=True)
class OpenDeal:
    deal_id: int
    assigned_by_id: int | None
    active_at: datetime | None

    def recency(self) -> tuple[datetime, int]:
        return (self.active_at or EPOCH, self.deal_id)  # a tie goes to the newer deal


@dataclass(frozen=True)
class Responsible:
    user_id: int
    source: str  # deal | contact | company | lead
    deal_id: int | None = None


@dataclass(frozen=True)
class Caller:
    client: ClientRef | None
    responsible: Responsible | None


@dataclass(frozen=True)
class Directory:
    by_phone: dict[str, tuple[ClientRef, ...]] = field(default_factory=dict)
    deals: dict[tuple[str, int], tuple[OpenDeal, ...]] = field(default_factory=dict)

    def identify(self, phone: str, usable: Usable) -> Caller:
        """The client behind a number and their responsible manager (None when unknown)."""
        matches = self.by_phone.get(phone, ())
        if not matches:
            return Caller(None, None)
        owners = {}
        for ref in matches:
            for deal in self.deals.get((ref.entity_type, ref.entity_id), ()):
                owners.setdefault(deal, ref)
        for deal in sorted(owners, key=OpenDeal.recency, reverse=True):
            if deal.assigned_by_id is not None and usable(deal.assigned_by_id):
                return Caller(owners[deal], Responsible(deal.assigned_by_id, "deal", deal.deal_id))
        ordered = sorted(matches, key=_ref_order)
        for ref in ordered:
            if ref.assigned_by_id is not None and usable(ref.assigned_by_id):
                return Caller(ref, Responsible(ref.assigned_by_id, ref.entity_type.lower()))
        return Caller(ordered[0], None)


def _ref_order(ref: ClientRef) -> tuple[int, float]:
    """Contacts before companies before leads; the most recently changed first."""
    kind = {"CONTACT": 0, "COMPANY": 1}.get(ref.entity_type, 2)
    return (kind, -(ref.modified or EPOCH).timestamp())


def _latest(*moments: datetime | None) -> datetime | None:
    return max((m for m in moments if m is not None), default=None)


def load_directory(session: Session, portal_id: int,
                   normalize: Callable[[str], str]) -> Directory:
    """Phones of contacts, companies and open leads; open deals by contact and company."""
    by_phone: dict[str, list[ClientRef]] = {}
    for etype, eid, name, owner, phones, modified in session.execute(select(
            Contact.entity_type, Contact.b24_id, Contact.name, Contact.assigned_by_id,
            Contact.phones, Contact.date_modify).where(Contact.portal_id == portal_id)):
        ref = ClientRef(etype, eid, name, owner, modified)
        for phone in set(phones or ()):
            by_phone.setdefault(phone, []).append(ref)
    for lid, title, owner, phones, modified in session.execute(select(
            Lead.b24_lead_id, Lead.title, Lead.assigned_by_id, Lead.phones, Lead.date_modify)
            .where(Lead.portal_id == portal_id, Lead.status_semantic == "P",
                   Lead.deleted.is_(False))):
        ref = ClientRef("LEAD", lid, title, owner, modified)
        for phone in {normalize(p) for p in phones or ()} - {""}:
            by_phone.setdefault(phone, []).append(ref)
    deals: dict[tuple[str, int], list[OpenDeal]] = {}
    for did, owner, contact, company, modified, moved in session.execute(select(
            Deal.b24_deal_id, Deal.assigned_by_id, Deal.contact_id, Deal.company_id,
            Deal.date_modify, Deal.moved_time).where(
            Deal.portal_id == portal_id, Deal.stage_semantic == "P", Deal.deleted.is_(False))):
        deal = OpenDeal(did, owner, _latest(modified, moved))
        if contact:
            deals.setdefault(("CONTACT", contact), []).append(deal)
        if company:
            deals.setdefault(("COMPANY", company), []).append(deal)
    return Directory({k: tuple(v) for k, v in by_phone.items()},
                     {k: tuple(v) for k, v in deals.items()})
