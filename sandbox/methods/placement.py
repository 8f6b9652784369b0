"""placement.bind/unbind/get/list: widgets the app embeds in the portal UI (§12).

EN:api-reference/widgets/placement-bind.md, placement-unbind.md, placement-get.md,
placement-list.md, placements.md: scope `placement` plus the tool scope of the place (crm, task,
telephony, im); bind/unbind/get are admin-only, all need an application token; an unknown code or
one outside the app's scopes is ERROR_PLACEMENT_NOT_FOUND; a duplicate placement+handler is
refused ("Handler already binded", observed). Widgets show only once the app is installed.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.errors import RestError
from sandbox.registry import CallContext, method


def _family(scope: str, *codes: str) -> dict[str, str]:
    return {code: scope for code in codes}


_CRM_ENTITIES = ("DEAL", "LEAD", "CONTACT", "COMPANY", "QUOTE", "SMART_INVOICE")
_CRM_PLACES = ("DETAIL_TAB", "LIST_MENU", "DETAIL_TOOLBAR", "LIST_TOOLBAR", "DETAIL_ACTIVITY")
PLACEMENT_SCOPES: dict[str, str] = {
    **_family("placement", "LEFT_MENU", "REST_APP_URI", "PAGE_BACKGROUND_WORKER",
              "USER_PROFILE_MENU", "USER_PROFILE_TOOLBAR"),
    **_family("crm", *(f"CRM_{e}_{p}" for e in _CRM_ENTITIES for p in _CRM_PLACES),
              "CRM_ANALYTICS_MENU", "CRM_FUNNELS_TOOLBAR", "CRM_ACTIVITY_LIST_MENU"),
    **_family("telephony", "CALL_CARD", "TELEPHONY_ANALYTICS_MENU"),
    **_family("task", "TASK_LIST_CONTEXT_MENU", "TASK_VIEW_TAB", "TASK_VIEW_SIDEBAR",
              "TASK_VIEW_TOP_PANEL", "TASK_USER_CRITERIA", "TASK_GROUP_LIST_TOOLBAR"),
    **_family("im", "IM_NAVIGATION", "IM_TEXTAREA", "IM_SIDEBAR", "IM_CONTEXT_MENU"),
}
# One handler each (EN:api-reference/widgets/placement-bind.md, ERROR_PLACEMENT_MAX_COUNT);
# REST_APP_URI keeps no OPTIONS and refuses USER_ID (EN:api-reference/widgets/universal/app-url.md).
SINGLE = frozenset({"REST_APP_URI", "PAGE_BACKGROUND_WORKER"})
_DYNAMIC = re.compile(r"^CRM_DYNAMIC_\d+_(DETAIL_TAB|LIST_MENU|DETAIL_TOOLBAR|LIST_TOOLBAR)$")


def _get(params: dict, name: str, default: Any = None) -> Any:
    return next((v for k, v in params.items() if k.upper() == name), default)


def _scopes(ctx: CallContext) -> frozenset[str]:
    app = ctx.portal.app
    return app.scopes if app else frozenset()


def code_scope(code: str) -> str | None:
    return "crm" if _DYNAMIC.match(code) else PLACEMENT_SCOPES.get(code)


def _required(params: dict, name: str) -> str:
    value = str(_get(params, name, "") or "")
    if not value:
        raise RestError("ERROR_ARGUMENT", f"Argument '{name}' is null or empty", 400,
                        {"argument": name})
    return value


@method("placement.bind", scope="placement", admin_only=True, app_only=True)
def placement_bind(ctx: CallContext, params: dict) -> bool:
    code = _required(params, "PLACEMENT").upper()
    handler = _required(params, "HANDLER")
    scope = code_scope(code)
    if scope is None or scope not in (_scopes(ctx) | {"placement"}):
        raise RestError("ERROR_PLACEMENT_NOT_FOUND", "Placement not found", 400)
    if not handler.startswith(("http://", "https://")):
        raise RestError("ERROR_ARGUMENT", "Argument 'HANDLER' is not a valid URL", 400,
                        {"argument": "HANDLER"})
    portal = ctx.portal
    if any(p["placement"] == code and p["handler"] == handler for p in portal.placements):
        raise RestError("ERROR_CORE", "Unable to set placement handler: Handler already binded",
                        400)
    if code in SINGLE and any(p["placement"] == code for p in portal.placements):
        raise RestError("ERROR_PLACEMENT_MAX_COUNT", "Placement max count exceeded", 400)
    if code == "REST_APP_URI" and int(_get(params, "USER_ID", 0) or 0):
        raise RestError("ERROR_PLACEMENT_USER_MODE", "Placement does not support user mode", 400)
    options = [] if code == "REST_APP_URI" else _get(params, "OPTIONS", [])
    portal.placements.append({
        "placement": code, "userId": int(_get(params, "USER_ID", 0) or 0), "handler": handler,
        "options": options if options else [], "title": str(_get(params, "TITLE", "") or ""),
        "description": str(_get(params, "DESCRIPTION", "") or ""),
        "groupName": str(_get(params, "GROUP_NAME", "") or ""),
        "langAll": _get(params, "LANG_ALL", []) or [],
    })
    return True


@method("placement.unbind", scope="placement", admin_only=True, app_only=True)
def placement_unbind(ctx: CallContext, params: dict) -> dict:
    """Remove one handler of a placement, or all of them when HANDLER is empty."""
    code = _required(params, "PLACEMENT").upper()
    handler = str(_get(params, "HANDLER", "") or "")
    portal = ctx.portal
    kept = [p for p in portal.placements
            if not (p["placement"] == code and (not handler or p["handler"] == handler))]
    count = len(portal.placements) - len(kept)
    portal.placements = kept
    return {"count": count}


@method("placement.get", scope="placement", admin_only=True, app_only=True)
def placement_get(ctx: CallContext, params: dict) -> list[dict]:
    return [dict(p) for p in ctx.portal.placements]


@method("placement.list", scope="placement", app_only=True)
def placement_list(ctx: CallContext, params: dict) -> list[str]:
    """Codes the app may bind (SCOPE narrows to one tool scope; FULL: every code)."""
    full = str(_get(params, "FULL", "")).lower() in ("1", "true", "y")
    wanted = _get(params, "SCOPE")
    scopes = _scopes(ctx) | {"placement"}
    return [code for code, scope in PLACEMENT_SCOPES.items()
            if (full or scope in scopes) and (not wanted or scope == wanted)]
