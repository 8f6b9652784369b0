"""MemoryTokens: single-flight refresh under concurrency; TokenSet keeps secrets out of repr."""

from __future__ import annotations

import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from b24.client import B24Client
from b24.ratelimit import LeakyBucket
from b24.tokens import MemoryTokens, TokenProvider, TokenSet
from tests.unit.b24.conftest import ENDPOINT, FakeOAuth, Sleeps, token_set


class SlowOAuth(FakeOAuth):
    """Holds the refresh open a little so that racing threads really overlap."""

    def refresh(self, refresh_token: str) -> TokenSet:
        time.sleep(0.02)
        return super().refresh(refresh_token)


def test_eight_threads_on_one_stale_token_refresh_exactly_once() -> None:
    oauth = SlowOAuth()
    saved: list[TokenSet] = []
    tokens = MemoryTokens(token_set(1), oauth, on_refreshed=saved.append)
    stale = tokens.current()
    barrier = threading.Barrier(8)

    def hit_expiry(_: int) -> str:
        barrier.wait()
        return tokens.refresh(stale).access_token

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(hit_expiry, range(8)))
    assert results == ["access-2"] * 8
    assert oauth.spent == ["refresh-1"] and tokens.refresh_count == 1
    assert [t.access_token for t in saved] == ["access-2"]


def test_eight_client_threads_hitting_expiry_refresh_once(rsps) -> None:
    oauth = SlowOAuth()
    tokens = MemoryTokens(token_set(1), oauth)
    client = B24Client(tokens, limiter=LeakyBucket(sleep=Sleeps()), sleep=Sleeps())

    def portal(request):
        if json.loads(request.body)["auth"] == "access-1":
            return 401, {}, json.dumps({"error": "expired_token"})
        return 200, {}, json.dumps({"result": "ok"})

    rsps.add_callback("POST", re.compile(re.escape(ENDPOINT) + ".*"), callback=portal)
    barrier = threading.Barrier(8)

    def work(_: int) -> str:
        barrier.wait()
        return client.call("app.info")

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(work, range(8))) == ["ok"] * 8
    assert oauth.spent == ["refresh-1"]


def test_a_later_stale_token_refreshes_again(oauth) -> None:
    tokens = MemoryTokens(token_set(1), oauth)
    second = tokens.refresh(tokens.current())
    third = tokens.refresh(second)
    assert (second.access_token, third.access_token) == ("access-2", "access-3")
    assert oauth.spent == ["refresh-1", "refresh-2"]


def test_refresh_keeps_endpoint_and_identity(oauth) -> None:
    tokens = MemoryTokens(token_set(1), oauth)
    fresh = tokens.refresh(tokens.current())
    assert (fresh.client_endpoint, fresh.member_id, fresh.user_id) == (ENDPOINT, "member-0001", 1)


def test_without_oauth_refresh_is_an_error() -> None:
    tokens = MemoryTokens(token_set(1))
    with pytest.raises(RuntimeError):
        tokens.refresh(tokens.current())


def test_move_endpoint(oauth) -> None:
    tokens = MemoryTokens(token_set(1), oauth)
    tokens.move_endpoint("https://new.example.test/rest/")
    assert tokens.current().client_endpoint == "https://new.example.test/rest/"


def test_tokens_stay_out_of_repr() -> None:
    text = repr(token_set(7))
    assert "access-7" not in text and "refresh-7" not in text and ENDPOINT in text


def test_memory_tokens_is_a_token_provider(oauth) -> None:
    assert isinstance(MemoryTokens(token_set(1), oauth), TokenProvider)
