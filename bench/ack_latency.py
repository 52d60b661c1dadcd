"""/dial ack latency: signed slash commands over loopback HTTP, time to Slack's 200.

Runs the real bot (SQLite in a temp dir, sandbox provider) and the Slack emulator in this process,
sends a few hundred signed /dial requests one after another and, separately, in bursts of 10
concurrent requests, and reports how long Slack would have waited for each acknowledgement.
Each request schedules a real invite an hour ahead, so the slow work after the ack is real too.
"""

from __future__ import annotations

import asyncio
import tempfile
import time

from bench.stats import summary_ms
from tests.conftest import TestDatabase
from tests.e2e.harness import Harness, wait_for

SEQUENTIAL = 300
BURSTS = 20
BURST_SIZE = 10


async def run() -> list[str]:
    workdir = tempfile.mkdtemp(prefix="confbot-bench-")
    async with Harness(TestDatabase(f"sqlite:///{workdir}/bench.db")) as harness:
        await harness.dial("help")  # first request pays Bolt's auth.test
        sequential: list[float] = []
        for i in range(SEQUENTIAL):
            started = time.perf_counter()
            response = await harness.dial(f"+86138{i:08d} into conf 42 in 1 hour")
            sequential.append(time.perf_counter() - started)
            assert response.status_code == 200
        burst: list[float] = []

        async def one(i: int) -> None:
            started = time.perf_counter()
            response = await harness.dial(f"+86139{i:08d} into conf 43 in 1 hour")
            burst.append(time.perf_counter() - started)
            assert response.status_code == 200

        for b in range(BURSTS):
            await asyncio.gather(*(one(b * BURST_SIZE + k) for k in range(BURST_SIZE)))
        total = SEQUENTIAL + BURSTS * BURST_SIZE

        async def all_stored() -> bool:
            return await harness.services.store.count_rows("invites") == total

        await wait_for(all_stored, timeout=60, what="every invite to be stored")
        stored = await harness.services.store.count_rows("invites")
    return [
        f"sequential ({SEQUENTIAL} requests): {summary_ms(sequential)}",
        f"bursts of {BURST_SIZE} concurrent ({BURSTS * BURST_SIZE} requests): {summary_ms(burst)}",
        f"invites stored: {stored} (every request scheduled one)",
    ]
