"""Application-level basic methods: app.info, app.option.*, feature.get, scope, methods,
server.time.

Shapes from EN:api-reference/common/system/app-info.md (§1.5), app-option-get.md,
app-option-set.md, feature-get.md, scope.md, methods.md; access rules from the rest module
source (SRC CRestProvider: app.option.* need an application token, set needs an admin).
"""

from __future__ import annotations

from typing import Any

from sandbox import registry
from sandbox.errors import RestError
from sandbox.registry import CallContext, method

ALL_SCOPES = ("crm", "user", "user_basic", "user_brief", "department", "telephony", "call",
              "im", "task", "placement", "user.userfield", "humanresources")


def _app_required(ctx: CallContext) -> None:
    if not ctx.app_context:  # EN:api-reference/common/system/app-info.md: HTTP 400
        raise RestError("ACCESS_DENIED", "Access denied! Application context required", 400)


@method("app.info", scope="basic")
def app_info(ctx: CallContext, params: dict) -> dict:
    """The app's status on this portal (INSTALLED false until installFinish, §1.4)."""
    _app_required(ctx)
    portal = ctx.portal
    app = portal.app
    return {"ID": app.app_id if app else 0, "CODE": app.code if app else "",
            "VERSION": portal.app_version, "STATUS": portal.status,
            "INSTALLED": portal.installed, "PAYMENT_EXPIRED": "Y" if portal.revoked else "N",
            "DAYS": None, "LANGUAGE_ID": portal.lang, "LICENSE": f"{portal.lang}_pro100",
            "LICENSE_TYPE": "pro100", "LICENSE_FAMILY": "pro"}


@method("app.option.get", scope="basic")
def app_option_get(ctx: CallContext, params: dict) -> Any:
    """One option (null if unset) or all of them."""
    _app_required(ctx)
    if "option" in params:
        return ctx.portal.app_options.get(str(params["option"]))
    return dict(ctx.portal.app_options)


@method("app.option.set", scope="basic")
def app_option_set(ctx: CallContext, params: dict) -> bool:
    """`options` map, or the params themselves when `options` is absent (SRC appOptionSet)."""
    _app_required(ctx)
    options = params.get("options", params)
    if not isinstance(options, dict) or not options:
        raise RestError("ERROR_ARGUMENT", "Argument 'options' is null or empty", 400)
    if not ctx.is_admin:
        raise RestError("ACCESS_DENIED", "Administrator authorization required", 403)
    ctx.portal.app_options.update({str(k): v for k, v in options.items()})
    return True


@method("feature.get", scope="basic")
def feature_get(ctx: CallContext, params: dict) -> dict:
    """{"value": "Y"|"N"} for a plan feature such as rest_offline_extended (§3.5)."""
    code = next((v for k, v in params.items() if k.upper() == "CODE"), "")
    if not code:
        raise RestError("CODE_EMPTY", "CODE can't be empty", 400)
    return {"value": ctx.portal.features.get(str(code), "N")}


def _full(params: dict) -> bool:
    value = next((v for k, v in params.items() if k.upper() == "FULL"), False)
    return str(value).lower() in ("1", "true", "y")


def _caller_scopes(ctx: CallContext) -> list[str]:
    if "*" in ctx.scopes:
        return list(ALL_SCOPES)
    return sorted(ctx.scopes)


@method("scope", scope="basic")
def scope(ctx: CallContext, params: dict) -> list[str]:
    """Scopes of the token, or every scope with FULL=true."""
    return list(ALL_SCOPES) if _full(params) else _caller_scopes(ctx)


@method("methods", scope="basic")
def methods(ctx: CallContext, params: dict) -> list[str]:
    """Method names of SCOPE (or the token's scopes + basic; FULL=true: all)."""
    wanted = next((v for k, v in params.items() if k.upper() == "SCOPE"), None)
    if wanted:
        scopes = {str(wanted)}
    elif _full(params):
        scopes = {spec.scope for spec in registry.METHODS.values()}
    else:
        scopes = {*_caller_scopes(ctx), "basic"}
    return sorted(spec.name for spec in registry.METHODS.values() if spec.scope in scopes)


@method("server.time", scope="basic")
def server_time(ctx: CallContext, params: dict) -> str:
    """The portal's current time, ISO-8601."""
    return ctx.portal.clock.iso()
