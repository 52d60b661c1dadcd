from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.harness import Harness


@pytest.fixture
async def harness(test_db) -> AsyncIterator[Harness]:
    async with Harness(test_db) as running:
        yield running
