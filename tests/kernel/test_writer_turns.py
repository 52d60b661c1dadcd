"""SQLite writers take turns in the event loop: in arrival order, urgent ones (an ack waiting) first."""

from __future__ import annotations

import asyncio

import pytest

from bot.kernel.db import WriterTurns


async def test_writers_go_one_at_a_time_in_arrival_order_and_urgent_ones_first() -> None:
    turns = WriterTurns()
    order: list[str] = []
    await turns.acquire()  # a write under way

    async def write(name: str, *, urgent: bool = False) -> None:
        await turns.acquire(urgent=urgent)
        order.append(name)
        await asyncio.sleep(0)
        turns.release()

    waiting = [asyncio.create_task(write("outbox")), asyncio.create_task(write("roster"))]
    await asyncio.sleep(0)
    waiting.append(asyncio.create_task(write("ack", urgent=True)))
    await asyncio.sleep(0)
    turns.release()
    await asyncio.gather(*waiting)
    assert order == ["ack", "outbox", "roster"]


async def test_a_cancelled_writer_leaves_the_queue_or_passes_on_the_turn_it_was_given() -> None:
    turns = WriterTurns()
    await turns.acquire()
    gave_up = asyncio.create_task(turns.acquire())
    later = asyncio.create_task(turns.acquire())
    await asyncio.sleep(0)
    gave_up.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gave_up
    turns.release()
    await asyncio.wait_for(later, 1)  # the turn skipped the one that left

    unlucky = asyncio.create_task(turns.acquire())
    last = asyncio.create_task(turns.acquire())
    await asyncio.sleep(0)
    turns.release()  # the turn goes to `unlucky`…
    unlucky.cancel()  # …which is cancelled before it runs: it must hand the turn on
    with pytest.raises(asyncio.CancelledError):
        await unlucky
    await asyncio.wait_for(last, 1)
    turns.release()
    await asyncio.wait_for(turns.acquire(), 1)  # free again
