"""event.bind/unbind/get, events, event.test and event.offline.* (scope basic, application only).

EN:api-reference/events/event-bind.md, event-unbind.md, event-get.md, events.md,
test-handler.md, event-offline-get.md, event-offline-list.md, event-offline-clear.md,
event-offline-error.md (§3.1, §3.5). Binding the same event and handler twice is refused with
ERROR_CORE "Handler already binded" (observed; the docs' test page words it as "check if a
handler with the same URL is already registered").
"""

from __future__ import annotations

from typing import Any

from sandbox.errors import RestError
from sandbox.events import Binding, available, emit
from sandbox.registry import CallContext, Page, method


def _get(params: dict, name: str, default: Any = None) -> Any:
    return next((v for k, v in params.items() if k.lower() == name), default)


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _event_code(ctx: CallContext, params: dict) -> str:
    code = str(_get(params, "event", "") or "").upper()
    if code not in available(ctx.portal):
        raise RestError("ERROR_EVENT_NOT_FOUND", "Event not found", 400)
    return code


def _is_offline(params: dict) -> bool:
    return str(_get(params, "event_type", "online") or "online").lower() == "offline"


@method("event.bind", scope="basic", app_only=True)
def event_bind(ctx: CallContext, params: dict) -> bool:
    """Register an online handler URL or an offline queue for one event."""
    code = _event_code(ctx, params)
    offline = _is_offline(params)
    handler = "" if offline else str(_get(params, "handler", "") or "")
    auth_type = _int(_get(params, "auth_type"), 0)
    if offline and not ctx.is_admin:
        raise RestError("ACCESS_DENIED", "Access denied! Offline events binding requires "
                        "administrator access rights", 403)
    if auth_type and auth_type != ctx.user_id and not ctx.is_admin:
        raise RestError("ACCESS_DENIED", "Access denied! Event binding with AUTH_TYPE requires "
                        "administrator access rights", 403)
    if not offline and not handler.startswith(("http://", "https://")):
        raise RestError("ERROR_ARGUMENT", "Argument 'handler' is null or empty", 400,
                        {"argument": "handler"})
    connector = str(_get(params, "auth_connector", "") or "") if offline else ""
    portal = ctx.portal
    for b in portal.bindings:
        if (b.event, b.handler, b.offline, b.auth_connector) == (code, handler, offline,
                                                                   connector):
            raise RestError("ERROR_CORE", "Handler already binded", 400)
    options = _get(params, "options", {})
    portal.bindings.append(Binding(portal.next_binding_id(), code, handler, auth_type, offline,
                                   connector, options if isinstance(options, dict) else {},
                                   ctx.user_id))
    return True


@method("event.unbind", scope="basic", app_only=True)
def event_unbind(ctx: CallContext, params: dict) -> dict:
    """Remove matching registrations; non-admins only their own. {"count": n}."""
    code = str(_get(params, "event", "") or "").upper()
    offline = _is_offline(params)
    handler = str(_get(params, "handler", "") or "")
    auth_type = _get(params, "auth_type")
    portal = ctx.portal

    def hit(b: Binding) -> bool:
        return (b.event == code and b.offline == offline
                and (offline or not handler or b.handler == handler)
                and (auth_type in (None, "") or b.auth_type == _int(auth_type))
                and (ctx.is_admin or b.user_id == ctx.user_id))

    kept = [b for b in portal.bindings if not hit(b)]
    count = len(portal.bindings) - len(kept)
    portal.bindings = kept
    return {"count": count}


@method("event.get", scope="basic", app_only=True)
def event_get(ctx: CallContext, params: dict) -> list[dict]:
    """Registered handlers (non-admins: their own)."""
    return [b.as_row() for b in ctx.portal.bindings if ctx.is_admin or b.user_id == ctx.user_id]


@method("events", scope="basic")
def events(ctx: CallContext, params: dict) -> list[str]:
    """Event names available to the app (by its scopes)."""
    return available(ctx.portal)


@method("event.test", scope="basic", app_only=True)
def event_test(ctx: CallContext, params: dict) -> int:
    """Fire ONAPPTEST to the bound handler with the params under data[QUERY]."""
    emit(ctx.portal, "ONAPPTEST", {"QUERY": dict(params)}, user_id=ctx.user_id)
    return 1


def _admin(ctx: CallContext) -> None:
    if not ctx.is_admin:  # "only admins can bind/read/clear offline events" (offline-events.md)
        raise RestError("ACCESS_DENIED", "Access denied!", 403)


@method("event.offline.get", scope="basic", app_only=True)
def offline_get(ctx: CallContext, params: dict) -> dict:
    _admin(ctx)
    return ctx.portal.offline.get(
        str(_get(params, "auth_connector", "") or ""), filters=_get(params, "filter"),
        order=_get(params, "order"), limit=_int(_get(params, "limit"), 50),
        clear=_int(_get(params, "clear"), 1) != 0, process_id=_get(params, "process_id"),
        error=_int(_get(params, "error"), 0) != 0)


@method("event.offline.list", scope="basic", app_only=True)
def offline_list(ctx: CallContext, params: dict) -> Page:
    _admin(ctx)
    return ctx.portal.offline.listing(str(_get(params, "auth_connector", "") or ""),
                                      _get(params, "filter"), _get(params, "order"),
                                      max(_int(_get(params, "start"), 0), 0))


def _process_id(params: dict) -> str:
    pid = _get(params, "process_id")
    if not pid:
        raise RestError("ERROR_ARGUMENT", "Argument 'process_id' is null or empty", 400,
                        {"argument": "process_id"})
    return str(pid)


def _ids(value: Any) -> list | None:
    if value in (None, "", []):
        return None
    if isinstance(value, dict):
        return list(value.values())
    return list(value) if isinstance(value, list | tuple) else [value]


@method("event.offline.clear", scope="basic", app_only=True)
def offline_clear(ctx: CallContext, params: dict) -> bool:
    _admin(ctx)
    ctx.portal.offline.clear(_process_id(params), _ids(_get(params, "id")),
                             _ids(_get(params, "message_id")))
    return True


@method("event.offline.error", scope="basic", app_only=True)
def offline_error(ctx: CallContext, params: dict) -> bool:
    _admin(ctx)
    ctx.portal.offline.mark_error(_process_id(params), _ids(_get(params, "message_id")))
    return True
