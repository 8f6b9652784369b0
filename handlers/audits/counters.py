"""The senior specialist's daily counters, recomputed from the mirror (today and yesterday).

Definitions (a "day" is a day in the portal's time zone, the telephony setting every page and
report counts days in; there is no zone of the audits' own):
- first_calls: the first answered call of the senior with a handed-off client after the
  hand-off (by the client's phones or the call's CRM binding), counted on the day it happened;
- repeat_calls: his later answered calls with a client who has a deal created after the
  hand-off and before the call (a repeat sale in work);
- feedback_calls: his later answered calls with a client without such a deal;
- proposals: his deals (responsible = the senior) entering a proposal stage (setting
  proposal_stages, default PREPARATION; the "C{n}:" pipeline prefix is ignored);
- invoices: his deals entering an invoice or contract stage (invoice_stages, default
  PREPAYMENT_INVOICE and FINAL_INVOICE);
- payments: his deals entering a success stage (semantic S: the deal is paid and won).
Stage entries come from crm.stagehistory (the sync job mirrors it), calls from our Call table.
Recomputing instead of incrementing makes every run repeat-safe.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from handlers.audits import config
from handlers.exchange.actions import ActionContext
from handlers.telephony import config as telephony_config
from store import audits
from store.audits_models import ClientHandoff
from store.db import write_lock
from store.models import Call, Contact, Deal, DealStageHistory


@dataclass(frozen=True)
class Client:
    entity_type: str
    b24_id: int
    since: datetime
    phones: frozenset[str]


def recount(ctx: ActionContext) -> int:
    """Rows written: one per senior and day (yesterday and today)."""
    cfg = config.load(ctx.session, ctx.portal.id)
    zone = telephony_config.load(ctx.session, ctx.portal.id).tz
    today = ctx.now.astimezone(zone).date()
    write_lock(ctx.session)
    written = 0
    for senior, clients in handed_off(ctx.session, ctx.portal.id).items():
        for day in (today - timedelta(days=1), today):
            start = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
            end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
            values = count_day(ctx.session, ctx.portal.id, cfg, senior, clients, start, end)
            audits.save_counters(ctx.session, ctx.portal.id, senior, day, values, ctx.now)
            written += 1
    ctx.session.commit()
    return written


def handed_off(session: Session, portal_id: int) -> dict[int, list[Client]]:
    """Every client each senior took over, with the phones the calls are matched by."""
    rows = session.execute(select(ClientHandoff, Contact.phones).outerjoin(Contact, and_(
        Contact.portal_id == ClientHandoff.portal_id,
        Contact.entity_type == ClientHandoff.entity_type,
        Contact.b24_id == ClientHandoff.b24_client_id)).where(
        ClientHandoff.portal_id == portal_id, ClientHandoff.status == "done",
        ClientHandoff.senior_id.is_not(None)))
    out: dict[int, list[Client]] = defaultdict(list)
    for row, phones in rows:
        out[row.senior_id].append(Client(row.entity_type, row.b24_client_id,
                                         row.done_at or row.won_at, frozenset(phones or ())))
    return out


def count_day(session: Session, portal_id: int, cfg: config.AuditConfig, senior: int,
              clients: list[Client], start: datetime, end: datetime) -> dict[str, int]:
    values = dict.fromkeys(("first_calls", "repeat_calls", "feedback_calls"), 0)
    values.update(_calls(session, portal_id, senior, clients, start, end))
    values.update(_stages(session, portal_id, cfg, senior, start, end))
    return values


class Book:
    """Clients by phone and by CRM binding, so each call finds its client at once."""

    def __init__(self, clients: list[Client]) -> None:
        self.by_key = {(c.entity_type, c.b24_id): c for c in clients}
        self.by_phone: dict[str, list[Client]] = defaultdict(list)
        for client in clients:
            for phone in client.phones:
                self.by_phone[phone].append(client)

    def owner(self, call: Call) -> Client | None:
        bound = self.by_key.get((call.crm_entity_type or "", call.crm_entity_id or 0))
        for client in ([bound] if bound else []) + self.by_phone.get(call.phone, []):
            if call.start_at >= client.since:
                return client
        return None


def _matches(client: Client):  # noqa: ANN202 - SQL expression
    bound = and_(Call.crm_entity_type == client.entity_type,
                 Call.crm_entity_id == client.b24_id)
    return or_(bound, Call.phone.in_(sorted(client.phones))) if client.phones else bound


def _called_before(session: Session, portal_id: int, senior: int, client: Client,
                   start: datetime) -> bool:
    return session.scalar(select(Call.id).where(
        Call.portal_id == portal_id, Call.user_id == senior, Call.answered.is_(True),
        Call.start_at >= client.since, Call.start_at < start, _matches(client)).limit(1)) \
        is not None


def _calls(session: Session, portal_id: int, senior: int, clients: list[Client],
           start: datetime, end: datetime) -> dict[str, int]:
    """Only the day's calls are read; "first" is decided by one look back per client."""
    counts = dict.fromkeys(("first_calls", "repeat_calls", "feedback_calls"), 0)
    book, seen = Book(clients), set()
    for call in session.scalars(select(Call).where(
            Call.portal_id == portal_id, Call.user_id == senior, Call.answered.is_(True),
            Call.start_at >= start, Call.start_at < end).order_by(Call.start_at, Call.id)):
        client = book.owner(call)
        if client is None:
            continue
        key = (client.entity_type, client.b24_id)
        first = key not in seen and not _called_before(session, portal_id, senior, client,
                                                       start)
        seen.add(key)
        if first:
            counts["first_calls"] += 1
        elif _new_deal(session, portal_id, client, call.start_at):
            counts["repeat_calls"] += 1
        else:
            counts["feedback_calls"] += 1
    return counts


def _new_deal(session: Session, portal_id: int, client: Client, at: datetime) -> bool:
    column = Deal.contact_id if client.entity_type == "CONTACT" else Deal.company_id
    return session.scalar(select(Deal.id).where(
        Deal.portal_id == portal_id, column == client.b24_id, Deal.deleted.is_(False),
        Deal.date_create >= client.since, Deal.date_create <= at).limit(1)) is not None


def _stages(session: Session, portal_id: int, cfg: config.AuditConfig, senior: int,
            start: datetime, end: datetime) -> dict[str, int]:
    counts = dict.fromkeys(("proposals", "invoices", "payments"), 0)
    rows = session.execute(select(DealStageHistory.stage_id, DealStageHistory.stage_semantic)
                           .join(Deal, (Deal.portal_id == DealStageHistory.portal_id)
                                 & (Deal.b24_deal_id == DealStageHistory.b24_deal_id))
                           .where(DealStageHistory.portal_id == portal_id,
                                  Deal.assigned_by_id == senior,
                                  DealStageHistory.created_at >= start,
                                  DealStageHistory.created_at < end))
    for stage_id, semantic in rows:
        code = stage_id.split(":")[-1]
        if semantic == "S":
            counts["payments"] += 1
        elif code in cfg.proposal_stages:
            counts["proposals"] += 1
        elif code in cfg.invoice_stages:
            counts["invoices"] += 1
    return counts

