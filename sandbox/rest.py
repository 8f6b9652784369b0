"""The REST dispatcher: one method run from auth to rendered JSON, shared by HTTP, batch and UI.

Order of checks for an HTTP call: portal address (moved -> 302) -> rate bucket (503
QUERY_LIMIT_EXCEEDED, EN:limits.md) -> auth (401 NO_AUTH_FOUND / expired_token / invalid_token,
EN:_includes/system-errors.md) -> `execute`: scripted fault -> method exists (404
ERROR_METHOD_NOT_FOUND) -> auth type (403 WRONG_AUTH_TYPE) -> scope (403 insufficient_scope) ->
admin (403 ACCESS_DENIED) -> strict schema (400, sandbox.spec) -> operating limit (429) -> run
under `portal.lock` -> record. Success body {"result", "total"?, "next"?, "time"} (§5.1,
EN:api-reference/data-types.md#time); errors {"error", "error_description"} (§5.2).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox import registry, spec
from sandbox.errors import RestError
from sandbox.payloads import parse_pairs, parse_query
from sandbox.registry import CallContext, Page
from sandbox.state import Cloud, PortalState, RecordedCall, SpecViolation
from sandbox.tokens import REVOKED, ROTATED

logger = logging.getLogger(__name__)

# A token of one scope also opens methods registered under these
# (EN:api-reference/scopes/permissions.md).
SCOPE_ALIASES = {"user": frozenset({"user", "user_basic", "user_brief"})}
CORS = {"Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Headers": "origin, content-type, accept"}


@dataclass(frozen=True)
class Caller:
    """Who is calling: the token's user, whether it is an app token, and what it may touch."""

    user_id: int
    app_context: bool
    scopes: frozenset[str] | None  # None: a person in the UI, not limited by app scopes
    is_admin: bool
    via: str


@dataclass(frozen=True)
class Outcome:
    result: Any
    start: float
    finish: float
    processing: float
    operating: float
    reset_at: int

    def time_block(self, clock_iso: Any, *, operating: bool = True) -> dict:
        block = {"start": self.start, "finish": self.finish,
                 "duration": self.finish - self.start, "processing": self.processing,
                 "date_start": clock_iso(self.start), "date_finish": clock_iso(self.finish)}
        if operating:
            block.update(operating_reset_at=self.reset_at, operating=self.operating)
        return block


LOST_ANSWER = "<html><head><title>504 Gateway Time-out</title></head><body>nginx</body></html>"


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status,
                    {"Content-Type": "application/json; charset=utf-8", **CORS,
                     **(headers or {})})


def error_response(exc: RestError) -> Response:
    return json_response(exc.body(), exc.status)


def decode(request: Request) -> dict:
    """Params as PHP sees them: query string, then the form or JSON body replacing top-level keys
    (SRC CRestUtil::getRequestData; EN:settings/how-to-call-rest-api/data-encoding.md)."""
    params = parse_pairs(request.args.items(multi=True))
    if request.method != "POST":
        return params
    if request.form:
        params.update(parse_pairs(request.form.items(multi=True)))
    elif request.mimetype == "application/json":
        try:
            body = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            body = None  # PHP swallows a broken JSON body as no params
        if isinstance(body, dict):
            params.update(body)
    else:
        raw = request.get_data(as_text=True)
        if raw.strip():
            params.update(parse_query(raw))
    return params


def resolve_auth(portal: PortalState, params: dict, webhook: tuple[str, str] | None) -> Caller:
    """Map the `auth` token (or the webhook path) to a Caller, or raise the 401 Bitrix sends."""
    if webhook is not None:
        hook = portal.webhooks.get(webhook[1])
        if hook is None or str(hook.user_id) != webhook[0]:
            raise RestError("NO_AUTH_FOUND", "Wrong authorization data", 401)
        return Caller(hook.user_id, False, hook.scopes, portal.is_admin(hook.user_id), "webhook")
    token = params.get("auth")
    grant = portal.cloud.grant_for(token) if isinstance(token, str) else None
    if grant is None or grant.portal is not portal:
        raise RestError("NO_AUTH_FOUND", "Wrong authorization data", 401)
    if grant.state == REVOKED:
        if portal.revoked:
            raise RestError("PAYMENT_REQUIRED", "Payment required", 401)
        raise RestError("NO_AUTH_FOUND", "Wrong authorization data", 401)  # uninstalled
    if grant.state == ROTATED:
        raise RestError("invalid_token", "The access token provided is invalid.", 401)
    if grant.expires_at <= portal.clock.time():
        raise RestError("expired_token", "The access token provided has expired.", 401)
    return Caller(grant.user_id, True, grant.app.scopes, portal.is_admin(grant.user_id), "http")


def _check(method: registry.MethodSpec, caller: Caller, in_batch: bool) -> None:
    if in_batch and not method.batchable:
        raise RestError("ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage",
                        405)
    if method.app_only and not caller.app_context:
        raise RestError("WRONG_AUTH_TYPE", "Current authorization type is denied for this method",
                        403)
    if method.scope != "basic" and caller.scopes is not None:
        accepted = SCOPE_ALIASES.get(method.scope, frozenset({method.scope}))
        if not accepted & caller.scopes:
            raise RestError("insufficient_scope",
                            "The request requires higher privileges than provided by the "
                            "access token", 403)
    if method.admin_only and not caller.is_admin:
        raise RestError("ACCESS_DENIED", "Access denied!", 403)


