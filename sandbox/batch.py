"""`batch`: up to 50 sub-calls, run in order, later ones referencing earlier results.

EN:settings/how-to-call-rest-api/batch.md: `cmd` is an object or array of "method?query"
strings (PHP query, URL-decoded, bracket keys), `halt` stops at the first error, more than 50 is
ERROR_BATCH_LENGTH_EXCEEDED, nested batch is ERROR_BATCH_METHOD_NOT_ALLOWED (rest 24.0.0);
the answer is {"result", "result_error", "result_total", "result_next", "result_time"} with
empty members as `[]` and one rate-limit unit for the whole batch (EN:limits.md).

References follow the rest module's CRestUtil::processBatchElement (SRC, newer version):
`$result[key][a][b]` (also `$error`, `$total`, `$next`, `$time`) walks into the results collected
so far and stops at the first missing (or null) key. When the reference is the whole value, the
value becomes whatever the walk reached — for a failed or unknown command that is the whole
`result` map of the commands run so far; inside a longer string an unresolved (non-scalar)
reference is left as literal text. Only values are substituted, not keys. `halt` is PHP's (bool)
cast, so the string "false" counts as true.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sandbox import rest
from sandbox.errors import RestError
from sandbox.payloads import parse_query
from sandbox.registry import CallContext, Page, method

logger = logging.getLogger(__name__)

BATCH_MAX_LENGTH = 50
_REF = re.compile(r"\$(result|next|total|time|error)(\S*)", re.IGNORECASE)
_STEP = re.compile(r"\[([^\]]+)\]")


def php_bool(value: Any) -> bool:
    """PHP (bool): "", "0", 0, null, [] are false; every other string (even "false") is true."""
    if isinstance(value, str):
        return value not in ("", "0")
    return bool(value)


def php_array(members: dict) -> Any:
    """json_encode of a PHP array: [] when empty, a list when keyed 0..n-1 in order."""
    if not members:
        return []
    if all(str(k) == str(i) for i, k in enumerate(members)):
        return list(members.values())
    return {str(k): v for k, v in members.items()}


def _walk(value: Any, steps: list[str]) -> Any:
    for step in steps:
        if isinstance(value, dict) and value.get(step) is not None:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value) \
                and value[int(step)] is not None:
            value = value[int(step)]
        else:
            break  # isset() failed: keep what was reached
    return value


def substitute(text: Any, collected: dict[str, dict]) -> Any:
    """Replace `$result[..]` references in one string value (see module docstring)."""
    if not isinstance(text, str) or "$" not in text:
        return text
    for match in _REF.finditer(text):
        steps = _STEP.findall(match.group(2))
        if not steps:
            continue
        reached = _walk(collected.get(match.group(1)), steps)
        if match.group(0) == text:
            return reached
        if isinstance(reached, bool) or not isinstance(reached, str | int | float):
            continue
        text = text.replace(match.group(0), str(reached))
    return text


def resolve(params: Any, collected: dict[str, dict]) -> Any:
    if isinstance(params, dict):
        return {k: resolve(v, collected) for k, v in params.items()}
    if isinstance(params, list):
        return [resolve(v, collected) for v in params]
    return substitute(params, collected)


def _commands(params: dict) -> tuple[dict, bool]:
    upper = {str(k).upper(): v for k, v in params.items()}  # array_change_key_case(CASE_UPPER)
    cmd = upper.get("CMD") or {}
    if isinstance(cmd, list):
        cmd = {str(i): c for i, c in enumerate(cmd)}
    if not isinstance(cmd, dict):
        cmd = {}
    return cmd, php_bool(upper.get("HALT", False))


def _split(call: str) -> tuple[str, dict]:
    path, _, query = call.partition("?")
    return path.strip(), parse_query(query) if query else {}


@method("batch", scope="basic", batchable=False)
def batch(ctx: CallContext, params: dict) -> dict:
    """Run the sub-calls with the caller's identity; each is recorded with via="batch"."""
    cmd, halt = _commands(params)
    if len(cmd) > BATCH_MAX_LENGTH:
        raise RestError("ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded", 400)
    collected: dict[str, dict] = {"result": {}, "next": {}, "total": {}, "time": {}, "error": {}}
    caller = rest.Caller(ctx.user_id, ctx.app_context,
                         None if "*" in ctx.scopes else ctx.scopes, ctx.is_admin, "batch")
    for key, call in cmd.items():
        if not isinstance(call, str):
            continue  # the source skips non-string commands
        name, sub_params = _split(call)
        sub_params = resolve(sub_params, collected)
        sub_params.pop("auth", None)
        try:
            outcome = rest.execute(ctx.portal, name, sub_params, caller, in_batch=True)
        except Exception as exc:  # each sub-call fails alone, as CRestServer::process renders it
            collected["error"][key] = _error_body(exc, name)
            if halt:
                break
            continue
        _collect(ctx, collected, key, outcome, sub_params)
    return {"result": php_array(collected["result"]),
            "result_error": php_array(collected["error"]),
            "result_total": php_array(collected["total"]),
            "result_next": php_array(collected["next"]),
            "result_time": php_array(collected["time"])}


def _error_body(exc: Exception, name: str) -> dict:
    if isinstance(exc, RestError):
        return exc.body()
    logger.exception("sandbox.batch.method_crashed", extra={"method": name})
    return {"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"}


def _collect(ctx: CallContext, collected: dict, key: str, outcome: rest.Outcome,
             sub_params: dict) -> None:
    result = outcome.result
    if isinstance(result, Page):
        if result.total is not None and str(sub_params.get("start", "")) != "-1":
            collected["total"][key] = result.total
        if result.next is not None:
            collected["next"][key] = result.next
        result = result.items
    collected["result"][key] = rest.php_empty(result)
    collected["time"][key] = outcome.time_block(ctx.portal.clock.iso, operating=False)
