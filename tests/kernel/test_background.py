"""The one background loop: it survives its step's errors, wakes early when asked, and stops cleanly."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.kernel.background import BackgroundLoop

HOUR = 3600.0


async def test_a_failing_step_is_logged_with_its_traceback_and_the_next_one_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[int] = []
    second = asyncio.Event()

    async def step() -> float | None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("database hiccup")
        second.set()
        return HOUR

    loop = BackgroundLoop("flaky", step, every_s=0.0, failure="flaky step failed")
    with caplog.at_level(logging.ERROR, logger="bot.kernel.background"):
        loop.start()
        await asyncio.wait_for(second.wait(), 5)
        await loop.stop()
    [record] = [r for r in caplog.records if r.name == "bot.kernel.background"]
    assert record.getMessage() == "flaky step failed" and record.exc_info is not None
    assert "database hiccup" in caplog.text and runs == [0, 1]


async def test_waking_it_runs_the_next_step_before_its_wait_is_over() -> None:
    wake = asyncio.Event()
    steps = asyncio.Queue[int]()

    async def step() -> None:
        steps.put_nowait(steps.qsize())

    loop = BackgroundLoop("woken", step, every_s=HOUR, wake=wake)
    loop.start()
    await asyncio.wait_for(steps.get(), 5)
    wake.set()
    await asyncio.wait_for(steps.get(), 5)  # an hour early
    await loop.stop()


async def test_the_first_step_waits_for_first_after_s_and_stopping_ends_the_wait_at_once() -> None:
    ran: list[bool] = []

    async def step() -> None:
        ran.append(True)

    loop = BackgroundLoop("later", step, every_s=HOUR, first_after_s=HOUR)
    loop.start()
    await asyncio.sleep(0)  # the task has started and is waiting
    await asyncio.wait_for(loop.stop(), 5)
    assert ran == []


async def test_stopping_lets_a_running_step_finish_within_the_grace_and_starts_no_other() -> None:
    started, gate = asyncio.Event(), asyncio.Event()
    finished: list[int] = []

    async def step() -> float:
        started.set()
        await gate.wait()
        finished.append(1)
        return 0.0  # more to do at once, were it not stopping

    loop = BackgroundLoop("draining", step, every_s=HOUR, grace_s=30)
    loop.start()
    await asyncio.wait_for(started.wait(), 5)
    stopping = asyncio.create_task(loop.stop())
    await asyncio.sleep(0)
    assert loop.stopping and not stopping.done()
    gate.set()
    await asyncio.wait_for(stopping, 5)
    assert finished == [1]


async def test_a_step_that_outlasts_the_grace_is_cancelled() -> None:
    started = asyncio.Event()
    cancelled: list[bool] = []

    async def step() -> None:
        started.set()
        try:
            await asyncio.Event().wait()  # never answers
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    loop = BackgroundLoop("stuck", step, every_s=HOUR, grace_s=0.05)
    loop.start()
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.wait_for(loop.stop(), 5)
    assert cancelled == [True]
