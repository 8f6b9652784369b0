"""Who is calling, and whose client they are: the Contact mirror by phone, then open deals.

Whose client: of the caller's open deals, the one touched most recently (DATE_MODIFY, or the
last stage move if later) decides, because its manager is the one in the middle of the current
conversation with this client — an older deal's manager, or the contact's ASSIGNED_BY (which
nobody updates when a repeat sale goes to a colleague), would more often be the wrong person.
Only a usable manager counts (active, not the exchange account); failing all deals, the
contact's or company's own responsible, then the responsible of an open lead with that number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, DateTime, Row, Select, case, func, select, type_coerce
from sqlalchemy.orm import Session

from store.models import Contact, Deal, Lead

Usable = Callable[[int], bool]
EPOCH = datetime(1970, 1, 1)  # naive, like active_at
SLICE = 100  # rows per slice: ~1 ms of work, so a waiting request gets the GIL fast


@dataclass(frozen=True)
class ClientRef:
    entity_type: str  # CONTACT | COMPANY | LEAD
    entity_id: int
    name: str
    assigned_by_id: int | None


@dataclass(frozen=True)
class OpenDeal:
    deal_id: int
    assigned_by_id: int | None
    active_at: datetime | None  # naive UTC: read without per-row conversion (rebuild cost)

    def recency(self) -> tuple[datetime, int]:
        """Sort key: last activity, then the deal id."""
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


# The directory holds plain tuples of atoms (str, int, datetime, None): CPython's collector
# stops tracking such tuples and the dicts holding them, so tens of thousands of clients add
# nothing to a full collection's work. With dataclass rows a full collection had to walk them
# all and stalled requests for 100+ ms (bench/routing.py: p99 25 ms -> 6 ms).
RefRow = tuple  # (entity_type, entity_id, name, assigned_by_id)
DealRow = tuple  # (deal_id, assigned_by_id, active_at)


@dataclass(frozen=True)
class Directory:
    by_phone: dict[str, tuple[RefRow, ...]] = field(default_factory=dict)
    deals: dict[tuple[str, int], tuple[DealRow, ...]] = field(default_factory=dict)

    def identify(self, phone: str, usable: Usable) -> Caller:
        """The client behind a number and their responsible manager (None when unknown)."""
        matches = [ClientRef(*row) for row in self.by_phone.get(phone, ())]
        if not matches:
            return Caller(None, None)
        owners: dict[OpenDeal, ClientRef] = {}
        for ref in matches:
            for row in self.deals.get((ref.entity_type, ref.entity_id), ()):
                owners.setdefault(OpenDeal(*row), ref)
        for deal in sorted(owners, key=OpenDeal.recency, reverse=True):
            if deal.assigned_by_id is not None and usable(deal.assigned_by_id):
                return Caller(owners[deal], Responsible(deal.assigned_by_id, "deal", deal.deal_id))
        ordered = sorted(matches, key=_ref_order)
        for ref in ordered:
            if ref.assigned_by_id is not None and usable(ref.assigned_by_id):
                return Caller(ref, Responsible(ref.assigned_by_id, ref.entity_type.lower()))
        return Caller(ordered[0], None)


def _ref_order(ref: ClientRef) -> tuple[int, int]:
    """Contacts before companies before leads; the newest record first."""
    return ({"CONTACT": 0, "COMPANY": 1}.get(ref.entity_type, 2), -ref.entity_id)


def _active_at() -> ColumnElement:
    """The later of the last change and the last stage move, computed by the database and read
    as a plain DateTime (naive UTC): 20 000 deals cost no Python-side conversions."""
    later = case((Deal.moved_time > Deal.date_modify, Deal.moved_time), else_=Deal.date_modify)
    return type_coerce(func.coalesce(later, Deal.moved_time), DateTime())


def _rows(session: Session, stmt: Select, pause: Callable[[], None]) -> Iterator[Row]:
    """Rows in slices with a pause between them, so a background rebuild leaves the GIL to
    the requests this process is serving (a sync gunicorn worker has only the one thread)."""
    for part in session.execute(stmt.execution_options(yield_per=SLICE)).partitions():
        yield from part
        pause()


def load_directory(session: Session, portal_id: int, normalize: Callable[[str], str], *,
                   pause: Callable[[], None] = lambda: None) -> Directory:
    """Phones of contacts, companies and open leads; open deals by contact and company."""
    by_phone: dict[str, tuple[RefRow, ...]] = {}
    for etype, eid, name, owner, phones in _rows(session, select(
            Contact.entity_type, Contact.b24_id, Contact.name, Contact.assigned_by_id,
            Contact.phones).where(Contact.portal_id == portal_id), pause):
        ref = (etype, eid, name, owner)
        for phone in set(phones or ()):
            by_phone[phone] = (*by_phone.get(phone, ()), ref)
    for lid, title, owner, phones in _rows(session, select(
            Lead.b24_lead_id, Lead.title, Lead.assigned_by_id, Lead.phones)
            .where(Lead.portal_id == portal_id, Lead.status_semantic == "P",
                   Lead.deleted.is_(False)), pause):
        ref = ("LEAD", lid, title, owner)
        for phone in {normalize(p) for p in phones or ()} - {""}:
            by_phone[phone] = (*by_phone.get(phone, ()), ref)
    deals: dict[tuple[str, int], tuple[DealRow, ...]] = {}
    for did, owner, contact, company, active_at in _rows(session, select(
            Deal.b24_deal_id, Deal.assigned_by_id, Deal.contact_id, Deal.company_id,
            _active_at()).where(
            Deal.portal_id == portal_id, Deal.stage_semantic == "P", Deal.deleted.is_(False)),
            pause):
        deal = (did, owner, active_at)
        for key in (("CONTACT", contact), ("COMPANY", company)):
            if key[1]:  # tuples, not lists, even while building: see RefRow
                deals[key] = (*deals.get(key, ()), deal)
    return Directory(by_phone, deals)
