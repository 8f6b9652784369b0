"""What a finished incoming call asks of the CRM, decided once per call and queued.

- a number with an open deal from an earlier call: the call goes into that deal's timeline
  (and a missed one gives the deal's manager a call-back to-do);
- a number unknown to the CRM: a new deal with a contact for the number, for the manager who
  answered (exchange setting answerer_takes_new_client, on by default) or on the lead exchange,
  both made from the lead the portal's telephony created for the call, when it did (one client
  chain per caller: the lead is converted, never left beside a second client);
- a missed call from a known client: a call-back to-do for the manager of the client's open
  deal, a comment if that deal waits on the exchange, or else a new deal on the exchange.
Bitrix24's own calls are decided in the ONVOXIMPLANTCALLEND handler (handlers/calls.py), a
PBX call in the job before it is registered, so its deal exists when the call reaches the CRM
card (handlers/telephony/pbx_work.py). The decisions become `call_work` rows under keys made
of the call id, and the deal a `call_deals` row (unique per originating call), so a retried
event queues nothing twice. The work runs in jobs/telephony.py, which can wait for the
portal's answers (ids) between steps.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.exchange import config as exchange_config
from handlers.exchange.caps import head_of_sales, sales_managers
from handlers.telephony.matching import Client, call_lead, open_deal_of
from store import telephony as store
from store.models import Call, Deal, Portal, User

logger = logging.getLogger(__name__)
STALE = timedelta(days=1)  # a call this old (found late by the sync) is counted, not acted on


class Ctx(Protocol):
    """An event handler's context or a job's ActionContext: both can decide and queue."""

    portal: Portal
    session: Session
    now: datetime


def react(ctx: Ctx, call: Call, client: Client) -> None:
    """Queue what this call needs; answered calls from known clients need nothing."""
    if call.call_type not in store.INCOMING or not call.phone:
        return
    if ctx.now - call.start_at > STALE:
        logger.info("telephony.call.too_old", extra={"member_id": ctx.portal.member_id,
                                                      "call": call.call_id})
        return
    ex = exchange_config.load(ctx.session, ctx.portal.id)
    earlier = store.open_call_deal(ctx.session, ctx.portal.id, call.phone)
    if earlier is not None:
        _to_earlier_deal(ctx, call, earlier.id, earlier.b24_deal_id, ex.exchange_user_id,
                         own=earlier.origin_call_id == call.call_id)
    elif not client.known:
        _new_deal(ctx, call, client, ex)
    elif not call.answered:
        deal = open_deal_of(ctx.session, ctx.portal.id, client, ex.exchange_user_id)
        if deal is None:
            _new_deal(ctx, call, client, ex)
        elif deal.assigned_by_id and deal.assigned_by_id != ex.exchange_user_id:
            _todo(ctx, call, deal.b24_deal_id, deal.assigned_by_id)
        else:
            _queue(ctx, call, "comment", b24_deal_id=deal.b24_deal_id)


def _to_earlier_deal(ctx: Ctx, call: Call, call_deal_id: int, deal_id: int | None,
                     exchange_user_id: int | None, *, own: bool) -> None:
    _queue(ctx, call, "comment", call_deal_id=call_deal_id)
    if own or call.answered or deal_id is None:
        return
    deal = ctx.session.scalar(select(Deal).where(Deal.portal_id == ctx.portal.id,
                                                 Deal.b24_deal_id == deal_id))
    if deal is not None and deal.assigned_by_id and deal.assigned_by_id != exchange_user_id:
        _todo(ctx, call, deal_id, deal.assigned_by_id)


def _new_deal(ctx: Ctx, call: Call, client: Client,
              ex: exchange_config.ExchangeConfig) -> None:
    """The manager who answered the call (the quickest one earns the client), else on the
    exchange (its user, its first funnel); without an exchange, the head of sales."""
    responsible = answerer(ctx, call, ex) or (ex.exchange_user_id if ex.ready else (
        head_of_sales(ctx.session, ctx.portal.id, ex) or ctx.portal.installer_user_id))
    contact = client.contacts[0] if client.contacts else None
    company = client.companies[0] if client.companies and contact is None else None
    row = store.add_call_deal(ctx.session, ctx.portal.id, phone=call.phone, line=call.line,
                              call_id=call.call_id, call_at=call.start_at, now=ctx.now,
                              contact_id=contact, company_id=company)
    if row is None:
        return
    category = ex.categories[0] if ex.ready and ex.categories else 0
    _queue(ctx, call, "deal", call_deal_id=row.id, responsible_id=responsible,
           payload={"category": category, "lead": call_lead(call, client)})
    _queue(ctx, call, "comment", call_deal_id=row.id)
    logger.info("telephony.deal.queued", extra={"member_id": ctx.portal.member_id,
                                                 "call": call.call_id, "known": client.known})


def answerer(ctx: Ctx, call: Call, ex: exchange_config.ExchangeConfig) -> int | None:
    """Who answered, if the setting is on and he is an active sales manager (not the exchange's
    service account); a missed call, or one taken by anybody else, has nobody here."""
    uid = call.user_id
    if not (ex.answerer_takes_new_client and call.answered and uid) \
            or uid == ex.exchange_user_id:
        return None
    if uid not in sales_managers(ctx.session, ctx.portal.id, ex):
        return None
    active = ctx.session.scalar(select(User.active).where(User.portal_id == ctx.portal.id,
                                                          User.b24_user_id == uid))
    return uid if active else None


def _todo(ctx: Ctx, call: Call, deal_id: int, responsible: int) -> None:
    _queue(ctx, call, "todo", b24_deal_id=deal_id, responsible_id=responsible)


def _queue(ctx: Ctx, call: Call, kind: str, **fields: object) -> None:
    store.queue(ctx.session, ctx.portal.id, key=f"{kind}:{call.call_id}", kind=kind,
                now=ctx.now, call_id=call.call_id, **fields)
