"""The call card in Bitrix24 follows the PBX's reports (§9.2): register, show, hide, finish.

The card job compares what the PBX reported (the routed call's outcome) with what the portal
has been told (`card_*`) and sends only the difference, so a retry never repeats an effect:
- first report: `telephony.externalCall.register` (TYPE 2, SHOW=1) for the first step's first
  user, then `show` for the rest of that step;
- each later step: `show` to the people who joined;
- an answer: `hide` for everyone else;
- the end: `finish` with the answering user and the duration (304 when nobody answered).
Register is sent alone because everything after it needs its CALL_ID, which is saved at once;
a crash before that save is covered by EXTERNAL_CALL_ID (= routing id): the portal answers a
repeated register within 30 minutes with the same CALL_ID. The rest goes as one batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from b24.client import B24Client
from b24.values import iso
from store.routing_models import RoutingCall

Save = Callable[[dict[str, Any]], None]
INCOMING = 2


@dataclass(frozen=True)
class CardAction:
    key: str
    method: str
    params: dict[str, Any]
    effect: dict[str, Any]  # card_* columns once the portal accepted it


def reached_users(call: RoutingCall) -> list[int]:
    """Everyone ringing at the furthest step reported (steps are cumulative)."""
    users: list[int] = []
    for step in call.steps:
        if call.reached_step is not None and step["step"] <= call.reached_step:
            users = list(step["users"])
    return users


def register_action(call: RoutingCall) -> CardAction | None:
    """The card's first appearance, once the PBX reported the call ringing (None: not yet)."""
    if call.card_call_id or call.reached_step is None or not call.steps:
        return None
    first = call.steps[0]["users"]
    if not first:
        return None
    params: dict[str, Any] = {"USER_ID": first[0], "PHONE_NUMBER": call.caller,
                              "TYPE": INCOMING, "CALL_START_DATE": iso(call.created_at),
                              "CRM_CREATE": 0, "SHOW": 1, "EXTERNAL_CALL_ID": call.routing_id}
    if call.line:
        params["LINE_NUMBER"] = call.line
    if call.client_type and call.client_id:
        params.update(CRM_ENTITY_TYPE=call.client_type, CRM_ENTITY_ID=call.client_id)
    return CardAction("register", "telephony.externalCall.register", params,
                      {"card_user_id": first[0], "card_shown": [first[0]]})


def follow_actions(call: RoutingCall) -> list[CardAction]:
    """After register: who else must see the card, who must stop seeing it, and the end."""
    if not call.card_call_id:
        return []
    cid, shown = call.card_call_id, list(call.card_shown or [])
    actions: list[CardAction] = []
    if call.answered_by is not None:
        wanted = [call.answered_by]  # the one who answered must have the card open
    else:  # nobody answered: a call that ended shows nothing new
        wanted = reached_users(call) if call.finished_at is None else []
    new = [u for u in wanted if u not in shown]
    if new and not call.card_finished:
        shown = shown + new
        actions.append(CardAction("show", "telephony.externalCall.show",
                                  {"CALL_ID": cid, "USER_ID": new}, {"card_shown": shown}))
    keeper = call.answered_by if call.answered_by is not None else call.card_user_id
    others = [u for u in shown if u != keeper]
    closing = call.answered_by is not None or call.finished_at is not None
    if closing and others and not call.card_hidden:
        actions.append(CardAction("hide", "telephony.externalCall.hide",
                                  {"CALL_ID": cid, "USER_ID": others}, {"card_hidden": True}))
    if call.finished_at is not None and not call.card_finished:
        answered = call.answered_by is not None
        actions.append(CardAction("finish", "telephony.externalCall.finish", {
            "CALL_ID": cid, "USER_ID": keeper, "DURATION": call.duration or 0,
            "STATUS_CODE": "200" if answered else "304", "ADD_TO_CHAT": 0},
            {"card_finished": True}))
    return actions


def push(b24: B24Client, call: RoutingCall, save: Save) -> str | None:
    """Bring one call's card up to date; returns the first error (None = all accepted)."""
    register = register_action(call)
    if register is not None:
        result = b24.call(register.method, register.params)
        effect = {**register.effect, "card_call_id": str(result["CALL_ID"])}
        save(effect)
        for key, value in effect.items():
            setattr(call, key, value)
    actions = follow_actions(call)
    if not actions:
        return None
    batch = b24.batch({a.key: (a.method, a.params) for a in actions}, halt=True)
    for action in actions:
        if action.key in batch.errors:
            return f"{action.method}: {batch.errors[action.key]}"
        if action.key in batch.results:
            save(action.effect)
    return None
