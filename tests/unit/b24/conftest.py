"""Fixtures for the b24 unit tests: a fake portal URL, tokens, a client that never sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import responses

from b24.client import B24Client
from b24.ratelimit import LeakyBucket
from b24.tokens import MemoryTokens, TokenSet

ENDPOINT = "https://portal.example.test/rest/"
MEMBER = "member-0001"


def token_set(n: int = 1) -> TokenSet:
    return TokenSet(f"access-{n}", f"refresh-{n}", datetime.now(UTC) + timedelta(hours=1),
                    ENDPOINT, "https://oauth.example.test/rest/", MEMBER, "crm", 1)


class FakeOAuth:
    """Hands out access-2, access-3 ... and records the refresh tokens it was given."""

    def __init__(self) -> None:
        self.spent: list[str] = []

    def refresh(self, refresh_token: str) -> TokenSet:
        self.spent.append(refresh_token)
        n = len(self.spent) + 1
        return TokenSet(f"access-{n}", f"refresh-{n}", None, "", None, None, None, None)


class Sleeps(list):
    """An injected sleep that only records (no test waits for real)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def oauth() -> FakeOAuth:
    return FakeOAuth()


@pytest.fixture
def tokens(oauth: FakeOAuth) -> MemoryTokens:
    return MemoryTokens(token_set(1), oauth)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def bucket(sleeps: Sleeps) -> LeakyBucket:
    return LeakyBucket(sleep=sleeps)


@pytest.fixture
def b24(tokens: MemoryTokens, bucket: LeakyBucket, sleeps: Sleeps) -> Iterator[B24Client]:
    with B24Client(tokens, limiter=bucket, sleep=sleeps, max_attempts=4) as client:
        yield client


def url(method: str) -> str:
    return f"{ENDPOINT}{method}.json"
