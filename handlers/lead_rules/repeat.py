"""Repeat requests: a lead from a known client's phone joins that client instead of starting
from zero — linked to the contact (CONTACT_ID), and the manager of the client's open deal (or
the client's own manager) hears about it.

The link is queued again on a retried event while the portal still shows no contact; the
notice carries a TAG (a resend replaces it) and the comments go out once per journal key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from b24.values import to_int
from handlers import notify
from handlers.context import HandlerContext
from handlers.exchange import config as exchange_config
from handlers.exchange.reactions import name_of
from handlers.lead_rules import texts
from handlers.lead_rules.junk import lead_comment
from store import lead_rules as store
from store.leads_models import LeadTrack
from store.models import Lead

logger = logging.getLogger(__name__)


def link(ctx: HandlerContext, lead: Lead, track: LeadTrack, fields: Mapping[str, Any]) -> None:
    """An open lead without a contact whose phone a mirrored contact has."""
    if lead.status_semantic != "P" or to_int(fields.get("CONTACT_ID")) or not track.phones:
        return
    found = store.contacts_by(ctx.session, ctx.portal.id, phones=track.phones)
    if not found:
        return
    contact, lid = found[0], lead.b24_lead_id
    deal = store.open_deal_of(ctx.session, ctx.portal.id, contact.b24_id)
    owner = deal.assigned_by_id if deal else contact.assigned_by_id
    if owner == exchange_config.load(ctx.session, ctx.portal.id).exchange_user_id:
        owner = None  # the deal waits on the exchange: no person to tell yet
    ctx.write("crm.lead.update", {"id": lid, "fields": {"CONTACT_ID": contact.b24_id}},
              key=f"lead-contact:{lid}")
    lead.contact_id = contact.b24_id  # optimistic: the echo changes nothing
    lang, client = ctx.portal.lang, contact.name or f"#{contact.b24_id}"
    if owner:
        message = texts.text("repeat", lang, client=client, title=lead.title,
                             deal=deal.title) if deal else \
            texts.text("repeat_owner", lang, client=client, title=lead.title)
        ctx.write(*notify.notify(owner, message, tag=f"lead-repeat-{lid}"),
                  key=f"notify-repeat:{lid}")
    fresh = store.journal(ctx.session, ctx.portal.id, lead_id=lid, kind="repeat", user_id=owner,
                          at=ctx.now, key=f"repeat:{lid}",
                          detail={"contact": contact.b24_id,
                                  "deal": deal.b24_deal_id if deal else None})
    if fresh:
        name = name_of(ctx, owner) if owner else "—"
        ctx.write(*lead_comment(lid, texts.text("repeat_comment", lang, client=client,
                                                name=name)), key=f"comment-repeat:{lid}")
        logger.info("lead_rules.repeat.linked", extra={
            "member_id": ctx.portal.member_id, "lead": lid, "contact": contact.b24_id,
            "deal": deal.b24_deal_id if deal else None})
