"""Dialling throughput: one /dial of N parties through the sandbox until every party is final.

Measures the whole loop on the embedded defaults (SQLite): claims, provider HTTP requests, signed
webhooks for every status event, forward-only state updates, and coalesced Slack roster updates.
"""

from __future__ import annotations

import resource
import tempfile
import time

from tests.conftest import TestDatabase
from tests.e2e.harness import Harness

SIZES = (50, 300)


async def run() -> list[str]:
    lines = []
    for size in SIZES:
        workdir = tempfile.mkdtemp(prefix="confbot-bench-")
        async with Harness(TestDatabase(f"sqlite:///{workdir}/bench.db"), speed=200.0) as harness:
            numbers = ", ".join(f"+86138{i:08d}" for i in range(1, size + 1))
            started = time.perf_counter()
            await harness.dial(f"{numbers} into conf 99 now")
            invite = await harness.wait_done(timeout=300)
            elapsed = time.perf_counter() - started
            events = sum(len(call.events) for call in harness.sandbox.calls.values())
            updates = harness.emulator.calls["chat.update"]
            assert invite.roster_ts is not None
        lines.append(
            f"{size} parties: all final and Slack up to date in {elapsed:.1f} s · {size / elapsed:.0f} calls/s · "
            f"{events} webhook events ({events / elapsed:.0f}/s) · {updates} chat.update calls"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"peak resident memory of the process: {peak_mb:.0f} MB")
    return lines