def _spec_check(portal: PortalState, name: str, params: dict, via: str) -> None:
    problems = spec.violations(name, params)
    if not problems:
        return
    portal.spec_violations.extend(SpecViolation(name, kind, p, via) for kind, p in problems)
    if portal.spec_strict:
        raise RestError("INVALID_ARG_VALUE", spec.describe(name, problems), 400)


def execute(portal: PortalState, name: str, params: dict, caller: Caller, *,
            via: str | None = None, in_batch: bool = False) -> Outcome:
    """Run one method for `caller`; raises RestError. Every run is recorded in portal.calls."""
    via = via or caller.via
    start, error = portal.clock.time(), None
    try:
        fault = portal.take_fault(name)
        if fault is not None:
            raise RestError(fault.error, fault.description, fault.status)
        method = registry.find(name)
        if method is None:
            raise RestError("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)
        _check(method, caller, in_batch)
        _spec_check(portal, name, params, via)
        portal.operating.check(method.name)
        ctx = CallContext(portal, caller.user_id, caller.app_context, caller.is_admin,
                          caller.scopes if caller.scopes is not None else frozenset({"*"}),
                          in_batch, _connector(params))
        began = time.perf_counter()
        if method.name == "batch":
            result = method.fn(ctx, params)  # each sub-call takes the lock itself
        else:
            with portal.lock:
                result = method.fn(ctx, params)
        processing = time.perf_counter() - began
        operating, reset_at = portal.operating.add(method.name, processing)
        return Outcome(result, start, portal.clock.time(), processing, operating, reset_at)
    except RestError as exc:
        error = exc.code or exc.description or "error"
        raise
    except Exception:
        error = "INTERNAL_SERVER_ERROR"  # a bug in a method module: rendered as a 500 by handle()
        raise
    finally:
        if portal.record_calls:
            portal.calls.append(RecordedCall(name, params, caller.user_id, via, error, start))


def _connector(params: dict) -> str | None:
    value = params.get("auth_connector")
    return str(value) if value not in (None, "") else None


def render(portal: PortalState, outcome: Outcome, params: dict) -> dict:
    """The success body; a Page adds total (not for start=-1, §7) and next (if more rows)."""
    result = outcome.result
    body: dict[str, Any] = {}
    if isinstance(result, Page):
        body["result"] = php_empty(result.items)
        if result.total is not None and str(params.get("start", "")) != "-1":
            body["total"] = result.total
        if result.next is not None:
            body["next"] = result.next
    else:
        body["result"] = php_empty(result)
    body["time"] = outcome.time_block(portal.clock.iso)
    return body


def php_empty(value: Any) -> Any:
    """json_encode([]) is `[]` even where an object is meant (§0 PHP quirk)."""
    return [] if isinstance(value, dict) and not value else value


def invoke(portal: PortalState, method: str, params: dict, *, user_id: int,
           app_context: bool = False) -> Any:
    """A person in the UI: internal dispatch, no HTTP, no rate limit; returns the raw result."""
    caller = Caller(int(user_id), app_context, None, portal.is_admin(user_id), "ui")
    return execute(portal, method, params, caller).result


def handle(cloud: Cloud, request: Request, name: str, path: str) -> Response:
    """POST/GET /p/<name>/rest/<method>[.json] and /p/<name>/rest/<user>/<code>/<method>."""
    if request.method == "OPTIONS":
        return Response("", 200, CORS)
    portal = cloud.portals.get(name)
    if portal is None:
        if name in cloud.moved:  # EN:settings/how-to-call-rest-api/change-domen.md
            target = request.url.replace(f"/p/{name}/", f"/p/{cloud.moved[name]}/", 1)
            return Response("", 302, {"Location": target})
        return json_response({"error": "PORTAL_NOT_FOUND", "error_description": name}, 404)
    parts = path.split("/")
    webhook = (parts[0], parts[1]) if len(parts) == 3 else None
    method = parts[-1].removesuffix(".json")
    try:
        outage = portal.outage_fault()
        if outage is not None:
            raise RestError(outage.error, outage.description, outage.status)
        if portal.rate_limit_enabled:
            portal.bucket.take()
        params = decode(request)
        if portal.on_request is not None:
            portal.on_request(method, params)
        caller = resolve_auth(portal, params, webhook)
        params.pop("auth", None)
        outcome = execute(portal, method, params, caller)
        if portal.take_lost_answer(method):  # done, but the answer does not reach the app
            return Response(LOST_ANSWER, 504, {"Content-Type": "text/html"})
        return json_response(render(portal, outcome, params))
    except RestError as exc:
        return error_response(exc)
    except Exception:  # the portal answers 500 JSON (EN:_includes/system-errors.md); log loudly
        logger.exception("sandbox.rest.method_crashed", extra={"method": method,
                                                               "portal": portal.name})
        return error_response(RestError("INTERNAL_SERVER_ERROR", "Internal server error", 500))
