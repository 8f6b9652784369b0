"""Conversations with clients: open-line session history and call transcripts.

imopenlines.session.history.get (EN:api-reference/imopenlines/openlines/sessions/
imopenlines-session-history-get.md): SESSION_ID or CHAT_ID (SESSION_ID wins; CHAT_ID alone
means the chat's last session); the answer carries chatId, sessionId, "message" keyed by id
({id, chatid, senderid, recipientid "chat<id>", date, text, textlegacy, params}) with senderid
"0" for system lines, and "users" keyed by id where the client is "connector": true; an unknown
chat answers CHAT_ID.
crm.activity.call.getTranscript (EN:api-reference/crm/timeline/activities/activity-base/
crm-activity-call-get-transcript.md, /work/shared/b24-spec): activityId of a call activity
(TYPE_ID 2); result {"transcription": text}, or null when the call has no transcript.
The open-line CRM activity itself is a crm.activity of PROVIDER_ID IMOPENLINES_SESSION whose
ASSOCIATED_ENTITY_ID is the session id, listed by crm.activity.list like any other.
"""

from __future__ import annotations

from typing import Any

from sandbox.errors import RestError, not_found
from sandbox.listing import param
from sandbox.registry import CallContext, method

SESSIONS, MESSAGES, TRANSCRIPTS = "imopenlines.session", "imopenlines.message", "call.transcript"


def _session(ctx: CallContext, params: dict) -> dict:
    sessions = ctx.portal.table(SESSIONS)
    session_id, chat_id = param(params, "SESSION_ID"), param(params, "CHAT_ID")
    if session_id not in (None, "", 0, "0"):
        row = sessions.get(int(session_id))
        if row is not None:
            return row
    elif chat_id not in (None, "", 0, "0"):
        rows = [r for r in sessions if str(r["CHAT_ID"]) == str(chat_id)]
        if rows:
            return max(rows, key=lambda r: int(r["ID"]))
    raise RestError("CHAT_ID", "Chat ID can't be empty", 400)


def _message(row: dict) -> dict[str, Any]:
    chat = f"chat{row['CHAT_ID']}"
    return {"id": str(row["ID"]), "chatid": str(row["CHAT_ID"]),
            "senderid": str(row["SENDER_ID"]), "recipientid": chat, "date": row["DATE"],
            "text": row["TEXT"], "textlegacy": row["TEXT"], "params": []}


def _user(user_id: int, name: str, connector: bool) -> dict[str, Any]:
    return {"id": str(user_id), "name": name, "active": True, "firstName": name,
            "lastName": "", "extranet": connector, "bot": False, "connector": connector,
            "externalAuthId": "imconnector" if connector else "default"}


@method("imopenlines.session.history.get", scope="imopenlines")
def session_history_get(ctx: CallContext, params: dict) -> dict[str, Any]:
    session = _session(ctx, params)
    rows = [r for r in ctx.portal.table(MESSAGES) if int(r["SESSION_ID"]) == int(session["ID"])]
    users = {str(session["CLIENT_ID"]): _user(int(session["CLIENT_ID"]),
                                              session["CLIENT_NAME"], True)}
    for r in rows:
        sender = int(r["SENDER_ID"])
        if sender and str(sender) not in users:
            staff = ctx.portal.table("user").get(sender) or {}
            users[str(sender)] = _user(sender, str(staff.get("NAME") or ""), False)
    messages = {str(r["ID"]): _message(r) for r in sorted(rows, key=lambda r: -int(r["ID"]))}
    return {"chatId": int(session["CHAT_ID"]), "canJoin": "Y", "sessionId": int(session["ID"]),
            "userId": f"chat{session['CHAT_ID']}", "message": messages,
            "usersMessage": {f"chat{session['CHAT_ID']}": list(messages)}, "users": users}


@method("crm.activity.call.getTranscript", scope="crm")
def call_get_transcript(ctx: CallContext, params: dict) -> dict[str, str] | None:
    activity_id = param(params, "activityId")
    if activity_id in (None, "", 0, "0"):
        raise RestError("", "Parameter 'activityId' is required", 400)
    rec = ctx.portal.table("crm.activity").get(int(activity_id))
    if rec is None or str(rec.get("TYPE_ID")) != "2":
        raise not_found()
    found = [r for r in ctx.portal.table(TRANSCRIPTS) if int(r["ACTIVITY_ID"]) == int(activity_id)]
    return {"transcription": found[0]["TEXT"]} if found else None
