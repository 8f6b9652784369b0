"""The authorization server: `/oauth/token/` and its own REST `app.info`.

EN:settings/oauth/index.md, EN:settings/oauth/auto-renewal.md (§2.2): GET (POST accepted too)
`/oauth/token/?grant_type=refresh_token&client_id&client_secret&refresh_token` answers the new
pair with client_endpoint, server_endpoint, member_id, scope, status, user_id, expires(_in).
Errors (EN:settings/oauth/error-codes.md) carry no documented HTTP status; the emulator answers
400 for invalid_request/invalid_client/invalid_grant (as OAuth 2.0 and b24pysdk's error classes
do) and 402 for PAYMENT_REQUIRED. `{server_endpoint}app.info?auth=` is the trusted token check
(EN:settings/oauth/simple-way.md; result shape §1.6 from b24pysdk BitrixAppInfoResponse).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from sandbox import install
from sandbox.errors import RestError
from sandbox.rest import decode, error_response, json_response, resolve_auth
from sandbox.tokens import OAuthError

if TYPE_CHECKING:
    from sandbox.state import Cloud


def _oauth_error(exc: OAuthError) -> Response:
    return json_response({"error": exc.code, "error_description": exc.description}, exc.status)


def token(cloud: Cloud, request: Request) -> Response:
    """The token endpoint; only the refresh grant is emulated (the iframe flow never needs the
    authorization-code grant, §2.1)."""
    params = {**request.args.to_dict(), **request.form.to_dict()}
    try:
        if params.get("grant_type") != "refresh_token":
            raise OAuthError("invalid_request", "Unsupported grant_type")
        missing = [k for k in ("client_id", "client_secret", "refresh_token") if not params.get(k)]
        if missing:
            raise OAuthError("invalid_request", f"Missing {', '.join(missing)}")
        app = cloud.apps.get(params["client_id"])
        if app is None or app.client_secret != params["client_secret"]:
            raise OAuthError("invalid_client", "Invalid client credentials")
        grant = cloud.tokens.refresh(app, params["refresh_token"])
    except OAuthError as exc:
        return _oauth_error(exc)
    body = install.token_json(grant)
    body["domain"] = request.host  # the auth server's host, not the portal's (§2.1)
    return json_response(body)


def app_info(cloud: Cloud, request: Request) -> Response:
    """`app.info` on the auth server: who the token belongs to and the install it is for."""
    params = decode(request)
    grant = cloud.grant_for(params.get("auth", "")) if isinstance(params.get("auth"), str) \
        else None
    if grant is None:
        return error_response(RestError("NO_AUTH_FOUND", "Wrong authorization data", 401))
    portal = grant.portal
    try:
        resolve_auth(portal, params, None)  # same expiry/rotation/revocation rules as the portal
    except RestError as exc:
        return error_response(exc)
    scope = grant.app.scope_string
    result = {
        "client_id": grant.app.client_id, "scope": scope,
        "expires": portal.clock.iso(grant.expires_at), "user_id": grant.user_id,
        "install": {"installed": portal.installed, "version": portal.app_version,
                    "status": portal.status, "scope": scope, "domain": portal.domain,
                    "uri": portal.handler_url or "", "client_endpoint": portal.client_endpoint,
                    "member_id": portal.member_id, "member_type": "PORTAL"},
    }
    now = portal.clock.time()
    return json_response({"result": result, "time": {
        "start": now, "finish": now, "duration": 0.0, "processing": 0.0,
        "date_start": portal.clock.iso(now), "date_finish": portal.clock.iso(now)}})


def rest_method(cloud: Cloud, request: Request, method: str) -> Response:
    """The auth server knows only app.info among REST methods."""
    if request.method == "OPTIONS":
        return Response("", 200, {"Access-Control-Allow-Origin": "*"})
    if method.removesuffix(".json").lower() == "app.info":
        return app_info(cloud, request)
    return error_response(RestError("ERROR_METHOD_NOT_FOUND", "Method not found!", 404))

