"""ONAPPUNINSTALL runs inside the request: after it, the portal's events must stop counting."""

from __future__ import annotations

import logging

from sqlalchemy import delete

from b24.events import B24Event
from handlers.context import HandlerContext
from handlers.router import router
from store import portals
from store.models import (
    Call,
    Category,
    Deal,
    DealStageHistory,
    Department,
    InboxEvent,
    Lead,
    Stage,
    SyncCursor,
    User,
)

logger = logging.getLogger(__name__)
PORTAL_DATA = (InboxEvent, SyncCursor, User, Department, Stage, Category, Deal, DealStageHistory,
               Lead, Call)


@router.on("ONAPPUNINSTALL", inline=True)
def on_app_uninstall(event: B24Event, ctx: HandlerContext) -> None:
    """Tokens are already useless (§3.6); wipe them, and the data when the admin asked to clean."""
    portals.mark_uninstalled(ctx.session, ctx.portal, ctx.now)
    clean = str(event.data.get("CLEAN", "0")) == "1"
    if clean:
        for model in PORTAL_DATA:
            ctx.session.execute(delete(model).where(model.portal_id == ctx.portal.id))
    logger.info("b24.uninstall.done", extra={"member_id": ctx.portal.member_id, "clean": clean})
