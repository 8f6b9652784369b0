"""Fault tests: the same scenario day, fault-free and with one fault, must end the same."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from tests.faults.harness import Day, Snapshot, no_client_limit, play, prepared_day

pytestmark = pytest.mark.e2e
_BASELINE: dict[str, Snapshot] = {}


@pytest.fixture(scope="session", autouse=True)
def process_logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Logs of the web and worker processes go under pytest's temp dir (kept for a failure)."""
    from tests.faults import processes

    processes.LOG_DIR = tmp_path_factory.mktemp("processes")
    yield
    processes.drop_redis_keys()


@pytest.fixture
def new_day(migrated: str, sessions, monkeypatch) -> Callable[..., AbstractContextManager[Day]]:
    """prepared_day bound to this test's database; the client-side rate model is off."""
    no_client_limit(monkeypatch)

    def make(**options) -> AbstractContextManager[Day]:
        return prepared_day(migrated, sessions, **options)
    return make


@pytest.fixture
def baseline(migrated: str, new_day) -> Iterator[Snapshot]:
    """The fault-free day, played once per database and test process (it is deterministic)."""
    if migrated not in _BASELINE:
        with new_day() as day:
            _BASELINE[migrated] = play(day)
    yield _BASELINE[migrated]
