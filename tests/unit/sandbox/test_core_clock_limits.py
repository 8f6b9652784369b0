"""The shared clock and the two REST limits (EN:limits.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.clock import Clock
from sandbox.errors import RestError
from sandbox.limits import LeakyBucket, OperatingMeter


def test_clock_is_in_portal_time_zone_and_advances() -> None:
    clock = Clock()
    before = clock.time()
    clock.advance(3600)
    assert clock.time() - before == pytest.approx(3600, abs=1)
    assert clock.now().utcoffset() == timedelta(hours=3)
    assert clock.iso(0) == "1970-01-01T03:00:00+03:00"


def test_clock_set_jumps_to_a_moment() -> None:
    clock = Clock()
    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    assert abs(clock.now() - datetime(2026, 3, 10, 12, 0, tzinfo=clock.tz)) < timedelta(seconds=2)
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 3, 10))


def test_bucket_allows_a_burst_of_50_then_503() -> None:
    clock = Clock()
    bucket = LeakyBucket(clock.time)
    for _ in range(50):
        bucket.take()
    with pytest.raises(RestError) as caught:
        bucket.take()
    assert (caught.value.code, caught.value.status) == ("QUERY_LIMIT_EXCEEDED", 503)
    assert caught.value.description == "Too many requests"


def test_bucket_drains_two_per_second() -> None:
    clock = Clock()
    bucket = LeakyBucket(clock.time)
    for _ in range(50):
        bucket.take()
    clock.advance(1)
    bucket.take()
    bucket.take()
    with pytest.raises(RestError):
        bucket.take()
    clock.advance(25)
    assert bucket.level() == pytest.approx(0, abs=0.1)


def test_operating_meter_blocks_only_over_its_limit() -> None:
    clock = Clock()
    meter = OperatingMeter(clock.time, limit=1.0)
    used, reset_at = meter.add("crm.deal.list", 0.8)
    assert used == pytest.approx(0.8) and reset_at > clock.time()
    meter.check("crm.deal.list")
    meter.add("crm.deal.list", 0.5)
    with pytest.raises(RestError) as caught:
        meter.check("CRM.DEAL.LIST")
    assert (caught.value.code, caught.value.status) == ("OPERATION_TIME_LIMIT", 429)
    meter.check("crm.deal.get")  # other methods are unaffected
    clock.advance(11 * 60)
    meter.check("crm.deal.list")
