"""The emulated cloud's round trip: every HTTP answer waits it; 0 costs nothing."""

from __future__ import annotations

import pytest
import requests

from sandbox.latency import RoundTrip
from sandbox.server import running_cloud


def test_round_trip_draws_inside_its_bounds_reproducibly():
    first = RoundTrip(0.1, 0.2, seed=7).draw()
    again = RoundTrip(0.1, 0.2, seed=7)
    draws = [again.draw() for _ in range(200)]
    assert draws[0] == first
    assert all(0.1 <= d <= 0.2 for d in draws)
    assert max(draws) - min(draws) > 0.05


def test_round_trip_parses_milliseconds():
    assert (RoundTrip.parse("150").low, RoundTrip.parse("150").high) == (0.15, 0.15)
    assert (RoundTrip.parse("100-200").low, RoundTrip.parse("100-200").high) == (0.1, 0.2)
    with pytest.raises(ValueError):
        RoundTrip(0.2, 0.1)


def test_every_http_answer_of_the_cloud_waits_one_round_trip():
    waited: list[float] = []
    with running_cloud(round_trip=(0.1, 0.2)) as cloud:
        cloud.round_trip._sleep = waited.append
        requests.get(f"{cloud.url}/healthz", timeout=5)
        requests.post(f"{cloud.url}/oauth/token/", timeout=5)
    assert len(waited) == 2 and all(0.1 <= w <= 0.2 for w in waited)


def test_no_round_trip_by_default():
    waited: list[float] = []
    with running_cloud() as cloud:
        cloud.round_trip._sleep = waited.append
        requests.get(f"{cloud.url}/healthz", timeout=5)
    assert waited == []
