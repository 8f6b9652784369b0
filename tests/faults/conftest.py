"""Fault tests: the same scenario day, fault-free and with one fault, must end the same."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date
from types import SimpleNamespace

import pytest

from sandbox.clock import Clock
from sandbox.scenario import default_day
from tests.faults.harness import Day, Snapshot, no_client_limit, play, prepared_day

pytestmark = pytest.mark.e2e
_BASELINE: dict[tuple[str, date], Snapshot] = {}


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
    """The fault-free day, played once per database, day and test process (it is deterministic).

    Keyed by the day too: the multi-process tests run on the real clock, the others at the
    frozen moment, so one test process may need two different days; a baseline of the frozen
    day compared with a faulty run of the real one failed on deal 23's stage (a Wednesday's
    and a Monday's scenario), whichever test happened to run after which.
    """
    key = (migrated, default_day(SimpleNamespace(clock=Clock())))
    if key not in _BASELINE:
        with new_day() as day:
            _BASELINE[key] = play(day)
    yield _BASELINE[key]
