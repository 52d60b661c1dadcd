"""Paced bulk dialing: one /dial of 300 parties sent at a set pace, measured on the sandbox's clock.

Shows how closely the achieved rate follows PACE_SANDBOX_PER_MIN (after the burst), the most calls
any one second carried, and how many times the parent was edited while they were sent.
"""

from __future__ import annotations

import tempfile
import time

from bot.dialout.core.pacing import BURST
from tests.conftest import TestDatabase
from tests.e2e.harness import CHANNEL, Harness, wait_for

PACE = 1200  # requests a minute
SIZE = 300


async def run() -> list[str]:
    workdir = tempfile.mkdtemp(prefix="confbot-bench-")
    database = TestDatabase(f"sqlite:///{workdir}/bench.db")
    async with Harness(database, speed=200.0, min_update_interval_s=1.0, pace_sandbox_per_min=PACE) as harness:
        numbers = ", ".join(f"1380{i:06d}1" for i in range(SIZE))
        started = time.perf_counter()
        await harness.dial(f"{numbers} into conf 99 now")
        await wait_for(lambda: harness.sandbox_dials() == SIZE, timeout=300, what="every call to be placed")
        elapsed = time.perf_counter() - started
        times = sorted(call.placed_at for call in harness.sandbox.calls.values())
        paced = times[BURST:]
        rate = (len(paced) - 1) / (paced[-1] - paced[0]) * 60
        busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
        invite = (await harness.services.store.recent_invites(CHANNEL, 1))[0]
        parent = harness.emulator.find(CHANNEL, invite.thread_ts or "")
        edits = parent.edits if parent else 0
    return [
        f"{SIZE} parties at {PACE}/min: all placed in {elapsed:.1f} s · paced rate {rate:.0f}/min "
        f"({rate / PACE:.1%} of the setting) · busiest second {busiest} calls (pace {PACE / 60:.0f}/s + burst {BURST})",
        f"parent edited {edits} times while sending (at most once a second)",
    ]
