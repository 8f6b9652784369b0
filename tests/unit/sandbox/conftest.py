"""The emulated cloud every sandbox unit test starts from (closed after the test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.state import Cloud


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    cloud = Cloud()
    yield cloud
    cloud.close()
