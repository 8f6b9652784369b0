"""B24Client: one portal's REST API with the retry policy typed by error code (§2.3, §5, §14).

- `expired_token`/`invalid_token` -> `tokens.refresh(stale)` once -> retry once; a second
  expiry raises ExpiredToken (fast_bitrix24 loops forever here, python-clients.md §1.2).
- 503 QUERY_LIMIT_EXCEEDED, 429 OPERATION_TIME_LIMIT, 5xx, network errors -> bounded
  exponential backoff with jitter (tenacity), then RateLimited/ServerError/B24TransportError.
- PortalGone and every other 4xx business error is raised at once, never retried.
- Non-idempotent calls (`*.add`, ...; a batch holding one) are retried only when the request
  surely did not run: a failed connect or a 503/429 limit answer. A read timeout or a 5xx may
  have created the object already, so it is raised (§14.7).
- Every HTTP request first takes a slot in the portal's LeakyBucket (a batch is one request).
- 301/302/307/308 from a moved portal: the same POST goes to the new location and
  `on_endpoint_changed(new_client_endpoint)` lets the caller store it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests
import tenacity

from b24 import listing, wire
from b24.batching import (
    MAX_COMMANDS,
    BatchResult,
    check_method,
    chunked,
    coalesce,
    encode_command,
    is_idempotent,
    parse_batch,
)
from b24.errors import (
    RATE_CODES,
    B24TransportError,
    ExpiredToken,
    RateLimited,
    ServerError,
)
from b24.ratelimit import Limiter, bucket_for
from b24.tokens import TokenProvider, TokenSet

__all__ = ["B24Client", "BatchResult"]

logger = logging.getLogger(__name__)
MAX_REDIRECTS = 3


class B24Client:
    """REST calls for one portal; thread-safe enough to share between a worker's threads."""

    def __init__(self, tokens: TokenProvider, *, limiter: Limiter | None = None,
                 session: requests.Session | None = None, timeout: float = 30.0,
                 max_attempts: int = 5, sleep: Callable[[float], None] = time.sleep,
                 on_endpoint_changed: Callable[[str], None] | None = None,
                 backoff: float = 0.5, max_backoff: float = 16.0) -> None:
        self._tokens = tokens
        self._limiter = limiter
        self._owns_session = session is None
        self._session = session or requests.Session()
        self._timeout = timeout
        self._max_attempts = max(1, max_attempts)
        self._sleep = sleep
        self._on_endpoint_changed = on_endpoint_changed
        self._backoff = (backoff, max_backoff)
        self._moves: dict[str, str] = {}  # old client_endpoint -> where the portal moved
        self._lock = threading.Lock()

    def call(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        """The method's `result`."""
        body = self.call_raw(method, params)
        if "result" not in body:
            raise B24TransportError(f"{method}: answer without a result")
        return body["result"]

    def call_raw(self, method: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The whole answer (result, total, next, time) for list paging and diagnostics."""
        check_method(method)
        return self._request(method, dict(params or {}), idempotent=is_idempotent(method))

    def batch(self, cmds: Mapping[str, tuple[str, Mapping[str, Any] | None]], *,
              halt: bool = False) -> BatchResult:
        """Run commands as batch requests of <= 50; errors are kept per command key.

        Without `halt`, gets of CRM items by id share list commands (b24/batching.coalesce):
        the answer is still one result or error per caller's key.
        """
        cmds = {str(key): command for key, command in cmds.items()}
        if halt:
            return self._batch(cmds, halt=True)
        plan = coalesce(cmds)
        merged = self._batch(plan.commands, halt=False)
        again = plan.split(merged)
        if again:  # ids the lists did not return: their own get says why
            merged.merge(self._batch({key: cmds[key] for key in again}, halt=False))
        return merged

    def _batch(self, cmds: Mapping[str, tuple[str, Mapping[str, Any] | None]], *,
               halt: bool) -> BatchResult:
        items = [(key, encode_command(method, params)) for key, (method, params) in cmds.items()]
        idempotent = all(is_idempotent(method) for method, _ in cmds.values())
        merged = BatchResult()
        for chunk in chunked(items, MAX_COMMANDS):
            body = self._request("batch", {"halt": 1 if halt else 0, "cmd": chunk},
                                 idempotent=idempotent)
            part = parse_batch(body.get("result"))
            merged.merge(part)
            if halt and part.errors:
                break
        return merged

    def list_all(self, method: str, params: Mapping[str, Any] | None = None, *,
                 id_field: str = "ID", items_key: str | None = None,
                 pages_per_batch: int = 50) -> Iterator[dict[str, Any]]:
        """Every row of a list method, lazily, in ID order (see b24/listing.py)."""
        check_method(method)
        return listing.iterate(self, method, params, id_field=id_field, items_key=items_key,
                               pages_per_batch=pages_per_batch)

    def ready_in(self, requests: int = 1) -> float:
        """Seconds until `requests` requests could go out without a wait on the portal's bucket."""
        return self._bucket(self._tokens.current()).delay(requests)

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> B24Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _request(self, method: str, params: dict[str, Any], *, idempotent: bool) -> dict[str, Any]:
        stale = self._tokens.current()
        try:
            return self._with_retries(method, params, stale, idempotent)
        except ExpiredToken as exc:
            logger.info("b24.client.token_expired", extra={"method": method, "code": exc.code})
        fresh = self._tokens.refresh(stale)
        logger.info("b24.client.token_refreshed",
                    extra={"method": method, "member_id": fresh.member_id})
        return self._with_retries(method, params, fresh, idempotent)  # a 2nd expiry raises

    def _with_retries(self, method: str, params: dict[str, Any], tokens: TokenSet,
                      idempotent: bool) -> dict[str, Any]:
        initial, cap = self._backoff
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self._max_attempts),
            wait=tenacity.wait_exponential_jitter(initial=initial, max=cap, jitter=initial),
            retry=tenacity.retry_if_exception(lambda exc: should_retry(exc, idempotent)),
            before_sleep=_log_retry(method), sleep=self._sleep, reraise=True)
        return retrying(self._send, method, params, tokens)

    def _send(self, method: str, params: dict[str, Any], tokens: TokenSet) -> dict[str, Any]:
        endpoint = self._endpoint(tokens)
        url = f"{endpoint}{method}.json"
        data = wire.encode_json({**params, "auth": tokens.access_token})
        bucket = self._bucket(tokens)
        for _ in range(MAX_REDIRECTS + 1):
            bucket.acquire()
            response = wire.post(self._session, url, data, self._timeout)
            target = wire.redirect_target(response, url)
            if target is None:
                return self._decode(response, method, bucket)
            url = target
            self._moved(tokens.client_endpoint, wire.endpoint_of(url, method, endpoint))
        raise B24TransportError(f"{method}: more than {MAX_REDIRECTS} redirects")

    @staticmethod
    def _decode(response: requests.Response, method: str, bucket: Limiter) -> dict[str, Any]:
        try:
            return wire.decode(response, method)
        except RateLimited as exc:
            if exc.status == 503:  # the portal's counter is fuller than ours (shared IP...)
                bucket.note_limited()
            raise

    def _endpoint(self, tokens: TokenSet) -> str:
        with self._lock:
            return self._moves.get(tokens.client_endpoint, tokens.client_endpoint)

    def _moved(self, old: str, new: str) -> None:
        with self._lock:
            if self._moves.get(old, old) == new:
                return
            self._moves[old] = new
        logger.warning("b24.client.endpoint_changed", extra={"old": old, "new": new})
        if self._on_endpoint_changed is not None:
            self._on_endpoint_changed(new)

    def _bucket(self, tokens: TokenSet) -> Limiter:
        if self._limiter is None:
            self._limiter = bucket_for(tokens.member_id or tokens.client_endpoint)
        return self._limiter


def should_retry(exc: BaseException, idempotent: bool) -> bool:
    """Retry only what a wait can fix, and a non-idempotent call only if it surely did not run."""
    if isinstance(exc, RateLimited):
        return idempotent or exc.code in RATE_CODES  # limit answers mean "not executed"
    if isinstance(exc, ServerError):
        return idempotent
    if isinstance(exc, B24TransportError):
        if exc.status is not None and exc.status < 500:
            return False  # a non-JSON 4xx/200 page will not change on retry
        return idempotent or not exc.maybe_sent
    return False


def _log_retry(method: str) -> Callable[[tenacity.RetryCallState], None]:
    def log(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        logger.warning("b24.client.retry", extra={
            "method": method, "attempt": state.attempt_number,
            "wait": round(state.upcoming_sleep, 3), "error": type(exc).__name__,
            "code": getattr(exc, "code", None), "status": getattr(exc, "status", None)})
    return log
