"""Event bindings and emission: which events exist, who is bound, what a handler is sent.

Rules (EN:api-reference/events/index.md, event-bind.md, offline-events.md,
EN:_includes/auth-params-in-events.md, ../shared §3):
- only events of the app's scopes exist for it (`events`), others are "Event not found";
- nothing is sent before the app is INSTALLED (registration itself succeeds) (§1.4);
- the app's own REST changes fire events too (§3.4 "own changes");
- tokens only when a user caused the event (user 0 = robot/web form: no tokens); `auth_type`
  of the binding overrides the user; refresh_token only for ONAPPINSTALL and ONOFFLINEEVENT;
- offline bindings store "latest state per object" instead of calling out (sandbox.offline).
Delivery itself (queue, thread, no retries) lives in sandbox.delivery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.payloads import Pairs, event_form
from sandbox.tokens import ACCESS_TTL

if TYPE_CHECKING:
    from sandbox.state import PortalState


def _codes(scope: str, *names: str) -> dict[str, str]:
    return {name: scope for name in names}


def _crud(prefix: str, *entities: str) -> list[str]:
    return [f"{prefix}{e}{verb}" for e in entities for verb in ("ADD", "UPDATE", "DELETE")]


# Event code -> scope it belongs to (EN:api-reference/events/events.md and the pages per family).
EVENT_SCOPES: dict[str, str] = {
    **_codes("basic", "ONAPPINSTALL", "ONAPPUNINSTALL", "ONAPPUPDATE", "ONAPPPAYMENT",
             "ONAPPTEST", "ONAPPMETHODCONFIRM", "ONOFFLINEEVENT"),
    **_codes("crm", *_crud("ONCRM", "DEAL", "LEAD", "CONTACT", "COMPANY", "ACTIVITY",
                           "TIMELINECOMMENT", "DYNAMICITEM", "QUOTE", "INVOICE", "PRODUCT",
                           "REQUISITE", "DEALRECURRING", "LEADUSERFIELD", "DEALUSERFIELD"),
             "ONCRMDEALMOVETOCATEGORY", "ONCRMDYNAMICITEMMOVETOCATEGORY",
             "ONCRMTIMELINEITEMACTION"),
    **_codes("telephony", "ONVOXIMPLANTCALLINIT", "ONVOXIMPLANTCALLSTART",
             "ONVOXIMPLANTCALLEND", "ONEXTERNALCALLSTART", "ONEXTERNALCALLBACKSTART"),
    **_codes("task", *_crud("ONTASK", "", "COMMENT")),
    **_codes("user", "ONUSERADD"),
    **_codes("im", "ONIMNOTIFYADD", "ONIMNOTIFYANSWER", "ONIMNOTIFYCONFIRM"),
}
REFRESH_EVENTS = frozenset({"ONAPPINSTALL", "ONOFFLINEEVENT"})


@dataclass
class Binding:
    """One event.bind registration (its id is the `event_handler_id` sent with each event)."""

    id: int
    event: str
    handler: str
    auth_type: int = 0
    offline: bool = False
    auth_connector: str = ""
    options: dict = field(default_factory=dict)
    user_id: int = 0  # who bound it (non-admins see and unbind only their own)
    last_signal: float | None = None  # ONOFFLINEEVENT minTimeout bookkeeping

    def as_row(self) -> dict:
        """The event.get shape (EN:api-reference/events/event-get.md)."""
        return {"event": self.event, "handler": self.handler,
                "auth_type": str(self.auth_type), "offline": int(self.offline)}


@dataclass
class Job:
    """An event waiting in the delivery queue."""

    portal: PortalState
    code: str
    handler_id: int
    handler: str
    data: Any
    user_id: int  # 0: no tokens
    force: bool = False  # ONAPPUNINSTALL goes out although the app is already gone


def scopes_of(portal: PortalState) -> frozenset[str]:
    return portal.app.scopes | {"basic"} if portal.app else frozenset({"basic"})


def available(portal: PortalState) -> list[str]:
    """Event codes the installed app may bind (the `events` method)."""
    scopes = scopes_of(portal)
    return [code for code, scope in EVENT_SCOPES.items() if scope in scopes]


def emit(portal: PortalState, code: str, data: Any, *, user_id: int,
         auth_connector: str | None = None) -> int:
    """Queue `code` for every online binding and record it for every offline one; returns the
    number of deliveries queued."""
    code = code.upper()
    if code not in EVENT_SCOPES:
        raise ValueError(f"sandbox: unknown event code {code}; add it to EVENT_SCOPES")
    if not portal.installed:
        return 0  # EN:settings/app-installation/installation-finish.md: not sent before install
    queued, stored = 0, False
    for binding in list(portal.bindings):
        if binding.event != code:
            continue
        if binding.offline:
            stored |= portal.offline.store(binding, code, data, user_id, auth_connector)
        else:
            submit(portal, binding, code, data, user_id)
            queued += 1
    if stored and code != "ONOFFLINEEVENT":
        queued += signal_offline(portal, user_id)
    return queued


def submit(portal: PortalState, binding: Binding, code: str, data: Any, user_id: int) -> None:
    """Queue one delivery; the binding's auth_type user, if set, replaces the acting user."""
    user = binding.auth_type or user_id
    portal.cloud.delivery.submit(Job(portal, code, binding.id, binding.handler, data, user))


def signal_offline(portal: PortalState, user_id: int) -> int:
    """ONOFFLINEEVENT: at most one per `options[minTimeout]` seconds, default 1
    (EN:api-reference/events/on-offline-event.md); data is empty, auth carries a refresh token."""
    now, sent = portal.clock.time(), 0
    for binding in portal.bindings:
        if binding.event != "ONOFFLINEEVENT" or binding.offline:
            continue
        timeout = float(binding.options.get("minTimeout", 1) or 0)
        if binding.last_signal is not None and now - binding.last_signal < timeout:
            continue
        binding.last_signal = now
        submit(portal, binding, "ONOFFLINEEVENT", [], user_id or portal.installer_id or 0)
        sent += 1
    return sent


def auth_block(portal: PortalState, code: str, user_id: int) -> dict[str, Any]:
    """auth[...] of an event: tokens of `user_id` (fresh chain) or none (user 0)."""
    base = {"domain": portal.domain, "server_endpoint": portal.server_endpoint,
            "client_endpoint": portal.client_endpoint, "member_id": portal.member_id}
    if user_id <= 0 or portal.app is None:
        return {**base, "application_token": portal.application_token}
    grant = portal.cloud.tokens.issue(portal, portal.app, user_id)
    auth = {"access_token": grant.access_token, "expires": int(grant.expires_at),
            "expires_in": ACCESS_TTL, "scope": portal.app.scope_string, **base,
            "status": portal.status, "user_id": user_id}
    if code in REFRESH_EVENTS:
        auth["refresh_token"] = grant.refresh_token
    auth["application_token"] = portal.application_token
    # keep the documented order: domain/server_endpoint/status/client_endpoint/member_id
    order = ["access_token", "expires", "expires_in", "scope", "domain", "server_endpoint",
             "status", "client_endpoint", "member_id", "user_id", "refresh_token",
             "application_token"]
    return {key: auth[key] for key in order if key in auth}


def build_form(job: Job) -> Pairs:
    """The exact form POSTed for a job (EN:api-reference/events/index.md)."""
    portal = job.portal
    auth = auth_block(portal, job.code, job.user_id)
    return event_form(job.code, job.data, handler_id=job.handler_id,
                      ts=int(portal.clock.time()), auth=auth)
