"""Small helpers the audit verdicts share: names, one guarded portal batch, taking back."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from b24.errors import B24Error
from handlers.exchange.actions import ActionContext
from store import audits
from store.audits_models import Rejection
from store.models import User

logger = logging.getLogger(__name__)


def name(ctx: ActionContext, user_id: int | None) -> str:
    user = ctx.session.scalar(select(User).where(User.portal_id == ctx.portal.id,
                                                 User.b24_user_id == user_id))
    return user.full_name if user else f"#{user_id}"


def tell_portal(ctx: ActionContext, cmds: dict[str, tuple[str, dict]], main: str) -> Any:
    """The batch, or None when the portal refused the main command."""
    try:
        batch = ctx.b24.batch(cmds, halt=True)
    except B24Error as exc:
        logger.warning("audits.outcome.portal_refused", extra={
            "member_id": ctx.portal.member_id, "error": str(exc)})
        return None
    return None if main in batch.errors or main not in batch.results else batch


def undo(ctx: ActionContext, row: Rejection, state: str) -> None:
    """The portal refused: the rejection waits for a verdict again, its callback too."""
    audits.reopen(ctx.session, ctx.portal.id, row.id, state=state)
    audits.hold_callback(ctx.session, row.id, cancel=False)
    ctx.session.commit()
